/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_CONN_INDEX_H
#define SKUA_SADB_CONN_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu.h>
#include <urcu/list.h>
#include <urcu/rculfhash.h>

#include "util/addr.h"

/*
 * How a responder finds the connection for a peer without walking every
 * connection (the manual's "Selecting a Connection When Responding"):
 * each connection is indexed once per orientation (our end an address)
 * under its host pair, (our address, the peer's address) or (our
 * address, any peer of the family) for a %any end, and under its peer ID.
 *
 *   all hosts   (local, peer|ANY)          every connection, oldest first
 *   any ID      (local, peer|ANY)          those whose peer ID is %any, oldest first
 *   by ID       (local, peer|ANY, ID)      those that name the peer's ID
 *
 * A group holds its members in serial order, so "the oldest of the best"
 * is its first member. Nothing here knows IKE: the owner is opaque, an
 * ID is its type and bytes.
 *
 * Owner: the ctl thread adds and removes entries (connections are
 * configuration); any registered RCU thread looks up inside a read-side
 * section, and what it finds is valid until the section ends.
 */
struct conn_index {
	struct cds_lfht *groups;	/* struct conn_group, both kinds */
	struct cds_lfht *by_id;		/* struct conn_index_entry, id_node */
};

struct conn_group;

/* One orientation of one connection. Embedded in the connection; immutable once added. */
struct conn_index_entry {
	/* the key, set by the owner before conn_index_add() */
	struct ip_addr local, peer;	/* peer unused when peer_any */
	bool peer_any;			/* the other end is %any (of local's family) */
	uint8_t id_type;		/* the peer ID the connection names ... */
	uint16_t id_len;		/* ... 0: %any */
	const uint8_t *id;		/* its bytes (the owner's, immutable) */
	bool id_by_match;		/* id_len 0, yet the owner matches the peer ID itself */
	uint64_t serial;		/* order of creation: the oldest wins a tie */
	void *owner;
	uint8_t end;			/* which end of the owner is local */
	/* the index's */
	struct cds_list_head all_link, id_link;	/* in the all-hosts and any-ID groups */
	struct conn_group *all, *anyid;
	struct cds_lfht_node id_node;
	bool linked;
};

/* Context: main thread at start. Returns 0 or -ENOMEM. */
int conn_index_init(struct conn_index *ix);

/* Context: main thread, when the index is empty and no reader is left. */
void conn_index_fini(struct conn_index *ix);

/* Publish e under its key. Returns 0 or -ENOMEM. Context: ctl thread. */
int conn_index_add(struct conn_index *ix, struct conn_index_entry *e);

/*
 * Unpublish e (the owner frees itself after a grace period, as it does
 * for the name table). Context: ctl thread.
 */
void conn_index_del(struct conn_index *ix, struct conn_index_entry *e);

/* Which group of a host pair. */
enum conn_index_group { CONN_INDEX_ALL, CONN_INDEX_ANY_ID };

/*
 * The members of a group, oldest first: (local, peer) when peer is not
 * NULL, else (local, any peer of local's family). Stops when fn returns
 * false. Context: inside rcu_read_lock().
 */
void conn_index_group_each_rcu(struct conn_index *ix, enum conn_index_group g,
			       const struct ip_addr *local, const struct ip_addr *peer,
			       bool (*fn)(struct conn_index_entry *e, void *ctx), void *ctx);

/*
 * The entries that name peer ID (id_type, id, id_len) for (local, peer)
 * or, peer NULL, (local, any). Context: inside rcu_read_lock().
 */
void conn_index_by_id_each_rcu(struct conn_index *ix, const struct ip_addr *local,
			       const struct ip_addr *peer, uint8_t id_type, const uint8_t *id,
			       uint16_t id_len, bool (*fn)(struct conn_index_entry *e, void *ctx),
			       void *ctx);

#endif
