/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CONN_SELECT_H
#define SKUA_IKE_CONN_SELECT_H

#include "ike/ike_daemon.h"
#include "ike/connection.h"
#include "ike/lease.h"

/*
 * The connection a responder uses for a first message from peer to local
 * (the manual's "Selecting a Connection When Responding"): one with an
 * end at our address and the other at the peer's address, else one whose
 * other end is %any. Returns it with a reference taken and *this_end set,
 * or NULL. Context: any RCU-registered thread.
 */
struct connection *ike_conn_for_responder(struct ike_daemon *d, const struct ip_addr *local,
					  const struct ip_addr *peer, uint8_t *this_end);

/*
 * After IDi arrived: a connection between the same hosts whose peer ID is
 * `id`, when the current one names another ID. Returns a referenced
 * connection or NULL. Context: any RCU-registered thread.
 */
struct connection *ike_conn_for_id(struct ike_daemon *d, const struct ip_addr *local,
				   const struct ip_addr *peer, const struct ike_id *id,
				   uint8_t *this_end);

/*
 * For the first Child SA: among the connections between these hosts that
 * accept peer ID `peer_id` and would send `our_id`, the best one whose
 * selectors narrow the proposed tsi/tsr. Returns it referenced, or NULL.
 * Context: any RCU-registered thread.
 */
struct ike_ts_set;
struct connection *ike_conn_for_ts(struct ike_daemon *d, const struct ip_addr *local,
				   const struct ip_addr *peer, const struct ike_id *peer_id,
				   const struct ike_id *our_id, const struct ike_ts_set *tsi,
				   const struct ike_ts_set *tsr, uint8_t *this_end);

/*
 * The peer's traffic selector of c: its client, or for a road warrior
 * without one, its own address. Context: any thread.
 */
struct ike_ts ike_conn_remote_ts(const struct connection *c, uint8_t this_end,
				 const struct ip_addr *peer);

/*
 * The selectors of a Child SA of c for a client holding lease (its
 * instance's, ike_sa_lease()): with a pool for the peer's end, the peer's
 * is the address it leased (an empty selector when it holds none of that
 * family, which narrows to nothing); as a --modecfgclient, ours is the
 * address the peer gave us (given; the connection's own when none). Otherwise as ike_conn_remote_ts()
 * and c->ts[this_end]. Context: the IKE SA's owner.
 */
struct ike_ts ike_conn_remote_ts_sa(const struct connection *c, uint8_t this_end,
				    const struct ip_addr *peer, const struct ike_lease *lease);
struct ike_ts ike_conn_local_ts_sa(const struct connection *c, uint8_t this_end,
				   const struct ike_cp_given *given);

/* The selector of every address of af with c's protocol and port of that end. */
struct ike_ts ike_conn_family_ts(const struct connection *c, uint8_t end, sa_family_t af);

/* Does the connection's end other than this_end accept peer as its host? */
bool ike_conn_peer_matches(const struct connection *c, uint8_t this_end,
			   const struct ip_addr *peer);

#endif
