/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/sk.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/prf.h"
#include "util/wire.h"

/* Cipher slots of the algorithm table, as stored in crypto_sk.cipher. */
enum sk_cipher {
	SK_AES_CBC128,
	SK_AES_CBC192,
	SK_AES_CBC256,
	SK_AES_GCM128,
	SK_AES_GCM192,
	SK_AES_GCM256,
	SK_CHACHA20_POLY1305,
	SK_3DES_CBC,
};

enum { AEAD_NONCE_LEN = 12, AEAD_IV_LEN = 8, CBC_BLOCK = 16, DES_BLOCK = 8 };

static const struct {
	uint16_t integ;
	uint8_t md;		/* enum crypto_md */
	uint8_t key_len;
	uint8_t icv_len;
} integs[] = {
	{ V2_INTEG_HMAC_SHA1_96, CRYPTO_MD_SHA1, 20, 12 },		/* RFC 2404 */
	{ V2_INTEG_HMAC_SHA2_256_128, CRYPTO_MD_SHA256, 32, 16 },	/* RFC 4868 */
	{ V2_INTEG_HMAC_SHA2_384_192, CRYPTO_MD_SHA384, 48, 24 },
	{ V2_INTEG_HMAC_SHA2_512_256, CRYPTO_MD_SHA512, 64, 32 },
};

static int integ_find(uint16_t integ)
{
	for (size_t i = 0; i < sizeof(integs) / sizeof(integs[0]); i++)
		if (integs[i].integ == integ)
			return (int)i;
	return -1;
}

int crypto_integ_key_len(uint16_t integ)
{
	int i = integ_find(integ);

	if (integ == V2_INTEG_NONE)
		return 0;
	return i < 0 ? -ENOTSUP : integs[i].key_len;
}

int crypto_integ_icv_len(uint16_t integ)
{
	int i = integ_find(integ);

	if (integ == V2_INTEG_NONE)
		return 0;
	return i < 0 ? -ENOTSUP : integs[i].icv_len;
}

int crypto_integ_icv(uint16_t integ, const uint8_t *key, size_t keylen, const struct iovec *data,
		     int ndata, uint8_t *icv)
{
	int i = integ_find(integ);

	if (i < 0)
		return -ENOTSUP;
	if (!key || keylen != integs[i].key_len)
		return -EINVAL;
	return crypto_hmac(integs[i].md, key, keylen, data, ndata, icv, integs[i].icv_len);
}

int crypto_integ_check(uint16_t integ, const uint8_t *key, size_t keylen,
		       const struct iovec *data, int ndata, const uint8_t *icv)
{
	uint8_t want[CRYPTO_SK_ICV_MAX];
	int i = integ_find(integ);
	int ret = -EBADMSG;

	if (i < 0 || !icv)
		return -EBADMSG;
	if (crypto_integ_icv(integ, key, keylen, data, ndata, want) == 0 &&
	    crypto_memeq(want, icv, integs[i].icv_len))
		ret = 0;
	crypto_wipe(want, sizeof(want));
	return ret;
}

bool crypto_encr_is_aead(uint16_t encr)
{
	return encr == V2_ENCR_AES_GCM_8 || encr == V2_ENCR_AES_GCM_12 ||
	       encr == V2_ENCR_AES_GCM_16 || encr == V2_ENCR_CHACHA20_POLY1305;
}

static bool aes_keylen_ok(uint16_t bits)
{
	return bits == 128 || bits == 192 || bits == 256;
}

int crypto_encr_keymat_len(uint16_t encr, uint16_t keylen_bits)
{
	switch (encr) {
	case V2_ENCR_NULL:
		return 0;
	case V2_ENCR_3DES:
		return keylen_bits == 0 || keylen_bits == 192 ? 24 : -ENOTSUP;
	case V2_ENCR_AES_CBC:
		return aes_keylen_ok(keylen_bits) ? keylen_bits / 8 : -ENOTSUP;
	case V2_ENCR_AES_CTR:		/* RFC 3686: key | 4-byte nonce */
	case V2_ENCR_AES_GCM_8:
	case V2_ENCR_AES_GCM_12:
	case V2_ENCR_AES_GCM_16:
		return aes_keylen_ok(keylen_bits) ? keylen_bits / 8 + CRYPTO_SK_SALT_LEN : -ENOTSUP;
	case V2_ENCR_CHACHA20_POLY1305:	/* RFC 7634: fixed 256-bit key, no attribute */
		return keylen_bits == 0 || keylen_bits == 256 ? 32 + CRYPTO_SK_SALT_LEN : -ENOTSUP;
	default:
		return -ENOTSUP;
	}
}

static EVP_CIPHER *sk_cipher(const struct crypto_sk *sk)
{
	const struct crypto_algs *algs = crypto_algs();

	if (!algs)
		return NULL;
	if (sk->cipher <= SK_AES_CBC256)
		return algs->aes_cbc[sk->cipher - SK_AES_CBC128];
	if (sk->cipher <= SK_AES_GCM256)
		return algs->aes_gcm[sk->cipher - SK_AES_GCM128];
	if (sk->cipher == SK_3DES_CBC)
		return algs->des_ede3_cbc;	/* NULL in an OpenSSL without it: refused */
	return algs->chacha20_poly1305;
}

int crypto_sk_size_for(const struct v2_suite *s)
{
	int elen = crypto_encr_keymat_len(s->encr, s->encr_keylen);
	int alen = crypto_integ_key_len(s->integ);

	if (elen < 0 || alen < 0)
		return -ENOTSUP;
	return (int)offsetof(struct crypto_sk, key) + elen +
	       (crypto_encr_is_aead(s->encr) ? 0 : alen);
}

size_t crypto_sk_size(const struct crypto_sk *sk)
{
	return offsetof(struct crypto_sk, key) + sk->ekey_len +
	       (sk->aead ? CRYPTO_SK_SALT_LEN : sk->akey_len);
}

int crypto_sk_init(struct crypto_sk *sk, const struct v2_suite *s, const uint8_t *ekey,
		   size_t ekeylen, const uint8_t *akey, size_t akeylen)
{
	int elen = crypto_encr_keymat_len(s->encr, s->encr_keylen);
	int alen = crypto_integ_key_len(s->integ);
	bool aead = crypto_encr_is_aead(s->encr);
	int aes = s->encr_keylen == 128 ? 0 : s->encr_keylen == 192 ? 1 : 2;
	struct crypto_sk h = { 0 };	/* the header, written to sk once every check passed */

	memset(sk, 0, sizeof(*sk));
	if (elen < 0 || alen < 0)
		return -ENOTSUP;
	switch (s->encr) {
	case V2_ENCR_AES_CBC:
		h.cipher = SK_AES_CBC128 + aes;
		h.iv_len = CBC_BLOCK;
		h.block_len = CBC_BLOCK;
		break;
	case V2_ENCR_AES_GCM_8:
	case V2_ENCR_AES_GCM_12:
	case V2_ENCR_AES_GCM_16:
		h.cipher = SK_AES_GCM128 + aes;
		h.icv_len = 16;	/* RFC 5282: GCM_8, GCM_12, GCM_16 name the ICV size */
		if (s->encr == V2_ENCR_AES_GCM_8)
			h.icv_len = 8;
		else if (s->encr == V2_ENCR_AES_GCM_12)
			h.icv_len = 12;
		break;
	case V2_ENCR_CHACHA20_POLY1305:
		h.cipher = SK_CHACHA20_POLY1305;
		h.icv_len = 16;
		break;
	case V2_ENCR_3DES:	/* RFC 2451: a 192-bit key, 8-byte blocks and IV */
		if (!crypto_has_3des())
			return -ENOTSUP;
		h.cipher = SK_3DES_CBC;
		h.iv_len = DES_BLOCK;
		h.block_len = DES_BLOCK;
		break;
	default:
		return -ENOTSUP;	/* NULL, CTR: ESP only here */
	}
	if (aead) {
		h.iv_len = AEAD_IV_LEN;
		h.block_len = 1;
		if (s->integ != V2_INTEG_NONE || akeylen != 0)
			return -EINVAL;
	} else {
		int i = integ_find(s->integ);

		if (i < 0 || (size_t)alen != akeylen || !akey)
			return -EINVAL;
		h.md = integs[i].md;
		h.icv_len = integs[i].icv_len;
		h.akey_len = (uint8_t)alen;
	}
	if ((size_t)elen != ekeylen || !ekey)
		return -EINVAL;
	h.encr = s->encr;
	h.integ = s->integ;
	h.aead = aead;
	h.ekey_len = (uint8_t)(aead ? elen - CRYPTO_SK_SALT_LEN : elen);
	*sk = h;
	/* the cipher key, then the salt (AEAD: the last 4 bytes of ekey) or SK_a */
	memcpy(sk->key, ekey, ekeylen);
	if (!aead)
		memcpy(sk->key + sk->ekey_len, akey, akeylen);
	return 0;
}

void crypto_sk_wipe(struct crypto_sk *sk)
{
	crypto_wipe(sk, crypto_sk_size(sk));
}

size_t crypto_sk_iv_len(const struct crypto_sk *sk)
{
	return sk->iv_len;
}

size_t crypto_sk_icv_len(const struct crypto_sk *sk)
{
	return sk->icv_len;
}

size_t crypto_sk_block_len(const struct crypto_sk *sk)
{
	return sk->block_len;
}

size_t crypto_sk_pad_len(const struct crypto_sk *sk, size_t innerlen)
{
	size_t b = sk->block_len ? sk->block_len : 1;

	return (b - (innerlen + 1) % b) % b;
}

static bool len_ok(const struct crypto_sk *sk, size_t len)
{
	return sk->block_len && len > 0 && len % sk->block_len == 0 && len <= INT32_MAX;
}

/* The ICV covers aad | IV | ciphertext (RFC 7296 3.14). */
static void cbc_parts(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen,
		      const uint8_t *iv, const uint8_t *ct, size_t len, struct iovec parts[3])
{
	parts[0] = (struct iovec){ .iov_base = (void *)aad, .iov_len = aadlen };
	parts[1] = (struct iovec){ .iov_base = (void *)iv, .iov_len = sk->iv_len };
	parts[2] = (struct iovec){ .iov_base = (void *)ct, .iov_len = len };
}

/* Run the cipher over buf in place; for AEAD, feed aad first and handle the tag. */
static int cipher_run(const struct crypto_sk *sk, bool enc, const uint8_t *aad, size_t aadlen,
		      const uint8_t *iv, uint8_t *buf, size_t len, uint8_t *tag)
{
	EVP_CIPHER *cipher = sk_cipher(sk);
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t nonce[AEAD_NONCE_LEN];
	const uint8_t *civ = iv;
	int outl = 0, fin = 0;
	int ret = -EIO;

	if (!cipher || !(ctx = EVP_CIPHER_CTX_new()))
		goto out;
	if (sk->aead) {
		/* RFC 5282 4 / RFC 7634 2: nonce = salt(4) | IV(8). */
		memcpy(nonce, sk->key + sk->ekey_len, CRYPTO_SK_SALT_LEN);
		memcpy(nonce + CRYPTO_SK_SALT_LEN, iv, AEAD_IV_LEN);
		civ = nonce;
	}
	if (!EVP_CipherInit_ex2(ctx, cipher, sk->key, civ, enc, NULL))
		goto out;
	if (!sk->aead && !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (sk->aead) {
		if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sk->icv_len,
						(void *)tag) <= 0)
			goto out;
		if (aadlen && !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aadlen))
			goto out;
	}
	if (!EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) || (size_t)outl != len)
		goto out;
	if (!EVP_CipherFinal_ex(ctx, buf + outl, &fin) || fin != 0) {
		ret = -EBADMSG;
		goto out;
	}
	if (sk->aead && enc &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, sk->icv_len, tag) <= 0)
		goto out;
	ret = 0;
out:
	crypto_wipe(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int crypto_sk_seal_iv(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen,
		      const uint8_t *iv, uint8_t *buf, size_t len, uint8_t *icv)
{
	int ret;

	if (!len_ok(sk, len) || aadlen > INT32_MAX)
		return -EINVAL;
	ret = cipher_run(sk, true, aad, aadlen, iv, buf, len, icv);
	if (ret == 0 && !sk->aead) {
		struct iovec parts[3];

		cbc_parts(sk, aad, aadlen, iv, buf, len, parts);
		ret = crypto_integ_icv(sk->integ, sk->key + sk->ekey_len, sk->akey_len, parts, 3, icv);
	}
	return ret < 0 ? -EIO : 0;
}

int crypto_sk_seal(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen, uint8_t *iv,
		   uint8_t *buf, size_t len, uint8_t *icv)
{
	if (crypto_random(iv, sk->iv_len) < 0)
		return -EIO;
	return crypto_sk_seal_iv(sk, aad, aadlen, iv, buf, len, icv);
}

int crypto_sk_open(const struct crypto_sk *sk, const uint8_t *aad, size_t aadlen,
		   const uint8_t *iv, uint8_t *buf, size_t len, const uint8_t *icv)
{
	size_t padlen;
	int ret = -EBADMSG;

	if (!len_ok(sk, len) || aadlen > INT32_MAX)
		goto out;
	if (!sk->aead) {
		/* Integrity first, in constant time; nothing is decrypted unless it holds. */
		struct iovec parts[3];

		cbc_parts(sk, aad, aadlen, iv, buf, len, parts);
		if (crypto_integ_check(sk->integ, sk->key + sk->ekey_len, sk->akey_len, parts, 3, icv) < 0)
			goto out;
	}
	if (cipher_run(sk, false, aad, aadlen, iv, buf, len, (uint8_t *)icv) < 0) {
		crypto_wipe(buf, len);
		goto out;
	}
	padlen = buf[len - 1];
	if (padlen + 1 > len) {
		crypto_wipe(buf, len);
		goto out;
	}
	ret = (int)(len - padlen - 1);
out:
	return ret;
}

int crypto_sk_open_payload(const struct crypto_sk *sk, uint8_t *msg, size_t msglen,
			   size_t sk_off, size_t sk_len, size_t *inner_off)
{
	struct wire w = wire_make(msg, msglen);
	const uint8_t *iv, *ct, *icv;
	size_t ctlen;
	int ret;

	if (sk_off > msglen || sk_len > msglen - sk_off || sk_len < CRYPTO_SK_HDR_LEN)
		return -EBADMSG;
	wire_bytes(&w, sk_off + CRYPTO_SK_HDR_LEN);
	ctlen = sk_len - CRYPTO_SK_HDR_LEN;
	if (ctlen < (size_t)sk->iv_len + sk->icv_len)
		return -EBADMSG;
	ctlen -= (size_t)sk->iv_len + sk->icv_len;
	iv = wire_bytes(&w, sk->iv_len);
	ct = wire_bytes(&w, ctlen);
	icv = wire_bytes(&w, sk->icv_len);
	if (wire_err(&w) || !iv || !ct || !icv)
		return -EBADMSG;
	ret = crypto_sk_open(sk, msg, sk_off + CRYPTO_SK_HDR_LEN, iv, msg + (ct - msg), ctlen, icv);
	if (ret >= 0)
		*inner_off = (size_t)(ct - msg);
	return ret;
}
