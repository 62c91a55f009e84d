/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/task.h"

#include <stdlib.h>

#include "crypto/crypto.h"
#include "crypto/ke.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/v2/window.h"
#include "util/log.h"

enum {
	TASK_RETRY_MAX = 5,		/* TEMPORARY_FAILURE back-offs: 1 + 2 + 4 + 8 + 16 s, each + <= 50 % */
	TASK_RETRY_FIRST_MS = 1000,
};

struct v2_task *v2_task_new(uint8_t kind)
{
	struct v2_task *t = calloc(1, sizeof(*t));
	if (t)
		t->kind = kind;
	return t;
}

void v2_task_free(struct v2_task *t)
{
	if (!t)
		return;
	if (t->conn)
		ike_connection_unref(t->conn);
	ike_progress_unref(t->whack);
	crypto_ke_free(t->ke);
	free(t->pub);
	free(t->gw_name);
	crypto_wipe(t->ni, sizeof(t->ni));
	free(t);
}

static bool is_delete(const struct v2_task *t)
{
	return t->kind == V2T_DELETE_IKE;
}

void v2_task_add(struct ike_sa *sa, struct v2_task *t)
{
	struct v2_task **pp = &sa->tasks;

	/* A Delete of the IKE SA overtakes what is queued: it makes the rest moot. */
	if (is_delete(t))
		while (*pp && is_delete(*pp))
			pp = &(*pp)->next;
	else
		while (*pp)
			pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	v2_tasks_kick(sa);
}

bool v2_task_out(const struct ike_sa *sa, uint8_t kind)
{
	return (sa->active && sa->active->kind == kind) || v2_window_task_parked(sa, kind, 0);
}

bool v2_task_pending(const struct ike_sa *sa, uint8_t kind, uint64_t child)
{
	if (sa->active && sa->active->kind == kind && (!child || sa->active->child == child))
		return true;
	if (v2_window_task_parked(sa, kind, child))
		return true;
	for (const struct v2_task *t = sa->tasks; t; t = t->next)
		if (t->kind == kind && (!child || t->child == child))
			return true;
	return false;
}

static bool names_spi(const struct v2_task *t, uint32_t spi)
{
	if (t->kind != V2T_DELETE_CHILD)
		return false;
	for (unsigned i = 0; i < t->nspi; i++)
		if (t->spis[i] == spi)
			return true;
	return false;
}

bool v2_task_deleting_spi(const struct ike_sa *sa, uint32_t spi)
{
	if ((sa->active && names_spi(sa->active, spi)) || v2_window_spi_parked(sa, spi))
		return true;
	for (const struct v2_task *t = sa->tasks; t; t = t->next)
		if (names_spi(t, spi))
			return true;
	return false;
}

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

void v2_tasks_kick(struct ike_sa *sa)
{
	/*
	 * A replaced IKE SA (IKE_REKEYED) only has its own Delete left to send;
	 * while we answer the peer's IKE SA rekey, nothing starts (the answer
	 * hands the queue to the new IKE SA, or kicks it again if it fails).
	 * With a message ID window larger than one, the request just sent
	 * parks in it and the next task may start (window.h).
	 */
	for (;;) {
		if (sa->active && sa->req && !sa->dead && !v2_window_park(sa))
			return;
		if (!(!sa->active && !sa->req && sa->tasks && !sa->dead &&
		      (sa->state == IKE_ESTABLISHED ||
		       (sa->state == IKE_REKEYED && is_delete(sa->tasks))) &&
		      !timer_is_armed(&sa->ext->task_retry) && !v2_cc_answering_ike_rekey(sa) &&
		      v2_window_may_send(sa, v2_task_parkable(sa->tasks))))
			return;
		struct v2_task *t = sa->tasks;
		int rc;

		sa->tasks = t->next;
		t->next = NULL;
		if (is_delete(t))
			while (sa->tasks) {	/* nothing after the Delete will run */
				struct v2_task *n = sa->tasks->next;
				v2_task_free(sa->tasks);
				sa->tasks = n;
			}
		sa->active = t;
		if (!t->started_ms)
			t->started_ms = ike_now(sa->w);
		if (t->kind == V2T_DELETE_IKE || t->kind == V2T_DELETE_CHILD ||
		    t->kind == V2T_LIVENESS || t->kind == V2T_REDIRECT)
			rc = v2_info_start(sa, t);
		else
			rc = v2_cc_start(sa, t);
		if (rc < 0) {
			log_limited(LOG_WARNING, 10, "could not start an exchange",
				    "#%llu: could not start an exchange (task %u): %d",
				    (unsigned long long)sa->serial, t->kind, rc);
			if (sa->active == t) {
				sa->active = NULL;
				v2_task_free(t);
			}
		}
		/* A starter may have freed the SA (a Delete with nothing to say). */
		if (sa->dead)
			return;
	}
}

/* The whack that asked for t has its answer: its channel closes. */
static void release_whack(struct ike_sa *sa, struct v2_task *t)
{
	if (t && t->whack && ike_sa_whack(sa) == t->whack)
		ike_sa_progress_done(sa);
}

void v2_task_drop(struct ike_sa *sa)
{
	struct v2_task *t = sa->active;

	release_whack(sa, t);
	sa->active = NULL;
	v2_task_free(t);
}

void v2_task_done(struct ike_sa *sa)
{
	v2_task_drop(sa);
	v2_tasks_kick(sa);
}

void v2_task_retry_fire(struct timer_wheel *tw, struct timer *tm, void *arg)
{
	(void)tw;
	(void)tm;
	v2_tasks_kick(arg);
}

bool v2_task_retry_later(struct ike_sa *sa)
{
	struct v2_task *t = sa->active;

	if (!t || t->attempts >= TASK_RETRY_MAX)
		return false;
	sa->active = NULL;
	t->attempts++;
	/* Back at the head of the queue, after a pause the peer asked for. */
	t->next = sa->tasks;
	sa->tasks = t;
	/*
	 * Plus up to half as much again at random: two ends that refused each
	 * other's request (2.25) must not retry in step.
	 */
	uint64_t pause = (uint64_t)TASK_RETRY_FIRST_MS << (t->attempts - 1);
	uint32_t r = 0;
	crypto_random(&r, sizeof(r));
	timer_arm(wheel(sa), &sa->ext->task_retry, ike_now(sa->w) + pause + r % (pause / 2 + 1));
	return true;
}

void v2_tasks_free(struct ike_sa *sa)
{
	if (sa->ext)	/* a half-open SA has none */
		timer_cancel(wheel(sa), &sa->ext->task_retry);
	v2_window_free(sa);
	release_whack(sa, sa->active);
	v2_task_free(sa->active);
	sa->active = NULL;
	while (sa->tasks) {
		struct v2_task *n = sa->tasks->next;
		v2_task_free(sa->tasks);
		sa->tasks = n;
	}
}
