/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Keys (crypto/key.h): loading PEM and DER, encrypted or not, file modes,
 * the RFC 3110 form of --pubkeyrsa, CKAIDs and key IDs, SPKI.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "ike/v2/types.h"

static char dir[64];

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/skua-key-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	crypto_fini();
}

TestSuite(key, .init = setup, .fini = teardown);

enum form { PEM_PKCS8, PEM_PKCS8_ENC, DER_PKCS8, PEM_TRADITIONAL };

static const char *write_key(const char *name, struct crypto_privkey *k, enum form f, int mode)
{
	static char path[128];
	BIO *b;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	b = BIO_new_file(path, "wb");
	cr_assert_not_null(b);
	switch (f) {
	case PEM_PKCS8:
		ok = PEM_write_bio_PrivateKey(b, crypto_privkey_evp(k), NULL, NULL, 0, NULL, NULL);
		break;
	case PEM_PKCS8_ENC:
		ok = PEM_write_bio_PKCS8PrivateKey(b, crypto_privkey_evp(k), EVP_aes_256_cbc(), NULL,
						   0, NULL, (void *)"open sesame");
		break;
	case DER_PKCS8:
		ok = i2d_PKCS8PrivateKey_bio(b, crypto_privkey_evp(k), NULL, NULL, 0, NULL, NULL);
		break;
	case PEM_TRADITIONAL:
		ok = PEM_write_bio_PrivateKey_traditional(b, crypto_privkey_evp(k), NULL, NULL, 0,
							  NULL, NULL);
		break;
	}
	cr_assert(ok);
	BIO_free(b);
	cr_assert_eq(chmod(path, (mode_t)mode), 0);
	return path;
}

static struct crypto_privkey *gen(enum crypto_key_kind kind, unsigned arg)
{
	struct crypto_privkey *k = NULL;

	cr_assert_eq(crypto_privkey_generate(kind, arg, &k), 0);
	return k;
}

/* The loaded key is the written one: it signs what the original's public half verifies. */
static void assert_same(struct crypto_privkey *orig, struct crypto_privkey *loaded)
{
	struct crypto_pubkey *pub = NULL;

	cr_assert_eq(crypto_privkey_public(orig, &pub), 0);
	cr_assert(crypto_privkey_matches(loaded, pub));
	cr_assert_eq(crypto_privkey_kind(loaded), crypto_privkey_kind(orig));
	cr_assert_eq(crypto_privkey_bits(loaded), crypto_privkey_bits(orig));
	crypto_pubkey_unref(pub);
}

Test(key, load_forms, .timeout = 60)
{
	struct crypto_privkey *keys[] = {
		gen(CRYPTO_KEY_RSA, 2048), gen(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256),
		gen(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P521), gen(CRYPTO_KEY_ED25519, 0),
		gen(CRYPTO_KEY_ED448, 0),
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (int f = PEM_PKCS8; f <= PEM_TRADITIONAL; f++) {
			struct crypto_privkey *k = NULL;
			char err[256] = "";
			const char *pass = f == PEM_PKCS8_ENC ? "open sesame" : NULL;
			const char *path;
			int rc;

			if (f == PEM_TRADITIONAL && crypto_privkey_kind(keys[i]) >= CRYPTO_KEY_ED25519)
				continue;	/* EdDSA keys have only the PKCS#8 form */
			path = write_key("k", keys[i], f, 0600);
			rc = crypto_privkey_load_file(path, pass, &k, err, sizeof(err));
			cr_assert_eq(rc, 0, "key %zu form %d: %d %s", i, f, rc, err);
			assert_same(keys[i], k);
			crypto_privkey_unref(k);
		}
		crypto_privkey_unref(keys[i]);
	}
}

Test(key, passphrase)
{
	struct crypto_privkey *orig = gen(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P384), *k = NULL;
	const char *path = write_key("enc.pem", orig, PEM_PKCS8_ENC, 0600);
	char err[256];

	cr_assert_eq(crypto_privkey_load_file(path, NULL, &k, err, sizeof(err)), -EACCES);
	cr_assert_null(k);
	cr_assert(strstr(err, "no passphrase") && strstr(err, "expected its passphrase"), "%s", err);
	cr_assert_eq(crypto_privkey_load_file(path, "open sesame!", &k, err, sizeof(err)), -EACCES);
	cr_assert(strstr(err, "does not open it"), "%s", err);
	cr_assert_eq(crypto_privkey_load_file(path, "open sesame", &k, err, sizeof(err)), 0);
	assert_same(orig, k);
	crypto_privkey_unref(k);
	crypto_privkey_unref(orig);
}

Test(key, file_mode_refused)
{
	struct crypto_privkey *orig = gen(CRYPTO_KEY_ED25519, 0), *k = NULL;
	static const int bad[] = { 0640, 0604, 0644, 0660, 0602, 0610, 0601 };
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = write_key("open.pem", orig, PEM_PKCS8, bad[i]);
		char mode[8];

		cr_assert_eq(crypto_privkey_load_file(path, NULL, &k, err, sizeof(err)), -EPERM,
			     "mode %o", bad[i]);
		cr_assert_null(k);
		snprintf(mode, sizeof(mode), "%04o", bad[i]);
		cr_assert(strstr(err, path) && strstr(err, mode) && strstr(err, "0600"), "%s", err);
		cr_assert_eq(crypto_key_file_check(path, err, sizeof(err)), -EPERM);
	}
	cr_assert_eq(crypto_key_file_check(write_key("ok.pem", orig, PEM_PKCS8, 0400), err,
					   sizeof(err)), 0);
	cr_assert_eq(crypto_key_file_check("/nonexistent/key.pem", err, sizeof(err)), -ENOENT);
	crypto_privkey_unref(orig);
}

static const char *write_bytes(const char *name, const void *data, size_t len, int mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	cr_assert_eq(chmod(path, (mode_t)mode), 0);
	return path;
}

Test(key, not_a_key)
{
	struct crypto_privkey *k = NULL;
	char err[256], *big;
	const char *path;

	path = write_bytes("garbage", "hello, world\n", 13, 0600);
	cr_assert_eq(crypto_privkey_load_file(path, NULL, &k, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "not a private key") && strstr(err, "expected PEM or DER"), "%s", err);
	path = write_bytes("empty", "", 0, 0600);
	cr_assert_eq(crypto_privkey_load_file(path, NULL, &k, err, sizeof(err)), -EBADMSG);
	cr_assert_eq(crypto_privkey_load_file(dir, NULL, &k, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	cr_assert_eq(crypto_privkey_load_file("/nonexistent/key", NULL, &k, err, sizeof(err)),
		     -ENOENT);
	big = calloc(1, CRYPTO_KEY_FILE_MAX + 1);
	path = write_bytes("big", big, CRYPTO_KEY_FILE_MAX + 1, 0600);
	free(big);
	cr_assert_eq(crypto_privkey_load_file(path, NULL, &k, err, sizeof(err)), -EFBIG);
	cr_assert_null(k);
}

Test(key, small_rsa_refused)
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	struct crypto_privkey *k = NULL;
	unsigned char *der = NULL;
	int n;

	cr_assert_not_null(p);
	n = i2d_PrivateKey(p, &der);
	cr_assert_gt(n, 0);
	cr_assert_eq(crypto_privkey_from_buf(der, (size_t)n, NULL, &k), -ENOTSUP);
	cr_assert_null(k);
	OPENSSL_free(der);
	{
		struct crypto_pubkey *pub = NULL;

		der = NULL;
		n = i2d_PUBKEY(p, &der);
		cr_assert_eq(crypto_pubkey_from_spki(der, (size_t)n, &pub), -ENOTSUP);
		OPENSSL_free(der);
	}
	EVP_PKEY_free(p);
}

/* An odd 2048-bit modulus with known leading bytes. */
static size_t dnskey_blob(uint8_t *blob)
{
	static const uint8_t head[] = { 0x03, 0x01, 0x00, 0x01, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5 };

	memcpy(blob, head, sizeof(head));
	for (size_t i = sizeof(head); i < 4 + 256; i++)
		blob[i] = (uint8_t)(i * 37 + 11);
	blob[4 + 255] |= 1;
	return 4 + 256;
}

Test(key, dnskey_keyid_ckaid)
{
	uint8_t blob[300], back[CRYPTO_DNSKEY_MAX], ckaid[CRYPTO_CKAID_LEN], want[20];
	struct crypto_pubkey *k = NULL, *k2 = NULL;
	size_t len = dnskey_blob(blob);
	char keyid[16];
	int n;

	cr_assert_eq(crypto_pubkey_from_dnskey(blob, len, &k), 0);
	cr_assert_eq(crypto_pubkey_kind(k), CRYPTO_KEY_RSA);
	cr_assert_eq(crypto_pubkey_bits(k), 2048);
	n = crypto_pubkey_to_dnskey(k, back, sizeof(back));
	cr_assert_eq(n, (int)len);
	cr_assert_arr_eq(back, blob, len);
	cr_assert_eq(crypto_pubkey_to_dnskey(k, back, 100), -EMSGSIZE);
	/* libreswan's key ID: the first nine base64 characters of the blob */
	cr_assert_eq(crypto_pubkey_keyid(k, keyid, sizeof(keyid)), 9);
	cr_assert_str_eq(keyid, "AwEAAbHC0");
	cr_assert_eq(crypto_pubkey_keyid(k, keyid, 9), -EMSGSIZE);
	/* CKAID: SHA-1 of the modulus */
	cr_assert_eq(crypto_pubkey_ckaid(k, ckaid), 0);
	cr_assert(EVP_Digest(blob + 4, 256, want, NULL, EVP_sha1(), NULL));
	cr_assert_arr_eq(ckaid, want, 20);
	/* the three-byte exponent length form */
	{
		uint8_t b3[300];

		b3[0] = 0;
		b3[1] = 0;
		b3[2] = 3;
		memcpy(b3 + 3, blob + 1, len - 1);
		cr_assert_eq(crypto_pubkey_from_dnskey(b3, len + 2, &k2), 0);
		cr_assert(crypto_pubkey_eq(k, k2));
		crypto_pubkey_unref(k2);
	}
	crypto_pubkey_unref(k);
}

Test(key, dnskey_malformed)
{
	uint8_t blob[300], b[300];
	size_t len = dnskey_blob(blob);
	struct crypto_pubkey *k = NULL;

	cr_assert_eq(crypto_pubkey_from_dnskey(blob, 2, &k), -EBADMSG);
	/* exponent length past the end */
	memcpy(b, blob, len);
	b[0] = 0xff;
	cr_assert_eq(crypto_pubkey_from_dnskey(b, 200, &k), -EBADMSG);
	/* zero exponent length in the long form */
	memcpy(b, blob, len);
	b[0] = 0;
	b[1] = 0;
	b[2] = 0;
	cr_assert_eq(crypto_pubkey_from_dnskey(b, len, &k), -EBADMSG);
	/* even exponent, exponent 1, leading zero in exponent and modulus */
	memcpy(b, blob, len);
	b[3] = 0x02;
	cr_assert_eq(crypto_pubkey_from_dnskey(b, len, &k), -EBADMSG);
	{
		uint8_t one[] = { 0x01, 0x01, 0xb1, 0xc2 };

		memcpy(b, one, sizeof(one));
		memcpy(b + 2, blob + 4, 256);
		cr_assert_eq(crypto_pubkey_from_dnskey(b, 258, &k), -EBADMSG);
	}
	memcpy(b, blob, len);
	b[1] = 0;
	cr_assert_eq(crypto_pubkey_from_dnskey(b, len, &k), -EBADMSG);
	memcpy(b, blob, len);
	b[4] = 0;
	cr_assert_eq(crypto_pubkey_from_dnskey(b, len, &k), -EBADMSG);
	/* even modulus; a modulus too short */
	memcpy(b, blob, len);
	b[len - 1] &= 0xfe;
	cr_assert_eq(crypto_pubkey_from_dnskey(b, len, &k), -EBADMSG);
	cr_assert_eq(crypto_pubkey_from_dnskey(blob, 4 + 64, &k), -ENOTSUP);
	cr_assert_null(k);
}

Test(key, spki_round_trip_and_checks)
{
	struct crypto_privkey *priv = gen(CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256);
	struct crypto_pubkey *pub = NULL, *back = NULL;
	uint8_t der[1024], ckaid[20];
	char keyid[16];
	int n;

	cr_assert_eq(crypto_privkey_public(priv, &pub), 0);
	n = crypto_pubkey_to_spki(pub, der, sizeof(der));
	cr_assert_gt(n, 0);
	cr_assert_eq(crypto_pubkey_from_spki(der, (size_t)n, &back), 0);
	cr_assert(crypto_pubkey_eq(pub, back));
	cr_assert_eq(crypto_pubkey_curve(back), CRYPTO_CURVE_P256);
	cr_assert_eq(crypto_pubkey_to_dnskey(back, der + 512, 256), -EINVAL);
	cr_assert_eq(crypto_pubkey_ckaid(back, ckaid), 0);
	cr_assert_eq(crypto_pubkey_keyid(back, keyid, sizeof(keyid)), 9);
	crypto_pubkey_unref(back);
	back = NULL;
	/* truncated, trailing byte */
	cr_assert_eq(crypto_pubkey_from_spki(der, (size_t)n - 1, &back), -EBADMSG);
	der[n] = 0;
	cr_assert_eq(crypto_pubkey_from_spki(der, (size_t)n + 1, &back), -EBADMSG);
	cr_assert_eq(crypto_pubkey_from_spki(der, 0, &back), -EBADMSG);
	cr_assert_null(back);
	crypto_pubkey_unref(pub);
	crypto_privkey_unref(priv);
}

Test(key, refcounts)
{
	struct crypto_privkey *k = gen(CRYPTO_KEY_ED25519, 0);
	struct crypto_privkey *r = crypto_privkey_ref(k);

	cr_assert_eq(r, k);
	crypto_privkey_unref(k);
	/* still usable through the second reference */
	cr_assert_eq(crypto_privkey_kind(r), CRYPTO_KEY_ED25519);
	crypto_privkey_unref(r);
	crypto_privkey_unref(NULL);
	crypto_pubkey_unref(NULL);
}
