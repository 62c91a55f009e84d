/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/hash.h"

#include <errno.h>
#include <pthread.h>

#include <openssl/evp.h>

static EVP_MD *sha1, *sha256;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int digest(const EVP_MD *md, const struct iovec *iov, int n, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -EIO;

	if (!md || !ctx || !EVP_DigestInit_ex(ctx, md, NULL))
		goto out;
	for (int i = 0; i < n; i++)
		if (!EVP_DigestUpdate(ctx, iov[i].iov_base, iov[i].iov_len))
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, NULL))
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int crypto_sha1(const struct iovec *iov, int n, uint8_t out[CRYPTO_SHA1_LEN])
{
	pthread_once(&once, fetch);
	return digest(sha1, iov, n, out);
}

int crypto_sha256(const struct iovec *iov, int n, uint8_t out[CRYPTO_SHA256_LEN])
{
	pthread_once(&once, fetch);
	return digest(sha256, iov, n, out);
}
