/* SPDX-License-Identifier: BSD-2-Clause */
/* whack --globalstatus (--globalstats) and --clearstats, from the metrics registry. */
#include "ctl/metrics_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/pluto.h"

/* Families with a line per series in the text forms: not the collected ones. */
static bool in_status(const struct metric_family *f)
{
	return f->collect == NULL;
}

static bool is_gauge(const struct metric_family *f)
{
	return f->type == METRIC_GAUGE;
}

/* Baseline slots of f: one per series, two (count, sum) for a histogram; none for gauges. */
static unsigned slots(const struct metric_family *f)
{
	if (!in_status(f) || is_gauge(f))
		return 0;
	return metric_family_nseries(f) * (f->type == METRIC_HISTOGRAM ? 2 : 1);
}

static size_t offset_of(enum metric_id id)
{
	size_t off = 0;

	for (unsigned i = 0; i < (unsigned)id; i++)
		off += slots(&metric_families[i]);
	return off;
}

size_t metrics_baseline_size(void)
{
	return offset_of(M_COUNT);
}

/* Count and sum of series i of a histogram, over the workers. */
static void hist_sum(const struct metrics_src *s, const struct metric_family *f, unsigned i,
		     uint64_t *count, uint64_t *sum)
{
	uint64_t cum[METRIC_MAX_BOUNDS + 1], one;
	unsigned nw = f->per_worker ? s->nworkers : 1;

	*count = *sum = 0;
	for (unsigned w = 0; w < nw; w++) {
		metrics_histogram(s, f, w, i, cum, &one);
		*count += cum[f->nbounds];
		*sum += one;
	}
}

void metrics_baseline_take(const struct metrics_src *s, uint64_t *out)
{
	size_t k = 0;

	for (unsigned id = 0; id < M_COUNT; id++) {
		const struct metric_family *f = &metric_families[id];
		unsigned ns = metric_family_nseries(f);
		if (!slots(f))
			continue;
		for (unsigned i = 0; i < ns; i++) {
			if (f->type == METRIC_HISTOGRAM)
				hist_sum(s, f, i, &out[k + 2 * i], &out[k + 2 * i + 1]);
			else
				out[k + i] = metrics_value_sum(s, f, i);
		}
		k += slots(f);
	}
}

/* Series i of f now, less its baseline (counters; never below 0). */
static uint64_t since(const struct metrics_src *s, const uint64_t *baseline, enum metric_id id,
		      unsigned i)
{
	const struct metric_family *f = &metric_families[id];
	uint64_t v = metrics_value_sum(s, f, i), b;

	if (!baseline || !slots(f))
		return v;
	b = baseline[offset_of(id) + (f->type == METRIC_HISTOGRAM ? 2 * i : i)];
	return v > b ? v - b : 0;
}

static int64_t term_value(const struct metrics_src *s, const uint64_t *baseline,
			  const struct metric_term *t)
{
	const struct metric_family *f = &metric_families[t->family];
	int64_t v = 0;

	if (t->series == METRIC_ALL) {
		for (unsigned i = 0; i < metric_family_nseries(f); i++)
			v += (int64_t)since(s, baseline, (enum metric_id)t->family, i);
	} else {
		v = (int64_t)since(s, baseline, (enum metric_id)t->family, (unsigned)t->series);
	}
	return t->sign * v;
}

void metrics_status_key(const struct metric_family *f, const char *const *values, unsigned n,
			const char *suffix, char *out, size_t cap)
{
	const char *name = f->name;
	size_t len = strlen(name), k;
	int w;

	if (strncmp(name, "skua_", 5) == 0) {
		name += 5;
		len -= 5;
	}
	if (len > 6 && strcmp(name + len - 6, "_total") == 0)
		len -= 6;
	w = snprintf(out, cap, "skua.%s.", is_gauge(f) ? "current" : "total");
	k = w > 0 && (size_t)w < cap ? (size_t)w : cap;
	for (size_t i = 0; i < len && k + 1 < cap; i++)
		out[k++] = name[i] == '_' ? '.' : name[i];
	for (unsigned d = 0; d < n && k + 1 < cap; d++) {
		w = snprintf(out + k, cap - k, ".%s", values[d]);
		k = w > 0 && (size_t)w < cap - k ? k + (size_t)w : cap - 1;
	}
	if (suffix && k + 1 < cap) {
		w = snprintf(out + k, cap - k, ".%s", suffix);
		k = w > 0 && (size_t)w < cap - k ? k + (size_t)w : cap - 1;
	}
	if (cap)
		out[k < cap ? k : cap - 1] = '\0';
}

static void u64_line(void (*line)(void *, const char *, const char *), void *ctx,
		     const char *key, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	line(ctx, key, text);
}

/* v counted in unit (a counter's or a histogram sum's), shown in seconds */
static void seconds_line(void (*line)(void *, const char *, const char *), void *ctx,
			 const char *key, uint64_t v, double unit)
{
	char text[48];

	snprintf(text, sizeof(text), "%.6f", (double)v * unit);
	line(ctx, key, text);
}

void metrics_globalstatus(const struct metrics_src *s, const uint64_t *baseline,
			  void (*line)(void *ctx, const char *key, const char *value), void *ctx)
{
	char key[256];

	for (unsigned k = 0; k < metric_nlsw_keys; k++) {
		const struct metric_lsw_key *lk = &metric_lsw_keys[k];
		int64_t v = 0;
		for (unsigned t = 0; t < METRIC_MAX_TERMS && lk->terms[t].family >= 0; t++)
			v += term_value(s, baseline, &lk->terms[t]);
		u64_line(line, ctx, lk->key, v > 0 ? (uint64_t)v : 0);
	}
	for (unsigned id = 0; id < M_COUNT; id++) {
		const struct metric_family *f = &metric_families[id];
		unsigned ns = metric_family_nseries(f);
		if (!in_status(f))
			continue;
		for (unsigned i = 0; i < ns; i++) {
			unsigned idx[METRIC_MAX_DIMS], n = 0;
			const char *values[METRIC_MAX_DIMS];
			metric_family_split(f, i, idx);
			for (; n < METRIC_MAX_DIMS && f->dims[n]; n++)
				values[n] = f->dims[n]->values[idx[n]];
			if (f->type != METRIC_HISTOGRAM) {
				uint64_t v = since(s, baseline, (enum metric_id)id, i);
				metrics_status_key(f, values, n, NULL, key, sizeof(key));
				if (f->unit > 0)
					seconds_line(line, ctx, key, v, f->unit);
				else
					u64_line(line, ctx, key, v);
				continue;
			}
			uint64_t count, sum;
			hist_sum(s, f, i, &count, &sum);
			if (baseline) {
				const uint64_t *b = &baseline[offset_of((enum metric_id)id) + 2 * i];
				count = count > b[0] ? count - b[0] : 0;
				sum = sum > b[1] ? sum - b[1] : 0;
			}
			metrics_status_key(f, values, n, "count", key, sizeof(key));
			u64_line(line, ctx, key, count);
			metrics_status_key(f, values, n, "sum", key, sizeof(key));
			seconds_line(line, ctx, key, sum, f->unit);
		}
	}
}

/* ---- the whack forms ---- */

static void whack_line(void *ctx, const char *key, const char *value)
{
	ctl_send(ctx, RC_RAW, "%s=%s", key, value);
}

void ctl_cmd_globalstats(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct metrics_src s;

	metrics_src_of(p, &s);
	metrics_globalstatus(&s, p->stats_baseline, whack_line, c);
}

void ctl_cmd_clearstats(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct metrics_src s;

	if (!p->stats_baseline) {
		p->stats_baseline = calloc(metrics_baseline_size(), sizeof(uint64_t));
		if (!p->stats_baseline) {
			ctl_reply(c, RC_INTERNALERR, "out of memory: statistics not cleared");
			return;
		}
	}
	metrics_src_of(p, &s);
	metrics_baseline_take(&s, p->stats_baseline);
}
