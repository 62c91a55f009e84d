/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/ikev1_keys.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "crypto/prf.h"

enum { V1_HASH_SHA1 = 2, V1_HASH_SHA2_256 = 4, V1_HASH_SHA2_384 = 5, V1_HASH_SHA2_512 = 6 };
enum { V1_ENCR_3DES = 5, V1_ENCR_AES_CBC = 7, AES_BLOCK = 16, DES_BLOCK = 8, DES3_KEY = 24 };

static int md_of(uint16_t hash)
{
	switch (hash) {
	case V1_HASH_SHA1: return CRYPTO_MD_SHA1;
	case V1_HASH_SHA2_256: return CRYPTO_MD_SHA256;
	case V1_HASH_SHA2_384: return CRYPTO_MD_SHA384;
	case V1_HASH_SHA2_512: return CRYPTO_MD_SHA512;
	default: return -1;
	}
}

size_t crypto_v1_hash_len(uint16_t hash)
{
	switch (hash) {
	case V1_HASH_SHA1: return 20;
	case V1_HASH_SHA2_256: return 32;
	case V1_HASH_SHA2_384: return 48;
	case V1_HASH_SHA2_512: return 64;
	default: return 0;
	}
}

int crypto_v1_prf(uint16_t hash, const uint8_t *key, size_t keylen, const struct iovec *data,
		  int ndata, uint8_t *out)
{
	int md = md_of(hash);

	if (md < 0)
		return -ENOTSUP;
	return crypto_hmac(md, key, keylen, data, ndata, out, crypto_v1_hash_len(hash));
}

int crypto_v1_hash(uint16_t hash, const struct iovec *data, int ndata, uint8_t *out)
{
	const struct crypto_algs *algs = crypto_algs();
	int md = md_of(hash), rc = -EIO;
	EVP_MD_CTX *ctx;

	if (md < 0)
		return -ENOTSUP;
	if (!algs)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, algs->md[md], NULL))
		goto out;
	for (int i = 0; i < ndata; i++)
		if (!EVP_DigestUpdate(ctx, data[i].iov_base, data[i].iov_len))
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, NULL))
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int crypto_v1_skeyid_psk(uint16_t hash, const uint8_t *psk, size_t psk_len, const uint8_t *ni,
			 size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out)
{
	struct iovec v[2] = { { (void *)ni, ni_len }, { (void *)nr, nr_len } };

	return crypto_v1_prf(hash, psk, psk_len, v, 2, out);
}

int crypto_v1_skeyid_sig(uint16_t hash, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
			 size_t nr_len, const uint8_t *gxy, size_t gxy_len, uint8_t *out)
{
	uint8_t key[2 * 256];
	struct iovec v = { (void *)gxy, gxy_len };
	int rc;

	if (ni_len + nr_len > sizeof(key))
		return -EINVAL;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	rc = crypto_v1_prf(hash, key, ni_len + nr_len, &v, 1, out);
	crypto_wipe(key, sizeof(key));
	return rc;
}

int crypto_v1_skeyid_dae(uint16_t hash, const uint8_t *skeyid, const uint8_t *gxy,
			 size_t gxy_len, const uint8_t cky_i[8], const uint8_t cky_r[8],
			 uint8_t *d, uint8_t *a, uint8_t *e)
{
	size_t n = crypto_v1_hash_len(hash);
	uint8_t num;
	struct iovec v[5] = {
		{ NULL, 0 },
		{ (void *)gxy, gxy_len },
		{ (void *)cky_i, 8 },
		{ (void *)cky_r, 8 },
		{ &num, 1 },
	};
	int rc;

	if (!n)
		return -ENOTSUP;
	num = 0;
	rc = crypto_v1_prf(hash, skeyid, n, v + 1, 4, d);
	if (rc)
		return rc;
	num = 1;
	v[0] = (struct iovec){ d, n };
	rc = crypto_v1_prf(hash, skeyid, n, v, 5, a);
	if (rc)
		return rc;
	num = 2;
	v[0] = (struct iovec){ a, n };
	return crypto_v1_prf(hash, skeyid, n, v, 5, e);
}

int crypto_v1_enc_key(uint16_t hash, const uint8_t *skeyid_e, uint8_t *key, size_t key_len)
{
	size_t n = crypto_v1_hash_len(hash), have = 0;
	uint8_t k[CRYPTO_V1_PRF_MAX], zero = 0;
	int rc = 0;

	if (!n)
		return -ENOTSUP;
	if (key_len <= n) {
		memcpy(key, skeyid_e, key_len);
		return 0;
	}
	while (have < key_len) {
		struct iovec v = have ? (struct iovec){ k, n } : (struct iovec){ &zero, 1 };
		size_t take;

		rc = crypto_v1_prf(hash, skeyid_e, n, &v, 1, k);
		if (rc)
			break;
		take = key_len - have < n ? key_len - have : n;
		memcpy(key + have, k, take);
		have += take;
	}
	crypto_wipe(k, sizeof(k));
	if (rc)
		crypto_wipe(key, key_len);
	return rc;
}

int crypto_v1_iv_phase1(uint16_t hash, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
			size_t gxr_len, uint8_t *iv, size_t block)
{
	uint8_t h[CRYPTO_V1_PRF_MAX];
	struct iovec v[2] = { { (void *)gxi, gxi_len }, { (void *)gxr, gxr_len } };
	int rc;

	if (block > crypto_v1_hash_len(hash))
		return crypto_v1_hash_len(hash) ? -EINVAL : -ENOTSUP;
	rc = crypto_v1_hash(hash, v, 2, h);
	if (!rc)
		memcpy(iv, h, block);
	return rc;
}

int crypto_v1_iv_msgid(uint16_t hash, const uint8_t *last, size_t block, uint32_t msgid,
		       uint8_t *iv)
{
	uint8_t h[CRYPTO_V1_PRF_MAX], m[4] = { (uint8_t)(msgid >> 24), (uint8_t)(msgid >> 16),
					       (uint8_t)(msgid >> 8), (uint8_t)msgid };
	struct iovec v[2] = { { (void *)last, block }, { m, 4 } };
	int rc;

	if (block > crypto_v1_hash_len(hash))
		return crypto_v1_hash_len(hash) ? -EINVAL : -ENOTSUP;
	rc = crypto_v1_hash(hash, v, 2, h);
	if (!rc)
		memcpy(iv, h, block);
	return rc;
}

int crypto_v1_keymat(uint16_t hash, const uint8_t *skeyid_d, const uint8_t *gxy,
		     size_t gxy_len, uint8_t protocol, const uint8_t spi[4], const uint8_t *ni,
		     size_t ni_len, const uint8_t *nr, size_t nr_len, uint8_t *out,
		     size_t out_len)
{
	size_t n = crypto_v1_hash_len(hash), have = 0;
	uint8_t k[CRYPTO_V1_PRF_MAX];
	struct iovec v[6] = {
		{ k, 0 },
		{ (void *)gxy, gxy ? gxy_len : 0 },
		{ &protocol, 1 },
		{ (void *)spi, 4 },
		{ (void *)ni, ni_len },
		{ (void *)nr, nr_len },
	};
	int rc = 0;

	if (!n)
		return -ENOTSUP;
	while (have < out_len) {
		size_t take;

		v[0].iov_len = have ? n : 0;	/* K1 has no previous block */
		rc = crypto_v1_prf(hash, skeyid_d, n, v, 6, k);
		if (rc)
			break;
		take = out_len - have < n ? out_len - have : n;
		memcpy(out + have, k, take);
		have += take;
	}
	crypto_wipe(k, sizeof(k));
	if (rc)
		crypto_wipe(out, out_len);
	return rc;
}

size_t crypto_v1_block_len(uint16_t encr, size_t key_len)
{
	if (encr == V1_ENCR_AES_CBC && (key_len == 16 || key_len == 24 || key_len == 32))
		return AES_BLOCK;
	if (encr == V1_ENCR_3DES && key_len == DES3_KEY && crypto_has_3des())
		return DES_BLOCK;
	return 0;
}

int crypto_v1_cbc(uint16_t encr, const uint8_t *key, size_t key_len, uint8_t *iv, uint8_t *buf,
		  size_t len, bool encrypt)
{
	const struct crypto_algs *algs = crypto_algs();
	size_t block = crypto_v1_block_len(encr, key_len);
	uint8_t next_iv[CRYPTO_V1_BLOCK_MAX];
	EVP_CIPHER_CTX *ctx = NULL;
	const EVP_CIPHER *cipher;
	int outl = 0, rc = -EIO;

	if (!block)
		return -ENOTSUP;
	if (len == 0 || len % block)
		return -EINVAL;
	if (!algs)
		return -EIO;
	cipher = encr == V1_ENCR_3DES ? algs->des_ede3_cbc : algs->aes_cbc[key_len / 8 - 2];
	if (!cipher)
		return -ENOTSUP;
	/* The next IV is the last ciphertext block: before decrypting, it is in buf. */
	if (!encrypt)
		memcpy(next_iv, buf + len - block, block);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx ||
	    !EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt ? 1 : 0) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) || !EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) ||
	    (size_t)outl != len)
		goto out;
	if (encrypt)
		memcpy(next_iv, buf + len - block, block);
	memcpy(iv, next_iv, block);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
