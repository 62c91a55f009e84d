/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_IKE_DAEMON_H
#define SKUA_IKE_IKE_DAEMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/jobq.h"
#include "ike/child_index.h"
#include "ike/conn_inst.h"
#include "ike/id.h"
#include "ike/ike_stats.h"
#include "ike/pwcheck.h"
#include "net/worker.h"
#include "sadb/conn_table.h"
#include "sadb/kernel_queue.h"
#include "sadb/sa_table.h"
#include "util/addr_list.h"
#include "util/counters.h"
#include "util/log.h"
#include "util/runner.h"
#include "util/rc.h"
#include "util/resolver.h"

/*
 * Where progress lines of one whack command go (whack --initiate waits
 * for them). The ctl layer implements it over the whack socket; the IKE
 * layer only calls through it, from the owner worker. Reference counted:
 * the last release closes the channel, which ends whack.
 */
struct ike_progress;

/*
 * The answer to a prompt: text (NUL-terminated, the caller's, wiped after
 * the call) or NULL when none came (no whack, it went, it did not answer
 * in time). Called once, on whichever thread has it (the ctl thread).
 */
typedef void ike_answer_fn(void *arg, const char *text);

struct ike_progress_ops {
	void (*line)(struct ike_progress *pr, unsigned rc, const char *text);
	void (*release)(struct ike_progress *pr);
	/*
	 * Optional (NULL: nobody can answer). Show whack's user the prompt
	 * line (rc RC_USERPROMPT: an answer whack echoes; RC_ENTERSECRET: a
	 * secret) and hand the answer to done(arg, ...) later, once. False
	 * when no whack is there to ask: done is not called.
	 */
	bool (*ask)(struct ike_progress *pr, unsigned rc, const char *line, ike_answer_fn *done,
		    void *arg);
};
struct ike_progress {
	const struct ike_progress_ops *ops;
	_Atomic unsigned refs;
	/*
	 * --initiate's --xauthuser and --xauthpass (NUL-terminated), or NULL:
	 * an IKEv1 XAUTH client copies them when its SA starts. Owned by the
	 * progress's creator, wiped when released.
	 */
	const char *xauth_user, *xauth_pass;
};

static inline struct ike_progress *ike_progress_ref(struct ike_progress *pr)
{
	if (pr)
		atomic_fetch_add(&pr->refs, 1);
	return pr;
}

static inline void ike_progress_unref(struct ike_progress *pr)
{
	if (pr && atomic_fetch_sub(&pr->refs, 1) == 1)
		pr->ops->release(pr);
}

/*
 * IKE counters per worker; ctl/metrics_registry.c names every one (the
 * metrics endpoint and whack --globalstatus read them through it).
 */
enum ike_counter {
	IKEC_RX_DROPPED,		/* malformed, unknown SA, bad ICV: dropped and counted */
	IKEC_RX_BAD_ICV,
	IKEC_RX_RETRANSMIT,		/* requests answered from the response cache */
	IKEC_RX_BEYOND_WINDOW,		/* requests beyond our message ID window, dropped */
	IKEC_TX_RETRANSMIT,
	IKEC_COOKIES_SENT,
	IKEC_INVALID_KE_SENT,
	IKEC_NO_PROPOSAL_SENT,
	IKEC_KE_REFUSED,		/* peer KE values refused (RFC 6989, RFC 8031 2.3) */
	IKEC_MAJOR_VERSION_SENT,	/* INVALID_MAJOR_VERSION answers */
	IKEC_CRITICAL_SENT,		/* UNSUPPORTED_CRITICAL_PAYLOAD answers */
	IKEC_ANSWERS_LIMITED,		/* stateless answers not sent: over the rate limit */
	IKEC_HALF_OPEN_ADDR_LIMITED,	/* IKE_SA_INIT asked for a cookie: its address holds its cap */
	/* IKE_SA_INIT asked for a cookie: it waited long in the queue, or its
	 * worker's key exchanges are a batch behind */
	IKEC_BACKLOG_COOKIES,
	IKEC_HALF_OPEN_LIMITED,		/* IKE_SA_INIT dropped: half-open memory at its ceiling */
	IKEC_AUTH_FAILED,
	IKEC_IKE_ESTABLISHED,
	IKEC_CHILD_ESTABLISHED,
	IKEC_CHILD_FAILED,
	IKEC_IKE_DELETED,
	IKEC_HALF_OPEN,			/* gauge */
	IKEC_IKE_SAS,			/* gauge: IKE SAs this worker owns */
	IKEC_IKE_UP,			/* gauge: of which established */
	IKEC_CHILD_SAS,			/* gauge */
	IKEC_IKE_REKEYED,		/* IKE SAs rekeyed in place (CREATE_CHILD_SA) */
	IKEC_CHILD_REKEYED,		/* Child SAs rekeyed in place */
	IKEC_PEER_DEAD,			/* peers declared dead (DPD, whack --crash) */
	IKEC_IKE_STARTED,		/* IKE SAs created (either role) */
	IKEC_IKE_COMPLETED,		/* IKE SAs gone after being established */
	IKEC_IKE_FAILED,		/* IKE SAs gone without being established */
	IKEC_IKE_DELETING,		/* gauge: our Delete is out, waiting for the answer */
	IKEC_CHILD_STARTED,		/* Child SAs created */
	IKEC_CHILD_DELETED,		/* installed Child SAs taken down */
	IKEC_CHILD_FINISHED,		/* Child SAs gone, installed or not */
	IKEC_CHILD_ENCAP,		/* Child SAs installed with ESP in UDP */
	IKEC_COOKIES_VERIFIED,		/* requests whose cookie we checked and accepted */
	IKEC_COOKIES_RECEIVED,		/* initiator: a responder asked us for a cookie */
	IKEC_INVALID_KE_RECEIVED,	/* initiator: INVALID_KE_PAYLOAD received */
	IKEC_INVALID_KE_RETRIED,	/* initiator: ... and retried with the group asked for */
	IKEC_IKE_REPLACED,		/* IKE SAs rekeyed by replacement (a new IKE SA started) */
	IKEC_RX_MALFORMED,		/* of IKEC_RX_DROPPED: undecodable (not IKEv2, bad lengths) */
	IKEC_RX_IKEV1,			/* of IKEC_RX_DROPPED: IKEv1 */
	IKEC_RX_UNKNOWN_SPI,		/* of IKEC_RX_DROPPED: no IKE SA with that SPI */
	/*
	 * How rekeys go wrong (a rekey storm must leave these at 0): rekeys we
	 * started that ended without a new SA (any cause), the part of them
	 * the peer refused, TEMPORARY_FAILURE both ways (retried, not failed),
	 * and SAs that reached the end of their lifetime instead of being
	 * rekeyed (the normal end with --dontrekey; a Child SA its rekey had
	 * already replaced is not counted).
	 */
	IKEC_REKEY_FAILED,
	IKEC_REKEY_REFUSED,
	IKEC_TEMP_FAIL_RECV,
	IKEC_TEMP_FAIL_SENT,
	IKEC_IKE_EXPIRED,
	IKEC_CHILD_EXPIRED,
	/* IKEv2 fragmentation (RFC 7383) */
	IKEC_FRAG_SENT,			/* SKF fragments sent (first sends) */
	IKEC_FRAG_RECEIVED,		/* fragments authenticated and kept */
	IKEC_FRAG_BAD,			/* fragments dropped: integrity or numbers */
	IKEC_FRAG_NOMEM,		/* fragments dropped: the worker's reassembly budget */
	IKEC_FRAG_REASSEMBLED,		/* messages put together from fragments */
	/* IKEv2 redirect (RFC 5685) */
	IKEC_REDIRECT_SENT,		/* REDIRECT notifies sent (INIT, AUTH, INFORMATIONAL) */
	IKEC_REDIRECT_FOLLOWED,		/* initiator: redirects followed */
	IKEC_REDIRECT_REFUSED,		/* initiator: redirects refused (loop, not accepted) */
	IKEC_REDIRECT_RESOLVE_FAILED,	/* initiator: a gateway's name not resolved (v2/redirect.c) */
	/* DDoS limits */
	IKEC_HALF_OPEN_WORKER_LIMITED,	/* IKE_SA_INIT dropped: the worker's share of max-halfopen-ike */
	IKEC_UPDOWN_DELAYED,		/* updown verbs that waited: the runner's queue was full */
	IKEC_UPDOWN_WAITING,		/* gauge: ... waiting now */
	IKEC_UNIQUEIDS_REPLACED,	/* IKE SAs deleted: their client's ID came back (--uniqueids) */
	/* [exchange][role]: IKE SAs established (ike_stats.h) */
	IKEC_ESTABLISHED_BY,
	/* [exchange][role][reason]: IKE SAs that failed, and refused IKE_SA_INIT requests */
	IKEC_FAILED_BY = IKEC_ESTABLISHED_BY + IKE_XS_COUNT * IKE_ROLE_COUNT,
	/* [notify]: notifies sent */
	IKEC_NOTIFY_SENT = IKEC_FAILED_BY + IKE_XS_COUNT * IKE_ROLE_COUNT * IKE_FAIL_COUNT,
	/* [phase][role]: latency histograms of IKE_HIST_BOUNDS bounds (counters_hist_*) */
	IKEC_HIST = IKEC_NOTIFY_SENT + IKE_NS_COUNT,
	IKEC_COUNT = IKEC_HIST + IKE_HIST_COUNT * IKE_ROLE_COUNT * (IKE_HIST_BOUNDS + 2),
};

/* Index of the histogram of phase h and role r. */
static inline unsigned ikec_hist(enum ike_stats_hist h, enum ike_stats_role r)
{
	return IKEC_HIST + ((unsigned)h * IKE_ROLE_COUNT + (unsigned)r) * (IKE_HIST_BOUNDS + 2);
}

struct ike_sa;
struct v1_msg;
struct v2_msg;
struct v2_sa;

/* What to do with IKEv1 datagrams (ikev1-policy= in config setup, libreswan 4.x's). */
enum ike_v1_policy {
	IKE_V1_DROP = 0,		/* libreswan 4.10's default: silently dropped */
	IKE_V1_ACCEPT,
	IKE_V1_REJECT,			/* answered INVALID_MAJOR_VERSION, rate-limited */
};

enum { IKE_REKEY_BUCKETS = 20 };	/* 1 ms .. 2^19 ms (8.7 min), then the rest */

/* Count one rekey that took ms on worker w. Context: worker w. */
struct ike_worker;
void ike_rekey_observe(struct ike_worker *w, uint64_t ms);

enum {
	IKE_HALF_OPEN_BUDGET = 64u << 20,	/* bytes: the hard cap */
	IKE_HALF_OPEN_COOKIE_SHARE = 8,		/* cookies from budget / this on */
	IKE_HALF_OPEN_PER_ADDR = 1000,		/* room for many clients behind one NAT */
	IKE_HALF_OPEN_BUCKETS = 1u << 16,
	IKE_DDOS_IKE_THRESHOLD = 25000,		/* libreswan's ddos-ike-threshold */
	IKE_MAX_HALFOPEN_IKE = 50000,		/* libreswan's max-halfopen-ike */
	IKE_COOKIE_QUEUE_MS = 50,		/* an IKE_SA_INIT's wait in the socket queue */
	IKE_COOKIE_QUEUE_JOBS = 64,		/* key exchanges queued on its worker: a batch */
};

/*
 * Per worker IKE state. Owner: that worker; nobody else touches it.
 */
/*
 * A walk over a worker's IKE SAs that yields between slices (the
 * listings): next is the SA it resumes at; freeing that SA moves it on.
 */
struct ike_sa_cursor {
	struct ike_sa *next;
	struct ike_sa_cursor *link;	/* the worker's other open walks */
};

struct ike_worker {
	struct ike_daemon *d;
	unsigned index;
	struct ike_sa *sas;		/* every IKE SA this worker owns */
	struct ike_sa_cursor *cursors;	/* walks in progress (usually none) */
	struct child_index children;	/* their installed Child SAs by SPI */
	/*
	 * How long the rekeys this worker started took, from the start of the
	 * exchange to the new SA installed: bucket i counts those under 2^i ms
	 * (the last: the rest). Written by the worker only; read as it is.
	 */
	_Atomic uint64_t rekey_ms_log2[IKE_REKEY_BUCKETS];
	_Atomic uint64_t rekey_ms_sum;	/* their sum (the metrics' histogram _sum) */
	unsigned half_open;
	uint64_t frag_bytes;		/* fragments held by this worker's SAs (RFC 7383) */
	uint8_t *frag_in;		/* a reassembled message's inner chain */
	uint8_t *frag_out;		/* the inner chain of a message being cut */
	/*
	 * updown commands waiting for room in the runner's queue, oldest
	 * first (child_updown.c): once one waits, later ones queue behind it,
	 * so this worker's verbs keep their order; a timer retries.
	 */
	struct updown_wait *updown_head, *updown_tail;
	struct timer updown_retry;
	/* stateless answers to unknown senders this second (io.c answer_allowed()) */
	uint64_t answers_second;
	uint32_t answers;
	struct v2_msg *scratch;		/* decode space, reused per datagram */
	struct v1_msg *v1_scratch;	/* the same for IKEv1 */
	struct v2_sa *sa_scratch;	/* SA payload encode space */
	uint8_t *txbuf;			/* encode space */
};

/*
 * The IKE engine's view of the daemon. Owner: the ctl layer builds it
 * before the workers start and frees it after they stop; read-only in
 * between except the atomics.
 */
struct ike_daemon {
	struct net_pool *pool;
	struct conn_table *conns;
	struct crypto_jobq *jobq;
	struct kernel_queue *kq;
	struct sa_table sas;
	struct counters *ctr;		/* enum ike_counter */
	struct ike_worker *w;		/* [nworkers] */
	unsigned nworkers;
	uint16_t ikeport, natikeport;
	bool force_busy;		/* --force-busy: cookies always */
	uint8_t ikev1_policy;		/* enum ike_v1_policy */
	atomic_int ddos_mode;		/* 0 auto, 1 busy, 2 unlimited (whack --ddos-*) */
	/*
	 * Half-open SAs by count, as libreswan counts them: in auto mode
	 * cookies are asked from ddos_ike_threshold on; each worker takes no
	 * more than its share of max_halfopen_ike (the SO_REUSEPORT hash
	 * spreads them evenly). 0 at init: libreswan's 25000 and 50000.
	 */
	uint32_t ddos_ike_threshold;
	uint32_t max_halfopen_ike;
	_Atomic uint32_t half_open_count;
	/*
	 * IKEv2 redirect (RFC 5685): --global-redirect (0 no, 1 yes, 2 auto:
	 * while busy) sends new clients to the --global-redirect-to gateways
	 * in IKE_SA_INIT. The list is RCU-published by the ctl thread.
	 */
	atomic_int global_redirect;
	struct addr_list *global_redirect_to;
	atomic_bool shutting_down;	/* kernel state goes: no trap is put back */
	/*
	 * Half-open SAs (responder, before IKE_AUTH), daemon-wide, in bytes
	 * as the allocator counts them: in auto mode cookies are asked once
	 * they hold an eighth of half_open_budget (IKE_HALF_OPEN_COOKIE_SHARE),
	 * well before the budget; at the budget, new ones are dropped whatever
	 * the mode, cookie-verified or not (the hard cap); one source address
	 * (hashed into a bucket) holds at most half_open_per_addr of them
	 * unless it returns a cookie. 0 at init: the defaults below.
	 */
	uint64_t half_open_budget;
	unsigned half_open_per_addr;
	/*
	 * In auto mode, an IKE_SA_INIT request that waited this many ms or
	 * more in its socket's queue (the kernel's receive timestamp) is asked
	 * for a cookie: its worker is behind, and a key exchange for a peer
	 * that has not shown it sees our answers would only delay those of the
	 * peers that have. A spoofed flood then gets a few batches of key
	 * exchanges ahead of the legitimate clients, however small a half-open
	 * SA is (the memory threshold alone let about 8,000 through, 0.7 s of
	 * X25519). 0 at init: IKE_COOKIE_QUEUE_MS; UINT32_MAX: never (neither
	 * this wait nor the crypto queue's below).
	 * So is one whose worker has IKE_COOKIE_QUEUE_JOBS or more jobs in its
	 * crypto queue: it would wait behind them. A worker that drains its
	 * socket faster than it computes (NET_RX_BURST) moves its backlog from
	 * the socket to that queue; the first rule alone let a spoofed flood
	 * queue 0.8 s of key exchanges ahead of the legitimate clients then.
	 */
	uint32_t cookie_queue_ms;
	_Atomic uint64_t half_open_bytes;
	_Atomic uint32_t *half_open_by_addr;	/* [IKE_HALF_OPEN_BUCKETS] */
	uint64_t addr_hash_key;
	_Atomic uint64_t next_serial;	/* #N of states */
	_Atomic uint32_t next_reqid;	/* sequence of ike_reqid_new() */
	uint8_t cookie_secret[32];	/* for stateless cookies; set at start */
	bool kernel_none;		/* the none backend: nothing to install */
	bool per_sa_metrics;		/* --metrics-per-sa: established SAs publish an ike_sa_pub */
	uint8_t ike_window;		/* --ike-window: IKEv2 message ID window we announce (0, 1: none) */
	struct cds_lfht *sa_pubs;	/* those records, by serial (ike_stats.h) */
	struct lfht_size sa_pubs_size;	/* its bucket count (util/lfht_size.h) */
	const char *vendorid;		/* --vendorid: sent in a V payload, or NULL */
	uint32_t keep_alive_s;		/* --keep-alive: NAT keepalive interval */
	struct runner *runner;		/* runs the updown commands, off the workers */
	struct resolver *resolver;	/* resolves gateway names off the workers, or NULL: none */
	struct pwcheck *pwcheck;	/* the XAUTH server's password checks, off the workers;
					 * NULL: none (every check fails) */
	const char *default_updown;	/* the shipped script, when --updown is not given */
	/* PSK lookup (the ctl layer's secrets): length, -ENOENT or -EMSGSIZE. */
	int (*psk_lookup)(void *ctx, const struct ike_id *local, const struct ike_id *remote,
			  uint8_t *out, size_t cap);
	void *psk_ctx;
	/*
	 * An XAUTH user's password (the secrets' "@user : XAUTH ..."): its
	 * length, or -ENOENT / -EMSGSIZE. Same ctx; NULL: none.
	 */
	int (*xauth_lookup)(void *ctx, const char *user, uint8_t *out, size_t cap);
	const char *ipsecdir;		/* --ipsecdir: the XAUTH server's passwd file is there */
	/*
	 * Our private key for an ID when the connection names no certificate
	 * (the secrets' RSA/ECDSA entries): a new reference, or NULL. Same ctx.
	 */
	struct crypto_privkey *(*privkey_lookup)(void *ctx, const struct ike_id *local);
	/*
	 * A key pair made in advance for the first IKE_SA_INIT of an IKEv2 SA
	 * we initiate in group, handed over (the load generator's clients,
	 * whose own CPUs would have made theirs before a storm), or NULL: the
	 * key exchange job makes one. Called on the SA's worker; NULL: none.
	 */
	struct crypto_ke *(*initiator_ke)(void *ctx, uint16_t group);
	void *initiator_ke_ctx;
	struct ike_creds *creds;	/* RCU-published by the ctl thread (ike/creds.h) */
	struct ike_inst_table insts;	/* connection instances (ike/conn_inst.h) */
	_Atomic uint64_t next_conn_serial;	/* $N of connections and instances (ike_conn_serial_new()) */
	/*
	 * --uniqueids (default yes): a client that authenticates with the ID
	 * of an instance of the same template replaces it (v2/auth.c).
	 */
	bool uniqueids;
};

/* The next connection serial ($N): connections (ctl) and instances (workers) share it. */
static inline uint64_t ike_conn_serial_new(struct ike_daemon *d)
{
	return atomic_fetch_add(&d->next_conn_serial, 1) + 1;
}

/*
 * Set up / tear down the engine over an existing pool (not started yet).
 * Returns 0 or -errno. Context: main thread.
 */
int ike_daemon_init(struct ike_daemon *d);
/* Context: main thread, after the workers stopped; frees every SA left. */
void ike_daemon_fini(struct ike_daemon *d);

/*
 * A kernel reqid for a new Child SA of worker `owner`: its low 8 bits
 * (above the base) carry the owner, so a kernel event about the SA can be
 * posted to the one thread that may touch it. Context: any thread.
 */
enum { IKE_REQID_BASE = 16384 };
uint32_t ike_reqid_new(struct ike_daemon *d, unsigned owner);
unsigned ike_reqid_owner(const struct ike_daemon *d, uint32_t reqid);

/*
 * Kernel events (from the kernel thread): posted to the owner worker,
 * where EXPIRE deletes the Child SA (hard) or logs (soft: rekeying has not
 * landed). Context: the kernel thread.
 */
struct kernel_event;
void ike_on_kernel_event(const struct kernel_event *ev, void *ctx);

/*
 * Whether an IKE_SA_INIT must return a cookie now (--force-busy,
 * --ddos-busy, or half-open SAs over their memory budget in auto mode).
 * Context: any thread.
 */
bool ike_daemon_cookies_required(struct ike_daemon *d);

/*
 * Publish the --global-redirect-to gateways (g: owned from now on; NULL:
 * none) and free the previous list after a grace period. Context: the
 * ctl thread (it may wait for the grace period).
 */
void ike_daemon_set_redirect_to(struct ike_daemon *d, struct addr_list *g);

/* Worker w's clock, the one its timers run on (ms). Context: worker w. */
static inline uint64_t ike_now(const struct ike_worker *w)
{
	return timer_wheel_now(&net_pool_worker(w->d->pool, w->index)->timers);
}

/* The datagram hook the pool calls. Context: the owner worker. */
void ike_on_datagram(struct net_worker *nw, struct net_rx *rx, void *ctx);

#endif
