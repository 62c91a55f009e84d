/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/ike_daemon.h"
#include "ike/child_updown.h"

#include <errno.h>
#include <stdlib.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "ike/creds.h"
#include "ike/ike_sa.h"
#include "ike/v1/msg.h"
#include "ike/v2/frag_sa.h"
#include "ike/v2/io.h"
#include "ike/v2/msg.h"

int ike_daemon_init(struct ike_daemon *d)
{
	int rc;

	d->nworkers = net_pool_size(d->pool);
	rc = sadb_sa_table_init(&d->sas);
	if (rc < 0)
		return rc;
	rc = ike_stats_pubs_init(d);
	if (rc < 0)
		return rc;
	d->ctr = counters_new(d->nworkers, IKEC_COUNT);
	d->w = calloc(d->nworkers, sizeof(*d->w));
	if (!d->ctr || !d->w)
		return -ENOMEM;
	for (unsigned i = 0; i < d->nworkers; i++) {
		struct ike_worker *w = &d->w[i];
		w->d = d;
		w->index = i;
		w->scratch = malloc(sizeof(*w->scratch));
		w->v1_scratch = malloc(sizeof(*w->v1_scratch));
		w->sa_scratch = malloc(sizeof(*w->sa_scratch));
		w->txbuf = malloc(V2_TXBUF + V2_FRAG_SLACK);
		w->frag_in = malloc(V2_FRAG_BYTES_MAX);
		w->frag_out = malloc(V2_FRAG_BYTES_MAX);
		if (!w->scratch || !w->v1_scratch || !w->sa_scratch || !w->txbuf || !w->frag_in ||
		    !w->frag_out ||
		    child_index_init(&w->children) < 0)
			return -ENOMEM;
		ike_updown_worker_init(w);
	}
	atomic_store(&d->next_serial, 1);
	rc = ike_inst_table_init(&d->insts);
	if (rc < 0)
		return rc;
	atomic_store(&d->next_reqid, 0);
	if (!d->half_open_budget)
		d->half_open_budget = IKE_HALF_OPEN_BUDGET;
	if (!d->half_open_per_addr)
		d->half_open_per_addr = IKE_HALF_OPEN_PER_ADDR;
	if (!d->cookie_queue_ms)
		d->cookie_queue_ms = IKE_COOKIE_QUEUE_MS;
	if (!d->ddos_ike_threshold)
		d->ddos_ike_threshold = IKE_DDOS_IKE_THRESHOLD;
	if (!d->max_halfopen_ike)
		d->max_halfopen_ike = IKE_MAX_HALFOPEN_IKE;
	atomic_store(&d->half_open_count, 0);
	atomic_store(&d->half_open_bytes, 0);
	d->half_open_by_addr = calloc(IKE_HALF_OPEN_BUCKETS, sizeof(*d->half_open_by_addr));
	if (!d->half_open_by_addr)
		return -ENOMEM;
	if (crypto_random(&d->addr_hash_key, sizeof(d->addr_hash_key)) < 0)
		return -EIO;
	return crypto_random(d->cookie_secret, sizeof(d->cookie_secret)) < 0 ? -EIO : 0;
}

void ike_daemon_set_redirect_to(struct ike_daemon *d, struct addr_list *g)
{
	struct addr_list *old = rcu_xchg_pointer(&d->global_redirect_to, g);

	if (old) {
		synchronize_rcu();
		addr_list_free(old);
	}
}

void ike_rekey_observe(struct ike_worker *w, uint64_t ms)
{
	unsigned b = 0;

	while (b + 1 < IKE_REKEY_BUCKETS && ms >= (1ull << b))
		b++;
	atomic_store_explicit(&w->rekey_ms_log2[b],
			      atomic_load_explicit(&w->rekey_ms_log2[b], memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&w->rekey_ms_sum,
			      atomic_load_explicit(&w->rekey_ms_sum, memory_order_relaxed) + ms,
			      memory_order_relaxed);
}

void ike_daemon_fini(struct ike_daemon *d)
{
	for (unsigned i = 0; d->w && i < d->nworkers; i++) {
		struct ike_worker *w = &d->w[i];
		while (w->sas)
			ike_sa_free(w->sas);
		free(w->scratch);
		free(w->v1_scratch);
		free(w->sa_scratch);
		free(w->txbuf);
		free(w->frag_in);
		free(w->frag_out);
		child_index_fini(&w->children);
		ike_updown_worker_fini(w);
	}
	ike_inst_table_fini(&d->insts);
	rcu_barrier();
	rcu_barrier();	/* an instance freed above drops its template's reference: one more round */
	ike_creds_free(rcu_xchg_pointer(&d->creds, NULL));
	addr_list_free(rcu_xchg_pointer(&d->global_redirect_to, NULL));
	free(d->w);
	d->w = NULL;
	free((void *)d->half_open_by_addr);
	d->half_open_by_addr = NULL;
	counters_free(d->ctr);
	d->ctr = NULL;
	if (d->sas.by_spi)
		sadb_sa_table_fini(&d->sas);
	ike_stats_pubs_fini(d);
}
