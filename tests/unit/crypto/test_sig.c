/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Signature primitives (crypto/sig.h): Wycheproof's verification vectors
 * (tests/vectors/wycheproof/, Apache 2.0, C2SP/wycheproof testvectors_v1
 * at dac1dd4), RFC 8032 known answers, sign/verify round trips for every
 * scheme and key kind, and the two ECDSA signature forms.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/crypto.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "ike/v2/types.h"

#include "vectors/hex.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(sig, .init = setup, .fini = teardown);

/* Counts of one Wycheproof file, checked by the caller. */
struct wp_count {
	unsigned valid, invalid, acceptable_ok, acceptable_refused;
};

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	cr_assert(json_object_object_get_ex(o, key, &v), "vector without \"%s\"", key);
	return json_object_get_string(v);
}

/*
 * Run every test of a Wycheproof verify file against crypto_verify()
 * with the group's DER public key. valid must verify and invalid must not;
 * acceptable ones are counted by outcome for the caller to check.
 */
static struct wp_count run_wycheproof(const char *file, struct crypto_sig_scheme s)
{
	char path[512];
	struct wp_count c = { 0 };
	json_object *root, *groups;

	snprintf(path, sizeof(path), "%s/wycheproof/%s", SKUA_VECTORS_DIR, file);
	root = json_object_from_file(path);
	cr_assert_not_null(root, "cannot read %s", path);
	cr_assert(json_object_object_get_ex(root, "testGroups", &groups));
	for (size_t g = 0; g < json_object_array_length(groups); g++) {
		json_object *grp = json_object_array_get_idx(groups, g), *tests;
		static uint8_t der[4096], msg[16384], sig[16384];
		struct crypto_pubkey *k = NULL;
		size_t dlen = unhex(jstr(grp, "publicKeyDer"), der, sizeof(der));

		cr_assert_eq(crypto_pubkey_from_spki(der, dlen, &k), 0, "%s group %zu: key", file, g);
		cr_assert(json_object_object_get_ex(grp, "tests", &tests));
		for (size_t t = 0; t < json_object_array_length(tests); t++) {
			json_object *tc = json_object_array_get_idx(tests, t);
			const char *result = jstr(tc, "result");
			size_t mlen = unhex(jstr(tc, "msg"), msg, sizeof(msg));
			size_t slen = unhex(jstr(tc, "sig"), sig, sizeof(sig));
			int id = atoi(jstr(tc, "tcId"));
			int rc = crypto_verify(k, &s, msg, mlen, sig, slen);

			cr_assert(rc == 0 || rc == -EBADMSG, "%s tcId %d: rc %d", file, id, rc);
			if (!strcmp(result, "valid")) {
				cr_assert_eq(rc, 0, "%s tcId %d (%s): valid signature refused", file,
					     id, jstr(tc, "comment"));
				c.valid++;
			} else if (!strcmp(result, "invalid")) {
				cr_assert_eq(rc, -EBADMSG, "%s tcId %d (%s): invalid signature accepted",
					     file, id, jstr(tc, "comment"));
				c.invalid++;
			} else {
				cr_assert_str_eq(result, "acceptable");
				if (rc == 0)
					c.acceptable_ok++;
				else
					c.acceptable_refused++;
			}
		}
		crypto_pubkey_unref(k);
	}
	json_object_put(root);
	cr_assert_gt(c.valid, 0, "%s: no valid vector ran", file);
	cr_assert_gt(c.invalid, 0, "%s: no invalid vector ran", file);
	return c;
}

Test(sig, wycheproof_ecdsa_p256)
{
	struct wp_count c = run_wycheproof("ecdsa_secp256r1_sha256_test.json",
					   crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_256));

	cr_assert_eq(c.valid, 174);
	cr_assert_eq(c.invalid, 310);
}

Test(sig, wycheproof_ecdsa_p384)
{
	struct wp_count c = run_wycheproof("ecdsa_secp384r1_sha384_test.json",
					   crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_384));

	cr_assert_eq(c.valid, 194);
	cr_assert_eq(c.invalid, 310);
}

Test(sig, wycheproof_ecdsa_p521)
{
	struct wp_count c = run_wycheproof("ecdsa_secp521r1_sha512_test.json",
					   crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_512));

	cr_assert_eq(c.valid, 232);
	cr_assert_eq(c.invalid, 310);
}

Test(sig, wycheproof_ed25519)
{
	struct wp_count c = run_wycheproof("ed25519_test.json",
					   crypto_sig_scheme(CRYPTO_SIG_ED25519, V2_HASH_IDENTITY));

	cr_assert_eq(c.valid, 88);
	cr_assert_eq(c.invalid, 63);
}

Test(sig, wycheproof_ed448)
{
	struct wp_count c = run_wycheproof("ed448_test.json",
					   crypto_sig_scheme(CRYPTO_SIG_ED448, V2_HASH_IDENTITY));

	cr_assert_eq(c.valid, 17);
	cr_assert_eq(c.invalid, 70);
}

Test(sig, wycheproof_rsa_pss)
{
	/* One group: SHA-256, MGF1 with SHA-256, 32-byte salt. */
	struct crypto_sig_scheme s = crypto_sig_scheme(CRYPTO_SIG_RSA_PSS, V2_HASH_SHA2_256);
	struct wp_count c;

	cr_assert_eq(s.salt_len, 32);
	cr_assert_eq(s.mgf_hash, V2_HASH_SHA2_256);
	c = run_wycheproof("rsa_pss_2048_sha256_mgf1_32_test.json", s);
	cr_assert_eq(c.valid, 63);
	cr_assert_eq(c.invalid, 45);
}

Test(sig, wycheproof_rsa_pkcs1)
{
	struct wp_count c = run_wycheproof("rsa_signature_2048_sha256_test.json",
					   crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, V2_HASH_SHA2_256));

	cr_assert_eq(c.valid, 9);
	cr_assert_eq(c.invalid, 249);
	/*
	 * The one "acceptable" vector (tcId 8) is a DigestInfo without the
	 * NULL parameters of the hash. OpenSSL compares the whole DigestInfo
	 * with the one it encodes itself, so it is refused: a strict verifier,
	 * and IKE peers (strongSwan, libreswan, NSS) always write the NULL.
	 */
	cr_assert_eq(c.acceptable_ok, 0);
	cr_assert_eq(c.acceptable_refused, 1);
}

/* Keys made once per process: RSA generation is the slow part. */
static struct crypto_privkey *key_of(enum crypto_key_kind kind, unsigned arg)
{
	struct crypto_privkey *k = NULL;

	cr_assert_eq(crypto_privkey_generate(kind, arg, &k), 0, "generate %s %u",
		     crypto_key_kind_name(kind), arg);
	return k;
}

static void round_trip(struct crypto_privkey *k, struct crypto_sig_scheme s, size_t expect_len)
{
	static const uint8_t msg[] = "IKE_SA_INIT request | Nr | prf(SK_pi, IDi')";
	uint8_t sig[CRYPTO_SIG_MAX], bad[sizeof(msg)];
	struct crypto_pubkey *pub = NULL;
	char name[64];
	int n;

	crypto_sig_scheme_str(&s, name, sizeof(name));
	cr_assert_eq(crypto_privkey_public(k, &pub), 0);
	n = crypto_sign(k, &s, msg, sizeof(msg), sig, sizeof(sig));
	cr_assert_gt(n, 0, "%s: sign %d", name, n);
	if (expect_len)
		cr_assert_eq((size_t)n, expect_len, "%s: %d bytes", name, n);
	cr_assert_eq(crypto_verify(pub, &s, msg, sizeof(msg), sig, (size_t)n), 0, "%s", name);
	/* a changed message, a changed signature and a truncated signature fail */
	memcpy(bad, msg, sizeof(msg));
	bad[3] ^= 1;
	cr_assert_eq(crypto_verify(pub, &s, bad, sizeof(bad), sig, (size_t)n), -EBADMSG, "%s", name);
	sig[n / 2] ^= 0x40;
	cr_assert_eq(crypto_verify(pub, &s, msg, sizeof(msg), sig, (size_t)n), -EBADMSG, "%s", name);
	sig[n / 2] ^= 0x40;
	cr_assert_eq(crypto_verify(pub, &s, msg, sizeof(msg), sig, (size_t)n - 1), -EBADMSG,
		     "%s", name);
	/* too small an output buffer */
	cr_assert_eq(crypto_sign(k, &s, msg, sizeof(msg), sig, 8), -EMSGSIZE, "%s", name);
	crypto_pubkey_unref(pub);
}

Test(sig, rsa_round_trips, .timeout = 120)
{
	static const unsigned sizes[] = { 2048, 3072 };

	for (size_t i = 0; i < 2; i++) {
		struct crypto_privkey *k = key_of(CRYPTO_KEY_RSA, sizes[i]);
		static const uint8_t hashes[] = { V2_HASH_SHA2_256, V2_HASH_SHA2_384,
						  V2_HASH_SHA2_512 };

		cr_assert_eq(crypto_privkey_bits(k), sizes[i]);
		round_trip(k, crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, V2_HASH_SHA1), sizes[i] / 8);
		for (size_t h = 0; h < 3; h++) {
			round_trip(k, crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, hashes[h]),
				   sizes[i] / 8);
			round_trip(k, crypto_sig_scheme(CRYPTO_SIG_RSA_PSS, hashes[h]), sizes[i] / 8);
		}
		crypto_privkey_unref(k);
	}
}

Test(sig, ecdsa_round_trips)
{
	static const struct {
		enum crypto_curve curve;
		uint8_t hash;
		size_t raw;
	} t[] = {
		{ CRYPTO_CURVE_P256, V2_HASH_SHA2_256, 64 },
		{ CRYPTO_CURVE_P384, V2_HASH_SHA2_384, 96 },
		{ CRYPTO_CURVE_P521, V2_HASH_SHA2_512, 132 },
	};

	for (size_t i = 0; i < 3; i++) {
		struct crypto_privkey *k = key_of(CRYPTO_KEY_ECDSA, t[i].curve);
		struct crypto_sig_scheme raw = crypto_sig_scheme(CRYPTO_SIG_ECDSA, t[i].hash);

		cr_assert_eq(crypto_privkey_curve(k), t[i].curve);
		/* RFC 7427: any SHA-2 hash with any curve, DER */
		round_trip(k, crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_256), 0);
		round_trip(k, crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_384), 0);
		round_trip(k, crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_512), 0);
		/* methods 9-11: the curve's hash, r || s of fixed size */
		raw.ecdsa_raw = 1;
		round_trip(k, raw, t[i].raw);
		raw.hash = t[(i + 1) % 3].hash;
		cr_assert_not(crypto_sig_fits(&raw, CRYPTO_KEY_ECDSA, t[i].curve));
		crypto_privkey_unref(k);
	}
}

Test(sig, eddsa_round_trips)
{
	struct crypto_privkey *k = key_of(CRYPTO_KEY_ED25519, 0);

	round_trip(k, crypto_sig_scheme(CRYPTO_SIG_ED25519, 0), 64);
	crypto_privkey_unref(k);
	k = key_of(CRYPTO_KEY_ED448, 0);
	round_trip(k, crypto_sig_scheme(CRYPTO_SIG_ED448, 0), 114);
	crypto_privkey_unref(k);
}

Test(sig, scheme_must_fit_key)
{
	struct crypto_privkey *ec = key_of(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256);
	struct crypto_privkey *ed = key_of(CRYPTO_KEY_ED25519, 0);
	struct crypto_sig_scheme rsa = crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, V2_HASH_SHA2_256);
	struct crypto_sig_scheme ed448 = crypto_sig_scheme(CRYPTO_SIG_ED448, 0);
	struct crypto_sig_scheme pss1 = crypto_sig_scheme(CRYPTO_SIG_RSA_PSS, V2_HASH_SHA1);
	struct crypto_sig_scheme ecdsa1 = crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA1);
	struct crypto_pubkey *pub = NULL;
	uint8_t sig[CRYPTO_SIG_MAX];

	cr_assert_eq(crypto_sign(ec, &rsa, sig, 4, sig, sizeof(sig)), -EINVAL);
	cr_assert_eq(crypto_sign(ed, &ed448, sig, 4, sig, sizeof(sig)), -EINVAL);
	cr_assert_eq(crypto_privkey_public(ec, &pub), 0);
	cr_assert_eq(crypto_verify(pub, &rsa, sig, 4, sig, 64), -EINVAL);
	crypto_pubkey_unref(pub);
	/* SHA-1 only with PKCS#1 v1.5 (RSA method 1) */
	cr_assert_not(crypto_sig_fits(&pss1, CRYPTO_KEY_RSA, 0));
	cr_assert_not(crypto_sig_fits(&ecdsa1, CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256));
	crypto_privkey_unref(ec);
	crypto_privkey_unref(ed);
}

/*
 * RSA Digital Signature (method 1): RSASSA-PKCS1-v1_5 with the SHA-1
 * DigestInfo, as strongSwan and libreswan sign it. Recover the encoded
 * message and check the DigestInfo and the digest.
 */
Test(sig, rsa_method1_is_pkcs1_sha1_digestinfo, .timeout = 60)
{
	static const uint8_t prefix[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03,
					  0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };
	static const uint8_t msg[] = "signed octets";
	struct crypto_privkey *k = key_of(CRYPTO_KEY_RSA, 2048);
	struct crypto_sig_scheme s = crypto_sig_scheme(CRYPTO_SIG_RSA_PKCS1, V2_HASH_SHA1);
	uint8_t sig[256], rec[256], digest[20];
	size_t rlen = sizeof(rec);
	EVP_PKEY_CTX *ctx;
	int n = crypto_sign(k, &s, msg, sizeof(msg), sig, sizeof(sig));

	cr_assert_eq(n, 256);
	ctx = EVP_PKEY_CTX_new(crypto_privkey_evp(k), NULL);
	cr_assert(EVP_PKEY_verify_recover_init(ctx) > 0);
	cr_assert(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	cr_assert(EVP_PKEY_verify_recover(ctx, rec, &rlen, sig, (size_t)n) > 0);
	cr_assert_eq(rlen, sizeof(prefix) + 20);
	cr_assert_arr_eq(rec, prefix, sizeof(prefix));
	cr_assert(EVP_Digest(msg, sizeof(msg), digest, NULL, EVP_sha1(), NULL));
	cr_assert_arr_eq(rec + sizeof(prefix), digest, 20);
	EVP_PKEY_CTX_free(ctx);
	crypto_privkey_unref(k);
}

/*
 * IKEv1's RSA signature (RFC 2409 5.1): the HASH itself in a PKCS#1 type 1
 * block, no DigestInfo, as libreswan and strongSwan sign it; only RSA keys.
 */
Test(sig, ikev1_rsa_is_pkcs1_without_digestinfo, .timeout = 60)
{
	static const uint8_t hash[20] = "HASH_I, a prf output";
	struct crypto_privkey *k = key_of(CRYPTO_KEY_RSA, 2048);
	struct crypto_privkey *ec = key_of(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256);
	struct crypto_sig_scheme s = { .kind = CRYPTO_SIG_RSA_PKCS1_RAW, .hash = V2_HASH_IDENTITY };
	uint8_t sig[256], rec[256];
	size_t rlen = sizeof(rec);
	EVP_PKEY_CTX *ctx;
	int n = crypto_sign(k, &s, hash, sizeof(hash), sig, sizeof(sig));

	cr_assert_eq(n, 256);
	ctx = EVP_PKEY_CTX_new(crypto_privkey_evp(k), NULL);
	cr_assert(EVP_PKEY_verify_recover_init(ctx) > 0);
	cr_assert(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	cr_assert(EVP_PKEY_verify_recover(ctx, rec, &rlen, sig, (size_t)n) > 0);
	cr_assert_eq(rlen, sizeof(hash));
	cr_assert_arr_eq(rec, hash, sizeof(hash));
	EVP_PKEY_CTX_free(ctx);
	round_trip(k, s, 256);
	cr_assert_not(crypto_sig_fits(&s, CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256));
	cr_assert_eq(crypto_sign(ec, &s, hash, sizeof(hash), sig, sizeof(sig)), -EINVAL);
	crypto_privkey_unref(ec);
	crypto_privkey_unref(k);
}

/*
 * IKEv1's ECDSA (RFC 4754 methods 9-11, as strongSwan makes it): r || s
 * over HASH_I taken as the digest, checked here by OpenSSL's own ECDSA
 * verify of that digest (no hash applied); the same bytes are no
 * signature over SHA-2(HASH_I), and the method's hash fixes the curve.
 */
Test(sig, ikev1_ecdsa_signs_the_hash_as_the_digest)
{
	static const uint8_t hash[32] = "HASH_I, a prf output of 32 bytes";
	static const struct {
		enum crypto_curve curve;
		uint8_t hash;
		size_t field;
	} t[] = {
		{ CRYPTO_CURVE_P256, V2_HASH_SHA2_256, 32 },
		{ CRYPTO_CURVE_P384, V2_HASH_SHA2_384, 48 },
		{ CRYPTO_CURVE_P521, V2_HASH_SHA2_512, 66 },
	};

	for (size_t i = 0; i < 3; i++) {
		struct crypto_privkey *k = key_of(CRYPTO_KEY_ECDSA, t[i].curve);
		struct crypto_sig_scheme s = { .kind = CRYPTO_SIG_ECDSA_DIGEST, .hash = t[i].hash };
		struct crypto_sig_scheme hashed = crypto_sig_scheme(CRYPTO_SIG_ECDSA, t[i].hash);
		struct crypto_pubkey *pub = NULL;
		uint8_t sig[CRYPTO_SIG_MAX];
		unsigned char *der = NULL;
		ECDSA_SIG *es = ECDSA_SIG_new();
		EVP_PKEY_CTX *ctx;
		int n = crypto_sign(k, &s, hash, sizeof(hash), sig, sizeof(sig)), dn;

		cr_assert_eq(n, (int)(2 * t[i].field));
		cr_assert(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)t[i].field, NULL),
					 BN_bin2bn(sig + t[i].field, (int)t[i].field, NULL)));
		dn = i2d_ECDSA_SIG(es, &der);
		cr_assert_gt(dn, 0);
		ctx = EVP_PKEY_CTX_new(crypto_privkey_evp(k), NULL);
		cr_assert(EVP_PKEY_verify_init(ctx) > 0);
		cr_assert_eq(EVP_PKEY_verify(ctx, der, (size_t)dn, hash, sizeof(hash)), 1,
			     "not an ECDSA signature of the hash as the digest");
		EVP_PKEY_CTX_free(ctx);
		OPENSSL_free(der);
		ECDSA_SIG_free(es);
		cr_assert_eq(crypto_privkey_public(k, &pub), 0);
		hashed.ecdsa_raw = 1;
		cr_assert_eq(crypto_verify(pub, &hashed, hash, sizeof(hash), sig, (size_t)n),
			     -EBADMSG, "it verifies over SHA-2 of the hash too");
		cr_assert_eq(crypto_verify(pub, &s, hash, sizeof(hash), sig, (size_t)n), 0);
		crypto_pubkey_unref(pub);
		round_trip(k, s, 2 * t[i].field);
		s.hash = t[(i + 1) % 3].hash;
		cr_assert_not(crypto_sig_fits(&s, CRYPTO_KEY_ECDSA, t[i].curve));
		cr_assert_eq(crypto_sign(k, &s, hash, sizeof(hash), sig, sizeof(sig)), -EINVAL);
		cr_assert_not(crypto_sig_fits(&s, CRYPTO_KEY_RSA, CRYPTO_CURVE_NONE));
		crypto_privkey_unref(k);
	}
}

/* RFC 8032 7.1, TEST 1 and TEST 3 (Ed25519), 7.4 first test (Ed448). */
Test(sig, rfc8032_known_answers)
{
	static const struct {
		const char *pkcs8_prefix, *seed, *msg, *sig;
		enum crypto_sig_kind kind;
	} t[] = {
		{ "302e020100300506032b657004220420",
		  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
		  CRYPTO_SIG_ED25519 },
		{ "302e020100300506032b657004220420",
		  "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "af82",
		  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
		  CRYPTO_SIG_ED25519 },
		{ "3047020100300506032b6571043b0439",
		  "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
		  "",
		  "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600",
		  CRYPTO_SIG_ED448 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char pkcs8hex[300];
		uint8_t der[128], msg[8], want[114], sig[CRYPTO_SIG_MAX];
		struct crypto_privkey *k = NULL;
		struct crypto_sig_scheme s = crypto_sig_scheme(t[i].kind, 0);
		size_t dlen, mlen, wlen;
		int n;

		snprintf(pkcs8hex, sizeof(pkcs8hex), "%s%s", t[i].pkcs8_prefix, t[i].seed);
		dlen = unhex(pkcs8hex, der, sizeof(der));
		mlen = unhex(t[i].msg, msg, sizeof(msg));
		wlen = unhex(t[i].sig, want, sizeof(want));
		cr_assert_eq(crypto_privkey_from_buf(der, dlen, NULL, &k), 0, "test %zu", i);
		n = crypto_sign(k, &s, msg, mlen, sig, sizeof(sig));
		cr_assert_eq((size_t)n, wlen, "test %zu", i);
		cr_assert_arr_eq(sig, want, wlen, "test %zu", i);
		crypto_privkey_unref(k);
	}
}

Test(sig, ecdsa_forms)
{
	/* r = 1, s = 0x80 (needs a leading zero in DER) on P-256 */
	static const uint8_t der[] = { 0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80 };
	uint8_t raw[64], back[80];
	int n;

	n = crypto_ecdsa_der_to_raw(der, sizeof(der), 32, raw, sizeof(raw));
	cr_assert_eq(n, 64);
	for (int i = 0; i < 31; i++)
		cr_assert_eq(raw[i] | raw[32 + i], 0);
	cr_assert_eq(raw[31], 1);
	cr_assert_eq(raw[63], 0x80);
	n = crypto_ecdsa_raw_to_der(raw, 64, back, sizeof(back));
	cr_assert_eq(n, (int)sizeof(der));
	cr_assert_arr_eq(back, der, sizeof(der));

	/* BER: a non-minimal length, a non-minimal integer, trailing bytes */
	static const uint8_t ber_len[] = { 0x30, 0x81, 0x07, 0x02, 0x01, 0x01,
					   0x02, 0x02, 0x00, 0x80 };
	static const uint8_t ber_int[] = { 0x30, 0x08, 0x02, 0x02, 0x00, 0x01,
					   0x02, 0x02, 0x00, 0x80 };
	static const uint8_t trailing[] = { 0x30, 0x07, 0x02, 0x01, 0x01, 0x02,
					    0x02, 0x00, 0x80, 0x00 };
	static const uint8_t negative[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x80 };

	cr_assert_eq(crypto_ecdsa_der_to_raw(ber_len, sizeof(ber_len), 32, raw, 64), -EBADMSG);
	cr_assert_eq(crypto_ecdsa_der_to_raw(ber_int, sizeof(ber_int), 32, raw, 64), -EBADMSG);
	cr_assert_eq(crypto_ecdsa_der_to_raw(trailing, sizeof(trailing), 32, raw, 64), -EBADMSG);
	cr_assert_eq(crypto_ecdsa_der_to_raw(negative, sizeof(negative), 32, raw, 64), -EBADMSG);
	/* r longer than the field */
	memset(back, 0x11, sizeof(back));
	n = crypto_ecdsa_raw_to_der(back, 80, raw, 0);
	cr_assert_eq(n, -EMSGSIZE);
	{
		uint8_t big[100];

		n = crypto_ecdsa_raw_to_der(back, 80, big, sizeof(big));
		cr_assert_gt(n, 0);
		cr_assert_eq(crypto_ecdsa_der_to_raw(big, (size_t)n, 32, raw, 64), -EBADMSG);
	}
	cr_assert_eq(crypto_ecdsa_der_to_raw(der, sizeof(der), 32, raw, 63), -EMSGSIZE);
	/* a raw signature of the wrong size is refused before any maths */
	{
		struct crypto_privkey *k = key_of(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256);
		struct crypto_pubkey *pub = NULL;
		struct crypto_sig_scheme s = crypto_sig_scheme(CRYPTO_SIG_ECDSA, V2_HASH_SHA2_256);

		s.ecdsa_raw = 1;
		cr_assert_eq(crypto_privkey_public(k, &pub), 0);
		cr_assert_eq(crypto_verify(pub, &s, der, 4, raw, 63), -EBADMSG);
		cr_assert_eq(crypto_verify(pub, &s, der, 4, raw, 66), -EBADMSG);
		crypto_pubkey_unref(pub);
		crypto_privkey_unref(k);
	}
}
