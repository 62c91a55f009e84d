/* SPDX-License-Identifier: BSD-2-Clause */
#include "sadb/conn_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/rculist.h>

#include "util/tsan.h"

/* A host pair's members, oldest first. Owner: the index (ctl thread); RCU readers walk it. */
struct conn_group {
	struct cds_lfht_node node;
	uint8_t kind;			/* enum conn_index_group */
	struct ip_addr local, peer;
	bool peer_any;
	struct cds_list_head members;
	struct rcu_head rcu;
};

struct group_key {
	uint8_t kind;
	const struct ip_addr *local, *peer;	/* peer NULL: any */
};

struct id_key {
	const struct ip_addr *local, *peer;	/* peer NULL: any */
	uint8_t id_type;
	const uint8_t *id;
	uint16_t id_len;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t hash_hosts(uint8_t kind, const struct ip_addr *local, const struct ip_addr *peer)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, &kind, 1);
	uint8_t any = peer == NULL;

	h = fnv(h, &local->af, sizeof(local->af));
	h = fnv(h, local->b, local->af == AF_INET ? 4 : 16);
	h = fnv(h, &any, 1);
	if (peer)
		h = fnv(h, peer->b, peer->af == AF_INET ? 4 : 16);
	return h;
}

static uint64_t hash_id(const struct id_key *k)
{
	uint64_t h = hash_hosts(0xff, k->local, k->peer);
	h = fnv(h, &k->id_type, 1);
	return fnv(h, k->id, k->id_len);
}

static bool hosts_eq(const struct ip_addr *local, const struct ip_addr *peer,
		     const struct ip_addr *elocal, const struct ip_addr *epeer, bool eany)
{
	if (!ip_addr_eq(local, elocal))
		return false;
	if (!peer)
		return eany;
	return !eany && ip_addr_eq(peer, epeer);
}

static int match_group(struct cds_lfht_node *node, const void *key)
{
	const struct conn_group *g = caa_container_of(node, struct conn_group, node);
	const struct group_key *k = key;
	return g->kind == k->kind && hosts_eq(k->local, k->peer, &g->local, &g->peer, g->peer_any);
}

static int match_id(struct cds_lfht_node *node, const void *key)
{
	const struct conn_index_entry *e = caa_container_of(node, struct conn_index_entry, id_node);
	const struct id_key *k = key;
	return hosts_eq(k->local, k->peer, &e->local, &e->peer, e->peer_any) &&
	       e->id_type == k->id_type && e->id_len == k->id_len &&
	       memcmp(e->id, k->id, k->id_len) == 0;
}

int conn_index_init(struct conn_index *ix)
{
	ix->groups = cds_lfht_new(64, 64, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	ix->by_id = cds_lfht_new(64, 64, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (!ix->groups || !ix->by_id) {
		conn_index_fini(ix);
		return -ENOMEM;
	}
	return 0;
}

static void free_group(struct rcu_head *head);

void conn_index_fini(struct conn_index *ix)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	/*
	 * At exit connections may still be indexed (they are the owners'):
	 * take every node out so the tables can go; groups are the index's.
	 */
	rcu_read_lock();
	if (ix->groups) {
		cds_lfht_first(ix->groups, &it);
		while ((n = cds_lfht_iter_get_node(&it))) {
			struct conn_group *g = caa_container_of(n, struct conn_group, node);
			cds_lfht_next(ix->groups, &it);
			if (cds_lfht_del(ix->groups, n) == 0)
				call_rcu(&g->rcu, free_group);
		}
	}
	if (ix->by_id) {
		cds_lfht_first(ix->by_id, &it);
		while ((n = cds_lfht_iter_get_node(&it))) {
			cds_lfht_next(ix->by_id, &it);
			cds_lfht_del(ix->by_id, n);
		}
	}
	rcu_read_unlock();
	rcu_barrier();
	if (ix->groups)
		cds_lfht_destroy(ix->groups, NULL);
	if (ix->by_id)
		cds_lfht_destroy(ix->by_id, NULL);
	ix->groups = ix->by_id = NULL;
}

static const struct ip_addr *peer_of(const struct conn_index_entry *e)
{
	return e->peer_any ? NULL : &e->peer;
}

/* The group of (kind, e's hosts), made when missing. Context: ctl thread, RCU read lock held. */
static struct conn_group *group_get(struct conn_index *ix, uint8_t kind,
				    const struct conn_index_entry *e)
{
	struct group_key k = { kind, &e->local, peer_of(e) };
	unsigned long h = (unsigned long)hash_hosts(kind, &e->local, peer_of(e));
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct conn_group *g;

	cds_lfht_lookup(ix->groups, h, match_group, &k, &it);
	n = cds_lfht_iter_get_node(&it);
	if (n)
		return caa_container_of(n, struct conn_group, node);
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->kind = kind;
	g->local = e->local;
	g->peer = e->peer;
	g->peer_any = e->peer_any;
	CDS_INIT_LIST_HEAD(&g->members);
	cds_lfht_node_init(&g->node);
	tsan_release(g);
	cds_lfht_add(ix->groups, h, &g->node);
	return g;
}

/* Insert e's link into g, keeping the oldest first. */
static void group_insert(struct conn_group *g, struct cds_list_head *link, uint64_t serial,
			 bool all)
{
	struct cds_list_head *pos;

	cds_list_for_each(pos, &g->members) {
		const struct conn_index_entry *o =
			all ? caa_container_of(pos, struct conn_index_entry, all_link)
			    : caa_container_of(pos, struct conn_index_entry, id_link);
		if (o->serial > serial)
			break;
	}
	cds_list_add_tail_rcu(link, pos);	/* before pos: after every older member */
}

static void free_group(struct rcu_head *head)
{
	struct conn_group *g = caa_container_of(head, struct conn_group, rcu);
	tsan_acquire(g);
	free(g);
}

static void group_leave(struct conn_index *ix, struct conn_group *g, struct cds_list_head *link)
{
	cds_list_del_rcu(link);
	if (cds_list_empty(&g->members) && cds_lfht_del(ix->groups, &g->node) == 0) {
		tsan_release(g);
		call_rcu(&g->rcu, free_group);
	}
}

int conn_index_add(struct conn_index *ix, struct conn_index_entry *e)
{
	int rc = 0;

	rcu_read_lock();
	e->all = group_get(ix, CONN_INDEX_ALL, e);
	e->anyid = e->id_len ? NULL : group_get(ix, CONN_INDEX_ANY_ID, e);
	if (!e->all || (!e->id_len && !e->anyid)) {
		rc = -ENOMEM;
		goto out;	/* an empty group left behind is reused, or freed at fini */
	}
	tsan_release(e);
	group_insert(e->all, &e->all_link, e->serial, true);
	if (e->anyid) {
		group_insert(e->anyid, &e->id_link, e->serial, false);
	} else {
		struct id_key k = { &e->local, peer_of(e), e->id_type, e->id, e->id_len };
		cds_lfht_node_init(&e->id_node);
		cds_lfht_add(ix->by_id, (unsigned long)hash_id(&k), &e->id_node);
	}
	e->linked = true;
out:
	rcu_read_unlock();
	return rc;
}

void conn_index_del(struct conn_index *ix, struct conn_index_entry *e)
{
	if (!e->linked)
		return;
	rcu_read_lock();
	group_leave(ix, e->all, &e->all_link);
	if (e->anyid)
		group_leave(ix, e->anyid, &e->id_link);
	else
		cds_lfht_del(ix->by_id, &e->id_node);
	rcu_read_unlock();
	e->linked = false;
}

void conn_index_group_each_rcu(struct conn_index *ix, enum conn_index_group kind,
			       const struct ip_addr *local, const struct ip_addr *peer,
			       bool (*fn)(struct conn_index_entry *e, void *ctx), void *ctx)
{
	struct group_key k = { (uint8_t)kind, local, peer };
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct conn_group *g;
	struct conn_index_entry *e;

	cds_lfht_lookup(ix->groups, (unsigned long)hash_hosts((uint8_t)kind, local, peer),
			match_group, &k, &it);
	n = cds_lfht_iter_get_node(&it);
	if (!n)
		return;
	g = caa_container_of(n, struct conn_group, node);
	tsan_acquire(g);
	if (kind == CONN_INDEX_ALL) {
		cds_list_for_each_entry_rcu(e, &g->members, all_link) {
			tsan_acquire(e);
			if (!fn(e, ctx))
				return;
		}
	} else {
		cds_list_for_each_entry_rcu(e, &g->members, id_link) {
			tsan_acquire(e);
			if (!fn(e, ctx))
				return;
		}
	}
}

void conn_index_by_id_each_rcu(struct conn_index *ix, const struct ip_addr *local,
			       const struct ip_addr *peer, uint8_t id_type, const uint8_t *id,
			       uint16_t id_len, bool (*fn)(struct conn_index_entry *e, void *ctx),
			       void *ctx)
{
	struct id_key k = { local, peer, id_type, id, id_len };
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	cds_lfht_lookup(ix->by_id, (unsigned long)hash_id(&k), match_id, &k, &it);
	for (n = cds_lfht_iter_get_node(&it); n;
	     cds_lfht_next_duplicate(ix->by_id, match_id, &k, &it), n = cds_lfht_iter_get_node(&it)) {
		struct conn_index_entry *e = caa_container_of(n, struct conn_index_entry, id_node);
		tsan_acquire(e);
		if (!fn(e, ctx))
			return;
	}
}
