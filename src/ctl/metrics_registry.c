/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/metrics_registry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crypto/jobq.h"
#include "ctl/metrics_collect.h"
#include "ctl/pluto.h"
#include "ike/connection.h"
#include "ike/ike_sa.h"
#include "ike/ike_stats.h"
#include "net/worker.h"
#include "sadb/kernel_queue.h"
#include "util/log.h"
#include "util/resolver.h"
#include "util/runner.h"

#ifndef SKUA_VERSION
#define SKUA_VERSION "unknown"
#endif

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- label values ---- */

static const char *const state_values[] = { "half_open", "negotiating", "established",
					    "deleting" };
enum { ST_HALF_OPEN, ST_NEGOTIATING, ST_ESTABLISHED, ST_DELETING };
static const struct metric_dim dim_state = { "state", state_values, N(state_values) };

static const struct metric_dim dim_exchange = { "exchange", ike_stats_exchange_names,
						IKE_XS_COUNT };
/* The two exchanges a setup is timed in: IKE_SA_INIT, IKE_AUTH (enum ike_stats_hist order). */
static const struct metric_dim dim_exchange_timed = { "exchange", ike_stats_hist_names,
						      IKE_HIST_SETUP };
static const struct metric_dim dim_role = { "role", ike_stats_role_names, IKE_ROLE_COUNT };
static const struct metric_dim dim_reason = { "reason", ike_stats_reason_names,
					      IKE_FAIL_COUNT };
static const struct metric_dim dim_notify = { "type", ike_stats_notify_names, IKE_NS_COUNT };

static const struct metric_dim dim_part = { "part", net_phase_names, NET_PHASES };

static const char *const direction_values[] = { "out", "in" };
static const struct metric_dim dim_direction = { "direction", direction_values,
						 N(direction_values) };
static const struct metric_ref forwarded_refs[] = { { MB_NET, NWC_FWD_OUT },
						    { MB_NET, NWC_FWD_IN } };

static const char *const drop_values[] = { "truncated", "no_marker", "no_memory", "ike" };
static const struct metric_dim dim_drop = { "reason", drop_values, N(drop_values) };
static const struct metric_ref drop_refs[] = {
	{ MB_NET, NWC_DROP_TRUNC },
	{ MB_NET, NWC_DROP_MARKER },
	{ MB_NET, NWC_DROP_NOMEM },
	{ MB_IKE, IKEC_RX_DROPPED },
};

static const char *const ike_drop_values[] = { "malformed", "ikev1", "unknown_spi", "bad_icv" };
static const struct metric_dim dim_ike_drop = { "reason", ike_drop_values, N(ike_drop_values) };
static const struct metric_ref ike_drop_refs[] = {
	{ MB_IKE, IKEC_RX_MALFORMED },
	{ MB_IKE, IKEC_RX_IKEV1 },
	{ MB_IKE, IKEC_RX_UNKNOWN_SPI },
	{ MB_IKE, IKEC_RX_BAD_ICV },
};

static const char *const outcome_values[] = { "completed", "failed" };
static const struct metric_dim dim_outcome = { "outcome", outcome_values, N(outcome_values) };
static const struct metric_ref outcome_refs[] = { { MB_IKE, IKEC_IKE_COMPLETED },
						  { MB_IKE, IKEC_IKE_FAILED } };

static const char *const rekey_values[] = { "ike", "child" };
static const struct metric_dim dim_rekey = { "sa", rekey_values, N(rekey_values) };
static const struct metric_ref rekey_refs[] = { { MB_IKE, IKEC_IKE_REKEYED },
						{ MB_IKE, IKEC_CHILD_REKEYED } };

static const char *const kernel_op_values[KERNEL_OP_KINDS] = {
	[KERNEL_OP_SA_ADD] = "sa_add",
	[KERNEL_OP_SA_UPDATE] = "sa_update",
	[KERNEL_OP_SA_DELETE] = "sa_delete",
	[KERNEL_OP_POLICY_ADD] = "policy_add",
	[KERNEL_OP_POLICY_DELETE] = "policy_delete",
	[KERNEL_OP_SPI_ALLOC] = "spi_alloc",
	[KERNEL_OP_SA_QUERY] = "sa_query",
	[KERNEL_OP_ROUTE_REPLACE] = "route_replace",
	[KERNEL_OP_ROUTE_DELETE] = "route_delete",
};
static const struct metric_dim dim_kernel_op = { "op", kernel_op_values, KERNEL_OP_KINDS };

static const uint64_t kernel_batch_bounds[KERNEL_BATCH_BOUNDS] = { 1, 2, 4, 8, 16, 32, 64 };

static const char *const log_values[] = { "written", "dropped", "suppressed" };
static const struct metric_dim dim_log = { "outcome", log_values, N(log_values) };

static const struct metric_ref expired_refs[] = { { MB_IKE, IKEC_IKE_EXPIRED },
						  { MB_IKE, IKEC_CHILD_EXPIRED } };

static const char *const temp_fail_values[] = { "received", "sent" };
static const struct metric_dim dim_temp_fail = { "direction", temp_fail_values,
						 N(temp_fail_values) };
static const struct metric_ref temp_fail_refs[] = { { MB_IKE, IKEC_TEMP_FAIL_RECV },
						    { MB_IKE, IKEC_TEMP_FAIL_SENT } };

static const char *const init_drop_values[] = { "worker_limit", "memory_ceiling" };
static const struct metric_dim dim_init_drop = { "reason", init_drop_values,
						 N(init_drop_values) };
static const struct metric_ref init_drop_refs[] = { { MB_IKE, IKEC_HALF_OPEN_WORKER_LIMITED },
						    { MB_IKE, IKEC_HALF_OPEN_LIMITED } };

static const char *const frag_values[] = { "sent", "received" };
static const struct metric_dim dim_frag = { "direction", frag_values, N(frag_values) };
static const struct metric_ref frag_refs[] = { { MB_IKE, IKEC_FRAG_SENT },
					       { MB_IKE, IKEC_FRAG_RECEIVED } };

static const char *const frag_drop_values[] = { "bad", "memory" };
static const struct metric_dim dim_frag_drop = { "reason", frag_drop_values,
						  N(frag_drop_values) };
static const struct metric_ref frag_drop_refs[] = { { MB_IKE, IKEC_FRAG_BAD },
						    { MB_IKE, IKEC_FRAG_NOMEM } };

static const char *const redirect_values[] = { "sent", "followed", "refused", "unresolved" };
static const struct metric_dim dim_redirect = { "outcome", redirect_values,
						N(redirect_values) };
static const struct metric_ref redirect_refs[] = { { MB_IKE, IKEC_REDIRECT_SENT },
						   { MB_IKE, IKEC_REDIRECT_FOLLOWED },
						   { MB_IKE, IKEC_REDIRECT_REFUSED },
						   { MB_IKE, IKEC_REDIRECT_RESOLVE_FAILED } };

/*
 * The engine's rekey delays (ike_worker.rekey_ms_log2): bucket b counts
 * the whole milliseconds below 2^b, that is at most 2^b - 1; the last
 * bucket is the rest.
 */
#define P2M1(b) ((1ull << (b)) - 1)
static const uint64_t rekey_bounds_ms[IKE_REKEY_BUCKETS - 1] = {
	P2M1(0), P2M1(1), P2M1(2), P2M1(3), P2M1(4), P2M1(5), P2M1(6), P2M1(7), P2M1(8),
	P2M1(9), P2M1(10), P2M1(11), P2M1(12), P2M1(13), P2M1(14), P2M1(15), P2M1(16),
	P2M1(17), P2M1(18),
};
_Static_assert(IKE_REKEY_BUCKETS == 20, "rekey_bounds_ms follows IKE_REKEY_BUCKETS");

/* ---- values computed from the daemon ---- */

static uint64_t atomic_u64(const _Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static uint64_t read_start_time(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->start_time;
}

static uint64_t read_workers(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->nworkers;
}

static uint64_t read_whack_requests(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->ctl ? atomic_u64(&s->ctl->whack_requests) : 0;
}

static uint64_t read_whack_malformed(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->ctl ? atomic_u64(&s->ctl->whack_malformed) : 0;
}

static uint64_t read_conns_added(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->ctl ? atomic_u64(&s->ctl->conns_added) : 0;
}

static uint64_t read_conns_deleted(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->ctl ? atomic_u64(&s->ctl->conns_deleted) : 0;
}

static uint64_t read_conns_loaded(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->conns ? sadb_conn_table_count(s->conns) : 0;
}

static uint64_t read_mailbox(const struct metrics_src *s, unsigned w, unsigned i)
{
	long n = s->pool ? mailbox_depth(&net_pool_worker(s->pool, w)->mb) : 0;
	return n > 0 ? (uint64_t)n : 0;
}

static int64_t ike_gauge(const struct metrics_src *s, unsigned w, unsigned idx)
{
	return s->block[MB_IKE] ? (int64_t)counters_get(s->block[MB_IKE], w, idx) : 0;
}

/*
 * IKE SAs by state, from the gauges the owners keep as SAs come and go:
 * every SA, established ones (deleting included), half-open responders,
 * and those whose Delete is out. The four are read one after the other
 * while the worker runs, so a difference may be off by the SA that just
 * moved: never below zero.
 */
static uint64_t read_ike_sas(const struct metrics_src *s, unsigned w, unsigned state)
{
	int64_t all = ike_gauge(s, w, IKEC_IKE_SAS), up = ike_gauge(s, w, IKEC_IKE_UP);
	int64_t half = ike_gauge(s, w, IKEC_HALF_OPEN), del = ike_gauge(s, w, IKEC_IKE_DELETING);
	int64_t v = 0;

	switch (state) {
	case ST_HALF_OPEN:
		v = half;
		break;
	case ST_NEGOTIATING:
		v = all - up - half;
		break;
	case ST_ESTABLISHED:
		v = up - del;
		break;
	case ST_DELETING:
		v = del;
		break;
	}
	return v > 0 ? (uint64_t)v : 0;
}

static uint64_t read_crypto_queue(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->jobq ? crypto_jobq_depth(s->jobq, w) : 0;
}

static uint64_t read_kernel_ops(const struct metrics_src *s, unsigned w, unsigned op)
{
	return s->kq ? atomic_u64(&s->kq->ops_kind[op]) : 0;
}

static uint64_t read_kernel_errors(const struct metrics_src *s, unsigned w, unsigned op)
{
	return s->kq ? atomic_u64(&s->kq->failed_kind[op]) : 0;
}

static uint64_t read_kernel_cancelled(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->kq ? atomic_u64(&s->kq->ops_cancelled) : 0;
}

static uint64_t read_kernel_queue(const struct metrics_src *s, unsigned w, unsigned i)
{
	long n = s->kq && s->kq->running ? kernel_queue_depth(s->kq) : 0;
	return n > 0 ? (uint64_t)n : 0;
}

static void read_rekey(const struct metrics_src *s, unsigned w, unsigned i, uint64_t *cum,
		       uint64_t *sum)
{
	const struct ike_worker *iw = s->ike && w < s->ike->nworkers ? &s->ike->w[w] : NULL;
	uint64_t run = 0;

	for (unsigned b = 0; b < IKE_REKEY_BUCKETS; b++) {
		run += iw ? atomic_u64(&iw->rekey_ms_log2[b]) : 0;
		cum[b] = run;
	}
	*sum = iw ? atomic_u64(&iw->rekey_ms_sum) : 0;
}

static uint64_t read_half_open_count(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->ike ? atomic_load_explicit(&s->ike->half_open_count, memory_order_relaxed) : 0;
}

static uint64_t read_half_open_bytes(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->ike ? atomic_u64(&s->ike->half_open_bytes) : 0;
}

static void read_kernel_batch(const struct metrics_src *s, unsigned w, unsigned i,
			      uint64_t *cum, uint64_t *sum)
{
	uint64_t run = 0;

	for (unsigned b = 0; b <= KERNEL_BATCH_BOUNDS; b++) {
		run += s->kq ? atomic_u64(&s->kq->batch_size[b]) : 0;
		cum[b] = run;
	}
	*sum = s->kq ? atomic_u64(&s->kq->batch_ops) : 0;
}

static uint64_t read_resolver_lookups(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->resolver ? atomic_u64(&s->resolver->lookups) : 0;
}

static uint64_t read_resolver_failures(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->resolver ? atomic_u64(&s->resolver->failed) : 0;
}

static uint64_t read_resolver_timeouts(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->resolver ? atomic_u64(&s->resolver->timed_out) : 0;
}

static uint64_t read_resolver_rejected(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->resolver ? atomic_u64(&s->resolver->rejected) : 0;
}

static uint64_t read_resolver_queue(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->resolver ? resolver_queued(s->resolver) : 0;
}

static uint64_t read_updown_runs(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->runner ? atomic_u64(&s->runner->jobs_done) : 0;
}

static uint64_t read_updown_failures(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->runner ? atomic_u64(&s->runner->jobs_failed) : 0;
}

static uint64_t read_updown_timeouts(const struct metrics_src *s, unsigned w, unsigned i)
{
	return s->runner ? atomic_u64(&s->runner->jobs_timed_out) : 0;
}

/* The log thread's totals (its registration lock only: never a worker's line). */
static uint64_t read_log_lines(const struct metrics_src *s, unsigned w, unsigned i)
{
	struct log_stats st;

	log_stats_get(&st);
	return i == 0 ? st.written : i == 1 ? st.dropped : st.suppressed;
}

/* ---- families whose series are known only at run time ---- */

static void collect_build_info(const struct metrics_src *s, const struct metric_family *f,
			       struct metrics_out *o)
{
	struct expo_label l = { "version", SKUA_VERSION };
	metrics_out_sample(o, f, &l, 1, 1);
}

struct conn_walk {
	struct metrics_out *o;
	const struct metric_family *f;
	bool instances;
};

static bool is_template(const struct connection *c)
{
	return ike_conn_host_kind(c, 0) == HOST_ANY || ike_conn_host_kind(c, 1) == HOST_ANY;
}

static bool one_conn(struct conn_node *n, void *ctx)
{
	struct conn_walk *cw = ctx;
	const struct connection *c = ike_connection_of(n);
	unsigned up = atomic_load_explicit(&c->children_up, memory_order_relaxed);
	struct expo_label l = { "name", c->spec->name };

	/* a template's Child SAs are its instances': counted as they come and go, no walk */
	if (is_template(c))
		up = atomic_load_explicit(&c->instances_up, memory_order_relaxed);
	if (!cw->instances)
		metrics_out_sample(cw->o, cw->f, &l, 1, up > 0);
	else if (is_template(c))
		metrics_out_sample(cw->o, cw->f, &l, 1, up);
	return true;
}

static void collect_conns(const struct metrics_src *s, const struct metric_family *f,
			  struct metrics_out *o)
{
	struct conn_walk cw = { o, f, f == &metric_families[M_CONN_INSTANCES] };

	if (!s->conns)
		return;
	rcu_read_lock();
	sadb_conn_table_each_rcu(s->conns, one_conn, &cw);
	rcu_read_unlock();
}

/* Each address pool (the registry's: every range a connection names). */
static void collect_pools(const struct metrics_src *s, const struct metric_family *f,
			  struct metrics_out *o)
{
	struct ike_pool **pools;
	size_t n;

	if (ike_pool_list(&pools, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct ike_pool_stats st;
		char name[2 * IP_ADDR_STRLEN + 2];

		ike_pool_stats(pools[i], &st);
		ike_pool_str(pools[i], name, sizeof(name));
		if (f == &metric_families[M_POOL_EXHAUSTED]) {
			struct expo_label l = { "pool", name };
			metrics_out_sample(o, f, &l, 1, st.exhausted);
		} else {
			struct expo_label in[] = { { "pool", name }, { "state", "in_use" } };
			struct expo_label fr[] = { { "pool", name }, { "state", "free" } };
			metrics_out_sample(o, f, in, 2, st.in_use);
			metrics_out_sample(o, f, fr, 2, st.size - st.in_use);
		}
		ike_pool_unref(pools[i]);
	}
	free(pools);
}

struct sa_walk {
	struct metrics_out *o;
	const struct metric_family *f;
	uint64_t now;
};

static bool one_sa(const struct ike_sa_pub *p, void *ctx)
{
	struct sa_walk *sw = ctx;
	char worker[12], serial[24];

	snprintf(worker, sizeof(worker), "%u", p->worker);
	snprintf(serial, sizeof(serial), "%llu", (unsigned long long)p->serial);
	struct expo_label l[] = {
		{ "worker", worker },
		{ "serial", serial },
		{ "connection", p->conn },
		{ "peer", p->peer },
		{ "role", p->initiator ? "initiator" : "responder" },
		{ "state", ike_state_name(atomic_load_explicit(&p->state, memory_order_relaxed)) },
	};
	metrics_out_sample(sw->o, sw->f, l, N(l),
			   sw->now > p->established_wall ? sw->now - p->established_wall : 0);
	return true;
}

static void collect_sas(const struct metrics_src *s, const struct metric_family *f,
			struct metrics_out *o)
{
	struct sa_walk sw = { o, f, (uint64_t)time(NULL) };

	if (!s->per_sa || !s->ike)
		return;
	rcu_read_lock();
	ike_stats_each_pub_rcu(s->ike, one_sa, &sw);
	rcu_read_unlock();
}

/* ---- the registry ---- */

#define WORKER_COUNTER(nm, hlp, idx, blk) \
	{ .name = nm, .help = hlp, .type = METRIC_COUNTER, .per_worker = true, .block = blk, \
	  .base = idx }
#define WORKER_GAUGE(nm, hlp, idx, blk) \
	{ .name = nm, .help = hlp, .type = METRIC_GAUGE, .per_worker = true, .block = blk, \
	  .base = idx }

const struct metric_family metric_families[M_COUNT] = {
	/* the process */
	[M_BUILD_INFO] = { .name = "skua_build_info", .type = METRIC_GAUGE,
		.help = "Always 1; the version label says which Skua pluto this is.",
		.collect = collect_build_info },
	[M_START_TIME] = { .name = "skua_process_start_time_seconds", .type = METRIC_GAUGE,
		.help = "When pluto started, in seconds since the Unix epoch.",
		.read = read_start_time },
	[M_WORKERS] = { .name = "skua_workers", .type = METRIC_GAUGE,
		.help = "Worker threads (--nhelpers).", .read = read_workers },
	[M_WHACK_REQUESTS] = { .name = "skua_whack_requests_total", .type = METRIC_COUNTER,
		.help = "whack requests received on the control socket.",
		.read = read_whack_requests },
	[M_WHACK_MALFORMED] = { .name = "skua_whack_malformed_total", .type = METRIC_COUNTER,
		.help = "whack requests refused as malformed.", .read = read_whack_malformed },
	[M_CONNS_LOADED] = { .name = "skua_connections", .type = METRIC_GAUGE,
		.help = "Connections loaded.", .read = read_conns_loaded },
	[M_CONNS_ADDED] = { .name = "skua_connections_added_total", .type = METRIC_COUNTER,
		.help = "Connections added (whack --name ... or ipsec.conf).",
		.read = read_conns_added },
	[M_CONNS_DELETED] = { .name = "skua_connections_deleted_total", .type = METRIC_COUNTER,
		.help = "Connections deleted.", .read = read_conns_deleted },
	[M_CONN_UP] = { .name = "skua_connection_up", .type = METRIC_GAUGE,
		.help = "Per connection: 1 while at least one of its Child SAs is installed, else 0.",
		.collect = collect_conns },
	[M_CONN_INSTANCES] = { .name = "skua_connection_instances", .type = METRIC_GAUGE,
		.help = "Per %any (road warrior) connection: the Child SAs installed for it, one "
			"per client.",
		.collect = collect_conns },

	/* datagrams */
	[M_DGRAM_RX] = WORKER_COUNTER("skua_datagrams_received_total",
		"UDP datagrams received on the worker's IKE sockets.", NWC_RX, MB_NET),
	[M_DGRAM_TX] = WORKER_COUNTER("skua_datagrams_sent_total",
		"UDP datagrams sent by the worker.", NWC_TX, MB_NET),
	[M_DGRAM_RX_BYTES] = WORKER_COUNTER("skua_datagrams_received_bytes_total",
		"Bytes of the UDP datagrams received (non-ESP marker included).", NWC_RX_BYTES,
		MB_NET),
	[M_DGRAM_TX_BYTES] = WORKER_COUNTER("skua_datagrams_sent_bytes_total",
		"Bytes of the UDP datagrams sent (non-ESP marker excluded).", NWC_TX_BYTES,
		MB_NET),
	[M_DGRAM_TX_ERRORS] = WORKER_COUNTER("skua_datagram_send_errors_total",
		"Datagrams the worker failed to send.", NWC_TX_ERR, MB_NET),
	[M_DGRAM_TX_CALLS] = WORKER_COUNTER("skua_datagram_send_calls_total",
		"sendmmsg() calls that sent the worker's datagrams: what one round of its loop "
		"sends leaves in one call per socket.", NWC_TX_CALLS, MB_NET),
	[M_WORKER_GATHERED] = WORKER_COUNTER("skua_worker_gathered_rounds_total",
		"Rounds of the worker's loop that slept 1 ms before reading, to read, answer and "
		"send together what came in that time: the worker had been idle less than that.",
		NWC_GATHERED, MB_NET),
	[M_DGRAM_FORWARDED] = { .name = "skua_datagrams_forwarded_total", .type = METRIC_COUNTER,
		.help = "Datagrams that reached a worker other than their owner, forwarded out "
			"to the owner or in from another worker.",
		.per_worker = true, .dims = { &dim_direction }, .refs = forwarded_refs },
	[M_DGRAM_HANDLED] = WORKER_COUNTER("skua_datagrams_handled_total",
		"Datagrams handed to the IKE engine by their owner worker.", NWC_HANDLED, MB_NET),
	[M_DGRAM_DROPPED] = { .name = "skua_datagrams_dropped_total", .type = METRIC_COUNTER,
		.help = "Datagrams dropped: longer than the buffer, no non-ESP marker on the NAT-T "
			"port, no memory to forward, or refused by the IKE engine (reason ike).",
		.per_worker = true, .dims = { &dim_drop }, .refs = drop_refs },
	[M_IKE_DROPPED] = { .name = "skua_ike_messages_dropped_total", .type = METRIC_COUNTER,
		.help = "Some of the IKE messages dropped (reason ike of "
			"skua_datagrams_dropped_total): undecodable, IKEv1, unknown SPI, failed "
			"integrity check.",
		.per_worker = true, .dims = { &dim_ike_drop }, .refs = ike_drop_refs },
	[M_ERRQUEUE] = WORKER_COUNTER("skua_socket_errqueue_messages_total",
		"Socket error-queue messages read (whack --ike-socket-errqueue-toggle).",
		NWC_ERRQUEUE, MB_NET),
	[M_TIMERS] = WORKER_GAUGE("skua_worker_timers", "Timers armed on the worker.",
		NWC_TIMERS, MB_NET),
	[M_MAILBOX] = { .name = "skua_worker_mailbox_depth", .type = METRIC_GAUGE,
		.help = "Mails waiting for the worker (forwarded datagrams, crypto and kernel "
			"answers, commands).",
		.per_worker = true, .read = read_mailbox },
	[M_WORKER_ROUNDS] = { .name = "skua_worker_round_duration_seconds",
		.type = METRIC_HISTOGRAM,
		.help = "Rounds of the worker's event loop, from waking up to waiting again (wall "
			"clock, preemption included; whole milliseconds): it answers nothing during "
			"one, so a long one is a stall.",
		.per_worker = true, .block = MB_NET, .base = NWC_ROUND_MS,
		.bounds = net_round_bounds_ms, .nbounds = NET_ROUND_BOUNDS, .unit = 1e-3 },
	[M_WORKER_LOOP] = { .name = "skua_worker_loop_seconds_total", .type = METRIC_COUNTER,
		.help = "Where the worker's event loop spends its rounds (wall clock, preemption "
			"included; the waits in none): part receive (recvmmsg), datagrams "
			"(handling them: the IKE engine, IKE_AUTH's own cryptography), crypto "
			"(the key exchanges queued in a burst), mail, timers, idle (crypto stolen "
			"from other workers), send (sendmmsg).",
		.per_worker = true, .dims = { &dim_part }, .block = MB_NET, .base = NWC_PHASE_NS,
		.unit = 1e-9 },

	/* IKE SAs */
	[M_IKE_SAS] = { .name = "skua_ike_sas", .type = METRIC_GAUGE,
		.help = "IKE SAs the worker owns, by state: half-open (responder, before IKE_AUTH), "
			"negotiating (initiator), established, deleting.",
		.per_worker = true, .dims = { &dim_state }, .read = read_ike_sas },
	[M_IKE_STARTED] = WORKER_COUNTER("skua_ike_sas_started_total",
		"IKE SAs created, as initiator or responder.", IKEC_IKE_STARTED, MB_IKE),
	[M_IKE_ESTABLISHED] = { .name = "skua_ike_sas_established_total",
		.type = METRIC_COUNTER,
		.help = "IKE SAs established, by the exchange that established them and our role.",
		.per_worker = true, .dims = { &dim_exchange, &dim_role }, .block = MB_IKE,
		.base = IKEC_ESTABLISHED_BY },
	[M_IKE_FAILURES] = { .name = "skua_ike_sa_failures_total", .type = METRIC_COUNTER,
		.help = "IKE SA negotiations that failed, by exchange, role and reason (the error "
			"notify received or sent, or a local cause); IKE_SA_INIT requests refused "
			"without state count as responder failures.",
		.per_worker = true, .dims = { &dim_exchange, &dim_role, &dim_reason },
		.block = MB_IKE, .base = IKEC_FAILED_BY },
	[M_IKE_FINISHED] = { .name = "skua_ike_sas_finished_total", .type = METRIC_COUNTER,
		.help = "IKE SAs gone: after being established (completed) or without (failed).",
		.per_worker = true, .dims = { &dim_outcome }, .refs = outcome_refs },
	[M_IKE_DELETED] = WORKER_COUNTER("skua_ike_sas_deleted_total",
		"Established IKE SAs deleted (a Delete sent or received, or their lifetime ended).",
		IKEC_IKE_DELETED, MB_IKE),
	[M_IKE_AUTH_FAILURES] = WORKER_COUNTER("skua_ike_authentication_failures_total",
		"IKE_AUTH exchanges whose AUTH did not verify, or whose peer no connection "
		"accepts.", IKEC_AUTH_FAILED, MB_IKE),
	[M_IKE_SETUP_SECONDS] = { .name = "skua_ike_setup_duration_seconds",
		.type = METRIC_HISTOGRAM,
		.help = "Time from an IKE SA's start to the end of its negotiation, its first Child "
			"SA included (established SAs only).",
		.per_worker = true, .dims = { &dim_role }, .block = MB_IKE,
		.base = IKEC_HIST + IKE_HIST_SETUP * IKE_ROLE_COUNT * (IKE_HIST_BOUNDS + 2),
		.bounds = ike_stats_hist_bounds_us, .nbounds = IKE_HIST_BOUNDS, .unit = 1e-6 },
	[M_IKE_EXCHANGE_SECONDS] = { .name = "skua_ike_exchange_duration_seconds",
		.type = METRIC_HISTOGRAM,
		.help = "Time of the IKE_SA_INIT and IKE_AUTH exchanges of the IKE SAs that got "
			"through them (initiator: from the SA's start, and from our IKE_AUTH request; "
			"responder: from the peer's request).",
		.per_worker = true, .dims = { &dim_exchange_timed, &dim_role }, .block = MB_IKE,
		.base = IKEC_HIST, .bounds = ike_stats_hist_bounds_us,
		.nbounds = IKE_HIST_BOUNDS, .unit = 1e-6 },

	/* Child SAs */
	[M_CHILD_SAS] = WORKER_GAUGE("skua_child_sas", "Child SAs installed.", IKEC_CHILD_SAS,
		MB_IKE),
	[M_CHILD_STARTED] = WORKER_COUNTER("skua_child_sas_started_total",
		"Child SAs negotiated (created).", IKEC_CHILD_STARTED, MB_IKE),
	[M_CHILD_INSTALLED] = WORKER_COUNTER("skua_child_sas_installed_total",
		"Child SAs installed (in the kernel, or with --use-none negotiated).",
		IKEC_CHILD_ESTABLISHED, MB_IKE),
	[M_CHILD_FAILED] = WORKER_COUNTER("skua_child_sas_failed_total",
		"Child SAs refused by the peer or the kernel.", IKEC_CHILD_FAILED, MB_IKE),
	[M_CHILD_DELETED] = WORKER_COUNTER("skua_child_sas_deleted_total",
		"Installed Child SAs taken down.", IKEC_CHILD_DELETED, MB_IKE),
	[M_CHILD_FINISHED] = WORKER_COUNTER("skua_child_sas_finished_total",
		"Child SAs gone, installed or not.", IKEC_CHILD_FINISHED, MB_IKE),
	[M_CHILD_ENCAP] = WORKER_COUNTER("skua_child_sas_udp_encapsulated_total",
		"Child SAs installed with ESP in UDP (a NAT was detected).", IKEC_CHILD_ENCAP,
		MB_IKE),
	[M_REKEYS] = { .name = "skua_rekeys_total", .type = METRIC_COUNTER,
		.help = "SAs rekeyed in place with CREATE_CHILD_SA: IKE SAs, Child SAs.",
		.per_worker = true, .dims = { &dim_rekey }, .refs = rekey_refs },
	[M_REKEY_SECONDS] = { .name = "skua_rekey_duration_seconds", .type = METRIC_HISTOGRAM,
		.help = "Rekeys this worker started, from the start of the exchange to the new SA "
			"installed (whole milliseconds).",
		.per_worker = true, .bounds = rekey_bounds_ms, .nbounds = IKE_REKEY_BUCKETS - 1,
		.unit = 1e-3, .read_hist = read_rekey },
	[M_IKE_REPLACED] = WORKER_COUNTER("skua_ike_sas_replaced_total",
		"IKE SAs rekeyed by replacement: a new IKE SA and Child SA negotiated from "
		"scratch (the peer refused a rekey in place, or --rekey by replacement).",
		IKEC_IKE_REPLACED, MB_IKE),
	[M_UNIQUEIDS_REPLACED] = WORKER_COUNTER("skua_ike_sas_uniqueids_replaced_total",
		"IKE SAs deleted because their client authenticated again with the same ID "
		"(--uniqueids): the new IKE SA replaced them.",
		IKEC_UNIQUEIDS_REPLACED, MB_IKE),
	[M_PEERS_DEAD] = WORKER_COUNTER("skua_ike_peers_dead_total",
		"Peers declared dead (liveness checks unanswered, whack --crash).",
		IKEC_PEER_DEAD, MB_IKE),
	[M_REKEYS_FAILED] = WORKER_COUNTER("skua_rekeys_failed_total",
		"Rekeys this end started (IKE or Child SA) that ended without a new SA, whatever "
		"the cause.",
		IKEC_REKEY_FAILED, MB_IKE),
	[M_REKEYS_REFUSED] = WORKER_COUNTER("skua_rekeys_refused_total",
		"Of the failed rekeys, those the peer answered with an error (after any "
		"TEMPORARY_FAILURE retries).",
		IKEC_REKEY_REFUSED, MB_IKE),
	[M_TEMP_FAILURES] = { .name = "skua_temporary_failures_total", .type = METRIC_COUNTER,
		.help = "TEMPORARY_FAILURE answers to CREATE_CHILD_SA, received (retried after a "
			"back-off) and sent.",
		.per_worker = true, .dims = { &dim_temp_fail }, .refs = temp_fail_refs },
	[M_SAS_EXPIRED] = { .name = "skua_sas_expired_total", .type = METRIC_COUNTER,
		.help = "SAs deleted at the end of their lifetime instead of being rekeyed (the "
			"normal end with --dontrekey): IKE SAs, Child SAs.",
		.per_worker = true, .dims = { &dim_rekey }, .refs = expired_refs },

	/* protocol events */
	[M_COOKIES_SENT] = WORKER_COUNTER("skua_ike_cookies_sent_total",
		"COOKIE notifies sent in answer to IKE_SA_INIT requests while busy.",
		IKEC_COOKIES_SENT, MB_IKE),
	[M_COOKIES_VERIFIED] = WORKER_COUNTER("skua_ike_cookies_verified_total",
		"IKE_SA_INIT requests whose cookie we checked and accepted while busy.",
		IKEC_COOKIES_VERIFIED, MB_IKE),
	[M_COOKIES_RECEIVED] = WORKER_COUNTER("skua_ike_cookies_received_total",
		"COOKIE notifies received as initiator (the responder was busy).",
		IKEC_COOKIES_RECEIVED, MB_IKE),
	[M_INVALID_KE_SENT] = WORKER_COUNTER("skua_ike_invalid_ke_sent_total",
		"INVALID_KE_PAYLOAD notifies sent (the initiator guessed another group).",
		IKEC_INVALID_KE_SENT, MB_IKE),
	[M_INVALID_KE_RECEIVED] = WORKER_COUNTER("skua_ike_invalid_ke_received_total",
		"INVALID_KE_PAYLOAD notifies received as initiator.", IKEC_INVALID_KE_RECEIVED,
		MB_IKE),
	[M_INVALID_KE_RETRIES] = WORKER_COUNTER("skua_ike_invalid_ke_retries_total",
		"IKE_SA_INIT requests sent again with the group an INVALID_KE_PAYLOAD asked for.",
		IKEC_INVALID_KE_RETRIED, MB_IKE),
	[M_NOTIFIES_SENT] = { .name = "skua_ike_notifies_sent_total", .type = METRIC_COUNTER,
		.help = "Error and COOKIE notifies sent, by type.",
		.per_worker = true, .dims = { &dim_notify }, .block = MB_IKE,
		.base = IKEC_NOTIFY_SENT },
	[M_MAJOR_VERSION_SENT] = WORKER_COUNTER("skua_ike_invalid_major_version_sent_total",
		"INVALID_MAJOR_VERSION answers to requests of another IKE version.",
		IKEC_MAJOR_VERSION_SENT, MB_IKE),
	[M_CRITICAL_SENT] = WORKER_COUNTER("skua_ike_unsupported_critical_sent_total",
		"UNSUPPORTED_CRITICAL_PAYLOAD answers.", IKEC_CRITICAL_SENT, MB_IKE),
	[M_KE_REFUSED] = WORKER_COUNTER("skua_ike_ke_refused_total",
		"Peer KE values refused as invalid (RFC 6989, RFC 8031 2.3).", IKEC_KE_REFUSED,
		MB_IKE),
	[M_INIT_DROPPED] = { .name = "skua_ike_sa_init_dropped_total", .type = METRIC_COUNTER,
		.help = "IKE_SA_INIT requests dropped without an answer: the worker holds its share "
			"of max-halfopen-ike, or half-open SAs hold the memory ceiling.",
		.per_worker = true, .dims = { &dim_init_drop }, .refs = init_drop_refs },
	[M_ADDR_COOKIES] = WORKER_COUNTER("skua_ike_address_cookies_total",
		"IKE_SA_INIT requests asked for a cookie because their address holds its cap of "
		"half-open SAs (those that return it are admitted beyond the cap).",
		IKEC_HALF_OPEN_ADDR_LIMITED, MB_IKE),
	[M_BACKLOG_COOKIES] = WORKER_COUNTER("skua_ike_backlog_cookies_total",
		"IKE_SA_INIT requests asked for a cookie because they waited 50 ms or more in "
		"their socket's queue (their worker was behind): key exchanges only for peers "
		"that see our answers.",
		IKEC_BACKLOG_COOKIES, MB_IKE),
	[M_FRAGMENTS] = { .name = "skua_ike_fragments_total", .type = METRIC_COUNTER,
		.help = "IKEv2 fragments (RFC 7383) sent, and received (authenticated and kept).",
		.per_worker = true, .dims = { &dim_frag }, .refs = frag_refs },
	[M_FRAGMENTS_DROPPED] = { .name = "skua_ike_fragments_dropped_total",
		.type = METRIC_COUNTER,
		.help = "IKEv2 fragments dropped: failed integrity or bad numbers, or the worker's "
			"reassembly memory was full.",
		.per_worker = true, .dims = { &dim_frag_drop }, .refs = frag_drop_refs },
	[M_FRAGMENTS_REASSEMBLED] = WORKER_COUNTER("skua_ike_fragments_reassembled_total",
		"IKEv2 messages put together from fragments.", IKEC_FRAG_REASSEMBLED, MB_IKE),
	[M_REDIRECTS] = { .name = "skua_ike_redirects_total", .type = METRIC_COUNTER,
		.help = "IKEv2 redirects (RFC 5685): REDIRECT notifies sent; as a client, "
			"redirects followed, refused, and not followed for a gateway name that "
			"did not resolve.",
		.per_worker = true, .dims = { &dim_redirect }, .refs = redirect_refs },
	[M_HALF_OPEN_SAS] = { .name = "skua_ike_half_open_sas", .type = METRIC_GAUGE,
		.help = "Half-open IKE SAs, daemon-wide (cookies from ddos-ike-threshold on, "
			"new ones dropped at max-halfopen-ike).",
		.read = read_half_open_count },
	[M_ANSWERS_LIMITED] = WORKER_COUNTER("skua_ike_answers_rate_limited_total",
		"Answers to unknown senders not sent: over the per-worker rate limit.",
		IKEC_ANSWERS_LIMITED, MB_IKE),
	[M_HALF_OPEN_BYTES] = { .name = "skua_ike_half_open_bytes", .type = METRIC_GAUGE,
		.help = "Memory the half-open IKE SAs hold, daemon-wide (cookies are asked above "
			"the budget, new ones dropped at the ceiling).",
		.read = read_half_open_bytes },
	[M_RETRANSMITS_SENT] = WORKER_COUNTER("skua_ike_retransmits_total",
		"Requests of ours sent again for want of an answer.", IKEC_TX_RETRANSMIT, MB_IKE),
	[M_RETRANSMITS_ANSWERED] = WORKER_COUNTER("skua_ike_retransmits_answered_total",
		"Retransmitted requests of a peer answered again from the response cache.",
		IKEC_RX_RETRANSMIT, MB_IKE),
	[M_BEYOND_WINDOW] = WORKER_COUNTER("skua_ike_requests_beyond_window_total",
		"Requests of a peer beyond our IKEv2 message ID window (--ike-window), dropped.",
		IKEC_RX_BEYOND_WINDOW, MB_IKE),

	/* crypto */
	[M_CRYPTO_SUBMITTED] = WORKER_COUNTER("skua_crypto_jobs_submitted_total",
		"Crypto jobs (key exchange, derivation) the worker queued.", CRYPTO_JOBQ_SUBMITTED,
		MB_CRYPTO),
	[M_CRYPTO_RUN] = WORKER_COUNTER("skua_crypto_jobs_run_total",
		"Crypto jobs the worker ran, its own or stolen.", CRYPTO_JOBQ_RUN, MB_CRYPTO),
	[M_CRYPTO_STOLEN] = WORKER_COUNTER("skua_crypto_jobs_stolen_total",
		"Crypto jobs the worker took from a busier worker's queue.", CRYPTO_JOBQ_STOLEN,
		MB_CRYPTO),
	[M_CRYPTO_COMPLETED] = WORKER_COUNTER("skua_crypto_jobs_completed_total",
		"Crypto job results the worker applied (as the SA's owner).", CRYPTO_JOBQ_DONE,
		MB_CRYPTO),
	[M_CRYPTO_QUEUE] = { .name = "skua_crypto_queue_depth", .type = METRIC_GAUGE,
		.help = "Crypto jobs waiting in the worker's queue.", .per_worker = true,
		.read = read_crypto_queue },

	/* the kernel thread */
	[M_KERNEL_OPS] = { .name = "skua_kernel_operations_total", .type = METRIC_COUNTER,
		.help = "Kernel operations answered, by type.", .dims = { &dim_kernel_op },
		.read = read_kernel_ops },
	[M_KERNEL_ERRORS] = { .name = "skua_kernel_operation_errors_total",
		.type = METRIC_COUNTER,
		.help = "Kernel operations that failed (cancellations at shutdown included), by type.",
		.dims = { &dim_kernel_op }, .read = read_kernel_errors },
	[M_KERNEL_CANCELLED] = { .name = "skua_kernel_operations_cancelled_total",
		.type = METRIC_COUNTER, .help = "Kernel operations cancelled by a stop.",
		.read = read_kernel_cancelled },
	[M_KERNEL_QUEUE] = { .name = "skua_kernel_queue_depth", .type = METRIC_GAUGE,
		.help = "Kernel operations waiting for the kernel thread.",
		.read = read_kernel_queue },
	[M_KERNEL_BATCH] = { .name = "skua_kernel_batch_operations", .type = METRIC_HISTOGRAM,
		.help = "Operations handed to the kernel backend per call (netlink batching).",
		.bounds = kernel_batch_bounds, .nbounds = KERNEL_BATCH_BOUNDS, .unit = 1,
		.read_hist = read_kernel_batch },

	/* the resolver thread (gateway names of REDIRECTs, util/resolver.h) */
	[M_RESOLVER_LOOKUPS] = { .name = "skua_resolver_lookups_total", .type = METRIC_COUNTER,
		.help = "Gateway names the resolver thread answered, whatever the outcome.",
		.read = read_resolver_lookups },
	[M_RESOLVER_FAILURES] = { .name = "skua_resolver_failures_total",
		.type = METRIC_COUNTER,
		.help = "Gateway names answered with an error (no such name, no address, timeouts "
			"included): the redirect was not followed.",
		.read = read_resolver_failures },
	[M_RESOLVER_TIMEOUTS] = { .name = "skua_resolver_timeouts_total",
		.type = METRIC_COUNTER,
		.help = "Gateway names not resolved within the resolver's timeout (5 s).",
		.read = read_resolver_timeouts },
	[M_RESOLVER_REJECTED] = { .name = "skua_resolver_rejected_total",
		.type = METRIC_COUNTER,
		.help = "Gateway names refused before lookup: not a host name, or the queue full.",
		.read = read_resolver_rejected },
	[M_RESOLVER_QUEUE] = { .name = "skua_resolver_queue_depth", .type = METRIC_GAUGE,
		.help = "Gateway names waiting for the resolver thread's answer.",
		.read = read_resolver_queue },

	/* updown */
	[M_UPDOWN_RUNS] = { .name = "skua_updown_runs_total", .type = METRIC_COUNTER,
		.help = "updown commands run.", .read = read_updown_runs },
	[M_UPDOWN_FAILURES] = { .name = "skua_updown_failures_total", .type = METRIC_COUNTER,
		.help = "updown commands that exited non-zero, were killed or could not run.",
		.read = read_updown_failures },
	[M_UPDOWN_TIMEOUTS] = { .name = "skua_updown_timeouts_total", .type = METRIC_COUNTER,
		.help = "updown commands killed for running too long.",
		.read = read_updown_timeouts },
	[M_UPDOWN_DELAYED] = WORKER_COUNTER("skua_updown_delayed_total",
		"updown commands that waited in their worker for room in the runner's queue "
		"(none is ever skipped; the Child SA completes when its up- has run).",
		IKEC_UPDOWN_DELAYED, MB_IKE),
	[M_UPDOWN_WAITING] = WORKER_GAUGE("skua_updown_waiting",
		"updown commands waiting in the workers for room in the runner's queue.",
		IKEC_UPDOWN_WAITING, MB_IKE),

	/* logging */
	[M_LOG_LINES] = { .name = "skua_log_lines_total", .type = METRIC_COUNTER,
		.help = "Log lines written, lost to a full buffer, or held back by a rate limit "
			"(the \"suppressed N similar messages\" lines count them).",
		.dims = { &dim_log }, .read = read_log_lines },

	/* address pools */
	[M_POOL_LEASES] = { .name = "skua_pool_leases", .type = METRIC_GAUGE,
		.help = "Address pool addresses by pool (FIRST-LAST) and state: in_use (leased "
			"now), free (the rest, lingering bindings included).",
		.collect = collect_pools },
	[M_POOL_EXHAUSTED] = { .name = "skua_pool_exhausted_total", .type = METRIC_COUNTER,
		.help = "Leases a pool refused for want of an address (the client was answered "
			"INTERNAL_ADDRESS_FAILURE).",
		.collect = collect_pools },

	/* per SA, with --metrics-per-sa */
	[M_IKE_SA_SECONDS] = { .name = "skua_ike_sa_established_seconds", .type = METRIC_GAUGE,
		.help = "Per established IKE SA (pluto --metrics-per-sa): seconds since it was "
			"established.",
		.collect = collect_sas },
};

/* libreswan 4.10's whack --globalstatus keys, in its order (tests/data/lsw_globalstatus.txt). */
#define T(f, s) { (f), (s), 1 }
#define MINUS(f, s) { (f), (s), -1 }
#define END { -1, 0, 0 }
#define NOTIFY(n) { "total.ikev2.sent.notifies.error." #n, { T(M_NOTIFIES_SENT, IKE_NS_##n), END } }

const struct metric_lsw_key metric_lsw_keys[] = {
	{ "current.states.all", { T(M_IKE_SAS, METRIC_ALL), T(M_CHILD_SAS, METRIC_ALL), END } },
	{ "current.states.ipsec", { T(M_CHILD_SAS, METRIC_ALL), END } },
	{ "current.states.ike", { T(M_IKE_SAS, METRIC_ALL), END } },
	{ "current.states.iketype.authenticated",
	  { T(M_IKE_SAS, ST_ESTABLISHED), T(M_IKE_SAS, ST_DELETING), END } },
	{ "current.states.iketype.halfopen", { T(M_IKE_SAS, ST_HALF_OPEN), END } },
	{ "current.states.iketype.open", { T(M_IKE_SAS, ST_NEGOTIATING), END } },
	{ "current.states.enumerate.STATE_V2_ESTABLISHED_IKE_SA",
	  { T(M_IKE_SAS, ST_ESTABLISHED), END } },
	{ "current.states.enumerate.STATE_V2_ESTABLISHED_CHILD_SA",
	  { T(M_CHILD_SAS, METRIC_ALL), END } },
	{ "current.states.enumerate.STATE_V2_IKE_SA_DELETE", { T(M_IKE_SAS, ST_DELETING), END } },
	{ "total.ipsec.type.all", { T(M_CHILD_INSTALLED, METRIC_ALL), END } },
	{ "total.ipsec.type.esp", { T(M_CHILD_INSTALLED, METRIC_ALL), END } },
	{ "total.ipsec.type.encap", { T(M_CHILD_ENCAP, METRIC_ALL), END } },
	{ "total.ipsec.type.non_encap",
	  { T(M_CHILD_INSTALLED, METRIC_ALL), MINUS(M_CHILD_ENCAP, METRIC_ALL), END } },
	{ "total.ike.ikev2.established", { T(M_IKE_ESTABLISHED, METRIC_ALL), END } },
	{ "total.ike.ikev2.failed", { T(M_IKE_FINISHED, 1), END } },
	{ "total.ike.ikev2.completed", { T(M_IKE_FINISHED, 0), END } },
	{ "total.ikev2.ike.started", { T(M_IKE_STARTED, METRIC_ALL), END } },
	{ "total.ikev2.ike.established", { T(M_IKE_ESTABLISHED, METRIC_ALL), END } },
	{ "total.ikev2.ike.finished", { T(M_IKE_FINISHED, METRIC_ALL), END } },
	{ "total.ikev2.child.started", { T(M_CHILD_STARTED, METRIC_ALL), END } },
	{ "total.ikev2.child.established", { T(M_CHILD_INSTALLED, METRIC_ALL), END } },
	{ "total.ikev2.child.finished", { T(M_CHILD_FINISHED, METRIC_ALL), END } },
	{ "total.ike.traffic.in", { T(M_DGRAM_RX_BYTES, METRIC_ALL), END } },
	{ "total.ike.traffic.out", { T(M_DGRAM_TX_BYTES, METRIC_ALL), END } },
	{ "total.ikev2.sent.notifies.error.UNSUPPORTED_CRITICAL_PAYLOAD",
	  { T(M_CRITICAL_SENT, METRIC_ALL), END } },
	{ "total.ikev2.sent.notifies.error.INVALID_MAJOR_VERSION",
	  { T(M_MAJOR_VERSION_SENT, METRIC_ALL), END } },
	NOTIFY(INVALID_SYNTAX),
	NOTIFY(NO_PROPOSAL_CHOSEN),
	NOTIFY(INVALID_KE_PAYLOAD),
	NOTIFY(AUTHENTICATION_FAILED),
	NOTIFY(NO_ADDITIONAL_SAS),
	NOTIFY(TS_UNACCEPTABLE),
	NOTIFY(TEMPORARY_FAILURE),
	{ "total.ikev2.recv.notifies.error.INVALID_KE_PAYLOAD",
	  { T(M_INVALID_KE_RECEIVED, METRIC_ALL), END } },
	{ "total.ikev2.sent.notifies.status.COOKIE", { T(M_COOKIES_SENT, METRIC_ALL), END } },
	{ "total.ikev2.recv.notifies.status.COOKIE", { T(M_COOKIES_RECEIVED, METRIC_ALL), END } },
};

const unsigned metric_nlsw_keys = N(metric_lsw_keys);

unsigned metric_family_nseries(const struct metric_family *f)
{
	unsigned n = 1;

	for (unsigned d = 0; d < METRIC_MAX_DIMS && f->dims[d]; d++)
		n *= f->dims[d]->n;
	return n;
}

void metric_family_split(const struct metric_family *f, unsigned s, unsigned idx[METRIC_MAX_DIMS])
{
	int last = -1;

	for (unsigned d = 0; d < METRIC_MAX_DIMS; d++) {
		idx[d] = 0;
		if (f->dims[d])
			last = (int)d;
	}
	for (int d = last; d >= 0; d--) {
		idx[d] = s % f->dims[d]->n;
		s /= f->dims[d]->n;
	}
}

unsigned metric_family_series(const struct metric_family *f, const unsigned *idx)
{
	unsigned s = 0;

	for (unsigned d = 0; d < METRIC_MAX_DIMS && f->dims[d]; d++)
		s = s * f->dims[d]->n + idx[d];
	return s;
}
