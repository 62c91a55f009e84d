/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util/mailbox.h"

struct msg {
	struct mail mail;
	unsigned producer;
	unsigned seq;
};

static bool fd_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

struct sink {
	struct msg *got[64];
	unsigned n;
};

static void to_sink(struct mail *m, void *ctx)
{
	struct sink *s = ctx;

	s->got[s->n++] = caa_container_of(m, struct msg, mail);
}

Test(mailbox, post_wakes_once_and_drain_clears, .timeout = 10)
{
	struct mailbox mb;
	struct msg m[5];
	struct sink s = { .n = 0 };

	cr_assert_eq(mailbox_init(&mb), 0);
	cr_assert(mailbox_fd(&mb) >= 0);
	cr_assert(mailbox_is_empty(&mb));
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));

	for (unsigned i = 0; i < 5; i++) {
		m[i].seq = i;
		mailbox_post(&mb, &m[i].mail);
	}
	/* one wake-up for the empty -> non-empty transition only */
	cr_assert_eq(atomic_load(&mb.wakeups), 1);
	cr_assert_eq(mailbox_depth(&mb), 5);
	cr_assert(fd_readable(mailbox_fd(&mb), 0));

	/* a partial drain leaves the fd set so the loop comes back */
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 2), 2);
	cr_assert(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_depth(&mb), 3);
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 3);
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_depth(&mb), 0);
	cr_assert(mailbox_is_empty(&mb));
	for (unsigned i = 0; i < 5; i++)
		cr_assert_eq(s.got[i]->seq, i);

	/* empty again: the next post wakes again */
	mailbox_post(&mb, &m[0].mail);
	cr_assert_eq(atomic_load(&mb.wakeups), 3);	/* + the partial drain's own */
	cr_assert(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 1);
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 0);
	mailbox_fini(&mb);
}

static void own_handler(struct mail *m, void *ctx)
{
	struct msg *msg = caa_container_of(m, struct msg, mail);

	*(unsigned *)ctx += msg->seq;
}

Test(mailbox, drain_without_fn_uses_each_mails_handler, .timeout = 10)
{
	struct mailbox mb;
	struct msg m[3];
	unsigned sum = 0;

	cr_assert_eq(mailbox_init(&mb), 0);
	for (unsigned i = 0; i < 3; i++) {
		m[i].mail.fn = own_handler;
		m[i].seq = 10 + i;
		mailbox_post(&mb, &m[i].mail);
	}
	cr_assert_eq(mailbox_drain(&mb, NULL, &sum, 10), 3);
	cr_assert_eq(sum, 33);
	mailbox_wake(&mb);
	cr_assert(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_drain(&mb, NULL, &sum, 10), 0);
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));
	mailbox_fini(&mb);
}

static void *post_one(void *p)
{
	struct mailbox *mb = ((void **)p)[0];
	struct msg *m = ((void **)p)[1];

	mailbox_post(mb, &m->mail);
	return NULL;
}

Test(mailbox, the_owners_posts_to_itself_wake_nobody, .timeout = 10)
{
	struct mailbox mb;
	struct msg m[4];
	struct sink s = { .n = 0 };
	pthread_t t;
	void *arg[2] = { &mb, &m[3] };

	cr_assert_eq(mailbox_init(&mb), 0);
	mailbox_own(&mb);
	for (unsigned i = 0; i < 3; i++) {
		m[i].seq = i;
		mailbox_post(&mb, &m[i].mail);
	}
	/* queued, but no eventfd write: the owner drains before it waits */
	cr_assert_eq(atomic_load(&mb.wakeups), 0);
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_not(mailbox_is_empty(&mb));
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 3);
	cr_assert(mailbox_is_empty(&mb));

	/* another thread's post still wakes the owner, and the drain clears it */
	m[3].seq = 3;
	cr_assert_eq(pthread_create(&t, NULL, post_one, arg), 0);
	pthread_join(t, NULL);
	cr_assert_eq(atomic_load(&mb.wakeups), 1);
	cr_assert(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 1);
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(s.got[i]->seq, i);

	/* a drain that stops early re-arms the fd even for the owner's own mail */
	mailbox_post(&mb, &m[0].mail);
	mailbox_post(&mb, &m[1].mail);
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 1), 1);
	cr_assert(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 1);
	cr_assert_not(fd_readable(mailbox_fd(&mb), 0));

	/* given up: the thread's posts wake again */
	mailbox_own(NULL);
	mailbox_post(&mb, &m[0].mail);
	cr_assert(fd_readable(mailbox_fd(&mb), 0));
	cr_assert_eq(mailbox_drain(&mb, to_sink, &s, 100), 1);
	mailbox_fini(&mb);
}

enum { PRODUCERS = 4, PER_PRODUCER = 100000 };

struct stress {
	struct mailbox mb;
	struct msg *msgs;		/* PRODUCERS * PER_PRODUCER */
	unsigned next_seq[PRODUCERS];	/* consumer only */
	unsigned char *seen;		/* consumer only */
	unsigned received;
	bool order_ok;
	bool dup;
};

struct producer_arg {
	struct stress *st;
	unsigned idx;
};

static void *producer(void *p)
{
	struct producer_arg *a = p;
	struct msg *base = a->st->msgs + (size_t)a->idx * PER_PRODUCER;

	for (unsigned i = 0; i < PER_PRODUCER; i++) {
		base[i].producer = a->idx;
		base[i].seq = i;
		mailbox_post(&a->st->mb, &base[i].mail);
	}
	return NULL;
}

static void consume(struct mail *m, void *ctx)
{
	struct stress *st = ctx;
	struct msg *msg = caa_container_of(m, struct msg, mail);
	size_t slot = (size_t)msg->producer * PER_PRODUCER + msg->seq;

	if (st->seen[slot])
		st->dup = true;
	st->seen[slot] = 1;
	/* one producer's mails arrive in the order it posted them */
	if (msg->seq != st->next_seq[msg->producer])
		st->order_ok = false;
	st->next_seq[msg->producer] = msg->seq + 1;
	st->received++;
}

Test(mailbox, four_producers_one_consumer_exactly_once, .timeout = 60)
{
	static struct stress st;
	pthread_t th[PRODUCERS];
	struct producer_arg args[PRODUCERS];
	const unsigned total = PRODUCERS * PER_PRODUCER;
	unsigned lost_wakeups = 0;

	st.msgs = calloc(total, sizeof(*st.msgs));
	st.seen = calloc(total, 1);
	st.order_ok = true;
	cr_assert(st.msgs && st.seen);
	cr_assert_eq(mailbox_init(&st.mb), 0);

	for (unsigned i = 0; i < PRODUCERS; i++) {
		args[i] = (struct producer_arg){ .st = &st, .idx = i };
		cr_assert_eq(pthread_create(&th[i], NULL, producer, &args[i]), 0);
	}
	/* The consumer sleeps in poll() like an event loop; a lost wake-up would time out. */
	while (st.received < total) {
		if (!fd_readable(mailbox_fd(&st.mb), 2000)) {
			if (!mailbox_is_empty(&st.mb))
				lost_wakeups++;
			continue;
		}
		mailbox_drain(&st.mb, consume, &st, 256);
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);

	cr_assert_eq(lost_wakeups, 0);
	cr_assert_eq(st.received, total);
	cr_assert_not(st.dup);
	cr_assert(st.order_ok);
	for (size_t i = 0; i < total; i++)
		cr_assert_eq(st.seen[i], 1);
	cr_assert_eq(mailbox_depth(&st.mb), 0);
	cr_assert(mailbox_is_empty(&st.mb));
	/* wake-ups coalesce: at most one per post, in practice far fewer */
	cr_assert_geq(atomic_load(&st.mb.wakeups), 1);
	cr_assert_leq(atomic_load(&st.mb.wakeups), total);
	cr_assert_eq(atomic_load(&st.mb.drained), total);
	/*
	 * A producer's signal may land after the consumer took its mail (it
	 * enqueues, then signals): a spurious wake-up, harmless. One more drain
	 * finds nothing and clears it; then the box is quiet.
	 */
	cr_assert_eq(mailbox_drain(&st.mb, consume, &st, 256), 0);
	cr_assert_not(fd_readable(mailbox_fd(&st.mb), 0));
	mailbox_fini(&st.mb);
	free(st.msgs);
	free(st.seen);
}
