/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv2's transitions, as data: for each state, which request of the
 * peer, which answer to which of our tasks, and which crypto result goes
 * to which handler, with the payload rows (rules.c) the message must
 * match. The first IKE_SA_INIT request has no SA yet: v2_init_request()
 * takes it before any state exists. What happens on a timeout is the
 * state's (ike_state_info()) and the retransmission's (io.c).
 */
#include "ike/v2/exchange.h"
#include "ike/v2/kex.h"
#include "ike/v2/rules.h"
#include "ike/v2/task.h"
#include "ike/v2/io.h"
#include "util/log.h"

enum {
	S_UP = 1u << IKE_ESTABLISHED,
	S_UP_OR_GOING = 1u << IKE_ESTABLISHED | 1u << IKE_DELETING | 1u << IKE_REKEYED,
};

static const struct ike_transition table[] = {
	/* ---- the SA's birth (RFC 7296 1.2) ---- */
	{ "IKE_SA_INIT response", 1u << IKE_I_INIT_SENT, IKE_EV_RESPONSE, V2_IKE_SA_INIT,
	  V2T_SETUP, 0, 1u << V2K_SA_INIT_RESP | 1u << V2K_SA_INIT_RESP_ERR, v2_init_response },
	{ "our KE generated", 1u << IKE_I_KEYGEN, IKE_EV_CRYPTO, 0, V2T_SETUP, 0, 0,
	  v2_init_keygen_done },
	{ "IKE SA keys derived (initiator)", 1u << IKE_I_DERIVE, IKE_EV_CRYPTO, 0, V2T_SETUP, 0, 0,
	  v2_init_derive_done },
	{ "SKEYSEED computed (responder)", 1u << IKE_R_KEX, IKE_EV_CRYPTO, 0, V2T_SETUP, 0, 0,
	  v2_init_r_kex_done },
	{ "IKE_AUTH request", 1u << IKE_R_INIT_SENT, IKE_EV_REQUEST, V2_IKE_AUTH, 0, 0,
	  1u << V2K_AUTH_REQ | 1u << V2K_AUTH_REQ_EAP | 1u << V2K_AUTH_REQ_EAP_FINAL, v2_auth_request },
	{ "IKE_AUTH response", 1u << IKE_I_AUTH_SENT, IKE_EV_RESPONSE, V2_IKE_AUTH, V2T_SETUP, 0,
	  1u << V2K_AUTH_RESP | 1u << V2K_AUTH_RESP_ERR | 1u << V2K_AUTH_RESP_EAP |
		  1u << V2K_AUTH_RESP_EAP_FINAL,
	  v2_auth_response },
	{ "our AUTH signed", 1u << IKE_I_AUTH_SIGN, IKE_EV_CRYPTO, 0, V2T_SETUP, V2_PHASE_AUTH, 0,
	  v2_auth_i_signed },
	{ "the responder's AUTH checked", 1u << IKE_I_AUTH_VERIFY, IKE_EV_CRYPTO, 0, V2T_SETUP,
	  V2_PHASE_AUTH, 0, v2_auth_i_checked },
	{ "the initiator's AUTH checked, ours made", 1u << IKE_R_AUTH, IKE_EV_CRYPTO, 0, V2T_SETUP,
	  V2_PHASE_AUTH, 0, v2_auth_r_checked },

	/* ---- INFORMATIONAL (1.4) ---- */
	{ "INFORMATIONAL request", S_UP_OR_GOING, IKE_EV_REQUEST, V2_INFORMATIONAL, 0, 0,
	  1u << V2K_INFO_REQ, v2_info_request },
	{ "Delete of the IKE SA answered", S_UP_OR_GOING, IKE_EV_RESPONSE, V2_INFORMATIONAL,
	  V2T_DELETE_IKE, 0, 1u << V2K_INFO_RESP, v2_info_deleted_ike },
	{ "Delete of Child SAs answered", S_UP_OR_GOING, IKE_EV_RESPONSE, V2_INFORMATIONAL,
	  V2T_DELETE_CHILD, 0, 1u << V2K_INFO_RESP, v2_info_deleted_child },
	{ "liveness check answered", S_UP_OR_GOING, IKE_EV_RESPONSE, V2_INFORMATIONAL,
	  V2T_LIVENESS, 0, 1u << V2K_INFO_RESP, v2_info_alive },
	{ "redirect answered", S_UP_OR_GOING, IKE_EV_RESPONSE, V2_INFORMATIONAL, V2T_REDIRECT, 0,
	  1u << V2K_INFO_RESP, v2_info_alive },

	/* ---- CREATE_CHILD_SA, the peer's (1.3) ---- */
	{ "CREATE_CHILD_SA request (Child SA)", S_UP, IKE_EV_REQUEST, V2_CREATE_CHILD_SA, 0, 0,
	  1u << V2K_CHILD_REQ, v2_cc_r_child },
	{ "CREATE_CHILD_SA request (IKE SA rekey)", S_UP, IKE_EV_REQUEST, V2_CREATE_CHILD_SA, 0, 0,
	  1u << V2K_REKEY_IKE_REQ, v2_cc_r_ike },
	{ "CREATE_CHILD_SA request while going", S_UP_OR_GOING & ~S_UP, IKE_EV_REQUEST,
	  V2_CREATE_CHILD_SA, 0, 0, 1u << V2K_CHILD_REQ | 1u << V2K_REKEY_IKE_REQ, v2_cc_r_busy },
	{ "our CREATE_CHILD_SA answer's crypto", S_UP_OR_GOING, IKE_EV_CRYPTO, 0, V2T_ANSWER, 0, 0,
	  v2_cc_r_crypto },

	/* ---- CREATE_CHILD_SA, ours ---- */
	{ "our KE for a new Child SA", S_UP, IKE_EV_CRYPTO, 0, V2T_NEW_CHILD, KEX_GEN, 0,
	  v2_cc_i_keygen },
	{ "our KE for a Child SA rekey", S_UP, IKE_EV_CRYPTO, 0, V2T_REKEY_CHILD, KEX_GEN, 0,
	  v2_cc_i_keygen },
	{ "our KE for the IKE SA rekey", S_UP, IKE_EV_CRYPTO, 0, V2T_REKEY_IKE, KEX_GEN, 0,
	  v2_cc_i_keygen },
	{ "new Child SA answered", S_UP, IKE_EV_RESPONSE, V2_CREATE_CHILD_SA, V2T_NEW_CHILD, 0,
	  1u << V2K_CHILD_RESP | 1u << V2K_CHILD_RESP_ERR, v2_cc_i_child_response },
	{ "Child SA rekey answered", S_UP, IKE_EV_RESPONSE, V2_CREATE_CHILD_SA, V2T_REKEY_CHILD, 0,
	  1u << V2K_CHILD_RESP | 1u << V2K_CHILD_RESP_ERR, v2_cc_i_child_response },
	{ "g^ir of a new Child SA", S_UP, IKE_EV_CRYPTO, 0, V2T_NEW_CHILD, KEX_GIR, 0,
	  v2_cc_i_child_gir },
	{ "g^ir of a Child SA rekey", S_UP, IKE_EV_CRYPTO, 0, V2T_REKEY_CHILD, KEX_GIR, 0,
	  v2_cc_i_child_gir },
	{ "IKE SA rekey answered", S_UP, IKE_EV_RESPONSE, V2_CREATE_CHILD_SA, V2T_REKEY_IKE, 0,
	  1u << V2K_REKEY_IKE_RESP | 1u << V2K_CHILD_RESP_ERR, v2_cc_i_ike_response },
	{ "the rekeyed IKE SA's keys", S_UP, IKE_EV_CRYPTO, 0, V2T_REKEY_IKE, KEX_REKEY_IKE, 0,
	  v2_cc_i_ike_keys },
};

void v2_dispatch(struct ike_sa *sa, enum ike_event ev, struct ike_input *in)
{
	const struct ike_transition *t = NULL;
	uint8_t exchange = in->m ? in->m->hdr.exchange : 0;
	unsigned kind = in->m ? (unsigned)v2_rules_kind(in->m) : 0;
	enum ike_match match;

	if (ev == IKE_EV_RESPONSE)
		in->task = sa->active ? sa->active->kind : V2T_SETUP;
	else if (ev == IKE_EV_REQUEST)
		in->task = 0;
	match = ike_transition_find(table, sizeof(table) / sizeof(table[0]), sa->state, ev,
				    exchange, in->task, in->phase, kind, &t);
	if (match == IKE_MATCH) {
		dbg(DBG_BASE, "#%llu: %s in %s", (unsigned long long)sa->serial, t->name,
		    ike_state_name(sa->state));
		t->fn(sa, in);
		return;
	}
	if (ev == IKE_EV_CRYPTO) {
		/* The SA moved on while the job ran (a Delete, a failure): nothing to resume. */
		dbg(DBG_BASE, "#%llu: a crypto result (task %u) that %s does not take",
		    (unsigned long long)sa->serial, in->task, ike_state_name(sa->state));
		return;
	}
	if (ev == IKE_EV_REQUEST && (match == IKE_MATCH_PAYLOADS || exchange < V2_IKE_SA_INIT ||
				     exchange > V2_INFORMATIONAL)) {
		v2_answer_error(sa, exchange, V2N_INVALID_SYNTAX);
		return;
	}
	v2_drop(sa->w, in->rx,
		match == IKE_MATCH_PAYLOADS ? "a message with the wrong payloads for its exchange"
		: ev == IKE_EV_REQUEST	    ? "a request this state does not take"
					    : "a response this state does not take");
}
