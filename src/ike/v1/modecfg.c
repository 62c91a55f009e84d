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
#include "ike/ts.h"
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
	MC_UNITY_SPLIT_INCLUDE = 28676,
	SPLIT_ITEM = 14,	/* address, mask, 6 bytes of protocols and ports (zero) */
};

/* The banner to send: our end's --modecfgbanner, or the other end's (ipsec.conf gives both). */
static const char *banner_of(const struct ike_sa *sa)
{
	const struct conn_spec *s = sa->conn->spec;

	return s->end[sa->this_end].modecfg_banner ? s->end[sa->this_end].modecfg_banner
						    : s->end[1 - sa->this_end].modecfg_banner;
}

/*
 * UNITY_SPLIT_INCLUDE, as libreswan sends it: the server's --client when it
 * has one that is IPv4 and not 0.0.0.0/0 (the client then tunnels only it).
 * Returns the bytes written into out (0: nothing to send).
 */
static size_t split_of(const struct ike_sa *sa, uint8_t out[SPLIT_ITEM])
{
	const struct connection *c = sa->conn;
	struct ip_subnet s;
	struct ip_addr m;

	if (!c->spec->end[sa->this_end].has_client ||
	    ike_ts_to_subnet(c->ts[sa->this_end], &s) < 0 || s.addr.af != AF_INET ||
	    s.prefix == 0)
		return 0;
	m = ip_subnet_mask(&s);
	memset(out, 0, SPLIT_ITEM);
	memcpy(out, s.addr.b, 4);
	memcpy(out + 4, m.b, 4);
	return SPLIT_ITEM;
}

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
	struct ike_pool *pool = conn->cfg->pool[1 - sa->this_end][0];
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

/*
 * The attributes the server gives: the address, its mask, DNS servers, the
 * first domain, the banner, the split network (into split).
 */
static void fill(struct ike_sa *sa, struct v1_cfg *cfg, uint8_t a4[4], uint8_t dns[][4],
		 uint8_t split[SPLIT_ITEM])
{
	const char *banner = banner_of(sa);
	size_t sl = split_of(sa, split);

	const struct ike_modecfg *mc = &sa->conn->cfg->modecfg;
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
	if (banner && banner[0])	/* at most IKE_BANNER_MAX bytes (connection.c checks) */
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){
			.type = MC_UNITY_BANNER, .len = (uint16_t)strlen(banner),
			.val = (const uint8_t *)banner };
	if (sl)
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_UNITY_SPLIT_INCLUDE,
								.len = (uint16_t)sl, .val = split };
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
	uint8_t a4[4], dns[4][4], split[SPLIT_ITEM];

	if (lease(sa) < 0)
		return -ENOSPC;
	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	fill(sa, &cfg, a4, dns, split);
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
	uint8_t a4[4], dns[4][4], split[SPLIT_ITEM];

	if (!sa->conn->spec->end[sa->this_end].modecfg_server) {
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
	fill(sa, &cfg, a4, dns, split);
	if (v1_tx_send(sa, in->v1m->hdr.msgid, false, &cfg, false) < 0) {
		ike_sa_progress(sa, RC_INTERNALERR, "ModeCfg: cannot send the REPLY");
		v1_delete(sa, false);
		return;
	}
	sa->state = sa->v1->p1_state;
	gave(sa);
}

/* ---- the client ---- */

/*
 * UNITY_BANNER: kept for updown (PLUTO_PEER_BANNER) up to IKE_BANNER_MAX
 * bytes, control characters but newlines and tabs as '?'; logged (one
 * line, its first 200 bytes, rate-limited without a whack).
 */
static void take_banner(struct ike_sa *sa, struct ike_cp_given *g, const struct v1_cfg_attr *at)
{
	size_t n = at->len < IKE_BANNER_MAX ? at->len : IKE_BANNER_MAX;
	char shown[201];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t ch = at->val[i];

		g->banner[i] = ch == '\n' || ch == '\t' || (ch >= 0x20 && ch != 0x7f) ? (char)ch : '?';
		if (k < sizeof(shown) - 1)
			shown[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
	}
	g->banner[n] = '\0';
	shown[k] = '\0';
	ike_sa_progress(sa, RC_LOG, "ModeCfg: the server's banner%s: %s",
			at->len > sizeof(shown) - 1 ? " (cut)" : "", shown);
}

/* UNITY_SPLIT_INCLUDE: 14-byte items (address, mask, protocols and ports), kept as subnets. */
static void take_split(struct ike_sa *sa, struct ike_cp_given *g, const struct v1_cfg_attr *at)
{
	char s[IP_SUBNET_STRLEN];

	for (size_t off = 0; off + SPLIT_ITEM <= at->len; off += SPLIT_ITEM) {
		struct ip_subnet net = { .addr = ip_addr_v4(at->val + off) };
		uint32_t m = (uint32_t)at->val[off + 4] << 24 | (uint32_t)at->val[off + 5] << 16 |
			     (uint32_t)at->val[off + 6] << 8 | at->val[off + 7];
		unsigned bits = 0;

		while (bits < 32 && (m & (0x80000000u >> bits)))
			bits++;
		if (bits < 32 && (m << bits) != 0) {
			log_limited(LOG_INFO, 10, "ModeCfg split network", "#%llu: ModeCfg: a split "
				    "network with a mask that is no prefix: ignored",
				    (unsigned long long)sa->serial);
			continue;
		}
		net.prefix = (uint8_t)bits;
		for (unsigned i = bits; i < 32; i++)
			net.addr.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
		if (g->nsplit == IKE_SPLIT_MAX)
			break;
		g->split[g->nsplit++] = net;
		ike_sa_progress(sa, RC_LOG, "ModeCfg: the server's split network %s",
				ip_subnet_str(&net, s));
	}
}

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
		} else if (at->type == MC_UNITY_BANNER) {
			take_banner(sa, g, at);
			ok = true;
		} else if (at->type == MC_UNITY_SPLIT_INCLUDE) {
			take_split(sa, g, at);
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
	struct v1_cfg cfg = { .type = V1_CFG_REQUEST, .nattr = 6 };

	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	cfg.attr[0] = (struct v1_cfg_attr){ .type = MC_IP4_ADDRESS };
	cfg.attr[1] = (struct v1_cfg_attr){ .type = MC_IP4_NETMASK };
	cfg.attr[2] = (struct v1_cfg_attr){ .type = MC_IP4_DNS };
	cfg.attr[3] = (struct v1_cfg_attr){ .type = MC_UNITY_DEF_DOMAIN };
	cfg.attr[4] = (struct v1_cfg_attr){ .type = MC_UNITY_BANNER };
	cfg.attr[5] = (struct v1_cfg_attr){ .type = MC_UNITY_SPLIT_INCLUDE };
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

struct ike_ts v1_modecfg_remote_ts(const struct ike_sa *sa, const struct connection *conn,
				   uint8_t this_end)
{
	const struct ike_ts *want = conn->ts[1 - this_end];
	const struct ike_cp_given *g = sa->given;
	char s[IP_SUBNET_STRLEN];
	struct ike_ts t;

	if (!g || !g->nsplit || conn != sa->conn)
		return *want;
	t = ike_ts_from_subnet(&g->split[0], want->ipproto, want->sport);
	t.eport = want->eport;
	if (conn->spec->end[1 - this_end].has_client && !ike_ts_within(&t, want)) {
		log_limited(LOG_INFO, 10, "ModeCfg split network", "#%llu: ModeCfg: the split "
			    "network %s is not within the connection's: not used",
			    (unsigned long long)sa->serial, ip_subnet_str(&g->split[0], s));
		return *want;
	}
	if (g->nsplit > 1)
		log_limited(LOG_INFO, 10, "ModeCfg split network", "#%llu: ModeCfg: %u split "
			    "networks: the IPsec SA is of the first (%s) only",
			    (unsigned long long)sa->serial, g->nsplit, ip_subnet_str(&g->split[0], s));
	return t;
}
