/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/x509.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/crypto.h"
#include "crypto/dn.h"
#include "crypto/file.h"
#include "ike/v2/types.h"

/* Owner: shared by the holders of references; immutable, refs aside. */
struct crypto_cert {
	atomic_uint refs;
	X509 *x;
	struct crypto_pubkey *pub;	/* NULL: a key kind we do not use */
	size_t len;
	uint8_t der[];
};

struct crypto_crl {
	atomic_uint refs;
	X509_CRL *crl;
};

static int cert_wrap(X509 *x, struct crypto_cert **out)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	struct crypto_cert *c;

	*out = NULL;
	if (n <= 0 || n > CRYPTO_CERT_MAX) {
		OPENSSL_free(der);
		X509_free(x);
		return n <= 0 ? -ENOMEM : -EBADMSG;
	}
	c = calloc(1, sizeof(*c) + (size_t)n);
	if (!c) {
		OPENSSL_free(der);
		X509_free(x);
		return -ENOMEM;
	}
	memcpy(c->der, der, (size_t)n);
	OPENSSL_free(der);
	c->len = (size_t)n;
	c->x = x;
	atomic_init(&c->refs, 1);
	EVP_PKEY *pkey = X509_get_pubkey(x);	/* a reference of our own */

	if (pkey && crypto_pubkey_wrap(pkey, &c->pub) < 0)
		c->pub = NULL;	/* wrap freed pkey */
	*out = c;
	return 0;
}

/*
 * Decode exactly len bytes of DER as one it (a certificate, a CRL): empty,
 * longer than max, malformed or followed by other bytes is -EBADMSG.
 */
static int der_decode_whole(const uint8_t *der, size_t len, size_t max, const ASN1_ITEM *it,
			    ASN1_VALUE **out)
{
	const unsigned char *p = der;
	ASN1_VALUE *v;

	*out = NULL;
	if (len == 0 || len > max)
		return -EBADMSG;
	v = ASN1_item_d2i(NULL, &p, (long)len, it);
	if (!v)
		return -EBADMSG;
	if (p != der + len) {
		ASN1_item_free(v, it);
		return -EBADMSG;
	}
	*out = v;
	return 0;
}

int crypto_cert_from_der(const uint8_t *der, size_t len, struct crypto_cert **out)
{
	ASN1_VALUE *v;
	int rc = der_decode_whole(der, len, CRYPTO_CERT_MAX, ASN1_ITEM_rptr(X509), &v);

	*out = NULL;
	return rc < 0 ? rc : cert_wrap((X509 *)v, out);
}

static bool is_pem(const uint8_t *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN", 10) != NULL;
}

int crypto_cert_load_file(const char *path, struct crypto_cert **out, size_t max, char *err,
			  size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0, n = 0;
	int rc;

	rc = crypto_file_read(path, false, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (is_pem(buf, len)) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);
		X509 *x;

		if (!bio) {
			rc = -ENOMEM;
			goto out;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (n == max) {
				X509_free(x);
				rc = -E2BIG;
				break;
			}
			rc = cert_wrap(x, &out[n]);
			if (rc < 0)
				break;
			n++;
		}
		ERR_clear_error();	/* the end of the file reads as an error */
		BIO_free(bio);
	} else {
		if (max == 0)
			rc = -E2BIG;
		else
			rc = crypto_cert_from_der(buf, len, &out[0]);
		if (rc == 0)
			n = 1;
	}
	if (rc == 0 && n == 0)
		rc = -EBADMSG;
	if (rc < 0) {
		while (n) {
			crypto_cert_unref(out[--n]);
			out[n] = NULL;
		}
		if (err && rc == -EBADMSG)
			snprintf(err, errlen,
				 "%s: not an X.509 certificate: expected DER or PEM (BEGIN CERTIFICATE)",
				 path);
		else if (err && rc == -E2BIG)
			snprintf(err, errlen, "%s: more than %zu certificates", path, max);
		else if (err)
			snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	rc = (int)n;
out:
	free(buf);
	return rc;
}

struct crypto_cert *crypto_cert_ref(struct crypto_cert *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void crypto_cert_unref(struct crypto_cert *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	crypto_pubkey_unref(c->pub);
	X509_free(c->x);
	free(c);
}

const uint8_t *crypto_cert_der(const struct crypto_cert *c, size_t *len)
{
	*len = c->len;
	return c->der;
}

struct crypto_pubkey *crypto_cert_pubkey(const struct crypto_cert *c)
{
	return c->pub;
}

X509 *crypto_cert_x509(const struct crypto_cert *c)
{
	return c->x;
}

int crypto_cert_spki_sha1(const struct crypto_cert *c, uint8_t out[20])
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x), &der), rc = -EIO;

	if (n > 0 && EVP_Digest(der, (size_t)n, out, NULL, EVP_sha1(), NULL))
		rc = 0;
	OPENSSL_free(der);
	return rc;
}

static int name_der(const X509_NAME *name, uint8_t *der, size_t cap)
{
	unsigned char *p = NULL;
	int n = i2d_X509_NAME(name, &p);

	if (n <= 0)
		return -ENOMEM;
	if ((size_t)n > cap)
		n = -EMSGSIZE;
	else
		memcpy(der, p, (size_t)n);
	OPENSSL_free(p);
	return n;
}

static const char *name_str(const X509_NAME *name, char *buf, size_t len)
{
	uint8_t der[CRYPTO_DN_MAX];
	int n = name_der(name, der, sizeof(der));

	if (len)
		buf[0] = 0;
	if (n > 0)
		crypto_dn_str(der, (size_t)n, buf, len);
	return buf;
}

int crypto_cert_subject(const struct crypto_cert *c, uint8_t *der, size_t cap)
{
	return name_der(X509_get_subject_name(c->x), der, cap);
}

int crypto_cert_issuer(const struct crypto_cert *c, uint8_t *der, size_t cap)
{
	return name_der(X509_get_issuer_name(c->x), der, cap);
}

const char *crypto_cert_subject_str(const struct crypto_cert *c, char *buf, size_t len)
{
	return name_str(X509_get_subject_name(c->x), buf, len);
}

const char *crypto_cert_issuer_str(const struct crypto_cert *c, char *buf, size_t len)
{
	return name_str(X509_get_issuer_name(c->x), buf, len);
}

const char *crypto_cert_serial_str(const struct crypto_cert *c, char *buf, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	if (hex) {
		for (char *p = hex; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(buf, len, "0x%s", hex[0] == '-' ? hex + 1 : hex);
	} else if (len) {
		buf[0] = 0;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return buf;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

time_t crypto_cert_not_before(const struct crypto_cert *c)
{
	return asn1_time(X509_get0_notBefore(c->x));
}

time_t crypto_cert_not_after(const struct crypto_cert *c)
{
	return asn1_time(X509_get0_notAfter(c->x));
}

bool crypto_cert_is_ca(const struct crypto_cert *c)
{
	return (X509_get_extension_flags(c->x) & EXFLAG_CA) != 0;
}

bool crypto_cert_is_self_signed(const struct crypto_cert *c)
{
	return X509_self_signed(c->x, 1) == 1;
}

bool crypto_cert_issued_by(const struct crypto_cert *c, const struct crypto_cert *issuer)
{
	EVP_PKEY *k = X509_get0_pubkey(issuer->x);

	return X509_check_issued(issuer->x, c->x) == X509_V_OK && k && X509_verify(c->x, k) == 1;
}

bool crypto_cert_usage_ok(const struct crypto_cert *c)
{
	uint32_t ku = X509_get_key_usage(c->x);

	return ku == UINT32_MAX || (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0;
}

static bool same_text(const ASN1_STRING *s, const uint8_t *data, size_t len)
{
	return (size_t)ASN1_STRING_length(s) == len &&
	       strncasecmp((const char *)ASN1_STRING_get0_data(s), (const char *)data, len) == 0 &&
	       memchr(data, 0, len) == NULL;
}

bool crypto_cert_matches_id(const struct crypto_cert *c, uint8_t id_type, const uint8_t *data,
			    size_t len)
{
	GENERAL_NAMES *sans;
	bool match = false;

	if (len == 0)
		return false;
	if (id_type == V2_ID_DER_ASN1_DN) {
		uint8_t subj[CRYPTO_DN_MAX];
		int n = crypto_cert_subject(c, subj, sizeof(subj));

		if (n > 0 && crypto_dn_match(data, len, subj, (size_t)n))
			return true;
	}
	sans = X509_get_ext_d2i(c->x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !match; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

		switch (id_type) {
		case V2_ID_FQDN:
			match = g->type == GEN_DNS && same_text(g->d.dNSName, data, len);
			break;
		case V2_ID_RFC822_ADDR:
			match = g->type == GEN_EMAIL && same_text(g->d.rfc822Name, data, len);
			break;
		case V2_ID_IPV4_ADDR:
		case V2_ID_IPV6_ADDR:
			match = g->type == GEN_IPADD &&
				len == (id_type == V2_ID_IPV4_ADDR ? 4u : 16u) &&
				(size_t)ASN1_STRING_length(g->d.iPAddress) == len &&
				memcmp(ASN1_STRING_get0_data(g->d.iPAddress), data, len) == 0;
			break;
		case V2_ID_DER_ASN1_DN:
			if (g->type == GEN_DIRNAME) {
				uint8_t dn[CRYPTO_DN_MAX];
				int n = name_der(g->d.directoryName, dn, sizeof(dn));

				match = n > 0 && crypto_dn_match(data, len, dn, (size_t)n);
			}
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(sans);
	return match;
}

static void printable(const ASN1_STRING *s, char *buf, size_t cap)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	size_t n = 0;

	for (int i = 0; i < ASN1_STRING_length(s) && n + 1 < cap; i++)
		buf[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	buf[n] = 0;
}

void crypto_cert_san_foreach(const struct crypto_cert *c,
			     void (*fn)(void *arg, const char *kind, const char *value), void *arg)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(c->x, NID_subject_alt_name, NULL, NULL);

	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		char v[CRYPTO_DN_STR_MAX];
		uint8_t dn[CRYPTO_DN_MAX];
		int n;

		switch (g->type) {
		case GEN_DNS:
			printable(g->d.dNSName, v, sizeof(v));
			fn(arg, "DNS", v);
			break;
		case GEN_EMAIL:
			printable(g->d.rfc822Name, v, sizeof(v));
			fn(arg, "email", v);
			break;
		case GEN_URI:
			printable(g->d.uniformResourceIdentifier, v, sizeof(v));
			fn(arg, "URI", v);
			break;
		case GEN_IPADD:
			n = ASN1_STRING_length(g->d.iPAddress);
			if ((n == 4 || n == 16) &&
			    inet_ntop(n == 4 ? AF_INET : AF_INET6,
				      ASN1_STRING_get0_data(g->d.iPAddress), v, sizeof(v)))
				fn(arg, "IP", v);
			break;
		case GEN_DIRNAME:
			n = name_der(g->d.directoryName, dn, sizeof(dn));
			if (n > 0 && crypto_dn_str(dn, (size_t)n, v, sizeof(v)) >= 0)
				fn(arg, "DN", v);
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(sans);
}

static int crl_wrap(X509_CRL *x, struct crypto_crl **out)
{
	struct crypto_crl *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c) {
		X509_CRL_free(x);
		return -ENOMEM;
	}
	atomic_init(&c->refs, 1);
	c->crl = x;
	*out = c;
	return 0;
}

int crypto_crl_from_der(const uint8_t *der, size_t len, struct crypto_crl **out)
{
	ASN1_VALUE *v;
	int rc = der_decode_whole(der, len, CRYPTO_KEY_FILE_MAX, ASN1_ITEM_rptr(X509_CRL), &v);

	*out = NULL;
	return rc < 0 ? rc : crl_wrap((X509_CRL *)v, out);
}

int crypto_crl_load_file(const char *path, struct crypto_crl **out, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = crypto_file_read(path, false, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (is_pem(buf, len)) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);
		X509_CRL *x = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;

		BIO_free(bio);
		ERR_clear_error();
		rc = x ? crl_wrap(x, out) : -EBADMSG;
	} else {
		rc = crypto_crl_from_der(buf, len, out);
	}
	free(buf);
	if (rc == -EBADMSG && err)
		snprintf(err, errlen, "%s: not a CRL: expected DER or PEM (BEGIN X509 CRL)", path);
	else if (rc < 0 && err)
		snprintf(err, errlen, "%s: out of memory", path);
	return rc;
}

struct crypto_crl *crypto_crl_ref(struct crypto_crl *c)
{
	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void crypto_crl_unref(struct crypto_crl *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	X509_CRL_free(c->crl);
	free(c);
}

int crypto_crl_issuer(const struct crypto_crl *c, uint8_t *der, size_t cap)
{
	return name_der(X509_CRL_get_issuer(c->crl), der, cap);
}

const char *crypto_crl_issuer_str(const struct crypto_crl *c, char *buf, size_t len)
{
	return name_str(X509_CRL_get_issuer(c->crl), buf, len);
}

time_t crypto_crl_this_update(const struct crypto_crl *c)
{
	return asn1_time(X509_CRL_get0_lastUpdate(c->crl));
}

time_t crypto_crl_next_update(const struct crypto_crl *c)
{
	return asn1_time(X509_CRL_get0_nextUpdate(c->crl));
}

size_t crypto_crl_revoked_count(const struct crypto_crl *c)
{
	STACK_OF(X509_REVOKED) *r = X509_CRL_get_REVOKED(c->crl);

	return r ? (size_t)sk_X509_REVOKED_num(r) : 0;
}

X509_CRL *crypto_crl_x509(const struct crypto_crl *c)
{
	return c->crl;
}

/*
 * Files exported by older tools (RC2-40 bags: NSS pk12util, OpenSSL 1.x)
 * need OpenSSL's legacy provider. Loading any provider explicitly stops
 * the default one from loading on its own, so both are loaded, once.
 */
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static bool legacy_ok;

static void load_legacy(void)
{
	legacy_ok = OSSL_PROVIDER_load(NULL, "default") && OSSL_PROVIDER_load(NULL, "legacy");
	ERR_clear_error();
}

static int p12_parse(PKCS12 *p12, const char *pass, EVP_PKEY **pkey, X509 **x,
		     STACK_OF(X509) **ca)
{
	if (!PKCS12_verify_mac(p12, pass, -1))
		return -EACCES;
	if (PKCS12_parse(p12, pass, pkey, x, ca))
		return 0;
	ERR_clear_error();
	pthread_once(&legacy_once, load_legacy);
	if (legacy_ok && PKCS12_parse(p12, pass, pkey, x, ca))
		return 0;
	ERR_clear_error();
	return -EBADMSG;
}

int crypto_p12_load_file(const char *path, const char *passphrase, struct crypto_privkey **key,
			 struct crypto_cert **cert, struct crypto_cert **cas, size_t max_cas,
			 size_t *ncas, char *err, size_t errlen)
{
	STACK_OF(X509) *ca = NULL;
	const unsigned char *p;
	EVP_PKEY *pkey = NULL;
	PKCS12 *p12 = NULL;
	uint8_t *buf = NULL;
	X509 *x = NULL;
	size_t len = 0;
	int rc;

	*key = NULL;
	*cert = NULL;
	*ncas = 0;
	rc = crypto_file_read(path, true, &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	p = buf;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (!p12) {
		rc = -EBADMSG;
		if (err)
			snprintf(err, errlen, "%s: not a PKCS#12 file: expected DER PKCS#12 "
				 "(pk12util -o, openssl pkcs12 -export)", path);
		goto out;
	}
	rc = p12_parse(p12, passphrase ? passphrase : "", &pkey, &x, &ca);
	if (rc == -EACCES) {
		if (err)
			snprintf(err, errlen, "%s: the passphrase does not open this PKCS#12 file: "
				 "expected the one given at export", path);
		goto out;
	}
	if (rc < 0 || !pkey || !x) {
		rc = -EBADMSG;
		if (err)
			snprintf(err, errlen, "%s: expected a private key and its certificate in "
				 "the PKCS#12 file, found %s", path,
				 !pkey && !x ? "neither" : !pkey ? "no key" : "no certificate");
		goto out;
	}
	if (X509_check_private_key(x, pkey) != 1) {
		rc = -EKEYREJECTED;
		if (err)
			snprintf(err, errlen, "%s: the certificate in the PKCS#12 file is not the "
				 "one of its private key", path);
		goto out;
	}
	rc = crypto_privkey_wrap(pkey, key);
	pkey = NULL;
	if (rc < 0) {
		if (err)
			snprintf(err, errlen, "%s: a private key of a kind or size not supported: "
				 "expected RSA, ECDSA P-256/384/521, Ed25519 or Ed448", path);
		goto out;
	}
	rc = cert_wrap(x, cert);
	x = NULL;
	if (rc < 0)
		goto out;
	for (int i = 0; ca && i < sk_X509_num(ca) && *ncas < max_cas; i++) {
		X509 *c = sk_X509_value(ca, i);

		if (!X509_up_ref(c) || cert_wrap(c, &cas[*ncas]) < 0)
			continue;
		(*ncas)++;
	}
out:
	if (rc < 0) {
		crypto_privkey_unref(*key);
		crypto_cert_unref(*cert);
		*key = NULL;
		*cert = NULL;
		while (*ncas)
			crypto_cert_unref(cas[--(*ncas)]);
	}
	EVP_PKEY_free(pkey);
	X509_free(x);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	crypto_wipe(buf, len);
	free(buf);
	return rc;
}
