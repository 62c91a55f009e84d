/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_LOG_PRIV_H
#define SKUA_UTIL_LOG_PRIV_H

/* Shared by log.c (formatting, destinations) and log_thread.c (rings, thread, limits). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"
#include "util/log_ring.h"

/*
 * Owner: log_init()/log_fini() on the main thread set the destination;
 * whoever writes (the log thread, or a caller while it does not run) uses
 * fd; written is a relaxed counter.
 */
struct log_out {
	enum log_dest dest;
	int fd;			/* stderr or the log file */
	bool no_time;
	bool no_ip;
	char ident[32];
	bool off;		/* SKUA_LOG_OFF=1 (bench/flood.sh): nothing is formatted or written */
	_Atomic uint64_t written;
	_Atomic uint64_t fallback;	/* lines a thread with a ring had to format itself */
};
extern struct log_out log_out;

/* Lines this thread formatted itself (log_test_formatted_here()). */
extern _Thread_local uint64_t log_formatted_here;

/* Whether lines go to the rings (the log thread runs). Context: any thread. */
bool log_thread_running(void);

/* "Mon dd hh:mm:ss.uuuuuu: " (unless no_time), "| " for debug, the text and "\n". */
size_t log_format(char *out, size_t cap, uint64_t ts_ns, bool debug, const char *text, size_t len);

/* Write one line now. Context: the log thread, or any thread while it does not run. */
void log_write_now(int prio, uint64_t ts_ns, bool debug, const char *text, size_t len);

/*
 * Queue a line on this thread's ring, or write it now: the formatted text
 * (LOG_REC_LINE) or a capture of its format and arguments (LOG_REC_FMT,
 * util/log_fmt.h), which is formatted here only if the log thread stopped
 * meanwhile. Context: any thread.
 */
void log_line(int prio, bool debug, enum log_rec_kind kind, const void *data, size_t len);

/* Write every pending "suppressed" summary. Context: log_fini(). */
void log_limits_report_all(void);

#endif
