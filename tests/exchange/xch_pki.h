/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_EXCHANGE_XCH_PKI_H
#define SKUA_TESTS_EXCHANGE_XCH_PKI_H

/*
 * A CA and a certificate with its key for each end (west.example at
 * 127.0.0.1, east.example at 127.0.0.2), made at test time, for the
 * exchange tests of authentication with signatures (IKEv2 test_auth.c,
 * IKEv1 test_v1_cert.c).
 */
#include <criterion/criterion.h>

#include "crypto/crypto.h"
#include "lib/certgen.h"

struct pki {
	EVP_PKEY *ca_key, *key[2];
	X509 *ca, *x[2];
	struct crypto_trust *trust;
	struct crypto_cert *cert[2];
	struct crypto_privkey *priv[2];
};

static inline struct crypto_privkey *wrap_key(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(k, &der);
	struct crypto_privkey *p = NULL;

	cr_assert_eq(crypto_privkey_from_buf(der, (size_t)n, NULL, &p), 0);
	OPENSSL_free(der);
	return p;
}

/* The CA ca_name (key ca_kind) and west's and east's keys of kinds[0], kinds[1]. */
static inline void pki_make_kinds(struct pki *k, const char *ca_name, const char *ca_kind,
				  const char *const kinds[2])
{
	static const char *names[2] = { "C=CH, O=Skua, CN=west.example",
					"C=CH, O=Skua, CN=east.example" };
	static const char *sans[2] = { "DNS:west.example,IP:127.0.0.1",
				       "DNS:east.example,IP:127.0.0.2" };
	struct crypto_cert *ca;

	k->ca_key = cg_key(ca_kind);
	k->ca = cg_cert(&(struct cg_spec){ .subject = ca_name, .key = k->ca_key, .ca = true });
	for (int i = 0; i < 2; i++) {
		k->key[i] = cg_key(kinds[i]);
		k->x[i] = cg_cert(&(struct cg_spec){ .subject = names[i], .key = k->key[i],
						     .issuer = k->ca, .issuer_key = k->ca_key,
						     .san = sans[i], .ku = "digitalSignature" });
		k->cert[i] = cg_wrap(k->x[i]);
		k->priv[i] = wrap_key(k->key[i]);
	}
	k->trust = crypto_trust_new();
	ca = cg_wrap(k->ca);
	cr_assert_eq(crypto_trust_add_ca(k->trust, ca), 0);
	crypto_cert_unref(ca);
	crypto_trust_seal(k->trust);
}

static inline void pki_free(struct pki *k)
{
	for (int i = 0; i < 2; i++) {
		crypto_cert_unref(k->cert[i]);
		crypto_privkey_unref(k->priv[i]);
		X509_free(k->x[i]);
		EVP_PKEY_free(k->key[i]);
	}
	crypto_trust_unref(k->trust);
	X509_free(k->ca);
	EVP_PKEY_free(k->ca_key);
}

#endif
