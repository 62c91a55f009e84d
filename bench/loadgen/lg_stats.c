/* SPDX-License-Identifier: BSD-2-Clause */
#include "lg_stats.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { LG_CAUSES = 64, LG_CAUSE_TEXT = 120 };

/* Failure causes: rare, so a lock is fine. Written by workers, read at the end. */
static struct {
	pthread_mutex_t lock;
	unsigned n;
	struct {
		unsigned rc;
		char text[LG_CAUSE_TEXT];
		unsigned long count;
	} v[LG_CAUSES];
} causes = { .lock = PTHREAD_MUTEX_INITIALIZER };

uint64_t lg_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The line without its "name" #N: prefix. */
static void cause_text(const char *text, char *out, size_t cap)
{
	const char *p = strstr(text, "\" #");
	if (p) {
		const char *colon = strstr(p, ": ");
		if (colon)
			text = colon + 2;
	}
	snprintf(out, cap, "%s", text);
}

unsigned lg_cause_add(unsigned rc, const char *text)
{
	char t[LG_CAUSE_TEXT];
	unsigned i, found = 0;

	cause_text(text, t, sizeof(t));
	pthread_mutex_lock(&causes.lock);
	for (i = 0; i < causes.n; i++) {
		if (causes.v[i].rc == rc && strcmp(causes.v[i].text, t) == 0)
			break;
	}
	if (i == causes.n && causes.n < LG_CAUSES) {
		causes.v[i].rc = rc;
		memcpy(causes.v[i].text, t, sizeof(t));
		causes.v[i].count = 0;
		causes.n++;
	}
	if (i < causes.n) {
		causes.v[i].count++;
		found = i + 1;
	}
	pthread_mutex_unlock(&causes.lock);
	return found;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* p50 p90 p99 p99.9 max of v[0..n) (sorted here), in ms. */
static void percentiles(uint64_t *v, unsigned long n, double out[5])
{
	static const double q[4] = { 0.50, 0.90, 0.99, 0.999 };

	memset(out, 0, 5 * sizeof(double));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (int i = 0; i < 4; i++) {
		/* nearest rank */
		unsigned long k = (unsigned long)(q[i] * (double)n + 0.999999);
		if (k < 1)
			k = 1;
		if (k > n)
			k = n;
		out[i] = (double)v[k - 1] / 1e6;
	}
	out[4] = (double)v[n - 1] / 1e6;
}

static bool before(uint64_t t, uint64_t cutoff)
{
	return t && t <= cutoff;
}

double lg_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void lg_summarize(const struct lg_sa *sa, unsigned long requested, unsigned long started,
		  uint64_t t0, double cpu_t0, uint64_t cutoff, struct lg_summary *out)
{
	uint64_t *lat = malloc((started ? started : 1) * sizeof(*lat));
	uint64_t *ilat = malloc((started ? started : 1) * sizeof(*ilat));
	uint64_t first = 0, last = 0;

	memset(out, 0, sizeof(*out));
	out->requested = requested;
	out->started = started;
	for (unsigned long i = 0; i < started; i++) {
		const struct lg_sa *s = &sa[i];
		if (!first || s->t_start < first)
			first = s->t_start;
		if (before(s->t_ike, cutoff)) {
			out->ike_up++;
			if (ilat)
				ilat[out->nike_lat++] = s->t_ike - s->t_start;
			if (s->t_ike > last)
				last = s->t_ike;
		}
		if (before(s->t_child, cutoff)) {
			out->child_up++;
			if (lat)
				lat[out->nlat++] = s->t_child - s->t_start;
			if (s->t_child > last)
				last = s->t_child;
		}
		if (!before(s->t_ike, cutoff)) {
			if (before(s->t_end, cutoff))
				out->failed++;
			else
				out->unfinished++;
		}
	}
	if (lat)
		percentiles(lat, out->nlat, out->lat_ms);
	if (ilat)
		percentiles(ilat, out->nike_lat, out->ike_lat_ms);
	free(lat);
	free(ilat);
	if (first) {
		out->first_start_s = (double)(first - t0) / 1e9;
		out->last_up_s = last ? (double)(last - t0) / 1e9 : out->first_start_s;
		out->elapsed_s = out->last_up_s - out->first_start_s;
	}
	out->rate = out->elapsed_s > 0 ? (double)out->ike_up / out->elapsed_s : 0;
	out->cpu_s = lg_cpu_s() - cpu_t0;
}

static void print_lat(FILE *f, const char *what, const double v[5], unsigned long n)
{
	fprintf(f, "  latency %-14s p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms  (%lu SAs)\n",
		what, v[0], v[1], v[2], v[3], v[4], n);
}

void lg_print_summary(FILE *f, const struct lg_summary *s)
{
	fprintf(f, "skua-loadgen: %lu IKE SAs requested, %lu started\n", s->requested, s->started);
	fprintf(f, "  IKE SAs established  %lu\n", s->ike_up);
	fprintf(f, "  Child SAs established %lu\n", s->child_up);
	fprintf(f, "  failed (no IKE SA)   %lu\n", s->failed);
	fprintf(f, "  unfinished           %lu\n", s->unfinished);
	fprintf(f, "  setups per second    %.1f  (IKE SAs established in %.3f s, first start to last establishment)\n",
		s->rate, s->elapsed_s);
	print_lat(f, "IKE+Child", s->lat_ms, s->nlat);
	print_lat(f, "IKE SA", s->ike_lat_ms, s->nike_lat);
	fprintf(f, "  generator CPU        %.2f s (%.3f ms per started SA, from the first start)\n",
		s->cpu_s, s->started ? s->cpu_s * 1e3 / (double)s->started : 0.0);
	if (s->cp)
		fprintf(f, "  CP addresses         %lu received, %lu refused\n", s->cp_addrs,
			s->cp_refused);
	pthread_mutex_lock(&causes.lock);
	if (causes.n)
		fprintf(f, "  failures by cause (first failure line of each SA; rc = whack progress code):\n");
	for (unsigned i = 0; i < causes.n; i++)
		fprintf(f, "    %8lu  rc %3u  %s\n", causes.v[i].count, causes.v[i].rc,
			causes.v[i].text);
	pthread_mutex_unlock(&causes.lock);
}

/* ---- the hold ---- */

const char *lg_bucket_str(int b, unsigned n, char *buf, size_t len)
{
	if (b < 0)
		snprintf(buf, len, "-");
	else if ((unsigned)b + 1 < n)
		snprintf(buf, len, "<%llu", 1ull << b);
	else
		snprintf(buf, len, ">=%llu", 1ull << (b - 1));
	return buf;
}

/* The bucket holding the q-quantile of h (nearest rank), -1 when h is empty. */
static int bucket_quantile(const uint64_t *h, unsigned n, uint64_t total, double q)
{
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999), cum = 0;

	if (!total)
		return -1;
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < n; b++) {
		cum += h[b];
		if (cum >= rank)
			return (int)b;
	}
	return (int)n - 1;
}

void lg_rekey_finish(struct lg_rekey *rk)
{
	static const double q[3] = { 0.50, 0.90, 0.99 };
	size_t first = 0, last = 0;
	bool any = false;

	rk->started = 0;
	rk->max_bucket = -1;
	for (unsigned b = 0; b < IKE_REKEY_BUCKETS; b++) {
		rk->started += rk->hist[b];
		if (rk->hist[b])
			rk->max_bucket = (int)b;
	}
	for (int i = 0; i < 3; i++)
		rk->q_bucket[i] = bucket_quantile(rk->hist, IKE_REKEY_BUCKETS, rk->started, q[i]);
	rk->ike_lapsed = rk->ike_expected > rk->ike_live ? rk->ike_expected - rk->ike_live : 0;
	rk->child_lapsed =
		rk->child_expected > rk->child_live ? rk->child_expected - rk->child_live : 0;
	/* Rates over the seconds that saw rekeys, first to last. */
	rk->peak_rate = 0;
	for (size_t i = 0; i + 1 < rk->nseries; i++) {
		const struct lg_rekey_sample *a = &rk->series[i], *b = &rk->series[i + 1];
		uint64_t d = (b->ike_rekeyed - a->ike_rekeyed) +
			     (b->child_rekeyed - a->child_rekeyed);
		if (!d)
			continue;
		if (!any)
			first = i;
		any = true;
		last = i + 1;
		if ((double)d > rk->peak_rate)
			rk->peak_rate = (double)d;
	}
	rk->window_s = any ? (double)(last - first) : 0;
	if (any) {
		const struct lg_rekey_sample *a = &rk->series[first], *b = &rk->series[last];
		rk->rate = (double)((b->ike_rekeyed - a->ike_rekeyed) +
				    (b->child_rekeyed - a->child_rekeyed)) / rk->window_s;
	} else {
		rk->rate = 0;
	}
}

void lg_print_rekey(FILE *f, const struct lg_rekey *rk)
{
	char q0[24], q1[24], q2[24], qm[24];
	uint64_t ours_child = rk->started > rk->ike_rekeyed ? rk->started - rk->ike_rekeyed : 0;

	fprintf(f, "skua-loadgen: held the SAs %.1f s\n", rk->hold_s);
	fprintf(f, "  rekeys done          IKE %llu, Child %llu (the engine's counters: both roles; a collision makes two)\n",
		(unsigned long long)rk->ike_rekeyed, (unsigned long long)rk->child_rekeyed);
	fprintf(f, "  started by us        %llu: IKE %llu, Child %llu; Child by the responder %llu\n",
		(unsigned long long)rk->started, (unsigned long long)rk->ike_rekeyed,
		(unsigned long long)ours_child,
		(unsigned long long)(rk->child_rekeyed > ours_child ? rk->child_rekeyed - ours_child
								    : 0));
	fprintf(f, "  rekeys per second    %.1f over the %.0f s that saw rekeys; %.0f in the busiest second\n",
		rk->rate, rk->window_s, rk->peak_rate);
	fprintf(f, "  rekey delay ms       p50 %s  p90 %s  p99 %s  max %s  (the rekeys we started, start to new SA installed; log2 buckets)\n",
		lg_bucket_str(rk->q_bucket[0], IKE_REKEY_BUCKETS, q0, sizeof(q0)),
		lg_bucket_str(rk->q_bucket[1], IKE_REKEY_BUCKETS, q1, sizeof(q1)),
		lg_bucket_str(rk->q_bucket[2], IKE_REKEY_BUCKETS, q2, sizeof(q2)),
		lg_bucket_str(rk->max_bucket, IKE_REKEY_BUCKETS, qm, sizeof(qm)));
	fprintf(f, "  failures by cause    rekeys failed %llu (of which the peer refused %llu); Child SA install failed %llu;\n"
		   "                       peers dead (no answer) %llu; TEMPORARY_FAILURE received %llu, sent %llu (retried, not failures)\n",
		(unsigned long long)rk->rekey_failed, (unsigned long long)rk->rekey_refused,
		(unsigned long long)rk->child_failed, (unsigned long long)rk->peer_dead,
		(unsigned long long)rk->temp_fail_recv, (unsigned long long)rk->temp_fail_sent);
	fprintf(f, "  lapsed               IKE SAs %lu (%lu up of %lu), Child SAs %lu (%lu of %lu)%s\n",
		rk->ike_lapsed, rk->ike_live, rk->ike_expected, rk->child_lapsed, rk->child_live,
		rk->child_expected, rk->census_ok ? "" : "  [census incomplete: a worker did not answer]");
	fprintf(f, "                       ended at their lifetime: IKE SAs %llu, Child SAs %llu; IKE SAs deleted %llu;\n"
		   "                       up IKE SAs without a Child SA %lu; replaced Child SAs not yet deleted %lu\n",
		(unsigned long long)rk->ike_expired, (unsigned long long)rk->child_expired,
		(unsigned long long)rk->ike_deleted, rk->ike_childless, rk->child_stale);
	fprintf(f, "  never rekeyed        IKE SAs %lu, Child SAs %lu (of those up now)\n", rk->ike_never,
		rk->child_never);
	fprintf(f, "  stalls               our requests retransmitted %llu; the responder's retransmits answered %llu;\n"
		   "                       our own longest event-loop round %s ms in the hold (%s ms since the start)\n",
		(unsigned long long)rk->tx_retransmit, (unsigned long long)rk->rx_retransmit,
		lg_bucket_str(rk->round_bucket, NET_ROUND_BOUNDS + 1, q0, sizeof(q0)),
		lg_bucket_str(rk->round_bucket_all, NET_ROUND_BOUNDS + 1, q1, sizeof(q1)));
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_pct(FILE *f, const char *name, const double v[5])
{
	fprintf(f, "  \"%s\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p99_9\": %.3f, \"max\": %.3f},\n",
		name, v[0], v[1], v[2], v[3], v[4]);
}

/* The hold, as "hold": {...} (keys indented by four, so json_num of bench_lib.sh skips them). */
static void json_hold(FILE *f, const struct lg_rekey *rk)
{
	fprintf(f, "  \"hold\": {\n    \"hold_s\": %.3f,\n    \"ike_rekeyed\": %llu,\n"
		   "    \"child_rekeyed\": %llu,\n    \"rekeys_started\": %llu,\n"
		   "    \"rekeys_per_s\": %.2f,\n    \"rekey_window_s\": %.0f,\n"
		   "    \"rekeys_peak_per_s\": %.0f,\n",
		rk->hold_s, (unsigned long long)rk->ike_rekeyed,
		(unsigned long long)rk->child_rekeyed, (unsigned long long)rk->started, rk->rate,
		rk->window_s, rk->peak_rate);
	/* bucket b: under 2^b ms; the quantiles as the bucket's bound (-1: no rekey) */
	fprintf(f, "    \"rekey_delay_ms_under\": {\"p50\": %lld, \"p90\": %lld, \"p99\": %lld, \"max\": %lld},\n",
		rk->q_bucket[0] < 0 ? -1LL : 1LL << rk->q_bucket[0],
		rk->q_bucket[1] < 0 ? -1LL : 1LL << rk->q_bucket[1],
		rk->q_bucket[2] < 0 ? -1LL : 1LL << rk->q_bucket[2],
		rk->max_bucket < 0 ? -1LL : 1LL << rk->max_bucket);
	fprintf(f, "    \"rekey_delay_log2_ms\": [");
	for (unsigned b = 0; b < IKE_REKEY_BUCKETS; b++)
		fprintf(f, "%s%llu", b ? ", " : "", (unsigned long long)rk->hist[b]);
	fprintf(f, "],\n    \"rekey_failed\": %llu,\n    \"rekey_refused\": %llu,\n"
		   "    \"child_failed\": %llu,\n    \"peer_dead\": %llu,\n"
		   "    \"temp_fail_received\": %llu,\n    \"temp_fail_sent\": %llu,\n"
		   "    \"ike_expired\": %llu,\n    \"child_expired\": %llu,\n"
		   "    \"ike_deleted\": %llu,\n",
		(unsigned long long)rk->rekey_failed, (unsigned long long)rk->rekey_refused,
		(unsigned long long)rk->child_failed, (unsigned long long)rk->peer_dead,
		(unsigned long long)rk->temp_fail_recv, (unsigned long long)rk->temp_fail_sent,
		(unsigned long long)rk->ike_expired, (unsigned long long)rk->child_expired,
		(unsigned long long)rk->ike_deleted);
	fprintf(f, "    \"census_ok\": %s,\n    \"ike_expected\": %lu,\n    \"ike_live\": %lu,\n"
		   "    \"ike_lapsed\": %lu,\n    \"child_expected\": %lu,\n    \"child_live\": %lu,\n"
		   "    \"child_lapsed\": %lu,\n    \"ike_never_rekeyed\": %lu,\n"
		   "    \"child_never_rekeyed\": %lu,\n    \"ike_childless\": %lu,\n"
		   "    \"child_stale\": %lu,\n",
		rk->census_ok ? "true" : "false", rk->ike_expected, rk->ike_live, rk->ike_lapsed,
		rk->child_expected, rk->child_live, rk->child_lapsed, rk->ike_never,
		rk->child_never, rk->ike_childless, rk->child_stale);
	fprintf(f, "    \"tx_retransmit\": %llu,\n    \"rx_retransmit\": %llu,\n"
		   "    \"gen_round_ms_under\": %lld,\n    \"gen_round_ms_under_since_start\": %lld,\n",
		(unsigned long long)rk->tx_retransmit, (unsigned long long)rk->rx_retransmit,
		rk->round_bucket < 0 ? -1LL : 1LL << rk->round_bucket,
		rk->round_bucket_all < 0 ? -1LL : 1LL << rk->round_bucket_all);
	fprintf(f, "    \"per_second\": [");
	for (size_t i = 0; i < rk->nseries; i++) {
		const struct lg_rekey_sample *x = &rk->series[i];
		fprintf(f, "%s\n      {\"t\": %u, \"ike_rekeyed\": %llu, \"child_rekeyed\": %llu, \"retransmits\": %llu, \"ike_up\": %llu, \"child_sas\": %llu}",
			i ? "," : "", x->t, (unsigned long long)x->ike_rekeyed,
			(unsigned long long)x->child_rekeyed, (unsigned long long)x->tx_retransmit,
			(unsigned long long)x->ike_up, (unsigned long long)x->child_sas);
	}
	fprintf(f, "\n    ]\n  },\n");
}

int lg_write_json(const char *path, const struct lg_summary *s, const struct lg_sa *sa,
		  unsigned long started, uint64_t t0, uint64_t cutoff, const char *argv_line,
		  const struct lg_rekey *rk)
{
	/* Written aside and renamed: a reader (or a kill) never sees half a file. */
	char tmp[4096];
	FILE *f;
	unsigned long nsec = 0;
	unsigned long *st = NULL, *up = NULL, *fl = NULL;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (cutoff > t0)
		nsec = (unsigned long)((cutoff - t0) / 1000000000u) + 1;
	st = calloc(nsec + 1, sizeof(*st));
	up = calloc(nsec + 1, sizeof(*up));
	fl = calloc(nsec + 1, sizeof(*fl));
	for (unsigned long i = 0; st && up && fl && i < started; i++) {
		const struct lg_sa *x = &sa[i];
		unsigned long b = (unsigned long)((x->t_start - t0) / 1000000000u);
		if (b <= nsec)
			st[b]++;
		if (before(x->t_ike, cutoff))
			up[(x->t_ike - t0) / 1000000000u]++;
		else if (before(x->t_end, cutoff))
			fl[(x->t_end - t0) / 1000000000u]++;
	}
	fprintf(f, "{\n  \"command\": ");
	json_str(f, argv_line);
	fprintf(f, ",\n  \"requested\": %lu,\n  \"started\": %lu,\n  \"ike_established\": %lu,\n"
		   "  \"child_established\": %lu,\n  \"failed\": %lu,\n  \"unfinished\": %lu,\n"
		   "  \"elapsed_s\": %.6f,\n  \"setups_per_s\": %.2f,\n  \"generator_cpu_s\": %.3f,\n",
		s->requested, s->started, s->ike_up, s->child_up, s->failed, s->unfinished,
		s->elapsed_s, s->rate, s->cpu_s);
	if (s->cp)
		fprintf(f, "  \"cp_addresses\": %lu,\n  \"cp_refused\": %lu,\n", s->cp_addrs,
			s->cp_refused);
	json_pct(f, "latency_ms", s->lat_ms);
	json_pct(f, "ike_latency_ms", s->ike_lat_ms);
	if (rk)
		json_hold(f, rk);
	fprintf(f, "  \"failures\": [");
	pthread_mutex_lock(&causes.lock);
	for (unsigned i = 0; i < causes.n; i++) {
		fprintf(f, "%s\n    {\"rc\": %u, \"count\": %lu, \"cause\": ", i ? "," : "",
			causes.v[i].rc, causes.v[i].count);
		json_str(f, causes.v[i].text);
		fputc('}', f);
	}
	pthread_mutex_unlock(&causes.lock);
	fprintf(f, "\n  ],\n  \"per_second\": [");
	for (unsigned long b = 0; st && up && fl && b < nsec; b++)
		fprintf(f, "%s\n    {\"t\": %lu, \"started\": %lu, \"established\": %lu, \"failed\": %lu}",
			b ? "," : "", b, st[b], up[b], fl[b]);
	fprintf(f, "\n  ]\n}\n");
	free(st);
	free(up);
	free(fl);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	return 0;
}

static double rel_ms(uint64_t t, uint64_t t0, uint64_t cutoff)
{
	return before(t, cutoff) ? (double)(t - t0) / 1e6 : -1;
}

int lg_write_csv(const char *path, const struct lg_sa *sa, unsigned long started, uint64_t t0,
		 uint64_t cutoff)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	/* times in ms since the generator started; -1: did not happen (before the cutoff) */
	fprintf(f, "sa,src,port,start_ms,ike_ms,child_ms,end_ms,outcome,cause\n");
	for (unsigned long i = 0; i < started; i++) {
		const struct lg_sa *s = &sa[i];
		const char *outcome = before(s->t_child, cutoff) ? "ok"
				      : before(s->t_ike, cutoff) ? "ike_only"
				      : before(s->t_end, cutoff) ? "failed"
								 : "unfinished";
		fprintf(f, "%lu,%u,%u,%.3f,%.3f,%.3f,%.3f,%s,%u\n", i, s->src, s->port,
			(double)(s->t_start - t0) / 1e6, rel_ms(s->t_ike, t0, cutoff),
			rel_ms(s->t_child, t0, cutoff), rel_ms(s->t_end, t0, cutoff), outcome,
			s->cause);
	}
	return fclose(f) == 0 ? 0 : -errno;
}
