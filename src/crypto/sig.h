/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_SIG_H
#define SKUA_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/key.h"

/*
 * Signatures for IKEv2 authentication (RFC 7296 2.15, RFC 7427, RFC 4754,
 * RFC 8420). A scheme names the algorithm and its hash; the message is
 * always the whole octet string to sign (the AUTH "SignedOctets"): the
 * hash is computed inside, as each scheme defines.
 *
 *   RSA_PKCS1  RSASSA-PKCS1-v1_5 (RFC 8017 8.2), EMSA with the DigestInfo
 *              of the hash: SHA-1 for the IKEv2 RSA Digital Signature
 *              method 1 (RFC 7296 3.8, as strongSwan and libreswan do),
 *              SHA2-256/384/512 under RFC 7427
 *   RSA_PSS    RSASSA-PSS (RFC 8017 8.1) with MGF1; the salt length and
 *              MGF1 hash come from the scheme
 *   ECDSA      over the hash; the signature DER ECDSA-Sig-Value (RFC 7427)
 *              or, with ecdsa_raw, r || s each left-padded to the field
 *              size (RFC 4754 7, methods 9-11)
 *   ED25519,
 *   ED448      PureEdDSA (RFC 8032) over the message; hash IDENTITY
 *   RSA_PKCS1_RAW  IKEv1's RSA signature (RFC 2409 5.1, as libreswan and
 *              strongSwan make it): the message (HASH_I or HASH_R, already
 *              a prf output) in an EMSA-PKCS1-v1_5 block of type 1 with no
 *              DigestInfo; hash IDENTITY
 *   ECDSA_DIGEST  IKEv1's ECDSA signature (RFC 4754 methods 9-11, as
 *              strongSwan makes and checks it): ECDSA over the message
 *              taken as the digest itself (HASH_I or HASH_R, already a prf
 *              output: nothing is hashed again), r || s each left-padded
 *              to the field size; hash names the method's SHA-2, which
 *              fixes the curve (SHA-256 P-256, SHA-384 P-384, SHA-512
 *              P-521), and is not applied
 *
 * Verification is strict: non-DER ECDSA signatures, RSA signatures of the
 * wrong length and PSS with another salt length are refused.
 */
enum crypto_sig_kind {
	CRYPTO_SIG_NONE,
	CRYPTO_SIG_RSA_PKCS1,
	CRYPTO_SIG_RSA_PSS,
	CRYPTO_SIG_ECDSA,
	CRYPTO_SIG_ED25519,
	CRYPTO_SIG_ED448,
	CRYPTO_SIG_RSA_PKCS1_RAW,
	CRYPTO_SIG_ECDSA_DIGEST,
};

/* Owner: a plain value. */
struct crypto_sig_scheme {
	uint8_t kind;		/* enum crypto_sig_kind */
	uint8_t hash;		/* enum v2_hash_alg (ike/v2_types.h); IDENTITY for EdDSA */
	uint8_t mgf_hash;	/* RSA_PSS: MGF1's hash, enum v2_hash_alg */
	uint8_t ecdsa_raw;	/* ECDSA: r || s instead of DER */
	uint16_t salt_len;	/* RSA_PSS: bytes */
};

/* Largest signature: RSA-16384, or a DER ECDSA P-521 signature. */
enum { CRYPTO_SIG_MAX = 2048 };

/*
 * The usual scheme of a kind and hash: PSS with MGF1 on the same hash
 * and a salt as long as the hash (RFC 8017 9.1 note 4, what strongSwan
 * and libreswan send); ECDSA in DER. Context: any thread; pure.
 */
struct crypto_sig_scheme crypto_sig_scheme(enum crypto_sig_kind kind, uint8_t hash);

/*
 * Whether a key of this kind (and curve) can make or check signatures of
 * this scheme: RSA keys for RSA_PKCS1/RSA_PSS, EC keys for ECDSA (any
 * curve with any SHA-2 hash; with ecdsa_raw, only the hash of the curve,
 * as methods 9-11 fix it), EdDSA keys for their own kind.
 * Context: any thread; pure.
 */
bool crypto_sig_fits(const struct crypto_sig_scheme *s, enum crypto_key_kind kind,
		     enum crypto_curve curve);

/* The length of the digest of an enum v2_hash_alg; 0 for IDENTITY or unknown. */
size_t crypto_sig_hash_len(uint8_t hash);

/* "SHA1", "SHA2_256", ..., "IDENTITY"; "?" when unknown. */
const char *crypto_sig_hash_name(uint8_t hash);

/*
 * Short name of a scheme for logs and status: "RSASSA-PKCS1-v1_5 with
 * SHA2_256", "RSASSA-PSS with SHA2_384", "ECDSA with SHA2_256",
 * "Ed25519". Writes at most len - 1 characters. Returns buf.
 */
const char *crypto_sig_scheme_str(const struct crypto_sig_scheme *s, char *buf, size_t len);

/*
 * Sign msg. Returns the signature length, -EINVAL (the scheme does not
 * fit the key, or a bad argument), -ENOTSUP (hash), -EMSGSIZE (cap below
 * what the key needs) or -EIO.
 * Context: any thread (a crypto job); CPU-heavy; the caller holds k.
 */
int crypto_sign(const struct crypto_privkey *k, const struct crypto_sig_scheme *s,
		const uint8_t *msg, size_t len, uint8_t *sig, size_t cap);

/*
 * Verify sig over msg. Returns 0 (good signature), -EBADMSG (a signature
 * that does not verify, whatever the reason), -EINVAL (the scheme does
 * not fit the key), -ENOTSUP or -EIO.
 * Context: any thread (a crypto job); the caller holds k.
 */
int crypto_verify(const struct crypto_pubkey *k, const struct crypto_sig_scheme *s,
		  const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen);

/*
 * ECDSA signature forms. der_to_raw writes r || s, each exactly
 * field_len bytes (32, 48, 66): returns 2 * field_len or -EBADMSG (not a
 * strict DER ECDSA-Sig-Value, or r, s too large). raw_to_der takes
 * 2 * field_len bytes and writes the DER form: returns its length,
 * -EBADMSG or -EMSGSIZE. Context: any thread; pure.
 */
int crypto_ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t field_len, uint8_t *out,
			    size_t cap);
int crypto_ecdsa_raw_to_der(const uint8_t *raw, size_t len, uint8_t *out, size_t cap);

/* The field size in bytes of a curve (32, 48, 66); 0 for none. */
size_t crypto_curve_field_len(enum crypto_curve curve);

#endif
