/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Configuration payload's attributes as addresses (RFC 7296 3.15.1,
 * RFC 8598, RFC 7651).
 */
#include "ike/v2/cfg.h"

#include <errno.h>
#include <string.h>

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

static struct ip_addr addr_of(sa_family_t af, const uint8_t *p)
{
	struct ip_addr a;

	memset(&a, 0, sizeof(a));
	a.af = af;
	memcpy(a.b, p, af == AF_INET ? 4 : 16);
	return a;
}

static unsigned mask_bits(const uint8_t *m)
{
	uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	unsigned n = 0;

	while (n < 32 && (v & (1u << (31 - n))))
		n++;
	return (n == 32 || !(v << n)) ? n : 33;	/* 33: not a contiguous mask */
}

bool v2_cfg_domain_ok(const char *name, size_t len)
{
	if (len == 0 || len > V2_CFG_DOMAIN_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '-' || c == '.' || c == '_';
		if (!ok || (c == '.' && i + 1 < len && name[i + 1] == '.'))
			return false;
	}
	return true;
}

static void add_addr(struct ip_addr *list, uint8_t *n, unsigned cap, const struct ip_addr *a)
{
	if (*n < cap)
		list[(*n)++] = *a;
}

/*
 * One attribute (RFC 7296 3.15.1):
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|         Attribute Type      |            Length             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  ~                             Value                             ~
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  INTERNAL_IP4_ADDRESS, _NETMASK, _DNS, P_CSCF_IP4    0 or 4 octets
 *  INTERNAL_IP6_ADDRESS, INTERNAL_IP6_SUBNET           0 or 17 (address, prefix length)
 *  INTERNAL_IP6_DNS, P_CSCF_IP6_ADDRESS                0 or 16
 *  INTERNAL_IP4_SUBNET                                 0 or 8 (address, netmask)
 *  INTERNAL_DNS_DOMAIN (RFC 8598)                      0 or a domain name
 */
static int one(const struct v2_cp_attr *a, struct v2_cfg *c, const char **why)
{
	const uint8_t *v = a->value;
	uint16_t len = a->len;
	struct ip_addr addr;

	switch (a->type) {
	case V2_CFG_INTERNAL_IP4_ADDRESS:
		if (len != 0 && len != 4)
			return bad(why, "INTERNAL_IP4_ADDRESS not 0 or 4 octets");
		c->want |= V2_CFGW_IP4;
		if (len && !c->has_ip4) {
			c->has_ip4 = true;
			c->ip4 = addr_of(AF_INET, v);
		}
		return 0;
	case V2_CFG_INTERNAL_IP4_NETMASK:
		if (len != 0 && len != 4)
			return bad(why, "INTERNAL_IP4_NETMASK not 0 or 4 octets");
		if (len) {
			c->has_netmask4 = true;
			c->netmask4 = addr_of(AF_INET, v);
		}
		return 0;
	case V2_CFG_INTERNAL_IP6_ADDRESS:
		if (len != 0 && len != 17)
			return bad(why, "INTERNAL_IP6_ADDRESS not 0 or 17 octets");
		c->want |= V2_CFGW_IP6;
		if (len && v[16] > 128)
			return bad(why, "INTERNAL_IP6_ADDRESS prefix length beyond 128");
		if (len && !c->has_ip6) {
			c->has_ip6 = true;
			c->ip6 = addr_of(AF_INET6, v);
			c->ip6_prefix = v[16];
		}
		return 0;
	case V2_CFG_INTERNAL_IP4_DNS:
		if (len != 0 && len != 4)
			return bad(why, "INTERNAL_IP4_DNS not 0 or 4 octets");
		c->want |= V2_CFGW_DNS4;
		if (len) {
			addr = addr_of(AF_INET, v);
			add_addr(c->dns4, &c->ndns4, V2_CFG_MAX_DNS, &addr);
		}
		return 0;
	case V2_CFG_INTERNAL_IP6_DNS:
		if (len != 0 && len != 16)
			return bad(why, "INTERNAL_IP6_DNS not 0 or 16 octets");
		c->want |= V2_CFGW_DNS6;
		if (len) {
			addr = addr_of(AF_INET6, v);
			add_addr(c->dns6, &c->ndns6, V2_CFG_MAX_DNS, &addr);
		}
		return 0;
	case V2_CFG_INTERNAL_IP4_SUBNET:
		if (len != 0 && len != 8)
			return bad(why, "INTERNAL_IP4_SUBNET not 0 or 8 octets");
		c->want |= V2_CFGW_SUBNET4;
		if (len) {
			unsigned bits = mask_bits(v + 4);
			if (bits > 32)
				return bad(why, "INTERNAL_IP4_SUBNET netmask not contiguous");
			if (c->nsubnets < V2_CFG_MAX_SUBNETS)
				c->subnets[c->nsubnets++] = (struct ip_subnet){
					.addr = addr_of(AF_INET, v), .prefix = (uint8_t)bits };
		}
		return 0;
	case V2_CFG_INTERNAL_IP6_SUBNET:
		if (len != 0 && len != 17)
			return bad(why, "INTERNAL_IP6_SUBNET not 0 or 17 octets");
		c->want |= V2_CFGW_SUBNET6;
		if (len && v[16] > 128)
			return bad(why, "INTERNAL_IP6_SUBNET prefix length beyond 128");
		if (len && c->nsubnets < V2_CFG_MAX_SUBNETS)
			c->subnets[c->nsubnets++] =
				(struct ip_subnet){ .addr = addr_of(AF_INET6, v), .prefix = v[16] };
		return 0;
	case V2_CFG_INTERNAL_DNS_DOMAIN:
		c->want |= V2_CFGW_DOMAIN;
		if (!len)
			return 0;
		if (!v2_cfg_domain_ok((const char *)v, len))
			return bad(why, "INTERNAL_DNS_DOMAIN not a domain name");
		if (c->ndomains < V2_CFG_MAX_DOMAINS) {
			struct v2_cfg_domain *d = &c->domains[c->ndomains++];
			memcpy(d->name, v, len);
			d->name[len] = '\0';
			d->len = (uint8_t)len;
		}
		return 0;
	case V2_CFG_P_CSCF_IP4_ADDRESS:
	case V2_CFG_P_CSCF_IP6_ADDRESS:
	case V2_CFG_P_CSCF_LEGACY_A:
	case V2_CFG_P_CSCF_LEGACY_B: {
		bool legacy = a->type >= V2_CFG_P_CSCF_LEGACY_A;
		bool v6;

		if (!legacy) {
			v6 = a->type == V2_CFG_P_CSCF_IP6_ADDRESS;
			if (len != 0 && len != (v6 ? 16 : 4))
				return bad(why, v6 ? "P_CSCF_IP6_ADDRESS not 0 or 16 octets"
						   : "P_CSCF_IP4_ADDRESS not 0 or 4 octets");
		} else {
			/* which family each private value meant varies: its length says */
			if (len != 0 && len != 4 && len != 16)
				return bad(why, "P-CSCF address (3GPP private value) not 0, 4 or 16 octets");
			v6 = len == 16;
			if (!len) {
				/* asked without a value: answer both families with this type */
				c->want |= V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6;
				c->pcscf4_type = c->pcscf4_type ? c->pcscf4_type : a->type;
				c->pcscf6_type = c->pcscf6_type ? c->pcscf6_type : a->type;
				return 0;
			}
		}
		c->want |= v6 ? V2_CFGW_PCSCF6 : V2_CFGW_PCSCF4;
		if (v6 && !c->pcscf6_type)
			c->pcscf6_type = a->type;
		if (!v6 && !c->pcscf4_type)
			c->pcscf4_type = a->type;
		if (len) {
			addr = addr_of(v6 ? AF_INET6 : AF_INET, v);
			add_addr(c->pcscf, &c->npcscf, V2_CFG_MAX_PCSCF, &addr);
		}
		return 0;
	}
	default:
		c->nskipped++;
		return 0;
	}
}

int v2_cfg_decode(const struct v2_cp *cp, struct v2_cfg *cfg, const char **why)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = cp->type;
	for (unsigned i = 0; i < cp->nattrs; i++) {
		int rc = one(&cp->attrs[i], cfg, why);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- encoding ---- */

struct enc {
	struct v2_cp *cp;
	uint8_t *buf;
	size_t cap, used;
	int err;
};

static uint8_t *attr(struct enc *e, uint16_t type, uint16_t len)
{
	struct v2_cp_attr *a;

	if (e->err)
		return NULL;
	if (e->cp->nattrs == V2_MAX_CP_ATTRS || len > e->cap - e->used) {
		e->err = -EMSGSIZE;
		return NULL;
	}
	a = &e->cp->attrs[e->cp->nattrs++];
	a->type = type;
	a->len = len;
	a->value = len ? e->buf + e->used : NULL;
	e->used += len;
	return (uint8_t *)a->value;
}

static void put_addr(struct enc *e, uint16_t type, const struct ip_addr *a, int prefix)
{
	size_t n = a->af == AF_INET ? 4 : 16;
	uint8_t *p = attr(e, type, (uint16_t)(n + (prefix >= 0)));

	if (!p)
		return;
	memcpy(p, a->b, n);
	if (prefix >= 0)
		p[n] = (uint8_t)prefix;
}

static void put_subnet(struct enc *e, const struct ip_subnet *s)
{
	if (s->addr.af == AF_INET6) {
		put_addr(e, V2_CFG_INTERNAL_IP6_SUBNET, &s->addr, s->prefix);
		return;
	}
	uint8_t *p = attr(e, V2_CFG_INTERNAL_IP4_SUBNET, 8);
	uint32_t m = s->prefix ? ~0u << (32 - s->prefix) : 0;

	if (!p)
		return;
	memcpy(p, s->addr.b, 4);
	p[4] = (uint8_t)(m >> 24);
	p[5] = (uint8_t)(m >> 16);
	p[6] = (uint8_t)(m >> 8);
	p[7] = (uint8_t)m;
}

static int check(const struct v2_cfg *c)
{
	if (c->type < V2_CFG_REQUEST || c->type > V2_CFG_ACK)
		return -EINVAL;
	if ((c->has_ip4 && c->ip4.af != AF_INET) || (c->has_ip6 && c->ip6.af != AF_INET6) ||
	    c->ip6_prefix > 128 || c->ndns4 > V2_CFG_MAX_DNS || c->ndns6 > V2_CFG_MAX_DNS ||
	    c->ndomains > V2_CFG_MAX_DOMAINS || c->nsubnets > V2_CFG_MAX_SUBNETS ||
	    c->npcscf > V2_CFG_MAX_PCSCF)
		return -EINVAL;
	for (unsigned i = 0; i < c->ndns4; i++)
		if (c->dns4[i].af != AF_INET)
			return -EINVAL;
	for (unsigned i = 0; i < c->ndns6; i++)
		if (c->dns6[i].af != AF_INET6)
			return -EINVAL;
	for (unsigned i = 0; i < c->ndomains; i++)
		if (!v2_cfg_domain_ok(c->domains[i].name, c->domains[i].len))
			return -EINVAL;
	for (unsigned i = 0; i < c->nsubnets; i++)
		if (c->subnets[i].prefix > ip_addr_bits(&c->subnets[i].addr))
			return -EINVAL;
	return 0;
}

static uint16_t pcscf_type(const struct v2_cfg *c, bool v6)
{
	uint16_t t = v6 ? c->pcscf6_type : c->pcscf4_type;

	return t ? t : v6 ? V2_CFG_P_CSCF_IP6_ADDRESS : V2_CFG_P_CSCF_IP4_ADDRESS;
}

int v2_cfg_encode(const struct v2_cfg *c, struct v2_cp *cp, uint8_t *buf, size_t cap)
{
	struct enc e = { .cp = cp, .buf = buf, .cap = cap };
	int rc = check(c);

	if (rc < 0)
		return rc;
	memset(cp, 0, sizeof(*cp));
	cp->type = c->type;
	if (c->type == V2_CFG_REQUEST) {
		static const struct { uint32_t bit; uint16_t type; } asks[] = {
			{ V2_CFGW_IP4, V2_CFG_INTERNAL_IP4_ADDRESS },
			{ V2_CFGW_IP6, V2_CFG_INTERNAL_IP6_ADDRESS },
			{ V2_CFGW_DNS4, V2_CFG_INTERNAL_IP4_DNS },
			{ V2_CFGW_DNS6, V2_CFG_INTERNAL_IP6_DNS },
			{ V2_CFGW_DOMAIN, V2_CFG_INTERNAL_DNS_DOMAIN },
			{ V2_CFGW_SUBNET4, V2_CFG_INTERNAL_IP4_SUBNET },
			{ V2_CFGW_SUBNET6, V2_CFG_INTERNAL_IP6_SUBNET },
		};
		for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++)
			if (c->want & asks[i].bit)
				attr(&e, asks[i].type, 0);
		if (c->want & V2_CFGW_PCSCF4)
			attr(&e, pcscf_type(c, false), 0);
		if (c->want & V2_CFGW_PCSCF6)
			attr(&e, pcscf_type(c, true), 0);
		return e.err;
	}
	if (c->has_ip4)
		put_addr(&e, V2_CFG_INTERNAL_IP4_ADDRESS, &c->ip4, -1);
	if (c->has_netmask4)
		put_addr(&e, V2_CFG_INTERNAL_IP4_NETMASK, &c->netmask4, -1);
	if (c->has_ip6)
		put_addr(&e, V2_CFG_INTERNAL_IP6_ADDRESS, &c->ip6, c->ip6_prefix);
	for (unsigned i = 0; i < c->ndns4; i++)
		put_addr(&e, V2_CFG_INTERNAL_IP4_DNS, &c->dns4[i], -1);
	for (unsigned i = 0; i < c->ndns6; i++)
		put_addr(&e, V2_CFG_INTERNAL_IP6_DNS, &c->dns6[i], -1);
	for (unsigned i = 0; i < c->ndomains; i++) {
		uint8_t *p = attr(&e, V2_CFG_INTERNAL_DNS_DOMAIN, c->domains[i].len);
		if (p)
			memcpy(p, c->domains[i].name, c->domains[i].len);
	}
	for (unsigned i = 0; i < c->nsubnets; i++)
		put_subnet(&e, &c->subnets[i]);
	for (unsigned i = 0; i < c->npcscf; i++) {
		bool v6 = c->pcscf[i].af == AF_INET6;
		put_addr(&e, pcscf_type(c, v6), &c->pcscf[i], -1);
	}
	return e.err;
}
