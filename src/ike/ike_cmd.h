/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_IKE_CMD_H
#define SKUA_IKE_IKE_CMD_H

#include "ike/connection.h"
#include "ike/ike_daemon.h"

/*
 * What the ctl thread asks of the workers. An SA is only ever touched by
 * its owner, so each command travels as a mail; the ones that concern
 * every worker wait until all have done their part.
 */

/*
 * Start an IKE SA for c (our end this_end, through listener l from local)
 * on the next worker; progress lines go to pr (may be NULL: asynchronous).
 * Context: ctl thread. Returns 0 or -ENOMEM.
 */
int ike_cmd_initiate(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		     struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr);

/*
 * When an established IKE SA has the ends and identities of c but no
 * Child SA of c, ask it for one more Child SA (CREATE_CHILD_SA) for c,
 * progress lines to pr, and return true; false when none can (then start
 * an IKE SA). Context: ctl thread; waits for every worker.
 */
bool ike_cmd_add_child(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		       struct ike_progress *pr);

/* One line of output from a worker, ordered by the serial it is about. */
typedef void ike_emit_fn(void *ctx, uint64_t serial, const char *line);

/*
 * Delete every SA of connection c (NULL: of every connection), telling the
 * peers. Lines saying what was deleted go to emit. Returns how many IKE
 * SAs went. Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_terminate(struct ike_daemon *d, const struct connection *c, ike_emit_fn *emit,
			   void *ctx);

/*
 * whack --crash ADDR: the peers at ADDR are dead; their established IKE
 * SAs go at once (no Delete) and --dpdaction follows. Returns how many.
 * Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_crash(struct ike_daemon *d, const struct ip_addr *peer, ike_emit_fn *emit,
		       void *ctx);

/*
 * whack --rekey-ike / --rekey-ipsec: rekey in place (CREATE_CHILD_SA) the
 * established IKE SAs (ike) or the installed Child SAs of connection c.
 * Returns how many rekeys started. Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_rekey(struct ike_daemon *d, const struct connection *c, bool ike, ike_emit_fn *emit,
		       void *ctx);

/* Delete the state #serial (an IKE SA with its children, or one Child SA). */
bool ike_cmd_deletestate(struct ike_daemon *d, uint64_t serial, ike_emit_fn *emit, void *ctx);

/*
 * whack --trafficstatus: per installed Child SA, the bytes in and out the
 * kernel counted, its add time and the peer's ID. Waits for the kernel.
 */
void ike_cmd_trafficstatus(struct ike_daemon *d, ike_emit_fn *emit, void *ctx);

/* The state part of whack --status. */
void ike_cmd_status(struct ike_daemon *d, ike_emit_fn *emit, void *ctx);

/*
 * Shutdown: delete every SA (telling peers best-effort, not waiting), and
 * remove kernel state unless leave_state. Context: ctl or main thread.
 */
void ike_cmd_shutdown(struct ike_daemon *d, bool leave_state);

/* How many IKE SAs, half-open (responder), established, Child SAs now. Context: any thread. */
void ike_cmd_counts(struct ike_daemon *d, uint64_t *ike, uint64_t *half_open, uint64_t *up,
		    uint64_t *child);

#endif
