/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/id.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/dn.h"
#include "util/hex.h"

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Identity text we keep: visible ASCII, no spaces (the files split on them). */
static bool printable(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false;
	}
	return true;
}

static int parse_key_id(const char *s, const char *hex, struct ike_id *out, char *err,
			size_t errlen)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2)
		return fail(-EINVAL, err, errlen,
			    "\"%s\": expected @# followed by an even number of hex digits", s);
	if (n / 2 > IKE_ID_DATA_MAX)
		return fail(-EINVAL, err, errlen, "\"%.16s...\": key id longer than %d bytes", s,
			    IKE_ID_DATA_MAX);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return fail(-EINVAL, err, errlen,
				    "\"%s\": expected hex digits after @#", s);
		out->data[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	out->type = V2_ID_KEY_ID;
	out->len = (uint16_t)(n / 2);
	return 0;
}

/* "C=CH, O=Example, CN=host": libreswan's DN form, kept as DER. */
static int parse_dn(const char *s, struct ike_id *out, char *err, size_t errlen)
{
	uint8_t der[CRYPTO_DN_MAX];
	char why[200];
	int n = crypto_dn_parse(s, der, sizeof(der), why, sizeof(why));

	if (n == -EMSGSIZE || n > IKE_ID_DATA_MAX)
		return fail(-EINVAL, err, errlen,
			    "\"%.64s...\": a distinguished name longer than %d bytes of DER", s,
			    IKE_ID_DATA_MAX);
	if (n < 0)
		return fail(-EINVAL, err, errlen, "\"%.200s\": %s", s, why);
	memcpy(out->data, der, (size_t)n);
	out->type = V2_ID_DER_ASN1_DN;
	out->len = (uint16_t)n;
	return 0;
}

/* "@~3012...": a DER DN in hex. */
static int parse_der_dn(const char *s, const char *hex, struct ike_id *out, char *err,
			size_t errlen)
{
	int rc = parse_key_id(s, hex, out, NULL, 0);

	if (rc < 0 || !crypto_dn_is_valid(out->data, out->len))
		return fail(-EINVAL, err, errlen,
			    "\"%.64s\": expected @~ followed by the hex digits of a DER "
			    "distinguished name of at most %d bytes", s, IKE_ID_DATA_MAX);
	out->type = V2_ID_DER_ASN1_DN;
	return 0;
}

static int set_text(uint8_t type, const char *s, const char *text, struct ike_id *out, char *err,
		    size_t errlen)
{
	size_t n = strlen(text);

	if (n == 0)
		return fail(-EINVAL, err, errlen, "\"%s\": expected a name after the @", s);
	if (n > IKE_ID_DATA_MAX)
		return fail(-EINVAL, err, errlen, "\"%.32s...\": longer than %d characters", s,
			    IKE_ID_DATA_MAX);
	if (!printable((const uint8_t *)text, n))
		return fail(-EINVAL, err, errlen,
			    "\"%s\": expected visible ASCII characters only", s);
	memcpy(out->data, text, n);
	out->type = type;
	out->len = (uint16_t)n;
	return 0;
}

int ike_id_parse(const char *s, struct ike_id *out, char *err, size_t errlen)
{
	struct ike_id id = { 0 };
	struct ip_addr a;
	int rc;

	if (!s || !*s)
		return fail(-EINVAL, err, errlen,
			    "empty identity: expected an address, @FQDN, user@FQDN or %%any");

	if (s[0] == '%') {
		if (!strcasecmp(s, "%any") || !strcasecmp(s, "%any6")) {
			id.type = IKE_ID_ANY;
		} else if (!strcasecmp(s, "%null")) {
			id.type = V2_ID_NULL;
		} else if (!strcasecmp(s, "%fromcert")) {
			id.type = IKE_ID_FROMCERT;
		} else {
			return fail(-EINVAL, err, errlen,
				    "\"%s\": unknown keyword; expected %%any, %%any6, %%null or "
				    "%%fromcert", s);
		}
		*out = id;
		return 0;
	}

	if (!strncmp(s, "@~", 2))
		rc = parse_der_dn(s, s + 2, &id, err, errlen);
	else if (crypto_dn_looks_like(s))
		rc = parse_dn(s, &id, err, errlen);
	else if (!strncmp(s, "@#", 2))
		rc = parse_key_id(s, s + 2, &id, err, errlen);
	else if (s[0] == '@')
		rc = set_text(V2_ID_FQDN, s, s + 1, &id, err, errlen);
	else if (ip_addr_parse(s, &a) == 0) {
		id = ike_id_from_addr(&a);
		rc = 0;
	} else if (strchr(s, '@')) {
		const char *at = strchr(s, '@');

		if (at[1] == '\0')
			return fail(-EINVAL, err, errlen,
				    "\"%s\": expected a domain after the @ of user@FQDN", s);
		rc = set_text(V2_ID_RFC822_ADDR, s, s, &id, err, errlen);
	} else {
		return fail(-EINVAL, err, errlen,
			    "\"%s\": expected an address, @FQDN or user@FQDN; name resolution is "
			    "not supported",
			    s);
	}
	if (rc == 0)
		*out = id;
	return rc;
}

struct ike_id ike_id_from_addr(const struct ip_addr *a)
{
	struct ike_id id = { 0 };

	if ((a->af != AF_INET && a->af != AF_INET6) || ip_addr_is_unspecified(a))
		return id;	/* IKE_ID_ANY */
	if (a->af == AF_INET) {
		id.type = V2_ID_IPV4_ADDR;
		id.len = 4;
		memcpy(id.data, &a->v4, 4);
	} else {
		id.type = V2_ID_IPV6_ADDR;
		id.len = 16;
		memcpy(id.data, &a->v6, 16);
	}
	return id;
}

int ike_id_from_payload(uint8_t type, const uint8_t *data, size_t len, struct ike_id *out)
{
	struct ike_id id = { .type = type };

	switch (type) {
	case V2_ID_IPV4_ADDR:
		if (len != 4)
			return -EBADMSG;
		break;
	case V2_ID_IPV6_ADDR:
		if (len != 16)
			return -EBADMSG;
		break;
	case V2_ID_FQDN:
	case V2_ID_RFC822_ADDR:
		if (len == 0 || len > IKE_ID_DATA_MAX || !printable(data, len))
			return -EBADMSG;
		break;
	case V2_ID_KEY_ID:
		if (len == 0 || len > IKE_ID_DATA_MAX)
			return -EBADMSG;
		break;
	case V2_ID_NULL:
		/* RFC 7619 3: the identification data is empty. */
		if (len != 0)
			return -EBADMSG;
		break;
	case V2_ID_DER_ASN1_DN:
		if (!crypto_dn_is_valid(data, len))
			return -EBADMSG;
		if (len > IKE_ID_DATA_MAX)
			return -E2BIG;
		break;
	case V2_ID_DER_ASN1_GN:
		return -EOPNOTSUPP;
	default:
		return -EBADMSG;
	}
	if (len)
		memcpy(id.data, data, len);
	id.len = (uint16_t)len;
	*out = id;
	return 0;
}

bool ike_id_eq(const struct ike_id *a, const struct ike_id *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == V2_ID_DER_ASN1_DN)
		return crypto_dn_match(a->data, a->len, b->data, b->len) &&
		       crypto_dn_match(b->data, b->len, a->data, a->len);
	if (a->len != b->len)
		return false;
	if (a->type == V2_ID_FQDN || a->type == V2_ID_RFC822_ADDR) {
		for (size_t i = 0; i < a->len; i++) {
			uint8_t x = a->data[i], y = b->data[i];

			if (x >= 'A' && x <= 'Z')
				x += 'a' - 'A';
			if (y >= 'A' && y <= 'Z')
				y += 'a' - 'A';
			if (x != y)
				return false;
		}
		return true;
	}
	return memcmp(a->data, b->data, a->len) == 0;
}

bool ike_id_match(const struct ike_id *pattern, const struct ike_id *id)
{
	if (pattern->type == IKE_ID_ANY || pattern->type == IKE_ID_FROMCERT)
		return true;
	if (pattern->type == V2_ID_DER_ASN1_DN && id->type == V2_ID_DER_ASN1_DN)
		return crypto_dn_match(pattern->data, pattern->len, id->data, id->len);
	return ike_id_eq(pattern, id);
}

const char *ike_id_str(const struct ike_id *id, char *buf, size_t len)
{
	char tmp[IKE_ID_STRLEN];
	struct ip_addr a = { 0 };
	size_t n = id->len > IKE_ID_DATA_MAX ? IKE_ID_DATA_MAX : id->len;

	switch (id->type) {
	case IKE_ID_ANY:
		snprintf(tmp, sizeof(tmp), "%%any");
		break;
	case V2_ID_NULL:
		snprintf(tmp, sizeof(tmp), "%%null");
		break;
	case IKE_ID_FROMCERT:
		snprintf(tmp, sizeof(tmp), "%%fromcert");
		break;
	case V2_ID_DER_ASN1_DN:
		if (crypto_dn_str(id->data, n, tmp, sizeof(tmp)) == -EBADMSG)
			snprintf(tmp, sizeof(tmp), "<bad DN>");
		break;
	case V2_ID_IPV4_ADDR:
	case V2_ID_IPV6_ADDR:
		a.af = id->type == V2_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		memcpy(a.b, id->data, a.af == AF_INET ? 4 : 16);
		ip_addr_str(&a, tmp);
		break;
	case V2_ID_FQDN:
		snprintf(tmp, sizeof(tmp), "@%.*s", (int)n, (const char *)id->data);
		break;
	case V2_ID_RFC822_ADDR:
		snprintf(tmp, sizeof(tmp), "%.*s", (int)n, (const char *)id->data);
		break;
	case V2_ID_KEY_ID: {
		size_t o = 0;

		tmp[o++] = '@';
		tmp[o++] = '#';
		for (size_t i = 0; i < n; i++)
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "%02x", id->data[i]);
		tmp[o] = '\0';
		break;
	}
	default:
		snprintf(tmp, sizeof(tmp), "<ID type %u>", id->type);
		break;
	}
	if (len)
		snprintf(buf, len, "%s", tmp);
	return buf;
}
