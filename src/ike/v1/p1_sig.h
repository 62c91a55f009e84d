/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_P1_SIG_H
#define SKUA_IKE_V1_P1_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/ikev1_keys.h"
#include "ike/auth_job.h"
#include "ike/ike_sa.h"
#include "ike/v1/build.h"
#include "ike/v1/msg.h"

/*
 * Phase 1 authentication with signatures (RFC 2409 5.1), on the step
 * IKEv2 uses (ike/auth.h, ike/auth_job.h): the same certificate store,
 * chain validation, ID-in-certificate check, raw keys and crypto job.
 * Only the inputs are IKEv1's:
 *
 *   SKEYID = prf(Ni_b | Nr_b, g^xy)
 *   SIG_I  = the initiator's signature over HASH_I, SIG_R over HASH_R,
 *            by the one method the SA payload negotiated:
 *     RSA_SIG (3)   the prf output in a PKCS#1 type 1 block without
 *                   DigestInfo (crypto/sig.h CRYPTO_SIG_RSA_PKCS1_RAW), as
 *                   libreswan and strongSwan sign it
 *     ECDSA (9, 10, 11; RFC 4754)  ECDSA with a key on P-256, P-384,
 *                   P-521 over HASH_I/HASH_R taken as the digest itself
 *                   (not hashed again: crypto/sig.h ECDSA_DIGEST), r || s
 *                   each the field's size, as strongSwan signs and checks
 *                   it; the method fixes the curve as IKEv2's methods of
 *                   the same numbers do (ike_auth_ecdsa_plan())
 *
 * Our key chooses the method we propose and accept (v1_sig_method()): an
 * RSA key RSA_SIG, an EC key the method of its curve. The peer's
 * certificate key must make the negotiated method's signature, else its
 * message is refused (auth_job.c says which key and which method).
 * libreswan's IKEv1 has no ECDSA: it proposes RSA_SIG only.
 *
 * CERT payloads (X.509 Signature, type 4) carry our certificate with the
 * ID payload; CR payloads (type 4 with a CA's DN, RFC 2408 3.10) go in
 * Main Mode messages 3 and 4, Aggressive Mode 1 and 2.
 *
 * Context of everything here: the SA's owner worker.
 */

/* Whether a Phase 1 authentication method (enum v1_auth) is a signature one; an ECDSA one. */
bool v1_p1_is_sig(uint16_t auth);
bool v1_p1_is_ecdsa(uint16_t auth);

/* "RSA_SIG", "ECDSA_P256", "PRESHARED_KEY", ... for the established line. */
const char *v1_p1_auth_name(uint16_t auth);

struct connection;
struct ike_daemon;

/*
 * The signature method (enum v1_auth) our end this_end of c proposes and
 * accepts, from our private key (ike_auth_end_key()): RSA_SIG
 * (XAUTHInitRSA with xauth) for RSA, ECDSA_256/384/521 for EC on
 * P-256/384/521. Without a key, our certificate's key says (signing then
 * fails and says why); without either, RSA_SIG. Returns it, or -ENOTSUP
 * with *why: a key kind or curve IKEv1 has no method for, or one the
 * connection does not allow both ends (IKEv1 authenticates both by one
 * method), or XAUTH with ECDSA. Context: a worker (reads the secrets
 * under RCU).
 */
int v1_sig_method(struct ike_daemon *d, const struct connection *c, uint8_t this_end, bool xauth,
		  const char **why);

/*
 * What the peer's message with its SIG leaves until its job is submitted
 * and answered: copies of SIG and CERT, its ID, and what the message sets
 * once it is accepted (the IV after it, its digest for retransmissions,
 * where it came from, INITIAL-CONTACT). Owner: sa->v1->sig; wiped, freed
 * with the SA or once used.
 */
struct v1_sig_pend {
	uint8_t *sig;
	size_t sig_len;
	uint8_t *certs[IKE_AUTH_PEER_CERTS];	/* end certificate first */
	size_t cert_len[IKE_AUTH_PEER_CERTS];
	size_t ncerts;
	struct ike_id id;		/* the peer's, as received */
	uint8_t iv[CRYPTO_V1_BLOCK_MAX];	/* the IV once the message is accepted */
	uint8_t rx_digest[32];
	bool encrypted;
	bool initial_contact;
	struct net_listener *l;		/* a reference */
	uint16_t peer_port;
};

/*
 * Keep the SIG and CERT payloads of m (SIG required: -EBADMSG without
 * one), the peer's ID id, and the receiving state of rx, in sa->v1->sig.
 * Returns 0, -EBADMSG or -ENOMEM.
 */
int v1_sig_take(struct ike_sa *sa, const struct net_rx *rx, const struct v1_msg *m,
		const struct ike_id *id);

/* Free sa->v1->sig (none is fine). */
void v1_sig_pend_free(struct ike_sa *sa);

/* Note a CR in m: the peer asked for our certificate (--sendcert ifasked). */
void v1_sig_note_cr(struct ike_sa *sa, const struct v1_msg *m);

/*
 * Our CR payloads, when the peer authenticates with a signature: its --ca,
 * else each of our trust anchors by DN (at most 8), else one naming no CA.
 * Returns 0 or -EMSGSIZE.
 */
int v1_sig_build_cr(struct ike_sa *sa, struct v1_build *b);

/* Our CERT payloads, as --sendcert and --sendca say. Returns 0 or -EMSGSIZE. */
int v1_sig_build_certs(struct ike_sa *sa, struct v1_build *b);

/*
 * One job: verify the kept SIG over peer_hash (NULL: nothing to verify)
 * against the kept certificates and the peer's ID, then sign our_hash
 * (NULL: nothing to sign). The kept copies go to the job; the result
 * comes back as an IKE_EV_CRYPTO with in->auth (r->auth is our SIG's
 * data). Returns 0, -ENOKEY (no private key to sign with), -EINVAL (no
 * SIG kept) or -ENOMEM.
 */
int v1_sig_submit(struct ike_sa *sa, const uint8_t *peer_hash, const uint8_t *our_hash,
		  size_t hash_len);

#endif
