/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/addr_list.h"

#include <errno.h>
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

bool addr_list_pick(struct addr_list *g, struct ip_addr *out)
{
	if (!g || g->n == 0)
		return false;
	*out = g->gw[atomic_fetch_add_explicit(&g->next, 1, memory_order_relaxed) % g->n];
	return true;
}

bool addr_list_has(const struct addr_list *g, const struct ip_addr *a)
{
	for (unsigned i = 0; g && i < g->n; i++)
		if (ip_addr_eq(&g->gw[i], a))
			return true;
	return false;
}
