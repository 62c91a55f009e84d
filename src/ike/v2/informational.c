/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * INFORMATIONAL (RFC 7296 1.4): Delete of Child SAs and of the IKE SA, and
 * the empty liveness check; plus the life of an SA around it: established,
 * lifetime, failure and retry, deletion.
 *
 *   HDR, SK {[N,] [D,] [CP,] ...}  -->
 *                                  <--  HDR, SK {[N,] [D,] [CP], ...}
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/alg_names.h"
#include "crypto/crypto.h"
#include "ike/route.h"
#include "ike/v1/exchange.h"
#include "ike/v2/child.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/v2/redirect.h"
#include "ike/v2/task.h"
#include "util/log.h"

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

uint64_t ike_rekey_margin_ms(const struct conn_spec *cs, uint64_t life_ms)
{
	uint64_t margin;
	uint32_t r = 0;

	if (cs->policy & POL_DONT_REKEY)
		return 0;
	crypto_random(&r, sizeof(r));
	margin = (uint64_t)cs->rekeymargin * 1000;
	margin += cs->rekeyfuzz ? margin * (r % (cs->rekeyfuzz + 1)) / 100 : 0;
	if (margin >= life_ms)
		margin = life_ms / 2;
	return margin;
}

void v2_ike_arm_timers(struct ike_sa *sa)
{
	struct ike_worker *w = sa->w;
	/*
	 * The manual's rekeying: the initiator rekeys rekeymargin plus a random
	 * 0..rekeyfuzz percent of it before the end; the responder keeps the SA
	 * to its end (the initiator rekeys it first).
	 */
	const struct conn_spec *cs = sa->conn->spec;
	uint64_t life = (uint64_t)cs->ike_lifetime * 1000, margin = 0;
	sa->ext->expire_ms = ike_now(sa->w) + life;
	if (sa->initiator)
		margin = ike_rekey_margin_ms(cs, life);
	sa->life_is_rekey = margin > 0;
	timer_arm(wheel(sa), &sa->life, sa->ext->expire_ms - margin);
	/* RFC 3948 4: behind a NAT, keep its mapping open. */
	if (sa->nat_local && sa->natt && !(sa->conn->spec->policy & POL_NO_KEEPALIVE) &&
	    w->d->keep_alive_s)
		timer_arm(wheel(sa), &sa->ext->keepalive,
			  ike_now(sa->w) + (uint64_t)w->d->keep_alive_s * 1000);
}

void v2_ike_established(struct ike_sa *sa)
{
	char alg[96];
	struct ike_worker *w = sa->w;
	bool rekey = sa->state == IKE_I_REKEY || sa->state == IKE_R_REKEY;

	sa->state = IKE_ESTABLISHED;
	sa->ext->established_ms = ike_now(sa->w);
	ike_half_open_end(sa);
	/*
	 * Nothing answers its IKE_SA_INIT request any more (RFC 7296 2.1: its
	 * last request is IKE_AUTH's): the index by the initiator's SPI keeps
	 * the half-open only, small and in cache, not every SA held. The
	 * initiator's copies of that request came before its IKE_AUTH on the
	 * same socket and were answered or dropped; one the network delays
	 * past it is a new request (with a cookie when they are asked for).
	 */
	sadb_sa_table_del_init(&w->d->sas, &sa->node);
	if (!rekey)
		counters_inc(w->d->ctr, w->index, IKEC_IKE_ESTABLISHED);
	if (!sa->counted_up) {
		sa->counted_up = true;
		counters_add(w->d->ctr, w->index, IKEC_IKE_UP, 1);
	}
	v2_ike_arm_timers(sa);
	v2_liveness_arm(sa);
	if (ike_progress_admit(ike_sa_whack(sa))) {
		proposal_suite_str(&sa->suite, alg, sizeof(alg));
		ike_sa_progress_admitted(sa, RC_SUCCESS, "%s IKE SA {%s}%s",
					 rekey ? "rekeyed" : "established", alg,
					 sa->nat_local || sa->nat_peer ? " behind NAT" : "");
	}
	v2_tasks_kick(sa);
}

void ike_sa_fail(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	bool timeout = rc == RC_NORETRANSMISSION;
	unsigned limit = sa->conn ? sa->conn->spec->keyingtries : 1;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ike_stats_fail_reason(sa, ike_stats_reason_of_rc(rc));
	ike_sa_progress(sa, rc, "%s", why);
	if (sa->initiator && atomic_load(&sa->conn->acquiring)) {
		/* The negotiation an ACQUIRE started failed: the --fail* shunt, if any. */
		atomic_store(&sa->conn->acquiring, false);
		ike_route_failed(sa->w->d, sa->conn);
	}
	/* The manual: --keyingtries 0 tries for ever; only a silent peer is retried. */
	if (sa->initiator && timeout && (limit == 0 || sa->ext->tries + 1 < limit)) {
		char n[32];
		snprintf(n, sizeof(n), "%u", limit);
		ike_sa_progress(sa, RC_COMMENT,
				"starting keying attempt %u of %s, but releasing whack",
				sa->ext->tries + 2, limit ? n : "an unlimited number");
		v2_initiate(sa->w, sa->conn, sa->this_end, sa->l, &sa->local, NULL,
			    sa->ext->tries + 1);
	}
	ike_sa_free(sa);
}

/* An INFORMATIONAL with a Delete of proto (no Delete when n is 0 and not the IKE SA). */
static int build_delete(struct ike_sa *sa, struct v2_build *b, uint8_t proto,
			const uint32_t *spis, unsigned n, bool response, size_t *len)
{
	uint8_t buf[4 * 16];
	struct v2_delete d = { .protocol = proto, .spi_size = proto == V2_PROTO_IKE ? 0 : 4,
			       .nspi = (uint16_t)(n < 16 ? n : 16), .spis = buf };
	int rc;

	for (unsigned i = 0; i < d.nspi; i++)
		v2_spi32_put(buf + 4 * i, spis[i]);
	rc = v2_start(sa, b, V2_INFORMATIONAL, response,
		      response ? v2_answer_msgid(sa) : sa->msgid_next, true);
	/* RFC 7296 1.4.1: the answer to deleting the IKE SA is an empty INFORMATIONAL. */
	if (rc == 0 && ((proto == V2_PROTO_IKE && !response) || d.nspi))
		rc = v2_build_delete(b, &d);
	return rc < 0 ? rc : v2_seal(sa, b, len);
}

static void answer_delete(struct ike_sa *sa, uint8_t proto, const uint32_t *spis, unsigned n)
{
	struct v2_build b;
	size_t len;

	if (build_delete(sa, &b, proto, spis, n, true, &len) == 0)
		v2_send_response(sa, sa->w->txbuf, len);
}

static int request(struct ike_sa *sa, struct v2_build *b, size_t len)
{
	(void)b;
	sa->msgid_next++;
	return v2_send_request(sa, sa->w->txbuf, len);
}

int v2_info_start(struct ike_sa *sa, struct v2_task *t)
{
	struct v2_build b;
	size_t len;
	int rc;

	switch (t->kind) {
	case V2T_DELETE_IKE:
		/* Children first out of the kernel: no traffic in the clear meanwhile. */
		for (struct child_sa *c = sa->children; c; c = c->next)
			v2_child_uninstall(sa, c);
		/*
		 * The client's addresses go back now, not when the peer answers:
		 * its Child SAs are gone, and a peer that vanished would hold
		 * them for the whole retransmission time.
		 */
		ike_sa_lease_done(sa);
		if (sa->state == IKE_ESTABLISHED)
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
		ike_sa_progress(sa, RC_LOG, "deleting IKE SA (sending a Delete to the peer)");
		rc = build_delete(sa, &b, V2_PROTO_IKE, NULL, 0, false, &len);
		sa->state = IKE_DELETING;
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETING);
		ike_stats_sa_state(sa);
		break;
	case V2T_DELETE_CHILD:
		rc = build_delete(sa, &b, V2_PROTO_ESP, t->spis, t->nspi, false, &len);
		break;
	case V2T_REDIRECT:
		rc = v2_start(sa, &b, V2_INFORMATIONAL, false, sa->msgid_next, true);
		if (rc == 0)
			rc = t->gw_name ? v2_redirect_payload_fqdn(sa, &b, t->gw_name)
					: v2_redirect_payload(sa, &b, &t->gw);
		if (rc == 0)
			rc = v2_seal(sa, &b, &len);
		break;
	default:	/* V2T_LIVENESS: an empty INFORMATIONAL */
		rc = build_delete(sa, &b, V2_PROTO_ESP, NULL, 0, false, &len);
		break;
	}
	return rc < 0 ? rc : request(sa, &b, len);
}

void v2_child_delete_tell_peer(struct ike_sa *sa, struct child_sa *c)
{
	struct v2_task *t;

	if (sa->version == 1) {		/* an IPsec SA of Quick Mode: an IKEv1 Delete */
		c->rekeying = true;
		v1_child_delete_tell_peer(sa, c);
		return;
	}
	if (!c->spi_in || c->kernel_released)
		return;
	c->rekeying = true;	/* going: never rekeyed */
	/* One Delete may carry several SPIs: join a queued one. */
	for (t = sa->tasks; t; t = t->next)
		if (t->kind == V2T_DELETE_CHILD && t->nspi < 8)
			break;
	if (!t) {
		t = v2_task_new(V2T_DELETE_CHILD);
		if (!t) {
			log_limited(LOG_WARNING, 10, "out of memory telling the peer of a Child SA",
				    "#%llu: out of memory: the peer is not told of Child SA #%llu",
				    (unsigned long long)sa->serial, (unsigned long long)c->serial);
			return;
		}
		t->reqids[t->nspi] = c->reqid;
		t->spis[t->nspi++] = c->spi_in;
		v2_task_add(sa, t);
		return;
	}
	t->reqids[t->nspi] = c->reqid;
	t->spis[t->nspi++] = c->spi_in;
}

void ike_sa_shutdown(struct ike_sa *sa)
{
	struct v2_build b;
	struct v2_delete d = { .protocol = V2_PROTO_IKE };
	size_t len;

	/*
	 * pluto is going: one Delete to the peer, not waited for (the manual:
	 * such notification is not reliable), then the SA and its children go.
	 */
	if (sa->version == 1) {
		v1_delete(sa, true);
		return;
	}
	if (sa->state == IKE_ESTABLISHED && !sa->req &&
	    v2_start(sa, &b, V2_INFORMATIONAL, false, sa->msgid_next, true) == 0 &&
	    v2_build_delete(&b, &d) == 0 && v2_seal(sa, &b, &len) == 0)
		v2_send_raw(sa, sa->w->txbuf, len);
	ike_sa_delete(sa, false);
}

void ike_sa_delete(struct ike_sa *sa, bool tell_peer)
{
	if (sa->version == 1) {
		v1_delete(sa, tell_peer);
		return;
	}
	if (tell_peer && (sa->state == IKE_ESTABLISHED || sa->state == IKE_REKEYED)) {
		struct v2_task *t;
		if (v2_task_pending(sa, V2T_DELETE_IKE, 0))
			return;		/* already on its way */
		t = v2_task_new(V2T_DELETE_IKE);
		if (t) {
			v2_task_add(sa, t);	/* behind the request that is out, if any */
			return;
		}
	}
	ike_stats_fail_reason(sa, IKE_FAIL_DELETED);	/* counted only if never established */
	if (sa->state == IKE_ESTABLISHED)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
	ike_sa_free(sa);
}

/*
 * A rekeyed Child SA that both ends deleted keeps its inbound SA for
 * CHILD_REKEYED_LINGER_MS: ESP the peer sent on it just before its switch
 * to the new SA (still in its kernel's queues, or on the wire) finds its SA
 * here. Its outbound SA goes now, or, when the successor's (deferred) one
 * goes in only now, with the inbound SA (v2_child_retire_out()). False
 * when c goes at once (not rekeyed, or the daemon stopping).
 */
bool v2_child_linger(struct ike_sa *sa, struct child_sa *c)
{
	if (!c->superseded || c->state != CHILD_INSTALLED ||
	    atomic_load(&sa->w->d->shutting_down))
		return false;
	if (c->lingering)
		return true;	/* a repeated Delete: its time runs already */
	v2_child_retire_out(sa, c);
	c->lingering = true;
	c->life_is_rekey = false;
	timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &c->life,
		  ike_now(sa->w) + CHILD_REKEYED_LINGER_MS);
	return true;
}

void v2_info_request(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	uint32_t ours[16];
	unsigned n = 0;
	bool ike = false;

	if (v2_redirect_info_note(sa, m)) {
		/* RFC 5685 5: answer, then go to the new gateway and delete this SA. */
		answer_delete(sa, V2_PROTO_ESP, NULL, 0);
		v2_redirect_go(sa);
		return;
	}
	for (unsigned i = 0; i < m->npl; i++) {
		const struct v2_payload *p = &m->pl[i];
		if (p->type != V2_PL_DELETE)
			continue;
		if (p->u.del.protocol == V2_PROTO_IKE) {
			ike = true;
			continue;
		}
		if (p->u.del.protocol != V2_PROTO_ESP || p->u.del.spi_size != 4)
			continue;
		for (unsigned k = 0; k < p->u.del.nspi; k++) {
			uint32_t spi = v2_spi32_get(p->u.del.spis + 4 * k);
			for (struct child_sa *c = sa->children; c; c = c->next) {
				if (c->spi_out != spi)
					continue;
				/* 1.4.1: answer with our SPI, unless our own Delete of it is out. */
				if (n < 16 && !v2_task_deleting_spi(sa, c->spi_in))
					ours[n++] = c->spi_in;
				log_limited(LOG_INFO, 50, "the peer deleted a Child SA",
					    "#%llu: the peer deleted Child SA #%llu",
					    (unsigned long long)sa->serial,
					    (unsigned long long)c->serial);
				if (v2_child_linger(sa, c))
					break;
				ike_child_unlink_free(sa, c);
				break;
			}
		}
	}
	if (ike) {
		/* RFC 7296 1.4.1: answer with an empty INFORMATIONAL, then forget the SA. */
		answer_delete(sa, V2_PROTO_IKE, NULL, 0);
		ike_sa_progress(sa, RC_LOG, "the peer deleted the IKE SA");
		if (sa->state == IKE_ESTABLISHED)
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
		ike_sa_free(sa);
		return;
	}
	answer_delete(sa, V2_PROTO_ESP, ours, n);
}

void v2_info_deleted_ike(struct ike_sa *sa, struct ike_input *in)
{
	(void)in;
	v2_request_done(sa);
	ike_sa_progress(sa, RC_LOG, "IKE SA deleted");
	ike_sa_free(sa);
}

void v2_info_deleted_child(struct ike_sa *sa, struct ike_input *in)
{
	const struct v2_task *t = sa->active;

	(void)in;
	v2_request_done(sa);
	/*
	 * The peer's SAs are gone: ours follow (make before break kept them
	 * until now). The peer may have rekeyed this IKE SA meanwhile (a
	 * Delete is no CREATE_CHILD_SA, so nothing refused it): the Child SAs
	 * moved to the new one, so an installed one is found through the
	 * worker's index, wherever it is now.
	 */
	for (unsigned i = 0; i < t->nspi; i++) {
		struct child_sa *c = child_index_find(&sa->w->children, t->spis[i], t->reqids[i]);

		if (!c || c->spi_in != t->spis[i])
			for (c = sa->children; c && c->spi_in != t->spis[i]; c = c->next)
				;
		if (c && !v2_child_linger(c->sa, c))
			ike_child_unlink_free(c->sa, c);
	}
	v2_task_done(sa);
}

void v2_info_alive(struct ike_sa *sa, struct ike_input *in)
{
	(void)in;
	v2_request_done(sa);
	v2_task_done(sa);
}

void v2_request_timeout(struct ike_sa *sa)
{
	v2_request_done(sa);
	switch (sa->state) {
	case IKE_I_INIT_SENT:
	case IKE_I_AUTH_SENT:
		ike_sa_fail(sa, RC_NORETRANSMISSION,
			    "%s: no response (or no acceptable response) to our request after %u retransmissions",
			    ike_state_name(sa->state), v2_retransmissions_max());
		break;
	case IKE_ESTABLISHED:
		/* An established peer that stops answering is dead: --dpdaction, if any. */
		ike_sa_dead(sa, "no answer to our request after every retransmission");
		break;
	default:
		/* Going anyway (our Delete was not answered): it just goes. */
		ike_sa_progress(sa, RC_LOG, "the peer stopped answering; deleting the IKE SA");
		ike_sa_free(sa);
	}
}

void v2_keepalive_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	uint8_t ff = 0xff;
	struct net_dgram d = { .buf = &ff, .len = 1, .peer = sa->peer, .peer_port = sa->peer_port,
			       .local = sa->local };

	/* A one-byte 0xFF, without the non-ESP marker (RFC 3948 2.3). */
	net_send_batch(sa->l->fds[sa->w->index], &d, 1, false);
	timer_arm(tw, t, ike_now(sa->w) + (uint64_t)sa->w->d->keep_alive_s * 1000);
}

bool ike_sa_rekey(struct ike_sa *sa, const char *why)
{
	struct v2_task *t;

	if (sa->version == 1)	/* a new Main or Aggressive Mode (v1/main.c) */
		return v1_reestablish(sa, why);
	if (sa->state != IKE_ESTABLISHED || v2_task_pending(sa, V2T_REKEY_IKE, 0) ||
	    v2_task_pending(sa, V2T_DELETE_IKE, 0))
		return false;
	t = v2_task_new(V2T_REKEY_IKE);
	if (!t)
		return false;
	ike_sa_progress(sa, RC_LOG, "%s: rekeying the IKE SA", why);
	v2_task_add(sa, t);
	return true;
}

bool ike_child_rekey(struct ike_sa *sa, struct child_sa *c, const char *why)
{
	struct v2_task *t;

	if (sa->version == 1)	/* a new Quick Mode (v1/quick.c) */
		return v1_child_rekey(sa, c, why, false);

	if (sa->state != IKE_ESTABLISHED || c->state != CHILD_INSTALLED || c->rekeying ||
	    c->superseded || v2_task_pending(sa, V2T_REKEY_CHILD, c->serial) ||
	    v2_task_pending(sa, V2T_DELETE_IKE, 0))
		return false;
	t = v2_task_new(V2T_REKEY_CHILD);
	if (!t)
		return false;
	t->child = c->serial;
	c->rekeying = true;
	ike_sa_progress(sa, RC_LOG, "%s: rekeying Child SA #%llu", why,
			(unsigned long long)c->serial);
	v2_task_add(sa, t);
	return true;
}

bool ike_sa_replace(struct ike_sa *sa, const char *why)
{
	if (!sa->initiator || sa->replaced || sa->state != IKE_ESTABLISHED ||
	    (sa->conn->spec->policy & POL_DONT_REKEY))
		return false;
	sa->replaced = true;
	ike_sa_progress(sa, RC_LOG, "%s: starting its replacement", why);
	if (v2_initiate(sa->w, sa->conn, sa->this_end, sa->l, &sa->local, NULL, 0) < 0) {
		sa->replaced = false;
		return false;
	}
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_REPLACED);
	return true;
}

void v2_life_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_REKEYED) {
		/* Its replacement took over and the peer never deleted it. */
		ike_sa_progress(sa, RC_LOG, "replaced IKE SA: deleting it");
		ike_sa_delete(sa, true);
		return;
	}
	if (sa->state == IKE_ESTABLISHED) {
		if (sa->life_is_rekey) {
			sa->life_is_rekey = false;
			/* Rekey time: CREATE_CHILD_SA makes the new SA; this one lasts to its end. */
			ike_sa_rekey(sa, "rekey margin reached");
			timer_arm(tw, t, sa->ext->expire_ms);
			return;
		}
		ike_sa_progress(sa, RC_LOG, "IKE SA lifetime ended: deleting it");
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_EXPIRED);
		ike_sa_delete(sa, true);
		return;
	}
	if (sa->state == IKE_DELETING)
		return;
	ike_stats_fail_reason(sa, IKE_FAIL_TIMEOUT);
	/* A spoofed IKE_SA_INIT flood leaves one of these per packet. */
	log_limited(LOG_INFO, 5, "half-open IKE SA timed out", "#%llu: half-open IKE SA timed out",
		    (unsigned long long)sa->serial);
	ike_sa_free(sa);
}
