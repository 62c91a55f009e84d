/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_WINDOW_H
#define SKUA_IKE_V2_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/v2/build.h"
#include "util/timer_wheel.h"

/*
 * The message ID window larger than one (RFC 7296 2.3, SET_WINDOW_SIZE).
 *
 * Responder: with pluto --ike-window N (config setup ike-window=N, 1..
 * V2_WINDOW_MAX, default 1: none announced, as libreswan) we announce N
 * in IKE_AUTH and, once established, take the peer's requests msgid_peer
 * .. msgid_peer + N - 1 in any order; their responses are kept in a ring
 * of N slots indexed by message ID (a retransmitted request in the window
 * is answered from it), and a request beyond the window is dropped and
 * counted (IKEC_RX_BEYOND_WINDOW). While an answer to a CREATE_CHILD_SA
 * is computed, only an INFORMATIONAL of the window is taken beside it.
 *
 * Initiator: when the peer announced a window larger than one, up to
 * min(its window, V2_PARK_MAX) of our requests are out at once: a
 * request sent for a Child SA exchange, a Delete of Child SAs or a
 * liveness check "parks" here with its own retransmission, and the next
 * task starts. A response finds its request by message ID and goes back
 * to sa->active and sa->req, where the exchange code handles it as
 * always. IKE SA rekeys and Deletes never park: they start when nothing
 * is out.
 *
 * The window object is allocated only when a window is in use (our first
 * answer after IKE_AUTH with --ike-window above one, a request ahead of
 * the next one expected, or a request of ours parked), and freed with the
 * SA. Owner: the IKE SA's owner worker.
 */
enum {
	V2_WINDOW_MAX = 8,	/* our window for the peer's requests, at most */
	V2_PARK_MAX = 4,	/* our requests out at once, at most */
};

struct v2_win_resp {
	uint8_t *buf;		/* our response, as sent (all fragments), or NULL */
	uint32_t len;
	uint32_t msgid;
};

struct v2_win_req {
	uint8_t *buf;		/* our request, as sent, or NULL: slot free */
	uint32_t len;
	uint32_t msgid;
	struct v2_task *task;	/* the task it serves (owned here while parked) */
	uint8_t retries;
	struct timer retrans;
	struct v2_window *win;	/* back to the window (the timer's callback) */
};

struct v2_window {
	struct ike_sa *sa;
	uint32_t answered;	/* bit i: request msgid_peer + i answered (out of order) */
	uint32_t msgid_rx;	/* the request being answered now */
	uint8_t size;		/* our window: response slots */
	uint8_t parked;		/* requests parked */
	struct v2_win_resp resp[V2_WINDOW_MAX];
	struct v2_win_req req[V2_PARK_MAX];
};

/* Our window for the peer's requests (1 when none was announced yet). */
unsigned v2_window_ours(const struct ike_sa *sa);

/* Add N(SET_WINDOW_SIZE) to an IKE_AUTH message when our window is larger than one. */
void v2_window_announce(struct ike_sa *sa, struct v2_build *b);

/*
 * Responder side (io.c). v2_window_classify() sorts the peer's request
 * msgid: V2W_RETRANSMIT (answered already: *buf and *len are our answer,
 * or NULL when it is too old to have one), V2W_NEW (in the window, not
 * answered), V2W_BEYOND (past the window). v2_window_accept() notes that
 * the request msgid is being answered now (allocating the window when
 * it runs ahead); false on ENOMEM. v2_window_keep() keeps our response
 * (its message ID read from its header) and advances the window; false
 * when the window does not hold responses (the caller keeps sa->resp).
 */
enum v2_window_class { V2W_RETRANSMIT, V2W_NEW, V2W_BEYOND };
enum v2_window_class v2_window_classify(struct ike_sa *sa, uint32_t msgid, const uint8_t **buf,
					size_t *len);
bool v2_window_accept(struct ike_sa *sa, uint32_t msgid);
int v2_window_keep(struct ike_sa *sa, const uint8_t *buf, size_t len, bool *kept);

/*
 * Initiator side (task.c, io.c). v2_window_may_send(): may the next task
 * start, with parked requests out (parkable: it may park too)?
 * v2_window_park(): move the active task and its request (just sent) into
 * the window, when the peer's window allows; false when it stays.
 * v2_window_has_parked(): is msgid one of our parked requests?
 * v2_window_unpark(): make it sa->active and sa->req again (both must be
 * free). Context: the owner.
 */
bool v2_window_may_send(const struct ike_sa *sa, bool parkable);
bool v2_window_park(struct ike_sa *sa);
bool v2_window_has_parked(const struct ike_sa *sa, uint32_t msgid);
void v2_window_unpark(struct ike_sa *sa, uint32_t msgid);
bool v2_task_parkable(const struct v2_task *t);

/* The Message ID in the header of a message we built. */
uint32_t v2_window_msgid_of(const uint8_t *buf);

/* Is a task of kind (for Child SA child, when not 0) parked? */
bool v2_window_task_parked(const struct ike_sa *sa, uint8_t kind, uint64_t child);
bool v2_window_spi_parked(const struct ike_sa *sa, uint32_t spi);

/* Free the window and what it holds (tasks, copies, timers). Context: the owner. */
void v2_window_free(struct ike_sa *sa);

/* What the window object holds now, in bytes as the allocator counts them. */
size_t v2_window_bytes(const struct ike_sa *sa);

#endif
