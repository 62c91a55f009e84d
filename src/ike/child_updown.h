/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CHILD_UPDOWN_H
#define SKUA_IKE_CHILD_UPDOWN_H

#include "ike/connection.h"
#include "ike/ike_sa.h"
#include "ike/updown.h"

/*
 * When the updown command runs (the manual's "The updown command"):
 *   Child SA installed:  prepare-, route- (unless --route did), up-
 *   Child SA removed:    down-, then unroute- when it was the last one
 *                        of an unrouted connection
 *   --route / --unroute: prepare- and route- / unroute-
 * with -host or -client and -v6 as the SA's addresses say. The script
 * runs on the runner thread, never on a worker; its answer comes back to
 * the worker, and a failed prepare-/route-/up- deletes the Child SA.
 */

/* Run verb for Child SA c of sa. Context: the owner worker. */
void ike_child_updown(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb);

/* Run verb for connection c without an SA (route, unroute). Context: worker w. */
void ike_conn_updown(struct ike_daemon *d, unsigned w, struct connection *c, uint8_t end,
		     enum updown_verb verb);

#endif
