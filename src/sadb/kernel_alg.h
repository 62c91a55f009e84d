/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_ALG_H
#define SKUA_SADB_KERNEL_ALG_H

#include <stdbool.h>
#include <stdint.h>

/*
 * IKEv2 ESP/AH/IPComp transform IDs (IANA "IKEv2 Parameters"; the same
 * numbers as ike/v2_types.h, repeated here because sadb may not include
 * ike) and what each is called by XFRM (crypto API names) and PF_KEY v2
 * (SADB_*ALG_* numbers).
 */
enum kernel_alg_ike_id {
	KERNEL_ENCR_3DES = 3,
	KERNEL_ENCR_NULL = 11,
	KERNEL_ENCR_AES_CBC = 12,
	KERNEL_ENCR_AES_CTR = 13,
	KERNEL_ENCR_AES_GCM_8 = 18,
	KERNEL_ENCR_AES_GCM_12 = 19,
	KERNEL_ENCR_AES_GCM_16 = 20,
	KERNEL_ENCR_CHACHA20_POLY1305 = 28,

	KERNEL_INTEG_NONE = 0,
	KERNEL_INTEG_HMAC_MD5_96 = 1,
	KERNEL_INTEG_HMAC_SHA1_96 = 2,
	KERNEL_INTEG_AES_XCBC_96 = 5,
	KERNEL_INTEG_HMAC_SHA2_256_128 = 12,
	KERNEL_INTEG_HMAC_SHA2_384_192 = 13,
	KERNEL_INTEG_HMAC_SHA2_512_256 = 14,

	KERNEL_IPCOMP_DEFLATE = 2, /* RFC 7296 IPCOMP_DEFLATE */
};

enum kernel_alg_kind {
	KERNEL_ALG_CIPHER, /* ESP encryption, needs an integrity algorithm beside it
			    */
	KERNEL_ALG_AEAD,   /* ESP combined mode: the ICV length is the algorithm's */
	KERNEL_ALG_INTEG,  /* ESP or AH integrity, truncated to trunc_bits */
	KERNEL_ALG_COMP,   /* IPComp */
};

/* Owner: static, immutable table; any thread. */
struct kernel_alg {
	uint16_t ike_id;
	enum kernel_alg_kind kind;
	const char *xfrm_name; /* Linux crypto API name */
	uint8_t sadb_id;       /* PF_KEY v2 number; 0: not expressible by PF_KEY */
	uint16_t bits;	       /* INTEG: truncation; AEAD: ICV */
	uint8_t salt;	       /* bytes of salt/nonce at the end of the key */
};

/*
 * The table entry of an IKEv2 ENCR, INTEG or IPComp ID, or NULL when the
 * kernel backends do not know it.
 * Context: any thread; pure.
 */
const struct kernel_alg *kernel_alg_encr(uint16_t ike_id);
const struct kernel_alg *kernel_alg_integ(uint16_t ike_id);
const struct kernel_alg *kernel_alg_comp(uint16_t ike_id);

/*
 * Reverse lookups for decoding kernel dumps: the ENCR/AEAD entry called
 * name with that ICV length (bits 0 for a cipher), the INTEG entry called
 * name truncated to bits, or NULL.
 * Context: any thread; pure.
 */
const struct kernel_alg *kernel_alg_by_xfrm_name(enum kernel_alg_kind kind, const char *name,
						 unsigned bits);

#endif
