/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The metrics registry and what reads it: names and types, that every
 * counter the engine keeps is exported, the text exposition (escaping,
 * histograms), promtool's verdict on the output, the --globalstatus keys
 * against libreswan 4.10's own (tests/data/lsw_globalstatus_4.10.txt),
 * --clearstats, gzip, and the ADDR:PORT and option parsing.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ike/pool.h"
#include "ike/v2/types.h"
#include "crypto/jobq.h"
#include "ctl/config_setup.h"
#include "ctl/metrics_collect.h"
#include "ctl/metrics_http.h"
#include "ctl/metrics_registry.h"
#include "ctl/metrics_status.h"
#include "ctl/pluto_options.h"
#include "ctl/proto/whack_opts.h"
#include "ike/ike_daemon.h"
#include "net/worker.h"

/* ---- helpers ---- */

/* The source tree, with a trailing slash (SKUA_SOURCE_DIR, from tests/CMakeLists.txt). */
static const char *source_root(void)
{
	return SKUA_SOURCE_DIR "/";
}

/* True when text has this exact line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

#define assert_line(text, ...)                                                            \
	do {                                                                              \
		char want_[512];                                                          \
		snprintf(want_, sizeof(want_), __VA_ARGS__);                              \
		cr_assert(has_line(text, want_), "no line \"%s\" in the output", want_); \
	} while (0)

static bool valid_name(const char *s, bool label)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || (!label && *s == ':')))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- the registry ---- */

Test(metrics, registry_names_types_and_labels)
{
	for (unsigned i = 0; i < M_COUNT; i++) {
		const struct metric_family *f = &metric_families[i];
		cr_assert_not_null(f->name, "family %u has no name", i);
		cr_assert(strncmp(f->name, "skua_", 5) == 0, "%s: no skua_ prefix", f->name);
		cr_assert(valid_name(f->name, false), "%s: not a metric name", f->name);
		cr_assert(f->help && strlen(f->help) > 10, "%s: no help text", f->name);
		cr_assert_eq(f->type == METRIC_COUNTER, ends_with(f->name, "_total"),
			     "%s: _total is for counters and every counter has it", f->name);
		cr_assert(!ends_with(f->name, "_count") && !ends_with(f->name, "_sum") &&
				  !ends_with(f->name, "_bucket"),
			  "%s: a suffix reserved for histograms", f->name);
		cr_assert(!strstr(f->name, "milli") && !strstr(f->name, "micro") &&
				  !strstr(f->name, "_ms") && !strstr(f->name, "_us"),
			  "%s: not in base units", f->name);
		for (unsigned j = 0; j < i; j++)
			cr_assert_str_neq(f->name, metric_families[j].name, "two families %s", f->name);
		/* Exactly one way to read the values. */
		unsigned ways = (f->refs != NULL) + (f->block != MB_NONE) + (f->read != NULL) +
				(f->read_hist != NULL) + (f->collect != NULL);
		cr_assert_eq(ways, 1, "%s: %u ways to read it", f->name, ways);
		for (unsigned d = 0; d < METRIC_MAX_DIMS && f->dims[d]; d++) {
			const struct metric_dim *dim = f->dims[d];
			cr_assert(valid_name(dim->label, true), "%s: label %s", f->name, dim->label);
			cr_assert_str_neq(dim->label, "le");
			cr_assert_str_neq(dim->label, "worker");
			cr_assert_gt(dim->n, 0);
			for (unsigned v = 0; v < dim->n; v++)
				cr_assert(dim->values[v] && *dim->values[v], "%s: %s value %u unnamed",
					  f->name, dim->label, v);
		}
		if (f->type == METRIC_COUNTER && f->unit > 0)
			cr_assert(ends_with(f->name, "_seconds_total"),
				  "%s: a counter with a unit counts seconds", f->name);
		if (f->type == METRIC_HISTOGRAM) {
			cr_assert(f->nbounds > 0 && f->nbounds <= METRIC_MAX_BOUNDS, "%s", f->name);
			cr_assert_gt(f->unit, 0);
			for (unsigned b = 1; b < f->nbounds; b++)
				cr_assert_gt(f->bounds[b], f->bounds[b - 1], "%s: bounds not ascending",
					     f->name);
			cr_assert(f->unit == 1 || ends_with(f->name, "_seconds"),
				  "%s: a time histogram is in _seconds", f->name);
		}
	}
}

/* Which counters of a block the registry exports (families with refs or a base). */
static void mark(unsigned block, bool *seen, unsigned n)
{
	for (unsigned i = 0; i < M_COUNT; i++) {
		const struct metric_family *f = &metric_families[i];
		unsigned ns = metric_family_nseries(f);
		for (unsigned s = 0; s < ns; s++) {
			if (f->refs && f->refs[s].block == block) {
				cr_assert_lt(f->refs[s].idx, n);
				seen[f->refs[s].idx] = true;
			} else if (!f->refs && f->block == block) {
				unsigned width = f->type == METRIC_HISTOGRAM ? f->nbounds + 2 : 1;
				for (unsigned k = 0; k < width; k++) {
					unsigned idx = f->base + s * width + k;
					cr_assert_lt(idx, n, "%s reads past its block", f->name);
					seen[idx] = true;
				}
			}
		}
	}
}

Test(metrics, every_engine_counter_is_exported)
{
	bool net[NWC_COUNT] = { false }, ike[IKEC_COUNT] = { false };
	bool crypto[CRYPTO_JOBQ_COUNTERS] = { false };

	mark(MB_NET, net, NWC_COUNT);
	mark(MB_IKE, ike, IKEC_COUNT);
	mark(MB_CRYPTO, crypto, CRYPTO_JOBQ_COUNTERS);
	for (unsigned i = 0; i < NWC_COUNT; i++)
		cr_assert(net[i], "net worker counter %u is not in the registry", i);
	for (unsigned i = 0; i < CRYPTO_JOBQ_COUNTERS; i++)
		cr_assert(crypto[i], "crypto counter %u is not in the registry", i);
	/*
	 * Read by skua_ike_sas (a read function: the state gauges are
	 * differences of these), and two counters that equal a labelled
	 * series (the exchange test test_stats checks that they do).
	 */
	ike[IKEC_IKE_SAS] = ike[IKEC_IKE_UP] = ike[IKEC_HALF_OPEN] = ike[IKEC_IKE_DELETING] = true;
	ike[IKEC_IKE_ESTABLISHED] = true;	/* the sum of skua_ike_sas_established_total */
	ike[IKEC_NO_PROPOSAL_SENT] = true;	/* failures{IKE_SA_INIT,responder,NO_PROPOSAL_CHOSEN} */
	for (unsigned i = 0; i < IKEC_COUNT; i++)
		cr_assert(ike[i], "IKE counter %u is not in the registry", i);
}

Test(metrics, series_split_and_join)
{
	const struct metric_family *f = &metric_families[M_IKE_FAILURES];
	unsigned idx[METRIC_MAX_DIMS];

	cr_assert_eq(metric_family_nseries(f), IKE_XS_COUNT * IKE_ROLE_COUNT * IKE_FAIL_COUNT);
	for (unsigned s = 0; s < metric_family_nseries(f); s++) {
		metric_family_split(f, s, idx);
		cr_assert_eq(metric_family_series(f, idx), s);
	}
	/* The last dim varies fastest, as the counters are laid out ([x][r][reason]). */
	metric_family_split(f, IKE_FAIL_COUNT + 1, idx);
	cr_assert_eq(idx[0], IKE_XS_SA_INIT);
	cr_assert_eq(idx[1], IKE_ROLE_RESPONDER);
	cr_assert_eq(idx[2], 1);
}

/* libreswan's keys that Skua prints exist in libreswan's own output, in its order. */
Test(metrics, libreswan_keys_as_libreswan_4_10_prints_them)
{
	char path[640], line[256];
	char (*keys)[128] = calloc(1024, 128);
	unsigned n = 0, at = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%stests/data/lsw_globalstatus_4.10.txt", source_root());
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %m", path);
	while (n < 1024 && fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		cr_assert_not_null(eq, "capture line without '=': %s", line);
		*eq = '\0';
		snprintf(keys[n++], 128, "%.127s", line);
	}
	fclose(f);
	cr_assert_gt(n, 500, "the capture has %u keys", n);
	for (unsigned k = 0; k < metric_nlsw_keys; k++) {
		const struct metric_lsw_key *lk = &metric_lsw_keys[k];
		unsigned i = at;
		while (i < n && strcmp(keys[i], lk->key) != 0)
			i++;
		cr_assert_lt(i, n, "%s: not in libreswan's output after %s", lk->key,
			     at ? keys[at - 1] : "the start");
		at = i + 1;
		cr_assert_geq(lk->terms[0].family, 0, "%s has no value", lk->key);
		for (unsigned t = 0; t < METRIC_MAX_TERMS && lk->terms[t].family >= 0; t++) {
			const struct metric_term *tm = &lk->terms[t];
			cr_assert_lt(tm->family, M_COUNT);
			const struct metric_family *fam = &metric_families[tm->family];
			cr_assert(tm->series == METRIC_ALL ||
					  (unsigned)tm->series < metric_family_nseries(fam),
				  "%s: series %d of %s", lk->key, tm->series, fam->name);
			cr_assert(tm->sign == 1 || tm->sign == -1);
			cr_assert_null(fam->collect, "%s: collected families have no sum", lk->key);
		}
	}
	free(keys);
}

/* docs/metrics.md names every family. */
Test(metrics, every_family_is_documented)
{
	char path[640], *doc = malloc(1 << 20);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%sdocs/metrics.md", source_root());
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %m", path);
	n = fread(doc, 1, (1 << 20) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (unsigned i = 0; i < M_COUNT; i++) {
		char quoted[128];
		snprintf(quoted, sizeof(quoted), "`%s`", metric_families[i].name);
		cr_assert_not_null(strstr(doc, quoted), "docs/metrics.md does not name %s",
				   metric_families[i].name);
	}
	free(doc);
}

/* A small JSON syntax check (RFC 8259): returns the end of one value, or NULL. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && !*++p)
			return NULL;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';
		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_string(json_ws(p));
				if (!p || *(p = json_ws(p)) != ':')
					return NULL;
				p++;
			}
			if (!(p = json_value(p)))
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	char *end;
	strtod(p, &end);
	return end > p ? end : NULL;
}

/* tools/grafana's dashboard is JSON and reads only series the registry exports. */
Test(metrics, grafana_dashboard_reads_registered_series)
{
	char path[640], *doc = malloc(1 << 20), name[128];
	const char *end;
	unsigned found = 0;
	size_t n;
	FILE *f;

	/* the checker itself */
	cr_assert_not_null(json_value("{\"a\": [1, -2.5e3, \"x\\\"y\", true, null, {}]}"));
	cr_assert_null(json_value("{\"a\": }"));
	cr_assert_null(json_value("[1, 2"));
	cr_assert_null(json_value("{\"a\" 1}"));
	snprintf(path, sizeof(path), "%stools/grafana/skua-dashboard.json", source_root());
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %m", path);
	n = fread(doc, 1, (1 << 20) - 1, f);
	fclose(f);
	doc[n] = '\0';
	end = json_value(doc);
	cr_assert_not_null(end, "%s is not JSON", path);
	cr_assert_eq(*json_ws(end), '\0', "%s: text after the JSON value", path);
	for (const char *p = doc; (p = strstr(p, "skua_")) != NULL;) {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		bool known = false;
		snprintf(name, sizeof(name), "%.*s", (int)k, p);
		p += k;
		for (unsigned i = 0; i < M_COUNT && !known; i++) {
			const struct metric_family *fam = &metric_families[i];
			size_t l = strlen(fam->name);
			known = strcmp(name, fam->name) == 0 ||
				(fam->type == METRIC_HISTOGRAM && strncmp(name, fam->name, l) == 0 &&
				 (strcmp(name + l, "_bucket") == 0 || strcmp(name + l, "_sum") == 0 ||
				  strcmp(name + l, "_count") == 0));
		}
		cr_assert(known, "the dashboard reads %s, which pluto does not export", name);
		found++;
	}
	cr_assert_gt(found, 30);
	cr_assert_not_null(strstr(doc, "skua_pool_leases"), "a leases panel");
	cr_assert_not_null(strstr(doc, "histogram_quantile(0.99"), "latency quantiles");
	free(doc);
}

/* ---- the text format ---- */

Test(metrics, exposition_escapes_labels_and_help)
{
	struct expo_buf b;
	struct expo_label l[] = { { "name", "a\\b\"c\nd" }, { "skipped", NULL }, { "x", "" } };
	char out[32];

	expo_init(&b);
	expo_header(&b, "skua_t", "help with \\ and\nnewline \"quoted\"", "gauge");
	expo_sample_u64(&b, "skua_t", "", l, 3, 18446744073709551615ull);
	expo_sample_u64(&b, "skua_t", "", NULL, 0, 0);
	cr_assert_not(b.failed);
	cr_assert_str_eq(b.p, "# HELP skua_t help with \\\\ and\\nnewline \"quoted\"\n"
			      "# TYPE skua_t gauge\n"
			      "skua_t{name=\"a\\\\b\\\"c\\nd\",x=\"\"} 18446744073709551615\n"
			      "skua_t 0\n");
	expo_free(&b);
	cr_assert(expo_escape("\"\\\n", out, sizeof(out)));
	cr_assert_str_eq(out, "\\\"\\\\\\n");
	cr_assert_not(expo_escape("\"\"\"\"", out, 8), "8 bytes do not hold 4 escapes");
}

Test(metrics, exposition_histogram)
{
	struct expo_buf b;
	const double bounds[] = { 0.0005, 0.25, 60 };
	const uint64_t cum[] = { 1, 3, 3, 5 };
	struct expo_label l[] = { { "worker", "0" } };

	expo_init(&b);
	expo_histogram(&b, "skua_h_seconds", l, 1, bounds, 3, cum, 81.5);
	cr_assert_str_eq(b.p, "skua_h_seconds_bucket{worker=\"0\",le=\"0.0005\"} 1\n"
			      "skua_h_seconds_bucket{worker=\"0\",le=\"0.25\"} 3\n"
			      "skua_h_seconds_bucket{worker=\"0\",le=\"60\"} 3\n"
			      "skua_h_seconds_bucket{worker=\"0\",le=\"+Inf\"} 5\n"
			      "skua_h_seconds_sum{worker=\"0\"} 81.5\n"
			      "skua_h_seconds_count{worker=\"0\"} 5\n");
	expo_free(&b);
	/* Without labels, le is the only one. */
	expo_init(&b);
	expo_histogram(&b, "skua_k", NULL, 0, bounds, 1, cum, 0);
	cr_assert(has_line(b.p, "skua_k_bucket{le=\"+Inf\"} 3"));
	cr_assert(has_line(b.p, "skua_k_sum 0"));
	expo_free(&b);
}

/* ---- rendering from counters, as the endpoint does ---- */

struct fake {
	struct counters *net, *ike, *crypto;
	struct metrics_src src;
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->net = counters_new(2, NWC_COUNT);
	f->ike = counters_new(2, IKEC_COUNT);
	f->crypto = counters_new(2, CRYPTO_JOBQ_COUNTERS);
	cr_assert(f->net && f->ike && f->crypto);
	f->src.nworkers = 2;
	f->src.block[MB_NET] = f->net;
	f->src.block[MB_IKE] = f->ike;
	f->src.block[MB_CRYPTO] = f->crypto;
	f->src.start_time = 1700000000;
}

static void fake_fini(struct fake *f)
{
	counters_free(f->net);
	counters_free(f->ike);
	counters_free(f->crypto);
}

static unsigned failure_idx(enum ike_stats_exchange x, enum ike_stats_role r,
			    enum ike_stats_reason why)
{
	return IKEC_FAILED_BY + ((unsigned)x * IKE_ROLE_COUNT + r) * IKE_FAIL_COUNT + why;
}

static void fake_traffic(struct fake *f)
{
	counters_add(f->net, 1, NWC_RX, 7);
	counters_add(f->net, 0, NWC_DROP_MARKER, 2);
	counters_add(f->net, 1, NWC_RX_BYTES, 4096);
	counters_add(f->ike, 0, IKEC_RX_DROPPED, 4);
	counters_add(f->ike, 0, IKEC_IKE_SAS, 10);
	counters_add(f->ike, 0, IKEC_IKE_UP, 6);
	counters_add(f->ike, 0, IKEC_HALF_OPEN, 3);
	counters_add(f->ike, 0, IKEC_IKE_DELETING, 1);
	counters_add(f->ike, 1, IKEC_CHILD_SAS, 2);
	counters_add(f->ike, 1, IKEC_ESTABLISHED_BY + IKE_XS_AUTH * IKE_ROLE_COUNT +
					IKE_ROLE_RESPONDER, 9);
	counters_add(f->ike, 0, IKEC_IKE_COMPLETED, 2);
	counters_add(f->ike, 1, IKEC_IKE_FAILED, 5);
	counters_add(f->ike, 1, failure_idx(IKE_XS_AUTH, IKE_ROLE_RESPONDER, IKE_FAIL_TIMEOUT), 3);
	counters_add(f->ike, 0, IKEC_NOTIFY_SENT + IKE_NS_COOKIE, 11);
	counters_add(f->crypto, 1, CRYPTO_JOBQ_STOLEN, 12);
	/* 1.2 ms and 70 s: the 2.5 ms bucket and the +Inf one */
	counters_hist_observe(f->ike, 0, ikec_hist(IKE_HIST_SETUP, IKE_ROLE_RESPONDER),
			      ike_stats_hist_bounds_us, IKE_HIST_BOUNDS, 1200);
	counters_hist_observe(f->ike, 0, ikec_hist(IKE_HIST_SETUP, IKE_ROLE_RESPONDER),
			      ike_stats_hist_bounds_us, IKE_HIST_BOUNDS, 70000000);
	counters_hist_observe(f->ike, 1, ikec_hist(IKE_HIST_AUTH, IKE_ROLE_INITIATOR),
			      ike_stats_hist_bounds_us, IKE_HIST_BOUNDS, 400);
}

Test(metrics, render_reads_the_workers_counters)
{
	struct fake f;
	struct expo_buf b;

	fake_init(&f);
	fake_traffic(&f);
	expo_init(&b);
	cr_assert_eq(metrics_render(&f.src, &b), 0);
	assert_line(b.p, "# TYPE skua_datagrams_received_total counter");
	assert_line(b.p, "skua_datagrams_received_total{worker=\"0\"} 0");
	assert_line(b.p, "skua_datagrams_received_total{worker=\"1\"} 7");
	assert_line(b.p, "skua_datagrams_received_bytes_total{worker=\"1\"} 4096");
	assert_line(b.p, "skua_datagrams_dropped_total{worker=\"0\",reason=\"no_marker\"} 2");
	assert_line(b.p, "skua_datagrams_dropped_total{worker=\"0\",reason=\"ike\"} 4");
	assert_line(b.p, "# TYPE skua_ike_sas gauge");
	assert_line(b.p, "skua_ike_sas{worker=\"0\",state=\"half_open\"} 3");
	assert_line(b.p, "skua_ike_sas{worker=\"0\",state=\"negotiating\"} 1");
	assert_line(b.p, "skua_ike_sas{worker=\"0\",state=\"established\"} 5");
	assert_line(b.p, "skua_ike_sas{worker=\"0\",state=\"deleting\"} 1");
	assert_line(b.p, "skua_child_sas{worker=\"1\"} 2");
	assert_line(b.p, "skua_ike_sas_established_total{worker=\"1\",exchange=\"IKE_AUTH\","
			 "role=\"responder\"} 9");
	assert_line(b.p, "skua_ike_sa_failures_total{worker=\"1\",exchange=\"IKE_AUTH\","
			 "role=\"responder\",reason=\"timeout\"} 3");
	assert_line(b.p, "skua_ike_sa_failures_total{worker=\"1\",exchange=\"IKE_AUTH\","
			 "role=\"responder\",reason=\"other\"} 0");
	assert_line(b.p, "skua_ike_sas_finished_total{worker=\"1\",outcome=\"failed\"} 5");
	assert_line(b.p, "skua_ike_notifies_sent_total{worker=\"0\",type=\"COOKIE\"} 11");
	assert_line(b.p, "skua_crypto_jobs_stolen_total{worker=\"1\"} 12");
	assert_line(b.p, "skua_process_start_time_seconds 1700000000");
	assert_line(b.p, "skua_workers 2");
	{
		const char *bi = strstr(b.p, "\nskua_build_info{");
		unsigned maj, min, pat;
		char end[8];
		cr_assert_not_null(bi);
		cr_assert_eq(sscanf(bi, "\nskua_build_info{version=\"%u.%u.%u\"}%7s", &maj, &min,
				    &pat, end), 4, "no version in %.60s", bi + 1);
		cr_assert_str_eq(end, "1");
	}
	/* the histograms: cumulative, +Inf equal to the count, the sum in seconds */
	assert_line(b.p, "# TYPE skua_ike_setup_duration_seconds histogram");
	assert_line(b.p, "skua_ike_setup_duration_seconds_bucket{worker=\"0\",role=\"responder\","
			 "le=\"0.001\"} 0");
	assert_line(b.p, "skua_ike_setup_duration_seconds_bucket{worker=\"0\",role=\"responder\","
			 "le=\"0.0025\"} 1");
	assert_line(b.p, "skua_ike_setup_duration_seconds_bucket{worker=\"0\",role=\"responder\","
			 "le=\"60\"} 1");
	assert_line(b.p, "skua_ike_setup_duration_seconds_bucket{worker=\"0\",role=\"responder\","
			 "le=\"+Inf\"} 2");
	assert_line(b.p, "skua_ike_setup_duration_seconds_sum{worker=\"0\",role=\"responder\"} "
			 "%.17g", 70001200 * 1e-6);
	assert_line(b.p, "skua_ike_setup_duration_seconds_count{worker=\"0\",role=\"responder\"} 2");
	assert_line(b.p, "skua_ike_exchange_duration_seconds_bucket{worker=\"1\",exchange=\"IKE_AUTH\","
			 "role=\"initiator\",le=\"0.0005\"} 1");
	assert_line(b.p, "skua_ike_exchange_duration_seconds_count{worker=\"1\",exchange=\"IKE_SA_INIT\","
			 "role=\"initiator\"} 0");
	/* a source that is not there reads as zero; a collected family without one has no series */
	assert_line(b.p, "skua_kernel_queue_depth 0");
	assert_line(b.p, "# TYPE skua_pool_leases gauge");
	cr_assert_null(strstr(b.p, "skua_pool_leases{"), "pool series without a pool");
	cr_assert_null(strstr(b.p, "skua_ike_sa_established_seconds{"), "per-SA series when off");
	expo_free(&b);

	/* a pool, as a connection's --addresspool makes it: a series per state */
	struct ike_pool *pool;
	struct ike_id id = { .type = V2_ID_FQDN, .len = 5 };
	struct ip_addr a;
	char err[200];
	memcpy(id.data, "alice", 5);
	cr_assert_eq(ike_pool_get("10.9.0.10-10.9.0.12", &pool, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ike_pool_lease(pool, &id, &a), 0);
	id.data[0] = 'b';
	cr_assert_eq(ike_pool_lease(pool, &id, &a), 0);
	id.data[0] = 'c';
	cr_assert_eq(ike_pool_lease(pool, &id, &a), 0);
	id.data[0] = 'd';
	cr_assert_eq(ike_pool_lease(pool, &id, &a), -ENOSPC);
	expo_init(&b);
	cr_assert_eq(metrics_render(&f.src, &b), 0);
	assert_line(b.p, "skua_pool_leases{pool=\"10.9.0.10-10.9.0.12\",state=\"in_use\"} 3");
	assert_line(b.p, "skua_pool_leases{pool=\"10.9.0.10-10.9.0.12\",state=\"free\"} 0");
	assert_line(b.p, "skua_pool_exhausted_total{pool=\"10.9.0.10-10.9.0.12\"} 1");
	expo_free(&b);
	ike_pool_unref(pool);
	fake_fini(&f);
}

/* Every family has its HELP and TYPE lines, once, before its samples. */
Test(metrics, render_has_help_and_type_for_every_family)
{
	struct fake f;
	struct expo_buf b;
	char want[256];

	fake_init(&f);
	expo_init(&b);
	cr_assert_eq(metrics_render(&f.src, &b), 0);
	for (unsigned i = 0; i < M_COUNT; i++) {
		const struct metric_family *fam = &metric_families[i];
		const char *t = fam->type == METRIC_COUNTER ? "counter" :
				fam->type == METRIC_GAUGE ? "gauge" : "histogram";
		snprintf(want, sizeof(want), "# TYPE %s %s\n", fam->name, t);
		const char *at = strstr(b.p, want);
		cr_assert_not_null(at, "no TYPE line for %s", fam->name);
		cr_assert_null(strstr(at + 1, want), "two TYPE lines for %s", fam->name);
		snprintf(want, sizeof(want), "# HELP %s ", fam->name);
		cr_assert_not_null(strstr(b.p, want), "no HELP line for %s", fam->name);
	}
	expo_free(&b);
	fake_fini(&f);
}

static int promtool(const char *text)
{
	char path[] = "/tmp/skua-metrics-XXXXXX", cmd[256];
	int fd = mkstemp(path), rc;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s >/dev/null 2>&1", path);
	rc = system(cmd);
	unlink(path);
	cr_assert_neq(rc, -1);
	cr_assert(WIFEXITED(rc));
	cr_assert_neq(WEXITSTATUS(rc), 127, "promtool is missing: run scripts/setup");
	return WEXITSTATUS(rc);
}

Test(metrics, promtool_accepts_the_output)
{
	struct fake f;
	struct expo_buf b;

	fake_init(&f);
	fake_traffic(&f);
	expo_init(&b);
	cr_assert_eq(metrics_render(&f.src, &b), 0);
	cr_assert_eq(promtool(b.p), 0, "promtool check metrics found problems");
	expo_free(&b);
	fake_fini(&f);
	/* ... and it is a real check: it refuses what breaks the conventions or the format. */
	cr_assert_neq(promtool("# HELP skua_x x\n# TYPE skua_x counter\nskua_x 1\n"), 0);
	cr_assert_neq(promtool("skua_x{a=\"b} 1\n"), 0);
}

/* ---- --globalstatus and --clearstats ---- */

struct lines {
	char text[65536];
	size_t len;
	unsigned n;
};

static void collect_line(void *ctx, const char *key, const char *value)
{
	struct lines *l = ctx;
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s=%s\n", key, value);

	cr_assert(n > 0 && (size_t)n < sizeof(l->text) - l->len, "output larger than the test buffer");
	l->len += (size_t)n;
	l->n++;
}

Test(metrics, globalstatus_keys_values_and_clearstats)
{
	struct fake f;
	struct lines *l = calloc(1, sizeof(*l));
	uint64_t *base = calloc(metrics_baseline_size(), sizeof(uint64_t));

	fake_init(&f);
	fake_traffic(&f);
	metrics_globalstatus(&f.src, NULL, collect_line, l);
	/* libreswan's keys first, in its order */
	cr_assert(strncmp(l->text, "current.states.all=", 19) == 0);
	assert_line(l->text, "current.states.all=12");	/* 10 IKE + 2 Child SAs */
	assert_line(l->text, "current.states.ike=10");
	assert_line(l->text, "current.states.iketype.authenticated=6");
	assert_line(l->text, "current.states.iketype.halfopen=3");
	assert_line(l->text, "current.states.enumerate.STATE_V2_IKE_SA_DELETE=1");
	assert_line(l->text, "total.ike.ikev2.established=9");
	assert_line(l->text, "total.ike.ikev2.failed=5");
	assert_line(l->text, "total.ike.ikev2.completed=2");
	assert_line(l->text, "total.ikev2.ike.finished=7");
	assert_line(l->text, "total.ike.traffic.in=4096");
	assert_line(l->text, "total.ikev2.sent.notifies.status.COOKIE=0");	/* IKEC_COOKIES_SENT */
	/* then Skua's own, every series summed over the workers */
	assert_line(l->text, "skua.total.datagrams.received=7");
	assert_line(l->text, "skua.total.datagrams.dropped.ike=4");
	assert_line(l->text, "skua.total.ike.sa.failures.IKE_AUTH.responder.timeout=3");
	assert_line(l->text, "skua.total.ike.notifies.sent.COOKIE=11");
	assert_line(l->text, "skua.current.ike.sas.established=5");
	assert_line(l->text, "skua.total.ike.setup.duration.seconds.responder.count=2");
	assert_line(l->text, "skua.total.ike.setup.duration.seconds.responder.sum=70.001200");
	/* libreswan's keys all come before Skua's */
	cr_assert_lt(strstr(l->text, "total.ikev2.recv.notifies.status.COOKIE="),
		     strstr(l->text, "skua."));
	for (char *p = l->text; *p; p = strchr(p, '\n') + 1) {
		cr_assert(isalpha((unsigned char)*p), "a line starts with '%c'", *p);
		cr_assert_not_null(strchr(p, '='));
	}

	/* --clearstats: counters count from here; gauges and the endpoint's counters do not move */
	metrics_baseline_take(&f.src, base);
	counters_add(f.ike, 1, IKEC_ESTABLISHED_BY + IKE_XS_AUTH * IKE_ROLE_COUNT +
				       IKE_ROLE_RESPONDER, 1);
	counters_hist_observe(f.ike, 1, ikec_hist(IKE_HIST_SETUP, IKE_ROLE_RESPONDER),
			      ike_stats_hist_bounds_us, IKE_HIST_BOUNDS, 2000);
	memset(l, 0, sizeof(*l));
	metrics_globalstatus(&f.src, base, collect_line, l);
	assert_line(l->text, "total.ike.ikev2.established=1");
	assert_line(l->text, "total.ike.ikev2.failed=0");
	assert_line(l->text, "skua.total.datagrams.received=0");
	assert_line(l->text, "skua.total.ike.setup.duration.seconds.responder.count=1");
	assert_line(l->text, "skua.total.ike.setup.duration.seconds.responder.sum=0.002000");
	assert_line(l->text, "current.states.ike=10");
	assert_line(l->text, "skua.current.ike.sas.half_open=3");
	cr_assert_eq(metrics_value_sum(&f.src, &metric_families[M_IKE_ESTABLISHED],
				       IKE_XS_AUTH * IKE_ROLE_COUNT + IKE_ROLE_RESPONDER),
		     10, "the counter itself was cleared");
	free(base);
	free(l);
	fake_fini(&f);
}

Test(metrics, status_key_of_a_family)
{
	char key[128];
	const char *v[] = { "IKE_AUTH", "responder", "timeout" };

	metrics_status_key(&metric_families[M_IKE_FAILURES], v, 3, NULL, key, sizeof(key));
	cr_assert_str_eq(key, "skua.total.ike.sa.failures.IKE_AUTH.responder.timeout");
	metrics_status_key(&metric_families[M_CHILD_SAS], NULL, 0, NULL, key, sizeof(key));
	cr_assert_str_eq(key, "skua.current.child.sas");
	metrics_status_key(&metric_families[M_KERNEL_BATCH], NULL, 0, "sum", key, sizeof(key));
	cr_assert_str_eq(key, "skua.total.kernel.batch.operations.sum");
	metrics_status_key(&metric_families[M_IKE_FAILURES], v, 3, NULL, key, 12);
	cr_assert_str_eq(key, "skua.total.", "truncated to 11 characters, terminated");
}

/* ---- gzip and HTTP helpers ---- */

Test(metrics, gzip_round_trip)
{
	struct fake f;
	struct expo_buf b;
	char *z, *back;
	size_t zlen;
	z_stream s = { 0 };

	fake_init(&f);
	expo_init(&b);
	metrics_render(&f.src, &b);
	cr_assert_eq(metrics_gzip(b.p, b.len, &z, &zlen), 0);
	cr_assert_lt(zlen, b.len / 4, "the text compresses well: %zu of %zu", zlen, b.len);
	cr_assert_eq((unsigned char)z[0], 0x1f);
	cr_assert_eq((unsigned char)z[1], 0x8b, "a gzip header");
	back = malloc(b.len + 1);
	cr_assert_eq(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)z;
	s.avail_in = (uInt)zlen;
	s.next_out = (Bytef *)back;
	s.avail_out = (uInt)b.len + 1;
	cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	cr_assert_eq(s.total_out, b.len);
	cr_assert_eq(memcmp(back, b.p, b.len), 0);
	inflateEnd(&s);
	free(back);
	free(z);
	expo_free(&b);
	fake_fini(&f);
}

Test(metrics, accept_encoding)
{
	cr_assert(metrics_accepts_gzip("gzip"));
	cr_assert(metrics_accepts_gzip("deflate, gzip;q=0.8"));
	cr_assert(metrics_accepts_gzip("identity, GZIP"));
	cr_assert(metrics_accepts_gzip("*"));
	cr_assert_not(metrics_accepts_gzip(NULL));
	cr_assert_not(metrics_accepts_gzip(""));
	cr_assert_not(metrics_accepts_gzip("identity"));
	cr_assert_not(metrics_accepts_gzip("gzip;q=0"));
	cr_assert_not(metrics_accepts_gzip("x-gzip2, br"));
}

Test(metrics, addr_port)
{
	struct ip_addr a;
	uint16_t port;
	char why[200], s[IP_ADDR_STRLEN];

	cr_assert_eq(ip_addr_port_parse("127.0.0.1:9090", false, &a, &port, why, sizeof(why)), 0);
	cr_assert_str_eq(ip_addr_str(&a, s), "127.0.0.1");
	cr_assert_eq(port, 9090);
	cr_assert_eq(ip_addr_port_parse("[::1]:65535", false, &a, &port, why, sizeof(why)), 0);
	cr_assert_eq(a.af, AF_INET6);
	cr_assert_eq(port, 65535);
	cr_assert_eq(ip_addr_port_parse("0.0.0.0:0", true, &a, &port, why, sizeof(why)), 0);

	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "127.0.0.1", "no port: expected ADDR:PORT" },
		{ "127.0.0.1:", "port '': expected a port number 1..65535" },
		{ "127.0.0.1:0", "port '0': expected a port number 1..65535" },
		{ "127.0.0.1:70000", "port '70000': expected a port number 1..65535" },
		{ "127.0.0.1:90x", "port '90x'" },
		{ "localhost:9090", "'localhost' is not a numeric IPv4 address" },
		{ "::1:9090", "an IPv6 address must be in brackets" },
		{ "[::1]9090", "expected [IPv6 address]:port" },
		{ "[127.0.0.1]:9090", "'127.0.0.1' is not a numeric IPv6 address" },
		{ ":9090", "expected a numeric IPv4 or IPv6 address before the port" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		cr_assert_eq(ip_addr_port_parse(bad[i].in, false, &a, &port, why, sizeof(why)),
			     -EINVAL, "%s accepted", bad[i].in);
		cr_assert_not_null(strstr(why, bad[i].why), "%s: \"%s\", expected \"%s\"",
				   bad[i].in, why, bad[i].why);
	}
}

/* ---- the options ---- */

static int parse(char *err, size_t errlen, struct pluto_options *o, ...)
{
	char *argv[16] = { "pluto" };
	int argc = 1, rc;
	va_list ap;

	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	pluto_options_init(o);
	rc = pluto_options_parse(argc, argv, o, err, errlen);
	return rc;
}

Test(metrics, pluto_options)
{
	struct pluto_options o;
	char err[512];

	cr_assert_eq(parse(err, sizeof(err), &o, NULL), 0);
	cr_assert_not(o.has_metrics, "metrics are off by default");
	pluto_options_fini(&o);
	cr_assert_eq(parse(err, sizeof(err), &o, "--metrics", "[::1]:9100", "--metrics-per-sa",
			   NULL), 0, "%s", err);
	cr_assert(o.has_metrics);
	cr_assert(o.metrics_per_sa);
	cr_assert_eq(o.metrics_port, 9100);
	pluto_options_fini(&o);
	cr_assert_eq(parse(err, sizeof(err), &o, "--metrics=10.0.0.1:http", NULL), -EINVAL);
	cr_assert_str_eq(err, "pluto: --metrics 10.0.0.1:http: port 'http': expected a port "
			      "number 1..65535");
	pluto_options_fini(&o);
	cr_assert_eq(parse(err, sizeof(err), &o, "--metrics-per-sa", NULL), -EINVAL);
	cr_assert_not_null(strstr(err, "--metrics-per-sa (metrics-per-sa=yes) without --metrics"),
			   "%s", err);
	pluto_options_fini(&o);
}

Test(metrics, config_setup_keys)
{
	char path[] = "/tmp/skua-metrics-conf-XXXXXX", err[512];
	struct pluto_options o;
	int fd = mkstemp(path);
	const char *conf = "config setup\n\tmetrics=127.0.0.1:9191\n\tmetrics-per-sa=yes\n";

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	pluto_options_init(&o);
	cr_assert_eq(pluto_config_setup_load(path, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert(o.has_metrics);
	cr_assert(o.metrics_per_sa);
	cr_assert_eq(o.metrics_port, 9191);
	pluto_options_fini(&o);

	conf = "config setup\n\tmetrics=9191\n";
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
	close(fd);
	pluto_options_init(&o);
	cr_assert_lt(pluto_config_setup_load(path, &o, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, ":2: "), "the line is named: %s", err);
	cr_assert_not_null(strstr(err, "expected ADDR:PORT"), "%s", err);
	cr_assert_not(o.has_metrics);
	pluto_options_fini(&o);
	unlink(path);
}

/* whack takes libreswan 4.x's --globalstatus for the manual's --globalstats. */
Test(metrics, whack_globalstatus_spellings)
{
	const char *const forms[] = { "--globalstats", "--globalstatus" };

	for (int i = 0; i < 2; i++) {
		char *argv[] = { "whack", (char *)forms[i], NULL };
		struct whack_cmd cmd = { 0 };
		struct whack_target t = { 0 };
		char err[256] = "";
		cr_assert_eq(whack_args_parse(2, argv, &cmd, &t, err, sizeof(err)), 0, "%s: %s",
			     forms[i], err);
		cr_assert_eq(cmd.ops, 1ull << WOP_GLOBALSTATS, "%s", forms[i]);
		whack_cmd_fini(&cmd);
	}
}
