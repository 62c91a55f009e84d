/* SPDX-License-Identifier: BSD-2-Clause */
#include "sadb/sa_table.h"

#include <errno.h>
#include <string.h>

#include "util/tsan.h"
#include <sys/random.h>

/*
 * SPIs arrive from peers: hash them with a per-process secret so a peer
 * cannot aim many SAs at one bucket chain. A keyed 64-bit mix is enough
 * here (the table also resizes).
 */
static unsigned long mix(uint64_t x, uint64_t seed)
{
	x ^= seed;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (unsigned long)x;
}

static unsigned long init_hash(const struct sa_table *t, uint64_t init_spi,
			       const struct ip_addr *peer, uint16_t port)
{
	uint64_t a, b;
	memcpy(&a, peer->b, 8);
	memcpy(&b, peer->b + 8, 8);
	return mix(init_spi ^ mix(a ^ (b << 1) ^ ((uint64_t)port << 48) ^ peer->af, t->seed),
		   t->seed);
}

struct init_key {
	uint64_t spi;
	const struct ip_addr *peer;
	uint16_t port;
};

static int match_spi(struct cds_lfht_node *node, const void *key)
{
	const struct sa_node *n = caa_container_of(node, struct sa_node, by_spi);
	tsan_acquire(n);
	return n->our_spi == *(const uint64_t *)key;
}

static int match_init(struct cds_lfht_node *node, const void *key)
{
	const struct sa_node *n = caa_container_of(node, struct sa_node, by_init);
	const struct init_key *k = key;

	tsan_acquire(n);
	return n->init_spi == k->spi && n->peer_port == k->port && ip_addr_eq(&n->peer, k->peer);
}

int sadb_sa_table_init(struct sa_table *t)
{
	memset(t, 0, sizeof(*t));
	if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
		return -EIO;
	/* sized by us, not by liburcu's automatic resize: util/lfht_size.h says why */
	t->by_spi = lfht_size_new(&t->spi_size, 1024);
	t->by_init = lfht_size_new(&t->init_size, 1024);
	if (!t->by_spi || !t->by_init) {
		sadb_sa_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void sadb_sa_table_fini(struct sa_table *t)
{
	if (t->by_spi)
		cds_lfht_destroy(t->by_spi, NULL);
	if (t->by_init)
		cds_lfht_destroy(t->by_init, NULL);
	t->by_spi = t->by_init = NULL;
}

int sadb_sa_table_add(struct sa_table *t, struct sa_node *n)
{
	struct cds_lfht_node *got;

	cds_lfht_node_init(&n->by_spi);
	tsan_release(n);	/* the owner's writes before publication */
	rcu_read_lock();
	got = cds_lfht_add_unique(t->by_spi, mix(n->our_spi, t->seed), match_spi, &n->our_spi,
				  &n->by_spi);
	rcu_read_unlock();
	if (got != &n->by_spi)
		return -EEXIST;
	n->in_spi = true;
	lfht_size_added(&t->spi_size);
	return 0;
}

int sadb_sa_table_add_init(struct sa_table *t, struct sa_node *n)
{
	struct init_key k = { .spi = n->init_spi, .peer = &n->peer, .port = n->peer_port };
	struct cds_lfht_node *got;

	cds_lfht_node_init(&n->by_init);
	tsan_release(n);
	rcu_read_lock();
	got = cds_lfht_add_unique(t->by_init, init_hash(t, k.spi, k.peer, k.port), match_init, &k,
				  &n->by_init);
	rcu_read_unlock();
	if (got != &n->by_init)
		return -EEXIST;
	n->in_init = true;
	lfht_size_added(&t->init_size);
	return 0;
}

/* Take node out of ht if *in says it is there, and count it out of size. */
static void unpublish(struct cds_lfht *ht, struct cds_lfht_node *node, bool *in,
		      struct lfht_size *size)
{
	if (!*in)
		return;
	rcu_read_lock();
	cds_lfht_del(ht, node);
	rcu_read_unlock();
	*in = false;
	lfht_size_deleted(size);
}

void sadb_sa_table_del_init(struct sa_table *t, struct sa_node *n)
{
	unpublish(t->by_init, &n->by_init, &n->in_init, &t->init_size);
}

void sadb_sa_table_del(struct sa_table *t, struct sa_node *n)
{
	unpublish(t->by_init, &n->by_init, &n->in_init, &t->init_size);
	unpublish(t->by_spi, &n->by_spi, &n->in_spi, &t->spi_size);
}

struct sa_node *sadb_sa_table_lookup_rcu(struct sa_table *t, uint64_t our_spi)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->by_spi, mix(our_spi, t->seed), match_spi, &our_spi, &it);
	node = cds_lfht_iter_get_node(&it);
	if (!node)
		return NULL;
	tsan_acquire(caa_container_of(node, struct sa_node, by_spi));
	return caa_container_of(node, struct sa_node, by_spi);
}

struct sa_node *sadb_sa_table_lookup_init_rcu(struct sa_table *t, uint64_t init_spi,
					      const struct ip_addr *peer, uint16_t peer_port)
{
	struct init_key k = { .spi = init_spi, .peer = peer, .port = peer_port };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->by_init, init_hash(t, init_spi, peer, peer_port), match_init, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	if (!node)
		return NULL;
	tsan_acquire(caa_container_of(node, struct sa_node, by_init));
	return caa_container_of(node, struct sa_node, by_init);
}

size_t sadb_sa_table_count(struct sa_table *t)
{
	long before, after;
	unsigned long count;

	rcu_read_lock();
	cds_lfht_count_nodes(t->by_spi, &before, &count, &after);
	rcu_read_unlock();
	return count;
}
