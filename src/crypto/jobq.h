/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_JOBQ_H
#define SKUA_CRYPTO_JOBQ_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "crypto/job.h"
#include "util/counters.h"
#include "util/mailbox.h"

/*
 * Per-worker crypto batches with whole-job stealing.
 *
 * A worker submits the jobs a burst of datagrams produces to its own
 * queue, and runs them after the burst with crypto_jobq_run_batch(),
 * oldest first; completions of its own jobs run right there. A worker with
 * nothing to do calls crypto_jobq_steal(): it takes the newest job of the
 * busiest queue, runs it, and posts it to the owner's mailbox, whose drain
 * calls done() on the owner.
 *
 * Each queue is a small deque under its own mutex: the owner takes it once
 * per job (uncontended unless a thief is there), a thief only when the
 * queue looked non-empty; a job is tens to hundreds of microseconds of crypto, so
 * the lock is noise. Queue depths are atomics, read without the lock to
 * pick a victim.
 */

enum crypto_jobq_counter {
	CRYPTO_JOBQ_SUBMITTED,		/* jobs this worker queued */
	CRYPTO_JOBQ_RUN,		/* jobs this worker ran, stolen or own */
	CRYPTO_JOBQ_STOLEN,		/* jobs this worker stole from another */
	CRYPTO_JOBQ_DONE,		/* completions run on this worker (owner) */
	CRYPTO_JOBQ_COUNTERS,
};

/*
 * Owner: the crypto_jobq. head/tail/links are protected by lock; depth is
 * written under it and read anywhere (a hint).
 */
struct crypto_jobq_worker {
	alignas(64) pthread_mutex_t lock;
	struct crypto_job *head, *tail;	/* owner pops head, thieves take tail */
	_Atomic unsigned depth;
	struct mailbox *mb;		/* where this worker's stolen results go */
};

/*
 * Owner: the main thread creates and destroys it while no worker runs; the
 * shape is then immutable. Workers use their own queue and, to steal,
 * the others' under their locks. Counters: one writer per worker.
 */
struct crypto_jobq {
	unsigned nworkers;
	struct crypto_jobq_worker *w;	/* nworkers, cache-line aligned */
	struct counters *ctr;		/* enum crypto_jobq_counter, per worker */
};

/*
 * Set up queues for nworkers workers; mailboxes[i] receives worker i's
 * stolen results (the array is copied; the mailboxes must outlive q).
 * Returns 0, -EINVAL or -ENOMEM.
 * Context: main thread, before the workers start.
 */
int crypto_jobq_init(struct crypto_jobq *q, unsigned nworkers, struct mailbox **mailboxes);

/*
 * Free jobs still queued (without calling done()) and the queues.
 * Context: main thread, after the workers are joined and their mailboxes
 * drained.
 */
void crypto_jobq_fini(struct crypto_jobq *q);

/*
 * Queue job on worker self's batch; ownership passes to the queue.
 * job->owner (who gets done()) is usually self. Returns 0 or -EINVAL (bad
 * worker index, missing work/done).
 * Context: worker self; takes self's queue lock briefly.
 */
int crypto_jobq_submit(struct crypto_jobq *q, unsigned self, struct crypto_job *job);

/*
 * Run up to max jobs from self's queue, oldest first, one at a time so
 * that thieves can take the rest meanwhile. Completions of jobs owned by
 * self run inline, after each job; others go to their owner's mailbox.
 * Returns the number of jobs run.
 * Context: worker self, after a burst; runs crypto, does not sleep.
 */
unsigned crypto_jobq_run_batch(struct crypto_jobq *q, unsigned self, unsigned max);

/*
 * Take one whole job from the busiest other queue, run it, and post it to
 * its owner's mailbox. Returns true if a job was run, false when no other
 * queue had one.
 * Context: worker self while idle; takes one other queue's lock briefly.
 */
bool crypto_jobq_steal(struct crypto_jobq *q, unsigned self);

/* Jobs waiting in worker w's queue (a hint). Context: any thread. */
unsigned crypto_jobq_depth(const struct crypto_jobq *q, unsigned w);

/* Counter summed over all workers / for one. Context: any thread. */
uint64_t crypto_jobq_count(const struct crypto_jobq *q, enum crypto_jobq_counter c);
uint64_t crypto_jobq_count_worker(const struct crypto_jobq *q, unsigned w,
				  enum crypto_jobq_counter c);

/*
 * Count a completion run on worker owner (called by crypto_job_deliver()).
 * Accepts q == NULL (a job never queued).
 * Context: worker owner.
 */
void crypto_jobq_note_done(struct crypto_jobq *q, unsigned owner);

#endif
