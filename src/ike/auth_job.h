/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_AUTH_JOB_H
#define SKUA_IKE_AUTH_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ike/auth.h"
#include "ike/v2/types.h"

/*
 * The expensive half of authentication as one crypto job (crypto/job.h):
 * verify the peer's signature (after validating its certificate chain
 * and that the certificate vouches for its ID), and/or make our own
 * signature. The job carries copies of the bytes and references to the
 * keys, certificates and trust set, so any worker may run it (a thief
 * never touches the SA); the result comes back to the owner worker.
 * Pre-shared keys need no job: a MAC costs microseconds.
 */
enum {
	IKE_AUTH_PEER_CERTS = 8,	/* CERT payloads used: the end certificate and intermediates */
	IKE_AUTH_PEER_KEYS = 8,		/* raw public keys tried for one ID */
	IKE_AUTH_JOB_MAX = 256 * 1024,	/* bytes of input one job may carry */
};

/* What to check of the peer. Owner: the caller; everything is copied or referenced. */
struct ike_auth_verify {
	struct ike_auth_plan plan;	/* from ike_auth_parse() */
	const uint8_t *sig;		/* the signature within the AUTH data */
	size_t sig_len;
	const uint8_t *octets;		/* what the peer signed (ike_auth_octets) */
	size_t octets_len;
	struct ike_id id;		/* the peer's ID as received */
	/* the peer's CERT payloads (X.509 Signature), end certificate first */
	const uint8_t *certs[IKE_AUTH_PEER_CERTS];
	size_t cert_len[IKE_AUTH_PEER_CERTS];
	size_t ncerts;
	struct crypto_trust *trust;	/* to validate them against */
	struct crypto_verify_opts vopts;	/* now, --crl-strict, --ca (copied) */
	struct crypto_cert *peer_cert;	/* the peer's --cert, configured: trusted as it is */
	struct crypto_pubkey *keys[IKE_AUTH_PEER_KEYS];	/* raw keys of its ID (--pubkeyrsa) */
	size_t nkeys;
};

/* What to sign. Owner: the caller. */
struct ike_auth_sign {
	struct crypto_privkey *key;
	struct ike_auth_plan plan;
	const uint8_t *octets;
	size_t octets_len;
};

/*
 * The outcome. verify and sign are 0, or 1 when not asked, or a negative
 * errno:
 *   -EBADMSG       a malformed certificate, or a signature that does not verify
 *   -EKEYEXPIRED,
 *   -EKEYREVOKED,
 *   -EKEYREJECTED  the certificate chain fails (crypto_trust_verify)
 *   -EACCES        the certificate does not vouch for the ID, or not through --ca
 *   -ENOKEY        no certificate and no key for the ID; or no key of the right kind
 * why says which in words (the certificate's subject, the reason).
 * Owner: the job; valid during the done callback only.
 */
struct ike_auth_result {
	int verify;
	int sign;
	char why[512];
	bool crl_missing, crl_stale;	/* noted while validating (not fatal unless strict) */
	bool by_cert;			/* the peer was authenticated with a certificate */
	char subject[256];		/* ... this one's subject */
	uint16_t auth_len;		/* sign: our AUTH payload's data */
	uint8_t auth[V2_AUTH_MAX];
};

struct ike_sa;

/* Runs on the owner worker when the job is done; the SA is alive. */
typedef void ike_auth_done_fn(struct ike_sa *sa, struct ike_auth_result *r);

/*
 * Submit one job for sa (in sa->job): verify (may be NULL) and, when the
 * verification passed or was not asked, sign (may be NULL). done runs on
 * the owner with the result, unless the SA went meanwhile. Returns 0,
 * -EMSGSIZE (too much input) or -ENOMEM.
 * Context: the owner worker.
 */
int ike_auth_submit(struct ike_sa *sa, const struct ike_auth_verify *v,
		    const struct ike_auth_sign *s, ike_auth_done_fn *done);

/*
 * What both IKE versions' authentication take from the SA, its connection
 * and the daemon's published credentials.
 *
 * ike_auth_our_key: our private key, --cert's, else the secrets' for our
 * ID; a new reference, or NULL (a certificate without its key: nothing
 * else will do). ike_auth_end_key: the same for end of c with ID
 * id_local, before there is an SA (IKEv1's responder chooses its Phase 1
 * method by its key); any thread that may read c and d's secrets.
 *
 * ike_auth_peer_creds: fills v's trust set, --crl-strict, the raw public
 * keys of v->id (set it first), the peer's configured certificate, its
 * --ca and the time, as references the caller drops with
 * ike_auth_peer_creds_drop() (a job takes its own).
 *
 * ike_auth_note_crl: logs (rate-limited) a certificate accepted without a
 * current CRL.
 *
 * ike_auth_certs_to_send: our end certificate, then its intermediates as
 * --sendca says (issuer, the default: not a self-signed root); returns how
 * many went into out (0: no --cert).
 *
 * Context: the owner worker of sa.
 */
struct crypto_privkey *ike_auth_our_key(struct ike_sa *sa);
struct connection;
struct ike_daemon;
struct crypto_privkey *ike_auth_end_key(struct ike_daemon *d, const struct connection *c,
				       uint8_t end, const struct ike_id *id_local);
void ike_auth_peer_creds(struct ike_sa *sa, struct ike_auth_verify *v);
void ike_auth_peer_creds_drop(struct ike_auth_verify *v);
void ike_auth_note_crl(struct ike_sa *sa, const struct ike_auth_result *r);
size_t ike_auth_certs_to_send(const struct ike_sa *sa, const struct crypto_cert **out,
			      size_t max);

/*
 * The job's work, run inline (tests, and a daemon without workers).
 * Context: any thread.
 */
void ike_auth_compute(const struct ike_auth_verify *v, const struct ike_auth_sign *s,
		      struct ike_auth_result *r);

#endif
