/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_SA_TABLE_H
#define SKUA_SADB_SA_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "util/addr.h"
#include "util/lfht_size.h"

/*
 * The RCU indexes of IKE SAs:
 *   - by our SPI (the SPI we chose, which carries the owner worker index);
 *   - by (initiator SPI, peer address, peer port), for recognising a
 *     retransmitted IKE_SA_INIT request before a responder SPI exists.
 *
 * The node is embedded in the IKE SA object (ike/), which this module
 * never sees. Owner: the worker that owns the SA inserts and removes its
 * nodes; any registered RCU thread may look up. Objects are freed with
 * call_rcu (on an rcu_head of the object's own) after both nodes are
 * removed.
 */
struct sa_node {
	struct cds_lfht_node by_spi;
	struct cds_lfht_node by_init;
	uint64_t our_spi;		/* key of by_spi */
	uint64_t init_spi;		/* key of by_init, with peer and port */
	struct ip_addr peer;
	uint16_t peer_port;
	bool in_spi;			/* by_spi is published */
	bool in_init;			/* by_init is published */
};

struct sa_table {
	struct cds_lfht *by_spi;	/* spi_size.ht */
	struct cds_lfht *by_init;	/* init_size.ht */
	struct lfht_size spi_size, init_size;	/* their bucket counts (util/lfht_size.h) */
	uint64_t seed;			/* hash key: peers choose SPIs, so hash with a secret */
};

/* Context: main thread at start. Returns 0 or -ENOMEM. */
int sadb_sa_table_init(struct sa_table *t);

/* Context: main thread after every user stopped; the table must be empty. */
void sadb_sa_table_fini(struct sa_table *t);

/*
 * Publish n by n->our_spi. Returns 0 or -EEXIST (an SPI collision: the
 * caller picks another). Context: owner worker; registered RCU thread.
 */
int sadb_sa_table_add(struct sa_table *t, struct sa_node *n);

/*
 * Publish n by (n->init_spi, n->peer, n->peer_port). Returns 0 or -EEXIST
 * (a retransmission raced us). Context: owner worker.
 */
int sadb_sa_table_add_init(struct sa_table *t, struct sa_node *n);

/* Unpublish both indexes (either may be absent). Context: owner worker. */
void sadb_sa_table_del(struct sa_table *t, struct sa_node *n);

/* Unpublish n by its initiator's SPI only (it may be absent). Context: owner worker. */
void sadb_sa_table_del_init(struct sa_table *t, struct sa_node *n);

/* Context: inside rcu_read_lock(). */
struct sa_node *sadb_sa_table_lookup_rcu(struct sa_table *t, uint64_t our_spi);
struct sa_node *sadb_sa_table_lookup_init_rcu(struct sa_table *t, uint64_t init_spi,
					      const struct ip_addr *peer, uint16_t peer_port);

/* Approximate count of SAs by SPI. Context: any registered RCU thread. */
size_t sadb_sa_table_count(struct sa_table *t);

#endif
