/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/arena.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define SKUA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SKUA_ASAN 1
#endif
#endif
#ifdef SKUA_ASAN
#include <sanitizer/asan_interface.h>
#define poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define poison(p, n) ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

/* Owner: the arena that lists it. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t size;			/* usable bytes in data[] */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

int arena_init(struct arena *a, size_t chunk_size, size_t cap)
{
	*a = (struct arena){ 0 };
	if (chunk_size == 0 || cap < chunk_size)
		return -EINVAL;
	a->chunk_size = chunk_size;
	a->cap = cap;
	return 0;
}

static void free_list(struct arena_chunk *c)
{
	while (c) {
		struct arena_chunk *next = c->next;

		unpoison(c->data, c->size);	/* the allocator may reuse it */
		free(c);
		c = next;
	}
}

void arena_fini(struct arena *a)
{
	free_list(a->chunks);
	free_list(a->big);
	*a = (struct arena){ 0 };
}

static struct arena_chunk *chunk_new(struct arena *a, size_t size)
{
	struct arena_chunk *c;

	if (size > a->cap - a->held || size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	poison(c->data, size);
	a->held += size;
	return c;
}

/* Carve size bytes at align from c, or NULL if they do not fit. */
static void *carve(struct arena *a, struct arena_chunk *c, size_t size, size_t align)
{
	uintptr_t start = (uintptr_t)c->data + c->used;
	uintptr_t at = (start + align - 1) & ~(uintptr_t)(align - 1);
	size_t pad = at - start;

	if (pad > c->size - c->used || size > c->size - c->used - pad)
		return NULL;
	c->used += pad + size;
	a->in_use += pad + size;
	if (a->in_use > a->high_water)
		a->high_water = a->in_use;
	unpoison((void *)at, size);
	return (void *)at;
}

void *arena_alloc_aligned(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *c;
	void *p;

	if (align == 0 || (align & (align - 1)) || align > ARENA_MAX_ALIGN)
		goto fail;
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_MAX_ALIGN)
		goto fail;

	/* The worst-case padding must fit too, whatever the chunk's address. */
	if (size + align - 1 > a->chunk_size) {
		c = chunk_new(a, size + align - 1);
		if (!c)
			goto fail;
		c->next = a->big;
		a->big = c;
		return carve(a, c, size, align);
	}

	for (c = a->cur; c; c = c->next) {
		p = carve(a, c, size, align);
		if (p) {
			a->cur = c;
			return p;
		}
	}
	c = chunk_new(a, a->chunk_size);
	if (!c)
		goto fail;
	if (a->cur) {
		/* append after cur; chunks after cur are all untouched */
		struct arena_chunk *last = a->cur;

		while (last->next)
			last = last->next;
		last->next = c;
	} else {
		a->chunks = c;
	}
	a->cur = c;
	return carve(a, c, size, align);
fail:
	a->failures++;
	return NULL;
}

void *arena_alloc(struct arena *a, size_t size)
{
	return arena_alloc_aligned(a, size, ARENA_DEFAULT_ALIGN);
}

void arena_reset(struct arena *a)
{
	for (struct arena_chunk *c = a->chunks; c; c = c->next) {
		poison(c->data, c->size);
		c->used = 0;
	}
	for (struct arena_chunk *c = a->big; c; c = c->next)
		a->held -= c->size;
	free_list(a->big);
	a->big = NULL;
	a->cur = a->chunks;
	a->in_use = 0;
}
