/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_CFG_H
#define SKUA_IKE_V2_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/payloads.h"
#include "util/addr.h"

/*
 * The meaning of a Configuration payload (RFC 7296 3.15): the attributes
 * of a decoded CP form (struct v2_cp, ike/v2/payloads.h) checked and
 * turned into addresses, and back. The attributes Skua knows:
 *
 *   INTERNAL_IP4_ADDRESS, INTERNAL_IP6_ADDRESS (address and prefix length),
 *   INTERNAL_IP4_NETMASK, INTERNAL_IP4/6_DNS, INTERNAL_IP4/6_SUBNET
 *   (RFC 7296 3.15.1), INTERNAL_DNS_DOMAIN (RFC 8598), P_CSCF_IP4/6_ADDRESS
 *   (RFC 7651, and the 3GPP private values 16389/16390 older handsets send).
 *
 * Others (NBNS, DHCP, APPLICATION_VERSION, SUPPORTED_ATTRIBUTES, DNSSEC
 * trust anchors, unknown ones) are skipped, as RFC 7296 3.15.1 allows; a
 * known attribute of a length 3.15.1 does not list is refused.
 */

enum {
	V2_CFG_MAX_DNS = 4,		/* per family */
	V2_CFG_MAX_DOMAINS = 4,
	V2_CFG_MAX_SUBNETS = 8,		/* both families */
	V2_CFG_MAX_PCSCF = 4,		/* both families */
	V2_CFG_DOMAIN_MAX = 253,	/* a DNS name in text, RFC 1035 2.3.4 */
};

/* What a CFG_REQUEST asks for (attributes present, empty or with a hint). */
enum v2_cfg_want {
	V2_CFGW_IP4 = 1u << 0,
	V2_CFGW_IP6 = 1u << 1,
	V2_CFGW_DNS4 = 1u << 2,
	V2_CFGW_DNS6 = 1u << 3,
	V2_CFGW_DOMAIN = 1u << 4,
	V2_CFGW_SUBNET4 = 1u << 5,
	V2_CFGW_SUBNET6 = 1u << 6,
	V2_CFGW_PCSCF4 = 1u << 7,
	V2_CFGW_PCSCF6 = 1u << 8,
};

struct v2_cfg_domain {
	uint8_t len;
	char name[V2_CFG_DOMAIN_MAX + 1];	/* NUL-terminated */
};

/*
 * One configuration, decoded or to encode. Owner: the caller; plain data
 * (no pointers into the message).
 */
struct v2_cfg {
	uint8_t type;			/* enum v2_cfg_type */
	uint32_t want;			/* enum v2_cfg_want bits: what a request asks for */
	bool has_ip4, has_ip6;		/* an address (a reply; in a request: a hint) */
	struct ip_addr ip4;
	struct ip_addr ip6;
	uint8_t ip6_prefix;		/* 0..128, with ip6 */
	bool has_netmask4;
	struct ip_addr netmask4;
	uint8_t ndns4, ndns6;
	struct ip_addr dns4[V2_CFG_MAX_DNS];
	struct ip_addr dns6[V2_CFG_MAX_DNS];
	uint8_t ndomains;
	struct v2_cfg_domain domains[V2_CFG_MAX_DOMAINS];
	uint8_t nsubnets;
	struct ip_subnet subnets[V2_CFG_MAX_SUBNETS];
	uint8_t npcscf;
	struct ip_addr pcscf[V2_CFG_MAX_PCSCF];
	/* the P-CSCF attribute types a request used (RFC 7651 or legacy); a reply answers with them */
	uint16_t pcscf4_type, pcscf6_type;
	uint8_t nskipped;		/* attributes read past (unknown or unused) */
};

/*
 * Read the attributes of a decoded CP form into cfg. A REQUEST's
 * attributes are empty (what it wants) or carry a hint; a REPLY's carry
 * values (an empty one is skipped). More values of a kind than the caps
 * above keeps the first ones. Returns 0 or -EBADMSG with *why set (a
 * length RFC 7296 3.15.1 does not allow, a prefix beyond 128, a domain
 * that is not a host name).
 * Context: any thread; pure.
 */
int v2_cfg_decode(const struct v2_cp *cp, struct v2_cfg *cfg, const char **why);

/*
 * The CP form of cfg into cp, its attribute values written into buf
 * (cap bytes, which cp borrows): for a REQUEST, one empty attribute per
 * bit of want; for a REPLY, one attribute per value. Returns 0, -EINVAL
 * (a form the decoder would refuse) or -EMSGSIZE.
 * Context: any thread; pure.
 */
int v2_cfg_encode(const struct v2_cfg *cfg, struct v2_cp *cp, uint8_t *buf, size_t cap);

/* Whether a domain name is one Skua sends and accepts: letters, digits, '-', '.', '_'. */
bool v2_cfg_domain_ok(const char *name, size_t len);

#endif
