/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CREDS_H
#define SKUA_IKE_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <urcu.h>

#include "crypto/key.h"
#include "crypto/trust.h"
#include "ike/id.h"

/*
 * What the workers need to check a peer's authentication: the trust
 * anchors and CRLs, the CRL policy, and the raw public keys whack gave
 * (--keyid/--pubkeyrsa). Our own keys and certificates travel with the
 * connections instead.
 *
 * Owner: the ctl thread builds a set and publishes it in the daemon
 * (ike_creds_publish()); a published set is immutable, read under RCU;
 * a worker that needs part of it beyond its read-side section (a verify
 * job) takes references to the crypto objects. The old set is freed after
 * a grace period.
 */
struct ike_pubkey {
	struct ike_id id;		/* --keyid */
	struct crypto_pubkey *key;	/* a reference */
	time_t installed;
};

struct ike_creds {
	struct rcu_head rcu;
	struct crypto_trust *trust;	/* a reference; never NULL once published */
	bool crl_strict;		/* --crl-strict */
	size_t npub;
	struct ike_pubkey pub[];
};

/*
 * A set with room for npub keys (npub entries to fill), taking a reference
 * to trust (NULL: an empty sealed set is made). NULL when memory is short.
 * Context: ctl thread.
 */
struct ike_creds *ike_creds_new(struct crypto_trust *trust, bool crl_strict, size_t npub);

/* Free now (never published, or after the grace period). Accepts NULL. */
void ike_creds_free(struct ike_creds *c);

struct ike_daemon;

/*
 * Publish c in place of the daemon's set (which is freed after a grace
 * period). Context: ctl thread (or start-up), registered with RCU.
 */
void ike_creds_publish(struct ike_daemon *d, struct ike_creds *c);

/* The published set. Context: inside an RCU read-side section. */
const struct ike_creds *ike_creds_get_rcu(const struct ike_daemon *d);

/*
 * The i-th raw public key for a peer ID (ike_id_eq), counting from 0, so a
 * caller may try each key of an ID (--addkey adds rather than replaces).
 * NULL past the last. Context: inside the read-side section c came from.
 */
struct crypto_pubkey *ike_creds_pubkey_rcu(const struct ike_creds *c, const struct ike_id *id,
					   size_t i);

#endif
