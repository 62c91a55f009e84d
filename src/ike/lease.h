/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_LEASE_H
#define SKUA_IKE_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/id.h"
#include "ike/pool.h"
#include "util/addr.h"

/*
 * The addresses one client holds from the pools of its connection (an
 * IKEv2 Configuration payload's INTERNAL_IP4/6_ADDRESS), at most one per
 * family. A lease is keyed by the client's ID so that it is sticky (the
 * same ID gets the same address back, ike/pool.h); an ID that does not
 * tell clients apart (an IP address, which every client behind one NAT
 * may share, or none) is made unique per IKE SA instead: such clients
 * get an address each, not sticky.
 *
 * Owner: the client's connection instance (conn->inst.lease, see
 * ike/connection.h), written only by the instance's owner worker. It is
 * taken when the client has authenticated and asked for an address, and
 * given back when the instance goes (its last IKE or Child SA gone:
 * delete, expiry, failed IKE_AUTH, shutdown; ike_inst_unpublish()), when
 * our Delete of its last IKE SA goes out (ike_sa_lease_done()), or, with
 * --uniqueids, when a new instance of the same ID replaced it
 * (ike_inst_replace_old(): the new instance holds the same address by the
 * same ID key, the pool counting both for that moment, so it never
 * changes hands). An IKE SA rekey keeps the instance: nothing moves.
 * A connection that is not an instance (its peer is an address, with
 * --addresspool) has one client: its IKE SA holds the lease
 * (ike_sa.lease, allocated when taken), and an IKE SA rekey moves it (ike_sa_lease_move()).
 * ike_lease_release() is the one way back to the pool.
 */
struct ike_lease {
	struct ike_pool *pool[2];	/* [0] IPv4, [1] IPv6: a reference while held */
	struct ip_addr addr[2];
	struct ike_id key;		/* the pool's key: the client's ID, or unique per SA */
};

enum {
	IKE_BANNER_MAX = 512,		/* bytes of a Mode Config banner kept (and sent) */
	IKE_SPLIT_MAX = 8,		/* split networks kept (and sent) */
};

/*
 * --modecfgclient: what the peer's CFG_REPLY gave us (no pool involved).
 * Owner: the IKE SA that received it (ike_sa.given, allocated only then, so
 * that every other IKE SA stays small); an IKE SA rekey moves it to the new SA.
 */
struct ike_cp_given {
	struct ip_addr assigned[2];	/* [0] IPv4, [1] IPv6; AF_UNSPEC: none */
	uint8_t prefix6;		/* the INTERNAL_IP6_ADDRESS prefix length (RFC 7296 3.15.1) */
	char dns_info[96];		/* PLUTO_PEER_DNS_INFO: its DNS servers, space separated */
	char domain_info[160];		/* PLUTO_PEER_DOMAIN_INFO: its domains */
	char pcscf_info[96];		/* the P-CSCF servers it named (RFC 7651), space separated */
	/* IKEv1 Mode Config (Cisco Unity): */
	char banner[IKE_BANNER_MAX + 1];	/* UNITY_BANNER, control characters as '?' */
	uint8_t nsplit;			/* UNITY_SPLIT_INCLUDE: the server's networks */
	struct ip_subnet split[IKE_SPLIT_MAX];
};

/* Pool slot of a family: 0 IPv4, 1 IPv6. */
static inline int ike_lease_fam(sa_family_t af)
{
	return af == AF_INET6;
}

static inline bool ike_lease_has(const struct ike_lease *l, sa_family_t af)
{
	return l && l->pool[ike_lease_fam(af)] != NULL;
}

/*
 * The key a client's leases go by: its ID when the ID names one client
 * (FQDN, user@FQDN, DN, KEY_ID), else an ID unique to the IKE SA serial.
 * Context: any thread; pure.
 */
void ike_lease_key(const struct ike_id *peer, uint64_t sa_serial, struct ike_id *key);

/*
 * Lease an address of family af from pool for key into l (the pool gets
 * a reference from l). Returns 0, -EALREADY (l holds one of that family:
 * the same address is kept), -ENOSPC (the pool is exhausted: counted by
 * the pool) or -ENOMEM. Context: the owner worker of l.
 */
int ike_lease_take(struct ike_lease *l, struct ike_pool *pool, const struct ike_id *key);

/*
 * Give every address of l back to its pool and drop the references; l is
 * empty afterwards. Accepts an empty lease. The one release path.
 * Context: the owner worker of l.
 */
void ike_lease_release(struct ike_lease *l);

/* Move what from holds to to (which must be empty); from is empty afterwards. */
void ike_lease_move(struct ike_lease *to, struct ike_lease *from);

#endif
