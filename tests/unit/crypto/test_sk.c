/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/prf.h"
#include "crypto/sk.h"
#include "ike/v2/types.h"

#include "vectors/hex.h"
#include "vectors/crypto_sk.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(sk, .init = setup, .fini = teardown);

static union crypto_sk_max aead_sk(uint16_t encr, const struct aead_kat *v)
{
	struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = encr, .encr_keylen = v->keybits,
			      .prf = V2_PRF_HMAC_SHA2_256 };
	uint8_t ekey[36];
	size_t n = unhex(v->key, ekey, 32);
	union crypto_sk_max sk;

	if (encr == V2_ENCR_CHACHA20_POLY1305)
		s.encr_keylen = 0;
	n += unhex(v->salt, ekey + n, 4);
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, ekey, n, NULL, 0), 0);
	return sk;
}

/* GCM spec test cases 3, 4, 15, 16 with salt | IV as the nonce; GCM_12/GCM_8 truncate. */
Test(sk, aes_gcm_known_answers)
{
	static const uint16_t encrs[] = { V2_ENCR_AES_GCM_16, V2_ENCR_AES_GCM_12,
					  V2_ENCR_AES_GCM_8 };

	for (size_t i = 0; i < sizeof(gcm_kats) / sizeof(gcm_kats[0]); i++) {
		for (size_t e = 0; e < 3; e++) {
			union crypto_sk_max sk = aead_sk(encrs[e], &gcm_kats[i]);
			uint8_t iv[8], aad[20], pt[64], ct[64], tag[16], buf[64], icv[16];
			size_t al = unhex(gcm_kats[i].aad, aad, sizeof(aad));
			size_t pl = unhex(gcm_kats[i].pt, pt, sizeof(pt));
			size_t il = 16 - 4 * e;

			unhex(gcm_kats[i].iv, iv, 8);
			unhex(gcm_kats[i].ct, ct, sizeof(ct));
			unhex(gcm_kats[i].tag, tag, sizeof(tag));
			cr_assert_eq(crypto_sk_icv_len(&sk.sk), il);
			cr_assert_eq(crypto_sk_iv_len(&sk.sk), 8);
			memcpy(buf, pt, pl);
			cr_assert_eq(crypto_sk_seal_iv(&sk.sk, aad, al, iv, buf, pl, icv), 0);
			cr_assert_arr_eq(buf, ct, pl, "case %zu ciphertext", i);
			cr_assert_arr_eq(icv, tag, il, "case %zu tag (%zu bytes)", i, il);
			/* Open sees the last byte as Pad Length; it only needs to fit. */
			int r = crypto_sk_open(&sk.sk, aad, al, iv, buf, pl, icv);

			if (pt[pl - 1] < pl) {
				cr_assert_eq(r, (int)(pl - 1 - pt[pl - 1]));
				cr_assert_arr_eq(buf, pt, pl);
			} else {
				cr_assert_eq(r, -EBADMSG);
			}
		}
	}
}

/* RFC 8439 2.8.2, with the nonce built as RFC 7634 2 says: salt(4) | IV(8). */
Test(sk, chacha20_poly1305_rfc7634_nonce)
{
	union crypto_sk_max sk = aead_sk(V2_ENCR_CHACHA20_POLY1305, &chacha_kat);
	uint8_t iv[8], aad[12], pt[114], ct[114], tag[16], buf[114], icv[16];
	size_t al = unhex(chacha_kat.aad, aad, sizeof(aad));
	size_t pl = unhex(chacha_kat.pt, pt, sizeof(pt));

	unhex(chacha_kat.iv, iv, 8);
	unhex(chacha_kat.ct, ct, sizeof(ct));
	unhex(chacha_kat.tag, tag, sizeof(tag));
	cr_assert_eq(crypto_sk_icv_len(&sk.sk), 16);
	cr_assert_eq(crypto_sk_block_len(&sk.sk), 1);
	memcpy(buf, pt, pl);
	cr_assert_eq(crypto_sk_seal_iv(&sk.sk, aad, al, iv, buf, pl, icv), 0);
	cr_assert_arr_eq(buf, ct, pl);
	cr_assert_arr_eq(icv, tag, 16);
	/* Last plaintext byte '.' (46) read as Pad Length fits in 114 bytes. */
	cr_assert_eq(crypto_sk_open(&sk.sk, aad, al, iv, buf, pl, icv), (int)(pl - 1 - '.'));
	cr_assert_arr_eq(buf, pt, pl);
}

/* RFC 3602 cases 1-4; the ICV is HMAC-SHA1-96 over aad | IV | ciphertext. */
Test(sk, aes_cbc_known_answers)
{
	struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_CBC, .encr_keylen = 128,
			      .prf = V2_PRF_HMAC_SHA1, .integ = V2_INTEG_HMAC_SHA1_96 };
	uint8_t akey[20], aad[32];

	memset(akey, 0x42, sizeof(akey));
	memset(aad, 0x17, sizeof(aad));
	for (size_t i = 0; i < sizeof(cbc_kats) / sizeof(cbc_kats[0]); i++) {
		uint8_t key[16], iv[16], pt[64], ct[64], buf[64], icv[12], want[12];
		size_t pl = unhex(cbc_kats[i].pt, pt, sizeof(pt));
		union crypto_sk_max sk;
		struct iovec parts[3];
		int r;

		unhex(cbc_kats[i].key, key, 16);
		unhex(cbc_kats[i].iv, iv, 16);
		unhex(cbc_kats[i].ct, ct, sizeof(ct));
		cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, akey, 20), 0);
		memcpy(buf, pt, pl);
		cr_assert_eq(crypto_sk_seal_iv(&sk.sk, aad, sizeof(aad), iv, buf, pl, icv), 0);
		cr_assert_arr_eq(buf, ct, pl, "case %zu", i + 1);
		parts[0] = (struct iovec){ aad, sizeof(aad) };
		parts[1] = (struct iovec){ iv, 16 };
		parts[2] = (struct iovec){ ct, pl };
		cr_assert_eq(crypto_hmac(CRYPTO_MD_SHA1, akey, 20, parts, 3, want, 12), 0);
		cr_assert_arr_eq(icv, want, 12);
		r = crypto_sk_open(&sk.sk, aad, sizeof(aad), iv, buf, pl, icv);
		if (pt[pl - 1] < pl) {
			cr_assert_eq(r, (int)(pl - 1 - pt[pl - 1]), "case %zu", i + 1);
			cr_assert_arr_eq(buf, pt, pl);
		} else {
			cr_assert_eq(r, -EBADMSG, "case %zu: Pad Length %u too big", i + 1,
				     pt[pl - 1]);
		}
	}
}

struct xform {
	uint16_t encr, keybits, integ;
};

static const struct xform xforms[] = {
	{ V2_ENCR_AES_CBC, 128, V2_INTEG_HMAC_SHA1_96 },
	{ V2_ENCR_AES_CBC, 128, V2_INTEG_HMAC_SHA2_256_128 },
	{ V2_ENCR_AES_CBC, 192, V2_INTEG_HMAC_SHA2_384_192 },
	{ V2_ENCR_AES_CBC, 256, V2_INTEG_HMAC_SHA2_512_256 },
	{ V2_ENCR_AES_CBC, 256, V2_INTEG_HMAC_SHA1_96 },
	{ V2_ENCR_AES_GCM_16, 128, 0 }, { V2_ENCR_AES_GCM_16, 192, 0 },
	{ V2_ENCR_AES_GCM_16, 256, 0 }, { V2_ENCR_AES_GCM_12, 128, 0 },
	{ V2_ENCR_AES_GCM_12, 256, 0 }, { V2_ENCR_AES_GCM_8, 128, 0 },
	{ V2_ENCR_AES_GCM_8, 256, 0 },	{ V2_ENCR_CHACHA20_POLY1305, 0, 0 },
	{ V2_ENCR_3DES, 0, V2_INTEG_HMAC_SHA1_96 }, { V2_ENCR_3DES, 192, V2_INTEG_HMAC_SHA2_256_128 },
};

static void make_sk(const struct xform *x, uint8_t seed, struct crypto_sk *sk)
{
	struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = x->encr, .encr_keylen = x->keybits,
			      .prf = V2_PRF_HMAC_SHA2_256, .integ = x->integ };
	int el = crypto_encr_keymat_len(x->encr, x->keybits);
	int al = crypto_integ_key_len(x->integ);
	uint8_t ekey[36], akey[64];

	cr_assert_gt(el, 0);
	cr_assert_geq(al, 0);
	for (int i = 0; i < 36; i++)
		ekey[i] = (uint8_t)(seed + i);
	for (int i = 0; i < 64; i++)
		akey[i] = (uint8_t)(seed * 3 + i);
	cr_assert_eq(crypto_sk_init(sk, &s, ekey, el, al ? akey : NULL, al), 0);
}

enum { HDR = 28, INNER = 37 };

/* Lay out IKE header | SK header | IV | inner | pad | pad length | ICV and seal it. */
static size_t build(const struct crypto_sk *sk, uint8_t *msg, const uint8_t *inner, size_t len)
{
	size_t ivl = crypto_sk_iv_len(sk), icvl = crypto_sk_icv_len(sk);
	size_t pad = crypto_sk_pad_len(sk, len);
	size_t plain = len + pad + 1;
	size_t total = HDR + CRYPTO_SK_HDR_LEN + ivl + plain + icvl;
	uint8_t *p = msg + HDR + CRYPTO_SK_HDR_LEN + ivl;

	cr_assert_eq(plain % crypto_sk_block_len(sk), 0);
	for (size_t i = 0; i < HDR; i++)
		msg[i] = (uint8_t)(0x80 + i);
	msg[24] = 0;
	msg[25] = 0;
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	msg[HDR] = V2_PL_IDI;
	msg[HDR + 1] = 0;
	msg[HDR + 2] = (uint8_t)((total - HDR) >> 8);
	msg[HDR + 3] = (uint8_t)(total - HDR);
	memcpy(p, inner, len);
	memset(p + len, 0, pad);
	p[len + pad] = (uint8_t)pad;
	cr_assert_eq(crypto_sk_seal(sk, msg, HDR + CRYPTO_SK_HDR_LEN, msg + HDR + CRYPTO_SK_HDR_LEN,
				    p, plain, p + plain),
		     0);
	return total;
}

/* Every transform: round trip, and any single flipped bit anywhere fails open(). */
/*
 * 3DES-CBC under SK (RFC 2451 for IKEv2): NIST SP 800-67's example key and
 * its first plaintext block, under a zero IV, give its ECB answer
 * A826FD8CE53B855F; the ICV is HMAC-SHA1-96 over aad | IV | ciphertext.
 */
Test(sk, des3_cbc_known_answer)
{
	struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = V2_ENCR_3DES,
			      .prf = V2_PRF_HMAC_SHA1, .integ = V2_INTEG_HMAC_SHA1_96 };
	uint8_t key[24], akey[20], aad[28], iv[8] = { 0 }, buf[16], icv[12], want[12], ct[8];
	union crypto_sk_max sk;
	struct iovec parts[3];

	unhex("0123456789abcdef23456789abcdef01456789abcdef0123", key, sizeof(key));
	unhex("a826fd8ce53b855f", ct, sizeof(ct));
	memset(akey, 0x42, sizeof(akey));
	memset(aad, 0x17, sizeof(aad));
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 24, akey, 20), 0);
	memcpy(buf, "The qufck brown ", 16);
	buf[15] = 7;	/* its Pad Length: 7 bytes of padding before it */
	memcpy(buf, "The qufc", 8);
	cr_assert_eq(crypto_sk_seal_iv(&sk.sk, aad, sizeof(aad), iv, buf, 16, icv), 0);
	cr_assert_arr_eq(buf, ct, 8);
	parts[0] = (struct iovec){ aad, sizeof(aad) };
	parts[1] = (struct iovec){ iv, 8 };
	parts[2] = (struct iovec){ buf, 16 };
	cr_assert_eq(crypto_hmac(CRYPTO_MD_SHA1, akey, 20, parts, 3, want, 12), 0);
	cr_assert_arr_eq(icv, want, 12);
	cr_assert_eq(crypto_sk_open(&sk.sk, aad, sizeof(aad), iv, buf, 16, icv), 8);
	cr_assert_arr_eq(buf, "The qufc", 8);
	crypto_sk_wipe(&sk.sk);
}

Test(sk, round_trip_and_tamper_every_transform)
{
	uint8_t inner[INNER], msg[256], copy[256];

	for (size_t i = 0; i < INNER; i++)
		inner[i] = (uint8_t)(i * 11);
	for (size_t x = 0; x < sizeof(xforms) / sizeof(xforms[0]); x++) {
		union crypto_sk_max sk, other;
		size_t total, off;
		int r;

		make_sk(&xforms[x], 1, &sk.sk);
		make_sk(&xforms[x], 2, &other.sk);
		total = build(&sk.sk, msg, inner, INNER);
		memcpy(copy, msg, total);
		r = crypto_sk_open_payload(&sk.sk, msg, total, HDR, total - HDR, &off);
		cr_assert_eq(r, INNER, "transform %zu: %d", x, r);
		cr_assert_eq(off, HDR + CRYPTO_SK_HDR_LEN + crypto_sk_iv_len(&sk.sk));
		cr_assert_arr_eq(msg + off, inner, INNER);
		/* Wrong key. */
		memcpy(msg, copy, total);
		cr_assert_eq(crypto_sk_open_payload(&other.sk, msg, total, HDR, total - HDR, &off),
			     -EBADMSG, "transform %zu wrong key", x);
		/* Header, SK header, IV, ciphertext and ICV: every byte is covered. */
		for (size_t b = 0; b < total; b++) {
			memcpy(msg, copy, total);
			msg[b] ^= 0x01;
			r = crypto_sk_open_payload(&sk.sk, msg, total, HDR, total - HDR, &off);
			cr_assert_eq(r, -EBADMSG, "transform %zu: byte %zu flipped: %d", x, b, r);
		}
		/* Truncated payloads. */
		memcpy(msg, copy, total);
		cr_assert_eq(crypto_sk_open_payload(&sk.sk, msg, total, HDR, total - HDR - 1, &off),
			     -EBADMSG);
		cr_assert_eq(crypto_sk_open_payload(&sk.sk, msg, total, HDR, total - HDR + 1, &off),
			     -EBADMSG);
		cr_assert_eq(crypto_sk_open_payload(&sk.sk, msg, total, HDR, 3, &off), -EBADMSG);
		cr_assert_eq(crypto_sk_open_payload(&sk.sk, msg, total, total + 1, 4, &off), -EBADMSG);
		crypto_sk_wipe(&sk.sk);
		crypto_sk_wipe(&other.sk);
	}
}

/*
 * The keys are kept at their size: crypto_sk_size_for() the suite is what
 * crypto_sk_init() fills (in a heap block of exactly that size, so that a
 * sanitizer sees any byte written past it) and what crypto_sk_size() then
 * says; a message sealed there opens with a copy made on the stack, and
 * crypto_sk_wipe() clears every byte.
 */
Test(sk, keys_at_their_size)
{
	uint8_t inner[INNER], msg[256];
	size_t seen_max = 0;

	for (size_t i = 0; i < INNER; i++)
		inner[i] = (uint8_t)(i * 7);
	for (size_t x = 0; x < sizeof(xforms) / sizeof(xforms[0]); x++) {
		struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = xforms[x].encr,
				      .encr_keylen = xforms[x].keybits,
				      .prf = V2_PRF_HMAC_SHA2_256, .integ = xforms[x].integ };
		int want = crypto_sk_size_for(&s);
		union crypto_sk_max ref;
		size_t total, off;

		cr_assert_gt(want, (int)sizeof(struct crypto_sk), "transform %zu", x);
		cr_assert_leq((size_t)want, sizeof(union crypto_sk_max), "transform %zu", x);
		struct crypto_sk *sk = malloc((size_t)want);
		cr_assert_not_null(sk);
		make_sk(&xforms[x], 5, sk);
		cr_assert_eq(crypto_sk_size(sk), (size_t)want, "transform %zu", x);
		/* cipher key, then the salt or the integrity key: nothing else */
		cr_assert_eq(crypto_sk_size(sk), sizeof(struct crypto_sk) + sk->ekey_len +
			     (sk->aead ? CRYPTO_SK_SALT_LEN : sk->akey_len));
		if ((size_t)want > seen_max)
			seen_max = (size_t)want;
		make_sk(&xforms[x], 5, &ref.sk);
		total = build(sk, msg, inner, INNER);
		cr_assert_eq(crypto_sk_open_payload(&ref.sk, msg, total, HDR, total - HDR, &off),
			     INNER, "transform %zu", x);
		cr_assert_arr_eq(msg + off, inner, INNER);
		crypto_sk_wipe(sk);
		for (int b = 0; b < want; b++)
			cr_assert_eq(((const uint8_t *)sk)[b], 0, "transform %zu: byte %d left", x, b);
		free(sk);
		crypto_sk_wipe(&ref.sk);
	}
	/* AES-CBC-256 with HMAC-SHA2-512: the largest, 12 + 32 + 64 */
	cr_assert_eq(seen_max, sizeof(struct crypto_sk) + CRYPTO_SK_EKEY_MAX + CRYPTO_SK_AKEY_MAX);
}

/* A Pad Length that does not fit is refused even when the ICV is right. */
Test(sk, bad_pad_length)
{
	for (size_t x = 0; x < sizeof(xforms) / sizeof(xforms[0]); x++) {
		union crypto_sk_max sk;
		uint8_t aad[32] = { 1 }, iv[16], buf[32], icv[32];

		make_sk(&xforms[x], 7, &sk.sk);
		memset(buf, 0, sizeof(buf));
		buf[31] = 31;		/* fits exactly: no inner payloads */
		cr_assert_eq(crypto_sk_seal(&sk.sk, aad, sizeof(aad), iv, buf, 32, icv), 0);
		cr_assert_eq(crypto_sk_open(&sk.sk, aad, sizeof(aad), iv, buf, 32, icv), 0);
		memset(buf, 0, sizeof(buf));
		buf[31] = 32;		/* one more than the plaintext holds */
		cr_assert_eq(crypto_sk_seal(&sk.sk, aad, sizeof(aad), iv, buf, 32, icv), 0);
		cr_assert_eq(crypto_sk_open(&sk.sk, aad, sizeof(aad), iv, buf, 32, icv), -EBADMSG);
		memset(buf, 0, sizeof(buf));
		buf[31] = 255;
		cr_assert_eq(crypto_sk_seal(&sk.sk, aad, sizeof(aad), iv, buf, 32, icv), 0);
		cr_assert_eq(crypto_sk_open(&sk.sk, aad, sizeof(aad), iv, buf, 32, icv), -EBADMSG);
	}
}

Test(sk, padding_and_iv)
{
	union crypto_sk_max cbc, gcm;
	uint8_t iv1[16], iv2[16], buf[16] = { 0 }, icv[16];

	make_sk(&xforms[0], 1, &cbc.sk);
	make_sk(&xforms[5], 1, &gcm.sk);
	cr_assert_eq(crypto_sk_pad_len(&cbc.sk, 0), 15);
	cr_assert_eq(crypto_sk_pad_len(&cbc.sk, 15), 0);
	cr_assert_eq(crypto_sk_pad_len(&cbc.sk, 16), 15);
	cr_assert_eq(crypto_sk_pad_len(&cbc.sk, 30), 1);
	cr_assert_eq(crypto_sk_pad_len(&gcm.sk, 0), 0);
	cr_assert_eq(crypto_sk_pad_len(&gcm.sk, 1000), 0);
	cr_assert_eq(crypto_sk_iv_len(&cbc.sk), 16);
	cr_assert_eq(crypto_sk_block_len(&cbc.sk), 16);
	/* Fresh IVs per message. */
	cr_assert_eq(crypto_sk_seal(&cbc.sk, NULL, 0, iv1, buf, 16, icv), 0);
	cr_assert_eq(crypto_sk_seal(&cbc.sk, NULL, 0, iv2, buf, 16, icv), 0);
	cr_assert_neq(memcmp(iv1, iv2, 16), 0);
	cr_assert_eq(crypto_sk_seal(&gcm.sk, NULL, 0, iv1, buf, 1, icv), 0);
	cr_assert_eq(crypto_sk_seal(&gcm.sk, NULL, 0, iv2, buf, 1, icv), 0);
	cr_assert_neq(memcmp(iv1, iv2, 8), 0);
	/* Plaintext not a multiple of the block, or empty. */
	cr_assert_eq(crypto_sk_seal(&cbc.sk, NULL, 0, iv1, buf, 15, icv), -EINVAL);
	cr_assert_eq(crypto_sk_seal(&gcm.sk, NULL, 0, iv1, buf, 0, icv), -EINVAL);
	cr_assert_eq(crypto_sk_open(&cbc.sk, NULL, 0, iv1, buf, 15, icv), -EBADMSG);
}

Test(sk, init_refuses_bad_suites)
{
	union crypto_sk_max sk;
	uint8_t key[64] = { 0 };
	struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_GCM_16,
			      .encr_keylen = 128, .prf = V2_PRF_HMAC_SHA2_256 };

	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 20, NULL, 0), 0);
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, NULL, 0), -EINVAL, "salt missing");
	s.integ = V2_INTEG_HMAC_SHA2_256_128;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 20, key, 32), -EINVAL, "AEAD with integrity");
	s.encr = V2_ENCR_AES_CBC;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, key, 32), 0);
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, key, 20), -EINVAL, "short SK_a");
	s.integ = V2_INTEG_NONE;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, NULL, 0), -EINVAL, "CBC without integrity");
	s.encr = V2_ENCR_3DES;
	s.encr_keylen = 0;
	s.integ = V2_INTEG_HMAC_SHA1_96;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 24, key, 20), 0, "3DES: RFC 2451");
	cr_assert_eq(crypto_sk_iv_len(&sk.sk), 8);
	cr_assert_eq(crypto_sk_block_len(&sk.sk), 8);
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, key, 20), -EINVAL, "3DES key of 16");
	s.encr_keylen = 128;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, key, 20), -ENOTSUP, "3DES-128");
	s.encr = V2_ENCR_AES_CBC;
	s.encr_keylen = 64;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 8, key, 20), -ENOTSUP);
	s.encr = V2_ENCR_AES_CBC;
	s.encr_keylen = 128;
	s.integ = V2_INTEG_AES_XCBC_96;
	cr_assert_eq(crypto_sk_init(&sk.sk, &s, key, 16, key, 16), -ENOTSUP);
}
