/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_IKEV1_KEYS_H
#define SKUA_CRYPTO_IKEV1_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * IKEv1 keying (RFC 2409 5, Appendix B): the PRF is HMAC with the
 * negotiated hash (no PRF attribute is accepted), SKEYID and its three
 * children, the encryption key (expanded when SKEYID_e is short), the
 * Phase 1 IV and the IVs of later exchanges, and the CBC transform of
 * ISAKMP bodies (no integrity: the HASH payloads authenticate).
 *
 * Hashes are IKEv1's numbers (enum v1_hash): SHA1 2, SHA2-256 4,
 * SHA2-384 5, SHA2-512 6; MD5 and Tiger are not supported (-ENOTSUP).
 * Ciphers: AES-CBC (7) with 128, 192 or 256-bit keys.
 *
 * Every function: Context: any thread; pure; the caller owns every
 * buffer and wipes the secrets it gets.
 */

enum {
	CRYPTO_V1_PRF_MAX = 64,		/* SHA2-512 */
	CRYPTO_V1_BLOCK_MAX = 16,	/* AES (3DES: 8) */
	CRYPTO_V1_KEY_MAX = 32,
};

/* Output length of the hash (and its HMAC); 0 if not supported. */
size_t crypto_v1_hash_len(uint16_t hash);

/* out = HMAC-hash(key, data...). Returns 0, -ENOTSUP, -EINVAL or -EIO. */
int crypto_v1_prf(uint16_t hash, const uint8_t *key, size_t keylen, const struct iovec *data,
		  int ndata, uint8_t *out);

/* out = hash(data...). Returns 0, -ENOTSUP or -EIO. */
int crypto_v1_hash(uint16_t hash, const struct iovec *data, int ndata, uint8_t *out);

/*
 * SKEYID (RFC 2409 5): for pre-shared keys prf(psk, Ni_b | Nr_b); for
 * signatures prf(Ni_b | Nr_b, g^xy). out holds crypto_v1_hash_len().
 */
int crypto_v1_skeyid_psk(uint16_t hash, const uint8_t *psk, size_t psk_len, const uint8_t *ni,
			 size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out);
int crypto_v1_skeyid_sig(uint16_t hash, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
			 size_t nr_len, const uint8_t *gxy, size_t gxy_len, uint8_t *out);

/*
 * SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * each of crypto_v1_hash_len() bytes.
 */
int crypto_v1_skeyid_dae(uint16_t hash, const uint8_t *skeyid, const uint8_t *gxy,
			 size_t gxy_len, const uint8_t cky_i[8], const uint8_t cky_r[8],
			 uint8_t *d, uint8_t *a, uint8_t *e);

/*
 * The encryption key (RFC 2409 Appendix B): the first key_len bytes of
 * SKEYID_e, or of K1 | K2 | ... with K1 = prf(SKEYID_e, 0) and
 * Kn = prf(SKEYID_e, Kn-1) when SKEYID_e is shorter.
 */
int crypto_v1_enc_key(uint16_t hash, const uint8_t *skeyid_e, uint8_t *key, size_t key_len);

/* The Phase 1 IV: hash(g^xi | g^xr), its first block bytes. */
int crypto_v1_iv_phase1(uint16_t hash, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
			size_t gxr_len, uint8_t *iv, size_t block);

/* The IV of a later exchange: hash(last Phase 1 CBC block | M-ID), first block bytes. */
int crypto_v1_iv_msgid(uint16_t hash, const uint8_t *last, size_t block, uint32_t msgid,
		       uint8_t *iv);

/*
 * Quick Mode KEYMAT for one direction's SA (RFC 2409 5.5):
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * out = K1 | K2 | ... truncated to out_len. gxy may be NULL (no PFS); spi
 * is the 4 bytes as on the wire (the SA's receiver chose it). Returns 0,
 * -ENOTSUP or -EIO; out is wiped on error.
 */
int crypto_v1_keymat(uint16_t hash, const uint8_t *skeyid_d, const uint8_t *gxy,
		     size_t gxy_len, uint8_t protocol, const uint8_t spi[4], const uint8_t *ni,
		     size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out,
		     size_t out_len);

/*
 * Block size of the cipher (enum v1_encr: AES-CBC with 16, 24 or 32 bytes of
 * key, 3DES-CBC with 24); 0 if not supported with key_len bytes.
 */
size_t crypto_v1_block_len(uint16_t encr, size_t key_len);

/*
 * CBC over len bytes of buf in place (len a multiple of the block), with
 * iv, which is then updated to the last ciphertext block (the IV chain of
 * RFC 2409 Appendix B). Returns 0, -EINVAL, -ENOTSUP or -EIO.
 */
int crypto_v1_cbc(uint16_t encr, const uint8_t *key, size_t key_len, uint8_t *iv, uint8_t *buf,
		  size_t len, bool encrypt);

#endif
