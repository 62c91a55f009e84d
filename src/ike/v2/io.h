/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_IO_H
#define SKUA_IKE_V2_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/v2/build.h"
#include "ike/v2/msg.h"

/*
 * Sending and receiving IKEv2 messages of an SA: the header, the SK
 * payload's protection, the message ID window (window.h when larger than one),
 * retransmission of our requests and the cache of our last response. Context: the owner worker.
 */

enum { V2_TXBUF = 65536 };

/* Start a message of sa: header (SPIs, flags, msgid) and, when sk, an open SK payload. */
int v2_start(struct ike_sa *sa, struct v2_build *b, uint8_t exchange, bool response,
	     uint32_t msgid, bool sk);

/* Close the SK payload and encrypt it; *len gets the message length. */
int v2_seal(struct ike_sa *sa, struct v2_build *b, size_t *len);

/* Put bytes on the wire to the SA's peer (no bookkeeping). */
int v2_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* Send our request: keep a copy and arm the retransmit timer. */
int v2_send_request(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* Send our response: keep a copy for a retransmitted request; bump the window. */
int v2_send_response(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* The request was answered: stop retransmitting. */
void v2_request_done(struct ike_sa *sa);

/*
 * Decrypt and decode the SK payload of m in place (buf is m's datagram,
 * writable: it is the worker's receive buffer) and check the payload
 * rules. Returns 0, -EBADMSG (integrity failed: drop silently, counted) or
 * a positive notify type to answer (INVALID_SYNTAX, ...).
 */
int v2_open(struct ike_sa *sa, uint8_t *buf, struct v2_msg *m);

/*
 * A stateless answer to an IKE_SA_INIT request: one notify (COOKIE,
 * INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, ...). Context: the receiving worker.
 */
void v2_send_init_notify(struct ike_worker *w, const struct net_rx *rx, const struct v2_hdr *req,
			 uint16_t type, const void *data, size_t len);

/*
 * The same answer from a responder SA, to the request it was created for
 * (e.g. INVALID_SYNTAX for a KE value the key exchange refused); the
 * caller frees the SA. Context: the owner.
 */
void v2_sa_send_init_notify(struct ike_sa *sa, uint16_t type);

/*
 * The next retransmission of a request sent *retries times before: false
 * when it times out instead, else *retries counts it and *wait is the
 * pause before the one after. Context: any.
 */
bool v2_retrans_next(uint8_t *retries, uint64_t *wait);

/* Retransmissions of one request before it times out. Context: any. */
unsigned v2_retransmissions_max(void);

/*
 * What a retransmit timeout means for the SA, set by the exchange code.
 * Called when the retries ran out. Context: the owner.
 */
void v2_request_timeout(struct ike_sa *sa);

/* The first IKE_SA_INIT request: no SA exists yet (sa_init.c). */
void v2_init_request(struct ike_worker *w, struct net_rx *rx, struct v2_msg *m);

/*
 * A responder whose IKE_SA_INIT response was sent, not kept (struct
 * ike_setup's resp_rebuilt): keep it now in setup->init_resp, built again,
 * for AUTH to sign; called when the IKE_AUTH request comes. 0 (also when
 * it is kept already), or -ENOMEM. Context: the owner (sa_init.c).
 */
int v2_init_resp_keep(struct ike_sa *sa);

/*
 * The Message ID of the peer's request being answered now (requests in a
 * window larger than one are answered in any order). Context: the owner.
 */
uint32_t v2_answer_msgid(const struct ike_sa *sa);

/* Answer the peer's current request with one error notify. */
void v2_answer_error(struct ike_sa *sa, uint8_t exchange, uint16_t type);

/* Record the peer's SET_WINDOW_SIZE (RFC 7296 2.3), if m carries one. */
void v2_note_window(struct ike_sa *sa, const struct v2_msg *m);

/* Timer callbacks, set up by ike_sa_new(). */
void v2_retrans_fire(struct timer_wheel *tw, struct timer *t, void *arg);
void v2_life_fire(struct timer_wheel *tw, struct timer *t, void *arg);
void v2_keepalive_fire(struct timer_wheel *tw, struct timer *t, void *arg);
void v2_dpd_fire(struct timer_wheel *tw, struct timer *t, void *arg);

/*
 * Whether worker w may send one more stateless answer to an unknown
 * sender this second (V2_STATELESS_ANSWERS_PER_S, shared with IKEv1's);
 * when not, the datagram is dropped and counted with what as the reason.
 * Context: worker w.
 */
bool v2_answer_allowed(struct ike_worker *w, const struct net_rx *rx, const char *what);

/* Log a dropped message, rate-limited, and count it. */
void v2_drop(struct ike_worker *w, const struct net_rx *rx, const char *why);

#endif
