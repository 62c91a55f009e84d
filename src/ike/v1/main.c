/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Main Mode and Aggressive Mode (RFC 2409 5, 5.4) with pre-shared keys,
 * and with signatures (5.1: ID, [CERT,] SIG in place of ID, HASH; the
 * certificate and signature work is p1_sig.c's, on the common
 * authentication step). Main Mode with pre-shared keys:
 *
 *        Initiator                          Responder
 *       -----------                        -----------
 *        HDR, SA                     -->
 *                                    <--    HDR, SA
 *        HDR, KE, Ni                 -->
 *                                    <--    HDR, KE, Nr
 *        HDR*, IDii, HASH_I          -->
 *                                    <--    HDR*, IDir, HASH_R
 *
 *   HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 *   HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 *
 * The key exchange (our value, then g^xy) runs as crypto jobs
 * (v2/kex.c's, which carry no IKE version); SKEYID and the rest are a few
 * HMACs, computed on the owner when the job is back. Handlers compute
 * into locals and commit to the SA once every check has passed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hash.h"
#include "ike/conn_select.h"
#include "ike/ike_stats.h"
#include "ike/v1/build.h"
#include "ike/v1/exchange.h"
#include "ike/v2/exchange.h"
#include "ike/v1/io.h"
#include "ike/v1/natt.h"
#include "ike/v1/p1_sig.h"
#include "ike/v1/proposal.h"
#include "ike/v1/state.h"
#include "ike/v2/io.h"
#include "ike/v2/kex.h"
#include "util/log.h"

enum {
	V1_NONCE_LEN = 32,
	PSK_MAX = 1024,
	V1_RETRANS_FIRST_MS = 500,
	V1_RETRANS_TIMEOUT_MS = 60000,
	V1_HALF_OPEN_MS = 30000,
	DEFAULT_IKE_LIFE_S = 28800,	/* libreswan's ikelifetime= (8h) */
};

/*
 * The Phase 1 authentication method our end this_end of c proposes and
 * takes: PSK or signatures (both ends alike: v1_connection_check()), the
 * signature method our key makes (v1_sig_method()), with XAUTH where an
 * end runs it (draft-beaulieu-ike-xauth 3).
 */
int v1_p1_auth(struct ike_daemon *d, const struct connection *c, uint8_t this_end,
	       const char **why)
{
	bool xauth = false;

	for (int i = 0; i < 2; i++)
		if (c->spec->end[i].xauth_server || c->spec->end[i].xauth_client)
			xauth = true;
	if (c->cfg->auth[0].classes & IKE_AUTHC_PSK)
		return xauth ? V1_AUTH_XAUTH_I_PSK : V1_AUTH_PSK;
	return v1_sig_method(d, c, this_end, xauth, why);
}

static bool is_sig(const struct ike_sa *sa)
{
	return v1_p1_is_sig(sa->v1->p1.auth);
}

/* ---- the SA's IKEv1 state ---- */

struct v1_state *v1_state_new(struct ike_sa *sa)
{
	sa->v1 = calloc(1, sizeof(*sa->v1));
	return sa->v1;
}

void v1_state_free(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;

	if (!s)
		return;
	crypto_ke_free(s->ke);
	v1_qm_free_all(sa);
	v1_sig_pend_free(sa);
	if (s->psk) {
		crypto_wipe(s->psk, s->psk_len);
		free(s->psk);
	}
	if (s->xauth_pass) {
		crypto_wipe(s->xauth_pass, s->xauth_pass_len);
		free(s->xauth_pass);
	}
	free(s->sai_b);
	free(s->own_id_b);
	free(s->peer_id_b);
	free(s->answer);
	crypto_wipe(s, sizeof(*s));
	free(s);
	sa->v1 = NULL;
}

/* ---- sending ---- */

static struct net_worker *nw_of(struct ike_worker *w)
{
	return net_pool_worker(w->d->pool, w->index);
}

static int send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct net_dgram d = {
		.buf = (uint8_t *)buf,
		.len = len,
		.peer = sa->peer,
		.peer_port = sa->peer_port,
		.local = sa->local,
	};
	return net_worker_send(nw_of(sa->w), sa->l, &d);
}

static int keep(uint8_t **slot, size_t *slot_len, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	free(*slot);
	*slot = copy;
	*slot_len = len;
	return 0;
}

/* Initiator: our message, retransmitted until the answer comes. */
static int send_request(struct ike_sa *sa, size_t len)
{
	int rc = ike_sa_keep_msg(&sa->req, &sa->req_len, sa->w->txbuf, len);

	if (rc < 0)
		return rc;
	sa->retries = 0;
	timer_arm(&nw_of(sa->w)->timers, &sa->ext->retrans, ike_now(sa->w) + V1_RETRANS_FIRST_MS);
	return send_raw(sa, sa->req, sa->req_len);
}

static void request_done(struct ike_sa *sa)
{
	timer_cancel(&nw_of(sa->w)->timers, &sa->ext->retrans);
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
}

/* Responder: our answer, resent when the peer's message comes again. */
static int send_answer(struct ike_sa *sa, size_t len)
{
	int rc = ike_sa_keep_msg(&sa->resp, &sa->resp_len, sa->w->txbuf, len);

	if (rc < 0)
		return rc;
	/* This answers the message being read: its retransmission gets the answer again. */
	memcpy(sa->v1->last_rx, sa->v1->rx_digest, sizeof(sa->v1->last_rx));
	sa->v1->have_last_rx = true;
	return send_raw(sa, sa->resp, sa->resp_len);
}

/* The same for the other exchanges (quick.c). */
int v1_send_request(struct ike_sa *sa, size_t len)
{
	return send_request(sa, len);
}

void v1_request_done(struct ike_sa *sa)
{
	request_done(sa);
}

int v1_send_answer(struct ike_sa *sa, size_t len)
{
	return send_answer(sa, len);
}

int v1_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	return send_raw(sa, buf, len);
}

static int initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		    struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr,
		    bool replacing);

void v1_retrans_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t elapsed, wait;

	if (!sa->req)
		return;
	sa->retries++;
	elapsed = (uint64_t)V1_RETRANS_FIRST_MS * ((1ull << sa->retries) - 1);
	if (elapsed >= V1_RETRANS_TIMEOUT_MS) {
		ike_stats_fail_reason(sa, IKE_FAIL_TIMEOUT);
		ike_sa_progress(sa, RC_NORETRANSMISSION,
				"max number of retransmissions (%u) reached %s", sa->retries - 1,
				ike_state_name(sa->state));
		ike_sa_free(sa);
		return;
	}
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TX_RETRANSMIT);
	dbg(DBG_BASE, "#%llu: IKEv1 retransmission %u", (unsigned long long)sa->serial,
	    sa->retries);
	send_raw(sa, sa->req, sa->req_len);
	wait = (uint64_t)V1_RETRANS_FIRST_MS << sa->retries;
	if (elapsed + wait > V1_RETRANS_TIMEOUT_MS)
		wait = V1_RETRANS_TIMEOUT_MS - elapsed;
	timer_arm(tw, t, ike_now(sa->w) + wait);
}

bool v1_reestablish(struct ike_sa *sa, const char *why)
{
	if (!ike_state_info(sa->state)->established || sa->v1->replaced)
		return false;
	ike_sa_progress(sa, RC_LOG, "%s: re-establishing the ISAKMP SA", why);
	sa->v1->replaced = true;
	if (initiate(sa->w, sa->conn, sa->this_end, sa->l, &sa->local, NULL, true) < 0) {
		sa->v1->replaced = false;
		return false;
	}
	return true;
}

void v1_life_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;

	(void)tw;
	(void)t;
	if (ike_state_info(sa->state)->established && sa->life_is_rekey) {
		/*
		 * Phase 1 re-establishment (libreswan's IKEv1 "replace"): a new
		 * Main or Aggressive Mode; its IPsec SAs move to the new ISAKMP
		 * SA once it is up, and this one is deleted then.
		 */
		sa->life_is_rekey = false;
		timer_arm(tw, t, sa->ext->expire_ms);
		v1_reestablish(sa, "ISAKMP SA rekey time reached");
		return;
	}
	if (ike_state_info(sa->state)->established) {
		ike_sa_progress(sa, RC_LOG, "ISAKMP SA lifetime ended: deleting it");
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_EXPIRED);
		v1_hand_over(sa);
		v1_delete(sa, true);
		return;
	}
	ike_stats_fail_reason(sa, IKE_FAIL_TIMEOUT);
	log_limited(LOG_INFO, 5, "half-open ISAKMP SA timed out",
		    "#%llu: half-open ISAKMP SA timed out", (unsigned long long)sa->serial);
	ike_sa_free(sa);
}

/* The header of our next Main Mode message. */
static int start(struct ike_sa *sa, struct v1_build *b, bool encrypted)
{
	struct v1_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, sa->spi_i, 8);
	memcpy(h.rcookie, sa->spi_r, 8);
	h.exchange = sa->v1->aggressive ? V1_X_AGGRESSIVE : V1_X_MAIN;
	h.flags = encrypted ? V1_FLAG_ENCRYPTION : 0;
	return v1_build_init(b, sa->w->txbuf, V2_TXBUF, &h);
}

/* Pad and encrypt the body with the IV chain (RFC 2409 Appendix B). */
static int seal(struct ike_sa *sa, struct v1_build *b, size_t *len)
{
	struct v1_state *s = sa->v1;
	int rc = v1_build_finish(b, s->block, len);

	if (rc < 0)
		return rc;
	return crypto_v1_cbc(s->p1.encr, s->key, s->key_len, s->iv, sa->w->txbuf + V1_HDR_SIZE,
			     *len - V1_HDR_SIZE, true);
}

/* The body length of the payload whose body starts at off in buf (its header is before it). */
static size_t body_len_at(const uint8_t *buf, size_t off)
{
	return (size_t)(buf[off - 2] << 8 | buf[off - 1]) - V1_GEN_HDR_SIZE;
}

/* The connection's ISAKMP SA lifetime (ikelifetime=), or the default. */
static uint32_t conn_ike_life(const struct connection *c)
{
	return c->spec->ike_lifetime ? c->spec->ike_lifetime : DEFAULT_IKE_LIFE_S;
}

/* ---- keys ---- */

/* The pre-shared key for our ID and the peer's as a connection names them; 0 or -errno. */
static int psk_of(struct ike_sa *sa, const struct ike_id *ours, const struct ike_id *peer,
		  uint8_t *out, size_t *len)
{
	int n = sa->w->d->psk_lookup(sa->w->d->psk_ctx, ours, peer, out, PSK_MAX);

	if (n < 0)
		return n;
	*len = (size_t)n;
	return 0;
}

static int psk_lookup(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;
	uint8_t *buf = malloc(PSK_MAX);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = psk_of(sa, ike_sa_id_local(sa), sa->ext->id_remote, buf, &s->psk_len);
	if (rc < 0) {
		crypto_wipe(buf, PSK_MAX);
		free(buf);
		return rc;
	}
	s->psk = buf;
	return 0;
}

/*
 * SKEYID and its children from g^xy (RFC 2409 5), the encryption key and
 * the Phase 1 IV. The PSK goes once SKEYID is made.
 */
static int derive(struct ike_sa *sa, const uint8_t *gxy, size_t gxy_len)
{
	struct v1_state *s = sa->v1;
	uint8_t skeyid_e[CRYPTO_V1_PRF_MAX];
	int rc;

	s->prf_len = (uint8_t)crypto_v1_hash_len(s->p1.hash);
	s->key_len = (uint8_t)(s->p1.key_bits / 8);
	s->block = (uint8_t)crypto_v1_block_len(s->p1.encr, s->key_len);
	if (!s->prf_len || !s->block)
		return -ENOTSUP;
	if (v1_p1_is_sig(s->p1.auth))
		rc = crypto_v1_skeyid_sig(s->p1.hash, s->ni, s->ni_len, s->nr, s->nr_len, gxy,
					  gxy_len, s->skeyid);
	else
		rc = crypto_v1_skeyid_psk(s->p1.hash, s->psk, s->psk_len, s->ni, s->ni_len, s->nr,
					  s->nr_len, s->skeyid);
	if (!rc)
		rc = crypto_v1_skeyid_dae(s->p1.hash, s->skeyid, gxy, gxy_len, sa->spi_i, sa->spi_r,
					  s->skeyid_d, s->skeyid_a, skeyid_e);
	if (!rc)
		rc = crypto_v1_enc_key(s->p1.hash, skeyid_e, s->key, s->key_len);
	if (!rc)
		rc = crypto_v1_iv_phase1(s->p1.hash, s->gxi, s->gxi_len, s->gxr, s->gxr_len, s->iv,
					 s->block);
	crypto_wipe(skeyid_e, sizeof(skeyid_e));
	crypto_wipe(s->psk, s->psk_len);
	free(s->psk);
	s->psk = NULL;
	s->psk_len = 0;
	return rc;
}

/* HASH_I (initiator's, ours when we initiated) or HASH_R over the ID body id_b. */
static int hash_of(struct ike_sa *sa, bool initiator, const uint8_t *id_b, size_t id_len,
		   uint8_t *out)
{
	struct v1_state *s = sa->v1;
	bool i = initiator;
	struct iovec v[6] = {
		{ i ? s->gxi : s->gxr, i ? s->gxi_len : s->gxr_len },
		{ i ? s->gxr : s->gxi, i ? s->gxr_len : s->gxi_len },
		{ i ? sa->spi_i : sa->spi_r, 8 },
		{ i ? sa->spi_r : sa->spi_i, 8 },
		{ s->sai_b, s->sai_b_len },
		{ (void *)id_b, id_len },
	};
	return crypto_v1_prf(s->p1.hash, s->skeyid, s->prf_len, v, 6, out);
}

/* Our ID payload: our connection end's ID, port and protocol 0 (RFC 2407 4.6.2). */
static int build_id(struct ike_sa *sa, struct v1_build *b, size_t *body_off)
{
	const struct ike_id *me = ike_sa_id_local(sa);
	struct ike_id addr;
	struct v1_id id;

	if (ike_id_is_any(me)) {
		addr = ike_id_from_addr(&sa->local);
		me = &addr;
	}
	id = (struct v1_id){ .type = me->type, .len = me->len, .data = me->data };
	return v1_build_id(b, &id, body_off);
}

/* A KE job: our value (peer NULL) or our value and g^xy. */
static int kex(struct ike_sa *sa, const uint8_t *peer, size_t peer_len)
{
	struct v1_state *s = sa->v1;
	struct v2_kex_params p = {
		.mode = peer ? KEX_GIR : KEX_GEN,
		.group = s->p1.group,
		.ke = s->ke,
		.peer = peer,
		.peer_len = peer_len,
	};
	int rc = v2_kex_run(sa, &p);

	if (rc == 0)
		s->ke = NULL;	/* in the job meanwhile */
	return rc;
}

static void fail(struct ike_sa *sa, enum ike_stats_reason why, unsigned rc, const char *text)
{
	ike_stats_fail_reason(sa, why);
	ike_sa_progress(sa, rc, "%s", text);
	ike_sa_free(sa);
}

/* Initiator: the Phase 1 method we propose (sa->v1->auth); -ENOTSUP when none (the SA is gone). */
static int own_auth(struct ike_sa *sa)
{
	const char *why = NULL;
	int auth = v1_p1_auth(sa->w->d, sa->conn, sa->this_end, &why);

	if (auth < 0) {
		fail(sa, IKE_FAIL_OTHER, RC_FATAL, why);
		return auth;
	}
	sa->v1->auth = (uint16_t)auth;
	return 0;
}

/*
 * Responder: the Phase 1 method our end of c takes, or -ENOTSUP after
 * saying why in the log. When every transform the peer offers has another
 * method, the log says so too (IKEv1 authenticates both ends by one
 * method: its key and ours must make the same).
 */
static int responder_auth(struct ike_daemon *d, const struct connection *c, uint8_t this_end,
			  const struct v1_sa *offer, const char *mode)
{
	const char *why = NULL;
	int auth = v1_p1_auth(d, c, this_end, &why);
	uint64_t other = 0;

	if (auth < 0) {
		log_limited(LOG_INFO, 10, "IKEv1: no Phase 1 method",
			    "\"%s\": %s: no IKEv1 proposal can be accepted: %s", c->spec->name, mode,
			    why);
		return auth;
	}
	for (unsigned t = 0; t < offer->ntrans; t++) {
		for (unsigned a = 0; a < offer->trans[t].nattr; a++) {
			const struct v1_attr *at = &offer->attr[offer->trans[t].first_attr + a];

			if (at->type != V1_A_AUTH)
				continue;
			if (at->value == (uint64_t)auth)
				return auth;
			other = at->value;
		}
	}
	if (other)
		log_limited(LOG_INFO, 10, "IKEv1: Phase 1 method mismatch",
			    "\"%s\": %s: the peer proposes authentication by %s (method %llu) but "
			    "our key makes %s (method %d): IKEv1 authenticates both ends by one "
			    "method", c->spec->name, mode,
			    v1_p1_auth_name(other > UINT16_MAX ? 0 : (uint16_t)other),
			    (unsigned long long)other, v1_p1_auth_name((uint16_t)auth), auth);
	return auth;
}

/* The ISAKMP SA is up. False when it could not be (it is gone then). */
static bool established(struct ike_sa *sa, enum ike_state state)
{
	struct ike_worker *w = sa->w;
	char alg[96], idb[IKE_ID_STRLEN];

	/*
	 * A template's client (a %any road warrior) gets its own instance, as
	 * in IKEv2 (v2/auth.c), which owns its ISAKMP SA, its IPsec SAs and
	 * its Mode Config lease from now on; the template stays configuration.
	 */
	if (!sa->initiator && ike_conn_is_template(sa->conn)) {
		struct connection *inst = ike_sa_client_conn(sa, sa->conn, sa->this_end);

		if (!inst) {
			fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR,
			     "out of memory making the client's connection instance");
			return false;
		}
		ike_sa_set_conn(sa, inst, sa->this_end);
		ike_conn_unuse(&w->d->insts, inst);
	}
	sa->state = state;
	memcpy(sa->v1->p1_iv, sa->v1->iv, sa->v1->block);
	sa->ext->established_ms = ike_now(w);
	ike_half_open_end(sa);
	counters_inc(w->d->ctr, w->index, IKEC_IKE_ESTABLISHED);
	sa->counted_up = true;
	counters_add(w->d->ctr, w->index, IKEC_IKE_UP, 1);
	ike_stats_established(sa, IKE_XS_AUTH);
	sa->ext->expire_ms = ike_now(w) + (uint64_t)sa->v1->p1.life_s * 1000;
	{
		/* the initiator re-establishes it before its end (ikelifetime - margin - fuzz) */
		uint64_t margin = sa->initiator ? ike_rekey_margin_ms(sa->conn->spec,
								       (uint64_t)sa->v1->p1.life_s * 1000)
						: 0;
		sa->life_is_rekey = margin > 0;
		timer_arm(&nw_of(w)->timers, &sa->life, sa->ext->expire_ms - margin);
	}
	v1_dpd_arm(sa);
	v1_natt_keepalive_arm(sa);
	free(sa->v1->sai_b);
	sa->v1->sai_b = NULL;
	free(sa->v1->own_id_b);
	sa->v1->own_id_b = NULL;
	free(sa->v1->peer_id_b);
	sa->v1->peer_id_b = NULL;
	ike_sa_progress(sa, RC_LOG, "Peer ID is %s",
			ike_id_str(sa->ext->id_remote, idb, sizeof(idb)));
	ike_sa_progress(sa, RC_SUCCESS, "ISAKMP SA established {auth=%s %s}",
			v1_p1_auth_name(sa->v1->p1.auth),
			v1_p1_str(&sa->v1->p1, alg, sizeof(alg)));
	/* XAUTH and Mode Config first, where the connection asks for them */
	bool held = v1_xauth_after_p1(sa);

	if (sa->dead)
		return false;	/* XAUTH could not start: the SA is gone */
	if (sa->v1->replacing) {
		/* it replaces older ISAKMP SAs: their IPsec SAs are its own now, and they go */
		struct ike_sa *o, *next;

		for (o = w->sas; o; o = next) {
			next = o->next;
			if (o != sa && o->version == 1 && o->v1 && o->v1->replaced &&
			    o->conn == sa->conn && ip_addr_eq(&o->peer, &sa->peer) &&
			    ike_state_info(o->state)->established) {
				ike_sa_progress(o, RC_LOG, "ISAKMP SA #%llu replaces it",
						(unsigned long long)sa->serial);
				v1_hand_over(o);
				counters_inc(w->d->ctr, w->index, IKEC_IKE_REKEYED);
				v1_delete(o, true);
			}
		}
		if (sa->children)
			return true;
	}
	if (!held && sa->initiator)
		v1_quick_initiate(sa);
	return true;
}

bool v1_hand_over(struct ike_sa *old)
{
	bool was = old->v1->replaced;
	struct ike_sa *n;
	struct child_sa **pp;

	if (!old->children)
		return false;
	old->v1->replaced = true;	/* v1_isakmp_find() looks past it */
	n = v1_isakmp_find(old->w, old->conn, old->this_end, &old->local);
	old->v1->replaced = was;
	if (!n || n == old)
		return false;
	/* IKEv1 IPsec SAs have no parent on the wire: later Quick Modes and Deletes use n */
	for (struct child_sa *c = old->children; c; c = c->next)
		c->sa = n;
	for (pp = &n->children; *pp; pp = &(*pp)->next)
		;
	*pp = old->children;
	old->children = NULL;
	ike_sa_progress(n, RC_LOG, "the IPsec SAs of ISAKMP SA #%llu are this one's now",
			(unsigned long long)old->serial);
	return true;
}

/* A new IKEv1 SA: its state and timers. */
static struct ike_sa *new_sa(struct ike_worker *w, bool initiator, struct connection *c,
			     struct net_listener *l, const uint8_t peer_cookie[8])
{
	struct ike_sa *sa = ike_sa_new(w, initiator, c, l, peer_cookie);

	if (!sa)
		return NULL;
	sa->version = 1;
	timer_init(&sa->ext->retrans, v1_retrans_fire, sa);
	timer_init(&sa->life, v1_life_fire, sa);
	timer_init(&sa->ext->dpd, v1_dpd_fire, sa);
	if (!v1_state_new(sa)) {
		ike_sa_free(sa);
		return NULL;
	}
	return sa;
}

/* ---- initiator ---- */

struct ike_sa *v1_isakmp_find(struct ike_worker *w, const struct connection *c, uint8_t this_end,
			      const struct ip_addr *local)
{
	struct ike_sa *best = NULL;

	for (struct ike_sa *sa = w->sas; sa; sa = sa->next) {
		if (sa->version != 1 || !sa->v1 || sa->v1->replaced ||
		    !ike_state_info(sa->state)->established ||
		    !ip_addr_eq(&sa->peer, ike_conn_host(c, (uint8_t)(1 - this_end))) ||
		    !ip_addr_eq(&sa->local, local))
			continue;
		if (sa->conn != c &&
		    (!ike_id_match(c->id[1 - this_end], sa->ext->id_remote) ||
		     !ike_id_eq(ike_sa_id_local(sa), &c->cfg->id_self[this_end])))
			continue;	/* another peer ID, or another ID of ours */
		if (!best || sa->ext->established_ms > best->ext->established_ms)
			best = sa;	/* the newest */
	}
	return best;
}

static int aggr_initiate(struct ike_sa *sa);

int v1_initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr)
{
	return initiate(w, c, this_end, l, local, pr, false);
}

static int initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		    struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr,
		    bool replacing)
{
	const struct conn_end_spec *peer = &c->spec->end[1 - this_end];
	struct v1_p1_set *set = malloc(sizeof(*set));
	struct v1_sa *form = malloc(sizeof(*form));
	struct net_listener *start_l = NULL;
	struct ike_sa *sa = NULL;
	struct v1_build b;
	size_t len, sa_body;
	char err[256];
	int rc = -ENOMEM;

	if (!set || !form)
		goto out;
	/* an ISAKMP SA with the peer is up: a Quick Mode on it, as libreswan does */
	sa = replacing ? NULL : v1_isakmp_find(w, c, this_end, local);
	if (sa && v1_quick_start(sa, c, this_end, pr) != -EBUSY) {
		rc = 0;
		goto out;
	}
	/* Main Mode 1 goes from and to the IKE port, whatever SA this one replaces */
	start_l = ike_start_listener(w->d, l, peer->ikeport);
	if (!start_l) {
		rc = -EADDRNOTAVAIL;
		goto out;
	}
	l = start_l;
	sa = new_sa(w, true, c, l, NULL);
	if (!sa)
		goto out;
	sa->v1->replacing = replacing;
	rc = 0;
	sa->ext->whack = ike_progress_ref(pr);
	sa->this_end = this_end;
	v1_xauth_creds(sa, pr);
	sa->local = *local;
	sa->local_port = l->port;
	sa->peer = *ike_conn_host(c, (uint8_t)(1 - this_end));
	sa->peer_port = peer->ikeport;
	sa->natt = l->natt;
	if (ike_sa_set_peer_id(sa, c->id[1 - this_end]) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory for the peer's ID");
		goto out;
	}
	if (c->spec->policy & POL_AGGRESSIVE) {
		rc = aggr_initiate(sa);
		goto out;
	}
	ike_sa_progress(sa, RC_LOG, "initiating IKEv1 Main Mode connection");
	if (own_auth(sa) < 0)
		goto out;
	if (v1_p1_set_make(c->spec->ike, sa->v1->auth,
			   c->spec->ike_lifetime ? c->spec->ike_lifetime : DEFAULT_IKE_LIFE_S, set,
			   err, sizeof(err)) < 0 ||
	    v1_p1_set_to_sa(set, form) < 0) {
		fail(sa, IKE_FAIL_OTHER, RC_FATAL, "no IKEv1 proposal to send");
		goto out;
	}
	if (start(sa, &b, false) < 0 || v1_build_sa(&b, form, &sa_body) < 0 ||
	    v1_vids_build(&b, sa) < 0 || v1_build_finish(&b, 0, &len) < 0 ||
	    keep(&sa->v1->sai_b, &sa->v1->sai_b_len, w->txbuf + sa_body,
		 body_len_at(w->txbuf, sa_body)) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot build Main Mode message 1");
		goto out;
	}
	sa->state = IKE_V1_MAIN_I1;
	if (send_request(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 1");
		goto out;
	}
	ike_sa_progress(sa, RC_LOG, "sent Main Mode request");
out:
	if (start_l)
		net_listener_unref(start_l);	/* the SA holds its own reference */
	free(set);
	free(form);
	return rc;
}

/* The one transform of the responder's SA payload, read and checked against what we offered. */
static int answer_transform(const struct ike_sa *sa, const struct v1_sa *got, struct v1_p1 *p1)
{
	struct v1_p1_set set;
	char err[256];
	const struct connection *c = sa->conn;

	if (got->nprop != 1 || got->prop[0].ntrans != 1 || got->prop[0].protocol != V1_PROTO_ISAKMP)
		return -EBADMSG;
	if (v1_p1_of_transform(got, &got->trans[got->prop[0].first_trans], p1) < 0)
		return -ENOTSUP;
	if (v1_p1_set_make(c->spec->ike, sa->v1->auth,
			   c->spec->ike_lifetime ? c->spec->ike_lifetime : DEFAULT_IKE_LIFE_S, &set,
			   err, sizeof(err)) < 0 ||
	    !v1_p1_offered(&set, p1))
		return -ENOENT;
	if (!p1->life_s || p1->life_s > set.t[0].life_s)
		p1->life_s = set.t[0].life_s;
	return 0;
}

void v1_main_i_r1(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;
	struct v1_state *s = sa->v1;
	struct v1_p1 p1;
	static const uint8_t zero[8];

	if (!memcmp(m->hdr.rcookie, zero, 8)) {
		v1_drop(sa->w, in->rx, "Main Mode message 2 without a responder cookie");
		return;
	}
	if (answer_transform(sa, v1_msg_get(m, V1_PL_SA)->u.sa, &p1) < 0) {
		fail(sa, IKE_FAIL_PROTOCOL, RC_FATAL,
		     "the responder chose an IKEv1 transform we did not offer");
		return;
	}
	request_done(sa);
	memcpy(sa->spi_r, m->hdr.rcookie, 8);
	s->p1 = p1;
	v1_vids_read(sa, m);
	s->ni_len = V1_NONCE_LEN;
	crypto_random(s->ni, s->ni_len);
	sa->state = IKE_V1_MAIN_I_KEYGEN;
	if (kex(sa, NULL, 0) < 0)
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot queue the key exchange");
}

/* Message 3 or 4: KE and NONCE. */
static int build_ke_nonce(struct ike_sa *sa, size_t *len)
{
	struct v1_state *s = sa->v1;
	struct v1_build b;
	bool i = sa->initiator;

	if (start(sa, &b, false) < 0 ||
	    v1_build_blob(&b, V1_PL_KE, i ? s->gxi : s->gxr, i ? s->gxi_len : s->gxr_len) < 0 ||
	    v1_build_blob(&b, V1_PL_NONCE, i ? s->ni : s->nr, i ? s->ni_len : s->nr_len) < 0 ||
	    (is_sig(sa) && v1_sig_build_cr(sa, &b) < 0) || v1_natd_build(&b, sa) < 0)
		return -EMSGSIZE;
	return v1_build_finish(&b, 0, len);
}

void v1_main_i_keygen(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;
	struct v1_state *s = sa->v1;
	size_t len;

	if (r->status < 0 || r->pub_len > sizeof(s->gxi)) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "the key exchange failed");
		return;
	}
	s->ke = r->ke;
	r->ke = NULL;
	memcpy(s->gxi, r->pub, r->pub_len);
	s->gxi_len = r->pub_len;
	if (build_ke_nonce(sa, &len) < 0 || send_request(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 3");
		return;
	}
	sa->state = IKE_V1_MAIN_I2;
	ike_sa_progress(sa, RC_LOG, "sent Main Mode I2");
}

/* The peer's KE and NONCE, checked and kept (message 3 or 4). */
static int take_ke_nonce(struct ike_sa *sa, const struct v1_msg *m)
{
	struct v1_state *s = sa->v1;
	const struct v1_blob *ke = &v1_msg_get(m, V1_PL_KE)->u.blob;
	const struct v1_blob *n = &v1_msg_get(m, V1_PL_NONCE)->u.blob;
	bool i = sa->initiator;

	if (ke->len != crypto_ke_public_len(s->p1.group))
		return -EINVAL;
	memcpy(i ? s->gxr : s->gxi, ke->data, ke->len);
	*(i ? &s->gxr_len : &s->gxi_len) = ke->len;
	memcpy(i ? s->nr : s->ni, n->data, n->len);
	*(i ? &s->nr_len : &s->ni_len) = n->len;
	return 0;
}

void v1_main_i_r2(struct ike_sa *sa, struct ike_input *in)
{
	struct v1_state *s = sa->v1;

	if (take_ke_nonce(sa, in->v1m) < 0) {
		fail(sa, IKE_FAIL_OTHER, RC_FATAL,
		     "Main Mode message 4: a KE payload of the wrong length for its group");
		return;
	}
	if (!is_sig(sa) && psk_lookup(sa) < 0) {
		fail(sa, IKE_FAIL_NO_PSK, RC_NOKEY, "no pre-shared key for this connection");
		return;
	}
	request_done(sa);
	v1_sig_note_cr(sa, in->v1m);
	v1_natd_check(sa, in->v1m);
	sa->state = IKE_V1_MAIN_I_DERIVE;
	if (kex(sa, s->gxr, s->gxr_len) < 0)
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot queue the key exchange");
}

/* Message 5 or 6: HDR*, ID, HASH; encrypted with the IV chain. */
static int build_id_hash(struct ike_sa *sa, size_t *len)
{
	uint8_t hash[CRYPTO_V1_PRF_MAX];
	struct v1_build b;
	size_t id_body;
	int rc;

	if (start(sa, &b, true) < 0 || build_id(sa, &b, &id_body) < 0)
		return -EMSGSIZE;
	rc = hash_of(sa, sa->initiator, sa->w->txbuf + id_body, body_len_at(sa->w->txbuf, id_body),
		     hash);
	if (!rc)
		rc = v1_build_blob(&b, V1_PL_HASH, hash, sa->v1->prf_len);
	if (!rc)
		rc = v1_build_initial_contact(sa, &b);	/* message 5 only */
	if (!rc)
		rc = seal(sa, &b, len);
	crypto_wipe(hash, sizeof(hash));
	return rc;
}

/*
 * Signatures: our ID payload's body (kept in own_id_b) and our HASH over
 * it (HASH_I or HASH_R, by our role). txbuf is scratch here.
 */
static int own_id_hash(struct ike_sa *sa, uint8_t *hash)
{
	struct v1_state *s = sa->v1;
	struct v1_build b;
	size_t id_body;

	if (start(sa, &b, true) < 0 || build_id(sa, &b, &id_body) < 0 ||
	    keep(&s->own_id_b, &s->own_id_b_len, sa->w->txbuf + id_body,
		 body_len_at(sa->w->txbuf, id_body)) < 0)
		return -ENOMEM;
	return hash_of(sa, sa->initiator, s->own_id_b, s->own_id_b_len, hash);
}

/* Sign our HASH (Main Mode 5 or 6, Aggressive 2): a job; next is the state meanwhile. */
static int sign_own(struct ike_sa *sa, enum ike_state next)
{
	uint8_t hash[CRYPTO_V1_PRF_MAX];
	int rc = own_id_hash(sa, hash);

	if (!rc)
		rc = v1_sig_submit(sa, NULL, hash, sa->v1->prf_len);
	crypto_wipe(hash, sizeof(hash));
	if (!rc)
		sa->state = next;
	return rc;
}

/* Message 5 or 6 with signatures: HDR*, ID, [CERT,] SIG. */
static int build_id_sig(struct ike_sa *sa, const struct ike_auth_result *r, size_t *len)
{
	struct v1_build b;
	size_t id_body;

	if (start(sa, &b, true) < 0 || build_id(sa, &b, &id_body) < 0 ||
	    v1_sig_build_certs(sa, &b) < 0 ||
	    v1_build_blob(&b, V1_PL_SIG, r->auth, r->auth_len) < 0 ||
	    v1_build_initial_contact(sa, &b) < 0)	/* message 5 only */
		return -EMSGSIZE;
	return seal(sa, &b, len);
}

static void sign_failed(struct ike_sa *sa, int rc)
{
	fail(sa, rc == -ENOKEY ? IKE_FAIL_NO_PSK : IKE_FAIL_CRYPTO,
	     rc == -ENOKEY ? RC_NOKEY : RC_CRYPTOFAILED,
	     rc == -ENOKEY ? "no private key for our certificate or ID: cannot sign"
			   : "cannot make our signature");
}

/*
 * The peer's message with ID and SIG (Main Mode 5 or 6): its ID must be
 * the connection's, HASH over its ID body; then one job verifies SIG
 * against its certificate (and signs ours, with sign). The state is next
 * meanwhile. Returns 0, or -errno with *why: -EPERM for an ID the
 * connection does not accept.
 */
static int check_id_sig(struct ike_sa *sa, const struct ike_input *in, bool sign,
			enum ike_state next, const char **why)
{
	const struct v1_msg *m = in->v1m;
	const struct v1_payload *idp = v1_msg_get(m, V1_PL_ID);
	uint8_t peer[CRYPTO_V1_PRF_MAX], ours[CRYPTO_V1_PRF_MAX];
	struct ike_id id;
	int rc;

	if (v1_msg_get(m, V1_PL_HASH) || !v1_msg_get(m, V1_PL_SIG)) {
		*why = "the peer sent a HASH where signatures were negotiated";
		return -EACCES;
	}
	if (ike_id_from_payload(idp->u.id.type, idp->u.id.data, idp->u.id.len, &id) < 0) {
		*why = "the peer's ID payload is not an identity we can read";
		return -EINVAL;
	}
	if (!ike_id_is_any(sa->ext->id_remote) && !ike_id_match(sa->ext->id_remote, &id)) {
		*why = "the peer's ID is not the one the connection expects";
		return -EPERM;
	}
	*why = "cannot queue the signature check";
	rc = hash_of(sa, !sa->initiator, idp->body, idp->len, peer);
	if (!rc && sign)
		rc = own_id_hash(sa, ours);
	if (!rc)
		rc = v1_sig_take(sa, in->rx, m, &id);
	if (!rc)
		rc = v1_sig_submit(sa, peer, sign ? ours : NULL, sa->v1->prf_len);
	crypto_wipe(peer, sizeof(peer));
	crypto_wipe(ours, sizeof(ours));
	if (rc == -ENOKEY)
		*why = "no private key for our certificate or ID: cannot sign";
	if (!rc)
		sa->state = next;
	return rc;
}

/* The peer's signature verified or not (and ours made, asked): false when the SA is gone. */
static bool sig_result_ok(struct ike_sa *sa, const struct ike_auth_result *r)
{
	char id[IKE_ID_STRLEN];

	ike_auth_note_crl(sa, r);
	if (r->verify < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		log_limited(LOG_INFO, 10, "IKEv1 authentication failed", "#%llu: %s",
			    (unsigned long long)sa->serial, r->why);
		fail(sa, r->verify == -EACCES ? IKE_FAIL_BAD_ID : IKE_FAIL_N_AUTHENTICATION_FAILED,
		     RC_FATAL, r->why);
		return false;
	}
	if (r->sign < 0 || (r->sign == 0 && r->auth_len == 0)) {
		sign_failed(sa, r->sign < 0 ? r->sign : -EIO);
		return false;
	}
	if (r->verify == 0) {
		ike_sa_progress(sa, RC_LOG, "%s%s%s verified the peer %s",
				r->by_cert ? "certificate '" : "", r->by_cert ? r->subject : "",
				r->by_cert ? "'" : "a raw public key",
				ike_id_str(&sa->v1->sig->id, id, sizeof(id)));
	}
	return true;
}

/*
 * The peer's message is authenticated: what it settles (its ID, the IV
 * after it, where it came from). False (sa failed) when out of memory.
 */
static bool sig_accept(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;
	struct v1_sig_pend *p = s->sig;

	if (ike_sa_set_peer_id(sa, &p->id) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory for the peer's ID");
		return false;
	}
	if (p->encrypted)
		memcpy(s->iv, p->iv, s->block);
	memcpy(s->rx_digest, p->rx_digest, sizeof(s->rx_digest));
	if (p->l)
		v1_natt_follow_to(sa, p->l, p->peer_port);
	return true;
}

void v1_main_i_signed(struct ike_sa *sa, struct ike_input *in)
{
	size_t len;

	if (in->auth->sign < 0) {
		sign_failed(sa, in->auth->sign);
		return;
	}
	if (build_id_sig(sa, in->auth, &len) < 0 || send_request(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 5");
		return;
	}
	sa->state = IKE_V1_MAIN_I3;
	ike_sa_progress(sa, RC_LOG, "sent Main Mode I3");
}

void v1_main_i_verified(struct ike_sa *sa, struct ike_input *in)
{
	bool ic;

	if (!sig_result_ok(sa, in->auth))
		return;
	request_done(sa);
	if (!sig_accept(sa))
		return;
	ic = sa->v1->sig->initial_contact;
	v1_sig_pend_free(sa);
	if (!established(sa, IKE_V1_MAIN_I4))
		return;
	v1_initial_contact_seen(sa, ic);
}

void v1_main_r_authed(struct ike_sa *sa, struct ike_input *in)
{
	size_t len;
	bool ic;

	if (!sig_result_ok(sa, in->auth))
		return;
	if (!sig_accept(sa))
		return;
	ic = sa->v1->sig->initial_contact;
	v1_sig_pend_free(sa);
	if (build_id_sig(sa, in->auth, &len) < 0 || send_answer(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 6");
		return;
	}
	if (!established(sa, IKE_V1_MAIN_R3))
		return;
	v1_initial_contact_seen(sa, ic);
}

void v1_main_i_derived(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;
	size_t len;

	if (r->status < 0) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED,
		     r->peer_refused ? "the responder's KE value is no public value of its group"
				     : "the key exchange failed");
		return;
	}
	if (derive(sa, r->gir, r->gir_len) < 0) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot derive the ISAKMP SA's keys");
		return;
	}
	v1_natt_float(sa);	/* RFC 3947 4: message 5 goes from port 4500 behind a NAT */
	if (is_sig(sa)) {
		int rc = sign_own(sa, IKE_V1_MAIN_I_SIGN);

		if (rc < 0)
			sign_failed(sa, rc);
		return;
	}
	if (build_id_hash(sa, &len) < 0 || send_request(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 5");
		return;
	}
	sa->state = IKE_V1_MAIN_I3;
	ike_sa_progress(sa, RC_LOG, "sent Main Mode I3");
}

/*
 * The peer's ID and HASH in message 5 or 6: the HASH is the peer's role's
 * over its ID body, compared in constant time; the ID must be the one the
 * connection names (any, when it names none). *id gets it.
 */
static int check_id_hash(struct ike_sa *sa, const struct v1_msg *m, struct ike_id *id,
			 const char **why)
{
	const struct v1_payload *idp = v1_msg_get(m, V1_PL_ID);
	const struct v1_blob *h = &v1_msg_get(m, V1_PL_HASH)->u.blob;
	uint8_t want[CRYPTO_V1_PRF_MAX];
	bool ok;

	if (hash_of(sa, !sa->initiator, idp->body, idp->len, want) < 0) {
		*why = "cannot compute the HASH";
		return -EIO;
	}
	ok = h->len == sa->v1->prf_len && crypto_memeq(want, h->data, h->len);
	crypto_wipe(want, sizeof(want));
	if (!ok) {
		*why = "the peer's HASH does not match: a different pre-shared key?";
		return -EACCES;
	}
	if (ike_id_from_payload(idp->u.id.type, idp->u.id.data, idp->u.id.len, id) < 0) {
		*why = "the peer's ID payload is not an identity we can read";
		return -EINVAL;
	}
	if (!ike_id_is_any(sa->ext->id_remote) && !ike_id_match(sa->ext->id_remote, id)) {
		*why = "the peer's ID is not the one the connection expects";
		return -EPERM;
	}
	return 0;
}

void v1_main_i_r3(struct ike_sa *sa, struct ike_input *in)
{
	struct ike_id id;
	const char *why;
	int rc;

	if (is_sig(sa)) {
		rc = check_id_sig(sa, in, false, IKE_V1_MAIN_I_VERIFY, &why);
		if (rc < 0) {
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
			fail(sa, rc == -EPERM ? IKE_FAIL_BAD_ID : IKE_FAIL_N_AUTHENTICATION_FAILED,
			     RC_FATAL, why);
		}
		return;
	}
	rc = check_id_hash(sa, in->v1m, &id, &why);
	if (rc < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		fail(sa, rc == -EPERM ? IKE_FAIL_BAD_ID : IKE_FAIL_N_AUTHENTICATION_FAILED, RC_FATAL,
		     why);
		return;
	}
	request_done(sa);
	memcpy(sa->v1->iv, sa->v1->iv_next, sa->v1->block);
	if (ike_sa_set_peer_id(sa, &id) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory for the peer's ID");
		return;
	}
	v1_natt_follow(sa, in->rx);
	if (!established(sa, IKE_V1_MAIN_I4))
		return;
	v1_initial_contact(sa, in->v1m);
}

/* ---- responder ---- */

/* Our answer's SA payload: the peer's proposal number and chosen transform, as offered. */
static void answer_sa(const struct v1_sa *offered, unsigned ti, struct v1_sa *out)
{
	const struct v1_transform *t = &offered->trans[ti];

	v1_sa_init(out);
	v1_sa_add_proposal(out, offered->prop[0].num, V1_PROTO_ISAKMP, NULL, 0);
	v1_sa_add_transform(out, t->num, t->id);
	for (unsigned i = 0; i < t->nattr; i++) {
		out->attr[out->nattr++] = offered->attr[t->first_attr + i];
		out->trans[0].nattr++;
	}
}

/*
 * Our SA for the initiator cookie and peer of a first message, if one
 * exists already (its owner: the same cookie steers here). Context: the
 * receiving worker.
 */
static struct ike_sa *sa_of_first(struct ike_daemon *d, const struct net_rx *rx,
				  const struct v1_msg *m)
{
	struct sa_node *node;
	uint64_t ci = 0;

	for (int i = 0; i < 8; i++)
		ci = ci << 8 | m->hdr.icookie[i];
	rcu_read_lock();
	node = sadb_sa_table_lookup_init_rcu(&d->sas, ci, &rx->d->peer, rx->d->peer_port);
	rcu_read_unlock();
	return node ? caa_container_of(node, struct ike_sa, node) : NULL;
}

void v1_main_first(struct ike_worker *w, struct net_rx *rx, struct v1_msg *m)
{
	struct ike_daemon *d = w->d;
	const struct v1_payload *sap;
	struct v1_p1_set *set = NULL;
	struct v1_sa *form = NULL;
	struct connection *c;
	struct ike_sa *sa;
	struct v1_p1 chosen;
	struct v1_build b;
	uint8_t this_end;
	unsigned ti;
	size_t len;
	char err[256];
	int auth;

	if (v1_msg_kind(m) != V1K_MAIN_SA) {
		v1_drop(w, rx, "Main Mode message 1 without exactly one SA payload");
		return;
	}
	sa = sa_of_first(d, rx, m);
	if (sa) {
		if (sa->w == w && sa->version == 1 && sa->state == IKE_V1_MAIN_R1 && sa->resp) {
			counters_inc(d->ctr, w->index, IKEC_RX_RETRANSMIT);
			send_raw(sa, sa->resp, sa->resp_len);
		} else {
			v1_drop(w, rx, "Main Mode message 1 of an SA already past it");
		}
		return;
	}
	c = ike_conn_for_responder(d, &rx->d->local, &rx->d->peer, &this_end);
	if (c && (c->spec->policy & POL_AGGRESSIVE)) {
		/* libreswan: a connection with aggressive=yes no longer allows Main Mode */
		log_limited(LOG_INFO, 10, "IKEv1: Main Mode to an Aggressive Mode connection",
			    "\"%s\": initial Main Mode message refused: the connection is "
			    "Aggressive Mode only (--aggrmode)", c->spec->name);
		ike_connection_unref(c);
		c = NULL;
	}
	if (!c || !(c->spec->policy & POL_IKEV1)) {
		if (c)
			ike_connection_unref(c);
		log_limited(LOG_INFO, 10, "IKEv1: no connection",
			    "initial Main Mode message received but no IKEv1 connection is "
			    "authorized for this peer");
		v1_send_notify_stateless(w, rx, &m->hdr, V1N_NO_PROPOSAL_CHOSEN);
		v1_drop(w, rx, "no IKEv1 connection for this peer");
		return;
	}
	set = malloc(sizeof(*set));
	form = malloc(sizeof(*form));
	sap = v1_msg_get(m, V1_PL_SA);
	auth = responder_auth(d, c, this_end, sap->u.sa, "Main Mode");
	if (!set || !form || auth < 0 ||
	    v1_p1_set_make(c->spec->ike, (uint16_t)auth, conn_ike_life(c), set, err,
			   sizeof(err)) < 0 ||
	    v1_p1_choose(set, sap->u.sa, &chosen, &ti) < 0) {
		log_limited(LOG_INFO, 10, "IKEv1: no acceptable proposal",
			    "\"%s\": Main Mode: no acceptable Oakley transform", c->spec->name);
		if (v1_send_notify_stateless(w, rx, &m->hdr, V1N_NO_PROPOSAL_CHOSEN))
			counters_inc(d->ctr, w->index, IKEC_NO_PROPOSAL_SENT);
		v1_drop(w, rx, "no acceptable IKEv1 proposal");
		ike_connection_unref(c);
		goto out;
	}
	/* IKEv1 has no cookie round trip to offer: over a cap is a drop. */
	if (ike_half_open_admit(w, &rx->d->peer, false) != IKE_ADMIT_OK) {
		ike_connection_unref(c);
		v1_drop(w, rx, "too many half-open IKE SAs (from this address, or in all)");
		goto out;
	}
	sa = new_sa(w, false, c, rx->l, m->hdr.icookie);
	ike_connection_unref(c);	/* the SA holds its own */
	if (!sa) {
		ike_half_open_cancel(w, &rx->d->peer, false);
		v1_drop(w, rx, "out of memory for a new IKE SA");
		goto out;
	}
	sa->node.peer = rx->d->peer;
	sa->node.peer_port = rx->d->peer_port;
	sa->peer = rx->d->peer;
	sa->peer_port = rx->d->peer_port;
	sa->local = rx->d->local;
	sa->local_port = rx->l->port;
	sa->natt = rx->l->natt;
	sa->this_end = this_end;
	ike_half_open_begin(sa, sizeof(*sa) + sizeof(struct v1_state) + sap->len, false);
	if (ike_sa_set_peer_id(sa, sa->conn->id[1 - this_end]) < 0 ||
	    sadb_sa_table_add_init(&d->sas, &sa->node) < 0 ||
	    keep(&sa->v1->sai_b, &sa->v1->sai_b_len, sap->body, sap->len) < 0) {
		ike_sa_free(sa);
		goto out;
	}
	sa->v1->p1 = chosen;
	v1_vids_read(sa, m);
	crypto_sha256(&(struct iovec){ (void *)rx->msg, rx->len }, 1, sa->v1->rx_digest);
	answer_sa(sap->u.sa, ti, form);
	if (start(sa, &b, false) < 0 || v1_build_sa(&b, form, NULL) < 0 ||
	    v1_vids_build(&b, sa) < 0 || v1_build_finish(&b, 0, &len) < 0 ||
	    send_answer(sa, len) < 0) {
		ike_sa_free(sa);
		goto out;
	}
	sa->state = IKE_V1_MAIN_R1;
	timer_arm(&nw_of(w)->timers, &sa->life, ike_now(w) + V1_HALF_OPEN_MS);
	dbg(DBG_BASE, "#%llu: responding to Main Mode", (unsigned long long)sa->serial);
out:
	free(set);
	free(form);
}

void v1_main_r_i2(struct ike_sa *sa, struct ike_input *in)
{
	struct v1_state *s = sa->v1;

	if (take_ke_nonce(sa, in->v1m) < 0) {
		v1_drop(sa->w, in->rx, "Main Mode message 3: a KE payload of the wrong length");
		return;
	}
	v1_natd_check(sa, in->v1m);
	v1_sig_note_cr(sa, in->v1m);
	if (!is_sig(sa) && !s->psk && psk_lookup(sa) < 0) {
		fail(sa, IKE_FAIL_NO_PSK, RC_NOKEY, "no pre-shared key for this connection");
		return;
	}
	s->nr_len = V1_NONCE_LEN;
	crypto_random(s->nr, s->nr_len);
	sa->state = IKE_V1_MAIN_R_KEX;
	if (kex(sa, s->gxi, s->gxi_len) < 0)
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot queue the key exchange");
}

/*
 * The responder's key exchange came back (Main Mode and Aggressive Mode):
 * keep g^xr and derive the ISAKMP SA's keys. False when it failed (the SA
 * is failed).
 */
static bool responder_keys(struct ike_sa *sa, const struct kex_result *r)
{
	struct v1_state *s = sa->v1;

	if (r->status < 0 || r->pub_len > sizeof(s->gxr)) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED,
		     r->peer_refused ? "the initiator's KE value is no public value of its group"
				     : "the key exchange failed");
		return false;
	}
	memcpy(s->gxr, r->pub, r->pub_len);
	s->gxr_len = r->pub_len;
	if (derive(sa, r->gir, r->gir_len) < 0) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot derive the ISAKMP SA's keys");
		return false;
	}
	return true;
}

void v1_main_r_kex(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;
	size_t len;

	if (!responder_keys(sa, r))
		return;
	if (build_ke_nonce(sa, &len) < 0 || send_answer(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 4");
		return;
	}
	sa->state = IKE_V1_MAIN_R2;
}

/*
 * Whether the ISAKMP SA as negotiated so far fits connection c (our end
 * end) too: IKEv1 Main Mode, the Phase 1 method c takes is the one agreed,
 * c's ike= allows the transform, and with a pre-shared key c's key for its
 * IDs is the one SKEYID was made from.
 */
static bool fits(struct ike_sa *sa, const struct connection *c, uint8_t end)
{
	struct v1_state *s = sa->v1;
	struct v1_p1_set *set;
	uint8_t *a, *b;
	size_t al = 0, bl = 0;
	const char *why;
	char err[160];
	bool ok;

	if (!(c->spec->policy & POL_IKEV1) || (c->spec->policy & POL_AGGRESSIVE) ||
	    v1_p1_auth(sa->w->d, c, end, &why) != (int)s->p1.auth)
		return false;
	set = malloc(sizeof(*set));
	ok = set && v1_p1_set_make(c->spec->ike, s->p1.auth, conn_ike_life(c), set, err,
				   sizeof(err)) == 0 &&
	     v1_p1_offered(set, &s->p1);
	free(set);
	if (!ok || is_sig(sa))
		return ok;
	a = malloc(PSK_MAX);
	b = malloc(PSK_MAX);
	ok = a && b && psk_of(sa, ike_sa_id_local(sa), sa->ext->id_remote, a, &al) == 0 &&
	     psk_of(sa, &c->cfg->id_self[end], c->id[1 - end], b, &bl) == 0 && al == bl &&
	     crypto_memeq(a, b, al);
	if (a)
		crypto_wipe(a, PSK_MAX);
	if (b)
		crypto_wipe(b, PSK_MAX);
	free(a);
	free(b);
	return ok;
}

/*
 * Main Mode message 5 names the peer (the first message that does): as an
 * IKEv2 responder does at IKE_AUTH, go over from the connection chosen by
 * the addresses to the one that names this peer ID, when the connection we
 * are on does not name it and the SA fits the other (fits()). A peer whose
 * ID no connection names stays where it is, and is refused there when
 * that connection names another ID.
 */
static void switch_by_id(struct ike_sa *sa, const struct v1_msg *m)
{
	const struct v1_payload *idp = v1_msg_get(m, V1_PL_ID);
	const struct ike_id *named = sa->ext->id_remote;
	struct connection *better;
	struct ike_id id;
	uint8_t end;

	if (!idp || ike_id_from_payload(idp->u.id.type, idp->u.id.data, idp->u.id.len, &id) < 0 ||
	    (!ike_id_is_any(named) && ike_id_match(named, &id)))
		return;
	better = ike_conn_for_id(sa->w->d, &sa->local, &sa->peer, &id, &end);
	if (!better)
		return;
	if (better != sa->conn && !ike_id_is_any(better->id[1 - end]) &&
	    ike_id_match(better->id[1 - end], &id) && fits(sa, better, end) &&
	    ike_sa_set_peer_id(sa, better->id[1 - end]) == 0) {
		ike_sa_progress(sa, RC_LOG, "switched from \"%s\" to \"%s\" by the peer's ID",
				sa->conn->spec->name, better->spec->name);
		ike_sa_set_conn(sa, better, end);
		if (sa->v1->p1.life_s > conn_ike_life(better))
			sa->v1->p1.life_s = conn_ike_life(better);
	}
	ike_connection_unref(better);
}

void v1_main_r_i3(struct ike_sa *sa, struct ike_input *in)
{
	struct ike_id id;
	const char *why;
	size_t len;
	int rc;

	v1_sig_note_cr(sa, in->v1m);
	switch_by_id(sa, in->v1m);
	rc = is_sig(sa) ? check_id_sig(sa, in, true, IKE_V1_MAIN_R_AUTH, &why)
			: check_id_hash(sa, in->v1m, &id, &why);
	if (rc == 0 && is_sig(sa))
		return;	/* the job's answer goes on in v1_main_r_authed() */
	if (rc == -ENOKEY || rc == -ENOMEM) {
		sign_failed(sa, rc);	/* ours to fix, not the peer's failure */
		return;
	}
	if (rc < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		log_limited(LOG_INFO, 10, "IKEv1 authentication failed", "#%llu: %s",
			    (unsigned long long)sa->serial, why);
		if (rc == -EPERM) {
			/* libreswan's answer, under the keys message 5 proved (its last block the IV base) */
			memcpy(sa->v1->p1_iv, sa->v1->iv_next, sa->v1->block);
			v1_send_notify(sa, in->rx, V1N_INVALID_ID_INFORMATION);
		}
		fail(sa, rc == -EPERM ? IKE_FAIL_BAD_ID : IKE_FAIL_N_AUTHENTICATION_FAILED, RC_FATAL,
		     why);
		return;
	}
	memcpy(sa->v1->iv, sa->v1->iv_next, sa->v1->block);
	if (ike_sa_set_peer_id(sa, &id) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory for the peer's ID");
		return;
	}
	v1_natt_follow(sa, in->rx);	/* message 6 goes where 5 came from: port 4500 behind a NAT */
	if (build_id_hash(sa, &len) < 0 || send_answer(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Main Mode message 6");
		return;
	}
	if (!established(sa, IKE_V1_MAIN_R3))
		return;
	v1_initial_contact(sa, in->v1m);
}

/*
 * A message of one of our IKEv1 SAs: a retransmission of what we already
 * answered gets the answer again; an encrypted Main Mode body is
 * decrypted with the IV chain (committed by the handler that accepts it).
 */
void v1_sa_message(struct ike_sa *sa, struct net_rx *rx, struct v1_msg *m)
{
	struct v1_state *s = sa->v1;
	struct ike_input in = { .rx = rx, .v1m = m };

	crypto_sha256(&(struct iovec){ (void *)rx->msg, rx->len }, 1, s->rx_digest);
	if (s->have_last_rx && sa->resp && crypto_memeq(s->rx_digest, s->last_rx, 32)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
		send_raw(sa, sa->resp, sa->resp_len);
		return;
	}
	if (s->has_tx_final && m->hdr.exchange == V1_X_TRANSACTION &&
	    crypto_memeq(s->rx_digest, s->tx_final, 32)) {
		/* the peer's ACK again (libreswan resends it): it was taken, nothing answers it */
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
		return;
	}
	if (m->encrypted) {
		uint8_t *body = (uint8_t *)rx->msg + V1_HDR_SIZE;
		size_t blen = rx->len - V1_HDR_SIZE;

		bool info = m->hdr.exchange == V1_X_INFO && m->hdr.msgid != 0;
		bool quick = m->hdr.exchange == V1_X_QUICK && m->hdr.msgid != 0;
		bool tx = m->hdr.exchange == V1_X_TRANSACTION && m->hdr.msgid != 0;

		if (!info && !quick && !tx &&
		    (m->hdr.msgid != 0 ||
		     m->hdr.exchange != (s->aggressive ? V1_X_AGGRESSIVE : V1_X_MAIN))) {
			v1_drop(sa->w, rx, "an encrypted IKEv1 message of an exchange this SA does "
					   "not run");
			return;
		}
		if (!s->block || blen % s->block ||
		    ((info || quick || tx) && !ike_state_info(sa->state)->established)) {
			v1_drop(sa->w, rx, "encrypted IKEv1 message before keys, or not whole blocks");
			return;
		}
		if (quick) {
			/* the exchange of that Message ID, or none yet (a peer's new one) */
			s->qm = v1_qm_by_msgid(s, m->hdr.msgid);
			if (s->qm && s->qm->state == IKE_V1_QUICK_R1 && s->qm->msg &&
			    crypto_memeq(s->rx_digest, s->qm->rx_digest, 32)) {
				/* its message 1 again: its message 2 again (the SA's last answer
				 * may be another exchange's) */
				counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
				send_raw(sa, s->qm->msg, s->qm->msg_len);
				return;
			}
			const struct v1_qm_final *f = s->qm ? NULL :
				v1_qm_final_find(s, m->hdr.msgid, s->rx_digest, ike_now(sa->w));
			if (f) {
				/* message 2 of one of ours that ended, again: our 3 was
				 * lost, and other answers have gone out since */
				counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
				send_raw(sa, f->msg, f->msg_len);
				return;
			}
		}
		if (quick && s->qm) {
			memcpy(s->iv_next, s->qm->iv, s->block);	/* the exchange's chain */
		} else if (tx && s->tx_msgid == m->hdr.msgid) {
			memcpy(s->iv_next, s->tx_iv, s->block);		/* the Transaction's chain */
		} else if (info || quick || tx) {
			if (crypto_v1_iv_msgid(s->p1.hash, s->p1_iv, s->block, m->hdr.msgid,
					       s->iv_next) < 0)
				return;
		} else {
			memcpy(s->iv_next, s->iv, s->block);
		}
		if (crypto_v1_cbc(s->p1.encr, s->key, s->key_len, s->iv_next, body, blen, false) < 0 ||
		    v1_msg_decode_body(m, body, blen) < 0) {
			v1_drop(sa->w, rx, m->why ? m->why : "IKEv1 message did not decrypt");
			return;
		}
	}
	v1_dispatch(sa, IKE_EV_REQUEST, &in);
}

/*
 * ---- Aggressive Mode (RFC 2409 5.4) ----
 *
 *        Initiator                          Responder
 *       -----------                        -----------
 *        HDR, SA, KE, Ni, IDii       -->
 *                                    <--    HDR, SA, KE, Nr, IDir, HASH_R
 *        HDR*, HASH_I                -->
 *
 * HASH_I, HASH_R and the keys are Main Mode's. The KE goes out before any
 * choice: every transform offered has the one DH group ike= names
 * (v1_connection_check() refuses --aggrmode without it, as libreswan
 * does). The responder looks the PSK up with the initiator's ID from
 * message 1 and resends message 2 until message 3 comes. Message 3 goes
 * encrypted (as libreswan and strongSwan send it); one in the clear is
 * taken too.
 */

static int aggr_initiate(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;
	struct v1_p1_set set;
	char err[256];

	s->aggressive = true;
	if (own_auth(sa) < 0)
		return 0;
	if (!v1_p1_is_sig(s->auth))
		ike_sa_progress(sa, RC_LOG, "IKEv1 Aggressive Mode with PSK sends a hash of the "
				"key in the clear: open to offline dictionary attacks");
	ike_sa_progress(sa, RC_LOG, "initiating IKEv1 Aggressive Mode connection");
	if (v1_p1_set_make(sa->conn->spec->ike, s->auth, conn_ike_life(sa->conn), &set, err,
			   sizeof(err)) < 0 ||
	    !set.n) {
		fail(sa, IKE_FAIL_OTHER, RC_FATAL, "no IKEv1 proposal to send");
		return 0;
	}
	s->p1.group = set.t[0].group;
	s->p1.auth = set.t[0].auth;
	s->ni_len = V1_NONCE_LEN;
	crypto_random(s->ni, s->ni_len);
	sa->state = IKE_V1_AGGR_I_KEYGEN;
	if (kex(sa, NULL, 0) < 0)
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot queue the key exchange");
	return 0;
}

void v1_aggr_i_keygen(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;
	struct v1_state *s = sa->v1;
	struct v1_p1_set *set = malloc(sizeof(*set));
	struct v1_sa *form = malloc(sizeof(*form));
	uint8_t *buf = sa->w->txbuf;
	struct v1_build b;
	size_t len, sa_body, id_body;
	char err[256];

	if (!set || !form) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory");
		goto out;
	}
	if (r->status < 0 || r->pub_len > sizeof(s->gxi)) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "the key exchange failed");
		goto out;
	}
	s->ke = r->ke;
	r->ke = NULL;
	memcpy(s->gxi, r->pub, r->pub_len);
	s->gxi_len = r->pub_len;
	if (v1_p1_set_make(sa->conn->spec->ike, s->auth, conn_ike_life(sa->conn), set, err,
			   sizeof(err)) < 0 ||
	    v1_p1_set_to_sa(set, form) < 0 || start(sa, &b, false) < 0 ||
	    v1_build_sa(&b, form, &sa_body) < 0 ||
	    v1_build_blob(&b, V1_PL_KE, s->gxi, s->gxi_len) < 0 ||
	    v1_build_blob(&b, V1_PL_NONCE, s->ni, s->ni_len) < 0 || build_id(sa, &b, &id_body) < 0 ||
	    (is_sig(sa) && v1_sig_build_cr(sa, &b) < 0) ||
	    v1_vids_build(&b, sa) < 0 || v1_build_finish(&b, 0, &len) < 0 ||
	    keep(&s->sai_b, &s->sai_b_len, buf + sa_body, body_len_at(buf, sa_body)) < 0 ||
	    keep(&s->own_id_b, &s->own_id_b_len, buf + id_body, body_len_at(buf, id_body)) < 0 ||
	    send_request(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Aggressive Mode message 1");
		goto out;
	}
	sa->state = IKE_V1_AGGR_I1;
	ike_sa_progress(sa, RC_LOG, "sent Aggressive Mode request");
out:
	free(set);
	free(form);
}

/* The peer's ID payload read; it must be the one the connection names (any, when none). */
static int peer_id_of(const struct ike_sa *sa, const struct v1_payload *idp, struct ike_id *id)
{
	if (ike_id_from_payload(idp->u.id.type, idp->u.id.data, idp->u.id.len, id) < 0)
		return -EINVAL;
	if (!ike_id_is_any(sa->ext->id_remote) && !ike_id_match(sa->ext->id_remote, id))
		return -EPERM;
	return 0;
}

void v1_aggr_i_r1(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;
	const struct v1_payload *idp = v1_msg_get(m, V1_PL_ID);
	const struct v1_payload *hp = v1_msg_get(m, V1_PL_HASH);
	const struct v1_blob *h = hp ? &hp->u.blob : NULL;
	struct v1_state *s = sa->v1;
	struct ike_id id;
	struct v1_p1 p1;
	static const uint8_t zero[8];
	int rc;

	if (!memcmp(m->hdr.rcookie, zero, 8)) {
		v1_drop(sa->w, in->rx, "Aggressive Mode message 2 without a responder cookie");
		return;
	}
	if (answer_transform(sa, v1_msg_get(m, V1_PL_SA)->u.sa, &p1) < 0 ||
	    p1.group != s->p1.group) {
		fail(sa, IKE_FAIL_PROTOCOL, RC_FATAL,
		     "the responder chose an IKEv1 transform we did not offer");
		return;
	}
	s->p1 = p1;
	if (take_ke_nonce(sa, m) < 0) {
		fail(sa, IKE_FAIL_OTHER, RC_FATAL,
		     "Aggressive Mode message 2: a KE payload of the wrong length for its group");
		return;
	}
	rc = peer_id_of(sa, idp, &id);
	if (rc < 0) {
		fail(sa, rc == -EPERM ? IKE_FAIL_BAD_ID : IKE_FAIL_PROTOCOL, RC_FATAL,
		     rc == -EPERM ? "the peer's ID is not the one the connection expects"
				  : "the peer's ID payload is not an identity we can read");
		return;
	}
	if (is_sig(sa) ? h || v1_sig_take(sa, NULL, m, &id) < 0
		       : !h || h->len > sizeof(s->peer_hash)) {
		fail(sa, IKE_FAIL_PROTOCOL, RC_FATAL,
		     is_sig(sa) ? "Aggressive Mode message 2: no SIG where signatures were agreed"
				: "Aggressive Mode message 2: no HASH, or one too long");
		return;
	}
	if (keep(&s->peer_id_b, &s->peer_id_b_len, idp->body, idp->len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory");
		return;
	}
	if (h) {
		memcpy(s->peer_hash, h->data, h->len);
		s->peer_hash_len = (uint8_t)h->len;
	}
	if (ike_sa_set_peer_id(sa, &id) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "out of memory for the peer's ID");
		return;
	}
	v1_sig_note_cr(sa, m);
	if (!is_sig(sa) && psk_lookup(sa) < 0) {
		fail(sa, IKE_FAIL_NO_PSK, RC_NOKEY, "no pre-shared key for this connection");
		return;
	}
	request_done(sa);
	memcpy(sa->spi_r, m->hdr.rcookie, 8);
	v1_vids_read(sa, m);
	v1_natd_check(sa, m);
	sa->state = IKE_V1_AGGR_I_DERIVE;
	if (kex(sa, s->gxr, s->gxr_len) < 0)
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot queue the key exchange");
}

/* The peer's HASH (kept from its message) over its ID body, in constant time. */
static bool peer_hash_ok(struct ike_sa *sa, const uint8_t *h, size_t h_len)
{
	struct v1_state *s = sa->v1;
	uint8_t want[CRYPTO_V1_PRF_MAX];
	bool ok;

	if (hash_of(sa, !sa->initiator, s->peer_id_b, s->peer_id_b_len, want) < 0)
		return false;
	ok = h_len == s->prf_len && crypto_memeq(want, h, h_len);
	crypto_wipe(want, sizeof(want));
	return ok;
}

void v1_aggr_i_derived(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;
	struct v1_state *s = sa->v1;
	uint8_t hash[CRYPTO_V1_PRF_MAX];
	struct v1_build b;
	size_t len;
	int rc;

	if (r->status < 0) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED,
		     r->peer_refused ? "the responder's KE value is no public value of its group"
				     : "the key exchange failed");
		return;
	}
	if (derive(sa, r->gir, r->gir_len) < 0) {
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot derive the ISAKMP SA's keys");
		return;
	}
	if (is_sig(sa)) {
		uint8_t peer[CRYPTO_V1_PRF_MAX];

		rc = hash_of(sa, false, s->peer_id_b, s->peer_id_b_len, peer);
		if (!rc)
			rc = hash_of(sa, true, s->own_id_b, s->own_id_b_len, hash);
		if (!rc)
			rc = v1_sig_submit(sa, peer, hash, s->prf_len);
		crypto_wipe(peer, sizeof(peer));
		crypto_wipe(hash, sizeof(hash));
		if (rc < 0) {
			sign_failed(sa, rc);
			return;
		}
		sa->state = IKE_V1_AGGR_I_AUTH;
		return;
	}
	if (!peer_hash_ok(sa, s->peer_hash, s->peer_hash_len)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		fail(sa, IKE_FAIL_N_AUTHENTICATION_FAILED, RC_FATAL,
		     "the peer's HASH_R does not match: a different pre-shared key?");
		return;
	}
	rc = hash_of(sa, true, s->own_id_b, s->own_id_b_len, hash);
	if (!rc)
		rc = start(sa, &b, true);
	if (!rc)
		rc = v1_build_blob(&b, V1_PL_HASH, hash, s->prf_len);
	if (!rc)
		rc = v1_natd_build(&b, sa);	/* with message 1's addresses and ports */
	if (!rc)
		rc = v1_build_initial_contact(sa, &b);
	if (!rc)
		rc = seal(sa, &b, &len);
	crypto_wipe(hash, sizeof(hash));
	v1_natt_float(sa);	/* RFC 3947 4: message 3 goes from port 4500 behind a NAT */
	/* an answer: message 2 again (message 3 lost) gets it again */
	if (rc < 0 || send_answer(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Aggressive Mode message 3");
		return;
	}
	if (!established(sa, IKE_V1_AGGR_I2))
		return;
}

/* Signatures: SIG_R verified and SIG_I made; message 3 is HDR*, [CERT,] SIG_I. */
void v1_aggr_i_authed(struct ike_sa *sa, struct ike_input *in)
{
	struct ike_auth_result *r = in->auth;
	struct v1_build b;
	size_t len;
	int rc;

	if (!sig_result_ok(sa, r))
		return;
	memcpy(sa->v1->rx_digest, sa->v1->sig->rx_digest, sizeof(sa->v1->rx_digest));
	v1_sig_pend_free(sa);
	rc = start(sa, &b, true);
	if (!rc)
		rc = v1_sig_build_certs(sa, &b);
	if (!rc)
		rc = v1_build_blob(&b, V1_PL_SIG, r->auth, r->auth_len);
	if (!rc)
		rc = v1_natd_build(&b, sa);
	if (!rc)
		rc = v1_build_initial_contact(sa, &b);
	if (!rc)
		rc = seal(sa, &b, &len);
	v1_natt_float(sa);
	if (rc < 0 || send_answer(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR,
		     "cannot send Aggressive Mode message 3");
		return;
	}
	established(sa, IKE_V1_AGGR_I2);
}

/* Tell the sender of an Aggressive Mode message 1 why not; counted as dropped. */
static void aggr_refuse(struct ike_worker *w, struct net_rx *rx, const struct v1_msg *m,
			uint16_t type, const char *why)
{
	if (v1_send_notify_stateless(w, rx, &m->hdr, type) && type == V1N_NO_PROPOSAL_CHOSEN)
		counters_inc(w->d->ctr, w->index, IKEC_NO_PROPOSAL_SENT);
	v1_drop(w, rx, why);
}

void v1_aggr_first(struct ike_worker *w, struct net_rx *rx, struct v1_msg *m)
{
	struct ike_daemon *d = w->d;
	const struct v1_payload *sap, *kep, *idp;
	struct v1_p1_set *set = NULL;
	struct v1_sa *form = NULL;
	struct connection *c;
	struct ike_sa *sa;
	struct v1_p1 chosen;
	struct ike_id id;
	uint8_t this_end;
	unsigned ti;
	char err[256];
	int auth;

	if (v1_msg_kind(m) != V1K_AGGR_1) {
		v1_drop(w, rx, "Aggressive Mode message 1 without exactly one SA, KE, NONCE and ID");
		return;
	}
	sa = sa_of_first(d, rx, m);
	if (sa) {
		if (sa->w == w && sa->version == 1 && sa->state == IKE_V1_AGGR_R1 && sa->req) {
			counters_inc(d->ctr, w->index, IKEC_RX_RETRANSMIT);
			send_raw(sa, sa->req, sa->req_len);
		} else {
			v1_drop(w, rx, "Aggressive Mode message 1 of an SA already past it");
		}
		return;
	}
	/*
	 * The peer names itself in message 1: the connection that names this
	 * ID (a group's, with its own key) before one chosen by the addresses
	 * alone, as a Main Mode responder switches at message 5.
	 */
	idp = v1_msg_get(m, V1_PL_ID);
	c = NULL;
	if (ike_id_from_payload(idp->u.id.type, idp->u.id.data, idp->u.id.len, &id) == 0)
		c = ike_conn_for_id(d, &rx->d->local, &rx->d->peer, &id, &this_end);
	if (c && (!(c->spec->policy & POL_IKEV1) || !(c->spec->policy & POL_AGGRESSIVE))) {
		ike_connection_unref(c);
		c = NULL;
	}
	if (!c)
		c = ike_conn_for_responder(d, &rx->d->local, &rx->d->peer, &this_end);
	if (!c || !(c->spec->policy & POL_IKEV1) || !(c->spec->policy & POL_AGGRESSIVE)) {
		if (c)
			ike_connection_unref(c);
		log_limited(LOG_INFO, 10, "IKEv1: no Aggressive Mode connection",
			    "initial Aggressive Mode message received but no IKEv1 connection with "
			    "--aggrmode is authorized for this peer");
		aggr_refuse(w, rx, m, V1N_NO_PROPOSAL_CHOSEN,
			    "no IKEv1 Aggressive Mode connection for this peer");
		return;
	}
	sap = v1_msg_get(m, V1_PL_SA);
	kep = v1_msg_get(m, V1_PL_KE);
	set = malloc(sizeof(*set));
	form = malloc(sizeof(*form));
	auth = responder_auth(d, c, this_end, sap->u.sa, "Aggressive Mode");
	if (!set || !form || auth < 0 ||
	    v1_p1_set_make(c->spec->ike, (uint16_t)auth, conn_ike_life(c), set, err, sizeof(err)) < 0 ||
	    v1_p1_choose(set, sap->u.sa, &chosen, &ti) < 0) {
		log_limited(LOG_INFO, 10, "IKEv1: no acceptable proposal",
			    "\"%s\": Aggressive Mode: no acceptable Oakley transform", c->spec->name);
		aggr_refuse(w, rx, m, V1N_NO_PROPOSAL_CHOSEN, "no acceptable IKEv1 proposal");
		goto out_conn;
	}
	if (kep->u.blob.len != crypto_ke_public_len(chosen.group)) {
		aggr_refuse(w, rx, m, V1N_INVALID_KEY_INFORMATION,
			    "Aggressive Mode message 1: a KE payload not of the chosen group");
		goto out_conn;
	}
	if (ike_id_from_payload(idp->u.id.type, idp->u.id.data, idp->u.id.len, &id) < 0 ||
	    (!ike_id_is_any(c->id[1 - this_end]) && !ike_id_match(c->id[1 - this_end], &id))) {
		log_limited(LOG_INFO, 10, "IKEv1: Aggressive Mode ID mismatch",
			    "\"%s\": Aggressive Mode: the peer's ID is not the one the connection "
			    "expects", c->spec->name);
		aggr_refuse(w, rx, m, V1N_INVALID_ID_INFORMATION,
			    "Aggressive Mode message 1: the peer's ID is not the connection's");
		goto out_conn;
	}
	if (ike_half_open_admit(w, &rx->d->peer, false) != IKE_ADMIT_OK) {
		v1_drop(w, rx, "too many half-open IKE SAs (from this address, or in all)");
		goto out_conn;
	}
	sa = new_sa(w, false, c, rx->l, m->hdr.icookie);
	ike_connection_unref(c);	/* the SA holds its own */
	c = NULL;
	if (!sa) {
		ike_half_open_cancel(w, &rx->d->peer, false);
		v1_drop(w, rx, "out of memory for a new IKE SA");
		goto out;
	}
	sa->node.peer = rx->d->peer;
	sa->node.peer_port = rx->d->peer_port;
	sa->peer = rx->d->peer;
	sa->peer_port = rx->d->peer_port;
	sa->local = rx->d->local;
	sa->local_port = rx->l->port;
	sa->natt = rx->l->natt;
	sa->this_end = this_end;
	sa->v1->aggressive = true;
	sa->v1->p1 = chosen;
	v1_vids_read(sa, m);
	ike_half_open_begin(sa, sizeof(*sa) + sizeof(struct v1_state) + sap->len, false);
	if (ike_sa_set_peer_id(sa, &id) < 0 || sadb_sa_table_add_init(&d->sas, &sa->node) < 0 ||
	    keep(&sa->v1->sai_b, &sa->v1->sai_b_len, sap->body, sap->len) < 0 ||
	    keep(&sa->v1->peer_id_b, &sa->v1->peer_id_b_len, idp->body, idp->len) < 0 ||
	    take_ke_nonce(sa, m) < 0) {
		ike_sa_free(sa);
		goto out;
	}
	v1_sig_note_cr(sa, m);
	if (!is_sig(sa) && psk_lookup(sa) < 0) {
		log_limited(LOG_INFO, 10, "IKEv1: no PSK", "#%llu: no pre-shared key for this "
			    "connection", (unsigned long long)sa->serial);
		fail(sa, IKE_FAIL_NO_PSK, RC_NOKEY, "no pre-shared key for this connection");
		goto out;
	}
	answer_sa(sap->u.sa, ti, form);
	sa->v1->answer = form;
	form = NULL;
	sa->v1->nr_len = V1_NONCE_LEN;
	crypto_random(sa->v1->nr, sa->v1->nr_len);
	sa->state = IKE_V1_AGGR_R_KEX;
	timer_arm(&nw_of(w)->timers, &sa->life, ike_now(w) + V1_HALF_OPEN_MS);
	if (kex(sa, sa->v1->gxi, sa->v1->gxi_len) < 0)
		fail(sa, IKE_FAIL_CRYPTO, RC_CRYPTOFAILED, "cannot queue the key exchange");
	dbg(DBG_BASE, "responding to Aggressive Mode");
	goto out;
out_conn:
	ike_connection_unref(c);
out:
	free(set);
	free(form);
}

/*
 * Message 2: HDR, SA, KE, Nr, IDir, then HASH_R (pre-shared keys; r NULL)
 * or [CERT,] [CR,] SIG_R (r: the job's signature). Sent until message 3.
 */
static void aggr_r_send2(struct ike_sa *sa, const struct ike_auth_result *r)
{
	struct v1_state *s = sa->v1;
	uint8_t hash[CRYPTO_V1_PRF_MAX], *buf = sa->w->txbuf;
	struct v1_build b;
	size_t len, id_body;
	int rc;

	rc = start(sa, &b, false);
	if (!rc)
		rc = v1_build_sa(&b, s->answer, NULL);
	if (!rc)
		rc = v1_build_blob(&b, V1_PL_KE, s->gxr, s->gxr_len);
	if (!rc)
		rc = v1_build_blob(&b, V1_PL_NONCE, s->nr, s->nr_len);
	if (!rc)
		rc = build_id(sa, &b, &id_body);
	if (!rc && r) {
		rc = v1_sig_build_certs(sa, &b);
		if (!rc)
			rc = v1_sig_build_cr(sa, &b);
		if (!rc)
			rc = v1_build_blob(&b, V1_PL_SIG, r->auth, r->auth_len);
	} else if (!rc) {
		rc = hash_of(sa, false, buf + id_body, body_len_at(buf, id_body), hash);
		if (!rc)
			rc = v1_build_blob(&b, V1_PL_HASH, hash, s->prf_len);
	}
	if (!rc)
		rc = v1_vids_build(&b, sa);
	if (!rc)
		rc = v1_natd_build(&b, sa);
	if (!rc)
		rc = v1_build_finish(&b, 0, &len);
	crypto_wipe(hash, sizeof(hash));
	free(s->answer);
	s->answer = NULL;
	/* resent until message 3 comes (the initiator is up once it sent 3) */
	if (rc < 0 || send_request(sa, len) < 0) {
		fail(sa, IKE_FAIL_INTERNAL, RC_INTERNALERR, "cannot send Aggressive Mode message 2");
		return;
	}
	sa->state = IKE_V1_AGGR_R1;
}

void v1_aggr_r_kex(struct ike_sa *sa, struct ike_input *in)
{
	struct kex_result *r = in->kex;
	int rc;

	if (!responder_keys(sa, r))
		return;
	if (is_sig(sa)) {
		rc = sign_own(sa, IKE_V1_AGGR_R_SIGN);
		if (rc < 0)
			sign_failed(sa, rc);
		return;
	}
	aggr_r_send2(sa, NULL);
}

void v1_aggr_r_signed(struct ike_sa *sa, struct ike_input *in)
{
	if (in->auth->sign < 0) {
		sign_failed(sa, in->auth->sign);
		return;
	}
	aggr_r_send2(sa, in->auth);
}

void v1_aggr_r_i2(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;
	const struct v1_payload *hp = v1_msg_get(m, V1_PL_HASH);
	struct v1_state *s = sa->v1;

	if (is_sig(sa)) {
		uint8_t peer[CRYPTO_V1_PRF_MAX];
		int rc = hp ? -EBADMSG : hash_of(sa, true, s->peer_id_b, s->peer_id_b_len, peer);

		if (!rc)
			rc = v1_sig_take(sa, in->rx, m, sa->ext->id_remote);
		if (!rc)
			rc = v1_sig_submit(sa, peer, NULL, s->prf_len);
		crypto_wipe(peer, sizeof(peer));
		if (rc < 0) {
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
			fail(sa, IKE_FAIL_N_AUTHENTICATION_FAILED, RC_FATAL,
			     "Aggressive Mode message 3: no SIG_I where signatures were agreed");
			return;
		}
		/* NAT-D is message 1's addresses: read now (a failed check ends the SA anyway) */
		v1_natd_check(sa, m);
		sa->state = IKE_V1_AGGR_R_VERIFY;
		return;
	}
	if (!hp || !peer_hash_ok(sa, hp->u.blob.data, hp->u.blob.len)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		log_limited(LOG_INFO, 10, "IKEv1 authentication failed",
			    "#%llu: the peer's HASH_I does not match: a different pre-shared key?",
			    (unsigned long long)sa->serial);
		fail(sa, IKE_FAIL_N_AUTHENTICATION_FAILED, RC_FATAL,
		     "the peer's HASH_I does not match: a different pre-shared key?");
		return;
	}
	request_done(sa);
	if (m->encrypted)
		memcpy(s->iv, s->iv_next, s->block);
	v1_natd_check(sa, m);	/* against message 1's addresses and ports */
	v1_natt_follow(sa, in->rx);
	if (!established(sa, IKE_V1_AGGR_R2))
		return;
	v1_initial_contact(sa, in->v1m);
}

/* Signatures: SIG_I of message 3 verified or not. */
void v1_aggr_r_verified(struct ike_sa *sa, struct ike_input *in)
{
	bool ic;

	if (!sig_result_ok(sa, in->auth))
		return;
	request_done(sa);
	if (!sig_accept(sa))
		return;
	ic = sa->v1->sig->initial_contact;
	v1_sig_pend_free(sa);
	if (!established(sa, IKE_V1_AGGR_R2))
		return;
	v1_initial_contact_seen(sa, ic);
}
