/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_METRICS_COLLECT_H
#define SKUA_CTL_METRICS_COLLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/metrics_expo.h"
#include "ctl/metrics_registry.h"

struct counters;
struct crypto_jobq;
struct kernel_queue;
struct runner;
struct net_pool;
struct ctl_stats;
struct conn_table;
struct ike_daemon;
struct pluto;

/*
 * Where the registry's values are read from. Any pointer may be NULL (the
 * unit tests give only some): its families then read as 0, or, for the
 * collected ones, have no series. Owner: the reader, on its stack; the
 * objects pointed at belong to the daemon and outlive the read.
 */
struct metrics_src {
	unsigned nworkers;
	const struct counters *block[MB_COUNT];
	struct crypto_jobq *jobq;
	struct kernel_queue *kq;
	struct runner *runner;
	struct resolver *resolver;	/* gateway names of REDIRECTs */
	struct net_pool *pool;
	struct ctl_stats *ctl;
	struct conn_table *conns;
	struct ike_daemon *ike;	/* rekey delays, half-open memory, the per-SA records */
	uint64_t start_time;	/* seconds since the epoch */
	bool per_sa;		/* --metrics-per-sa */
};

/* The daemon's sources. Context: any thread once the daemon runs. */
void metrics_src_of(struct pluto *p, struct metrics_src *s);

/* What a family's collect function writes to. */
struct metrics_out {
	struct expo_buf *b;
};

/*
 * One sample of family f with these labels (the family's own; no worker
 * label is added). Context: the rendering thread.
 */
void metrics_out_sample(struct metrics_out *o, const struct metric_family *f,
			const struct expo_label *l, unsigned nl, uint64_t v);

/*
 * Value of series s of family f on worker w (0 when not per worker): a
 * counter or gauge, or for a histogram its count. Context: any thread;
 * lock-free.
 */
uint64_t metrics_value(const struct metrics_src *s, const struct metric_family *f, unsigned w,
		       unsigned series);

/*
 * A histogram series: cumulative counts cum[0..f->nbounds] and the sum in
 * the family's unit. Context: any thread; lock-free.
 */
void metrics_histogram(const struct metrics_src *s, const struct metric_family *f, unsigned w,
		       unsigned series, uint64_t *cum, uint64_t *sum);

/* Series s of f summed over the workers (histograms: the count). */
uint64_t metrics_value_sum(const struct metrics_src *s, const struct metric_family *f,
			   unsigned series);

/*
 * The whole exposition into b. Returns 0, or -ENOMEM (b->failed).
 * Context: an RCU-registered thread (the collected families read the
 * connection and SA tables); never blocks a worker.
 */
int metrics_render(const struct metrics_src *s, struct expo_buf *b);

/* metrics_render() of the daemon p (a metrics_render_fn). Context: the HTTP thread. */
int metrics_render_pluto(void *p, struct expo_buf *b);

#endif
