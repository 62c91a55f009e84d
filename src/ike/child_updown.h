/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CHILD_UPDOWN_H
#define SKUA_IKE_CHILD_UPDOWN_H

#include "ike/connection.h"
#include "ike/ike_sa.h"
#include "ike/updown.h"

/*
 * When the updown verbs run (the manual's "The updown command"):
 *   Child SA installed:  prepare-, route- (unless --route did), up-
 *   Child SA removed:    down-, then unroute- when it was the last one
 *                        of an unrouted connection
 *   --route / --unroute: prepare- and route- / unroute-
 * with -host or -client and -v6 as the SA's addresses say.
 *
 * Without --updown the shipped _updown's action is done natively, with no
 * process: its routes (updown_native_routes()) go to the kernel thread as
 * route ops, in the Child SA's own install or removal batch. With
 * --updown CMD, CMD runs for every verb on the runner thread, never on a
 * worker, and nothing is ever skipped: when the runner's queue is full
 * the verb waits in its worker (in order: later verbs of the worker queue
 * behind it) and is counted (IKEC_UPDOWN_DELAYED). A Child SA is
 * announced to whack as established only once its up- has succeeded; a
 * failed prepare-/route-/up- deletes it and tells whack (RC_FATAL).
 * --updown %disabled (or "") runs nothing at all.
 */

/* Set up / free worker w's waiting verbs. Context: ike_daemon_init() / _fini(). */
void ike_updown_worker_init(struct ike_worker *w);
void ike_updown_worker_fini(struct ike_worker *w);

/* Is the updown of conn (our end) the native default (no --updown)? Context: any. */
bool ike_updown_is_native(const struct ike_daemon *d, const struct connection *conn,
			  uint8_t end);

/*
 * Append the native routes of verb for Child SA c of sa to b. Returns 0,
 * -ENOMEM (b full or memory short) or -EINVAL. Context: the owner worker.
 */
int ike_child_updown_native(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb,
			    struct kernel_batch *b);

/*
 * Run verb for Child SA c of sa: the --updown command, or the native
 * action in a batch of its own. Context: the owner worker.
 */
void ike_child_updown(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb);

/*
 * c is installed: run up- and send the finished line `established` (the
 * "IPsec SA established" progress line, already admitted by
 * ike_progress_admit(); NULL when the log's limit dropped it and there is
 * no whack) to sa's whack and the log once it has succeeded: at once when
 * there is no command to run; after the command otherwise, the whack kept
 * waiting until then. Context: the owner.
 */
void ike_child_updown_up(struct ike_sa *sa, struct child_sa *c, const char *established);

/* Run verb for connection c without an SA (route, unroute). Context: worker w. */
void ike_conn_updown(struct ike_daemon *d, unsigned w, struct connection *c, uint8_t end,
		     enum updown_verb verb);

#endif
