/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listings, in libreswan 4.x's text forms so that scripts written for
 * it read Skua the same way: --status, --showstates, --briefstatus,
 * --trafficstatus, --shuntstatus, --fipsstatus, --listevents. The lines,
 * their fields and the order of both are libreswan's
 * (tests/data/libreswan-4.10 holds what libreswan 4.10 itself prints;
 * tests/netns/status_format.sh compares); what Skua knows beyond that
 * (worker, role, algorithms, uptime) comes after libreswan's fields on the
 * same line, never in between. The workers fill the rows (ike_cmd.h); this
 * file only formats them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/pluto.h"
#include "crypto/dn.h"
#include "ike/conn_inst.h"
#include "ike/connection.h"
#include "ike/ike_cmd.h"
#include "ike/route.h"
#include "util/log.h"

/* "252B", "3KB", "17MB": libreswan's traffic byte counts. */
static const char *humber(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else if (n / 1024 < 1024)
		snprintf(buf, len, "%lluKB", (unsigned long long)(n / 1024));
	else
		snprintf(buf, len, "%lluMB", (unsigned long long)(n / 1024 / 1024));
	return buf;
}

/* An address, or <address> under --log-no-ip. */
static const char *addr_str(const struct ip_addr *a, char *buf)
{
	if (log_no_ip())
		return strcpy(buf, "<address>");
	return ip_addr_str(a, buf);
}

/* ---- what the rows say about each connection ---- */

/* The newest established IKE SA and installed Child SA of each connection. */
struct newest {
	const char *conn;		/* the bare name */
	uint64_t ike, child;
	const char *ike_algs, *child_algs;
};

struct newest_list {
	struct newest *v;
	size_t n;
};

/* rows are sorted by connection: one entry per run of the same name. */
static void newest_of(const struct ike_sa_rows *rows, struct newest_list *out)
{
	out->v = calloc(rows->n ? rows->n : 1, sizeof(*out->v));
	out->n = 0;
	if (!out->v)
		return;
	for (size_t i = 0; i < rows->n; i++) {
		const struct ike_sa_row *r = rows->v[i];
		struct newest *nw;
		if (out->n == 0 || strcmp(out->v[out->n - 1].conn, r->conn_name) != 0)
			out->v[out->n++].conn = r->conn_name;
		nw = &out->v[out->n - 1];
		if (!r->established)
			continue;
		if (r->is_child && r->serial > nw->child) {
			nw->child = r->serial;
			nw->child_algs = r->algs;
		} else if (!r->is_child && r->serial > nw->ike) {
			nw->ike = r->serial;
			nw->ike_algs = r->algs;
		}
	}
}

static const struct newest *newest_find(const struct newest_list *l, const char *conn)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].conn, conn) == 0)
			return &l->v[i];
	return NULL;
}

/* ---- state lines (--status, --showstates) ---- */

static void state_line(struct ctl_client *c, const struct ike_sa_row *r, const struct newest *nw)
{
	char line[1024];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "#%llu: %s:%u %s (%s);",
			     (unsigned long long)r->serial, r->conn, r->peer_port, r->state,
			     r->story);
	/* the timers, soonest first */
	if (r->retransmit_in && (!r->event || r->retransmit_in <= r->event_in))
		n += (size_t)snprintf(line + n, sizeof(line) - n, " RETRANSMIT in %llus;",
				      (unsigned long long)r->retransmit_in);
	if (r->event)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s in %llus;", r->event,
				      (unsigned long long)r->event_in);
	if (r->retransmit_in && r->event && r->retransmit_in > r->event_in)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " RETRANSMIT in %llus;",
				      (unsigned long long)r->retransmit_in);
	if (nw && r->established && r->serial == (r->is_child ? nw->child : nw->ike))
		n += (size_t)snprintf(line + n, sizeof(line) - n, " newest;");
	if (r->is_child && r->eroute_owner)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " eroute owner;");
	if (r->is_child)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " IKE SA #%llu;",
				      (unsigned long long)r->ike_serial);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " %s;", r->busy ? "busy" : "idle");
	/* Skua's own, after libreswan's fields */
	if (r->is_child)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s mode; %s===%s;",
				      r->tunnel ? "tunnel" : "transport", r->ts_local, r->ts_remote);
	else
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s;",
				      r->initiator ? "initiator" : "responder");
	if (r->established)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s; up %llus;", r->algs,
				      (unsigned long long)r->up);
	snprintf(line + n, sizeof(line) - n, " worker %u;", r->worker);
	ctl_comment(c, "%s", line);
}

/* "#2: "c" esp.OUT@peer esp.IN@local tun.0@peer tun.0@local Traffic: ESPin=.. ESPout=.. ESPmax=2^63B " */
static void child_details(struct ctl_client *c, const struct ike_sa_row *r)
{
	char line[1024], p[IP_ADDR_STRLEN], l[IP_ADDR_STRLEN], a[32], b[32];
	size_t n;

	addr_str(&r->peer, p);
	addr_str(&r->local, l);
	n = (size_t)snprintf(line, sizeof(line), "#%llu: %s esp.%08x@%s esp.%08x@%s",
			     (unsigned long long)r->serial, r->conn, r->spi_out, p, r->spi_in, l);
	if (r->tunnel)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " tun.0@%s tun.0@%s", p, l);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " Traffic:");
	if (!r->counters_error)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " ESPin=%s ESPout=%s",
				      humber(r->in_bytes, a, sizeof(a)),
				      humber(r->out_bytes, b, sizeof(b)));
	/* the byte limit (--ipsec-max-bytes), or libreswan's "no limit" */
	snprintf(line + n, sizeof(line) - n, " ESPmax=%s ",
		 r->max_bytes ? humber(r->max_bytes, a, sizeof(a)) : "2^63B");
	ctl_comment(c, "%s", line);
}

static void state_lines(struct ctl_client *c, const struct ike_sa_rows *rows,
			const struct newest_list *nl)
{
	for (size_t i = 0; i < rows->n; i++) {
		const struct ike_sa_row *r = rows->v[i];
		state_line(c, r, newest_find(nl, r->conn_name));
		if (r->is_child)
			child_details(c, r);
	}
}

/* ---- totals (--status, --briefstatus) ---- */

static bool cookies_required(struct pluto *p)
{
	return p->opts->force_busy || ike_daemon_cookies_required(&p->ike);
}

static void totals(struct pluto *p, struct ctl_client *c)
{
	uint64_t ike, half, up, child, open;

	ike_cmd_counts(&p->ike, &ike, &half, &up, &child);
	open = ike > half + up ? ike - half - up : 0;
	ctl_comment(c, "State Information: DDoS cookies %s, Accepting new IKE connections",
		    cookies_required(p) ? "required" : "not required");
	ctl_comment(c, "IKE SAs: total(%llu), half-open(%llu), open(%llu), authenticated(%llu), anonymous(0)",
		    (unsigned long long)ike, (unsigned long long)half, (unsigned long long)open,
		    (unsigned long long)up);
	ctl_comment(c, "IPsec SAs: total(%llu), authenticated(%llu), anonymous(0)",
		    (unsigned long long)child, (unsigned long long)child);
}

/* ---- connection lines (--status) ---- */

struct conn_list {
	struct connection **v;
	size_t n, cap;
};

static bool collect_one(struct conn_list *l, struct connection *c)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct connection **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = c;
	return true;
}

static bool collect(struct conn_node *n, void *ctx)
{
	ike_connection_ref(ike_connection_of(n));
	if (collect_one(ctx, ike_connection_of(n)))
		return true;
	ike_connection_unref(ike_connection_of(n));
	return false;
}

/* An instance may be going on its worker right now: only one still alive is listed. */
static bool collect_instance(struct connection *c, void *ctx)
{
	if (!ike_connection_tryref(c))
		return true;
	if (collect_one(ctx, c))
		return true;
	ike_connection_unref(c);
	return false;
}

/* Connections and templates, then the instances: a reference on each. Context: ctl thread. */
static void collect_all(struct pluto *p, struct conn_list *l)
{
	rcu_read_lock();
	sadb_conn_table_each_rcu(&p->conns, collect, l);
	ike_inst_each_rcu(&p->ike.insts, collect_instance, l);
	rcu_read_unlock();
}

static void conn_list_free(struct conn_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ike_connection_unref(l->v[i]);
	free(l->v);
}

/* libreswan lists connections by name, a template's instances after it by number. */
static int by_name(const void *a, const void *b)
{
	const struct connection *x = *(struct connection *const *)a;
	const struct connection *y = *(struct connection *const *)b;
	int c = strcmp(x->spec->name, y->spec->name);

	if (c)
		return c;
	return x->inst.no < y->inst.no ? -1 : x->inst.no > y->inst.no;
}

static const char *host_str(const struct connection *conn, uint8_t i, char *buf, size_t len)
{
	const struct conn_end_spec *e = &conn->spec->end[i];
	char a[IP_ADDR_STRLEN];

	switch (ike_conn_host_kind(conn, i)) {
	case HOST_ANY:
		snprintf(buf, len, "%%any");
		break;
	case HOST_OPPORTUNISTIC:
		snprintf(buf, len, "%%opportunistic");
		break;
	case HOST_ADDR:
		if (e->ikeport != 500)
			snprintf(buf, len, "%s:%u", ip_addr_str(ike_conn_host(conn, i), a),
				 e->ikeport);
		else
			snprintf(buf, len, "%s", ip_addr_str(ike_conn_host(conn, i), a));
		break;
	}
	return buf;
}

/*
 * One end as libreswan draws it: client===host[id] for ours, mirrored for
 * theirs. An end whose ID comes from its certificate shows the subject.
 */
static void end_str(const struct connection *conn, int i, bool theirs, char *buf, size_t len)
{
	const struct conn_end_spec *e = &conn->spec->end[i];
	char host[IP_ADDR_STRLEN + 8], client[IP_SUBNET_STRLEN], id[IKE_ID_STRLEN + 2] = "";

	host_str(conn, (uint8_t)i, host, sizeof(host));
	/* an instance's client end shows the ID the client authenticated with */
	if (e->id || conn->cfg->creds[i].cert ||
	    (conn->inst.tmpl && i != conn->inst.end && !ike_id_is_any(conn->id[i]))) {
		char s[IKE_ID_STRLEN];

		snprintf(id, sizeof(id), "[%s]", ike_id_str(conn->id[i], s, sizeof(s)));
	}
	if (!e->has_client)
		snprintf(buf, len, "%s%s", host, id);
	else if (!theirs)
		snprintf(buf, len, "%s===%s%s", ip_subnet_str(&e->client, client), host, id);
	else
		snprintf(buf, len, "%s%s===%s", host, id, ip_subnet_str(&e->client, client));
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
	/* libreswan names the IKE version first, and IKEv2 is Skua's default */
	if (!(pol & (POL_IKEV1 | POL_IKEV2)))
		n += (size_t)snprintf(buf, len, "IKEv2");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (pol & names[i].bit)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "+" : "",
					      names[i].name);
	}
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

/*
 * libreswan's name for an end's authentication ("our auth:rsasig"): the
 * first class it allows. When it allows more, Skua's extra field after
 * libreswan's lists them all ("rsasig+ecdsa").
 */
static const struct {
	uint8_t bit;
	const char *name;
} auth_names[] = { { IKE_AUTHC_RSA, "rsasig" }, { IKE_AUTHC_ECDSA, "ecdsa" },
		   { IKE_AUTHC_EDDSA, "eddsa" }, { IKE_AUTHC_PSK, "secret" } };

static const char *auth_name(uint8_t classes)
{
	for (size_t i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
		if (classes & auth_names[i].bit)
			return auth_names[i].name;
	return "never";
}

static const char *auth_all(uint8_t classes, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]) && n < len; i++)
		if (classes & auth_names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "+" : "",
					      auth_names[i].name);
	return buf;
}

static void show_auth(struct ctl_client *c, const char *nm, const struct connection *conn,
		      int us)
{
	uint8_t ours = conn->cfg->auth[us].classes, theirs = conn->cfg->auth[1 - us].classes;
	char a[64], b[64], ca[2][512];
	bool one = __builtin_popcount(ours) <= 1 && __builtin_popcount(theirs) <= 1;

	for (int i = 0; i < 2; i++) {
		int e = i ? 1 - us : us;

		snprintf(ca[i], sizeof(ca[i]), "%%any");
		if (conn->cfg->ca_dn[e])
			crypto_dn_str(conn->cfg->ca_dn[e], conn->cfg->ca_dn_len[e], ca[i], sizeof(ca[i]));
	}
	if (conn->cfg->ca_dn[0] || conn->cfg->ca_dn[1])
		ctl_comment(c, "%s:   CAs: '%s'...'%s'", nm, ca[0], ca[1]);
	ctl_comment(c, "%s:   our auth:%s, their auth:%s, our autheap:none, their autheap:none;%s%s%s%s%s",
		    nm, auth_name(ours), auth_name(theirs), one ? "" : " our authby:",
		    one ? "" : auth_all(ours, a, sizeof(a)), one ? "" : "; their authby:",
		    one ? "" : auth_all(theirs, b, sizeof(b)), one ? "" : ";");
}

/* libreswan's routing words. */
static const char *routing_str(const struct connection *conn)
{
	if (atomic_load(&conn->children_up))
		return "erouted";
	switch (atomic_load(&conn->routing)) {
	case CONN_ROUTED:
		return "prospective erouted";
	case CONN_FAILED_SHUNT:
		return "fail erouted";
	}
	return "unrouted";
}

static void show_conn(struct pluto *p, struct ctl_client *c, const struct connection *conn,
		      const struct newest *nw)
{
	int end = ctl_orient(p, conn);
	int us = end == 1 ? 1 : 0;	/* our end first; the left one when we cannot tell */
	const struct conn_spec *s = conn->spec;
	const struct conn_end_spec *me = &s->end[us], *them = &s->end[1 - us];
	char nm[CONN_NAME_MAX + 80], l[600], r[600], pol[256], mi[IP_ADDR_STRLEN] = "unset",
		ti[IP_ADDR_STRLEN] = "unset";
	const char *updown = me->updown ? me->updown : p->ike.default_updown;

	ike_conn_name_str(conn, nm, sizeof(nm));
	end_str(conn, us, false, l, sizeof(l));
	end_str(conn, 1 - us, true, r, sizeof(r));
	ctl_comment(c, "%s: %s...%s; %s; eroute owner: #%llu", nm, l, r, routing_str(conn),
		    (unsigned long long)atomic_load(&conn->policy_owner));
	if (me->srcip.af)
		ip_addr_str(&me->srcip, mi);
	if (them->srcip.af)
		ip_addr_str(&them->srcip, ti);
	ctl_comment(c, "%s:     %s; my_ip=%s; their_ip=%s; my_updown=%s; their_updown=%s; we are the %s end;",
		    nm, end >= 0 ? "oriented" : "unoriented", mi, ti, updown ? updown : "<disabled>",
		    them->updown ? them->updown : p->ike.default_updown ? p->ike.default_updown
									 : "<disabled>",
		    end == 0 ? "left" : end == 1 ? "right" : end == -2 ? "left and right" : "neither");
	show_auth(c, nm, conn, us);
	/* byte and packet limits (libreswan's 2^63: none); the replay window v2/child.c sets */
	char maxb[24] = "2^63", maxp[24] = "2^63";
	if (s->ipsec_max_bytes)
		snprintf(maxb, sizeof(maxb), "%llu", (unsigned long long)s->ipsec_max_bytes);
	if (s->ipsec_max_packets)
		snprintf(maxp, sizeof(maxp), "%llu", (unsigned long long)s->ipsec_max_packets);
	ctl_comment(c,
		    "%s:   ike_life: %us; ipsec_life: %us; ipsec_max_bytes: %sB; ipsec_max_packets: %s; replay_window: 64; rekey_margin: %us; rekey_fuzz: %u%%; keyingtries: %u;",
		    nm, s->ike_lifetime, s->ipsec_lifetime, maxb, maxp, s->rekeymargin,
		    s->rekeyfuzz, s->keyingtries);
	ctl_comment(c, "%s:   policy: %s; prospective: %s; failure: %s;", nm,
		    policy_str(s->policy, pol, sizeof(pol)), shunt_name(s->prospective),
		    shunt_name(s->failure));
	if (s->has_conn_mark)
		ctl_comment(c, "%s:   nflog-group: unset; mark: %u/%#010x;", nm, s->conn_mark,
			    s->conn_mask);
	if (s->has_dpd)
		ctl_comment(c, "%s:   dpd: action:%s; delay:%us; timeout:%us;", nm,
			    dpd_action_name(s->dpd_action), s->dpd_delay, s->dpd_timeout);
	if (conn->inst.tmpl)
		ctl_comment(c, "%s:   newest IKE SA: #%llu; newest IPsec SA: #%llu; conn serial: $%llu, instantiated from: $%llu;",
			    nm, nw ? (unsigned long long)nw->ike : 0ULL,
			    nw ? (unsigned long long)nw->child : 0ULL,
			    (unsigned long long)conn->serial,
			    (unsigned long long)conn->inst.tmpl->serial);
	else
		ctl_comment(c, "%s:   newest IKE SA: #%llu; newest IPsec SA: #%llu; conn serial: $%llu;",
			    nm, nw ? (unsigned long long)nw->ike : 0ULL,
			    nw ? (unsigned long long)nw->child : 0ULL,
			    (unsigned long long)conn->serial);
	ctl_comment(c, "%s:   IKE algorithms: %s", nm, s->ike ? s->ike : "default");
	if (nw && nw->ike_algs)
		ctl_comment(c, "%s:   IKEv2 algorithm newest: %s", nm, nw->ike_algs);
	ctl_comment(c, "%s:   ESP algorithms: %s", nm, s->esp ? s->esp : "default");
	if (nw && nw->child_algs)
		ctl_comment(c, "%s:   ESP algorithm newest: %s; pfsgroup=<Phase1>", nm,
			    nw->child_algs);
}

static void interfaces(struct pluto *p, struct ctl_client *c)
{
	char a[IP_ADDR_STRLEN];

	if (!net_pool_is_listening(p->pool))
		return;
	for (size_t i = 0; i < p->ifaces.n; i++) {
		const struct net_iface *f = &p->ifaces.v[i];
		bool v6 = f->addr.af == AF_INET6;
		ip_addr_str(&f->addr, a);
		if (p->opts->natikeport)
			ctl_comment(c, "interface %s UDP %s%s%s:%u", f->name, v6 ? "[" : "", a,
				    v6 ? "]" : "", p->opts->natikeport);
		ctl_comment(c, "interface %s UDP %s%s%s:%u", f->name, v6 ? "[" : "", a,
			    v6 ? "]" : "", p->opts->ikeport);
	}
	ctl_comment(c, " ");
}

static void shunt_lines(struct pluto *p, struct ctl_client *c);

/*
 * "Connection list:" to "Total IPsec connections: ...": every connection
 * and template by name, each template's instances after it.
 */
static void connection_list(struct pluto *p, struct ctl_client *c, const struct newest_list *nl)
{
	struct conn_list l = { 0 };
	size_t active = 0;

	collect_all(p, &l);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	ctl_comment(c, "Connection list:");
	ctl_comment(c, " ");
	for (size_t i = 0; i < l.n; i++) {
		show_conn(p, c, l.v[i], newest_find(nl, l.v[i]->node.name));
		active += atomic_load(&l.v[i]->children_up) > 0;
	}
	ctl_comment(c, " ");
	ctl_comment(c, "Total IPsec connections: loaded %zu, active %zu", l.n, active);
	conn_list_free(&l);
}

void ctl_cmd_status(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	static const char *const stacks[] = {
		[PROTOSTACK_NETKEY] = "xfrm", [PROTOSTACK_BSDKAME] = "bsdkame",
		[PROTOSTACK_NONE] = "none",
	};
	struct ike_sa_rows rows = { 0 };
	struct newest_list nl = { 0 };

	if (ike_cmd_sa_rows(&p->ike, IKE_ROWS_COUNTERS, &rows) < 0) {
		ctl_reply(c, RC_INTERNALERR, "--status: out of memory");
		return;
	}
	newest_of(&rows, &nl);
	ctl_batch_begin(c);
	ctl_comment(c, "using kernel interface: %s", stacks[p->opts->protostack]);
	ctl_comment(c, " ");
	interfaces(p, c);
	connection_list(p, c, &nl);
	ctl_comment(c, " ");
	totals(p, c);
	ctl_comment(c, " ");
	state_lines(c, &rows, &nl);
	ctl_comment(c, " ");
	shunt_lines(p, c);
	ctl_batch_end(c);
	free(nl.v);
	ike_sa_rows_free(&rows);
}

/* --connectionstatus: --status's connection list alone (libreswan 4.x's). */
void ctl_cmd_connectionstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct ike_sa_rows rows = { 0 };
	struct newest_list nl = { 0 };

	if (ike_cmd_sa_rows(&p->ike, 0, &rows) < 0) {
		ctl_reply(c, RC_INTERNALERR, "--connectionstatus: out of memory");
		return;
	}
	newest_of(&rows, &nl);
	ctl_batch_begin(c);
	connection_list(p, c, &nl);
	ctl_batch_end(c);
	free(nl.v);
	ike_sa_rows_free(&rows);
}

void ctl_cmd_showstates(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct ike_sa_rows rows = { 0 };
	struct newest_list nl = { 0 };

	if (ike_cmd_sa_rows(&p->ike, IKE_ROWS_COUNTERS, &rows) < 0) {
		ctl_reply(c, RC_INTERNALERR, "--showstates: out of memory");
		return;
	}
	newest_of(&rows, &nl);
	ctl_batch_begin(c);
	state_lines(c, &rows, &nl);
	ctl_batch_end(c);
	free(nl.v);
	ike_sa_rows_free(&rows);
}

void ctl_cmd_briefstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	totals(p, c);
}

/*
 * "006 #2: "c", type=ESP, add_time=..., inBytes=..., outBytes=..., maxBytes=2^63B, id='...'"
 * (libreswan's "username=USER, " before type= for an IKEv1 XAUTH user);
 * the bytes are totals across rekeys (those of the SAs a rekey replaced included).
 */
void ctl_cmd_trafficstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct ike_sa_rows rows = { 0 };

	if (ike_cmd_sa_rows(&p->ike, IKE_ROWS_CHILDREN_ONLY | IKE_ROWS_COUNTERS, &rows) < 0) {
		ctl_reply(c, RC_INTERNALERR, "--trafficstatus: out of memory");
		return;
	}
	/* Lines for whack only (ctl_send): a listing is not logged, as libreswan's is not. */
	ctl_batch_begin(c);
	for (size_t i = 0; i < rows.n; i++) {
		const struct ike_sa_row *r = rows.v[i];
		char maxb[24] = "2^63B";
		if (r->max_bytes)
			humber(r->max_bytes, maxb, sizeof(maxb));
		if (r->counters_error)
			/* libreswan leaves out what the kernel would not say: so do we */
			ctl_send(c, RC_INFORMATIONAL_TRAFFIC,
				  "#%llu: %s, %s%s%stype=ESP, add_time=%llu, maxBytes=%s, id='%s'",
				  (unsigned long long)r->serial, r->conn,
				  r->username[0] ? "username=" : "", r->username,
				  r->username[0] ? ", " : "",
				  (unsigned long long)r->add_time, maxb, r->id_remote);
		else
			ctl_send(c, RC_INFORMATIONAL_TRAFFIC,
				  "#%llu: %s, %s%s%stype=ESP, add_time=%llu, inBytes=%llu, outBytes=%llu, maxBytes=%s, id='%s'",
				  (unsigned long long)r->serial, r->conn,
				  r->username[0] ? "username=" : "", r->username,
				  r->username[0] ? ", " : "",
				  (unsigned long long)r->add_time,
				  (unsigned long long)(r->carried_in + r->in_bytes),
				  (unsigned long long)(r->carried_out + r->out_bytes), maxb,
				  r->id_remote);
	}
	ctl_batch_end(c);
	ike_sa_rows_free(&rows);
}

/* ---- --shuntstatus ---- */

static bool shunt_line(struct conn_node *n, void *ctx)
{
	struct ctl_client *c = ctx;
	struct connection *conn = ike_connection_of(n);
	int routing = atomic_load(&conn->routing);
	uint8_t end = atomic_load(&conn->route_end);
	char a[80], b[80];

	if (routing == CONN_UNROUTED || atomic_load(&conn->children_up) > 0)
		return true;
	ctl_comment(c, "%s -0-> %s => %s 0    \"%s\"%s", ike_ts_str(conn->ts[end], a, sizeof(a)),
		    ike_ts_str(conn->ts[1 - end], b, sizeof(b)),
		    ike_shunt_name(atomic_load(&conn->shunt)), conn->spec->name,
		    routing == CONN_FAILED_SHUNT ? " (negotiation failed)" : "");
	return true;
}

static void shunt_lines(struct pluto *p, struct ctl_client *c)
{
	ctl_comment(c, "Bare Shunt list:");
	ctl_comment(c, " ");
	rcu_read_lock();
	sadb_conn_table_each_rcu(&p->conns, shunt_line, c);
	rcu_read_unlock();
}

void ctl_cmd_shuntstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	shunt_lines(p, c);
}

/* ---- --addresspoolstatus ---- */

struct lease_line {
	struct ip_addr addr;
	struct ike_id id;
	unsigned holders;
};

struct lease_list {
	struct lease_line *v;
	size_t n, cap;
	bool nomem;
};

/* Under the pool's lock: copy, print later (whack may read slowly). */
static void lease_copy(void *ctx, const struct ip_addr *addr, const struct ike_id *id,
		       unsigned holders)
{
	struct lease_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct lease_line *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->nomem = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct lease_line){ .addr = *addr, .id = *id, .holders = holders };
}

static int lease_cmp(const void *a, const void *b)
{
	const struct lease_line *x = a, *y = b;
	return memcmp(x->addr.b, y->addr.b, sizeof(x->addr.b));
}

/*
 * Each pool: its size, leases in use, free addresses (of which lingering:
 * released, still bound to their last ID), refusals; then each lease in
 * address order with the ID it is bound to.
 */
void ctl_cmd_addresspoolstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct ike_pool **pools;
	size_t n;

	if (ike_pool_list(&pools, &n) < 0) {
		ctl_reply(c, RC_INTERNALERR, "--addresspoolstatus: out of memory");
		return;
	}
	if (n == 0)
		ctl_comment(c, "no address pools");
	for (size_t i = 0; i < n; i++) {
		struct ike_pool_stats st;
		struct lease_list l = { 0 };
		char name[2 * IP_ADDR_STRLEN + 2], a[IP_ADDR_STRLEN], id[IKE_ID_STRLEN];

		ike_pool_stats(pools[i], &st);
		ike_pool_each(pools[i], lease_copy, &l);
		ctl_comment(c,
			    "address pool %s: size %llu, leases %llu in use, %llu free (%llu "
			    "lingering), %llu refused (exhausted)",
			    ike_pool_str(pools[i], name, sizeof(name)), (unsigned long long)st.size,
			    (unsigned long long)st.in_use,
			    (unsigned long long)(st.size - st.in_use),
			    (unsigned long long)st.lingering, (unsigned long long)st.exhausted);
		if (l.n)	/* l.v is NULL for a pool without leases */
			qsort(l.v, l.n, sizeof(*l.v), lease_cmp);
		for (size_t k = 0; k < l.n; k++) {
			const struct lease_line *x = &l.v[k];
			if (x->holders)
				ctl_comment(c, "  %s: in use by %s%s", ip_addr_str(&x->addr, a),
					    ike_id_str(&x->id, id, sizeof(id)),
					    x->holders > 1 ? " (twice: being replaced)" : "");
			else
				ctl_comment(c, "  %s: free, lingering for %s", ip_addr_str(&x->addr, a),
					    ike_id_str(&x->id, id, sizeof(id)));
		}
		if (l.nomem)
			ctl_comment(c, "  (some leases not listed: out of memory)");
		free(l.v);
		ike_pool_unref(pools[i]);
	}
	free(pools);
}

/* Skua has no FIPS mode: OpenSSL's default provider, never the FIPS one. */
void ctl_cmd_fipsstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	ctl_comment(c, "FIPS mode disabled");
}

/* ---- --listevents: the timers each state has armed ---- */

static void event_line(struct ctl_client *c, const char *what, uint64_t now, uint64_t in,
		       const struct ike_sa_row *r)
{
	ctl_comment(c, "event %sschd: %llu (in %llus) %s  #%llu", what,
		    (unsigned long long)(now + in), (unsigned long long)in, r->conn,
		    (unsigned long long)r->serial);
}

void ctl_cmd_listevents(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct ike_sa_rows rows = { 0 };
	struct timespec ts;
	uint64_t now;

	if (ike_cmd_sa_rows(&p->ike, 0, &rows) < 0) {
		ctl_reply(c, RC_INTERNALERR, "--listevents: out of memory");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec;
	ctl_comment(c, "it is now: %llu seconds since monotonic epoch", (unsigned long long)now);
	for (size_t i = 0; i < rows.n; i++) {
		const struct ike_sa_row *r = rows.v[i];
		if (r->retransmit_in)
			event_line(c, "RETRANSMIT", now, r->retransmit_in, r);
		if (r->event)
			event_line(c, r->event, now, r->event_in, r);
		if (r->keepalive_in)
			event_line(c, "NAT_KEEPALIVE", now, r->keepalive_in, r);
	}
	ike_sa_rows_free(&rows);
}
