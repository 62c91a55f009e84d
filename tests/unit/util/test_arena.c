/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "util/arena.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HAVE_ASAN 1
#endif

TestSuite(arena, .timeout = 10);

Test(arena, init_rejects_bad_sizes)
{
	struct arena a;

	cr_assert_eq(arena_init(&a, 0, 100), -EINVAL);
	cr_assert_eq(arena_init(&a, 4096, 1000), -EINVAL);
	cr_assert_eq(arena_init(&a, 4096, 4096), 0);
	cr_assert_eq(arena_bytes_held(&a), 0);	/* nothing taken before the first use */
	arena_fini(&a);
}

Test(arena, allocations_are_aligned_and_distinct)
{
	struct arena a;
	static const size_t aligns[] = { 1, 2, 4, 8, 16, 32, 64, 256, 4096 };
	uint8_t *prev = NULL;
	size_t prev_len = 0;

	cr_assert_eq(arena_init(&a, 8192, 1 << 20), 0);
	for (unsigned i = 0; i < 300; i++) {
		size_t align = aligns[i % 9], len = 1 + (i * 37) % 300;
		uint8_t *p = arena_alloc_aligned(&a, len, align);

		cr_assert_not_null(p, "alloc %u", i);
		cr_assert_eq((uintptr_t)p % align, 0, "alloc %u: %p not aligned to %zu", i,
			     (void *)p, align);
		memset(p, 0xA5, len);	/* writable in full (ASan checks the bounds) */
		/* no overlap with the previous block */
		if (prev)
			cr_assert(p >= prev + prev_len || p + len <= prev);
		prev = p;
		prev_len = len;
	}
	for (unsigned i = 0; i < 100; i++) {
		void *p = arena_alloc(&a, 1 + i);

		cr_assert_not_null(p);
		cr_assert_eq((uintptr_t)p % ARENA_DEFAULT_ALIGN, 0);
	}
	/* zero bytes still gives a usable, aligned pointer */
	cr_assert_not_null(arena_alloc(&a, 0));
	/* not a power of two, or too large an alignment */
	cr_assert_null(arena_alloc_aligned(&a, 8, 3));
	cr_assert_null(arena_alloc_aligned(&a, 8, 0));
	cr_assert_null(arena_alloc_aligned(&a, 8, 8192));
	cr_assert_eq(a.failures, 3);
	arena_fini(&a);
}

Test(arena, stats_and_reset_reuse_chunks)
{
	struct arena a;
	void *first;

	cr_assert_eq(arena_init(&a, 1024, 64 * 1024), 0);
	first = arena_alloc(&a, 100);
	cr_assert_not_null(first);
	cr_assert_eq(arena_bytes_in_use(&a), 100);
	cr_assert_not_null(arena_alloc(&a, 16));
	/* 100 rounds up to 112 for the next 16-byte-aligned block */
	cr_assert_eq(arena_bytes_in_use(&a), 128);
	cr_assert_eq(arena_bytes_held(&a), 1024);

	/* grow across chunks */
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(arena_alloc(&a, 512));
	cr_assert_gt(arena_bytes_held(&a), 1024);
	size_t held = arena_bytes_held(&a), hw = arena_high_water(&a);

	cr_assert_geq(hw, 128 + 10 * 512);
	arena_reset(&a);
	cr_assert_eq(arena_bytes_in_use(&a), 0);
	cr_assert_eq(arena_high_water(&a), hw);
	cr_assert_eq(arena_bytes_held(&a), held);	/* normal chunks kept */
	/* the same memory comes back first */
	cr_assert_eq(arena_alloc(&a, 100), first);
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(arena_alloc(&a, 512));
	cr_assert_eq(arena_bytes_held(&a), held);	/* reused, not grown */
	arena_fini(&a);
}

Test(arena, oversized_requests_get_their_own_chunk)
{
	struct arena a;
	uint8_t *big;

	cr_assert_eq(arena_init(&a, 1024, 16 * 1024), 0);
	cr_assert_not_null(arena_alloc(&a, 10));
	big = arena_alloc_aligned(&a, 5000, 64);
	cr_assert_not_null(big);
	cr_assert_eq((uintptr_t)big % 64, 0);
	memset(big, 1, 5000);
	cr_assert_geq(arena_bytes_held(&a), 1024 + 5000);
	/* the normal chunk is still bumped after a big one */
	cr_assert_not_null(arena_alloc(&a, 10));
	arena_reset(&a);
	cr_assert_eq(arena_bytes_held(&a), 1024);	/* the big chunk is gone */
	arena_fini(&a);
}

Test(arena, cap_is_enforced)
{
	struct arena a;
	unsigned n = 0;

	cr_assert_eq(arena_init(&a, 1024, 4096), 0);
	while (arena_alloc(&a, 256))
		n++;
	cr_assert_eq(n, 16);	/* four chunks of four */
	cr_assert_eq(arena_bytes_held(&a), 4096);
	cr_assert_null(arena_alloc(&a, 1));
	cr_assert_null(arena_alloc(&a, 10000));		/* oversized: over the cap too */
	cr_assert_null(arena_alloc(&a, SIZE_MAX - 10));	/* no overflow */
	cr_assert_eq(a.failures, 4);
	arena_reset(&a);
	cr_assert_not_null(arena_alloc(&a, 256));
	arena_fini(&a);
}

#ifdef HAVE_ASAN
Test(arena, reset_poisons_old_blocks)
{
	struct arena a;
	uint8_t *p;

	cr_assert_eq(arena_init(&a, 1024, 4096), 0);
	p = arena_alloc(&a, 40);
	cr_assert_not(__asan_address_is_poisoned(p));
	cr_assert_not(__asan_address_is_poisoned(p + 39));
	cr_assert(__asan_address_is_poisoned(p + 48));	/* beyond the block */
	arena_reset(&a);
	cr_assert(__asan_address_is_poisoned(p));
	arena_fini(&a);
}
#endif
