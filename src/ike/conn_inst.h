/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CONN_INST_H
#define SKUA_IKE_CONN_INST_H

#include <stdbool.h>
#include <stdint.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "ike/connection.h"
#include "util/lfht_size.h"

/*
 * The daemon's connection instances (ike/connection.h: one per client of a
 * %any template), in two RCU hash tables: by name ("rw[3]", what whack
 * names) and by template and peer ID (--uniqueids). Every lookup is a
 * hash lookup, never a walk over the instances. There is no index by
 * client address: an address is not a client (many share one behind a
 * NAT), IKE SAs are found by SPI, and what names a peer by address
 * (whack --crash) must find fixed peers too, which are no instances.
 *
 * Owner: an instance is published and unpublished by its owner worker
 * (conn->inst.owner), the one that owns its IKE SA; the tables take
 * concurrent writers (liburcu's lock-free hash tables). Any RCU thread
 * looks up; a reader that keeps an instance beyond its read-side section
 * takes a reference with ike_connection_tryref().
 *
 * An instance lives while something uses it: each IKE SA and each Child
 * SA whose connection it is counts as a user (ike_conn_use() /
 * ike_conn_unuse(), on the owner worker). When the last user goes it is
 * unpublished and the table's reference dropped: an instance never
 * outlives its client's SAs, and never leaks.
 */
struct ike_inst_table {
	struct cds_lfht *by_name;	/* name_size.ht */
	struct cds_lfht *by_id;		/* id_size.ht */
	struct lfht_size name_size, id_size;	/* their bucket counts (util/lfht_size.h) */
	uint64_t key;			/* hash seed: clients choose addresses and IDs */
	_Atomic uint64_t count;
};

/* Context: main thread at start. Returns 0 or -ENOMEM. */
int ike_inst_table_init(struct ike_inst_table *t);

/*
 * Unpublish and release every instance left. Context: main thread, after
 * the workers stopped (their SAs are gone by then; this is a safety net).
 */
void ike_inst_table_fini(struct ike_inst_table *t);

/* Publish c (an instance) under its name and peer ID. Context: c's owner. */
void ike_inst_publish(struct ike_inst_table *t, struct connection *c);

/*
 * The same, under its peer ID only when by_id: the ID index serves
 * --uniqueids alone, and without it many clients may send one ID (the
 * load generator's clients send their address: 10,000 per ID at 1,000,000
 * held), whose instances would share one hash, a run of duplicates that
 * every add to the split-ordered list walks to its end (issue 14: the
 * setup cost grew with the SAs held). Context: c's owner.
 */
void ike_inst_publish_ids(struct ike_inst_table *t, struct connection *c, bool by_id);

/*
 * Unpublish c, give its lease back to the pools and drop the table's
 * reference. Context: c's owner.
 */
void ike_inst_unpublish(struct ike_inst_table *t, struct connection *c);

/*
 * A user of c (an IKE or Child SA) takes / lets go of it: a reference, and
 * for an instance the count of users; the last one unpublishes it.
 * Context: for an instance, its owner worker; otherwise any thread.
 */
void ike_conn_use(struct connection *c);
void ike_conn_unuse(struct ike_inst_table *t, struct connection *c);

/*
 * The instance whose name is name ("rw[3]"), with a reference taken, or
 * NULL. Context: any RCU-registered thread.
 */
struct connection *ike_inst_find_ref(struct ike_inst_table *t, const char *name);

/*
 * Call fn for each published instance of template tmpl whose peer ID is
 * id / every one; stops when fn returns false. Context: inside
 * rcu_read_lock().
 */
void ike_inst_by_id_each_rcu(struct ike_inst_table *t, const struct connection *tmpl,
			     const struct ike_id *id, bool (*fn)(struct connection *c, void *ctx),
			     void *ctx);
void ike_inst_each_rcu(struct ike_inst_table *t, bool (*fn)(struct connection *c, void *ctx),
		       void *ctx);

/* How many instances are published. Context: any thread. */
uint64_t ike_inst_count(const struct ike_inst_table *t);

/*
 * whack's ways of naming an instance, as a table key: rw[3], "rw"[3]
 * and "rw[3]" all give rw[3]. Returns false when name is not an instance's
 * form (a plain connection name). Context: any thread.
 */
bool ike_inst_name_key(const char *name, char *out, size_t len);

#endif
