/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_CRYPTO_H
#define SKUA_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/*
 * The IKEv2 crypto layer on OpenSSL 3 (EVP only).
 *
 * Conventions shared by crypto.h, ke.h, prf.h, ikev2_keys.h and sk.h:
 *
 * - Algorithms are IANA numbers from ike/v2_types.h (enum v2_dh, v2_prf,
 *   v2_integ, v2_encr) or a struct v2_suite; an unknown or unsupported
 *   number is -ENOTSUP, a wrong size or malformed argument -EINVAL.
 * - int functions return 0 (or a length, where the header says so) or a
 *   negative errno: -EINVAL (bad argument or peer value), -ENOTSUP
 *   (algorithm not supported), -EMSGSIZE (output buffer too small),
 *   -ENOMEM, -EBADMSG (an SK payload that does not authenticate or
 *   decode; never says why), -EIO (OpenSSL failed where it should not).
 * - Pure functions: no logging, no global mutable state after
 *   crypto_init(). Every function may be called from any thread at once;
 *   objects (struct crypto_ke, struct crypto_sk, struct ikev2_keys) are
 *   owned by one thread at a time, typically a crypto job or an SA owner.
 * - Algorithms (EVP_MAC, EVP_CIPHER, group parameters) are fetched once,
 *   by crypto_init(), into a read-only table; contexts are created per
 *   call, except HMAC's: each thread keeps one per digest, duplicated once
 *   from a prepared template and keyed anew per MAC (prf.c says why), with
 *   no key left in it between calls. Functions called before crypto_init() run
 *   it themselves, but the daemon calls it at start-up so that a missing
 *   algorithm is reported once, at start.
 * - Secret outputs (shared secrets, keys, plaintext on failure) are
 *   wiped by the function that produced them on every error path;
 *   callers wipe theirs with crypto_wipe(). Nothing here logs.
 * - Byte strings are big-endian, as on the wire.
 */

/*
 * Fetch every algorithm and prepare group parameters. Idempotent.
 * Returns 0, -ENOTSUP (an algorithm is missing from the default
 * provider) or -ENOMEM.
 * Context: main thread at start-up (any thread is safe: a mutex guards it).
 */
int crypto_init(void);

/*
 * Release the table. Context: main thread, after every thread that used
 * crypto has been joined; crypto_init() may be called again afterwards.
 */
void crypto_fini(void);

/*
 * Fill buf with len bytes from the OpenSSL DRBG (small requests from a
 * per-thread block drawn from it, wiped as it is handed out; a forked
 * child starts a block of its own). Returns 0 or -EIO. Context: any thread.
 */
int crypto_random(void *buf, size_t len);

/*
 * Constant-time comparison of len bytes (time depends on len only).
 * Context: any thread.
 */
bool crypto_memeq(const void *a, const void *b, size_t len);

/* Wipe len bytes so that the compiler cannot elide it. Context: any thread. */
void crypto_wipe(void *p, size_t len);

/* Module-internal from here on. */
enum crypto_md {
	CRYPTO_MD_SHA1,
	CRYPTO_MD_SHA256,
	CRYPTO_MD_SHA384,
	CRYPTO_MD_SHA512,
	CRYPTO_MD_COUNT,
};

enum crypto_aes {
	CRYPTO_AES128,
	CRYPTO_AES192,
	CRYPTO_AES256,
	CRYPTO_AES_COUNT,
};

enum { CRYPTO_KE_GROUP_LIMIT = 33 };	/* IANA group numbers below this */

/*
 * The algorithm table filled by crypto_init().
 * Owner: crypto.c; written only inside crypto_init()/crypto_fini() under
 * their mutex, read-only (and so shared by every thread) in between.
 */
struct crypto_algs {
	EVP_MD *md[CRYPTO_MD_COUNT];			/* signatures (sig.c) */
	EVP_MAC *hmac;
	EVP_MAC_CTX *hmac_tmpl[CRYPTO_MD_COUNT];	/* digest set, empty key: dup then key */
	EVP_CIPHER *aes_cbc[CRYPTO_AES_COUNT];
	EVP_CIPHER *aes_gcm[CRYPTO_AES_COUNT];
	EVP_CIPHER *chacha20_poly1305;
	EVP_CIPHER *des_ede3_cbc;			/* IKEv1's 3DES; NULL: this OpenSSL has none */
	EVP_PKEY *ke_params[CRYPTO_KE_GROUP_LIMIT];	/* by IANA number; NULL: none */
};

/*
 * The table, initialising it on first use. NULL if crypto_init() failed.
 * Context: any thread; module-internal.
 */
const struct crypto_algs *crypto_algs(void);

/* Whether this OpenSSL has 3DES-CBC (IKEv1's and SK's 3DES). Context: any thread. */
bool crypto_has_3des(void);

/*
 * Module-internal: build ke group parameters into algs->ke_params (ke.c).
 * Context: crypto_init() only.
 */
int crypto_ke_params_init(struct crypto_algs *algs);

#endif
