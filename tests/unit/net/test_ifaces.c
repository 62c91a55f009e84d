/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

#include "net/ifaces.h"
#include "util/addr.h"

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

/* The real system: loopback is up and holds 127.0.0.1 everywhere tests run. */

Test(ifaces, loopback_found)
{
	struct net_iface_list l;
	struct net_iface_filter f = { .nnames = 0 };
	struct ip_addr lo4 = addr("127.0.0.1"), lo6 = addr("::1");

	cr_assert_eq(net_ifaces_scan(&f, &l), 0);
	cr_assert(net_iface_list_has(&l, "lo", &lo4));
	cr_assert(net_iface_list_has(&l, NULL, &lo4));
	for (size_t i = 0; i < l.n; i++) {
		cr_assert(!(l.v[i].addr.af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&l.v[i].addr.v6)),
			  "link-local %s listed without being asked for", l.v[i].name);
		cr_assert_gt(l.v[i].ifindex, 0);
		if (strcmp(l.v[i].name, "lo") == 0)
			cr_assert_eq(l.v[i].ifindex, if_nametoindex("lo"));
	}
	/* ::1 is there whenever the kernel has IPv6 on lo. */
	if (if_nametoindex("lo") && net_iface_list_has(&l, NULL, &lo6))
		cr_assert(net_iface_list_has(&l, "lo", &lo6));
	net_iface_list_free(&l);
	cr_assert_null(l.v);
	cr_assert_eq(l.n, 0);
	net_iface_list_free(NULL);
}

Test(ifaces, interface_filter)
{
	const char *only_lo[] = { "lo" };
	const char *none[] = { "skua-nonexistent0" };
	struct net_iface_filter f = { .names = only_lo, .nnames = 1 };
	struct net_iface_list l;
	struct ip_addr lo4 = addr("127.0.0.1");

	cr_assert_eq(net_ifaces_scan(&f, &l), 0);
	cr_assert_geq(l.n, 1);
	cr_assert(net_iface_list_has(&l, "lo", &lo4));
	for (size_t i = 0; i < l.n; i++)
		cr_assert_str_eq(l.v[i].name, "lo");
	net_iface_list_free(&l);

	f.names = none;
	cr_assert_eq(net_ifaces_scan(&f, &l), 0);
	cr_assert_eq(l.n, 0);
	net_iface_list_free(&l);
}

Test(ifaces, listen_single)
{
	struct ip_addr lo4 = addr("127.0.0.1"), absent = addr("203.0.113.254");
	struct net_iface_filter f = { .listen = &lo4 };
	struct net_iface_list l;

	cr_assert_eq(net_ifaces_scan(&f, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.v[0].name, "lo");
	cr_assert(ip_addr_eq(&l.v[0].addr, &lo4));
	net_iface_list_free(&l);

	/* An address no interface holds: empty, and not an error. */
	f.listen = &absent;
	cr_assert_eq(net_ifaces_scan(&f, &l), 0);
	cr_assert_eq(l.n, 0);
	net_iface_list_free(&l);
}

/* A made-up getifaddrs() answer, to test the filter on interfaces this host lacks. */
struct fake {
	struct ifaddrs ifa[16];
	struct sockaddr_storage ss[16];
	size_t n;
};

static void fake_add(struct fake *fk, const char *name, unsigned flags, const char *a)
{
	size_t i = fk->n++;
	struct ifaddrs *e = &fk->ifa[i];

	cr_assert(i < 16);
	memset(e, 0, sizeof(*e));
	e->ifa_name = (char *)name;
	e->ifa_flags = flags;
	if (a) {
		struct ip_addr ia = addr(a);
		ip_addr_to_sockaddr(&ia, 0, &fk->ss[i]);
		e->ifa_addr = (struct sockaddr *)&fk->ss[i];
	} else {
		/* An AF_PACKET-like entry: no IP address. */
		fk->ss[i].ss_family = AF_PACKET;
		e->ifa_addr = (struct sockaddr *)&fk->ss[i];
	}
	if (i > 0)
		fk->ifa[i - 1].ifa_next = e;
}

static void fake_build(struct fake *fk)
{
	fk->n = 0;
	fake_add(fk, "eth1", IFF_UP, "198.51.100.7");
	fake_add(fk, "eth0", IFF_UP, "192.0.2.1");
	fake_add(fk, "eth0", IFF_UP, "fe80::1");
	fake_add(fk, "eth0", IFF_UP, "2001:db8::1");
	fake_add(fk, "eth0", IFF_UP, "192.0.2.1");	/* listed twice */
	fake_add(fk, "eth0", IFF_UP, NULL);
	fake_add(fk, "eth2", 0, "10.9.9.9");		/* down */
	fake_add(fk, "lo", IFF_UP | IFF_LOOPBACK, "127.0.0.1");
	fake_add(fk, "a-name-much-too-long-for-ifnamsiz", IFF_UP, "10.1.1.1");
	fk->ifa[fk->n++] = (struct ifaddrs){ .ifa_name = (char *)"tun0", .ifa_flags = IFF_UP };
	fk->ifa[fk->n - 2].ifa_next = &fk->ifa[fk->n - 1];
}

Test(ifaces, filter_rules_on_fake_list)
{
	struct fake fk;
	struct net_iface_list l;
	struct net_iface_filter f = { .nnames = 0 };

	fake_build(&fk);
	cr_assert_eq(net_ifaces_from_ifaddrs(fk.ifa, &f, &l), 0);
	/* Sorted by name, then family, then address; duplicates, down and non-IP gone. */
	const char *want_name[] = { "eth0", "eth0", "eth1", "lo" };
	const char *want_addr[] = { "192.0.2.1", "2001:db8::1", "198.51.100.7", "127.0.0.1" };
	cr_assert_eq(l.n, 4);
	for (size_t i = 0; i < 4; i++) {
		struct ip_addr w = addr(want_addr[i]);
		cr_assert_str_eq(l.v[i].name, want_name[i]);
		cr_assert(ip_addr_eq(&l.v[i].addr, &w), "entry %zu", i);
	}
	net_iface_list_free(&l);

	f.link_local = true;
	cr_assert_eq(net_ifaces_from_ifaddrs(fk.ifa, &f, &l), 0);
	struct ip_addr ll = addr("fe80::1");
	cr_assert_eq(l.n, 5);
	cr_assert(net_iface_list_has(&l, "eth0", &ll));
	net_iface_list_free(&l);

	const char *names[] = { "eth1", "lo" };
	f = (struct net_iface_filter){ .names = names, .nnames = 2 };
	cr_assert_eq(net_ifaces_from_ifaddrs(fk.ifa, &f, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[0].name, "eth1");
	cr_assert_str_eq(l.v[1].name, "lo");
	net_iface_list_free(&l);

	/* --interface and --listen together: the address must be on a named interface. */
	struct ip_addr v6 = addr("2001:db8::1");
	f.listen = &v6;
	cr_assert_eq(net_ifaces_from_ifaddrs(fk.ifa, &f, &l), 0);
	cr_assert_eq(l.n, 0);
	net_iface_list_free(&l);
	f.nnames = 0;
	cr_assert_eq(net_ifaces_from_ifaddrs(fk.ifa, &f, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.v[0].name, "eth0");
	net_iface_list_free(&l);

	/* A NULL filter means "everything but link-local". */
	cr_assert_eq(net_ifaces_from_ifaddrs(fk.ifa, NULL, &l), 0);
	cr_assert_eq(l.n, 4);
	net_iface_list_free(&l);
	cr_assert_eq(net_ifaces_from_ifaddrs(NULL, NULL, &l), 0);
	cr_assert_eq(l.n, 0);
}

static struct net_iface_list list_of(struct fake *fk)
{
	struct net_iface_list l;
	cr_assert_eq(net_ifaces_from_ifaddrs(fk->ifa, NULL, &l), 0);
	return l;
}

Test(ifaces, diff_added_and_removed)
{
	struct fake a, b;
	struct net_iface_list old, cur, add, rem;

	/* Before: lo, eth0 192.0.2.1, eth0 2001:db8::1. After: eth0 lost its v4
	 * address, eth1 appeared, and 2001:db8::1 moved from eth0 to eth1. */
	a.n = 0;
	fake_add(&a, "lo", IFF_UP, "127.0.0.1");
	fake_add(&a, "eth0", IFF_UP, "192.0.2.1");
	fake_add(&a, "eth0", IFF_UP, "2001:db8::1");
	b.n = 0;
	fake_add(&b, "eth1", IFF_UP, "2001:db8::1");
	fake_add(&b, "eth1", IFF_UP, "198.51.100.7");
	fake_add(&b, "lo", IFF_UP, "127.0.0.1");
	old = list_of(&a);
	cur = list_of(&b);

	cr_assert_eq(net_ifaces_diff(&old, &cur, &add, &rem), 0);
	struct ip_addr v4 = addr("192.0.2.1"), v6 = addr("2001:db8::1"), n4 = addr("198.51.100.7");
	cr_assert_eq(add.n, 2);
	cr_assert(net_iface_list_has(&add, "eth1", &v6));
	cr_assert(net_iface_list_has(&add, "eth1", &n4));
	cr_assert_eq(rem.n, 2);
	cr_assert(net_iface_list_has(&rem, "eth0", &v4));
	cr_assert(net_iface_list_has(&rem, "eth0", &v6));
	net_iface_list_free(&add);
	net_iface_list_free(&rem);

	/* No change: nothing either way. */
	cr_assert_eq(net_ifaces_diff(&cur, &cur, &add, &rem), 0);
	cr_assert_eq(add.n, 0);
	cr_assert_eq(rem.n, 0);
	net_iface_list_free(&add);
	net_iface_list_free(&rem);

	/* From nothing (the first --listen) everything is added; to nothing, removed. */
	struct net_iface_list empty = { .v = NULL, .n = 0 };
	cr_assert_eq(net_ifaces_diff(&empty, &cur, &add, &rem), 0);
	cr_assert_eq(add.n, cur.n);
	cr_assert_eq(rem.n, 0);
	net_iface_list_free(&add);
	cr_assert_eq(net_ifaces_diff(&cur, &empty, &add, &rem), 0);
	cr_assert_eq(add.n, 0);
	cr_assert_eq(rem.n, cur.n);
	net_iface_list_free(&rem);

	net_iface_list_free(&old);
	net_iface_list_free(&cur);
}

Test(ifaces, diff_on_live_scan_is_empty)
{
	struct net_iface_list a, b, add, rem;

	cr_assert_eq(net_ifaces_scan(NULL, &a), 0);
	cr_assert_eq(net_ifaces_scan(NULL, &b), 0);
	cr_assert_eq(net_ifaces_diff(&a, &b, &add, &rem), 0);
	cr_assert_eq(add.n + rem.n, 0, "nothing changed between two scans");
	cr_assert_null(add.v, "an empty answer holds no memory");
	cr_assert_null(rem.v);
	net_iface_list_free(&add);
	net_iface_list_free(&rem);
	net_iface_list_free(&a);
	net_iface_list_free(&b);
}
