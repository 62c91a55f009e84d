/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_LOG_H
#define SKUA_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/*
 * Logging: syslog (facility authpriv), stderr or a file, as pluto's
 * --stderrlog / --logfile choose. Debug lines are prefixed with "| ".
 * Never pass a secret to any of these.
 */

enum log_dest {
	LOG_DEST_SYSLOG,
	LOG_DEST_STDERR,
	LOG_DEST_FILE,
};

struct log_config {
	enum log_dest dest;
	const char *file;	/* LOG_DEST_FILE */
	const char *ident;	/* syslog ident and stderr prefix, e.g. "pluto" */
	bool no_time;		/* --log-no-time: no timestamp on stderr/file lines */
	bool truncate;		/* --log-no-append: truncate the log file at start */
	bool no_ip;		/* --log-no-ip: peer addresses shown as <address> */
	bool no_audit;		/* --log-no-audit: no audit records */
};

/*
 * Context: main thread, before other threads start. Returns 0 or -errno
 * (the log file could not be opened).
 */
int log_init(const struct log_config *cfg);

/* Context: main thread, after every other thread has been joined. */
void log_fini(void);

/* Context: any thread. */
bool log_no_ip(void);

/* Context: any thread; one call writes one whole line. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Debug classes (pluto --debug, whack --debug). */
enum debug_class {
	DBG_BASE = 0,
	DBG_CPU_USAGE,
	DBG_CRYPT,
	DBG_PRIVATE,
	DBG_TMI,
	DBG_ROUTING,
	DBG_KERNEL,
	DBG_WORKER,
	DBG_CTL,
	DBG_CLASS_COUNT,
};

extern _Atomic uint32_t log_debug_mask;

static inline bool log_debug_is_on(enum debug_class c)
{
	return (log_debug_mask & (1u << c)) != 0;
}

/* Context: any thread. Writes "| " and the message. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Name table of the debug classes, in enum order. */
const char *debug_class_name(enum debug_class c);
const char *debug_class_help(enum debug_class c);

/*
 * Apply one --debug / --no-debug argument to *mask: "none", "all", "base",
 * "cpu-usage", a class name, or "no-<class>". Returns 0 or -EINVAL for an
 * unknown class ("help" is handled by the caller).
 */
int debug_apply(uint32_t *mask, const char *arg, bool enable);

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define dbg(cls, ...)                                \
	do {                                         \
		if (log_debug_is_on(cls))            \
			log_debug(__VA_ARGS__);      \
	} while (0)

/*
 * Rate limit for logs an unauthenticated peer can trigger: at most
 * `burst` lines per second per limiter; the rest are counted and the
 * count reported with the next line that passes.
 */
struct log_ratelimit {
	_Atomic uint64_t window;	/* second of the current window */
	_Atomic uint32_t count;		/* lines in this window */
	_Atomic uint32_t suppressed;	/* lines dropped since the last one logged */
};
/* Context: any thread. Returns true when the caller may log now. */
bool log_ratelimit_ok(struct log_ratelimit *rl, uint32_t burst, uint32_t *suppressed);

#endif
