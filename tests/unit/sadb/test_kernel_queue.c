/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sadb/kernel_queue.h"

/* Results land here, on the thread that drains the mailbox. */
struct inbox {
	struct mailbox mb;
	unsigned idx;
	pthread_t tid;
	uint64_t last_seq;		/* FIFO check: cookie carries a per-inbox sequence */
	unsigned got;
	unsigned errors;
	int statuses[4096];
	uint32_t spis[4096];
};

struct op_tag {
	struct inbox *inbox;
	uint64_t seq;
};

static void op_done(struct kernel_op *op)
{
	struct op_tag *tag = op->cookie;
	struct inbox *in = tag->inbox;

	/* right mailbox, right thread, in submission order, exactly once */
	if (op->reply_to != &in->mb || !pthread_equal(pthread_self(), in->tid))
		in->errors++;
	if (tag->seq != in->last_seq + 1)
		in->errors++;
	in->last_seq = tag->seq;
	if (in->got < 4096) {
		in->statuses[in->got] = op->status;
		in->spis[in->got] = op->spi;
	}
	in->got++;
	free(tag);
	kernel_op_free(op);
}

static struct kernel_op *make_op(struct inbox *in, enum kernel_op_kind kind, uint64_t seq)
{
	struct op_tag *tag = malloc(sizeof(*tag));
	struct kernel_op *op;

	cr_assert_not_null(tag);
	tag->inbox = in;
	tag->seq = seq;
	op = kernel_op_new(kind, &in->mb, op_done, tag);
	cr_assert_not_null(op);
	ip_addr_parse("192.0.2.1", &op->sa.src);
	ip_addr_parse("198.51.100.7", &op->sa.dst);
	op->sa.proto = IPPROTO_ESP;
	op->sa.spi = 0x10000 + (uint32_t)seq;
	return op;
}

static void inbox_init(struct inbox *in, unsigned idx)
{
	memset(in, 0, sizeof(*in));
	in->idx = idx;
	in->tid = pthread_self();
	cr_assert_eq(mailbox_init(&in->mb), 0);
}

/* Drain until want results arrived (bounded by a few seconds). */
static void inbox_wait(struct inbox *in, unsigned want)
{
	for (int i = 0; i < 5000 && in->got < want; i++) {
		struct pollfd p = { .fd = mailbox_fd(&in->mb), .events = POLLIN };

		poll(&p, 1, 2);
		mailbox_drain(&in->mb, NULL, NULL, 1024);
	}
}

Test(kernel_queue, backend_lookup, .timeout = 10)
{
	cr_assert_eq(kernel_backend_find("none"), &kernel_backend_none);
	cr_assert_null(kernel_backend_find("bogus"));
}

Test(kernel_queue, ops_are_answered_with_results, .timeout = 10)
{
	static struct kernel_queue kq;
	static struct inbox in;
	struct kernel_op *op;
	const uint8_t ek[20] = { 1, 2, 3 }, ik[32] = { 4, 5, 6 };
	uint64_t seq = 0;

	inbox_init(&in, 0);
	cr_assert_eq(kernel_queue_start(&kq, &kernel_backend_none), 0);

	op = make_op(&in, KERNEL_OP_SA_ADD, ++seq);
	cr_assert_eq(kernel_op_set_keys(op, ek, sizeof(ek), ik, sizeof(ik)), 0);
	cr_assert_eq(op->key_len, 52);
	cr_assert_eq(op->sa.encr_key_len, 20);
	cr_assert_eq(memcmp(op->key + 20, ik, sizeof(ik)), 0);
	cr_assert_eq(kernel_op_set_keys(op, ek, KERNEL_KEY_MAX + 1, NULL, 0), -EMSGSIZE);
	cr_assert_eq(kernel_queue_submit(&kq, op), 0);
	cr_assert_geq(op->id, 1);

	/* the IPsec kinds (the route ops, below, go over rtnetlink) */
	for (int k = KERNEL_OP_SA_UPDATE; k <= KERNEL_OP_SA_QUERY; k++)
		cr_assert_eq(kernel_queue_submit(&kq, make_op(&in, (enum kernel_op_kind)k, ++seq)),
			     0);
	/* an SPI range: the low end is raised to 0x1000 */
	op = make_op(&in, KERNEL_OP_SPI_ALLOC, ++seq);
	op->spi_req.spi_min = 0;
	op->spi_req.spi_max = 0x1003;
	cr_assert_eq(kernel_queue_submit(&kq, op), 0);
	/* an empty range is refused */
	op = make_op(&in, KERNEL_OP_SPI_ALLOC, ++seq);
	op->spi_req.spi_min = 0x2000;
	op->spi_req.spi_max = 0x1fff;
	cr_assert_eq(kernel_queue_submit(&kq, op), 0);

	inbox_wait(&in, (unsigned)seq);
	cr_assert_eq(in.got, seq);
	cr_assert_eq(in.errors, 0);
	for (unsigned i = 0; i < seq - 1; i++)
		cr_assert_eq(in.statuses[i], 0, "op %u: %d", i, in.statuses[i]);
	cr_assert_eq(in.statuses[seq - 1], -EINVAL);
	/* the plain SPI_ALLOC (kind index 5 -> result 5) and the ranged one */
	/* none runs inline, on the submitter: no op went through the thread */
	cr_assert(kq.run_inline);
	cr_assert_eq(atomic_load(&kq.inline_runs), seq);
	cr_assert_eq(atomic_load(&kq.round_trips), seq);
	cr_assert_geq(in.spis[KERNEL_OP_SPI_ALLOC], KERNEL_SPI_MIN);
	cr_assert_geq(in.spis[seq - 2], KERNEL_SPI_MIN);
	cr_assert_leq(in.spis[seq - 2], 0x1003);
	cr_assert_eq(kernel_queue_ops_done(&kq), seq);
	cr_assert_eq(kernel_queue_depth(&kq), 0);

	/* nothing missing: -EINVAL, the caller keeps the op */
	op = kernel_op_new(KERNEL_OP_SA_DELETE, &in.mb, NULL, NULL);
	cr_assert_eq(kernel_queue_submit(&kq, op), -EINVAL);
	kernel_op_free(op);
	cr_assert_null(kernel_op_new(KERNEL_OP_KINDS, &in.mb, op_done, NULL));

	kernel_queue_stop(&kq, KERNEL_STOP_DRAIN);
	op = make_op(&in, KERNEL_OP_SA_DELETE, ++seq);
	cr_assert_eq(kernel_queue_submit(&kq, op), -ESHUTDOWN);
	free(op->cookie);
	kernel_op_free(op);
	mailbox_fini(&in.mb);
}

/* A batch: one post, one backend call, one answer with every op's result. */
static unsigned batch_answers;
static int batch_status[KERNEL_BATCH_OPS];
static uint32_t batch_spi;

static void batch_done(struct kernel_batch *b)
{
	batch_answers++;
	for (unsigned i = 0; i < b->n; i++)
		batch_status[i] = b->ops[i]->status;
	batch_spi = b->ops[0]->spi;
	kernel_batch_free(b);
}

static struct kernel_backend threaded_none;	/* none, but run by the kernel thread */

static void one_batch(struct kernel_queue *kq, struct inbox *in, bool with_bad_route)
{
	struct kernel_batch *b = kernel_batch_new(&in->mb, batch_done, NULL);
	struct kernel_op *op;

	cr_assert_not_null(b);
	op = kernel_batch_add(b, KERNEL_OP_SPI_ALLOC);
	cr_assert_not_null(op);
	op->spi_req.spi_max = 0x2000;
	cr_assert_not_null(kernel_batch_add(b, KERNEL_OP_SA_ADD));
	cr_assert_not_null(kernel_batch_add(b, KERNEL_OP_POLICY_ADD));
	if (with_bad_route) {
		/* a route op with no destination: refused by the encoder, not sent */
		cr_assert_not_null(kernel_batch_add(b, KERNEL_OP_ROUTE_REPLACE));
	}
	while (b->n < KERNEL_BATCH_OPS)
		cr_assert_not_null(kernel_batch_add(b, KERNEL_OP_SA_DELETE));
	cr_assert_null(kernel_batch_add(b, KERNEL_OP_SA_DELETE), "a full batch takes no more");
	cr_assert_eq(kernel_queue_submit_batch(kq, b), 0);
	for (int i = 0; i < 5000 && batch_answers == 0; i++) {
		struct pollfd p = { .fd = mailbox_fd(&in->mb), .events = POLLIN };

		poll(&p, 1, 2);
		mailbox_drain(&in->mb, NULL, NULL, 1024);
	}
}

Test(kernel_queue, a_batch_is_one_round_trip, .timeout = 10)
{
	static struct kernel_queue kq;
	static struct inbox in;

	inbox_init(&in, 0);
	threaded_none = kernel_backend_none;
	threaded_none.inline_ok = false;
	for (int pass = 0; pass < 3; pass++) {
		/* 0: inline (none); 1: through the kernel thread; 2: with a route op (thread) */
		cr_assert_eq(kernel_queue_start(&kq, pass == 0 ? &kernel_backend_none
							       : &threaded_none), 0);
		batch_answers = 0;
		one_batch(&kq, &in, pass == 2);
		cr_assert_eq(batch_answers, 1, "pass %d", pass);
		cr_assert_eq(atomic_load(&kq.round_trips), 1, "pass %d", pass);
		cr_assert_eq(atomic_load(&kq.inline_runs), pass == 0 ? 1 : 0, "pass %d", pass);
		cr_assert_eq(kernel_queue_ops_done(&kq), KERNEL_BATCH_OPS);
		cr_assert_geq(batch_spi, KERNEL_SPI_MIN);
		cr_assert_leq(batch_spi, 0x2000);
		for (unsigned i = 0; i < KERNEL_BATCH_OPS; i++)
			cr_assert_eq(batch_status[i], pass == 2 && i == 3 ? -EINVAL : 0,
				     "pass %d op %u: %d", pass, i, batch_status[i]);
		/* one backend call for the IPsec ops of the batch (two around a route op) */
		cr_assert_eq(atomic_load(&kq.batches), pass == 2 ? 2 : 1, "pass %d", pass);
		kernel_queue_stop(&kq, KERNEL_STOP_DRAIN);
	}
	mailbox_fini(&in.mb);
}

/* Many producers, each with its own mailbox, mixed kinds. */
enum { PRODUCERS = 4, PER_PRODUCER = 20000, WINDOW = 512 };

static struct kernel_queue stress_kq;
static struct inbox stress_in[PRODUCERS];
static uint32_t *all_spis;
static _Atomic unsigned n_spis;

static void spi_done(struct kernel_op *op)
{
	if (op->kind == KERNEL_OP_SPI_ALLOC && op->status == 0)
		all_spis[atomic_fetch_add(&n_spis, 1)] = op->spi;
	op_done(op);
}

static void *stress_producer(void *arg)
{
	struct inbox *in = arg;
	uint64_t seq = 0;

	in->tid = pthread_self();
	while (seq < PER_PRODUCER) {
		/* keep a bounded window in flight, as a worker would */
		while (seq < PER_PRODUCER && seq - in->got < WINDOW) {
			enum kernel_op_kind kind = (seq % 3 == 0) ? KERNEL_OP_SPI_ALLOC
						   : (enum kernel_op_kind)(seq % (KERNEL_OP_SA_QUERY + 1));
			struct op_tag *tag = malloc(sizeof(*tag));
			struct kernel_op *op = kernel_op_new(kind, &in->mb, spi_done, tag);

			if (!tag || !op) {
				in->errors++;
				free(tag);
				kernel_op_free(op);
				seq++;
				in->last_seq++;	/* keep the FIFO check aligned */
				continue;
			}
			tag->inbox = in;
			tag->seq = ++seq;
			if (kernel_queue_submit(&stress_kq, op) < 0)
				in->errors++;
		}
		struct pollfd p = { .fd = mailbox_fd(&in->mb), .events = POLLIN };

		poll(&p, 1, 100);
		mailbox_drain(&in->mb, NULL, NULL, 1024);
	}
	for (int i = 0; i < 5000 && in->got < PER_PRODUCER; i++) {
		struct pollfd p = { .fd = mailbox_fd(&in->mb), .events = POLLIN };

		poll(&p, 1, 2);
		mailbox_drain(&in->mb, NULL, NULL, 1024);
	}
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

Test(kernel_queue, many_producers_fifo_exactly_once_unique_spis, .timeout = 60)
{
	pthread_t th[PRODUCERS];
	unsigned n;

	all_spis = calloc(PRODUCERS * PER_PRODUCER, sizeof(*all_spis));
	cr_assert_not_null(all_spis);
	atomic_store(&n_spis, 0);
	/* through the kernel thread (none would run inline): batching is what is tested */
	threaded_none = kernel_backend_none;
	threaded_none.inline_ok = false;
	cr_assert_eq(kernel_queue_start(&stress_kq, &threaded_none), 0);
	for (unsigned i = 0; i < PRODUCERS; i++) {
		inbox_init(&stress_in[i], i);
		cr_assert_eq(pthread_create(&th[i], NULL, stress_producer, &stress_in[i]), 0);
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < PRODUCERS; i++) {
		cr_assert_eq(stress_in[i].errors, 0, "producer %u", i);
		cr_assert_eq(stress_in[i].got, PER_PRODUCER, "producer %u", i);
		cr_assert_eq(stress_in[i].last_seq, PER_PRODUCER);
	}
	cr_assert_eq(kernel_queue_ops_done(&stress_kq), PRODUCERS * PER_PRODUCER);
	/* batching happened: fewer backend calls than ops */
	cr_assert_lt(atomic_load(&stress_kq.batches), PRODUCERS * PER_PRODUCER);

	/* SPI_ALLOCs: every third op, plus those whose kind cycle lands on it */
	unsigned want = 0;

	for (unsigned s = 0; s < PER_PRODUCER; s++)
		if (s % 3 == 0 || s % (KERNEL_OP_SA_QUERY + 1) == KERNEL_OP_SPI_ALLOC)
			want++;
	n = atomic_load(&n_spis);
	cr_assert_eq(n, PRODUCERS * want);
	qsort(all_spis, n, sizeof(*all_spis), cmp_u32);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_geq(all_spis[i], KERNEL_SPI_MIN);
		if (i)
			cr_assert_neq(all_spis[i], all_spis[i - 1], "duplicate SPI %#x",
				      all_spis[i]);
	}
	kernel_queue_stop(&stress_kq, KERNEL_STOP_DRAIN);
	for (unsigned i = 0; i < PRODUCERS; i++)
		mailbox_fini(&stress_in[i].mb);
	free(all_spis);
}

/*
 * A backend whose first batch blocks until the test opens a gate, so that
 * ops are certainly still queued when the stop begins.
 */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static bool gate_entered;

static int gated_init(void **state)
{
	*state = NULL;
	return 0;
}

static void gated_fini(void *state)
{
}

static void gated_submit(void *state, struct kernel_op **ops, size_t n)
{
	pthread_mutex_lock(&gate_lock);
	gate_entered = true;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	for (size_t i = 0; i < n; i++)
		ops[i]->status = 0;
}

static const struct kernel_backend gated_backend = {
	.name = "gated",
	.init = gated_init,
	.fini = gated_fini,
	.submit = gated_submit,
};

static struct kernel_queue gated_kq;
static enum kernel_stop_mode stop_how;

static void *stopper(void *arg)
{
	kernel_queue_stop(&gated_kq, stop_how);
	return NULL;
}

static void stop_with_pending(enum kernel_stop_mode how, int want_pending_status)
{
	static struct inbox in;
	enum { PENDING = 100 };
	pthread_t th;
	struct kernel_op *op;

	gate_open = false;
	gate_entered = false;
	inbox_init(&in, 0);
	cr_assert_eq(kernel_queue_start(&gated_kq, &gated_backend), 0);
	cr_assert_eq(kernel_queue_submit(&gated_kq, make_op(&in, KERNEL_OP_SA_ADD, 1)), 0);
	/* the kernel thread is now stuck in the backend with op 1 */
	pthread_mutex_lock(&gate_lock);
	while (!gate_entered)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	for (uint64_t s = 2; s <= PENDING + 1; s++)
		cr_assert_eq(kernel_queue_submit(&gated_kq, make_op(&in, KERNEL_OP_SA_ADD, s)), 0);
	cr_assert_eq(kernel_queue_depth(&gated_kq), PENDING);

	stop_how = how;
	cr_assert_eq(pthread_create(&th, NULL, stopper, NULL), 0);
	for (int i = 0; i < 100000 && !atomic_load(&gated_kq.closed); i++)
		sched_yield();
	cr_assert(atomic_load(&gated_kq.closed));
	/* stop has begun: new submissions are refused */
	op = make_op(&in, KERNEL_OP_SA_ADD, 999);
	cr_assert_eq(kernel_queue_submit(&gated_kq, op), -ESHUTDOWN);
	free(op->cookie);
	kernel_op_free(op);

	pthread_mutex_lock(&gate_lock);
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	pthread_join(th, NULL);

	/* every op, pending ones included, was answered exactly once, in order */
	inbox_wait(&in, PENDING + 1);
	cr_assert_eq(in.got, PENDING + 1);
	cr_assert_eq(in.errors, 0);
	cr_assert_eq(in.statuses[0], 0);
	for (unsigned i = 1; i <= PENDING; i++)
		cr_assert_eq(in.statuses[i], want_pending_status, "op %u: %d", i, in.statuses[i]);
	cr_assert_eq(kernel_queue_ops_done(&gated_kq), PENDING + 1);
	cr_assert_eq(mailbox_drain(&in.mb, NULL, NULL, 10), 0);
	mailbox_fini(&in.mb);
}

Test(kernel_queue, stop_cancels_pending_ops, .timeout = 20)
{
	stop_with_pending(KERNEL_STOP_CANCEL, -ECANCELED);
	cr_assert_eq(atomic_load(&gated_kq.ops_cancelled), 100);
}

Test(kernel_queue, stop_drains_pending_ops, .timeout = 20)
{
	stop_with_pending(KERNEL_STOP_DRAIN, 0);
	cr_assert_eq(atomic_load(&gated_kq.ops_cancelled), 0);
}
