/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_JOB_H
#define SKUA_CRYPTO_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "util/mailbox.h"

/*
 * A crypto job: one key exchange, key derivation or signature, packaged so
 * that any worker can run it. The job carries everything its work function
 * reads (copied input bytes and scalars) and everything it writes (status
 * and output bytes): the work function must not follow the cookie or any
 * other pointer into the owner's state, because a thief on another core
 * may be the one running it. The completion callback runs on the owner
 * worker only, where it may use the cookie to find the SA again (by
 * serial or SPI, not by a pointer that could have been freed).
 *
 * Input and output buffers are owned by the job and wiped when it is freed.
 */

struct crypto_job;
struct crypto_jobq;

/* Runs on whichever worker executes the job; touches only the job. */
typedef void crypto_work_fn(struct crypto_job *job);
/* Runs on the owner worker; ownership of job passes to it (it frees it). */
typedef void crypto_done_fn(struct crypto_job *job);

/* Owner: the job; wiped and freed with it. */
struct crypto_buf {
	uint8_t *ptr;
	size_t len;
};

/*
 * Owner: the submitting worker until crypto_jobq_submit(); then the queue
 * (under its lock); then the worker that runs it (work, status, out,
 * ran_on); then, through the owner's mailbox or directly, the owner again,
 * in done(). Never shared by two threads at once; not RCU-readable.
 */
struct crypto_job {
	struct mail mail;		/* result hand-off to the owner's mailbox */
	struct crypto_job *qnext, *qprev;	/* queue links, under the queue lock */
	struct crypto_jobq *q;		/* set by crypto_jobq_submit() */
	crypto_work_fn *work;
	crypto_done_fn *done;
	void *cookie;			/* the owner's; never dereferenced off the owner */
	uint64_t id;			/* the owner's, e.g. an SA serial */
	uint64_t arg[4];		/* small scalar inputs: group, algorithm, ... */
	unsigned owner;			/* worker index that gets done() */
	unsigned ran_on;		/* worker index that ran work() */
	int status;			/* set by work(): 0 or -errno */
	struct crypto_buf in;		/* copied input */
	struct crypto_buf out;		/* output, written by work() */
};

enum {
	CRYPTO_JOB_MAIL_TYPE = 0x434a4f42,	/* "CJOB", in mail.type of a result */
	CRYPTO_JOB_MAX_BUF = 1 << 20,		/* sanity cap on one buffer */
};

/*
 * A new job for worker owner, with no buffers. Returns NULL when memory is
 * short.
 * Context: any thread, usually the owner; allocates.
 */
struct crypto_job *crypto_job_new(crypto_work_fn *work, crypto_done_fn *done, unsigned owner,
				  void *cookie);

/*
 * Wipe both buffers and free the job. Accepts NULL.
 * Context: the thread that owns the job (normally the owner, in done()).
 */
void crypto_job_free(struct crypto_job *job);

/*
 * The memory the job holds: itself and both buffers, as allocated
 * (malloc_usable_size()). Reads only what does not change once the job is
 * submitted, so that its owner may ask while another worker runs it.
 * Context: the job's owner.
 */
size_t crypto_job_bytes(const struct crypto_job *job);

/*
 * Copy len bytes into the job's input (replacing and wiping any previous
 * input). Returns 0, -EMSGSIZE (over CRYPTO_JOB_MAX_BUF) or -ENOMEM.
 * Context: the thread that owns the job, before submission.
 */
int crypto_job_set_input(struct crypto_job *job, const void *data, size_t len);

/*
 * Give the job a zeroed output buffer of len bytes (replacing and wiping
 * any previous one). Returns 0, -EMSGSIZE or -ENOMEM.
 * Context: the thread that owns the job: the submitter, or work().
 */
int crypto_job_alloc_output(struct crypto_job *job, size_t len);

/*
 * The mail handler of a finished job: calls job->done(job). Owners whose
 * mailbox_drain() uses a dispatch function call it for mails whose type is
 * CRYPTO_JOB_MAIL_TYPE; a drain with no function reaches it through
 * mail.fn.
 * Context: the job's owner worker.
 */
void crypto_job_deliver(struct mail *m, void *ctx);

#endif
