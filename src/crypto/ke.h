/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_KE_H
#define SKUA_CRYPTO_KE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One side of an IKEv2 key exchange (RFC 7296 1.2, 3.4) for the groups
 * of enum v2_dh:
 *
 *   MODP 2, 5, 14-18     RFC 2409 6.2, RFC 3526 (safe primes, g = 2)
 *   MODP 22, 23, 24      RFC 5114 2.1-2.3 (prime-order subgroup q)
 *   ECP 19, 20, 21       P-256/384/521; KE data is x | y, no 0x04 prefix
 *                        (RFC 5903 7); the shared secret is x only
 *   31, 32               Curve25519, Curve448; raw 32/56 bytes (RFC 8031)
 *
 * Sizes: the public value has exactly crypto_ke_public_len() bytes (MODP
 * left-padded to the prime length), the shared secret exactly
 * crypto_ke_shared_len() bytes (MODP left-padded to the prime length,
 * RFC 7296 2.14 "g^ir ... padded with zeros").
 *
 * Peer values are validated before use and refused with -EINVAL: exact
 * length; MODP 1 < y < p-1 and, for the RFC 5114 groups, y^q = 1 mod p
 * (RFC 6989 2.2; safe-prime groups need no more than the range check);
 * ECP a point on the curve with coordinates below p; X25519/X448 a
 * non-zero shared result (RFC 7748 6, RFC 8031 2.3).
 *
 * The private key is generated inside crypto_ke_new(): that call is the
 * expensive one (a modular exponentiation or a scalar multiplication,
 * 0.1-10 ms), and crypto_ke_shared() the other; both belong in a crypto
 * job, never on the packet path.
 */

struct crypto_ke;

/* Largest public value (MODP 8192) and shared secret, in bytes. */
enum { CRYPTO_KE_PUBLIC_MAX = 1024, CRYPTO_KE_SHARED_MAX = 1024 };

/*
 * Generate a fresh key pair for group. Returns 0, -ENOTSUP (unknown
 * group), -ENOMEM or -EIO; *out is NULL on error.
 * Context: any thread, usually a crypto job; CPU-heavy, never blocks.
 * The caller owns *out and frees it with crypto_ke_free().
 */
int crypto_ke_new(uint16_t group, struct crypto_ke **out);

/*
 * Import a fixed key pair: known-answer tests, and impair switches that
 * reuse a key. priv is the big-endian private exponent/scalar (MODP,
 * ECP) or the raw RFC 7748 scalar (31, 32); pub is the public value in
 * IKEv2 form. pub is required for MODP (OpenSSL 3.0 does not derive it)
 * and checked against priv (pairwise check); for ECP (derived from the
 * scalar, which must be in 1..n-1) and 31/32 it may be NULL, and is
 * otherwise checked or compared with the derived one. Returns 0,
 * -ENOTSUP, -EINVAL (sizes, range or mismatch) or -ENOMEM.
 * Context: any thread; the caller owns *out.
 */
int crypto_ke_import(uint16_t group, const uint8_t *priv, size_t privlen, const uint8_t *pub,
		     size_t publen, struct crypto_ke **out);

/* Wipe and free. Accepts NULL. Context: the owner of ke. */
void crypto_ke_free(struct crypto_ke *ke);

/* The group of ke. Context: the owner of ke. */
uint16_t crypto_ke_group(const struct crypto_ke *ke);

/* Length of the KE payload's data for group; 0 if unsupported. Context: any. */
size_t crypto_ke_public_len(uint16_t group);

/* Length of the shared secret g^ir for group; 0 if unsupported. Context: any. */
size_t crypto_ke_shared_len(uint16_t group);

/*
 * Write our public value (crypto_ke_public_len() bytes) to out. Returns
 * that length, -EMSGSIZE if cap is smaller, or -EIO.
 * Context: the owner of ke.
 */
int crypto_ke_public(const struct crypto_ke *ke, uint8_t *out, size_t cap);

/*
 * Validate the peer's public value (KE payload data, untrusted) and
 * compute the shared secret into out. Returns crypto_ke_shared_len()
 * bytes, -EINVAL (peer value refused), -EMSGSIZE or -EIO; out is wiped
 * on error. The caller wipes the secret when done.
 * Context: the owner of ke, usually a crypto job; CPU-heavy.
 */
int crypto_ke_shared(struct crypto_ke *ke, const uint8_t *peer, size_t len, uint8_t *out,
		     size_t cap);

/*
 * The prime p of a MODP group, big-endian, for tests and diagnostics.
 * Returns its length, -ENOTSUP (not a MODP group) or -EMSGSIZE.
 * Context: any thread.
 */
int crypto_ke_modp_prime(uint16_t group, uint8_t *out, size_t cap);

#endif
