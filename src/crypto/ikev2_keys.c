/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/ikev2_keys.h"

#include <errno.h>
#include <string.h>

#include "crypto/crypto.h"

/* Sum of the seven keys of RFC 7296 2.14 at their largest. */
enum { KEYS_MAX = 3 * CRYPTO_PRF_MAX + 2 * CRYPTO_SK_AKEY_MAX +
		  2 * (CRYPTO_SK_EKEY_MAX + CRYPTO_SK_SALT_LEN) };

static bool nonce_ok(const uint8_t *n, size_t len)
{
	return n && len >= V2_NONCE_MIN && len <= V2_NONCE_MAX;
}

/* Key lengths for suite s into out; -ENOTSUP for anything SK cannot use. */
static int key_lengths(const struct v2_suite *s, struct ikev2_keys *out)
{
	int elen = crypto_encr_keymat_len(s->encr, s->encr_keylen);
	int alen = crypto_integ_key_len(s->integ);
	size_t plen = crypto_prf_len(s->prf);

	if (elen <= 0 || alen < 0 || plen == 0)
		return -ENOTSUP;
	if (crypto_encr_is_aead(s->encr) != (alen == 0))
		return -ENOTSUP;	/* AEAD with integrity, or a cipher without */
	out->sk_d_len = plen;
	out->sk_p_len = plen;
	out->sk_a_len = (size_t)alen;
	out->sk_e_len = (size_t)elen;
	return 0;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static int expand(const struct v2_suite *s, const uint8_t *skeyseed, size_t seedlen,
		  const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
		  const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out)
{
	struct iovec seed[] = {
		{ .iov_base = (void *)ni, .iov_len = nilen },
		{ .iov_base = (void *)nr, .iov_len = nrlen },
		{ .iov_base = (void *)spii, .iov_len = V2_SPI_SIZE },
		{ .iov_base = (void *)spir, .iov_len = V2_SPI_SIZE },
	};
	uint8_t km[KEYS_MAX];
	size_t total = out->sk_d_len + 2 * out->sk_a_len + 2 * out->sk_e_len + 2 * out->sk_p_len;
	const uint8_t *p = km;
	int ret;

	ret = crypto_prf_plusv(s->prf, skeyseed, seedlen, seed, 4, km, total);
	if (ret < 0)
		goto out;
	memcpy(out->sk_d, p, out->sk_d_len);
	p += out->sk_d_len;
	memcpy(out->sk_ai, p, out->sk_a_len);
	p += out->sk_a_len;
	memcpy(out->sk_ar, p, out->sk_a_len);
	p += out->sk_a_len;
	memcpy(out->sk_ei, p, out->sk_e_len);
	p += out->sk_e_len;
	memcpy(out->sk_er, p, out->sk_e_len);
	p += out->sk_e_len;
	memcpy(out->sk_pi, p, out->sk_p_len);
	p += out->sk_p_len;
	memcpy(out->sk_pr, p, out->sk_p_len);
out:
	crypto_wipe(km, sizeof(km));
	return ret;
}

int crypto_ikev2_skeyseed(uint16_t prf, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			  size_t nrlen, const uint8_t *gir, size_t girlen, uint8_t *out)
{
	uint8_t nonces[2 * V2_NONCE_MAX];
	struct iovec data = { .iov_base = (void *)gir, .iov_len = girlen };
	size_t plen = crypto_prf_len(prf);
	int ret;

	if (plen == 0)
		return -ENOTSUP;
	if (!nonce_ok(ni, nilen) || !nonce_ok(nr, nrlen) || !gir || !girlen)
		return -EINVAL;
	/* SKEYSEED = prf(Ni | Nr, g^ir): the key is the concatenated nonces. */
	memcpy(nonces, ni, nilen);
	memcpy(nonces + nilen, nr, nrlen);
	ret = crypto_prf(prf, nonces, nilen + nrlen, &data, 1, out);
	crypto_wipe(nonces, sizeof(nonces));
	if (ret < 0) {
		crypto_wipe(out, plen);
		return ret;
	}
	return (int)plen;
}

int crypto_ikev2_expand(const struct v2_suite *s, const uint8_t *skeyseed, size_t seedlen,
			const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = key_lengths(s, out);
	if (ret < 0)
		goto out;
	ret = -EINVAL;
	if (!skeyseed || seedlen == 0 || !nonce_ok(ni, nilen) || !nonce_ok(nr, nrlen) || !spii ||
	    !spir)
		goto out;
	ret = expand(s, skeyseed, seedlen, ni, nilen, nr, nrlen, spii, spir, out);
out:
	if (ret < 0)
		crypto_ikev2_keys_wipe(out);
	return ret;
}

int crypto_ikev2_derive(const struct v2_suite *s, const uint8_t *ni, size_t nilen,
			const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
			const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out)
{
	uint8_t skeyseed[CRYPTO_PRF_MAX];
	int n = crypto_ikev2_skeyseed(s->prf, ni, nilen, nr, nrlen, gir, girlen, skeyseed);
	int ret;

	if (n < 0) {
		memset(out, 0, sizeof(*out));
		return n;
	}
	ret = crypto_ikev2_expand(s, skeyseed, (size_t)n, ni, nilen, nr, nrlen, spii, spir, out);
	crypto_wipe(skeyseed, sizeof(skeyseed));
	return ret;
}

int crypto_ikev2_rekey_derive(const struct v2_suite *s, uint16_t old_prf, const uint8_t *old_sk_d,
			      size_t old_sk_d_len, const uint8_t *gir, size_t girlen,
			      const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
			      const uint8_t spii[8], const uint8_t spir[8], struct ikev2_keys *out)
{
	uint8_t skeyseed[CRYPTO_PRF_MAX];
	struct iovec data[] = {
		{ .iov_base = (void *)gir, .iov_len = girlen },
		{ .iov_base = (void *)ni, .iov_len = nilen },
		{ .iov_base = (void *)nr, .iov_len = nrlen },
	};
	size_t old_len = crypto_prf_len(old_prf);
	int ret;

	memset(out, 0, sizeof(*out));
	if (old_len == 0 || key_lengths(s, out) < 0)
		return -ENOTSUP;
	if (!nonce_ok(ni, nilen) || !nonce_ok(nr, nrlen) || !gir || !girlen || !old_sk_d ||
	    old_sk_d_len == 0) {
		crypto_ikev2_keys_wipe(out);
		return -EINVAL;
	}
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF. */
	ret = crypto_prf(old_prf, old_sk_d, old_sk_d_len, data, 3, skeyseed);
	/* SKEYSEED is old_len bytes; the new PRF (HMAC) takes any key length. */
	if (ret >= 0)
		ret = crypto_ikev2_expand(s, skeyseed, old_len, ni, nilen, nr, nrlen, spii, spir, out);
	else
		crypto_ikev2_keys_wipe(out);
	crypto_wipe(skeyseed, sizeof(skeyseed));
	return ret;
}

int crypto_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
			size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
			size_t nrlen, uint8_t *out, size_t outlen)
{
	struct iovec seed[3];
	int n = 0;
	int ret = -EINVAL;

	if (!sk_d || !sk_d_len || !nonce_ok(ni, nilen) || !nonce_ok(nr, nrlen) ||
	    (girlen && !gir))
		goto out;
	if (gir && girlen)
		seed[n++] = (struct iovec){ .iov_base = (void *)gir, .iov_len = girlen };
	seed[n++] = (struct iovec){ .iov_base = (void *)ni, .iov_len = nilen };
	seed[n++] = (struct iovec){ .iov_base = (void *)nr, .iov_len = nrlen };
	ret = crypto_prf_plusv(prf, sk_d, sk_d_len, seed, n, out, outlen);
out:
	if (ret < 0 && out)
		crypto_wipe(out, outlen);
	return ret;
}

size_t crypto_esp_keymat_len(const struct v2_suite *s)
{
	int elen = s->encr == 0 ? 0 : crypto_encr_keymat_len(s->encr, s->encr_keylen);
	int alen = crypto_integ_key_len(s->integ);

	if (elen < 0 || alen < 0)
		return 0;
	return (size_t)elen + (size_t)alen;
}

int crypto_psk_auth(uint16_t prf, const uint8_t *psk, size_t psklen, const struct iovec *octets,
		    int noctets, uint8_t *out)
{
	static const char keypad[] = "Key Pad for IKEv2";	/* 17 octets, no NUL (2.15) */
	struct iovec pad = { .iov_base = (void *)keypad, .iov_len = sizeof(keypad) - 1 };
	uint8_t inner[CRYPTO_PRF_MAX];
	size_t plen = crypto_prf_len(prf);
	int ret = -ENOTSUP;

	if (plen == 0)
		goto out;
	ret = -EINVAL;
	if (!psk || psklen == 0)
		goto out;
	ret = crypto_prf(prf, psk, psklen, &pad, 1, inner);
	if (ret < 0)
		goto out;
	ret = crypto_prf(prf, inner, plen, octets, noctets, out);
out:
	crypto_wipe(inner, sizeof(inner));
	return ret;
}

void crypto_ikev2_keys_wipe(struct ikev2_keys *keys)
{
	crypto_wipe(keys, sizeof(*keys));
}
