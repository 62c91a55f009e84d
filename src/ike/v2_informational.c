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
#include "ike/v2_child.h"
#include "ike/v2_exchange.h"
#include "ike/v2_io.h"
#include "util/log.h"

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

void v2_ike_established(struct ike_sa *sa)
{
	char alg[96];
	struct ike_worker *w = sa->w;

	sa->state = IKE_ESTABLISHED;
	sa->established_ms = ike_now(sa->w);
	if (sa->half_open) {
		sa->half_open = false;
		w->half_open--;
		counters_add(w->d->ctr, w->index, IKEC_HALF_OPEN, (uint64_t)-1);
	}
	counters_inc(w->d->ctr, w->index, IKEC_IKE_ESTABLISHED);
	/*
	 * The manual's rekeying: the initiator rekeys rekeymargin plus a random
	 * 0..rekeyfuzz percent of it before the end; the responder keeps the SA
	 * to its end (the initiator replaces it first).
	 */
	const struct conn_spec *cs = &sa->conn->spec;
	uint64_t life = (uint64_t)cs->ike_lifetime * 1000, margin = 0;
	sa->expire_ms = ike_now(sa->w) + life;
	if (sa->initiator && !(cs->policy & POL_DONT_REKEY)) {
		uint32_t r = 0;
		crypto_random(&r, sizeof(r));
		margin = (uint64_t)cs->rekeymargin * 1000;
		margin += cs->rekeyfuzz ? margin * (r % (cs->rekeyfuzz + 1)) / 100 : 0;
		if (margin >= life)
			margin = life / 2;
	}
	if (!sa->counted_up) {
		sa->counted_up = true;
		counters_add(w->d->ctr, w->index, IKEC_IKE_UP, 1);
	}
	sa->life_is_rekey = margin > 0;
	timer_arm(wheel(sa), &sa->life, sa->expire_ms - margin);
	/* RFC 3948 4: behind a NAT, keep its mapping open. */
	if (sa->nat_local && sa->natt && !(sa->conn->spec.policy & POL_NO_KEEPALIVE) &&
	    w->d->keep_alive_s)
		timer_arm(wheel(sa), &sa->keepalive,
			  ike_now(sa->w) + (uint64_t)w->d->keep_alive_s * 1000);
	proposal_suite_str(&sa->suite, alg, sizeof(alg));
	ike_sa_progress(sa, RC_SUCCESS, "established IKE SA {%s}%s", alg,
			sa->nat_local || sa->nat_peer ? " behind NAT" : "");
}

void ike_sa_fail(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	bool timeout = rc == RC_NORETRANSMISSION;
	unsigned limit = sa->conn ? sa->conn->spec.keyingtries : 1;

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
	if (sa->initiator && timeout && (limit == 0 || sa->tries + 1 < limit)) {
		char n[32];
		snprintf(n, sizeof(n), "%u", limit);
		ike_sa_progress(sa, RC_COMMENT,
				"starting keying attempt %u of %s, but releasing whack", sa->tries + 2,
				limit ? n : "an unlimited number");
		v2_initiate(sa->w, sa->conn, sa->this_end, sa->l, &sa->local, NULL, sa->tries + 1);
	}
	ike_sa_free(sa);
}

static void send_delete(struct ike_sa *sa, uint8_t proto, const uint32_t *spis, unsigned n,
			bool response)
{
	struct v2_build b;
	uint8_t buf[4 * 16];
	struct v2_delete d = { .protocol = proto, .spi_size = proto == V2_PROTO_IKE ? 0 : 4,
			       .nspi = (uint16_t)n, .spis = buf };
	size_t len;

	for (unsigned i = 0; i < n && i < 16; i++) {
		buf[4 * i] = (uint8_t)(spis[i] >> 24);
		buf[4 * i + 1] = (uint8_t)(spis[i] >> 16);
		buf[4 * i + 2] = (uint8_t)(spis[i] >> 8);
		buf[4 * i + 3] = (uint8_t)spis[i];
	}
	if (v2_start(sa, &b, V2_INFORMATIONAL, response,
		     response ? sa->msgid_peer : sa->msgid_next, true) < 0)
		return;
	/* RFC 7296 1.4.1: the answer to deleting the IKE SA is an empty INFORMATIONAL. */
	if ((proto == V2_PROTO_IKE && !response) || n)
		v2_build_delete(&b, &d);
	if (v2_seal(sa, &b, &len) < 0)
		return;
	if (response) {
		v2_send_response(sa, sa->w->txbuf, len);
	} else {
		sa->msgid_next++;
		v2_send_request(sa, sa->w->txbuf, len);
	}
}

void v2_child_failed_tell_peer(struct ike_sa *sa, struct child_sa *c)
{
	/* A request needs the window free; with one outstanding, the peer learns at rekey. */
	if (sa->req || !c->spi_in)
		return;
	send_delete(sa, V2_PROTO_ESP, &c->spi_in, 1, false);
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
	if (sa->state == IKE_ESTABLISHED && !sa->req &&
	    v2_start(sa, &b, V2_INFORMATIONAL, false, sa->msgid_next, true) == 0 &&
	    v2_build_delete(&b, &d) == 0 && v2_seal(sa, &b, &len) == 0)
		v2_send_raw(sa, sa->w->txbuf, len);
	ike_sa_delete(sa, false);
}

void ike_sa_delete(struct ike_sa *sa, bool tell_peer)
{
	if (tell_peer && sa->state == IKE_ESTABLISHED && !sa->req) {
		/* Children first out of the kernel: no traffic in the clear meanwhile. */
		for (struct child_sa *c = sa->children; c; c = c->next)
			v2_child_uninstall(sa, c);
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
		ike_sa_progress(sa, RC_LOG, "deleting IKE SA (sending a Delete to the peer)");
		send_delete(sa, V2_PROTO_IKE, NULL, 0, false);
		sa->state = IKE_DELETING;
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETING);
		ike_stats_sa_state(sa);
		return;
	}
	ike_stats_fail_reason(sa, IKE_FAIL_DELETED);	/* counted only if never established */
	if (sa->state == IKE_ESTABLISHED)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
	ike_sa_free(sa);
}

void v2_info_request(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	uint32_t ours[16];
	unsigned n = 0;
	bool ike = false;

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
			const uint8_t *s = p->u.del.spis + 4 * k;
			uint32_t spi = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
				       (uint32_t)s[2] << 8 | s[3];
			for (struct child_sa *c = sa->children; c; c = c->next) {
				if (c->spi_out != spi)
					continue;
				if (n < 16)
					ours[n++] = c->spi_in;
				log_info("#%llu: the peer deleted Child SA #%llu",
					 (unsigned long long)sa->serial, (unsigned long long)c->serial);
				ike_child_unlink_free(sa, c);
				break;
			}
		}
	}
	if (ike) {
		/* RFC 7296 1.4.1: answer with an empty INFORMATIONAL, then forget the SA. */
		send_delete(sa, V2_PROTO_IKE, NULL, 0, true);
		ike_sa_progress(sa, RC_LOG, "the peer deleted the IKE SA");
		if (sa->state == IKE_ESTABLISHED)
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
		ike_sa_free(sa);
		return;
	}
	send_delete(sa, V2_PROTO_ESP, ours, n, true);
}

void v2_info_response(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	v2_request_done(sa);
	if (sa->state == IKE_DELETING) {
		ike_sa_progress(sa, RC_LOG, "IKE SA deleted");
		ike_sa_free(sa);
	}
}

void v2_child_request(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	struct v2_build b;
	struct v2_notification n = { .type = V2N_NO_ADDITIONAL_SAS };
	size_t len;

	/* Rekeying and more Child SAs arrive with their own issue: say so. */
	log_info("#%llu: CREATE_CHILD_SA is not supported yet: answered NO_ADDITIONAL_SAS",
		 (unsigned long long)sa->serial);
	if (v2_start(sa, &b, V2_CREATE_CHILD_SA, true, sa->msgid_peer, true) == 0 &&
	    v2_build_notify(&b, &n) == 0 && v2_seal(sa, &b, &len) == 0)
		v2_send_response(sa, sa->w->txbuf, len);
}

void v2_request_timeout(struct ike_sa *sa)
{
	v2_request_done(sa);
	switch (sa->state) {
	case IKE_I_INIT_SENT:
	case IKE_I_AUTH_SENT:
		ike_sa_fail(sa, RC_NORETRANSMISSION,
			    "%s: no response (or no acceptable response) to our request after %u retransmissions",
			    ike_state_name(sa->state), 7);
		break;
	default:
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

bool ike_sa_replace(struct ike_sa *sa, const char *why)
{
	if (!sa->initiator || sa->replaced || sa->state != IKE_ESTABLISHED ||
	    (sa->conn->spec.policy & POL_DONT_REKEY))
		return false;
	sa->replaced = true;
	ike_sa_progress(sa, RC_LOG, "%s: starting its replacement", why);
	if (v2_initiate(sa->w, sa->conn, sa->this_end, sa->l, &sa->local, NULL, 0) < 0) {
		sa->replaced = false;
		return false;
	}
	ike_stats_rekey(sa->w, false);
	return true;
}

void v2_life_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_ESTABLISHED) {
		if (sa->life_is_rekey) {
			sa->life_is_rekey = false;
			/* Rekey time: the new SA takes over, this one lasts to its end. */
			ike_sa_replace(sa, "rekey margin reached");
			timer_arm(tw, t, sa->expire_ms);
			return;
		}
		ike_sa_progress(sa, RC_LOG, "IKE SA lifetime ended: deleting it");
		ike_sa_delete(sa, true);
		return;
	}
	if (sa->state == IKE_DELETING)
		return;
	log_info("#%llu: half-open IKE SA timed out", (unsigned long long)sa->serial);
	ike_stats_fail_reason(sa, IKE_FAIL_TIMEOUT);
	ike_sa_free(sa);
}
