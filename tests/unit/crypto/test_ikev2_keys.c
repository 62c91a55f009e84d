/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "crypto/prf.h"
#include "ike/v2/types.h"

#include "vectors/hex.h"
#include "vectors/crypto_ikev2.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(ikev2_keys, .init = setup, .fini = teardown);

static const struct v2_suite suite_a = {
	.protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_GCM_16, .encr_keylen = 256,
	.prf = V2_PRF_HMAC_SHA2_256, .integ = V2_INTEG_NONE, .dh = V2_DH_ECP256,
};
static const struct v2_suite suite_b = {
	.protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_CBC, .encr_keylen = 128,
	.prf = V2_PRF_HMAC_SHA1, .integ = V2_INTEG_HMAC_SHA1_96, .dh = V2_DH_MODP2048,
};

static uint8_t ni[64], nr[64], gir[256], spii[8], spir[8];
static size_t nil, nrl, girl;

static void load_inputs(void)
{
	nil = unhex(kd_ni, ni, sizeof(ni));
	nrl = unhex(kd_nr, nr, sizeof(nr));
	girl = unhex(kd_gir, gir, sizeof(gir));
	unhex(kd_spii, spii, 8);
	unhex(kd_spir, spir, 8);
}

static void check_key(const uint8_t *got, size_t len, const char *hex, const char *what)
{
	uint8_t want[128];
	size_t n = unhex(hex, want, sizeof(want));

	cr_assert_eq(len, n, "%s: length %zu, expected %zu", what, len, n);
	cr_assert_arr_eq(got, want, n, "%s differs", what);
}

#define CHECK_KEYS(k, pfx)                                                  \
	do {                                                                \
		check_key((k)->sk_d, (k)->sk_d_len, pfx##_sk_d, "SK_d");    \
		check_key((k)->sk_ai, (k)->sk_a_len, pfx##_sk_ai, "SK_ai"); \
		check_key((k)->sk_ar, (k)->sk_a_len, pfx##_sk_ar, "SK_ar"); \
		check_key((k)->sk_ei, (k)->sk_e_len, pfx##_sk_ei, "SK_ei"); \
		check_key((k)->sk_er, (k)->sk_e_len, pfx##_sk_er, "SK_er"); \
		check_key((k)->sk_pi, (k)->sk_p_len, pfx##_sk_pi, "SK_pi"); \
		check_key((k)->sk_pr, (k)->sk_p_len, pfx##_sk_pr, "SK_pr"); \
	} while (0)

/* PRF-HMAC-SHA2-256 + AES-GCM-16-256: SK_e = 32 + 4 salt, no SK_a. */
Test(ikev2_keys, derive_sha256_gcm256)
{
	struct ikev2_keys k;
	uint8_t nonces[128], seed[32];
	struct iovec g;

	load_inputs();
	cr_assert_eq(crypto_ikev2_derive(&suite_a, ni, nil, nr, nrl, gir, girl, spii, spir, &k), 0);
	cr_assert_eq(k.sk_d_len, 32);
	cr_assert_eq(k.sk_a_len, 0);
	cr_assert_eq(k.sk_e_len, 36);
	cr_assert_eq(k.sk_p_len, 32);
	CHECK_KEYS(&k, kd_a);
	/* SKEYSEED = prf(Ni | Nr, g^ir), the key being the whole Ni | Nr. */
	memcpy(nonces, ni, nil);
	memcpy(nonces + nil, nr, nrl);
	g = (struct iovec){ gir, girl };
	cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, nonces, nil + nrl, &g, 1, seed), 0);
	check_key(seed, 32, kd_a_skeyseed, "SKEYSEED");
	crypto_ikev2_keys_wipe(&k);
	cr_assert_eq(k.sk_d_len, 0);
	cr_assert_eq(k.sk_ei[0] | k.sk_ei[35] | k.sk_pr[31], 0);
}

/* PRF-HMAC-SHA1 + AES-CBC-128 + HMAC-SHA1-96: SK_a = 20, SK_e = 16. */
Test(ikev2_keys, derive_sha1_cbc128_sha1_96)
{
	struct ikev2_keys k;

	load_inputs();
	cr_assert_eq(crypto_ikev2_derive(&suite_b, ni, nil, nr, nrl, gir, girl, spii, spir, &k), 0);
	cr_assert_eq(k.sk_d_len, 20);
	cr_assert_eq(k.sk_a_len, 20);
	cr_assert_eq(k.sk_e_len, 16);
	CHECK_KEYS(&k, kd_b);
}

/* RFC 7296 2.18: SKEYSEED = prf_old(SK_d old, g^ir new | Ni | Nr), new suite's prf+. */
Test(ikev2_keys, rekey_derive)
{
	uint8_t old_sk_d[32], rni[64], rnr[64], rgir[256], rspii[8], rspir[8];
	size_t dl = unhex(kd_a_sk_d, old_sk_d, sizeof(old_sk_d));
	size_t il = unhex(rk_ni, rni, sizeof(rni)), rl = unhex(rk_nr, rnr, sizeof(rnr));
	size_t gl = unhex(rk_gir, rgir, sizeof(rgir));
	struct ikev2_keys k;

	unhex(rk_spii, rspii, 8);
	unhex(rk_spir, rspir, 8);
	cr_assert_eq(crypto_ikev2_rekey_derive(&suite_b, V2_PRF_HMAC_SHA2_256, old_sk_d, dl, rgir,
					       gl, rni, il, rnr, rl, rspii, rspir, &k),
		     0);
	CHECK_KEYS(&k, rk);
	cr_assert_eq(crypto_ikev2_rekey_derive(&suite_b, V2_PRF_HMAC_MD5, old_sk_d, dl, rgir, gl,
					       rni, il, rnr, rl, rspii, rspir, &k),
		     -ENOTSUP);
}

/* RFC 7296 2.17, with and without a new key exchange. */
Test(ikev2_keys, child_keymat)
{
	uint8_t sk_d[32], rni[64], rnr[64], rgir[256], want[128], got[128];
	size_t dl = unhex(kd_a_sk_d, sk_d, sizeof(sk_d));
	size_t il = unhex(rk_ni, rni, sizeof(rni)), rl = unhex(rk_nr, rnr, sizeof(rnr));
	size_t gl = unhex(rk_gir, rgir, sizeof(rgir));
	size_t n;
	struct v2_suite esp_gcm = { .protocol = V2_PROTO_ESP, .encr = V2_ENCR_AES_GCM_16,
				    .encr_keylen = 256 };
	struct v2_suite esp_cbc = { .protocol = V2_PROTO_ESP, .encr = V2_ENCR_AES_CBC,
				    .encr_keylen = 128, .integ = V2_INTEG_HMAC_SHA2_256_128 };

	n = unhex(child_keymat_pfs, want, sizeof(want));
	cr_assert_eq(n, 2 * crypto_esp_keymat_len(&esp_gcm));
	cr_assert_eq(crypto_child_keymat(V2_PRF_HMAC_SHA2_256, sk_d, dl, rgir, gl, rni, il, rnr, rl,
					 got, n),
		     0);
	cr_assert_arr_eq(got, want, n);
	n = unhex(child_keymat_nopfs, want, sizeof(want));
	cr_assert_eq(n, 2 * crypto_esp_keymat_len(&esp_cbc));
	cr_assert_eq(crypto_child_keymat(V2_PRF_HMAC_SHA2_256, sk_d, dl, NULL, 0, rni, il, rnr, rl,
					 got, n),
		     0);
	cr_assert_arr_eq(got, want, n);
	cr_assert_eq(crypto_child_keymat(V2_PRF_HMAC_SHA2_256, sk_d, dl, NULL, 0, rni, 15, rnr, rl,
					 got, n),
		     -EINVAL);
}

Test(ikev2_keys, esp_keymat_lengths)
{
	struct v2_suite s = { .protocol = V2_PROTO_ESP };

	s.encr = V2_ENCR_AES_GCM_16, s.encr_keylen = 128;
	cr_assert_eq(crypto_esp_keymat_len(&s), 20);
	s.encr = V2_ENCR_CHACHA20_POLY1305, s.encr_keylen = 0;
	cr_assert_eq(crypto_esp_keymat_len(&s), 36);
	s.encr = V2_ENCR_AES_CBC, s.encr_keylen = 256, s.integ = V2_INTEG_HMAC_SHA2_512_256;
	cr_assert_eq(crypto_esp_keymat_len(&s), 32 + 64);
	s.encr = V2_ENCR_AES_CBC, s.encr_keylen = 128, s.integ = V2_INTEG_HMAC_SHA1_96;
	cr_assert_eq(crypto_esp_keymat_len(&s), 16 + 20);
	s.encr = V2_ENCR_AES_CTR, s.encr_keylen = 192, s.integ = V2_INTEG_HMAC_SHA2_256_128;
	cr_assert_eq(crypto_esp_keymat_len(&s), 24 + 4 + 32);
	s.encr = V2_ENCR_NULL, s.encr_keylen = 0, s.integ = V2_INTEG_HMAC_SHA2_256_128;
	cr_assert_eq(crypto_esp_keymat_len(&s), 32);
	s.encr = V2_ENCR_AES_CBC, s.encr_keylen = 100;
	cr_assert_eq(crypto_esp_keymat_len(&s), 0);
}

/* RFC 7296 2.15, signed octets given in three parts. */
Test(ikev2_keys, psk_auth)
{
	uint8_t psk[64], msg[400], id[64], sk_pi[32], maced[32], want[32], got[32], rnr[64];
	size_t pl = unhex(psk_psk, psk, sizeof(psk)), ml = unhex(psk_msg, msg, sizeof(msg));
	size_t il = unhex(psk_id, id, sizeof(id)), rl = unhex(rk_nr, rnr, sizeof(rnr));
	struct iovec idv = { id, il };
	struct iovec octets[3];

	unhex(kd_a_sk_pi, sk_pi, sizeof(sk_pi));
	unhex(psk_auth, want, sizeof(want));
	/* MACedIDForI = prf(SK_pi, RestOfInitIDPayload), through crypto_prf. */
	cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, sk_pi, 32, &idv, 1, maced), 0);
	check_key(maced, 32, psk_maced, "MACedIDForI");
	octets[0] = (struct iovec){ msg, ml };
	octets[1] = (struct iovec){ rnr, rl };
	octets[2] = (struct iovec){ maced, 32 };
	cr_assert_eq(crypto_psk_auth(V2_PRF_HMAC_SHA2_256, psk, pl, octets, 3, got), 0);
	cr_assert(crypto_memeq(got, want, 32));
	psk[0] ^= 1;
	cr_assert_eq(crypto_psk_auth(V2_PRF_HMAC_SHA2_256, psk, pl, octets, 3, got), 0);
	cr_assert_not(crypto_memeq(got, want, 32));
	cr_assert_eq(crypto_psk_auth(V2_PRF_HMAC_MD5, psk, pl, octets, 3, got), -ENOTSUP);
	cr_assert_eq(crypto_psk_auth(V2_PRF_HMAC_SHA2_256, psk, 0, octets, 3, got), -EINVAL);
}

static int derive(const struct v2_suite *s, struct ikev2_keys *k)
{
	return crypto_ikev2_derive(s, ni, nil, nr, nrl, gir, girl, spii, spir, k);
}

Test(ikev2_keys, derive_refuses_bad_input)
{
	struct ikev2_keys k;
	struct v2_suite s = suite_a;

	load_inputs();
	/* RFC 7296 2.10: nonces are 16..256 octets. */
	memset(&k, 0xaa, sizeof(k));
	cr_assert_eq(crypto_ikev2_derive(&s, ni, 15, nr, nrl, gir, girl, spii, spir, &k), -EINVAL);
	cr_assert_eq(k.sk_d_len | k.sk_d[0] | k.sk_ei[0], 0, "keys not wiped on error");
	cr_assert_eq(crypto_ikev2_derive(&s, ni, nil, nr, nrl, gir, 0, spii, spir, &k), -EINVAL);
	s.integ = V2_INTEG_HMAC_SHA2_256_128;	/* AEAD with integrity */
	cr_assert_eq(derive(&s, &k), -ENOTSUP);
	s = suite_b;
	s.integ = V2_INTEG_NONE;		/* CBC without integrity */
	cr_assert_eq(derive(&s, &k), -ENOTSUP);
	s = suite_b;
	s.prf = V2_PRF_AES128_XCBC;
	cr_assert_eq(derive(&s, &k), -ENOTSUP);
	s = suite_b;
	s.encr_keylen = 0;			/* AES needs a Key Length attribute */
	cr_assert_eq(derive(&s, &k), -ENOTSUP);
}

/*
 * A responder keeps SKEYSEED while half-open and expands it at IKE_AUTH
 * (v2_kex_keys_ensure()): the two steps give the keys of the one.
 */
Test(ikev2_keys, skeyseed_then_expand_is_derive)
{
	const struct v2_suite *suites[] = { &suite_a, &suite_b };

	load_inputs();
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct ikev2_keys whole, split;
		uint8_t seed[CRYPTO_PRF_MAX];
		int n;

		cr_assert_eq(derive(suites[i], &whole), 0);
		n = crypto_ikev2_skeyseed(suites[i]->prf, ni, nil, nr, nrl, gir, girl, seed);
		cr_assert_eq(n, (int)crypto_prf_len(suites[i]->prf));
		cr_assert_eq(crypto_ikev2_expand(suites[i], seed, (size_t)n, ni, nil, nr, nrl, spii,
						 spir, &split), 0);
		cr_assert(memcmp(&whole, &split, sizeof(whole)) == 0, "suite %zu: keys differ", i);
		/* another SKEYSEED, other keys */
		seed[0] ^= 1;
		cr_assert_eq(crypto_ikev2_expand(suites[i], seed, (size_t)n, ni, nil, nr, nrl, spii,
						 spir, &split), 0);
		cr_assert(memcmp(whole.sk_ei, split.sk_ei, whole.sk_e_len) != 0);
	}
	cr_assert_eq(crypto_ikev2_skeyseed(V2_PRF_HMAC_SHA2_256, ni, 15, nr, nrl, gir, girl,
					   (uint8_t[CRYPTO_PRF_MAX]){ 0 }), -EINVAL);
	struct ikev2_keys none;
	cr_assert_eq(crypto_ikev2_expand(&suite_a, NULL, 32, ni, nil, nr, nrl, spii, spir, &none),
		     -EINVAL);
}
