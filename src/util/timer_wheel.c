/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/timer_wheel.h"

#include <assert.h>
#include <limits.h>

/*
 * Where a timer goes: with d = deadline - base (base = next tick to run),
 * d < 256 puts it in level 0 at (deadline & 255), where it is exact; else
 * level k (1..6) when d < 2^(8 + 6k), at slot (deadline >> shift(k)) & 63.
 * A level-k slot is cascaded (its timers re-filed against the new base) at
 * the tick whose low shift(k) bits are zero and whose slot index matches:
 * that is deadline rounded down to 2^shift(k), never later than the
 * deadline, and the re-filed timer lands in a finer level.
 */

#define EXPIRED_SLOT UINT32_MAX

static unsigned level_shift(unsigned k)
{
	return TIMER_L0_BITS + (k - 1) * TIMER_LN_BITS;
}

static uint32_t slot_index(unsigned k, unsigned pos)
{
	return TIMER_L0_SLOTS + (k - 1) * TIMER_LN_SLOTS + pos;
}

static void list_init(struct timer_link *h)
{
	h->next = h;
	h->prev = h;
}

static bool list_empty(const struct timer_link *h)
{
	return h->next == h;
}

static void list_add_tail(struct timer_link *h, struct timer_link *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static void list_add_head(struct timer_link *h, struct timer_link *n)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

/* Move all of src to the (empty) dst. */
static void list_move_all(struct timer_link *dst, struct timer_link *src)
{
	if (list_empty(src)) {
		list_init(dst);
		return;
	}
	dst->next = src->next;
	dst->prev = src->prev;
	dst->next->prev = dst;
	dst->prev->next = dst;
	list_init(src);
}

static struct timer *link_timer(struct timer_link *l)
{
	return (struct timer *)((char *)l - offsetof(struct timer, link));
}

static void map_set(struct timer_wheel *w, uint32_t slot)
{
	if (slot < TIMER_L0_SLOTS) {
		w->l0_map[slot / 64] |= 1ULL << (slot % 64);
	} else {
		uint32_t i = slot - TIMER_L0_SLOTS;

		w->ln_map[i / TIMER_LN_SLOTS] |= 1ULL << (i % TIMER_LN_SLOTS);
	}
}

static void map_clear(struct timer_wheel *w, uint32_t slot)
{
	if (slot < TIMER_L0_SLOTS) {
		w->l0_map[slot / 64] &= ~(1ULL << (slot % 64));
	} else {
		uint32_t i = slot - TIMER_L0_SLOTS;

		w->ln_map[i / TIMER_LN_SLOTS] &= ~(1ULL << (i % TIMER_LN_SLOTS));
	}
}

/* Distance from pos to the first set bit of a 64-bit ring, or -1. */
static int ring64_next(uint64_t map, unsigned pos)
{
	uint64_t rot;

	if (map == 0)
		return -1;
	rot = pos ? (map >> pos) | (map << (64 - pos)) : map;
	return __builtin_ctzll(rot);
}

/* The same over the 256-bit level-0 ring. */
static int ring256_next(const uint64_t map[4], unsigned pos)
{
	unsigned word = pos / 64, bit = pos % 64;

	for (unsigned i = 0; i <= 4; i++) {
		unsigned wi = (word + i) % 4;
		uint64_t m = map[wi];

		if (i == 0)
			m &= ~0ULL << bit;	/* from pos to the end of its word */
		else if (i == 4)
			m &= bit ? ~(~0ULL << bit) : 0;	/* wrapped: before pos */
		if (m) {
			unsigned at = wi * 64 + __builtin_ctzll(m);

			return (int)((at + TIMER_L0_SLOTS - pos) % TIMER_L0_SLOTS);
		}
	}
	return -1;
}

/* File t (deadline already >= base) in its slot; at the head when cascading. */
static void place(struct timer_wheel *w, struct timer *t, bool at_head)
{
	uint64_t e = t->deadline, d = e - w->base;
	uint32_t slot;

	if (d < TIMER_L0_SLOTS) {
		slot = (uint32_t)(e & (TIMER_L0_SLOTS - 1));
	} else {
		unsigned k;

		if (d >> TIMER_HORIZON_BITS)
			e = w->base + (1ULL << TIMER_HORIZON_BITS) - 1;	/* parked */
		for (k = 1; k < TIMER_UPPER_LEVELS; k++)
			if ((e - w->base) >> (level_shift(k) + TIMER_LN_BITS) == 0)
				break;
		slot = slot_index(k, (e >> level_shift(k)) & (TIMER_LN_SLOTS - 1));
	}
	t->slot = slot;
	if (at_head)
		list_add_head(&w->slot[slot], &t->link);
	else
		list_add_tail(&w->slot[slot], &t->link);
	map_set(w, slot);
}

static void unlink_timer(struct timer_wheel *w, struct timer *t)
{
	t->link.prev->next = t->link.next;
	t->link.next->prev = t->link.prev;
	t->link.next = NULL;
	t->link.prev = NULL;
	if (t->slot != EXPIRED_SLOT && list_empty(&w->slot[t->slot]))
		map_clear(w, t->slot);
	w->count--;
}

void timer_wheel_init(struct timer_wheel *w, uint64_t now_ms)
{
	*w = (struct timer_wheel){ .base = now_ms };
	list_init(&w->expired);
	for (unsigned i = 0; i < TIMER_SLOTS; i++)
		list_init(&w->slot[i]);
}

void timer_wheel_fini(struct timer_wheel *w)
{
	assert(!w->advancing);
	for (unsigned i = 0; i < TIMER_SLOTS; i++)
		while (!list_empty(&w->slot[i]))
			unlink_timer(w, link_timer(w->slot[i].next));
	assert(w->count == 0);
}

void timer_init(struct timer *t, timer_fn *fn, void *arg)
{
	*t = (struct timer){ .fn = fn, .arg = arg };
}

void timer_arm(struct timer_wheel *w, struct timer *t, uint64_t deadline_ms)
{
	if (timer_is_armed(t))
		unlink_timer(w, t);
	t->deadline = deadline_ms < w->base ? w->base : deadline_ms;
	t->seq = (uint32_t)w->seq++;
	w->count++;
	place(w, t, false);
}

void timer_cancel(struct timer_wheel *w, struct timer *t)
{
	if (timer_is_armed(t))
		unlink_timer(w, t);
}

/* The next tick >= base at which something fires or cascades. */
static uint64_t next_event(const struct timer_wheel *w)
{
	uint64_t best = UINT64_MAX;
	int dist = ring256_next(w->l0_map, (unsigned)(w->base & (TIMER_L0_SLOTS - 1)));

	if (dist >= 0)
		best = w->base + (uint64_t)dist;
	for (unsigned k = 1; k <= TIMER_UPPER_LEVELS; k++) {
		unsigned shift = level_shift(k);
		uint64_t mask = (1ULL << shift) - 1;
		uint64_t first = (w->base + mask) & ~mask;	/* first boundary >= base */
		uint64_t tick;

		if (first >= best)
			break;	/* coarser levels cascade even later */
		dist = ring64_next(w->ln_map[k - 1],
				   (unsigned)((first >> shift) & (TIMER_LN_SLOTS - 1)));
		if (dist < 0)
			continue;
		tick = first + ((uint64_t)dist << shift);
		if (tick < best)
			best = tick;
	}
	return best;
}

uint64_t timer_wheel_next_deadline(const struct timer_wheel *w)
{
	uint64_t best = UINT64_MAX;
	int dist;

	if (!list_empty(&w->expired))
		return w->base - 1;
	dist = ring256_next(w->l0_map, (unsigned)(w->base & (TIMER_L0_SLOTS - 1)));
	if (dist >= 0)
		best = w->base + (uint64_t)dist;	/* level 0 is exact */
	for (unsigned k = 1; k <= TIMER_UPPER_LEVELS; k++) {
		unsigned shift = level_shift(k);
		uint64_t mask = (1ULL << shift) - 1;
		uint64_t first = (w->base + mask) & ~mask;
		uint64_t tick;
		unsigned pos;
		const struct timer_link *h, *l;

		if (first >= best)
			break;
		dist = ring64_next(w->ln_map[k - 1],
				   (unsigned)((first >> shift) & (TIMER_LN_SLOTS - 1)));
		if (dist < 0)
			continue;
		/* Every timer of this level fires at or after its slot's cascade tick. */
		tick = first + ((uint64_t)dist << shift);
		if (tick >= best)
			continue;
		pos = (unsigned)((tick >> shift) & (TIMER_LN_SLOTS - 1));
		h = &w->slot[slot_index(k, pos)];
		for (l = h->next; l != h; l = l->next)
			if (link_timer((struct timer_link *)l)->deadline < best)
				best = link_timer((struct timer_link *)l)->deadline;
	}
	return best;
}

uint64_t timer_wheel_next_wakeup(const struct timer_wheel *w)
{
	if (!list_empty(&w->expired))
		return w->base - 1;
	return next_event(w);
}

int timer_wheel_timeout_ms(const struct timer_wheel *w, uint64_t now_ms)
{
	uint64_t next = timer_wheel_next_wakeup(w);

	if (next == UINT64_MAX)
		return -1;
	if (next <= now_ms)
		return 0;
	if (next - now_ms > INT_MAX)
		return INT_MAX;
	return (int)(next - now_ms);
}

/*
 * Re-file one coarse slot against base = tick. The batch goes in front of
 * what its target slots already hold, in its own order: a timer that sat
 * in a coarser level was armed before any timer filed directly in a finer
 * one for the same deadline.
 */
static void cascade_slot(struct timer_wheel *w, uint32_t slot)
{
	struct timer_link batch;

	if (list_empty(&w->slot[slot]))
		return;
	list_move_all(&batch, &w->slot[slot]);
	map_clear(w, slot);
	while (!list_empty(&batch)) {
		struct timer *t = link_timer(batch.prev);

		batch.prev = t->link.prev;
		batch.prev->next = &batch;
		place(w, t, true);
	}
}

static void cascade(struct timer_wheel *w, uint64_t tick)
{
	for (unsigned k = 1; k <= TIMER_UPPER_LEVELS; k++) {
		unsigned shift = level_shift(k);

		if (tick & ((1ULL << shift) - 1))
			break;
		cascade_slot(w, slot_index(k, (unsigned)((tick >> shift) & (TIMER_LN_SLOTS - 1))));
	}
}

/* Armed before: arm sequences compared modulo 2^32 (struct timer's seq). */
static bool before(const struct timer_link *a, const struct timer_link *b)
{
	uint32_t sa = link_timer((struct timer_link *)a)->seq;
	uint32_t sb = link_timer((struct timer_link *)b)->seq;

	return (int32_t)(sa - sb) < 0;
}

/*
 * Safety net for tie order: stable merge sort of the expired list by arm
 * sequence. Cascading keeps the list sorted; this runs only if it did not.
 */
static void sort_expired(struct timer_wheel *w)
{
	struct timer_link *h = &w->expired, *l, *head, **tailp;
	bool sorted = true;

	for (l = h->next; l->next != h; l = l->next)
		if (before(l->next, l)) {
			sorted = false;
			break;
		}
	if (sorted)
		return;
	w->resorts++;

	/* singly linked chain, NULL-terminated, merged bottom-up */
	head = h->next;
	h->prev->next = NULL;
	for (size_t width = 1;; width *= 2) {
		struct timer_link *rest = head, *out = NULL;
		size_t merges = 0;

		tailp = &out;
		while (rest) {
			struct timer_link *a = rest, *b = rest;
			size_t na = 0, nb = width;

			merges++;
			while (b && na < width) {
				b = b->next;
				na++;
			}
			while (na || (nb && b)) {
				struct timer_link *take;

				if (!na) {
					take = b;
					b = b->next;
					nb--;
				} else if (!nb || !b || !before(b, a)) {
					take = a;
					a = a->next;
					na--;
				} else {
					take = b;
					b = b->next;
					nb--;
				}
				*tailp = take;
				tailp = &take->next;
			}
			rest = b;
		}
		*tailp = NULL;
		head = out;
		if (merges <= 1)
			break;
	}
	/* back to a ring with prev pointers */
	l = h;
	for (struct timer_link *n = head; n; n = n->next) {
		l->next = n;
		n->prev = l;
		l = n;
	}
	l->next = h;
	h->prev = l;
}

static size_t fire_tick(struct timer_wheel *w, uint64_t tick)
{
	uint32_t slot = (uint32_t)(tick & (TIMER_L0_SLOTS - 1));
	size_t fired = 0;

	w->base = tick + 1;	/* arms from callbacks file after this tick */
	if (list_empty(&w->slot[slot]))
		return 0;
	list_move_all(&w->expired, &w->slot[slot]);
	map_clear(w, slot);
	for (struct timer_link *l = w->expired.next; l != &w->expired; l = l->next)
		link_timer(l)->slot = EXPIRED_SLOT;
	sort_expired(w);
	while (!list_empty(&w->expired)) {
		struct timer *t = link_timer(w->expired.next);

		unlink_timer(w, t);
		fired++;
		t->fn(w, t, t->arg);	/* may free t, arm or cancel others */
	}
	return fired;
}

size_t timer_wheel_advance(struct timer_wheel *w, uint64_t now_ms)
{
	size_t fired = 0;

	assert(!w->advancing);
	if (now_ms < w->base)
		return 0;
	w->advancing = true;
	for (;;) {
		uint64_t tick = next_event(w);

		if (tick > now_ms)
			break;
		w->base = tick;
		cascade(w, tick);
		fired += fire_tick(w, tick);
	}
	w->base = now_ms + 1;
	w->advancing = false;
	return fired;
}
