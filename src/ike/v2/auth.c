/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKE_AUTH (RFC 7296 1.2, 2.15), carrying the first Child SA (ESP, tunnel
 * or transport, traffic selectors narrowed per 2.9):
 *
 *   HDR, SK {IDi, [CERT+,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr
 *            [, N(USE_TRANSPORT_MODE)]}  -->
 *                           <--  HDR, SK {IDr, [CERT+,] AUTH, SAr2, TSi, TSr}
 *
 * AUTH proves each end over SignedOctets = RealMessage | Nonce of the peer
 * | prf(SK_p, RestOfIDPayload), with a pre-shared key or a signature, each
 * end by its own method (ike/auth.h). Signatures and their checks
 * (certificate chains included) run as one crypto job per end (ike/
 * auth_job.h); the exchange resumes from the job's result through the
 * transition table. What the message said besides AUTH is decided before
 * the job and kept in the setup's v2_auth_pend, never committed before
 * the peer is authenticated.
 */
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "crypto/dn.h"
#include "crypto/prf.h"
#include "ike/auth.h"
#include "ike/auth_job.h"
#include "ike/creds.h"
#include "ike/alg_names.h"
#include "ike/v2/child.h"
#include "ike/conn_select.h"
#include "ike/uniqueids.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/v2/redirect.h"
#include "ike/v2/task.h"
#include "ike/v2/window.h"
#include "ike/child_updown.h"
#include "ike/lease.h"
#include "ike/v2/cfg.h"
#include "util/impair.h"
#include "util/log.h"

enum { PSK_MAX = 4096 };


/*
 * What IKE_AUTH decided before its crypto job, for the handler that takes
 * the job's result. Owner: the SA's setup; plain data (no references, no
 * secrets: our AUTH data and the peer's ID are public), freed with it.
 */
enum child_outcome { CHILD_NONE, CHILD_OK, CHILD_MISSING, CHILD_BAD };

struct v2_auth_pend {
	struct ike_auth_plan ours;	/* how we authenticate */
	struct ike_auth_plan theirs;	/* how the peer did */
	bool peer_psk;			/* the peer authenticated with the PSK (checked) */
	bool send_cert;			/* our CERT payloads go with our AUTH */
	struct ike_id peer;		/* the peer's ID as received */
	/* initiator: the response's Child SA, read before the job */
	uint8_t child;			/* enum child_outcome */
	uint16_t err;			/* the first error notify of the response */
	/* responder: the request's Child SA, decided before the job */
	uint16_t child_err;		/* the notify to answer with instead, or 0 */
	struct v2_suite suite;
	struct v2_proposal child_accepted;	/* the ESP proposal chosen */
	uint32_t spi_out;
	struct ike_ts chosen_i, chosen_r;
	bool transport;
	bool initial_contact;		/* responder: the request carried INITIAL_CONTACT */
	/*
	 * The Configuration payload (RFC 7296 2.19, 3.15). Responder: the
	 * request as decoded, and the initiator's TSi kept for narrowing to
	 * the address leased once the peer is authenticated. Initiator: the
	 * reply, committed to the SA once the responder is authenticated.
	 */
	bool cp;			/* a CFG_REQUEST (responder) / CFG_REPLY (initiator) came */
	bool need_lease;		/* responder: the child waits for a lease of the peer's pool */
	struct v2_cfg cfg;
	struct ike_ts_set tsi;
	uint16_t our_len;
	uint8_t our_auth[V2_AUTH_MAX];	/* our AUTH data */
};

static int fetch_psk(struct ike_sa *sa)
{
	struct ike_setup *s = sa->setup;
	uint8_t *buf;
	int n;

	if (s->psk)
		return 0;
	buf = malloc(PSK_MAX);
	if (!buf)
		return -ENOMEM;
	n = sa->w->d->psk_lookup(sa->w->d->psk_ctx, ike_sa_id_local(sa), sa->ext->id_remote, buf,
				 PSK_MAX);
	if (n < 0) {
		crypto_wipe(buf, PSK_MAX);
		free(buf);
		return n;
	}
	s->psk = buf;
	s->psk_len = (uint32_t)n;
	return 0;
}

static struct v2_auth_pend *pend_of(struct ike_sa *sa)
{
	if (!sa->setup->auth)
		sa->setup->auth = calloc(1, sizeof(*sa->setup->auth));
	return sa->setup->auth;
}

/*
 * The octets one side signs: the initiator its IKE_SA_INIT request and Nr,
 * the responder its response and Ni, with prf(SK_px, its ID).
 */
static int octets(struct ike_sa *sa, bool of_initiator, const struct ike_id *id, uint8_t **out,
		  size_t *len)
{
	const struct ike_setup *s = sa->setup;

	return ike_auth_octets(sa->suite.prf, of_initiator ? s->init_req : s->init_resp,
			       of_initiator ? s->init_req_len : s->init_resp_len,
			       of_initiator ? s->nr : s->ni, of_initiator ? s->nr_len : s->ni_len,
			       s->sk_p + (of_initiator ? 0 : s->sk_p_len), s->sk_p_len, id, out,
			       len);
}

/*
 * How we authenticate: a signature when the connection lets us and we have
 * a key it allows, else the PSK when it lets us. Fills pend->ours; returns
 * 0, or -ENOKEY with *why set.
 */
static int choose_ours(struct ike_sa *sa, struct v2_auth_pend *p, const char **why)
{
	const struct ike_auth_policy *pol = &sa->conn->cfg->auth[sa->this_end];
	struct crypto_privkey *key = NULL;
	int rc = -ENOKEY;

	*why = "no private key, and the connection does not allow a pre-shared key";
	if (pol->classes & IKE_AUTHC_SIG)
		key = ike_auth_our_key(sa);
	if (key) {
		rc = ike_auth_plan_sign(pol, crypto_privkey_kind(key), crypto_privkey_curve(key),
					sa->setup->peer_hashes, &p->ours, why);
		crypto_privkey_unref(key);
		if (rc == 0)
			return 0;
		rc = -ENOKEY;
	} else if (pol->classes & IKE_AUTHC_SIG && !(pol->classes & IKE_AUTHC_PSK)) {
		*why = sa->conn->cfg->creds[sa->this_end].cert
			       ? "no private key for our certificate"
			       : "no certificate (--cert) and no private key for our ID in the secrets";
	}
	if (pol->classes & IKE_AUTHC_PSK) {
		if (fetch_psk(sa) < 0) {
			*why = "no pre-shared key for this pair of IDs";
			return -ENOKEY;
		}
		p->ours = (struct ike_auth_plan){ .method = V2_AUTH_PSK };
		return 0;
	}
	return rc;
}

/* Our PSK MIC into pend. Returns 0 or -errno. */
static int psk_ours(struct ike_sa *sa, struct v2_auth_pend *p)
{
	uint8_t *o = NULL;
	size_t len;
	int n = octets(sa, sa->initiator, ike_sa_id_local(sa), &o, &len);

	if (n == 0)
		n = ike_auth_psk(sa->suite.prf, sa->setup->psk, sa->setup->psk_len, o, len,
				 p->our_auth, sizeof(p->our_auth));
	free(o);
	if (n < 0)
		return n;
	p->our_len = (uint16_t)n;
	return 0;
}

/* Our signature request; the octets are the caller's to free. */
static int sign_request(struct ike_sa *sa, struct v2_auth_pend *p, struct ike_auth_sign *sg,
			uint8_t **oct)
{
	size_t len;
	int rc = octets(sa, sa->initiator, ike_sa_id_local(sa), oct, &len);

	if (rc < 0)
		return rc;
	sg->key = ike_auth_our_key(sa);
	if (!sg->key)
		return -ENOKEY;
	sg->plan = p->ours;
	sg->octets = *oct;
	sg->octets_len = len;
	return 0;
}

/*
 * The peer's AUTH: its plan against its policy, and, for a PSK, the check
 * (cheap, done here). For a signature, fills v (references borrowed from
 * the connection and the published credentials; the job takes its own) and
 * returns 1. Returns 0 when the peer is authenticated already, or -errno
 * with *why.
 */
static int peer_auth(struct ike_sa *sa, const struct v2_msg *m, struct v2_auth_pend *p,
		     struct ike_auth_verify *v, uint8_t **oct, const char **why)
{
	const struct v2_payload *auth = v2_msg_get(m, V2_PL_AUTH);
	uint8_t peer_end = (uint8_t)(1 - sa->this_end);
	const struct connection *conn = sa->conn;
	const uint8_t *sig;
	size_t sig_len, len;
	int rc;

	rc = ike_auth_parse(&conn->cfg->auth[peer_end], ike_auth_our_hashes(), auth->u.auth.method,
			    auth->u.auth.data, auth->u.auth.len, &v->plan, &sig, &sig_len, why);
	if (log_debug_is_on(DBG_BASE) && auth->u.auth.method == V2_AUTH_DIGITAL_SIG) {
		char hex[2 * 256 + 1] = "";
		size_t n = auth->u.auth.data[0];

		for (size_t i = 0; i < n && i < 256 && 1 + i < auth->u.auth.len; i++)
			snprintf(hex + 2 * i, 3, "%02x", auth->u.auth.data[1 + i]);
		dbg(DBG_BASE, "#%llu: the peer's AlgorithmIdentifier %s", (unsigned long long)sa->serial,
		    hex);
	}
	if (rc < 0)
		return rc;
	p->theirs = v->plan;
	rc = octets(sa, !sa->initiator, &p->peer, oct, &len);
	if (rc < 0) {
		*why = "cannot compute the signed octets";
		return rc;
	}
	if (v->plan.method == V2_AUTH_PSK) {
		if (fetch_psk(sa) < 0) {
			*why = "no pre-shared key for this pair of IDs";
			return -ENOKEY;
		}
		rc = ike_auth_psk_check(sa->suite.prf, sa->setup->psk, sa->setup->psk_len, *oct,
					len, sig, sig_len);
		if (rc < 0) {
			*why = "AUTH does not verify (wrong pre-shared key)";
			return rc;
		}
		p->peer_psk = true;
		return 0;
	}
	v->sig = sig;
	v->sig_len = sig_len;
	v->octets = *oct;
	v->octets_len = len;
	v->id = p->peer;
	for (int i = v2_msg_find(m, V2_PL_CERT, 0); i >= 0 && v->ncerts < IKE_AUTH_PEER_CERTS;
	     i = v2_msg_find(m, V2_PL_CERT, i + 1)) {
		const struct v2_cert *c = &m->pl[i].u.cert;

		if (c->encoding != V2_CERT_X509_SIG || !c->len)
			continue;	/* other encodings (hash and URL, raw keys) are not used */
		v->certs[v->ncerts] = c->data;
		v->cert_len[v->ncerts++] = c->len;
	}
	return 1;
}

/* Once both ends are proven: who, and how (libreswan logs the same). */
static void log_authenticated(struct ike_sa *sa, const char *subject)
{
	struct v2_auth_pend *p = sa->setup->auth;
	char id[IKE_ID_STRLEN], theirs[96], ours[96];

	ike_sa_progress(sa, RC_LOG, "authenticated peer %s with %s%s%s%s, ourselves with %s",
			ike_id_str(&p->peer, id, sizeof(id)),
			ike_auth_plan_str(&p->theirs, theirs, sizeof(theirs)),
			subject && subject[0] ? " and certificate '" : "",
			subject && subject[0] ? subject : "", subject && subject[0] ? "'" : "",
			ike_auth_plan_str(&p->ours, ours, sizeof(ours)));
}

static void build_id(struct v2_build *b, uint8_t type, const struct ike_id *id)
{
	struct v2_id p = { .type = id->type, .len = id->len, .data = id->data };
	v2_build_id(b, type, &p);
}

/* Our CERT payloads: the end certificate, then intermediates per --sendca. */
static void build_certs(struct ike_sa *sa, struct v2_build *b)
{
	const struct crypto_cert *certs[1 + IKE_CHAIN_MAX];
	size_t n = ike_auth_certs_to_send(sa, certs, 1 + IKE_CHAIN_MAX);

	for (size_t i = 0; i < n; i++) {
		struct v2_cert c = { .encoding = V2_CERT_X509_SIG };
		size_t len;

		c.data = crypto_cert_der(certs[i], &len);
		c.len = (uint16_t)len;
		v2_build_cert(b, &c);
	}
}

/*
 * A CERTREQ naming our anchors, when the peer may authenticate with a
 * certificate. A responder's IKE_SA_INIT response names the anchors loaded
 * when it is first built, and keeps a reference to them (ike_setup's
 * certreq_trust): built again (resp_rebuilt), it names the same ones even
 * if they were reloaded meanwhile.
 */
static void build_certreq(struct ike_sa *sa, struct v2_build *b)
{
	struct ike_setup *s = sa->setup;
	uint8_t data[20 * 64];
	const struct ike_creds *c;
	int n = 0;

	if (!(sa->conn->cfg->auth[1 - sa->this_end].classes & IKE_AUTHC_SIG))
		return;
	if (!sa->initiator && s->certreq_fixed) {
		if (s->certreq_trust)
			n = ike_certreq_data(s->certreq_trust, data, sizeof(data));
	} else {
		rcu_read_lock();
		c = ike_creds_get_rcu(sa->w->d);
		if (c)
			n = ike_certreq_data(c->trust, data, sizeof(data));
		if (!sa->initiator) {
			s->certreq_trust = c ? crypto_trust_ref(c->trust) : NULL;
			s->certreq_fixed = true;
		}
		rcu_read_unlock();
	}
	if (n > 0) {
		struct v2_cert cr = { .encoding = V2_CERT_X509_SIG, .len = (uint16_t)n,
				      .data = data };
		v2_build_certreq(b, &cr);
	}
}

void v2_auth_init_payloads(struct ike_sa *sa, struct v2_build *b)
{
	uint8_t data[16];
	struct v2_notification n = { .type = V2N_SIGNATURE_HASH_ALGORITHMS, .data = data };
	bool sigs =
		(sa->conn->cfg->auth[0].classes | sa->conn->cfg->auth[1].classes) & IKE_AUTHC_SIG;

	bool hashes;

	if (!sa->initiator && sa->setup->resp_rebuilt)	/* built again: as it went the first time */
		hashes = sa->setup->sent_hashes;
	else
		hashes = sigs && (sa->initiator || sa->setup->peer_hashes) &&
			 !impair_consume(IMPAIR_OMIT_SIGHASH);
	if (hashes) {
		n.len = (uint16_t)ike_sighash_encode(ike_auth_our_hashes(), data, sizeof(data));
		v2_build_notify(b, &n);
		sa->setup->sent_hashes = true;
	}
	if (!sa->initiator)
		build_certreq(sa, b);
}

void v2_auth_init_note(struct ike_sa *sa, const struct v2_msg *m)
{
	const struct v2_notification *n = v2_msg_notify(m, V2N_SIGNATURE_HASH_ALGORITHMS);
	int mask = n ? ike_sighash_decode(n->data, n->len) : 0;

	sa->setup->peer_hashes = mask > 0 ? (uint8_t)mask : 0;
	sa->setup->peer_certreq = v2_msg_get(m, V2_PL_CERTREQ) != NULL;
}

static void note_certreq(struct ike_sa *sa, const struct v2_msg *m)
{
	if (v2_msg_get(m, V2_PL_CERTREQ))
		sa->setup->peer_certreq = true;
}

static bool wants_child(const struct connection *c)
{
	return (c->spec->policy & (POL_ENCRYPT | POL_AUTHENTICATE)) != 0;
}

/* Move an SA to the NAT-T port when a NAT was detected (RFC 7296 2.23). */
static void float_to_natt(struct ike_sa *sa)
{
	if (sa->nat_local || sa->nat_peer)
		ike_sa_float_natt(sa);
}

/* The job's result back into the transition table. */
static void auth_job_done(struct ike_sa *sa, struct ike_auth_result *r)
{
	struct ike_input in = { .auth = r, .task = V2T_SETUP, .phase = V2_PHASE_AUTH };

	v2_dispatch(sa, IKE_EV_CRYPTO, &in);
}

/* ---- initiator ---- */

/* Our CFG_REQUEST (RFC 7296 2.19): an address of the Child SA's family, DNS, domains. */
static void build_cp_request(struct v2_build *b, sa_family_t af)
{
	struct v2_cfg r = { .type = V2_CFG_REQUEST };
	struct v2_cp cp;
	uint8_t vals[16];

	if (impair_get(IMPAIR_CP_REQUEST_PCSCF))
		r.want |= V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6;
	if (impair_get(IMPAIR_CP_REQUEST_PCSCF_LEGACY)) {
		r.want |= V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6;
		r.pcscf4_type = V2_CFG_P_CSCF_LEGACY_A;
		r.pcscf6_type = V2_CFG_P_CSCF_LEGACY_B;
	}
	r.want |= (af == AF_INET6 ? V2_CFGW_IP6 | V2_CFGW_DNS6 : V2_CFGW_IP4 | V2_CFGW_DNS4) |
		 V2_CFGW_DOMAIN;
	if (impair_get(IMPAIR_CP_REQUEST_BOTH))
		r.want |= V2_CFGW_IP4 | V2_CFGW_IP6 | V2_CFGW_DNS4 | V2_CFGW_DNS6;
	if (v2_cfg_encode(&r, &cp, vals, sizeof(vals)) == 0)
		v2_build_cp(b, &cp);
}

/*
 * The responder's CFG_REPLY for a --modecfgclient: an address of the
 * Child SA's family, which the narrowed TSi must be. Into pend; false
 * when the reply is missing, malformed or does not fit.
 */
static bool cp_reply_read(struct ike_sa *sa, const struct v2_msg *m, struct v2_auth_pend *p,
			  const struct ike_ts *tsi)
{
	const struct v2_payload *cp = v2_msg_get(m, V2_PL_CP);
	const char *why = "no CP payload";
	char name[CONN_NAME_MAX + 32];

	if (cp && cp->u.cp->type != V2_CFG_REPLY)
		why = "a CP payload that is not a CFG_REPLY";
	else if (cp && v2_cfg_decode(cp->u.cp, &p->cfg, &why) == 0)
		why = NULL;
	if (!why) {
		sa_family_t af = tsi->start.af;
		const struct ip_addr *got = af == AF_INET6 ? &p->cfg.ip6 : &p->cfg.ip4;
		struct ip_subnet host;

		if (!(af == AF_INET6 ? p->cfg.has_ip6 : p->cfg.has_ip4))
			why = "no address of the Child SA's family in the CFG_REPLY";
		else if (ip_addr_is_unspecified(got))
			why = "an unspecified address in the CFG_REPLY";
		else if (ike_ts_to_subnet(tsi, &host) < 0 ||
			 !((host.prefix == ip_addr_bits(got) && ip_addr_eq(&host.addr, got)) ||
			   (af == AF_INET6 && p->cfg.ip6_prefix && host.prefix == p->cfg.ip6_prefix &&
			    ip_subnet_contains(&host, got))))
			why = "the responder's TSi is neither the address it gave us nor its prefix";
	}
	if (why) {
		log_limited(LOG_WARNING, 10, "bad CFG_REPLY", "%s: %s",
			    ike_sa_name(sa, name, sizeof(name)), why);
		return false;
	}
	p->cp = true;
	return true;
}

/*
 * The address (and DNS) the responder gave us, once it is authenticated.
 * Only a --modecfgclient's IKE SA carries the record. False: no memory.
 */
static bool cp_commit(struct ike_sa *sa, const struct v2_auth_pend *p)
{
	char a[IP_ADDR_STRLEN];
	size_t n = 0;

	if (!p->cp)
		return true;
	if (!sa->ext->given && !(sa->ext->given = calloc(1, sizeof(*sa->ext->given))))
		return false;
	struct ike_cp_given *l = sa->ext->given;
	if (p->cfg.has_ip4)
		l->assigned[0] = p->cfg.ip4;
	if (p->cfg.has_ip6) {
		l->assigned[1] = p->cfg.ip6;
		l->prefix6 = p->cfg.ip6_prefix;
	}
	l->dns_info[0] = l->domain_info[0] = '\0';
	for (unsigned i = 0; i < p->cfg.ndns4 + p->cfg.ndns6; i++) {
		const struct ip_addr *d = i < p->cfg.ndns4 ? &p->cfg.dns4[i]
							   : &p->cfg.dns6[i - p->cfg.ndns4];
		int k = snprintf(l->dns_info + n, sizeof(l->dns_info) - n, "%s%s", n ? " " : "",
				 ip_addr_str(d, a));
		if (k < 0 || (size_t)k >= sizeof(l->dns_info) - n)
			break;
		n += (size_t)k;
	}
	n = 0;
	l->pcscf_info[0] = '\0';
	for (unsigned i = 0; i < p->cfg.npcscf; i++) {
		int k = snprintf(l->pcscf_info + n, sizeof(l->pcscf_info) - n, "%s%s", n ? " " : "",
				 ip_addr_str(&p->cfg.pcscf[i], a));
		if (k < 0 || (size_t)k >= sizeof(l->pcscf_info) - n)
			break;
		n += (size_t)k;
	}
	n = 0;
	for (unsigned i = 0; i < p->cfg.ndomains; i++) {
		int k = snprintf(l->domain_info + n, sizeof(l->domain_info) - n, "%s%s",
				 n ? " " : "", p->cfg.domains[i].name);
		if (k < 0 || (size_t)k >= sizeof(l->domain_info) - n)
			break;
		n += (size_t)k;
	}
	for (int fam = 0; fam < 2; fam++)
		if (l->assigned[fam].af != AF_UNSPEC)
			ike_sa_progress(sa, RC_LOG, "received %s address %s",
					fam ? "INTERNAL_IP6_ADDRESS" : "INTERNAL_IP4_ADDRESS",
					ip_addr_str(&l->assigned[fam], a));
	if (l->dns_info[0])
		ike_sa_progress(sa, RC_LOG, "received DNS server(s) %s%s%s", l->dns_info,
				l->domain_info[0] ? ", domain(s) " : "", l->domain_info);
	if (l->pcscf_info[0])
		ike_sa_progress(sa, RC_LOG, "received P-CSCF server(s) %s", l->pcscf_info);
	return true;
}

static void auth_send(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_setup *s = sa->setup;
	struct v2_auth_pend *p = s->auth;
	struct v2_build b;
	size_t len;
	struct v2_auth a = { .method = p->ours.method, .len = p->our_len, .data = p->our_auth };

	v2_start(sa, &b, V2_IKE_AUTH, false, sa->msgid_next, true);
	build_id(&b, V2_PL_IDI, ike_sa_id_local(sa));
	if (p->ours.method != V2_AUTH_PSK &&
	    ike_connection_sends_cert(sa->conn, sa->this_end, true, s->peer_certreq))
		build_certs(sa, &b);
	if (ike_sa_sends_initial_contact(sa)) {
		struct v2_notification n = { .type = V2N_INITIAL_CONTACT };
		v2_build_notify(&b, &n);
	}
	build_certreq(sa, &b);
	if (!ike_id_is_any(sa->ext->id_remote) && !ike_id_is_fromcert(sa->ext->id_remote) &&
	    !(sa->ext->id_remote->type == V2_ID_DER_ASN1_DN &&
	      crypto_dn_has_wildcard(sa->ext->id_remote->data, sa->ext->id_remote->len)))
		build_id(&b, V2_PL_IDR, sa->ext->id_remote);
	v2_build_auth(&b, &a);
	v2_window_announce(sa, &b);
	if (c && ike_connection_is_cp_client(sa->conn, sa->this_end))
		build_cp_request(&b, c->ts_local.start.af);
	if (c) {
		struct proposal_set esp;
		struct v2_ts ts;
		uint8_t spi[4] = { (uint8_t)(c->spi_in >> 24), (uint8_t)(c->spi_in >> 16),
				   (uint8_t)(c->spi_in >> 8), (uint8_t)c->spi_in };
		if (c->transport) {
			struct v2_notification n = { .type = V2N_USE_TRANSPORT_MODE };
			v2_build_notify(&b, &n);
		}
		ike_connection_auth_esp(sa->conn, &esp);
		proposal_set_to_sa(&esp, V2_PROTO_ESP, spi, 4, sa->w->sa_scratch);
		v2_build_sa(&b, sa->w->sa_scratch);
		v2_ts_to_wire(&c->ts_local, &ts);
		v2_build_ts(&b, V2_PL_TSI, &ts);
		v2_ts_to_wire(&c->ts_remote, &ts);
		v2_build_ts(&b, V2_PL_TSR, &ts);
	}
	if (v2_seal(sa, &b, &len) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "cannot build the IKE_AUTH request");
		return;
	}
	sa->state = IKE_I_AUTH_SENT;
	ike_stats_auth_start(sa);
	sa->msgid_next++;
	ike_sa_progress(sa, RC_LOG, "sent IKE_AUTH request");
	v2_send_request(sa, sa->w->txbuf, len);
}

/* The Child SA's SPI is there: make our AUTH (a job for a signature), then send. */
static void initiator_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v2_auth_pend *p = sa->setup->auth;
	struct ike_auth_sign sg = { 0 };
	uint8_t *oct = NULL;
	int rc;

	if (status < 0) {
		ike_sa_fail(sa, RC_FATAL, "the kernel gave no SPI for the Child SA: %s",
			    strerror(-status));
		return;
	}
	if (p->ours.method == V2_AUTH_PSK) {
		if (psk_ours(sa, p) < 0) {
			ike_sa_fail(sa, RC_CRYPTOFAILED, "computing AUTH failed");
			return;
		}
		auth_send(sa, c);
		return;
	}
	rc = sign_request(sa, p, &sg, &oct);
	if (rc == 0)
		rc = ike_auth_submit(sa, NULL, &sg, auth_job_done);
	crypto_privkey_unref(sg.key);
	free(oct);
	if (rc < 0) {
		ike_sa_fail(sa, rc == -ENOKEY ? RC_NOKEY : RC_CRYPTOFAILED,
			    "cannot sign our AUTH: %s", rc == -ENOKEY ? "no private key" : strerror(-rc));
		return;
	}
	sa->state = IKE_I_AUTH_SIGN;
}

void v2_auth_i_signed(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_auth_pend *p = sa->setup->auth;
	struct ike_auth_result *r = in->auth;

	if (r->sign != 0 || r->auth_len > sizeof(p->our_auth)) {
		ike_sa_fail(sa, RC_CRYPTOFAILED, "signing our AUTH failed: %s",
			    strerror(r->sign < 0 ? -r->sign : EIO));
		return;
	}
	memcpy(p->our_auth, r->auth, r->auth_len);
	p->our_len = r->auth_len;
	auth_send(sa, sa->children);
}

void v2_auth_start(struct ike_sa *sa)
{
	struct connection *conn = sa->conn;
	struct v2_auth_pend *p;
	const char *why;

	float_to_natt(sa);
	p = pend_of(sa);
	if (!p) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	if (choose_ours(sa, p, &why) < 0) {
		char l[300], r[300];
		ike_sa_fail(sa, RC_NOKEY, "cannot authenticate as %s to %s: %s",
			    ike_id_str(ike_sa_id_local(sa), l, sizeof(l)),
			    ike_id_str(sa->ext->id_remote, r, sizeof(r)), why);
		return;
	}
	if (!wants_child(conn)) {
		initiator_spi_done(sa, NULL, 0);
		return;
	}
	struct child_sa *c = ike_child_new(sa, sa->conn, sa->this_end);
	if (!c) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	c->we_initiated = true;	/* our IKE_AUTH carries it: its keys go i->r first */
	c->transport = !(conn->spec->policy & POL_TUNNEL);
	c->encap = sa->nat_local || sa->nat_peer;
	c->ts_local = *conn->ts[sa->this_end];
	c->ts_remote = *conn->ts[1 - sa->this_end];
	if (ike_connection_is_cp_client(conn, sa->this_end)) {
		/* any address of the family: the responder narrows it to the one it gives */
		c->ts_local = ike_conn_family_ts(conn, sa->this_end, c->ts_remote.start.af);
	}
	sa->state = IKE_I_SPI_ALLOC;
	if (v2_child_alloc_spi(sa, c, initiator_spi_done) < 0)
		ike_sa_fail(sa, RC_INTERNALERR, "cannot ask the kernel for an SPI");
}

static void initiator_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		ike_sa_progress(sa, RC_FATAL,
				"the kernel refused the Child SA (%s); it is deleted and the peer told",
				strerror(-status));
		v2_child_delete_tell_peer(sa, c);
		ike_child_unlink_free(sa, c);
	} else {
		v2_child_established(sa, c);
	}
	ike_sa_setup_free(sa);
	ike_sa_progress_done(sa);
}

/*
 * The response's Child SA, read into the larval child before the peer is
 * authenticated; nothing is installed or told until it is.
 */
static void response_child_read(struct ike_sa *sa, const struct v2_msg *m, struct v2_auth_pend *p)
{
	struct child_sa *c = sa->children;
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *tsi = v2_msg_get(m, V2_PL_TSI),
				*tsr = v2_msg_get(m, V2_PL_TSR);
	struct proposal_set esp;
	struct ike_ts_set si, sr;

	p->err = v2_first_error(m);
	if (!c) {
		p->child = CHILD_NONE;
		return;
	}
	if (!sa_pl || !tsi || !tsr) {
		p->child = CHILD_MISSING;
		return;
	}
	ike_connection_auth_esp(sa->conn, &esp);
	if (proposal_check_reply(&esp, sa_pl->u.sa, V2_PROTO_ESP, &c->suite) < 0 ||
	    sa_pl->u.sa->props[0].spi_size != 4 || v2_ts_from_wire(tsi->u.ts, &si) < 0 ||
	    v2_ts_from_wire(tsr->u.ts, &sr) < 0 || !ike_ts_set_within(&si, &c->ts_local) ||
	    !ike_ts_set_within(&sr, &c->ts_remote)) {
		p->child = CHILD_BAD;
		return;
	}
	const uint8_t *spi = sa_pl->u.sa->props[0].spi;
	c->spi_out = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
	if (ike_connection_is_cp_client(sa->conn, sa->this_end) &&
	    !cp_reply_read(sa, m, p, &si.ts[0])) {
		p->child = CHILD_BAD;
		return;
	}
	c->ts_local = si.ts[0];
	c->ts_remote = sr.ts[0];
	if (c->transport && !v2_msg_notify(m, V2N_USE_TRANSPORT_MODE))
		c->transport = false;	/* the responder chose tunnel mode */
	p->child = CHILD_OK;
}

/* The responder is authenticated: the IKE SA is up; install its Child SA. */
static void initiator_authenticated(struct ike_sa *sa)
{
	struct v2_auth_pend *p = sa->setup->auth;
	struct child_sa *c = sa->children;
	uint16_t err = p->err;

	if (ike_sa_set_peer_id(sa, &p->peer) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	if (p->peer_psk)
		log_authenticated(sa, NULL);
	v2_ike_established(sa);
	ike_stats_established(sa, IKE_XS_AUTH);
	if (v2_redirect_after_auth(sa))
		return;
	if (p->child == CHILD_OK && !cp_commit(sa, p))
		p->child = CHILD_BAD;	/* no memory to keep the address: no Child SA on it */
	switch (p->child) {
	case CHILD_NONE:
		ike_sa_setup_free(sa);
		ike_sa_progress_done(sa);
		return;
	case CHILD_MISSING:
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		ike_sa_progress(sa, err ? v2_notify_rc(err) : RC_FATAL,
				"IKE SA up, but the Child SA was refused%s%s", err ? " with " : "",
				err ? v2_notify_name(err) : "");
		ike_child_unlink_free(sa, c);
		ike_sa_setup_free(sa);
		ike_sa_progress_done(sa);
		return;
	case CHILD_BAD:
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		ike_sa_progress(sa, RC_FATAL,
				"IKE SA up, but the responder's Child SA answer is unacceptable");
		v2_child_delete_tell_peer(sa, c);
		ike_child_unlink_free(sa, c);
		ike_sa_setup_free(sa);
		ike_sa_progress_done(sa);
		return;
	default:
		break;
	}
	size_t half = crypto_esp_keymat_len(&c->suite);
	uint8_t keymat[2 * 160];
	if (2 * half > sizeof(keymat) || v2_child_keymat(sa, c, keymat, 2 * half) < 0 ||
	    v2_child_install(sa, c, keymat, 2 * half, initiator_installed) < 0) {
		crypto_wipe(keymat, sizeof(keymat));
		initiator_installed(sa, c, -ENOMEM);
		return;
	}
	crypto_wipe(keymat, sizeof(keymat));
}

static void initiator_auth_failed(struct ike_sa *sa, const char *why)
{
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
	ike_sa_fail(sa, v2_notify_rc(V2N_AUTHENTICATION_FAILED),
		    "the responder's AUTH does not verify: %s", why);
}

void v2_auth_response(struct ike_sa *sa, struct ike_input *in)
{
	struct net_rx *rx = in->rx;
	struct v2_msg *m = in->m;
	struct v2_auth_pend *p = sa->setup->auth;
	const struct v2_payload *idr = v2_msg_get(m, V2_PL_IDR), *auth = v2_msg_get(m, V2_PL_AUTH);
	struct ike_auth_verify v = { 0 };
	uint16_t err = v2_first_error(m);
	uint8_t *oct = NULL;
	const char *why = NULL;
	char buf[300];
	int rc;

	if (sa->state != IKE_I_AUTH_SENT) {
		v2_drop(sa->w, rx, "IKE_AUTH response in the wrong state");
		return;
	}
	v2_request_done(sa);
	if (!idr || !auth) {
		ike_sa_fail(sa, err ? v2_notify_rc(err) : RC_FATAL, "IKE_AUTH rejected%s%s",
			    err ? " with " : "", err ? v2_notify_name(err) : " (no IDr or AUTH)");
		return;
	}
	if (ike_id_from_payload(idr->u.id.type, idr->u.id.data, idr->u.id.len, &p->peer) < 0) {
		ike_sa_fail(sa, RC_BADID, "the responder's ID payload is malformed");
		return;
	}
	if (!ike_id_match(sa->ext->id_remote, &p->peer)) {
		ike_sa_fail(sa, RC_BADID, "the responder identified as %s, expected %s",
			    ike_id_str(&p->peer, buf, sizeof(buf)),
			    ike_id_str(sa->ext->id_remote, buf + 150, 150));
		return;
	}
	response_child_read(sa, m, p);
	v2_redirect_auth_note(sa, m);
	rc = peer_auth(sa, m, p, &v, &oct, &why);
	if (rc == 0) {
		free(oct);
		initiator_authenticated(sa);
		return;
	}
	if (rc < 0) {
		free(oct);
		initiator_auth_failed(sa, why);
		return;
	}
	ike_auth_peer_creds(sa, &v);
	rc = ike_auth_submit(sa, &v, NULL, auth_job_done);
	ike_auth_peer_creds_drop(&v);
	free(oct);
	if (rc < 0) {
		ike_sa_fail(sa, RC_CRYPTOFAILED, "cannot check the responder's AUTH: %s",
			    strerror(-rc));
		return;
	}
	sa->state = IKE_I_AUTH_VERIFY;
}

void v2_auth_i_checked(struct ike_sa *sa, struct ike_input *in)
{
	struct ike_auth_result *r = in->auth;

	ike_auth_note_crl(sa, r);
	if (r->verify != 0) {
		initiator_auth_failed(sa, r->why);
		return;
	}
	log_authenticated(sa, r->subject);
	initiator_authenticated(sa);
}

/* ---- responder ---- */

/*
 * The peer is authenticated: lease it an address of each family it asked
 * for that the connection has a pool of (the one of its Child SA's family
 * first), and narrow the Child SA's TSi to it. Returns 0, or the notify
 * that refuses the Child SA: INTERNAL_ADDRESS_FAILURE when the pool has
 * no address left (counted by the pool) or no pool serves that family.
 */
static uint16_t lease_for_child(struct ike_sa *sa, struct v2_auth_pend *p)
{
	const struct connection *conn = sa->conn;
	uint8_t pe = (uint8_t)(1 - sa->this_end);
	sa_family_t af = conn->ts[pe]->start.af;
	static const uint32_t want[2] = { V2_CFGW_IP4, V2_CFGW_IP6 };
	int first = ike_lease_fam(af);
	struct ike_lease *lease = ike_sa_lease_slot(sa);	/* the client's instance's */
	struct ike_id key;
	char name[CONN_NAME_MAX + 32], a[IP_ADDR_STRLEN];

	if (!lease)
		return V2N_INTERNAL_ADDRESS_FAILURE;	/* out of memory */

	ike_lease_key(sa->ext->id_remote, sa->serial, &key);
	for (int k = 0; k < 2; k++) {
		int fam = k == 0 ? first : 1 - first;
		struct ike_pool *pool = conn->cfg->pool[pe][fam];
		int rc;

		if (!pool || !(p->cfg.want & want[fam]))
			continue;
		rc = ike_lease_take(lease, pool, &key);
		if (rc == -ENOSPC || rc == -ENOMEM) {
			char pn[2 * IP_ADDR_STRLEN + 2];
			log_limited(LOG_WARNING, 10, "address pool exhausted",
				    "%s: no address left in the pool %s for the client%s",
				    ike_sa_name(sa, name, sizeof(name)),
				    ike_pool_str(pool, pn, sizeof(pn)),
				    rc == -ENOMEM ? " (out of memory)" : "");
			if (fam == first)
				return V2N_INTERNAL_ADDRESS_FAILURE;
			continue;	/* the other family is a bonus */
		}
		if (rc == 0)
			dbg(DBG_BASE, "%s: leased %s", ike_sa_name(sa, name, sizeof(name)),
			    ip_addr_str(&lease->addr[fam], a));
	}
	if (!ike_lease_has(lease, af)) {
		/* not asked for, or no pool of that family: no Child SA, so no CP reply either */
		ike_lease_release(lease);
		return V2N_INTERNAL_ADDRESS_FAILURE;
	}
	struct ike_ts ours = ike_conn_remote_ts_sa(conn, sa->this_end, &sa->peer, lease);
	if (ike_ts_narrow(&p->tsi, &ours, &p->chosen_i) < 0) {
		/*
		 * A TSi that does not hold the address: libreswan's clients send
		 * their own outer address there, a placeholder for the address
		 * they ask for. The Child SA is the leased address's, as
		 * libreswan's responder makes it.
		 */
		dbg(DBG_BASE, "%s: TSi does not hold the leased address: the Child SA takes it",
		    ike_sa_name(sa, name, sizeof(name)));
		p->chosen_i = ours;
	}
	return 0;
}

/* Our CFG_REPLY: the leased addresses, the connection's DNS servers and domains. */
static void build_cp_reply(struct ike_sa *sa, struct v2_build *b, const struct v2_auth_pend *p)
{
	const struct ike_modecfg *mc = &sa->conn->cfg->modecfg;
	struct v2_cfg r = { .type = V2_CFG_REPLY };
	struct v2_cp cp;
	uint8_t vals[1024];
	const struct ike_lease *lease = ike_sa_lease(sa);

	if (ike_lease_has(lease, AF_INET)) {
		r.has_ip4 = true;
		r.ip4 = lease->addr[0];
	}
	if (ike_lease_has(lease, AF_INET6)) {
		r.has_ip6 = true;
		r.ip6 = lease->addr[1];
		r.ip6_prefix = ike_pool_lease_bits(lease->pool[1]);
		/*
		 * A prefix pool's lease is a whole /64 (RFC 7296 3.15.1: an
		 * address with its prefix length): the address we name in it is
		 * its interface ID ::1, not the all-zero one (the Subnet-Router
		 * anycast address, RFC 4291 2.6.1); the Child SA is the prefix.
		 */
		if (r.ip6_prefix < 128)
			r.ip6.b[15] |= 1;
	}
	for (unsigned i = 0; i < mc->ndns; i++) {
		if (mc->dns[i].af == AF_INET && r.ndns4 < V2_CFG_MAX_DNS)
			r.dns4[r.ndns4++] = mc->dns[i];
		else if (mc->dns[i].af == AF_INET6 && r.ndns6 < V2_CFG_MAX_DNS)
			r.dns6[r.ndns6++] = mc->dns[i];
	}
	r.ndomains = mc->ndomains;
	memcpy(r.domains, mc->domains, sizeof(r.domains));
	/* P-CSCF (RFC 7651) only when asked, with the attribute types it asked with (16389/16390) */
	r.pcscf4_type = p->cfg.pcscf4_type;
	r.pcscf6_type = p->cfg.pcscf6_type;
	for (unsigned i = 0; i < mc->npcscf; i++)
		if (p->cfg.want & (mc->pcscf[i].af == AF_INET6 ? V2_CFGW_PCSCF6 : V2_CFGW_PCSCF4))
			r.pcscf[r.npcscf++] = mc->pcscf[i];
	/* what we protect, when it is not everything (split tunnelling) */
	struct ip_subnet ours;
	const struct ike_ts *t = sa->conn->ts[sa->this_end];
	if (p->cfg.want & (t->start.af == AF_INET ? V2_CFGW_SUBNET4 : V2_CFGW_SUBNET6) &&
	    ike_ts_to_subnet(t, &ours) == 0 && ours.prefix > 0)
		r.subnets[r.nsubnets++] = ours;
	if (v2_cfg_encode(&r, &cp, vals, sizeof(vals)) == 0)
		v2_build_cp(b, &cp);
}


static void auth_respond(struct ike_sa *sa, struct child_sa *c, uint16_t child_err)
{
	struct ike_setup *s = sa->setup;
	struct v2_auth_pend *p = s->auth;
	struct v2_build b;
	size_t len;
	struct v2_auth a = { .method = p->ours.method, .len = p->our_len, .data = p->our_auth };

	v2_start(sa, &b, V2_IKE_AUTH, true, sa->msgid_peer, true);
	build_id(&b, V2_PL_IDR, ike_sa_id_local(sa));
	if (p->send_cert)
		build_certs(sa, &b);
	v2_build_auth(&b, &a);
	v2_window_announce(sa, &b);
	if (p->cp && c && !child_err)
		build_cp_reply(sa, &b, p);
	if (c && !child_err) {
		struct v2_sa *out = sa->w->sa_scratch;
		struct v2_ts ts;
		v2_sa_one(out, &p->child_accepted, s->child_num);
		out->props[0].spi_size = 4;
		out->props[0].spi[0] = (uint8_t)(c->spi_in >> 24);
		out->props[0].spi[1] = (uint8_t)(c->spi_in >> 16);
		out->props[0].spi[2] = (uint8_t)(c->spi_in >> 8);
		out->props[0].spi[3] = (uint8_t)c->spi_in;
		if (c->transport) {
			struct v2_notification n = { .type = V2N_USE_TRANSPORT_MODE };
			v2_build_notify(&b, &n);
		}
		v2_build_sa(&b, out);
		v2_ts_to_wire(&c->ts_remote, &ts);	/* TSi: the initiator's side */
		v2_build_ts(&b, V2_PL_TSI, &ts);
		v2_ts_to_wire(&c->ts_local, &ts);
		v2_build_ts(&b, V2_PL_TSR, &ts);
	} else if (child_err) {
		struct v2_notification n = { .type = child_err };
		v2_build_notify(&b, &n);
		ike_stats_notify_sent(sa->w, child_err);
	} else {
		v2_redirect_auth_payload(sa, &b);
	}
	if (v2_seal(sa, &b, &len) < 0) {
		ike_sa_free(sa);
		return;
	}
	v2_send_response(sa, sa->w->txbuf, len);
	bool ic = p->initial_contact;
	ike_sa_setup_free(sa);
	/*
	 * The client is up on its new SAs: only now may an older IKE SA of its
	 * ID go (with INITIAL_CONTACT whatever --uniqueids says).
	 */
	if (ic)
		ike_initial_contact_replace(sa, c && !child_err ? c : NULL);
	else
		ike_uniqueids_replace(sa, c && !child_err ? c : NULL);
}

static void auth_refuse(struct ike_sa *sa, const char *why)
{
	struct v2_build b;
	struct v2_notification n = { .type = V2N_AUTHENTICATION_FAILED };
	size_t len;
	char name[CONN_NAME_MAX + 32];

	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
	ike_stats_fail_reason(sa, IKE_FAIL_N_AUTHENTICATION_FAILED);
	log_limited(LOG_WARNING, 20, "IKE_AUTH failed", "%s: IKE_AUTH failed: %s",
		    ike_sa_name(sa, name, sizeof(name)), why);
	if (v2_start(sa, &b, V2_IKE_AUTH, true, sa->msgid_peer, true) == 0 &&
	    v2_build_notify(&b, &n) == 0 && v2_seal(sa, &b, &len) == 0) {
		ike_stats_notify_sent(sa->w, V2N_AUTHENTICATION_FAILED);
		v2_send_response(sa, sa->w->txbuf, len);
	}
	ike_sa_free(sa);
}

static void responder_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	if (status < 0) {
		char name[CONN_NAME_MAX + 32];
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_FAILED);
		log_limited(LOG_WARNING, 20, "the kernel refused the Child SA",
			    "%s: the kernel refused the Child SA (%s); telling the peer",
			    ike_sa_name(sa, name, sizeof(name)), strerror(-status));
		/* the address was the Child SA's: our answer carries no CP reply, it goes back */
		ike_lease_release(ike_sa_lease(sa));
		auth_respond(sa, NULL, V2N_NO_PROPOSAL_CHOSEN);
		ike_child_unlink_free(sa, c);
		sa->state = IKE_ESTABLISHED;
		return;
	}
	v2_child_established(sa, c);
	sa->state = IKE_ESTABLISHED;
	auth_respond(sa, c, 0);
}

static void responder_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	size_t half = crypto_esp_keymat_len(&c->suite);
	uint8_t keymat[2 * 160];

	if (status < 0 || 2 * half > sizeof(keymat) || v2_child_keymat(sa, c, keymat, 2 * half) < 0 ||
	    v2_child_install(sa, c, keymat, 2 * half, responder_installed) < 0)
		responder_installed(sa, c, status < 0 ? status : -ENOMEM);
	crypto_wipe(keymat, sizeof(keymat));
}

/*
 * The request's Child SA, decided before the peer is authenticated (the
 * connection may switch to one whose selectors fit, which also decides our
 * ID and how we authenticate): into pend, nothing committed.
 */
static void request_child_decide(struct ike_sa *sa, const struct v2_msg *m,
				 struct v2_auth_pend *p)
{
	struct ike_daemon *d = sa->w->d;
	struct ike_setup *s = sa->setup;
	const struct v2_payload *sa_pl = v2_msg_get(m, V2_PL_SA), *tsi = v2_msg_get(m, V2_PL_TSI),
				*tsr = v2_msg_get(m, V2_PL_TSR);
	struct proposal_set esp;
	uint8_t num, end;
	struct ike_ts_set si, sr;
	struct ike_ts ours_remote;

	p->child = CHILD_NONE;
	if (!sa_pl)
		return;
	p->child = CHILD_BAD;
	if (!tsi || !tsr || v2_ts_from_wire(tsi->u.ts, &si) < 0 ||
	    v2_ts_from_wire(tsr->u.ts, &sr) < 0) {
		p->child_err = V2N_TS_UNACCEPTABLE;
		return;
	}
	/*
	 * The manual: when the proposed subnets do not match, look for a
	 * connection between the same hosts and IDs that they do match.
	 */
	struct connection *fit = ike_conn_for_ts(d, &sa->local, &sa->peer, sa->ext->id_remote,
						 ike_sa_id_local(sa), &si, &sr, &end);
	if (fit && fit != sa->conn)
		ike_sa_set_conn(sa, fit, end);
	if (fit)
		ike_connection_unref(fit);
	if (!wants_child(sa->conn)) {
		p->child_err = V2N_NO_PROPOSAL_CHOSEN;
		return;
	}
	ike_connection_auth_esp(sa->conn, &esp);
	if (proposal_match(&esp, sa_pl->u.sa, V2_PROTO_ESP, &p->suite, &num, &p->child_accepted) <
	    0) {
		p->child_err = V2N_NO_PROPOSAL_CHOSEN;
		return;
	}
	if (ike_connection_has_pool(sa->conn, (uint8_t)(1 - sa->this_end))) {
		/* RFC 7296 3.15.4: a client of a pool must ask for its address */
		if (!p->cp || !(p->cfg.want & (V2_CFGW_IP4 | V2_CFGW_IP6))) {
			p->child_err = V2N_FAILED_CP_REQUIRED;
			return;
		}
		p->tsi = si;	/* narrowed to the lease once the peer is authenticated */
		p->need_lease = true;
	}
	ours_remote = ike_conn_remote_ts(sa->conn, sa->this_end, &sa->peer);
	if (ike_ts_narrow(&si, &ours_remote, &p->chosen_i) < 0 ||
	    ike_ts_narrow(&sr, sa->conn->ts[sa->this_end], &p->chosen_r) < 0) {
		p->child_err = V2N_TS_UNACCEPTABLE;
		return;
	}
	const struct v2_proposal *offered = NULL;
	for (unsigned i = 0; i < sa_pl->u.sa->nprops; i++)
		if (sa_pl->u.sa->props[i].num == num)
			offered = &sa_pl->u.sa->props[i];
	const uint8_t *spi = offered ? offered->spi : p->child_accepted.spi;
	p->spi_out = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
	p->transport = v2_msg_notify(m, V2N_USE_TRANSPORT_MODE) &&
		       !(sa->conn->spec->policy & POL_TUNNEL);
	s->child_num = num;
	p->child = CHILD_OK;
}

/* Both ends are proven: the IKE SA is up; make its Child SA, then answer. */
static void responder_authenticated(struct ike_sa *sa)
{
	struct v2_auth_pend *p = sa->setup->auth;

	/* A template's client gets its own instance, which owns all it has from now on. */
	if (ike_conn_is_template(sa->conn)) {
		struct connection *inst = ike_sa_client_conn(sa, sa->conn, sa->this_end);
		if (!inst) {
			auth_refuse(sa, "out of memory making the client's connection instance");
			return;
		}
		ike_sa_set_conn(sa, inst, sa->this_end);
		ike_conn_unuse(&sa->w->d->insts, inst);
	}
	v2_ike_established(sa);
	ike_stats_established(sa, IKE_XS_AUTH);
	if (v2_redirect_auth_wanted(sa)) {	/* RFC 5685 6: authenticated, sent elsewhere */
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, 0);
		return;
	}
	if (p->child != CHILD_OK) {
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, p->child == CHILD_NONE ? 0 : p->child_err);
		return;
	}
	if (p->need_lease) {
		uint16_t err = lease_for_child(sa, p);
		if (err) {
			sa->state = IKE_ESTABLISHED;
			auth_respond(sa, NULL, err);
			return;
		}
	}
	struct child_sa *c = ike_child_new(sa, sa->conn, sa->this_end);
	if (!c) {
		ike_lease_release(ike_sa_lease(sa));	/* no Child SA, no CP reply */
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_TEMPORARY_FAILURE);
		return;
	}
	c->spi_out = p->spi_out;
	c->suite = p->suite;
	c->ts_local = p->chosen_r;
	c->ts_remote = p->chosen_i;
	c->transport = p->transport;
	c->encap = sa->nat_local || sa->nat_peer;
	sa->state = IKE_R_CHILD;
	if (v2_child_alloc_spi(sa, c, responder_spi_done) < 0) {
		ike_child_unlink_free(sa, c);
		ike_lease_release(ike_sa_lease(sa));	/* no Child SA, no CP reply */
		sa->state = IKE_ESTABLISHED;
		auth_respond(sa, NULL, V2N_TEMPORARY_FAILURE);
	}
}

void v2_auth_request(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_msg *m = in->m;
	struct ike_daemon *d = sa->w->d;
	const struct v2_payload *idi = v2_msg_get(m, V2_PL_IDI), *auth = v2_msg_get(m, V2_PL_AUTH);
	struct ike_auth_verify v = { 0 };
	struct ike_auth_sign sg = { 0 };
	struct v2_auth_pend *p;
	uint8_t *voct = NULL, *soct = NULL;
	const char *why = NULL;
	char buf[300];
	int rc;

	/*
	 * What the half-open SA went without (ike_sa.h): its ext, and the
	 * IKE_SA_INIT response our AUTH signs. The peer resends if it cannot
	 * have them.
	 */
	if (!ike_sa_ext_get(sa) || v2_init_resp_keep(sa) < 0) {
		v2_drop(sa->w, in->rx, "out of memory for an IKE_AUTH request");
		return;
	}
	ike_stats_auth_start(sa);
	if (!idi || !auth) {
		auth_refuse(sa, auth ? "no IDi" : "no AUTH (EAP is not supported yet)");
		return;
	}
	p = pend_of(sa);
	if (!p) {
		auth_refuse(sa, "out of memory");
		return;
	}
	if (ike_id_from_payload(idi->u.id.type, idi->u.id.data, idi->u.id.len, &p->peer) < 0) {
		auth_refuse(sa, "malformed IDi");
		return;
	}
	note_certreq(sa, m);
	/* The manual: switch to the connection that names this peer ID, if any. */
	const struct ike_id *named = sa->conn->id[1 - sa->this_end];
	uint8_t end;
	struct connection *better = ike_conn_for_id(d, &sa->local, &sa->peer, &p->peer, &end);
	if (better && better != sa->conn && (ike_id_is_any(named) || !ike_id_match(named, &p->peer)))
		ike_sa_set_conn(sa, better, end);
	if (better)
		ike_connection_unref(better);
	named = sa->conn->id[1 - sa->this_end];
	if (!ike_id_match(named, &p->peer)) {
		snprintf(buf, sizeof(buf), "the peer identified as %s, which no connection accepts",
			 log_debug_is_on(DBG_PRIVATE) ? ike_id_str(&p->peer, buf + 200, 100) : "<id>");
		auth_refuse(sa, buf);
		return;
	}
	if (ike_sa_set_peer_id(sa, &p->peer) < 0) {
		auth_refuse(sa, "out of memory");
		return;
	}
	const struct v2_payload *cp = v2_msg_get(m, V2_PL_CP);
	if (cp && cp->u.cp->type == V2_CFG_REQUEST) {
		if (v2_cfg_decode(cp->u.cp, &p->cfg, &why) < 0) {
			snprintf(buf, sizeof(buf), "malformed CP payload: %s", why);
			auth_refuse(sa, buf);
			return;
		}
		p->cp = true;
	}
	request_child_decide(sa, m, p);
	p->initial_contact = v2_msg_notify(m, V2N_INITIAL_CONTACT) != NULL;

	/* the peer's AUTH: a PSK is checked now, a signature by the job */
	rc = peer_auth(sa, m, p, &v, &voct, &why);
	if (rc < 0) {
		free(voct);
		auth_refuse(sa, why);
		return;
	}
	/* ours: a PSK MIC now, a signature by the same job */
	if (choose_ours(sa, p, &why) < 0) {
		free(voct);
		auth_refuse(sa, why);
		return;
	}
	p->send_cert = p->ours.method != V2_AUTH_PSK &&
		       ike_connection_sends_cert(sa->conn, sa->this_end, false,
						 sa->setup->peer_certreq);
	if (p->ours.method == V2_AUTH_PSK && psk_ours(sa, p) < 0) {
		free(voct);
		auth_refuse(sa, "computing our AUTH failed");
		return;
	}
	if (rc == 0 && p->ours.method == V2_AUTH_PSK) {
		free(voct);
		log_authenticated(sa, NULL);
		responder_authenticated(sa);
		return;
	}
	if (rc == 1)
		ike_auth_peer_creds(sa, &v);
	if (p->ours.method != V2_AUTH_PSK)
		rc = sign_request(sa, p, &sg, &soct) < 0 ? -ENOKEY : rc;
	if (rc >= 0)
		rc = ike_auth_submit(sa, rc == 1 ? &v : NULL,
				     p->ours.method != V2_AUTH_PSK ? &sg : NULL, auth_job_done);
	if (v.trust)
		ike_auth_peer_creds_drop(&v);
	crypto_privkey_unref(sg.key);
	free(voct);
	free(soct);
	if (rc < 0) {
		auth_refuse(sa, rc == -ENOKEY ? "no private key to sign our AUTH"
					      : "cannot queue the authentication");
		return;
	}
	sa->state = IKE_R_AUTH;
}

void v2_auth_r_checked(struct ike_sa *sa, struct ike_input *in)
{
	struct v2_auth_pend *p = sa->setup->auth;
	struct ike_auth_result *r = in->auth;

	ike_auth_note_crl(sa, r);
	if (r->verify < 0) {
		auth_refuse(sa, r->why);
		return;
	}
	if (r->sign < 0 || (r->sign == 0 && r->auth_len > sizeof(p->our_auth))) {
		auth_refuse(sa, "signing our AUTH failed");
		return;
	}
	if (r->sign == 0) {
		memcpy(p->our_auth, r->auth, r->auth_len);
		p->our_len = r->auth_len;
	}
	log_authenticated(sa, r->verify == 0 ? r->subject : NULL);
	responder_authenticated(sa);
}
