/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_DN_H
#define SKUA_CRYPTO_DN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * X.500 Distinguished Names: the DER form (RFC 5280 4.1.2.4; what an
 * ID_DER_ASN1_DN payload and a certificate carry) and libreswan's string
 * form, which whack --id, --ca and the listings use:
 *
 *   C=CH, O=strongSwan, CN=moon.strongswan.org
 *
 * RDNs in DER order, separated by ", " (a ',' or '/' separator is read,
 * ", " is written), attributes of a multi-valued RDN joined by '+';
 * values may be "quoted", or carry \, \+ \" \\ and \XX hex escapes.
 * Attribute names (case-insensitive when read): CN, S (surname), SN
 * (serialNumber), C, L, ST, STREET, O, OU, T (title), D (description),
 * N (name), G (givenName), I (initials), ID (x500UniqueIdentifier),
 * E (emailAddress; also Email), UN (unstructuredName), DC, UID,
 * postalCode, pseudonym, dnQualifier; other attributes as dotted OIDs
 * (2.5.4.20=...) both ways.
 *
 * Comparison (crypto_dn_match): the same number of RDNs, each with the
 * same attributes and values; values compare without regard to ASCII
 * case, leading/trailing spaces and runs of inner spaces, whatever
 * string type carries them (RFC 5280 7.1, simplified). RDNs are matched
 * in order first, then in any order (libreswan accepts both). A pattern
 * value of exactly "*" matches any value of its attribute (libreswan's
 * wildcard IDs, rightid="C=CH, O=strongSwan, CN=*").
 *
 * All functions: any thread; pure.
 */

enum { CRYPTO_DN_MAX = 1024, CRYPTO_DN_STR_MAX = 2048 };

/*
 * Parse the string form into DER. Returns the DER length, -EINVAL (err
 * says what was wrong: an unknown attribute, a missing '=', an empty
 * value, a bad escape, C not two letters) or -EMSGSIZE (cap).
 */
int crypto_dn_parse(const char *s, uint8_t *der, size_t cap, char *err, size_t errlen);

/* Whether s looks like a DN to parse (libreswan: it contains an '='). */
bool crypto_dn_looks_like(const char *s);

/*
 * Print a DER DN (untrusted) in the string form; control characters and
 * bytes outside printable ASCII/UTF-8 come out as \XX. Returns the string
 * length, -EBADMSG (not a DER Name) or -EMSGSIZE (truncated output, still
 * NUL-terminated).
 */
int crypto_dn_str(const uint8_t *der, size_t len, char *buf, size_t cap);

/* Whether der is exactly one DER Name (untrusted bytes). */
bool crypto_dn_is_valid(const uint8_t *der, size_t len);

/* Match dn against pattern (which may hold "*" values); see above. */
bool crypto_dn_match(const uint8_t *pattern, size_t plen, const uint8_t *dn, size_t len);

/* Whether a DN has a "*" value (and so is a pattern, not an identity). */
bool crypto_dn_has_wildcard(const uint8_t *der, size_t len);

#endif
