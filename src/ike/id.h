/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_ID_H
#define SKUA_IKE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/types.h"
#include "util/addr.h"

/*
 * An IKE identity (RFC 7296 3.5): what whack --id, the ipsec.secrets
 * selectors and the IDi/IDr payloads carry.
 *
 * Owner: a plain value, copied freely; no pointers inside.
 */
enum {
	IKE_ID_ANY = 0,			/* %any, %any6, 0.0.0.0, ::; never on the wire */
	IKE_ID_FROMCERT = 0xfe,		/* %fromcert: the certificate's subject; never on the wire */
	IKE_ID_DATA_MAX = 255,		/* FQDN, user@FQDN, KEY_ID, DER DN */
	IKE_ID_STRLEN = 4 * IKE_ID_DATA_MAX + 1,	/* a DN with escapes, the longest form */
};

struct ike_id {
	uint8_t type;			/* enum v2_id_type, IKE_ID_ANY or IKE_ID_FROMCERT */
	uint16_t len;			/* bytes of data used */
	uint8_t data[IKE_ID_DATA_MAX];	/* address in network order, text without NUL, or DER */
};

/*
 * The bytes of id that are used: what an ID kept at its size (a held
 * SA's peer ID, an instance's) occupies. Such a copy is read through a
 * pointer, never copied with `*` (that would read sizeof(struct ike_id)).
 */
static inline size_t ike_id_size(const struct ike_id *id)
{
	return offsetof(struct ike_id, data) + id->len;
}

/*
 * Parse the whack --id / ipsec.secrets form of an identity:
 *   192.0.2.1, 2001:db8::1   ID_IPV4_ADDR / ID_IPV6_ADDR
 *   @vpn.example.com         ID_FQDN (stored without the @)
 *   @#0123abcd               ID_KEY_ID (hex)
 *   user@example.com         ID_RFC822_ADDR
 *   %any, %any6, 0.0.0.0, :: IKE_ID_ANY
 *   %null                    ID_NULL (RFC 7619)
 *   C=CH, O=Example, CN=host ID_DER_ASN1_DN (anything with an '=': libreswan's
 *                            DN form, crypto/dn.h; at most IKE_ID_DATA_MAX
 *                            bytes of DER; "*" values make it a pattern)
 *   @~30..                   ID_DER_ASN1_DN given as DER in hex
 *   %fromcert                IKE_ID_FROMCERT (the subject of the end's --cert)
 * A bare host name (which libreswan resolves through DNS) and anything
 * malformed return -EINVAL.
 * On error, err (if not NULL) says what was wrong and what was expected.
 * Context: any thread; pure. *out is written only on success.
 */
int ike_id_parse(const char *s, struct ike_id *out, char *err, size_t errlen);

/*
 * The ID_IPV4_ADDR / ID_IPV6_ADDR identity of an address; an unset or
 * unspecified address gives IKE_ID_ANY. Context: any thread; pure.
 */
struct ike_id ike_id_from_addr(const struct ip_addr *a);

/*
 * Validate an ID received from a peer (the ID payload's type and data,
 * RFC 7296 3.5) and copy it into *out. IPv4 needs 4 bytes, IPv6 16, FQDN
 * and RFC822 1..IKE_ID_DATA_MAX printable characters, KEY_ID
 * 1..IKE_ID_DATA_MAX bytes, ID_NULL none, DER_ASN1_DN exactly one DER Name.
 * Returns 0, -EBADMSG (bad length or contents, unknown type), -E2BIG (a DN
 * longer than IKE_ID_DATA_MAX: valid but more than we keep) or -EOPNOTSUPP
 * (DER_ASN1_GN). Context: any thread; pure; reads exactly len bytes.
 */
int ike_id_from_payload(uint8_t type, const uint8_t *data, size_t len, struct ike_id *out);

/*
 * Same identity: same type and data; FQDN and user@FQDN compare without
 * regard to case (DNS names are case-insensitive), DNs as crypto_dn_match()
 * in both directions (so a "*" value equals only "*"). IKE_ID_ANY equals
 * only IKE_ID_ANY: wildcard matching is ike_id_match(), not equality.
 * Context: any thread; pure.
 */
bool ike_id_eq(const struct ike_id *a, const struct ike_id *b);

/*
 * Whether a peer's id satisfies a configured one: %any and %fromcert take
 * any id (for %fromcert the certificate must then vouch for it), a DN
 * pattern with "*" values matches as crypto_dn_match(), anything else as
 * ike_id_eq(). Context: any thread; pure.
 */
bool ike_id_match(const struct ike_id *pattern, const struct ike_id *id);

static inline bool ike_id_is_any(const struct ike_id *id)
{
	return id->type == IKE_ID_ANY;
}

static inline bool ike_id_is_fromcert(const struct ike_id *id)
{
	return id->type == IKE_ID_FROMCERT;
}

/*
 * Print libreswan-style: "192.0.2.1", "@vpn.example.com", "user@host",
 * "@#0123ab", "%any", "%null", "%fromcert", "C=CH, O=Example, CN=host".
 * Truncates to len - 1 characters.
 * Context: any thread. Returns buf.
 */
const char *ike_id_str(const struct ike_id *id, char *buf, size_t len);

#endif
