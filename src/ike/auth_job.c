/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/auth_job.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/dn.h"
#include "crypto/job.h"
#include "crypto/jobq.h"
#include "ike/connection.h"
#include "ike/creds.h"
#include "ike/ike_daemon.h"
#include "ike/ike_sa.h"
#include "util/log.h"

/*
 * The job's input: the two requests with their pointers re-based onto the
 * copied bytes that follow. The references (trust, certificates, keys)
 * are the job's own, dropped in done().
 */
struct job_in {
	ike_auth_done_fn *done;
	bool has_v, has_s;
	struct ike_auth_verify v;
	struct ike_auth_sign s;
	size_t off_sig, off_voct, off_ca, off_soct, off_cert[IKE_AUTH_PEER_CERTS];
	size_t blob_len;
	uint8_t blob[];
};

static void fail(struct ike_auth_result *r, int rc, const char *fmt, const char *arg)
{
	r->verify = rc;
	snprintf(r->why, sizeof(r->why), fmt, arg ? arg : "");
}

/* The peer's key from its CERT payloads, after validating them. NULL with r->verify set. */
static struct crypto_pubkey *from_certs(const struct ike_auth_verify *v, struct crypto_cert **leafp,
					struct ike_auth_result *r)
{
	struct crypto_cert *leaf = NULL, *inter[IKE_AUTH_PEER_CERTS];
	struct crypto_verify_result vr;
	size_t ninter = 0;
	int rc;

	if (crypto_cert_from_der(v->certs[0], v->cert_len[0], &leaf) < 0) {
		fail(r, -EBADMSG, "its CERT payload is not an X.509 certificate%s", NULL);
		return NULL;
	}
	for (size_t i = 1; i < v->ncerts; i++)
		if (crypto_cert_from_der(v->certs[i], v->cert_len[i], &inter[ninter]) == 0)
			ninter++;	/* a malformed extra certificate is only not used */
	crypto_cert_subject_str(leaf, r->subject, sizeof(r->subject));
	rc = crypto_trust_verify(v->trust, leaf, inter, ninter, &v->vopts, &vr);
	r->crl_missing = vr.crl_missing;
	r->crl_stale = vr.crl_stale;
	for (size_t i = 0; i < ninter; i++)
		crypto_cert_unref(inter[i]);
	if (rc < 0) {
		r->verify = rc;
		snprintf(r->why, sizeof(r->why), "its certificate is not accepted: %.470s", vr.why);
		crypto_cert_unref(leaf);
		return NULL;
	}
	*leafp = leaf;
	return crypto_cert_pubkey(leaf);
}

static void verify(const struct ike_auth_verify *v, struct ike_auth_result *r)
{
	struct crypto_cert *leaf = NULL;
	struct crypto_cert *cert = v->peer_cert;
	struct crypto_pubkey *key = NULL;
	char id[IKE_ID_STRLEN];
	bool fits_any = false;

	if (v->ncerts) {
		key = from_certs(v, &leaf, r);
		if (!key && r->verify == 1)
			fail(r, -ENOKEY, "its certificate's key is of a kind we do not do%s", NULL);
		if (!key)
			goto out;
		cert = leaf;
	} else if (cert) {
		crypto_cert_subject_str(cert, r->subject, sizeof(r->subject));
		key = crypto_cert_pubkey(cert);
	}
	if (cert) {
		/* RFC 4945 3.1: the ID must be in the certificate. */
		if (!crypto_cert_matches_id(cert, v->id.type, v->id.data, v->id.len)) {
			r->verify = -EACCES;
			snprintf(r->why, sizeof(r->why),
				 "certificate '%.200s' does not vouch for its ID %.250s", r->subject,
				 ike_id_str(&v->id, id, sizeof(id)));
			goto out;
		}
		r->by_cert = true;
		if (!key) {
			fail(r, -ENOKEY, "its certificate's key is of a kind we do not do%s", NULL);
			goto out;
		}
		if (!crypto_sig_fits(&v->plan.scheme, crypto_pubkey_kind(key),
				     crypto_pubkey_curve(key))) {
			enum crypto_curve cv = crypto_pubkey_curve(key);
			char scheme[64];

			/* IKEv1: the negotiated method; IKEv2: the AUTH method it sent */
			r->verify = -ENOKEY;
			snprintf(r->why, sizeof(r->why),
				 "certificate '%.200s' has an %s%s%s key, which does not make the "
				 "signature the peer claims (%s)", r->subject,
				 crypto_key_kind_name(crypto_pubkey_kind(key)),
				 *crypto_curve_name(cv) ? " " : "", crypto_curve_name(cv),
				 ike_auth_plan_str(&v->plan, scheme, sizeof(scheme)));
			goto out;
		}
		if (crypto_verify(key, &v->plan.scheme, v->octets, v->octets_len, v->sig,
				  v->sig_len) != 0) {
			fail(r, -EBADMSG, "the signature does not verify with the key of "
					  "certificate '%.200s'", r->subject);
			goto out;
		}
		r->verify = 0;
		goto out;
	}
	/* raw public keys of the ID: the first that verifies */
	for (size_t i = 0; i < v->nkeys; i++) {
		struct crypto_pubkey *k = v->keys[i];

		if (!crypto_sig_fits(&v->plan.scheme, crypto_pubkey_kind(k), crypto_pubkey_curve(k)))
			continue;
		fits_any = true;
		if (crypto_verify(k, &v->plan.scheme, v->octets, v->octets_len, v->sig,
				  v->sig_len) == 0) {
			r->verify = 0;
			goto out;
		}
	}
	if (fits_any)
		fail(r, -EBADMSG, "the signature does not verify with any public key of its "
				  "ID%s", NULL);
	else
		fail(r, -ENOKEY, "no certificate from the peer, and no public key for its ID "
				 "%.250s", ike_id_str(&v->id, id, sizeof(id)));
out:
	crypto_cert_unref(leaf);
}

static void sign(const struct ike_auth_sign *s, struct ike_auth_result *r)
{
	uint8_t sig[CRYPTO_SIG_MAX];
	int n = crypto_sign(s->key, &s->plan.scheme, s->octets, s->octets_len, sig, sizeof(sig));

	if (n < 0) {
		r->sign = n;
		return;
	}
	n = ike_auth_encode(&s->plan, sig, (size_t)n, r->auth, sizeof(r->auth));
	r->sign = n < 0 ? n : 0;
	r->auth_len = n < 0 ? 0 : (uint16_t)n;
}

void ike_auth_compute(const struct ike_auth_verify *v, const struct ike_auth_sign *s,
		      struct ike_auth_result *r)
{
	memset(r, 0, sizeof(*r));
	r->verify = r->sign = 1;
	if (v)
		verify(v, r);
	if (s && (!v || r->verify == 0))
		sign(s, r);
}

static void work(struct crypto_job *job)
{
	struct job_in *in = (void *)job->in.ptr;
	struct ike_auth_result *r = (void *)job->out.ptr;

	/* the copied bytes are where the pointers now point */
	in->v.sig = in->blob + in->off_sig;
	in->v.octets = in->blob + in->off_voct;
	for (size_t i = 0; i < in->v.ncerts; i++)
		in->v.certs[i] = in->blob + in->off_cert[i];
	in->v.vopts.ca_dn = in->v.vopts.ca_dn_len ? in->blob + in->off_ca : NULL;
	in->s.octets = in->blob + in->off_soct;
	ike_auth_compute(in->has_v ? &in->v : NULL, in->has_s ? &in->s : NULL, r);
	job->status = r->verify <= 0 ? r->verify : r->sign <= 0 ? r->sign : 0;
}

static void release(struct job_in *in)
{
	crypto_trust_unref(in->v.trust);
	crypto_cert_unref(in->v.peer_cert);
	for (size_t i = 0; i < in->v.nkeys; i++)
		crypto_pubkey_unref(in->v.keys[i]);
	crypto_privkey_unref(in->s.key);
}

static void done(struct crypto_job *job)
{
	struct job_in *in = (void *)job->in.ptr;
	struct ike_sa *sa = job->cookie;

	if (sa) {
		sa->job = NULL;
		in->done(sa, (void *)job->out.ptr);
	}
	release(in);
	crypto_job_free(job);	/* wipes the octets and our signature */
}

static size_t put(struct job_in *in, const uint8_t *p, size_t len)
{
	size_t off = in->blob_len;

	if (len)
		memcpy(in->blob + off, p, len);
	in->blob_len += len;
	return off;
}

int ike_auth_submit(struct ike_sa *sa, const struct ike_auth_verify *v,
		    const struct ike_auth_sign *s, ike_auth_done_fn *done_fn)
{
	size_t total = 0;
	struct job_in *in;
	struct crypto_job *job = NULL;
	int rc = -ENOMEM;

	if (v) {
		total += v->sig_len + v->octets_len + v->vopts.ca_dn_len;
		for (size_t i = 0; i < v->ncerts; i++)
			total += v->cert_len[i];
	}
	if (s)
		total += s->octets_len;
	if (total > IKE_AUTH_JOB_MAX)
		return -EMSGSIZE;
	in = calloc(1, sizeof(*in) + total);
	if (!in)
		return -ENOMEM;
	in->done = done_fn;
	if (v) {
		in->has_v = true;
		in->v = *v;
		in->off_sig = put(in, v->sig, v->sig_len);
		in->off_voct = put(in, v->octets, v->octets_len);
		in->off_ca = put(in, v->vopts.ca_dn, v->vopts.ca_dn_len);
		for (size_t i = 0; i < v->ncerts; i++)
			in->off_cert[i] = put(in, v->certs[i], v->cert_len[i]);
		crypto_trust_ref(in->v.trust);
		crypto_cert_ref(in->v.peer_cert);
		for (size_t i = 0; i < v->nkeys; i++)
			crypto_pubkey_ref(in->v.keys[i]);
	}
	if (s) {
		in->has_s = true;
		in->s = *s;
		in->off_soct = put(in, s->octets, s->octets_len);
		crypto_privkey_ref(in->s.key);
	}
	job = crypto_job_new(work, done, sa->w->index, sa);
	if (!job || crypto_job_set_input(job, in, sizeof(*in) + total) < 0 ||
	    crypto_job_alloc_output(job, sizeof(struct ike_auth_result)) < 0) {
		release(in);
		goto out;
	}
	job->id = sa->serial;
	rc = crypto_jobq_submit(sa->w->d->jobq, sa->w->index, job);
	if (rc < 0) {
		release(in);
		goto out;
	}
	sa->job = job;
	job = NULL;
out:
	crypto_job_free(job);
	crypto_wipe(in, sizeof(*in) + total);
	free(in);
	return rc;
}

struct crypto_privkey *ike_auth_end_key(struct ike_daemon *d, const struct connection *c,
				       uint8_t end, const struct ike_id *id_local)
{
	const struct ike_end_creds *cr = &c->cfg->creds[end];

	if (cr->key)
		return crypto_privkey_ref(cr->key);
	if (cr->cert || !d->privkey_lookup)
		return NULL;	/* a certificate without its key: nothing else will do */
	return d->privkey_lookup(d->psk_ctx, id_local);
}

struct crypto_privkey *ike_auth_our_key(struct ike_sa *sa)
{
	return ike_auth_end_key(sa->w->d, sa->conn, sa->this_end, ike_sa_id_local(sa));
}

void ike_auth_peer_creds(struct ike_sa *sa, struct ike_auth_verify *v)
{
	uint8_t peer_end = (uint8_t)(1 - sa->this_end);
	const struct ike_creds *c;

	v->peer_cert = sa->conn->cfg->creds[peer_end].cert;
	v->vopts.now = time(NULL);
	v->vopts.ca_dn = sa->conn->cfg->ca_dn[peer_end];
	v->vopts.ca_dn_len = sa->conn->cfg->ca_dn_len[peer_end];
	rcu_read_lock();
	c = ike_creds_get_rcu(sa->w->d);
	if (c) {
		v->trust = crypto_trust_ref(c->trust);
		v->vopts.crl_strict = c->crl_strict;
		for (size_t i = 0; i < IKE_AUTH_PEER_KEYS; i++) {
			struct crypto_pubkey *k = ike_creds_pubkey_rcu(c, &v->id, i);

			if (!k)
				break;
			v->keys[v->nkeys++] = crypto_pubkey_ref(k);
		}
	}
	rcu_read_unlock();
	if (!v->trust) {
		v->trust = crypto_trust_new();	/* nothing published (tests): trust nothing */
		if (v->trust)
			crypto_trust_seal(v->trust);
	}
}

void ike_auth_peer_creds_drop(struct ike_auth_verify *v)
{
	crypto_trust_unref(v->trust);
	v->trust = NULL;
	for (size_t i = 0; i < v->nkeys; i++)
		crypto_pubkey_unref(v->keys[i]);
	v->nkeys = 0;
}

void ike_auth_note_crl(struct ike_sa *sa, const struct ike_auth_result *r)
{
	char name[CONN_NAME_MAX + 32];

	if (r->crl_missing || r->crl_stale)
		log_limited(LOG_WARNING, 5, "certificate accepted without a current CRL",
			    "%s: %s for a CA of '%s' (accepted: --crl-strict is off)",
			    ike_sa_name(sa, name, sizeof(name)),
			    r->crl_stale ? "the CRL is past its next update" : "no CRL",
			    r->subject);
}

size_t ike_auth_certs_to_send(const struct ike_sa *sa, const struct crypto_cert **out,
			      size_t max)
{
	const struct ike_end_creds *cr = &sa->conn->cfg->creds[sa->this_end];
	enum sendca sendca = sa->conn->spec->end[sa->this_end].sendca;
	size_t n = 0;

	if (!cr->cert || !max)
		return 0;
	out[n++] = cr->cert;
	if (sendca == SENDCA_NONE)
		return n;
	for (size_t i = 0; i < cr->nchain && n < max; i++) {
		/* issuer (the default): the intermediates, not the root the peer must hold */
		if (sendca != SENDCA_ALL && crypto_cert_is_self_signed(cr->chain[i]))
			continue;
		out[n++] = cr->chain[i];
	}
	return n;
}
