/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_KEX_H
#define SKUA_IKE_V2_KEX_H

#include "ike/ike_sa.h"

/*
 * The key exchange as crypto jobs: generate our KE value and, once the
 * peer's is known, the shared secret and every SK_* key. A job carries
 * copies of everything it needs (any worker may run it); its result comes
 * back to the owner, which resumes the SA by its state. A job is sized for
 * what it carries, since a storm queues tens of thousands of them in the
 * half-open budget: its input holds the nonces and KE values at their
 * lengths, and in its output keys, pub and gir point after the struct,
 * keys only for the modes that derive them and pub and gir sized for the
 * job's group (pub_cap, gir_cap) rather than for the largest (1 KiB each,
 * MODP-8192).
 */
struct kex_result {
	int status;			/* 0 or -errno */
	uint8_t task;			/* enum v2_task_kind the job was for */
	uint8_t phase;			/* enum v2_kex_mode it ran */
	uint32_t tag;			/* the caller's, as given (IKEv1: the Quick Mode's Message ID) */
	struct crypto_ke *ke;		/* ours; the SA takes it back */
	uint16_t pub_len, pub_cap;
	uint8_t *pub;
	bool derived;
	bool peer_refused;		/* the peer's KE data is no valid public value */
	struct ikev2_keys *keys;	/* KEX_INIT, KEX_REKEY_IKE; else NULL */
	/* KEX_GIR: the shared secret; KEX_SEED: SKEYSEED. Wiped after the handler */
	uint16_t gir_len, gir_cap;
	uint8_t *gir;
};

/* What a key exchange job computes besides our public value. */
enum v2_kex_mode {
	KEX_GEN = 1,		/* only our KE */
	KEX_INIT,		/* the IKE_SA_INIT keys (RFC 7296 2.14) */
	KEX_REKEY_IKE,		/* the keys of a rekeyed IKE SA (2.18) */
	KEX_GIR,		/* the shared secret, for a Child SA's KEYMAT (2.17) */
	KEX_SEED,		/* a responder's IKE_SA_INIT: SKEYSEED only (v2_kex_keep_seed()) */
};

/*
 * The bytes of a job's input and output buffers, as allocated, for group
 * and mode (enum v2_kex_mode), carrying data_len bytes of nonces, KE
 * values and old SK_d; an unknown group gets room for the largest (its job
 * fails). Context: any.
 */
size_t v2_kex_job_bytes(uint16_t group, uint8_t mode, size_t data_len);

/* The inputs of one job; copied into it. Owner: the caller. */
struct v2_kex_params {
	uint8_t mode;			/* enum v2_kex_mode */
	uint8_t task;			/* returned in the result */
	bool answer;			/* for our answer to the peer (ext->rjob), else sa->job */
	/*
	 * Or the job goes here (and is cleared here when it ends): an
	 * exchange of several at once (IKEv1 Quick Mode) keeps its own, and
	 * sets its cookie to NULL if it ends first (the job then finds no SA)
	 */
	struct crypto_job **slot;
	uint32_t tag;			/* returned in the result */
	uint16_t group;
	struct crypto_ke *ke;		/* ours, or NULL to generate one; moves into the job */
	const uint8_t *peer;		/* the peer's KE (not for KEX_GEN) */
	size_t peer_len;
	struct v2_suite suite;		/* KEX_INIT, KEX_REKEY_IKE: the new SA's */
	uint16_t old_prf;		/* KEX_REKEY_IKE: the old SA's PRF and SK_d */
	const uint8_t *old_sk_d;
	size_t old_sk_d_len;
	const uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	const uint8_t *spi_i, *spi_r;	/* of the (new) IKE SA */
};

/* Submit one job for sa. Returns 0 or -errno (then p->ke is still the caller's). */
int v2_kex_run(struct ike_sa *sa, const struct v2_kex_params *p);

/*
 * Submit: generate a KE for setup->dh when setup->ke is NULL; when peer is
 * given, also derive the keys for sa->suite with the nonces and SPIs.
 * setup->ke moves into the job meanwhile. Returns 0 or -errno.
 * Context: the owner.
 */
int v2_kex_submit(struct ike_sa *sa, const uint8_t *peer, size_t peer_len);

/*
 * Load the derived keys into the SA (sa->keys, at their size; directions
 * by role); keeps SK_p* in its setup, if any. Returns 0, -ENOMEM or
 * -EINVAL / -ENOTSUP (keys that do not fit sa->suite), with sa unchanged.
 */
int v2_kex_install_keys(struct ike_sa *sa, const struct ikev2_keys *k);

/*
 * A responder's IKE_SA_INIT: keep SKEYSEED (seed, seed_len bytes) in the
 * setup rather than the keys, so that a half-open SA holds one PRF output
 * instead of seven keys (issue 14). Returns 0, or -EINVAL (no room: the
 * setup was not made for it). Context: the owner.
 */
int v2_kex_keep_seed(struct ike_sa *sa, const uint8_t *seed, size_t seed_len);

/*
 * sa->keys, derived now from the SKEYSEED a responder kept if not yet:
 * called before anything is opened or sealed with them. The setup grows
 * to hold SK_pi and SK_pr and SKEYSEED is wiped. Returns 0, -ENOKEY (no
 * keys and no SKEYSEED), -ENOMEM or -EINVAL, with sa unchanged.
 * Context: the owner.
 */
int v2_kex_keys_ensure(struct ike_sa *sa);

#endif
