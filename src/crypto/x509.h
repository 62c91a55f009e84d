/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_X509_H
#define SKUA_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

#include "crypto/key.h"

/*
 * X.509 certificates (RFC 5280), CRLs and PKCS#12 files.
 *
 * A certificate or CRL is immutable once made and reference counted, like
 * keys (key.h): a verify job carries references of its own. Parsing a
 * peer's certificate (CERT payload contents) is parsing untrusted bytes:
 * crypto_cert_from_der() accepts exactly one DER certificate and nothing
 * after it; everything else about it is only believed after
 * crypto_trust_verify() (trust.h).
 *
 * Conventions as crypto.h; loaders fill err with the file, what was wrong
 * and what was expected.
 */
struct crypto_cert;
struct crypto_crl;

enum {
	CRYPTO_CERT_MAX = 65535,	/* bytes of one DER certificate (a CERT payload's) */
	CRYPTO_CERTS_PER_FILE = 256,	/* certificates read from one PEM bundle */
};

/*
 * One DER certificate (untrusted). Returns 0, -EBADMSG (not exactly one
 * certificate) or -ENOMEM. A certificate whose key is of a kind key.h does
 * not do still parses (a CA may sign with a key we cannot use): its
 * crypto_cert_pubkey() is NULL.
 * Context: any thread; the caller owns *out.
 */
int crypto_cert_from_der(const uint8_t *der, size_t len, struct crypto_cert **out);

/*
 * Every certificate of a file: DER (one), or PEM (one or more "BEGIN
 * CERTIFICATE" blocks; other blocks are skipped). Returns the number read
 * (at least 1) into out[0..max), -EBADMSG (no certificate in it), -E2BIG
 * (more than max), -EFBIG, -ENOMEM or the -errno of open/read.
 * Context: ctl thread or start-up; blocks on file I/O.
 */
int crypto_cert_load_file(const char *path, struct crypto_cert **out, size_t max, char *err,
			  size_t errlen);

struct crypto_cert *crypto_cert_ref(struct crypto_cert *c);
void crypto_cert_unref(struct crypto_cert *c);

/* The certificate's DER bytes (for CERT payloads); valid while c is. */
const uint8_t *crypto_cert_der(const struct crypto_cert *c, size_t *len);

/* Its public key (borrowed: lives as long as c), or NULL (see above). */
struct crypto_pubkey *crypto_cert_pubkey(const struct crypto_cert *c);

/*
 * Subject and issuer: the DER Name (returns its length, or -EMSGSIZE) and
 * libreswan's string form (returns buf; "" on error).
 */
int crypto_cert_subject(const struct crypto_cert *c, uint8_t *der, size_t cap);
int crypto_cert_issuer(const struct crypto_cert *c, uint8_t *der, size_t cap);
const char *crypto_cert_subject_str(const struct crypto_cert *c, char *buf, size_t len);
const char *crypto_cert_issuer_str(const struct crypto_cert *c, char *buf, size_t len);

/* The serial number as libreswan prints it: "0x0207b57f2ca8". Returns buf. */
const char *crypto_cert_serial_str(const struct crypto_cert *c, char *buf, size_t len);

/* Validity, in seconds since the epoch. */
time_t crypto_cert_not_before(const struct crypto_cert *c);
time_t crypto_cert_not_after(const struct crypto_cert *c);

/* A CA: basicConstraints cA TRUE. Self-signed: subject = issuer and the signature checks. */
bool crypto_cert_is_ca(const struct crypto_cert *c);
bool crypto_cert_is_self_signed(const struct crypto_cert *c);

/* Whether issuer's subject is c's issuer and its key signed c. */
bool crypto_cert_issued_by(const struct crypto_cert *c, const struct crypto_cert *issuer);

/*
 * Whether the certificate may sign IKE AUTH payloads: no keyUsage
 * extension, or one with digitalSignature or nonRepudiation (RFC 4945
 * 5.1.3.2).
 */
bool crypto_cert_usage_ok(const struct crypto_cert *c);

/*
 * Whether the certificate vouches for an IKE identity (RFC 4945 3.1, 5.1.2):
 *   ID_DER_ASN1_DN   the subject, or a directoryName subjectAltName, matches
 *                    (crypto_dn_match: data may be a pattern with "*")
 *   ID_FQDN          a dNSName subjectAltName, without regard to case
 *   ID_RFC822_ADDR   an rfc822Name subjectAltName (the domain without case)
 *   ID_IPV4_ADDR,
 *   ID_IPV6_ADDR     an iPAddress subjectAltName of the same family
 * Other types never match. id_type is enum v2_id_type.
 * Context: any thread; pure.
 */
bool crypto_cert_matches_id(const struct crypto_cert *c, uint8_t id_type, const uint8_t *data,
			    size_t len);

/*
 * The subjectAltNames for listings: calls fn once per name with its
 * kind ("DNS", "email", "IP", "DN", "URI") and printable value.
 */
void crypto_cert_san_foreach(const struct crypto_cert *c,
			     void (*fn)(void *arg, const char *kind, const char *value), void *arg);

/*
 * SHA-1 of the certificate's SubjectPublicKeyInfo: how a CERTREQ names a
 * CA (RFC 7296 3.7). Returns 0 or -EIO. Context: any thread.
 */
int crypto_cert_spki_sha1(const struct crypto_cert *c, uint8_t out[20]);

/* Module-internal: the OpenSSL object (borrowed). */
X509 *crypto_cert_x509(const struct crypto_cert *c);

/*
 * CRLs: a file (PEM or DER, one CRL). Returns 0, -EBADMSG, -EFBIG, -ENOMEM
 * or the -errno of open/read. Its signature is checked when it is used
 * (trust.h), against the CA that issued it.
 */
int crypto_crl_load_file(const char *path, struct crypto_crl **out, char *err, size_t errlen);
int crypto_crl_from_der(const uint8_t *der, size_t len, struct crypto_crl **out);
struct crypto_crl *crypto_crl_ref(struct crypto_crl *c);
void crypto_crl_unref(struct crypto_crl *c);
int crypto_crl_issuer(const struct crypto_crl *c, uint8_t *der, size_t cap);
const char *crypto_crl_issuer_str(const struct crypto_crl *c, char *buf, size_t len);
time_t crypto_crl_this_update(const struct crypto_crl *c);
time_t crypto_crl_next_update(const struct crypto_crl *c);	/* 0: none given */
size_t crypto_crl_revoked_count(const struct crypto_crl *c);
X509_CRL *crypto_crl_x509(const struct crypto_crl *c);

/*
 * A PKCS#12 file with its passphrase (ipsec.secrets ": P12 file pass"):
 * the private key, its certificate and any CA certificates in it (up to
 * max_cas). The file must pass crypto_key_file_check(); its bytes are
 * wiped once parsed. Returns 0 (*key and *cert set; *ncas written),
 * -EPERM (file mode), -EACCES (wrong passphrase), -EBADMSG (not PKCS#12,
 * or no key or no certificate in it), -EKEYREJECTED (the certificate is
 * not the key's), -ENOTSUP (key kind), -EFBIG, -ENOMEM or -errno.
 * Context: ctl thread or start-up; blocks on file I/O.
 */
int crypto_p12_load_file(const char *path, const char *passphrase, struct crypto_privkey **key,
			 struct crypto_cert **cert, struct crypto_cert **cas, size_t max_cas,
			 size_t *ncas, char *err, size_t errlen);

#endif
