/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/log: the per-thread ring, the per-site rate limits and their
 * "suppressed" summaries, the log thread (order, flush, exit) and the
 * count of lines a full ring dropped.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/util/read_lines.h"
#include "unit/util/tmp_log.h"
#include "util/log.h"
#include "util/log_ring.h"

static char tmpdir[32];
static char logpath[64];

static void setup(void)
{
	tmp_log_dir(tmpdir, logpath, "log");
}

static void teardown(void)
{
	tmp_log_remove(tmpdir);
}

TestSuite(log, .init = setup, .fini = teardown, .timeout = 60);

static void open_log(void)
{
	tmp_log_open(logpath);
}

/* The log file's lines; *n set. Caller frees the array and the text. */
static char **read_lines(size_t *n, char **text)
{
	return read_lines_of(logpath, n, text);
}

/* ---- the ring ---- */

Test(log, ring_keeps_order_across_the_wrap)
{
	struct log_ring r;
	char line[200];
	unsigned next_out = 0;

	cr_assert_eq(log_ring_init(&r, 4096), 0);
	/* Lines of varied length, consumed as they come: the ring wraps many times. */
	for (unsigned i = 0; i < 2000; i++) {
		int n = snprintf(line, sizeof(line), "line %u %.*s", i, (int)(i % 150), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		cr_assert(log_ring_push(&r, LOG_INFO, i % 2, i, line, (size_t)n));
		if (i % 3 == 2) {
			const struct log_rec *rec;
			while ((rec = log_ring_peek(&r))) {
				char want[32];
				int m = snprintf(want, sizeof(want), "line %u ", next_out);
				cr_assert_eq(rec->ts_ns, next_out);
				cr_assert_eq(rec->debug, next_out % 2);
				cr_assert(rec->len >= (uint32_t)m && memcmp(rec->text, want, (size_t)m) == 0,
					  "record %u in order", next_out);
				log_ring_pop(&r, rec);
				next_out++;
			}
		}
	}
	cr_assert_eq(atomic_load(&r.dropped), 0);
	log_ring_fini(&r);
}

Test(log, full_ring_drops_and_counts)
{
	struct log_ring r;
	char line[100];
	unsigned ok = 0, lost = 0, seen = 0;
	const struct log_rec *rec;

	memset(line, 'a', sizeof(line));
	cr_assert_eq(log_ring_init(&r, 4096), 0);
	for (int i = 0; i < 100; i++) {
		if (log_ring_push(&r, LOG_INFO, false, 0, line, sizeof(line)))
			ok++;
		else
			lost++;
	}
	cr_assert_gt(ok, 0);
	cr_assert_gt(lost, 0);
	cr_assert_eq(atomic_load(&r.dropped), lost);
	while ((rec = log_ring_peek(&r))) {
		cr_assert_eq(rec->len, sizeof(line));
		log_ring_pop(&r, rec);
		seen++;
	}
	cr_assert_eq(seen, ok, "what was not dropped is all there");
	cr_assert(log_ring_push(&r, LOG_INFO, false, 0, line, sizeof(line)), "room again");
	log_ring_fini(&r);
}

Test(log, long_line_is_cut_not_lost)
{
	struct log_ring r;
	static char big[3 * LOG_LINE_MAX];
	const struct log_rec *rec;

	memset(big, 'b', sizeof(big));
	cr_assert_eq(log_ring_init(&r, 4096), 0);
	cr_assert(log_ring_push(&r, LOG_INFO, false, 0, big, sizeof(big)));
	rec = log_ring_peek(&r);
	cr_assert_not_null(rec);
	cr_assert_eq(rec->len, LOG_LINE_MAX);
	log_ring_fini(&r);
}

/* ---- rate limits ---- */

static _Atomic uint64_t fake_now = 100;
static uint64_t fake_clock(void)
{
	return atomic_load(&fake_now);
}

static void flood(unsigned n, unsigned tag)
{
	for (unsigned i = 0; i < n; i++)
		log_limited(LOG_INFO, 3, "half-open IKE SA timed out", "#%u: half-open IKE SA timed out",
			    tag + i);
}

Test(log, limit_admits_the_budget_then_summarises)
{
	size_t n;
	char *text, **l;
	struct log_stats st;

	open_log();
	log_test_set_clock(fake_clock);
	atomic_store(&fake_now, 100);
	flood(10, 0);		/* second 100: 3 lines, 7 held back */
	atomic_store(&fake_now, 101);
	flood(2, 100);		/* second 101: the summary, then 2 lines */
	log_stats_get(&st);
	cr_assert_eq(st.suppressed, 7);
	l = read_lines(&n, &text);
	cr_assert_eq(n, 6);
	cr_assert_str_eq(l[0], "#0: half-open IKE SA timed out");
	cr_assert_str_eq(l[2], "#2: half-open IKE SA timed out");
	cr_assert_str_eq(l[3], "half-open IKE SA timed out: suppressed 7 similar messages");
	cr_assert_str_eq(l[4], "#100: half-open IKE SA timed out");
	cr_assert_str_eq(l[5], "#101: half-open IKE SA timed out");
	free(l);
	free(text);
}

Test(log, each_site_has_its_own_budget)
{
	size_t n;
	char *text, **l;
	unsigned a = 0, b = 0;

	open_log();
	log_test_set_clock(fake_clock);
	atomic_store(&fake_now, 7);
	for (int i = 0; i < 50; i++) {
		log_limited(LOG_INFO, 2, "site a", "a %d", i);
		log_limited(LOG_INFO, 5, "site b", "b %d", i);
	}
	l = read_lines(&n, &text);
	for (size_t i = 0; i < n; i++) {
		a += l[i][0] == 'a';
		b += l[i][0] == 'b';
	}
	cr_assert_eq(a, 2);
	cr_assert_eq(b, 5);
	free(l);
	free(text);
}

/* The budget is per thread: a second worker's lines do not eat the first one's. */
static void *other_worker(void *arg)
{
	(void)arg;
	flood(10, 1000);
	return NULL;
}

Test(log, budget_is_per_thread)
{
	size_t n;
	char *text, **l;
	pthread_t t;
	unsigned mine = 0, theirs = 0;

	open_log();
	log_test_set_clock(fake_clock);
	atomic_store(&fake_now, 50);
	flood(10, 0);
	cr_assert_eq(pthread_create(&t, NULL, other_worker, NULL), 0);
	pthread_join(t, NULL);
	l = read_lines(&n, &text);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(l[i], "#%u:", &v) == 1)
		{
			if (v >= 1000)
				theirs++;
			else
				mine++;
		}
	}
	cr_assert_eq(mine, 3);
	cr_assert_eq(theirs, 3);
	free(l);
	free(text);
}

Test(log, quiet_site_summary_comes_at_stop)
{
	size_t n;
	char *text, **l;

	open_log();
	log_test_set_clock(fake_clock);
	atomic_store(&fake_now, 9);
	cr_assert_eq(log_thread_start(), 0);
	flood(1000, 0);
	log_thread_stop();	/* the site never logs again: the stop reports it */
	l = read_lines(&n, &text);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(l[3], "half-open IKE SA timed out: suppressed 997 similar messages");
	free(l);
	free(text);
}

Test(log, quiet_site_summary_comes_from_the_log_thread)
{
	size_t n = 0;
	char *text = NULL, **l = NULL;
	bool found = false;

	open_log();
	log_test_set_clock(fake_clock);
	atomic_store(&fake_now, 20);
	cr_assert_eq(log_thread_start(), 0);
	flood(10, 0);
	atomic_store(&fake_now, 21);	/* a new second; the site stays quiet */
	/* The log thread looks at quiet sites once a second: wait up to 5 s. */
	for (int tries = 0; tries < 50 && !found; tries++) {
		usleep(100 * 1000);
		log_flush();
		free(l);
		free(text);
		l = read_lines(&n, &text);
		for (size_t i = 0; i < n; i++)
			found |= strcmp(l[i], "half-open IKE SA timed out: suppressed 7 similar messages") == 0;
	}
	cr_assert(found, "the summary of a quiet site is written without another line from it");
	free(l);
	free(text);
}

/* ---- the log thread ---- */

enum { PRODUCERS = 4, PER_PRODUCER = 4000 };

static void *producer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	for (unsigned i = 0; i < PER_PRODUCER; i++) {
		if (i % 7 == 0)
			log_debug("p%u %u debug", id, i);
		else
			log_info("p%u %u", id, i);
	}
	return NULL;
}

Test(log, thread_keeps_each_threads_order_and_flushes)
{
	pthread_t t[PRODUCERS];
	size_t n;
	char *text, **l;
	int last[PRODUCERS];
	unsigned got = 0;
	struct log_stats st;

	open_log();
	cr_assert_eq(log_thread_start(), 0);
	for (unsigned i = 0; i < PRODUCERS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, producer, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(t[i], NULL);
	log_info("main after the producers");
	log_flush();	/* everything queued before is written now, with the thread running */
	l = read_lines(&n, &text);
	for (unsigned i = 0; i < PRODUCERS; i++)
		last[i] = -1;
	for (size_t i = 0; i < n; i++) {
		unsigned p, k;
		const char *s = l[i];
		bool dbgline = strncmp(s, "| ", 2) == 0;
		if (dbgline)
			s += 2;
		if (sscanf(s, "p%u %u", &p, &k) != 2)
			continue;
		cr_assert_lt(p, PRODUCERS);
		cr_assert_gt((int)k, last[p], "producer %u: line %u after %d", p, k, last[p]);
		cr_assert_eq(dbgline, k % 7 == 0, "debug lines keep their \"| \"");
		last[p] = (int)k;
		got++;
	}
	cr_assert_str_eq(l[n - 1], "main after the producers", "flush wrote our last line");
	log_stats_get(&st);
	cr_assert_eq(got + st.dropped, PRODUCERS * PER_PRODUCER, "every line written or counted");
	free(l);
	free(text);
}

/* A destination that stops taking lines (a full pipe): the ring fills, drops, counts, says so. */
static _Atomic bool reader_go;
static int fifo_rd = -1;
static char *fifo_text;
static size_t fifo_len;

static void *fifo_reader(void *arg)
{
	size_t cap = 1 << 20;
	(void)arg;
	while (!atomic_load(&reader_go))
		usleep(1000);
	fifo_text = malloc(cap);
	for (;;) {
		if (fifo_len + 65536 > cap)
			fifo_text = realloc(fifo_text, cap *= 2);
		ssize_t r = read(fifo_rd, fifo_text + fifo_len, cap - fifo_len - 1);
		if (r <= 0)
			break;
		fifo_len += (size_t)r;
	}
	fifo_text[fifo_len] = '\0';
	return NULL;
}

Test(log, full_buffer_drops_counts_and_says_so)
{
	struct log_config lc = { .dest = LOG_DEST_FILE, .file = logpath, .no_time = true };
	pthread_t rd;
	struct log_stats st;
	unsigned lines = 0, total = 20000;
	unsigned long long said = 0, nsum = 0;

	cr_assert_eq(mkfifo(logpath, 0600), 0);
	fifo_rd = open(logpath, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(fifo_rd, 0);
	cr_assert_eq(log_init(&lc), 0);
	cr_assert_eq(fcntl(fifo_rd, F_SETFL, 0), 0);	/* blocking reads from now on */
	cr_assert_eq(pthread_create(&rd, NULL, fifo_reader, NULL), 0);
	cr_assert_eq(log_thread_start(), 0);
	/* Nobody reads yet: the pipe fills, the log thread blocks, our ring fills. */
	for (unsigned i = 0; i < total; i++)
		log_info("line %u of a flood that outruns the destination", i);
	log_stats_get(&st);
	cr_assert_gt(st.dropped, 0, "a ring that cannot drain drops instead of blocking us");
	atomic_store(&reader_go, true);
	log_thread_stop();
	log_fini();		/* closes the pipe: the reader sees the end */
	pthread_join(rd, NULL);
	close(fifo_rd);
	for (char *p = fifo_text; (p = strstr(p, "\n")); p++)
		lines++;
	for (char *p = fifo_text; (p = strstr(p, "log: ")); p++) {
		unsigned long long d;
		if (sscanf(p, "log: %llu line", &d) == 1) {
			said += d;
			nsum++;
		}
	}
	log_stats_get(&st);
	cr_assert_eq(said, st.dropped, "the summary lines name every dropped line");
	/* Every line of ours is either written or counted as dropped. */
	cr_assert_eq(lines - nsum + st.dropped, total);
	cr_assert_eq(st.written, lines);
	free(fifo_text);
}
