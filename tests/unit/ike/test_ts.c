/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ike/ts.h"

static struct ike_ts ts(const char *subnet, uint8_t proto, uint16_t port)
{
	struct ip_subnet s;
	cr_assert_eq(ip_subnet_parse(subnet, &s), 0, "%s", subnet);
	return ike_ts_from_subnet(&s, proto, port);
}

Test(ts, subnet_round_trip)
{
	struct ike_ts t = ts("10.0.1.0/24", 0, 0);
	struct ip_subnet s;
	char buf[80];

	cr_assert_eq(t.sport, 0);
	cr_assert_eq(t.eport, 65535);
	cr_assert_eq(ike_ts_to_subnet(&t, &s), 0);
	cr_assert_eq(s.prefix, 24);
	cr_assert_str_eq(ike_ts_str(&t, buf, sizeof(buf)), "10.0.1.0/24");
	t = ts("2001:db8::/32", 17, 1701);
	cr_assert_str_eq(ike_ts_str(&t, buf, sizeof(buf)), "2001:db8::/32:17/1701");
	t = ts("0.0.0.0/0", 0, 0);
	cr_assert_eq(ike_ts_to_subnet(&t, &s), 0);
	cr_assert_eq(s.prefix, 0);
}

Test(ts, non_cidr_range_refused)
{
	struct ike_ts t = ts("10.0.0.0/24", 0, 0);
	struct ip_subnet s;
	t.end.b[3] = 0x7e;	/* 10.0.0.0-10.0.0.126 */
	cr_assert_eq(ike_ts_to_subnet(&t, &s), -ERANGE);
}

/* The definition, a bit at a time: what ike_ts_to_subnet() must agree with. */
static int to_subnet_by_bits(const struct ike_ts *t, unsigned *prefix)
{
	unsigned bits = ip_addr_bits(&t->start), p = 0;

	while (p < bits && ((t->start.b[p / 8] ^ t->end.b[p / 8]) & (0x80 >> (p % 8))) == 0)
		p++;
	for (unsigned b = p; b < bits; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		if ((t->start.b[b / 8] & m) || !(t->end.b[b / 8] & m))
			return -ERANGE;
	}
	*prefix = p;
	return 0;
}

Test(ts, to_subnet_agrees_with_the_bitwise_definition)
{
	/* every prefix of both families, then each with one bit disturbed */
	const char *bases[] = { "10.1.2.3/32", "2001:db8:1:2:3:4:5:6/128" };
	unsigned seed = 12345;

	for (unsigned f = 0; f < 2; f++) {
		struct ike_ts full = ts(bases[f], 0, 0);
		unsigned bits = ip_addr_bits(&full.start);

		for (unsigned plen = 0; plen <= bits; plen++) {
			struct ike_ts t = full;
			for (unsigned b = plen; b < bits; b++) {
				t.start.b[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
				t.end.b[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			}
			for (unsigned k = 0; k < 1 + bits; k++) {
				struct ike_ts u = t;
				struct ip_subnet sn;
				unsigned want_prefix = 0;
				if (k > 0) {	/* flip one bit of start or end */
					seed = seed * 1103515245u + 12345u;
					unsigned bit = (seed >> 8) % bits;
					uint8_t *x = (seed & 1) ? u.start.b : u.end.b;
					x[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
				}
				int want = to_subnet_by_bits(&u, &want_prefix);
				int got = ike_ts_to_subnet(&u, &sn);
				cr_assert_eq(got, want, "family %u /%u flip %u: %d, expected %d", f, plen,
					     k, got, want);
				if (want == 0) {
					cr_assert_eq(sn.prefix, want_prefix, "family %u /%u flip %u", f,
						     plen, k);
					cr_assert_eq(memcmp(&sn.addr, &u.start, sizeof(u.start)), 0);
				}
				if (k == 0)
					cr_assert_eq(want_prefix, plen);
			}
		}
	}
}

Test(ts, intersect_and_within)
{
	struct ike_ts a = ts("10.0.0.0/16", 0, 0), b = ts("10.0.5.0/24", 6, 443), r;

	cr_assert(ike_ts_intersect(&a, &b, &r));
	cr_assert_eq(r.ipproto, 6);
	cr_assert_eq(r.sport, 443);
	cr_assert(ike_ts_within(&r, &a));
	cr_assert(ike_ts_within(&r, &b));
	cr_assert_not(ike_ts_within(&a, &b));

	struct ike_ts c = ts("10.1.0.0/16", 0, 0);
	cr_assert_not(ike_ts_intersect(&b, &c, &r), "disjoint addresses");
	struct ike_ts d = ts("10.0.5.0/24", 17, 0);
	cr_assert_not(ike_ts_intersect(&b, &d, &r), "different protocols");
	struct ike_ts e = ts("2001:db8::/32", 0, 0);
	cr_assert_not(ike_ts_intersect(&a, &e, &r), "different families");
}

Test(ts, responder_narrows_to_its_policy)
{
	/* RFC 7296 2.9: the initiator asks for 0.0.0.0/0, we allow 10.0.2.0/24. */
	struct ike_ts_set proposed = { .n = 2 };
	struct ike_ts ours = ts("10.0.2.0/24", 0, 0), chosen;

	proposed.ts[0] = ts("10.0.2.7/32", 6, 80);	/* the triggering packet */
	proposed.ts[1] = ts("0.0.0.0/0", 0, 0);
	cr_assert_eq(ike_ts_narrow(&proposed, &ours, &chosen), 0);
	/* One port is a valid kernel selector: the first (most specific) wins. */
	cr_assert_eq(chosen.sport, 80);

	proposed.n = 1;
	proposed.ts[0] = ts("0.0.0.0/0", 0, 0);
	cr_assert_eq(ike_ts_narrow(&proposed, &ours, &chosen), 0);
	struct ip_subnet s;
	cr_assert_eq(ike_ts_to_subnet(&chosen, &s), 0);
	cr_assert_eq(s.prefix, 24);

	proposed.ts[0] = ts("192.168.0.0/16", 0, 0);
	cr_assert_eq(ike_ts_narrow(&proposed, &ours, &chosen), -ENOENT);
}

Test(ts, initiator_checks_reply)
{
	struct ike_ts sent = ts("10.0.0.0/16", 0, 0);
	struct ike_ts_set reply = { .n = 1 };

	reply.ts[0] = ts("10.0.3.0/24", 0, 0);
	cr_assert(ike_ts_set_within(&reply, &sent));
	reply.ts[0] = ts("10.0.0.0/8", 0, 0);
	cr_assert_not(ike_ts_set_within(&reply, &sent), "wider than asked");
	reply.n = 0;
	cr_assert_not(ike_ts_set_within(&reply, &sent), "empty");
}

Test(ts, equal_compares_fields_not_padding)
{
	struct ike_ts a, b;

	/* Fill the padding of each copy differently: equality must not see it. */
	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	struct ike_ts t = ts("10.0.1.0/24", 6, 443);
	a.ipproto = b.ipproto = t.ipproto;
	a.sport = b.sport = t.sport;
	a.eport = b.eport = t.eport;
	a.start = b.start = t.start;
	a.end = b.end = t.end;
	cr_assert(ike_ts_equal(&a, &b));
	b.eport = 444;
	cr_assert_not(ike_ts_equal(&a, &b));
	b = a;
	b.ipproto = 17;
	cr_assert_not(ike_ts_equal(&a, &b));
	struct ike_ts c = ts("10.0.1.0/25", 6, 443);
	cr_assert_not(ike_ts_equal(&a, &c));
	struct ike_ts d = ts("2001:db8::/32", 6, 443);
	cr_assert_not(ike_ts_equal(&a, &d));
}
