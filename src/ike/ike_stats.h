/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_IKE_STATS_H
#define SKUA_IKE_IKE_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

/*
 * What the IKE engine counts beyond single numbers: the dimensions of its
 * labelled counters (exchange, role, failure reason, notify type) and the
 * setup latency histograms. The values live in the workers' counter
 * blocks (enum ike_counter in ike/ike_daemon.h, one writer per worker);
 * the metrics registry (ctl/metrics_registry.c) names and exports them.
 * Every hook here runs on the SA's owner worker and costs a few stores.
 */

/* The exchange an IKE SA was set up (or failed) in. */
enum ike_stats_exchange {
	IKE_XS_SA_INIT,
	IKE_XS_AUTH,
	IKE_XS_CREATE_CHILD,	/* an IKE SA rekeyed with CREATE_CHILD_SA */
	IKE_XS_COUNT,
};

enum ike_stats_role {
	IKE_ROLE_INITIATOR,
	IKE_ROLE_RESPONDER,
	IKE_ROLE_COUNT,
};

/*
 * Why an IKE SA was never established: the error notify that ended its
 * negotiation (received by an initiator, sent by a responder), or a local
 * cause.
 */
enum ike_stats_reason {
	IKE_FAIL_OTHER,
	IKE_FAIL_TIMEOUT,		/* no answer (initiator) / no IKE_AUTH (responder) */
	IKE_FAIL_DELETED,		/* deleted by us before it was up (whack, shutdown) */
	IKE_FAIL_INTERNAL,		/* out of memory, a message that did not fit */
	IKE_FAIL_CRYPTO,		/* the key exchange or derivation failed */
	IKE_FAIL_BAD_ID,		/* the peer's ID was not the one expected */
	IKE_FAIL_NO_PSK,		/* no pre-shared key for the pair of IDs */
	IKE_FAIL_PROTOCOL,		/* an answer we cannot accept (not a notify) */
	IKE_FAIL_N_INVALID_SYNTAX,
	IKE_FAIL_N_NO_PROPOSAL_CHOSEN,
	IKE_FAIL_N_INVALID_KE_PAYLOAD,
	IKE_FAIL_N_AUTHENTICATION_FAILED,
	IKE_FAIL_N_SINGLE_PAIR_REQUIRED,
	IKE_FAIL_N_NO_ADDITIONAL_SAS,
	IKE_FAIL_N_INTERNAL_ADDRESS_FAILURE,
	IKE_FAIL_N_FAILED_CP_REQUIRED,
	IKE_FAIL_N_TS_UNACCEPTABLE,
	IKE_FAIL_N_TEMPORARY_FAILURE,
	IKE_FAIL_N_OTHER,		/* another error notify */
	IKE_FAIL_COUNT,
};

/* Notifies we send, by type (the ones Skua sends; the rest count as other). */
enum ike_stats_notify {
	IKE_NS_COOKIE,
	IKE_NS_INVALID_KE_PAYLOAD,
	IKE_NS_NO_PROPOSAL_CHOSEN,
	IKE_NS_AUTHENTICATION_FAILED,
	IKE_NS_TS_UNACCEPTABLE,
	IKE_NS_TEMPORARY_FAILURE,
	IKE_NS_INVALID_SYNTAX,
	IKE_NS_NO_ADDITIONAL_SAS,
	IKE_NS_INTERNAL_ADDRESS_FAILURE,	/* a pool had no address left, or none of the family */
	IKE_NS_FAILED_CP_REQUIRED,
	IKE_NS_OTHER,
	IKE_NS_COUNT,
};

/*
 * Setup latency histograms, one per phase and role:
 *   IKE_SA_INIT  initiator: the SA's start (key generation) to the accepted
 *                response; responder: the request to our response.
 *   IKE_AUTH     initiator: our request sent to the peer's AUTH verified;
 *                responder: the request received to the peer's AUTH verified.
 *   setup        the SA's start to the end of its negotiation, its first
 *                Child SA installed (or refused) included.
 */
enum ike_stats_hist {
	IKE_HIST_SA_INIT,
	IKE_HIST_AUTH,
	IKE_HIST_SETUP,
	IKE_HIST_COUNT,
};

enum { IKE_HIST_BOUNDS = 16 };
/* Bucket bounds in microseconds: 0.5 ms to 60 s. */
extern const uint64_t ike_stats_hist_bounds_us[IKE_HIST_BOUNDS];

extern const char *const ike_stats_exchange_names[IKE_XS_COUNT];	/* "IKE_SA_INIT", ... */
extern const char *const ike_stats_role_names[IKE_ROLE_COUNT];	/* "initiator", "responder" */
extern const char *const ike_stats_reason_names[IKE_FAIL_COUNT];	/* "timeout", "NO_PROPOSAL_CHOSEN", ... */
extern const char *const ike_stats_notify_names[IKE_NS_COUNT];	/* "COOKIE", ... */
extern const char *const ike_stats_hist_names[IKE_HIST_COUNT];	/* "IKE_SA_INIT", "IKE_AUTH", "setup" */

/* The failure reason of a whack progress code (ike_sa_fail()'s rc). */
enum ike_stats_reason ike_stats_reason_of_rc(unsigned rc);
/* The failure reason of an IKEv2 error notify type. */
enum ike_stats_reason ike_stats_reason_of_notify(uint16_t type);

/* Microseconds on CLOCK_MONOTONIC (net_now_us()), the clock of the latency hooks. */
uint64_t ike_stats_now_us(void);

struct ike_worker;
struct ike_sa;

/*
 * A failure with no IKE SA to carry it (a refused IKE_SA_INIT request).
 * Context: worker w.
 */
void ike_stats_failed(struct ike_worker *w, enum ike_stats_exchange x, enum ike_stats_role r,
		      enum ike_stats_reason why);

/* A notify of this type sent. Context: worker w. */
void ike_stats_notify_sent(struct ike_worker *w, uint16_t type);

/*
 * Record why sa's negotiation is failing; the first reason recorded is
 * the one counted when the SA goes without having been established.
 * Context: the owner.
 */
void ike_stats_fail_reason(struct ike_sa *sa, enum ike_stats_reason why);

/* sa is established through exchange x. Context: the owner. */
void ike_stats_established(struct ike_sa *sa, enum ike_stats_exchange x);

/*
 * Latency hooks: the IKE_SA_INIT exchange is done (our response sent, or
 * the peer's response accepted); the IKE_AUTH exchange starts (our request
 * sent, or the peer's received). The IKE_AUTH observation is made by
 * ike_stats_established(), the setup one when the negotiation state goes
 * (ike_sa_setup_free()). Context: the owner.
 */
void ike_stats_init_done(struct ike_sa *sa);
void ike_stats_auth_start(struct ike_sa *sa);
/* The negotiation state goes: an established SA's setup time is observed. */
void ike_stats_setup_done(struct ike_sa *sa);

/*
 * Per-SA series (pluto --metrics-per-sa): what the metrics thread may read
 * of an established IKE SA through RCU, in the daemon's table d->sa_pubs
 * keyed by serial (so the SA itself carries nothing for it: struct ike_sa
 * does not grow). Owner: the SA's worker adds it when the SA is
 * established (only when d->per_sa_metrics), updates state, and removes
 * it and hands it to call_rcu when the SA goes. Every field but state is
 * immutable once published.
 */
struct ike_sa_pub {
	struct cds_lfht_node node;
	uint64_t serial;
	uint64_t established_wall;	/* seconds since the epoch */
	unsigned worker;
	bool initiator;
	_Atomic uint8_t state;		/* enum ike_state */
	char conn[65];			/* CONN_NAME_MAX + 1 */
	char peer[48];			/* IP_ADDR_STRLEN */
	struct rcu_head rcu;
};

/* The SA's state changed (deleting): its published record follows. */
void ike_stats_sa_state(struct ike_sa *sa);

/* Unpublish and free sa's record after a grace period. Context: the owner. */
void ike_stats_sa_unpublish(struct ike_sa *sa);

struct ike_daemon;

/* The table of records: 0 or -ENOMEM. Context: main thread (ike_daemon_init/fini). */
int ike_stats_pubs_init(struct ike_daemon *d);
void ike_stats_pubs_fini(struct ike_daemon *d);

/*
 * Call fn for each published record; stops when fn returns false.
 * Context: inside rcu_read_lock(); the records stay valid until it ends.
 */
void ike_stats_each_pub_rcu(struct ike_daemon *d,
			    bool (*fn)(const struct ike_sa_pub *p, void *ctx), void *ctx);

#endif
