/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKE_SA_INIT (RFC 7296 1.2), both roles:
 *
 *   Initiator                         Responder
 *   HDR, SAi1, KEi, Ni, N(NAT-D)* -->
 *                                <--  HDR, SAr1, KEr, Nr, N(NAT-D)*
 *
 * with the stateless answers a responder may give first: N(COOKIE) under
 * load (2.6), N(INVALID_KE_PAYLOAD) for another group (1.2), and
 * N(NO_PROPOSAL_CHOSEN). The key exchange runs as a crypto job; the
 * handlers compute into locals and commit to the SA only after every check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hash.h"
#include "crypto/jobq.h"
#include "ike/conn_select.h"
#include "ike/v1/exchange.h"
#include "ike/v2/exchange.h"
#include "ike/v2/frag_sa.h"
#include "ike/v2/io.h"
#include "ike/v2/kex.h"
#include "ike/v2/redirect.h"
#include "ike/v2/rules.h"
#include "util/log.h"

enum {
	V2_NONCE_LEN = 32,
	V2_MAX_RESTARTS = 3,		/* COOKIE / INVALID_KE round trips per attempt */
	V2_COOKIE_LEN = 1 + 16,		/* secret version, truncated SHA-256 */
};

/* RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | port). */
static void natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8], const struct ip_addr *a,
		      uint16_t port, uint8_t out[CRYPTO_SHA1_LEN])
{
	uint8_t p[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	struct iovec iov[4] = {
		{ (void *)spi_i, 8 },
		{ (void *)spi_r, 8 },
		{ (void *)a->b, a->af == AF_INET ? 4 : 16 },
		{ p, 2 },
	};
	crypto_sha1(iov, 4, out);
}

/* NAT-D for these addresses and ports (ours, then the peer's) of sa's SPIs */
static void build_natd_of(struct v2_build *b, const struct ike_sa *sa,
			  const struct ip_addr *local, uint16_t local_port,
			  const struct ip_addr *peer, uint16_t peer_port, bool fake_source)
{
	uint8_t h[CRYPTO_SHA1_LEN];
	struct v2_notification n = { .len = CRYPTO_SHA1_LEN, .data = h };

	natd_hash(sa->spi_i, sa->spi_r, local, local_port, h);
	if (fake_source)	/* --forceencaps: make the peer believe we are behind a NAT */
		h[0] ^= 0xff;
	n.type = V2N_NAT_DETECTION_SOURCE_IP;
	v2_build_notify(b, &n);
	natd_hash(sa->spi_i, sa->spi_r, peer, peer_port, h);
	n.type = V2N_NAT_DETECTION_DESTINATION_IP;
	v2_build_notify(b, &n);
}

static void build_natd(struct v2_build *b, const struct ike_sa *sa, bool fake_source)
{
	build_natd_of(b, sa, &sa->local, sa->local_port, &sa->peer, sa->peer_port, fake_source);
}

/* Compare the peer's NAT-D notifies with what our addresses hash to. */
static void natd_check(struct ike_sa *sa, const struct v2_msg *m)
{
	const struct v2_notification *src = v2_msg_notify(m, V2N_NAT_DETECTION_SOURCE_IP);
	const struct v2_notification *dst = v2_msg_notify(m, V2N_NAT_DETECTION_DESTINATION_IP);
	uint8_t h[CRYPTO_SHA1_LEN];

	if (!src || !dst)
		return;		/* the peer does not do NAT traversal */
	/* The hashes cover the SPIs as the message carries them (zero SPIr in a request). */
	natd_hash(m->hdr.spii, m->hdr.spir, &sa->local, sa->local_port, h);
	sa->nat_local = dst->len != CRYPTO_SHA1_LEN || memcmp(dst->data, h, sizeof(h)) != 0;
	natd_hash(m->hdr.spii, m->hdr.spir, &sa->peer, sa->peer_port, h);
	/* Any of several source hashes may match; we look at the first only. */
	sa->nat_peer = src->len != CRYPTO_SHA1_LEN || memcmp(src->data, h, sizeof(h)) != 0;
	if (sa->conn->spec->policy & POL_FORCEENCAPS)
		sa->nat_local = true;
}

/* --vendorid: our Vendor ID payload (RFC 7296 3.12). */
static void build_vendor(struct v2_build *b, const struct ike_sa *sa)
{
	const char *vid = sa->w->d->vendorid;
	if (vid) {
		struct v2_vendor v = { .len = (uint16_t)strlen(vid), .data = (const uint8_t *)vid };
		v2_build_vendor(b, &v);
	}
}

/* ---- initiator ---- */

static void init_send_request(struct ike_sa *sa)
{
	struct ike_setup *s = sa->setup;
	struct v2_sa *sa_pl = sa->w->sa_scratch;
	struct v2_build b;
	struct v2_ke ke = { .group = s->dh, .len = s->pub_len, .data = s->pub };
	struct v2_nonce ni = { .len = s->ni_len, .data = s->ni };
	size_t len;

	v2_start(sa, &b, V2_IKE_SA_INIT, false, 0, false);
	if (s->cookie_len) {
		struct v2_notification c = { .type = V2N_COOKIE, .len = s->cookie_len,
					     .data = s->cookie };
		v2_build_notify(&b, &c);
	}
	proposal_set_to_sa(sa->conn->cfg->ike_props, V2_PROTO_IKE, NULL, 0, sa_pl);
	v2_build_sa(&b, sa_pl);
	v2_build_ke(&b, &ke);
	v2_build_nonce(&b, &ni);
	build_natd(&b, sa, sa->conn->spec->policy & POL_FORCEENCAPS);
	v2_frag_init_payloads(sa, &b);
	v2_redirect_init_payloads(sa, &b);
	build_vendor(&b, sa);
	v2_auth_init_payloads(sa, &b);
	if (v2_build_finish(&b, &len) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "IKE_SA_INIT request does not fit");
		return;
	}
	free(s->init_req);
	s->init_req = malloc(len);
	if (!s->init_req) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	memcpy(s->init_req, sa->w->txbuf, len);
	s->init_req_len = len;
	sa->state = IKE_I_INIT_SENT;
	sa->msgid_next = 1;
	ike_sa_progress(sa, RC_LOG, "sent IKE_SA_INIT request to %s",
			log_no_ip() ? "<address>" : "the peer");
	v2_send_request(sa, sa->w->txbuf, len);
}

static int start(struct ike_worker *w, struct connection *c, uint8_t this_end,
		 struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr,
		 unsigned tries, const struct ip_addr *peer, uint16_t peer_port,
		 const struct ike_sa *redirected_by)
{
	/* IKE_SA_INIT goes from and to the IKE port, whatever SA this one replaces */
	struct net_listener *start_l = ike_start_listener(w->d, l, peer_port);
	struct ike_sa *sa;
	int rc;

	if (!start_l)
		return -EADDRNOTAVAIL;
	l = start_l;
	sa = ike_sa_new(w, true, c, l, NULL);
	net_listener_unref(start_l);	/* the SA holds its own reference */
	if (!sa)
		return -ENOMEM;
	sa->ext->whack = ike_progress_ref(pr);
	sa->ext->tries = tries;
	sa->this_end = this_end;
	sa->local = *local;
	sa->local_port = l->port;
	sa->peer = *peer;
	sa->peer_port = peer_port;
	sa->natt = l->natt;
	if (redirected_by) {
		sa->redirects = (uint8_t)(redirected_by->redirects + 1);
		sa->ext->redirected_from = redirected_by->peer;
	}
	if (ike_sa_set_peer_id(sa, c->id[1 - this_end]) < 0 || !ike_sa_setup_new(sa)) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return -ENOMEM;
	}
	sa->setup->dh = proposal_set_first_dh(c->cfg->ike_props);
	if (w->d->initiator_ke)
		sa->setup->ke = w->d->initiator_ke(w->d->initiator_ke_ctx, sa->setup->dh);
	if (ike_setup_bytes(&sa->setup->ni, &sa->setup->ni_len, NULL, V2_NONCE_LEN) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return -ENOMEM;
	}
	sa->state = IKE_I_KEYGEN;
	ike_sa_progress(sa, RC_LOG, "initiating IKEv2 connection%s",
			redirected_by ? " (redirected)" : tries ? " (another keying attempt)" : "");
	rc = v2_kex_submit(sa, NULL, 0);
	if (rc < 0)
		ike_sa_fail(sa, RC_CRYPTOFAILED, "cannot queue the key exchange: %s", strerror(-rc));
	return 0;
}

int v2_initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr,
		unsigned tries)
{
	const struct conn_end_spec *peer = &c->spec->end[1 - this_end];

	/* Every way of starting a connection (whack, a trap, DPD, keyingtries) comes here. */
	if (c->spec->policy & POL_IKEV1)
		return v1_initiate(w, c, this_end, l, local, pr);
	return start(w, c, this_end, l, local, pr, tries, ike_conn_host(c, (uint8_t)(1 - this_end)),
		     peer->ikeport, NULL);
}

int v2_initiate_redirected(struct ike_sa *old, const struct ip_addr *gw)
{
	if (gw->af != old->local.af)
		return -EAFNOSUPPORT;
	return start(old->w, old->conn, old->this_end, old->l, &old->local, ike_sa_whack(old),
		     old->ext->tries, gw, old->conn->spec->end[1 - old->this_end].ikeport, old);
}

/* A fresh attempt after COOKIE or INVALID_KE_PAYLOAD: same SPI, as the RFC allows. */
static void restart(struct ike_sa *sa, bool new_ke)
{
	v2_request_done(sa);
	sa->setup->restarts++;
	if (!new_ke) {
		init_send_request(sa);
		return;
	}
	crypto_ke_free(sa->setup->ke);
	sa->setup->ke = NULL;
	sa->state = IKE_I_KEYGEN;
	if (v2_kex_submit(sa, NULL, 0) < 0)
		ike_sa_fail(sa, RC_CRYPTOFAILED, "cannot queue the key exchange");
}

static const char *notify_name(uint16_t t)
{
	switch (t) {
	case V2N_NO_PROPOSAL_CHOSEN:
		return "NO_PROPOSAL_CHOSEN";
	case V2N_INVALID_KE_PAYLOAD:
		return "INVALID_KE_PAYLOAD";
	case V2N_AUTHENTICATION_FAILED:
		return "AUTHENTICATION_FAILED";
	case V2N_INVALID_SYNTAX:
		return "INVALID_SYNTAX";
	case V2N_TS_UNACCEPTABLE:
		return "TS_UNACCEPTABLE";
	case V2N_TEMPORARY_FAILURE:
		return "TEMPORARY_FAILURE";
	case V2N_INVALID_MAJOR_VERSION:
		return "INVALID_MAJOR_VERSION";
	case V2N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case V2N_INTERNAL_ADDRESS_FAILURE:
		return "INTERNAL_ADDRESS_FAILURE";
	case V2N_FAILED_CP_REQUIRED:
		return "FAILED_CP_REQUIRED";
	case V2N_SINGLE_PAIR_REQUIRED:
		return "SINGLE_PAIR_REQUIRED";
	case V2N_NO_ADDITIONAL_SAS:
		return "NO_ADDITIONAL_SAS";
	case V2N_CHILD_SA_NOT_FOUND:
		return "CHILD_SA_NOT_FOUND";
	}
	return "an error notify";
}

const char *v2_notify_name(uint16_t t)
{
	return notify_name(t);
}

/* The first error notify (type below 16384) of m, or 0. */
uint16_t v2_first_error(const struct v2_msg *m)
{
	for (unsigned i = 0; i < m->npl; i++)
		if (m->pl[i].type == V2_PL_NOTIFY && m->pl[i].u.notify.type < 16384)
			return m->pl[i].u.notify.type;
	return 0;
}

void v2_init_response(struct ike_sa *sa, struct ike_input *in)
{
	struct net_rx *rx = in->rx;
	struct v2_msg *m = in->m;
	struct ike_setup *s = sa->setup;
	const struct v2_notification *n;
	struct v2_suite suite;
	const struct v2_payload *sa_pl, *ke_pl, *nr_pl;
	char why[160];
	uint16_t err;

	if (v2_redirect_init_response(sa, m))
		return;
	n = v2_msg_notify(m, V2N_COOKIE);
	if (n && s->restarts < V2_MAX_RESTARTS && n->len <= V2_COOKIE_MAX) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_COOKIES_RECEIVED);
		if (ike_setup_bytes(&s->cookie, &s->cookie_len, n->data, n->len) < 0) {
			ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
			return;
		}
		ike_sa_progress(sa, RC_LOG, "the responder is busy and asks for a cookie");
		restart(sa, false);
		return;
	}
	n = v2_msg_notify(m, V2N_INVALID_KE_PAYLOAD);
	if (n && n->len == 2) {
		uint16_t want = (uint16_t)(n->data[0] << 8 | n->data[1]);
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_INVALID_KE_RECEIVED);
		if (want != s->dh && proposal_set_has_dh(sa->conn->cfg->ike_props, want) &&
		    s->restarts < V2_MAX_RESTARTS) {
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_INVALID_KE_RETRIED);
			ike_sa_progress(sa, RC_LOG,
					"the responder wants key exchange group %u; retrying with it",
					want);
			s->dh = want;
			restart(sa, true);
			return;
		}
		ike_sa_fail(sa, v2_notify_rc(V2N_INVALID_KE_PAYLOAD),
			    "IKE_SA_INIT rejected: INVALID_KE_PAYLOAD for group %u, which we do not propose",
			    want);
		return;
	}
	err = v2_first_error(m);
	if (err) {
		ike_sa_fail(sa, v2_notify_rc(err), "IKE_SA_INIT rejected with %s", notify_name(err));
		return;
	}
	if (v2_rules_check(m, why, sizeof(why)) != 0) {
		v2_drop(sa->w, rx, why);
		return;
	}
	sa_pl = v2_msg_get(m, V2_PL_SA);
	ke_pl = v2_msg_get(m, V2_PL_KE);
	nr_pl = v2_msg_get(m, V2_PL_NONCE);
	if (!sa_pl || !ke_pl || !nr_pl) {
		v2_drop(sa->w, rx, "IKE_SA_INIT response without SA, KE or Nr");
		return;
	}
	if (proposal_check_reply(sa->conn->cfg->ike_props, sa_pl->u.sa, V2_PROTO_IKE, &suite) < 0) {
		ike_sa_fail(sa, RC_FATAL, "IKE_SA_INIT response chose a proposal we did not offer");
		return;
	}
	if (suite.dh != s->dh || ke_pl->u.ke.group != s->dh) {
		ike_sa_fail(sa, RC_FATAL, "IKE_SA_INIT response KE group %u, expected %u",
			    ke_pl->u.ke.group, s->dh);
		return;
	}
	/* Every check passed: commit. */
	memcpy(sa->spi_r, m->hdr.spir, 8);
	sa->suite = suite;
	s->init_resp = malloc(rx->len);
	if (!s->init_resp ||
	    ike_setup_bytes(&s->nr, &s->nr_len, nr_pl->u.nonce.data, nr_pl->u.nonce.len) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	memcpy(s->init_resp, rx->msg, rx->len);
	s->init_resp_len = rx->len;
	natd_check(sa, m);
	v2_auth_init_note(sa, m);
	v2_frag_init_note(sa, m);
	v2_redirect_init_note(sa, m);
	v2_request_done(sa);
	ike_stats_init_done(sa);
	sa->state = IKE_I_DERIVE;
	if (v2_kex_submit(sa, ke_pl->u.ke.data, ke_pl->u.ke.len) < 0)
		ike_sa_fail(sa, RC_CRYPTOFAILED, "cannot queue the key derivation");
}

/* ---- responder ---- */

static void cookie_make(const struct ike_daemon *d, const struct v2_hdr *h, const struct ip_addr *ip,
			const struct v2_nonce *ni, uint8_t out[V2_COOKIE_LEN])
{
	uint8_t md[CRYPTO_SHA256_LEN];
	struct iovec iov[4] = {
		{ (void *)ni->data, ni->len },
		{ (void *)ip->b, ip->af == AF_INET ? 4 : 16 },
		{ (void *)h->spii, 8 },
		{ (void *)d->cookie_secret, sizeof(d->cookie_secret) },
	};
	crypto_sha256(iov, 4, md);
	out[0] = 1;	/* secret version */
	memcpy(out + 1, md, V2_COOKIE_LEN - 1);
}

/*
 * Cookies (RFC 7296 2.6) when told to, or in auto mode once the half-open
 * SAs of the whole daemon hold an eighth of their memory budget (the
 * budget itself is the hard cap: ike_half_open_admit()) or number
 * --ddos-ike-threshold: a flood aimed at one worker or spread over all of
 * them engages cookies at the same cost, and cookie-verified requests
 * still have seven eighths of the budget before the cap. An eighth (8 MiB)
 * keeps the number of spoofed requests that each get a key exchange
 * before cookies engage about where it was when a half-open SA cost
 * twice what it does now (bench/README.md, "Hostile load").
 */
bool ike_daemon_cookies_required(struct ike_daemon *d)
{
	int mode = atomic_load(&d->ddos_mode);

	if (d->force_busy || mode == 1)
		return true;
	if (mode == 2)
		return false;
	return atomic_load(&d->half_open_bytes) >= d->half_open_budget / IKE_HALF_OPEN_COOKIE_SHARE ||
	       atomic_load(&d->half_open_count) >= d->ddos_ike_threshold;
}

/*
 * The datagram waited cookie_queue_ms or more between the kernel taking it
 * in and now, or its key exchange would wait behind IKE_COOKIE_QUEUE_JOBS
 * of the worker's: the worker is behind. CLOCK_REALTIME, the timestamp's
 * clock: a step of the clock misjudges the datagrams of one batch at most.
 */
static bool worker_behind(const struct ike_worker *w, const struct net_rx *rx)
{
	uint32_t limit = w->d->cookie_queue_ms;

	if (limit == UINT32_MAX)
		return false;
	/* or would wait: the worker's key exchanges are a batch behind */
	if (crypto_jobq_depth(w->d->jobq, w->index) >= IKE_COOKIE_QUEUE_JOBS)
		return true;
	if (rx->d->rx_ns <= 0)
		return false;
	return (int64_t)log_realtime_ns() - rx->d->rx_ns >= (int64_t)limit * 1000000;
}

/*
 * The daemon is busy, or this worker holds its share of
 * --ddos-ike-threshold (the IKE_SA_INIT spread is unkeyed, so a flood aimed
 * at one worker gets cookies before it fills that worker's share of
 * --max-halfopen-ike and locks out the clients steered there), or the
 * worker is behind (worker_behind()). *why_queue: only that says so.
 */
static bool is_busy(const struct ike_worker *w, const struct net_rx *rx, bool *why_queue)
{
	const struct ike_daemon *d = w->d;

	*why_queue = false;
	if (ike_daemon_cookies_required(w->d))
		return true;
	if (atomic_load(&d->ddos_mode) != 0)
		return false;
	if (w->half_open >= (d->ddos_ike_threshold + d->nworkers - 1) / d->nworkers)
		return true;
	*why_queue = worker_behind(w, rx);
	return *why_queue;
}

/*
 * A request with a COOKIE from the initiator SPI and address of a
 * half-open SA of ours, and not the request that SA was made from (those
 * bytes are kept: AUTH signs them): the initiator has moved on, returning
 * the cookie that one copy of its first request was asked for while
 * another copy (a retransmission, once we were below the threshold) made
 * the SA. Answered with the old SA's response, its AUTH would sign one
 * request and we would check the other (AUTHENTICATION_FAILED); the new
 * request gets a new SA instead, which replaces the old one. A request
 * without a cookie never replaces one: copies of the first request that
 * arrive late must not undo the initiator's step.
 */
static bool is_new_attempt(const struct ike_sa *old, const struct ike_worker *w,
			   const struct net_rx *rx, const struct v2_msg *m)
{
	const struct ike_setup *s = old->setup;

	if (old->w != w || old->initiator || !s || !s->init_req ||
	    (old->state != IKE_R_KEX && old->state != IKE_R_INIT_SENT) ||
	    !v2_msg_notify(m, V2N_COOKIE))
		return false;
	return s->init_req_len != rx->len || memcmp(s->init_req, rx->msg, rx->len) != 0;
}

/*
 * Where n bytes at data, inside the message msg of len bytes, are in copy,
 * a copy of msg; NULL if they are not inside msg (or copy differs there).
 * A half-open SA keeps the nonces where its IKE_SA_INIT messages have them.
 */
static uint8_t *in_copy(uint8_t *copy, const uint8_t *msg, size_t len, const uint8_t *data,
			size_t n)
{
	uintptr_t m = (uintptr_t)msg, d = (uintptr_t)data;

	if (d < m || d - m > len || n > len - (d - m) || memcmp(copy + (d - m), data, n) != 0)
		return NULL;
	return copy + (d - m);
}

/*
 * A copy of the request rx (what the initiator's AUTH signs), and in *ni
 * where Ni (ni_pl) is in it; NULL when out of memory.
 */
static uint8_t *request_copy(const struct net_rx *rx, const struct v2_payload *ni_pl,
			     uint8_t **ni)
{
	uint8_t *copy = malloc(rx->len);

	if (!copy)
		return NULL;
	memcpy(copy, rx->msg, rx->len);
	*ni = in_copy(copy, rx->msg, rx->len, ni_pl->u.nonce.data, ni_pl->u.nonce.len);
	return copy;
}

static void init_resend(struct ike_sa *sa);

/*
 * Whether a request that is_new_attempt() found different from old's is
 * still the same attempt: the same Ni and KE value, sent again with a
 * cookie (RFC 7296 2.6) after another copy of it made old. A client that
 * got a cookie for one copy of its request while a retransmitted copy made
 * old resends it with the cookie, and may take old's response as the
 * answer: old must answer it and check the client's AUTH against it (the
 * request the client signs), not give way to a new SA whose SPI the client
 * never learns (bench/storm.sh, 2026-12-06: about 0.1 % of a storm's
 * clients failed so, their IKE_AUTH sent to an SA gone).
 */
static bool is_same_attempt(const struct ike_sa *old, const struct v2_payload *ke_pl,
			    const struct v2_payload *ni_pl)
{
	const struct ike_setup *s = old->setup;

	return s->ni && s->ni_len == ni_pl->u.nonce.len &&
	       memcmp(s->ni, ni_pl->u.nonce.data, s->ni_len) == 0 && ke_pl->u.ke.len > 0 &&
	       memmem(s->init_req, s->init_req_len, ke_pl->u.ke.data, ke_pl->u.ke.len) != NULL;
}

/* sa's request is now this one (is_same_attempt()); the response goes again. */
static void adopt_request(struct ike_sa *sa, struct net_rx *rx, const struct v2_payload *ni_pl)
{
	struct ike_setup *s = sa->setup;
	uint8_t *ni = NULL, *copy = request_copy(rx, ni_pl, &ni);

	if (!ni) {	/* no memory (Ni is in the request it came in) */
		free(copy);
		v2_drop(sa->w, rx, "out of memory for an IKE_SA_INIT request");
		return;
	}
	if (s->ni_in_req)
		s->ni = ni;
	free(s->init_req);
	s->init_req = copy;
	s->init_req_len = (uint32_t)rx->len;
	ike_half_open_charge_sa(sa);
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
	log_limited(LOG_INFO, 5, "half-open IKE SA answers its request again, with a cookie",
		    "#%llu: the initiator sent its IKE_SA_INIT request again with a cookie: "
		    "answered by the same SA", (unsigned long long)sa->serial);
	init_resend(sa);
}

#define HALF_OPEN_FULL "too many half-open IKE SAs (on this worker, or in all)"

void v2_init_request(struct ike_worker *w, struct net_rx *rx, struct v2_msg *m)
{
	struct ike_daemon *d = w->d;
	const struct v2_hdr *h = &m->hdr;
	struct sa_node *node;
	struct connection *c;
	struct v2_suite suite;
	struct v2_proposal accepted;
	const struct v2_payload *sa_pl, *ke_pl, *ni_pl;
	uint8_t this_end, num, spi_i_be[8];
	uint8_t want[V2_COOKIE_LEN];
	const struct v2_notification *got;
	struct ike_sa *stale = NULL;
	bool verified = false, busy, behind;
	char why[160];
	uint64_t ispi = 0;
	int i;

	for (i = 0; i < 8; i++)
		ispi = ispi << 8 | h->spii[i];
	rcu_read_lock();
	node = sadb_sa_table_lookup_init_rcu(&d->sas, ispi, &rx->d->peer, rx->d->peer_port);
	rcu_read_unlock();
	if (node) {
		struct ike_sa *old = caa_container_of(node, struct ike_sa, node);
		if (is_new_attempt(old, w, rx, m)) {
			stale = old;	/* replaced below, once this request is admitted */
		} else if (old->w == w && old->state == IKE_R_INIT_SENT &&
			   (old->resp || (old->setup && old->setup->resp_rebuilt))) {
			counters_inc(d->ctr, w->index, IKEC_RX_RETRANSMIT);
			init_resend(old);
			return;
		} else {
			v2_drop(w, rx, "IKE_SA_INIT retransmission while we compute");
			return;
		}
	}
	if (v2_rules_check(m, why, sizeof(why)) != 0) {
		v2_drop(w, rx, why);
		return;
	}
	sa_pl = v2_msg_get(m, V2_PL_SA);
	ke_pl = v2_msg_get(m, V2_PL_KE);
	ni_pl = v2_msg_get(m, V2_PL_NONCE);
	if (!sa_pl || !ke_pl || !ni_pl) {
		v2_drop(w, rx, "IKE_SA_INIT request without SA, KE or Ni");
		return;
	}
	/* Under load: no state before the peer proves it sees our answers (2.6). */
	got = v2_msg_notify(m, V2N_COOKIE);
	busy = is_busy(w, rx, &behind);
	if (got || busy) {
		cookie_make(d, h, &rx->d->peer, &ni_pl->u.nonce, want);
		verified = got && got->len == V2_COOKIE_LEN &&
			   crypto_memeq(got->data, want, V2_COOKIE_LEN);
	}
	if (busy && !verified) {
		if (behind)
			counters_inc(d->ctr, w->index, IKEC_BACKLOG_COOKIES);
		counters_inc(d->ctr, w->index, IKEC_COOKIES_SENT);
		v2_send_init_notify(w, rx, h, V2N_COOKIE, want, V2_COOKIE_LEN);
		return;
	}
	if (verified)
		counters_inc(d->ctr, w->index, IKEC_COOKIES_VERIFIED);
	if (stale && is_same_attempt(stale, ke_pl, ni_pl)) {
		if (stale->state == IKE_R_INIT_SENT)
			adopt_request(stale, rx, ni_pl);
		else	/* its key exchange reads Ni in the request it has */
			v2_drop(w, rx, "IKE_SA_INIT retransmission while we compute");
		return;
	}
	if (v2_redirect_init_request(w, rx, m, &ni_pl->u.nonce))
		return;
	/*
	 * No room for one more half-open SA: dropped before the connection
	 * and the proposal are looked for, as it would be after them. In a
	 * storm at the cap, the clients that returned their cookie resend it
	 * while they wait: 1.7-2.9 verified per SA made (bench/README.md,
	 * "The half-open cap first").
	 */
	if (ike_half_open_full(w)) {
		v2_drop(w, rx, HALF_OPEN_FULL);
		return;
	}
	c = ike_conn_for_responder(d, &rx->d->local, &rx->d->peer, &this_end);
	if (!c) {
		v2_drop(w, rx, "no connection for this pair of addresses");
		counters_inc(d->ctr, w->index, IKEC_NO_PROPOSAL_SENT);
		ike_stats_failed(w, IKE_XS_SA_INIT, IKE_ROLE_RESPONDER, IKE_FAIL_N_NO_PROPOSAL_CHOSEN);
		v2_send_init_notify(w, rx, h, V2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (proposal_match_dh_hint(c->cfg->ike_props, sa_pl->u.sa, V2_PROTO_IKE, ke_pl->u.ke.group,
				   &suite, &num, &accepted) < 0) {
		counters_inc(d->ctr, w->index, IKEC_NO_PROPOSAL_SENT);
		ike_stats_failed(w, IKE_XS_SA_INIT, IKE_ROLE_RESPONDER, IKE_FAIL_N_NO_PROPOSAL_CHOSEN);
		log_limited(LOG_INFO, 10, "IKE_SA_INIT: no acceptable proposal",
			    "\"%s\": IKE_SA_INIT: no acceptable proposal", c->spec->name);
		v2_send_init_notify(w, rx, h, V2N_NO_PROPOSAL_CHOSEN, NULL, 0);
		ike_connection_unref(c);
		return;
	}
	if (suite.dh != ke_pl->u.ke.group) {
		uint8_t g[2] = { (uint8_t)(suite.dh >> 8), (uint8_t)suite.dh };
		counters_inc(d->ctr, w->index, IKEC_INVALID_KE_SENT);
		v2_send_init_notify(w, rx, h, V2N_INVALID_KE_PAYLOAD, g, 2);
		ike_connection_unref(c);
		return;
	}
	/* Every check passed: room for one more half-open SA? */
	switch (ike_half_open_admit(w, &rx->d->peer, verified)) {
	case IKE_ADMIT_OK:
		break;
	case IKE_ADMIT_COOKIE:
		/* One address over its cap: a NAT of many clients answers, a spoofer does not. */
		ike_connection_unref(c);
		cookie_make(d, h, &rx->d->peer, &ni_pl->u.nonce, want);
		counters_inc(d->ctr, w->index, IKEC_COOKIES_SENT);
		v2_send_init_notify(w, rx, h, V2N_COOKIE, want, V2_COOKIE_LEN);
		return;
	case IKE_ADMIT_FULL:
		ike_connection_unref(c);
		v2_drop(w, rx, HALF_OPEN_FULL);
		return;
	}
	if (stale) {
		log_limited(LOG_INFO, 5, "half-open IKE SA replaced by a new request",
			    "#%llu: half-open IKE SA replaced: the initiator sent another "
			    "IKE_SA_INIT request with its SPI", (unsigned long long)stale->serial);
		ike_sa_free(stale);
	}
	memcpy(spi_i_be, h->spii, 8);
	struct ike_sa *sa = ike_sa_new_half_open(w, c, rx->l, spi_i_be);
	ike_connection_unref(c);	/* the SA holds its own reference */
	if (!sa) {
		ike_half_open_cancel(w, &rx->d->peer, verified);
		v2_drop(w, rx, "out of memory for a new IKE SA");
		return;
	}
	sa->node.peer = rx->d->peer;
	sa->node.peer_port = rx->d->peer_port;
	if (sadb_sa_table_add_init(&d->sas, &sa->node) < 0) {
		ike_half_open_cancel(w, &rx->d->peer, verified);
		ike_sa_free(sa);
		return;
	}
	sa->peer = rx->d->peer;
	/* What it holds until IKE_AUTH is charged as it is allocated (ike_half_open_charge_sa()). */
	ike_half_open_begin(sa, 0, verified);
	sa->this_end = this_end;
	sa->local = rx->d->local;
	sa->local_port = rx->l->port;
	sa->peer_port = rx->d->peer_port;
	sa->natt = rx->l->natt;
	sa->suite = suite;
	if (!ike_sa_setup_new(sa))
		goto fail;
	sa->setup->dh = suite.dh;
	sa->setup->init_local_port = rx->l->port;
	/* echoed in the response: kept as a few bits when they give it back, else whole */
	if (proposal_rebuilds(&accepted, &suite)) {
		sa->setup->accepted_listed = proposal_listed_types(&accepted);
		sa->setup->accepted_spi = accepted.spi_size != 0;
	} else {
		sa->setup->ike_accepted = malloc(sizeof(accepted));
		if (!sa->setup->ike_accepted)
			goto fail;
		*sa->setup->ike_accepted = accepted;
	}
	sa->setup->child_num = num;
	/* The request itself, at its size: the initiator's AUTH signs it. */
	sa->setup->init_req = request_copy(rx, ni_pl, &sa->setup->ni);
	if (!sa->setup->init_req)
		goto fail;
	sa->setup->init_req_len = (uint32_t)rx->len;
	/* Ni is in it: no copy of its own */
	sa->setup->ni_len = ni_pl->u.nonce.len;
	sa->setup->ni_in_req = sa->setup->ni != NULL;
	if ((!sa->setup->ni && ike_setup_bytes(&sa->setup->ni, &sa->setup->ni_len,
					       ni_pl->u.nonce.data, ni_pl->u.nonce.len) < 0) ||
	    ike_setup_bytes(&sa->setup->nr, &sa->setup->nr_len, NULL, V2_NONCE_LEN) < 0)
		goto fail;
	ike_half_open_charge_sa(sa);
	natd_check(sa, m);
	v2_auth_init_note(sa, m);
	v2_frag_init_note(sa, m);
	v2_redirect_init_note(sa, m);
	sa->state = IKE_R_KEX;
	timer_arm(&net_pool_worker(d->pool, w->index)->timers, &sa->life,
		  ike_now(w) + ike_state_info(IKE_R_KEX)->timeout_ms);
	if (v2_kex_submit(sa, ke_pl->u.ke.data, ke_pl->u.ke.len) < 0)
		goto fail;
	ike_half_open_charge_sa(sa);	/* its key exchange too, until it ends (kex_done()) */
	return;
fail:
	v2_drop(w, rx, "out of resources for a new IKE SA");
	ike_sa_free(sa);
}

/*
 * A responder's IKE_SA_INIT response into w->txbuf (*len bytes, Nr at
 * *nr_at): the first time, and again when it is not kept (resp_rebuilt)
 * and a retransmitted request or our AUTH needs it. The same bytes every
 * time: the accepted proposal from the suite (or as kept), the NAT-D of
 * the addresses and ports the request came with (the SA may have moved to
 * the NAT-T port since), SIGNATURE_HASH_ALGORITHMS as first decided.
 */
static int init_response_build(struct ike_sa *sa, const uint8_t *pub, size_t pub_len,
			       size_t *len, size_t *nr_at)
{
	struct ike_setup *s = sa->setup;
	struct v2_sa *sa_pl = sa->w->sa_scratch;
	struct v2_proposal accepted;
	struct v2_build b;
	struct v2_ke ke = { .group = s->dh, .len = (uint16_t)pub_len, .data = pub };
	struct v2_nonce nr = { .len = s->nr_len, .data = s->nr };

	if (s->ike_accepted)
		accepted = *s->ike_accepted;
	else
		proposal_of_suite(&sa->suite, s->accepted_listed, s->child_num,
				  s->accepted_spi ? V2_SPI_SIZE : 0, &accepted);
	v2_sa_one(sa_pl, &accepted, s->child_num);
	if (v2_start(sa, &b, V2_IKE_SA_INIT, true, 0, false) < 0)
		return -EMSGSIZE;
	v2_build_sa(&b, sa_pl);
	v2_build_ke(&b, &ke);
	*nr_at = b.w.len + V2_GEN_HDR_SIZE;
	v2_build_nonce(&b, &nr);
	build_natd_of(&b, sa, &sa->local, s->init_local_port, &sa->node.peer, sa->node.peer_port,
		      false);
	v2_frag_init_payloads(sa, &b);
	build_vendor(&b, sa);
	v2_auth_init_payloads(sa, &b);
	return v2_build_finish(&b, len);
}

/*
 * A retransmitted IKE_SA_INIT request: our response again, kept (the
 * response cache's copy, or the one v2_init_resp_keep() kept for AUTH) or
 * built again.
 */
static void init_resend(struct ike_sa *sa)
{
	size_t len, nr_at;

	if (sa->setup->init_resp) {
		v2_send_raw(sa, sa->setup->init_resp, sa->setup->init_resp_len);
		return;
	}
	if (init_response_build(sa, sa->setup->pub, sa->setup->pub_len, &len, &nr_at) == 0)
		v2_send_raw(sa, sa->w->txbuf, len);
}

int v2_init_resp_keep(struct ike_sa *sa)
{
	struct ike_setup *s = sa->setup;
	size_t len, nr_at;

	if (!s || !s->resp_rebuilt || s->init_resp)
		return 0;
	if (init_response_build(sa, s->pub, s->pub_len, &len, &nr_at) < 0)
		return -EMSGSIZE;
	s->init_resp = malloc(len);
	if (!s->init_resp)
		return -ENOMEM;
	memcpy(s->init_resp, sa->w->txbuf, len);
	s->init_resp_len = (uint32_t)len;
	free(s->pub);		/* the response holds it now */
	s->pub = NULL;
	ike_half_open_charge_sa(sa);
	return 0;
}

static void init_respond(struct ike_sa *sa, const uint8_t *pub, size_t pub_len)
{
	struct ike_setup *s = sa->setup;
	bool rebuild = !s->ike_accepted;	/* else a proposal the suite does not give back */
	size_t len, nr_at;

	if ((rebuild && ike_setup_bytes(&s->pub, &s->pub_len, pub, pub_len) < 0) ||
	    init_response_build(sa, pub, pub_len, &len, &nr_at) < 0) {
		ike_sa_free(sa);
		return;
	}
	free(s->ike_accepted);
	s->ike_accepted = NULL;
	if (rebuild) {
		/* Sent, not kept: Nr and our KE value stay, to build it again. */
		s->resp_rebuilt = true;
		sa->msgid_peer++;
		v2_send_raw(sa, sa->w->txbuf, len);
	} else {
		v2_send_response(sa, sa->w->txbuf, len);
		if (!sa->resp) {	/* no memory to keep it (then it was not sent either) */
			ike_sa_free(sa);
			return;
		}
		/* One copy serves both: resent to a retransmitted request, signed by AUTH. */
		s->init_resp = sa->resp;
		s->init_resp_len = (uint32_t)sa->resp_len;
		/* and Nr, which it carries: no copy of its own */
		if (nr_at <= s->init_resp_len && s->nr_len <= s->init_resp_len - nr_at &&
		    memcmp(s->init_resp + nr_at, s->nr, s->nr_len) == 0) {
			crypto_wipe(s->nr, s->nr_len);
			free(s->nr);
			s->nr = s->init_resp + nr_at;
			s->nr_in_resp = true;
		}
	}
	ike_half_open_charge_sa(sa);
	sa->state = IKE_R_INIT_SENT;
	ike_stats_init_done(sa);
}

/*
 * The peer's KE data is no public value of the group: out of range, off
 * the curve, or an X25519/X448 value giving the all-zero secret (RFC 6989,
 * RFC 5903, RFC 8031 2.3; crypto_ke_shared() refused it). A responder
 * answers INVALID_SYNTAX (RFC 7296 3.10.1: a value out of range) and keeps
 * nothing; an initiator gives up the attempt. Counted; the log line is
 * rate-limited, since anyone can send such a value.
 */
static void ke_refused(struct ike_sa *sa)
{
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_KE_REFUSED);
	if (sa->initiator) {
		ike_sa_fail(sa, RC_CRYPTOFAILED,
			    "the responder's KE payload is no valid public value of group %u",
			    sa->setup->dh);
		return;
	}
	log_limited(LOG_INFO, 20, "peer KE values refused",
		    "#%llu: the peer's KE payload is no valid public value of group %u: "
		    "answered INVALID_SYNTAX", (unsigned long long)sa->serial, sa->setup->dh);
	v2_sa_send_init_notify(sa, V2N_INVALID_SYNTAX);
	ike_sa_free(sa);
}

/*
 * Once the keys are derived our private value has served: wipe it now
 * rather than at the end of the negotiation (it is also what a half-open SA
 * would otherwise keep longest).
 */
static void ke_forget(struct ike_setup *s)
{
	crypto_ke_free(s->ke);
	s->ke = NULL;
}

/* A failed key exchange ends the attempt: the initiator says why, a responder drops. */
static bool kex_failed(struct ike_sa *sa, const struct kex_result *r)
{
	if (r->status >= 0)
		return false;
	if (r->peer_refused)
		ke_refused(sa);
	else if (sa->initiator)
		ike_sa_fail(sa, RC_CRYPTOFAILED, "key exchange failed: %s", strerror(-r->status));
	else {
		ike_stats_fail_reason(sa, IKE_FAIL_CRYPTO);
		log_limited(LOG_INFO, 10, "key exchange with the peer's value failed",
			    "#%llu: key exchange with the peer's value failed; dropping",
			    (unsigned long long)sa->serial);
		ike_sa_free(sa);
	}
	return true;
}

/* The job gives our KE back: it is resent after a COOKIE. */
static struct kex_result *take_ke(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;

	sa->setup->ke = r->ke;
	r->ke = NULL;
	return r;
}

void v2_init_keygen_done(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = take_ke(sa, in);

	if (kex_failed(sa, r))
		return;
	if (ike_setup_bytes(&sa->setup->pub, &sa->setup->pub_len, r->pub, r->pub_len) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	init_send_request(sa);
}

void v2_init_derive_done(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = take_ke(sa, in);

	if (kex_failed(sa, r))
		return;
	if (v2_kex_install_keys(sa, r->keys) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory for the IKE SA's keys");
		return;
	}
	ke_forget(sa->setup);
	v2_auth_start(sa);
}

void v2_init_r_kex_done(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = take_ke(sa, in);

	if (kex_failed(sa, r))
		return;
	/* SKEYSEED only, until IKE_AUTH: the keys are derived when it comes */
	if (v2_kex_keep_seed(sa, r->gir, r->gir_len) < 0) {
		ike_stats_fail_reason(sa, IKE_FAIL_INTERNAL);
		log_limited(LOG_INFO, 10, "no room for a half-open SA's SKEYSEED",
			    "#%llu: no room for the IKE SA's SKEYSEED; dropping",
			    (unsigned long long)sa->serial);
		ike_sa_free(sa);
		return;
	}
	ke_forget(sa->setup);
	init_respond(sa, r->pub, r->pub_len);
}
