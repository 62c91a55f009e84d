/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/connection.h"

#include <stdlib.h>

struct connection *ike_connection_new(const struct conn_spec *spec, uint64_t serial)
{
	struct connection *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (conn_spec_copy(&c->spec, spec) < 0) {
		free(c);
		return NULL;
	}
	c->node.name = c->spec.name;
	c->serial = serial;
	return c;
}

void ike_connection_free(struct connection *c)
{
	if (!c)
		return;
	conn_spec_fini(&c->spec);
	free(c);
}

static void free_cb(struct rcu_head *head)
{
	struct conn_node *n = caa_container_of(head, struct conn_node, rcu);
	ike_connection_free(ike_connection_of(n));
}

void ike_connection_free_rcu(struct connection *c)
{
	call_rcu(&c->node.rcu, free_cb);
}
