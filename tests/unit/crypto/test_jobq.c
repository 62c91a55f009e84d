/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/jobq.h"

/*
 * The work function stands in for a key exchange: it reads only the job's
 * input, burns a little CPU, writes a digest of the input to the output.
 */
static uint64_t digest(const uint8_t *p, size_t n, uint64_t rounds)
{
	uint64_t h = 1469598103934665603ULL;

	for (uint64_t r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++)
			h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void work(struct crypto_job *job)
{
	uint64_t h = digest(job->in.ptr, job->in.len, job->arg[0]);

	if (crypto_job_alloc_output(job, sizeof(h)) < 0) {
		job->status = -ENOMEM;
		return;
	}
	memcpy(job->out.ptr, &h, sizeof(h));
}

enum { MAX_WORKERS = 4, MAX_JOBS = 8192 };

/* Shared bookkeeping; touched by worker threads through atomics only. */
static _Atomic unsigned done_count[MAX_JOBS];
static _Atomic unsigned total_done;
static _Atomic unsigned errors;
static pthread_t worker_tid[MAX_WORKERS];
static unsigned done_order[MAX_JOBS];
static _Atomic unsigned done_order_n;

static void done(struct crypto_job *job)
{
	uint64_t h;

	/* done() runs on the owner, whoever ran the work */
	if (!pthread_equal(pthread_self(), worker_tid[job->owner]))
		atomic_fetch_add(&errors, 1);
	if (job->status != 0 || job->out.len != sizeof(h))
		atomic_fetch_add(&errors, 1);
	else {
		memcpy(&h, job->out.ptr, sizeof(h));
		if (h != digest(job->in.ptr, job->in.len, job->arg[0]))
			atomic_fetch_add(&errors, 1);
	}
	atomic_fetch_add(&done_count[job->id], 1);
	done_order[atomic_fetch_add(&done_order_n, 1) % MAX_JOBS] = (unsigned)job->id;
	atomic_fetch_add(&total_done, 1);
	crypto_job_free(job);
}

static struct crypto_job *make_job(unsigned owner, uint64_t id, uint64_t rounds)
{
	struct crypto_job *job = crypto_job_new(work, done, owner, NULL);
	uint8_t in[32];

	cr_assert_not_null(job);
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(id * 31 + i);
	cr_assert_eq(crypto_job_set_input(job, in, sizeof(in)), 0);
	job->id = id;
	job->arg[0] = rounds;
	return job;
}

static struct mailbox mbs[MAX_WORKERS];
static struct mailbox *mbp[MAX_WORKERS];
static struct crypto_jobq q;

static void setup_n(unsigned n)
{
	memset(done_count, 0, sizeof(done_count));
	atomic_store(&total_done, 0);
	atomic_store(&errors, 0);
	atomic_store(&done_order_n, 0);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(mailbox_init(&mbs[i]), 0);
		mbp[i] = &mbs[i];
		worker_tid[i] = pthread_self();
	}
	cr_assert_eq(crypto_jobq_init(&q, n, mbp), 0);
}

static void teardown_n(unsigned n)
{
	crypto_jobq_fini(&q);
	for (unsigned i = 0; i < n; i++)
		mailbox_fini(&mbs[i]);
}

Test(crypto_jobq, batch_runs_own_jobs_in_order_once, .timeout = 10)
{
	setup_n(2);
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(crypto_jobq_submit(&q, 0, make_job(0, i, 1)), 0);
	cr_assert_eq(crypto_jobq_depth(&q, 0), 10);
	cr_assert_eq(crypto_jobq_run_batch(&q, 0, 4), 4);
	cr_assert_eq(crypto_jobq_depth(&q, 0), 6);
	cr_assert_eq(crypto_jobq_run_batch(&q, 0, 100), 6);
	cr_assert_eq(crypto_jobq_run_batch(&q, 0, 100), 0);
	cr_assert_eq(atomic_load(&total_done), 10);
	cr_assert_eq(atomic_load(&errors), 0);
	for (unsigned i = 0; i < 10; i++) {
		cr_assert_eq(done_count[i], 1);
		cr_assert_eq(done_order[i], i);	/* oldest first */
	}
	cr_assert_eq(crypto_jobq_count(&q, CRYPTO_JOBQ_SUBMITTED), 10);
	cr_assert_eq(crypto_jobq_count_worker(&q, 0, CRYPTO_JOBQ_RUN), 10);
	cr_assert_eq(crypto_jobq_count(&q, CRYPTO_JOBQ_STOLEN), 0);
	cr_assert_eq(crypto_jobq_count_worker(&q, 0, CRYPTO_JOBQ_DONE), 10);
	/* own completions run inline: nothing went through the mailbox */
	cr_assert(mailbox_is_empty(&mbs[0]));
	teardown_n(2);
}

Test(crypto_jobq, steal_runs_on_thief_and_completes_on_owner, .timeout = 10)
{
	setup_n(2);
	cr_assert_not(crypto_jobq_steal(&q, 1));	/* nothing to steal */
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(crypto_jobq_submit(&q, 0, make_job(0, i, 1)), 0);
	cr_assert_not(crypto_jobq_steal(&q, 0));	/* never from yourself */
	cr_assert(crypto_jobq_steal(&q, 1));
	/* the newest job was taken; its result waits in the owner's mailbox */
	cr_assert_eq(crypto_jobq_depth(&q, 0), 2);
	cr_assert_eq(atomic_load(&total_done), 0);
	cr_assert_eq(mailbox_depth(&mbs[0]), 1);
	cr_assert_eq(mailbox_drain(&mbs[0], NULL, NULL, 10), 1);
	cr_assert_eq(done_count[2], 1);
	cr_assert_eq(crypto_jobq_count_worker(&q, 1, CRYPTO_JOBQ_STOLEN), 1);
	cr_assert_eq(crypto_jobq_count_worker(&q, 1, CRYPTO_JOBQ_RUN), 1);
	cr_assert_eq(crypto_jobq_count_worker(&q, 0, CRYPTO_JOBQ_DONE), 1);
	cr_assert_eq(crypto_jobq_run_batch(&q, 0, 10), 2);
	cr_assert_eq(atomic_load(&total_done), 3);
	cr_assert_eq(atomic_load(&errors), 0);
	teardown_n(2);
}

Test(crypto_jobq, submit_rejects_bad_arguments, .timeout = 10)
{
	struct crypto_job *job;

	setup_n(2);
	job = make_job(5, 0, 1);	/* no such owner */
	cr_assert_eq(crypto_jobq_submit(&q, 0, job), -EINVAL);
	job->owner = 0;
	cr_assert_eq(crypto_jobq_submit(&q, 2, job), -EINVAL);
	job->done = NULL;
	cr_assert_eq(crypto_jobq_submit(&q, 0, job), -EINVAL);
	crypto_job_free(job);
	/* fini frees what is still queued */
	cr_assert_eq(crypto_jobq_submit(&q, 1, make_job(1, 1, 1)), 0);
	teardown_n(2);
}

/* One flooded worker, one idle thief. */
static _Atomic bool thief_stop;

static void *thief(void *arg)
{
	worker_tid[1] = pthread_self();
	while (!atomic_load(&thief_stop)) {
		if (!crypto_jobq_steal(&q, 1))
			sched_yield();
		/* worker 1 owns no jobs, but drains its mailbox like any worker */
		mailbox_drain(&mbs[1], NULL, NULL, 64);
	}
	return NULL;
}

static void wait_for(_Atomic unsigned *v, unsigned want)
{
	struct timespec ts = { .tv_nsec = 1000000 };

	for (int i = 0; i < 5000 && atomic_load(v) < want; i++)
		nanosleep(&ts, NULL);
}

Test(crypto_jobq, idle_worker_steals_from_flooded_one, .timeout = 30)
{
	enum { N = 200 };
	pthread_t th;
	unsigned run_by_owner;

	setup_n(2);
	atomic_store(&thief_stop, false);
	for (unsigned i = 0; i < N; i++)
		cr_assert_eq(crypto_jobq_submit(&q, 0, make_job(0, i, 2000)), 0);
	cr_assert_eq(pthread_create(&th, NULL, thief, NULL), 0);
	/* let the thief get going before the owner starts its batch */
	for (int i = 0; i < 5000 && crypto_jobq_count_worker(&q, 1, CRYPTO_JOBQ_STOLEN) == 0; i++)
		sched_yield();
	run_by_owner = crypto_jobq_run_batch(&q, 0, N);
	/* the thief may still be running the last jobs it took */
	while (atomic_load(&total_done) < N) {
		mailbox_drain(&mbs[0], NULL, NULL, 64);
		sched_yield();
	}
	atomic_store(&thief_stop, true);
	pthread_join(th, NULL);

	uint64_t stolen = crypto_jobq_count_worker(&q, 1, CRYPTO_JOBQ_STOLEN);

	cr_assert_gt(stolen, 0);
	cr_assert_eq(run_by_owner + stolen, N);
	cr_assert_eq(crypto_jobq_count(&q, CRYPTO_JOBQ_RUN), N);
	cr_assert_eq(crypto_jobq_count_worker(&q, 0, CRYPTO_JOBQ_DONE), N);
	cr_assert_eq(atomic_load(&mbs[0].drained), stolen);	/* results came by mail */
	cr_assert_eq(atomic_load(&errors), 0);
	for (unsigned i = 0; i < N; i++)
		cr_assert_eq(done_count[i], 1, "job %u done %u times", i, done_count[i]);
	teardown_n(2);
}

/* Every worker submits bursts, runs its batch, steals when idle. */
enum { STRESS_WORKERS = 4, STRESS_PER_WORKER = 1500, BURST = 50 };

static void *stress_worker(void *arg)
{
	unsigned self = (unsigned)(uintptr_t)arg;
	unsigned submitted = 0;

	worker_tid[self] = pthread_self();
	while (atomic_load(&total_done) < STRESS_WORKERS * STRESS_PER_WORKER) {
		/* worker 0 is flooded: every burst is large, the others trickle */
		unsigned burst = self == 0 ? BURST * 4 : BURST / 5;

		for (unsigned i = 0; i < burst && submitted < STRESS_PER_WORKER; i++) {
			uint64_t id = (uint64_t)self * STRESS_PER_WORKER + submitted++;
			struct crypto_job *job = crypto_job_new(work, done, self, NULL);
			uint8_t in[16];

			if (!job || crypto_job_set_input(job, in, sizeof(in)) < 0) {
				atomic_fetch_add(&errors, 1);
				crypto_job_free(job);
				continue;
			}
			memset(job->in.ptr, (int)id, job->in.len);
			job->id = id;
			job->arg[0] = 50;
			if (crypto_jobq_submit(&q, self, job) < 0)
				atomic_fetch_add(&errors, 1);
		}
		if (crypto_jobq_run_batch(&q, self, 32) == 0)
			crypto_jobq_steal(&q, self);
		mailbox_drain(&mbs[self], NULL, NULL, 256);
	}
	return NULL;
}

Test(crypto_jobq, stress_four_workers, .timeout = 60)
{
	pthread_t th[STRESS_WORKERS];
	const unsigned total = STRESS_WORKERS * STRESS_PER_WORKER;

	setup_n(STRESS_WORKERS);
	for (unsigned i = 0; i < STRESS_WORKERS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, stress_worker, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < STRESS_WORKERS; i++)
		pthread_join(th[i], NULL);
	wait_for(&total_done, total);
	cr_assert_eq(atomic_load(&total_done), total);
	cr_assert_eq(atomic_load(&errors), 0);
	for (unsigned i = 0; i < total; i++)
		cr_assert_eq(done_count[i], 1, "job %u done %u times", i, done_count[i]);
	cr_assert_eq(crypto_jobq_count(&q, CRYPTO_JOBQ_SUBMITTED), total);
	cr_assert_eq(crypto_jobq_count(&q, CRYPTO_JOBQ_RUN), total);
	cr_assert_eq(crypto_jobq_count(&q, CRYPTO_JOBQ_DONE), total);
	for (unsigned i = 0; i < STRESS_WORKERS; i++) {
		cr_assert_eq(crypto_jobq_depth(&q, i), 0);
		cr_assert(mailbox_is_empty(&mbs[i]));
	}
	teardown_n(STRESS_WORKERS);
}
