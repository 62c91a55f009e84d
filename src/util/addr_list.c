/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/addr_list.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int addr_list_parse(const char *text, struct addr_list **out, char *err,
			   size_t errlen)
{
	struct addr_list *g = calloc(1, sizeof(*g));
	const char *p = text;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	while (*p) {
		char word[64];
		size_t n = strcspn(p, ", \t");

		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(word) || g->n == ADDR_LIST_MAX) {
			snprintf(err, errlen, "%.*s: %s", (int)(n > 40 ? 40 : n), p,
				 n >= sizeof(word) ? "expected an IPv4 or IPv6 address"
						   : "more addresses than the 16 a list may hold");
			free(g);
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (ip_addr_parse(word, &g->gw[g->n]) < 0) {
			snprintf(err, errlen, "%s: expected an IPv4 or IPv6 address", word);
			free(g);
			return -EINVAL;
		}
		g->n++;
		p += n;
	}
	if (g->n == 0) {
		snprintf(err, errlen, "no address given (expected ip-address[,ip-address...])");
		free(g);
		return -EINVAL;
	}
	*out = g;
	return 0;
}

void addr_list_free(struct addr_list *g)
{
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
	struct ip_addr gw;
	_Atomic uint64_t sent;
} loads[GW_LOAD_MAX];
static _Atomic unsigned nloads;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static struct gw_load *load_find(const struct ip_addr *gw)
{
	unsigned n = atomic_load_explicit(&nloads, memory_order_acquire);

	for (unsigned i = 0; i < n; i++)
		if (ip_addr_eq(&loads[i].gw, gw))
			return &loads[i];
	return NULL;
}

static struct gw_load *load_get(const struct ip_addr *gw)
{
	struct gw_load *l = load_find(gw);
	unsigned n;

	if (l)
		return l;
	pthread_mutex_lock(&load_lock);
	l = load_find(gw);
	n = atomic_load_explicit(&nloads, memory_order_relaxed);
	if (!l && n < GW_LOAD_MAX) {
		l = &loads[n];
		l->gw = *gw;
		atomic_store_explicit(&l->sent, 0, memory_order_relaxed);
		atomic_store_explicit(&nloads, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&load_lock);
	return l;
}

static uint64_t load_of(const struct ip_addr *gw)
{
	const struct gw_load *l = load_find(gw);

	return l ? atomic_load_explicit(&l->sent, memory_order_relaxed) : 0;
}

uint64_t addr_list_sent(const struct ip_addr *gw)
{
	return load_of(gw);
}

bool addr_list_pick(struct addr_list *g, struct ip_addr *out)
{
	unsigned start, best;
	uint64_t least = UINT64_MAX;
	struct gw_load *l;

	if (!g || g->n == 0)
		return false;
	/* the least loaded; among equals, the next in turn from a rotating start */
	start = atomic_fetch_add_explicit(&g->next, 1, memory_order_relaxed) % g->n;
	best = start;
	for (unsigned i = 0; i < g->n; i++) {
		unsigned k = (start + i) % g->n;
		uint64_t sent = load_of(&g->gw[k]);
		if (sent < least) {
			least = sent;
			best = k;
		}
	}
	*out = g->gw[best];
	l = load_get(out);
	if (l)
		atomic_fetch_add_explicit(&l->sent, 1, memory_order_relaxed);
	return true;
}

bool addr_list_has(const struct addr_list *g, const struct ip_addr *a)
{
	for (unsigned i = 0; g && i < g->n; i++)
		if (ip_addr_eq(&g->gw[i], a))
			return true;
	return false;
}
