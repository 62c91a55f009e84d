/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/metrics_expo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void expo_init(struct expo_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void expo_free(struct expo_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool reserve(struct expo_buf *b, size_t more)
{
	size_t want = b->len + more + 1;
	char *p;

	if (b->failed)
		return false;
	if (want <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 16384;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void expo_printf(struct expo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!reserve(b, 256))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (!reserve(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static void put(struct expo_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Escape with the format's rules; help text escapes only \ and LF. */
static void put_escaped(struct expo_buf *b, const char *v, bool quote)
{
	for (const char *c = v; *c; c++) {
		if (*c == '\\')
			put(b, "\\\\", 2);
		else if (*c == '\n')
			put(b, "\\n", 2);
		else if (*c == '"' && quote)
			put(b, "\\\"", 2);
		else
			put(b, c, 1);
	}
}

bool expo_escape(const char *v, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *c = v; *c; c++) {
		const char *rep = *c == '\\' ? "\\\\" : *c == '\n' ? "\\n" : *c == '"' ? "\\\"" : NULL;
		size_t k = rep ? 2 : 1;
		if (n + k >= cap)
			return false;
		if (rep)
			memcpy(out + n, rep, 2);
		else
			out[n] = *c;
		n += k;
	}
	if (cap == 0)
		return false;
	out[n] = '\0';
	return true;
}

void expo_header(struct expo_buf *b, const char *name, const char *help, const char *type)
{
	expo_printf(b, "# HELP %s ", name);
	put_escaped(b, help, false);
	expo_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void put_labels(struct expo_buf *b, const struct expo_label *l, unsigned nl,
		       const char *le)
{
	bool first = true;

	for (unsigned i = 0; i < nl; i++) {
		if (!l[i].value)
			continue;
		expo_printf(b, "%s%s=\"", first ? "{" : ",", l[i].name);
		put_escaped(b, l[i].value, true);
		put(b, "\"", 1);
		first = false;
	}
	if (le) {
		expo_printf(b, "%sle=\"%s\"", first ? "{" : ",", le);
		first = false;
	}
	if (!first)
		put(b, "}", 1);
}

void expo_sample_u64(struct expo_buf *b, const char *name, const char *suffix,
		     const struct expo_label *l, unsigned nl, uint64_t v)
{
	expo_printf(b, "%s%s", name, suffix);
	put_labels(b, l, nl, NULL);
	expo_printf(b, " %llu\n", (unsigned long long)v);
}

static void put_double(struct expo_buf *b, double v)
{
	if (isnan(v))
		put(b, "NaN", 3);
	else if (isinf(v))
		expo_printf(b, "%s", v > 0 ? "+Inf" : "-Inf");
	else
		expo_printf(b, "%.17g", v);
}

void expo_sample_double(struct expo_buf *b, const char *name, const char *suffix,
			const struct expo_label *l, unsigned nl, double v)
{
	expo_printf(b, "%s%s", name, suffix);
	put_labels(b, l, nl, NULL);
	put(b, " ", 1);
	put_double(b, v);
	put(b, "\n", 1);
}

void expo_histogram(struct expo_buf *b, const char *name, const struct expo_label *l,
		    unsigned nl, const double *bounds, unsigned nbounds, const uint64_t *cum,
		    double sum)
{
	char le[32];

	for (unsigned i = 0; i <= nbounds; i++) {
		if (i < nbounds)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		expo_printf(b, "%s_bucket", name);
		put_labels(b, l, nl, le);
		expo_printf(b, " %llu\n", (unsigned long long)cum[i]);
	}
	expo_sample_double(b, name, "_sum", l, nl, sum);
	expo_sample_u64(b, name, "_count", l, nl, cum[nbounds]);
}
