/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/connection.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/tsan.h"

static int derive_end(struct connection *c, int i, char *err, size_t errlen)
{
	const struct conn_end_spec *e = &c->spec.end[i];
	struct ip_subnet sn;
	char why[200];

	if (e->id) {
		int rc = ike_id_parse(e->id, &c->id[i], why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "--id %s: %s", e->id, why);
			return rc;
		}
		if (ike_id_is_fromcert(&c->id[i]) && !e->cert) {
			snprintf(err, errlen, "--id %%fromcert: expected --cert on the same end "
				 "(the ID is the certificate's subject)");
			return -EINVAL;
		}
	} else if (e->host_kind == HOST_ADDR) {
		c->id[i] = ike_id_from_addr(&e->host);
	} else {
		memset(&c->id[i], 0, sizeof(c->id[i]));	/* %any */
	}

	/* Our own ID cannot be %any: then the host address stands for it. */
	c->id_self[i] = c->id[i];
	if (ike_id_is_any(&c->id_self[i]) && e->host_kind == HOST_ADDR)
		c->id_self[i] = ike_id_from_addr(&e->host);

	if (e->has_client) {
		sn = e->client;
	} else if (e->host_kind == HOST_ADDR) {
		sn = ip_subnet_from_addr(&e->host);
	} else {
		/* A road warrior's own address: the selector is filled per SA. */
		memset(&sn, 0, sizeof(sn));
		sn.addr.af = c->spec.client_af ? c->spec.client_af : c->spec.host_af;
		sn.prefix = (uint8_t)ip_addr_bits(&sn.addr);
	}
	c->ts[i] = ike_ts_from_subnet(&sn, e->protocol, e->has_port ? e->port : 0);
	return 0;
}

/*
 * The connection-form options whose capability has not landed: refused
 * when the connection is added, naming the option, never ignored.
 */
static const char *not_yet(const struct conn_spec *s)
{
	for (int i = 0; i < 2; i++) {
		const struct conn_end_spec *e = &s->end[i];
		if (e->cert || e->ckaid || e->ca || e->groups || e->sendcert != SENDCERT_DEFAULT ||
		    e->sendca != SENDCA_NONE || e->certtype >= 0)
			return "X.509 certificates (--cert, --ckaid, --ca, --groups, --sendcert, "
			       "--sendca, --certtype)";
		if (e->dnskey_ondemand)
			return "DNS public keys (--dnskeyondemand)";
		if (e->xauth_server || e->xauth_client)
			return "XAUTH (--xauthserver, --xauthclient)";
		if (e->modecfg_server || e->modecfg_client || e->modecfg_dns ||
		    e->modecfg_domains || e->modecfg_banner)
			return "Mode Config (--modecfgserver, --modecfgclient, --modecfgdns, "
			       "--modecfgdomains, --modecfgbanner)";
		if (e->host_kind == HOST_OPPORTUNISTIC)
			return "opportunistic encryption (--host %opportunistic)";
	}
	if (s->policy & POL_COMPRESS)
		return "IPComp (--compress)";
	if (s->policy & POL_AUTHENTICATE)
		return "AH (--authenticate)";
	if (s->policy & POL_AGGRESSIVE)
		return "Aggressive Mode (--aggrmode, an IKEv1 exchange)";
	if (s->policy & POL_MODECFG_PULL)
		return "Mode Config (--modecfgpull)";
	if (s->nflog_group)
		return "NFLOG (--nflog-group)";
	if (s->metric)
		return "route metrics (--metric)";
	return NULL;
}

int ike_connection_new(const struct conn_spec *spec, uint64_t serial, struct connection **out,
		       char *err, size_t errlen)
{
	const char *missing = not_yet(spec);
	struct connection *c;
	char why[300];
	int rc;

	if (spec->policy & POL_IKEV1) {
		snprintf(err, errlen, "IKEv1 connections (--ikev1) are not supported yet");
		return -ENOTSUP;
	}
	if (missing) {
		snprintf(err, errlen, "%s: not supported yet", missing);
		return -ENOTSUP;
	}
	if ((spec->policy & POL_RSASIG) && !(spec->policy & POL_PSK)) {
		snprintf(err, errlen,
			 "RSA signature authentication (--rsasig) is not supported yet; use --psk");
		return -ENOTSUP;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (conn_spec_copy(&c->spec, spec) < 0) {
		free(c);
		return -ENOMEM;
	}
	c->node.name = c->spec.name;
	c->serial = serial;
	atomic_store(&c->refs, 1);

	rc = spec->ike ? proposal_parse(spec->ike, V2_PROTO_IKE, &c->ike_props, why, sizeof(why))
		       : proposal_defaults(V2_PROTO_IKE, &c->ike_props);
	if (rc < 0) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	rc = spec->esp ? proposal_parse(spec->esp, V2_PROTO_ESP, &c->esp_props, why, sizeof(why))
		       : proposal_defaults(V2_PROTO_ESP, &c->esp_props);
	if (rc < 0) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		rc = derive_end(c, i, err, errlen);
		if (rc < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	ike_connection_free(c);
	return rc;
}

void ike_connection_free(struct connection *c)
{
	if (!c)
		return;
	conn_spec_fini(&c->spec);
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
	*out = c->esp_props;
	proposal_set_drop_dh(out);
}

uint16_t ike_connection_child_esp(const struct connection *c, uint16_t ike_dh,
				  struct proposal_set *out)
{
	uint16_t group = proposal_set_first_dh(&c->esp_props);

	*out = c->esp_props;
	if (group)
		return group;	/* esp=...;dh or -dh names it */
	if (!(c->spec.policy & POL_PFS) && !c->spec.pfsgroup)
		return 0;
	group = c->spec.pfsgroup ? (uint16_t)c->spec.pfsgroup : ike_dh;
	if (!group || proposal_set_require_dh(out, group) < 0) {
		proposal_set_drop_dh(out);
		return 0;
	}
	return group;
}
