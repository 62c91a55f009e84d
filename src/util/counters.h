/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_COUNTERS_H
#define SKUA_UTIL_COUNTERS_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

/*
 * Per-worker statistics counters. Each worker has its own block of whole
 * cache lines and is the only writer of it, so an increment is a plain
 * load and store (no locked instruction, no line bouncing); readers on any
 * thread sum the blocks. A sum taken while workers run is a consistent
 * enough snapshot for status output, never exact across counters.
 */

enum {
	COUNTERS_LINE = 64,
	COUNTERS_PER_LINE = COUNTERS_LINE / sizeof(uint64_t),
};

/* Owner: the counters it belongs to; each line is written by one worker. */
struct counters_line {
	alignas(COUNTERS_LINE) _Atomic uint64_t v[COUNTERS_PER_LINE];
};

/*
 * Owner: whoever created it (usually the main thread, before the workers
 * start and after they are joined). The shape is immutable; worker w is
 * the only writer of its block, any thread reads.
 */
struct counters {
	unsigned nworkers;		/* writers: worker indexes 0..nworkers-1 */
	unsigned ncounters;		/* counter indexes 0..ncounters-1 */
	unsigned lines_per_worker;
	struct counters_line *lines;	/* nworkers * lines_per_worker */
};

/*
 * Allocate zeroed counters for nworkers writers. Returns NULL when either
 * count is 0 or memory is short.
 * Context: any thread, before the writers start.
 */
struct counters *counters_new(unsigned nworkers, unsigned ncounters);

/* Context: after every writer and reader is done. Accepts NULL. */
void counters_free(struct counters *c);

/* Where counter idx of worker lives. Context: any thread. */
static inline _Atomic uint64_t *counters_slot(const struct counters *c, unsigned worker,
					      unsigned idx)
{
	return &c->lines[worker * c->lines_per_worker + idx / COUNTERS_PER_LINE]
			.v[idx % COUNTERS_PER_LINE];
}

/*
 * Add n to counter idx of worker.
 * Context: worker `worker` only (single writer); never blocks.
 */
static inline void counters_add(struct counters *c, unsigned worker, unsigned idx, uint64_t n)
{
	_Atomic uint64_t *p = counters_slot(c, worker, idx);

	atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Context: as counters_add(). */
static inline void counters_inc(struct counters *c, unsigned worker, unsigned idx)
{
	counters_add(c, worker, idx, 1);
}

/* One worker's value. Context: any thread. */
static inline uint64_t counters_get(const struct counters *c, unsigned worker, unsigned idx)
{
	return atomic_load_explicit(counters_slot(c, worker, idx), memory_order_relaxed);
}

/* Counter idx summed over all workers. Context: any thread; lock-free. */
uint64_t counters_sum(const struct counters *c, unsigned idx);

/*
 * Every counter summed over all workers into out[0..ncounters-1].
 * Context: any thread; lock-free.
 */
void counters_sum_all(const struct counters *c, uint64_t *out);

/*
 * Histograms kept in counters, one per worker like every counter, so an
 * observation is two plain stores on the owner's own line. A histogram of
 * n bounds takes counters_hist_slots(n) counters from base: bucket i
 * (0..n-1) counts the values v <= bounds[i] not counted by a lower bucket,
 * bucket n the values above every bound, and base + n + 1 their sum. The
 * buckets are not cumulative where they are kept: readers add them up, so
 * the count a reader reports is always the sum of the buckets it saw.
 */
static inline unsigned counters_hist_slots(unsigned nbounds)
{
	return nbounds + 2;
}

/*
 * Observe v (in the unit of the bounds, ascending). Context: worker
 * `worker` only (single writer); never blocks.
 */
void counters_hist_observe(struct counters *c, unsigned worker, unsigned base,
			   const uint64_t *bounds, unsigned nbounds, uint64_t v);

/*
 * One worker's histogram: cumulative counts into cum[0..nbounds] (cum[n]
 * is the count of every observation) and the sum into *sum.
 * Context: any thread; lock-free.
 */
void counters_hist_read(const struct counters *c, unsigned worker, unsigned base,
			unsigned nbounds, uint64_t *cum, uint64_t *sum);

#endif
