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
 *
 * Once log_thread_start() has run, the calling thread formats nothing: it
 * copies the format and its arguments (%s strings included, util/log_fmt.h)
 * into its own ring (util/log_ring.h), and the log thread formats the line,
 * exactly as vsnprintf would have, stamps and writes it: a worker never
 * waits for syslog, a disk or a terminal, and spends no time in printf. A
 * format the copy does not take (%n, positional arguments, wide strings)
 * is formatted by the caller as before and counted (log_stats.fallback).
 * A full ring drops the line and counts it; the log thread says so in a
 * line of its own. Before the thread starts and after it stops, lines are
 * formatted and written at once by the caller.
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
 * (the log file could not be opened). With SKUA_LOG_OFF=1 in the
 * environment nothing is ever formatted or written: the "logging off" of
 * bench/flood.sh, which measures what logging costs.
 */
int log_init(const struct log_config *cfg);

/* Context: main thread, after every other thread has been joined. Stops the log thread. */
void log_fini(void);

/*
 * Start the log thread. Context: main thread, after log_init() and after
 * any fork. Returns 0 (also when it runs already) or -errno.
 */
int log_thread_start(void);

/*
 * Write every queued line (and the pending "suppressed" summaries) and stop
 * the log thread; later lines are written by their callers. Context: main
 * thread, after the threads that log have been joined (a line pushed while
 * this runs may be written synchronously or by the final drain, never lost).
 */
void log_thread_stop(void);

/*
 * Wait until every line this thread queued before the call has been
 * written. Context: any thread but a worker (it blocks); no-op without
 * the log thread.
 */
void log_flush(void);

/* Totals since log_init(). Context: any thread. */
struct log_stats {
	uint64_t written;	/* lines handed to syslog/stderr/the file */
	uint64_t dropped;	/* lines lost to a full ring */
	uint64_t suppressed;	/* lines held back by a rate limit */
	uint64_t fallback;	/* lines formatted by their caller although the log
				 * thread ran: a format it cannot take (%n, ...) */
};
void log_stats_get(struct log_stats *st);

/* Context: any thread. */
bool log_no_ip(void);

/* The real-time clock in ns: what lines are stamped with, and the kernel's receive times. */
uint64_t log_realtime_ns(void);

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
 * Rate limits for the lines a remote peer can trigger. Each call site has
 * its own budget, per thread: at most `burst` lines a second on each
 * worker; the others cost a clock read and a count. The count comes back
 * as one line "<what>: suppressed N similar messages", written when the
 * site next logs in a later second or, if it stays quiet, by the log
 * thread within about a second.
 *
 *	log_limited(LOG_INFO, 5, "half-open IKE SA timed out",
 *		    "#%llu: half-open IKE SA timed out", serial);
 */
struct log_site {
	const char *what;	/* names the lines in the summary */
	uint32_t burst;		/* lines per second per thread */
	_Atomic uint32_t id;	/* 0 until the site first logs */
};

enum { LOG_SITES_MAX = 256 };	/* sites beyond share the last budget */

/*
 * Whether the caller may log now at this site; writes the summary of an
 * earlier second first. Context: any thread; never blocks.
 */
bool log_site_admit(struct log_site *site);

#define log_limited(prio, burst, what, ...)                                       \
	do {                                                                       \
		static struct log_site log_site_ = { (what), (burst), 0 };         \
		if (log_site_admit(&log_site_))                                    \
			log_msg((prio), __VA_ARGS__);                              \
	} while (0)

/* A debug line a peer can trigger: only when cls is on, and limited like the rest. */
#define dbg_limited(cls, burst, what, ...)                                         \
	do {                                                                       \
		static struct log_site log_site_ = { (what), (burst), 0 };         \
		if (log_debug_is_on(cls) && log_site_admit(&log_site_))            \
			log_debug(__VA_ARGS__);                                    \
	} while (0)

/*
 * The clock the limits count seconds with (CLOCK_MONOTONIC_COARSE).
 * Context: tests only, before any thread logs; NULL restores it.
 */
void log_test_set_clock(uint64_t (*now_sec)(void));

/*
 * How many lines the calling thread formatted itself (vsnprintf, or a
 * capture formatted on the spot because the log thread had stopped).
 * Context: tests only.
 */
uint64_t log_test_formatted_here(void);

#endif
