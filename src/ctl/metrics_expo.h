/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_METRICS_EXPO_H
#define SKUA_CTL_METRICS_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The Prometheus text exposition format, version 0.0.4: a growing text
 * buffer, "# HELP" and "# TYPE" lines, samples with escaped label values,
 * histograms (cumulative _bucket lines with le, +Inf last, _sum, _count).
 *
 * Owner: whoever renders (one thread); not shared.
 */

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct expo_buf {
	char *p;
	size_t len, cap;
	bool failed;		/* out of memory: the text is incomplete, do not serve it */
};

struct expo_label {
	const char *name;
	const char *value;
};

/* Context: any thread (on its own buffer). */
void expo_init(struct expo_buf *b);
void expo_free(struct expo_buf *b);

/* Append formatted text (sets failed on ENOMEM). */
void expo_printf(struct expo_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "# HELP name help" (help escaped) and "# TYPE name type". */
void expo_header(struct expo_buf *b, const char *name, const char *help, const char *type);

/*
 * One sample line: name suffix{labels} value. suffix may be "" (counters,
 * gauges) or "_sum", "_count"; labels with a NULL value are left out.
 */
void expo_sample_u64(struct expo_buf *b, const char *name, const char *suffix,
		     const struct expo_label *l, unsigned nl, uint64_t v);
void expo_sample_double(struct expo_buf *b, const char *name, const char *suffix,
			const struct expo_label *l, unsigned nl, double v);

/*
 * A histogram: cum[0..nbounds] cumulative counts (cum[nbounds] is +Inf and
 * the _count), bounds[] in the exported unit, sum in that unit.
 */
void expo_histogram(struct expo_buf *b, const char *name, const struct expo_label *l,
		    unsigned nl, const double *bounds, unsigned nbounds, const uint64_t *cum,
		    double sum);

/*
 * A label value escaped as the format wants (backslash, double quote and
 * line feed as \\, \" and \n) into out; returns false when it does not fit.
 */
bool expo_escape(const char *v, char *out, size_t cap);

#endif
