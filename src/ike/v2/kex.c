/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/kex.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/job.h"
#include "ike/v1/exchange.h"
#include "ike/v2/exchange.h"
#include "ike/v2/task.h"
#include "util/log.h"

struct kex_in {
	uint16_t group;
	uint8_t mode, task;
	uint32_t tag;
	struct v2_suite suite;
	uint16_t old_prf;
	uint8_t spi_i[8], spi_r[8];
	uint16_t old_sk_d_len, ni_len, nr_len, peer_len;
	uint8_t data[];			/* old SK_d, Ni, Nr, the peer's KE: at their lengths */
};

/* Room for our public value and for the shared secret or SKEYSEED, by group. */
static size_t pub_cap(uint16_t group)
{
	size_t n = crypto_ke_public_len(group);

	return n ? n : V2_KE_MAX;
}

static size_t gir_cap(uint16_t group)
{
	size_t n = crypto_ke_shared_len(group);

	if (!n)
		n = V2_KE_MAX;
	return n < CRYPTO_PRF_MAX ? CRYPTO_PRF_MAX : n;
}

static bool derives_keys(uint8_t mode)
{
	return mode == KEX_INIT || mode == KEX_REKEY_IKE;
}

/* A job's input and output, as v2_kex_run() allocates them. */
static size_t in_bytes(size_t data_len)
{
	return sizeof(struct kex_in) + data_len;
}

static size_t out_bytes(uint16_t group, uint8_t mode)
{
	return sizeof(struct kex_result) + (derives_keys(mode) ? sizeof(struct ikev2_keys) : 0) +
	       pub_cap(group) + gir_cap(group);
}

size_t v2_kex_job_bytes(uint16_t group, uint8_t mode, size_t data_len)
{
	return in_bytes(data_len) + out_bytes(group, mode);
}

/* Runs on any worker: touches only the job. */
static void kex_work(struct crypto_job *job)
{
	const struct kex_in *in = (const void *)job->in.ptr;
	struct kex_result *out = (void *)job->out.ptr;
	struct crypto_ke *ke = (struct crypto_ke *)(uintptr_t)job->arg[0];
	const uint8_t *old_sk_d = in->data, *ni = old_sk_d + in->old_sk_d_len;
	const uint8_t *nr = ni + in->ni_len, *peer = nr + in->nr_len;
	uint8_t gir[1024];
	int rc = 0, n;

	out->task = in->task;
	out->phase = in->mode;
	out->tag = in->tag;
	if (!ke) {
		rc = crypto_ke_new(in->group, &ke);
		if (rc < 0)
			goto out;
	}
	out->ke = ke;
	n = crypto_ke_public(ke, out->pub, out->pub_cap);
	if (n < 0) {
		rc = n;
		goto out;
	}
	out->pub_len = (uint16_t)n;
	if (in->mode == KEX_GEN)
		goto out;
	n = crypto_ke_shared(ke, peer, in->peer_len, gir, sizeof(gir));
	if (n < 0) {
		out->peer_refused = n == -EINVAL;
		rc = n;
		goto out;
	}
	switch (in->mode) {
	case KEX_INIT:
		rc = crypto_ikev2_derive(&in->suite, ni, in->ni_len, nr, in->nr_len, gir,
					 (size_t)n, in->spi_i, in->spi_r, out->keys);
		break;
	case KEX_SEED:
		rc = crypto_ikev2_skeyseed(in->suite.prf, ni, in->ni_len, nr, in->nr_len, gir,
					   (size_t)n, out->gir);
		if (rc > 0) {
			out->gir_len = (uint16_t)rc;
			rc = 0;
		}
		break;
	case KEX_REKEY_IKE:
		rc = crypto_ikev2_rekey_derive(&in->suite, in->old_prf, old_sk_d,
					       in->old_sk_d_len, gir, (size_t)n, ni, in->ni_len,
					       nr, in->nr_len, in->spi_i, in->spi_r, out->keys);
		break;
	default:
		if ((size_t)n > out->gir_cap) {
			rc = -EMSGSIZE;
			break;
		}
		memcpy(out->gir, gir, (size_t)n);
		out->gir_len = (uint16_t)n;
		break;
	}
	out->derived = rc == 0;
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
		struct ike_input in = { .kex = r, .task = r->task, .phase = r->phase };
		struct crypto_job **slot = (struct crypto_job **)(uintptr_t)job->arg[1];

		if (slot)
			*slot = NULL;	/* its owner is still there: it would have cleared the cookie */
		else if (sa->ext && sa->ext->rjob == job)
			sa->ext->rjob = NULL;
		else
			sa->job = NULL;
		if (sa->version == 1)
			v1_dispatch(sa, IKE_EV_CRYPTO, &in);
		else
			v2_dispatch(sa, IKE_EV_CRYPTO, &in);
		crypto_ke_free(r->ke);	/* unless a handler took it back */
	}
	if (r->keys)
		crypto_ikev2_keys_wipe(r->keys);
	crypto_wipe(r->gir, r->gir_cap);
	crypto_job_free(job);
}

/* The bytes a job carries of src: len, none if src is NULL. */
static size_t given(const uint8_t *src, size_t len)
{
	return src ? len : 0;
}

/* Append what the job carries of src at *at; its length to *len_out. */
static void copy_in(uint8_t **at, uint16_t *len_out, const uint8_t *src, size_t len)
{
	len = given(src, len);
	if (len)
		memcpy(*at, src, len);
	*at += len;
	*len_out = (uint16_t)len;
}

int v2_kex_run(struct ike_sa *sa, const struct v2_kex_params *p)
{
	size_t peer_len = p->mode == KEX_GEN ? 0 : p->peer_len;
	size_t pcap = pub_cap(p->group);
	size_t data_len = given(p->old_sk_d, p->old_sk_d_len) + given(p->ni, p->ni_len) +
			  given(p->nr, p->nr_len) + given(p->peer, peer_len);
	struct crypto_job *job;
	struct kex_result *r;
	struct kex_in *in;
	uint8_t *at;
	int rc = -ENOMEM;

	if ((p->mode != KEX_GEN && (!p->peer || p->peer_len > V2_KE_MAX)) ||
	    p->ni_len > V2_NONCE_MAX || p->nr_len > V2_NONCE_MAX ||
	    p->old_sk_d_len > CRYPTO_PRF_MAX)
		return -EMSGSIZE;
	job = crypto_job_new(kex_work, kex_done, sa->w->index, sa);
	/* both zeroed, and filled in place */
	if (!job || crypto_job_set_input(job, NULL, in_bytes(data_len)) < 0 ||
	    crypto_job_alloc_output(job, out_bytes(p->group, p->mode)) < 0)
		goto out;
	in = (void *)job->in.ptr;
	in->group = p->group;
	in->mode = p->mode;
	in->task = p->task;
	in->tag = p->tag;
	in->suite = p->suite;
	in->old_prf = p->old_prf;
	if (p->spi_i)
		memcpy(in->spi_i, p->spi_i, 8);
	if (p->spi_r)
		memcpy(in->spi_r, p->spi_r, 8);
	at = in->data;
	copy_in(&at, &in->old_sk_d_len, p->old_sk_d, p->old_sk_d_len);
	copy_in(&at, &in->ni_len, p->ni, p->ni_len);
	copy_in(&at, &in->nr_len, p->nr, p->nr_len);
	copy_in(&at, &in->peer_len, p->peer, peer_len);
	r = (void *)job->out.ptr;
	r->keys = derives_keys(p->mode) ? (struct ikev2_keys *)(r + 1) : NULL;
	r->pub = r->keys ? (uint8_t *)(r->keys + 1) : (uint8_t *)(r + 1);
	r->pub_cap = (uint16_t)pcap;
	r->gir = r->pub + pcap;
	r->gir_cap = (uint16_t)gir_cap(p->group);
	job->id = sa->serial;
	job->arg[0] = (uint64_t)(uintptr_t)p->ke;	/* moves into the job */
	job->arg[1] = (uint64_t)(uintptr_t)p->slot;
	rc = crypto_jobq_submit(sa->w->d->jobq, sa->w->index, job);
	if (rc < 0)
		goto out;
	if (p->slot)
		*p->slot = job;
	else if (p->answer)
		sa->ext->rjob = job;
	else
		sa->job = job;
	job = NULL;
out:
	crypto_job_free(job);	/* wipes both buffers */
	return rc;
}

int v2_kex_submit(struct ike_sa *sa, const uint8_t *peer, size_t peer_len)
{
	struct ike_setup *s = sa->setup;
	struct v2_kex_params p = {
		/* a responder keeps SKEYSEED until IKE_AUTH (v2_kex_keep_seed()) */
		.mode = !peer ? KEX_GEN : sa->initiator ? KEX_INIT : KEX_SEED,
		.task = V2T_SETUP,
		.group = s->dh,
		.ke = s->ke,
		.peer = peer,
		.peer_len = peer_len,
		.suite = sa->suite,
		.ni = s->ni,
		.ni_len = s->ni_len,
		.nr = s->nr,
		.nr_len = s->nr_len,
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
	};
	int rc = v2_kex_run(sa, &p);

	if (rc == 0)
		s->ke = NULL;
	return rc;
}

int v2_kex_install_keys(struct ike_sa *sa, const struct ikev2_keys *k)
{
	const uint8_t *ei, *er, *ai, *ar;
	int one = crypto_sk_size_for(&sa->suite);
	size_t in_off, out_off, size;
	struct ike_keys *keys;
	int rc;

	if (!k)
		return -EINVAL;	/* a job of a mode that derives none */
	if (one < 0)
		return one;
	ei = k->sk_ei;
	er = k->sk_er;
	ai = k->sk_ai;
	ar = k->sk_ar;
	/* each crypto_sk 8-aligned, after SK_d */
	in_off = (offsetof(struct ike_keys, sk_d) + k->sk_d_len + 7) & ~(size_t)7;
	out_off = in_off + (((size_t)one + 7) & ~(size_t)7);
	size = out_off + (size_t)one;
	if (k->sk_d_len > CRYPTO_PRF_MAX || size > UINT16_MAX)
		return -EINVAL;
	keys = calloc(1, size);
	if (!keys)
		return -ENOMEM;
	keys->size = (uint16_t)size;
	keys->in = (struct crypto_sk *)(void *)((uint8_t *)keys + in_off);
	keys->out = (struct crypto_sk *)(void *)((uint8_t *)keys + out_off);
	if (sa->initiator) {
		rc = crypto_sk_init(keys->out, &sa->suite, ei, k->sk_e_len, ai, k->sk_a_len);
		if (rc == 0)
			rc = crypto_sk_init(keys->in, &sa->suite, er, k->sk_e_len, ar, k->sk_a_len);
	} else {
		rc = crypto_sk_init(keys->out, &sa->suite, er, k->sk_e_len, ar, k->sk_a_len);
		if (rc == 0)
			rc = crypto_sk_init(keys->in, &sa->suite, ei, k->sk_e_len, ai, k->sk_a_len);
	}
	if (rc < 0) {
		ike_keys_free(keys);
		return rc;
	}
	memcpy(keys->sk_d, k->sk_d, k->sk_d_len);
	keys->sk_d_len = (uint8_t)k->sk_d_len;
	ike_keys_free(sa->keys);
	sa->keys = keys;
	if (!sa->setup)
		return 0;	/* a rekeyed IKE SA authenticates nothing: SK_p is not kept */
	/* sized by the suite these keys come from (ike_sa_setup_new()) */
	assert(2 * k->sk_p_len <= sa->setup->sk_p_room);
	if (2 * k->sk_p_len > sa->setup->sk_p_room)
		return 0;	/* no SK_p: AUTH fails */
	memcpy(sa->setup->sk_p, k->sk_pi, k->sk_p_len);
	memcpy(sa->setup->sk_p + k->sk_p_len, k->sk_pr, k->sk_p_len);
	sa->setup->sk_p_len = (uint8_t)k->sk_p_len;
	return 0;
}

int v2_kex_keep_seed(struct ike_sa *sa, const uint8_t *seed, size_t seed_len)
{
	struct ike_setup *s = sa->setup;

	if (!s || sa->initiator || seed_len == 0 || seed_len > s->sk_p_room)
		return -EINVAL;
	memcpy(s->sk_p, seed, seed_len);
	s->seed_len = (uint8_t)seed_len;
	return 0;
}

int v2_kex_keys_ensure(struct ike_sa *sa)
{
	struct ike_setup *s = sa->setup, *grown;
	struct ikev2_keys k;
	size_t plen = crypto_prf_len(sa->suite.prf);
	int rc;

	if (sa->keys)
		return 0;
	if (!s || !s->seed_len)
		return -ENOKEY;
	if (plen == 0 || 2 * plen > UINT8_MAX)
		return -EINVAL;
	rc = crypto_ikev2_expand(&sa->suite, s->sk_p, s->seed_len, s->ni, s->ni_len, s->nr,
				 s->nr_len, sa->spi_i, sa->spi_r, &k);
	if (rc < 0)
		return rc;
	/* room for SK_pi and SK_pr in place of SKEYSEED */
	grown = calloc(1, sizeof(*s) + 2 * plen);
	if (!grown) {
		crypto_ikev2_keys_wipe(&k);
		return -ENOMEM;
	}
	memcpy(grown, s, sizeof(*s));
	grown->seed_len = 0;
	grown->sk_p_room = (uint8_t)(2 * plen);
	sa->setup = grown;
	rc = v2_kex_install_keys(sa, &k);
	crypto_ikev2_keys_wipe(&k);
	if (rc < 0) {
		crypto_wipe(grown, sizeof(*grown) + grown->sk_p_room);
		free(grown);
		sa->setup = s;
		return rc;
	}
	crypto_wipe(s, sizeof(*s) + s->sk_p_room);
	free(s);
	ike_half_open_charge_sa(sa);
	return 0;
}
