/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/child.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "ike/alg_names.h"
#include "ike/v2/payloads.h"
#include "ike/child_updown.h"
#include "ike/route.h"
#include "ike/v1/exchange.h"
#include "ike/v2/exchange.h"
#include "util/log.h"

_Atomic bool ike_leave_kernel_state;

/*
 * One kernel batch of a child (its install, its removal), then, when part
 * of an install failed, the batch that undoes the rest: one answer each.
 */
struct child_step {
	struct ike_sa *sa;
	uint64_t child_serial;
	child_done_fn *done;
	int error;			/* the first failure */
	bool rollback_only;		/* removals: nothing to undo, just report */
	/*
	 * An install: its child (child->install_step points back here until
	 * the answer is in). The child freed meanwhile (its IKE SA deleted
	 * while the kernel worked) leaves it orphaned: what the install added
	 * is removed again, or its SAs would stay in the kernel for good.
	 */
	struct child_sa *child;
	bool orphaned;
	bool shared_policies;		/* a rekey: the policies are the old SA's too */
};

static void sa_kernel_release(struct ike_sa *sa);

static struct mailbox *owner_mb(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->mb;
}

static void step_answer(struct kernel_batch *b);

static struct kernel_batch *batch_new(struct ike_sa *sa, struct child_step *st)
{
	struct kernel_batch *b = kernel_batch_new(owner_mb(sa), step_answer, st);

	if (b)
		b->owner = sa->w->index;
	return b;
}

/* Hand b to the kernel queue; its answer (or the refusal's) ends in step_answer(). */
static void submit(struct ike_sa *sa, struct kernel_batch *b)
{
	sa->kernel_pending++;
	if (kernel_queue_submit_batch(sa->w->d->kq, b) < 0) {
		/* The queue is stopping: answer it ourselves. */
		for (unsigned i = 0; i < b->n; i++)
			b->ops[i]->status = -ESHUTDOWN;
		step_answer(b);
	}
}

/* The op that takes back what op (answered 0) did, appended to undo. */
static void undo_op(struct kernel_batch *undo, const struct kernel_op *op)
{
	struct kernel_op *u;

	switch (op->kind) {
	case KERNEL_OP_SA_ADD:
	case KERNEL_OP_SA_UPDATE:
		u = kernel_batch_add(undo, KERNEL_OP_SA_DELETE);
		if (u)
			u->sa = op->sa;
		break;
	case KERNEL_OP_POLICY_ADD:
		u = kernel_batch_add(undo, KERNEL_OP_POLICY_DELETE);
		if (u)
			u->policy = op->policy;
		break;
	case KERNEL_OP_ROUTE_REPLACE:
		u = kernel_batch_add(undo, KERNEL_OP_ROUTE_DELETE);
		if (u)
			u->route = op->route;
		break;
	default:
		break;
	}
}

static void step_answer(struct kernel_batch *b)
{
	struct child_step *st = b->cookie;
	struct ike_sa *sa = st->sa;
	struct kernel_batch *undo = NULL;

	for (unsigned i = 0; i < b->n; i++)
		if (b->ops[i]->status < 0 && !st->error)
			st->error = b->ops[i]->status;
	if (st->child) {
		st->child->install_step = NULL;
		st->child = NULL;
	}
	if ((st->error || (st->orphaned && !ike_leaving_kernel_state())) && !st->rollback_only) {
		/*
		 * Delete what a failed install had added, so nothing is left
		 * half-installed; or what the install of a Child SA freed
		 * meanwhile added, but for the policies of a rekey (the replaced
		 * SA's removal, or its successor, has them).
		 */
		undo = batch_new(sa, st);
		for (unsigned i = 0; undo && i < b->n; i++)
			if (b->ops[i]->status == 0 &&
			    !(st->orphaned && st->shared_policies &&
			      b->ops[i]->kind == KERNEL_OP_POLICY_ADD))
				undo_op(undo, b->ops[i]);
	}
	kernel_batch_free(b);
	sa->kernel_pending--;
	if (undo && undo->n) {
		if (st->error)
			log_limited(LOG_WARNING, 20, "kernel refused part of a Child SA",
				    "#%llu: kernel refused part of the Child SA (%s); removing the rest",
				    (unsigned long long)st->child_serial, strerror(-st->error));
		else
			dbg(DBG_KERNEL, "#%llu: Child SA gone while the kernel installed it; removing it",
			    (unsigned long long)st->child_serial);
		st->rollback_only = true;
		submit(sa, undo);	/* its answer ends the step, the first error kept */
		return;
	}
	kernel_batch_free(undo);
	if (!sa->dead && st->done) {
		struct child_sa *c = ike_child_find(sa, st->child_serial);
		if (c)
			st->done(sa, c, st->error);
	}
	free(st);
	sa_kernel_release(sa);
}

static struct child_step *step_new(struct ike_sa *sa, struct child_sa *c, child_done_fn *done)
{
	struct child_step *st = calloc(1, sizeof(*st));
	if (st) {
		st->sa = sa;
		st->child_serial = c->serial;
		st->done = done;
	}
	return st;
}

/*
 * Our inbound SPI, chosen by the worker from its own slice of the SPI
 * space (no ALLOCSPI round trip to the kernel): random in the slice, never
 * below KERNEL_SPI_MIN, never one of this worker's installed Child SAs'.
 * Slices keep workers apart; the kernel refuses (EEXIST) an SPI some other
 * program took on this address, which fails that one Child SA.
 */
static uint32_t worker_spi(struct ike_worker *w)
{
	unsigned n = w->d->nworkers ? w->d->nworkers : 1;
	uint64_t span = ((uint64_t)UINT32_MAX + 1 - KERNEL_SPI_MIN) / n;
	uint64_t lo = KERNEL_SPI_MIN + span * w->index;
	uint32_t spi = 0;

	for (int tries = 0; tries < 16; tries++) {
		uint32_t r = 0;
		crypto_random(&r, sizeof(r));
		spi = (uint32_t)(lo + r % span);
		if (!child_index_has_spi_in(&w->children, spi))
			break;
	}
	return spi;
}

int v2_child_alloc_spi(struct ike_sa *sa, struct child_sa *c, child_done_fn *done)
{
	if (!c->reqid)
		c->reqid = ike_reqid_new(sa->w->d, sa->w->index);
	c->spi_in = worker_spi(sa->w);
	done(sa, c, 0);
	return 0;
}

int v2_child_keymat(struct ike_sa *sa, struct child_sa *c, uint8_t *out, size_t len)
{
	const struct ike_setup *s = sa->setup;
	return crypto_child_keymat(sa->suite.prf, sa->keys->sk_d, sa->keys->sk_d_len, NULL, 0, s->ni,
				   s->ni_len, s->nr, s->nr_len, out, len);
}

static uint16_t icv_bits(uint16_t encr)
{
	switch (encr) {
	case V2_ENCR_AES_GCM_8:
		return 64;
	case V2_ENCR_AES_GCM_12:
		return 96;
	default:
		return 128;
	}
}

static void sa_params(struct ike_sa *sa, struct child_sa *c, bool inbound,
		      struct kernel_sa_params *p)
{
	const struct conn_spec *cs = c->conn->spec;
	int ekey = crypto_encr_keymat_len(c->suite.encr, c->suite.encr_keylen);
	int akey = c->suite.integ ? crypto_integ_key_len(c->suite.integ) : 0;

	memset(p, 0, sizeof(*p));
	p->src = inbound ? sa->peer : sa->local;
	p->dst = inbound ? sa->local : sa->peer;
	p->spi = inbound ? c->spi_in : c->spi_out;
	p->proto = IPPROTO_ESP;
	p->mode = c->transport ? KERNEL_MODE_TRANSPORT : KERNEL_MODE_TUNNEL;
	p->esn = c->suite.esn == V2_ESN_YES;
	p->reqid = c->reqid;
	p->encr_id = c->suite.encr;
	p->integ_id = c->suite.integ;
	p->encr_key_len = (uint16_t)(ekey > 0 ? ekey : 0);
	p->integ_key_len = (uint16_t)(akey > 0 ? akey : 0);
	p->icv_bits = icv_bits(c->suite.encr);
	if (c->encap) {
		p->encap_sport = inbound ? sa->peer_port : sa->local_port;
		p->encap_dport = inbound ? sa->local_port : sa->peer_port;
	}
	p->replay_window = 64;
	p->hard_seconds = cs->ipsec_lifetime;
	/* Our own timer rekeys first (v2_child_arm_life()); the kernel's soft expiry is the backstop. */
	p->soft_seconds = cs->ipsec_lifetime > cs->rekeymargin ?
				  cs->ipsec_lifetime - cs->rekeymargin : cs->ipsec_lifetime;
	if (cs->has_conn_mark) {
		p->mark.value = cs->conn_mark;
		p->mark.mask = cs->conn_mask;
	}
}

/*
 * The soft limit of a byte or packet count whose hard limit is hard: as
 * far before it as the rekey comes before the end of the SA's lifetime
 * (rekeymargin plus fuzz % of it, of ipsec_lifetime; at most half), so
 * the kernel's soft expiry starts the rekey (ike_kevent.c) in time. No
 * soft limit with --dontrekey: the SA just ends at hard.
 */
uint64_t v2_child_soft_limit(uint64_t hard, const struct conn_spec *cs, uint32_t fuzz)
{
	uint64_t ppm = 500000;	/* the cut, in millionths of hard */

	if (!hard || (cs->policy & POL_DONT_REKEY))
		return 0;
	if (cs->ipsec_lifetime && 2 * (uint64_t)cs->rekeymargin < cs->ipsec_lifetime) {
		/* margin * (100 + fuzz) / 100 / lifetime: the margin is under 12 h here */
		ppm = (uint64_t)cs->rekeymargin * (100 + (uint64_t)fuzz) * 10000 /
		      cs->ipsec_lifetime;
		if (ppm > 500000)
			ppm = 500000;
	}
	uint64_t cut = hard / 1000000 * ppm + hard % 1000000 * ppm / 1000000;
	return hard - cut > 0 ? hard - cut : 1;
}

/* The byte and packet limits of c's SAs (one fuzz for both directions). */
static void sa_limits(const struct child_sa *c, uint32_t fuzz, struct kernel_sa_params *p)
{
	const struct conn_spec *cs = c->conn->spec;

	p->hard_bytes = cs->ipsec_max_bytes;
	p->soft_bytes = v2_child_soft_limit(cs->ipsec_max_bytes, cs, fuzz);
	p->hard_packets = cs->ipsec_max_packets;
	p->soft_packets = v2_child_soft_limit(cs->ipsec_max_packets, cs, fuzz);
}

static void policy_params(struct ike_sa *sa, struct child_sa *c, uint8_t dir,
			  struct kernel_policy_params *p)
{
	bool in = dir != KERNEL_DIR_OUT;

	ike_policy_fill(p, c->conn, in ? &c->ts_remote : &c->ts_local,
			in ? &c->ts_local : &c->ts_remote, dir, !c->transport,
			in ? &sa->peer : &sa->local, in ? &sa->local : &sa->peer, c->reqid);
}

int v2_child_install(struct ike_sa *sa, struct child_sa *c, const uint8_t *keymat,
		     size_t keymat_len, child_done_fn *done)
{
	struct child_step *st = step_new(sa, c, done);
	struct kernel_batch *b = st ? batch_new(sa, st) : NULL;
	size_t half = keymat_len / 2;
	int ekey = crypto_encr_keymat_len(c->suite.encr, c->suite.encr_keylen);
	/*
	 * i->r keys first (RFC 7296 2.17), where the initiator is that of the
	 * exchange that made the Child SA: IKE_AUTH's, or a CREATE_CHILD_SA's
	 * that either end may start. Inbound for its responder, outbound for it.
	 */
	const uint8_t *ir = keymat, *ri = keymat + half;
	const uint8_t *kin = c->we_initiated ? ri : ir, *kout = c->we_initiated ? ir : ri;
	struct kernel_op *op;
	bool ok = b != NULL && ekey >= 0;
	uint32_t r = 0, fuzz;

	crypto_random(&r, sizeof(r));
	fuzz = c->conn->spec->rekeyfuzz ? r % (c->conn->spec->rekeyfuzz + 1) : 0;

	/*
	 * One batch, one answer: both SAs (the inbound one is new: the worker
	 * chose its SPI), the policies, and the routes the default updown
	 * makes for the first Child SA of an unrouted connection.
	 */
	if (ok && (op = kernel_batch_add(b, KERNEL_OP_SA_ADD)) != NULL) {
		sa_params(sa, c, true, &op->sa);
		sa_limits(c, fuzz, &op->sa);
		ok = kernel_op_set_keys(op, kin, (size_t)ekey, kin + ekey, half - (size_t)ekey) == 0;
	} else {
		ok = false;
	}
	/*
	 * Answering a rekey, our outbound SA waits (c->out_deferred, a batch
	 * of its own): the peer keys its new inbound SA only when our answer
	 * arrives, and ESP we sent on it before that would be dropped. Ours
	 * goes when the peer deletes the SA this one replaces
	 * (v2_child_retire_out(), v2_child_uninstall()), or when ESP from
	 * the peer comes on the new inbound SA (v2_child_out_poll_fire()).
	 * Starting an IKEv1 Phase 2 rekey, ours waits too: the peer may key
	 * its new inbound SA only when our message 3 arrives (strongSwan
	 * does); it goes on the same ESP, or CHILD_V1_OUT_WAIT_MS after
	 * message 3 (v1/quick.c).
	 */
	bool defer = c->rekey_of && (!c->we_initiated || sa->version == 1);
	struct kernel_batch *ob = defer && ok ? kernel_batch_new(owner_mb(sa), step_answer, NULL)
					      : b;
	if (ok && ob && (op = kernel_batch_add(ob, KERNEL_OP_SA_ADD)) != NULL) {
		sa_params(sa, c, false, &op->sa);
		sa_limits(c, fuzz, &op->sa);
		ok = kernel_op_set_keys(op, kout, (size_t)ekey, kout + ekey, half - (size_t)ekey) == 0;
	} else {
		ok = false;
	}
	const uint8_t dirs[3] = { KERNEL_DIR_OUT, KERNEL_DIR_IN, KERNEL_DIR_FWD };
	for (unsigned i = 0; ok && i < (c->transport ? 2u : 3u); i++) {
		op = kernel_batch_add(b, KERNEL_OP_POLICY_ADD);
		if (op)
			policy_params(sa, c, dirs[i], &op->policy);
		ok = op != NULL;
	}
	c->native_routed = false;
	if (ok && !c->rekey_of && atomic_load(&c->conn->children_up) == 0 &&
	    atomic_load(&c->conn->routing) == CONN_UNROUTED &&
	    ike_updown_is_native(sa->w->d, c->conn, c->this_end)) {
		ok = ike_child_updown_native(sa, c, UPDOWN_PREPARE, b) == 0 &&
		     ike_child_updown_native(sa, c, UPDOWN_ROUTE, b) == 0;
		c->native_routed = true;
	}
	if (!ok) {
		if (ob != b)
			kernel_batch_free(ob);
		kernel_batch_free(b);
		free(st);
		return -ENOMEM;
	}
	if (ob != b) {
		ob->owner = sa->w->index;
		kernel_batch_free(c->out_deferred);
		c->out_deferred = ob;
	}
	st->child = c;
	st->shared_policies = c->rekey_of != 0;
	c->install_step = st;
	submit(sa, b);
	return 0;
}

static void removal_logged(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0 && status != -ENOENT && status != -ESRCH)
		log_limited(LOG_WARNING, 20, "removing a Child SA from the kernel failed",
			    "#%llu: removing the Child SA from the kernel: %s",
			    (unsigned long long)c->serial, strerror(-status));
}

/* Where a superseded SA's final kernel counts go: its successor, found by SPI (it may move). */
struct heir_ref {
	struct ike_worker *w;
	uint32_t spi, reqid;
	bool in;
};

static void final_counts(struct kernel_op *op)
{
	struct heir_ref *h = op->cookie;
	struct child_sa *heir = child_index_find(&h->w->children, h->spi, h->reqid);

	if (heir && op->status == 0) {
		if (h->in)
			heir->carried_in += op->stats.bytes;
		else
			heir->carried_out += op->stats.bytes;
	} else if (!heir) {
		dbg(DBG_KERNEL, "the successor of SPI 0x%08x went before its counts came",
		    op->sa.spi);
	}
	free(h);
	kernel_op_free(op);
}

/*
 * Ask for the counts of c's inbound SA, outbound SA or both before they go
 * (the kernel queue keeps the order).
 */
static void count_for_heir(struct ike_sa *sa, struct child_sa *c, bool want_in, bool want_out)
{
	if (!c->superseded || !c->successor_spi || sa->w->d->kernel_none)
		return;
	for (int in = 1; in >= 0; in--) {
		if (in ? !want_in : !want_out)
			continue;
		struct heir_ref *h = malloc(sizeof(*h));
		struct kernel_op *op = h ? kernel_op_new(KERNEL_OP_SA_QUERY, owner_mb(sa),
							 final_counts, h) : NULL;
		if (!op) {
			free(h);
			log_limited(LOG_WARNING, 10, "out of memory carrying a Child SA's traffic",
				    "#%llu: out of memory: its traffic is missing from the totals",
				    (unsigned long long)c->serial);
			return;
		}
		*h = (struct heir_ref){ sa->w, c->successor_spi, c->successor_reqid, in };
		op->owner = sa->w->index;
		op->sa.src = in ? sa->peer : sa->local;
		op->sa.dst = in ? sa->local : sa->peer;
		op->sa.spi = in ? c->spi_in : c->spi_out;
		op->sa.proto = IPPROTO_ESP;
		if (kernel_queue_submit(sa->w->d->kq, op) < 0) {
			free(h);
			kernel_op_free(op);
			return;
		}
	}
}

static void out_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0) {
		log_limited(LOG_WARNING, 20, "the kernel refused a rekeyed Child SA's outbound SA",
			    "#%llu: the kernel refused the outbound SA of Child SA #%llu (%s); deleting it",
			    (unsigned long long)sa->serial, (unsigned long long)c->serial,
			    strerror(-status));
		if (sa->version == 1) {
			v1_child_heir_out_failed(sa, c);	/* the old SA is the one again */
			return;
		}
		v2_child_delete_tell_peer(sa, c);
	}
}

/* A look at a deferred outbound SA's inbound twin: found again by SPI (it may move or go). */
struct out_probe {
	struct ike_worker *w;
	uint32_t spi, reqid;
};

/* Look again after after_ms (c->out_wait, allocated for the first look). False: no memory. */
static bool out_poll_arm(struct ike_sa *sa, struct child_sa *c, uint64_t after_ms)
{
	if (!c->out_wait) {
		c->out_wait = calloc(1, sizeof(*c->out_wait));
		if (!c->out_wait)
			return false;
		timer_init(&c->out_wait->poll, v2_child_out_poll_fire, c);
	}
	timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &c->out_wait->poll,
		  ike_now(sa->w) + after_ms);
	return true;
}

static void out_probe_answer(struct kernel_op *op)
{
	struct out_probe *p = op->cookie;
	struct child_sa *c = child_index_find(&p->w->children, p->spi, p->reqid);

	if (c && c->spi_in == p->spi && c->out_deferred && c->state == CHILD_INSTALLED &&
	    !c->superseded) {
		if (op->status == 0 && op->stats.packets > 0) {
			dbg(DBG_KERNEL, "#%llu: ESP on the new inbound SA 0x%08x: the peer switched",
			    (unsigned long long)c->serial, c->spi_in);
			v2_child_install_out(c->sa, c);
		} else if (c->out_wait && ++c->out_wait->polls < CHILD_OUT_POLLS) {
			out_poll_arm(c->sa, c, CHILD_OUT_POLL_MS);
		}
	}
	free(p);
	kernel_op_free(op);
}

void v2_child_out_poll_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct child_sa *c = arg;
	struct ike_sa *sa = c->sa;
	struct out_probe *p;
	struct kernel_op *op;

	(void)tw;
	(void)t;
	if (!c->out_deferred || c->state != CHILD_INSTALLED || c->superseded)
		return;
	p = malloc(sizeof(*p));
	op = p ? kernel_op_new(KERNEL_OP_SA_QUERY, owner_mb(sa), out_probe_answer, p) : NULL;
	if (!op) {
		free(p);
		return;		/* the Delete adds it */
	}
	*p = (struct out_probe){ sa->w, c->spi_in, c->reqid };
	op->owner = sa->w->index;
	op->sa.src = sa->peer;
	op->sa.dst = sa->local;
	op->sa.spi = c->spi_in;
	op->sa.proto = IPPROTO_ESP;
	if (kernel_queue_submit(sa->w->d->kq, op) < 0) {
		free(p);
		kernel_op_free(op);
	}
}

void v2_child_install_out(struct ike_sa *sa, struct child_sa *c)
{
	struct kernel_batch *b = c->out_deferred;
	struct child_step *st;

	if (!b)
		return;
	c->out_deferred = NULL;
	ike_child_out_wait_end(sa, c);
	st = step_new(sa, c, out_installed);
	if (!st) {
		kernel_batch_free(b);
		out_installed(sa, c, -ENOMEM);
		return;
	}
	st->rollback_only = true;	/* one SA: nothing else to undo if it fails */
	dbg(DBG_KERNEL, "#%llu: outbound SA 0x%08x of Child SA #%llu added now",
	    (unsigned long long)sa->serial, c->spi_out, (unsigned long long)c->serial);
	b->cookie = st;
	submit(sa, b);
	if (sa->version == 1)
		v1_child_heir_out_in(sa, c);	/* the SA it replaces starts to go */
}

/*
 * The rekey of c we answered takes the outbound traffic first (its
 * outbound SA waited for this moment): the kernel queue keeps the order,
 * so there is no instant without an outbound SA. Not for a redundant one
 * (a collision's loser: its initiator deletes it), nor when the IKE SA
 * goes with every Child SA.
 */
static bool heirs_take_out(struct ike_sa *sa, struct child_sa *c)
{
	bool any = false;

	for (struct child_sa *h = sa->children; h; h = h->next)
		if (h->out_deferred && h->rekey_of == c->serial && !h->superseded &&
		    h->state == CHILD_INSTALLED && sa->state != IKE_DELETING) {
			v2_child_install_out(sa, h);
			any = true;
		}
	return any;
}

void v2_child_retire_out(struct ike_sa *sa, struct child_sa *c)
{
	struct child_step *st;
	struct kernel_batch *b;
	struct kernel_op *op;

	if (c->state != CHILD_INSTALLED || c->kernel_released || c->out_removed ||
	    ike_leaving_kernel_state())
		return;
	/*
	 * The heir's outbound SA goes in only now: a packet that took this
	 * outbound SA a moment ago may still be on its way through the kernel,
	 * and would meet it deleted (XfrmOutStateInvalid, EINVAL to its
	 * sender). The kernel takes the newer SA for every packet from now on;
	 * this one goes with the inbound SA when the lingering ends.
	 */
	if (heirs_take_out(sa, c) && !c->out_deferred)
		return;
	c->out_removed = true;
	if (c->out_deferred) {
		kernel_batch_free(c->out_deferred);	/* never in the kernel: keys wiped */
		c->out_deferred = NULL;
		return;
	}
	count_for_heir(sa, c, false, true);
	st = step_new(sa, c, removal_logged);
	b = st ? batch_new(sa, st) : NULL;
	op = b ? kernel_batch_add(b, KERNEL_OP_SA_DELETE) : NULL;
	if (!op) {
		if (b)
			kernel_batch_free(b);
		free(st);
		c->out_removed = false;	/* v2_child_uninstall() tries again */
		return;
	}
	st->rollback_only = true;
	sa_params(sa, c, false, &op->sa);
	submit(sa, b);
}

void v2_child_uninstall(struct ike_sa *sa, struct child_sa *c)
{
	struct child_step *st;
	struct kernel_batch *b;
	struct kernel_op *op, *out_policy = NULL;
	bool out_added = true;

	if (c->state != CHILD_INSTALLED || c->kernel_released || ike_leaving_kernel_state())
		return;
	c->kernel_released = true;
	heirs_take_out(sa, c);
	if (c->out_deferred) {
		kernel_batch_free(c->out_deferred);	/* never in the kernel: keys wiped */
		c->out_deferred = NULL;
		out_added = false;
	}
	if (c->out_removed)
		out_added = false;
	count_for_heir(sa, c, true, out_added);
	st = step_new(sa, c, removal_logged);
	b = st ? batch_new(sa, st) : NULL;
	if (!b) {
		free(st);
		log_limited(LOG_WARNING, 10, "out of memory removing a Child SA",
			    "#%llu: out of memory: its kernel state stays",
			    (unsigned long long)c->serial);
		st = NULL;
	} else {
		st->rollback_only = true;
	}
	/*
	 * A newer Child SA of the connection (a rekey) owns the policies now:
	 * this one takes only its SAs away, and the old inbound SA was used
	 * until this moment.
	 */
	bool owns = atomic_load(&c->conn->policy_owner) == c->serial && !c->policies_taken;
	const uint8_t dirs[3] = { KERNEL_DIR_OUT, KERNEL_DIR_IN, KERNEL_DIR_FWD };
	for (unsigned i = 0; b && owns && i < (c->transport ? 2u : 3u); i++) {
		op = kernel_batch_add(b, KERNEL_OP_POLICY_DELETE);
		if (op)
			policy_params(sa, c, dirs[i], &op->policy);
		if (i == 0)
			out_policy = op;
	}
	for (int in = 1; b && in >= (out_added ? 0 : 1); in--) {
		op = kernel_batch_add(b, KERNEL_OP_SA_DELETE);
		if (op)
			sa_params(sa, c, in, &op->sa);
	}
	if (!c->superseded)
		ike_child_updown(sa, c, UPDOWN_DOWN);
	c->state = CHILD_LARVAL;
	counters_add(sa->w->d->ctr, sa->w->index, IKEC_CHILD_SAS, (uint64_t)-1);
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_DELETED);
	/*
	 * A routed connection keeps its prospective policy: the SA's outbound
	 * policy turns back into the trap (or shunt) in place, with no moment
	 * in the clear, when this was its last Child SA.
	 */
	bool last = atomic_fetch_sub(&c->conn->children_up, 1) == 1;
	if (last && c->conn->inst.tmpl)
		atomic_fetch_sub(&c->conn->inst.tmpl->instances_up, 1);
	if (last && atomic_load(&c->conn->routing) == CONN_UNROUTED && !c->policies_taken) {
		/* The default updown's unroute- goes with the removal, after it. */
		if (ike_updown_is_native(sa->w->d, c->conn, c->this_end)) {
			if (b && ike_child_updown_native(sa, c, UPDOWN_UNROUTE, b) < 0)
				log_limited(LOG_WARNING, 10, "out of memory unrouting",
					    "#%llu: out of memory: its route stays",
					    (unsigned long long)c->serial);
		} else {
			ike_child_updown(sa, c, UPDOWN_UNROUTE);
		}
	}
	if (owns && last && atomic_load(&c->conn->routing) != CONN_UNROUTED && out_policy &&
	    !atomic_load(&sa->w->d->shutting_down)) {
		struct connection *cn = c->conn;
		int shunt =
			cn->spec->prospective == SHUNT_NONE ? SHUNT_TRAP : cn->spec->prospective;
		out_policy->kind = KERNEL_OP_POLICY_ADD;
		ike_route_out_policy(cn, atomic_load(&cn->route_end), shunt,
				     atomic_load(&cn->route_reqid), &out_policy->policy);
	}
	if (b && b->n)
		submit(sa, b);
	else if (b) {
		kernel_batch_free(b);
		free(st);
	}
}

void v2_ts_to_wire(const struct ike_ts *t, struct v2_ts *out)
{
	struct v2_ts_one *o = &out->ts[0];
	memset(out, 0, sizeof(*out));
	out->n = 1;
	o->type = t->start.af == AF_INET6 ? V2_TS_IPV6_ADDR_RANGE : V2_TS_IPV4_ADDR_RANGE;
	o->ipproto = t->ipproto;
	o->sport = t->sport;
	o->eport = t->eport;
	memcpy(o->start, t->start.b, 16);
	memcpy(o->end, t->end.b, 16);
}

int v2_ts_from_wire(const struct v2_ts *in, struct ike_ts_set *out)
{
	out->n = 0;
	for (unsigned i = 0; i < in->n && out->n < V2_MAX_TS; i++) {
		const struct v2_ts_one *o = &in->ts[i];
		struct ike_ts *t = &out->ts[out->n];
		sa_family_t af;

		if (o->type == V2_TS_IPV4_ADDR_RANGE)
			af = AF_INET;
		else if (o->type == V2_TS_IPV6_ADDR_RANGE)
			af = AF_INET6;
		else
			continue;	/* a selector type we do not do */
		memset(t, 0, sizeof(*t));
		t->ipproto = o->ipproto;
		t->sport = o->sport;
		t->eport = o->eport;
		t->start.af = t->end.af = af;
		memcpy(t->start.b, o->start, af == AF_INET ? 4 : 16);
		memcpy(t->end.b, o->end, af == AF_INET ? 4 : 16);
		out->n++;
	}
	return out->n ? 0 : -ENOENT;
}

/*
 * Either end rekeys a Child SA at lifetime - rekeymargin - a random
 * 0..rekeyfuzz % of the margin, so the two ends (and a storm of SAs made
 * together) rarely rekey at the same moment; --dontrekey lets it end.
 */
static void arm_life(struct ike_sa *sa, struct child_sa *c)
{
	const struct conn_spec *cs = c->conn->spec;
	uint64_t now = ike_now(sa->w), life = (uint64_t)cs->ipsec_lifetime * 1000, margin = 0;

	if (!life)
		return;
	c->expire_ms = now + life;
	if (!(cs->policy & POL_DONT_REKEY)) {
		uint32_t r = 0;
		crypto_random(&r, sizeof(r));
		margin = (uint64_t)cs->rekeymargin * 1000;
		margin += cs->rekeyfuzz ? margin * (r % (cs->rekeyfuzz + 1)) / 100 : 0;
		if (margin >= life)
			margin = life / 2;
	}
	c->life_is_rekey = margin > 0;
	timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &c->life,
		  c->expire_ms - margin);
}

void v2_child_life_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct child_sa *c = arg;
	struct ike_sa *sa = c->sa;

	if (c->lingering) {	/* the peer deleted it already: just its SAs go */
		ike_child_unlink_free(sa, c);
		return;
	}
	if (c->life_is_rekey) {
		c->life_is_rekey = false;
		timer_arm(tw, t, c->expire_ms);
		ike_child_rekey(sa, c, "Child SA rekey time reached");
		return;
	}
	ike_sa_progress(sa, RC_LOG, "Child SA #%llu lifetime ended: deleting it",
			(unsigned long long)c->serial);
	if (!c->superseded)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_EXPIRED);
	v2_child_delete_tell_peer(sa, c);
	ike_child_unlink_free(sa, c);
}

void v2_child_established(struct ike_sa *sa, struct child_sa *c)
{
	char alg[96], tl[80], tr[80], name[CONN_NAME_MAX + 80], text[512];
	struct v2_suite s = c->suite;
	struct ike_progress *pr = ike_sa_whack(sa);
	bool rekey = c->rekey_of != 0;
	int n;

	c->state = CHILD_INSTALLED;
	/* The newest Child SA's policies replaced any older one's in place. */
	atomic_store(&c->conn->policy_owner, c->serial);
	bool first = atomic_fetch_add(&c->conn->children_up, 1) == 0;
	if (first && c->conn->inst.tmpl)
		atomic_fetch_add(&c->conn->inst.tmpl->instances_up, 1);
	if (first && atomic_load(&c->conn->routing) == CONN_UNROUTED && !c->native_routed) {
		/* The first SA of an unrouted connection routes it (the manual). */
		ike_child_updown(sa, c, UPDOWN_PREPARE);
		ike_child_updown(sa, c, UPDOWN_ROUTE);
	}
	atomic_store(&c->conn->acquiring, false);
	c->installed_ms = ike_now(sa->w);
	arm_life(sa, c);
	if (c->out_deferred && !out_poll_arm(sa, c, CHILD_OUT_POLL_FIRST_MS))
		log_limited(LOG_WARNING, 10, "out of memory for a deferred outbound SA's timer",
			    "#%llu: out of memory for the look at the new inbound SA: the outbound "
			    "SA goes in with the peer's Delete", (unsigned long long)c->serial);
	else if (c->out_wait)
		c->out_wait->polls = 0;
	if (child_index_add(&sa->w->children, c) < 0)
		log_limited(LOG_WARNING, 10, "out of memory indexing a Child SA",
			    "#%llu: out of memory indexing the Child SA: kernel events will miss it",
			    (unsigned long long)c->serial);
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_ESTABLISHED);
	if (c->encap)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_ENCAP);
	counters_add(sa->w->d->ctr, sa->w->index, IKEC_CHILD_SAS, 1);
	/* Over the log's limit, with no whack to tell: no line to build. */
	bool say = ike_progress_admit(pr);
	if (say) {
		proposal_suite_str(&s, alg, sizeof(alg));
		n = snprintf(text, sizeof(text), "%s #%llu: ",
			     ike_conn_instance_str(c->conn, name, sizeof(name)),
			     (unsigned long long)sa->serial);
		snprintf(text + n, sizeof(text) - (size_t)n,
			 "IPsec SA #%llu %s %s mode {ESP%s=>0x%08x <0x%08x xfrm=%s %s===%s}",
			 (unsigned long long)c->serial, rekey ? "rekeyed" : "established",
			 c->transport ? "transport" : "tunnel", c->encap ? "/NAT" : "",
			 c->spi_out, c->spi_in, alg, ike_ts_str(&c->ts_local, tl, sizeof(tl)),
			 ike_ts_str(&c->ts_remote, tr, sizeof(tr)));
	}
	/*
	 * A rekey replaces an SA that is up: the tunnel never went down (no
	 * up- again). Otherwise whack hears "established" once up- succeeded.
	 */
	if (!rekey)
		ike_child_updown_up(sa, c, say ? text : NULL);
	else if (say)
		ike_progress_say(pr, RC_SUCCESS, text);
}


void v2_child_release(struct ike_sa *sa, struct child_sa *c)
{
	/* An install still in the kernel: its answer removes what it added. */
	if (c->install_step) {
		c->install_step->orphaned = true;
		c->install_step->child = NULL;
		c->install_step = NULL;
	}
	/* Before installation nothing is in the kernel: the worker chose its SPI itself. */
	if (c->state == CHILD_INSTALLED)
		v2_child_uninstall(sa, c);
	kernel_batch_free(c->out_deferred);	/* never added: its keys wiped */
	c->out_deferred = NULL;
}

/* The SA memory stays until its last kernel answer: see ike_sa_free(). */
void ike_sa_release_memory(struct ike_sa *sa);

static void sa_kernel_release(struct ike_sa *sa)
{
	if (sa->dead && sa->kernel_pending == 0)
		ike_sa_release_memory(sa);
}
