/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ikev1_keys.h"

#include "vectors/hex.h"
#include "vectors/crypto_ikev1.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(ikev1_keys, .init = setup, .fini = teardown);

struct bytes {
	uint8_t b[512];
	size_t n;
};

static struct bytes hx(const char *s)
{
	struct bytes x;

	x.n = unhex(s, x.b, sizeof(x.b));
	return x;
}

#define assert_bytes(got, want, what, name)                                               \
	do {                                                                              \
		struct bytes w_ = hx(want);                                               \
		cr_assert_arr_eq(got, w_.b, w_.n, "%s: %s", name, what);                \
	} while (0)

/* SKEYID, SKEYID_d/a/e, the key and the IVs against the cross-computed vectors. */
Test(ikev1_keys, vectors)
{
	for (size_t i = 0; i < sizeof(ikev1_kats) / sizeof(ikev1_kats[0]); i++) {
		const struct ikev1_kat *k = &ikev1_kats[i];
		struct bytes psk = hx(k->psk), ni = hx(k->ni), nr = hx(k->nr), gxy = hx(k->gxy);
		struct bytes gxi = hx(k->gxi), gxr = hx(k->gxr), ci = hx(k->cky_i), cr = hx(k->cky_r);
		uint8_t skeyid[64], d[64], a[64], e[64], key[32], iv[16], qm_iv[16], buf[64];
		size_t hlen = crypto_v1_hash_len(k->hash);

		cr_assert_gt(hlen, 0);
		if (k->psk_auth)
			cr_assert_eq(crypto_v1_skeyid_psk(k->hash, psk.b, psk.n, ni.b, ni.n, nr.b,
							  nr.n, skeyid), 0);
		else
			cr_assert_eq(crypto_v1_skeyid_sig(k->hash, ni.b, ni.n, nr.b, nr.n, gxy.b,
							  gxy.n, skeyid), 0);
		assert_bytes(skeyid, k->skeyid, "SKEYID", k->name);
		cr_assert_eq(crypto_v1_skeyid_dae(k->hash, skeyid, gxy.b, gxy.n, ci.b, cr.b, d, a, e),
			     0);
		assert_bytes(d, k->skeyid_d, "SKEYID_d", k->name);
		assert_bytes(a, k->skeyid_a, "SKEYID_a", k->name);
		assert_bytes(e, k->skeyid_e, "SKEYID_e", k->name);
		cr_assert_eq(crypto_v1_enc_key(k->hash, e, key, k->key_len), 0);
		assert_bytes(key, k->key, "the encryption key", k->name);
		cr_assert_eq(crypto_v1_iv_phase1(k->hash, gxi.b, gxi.n, gxr.b, gxr.n, iv, 16), 0);
		assert_bytes(iv, k->iv1, "the Phase 1 IV", k->name);

		/* message 5 then 6, the IV chained through iv */
		struct bytes m5 = hx(k->m5), m6 = hx(k->m6);
		memcpy(buf, m5.b, m5.n);
		cr_assert_eq(crypto_v1_cbc(7, key, k->key_len, iv, buf, m5.n, true), 0);
		assert_bytes(buf, k->c5, "message 5 encrypted", k->name);
		cr_assert_arr_eq(iv, buf + m5.n - 16, 16, "the IV is the last block");
		memcpy(buf, m6.b, m6.n);
		cr_assert_eq(crypto_v1_cbc(7, key, k->key_len, iv, buf, m6.n, true), 0);
		assert_bytes(buf, k->c6, "message 6 encrypted", k->name);
		cr_assert_eq(crypto_v1_iv_msgid(k->hash, iv, 16, k->msgid, qm_iv), 0);
		assert_bytes(qm_iv, k->iv_qm, "the Quick Mode IV", k->name);

		/* ... and the receiver's side: decrypt with the same chain */
		cr_assert_eq(crypto_v1_iv_phase1(k->hash, gxi.b, gxi.n, gxr.b, gxr.n, iv, 16), 0);
		struct bytes c5 = hx(k->c5);
		cr_assert_eq(crypto_v1_cbc(7, key, k->key_len, iv, c5.b, c5.n, false), 0);
		cr_assert_arr_eq(c5.b, m5.b, m5.n, "%s: message 5 decrypted", k->name);
		struct bytes c6 = hx(k->c6), want6 = hx(k->c6);
		cr_assert_eq(crypto_v1_cbc(7, key, k->key_len, iv, c6.b, c6.n, false), 0);
		cr_assert_arr_eq(c6.b, m6.b, m6.n, "%s: message 6 decrypted", k->name);
		cr_assert_arr_eq(iv, want6.b + want6.n - 16, 16, "%s: the IV after 6", k->name);
	}
}

Test(ikev1_keys, refusals)
{
	uint8_t out[64], key[32] = { 0 }, iv[16] = { 0 }, buf[32] = { 0 };

	/* MD5 and Tiger are not supported */
	cr_assert_eq(crypto_v1_hash_len(1), 0);
	cr_assert_eq(crypto_v1_skeyid_psk(1, key, 4, key, 8, key, 8, out), -ENOTSUP);
	cr_assert_eq(crypto_v1_skeyid_psk(3, key, 4, key, 8, key, 8, out), -ENOTSUP);
	/* single DES; 3DES with a key not of 24 bytes, or a partial block */
	cr_assert_eq(crypto_v1_block_len(1, 8), 0);
	cr_assert_eq(crypto_v1_cbc(1, key, 8, iv, buf, 16, true), -ENOTSUP);
	cr_assert_eq(crypto_v1_cbc(5, key, 16, iv, buf, 16, true), -ENOTSUP);
	cr_assert_eq(crypto_v1_cbc(5, key, 24, iv, buf, 12, true), -EINVAL);
	/* AES with a key of a wrong length, a partial block, nothing */
	cr_assert_eq(crypto_v1_cbc(7, key, 20, iv, buf, 16, true), -ENOTSUP);
	cr_assert_eq(crypto_v1_cbc(7, key, 16, iv, buf, 15, true), -EINVAL);
	cr_assert_eq(crypto_v1_cbc(7, key, 16, iv, buf, 0, true), -EINVAL);
	/* an IV longer than the hash gives */
	cr_assert_eq(crypto_v1_iv_msgid(2, key, 32, 1, out), -EINVAL);
}

/*
 * 3DES-CBC (enum v1_encr 5, RFC 2451): NIST SP 800-67's example (keys
 * 0123456789ABCDEF, 23456789ABCDEF01, 456789ABCDEF0123; "The qufck brown fox
 * jump"), each block alone under a zero IV (its ECB answers), then the three
 * chained from a zero IV (the later blocks E(p XOR the previous c), computed
 * with python3-cryptography from the same key), the IV following the chain,
 * and back.
 */
Test(ikev1_keys, des3_cbc)
{
	struct bytes key = hx("0123456789abcdef23456789abcdef01456789abcdef0123");
	struct bytes ecb = hx("a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900");
	struct bytes cbc = hx("a826fd8ce53b855f854b649a0a3903c970d563820afe8b35");
	static const char plain[] = "The qufck brown fox jump";
	uint8_t iv[8], buf[24];

	cr_assert_eq(crypto_v1_block_len(5, 24), 8);
	for (int i = 0; i < 3; i++) {
		memset(iv, 0, sizeof(iv));
		memcpy(buf, plain + 8 * i, 8);
		cr_assert_eq(crypto_v1_cbc(5, key.b, 24, iv, buf, 8, true), 0);
		cr_assert_arr_eq(buf, ecb.b + 8 * i, 8, "block %d", i);
	}
	memset(iv, 0, sizeof(iv));
	memcpy(buf, plain, 24);
	cr_assert_eq(crypto_v1_cbc(5, key.b, 24, iv, buf, 24, true), 0);
	cr_assert_arr_eq(buf, cbc.b, 24);
	cr_assert_arr_eq(iv, cbc.b + 16, 8, "the IV is the last block");
	memset(iv, 0, sizeof(iv));
	cr_assert_eq(crypto_v1_cbc(5, key.b, 24, iv, buf, 24, false), 0);
	cr_assert_arr_eq(buf, plain, 24);
	cr_assert_arr_eq(iv, cbc.b + 16, 8, "decrypting: the IV is the last ciphertext block");
}

/* Quick Mode KEYMAT (RFC 2409 5.5), 64 bytes: K1 | K2 (| K3), without and with PFS. */
Test(ikev1_keys, keymat)
{
	for (size_t i = 0; i < sizeof(ikev1_kats) / sizeof(ikev1_kats[0]); i++) {
		const struct ikev1_kat *k = &ikev1_kats[i];
		struct bytes d = hx(k->skeyid_d), spi = hx(k->spi), ni = hx(k->qni), nr = hx(k->qnr);
		struct bytes gxy = hx(k->qgxy);
		uint8_t out[64];

		cr_assert_eq(crypto_v1_keymat(k->hash, d.b, NULL, 0, 3, spi.b, ni.b, ni.n, nr.b, nr.n,
					      out, sizeof(out)), 0);
		assert_bytes(out, k->keymat, "KEYMAT", k->name);
		cr_assert_eq(crypto_v1_keymat(k->hash, d.b, gxy.b, gxy.n, 3, spi.b, ni.b, ni.n, nr.b,
					      nr.n, out, sizeof(out)), 0);
		assert_bytes(out, k->keymat_pfs, "KEYMAT with PFS", k->name);
	}
}
