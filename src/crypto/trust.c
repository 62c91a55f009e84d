/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/trust.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/dn.h"

/*
 * Owner: the building thread until crypto_trust_seal(); then shared and
 * immutable (refs aside). The X509_STORE has its own lock for lookups.
 */
struct crypto_trust {
	atomic_uint refs;
	bool sealed;
	X509_STORE *store;
	struct crypto_cert **cas;
	size_t ncas, cas_cap;
	struct crypto_crl **crls;
	size_t ncrls, crls_cap;
};

struct crypto_trust *crypto_trust_new(void)
{
	struct crypto_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->store = X509_STORE_new();
	if (!t->store) {
		free(t);
		return NULL;
	}
	atomic_init(&t->refs, 1);
	return t;
}

static int grow(void *arr, size_t *cap, size_t n)
{
	void **a = arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*a, ncap * sizeof(void *));
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = ncap;
	return 0;
}

int crypto_trust_add_ca(struct crypto_trust *t, struct crypto_cert *ca)
{
	size_t len, l2;
	const uint8_t *der = crypto_cert_der(ca, &len);

	if (t->sealed)
		return -EBUSY;
	for (size_t i = 0; i < t->ncas; i++) {
		const uint8_t *d2 = crypto_cert_der(t->cas[i], &l2);

		if (l2 == len && !memcmp(d2, der, len))
			return -EEXIST;
	}
	if (grow(&t->cas, &t->cas_cap, t->ncas) < 0)
		return -ENOMEM;
	if (!X509_STORE_add_cert(t->store, crypto_cert_x509(ca))) {
		ERR_clear_error();
		return -ENOMEM;
	}
	t->cas[t->ncas++] = crypto_cert_ref(ca);
	return 0;
}

int crypto_trust_add_crl(struct crypto_trust *t, struct crypto_crl *crl)
{
	if (t->sealed)
		return -EBUSY;
	for (size_t i = 0; i < t->ncrls; i++)
		if (X509_CRL_match(crypto_crl_x509(t->crls[i]), crypto_crl_x509(crl)) == 0)
			return -EEXIST;
	if (grow(&t->crls, &t->crls_cap, t->ncrls) < 0)
		return -ENOMEM;
	if (!X509_STORE_add_crl(t->store, crypto_crl_x509(crl))) {
		ERR_clear_error();
		return -ENOMEM;
	}
	t->crls[t->ncrls++] = crypto_crl_ref(crl);
	return 0;
}

void crypto_trust_seal(struct crypto_trust *t)
{
	t->sealed = true;
}

struct crypto_trust *crypto_trust_ref(struct crypto_trust *t)
{
	if (t)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void crypto_trust_unref(struct crypto_trust *t)
{
	if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < t->ncas; i++)
		crypto_cert_unref(t->cas[i]);
	for (size_t i = 0; i < t->ncrls; i++)
		crypto_crl_unref(t->crls[i]);
	free(t->cas);
	free(t->crls);
	X509_STORE_free(t->store);
	free(t);
}

size_t crypto_trust_ca_count(const struct crypto_trust *t)
{
	return t ? t->ncas : 0;
}

struct crypto_cert *crypto_trust_ca_at(const struct crypto_trust *t, size_t i)
{
	return t && i < t->ncas ? t->cas[i] : NULL;
}

size_t crypto_trust_crl_count(const struct crypto_trust *t)
{
	return t ? t->ncrls : 0;
}

struct crypto_crl *crypto_trust_crl_at(const struct crypto_trust *t, size_t i)
{
	return t && i < t->ncrls ? t->crls[i] : NULL;
}

bool crypto_trust_has_ca(const struct crypto_trust *t, const uint8_t *dn, size_t len)
{
	for (size_t i = 0; t && i < t->ncas; i++) {
		uint8_t subj[CRYPTO_DN_MAX];
		int n = crypto_cert_subject(t->cas[i], subj, sizeof(subj));

		if (n > 0 && crypto_dn_match(dn, len, subj, (size_t)n))
			return true;
	}
	return false;
}

/* What the verify callback learns; its app data. */
struct vstate {
	bool strict;
	bool crl_missing, crl_stale;
	int err, depth;
	char subject[CRYPTO_DN_STR_MAX];
};

static int name_str(X509 *x, char *buf, size_t cap)
{
	unsigned char *der = NULL;
	int n = i2d_X509_NAME(X509_get_subject_name(x), &der);

	buf[0] = 0;
	if (n > 0)
		crypto_dn_str(der, (size_t)n, buf, cap);
	OPENSSL_free(der);
	return 0;
}

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct vstate *st = X509_STORE_CTX_get_app_data(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	int err = X509_STORE_CTX_get_error(ctx);

	if (ok)
		return 1;
	if (err == X509_V_ERR_UNABLE_TO_GET_CRL) {
		/* A trust anchor vouches for itself: no CRL is needed for it. */
		if (cur && X509_self_signed(cur, 0) == 1)
			return 1;
		st->crl_missing = true;
		if (!st->strict)
			return 1;
	}
	if (err == X509_V_ERR_CRL_HAS_EXPIRED || err == X509_V_ERR_CRL_NOT_YET_VALID) {
		st->crl_stale = true;
		if (!st->strict)
			return 1;
	}
	if (!st->err) {
		st->err = err;
		st->depth = X509_STORE_CTX_get_error_depth(ctx);
		if (cur)
			name_str(cur, st->subject, sizeof(st->subject));
	}
	return 0;
}

static int map_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return -EKEYEXPIRED;
	case X509_V_ERR_CERT_REVOKED:
		return -EKEYREVOKED;
	default:
		return -EKEYREJECTED;
	}
}

/* Whether a CA on the validated path (not the leaf) matches the --ca DN. */
static bool path_has_ca(STACK_OF(X509) *chain, const uint8_t *dn, size_t len)
{
	for (int i = 1; i < sk_X509_num(chain); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509_NAME(X509_get_subject_name(sk_X509_value(chain, i)), &der);
		bool m = n > 0 && crypto_dn_match(dn, len, der, (size_t)n);

		OPENSSL_free(der);
		if (m)
			return true;
	}
	return false;
}

int crypto_trust_verify(const struct crypto_trust *t, const struct crypto_cert *leaf,
			struct crypto_cert *const *inter, size_t ninter,
			const struct crypto_verify_opts *opts, struct crypto_verify_result *res)
{
	struct vstate st = { .strict = opts->crl_strict };
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
	X509_VERIFY_PARAM *vp;
	int rc = -ENOMEM;

	memset(res, 0, sizeof(*res));
	if (!untrusted || !ctx)
		goto out;
	for (size_t i = 0; i < ninter; i++)
		if (!sk_X509_push(untrusted, crypto_cert_x509(inter[i])))
			goto out;
	if (!X509_STORE_CTX_init(ctx, t->store, crypto_cert_x509(leaf), untrusted))
		goto out;
	if (t->ncrls || opts->crl_strict)
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(vp, flags);
	if (opts->now)
		X509_VERIFY_PARAM_set_time(vp, opts->now);
	X509_STORE_CTX_set_app_data(ctx, &st);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	if (X509_verify_cert(ctx) != 1) {
		int err = st.err ? st.err : X509_STORE_CTX_get_error(ctx);

		rc = map_error(err);
		if (st.subject[0])
			snprintf(res->why, sizeof(res->why), "'%.300s': %.150s", st.subject,
				 X509_verify_cert_error_string(err));
		else
			snprintf(res->why, sizeof(res->why), "%s",
				 X509_verify_cert_error_string(err));
		goto out;
	}
	res->depth = (unsigned)sk_X509_num(X509_STORE_CTX_get0_chain(ctx));
	if (!crypto_cert_usage_ok(leaf)) {
		rc = -EKEYREJECTED;
		snprintf(res->why, sizeof(res->why),
			 "its keyUsage allows neither digitalSignature nor nonRepudiation");
		goto out;
	}
	if (opts->ca_dn && !path_has_ca(X509_STORE_CTX_get0_chain(ctx), opts->ca_dn,
					opts->ca_dn_len)) {
		char ca[CRYPTO_DN_STR_MAX];

		crypto_dn_str(opts->ca_dn, opts->ca_dn_len, ca, sizeof(ca));
		rc = -EACCES;
		snprintf(res->why, sizeof(res->why), "no CA on its path is '%.300s' (--ca)", ca);
		goto out;
	}
	rc = 0;
out:
	res->crl_missing = st.crl_missing;
	res->crl_stale = st.crl_stale;
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	return rc;
}
