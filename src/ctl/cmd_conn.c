/* SPDX-License-Identifier: BSD-2-Clause */
/* The connection database commands: add (with --delete replacing), delete, status. */
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
	if (sadb_conn_table_del(&p->conns, &conn->node) == 0) {
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

static const char *policy_str(uint32_t pol, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ POL_IKEV1, "IKEv1" }, { POL_IKEV2, "IKEv2" }, { POL_PSK, "PSK" },
		{ POL_RSASIG, "RSASIG" }, { POL_ECDSA, "ECDSA" }, { POL_ENCRYPT, "ENCRYPT" },
		{ POL_AUTHENTICATE, "AUTHENTICATE" }, { POL_COMPRESS, "COMPRESS" },
		{ POL_TUNNEL, "TUNNEL" }, { POL_PFS, "PFS" }, { POL_DONT_REKEY, "DONT_REKEY" },
		{ POL_AGGRESSIVE, "AGGRESSIVE" }, { POL_MODECFG_PULL, "MODECFG_PULL" },
		{ POL_FORCEENCAPS, "FORCEENCAPS" }, { POL_NO_KEEPALIVE, "NO_KEEPALIVE" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (pol & names[i].bit)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "+" : "",
					      names[i].name);
	}
	return buf;
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
	rc = ike_connection_new(&spec, ++p->next_serial, &conn, err, sizeof(err));
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
	if (sadb_conn_table_add(&p->conns, &conn->node) < 0) {
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
		ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
		return;
	}
	/* The manual: "deletes a named connection description and any SAs ... using it". */
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

/* ---- status ---- */

struct conn_list {
	struct connection **v;
	size_t n, cap;
};

static bool collect(struct conn_node *n, void *ctx)
{
	struct conn_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct connection **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ike_connection_of(n);
	return true;
}

static int by_serial(const void *a, const void *b)
{
	const struct connection *x = *(struct connection *const *)a;
	const struct connection *y = *(struct connection *const *)b;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static const char *host_str(const struct conn_end_spec *e, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN];
	switch (e->host_kind) {
	case HOST_ANY:
		snprintf(buf, len, "%%any");
		break;
	case HOST_OPPORTUNISTIC:
		snprintf(buf, len, "%%opportunistic");
		break;
	case HOST_ADDR:
		if (e->ikeport != 500)
			snprintf(buf, len, "%s:%u", ip_addr_str(&e->host, a), e->ikeport);
		else
			snprintf(buf, len, "%s", ip_addr_str(&e->host, a));
		break;
	}
	return buf;
}

/* One end as libreswan draws it: client===host, mirrored for the right end. */
static void end_str(const struct connection *conn, int i, char *buf, size_t len)
{
	const struct conn_end_spec *e = &conn->spec.end[i];
	bool right = i == 1;
	char host[IP_ADDR_STRLEN + 8], client[IP_SUBNET_STRLEN], id[IKE_ID_STRLEN + 2] = "";

	host_str(e, host, sizeof(host));
	if (e->id || conn->creds[i].cert) {
		char s[IKE_ID_STRLEN];

		snprintf(id, sizeof(id), "[%s]", ike_id_str(&conn->id[i], s, sizeof(s)));
	}
	if (!e->has_client)
		snprintf(buf, len, "%s%s", host, id);
	else if (!right)
		snprintf(buf, len, "%s===%s%s", ip_subnet_str(&e->client, client), host, id);
	else
		snprintf(buf, len, "%s%s===%s", host, id, ip_subnet_str(&e->client, client));
}

/* libreswan's authby names, joined: "rsasig+ecdsa". */
static const char *auth_str(uint8_t classes, char *buf, size_t len)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = { { IKE_AUTHC_PSK, "secret" }, { IKE_AUTHC_RSA, "rsasig" },
		      { IKE_AUTHC_ECDSA, "ecdsa" }, { IKE_AUTHC_EDDSA, "eddsa" } };
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && n < len; i++)
		if (classes & names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "+" : "",
					      names[i].name);
	return buf;
}

static const char *shunt_name(enum shunt_kind k)
{
	static const char *const names[] = {
		[SHUNT_NONE] = "none", [SHUNT_TRAP] = "trap", [SHUNT_PASS] = "pass",
		[SHUNT_DROP] = "drop", [SHUNT_REJECT] = "reject",
	};
	return names[k];
}

static const char *dpd_action_name(enum dpd_action a)
{
	static const char *const names[] = {
		[DPD_ACTION_HOLD] = "hold", [DPD_ACTION_CLEAR] = "clear",
		[DPD_ACTION_RESTART] = "restart",
	};
	return names[a];
}

static void show_conn(struct pluto *p, struct ctl_client *c, const struct connection *conn)
{
	int end = ctl_orient(p, conn);
	const struct conn_spec *s = &conn->spec;
	const char *nm = s->name;
	char l[600], r[600], pol[256];

	end_str(conn, 0, l, sizeof(l));
	end_str(conn, 1, r, sizeof(r));
	int routing = atomic_load(&conn->routing);
	ctl_comment(c, "\"%s\": %s...%s; %s; IPsec SAs: %u", nm, l, r,
		    atomic_load(&conn->children_up) ? "erouted"
		    : routing == CONN_ROUTED	    ? "prospective erouted"
		    : routing == CONN_FAILED_SHUNT  ? "failure shunt"
						    : "unrouted",
		    atomic_load(&conn->children_up));
	ctl_comment(c, "\"%s\":   %s; my_updown=%s; their_updown=%s;", nm,
		    end == 0 ? "oriented: we are the left end" :
		    end == 1 ? "oriented: we are the right end" :
		    end == -2 ? "unoriented: both ends are addresses of this host" :
				"unoriented (no end is an address pluto listens on)",
		    s->end[end == 1].updown ? s->end[end == 1].updown : p->ike.default_updown,
		    s->end[end != 1].updown ? s->end[end != 1].updown : p->ike.default_updown);
	ctl_comment(c,
		    "\"%s\":   ike_life: %us; ipsec_life: %us; rekey_margin: %us; rekey_fuzz: %u%%; keyingtries: %u;",
		    nm, s->ike_lifetime, s->ipsec_lifetime, s->rekeymargin, s->rekeyfuzz,
		    s->keyingtries);
	ctl_comment(c, "\"%s\":   policy: %s; prospective: %s; failure: %s;", nm,
		    policy_str(s->policy, pol, sizeof(pol)), shunt_name(s->prospective),
		    shunt_name(s->failure));
	ctl_comment(c, "\"%s\":   left auth: %s; right auth: %s;", nm,
		    auth_str(conn->auth[0].classes, l, sizeof(l)),
		    auth_str(conn->auth[1].classes, r, sizeof(r)));
	for (int i = 0; i < 2; i++) {
		char subj[512];

		if (conn->creds[i].cert)
			ctl_comment(c, "\"%s\":   %s cert: '%s'%s;", nm, i ? "right" : "left",
				    crypto_cert_subject_str(conn->creds[i].cert, subj, sizeof(subj)),
				    conn->creds[i].key ? " with its private key" : "");
		if (conn->ca_dn[i] && crypto_dn_str(conn->ca_dn[i], conn->ca_dn_len[i], subj,
						    sizeof(subj)) >= 0)
			ctl_comment(c, "\"%s\":   %s ca: '%s';", nm, i ? "right" : "left", subj);
	}
	if (s->has_dpd)
		ctl_comment(c, "\"%s\":   dpd: action:%s; delay:%us; timeout:%us;", nm,
			    dpd_action_name(s->dpd_action), s->dpd_delay, s->dpd_timeout);
	ctl_comment(c, "\"%s\":   ike: %s; esp: %s; pfsgroup: %d;", nm, s->ike ? s->ike : "default",
		    s->esp ? s->esp : "default", s->pfsgroup);
	if (s->has_conn_mark)
		ctl_comment(c, "\"%s\":   conn-mark: 0x%x/0x%x;", nm, s->conn_mark, s->conn_mask);
}

void ctl_cmd_status(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	static const char *const stacks[] = {
		[PROTOSTACK_NETKEY] = "netkey (XFRM)", [PROTOSTACK_BSDKAME] = "bsdkame (PF_KEY)",
		[PROTOSTACK_NONE] = "none",
	};
	struct conn_list l = { 0 };

	ctl_comment(c, "using kernel interface: %s", stacks[p->opts->protostack]);
	ctl_comment(c, " ");
	rcu_read_lock();
	sadb_conn_table_each_rcu(&p->conns, collect, &l);
	rcu_read_unlock();
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_serial);
	ctl_comment(c, "Connection list:");
	ctl_comment(c, " ");
	for (size_t i = 0; i < l.n; i++)
		show_conn(p, c, l.v[i]);
	ctl_comment(c, " ");
	ctl_comment(c, "Total IPsec connections: loaded %zu", l.n);
	ctl_comment(c, " ");
	ctl_status_states(p, c);
	free(l.v);
}

void ctl_cmd_globalstats(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	ctl_comment(c, "total.whack.requests=%llu",
		    (unsigned long long)atomic_load(&p->stats.whack_requests));
	ctl_comment(c, "total.whack.malformed=%llu",
		    (unsigned long long)atomic_load(&p->stats.whack_malformed));
	ctl_comment(c, "total.connections.added=%llu",
		    (unsigned long long)atomic_load(&p->stats.conns_added));
	ctl_comment(c, "total.connections.deleted=%llu",
		    (unsigned long long)atomic_load(&p->stats.conns_deleted));
	ctl_comment(c, "current.connections.loaded=%zu", sadb_conn_table_count(&p->conns));
}

void ctl_cmd_clearstats(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	atomic_store(&p->stats.whack_requests, 0);
	atomic_store(&p->stats.whack_malformed, 0);
	atomic_store(&p->stats.conns_added, 0);
	atomic_store(&p->stats.conns_deleted, 0);
	ctl_reply(c, RC_LOG, "statistics cleared");
}
