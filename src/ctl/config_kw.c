/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/config_kw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What has not landed, worded once for every keyword that needs it. */
#define IKEV1 "IKEv1"
#define MODECFG "Mode Config and the IKEv2 configuration payload (address assignment)"
#define XAUTH "XAUTH (IKEv1 user authentication)"
#define VIFACE "route-based VPNs (VTI and XFRM interfaces)"

/* Value maps, shared where the words are the same. */
static const struct conf_kv_val no_ok[] = {	/* yes asks for what has not landed */
	{ "no", ACT_NONE, WO_NONE }, { "false", ACT_NONE, WO_NONE }, { NULL, 0, WO_NONE },
};
static const struct conf_kv_val yes_no_ok[] = {	/* either way: nothing to do */
	{ "yes", ACT_NONE, WO_NONE }, { "no", ACT_NONE, WO_NONE },
	{ "true", ACT_NONE, WO_NONE }, { "false", ACT_NONE, WO_NONE }, { NULL, 0, WO_NONE },
};
static const struct conf_kv_val yes_or_not_yet[] = {	/* no asks for what has not landed */
	{ "yes", ACT_NONE, WO_NONE }, { "true", ACT_NONE, WO_NONE }, { NULL, 0, WO_NONE },
};

#define NOT_YET_MAP(m, w) .kind = KW_MAP, .map = (m), .others_not_yet = true, .what = (w)

static const struct conf_kw table[] = {
	/* ---- per end: leftX and rightX ---- */
	{ .name = "", .end = true, .kind = KW_SPECIAL, .sp = SP_HOST },
	{ .name = "subnet", .end = true, .kind = KW_SPECIAL, .sp = SP_SUBNET },
	{ .name = "subnets", .end = true, .kind = KW_NOT_YET,
	  .what = "several subnets per end (leftsubnets=)" },
	{ .name = "sourceip", .end = true, .kind = KW_SPECIAL, .sp = SP_SOURCEIP },
	{ .name = "nexthop", .end = true, .kind = KW_SPECIAL, .sp = SP_NEXTHOP },
	{ .name = "updown", .end = true, .kind = KW_SPECIAL, .sp = SP_UPDOWN },
	{ .name = "id", .end = true, .kind = KW_SPECIAL, .sp = SP_ID },
	{ .name = "rsasigkey", .end = true, .kind = KW_SPECIAL, .sp = SP_RSASIGKEY },
	{ .name = "rsasigkey2", .end = true, .canon = "rsasigkey" },
	{ .name = "cert", .end = true, .kind = KW_OPT, .opt = WO_CERT },
	{ .name = "ckaid", .end = true, .kind = KW_OPT, .opt = WO_CKAID },
	{ .name = "ca", .end = true, .kind = KW_OPT, .opt = WO_CA },
	{ .name = "sendcert", .end = true, .kind = KW_OPT, .opt = WO_SENDCERT },
	{ .name = "ikeport", .end = true, .kind = KW_OPT, .opt = WO_IKEPORT },
	{ .name = "protoport", .end = true, .kind = KW_OPT, .opt = WO_CLIENTPROTOPORT },
	{ .name = "auth", .end = true, .kind = KW_SPECIAL, .sp = SP_AUTH },
	{ .name = "autheap", .end = true, .kind = KW_NOT_YET, .fine = "none",
	  .what = "EAP authentication" },
	{ .name = "addresspool", .end = true, .kind = KW_OPT, .opt = WO_ADDRESSPOOL },
	{ .name = "modecfgserver", .end = true, .kind = KW_SPECIAL, .sp = SP_MODECFGSERVER },
	{ .name = "modecfgclient", .end = true, .kind = KW_SPECIAL, .sp = SP_MODECFGCLIENT },
	{ .name = "xauthserver", .end = true, .kind = KW_SPECIAL, .sp = SP_XAUTHSERVER },
	{ .name = "xauthclient", .end = true, .kind = KW_SPECIAL, .sp = SP_XAUTHCLIENT },
	{ .name = "username", .end = true, .kind = KW_NOT_YET,
	  .what = "user names (XAUTH, EAP, the IKEv2 configuration payload)" },
	{ .name = "xauthusername", .end = true, .canon = "username" },
	{ .name = "xauthname", .end = true, .canon = "username" },
	{ .name = "vti", .end = true, .kind = KW_NOT_YET, .what = VIFACE },
	{ .name = "interface-ip", .end = true, .kind = KW_NOT_YET, .what = VIFACE },
	{ .name = "cat", .end = true, NOT_YET_MAP(no_ok, "client address translation "
						   "(opportunistic IPsec)") },
	{ .name = "firewall", .end = true, .kind = KW_OBSOLETE },

	/* ---- the whole connection ---- */
	{ .name = "also", .kind = KW_SPECIAL, .sp = SP_ALSO },
	{ .name = "alsoflip", .kind = KW_SPECIAL, .sp = SP_ALSOFLIP },
	{ .name = "auto", .kind = KW_SPECIAL, .sp = SP_AUTO },
	{ .name = "type", .kind = KW_SPECIAL, .sp = SP_TYPE },
	{ .name = "authby", .kind = KW_SPECIAL, .sp = SP_AUTHBY },
	{ .name = "connalias", .kind = KW_SPECIAL, .sp = SP_CONNALIAS },
	{ .name = "keyexchange", .kind = KW_MAP, .what = IKEV1,
	  .map = (const struct conf_kv_val[]){ { "ike", ACT_NONE, WO_NONE },
					       { "ikev2", ACT_NONE, WO_NONE },
					       { "ikev1", ACT_FLAG, WO_IKEV1 },
					       { NULL, 0, WO_NONE } } },
	{ .name = "ikev2", .kind = KW_MAP, .what = IKEV1,
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_FLAG, WO_IKEV2 },
					       { "insist", ACT_FLAG, WO_IKEV2 },
					       { "always", ACT_FLAG, WO_IKEV2 },
					       { "propose", ACT_FLAG, WO_IKEV2 },
					       { "no", ACT_FLAG, WO_IKEV1 },
					       { "never", ACT_FLAG, WO_IKEV1 },
					       { "permit", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "hostaddrfamily", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "ipv4", ACT_FLAG, WO_IPV4 },
					       { "ipv6", ACT_FLAG, WO_IPV6 },
					       { NULL, 0, WO_NONE } } },
	{ .name = "connaddrfamily", .canon = "hostaddrfamily" },
	{ .name = "clientaddrfamily", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "ipv4", ACT_FLAG, WO_TUNNELIPV4 },
					       { "ipv6", ACT_FLAG, WO_TUNNELIPV6 },
					       { NULL, 0, WO_NONE } } },
	{ .name = "ike", .kind = KW_OPT, .opt = WO_IKE },
	{ .name = "esp", .kind = KW_OPT, .opt = WO_ESP },
	{ .name = "phase2alg", .canon = "esp" },
	{ .name = "ah", .kind = KW_NOT_YET, .what = "AH" },
	{ .name = "phase2", .kind = KW_MAP, .what = "AH",
	  .map = (const struct conf_kv_val[]){ { "esp", ACT_NONE, WO_NONE },
					       { "default", ACT_NONE, WO_NONE },
					       { "ah", ACT_NOT_YET, WO_NONE },
					       { "ah+esp", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "ikelifetime", .kind = KW_OPT, .opt = WO_IKELIFETIME, .vtype = VT_TIME },
	{ .name = "salifetime", .kind = KW_OPT, .opt = WO_IPSECLIFETIME, .vtype = VT_TIME },
	{ .name = "lifetime", .canon = "salifetime" },
	{ .name = "keylife", .canon = "salifetime" },
	{ .name = "rekey", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_NONE, WO_NONE },
					       { "true", ACT_NONE, WO_NONE },
					       { "no", ACT_FLAG, WO_DONTREKEY },
					       { "false", ACT_FLAG, WO_DONTREKEY },
					       { NULL, 0, WO_NONE } } },
	{ .name = "rekeymargin", .kind = KW_OPT, .opt = WO_REKEYMARGIN, .vtype = VT_TIME },
	{ .name = "rekeyfuzz", .kind = KW_OPT, .opt = WO_REKEYFUZZ, .vtype = VT_PERCENT },
	{ .name = "keyingtries", .kind = KW_SPECIAL, .sp = SP_KEYINGTRIES },
	/* A key exchange in CREATE_CHILD_SA (rekeys, more Child SAs). */
	{ .name = "pfs", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_FLAG, WO_PFS },
					       { "no", ACT_NONE, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "pfsgroup", .kind = KW_OPT, .opt = WO_PFSGROUP },
	{ .name = "compress", NOT_YET_MAP(no_ok, "IPComp") },
	{ .name = "encapsulation", .kind = KW_MAP,
	  .what = "turning NAT-T encapsulation off (encapsulation=no)",
	  .map = (const struct conf_kv_val[]){ { "auto", ACT_NONE, WO_NONE },
					       { "yes", ACT_FLAG, WO_FORCEENCAPS },
					       { "no", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "forceencaps", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_FLAG, WO_FORCEENCAPS },
					       { "no", ACT_NONE, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "nat-keepalive", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_NONE, WO_NONE },
					       { "no", ACT_FLAG, WO_NO_KEEP_ALIVE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "nat_keepalive", .canon = "nat-keepalive" },
	{ .name = "failureshunt", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "none", ACT_FLAG, WO_FAILNONE },
					       { "passthrough", ACT_FLAG, WO_FAILPASS },
					       { "drop", ACT_FLAG, WO_FAILDROP },
					       { "hold", ACT_FLAG, WO_FAILDROP },
					       { "reject", ACT_FLAG, WO_FAILREJECT },
					       { NULL, 0, WO_NONE } } },
	/* The trap policy holds (drops) what it catches until the Child SA is up. */
	{ .name = "negotiationshunt", .kind = KW_MAP,
	  .what = "passing traffic in the clear during negotiation",
	  .map = (const struct conf_kv_val[]){ { "hold", ACT_NONE, WO_NONE },
					       { "drop", ACT_NONE, WO_NONE },
					       { "passthrough", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "mark", .kind = KW_SPECIAL, .sp = SP_MARK },
	{ .name = "mark-in", .kind = KW_NOT_YET, .what = "separate inbound and outbound marks" },
	{ .name = "mark-out", .kind = KW_NOT_YET, .what = "separate inbound and outbound marks" },
	{ .name = "dpddelay", .kind = KW_OPT, .opt = WO_DPDDELAY, .vtype = VT_TIME },
	{ .name = "dpdtimeout", .kind = KW_OPT, .opt = WO_DPDTIMEOUT, .vtype = VT_TIME },
	{ .name = "dpdaction", .kind = KW_SPECIAL, .sp = SP_DPDACTION },
	{ .name = "fragmentation", .kind = KW_OPT, .opt = WO_FRAGMENTATION },
	{ .name = "ike-frag", .canon = "fragmentation" },
	{ .name = "ike_frag", .canon = "fragmentation" },
	{ .name = "mobike", NOT_YET_MAP(no_ok, "MOBIKE (RFC 4555)") },
	{ .name = "esn", .kind = KW_MAP, .what = "extended sequence numbers",
	  .map = (const struct conf_kv_val[]){ { "no", ACT_NONE, WO_NONE },
					       { "either", ACT_NONE, WO_NONE },
					       { "yes", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "replay-window", .kind = KW_NOT_YET, .what = "setting the replay window" },
	/* Skua narrows the traffic selectors it answers (RFC 7296 2.9). */
	{ .name = "narrowing", NOT_YET_MAP(yes_or_not_yet,
					   "refusing narrowed traffic selectors (narrowing=no)") },
	/* SAref tracking and overlapping IPs need the mast stack. */
	{ .name = "sareftrack", .kind = KW_NO_EFFECT, .what = "the mast stack" },
	{ .name = "overlapip", .kind = KW_NO_EFFECT, .what = "the mast stack" },
	{ .name = "ikepad", .kind = KW_MAP, .map = yes_no_ok },	/* IKEv1 only */
	{ .name = "nat-ikev1-method", .kind = KW_MAP,			/* IKEv1 only */
	  .map = (const struct conf_kv_val[]){ { "drafts", ACT_NONE, WO_NONE },
					       { "rfc", ACT_NONE, WO_NONE },
					       { "both", ACT_NONE, WO_NONE },
					       { "none", ACT_NONE, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "aggressive", .kind = KW_MAP,			/* IKEv1 only */
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_FLAG, WO_AGGRMODE },
					       { "no", ACT_NONE, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "aggrmode", .canon = "aggressive" },
	{ .name = "xauthby", .kind = KW_OPT, .opt = WO_XAUTHBY },
	{ .name = "xauthfail", .kind = KW_OPT, .opt = WO_XAUTHFAIL },
	{ .name = "remote-peer-type", .kind = KW_MAP, .what = "Cisco interoperability",
	  .map = (const struct conf_kv_val[]){ { "ietf", ACT_NONE, WO_NONE },
					       { "cisco", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "remote_peer_type", .canon = "remote-peer-type" },
	{ .name = "cisco-unity", NOT_YET_MAP(no_ok, "Cisco Unity") },
	{ .name = "nm-configured", .kind = KW_MAP, .map = yes_no_ok },	/* Mode Config only */
	{ .name = "modecfgpull", .kind = KW_MAP,				/* IKEv1 only */
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_FLAG, WO_MODECFGPULL },
					       { "no", ACT_NONE, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "modecfgdns", .kind = KW_SPECIAL, .sp = SP_MODECFGDNS },
	{ .name = "modecfgpcscf", .kind = KW_SPECIAL, .sp = SP_MODECFGPCSCF },
	{ .name = "modecfgdomains", .kind = KW_SPECIAL, .sp = SP_MODECFGDOMAINS },
	{ .name = "modecfgbanner", .kind = KW_SPECIAL, .sp = SP_MODECFGBANNER },
	{ .name = "modecfgdns1", .canon = "modecfgdns" },
	{ .name = "modecfgdns2", .kind = KW_NOT_YET, .what = MODECFG },
	{ .name = "modecfgdomain", .canon = "modecfgdomains" },
	{ .name = "ignore-peer-dns", .kind = KW_MAP, .map = yes_no_ok },	/* Mode Config */
	/* Unset means yes (libreswan 4.10's default): config_conn.c adds the flag then. */
	{ .name = "initial-contact", .kind = KW_MAP,
	  .map = (const struct conf_kv_val[]){ { "yes", ACT_FLAG, WO_INITIALCONTACT },
					       { "no", ACT_NONE, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "initial_contact", .canon = "initial-contact" },
	{ .name = "send-vendorid", NOT_YET_MAP(no_ok, "a vendor ID per connection (send-vendorid=)"
					       "; myvendorid= in config setup works") },
	{ .name = "fake-strongswan", NOT_YET_MAP(no_ok, "the strongSwan vendor ID") },
	{ .name = "sha2-truncbug", NOT_YET_MAP(no_ok, "96-bit SHA2-256 truncation") },
	{ .name = "sha2_truncbug", .canon = "sha2-truncbug" },
	{ .name = "ms-dh-downgrade", NOT_YET_MAP(no_ok, "DH downgrades in CREATE_CHILD_SA") },
	{ .name = "dns-match-id", NOT_YET_MAP(no_ok, "DNS checks of peer identities") },
	/* Certificates only. */
	{ .name = "require-id-on-certificate", .kind = KW_MAP, .map = yes_no_ok },
	{ .name = "ppk", .kind = KW_MAP, .what = "post-quantum preshared keys (PPK)",
	  .map = (const struct conf_kv_val[]){ { "no", ACT_NONE, WO_NONE },
					       { "never", ACT_NONE, WO_NONE },
					       { "propose", ACT_NOT_YET, WO_NONE },
					       { "yes", ACT_NOT_YET, WO_NONE },
					       { "insist", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "decap-dscp", NOT_YET_MAP(no_ok, "DSCP decapsulation") },
	{ .name = "nopmtudisc", NOT_YET_MAP(no_ok, "turning PMTU discovery off") },
	{ .name = "nic-offload", .kind = KW_MAP, .what = "NIC offload",
	  .map = (const struct conf_kv_val[]){ { "no", ACT_NONE, WO_NONE },
					       { "auto", ACT_NONE, WO_NONE },
					       { "yes", ACT_NOT_YET, WO_NONE },
					       { NULL, 0, WO_NONE } } },
	{ .name = "enable-tcp", NOT_YET_MAP(no_ok, "IKE and ESP over TCP (RFC 8229)") },
	{ .name = "tcp-remoteport", .kind = KW_NOT_YET, .what = "IKE and ESP over TCP (RFC 8229)" },
	{ .name = "accept-redirect", .kind = KW_OPT, .opt = WO_ACCEPT_REDIRECT },
	{ .name = "accept-redirect-to", .kind = KW_OPT, .opt = WO_ACCEPT_REDIRECT_TO },
	{ .name = "send-redirect", .kind = KW_OPT, .opt = WO_SEND_REDIRECT },
	{ .name = "redirect-to", .kind = KW_OPT, .opt = WO_REDIRECT_TO },
	{ .name = "reqid", .kind = KW_NOT_YET, .what = "fixed reqids" },
	{ .name = "metric", .kind = KW_NOT_YET, .fine = "1", .what = "route metrics" },
	{ .name = "mtu", .kind = KW_NOT_YET, .what = "route MTUs" },
	{ .name = "priority", .kind = KW_NOT_YET, .fine = "0", .what = "policy priorities" },
	{ .name = "tfc", .kind = KW_NOT_YET, .fine = "0",
	  .what = "traffic flow confidentiality padding" },
	{ .name = "send-no-esp-tfc", NOT_YET_MAP(no_ok, "ESP_TFC_PADDING_NOT_SUPPORTED") },
	{ .name = "nflog", .kind = KW_NOT_YET, .fine = "0", .what = "NFLOG" },
	{ .name = "vti-interface", .kind = KW_NOT_YET, .what = VIFACE },
	/* Read only with vti-interface=. */
	{ .name = "vti-routing", .kind = KW_MAP, .map = yes_no_ok },
	{ .name = "vti-shared", .kind = KW_MAP, .map = yes_no_ok },
	{ .name = "ipsec-interface", .kind = KW_NOT_YET, .fine = "no|0", .what = VIFACE },
	{ .name = "labeled-ipsec", NOT_YET_MAP(no_ok, "labeled IPsec") },
	{ .name = "policy-label", .kind = KW_NOT_YET, .what = "labeled IPsec" },
	{ .name = "ipsec-max-bytes", .kind = KW_OPT, .opt = WO_IPSEC_MAX_BYTES, .vtype = VT_STR },
	{ .name = "ipsec-max-packets", .kind = KW_OPT, .opt = WO_IPSEC_MAX_PACKETS, .vtype = VT_STR },
	{ .name = "retransmit-timeout", .kind = KW_NOT_YET,
	  .what = "configurable retransmission" },
	{ .name = "retransmit-interval", .kind = KW_NOT_YET,
	  .what = "configurable retransmission" },
	{ .name = "sendca", .kind = KW_SPECIAL, .sp = SP_SENDCA },
	{ .name = "pam-authorize", NOT_YET_MAP(no_ok, "PAM authorization") },
	{ .name = "disablearrivalcheck", .kind = KW_OBSOLETE },
};

const struct conf_kw *conf_kw_find(const char *key, int *end)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct conf_kw *k = &table[i];

		if (!k->end) {
			if (strcmp(key, k->name) != 0)
				continue;
			*end = 0;
		} else if (strncmp(key, "left", 4) == 0 && strcmp(key + 4, k->name) == 0) {
			*end = 0;
		} else if (strncmp(key, "right", 5) == 0 && strcmp(key + 5, k->name) == 0) {
			*end = 1;
		} else {
			continue;
		}
		if (k->canon) {
			char name[80];

			/* An alias of a per-end keyword keeps its end. */
			snprintf(name, sizeof(name), "%s%s",
				 k->end ? (*end ? "right" : "left") : "", k->canon);
			return conf_kw_find(name, end);
		}
		return k;
	}
	return NULL;
}

size_t conf_kw_index(const struct conf_kw *kw)
{
	return (size_t)(kw - table);
}

size_t conf_kw_count(void)
{
	return ARRAY_SIZE(table);
}

const struct conf_kw *conf_kw_at(size_t i)
{
	return i < ARRAY_SIZE(table) ? &table[i] : NULL;
}

int conf_parse_time(const char *v, uint32_t *secs)
{
	uint64_t whole = 0, frac = 0, scale = 1, mult = 1;
	const char *p = v;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000000)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale >= 1000000)
				return -EINVAL;	/* more decimals than any duration needs */
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	}
	switch (*p) {
	case '\0':
	case 's':
		mult = 1;
		if (scale != 1)
			return -EINVAL;	/* seconds are whole */
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1] != '\0')
		return -EINVAL;
	if ((frac * mult) % scale != 0)
		return -EINVAL;
	whole = whole * mult + frac * mult / scale;
	if (whole > 366 * 86400)
		return -ERANGE;
	*secs = (uint32_t)whole;
	return 0;
}

int conf_parse_bool(const char *v)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true"))
		return 1;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false"))
		return 0;
	return -1;
}

bool conf_word_in(const char *v, const char *list)
{
	size_t n = strlen(v);

	while (list && *list) {
		const char *bar = strchr(list, '|');
		size_t len = bar ? (size_t)(bar - list) : strlen(list);
		if (len == n && strncasecmp(v, list, n) == 0)
			return true;
		list = bar ? bar + 1 : NULL;
	}
	return false;
}
