/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_NATT_H
#define SKUA_IKE_V1_NATT_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/v1/build.h"
#include "ike/v1/msg.h"
#include "net/worker.h"

/*
 * IKEv1 NAT traversal (RFC 3947, and the drafts libreswan 4.10 still
 * takes) and the Vendor IDs of Phase 1's first messages (NAT-T, RFC 3706
 * DPD). Context of everything here: the SA's owner worker.
 *
 *   Main Mode:  HDR, SA, VID...  <->  HDR, SA, VID...
 *               HDR, KE, Ni, NAT-D, NAT-D  <->  HDR, KE, Nr, NAT-D, NAT-D
 *               HDR*#, IDii, HASH_I  ...  (#: on port 4500 when a NAT was seen)
 *   Aggressive: HDR, SA, KE, Ni, IDii, VID... -->
 *               <-- HDR, SA, KE, Nr, IDir, HASH_R, VID..., NAT-D, NAT-D
 *               HDR*#, HASH_I, NAT-D, NAT-D -->
 *
 * NAT-D = HASH(CKY-I | CKY-R | IP | Port) with Phase 1's hash; the first
 * is the receiver's address as the sender sees it, the others the
 * sender's own. The version both ends announced decides the numbers:
 * RFC 3947 (NAT-D 20, NAT-OA 21, UDP-Encapsulated-Tunnel/Transport 3/4)
 * or a draft (130, 131, 61443/61444).
 */

/* The NAT-T version both ends announced, best last (sa->v1->natt). */
enum v1_natt {
	V1_NATT_NONE = 0,
	V1_NATT_DRAFT_02,		/* draft-ietf-ipsec-nat-t-ike-02 */
	V1_NATT_DRAFT_02N,		/* the same, its MD5 taken with a newline */
	V1_NATT_DRAFT_03,
	V1_NATT_RFC,			/* RFC 3947 */
};

/*
 * Our Vendor IDs in message 1 or 2: DPD always (as libreswan), then NAT-T:
 * the initiator every version we speak, the responder the one it chose
 * from the initiator's (none when the initiator spoke none). Returns 0 or
 * -EMSGSIZE.
 */
int v1_vids_build(struct v1_build *b, const struct ike_sa *sa);

/* The peer's Vendor IDs of m: its DPD support, the NAT-T version (the best both speak). */
void v1_vids_read(struct ike_sa *sa, const struct v1_msg *m);

/*
 * Our two NAT-D payloads (none without an agreed NAT-T version), with the
 * addresses and ports of the Phase 1 exchange so far; with --forceencaps
 * our own hash is spoiled so that the peer sees a NAT.
 */
int v1_natd_build(struct v1_build *b, const struct ike_sa *sa);

/*
 * The peer's NAT-D payloads of m against our addresses: sets
 * sa->nat_local / sa->nat_peer (--forceencaps: nat_local) and logs the
 * result as libreswan does. Nothing without an agreed version.
 */
void v1_natd_check(struct ike_sa *sa, const struct v1_msg *m);

/* The initiator before its message 5 (Aggressive: 3): to port 4500 when a NAT is in the way. */
void v1_natt_float(struct ike_sa *sa);

/* An authenticated message of sa came: follow the peer to port 4500 and to a new NAT mapping. */
void v1_natt_follow(struct ike_sa *sa, const struct net_rx *rx);

/* The same for a message that came on listener l from peer_port (checked after it went). */
void v1_natt_follow_to(struct ike_sa *sa, struct net_listener *l, uint16_t peer_port);

/* Whether the IPsec SAs of sa go ESP in UDP. */
static inline bool v1_natt_encap(const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_peer;
}

/* The Encapsulation Mode attribute for tunnel or transport mode: the UDP ones behind a NAT. */
uint16_t v1_natt_mode(const struct ike_sa *sa, bool tunnel);

/* Whether an Encapsulation Mode value is a transport mode (plain, RFC 3947 or draft). */
bool v1_encap_is_transport(uint16_t mode);

/*
 * NAT-OA (RFC 3947 5.2) for Quick Mode in transport mode behind a NAT:
 * NAT-OAi (the initiator's address) and NAT-OAr (the responder's), as
 * this end knows them; nothing otherwise.
 */
int v1_nat_oa_build(struct v1_build *b, const struct ike_sa *sa, bool initiator);

/* Arm the NAT keepalives (RFC 3948 4) of an established sa behind a NAT, as IKEv2's. */
void v1_natt_keepalive_arm(struct ike_sa *sa);

#endif
