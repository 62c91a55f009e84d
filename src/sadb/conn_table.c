/* SPDX-License-Identifier: BSD-2-Clause */
#include "sadb/conn_table.h"

#include <errno.h>
#include <string.h>

#include "util/tsan.h"

/* FNV-1a: names are short and chosen by the administrator, not by peers. */
static unsigned long name_hash(const char *s)
{
	unsigned long h = 1469598103934665603UL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211UL;
	}
	return h;
}

static int name_match(struct cds_lfht_node *node, const void *key)
{
	const struct conn_node *n = caa_container_of(node, struct conn_node, lfht);
	tsan_acquire(n);
	return strcmp(n->name, key) == 0;
}

int sadb_conn_table_init(struct conn_table *t)
{
	t->ht = cds_lfht_new(64, 64, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (!t->ht || conn_index_init(&t->index) < 0) {
		sadb_conn_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void sadb_conn_table_fini(struct conn_table *t)
{
	if (t->ht)
		cds_lfht_destroy(t->ht, NULL);
	t->ht = NULL;
	conn_index_fini(&t->index);
}

int sadb_conn_table_add(struct conn_table *t, struct conn_node *n)
{
	struct cds_lfht_node *got;

	cds_lfht_node_init(&n->lfht);
	tsan_release(n);
	rcu_read_lock();
	got = cds_lfht_add_unique(t->ht, name_hash(n->name), name_match, n->name, &n->lfht);
	rcu_read_unlock();
	return got == &n->lfht ? 0 : -EEXIST;
}

int sadb_conn_table_del(struct conn_table *t, struct conn_node *n)
{
	int rc;
	rcu_read_lock();
	rc = cds_lfht_del(t->ht, &n->lfht);
	rcu_read_unlock();
	return rc == 0 ? 0 : -ENOENT;
}

struct conn_node *sadb_conn_table_lookup_rcu(struct conn_table *t, const char *name)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->ht, name_hash(name), name_match, name, &it);
	node = cds_lfht_iter_get_node(&it);
	if (!node)
		return NULL;
	tsan_acquire(caa_container_of(node, struct conn_node, lfht));
	return caa_container_of(node, struct conn_node, lfht);
}

void sadb_conn_table_each_rcu(struct conn_table *t, bool (*fn)(struct conn_node *n, void *ctx),
			      void *ctx)
{
	struct cds_lfht_iter it;
	struct conn_node *n;

	cds_lfht_for_each_entry(t->ht, &it, n, lfht) {
		tsan_acquire(n);
		if (!fn(n, ctx))
			break;
	}
}

size_t sadb_conn_table_count(struct conn_table *t)
{
	long before, after;
	unsigned long count;

	rcu_read_lock();
	cds_lfht_count_nodes(t->ht, &before, &count, &after);
	rcu_read_unlock();
	return count;
}
