/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/jobq.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int crypto_jobq_init(struct crypto_jobq *q, unsigned nworkers, struct mailbox **mailboxes)
{
	*q = (struct crypto_jobq){ 0 };
	if (nworkers == 0 || !mailboxes)
		return -EINVAL;
	for (unsigned i = 0; i < nworkers; i++)
		if (!mailboxes[i])
			return -EINVAL;
	q->w = aligned_alloc(alignof(struct crypto_jobq_worker),
			     nworkers * sizeof(struct crypto_jobq_worker));
	if (!q->w)
		return -ENOMEM;
	q->ctr = counters_new(nworkers, CRYPTO_JOBQ_COUNTERS);
	if (!q->ctr) {
		free(q->w);
		q->w = NULL;
		return -ENOMEM;
	}
	memset(q->w, 0, nworkers * sizeof(struct crypto_jobq_worker));
	for (unsigned i = 0; i < nworkers; i++) {
		pthread_mutex_init(&q->w[i].lock, NULL);
		atomic_init(&q->w[i].depth, 0);
		q->w[i].mb = mailboxes[i];
	}
	q->nworkers = nworkers;
	return 0;
}

void crypto_jobq_fini(struct crypto_jobq *q)
{
	if (!q->w)
		return;
	for (unsigned i = 0; i < q->nworkers; i++) {
		struct crypto_job *job = q->w[i].head;

		while (job) {
			struct crypto_job *next = job->qnext;

			crypto_job_free(job);
			job = next;
		}
		pthread_mutex_destroy(&q->w[i].lock);
	}
	free(q->w);
	counters_free(q->ctr);
	*q = (struct crypto_jobq){ 0 };
}

int crypto_jobq_submit(struct crypto_jobq *q, unsigned self, struct crypto_job *job)
{
	struct crypto_jobq_worker *w;

	if (self >= q->nworkers || job->owner >= q->nworkers || !job->work || !job->done)
		return -EINVAL;
	w = &q->w[self];
	job->q = q;
	job->qnext = NULL;
	counters_inc(q->ctr, self, CRYPTO_JOBQ_SUBMITTED);
	pthread_mutex_lock(&w->lock);
	job->qprev = w->tail;
	if (w->tail)
		w->tail->qnext = job;
	else
		w->head = job;
	w->tail = job;
	atomic_store_explicit(&w->depth, atomic_load_explicit(&w->depth, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static void unlink_locked(struct crypto_jobq_worker *w, struct crypto_job *job)
{
	if (job->qprev)
		job->qprev->qnext = job->qnext;
	else
		w->head = job->qnext;
	if (job->qnext)
		job->qnext->qprev = job->qprev;
	else
		w->tail = job->qprev;
	job->qnext = job->qprev = NULL;
	atomic_store_explicit(&w->depth, atomic_load_explicit(&w->depth, memory_order_relaxed) - 1,
			      memory_order_relaxed);
}

static struct crypto_job *take(struct crypto_jobq_worker *w, bool newest)
{
	struct crypto_job *job;

	pthread_mutex_lock(&w->lock);
	job = newest ? w->tail : w->head;
	if (job)
		unlink_locked(w, job);
	pthread_mutex_unlock(&w->lock);
	return job;
}

static void run(struct crypto_jobq *q, unsigned self, struct crypto_job *job)
{
	job->ran_on = self;
	job->status = 0;
	job->work(job);
	counters_inc(q->ctr, self, CRYPTO_JOBQ_RUN);
}

unsigned crypto_jobq_run_batch(struct crypto_jobq *q, unsigned self, unsigned max)
{
	struct crypto_jobq_worker *w = &q->w[self];
	unsigned n = 0;

	assert(self < q->nworkers);
	while (n < max) {
		struct crypto_job *job = take(w, false);

		if (!job)
			break;
		run(q, self, job);
		n++;
		if (job->owner == self)
			crypto_job_deliver(&job->mail, NULL);
		else
			mailbox_post(q->w[job->owner].mb, &job->mail);
	}
	return n;
}

bool crypto_jobq_steal(struct crypto_jobq *q, unsigned self)
{
	assert(self < q->nworkers);
	/* A victim may empty between the look and the lock: look again. */
	for (unsigned tries = 0; tries < q->nworkers; tries++) {
		unsigned victim = self, best = 0;
		struct crypto_job *job;

		for (unsigned i = 0; i < q->nworkers; i++) {
			unsigned d = atomic_load_explicit(&q->w[i].depth, memory_order_relaxed);

			if (i != self && d > best) {
				best = d;
				victim = i;
			}
		}
		if (victim == self)
			return false;
		job = take(&q->w[victim], true);
		if (!job)
			continue;
		run(q, self, job);
		counters_inc(q->ctr, self, CRYPTO_JOBQ_STOLEN);
		/* The owner may be us only if the job was queued on another's batch. */
		if (job->owner == self)
			crypto_job_deliver(&job->mail, NULL);
		else
			mailbox_post(q->w[job->owner].mb, &job->mail);
		return true;
	}
	return false;
}

unsigned crypto_jobq_depth(const struct crypto_jobq *q, unsigned w)
{
	return atomic_load_explicit(&q->w[w].depth, memory_order_relaxed);
}

uint64_t crypto_jobq_count(const struct crypto_jobq *q, enum crypto_jobq_counter c)
{
	return counters_sum(q->ctr, c);
}

uint64_t crypto_jobq_count_worker(const struct crypto_jobq *q, unsigned w,
				  enum crypto_jobq_counter c)
{
	return counters_get(q->ctr, w, c);
}

void crypto_jobq_note_done(struct crypto_jobq *q, unsigned owner)
{
	if (q)
		counters_inc(q->ctr, owner, CRYPTO_JOBQ_DONE);
}
