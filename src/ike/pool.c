/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

typedef unsigned __int128 u128;

enum { FIRST_BUCKETS = 64 };

/* One address bound to one ID. Owner: its pool, under the pool's lock. */
struct lease {
	struct lease *by_id_next, *by_off_next;	/* hash chains */
	struct lease *lru_prev, *lru_next;	/* released ones, oldest first */
	uint64_t off;				/* from the first address */
	unsigned holders;			/* 0: lingering */
	uint8_t id_type;
	uint16_t id_len;
	uint8_t id_data[];
};

struct ike_pool {
	_Atomic unsigned refs;
	pthread_mutex_t lock;
	struct ip_addr first, last;
	uint8_t plen;			/* each lease: an address (32/128) or an IPv6 prefix (/64) */
	uint8_t shift;			/* address bits - plen */
	uint64_t size;			/* leases (addresses or prefixes), capped at 2^64 - 1 */
	uint64_t fresh;			/* offsets below it have been leased once */
	struct lease **by_id, **by_off;	/* two chained hashes of the same leases */
	size_t mask;			/* buckets - 1 */
	size_t count;			/* leases (in use and lingering) */
	uint64_t in_use, exhausted;
	struct lease *lru_head, *lru_tail;
	uint64_t key;			/* hashing secret */
	bool registered;		/* in the registry below (ike_pool_get()) */
	struct ike_pool *reg_next;
};

/*
 * The pools connections name, one per range, so that connections naming
 * the same range share one. A pool leaves the registry when its last
 * reference goes, under the registry lock (so a pool found there always
 * has a reference to share).
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ike_pool *reg_head;

/* ---- addresses as numbers ---- */

static u128 to_num(const struct ip_addr *a)
{
	unsigned n = a->af == AF_INET ? 4 : 16;
	u128 v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | a->b[i];
	return v;
}

static struct ip_addr from_num(sa_family_t af, u128 v)
{
	struct ip_addr a;
	unsigned n = af == AF_INET ? 4 : 16;

	memset(&a, 0, sizeof(a));
	a.af = af;
	for (unsigned i = n; i-- > 0;) {
		a.b[i] = (uint8_t)v;
		v >>= 8;
	}
	return a;
}

int ike_pool_parse(const char *text, struct ip_addr *first, struct ip_addr *last, uint8_t *plen,
		   char *err, size_t errlen)
{
	const char *dash = strchr(text, '-');
	char lo[64];

	if (!dash && strchr(text, '/')) {
		struct ip_subnet sn;
		const char *second = strchr(strchr(text, '/') + 1, '/');
		char net[80];

		if (second) {
			/* NET/BITS/LEN: IPv6 prefixes of length LEN (RFC 8200 style /64s) */
			char *end;
			unsigned long len = strtoul(second + 1, &end, 10);
			if ((size_t)(second - text) >= sizeof(net)) {
				snprintf(err, errlen, "\"%s\": expected FIRST-LAST, NET/BITS or "
					 "NET/BITS/LEN", text);
				return -EINVAL;
			}
			memcpy(net, text, (size_t)(second - text));
			net[second - text] = '\0';
			if (ip_subnet_parse(net, &sn) < 0 || sn.addr.af != AF_INET6 ||
			    end == second + 1 || *end || len > 128 || len <= sn.prefix ||
			    len - sn.prefix > 63) {
				snprintf(err, errlen,
					 "\"%s\": expected an IPv6 NET/BITS/LEN, LEN the length of "
					 "each client's prefix (BITS < LEN <= 128, at most 2^63 "
					 "prefixes), e.g. 2001:db8:100::/48/64", text);
				return -EINVAL;
			}
			*plen = (uint8_t)len;
		} else if (ip_subnet_parse(text, &sn) < 0) {
			snprintf(err, errlen, "\"%s\": not a subnet; expected FIRST-LAST or NET/BITS",
				 text);
			return -EINVAL;
		} else {
			*plen = (uint8_t)ip_addr_bits(&sn.addr);
		}
		unsigned hostbits = ip_addr_bits(&sn.addr) - sn.prefix;
		u128 host = hostbits >= 128 ? ~(u128)0 : ((u128)1 << hostbits) - 1;
		*first = from_num(sn.addr.af, to_num(&sn.addr) & ~host);
		*last = from_num(sn.addr.af, to_num(&sn.addr) | host);
		return 0;
	}
	if (!dash || (size_t)(dash - text) >= sizeof(lo)) {
		snprintf(err, errlen, "\"%s\": expected FIRST-LAST or NET/BITS", text);
		return -EINVAL;
	}
	memcpy(lo, text, (size_t)(dash - text));
	lo[dash - text] = '\0';
	if (ip_addr_parse(lo, first) < 0 || ip_addr_parse(dash + 1, last) < 0) {
		snprintf(err, errlen, "\"%s\": FIRST and LAST must be IP addresses", text);
		return -EINVAL;
	}
	if (first->af != last->af) {
		snprintf(err, errlen, "\"%s\": FIRST and LAST are of different families", text);
		return -EINVAL;
	}
	if (to_num(first) > to_num(last)) {
		snprintf(err, errlen, "\"%s\": FIRST is after LAST", text);
		return -EINVAL;
	}
	*plen = (uint8_t)ip_addr_bits(first);
	return 0;
}

/* ---- the hashes ---- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static size_t id_slot(const struct ike_pool *p, uint8_t type, const uint8_t *data, uint16_t len)
{
	uint64_t h = p->key ^ type;

	for (uint16_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return (size_t)mix(h) & p->mask;
}

static size_t off_slot(const struct ike_pool *p, uint64_t off)
{
	return (size_t)mix(off ^ p->key) & p->mask;
}

static bool same_id(const struct lease *l, const struct ike_id *id)
{
	return l->id_type == id->type && l->id_len == id->len &&
	       memcmp(l->id_data, id->data, id->len) == 0;
}

static struct lease *find_id(const struct ike_pool *p, const struct ike_id *id)
{
	if (!p->by_id)
		return NULL;
	for (struct lease *l = p->by_id[id_slot(p, id->type, id->data, id->len)]; l;
	     l = l->by_id_next)
		if (same_id(l, id))
			return l;
	return NULL;
}

static struct lease *find_off(const struct ike_pool *p, uint64_t off)
{
	if (!p->by_off)
		return NULL;
	for (struct lease *l = p->by_off[off_slot(p, off)]; l; l = l->by_off_next)
		if (l->off == off)
			return l;
	return NULL;
}

static void link_both(struct ike_pool *p, struct lease *l)
{
	size_t i = id_slot(p, l->id_type, l->id_data, l->id_len), j = off_slot(p, l->off);

	l->by_id_next = p->by_id[i];
	p->by_id[i] = l;
	l->by_off_next = p->by_off[j];
	p->by_off[j] = l;
}

static void unlink_id(struct ike_pool *p, struct lease *l)
{
	struct lease **pp = &p->by_id[id_slot(p, l->id_type, l->id_data, l->id_len)];

	while (*pp && *pp != l)
		pp = &(*pp)->by_id_next;
	if (*pp)
		*pp = l->by_id_next;
}

static void unlink_off(struct ike_pool *p, struct lease *l)
{
	struct lease **pp = &p->by_off[off_slot(p, l->off)];

	while (*pp && *pp != l)
		pp = &(*pp)->by_off_next;
	if (*pp)
		*pp = l->by_off_next;
}

static int grow(struct ike_pool *p)
{
	size_t n = p->mask ? 2 * (p->mask + 1) : FIRST_BUCKETS, old_n = p->mask ? p->mask + 1 : 0;
	struct lease **oid = p->by_id, **ib = calloc(n, sizeof(*ib)), **ob = calloc(n, sizeof(*ob));

	if (!ib || !ob) {
		free(ib);
		free(ob);
		return -ENOMEM;
	}
	free(p->by_off);
	p->by_id = ib;
	p->by_off = ob;
	p->mask = n - 1;
	/* Every lease is on exactly one by-ID chain: relink from those. */
	for (size_t i = 0; i < old_n; i++) {
		struct lease *l = oid[i];
		while (l) {
			struct lease *next = l->by_id_next;
			link_both(p, l);
			l = next;
		}
	}
	free(oid);
	return 0;
}

/* ---- the released-leases list ---- */

static void lru_remove(struct ike_pool *p, struct lease *l)
{
	if (l->lru_prev)
		l->lru_prev->lru_next = l->lru_next;
	else if (p->lru_head == l)
		p->lru_head = l->lru_next;
	if (l->lru_next)
		l->lru_next->lru_prev = l->lru_prev;
	else if (p->lru_tail == l)
		p->lru_tail = l->lru_prev;
	l->lru_prev = l->lru_next = NULL;
}

static void lru_append(struct ike_pool *p, struct lease *l)
{
	l->lru_prev = p->lru_tail;
	l->lru_next = NULL;
	if (p->lru_tail)
		p->lru_tail->lru_next = l;
	else
		p->lru_head = l;
	p->lru_tail = l;
}

/* ---- the pool ---- */

struct ike_pool *ike_pool_new(const struct ip_addr *first, const struct ip_addr *last,
			      uint8_t plen)
{
	struct ike_pool *p = calloc(1, sizeof(*p));
	u128 span;

	if (!p)
		return NULL;
	atomic_store(&p->refs, 1);
	pthread_mutex_init(&p->lock, NULL);
	p->first = *first;
	p->last = *last;
	p->plen = plen && plen <= ip_addr_bits(first) ? plen : (uint8_t)ip_addr_bits(first);
	p->shift = (uint8_t)(ip_addr_bits(first) - p->plen);
	span = (to_num(last) - to_num(first)) >> p->shift;
	p->size = span >= UINT64_MAX ? UINT64_MAX : (uint64_t)span + 1;
	crypto_random(&p->key, sizeof(p->key));
	return p;
}

void ike_pool_ref(struct ike_pool *p)
{
	atomic_fetch_add(&p->refs, 1);
}

void ike_pool_unref(struct ike_pool *p)
{
	if (!p)
		return;
	if (p->registered) {
		bool last;

		pthread_mutex_lock(&reg_lock);
		last = atomic_fetch_sub(&p->refs, 1) == 1;
		if (last) {
			struct ike_pool **pp = &reg_head;
			while (*pp && *pp != p)
				pp = &(*pp)->reg_next;
			if (*pp)
				*pp = p->reg_next;
		}
		pthread_mutex_unlock(&reg_lock);
		if (!last)
			return;
	} else if (atomic_fetch_sub(&p->refs, 1) != 1) {
		return;
	}
	for (size_t i = 0; p->by_id && i <= p->mask; i++) {
		struct lease *l = p->by_id[i];
		while (l) {
			struct lease *next = l->by_id_next;
			free(l);
			l = next;
		}
	}
	free(p->by_id);
	free(p->by_off);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void ike_pool_range(const struct ike_pool *p, struct ip_addr *first, struct ip_addr *last)
{
	*first = p->first;
	*last = p->last;
}

static struct ip_addr addr_of(const struct ike_pool *p, uint64_t off)
{
	return from_num(p->first.af, to_num(&p->first) + ((u128)off << p->shift));
}

/* A new lease of off for id. Returns NULL on ENOMEM. Context: under the lock. */
static struct lease *bind_new(struct ike_pool *p, uint64_t off, const struct ike_id *id)
{
	struct lease *l;

	if ((!p->by_id || p->count + 1 > p->mask + 1) && grow(p) < 0)
		return NULL;
	l = calloc(1, sizeof(*l) + id->len);
	if (!l)
		return NULL;
	l->off = off;
	l->id_type = id->type;
	l->id_len = id->len;
	memcpy(l->id_data, id->data, id->len);
	link_both(p, l);
	p->count++;
	return l;
}

int ike_pool_lease(struct ike_pool *p, const struct ike_id *id, struct ip_addr *out)
{
	struct lease *l;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	l = find_id(p, id);
	if (l) {
		/* Sticky: its own address again (shared while its old SA is replaced). */
		if (l->holders++ == 0) {
			lru_remove(p, l);
			p->in_use++;
		}
	} else if (p->fresh < p->size) {
		l = bind_new(p, p->fresh, id);
		if (l) {
			p->fresh++;
			l->holders = 1;
			p->in_use++;
		}
	} else if (p->lru_head) {
		/* The longest-released address changes owner. */
		struct lease *old = p->lru_head;
		uint64_t off = old->off;
		lru_remove(p, old);
		unlink_id(p, old);
		unlink_off(p, old);
		p->count--;
		free(old);
		l = bind_new(p, off, id);
		if (l) {
			l->holders = 1;
			p->in_use++;
		}
	} else {
		p->exhausted++;
		rc = -ENOSPC;
	}
	if (!l && rc == 0)
		rc = -ENOMEM;
	if (l)
		*out = addr_of(p, l->off);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int ike_pool_release(struct ike_pool *p, const struct ike_id *id, const struct ip_addr *addr)
{
	struct lease *l;
	u128 a = to_num(addr), lo = to_num(&p->first);
	int rc = -ENOENT;

	if (addr->af != p->first.af || a < lo || ((a - lo) >> p->shift) >= p->size ||
	    ((a - lo) & (((u128)1 << p->shift) - 1)))
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	l = find_off(p, (uint64_t)((a - lo) >> p->shift));
	if (l && l->holders && same_id(l, id)) {
		if (--l->holders == 0) {
			p->in_use--;
			lru_append(p, l);
		}
		rc = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void ike_pool_stats(struct ike_pool *p, struct ike_pool_stats *st)
{
	pthread_mutex_lock(&p->lock);
	st->size = p->size;
	st->in_use = p->in_use;
	st->lingering = p->count - p->in_use;
	st->exhausted = p->exhausted;
	pthread_mutex_unlock(&p->lock);
}

void ike_pool_each(struct ike_pool *p, ike_pool_lease_fn *fn, void *ctx)
{
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; p->by_id && i <= p->mask; i++) {
		for (struct lease *l = p->by_id[i]; l; l = l->by_id_next) {
			struct ike_id id = { .type = l->id_type, .len = l->id_len };
			struct ip_addr a = addr_of(p, l->off);
			memcpy(id.data, l->id_data, l->id_len);
			fn(ctx, &a, &id, l->holders);
		}
	}
	pthread_mutex_unlock(&p->lock);
}

/* ---- the registry ---- */

static bool overlap(const struct ike_pool *p, const struct ip_addr *first,
		    const struct ip_addr *last)
{
	return p->first.af == first->af && to_num(first) <= to_num(&p->last) &&
	       to_num(&p->first) <= to_num(last);
}

int ike_pool_get(const char *text, struct ike_pool **out, char *err, size_t errlen)
{
	struct ip_addr first, last;
	struct ike_pool *p;
	uint8_t plen;
	int rc = ike_pool_parse(text, &first, &last, &plen, err, errlen);

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&reg_lock);
	for (p = reg_head; p; p = p->reg_next) {
		if (ip_addr_eq(&p->first, &first) && ip_addr_eq(&p->last, &last) &&
		    p->plen == plen) {
			atomic_fetch_add(&p->refs, 1);
			break;
		}
		if (overlap(p, &first, &last)) {
			char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
			snprintf(err, errlen,
				 "\"%s\" overlaps the pool %s-%s another connection uses (expected the same range, to share it, or one apart)",
				 text, ip_addr_str(&p->first, a), ip_addr_str(&p->last, b));
			pthread_mutex_unlock(&reg_lock);
			return -EEXIST;
		}
	}
	if (!p) {
		p = ike_pool_new(&first, &last, plen);
		if (p) {
			p->registered = true;
			p->reg_next = reg_head;
			reg_head = p;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void ike_pool_each_pool(void (*fn)(void *ctx, struct ike_pool *p), void *ctx)
{
	pthread_mutex_lock(&reg_lock);
	for (struct ike_pool *p = reg_head; p; p = p->reg_next)
		fn(ctx, p);
	pthread_mutex_unlock(&reg_lock);
}

const char *ike_pool_str(const struct ike_pool *p, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	if (p->shift) {
		/* NET/BITS/LEN, as it was given */
		unsigned bits = 0;
		for (u128 span = to_num(&p->last) - to_num(&p->first); span; span >>= 1)
			bits++;
		snprintf(buf, len, "%s/%u/%u", ip_addr_str(&p->first, a), 128 - bits, p->plen);
		return buf;
	}
	snprintf(buf, len, "%s-%s", ip_addr_str(&p->first, a), ip_addr_str(&p->last, b));
	return buf;
}

uint8_t ike_pool_lease_bits(const struct ike_pool *p)
{
	return p->plen;
}

sa_family_t ike_pool_family(const struct ike_pool *p)
{
	return p->first.af;
}

int ike_pool_list(struct ike_pool ***out, size_t *n)
{
	struct ike_pool **v = NULL;
	size_t k = 0, cap = 0;
	int rc = 0;

	pthread_mutex_lock(&reg_lock);
	for (struct ike_pool *p = reg_head; p; p = p->reg_next)
		cap++;
	if (cap) {
		v = calloc(cap, sizeof(*v));
		if (!v)
			rc = -ENOMEM;
	}
	for (struct ike_pool *p = reg_head; v && p; p = p->reg_next) {
		atomic_fetch_add(&p->refs, 1);
		v[k++] = p;
	}
	pthread_mutex_unlock(&reg_lock);
	*out = v;
	*n = k;
	return rc;
}
