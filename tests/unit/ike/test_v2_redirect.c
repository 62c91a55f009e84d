/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The REDIRECT / REDIRECTED_FROM notify data (RFC 5685 8.1, 8.2) and the
 * gateway lists (util/addr_list.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ike/v2/redirect.h"
#include "util/addr_list.h"

TestSuite(v2_redirect, .timeout = 30);

Test(v2_redirect, round_trip_with_and_without_nonce)
{
	uint8_t buf[V2_REDIRECT_DATA_MAX], nonce[32];
	struct v2_redirect r;
	struct ip_addr a, b;
	size_t n;

	memset(nonce, 0xa5, sizeof(nonce));
	cr_assert_eq(ip_addr_parse("2001:db8::7", &a), 0);
	n = v2_redirect_encode(buf, sizeof(buf), &a, nonce, sizeof(nonce));
	cr_assert_eq(n, 2 + 16 + 32);
	cr_assert_eq(buf[0], V2_GW_IPV6);
	cr_assert_eq(buf[1], 16);
	cr_assert_eq(v2_redirect_decode(buf, n, &r), 0);
	cr_assert_eq(v2_redirect_gw_addr(&r, &b), 0);
	cr_assert(ip_addr_eq(&a, &b));
	cr_assert_eq(r.nonce_len, 32);
	cr_assert_eq(memcmp(r.nonce, nonce, 32), 0);

	cr_assert_eq(ip_addr_parse("192.0.2.9", &a), 0);
	n = v2_redirect_encode(buf, sizeof(buf), &a, NULL, 0);
	cr_assert_eq(n, 6);
	cr_assert_eq(v2_redirect_decode(buf, n, &r), 0);
	cr_assert_null(r.nonce);
	cr_assert_eq(v2_redirect_gw_addr(&r, &b), 0);
	cr_assert(ip_addr_eq(&a, &b));
	cr_assert_eq(v2_redirect_encode(buf, 5, &a, NULL, 0), 0, "overflow not refused");
}

Test(v2_redirect, malformed_refused)
{
	static const uint8_t short_hdr[] = { 1 };
	static const uint8_t v4_len5[] = { 1, 5, 1, 2, 3, 4, 5 };
	static const uint8_t v6_len4[] = { 2, 4, 1, 2, 3, 4 };
	static const uint8_t past_end[] = { 1, 4, 1, 2, 3 };
	static const uint8_t zero_len[] = { 3, 0 };
	static const uint8_t short_nonce[] = { 1, 4, 1, 2, 3, 4, 9, 9, 9 };
	struct v2_redirect r;

	cr_assert_eq(v2_redirect_decode(short_hdr, sizeof(short_hdr), &r), -EBADMSG);
	cr_assert_eq(v2_redirect_decode(v4_len5, sizeof(v4_len5), &r), -EBADMSG);
	cr_assert_eq(v2_redirect_decode(v6_len4, sizeof(v6_len4), &r), -EBADMSG);
	cr_assert_eq(v2_redirect_decode(past_end, sizeof(past_end), &r), -EBADMSG);
	cr_assert_eq(v2_redirect_decode(zero_len, sizeof(zero_len), &r), -EBADMSG);
	cr_assert_eq(v2_redirect_decode(short_nonce, sizeof(short_nonce), &r), -EBADMSG);
}

Test(v2_redirect, fqdn_decodes_but_is_no_address)
{
	static const uint8_t fqdn[] = { 3, 6, 'g', 'w', '.', 'e', 'x', 'a' };
	struct v2_redirect r;
	struct ip_addr a;

	cr_assert_eq(v2_redirect_decode(fqdn, sizeof(fqdn), &r), 0);
	cr_assert_eq(r.gw_type, V2_GW_FQDN);
	cr_assert_eq(r.gw_len, 6);
	cr_assert_eq(v2_redirect_gw_addr(&r, &a), -ENOTSUP);
}

Test(v2_redirect, gateway_list_round_robin)
{
	struct addr_list *g;
	struct ip_addr a, x, y;
	char err[160];

	cr_assert_eq(addr_list_parse("192.0.2.1, 192.0.2.2,2001:db8::3", &g, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(g->n, 3);
	cr_assert(addr_list_pick(g, &a));
	cr_assert_eq(ip_addr_parse("192.0.2.1", &x), 0);
	cr_assert(ip_addr_eq(&a, &x));
	cr_assert(addr_list_pick(g, &a));
	cr_assert(addr_list_pick(g, &a));
	cr_assert_eq(ip_addr_parse("2001:db8::3", &y), 0);
	cr_assert(ip_addr_eq(&a, &y));
	cr_assert(addr_list_pick(g, &a));
	cr_assert(ip_addr_eq(&a, &x), "not back to the first");
	cr_assert(addr_list_has(g, &y));
	cr_assert_eq(ip_addr_parse("192.0.2.9", &y), 0);
	cr_assert_not(addr_list_has(g, &y));
	addr_list_free(g);

	cr_assert_eq(addr_list_parse("192.0.2.1,gw.example", &g, err, sizeof(err)), -EINVAL);
	cr_assert_null(g);
	cr_assert_str_eq(err, "gw.example: expected an IPv4 or IPv6 address");
	cr_assert_eq(addr_list_parse(" , ", &g, err, sizeof(err)), -EINVAL);
	cr_assert_not(addr_list_pick(NULL, &a));
}

/*
 * The least loaded gateway: the load is the clients sent to a gateway so
 * far, whichever list named it, so two lists sharing a gateway balance
 * together.
 */
Test(v2_redirect, gateway_lists_share_the_load)
{
	struct addr_list *g1, *g2;
	struct ip_addr a, b, c, got;
	char err[160];

	cr_assert_eq(addr_list_parse("198.51.100.1,198.51.100.2", &g1, err, sizeof(err)), 0);
	cr_assert_eq(addr_list_parse("198.51.100.2,198.51.100.3", &g2, err, sizeof(err)), 0);
	cr_assert_eq(ip_addr_parse("198.51.100.1", &a), 0);
	cr_assert_eq(ip_addr_parse("198.51.100.2", &b), 0);
	cr_assert_eq(ip_addr_parse("198.51.100.3", &c), 0);
	/* g1 sends two clients: one to each */
	cr_assert(addr_list_pick(g1, &got));
	cr_assert(ip_addr_eq(&got, &a));
	cr_assert(addr_list_pick(g1, &got));
	cr_assert(ip_addr_eq(&got, &b));
	/* g2: .2 has a client already (from g1), .3 none: .3, though .2 comes first */
	cr_assert(addr_list_pick(g2, &got));
	cr_assert(ip_addr_eq(&got, &c), "not the least loaded");
	/* all at one: g2 takes the next in turn, .3 (its start moved past .2) */
	cr_assert(addr_list_pick(g2, &got));
	cr_assert(ip_addr_eq(&got, &c));
	cr_assert_eq(addr_list_sent(&c), 2);
	/* g1: .1 has 1, .2 has 1, .3 not its: .1 or .2, each once over two picks */
	cr_assert(addr_list_pick(g1, &got));
	cr_assert(addr_list_pick(g1, &got));
	cr_assert_eq(addr_list_sent(&a), 2);
	cr_assert_eq(addr_list_sent(&b), 2);
	/* three clients more through g2: the load stays even (.2 and .3 at 3 or 4) */
	for (int i = 0; i < 3; i++)
		cr_assert(addr_list_pick(g2, &got));
	cr_assert_leq(addr_list_sent(&b) > addr_list_sent(&c) ? addr_list_sent(&b) - addr_list_sent(&c)
							      : addr_list_sent(&c) - addr_list_sent(&b),
		      1, "uneven: %llu and %llu", (unsigned long long)addr_list_sent(&b),
		      (unsigned long long)addr_list_sent(&c));
	cr_assert_eq(addr_list_sent(&b) + addr_list_sent(&c), 7);
	addr_list_free(g1);
	addr_list_free(g2);
}
