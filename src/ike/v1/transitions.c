/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1's transitions, as data (transition.h): for each Main Mode state,
 * which message of the peer and which crypto result go to which handler.
 * IKEv1 has no request/response flag: every message of the peer is an
 * IKE_EV_REQUEST here, told apart by the state it arrives in. The first
 * message of a responder has no SA yet: v1_main_first() takes it.
 */
#include "ike/v1/exchange.h"
#include "ike/v1/io.h"
#include "ike/v1/msg.h"
#include "ike/v1/state.h"
#include "ike/v2/kex.h"
#include "util/log.h"

enum {
	K_SA = 1u << V1K_MAIN_SA,
	K_KE = 1u << V1K_MAIN_KE,
	K_ID = 1u << V1K_MAIN_ID,
	K_INFO = 1u << V1K_INFO,
	K_Q12 = 1u << V1K_QUICK_12,
	K_Q3 = 1u << V1K_QUICK_3,
	K_A2 = 1u << V1K_AGGR_2,
	K_A3 = 1u << V1K_AGGR_3,
	K_TX = 1u << V1K_TX,
};

#define S_QI1 (1ull << IKE_V1_QUICK_I1)
#define S_QR1 (1ull << IKE_V1_QUICK_R1)
#define S(x) (1ull << (x))
#define S_UP (S(IKE_V1_MAIN_I4) | S(IKE_V1_MAIN_R3) | S(IKE_V1_AGGR_I2) | S(IKE_V1_AGGR_R2))
/* XAUTH and Mode Config: the ISAKMP SA is up, Quick Mode waits */
#define S_XA                                                                     \
	(S(IKE_V1_XAUTH_R0) | S(IKE_V1_XAUTH_R1) | S(IKE_V1_XAUTH_I0) | S(IKE_V1_XAUTH_I1) | \
	 S(IKE_V1_MODECFG_R1) | S(IKE_V1_MODECFG_I1))

static const struct ike_transition table[] = {
	/* ---- Main Mode, initiator (RFC 2409 5: HDR SA / KE Ni / HDR* IDii HASH_I) ---- */
	{ "Main Mode message 2", 1u << IKE_V1_MAIN_I1, IKE_EV_REQUEST, V1_X_MAIN, 0, 0, K_SA,
	  v1_main_i_r1 },
	{ "our Main Mode KE generated", 1u << IKE_V1_MAIN_I_KEYGEN, IKE_EV_CRYPTO, 0, 0, 0, 0,
	  v1_main_i_keygen },
	{ "Main Mode message 4", 1u << IKE_V1_MAIN_I2, IKE_EV_REQUEST, V1_X_MAIN, 0, 0, K_KE,
	  v1_main_i_r2 },
	{ "g^xy computed (initiator)", 1u << IKE_V1_MAIN_I_DERIVE, IKE_EV_CRYPTO, 0, 0, 0, 0,
	  v1_main_i_derived },
	{ "Main Mode message 6", 1u << IKE_V1_MAIN_I3, IKE_EV_REQUEST, V1_X_MAIN, 0, 0, K_ID,
	  v1_main_i_r3 },
	/* signatures (p1_sig.h): SIG_I made, then SIG_R checked */
	{ "our SIG_I made", S(IKE_V1_MAIN_I_SIGN), IKE_EV_CRYPTO, 0, 0, 0, 0, v1_main_i_signed },
	{ "the responder's SIG_R checked", S(IKE_V1_MAIN_I_VERIFY), IKE_EV_CRYPTO, 0, 0, 0, 0,
	  v1_main_i_verified },
	/* ---- Main Mode, responder ---- */
	{ "Main Mode message 3", 1u << IKE_V1_MAIN_R1, IKE_EV_REQUEST, V1_X_MAIN, 0, 0, K_KE,
	  v1_main_r_i2 },
	{ "our KE and g^xy computed (responder)", 1u << IKE_V1_MAIN_R_KEX, IKE_EV_CRYPTO, 0, 0, 0,
	  0, v1_main_r_kex },
	{ "Main Mode message 5", 1u << IKE_V1_MAIN_R2, IKE_EV_REQUEST, V1_X_MAIN, 0, 0, K_ID,
	  v1_main_r_i3 },
	{ "the initiator's SIG_I checked, our SIG_R made", S(IKE_V1_MAIN_R_AUTH), IKE_EV_CRYPTO,
	  0, 0, 0, 0, v1_main_r_authed },
	/* ---- Aggressive Mode (RFC 2409 5.4: HDR SA KE Ni IDii / ... IDir HASH_R / HDR* HASH_I) ---- */
	{ "our Aggressive Mode KE generated", S(IKE_V1_AGGR_I_KEYGEN), IKE_EV_CRYPTO, 0, 0, 0, 0,
	  v1_aggr_i_keygen },
	{ "Aggressive Mode message 2", S(IKE_V1_AGGR_I1), IKE_EV_REQUEST, V1_X_AGGRESSIVE, 0, 0,
	  K_A2, v1_aggr_i_r1 },
	{ "g^xy computed (Aggressive Mode initiator)", S(IKE_V1_AGGR_I_DERIVE), IKE_EV_CRYPTO, 0, 0,
	  0, 0, v1_aggr_i_derived },
	{ "our KE and g^xy computed (Aggressive Mode responder)", S(IKE_V1_AGGR_R_KEX),
	  IKE_EV_CRYPTO, 0, 0, 0, 0, v1_aggr_r_kex },
	{ "Aggressive Mode message 3", S(IKE_V1_AGGR_R1), IKE_EV_REQUEST, V1_X_AGGRESSIVE, 0, 0,
	  K_A3, v1_aggr_r_i2 },
	/* signatures (p1_sig.h) */
	{ "SIG_R checked, our SIG_I made", S(IKE_V1_AGGR_I_AUTH), IKE_EV_CRYPTO, 0, 0, 0, 0,
	  v1_aggr_i_authed },
	{ "our SIG_R made", S(IKE_V1_AGGR_R_SIGN), IKE_EV_CRYPTO, 0, 0, 0, 0, v1_aggr_r_signed },
	{ "the initiator's SIG_I checked", S(IKE_V1_AGGR_R_VERIFY), IKE_EV_CRYPTO, 0, 0, 0, 0,
	  v1_aggr_r_verified },
	/*
	 * ---- Quick Mode (RFC 2409 5.5): the first message on an established
	 * SA, then the rows of the exchange's own state (sa->v1->qm->state) ----
	 */
	{ "Quick Mode message 1", S_UP, IKE_EV_REQUEST, V1_X_QUICK, 0, 0, K_Q12, v1_quick_r_i1 },
	{ "our Quick Mode KE generated", S_QI1, IKE_EV_CRYPTO, 0, 0, KEX_GEN, 0,
	  v1_quick_i_keygen },
	{ "Quick Mode message 2", S_QI1, IKE_EV_REQUEST, V1_X_QUICK, 0, 0, K_Q12, v1_quick_i_r1 },
	{ "Quick Mode g^xy computed (initiator)", S_QI1, IKE_EV_CRYPTO, 0, 0, KEX_GIR, 0,
	  v1_quick_i_kex },
	{ "Quick Mode KE and g^xy computed (responder)", S_QR1, IKE_EV_CRYPTO, 0, 0, KEX_GIR, 0,
	  v1_quick_r_kex },
	{ "Quick Mode message 3", S_QR1, IKE_EV_REQUEST, V1_X_QUICK, 0, 0, K_Q3, v1_quick_r_i2 },
	/*
	 * ---- XAUTH (draft-beaulieu-ike-xauth-02) in Transaction exchanges,
	 * after Phase 1, before Quick Mode ----
	 */
	{ "XAUTH REPLY", S(IKE_V1_XAUTH_R0), IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0, K_TX,
	  v1_xauth_r_reply },
	{ "XAUTH ACK", S(IKE_V1_XAUTH_R1), IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0, K_TX,
	  v1_xauth_r_ack },
	{ "XAUTH REQUEST", S(IKE_V1_XAUTH_I0), IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0, K_TX,
	  v1_xauth_i_request },
	{ "XAUTH SET", S(IKE_V1_XAUTH_I1), IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0, K_TX,
	  v1_xauth_i_set },
	/* ---- Mode Config (draft-dukes-ike-mode-cfg): push (SET/ACK), pull (REQUEST/REPLY) ---- */
	{ "ModeCfg ACK", S(IKE_V1_MODECFG_R1), IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0, K_TX,
	  v1_modecfg_r_ack },
	{ "ModeCfg SET or REPLY", S(IKE_V1_MODECFG_I1), IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0,
	  K_TX, v1_modecfg_i_reply },
	{ "ModeCfg REQUEST", S_UP, IKE_EV_REQUEST, V1_X_TRANSACTION, 0, 0, K_TX,
	  v1_modecfg_r_request },
	/* ---- Informational (RFC 2408 4.8) ---- */
	{ "Informational", S_UP | S_XA, IKE_EV_REQUEST, V1_X_INFO, 0, 0, K_INFO, v1_info_request },
};

enum v1_msg_kind v1_msg_kind(const struct v1_msg *m)
{
	/* Phase 1's proof: a HASH (pre-shared keys) or a SIG, one of them */
	unsigned auth = m->count[V1_PL_HASH] + m->count[V1_PL_SIG];

	if (!m->body_done)
		return V1K_NONE;
	switch (m->hdr.exchange) {
	case V1_X_MAIN:
		if (m->count[V1_PL_SA] == 1 && !m->count[V1_PL_KE] && !m->count[V1_PL_ID] &&
		    !m->encrypted)
			return V1K_MAIN_SA;
		if (m->count[V1_PL_KE] == 1 && m->count[V1_PL_NONCE] == 1 && !m->count[V1_PL_SA] &&
		    !m->count[V1_PL_ID] && !m->encrypted)
			return V1K_MAIN_KE;
		if (m->count[V1_PL_ID] == 1 && m->count[V1_PL_HASH] + m->count[V1_PL_SIG] == 1 &&
		    !m->count[V1_PL_SA] && !m->count[V1_PL_KE] && m->encrypted)
			return V1K_MAIN_ID;
		return V1K_NONE;
	case V1_X_AGGRESSIVE:
		if (m->count[V1_PL_SA] == 1 && m->count[V1_PL_KE] == 1 &&
		    m->count[V1_PL_NONCE] == 1 && m->count[V1_PL_ID] == 1 && !m->encrypted)
			return auth == 0 ? V1K_AGGR_1 : auth == 1 ? V1K_AGGR_2 : V1K_NONE;
		if (auth == 1 && !m->count[V1_PL_SA] && !m->count[V1_PL_KE] &&
		    !m->count[V1_PL_NONCE] && !m->count[V1_PL_ID])
			return V1K_AGGR_3;
		return V1K_NONE;
	case V1_X_INFO:
		return V1K_INFO;
	case V1_X_TRANSACTION:
		if (!m->encrypted || m->npl != 2 || m->pl[0].type != V1_PL_HASH ||
		    m->pl[1].type != V1_PL_ATTR)
			return V1K_NONE;
		return V1K_TX;
	case V1_X_QUICK:
		if (!m->encrypted || !m->npl || m->pl[0].type != V1_PL_HASH)
			return V1K_NONE;
		if (m->npl == 1)
			return V1K_QUICK_3;
		if (m->count[V1_PL_SA] == 1 && m->count[V1_PL_NONCE] == 1 &&
		    m->count[V1_PL_KE] <= 1 && m->count[V1_PL_HASH] == 1)
			return V1K_QUICK_12;
		return V1K_NONE;
	default:
		return V1K_NONE;
	}
}

void v1_dispatch(struct ike_sa *sa, enum ike_event ev, struct ike_input *in)
{
	const struct ike_transition *t = NULL;
	uint8_t exchange = in->v1m ? in->v1m->hdr.exchange : 0;
	unsigned kind = in->v1m ? (unsigned)v1_msg_kind(in->v1m) : 0;
	enum ike_state state = sa->state;
	enum ike_match match;

	/*
	 * A Quick Mode exchange under way has a state of its own; a key
	 * exchange result after Phase 1 is the exchange's its tag names (a
	 * message's exchange was found by v1_sa_message()).
	 */
	if (sa->v1 && ev == IKE_EV_CRYPTO && in->kex && ike_state_info(sa->state)->established)
		sa->v1->qm = v1_qm_by_msgid(sa->v1, in->kex->tag);
	if (sa->v1 && sa->v1->qm && ike_state_info(sa->state)->established &&
	    (ev == IKE_EV_CRYPTO || exchange == V1_X_QUICK))
		state = sa->v1->qm->state;
	match = ike_transition_find(table, sizeof(table) / sizeof(table[0]), state, ev, exchange,
				    0, in->phase, kind, &t);
	if (match == IKE_MATCH) {
		dbg(DBG_BASE, "#%llu: %s in %s", (unsigned long long)sa->serial, t->name,
		    ike_state_name(sa->state));
		t->fn(sa, in);
		return;
	}
	if (ev == IKE_EV_CRYPTO) {
		dbg(DBG_BASE, "#%llu: a crypto result that %s does not take",
		    (unsigned long long)sa->serial, ike_state_name(sa->state));
		return;
	}
	v1_drop(sa->w, in->rx,
		match == IKE_MATCH_PAYLOADS ? "an IKEv1 message with the wrong payloads for its state"
					    : "an IKEv1 message this state does not take");
}
