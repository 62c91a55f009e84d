/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_BENCH_LG_STATS_H
#define SKUA_BENCH_LG_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ike/ike_daemon.h"

/*
 * What the load generator records about each IKE SA it starts, and the
 * figures it makes of them at the end.
 *
 * Owner: the main thread fills a record and starts the SA; from then on
 * only the SA's owner worker writes it (progress lines and the release all
 * run there); the main thread reads it again only after the workers
 * stopped, or reads the atomics of struct lg_totals meanwhile.
 */
struct lg_sa {
	struct ike_progress pr;		/* one per SA: its whack channel */
	uint64_t t_start;		/* ns, CLOCK_MONOTONIC: handed to the engine */
	uint64_t t_ike;			/* "established IKE SA", 0: not (yet) */
	uint64_t t_child;		/* "IPsec SA ... established", 0: not (yet) */
	uint64_t t_end;			/* the SA's command is over (release) */
	uint64_t serial;		/* the IKE SA's #N */
	uint32_t src, port;		/* indexes of the source address and port */
	uint16_t cause;			/* first failure, index + 1 into the cause table */
};

/* Counters the progress bar reads while the workers run. */
struct lg_totals {
	atomic_ulong started, done, ike_up, child_up, failed;
};

/* Record a failure line; returns its cause index + 1 (0: the table is full). */
unsigned lg_cause_add(unsigned rc, const char *text);

/* Monotonic nanoseconds. */
uint64_t lg_now_ns(void);

struct lg_summary {
	unsigned long requested, started, ike_up, child_up, failed, unfinished;
	double first_start_s, last_up_s;	/* relative to t0 */
	double elapsed_s;			/* first start to last establishment */
	double rate;				/* IKE SAs established per second */
	double lat_ms[5], ike_lat_ms[5];	/* p50 p90 p99 p99.9 max */
	unsigned long nlat, nike_lat;
	double cpu_s;				/* the generator's own user+sys */
};

/*
 * Compute the summary of sa[0..started) as of cutoff (ns): an outcome
 * reached later counts as unfinished. Context: main thread, workers stopped
 * or every record final.
 */
void lg_summarize(const struct lg_sa *sa, unsigned long requested, unsigned long started,
		  uint64_t t0, uint64_t cutoff, struct lg_summary *out);

/* Human summary, with the failures by cause. */
void lg_print_summary(FILE *f, const struct lg_summary *s);

/* Machine outputs; 0 or -errno. */
int lg_write_json(const char *path, const struct lg_summary *s, const struct lg_sa *sa,
		  unsigned long started, uint64_t t0, uint64_t cutoff, const char *argv_line);
int lg_write_csv(const char *path, const struct lg_sa *sa, unsigned long started, uint64_t t0,
		 uint64_t cutoff);

#endif
