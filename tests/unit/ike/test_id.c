/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/id.h"

TestSuite(ike_id, .timeout = 10);

static char err[256];

static struct ike_id parse_ok(const char *s)
{
	struct ike_id id;

	memset(&id, 0xee, sizeof(id));
	err[0] = '\0';
	cr_assert_eq(ike_id_parse(s, &id, err, sizeof(err)), 0, "%s: %s", s, err);
	return id;
}

static const char *str(const struct ike_id *id)
{
	static char buf[IKE_ID_STRLEN];
	return ike_id_str(id, buf, sizeof(buf));
}

Test(ike_id, ipv4_and_ipv6)
{
	struct ike_id id = parse_ok("192.0.2.1");

	cr_assert_eq(id.type, V2_ID_IPV4_ADDR);
	cr_assert_eq(id.len, 4);
	cr_assert_eq(memcmp(id.data, "\xc0\x00\x02\x01", 4), 0);
	cr_assert_str_eq(str(&id), "192.0.2.1");

	id = parse_ok("2001:db8::1");
	cr_assert_eq(id.type, V2_ID_IPV6_ADDR);
	cr_assert_eq(id.len, 16);
	cr_assert_eq(id.data[0], 0x20);
	cr_assert_eq(id.data[1], 0x01);
	cr_assert_eq(id.data[15], 0x01);
	cr_assert_str_eq(str(&id), "2001:db8::1");
}

Test(ike_id, fqdn_without_the_at)
{
	struct ike_id id = parse_ok("@vpn.example.com");

	cr_assert_eq(id.type, V2_ID_FQDN);
	cr_assert_eq(id.len, strlen("vpn.example.com"));
	cr_assert_eq(memcmp(id.data, "vpn.example.com", id.len), 0);
	cr_assert_str_eq(str(&id), "@vpn.example.com");
}

Test(ike_id, rfc822)
{
	struct ike_id id = parse_ok("alice@example.com");

	cr_assert_eq(id.type, V2_ID_RFC822_ADDR);
	cr_assert_eq(id.len, strlen("alice@example.com"));
	cr_assert_str_eq(str(&id), "alice@example.com");
	cr_assert_eq(ike_id_parse("alice@", &id, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "domain"), "%s", err);
}

Test(ike_id, key_id_hex)
{
	struct ike_id id = parse_ok("@#0102aBff");

	cr_assert_eq(id.type, V2_ID_KEY_ID);
	cr_assert_eq(id.len, 4);
	cr_assert_eq(memcmp(id.data, "\x01\x02\xab\xff", 4), 0);
	cr_assert_str_eq(str(&id), "@#0102abff");

	cr_assert_eq(ike_id_parse("@#012", &id, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "even number of hex digits"), "%s", err);
	cr_assert_eq(ike_id_parse("@#zz", &id, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ike_id_parse("@#", &id, err, sizeof(err)), -EINVAL);
}

Test(ike_id, any_forms)
{
	static const char *const forms[] = { "%any", "%any6", "0.0.0.0", "::", "%ANY" };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct ike_id id = parse_ok(forms[i]);

		cr_assert_eq(id.type, IKE_ID_ANY, "%s", forms[i]);
		cr_assert_eq(id.len, 0);
		cr_assert(ike_id_is_any(&id));
		cr_assert_str_eq(str(&id), "%any");
	}
}

Test(ike_id, null_id)
{
	struct ike_id id = parse_ok("%null");

	cr_assert_eq(id.type, V2_ID_NULL);
	cr_assert_str_eq(str(&id), "%null");
}

Test(ike_id, refused_forms_say_why)
{
	struct ike_id id = { .type = 77 };

	cr_assert_eq(ike_id_parse("C=CH, O=Example, XX=host", &id, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "unknown attribute \"XX\""), "%s", err);
	cr_assert_eq(ike_id_parse("@~3001", &id, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "DER distinguished name"), "%s", err);
	cr_assert_eq(ike_id_parse("vpn.example.com", &id, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "expected an address, @FQDN or user@FQDN; name resolution is not "
			      "supported"),
		  "%s", err);
	cr_assert(strstr(err, "vpn.example.com"), "%s", err);
	cr_assert_eq(ike_id_parse("%bogus", &id, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ike_id_parse("", &id, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ike_id_parse(NULL, &id, NULL, 0), -EINVAL);
	cr_assert_eq(ike_id_parse("@", &id, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ike_id_parse("@a\tb", &id, err, sizeof(err)), -EINVAL);
	cr_assert_eq(id.type, 77, "*out untouched on error");
}

Test(ike_id, length_cap)
{
	char s[IKE_ID_DATA_MAX + 3];
	struct ike_id id;

	s[0] = '@';
	memset(s + 1, 'a', IKE_ID_DATA_MAX);
	s[IKE_ID_DATA_MAX + 1] = '\0';
	id = parse_ok(s);
	cr_assert_eq(id.len, IKE_ID_DATA_MAX);
	s[IKE_ID_DATA_MAX + 1] = 'a';
	s[IKE_ID_DATA_MAX + 2] = '\0';
	cr_assert_eq(ike_id_parse(s, &id, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "longer than 255"), "%s", err);
}

Test(ike_id, from_addr)
{
	struct ip_addr a;
	struct ike_id id, want = parse_ok("198.51.100.7");

	cr_assert_eq(ip_addr_parse("198.51.100.7", &a), 0);
	id = ike_id_from_addr(&a);
	cr_assert(ike_id_eq(&id, &want));
	cr_assert_eq(ip_addr_parse("2001:db8::7", &a), 0);
	id = ike_id_from_addr(&a);
	cr_assert_eq(id.type, V2_ID_IPV6_ADDR);
	cr_assert_str_eq(str(&id), "2001:db8::7");
	cr_assert_eq(ip_addr_parse("0.0.0.0", &a), 0);
	cr_assert(ike_id_is_any((id = ike_id_from_addr(&a), &id)));
	memset(&a, 0, sizeof(a));
	cr_assert(ike_id_is_any((id = ike_id_from_addr(&a), &id)));
}

Test(ike_id, equality)
{
	struct ike_id a = parse_ok("@VPN.Example.com"), b = parse_ok("@vpn.example.COM");
	struct ike_id c = parse_ok("vpn.example.com@x"), d = parse_ok("192.0.2.1");
	struct ike_id e = parse_ok("192.0.2.2"), any = parse_ok("%any");

	cr_assert(ike_id_eq(&a, &b), "FQDNs compare without case");
	cr_assert_not(ike_id_eq(&a, &c));
	cr_assert_not(ike_id_eq(&d, &e));
	cr_assert(ike_id_eq(&d, &d));
	cr_assert_not(ike_id_eq(&any, &d), "%%any is a wildcard, not equal");
	cr_assert(ike_id_eq(&any, &any));
	/* a key id with the same bytes as an FQDN is another identity */
	struct ike_id k = parse_ok("@#61"), f = parse_ok("@a");
	cr_assert_not(ike_id_eq(&k, &f));
}

Test(ike_id, from_payload_validates)
{
	struct ike_id id, want;

	cr_assert_eq(ike_id_from_payload(V2_ID_IPV4_ADDR, (const uint8_t *)"\xc0\0\2\1", 4, &id),
		     0);
	want = parse_ok("192.0.2.1");
	cr_assert(ike_id_eq(&id, &want));
	cr_assert_eq(ike_id_from_payload(V2_ID_IPV4_ADDR, (const uint8_t *)"\xc0\0\2", 3, &id),
		     -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_IPV4_ADDR, (const uint8_t *)"\xc0\0\2\1\0", 5,
					 &id),
		     -EBADMSG);

	uint8_t v6[17] = { 0x20, 0x01, 0x0d, 0xb8 };
	cr_assert_eq(ike_id_from_payload(V2_ID_IPV6_ADDR, v6, 16, &id), 0);
	cr_assert_eq(id.len, 16);
	cr_assert_eq(ike_id_from_payload(V2_ID_IPV6_ADDR, v6, 17, &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_IPV6_ADDR, v6, 4, &id), -EBADMSG);

	cr_assert_eq(ike_id_from_payload(V2_ID_FQDN, (const uint8_t *)"gw.example", 10, &id), 0);
	cr_assert_str_eq(str(&id), "@gw.example");
	cr_assert_eq(ike_id_from_payload(V2_ID_FQDN, (const uint8_t *)"", 0, &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_FQDN, (const uint8_t *)"a\nb", 3, &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_FQDN, (const uint8_t *)"a\0b", 3, &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_RFC822_ADDR, (const uint8_t *)"a@b", 3, &id), 0);
	cr_assert_str_eq(str(&id), "a@b");
	cr_assert_eq(ike_id_from_payload(V2_ID_RFC822_ADDR, (const uint8_t *)"a\x80", 2, &id),
		     -EBADMSG);

	uint8_t big[IKE_ID_DATA_MAX + 1];
	memset(big, 'x', sizeof(big));
	cr_assert_eq(ike_id_from_payload(V2_ID_FQDN, big, IKE_ID_DATA_MAX, &id), 0);
	cr_assert_eq(ike_id_from_payload(V2_ID_FQDN, big, sizeof(big), &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_KEY_ID, big, sizeof(big), &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_KEY_ID, (const uint8_t *)"\0\1", 2, &id), 0);
	cr_assert_str_eq(str(&id), "@#0001");
	cr_assert_eq(ike_id_from_payload(V2_ID_KEY_ID, big, 0, &id), -EBADMSG);

	cr_assert_eq(ike_id_from_payload(V2_ID_NULL, NULL, 0, &id), 0);
	cr_assert_eq(id.type, V2_ID_NULL);
	cr_assert_eq(ike_id_from_payload(V2_ID_NULL, big, 1, &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_DER_ASN1_DN, big, 10, &id), -EBADMSG);
	cr_assert_eq(ike_id_from_payload(V2_ID_DER_ASN1_GN, big, 10, &id), -EOPNOTSUPP);
	cr_assert_eq(ike_id_from_payload(0, big, 4, &id), -EBADMSG, "0 is not a wire type");
	cr_assert_eq(ike_id_from_payload(4, big, 4, &id), -EBADMSG, "ID_IPV4_ADDR_SUBNET");
	cr_assert_eq(ike_id_from_payload(200, big, 4, &id), -EBADMSG);
}

Test(ike_id, str_truncates)
{
	struct ike_id id = parse_ok("@vpn.example.com");
	char small[5];

	cr_assert_str_eq(ike_id_str(&id, small, sizeof(small)), "@vpn");
}

Test(ike_id, fromcert)
{
	struct ike_id id = parse_ok("%fromcert"), any = parse_ok("%any"), fq = parse_ok("@a.b");

	cr_assert(ike_id_is_fromcert(&id));
	cr_assert_str_eq(str(&id), "%fromcert");
	cr_assert(ike_id_match(&id, &fq), "the certificate decides, not the ID");
	cr_assert(ike_id_match(&any, &fq));
	cr_assert_not(ike_id_eq(&id, &any));
}

Test(ike_id, distinguished_names)
{
	struct ike_id a = parse_ok("C=CH, O=Example, CN=host");
	struct ike_id b = parse_ok("c=ch,o=EXAMPLE,cn=host");
	struct ike_id c = parse_ok("C=CH, O=Example, CN=other");
	struct ike_id w = parse_ok("C=CH, O=Example, CN=*");
	struct ike_id hex, back;
	char h[2 + 2 * IKE_ID_DATA_MAX + 1] = "@~";

	cr_assert_eq(a.type, V2_ID_DER_ASN1_DN);
	cr_assert_eq(a.data[0], 0x30);
	cr_assert_str_eq(str(&a), "C=CH, O=Example, CN=host");
	cr_assert(ike_id_eq(&a, &b));
	cr_assert_not(ike_id_eq(&a, &c));
	/* a pattern matches, but is not equal */
	cr_assert(ike_id_match(&w, &a));
	cr_assert(ike_id_match(&w, &c));
	cr_assert_not(ike_id_eq(&w, &a));
	cr_assert_not(ike_id_match(&a, &w));
	/* the DER form in hex */
	for (size_t i = 0; i < a.len; i++)
		snprintf(h + 2 + 2 * i, 3, "%02x", a.data[i]);
	hex = parse_ok(h);
	cr_assert(ike_id_eq(&hex, &a));
	/* from a payload: exactly one DER Name */
	cr_assert_eq(ike_id_from_payload(V2_ID_DER_ASN1_DN, a.data, a.len, &back), 0);
	cr_assert(ike_id_eq(&back, &a));
	cr_assert_eq(ike_id_from_payload(V2_ID_DER_ASN1_DN, a.data, a.len - 1u, &back), -EBADMSG);
	/* a DN larger than we keep is refused with a reason */
	{
		char big[600];
		int n = snprintf(big, sizeof(big), "CN=");

		memset(big + n, 'x', 300);
		big[n + 300] = 0;
		cr_assert_eq(ike_id_parse(big, &back, err, sizeof(err)), -EINVAL);
		cr_assert(strstr(err, "longer than 255 bytes"), "%s", err);
	}
}
