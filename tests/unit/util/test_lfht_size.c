/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/lfht_size.h: a liburcu hash table sized by its users. The buckets
 * follow the nodes up (never fewer than half the nodes after an add) and
 * down (back to the initial size once the nodes went), every node stays
 * found through the resizes, a writer inside a read-side section defers
 * the resize to the next one outside, and two writers at once resize it
 * once without losing a node.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/lfht_size.h"

struct item {
	struct cds_lfht_node node;
	unsigned long key;
};

static unsigned long hash(unsigned long k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int match(struct cds_lfht_node *n, const void *key)
{
	return caa_container_of(n, struct item, node)->key == *(const unsigned long *)key;
}

static void add(struct lfht_size *s, struct item *it, unsigned long key)
{
	it->key = key;
	cds_lfht_node_init(&it->node);
	rcu_read_lock();
	cds_lfht_add(s->ht, hash(key), &it->node);
	rcu_read_unlock();
	lfht_size_added(s);
}

static void del(struct lfht_size *s, struct item *it)
{
	rcu_read_lock();
	cr_assert_eq(cds_lfht_del(s->ht, &it->node), 0);
	rcu_read_unlock();
	lfht_size_deleted(s);
}

static bool found(struct lfht_size *s, unsigned long key)
{
	struct cds_lfht_iter it;
	bool yes;

	rcu_read_lock();
	cds_lfht_lookup(s->ht, hash(key), match, &key, &it);
	yes = cds_lfht_iter_get_node(&it) != NULL;
	rcu_read_unlock();
	return yes;
}

static void setup(void)
{
	rcu_register_thread();
}

static void teardown(void)
{
	rcu_unregister_thread();
}

TestSuite(lfht_size, .init = setup, .fini = teardown);

enum { N = 100000 };

Test(lfht_size, buckets_follow_the_nodes_up_and_down)
{
	static struct item v[N];
	struct lfht_size s;

	cr_assert_not_null(lfht_size_new(&s, 64));
	cr_assert_eq(lfht_size_buckets(&s), 64);
	for (unsigned long k = 0; k < N; k++) {
		add(&s, &v[k], k);
		cr_assert_geq(2 * lfht_size_buckets(&s), lfht_size_nodes(&s),
			      "%lu nodes in %lu buckets", lfht_size_nodes(&s), lfht_size_buckets(&s));
	}
	cr_assert_eq(lfht_size_nodes(&s), N);
	cr_assert_eq(lfht_size_buckets(&s), 65536,
		     "100,000 nodes: 2^16 buckets (grown at 32,769), got %lu", lfht_size_buckets(&s));
	for (unsigned long k = 0; k < N; k += 7)
		cr_assert(found(&s, k), "node %lu lost in a resize", k);
	cr_assert_not(found(&s, N + 1));
	for (unsigned long k = 0; k < N; k++) {
		del(&s, &v[k]);
		unsigned long n = lfht_size_nodes(&s), b = lfht_size_buckets(&s);
		cr_assert(b == 64 || n >= b / 8, "%lu nodes left in %lu buckets", n,
			  b);
		if (k % 4999 == 0 && k + 1 < N)
			cr_assert(found(&s, k + 1), "node %lu lost in a shrink", k + 1);
	}
	cr_assert_eq(lfht_size_buckets(&s), 64, "back to the initial size, not %lu",
		     lfht_size_buckets(&s));
	cr_assert_eq(cds_lfht_destroy(s.ht, NULL), 0);
}

Test(lfht_size, a_writer_inside_a_read_side_section_leaves_the_resize_to_the_next)
{
	static struct item v[200];
	struct lfht_size s;

	cr_assert_not_null(lfht_size_new(&s, 64));
	rcu_read_lock();
	for (unsigned long k = 0; k < 200; k++)
		add(&s, &v[k], k);	/* nested: the resize would wait for this very section */
	cr_assert_eq(lfht_size_buckets(&s), 64, "no resize inside a read-side section");
	rcu_read_unlock();
	static struct item one;
	add(&s, &one, 1000);
	cr_assert_eq(lfht_size_buckets(&s), 256, "the next add outside resized (201 nodes)");
	for (unsigned long k = 0; k < 200; k++)
		del(&s, &v[k]);
	del(&s, &one);
	cr_assert_eq(lfht_size_buckets(&s), 64);
	cr_assert_eq(cds_lfht_destroy(s.ht, NULL), 0);
}

struct writer {
	struct lfht_size *s;
	struct item *v;
	unsigned long base, n;
};

static void *write_all(void *arg)
{
	struct writer *w = arg;

	rcu_register_thread();
	for (unsigned long k = 0; k < w->n; k++)
		add(w->s, &w->v[k], w->base + k);
	rcu_unregister_thread();
	return NULL;
}

Test(lfht_size, two_writers_at_once)
{
	enum { EACH = 30000 };
	static struct item a[EACH], b[EACH];
	struct lfht_size s;
	pthread_t t[2];
	struct writer w[2] = { { &s, a, 0, EACH }, { &s, b, EACH, EACH } };

	cr_assert_not_null(lfht_size_new(&s, 64));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, write_all, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(lfht_size_nodes(&s), 2 * EACH);
	cr_assert_geq(2 * lfht_size_buckets(&s), 2 * EACH);
	for (unsigned long k = 0; k < 2 * EACH; k += 3)
		cr_assert(found(&s, k), "node %lu lost", k);
	for (unsigned long k = 0; k < EACH; k++) {
		del(&s, &a[k]);
		del(&s, &b[k]);
	}
	cr_assert_eq(cds_lfht_destroy(s.ht, NULL), 0);
}
