/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2_kex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/job.h"
#include "util/log.h"

struct kex_in {
	uint16_t group;
	uint8_t derive;
	struct v2_suite suite;
	uint8_t spi_i[8], spi_r[8];
	uint16_t ni_len, nr_len, peer_len;
	uint8_t ni[V2_NONCE_MAX], nr[V2_NONCE_MAX];
	uint8_t peer[V2_KE_MAX];
};

/* Runs on any worker: touches only the job. */
static void kex_work(struct crypto_job *job)
{
	const struct kex_in *in = (const void *)job->in.ptr;
	struct kex_result *out = (void *)job->out.ptr;
	struct crypto_ke *ke = (struct crypto_ke *)(uintptr_t)job->arg[0];
	uint8_t gir[1024];
	int rc = 0, n;

	if (!ke) {
		rc = crypto_ke_new(in->group, &ke);
		if (rc < 0)
			goto out;
	}
	out->ke = ke;
	n = crypto_ke_public(ke, out->pub, sizeof(out->pub));
	if (n < 0) {
		rc = n;
		goto out;
	}
	out->pub_len = (uint16_t)n;
	if (in->derive) {
		n = crypto_ke_shared(ke, in->peer, in->peer_len, gir, sizeof(gir));
		if (n < 0) {
			out->peer_refused = n == -EINVAL;
			rc = n;
			goto out;
		}
		rc = crypto_ikev2_derive(&in->suite, in->ni, in->ni_len, in->nr, in->nr_len, gir,
					 (size_t)n, in->spi_i, in->spi_r, &out->keys);
		out->derived = rc == 0;
	}
out:
	crypto_wipe(gir, sizeof(gir));
	out->status = rc;
	job->status = rc;
}

static void kex_done(struct crypto_job *job)
{
	struct ike_sa *sa = job->cookie;
	struct kex_result *r = (void *)job->out.ptr;

	if (!sa) {
		/* The SA went while the job ran: only the key is left to free. */
		crypto_ke_free(r->ke);
	} else {
		sa->job = NULL;
		v2_kex_done(sa, r);
	}
	crypto_ikev2_keys_wipe(&r->keys);
	crypto_job_free(job);
}

int v2_kex_submit(struct ike_sa *sa, const uint8_t *peer, size_t peer_len)
{
	struct ike_setup *s = sa->setup;
	struct kex_in *in = calloc(1, sizeof(*in));
	struct crypto_job *job = NULL;
	int rc = -ENOMEM;

	if (!in)
		return -ENOMEM;
	in->group = s->dh;
	in->suite = sa->suite;
	memcpy(in->spi_i, sa->spi_i, 8);
	memcpy(in->spi_r, sa->spi_r, 8);
	in->ni_len = s->ni_len;
	in->nr_len = s->nr_len;
	memcpy(in->ni, s->ni, s->ni_len);
	memcpy(in->nr, s->nr, s->nr_len);
	if (peer) {
		if (peer_len > sizeof(in->peer)) {
			rc = -EMSGSIZE;
			goto out;
		}
		in->derive = 1;
		in->peer_len = (uint16_t)peer_len;
		memcpy(in->peer, peer, peer_len);
	}
	job = crypto_job_new(kex_work, kex_done, sa->w->index, sa);
	if (!job || crypto_job_set_input(job, in, sizeof(*in)) < 0 ||
	    crypto_job_alloc_output(job, sizeof(struct kex_result)) < 0)
		goto out;
	job->id = sa->serial;
	job->arg[0] = (uint64_t)(uintptr_t)s->ke;	/* moves into the job */
	rc = crypto_jobq_submit(sa->w->d->jobq, sa->w->index, job);
	if (rc < 0)
		goto out;
	s->ke = NULL;
	sa->job = job;
	job = NULL;
out:
	crypto_job_free(job);
	crypto_wipe(in, sizeof(*in));
	free(in);
	return rc;
}

void v2_kex_install_keys(struct ike_sa *sa, const struct ikev2_keys *k)
{
	const uint8_t *ei = k->sk_ei, *er = k->sk_er, *ai = k->sk_ai, *ar = k->sk_ar;

	if (sa->initiator) {
		crypto_sk_init(&sa->sk_out, &sa->suite, ei, k->sk_e_len, ai, k->sk_a_len);
		crypto_sk_init(&sa->sk_in, &sa->suite, er, k->sk_e_len, ar, k->sk_a_len);
	} else {
		crypto_sk_init(&sa->sk_out, &sa->suite, er, k->sk_e_len, ar, k->sk_a_len);
		crypto_sk_init(&sa->sk_in, &sa->suite, ei, k->sk_e_len, ai, k->sk_a_len);
	}
	memcpy(sa->sk_d, k->sk_d, k->sk_d_len);
	sa->sk_d_len = (uint8_t)k->sk_d_len;
	memcpy(sa->setup->sk_pi, k->sk_pi, k->sk_p_len);
	memcpy(sa->setup->sk_pr, k->sk_pr, k->sk_p_len);
	sa->setup->sk_p_len = (uint8_t)k->sk_p_len;
}
