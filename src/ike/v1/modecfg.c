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
 * keeps what it got in sa->ext->given, as the IKEv2 client does: its Quick
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
#include "util/impair.h"
#include "util/log.h"

enum {
	MC_IP4_ADDRESS = 1,
	MC_IP4_NETMASK = 2,
	MC_IP4_DNS = 3,
	MC_IP6_ADDRESS = 8,	/* we send RFC 7296's 17 octets (address, prefix length) */
	MC_IP6_NETMASK = 9,
	MC_IP6_DNS = 10,
	MC_UNITY_BANNER = 28672,
	MC_UNITY_DEF_DOMAIN = 28674,
	MC_UNITY_SPLIT_INCLUDE = 28676,
	SPLIT_ITEM = 14,	/* address, mask, 6 bytes of protocols and ports (zero) */
	SPLIT_SENT_MAX = 2,	/* items we send: our --client (as two halves with the impair) */
	DNS_SENT_MAX = 4,	/* DNS servers we send per family */
	FAM_IP4 = 1 << 0,	/* address families: what a REQUEST asked for, what we lease */
	FAM_IP6 = 1 << 1,
};

/* The values of the attributes the server sends, alive until the message is built. */
struct mc_vals {
	uint8_t a4[4], a6[17];
	uint8_t dns4[DNS_SENT_MAX][4], dns6[DNS_SENT_MAX][16];
	uint8_t split[SPLIT_SENT_MAX * SPLIT_ITEM];
};

/* The banner to send: our end's --modecfgbanner, or the other end's (ipsec.conf gives both). */
static const char *banner_of(const struct ike_sa *sa)
{
	const struct conn_spec *s = sa->conn->spec;

	return s->end[sa->this_end].modecfg_banner ? s->end[sa->this_end].modecfg_banner
						    : s->end[1 - sa->this_end].modecfg_banner;
}

static void split_item(const struct ip_subnet *s, uint8_t out[SPLIT_ITEM])
{
	struct ip_addr m = ip_subnet_mask(s);

	memset(out, 0, SPLIT_ITEM);
	memcpy(out, s->addr.b, 4);
	memcpy(out + 4, m.b, 4);
}

/*
 * UNITY_SPLIT_INCLUDE, as libreswan sends it: the server's --client when it
 * has one that is IPv4 and not 0.0.0.0/0 (the client then tunnels only it).
 * A connection has one --client per end, so one network (libreswan too
 * sends its connection's first subnet only); --impair modecfg-split-halves
 * sends it as its two halves instead, for tests of a client given several.
 * Returns the bytes written into out (0: nothing to send).
 */
static size_t split_of(const struct ike_sa *sa, uint8_t out[SPLIT_SENT_MAX * SPLIT_ITEM])
{
	const struct connection *c = sa->conn;
	struct ip_subnet s;

	if (!c->spec->end[sa->this_end].has_client ||
	    ike_ts_to_subnet(c->ts[sa->this_end], &s) < 0 || s.addr.af != AF_INET ||
	    s.prefix == 0)
		return 0;
	if (!impair_get(IMPAIR_MODECFG_SPLIT_HALVES) || s.prefix == 32) {
		split_item(&s, out);
		return SPLIT_ITEM;
	}
	s.prefix++;
	split_item(&s, out);
	s.addr.b[(s.prefix - 1) / 8] |= (uint8_t)(0x80u >> ((s.prefix - 1) % 8));
	split_item(&s, out + SPLIT_ITEM);
	return 2 * SPLIT_ITEM;
}

static const uint8_t mask32[4] = { 255, 255, 255, 255 };

/* An address of family af (AF_INET: 4 bytes at p, AF_INET6: 16). */
static struct ip_addr addr_of(sa_family_t af, const uint8_t *p)
{
	struct ip_addr a;

	memset(&a, 0, sizeof(a));
	a.af = af;
	memcpy(a.b, p, af == AF_INET6 ? 16 : 4);
	return a;
}

/*
 * Lease the client an address of each family in fams (FAM_*) from our
 * pools (IKEv2's Configuration payload's, --addresspool): at least one
 * must come. 0, or -errno (logged).
 */
static int lease(struct ike_sa *sa, unsigned fams)
{
	const struct connection *conn = sa->conn;
	struct ike_pool *const *pools = conn->cfg->pool[1 - sa->this_end];
	struct ike_lease *l = NULL;
	struct ike_id key;
	char name[CONN_NAME_MAX + 32];
	unsigned got = 0;
	int rc = 0;

	if (!(fams & ((pools[0] ? FAM_IP4 : 0) | (pools[1] ? FAM_IP6 : 0))))
		fams = FAM_IP4 | FAM_IP6;	/* not asked for one we have: what we have */
	if (!pools[0] && !pools[1]) {
		ike_sa_progress(sa, RC_LOG_SERIOUS, "ModeCfg: no --addresspool to lease from");
		return -ENOENT;
	}
	l = ike_sa_lease_slot(sa);	/* made when an address is taken */
	if (!l) {
		ike_sa_progress(sa, RC_LOG_SERIOUS, "ModeCfg: out of memory for the client's lease");
		return -ENOMEM;
	}
	ike_lease_key(sa->ext->id_remote, sa->serial, &key);
	for (int fam = 0; fam < 2; fam++) {
		if (!pools[fam] || !(fams & (fam ? FAM_IP6 : FAM_IP4)))
			continue;
		rc = ike_lease_take(l, pools[fam], &key);
		if (rc == -EALREADY)
			rc = 0;
		if (rc < 0) {
			log_limited(LOG_WARNING, 10, "address pool exhausted",
				    "%s: ModeCfg: no %s address left in the pool for the client",
				    ike_sa_name(sa, name, sizeof(name)), fam ? "IPv6" : "IPv4");
			return rc;
		}
		got++;
	}
	return got ? 0 : -ENOENT;
}

/*
 * The attributes the server gives: the leased addresses (IPv4 with its
 * mask, IPv6 with its prefix length), DNS servers of both families, the
 * first domain, the banner, the split network (values in v).
 */
static void fill(struct ike_sa *sa, struct v1_cfg *cfg, struct mc_vals *v)
{
	const char *banner = banner_of(sa);
	size_t sl = split_of(sa, v->split);
	const struct ike_modecfg *mc = &sa->conn->cfg->modecfg;
	const struct ike_lease *l = ike_sa_lease(sa);
	unsigned n4 = 0, n6 = 0;

	if (ike_lease_has(l, AF_INET)) {
		memcpy(v->a4, l->addr[0].b, 4);
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP4_ADDRESS, .len = 4,
								.val = v->a4 };
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP4_NETMASK, .len = 4,
								.val = mask32 };
	}
	if (ike_lease_has(l, AF_INET6)) {
		uint8_t plen = ike_pool_lease_bits(l->pool[1]);

		memcpy(v->a6, l->addr[1].b, 16);
		/* a prefix pool's lease is a whole prefix: name its ::1 in it, as IKEv2's CP does */
		if (plen < 128)
			v->a6[15] |= 1;
		v->a6[16] = plen;
		cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP6_ADDRESS, .len = 17,
								.val = v->a6 };
	}
	for (unsigned i = 0; i < mc->ndns; i++) {
		if (mc->dns[i].af == AF_INET && n4 < DNS_SENT_MAX) {
			memcpy(v->dns4[n4], mc->dns[i].b, 4);
			cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP4_DNS, .len = 4,
									.val = v->dns4[n4++] };
		} else if (mc->dns[i].af == AF_INET6 && n6 < DNS_SENT_MAX) {
			memcpy(v->dns6[n6], mc->dns[i].b, 16);
			cfg->attr[cfg->nattr++] = (struct v1_cfg_attr){ .type = MC_IP6_DNS, .len = 16,
									.val = v->dns6[n6++] };
		}
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
								.len = (uint16_t)sl, .val = v->split };
}

static void gave(struct ike_sa *sa)
{
	const struct ike_lease *l = ike_sa_lease(sa);
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN + 8] = "";
	bool v4 = ike_lease_has(l, AF_INET);

	if (ike_lease_has(l, AF_INET6))
		snprintf(b, sizeof(b), "%s%s/%u", v4 ? " and " : "", ip_addr_str(&l->addr[1], a),
			 ike_pool_lease_bits(l->pool[1]));
	ike_sa_progress(sa, RC_LOG, "ModeCfg: gave the client %s%s",
			v4 ? ip_addr_str(&l->addr[0], a) : "", b);
}

/* ---- the server ---- */

int v1_modecfg_push(struct ike_sa *sa)
{
	struct v1_cfg cfg = { .type = V1_CFG_SET };
	struct mc_vals v;

	if (lease(sa, FAM_IP4 | FAM_IP6) < 0)
		return -ENOSPC;
	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	fill(sa, &cfg, &v);
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
	struct mc_vals v;
	unsigned fams = 0;

	if (!sa->conn->spec->end[sa->this_end].modecfg_server) {
		v1_drop(sa->w, in->rx, "a ModeCfg REQUEST to a connection that is no --modecfgserver");
		return;
	}
	req = v1_tx_take(sa, in, V1_CFG_REQUEST);
	if (!req)
		return;
	cfg.identifier = req->identifier;
	for (unsigned i = 0; i < req->nattr; i++)
		fams |= req->attr[i].type == MC_IP4_ADDRESS ? FAM_IP4 :
			req->attr[i].type == MC_IP6_ADDRESS ? FAM_IP6 : 0;
	if (lease(sa, fams) < 0) {
		v1_delete(sa, true);
		return;
	}
	fill(sa, &cfg, &v);
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
		struct ip_subnet net = { .addr = addr_of(AF_INET, at->val + off) };
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

/* The address family our IPsec SA's tunnel is of (its remote --client's): the one we need. */
static sa_family_t tunnel_af(const struct ike_sa *sa)
{
	return sa->conn->ts[1 - sa->this_end]->start.af == AF_INET6 ? AF_INET6 : AF_INET;
}

/* An IPv6 netmask's prefix length; -1 when it is no prefix. */
static int mask6_bits(const uint8_t *m)
{
	int bits = 0;

	while (bits < 128 && (m[bits / 8] & (0x80u >> (bits % 8))))
		bits++;
	for (int i = bits; i < 128; i++)
		if (m[i / 8] & (0x80u >> (i % 8)))
			return -1;
	return bits;
}

static void dns_add(struct ike_cp_given *g, size_t *dl, const struct ip_addr *d)
{
	char a[IP_ADDR_STRLEN];

	*dl += (size_t)snprintf(g->dns_info + *dl, sizeof(g->dns_info) - *dl, "%s%s",
				*dl ? " " : "", ip_addr_str(d, a));
	if (*dl >= sizeof(g->dns_info))
		*dl = sizeof(g->dns_info) - 1;
}

/*
 * Take the server's attributes into sa->ext->given; false when it gave no
 * address of our tunnel's family. INTERNAL_IP6_ADDRESS comes as RFC 7296's
 * 17 octets (address, prefix length: strongSwan's, ours) or as the draft's
 * 16 with INTERNAL_IP6_NETMASK beside it (no mask: the address alone).
 */
static bool take(struct ike_sa *sa, const struct v1_cfg *cfg, struct v1_cfg *ack)
{
	struct ike_cp_given *g = sa->ext->given ? sa->ext->given : calloc(1, sizeof(*g));
	size_t dl = 0, ml = 0;
	char a[IP_ADDR_STRLEN];
	int plen6 = -1, mask6 = -1;
	sa_family_t af = tunnel_af(sa);

	if (!g)
		return false;
	sa->ext->given = g;
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < cfg->nattr; i++) {
		const struct v1_cfg_attr *at = &cfg->attr[i];
		bool ok = false;

		if (at->basic)
			continue;
		if (at->type == MC_IP4_ADDRESS && at->len == 4) {
			g->assigned[0] = addr_of(AF_INET, at->val);
			ok = true;
		} else if (at->type == MC_IP6_ADDRESS && (at->len == 16 ||
			   (at->len == 17 && at->val[16] <= 128))) {
			g->assigned[1] = addr_of(AF_INET6, at->val);
			plen6 = at->len == 17 ? at->val[16] : -1;
			ok = true;
		} else if (at->type == MC_IP6_NETMASK && at->len == 16) {
			mask6 = mask6_bits(at->val);
			ok = mask6 >= 0;
		} else if (at->type == MC_IP4_DNS && at->len == 4) {
			struct ip_addr d = addr_of(AF_INET, at->val);
			dns_add(g, &dl, &d);
			ok = true;
		} else if (at->type == MC_IP6_DNS && at->len == 16) {
			struct ip_addr d = addr_of(AF_INET6, at->val);
			dns_add(g, &dl, &d);
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
	if (g->assigned[1].af == AF_INET6) {
		g->prefix6 = (uint8_t)(plen6 >= 0 ? plen6 : mask6 >= 0 ? mask6 : 128);
		ike_sa_progress(sa, RC_LOG, "ModeCfg: received IPv6 address %s/%u",
				ip_addr_str(&g->assigned[1], a), g->prefix6);
	}
	if (g->assigned[0].af == AF_INET)
		ike_sa_progress(sa, RC_LOG, "ModeCfg: received IPv4 address %s",
				ip_addr_str(&g->assigned[0], a));
	if (g->dns_info[0])
		ike_sa_progress(sa, RC_LOG, "ModeCfg: received DNS %s", g->dns_info);
	return g->assigned[ike_lease_fam(af)].af == af;
}

static const char *no_address(const struct ike_sa *sa)
{
	return tunnel_af(sa) == AF_INET6 ? "the server gave no IPv6 address (the tunnel is IPv6)"
					 : "the server gave no IPv4 address";
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
				!ok ? no_address(sa) : "cannot send the ACK");
		v1_delete(sa, true);
		return;
	}
	v1_after_modecfg(sa);
}

int v1_modecfg_pull(struct ike_sa *sa)
{
	struct v1_cfg cfg = { .type = V1_CFG_REQUEST, .nattr = 7 };
	bool v6 = tunnel_af(sa) == AF_INET6;

	/* an address of our tunnel's family (libreswan's server knows IPv4 only), DNS of both */
	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	cfg.attr[0] = (struct v1_cfg_attr){ .type = v6 ? MC_IP6_ADDRESS : MC_IP4_ADDRESS };
	cfg.attr[1] = (struct v1_cfg_attr){ .type = v6 ? MC_IP6_NETMASK : MC_IP4_NETMASK };
	cfg.attr[2] = (struct v1_cfg_attr){ .type = MC_IP4_DNS };
	cfg.attr[3] = (struct v1_cfg_attr){ .type = MC_IP6_DNS };
	cfg.attr[4] = (struct v1_cfg_attr){ .type = MC_UNITY_DEF_DOMAIN };
	cfg.attr[5] = (struct v1_cfg_attr){ .type = MC_UNITY_BANNER };
	cfg.attr[6] = (struct v1_cfg_attr){ .type = MC_UNITY_SPLIT_INCLUDE };
	sa->state = IKE_V1_MODECFG_I1;
	sa->v1->mc_pulled = true;
	if (v1_tx_send(sa, v1_new_msgid(), true, &cfg, true) < 0)
		return -EIO;
	ike_sa_progress(sa, RC_LOG, "ModeCfg: sent REQUEST for an %s address", v6 ? "IPv6" : "IPv4");
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
		ike_sa_progress(sa, RC_FATAL, "ModeCfg: %s", no_address(sa));
		v1_delete(sa, true);
		return;
	}
	v1_after_modecfg(sa);
}

/* Split network i as conn's remote selector; false when it is not within conn's remote --client. */
static bool split_ts(const struct ike_sa *sa, const struct connection *conn, uint8_t this_end,
		     unsigned i, struct ike_ts *out)
{
	const struct ike_ts *want = conn->ts[1 - this_end];
	char s[IP_SUBNET_STRLEN];

	*out = ike_ts_from_subnet(&sa->ext->given->split[i], want->ipproto, want->sport);
	out->eport = want->eport;
	if (conn->spec->end[1 - this_end].has_client && !ike_ts_within(out, want)) {
		log_limited(LOG_INFO, 10, "ModeCfg split network", "#%llu: ModeCfg: the split "
			    "network %s is not within the connection's: not used",
			    (unsigned long long)sa->serial, ip_subnet_str(&sa->ext->given->split[i], s));
		return false;
	}
	return true;
}

struct ike_ts v1_modecfg_remote_ts(const struct ike_sa *sa, const struct connection *conn,
				   uint8_t this_end, unsigned split)
{
	const struct ike_cp_given *g = sa->ext->given;
	struct ike_ts t;

	if (!g || split >= g->nsplit || conn != sa->conn || !split_ts(sa, conn, this_end, split, &t))
		return *conn->ts[1 - this_end];
	return t;
}

unsigned v1_modecfg_next_split(const struct ike_sa *sa)
{
	const struct ike_cp_given *g = sa->ext->given;

	for (unsigned i = 1; g && i < g->nsplit; i++) {
		struct ike_ts t;
		const struct child_sa *c;

		if (!split_ts(sa, sa->conn, sa->this_end, i, &t))
			continue;
		for (c = sa->children; c; c = c->next)
			if (c->conn == sa->conn && ike_ts_equal(&c->ts_remote, &t))
				break;
		if (!c)
			return i;
	}
	return 0;
}
