/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/connection.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/dn.h"
#include "ike/lease.h"
#include "ike/v1/proposal.h"
#include "ike/v2/types.h"
#include "util/log.h"
#include "util/tsan.h"

static int derive_end(struct connection *c, int i, char *err, size_t errlen)
{
	const struct conn_end_spec *e = &c->spec->end[i];
	struct ip_subnet sn;
	char why[200];

	if (e->id) {
		int rc = ike_id_parse(e->id, &c->cfg->id[i], why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "--id %s: %s", e->id, why);
			return rc;
		}
		if (ike_id_is_fromcert(c->id[i]) && !e->cert) {
			snprintf(err, errlen, "--id %%fromcert: expected --cert on the same end "
				 "(the ID is the certificate's subject)");
			return -EINVAL;
		}
	} else if (e->host_kind == HOST_ADDR) {
		c->cfg->id[i] = ike_id_from_addr(&e->host);
	} else {
		memset(&c->cfg->id[i], 0, sizeof(c->cfg->id[i]));	/* %any */
	}

	/* Our own ID cannot be %any: then the host address stands for it. */
	c->cfg->id_self[i] = *c->id[i];
	if (ike_id_is_any(&c->cfg->id_self[i]) && e->host_kind == HOST_ADDR)
		c->cfg->id_self[i] = ike_id_from_addr(&e->host);

	if (e->has_client) {
		sn = e->client;
	} else if (e->host_kind == HOST_ADDR) {
		sn = ip_subnet_from_addr(&e->host);
	} else {
		/* A road warrior's own address: the selector is filled per SA. */
		memset(&sn, 0, sizeof(sn));
		sn.addr.af = c->spec->client_af ? c->spec->client_af : c->spec->host_af;
		sn.prefix = (uint8_t)ip_addr_bits(&sn.addr);
	}
	c->cfg->ts[i] = ike_ts_from_subnet(&sn, e->protocol, e->has_port ? e->port : 0);
	return 0;
}

static uint8_t hash_bits(uint8_t sighash)
{
	return (sighash & SIGHASH_SHA1 ? IKE_HASH_BIT(V2_HASH_SHA1) : 0) |
	       (sighash & SIGHASH_SHA2_256 ? IKE_HASH_BIT(V2_HASH_SHA2_256) : 0) |
	       (sighash & SIGHASH_SHA2_384 ? IKE_HASH_BIT(V2_HASH_SHA2_384) : 0) |
	       (sighash & SIGHASH_SHA2_512 ? IKE_HASH_BIT(V2_HASH_SHA2_512) : 0);
}

/*
 * How each end authenticates (libreswan's authby= and leftauth=):
 * --psk, --rsasig (RSA with SHA-1 and SHA-2), --rsa-sha1, --rsa-sha2[_N],
 * --ecdsa, --ecdsa-sha2_N connection-wide; --authby on one end overrides.
 * No flag at all means signatures, RSA and ECDSA (libreswan's
 * authby=rsasig,ecdsa); EdDSA only when an end says --authby eddsa.
 */
static void derive_auth(struct connection *c)
{
	const struct conn_spec *s = c->spec;
	struct ike_auth_policy wide = { 0 };

	if (s->policy & POL_PSK)
		wide.classes |= IKE_AUTHC_PSK;
	if ((s->policy & POL_RSASIG) || s->rsa_hashes) {
		wide.classes |= IKE_AUTHC_RSA;
		wide.rsa_hashes = hash_bits(s->rsa_hashes);
		if (s->policy & POL_RSASIG)
			wide.rsa_hashes |= hash_bits(SIGHASH_SHA1 | SIGHASH_SHA2);
	}
	if ((s->policy & POL_ECDSA) || s->ecdsa_hashes) {
		wide.classes |= IKE_AUTHC_ECDSA;
		wide.ecdsa_hashes = s->ecdsa_hashes ? hash_bits(s->ecdsa_hashes)
						    : hash_bits(SIGHASH_SHA2);
	}
	if (!wide.classes) {
		wide.classes = IKE_AUTHC_RSA | IKE_AUTHC_ECDSA;
		wide.rsa_hashes = hash_bits(SIGHASH_SHA1 | SIGHASH_SHA2);
		wide.ecdsa_hashes = hash_bits(SIGHASH_SHA2);
	}
	for (int i = 0; i < 2; i++) {
		struct ike_auth_policy *a = &c->cfg->auth[i];

		*a = wide;
		if (!a->rsa_hashes)
			a->rsa_hashes = hash_bits(SIGHASH_SHA1 | SIGHASH_SHA2);
		if (!a->ecdsa_hashes)
			a->ecdsa_hashes = hash_bits(SIGHASH_SHA2);
		switch (s->end[i].authby) {
		case AUTHBY_PSK:
			a->classes = IKE_AUTHC_PSK;
			break;
		case AUTHBY_RSASIG:
			a->classes = IKE_AUTHC_RSA;
			break;
		case AUTHBY_ECDSA:
			a->classes = IKE_AUTHC_ECDSA;
			break;
		case AUTHBY_EDDSA:
			a->classes = IKE_AUTHC_EDDSA;
			break;
		default:
			break;
		}
	}
}

/* --ca: a DN (libreswan's form), or %same for the other end's. */
static int derive_ca(struct connection *c, int i, char *err, size_t errlen)
{
	const char *ca = c->spec->end[i].ca;
	uint8_t der[CRYPTO_DN_MAX];
	char why[200];
	int n;

	if (!ca || !strcmp(ca, "%any"))
		return 0;
	if (!strcmp(ca, "%same"))
		ca = c->spec->end[1 - i].ca;
	if (!ca || !strcmp(ca, "%same")) {
		snprintf(err, errlen, "--ca %%same: expected a DN on the other end");
		return -EINVAL;
	}
	n = crypto_dn_parse(ca, der, sizeof(der), why, sizeof(why));
	if (n < 0) {
		snprintf(err, errlen, "--ca %.100s: %s", ca, why);
		return -EINVAL;
	}
	c->cfg->ca_dn[i] = malloc((size_t)n);
	if (!c->cfg->ca_dn[i])
		return -ENOMEM;
	memcpy(c->cfg->ca_dn[i], der, (size_t)n);
	c->cfg->ca_dn_len[i] = (uint16_t)n;
	return 0;
}

bool ike_connection_sends_cert(const struct connection *c, uint8_t end, bool initiator,
			       bool peer_asked)
{
	switch (c->spec->end[end].sendcert) {
	case SENDCERT_ALWAYS:
		return true;
	case SENDCERT_NEVER:
		return false;
	case SENDCERT_IFASKED:
		return peer_asked;
	default:
		return initiator || peer_asked;
	}
}

/*
 * The connection-form options whose capability has not landed: refused
 * when the connection is added, naming the option, never ignored.
 */
static const char *not_yet(const struct conn_spec *s)
{
	for (int i = 0; i < 2; i++) {
		const struct conn_end_spec *e = &s->end[i];
		if (e->groups)
			return "access control groups (--groups)";
		if (e->certtype >= 0)
			return "certificate types (--certtype)";
		if (e->authby == AUTHBY_NULL)
			return "NULL authentication (--authby null)";
		if (e->authby == AUTHBY_EAPONLY)
			return "EAP (--authby eaponly)";
		if (e->dnskey_ondemand)
			return "DNS public keys (--dnskeyondemand)";
		if ((e->xauth_server || e->xauth_client) && !(s->policy & POL_IKEV1))
			return "XAUTH (--xauthserver, --xauthclient) in an IKEv2 connection";
		if (e->modecfg_banner && !(s->policy & POL_IKEV1))
			return "login banners (--modecfgbanner) in an IKEv2 connection (an IKEv1 "
			       "Mode Config attribute)";
		if (e->host_kind == HOST_OPPORTUNISTIC)
			return "opportunistic encryption (--host %opportunistic)";
	}
	if (s->policy & POL_AUTH_NULL)
		return "NULL authentication (--auth-null)";
	if (s->policy & POL_AUTH_NEVER)
		return "connections that never negotiate (--auth-never)";
	if (s->policy & POL_COMPRESS)
		return "IPComp (--compress)";
	if (s->policy & POL_AUTHENTICATE)
		return "AH (--authenticate)";
	if ((s->policy & POL_AGGRESSIVE) && !(s->policy & POL_IKEV1))
		return "IKEv1 Aggressive Mode (--aggrmode) in an IKEv2 connection";
	if ((s->policy & POL_MODECFG_PULL) && !(s->policy & POL_IKEV1))
		return "--modecfgpull (IKEv1 Mode Config) in an IKEv2 connection";
	if (s->nflog_group)
		return "NFLOG (--nflog-group)";
	if (s->metric)
		return "route metrics (--metric)";
	return NULL;
}

/* --redirect-to and --accept-redirect-to as address lists (RFC 5685). */
static int derive_redirect(struct connection *c, char *err, size_t errlen)
{
	const struct conn_spec *s = c->spec;
	char why[160];
	int rc;

	if (s->redirect_to) {
		rc = addr_list_parse_gw(s->redirect_to, &c->cfg->redirect_to, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "--redirect-to %s", why);
			return rc;
		}
	}
	if (s->send_redirect != REDIRECT_NO && !c->cfg->redirect_to) {
		snprintf(err, errlen, "--send-redirect without --redirect-to (expected the gateways "
			 "to send its clients to)");
		return -EINVAL;
	}
	if (s->accept_redirect_to) {
		rc = addr_list_parse_gw(s->accept_redirect_to, &c->cfg->accept_redirect_to, why,
				     sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "--accept-redirect-to %s", why);
			return rc;
		}
	}
	return 0;
}

/* Split a comma separated list; fn gets each item (trimmed). Returns fn's first error. */
static int each_item(const char *list, int (*fn)(void *ctx, const char *item), void *ctx)
{
	char item[256];

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= sizeof(item))
			return -E2BIG;
		memcpy(item, p, n);
		item[n] = '\0';
		if (n) {
			int rc = fn(ctx, item);
			if (rc < 0)
				return rc;
		}
		p = e ? e + 1 : NULL;
	}
	return 0;
}

struct modecfg_ctx {
	struct connection *c;
	int end;
	char *err;
	size_t errlen;
};

static int add_pool(void *arg, const char *item)
{
	struct modecfg_ctx *x = arg;
	struct ike_pool *p;
	char why[200];
	const char *side = x->end ? "right" : "left";
	int rc = ike_pool_get(item, &p, why, sizeof(why));

	if (rc < 0) {
		snprintf(x->err, x->errlen, "--addresspool (%s end) %s", side, why);
		return rc;
	}
	int fam = ike_pool_family(p) == AF_INET6;
	if (x->c->cfg->pool[x->end][fam]) {
		ike_pool_unref(p);
		snprintf(x->err, x->errlen,
			 "--addresspool (%s end) %s: a second IPv%c pool (expected at most one "
			 "IPv4 and one IPv6 range)", side, item, fam ? '6' : '4');
		return -EINVAL;
	}
	x->c->cfg->pool[x->end][fam] = p;
	return 0;
}

static int add_dns(void *arg, const char *item)
{
	struct modecfg_ctx *x = arg;
	struct ike_modecfg *m = &x->c->cfg->modecfg;
	struct ip_addr a;

	if (ip_addr_parse(item, &a) < 0) {
		snprintf(x->err, x->errlen, "--modecfgdns %s: not an IP address", item);
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->ndns; i++)
		if (ip_addr_eq(&m->dns[i], &a))
			return 0;	/* given on both ends (ipsec.conf's is connection-wide) */
	if (m->ndns == sizeof(m->dns) / sizeof(m->dns[0])) {
		snprintf(x->err, x->errlen, "--modecfgdns: more than %zu servers",
			 sizeof(m->dns) / sizeof(m->dns[0]));
		return -EINVAL;
	}
	m->dns[m->ndns++] = a;
	return 0;
}

static int add_pcscf(void *arg, const char *item)
{
	struct modecfg_ctx *x = arg;
	struct ike_modecfg *m = &x->c->cfg->modecfg;
	struct ip_addr a;

	if (ip_addr_parse(item, &a) < 0) {
		snprintf(x->err, x->errlen,
			 "--modecfgpcscf %s: not an IP address (expected P-CSCF server addresses)",
			 item);
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->npcscf; i++)
		if (ip_addr_eq(&m->pcscf[i], &a))
			return 0;	/* given on both ends (ipsec.conf's is connection-wide) */
	if (m->npcscf == V2_CFG_MAX_PCSCF) {
		snprintf(x->err, x->errlen, "--modecfgpcscf: more than %d servers", V2_CFG_MAX_PCSCF);
		return -EINVAL;
	}
	m->pcscf[m->npcscf++] = a;
	return 0;
}

static int add_domain(void *arg, const char *item)
{
	struct modecfg_ctx *x = arg;
	struct ike_modecfg *m = &x->c->cfg->modecfg;
	size_t n = strlen(item);

	if (n && item[n - 1] == '.')
		n--;	/* "example.com." as a DNS zone file writes it */
	if (!v2_cfg_domain_ok(item, n)) {
		snprintf(x->err, x->errlen,
			 "--modecfgdomains %s: not a domain name (expected letters, digits, "
			 "'-' and '.', at most %d characters)", item, V2_CFG_DOMAIN_MAX);
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->ndomains; i++)
		if (m->domains[i].len == n && !strncasecmp(m->domains[i].name, item, n))
			return 0;
	if (m->ndomains == V2_CFG_MAX_DOMAINS) {
		snprintf(x->err, x->errlen, "--modecfgdomains: more than %d domains",
			 V2_CFG_MAX_DOMAINS);
		return -EINVAL;
	}
	memcpy(m->domains[m->ndomains].name, item, n);
	m->domains[m->ndomains].name[n] = '\0';
	m->domains[m->ndomains++].len = (uint8_t)n;
	return 0;
}

/* The pools (shared by range), DNS servers and domains of the connection form. */
static int derive_modecfg(struct connection *c, char *err, size_t errlen)
{
	struct modecfg_ctx x = { .c = c, .err = err, .errlen = errlen };
	int rc;

	for (x.end = 0; x.end < 2; x.end++) {
		const struct conn_end_spec *e = &c->spec->end[x.end];

		if (!e->addresspool)
			continue;
		if (e->has_client) {
			snprintf(err, errlen,
				 "--addresspool (%s end): that end also has --client (expected one "
				 "or the other: the pool gives each client its address)",
				 x.end ? "right" : "left");
			return -EINVAL;
		}
		rc = each_item(e->addresspool, add_pool, &x);
		if (rc < 0) {
			if (rc == -E2BIG)
				snprintf(err, errlen, "--addresspool %.80s: an item is too long",
					 e->addresspool);
			return rc;
		}
		if (!ike_connection_has_pool(c, (uint8_t)x.end)) {
			snprintf(err, errlen, "--addresspool \"%s\": no range (expected FIRST-LAST or NET/BITS)",
				 e->addresspool);
			return -EINVAL;
		}
	}
	for (x.end = 0; x.end < 2; x.end++) {
		const struct conn_end_spec *e = &c->spec->end[x.end];

		if (e->modecfg_banner && strlen(e->modecfg_banner) > IKE_BANNER_MAX) {
			snprintf(err, errlen, "--modecfgbanner: %zu bytes (expected at most %d)",
				 strlen(e->modecfg_banner), IKE_BANNER_MAX);
			return -EINVAL;
		}
		rc = each_item(e->modecfg_dns, add_dns, &x);
		if (rc == 0)
			rc = each_item(e->modecfg_domains, add_domain, &x);
		if (rc == 0)
			rc = each_item(e->modecfg_pcscf, add_pcscf, &x);
		if (rc < 0) {
			if (rc == -E2BIG)
				snprintf(err, errlen, "--modecfgdns/--modecfgdomains/--modecfgpcscf: an "
					 "item is too long");
			return rc;
		}
	}
	return 0;
}

int ike_connection_new(const struct conn_spec *spec, uint64_t serial, struct connection **out,
		       char *err, size_t errlen)
{
	const char *missing = not_yet(spec);
	struct connection *c;
	char why[300];
	int rc;

	if (spec->policy & POL_IKEV1) {
		int v1 = v1_connection_check(spec, err, errlen);
		if (v1 < 0)
			return v1;
	}
	if (missing) {
		snprintf(err, errlen, "%s: not supported yet", missing);
		return -ENOTSUP;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = calloc(1, sizeof(*c->cfg));
	if (!c->cfg) {
		free(c);
		return -ENOMEM;
	}
	c->cfg_owned = true;
	c->spec = &c->cfg->spec;
	for (int i = 0; i < 2; i++) {
		c->id[i] = &c->cfg->id[i];
		c->ts[i] = &c->cfg->ts[i];
	}
	if (conn_spec_copy(&c->cfg->spec, spec) < 0) {
		free(c->cfg);
		free(c);
		return -ENOMEM;
	}
	c->node.name = c->spec->name;
	c->serial = serial;
	atomic_store(&c->refs, 1);

	c->cfg->props_own = calloc(2, sizeof(*c->cfg->props_own));
	if (!c->cfg->props_own) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	c->cfg->ike_props = &c->cfg->props_own[0];
	c->cfg->esp_props = &c->cfg->props_own[1];
	rc = spec->ike ? proposal_parse(spec->ike, V2_PROTO_IKE, &c->cfg->props_own[0], why,
					sizeof(why))
		       : proposal_defaults(V2_PROTO_IKE, &c->cfg->props_own[0]);
	if (rc < 0) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	rc = spec->esp ? proposal_parse(spec->esp, V2_PROTO_ESP, &c->cfg->props_own[1], why,
					sizeof(why))
		       : proposal_defaults(V2_PROTO_ESP, &c->cfg->props_own[1]);
	if (rc < 0) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		rc = derive_end(c, i, err, errlen);
		if (rc < 0)
			goto fail;
	}
	derive_auth(c);
	for (int i = 0; i < 2; i++) {
		rc = derive_ca(c, i, err, errlen);
		if (rc < 0)
			goto fail;
	}
	rc = derive_redirect(c, err, errlen);
	if (rc == 0)
		rc = derive_modecfg(c, err, errlen);
	if (rc < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	ike_connection_free(c);
	return rc;
}

/* The index keys of c: one per end that is an address, looking at the other end. */
static void index_keys(struct connection *c)
{
	for (uint8_t i = 0; i < 2; i++) {
		const struct conn_end_spec *me = &c->spec->end[i], *peer = &c->spec->end[1 - i];
		struct conn_index_entry *e = &c->cfg->ix[i];

		memset(e, 0, sizeof(*e));
		if (me->host_kind != HOST_ADDR)
			continue;
		e->local = me->host;
		e->peer_any = peer->host_kind != HOST_ADDR;
		if (!e->peer_any)
			e->peer = peer->host;
		if (c->id[1 - i]->type == V2_ID_DER_ASN1_DN || ike_id_is_fromcert(c->id[1 - i])) {
			e->id_by_match = true;	/* with the %any ones: conn_select.c */
		} else if (!ike_id_is_any(c->id[1 - i])) {
			e->id_type = c->id[1 - i]->type;
			e->id_len = c->id[1 - i]->len;
			e->id = c->id[1 - i]->data;
		}
		e->serial = c->serial;
		e->owner = c;
		e->end = i;
	}
}

static bool indexed(const struct connection *c, int i)
{
	return ike_conn_host_kind(c, i) == HOST_ADDR;
}

int ike_connection_publish(struct conn_table *t, struct connection *c)
{
	int rc = sadb_conn_table_add(t, &c->node);

	if (rc < 0)
		return rc;
	index_keys(c);
	for (int i = 0; i < 2; i++) {
		/* A shunt (type=passthrough, drop, reject) is never negotiated: no responder finds it. */
		if (!indexed(c, i) || conn_spec_is_shunt(c->spec))
			continue;
		rc = conn_index_add(&t->index, &c->cfg->ix[i]);
		if (rc < 0) {
			ike_connection_unpublish(t, c);
			return rc;
		}
	}
	return 0;
}

int ike_connection_unpublish(struct conn_table *t, struct connection *c)
{
	for (int i = 0; i < 2; i++)
		conn_index_del(&t->index, &c->cfg->ix[i]);
	return sadb_conn_table_del(t, &c->node);
}

static void config_free(struct conn_config *cfg)
{
	for (int i = 0; i < 2; i++) {
		ike_end_creds_fini(&cfg->creds[i]);
		free(cfg->ca_dn[i]);
		ike_pool_unref(cfg->pool[i][0]);
		ike_pool_unref(cfg->pool[i][1]);
	}
	addr_list_free(cfg->redirect_to);
	addr_list_free(cfg->accept_redirect_to);
	free(cfg->props_own);
	conn_spec_fini(&cfg->spec);
	free(cfg);
}

void ike_connection_free(struct connection *c)
{
	if (!c)
		return;
	/* an instance unpublished gave its lease back; one never published may hold one */
	ike_lease_release(c->inst.lease);
	free(c->inst.lease);
	if (c->cfg_owned)
		config_free(c->cfg);
	if (c->inst.tmpl)
		ike_connection_unref(c->inst.tmpl);
	free(c);
}

static void rcu_free_connection(struct rcu_head *head)
{
	struct conn_node *n = caa_container_of(head, struct conn_node, rcu);
	tsan_acquire(n);	/* after the grace period */
	ike_connection_free(ike_connection_of(n));
}

void ike_connection_ref(struct connection *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void ike_connection_unref(struct connection *c)
{
	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	tsan_release(&c->node);
	call_rcu(&c->node.rcu, rcu_free_connection);
}

void ike_connection_auth_esp(const struct connection *c, struct proposal_set *out)
{
	*out = *c->cfg->esp_props;
	proposal_set_drop_dh(out);
}

uint16_t ike_connection_child_esp(const struct connection *c, uint16_t ike_dh,
				  struct proposal_set *out)
{
	uint16_t group = proposal_set_first_dh(c->cfg->esp_props);

	*out = *c->cfg->esp_props;
	if (group)
		return group;	/* esp=...;dh or -dh names it */
	if (!(c->spec->policy & POL_PFS) && !c->spec->pfsgroup)
		return 0;
	group = c->spec->pfsgroup ? (uint16_t)c->spec->pfsgroup : ike_dh;
	if (!group || proposal_set_require_dh(out, group) < 0) {
		proposal_set_drop_dh(out);
		return 0;
	}
	return group;
}

const char *ike_conn_name_str(const struct connection *c, char *buf, size_t len)
{
	if (c->inst.tmpl)
		snprintf(buf, len, "\"%s\"[%u]", c->spec->name, c->inst.no);
	else
		snprintf(buf, len, "\"%s\"", c->spec->name);
	return buf;
}

const char *ike_conn_instance_str(const struct connection *c, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN];

	if (!c->inst.tmpl)
		return ike_conn_name_str(c, buf, len);
	snprintf(buf, len, "\"%s\"[%u] %s", c->spec->name, c->inst.no,
		 log_no_ip() ? "<address>" : ip_addr_str(&c->inst.client, a));
	return buf;
}

bool ike_connection_tryref(struct connection *c)
{
	unsigned n = atomic_load_explicit(&c->refs, memory_order_relaxed);

	while (n) {
		if (atomic_compare_exchange_weak_explicit(&c->refs, &n, n + 1, memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

int ike_conn_instantiate(struct connection *t, uint8_t end, const struct ip_addr *peer,
			 const struct ike_id *peer_id, uint64_t serial, unsigned owner,
			 struct connection **out)
{
	uint8_t pe = (uint8_t)(1 - end);
	const struct conn_end_spec *e = &t->spec->end[pe];
	/* The peer end is this client: its ID where the template took any ... */
	bool own_id = ike_id_is_any(t->id[pe]) || ike_id_is_fromcert(t->id[pe]) ||
		      t->id[pe]->type == V2_ID_DER_ASN1_DN;
	/* ... and its address stands for an unset client, unless a pool gives it one */
	bool own_ts = !e->has_client && !ike_connection_has_pool(t, pe);
	uint32_t no = atomic_fetch_add(&t->last_instance, 1) + 1;
	char name[CONN_NAME_MAX + 16];
	int name_len = snprintf(name, sizeof(name), "%s[%u]", t->spec->name, no);
	/* the tail: the selector, the ID at its size, the name (issue 14: a million are held) */
	size_t ts_off = 0, id_off = own_ts ? sizeof(struct ike_ts) : 0;
	size_t name_off = id_off + (own_id ? ike_id_size(peer_id) : 0);
	struct connection *c;
	struct ip_subnet sn;

	if (name_len < 0 || (size_t)name_len >= sizeof(name))
		return -EINVAL;
	c = calloc(1, sizeof(*c) + name_off + (size_t)name_len + 1);
	if (!c)
		return -ENOMEM;
	/* The configuration is the template's (c holds a reference on t): shared, not copied. */
	c->cfg = t->cfg;
	c->spec = t->spec;
	memcpy(c->id, t->id, sizeof(c->id));
	memcpy(c->ts, t->ts, sizeof(c->ts));
	if (own_ts) {
		struct ike_ts *ts = (struct ike_ts *)(void *)(c->tail + ts_off);

		sn = ip_subnet_from_addr(peer);
		*ts = ike_ts_from_subnet(&sn, e->protocol, e->has_port ? e->port : 0);
		c->ts[pe] = ts;
	}
	if (own_id) {
		struct ike_id *id = (struct ike_id *)(void *)(c->tail + id_off);

		memcpy(id, peer_id, ike_id_size(peer_id));
		c->id[pe] = id;
	}
	memcpy(c->tail + name_off, name, (size_t)name_len + 1);
	c->serial = serial;
	atomic_store(&c->refs, 1);
	ike_connection_ref(t);
	c->inst.tmpl = t;
	c->inst.no = no;
	c->inst.end = end;
	c->inst.owner = owner;
	c->inst.client = *peer;
	c->inst.name = (const char *)c->tail + name_off;
	c->node.name = c->inst.name;
	*out = c;
	return 0;
}
