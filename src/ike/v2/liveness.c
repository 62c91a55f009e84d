/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Liveness (RFC 7296 2.4), libreswan's DPD for IKEv2: every --dpddelay
 * seconds an established IKE SA looks at what it heard from the peer
 * (authenticated IKE messages, and the bytes its Child SAs received, as
 * the kernel counts them). After dpddelay of silence it sends an empty
 * INFORMATIONAL (queued like any exchange); a peer silent for --dpdtimeout,
 * or that never answers the check, is dead, and --dpdaction says what
 * follows: clear (the SAs go), hold (the SAs go and the connection's
 * traffic is held by a trap until it is renegotiated) or restart (the
 * SAs go and the connection is initiated again). whack --crash ADDR
 * declares a peer dead at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ike/route.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/v2/task.h"
#include "util/log.h"

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

static bool dpd_on(const struct ike_sa *sa)
{
	const struct conn_spec *cs = sa->conn->spec;
	return cs->has_dpd && cs->dpd_delay > 0;
}

void v2_liveness_arm(struct ike_sa *sa)
{
	sa->last_inbound_ms = ike_now(sa->w);
	if (dpd_on(sa))
		timer_arm(wheel(sa), &sa->ext->dpd,
			  ike_now(sa->w) + (uint64_t)sa->conn->spec->dpd_delay * 1000);
}

void v2_liveness_heard(struct ike_sa *sa)
{
	sa->last_inbound_ms = ike_now(sa->w);
}

/* The kernel's count of bytes a Child SA received: traffic proves the peer alive. */
static void inbound_counted(struct kernel_op *op)
{
	struct ike_sa *sa = op->cookie;

	sa->kernel_pending--;
	if (!sa->dead && op->status == 0) {
		for (struct child_sa *c = sa->children; c; c = c->next) {
			if (c->spi_in != op->sa.spi)
				continue;
			if (op->stats.bytes != c->dpd_bytes_in) {
				c->dpd_bytes_in = op->stats.bytes;
				v2_liveness_heard(sa);
			}
			break;
		}
	}
	kernel_op_free(op);
	if (sa->dead && sa->kernel_pending == 0)
		ike_sa_release_memory(sa);
}

static void count_inbound(struct ike_sa *sa)
{
	if (sa->w->d->kernel_none)
		return;
	for (struct child_sa *c = sa->children; c; c = c->next) {
		struct kernel_op *op;
		if (c->state != CHILD_INSTALLED)
			continue;
		op = kernel_op_new(KERNEL_OP_SA_QUERY, &net_pool_worker(sa->w->d->pool, sa->w->index)->mb,
				   inbound_counted, sa);
		if (!op)
			return;
		op->owner = sa->w->index;
		op->sa.src = sa->peer;
		op->sa.dst = sa->local;
		op->sa.spi = c->spi_in;
		op->sa.proto = IPPROTO_ESP;
		sa->kernel_pending++;
		if (kernel_queue_submit(sa->w->d->kq, op) < 0) {
			sa->kernel_pending--;
			kernel_op_free(op);
			return;
		}
	}
}

void v2_dpd_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	const struct conn_spec *cs = sa->conn->spec;
	uint64_t now = ike_now(sa->w), idle = now - sa->last_inbound_ms;

	if (sa->state != IKE_ESTABLISHED || !dpd_on(sa))
		return;
	if (cs->dpd_timeout && idle >= (uint64_t)cs->dpd_timeout * 1000) {
		ike_sa_dead(sa, "no answer from the peer within --dpdtimeout");
		return;
	}
	if (idle >= (uint64_t)cs->dpd_delay * 1000 && !v2_task_pending(sa, V2T_LIVENESS, 0)) {
		struct v2_task *lt = v2_task_new(V2T_LIVENESS);
		if (lt) {
			dbg(DBG_BASE, "#%llu: %llu ms of silence: checking the peer is alive",
			    (unsigned long long)sa->serial, (unsigned long long)idle);
			v2_task_add(sa, lt);
			if (sa->dead)
				return;
		}
	}
	count_inbound(sa);
	timer_arm(tw, t, now + (uint64_t)cs->dpd_delay * 1000);
}

void ike_sa_dead(struct ike_sa *sa, const char *why)
{
	struct ike_daemon *d = sa->w->d;
	struct connection *c = sa->conn;
	enum dpd_action action = c->spec->has_dpd ? c->spec->dpd_action : DPD_ACTION_CLEAR;
	static const char *const names[] = {
		[DPD_ACTION_HOLD] = "hold", [DPD_ACTION_CLEAR] = "clear",
		[DPD_ACTION_RESTART] = "restart",
	};

	/*
	 * An instance's client reaches us, never the other way round, and its
	 * instance goes with its SAs: nothing to hold or restart (libreswan's
	 * clear).
	 */
	if (ike_conn_is_instance(c))
		action = DPD_ACTION_CLEAR;
	counters_inc(d->ctr, sa->w->index, IKEC_PEER_DEAD);
	ike_sa_progress(sa, RC_LOG_SERIOUS, "the peer is dead (%s): dpdaction=%s", why,
			names[action]);
	struct ike_worker *w = sa->w;
	int rc;
	ike_connection_ref(c);
	uint8_t end = sa->this_end;
	struct net_listener *l = sa->l;
	struct ip_addr local = sa->local;
	net_listener_ref(l);
	if (sa->state == IKE_ESTABLISHED)
		counters_inc(d->ctr, sa->w->index, IKEC_IKE_DELETED);
	/* Nobody to tell: the SA and its children just go. */
	ike_sa_free(sa);
	switch (action) {
	case DPD_ACTION_HOLD:
		/* Its traffic waits in a trap (an ACQUIRE starts it again), never in the clear. */
		if (atomic_load(&c->routing) == CONN_UNROUTED)
			ike_cmd_route(d, c, end, NULL);
		break;
	case DPD_ACTION_RESTART:
		rc = v2_initiate(w, c, end, l, &local, NULL, 0);
		if (rc < 0)
			log_limited(LOG_WARNING, 10, "cannot restart after DPD",
				    "\"%s\": cannot restart after DPD: %s", c->spec->name,
				    rc == -EADDRNOTAVAIL ? "no socket on the IKE port"
							 : strerror(-rc));
		break;
	case DPD_ACTION_CLEAR:
		break;
	}
	net_listener_unref(l);
	ike_connection_unref(c);
}
