/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel events (XFRM / PF_KEY: SA expiry, ACQUIRE) reach the IKE engine
 * here: the kernel thread posts each to the worker its reqid names; only
 * that worker touches the SA.
 */
#include <stdlib.h>
#include <string.h>

#include "ike/ike_daemon.h"
#include "ike/ike_sa.h"
#include "ike/route.h"
#include "ike/v2/exchange.h"
#include "sadb/kernel_backend.h"
#include "util/log.h"

uint32_t ike_reqid_new(struct ike_daemon *d, unsigned owner)
{
	uint32_t seq = atomic_fetch_add(&d->next_reqid, 1);
	/* 16384 + seq * 256 + owner stays below 2^30 for four million SAs; then it wraps. */
	return IKE_REQID_BASE + ((seq % (1u << 22)) << 8 | (owner & 0xff));
}

unsigned ike_reqid_owner(const struct ike_daemon *d, uint32_t reqid)
{
	if (reqid < IKE_REQID_BASE)
		return 0;
	return ((reqid - IKE_REQID_BASE) & 0xff) % d->nworkers;
}

struct kevent_mail {
	struct mail mail;
	struct ike_daemon *d;
	struct kernel_event ev;
};

/* The Child SA an event names (by SPI and reqid), through the worker's index. */
static struct child_sa *find_child(struct ike_worker *w, const struct kernel_event *ev,
				   struct ike_sa **owner)
{
	struct child_sa *c = child_index_find(&w->children, ev->spi, ev->reqid);

	if (c)
		*owner = c->sa;
	return c;
}

static void kevent_run(struct mail *m, void *ctx)
{
	struct kevent_mail *km = caa_container_of(m, struct kevent_mail, mail);
	struct net_worker *nw = ctx;
	struct ike_worker *w = &km->d->w[nw->index];
	const struct kernel_event *ev = &km->ev;
	struct ike_sa *sa = NULL;
	struct child_sa *c;

	switch (ev->kind) {
	case KERNEL_EVENT_EXPIRE:
		c = find_child(w, ev, &sa);
		if (!c) {
			dbg(DBG_KERNEL, "expire of SPI 0x%08x (reqid %u): no such Child SA", ev->spi,
			    ev->reqid);
			break;
		}
		if (!ev->hard) {
			/* Soft lifetime: rekey it in place (CREATE_CHILD_SA); it ends at hard. */
			if ((c->conn->spec->policy & POL_DONT_REKEY) ||
			    !ike_child_rekey(sa, c, "Child SA soft lifetime reached"))
				dbg(DBG_KERNEL, "#%llu: soft expiry; not rekeying it",
				    (unsigned long long)c->serial);
			break;
		}
		if (c->lingering) {	/* rekeyed, deleted on both ends: just its SAs go */
			ike_child_unlink_free(sa, c);
			break;
		}
		ike_sa_progress(sa, RC_LOG, "Child SA #%llu expired (hard lifetime); deleting it",
				(unsigned long long)c->serial);
		counters_inc(km->d->ctr, nw->index, IKEC_CHILD_EXPIRED);
		v2_child_delete_tell_peer(sa, c);
		ike_child_unlink_free(sa, c);
		break;
	case KERNEL_EVENT_ACQUIRE:
		ike_route_acquire(w, ev->reqid);
		break;
	case KERNEL_EVENT_POLICY_EXPIRE:
		dbg(DBG_KERNEL, "policy expire (index %u) ignored", ev->policy_index);
		break;
	}
	free(km);
}

void ike_on_kernel_event(const struct kernel_event *ev, void *ctx)
{
	struct ike_daemon *d = ctx;
	struct kevent_mail *km = malloc(sizeof(*km));

	if (!km) {
		log_err("kernel event lost: out of memory");
		return;
	}
	memset(&km->mail, 0, sizeof(km->mail));
	km->mail.fn = kevent_run;
	km->d = d;
	km->ev = *ev;
	net_pool_post(d->pool, ike_reqid_owner(d, ev->reqid), &km->mail);
}
