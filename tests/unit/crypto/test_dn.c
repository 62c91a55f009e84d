/* SPDX-License-Identifier: BSD-2-Clause */
/* Distinguished names (crypto/dn.h): libreswan's string form and matching. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/x509.h>

#include "crypto/dn.h"

static int parse(const char *s, uint8_t *der)
{
	char err[256] = "";
	int n = crypto_dn_parse(s, der, CRYPTO_DN_MAX, err, sizeof(err));

	cr_assert_gt(n, 0, "%s: %d %s", s, n, err);
	return n;
}

static void round_trip(const char *in, const char *out)
{
	uint8_t der[CRYPTO_DN_MAX];
	char buf[CRYPTO_DN_STR_MAX];
	int n = parse(in, der);

	cr_assert_eq(crypto_dn_str(der, (size_t)n, buf, sizeof(buf)), (int)strlen(out), "%s", in);
	cr_assert_str_eq(buf, out);
	cr_assert(crypto_dn_is_valid(der, (size_t)n));
}

Test(dn, string_forms)
{
	round_trip("C=CH, O=strongSwan, CN=moon.strongswan.org",
		   "C=CH, O=strongSwan, CN=moon.strongswan.org");
	round_trip("C=CA, ST=Ontario, L=Toronto, O=Libreswan, OU=Test Department, "
		   "CN=east.testing.libreswan.org, E=user-east@testing.libreswan.org",
		   "C=CA, ST=Ontario, L=Toronto, O=Libreswan, OU=Test Department, "
		   "CN=east.testing.libreswan.org, E=user-east@testing.libreswan.org");
	/* separators without spaces, '/' form, attribute names in any case */
	round_trip("c=ch,o=x,cn=y", "C=ch, O=x, CN=y");
	round_trip("/C=CH/O=a, b/CN=c", "C=CH, O=a\\, b, CN=c");
	round_trip("emailAddress=a@b, Email=c@d", "E=a@b, E=c@d");
	/* quoting, escapes, multi-valued RDNs, OIDs */
	round_trip("CN=\"a, b + c\"", "CN=a\\, b \\+ c");
	round_trip("CN=a\\,b\\2Bc", "CN=a\\,b\\+c");
	round_trip("OU=x+CN=y, O=z", "CN=y+OU=x, O=z");	/* DER sorts a SET */
	round_trip("2.5.4.20=\\+41 1 234, CN=x", "2.5.4.20=\\+41 1 234, CN=x");
	round_trip("CN=  spaced   out  ", "CN=spaced   out");
	round_trip("CN=caf\xc3\xa9", "CN=caf\xc3\xa9");
	round_trip("DC=org, DC=example, UID=jdoe", "DC=org, DC=example, UID=jdoe");
	round_trip("S=Doe, G=John, SN=1234, T=Dr", "S=Doe, G=John, SN=1234, T=Dr");
}

Test(dn, string_types)
{
	uint8_t der[CRYPTO_DN_MAX];
	int n = parse("C=CH, CN=caf\xc3\xa9, CN=plain, E=a@b", der);
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, n);
	static const int types[] = { V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING,
				     V_ASN1_PRINTABLESTRING, V_ASN1_IA5STRING };

	cr_assert_not_null(name);
	cr_assert_eq(X509_NAME_entry_count(name), 4);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))),
			     types[i], "entry %d", i);
	X509_NAME_free(name);
}

Test(dn, parse_errors)
{
	static const struct {
		const char *s, *says;
	} bad[] = {
		{ "", "empty" },
		{ "CN", "expected ATTRIBUTE=value" },
		{ "CN=x, O", "expected ATTRIBUTE=value" },
		{ "XX=y", "unknown attribute \"XX\"" },
		{ "CN=", "an empty value" },
		{ "CN=x, O=", "an empty value" },
		{ "CN=\"x", "unterminated" },
		{ "CN=\"x\"y", "text after" },
		{ "CN=a\\qb", "escape" },
		{ "C=CHE", "two-letter country" },
		{ "E=caf\xc3\xa9@x", "ASCII" },
		{ "CN=a+", "after '+'" },
		{ "1..2=x", "unknown attribute" },
	};
	uint8_t der[CRYPTO_DN_MAX];
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		cr_assert_eq(crypto_dn_parse(bad[i].s, der, sizeof(der), err, sizeof(err)), -EINVAL,
			     "%s", bad[i].s);
		cr_assert(strstr(err, bad[i].says), "%s: %s", bad[i].s, err);
	}
	cr_assert_eq(crypto_dn_parse("CN=a long enough name", der, 8, err, sizeof(err)), -EMSGSIZE);
}

static bool match(const char *pattern, const char *dn)
{
	uint8_t p[CRYPTO_DN_MAX], d[CRYPTO_DN_MAX];
	int pn = parse(pattern, p), dn_len = parse(dn, d);

	return crypto_dn_match(p, (size_t)pn, d, (size_t)dn_len);
}

Test(dn, matching)
{
	cr_assert(match("C=CH, O=strongSwan, CN=moon", "C=CH, O=strongSwan, CN=moon"));
	/* case, spaces, string type */
	cr_assert(match("C=ch, O=STRONGSWAN, CN=moon", "C=CH, O=strongSwan, CN=moon"));
	cr_assert(match("CN=a  b", "CN=a b"));
	cr_assert(match("CN=caf\xc3\xa9", "CN=caf\xc3\xa9"));
	/* any order of RDNs */
	cr_assert(match("CN=moon, O=strongSwan, C=CH", "C=CH, O=strongSwan, CN=moon"));
	/* wildcards */
	cr_assert(match("C=CH, O=strongSwan, CN=*", "C=CH, O=strongSwan, CN=anything"));
	cr_assert_not(match("C=CH, O=strongSwan, CN=*", "C=CH, O=other, CN=anything"));
	/* a "*" in the DN is not a wildcard for the pattern */
	cr_assert_not(match("C=CH, O=strongSwan, CN=moon", "C=CH, O=strongSwan, CN=*"));
	/* differences */
	cr_assert_not(match("C=CH, O=strongSwan, CN=moon", "C=CH, O=strongSwan, CN=sun"));
	cr_assert_not(match("C=CH, O=strongSwan", "C=CH, O=strongSwan, CN=moon"));
	cr_assert_not(match("C=CH, O=strongSwan, CN=moon", "C=CH, O=strongSwan"));
	cr_assert_not(match("C=CH, OU=strongSwan, CN=moon", "C=CH, O=strongSwan, CN=moon"));
	cr_assert_not(match("CN=moon", "CN=moonlight"));
	/* multi-valued RDNs: the same set in any order, not split */
	cr_assert(match("OU=a+CN=b", "CN=b+OU=a"));
	cr_assert_not(match("OU=a+CN=b", "OU=a, CN=b"));
}

Test(dn, wildcard_detection)
{
	uint8_t d[CRYPTO_DN_MAX];
	int n = parse("O=x, CN=*", d);

	cr_assert(crypto_dn_has_wildcard(d, (size_t)n));
	n = parse("O=x, CN=a*", d);
	cr_assert_not(crypto_dn_has_wildcard(d, (size_t)n));
}

Test(dn, untrusted_bytes)
{
	uint8_t d[CRYPTO_DN_MAX];
	char buf[64];
	int n = parse("C=CH, O=strongSwan, CN=moon.strongswan.org", d);

	for (int i = 0; i < n; i++)
		cr_assert_not(crypto_dn_is_valid(d, (size_t)i), "prefix %d", i);
	d[n] = 0;
	cr_assert_not(crypto_dn_is_valid(d, (size_t)n + 1));
	cr_assert_eq(crypto_dn_str(d, (size_t)n - 1, buf, sizeof(buf)), -EBADMSG);
	/* a short buffer truncates and says so */
	cr_assert_eq(crypto_dn_str(d, (size_t)n, buf, 10), -EMSGSIZE);
	cr_assert_eq(strlen(buf), 9);
	/* control characters come out escaped */
	{
		static const uint8_t ctl[] = { 0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03,
					       0x55, 0x04, 0x03, 0x0c, 0x03, 'a', 0x0a, 'b' };

		cr_assert_eq(crypto_dn_str(ctl, sizeof(ctl), buf, sizeof(buf)), 8);
		cr_assert_str_eq(buf, "CN=a\\0Ab");
	}
}
