/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Skua's key exchange (crypto/ke.h), PRFs (crypto/prf.h), integrity and
 * SK/AEAD transforms (crypto/sk.h) against Project Wycheproof's vectors
 * (tests/vectors/wycheproof/, copied from its testvectors_v1 files), always
 * through Skua's API as the exchanges call it.
 *
 * The rule for every vector: "valid" is accepted with the exact result,
 * "invalid" is refused; "acceptable" is decided per family below and the
 * decision is written next to it. A vector that cannot occur in IKEv2
 * (an IV size, a key or ICV size, an encoding IKE does not have) is
 * filtered by a named rule and counted; each test asserts that every
 * vector of the file was either run or filtered, and that some were run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ke.h"
#include "crypto/prf.h"
#include "crypto/sk.h"
#include "ike/v2/types.h"

#include "vectors/wycheproof.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(wycheproof, .init = setup, .fini = teardown, .timeout = 120);

struct tally {
	unsigned run, accepted, refused, filtered;
};

static void tally_check(const struct tally *t, json_object *root, const char *file)
{
	int total = wp_int(root, "numberOfTests");

	cr_log_info("%s: %u run (%u accepted, %u refused), %u filtered", file, t->run,
		    t->accepted, t->refused, t->filtered);
	cr_assert_eq(t->run + t->filtered, (unsigned)total, "%s: %u run + %u filtered of %d",
		     file, t->run, t->filtered, total);
	cr_assert_gt(t->run, 0, "%s: every vector filtered", file);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* ---- key exchange ---- */

/*
 * One KE computation: our private key from the vector, the peer's KE
 * payload data, and the expected shared secret (or refusal).
 */
static void ke_case(uint16_t group, json_object *t, const uint8_t *priv, size_t privlen,
		    const uint8_t *peer, size_t peerlen, bool want_ok, struct tally *tl)
{
	uint8_t out[CRYPTO_KE_SHARED_MAX];
	struct crypto_ke *ke = NULL;
	size_t want_len;
	uint8_t *want;
	int n, id = wp_int(t, "tcId");

	cr_assert_eq(crypto_ke_import(group, priv, privlen, NULL, 0, &ke), 0,
		     "group %u tcId %d: private key refused", group, id);
	memset(out, 0xa5, sizeof(out));
	n = crypto_ke_shared(ke, peer, peerlen, out, sizeof(out));
	tl->run++;
	if (want_ok) {
		want = wp_hex(t, "shared", &want_len);
		cr_assert_eq(n, (int)want_len, "group %u tcId %d (%s): returned %d, expected %zu",
			     group, id, wp_str(t, "comment"), n, want_len);
		cr_assert_arr_eq(out, want, want_len, "group %u tcId %d: wrong shared secret",
				 group, id);
		free(want);
		tl->accepted++;
	} else {
		cr_assert_eq(n, -EINVAL, "group %u tcId %d (%s): returned %d, expected refusal",
			     group, id, wp_str(t, "comment"), n);
		cr_assert(all_zero(out, crypto_ke_shared_len(group)),
			  "group %u tcId %d: output not wiped after a refusal", group, id);
		tl->refused++;
	}
	crypto_ke_free(ke);
}

/*
 * X25519/X448 (RFC 7748, IKEv2: RFC 8031). The KE data is the raw
 * u-coordinate, 32 or 56 bytes.
 * - valid: accepted with the exact secret.
 * - invalid (only X448's 57-byte public values): refused (length).
 * - acceptable, decided by the one rule IKEv2 states (RFC 8031 2.3,
 *   RFC 7748 6.1): an all-zero shared secret (low-order public values,
 *   flag ZeroSharedSecret) is refused; everything else is accepted with the
 *   exact secret: points on the twist and non-canonical u >= p need no
 *   check (RFC 7748 5: implementations MUST accept non-canonical values and
 *   reduce them; the high bit of a Curve25519 u is masked).
 */
static void xdh_file(const char *file, uint16_t group)
{
	json_object *root = wp_load(file), *groups = wp_get(root, "testGroups");
	struct tally tl = { 0 };
	unsigned zero_flagged = 0, invalid = 0;

	for (size_t g = 0; g < wp_len(groups); g++) {
		json_object *tests = wp_get(wp_at(groups, g), "tests");

		for (size_t i = 0; i < wp_len(tests); i++) {
			json_object *t = wp_at(tests, i);
			size_t privlen, publen;
			uint8_t *priv = wp_hex(t, "private", &privlen);
			uint8_t *pub = wp_hex(t, "public", &publen);
			enum wp_result r = wp_result(t);
			bool zero = wp_flag(t, "ZeroSharedSecret");
			bool ok;

			zero_flagged += zero;
			invalid += r == WP_INVALID;
			if (r == WP_ACCEPTABLE) {
				size_t sl;
				uint8_t *shared = wp_hex(t, "shared", &sl);

				/* The flag and the value agree: the rule is about the value. */
				cr_assert_eq(zero, all_zero(shared, sl), "tcId %d",
					     wp_int(t, "tcId"));
				free(shared);
				ok = !zero;
			} else {
				ok = r == WP_VALID;
			}
			ke_case(group, t, priv, privlen, pub, publen, ok, &tl);
			free(priv);
			free(pub);
		}
	}
	tally_check(&tl, root, file);
	cr_assert_gt(zero_flagged, 0, "%s has no all-zero cases: the refusal is untested", file);
	cr_assert_eq(tl.refused, zero_flagged + invalid);
	json_object_put(root);
}

Test(wycheproof, x25519)
{
	xdh_file("x25519_test.json", V2_DH_CURVE25519);
}

Test(wycheproof, x448)
{
	xdh_file("x448_test.json", V2_DH_CURVE448);
}

/*
 * ECDH over P-256/384/521, public keys as SEC 1 points ("ecpoint" files).
 * IKEv2's KE data for these groups is x | y without the 0x04 prefix
 * (RFC 5903 7), so an uncompressed point of the right size is given as
 * its x | y; any other encoding (compressed 02/03 points, an empty or
 * otherwise sized value) has no IKE form and is given as it is, where it
 * must be refused like any KE payload of the wrong length.
 * - valid: accepted with the exact secret (an x of 0 included: ECDH
 *   refuses only the point at infinity, which 04|x|y cannot encode).
 * - invalid (points off the curve, on another curve, bad encodings):
 *   refused.
 * - acceptable (only "CompressedPublic": a valid compressed point):
 *   refused, since IKEv2 has no compressed form.
 */
static void ecdh_file(const char *file, uint16_t group)
{
	json_object *root = wp_load(file), *groups = wp_get(root, "testGroups");
	size_t coord = crypto_ke_public_len(group);
	struct tally tl = { 0 };
	unsigned off_curve = 0;

	for (size_t g = 0; g < wp_len(groups); g++) {
		json_object *tests = wp_get(wp_at(groups, g), "tests");

		for (size_t i = 0; i < wp_len(tests); i++) {
			json_object *t = wp_at(tests, i);
			size_t privlen, publen;
			uint8_t *priv = wp_hex(t, "private", &privlen);
			uint8_t *pub = wp_hex(t, "public", &publen);
			const uint8_t *ke = pub;
			size_t kelen = publen;
			enum wp_result r = wp_result(t);

			if (publen == 1 + coord && pub[0] == 0x04) {
				ke = pub + 1;
				kelen = coord;
			}
			if (r == WP_ACCEPTABLE)
				cr_assert(wp_flag(t, "CompressedPublic"),
					  "tcId %d: an acceptable case this test has not decided",
					  wp_int(t, "tcId"));
			off_curve += wp_flag(t, "InvalidCurveAttack");
			ke_case(group, t, priv, privlen, ke, kelen, r == WP_VALID, &tl);
			free(priv);
			free(pub);
		}
	}
	tally_check(&tl, root, file);
	cr_assert_gt(off_curve, 0, "%s: no off-curve points", file);
	json_object_put(root);
}

Test(wycheproof, ecdh_p256)
{
	ecdh_file("ecdh_secp256r1_ecpoint_test.json", V2_DH_ECP256);
}

Test(wycheproof, ecdh_p384)
{
	ecdh_file("ecdh_secp384r1_ecpoint_test.json", V2_DH_ECP384);
}

Test(wycheproof, ecdh_p521)
{
	ecdh_file("ecdh_secp521r1_ecpoint_test.json", V2_DH_ECP521);
}

/* ---- AEAD through the SK transform ---- */

/*
 * AES-GCM (RFC 5282) and ChaCha20-Poly1305 (RFC 7634) as the Encrypted
 * payload uses them: the nonce is salt(4) | IV(8), the salt being the last
 * 4 bytes of SK_e, so a 12-byte Wycheproof IV is split into the salt
 * (given with the key, as crypto_sk_init() takes it) and the 8-byte IV
 * of the payload.
 *
 * Filtered, by rule:
 * - IV sizes other than 96 bits: IKE's nonce is always 12 bytes;
 * - an empty message: an SK plaintext always holds at least its Pad
 *   Length byte (RFC 7296 3.14), and crypto_sk refuses length 0.
 *
 * Valid vectors: seal gives the exact ciphertext and tag, for each ICV
 * size the transform has (GCM 16, and 12 and 8 whose tags are the
 * leftmost bytes of the 16-byte one, NIST SP 800-38D 5.2.1.2; ChaCha20-
 * Poly1305 16). Open authenticates and decrypts; it then reads the last
 * plaintext byte as the Pad Length, so it returns the inner length when
 * that byte fits and -EBADMSG (wiping the buffer) when it does not: both
 * are asserted from the vector's plaintext.
 * Invalid vectors (modified tags): open refuses with the 16-byte ICV and
 * wipes the buffer. With truncated ICVs a modification past the kept bytes
 * is not a modification at all, so those are run with 16 only.
 */
static void sk_init_from(struct crypto_sk *sk, uint16_t encr, uint16_t keybits,
			 const uint8_t *key, size_t keylen, const uint8_t *nonce)
{
	struct v2_suite s = { .protocol = V2_PROTO_IKE, .encr = encr, .encr_keylen = keybits,
			      .integ = V2_INTEG_NONE };
	uint8_t ekey[CRYPTO_SK_EKEY_MAX + CRYPTO_SK_SALT_LEN];

	cr_assert_leq(keylen, CRYPTO_SK_EKEY_MAX);
	memcpy(ekey, key, keylen);
	memcpy(ekey + keylen, nonce, CRYPTO_SK_SALT_LEN);
	cr_assert_eq(crypto_sk_init(sk, &s, ekey, keylen + CRYPTO_SK_SALT_LEN, NULL, 0), 0,
		     "encr %u/%u refused", encr, keybits);
	cr_assert_eq(crypto_sk_iv_len(sk), 8);
}

static void aead_case(uint16_t encr, uint16_t keybits, json_object *t, struct tally *tl)
{
	size_t klen, nlen, alen, mlen, clen, taglen;
	uint8_t *key = wp_hex(t, "key", &klen), *nonce = wp_hex(t, "iv", &nlen);
	uint8_t *aad = wp_hex(t, "aad", &alen), *msg = wp_hex(t, "msg", &mlen);
	uint8_t *ct = wp_hex(t, "ct", &clen), *tag = wp_hex(t, "tag", &taglen);
	uint8_t *buf = malloc(mlen), icv[CRYPTO_SK_ICV_MAX];
	enum wp_result r = wp_result(t);
	int id = wp_int(t, "tcId");
	union crypto_sk_max sk;

	cr_assert_not_null(buf);
	cr_assert_eq(clen, mlen);
	cr_assert_neq(r, WP_ACCEPTABLE, "tcId %d: no acceptable AEAD cases are decided", id);
	sk_init_from(&sk.sk, encr, keybits, key, klen, nonce);
	tl->run++;
	if (r == WP_INVALID) {
		memcpy(buf, ct, clen);
		cr_assert_eq(crypto_sk_icv_len(&sk.sk), taglen);
		cr_assert_eq(crypto_sk_open(&sk.sk, aad, alen, nonce + CRYPTO_SK_SALT_LEN, buf, clen,
					    tag),
			     -EBADMSG, "tcId %d (%s): a modified message opened", id,
			     wp_str(t, "comment"));
		cr_assert(all_zero(buf, clen), "tcId %d: buffer not wiped", id);
		tl->refused++;
		goto out;
	}
	/* GCM_16, GCM_12, GCM_8 share the key; ChaCha20-Poly1305 has 16 only. */
	static const uint16_t gcm[] = { V2_ENCR_AES_GCM_16, V2_ENCR_AES_GCM_12, V2_ENCR_AES_GCM_8 };
	size_t nvariants = encr == V2_ENCR_CHACHA20_POLY1305 ? 1 : 3;

	for (size_t v = 0; v < nvariants; v++) {
		uint16_t e = encr == V2_ENCR_CHACHA20_POLY1305 ? encr : gcm[v];
		size_t icvlen, pad = msg[mlen - 1];
		int n;

		crypto_sk_wipe(&sk.sk);
		sk_init_from(&sk.sk, e, keybits, key, klen, nonce);
		icvlen = crypto_sk_icv_len(&sk.sk);
		cr_assert_leq(icvlen, taglen);
		memcpy(buf, msg, mlen);
		cr_assert_eq(crypto_sk_seal_iv(&sk.sk, aad, alen, nonce + CRYPTO_SK_SALT_LEN, buf,
					       mlen, icv),
			     0, "tcId %d: seal failed", id);
		cr_assert_arr_eq(buf, ct, clen, "tcId %d encr %u: wrong ciphertext", id, e);
		cr_assert_arr_eq(icv, tag, icvlen, "tcId %d encr %u: wrong %zu-byte tag", id, e,
				 icvlen);
		n = crypto_sk_open(&sk.sk, aad, alen, nonce + CRYPTO_SK_SALT_LEN, buf, clen, tag);
		if (pad + 1 <= mlen) {
			cr_assert_eq(n, (int)(mlen - pad - 1), "tcId %d encr %u: open gave %d", id,
				     e, n);
			cr_assert_arr_eq(buf, msg, mlen, "tcId %d: wrong plaintext", id);
		} else {
			cr_assert_eq(n, -EBADMSG, "tcId %d: Pad Length %zu of %zu bytes accepted",
				     id, pad, mlen);
			cr_assert(all_zero(buf, clen));
		}
	}
	tl->accepted++;
out:
	crypto_sk_wipe(&sk.sk);
	free(key);
	free(nonce);
	free(aad);
	free(msg);
	free(ct);
	free(tag);
	free(buf);
}

static void aead_file(const char *file, bool chacha)
{
	json_object *root = wp_load(file), *groups = wp_get(root, "testGroups");
	struct tally tl = { 0 };

	for (size_t g = 0; g < wp_len(groups); g++) {
		json_object *grp = wp_at(groups, g), *tests = wp_get(grp, "tests");
		int ivbits = wp_int(grp, "ivSize"), keybits = wp_int(grp, "keySize");
		uint16_t encr = chacha ? V2_ENCR_CHACHA20_POLY1305 : V2_ENCR_AES_GCM_16;

		cr_assert_eq(wp_int(grp, "tagSize"), 128);
		for (size_t i = 0; i < wp_len(tests); i++) {
			json_object *t = wp_at(tests, i);

			if (ivbits != 96 || strlen(wp_str(t, "msg")) == 0) {
				tl.filtered++;
				continue;
			}
			aead_case(encr, chacha ? 0 : (uint16_t)keybits, t, &tl);
		}
	}
	tally_check(&tl, root, file);
	cr_assert_gt(tl.refused, 0, "%s: no invalid vector ran", file);
	json_object_put(root);
}

Test(wycheproof, aes_gcm)
{
	aead_file("aes_gcm_test.json", false);
}

Test(wycheproof, chacha20_poly1305)
{
	aead_file("chacha20_poly1305_test.json", true);
}

/* ---- HMAC: the PRFs and the integrity transforms ---- */

/*
 * PRF_HMAC_SHA1/SHA2 (RFC 7296 2.13, RFC 4868): keys of any length (the
 * PRF is keyed with Ni | Nr, with SK_d, ...), full output. Run: the groups
 * whose tag is the full digest. valid: the output equals the tag;
 * invalid: it does not, so nothing comparing with it would accept.
 *
 * Integrity (AUTH_HMAC_SHA1_96, RFC 2404; AUTH_HMAC_SHA2_256_128 and
 * friends, RFC 4868 2): the key is exactly the digest size (RFC 4868
 * 2.1.1) and the ICV is the leftmost half of the output (SHA1: 96 bits).
 * Run through crypto_integ_icv()/crypto_integ_check(), which the SK
 * transform uses: groups with that key size whose tag is the ICV size
 * (SHA-2: valid and invalid), or the full digest (valid only: its leftmost
 * bytes are the ICV; a modified full tag may differ only past them).
 *
 * Filtered: key sizes other than the digest's together with tag sizes
 * other than the full digest (neither a PRF nor an integrity case), and
 * truncated tags of a size no transform uses (HMAC-SHA1 80 bits).
 */
static void hmac_file(const char *file, uint16_t prf, uint16_t integ)
{
	json_object *root = wp_load(file), *groups = wp_get(root, "testGroups");
	size_t dlen = crypto_prf_len(prf);
	size_t ikey = (size_t)crypto_integ_key_len(integ), icvlen = (size_t)crypto_integ_icv_len(integ);
	struct tally tl = { 0 };
	unsigned integ_run = 0, integ_refused = 0;

	cr_assert_eq(ikey, dlen);
	for (size_t g = 0; g < wp_len(groups); g++) {
		json_object *grp = wp_at(groups, g), *tests = wp_get(grp, "tests");
		size_t tagbytes = (size_t)wp_int(grp, "tagSize") / 8;
		size_t keybytes = (size_t)wp_int(grp, "keySize") / 8;
		bool prf_case = tagbytes == dlen;
		bool integ_case = keybytes == ikey && (tagbytes == icvlen || tagbytes == dlen);

		for (size_t i = 0; i < wp_len(tests); i++) {
			json_object *t = wp_at(tests, i);
			size_t klen, mlen, taglen;
			uint8_t *key, *msg, *tag, out[CRYPTO_PRF_MAX];
			enum wp_result r = wp_result(t);
			int id = wp_int(t, "tcId");

			if (!prf_case && !integ_case) {
				tl.filtered++;
				continue;
			}
			cr_assert_neq(r, WP_ACCEPTABLE);
			key = wp_hex(t, "key", &klen);
			msg = wp_hex(t, "msg", &mlen);
			tag = wp_hex(t, "tag", &taglen);
			struct iovec iov = { .iov_base = msg, .iov_len = mlen };

			tl.run++;
			if (prf_case) {
				cr_assert_eq(crypto_prf(prf, key, klen, &iov, 1, out), 0);
				cr_assert_eq(crypto_memeq(out, tag, dlen), r == WP_VALID,
					     "%s tcId %d (%s): PRF output and tag", file, id,
					     wp_str(t, "comment"));
			}
			if (integ_case && (tagbytes == icvlen || r == WP_VALID)) {
				integ_run++;
				cr_assert_eq(crypto_integ_icv(integ, key, klen, &iov, 1, out), 0);
				if (r == WP_VALID) {
					cr_assert_arr_eq(out, tag, icvlen, "%s tcId %d: wrong ICV", file,
							 id);
					cr_assert_eq(crypto_integ_check(integ, key, klen, &iov, 1, tag),
						     0, "%s tcId %d: ICV refused", file, id);
				} else {
					cr_assert_eq(crypto_integ_check(integ, key, klen, &iov, 1, tag),
						     -EBADMSG, "%s tcId %d (%s): modified ICV accepted",
						     file, id, wp_str(t, "comment"));
					integ_refused++;
				}
			}
			if (r == WP_VALID)
				tl.accepted++;
			else
				tl.refused++;
			free(key);
			free(msg);
			free(tag);
		}
	}
	tally_check(&tl, root, file);
	cr_assert_gt(integ_run, 0, "%s: the integrity transform ran on no vector", file);
	if (integ != V2_INTEG_HMAC_SHA1_96)	/* no 96-bit SHA-1 tags in Wycheproof */
		cr_assert_gt(integ_refused, 0, "%s: no modified ICV was tried", file);
	json_object_put(root);
}

Test(wycheproof, hmac_sha1)
{
	hmac_file("hmac_sha1_test.json", V2_PRF_HMAC_SHA1, V2_INTEG_HMAC_SHA1_96);
}

Test(wycheproof, hmac_sha256)
{
	hmac_file("hmac_sha256_test.json", V2_PRF_HMAC_SHA2_256, V2_INTEG_HMAC_SHA2_256_128);
}

Test(wycheproof, hmac_sha384)
{
	hmac_file("hmac_sha384_test.json", V2_PRF_HMAC_SHA2_384, V2_INTEG_HMAC_SHA2_384_192);
}

Test(wycheproof, hmac_sha512)
{
	hmac_file("hmac_sha512_test.json", V2_PRF_HMAC_SHA2_512, V2_INTEG_HMAC_SHA2_512_256);
}
