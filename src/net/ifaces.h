/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_NET_IFACES_H
#define SKUA_NET_IFACES_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

struct ifaddrs;

/*
 * The public interface addresses pluto listens on (whack --listen): every
 * address of every interface that is up, limited by --interface names or
 * by the single --listen address. Loopback is included (tests run on it);
 * IPv6 link-local addresses only when asked (they need a scope to bind).
 */

/* One address of one interface. Owner: the list holding it. */
struct net_iface {
	char name[IF_NAMESIZE];
	unsigned ifindex;
	struct ip_addr addr;
};

/*
 * A list of interface addresses, sorted by (name, family, address), no
 * duplicates. Owner: whoever filled it; release with net_iface_list_free().
 */
struct net_iface_list {
	struct net_iface *v;
	size_t n;
};

/* What to keep. Owner: the caller; borrowed for the call. */
struct net_iface_filter {
	const char *const *names;	/* --interface names; nnames == 0: all */
	size_t nnames;
	const struct ip_addr *listen;	/* --listen address, or NULL */
	bool link_local;		/* keep fe80::/10 addresses */
};

/*
 * Enumerate with getifaddrs() and filter. A --listen address that no up
 * interface holds gives an empty list (not an error: the caller reports
 * it, and a later --listen finds it once it is configured).
 * Returns 0 or -errno (-ENOMEM); *out is replaced (free it first).
 * Context: main or ctl thread; does not block on the network.
 */
int net_ifaces_scan(const struct net_iface_filter *f, struct net_iface_list *out);

/*
 * The filtering half of net_ifaces_scan(), over any getifaddrs()-shaped
 * list (tests hand it one of their own). Returns 0 or -ENOMEM.
 * Context: any thread; ifa is borrowed.
 */
int net_ifaces_from_ifaddrs(const struct ifaddrs *ifa, const struct net_iface_filter *f,
			    struct net_iface_list *out);

/*
 * What changed from old to cur: entries (name and address) only in cur go
 * to *added, entries only in old to *removed (an address that moved to
 * another interface is in both). The caller frees both; an empty one holds
 * no memory. Returns 0 or -ENOMEM; on error both outputs are empty.
 * Context: any thread; old and cur are borrowed and must be sorted (as
 * the functions above leave them).
 */
int net_ifaces_diff(const struct net_iface_list *old, const struct net_iface_list *cur,
		    struct net_iface_list *added, struct net_iface_list *removed);

/*
 * Whether l holds (name, addr); name NULL matches any interface.
 * Context: any thread.
 */
bool net_iface_list_has(const struct net_iface_list *l, const char *name,
			const struct ip_addr *addr);

/*
 * Release l's entries and leave it empty; NULL is accepted.
 * Context: the list's owner.
 */
void net_iface_list_free(struct net_iface_list *l);

#endif
