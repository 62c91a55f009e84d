/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ke.h"
#include "ike/v2/types.h"

#include "vectors/hex.h"
#include "vectors/crypto_ke.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(ke, .init = setup, .fini = teardown);

static const uint16_t all_groups[] = {
	V2_DH_MODP1024, V2_DH_MODP1536, V2_DH_MODP2048, V2_DH_MODP3072, V2_DH_MODP4096,
	V2_DH_MODP6144, V2_DH_MODP8192, V2_DH_ECP256, V2_DH_ECP384, V2_DH_ECP521,
	V2_DH_MODP1024_160, V2_DH_MODP2048_224, V2_DH_MODP2048_256, V2_DH_CURVE25519,
	V2_DH_CURVE448,
};

static uint8_t pa[CRYPTO_KE_PUBLIC_MAX], pb[CRYPTO_KE_PUBLIC_MAX];
static uint8_t sa[CRYPTO_KE_SHARED_MAX], sb[CRYPTO_KE_SHARED_MAX];

Test(ke, sizes)
{
	static const struct {
		uint16_t g;
		size_t pub, shared;
	} t[] = {
		{ V2_DH_MODP1024, 128, 128 }, { V2_DH_MODP2048, 256, 256 },
		{ V2_DH_MODP8192, 1024, 1024 }, { V2_DH_ECP256, 64, 32 },
		{ V2_DH_ECP384, 96, 48 }, { V2_DH_ECP521, 132, 66 },
		{ V2_DH_MODP2048_256, 256, 256 }, { V2_DH_CURVE25519, 32, 32 },
		{ V2_DH_CURVE448, 56, 56 }, { 0, 0, 0 }, { 3, 0, 0 }, { 99, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(crypto_ke_public_len(t[i].g), t[i].pub, "group %u", t[i].g);
		cr_assert_eq(crypto_ke_shared_len(t[i].g), t[i].shared, "group %u", t[i].g);
	}
}

Test(ke, unsupported_group)
{
	struct crypto_ke *ke = (void *)1;

	cr_assert_eq(crypto_ke_new(99, &ke), -ENOTSUP);
	cr_assert_null(ke);
	cr_assert_eq(crypto_ke_new(V2_DH_NONE, &ke), -ENOTSUP);
	crypto_ke_free(NULL);
}

/* Two parties of every group agree on a secret of the documented length. */
Test(ke, two_parties_agree_every_group)
{
	for (size_t i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		uint16_t g = all_groups[i];
		struct crypto_ke *a, *b;
		int la, lb;

		cr_assert_eq(crypto_ke_new(g, &a), 0, "group %u", g);
		cr_assert_eq(crypto_ke_new(g, &b), 0, "group %u", g);
		cr_assert_eq(crypto_ke_group(a), g);
		la = crypto_ke_public(a, pa, sizeof(pa));
		lb = crypto_ke_public(b, pb, sizeof(pb));
		cr_assert_eq(la, (int)crypto_ke_public_len(g));
		cr_assert_eq(lb, la);
		cr_assert_neq(memcmp(pa, pb, la), 0);
		la = crypto_ke_shared(a, pb, lb, sa, sizeof(sa));
		lb = crypto_ke_shared(b, pa, la < 0 ? 0 : (size_t)crypto_ke_public_len(g), sb,
				      sizeof(sb));
		cr_assert_eq(la, (int)crypto_ke_shared_len(g), "group %u: %d", g, la);
		cr_assert_eq(lb, la);
		cr_assert_arr_eq(sa, sb, la, "group %u", g);
		crypto_ke_free(a);
		crypto_ke_free(b);
	}
}

Test(ke, modp_primes_match_rfcs)
{
	uint8_t want[256], got[256];
	size_t n;

	n = unhex(modp2048_p, want, sizeof(want));
	cr_assert_eq(crypto_ke_modp_prime(V2_DH_MODP2048, got, sizeof(got)), (int)n);
	cr_assert_arr_eq(got, want, n, "group 14 is not the RFC 3526 prime");
	n = unhex(modp1024_p, want, sizeof(want));
	cr_assert_eq(crypto_ke_modp_prime(V2_DH_MODP1024, got, sizeof(got)), (int)n);
	cr_assert_arr_eq(got, want, n, "group 2 is not the RFC 2409 prime");
	cr_assert_eq(crypto_ke_modp_prime(V2_DH_ECP256, got, sizeof(got)), -ENOTSUP);
	cr_assert_eq(crypto_ke_modp_prime(V2_DH_MODP2048, got, 255), -EMSGSIZE);
}

/* RFC 5114 appendix A.3, group 24. */
Test(ke, rfc5114_group24)
{
	uint8_t xa[32], xb[32], ya[256], yb[256], z[256];
	struct crypto_ke *a, *b;

	unhex(r5114_xa, xa, sizeof(xa));
	unhex(r5114_xb, xb, sizeof(xb));
	unhex(r5114_ya, ya, sizeof(ya));
	unhex(r5114_yb, yb, sizeof(yb));
	unhex(r5114_z, z, sizeof(z));
	cr_assert_eq(crypto_ke_import(V2_DH_MODP2048_256, xa, 32, ya, 256, &a), 0);
	cr_assert_eq(crypto_ke_import(V2_DH_MODP2048_256, xb, 32, yb, 256, &b), 0);
	cr_assert_eq(crypto_ke_public(a, pa, sizeof(pa)), 256);
	cr_assert_arr_eq(pa, ya, 256);
	cr_assert_eq(crypto_ke_shared(a, yb, 256, sa, sizeof(sa)), 256);
	cr_assert_arr_eq(sa, z, 256);
	cr_assert_eq(crypto_ke_shared(b, ya, 256, sb, sizeof(sb)), 256);
	cr_assert_arr_eq(sb, z, 256);
	crypto_ke_free(a);
	crypto_ke_free(b);
	/* A private key that does not match the public value is refused. */
	cr_assert_eq(crypto_ke_import(V2_DH_MODP2048_256, xa, 32, yb, 256, &a), -EINVAL);
	cr_assert_null(a);
}

/* RFC 5903 section 8, both directions; KE data is x | y. */
Test(ke, rfc5903_ecp)
{
	for (size_t i = 0; i < sizeof(ecp_kats) / sizeof(ecp_kats[0]); i++) {
		uint16_t g = ecp_kats[i].group;
		uint8_t ki[66], kr[66], gi[132], gr[132], gir[66];
		size_t il = unhex(ecp_kats[i].i, ki, sizeof(ki));
		size_t rl = unhex(ecp_kats[i].r, kr, sizeof(kr));
		size_t pl = unhex(ecp_kats[i].gi, gi, sizeof(gi));
		size_t sl = unhex(ecp_kats[i].gir, gir, sizeof(gir));
		struct crypto_ke *a, *b;

		unhex(ecp_kats[i].gr, gr, sizeof(gr));
		cr_assert_eq(pl, crypto_ke_public_len(g));
		cr_assert_eq(crypto_ke_import(g, ki, il, gi, pl, &a), 0, "group %u", g);
		cr_assert_eq(crypto_ke_import(g, kr, rl, gr, pl, &b), 0, "group %u", g);
		cr_assert_eq(crypto_ke_public(a, pa, sizeof(pa)), (int)pl);
		cr_assert_arr_eq(pa, gi, pl);
		cr_assert_eq(crypto_ke_shared(a, gr, pl, sa, sizeof(sa)), (int)sl, "group %u", g);
		cr_assert_arr_eq(sa, gir, sl, "group %u", g);
		cr_assert_eq(crypto_ke_shared(b, gi, pl, sb, sizeof(sb)), (int)sl);
		cr_assert_arr_eq(sb, gir, sl);
		crypto_ke_free(a);
		crypto_ke_free(b);
		/* i with r's public value: the pairwise check refuses it. */
		cr_assert_eq(crypto_ke_import(g, ki, il, gr, pl, &a), -EINVAL);
	}
}

/* RFC 7748 6.1 and 6.2. */
Test(ke, rfc7748_x25519_x448)
{
	static const struct {
		uint16_t g;
		const char *ap, *apub, *bp, *bpub, *k;
	} t[] = {
		{ V2_DH_CURVE25519, x25519_a_priv, x25519_a_pub, x25519_b_priv, x25519_b_pub,
		  x25519_shared },
		{ V2_DH_CURVE448, x448_a_priv, x448_a_pub, x448_b_priv, x448_b_pub, x448_shared },
	};

	for (size_t i = 0; i < 2; i++) {
		uint8_t a_priv[56], a_pub[56], b_priv[56], b_pub[56], k[56];
		size_t n = unhex(t[i].ap, a_priv, 56);
		struct crypto_ke *a, *b;

		unhex(t[i].apub, a_pub, 56);
		unhex(t[i].bp, b_priv, 56);
		unhex(t[i].bpub, b_pub, 56);
		unhex(t[i].k, k, 56);
		cr_assert_eq(crypto_ke_import(t[i].g, a_priv, n, a_pub, n, &a), 0);
		cr_assert_eq(crypto_ke_import(t[i].g, b_priv, n, NULL, 0, &b), 0);
		cr_assert_eq(crypto_ke_public(b, pb, sizeof(pb)), (int)n);
		cr_assert_arr_eq(pb, b_pub, n, "public value derived from the private one");
		cr_assert_eq(crypto_ke_shared(a, b_pub, n, sa, sizeof(sa)), (int)n);
		cr_assert_arr_eq(sa, k, n);
		cr_assert_eq(crypto_ke_shared(b, a_pub, n, sb, sizeof(sb)), (int)n);
		cr_assert_arr_eq(sb, k, n);
		crypto_ke_free(a);
		crypto_ke_free(b);
		cr_assert_eq(crypto_ke_import(t[i].g, a_priv, n, b_pub, n, &a), -EINVAL);
		cr_assert_eq(crypto_ke_import(t[i].g, a_priv, n - 1, NULL, 0, &a), -EINVAL);
	}
}

static void expect_refused(struct crypto_ke *ke, const uint8_t *peer, size_t len, const char *what)
{
	memset(sa, 0x5a, sizeof(sa));
	cr_assert_eq(crypto_ke_shared(ke, peer, len, sa, sizeof(sa)), -EINVAL, "%s", what);
	for (size_t i = 0; i < crypto_ke_shared_len(crypto_ke_group(ke)); i++)
		cr_assert_eq(sa[i], 0, "%s: output not wiped", what);
}

/* RFC 7296 2.14 / RFC 6989: 0, 1, p-1, p and out-of-range values are refused. */
Test(ke, modp_invalid_peer_values)
{
	static const uint16_t groups[] = { V2_DH_MODP2048, V2_DH_MODP1024, V2_DH_MODP2048_256 };

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		uint16_t g = groups[i];
		size_t n = crypto_ke_public_len(g);
		uint8_t p[256], v[256];
		struct crypto_ke *ke;
		int k;

		cr_assert_eq(crypto_ke_new(g, &ke), 0);
		cr_assert_eq(crypto_ke_modp_prime(g, p, sizeof(p)), (int)n);
		memset(v, 0, n);
		expect_refused(ke, v, n, "0");
		v[n - 1] = 1;
		expect_refused(ke, v, n, "1");
		memcpy(v, p, n);
		expect_refused(ke, v, n, "p");
		v[n - 1] -= 1;		/* p is odd: no borrow */
		expect_refused(ke, v, n, "p-1");
		memset(v, 0xff, n);
		expect_refused(ke, v, n, "2^n - 1 > p");
		memset(v, 0, n);
		v[n - 1] = 2;
		expect_refused(ke, v, n - 1, "short");
		expect_refused(ke, v, 0, "empty");
		k = crypto_ke_shared(ke, v, n, sa, sizeof(sa));
		if (g == V2_DH_MODP2048_256)
			cr_assert_eq(k, -EINVAL, "2 is outside the order-q subgroup of group 24");
		else
			cr_assert_eq(k, (int)n, "2 is a valid value in a safe-prime group");
		crypto_ke_free(ke);
	}
}

Test(ke, ecp_invalid_peer_values)
{
	uint8_t gr[132], v[132];
	size_t n = unhex(ecp_kats[0].gr, gr, sizeof(gr));
	struct crypto_ke *ke;

	cr_assert_eq(crypto_ke_new(V2_DH_ECP256, &ke), 0);
	memcpy(v, gr, n);
	v[n - 1] ^= 1;
	expect_refused(ke, v, n, "off the curve");
	memset(v, 0, n);
	expect_refused(ke, v, n, "(0, 0)");
	memset(v, 0xff, n);
	expect_refused(ke, v, n, "coordinates above p");
	expect_refused(ke, gr, n - 1, "short");
	v[0] = 0x04;
	memcpy(v + 1, gr, n);
	expect_refused(ke, v, n + 1, "with the 0x04 prefix");
	cr_assert_eq(crypto_ke_shared(ke, gr, n, sa, sizeof(sa)), 32);
	cr_assert_eq(crypto_ke_shared(ke, gr, n, sa, 31), -EMSGSIZE);
	cr_assert_eq(crypto_ke_public(ke, pa, 63), -EMSGSIZE);
	crypto_ke_free(ke);
}

/* Low-order points give an all-zero result, which RFC 7748 6 / RFC 8031 refuse. */
Test(ke, x25519_x448_low_order_refused)
{
	uint8_t v[56] = { 0 };
	struct crypto_ke *ke;

	cr_assert_eq(crypto_ke_new(V2_DH_CURVE25519, &ke), 0);
	expect_refused(ke, v, 32, "zero point");
	v[0] = 1;
	expect_refused(ke, v, 32, "point of order 1");
	expect_refused(ke, v, 31, "short");
	crypto_ke_free(ke);
	cr_assert_eq(crypto_ke_new(V2_DH_CURVE448, &ke), 0);
	memset(v, 0, sizeof(v));
	expect_refused(ke, v, 56, "zero point");
	v[0] = 1;
	expect_refused(ke, v, 56, "point of order 1");
	expect_refused(ke, v, 32, "wrong length");
	crypto_ke_free(ke);
}
