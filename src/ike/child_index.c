/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/child_index.h"

#include <errno.h>
#include <stdlib.h>

#include "crypto/crypto.h"
#include "ike/ike_sa.h"

enum { FIRST_BUCKETS = 64 };

static size_t slot(const struct child_index *ix, uint32_t spi)
{
	uint64_t h = (spi ^ ix->key) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 32 ^ h) & ix->mask;
}

int child_index_init(struct child_index *ix)
{
	ix->buckets = NULL;
	ix->mask = 0;
	ix->count = 0;
	ix->key = 0;
	crypto_random(&ix->key, sizeof(ix->key));
	return 0;
}

void child_index_fini(struct child_index *ix)
{
	free(ix->buckets);
	ix->buckets = NULL;
	ix->mask = 0;
	ix->count = 0;
}

static void link_one(struct child_index *ix, struct child_link *l)
{
	size_t i = slot(ix, l->spi);
	l->next = ix->buckets[i];
	ix->buckets[i] = l;
}

static int grow(struct child_index *ix)
{
	size_t n = ix->mask ? 2 * (ix->mask + 1) : FIRST_BUCKETS;
	size_t old_n = ix->mask ? ix->mask + 1 : 0;
	struct child_link **old = ix->buckets, **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	ix->buckets = b;
	ix->mask = n - 1;
	for (size_t i = 0; i < old_n; i++) {
		struct child_link *l = old[i];
		while (l) {
			struct child_link *next = l->next;
			link_one(ix, l);
			l = next;
		}
	}
	free(old);
	return 0;
}

int child_index_add(struct child_index *ix, struct child_sa *c)
{
	if (c->idx[0].linked)
		return 0;
	if ((ix->count + 2 > ix->mask + 1 || !ix->buckets) && grow(ix) < 0)
		return -ENOMEM;
	c->idx[0] = (struct child_link){ .c = c, .spi = c->spi_in, .linked = true };
	c->idx[1] = (struct child_link){ .c = c, .spi = c->spi_out, .linked = true };
	link_one(ix, &c->idx[0]);
	link_one(ix, &c->idx[1]);
	ix->count += 2;
	return 0;
}

void child_index_del(struct child_index *ix, struct child_sa *c)
{
	for (int d = 0; d < 2; d++) {
		struct child_link *l = &c->idx[d], **pp;
		if (!l->linked)
			continue;
		for (pp = &ix->buckets[slot(ix, l->spi)]; *pp; pp = &(*pp)->next) {
			if (*pp == l) {
				*pp = l->next;
				ix->count--;
				break;
			}
		}
		l->linked = false;
		l->next = NULL;
	}
}

struct child_sa *child_index_find(const struct child_index *ix, uint32_t spi, uint32_t reqid)
{
	if (!ix->buckets)
		return NULL;
	for (const struct child_link *l = ix->buckets[slot(ix, spi)]; l; l = l->next)
		if (l->spi == spi && l->c->reqid == reqid)
			return l->c;
	return NULL;
}

bool child_index_has_spi_in(const struct child_index *ix, uint32_t spi)
{
	if (!ix->buckets)
		return false;
	for (const struct child_link *l = ix->buckets[slot(ix, spi)]; l; l = l->next)
		if (l->spi == spi && l->c->spi_in == spi)
			return true;
	return false;
}
