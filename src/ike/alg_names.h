/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_ALG_NAMES_H
#define SKUA_IKE_ALG_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/types.h"

/*
 * The algorithm names of libreswan's ike= and esp= syntax (lower case, as
 * typed; matched case-insensitively) and the upper-case names pluto prints
 * in status lines (AES_GCM_16_256, HMAC_SHA2_512, DH19). One table per
 * transform type; aliases map to the same IANA number and are left out of
 * the "expected one of" lists in error messages.
 */

enum alg_flags {
	ALG_AEAD = 1 << 0,	/* encr: authenticated; takes no INTEG transform */
	ALG_KEYLEN = 1 << 1,	/* encr: Key Length attribute of 128, 192 or 256 required */
	ALG_WEAK = 1 << 2,	/* allowed when named explicitly, never in the defaults */
	ALG_ALIAS = 1 << 3,	/* another spelling: not listed in error messages */
	ALG_NOT_IKE = 1 << 4,	/* encr: refused for IKE (NULL encryption) */
};

/* Owner: static, read-only tables. */
struct alg_name {
	const char *name;	/* as in ike=/esp=, lower case */
	uint8_t type;		/* enum v2_transform_type */
	uint16_t id;		/* IANA transform ID */
	uint16_t flags;		/* enum alg_flags */
	const char *refused;	/* non-NULL: refused outright; why, for the message */
};

/*
 * The entry of type named exactly s[0..len) (case-insensitive), or NULL.
 * INTEG knows "none"/"null" (V2_INTEG_NONE). ENCR names carry no key
 * length here: see alg_encr_parse().
 * Context: any thread; the result is static.
 */
const struct alg_name *alg_name_find(uint8_t type, const char *s, size_t len);

/*
 * An encryption token with its optional key length: "aes", "aes128",
 * "aes_cbc_256", "aes_gcm16_128", "aes_gcm_c_256", "chacha20_poly1305".
 * *entry is the algorithm, *keylen the bits named (0: none named).
 * Returns 0; -ENOENT when no name matches; -ERANGE when a name matches
 * but the key length after it is not valid for it (*entry and *keylen
 * then describe the closest reading, for the message).
 * Context: any thread.
 */
int alg_encr_parse(const char *s, size_t len, const struct alg_name **entry, uint16_t *keylen);

/*
 * "a, b, c": the canonical (non-alias, non-refused) names of type, for
 * "expected one of" messages; NUL-terminated, truncated to size.
 * Context: any thread. Returns buf.
 */
const char *alg_name_list(uint8_t type, char *buf, size_t size);

/* Predicates on IANA numbers. Context: any thread. */
bool alg_encr_is_aead(uint16_t encr);
bool alg_encr_needs_keylen(uint16_t encr);	/* AES: Key Length attribute mandatory */
bool alg_encr_keylen_is_valid(uint16_t encr, uint16_t keylen);	/* 0 for fixed ciphers */
bool alg_dh_is_weak(uint16_t dh);

/*
 * The INTEG transform using the PRF's hash (HMAC_SHA2_256 -> HMAC_SHA2_256_128),
 * or V2_INTEG_NONE when there is none. Context: any thread.
 */
uint16_t alg_integ_of_prf(uint16_t prf);

/*
 * Status names: "AES_GCM_16_256", "AES_CBC_128", "CHACHA20_POLY1305",
 * "HMAC_SHA2_512", "HMAC_SHA2_256_128", "NONE", "MODP2048", "DH19", "DH31";
 * unknown numbers print as "ENCR_99", "PRF_99", "INTEG_99", "DH99".
 * Write into buf (size >= ALG_NAME_MAX never truncates) and return it.
 * Context: any thread.
 */
enum { ALG_NAME_MAX = 32 };
const char *alg_encr_name(uint16_t id, uint16_t keylen, char *buf, size_t size);
const char *alg_prf_name(uint16_t id, char *buf, size_t size);
const char *alg_integ_name(uint16_t id, char *buf, size_t size);
const char *alg_dh_name(uint16_t id, char *buf, size_t size);

/* Any transform by its type; "ESN"/"NO_ESN" for ESN. Context: any thread. */
const char *alg_transform_name(const struct v2_transform *t, char *buf, size_t size);

#endif
