/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/creds.h"

#include <stdlib.h>

#include "ike/ike_daemon.h"
#include "util/tsan.h"

struct ike_creds *ike_creds_new(struct crypto_trust *trust, bool crl_strict, size_t npub)
{
	struct ike_creds *c = calloc(1, sizeof(*c) + npub * sizeof(c->pub[0]));

	if (!c)
		return NULL;
	if (trust) {
		c->trust = crypto_trust_ref(trust);
	} else {
		c->trust = crypto_trust_new();
		if (!c->trust) {
			free(c);
			return NULL;
		}
		crypto_trust_seal(c->trust);
	}
	c->crl_strict = crl_strict;
	c->npub = npub;
	return c;
}

void ike_creds_free(struct ike_creds *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->npub; i++)
		crypto_pubkey_unref(c->pub[i].key);
	crypto_trust_unref(c->trust);
	free(c);
}

static void rcu_free_creds(struct rcu_head *head)
{
	struct ike_creds *c = caa_container_of(head, struct ike_creds, rcu);

	tsan_acquire(c);
	ike_creds_free(c);
}

void ike_creds_publish(struct ike_daemon *d, struct ike_creds *c)
{
	struct ike_creds *old;

	tsan_release(c);
	old = rcu_xchg_pointer(&d->creds, c);
	if (old) {
		tsan_release(old);
		call_rcu(&old->rcu, rcu_free_creds);
	}
}

const struct ike_creds *ike_creds_get_rcu(const struct ike_daemon *d)
{
	const struct ike_creds *c = rcu_dereference(d->creds);

	if (c)
		tsan_acquire((void *)c);
	return c;
}

struct crypto_pubkey *ike_creds_pubkey_rcu(const struct ike_creds *c, const struct ike_id *id,
					   size_t i)
{
	for (size_t k = 0; c && k < c->npub; k++)
		if (c->pub[k].key && ike_id_eq(&c->pub[k].id, id) && i-- == 0)
			return c->pub[k].key;
	return NULL;
}
