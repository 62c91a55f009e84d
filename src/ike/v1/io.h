/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_IO_H
#define SKUA_IKE_V1_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_daemon.h"
#include "ike/v1/msg.h"
#include "net/worker.h"

/*
 * IKEv1 datagrams: what ikev1-policy= says to do with them, the SA they
 * belong to (our cookie: the responder's, or the initiator's when we
 * initiated), and the hand-over to the IKEv1 transition table.
 */

/*
 * A datagram whose major version is 1, handed over by ike_on_datagram().
 * Context: worker w (the steering program's pick; a packet of an SA owned
 * by another worker is forwarded to it).
 */
void v1_on_datagram(struct ike_worker *w, struct net_rx *rx);

/*
 * An unencrypted Informational message with one Notification (DOI IPsec,
 * protocol ISAKMP, no SPI) to the sender of req, cookies copied: the
 * answer to a message no SA takes. Rate-limited with IKEv2's stateless
 * answers; never sent in answer to an Informational. Returns whether it
 * was sent. Context: worker w.
 */
bool v1_send_notify_stateless(struct ike_worker *w, const struct net_rx *rx,
			      const struct v1_hdr *req, uint16_t type);

/* Log a dropped IKEv1 message (rate-limited) and count it. Context: worker w. */
void v1_drop(struct ike_worker *w, const struct net_rx *rx, const char *why);

/* The first message of a Main Mode exchange: no SA has it yet (main.c). */
void v1_main_first(struct ike_worker *w, struct net_rx *rx, struct v1_msg *m);

/* The first message of an Aggressive Mode exchange (main.c). */
void v1_aggr_first(struct ike_worker *w, struct net_rx *rx, struct v1_msg *m);

/*
 * Sending txbuf's first len bytes for sa (main.c): a request, kept and
 * retransmitted until v1_request_done(); an answer, kept and resent when
 * the message being read (its digest in sa->v1->rx_digest) comes again.
 * Context: the owner.
 */
int v1_send_request(struct ike_sa *sa, size_t len);
void v1_request_done(struct ike_sa *sa);
int v1_send_answer(struct ike_sa *sa, size_t len);
/* len bytes of buf to sa's peer as they are (a message kept for resending). */
int v1_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* A message of an IKEv1 SA of ours, decoded (not decrypted). Context: the owner. */
void v1_sa_message(struct ike_sa *sa, struct net_rx *rx, struct v1_msg *m);

#endif
