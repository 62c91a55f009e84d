/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_CONN_TABLE_H
#define SKUA_SADB_CONN_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "sadb/conn_index.h"

/*
 * The RCU index of connections by name. The node is embedded in the
 * connection object (ike/connection.h); this table knows only the name.
 *
 * Owner: the ctl thread adds and removes entries (connections are
 * configuration, not SAs); every registered RCU thread may look up.
 */
struct conn_node {
	struct cds_lfht_node lfht;
	const char *name;		/* points into the embedding object */
	struct rcu_head rcu;
};

struct conn_table {
	struct cds_lfht *ht;
	struct conn_index index;	/* by host pair and peer ID (conn_index.h) */
};

/* Context: main thread at start. Returns 0 or -ENOMEM. */
int sadb_conn_table_init(struct conn_table *t);

/*
 * Context: main thread, after every other RCU thread stopped using the
 * table; the table must be empty (the caller removed and freed entries).
 */
void sadb_conn_table_fini(struct conn_table *t);

/*
 * Publish n under n->name. Returns 0, or -EEXIST when the name is taken.
 * Context: ctl thread (the only writer); takes the RCU read lock itself.
 */
int sadb_conn_table_add(struct conn_table *t, struct conn_node *n);

/*
 * Unpublish n; the caller frees the object with call_rcu(&n->rcu, ...).
 * Returns 0 or -ENOENT. Context: ctl thread; takes the RCU read lock.
 */
int sadb_conn_table_del(struct conn_table *t, struct conn_node *n);

/* Context: inside rcu_read_lock(); the result is valid until the unlock. */
struct conn_node *sadb_conn_table_lookup_rcu(struct conn_table *t, const char *name);

/*
 * Call fn for each node; stops early when fn returns false.
 * Context: inside rcu_read_lock().
 */
void sadb_conn_table_each_rcu(struct conn_table *t, bool (*fn)(struct conn_node *n, void *ctx),
			      void *ctx);

/* Approximate count. Context: any registered RCU thread. */
size_t sadb_conn_table_count(struct conn_table *t);

#endif
