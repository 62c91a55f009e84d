/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_LFHT_SIZE_H
#define SKUA_UTIL_LFHT_SIZE_H

#include <stdatomic.h>
#include <stdbool.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

/*
 * The bucket count of a liburcu hash table, kept by its users instead of
 * by the library's automatic resize (CDS_LFHT_AUTO_RESIZE).
 *
 * Why: in liburcu 0.13.2 the automatic resize can stop for good. Its lazy
 * launch queues the resize on the library's workqueue and only then sets
 * the table's resize_initiated flag; the resize clears that flag when it
 * ends. When the workqueue's thread runs the whole resize between the two
 * (the adding thread preempted after the wake-up, as on a loaded box), the
 * flag stays set, every later launch sees a resize "in progress", and the
 * table keeps its size whatever it holds: pluto's instance tables were
 * found at 256 buckets holding 20,000 instances (resize_target 16,384), so
 * every delete walked a chain of ~80 nodes (issue 14, bench/README.md "The
 * instance tables' delete cost").
 *
 * Here the table is made without CDS_LFHT_AUTO_RESIZE and resized by
 * cds_lfht_resize(), which waits for the resize: after an add that makes
 * the nodes more than twice the buckets, the buckets become the power of
 * two at or above the nodes (a chain of one on average, at most 4x growth
 * per step, so O(log n) resizes in all); after a delete that leaves fewer
 * than an eighth, half the nodes' power of two, never below the initial
 * size. A resize costs one grace period or so on the thread that triggers
 * it, seldom: the table's writers, outside any RCU read-side section (one
 * inside skips it; the next add or delete does it).
 *
 * Context: any registered RCU thread; the counts are atomic and one thread
 * at a time claims a resize.
 */
struct lfht_size {
	struct cds_lfht *ht;
	unsigned long min_buckets;
	_Atomic unsigned long nodes;
	_Atomic unsigned long buckets;	/* what the last resize asked for */
};

/* ht := a new table of buckets buckets (a power of two); NULL on ENOMEM. */
struct cds_lfht *lfht_size_new(struct lfht_size *s, unsigned long buckets);

/* Call after each add / each delete that succeeded (outside rcu_read_lock() if possible). */
void lfht_size_added(struct lfht_size *s);
void lfht_size_deleted(struct lfht_size *s);

static inline unsigned long lfht_size_buckets(const struct lfht_size *s)
{
	return atomic_load_explicit(&s->buckets, memory_order_relaxed);
}

static inline unsigned long lfht_size_nodes(const struct lfht_size *s)
{
	return atomic_load_explicit(&s->nodes, memory_order_relaxed);
}

#endif
