/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_KEX_H
#define SKUA_IKE_V2_KEX_H

#include "ike/ike_sa.h"

/*
 * The key exchange as crypto jobs: generate our KE value and, once the
 * peer's is known, the shared secret and every SK_* key. A job carries
 * copies of everything it needs (any worker may run it); its result comes
 * back to the owner, which resumes the SA by its state.
 */
struct kex_result {
	int status;			/* 0 or -errno */
	struct crypto_ke *ke;		/* ours; the SA takes it back */
	uint16_t pub_len;
	uint8_t pub[V2_KE_MAX];
	bool derived;
	bool peer_refused;		/* the peer's KE data is no valid public value */
	struct ikev2_keys keys;
};

/*
 * Submit: generate a KE for setup->dh when setup->ke is NULL; when peer is
 * given, also derive the keys for sa->suite with the nonces and SPIs.
 * setup->ke moves into the job meanwhile. Returns 0 or -errno.
 * Context: the owner.
 */
int v2_kex_submit(struct ike_sa *sa, const uint8_t *peer, size_t peer_len);

/* Continuations, by state (v2_sa_init.c). Context: the owner. */
void v2_kex_done(struct ike_sa *sa, struct kex_result *r);

/* Load the derived keys into the SA (directions by role); keeps SK_p* in *pi, *pr. */
void v2_kex_install_keys(struct ike_sa *sa, const struct ikev2_keys *k);

#endif
