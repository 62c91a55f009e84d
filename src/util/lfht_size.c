/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/lfht_size.h"

#include <string.h>

struct cds_lfht *lfht_size_new(struct lfht_size *s, unsigned long buckets)
{
	memset(s, 0, sizeof(*s));
	s->min_buckets = buckets;
	atomic_init(&s->nodes, 0);
	atomic_init(&s->buckets, buckets);
	s->ht = cds_lfht_new(buckets, buckets, 0, 0, NULL);
	return s->ht;
}

static unsigned long pow2_at_least(unsigned long n)
{
	unsigned long p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Claim the resize from seen to want; the winner resizes (outside a read-side section). */
static void resize(struct lfht_size *s, unsigned long seen, unsigned long want)
{
	if (want == seen || rcu_read_ongoing())
		return;
	if (!atomic_compare_exchange_strong(&s->buckets, &seen, want))
		return;		/* another thread resized meanwhile */
	cds_lfht_resize(s->ht, want);
}

void lfht_size_added(struct lfht_size *s)
{
	unsigned long n = atomic_fetch_add_explicit(&s->nodes, 1, memory_order_relaxed) + 1;
	unsigned long b = lfht_size_buckets(s);

	if (n > 2 * b)
		resize(s, b, pow2_at_least(n));
}

void lfht_size_deleted(struct lfht_size *s)
{
	unsigned long n = atomic_fetch_sub_explicit(&s->nodes, 1, memory_order_relaxed) - 1;
	unsigned long b = lfht_size_buckets(s);
	unsigned long want;

	if (b <= s->min_buckets || n >= b / 8)
		return;
	want = pow2_at_least(2 * n);
	resize(s, b, want < s->min_buckets ? s->min_buckets : want);
}
