/* SPDX-License-Identifier: BSD-2-Clause */
#include "sadb/kernel_queue.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "sadb/kernel_route.h"
#include "util/log.h"

/* mail.type of what the kernel thread's mailbox carries */
enum { MAIL_OP = 0, MAIL_BATCH = 1 };

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

struct kernel_batch *kernel_batch_new(struct mailbox *reply_to, kernel_batch_done_fn *done,
				      void *cookie)
{
	struct kernel_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->reply_to = reply_to;
	b->done = done;
	b->cookie = cookie;
	return b;
}

struct kernel_op *kernel_batch_add(struct kernel_batch *b, enum kernel_op_kind kind)
{
	struct kernel_op *op;

	if (b->n >= KERNEL_BATCH_OPS)
		return NULL;
	op = kernel_op_new(kind, b->reply_to, NULL, b->cookie);
	if (op) {
		op->owner = b->owner;
		b->ops[b->n++] = op;
	}
	return op;
}

void kernel_batch_free(struct kernel_batch *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->n; i++)
		kernel_op_free(b->ops[i]);
	free(b);
}

void kernel_batch_deliver(struct mail *m, void *ctx)
{
	struct kernel_batch *b = caa_container_of(m, struct kernel_batch, mail);

	b->done(b);
}

static bool is_route(const struct kernel_op *op)
{
	return op->kind == KERNEL_OP_ROUTE_REPLACE || op->kind == KERNEL_OP_ROUTE_DELETE;
}

/* One op's result, counted (the kernel thread, or an inline submitter). */
static void count_op(struct kernel_queue *kq, const struct kernel_op *op)
{
	atomic_fetch_add_explicit(&kq->ops_done, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&kq->ops_kind[op->kind], 1, memory_order_relaxed);
	if (op->status < 0) {
		atomic_fetch_add_explicit(&kq->ops_failed, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&kq->failed_kind[op->kind], 1, memory_order_relaxed);
	}
	if (op->status == -ECANCELED)
		atomic_fetch_add_explicit(&kq->ops_cancelled, 1, memory_order_relaxed);
}

static void count_submit(struct kernel_queue *kq, size_t n)
{
	unsigned bucket = 0;

	atomic_fetch_add_explicit(&kq->batches, 1, memory_order_relaxed);
	while (bucket < KERNEL_BATCH_BOUNDS && n > (1u << bucket))
		bucket++;
	atomic_fetch_add_explicit(&kq->batch_size[bucket], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&kq->batch_ops, n, memory_order_relaxed);
}

static void answer_batch(struct kernel_queue *kq, struct kernel_batch *b)
{
	for (unsigned i = 0; i < b->n; i++)
		count_op(kq, b->ops[i]);
	atomic_fetch_add_explicit(&kq->round_trips, 1, memory_order_relaxed);
	b->mail.fn = kernel_batch_deliver;
	mailbox_post(b->reply_to, &b->mail);	/* b is the owner's from here */
}

static void answer(struct kernel_queue *kq, struct kernel_op *op)
{
	count_op(kq, op);
	atomic_fetch_add_explicit(&kq->round_trips, 1, memory_order_relaxed);
	op->mail.fn = kernel_op_deliver;
	mailbox_post(op->reply_to, &op->mail);	/* op is the owner's from here */
}

/* What one drain hands the backend: the mails, and their ops flattened in order. */
struct kernel_drain {
	struct mail *mails[KERNEL_QUEUE_BATCH];
	size_t nmails;
	struct kernel_op *ops[KERNEL_QUEUE_BATCH * KERNEL_BATCH_OPS];
	size_t nops;
};

static void collect(struct mail *m, void *ctx)
{
	struct kernel_drain *d = ctx;

	d->mails[d->nmails++] = m;
	if (m->type == MAIL_BATCH) {
		struct kernel_batch *b = caa_container_of(m, struct kernel_batch, mail);
		for (unsigned i = 0; i < b->n; i++)
			d->ops[d->nops++] = b->ops[i];
	} else {
		d->ops[d->nops++] = caa_container_of(m, struct kernel_op, mail);
	}
}

/*
 * ops[0..n-1] in order: runs of IPsec ops to the backend, runs of route
 * ops to rtnetlink, so that a batch's route follows its SAs and policies.
 */
static void perform(struct kernel_queue *kq, struct kernel_op **ops, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		bool route = is_route(ops[i]);

		while (j < n && is_route(ops[j]) == route)
			j++;
		if (!route) {
			kq->be->submit(kq->be_state, ops + i, j - i);
			count_submit(kq, j - i);
		} else {
			int rc = kq->route_state ? 0 : kernel_route_open(&kq->route_state);
			if (rc < 0) {
				for (size_t k = i; k < j; k++)
					ops[k]->status = rc;
			} else {
				kernel_route_submit(kq->route_state, ops + i, j - i);
			}
		}
		i = j;
	}
}

static void reset_results(struct kernel_op **ops, size_t n, bool cancel)
{
	for (size_t i = 0; i < n; i++) {
		ops[i]->status = cancel ? -ECANCELED : 0;
		ops[i]->spi = 0;
		memset(&ops[i]->stats, 0, sizeof(ops[i]->stats));
	}
}

static void answer_mail(struct kernel_queue *kq, struct mail *m)
{
	if (m->type == MAIL_BATCH)
		answer_batch(kq, caa_container_of(m, struct kernel_batch, mail));
	else
		answer(kq, caa_container_of(m, struct kernel_op, mail));
}

/* Drain up to one batch and answer it; returns the number of mails. */
static size_t run_batch(struct kernel_queue *kq, bool cancel)
{
	struct kernel_drain *d = kq->drain;

	d->nmails = d->nops = 0;
	mailbox_drain(&kq->in, collect, d, KERNEL_QUEUE_BATCH);
	if (d->nmails == 0)
		return 0;
	reset_results(d->ops, d->nops, cancel);
	if (!cancel)
		perform(kq, d->ops, d->nops);
	for (size_t i = 0; i < d->nmails; i++)
		answer_mail(kq, d->mails[i]);
	return d->nmails;
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
	kq->run_inline = be->inline_ok;
	kq->drain = calloc(1, sizeof(*kq->drain));
	if (!kq->drain)
		return -ENOMEM;
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
		goto fail_drain;
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
fail_drain:
	free(kq->drain);
	kq->drain = NULL;
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
	if (kq->run_inline && !is_route(op)) {
		reset_results(&op, 1, false);
		kq->be->submit(kq->be_state, &op, 1);
		count_submit(kq, 1);
		atomic_fetch_add_explicit(&kq->inline_runs, 1, memory_order_relaxed);
		answer(kq, op);
		goto out;
	}
	op->mail.type = MAIL_OP;
	mailbox_post(&kq->in, &op->mail);
out:
	atomic_fetch_sub(&kq->submitters, 1);
	return rc;
}

int kernel_queue_submit_batch(struct kernel_queue *kq, struct kernel_batch *b)
{
	bool inline_run = kq->run_inline;
	int rc = 0;

	if (!b->reply_to || !b->done || b->n == 0)
		return -EINVAL;
	for (unsigned i = 0; i < b->n; i++)
		if (is_route(b->ops[i]))
			inline_run = false;
	atomic_fetch_add(&kq->submitters, 1);	/* as kernel_queue_submit() */
	if (atomic_load(&kq->stopping)) {
		rc = -ESHUTDOWN;
		goto out;
	}
	b->id = atomic_fetch_add_explicit(&kq->next_id, 1, memory_order_relaxed);
	if (inline_run) {
		reset_results(b->ops, b->n, false);
		kq->be->submit(kq->be_state, b->ops, b->n);
		count_submit(kq, b->n);
		atomic_fetch_add_explicit(&kq->inline_runs, 1, memory_order_relaxed);
		answer_batch(kq, b);
		goto out;
	}
	b->mail.type = MAIL_BATCH;
	mailbox_post(&kq->in, &b->mail);
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
	kernel_route_close(kq->route_state);
	kq->route_state = NULL;
	mailbox_fini(&kq->in);
	free(kq->drain);
	kq->drain = NULL;
}

long kernel_queue_depth(const struct kernel_queue *kq)
{
	return mailbox_depth(&kq->in);
}

uint64_t kernel_queue_ops_done(const struct kernel_queue *kq)
{
	return atomic_load_explicit(&kq->ops_done, memory_order_relaxed);
}
