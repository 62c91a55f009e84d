/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_PRF_H
#define SKUA_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * The IKEv2 pseudo-random functions (RFC 7296 2.13, 3.3.2) for the HMAC
 * PRFs of enum v2_prf: PRF_HMAC_SHA1 (RFC 2104), PRF_HMAC_SHA2_256/384/512
 * (RFC 4868). Keys of any length are accepted (HMAC hashes long keys).
 * Data is given as an iovec array so that callers never concatenate
 * (Ni | Nr, signed octets, ...); ndata may be 0.
 */

/* Largest PRF output (HMAC-SHA2-512), in bytes. */
enum { CRYPTO_PRF_MAX = 64, CRYPTO_PRF_MAX_IOV = 16 };

/* Output length of prf in bytes; 0 if unsupported. Context: any thread. */
size_t crypto_prf_len(uint16_t prf);

/*
 * out = prf(key, data[0] | ... | data[ndata-1]); out holds
 * crypto_prf_len(prf) bytes. Returns 0, -ENOTSUP, -EINVAL (ndata out of
 * 0..CRYPTO_PRF_MAX_IOV) or -EIO.
 * Context: any thread; the caller owns every buffer.
 */
int crypto_prf(uint16_t prf, const uint8_t *key, size_t keylen, const struct iovec *data,
	       int ndata, uint8_t *out);

/*
 * prf+ (RFC 7296 2.13): out = T1 | T2 | ... truncated to outlen, where
 * T1 = prf(K, S | 0x01) and Tn = prf(K, Tn-1 | S | n). Refuses
 * outlen > 255 * crypto_prf_len(prf) with -EINVAL. out is wiped on error.
 * Context: any thread.
 */
int crypto_prf_plus(uint16_t prf, const uint8_t *key, size_t keylen, const uint8_t *seed,
		    size_t seedlen, uint8_t *out, size_t outlen);

/*
 * prf+ with the seed S given in parts (at most CRYPTO_PRF_MAX_IOV - 2).
 * Context: any thread.
 */
int crypto_prf_plusv(uint16_t prf, const uint8_t *key, size_t keylen, const struct iovec *seed,
		     int nseed, uint8_t *out, size_t outlen);

/*
 * Module-internal: HMAC with the digest of an enum crypto_md, output
 * truncated to outlen (<= digest length): the PRFs and the integrity
 * transforms share it. Returns 0, -EINVAL or -EIO.
 * Context: any thread.
 */
int crypto_hmac(int md, const uint8_t *key, size_t keylen, const struct iovec *data, int ndata,
		uint8_t *out, size_t outlen);

/*
 * Module-internal: free the calling thread's HMAC contexts (crypto_hmac()
 * keeps one per digest, keyless between calls; other threads free theirs
 * as they exit). Context: crypto_fini().
 */
void crypto_hmac_thread_free(void);

#endif
