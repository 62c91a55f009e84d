/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Secrets hygiene of private keys (crypto/key.h): when the last reference
 * to a key loaded from a file goes, no memory OpenSSL gives back still
 * holds its secret (the RSA private exponent, the EC and EdDSA private
 * scalars). OpenSSL's allocator is replaced (CRYPTO_set_mem_functions,
 * before anything of OpenSSL runs in this process) by one that searches
 * every block freed while the key is released for the secret's bytes. A
 * control proves the search finds a secret that is not wiped.
 */
#include <criterion/criterion.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/crypto.h"
#include "crypto/key.h"

/* ---- an allocator that looks at what is freed ---- */

struct hdr {
	size_t size;
	size_t pad;	/* 16-byte alignment of the block */
};

static uint8_t pattern[32];
static size_t pattern_len;
static bool armed;
static unsigned found;		/* blocks freed with the pattern in them while armed */

static void look(const struct hdr *h)
{
	const uint8_t *b = (const uint8_t *)(h + 1);

	if (!armed || !pattern_len || h->size < pattern_len)
		return;
	if (memmem(b, h->size, pattern, pattern_len))
		found++;
}

static void *hook_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	(void)file;
	(void)line;
	if (!h)
		return NULL;
	h->size = n;
	return h + 1;
}

static void hook_free(void *p, const char *file, int line)
{
	struct hdr *h;

	(void)file;
	(void)line;
	if (!p)
		return;
	h = (struct hdr *)p - 1;
	look(h);
	free(h);
}

static void *hook_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;

	if (!p)
		return hook_malloc(n, file, line);
	if (!n) {
		hook_free(p, file, line);
		return NULL;
	}
	q = hook_malloc(n, file, line);
	if (!q)
		return NULL;
	memcpy(q, p, ((struct hdr *)p - 1)->size < n ? ((struct hdr *)p - 1)->size : n);
	hook_free(p, file, line);	/* the old block is given back as it is */
	return q;
}

static char dir[64];
static int hooked;

/* Before anything else of the process runs: OpenSSL takes it only before its first allocation. */
__attribute__((constructor(101))) static void hook(void)
{
	hooked = CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free);
}

static void setup(void)
{
	cr_assert_eq(hooked, 1, "OpenSSL allocated before the test could watch it");
	cr_assert_eq(crypto_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/skua-keywipe-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	crypto_fini();
}

TestSuite(key_wipe, .init = setup, .fini = teardown, .timeout = 60);

_Static_assert(__BYTE_ORDER == __LITTLE_ENDIAN, "the search reads BIGNUM words as bytes");

/*
 * A key of this kind written to a 0600 PEM file, with the first bytes of
 * its secret (param: an OpenSSL parameter name) in pattern[].
 */
static const char *key_file(const char *name, EVP_PKEY *k, const char *param, bool octets)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	cr_assert_eq(chmod(path, 0600), 0);
	if (octets) {
		size_t n = 0;

		cr_assert(EVP_PKEY_get_octet_string_param(k, param, pattern, sizeof(pattern), &n));
		pattern_len = n;
	} else {
		BIGNUM *bn = NULL;
		uint8_t buf[1024];
		int n;

		/*
		 * A BIGNUM holds its value as machine words, least significant
		 * first: on a little-endian machine, its little-endian bytes.
		 */
		cr_assert(EVP_PKEY_get_bn_param(k, param, &bn));
		n = BN_num_bytes(bn);
		cr_assert_gt(n, (int)sizeof(pattern));
		cr_assert_eq(BN_bn2lebinpad(bn, buf, n), n);
		pattern_len = sizeof(pattern);
		memcpy(pattern, buf + n / 2 - 16, pattern_len);	/* from the middle */
		OPENSSL_cleanse(buf, sizeof(buf));
		BN_clear_free(bn);
	}
	return path;
}

/* Load the key from its file, then release it while watching what is freed. */
static void released_wiped(const char *path, const char *what)
{
	struct crypto_privkey *k = NULL;
	char err[256];

	cr_assert_eq(crypto_privkey_load_file(path, NULL, &k, err, sizeof(err)), 0, "%s", err);
	found = 0;
	armed = true;
	crypto_privkey_unref(k);
	armed = false;
	cr_assert_eq(found, 0, "%s: %u freed blocks still held the private key", what, found);
}

Test(key_wipe, control_an_unwiped_secret_is_found)
{
	uint8_t *p = OPENSSL_malloc(100);

	pattern_len = sizeof(pattern);
	memset(pattern, 0xa7, sizeof(pattern));
	memcpy(p + 30, pattern, sizeof(pattern));
	found = 0;
	armed = true;
	OPENSSL_free(p);
	armed = false;
	cr_assert_eq(found, 1, "the search does not see a secret freed as it is");
	p = OPENSSL_malloc(100);
	memcpy(p + 30, pattern, sizeof(pattern));
	armed = true;
	OPENSSL_clear_free(p, 100);
	armed = false;
	cr_assert_eq(found, 1, "a wiped block was taken for a secret");
}

Test(key_wipe, rsa, .timeout = 120)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	const char *path;

	cr_assert_not_null(k);
	path = key_file("rsa", k, OSSL_PKEY_PARAM_RSA_D, false);
	EVP_PKEY_free(k);
	released_wiped(path, "RSA-2048");
}

Test(key_wipe, ecdsa)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	const char *path;

	cr_assert_not_null(k);
	path = key_file("p384", k, OSSL_PKEY_PARAM_PRIV_KEY, false);
	EVP_PKEY_free(k);
	released_wiped(path, "ECDSA P-384");
}

Test(key_wipe, ed25519)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	const char *path;

	cr_assert_not_null(k);
	path = key_file("ed25519", k, OSSL_PKEY_PARAM_PRIV_KEY, true);
	EVP_PKEY_free(k);
	released_wiped(path, "Ed25519");
}
