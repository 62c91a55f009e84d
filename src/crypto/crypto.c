/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/crypto.h"
#include "crypto/prf.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

static struct crypto_algs algs;
static atomic_bool algs_ready;
static pthread_mutex_t algs_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const md_names[CRYPTO_MD_COUNT] = {
	[CRYPTO_MD_SHA1] = "SHA1",
	[CRYPTO_MD_SHA256] = "SHA2-256",
	[CRYPTO_MD_SHA384] = "SHA2-384",
	[CRYPTO_MD_SHA512] = "SHA2-512",
};

static const char *const cbc_names[CRYPTO_AES_COUNT] = {
	"AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
};

static const char *const gcm_names[CRYPTO_AES_COUNT] = {
	"AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
};

static void algs_release(struct crypto_algs *a)
{
	for (int i = 0; i < CRYPTO_MD_COUNT; i++)
		EVP_MAC_CTX_free(a->hmac_tmpl[i]);
	EVP_MAC_free(a->hmac);
	for (int i = 0; i < CRYPTO_MD_COUNT; i++)
		EVP_MD_free(a->md[i]);
	for (int i = 0; i < CRYPTO_AES_COUNT; i++) {
		EVP_CIPHER_free(a->aes_cbc[i]);
		EVP_CIPHER_free(a->aes_gcm[i]);
	}
	EVP_CIPHER_free(a->chacha20_poly1305);
	EVP_CIPHER_free(a->des_ede3_cbc);
	for (int i = 0; i < CRYPTO_KE_GROUP_LIMIT; i++)
		EVP_PKEY_free(a->ke_params[i]);
	memset(a, 0, sizeof(*a));
}

/*
 * An HMAC context with its digest fetched and an empty key: duplicating
 * it and calling EVP_MAC_init() with the real key (and no parameters)
 * costs no fetch. A context without any key cannot be duplicated.
 */
static EVP_MAC_CTX *hmac_template(EVP_MAC *mac, const char *md)
{
	static const uint8_t nokey[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);

	if (ctx && !EVP_MAC_init(ctx, nokey, 0, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static int algs_fetch(struct crypto_algs *a)
{
	for (int i = 0; i < CRYPTO_MD_COUNT; i++) {
		a->md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
		if (!a->md[i])
			return -ENOTSUP;
	}
	a->hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!a->hmac)
		return -ENOTSUP;
	for (int i = 0; i < CRYPTO_MD_COUNT; i++) {
		a->hmac_tmpl[i] = hmac_template(a->hmac, md_names[i]);
		if (!a->hmac_tmpl[i])
			return -ENOTSUP;
	}
	for (int i = 0; i < CRYPTO_AES_COUNT; i++) {
		a->aes_cbc[i] = EVP_CIPHER_fetch(NULL, cbc_names[i], NULL);
		a->aes_gcm[i] = EVP_CIPHER_fetch(NULL, gcm_names[i], NULL);
		if (!a->aes_cbc[i] || !a->aes_gcm[i])
			return -ENOTSUP;
	}
	a->chacha20_poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (!a->chacha20_poly1305)
		return -ENOTSUP;
	/* optional: an OpenSSL without it refuses IKEv1 3DES when an SA would use it */
	a->des_ede3_cbc = EVP_CIPHER_fetch(NULL, "DES-EDE3-CBC", NULL);
	ERR_clear_error();
	return crypto_ke_params_init(a);
}

int crypto_init(void)
{
	int ret = 0;

	pthread_mutex_lock(&algs_lock);
	if (atomic_load_explicit(&algs_ready, memory_order_relaxed))
		goto out;
	ret = algs_fetch(&algs);
	if (ret < 0) {
		algs_release(&algs);
		goto out;
	}
	atomic_store_explicit(&algs_ready, true, memory_order_release);
out:
	pthread_mutex_unlock(&algs_lock);
	return ret;
}

void crypto_fini(void)
{
	crypto_hmac_thread_free();
	pthread_mutex_lock(&algs_lock);
	if (atomic_load_explicit(&algs_ready, memory_order_relaxed)) {
		atomic_store_explicit(&algs_ready, false, memory_order_relaxed);
		algs_release(&algs);
	}
	pthread_mutex_unlock(&algs_lock);
}

const struct crypto_algs *crypto_algs(void)
{
	if (atomic_load_explicit(&algs_ready, memory_order_acquire))
		return &algs;
	return crypto_init() == 0 ? &algs : NULL;
}

bool crypto_has_3des(void)
{
	const struct crypto_algs *a = crypto_algs();

	return a && a->des_ede3_cbc;
}

/*
 * Each thread draws random bytes from OpenSSL in blocks of RAND_BLOCK and
 * hands them out from there: RAND_bytes() costs the same for 8 bytes as
 * for 512 (its DRBG lock and its fork check, a getpid() system call each
 * time; about 1 % of a responder's CPU at one call per SPI, nonce and IV,
 * issue 14). A byte handed out is wiped from the block. A forked child
 * forgets its block (pthread_atfork), so it never repeats its parent's.
 */
enum { RAND_BLOCK = 512, RAND_DIRECT = 128 };

static _Thread_local struct {
	uint8_t b[RAND_BLOCK];
	unsigned left;			/* the last `left` bytes of b are unused */
} rand_block;
static pthread_once_t rand_once = PTHREAD_ONCE_INIT;

static void rand_forget(void)
{
	OPENSSL_cleanse(&rand_block, sizeof(rand_block));
}

static void rand_register(void)
{
	pthread_atfork(NULL, NULL, rand_forget);
}

int crypto_random(void *buf, size_t len)
{
	uint8_t *src;

	if (len == 0)
		return 0;
	if (len > INT32_MAX)
		return -EINVAL;
	if (len > RAND_DIRECT)
		return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
	if (rand_block.left < len) {
		pthread_once(&rand_once, rand_register);
		if (RAND_bytes(rand_block.b, RAND_BLOCK) != 1) {
			rand_forget();
			return -EIO;
		}
		rand_block.left = RAND_BLOCK;
	}
	src = rand_block.b + RAND_BLOCK - rand_block.left;
	memcpy(buf, src, len);
	OPENSSL_cleanse(src, len);
	rand_block.left -= (unsigned)len;
	return 0;
}

bool crypto_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}
