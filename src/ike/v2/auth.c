/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKE_AUTH with pre-shared keys (RFC 7296 1.2, 2.15), carrying the first
 * Child SA (ESP, tunnel or transport, traffic selectors narrowed per 2.9):
 *
 *   HDR, SK {IDi, [IDr,] AUTH, SAi2, TSi, TSr [, N(USE_TRANSPORT_MODE)]} -->
 *                               <--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
 *
 * AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>),
 * SignedOctets = RealMessage | Nonce of the peer | prf(SK_p, RestOfIDPayload).
 */
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "crypto/prf.h"
#include "ike/alg_names.h"
#include "ike/v2/child.h"
#include "ike/conn_select.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/child_updown.h"
#include "util/log.h"

enum { PSK_MAX = 4096 };

/* RestOfIDPayload: ID type, three reserved bytes, the identification data. */
static int maced_id(struct ike_sa *sa, bool of_initiator, const struct ike_id *id, uint8_t *out)
{
	const struct ike_setup *s = sa->setup;
	uint8_t head[4] = { id->type, 0, 0, 0 };
	struct iovec iov[2] = { { head, 4 }, { (void *)id->data, id->len } };
	return crypto_prf(sa->suite.prf, of_initiator ? s->sk_pi : s->sk_pr, s->sk_p_len, iov, 2,
			  out);
}

/*
 * AUTH of one side: the initiator signs its IKE_SA_INIT request and Nr,
 * the responder its response and Ni.
 */
static int psk_auth(struct ike_sa *sa, bool of_initiator, const struct ike_id *id, uint8_t *out)
{
	const struct ike_setup *s = sa->setup;
	uint8_t mac[CRYPTO_PRF_MAX];
	struct iovec iov[3];
	int rc = maced_id(sa, of_initiator, id, mac);

	if (rc < 0)
		return rc;
	iov[0] = (struct iovec){ of_initiator ? s->init_req : s->init_resp,
				 of_initiator ? s->init_req_len : s->init_resp_len };
	iov[1] = (struct iovec){ (void *)(of_initiator ? s->nr : s->ni),
				 of_initiator ? s->nr_len : s->ni_len };
	iov[2] = (struct iovec){ mac, crypto_prf_len(sa->suite.prf) };
	rc = crypto_psk_auth(sa->suite.prf, s->psk, s->psk_len, iov, 3, out);
	crypto_wipe(mac, sizeof(mac));
	return rc;
}

static int fetch_psk(struct ike_sa *sa)
{
	struct ike_setup *s = sa->setup;
	uint8_t *buf = malloc(PSK_MAX);
	int n;

	if (!buf)
		return -ENOMEM;
	n = sa->w->d->psk_lookup(sa->w->d->psk_ctx, sa->id_local, &sa->id_remote, buf, PSK_MAX);
	if (n < 0) {
		crypto_wipe(buf, PSK_MAX);
		free(buf);
		return n;
	}
	s->psk = buf;
	s->psk_len = (size_t)n;
	return 0;
}

static void build_id(struct v2_build *b, uint8_t type, const struct ike_id *id)
{
	struct v2_id p = { .type = id->type, .len = id->len, .data = id->data };
	v2_build_id(b, type, &p);
}

static bool wants_child(const struct connection *c)
{
	return (c->spec.policy & (POL_ENCRYPT | POL_AUTHENTICATE)) != 0;
}

/* Move an SA to the NAT-T port when a NAT was detected (RFC 7296 2.23). */
static void float_to_natt(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->w->d;
	struct net_listener *l;

	if (sa->natt || !(sa->nat_local || sa->nat_peer) || !d->natikeport)
		return;
	l = net_pool_listener_get(d->pool, &sa->local, d->natikeport);
	if (!l) {
		log_warn("#%llu: NAT detected but no socket on the NAT-T port %u",
			 (unsigned long long)sa->serial, d->natikeport);
		return;
	}
	net_listener_unref(sa->l);
	sa->l = l;
	sa->natt = true;
	sa->local_port = d->natikeport;
	sa->peer_port = 4500;
	dbg(DBG_BASE, "#%llu: NAT detected: moving to port %u", (unsigned long long)sa->serial,
	    d->natikeport);
}

/* ---- initiator ---- */

static void auth_send(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_setup *s = sa->setup;
	uint8_t auth[CRYPTO_PRF_MAX];
	struct v2_build b;
	size_t len;

	if (psk_auth(sa, true, sa->id_local, auth) < 0) {
		ike_sa_fail(sa, RC_CRYPTOFAILED, "computing AUTH failed");
		return;
	}
	struct v2_auth a = { .method = V2_AUTH_PSK, .len = (uint16_t)crypto_prf_len(sa->suite.prf),
			     .data = auth };
	v2_start(sa, &b, V2_IKE_AUTH, false, sa->msgid_next, true);
	build_id(&b, V2_PL_IDI, sa->id_local);
	if (!ike_id_is_any(&sa->id_remote))
		build_id(&b, V2_PL_IDR, &sa->id_remote);
	v2_build_auth(&b, &a);
	if (c) {
		struct proposal_set esp;
		struct v2_ts ts;
		uint8_t spi[4] = { (uint8_t)(c->spi_in >> 24), (uint8_t)(c->spi_in >> 16),
				   (uint8_t)(c->spi_in >> 8), (uint8_t)c->spi_in };
		if (c->transport) {
			struct v2_notification n = { .type = V2N_USE_TRANSPORT_MODE };
			v2_build_notify(&b, &n);
		}
		ike_connection_auth_esp(sa->conn, &esp);
		proposal_set_to_sa(&esp, V2_PROTO_ESP, spi, 4, &s->child_offer);
		v2_build_sa(&b, &s->child_offer);
		v2_ts_to_wire(&c->ts_local, &ts);
		v2_build_ts(&b, V2_PL_TSI, &ts);
		v2_ts_to_wire(&c->ts_remote, &ts);
		v2_build_ts(&b, V2_PL_TSR, &ts);
	}
	crypto_wipe(auth, sizeof(auth));
	if (v2_seal(sa, &b, &len) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "cannot build the IKE_AUTH request");
		return;
	}
	sa->state = IKE_I_AUTH_SENT;
	sa->msgid_next++;
	ike_sa_progress(sa, RC_LOG, "sent IKE_AUTH request");
	v2_send_request(sa, sa->w->txbuf, len);
}

static void initiator_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0) {
		ike_sa_fail(sa, RC_FATAL, "the kernel gave no SPI for the Child SA: %s",
			    strerror(-status));
		return;
	}
	auth_send(sa, c);
}

void v2_auth_start(struct ike_sa *sa)
{
	struct connection *conn = sa->conn;
	int rc;

	float_to_natt(sa);
	rc = fetch_psk(sa);
	if (rc < 0) {
		char l[300], r[300];
		ike_sa_fail(sa, RC_NOKEY, "no pre-shared key for %s and %s in the secrets",
			    ike_id_str(sa->id_local, l, sizeof(l)),
			    ike_id_str(&sa->id_remote, r, sizeof(r)));
		return;
	}
	if (!wants_child(conn)) {
		auth_send(sa, NULL);
		return;
	}
	struct child_sa *c = ike_child_new(sa, sa->conn, sa->this_end);
	if (!c) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	c->transport = !(conn->spec.policy & POL_TUNNEL);
	c->encap = sa->nat_local || sa->nat_peer;
	c->ts_local = conn->ts[sa->this_end];
	c->ts_remote = conn->ts[1 - sa->this_end];
	sa->state = IKE_I_SPI_ALLOC;
	if (v2_child_alloc_spi(sa, c, initiator_spi_done) < 0)
		ike_sa_fail(sa, RC_INTERNALERR, "cannot ask the kernel for an SPI");
}

static void initiator_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		ike_sa_progress(sa, RC_FATAL,
				"the kernel refused the Child SA (%s); it is deleted and the peer told",
				strerror(-status));
		v2_child_delete_tell_peer(sa, c);
		ike_child_unlink_free(sa, c);
	} else {
		v2_child_established(sa, c);
	}
	ike_sa_setup_free(sa);
	ike_sa_progress_done(sa);
}

void v2_auth_response(struct ike_sa *sa, struct ike_input *in)
{
	struct net_rx *rx = in->rx;
	struct v2_msg *m = in->m;
	struct ike_setup *s = sa->setup;
	const struct v2_payload *idr = v2_msg_get(m, V2_PL_IDR), *auth = v2_msg_get(m, V2_PL_AUTH);
	uint8_t want[CRYPTO_PRF_MAX];
	struct ike_id peer;
	uint16_t err = v2_first_error(m);
	size_t alen = crypto_prf_len(sa->suite.prf);
	char buf[300];

	if (sa->state != IKE_I_AUTH_SENT) {
		v2_drop(sa->w, rx, "IKE_AUTH response in the wrong state");
		return;
	}
	v2_request_done(sa);
	if (!idr || !auth) {
		ike_sa_fail(sa, err ? v2_notify_rc(err) : RC_FATAL, "IKE_AUTH rejected%s%s",
			    err ? " with " : "", err ? v2_notify_name(err) : " (no IDr or AUTH)");
		return;
	}
	if (ike_id_from_payload(idr->u.id.type, idr->u.id.data, idr->u.id.len, &peer) < 0) {
		ike_sa_fail(sa, RC_BADID, "the responder's ID payload is malformed");
		return;
	}
	if (!ike_id_is_any(&sa->id_remote) && !ike_id_eq(&peer, &sa->id_remote)) {
		ike_sa_fail(sa, RC_BADID, "the responder identified as %s, expected %s",
			    ike_id_str(&peer, buf, sizeof(buf)),
			    ike_id_str(&sa->id_remote, buf + 150, 150));
		return;
	}
	if (auth->u.auth.method != V2_AUTH_PSK || auth->u.auth.len != alen ||
	    psk_auth(sa, false, &peer, want) < 0 || !crypto_memeq(want, auth->u.auth.data, alen)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		crypto_wipe(want, sizeof(want));
		ike_sa_fail(sa, v2_notify_rc(V2N_AUTHENTICATION_FAILED),
			    "the responder's AUTH does not verify (wrong pre-shared key?)");
		return;
	}
	crypto_wipe(want, sizeof(want));
	sa->id_remote = peer;
	v2_ike_established(sa);

	struct child_sa *c = sa->children;
	if (!c) {
		ike_sa_setup_free(sa);
		ike_sa_progress_done(sa);
		return;
	}
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *tsi = v2_msg_get(m, V2_PL_TSI),
				*tsr = v2_msg_get(m, V2_PL_TSR);
	struct proposal_set esp;
	struct ike_ts_set si, sr;

	if (!sa_pl || !tsi || !tsr) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		ike_sa_progress(sa, err ? v2_notify_rc(err) : RC_FATAL,
				"IKE SA up, but the Child SA was refused%s%s", err ? " with " : "",
				err ? v2_notify_name(err) : "");
		ike_child_unlink_free(sa, c);
		ike_sa_setup_free(sa);
		ike_sa_progress_done(sa);
		return;
	}
	ike_connection_auth_esp(sa->conn, &esp);
	if (proposal_check_reply(&esp, sa_pl->u.sa, V2_PROTO_ESP, &c->suite) < 0 ||
	    sa_pl->u.sa->props[0].spi_size != 4 || v2_ts_from_wire(tsi->u.ts, &si) < 0 ||
	    v2_ts_from_wire(tsr->u.ts, &sr) < 0 || !ike_ts_set_within(&si, &c->ts_local) ||
	    !ike_ts_set_within(&sr, &c->ts_remote)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		ike_sa_progress(sa, RC_FATAL,
				"IKE SA up, but the responder's Child SA answer is unacceptable");
		v2_child_delete_tell_peer(sa, c);
		ike_child_unlink_free(sa, c);
		ike_sa_setup_free(sa);
		ike_sa_progress_done(sa);
		return;
	}
	const uint8_t *spi = sa_pl->u.sa->props[0].spi;
	c->spi_out = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
	c->ts_local = si.ts[0];
	c->ts_remote = sr.ts[0];
	if (c->transport && !v2_msg_notify(m, V2N_USE_TRANSPORT_MODE))
		c->transport = false;	/* the responder chose tunnel mode */

	size_t half = crypto_esp_keymat_len(&c->suite);
	uint8_t keymat[2 * 160];
	if (2 * half > sizeof(keymat) || v2_child_keymat(sa, c, keymat, 2 * half) < 0 ||
	    v2_child_install(sa, c, keymat, 2 * half, initiator_installed) < 0) {
		crypto_wipe(keymat, sizeof(keymat));
		initiator_installed(sa, c, -ENOMEM);
		return;
	}
	crypto_wipe(keymat, sizeof(keymat));
	(void)s;
}

/* ---- responder ---- */

static void auth_respond(struct ike_sa *sa, struct child_sa *c, uint16_t child_err)
{
	struct ike_setup *s = sa->setup;
	uint8_t auth[CRYPTO_PRF_MAX];
	struct v2_build b;
	size_t len;

	if (psk_auth(sa, false, sa->id_local, auth) < 0) {
		ike_sa_free(sa);
		return;
	}
	struct v2_auth a = { .method = V2_AUTH_PSK, .len = (uint16_t)crypto_prf_len(sa->suite.prf),
			     .data = auth };
	v2_start(sa, &b, V2_IKE_AUTH, true, sa->msgid_peer, true);
	build_id(&b, V2_PL_IDR, sa->id_local);
	v2_build_auth(&b, &a);
	if (c && !child_err) {
		struct v2_sa *out = sa->w->sa_scratch;
		struct v2_ts ts;
		memset(out, 0, sizeof(*out));
		out->nprops = 1;
		out->props[0] = s->child_accepted;
		out->props[0].num = s->child_num;
		out->props[0].spi_size = 4;
		out->props[0].spi[0] = (uint8_t)(c->spi_in >> 24);
		out->props[0].spi[1] = (uint8_t)(c->spi_in >> 16);
		out->props[0].spi[2] = (uint8_t)(c->spi_in >> 8);
		out->props[0].spi[3] = (uint8_t)c->spi_in;
		if (c->transport) {
			struct v2_notification n = { .type = V2N_USE_TRANSPORT_MODE };
			v2_build_notify(&b, &n);
		}
		v2_build_sa(&b, out);
		v2_ts_to_wire(&c->ts_remote, &ts);	/* TSi: the initiator's side */
		v2_build_ts(&b, V2_PL_TSI, &ts);
		v2_ts_to_wire(&c->ts_local, &ts);
		v2_build_ts(&b, V2_PL_TSR, &ts);
	} else if (child_err) {
		struct v2_notification n = { .type = child_err };
		v2_build_notify(&b, &n);
	}
	crypto_wipe(auth, sizeof(auth));
	if (v2_seal(sa, &b, &len) < 0) {
		ike_sa_free(sa);
		return;
	}
	v2_send_response(sa, sa->w->txbuf, len);
	ike_sa_setup_free(sa);
}

static void auth_refuse(struct ike_sa *sa, const char *why)
{
	struct v2_build b;
	struct v2_notification n = { .type = V2N_AUTHENTICATION_FAILED };
	size_t len;
	char name[CONN_NAME_MAX + 32];

	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
	log_warn("%s: IKE_AUTH failed: %s", ike_sa_name(sa, name, sizeof(name)), why);
	if (v2_start(sa, &b, V2_IKE_AUTH, true, sa->msgid_peer, true) == 0 &&
	    v2_build_notify(&b, &n) == 0 && v2_seal(sa, &b, &len) == 0)
		v2_send_response(sa, sa->w->txbuf, len);
	ike_sa_free(sa);
}

static void responder_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0) {
		char name[CONN_NAME_MAX + 32];
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		log_warn("%s: the kernel refused the Child SA (%s); telling the peer",
			 ike_sa_name(sa, name, sizeof(name)), strerror(-status));
		auth_respond(sa, NULL, V2N_NO_PROPOSAL_CHOSEN);
		ike_child_unlink_free(sa, c);
		sa->state = IKE_ESTABLISHED;
		return;
	}
	v2_child_established(sa, c);
	sa->state = IKE_ESTABLISHED;
	auth_respond(sa, c, 0);
}

static void responder_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	size_t half = crypto_esp_keymat_len(&c->suite);
	uint8_t keymat[2 * 160];

	if (status < 0 || 2 * half > sizeof(keymat) || v2_child_keymat(sa, c, keymat, 2 * half) < 0 ||
	    v2_child_install(sa, c, keymat, 2 * half, responder_installed) < 0)
		responder_installed(sa, c, status < 0 ? status : -ENOMEM);
	crypto_wipe(keymat, sizeof(keymat));
}

void v2_auth_request(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	struct ike_daemon *d = sa->w->d;
	struct ike_setup *s = sa->setup;
	const struct v2_payload *idi = v2_msg_get(m, V2_PL_IDI), *auth = v2_msg_get(m, V2_PL_AUTH);
	size_t alen = crypto_prf_len(sa->suite.prf);
	uint8_t want[CRYPTO_PRF_MAX];
	struct ike_id peer;
	char buf[300];

	if (!idi || !auth) {
		auth_refuse(sa, auth ? "no IDi" : "no AUTH (EAP is not supported yet)");
		return;
	}
	if (ike_id_from_payload(idi->u.id.type, idi->u.id.data, idi->u.id.len, &peer) < 0) {
		auth_refuse(sa, "malformed IDi");
		return;
	}
	/* The manual: switch to the connection that names this peer ID, if any. */
	const struct ike_id *named = &sa->conn->id[1 - sa->this_end];
	uint8_t end;
	struct connection *better = ike_conn_for_id(d, &sa->local, &sa->peer, &peer, &end);
	if (better && better != sa->conn && (ike_id_is_any(named) || !ike_id_eq(named, &peer))) {
		ike_connection_unref(sa->conn);
		sa->conn = better;
		sa->this_end = end;
		better = NULL;
	}
	if (better)
		ike_connection_unref(better);
	named = &sa->conn->id[1 - sa->this_end];
	if (!ike_id_is_any(named) && !ike_id_eq(named, &peer)) {
		snprintf(buf, sizeof(buf), "the peer identified as %s, which no connection accepts",
			 log_debug_is_on(DBG_PRIVATE) ? ike_id_str(&peer, buf + 200, 100) : "<id>");
		auth_refuse(sa, buf);
		return;
	}
	sa->id_remote = peer;
	sa->id_local = &sa->conn->id_self[sa->this_end];
	if (fetch_psk(sa) < 0) {
		auth_refuse(sa, "no pre-shared key for this pair of IDs");
		return;
	}
	if (auth->u.auth.method != V2_AUTH_PSK) {
		auth_refuse(sa, "the peer did not authenticate with a pre-shared key");
		return;
	}
	if (auth->u.auth.len != alen || psk_auth(sa, true, &peer, want) < 0 ||
	    !crypto_memeq(want, auth->u.auth.data, alen)) {
		crypto_wipe(want, sizeof(want));
		auth_refuse(sa, "AUTH does not verify (wrong pre-shared key)");
		return;
	}
	crypto_wipe(want, sizeof(want));
	v2_ike_established(sa);

	/* The first Child SA. */
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *tsi = v2_msg_get(m, V2_PL_TSI),
				*tsr = v2_msg_get(m, V2_PL_TSR);
	if (!sa_pl) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, 0);
		return;
	}
	struct proposal_set esp;
	struct v2_suite suite;
	uint8_t num;
	struct ike_ts_set si, sr;
	struct ike_ts ours_remote, chosen_i, chosen_r;

	if (!tsi || !tsr || v2_ts_from_wire(tsi->u.ts, &si) < 0 || v2_ts_from_wire(tsr->u.ts, &sr) < 0) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_TS_UNACCEPTABLE);
		return;
	}
	/*
	 * The manual: when the proposed subnets do not match, look for a
	 * connection between the same hosts and IDs that they do match.
	 */
	struct connection *fit = ike_conn_for_ts(d, &sa->local, &sa->peer, &sa->id_remote,
						 sa->id_local, &si, &sr, &end);
	if (fit && fit != sa->conn) {
		ike_connection_unref(sa->conn);
		sa->conn = fit;
		sa->this_end = end;
		sa->id_local = &fit->id_self[end];
	} else if (fit) {
		ike_connection_unref(fit);
	}
	if (!wants_child(sa->conn)) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_NO_PROPOSAL_CHOSEN);
		return;
	}
	ike_connection_auth_esp(sa->conn, &esp);
	if (proposal_match(&esp, sa_pl->u.sa, V2_PROTO_ESP, &suite, &num, &s->child_accepted) < 0) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_NO_PROPOSAL_CHOSEN);
		return;
	}
	ours_remote = ike_conn_remote_ts(sa->conn, sa->this_end, &sa->peer);
	if (ike_ts_narrow(&si, &ours_remote, &chosen_i) < 0 ||
	    ike_ts_narrow(&sr, &sa->conn->ts[sa->this_end], &chosen_r) < 0) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_TS_UNACCEPTABLE);
		return;
	}
	struct child_sa *c = ike_child_new(sa, sa->conn, sa->this_end);
	if (!c) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_TEMPORARY_FAILURE);
		return;
	}
	const struct v2_proposal *offered = NULL;
	for (unsigned i = 0; i < sa_pl->u.sa->nprops; i++)
		if (sa_pl->u.sa->props[i].num == num)
			offered = &sa_pl->u.sa->props[i];
	const uint8_t *spi = offered ? offered->spi : s->child_accepted.spi;
	c->spi_out = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
	c->suite = suite;
	c->ts_local = chosen_r;
	c->ts_remote = chosen_i;
	c->transport = v2_msg_notify(m, V2N_USE_TRANSPORT_MODE) &&
		       !(sa->conn->spec.policy & POL_TUNNEL);
	c->encap = sa->nat_local || sa->nat_peer;
	s->child_num = num;
	sa->state = IKE_R_CHILD;
	if (v2_child_alloc_spi(sa, c, responder_spi_done) < 0) {
		ike_child_unlink_free(sa, c);
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_TEMPORARY_FAILURE);
	}
}
