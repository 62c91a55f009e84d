/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/ike_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike/ike_sa.h"
#include "net/worker.h"
#include "util/rc.h"
#include "util/tsan.h"

const uint64_t ike_stats_hist_bounds_us[IKE_HIST_BOUNDS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000, 60000000,
};

const char *const ike_stats_exchange_names[IKE_XS_COUNT] = {
	[IKE_XS_SA_INIT] = "IKE_SA_INIT",
	[IKE_XS_AUTH] = "IKE_AUTH",
	[IKE_XS_CREATE_CHILD] = "CREATE_CHILD_SA",
};

const char *const ike_stats_role_names[IKE_ROLE_COUNT] = {
	[IKE_ROLE_INITIATOR] = "initiator",
	[IKE_ROLE_RESPONDER] = "responder",
};

const char *const ike_stats_reason_names[IKE_FAIL_COUNT] = {
	[IKE_FAIL_OTHER] = "other",
	[IKE_FAIL_TIMEOUT] = "timeout",
	[IKE_FAIL_DELETED] = "deleted",
	[IKE_FAIL_INTERNAL] = "internal",
	[IKE_FAIL_CRYPTO] = "crypto",
	[IKE_FAIL_BAD_ID] = "bad_id",
	[IKE_FAIL_NO_PSK] = "no_psk",
	[IKE_FAIL_PROTOCOL] = "protocol",
	[IKE_FAIL_N_INVALID_SYNTAX] = "INVALID_SYNTAX",
	[IKE_FAIL_N_NO_PROPOSAL_CHOSEN] = "NO_PROPOSAL_CHOSEN",
	[IKE_FAIL_N_INVALID_KE_PAYLOAD] = "INVALID_KE_PAYLOAD",
	[IKE_FAIL_N_AUTHENTICATION_FAILED] = "AUTHENTICATION_FAILED",
	[IKE_FAIL_N_SINGLE_PAIR_REQUIRED] = "SINGLE_PAIR_REQUIRED",
	[IKE_FAIL_N_NO_ADDITIONAL_SAS] = "NO_ADDITIONAL_SAS",
	[IKE_FAIL_N_INTERNAL_ADDRESS_FAILURE] = "INTERNAL_ADDRESS_FAILURE",
	[IKE_FAIL_N_FAILED_CP_REQUIRED] = "FAILED_CP_REQUIRED",
	[IKE_FAIL_N_TS_UNACCEPTABLE] = "TS_UNACCEPTABLE",
	[IKE_FAIL_N_TEMPORARY_FAILURE] = "TEMPORARY_FAILURE",
	[IKE_FAIL_N_OTHER] = "other_notify",
};

const char *const ike_stats_notify_names[IKE_NS_COUNT] = {
	[IKE_NS_COOKIE] = "COOKIE",
	[IKE_NS_INVALID_KE_PAYLOAD] = "INVALID_KE_PAYLOAD",
	[IKE_NS_NO_PROPOSAL_CHOSEN] = "NO_PROPOSAL_CHOSEN",
	[IKE_NS_AUTHENTICATION_FAILED] = "AUTHENTICATION_FAILED",
	[IKE_NS_TS_UNACCEPTABLE] = "TS_UNACCEPTABLE",
	[IKE_NS_TEMPORARY_FAILURE] = "TEMPORARY_FAILURE",
	[IKE_NS_INVALID_SYNTAX] = "INVALID_SYNTAX",
	[IKE_NS_NO_ADDITIONAL_SAS] = "NO_ADDITIONAL_SAS",
	[IKE_NS_INTERNAL_ADDRESS_FAILURE] = "INTERNAL_ADDRESS_FAILURE",
	[IKE_NS_FAILED_CP_REQUIRED] = "FAILED_CP_REQUIRED",
	[IKE_NS_OTHER] = "other",
};

const char *const ike_stats_hist_names[IKE_HIST_COUNT] = {
	[IKE_HIST_SA_INIT] = "IKE_SA_INIT",
	[IKE_HIST_AUTH] = "IKE_AUTH",
	[IKE_HIST_SETUP] = "setup",
};

enum ike_stats_reason ike_stats_reason_of_notify(uint16_t type)
{
	switch (type) {
	case V2N_INVALID_SYNTAX:
		return IKE_FAIL_N_INVALID_SYNTAX;
	case V2N_NO_PROPOSAL_CHOSEN:
		return IKE_FAIL_N_NO_PROPOSAL_CHOSEN;
	case V2N_INVALID_KE_PAYLOAD:
		return IKE_FAIL_N_INVALID_KE_PAYLOAD;
	case V2N_AUTHENTICATION_FAILED:
		return IKE_FAIL_N_AUTHENTICATION_FAILED;
	case V2N_SINGLE_PAIR_REQUIRED:
		return IKE_FAIL_N_SINGLE_PAIR_REQUIRED;
	case V2N_NO_ADDITIONAL_SAS:
		return IKE_FAIL_N_NO_ADDITIONAL_SAS;
	case V2N_INTERNAL_ADDRESS_FAILURE:
		return IKE_FAIL_N_INTERNAL_ADDRESS_FAILURE;
	case V2N_FAILED_CP_REQUIRED:
		return IKE_FAIL_N_FAILED_CP_REQUIRED;
	case V2N_TS_UNACCEPTABLE:
		return IKE_FAIL_N_TS_UNACCEPTABLE;
	case V2N_TEMPORARY_FAILURE:
		return IKE_FAIL_N_TEMPORARY_FAILURE;
	}
	return IKE_FAIL_N_OTHER;
}

enum ike_stats_reason ike_stats_reason_of_rc(unsigned rc)
{
	/* v2_notify_rc(): 200 + the notify type, capped at 255 (error notifies are all below). */
	if (rc >= RC_NOTIFICATION && rc < 255)
		return ike_stats_reason_of_notify((uint16_t)(rc - RC_NOTIFICATION));
	switch (rc) {
	case RC_NORETRANSMISSION:
		return IKE_FAIL_TIMEOUT;
	case RC_INTERNALERR:
		return IKE_FAIL_INTERNAL;
	case RC_CRYPTOFAILED:
		return IKE_FAIL_CRYPTO;
	case RC_BADID:
		return IKE_FAIL_BAD_ID;
	case RC_NOKEY:
		return IKE_FAIL_NO_PSK;
	case RC_FATAL:
		return IKE_FAIL_PROTOCOL;
	}
	return rc >= 255 ? IKE_FAIL_N_OTHER : IKE_FAIL_OTHER;
}

static enum ike_stats_notify notify_index(uint16_t type)
{
	switch (type) {
	case V2N_COOKIE:
		return IKE_NS_COOKIE;
	case V2N_INVALID_KE_PAYLOAD:
		return IKE_NS_INVALID_KE_PAYLOAD;
	case V2N_NO_PROPOSAL_CHOSEN:
		return IKE_NS_NO_PROPOSAL_CHOSEN;
	case V2N_AUTHENTICATION_FAILED:
		return IKE_NS_AUTHENTICATION_FAILED;
	case V2N_TS_UNACCEPTABLE:
		return IKE_NS_TS_UNACCEPTABLE;
	case V2N_TEMPORARY_FAILURE:
		return IKE_NS_TEMPORARY_FAILURE;
	case V2N_INVALID_SYNTAX:
		return IKE_NS_INVALID_SYNTAX;
	case V2N_NO_ADDITIONAL_SAS:
		return IKE_NS_NO_ADDITIONAL_SAS;
	case V2N_INTERNAL_ADDRESS_FAILURE:
		return IKE_NS_INTERNAL_ADDRESS_FAILURE;
	case V2N_FAILED_CP_REQUIRED:
		return IKE_NS_FAILED_CP_REQUIRED;
	}
	return IKE_NS_OTHER;
}

uint64_t ike_stats_now_us(void)
{
	return net_now_us();
}

static enum ike_stats_role role_of(const struct ike_sa *sa)
{
	return sa->initiator ? IKE_ROLE_INITIATOR : IKE_ROLE_RESPONDER;
}

static void observe(struct ike_worker *w, enum ike_stats_hist h, enum ike_stats_role r,
		    uint64_t since_us)
{
	uint64_t now = ike_stats_now_us();

	if (since_us == 0 || now < since_us)
		return;
	counters_hist_observe(w->d->ctr, w->index, ikec_hist(h, r), ike_stats_hist_bounds_us,
			      IKE_HIST_BOUNDS, now - since_us);
}

void ike_stats_failed(struct ike_worker *w, enum ike_stats_exchange x, enum ike_stats_role r,
		      enum ike_stats_reason why)
{
	unsigned i = ((unsigned)x * IKE_ROLE_COUNT + (unsigned)r) * IKE_FAIL_COUNT + (unsigned)why;

	counters_inc(w->d->ctr, w->index, IKEC_FAILED_BY + i);
}

void ike_stats_notify_sent(struct ike_worker *w, uint16_t type)
{
	counters_inc(w->d->ctr, w->index, IKEC_NOTIFY_SENT + notify_index(type));
}

void ike_stats_fail_reason(struct ike_sa *sa, enum ike_stats_reason why)
{
	if (sa->fail_reason == 0)
		sa->fail_reason = (uint8_t)(why + 1);
}

static unsigned long serial_hash(uint64_t serial)
{
	/* Serials are sequential: a multiplicative hash spreads them over the buckets. */
	return (unsigned long)(serial * 0x9e3779b97f4a7c15ull >> 16);
}

static int serial_match(struct cds_lfht_node *node, const void *key)
{
	const struct ike_sa_pub *p = caa_container_of(node, struct ike_sa_pub, node);
	return p->serial == *(const uint64_t *)key;
}

/* sa's record, or NULL. Context: the owner, inside rcu_read_lock(). */
static struct ike_sa_pub *pub_of_rcu(const struct ike_sa *sa)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	cds_lfht_lookup(sa->w->d->sa_pubs, serial_hash(sa->serial), serial_match, &sa->serial, &it);
	n = cds_lfht_iter_get_node(&it);
	return n ? caa_container_of(n, struct ike_sa_pub, node) : NULL;
}

static void publish(struct ike_sa *sa)
{
	struct ike_worker *w = sa->w;
	struct ike_sa_pub *p = calloc(1, sizeof(*p));

	if (!p)
		return;		/* the SA simply has no series */
	p->serial = sa->serial;
	p->established_wall = (uint64_t)time(NULL);
	p->worker = w->index;
	p->initiator = sa->initiator;
	atomic_init(&p->state, (uint8_t)sa->state);
	snprintf(p->conn, sizeof(p->conn), "%s", sa->conn ? sa->conn->spec->name : "");
	ip_addr_str(&sa->peer, p->peer);
	cds_lfht_node_init(&p->node);
	tsan_release(p);	/* the readers acquire it through the table */
	rcu_read_lock();
	if (pub_of_rcu(sa)) {
		rcu_read_unlock();
		free(p);	/* published already (established twice: never) */
		return;
	}
	cds_lfht_add(w->d->sa_pubs, serial_hash(p->serial), &p->node);
	rcu_read_unlock();
	lfht_size_added(&w->d->sa_pubs_size);
}

void ike_stats_established(struct ike_sa *sa, enum ike_stats_exchange x)
{
	struct ike_worker *w = sa->w;
	unsigned i = (unsigned)x * IKE_ROLE_COUNT + (unsigned)role_of(sa);

	counters_inc(w->d->ctr, w->index, IKEC_ESTABLISHED_BY + i);
	sa->was_established = true;
	if (sa->setup)
		observe(w, IKE_HIST_AUTH, role_of(sa), sa->setup->t_auth_us);
	if (w->d->per_sa_metrics && w->d->sa_pubs)
		publish(sa);
}

void ike_stats_init_done(struct ike_sa *sa)
{
	if (sa->setup)
		observe(sa->w, IKE_HIST_SA_INIT, role_of(sa), sa->setup->t_start_us);
}

void ike_stats_auth_start(struct ike_sa *sa)
{
	if (sa->setup)
		sa->setup->t_auth_us = ike_stats_now_us();
}

void ike_stats_setup_done(struct ike_sa *sa)
{
	if (sa->setup && sa->was_established)
		observe(sa->w, IKE_HIST_SETUP, role_of(sa), sa->setup->t_start_us);
}

void ike_stats_sa_state(struct ike_sa *sa)
{
	struct ike_sa_pub *p;

	if (!sa->was_established || !sa->w->d->per_sa_metrics || !sa->w->d->sa_pubs)
		return;
	rcu_read_lock();
	p = pub_of_rcu(sa);
	if (p)
		atomic_store_explicit(&p->state, (uint8_t)sa->state, memory_order_relaxed);
	rcu_read_unlock();
}

static void rcu_free_ike_sa_pub(struct rcu_head *head)
{
	struct ike_sa_pub *p = caa_container_of(head, struct ike_sa_pub, rcu);

	tsan_acquire(p);
	free(p);
}

void ike_stats_sa_unpublish(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->w->d;
	struct ike_sa_pub *p;

	if (!sa->was_established || !d->sa_pubs)
		return;
	rcu_read_lock();
	p = pub_of_rcu(sa);
	bool gone = false;
	if (p && cds_lfht_del(d->sa_pubs, &p->node) == 0) {
		tsan_release(p);
		call_rcu(&p->rcu, rcu_free_ike_sa_pub);
		gone = true;
	}
	rcu_read_unlock();
	if (gone)
		lfht_size_deleted(&d->sa_pubs_size);
}

int ike_stats_pubs_init(struct ike_daemon *d)
{
	/* sized by us, not by liburcu's automatic resize: util/lfht_size.h says why */
	d->sa_pubs = lfht_size_new(&d->sa_pubs_size, 64);
	return d->sa_pubs ? 0 : -ENOMEM;
}

void ike_stats_pubs_fini(struct ike_daemon *d)
{
	/* Every SA is gone and its record handed to call_rcu (ike_daemon_fini's barrier). */
	if (d->sa_pubs)
		cds_lfht_destroy(d->sa_pubs, NULL);
	d->sa_pubs = NULL;
}

void ike_stats_each_pub_rcu(struct ike_daemon *d,
			    bool (*fn)(const struct ike_sa_pub *p, void *ctx), void *ctx)
{
	struct cds_lfht_iter it;
	struct ike_sa_pub *p;

	if (!d->sa_pubs)
		return;
	cds_lfht_for_each_entry(d->sa_pubs, &it, p, node) {
		tsan_acquire(p);
		if (!fn(p, ctx))
			return;
	}
}
