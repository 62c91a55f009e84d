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
	uint8_t cp;			/* --cp: LG_CP4 | LG_CP6, the addresses the CFG_REPLY gave */
};

enum { LG_CP4 = 1, LG_CP6 = 2 };

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
	double cpu_s;				/* the generator's own user+sys since t0 */
	/* --cp: filled by the caller after lg_summarize() */
	bool cp;
	unsigned long cp_addrs;			/* addresses received (IPv4 and IPv6) */
	unsigned long cp_refused;		/* addresses asked for by IKE SAs up, not given */
};

/* The generator's own CPU time so far (user + system, every thread), in seconds. */
double lg_cpu_s(void);

/*
 * Compute the summary of sa[0..started) as of cutoff (ns): an outcome
 * reached later counts as unfinished. cpu_t0: lg_cpu_s() at t0, so that
 * the CPU figure leaves out what came before (the sockets, --ke-ahead).
 * Context: main thread, workers stopped or every record final.
 */
void lg_summarize(const struct lg_sa *sa, unsigned long requested, unsigned long started,
		  uint64_t t0, double cpu_t0, uint64_t cutoff, struct lg_summary *out);

/* One second of the hold: the engine's cumulative counters and its gauges. */
struct lg_rekey_sample {
	uint32_t t;			/* seconds since the hold began */
	uint64_t ike_rekeyed, child_rekeyed, tx_retransmit, ike_up, child_sas;
};

/*
 * What the hold saw when the connections rekey (--ikelifetime and the
 * other lifetime options): the generator's engine counters, its per worker
 * histograms of rekey delays, and a census of its SAs at the end. The
 * engine counts both roles, so a Child SA rekey is counted whichever end
 * started it (a collision makes two). Owner: the main thread.
 */
struct lg_rekey {
	double hold_s;			/* how long the hold lasted */
	uint64_t ike_rekeyed, child_rekeyed;
	/* the rekeys this end started: bucket i counts those under 2^i ms (the last: the rest) */
	uint64_t hist[IKE_REKEY_BUCKETS];
	uint64_t started;		/* their total */
	int q_bucket[3];		/* p50, p90, p99: the bucket each falls in, -1: none */
	int max_bucket;
	/* failures by cause, during the whole run (the engine's counters) */
	uint64_t child_failed, peer_dead, ike_deleted, rekey_refused, rekey_failed;
	uint64_t child_expired, ike_expired, temp_fail_recv, temp_fail_sent;
	/*
	 * Stalls, during the hold only: our requests the responder left
	 * unanswered for 0.5 s or more (retransmitted), its requests we
	 * answered from the cache (it retransmitted), and the longest round of
	 * the generator's own event loops (so that a stall of ours is not
	 * taken for one of the responder's).
	 */
	uint64_t tx_retransmit, rx_retransmit;
	int round_bucket;		/* the generator's longest round: under 2^b ms, -1: none */
	int round_bucket_all;		/* the same, since the start */
	/* the census at the end of the hold */
	bool census_ok;			/* every worker answered it */
	unsigned long ike_expected, child_expected;	/* established during the setup */
	unsigned long ike_live, child_live;		/* established / installed now */
	unsigned long ike_never, child_never;		/* of which never rekeyed */
	unsigned long ike_childless;			/* live IKE SAs with no Child SA */
	unsigned long child_stale;	/* superseded Child SAs whose Delete is not done yet */
	unsigned long ike_lapsed, child_lapsed;
	/* rates, from the per second series */
	double window_s;		/* first to last second with a rekey */
	double rate, peak_rate;		/* rekeys (IKE + Child) per second: mean, best second */
	struct lg_rekey_sample *series;
	size_t nseries;
};

/* The quantiles, rates and lapses of rk from its raw fields. */
void lg_rekey_finish(struct lg_rekey *rk);

/*
 * The bound of log2 bucket b of n (bucket i: under 2^i ms, the last: the
 * rest) as text: "<8", ">=262144" for the last, "-" for -1.
 */
const char *lg_bucket_str(int b, unsigned n, char *buf, size_t len);

/* Human summary of the hold. */
void lg_print_rekey(FILE *f, const struct lg_rekey *rk);

/* Human summary, with the failures by cause. */
void lg_print_summary(FILE *f, const struct lg_summary *s);

/* Machine outputs; 0 or -errno. */
/* rk: the hold's figures, or NULL (written before the hold, or no rekeying). */
int lg_write_json(const char *path, const struct lg_summary *s, const struct lg_sa *sa,
		  unsigned long started, uint64_t t0, uint64_t cutoff, const char *argv_line,
		  const struct lg_rekey *rk);
int lg_write_csv(const char *path, const struct lg_sa *sa, unsigned long started, uint64_t t0,
		 uint64_t cutoff);

#endif
