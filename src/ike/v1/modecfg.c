/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1 Mode Config (draft-dukes-ike-mode-cfg) after Phase 1 (and after
 * XAUTH when both run), before Quick Mode, in Transaction exchanges as
 * XAUTH's (xauth.c: HASH = prf(SKEYID_a, M-ID | ATTR), one IV chain per
 * Message ID):
 *
 *   push (libreswan's default):    server SET (address, DNS, ...)  -->
 *                                                                 <--  client ACK
 *   pull (--modecfgpull):                                         <--  client REQUEST
 *                                   server REPLY (address, DNS, ...) -->
 *
 * The server (--modecfgserver) leases the address from the connection's
 * --addresspool as IKEv2's Configuration payload does (the client's
 * instance holds the lease, ike/lease.h); the client (--modecfgclient)
 * keeps what it got in sa->given, as the IKEv2 client does: its Quick
 * Mode's IDci is the address (ike_conn_local_ts_sa()), updown gets
 * PLUTO_MY_SOURCEIP, PLUTO_PEER_DNS_INFO and PLUTO_PEER_DOMAIN_INFO.
 * The default domain goes in Cisco Unity's UNITY_DEF_DOMAIN (28674), as
 * libreswan sends it.
 *
 * Context of everything here: the SA's owner worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "ike/ike_stats.h"
#include "ike/lease.h"
#include "ike/pool.h"
#include "ike/v1/exchange.h"
#include "ike/v1/io.h"
#include "ike/v1/state.h"
#include "util/log.h"

enum {
	MC_IP4_ADDRESS = 1,
	MC_IP4_NETMASK = 2,
	MC_IP4_DNS = 3,
	MC_UNITY_BANNER = 28672,
	MC_UNITY_DEF_DOMAIN = 28674,
};

static const uint8_t mask32[4] = { 255, 255, 255, 255 };

static struct ip_addr ip_addr_v4(const uint8_t *p)
{
	struct ip_addr a;

	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	memcpy(a.b, p, 4);
	return a;
}

/* Lease the client an IPv4 address from our pool; 0, or -errno (logged). */
static int lease(struct ike_sa *sa)
{
	const struct connection *conn = sa->conn;
	struct ike_pool *pool = conn->pool[1 - sa->this_end][0];
	struct ike_lease *l = ike_sa_lease_slot(sa);	/* made when an address is taken */
	struct ike_id key;
	char name[CONN_NAME_MAX + 32];
	int rc;

	if (!pool) {
		ike_sa_progress(sa, RC_LOG_SERIOUS, "ModeCfg: no IPv4 --addresspool to lease from");
		return -ENOENT;
	}
	if (!l) {
		ike_sa_progress(sa, RC_LOG_SERIOUS, "ModeCfg: out of memory for the client's lease");
		return -ENOMEM;
	}
	ike_lease_key(&sa->id_remote, sa->serial, &key);
	rc = ike_lease_take(l, pool, &key);
	if (rc == -EALREADY)
		rc = 0;
	if (rc < 0)
		log_limited(LOG_WARNING, 10, "address pool exhausted",
			    "%s: ModeCfg: no address left in the pool for the client",
			    ike_sa_name(sa, name, sizeof(name)));
	return rc;
}

/* The attributes the server gives: the address, its mask, DNS servers, the first domain. */
static void fill(struct ike_sa *sa, struct v1_cfg *cfg, uint8_t a4[4], uint8_t dns[][4])
{
	const struct ike_modecfg *mc = &sa->conn->modecfg;
	const struct ike_lease *l = ike_sa_lease(sa);
	unsigned nd = 0;

	memcpy(a4, l->addr[0].b, 4);
	cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP4_ADDRESS, .len = 4,
							.val = a4 };
	cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP4_NETMASK, .len = 4,
							.val = mask32 };
	for (unsigned i = 0; i < mc->ndns && nd < 4; i++) {
		if (mc->dns[i].af != AF_INET)
			continue;
		memcpy(dns[nd], mc->dns[i].b, 4);
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP4_DNS, .len = 4,
								.val = dns[nd] };
		nd++;
	}
	if (mc->ndomains)
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){
			.type = MC_UNITY_DEF_DOMAIN, .len = mc->domains[0].len,
			.val = (const uint8_t *)mc->domains[0].name };
}

static void gave(struct ike_sa *sa)
{
	char a[IP_ADDR_STRLEN];

	ike_sa_progress(sa, RC_LOG, "ModeCfg: gave the client %s",
			ip_addr_str(&ike_sa_lease(sa)->addr[0], a));
}

/* ---- the server ---- */

int v1_modecfg_push(struct ike_sa *sa)
{
	struct v1_cfg cfg = { .type = V1_CFG_SET };
	uint8_t a4[4], dns[4][4];

	if (lease(sa) < 0)
		return -ENOSPC;
	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	fill(sa, &cfg, a4, dns);
	sa->state = IKE_V1_MODECFG_R1;
	if (v1_tx_send(sa, v1_new_msgid(), true, &cfg, true) < 0)
		return -EIO;
	gave(sa);
	return 0;
}

void v1_modecfg_r_ack(struct ike_sa *sa, struct ike_input *in)
{
	if (in->v1m->hdr.msgid != sa->v1->tx_msgid) {
		v1_drop(sa->w, in->rx, "a ModeCfg ACK of another exchange");
		return;
	}
	if (!v1_tx_take(sa, in, V1_CFG_ACK))
		return;
	v1_request_done(sa);
	sa->state = sa->v1->p1_state;
	ike_sa_progress(sa, RC_LOG, "ModeCfg: the client took its address");
}

void v1_modecfg_r_request(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_cfg *req;
	struct v1_cfg cfg = { .type = V1_CFG_REPLY };
	uint8_t a4[4], dns[4][4];

	if (!sa->conn->spec.end[sa->this_end].modecfg_server) {
		v1_drop(sa->w, in->rx, "a ModeCfg REQUEST to a connection that is no --modecfgserver");
		return;
	}
	req = v1_tx_take(sa, in, V1_CFG_REQUEST);
	if (!req)
		return;
	cfg.identifier = req->identifier;
	if (lease(sa) < 0) {
		v1_delete(sa, true);
		return;
	}
	fill(sa, &cfg, a4, dns);
	if (v1_tx_send(sa, in->v1m->hdr.msgid, false, &cfg, false) < 0) {
		ike_sa_progress(sa, RC_INTERNALERR, "ModeCfg: cannot send the REPLY");
		v1_delete(sa, false);
		return;
	}
	sa->state = sa->v1->p1_state;
	gave(sa);
}

/* ---- the client ---- */

/* Take the server's attributes into sa->given; false when it gave no IPv4 address. */
static bool take(struct ike_sa *sa, const struct v1_cfg *cfg, struct v1_cfg *ack)
{
	struct ike_cp_given *g = sa->given ? sa->given : calloc(1, sizeof(*g));
	size_t dl = 0, ml = 0;
	char a[IP_ADDR_STRLEN];

	if (!g)
		return false;
	sa->given = g;
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < cfg->nattr; i++) {
		const struct v1_cfg_attr *at = &cfg->attr[i];
		bool ok = false;

		if (at->basic)
			continue;
		if (at->type == MC_IP4_ADDRESS && at->len == 4) {
			g->assigned[0] = ip_addr_v4(at->val);
			ok = true;
		} else if (at->type == MC_IP4_DNS && at->len == 4) {
			struct ip_addr d = ip_addr_v4(at->val);
			dl += (size_t)snprintf(g->dns_info + dl, sizeof(g->dns_info) - dl, "%s%s",
					       dl ? " " : "", ip_addr_str(&d, a));
			if (dl >= sizeof(g->dns_info))
				dl = sizeof(g->dns_info) - 1;
			ok = true;
		} else if (at->type == MC_UNITY_DEF_DOMAIN && at->len && at->len < 100 &&
			   !memchr(at->val, '\0', at->len)) {
			ml += (size_t)snprintf(g->domain_info + ml, sizeof(g->domain_info) - ml,
					       "%s%.*s", ml ? " " : "", (int)at->len,
					       (const char *)at->val);
			if (ml >= sizeof(g->domain_info))
				ml = sizeof(g->domain_info) - 1;
			ok = true;
		} else if (at->type == MC_IP4_NETMASK) {
			ok = true;
		}
		if (ok && ack && ack->nattr < V1_MAX_CFG_ATTRS)
			ack->attr[ack->nattr++] = (struct v1_cfg_attr){ .type = at->type };
	}
	if (g->assigned[0].af != AF_INET)
		return false;
	ike_sa_progress(sa, RC_LOG, "ModeCfg: received IPv4 address %s%s%s",
			ip_addr_str(&g->assigned[0], a), g->dns_info[0] ? ", DNS " : "",
			g->dns_info);
	return true;
}

void v1_modecfg_i_set(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_cfg *cfg = v1_tx_take(sa, in, V1_CFG_SET);
	struct v1_cfg ack = { .type = V1_CFG_ACK };
	bool ok;

	if (!cfg)
		return;
	ack.identifier = cfg->identifier;
	ok = take(sa, cfg, &ack);
	if (v1_tx_send(sa, in->v1m->hdr.msgid, false, &ack, false) < 0 || !ok) {
		ike_stats_fail_reason(sa, IKE_FAIL_OTHER);
		ike_sa_progress(sa, RC_FATAL, "ModeCfg: %s",
				ok ? "cannot send the ACK" : "the server gave no IPv4 address");
		v1_delete(sa, true);
		return;
	}
	v1_after_modecfg(sa);
}

int v1_modecfg_pull(struct ike_sa *sa)
{
	struct v1_cfg cfg = { .type = V1_CFG_REQUEST, .nattr = 4 };

	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	cfg.attr[0] = (struct v1_cfg_attr){ .type = MC_IP4_ADDRESS };
	cfg.attr[1] = (struct v1_cfg_attr){ .type = MC_IP4_NETMASK };
	cfg.attr[2] = (struct v1_cfg_attr){ .type = MC_IP4_DNS };
	cfg.attr[3] = (struct v1_cfg_attr){ .type = MC_UNITY_DEF_DOMAIN };
	sa->state = IKE_V1_MODECFG_I1;
	sa->v1->mc_pulled = true;
	if (v1_tx_send(sa, v1_new_msgid(), true, &cfg, true) < 0)
		return -EIO;
	ike_sa_progress(sa, RC_LOG, "ModeCfg: sent REQUEST for an address");
	return 0;
}

void v1_modecfg_i_reply(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_cfg *cfg;

	if (!sa->v1->mc_pulled) {
		v1_modecfg_i_set(sa, in);	/* push: the server's SET */
		return;
	}
	if (in->v1m->hdr.msgid != sa->v1->tx_msgid) {
		v1_drop(sa->w, in->rx, "a ModeCfg REPLY of another exchange");
		return;
	}
	cfg = v1_tx_take(sa, in, V1_CFG_REPLY);
	if (!cfg)
		return;
	v1_request_done(sa);
	if (!take(sa, cfg, NULL)) {
		ike_stats_fail_reason(sa, IKE_FAIL_OTHER);
		ike_sa_progress(sa, RC_FATAL, "ModeCfg: the server gave no IPv4 address");
		v1_delete(sa, true);
		return;
	}
	v1_after_modecfg(sa);
}
