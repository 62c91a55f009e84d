/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/metrics_collect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/pluto.h"
#include "util/counters.h"

void metrics_src_of(struct pluto *p, struct metrics_src *s)
{
	memset(s, 0, sizeof(*s));
	s->nworkers = p->pool ? net_pool_size(p->pool) : 0;
	s->block[MB_NET] = p->pool ? net_pool_counters(p->pool) : NULL;
	s->block[MB_IKE] = p->ike_ready ? p->ike.ctr : NULL;
	s->block[MB_CRYPTO] = p->jobq_ready ? p->jobq.ctr : NULL;
	s->jobq = p->jobq_ready ? &p->jobq : NULL;
	s->kq = p->kq_running ? &p->kq : NULL;
	s->runner = p->runner_running ? &p->runner : NULL;
	s->resolver = p->resolver_running ? &p->resolver : NULL;
	s->pool = p->pool;
	s->ctl = &p->stats;
	s->conns = &p->conns;
	s->ike = p->ike_ready ? &p->ike : NULL;
	s->start_time = p->start_time;
	s->per_sa = p->opts->metrics_per_sa;
}

void metrics_out_sample(struct metrics_out *o, const struct metric_family *f,
			const struct expo_label *l, unsigned nl, uint64_t v)
{
	expo_sample_u64(o->b, f->name, "", l, nl, v);
}

static uint64_t block_get(const struct metrics_src *s, unsigned block, unsigned w, unsigned idx)
{
	const struct counters *c = block < MB_COUNT ? s->block[block] : NULL;

	if (!c || w >= c->nworkers || idx >= c->ncounters)
		return 0;
	return counters_get(c, w, idx);
}

void metrics_histogram(const struct metrics_src *s, const struct metric_family *f, unsigned w,
		       unsigned series, uint64_t *cum, uint64_t *sum)
{
	const struct counters *c = f->block != MB_NONE ? s->block[f->block] : NULL;
	unsigned base = f->base + series * counters_hist_slots(f->nbounds);

	if (f->read_hist) {
		f->read_hist(s, w, series, cum, sum);
		return;
	}
	if (!c || w >= c->nworkers || base + f->nbounds + 1 >= c->ncounters) {
		memset(cum, 0, (f->nbounds + 1) * sizeof(*cum));
		*sum = 0;
		return;
	}
	counters_hist_read(c, w, base, f->nbounds, cum, sum);
}

uint64_t metrics_value(const struct metrics_src *s, const struct metric_family *f, unsigned w,
		       unsigned series)
{
	if (f->type == METRIC_HISTOGRAM) {
		uint64_t cum[METRIC_MAX_BOUNDS + 1], sum;
		metrics_histogram(s, f, w, series, cum, &sum);
		return cum[f->nbounds];
	}
	if (f->refs)
		return block_get(s, f->refs[series].block, w, f->refs[series].idx);
	if (f->block != MB_NONE)
		return block_get(s, f->block, w, f->base + series);
	return f->read ? f->read(s, w, series) : 0;
}

uint64_t metrics_value_sum(const struct metrics_src *s, const struct metric_family *f,
			   unsigned series)
{
	unsigned nw = f->per_worker ? s->nworkers : 1;
	uint64_t sum = 0;

	for (unsigned w = 0; w < nw; w++)
		sum += metrics_value(s, f, w, series);
	return sum;
}

/* The labels of series s of worker w: worker first, then the dims. */
static unsigned labels_of(const struct metric_family *f, unsigned w, unsigned s,
			  char *worker, size_t wlen, struct expo_label *l)
{
	unsigned idx[METRIC_MAX_DIMS], n = 0;

	if (f->per_worker) {
		snprintf(worker, wlen, "%u", w);
		l[n++] = (struct expo_label){ "worker", worker };
	}
	metric_family_split(f, s, idx);
	for (unsigned d = 0; d < METRIC_MAX_DIMS && f->dims[d]; d++)
		l[n++] = (struct expo_label){ f->dims[d]->label, f->dims[d]->values[idx[d]] };
	return n;
}

static const char *type_name(enum metric_type t)
{
	switch (t) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

static void render_family(const struct metrics_src *s, const struct metric_family *f,
			  struct expo_buf *b)
{
	unsigned nw = f->per_worker ? s->nworkers : 1, ns = metric_family_nseries(f);
	struct expo_label l[1 + METRIC_MAX_DIMS];
	char worker[12];

	expo_header(b, f->name, f->help, type_name(f->type));
	if (f->collect) {
		struct metrics_out o = { b };
		f->collect(s, f, &o);
		return;
	}
	for (unsigned w = 0; w < nw; w++) {
		for (unsigned i = 0; i < ns; i++) {
			unsigned nl = labels_of(f, w, i, worker, sizeof(worker), l);
			if (f->type == METRIC_HISTOGRAM) {
				uint64_t cum[METRIC_MAX_BOUNDS + 1], sum;
				double bounds[METRIC_MAX_BOUNDS];
				for (unsigned k = 0; k < f->nbounds; k++)
					bounds[k] = (double)f->bounds[k] * f->unit;
				metrics_histogram(s, f, w, i, cum, &sum);
				expo_histogram(b, f->name, l, nl, bounds, f->nbounds, cum,
					       (double)sum * f->unit);
			} else if (f->unit > 0) {
				expo_sample_double(b, f->name, "", l, nl,
						   (double)metrics_value(s, f, w, i) * f->unit);
			} else {
				expo_sample_u64(b, f->name, "", l, nl, metrics_value(s, f, w, i));
			}
		}
	}
}

int metrics_render(const struct metrics_src *s, struct expo_buf *b)
{
	for (unsigned i = 0; i < M_COUNT; i++)
		render_family(s, &metric_families[i], b);
	return b->failed ? -ENOMEM : 0;
}

int metrics_render_pluto(void *p, struct expo_buf *b)
{
	struct metrics_src s;

	metrics_src_of(p, &s);
	return metrics_render(&s, b);
}
