/* SPDX-License-Identifier: BSD-2-Clause */
/* The connection database commands: add (with --delete replacing), delete; the statistics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "crypto/dn.h"
#include "ike/connection.h"
#include "util/log.h"

/* Unpublish and free after a grace period. Context: ctl thread. */
static void conn_remove(struct pluto *p, struct connection *conn)
{
	if (ike_connection_unpublish(&p->conns, conn) == 0) {
		ike_connection_unref(conn);	/* the table's reference */
		atomic_fetch_add(&p->stats.conns_deleted, 1);
	}
}

/* The ctl thread is the only writer, so a lookup stays valid after the unlock here. */
static struct connection *conn_find(struct pluto *p, const char *name)
{
	struct conn_node *n;

	rcu_read_lock();
	n = sadb_conn_table_lookup_rcu(&p->conns, name);
	rcu_read_unlock();
	return n ? ike_connection_of(n) : NULL;
}

static const char *ike_version_name(const struct conn_spec *s)
{
	return (s->policy & POL_IKEV1) ? "IKEv1" : "IKEv2";
}

void ctl_cmd_add_conn(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct conn_spec spec;
	struct connection *conn, *old;
	char err[512];
	int rc;

	if (whack_cmd_conn_spec(cmd, &spec, err, sizeof(err)) < 0) {
		ctl_reply(c, RC_FATAL, "failed to add connection: %s", err);
		goto out;
	}
	old = conn_find(p, spec.name);
	if (old && !spec.replace) {
		ctl_reply(c, RC_DUPNAME, "\"%s\": attempt to redefine connection \"%s\"", spec.name,
			  spec.name);
		goto out;
	}
	/* libreswan's words: an IKEv1 connection could never receive a packet. */
	if ((spec.policy & POL_IKEV1) && p->opts->ikev1_policy != IKE_V1_ACCEPT) {
		ctl_reply(c, RC_FATAL,
			  "\"%s\": failed to add connection: global ikev1-policy=%s does not allow "
			  "IKEv1 connections",
			  spec.name, p->opts->ikev1_policy == IKE_V1_REJECT ? "reject" : "drop");
		goto out;
	}
	rc = ike_connection_new(&spec, ike_conn_serial_new(&p->ike), &conn, err, sizeof(err));
	if (rc == -ENOMEM) {
		ctl_reply(c, RC_INTERNALERR, "\"%s\": out of memory adding the connection",
			  spec.name);
		goto out;
	}
	if (rc < 0) {
		ctl_reply(c, rc == -ENOTSUP ? RC_NOT_SUPPORTED : RC_FATAL,
			  "\"%s\": failed to add connection: %s", spec.name, err);
		goto out;
	}
	rc = ctl_conn_creds(p, conn, err, sizeof(err));
	if (rc < 0) {
		ike_connection_free(conn);
		ctl_reply(c, RC_FATAL, "\"%s\": failed to add connection: %s", spec.name, err);
		goto out;
	}
	/* --delete in the connection form: replace, silently when there was none. */
	if (old) {
		ctl_conn_terminate(p, c, old);
		ctl_conn_unroute(p, old);
		conn_remove(p, old);
	}
	rc = ike_connection_publish(&p->conns, conn);
	if (rc == -ENOMEM) {
		ike_connection_unref(conn);	/* it was visible for a moment: after a grace period */
		ctl_reply(c, RC_INTERNALERR, "\"%s\": out of memory adding the connection",
			  spec.name);
		goto out;
	}
	if (rc < 0) {
		ike_connection_free(conn);
		ctl_reply(c, RC_DUPNAME, "\"%s\": attempt to redefine connection \"%s\"", spec.name,
			  spec.name);
		goto out;
	}
	atomic_fetch_add(&p->stats.conns_added, 1);
	ctl_reply(c, RC_LOG, "\"%s\": added %s connection", spec.name, ike_version_name(&spec));
out:
	conn_spec_fini(&spec);
}

void ctl_cmd_delete_conn(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *name = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);
	struct connection *conn;

	if (!name) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--delete needs --name <connection-name>");
		return;
	}
	conn = conn_find(p, name->value);
	if (!conn) {
		/* An instance: its SAs go (the peer told); it goes with the last of them. */
		struct connection *inst = ctl_conn_find_ref(p, name->value);
		if (!inst) {
			ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
			return;
		}
		ctl_conn_terminate(p, c, inst);
		ctl_reply(c, RC_LOG, "%s: deleted connection instance", name->value);
		ike_connection_unref(inst);
		return;
	}
	/*
	 * The manual: "deletes a named connection description and any SAs ...
	 * using it"; a template's instances are deleted with it (their SAs).
	 */
	ctl_conn_terminate(p, c, conn);
	ctl_conn_unroute(p, conn);
	conn_remove(p, conn);
	ctl_reply(c, RC_LOG, "\"%s\": deleted connection", name->value);
}

void ctl_conns_clear(struct pluto *p)
{
	struct conn_node *n;
	struct cds_lfht_iter it;

	rcu_read_lock();
	cds_lfht_for_each_entry(p->conns.ht, &it, n, lfht) {
		struct connection *conn = ike_connection_of(n);
		if (cds_lfht_del(p->conns.ht, &n->lfht) == 0)
			ike_connection_unref(conn);
	}
	rcu_read_unlock();
}
