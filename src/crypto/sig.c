/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/sig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/crypto.h"
#include "ike/v2/types.h"

static const struct {
	uint8_t hash;
	int md;			/* enum crypto_md */
	uint8_t len;
	const char *name;
} hashes[] = {
	{ V2_HASH_SHA1, CRYPTO_MD_SHA1, 20, "SHA1" },
	{ V2_HASH_SHA2_256, CRYPTO_MD_SHA256, 32, "SHA2_256" },
	{ V2_HASH_SHA2_384, CRYPTO_MD_SHA384, 48, "SHA2_384" },
	{ V2_HASH_SHA2_512, CRYPTO_MD_SHA512, 64, "SHA2_512" },
	{ V2_HASH_IDENTITY, -1, 0, "IDENTITY" },
};

static int hash_find(uint8_t hash)
{
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].hash == hash)
			return (int)i;
	return -1;
}

size_t crypto_sig_hash_len(uint8_t hash)
{
	int i = hash_find(hash);

	return i < 0 ? 0 : hashes[i].len;
}

const char *crypto_sig_hash_name(uint8_t hash)
{
	int i = hash_find(hash);

	return i < 0 ? "?" : hashes[i].name;
}

static const EVP_MD *md_of(uint8_t hash)
{
	const struct crypto_algs *a = crypto_algs();
	int i = hash_find(hash);

	if (!a || i < 0 || hashes[i].md < 0)
		return NULL;
	return a->md[hashes[i].md];
}

size_t crypto_curve_field_len(enum crypto_curve curve)
{
	switch (curve) {
	case CRYPTO_CURVE_P256:
		return 32;
	case CRYPTO_CURVE_P384:
		return 48;
	case CRYPTO_CURVE_P521:
		return 66;
	default:
		return 0;
	}
}

struct crypto_sig_scheme crypto_sig_scheme(enum crypto_sig_kind kind, uint8_t hash)
{
	struct crypto_sig_scheme s = { .kind = (uint8_t)kind, .hash = hash };

	if (kind == CRYPTO_SIG_RSA_PSS) {
		s.mgf_hash = hash;
		s.salt_len = (uint16_t)crypto_sig_hash_len(hash);
	} else if (kind == CRYPTO_SIG_ED25519 || kind == CRYPTO_SIG_ED448) {
		s.hash = V2_HASH_IDENTITY;
	}
	return s;
}

static bool is_sha2(uint8_t hash)
{
	return hash == V2_HASH_SHA2_256 || hash == V2_HASH_SHA2_384 || hash == V2_HASH_SHA2_512;
}

/* The hash RFC 4754 fixes for a curve (methods 9-11). */
static uint8_t curve_hash(enum crypto_curve curve)
{
	switch (curve) {
	case CRYPTO_CURVE_P256:
		return V2_HASH_SHA2_256;
	case CRYPTO_CURVE_P384:
		return V2_HASH_SHA2_384;
	case CRYPTO_CURVE_P521:
		return V2_HASH_SHA2_512;
	default:
		return 0;
	}
}

bool crypto_sig_fits(const struct crypto_sig_scheme *s, enum crypto_key_kind kind,
		     enum crypto_curve curve)
{
	switch (s->kind) {
	case CRYPTO_SIG_RSA_PKCS1:
		return kind == CRYPTO_KEY_RSA && (s->hash == V2_HASH_SHA1 || is_sha2(s->hash));
	case CRYPTO_SIG_RSA_PSS:
		return kind == CRYPTO_KEY_RSA && is_sha2(s->hash) &&
		       (s->mgf_hash == V2_HASH_SHA1 || is_sha2(s->mgf_hash)) && s->salt_len <= 512;
	case CRYPTO_SIG_ECDSA:
		if (kind != CRYPTO_KEY_ECDSA || !is_sha2(s->hash))
			return false;
		return !s->ecdsa_raw || curve_hash(curve) == s->hash;
	case CRYPTO_SIG_ED25519:
		return kind == CRYPTO_KEY_ED25519 && s->hash == V2_HASH_IDENTITY;
	case CRYPTO_SIG_ED448:
		return kind == CRYPTO_KEY_ED448 && s->hash == V2_HASH_IDENTITY;
	case CRYPTO_SIG_RSA_PKCS1_RAW:
		return kind == CRYPTO_KEY_RSA && s->hash == V2_HASH_IDENTITY;
	case CRYPTO_SIG_ECDSA_DIGEST:
		return kind == CRYPTO_KEY_ECDSA && is_sha2(s->hash) && curve_hash(curve) == s->hash;
	default:
		return false;
	}
}

const char *crypto_sig_scheme_str(const struct crypto_sig_scheme *s, char *buf, size_t len)
{
	const char *h = crypto_sig_hash_name(s->hash);

	switch (s->kind) {
	case CRYPTO_SIG_RSA_PKCS1:
		snprintf(buf, len, "RSASSA-PKCS1-v1_5 with %s", h);
		break;
	case CRYPTO_SIG_RSA_PSS:
		snprintf(buf, len, "RSASSA-PSS with %s", h);
		break;
	case CRYPTO_SIG_ECDSA:
		snprintf(buf, len, "ECDSA with %s%s", h, s->ecdsa_raw ? " (r||s)" : "");
		break;
	case CRYPTO_SIG_ED25519:
		snprintf(buf, len, "Ed25519");
		break;
	case CRYPTO_SIG_ED448:
		snprintf(buf, len, "Ed448");
		break;
	case CRYPTO_SIG_RSA_PKCS1_RAW:
		snprintf(buf, len, "RSASSA-PKCS1-v1_5 without DigestInfo");
		break;
	case CRYPTO_SIG_ECDSA_DIGEST:
		snprintf(buf, len, "ECDSA over a digest (r||s, %s's curve)", h);
		break;
	default:
		snprintf(buf, len, "none");
		break;
	}
	return buf;
}

/*
 * A digest-sign/verify context for the scheme: the digest (none for
 * EdDSA) and, for RSA, the padding, MGF1 hash and salt length.
 */
static int setup(EVP_MD_CTX *ctx, EVP_PKEY *pkey, const struct crypto_sig_scheme *s, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = NULL;
	int ok;

	if (s->kind != CRYPTO_SIG_ED25519 && s->kind != CRYPTO_SIG_ED448) {
		md = md_of(s->hash);
		if (!md)
			return -ENOTSUP;
	}
	ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey)
		  : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey);
	if (ok <= 0)
		return -EIO;
	if (s->kind == CRYPTO_SIG_RSA_PKCS1)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 ? 0 : -EIO;
	if (s->kind == CRYPTO_SIG_RSA_PSS) {
		const EVP_MD *mgf = md_of(s->mgf_hash);

		if (!mgf)
			return -ENOTSUP;
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, s->salt_len) <= 0)
			return -EIO;
	}
	return 0;
}

/*
 * IKEv1's signatures: no signature digest, through EVP_PKEY_sign/verify.
 * RSA: the message padded as it is (PKCS#1 type 1 block); the verify side
 * demands a signature exactly as long as the modulus. ECDSA: the message
 * is the digest; the signature DER in and out.
 */
static int raw_sig(EVP_PKEY *pkey, bool sign, bool rsa, const uint8_t *msg, size_t len,
		   uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int rc = -EIO;

	if (!pctx)
		return -ENOMEM;
	if ((sign ? EVP_PKEY_sign_init(pctx) : EVP_PKEY_verify_init(pctx)) <= 0 ||
	    (rsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0))
		goto out;
	if (sign)
		rc = EVP_PKEY_sign(pctx, sig, siglen, msg, len) > 0 ? 0 : -EIO;
	else if (rsa && *siglen != (size_t)EVP_PKEY_get_size(pkey))
		rc = -EBADMSG;
	else
		rc = EVP_PKEY_verify(pctx, sig, *siglen, msg, len) == 1 ? 0 : -EBADMSG;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

int crypto_sign(const struct crypto_privkey *k, const struct crypto_sig_scheme *s,
		const uint8_t *msg, size_t len, uint8_t *sig, size_t cap)
{
	EVP_PKEY *pkey = crypto_privkey_evp(k);
	uint8_t der[CRYPTO_SIG_MAX];
	EVP_MD_CTX *ctx = NULL;
	size_t siglen;
	int rc;

	if (!crypto_sig_fits(s, crypto_privkey_kind(k), crypto_privkey_curve(k)))
		return -EINVAL;
	if ((size_t)EVP_PKEY_get_size(pkey) > sizeof(der))
		return -EINVAL;
	if (s->kind == CRYPTO_SIG_RSA_PKCS1_RAW) {
		if ((size_t)EVP_PKEY_get_size(pkey) > cap)
			return -EMSGSIZE;
		siglen = cap;
		rc = raw_sig(pkey, true, true, msg, len, sig, &siglen);
		return rc < 0 ? rc : (int)siglen;
	}
	if (s->kind == CRYPTO_SIG_ECDSA_DIGEST) {
		siglen = sizeof(der);
		rc = raw_sig(pkey, true, false, msg, len, der, &siglen);
		if (rc < 0)
			return rc;
		rc = crypto_ecdsa_der_to_raw(der, siglen,
					     crypto_curve_field_len(crypto_privkey_curve(k)), sig,
					     cap);
		return rc == -EBADMSG ? -EIO : rc;	/* our own signature: cannot happen */
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	rc = setup(ctx, pkey, s, true);
	if (rc < 0)
		goto out;
	siglen = sizeof(der);
	if (EVP_DigestSign(ctx, der, &siglen, msg, len) <= 0) {
		rc = -EIO;
		goto out;
	}
	if (s->kind == CRYPTO_SIG_ECDSA && s->ecdsa_raw) {
		rc = crypto_ecdsa_der_to_raw(der, siglen,
					     crypto_curve_field_len(crypto_privkey_curve(k)), sig,
					     cap);
		if (rc == -EBADMSG)
			rc = -EIO;	/* our own signature: cannot happen */
		goto out;
	}
	if (siglen > cap) {
		rc = -EMSGSIZE;
		goto out;
	}
	memcpy(sig, der, siglen);
	rc = (int)siglen;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int crypto_verify(const struct crypto_pubkey *k, const struct crypto_sig_scheme *s,
		  const uint8_t *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pkey = crypto_pubkey_evp(k);
	uint8_t der[CRYPTO_SIG_MAX];
	EVP_MD_CTX *ctx;
	int rc;

	if (!crypto_sig_fits(s, crypto_pubkey_kind(k), crypto_pubkey_curve(k)))
		return -EINVAL;
	if (siglen == 0 || siglen > CRYPTO_SIG_MAX)
		return -EBADMSG;
	if (s->kind == CRYPTO_SIG_RSA_PKCS1_RAW)
		return raw_sig(pkey, false, true, msg, len, (uint8_t *)sig, &siglen);
	if (s->kind == CRYPTO_SIG_ECDSA_DIGEST) {
		if (siglen != 2 * crypto_curve_field_len(crypto_pubkey_curve(k)))
			return -EBADMSG;
		rc = crypto_ecdsa_raw_to_der(sig, siglen, der, sizeof(der));
		if (rc < 0)
			return -EBADMSG;
		siglen = (size_t)rc;
		return raw_sig(pkey, false, false, msg, len, der, &siglen);
	}
	if (s->kind == CRYPTO_SIG_ECDSA && s->ecdsa_raw) {
		if (siglen != 2 * crypto_curve_field_len(crypto_pubkey_curve(k)))
			return -EBADMSG;
		rc = crypto_ecdsa_raw_to_der(sig, siglen, der, sizeof(der));
		if (rc < 0)
			return -EBADMSG;
		sig = der;
		siglen = (size_t)rc;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	rc = setup(ctx, pkey, s, false);
	if (rc == 0)
		rc = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1 ? 0 : -EBADMSG;
	EVP_MD_CTX_free(ctx);
	return rc;
}

int crypto_ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t field_len, uint8_t *out,
			    size_t cap)
{
	const unsigned char *p = der;
	unsigned char *again = NULL;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	int rc = -EBADMSG, n;

	if (field_len == 0 || len == 0 || len > CRYPTO_SIG_MAX)
		return -EBADMSG;
	if (cap < 2 * field_len)
		return -EMSGSIZE;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!sig)
		return -EBADMSG;
	/* Strict DER: nothing after it, and encoding it again gives the same bytes. */
	n = i2d_ECDSA_SIG(sig, &again);
	if (p != der + len || n != (int)len || memcmp(again, der, len) != 0)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_is_negative(r) || BN_is_negative(s) ||
	    BN_bn2binpad(r, out, (int)field_len) < 0 ||
	    BN_bn2binpad(s, out + field_len, (int)field_len) < 0)
		goto out;
	rc = (int)(2 * field_len);
out:
	OPENSSL_free(again);
	ECDSA_SIG_free(sig);
	return rc;
}

int crypto_ecdsa_raw_to_der(const uint8_t *raw, size_t len, uint8_t *out, size_t cap)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int rc = -EBADMSG, n;

	if (len == 0 || len % 2 || len > 2 * 66)
		return -EBADMSG;
	r = BN_bin2bn(raw, (int)(len / 2), NULL);
	s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
	sig = ECDSA_SIG_new();
	if (!r || !s || !sig) {
		rc = -ENOMEM;
		goto out;
	}
	if (!ECDSA_SIG_set0(sig, r, s))
		goto out;
	r = s = NULL;	/* owned by sig */
	n = i2d_ECDSA_SIG(sig, &der);
	if (n <= 0)
		goto out;
	if ((size_t)n > cap) {
		rc = -EMSGSIZE;
		goto out;
	}
	memcpy(out, der, (size_t)n);
	rc = n;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	BN_free(r);
	BN_free(s);
	return rc;
}
