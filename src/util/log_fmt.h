/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_LOG_FMT_H
#define SKUA_UTIL_LOG_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A log line's printf format and its arguments, captured on the calling
 * thread without formatting anything, and formatted later by the log
 * thread into exactly the text vsnprintf() would have made then (cut at
 * LOG_LINE_MAX bytes as a line is). The capture is a copy of the format
 * and, in order, each conversion's `*` width and precision and its value;
 * a %s string is copied (at most what can still reach the line: a line
 * is never longer than LOG_LINE_MAX), with its full length for the
 * padding; %m keeps the caller's errno.
 *
 * Captured: flags - + space # 0 ', a width and a precision (digits or
 * `*`), the length modifiers hh h l ll z j t L, the conversions
 * d i u o x X c s p f F e E g G a A, %% and glibc's %m. Anything else
 * (%n, positional arguments, wide characters and strings, an unknown
 * conversion) and a capture larger than LOG_FMT_MAX is refused: the
 * caller then formats the line itself (a "fallback", counted).
 */

/*
 * Capture fmt and its arguments into out (cap bytes); err is the caller's
 * errno at the call, for %m. Returns the bytes used, or 0 when refused.
 * Context: any thread; ap is consumed either way (pass a va_copy to be
 * able to format it after a refusal); never blocks, no allocation.
 */
size_t log_fmt_capture(void *out, size_t cap, const char *fmt, va_list ap, int err);

/*
 * Format what log_fmt_capture() wrote (len bytes at rec) into out (cap
 * bytes, NUL-terminated). Returns the length of the text, at most cap - 1:
 * what vsnprintf(out, cap, ...) would have written, and 0 where it would
 * have failed (a line longer than INT_MAX). Context: any thread.
 */
size_t log_fmt_render(char *out, size_t cap, const void *rec, size_t len);

#endif
