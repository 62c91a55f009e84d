/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CHILD_INDEX_H
#define SKUA_IKE_CHILD_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The installed Child SAs of one worker by SPI (inbound and outbound
 * both), so a kernel event (an expiry names the SA by SPI and reqid)
 * reaches its Child SA without a walk over the worker's SAs. A chained
 * hash keyed with a secret, since the peer picks our outbound SPIs; it
 * doubles as it fills.
 *
 * Owner: the worker (struct ike_worker); only it reads or writes.
 */
struct child_sa;

/* One entry, embedded in the Child SA (one per SPI). */
struct child_link {
	struct child_link *next;
	struct child_sa *c;
	uint32_t spi;
	bool linked;
};

struct child_index {
	struct child_link **buckets;
	size_t mask;			/* buckets - 1 (a power of two), or 0 before the first add */
	size_t count;			/* entries: two per indexed Child SA */
	uint64_t key;			/* hashing secret */
};

/* An empty index with a random key. Returns 0 or -ENOMEM. */
int child_index_init(struct child_index *ix);

/* Free the buckets (the Child SAs are not the index's). */
void child_index_fini(struct child_index *ix);

/* Index c under c->spi_in and c->spi_out. Returns 0 or -ENOMEM (then not indexed). */
int child_index_add(struct child_index *ix, struct child_sa *c);

/* Take c out, if it is in. */
void child_index_del(struct child_index *ix, struct child_sa *c);

/* The Child SA with spi as its inbound or outbound SPI and this reqid, or NULL. */
struct child_sa *child_index_find(const struct child_index *ix, uint32_t spi, uint32_t reqid);

/* Is spi the inbound SPI of an indexed Child SA (whatever its reqid)? */
bool child_index_has_spi_in(const struct child_index *ix, uint32_t spi);

#endif
