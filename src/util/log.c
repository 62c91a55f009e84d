/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Atomic uint32_t log_debug_mask;

static struct {
	enum log_dest dest;
	int fd;			/* stderr or the log file */
	bool no_time;
	bool no_ip;
	char ident[32];
} g = { .dest = LOG_DEST_STDERR, .fd = 2, .ident = "skua" };

static const struct {
	const char *name;
	const char *help;
} classes[DBG_CLASS_COUNT] = {
	[DBG_BASE] = { "base", "general debug logging" },
	[DBG_CPU_USAGE] = { "cpu-usage", "CPU time spent on each exchange and crypto job" },
	[DBG_CRYPT] = { "crypt", "crypto operations (never the secrets themselves)" },
	[DBG_PRIVATE] = { "private", "allow identities and addresses in debug lines" },
	[DBG_TMI] = { "tmi", "too much information: every event of every loop" },
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
	g.dest = cfg->dest;
	g.no_time = cfg->no_time;
	g.no_ip = cfg->no_ip;
	snprintf(g.ident, sizeof(g.ident), "%s", cfg->ident ? cfg->ident : "skua");
	switch (cfg->dest) {
	case LOG_DEST_SYSLOG:
		openlog(g.ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
		g.fd = -1;
		break;
	case LOG_DEST_STDERR:
		g.fd = 2;
		break;
	case LOG_DEST_FILE: {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->truncate ? O_TRUNC : O_APPEND);
		int fd = open(cfg->file, flags, 0600);
		if (fd < 0)
			return -errno;
		g.fd = fd;
		break;
	}
	}
	return 0;
}

void log_fini(void)
{
	if (g.dest == LOG_DEST_SYSLOG)
		closelog();
	else if (g.dest == LOG_DEST_FILE && g.fd > 2)
		close(g.fd);
	g.dest = LOG_DEST_STDERR;
	g.fd = 2;
}

bool log_no_ip(void)
{
	return g.no_ip;
}

static void emit(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n = 0;

	if (g.dest == LOG_DEST_SYSLOG) {
		n = (size_t)snprintf(line, sizeof(line), "%s", prefix);
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		syslog(prio, "%s", line);
		return;
	}
	if (!g.no_time) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%b %e %H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ".%06ld: ", ts.tv_nsec / 1000);
	}
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s", prefix);
	if (n < sizeof(line)) {
		int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (m > 0)
			n += (size_t)m;
	}
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: lines of different threads never interleave. */
	ssize_t w = write(g.fd, line, n);
	(void)w;
}

void log_vmsg(int prio, const char *fmt, va_list ap)
{
	emit(prio, "", fmt, ap);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(prio, "", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOG_DEBUG, "| ", fmt, ap);
	va_end(ap);
}

bool log_ratelimit_ok(struct log_ratelimit *rl, uint32_t burst, uint32_t *suppressed)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	uint64_t now = (uint64_t)ts.tv_sec;
	uint64_t win = atomic_load_explicit(&rl->window, memory_order_relaxed);

	if (win != now && atomic_compare_exchange_strong(&rl->window, &win, now))
		atomic_store_explicit(&rl->count, 0, memory_order_relaxed);
	if (atomic_fetch_add_explicit(&rl->count, 1, memory_order_relaxed) < burst) {
		*suppressed = atomic_exchange_explicit(&rl->suppressed, 0, memory_order_relaxed);
		return true;
	}
	atomic_fetch_add_explicit(&rl->suppressed, 1, memory_order_relaxed);
	return false;
}
