/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What one log line costs the thread that logs it, with the log thread
 * running (as a worker's lines do): CLOCK_THREAD_CPUTIME_ID around the
 * calls, never around the log thread's work. The lines are those a worker
 * writes per SA or per bad datagram (src/ike/): the "established IKE SA"
 * progress line (formatted by ike_sa_progress() and logged as "%s"), a
 * Child SA line with two serials, and the "dropped IKE message" line of a
 * flood; and the established line with the formatting ike_sa_progress()
 * does before it logs "%s" (for whack as well). Batches of BATCH calls, then log_flush() (not timed), so the ring
 * never fills: a dropped line would cost less than a written one.
 *
 * Run by hand: bench/log_cost [rounds]; the log goes to /dev/null.
 * "vsnprintf alone" is the formatting the calling thread did before the
 * log thread formatted lines itself; "capture alone" is what it does
 * instead (util/log_fmt.h); "render" is the log thread formatting the
 * capture, the work that moved there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/log_fmt.h"
#include "util/log_ring.h"

enum { BATCH = 500, BATCHES = 20 };

static uint64_t thread_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char established[] =
	"\"westnet-eastnet\"[3] 192.0.2.45 #12345: established IKE SA "
	"{cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_256 group=DH19}";

static void line_established(unsigned i)
{
	(void)i;
	log_info("%s", established);
}

/* As ike_sa_progress() makes it: its own snprintf and vsnprintf, then "%s" (src/ike/ike_sa.c). */
static __attribute__((format(printf, 2, 3))) void progress(unsigned long long serial,
							  const char *fmt, ...)
{
	char text[512];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(text, sizeof(text), "%s #%llu: ", "\"westnet-eastnet\"[3] 192.0.2.45",
			     serial);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	va_end(ap);
	log_info("%s", text);
}

static void line_progress(unsigned i)
{
	progress(i, "%s IKE SA {%s}%s", "established",
		 "cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_256 group=DH19", "");
}

static void line_child(unsigned i)
{
	log_info("#%llu: the peer deleted Child SA #%llu", (unsigned long long)i,
		 (unsigned long long)i + 1);
}

static void line_dropped(unsigned i)
{
	log_info("dropped %zu-byte IKE message from %s:%u: %s", (size_t)(i % 1400), "192.0.2.45",
		 500u, "the first payload overruns the message");
}

static char sink[2048];

static __attribute__((format(printf, 1, 2))) void format_only(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sink, sizeof(sink), fmt, ap);
	va_end(ap);
}

static void vsn_dropped(unsigned i)
{
	format_only("dropped %zu-byte IKE message from %s:%u: %s", (size_t)(i % 1400), "192.0.2.45",
		    500u, "the first payload overruns the message");
}

static void vsn_established(unsigned i)
{
	(void)i;
	format_only("%s", established);
}

static unsigned char rec[LOG_FMT_MAX];
static size_t rec_len;

static __attribute__((format(printf, 1, 2))) void capture_only(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rec_len = log_fmt_capture(rec, sizeof(rec), fmt, ap, 0);
	va_end(ap);
}

static void cap_dropped(unsigned i)
{
	capture_only("dropped %zu-byte IKE message from %s:%u: %s", (size_t)(i % 1400),
		     "192.0.2.45", 500u, "the first payload overruns the message");
}

static void render_dropped(unsigned i)
{
	if (i == 0)
		cap_dropped(1234);
	log_fmt_render(sink, LOG_LINE_MAX + 1, rec, rec_len);
}

static const struct {
	const char *name;
	void (*fn)(unsigned);
	bool logs;
} lines[] = {
	{ "established IKE SA (\"%s\")", line_established, true },
	{ "the same through ike_sa_progress()", line_progress, true },
	{ "Child SA (#%llu x2)", line_child, true },
	{ "dropped IKE message (%zu %s %u %s)", line_dropped, true },
	{ "vsnprintf alone, \"%s\"", vsn_established, false },
	{ "vsnprintf alone, dropped line", vsn_dropped, false },
	{ "capture alone, dropped line", cap_dropped, false },
	{ "render (log thread), dropped line", render_dropped, false },
};

int main(int argc, char **argv)
{
	struct log_config lc = { .dest = LOG_DEST_FILE, .file = "/dev/null", .ident = "bench" };
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 5;
	struct log_stats st;

	if (!rounds) {
		fprintf(stderr, "usage: log_cost [rounds]: rounds must be a positive number\n");
		return 2;
	}
	if (log_init(&lc) < 0 || log_thread_start() < 0) {
		fprintf(stderr, "log_cost: cannot start logging to /dev/null\n");
		return 1;
	}
	printf("%-40s %10s %10s\n", "line", "ns/call", "best");
	for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
		double best = 0, sum = 0;
		for (unsigned r = 0; r < rounds; r++) {
			uint64_t ns = 0;
			for (unsigned b = 0; b < BATCHES; b++) {
				uint64_t t0 = thread_ns();
				for (unsigned i = 0; i < BATCH; i++)
					lines[k].fn(i);
				ns += thread_ns() - t0;
				if (lines[k].logs)
					log_flush();
			}
			double per = (double)ns / (BATCH * BATCHES);
			sum += per;
			if (r == 0 || per < best)
				best = per;
		}
		printf("%-40s %10.0f %10.0f\n", lines[k].name, sum / rounds, best);
	}
	log_flush();
	log_stats_get(&st);
	printf("written %llu, dropped %llu\n", (unsigned long long)st.written,
	       (unsigned long long)st.dropped);
	log_fini();
	return st.dropped ? 1 : 0;
}
