/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_POOL_H
#define SKUA_IKE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/id.h"
#include "util/addr.h"

/*
 * Address pools (--addresspool FIRST-LAST or a CIDR, IPv4 or IPv6): the
 * addresses a concentrator leases to its road warriors through the
 * Configuration payload (IKEv2) or Mode Config (IKEv1).
 *
 * A lease belongs to a client ID and is sticky: when it is released the
 * address stays bound to that ID, and the ID gets it back, until the
 * pool has handed out every address it never used and must take the
 * longest-released one for someone else. A second lease for an ID that
 * holds one (a client coming back while its old IKE SA is replaced) is
 * the same address, counted twice, so no lease changes hands. Nothing
 * is allocated per address: a pool of a /8 or a /64 costs what its
 * leases cost.
 *
 * Owner: the ctl thread makes pools and shares one among the connections
 * that name the same range; any worker leases and releases, under the
 * pool's own lock (a lease is taken once per client set-up, never per
 * packet). Reference counted: each connection holds one.
 */
struct ike_pool;

/*
 * Parse "FIRST-LAST" (same family, FIRST <= LAST) or a CIDR "NET/BITS"
 * (every address of it, the all-zero host part included, as libreswan),
 * each lease one address (*plen 32 or 128); or an IPv6 "NET/BITS/LEN":
 * each lease a prefix of length LEN of NET/BITS (RFC 8200 style, one /64
 * per client: 2001:db8:100::/48/64). Returns 0 or -EINVAL with err saying
 * what was wrong and what was expected. Context: any thread; pure.
 */
int ike_pool_parse(const char *text, struct ip_addr *first, struct ip_addr *last, uint8_t *plen,
		   char *err, size_t errlen);

/*
 * A new pool of [first, last] whose leases are prefixes of length plen
 * (the family's address bits: single addresses); NULL on ENOMEM. It
 * holds one reference.
 */
struct ike_pool *ike_pool_new(const struct ip_addr *first, const struct ip_addr *last,
			      uint8_t plen);

/*
 * The length of each lease: 32 or 128 for single addresses, less for an
 * IPv6 prefix pool, whose leases are the prefixes' first addresses.
 */
uint8_t ike_pool_lease_bits(const struct ike_pool *p);

/*
 * The shared pool of a range (text as ike_pool_parse() takes it): the one
 * another connection named with the same range, with a new reference, or
 * a new one. Returns 0, -EINVAL (err: what was wrong), -EEXIST (the range
 * overlaps another pool's without being the same: err names it) or
 * -ENOMEM. Context: any thread (the ctl thread, adding a connection).
 */
int ike_pool_get(const char *text, struct ike_pool **out, char *err, size_t errlen);

/*
 * Each pool of the registry (ike_pool_get()'s), for listings and metrics.
 * fn runs under the registry's lock: it may read the pool (stats, each)
 * but not take or drop references.
 */
void ike_pool_each_pool(void (*fn)(void *ctx, struct ike_pool *p), void *ctx);

/*
 * The registry's pools, each with a new reference, for listings and
 * metrics outside the registry's lock: *out (malloc'd) holds *n of them;
 * drop each with ike_pool_unref() and free the array. Returns 0 or -ENOMEM.
 */
int ike_pool_list(struct ike_pool ***out, size_t *n);

/* "FIRST-LAST" (or NET/BITS/LEN), its name in listings and metrics. Returns buf. */
const char *ike_pool_str(const struct ike_pool *p, char *buf, size_t len);
sa_family_t ike_pool_family(const struct ike_pool *p);

/* Context: any thread holding a reference. */
void ike_pool_ref(struct ike_pool *p);
/* Drop a reference; the last one frees the pool and its leases. Accepts NULL. */
void ike_pool_unref(struct ike_pool *p);

/* The range, for naming and for matching another connection's pool. */
void ike_pool_range(const struct ike_pool *p, struct ip_addr *first, struct ip_addr *last);

/*
 * Lease an address for id into *out: the one id had, if it is still
 * free or held by id; else one never used; else the longest-released
 * one. Returns 0, -ENOSPC (every address is in use) or -ENOMEM.
 * Context: any thread; takes the pool's lock.
 */
int ike_pool_lease(struct ike_pool *p, const struct ike_id *id, struct ip_addr *out);

/*
 * Give back one lease of addr by id (it stays bound to id while nobody
 * needs it). Returns 0, or -ENOENT when id holds no lease of addr.
 * Context: any thread; takes the pool's lock.
 */
int ike_pool_release(struct ike_pool *p, const struct ike_id *id, const struct ip_addr *addr);

struct ike_pool_stats {
	uint64_t size;		/* addresses in the range */
	uint64_t in_use;	/* leased now */
	uint64_t lingering;	/* released, still bound to their last ID */
	uint64_t exhausted;	/* leases refused for want of an address */
};

/* Context: any thread; takes the pool's lock. */
void ike_pool_stats(struct ike_pool *p, struct ike_pool_stats *st);

/*
 * Each lease (in use or lingering), in address order is not promised.
 * fn runs under the pool's lock: it must not call back into the pool.
 */
typedef void ike_pool_lease_fn(void *ctx, const struct ip_addr *addr, const struct ike_id *id,
			       unsigned holders);
void ike_pool_each(struct ike_pool *p, ike_pool_lease_fn *fn, void *ctx);

#endif
