/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/dn.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

/* libreswan's attribute names; the first name of an OID is the one printed. */
static const struct {
	const char *name;
	const char *oid;
	int type;		/* 0: PrintableString when it can, else UTF8String */
} attrs[] = {
	{ "CN", "2.5.4.3", 0 },
	{ "S", "2.5.4.4", 0 },
	{ "SN", "2.5.4.5", V_ASN1_PRINTABLESTRING },
	{ "serialNumber", "2.5.4.5", V_ASN1_PRINTABLESTRING },
	{ "C", "2.5.4.6", V_ASN1_PRINTABLESTRING },
	{ "L", "2.5.4.7", 0 },
	{ "ST", "2.5.4.8", 0 },
	{ "STREET", "2.5.4.9", 0 },
	{ "O", "2.5.4.10", 0 },
	{ "OU", "2.5.4.11", 0 },
	{ "T", "2.5.4.12", 0 },
	{ "D", "2.5.4.13", 0 },
	{ "postalCode", "2.5.4.17", 0 },
	{ "N", "2.5.4.41", 0 },
	{ "G", "2.5.4.42", 0 },
	{ "I", "2.5.4.43", 0 },
	{ "dnQualifier", "2.5.4.46", V_ASN1_PRINTABLESTRING },
	{ "pseudonym", "2.5.4.65", 0 },
	{ "E", "1.2.840.113549.1.9.1", V_ASN1_IA5STRING },
	{ "Email", "1.2.840.113549.1.9.1", V_ASN1_IA5STRING },
	{ "emailAddress", "1.2.840.113549.1.9.1", V_ASN1_IA5STRING },
	{ "UN", "1.2.840.113549.1.9.2", V_ASN1_IA5STRING },
	{ "unstructuredName", "1.2.840.113549.1.9.2", V_ASN1_IA5STRING },
	{ "DC", "0.9.2342.19200300.100.1.25", V_ASN1_IA5STRING },
	{ "UID", "0.9.2342.19200300.100.1.1", 0 },
};

enum { ATTR_C = 4 };

bool crypto_dn_looks_like(const char *s)
{
	return s && strchr(s, '=') != NULL;
}

__attribute__((format(printf, 3, 4)))
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool is_printable_string(const uint8_t *v, size_t n)
{
	static const char extra[] = " '()+,-./:=?";

	for (size_t i = 0; i < n; i++)
		if (!isalnum(v[i]) && !strchr(extra, v[i]))
			return false;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Read one value at *pp up to an unescaped sep, '+' or the end into out
 * (cap bytes). Returns its length or -1 (why set).
 */
static int read_value(const char **pp, char sep, uint8_t *out, size_t cap, const char **why)
{
	const char *p = *pp;
	size_t n = 0, keep = 0;	/* keep: length without unescaped trailing spaces */
	bool quoted = *p == '"';

	if (quoted)
		p++;
	for (;;) {
		int c = (unsigned char)*p;

		if (c == 0) {
			if (quoted) {
				*why = "an unterminated \"quoted\" value";
				return -1;
			}
			break;
		}
		if (quoted && c == '"') {
			p++;
			while (*p == ' ')
				p++;
			if (*p && *p != sep && *p != '+') {
				*why = "text after a \"quoted\" value";
				return -1;
			}
			keep = n;
			break;
		}
		if (!quoted && (c == sep || c == '+'))
			break;
		if (c == '\\') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);

			if (h >= 0 && l >= 0) {
				c = h << 4 | l;
				p += 3;
			} else if (p[1] && strchr(",+\"\\/=#<>; ", p[1])) {
				c = (unsigned char)p[1];
				p += 2;
			} else {
				*why = "a '\\' escape other than \\, \\+ \\\" \\\\ or two hex digits";
				return -1;
			}
			if (n == cap) {
				*why = "a value too long";
				return -1;
			}
			out[n++] = (uint8_t)c;
			keep = n;
			continue;
		}
		if (n == cap) {
			*why = "a value too long";
			return -1;
		}
		out[n++] = (uint8_t)c;
		if (c != ' ' || quoted)
			keep = n;
		p++;
	}
	*pp = p;
	return (int)keep;
}

static int find_attr(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (strlen(attrs[i].name) == len && !strncasecmp(attrs[i].name, name, len))
			return (int)i;
	return -1;
}

static bool is_dotted_oid(const char *s, size_t len)
{
	bool dot = false;

	if (len == 0 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (dot)
				return false;	/* ".." */
			dot = true;
		} else if (isdigit((unsigned char)s[i])) {
			dot = false;
		} else {
			return false;
		}
	}
	return strchr(s, '.') != NULL;
}

int crypto_dn_parse(const char *s, uint8_t *der, size_t cap, char *err, size_t errlen)
{
	X509_NAME *name = X509_NAME_new();
	const char *p = s;
	uint8_t value[CRYPTO_DN_MAX];
	unsigned char *out = NULL;
	char sep = ',';
	bool plus = false;
	int rc = -EINVAL, n;

	if (!name)
		return -ENOMEM;
	while (*p == ' ')
		p++;
	if (*p == '/') {
		sep = '/';
		p++;
	}
	if (!*p) {
		fail(err, errlen, "an empty distinguished name: expected ATTRIBUTE=value, ...");
		goto out;
	}
	while (*p) {
		const char *a, *eq, *why = NULL;
		char attr[64];
		size_t alen;
		ASN1_OBJECT *obj = NULL;
		int type, i;

		while (*p == ' ')
			p++;
		a = p;
		eq = strchr(p, '=');
		if (!eq) {
			fail(err, errlen, "\"%.64s\": expected ATTRIBUTE=value", a);
			goto out;
		}
		alen = (size_t)(eq - a);
		while (alen && a[alen - 1] == ' ')
			alen--;
		if (alen == 0 || alen >= sizeof(attr) || memchr(a, sep, alen) || memchr(a, '+', alen)) {
			fail(err, errlen, "\"%.64s\": expected ATTRIBUTE=value", a);
			goto out;
		}
		memcpy(attr, a, alen);
		attr[alen] = 0;
		i = find_attr(a, alen);
		if (i >= 0) {
			obj = OBJ_txt2obj(attrs[i].oid, 1);
			type = attrs[i].type;
		} else if (is_dotted_oid(attr, alen)) {
			obj = OBJ_txt2obj(attr, 1);
			type = 0;
		} else {
			fail(err, errlen,
			     "unknown attribute \"%s\": expected CN, C, ST, L, O, OU, E, DC, UID, "
			     "S, SN, T, D, N, G, I, STREET, postalCode or a dotted OID",
			     attr);
			goto out;
		}
		if (!obj) {
			rc = -ENOMEM;
			goto out;
		}
		p = eq + 1;
		while (*p == ' ')
			p++;
		n = read_value(&p, sep, value, sizeof(value), &why);
		if (n <= 0) {
			ASN1_OBJECT_free(obj);
			fail(err, errlen, "%s: %s", attr, why ? why : "an empty value");
			goto out;
		}
		if (i == ATTR_C && (n != 2 || !isalpha(value[0]) || !isalpha(value[1]))) {
			ASN1_OBJECT_free(obj);
			fail(err, errlen, "C=%.*s: expected a two-letter country code", n,
			     (const char *)value);
			goto out;
		}
		if (type == 0)
			type = is_printable_string(value, (size_t)n) ? V_ASN1_PRINTABLESTRING
								     : V_ASN1_UTF8STRING;
		if (type == V_ASN1_PRINTABLESTRING && !is_printable_string(value, (size_t)n))
			type = V_ASN1_UTF8STRING;	/* serialNumber with odd characters */
		if (type == V_ASN1_IA5STRING)
			for (int k = 0; k < n; k++)
				if (value[k] & 0x80) {
					ASN1_OBJECT_free(obj);
					fail(err, errlen, "%s: expected ASCII (an IA5String)", attr);
					goto out;
				}
		if (!X509_NAME_add_entry_by_OBJ(name, obj, type, value, n, -1, plus ? -1 : 0)) {
			ASN1_OBJECT_free(obj);
			rc = -ENOMEM;
			goto out;
		}
		ASN1_OBJECT_free(obj);
		plus = *p == '+';
		if (*p)
			p++;	/* the separator or '+' */
		if (plus && !*p) {
			fail(err, errlen, "%s: expected another ATTRIBUTE=value after '+'", attr);
			goto out;
		}
	}
	n = i2d_X509_NAME(name, &out);
	if (n <= 0) {
		rc = -ENOMEM;
		goto out;
	}
	if ((size_t)n > cap || n > CRYPTO_DN_MAX) {
		rc = -EMSGSIZE;
		fail(err, errlen, "a distinguished name of %d bytes: larger than the maximum %zu", n,
		     cap < CRYPTO_DN_MAX ? cap : (size_t)CRYPTO_DN_MAX);
		goto out;
	}
	memcpy(der, out, (size_t)n);
	rc = n;
out:
	OPENSSL_free(out);
	X509_NAME_free(name);
	return rc;
}

static X509_NAME *decode(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *name;

	if (len == 0 || len > CRYPTO_DN_MAX)
		return NULL;
	name = d2i_X509_NAME(NULL, &p, (long)len);
	if (name && p != der + len) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

bool crypto_dn_is_valid(const uint8_t *der, size_t len)
{
	X509_NAME *name = decode(der, len);

	X509_NAME_free(name);
	return name != NULL;
}

struct out {
	char *buf;
	size_t cap, len;
	bool trunc;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (o->len + 1 >= o->cap) {
			o->trunc = true;
			return;
		}
		o->buf[o->len++] = s[i];
	}
	o->buf[o->len] = 0;
}

static void put_value(struct out *o, const unsigned char *v, int n)
{
	for (int i = 0; i < n; i++) {
		char esc[4];

		if (v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\%02X", v[i]);
			put(o, esc, 3);
		} else if (strchr(",+\"\\", v[i]) || (v[i] == ' ' && (i == 0 || i == n - 1))) {
			esc[0] = '\\';
			esc[1] = (char)v[i];
			put(o, esc, 2);
		} else {
			put(o, (const char *)&v[i], 1);
		}
	}
}

/* The printed name of an attribute: ours, or the dotted OID. */
static void put_attr(struct out *o, const ASN1_OBJECT *obj)
{
	char oid[80];

	OBJ_obj2txt(oid, sizeof(oid), obj, 1);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (!strcmp(attrs[i].oid, oid)) {
			put(o, attrs[i].name, strlen(attrs[i].name));
			return;
		}
	}
	put(o, oid, strlen(oid));
}

int crypto_dn_str(const uint8_t *der, size_t len, char *buf, size_t cap)
{
	struct out o = { .buf = buf, .cap = cap };
	X509_NAME *name = decode(der, len);
	int prev_set = -1;

	if (cap)
		buf[0] = 0;
	if (!name)
		return -EBADMSG;
	for (int i = 0; i < X509_NAME_entry_count(name); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		int set = X509_NAME_ENTRY_set(e);
		unsigned char *u = NULL;
		int n;

		if (i > 0)
			put(&o, set == prev_set ? "+" : ", ", set == prev_set ? 1 : 2);
		prev_set = set;
		put_attr(&o, X509_NAME_ENTRY_get_object(e));
		put(&o, "=", 1);
		n = ASN1_STRING_to_UTF8(&u, d);
		if (n >= 0) {
			put_value(&o, u, n);
			OPENSSL_free(u);
		} else {
			/* a value that is no string (a BIT STRING): its bytes in hex */
			const unsigned char *b = ASN1_STRING_get0_data(d);
			char h[4];

			put(&o, "#", 1);
			for (int k = 0; k < ASN1_STRING_length(d); k++) {
				snprintf(h, sizeof(h), "%02x", b[k]);
				put(&o, h, 2);
			}
		}
	}
	X509_NAME_free(name);
	return o.trunc ? -EMSGSIZE : (int)o.len;
}

/* A value normalised for comparison: UTF-8, trimmed, inner space runs as one. */
static int norm(const X509_NAME_ENTRY *e, char *buf, size_t cap)
{
	unsigned char *u = NULL;
	size_t n = 0;
	int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
	bool space = false;

	if (len < 0)
		return -1;
	for (int i = 0; i < len && n + 1 < cap; i++) {
		if (u[i] == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < cap)
			buf[n++] = ' ';
		space = false;
		buf[n++] = (char)u[i];
	}
	buf[n] = 0;
	OPENSSL_free(u);
	return (int)n;
}

static bool entry_match(const X509_NAME_ENTRY *pe, const X509_NAME_ENTRY *de)
{
	char a[CRYPTO_DN_MAX], b[CRYPTO_DN_MAX];

	if (OBJ_cmp(X509_NAME_ENTRY_get_object(pe), X509_NAME_ENTRY_get_object(de)) != 0)
		return false;
	if (norm(pe, a, sizeof(a)) < 0 || norm(de, b, sizeof(b)) < 0)
		return ASN1_STRING_cmp(X509_NAME_ENTRY_get_data(pe),
				       X509_NAME_ENTRY_get_data(de)) == 0;
	return !strcmp(a, "*") || !strcasecmp(a, b);
}

/* The RDNs of a name: first entry index and count of each. */
struct rdns {
	int n;
	int first[64], count[64];
};

static bool split(const X509_NAME *name, struct rdns *r)
{
	int prev = -1;

	r->n = 0;
	for (int i = 0; i < X509_NAME_entry_count(name); i++) {
		int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, i));

		if (set != prev) {
			if (r->n == 64)
				return false;
			r->first[r->n] = i;
			r->count[r->n++] = 0;
			prev = set;
		}
		r->count[r->n - 1]++;
	}
	return true;
}

/* Each entry of pattern RDN pi has a distinct matching entry in dn RDN di. */
static bool rdn_match(const X509_NAME *pat, const struct rdns *pr, int pi, const X509_NAME *dn,
		      const struct rdns *dr, int di)
{
	bool used[64] = { false };

	if (pr->count[pi] != dr->count[di] || pr->count[pi] > 64)
		return false;
	for (int i = 0; i < pr->count[pi]; i++) {
		const X509_NAME_ENTRY *pe = X509_NAME_get_entry(pat, pr->first[pi] + i);
		bool found = false;

		for (int j = 0; j < dr->count[di] && !found; j++) {
			if (!used[j] && entry_match(pe, X509_NAME_get_entry(dn, dr->first[di] + j))) {
				used[j] = true;
				found = true;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

bool crypto_dn_match(const uint8_t *pattern, size_t plen, const uint8_t *der, size_t len)
{
	X509_NAME *pat = decode(pattern, plen), *dn = decode(der, len);
	struct rdns pr, dr;
	bool ok = false, used[64] = { false };

	if (!pat || !dn || !split(pat, &pr) || !split(dn, &dr) || pr.n != dr.n)
		goto out;
	ok = true;
	for (int i = 0; i < pr.n && ok; i++)
		ok = rdn_match(pat, &pr, i, dn, &dr, i);
	if (ok)
		goto out;
	/* any order: each pattern RDN takes the first unused RDN it matches */
	ok = true;
	for (int i = 0; i < pr.n && ok; i++) {
		bool found = false;

		for (int j = 0; j < dr.n && !found; j++) {
			if (!used[j] && rdn_match(pat, &pr, i, dn, &dr, j)) {
				used[j] = true;
				found = true;
			}
		}
		ok = found;
	}
out:
	X509_NAME_free(pat);
	X509_NAME_free(dn);
	return ok;
}

bool crypto_dn_has_wildcard(const uint8_t *der, size_t len)
{
	X509_NAME *name = decode(der, len);
	bool wild = false;

	for (int i = 0; name && i < X509_NAME_entry_count(name) && !wild; i++) {
		char v[CRYPTO_DN_MAX];

		wild = norm(X509_NAME_get_entry(name, i), v, sizeof(v)) == 1 && v[0] == '*';
	}
	X509_NAME_free(name);
	return wild;
}
