/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_METRICS_STATUS_H
#define SKUA_CTL_METRICS_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "ctl/metrics_collect.h"

/*
 * whack --globalstatus (--globalstats): libreswan 4.x's key=value lines
 * for every counter Skua has, in libreswan's order (metric_lsw_keys), then
 * Skua's own, one per series of every family summed over the workers:
 *   skua.total.<name>.<label values>    counters (and .count, .sum of histograms)
 *   skua.current.<name>.<label values>  gauges
 * where <name> is the family's name without skua_ and _total, dots for
 * underscores (skua_ike_sa_failures_total{exchange="IKE_AUTH",
 * role="responder", reason="timeout"} is skua.total.ike.sa.failures.
 * IKE_AUTH.responder.timeout).
 *
 * whack --clearstats takes a baseline of every counter: the text forms
 * show what was counted since, while the counters themselves (and so the
 * metrics endpoint, whose counters must never go down) are left alone.
 * Gauges (current.*) are never cleared.
 */

/* Counters in a baseline. Context: any thread. */
size_t metrics_baseline_size(void);

/* The counters now, into out[metrics_baseline_size()]. Context: any thread. */
void metrics_baseline_take(const struct metrics_src *s, uint64_t *out);

/*
 * Every line: line(ctx, key, value text). baseline may be NULL (nothing
 * cleared). Context: an RCU-registered thread.
 */
void metrics_globalstatus(const struct metrics_src *s, const uint64_t *baseline,
			  void (*line)(void *ctx, const char *key, const char *value), void *ctx);

/* The Skua-only key of family f's series with these label values (see above). */
void metrics_status_key(const struct metric_family *f, const char *const *values, unsigned n,
			const char *suffix, char *out, size_t cap);

#endif
