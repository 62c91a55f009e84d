/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_PROPOSAL_H
#define SKUA_IKE_V1_PROPOSAL_H

#include <stddef.h>
#include <stdint.h>

#include "ike/v1/payloads.h"
#include "ike/v1/state.h"

/*
 * IKEv1 Phase 1 proposals in libreswan's syntax and with its defaults:
 * ike= is read by the same parser as IKEv2's (ike/proposal.h: encr-hash;dh
 * lists, DES, MD5 and MODP768 refused), then each proposal becomes one
 * ISAKMP transform per encryption x hash x group. IKEv1 has no AEAD: a
 * GCM or ChaCha20 proposal is refused, as libreswan refuses it ("not
 * supported by IKEv1"). 3DES is not supported yet.
 *
 * Without ike=, libreswan 4.10's IKEv1 list less 3DES: AES-CBC (256, then
 * 128) x SHA2-256, SHA2-512, SHA1 x MODP2048, MODP1536.
 */

enum { V1_P1_MAX = 48 };

/* Owner: whoever built it; plain data. */
struct v1_p1_set {
	uint8_t n;
	struct v1_p1 t[V1_P1_MAX];
};

/*
 * The set for a connection's ike= (NULL: the defaults), each transform
 * with auth and life_s. Returns 0, or -EINVAL / -ENOTSUP with a message
 * in err. Context: any thread; pure.
 */
int v1_p1_set_make(const char *ike, uint16_t auth, uint32_t life_s, struct v1_p1_set *out,
		   char *err, size_t errlen);

/* The initiator's SA payload: one ISAKMP proposal, one transform each. Context: any; pure. */
int v1_p1_set_to_sa(const struct v1_p1_set *set, struct v1_sa *out);

/*
 * Read one ISAKMP transform. Returns 0, or -ENOTSUP when it carries an
 * attribute, value or transform ID we do not support (it never matches).
 * Context: any; pure.
 */
int v1_p1_of_transform(const struct v1_sa *sa, const struct v1_transform *t, struct v1_p1 *out);

/*
 * Responder: the first transform of the peer's first ISAKMP proposal that
 * matches one of ours (same encryption, key length, hash, auth and group;
 * the peer's lifetime, capped by ours). On 0, *chosen and *ti (index into
 * offered->trans) are set; -ENOENT when none matches (NO_PROPOSAL_CHOSEN).
 * Context: any; pure.
 */
int v1_p1_choose(const struct v1_p1_set *local, const struct v1_sa *offered,
		 struct v1_p1 *chosen, unsigned *ti);

/* Initiator: whether the responder's one transform is one we offered. Context: any; pure. */
bool v1_p1_offered(const struct v1_p1_set *local, const struct v1_p1 *p);

/* "AES_CBC_256-HMAC_SHA2_256-MODP2048" for logs and --status. Context: any. */
const char *v1_p1_str(const struct v1_p1 *p, char *buf, size_t len);

struct conn_spec;

/*
 * What an IKEv1 connection may ask for today: Main Mode with pre-shared
 * keys (--psk on both ends) and an ike= IKEv1 can negotiate. Returns 0,
 * or -ENOTSUP / -EINVAL with the reason in err ("... not supported yet").
 * Context: any thread (the ctl thread adding a connection); pure.
 */
int v1_connection_check(const struct conn_spec *spec, char *err, size_t errlen);

#endif
