/* SPDX-License-Identifier: BSD-2-Clause */
#include "sadb/kernel_queue.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static const struct kernel_backend *const backends[] = {
	&kernel_backend_none,
	&kernel_backend_xfrm,
	&kernel_backend_pfkey,
};

const struct kernel_backend *kernel_backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

struct kernel_op *kernel_op_new(enum kernel_op_kind kind, struct mailbox *reply_to,
				kernel_done_fn *done, void *cookie)
{
	struct kernel_op *op;

	if ((unsigned)kind >= KERNEL_OP_KINDS)
		return NULL;
	op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->kind = kind;
	op->reply_to = reply_to;
	op->done = done;
	op->cookie = cookie;
	return op;
}

static void key_wipe(struct kernel_op *op)
{
	if (op->key) {
		explicit_bzero(op->key, op->key_len);
		free(op->key);
	}
	op->key = NULL;
	op->key_len = 0;
}

int kernel_op_set_keys(struct kernel_op *op, const uint8_t *encr, size_t encr_len,
		       const uint8_t *integ, size_t integ_len)
{
	size_t len = encr_len + integ_len;
	uint8_t *k;

	if (encr_len > KERNEL_KEY_MAX || integ_len > KERNEL_KEY_MAX || len > KERNEL_KEY_MAX)
		return -EMSGSIZE;
	k = malloc(len ? len : 1);
	if (!k)
		return -ENOMEM;
	if (encr_len)
		memcpy(k, encr, encr_len);
	if (integ_len)
		memcpy(k + encr_len, integ, integ_len);
	key_wipe(op);
	op->key = k;
	op->key_len = len;
	op->sa.encr_key_len = (uint16_t)encr_len;
	op->sa.integ_key_len = (uint16_t)integ_len;
	return 0;
}

void kernel_op_free(struct kernel_op *op)
{
	if (!op)
		return;
	key_wipe(op);
	explicit_bzero(op, sizeof(*op));
	free(op);
}

void kernel_op_deliver(struct mail *m, void *ctx)
{
	struct kernel_op *op = caa_container_of(m, struct kernel_op, mail);

	op->done(op);
}

static void answer(struct kernel_queue *kq, struct kernel_op *op)
{
	atomic_fetch_add_explicit(&kq->ops_done, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&kq->ops_kind[op->kind], 1, memory_order_relaxed);
	if (op->status < 0) {
		atomic_fetch_add_explicit(&kq->ops_failed, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&kq->failed_kind[op->kind], 1, memory_order_relaxed);
	}
	if (op->status == -ECANCELED)
		atomic_fetch_add_explicit(&kq->ops_cancelled, 1, memory_order_relaxed);
	op->mail.fn = kernel_op_deliver;
	mailbox_post(op->reply_to, &op->mail);	/* op is the owner's from here */
}

struct batch {
	struct kernel_op *ops[KERNEL_QUEUE_BATCH];
	size_t n;
};

static void collect(struct mail *m, void *ctx)
{
	struct batch *b = ctx;

	b->ops[b->n++] = caa_container_of(m, struct kernel_op, mail);
}

/* Drain up to one batch and answer it; returns the number of ops. */
static size_t run_batch(struct kernel_queue *kq, bool cancel)
{
	struct batch b = { .n = 0 };

	mailbox_drain(&kq->in, collect, &b, KERNEL_QUEUE_BATCH);
	if (b.n == 0)
		return 0;
	for (size_t i = 0; i < b.n; i++) {
		b.ops[i]->status = cancel ? -ECANCELED : 0;
		b.ops[i]->spi = 0;
		memset(&b.ops[i]->stats, 0, sizeof(b.ops[i]->stats));
	}
	if (!cancel) {
		unsigned bucket = 0;
		kq->be->submit(kq->be_state, b.ops, b.n);
		atomic_fetch_add_explicit(&kq->batches, 1, memory_order_relaxed);
		while (bucket < KERNEL_BATCH_BOUNDS && b.n > (1u << bucket))
			bucket++;
		atomic_fetch_add_explicit(&kq->batch_size[bucket], 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&kq->batch_ops, b.n, memory_order_relaxed);
	}
	for (size_t i = 0; i < b.n; i++)
		answer(kq, b.ops[i]);
	return b.n;
}

static void *kernel_thread(void *arg)
{
	struct kernel_queue *kq = arg;
	int efd = kq->be->event_fd ? kq->be->event_fd(kq->be_state) : -1;

	for (;;) {
		bool cancel = atomic_load(&kq->closed) && kq->stop_mode == KERNEL_STOP_CANCEL;
		struct pollfd pfd[2] = {
			{ .fd = mailbox_fd(&kq->in), .events = POLLIN },
			{ .fd = efd, .events = POLLIN },
		};

		if (run_batch(kq, cancel) > 0)
			continue;
		/*
		 * Looked at after the drain cleared the eventfd: if the stop comes
		 * later, its wake-up is still pending for poll(). Once closed, every
		 * submission has landed, so an empty queue means done.
		 */
		if (atomic_load(&kq->closed)) {
			if (mailbox_is_empty(&kq->in))
				break;
			continue;
		}
		if (poll(pfd, efd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
			log_err("kernel thread: poll: %s", strerror(errno));
			sched_yield();
		}
		if (efd >= 0 && (pfd[1].revents & POLLIN))
			kq->be->event_read(kq->be_state);
	}
	return NULL;
}

int kernel_queue_start(struct kernel_queue *kq, const struct kernel_backend *be)
{
	int rc;

	memset(kq, 0, sizeof(*kq));
	kq->be = be;
	atomic_init(&kq->stopping, false);
	atomic_init(&kq->closed, false);
	atomic_init(&kq->submitters, 0);
	atomic_init(&kq->next_id, 1);
	atomic_init(&kq->ops_done, 0);
	atomic_init(&kq->ops_failed, 0);
	atomic_init(&kq->ops_cancelled, 0);
	atomic_init(&kq->batches, 0);
	rc = mailbox_init(&kq->in);
	if (rc < 0)
		return rc;
	rc = be->init(&kq->be_state);
	if (rc < 0) {
		log_err("kernel backend %s: initialisation failed: %s", be->name, strerror(-rc));
		goto fail_mailbox;
	}
	rc = -pthread_create(&kq->thread, NULL, kernel_thread, kq);
	if (rc < 0) {
		log_err("kernel thread: cannot start: %s", strerror(-rc));
		goto fail_backend;
	}
	pthread_setname_np(kq->thread, "skua-kernel");
	kq->running = true;
	return 0;
fail_backend:
	be->fini(kq->be_state);
fail_mailbox:
	mailbox_fini(&kq->in);
	return rc;
}

int kernel_queue_submit(struct kernel_queue *kq, struct kernel_op *op)
{
	int rc = 0;

	if (!op->reply_to || !op->done || (unsigned)op->kind >= KERNEL_OP_KINDS)
		return -EINVAL;
	/*
	 * Announce the submission before looking at the stop flag; the stopper
	 * sets the flag before waiting for the count to drop (both seq_cst), so
	 * either we see the flag or it sees us.
	 */
	atomic_fetch_add(&kq->submitters, 1);
	if (atomic_load(&kq->stopping)) {
		rc = -ESHUTDOWN;
		goto out;
	}
	op->id = atomic_fetch_add_explicit(&kq->next_id, 1, memory_order_relaxed);
	mailbox_post(&kq->in, &op->mail);
out:
	atomic_fetch_sub(&kq->submitters, 1);
	return rc;
}

void kernel_queue_stop(struct kernel_queue *kq, enum kernel_stop_mode how)
{
	if (!kq->running)
		return;
	kq->stop_mode = how;
	atomic_store(&kq->stopping, true);
	while (atomic_load(&kq->submitters) != 0)
		sched_yield();	/* a submission is a few instructions */
	atomic_store(&kq->closed, true);	/* publishes stop_mode too */
	mailbox_wake(&kq->in);
	pthread_join(kq->thread, NULL);
	kq->running = false;
	/* The thread left the queue empty; answer any straggler all the same. */
	while (run_batch(kq, true) > 0)
		;
	kq->be->fini(kq->be_state);
	kq->be_state = NULL;
	mailbox_fini(&kq->in);
}

long kernel_queue_depth(const struct kernel_queue *kq)
{
	return mailbox_depth(&kq->in);
}

uint64_t kernel_queue_ops_done(const struct kernel_queue *kq)
{
	return atomic_load_explicit(&kq->ops_done, memory_order_relaxed);
}
