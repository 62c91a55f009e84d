/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/prf.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"
#include "ike/v2/types.h"

static const struct {
	uint16_t prf;
	int md;			/* enum crypto_md */
	uint8_t len;
} prfs[] = {
	{ V2_PRF_HMAC_SHA1, CRYPTO_MD_SHA1, 20 },
	{ V2_PRF_HMAC_SHA2_256, CRYPTO_MD_SHA256, 32 },
	{ V2_PRF_HMAC_SHA2_384, CRYPTO_MD_SHA384, 48 },
	{ V2_PRF_HMAC_SHA2_512, CRYPTO_MD_SHA512, 64 },
};

static const uint8_t md_len[CRYPTO_MD_COUNT] = { 20, 32, 48, 64 };

static int prf_find(uint16_t prf)
{
	for (size_t i = 0; i < sizeof(prfs) / sizeof(prfs[0]); i++)
		if (prfs[i].prf == prf)
			return (int)i;
	return -1;
}

size_t crypto_prf_len(uint16_t prf)
{
	int i = prf_find(prf);

	return i < 0 ? 0 : prfs[i].len;
}

/*
 * One HMAC context per thread and digest, duplicated from the template on
 * first use and keyed anew for every MAC. Duplicating and freeing a context
 * per MAC makes OpenSSL 3.0 update the shared reference counts of the digest
 * and the MAC, and two workers on two cores then fight over those cache
 * lines: 14 MACs (a responder's handshake) took 14 us on one core and 24 us
 * on each of two at once; with a context per thread, 8 us either way.
 * hmac_done() keys the context with the empty key after each use, which
 * replaces OpenSSL's copy of the key and its hashed pads: no keyed state
 * outlives the call. Freed at the thread's exit (the key's destructor) or by
 * crypto_hmac_thread_free().
 */
static _Thread_local EVP_MAC_CTX *thread_hmac[CRYPTO_MD_COUNT];
static const uint8_t no_key[1];	/* EVP_MAC_init() wants a pointer even for 0 bytes */
static pthread_key_t thread_hmac_key;
static pthread_once_t thread_hmac_once = PTHREAD_ONCE_INIT;
static bool thread_hmac_key_ok;

void crypto_hmac_thread_free(void)
{
	for (int md = 0; md < CRYPTO_MD_COUNT; md++) {
		EVP_MAC_CTX_free(thread_hmac[md]);
		thread_hmac[md] = NULL;
	}
}

static void thread_hmac_exit(void *unused)
{
	(void)unused;
	crypto_hmac_thread_free();
}

static void thread_hmac_key_make(void)
{
	thread_hmac_key_ok = pthread_key_create(&thread_hmac_key, thread_hmac_exit) == 0;
}

/* This thread's context for md, keyed with key; NULL on failure. */
static EVP_MAC_CTX *hmac_keyed(int md, const uint8_t *key, size_t keylen)
{
	EVP_MAC_CTX *ctx = thread_hmac[md];

	if (!ctx) {
		const struct crypto_algs *algs = crypto_algs();

		pthread_once(&thread_hmac_once, thread_hmac_key_make);
		/* without the key's destructor the context would outlive the thread */
		if (!algs || !thread_hmac_key_ok ||
		    pthread_setspecific(thread_hmac_key, thread_hmac) != 0)
			return NULL;
		ctx = thread_hmac[md] = EVP_MAC_CTX_dup(algs->hmac_tmpl[md]);
		if (!ctx)
			return NULL;
	}
	if (!EVP_MAC_init(ctx, keylen ? key : no_key, keylen, NULL)) {
		EVP_MAC_CTX_free(ctx);	/* cleanses whatever it held */
		thread_hmac[md] = NULL;
		return NULL;
	}
	return ctx;
}

/* Done with this thread's context for md: forget the key (see above). */
static void hmac_done(int md)
{
	if (thread_hmac[md] && !EVP_MAC_init(thread_hmac[md], no_key, 0, NULL)) {
		EVP_MAC_CTX_free(thread_hmac[md]);
		thread_hmac[md] = NULL;
	}
}

/*
 * out = the first outlen bytes of the MAC of data under ctx's key. again:
 * ctx has been used before: start over with the same key, which skips
 * hashing the key and its pads again. Returns 0 or -EIO.
 */
static int hmac_run(EVP_MAC_CTX *ctx, int md, bool again, const struct iovec *data, int ndata,
		    uint8_t *out, size_t outlen)
{
	uint8_t full[CRYPTO_PRF_MAX];
	size_t len = 0;
	int ret = -EIO;

	if (again && !EVP_MAC_init(ctx, NULL, 0, NULL))
		goto out;
	for (int i = 0; i < ndata; i++)
		if (data[i].iov_len && !EVP_MAC_update(ctx, data[i].iov_base, data[i].iov_len))
			goto out;
	if (!EVP_MAC_final(ctx, full, &len, sizeof(full)) || len != md_len[md])
		goto out;
	memcpy(out, full, outlen);
	ret = 0;
out:
	crypto_wipe(full, sizeof(full));
	return ret;
}

int crypto_hmac(int md, const uint8_t *key, size_t keylen, const struct iovec *data, int ndata,
		uint8_t *out, size_t outlen)
{
	EVP_MAC_CTX *ctx;
	int ret;

	if (md < 0 || md >= CRYPTO_MD_COUNT || outlen > md_len[md] || ndata < 0 ||
	    ndata > CRYPTO_PRF_MAX_IOV)
		return -EINVAL;
	ctx = hmac_keyed(md, key, keylen);
	if (!ctx)
		return -EIO;
	ret = hmac_run(ctx, md, false, data, ndata, out, outlen);
	hmac_done(md);
	return ret;
}

int crypto_prf(uint16_t prf, const uint8_t *key, size_t keylen, const struct iovec *data,
	       int ndata, uint8_t *out)
{
	int i = prf_find(prf);

	if (i < 0)
		return -ENOTSUP;
	return crypto_hmac(prfs[i].md, key, keylen, data, ndata, out, prfs[i].len);
}

int crypto_prf_plusv(uint16_t prf, const uint8_t *key, size_t keylen, const struct iovec *seed,
		     int nseed, uint8_t *out, size_t outlen)
{
	struct iovec iov[CRYPTO_PRF_MAX_IOV];
	uint8_t t[CRYPTO_PRF_MAX];
	int i = prf_find(prf);
	size_t plen, done = 0;
	EVP_MAC_CTX *ctx = NULL;
	uint8_t n = 1;
	int ret = -ENOTSUP;

	if (i < 0)
		goto out;
	plen = prfs[i].len;
	ret = -EINVAL;
	if (outlen > 255 * plen || nseed < 0 || nseed > CRYPTO_PRF_MAX_IOV - 2)
		goto out;
	ret = -EIO;
	/* Every block is under the same key: hash it and its pads once. */
	if (outlen > 0 && !(ctx = hmac_keyed(prfs[i].md, key, keylen)))
		goto out;
	ret = 0;
	while (done < outlen) {
		size_t take = outlen - done < plen ? outlen - done : plen;
		int k = 0;

		/* T(n) = prf(K, T(n-1) | S | n); T(0) is empty. */
		if (n > 1)
			iov[k++] = (struct iovec){ .iov_base = t, .iov_len = plen };
		for (int j = 0; j < nseed; j++)
			iov[k++] = seed[j];
		iov[k++] = (struct iovec){ .iov_base = &n, .iov_len = 1 };
		ret = hmac_run(ctx, prfs[i].md, n > 1, iov, k, t, plen);
		if (ret < 0)
			goto out;
		memcpy(out + done, t, take);
		done += take;
		n++;
	}
out:
	if (ctx)
		hmac_done(prfs[i].md);
	crypto_wipe(t, sizeof(t));
	if (ret < 0 && out)
		crypto_wipe(out, outlen);
	return ret;
}

int crypto_prf_plus(uint16_t prf, const uint8_t *key, size_t keylen, const uint8_t *seed,
		    size_t seedlen, uint8_t *out, size_t outlen)
{
	struct iovec iov = { .iov_base = (void *)seed, .iov_len = seedlen };

	return crypto_prf_plusv(prf, key, keylen, &iov, 1, out, outlen);
}
