/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_IKEV2_KEYS_H
#define SKUA_CRYPTO_IKEV2_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "crypto/prf.h"
#include "crypto/sk.h"
#include "ike/v2/types.h"

/*
 * IKEv2 key derivation (RFC 7296 2.13-2.18).
 *
 *   SKEYSEED = prf(Ni | Nr, g^ir)                         (IKE_SA_INIT, 2.14)
 *   SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)      (IKE SA rekey, 2.18)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *            = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
 *   KEYMAT   = prf+(SK_d, [g^ir (new) |] Ni | Nr)         (Child SA, 2.17)
 *
 * All PRFs here are HMACs, which take keys of any length, so the whole
 * Ni | Nr is the key of SKEYSEED (2.14 halves the nonces only for PRFs
 * with fixed-size keys, such as AES-XCBC, which we do not offer).
 *
 * Lengths: SK_d, SK_pi, SK_pr are the PRF's output length; SK_ai/SK_ar
 * the integrity key length (0 for AEAD); SK_ei/SK_er the cipher key plus
 * the 4-byte salt for AES-GCM (RFC 5282 7.1) and ChaCha20-Poly1305
 * (RFC 7634 2).
 *
 * Authentication helpers, documented here rather than wrapped:
 *   MACedIDForI = prf(SK_pi, RestOfInitIDPayload)   (2.15)
 *   MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
 * are plain crypto_prf(suite->prf, keys->sk_pi, keys->sk_p_len, &id, 1, out)
 * calls, where id covers the ID payload body after its generic header
 * (ID Type, RESERVED and the identification data).
 */

/*
 * Owner: the IKE SA (its owner worker), or the crypto job computing it.
 * Wiped with crypto_ikev2_keys_wipe() when the SA goes away or the keys
 * have been copied into their users (struct crypto_sk, child keymat).
 */
struct ikev2_keys {
	uint8_t sk_d[CRYPTO_PRF_MAX];
	uint8_t sk_ai[CRYPTO_SK_AKEY_MAX];
	uint8_t sk_ar[CRYPTO_SK_AKEY_MAX];
	uint8_t sk_ei[CRYPTO_SK_EKEY_MAX + CRYPTO_SK_SALT_LEN];
	uint8_t sk_er[CRYPTO_SK_EKEY_MAX + CRYPTO_SK_SALT_LEN];
	uint8_t sk_pi[CRYPTO_PRF_MAX];
	uint8_t sk_pr[CRYPTO_PRF_MAX];
	size_t sk_d_len;	/* = sk_p_len: the PRF's output length */
	size_t sk_a_len;	/* each of sk_ai, sk_ar */
	size_t sk_e_len;	/* each of sk_ei, sk_er, salt included */
	size_t sk_p_len;	/* each of sk_pi, sk_pr */
};

/*
 * Derive the keys of a new IKE SA from the IKE_SA_INIT exchange. s gives
 * prf, encr (+ keylen) and integ; nonces are 16..256 bytes (RFC 7296
 * 2.10); gir is the shared secret from crypto_ke_shared(). Returns 0,
 * -ENOTSUP (suite) or -EINVAL; *out is wiped on error. SKEYSEED lives
 * only on the stack and is wiped.
 * Context: any thread, usually a crypto job.
 */
int crypto_ikev2_derive(const struct v2_suite *s, const uint8_t *ni, size_t nilen,
			const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
			const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out);

/*
 * The two steps of crypto_ikev2_derive(), for a responder that keeps only
 * SKEYSEED while its SA is half-open and expands it when the IKE_AUTH
 * request comes (issue 14: what a half-open SA holds). crypto_ikev2_skeyseed()
 * writes prf(Ni | Nr, g^ir) to out (CRYPTO_PRF_MAX bytes of room) and
 * returns its length, or -ENOTSUP / -EINVAL (out wiped).
 * crypto_ikev2_expand() is prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) cut into
 * the seven keys; returns as crypto_ikev2_derive(). Context: any thread.
 */
int crypto_ikev2_skeyseed(uint16_t prf, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			  size_t nrlen, const uint8_t *gir, size_t girlen, uint8_t *out);
int crypto_ikev2_expand(const struct v2_suite *s, const uint8_t *skeyseed, size_t seedlen,
			const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out);

/*
 * Derive the keys of the new IKE SA of a CREATE_CHILD_SA rekey (2.18):
 * SKEYSEED with the old SA's PRF (old_prf) keyed by its SK_d, then prf+
 * with the new suite's PRF; spii/spir are the new SA's SPIs. Returns and
 * context as crypto_ikev2_derive().
 */
int crypto_ikev2_rekey_derive(const struct v2_suite *s, uint16_t old_prf, const uint8_t *old_sk_d,
			      size_t old_sk_d_len, const uint8_t *gir, size_t girlen,
			      const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			      const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out);

/*
 * Child SA key material (2.17): out = prf+(SK_d, [g^ir |] Ni | Nr),
 * outlen bytes (2 * crypto_esp_keymat_len() for an ESP SA pair: first
 * the initiator-to-responder keys, encryption then integrity, then the
 * other direction). gir is NULL (girlen 0) without a new key exchange.
 * Returns 0, -ENOTSUP or -EINVAL; out is wiped on error.
 * Context: any thread.
 */
int crypto_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
			size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			size_t nrlen, uint8_t *out, size_t outlen);

/*
 * Key material per direction of an ESP/AH SA for suite s: cipher key
 * (plus salt/nonce for GCM, CTR, ChaCha20-Poly1305) then integrity key.
 * Returns bytes, or 0 for an unsupported suite. Context: any thread.
 */
size_t crypto_esp_keymat_len(const struct v2_suite *s);

/*
 * AUTH for a pre-shared key (RFC 7296 2.15):
 *   AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 * with the signed octets given in parts (RealMessage | Nonce | MACedID),
 * so the caller need not concatenate. out holds crypto_prf_len(prf).
 * The caller compares a received AUTH with crypto_memeq(). Returns 0,
 * -ENOTSUP or -EINVAL. Context: any thread.
 */
int crypto_psk_auth(uint16_t prf, const uint8_t *psk, size_t psklen, const struct iovec *octets,
		    int noctets, uint8_t *out);

/* Wipe every key and length. Context: the owner of keys. */
void crypto_ikev2_keys_wipe(struct ikev2_keys *keys);

#endif
