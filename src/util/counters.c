/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/counters.h"

#include <stdlib.h>
#include <string.h>

struct counters *counters_new(unsigned nworkers, unsigned ncounters)
{
	struct counters *c;
	size_t lines, bytes;

	if (nworkers == 0 || ncounters == 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nworkers = nworkers;
	c->ncounters = ncounters;
	c->lines_per_worker = (ncounters + COUNTERS_PER_LINE - 1) / COUNTERS_PER_LINE;
	lines = (size_t)nworkers * c->lines_per_worker;
	bytes = lines * sizeof(struct counters_line);
	c->lines = aligned_alloc(COUNTERS_LINE, bytes);
	if (!c->lines) {
		free(c);
		return NULL;
	}
	for (size_t i = 0; i < lines; i++)
		for (unsigned j = 0; j < COUNTERS_PER_LINE; j++)
			atomic_init(&c->lines[i].v[j], 0);
	return c;
}

void counters_free(struct counters *c)
{
	if (!c)
		return;
	free(c->lines);
	free(c);
}

uint64_t counters_sum(const struct counters *c, unsigned idx)
{
	uint64_t sum = 0;

	for (unsigned w = 0; w < c->nworkers; w++)
		sum += counters_get(c, w, idx);
	return sum;
}

void counters_sum_all(const struct counters *c, uint64_t *out)
{
	memset(out, 0, c->ncounters * sizeof(*out));
	for (unsigned w = 0; w < c->nworkers; w++)
		for (unsigned i = 0; i < c->ncounters; i++)
			out[i] += counters_get(c, w, i);
}

void counters_hist_observe(struct counters *c, unsigned worker, unsigned base,
			   const uint64_t *bounds, unsigned nbounds, uint64_t v)
{
	unsigned lo = 0, hi = nbounds;

	/* The first bound >= v, or nbounds: the +Inf bucket. */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (bounds[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	counters_inc(c, worker, base + lo);
	counters_add(c, worker, base + nbounds + 1, v);
}

void counters_hist_read(const struct counters *c, unsigned worker, unsigned base,
			unsigned nbounds, uint64_t *cum, uint64_t *sum)
{
	uint64_t run = 0;

	for (unsigned i = 0; i <= nbounds; i++) {
		run += counters_get(c, worker, base + i);
		cum[i] = run;
	}
	*sum = counters_get(c, worker, base + nbounds + 1);
}
