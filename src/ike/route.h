/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_ROUTE_H
#define SKUA_IKE_ROUTE_H

#include "ike/connection.h"
#include "ike/ike_daemon.h"

/*
 * Routing a connection (the manual's "route form" and "Pluto's Internal
 * State"): while no IPsec SA carries its traffic, an outbound policy for
 * its client pair sits in the kernel: a TRAP (the kernel asks us for an SA
 * when a packet matches: --route, --initiateontraffic) or a shunt (--pass,
 * --drop, --reject; after a failed negotiation the --fail* shunt). A
 * Child SA's own policy replaces it in place and puts it back when it
 * goes. Each connection's routing is done by one worker (its route
 * worker) so its kernel state changes in order.
 */

/* The worker that routes c. Context: any thread. */
unsigned ike_conn_route_worker(const struct ike_daemon *d, const struct connection *c);

/*
 * Route / unroute c (our end this_end); progress lines to pr (may be NULL).
 * Context: ctl thread; posts to the route worker.
 */
int ike_cmd_route(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		  struct ike_progress *pr);
int ike_cmd_unroute(struct ike_daemon *d, struct connection *c, struct ike_progress *pr);

/*
 * On the route worker: a Child SA of c went; put the prospective policy
 * back (the SA's policy delete would otherwise leave traffic in the clear).
 */
void ike_route_restore(struct ike_daemon *d, struct connection *c);

/* On the route worker, at shutdown: take c's prospective policy out of the kernel. */
void ike_route_drop(struct ike_daemon *d, struct connection *c);

/* On the route worker: a negotiation for routed c failed: the --fail* shunt. */
void ike_route_failed(struct ike_daemon *d, struct connection *c);

/* An ACQUIRE for reqid arrived on this worker: start the connection it traps. */
void ike_route_acquire(struct ike_worker *w, uint32_t reqid);

/*
 * A policy's fixed part, shared by the Child SAs' policies and the
 * prospective ones: selectors from src to dst, tunnel endpoints, mode,
 * reqid, the --conn-mark, and a priority that prefers specific selectors.
 */
void ike_policy_fill(struct kernel_policy_params *p, const struct connection *c,
		     const struct ike_ts *src, const struct ike_ts *dst, uint8_t dir, bool tunnel,
		     const struct ip_addr *tun_src, const struct ip_addr *tun_dst, uint32_t reqid);

/* The outbound prospective policy of c with shunt (for an in-place swap). */
struct kernel_policy_params;
void ike_route_out_policy(const struct connection *c, uint8_t end, int shunt, uint32_t reqid,
			  struct kernel_policy_params *p);

/* "%trap", "%pass", ... Context: any. */
const char *ike_shunt_name(int shunt);

#endif
