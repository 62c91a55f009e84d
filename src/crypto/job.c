/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/job.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/jobq.h"

struct crypto_job *crypto_job_new(crypto_work_fn *work, crypto_done_fn *done, unsigned owner,
				  void *cookie)
{
	struct crypto_job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->work = work;
	job->done = done;
	job->owner = owner;
	job->ran_on = owner;
	job->cookie = cookie;
	job->mail.fn = crypto_job_deliver;
	job->mail.type = CRYPTO_JOB_MAIL_TYPE;
	return job;
}

static void buf_wipe(struct crypto_buf *b)
{
	if (b->ptr) {
		explicit_bzero(b->ptr, b->len);
		free(b->ptr);
	}
	b->ptr = NULL;
	b->len = 0;
}

size_t crypto_job_bytes(const struct crypto_job *job)
{
	size_t n = malloc_usable_size((void *)job);

	if (job->in.ptr)
		n += malloc_usable_size(job->in.ptr);
	if (job->out.ptr)
		n += malloc_usable_size(job->out.ptr);
	return n;
}

void crypto_job_free(struct crypto_job *job)
{
	if (!job)
		return;
	buf_wipe(&job->in);
	buf_wipe(&job->out);
	explicit_bzero(job->arg, sizeof(job->arg));
	free(job);
}

static int buf_set(struct crypto_buf *b, const void *data, size_t len)
{
	uint8_t *p;

	if (len > CRYPTO_JOB_MAX_BUF)
		return -EMSGSIZE;
	p = calloc(1, len ? len : 1);
	if (!p)
		return -ENOMEM;
	if (data && len)
		memcpy(p, data, len);
	buf_wipe(b);
	b->ptr = p;
	b->len = len;
	return 0;
}

int crypto_job_set_input(struct crypto_job *job, const void *data, size_t len)
{
	return buf_set(&job->in, data, len);
}

int crypto_job_alloc_output(struct crypto_job *job, size_t len)
{
	return buf_set(&job->out, NULL, len);
}

void crypto_job_deliver(struct mail *m, void *ctx)
{
	struct crypto_job *job = caa_container_of(m, struct crypto_job, mail);

	crypto_jobq_note_done(job->q, job->owner);
	job->done(job);
}
