/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Phase 1 signatures (RFC 2409 5.1) on the common authentication step:
 * what IKEv1 adds is where the bytes come from and go (p1_sig.h).
 */
#include "ike/v1/p1_sig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/dn.h"
#include "crypto/x509.h"
#include "ike/connection.h"
#include "ike/creds.h"
#include "ike/ike_daemon.h"
#include "ike/v1/exchange.h"
#include "ike/v1/state.h"
#include "ike/v2/types.h"
#include "net/worker.h"

enum {
	CR_ANCHORS_MAX = 8,	/* CR payloads naming our anchors, at most */
};

bool v1_p1_is_sig(uint16_t auth)
{
	return auth == V1_AUTH_RSA_SIG || auth == V1_AUTH_XAUTH_I_RSA ||
	       auth == V1_AUTH_XAUTH_R_RSA || v1_p1_is_ecdsa(auth);
}

bool v1_p1_is_ecdsa(uint16_t auth)
{
	return auth == V1_AUTH_ECDSA_256 || auth == V1_AUTH_ECDSA_384 || auth == V1_AUTH_ECDSA_521;
}

/*
 * The plan the common step signs and checks with under a negotiated
 * method: RSA pads the HASH as it is; ECDSA (RFC 4754, IKEv2's methods of
 * the same numbers: the curve is the method's) signs the HASH as the
 * digest, r || s, as strongSwan does (crypto/sig.h ECDSA_DIGEST).
 */
static struct ike_auth_plan plan_of(uint16_t auth)
{
	struct ike_auth_plan p = {
		.method = V2_AUTH_RSA_SIG,	/* ike_auth_encode(): the signature as it is */
		.scheme = { .kind = CRYPTO_SIG_RSA_PKCS1_RAW, .hash = V2_HASH_IDENTITY },
	};

	if (v1_p1_is_ecdsa(auth) && ike_auth_ecdsa_plan((uint8_t)auth, &p) == 0)
		p.scheme.kind = CRYPTO_SIG_ECDSA_DIGEST;
	return p;
}

static int no(const char **why, const char *what)
{
	*why = what;
	return -ENOTSUP;
}

int v1_sig_method(struct ike_daemon *d, const struct connection *c, uint8_t this_end, bool xauth,
		  const char **why)
{
	struct crypto_privkey *key = ike_auth_end_key(d, c, this_end, &c->cfg->id_self[this_end]);
	const struct crypto_pubkey *pub = NULL;
	enum crypto_key_kind kind = CRYPTO_KEY_RSA;
	enum crypto_curve curve = CRYPTO_CURVE_NONE;
	uint8_t both = c->cfg->auth[0].classes & c->cfg->auth[1].classes;
	uint8_t method, h;

	if (key) {
		kind = crypto_privkey_kind(key);
		curve = crypto_privkey_curve(key);
		crypto_privkey_unref(key);
	} else if (c->cfg->creds[this_end].cert &&
		   (pub = crypto_cert_pubkey(c->cfg->creds[this_end].cert)) != NULL) {
		/* no key to sign with: signing fails later and says so */
		kind = crypto_pubkey_kind(pub);
		curve = crypto_pubkey_curve(pub);
	} else if (!(both & IKE_AUTHC_RSA) && (both & IKE_AUTHC_ECDSA)) {
		return no(why, "no private key for our certificate or ID: cannot choose the ECDSA "
			       "method (9, 10 or 11) it would make");
	}
	switch (kind) {
	case CRYPTO_KEY_RSA:
		if (!(both & IKE_AUTHC_RSA))
			return no(why, "our key is RSA but the connection does not authenticate "
				       "with RSA (IKEv1 authenticates both ends by one method)");
		return xauth ? V1_AUTH_XAUTH_I_RSA : V1_AUTH_RSA_SIG;
	case CRYPTO_KEY_ECDSA:
		method = ike_auth_ecdsa_method(curve);
		if (!method)
			return no(why, "our ECDSA key is on a curve RFC 4754 has no IKEv1 "
				       "method for (P-256, P-384 and P-521 only)");
		if (!(both & IKE_AUTHC_ECDSA))
			return no(why, "our key is ECDSA but the connection does not authenticate "
				       "with ECDSA (IKEv1 authenticates both ends by one method)");
		h = plan_of(method).scheme.hash;
		if (!(c->cfg->auth[0].ecdsa_hashes & c->cfg->auth[1].ecdsa_hashes & IKE_HASH_BIT(h)))
			return no(why, "our ECDSA key's curve fixes its hash (RFC 4754: SHA-256 "
				       "on P-256, SHA-384 on P-384, SHA-512 on P-521), which "
				       "--ecdsa-sha2_N does not allow");
		if (xauth)
			return no(why, "XAUTH with ECDSA signatures: IKEv1 has no such method "
				       "(XAUTHInitRSA is RSA only); not supported yet");
		return method;
	default:
		return no(why, "our key is EdDSA or another kind IKEv1 has no method for (RSA or "
			       "ECDSA on P-256, P-384, P-521 only)");
	}
}

const char *v1_p1_auth_name(uint16_t auth)
{
	switch (auth) {
	case V1_AUTH_PSK:
	case V1_AUTH_XAUTH_I_PSK:
	case V1_AUTH_XAUTH_R_PSK:
		return "PRESHARED_KEY";
	case V1_AUTH_ECDSA_256:
		return "ECDSA_P256";
	case V1_AUTH_ECDSA_384:
		return "ECDSA_P384";
	case V1_AUTH_ECDSA_521:
		return "ECDSA_P521";
	case V1_AUTH_RSA_SIG:
	case V1_AUTH_XAUTH_I_RSA:
	case V1_AUTH_XAUTH_R_RSA:
		return "RSA_SIG";
	default:
		return "another method";
	}
}

static void pend_clear(struct v1_sig_pend *p)
{
	free(p->sig);
	p->sig = NULL;
	for (size_t i = 0; i < p->ncerts; i++)
		free(p->certs[i]);
	p->ncerts = 0;
}

void v1_sig_pend_free(struct ike_sa *sa)
{
	struct v1_sig_pend *p = sa->v1 ? sa->v1->sig : NULL;

	if (!p)
		return;
	pend_clear(p);
	if (p->l)
		net_listener_unref(p->l);
	crypto_wipe(p, sizeof(*p));
	free(p);
	sa->v1->sig = NULL;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c && len)
		memcpy(c, p, len);
	return c;
}

int v1_sig_take(struct ike_sa *sa, const struct net_rx *rx, const struct v1_msg *m,
		const struct ike_id *id)
{
	const struct v1_payload *sig = v1_msg_get(m, V1_PL_SIG);
	struct v1_state *s = sa->v1;
	struct v1_sig_pend *p;

	if (!sig || !sig->u.blob.len)
		return -EBADMSG;
	v1_sig_pend_free(sa);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->sig = p;
	p->sig = dup_bytes(sig->u.blob.data, sig->u.blob.len);
	if (!p->sig)
		return -ENOMEM;
	p->sig_len = sig->u.blob.len;
	for (int i = v1_msg_find(m, V1_PL_CERT, 0); i >= 0 && p->ncerts < IKE_AUTH_PEER_CERTS;
	     i = v1_msg_find(m, V1_PL_CERT, i + 1)) {
		const struct v1_cert *c = &m->pl[i].u.cert;

		if (c->encoding != V1_CERT_X509_SIG || !c->len)
			continue;	/* PKCS #7 wrapped, CRLs, ...: not used */
		p->certs[p->ncerts] = dup_bytes(c->data, c->len);
		if (!p->certs[p->ncerts])
			return -ENOMEM;
		p->cert_len[p->ncerts++] = c->len;
	}
	memcpy(&p->id, id, ike_id_size(id));	/* id may be an SA's, kept at its size */
	memcpy(p->iv, s->iv_next, sizeof(p->iv));
	memcpy(p->rx_digest, s->rx_digest, sizeof(p->rx_digest));
	p->encrypted = m->encrypted;
	for (unsigned i = 0; i < m->npl; i++)
		if (m->pl[i].type == V1_PL_N && m->pl[i].u.notify.type == V1N_INITIAL_CONTACT)
			p->initial_contact = true;
	if (rx) {
		net_listener_ref(rx->l);
		p->l = rx->l;
		p->peer_port = rx->d->peer_port;
	}
	return 0;
}

void v1_sig_note_cr(struct ike_sa *sa, const struct v1_msg *m)
{
	if (v1_msg_get(m, V1_PL_CR))
		sa->v1->peer_cr = true;
}

int v1_sig_build_cr(struct ike_sa *sa, struct v1_build *b)
{
	uint8_t peer_end = (uint8_t)(1 - sa->this_end);
	struct v1_cert cr = { .encoding = V1_CERT_X509_SIG };
	const struct ike_creds *c;
	uint8_t dn[CRYPTO_DN_MAX];
	size_t ndn = 0;
	int rc = 0;

	if (!(sa->conn->cfg->auth[peer_end].classes & IKE_AUTHC_SIG))
		return 0;
	if (sa->conn->cfg->ca_dn[peer_end]) {
		cr.data = sa->conn->cfg->ca_dn[peer_end];
		cr.len = sa->conn->cfg->ca_dn_len[peer_end];
		return v1_build_cert(b, V1_PL_CR, &cr);
	}
	rcu_read_lock();
	c = ike_creds_get_rcu(sa->w->d);
	for (size_t i = 0; c && i < crypto_trust_ca_count(c->trust) && ndn < CR_ANCHORS_MAX; i++) {
		int n = crypto_cert_subject(crypto_trust_ca_at(c->trust, i), dn, sizeof(dn));

		if (n > 0 && n <= V1_CERT_MAX) {
			cr.len = (uint16_t)n;
			cr.data = dn;
			ndn++;
			rc = v1_build_cert(b, V1_PL_CR, &cr);
			if (rc < 0)
				break;
		}
	}
	rcu_read_unlock();
	if (!ndn) {
		/* no anchor to name: any CA will do */
		cr.len = 0;
		cr.data = NULL;
		rc = v1_build_cert(b, V1_PL_CR, &cr);
	}
	return rc;
}

int v1_sig_build_certs(struct ike_sa *sa, struct v1_build *b)
{
	const struct crypto_cert *certs[1 + IKE_CHAIN_MAX];
	size_t n;

	if (!ike_connection_sends_cert(sa->conn, sa->this_end, sa->initiator, sa->v1->peer_cr))
		return 0;
	n = ike_auth_certs_to_send(sa, certs, 1 + IKE_CHAIN_MAX);
	for (size_t i = 0; i < n; i++) {
		struct v1_cert c = { .encoding = V1_CERT_X509_SIG };
		size_t len;
		int rc;

		c.data = crypto_cert_der(certs[i], &len);
		if (len > V1_CERT_MAX)
			return -EMSGSIZE;
		c.len = (uint16_t)len;
		rc = v1_build_cert(b, V1_PL_CERT, &c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The job's result back into the transition table. */
static void job_done(struct ike_sa *sa, struct ike_auth_result *r)
{
	struct ike_input in = { .auth = r };

	v1_dispatch(sa, IKE_EV_CRYPTO, &in);
}

int v1_sig_submit(struct ike_sa *sa, const uint8_t *peer_hash, const uint8_t *our_hash,
		  size_t hash_len)
{
	struct v1_sig_pend *p = sa->v1->sig;
	struct ike_auth_verify v = { 0 };
	struct ike_auth_sign sg = { 0 };
	int rc;

	if (peer_hash) {
		if (!p || !p->sig)
			return -EINVAL;
		v.plan = plan_of(sa->v1->p1.auth);
		v.sig = p->sig;
		v.sig_len = p->sig_len;
		v.octets = peer_hash;
		v.octets_len = hash_len;
		v.id = p->id;
		for (size_t i = 0; i < p->ncerts; i++) {
			v.certs[i] = p->certs[i];
			v.cert_len[i] = p->cert_len[i];
		}
		v.ncerts = p->ncerts;
		ike_auth_peer_creds(sa, &v);
		if (!v.trust)
			return -ENOMEM;
	}
	if (our_hash) {
		sg.key = ike_auth_our_key(sa);
		if (!sg.key) {
			rc = -ENOKEY;
			goto out;
		}
		sg.plan = plan_of(sa->v1->p1.auth);
		sg.octets = our_hash;
		sg.octets_len = hash_len;
	}
	rc = ike_auth_submit(sa, peer_hash ? &v : NULL, our_hash ? &sg : NULL, job_done);
out:
	if (peer_hash)
		ike_auth_peer_creds_drop(&v);
	crypto_privkey_unref(sg.key);
	if (p)
		pend_clear(p);	/* the job has its own copies */
	return rc;
}
