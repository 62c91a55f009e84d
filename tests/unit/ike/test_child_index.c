/* SPDX-License-Identifier: BSD-2-Clause */
/* The worker's index of Child SAs by SPI, which kernel events go through. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "ike/child_index.h"
#include "ike/ike_sa.h"

enum { N = 10000 };

static struct child_sa *make(unsigned i)
{
	struct child_sa *c = calloc(1, sizeof(*c));
	cr_assert_not_null(c);
	c->spi_in = 0x1000 + 2 * i;
	c->spi_out = 0x80000000u + i * 7919u;
	c->reqid = 16384 + i % 97;
	return c;
}

Test(child_index, finds_by_either_spi_through_growth)
{
	struct child_index ix;
	struct child_sa **cs = calloc(N, sizeof(*cs));

	cr_assert_eq(child_index_init(&ix), 0);
	cr_assert_null(child_index_find(&ix, 0x1000, 16384), "an empty index finds something");
	for (unsigned i = 0; i < N; i++) {
		cs[i] = make(i);
		cr_assert_eq(child_index_add(&ix, cs[i]), 0);
		cr_assert_eq(child_index_add(&ix, cs[i]), 0, "adding twice is harmless");
	}
	cr_assert_eq(ix.count, 2 * N);
	cr_assert_geq(ix.mask + 1, 2 * N, "the index did not grow");
	for (unsigned i = 0; i < N; i++) {
		cr_assert_eq(child_index_find(&ix, cs[i]->spi_in, cs[i]->reqid), cs[i]);
		cr_assert_eq(child_index_find(&ix, cs[i]->spi_out, cs[i]->reqid), cs[i]);
		/* The reqid must match too: an SPI alone may be reused by another SA. */
		cr_assert_null(child_index_find(&ix, cs[i]->spi_in, cs[i]->reqid + 1));
	}
	for (unsigned i = 0; i < N; i += 2)
		child_index_del(&ix, cs[i]);
	child_index_del(&ix, cs[0]);	/* again: harmless */
	cr_assert_eq(ix.count, N);
	for (unsigned i = 0; i < N; i++) {
		struct child_sa *want = i % 2 ? cs[i] : NULL;
		cr_assert_eq(child_index_find(&ix, cs[i]->spi_in, cs[i]->reqid), want, "i=%u", i);
		cr_assert_eq(child_index_find(&ix, cs[i]->spi_out, cs[i]->reqid), want, "i=%u", i);
	}
	child_index_fini(&ix);
	for (unsigned i = 0; i < N; i++)
		free(cs[i]);
	free(cs);
}

/* Both SPIs of one SA in the same chain, and SPIs shared across SAs with other reqids. */
Test(child_index, same_spi_other_reqid)
{
	struct child_index ix;
	struct child_sa a = { .spi_in = 0x5000, .spi_out = 0x5000, .reqid = 1 };
	struct child_sa b = { .spi_in = 0x5000, .spi_out = 0x6000, .reqid = 2 };

	cr_assert_eq(child_index_init(&ix), 0);
	cr_assert_eq(child_index_add(&ix, &a), 0);
	cr_assert_eq(child_index_add(&ix, &b), 0);
	cr_assert_eq(child_index_find(&ix, 0x5000, 1), &a);
	cr_assert_eq(child_index_find(&ix, 0x5000, 2), &b);
	child_index_del(&ix, &a);
	cr_assert_null(child_index_find(&ix, 0x5000, 1));
	cr_assert_eq(child_index_find(&ix, 0x5000, 2), &b);
	cr_assert_eq(child_index_find(&ix, 0x6000, 2), &b);
	child_index_fini(&ix);
}
