/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/route.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_sa.h"
#include "ike/child_updown.h"
#include "ike/ike_cmd.h"
#include "sadb/kernel_queue.h"
#include "ike/v2/exchange.h"
#include "util/log.h"

unsigned ike_conn_route_worker(const struct ike_daemon *d, const struct connection *c)
{
	return (unsigned)(c->serial % d->nworkers);
}

const char *ike_shunt_name(int shunt)
{
	switch (shunt) {
	case SHUNT_TRAP:
		return "%trap";
	case SHUNT_PASS:
		return "%pass";
	case SHUNT_DROP:
		return "%drop";
	case SHUNT_REJECT:
		return "%reject";
	}
	return "%none";
}

static void say(struct ike_progress *pr, unsigned rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct ike_progress *pr, unsigned rc, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* With no whack waiting, kernel events (ACQUIRE, expiry) are behind it: limited. */
	if (pr) {
		log_info("%s", text);
		pr->ops->line(pr, rc, text);
	} else {
		log_limited(LOG_INFO, 20, "routing progress", "%s", text);
	}
}

void ike_policy_fill(struct kernel_policy_params *p, const struct connection *c,
		     const struct ike_ts *src, const struct ike_ts *dst, uint8_t dir, bool tunnel,
		     const struct ip_addr *tun_src, const struct ip_addr *tun_dst, uint32_t reqid)
{
	memset(p, 0, sizeof(*p));
	ike_ts_to_subnet(src, &p->src_sel);
	ike_ts_to_subnet(dst, &p->dst_sel);
	p->sel_proto = src->ipproto ? src->ipproto : dst->ipproto;
	p->sel_sport = src->sport == src->eport ? src->sport : 0;
	p->sel_dport = dst->sport == dst->eport ? dst->sport : 0;
	p->dir = dir;
	p->mode = tunnel ? KERNEL_MODE_TUNNEL : KERNEL_MODE_TRANSPORT;
	p->proto = IPPROTO_ESP;
	p->tun_src = *tun_src;
	p->tun_dst = *tun_dst;
	p->reqid = reqid;
	/* More specific selectors first: lower is preferred by XFRM. */
	p->priority = 2048u - p->src_sel.prefix - p->dst_sel.prefix;
	p->action = KERNEL_POLICY_IPSEC;
	if (c->spec->has_conn_mark) {
		p->mark.value = c->spec->conn_mark;
		p->mark.mask = c->spec->conn_mask;
	}
}

/* The outbound prospective policy of c: our client to the peer's. */
void ike_route_out_policy(const struct connection *c, uint8_t end, int shunt, uint32_t reqid,
			  struct kernel_policy_params *p)
{
	ike_policy_fill(p, c, c->ts[end], c->ts[1 - end], KERNEL_DIR_OUT,
			c->spec->policy & POL_TUNNEL, ike_conn_host(c, end),
			ike_conn_host(c, 1 - end), reqid);
	p->action = shunt == SHUNT_TRAP ? KERNEL_POLICY_TRAP
		    : shunt == SHUNT_PASS ? KERNEL_POLICY_PASS
					  : KERNEL_POLICY_BLOCK;
}

/* One kernel policy change for a connection, answered on the route worker. */
struct route_op {
	struct ike_daemon *d;
	struct connection *c;		/* holds a reference */
	struct ike_progress *pr;
	int routing_after;		/* enum conn_routing on success */
	int shunt;
	bool quiet;
};

static void route_answer(struct kernel_op *op)
{
	struct route_op *ro = op->cookie;
	struct connection *c = ro->c;

	if (op->status < 0 && !(op->kind == KERNEL_OP_POLICY_DELETE && op->status == -ENOENT)) {
		say(ro->pr, RC_ROUTE, "\"%s\": the kernel refused the %s policy: %s", c->spec->name,
		    ike_shunt_name(ro->shunt), strerror(-op->status));
	} else {
		/* The route form runs updown too: route- after routing, unroute- after undoing it. */
		if (ro->routing_after == CONN_UNROUTED && op->kind == KERNEL_OP_POLICY_DELETE)
			ike_conn_updown(ro->d, ike_conn_route_worker(ro->d, c), c,
					atomic_load(&c->route_end), UPDOWN_UNROUTE);
		else if (atomic_load(&c->routing) == CONN_UNROUTED && ro->routing_after == CONN_ROUTED) {
			ike_conn_updown(ro->d, ike_conn_route_worker(ro->d, c), c,
					atomic_load(&c->route_end), UPDOWN_PREPARE);
			ike_conn_updown(ro->d, ike_conn_route_worker(ro->d, c), c,
					atomic_load(&c->route_end), UPDOWN_ROUTE);
		}
		atomic_store(&c->routing, ro->routing_after);
		atomic_store(&c->shunt, ro->routing_after == CONN_UNROUTED ? SHUNT_NONE : ro->shunt);
		if (!ro->quiet)
			say(ro->pr, RC_SUCCESS, "\"%s\": %s", c->spec->name,
			    ro->routing_after == CONN_UNROUTED ? "unrouted"
							       : ro->shunt == SHUNT_TRAP
									 ? "prospective erouted (trap)"
									 : "shunt installed");
	}
	ike_progress_unref(ro->pr);
	ike_connection_unref(c);
	free(ro);
	kernel_op_free(op);
}

static void policy_submit(struct ike_daemon *d, struct connection *c, enum kernel_op_kind kind,
			  int shunt, int routing_after, struct ike_progress *pr, bool quiet)
{
	unsigned w = ike_conn_route_worker(d, c);
	struct route_op *ro = calloc(1, sizeof(*ro));
	struct kernel_op *op = ro ? kernel_op_new(kind, &net_pool_worker(d->pool, w)->mb,
						  route_answer, ro) : NULL;

	if (!op) {
		free(ro);
		say(pr, RC_INTERNALERR, "\"%s\": out of memory", c->spec->name);
		return;
	}
	ike_connection_ref(c);
	ro->d = d;
	ro->c = c;
	ro->pr = ike_progress_ref(pr);
	ro->shunt = shunt;
	ro->routing_after = routing_after;
	ro->quiet = quiet;
	ike_route_out_policy(c, atomic_load(&c->route_end), shunt, atomic_load(&c->route_reqid),
			     &op->policy);
	if (d->kernel_none && kind == KERNEL_OP_POLICY_ADD)
		dbg(DBG_ROUTING, "\"%s\": %s policy (kernel interface none)", c->spec->name,
		    ike_shunt_name(shunt));
	if (kernel_queue_submit(d->kq, op) < 0) {
		op->status = -ESHUTDOWN;
		route_answer(op);
	}
}

/* ---- commands, run on the route worker ---- */

struct route_mail {
	struct mail mail;
	struct ike_daemon *d;
	struct connection *c;
	struct ike_progress *pr;
	uint8_t this_end;
	bool unroute;
};

static bool same_clients(const struct connection *a, uint8_t ea, const struct connection *b,
			 uint8_t eb)
{
	return ike_ts_equal(a->ts[ea], b->ts[eb]) && ike_ts_equal(a->ts[1 - ea], b->ts[1 - eb]);
}

static void route_run(struct mail *m, void *ctx)
{
	struct route_mail *rm = caa_container_of(m, struct route_mail, mail);
	struct ike_daemon *d = rm->d;
	struct connection *c = rm->c;
	int prospective = c->spec->prospective == SHUNT_NONE ? SHUNT_TRAP : c->spec->prospective;

	if (rm->unroute) {
		if (atomic_load(&c->children_up) > 0) {
			say(rm->pr, RC_RTBUSY, "\"%s\": cannot unroute: an IPsec SA uses the route",
			    c->spec->name);
		} else if (atomic_load(&c->routing) == CONN_UNROUTED) {
			say(rm->pr, RC_LOG, "\"%s\": not routed", c->spec->name);
		} else {
			policy_submit(d, c, KERNEL_OP_POLICY_DELETE, atomic_load(&c->shunt),
				      CONN_UNROUTED, rm->pr, false);
		}
		goto out;
	}
	/* A conflicting route: taken over unless an IPsec SA uses it (the manual). */
	struct cds_lfht_iter it;
	struct conn_node *n;
	struct connection *busy = NULL;
	rcu_read_lock();
	cds_lfht_for_each_entry(d->conns->ht, &it, n, lfht) {
		struct connection *o = ike_connection_of(n);
		if (o == c || atomic_load(&o->routing) == CONN_UNROUTED)
			continue;
		if (!same_clients(c, rm->this_end, o, atomic_load(&o->route_end)))
			continue;
		if (atomic_load(&o->children_up) > 0) {
			busy = o;
			break;
		}
		/* Its policy is replaced by ours below (same selector): just forget it. */
		atomic_store(&o->routing, CONN_UNROUTED);
		atomic_store(&o->shunt, SHUNT_NONE);
		log_info("\"%s\": route taken over by \"%s\"", o->spec->name, c->spec->name);
	}
	if (busy)
		say(rm->pr, RC_ROUTE, "\"%s\": cannot route: \"%s\" has an IPsec SA on the same clients",
		    c->spec->name, busy->spec->name);
	rcu_read_unlock();
	if (busy)
		goto out;
	if (!atomic_load(&c->route_reqid))
		atomic_store(&c->route_reqid, ike_reqid_new(d, ike_conn_route_worker(d, c)));
	atomic_store(&c->route_end, rm->this_end);
	policy_submit(d, c, KERNEL_OP_POLICY_ADD, prospective, CONN_ROUTED, rm->pr, false);
out:
	ike_progress_unref(rm->pr);
	ike_connection_unref(c);
	free(rm);
}

static int post(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		struct ike_progress *pr, bool unroute)
{
	struct route_mail *rm = calloc(1, sizeof(*rm));
	if (!rm)
		return -ENOMEM;
	rm->mail.fn = route_run;
	rm->d = d;
	ike_connection_ref(c);
	rm->c = c;
	rm->pr = ike_progress_ref(pr);
	rm->this_end = this_end;
	rm->unroute = unroute;
	net_pool_post(d->pool, ike_conn_route_worker(d, c), &rm->mail);
	return 0;
}

int ike_cmd_route(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		  struct ike_progress *pr)
{
	return post(d, c, this_end, pr, false);
}

int ike_cmd_unroute(struct ike_daemon *d, struct connection *c, struct ike_progress *pr)
{
	return post(d, c, 0, pr, true);
}

/* ---- SA life cycle hooks ---- */

struct restore_mail {
	struct mail mail;
	struct ike_daemon *d;
	struct connection *c;
	bool failed;
};

static void restore_run(struct mail *m, void *ctx)
{
	struct restore_mail *r = caa_container_of(m, struct restore_mail, mail);
	struct connection *c = r->c;

	if (atomic_load(&c->routing) != CONN_UNROUTED && atomic_load(&c->children_up) == 0) {
		int shunt = r->failed && c->spec->failure != SHUNT_NONE ? c->spec->failure
			    : c->spec->prospective == SHUNT_NONE	? SHUNT_TRAP
									: c->spec->prospective;
		policy_submit(r->d, c, KERNEL_OP_POLICY_ADD, shunt,
			      r->failed && c->spec->failure != SHUNT_NONE ? CONN_FAILED_SHUNT
									 : CONN_ROUTED,
			      NULL, true);
	}
	ike_connection_unref(c);
	free(r);
}

static void post_restore(struct ike_daemon *d, struct connection *c, bool failed)
{
	struct restore_mail *r;

	if (atomic_load(&c->routing) == CONN_UNROUTED)
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->mail.fn = restore_run;
	r->d = d;
	ike_connection_ref(c);
	r->c = c;
	r->failed = failed;
	net_pool_post(d->pool, ike_conn_route_worker(d, c), &r->mail);
}

void ike_route_drop(struct ike_daemon *d, struct connection *c)
{
	int was = atomic_exchange(&c->routing, CONN_UNROUTED);
	if (was != CONN_UNROUTED)
		policy_submit(d, c, KERNEL_OP_POLICY_DELETE, atomic_load(&c->shunt), CONN_UNROUTED,
			      NULL, true);
}

void ike_route_restore(struct ike_daemon *d, struct connection *c)
{
	post_restore(d, c, false);
}

void ike_route_failed(struct ike_daemon *d, struct connection *c)
{
	post_restore(d, c, true);
}

void ike_route_acquire(struct ike_worker *w, uint32_t reqid)
{
	struct ike_daemon *d = w->d;
	struct connection *found = NULL;
	struct cds_lfht_iter it;
	struct conn_node *n;

	rcu_read_lock();
	cds_lfht_for_each_entry(d->conns->ht, &it, n, lfht) {
		struct connection *c = ike_connection_of(n);
		if (atomic_load(&c->route_reqid) == reqid &&
		    atomic_load(&c->routing) == CONN_ROUTED) {
			ike_connection_ref(c);
			found = c;
			break;
		}
	}
	rcu_read_unlock();
	if (!found) {
		dbg(DBG_ROUTING, "ACQUIRE for reqid %u: no routed connection", reqid);
		return;
	}
	bool expected = false;
	if (atomic_compare_exchange_strong(&found->acquiring, &expected, true)) {
		uint8_t end = atomic_load(&found->route_end);
		const struct ip_addr *local = ike_conn_host(found, end);
		struct net_listener *l = net_pool_listener_get(d->pool, local, d->ikeport);
		/* IKEv1: on the worker of the peer's ISAKMP SAs (ike_cmd_initiate()) */
		int rc = !l ? -EADDRNOTAVAIL
		     : (found->spec->policy & POL_IKEV1)
			     ? ike_cmd_initiate(d, found, end, l, local, NULL)
			     : v2_initiate(w, found, end, l, local, NULL, 0);
		if (rc < 0) {
			log_limited(LOG_WARNING, 10, "ACQUIRE: cannot initiate",
				    "\"%s\": ACQUIRE: cannot initiate (%s)", found->spec->name,
				    l ? "out of memory" : "no IKE socket on our address");
			atomic_store(&found->acquiring, false);
		} else {
			log_limited(LOG_INFO, 20, "initiating on traffic",
				    "\"%s\": initiating on traffic (kernel ACQUIRE)",
				    found->spec->name);
		}
		if (l)
			net_listener_unref(l);
	}
	ike_connection_unref(found);
}
