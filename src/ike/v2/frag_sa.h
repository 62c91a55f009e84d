/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_FRAG_SA_H
#define SKUA_IKE_V2_FRAG_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/v2/build.h"
#include "ike/v2/msg.h"

/*
 * IKEv2 fragmentation (RFC 7383) on an IKE SA: the IKE_SA_INIT
 * announcement (IKEV2_FRAGMENTATION_SUPPORTED), cutting a sealed message
 * that would not fit the path into SKF fragments, and taking received
 * fragments in, each authenticated and decrypted on its own before it is
 * stored (2.6). The codec is v2/frag.h. Context: the owner worker.
 */

enum {
	/*
	 * The IP datagram sizes RFC 7383 2.5.1 recommends: a message is cut
	 * when, with its IP and UDP headers (and the non-ESP marker on the
	 * NAT-T port), it would exceed them.
	 */
	V2_FRAG_IPV4_DGRAM = 576,
	V2_FRAG_IPV6_DGRAM = 1280,
	/* the reassembled fragments one worker holds at most, over all its SAs */
	V2_FRAG_WORKER_BYTES = 4u << 20,
	/* what the fragments of one message add to it: headers, IVs, padding, ICVs */
	V2_FRAG_SLACK = V2_MAX_FRAGMENTS * 160,
};

/* IKE_SA_INIT: our N(IKEV2_FRAGMENTATION_SUPPORTED) when it is ours to send. */
void v2_frag_init_payloads(struct ike_sa *sa, struct v2_build *b);

/* IKE_SA_INIT: note the peer's announcement; decides whether sa uses fragments. */
void v2_frag_init_note(struct ike_sa *sa, const struct v2_msg *m);

/* The largest IKE message sent whole on sa's path (RFC 7383 2.5.1). */
size_t v2_frag_limit(const struct ike_sa *sa);

/*
 * Whether a sealed message of total bytes goes out in fragments.
 */
bool v2_frag_wanted(const struct ike_sa *sa, size_t total);

/*
 * Cut the built, not yet encrypted SK message buf (its layout lay) into
 * fragments and encrypt each: they are written one after the other into
 * the worker's txbuf (each a whole IKE message; v2_send_raw() sends them
 * one datagram each) and *len gets their sum. Returns 0 or -errno.
 */
int v2_frag_seal(struct ike_sa *sa, const uint8_t *buf, const struct v2_sk_layout *lay,
		 const struct v2_sk_sizes *sz, size_t *len);

/*
 * A received SKF message m (its datagram buf, writable) of sa: check and
 * decrypt it, and keep its content. Returns 0 when it completed the
 * message (*plain, *plain_len and *first: the whole inner chain, in the
 * worker's buffer, good until the next datagram), -EINPROGRESS when more
 * fragments are due (or it was a duplicate), -EBADMSG when it failed
 * integrity or its numbers (counted as a bad fragment and dropped),
 * -ENOBUFS when the worker holds too much already (counted, dropped).
 */
int v2_frag_take(struct ike_sa *sa, uint8_t *buf, const struct v2_msg *m, uint8_t **plain,
		 size_t *plain_len, uint8_t *first);

/* Free what sa holds of a reassembly. Context: the owner. */
void v2_frag_sa_free(struct ike_sa *sa);

#endif
