/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where lines go and the debug classes. The per-thread state, the log
 * thread and the rate limits are in log_thread.c; this file formats and
 * writes.
 */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log_fmt.h"
#include "util/log_priv.h"

_Atomic uint32_t log_debug_mask;
_Thread_local uint64_t log_formatted_here;

struct log_out log_out = { .dest = LOG_DEST_STDERR, .fd = 2, .ident = "skua" };

static const struct {
	const char *name;
	const char *help;
} classes[DBG_CLASS_COUNT] = {
	[DBG_BASE] = { "base", "general debug logging; every IKE message and payload sent and received" },
	[DBG_CPU_USAGE] = { "cpu-usage", "CPU time spent on each exchange and crypto job" },
	[DBG_CRYPT] = { "crypt", "crypto operations (never the secrets themselves)" },
	[DBG_PRIVATE] = { "private", "allow identities and addresses in debug lines" },
	[DBG_TMI] = { "tmi", "too much information: every event of every loop, payload bytes in hex" },
	[DBG_ROUTING] = { "routing", "routing and shunt decisions" },
	[DBG_KERNEL] = { "kernel", "kernel-op queue and backend messages" },
	[DBG_WORKER] = { "worker", "worker threads, steering, mailboxes, timers" },
	[DBG_CTL] = { "ctl", "whack control channel" },
};

const char *debug_class_name(enum debug_class c)
{
	return c < DBG_CLASS_COUNT ? classes[c].name : NULL;
}

const char *debug_class_help(enum debug_class c)
{
	return c < DBG_CLASS_COUNT ? classes[c].help : NULL;
}

int debug_apply(uint32_t *mask, const char *arg, bool enable)
{
	if (strcmp(arg, "none") == 0) {
		*mask = enable ? 0 : *mask;
		return 0;
	}
	if (strcmp(arg, "all") == 0) {
		*mask = enable ? (1u << DBG_CLASS_COUNT) - 1 : 0;
		return 0;
	}
	if (strncmp(arg, "no-", 3) == 0) {
		arg += 3;
		enable = !enable;
	}
	for (unsigned i = 0; i < DBG_CLASS_COUNT; i++) {
		if (strcmp(arg, classes[i].name) == 0) {
			if (enable)
				*mask |= 1u << i;
			else
				*mask &= ~(1u << i);
			return 0;
		}
	}
	return -EINVAL;
}

int log_init(const struct log_config *cfg)
{
	const char *off = getenv("SKUA_LOG_OFF");

	/* For measuring what logging costs (bench/flood.sh), not for use. */
	log_out.off = off && strcmp(off, "1") == 0;
	log_out.dest = cfg->dest;
	log_out.no_time = cfg->no_time;
	log_out.no_ip = cfg->no_ip;
	snprintf(log_out.ident, sizeof(log_out.ident), "%s", cfg->ident ? cfg->ident : "skua");
	switch (cfg->dest) {
	case LOG_DEST_SYSLOG:
		openlog(log_out.ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
		log_out.fd = -1;
		break;
	case LOG_DEST_STDERR:
		log_out.fd = 2;
		break;
	case LOG_DEST_FILE: {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->truncate ? O_TRUNC : O_APPEND);
		int fd = open(cfg->file, flags, 0600);
		if (fd < 0)
			return -errno;
		log_out.fd = fd;
		break;
	}
	}
	return 0;
}

void log_fini(void)
{
	log_thread_stop();
	log_limits_report_all();
	if (log_out.dest == LOG_DEST_SYSLOG)
		closelog();
	else if (log_out.dest == LOG_DEST_FILE && log_out.fd > 2)
		close(log_out.fd);
	log_out.dest = LOG_DEST_STDERR;
	log_out.fd = 2;
}

bool log_no_ip(void)
{
	return log_out.no_ip;
}

uint64_t log_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t log_format(char *out, size_t cap, uint64_t ts_ns, bool debug, const char *text, size_t len)
{
	static _Thread_local struct {
		time_t sec;
		char stamp[32];
		size_t n;
	} cache = { .sec = -1 };
	size_t n = 0;

	if (!log_out.no_time) {
		time_t sec = (time_t)(ts_ns / 1000000000u);
		if (sec != cache.sec) {
			struct tm tm;
			localtime_r(&sec, &tm);
			cache.n = strftime(cache.stamp, sizeof(cache.stamp), "%b %e %H:%M:%S", &tm);
			cache.sec = sec;
		}
		memcpy(out, cache.stamp, cache.n);
		n = cache.n;
		n += (size_t)snprintf(out + n, cap - n, ".%06u: ",
				      (unsigned)(ts_ns % 1000000000u / 1000u));
	}
	if (debug) {
		out[n++] = '|';
		out[n++] = ' ';
	}
	if (len > cap - n - 1)
		len = cap - n - 1;
	memcpy(out + n, text, len);
	n += len;
	out[n++] = '\n';
	return n;
}

void log_write_now(int prio, uint64_t ts_ns, bool debug, const char *text, size_t len)
{
	char line[LOG_LINE_MAX + 64];

	if (log_out.dest == LOG_DEST_SYSLOG) {
		syslog(prio, "%s%.*s", debug ? "| " : "", (int)len, text);
	} else {
		size_t n = log_format(line, sizeof(line), ts_ns, debug, text, len);
		/* One write per line: lines of different threads never interleave. */
		ssize_t w = write(log_out.fd, line, n);
		(void)w;
	}
	atomic_fetch_add_explicit(&log_out.written, 1, memory_order_relaxed);
}

/* The line formatted here and now, as before the log thread formatted lines. */
static __attribute__((noinline)) void format_here(int prio, bool debug, const char *fmt,
						  va_list ap)
{
	char text[LOG_LINE_MAX + 1];
	int m;
	size_t len;

	log_formatted_here++;
	m = vsnprintf(text, sizeof(text), fmt, ap);
	len = m < 0 ? 0 : (size_t)m >= sizeof(text) ? sizeof(text) - 1 : (size_t)m;
	log_line(prio, debug, LOG_REC_LINE, text, len);
}

/*
 * With the log thread running, the caller only captures the format and its
 * arguments; the log thread formats the line. A format the capture does
 * not take is formatted here, and counted.
 */
static void vline(int prio, bool debug, const char *fmt, va_list ap)
{
	int err = errno;	/* first: %m is the caller's errno */

	if (log_out.off)
		return;
	if (log_thread_running()) {
		unsigned char rec[LOG_FMT_MAX];
		va_list aq;
		size_t n;

		va_copy(aq, ap);
		n = log_fmt_capture(rec, sizeof(rec), fmt, aq, err);
		va_end(aq);
		if (n) {
			log_line(prio, debug, LOG_REC_FMT, rec, n);
			errno = err;
			return;
		}
		atomic_fetch_add_explicit(&log_out.fallback, 1, memory_order_relaxed);
	}
	format_here(prio, debug, fmt, ap);
	errno = err;
}

uint64_t log_test_formatted_here(void)
{
	return log_formatted_here;
}

void log_vmsg(int prio, const char *fmt, va_list ap)
{
	vline(prio, false, fmt, ap);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(prio, false, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(LOG_DEBUG, true, fmt, ap);
	va_end(ap);
}
