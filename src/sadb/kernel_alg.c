/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv2 transform IDs to kernel algorithm names. One table so that the
 * XFRM and PF_KEY backends agree on what an ID means.
 */
#include "sadb/kernel_alg.h"

#include <linux/pfkeyv2.h>
#include <stddef.h>
#include <string.h>

/*
 * PF_KEY on Linux (af_key) has no AEAD at all, so the AEAD rows carry
 * sadb_id 0 even where RFC numbers exist. Linux af_key also truncates
 * SADB_X_AALG_SHA2_256HMAC to 96 bits (pre-RFC 4868 behaviour); the PF_KEY
 * backend refuses SHA2-256-128 on Linux for that reason (kernel_pfkey.c).
 */
static const struct kernel_alg algs[] = {
	{KERNEL_ENCR_3DES, KERNEL_ALG_CIPHER, "cbc(des3_ede)", SADB_EALG_3DESCBC, 0, 0},
	{KERNEL_ENCR_NULL, KERNEL_ALG_CIPHER, "ecb(cipher_null)", SADB_EALG_NULL, 0, 0},
	{KERNEL_ENCR_AES_CBC, KERNEL_ALG_CIPHER, "cbc(aes)", SADB_X_EALG_AESCBC, 0, 0},
	{KERNEL_ENCR_AES_CTR, KERNEL_ALG_CIPHER, "rfc3686(ctr(aes))", SADB_X_EALG_AESCTR, 0, 4},
	{KERNEL_ENCR_AES_GCM_8, KERNEL_ALG_AEAD, "rfc4106(gcm(aes))", 0, 64, 4},
	{KERNEL_ENCR_AES_GCM_12, KERNEL_ALG_AEAD, "rfc4106(gcm(aes))", 0, 96, 4},
	{KERNEL_ENCR_AES_GCM_16, KERNEL_ALG_AEAD, "rfc4106(gcm(aes))", 0, 128, 4},
	{KERNEL_ENCR_CHACHA20_POLY1305, KERNEL_ALG_AEAD, "rfc7539esp(chacha20,poly1305)", 0, 128,
	 4},

	{KERNEL_INTEG_HMAC_MD5_96, KERNEL_ALG_INTEG, "hmac(md5)", SADB_AALG_MD5HMAC, 96, 0},
	{KERNEL_INTEG_HMAC_SHA1_96, KERNEL_ALG_INTEG, "hmac(sha1)", SADB_AALG_SHA1HMAC, 96, 0},
	{KERNEL_INTEG_AES_XCBC_96, KERNEL_ALG_INTEG, "xcbc(aes)", SADB_X_AALG_AES_XCBC_MAC, 96, 0},
	{KERNEL_INTEG_HMAC_SHA2_256_128, KERNEL_ALG_INTEG, "hmac(sha256)", SADB_X_AALG_SHA2_256HMAC,
	 128, 0},
	{KERNEL_INTEG_HMAC_SHA2_384_192, KERNEL_ALG_INTEG, "hmac(sha384)", SADB_X_AALG_SHA2_384HMAC,
	 192, 0},
	{KERNEL_INTEG_HMAC_SHA2_512_256, KERNEL_ALG_INTEG, "hmac(sha512)", SADB_X_AALG_SHA2_512HMAC,
	 256, 0},

	{KERNEL_IPCOMP_DEFLATE, KERNEL_ALG_COMP, "deflate", SADB_X_CALG_DEFLATE, 0, 0},
};

static const struct kernel_alg *find(uint16_t id, bool (*want)(enum kernel_alg_kind))
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].ike_id == id && want(algs[i].kind))
			return &algs[i];
	return NULL;
}

static bool is_encr(enum kernel_alg_kind k)
{
	return k == KERNEL_ALG_CIPHER || k == KERNEL_ALG_AEAD;
}

static bool is_integ(enum kernel_alg_kind k)
{
	return k == KERNEL_ALG_INTEG;
}

static bool is_comp(enum kernel_alg_kind k)
{
	return k == KERNEL_ALG_COMP;
}

const struct kernel_alg *kernel_alg_encr(uint16_t ike_id)
{
	return find(ike_id, is_encr);
}

const struct kernel_alg *kernel_alg_integ(uint16_t ike_id)
{
	return find(ike_id, is_integ);
}

const struct kernel_alg *kernel_alg_comp(uint16_t ike_id)
{
	return find(ike_id, is_comp);
}

const struct kernel_alg *kernel_alg_by_xfrm_name(enum kernel_alg_kind kind, const char *name,
						 unsigned bits)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct kernel_alg *a = &algs[i];

		if (a->kind != kind || strcmp(a->xfrm_name, name) != 0)
			continue;
		if (kind == KERNEL_ALG_CIPHER || kind == KERNEL_ALG_COMP || a->bits == bits)
			return a;
	}
	return NULL;
}
