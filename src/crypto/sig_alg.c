/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/sig_alg.h"

#include <errno.h>
#include <string.h>

#include "crypto/der.h"
#include "ike/v2/types.h"

/* OID contents (after the 06 tag and length). */
static const uint8_t oid_pkcs1[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01 };	/* + n */
static const uint8_t oid_ecdsa_sha2[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03 };	/* + n */
static const uint8_t oid_nist_hash[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04 };	/* + 2/3, n */
static const uint8_t oid_sha1[] = { 0x2b, 0x0e, 0x03, 0x02, 0x1a };
static const uint8_t oid_ed25519[] = { 0x2b, 0x65, 0x70 };
static const uint8_t oid_ed448[] = { 0x2b, 0x65, 0x71 };

enum {
	PKCS1_MGF1 = 8,
	PKCS1_PSS = 10,
	PKCS1_SHA1 = 5,
	PKCS1_SHA256 = 11,
	PKCS1_SHA384 = 12,
	PKCS1_SHA512 = 13,
	PSS_DEFAULT_SALT = 20,
};

/* The last arc of the OIDs that share a prefix, by hash. */
static const struct {
	uint8_t hash;
	uint8_t pkcs1;		/* shaNWithRSAEncryption */
	uint8_t ecdsa;		/* ecdsa-with-SHAn (1.2.840.10045.4.3.n) */
	uint8_t nist;		/* id-shaN (2.16.840.1.101.3.4.2.n) */
} arcs[] = {
	{ V2_HASH_SHA2_256, PKCS1_SHA256, 2, 1 },
	{ V2_HASH_SHA2_384, PKCS1_SHA384, 3, 2 },
	{ V2_HASH_SHA2_512, PKCS1_SHA512, 4, 3 },
};

static bool oid_prefix(const uint8_t *oid, size_t len, const uint8_t *pre, size_t plen,
		       size_t extra)
{
	return len == plen + extra && memcmp(oid, pre, plen) == 0;
}

/* Parameters absent, or a NULL (tolerated where null_ok). */
static int params_none(struct wire *alg, bool null_ok)
{
	struct wire v;

	if (!wire_left(alg))
		return 0;
	if (!null_ok || der_read(alg, &v) != DER_NULL || wire_left(&v) || wire_left(alg))
		return -EBADMSG;
	return wire_err(alg);
}

/* The hash of a hash AlgorithmIdentifier's OID; 0 unknown, -1 malformed. */
static int hash_of_algid(struct wire *w)
{
	struct wire alg = der_expect(w, DER_SEQUENCE), oid = der_expect(&alg, DER_OID);
	size_t n = wire_left(&oid);
	const uint8_t *o = wire_bytes(&oid, n);
	int hash = 0;

	if (wire_err(&alg) || !o)
		return -1;
	if (params_none(&alg, true) < 0)
		return -1;
	if (n == sizeof(oid_sha1) && !memcmp(o, oid_sha1, n))
		return V2_HASH_SHA1;
	if (oid_prefix(o, n, oid_nist_hash, sizeof(oid_nist_hash), 2) && o[7] == 2)
		for (size_t i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++)
			if (o[8] == arcs[i].nist)
				hash = arcs[i].hash;
	return hash;
}

/*
 * RSASSA-PSS-params (RFC 4055 3.1):
 *   SEQUENCE {
 *     hashAlgorithm      [0] HashAlgorithm    DEFAULT sha1,
 *     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
 *     saltLength         [2] INTEGER          DEFAULT 20,
 *     trailerField       [3] TrailerField     DEFAULT trailerFieldBC (1) }
 */
static int pss_params(struct wire *alg, struct crypto_sig_scheme *s)
{
	struct wire p = der_expect(alg, DER_SEQUENCE), v, in;
	int last = -1, h;

	s->kind = CRYPTO_SIG_RSA_PSS;
	s->hash = s->mgf_hash = V2_HASH_SHA1;
	s->salt_len = PSS_DEFAULT_SALT;
	if (wire_err(alg) || wire_left(alg))
		return -EBADMSG;
	while (wire_left(&p)) {
		uint8_t tag = der_read(&p, &v);
		int n = tag - DER_CTX0;

		if (!tag || n < 0 || n > 3 || n <= last)
			return -EBADMSG;	/* unknown, repeated or out of order */
		last = n;
		switch (n) {
		case 0:
			h = hash_of_algid(&v);
			if (h < 0)
				return -EBADMSG;
			if (h == 0)
				return -ENOTSUP;
			s->hash = (uint8_t)h;
			break;
		case 1: {
			struct wire mgf = der_expect(&v, DER_SEQUENCE), oid = der_expect(&mgf, DER_OID);
			static const uint8_t mgf1[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
							0x01, PKCS1_MGF1 };

			if (wire_err(&v))
				return -EBADMSG;
			if (!der_is(&oid, mgf1, sizeof(mgf1)))
				return wire_err(&oid) ? -EBADMSG : -ENOTSUP;
			h = hash_of_algid(&mgf);
			if (h < 0 || wire_left(&mgf))
				return -EBADMSG;
			if (h == 0)
				return -ENOTSUP;
			s->mgf_hash = (uint8_t)h;
			break;
		}
		case 2: {
			in = der_expect(&v, DER_INTEGER);
			long salt = der_small_int(&in);

			if (salt < 0 || wire_err(&v))
				return -EBADMSG;
			if (salt > 512)
				return -ENOTSUP;
			s->salt_len = (uint16_t)salt;
			break;
		}
		case 3:
			in = der_expect(&v, DER_INTEGER);
			if (der_small_int(&in) != 1 || wire_err(&v))
				return -EBADMSG;	/* trailerFieldBC is the only one */
			break;
		}
		if (wire_err(&v) || wire_left(&v))
			return -EBADMSG;
	}
	return wire_err(&p) ? -EBADMSG : 0;
}

int crypto_sig_algid_decode(const uint8_t *der, size_t len, struct crypto_sig_scheme *out)
{
	struct wire w = wire_make(der, len);
	struct wire alg = der_expect(&w, DER_SEQUENCE), oid = der_expect(&alg, DER_OID);
	struct crypto_sig_scheme s = { 0 };
	size_t n = wire_left(&oid);
	const uint8_t *o = wire_bytes(&oid, n);
	int rc;

	if (wire_err(&w) || wire_left(&w) || !o || n == 0)
		return -EBADMSG;
	if (oid_prefix(o, n, oid_pkcs1, sizeof(oid_pkcs1), 1)) {
		uint8_t arc = o[8];

		if (arc == PKCS1_PSS) {
			rc = pss_params(&alg, &s);
			if (rc < 0)
				return rc;
			*out = s;
			return 0;
		}
		s.kind = CRYPTO_SIG_RSA_PKCS1;
		if (arc == PKCS1_SHA1)
			s.hash = V2_HASH_SHA1;
		for (size_t i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++)
			if (arc == arcs[i].pkcs1)
				s.hash = arcs[i].hash;
		if (!s.hash)
			return -ENOTSUP;	/* md5WithRSAEncryption, rsaEncryption, ... */
		rc = params_none(&alg, true);
	} else if (oid_prefix(o, n, oid_ecdsa_sha2, sizeof(oid_ecdsa_sha2), 1)) {
		s.kind = CRYPTO_SIG_ECDSA;
		for (size_t i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++)
			if (o[7] == arcs[i].ecdsa)
				s.hash = arcs[i].hash;
		if (!s.hash)
			return -ENOTSUP;	/* ecdsa-with-SHA224 */
		rc = params_none(&alg, true);
	} else if (n == sizeof(oid_ed25519) && !memcmp(o, oid_ed25519, n)) {
		s = crypto_sig_scheme(CRYPTO_SIG_ED25519, V2_HASH_IDENTITY);
		rc = params_none(&alg, false);
	} else if (n == sizeof(oid_ed448) && !memcmp(o, oid_ed448, n)) {
		s = crypto_sig_scheme(CRYPTO_SIG_ED448, V2_HASH_IDENTITY);
		rc = params_none(&alg, false);
	} else {
		/* ecdsa-with-SHA1, DSA and anything else: well-formed, not ours. */
		return -ENOTSUP;
	}
	if (rc < 0)
		return rc;
	*out = s;
	return 0;
}

static void put_oid(struct wbuf *b, const uint8_t *pre, size_t plen, const uint8_t *tail,
		    size_t tlen)
{
	der_put_hdr(b, DER_OID, plen + tlen);
	wbuf_bytes(b, pre, plen);
	wbuf_bytes(b, tail, tlen);
}

/* SEQUENCE { id-shaN, NULL }: 15 bytes for SHA-2. */
static void put_hash_algid(struct wbuf *b, uint8_t nist)
{
	const uint8_t tail[2] = { 2, nist };

	der_put_hdr(b, DER_SEQUENCE, 2 + sizeof(oid_nist_hash) + 2 + 2);
	put_oid(b, oid_nist_hash, sizeof(oid_nist_hash), tail, 2);
	der_put_hdr(b, DER_NULL, 0);
}

static int arc_of(uint8_t hash)
{
	for (size_t i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++)
		if (arcs[i].hash == hash)
			return (int)i;
	return -1;
}

int crypto_sig_algid_encode(const struct crypto_sig_scheme *s, uint8_t *out, size_t cap)
{
	struct wbuf b = wbuf_make(out, cap);
	int h = arc_of(s->hash), m;

	switch (s->kind) {
	case CRYPTO_SIG_RSA_PKCS1: {
		uint8_t arc = s->hash == V2_HASH_SHA1 ? PKCS1_SHA1 : h < 0 ? 0 : arcs[h].pkcs1;

		if (!arc)
			return -ENOTSUP;
		der_put_hdr(&b, DER_SEQUENCE, 2 + 9 + 2);
		put_oid(&b, oid_pkcs1, sizeof(oid_pkcs1), &arc, 1);
		der_put_hdr(&b, DER_NULL, 0);
		break;
	}
	case CRYPTO_SIG_ECDSA:
		if (h < 0 || s->ecdsa_raw)
			return -ENOTSUP;
		der_put_hdr(&b, DER_SEQUENCE, 2 + 8);
		put_oid(&b, oid_ecdsa_sha2, sizeof(oid_ecdsa_sha2), &arcs[h].ecdsa, 1);
		break;
	case CRYPTO_SIG_RSA_PSS: {
		static const uint8_t pss = PKCS1_PSS, mgf1 = PKCS1_MGF1;
		size_t hash_len = 15, mgf_len, salt_len, params;

		m = arc_of(s->mgf_hash);
		if (h < 0 || m < 0 || s->salt_len > 512)
			return -ENOTSUP;
		salt_len = s->salt_len < 0x80 ? 1 : 2;
		mgf_len = der_size(2 + 9 + hash_len);			/* SEQUENCE { mgf1, hash } */
		params = der_size(hash_len) + der_size(mgf_len) + der_size(der_size(salt_len));
		der_put_hdr(&b, DER_SEQUENCE, 2 + 9 + der_size(params));
		put_oid(&b, oid_pkcs1, sizeof(oid_pkcs1), &pss, 1);
		der_put_hdr(&b, DER_SEQUENCE, params);
		der_put_hdr(&b, DER_CTX0, hash_len);
		put_hash_algid(&b, arcs[h].nist);
		der_put_hdr(&b, DER_CTX0 + 1, mgf_len);
		der_put_hdr(&b, DER_SEQUENCE, 2 + 9 + hash_len);
		put_oid(&b, oid_pkcs1, sizeof(oid_pkcs1), &mgf1, 1);
		put_hash_algid(&b, arcs[m].nist);
		der_put_hdr(&b, DER_CTX0 + 2, der_size(salt_len));
		der_put_hdr(&b, DER_INTEGER, salt_len);
		if (salt_len == 2)
			wbuf_u8(&b, (uint8_t)(s->salt_len >> 8));
		wbuf_u8(&b, (uint8_t)s->salt_len);
		/* trailerField 1 is the DER default: not written (strongSwan, libreswan) */
		break;
	}
	case CRYPTO_SIG_ED25519:
	case CRYPTO_SIG_ED448:
		der_put_hdr(&b, DER_SEQUENCE, 5);
		put_oid(&b, s->kind == CRYPTO_SIG_ED25519 ? oid_ed25519 : oid_ed448, 3, NULL, 0);
		break;
	default:
		return -ENOTSUP;
	}
	return b.err ? b.err : (int)b.len;
}
