/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_TRUST_H
#define SKUA_CRYPTO_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/x509.h"

/*
 * Trust anchors and CRLs, and the validation of a peer's certificate
 * chain against them (RFC 5280 6, through OpenSSL's X509_verify_cert).
 *
 * A trust set is built by one thread (the ctl loader), then sealed and
 * shared: after crypto_trust_seal() it is immutable and reference
 * counted, so verify jobs on any worker hold a reference of their own
 * while a reread builds the next set. Every certificate added as a CA is
 * a trust anchor (an intermediate CA placed among the anchors is trusted
 * as such: OpenSSL's partial chains).
 */
struct crypto_trust;

/* A new empty set. NULL when memory is short. Context: any thread. */
struct crypto_trust *crypto_trust_new(void);

/*
 * Add a trust anchor or a CRL (the set takes a reference). Returns 0,
 * -EEXIST (the same certificate or CRL again: ignored), -EBUSY (sealed)
 * or -ENOMEM. Context: the building thread, before crypto_trust_seal().
 */
int crypto_trust_add_ca(struct crypto_trust *t, struct crypto_cert *ca);
int crypto_trust_add_crl(struct crypto_trust *t, struct crypto_crl *crl);

/* No more additions; the set may now be shared. Context: the builder. */
void crypto_trust_seal(struct crypto_trust *t);

struct crypto_trust *crypto_trust_ref(struct crypto_trust *t);
void crypto_trust_unref(struct crypto_trust *t);

/* The anchors and CRLs, for listings. Context: any thread holding t. */
size_t crypto_trust_ca_count(const struct crypto_trust *t);
struct crypto_cert *crypto_trust_ca_at(const struct crypto_trust *t, size_t i);
size_t crypto_trust_crl_count(const struct crypto_trust *t);
struct crypto_crl *crypto_trust_crl_at(const struct crypto_trust *t, size_t i);

/*
 * Whether any anchor has this subject (a --ca DN, which may be a pattern):
 * lets a connection refuse a --ca no anchor can satisfy.
 */
bool crypto_trust_has_ca(const struct crypto_trust *t, const uint8_t *dn, size_t len);

/* Owner: the caller, a plain value. */
struct crypto_verify_opts {
	time_t now;			/* 0: the current time */
	bool crl_strict;		/* --crl-strict: a CA without a current CRL fails */
	const uint8_t *ca_dn;		/* --ca: a CA on the path must match; NULL: any */
	size_t ca_dn_len;
};

/* Owner: the caller. */
struct crypto_verify_result {
	char why[512];			/* on failure: what was wrong, for the log */
	bool crl_missing;		/* a CA on the path had no CRL (accepted unless strict) */
	bool crl_stale;			/* a CRL was past its nextUpdate (likewise) */
	unsigned depth;			/* certificates on the validated path, leaf included */
};

/*
 * Validate leaf with the untrusted intermediates (the peer's other CERT
 * payloads, any order) against t at opts->now: signatures, validity
 * periods, basic constraints, path length, CRLs of every CA on the path
 * when t holds any CRL or opts->crl_strict, the leaf's key usage
 * (crypto_cert_usage_ok) and opts->ca_dn. Returns
 *   0              a valid path to an anchor
 *   -EKEYEXPIRED   a certificate (or, when strict, a CRL) out of its validity period
 *   -EKEYREVOKED   a certificate on the path is revoked
 *   -EACCES        the path does not go through the --ca CA
 *   -EKEYREJECTED  anything else: no path to an anchor (unknown CA, missing
 *                  intermediate), a bad signature, a CA flag or key usage
 *                  missing, no CRL when strict
 *   -ENOMEM
 * and fills *res (why says which, in words). Nothing is logged.
 * Context: any thread holding t (a crypto job); CPU-heavy.
 */
int crypto_trust_verify(const struct crypto_trust *t, const struct crypto_cert *leaf,
			struct crypto_cert *const *inter, size_t ninter,
			const struct crypto_verify_opts *opts, struct crypto_verify_result *res);

#endif
