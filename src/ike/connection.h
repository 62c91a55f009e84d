/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CONNECTION_H
#define SKUA_IKE_CONNECTION_H

#include <stdint.h>

#include "sadb/conn_table.h"
#include "util/conn_spec.h"

/*
 * A (potential) connection: the description pluto negotiates from, named,
 * published in the connection table.
 *
 * Owner: the ctl thread creates, publishes, unpublishes and frees it (via
 * call_rcu); the spec is immutable once published, so any RCU reader may
 * read every field. Mutable runtime state (routing, SAs) will live in
 * the owner workers' objects, never here.
 */
struct connection {
	struct conn_node node;		/* by name; node.name points at spec.name */
	struct conn_spec spec;
	uint64_t serial;		/* $N: order of creation, for stable listings */
};

/*
 * A connection holding a deep copy of spec. Returns NULL on ENOMEM.
 * Context: any thread; the result is private until published.
 */
struct connection *ike_connection_new(const struct conn_spec *spec, uint64_t serial);

/* Free now (never published, or after a grace period). Accepts NULL. */
void ike_connection_free(struct connection *c);

/* Free after a grace period. Context: any thread, after unpublishing. */
void ike_connection_free_rcu(struct connection *c);

static inline struct connection *ike_connection_of(struct conn_node *n)
{
	return caa_container_of(n, struct connection, node);
}

#endif
