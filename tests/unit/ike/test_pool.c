/* SPDX-License-Identifier: BSD-2-Clause */
/* Address pools: parsing, sticky leases, sharing, exhaustion, reuse. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/pool.h"

static struct ike_id id_of(const char *s)
{
	struct ike_id id;
	char err[200];
	cr_assert_eq(ike_id_parse(s, &id, err, sizeof(err)), 0, "%s: %s", s, err);
	return id;
}

static struct ike_pool *pool_of(const char *text)
{
	struct ip_addr a, b;
	uint8_t plen;
	char err[200];
	cr_assert_eq(ike_pool_parse(text, &a, &b, &plen, err, sizeof(err)), 0, "%s: %s", text, err);
	struct ike_pool *p = ike_pool_new(&a, &b, plen);
	cr_assert_not_null(p);
	return p;
}

static const char *str(const struct ip_addr *a)
{
	static char buf[4][IP_ADDR_STRLEN];
	static int k;
	return ip_addr_str(a, buf[k++ % 4]);
}

Test(pool, parse)
{
	struct ip_addr a, b;
	uint8_t plen;
	char err[200];

	cr_assert_eq(ike_pool_parse("10.0.0.10-10.0.0.20", &a, &b, &plen, err, sizeof(err)), 0);
	cr_assert_str_eq(str(&a), "10.0.0.10");
	cr_assert_str_eq(str(&b), "10.0.0.20");
	cr_assert_eq(ike_pool_parse("10.1.2.0/24", &a, &b, &plen, err, sizeof(err)), 0);
	cr_assert_str_eq(str(&a), "10.1.2.0");
	cr_assert_str_eq(str(&b), "10.1.2.255");
	cr_assert_eq(ike_pool_parse("2001:db8:1::/64", &a, &b, &plen, err, sizeof(err)), 0);
	cr_assert_str_eq(str(&a), "2001:db8:1::");
	cr_assert_str_eq(str(&b), "2001:db8:1:0:ffff:ffff:ffff:ffff");
	cr_assert_eq(ike_pool_parse("10.0.0.20-10.0.0.10", &a, &b, &plen, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "FIRST is after LAST"), "%s", err);
	cr_assert_eq(ike_pool_parse("10.0.0.1-2001:db8::1", &a, &b, &plen, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "different families"), "%s", err);
	cr_assert_eq(ike_pool_parse("10.0.0.1", &a, &b, &plen, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "expected FIRST-LAST or NET/BITS"), "%s", err);
	cr_assert_eq(ike_pool_parse("nonsense-10.0.0.1", &a, &b, &plen, err, sizeof(err)), -EINVAL);
	/* IPv6 prefixes: each client a /64 of the /56 */
	cr_assert_eq(ike_pool_parse("2001:db8:100::/56/64", &a, &b, &plen, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(plen, 64);
	cr_assert_str_eq(str(&a), "2001:db8:100::");
	cr_assert_str_eq(str(&b), "2001:db8:100:ff:ffff:ffff:ffff:ffff");
	cr_assert_eq(ike_pool_parse("2001:db8:1::/64", &a, &b, &plen, err, sizeof(err)), 0);
	cr_assert_eq(plen, 128);
	static const char *const bad[] = { "10.0.0.0/24/28", "2001:db8::/64/48", "2001:db8::/64/64",
					   "2001:db8::/56/", "2001:db8::/56/64x", "2001:db8::/32/129",
					   "2001:db8::/32/128" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ike_pool_parse(bad[i], &a, &b, &plen, err, sizeof(err)), -EINVAL,
			     "%s accepted", bad[i]);
		cr_assert(strstr(err, "NET/BITS/LEN"), "%s: %s", bad[i], err);
	}
}

Test(pool, ipv6_prefix_leases)
{
	struct ike_pool *p = pool_of("2001:db8:100::/62/64");
	struct ike_id id[5] = { id_of("@a"), id_of("@b"), id_of("@c"), id_of("@d"), id_of("@e") };
	struct ip_addr got[5];
	struct ike_pool_stats st;
	char name[100];

	cr_assert_eq(ike_pool_lease_bits(p), 64);
	ike_pool_stats(p, &st);
	cr_assert_eq(st.size, 4, "a /62 holds four /64s");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(ike_pool_lease(p, &id[i], &got[i]), 0);
	cr_assert_str_eq(str(&got[0]), "2001:db8:100::");
	cr_assert_str_eq(str(&got[1]), "2001:db8:100:1::");
	cr_assert_str_eq(str(&got[3]), "2001:db8:100:3::");
	cr_assert_eq(ike_pool_lease(p, &id[4], &got[4]), -ENOSPC);
	/* an address inside a prefix is not the lease */
	struct ip_addr inside;
	cr_assert_eq(ip_addr_parse("2001:db8:100:1::1", &inside), 0);
	cr_assert_eq(ike_pool_release(p, &id[1], &inside), -ENOENT);
	cr_assert_eq(ike_pool_release(p, &id[1], &got[1]), 0);
	cr_assert_eq(ike_pool_lease(p, &id[1], &got[4]), 0);
	cr_assert(ip_addr_eq(&got[4], &got[1]), "not sticky");
	cr_assert_str_eq(ike_pool_str(p, name, sizeof(name)), "2001:db8:100::/62/64");
	ike_pool_unref(p);
}

Test(pool, sticky_shared_and_exhausted)
{
	struct ike_pool *p = pool_of("192.0.2.10-192.0.2.12");
	struct ike_id a = id_of("@a"), b = id_of("@b"), c = id_of("@c"), d = id_of("@d");
	struct ip_addr la, lb, lc, la2, x;
	struct ike_pool_stats st;

	cr_assert_eq(ike_pool_lease(p, &a, &la), 0);
	cr_assert_eq(ike_pool_lease(p, &b, &lb), 0);
	cr_assert_eq(ike_pool_lease(p, &c, &lc), 0);
	cr_assert_str_eq(str(&la), "192.0.2.10");
	cr_assert_str_eq(str(&lb), "192.0.2.11");
	cr_assert_str_eq(str(&lc), "192.0.2.12");
	/* Full: a fourth client is refused and counted. */
	cr_assert_eq(ike_pool_lease(p, &d, &x), -ENOSPC);
	/* The same ID again (its IKE SA being replaced): the same address, no other taken. */
	cr_assert_eq(ike_pool_lease(p, &a, &la2), 0);
	cr_assert(ip_addr_eq(&la, &la2));
	ike_pool_stats(p, &st);
	cr_assert_eq(st.size, 3);
	cr_assert_eq(st.in_use, 3);
	cr_assert_eq(st.exhausted, 1);
	cr_assert_eq(ike_pool_release(p, &a, &la), 0);
	ike_pool_stats(p, &st);
	cr_assert_eq(st.in_use, 3, "a still holds its address once");
	cr_assert_eq(ike_pool_release(p, &a, &la), 0);
	cr_assert_eq(ike_pool_release(p, &a, &la), -ENOENT, "released twice");
	cr_assert_eq(ike_pool_release(p, &b, &la), -ENOENT, "b never held a's address");
	ike_pool_stats(p, &st);
	cr_assert_eq(st.in_use, 2);
	cr_assert_eq(st.lingering, 1);
	/* a comes back: its address again. */
	cr_assert_eq(ike_pool_lease(p, &a, &la2), 0);
	cr_assert(ip_addr_eq(&la, &la2));
	cr_assert_eq(ike_pool_release(p, &a, &la), 0);
	cr_assert_eq(ike_pool_release(p, &b, &lb), 0);
	/* d needs one: the longest released (a's) goes to d; b keeps its binding. */
	cr_assert_eq(ike_pool_lease(p, &d, &x), 0);
	cr_assert(ip_addr_eq(&x, &la), "d got %s, expected a's %s", str(&x), str(&la));
	cr_assert_eq(ike_pool_lease(p, &b, &x), 0);
	cr_assert(ip_addr_eq(&x, &lb), "b did not get its address back");
	ike_pool_unref(p);
}

struct listing {
	unsigned n, in_use;
	char first_id[64];
};

static void count_lease(void *ctx, const struct ip_addr *addr, const struct ike_id *id,
			unsigned holders)
{
	struct listing *ls = ctx;
	(void)addr;
	ls->n++;
	ls->in_use += holders > 0;
	if (ls->n == 1)
		ike_id_str(id, ls->first_id, sizeof(ls->first_id));
}

/* Many clients, a big IPv6 pool: no per-address memory, every lease distinct, all listed. */
Test(pool, many_leases_v6)
{
	struct ike_pool *p = pool_of("2001:db8::/64");
	enum { N = 20000 };
	static struct ip_addr got[N];
	struct ike_pool_stats st;
	struct listing ls = { 0 };

	for (unsigned i = 0; i < N; i++) {
		char s[32];
		snprintf(s, sizeof(s), "@client%u", i);
		struct ike_id id = id_of(s);
		cr_assert_eq(ike_pool_lease(p, &id, &got[i]), 0);
		if (i)
			cr_assert_not(ip_addr_eq(&got[i], &got[i - 1]));
	}
	ike_pool_stats(p, &st);
	cr_assert_eq(st.size, UINT64_MAX, "a /64 is capped at 2^64 - 1 addresses");
	cr_assert_eq(st.in_use, N);
	for (unsigned i = 0; i < N; i += 2) {
		char s[32];
		snprintf(s, sizeof(s), "@client%u", i);
		struct ike_id id = id_of(s);
		cr_assert_eq(ike_pool_release(p, &id, &got[i]), 0);
	}
	ike_pool_each(p, count_lease, &ls);
	cr_assert_eq(ls.n, N);
	cr_assert_eq(ls.in_use, N / 2);
	cr_assert_neq(ls.first_id[0], '\0');
	ike_pool_unref(p);
}
