/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RFC 7427 AlgorithmIdentifiers (crypto/sig_alg.h): the exact encodings
 * of RFC 7427 Appendix A and RFC 8420 2, decoded and produced; the forms
 * other implementations send; and malformed input refused.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/sig_alg.h"
#include "ike/v2/types.h"

#include "vectors/hex.h"

struct blob {
	const char *name, *hex;
	int rc;				/* decode result */
	struct crypto_sig_scheme s;	/* when rc == 0 */
	bool produced;			/* we encode this scheme to exactly these bytes */
};

#define PKCS1(h) { .kind = CRYPTO_SIG_RSA_PKCS1, .hash = (h) }
#define ECDSA(h) { .kind = CRYPTO_SIG_ECDSA, .hash = (h) }
#define PSS(h, m, salt) { .kind = CRYPTO_SIG_RSA_PSS, .hash = (h), .mgf_hash = (m), .salt_len = (salt) }

static const struct blob rfc[] = {
	{ "A.1.1 sha1WithRSAEncryption", "300d06092a864886f70d0101050500", 0, PKCS1(V2_HASH_SHA1), true },
	{ "A.1.2 sha256WithRSAEncryption", "300d06092a864886f70d01010b0500", 0, PKCS1(V2_HASH_SHA2_256), true },
	{ "A.1.3 sha384WithRSAEncryption", "300d06092a864886f70d01010c0500", 0, PKCS1(V2_HASH_SHA2_384), true },
	{ "A.1.4 sha512WithRSAEncryption", "300d06092a864886f70d01010d0500", 0, PKCS1(V2_HASH_SHA2_512), true },
	{ "A.2.1 dsa-with-sha1", "300906072a8648ce380403", -ENOTSUP, { 0 }, false },
	{ "A.2.2 dsa-with-sha256", "300b0609608648016503040302", -ENOTSUP, { 0 }, false },
	{ "A.3.1 ecdsa-with-sha1", "300906072a8648ce3d0401", -ENOTSUP, { 0 }, false },
	{ "A.3.2 ecdsa-with-sha256", "300a06082a8648ce3d040302", 0, ECDSA(V2_HASH_SHA2_256), true },
	{ "A.3.3 ecdsa-with-sha384", "300a06082a8648ce3d040303", 0, ECDSA(V2_HASH_SHA2_384), true },
	{ "A.3.4 ecdsa-with-sha512", "300a06082a8648ce3d040304", 0, ECDSA(V2_HASH_SHA2_512), true },
	{ "A.4.1 RSASSA-PSS with empty parameters", "300d06092a864886f70d01010a3000", 0,
	  PSS(V2_HASH_SHA1, V2_HASH_SHA1, 20), false },
	{ "A.4.2 RSASSA-PSS with default parameters",
	  "303e06092a864886f70d01010a3031a00b300906052b0e03021a0500a118301606092a864886f70d010108"
	  "300906052b0e03021a0500a203020114a303020101", 0, PSS(V2_HASH_SHA1, V2_HASH_SHA1, 20), false },
	{ "A.4.3 RSASSA-PSS with SHA-256, trailer written",
	  "304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d"
	  "010108300d06096086480165030402010500a203020120a303020101", 0,
	  PSS(V2_HASH_SHA2_256, V2_HASH_SHA2_256, 32), false },
	{ "RFC 8420 Ed25519", "300506032b6570", 0,
	  { .kind = CRYPTO_SIG_ED25519, .hash = V2_HASH_IDENTITY }, true },
	{ "RFC 8420 Ed448", "300506032b6571", 0,
	  { .kind = CRYPTO_SIG_ED448, .hash = V2_HASH_IDENTITY }, true },
	/* What other implementations send, and the rest of our own set. */
	{ "PSS SHA-384, trailer written",
	  "304606092a864886f70d01010a3039a00f300d06096086480165030402020500a11c301a06092a864886f70d"
	  "010108300d06096086480165030402020500a203020130a303020101", 0,
	  PSS(V2_HASH_SHA2_384, V2_HASH_SHA2_384, 48), false },
	/* what we send: DER (no default trailer), as strongSwan and libreswan 4.10 do */
	{ "PSS SHA-256 (DER, strongSwan, libreswan)",
	  "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d"
	  "010108300d06096086480165030402010500a203020120", 0,
	  PSS(V2_HASH_SHA2_256, V2_HASH_SHA2_256, 32), true },
	{ "PSS SHA-384 (DER)",
	  "304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d"
	  "010108300d06096086480165030402020500a203020130", 0,
	  PSS(V2_HASH_SHA2_384, V2_HASH_SHA2_384, 48), true },
	/* captured from libreswan 4.10 (tests/interop/skua_certs.sh) */
	{ "PSS SHA-512 (DER, as libreswan 4.10 sends it)",
	  "304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c301a06092a864886f70d"
	  "010108300d06096086480165030402030500a203020140", 0,
	  PSS(V2_HASH_SHA2_512, V2_HASH_SHA2_512, 64), true },
	{ "PSS SHA-256, hash parameters absent",
	  "303d06092a864886f70d01010a3030a00d300b0609608648016503040201a11a301806092a864886f70d0101"
	  "08300b0609608648016503040201a203020120", 0, PSS(V2_HASH_SHA2_256, V2_HASH_SHA2_256, 32), false },
	{ "sha256WithRSAEncryption, NULL absent", "300b06092a864886f70d01010b", 0,
	  PKCS1(V2_HASH_SHA2_256), false },
	{ "ecdsa-with-sha256 with NULL", "300c06082a8648ce3d0403020500", 0, ECDSA(V2_HASH_SHA2_256), false },
};

Test(sig_alg, decode_rfc_blobs)
{
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		uint8_t der[128];
		size_t len = unhex(rfc[i].hex, der, sizeof(der));
		struct crypto_sig_scheme s;
		int rc;

		memset(&s, 0xee, sizeof(s));
		rc = crypto_sig_algid_decode(der, len, &s);
		cr_assert_eq(rc, rfc[i].rc, "%s: rc %d", rfc[i].name, rc);
		if (rc)
			continue;
		cr_assert_eq(s.kind, rfc[i].s.kind, "%s", rfc[i].name);
		cr_assert_eq(s.hash, rfc[i].s.hash, "%s", rfc[i].name);
		cr_assert_eq(s.ecdsa_raw, 0, "%s", rfc[i].name);
		if (s.kind == CRYPTO_SIG_RSA_PSS) {
			cr_assert_eq(s.mgf_hash, rfc[i].s.mgf_hash, "%s", rfc[i].name);
			cr_assert_eq(s.salt_len, rfc[i].s.salt_len, "%s", rfc[i].name);
		}
	}
}

Test(sig_alg, encode_exactly_rfc_blobs)
{
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		uint8_t want[128], out[CRYPTO_SIG_ALGID_MAX];
		size_t len;
		int n;

		if (!rfc[i].produced)
			continue;
		len = unhex(rfc[i].hex, want, sizeof(want));
		n = crypto_sig_algid_encode(&rfc[i].s, out, sizeof(out));
		cr_assert_eq(n, (int)len, "%s: %d bytes, want %zu", rfc[i].name, n, len);
		cr_assert_arr_eq(out, want, len, "%s", rfc[i].name);
		cr_assert_eq(crypto_sig_algid_encode(&rfc[i].s, out, len - 1), -EMSGSIZE);
	}
}

/* Every scheme we can sign with encodes, decodes back to itself, and OpenSSL reads it. */
Test(sig_alg, our_schemes_round_trip)
{
	static const uint8_t sha2[] = { V2_HASH_SHA2_256, V2_HASH_SHA2_384, V2_HASH_SHA2_512 };

	for (int kind = CRYPTO_SIG_RSA_PKCS1; kind <= CRYPTO_SIG_ED448; kind++) {
		for (size_t h = 0; h < 3; h++) {
			struct crypto_sig_scheme s = crypto_sig_scheme(kind, sha2[h]), back;
			uint8_t out[CRYPTO_SIG_ALGID_MAX];
			const unsigned char *p = out;
			X509_ALGOR *alg;
			int n = crypto_sig_algid_encode(&s, out, sizeof(out));

			cr_assert_gt(n, 0, "kind %d hash %u", kind, sha2[h]);
			cr_assert_eq(crypto_sig_algid_decode(out, (size_t)n, &back), 0);
			cr_assert_eq(memcmp(&s, &back, sizeof(s)), 0, "kind %d hash %u", kind,
				     sha2[h]);
			alg = d2i_X509_ALGOR(NULL, &p, n);
			cr_assert_not_null(alg, "OpenSSL cannot read kind %d hash %u", kind, sha2[h]);
			cr_assert_eq(p, out + n);
			if (kind == CRYPTO_SIG_RSA_PSS) {
				const ASN1_OBJECT *obj;
				const void *pval;
				int ptype;
				const ASN1_STRING *seq;
				const unsigned char *q;
				RSA_PSS_PARAMS *pss;

				X509_ALGOR_get0(&obj, &ptype, &pval, alg);
				cr_assert_eq(OBJ_obj2nid(obj), NID_rsassaPss);
				cr_assert_eq(ptype, V_ASN1_SEQUENCE);
				seq = pval;
				q = ASN1_STRING_get0_data(seq);
				pss = d2i_RSA_PSS_PARAMS(NULL, &q, ASN1_STRING_length(seq));
				cr_assert_not_null(pss);
				cr_assert_eq(ASN1_INTEGER_get(pss->saltLength),
					     (long)crypto_sig_hash_len(sha2[h]));
				RSA_PSS_PARAMS_free(pss);
			}
			X509_ALGOR_free(alg);
		}
	}
}

Test(sig_alg, no_rfc7427_form)
{
	struct crypto_sig_scheme raw = crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_256);
	struct crypto_sig_scheme pss1 = crypto_sig_scheme(CRYPTO_SIG_RSA_PSS, V2_HASH_SHA1);
	struct crypto_sig_scheme none = { 0 };
	uint8_t out[CRYPTO_SIG_ALGID_MAX];

	raw.ecdsa_raw = 1;
	cr_assert_eq(crypto_sig_algid_encode(&raw, out, sizeof(out)), -ENOTSUP);
	cr_assert_eq(crypto_sig_algid_encode(&pss1, out, sizeof(out)), -ENOTSUP);
	cr_assert_eq(crypto_sig_algid_encode(&none, out, sizeof(out)), -ENOTSUP);
}

Test(sig_alg, malformed)
{
	static const struct {
		const char *name, *hex;
		int rc;
	} bad[] = {
		{ "empty", "", -EBADMSG },
		{ "not a SEQUENCE", "310506032b6570", -EBADMSG },
		{ "trailing byte", "300506032b657000", -EBADMSG },
		{ "length past the end", "300606032b6570", -EBADMSG },
		{ "indefinite length", "308006032b65700000", -EBADMSG },
		{ "long form for a short length", "30810506032b6570", -EBADMSG },
		{ "no OID", "30020500", -EBADMSG },
		{ "empty OID", "30020600", -EBADMSG },
		{ "Ed25519 with NULL", "300706032b65700500", -EBADMSG },
		{ "RSA with an INTEGER parameter", "300e06092a864886f70d01010b020100", -EBADMSG },
		{ "RSA with NULL then more", "300f06092a864886f70d01010b05000500", -EBADMSG },
		{ "NULL with content", "300e06092a864886f70d01010b050100", -EBADMSG },
		{ "PSS without parameters", "300b06092a864886f70d01010a", -EBADMSG },
		{ "PSS trailer 2", "301206092a864886f70d01010a3005a303020102", -EBADMSG },
		{ "PSS fields out of order", "301706092a864886f70d01010a300aa203020120a203020120",
		  -EBADMSG },
		{ "PSS [4]", "301206092a864886f70d01010a3005a403020101", -EBADMSG },
		{ "PSS negative salt", "301206092a864886f70d01010a3005a2030201ff", -EBADMSG },
		{ "PSS salt not minimal", "301306092a864886f70d01010a3006a20402020020", -EBADMSG },
		{ "PSS with MGF2", "301e06092a864886f70d01010a3011a10f300d06092a864886f70d0101093000",
		  -ENOTSUP },
		{ "PSS with MD5", "301d06092a864886f70d01010a3010a00e300c06082a864886f70d02050500",
		  -ENOTSUP },
		{ "md5WithRSAEncryption", "300d06092a864886f70d0101040500", -ENOTSUP },
		{ "rsaEncryption", "300d06092a864886f70d0101010500", -ENOTSUP },
		{ "ecdsa-with-SHA224", "300a06082a8648ce3d040301", -ENOTSUP },
		{ "a byte after Ed448", "300506032b6571ff", -EBADMSG },
		{ "unknown OID", "300506032b6572", -ENOTSUP },
		{ "X25519 (not a signature)", "300506032b656e", -ENOTSUP },
		{ "high tag number", "30031f0100", -EBADMSG },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t der[128];
		size_t len = unhex(bad[i].hex, der, sizeof(der));
		struct crypto_sig_scheme s = { 0 };

		cr_assert_eq(crypto_sig_algid_decode(der, len, &s), bad[i].rc, "%s", bad[i].name);
	}
}

/* Every proper prefix of every good blob is malformed, never a different algorithm. */
Test(sig_alg, truncations)
{
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		uint8_t der[128];
		size_t len = unhex(rfc[i].hex, der, sizeof(der));

		for (size_t n = 0; n < len; n++) {
			struct crypto_sig_scheme s;

			cr_assert_eq(crypto_sig_algid_decode(der, n, &s), -EBADMSG, "%s[0..%zu)",
				     rfc[i].name, n);
		}
	}
}
