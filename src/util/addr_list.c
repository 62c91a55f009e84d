/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/addr_list.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool host_name_ok(const char *s, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

static int parse(const char *text, bool names, struct addr_list **out, char *err, size_t errlen)
{
	struct addr_list *g = calloc(1, sizeof(*g));
	const char *p = text;
	const char *expected = names ? "expected an IPv4 or IPv6 address or a host name"
				     : "expected an IPv4 or IPv6 address";

	*out = NULL;
	if (!g)
		return -ENOMEM;
	while (*p) {
		char word[256];
		size_t n = strcspn(p, ", \t");

		if (n == 0) {
			p++;
			continue;
		}
		if (n >= (names ? sizeof(word) : 64) || g->n == ADDR_LIST_MAX) {
			snprintf(err, errlen, "%.*s: %s", (int)(n > 40 ? 40 : n), p,
				 g->n < ADDR_LIST_MAX ? expected
						      : "more addresses than the 16 a list may hold");
			addr_list_free(g);
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (ip_addr_parse(word, &g->gw[g->n]) < 0) {
			/* a dotted quad that is no address is no name either */
			bool numeric = strspn(word, "0123456789.") == n || strchr(word, ':');
			if (!names || numeric || !host_name_ok(word, n)) {
				snprintf(err, errlen, "%s: %s", word, expected);
				addr_list_free(g);
				return -EINVAL;
			}
			memset(&g->gw[g->n], 0, sizeof(g->gw[g->n]));
			g->name[g->n] = strdup(word);
			if (!g->name[g->n]) {
				addr_list_free(g);
				return -ENOMEM;
			}
		}
		g->n++;
		p += n;
	}
	if (g->n == 0) {
		snprintf(err, errlen, "no address given (expected ip-address[,ip-address...])");
		addr_list_free(g);
		return -EINVAL;
	}
	*out = g;
	return 0;
}

int addr_list_parse(const char *text, struct addr_list **out, char *err, size_t errlen)
{
	return parse(text, false, out, err, errlen);
}

int addr_list_parse_gw(const char *text, struct addr_list **out, char *err, size_t errlen)
{
	return parse(text, true, out, err, errlen);
}

void addr_list_free(struct addr_list *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < ADDR_LIST_MAX; i++)
		free(g->name[i]);
	free(g);
}

/*
 * The load of each gateway: how many clients this process sent there,
 * whichever list named it (--global-redirect-to, a connection's
 * --redirect-to, whack --redirect-to). Entries are appended under
 * load_lock and never removed; a reader sees an entry once nloads counts
 * it (release/acquire), so lookups take no lock. A process with more
 * gateways than the table holds counts the extra ones as unloaded: they
 * are still handed out, in turn.
 */
enum { GW_LOAD_MAX = 256 };

static struct gw_load {
	struct ip_addr gw;		/* AF_UNSPEC: a named gateway */
	char *name;			/* the table's copy; never freed (the table only grows) */
	_Atomic uint64_t sent;
} loads[GW_LOAD_MAX];
static _Atomic unsigned nloads;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* The entry of address gw, or of the gateway named name (gw NULL). */
static struct gw_load *load_find(const struct ip_addr *gw, const char *name)
{
	unsigned n = atomic_load_explicit(&nloads, memory_order_acquire);

	for (unsigned i = 0; i < n; i++)
		if (gw ? ip_addr_eq(&loads[i].gw, gw)
		       : loads[i].name && !strcasecmp(loads[i].name, name))
			return &loads[i];
	return NULL;
}

static struct gw_load *load_get(const struct ip_addr *gw, const char *name)
{
	struct gw_load *l = load_find(gw, name);
	unsigned n;

	if (l)
		return l;
	pthread_mutex_lock(&load_lock);
	l = load_find(gw, name);
	n = atomic_load_explicit(&nloads, memory_order_relaxed);
	if (!l && n < GW_LOAD_MAX) {
		char *copy = gw ? NULL : strdup(name);
		if (gw || copy) {
			l = &loads[n];
			if (gw)
				l->gw = *gw;
			l->name = copy;
			atomic_store_explicit(&l->sent, 0, memory_order_relaxed);
			atomic_store_explicit(&nloads, n + 1, memory_order_release);
		}
	}
	pthread_mutex_unlock(&load_lock);
	return l;
}

static uint64_t load_of(const struct addr_list *g, unsigned k)
{
	const struct gw_load *l = g->name[k] ? load_find(NULL, g->name[k]) : load_find(&g->gw[k], NULL);

	return l ? atomic_load_explicit(&l->sent, memory_order_relaxed) : 0;
}

uint64_t addr_list_sent(const struct ip_addr *gw)
{
	const struct gw_load *l = load_find(gw, NULL);

	return l ? atomic_load_explicit(&l->sent, memory_order_relaxed) : 0;
}

uint64_t addr_list_sent_name(const char *name)
{
	const struct gw_load *l = load_find(NULL, name);

	return l ? atomic_load_explicit(&l->sent, memory_order_relaxed) : 0;
}

int addr_list_pick_at(struct addr_list *g)
{
	unsigned start, best;
	uint64_t least = UINT64_MAX;
	struct gw_load *l;

	if (!g || g->n == 0)
		return -1;
	/* the least loaded; among equals, the next in turn from a rotating start */
	start = atomic_fetch_add_explicit(&g->next, 1, memory_order_relaxed) % g->n;
	best = start;
	for (unsigned i = 0; i < g->n; i++) {
		unsigned k = (start + i) % g->n;
		uint64_t sent = load_of(g, k);
		if (sent < least) {
			least = sent;
			best = k;
		}
	}
	l = g->name[best] ? load_get(NULL, g->name[best]) : load_get(&g->gw[best], NULL);
	if (l)
		atomic_fetch_add_explicit(&l->sent, 1, memory_order_relaxed);
	return (int)best;
}

bool addr_list_pick(struct addr_list *g, struct ip_addr *out)
{
	int k = addr_list_pick_at(g);

	if (k < 0)
		return false;
	*out = g->gw[k];
	return true;
}

bool addr_list_has(const struct addr_list *g, const struct ip_addr *a)
{
	for (unsigned i = 0; g && i < g->n; i++)
		if (ip_addr_eq(&g->gw[i], a))
			return true;
	return false;
}

bool addr_list_has_name(const struct addr_list *g, const char *name, size_t len)
{
	for (unsigned i = 0; g && i < g->n; i++)
		if (g->name[i] && strlen(g->name[i]) == len && strncasecmp(g->name[i], name, len) == 0)
			return true;
	return false;
}
