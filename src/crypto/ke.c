/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/ke.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto/crypto.h"
#include "ike/v2/types.h"

enum ke_kind {
	KE_MODP,
	KE_ECP,
	KE_ECX,
};

struct ke_group {
	uint16_t id;
	uint8_t kind;		/* enum ke_kind */
	bool check_q;		/* RFC 5114 group: peer must be in the order-q subgroup */
	uint16_t pub_len;
	uint16_t shared_len;
	const char *name;	/* OpenSSL group (MODP, ECP) or key type (ECX); NULL: own prime */
};

static const struct ke_group groups[] = {
	{ V2_DH_MODP1024, KE_MODP, false, 128, 128, NULL },
	{ V2_DH_MODP1536, KE_MODP, false, 192, 192, "modp_1536" },
	{ V2_DH_MODP2048, KE_MODP, false, 256, 256, "modp_2048" },
	{ V2_DH_MODP3072, KE_MODP, false, 384, 384, "modp_3072" },
	{ V2_DH_MODP4096, KE_MODP, false, 512, 512, "modp_4096" },
	{ V2_DH_MODP6144, KE_MODP, false, 768, 768, "modp_6144" },
	{ V2_DH_MODP8192, KE_MODP, false, 1024, 1024, "modp_8192" },
	{ V2_DH_ECP256, KE_ECP, false, 64, 32, "P-256" },
	{ V2_DH_ECP384, KE_ECP, false, 96, 48, "P-384" },
	{ V2_DH_ECP521, KE_ECP, false, 132, 66, "P-521" },
	{ V2_DH_MODP1024_160, KE_MODP, true, 128, 128, "dh_1024_160" },
	{ V2_DH_MODP2048_224, KE_MODP, true, 256, 256, "dh_2048_224" },
	{ V2_DH_MODP2048_256, KE_MODP, true, 256, 256, "dh_2048_256" },
	{ V2_DH_CURVE25519, KE_ECX, false, 32, 32, "X25519" },
	{ V2_DH_CURVE448, KE_ECX, false, 56, 56, "X448" },
};

/*
 * RFC 2409 6.2, the "Second Oakley Group": 2^1024 - 2^960 - 1 +
 * 2^64 * { [2^894 pi] + 129093 }, generator 2. OpenSSL 3 has no name for
 * it (the RFC 3526 and RFC 5114 groups it knows by name).
 */
static const char modp1024_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/* Private exponent bits for group 2, as OpenSSL uses for the named groups. */
enum { MODP1024_PRIV_BITS = 256, ECP_MAX_BYTES = 66 };

/*
 * Owner: whoever created it (a crypto job or an SA); not shared between
 * threads. The private key lives inside pkey and is freed (OpenSSL
 * clears it) with it.
 */
struct crypto_ke {
	const struct ke_group *g;
	EVP_PKEY *pkey;
};

static const struct ke_group *group_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

size_t crypto_ke_public_len(uint16_t group)
{
	const struct ke_group *g = group_find(group);

	return g ? g->pub_len : 0;
}

size_t crypto_ke_shared_len(uint16_t group)
{
	const struct ke_group *g = group_find(group);

	return g ? g->shared_len : 0;
}

uint16_t crypto_ke_group(const struct crypto_ke *ke)
{
	return ke->g->id;
}

static const char *key_type(const struct ke_group *g)
{
	return g->kind == KE_MODP ? "DH" : g->kind == KE_ECP ? "EC" : g->name;
}

/* Domain parameters (or, for X25519/X448, a throw-away key) for keygen. */
static EVP_PKEY *params_build(const struct ke_group *g)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *p = NULL, *gen = NULL;
	const char *type = key_type(g);

	if (!bld)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (!ctx)
		goto out;
	if (g->kind == KE_ECX) {
		/* No parameters: a generated key serves as the keygen template. */
		if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0)
			pkey = NULL;
		goto out;
	}
	if (g->name) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0))
			goto out;
	} else {
		if (!BN_hex2bn(&p, modp1024_p) || !(gen = BN_new()) || !BN_set_word(gen, 2) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen) ||
		    !OSSL_PARAM_BLD_push_int(bld, OSSL_PKEY_PARAM_DH_PRIV_LEN, MODP1024_PRIV_BITS))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		pkey = NULL;
out:
	BN_free(p);
	BN_free(gen);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

int crypto_ke_params_init(struct crypto_algs *algs)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		EVP_PKEY *pkey = params_build(&groups[i]);

		if (!pkey)
			return -ENOTSUP;
		algs->ke_params[groups[i].id] = pkey;
	}
	return 0;
}

static EVP_PKEY *group_params(const struct ke_group *g)
{
	const struct crypto_algs *algs = crypto_algs();

	return algs ? algs->ke_params[g->id] : NULL;
}

int crypto_ke_new(uint16_t group, struct crypto_ke **out)
{
	const struct ke_group *g = group_find(group);
	struct crypto_ke *ke = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params;
	int ret;

	*out = NULL;
	if (!g)
		return -ENOTSUP;
	params = group_params(g);
	if (!params)
		return -EIO;
	ke = calloc(1, sizeof(*ke));
	if (!ke)
		return -ENOMEM;
	ke->g = g;
	ret = -EIO;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &ke->pkey) <= 0)
		goto out;
	*out = ke;
	ke = NULL;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	crypto_ke_free(ke);
	return ret;
}

void crypto_ke_free(struct crypto_ke *ke)
{
	if (!ke)
		return;
	EVP_PKEY_free(ke->pkey);
	free(ke);
}

/*
 * p, g and (when the group has one) q of a MODP key or parameter set,
 * pushed to bld when given. The builder keeps pointers to the BIGNUMs
 * until OSSL_PARAM_BLD_to_param(): the caller frees them after that.
 */
static int modp_domain(const EVP_PKEY *pkey, OSSL_PARAM_BLD *bld, BIGNUM **p, BIGNUM **gen,
		       BIGNUM **q)
{
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_G, gen))
		return -EIO;
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_Q, q))
		*q = NULL;
	if (bld && (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, *p) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, *gen) ||
		    (*q && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, *q))))
		return -ENOMEM;
	return 0;
}

/* RFC 7296 2.14 / RFC 6989: 1 < y < p-1, and y^q = 1 (mod p) when q is known. */
static int modp_check_peer(const struct ke_group *g, const BIGNUM *y, const BIGNUM *p,
			   const BIGNUM *q)
{
	BN_CTX *bnctx = NULL;
	BIGNUM *pm1 = NULL, *r = NULL;
	int ret = -EINVAL;

	pm1 = BN_dup(p);
	if (!pm1 || !BN_sub_word(pm1, 1)) {
		ret = -ENOMEM;
		goto out;
	}
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto out;
	if (g->check_q) {
		if (!q || !(bnctx = BN_CTX_new()) || !(r = BN_new()) ||
		    !BN_mod_exp(r, y, q, p, bnctx)) {
			ret = -EIO;
			goto out;
		}
		if (!BN_is_one(r))
			goto out;
	}
	ret = 0;
out:
	BN_free(pm1);
	BN_free(r);
	BN_CTX_free(bnctx);
	return ret;
}

/*
 * Build an EVP_PKEY of the same group from KE data (and, for import, a
 * private value). The peer's bytes are untrusted: lengths were checked
 * by the caller, ranges and curve membership are checked here or by
 * OpenSSL's import (which refuses points off the curve and coordinates
 * of p or more).
 */
static int pkey_from_ke(const struct ke_group *g, EVP_PKEY *tmpl, const uint8_t *pub,
			const uint8_t *priv, size_t privlen, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *p = NULL, *gen = NULL, *q = NULL, *y = NULL, *x = NULL;
	uint8_t point[1 + 2 * ECP_MAX_BYTES];
	int selection = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
	int ret = -ENOMEM;

	*out = NULL;
	if (!bld)
		goto out;
	if (priv && g->kind != KE_ECX && !(x = BN_secure_new()))
		goto out;
	if (priv && x && !BN_bin2bn(priv, (int)privlen, x))
		goto out;
	switch (g->kind) {
	case KE_MODP:
		ret = modp_domain(tmpl, bld, &p, &gen, &q);
		if (ret < 0)
			goto out;
		ret = -ENOMEM;
		y = BN_bin2bn(pub, g->pub_len, NULL);
		if (!y)
			goto out;
		ret = modp_check_peer(g, y, p, q);
		if (ret < 0)
			goto out;
		ret = -ENOMEM;
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
		break;
	case KE_ECP:
		point[0] = 0x04;	/* SEC 1 uncompressed; RFC 5903 7 drops it on the wire */
		memcpy(point + 1, pub, g->pub_len);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
						      1 + g->pub_len))
			goto out;
		break;
	case KE_ECX:
		if (!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
						      g->pub_len))
			goto out;
		if (priv && !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv,
							      privlen))
			goto out;
		break;
	}
	if (x && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	/* From the name: a context made from a key does not support fromdata (DH). */
	ctx = EVP_PKEY_CTX_new_from_name(NULL, key_type(g), NULL);
	if (!params || !ctx)
		goto out;
	ret = -EINVAL;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, selection, params) <= 0) {
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	OSSL_PARAM_free(params);	/* x's copy is in its secure block, which this clears */
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(p);
	BN_free(gen);
	BN_free(q);
	BN_free(y);
	BN_clear_free(x);
	return ret;
}

int crypto_ke_public(const struct crypto_ke *ke, uint8_t *out, size_t cap)
{
	const struct ke_group *g = ke->g;
	uint8_t point[1 + 2 * ECP_MAX_BYTES];
	BIGNUM *y = NULL;
	size_t len = 0;
	int ret = -EMSGSIZE;

	if (cap < g->pub_len)
		goto out;
	ret = -EIO;
	switch (g->kind) {
	case KE_MODP:
		if (!EVP_PKEY_get_bn_param(ke->pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) ||
		    BN_bn2binpad(y, out, g->pub_len) != g->pub_len)
			goto out;
		break;
	case KE_ECP:
		if (!EVP_PKEY_get_octet_string_param(ke->pkey, OSSL_PKEY_PARAM_PUB_KEY, point,
						     sizeof(point), &len) ||
		    len != 1u + g->pub_len || point[0] != 0x04)
			goto out;
		memcpy(out, point + 1, g->pub_len);
		break;
	case KE_ECX:
		if (!EVP_PKEY_get_octet_string_param(ke->pkey, OSSL_PKEY_PARAM_PUB_KEY, out, cap,
						     &len) ||
		    len != g->pub_len)
			goto out;
		break;
	}
	ret = g->pub_len;
out:
	BN_free(y);
	return ret;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int crypto_ke_shared(struct crypto_ke *ke, const uint8_t *peer, size_t len, uint8_t *out,
		     size_t cap)
{
	const struct ke_group *g = ke->g;
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t outlen = cap;
	int pad = 1;
	OSSL_PARAM padparams[] = {
		OSSL_PARAM_construct_int(OSSL_EXCHANGE_PARAM_PAD, &pad),
		OSSL_PARAM_construct_end(),
	};
	int ret = -EMSGSIZE;

	if (cap < g->shared_len)
		goto out;
	ret = -EINVAL;
	if (!peer || len != g->pub_len)
		goto out;
	ret = pkey_from_ke(g, ke->pkey, peer, NULL, 0, &peer_key);
	if (ret < 0)
		goto out;
	ret = -EIO;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ke->pkey, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	if (g->kind == KE_MODP && !EVP_PKEY_CTX_set_params(ctx, padparams))
		goto out;
	/*
	 * validate_peer = 0: the checks above are what IKE needs; OpenSSL's
	 * full check would add an exponentiation for the safe-prime groups.
	 * X25519/X448 refuse an all-zero result inside derive; so do we.
	 */
	ret = -EINVAL;
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer_key, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &outlen) <= 0)
		goto out;
	if (outlen != g->shared_len) {
		ret = -EIO;
		goto out;
	}
	if (g->kind == KE_ECX && all_zero(out, outlen))
		goto out;
	ret = (int)outlen;
out:
	if (ret < 0 && out && cap)
		crypto_wipe(out, cap < g->shared_len ? cap : g->shared_len);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	return ret;
}

/*
 * Our ECP public value (x | y) from a private scalar: OpenSSL 3.0 does not
 * derive it on import, so multiply the base point here. Only for import
 * (tests, impair): crypto_ke_new() gets the public value from keygen.
 */
static int ecp_public_from_priv(const struct ke_group *g, const uint8_t *priv, size_t privlen,
				uint8_t *pub)
{
	uint8_t point[1 + 2 * ECP_MAX_BYTES];
	EC_GROUP *grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL, EC_curve_nist2nid(g->name));
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	BIGNUM *k = BN_secure_new();
	BN_CTX *bnctx = BN_CTX_secure_new();
	int ret = -ENOMEM;

	if (!grp || !pt || !k || !bnctx || !BN_bin2bn(priv, (int)privlen, k))
		goto out;
	ret = -EINVAL;
	if (BN_is_zero(k) || BN_cmp(k, EC_GROUP_get0_order(grp)) >= 0 ||
	    !EC_POINT_mul(grp, pt, k, NULL, NULL, bnctx) ||
	    EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
			       bnctx) != 1u + g->pub_len)
		goto out;
	memcpy(pub, point + 1, g->pub_len);
	ret = 0;
out:
	BN_CTX_free(bnctx);
	BN_clear_free(k);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return ret;
}

int crypto_ke_import(uint16_t group, const uint8_t *priv, size_t privlen, const uint8_t *pub,
		     size_t publen, struct crypto_ke **out)
{
	const struct ke_group *g = group_find(group);
	struct crypto_ke *ke = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params;
	uint8_t derived[CRYPTO_KE_PUBLIC_MAX];
	int ret;

	*out = NULL;
	if (!g)
		return -ENOTSUP;
	if (!priv || privlen == 0 || privlen > CRYPTO_KE_PUBLIC_MAX)
		return -EINVAL;
	if (g->kind == KE_ECX && privlen != g->pub_len)
		return -EINVAL;
	if (g->kind == KE_MODP && !pub)
		return -EINVAL;
	if (pub && publen != g->pub_len)
		return -EINVAL;
	params = group_params(g);
	if (!params)
		return -EIO;
	ke = calloc(1, sizeof(*ke));
	if (!ke)
		return -ENOMEM;
	ke->g = g;
	if (g->kind == KE_ECX) {
		ret = -EINVAL;
		ke->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, g->name, NULL, priv, privlen);
		if (!ke->pkey)
			goto out;
		if (pub && (crypto_ke_public(ke, derived, sizeof(derived)) != (int)g->pub_len ||
			    !crypto_memeq(derived, pub, g->pub_len)))
			goto out;
	} else {
		if (!pub) {
			ret = ecp_public_from_priv(g, priv, privlen, derived);
			if (ret < 0)
				goto out;
			pub = derived;
		}
		ret = pkey_from_ke(g, params, pub, priv, privlen, &ke->pkey);
		if (ret < 0)
			goto out;
		ret = -EINVAL;
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ke->pkey, NULL);
		if (!ctx || EVP_PKEY_pairwise_check(ctx) <= 0)
			goto out;
	}
	*out = ke;
	ke = NULL;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	crypto_ke_free(ke);
	return ret;
}

int crypto_ke_modp_prime(uint16_t group, uint8_t *out, size_t cap)
{
	const struct ke_group *g = group_find(group);
	EVP_PKEY *params;
	BIGNUM *p = NULL, *gen = NULL, *q = NULL;
	int ret = -ENOTSUP;

	if (!g || g->kind != KE_MODP)
		goto out;
	ret = -EMSGSIZE;
	if (cap < g->pub_len)
		goto out;
	ret = -EIO;
	params = group_params(g);
	if (!params || modp_domain(params, NULL, &p, &gen, &q) < 0 ||
	    BN_bn2binpad(p, out, g->pub_len) != g->pub_len)
		goto out;
	ret = g->pub_len;
out:
	BN_free(p);
	BN_free(gen);
	BN_free(q);
	return ret;
}
