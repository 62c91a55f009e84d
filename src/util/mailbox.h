/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_MAILBOX_H
#define SKUA_UTIL_MAILBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

/*
 * A multi-producer, single-consumer mailbox: liburcu's wait-free
 * concurrent queue plus an eventfd the owner's event loop polls.
 *
 * A post is wait-free. It writes the eventfd only when the queue goes
 * from empty to non-empty, so a burst of posts costs one wake-up, and not
 * at all when the owner posts to itself (mailbox_own()). The owner reads
 * (clears) the eventfd at the start of each drain if a write has begun
 * since its last read, then dequeues; a drain that stops early re-arms the
 * eventfd itself, so no wake-up is ever lost.
 */

struct mail;

/*
 * Handles one mail on the mailbox's owner thread. Ownership of m passes
 * to the handler, which may free it, re-post it anywhere or keep it.
 */
typedef void mail_fn(struct mail *m, void *ctx);

/*
 * Owner: the sender until mailbox_post(), then the mailbox, then the
 * handler that mailbox_drain() gives it to. Embed it in the message.
 */
struct mail {
	struct cds_wfcq_node node;
	mail_fn *fn;		/* handler, when mailbox_drain() is given none */
	uint32_t type;		/* free for the sender's use */
};

/*
 * Owner: one consumer thread (the mailbox owner) drains it; any thread
 * posts. The queue's head is touched only by the consumer, its tail (a
 * wait-free exchange) and depth by the producers; padding keeps the two
 * sides on different cache lines without imposing an alignment on the
 * objects that embed a mailbox. depth and the statistics are atomics,
 * readable by anyone.
 */
struct mailbox {
	struct __cds_wfcq_head head;	/* consumer side */
	int efd;
	_Atomic uint64_t drained;	/* written by the consumer only */
	char pad0[64];
	struct cds_wfcq_tail tail;	/* producer side */
	_Atomic long depth;		/* posted - drained, approximate */
	_Atomic uint64_t wakeups;	/* eventfd writes */
	_Atomic uint64_t pending;	/* eventfd writes begun, less those read */
	char pad1[64];
};

/*
 * Context: any thread, before the mailbox is shared. Returns 0 or -errno
 * from eventfd().
 */
int mailbox_init(struct mailbox *mb);

/*
 * Close the eventfd. The caller has stopped every producer and drained the
 * mailbox: mails still queued are not freed.
 * Context: the owner, after every producer is done with mb.
 */
void mailbox_fini(struct mailbox *mb);

/*
 * The calling thread owns mb (one mailbox per thread; NULL for none): its
 * own posts to mb wake nobody, so it must drain mb before it next waits
 * (a worker's loop does: it waits with a zero timeout while mail is queued).
 * Context: the owner thread, before it posts to mb.
 */
void mailbox_own(const struct mailbox *mb);

/*
 * Queue m (ownership passes to the mailbox) and wake the owner if the
 * mailbox was empty and the caller is not its owner (mailbox_own()).
 * Never blocks, never allocates.
 * Context: any thread, including the owner and its handlers.
 */
void mailbox_post(struct mailbox *mb, struct mail *m);

/*
 * Hand up to max queued mails, oldest first, to fn(m, ctx), or to each
 * mail's own m->fn when fn is NULL. Returns the number handled. Clears the
 * eventfd first; if mails remain (max reached, or a producer is half-way
 * through a post), the eventfd is set again.
 * Context: the owner thread only (one consumer at a time); does not block.
 */
unsigned mailbox_drain(struct mailbox *mb, mail_fn *fn, void *ctx, unsigned max);

/*
 * Set the eventfd whatever the queue holds (e.g. to make a thread that
 * polls the mailbox look at a stop flag).
 * Context: any thread.
 */
void mailbox_wake(struct mailbox *mb);

/* The eventfd to poll for POLLIN. Context: any thread. */
static inline int mailbox_fd(const struct mailbox *mb)
{
	return mb->efd;
}

/*
 * Approximate number of queued mails, for status output.
 * Context: any thread; lock-free.
 */
long mailbox_depth(const struct mailbox *mb);

/* Context: the owner thread (exact there), any thread (a hint). */
bool mailbox_is_empty(struct mailbox *mb);

#endif
