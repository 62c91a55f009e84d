/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/mailbox.h"
#include "util/tsan.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>


int mailbox_init(struct mailbox *mb)
{
	__cds_wfcq_init(&mb->head, &mb->tail);
	atomic_init(&mb->drained, 0);
	atomic_init(&mb->depth, 0);
	atomic_init(&mb->wakeups, 0);
	atomic_init(&mb->pending, 0);
	mb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (mb->efd < 0)
		return -errno;
	return 0;
}

void mailbox_fini(struct mailbox *mb)
{
	if (mb->efd >= 0)
		close(mb->efd);
	mb->efd = -1;
}

/* The mailbox the calling thread owns (mailbox_own()), if any. */
static _Thread_local const struct mailbox *owned;

void mailbox_own(const struct mailbox *mb)
{
	owned = mb;
}

static void signal_owner(struct mailbox *mb)
{
	uint64_t one = 1;
	ssize_t n;

	/*
	 * Counted before the write: whenever the counter is set, pending says
	 * so, and a drain reads it (clear_signal()). A write still on its way
	 * costs that drain one read that finds nothing.
	 */
	atomic_fetch_add(&mb->pending, 1);
	do {
		n = write(mb->efd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	/* EAGAIN means the counter is already set: the owner will wake anyway. */
	if (n < 0)
		atomic_fetch_sub(&mb->pending, 1);
	atomic_fetch_add_explicit(&mb->wakeups, 1, memory_order_relaxed);
}

void mailbox_wake(struct mailbox *mb)
{
	signal_owner(mb);
}

void mailbox_post(struct mailbox *mb, struct mail *m)
{
	cds_wfcq_node_init(&m->node);
	atomic_fetch_add_explicit(&mb->depth, 1, memory_order_relaxed);
	tsan_release(m);
	/*
	 * false: the queue was empty, so the owner may be asleep. Not when the
	 * owner posts to itself: it drains before it next waits.
	 */
	if (!cds_wfcq_enqueue(&mb->head, &mb->tail, &m->node) && mb != owned)
		signal_owner(mb);
}

static void clear_signal(struct mailbox *mb)
{
	uint64_t v;
	ssize_t n;

	/* Nothing written since the last read: no syscall to find that out. */
	if (atomic_load(&mb->pending) == 0)
		return;
	do {
		n = read(mb->efd, &v, sizeof(v));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(v))
		atomic_fetch_sub(&mb->pending, v);	/* v: the writes it took */
}

unsigned mailbox_drain(struct mailbox *mb, mail_fn *fn, void *ctx, unsigned max)
{
	unsigned done = 0;
	bool more = false;

	/* Clear before dequeuing: a post that lands after this re-signals. */
	clear_signal(mb);
	while (done < max) {
		struct cds_wfcq_node *node = __cds_wfcq_dequeue_nonblocking(&mb->head, &mb->tail);
		struct mail *m;

		if (node == CDS_WFCQ_WOULDBLOCK) {
			more = true;	/* a producer is between its exchange and its link */
			break;
		}
		if (!node)
			break;
		m = caa_container_of(node, struct mail, node);
		tsan_acquire(m);
		atomic_fetch_sub_explicit(&mb->depth, 1, memory_order_relaxed);
		done++;
		(fn ? fn : m->fn)(m, ctx);
	}
	if (done == max && !cds_wfcq_empty(&mb->head, &mb->tail))
		more = true;
	if (more)
		signal_owner(mb);
	atomic_fetch_add_explicit(&mb->drained, done, memory_order_relaxed);
	return done;
}

long mailbox_depth(const struct mailbox *mb)
{
	long d = atomic_load_explicit(&mb->depth, memory_order_relaxed);

	return d < 0 ? 0 : d;
}

bool mailbox_is_empty(struct mailbox *mb)
{
	return cds_wfcq_empty(&mb->head, &mb->tail);
}
