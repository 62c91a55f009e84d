/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_LIB_CERTGEN_H
#define SKUA_TESTS_LIB_CERTGEN_H

/*
 * Certificates, CRLs and PKCS#12 files made at test time with OpenSSL, for
 * the X.509 unit tests, the certificate store tests and the exchange
 * tests. Everything aborts on failure (a test set-up error, not a result).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/dn.h"
#include "crypto/x509.h"

static inline void cg_die(const char *what)
{
	fprintf(stderr, "certgen: %s failed\n", what);
	abort();
}

/* "rsa2048", "rsa3072", "p256", "p384", "p521", "ed25519", "ed448". */
static inline EVP_PKEY *cg_key(const char *kind)
{
	EVP_PKEY *k = NULL;

	if (!strcmp(kind, "rsa2048"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (!strcmp(kind, "rsa3072"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	else if (!strcmp(kind, "p256"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else if (!strcmp(kind, "p384"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	else if (!strcmp(kind, "p521"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	else if (!strcmp(kind, "ed25519"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (!strcmp(kind, "ed448"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	if (!k)
		cg_die(kind);
	return k;
}

static inline X509_NAME *cg_name(const char *dn)
{
	uint8_t der[CRYPTO_DN_MAX];
	char err[256];
	int n = crypto_dn_parse(dn, der, sizeof(der), err, sizeof(err));
	const unsigned char *p = der;
	X509_NAME *name;

	if (n <= 0) {
		fprintf(stderr, "certgen: %s: %s\n", dn, err);
		abort();
	}
	name = d2i_X509_NAME(NULL, &p, n);
	if (!name)
		cg_die("d2i_X509_NAME");
	return name;
}

struct cg_spec {
	const char *subject;		/* libreswan form */
	EVP_PKEY *key;			/* the subject's key */
	X509 *issuer;			/* NULL: self-signed */
	EVP_PKEY *issuer_key;		/* NULL: key */
	long not_before, not_after;	/* seconds from now; both 0: -3600, +86400 */
	bool ca;
	const char *san;		/* "DNS:a.example,IP:192.0.2.1,email:a@b", or NULL */
	const char *ku;			/* "digitalSignature", "keyCertSign,cRLSign", or NULL */
	long serial;			/* 0: random */
};

static inline void cg_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e || !X509_add_ext(x, e, -1))
		cg_die(value);
	X509_EXTENSION_free(e);
}

/* The digest to sign with: none for EdDSA. */
static inline const EVP_MD *cg_md(EVP_PKEY *signer)
{
	int id = EVP_PKEY_get_base_id(signer);

	return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
}

static inline X509 *cg_cert(const struct cg_spec *s)
{
	X509 *x = X509_new();
	EVP_PKEY *signer = s->issuer_key ? s->issuer_key : s->key;
	long nb = s->not_before, na = s->not_after;
	X509_NAME *name = cg_name(s->subject);

	if (!nb && !na) {
		nb = -3600;
		na = 86400;
	}
	if (!x || !X509_set_version(x, 2))
		cg_die("X509_new");
	if (s->serial)
		ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial);
	else
		ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0x7fffffff) + 1);
	X509_gmtime_adj(X509_getm_notBefore(x), nb);
	X509_gmtime_adj(X509_getm_notAfter(x), na);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer) : name);
	X509_NAME_free(name);
	if (!X509_set_pubkey(x, s->key))
		cg_die("X509_set_pubkey");
	cg_ext(x, s->issuer, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "CA:FALSE");
	cg_ext(x, s->issuer, NID_subject_key_identifier, "hash");
	if (s->issuer)
		cg_ext(x, s->issuer, NID_authority_key_identifier, "keyid:always");
	if (s->ku)
		cg_ext(x, s->issuer, NID_key_usage, s->ku);
	else if (s->ca)
		cg_ext(x, s->issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (s->san)
		cg_ext(x, s->issuer, NID_subject_alt_name, s->san);
	if (!X509_sign(x, signer, cg_md(signer)))
		cg_die("X509_sign");
	return x;
}

/* A CRL of ca revoking the given serials; last/next update relative to now. */
static inline X509_CRL *cg_crl(X509 *ca, EVP_PKEY *ca_key, const long *serials, size_t n,
			       long last, long next)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	if (!crl || !t || !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)))
		cg_die("X509_CRL_new");
	X509_gmtime_adj(t, last);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, next);
	X509_CRL_set1_nextUpdate(crl, t);
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ASN1_INTEGER_set(sn, serials[i]);
		X509_REVOKED_set_serialNumber(r, sn);
		X509_gmtime_adj(t, last);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
		ASN1_INTEGER_free(sn);
	}
	X509_CRL_sort(crl);
	if (!X509_CRL_sign(crl, ca_key, cg_md(ca_key)))
		cg_die("X509_CRL_sign");
	ASN1_TIME_free(t);
	return crl;
}

/* Our wrapper of an OpenSSL certificate (through its DER, as a peer's would come). */
static inline struct crypto_cert *cg_wrap(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	struct crypto_cert *c = NULL;

	if (n <= 0 || crypto_cert_from_der(der, (size_t)n, &c) != 0)
		cg_die("crypto_cert_from_der");
	OPENSSL_free(der);
	return c;
}

static inline struct crypto_crl *cg_wrap_crl(X509_CRL *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509_CRL(x, &der);
	struct crypto_crl *c = NULL;

	if (n <= 0 || crypto_crl_from_der(der, (size_t)n, &c) != 0)
		cg_die("crypto_crl_from_der");
	OPENSSL_free(der);
	return c;
}

/* Files: PEM or DER, mode given. */
static inline void cg_write_cert(const char *path, X509 *x, bool pem)
{
	BIO *b = BIO_new_file(path, "wb");

	if (!b || !(pem ? PEM_write_bio_X509(b, x) : i2d_X509_bio(b, x)))
		cg_die(path);
	BIO_free(b);
}

static inline void cg_write_crl(const char *path, X509_CRL *x, bool pem)
{
	BIO *b = BIO_new_file(path, "wb");

	if (!b || !(pem ? PEM_write_bio_X509_CRL(b, x) : i2d_X509_CRL_bio(b, x)))
		cg_die(path);
	BIO_free(b);
}

static inline void cg_write_key(const char *path, EVP_PKEY *k, bool pem, int mode)
{
	BIO *b = BIO_new_file(path, "wb");

	if (!b || !(pem ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
			: i2d_PKCS8PrivateKey_bio(b, k, NULL, NULL, 0, NULL, NULL)))
		cg_die(path);
	BIO_free(b);
	if (chmod(path, (mode_t)mode) != 0)
		cg_die("chmod");
}

static inline void cg_write_p12(const char *path, EVP_PKEY *k, X509 *x, X509 *ca,
				const char *pass, int mode)
{
	STACK_OF(X509) *cas = sk_X509_new_null();
	PKCS12 *p12;
	BIO *b;

	if (ca)
		sk_X509_push(cas, ca);
	p12 = PKCS12_create(pass, "friendly", k, x, cas, 0, 0, 0, 0, 0);
	b = BIO_new_file(path, "wb");
	if (!p12 || !b || !i2d_PKCS12_bio(b, p12))
		cg_die(path);
	BIO_free(b);
	PKCS12_free(p12);
	sk_X509_free(cas);
	if (chmod(path, (mode_t)mode) != 0)
		cg_die("chmod");
}

#endif
