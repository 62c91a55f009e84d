/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_AUTH_H
#define SKUA_IKE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/key.h"
#include "crypto/sig.h"
#include "crypto/trust.h"
#include "crypto/x509.h"
#include "ike/id.h"

/*
 * The authentication step of IKE_AUTH (RFC 7296 2.15), one interface for
 * every method: what an end may prove itself with (its policy), how we
 * prove ourselves (a plan: the AUTH method and signature scheme), the
 * octets signed, the AUTH payload's data for each method, and the checks
 * of a peer's AUTH. The computing itself runs as a crypto job
 * (auth_job.h); nothing here depends on an IKE version's exchanges.
 *
 *   method  2  Shared Key MIC       prf(prf(PSK, "Key Pad for IKEv2"), octets)
 *   method  1  RSA Digital Signature  RSASSA-PKCS1-v1_5 with SHA-1
 *   methods 9-11  ECDSA with SHA-256/384/512 on P-256/384/521, r || s (RFC 4754)
 *   method 14  Digital Signature (RFC 7427): a length octet, the ASN.1
 *              AlgorithmIdentifier (crypto/sig_alg.h), the signature:
 *              RSA-PSS or PKCS#1 v1.5, ECDSA (DER), Ed25519, Ed448
 *
 * Method 14 is used when the peer sent SIGNATURE_HASH_ALGORITHMS (RFC
 * 7427 4), with a hash it listed; the legacy methods otherwise (EdDSA has
 * none: it needs the notify).
 */

/* What an end may authenticate with (libreswan's authby), as bits. */
enum ike_auth_class {
	IKE_AUTHC_PSK = 1u << 0,
	IKE_AUTHC_RSA = 1u << 1,
	IKE_AUTHC_ECDSA = 1u << 2,
	IKE_AUTHC_EDDSA = 1u << 3,
	IKE_AUTHC_SIG = IKE_AUTHC_RSA | IKE_AUTHC_ECDSA | IKE_AUTHC_EDDSA,
};

/* The hash bit of an enum v2_hash_alg, for the masks below. */
#define IKE_HASH_BIT(h) ((uint8_t)(1u << (h)))

/*
 * One end's policy, derived from the connection. Owner: the connection
 * (immutable with it), or a plain copy in a job.
 */
struct ike_auth_policy {
	uint8_t classes;		/* enum ike_auth_class bits */
	uint8_t rsa_hashes;		/* IKE_HASH_BIT()s: SHA1 allows method 1; SHA-2 method 14 */
	uint8_t ecdsa_hashes;		/* IKE_HASH_BIT()s of SHA-2 */
};

/* The hashes we announce in SIGNATURE_HASH_ALGORITHMS: SHA2-256/384/512, IDENTITY. */
uint8_t ike_auth_our_hashes(void);

/*
 * The notify's data: one 16-bit identifier per hash (RFC 7427 4).
 * encode writes those of mask in ascending order and returns the length
 * (or -EMSGSIZE); decode returns the mask of the identifiers we know
 * (unknown ones are skipped, as the RFC says), or -EBADMSG for an odd or
 * empty length. Context: any thread; pure.
 */
int ike_sighash_encode(uint8_t mask, uint8_t *out, size_t cap);
int ike_sighash_decode(const uint8_t *data, size_t len);

/* How one signature is made: the AUTH method and, for signatures, the scheme. */
struct ike_auth_plan {
	uint8_t method;			/* enum v2_auth_method */
	struct crypto_sig_scheme scheme;
};

/*
 * RFC 4754's methods, the same numbers in IKEv1 (Phase 1 authentication
 * attribute) and IKEv2 (AUTH method): 9, 10, 11 are ECDSA on P-256, P-384,
 * P-521 with SHA-256, -384, -512, the signature r || s.
 * ike_auth_ecdsa_method: the method of a curve (0: none);
 * ike_auth_ecdsa_plan: the plan of a method (0, or -ENOTSUP for another).
 * Context: any thread; pure.
 */
uint8_t ike_auth_ecdsa_method(enum crypto_curve c);
int ike_auth_ecdsa_plan(uint8_t method, struct ike_auth_plan *out);

/*
 * Choose how we sign with a key of this kind and curve under our policy,
 * given the hashes the peer announced (0: no notify). Returns 0, or
 * -ENOTSUP with *why set: the policy does not allow the key's kind, or
 * no common hash, or EdDSA without the notify.
 * Context: any thread; pure.
 */
int ike_auth_plan_sign(const struct ike_auth_policy *ours, enum crypto_key_kind kind,
		       enum crypto_curve curve, uint8_t peer_hashes, struct ike_auth_plan *out,
		       const char **why);

/*
 * Read a peer's AUTH (method and data, untrusted) against its policy and
 * the hashes we announced: the plan it claims and the signature bytes
 * within data. PSK gives method 2 and the MIC as the "signature".
 * Returns 0, -EBADMSG (malformed: a method 14 length past the data, a
 * bad AlgorithmIdentifier, an empty signature) or -EPERM (well-formed but
 * not allowed: a method or scheme the policy refuses, SHA-1 under method
 * 14, an unknown method); *why says which. Context: any thread; pure.
 */
int ike_auth_parse(const struct ike_auth_policy *theirs, uint8_t our_hashes, uint8_t method,
		   const uint8_t *data, size_t len, struct ike_auth_plan *plan,
		   const uint8_t **sig, size_t *sig_len, const char **why);

/*
 * The AUTH payload's data for a plan and a signature (method 14: the
 * length octet and AlgorithmIdentifier first). Returns its length,
 * -ENOTSUP or -EMSGSIZE. Context: any thread; pure.
 */
int ike_auth_encode(const struct ike_auth_plan *p, const uint8_t *sig, size_t sig_len,
		    uint8_t *out, size_t cap);

/* "RSA", "ECDSA 256", "Digital Signature (ECDSA with SHA2_256)", ... for logs. */
const char *ike_auth_plan_str(const struct ike_auth_plan *p, char *buf, size_t len);

/*
 * The octets an end signs or MACs (RFC 7296 2.15): its IKE_SA_INIT
 * message, the other end's nonce and prf(SK_px, RestOfIDPayload) with
 * the ID as sent. Returns a new buffer (*out, *out_len; the caller frees
 * it), -ENOMEM or the prf's error. Context: any thread.
 */
int ike_auth_octets(uint16_t prf, const uint8_t *init_msg, size_t init_len, const uint8_t *nonce,
		    size_t nonce_len, const uint8_t *sk_p, size_t sk_p_len, const struct ike_id *id,
		    uint8_t **out, size_t *out_len);

/*
 * The PSK's AUTH data (prf output) over octets; and its check in
 * constant time. Return the length / 0, -EBADMSG (no match) or -errno.
 */
int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		 size_t octets_len, uint8_t *out, size_t cap);
int ike_auth_psk_check(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		       size_t octets_len, const uint8_t *auth, size_t auth_len);

/*
 * A CERTREQ's Certification Authority data (RFC 7296 3.7): the SHA-1 of
 * each anchor's SubjectPublicKeyInfo, concatenated. Returns the length
 * (a multiple of 20, at most cap), or -EIO. Context: any thread.
 */
int ike_certreq_data(const struct crypto_trust *t, uint8_t *out, size_t cap);

/*
 * Our end's credentials, attached to the connection when it is added
 * (ctl resolves --cert from the certificate store). Owner: the
 * connection; references, dropped with it.
 */
enum { IKE_CHAIN_MAX = 8 };

struct ike_end_creds {
	struct crypto_cert *cert;	/* --cert, or NULL */
	struct crypto_cert *chain[IKE_CHAIN_MAX];	/* intermediates to send with --sendca */
	size_t nchain;
	struct crypto_privkey *key;	/* our end: the private key, or NULL */
};

/* Drop every reference. Context: whoever frees the connection. */
void ike_end_creds_fini(struct ike_end_creds *c);

#endif
