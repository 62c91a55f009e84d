/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_ARENA_H
#define SKUA_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

/*
 * A bump allocator for one worker's per-datagram work: allocate freely
 * while handling a datagram (or a burst), then arena_reset() gives it all
 * back at once. Memory comes in chunks of a fixed size (larger requests get
 * a chunk of their own); the total held is capped, so a hostile peer cannot
 * make a worker grow without bound. Chunks of the normal size are kept
 * across resets and reused; oversized ones are freed at reset.
 *
 * In ASan builds a reset poisons everything handed out, so a pointer kept
 * past arena_reset() is reported on use.
 */

struct arena_chunk;

/*
 * Owner: one worker thread; not shared, not RCU-readable. Nothing
 * allocated from it may be handed to another thread.
 */
struct arena {
	struct arena_chunk *chunks;	/* kept chunks, in use order */
	struct arena_chunk *cur;	/* the chunk being bumped */
	struct arena_chunk *big;	/* oversized chunks, freed at reset */
	size_t chunk_size;		/* usable bytes per normal chunk */
	size_t cap;			/* most bytes held in chunks at once */
	size_t held;			/* bytes held in chunks (usable part) */
	size_t in_use;			/* bytes handed out since reset, padding included */
	size_t high_water;		/* largest in_use ever seen */
	uint64_t failures;		/* allocations refused (cap, overflow) */
};

enum {
	ARENA_DEFAULT_ALIGN = _Alignof(max_align_t),
	ARENA_MAX_ALIGN = 4096,
};

/*
 * chunk_size: usable bytes per chunk (> 0); cap: most bytes the arena may
 * hold in chunks (>= chunk_size). No memory is taken until the first
 * allocation. Returns 0 or -EINVAL.
 * Context: any thread, before use.
 */
int arena_init(struct arena *a, size_t chunk_size, size_t cap);

/* Free every chunk. Context: the owner thread. Accepts a zeroed arena. */
void arena_fini(struct arena *a);

/*
 * size bytes aligned to ARENA_DEFAULT_ALIGN, or NULL when the cap would be
 * exceeded or memory is short (the caller drops and counts). size 0 is
 * treated as 1. Never returns unaligned memory.
 * Context: the owner thread; may call malloc.
 */
void *arena_alloc(struct arena *a, size_t size);

/*
 * size bytes aligned to align, a power of two up to ARENA_MAX_ALIGN
 * (NULL otherwise, or as arena_alloc()).
 * Context: the owner thread; may call malloc.
 */
void *arena_alloc_aligned(struct arena *a, size_t size, size_t align);

/*
 * Give back everything allocated since the last reset; memory from before
 * is invalid afterwards. Normal chunks are kept for reuse, oversized ones
 * freed.
 * Context: the owner thread.
 */
void arena_reset(struct arena *a);

/* Statistics. Context: the owner thread. */
static inline size_t arena_bytes_in_use(const struct arena *a)
{
	return a->in_use;
}

static inline size_t arena_high_water(const struct arena *a)
{
	return a->high_water;
}

static inline size_t arena_bytes_held(const struct arena *a)
{
	return a->held;
}

#endif
