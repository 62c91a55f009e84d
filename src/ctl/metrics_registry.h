/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_METRICS_REGISTRY_H
#define SKUA_CTL_METRICS_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The one named registry of everything pluto counts. Each family has its
 * name, help text, type, labels and where its values live; the metrics
 * endpoint (ctl/metrics_http.c), whack --globalstatus and --clearstats
 * (ctl/metrics_status.c) and the tests all read these tables. Naming
 * follows Prometheus' conventions: the skua_ prefix, _total on counters,
 * base units (_seconds, _bytes).
 *
 * Values are read as they are: per-worker counters (util/counters.h, one
 * writer each) and gauges the owners keep up to date as SAs come and go,
 * so a read costs the same with 1 SA or 1,000,000. Only the families
 * with a collect function (per connection, per SA) grow with the
 * configuration, and the per-SA one is off unless asked for.
 */

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

/* The counter blocks a family may read. */
enum metric_block {
	MB_NONE,	/* a read function computes the value */
	MB_NET,		/* the workers' datagram counters (enum net_worker_counter) */
	MB_IKE,		/* the workers' IKE counters (enum ike_counter) */
	MB_CRYPTO,	/* the workers' crypto job counters (enum crypto_jobq_counter) */
	MB_COUNT,
};

/* One label and the values it takes, in series order. */
struct metric_dim {
	const char *label;
	const char *const *values;
	unsigned n;
};

/* One counter: block and index. */
struct metric_ref {
	uint8_t block;
	uint16_t idx;
};

enum { METRIC_MAX_DIMS = 3, METRIC_MAX_BOUNDS = 32 };

struct metrics_src;
struct metrics_out;
struct metric_family;

/*
 * A family. Its series are the product of its dims (the first varies
 * slowest), and, when per_worker, once more for each worker (label
 * worker="N", first). Series s of worker w reads:
 *   refs       refs[s] (each series may live anywhere), else
 *   block      counter base + s (histograms: base + s * slots),
 *   read       read(src, w, s) (read_hist for a histogram).
 * A family with collect writes its series itself (labels known only at
 * run time: connections, SAs, pools).
 *
 * Owner: static and immutable; any thread reads the tables.
 */
struct metric_family {
	const char *name;
	const char *help;
	enum metric_type type;
	bool per_worker;
	const struct metric_dim *dims[METRIC_MAX_DIMS];
	enum metric_block block;
	unsigned base;
	const struct metric_ref *refs;
	uint64_t (*read)(const struct metrics_src *s, unsigned worker, unsigned series);
	/* histograms without a block: cumulative counts cum[0..nbounds] and the sum */
	void (*read_hist)(const struct metrics_src *s, unsigned worker, unsigned series,
			  uint64_t *cum, uint64_t *sum);
	/*
	 * histograms: the bucket bounds in unit, and the unit in seconds (or 1);
	 * a counter with a unit counts in it and is exported in seconds
	 */
	const uint64_t *bounds;
	unsigned nbounds;
	double unit;
	void (*collect)(const struct metrics_src *s, const struct metric_family *f,
			struct metrics_out *o);
};

/* The families, in the order they are exported. */
enum metric_id {
	M_BUILD_INFO,
	M_START_TIME,
	M_WORKERS,
	M_WHACK_REQUESTS,
	M_WHACK_MALFORMED,
	M_CONNS_LOADED,
	M_CONNS_ADDED,
	M_CONNS_DELETED,
	M_CONN_UP,
	M_CONN_INSTANCES,
	M_DGRAM_RX,
	M_DGRAM_TX,
	M_DGRAM_RX_BYTES,
	M_DGRAM_TX_BYTES,
	M_DGRAM_TX_ERRORS,
	M_DGRAM_TX_CALLS,
	M_WORKER_GATHERED,
	M_DGRAM_FORWARDED,
	M_DGRAM_HANDLED,
	M_DGRAM_DROPPED,
	M_IKE_DROPPED,
	M_ERRQUEUE,
	M_TIMERS,
	M_MAILBOX,
	M_WORKER_ROUNDS,
	M_WORKER_LOOP,
	M_IKE_SAS,
	M_IKE_STARTED,
	M_IKE_ESTABLISHED,
	M_IKE_FAILURES,
	M_IKE_FINISHED,
	M_IKE_DELETED,
	M_IKE_AUTH_FAILURES,
	M_IKE_SETUP_SECONDS,
	M_IKE_EXCHANGE_SECONDS,
	M_CHILD_SAS,
	M_CHILD_STARTED,
	M_CHILD_INSTALLED,
	M_CHILD_FAILED,
	M_CHILD_DELETED,
	M_CHILD_FINISHED,
	M_CHILD_ENCAP,
	M_REKEYS,
	M_REKEY_SECONDS,
	M_IKE_REPLACED,
	M_PEERS_DEAD,
	M_UNIQUEIDS_REPLACED,
	M_REKEYS_FAILED,
	M_REKEYS_REFUSED,
	M_TEMP_FAILURES,
	M_SAS_EXPIRED,
	M_COOKIES_SENT,
	M_COOKIES_VERIFIED,
	M_COOKIES_RECEIVED,
	M_INVALID_KE_SENT,
	M_INVALID_KE_RECEIVED,
	M_INVALID_KE_RETRIES,
	M_NOTIFIES_SENT,
	M_MAJOR_VERSION_SENT,
	M_CRITICAL_SENT,
	M_KE_REFUSED,
	M_INIT_DROPPED,
	M_ADDR_COOKIES,
	M_BACKLOG_COOKIES,
	M_FRAGMENTS,
	M_FRAGMENTS_DROPPED,
	M_FRAGMENTS_REASSEMBLED,
	M_REDIRECTS,
	M_HALF_OPEN_SAS,
	M_ANSWERS_LIMITED,
	M_HALF_OPEN_BYTES,
	M_RETRANSMITS_SENT,
	M_RETRANSMITS_ANSWERED,
	M_BEYOND_WINDOW,
	M_CRYPTO_SUBMITTED,
	M_CRYPTO_RUN,
	M_CRYPTO_STOLEN,
	M_CRYPTO_COMPLETED,
	M_CRYPTO_QUEUE,
	M_KERNEL_OPS,
	M_KERNEL_ERRORS,
	M_KERNEL_CANCELLED,
	M_KERNEL_QUEUE,
	M_KERNEL_BATCH,
	M_RESOLVER_LOOKUPS,
	M_RESOLVER_FAILURES,
	M_RESOLVER_TIMEOUTS,
	M_RESOLVER_REJECTED,
	M_RESOLVER_QUEUE,
	M_UPDOWN_RUNS,
	M_UPDOWN_FAILURES,
	M_UPDOWN_TIMEOUTS,
	M_UPDOWN_DELAYED,
	M_UPDOWN_WAITING,
	M_LOG_LINES,
	M_POOL_LEASES,
	M_POOL_EXHAUSTED,
	M_IKE_SA_SECONDS,
	M_COUNT,
};

extern const struct metric_family metric_families[M_COUNT];

/* The series of one worker (the product of the dims). Context: any thread; pure. */
unsigned metric_family_nseries(const struct metric_family *f);

/* Split series s into one value index per dim. Context: any thread; pure. */
void metric_family_split(const struct metric_family *f, unsigned s, unsigned idx[METRIC_MAX_DIMS]);

/* The series whose dim values are idx (the inverse of the split). Context: any thread; pure. */
unsigned metric_family_series(const struct metric_family *f, const unsigned *idx);

/*
 * libreswan's whack --globalstatus keys Skua can give, in libreswan 4.x's
 * order: each is a signed sum of series summed over the workers (series
 * METRIC_ALL: every series of the family).
 */
enum { METRIC_ALL = -1, METRIC_MAX_TERMS = 3 };

struct metric_term {
	int16_t family;		/* enum metric_id; -1 ends the list */
	int16_t series;		/* a series of the family, or METRIC_ALL */
	int8_t sign;		/* +1, or -1 to subtract */
};

struct metric_lsw_key {
	const char *key;
	struct metric_term terms[METRIC_MAX_TERMS];
};

extern const struct metric_lsw_key metric_lsw_keys[];
extern const unsigned metric_nlsw_keys;

#endif
