/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Certificates, CRLs and public keys: the listings (--listpubkeys,
 * --listcerts, --listcacerts, --listcrls, --checkpubkeys), the rereads
 * (--rereadcrls, --rereadall, and the CRL timer of --crlcheckinterval),
 * the public key form (--keyid, --addkey, --pubkeyrsa), and publishing
 * what the workers check peers with (ike/creds.h). Output follows
 * libreswan's layout.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/dn.h"
#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "ctl/secrets.h"
#include "ctl/secrets_data.h"
#include "ike/connection.h"
#include "ike/creds.h"
#include "util/log.h"

int ctl_creds_publish(struct pluto *p)
{
	struct cert_store *s = &p->certs;
	struct ike_creds *c = ike_creds_new(s->trust, p->opts->crl_strict, s->npubs);

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < s->npubs; i++) {
		c->pub[i].id = s->pubs[i].id;
		c->pub[i].key = crypto_pubkey_ref(s->pubs[i].key);
		c->pub[i].installed = s->pubs[i].installed;
	}
	ike_creds_publish(&p->ike, c);
	return 0;
}

int ctl_certs_load(struct pluto *p, bool certs, bool crls)
{
	struct secrets_ref *r;
	int rc = 0;

	rcu_read_lock();
	r = rcu_dereference(p->secrets);
	if (certs)
		rc = cert_store_read_certs(&p->certs, r ? r->set : NULL);
	rcu_read_unlock();
	if (rc == 0 && crls)
		rc = cert_store_read_crls(&p->certs, time(NULL));
	if (rc == 0)
		rc = ctl_creds_publish(p);
	if (rc < 0)
		log_err("certificates: %s", strerror(-rc));
	return rc;
}

void ctl_certs_tick(struct pluto *p, time_t now)
{
	uint32_t every = p->opts->crlcheckinterval;

	if (!every || now < p->certs.crls_read + (time_t)every)
		return;
	dbg(DBG_BASE, "crlcheckinterval: rereading %s/crls", p->certs.dir);
	ctl_certs_load(p, false, true);
}

long ctl_certs_timeout_ms(const struct pluto *p, time_t now)
{
	uint32_t every = p->opts->crlcheckinterval;
	time_t due;

	if (!every)
		return -1;
	due = p->certs.crls_read + (time_t)every;
	return due <= now ? 0 : (long)(due - now) * 1000;
}

struct crypto_privkey *ctl_privkey_lookup(void *ctx, const struct ike_id *local)
{
	struct pluto *p = ctx;
	struct crypto_privkey *key = NULL;
	struct secrets_ref *r;
	const struct secret *e;

	rcu_read_lock();
	r = rcu_dereference(p->secrets);
	e = r ? secrets_find_privkey(r->set, local, CRYPTO_KEY_NONE) : NULL;
	if (e)
		key = crypto_privkey_ref(secrets_entry_privkey(e));
	rcu_read_unlock();
	return key;
}

static bool ckaid_is(const struct crypto_pubkey *k, const char *hex)
{
	uint8_t id[CRYPTO_CKAID_LEN];
	char s[2 * CRYPTO_CKAID_LEN + 1];

	if (!k || crypto_pubkey_ckaid(k, id) < 0)
		return false;
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(s + 2 * i, 3, "%02x", id[i]);
	return !strcasecmp(s, hex);
}

/* --ckaid: the end certificate whose key has it, else a private key that has it. */
static int by_ckaid(struct pluto *p, const char *hex, struct ike_end_creds *cr,
		    const struct cert_store_cert **sc)
{
	struct secrets_ref *r;

	for (size_t i = 0; i < p->certs.ncerts; i++) {
		if (ckaid_is(crypto_cert_pubkey(p->certs.certs[i].cert), hex)) {
			*sc = &p->certs.certs[i];
			return 0;
		}
	}
	for (size_t i = 0; i < p->certs.nkeys && !cr->key; i++) {
		struct crypto_pubkey *pub = NULL;

		if (crypto_privkey_public(p->certs.keys[i].key, &pub) == 0 && ckaid_is(pub, hex))
			cr->key = crypto_privkey_ref(p->certs.keys[i].key);
		crypto_pubkey_unref(pub);
	}
	rcu_read_lock();
	r = rcu_dereference(p->secrets);
	for (size_t i = 0; r && !cr->key && i < secrets_count(r->set); i++) {
		const struct secret *e = secrets_entry_at(r->set, i);
		struct crypto_pubkey *pub = NULL;

		if (secrets_entry_privkey(e) &&
		    crypto_privkey_public(secrets_entry_privkey(e), &pub) == 0 && ckaid_is(pub, hex))
			cr->key = crypto_privkey_ref(secrets_entry_privkey(e));
		crypto_pubkey_unref(pub);
	}
	rcu_read_unlock();
	return cr->key ? 0 : -ENOENT;
}

int ctl_conn_creds(struct pluto *p, struct connection *conn, char *err, size_t errlen)
{
	for (int i = 0; i < 2; i++) {
		const struct conn_end_spec *e = &conn->spec->end[i];
		struct ike_end_creds *cr = &conn->cfg->creds[i];
		const struct cert_store_cert *sc = NULL;

		if (e->cert) {
			sc = cert_store_find(&p->certs, e->cert);
			if (!sc) {
				snprintf(err, errlen,
					 "--cert %.100s: no certificate of that name in %.200s/certs "
					 "(a file %.100s, %.100s.pem, .crt or .der), nor a P12 entry of "
					 "the secrets", e->cert, p->certs.dir, e->cert, e->cert);
				return -ENOENT;
			}
		} else if (e->ckaid && by_ckaid(p, e->ckaid, cr, &sc) < 0) {
			snprintf(err, errlen, "--ckaid %.64s: no certificate or private key with that "
				 "CKAID", e->ckaid);
			return -ENOENT;
		}
		if (sc) {
			cr->cert = crypto_cert_ref(sc->cert);
			for (size_t k = 0; k < sc->nchain && cr->nchain < IKE_CHAIN_MAX; k++)
				cr->chain[cr->nchain++] = crypto_cert_ref(sc->chain[k]);
			if (!cr->key && sc->key)
				cr->key = crypto_privkey_ref(sc->key);
		}
		/* %fromcert, or no --id: the ID is the certificate's subject */
		if (cr->cert && (ike_id_is_fromcert(conn->id[i]) || !e->id)) {
			uint8_t dn[CRYPTO_DN_MAX];
			int n = crypto_cert_subject(cr->cert, dn, sizeof(dn));

			if (n <= 0 || n > IKE_ID_DATA_MAX) {
				snprintf(err, errlen, "--cert %.100s: its subject is longer than %d "
					 "bytes of DER, too long for an ID: give --id", e->cert ? e->cert
					 : e->ckaid, IKE_ID_DATA_MAX);
				return -EINVAL;
			}
			conn->cfg->id[i].type = V2_ID_DER_ASN1_DN;
			conn->cfg->id[i].len = (uint16_t)n;
			memcpy(conn->cfg->id[i].data, dn, (size_t)n);
			conn->cfg->id_self[i] = *conn->id[i];
		}
		if (conn->cfg->ca_dn[i] && !crypto_trust_has_ca(p->certs.trust, conn->cfg->ca_dn[i],
							  conn->cfg->ca_dn_len[i]))
			log_warn("\"%s\": --ca %s: no CA certificate in %s/cacerts has that name",
				 conn->spec->name, e->ca, p->certs.dir);
	}
	return 0;
}

/* Times as libreswan prints them; --utc says UTC. */
static const char *when(time_t t, bool utc, bool weekday, char *buf, size_t len)
{
	struct tm tm;
	size_t n;

	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	n = strftime(buf, len, weekday ? "%a %b %d %H:%M:%S %Y" : "%b %d %H:%M:%S %Y", &tm);
	if (utc && n + 5 < len)
		strcpy(buf + n, " UTC");
	return buf;
}

static bool utc_of(const struct whack_cmd *cmd)
{
	return whack_cmd_find(cmd, WO_UTC, WHACK_END_NONE) != NULL;
}

static void header(struct ctl_client *c, const char *title)
{
	ctl_comment(c, " ");
	ctl_comment(c, "%s", title);
	ctl_comment(c, " ");
}

static const char *key_desc(const struct crypto_pubkey *k, char *buf, size_t len)
{
	if (!k)
		snprintf(buf, len, "key of a kind not supported");
	else
		snprintf(buf, len, "%u bit %s", crypto_pubkey_bits(k),
			 crypto_key_kind_name(crypto_pubkey_kind(k)));
	return buf;
}

struct san_line {
	char text[1024];
	size_t n;
};

static void san_collect(void *arg, const char *kind, const char *value)
{
	struct san_line *l = arg;

	if (l->n < sizeof(l->text))
		l->n += (size_t)snprintf(l->text + l->n, sizeof(l->text) - l->n, "%s%s:%s",
					 l->n ? ", " : "", kind, value);
}

static void cert_lines(struct ctl_client *c, const char *what, const char *name,
		       const struct crypto_cert *cert, bool utc)
{
	char buf[2048], t[64];
	struct san_line sans = { .n = 0 };

	ctl_comment(c, "%s \"%s\" - SN: %s", what, name,
		    crypto_cert_serial_str(cert, buf, sizeof(buf)));
	ctl_comment(c, "  subject: %s", crypto_cert_subject_str(cert, buf, sizeof(buf)));
	ctl_comment(c, "  issuer: %s", crypto_cert_issuer_str(cert, buf, sizeof(buf)));
	crypto_cert_san_foreach(cert, san_collect, &sans);
	if (sans.n)
		ctl_comment(c, "  subjectAltName: %s", sans.text);
	ctl_comment(c, "  not before: %s", when(crypto_cert_not_before(cert), utc, true, t,
						   sizeof(t)));
	ctl_comment(c, "  not after: %s", when(crypto_cert_not_after(cert), utc, true, t,
						  sizeof(t)));
}

void ctl_cmd_listcerts(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct cert_store *s = &p->certs;
	bool utc = utc_of(cmd);

	header(c, "List of X.509 End Certificates:");
	for (size_t i = 0; i < s->ncerts; i++) {
		const struct cert_store_cert *e = &s->certs[i];
		char k[64];

		cert_lines(c, "End certificate", e->name, e->cert, utc);
		if (e->nchain)
			ctl_comment(c, "  intermediates: %zu (sent with --sendca)", e->nchain);
		ctl_comment(c, "  %s: %s%s", key_desc(crypto_cert_pubkey(e->cert), k, sizeof(k)),
			    e->key ? "has private key from " : "no private key",
			    e->key ? e->key_from : "");
	}
}

void ctl_cmd_listcacerts(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct cert_store *s = &p->certs;
	bool utc = utc_of(cmd);

	header(c, "List of X.509 CA Certificates:");
	for (size_t i = 0; i < s->ncas; i++) {
		const char *slash = strrchr(s->cas[i].file, '/');
		char k[64];

		cert_lines(c, "CA certificate", slash ? slash + 1 : s->cas[i].file, s->cas[i].cert,
			   utc);
		ctl_comment(c, "  %s", key_desc(crypto_cert_pubkey(s->cas[i].cert), k, sizeof(k)));
	}
}

void ctl_cmd_listcrls(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct cert_store *s = &p->certs;
	bool utc = utc_of(cmd);

	header(c, "List of CRLs:");
	for (size_t i = 0; i < s->ncrls; i++) {
		const struct crypto_crl *crl = s->crls[i].crl;
		time_t next = crypto_crl_next_update(crl);
		char buf[2048], t[64];

		ctl_comment(c, " ");
		ctl_comment(c, "issuer: %s", crypto_crl_issuer_str(crl, buf, sizeof(buf)));
		ctl_comment(c, "revoked certs: %zu", crypto_crl_revoked_count(crl));
		ctl_comment(c, "updates: this %s",
			    when(crypto_crl_this_update(crl), utc, true, t, sizeof(t)));
		if (next)
			ctl_comment(c, "         next %s%s", when(next, utc, true, t, sizeof(t)),
				    next < time(NULL) ? " (past: the CRL is stale)" : "");
		ctl_comment(c, "file: %s", s->crls[i].file);
	}
}

static const char *id_type_name(uint8_t type)
{
	switch (type) {
	case V2_ID_IPV4_ADDR:
		return "ID_IPV4_ADDR";
	case V2_ID_IPV6_ADDR:
		return "ID_IPV6_ADDR";
	case V2_ID_FQDN:
		return "ID_FQDN";
	case V2_ID_RFC822_ADDR:
		return "ID_USER_FQDN";
	case V2_ID_DER_ASN1_DN:
		return "ID_DER_ASN1_DN";
	case V2_ID_KEY_ID:
		return "ID_KEY_ID";
	case V2_ID_NULL:
		return "ID_NULL";
	default:
		return "ID_NONE";
	}
}

/* One key in libreswan's --listpubkeys layout; until 0: a raw key, no expiry. */
static void pubkey_line(struct ctl_client *c, const struct crypto_pubkey *k, time_t installed,
			time_t until, bool has_private, bool utc)
{
	char keyid[16] = "?", t1[64], t2[64];
	time_t now = time(NULL);

	crypto_pubkey_keyid(k, keyid, sizeof(keyid));
	ctl_comment(c, "%s, %u %s Key %s (%s private key), until %s %s",
		    when(installed, utc, false, t1, sizeof(t1)), crypto_pubkey_bits(k),
		    crypto_key_kind_name(crypto_pubkey_kind(k)), keyid,
		    has_private ? "has" : "no",
		    until ? when(until, utc, false, t2, sizeof(t2)) : "--- -- --:--:-- ----",
		    !until ? "ok (expires never)" : until < now ? "expired" : "ok");
}

/* Whether a key of ours (from the secrets or private/) is the private half of k. */
static bool have_private(struct pluto *p, const struct crypto_pubkey *k)
{
	struct secrets_ref *r;
	bool found = false;

	for (size_t i = 0; i < p->certs.nkeys && !found; i++)
		found = crypto_privkey_matches(p->certs.keys[i].key, k);
	rcu_read_lock();
	r = rcu_dereference(p->secrets);
	if (!found && r)
		found = secrets_find_privkey_of(r->set, k) != NULL;
	rcu_read_unlock();
	return found;
}

static void list_pubkeys(struct pluto *p, struct ctl_client *c, bool utc, bool check)
{
	const struct cert_store *s = &p->certs;
	time_t now = time(NULL);

	header(c, check ? "List of Public Keys about to expire or expired:"
			: "List of Public Keys:");
	for (size_t i = 0; i < s->npubs; i++) {
		char id[IKE_ID_STRLEN];

		if (check)
			continue;	/* raw keys do not expire */
		pubkey_line(c, s->pubs[i].key, s->pubs[i].installed, 0,
			    have_private(p, s->pubs[i].key), utc);
		ctl_comment(c, "       %s '%s'", id_type_name(s->pubs[i].id.type),
			    ike_id_str(&s->pubs[i].id, id, sizeof(id)));
	}
	for (size_t i = 0; i < s->ncerts; i++) {
		const struct cert_store_cert *e = &s->certs[i];
		struct crypto_pubkey *k = crypto_cert_pubkey(e->cert);
		time_t until = crypto_cert_not_after(e->cert);
		char buf[2048];

		if (!k || (check && until > now + CERT_STORE_EXPIRY_WARN))
			continue;
		pubkey_line(c, k, crypto_cert_not_before(e->cert), until, e->key != NULL, utc);
		ctl_comment(c, "       ID_DER_ASN1_DN '%s'",
			    crypto_cert_subject_str(e->cert, buf, sizeof(buf)));
		ctl_comment(c, "       Issuer '%s'",
			    crypto_cert_issuer_str(e->cert, buf, sizeof(buf)));
	}
	if (!check)
		return;
	for (size_t i = 0; i < s->ncas; i++) {
		struct crypto_pubkey *k = crypto_cert_pubkey(s->cas[i].cert);
		time_t until = crypto_cert_not_after(s->cas[i].cert);
		char buf[2048];

		if (!k || until > now + CERT_STORE_EXPIRY_WARN)
			continue;
		pubkey_line(c, k, crypto_cert_not_before(s->cas[i].cert), until, false, utc);
		ctl_comment(c, "       CA '%s'",
			    crypto_cert_subject_str(s->cas[i].cert, buf, sizeof(buf)));
	}
}

void ctl_cmd_listpubkeys(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	list_pubkeys(p, c, utc_of(cmd), false);
}

void ctl_cmd_checkpubkeys(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	list_pubkeys(p, c, utc_of(cmd), true);
}

void ctl_cmd_rereadcrls(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	if (ctl_certs_load(p, false, true) < 0) {
		ctl_reply(c, RC_FATAL, "CRLs not reread: out of memory");
		return;
	}
	ctl_reply(c, RC_LOG, "reread %zu CRL%s from %s/crls", p->certs.ncrls,
		  p->certs.ncrls == 1 ? "" : "s", p->certs.dir);
}

/* The public key form: --keyid ID [--addkey] --pubkeyrsa 0s... */
void ctl_cmd_addkey(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *keyid = whack_cmd_find(cmd, WO_KEYID, WHACK_END_NONE);
	const struct whack_optval *raw = whack_cmd_find(cmd, WO_PUBKEYRSA, WHACK_END_NONE);
	bool add = whack_cmd_find(cmd, WO_ADDKEY, WHACK_END_NONE) != NULL;
	struct crypto_pubkey *key = NULL;
	uint8_t blob[CRYPTO_DNSKEY_MAX];
	char why[256], idstr[IKE_ID_STRLEN], kid[16] = "?";
	const char *w = NULL;
	struct ike_id id;
	size_t len = 0;
	int rc;

	if (!keyid) {
		ctl_reply(c, RC_WHACK_PROBLEM, "the public key form needs --keyid <id>");
		return;
	}
	if (ike_id_parse(keyid->value, &id, why, sizeof(why)) < 0 || ike_id_is_any(&id) ||
	    ike_id_is_fromcert(&id)) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--keyid %s: %s", keyid->value,
			  ike_id_is_any(&id) || ike_id_is_fromcert(&id)
				  ? "expected the identity of one peer" : why);
		return;
	}
	if (!raw) {
		ctl_not_supported(c, "--keyid without --pubkeyrsa (looking the key up in DNS)");
		return;
	}
	rc = secrets_data_decode(raw->value, strlen(raw->value), blob, sizeof(blob), &len, &w);
	if (rc < 0) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--pubkeyrsa: %s", rc == -E2BIG
			  ? "longer than the largest RSA key" : w);
		return;
	}
	rc = crypto_pubkey_from_dnskey(blob, len, &key);
	if (rc < 0) {
		ctl_reply(c, RC_WHACK_PROBLEM,
			  "--pubkeyrsa: %s: expected an RSA key in the RFC 3110 form (exponent "
			  "length, exponent, modulus) of %d to %d bits",
			  rc == -ENOTSUP ? "a key size not supported" : "not a valid RSA key",
			  CRYPTO_RSA_MIN_BITS, CRYPTO_RSA_MAX_BITS);
		return;
	}
	rc = cert_store_add_pubkey(&p->certs, &id, key, !add, time(NULL));
	crypto_pubkey_keyid(key, kid, sizeof(kid));
	unsigned bits = crypto_pubkey_bits(key);

	crypto_pubkey_unref(key);
	if (rc == 0)
		rc = ctl_creds_publish(p);
	if (rc < 0) {
		ctl_reply(c, RC_FATAL, "public key for %s not added: %s", keyid->value,
			  rc == -E2BIG ? "too many public keys" : "out of memory");
		return;
	}
	ctl_reply(c, RC_LOG, "%s %u bit RSA public key %s for %s", add ? "added" : "installed",
		  bits, kid, ike_id_str(&id, idstr, sizeof(idstr)));
}
