/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_TIMER_WHEEL_H
#define SKUA_UTIL_TIMER_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A hierarchical timer wheel for one worker thread, millisecond ticks.
 *
 * Level 0 has 256 one-millisecond slots; levels 1..6 have 64 slots each,
 * every level 64 times coarser than the one below (2^44 ms, centuries, in
 * all; later deadlines are parked in the last slot and re-filed). Arm and
 * cancel are O(1): a timer is an intrusive node in one slot's list. A
 * coarse slot is cascaded down when the wheel reaches it, so a timer is
 * moved at most once per level. Timers fire in deadline order and, for
 * equal deadlines, in the order they were (last) armed.
 *
 * Time is a caller-supplied monotonic millisecond clock; the wheel never
 * reads a clock itself.
 */

struct timer_wheel;
struct timer;

/*
 * Called from timer_wheel_advance() on the wheel's thread, with the timer
 * already disarmed. It may arm, re-arm or cancel any timer of this wheel,
 * itself included, and may free the object embedding t (once it is no
 * longer armed). It must not call timer_wheel_advance() or _fini().
 */
typedef void timer_fn(struct timer_wheel *w, struct timer *t, void *arg);

struct timer_link {
	struct timer_link *next, *prev;
};

/*
 * Owner: the object that embeds it; every field is touched only by the
 * thread that owns the wheel the timer is armed on. Not RCU-readable.
 */
struct timer {
	struct timer_link link;		/* next == NULL: not armed */
	uint64_t deadline;		/* effective deadline (ms), valid while armed */
	timer_fn *fn;
	void *arg;
	/*
	 * Arm order, breaks deadline ties: the wheel's counter, cut to 32
	 * bits and compared modulo 2^32 (48 bytes in all, not 56: every SA
	 * embeds several, issue 14), so ties armed fewer than 2^31 arms
	 * apart fire in arm order, across the counter's wrap too.
	 */
	uint32_t seq;
	uint32_t slot;			/* which list holds it, for the bitmaps */
};

enum {
	TIMER_L0_BITS = 8,
	TIMER_LN_BITS = 6,
	TIMER_L0_SLOTS = 1 << TIMER_L0_BITS,
	TIMER_LN_SLOTS = 1 << TIMER_LN_BITS,
	TIMER_UPPER_LEVELS = 6,
	TIMER_SLOTS = TIMER_L0_SLOTS + TIMER_UPPER_LEVELS * TIMER_LN_SLOTS,
	/* Horizon of the wheel: later deadlines are parked and re-filed. */
	TIMER_HORIZON_BITS = TIMER_L0_BITS + TIMER_UPPER_LEVELS * TIMER_LN_BITS,
};

/*
 * Owner: one worker thread; nothing in it is shared. About 10 KiB.
 */
struct timer_wheel {
	uint64_t base;			/* next tick to process; ticks < base are done */
	uint64_t clock;			/* timer_wheel_set_clock()'s, when ahead of base - 1 */
	uint64_t seq;			/* arm counter */
	size_t count;			/* armed timers, including ones being fired */
	uint64_t resorts;		/* tie-order repairs (diagnostics) */
	bool advancing;
	uint64_t l0_map[TIMER_L0_SLOTS / 64];	/* non-empty level-0 slots */
	uint64_t ln_map[TIMER_UPPER_LEVELS];	/* non-empty slots of levels 1..6 */
	struct timer_link expired;		/* the tick being fired */
	struct timer_link slot[TIMER_SLOTS];
};

/*
 * Start an empty wheel at now_ms: a timer armed for now_ms or earlier fires
 * at the first timer_wheel_advance().
 * Context: the owner thread; no allocation.
 */
void timer_wheel_init(struct timer_wheel *w, uint64_t now_ms);

/*
 * Disarm every timer still armed (their callbacks are not called), so that
 * their owners may be freed afterwards in any order.
 * Context: the owner thread, not from a timer callback. O(armed timers).
 */
void timer_wheel_fini(struct timer_wheel *w);

/*
 * Set a timer's callback; the timer starts disarmed.
 * Context: any thread, before the timer is first armed.
 */
void timer_init(struct timer *t, timer_fn *fn, void *arg);

/*
 * Arm t to fire at deadline_ms; an armed timer is moved (and counts as
 * armed last for tie order). A deadline not later than the last advanced
 * time fires at the next millisecond tick.
 * Context: the wheel's owner thread, callbacks included. O(1).
 */
void timer_arm(struct timer_wheel *w, struct timer *t, uint64_t deadline_ms);

/*
 * Disarm t; no-op if it is not armed. The callback will not run.
 * Context: the wheel's owner thread, callbacks included. O(1).
 */
void timer_cancel(struct timer_wheel *w, struct timer *t);

/* Context: the wheel's owner thread. */
static inline bool timer_is_armed(const struct timer *t)
{
	return t->link.next != NULL;
}

/*
 * The effective deadline the timer was last armed for; still valid inside
 * its callback (the tick it fires for).
 * Context: the wheel's owner thread.
 */
static inline uint64_t timer_deadline(const struct timer *t)
{
	return t->deadline;
}

/*
 * Fire every timer whose deadline is <= now_ms, earliest first (ties in arm
 * order). Idle stretches are skipped, not walked tick by tick. A clock that
 * goes backwards is ignored. Returns the number of callbacks run.
 * Context: the owner thread, not re-entrant (not from a callback).
 */
size_t timer_wheel_advance(struct timer_wheel *w, uint64_t now_ms);

/*
 * Earliest deadline of any armed timer, or UINT64_MAX when none is armed.
 * Cost: a few bitmap words, plus a walk of every timer in the first
 * non-empty coarse slot when nothing finer comes first: O(timers in that
 * slot), which is all of them when they were armed for about the same
 * time (the lifetimes of SAs set up together). For tests and diagnostics;
 * an event loop waits with timer_wheel_timeout_ms().
 * Context: the owner thread.
 */
uint64_t timer_wheel_next_deadline(const struct timer_wheel *w);

/*
 * The tick at which timer_wheel_advance() has something to do: the next
 * deadline when it is in level 0 (exact), else the cascade tick of the
 * first non-empty coarse slot, never later than the deadlines it holds
 * (waking there re-files them finer; then the next wake-up is closer).
 * UINT64_MAX when nothing is armed. Cost: a few bitmap words, whatever
 * the number of timers. Context: the owner thread.
 */
uint64_t timer_wheel_next_wakeup(const struct timer_wheel *w);

/*
 * The epoll_wait() timeout for the next wake-up seen from now_ms:
 * -1 (nothing armed), 0 (already due) or the milliseconds to wait; never
 * beyond the next deadline, possibly before it (a coarse slot's cascade
 * tick: at most one early wake-up per level on the way to a deadline).
 * Context: the owner thread.
 */
int timer_wheel_timeout_ms(const struct timer_wheel *w, uint64_t now_ms);

/*
 * The wheel's own clock: the tick being fired inside a callback, else the
 * later of the last advance and the last timer_wheel_set_clock(). Owners
 * arm timers relative to it, so a wheel driven by another clock (tests)
 * stays consistent. Context: the owner.
 */
static inline uint64_t timer_wheel_now(const struct timer_wheel *w)
{
	/*
	 * base is the next tick to run: fire_tick() sets it to tick + 1 before
	 * the callbacks (so that what they arm files after this tick), and an
	 * advance leaves it at now + 1. Either way the tick is base - 1.
	 */
	uint64_t tick = w->base ? w->base - 1 : 0;

	return !w->advancing && w->clock > tick ? w->clock : tick;
}

/*
 * Move the clock timer_wheel_now() reads to now_ms (if later) without
 * firing what is due by then: the next timer_wheel_advance() fires it. An
 * event loop reads what woke it between the two, so that a timer the new
 * input makes moot (a request's retransmission, its answer waiting in the
 * socket) is cancelled before it fires, while what the handlers arm is
 * relative to the time they run at. A timer armed for now_ms or earlier
 * fires at that advance. Context: the owner thread, not from a callback.
 */
static inline void timer_wheel_set_clock(struct timer_wheel *w, uint64_t now_ms)
{
	if (now_ms > w->clock)
		w->clock = now_ms;
}

/* Context: the owner thread. */
static inline size_t timer_wheel_count(const struct timer_wheel *w)
{
	return w->count;
}

#endif
