/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-worker counters and the histograms kept in them. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "util/counters.h"

Test(counters, lines_are_per_worker_and_summed)
{
	struct counters *c = counters_new(3, 20);

	cr_assert_not_null(c);
	cr_assert_eq(c->lines_per_worker, 3, "20 counters take 3 lines of 8");
	counters_add(c, 0, 19, 5);
	counters_inc(c, 2, 19);
	counters_inc(c, 1, 0);
	cr_assert_eq(counters_get(c, 0, 19), 5);
	cr_assert_eq(counters_get(c, 1, 19), 0);
	cr_assert_eq(counters_sum(c, 19), 6);
	cr_assert_eq(counters_sum(c, 0), 1);
	/* Each worker's block starts on its own cache line. */
	cr_assert_eq((uintptr_t)counters_slot(c, 1, 0) % COUNTERS_LINE, 0);
	cr_assert_eq((char *)counters_slot(c, 1, 0) - (char *)counters_slot(c, 0, 0),
		     3 * COUNTERS_LINE);
	counters_free(c);
	cr_assert_null(counters_new(0, 4));
	cr_assert_null(counters_new(4, 0));
}

static const uint64_t bounds[] = { 10, 100, 1000 };

Test(counters, histogram_buckets_are_cumulative_with_inf_sum_and_count)
{
	enum { BASE = 3 };
	struct counters *c = counters_new(2, BASE + counters_hist_slots(3));
	uint64_t cum[4], sum;
	/* on the bounds, between them and above the last */
	const uint64_t v[] = { 0, 10, 11, 100, 500, 1000, 1001, 99999 };

	cr_assert_not_null(c);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		counters_hist_observe(c, 1, BASE, bounds, 3, v[i]);
	counters_hist_read(c, 1, BASE, 3, cum, &sum);
	cr_assert_eq(cum[0], 2, "<= 10: 0 and 10, got %llu", (unsigned long long)cum[0]);
	cr_assert_eq(cum[1], 4, "<= 100: and 11, 100");
	cr_assert_eq(cum[2], 6, "<= 1000: and 500, 1000");
	cr_assert_eq(cum[3], 8, "+Inf: every observation");
	cr_assert_eq(sum, 0 + 10 + 11 + 100 + 500 + 1000 + 1001 + 99999);
	/* The other worker's histogram and the counters before BASE are untouched. */
	counters_hist_read(c, 0, BASE, 3, cum, &sum);
	cr_assert_eq(cum[3], 0);
	cr_assert_eq(sum, 0);
	for (unsigned i = 0; i < BASE; i++)
		cr_assert_eq(counters_get(c, 1, i), 0);
	counters_free(c);
}

/* One writer per worker while a reader sums: the count never goes down, nothing is lost. */
struct writer {
	struct counters *c;
	unsigned w;
};

static void *write_many(void *arg)
{
	struct writer *wr = arg;

	for (unsigned i = 0; i < 200000; i++)
		counters_hist_observe(wr->c, wr->w, 0, bounds, 3, i % 2000);
	return NULL;
}

Test(counters, concurrent_owners_and_a_reader)
{
	struct counters *c = counters_new(2, counters_hist_slots(3));
	struct writer wr[2] = { { c, 0 }, { c, 1 } };
	pthread_t t[2];
	uint64_t last = 0, cum[4], sum;

	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, write_many, &wr[i]), 0);
	for (int k = 0; k < 1000; k++) {
		uint64_t now = 0;
		for (unsigned w = 0; w < 2; w++) {
			counters_hist_read(c, w, 0, 3, cum, &sum);
			cr_assert_leq(cum[0], cum[1]);
			cr_assert_leq(cum[1], cum[2]);
			cr_assert_leq(cum[2], cum[3]);
			now += cum[3];
		}
		cr_assert_geq(now, last, "the count went down: %llu after %llu",
			      (unsigned long long)now, (unsigned long long)last);
		last = now;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (unsigned w = 0; w < 2; w++) {
		counters_hist_read(c, w, 0, 3, cum, &sum);
		cr_assert_eq(cum[3], 200000);
		cr_assert_eq(cum[0], 100 * 11, "0..10 of every 2000");
	}
	counters_free(c);
}
