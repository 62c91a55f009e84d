/* SPDX-License-Identifier: BSD-2-Clause */
#include "net/ifaces.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

void net_iface_list_free(struct net_iface_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int iface_cmp(const struct net_iface *a, const struct net_iface *b)
{
	int c = strncmp(a->name, b->name, sizeof(a->name));

	if (c)
		return c;
	if (a->addr.af != b->addr.af)
		return a->addr.af < b->addr.af ? -1 : 1;
	return memcmp(a->addr.b, b->addr.b, ip_addr_bits(&a->addr) / 8);
}

static int iface_qsort_cmp(const void *a, const void *b)
{
	return iface_cmp(a, b);
}

static bool name_wanted(const struct net_iface_filter *f, const char *name)
{
	if (!f || f->nnames == 0)
		return true;
	for (size_t i = 0; i < f->nnames; i++) {
		if (strcmp(f->names[i], name) == 0)
			return true;
	}
	return false;
}

static bool addr_wanted(const struct net_iface_filter *f, const struct ip_addr *a)
{
	if (a->af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->v6) && !(f && f->link_local))
		return false;
	if (f && f->listen && !ip_addr_eq(f->listen, a))
		return false;
	return true;
}

int net_ifaces_from_ifaddrs(const struct ifaddrs *ifa, const struct net_iface_filter *f,
			    struct net_iface_list *out)
{
	struct net_iface_list l = { .v = NULL, .n = 0 };
	size_t cap = 0, w;

	for (const struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		struct net_iface e = { .ifindex = 0 };

		if (!i->ifa_addr || !i->ifa_name || !(i->ifa_flags & IFF_UP))
			continue;
		if (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6)
			continue;
		if (ip_addr_from_sockaddr(i->ifa_addr, &e.addr, NULL))
			continue;
		if (strlen(i->ifa_name) >= sizeof(e.name) || !name_wanted(f, i->ifa_name) ||
		    !addr_wanted(f, &e.addr))
			continue;
		memcpy(e.name, i->ifa_name, strlen(i->ifa_name) + 1);
		e.ifindex = if_nametoindex(e.name);

		if (l.n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct net_iface *nv = realloc(l.v, ncap * sizeof(*nv));
			if (!nv) {
				net_iface_list_free(&l);
				return -ENOMEM;
			}
			l.v = nv;
			cap = ncap;
		}
		l.v[l.n++] = e;
	}

	if (l.n) {
		qsort(l.v, l.n, sizeof(l.v[0]), iface_qsort_cmp);
		w = 1;
		for (size_t r = 1; r < l.n; r++) {
			if (iface_cmp(&l.v[r], &l.v[w - 1]) != 0)
				l.v[w++] = l.v[r];
		}
		l.n = w;
	}
	*out = l;
	return 0;
}

int net_ifaces_scan(const struct net_iface_filter *f, struct net_iface_list *out)
{
	struct ifaddrs *ifa;
	int err;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	err = net_ifaces_from_ifaddrs(ifa, f, out);
	freeifaddrs(ifa);
	return err;
}

/* The caller sized l for the worst case up front: this never grows it. */
static void push(struct net_iface_list *l, const struct net_iface *e)
{
	l->v[l->n++] = *e;
}

int net_ifaces_diff(const struct net_iface_list *old, const struct net_iface_list *cur,
		    struct net_iface_list *added, struct net_iface_list *removed)
{
	struct net_iface_list a = { .v = NULL, .n = 0 }, r = { .v = NULL, .n = 0 };
	size_t i = 0, j = 0;

	if (cur->n) {
		a.v = calloc(cur->n, sizeof(*a.v));
		if (!a.v)
			goto nomem;
	}
	if (old->n) {
		r.v = calloc(old->n, sizeof(*r.v));
		if (!r.v)
			goto nomem;
	}

	/* A merge walk over two sorted lists. */
	while (i < old->n || j < cur->n) {
		int c;

		if (i == old->n)
			c = 1;
		else if (j == cur->n)
			c = -1;
		else
			c = iface_cmp(&old->v[i], &cur->v[j]);
		if (c < 0)
			push(&r, &old->v[i++]);
		else if (c > 0)
			push(&a, &cur->v[j++]);
		else
			i++, j++;
	}
	/* An empty answer holds no memory. */
	if (!a.n)
		net_iface_list_free(&a);
	if (!r.n)
		net_iface_list_free(&r);
	*added = a;
	*removed = r;
	return 0;

nomem:
	net_iface_list_free(&a);
	net_iface_list_free(&r);
	*added = a;
	*removed = r;
	return -ENOMEM;
}

bool net_iface_list_has(const struct net_iface_list *l, const char *name,
			const struct ip_addr *addr)
{
	for (size_t i = 0; i < l->n; i++) {
		if ((!name || strncmp(l->v[i].name, name, sizeof(l->v[i].name)) == 0) &&
		    ip_addr_eq(&l->v[i].addr, addr))
			return true;
	}
	return false;
}
