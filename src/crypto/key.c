/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/file.h"

/*
 * Owner: shared by every holder of a reference; immutable after wrap,
 * so any thread may use it; refs is the only field written afterwards.
 */
struct key {
	atomic_uint refs;
	uint8_t kind;		/* enum crypto_key_kind */
	uint8_t curve;		/* enum crypto_curve */
	uint16_t bits;
	EVP_PKEY *pkey;
};

struct crypto_pubkey {
	struct key k;
};

struct crypto_privkey {
	struct key k;
};

static int classify(EVP_PKEY *pkey, struct key *k)
{
	char group[32];

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		k->kind = CRYPTO_KEY_RSA;
		break;
	case EVP_PKEY_EC:
		k->kind = CRYPTO_KEY_ECDSA;
		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						    sizeof(group), NULL))
			return -ENOTSUP;
		if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
			k->curve = CRYPTO_CURVE_P256;
		else if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384"))
			k->curve = CRYPTO_CURVE_P384;
		else if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521"))
			k->curve = CRYPTO_CURVE_P521;
		else
			return -ENOTSUP;
		break;
	case EVP_PKEY_ED25519:
		k->kind = CRYPTO_KEY_ED25519;
		break;
	case EVP_PKEY_ED448:
		k->kind = CRYPTO_KEY_ED448;
		break;
	default:
		return -ENOTSUP;	/* DSA, RSA-PSS-only keys, GOST, ... */
	}
	int bits = EVP_PKEY_get_bits(pkey);

	if (bits <= 0)
		return -ENOTSUP;
	if (k->kind == CRYPTO_KEY_RSA && (bits < CRYPTO_RSA_MIN_BITS || bits > CRYPTO_RSA_MAX_BITS))
		return -ENOTSUP;
	k->bits = (uint16_t)bits;
	return 0;
}

static int wrap(EVP_PKEY *pkey, size_t size, void **out)
{
	struct key *k;
	int rc;

	*out = NULL;
	if (!pkey)
		return -EINVAL;
	k = calloc(1, size);
	if (!k) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	rc = classify(pkey, k);
	if (rc < 0) {
		EVP_PKEY_free(pkey);
		free(k);
		return rc;
	}
	atomic_init(&k->refs, 1);
	k->pkey = pkey;
	*out = k;
	return 0;
}

int crypto_pubkey_wrap(EVP_PKEY *pkey, struct crypto_pubkey **out)
{
	return wrap(pkey, sizeof(struct crypto_pubkey), (void **)out);
}

int crypto_privkey_wrap(EVP_PKEY *pkey, struct crypto_privkey **out)
{
	return wrap(pkey, sizeof(struct crypto_privkey), (void **)out);
}

EVP_PKEY *crypto_pubkey_evp(const struct crypto_pubkey *k)
{
	return k->k.pkey;
}

EVP_PKEY *crypto_privkey_evp(const struct crypto_privkey *k)
{
	return k->k.pkey;
}

static void key_unref(struct key *k)
{
	if (!k || atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_PKEY_free(k->pkey);	/* clears private numbers (see key.h) */
	free(k);
}

struct crypto_pubkey *crypto_pubkey_ref(struct crypto_pubkey *k)
{
	if (k)
		atomic_fetch_add_explicit(&k->k.refs, 1, memory_order_relaxed);
	return k;
}

void crypto_pubkey_unref(struct crypto_pubkey *k)
{
	key_unref(k ? &k->k : NULL);
}

struct crypto_privkey *crypto_privkey_ref(struct crypto_privkey *k)
{
	if (k)
		atomic_fetch_add_explicit(&k->k.refs, 1, memory_order_relaxed);
	return k;
}

void crypto_privkey_unref(struct crypto_privkey *k)
{
	key_unref(k ? &k->k : NULL);
}

enum crypto_key_kind crypto_pubkey_kind(const struct crypto_pubkey *k)
{
	return k->k.kind;
}

enum crypto_key_kind crypto_privkey_kind(const struct crypto_privkey *k)
{
	return k->k.kind;
}

enum crypto_curve crypto_pubkey_curve(const struct crypto_pubkey *k)
{
	return k->k.curve;
}

enum crypto_curve crypto_privkey_curve(const struct crypto_privkey *k)
{
	return k->k.curve;
}

unsigned crypto_pubkey_bits(const struct crypto_pubkey *k)
{
	return k->k.bits;
}

unsigned crypto_privkey_bits(const struct crypto_privkey *k)
{
	return k->k.bits;
}

const char *crypto_key_kind_name(enum crypto_key_kind kind)
{
	switch (kind) {
	case CRYPTO_KEY_RSA:
		return "RSA";
	case CRYPTO_KEY_ECDSA:
		return "ECDSA";
	case CRYPTO_KEY_ED25519:
		return "Ed25519";
	case CRYPTO_KEY_ED448:
		return "Ed448";
	default:
		return "none";
	}
}

const char *crypto_curve_name(enum crypto_curve curve)
{
	switch (curve) {
	case CRYPTO_CURVE_P256:
		return "P-256";
	case CRYPTO_CURVE_P384:
		return "P-384";
	case CRYPTO_CURVE_P521:
		return "P-521";
	default:
		return "";
	}
}

/* A public-only EVP_PKEY: the SPKI of any key, decoded again. */
static EVP_PKEY *public_copy(EVP_PKEY *pkey)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int n = i2d_PUBKEY(pkey, &der);

	if (n <= 0)
		return NULL;
	p = der;
	pub = d2i_PUBKEY(NULL, &p, n);
	OPENSSL_free(der);
	return pub;
}

int crypto_privkey_public(const struct crypto_privkey *k, struct crypto_pubkey **out)
{
	EVP_PKEY *pub = public_copy(k->k.pkey);

	*out = NULL;
	if (!pub)
		return -EIO;
	return crypto_pubkey_wrap(pub, out);
}

bool crypto_pubkey_eq(const struct crypto_pubkey *a, const struct crypto_pubkey *b)
{
	return a && b && EVP_PKEY_eq(a->k.pkey, b->k.pkey) == 1;
}

bool crypto_privkey_matches(const struct crypto_privkey *k, const struct crypto_pubkey *pub)
{
	return k && pub && EVP_PKEY_eq(k->k.pkey, pub->k.pkey) == 1;
}

int crypto_pubkey_from_spki(const uint8_t *der, size_t len, struct crypto_pubkey **out)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey;

	*out = NULL;
	if (len == 0 || len > CRYPTO_KEY_FILE_MAX)
		return -EBADMSG;
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (!pkey)
		return -EBADMSG;
	if (p != der + len) {
		EVP_PKEY_free(pkey);	/* trailing bytes */
		return -EBADMSG;
	}
	return crypto_pubkey_wrap(pkey, out);
}

int crypto_pubkey_to_spki(const struct crypto_pubkey *k, uint8_t *out, size_t cap)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k->k.pkey, &der);

	if (n <= 0)
		return -EIO;
	if ((size_t)n > cap) {
		OPENSSL_free(der);
		return -EMSGSIZE;
	}
	memcpy(out, der, (size_t)n);
	OPENSSL_free(der);
	return n;
}

int crypto_pubkey_from_rsa_der(const uint8_t *der, size_t len, struct crypto_pubkey **out)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey;

	*out = NULL;
	if (len == 0 || len > CRYPTO_KEY_FILE_MAX)
		return -EBADMSG;
	pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
	if (!pkey)
		return -EBADMSG;
	if (p != der + len) {
		EVP_PKEY_free(pkey);
		return -EBADMSG;
	}
	return crypto_pubkey_wrap(pkey, out);
}

static EVP_PKEY *rsa_from_ne(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (!bld || !bn || !be || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

/*
 * RFC 3110 2:
 *   exponent length   1 or 3 octets (0 then 2 octets)
 *   exponent          as many octets as said
 *   modulus           the rest
 * Both big-endian without leading zero octets.
 */
int crypto_pubkey_from_dnskey(const uint8_t *data, size_t len, struct crypto_pubkey **out)
{
	size_t elen, off;

	*out = NULL;
	if (len < 3)
		return -EBADMSG;
	elen = data[0];
	off = 1;
	if (elen == 0) {
		elen = (size_t)data[1] << 8 | data[2];
		off = 3;
	}
	if (elen == 0 || elen > 512 || off + elen >= len)
		return -EBADMSG;
	const uint8_t *e = data + off, *n = data + off + elen;
	size_t nlen = len - off - elen;

	if (e[0] == 0 || n[0] == 0)
		return -EBADMSG;
	if (!(e[elen - 1] & 1) || (elen == 1 && e[0] < 3))
		return -EBADMSG;	/* an even exponent, or 1 */
	if (nlen * 8 < CRYPTO_RSA_MIN_BITS || nlen * 8 > CRYPTO_RSA_MAX_BITS)
		return -ENOTSUP;
	if (!(n[nlen - 1] & 1))
		return -EBADMSG;	/* an even modulus is no RSA modulus */
	EVP_PKEY *pkey = rsa_from_ne(n, nlen, e, elen);

	if (!pkey)
		return -ENOMEM;
	return crypto_pubkey_wrap(pkey, out);
}

static int get_bn(EVP_PKEY *pkey, const char *name, uint8_t *out, size_t cap)
{
	BIGNUM *bn = NULL;
	int n;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return -EIO;
	n = BN_num_bytes(bn);
	if ((size_t)n > cap)
		n = -EMSGSIZE;
	else
		BN_bn2bin(bn, out);
	BN_free(bn);
	return n;
}

int crypto_pubkey_to_dnskey(const struct crypto_pubkey *k, uint8_t *out, size_t cap)
{
	uint8_t e[16];
	int elen, nlen;
	size_t off;

	if (k->k.kind != CRYPTO_KEY_RSA)
		return -EINVAL;
	elen = get_bn(k->k.pkey, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e));
	if (elen < 0)
		return elen;
	off = elen < 256 ? 1 : 3;
	if (cap < off + (size_t)elen)
		return -EMSGSIZE;
	if (off == 1) {
		out[0] = (uint8_t)elen;
	} else {
		out[0] = 0;
		out[1] = (uint8_t)(elen >> 8);
		out[2] = (uint8_t)elen;
	}
	memcpy(out + off, e, (size_t)elen);
	off += (size_t)elen;
	nlen = get_bn(k->k.pkey, OSSL_PKEY_PARAM_RSA_N, out + off, cap - off);
	if (nlen < 0)
		return nlen;
	return (int)(off + (size_t)nlen);
}

int crypto_pubkey_ckaid(const struct crypto_pubkey *k, uint8_t out[CRYPTO_CKAID_LEN])
{
	uint8_t buf[CRYPTO_RSA_MAX_BITS / 8 + 8];
	size_t len = 0;
	int rc = -EIO;

	switch (k->k.kind) {
	case CRYPTO_KEY_RSA: {
		int n = get_bn(k->k.pkey, OSSL_PKEY_PARAM_RSA_N, buf, sizeof(buf));

		if (n < 0)
			return n;
		len = (size_t)n;
		break;
	}
	case CRYPTO_KEY_ECDSA:
		if (!EVP_PKEY_get_octet_string_param(k->k.pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						     buf, sizeof(buf), &len))
			return -EIO;
		break;
	case CRYPTO_KEY_ED25519:
	case CRYPTO_KEY_ED448:
		len = sizeof(buf);
		if (!EVP_PKEY_get_raw_public_key(k->k.pkey, buf, &len))
			return -EIO;
		break;
	default:
		return -EINVAL;
	}
	if (EVP_Digest(buf, len, out, NULL, EVP_sha1(), NULL))
		rc = 0;
	return rc;
}

int crypto_pubkey_keyid(const struct crypto_pubkey *k, char *out, size_t cap)
{
	uint8_t blob[CRYPTO_DNSKEY_MAX];
	unsigned char b64[16];
	int n;

	if (cap < CRYPTO_KEYID_LEN + 1)
		return -EMSGSIZE;
	if (k->k.kind == CRYPTO_KEY_RSA) {
		n = crypto_pubkey_to_dnskey(k, blob, sizeof(blob));
		if (n < 0)
			return n;
	} else {
		n = crypto_pubkey_ckaid(k, blob);
		if (n < 0)
			return n;
		n = CRYPTO_CKAID_LEN;
	}
	/* nine base64 characters need seven bytes; encode nine for whole groups */
	EVP_EncodeBlock(b64, blob, n < 9 ? n : 9);
	memcpy(out, b64, CRYPTO_KEYID_LEN);
	out[CRYPTO_KEYID_LEN] = '\0';
	return CRYPTO_KEYID_LEN;
}

int crypto_key_file_check(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		if (err)
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	return crypto_file_mode_check(path, &st, err, errlen);
}

int crypto_privkey_from_buf(const uint8_t *buf, size_t len, const char *passphrase,
			    struct crypto_privkey **out)
{
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = buf;
	size_t left = len;
	int rc = -EBADMSG;

	*out = NULL;
	if (len == 0)
		return -EBADMSG;
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx)
		return -ENOMEM;
	if (passphrase && !OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)passphrase,
							    strlen(passphrase))) {
		rc = -ENOMEM;
		goto out;
	}
	if (!OSSL_DECODER_from_data(dctx, &p, &left) || !pkey) {
		/* An encrypted key without (or with a wrong) passphrase decodes to nothing. */
		if (passphrase || memmem(buf, len, "ENCRYPTED", 9))
			rc = -EACCES;
		goto out;
	}
	rc = crypto_privkey_wrap(pkey, out);
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	OSSL_DECODER_CTX_free(dctx);
	return rc;
}

int crypto_privkey_load_file(const char *path, const char *passphrase,
			     struct crypto_privkey **out, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = crypto_file_read(path, true, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = crypto_privkey_from_buf(buf, len, passphrase, out);
	crypto_wipe(buf, len);
	free(buf);
	if (rc < 0 && err) {
		switch (rc) {
		case -EACCES:
			snprintf(err, errlen,
				 "%s: an encrypted private key and %s: expected its passphrase", path,
				 passphrase ? "the passphrase does not open it" : "no passphrase");
			break;
		case -ENOTSUP:
			snprintf(err, errlen,
				 "%s: a private key of a kind or size not supported: expected RSA "
				 "(%d to %d bits), ECDSA P-256/384/521, Ed25519 or Ed448",
				 path, CRYPTO_RSA_MIN_BITS, CRYPTO_RSA_MAX_BITS);
			break;
		case -ENOMEM:
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		default:
			snprintf(err, errlen,
				 "%s: not a private key: expected PEM or DER (PKCS#8 or the "
				 "traditional RSA/EC form)", path);
			break;
		}
	}
	return rc;
}

int crypto_privkey_generate(enum crypto_key_kind kind, unsigned arg, struct crypto_privkey **out)
{
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	switch (kind) {
	case CRYPTO_KEY_RSA:
		if (arg < 2048 || arg > CRYPTO_RSA_MAX_BITS)
			return -EINVAL;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)arg);
		break;
	case CRYPTO_KEY_ECDSA:
		switch (arg) {
		case CRYPTO_CURVE_P256:
			pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
			break;
		case CRYPTO_CURVE_P384:
			pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
			break;
		case CRYPTO_CURVE_P521:
			pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
			break;
		default:
			return -EINVAL;
		}
		break;
	case CRYPTO_KEY_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case CRYPTO_KEY_ED448:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
		break;
	default:
		return -EINVAL;
	}
	if (!pkey)
		return -EIO;
	return crypto_privkey_wrap(pkey, out);
}
