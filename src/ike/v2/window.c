/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/window.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/io.h"
#include "ike/v2/task.h"
#include "util/log.h"

/* The SA stays in its allocator size class (jemalloc: 1792 bytes). */
_Static_assert(sizeof(struct ike_sa) <= 1792, "struct ike_sa grew past 1792 bytes");

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

uint32_t v2_window_msgid_of(const uint8_t *buf)
{
	return (uint32_t)buf[20] << 24 | (uint32_t)buf[21] << 16 | (uint32_t)buf[22] << 8 | buf[23];
}

static unsigned configured(const struct ike_sa *sa)
{
	unsigned n = sa->w->d->ike_window;

	return n < 1 ? 1 : n > V2_WINDOW_MAX ? V2_WINDOW_MAX : n;
}

unsigned v2_window_ours(const struct ike_sa *sa)
{
	/* The peer learns it from our IKE_AUTH message: one until then. */
	if (sa->version != 2 || !ike_state_info(sa->state)->established)
		return 1;
	return configured(sa);
}

uint32_t v2_answer_msgid(const struct ike_sa *sa)
{
	const struct v2_window *win = ike_sa_win(sa);

	return win ? win->msgid_rx : sa->msgid_peer;
}

void v2_window_announce(struct ike_sa *sa, struct v2_build *b)
{
	unsigned n = configured(sa);
	uint8_t data[4] = { 0, 0, 0, (uint8_t)n };
	struct v2_notification nt = { .type = V2N_SET_WINDOW_SIZE, .len = 4, .data = data };

	if (n > 1)
		v2_build_notify(b, &nt);
}

static void parked_fire(struct timer_wheel *tw, struct timer *t, void *arg);

/* The response slots hold our answers (our window is larger than one). */
static bool holds_responses(const struct v2_window *win)
{
	return win && win->size > 1;
}

/*
 * sa's window, allocated on first use. Our last response (to msgid_peer -
 * 1), cached in sa->resp until now, moves into its slot.
 */
static struct v2_window *window_get(struct ike_sa *sa)
{
	struct v2_window *win = ike_sa_win(sa);

	if (win)
		return win;
	if (!ike_sa_ext_get(sa))	/* it lives in the ext */
		return NULL;
	win = calloc(1, sizeof(*win));
	if (!win)
		return NULL;
	win->sa = sa;
	win->size = (uint8_t)configured(sa);
	win->msgid_rx = sa->msgid_peer;
	for (unsigned i = 0; i < V2_PARK_MAX; i++) {
		win->req[i].win = win;
		timer_init(&win->req[i].retrans, parked_fire, &win->req[i]);
	}
	if (holds_responses(win) && sa->resp && sa->msgid_peer > 0) {
		struct v2_win_resp *r = &win->resp[(sa->msgid_peer - 1) % win->size];
		bool shared = sa->setup && sa->setup->init_resp == sa->resp;

		if (shared) {
			r->buf = malloc(sa->resp_len);
			if (!r->buf) {
				free(win);
				return NULL;
			}
			memcpy(r->buf, sa->resp, sa->resp_len);
		} else {
			r->buf = sa->resp;
		}
		r->len = (uint32_t)sa->resp_len;
		r->msgid = sa->msgid_peer - 1;
		sa->resp = NULL;
		sa->resp_len = 0;
	}
	sa->ext->win = win;
	return win;
}

/* ---- the peer's requests ---- */

static bool answered(const struct ike_sa *sa, uint32_t msgid)
{
	uint32_t off = msgid - sa->msgid_peer;

	if (msgid < sa->msgid_peer)
		return true;
	const struct v2_window *win = ike_sa_win(sa);

	return win && off < 32 && (win->answered >> off & 1);
}

enum v2_window_class v2_window_classify(struct ike_sa *sa, uint32_t msgid, const uint8_t **buf,
					size_t *len)
{
	const struct v2_window *win = ike_sa_win(sa);

	*buf = NULL;
	*len = 0;
	if (answered(sa, msgid)) {
		if (holds_responses(win)) {
			const struct v2_win_resp *r = &win->resp[msgid % win->size];
			if (r->buf && r->msgid == msgid) {
				*buf = r->buf;
				*len = r->len;
			}
		} else if (msgid == sa->msgid_peer - 1 && sa->resp) {
			*buf = sa->resp;
			*len = sa->resp_len;
		}
		return V2W_RETRANSMIT;
	}
	if (msgid - sa->msgid_peer >= v2_window_ours(sa))
		return V2W_BEYOND;
	return V2W_NEW;
}

bool v2_window_accept(struct ike_sa *sa, uint32_t msgid)
{
	if (msgid != sa->msgid_peer && !window_get(sa))
		return false;
	if (ike_sa_win(sa))
		ike_sa_win(sa)->msgid_rx = msgid;
	return true;
}

int v2_window_keep(struct ike_sa *sa, const uint8_t *buf, size_t len, bool *kept)
{
	struct v2_window *win = ike_sa_win(sa);
	uint32_t msgid = v2_window_msgid_of(buf), off;
	struct v2_win_resp *r;
	uint8_t *copy;

	*kept = false;
	/* From the first answer after IKE_AUTH on (an SA that only came up pays nothing). */
	if (!win && v2_window_ours(sa) > 1 && buf[18] != V2_IKE_AUTH)
		win = window_get(sa);	/* NULL on ENOMEM: the one-slot cache then */
	if (!holds_responses(win))
		return 0;
	off = msgid - sa->msgid_peer;
	if (off >= win->size)
		return -ERANGE;	/* not a request of the window: never happens */
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	r = &win->resp[msgid % win->size];
	free(r->buf);
	r->buf = copy;
	r->len = (uint32_t)len;
	r->msgid = msgid;
	win->answered |= 1u << off;
	while (win->answered & 1) {
		win->answered >>= 1;
		sa->msgid_peer++;
	}
	*kept = true;
	return 0;
}

/* ---- our requests ---- */

bool v2_task_parkable(const struct v2_task *t)
{
	switch (t->kind) {
	case V2T_DELETE_CHILD:
	case V2T_LIVENESS:
	case V2T_REKEY_CHILD:
	case V2T_NEW_CHILD:
		return true;
	default:
		return false;	/* the IKE SA's own rekey, Delete, redirect: alone */
	}
}

/* Our requests may be out at once: the peer's window, ours at most. */
static unsigned peer_window(const struct ike_sa *sa)
{
	return sa->peer_window < V2_PARK_MAX ? sa->peer_window : V2_PARK_MAX;
}

static uint32_t lowest_parked(const struct v2_window *win, uint32_t none)
{
	uint32_t low = none;

	for (unsigned i = 0; i < V2_PARK_MAX; i++)
		if (win->req[i].buf && win->req[i].msgid < low)
			low = win->req[i].msgid;
	return low;
}

bool v2_window_may_send(const struct ike_sa *sa, bool parkable)
{
	const struct v2_window *win = ike_sa_win(sa);

	if (!win || !win->parked)
		return true;
	/* RFC 7296 2.3: below the lowest unanswered request plus the peer's window. */
	return parkable && win->parked < V2_PARK_MAX &&
	       sa->msgid_next < lowest_parked(win, sa->msgid_next) + peer_window(sa);
}

bool v2_window_park(struct ike_sa *sa)
{
	struct v2_window *win;
	struct v2_win_req *r = NULL;
	uint64_t deadline;

	if (peer_window(sa) <= 1 || sa->state != IKE_ESTABLISHED || !sa->active || !sa->req ||
	    !v2_task_parkable(sa->active) || sa->req_len < V2_HDR_SIZE)
		return false;
	win = window_get(sa);
	if (!win)
		return false;
	for (unsigned i = 0; i < V2_PARK_MAX && !r; i++)
		if (!win->req[i].buf)
			r = &win->req[i];
	if (!r)
		return false;
	deadline = timer_is_armed(&sa->ext->retrans) ? timer_deadline(&sa->ext->retrans)
						     : ike_now(sa->w);
	timer_cancel(wheel(sa), &sa->ext->retrans);
	r->buf = sa->req;
	r->len = (uint32_t)sa->req_len;
	r->msgid = v2_window_msgid_of(sa->req);
	r->task = sa->active;
	r->retries = sa->retries;
	timer_arm(wheel(sa), &r->retrans, deadline);
	sa->req = NULL;
	sa->req_len = 0;
	sa->retries = 0;
	sa->active = NULL;
	win->parked++;
	dbg(DBG_BASE, "#%llu: request %u out, %u of a window of %u", (unsigned long long)sa->serial,
	    r->msgid, win->parked, peer_window(sa));
	return true;
}

static struct v2_win_req *parked_of(const struct ike_sa *sa, uint32_t msgid)
{
	struct v2_window *win = ike_sa_win(sa);

	if (!win || !win->parked)
		return NULL;
	for (unsigned i = 0; i < V2_PARK_MAX; i++)
		if (win->req[i].buf && win->req[i].msgid == msgid)
			return &win->req[i];
	return NULL;
}

bool v2_window_has_parked(const struct ike_sa *sa, uint32_t msgid)
{
	return parked_of(sa, msgid) != NULL;
}

void v2_window_unpark(struct ike_sa *sa, uint32_t msgid)
{
	struct v2_win_req *r = parked_of(sa, msgid);

	if (!r || sa->active || sa->req)
		return;
	sa->req = r->buf;
	sa->req_len = r->len;
	sa->retries = r->retries;
	sa->active = r->task;
	if (timer_is_armed(&r->retrans)) {
		uint64_t deadline = timer_deadline(&r->retrans);
		timer_cancel(wheel(sa), &r->retrans);
		timer_arm(wheel(sa), &sa->ext->retrans, deadline);
	}
	r->buf = NULL;
	r->task = NULL;
	ike_sa_win(sa)->parked--;
}

static void parked_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct v2_win_req *r = arg;
	struct ike_sa *sa = r->win->sa;
	uint64_t wait;

	if (!r->buf)
		return;
	if (!v2_retrans_next(&r->retries, &wait)) {
		if (!sa->active && !sa->req) {
			/* As if it had been the only one out. */
			v2_window_unpark(sa, r->msgid);
			v2_request_timeout(sa);
			return;
		}
		ike_sa_dead(sa, "no answer to our request after every retransmission");
		return;
	}
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TX_RETRANSMIT);
	dbg(DBG_BASE, "#%llu: retransmission %u of request %u", (unsigned long long)sa->serial,
	    r->retries, r->msgid);
	v2_send_raw(sa, r->buf, r->len);
	timer_arm(tw, t, ike_now(sa->w) + wait);
}

bool v2_window_task_parked(const struct ike_sa *sa, uint8_t kind, uint64_t child)
{
	const struct v2_window *win = ike_sa_win(sa);

	if (!win || !win->parked)
		return false;
	for (unsigned i = 0; i < V2_PARK_MAX; i++) {
		const struct v2_task *t = win->req[i].buf ? win->req[i].task : NULL;
		if (t && t->kind == kind && (!child || t->child == child))
			return true;
	}
	return false;
}

bool v2_window_spi_parked(const struct ike_sa *sa, uint32_t spi)
{
	const struct v2_window *win = ike_sa_win(sa);

	if (!win || !win->parked)
		return false;
	for (unsigned i = 0; i < V2_PARK_MAX; i++) {
		const struct v2_task *t = win->req[i].buf ? win->req[i].task : NULL;
		if (t && t->kind == V2T_DELETE_CHILD)
			for (unsigned j = 0; j < t->nspi; j++)
				if (t->spis[j] == spi)
					return true;
	}
	return false;
}

void v2_window_free(struct ike_sa *sa)
{
	struct v2_window *win = ike_sa_win(sa);

	if (!win)
		return;
	for (unsigned i = 0; i < V2_PARK_MAX; i++) {
		struct v2_win_req *r = &win->req[i];
		timer_cancel(wheel(sa), &r->retrans);
		if (r->task && r->task->whack && ike_sa_whack(sa) == r->task->whack)
			ike_sa_progress_done(sa);
		v2_task_free(r->task);
		free(r->buf);
	}
	for (unsigned i = 0; i < V2_WINDOW_MAX; i++)
		free(win->resp[i].buf);
	free(win);
	sa->ext->win = NULL;
}

size_t v2_window_bytes(const struct ike_sa *sa)
{
	const struct v2_window *win = ike_sa_win(sa);
	size_t n;

	if (!win)
		return 0;
	n = malloc_usable_size((void *)win);
	for (unsigned i = 0; i < V2_PARK_MAX; i++)
		if (win->req[i].buf)
			n += malloc_usable_size(win->req[i].buf);
	for (unsigned i = 0; i < V2_WINDOW_MAX; i++)
		if (win->resp[i].buf)
			n += malloc_usable_size(win->resp[i].buf);
	return n;
}
