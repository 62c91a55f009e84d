/* SPDX-License-Identifier: BSD-2-Clause */
/* The RCU IKE SA indexes, alone and under concurrent owners and readers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "sadb/sa_table.h"
#include "util/tsan.h"

static struct sa_table t;

static void setup(void)
{
	rcu_register_thread();
	cr_assert_eq(sadb_sa_table_init(&t), 0);
}

static void teardown(void)
{
	rcu_barrier();
	sadb_sa_table_fini(&t);
	rcu_unregister_thread();
}

TestSuite(sa_table, .init = setup, .fini = teardown, .timeout = 60);

static struct sa_node *node(uint64_t spi, uint64_t ispi, const char *peer, uint16_t port)
{
	struct sa_node *n = calloc(1, sizeof(*n));
	n->our_spi = spi;
	n->init_spi = ispi;
	cr_assert_eq(ip_addr_parse(peer, &n->peer), 0);
	n->peer_port = port;
	return n;
}

Test(sa_table, add_lookup_delete)
{
	struct sa_node *a = node(0x0100000000000001ULL, 0x42, "192.0.2.1", 500);
	struct sa_node *b = node(0x0100000000000001ULL, 0x43, "192.0.2.2", 500);
	struct ip_addr peer;

	cr_assert_eq(sadb_sa_table_add(&t, a), 0);
	cr_assert_eq(sadb_sa_table_add(&t, b), -EEXIST, "an SPI collision is refused");
	cr_assert_eq(sadb_sa_table_add_init(&t, a), 0);
	cr_assert_eq(sadb_sa_table_count(&t), 1);

	rcu_read_lock();
	cr_assert_eq(sadb_sa_table_lookup_rcu(&t, a->our_spi), a);
	cr_assert_null(sadb_sa_table_lookup_rcu(&t, 0x0100000000000002ULL));
	ip_addr_parse("192.0.2.1", &peer);
	cr_assert_eq(sadb_sa_table_lookup_init_rcu(&t, 0x42, &peer, 500), a);
	cr_assert_null(sadb_sa_table_lookup_init_rcu(&t, 0x42, &peer, 4500), "port is part of the key");
	ip_addr_parse("192.0.2.9", &peer);
	cr_assert_null(sadb_sa_table_lookup_init_rcu(&t, 0x42, &peer, 500), "peer is part of the key");
	rcu_read_unlock();

	sadb_sa_table_del(&t, a);
	sadb_sa_table_del(&t, a);	/* idempotent */
	rcu_read_lock();
	cr_assert_null(sadb_sa_table_lookup_rcu(&t, a->our_spi));
	rcu_read_unlock();
	cr_assert_eq(sadb_sa_table_add(&t, b), 0, "the SPI is free again");
	sadb_sa_table_del(&t, b);
	synchronize_rcu();
	free(a);
	free(b);
}

/* An SA leaves the index by the initiator's SPI alone (once established), then both. */
Test(sa_table, del_init_leaves_the_spi_index)
{
	struct sa_node *a = node(0x0100000000000003ULL, 0x44, "192.0.2.3", 500);
	struct sa_node *b = node(0x0100000000000004ULL, 0x44, "192.0.2.3", 500);

	cr_assert_eq(sadb_sa_table_add(&t, a), 0);
	cr_assert_eq(sadb_sa_table_add_init(&t, a), 0);
	cr_assert_eq(sadb_sa_table_add(&t, b), 0);
	cr_assert_eq(sadb_sa_table_add_init(&t, b), -EEXIST, "the same initiator's SPI");
	sadb_sa_table_del_init(&t, a);
	cr_assert_not(a->in_init);
	cr_assert(a->in_spi);
	sadb_sa_table_del_init(&t, a);	/* idempotent */
	rcu_read_lock();
	cr_assert_null(sadb_sa_table_lookup_init_rcu(&t, 0x44, &a->peer, 500));
	cr_assert_eq(sadb_sa_table_lookup_rcu(&t, a->our_spi), a);
	rcu_read_unlock();
	cr_assert_eq(sadb_sa_table_add_init(&t, b), 0, "the initiator's SPI is free again");
	rcu_read_lock();
	cr_assert_eq(sadb_sa_table_lookup_init_rcu(&t, 0x44, &a->peer, 500), b);
	rcu_read_unlock();
	sadb_sa_table_del(&t, a);
	sadb_sa_table_del(&t, b);
	cr_assert_not(a->in_spi || a->in_init || b->in_spi || b->in_init);
	cr_assert_eq(sadb_sa_table_count(&t), 0);
	synchronize_rcu();
	free(a);
	free(b);
}

/*
 * Two owners insert and delete their own SAs while two readers look them
 * up; a reader only ever sees a node whose key matches, and every node an
 * owner published and did not delete is found at the end.
 */
#define OWNERS 2
#define PER_OWNER 20000

static atomic_bool stop;
static atomic_ulong bad;

/* What embeds a node, as the IKE SA does: the grace period's head is the object's. */
struct test_sa {
	struct sa_node node;
	struct rcu_head rcu;
};

static void rcu_free_sa_node(struct rcu_head *h)
{
	struct test_sa *o = caa_container_of(h, struct test_sa, rcu);
	tsan_acquire(&o->node);	/* the grace period, invisible to TSan */
	free(o);
}

static void free_later(struct sa_node *n)
{
	struct test_sa *o = caa_container_of(n, struct test_sa, node);

	tsan_release(n);
	call_rcu(&o->rcu, rcu_free_sa_node);
}

static void *owner(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	rcu_register_thread();
	for (uint64_t i = 0; i < PER_OWNER; i++) {
		struct test_sa *o = calloc(1, sizeof(*o));
		struct sa_node *n = &o->node;
		n->our_spi = (id << 56) | i;
		n->peer.af = AF_INET;
		n->peer_port = 500;
		n->init_spi = n->our_spi;
		if (sadb_sa_table_add(&t, n) || sadb_sa_table_add_init(&t, n))
			atomic_fetch_add(&bad, 1);
		if (i % 2) {	/* delete every other one again */
			sadb_sa_table_del(&t, n);
			free_later(n);
		}
	}
	rcu_unregister_thread();
	return NULL;
}

static void *reader(void *arg)
{
	uint64_t i = 0;
	rcu_register_thread();
	while (!atomic_load(&stop)) {
		uint64_t spi = ((i % OWNERS) << 56) | (i % PER_OWNER);
		rcu_read_lock();
		struct sa_node *n = sadb_sa_table_lookup_rcu(&t, spi);
		if (n && n->our_spi != spi)
			atomic_fetch_add(&bad, 1);
		rcu_read_unlock();
		i++;
	}
	rcu_unregister_thread();
	return NULL;
}

Test(sa_table, concurrent_owners_and_readers)
{
	pthread_t o[OWNERS], r[2];

	for (uintptr_t i = 0; i < OWNERS; i++)
		pthread_create(&o[i], NULL, owner, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	for (int i = 0; i < OWNERS; i++)
		pthread_join(o[i], NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	cr_assert_eq(atomic_load(&bad), 0);
	cr_assert_eq(sadb_sa_table_count(&t), OWNERS * PER_OWNER / 2);

	/* Every even one is there; clean up. */
	for (uint64_t id = 0; id < OWNERS; id++) {
		for (uint64_t i = 0; i < PER_OWNER; i += 2) {
			rcu_read_lock();
			struct sa_node *n = sadb_sa_table_lookup_rcu(&t, (id << 56) | i);
			rcu_read_unlock();
			cr_assert_not_null(n);
			sadb_sa_table_del(&t, n);
			free_later(n);
		}
	}
	cr_assert_eq(sadb_sa_table_count(&t), 0);
}
