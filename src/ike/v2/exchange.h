/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_EXCHANGE_H
#define SKUA_IKE_V2_EXCHANGE_H

#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/transition.h"
#include "ike/v2/msg.h"

/*
 * The IKEv2 exchanges: what the transition table (transitions.c) calls,
 * and the steps the exchange files hand to each other. Context: the owner
 * worker.
 */

/*
 * Run the row of IKEv2's transition table for this event of sa: a
 * request or response that passed v2_open(), or a crypto job's result.
 * A message with payloads no row of its state accepts is answered
 * INVALID_SYNTAX (a request) or dropped (a response); an event no row
 * handles is dropped and logged.
 */
void v2_dispatch(struct ike_sa *sa, enum ike_event ev, struct ike_input *in);

/* sa_init.c */
int v2_initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr,
		unsigned tries);
/*
 * Start over at gateway gw on old's behalf (a REDIRECT, RFC 5685): a new
 * IKE SA of the same connection, local address and whack command, which
 * counts one more redirect and names old's peer in REDIRECTED_FROM. The
 * caller ends old. Returns 0, -ENOMEM or -EAFNOSUPPORT (gw is of another
 * family than our address).
 */
int v2_initiate_redirected(struct ike_sa *old, const struct ip_addr *gw);
const char *v2_notify_name(uint16_t type);
uint16_t v2_first_error(const struct v2_msg *m);	/* first error notify, or 0 */
ike_handler_fn v2_init_response;	/* IKE_SA_INIT response */
ike_handler_fn v2_init_keygen_done;	/* initiator: our KE is ready */
ike_handler_fn v2_init_derive_done;	/* initiator: the keys are derived */
ike_handler_fn v2_init_r_kex_done;	/* responder: our KE and SKEYSEED are ready */

/* auth.c */
void v2_auth_start(struct ike_sa *sa);	/* keys are derived: authenticate, ask for a Child SA */
ike_handler_fn v2_auth_request;
ike_handler_fn v2_auth_response;
ike_handler_fn v2_auth_i_signed;	/* initiator: our AUTH is signed */
ike_handler_fn v2_auth_i_checked;	/* initiator: the responder's AUTH is checked */
ike_handler_fn v2_auth_r_checked;	/* responder: the initiator's checked, ours made */
/* The phase of an authentication job's result (beside enum v2_kex_mode). */
enum { V2_PHASE_AUTH = 16 };
/*
 * IKE_SA_INIT's part of authentication: our SIGNATURE_HASH_ALGORITHMS
 * (an initiator whose connection may use signatures; a responder when the
 * initiator sent one) and a responder's CERTREQ; and noting the peer's.
 */
struct v2_build;
void v2_auth_init_payloads(struct ike_sa *sa, struct v2_build *b);
void v2_auth_init_note(struct ike_sa *sa, const struct v2_msg *m);

/* informational.c */
void v2_ike_established(struct ike_sa *sa);
/* Arm the lifetime (and rekey) timer and the NAT keepalive of an established SA. */
void v2_ike_arm_timers(struct ike_sa *sa);
/*
 * Tell the peer that Child SA c goes (a Delete, queued behind whatever
 * request is out). c stays until the answer, unless the caller removes it.
 */
void v2_child_delete_tell_peer(struct ike_sa *sa, struct child_sa *c);

/*
 * How long before the end of a lifetime of life_ms an SA of cs is rekeyed
 * (or re-established): rekeymargin plus a random 0..rekeyfuzz percent of
 * it, at most half the lifetime; 0 with --dontrekey. Context: any.
 */
uint64_t ike_rekey_margin_ms(const struct conn_spec *cs, uint64_t life_ms);
ike_handler_fn v2_info_request;
ike_handler_fn v2_info_deleted_ike;	/* answer to our Delete of the IKE SA */
ike_handler_fn v2_info_deleted_child;	/* answer to our Delete of Child SAs */
ike_handler_fn v2_info_alive;		/* answer to our liveness check */

/* liveness.c */
/* Start looking at the peer's liveness (--dpddelay), if the connection asks. */
void v2_liveness_arm(struct ike_sa *sa);
/* The peer was heard from (an authenticated message, or traffic). */
void v2_liveness_heard(struct ike_sa *sa);

/* create_child.c */
ike_handler_fn v2_cc_r_child;		/* the peer's new or rekeyed Child SA */
ike_handler_fn v2_cc_r_ike;		/* the peer's IKE SA rekey */
ike_handler_fn v2_cc_r_busy;		/* ... in a state that cannot take it */
ike_handler_fn v2_cc_r_crypto;		/* our answer's job came back */
ike_handler_fn v2_cc_i_keygen;		/* our KE for our request is ready */
ike_handler_fn v2_cc_i_child_response;
ike_handler_fn v2_cc_i_child_gir;
ike_handler_fn v2_cc_i_ike_response;
ike_handler_fn v2_cc_i_ike_keys;
/* Free our pending answer to the peer's CREATE_CHILD_SA (done, failed, or the SA goes). */
void v2_cc_resp_free(struct ike_sa *sa);

/*
 * Are we computing our answer to the peer's IKE SA rekey? Our own
 * exchanges wait meanwhile: the answer moves every Child SA and queued
 * task to the new IKE SA, and one started on the old SA would lose its
 * Child SA to the move (RFC 7296 2.25.2 keeps the two apart).
 */
bool v2_cc_answering_ike_rekey(const struct ike_sa *sa);

/* The exit code a notify gives whack: RC_NOTIFICATION + type, capped. */
static inline unsigned v2_notify_rc(uint16_t type)
{
	unsigned rc = 200u + type;
	return rc > 255 ? 255 : rc;
}

#endif
