/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/conn_inst.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static unsigned long fin(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (unsigned long)h;
}

static unsigned long hash_name(const struct ike_inst_table *t, const char *name)
{
	return fin(mix(t->key, name, strlen(name)));
}

static unsigned long hash_id(const struct ike_inst_table *t, const struct connection *tmpl,
			     const struct ike_id *id)
{
	uint64_t h = mix(t->key ^ 0x5a, &tmpl, sizeof(tmpl));
	h = mix(h, &id->type, 1);
	return fin(mix(h, id->data, id->len));
}

static const struct ike_id *peer_id(const struct connection *c)
{
	return c->id[1 - c->inst.end];
}

int ike_inst_table_init(struct ike_inst_table *t)
{
	memset(t, 0, sizeof(*t));
	if (crypto_random(&t->key, sizeof(t->key)) < 0)
		t->key = 0xcbf29ce484222325ULL;
	/* sized by us, not by liburcu's automatic resize: util/lfht_size.h says why */
	t->by_name = lfht_size_new(&t->name_size, 64);
	t->by_id = lfht_size_new(&t->id_size, 64);
	if (!t->by_name || !t->by_id) {
		ike_inst_table_fini(t);
		return -ENOMEM;
	}
	return 0;
}

static bool unpublish_one(struct connection *c, void *ctx)
{
	if (c->inst.published)
		ike_inst_unpublish(ctx, c);
	return true;
}

void ike_inst_table_fini(struct ike_inst_table *t)
{
	if (t->by_name) {
		rcu_read_lock();
		ike_inst_each_rcu(t, unpublish_one, t);
		rcu_read_unlock();
	}
	if (t->by_name)
		cds_lfht_destroy(t->by_name, NULL);
	if (t->by_id)
		cds_lfht_destroy(t->by_id, NULL);
	t->by_name = t->by_id = NULL;
}

void ike_inst_publish_ids(struct ike_inst_table *t, struct connection *c, bool by_id)
{
	rcu_read_lock();
	cds_lfht_add(t->by_name, hash_name(t, c->inst.name), &c->inst.by_name);
	if (by_id)
		cds_lfht_add(t->by_id, hash_id(t, c->inst.tmpl, peer_id(c)), &c->inst.by_id);
	rcu_read_unlock();
	c->inst.published = true;
	c->inst.by_id_published = by_id;
	atomic_fetch_add(&t->count, 1);
	lfht_size_added(&t->name_size);
	if (by_id)
		lfht_size_added(&t->id_size);
}

void ike_inst_publish(struct ike_inst_table *t, struct connection *c)
{
	ike_inst_publish_ids(t, c, true);
}

void ike_inst_unpublish(struct ike_inst_table *t, struct connection *c)
{
	if (!c->inst.published)
		return;
	c->inst.published = false;
	ike_lease_release(c->inst.lease);	/* the instance goes: its client's addresses too */
	rcu_read_lock();
	cds_lfht_del(t->by_name, &c->inst.by_name);
	if (c->inst.by_id_published)
		cds_lfht_del(t->by_id, &c->inst.by_id);
	rcu_read_unlock();
	atomic_fetch_sub(&t->count, 1);
	lfht_size_deleted(&t->name_size);
	if (c->inst.by_id_published)
		lfht_size_deleted(&t->id_size);
	c->inst.by_id_published = false;
	ike_connection_unref(c);	/* the table's */
}

void ike_conn_use(struct connection *c)
{
	ike_connection_ref(c);
	if (c->inst.tmpl)
		c->inst.users++;
}

void ike_conn_unuse(struct ike_inst_table *t, struct connection *c)
{
	if (c->inst.tmpl && --c->inst.users == 0)
		ike_inst_unpublish(t, c);
	ike_connection_unref(c);
}

static int match_name(struct cds_lfht_node *n, const void *key)
{
	const struct connection *c = caa_container_of(n, struct connection, inst.by_name);
	return strcmp(c->inst.name, key) == 0;
}

struct connection *ike_inst_find_ref(struct ike_inst_table *t, const char *name)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct connection *c = NULL;

	rcu_read_lock();
	cds_lfht_lookup(t->by_name, hash_name(t, name), match_name, name, &it);
	n = cds_lfht_iter_get_node(&it);
	if (n) {
		c = caa_container_of(n, struct connection, inst.by_name);
		if (!ike_connection_tryref(c))
			c = NULL;
	}
	rcu_read_unlock();
	return c;
}

struct id_key {
	const struct connection *tmpl;
	const struct ike_id *id;
};

static int match_id(struct cds_lfht_node *n, const void *key)
{
	const struct connection *c = caa_container_of(n, struct connection, inst.by_id);
	const struct id_key *k = key;
	return c->inst.tmpl == k->tmpl && ike_id_eq(peer_id(c), k->id);
}

void ike_inst_by_id_each_rcu(struct ike_inst_table *t, const struct connection *tmpl,
			     const struct ike_id *id, bool (*fn)(struct connection *c, void *ctx),
			     void *ctx)
{
	struct id_key k = { tmpl, id };
	struct cds_lfht_iter it;

	cds_lfht_lookup(t->by_id, hash_id(t, tmpl, id), match_id, &k, &it);
	for (struct cds_lfht_node *n; (n = cds_lfht_iter_get_node(&it));
	     cds_lfht_next_duplicate(t->by_id, match_id, &k, &it))
		if (!fn(caa_container_of(n, struct connection, inst.by_id), ctx))
			return;
}

void ike_inst_each_rcu(struct ike_inst_table *t, bool (*fn)(struct connection *c, void *ctx),
		       void *ctx)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	/* by node, not cds_lfht_for_each_entry(): the node is not at offset 0 (UBSan) */
	cds_lfht_first(t->by_name, &it);
	while ((n = cds_lfht_iter_get_node(&it))) {
		cds_lfht_next(t->by_name, &it);
		if (!fn(caa_container_of(n, struct connection, inst.by_name), ctx))
			return;
	}
}

uint64_t ike_inst_count(const struct ike_inst_table *t)
{
	return atomic_load(&t->count);
}

bool ike_inst_name_key(const char *name, char *out, size_t len)
{
	const char *br = strchr(name, '[');
	char base[CONN_NAME_MAX + 3];
	size_t blen;
	unsigned long no;
	char *end;

	if (!br || br == name)
		return false;
	blen = (size_t)(br - name);
	if (blen >= sizeof(base))
		return false;
	memcpy(base, name, blen);
	base[blen] = '\0';
	/* "rw"[3]: the quotes libreswan prints around the name */
	if (blen >= 2 && base[0] == '"' && base[blen - 1] == '"') {
		memmove(base, base + 1, blen - 2);
		base[blen - 2] = '\0';
	} else if (base[0] == '"') {
		memmove(base, base + 1, blen);	/* "rw[3]" */
	}
	if (!base[0] || strchr(base, '"'))
		return false;
	no = strtoul(br + 1, &end, 10);
	if (end == br + 1 || *end != ']' || no == 0 || no > UINT32_MAX)
		return false;
	end++;
	if (*end == '"' && base[0] && name[0] == '"' && name[blen - 1] != '"')
		end++;
	if (*end != '\0')
		return false;
	snprintf(out, len, "%s[%lu]", base, no);
	return true;
}
