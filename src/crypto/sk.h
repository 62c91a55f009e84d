/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_SK_H
#define SKUA_CRYPTO_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "ike/v2/types.h"

/*
 * The Encrypted payload transform (RFC 7296 3.14; AEAD: RFC 5282,
 * RFC 7634), one direction of an IKE SA: seal with SK_ei/SK_ai as the
 * initiator (open with them as the responder), and the r keys the other
 * way.
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * |         (length is block size for encryption algorithm)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Encrypted IKE Payloads                     ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |             Padding (0-255 octets)            |
 * +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 * |                                               |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Who does what:
 * - The caller lays out the message and fills in every length field (IKE
 *   header and SK payload) before sealing: they are authenticated.
 * - "aad" is always the bytes from the start of the IKE header through
 *   the SK payload's 4-byte generic header, i.e. everything before the
 *   IV. For AEAD it is the Additional Authenticated Data (RFC 5282 5.1);
 *   for encrypt+integrity the ICV is computed over aad | IV | ciphertext
 *   (RFC 7296 3.14).
 * - The caller pads: the plaintext given to seal is the inner payloads,
 *   then crypto_sk_pad_len() padding bytes (any value; we use zeros),
 *   then the Pad Length byte; its total length is a multiple of
 *   crypto_sk_block_len(). Seal encrypts it in place.
 * - Seal generates the IV: 16 random bytes for AES-CBC (unpredictable, as
 *   CBC needs); 8 random bytes for AES-GCM and ChaCha20-Poly1305, whose
 *   nonce is salt(4) | IV(8) (RFC 5282 4, RFC 7634 2). RFC 5282 only asks
 *   that an IV never repeat under a key; 64 random bits make a repeat
 *   negligible for the few thousand messages an IKE SA carries, and need
 *   no counter shared between requests and responses (both directions'
 *   message IDs overlap under one key).
 * - Open checks the ICV (in constant time, before decrypting, for
 *   encrypt+integrity; the AEAD tag for AEAD), decrypts in place and
 *   checks that the Pad Length fits. Any failure is -EBADMSG, whatever
 *   the cause; after an AEAD failure the buffer is wiped (it was
 *   decrypted in place), so a caller that wants to retry with other keys
 *   keeps a copy.
 *
 * Transforms: ENCR_AES_CBC (128/192/256) with AUTH_HMAC_SHA1_96,
 * AUTH_HMAC_SHA2_256_128, _384_192, _512_256; ENCR_AES_GCM_8/12/16
 * (128/192/256) and ENCR_CHACHA20_POLY1305 with no integrity transform.
 */

enum {
	CRYPTO_SK_EKEY_MAX = 32,
	CRYPTO_SK_SALT_LEN = 4,		/* AES-GCM (RFC 5282), ChaCha20-Poly1305 (7634) */
	CRYPTO_SK_AKEY_MAX = 64,
	CRYPTO_SK_IV_MAX = 16,
	CRYPTO_SK_ICV_MAX = 32,
	CRYPTO_SK_HDR_LEN = 4,		/* generic payload header */
};

/*
 * Owner: the IKE SA's owner worker (or a crypto job holding a copy).
 * Plain data, no OpenSSL objects: it can be copied into a job; wipe every
 * copy with crypto_sk_wipe(). Read-only after crypto_sk_init().
 *
 * Its keys are kept at their size (a million IKE SAs hold two each, issue
 * 14): crypto_sk_size_for() bytes for a suite, crypto_sk_size() for one
 * that is set up. union crypto_sk_max has room for any suite.
 */
struct crypto_sk {
	uint16_t encr, integ;		/* IANA numbers */
	uint8_t cipher;			/* index into the algorithm table */
	uint8_t md;			/* enum crypto_md of the HMAC; encrypt+integrity only */
	uint8_t aead;
	uint8_t ekey_len, akey_len;
	uint8_t iv_len, icv_len, block_len;
	/*
	 * ekey_len bytes of cipher key, then the 4-byte salt (AEAD) or
	 * akey_len bytes of integrity key.
	 */
	uint8_t key[];
};

/*
 * A crypto_sk with room for the keys of any suite: on the stack (tests,
 * benchmarks). A union, since a struct with a flexible array member may
 * only end another struct as a GNU extension.
 */
union crypto_sk_max {
	struct crypto_sk sk;
	uint8_t room[sizeof(struct crypto_sk) + CRYPTO_SK_EKEY_MAX + CRYPTO_SK_AKEY_MAX];
};

/*
 * Bytes of a crypto_sk for suite s (what crypto_sk_init() fills), or
 * -ENOTSUP for a transform SK cannot use. Context: any thread.
 */
int crypto_sk_size_for(const struct v2_suite *s);

/* Bytes of sk as crypto_sk_init() set it up (or of its header, zeroed). Context: any. */
size_t crypto_sk_size(const struct crypto_sk *sk);

/*
 * Key material for one direction of encr (with keylen_bits from the Key
 * Length attribute, 0 when absent): cipher key plus the 4-byte salt for
 * AES-GCM, AES-CTR and ChaCha20-Poly1305. Covers the ESP ciphers too
 * (ENCR_NULL 0, 3DES 24). Returns bytes or -ENOTSUP (unknown cipher or
 * key length). Context: any thread.
 */
int crypto_encr_keymat_len(uint16_t encr, uint16_t keylen_bits);

/* True for the combined-mode ciphers (no integrity transform). Context: any. */
bool crypto_encr_is_aead(uint16_t encr);

/*
 * Integrity key length for integ (RFC 4868: the HMAC's output length;
 * 0 for INTEG_NONE), or -ENOTSUP. Context: any thread.
 */
int crypto_integ_key_len(uint16_t integ);

/* Truncated ICV length for integ, 0 for NONE, or -ENOTSUP. Context: any. */
int crypto_integ_icv_len(uint16_t integ);

/*
 * The integrity transform on its own (RFC 7296 3.14; HMAC-SHA1-96 RFC
 * 2404, HMAC-SHA2-* RFC 4868 2): icv = HMAC(key, data[0] | ... ) truncated
 * to crypto_integ_icv_len() bytes. The key is exactly
 * crypto_integ_key_len() bytes (RFC 4868 2.1.1: fixed-size keys). The
 * SK transform computes its ICV with it. Returns 0, -ENOTSUP (unknown or
 * NONE), -EINVAL (key length, ndata) or -EIO.
 * Context: any thread; the caller owns every buffer.
 */
int crypto_integ_icv(uint16_t integ, const uint8_t *key, size_t keylen, const struct iovec *data,
		     int ndata, uint8_t *icv);

/*
 * Check a received ICV against data in constant time. Returns 0, or
 * -EBADMSG whatever the cause (mismatch, bad key length, unknown transform).
 * Context: any thread.
 */
int crypto_integ_check(uint16_t integ, const uint8_t *key, size_t keylen,
		       const struct iovec *data, int ndata, const uint8_t *icv);

/*
 * Prepare one direction from the negotiated IKE suite and its keys:
 * ekey is SK_e (cipher key, then the salt for AEAD), akey SK_a (NULL/0
 * for AEAD). sk has room for crypto_sk_size_for(s) bytes. Returns 0,
 * -ENOTSUP (transform not usable for SK) or -EINVAL (key lengths, AEAD
 * with integrity, CBC without); on failure only the header is written
 * (zeroed). Context: the SA's owner; copies the keys.
 */
int crypto_sk_init(struct crypto_sk *sk, const struct v2_suite *s, const uint8_t *ekey,
		   size_t ekeylen, const uint8_t *akey, size_t akeylen);

/* Wipe the keys. Context: the owner of sk. */
void crypto_sk_wipe(struct crypto_sk *sk);

/* IV bytes on the wire (16 CBC, 8 AEAD). Context: any. */
size_t crypto_sk_iv_len(const struct crypto_sk *sk);

/* Integrity Checksum Data bytes (ICV or AEAD tag). Context: any. */
size_t crypto_sk_icv_len(const struct crypto_sk *sk);

/* The plaintext must be a multiple of this (16 CBC, 1 AEAD). Context: any. */
size_t crypto_sk_block_len(const struct crypto_sk *sk);

/*
 * Padding bytes to put after innerlen bytes of inner payloads (not
 * counting the Pad Length byte): the least that makes innerlen + pad + 1
 * a multiple of the block length. Context: any.
 */
size_t crypto_sk_pad_len(const struct crypto_sk *sk, size_t innerlen);

/*
 * Encrypt buf (len bytes, padded as above) in place; write a fresh IV
 * (crypto_sk_iv_len() bytes) to iv and the ICV (crypto_sk_icv_len()
 * bytes) to icv. Returns 0, -EINVAL (len not a positive multiple of the
 * block) or -EIO.
 * Context: the owner of sk; any thread for a copy.
 */
int crypto_sk_seal(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, uint8_t *iv,
		   uint8_t *buf, size_t len, uint8_t *icv);

/*
 * As crypto_sk_seal() with the IV given by the caller: known-answer
 * tests, and callers with their own unique-IV scheme. Context: as seal.
 */
int crypto_sk_seal_iv(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen,
		      const uint8_t *iv, uint8_t *buf, size_t len, uint8_t *icv);

/*
 * Authenticate and decrypt len bytes of ciphertext in buf, in place.
 * Returns the length of the inner payloads (len minus padding and Pad
 * Length byte) or -EBADMSG.
 * Context: the owner of sk.
 */
int crypto_sk_open(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen,
		   const uint8_t *iv, uint8_t *buf, size_t len, const uint8_t *icv);

/*
 * Open the SK payload of a received message in place. msg is the whole
 * message as received, the SK payload's generic header starts at sk_off
 * and the payload is sk_len bytes long (its Payload Length field, which
 * the decoder has checked against the message). The parts are split with
 * the wire cursor; the inner payloads are left at msg + *inner_off.
 * Returns their length or -EBADMSG.
 * Context: the owner of sk.
 */
int crypto_sk_open_payload(const struct crypto_sk *sk, uint8_t *msg, size_t msglen,
			   size_t sk_off, size_t sk_len, size_t *inner_off);

#endif
