/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_HASH_H
#define SKUA_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum { CRYPTO_SHA1_LEN = 20, CRYPTO_SHA256_LEN = 32 };

/*
 * Plain digests of data given in parts: SHA-1 for the NAT detection
 * notifies (RFC 7296 2.23), SHA-256 for stateless cookies. Return 0 or
 * -EIO. Context: any thread; the digests are fetched once.
 */
int crypto_sha1(const struct iovec *iov, int n, uint8_t out[CRYPTO_SHA1_LEN]);
int crypto_sha256(const struct iovec *iov, int n, uint8_t out[CRYPTO_SHA256_LEN]);

#endif
