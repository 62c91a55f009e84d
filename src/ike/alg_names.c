/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/alg_names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Spellings follow ipsec.conf(5): libreswan accepts aes_gcm, aes_gcm_c,
 * aes_gcm16 and aes_gcm_16 for the 16-octet ICV variant, sha for sha1,
 * sha2 for sha2_256, modpNNNN, dhNN, ecp_NNN and the curve names.
 */
static const struct alg_name encr_names[] = {
	{ "3des", V2_TRANS_ENCR, V2_ENCR_3DES, 0, NULL },
	{ "3des_cbc", V2_TRANS_ENCR, V2_ENCR_3DES, ALG_ALIAS, NULL },
	{ "aes", V2_TRANS_ENCR, V2_ENCR_AES_CBC, ALG_KEYLEN, NULL },
	{ "aes_cbc", V2_TRANS_ENCR, V2_ENCR_AES_CBC, ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_ctr", V2_TRANS_ENCR, V2_ENCR_AES_CTR, ALG_KEYLEN, NULL },
	{ "aesctr", V2_TRANS_ENCR, V2_ENCR_AES_CTR, ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_gcm", V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, ALG_AEAD | ALG_KEYLEN, NULL },
	{ "aes_gcm_c", V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_gcm16", V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_gcm_16", V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS,
	  NULL },
	{ "aes_gcm_8", V2_TRANS_ENCR, V2_ENCR_AES_GCM_8, ALG_AEAD | ALG_KEYLEN, NULL },
	{ "aes_gcm_a", V2_TRANS_ENCR, V2_ENCR_AES_GCM_8, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_gcm8", V2_TRANS_ENCR, V2_ENCR_AES_GCM_8, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_gcm_12", V2_TRANS_ENCR, V2_ENCR_AES_GCM_12, ALG_AEAD | ALG_KEYLEN, NULL },
	{ "aes_gcm_b", V2_TRANS_ENCR, V2_ENCR_AES_GCM_12, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "aes_gcm12", V2_TRANS_ENCR, V2_ENCR_AES_GCM_12, ALG_AEAD | ALG_KEYLEN | ALG_ALIAS, NULL },
	{ "chacha20_poly1305", V2_TRANS_ENCR, V2_ENCR_CHACHA20_POLY1305, ALG_AEAD, NULL },
	{ "chacha20poly1305", V2_TRANS_ENCR, V2_ENCR_CHACHA20_POLY1305, ALG_AEAD | ALG_ALIAS,
	  NULL },
	{ "null", V2_TRANS_ENCR, V2_ENCR_NULL, ALG_NOT_IKE, NULL },
	{ "des", V2_TRANS_ENCR, 2, 0, "DES has a 56-bit key and is broken" },
};

static const struct alg_name prf_names[] = {
	{ "sha1", V2_TRANS_PRF, V2_PRF_HMAC_SHA1, 0, NULL },
	{ "sha", V2_TRANS_PRF, V2_PRF_HMAC_SHA1, ALG_ALIAS, NULL },
	{ "sha2_256", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0, NULL },
	{ "sha2", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, ALG_ALIAS, NULL },
	{ "sha256", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, ALG_ALIAS, NULL },
	{ "sha2_384", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_384, 0, NULL },
	{ "sha384", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_384, ALG_ALIAS, NULL },
	{ "sha2_512", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_512, 0, NULL },
	{ "sha512", V2_TRANS_PRF, V2_PRF_HMAC_SHA2_512, ALG_ALIAS, NULL },
	{ "md5", V2_TRANS_PRF, V2_PRF_HMAC_MD5, 0, "MD5 is broken" },
};

static const struct alg_name integ_names[] = {
	{ "sha1", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA1_96, 0, NULL },
	{ "sha", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA1_96, ALG_ALIAS, NULL },
	{ "sha1_96", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA1_96, ALG_ALIAS, NULL },
	{ "sha2_256", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, 0, NULL },
	{ "sha2", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, ALG_ALIAS, NULL },
	{ "sha256", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, ALG_ALIAS, NULL },
	{ "sha2_256_128", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, ALG_ALIAS, NULL },
	{ "sha2_384", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_384_192, 0, NULL },
	{ "sha384", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_384_192, ALG_ALIAS, NULL },
	{ "sha2_384_192", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_384_192, ALG_ALIAS, NULL },
	{ "sha2_512", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_512_256, 0, NULL },
	{ "sha512", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_512_256, ALG_ALIAS, NULL },
	{ "sha2_512_256", V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_512_256, ALG_ALIAS, NULL },
	{ "aes_xcbc", V2_TRANS_INTEG, V2_INTEG_AES_XCBC_96, 0, NULL },
	{ "aes_xcbc_96", V2_TRANS_INTEG, V2_INTEG_AES_XCBC_96, ALG_ALIAS, NULL },
	{ "none", V2_TRANS_INTEG, V2_INTEG_NONE, 0, NULL },
	{ "null", V2_TRANS_INTEG, V2_INTEG_NONE, ALG_ALIAS, NULL },
	{ "md5", V2_TRANS_INTEG, V2_INTEG_HMAC_MD5_96, 0, "MD5 is broken" },
	{ "md5_96", V2_TRANS_INTEG, V2_INTEG_HMAC_MD5_96, ALG_ALIAS, "MD5 is broken" },
};

static const struct alg_name dh_names[] = {
	{ "modp1024", V2_TRANS_DH, V2_DH_MODP1024, ALG_WEAK, NULL },
	{ "dh2", V2_TRANS_DH, V2_DH_MODP1024, ALG_WEAK | ALG_ALIAS, NULL },
	{ "modp1536", V2_TRANS_DH, V2_DH_MODP1536, ALG_WEAK, NULL },
	{ "dh5", V2_TRANS_DH, V2_DH_MODP1536, ALG_WEAK | ALG_ALIAS, NULL },
	{ "modp2048", V2_TRANS_DH, V2_DH_MODP2048, 0, NULL },
	{ "dh14", V2_TRANS_DH, V2_DH_MODP2048, ALG_ALIAS, NULL },
	{ "modp3072", V2_TRANS_DH, V2_DH_MODP3072, 0, NULL },
	{ "dh15", V2_TRANS_DH, V2_DH_MODP3072, ALG_ALIAS, NULL },
	{ "modp4096", V2_TRANS_DH, V2_DH_MODP4096, 0, NULL },
	{ "dh16", V2_TRANS_DH, V2_DH_MODP4096, ALG_ALIAS, NULL },
	{ "modp6144", V2_TRANS_DH, V2_DH_MODP6144, 0, NULL },
	{ "dh17", V2_TRANS_DH, V2_DH_MODP6144, ALG_ALIAS, NULL },
	{ "modp8192", V2_TRANS_DH, V2_DH_MODP8192, 0, NULL },
	{ "dh18", V2_TRANS_DH, V2_DH_MODP8192, ALG_ALIAS, NULL },
	{ "dh19", V2_TRANS_DH, V2_DH_ECP256, 0, NULL },
	{ "ecp_256", V2_TRANS_DH, V2_DH_ECP256, ALG_ALIAS, NULL },
	{ "ecp256", V2_TRANS_DH, V2_DH_ECP256, ALG_ALIAS, NULL },
	{ "dh20", V2_TRANS_DH, V2_DH_ECP384, 0, NULL },
	{ "ecp_384", V2_TRANS_DH, V2_DH_ECP384, ALG_ALIAS, NULL },
	{ "ecp384", V2_TRANS_DH, V2_DH_ECP384, ALG_ALIAS, NULL },
	{ "dh21", V2_TRANS_DH, V2_DH_ECP521, 0, NULL },
	{ "ecp_521", V2_TRANS_DH, V2_DH_ECP521, ALG_ALIAS, NULL },
	{ "ecp521", V2_TRANS_DH, V2_DH_ECP521, ALG_ALIAS, NULL },
	{ "dh22", V2_TRANS_DH, V2_DH_MODP1024_160, ALG_WEAK, NULL },
	{ "dh23", V2_TRANS_DH, V2_DH_MODP2048_224, ALG_WEAK, NULL },
	{ "dh24", V2_TRANS_DH, V2_DH_MODP2048_256, ALG_WEAK, NULL },
	{ "dh31", V2_TRANS_DH, V2_DH_CURVE25519, 0, NULL },
	{ "curve25519", V2_TRANS_DH, V2_DH_CURVE25519, ALG_ALIAS, NULL },
	{ "x25519", V2_TRANS_DH, V2_DH_CURVE25519, ALG_ALIAS, NULL },
	{ "dh32", V2_TRANS_DH, V2_DH_CURVE448, 0, NULL },
	{ "curve448", V2_TRANS_DH, V2_DH_CURVE448, ALG_ALIAS, NULL },
	{ "x448", V2_TRANS_DH, V2_DH_CURVE448, ALG_ALIAS, NULL },
	{ "modp768", V2_TRANS_DH, 1, 0, "MODP768 (DH1) is broken" },
	{ "dh1", V2_TRANS_DH, 1, ALG_ALIAS, "MODP768 (DH1) is broken" },
};

static const struct alg_name *table(uint8_t type, size_t *n)
{
	switch (type) {
	case V2_TRANS_ENCR:
		*n = ARRAY_SIZE(encr_names);
		return encr_names;
	case V2_TRANS_PRF:
		*n = ARRAY_SIZE(prf_names);
		return prf_names;
	case V2_TRANS_INTEG:
		*n = ARRAY_SIZE(integ_names);
		return integ_names;
	case V2_TRANS_DH:
		*n = ARRAY_SIZE(dh_names);
		return dh_names;
	default:
		*n = 0;
		return NULL;
	}
}

const struct alg_name *alg_name_find(uint8_t type, const char *s, size_t len)
{
	size_t n;
	const struct alg_name *t = table(type, &n);

	for (size_t i = 0; i < n; i++) {
		if (strlen(t[i].name) == len && strncasecmp(t[i].name, s, len) == 0)
			return &t[i];
	}
	return NULL;
}

/* "", "NNN" or "_NNN" (1..5 digits) after a name: the key length, or -1. */
static long keylen_suffix(const char *s, size_t len)
{
	long v = 0;

	if (len == 0)
		return 0;
	if (s[0] == '_') {
		s++;
		len--;
	}
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool entry_keylen_ok(const struct alg_name *e, long keylen)
{
	if (keylen == 0)
		return true;
	if (!(e->flags & ALG_KEYLEN))
		return false;
	return keylen == 128 || keylen == 192 || keylen == 256;
}

/*
 * Names overlap ("aes_gcm_12" is a prefix of "aes_gcm_128", which means
 * aes_gcm with 128 bits), so every name that is a prefix is tried and the
 * longest one whose suffix is a valid key length wins.
 */
int alg_encr_parse(const char *s, size_t len, const struct alg_name **entry, uint16_t *keylen)
{
	const struct alg_name *best = NULL, *bad = NULL;
	long best_kl = 0, bad_kl = 0;
	size_t best_n = 0, bad_n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(encr_names); i++) {
		const struct alg_name *e = &encr_names[i];
		size_t n = strlen(e->name);
		long kl;

		if (n > len || strncasecmp(e->name, s, n) != 0)
			continue;
		kl = keylen_suffix(s + n, len - n);
		if (kl < 0)
			continue;
		if (entry_keylen_ok(e, kl)) {
			if (!best || n > best_n) {
				best = e;
				best_kl = kl;
				best_n = n;
			}
		} else if (!bad || n > bad_n) {
			bad = e;
			bad_kl = kl;
			bad_n = n;
		}
	}
	if (best) {
		*entry = best;
		*keylen = (uint16_t)best_kl;
		return 0;
	}
	if (bad) {
		*entry = bad;
		*keylen = (uint16_t)bad_kl;
		return -ERANGE;
	}
	return -ENOENT;
}

const char *alg_name_list(uint8_t type, char *buf, size_t size)
{
	size_t n, len = 0;
	const struct alg_name *t = table(type, &n);

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w;

		if (t[i].flags & ALG_ALIAS || t[i].refused)
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", t[i].name);
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	return buf;
}

bool alg_encr_is_aead(uint16_t encr)
{
	switch (encr) {
	case V2_ENCR_AES_GCM_8:
	case V2_ENCR_AES_GCM_12:
	case V2_ENCR_AES_GCM_16:
	case V2_ENCR_CHACHA20_POLY1305:
		return true;
	default:
		return false;
	}
}

bool alg_encr_needs_keylen(uint16_t encr)
{
	switch (encr) {
	case V2_ENCR_AES_CBC:
	case V2_ENCR_AES_CTR:
	case V2_ENCR_AES_GCM_8:
	case V2_ENCR_AES_GCM_12:
	case V2_ENCR_AES_GCM_16:
		return true;
	default:
		return false;
	}
}

bool alg_encr_keylen_is_valid(uint16_t encr, uint16_t keylen)
{
	if (!alg_encr_needs_keylen(encr))
		return keylen == 0;
	return keylen == 128 || keylen == 192 || keylen == 256;
}

bool alg_dh_is_weak(uint16_t dh)
{
	switch (dh) {
	case V2_DH_MODP1024:
	case V2_DH_MODP1536:
	case V2_DH_MODP1024_160:
	case V2_DH_MODP2048_224:
	case V2_DH_MODP2048_256:
		return true;
	default:
		return false;
	}
}

uint16_t alg_integ_of_prf(uint16_t prf)
{
	switch (prf) {
	case V2_PRF_HMAC_MD5:
		return V2_INTEG_HMAC_MD5_96;
	case V2_PRF_HMAC_SHA1:
		return V2_INTEG_HMAC_SHA1_96;
	case V2_PRF_AES128_XCBC:
		return V2_INTEG_AES_XCBC_96;
	case V2_PRF_HMAC_SHA2_256:
		return V2_INTEG_HMAC_SHA2_256_128;
	case V2_PRF_HMAC_SHA2_384:
		return V2_INTEG_HMAC_SHA2_384_192;
	case V2_PRF_HMAC_SHA2_512:
		return V2_INTEG_HMAC_SHA2_512_256;
	default:
		return V2_INTEG_NONE;
	}
}

static const char *put(char *buf, size_t size, const char *name, const char *unknown, uint16_t id)
{
	if (size == 0)
		return buf;
	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s%u", unknown, id);
	return buf;
}

const char *alg_encr_name(uint16_t id, uint16_t keylen, char *buf, size_t size)
{
	const char *n;

	switch (id) {
	case 2:
		n = "DES_CBC";
		break;
	case V2_ENCR_3DES:
		n = "3DES_CBC";
		break;
	case V2_ENCR_NULL:
		n = "NULL";
		break;
	case V2_ENCR_AES_CBC:
		n = "AES_CBC";
		break;
	case V2_ENCR_AES_CTR:
		n = "AES_CTR";
		break;
	case V2_ENCR_AES_GCM_8:
		n = "AES_GCM_8";
		break;
	case V2_ENCR_AES_GCM_12:
		n = "AES_GCM_12";
		break;
	case V2_ENCR_AES_GCM_16:
		n = "AES_GCM_16";
		break;
	case V2_ENCR_CHACHA20_POLY1305:
		n = "CHACHA20_POLY1305";
		break;
	default:
		n = NULL;
		break;
	}
	if (size == 0)
		return buf;
	if (!n)
		snprintf(buf, size, "ENCR_%u", id);
	else if (keylen)
		snprintf(buf, size, "%s_%u", n, keylen);
	else
		snprintf(buf, size, "%s", n);
	return buf;
}

const char *alg_prf_name(uint16_t id, char *buf, size_t size)
{
	static const char *const names[] = {
		[V2_PRF_HMAC_MD5] = "HMAC_MD5",
		[V2_PRF_HMAC_SHA1] = "HMAC_SHA1",
		[V2_PRF_AES128_XCBC] = "AES128_XCBC",
		[V2_PRF_HMAC_SHA2_256] = "HMAC_SHA2_256",
		[V2_PRF_HMAC_SHA2_384] = "HMAC_SHA2_384",
		[V2_PRF_HMAC_SHA2_512] = "HMAC_SHA2_512",
	};

	return put(buf, size, id < ARRAY_SIZE(names) ? names[id] : NULL, "PRF_", id);
}

const char *alg_integ_name(uint16_t id, char *buf, size_t size)
{
	static const char *const names[] = {
		[V2_INTEG_NONE] = "NONE",
		[V2_INTEG_HMAC_MD5_96] = "HMAC_MD5_96",
		[V2_INTEG_HMAC_SHA1_96] = "HMAC_SHA1_96",
		[V2_INTEG_AES_XCBC_96] = "AES_XCBC_96",
		[V2_INTEG_HMAC_SHA2_256_128] = "HMAC_SHA2_256_128",
		[V2_INTEG_HMAC_SHA2_384_192] = "HMAC_SHA2_384_192",
		[V2_INTEG_HMAC_SHA2_512_256] = "HMAC_SHA2_512_256",
	};

	return put(buf, size, id < ARRAY_SIZE(names) ? names[id] : NULL, "INTEG_", id);
}

/* libreswan prints MODP groups by size and the others as DHnn. */
const char *alg_dh_name(uint16_t id, char *buf, size_t size)
{
	static const char *const names[] = {
		[V2_DH_NONE] = "NONE",
		[1] = "MODP768",
		[V2_DH_MODP1024] = "MODP1024",
		[V2_DH_MODP1536] = "MODP1536",
		[V2_DH_MODP2048] = "MODP2048",
		[V2_DH_MODP3072] = "MODP3072",
		[V2_DH_MODP4096] = "MODP4096",
		[V2_DH_MODP6144] = "MODP6144",
		[V2_DH_MODP8192] = "MODP8192",
	};

	return put(buf, size, id < ARRAY_SIZE(names) ? names[id] : NULL, "DH", id);
}

const char *alg_transform_name(const struct v2_transform *t, char *buf, size_t size)
{
	switch (t->type) {
	case V2_TRANS_ENCR:
		return alg_encr_name(t->id, t->keylen, buf, size);
	case V2_TRANS_PRF:
		return alg_prf_name(t->id, buf, size);
	case V2_TRANS_INTEG:
		return alg_integ_name(t->id, buf, size);
	case V2_TRANS_DH:
		return alg_dh_name(t->id, buf, size);
	case V2_TRANS_ESN:
		if (t->id == V2_ESN_YES)
			return put(buf, size, "ESN", NULL, 0);
		return put(buf, size, t->id == V2_ESN_NO ? "NO_ESN" : NULL, "ESN_", t->id);
	default:
		if (size)
			snprintf(buf, size, "TRANS%u_%u", t->type, t->id);
		return buf;
	}
}
