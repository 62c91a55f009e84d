/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * %defaultroute on the real host: the default route of a family from
 * /proc/net/route or /proc/net/ipv6_route (the lowest metric wins), its
 * gateway, and our address on its interface. Read when a conn is built,
 * as libreswan's addconn does at load time.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/config_conn.h"

static int hex_bytes(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int route4(char *ifname, struct ip_addr *gw)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[512], name[IF_NAMESIZE + 1];
	unsigned long best = ~0ul;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) { /* the header */
		fclose(f);
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned dst, via, flags, mask;
		unsigned long metric;

		if (sscanf(line, "%16s %x %x %x %*u %*u %lu %x", name, &dst, &via, &flags, &metric,
			   &mask) != 6)
			continue;
		if (dst != 0 || mask != 0 || !(flags & RTF_UP) || metric >= best)
			continue;
		best = metric;
		snprintf(ifname, IF_NAMESIZE + 2, "%s", name);
		memset(gw, 0, sizeof(*gw));
		if ((flags & RTF_GATEWAY) && via) {
			gw->af = AF_INET;
			memcpy(gw->b, &via, 4); /* printed as the raw network-order word */
		}
		rc = 0;
	}
	fclose(f);
	return rc;
}

static int route6(char *ifname, struct ip_addr *gw)
{
	FILE *f = fopen("/proc/net/ipv6_route", "re");
	char line[512], dst[33], via[33], name[IF_NAMESIZE + 1];
	unsigned long best = ~0ul;
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned plen, flags;
		unsigned long metric;
		uint8_t b[16];

		if (sscanf(line, "%32s %x %*s %*x %32s %lx %*x %*x %x %16s", dst, &plen, via,
			   &metric, &flags, name) != 6)
			continue;
		if (plen != 0 || strspn(dst, "0") != 32 || !(flags & RTF_UP) ||
		    (flags & RTF_REJECT) || metric >= best)
			continue;
		best = metric;
		snprintf(ifname, IF_NAMESIZE + 2, "%s", name);
		memset(gw, 0, sizeof(*gw));
		if (strspn(via, "0") != 32 && hex_bytes(via, b, 16) == 0) {
			gw->af = AF_INET6;
			memcpy(gw->b, b, 16);
		}
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* Our first address of family af on ifname (not link-local for IPv6). */
static int iface_addr(const char *ifname, sa_family_t af, struct ip_addr *out)
{
	struct ifaddrs *all, *i;
	int rc = -EADDRNOTAVAIL;

	if (getifaddrs(&all) < 0)
		return -errno;
	for (i = all; i; i = i->ifa_next) {
		struct ip_addr a;
		uint16_t port;

		if (!i->ifa_addr || i->ifa_addr->sa_family != af || strcmp(i->ifa_name, ifname))
			continue;
		if (ip_addr_from_sockaddr(i->ifa_addr, &a, &port) < 0)
			continue;
		if (af == AF_INET6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80)
			continue;
		*out = a;
		rc = 0;
		break;
	}
	freeifaddrs(all);
	return rc;
}

static int system_defaultroute(void *ctx, sa_family_t af, struct ip_addr *src, struct ip_addr *gw,
			       char *why, size_t whylen)
{
	char ifname[IF_NAMESIZE + 2] = "";
	int rc = af == AF_INET6 ? route6(ifname, gw) : route4(ifname, gw);

	(void)ctx;
	if (rc == -ENOENT) {
		snprintf(why, whylen,
			 "this host has no %s default route: expected one, or an "
			 "address",
			 af == AF_INET6 ? "IPv6" : "IPv4");
		return rc;
	}
	if (rc < 0) {
		snprintf(why, whylen, "cannot read the routing table: %s", strerror(-rc));
		return rc;
	}
	rc = iface_addr(ifname, af, src);
	if (rc < 0)
		snprintf(why, whylen, "the default route's interface %s has no %s address", ifname,
			 af == AF_INET6 ? "IPv6" : "IPv4");
	return rc;
}

const struct conf_env conf_env_system = {.defaultroute = system_defaultroute, .ctx = NULL};
