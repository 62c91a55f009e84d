/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/timer_wheel.h"

/* A timer that records when and in which order it fired. */
struct rec_timer {
	struct timer t;
	int id;
	uint64_t fired_at;	/* its deadline when it fired */
	int fired;
};

struct log {
	int ids[4096];
	uint64_t at[4096];
	size_t n;
};

static struct log fired_log;

static void record(struct timer_wheel *w, struct timer *t, void *arg)
{
	struct rec_timer *r = arg;

	r->fired++;
	r->fired_at = timer_deadline(t);
	if (fired_log.n < 4096) {
		fired_log.ids[fired_log.n] = r->id;
		fired_log.at[fired_log.n] = timer_deadline(t);
	}
	fired_log.n++;
}

static void rec_init(struct rec_timer *r, int id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	timer_init(&r->t, record, r);
}

static struct timer_wheel wheel;

static void setup(void)
{
	memset(&fired_log, 0, sizeof(fired_log));
	timer_wheel_init(&wheel, 1000);
}

TestSuite(timer_wheel, .init = setup, .timeout = 10);

Test(timer_wheel, arm_fires_at_deadline_not_before)
{
	struct rec_timer a;

	rec_init(&a, 1);
	timer_arm(&wheel, &a.t, 1005);
	cr_assert(timer_is_armed(&a.t));
	cr_assert_eq(timer_wheel_count(&wheel), 1);
	cr_assert_eq(timer_wheel_advance(&wheel, 1004), 0);
	cr_assert_eq(a.fired, 0);
	cr_assert_eq(timer_wheel_advance(&wheel, 1005), 1);
	cr_assert_eq(a.fired, 1);
	cr_assert_eq(a.fired_at, 1005);
	cr_assert_not(timer_is_armed(&a.t));
	cr_assert_eq(timer_wheel_count(&wheel), 0);
	cr_assert_eq(timer_wheel_advance(&wheel, 5000), 0);
	cr_assert_eq(a.fired, 1);
}

Test(timer_wheel, deadline_in_the_past)
{
	struct rec_timer a, b;

	rec_init(&a, 1);
	rec_init(&b, 2);
	/* before any advance, "now" itself has not been processed yet */
	timer_arm(&wheel, &a.t, 1000);
	cr_assert_eq(timer_wheel_advance(&wheel, 1000), 1);
	/* now 1000 is done: a deadline at or before it fires at the next tick */
	timer_arm(&wheel, &b.t, 10);
	cr_assert_eq(timer_deadline(&b.t), 1001);
	cr_assert_eq(timer_wheel_advance(&wheel, 1000), 0);
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 1000), 1);
	cr_assert_eq(timer_wheel_advance(&wheel, 1001), 1);
	cr_assert_eq(b.fired, 1);
}

Test(timer_wheel, cancel_and_rearm)
{
	struct rec_timer a, b;

	rec_init(&a, 1);
	rec_init(&b, 2);
	timer_cancel(&wheel, &a.t);	/* not armed: no-op */
	timer_arm(&wheel, &a.t, 1100);
	timer_arm(&wheel, &b.t, 1200);
	timer_cancel(&wheel, &a.t);
	cr_assert_not(timer_is_armed(&a.t));
	cr_assert_eq(timer_wheel_count(&wheel), 1);
	timer_cancel(&wheel, &a.t);	/* twice: still fine */
	cr_assert_eq(timer_wheel_count(&wheel), 1);

	/* re-arm moves: earlier, then later across levels */
	timer_arm(&wheel, &b.t, 1050);
	timer_arm(&wheel, &b.t, 1000 + 40000);
	timer_arm(&wheel, &b.t, 1150);
	cr_assert_eq(timer_wheel_count(&wheel), 1);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1150);
	cr_assert_eq(timer_wheel_advance(&wheel, 1149), 0);
	cr_assert_eq(timer_wheel_advance(&wheel, 100000), 1);
	cr_assert_eq(b.fired, 1);
	cr_assert_eq(b.fired_at, 1150);
	cr_assert_eq(a.fired, 0);
}

Test(timer_wheel, fires_in_deadline_order_ties_in_arm_order)
{
	static struct rec_timer r[8];
	/* deadlines chosen to sit in different levels when armed */
	const uint64_t dl[8] = { 1000 + 70000, 1000 + 300, 1000 + 70000, 1000 + 5,
				 1000 + 70000, 1000 + 300, 1000 + 5000000, 1000 + 5 };

	for (int i = 0; i < 8; i++) {
		rec_init(&r[i], i);
		timer_arm(&wheel, &r[i].t, dl[i]);
	}
	cr_assert_eq(timer_wheel_advance(&wheel, 1000 + 6000000), 8);
	const int want[8] = { 3, 7, 1, 5, 0, 2, 4, 6 };

	for (int i = 0; i < 8; i++)
		cr_assert_eq(fired_log.ids[i], want[i], "position %d: got %d want %d", i,
			     fired_log.ids[i], want[i]);
}

Test(timer_wheel, ties_across_levels_keep_arm_order)
{
	struct rec_timer a, b, c, d;
	const uint64_t dl = 1000 + 100000;

	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	rec_init(&d, 4);
	timer_arm(&wheel, &a.t, dl);		/* coarse level */
	timer_arm(&wheel, &d.t, dl);		/* coarse level, re-armed later */
	timer_wheel_advance(&wheel, dl - 3000);
	timer_arm(&wheel, &b.t, dl);		/* a finer level */
	timer_wheel_advance(&wheel, dl - 100);
	timer_arm(&wheel, &c.t, dl);		/* level 0 */
	timer_arm(&wheel, &d.t, dl);		/* re-arm: now last in arm order */
	cr_assert_eq(timer_wheel_advance(&wheel, dl), 4);
	cr_assert_eq(fired_log.ids[0], 1);
	cr_assert_eq(fired_log.ids[1], 2);
	cr_assert_eq(fired_log.ids[2], 3);
	cr_assert_eq(fired_log.ids[3], 4);
}

/* Callbacks that touch the wheel. */
struct periodic {
	struct timer t;
	uint64_t period;
	int left;
	uint64_t last;
	int runs;
};

static void periodic_fire(struct timer_wheel *w, struct timer *t, void *arg)
{
	struct periodic *p = arg;

	p->runs++;
	cr_assert(p->last == 0 || timer_deadline(t) == p->last + p->period);
	p->last = timer_deadline(t);
	if (--p->left > 0)
		timer_arm(w, t, timer_deadline(t) + p->period);
}

Test(timer_wheel, callback_rearms_itself)
{
	struct periodic p = { .period = 10, .left = 100 };

	timer_init(&p.t, periodic_fire, &p);
	timer_arm(&wheel, &p.t, 1010);
	cr_assert_eq(timer_wheel_advance(&wheel, 1000 + 10 * 1000), 100);
	cr_assert_eq(p.runs, 100);
	cr_assert_eq(p.last, 1000 + 10 * 100);
	cr_assert_not(timer_is_armed(&p.t));
}

struct meddler {
	struct timer t;
	struct rec_timer *victim;	/* cancelled from the callback */
	struct rec_timer *late;		/* armed in the past from the callback */
	struct rec_timer *moved;	/* re-armed later from the callback */
};

static void meddle(struct timer_wheel *w, struct timer *t, void *arg)
{
	struct meddler *m = arg;

	timer_cancel(w, &m->victim->t);
	timer_arm(w, &m->late->t, 0);
	timer_arm(w, &m->moved->t, timer_deadline(t) + 500);
	fired_log.ids[fired_log.n++] = 100;
}

Test(timer_wheel, callback_cancels_and_arms_others)
{
	struct meddler m;
	struct rec_timer victim, late, moved, after;

	rec_init(&victim, 1);
	rec_init(&late, 2);
	rec_init(&moved, 3);
	rec_init(&after, 4);
	m.victim = &victim;
	m.late = &late;
	m.moved = &moved;
	timer_init(&m.t, meddle, &m);
	timer_arm(&wheel, &m.t, 1200);
	timer_arm(&wheel, &victim.t, 1200);	/* same tick, after m: cancelled mid-fire */
	timer_arm(&wheel, &moved.t, 1201);
	timer_arm(&wheel, &after.t, 1202);
	cr_assert_eq(timer_wheel_advance(&wheel, 2000), 4);
	cr_assert_eq(victim.fired, 0);
	cr_assert_eq(late.fired, 1);
	cr_assert_eq(late.fired_at, 1201);	/* the tick after the one being fired */
	cr_assert_eq(moved.fired_at, 1700);
	cr_assert_eq(fired_log.ids[0], 100);
	cr_assert_eq(fired_log.ids[1], 2);
	cr_assert_eq(fired_log.ids[2], 4);
	cr_assert_eq(fired_log.ids[3], 3);
	cr_assert_eq(timer_wheel_count(&wheel), 0);
}

struct self_freeing {
	struct timer t;
	int *count;
};

static void free_self(struct timer_wheel *w, struct timer *t, void *arg)
{
	struct self_freeing *s = arg;

	(*s->count)++;
	free(s);
}

Test(timer_wheel, callback_frees_its_owner)
{
	int count = 0;

	for (int i = 0; i < 100; i++) {
		struct self_freeing *s = malloc(sizeof(*s));

		cr_assert_not_null(s);
		s->count = &count;
		timer_init(&s->t, free_self, s);
		timer_arm(&wheel, &s->t, 1001 + (uint64_t)(i % 7));
	}
	cr_assert_eq(timer_wheel_advance(&wheel, 1100), 100);
	cr_assert_eq(count, 100);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, good enough to scatter deadlines */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

struct big_timer {
	struct timer t;
	uint32_t idx;
};

static uint64_t big_last_deadline;
static size_t big_fired;
static bool big_in_order = true;

static void big_fire(struct timer_wheel *w, struct timer *t, void *arg)
{
	struct big_timer *b = arg;

	if (timer_deadline(t) < big_last_deadline || (b->idx & 1) == 0)
		big_in_order = false;	/* out of order, or a cancelled one fired */
	big_last_deadline = timer_deadline(t);
	big_fired++;
}

Test(timer_wheel, two_hundred_thousand_timers)
{
	enum { N = 200000 };
	struct big_timer *t = calloc(N, sizeof(*t));

	cr_assert_not_null(t);
	for (uint32_t i = 0; i < N; i++) {
		t[i].idx = i;
		timer_init(&t[i].t, big_fire, &t[i]);
		/* up to an hour ahead: every level up to 3 is populated */
		timer_arm(&wheel, &t[i].t, 1000 + rnd() % 3600000);
	}
	cr_assert_eq(timer_wheel_count(&wheel), N);
	for (uint32_t i = 0; i < N; i += 2)
		timer_cancel(&wheel, &t[i].t);
	cr_assert_eq(timer_wheel_count(&wheel), N / 2);

	/* advance in uneven steps, as an event loop would */
	uint64_t now = 1000;

	while (timer_wheel_count(&wheel) > 0) {
		uint64_t next = timer_wheel_next_deadline(&wheel);

		cr_assert_geq(next, now);
		now = next + rnd() % 50;
		timer_wheel_advance(&wheel, now);
	}
	cr_assert_eq(big_fired, N / 2);
	cr_assert(big_in_order);

	/* arm everything again, then cancel everything */
	for (uint32_t i = 0; i < N; i++)
		timer_arm(&wheel, &t[i].t, now + 1 + rnd() % 100000000);
	for (uint32_t i = 0; i < N; i++)
		timer_cancel(&wheel, &t[i].t);
	cr_assert_eq(timer_wheel_count(&wheel), 0);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), UINT64_MAX);
	cr_assert_eq(timer_wheel_advance(&wheel, now + 200000000), 0);
	free(t);
}

Test(timer_wheel, far_deadlines)
{
	struct rec_timer r[5];
	const uint64_t day = 86400000ULL;
	const uint64_t dl[5] = {
		1000 + 3 * day,
		1000 + 45 * day,
		1000 + 800 * day,		/* level 6 */
		1000 + (1ULL << 45) + 12345,	/* beyond the horizon: parked */
		1000 + 3 * day,			/* tie with r[0] */
	};

	for (int i = 0; i < 5; i++) {
		rec_init(&r[i], i);
		timer_arm(&wheel, &r[i].t, dl[i]);
	}
	cr_assert_eq(timer_wheel_next_deadline(&wheel), dl[0]);
	cr_assert_eq(timer_wheel_advance(&wheel, dl[0] - 1), 0);
	cr_assert_eq(timer_wheel_advance(&wheel, dl[0]), 2);
	cr_assert_eq(fired_log.ids[0], 0);
	cr_assert_eq(fired_log.ids[1], 4);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), dl[1]);
	cr_assert_eq(timer_wheel_advance(&wheel, dl[2] - 1), 1);
	cr_assert_eq(r[1].fired_at, dl[1]);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), dl[2]);
	cr_assert_eq(timer_wheel_advance(&wheel, dl[2]), 1);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), dl[3]);
	cr_assert_eq(timer_wheel_advance(&wheel, dl[3] - 1), 0);
	cr_assert_eq(timer_wheel_advance(&wheel, dl[3] + 10), 1);
	cr_assert_eq(r[3].fired_at, dl[3]);
	cr_assert_eq(timer_wheel_count(&wheel), 0);
}

Test(timer_wheel, next_deadline_and_timeout)
{
	struct rec_timer a, b, c;

	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), UINT64_MAX);
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 1000), -1);
	timer_arm(&wheel, &a.t, 1000 + 123456);	/* level 2 */
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + 123456);
	timer_arm(&wheel, &b.t, 1000 + 4321);	/* level 1 */
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + 4321);
	timer_arm(&wheel, &c.t, 1000 + 77);	/* level 0 */
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + 77);
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 1000), 77);
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 1100), 0);
	timer_cancel(&wheel, &c.t);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + 4321);
	cr_assert_eq(timer_wheel_advance(&wheel, 1000 + 4000), 0);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + 4321);
	/*
	 * 5321 sits in a level-1 slot (256 ms wide) that cascades at 5120: the
	 * wait ends there (no walk of the slot), then at the exact deadline.
	 */
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 1000 + 4000), 120);
	cr_assert_eq(timer_wheel_advance(&wheel, 5120), 0);
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 5120), 201);
	cr_assert_eq(timer_wheel_advance(&wheel, 1000 + 4321), 1);
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + 123456);
}

/*
 * SA lifetimes set up together sit in one coarse slot: the wait bound is
 * that slot's cascade tick (bitmaps only), not a walk of all of them.
 */
Test(timer_wheel, timeout_of_a_coarse_slot_is_its_cascade_tick)
{
	static struct rec_timer r[3000];
	const uint64_t hour8 = 8ULL * 3600 * 1000;

	for (int i = 0; i < 3000; i++) {
		rec_init(&r[i], i);
		timer_arm(&wheel, &r[i].t, 1000 + hour8 + (uint64_t)i * 7);	/* level 3 */
	}
	cr_assert_eq(timer_wheel_next_deadline(&wheel), 1000 + hour8);
	/* level 3 slots are 2^20 ms wide: the one holding them cascades at its start */
	cr_assert_eq(timer_wheel_next_wakeup(&wheel), ((1000 + hour8) >> 20) << 20);
	cr_assert_eq(timer_wheel_timeout_ms(&wheel, 1000), (int)((((1000 + hour8) >> 20) << 20) - 1000));
}

/*
 * An event loop that sleeps exactly timer_wheel_timeout_ms() and then
 * advances: it never wakes after a deadline, fires every timer at its
 * deadline and in order, and wakes early only a few times (cascades).
 */
Test(timer_wheel, event_loop_on_timeout_never_oversleeps)
{
	static struct rec_timer r[4000];
	uint64_t now = 1000;
	unsigned wakes = 0, early = 0;

	fired_log.n = 0;
	for (int i = 0; i < 4000; i++) {
		rec_init(&r[i], i);
		/* lifetimes of 4000 SAs set up over 20 s, and a few short timers */
		timer_arm(&wheel, &r[i].t,
			  i < 10 ? 1000 + 50 * (uint64_t)i : 1000 + 28800000 + (uint64_t)i * 5);
	}
	while (timer_wheel_count(&wheel) > 0) {
		int t = timer_wheel_timeout_ms(&wheel, now);
		uint64_t next = timer_wheel_next_deadline(&wheel);

		cr_assert_geq(t, 0);
		cr_assert_leq(now + (uint64_t)t, next, "woke at %llu after the deadline %llu",
			      (unsigned long long)(now + (uint64_t)t), (unsigned long long)next);
		now += (uint64_t)t;
		if (now < next)
			early++;
		timer_wheel_advance(&wheel, now);
		cr_assert_lt(++wakes, 20000);
	}
	cr_assert_eq(fired_log.n, 4000);
	for (size_t i = 0; i < 4000; i++) {
		cr_assert_eq(fired_log.ids[i], (int)i);
		cr_assert_eq(fired_log.at[i], timer_deadline(&r[i].t));
	}
	/*
	 * At most one per coarse slot the deadlines pass through on their way
	 * down: 20 s of them span 79 level-1 slots (256 ms), a few coarser.
	 */
	cr_assert_leq(early, 90, "%u early wake-ups", early);
}

Test(timer_wheel, fini_disarms_everything)
{
	struct rec_timer a, b;

	rec_init(&a, 1);
	rec_init(&b, 2);
	timer_arm(&wheel, &a.t, 1001);
	timer_arm(&wheel, &b.t, 1000 + 10000000);
	timer_wheel_fini(&wheel);
	cr_assert_not(timer_is_armed(&a.t));
	cr_assert_not(timer_is_armed(&b.t));
	cr_assert_eq(timer_wheel_count(&wheel), 0);
}

/*
 * Random arms, re-arms, cancels and advances against a brute-force model:
 * the set fired by each advance and its order must match exactly.
 */
enum { MODEL_N = 400 };

struct model_timer {
	struct timer t;
	int id;
	bool armed;
	uint64_t deadline;
	uint64_t seq;
};

static struct model_timer mt[MODEL_N];
static int model_fired[MODEL_N * 4];
static size_t model_nfired;

static void model_fire(struct timer_wheel *w, struct timer *t, void *arg)
{
	struct model_timer *m = arg;

	model_fired[model_nfired++] = m->id;
}

static int cmp_expected(const void *a, const void *b)
{
	const struct model_timer *x = *(struct model_timer *const *)a;
	const struct model_timer *y = *(struct model_timer *const *)b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

Test(timer_wheel, matches_a_brute_force_model)
{
	uint64_t base = 1000, seq = 0, now = 1000;
	static struct model_timer *due[MODEL_N];

	for (int i = 0; i < MODEL_N; i++) {
		mt[i].id = i;
		timer_init(&mt[i].t, model_fire, &mt[i]);
	}
	for (int step = 0; step < 20000; step++) {
		uint64_t r = rnd();
		struct model_timer *m = &mt[r % MODEL_N];

		switch ((r >> 20) % 8) {
		case 0: case 1: case 2: case 3: {
			/* spans from "already past" to beyond level 3 */
			static const uint64_t span[] = { 3, 300, 20000, 2000000, 300000000 };
			uint64_t d = now - 2 + rnd() % span[(r >> 30) % 5];

			timer_arm(&wheel, &m->t, d);
			m->armed = true;
			m->deadline = d < base ? base : d;
			m->seq = seq++;
			break;
		}
		case 4:
			timer_cancel(&wheel, &m->t);
			m->armed = false;
			break;
		default: {
			static const uint64_t jump[] = { 0, 1, 7, 300, 20000, 1500000 };
			size_t nd = 0;

			now += jump[(r >> 30) % 6];
			for (int i = 0; i < MODEL_N; i++)
				if (mt[i].armed && mt[i].deadline <= now)
					due[nd++] = &mt[i];
			qsort(due, nd, sizeof(due[0]), cmp_expected);
			model_nfired = 0;
			cr_assert_eq(timer_wheel_advance(&wheel, now), nd);
			cr_assert_eq(model_nfired, nd);
			for (size_t i = 0; i < nd; i++) {
				cr_assert_eq(model_fired[i], due[i]->id, "step %d at %zu", step, i);
				due[i]->armed = false;
			}
			if (now >= base)
				base = now + 1;
			break;
		}
		}
		/* the cheap invariants, every step */
		size_t armed = 0;
		uint64_t next = UINT64_MAX;

		for (int i = 0; i < MODEL_N; i++)
			if (mt[i].armed) {
				armed++;
				if (mt[i].deadline < next)
					next = mt[i].deadline;
				cr_assert(timer_is_armed(&mt[i].t));
			} else {
				cr_assert_not(timer_is_armed(&mt[i].t));
			}
		cr_assert_eq(timer_wheel_count(&wheel), armed);
		cr_assert_eq(timer_wheel_next_deadline(&wheel), next, "step %d", step);
		/* the event loop's bound: never after the next deadline */
		cr_assert_leq(timer_wheel_next_wakeup(&wheel), next, "step %d", step);
		cr_assert_eq(timer_wheel_next_wakeup(&wheel) == UINT64_MAX, next == UINT64_MAX,
			     "step %d", step);
	}
	/* cascading alone keeps ties in arm order: the repair never ran */
	cr_assert_eq(wheel.resorts, 0);
}

/*
 * White box: the tie-order repair. Scramble the arm sequence numbers of
 * timers sharing a deadline; they must still fire by sequence.
 */
Test(timer_wheel, tie_repair_sorts_by_arm_sequence)
{
	enum { N = 37 };
	static struct rec_timer r[N];
	uint32_t seqs[N];

	for (int i = 0; i < N; i++) {
		rec_init(&r[i], i);
		timer_arm(&wheel, &r[i].t, 1500);
		seqs[i] = r[i].t.seq;
	}
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rnd() % (uint64_t)(i + 1));
		uint32_t s = seqs[i];

		seqs[i] = seqs[j];
		seqs[j] = s;
	}
	for (int i = 0; i < N; i++)
		r[i].t.seq = seqs[i];
	cr_assert_eq(timer_wheel_advance(&wheel, 1500), N);
	cr_assert_eq(wheel.resorts, 1);
	for (int i = 1; i < N; i++)
		cr_assert_lt(r[fired_log.ids[i - 1]].t.seq, r[fired_log.ids[i]].t.seq);
}

/*
 * The arm sequence is 32 bits, compared modulo 2^32: timers sharing a
 * deadline, armed across the counter's wrap, fire in arm order, and so do
 * they when the repair sorts them (their sequences scrambled, then put
 * back in arm order: the repair must not put the wrapped ones first).
 */
Test(timer_wheel, ties_across_the_sequence_wrap)
{
	enum { N = 9 };
	static struct rec_timer r[N];
	uint32_t seqs[N];

	wheel.seq = UINT32_MAX - 3;	/* four arms before the wrap, five after */
	for (int i = 0; i < N; i++) {
		rec_init(&r[i], i);
		timer_arm(&wheel, &r[i].t, 1500);
		seqs[i] = r[i].t.seq;
	}
	cr_assert_eq(seqs[3], UINT32_MAX);
	cr_assert_eq(seqs[4], 0);
	cr_assert_eq(timer_wheel_advance(&wheel, 1500), N);
	cr_assert_eq(wheel.resorts, 0);
	for (int i = 0; i < N; i++)
		cr_assert_eq(fired_log.ids[i], i, "fired %d at %d", fired_log.ids[i], i);

	/* again, the list out of order: the repair sorts across the wrap */
	fired_log.n = 0;
	for (int i = 0; i < N; i++) {
		rec_init(&r[i], i);
		timer_arm(&wheel, &r[i].t, 1600);
	}
	for (int i = 0; i < N; i++)	/* the one armed last gets the earliest sequence */
		r[i].t.seq = seqs[(i + 1) % N];
	cr_assert_eq(timer_wheel_advance(&wheel, 1600), N);
	cr_assert_eq(wheel.resorts, 1);
	cr_assert_eq(fired_log.ids[0], N - 1, "the earliest sequence is not first: %d",
		     fired_log.ids[0]);
	for (int i = 1; i < N; i++)
		cr_assert_eq(fired_log.ids[i], i - 1, "fired %d at %d", fired_log.ids[i], i);
}

/* What the wheel's clock says inside a callback. */
static uint64_t now_in_callback;

static void note_now(struct timer_wheel *w, struct timer *t, void *arg)
{
	(void)t;
	(void)arg;
	now_in_callback = timer_wheel_now(w);
}

/*
 * Inside a callback the clock is the tick being fired, and after the
 * advance it is the advance's now: a duration measured from a callback to
 * later in the same millisecond is 0, never -1 (the rekey delays of
 * src/ike were 2^64 - 1 ms when the callback saw the tick after).
 */
Test(timer_wheel, now_is_the_tick_inside_callbacks)
{
	struct timer t;

	timer_init(&t, note_now, NULL);
	timer_arm(&wheel, &t, 1005);
	timer_wheel_advance(&wheel, 1005);
	cr_assert_eq(now_in_callback, 1005, "inside the callback: %llu, expected 1005",
		     (unsigned long long)now_in_callback);
	cr_assert_eq(timer_wheel_now(&wheel), 1005);
	cr_assert_eq(timer_wheel_now(&wheel) - now_in_callback, 0);
	/* fired late (the loop was busy): still the tick it fired at */
	timer_arm(&wheel, &t, 1010);
	timer_wheel_advance(&wheel, 1500);
	cr_assert_eq(now_in_callback, 1010);
	cr_assert_eq(timer_wheel_now(&wheel), 1500);
}

/*
 * timer_wheel_set_clock(): now moves ahead, nothing fires until the next
 * advance, and a timer cancelled in between (the answer to a request read
 * in the same round as its retransmission fell due) never fires.
 */
Test(timer_wheel, set_clock_moves_now_and_fires_nothing)
{
	struct rec_timer a, b, c;
	struct timer t;

	rec_init(&a, 1);
	rec_init(&b, 2);
	rec_init(&c, 3);
	timer_arm(&wheel, &a.t, 1005);
	timer_arm(&wheel, &b.t, 1006);
	timer_wheel_set_clock(&wheel, 1010);
	cr_assert_eq(timer_wheel_now(&wheel), 1010);
	cr_assert_eq(a.fired + b.fired, 0, "setting the clock fired a timer");
	cr_assert(timer_is_armed(&a.t) && timer_is_armed(&b.t));
	timer_cancel(&wheel, &b.t);
	/* armed relative to the clock the handlers read: after 1010 */
	timer_arm(&wheel, &c.t, timer_wheel_now(&wheel) + 5);
	cr_assert_eq(timer_wheel_advance(&wheel, 1010), 1);
	cr_assert_eq(a.fired, 1);
	cr_assert_eq(a.fired_at, 1005);
	cr_assert_eq(b.fired, 0, "a timer cancelled before the advance fired");
	cr_assert_eq(c.fired, 0);
	cr_assert_eq(timer_wheel_now(&wheel), 1010);
	/* a clock set back changes nothing */
	timer_wheel_set_clock(&wheel, 1002);
	cr_assert_eq(timer_wheel_now(&wheel), 1010);
	cr_assert_eq(timer_wheel_advance(&wheel, 1014), 0);
	cr_assert_eq(timer_wheel_advance(&wheel, 1015), 1);
	cr_assert_eq(c.fired_at, 1015);
	/* inside a callback now is the tick it fires for, whatever the clock says */
	timer_init(&t, note_now, NULL);
	timer_arm(&wheel, &t, 1020);
	timer_wheel_set_clock(&wheel, 2000);
	cr_assert_eq(timer_wheel_advance(&wheel, 2000), 1);
	cr_assert_eq(now_in_callback, 1020);
	cr_assert_eq(timer_wheel_now(&wheel), 2000);
}
