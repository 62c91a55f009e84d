/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/ike_sa.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/job.h"
#include "crypto/prf.h"
#include "crypto/trust.h"
#include "ike/v1/state.h"
#include "ike/v2/child.h"
#include "ike/v2/io.h"
#include "ike/v2/exchange.h"
#include "ike/v2/frag_sa.h"
#include "ike/v2/task.h"
#include "net/steer.h"
#include "util/log.h"
#include "util/tsan.h"

enum { HALF_OPEN_MS = 30000 };	/* a responder SA waits this long for IKE_AUTH */

static const struct ike_state_info states[IKE_STATE_COUNT] = {
	[IKE_I_KEYGEN] = { "STATE_V2_PARENT_I0", 2, 0, false },
	[IKE_I_INIT_SENT] = { "STATE_V2_PARENT_I1", 2, 0, false },
	[IKE_I_DERIVE] = { "STATE_V2_PARENT_I2", 2, 0, false },
	[IKE_I_SPI_ALLOC] = { "STATE_V2_PARENT_I2", 2, 0, false },
	[IKE_I_AUTH_SENT] = { "STATE_V2_PARENT_I2", 2, 0, false },
	[IKE_R_KEX] = { "STATE_V2_PARENT_R0", 2, HALF_OPEN_MS, false },
	[IKE_R_INIT_SENT] = { "STATE_V2_PARENT_R1", 2, HALF_OPEN_MS, false },
	[IKE_R_CHILD] = { "STATE_V2_PARENT_R1", 2, HALF_OPEN_MS, false },
	[IKE_ESTABLISHED] = { "STATE_V2_ESTABLISHED_IKE_SA", 2, 0, true },
	[IKE_DELETING] = { "STATE_V2_IKE_SA_DELETE", 2, 0, true },
	[IKE_I_REKEY] = { "STATE_V2_REKEY_IKE_I1", 2, 0, false },
	[IKE_R_REKEY] = { "STATE_V2_REKEY_IKE_R0", 2, 0, false },
	[IKE_REKEYED] = { "STATE_V2_ESTABLISHED_IKE_SA", 2, 0, true },
	[IKE_I_AUTH_SIGN] = { "STATE_V2_PARENT_I2", 2, 0, false },
	[IKE_I_AUTH_VERIFY] = { "STATE_V2_PARENT_I2", 2, 0, false },
	[IKE_R_AUTH] = { "STATE_V2_PARENT_R1", 2, HALF_OPEN_MS, false },
	/* IKEv1 Main Mode, as libreswan names its states */
	[IKE_V1_MAIN_I1] = { "STATE_MAIN_I1", 1, 0, false },
	[IKE_V1_MAIN_I_KEYGEN] = { "STATE_MAIN_I1", 1, 0, false },
	[IKE_V1_MAIN_I2] = { "STATE_MAIN_I2", 1, 0, false },
	[IKE_V1_MAIN_I_DERIVE] = { "STATE_MAIN_I2", 1, 0, false },
	[IKE_V1_MAIN_I3] = { "STATE_MAIN_I3", 1, 0, false },
	[IKE_V1_MAIN_R1] = { "STATE_MAIN_R1", 1, HALF_OPEN_MS, false },
	[IKE_V1_MAIN_R_KEX] = { "STATE_MAIN_R1", 1, HALF_OPEN_MS, false },
	[IKE_V1_MAIN_R2] = { "STATE_MAIN_R2", 1, HALF_OPEN_MS, false },
	[IKE_V1_MAIN_I4] = { "STATE_MAIN_I4", 1, 0, true },
	[IKE_V1_MAIN_R3] = { "STATE_MAIN_R3", 1, 0, true },
	[IKE_V1_AGGR_I_KEYGEN] = { "STATE_AGGR_I1", 1, 0, false },
	[IKE_V1_AGGR_I1] = { "STATE_AGGR_I1", 1, 0, false },
	[IKE_V1_AGGR_I_DERIVE] = { "STATE_AGGR_I1", 1, 0, false },
	[IKE_V1_AGGR_I2] = { "STATE_AGGR_I2", 1, 0, true },
	[IKE_V1_AGGR_R_KEX] = { "STATE_AGGR_R0", 1, HALF_OPEN_MS, false },
	[IKE_V1_AGGR_R1] = { "STATE_AGGR_R1", 1, HALF_OPEN_MS, false },
	[IKE_V1_AGGR_R2] = { "STATE_AGGR_R2", 1, 0, true },
	[IKE_V1_MAIN_I_SIGN] = { "STATE_MAIN_I2", 1, 0, false },
	[IKE_V1_MAIN_I_VERIFY] = { "STATE_MAIN_I3", 1, 0, false },
	[IKE_V1_MAIN_R_AUTH] = { "STATE_MAIN_R2", 1, HALF_OPEN_MS, false },
	[IKE_V1_AGGR_I_AUTH] = { "STATE_AGGR_I1", 1, 0, false },
	[IKE_V1_AGGR_R_SIGN] = { "STATE_AGGR_R0", 1, HALF_OPEN_MS, false },
	[IKE_V1_AGGR_R_VERIFY] = { "STATE_AGGR_R1", 1, HALF_OPEN_MS, false },
	/* Quick Mode exchanges (never an SA's own state) */
	[IKE_V1_QUICK_I1] = { "STATE_QUICK_I1", 1, 0, false },
	[IKE_V1_QUICK_I2] = { "STATE_QUICK_I2", 1, 0, false },
	[IKE_V1_QUICK_R1] = { "STATE_QUICK_R1", 1, 0, false },
	[IKE_V1_QUICK_R2] = { "STATE_QUICK_R2", 1, 0, false },
	/* XAUTH and Mode Config: the ISAKMP SA is up, no Quick Mode yet */
	[IKE_V1_XAUTH_R0] = { "STATE_XAUTH_R0", 1, 0, true },
	[IKE_V1_XAUTH_R1] = { "STATE_XAUTH_R1", 1, 0, true },
	[IKE_V1_XAUTH_I0] = { "STATE_XAUTH_I0", 1, 0, true },
	[IKE_V1_XAUTH_I1] = { "STATE_XAUTH_I1", 1, 0, true },
	[IKE_V1_MODECFG_R1] = { "STATE_MODE_CFG_R1", 1, 0, true },
	[IKE_V1_MODECFG_I1] = { "STATE_MODE_CFG_I1", 1, 0, true },
};

const struct ike_state_info *ike_state_info(enum ike_state s)
{
	static const struct ike_state_info unknown = { "STATE_V2_UNKNOWN", 2, 0, false };
	return (unsigned)s < IKE_STATE_COUNT && states[s].name ? &states[s] : &unknown;
}

const char *ike_state_name(enum ike_state s)
{
	return ike_state_info(s)->name;
}

uint64_t ike_sa_our_spi(const struct ike_sa *sa)
{
	const uint8_t *s = sa->initiator ? sa->spi_i : sa->spi_r;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | s[i];
	return v;
}

static void inst_link(struct ike_sa *sa);
static void inst_unlink(struct ike_sa *sa);

static void put_spi(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

void ike_keys_free(struct ike_keys *keys)
{
	if (!keys)
		return;
	crypto_wipe(keys, keys->size);
	free(keys);
}

/* ext->id_remote until ike_sa_set_peer_id(): IKE_ID_ANY, no data */
static const struct ike_id peer_id_unset = { .type = IKE_ID_ANY };

static void ext_free(struct ike_sa_ext *x)
{
	if (!x)
		return;
	if (x->id_remote != &peer_id_unset)
		free((void *)x->id_remote);
	free(x);
}

int ike_sa_set_peer_id(struct ike_sa *sa, const struct ike_id *id)
{
	struct ike_sa_ext *x = sa->ext;
	size_t n = ike_id_size(id);
	struct ike_id *copy;

	if (x->id_remote != &peer_id_unset && ike_id_size(x->id_remote) == n &&
	    memcmp(x->id_remote, id, n) == 0)
		return 0;
	copy = malloc(n);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, id, n);	/* before the old one goes: id may be it */
	if (x->id_remote != &peer_id_unset)
		free((void *)x->id_remote);
	x->id_remote = copy;
	return 0;
}

struct ike_sa_ext *ike_sa_ext_get(struct ike_sa *sa)
{
	struct ike_sa_ext *x = sa->ext;

	if (x)
		return x;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	/* IKEv1 sets its own callbacks (v1/main.c) */
	timer_init(&x->retrans, v2_retrans_fire, sa);
	timer_init(&x->keepalive, v2_keepalive_fire, sa);
	timer_init(&x->task_retry, v2_task_retry_fire, sa);
	timer_init(&x->dpd, v2_dpd_fire, sa);
	x->id_remote = &peer_id_unset;
	sa->ext = x;
	return x;
}

static struct ike_sa *sa_new(struct ike_worker *w, bool initiator, struct connection *conn,
			     struct net_listener *l, const uint8_t peer_spi_i[8], bool half_open)
{
	struct ike_daemon *d = w->d;
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	if (!half_open && !ike_sa_ext_get(sa)) {
		free(sa);
		return NULL;
	}
	sa->w = w;
	sa->initiator = initiator;
	sa->serial = atomic_fetch_add(&d->next_serial, 1);
	if (peer_spi_i)
		memcpy(sa->spi_i, peer_spi_i, 8);
	/* Our SPI carries our index so steering brings the peer's answers here. */
	for (int tries = 0;; tries++) {
		uint64_t r;
		if (tries == 8 || crypto_random(&r, sizeof(r)) < 0) {
			ext_free(sa->ext);
			free(sa);
			return NULL;
		}
		uint64_t spi = net_spi_make(w->index, r);
		if ((spi & 0x00ffffffffffffffULL) == 0)
			continue;
		put_spi(initiator ? sa->spi_i : sa->spi_r, spi);
		sa->node.our_spi = spi;
		if (sadb_sa_table_add(&d->sas, &sa->node) == 0)
			break;
	}
	if (!initiator) {
		sa->node.init_spi = 0;
		for (int i = 0; i < 8; i++)
			sa->node.init_spi = sa->node.init_spi << 8 | sa->spi_i[i];
	}
	if (conn) {
		ike_conn_use(conn);
		sa->conn = conn;
		inst_link(sa);
	}
	if (l) {
		net_listener_ref(l);
		sa->l = l;
	}
	timer_init(&sa->life, v2_life_fire, sa);
	sa->version = 2;
	sa->peer_window = 1;
	sa->next = w->sas;
	if (w->sas)
		w->sas->prev = sa;
	w->sas = sa;
	counters_add(d->ctr, w->index, IKEC_IKE_SAS, 1);
	counters_inc(d->ctr, w->index, IKEC_IKE_STARTED);
	return sa;
}

struct ike_sa *ike_sa_new(struct ike_worker *w, bool initiator, struct connection *conn,
			  struct net_listener *l, const uint8_t peer_spi_i[8])
{
	return sa_new(w, initiator, conn, l, peer_spi_i, false);
}

struct ike_sa *ike_sa_new_half_open(struct ike_worker *w, struct connection *conn,
				    struct net_listener *l, const uint8_t peer_spi_i[8])
{
	return sa_new(w, false, conn, l, peer_spi_i, true);
}

/* The list of an instance's IKE SAs, for --uniqueids and its owner's commands. */
static void inst_link(struct ike_sa *sa)
{
	struct connection *c = sa->conn;

	if (!c || !c->inst.tmpl)
		return;
	sa->inst_prev = NULL;
	sa->inst_next = c->inst.sas;
	if (c->inst.sas)
		c->inst.sas->inst_prev = sa;
	c->inst.sas = sa;
}

static void inst_unlink(struct ike_sa *sa)
{
	struct connection *c = sa->conn;

	if (!c || !c->inst.tmpl)
		return;
	if (sa->inst_prev)
		sa->inst_prev->inst_next = sa->inst_next;
	else if (c->inst.sas == sa)
		c->inst.sas = sa->inst_next;
	if (sa->inst_next)
		sa->inst_next->inst_prev = sa->inst_prev;
	sa->inst_next = sa->inst_prev = NULL;
}

struct ike_lease *ike_sa_lease_slot(struct ike_sa *sa)
{
	struct connection *c = sa->conn;

	if (c && c->inst.tmpl) {
		if (!c->inst.lease)
			c->inst.lease = calloc(1, sizeof(*c->inst.lease));
		return c->inst.lease;
	}
	if (!sa->ext->lease)
		sa->ext->lease = calloc(1, sizeof(*sa->ext->lease));
	return sa->ext->lease;
}

void ike_sa_lease_move(struct ike_sa *n, struct ike_sa *old)
{
	if (!old->ext->lease)
		return;
	ike_lease_release(n->ext->lease);
	free(n->ext->lease);
	n->ext->lease = old->ext->lease;
	old->ext->lease = NULL;
}

void ike_sa_lease_done(struct ike_sa *sa)
{
	struct connection *c = sa->conn;

	if (sa->ext)
		ike_lease_release(sa->ext->lease);
	if (!c || !c->inst.tmpl)
		return;
	for (struct ike_sa *o = c->inst.sas; o; o = o->inst_next)
		if (o != sa && !o->dead && o->state != IKE_DELETING)
			return;	/* it serves the client still */
	ike_lease_release(c->inst.lease);
}

void ike_sa_set_conn(struct ike_sa *sa, struct connection *c, uint8_t this_end)
{
	struct connection *old = sa->conn;

	ike_conn_use(c);
	inst_unlink(sa);
	sa->conn = c;
	inst_link(sa);
	sa->this_end = this_end;
	if (old)
		ike_conn_unuse(&sa->w->d->insts, old);
}

struct connection *ike_sa_client_conn(struct ike_sa *sa, struct connection *c, uint8_t end)
{
	struct ike_daemon *d = sa->w->d;
	struct connection *inst;

	if (!ike_conn_is_template(c)) {
		ike_conn_use(c);
		return c;
	}
	/* The client's instance of that template already carries the IKE SA: the same one. */
	if (sa->conn && sa->conn->inst.tmpl == c && sa->conn->inst.end == end) {
		ike_conn_use(sa->conn);
		return sa->conn;
	}
	if (ike_conn_instantiate(c, end, &sa->peer, sa->ext->id_remote, ike_conn_serial_new(d),
				 sa->w->index, &inst) < 0)
		return NULL;
	/* The table holds the first reference; by ID only for --uniqueids (conn_inst.h: why). */
	ike_inst_publish_ids(&d->insts, inst, d->uniqueids);
	ike_conn_use(inst);
	return inst;
}

struct ike_setup *ike_sa_setup_new(struct ike_sa *sa)
{
	size_t prf = sa->suite.prf ? crypto_prf_len(sa->suite.prf) : 0;
	/* a responder's holds SKEYSEED until IKE_AUTH (v2_kex_keys_ensure() grows it) */
	size_t room = (sa->initiator ? 2 : 1) * (prf ? prf : CRYPTO_PRF_MAX);

	sa->setup = calloc(1, sizeof(*sa->setup) + room);
	if (sa->setup) {
		sa->setup->t_start_us = ike_stats_now_us();
		sa->setup->sk_p_room = (uint8_t)room;
	}
	return sa->setup;
}

static void wipe_free(uint8_t *p, size_t len)
{
	if (p)
		crypto_wipe(p, len);
	free(p);
}

int ike_setup_bytes(uint8_t **slot, uint16_t *slot_len, const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (data)
		memcpy(p, data, len);
	else
		crypto_random(p, len);
	wipe_free(*slot, *slot_len);
	*slot = p;
	*slot_len = (uint16_t)len;
	return 0;
}

void ike_sa_setup_free(struct ike_sa *sa)
{
	struct ike_setup *s = sa->setup;
	if (!s)
		return;
	ike_stats_setup_done(sa);
	crypto_ke_free(s->ke);
	if (s->psk) {
		crypto_wipe(s->psk, s->psk_len);
		free(s->psk);
	}
	free(s->init_req);
	if (s->init_resp != sa->resp)	/* else it is still the response cache's */
		free(s->init_resp);
	if (!s->ni_in_req)
		wipe_free(s->ni, s->ni_len);
	if (!s->nr_in_resp)
		wipe_free(s->nr, s->nr_len);
	free(s->pub);
	if (sa->initiator)
		free(s->cookie);
	else
		crypto_trust_unref(s->certreq_trust);
	free(s->ike_accepted);
	free(s->auth);		/* plain data: no references, no secrets */
	crypto_wipe(s, sizeof(*s) + s->sk_p_room);
	free(s);
	sa->setup = NULL;
}

struct child_sa *ike_child_new(struct ike_sa *sa, struct connection *conn, uint8_t this_end)
{
	struct child_sa *c = calloc(1, sizeof(*c)), **pp = &sa->children;
	if (!c)
		return NULL;
	c->serial = atomic_fetch_add(&sa->w->d->next_serial, 1);
	c->sa = sa;
	timer_init(&c->life, v2_child_life_fire, c);
	ike_conn_use(conn);
	c->conn = conn;
	c->this_end = this_end;
	while (*pp)
		pp = &(*pp)->next;
	*pp = c;
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_STARTED);
	return c;
}

void ike_child_out_wait_end(struct ike_sa *sa, struct child_sa *c)
{
	if (!c->out_wait)
		return;
	timer_cancel(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &c->out_wait->poll);
	free(c->out_wait);
	c->out_wait = NULL;
}

struct ike_sa *ike_sa_find_own(struct ike_worker *w, uint64_t our_spi, uint64_t serial)
{
	struct sa_node *node;
	struct ike_sa *sa;

	rcu_read_lock();
	node = sadb_sa_table_lookup_rcu(&w->d->sas, our_spi);
	rcu_read_unlock();
	/* only the owner frees an SA, and we are the owner: the node stays valid */
	sa = node ? caa_container_of(node, struct ike_sa, node) : NULL;
	if (!sa || sa->w != w || sa->dead || sa->serial != serial)
		return NULL;
	return sa;
}

struct child_sa *ike_child_find(struct ike_sa *sa, uint64_t serial)
{
	for (struct child_sa *c = sa->children; c; c = c->next)
		if (c->serial == serial)
			return c;
	return NULL;
}

void ike_child_unlink_free(struct ike_sa *sa, struct child_sa *c)
{
	timer_cancel(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &c->life);
	ike_child_out_wait_end(sa, c);
	child_index_del(&sa->w->children, c);
	v2_child_release(sa, c);
	for (struct child_sa **pp = &sa->children; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			if (c->state == CHILD_INSTALLED) {
				counters_add(sa->w->d->ctr, sa->w->index, IKEC_CHILD_SAS, (uint64_t)-1);
				counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_DELETED);
			}
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FINISHED);
			ike_conn_unuse(&sa->w->d->insts, c->conn);
			free(c);
			return;
		}
	}
}

static void rcu_free_ike_sa(struct rcu_head *head)
{
	struct ike_sa *sa = caa_container_of(head, struct ike_sa, rcu);
	tsan_acquire(&sa->node);

	ext_free(sa->ext);
	free(sa);
}

/* The exchange a negotiation that ends in this state was in. */
static enum ike_stats_exchange exchange_of(enum ike_state s)
{
	switch (s) {
	case IKE_I_SPI_ALLOC:
	case IKE_I_AUTH_SENT:
	case IKE_R_INIT_SENT:
	case IKE_R_CHILD:
		return IKE_XS_AUTH;
	case IKE_I_REKEY:
	case IKE_R_REKEY:
		return IKE_XS_CREATE_CHILD;
	default:
		return IKE_XS_SA_INIT;
	}
}

/* libreswan's started -> established -> completed, or started -> failed. */
static void count_end(struct ike_sa *sa)
{
	struct ike_worker *w = sa->w;
	struct ike_daemon *d = w->d;
	enum ike_stats_reason why;

	if (sa->state == IKE_DELETING)
		counters_add(d->ctr, w->index, IKEC_IKE_DELETING, (uint64_t)-1);
	if (sa->was_established) {
		counters_inc(d->ctr, w->index, IKEC_IKE_COMPLETED);
		return;
	}
	counters_inc(d->ctr, w->index, IKEC_IKE_FAILED);
	if (sa->fail_reason)
		why = (enum ike_stats_reason)(sa->fail_reason - 1);
	else
		why = atomic_load(&d->shutting_down) ? IKE_FAIL_DELETED : IKE_FAIL_OTHER;
	ike_stats_failed(w, exchange_of(sa->state),
			 sa->initiator ? IKE_ROLE_INITIATOR : IKE_ROLE_RESPONDER, why);
}

static _Atomic uint32_t *addr_bucket(const struct ike_daemon *d, const struct ip_addr *a)
{
	size_t n = a->af == AF_INET ? 4 : 16;
	uint64_t h = d->addr_hash_key ^ 0xcbf29ce484222325ull;

	/* FNV-1a, keyed, then a 64-bit finalizer: cheap, and not aimable from outside. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return &d->half_open_by_addr[h & (IKE_HALF_OPEN_BUCKETS - 1)];
}

/* The worker's share of --max-halfopen-ike: SO_REUSEPORT spreads new clients evenly. */
static unsigned worker_share(const struct ike_daemon *d)
{
	return (d->max_halfopen_ike + d->nworkers - 1) / d->nworkers;
}

bool ike_half_open_full(struct ike_worker *w)
{
	struct ike_daemon *d = w->d;

	if (atomic_load(&d->half_open_bytes) >= d->half_open_budget) {
		counters_inc(d->ctr, w->index, IKEC_HALF_OPEN_LIMITED);
		return true;
	}
	if (w->half_open >= worker_share(d)) {
		counters_inc(d->ctr, w->index, IKEC_HALF_OPEN_WORKER_LIMITED);
		return true;
	}
	return false;
}

enum ike_admit ike_half_open_admit(struct ike_worker *w, const struct ip_addr *peer,
				   bool verified)
{
	struct ike_daemon *d = w->d;
	_Atomic uint32_t *b;

	if (ike_half_open_full(w))
		return IKE_ADMIT_FULL;
	if (verified)
		return IKE_ADMIT_OK;	/* it answers at its address: no spoofer */
	b = addr_bucket(d, peer);
	if (atomic_fetch_add(b, 1) >= d->half_open_per_addr) {
		atomic_fetch_sub(b, 1);
		counters_inc(d->ctr, w->index, IKEC_HALF_OPEN_ADDR_LIMITED);
		return IKE_ADMIT_COOKIE;
	}
	return IKE_ADMIT_OK;
}

void ike_half_open_cancel(struct ike_worker *w, const struct ip_addr *peer, bool verified)
{
	if (!verified)
		atomic_fetch_sub(addr_bucket(w->d, peer), 1);
}

void ike_half_open_begin(struct ike_sa *sa, size_t bytes, bool verified)
{
	struct ike_worker *w = sa->w;

	sa->half_open = true;
	sa->half_open_addr = !verified;
	sa->half_open_bytes = 0;
	w->half_open++;
	atomic_fetch_add(&w->d->half_open_count, 1);
	counters_inc(w->d->ctr, w->index, IKEC_HALF_OPEN);
	ike_half_open_charge(sa, bytes);
}

void ike_half_open_charge(struct ike_sa *sa, size_t bytes)
{
	if (!sa->half_open)
		return;
	sa->half_open_bytes += (uint32_t)bytes;
	atomic_fetch_add(&sa->w->d->half_open_bytes, bytes);
}

size_t ike_half_open_size(const struct ike_sa *sa)
{
	const struct ike_setup *s = sa->setup;
	size_t n = malloc_usable_size((void *)sa);

	if (sa->resp)
		n += malloc_usable_size(sa->resp);
	if (sa->keys)
		n += malloc_usable_size(sa->keys);
	if (sa->job)	/* its key exchange, queued or running */
		n += crypto_job_bytes(sa->job);
	if (!s)
		return n;
	n += malloc_usable_size((void *)s);
	if (s->init_req)
		n += malloc_usable_size(s->init_req);
	if (s->init_resp && s->init_resp != sa->resp)
		n += malloc_usable_size(s->init_resp);
	if (s->ni && !s->ni_in_req)
		n += malloc_usable_size(s->ni);
	if (s->nr && !s->nr_in_resp)
		n += malloc_usable_size(s->nr);
	if (s->ike_accepted)
		n += malloc_usable_size(s->ike_accepted);
	if (s->pub)
		n += malloc_usable_size(s->pub);
	return n;
}

void ike_half_open_charge_sa(struct ike_sa *sa)
{
	size_t now = ike_half_open_size(sa);

	if (!sa->half_open)
		return;
	if (now >= sa->half_open_bytes) {
		ike_half_open_charge(sa, now - sa->half_open_bytes);
	} else {	/* it gave some back */
		atomic_fetch_sub(&sa->w->d->half_open_bytes, sa->half_open_bytes - now);
		sa->half_open_bytes = (uint32_t)now;
	}
}

void ike_half_open_end(struct ike_sa *sa)
{
	struct ike_worker *w = sa->w;

	if (!sa->half_open)
		return;
	sa->half_open = false;
	w->half_open--;
	counters_add(w->d->ctr, w->index, IKEC_HALF_OPEN, (uint64_t)-1);
	atomic_fetch_sub(&w->d->half_open_bytes, sa->half_open_bytes);
	atomic_fetch_sub(&w->d->half_open_count, 1);
	sa->half_open_bytes = 0;
	ike_half_open_cancel(w, &sa->peer, !sa->half_open_addr);
}

void ike_sa_free(struct ike_sa *sa)
{
	struct ike_worker *w = sa->w;
	struct ike_daemon *d = w->d;
	struct ike_sa_ext *x = sa->ext;

	sa->dead = true;
	sadb_sa_table_del(&d->sas, &sa->node);
	timer_cancel(&net_pool_worker(d->pool, w->index)->timers, &sa->life);
	if (sa->job)
		sa->job->cookie = NULL;	/* its completion finds no SA and just frees it */
	v2_tasks_free(sa);
	v2_cc_resp_free(sa);
	if (x) {	/* a half-open SA has none */
		timer_cancel(&net_pool_worker(d->pool, w->index)->timers, &x->retrans);
		timer_cancel(&net_pool_worker(d->pool, w->index)->timers, &x->keepalive);
		timer_cancel(&net_pool_worker(d->pool, w->index)->timers, &x->dpd);
		if (x->rjob)
			x->rjob->cookie = NULL;
		if (x->rekey_twin) {
			struct ike_sa *twin = x->rekey_twin;
			x->rekey_twin = NULL;
			ike_sa_free(twin);
		}
	}
	if (sa->counted_up)
		counters_add(d->ctr, w->index, IKEC_IKE_UP, (uint64_t)-1);
	count_end(sa);
	ike_stats_sa_unpublish(sa);
	ike_half_open_end(sa);
	/*
	 * A kernel queue that is stopping answers the removals inline: hold
	 * a pending step so that the last answer does not release the memory
	 * under us (it would, and the end of this function once more).
	 */
	sa->kernel_pending++;
	while (sa->children)
		ike_child_unlink_free(sa, sa->children);
	sa->kernel_pending--;
	if (x) {
		/* a fixed peer's; an instance's goes with the instance */
		ike_lease_release(x->lease);
		free(x->lease);
		x->lease = NULL;
		free(x->redirect_fqdn);
		x->redirect_fqdn = NULL;
		free(x->given);
		x->given = NULL;
	}
	ike_sa_progress_done(sa);
	ike_sa_setup_free(sa);
	v1_state_free(sa);
	free(sa->req);
	free(sa->resp);
	v2_frag_sa_free(sa);
	ike_keys_free(sa->keys);
	sa->keys = NULL;
	if (sa->conn) {
		inst_unlink(sa);
		ike_conn_unuse(&d->insts, sa->conn);
	}
	if (sa->l)
		net_listener_unref(sa->l);
	for (struct ike_sa_cursor *cu = w->cursors; cu; cu = cu->link)
		if (cu->next == sa)
			cu->next = sa->next;
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		w->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	counters_add(d->ctr, w->index, IKEC_IKE_SAS, (uint64_t)-1);
	/* Kernel answers still to come point at the SA: they release it. */
	if (sa->kernel_pending == 0)
		ike_sa_release_memory(sa);
}

void ike_sa_release_memory(struct ike_sa *sa)
{
	/* Lookups may still hold the node: free after a grace period. */
	tsan_release(&sa->node);
	call_rcu(&sa->rcu, rcu_free_ike_sa);
}

const char *ike_sa_name(const struct ike_sa *sa, char *buf, size_t len)
{
	char c[CONN_NAME_MAX + 80];

	snprintf(buf, len, "%s #%llu",
		 sa->conn ? ike_conn_instance_str(sa->conn, c, sizeof(c)) : "\"(none)\"",
		 (unsigned long long)sa->serial);
	return buf;
}

/* "name" #N: text, to the log and the initiating whack. */
struct ike_progress *ike_sa_whack(const struct ike_sa *sa)
{
	if (sa->version == 1 && sa->v1 && sa->v1->qm && sa->v1->qm->whack)
		return sa->v1->qm->whack;
	return sa->ext ? sa->ext->whack : NULL;
}

/* The lines no whack user asked for: a peer's exchange did, as often as it likes. */
static struct log_site progress_site = { "IKE SA progress", 100, 0 };

bool ike_progress_admit(const struct ike_progress *pr)
{
	return pr || log_site_admit(&progress_site);
}

void ike_progress_say(struct ike_progress *pr, unsigned rc, const char *text)
{
	log_info("%s", text);
	if (pr)
		pr->ops->line(pr, rc, text);
}

/* admitted: ike_progress_admit() already said yes */
static void progress(struct ike_sa *sa, const struct connection *c, unsigned rc, bool admitted,
		     const char *fmt, va_list ap)
{
	struct ike_progress *pr = ike_sa_whack(sa);
	char text[512], name[CONN_NAME_MAX + 80];
	size_t n;

	/* over the limit: not even formatted (a worker at thousands of SAs a second) */
	if (!admitted && !ike_progress_admit(pr))
		return;
	n = (size_t)snprintf(text, sizeof(text), "%s #%llu: ",
			     c ? ike_conn_instance_str(c, name, sizeof(name)) : "\"(none)\"",
			     (unsigned long long)sa->serial);
	vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	ike_progress_say(pr, rc, text);
}

void ike_progress_text(struct ike_progress *pr, unsigned rc, const char *text)
{
	if (ike_progress_admit(pr))
		ike_progress_say(pr, rc, text);
}

void ike_sa_progress(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	progress(sa, sa->conn, rc, false, fmt, ap);
	va_end(ap);
}

void ike_sa_progress_admitted(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	progress(sa, sa->conn, rc, true, fmt, ap);
	va_end(ap);
}

void ike_child_progress(struct ike_sa *sa, const struct child_sa *c, unsigned rc, const char *fmt,
			...)
{
	va_list ap;

	va_start(ap, fmt);
	progress(sa, c->conn, rc, false, fmt, ap);
	va_end(ap);
}

int ike_sa_keep_msg(uint8_t **slot, uint32_t *slot_len, const uint8_t *buf, size_t len)
{
	uint8_t *copy;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	free(*slot);
	*slot = copy;
	*slot_len = (uint32_t)len;
	return 0;
}

void ike_sa_progress_done(struct ike_sa *sa)
{
	if (!sa->ext)
		return;		/* a half-open responder: no whack waits on it */
	ike_progress_unref(sa->ext->whack);
	sa->ext->whack = NULL;
}

struct net_listener *ike_start_listener(struct ike_daemon *d, struct net_listener *l,
					uint16_t peer_port)
{
	if (!l->natt || peer_port == d->natikeport) {
		net_listener_ref(l);
		return l;
	}
	return net_pool_listener_get(d->pool, &l->iface.addr, d->ikeport);
}

void ike_sa_float_natt(struct ike_sa *sa)
{
	struct ike_daemon *d = sa->w->d;
	struct net_listener *l;

	if (sa->natt || !d->natikeport)
		return;
	l = net_pool_listener_get(d->pool, &sa->local, d->natikeport);
	if (!l) {
		log_limited(LOG_WARNING, 10, "NAT detected but no NAT-T socket",
			    "#%llu: NAT detected but no socket on the NAT-T port %u",
			    (unsigned long long)sa->serial, d->natikeport);
		return;
	}
	net_listener_unref(sa->l);
	sa->l = l;
	sa->natt = true;
	sa->local_port = d->natikeport;
	sa->peer_port = 4500;
	dbg(DBG_BASE, "#%llu: NAT detected: moving to port %u", (unsigned long long)sa->serial,
	    d->natikeport);
}
