/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every conn keyword of the table, one value or more each: what it turns
 * into (a whack option and its value, a flag, nothing) or how it is
 * refused (not supported yet / a bad value, with file and line). A
 * keyword added to the table without a case here fails every_keyword_has_a_case.
 */
#include "conf_test.h"

#include <strings.h>

#include "ctl/config_kw.h"

enum want {
	W_OPT,	   /* ok; option opt of end has value */
	W_NOTHING, /* ok; the form is the baseline's */
	W_NOT_YET, /* not loaded: "KEY=VALUE: ...: not supported yet", msg in it */
	W_BAD,	   /* not loaded: msg */
	W_WARN,	   /* ok, with a warning containing msg */
	W_WITHOUT, /* ok; without the (connection-wide) flag opt the baseline has */
};

struct kcase {
	const char *line; /* key=value as written in the conn */
	enum want want;
	enum whack_opt opt; /* W_OPT */
	int end;	    /* W_OPT: WHACK_END_* */
	const char *value;  /* W_OPT: "" for a flag */
	const char *msg;    /* W_NOT_YET, W_BAD, W_WARN */
};

#define L WHACK_END_LEFT
#define R WHACK_END_RIGHT
#define N WHACK_END_NONE
/* clang-format off */
#define OPT(l, o, e, v) { l, W_OPT, o, e, v, NULL }
#define NOTHING(l) { l, W_NOTHING, WO_NONE, 0, NULL, NULL }
#define NOT_YET(l, m) { l, W_NOT_YET, WO_NONE, 0, NULL, m }
#define BAD(l, m) { l, W_BAD, WO_NONE, 0, NULL, m }
#define WARN(l, m) { l, W_WARN, WO_NONE, 0, NULL, m }
#define WITHOUT(l, o) { l, W_WITHOUT, o, WHACK_END_NONE, NULL, NULL }
/* clang-format on */

static const struct kcase cases[] = {
	/* per end */
	OPT("left=%any", WO_HOST, L, "%any"),
	OPT("right=%any6", WO_HOST, R, "%any"),
	OPT("right=%defaultroute", WO_HOST, R, "198.51.100.7"),
	OPT("left=192.0.2.7", WO_HOST, L, "192.0.2.7"),
	NOT_YET("left=%opportunistic", "opportunistic encryption"),
	NOT_YET("right=%group", "policy groups"),
	NOT_YET("left=%eth0", "(%IFACE)"),
	NOT_YET("left=vpn.example.com", "host names resolved through DNS"),
	BAD("right=", "right= is not set"),
	OPT("leftsubnet=10.0.0.0/8", WO_CLIENT, L, "10.0.0.0/8"),
	OPT("rightsubnet=2001:db8:1::/48", WO_CLIENT, R, "2001:db8:1::/48"),
	BAD("rightsubnet=10.0.0.1/8",
	    "host bits set beyond the /8 prefix (expected the network address, 10.0.0.0/8)"),
	BAD("leftsubnet=10.0.0.0/33", "expected a subnet"),
	NOT_YET("leftsubnet=vhost:%priv", "virtual subnets"),
	NOT_YET("rightsubnet=%config", "Mode Config"),
	NOTHING("leftsubnet=%no"),
	NOT_YET("leftsubnets=\"10.0.0.0/8 10.1.0.0/16\"", "several subnets per end"),
	OPT("leftsourceip=192.0.2.1", WO_SRCIP, L, "192.0.2.1"),
	NOT_YET("leftsourceip=%config", "Mode Config"),
	BAD("rightsourceip=nowhere", "expected"),
	OPT("leftnexthop=192.0.2.254", WO_NEXTHOP, L, "192.0.2.254"),
	OPT("rightnexthop=%direct", WO_NEXTHOP, R, "%direct"),
	OPT("leftnexthop=%defaultroute", WO_NEXTHOP, L, "198.51.100.1"),
	OPT("leftupdown=\"/usr/local/bin/updown --route yes\"", WO_UPDOWN, L,
	    "/usr/local/bin/updown --route yes"),
	OPT("rightupdown=%disabled", WO_UPDOWN, R, "true"),
	OPT("leftupdown=\"\"", WO_UPDOWN, L, "true"),
	BAD("leftupdown=\"x; rm -rf /\"", "shell punctuation"),
	OPT("leftid=@west.example.com", WO_ID, L, "@west.example.com"),
	OPT("rightid=user@example.com", WO_ID, R, "user@example.com"),
	OPT("leftid=%fromcert", WO_ID, L, "%fromcert"),
	OPT("rightid=\"C=CH, O=Example, CN=east\"", WO_ID, R, "C=CH, O=Example, CN=east"),
	OPT("rightid=@~0a0b0c", WO_ID, R, "@~0a0b0c"),
	NOTHING("leftid=%none"),
	/* a key goes in a public key form of its own (test_config_conn.c, raw_rsa_keys) */
	NOTHING("leftrsasigkey=0sAQPWTXt8DDlEhTZJ91ngNMxTSyuos6JZxX"),
	NOTHING("rightrsasigkey=%cert"),
	NOTHING("leftrsasigkey=%none"),
	NOT_YET("rightrsasigkey2=%dnsondemand", "public keys from DNS"),
	BAD("leftrsasigkey=0sAQ!x", "pubkeyrsa"),
	OPT("leftcert=west", WO_CERT, L, "west"),
	OPT("leftckaid=0123abcd", WO_CKAID, L, "0123abcd"),
	OPT("rightca=%same", WO_CA, R, "%same"),
	OPT("leftsendcert=always", WO_SENDCERT, L, "always"),
	OPT("leftsendcert=never", WO_SENDCERT, L, "never"),
	BAD("leftsendcert=sometimes", "sendcert"),
	OPT("leftikeport=4501", WO_IKEPORT, L, "4501"),
	BAD("rightikeport=70000", "larger than the maximum 65535"),
	OPT("leftprotoport=17/1701", WO_CLIENTPROTOPORT, L, "17/1701"),
	OPT("rightprotoport=udp/%any", WO_CLIENTPROTOPORT, R, "udp/%any"),
	BAD("leftprotoport=17/70000", "port"),
	BAD("leftauth=secret", "authby= and leftauth=/rightauth= together"),
	NOT_YET("leftautheap=tls", "EAP authentication"),
	NOTHING("rightautheap=none"),
	OPT("rightaddresspool=192.0.2.100-192.0.2.200", WO_ADDRESSPOOL, R,
	    "192.0.2.100-192.0.2.200"),
	OPT("leftaddresspool=10.9.0.0/24", WO_ADDRESSPOOL, L, "10.9.0.0/24"),
	OPT("leftmodecfgserver=yes", WO_MODECFGSERVER, L, ""),
	OPT("rightmodecfgclient=yes", WO_MODECFGCLIENT, R, ""),
	NOTHING("rightmodecfgclient=no"),
	BAD("leftmodecfgclient=maybe", "expected yes or no"),
	OPT("leftxauthserver=yes", WO_XAUTHSERVER, L, ""),
	OPT("rightxauthclient=yes", WO_XAUTHCLIENT, R, ""),
	NOTHING("rightxauthclient=no"),
	BAD("leftxauthserver=maybe", "expected yes or no"),
	NOT_YET("rightusername=bob", "user names"),
	NOT_YET("rightxauthusername=bob", "user names"),
	NOT_YET("rightxauthname=bob", "user names"),
	NOT_YET("leftvti=10.0.0.1/24", "route-based VPNs"),
	NOT_YET("leftinterface-ip=10.0.0.1/24", "route-based VPNs"),
	NOT_YET("leftcat=yes", "client address translation"),
	NOTHING("leftcat=no"),
	WARN("leftfirewall=yes", "leftfirewall= is obsolete: ignored"),

	/* the whole connection */
	NOTHING("auto=add"),
	NOT_YET("auto=keep", "auto=keep"),
	BAD("auto=sometimes", "expected ignore, add, ondemand (route) or start"),
	OPT("type=tunnel", WO_TUNNEL, N, ""),
	OPT("type=passthrough", WO_PASS, N, ""),
	OPT("type=pass", WO_PASS, N, ""),
	OPT("type=drop", WO_DROP, N, ""),
	OPT("type=reject", WO_REJECT, N, ""),
	BAD("type=bridge", "expected tunnel, transport, passthrough, drop or reject"),
	OPT("authby=psk", WO_PSK, N, ""),
	OPT("authby=rsasig", WO_RSASIG, N, ""),
	OPT("authby=rsa-sha2_256", WO_RSA_SHA2_256, N, ""),
	OPT("authby=\"rsasig,ecdsa\"", WO_ECDSA, N, ""),
	OPT("authby=\"rsasig,ecdsa\"", WO_RSASIG, N, ""),
	OPT("authby=secret|rsasig", WO_RSASIG, N, ""),
	OPT("authby=ecdsa-sha2_384", WO_ECDSA_SHA2_384, N, ""),
	NOT_YET("authby=null", "NULL authentication"),
	BAD("authby=never", "a connection that never negotiates is a shunt"),
	BAD("authby=password", "'password': expected secret (or psk), rsasig, ecdsa"),
	NOTHING("connalias=\"spare extra\""),
	NOTHING("keyexchange=ike"),
	NOTHING("keyexchange=ikev2"),
	OPT("keyexchange=ikev1", WO_IKEV1, N, ""),
	BAD("keyexchange=ikev3", "expected one of ike, ikev2, ikev1"),
	OPT("ikev2=insist", WO_IKEV2, N, ""),
	OPT("ikev2=yes", WO_IKEV2, N, ""),
	OPT("ikev2=no", WO_IKEV1, N, ""),
	OPT("ikev2=never", WO_IKEV1, N, ""),
	NOT_YET("ikev2=permit", "IKEv1"),
	OPT("hostaddrfamily=ipv4", WO_IPV4, N, ""),
	OPT("connaddrfamily=ipv4", WO_IPV4, N, ""),
	BAD("hostaddrfamily=ipv6", "IPv4 address in an IPv6 connection"),
	OPT("clientaddrfamily=ipv4", WO_TUNNELIPV4, N, ""),
	OPT("ike=aes256-sha2_256;dh19", WO_IKE, N, "aes256-sha2_256;dh19"),
	OPT("esp=aes_gcm256", WO_ESP, N, "aes_gcm256"),
	OPT("phase2alg=aes128-sha1", WO_ESP, N, "aes128-sha1"),
	NOT_YET("ah=sha2_256", "AH"),
	NOTHING("phase2=esp"),
	NOT_YET("phase2=ah", "AH"),
	OPT("ikelifetime=8h", WO_IKELIFETIME, N, "28800"),
	OPT("ikelifetime=3600", WO_IKELIFETIME, N, "3600"),
	BAD("ikelifetime=25h", "larger than the maximum 86400 seconds"),
	BAD("ikelifetime=8 hours", NULL), /* the reader refuses it: see cases_syntax */
	OPT("salifetime=1.5h", WO_IPSECLIFETIME, N, "5400"),
	OPT("lifetime=30m", WO_IPSECLIFETIME, N, "1800"),
	OPT("keylife=3600s", WO_IPSECLIFETIME, N, "3600"),
	BAD("salifetime=1.5s", "expected a duration"),
	BAD("salifetime=0", "smaller than the minimum 1 seconds"),
	OPT("rekey=no", WO_DONTREKEY, N, ""),
	NOTHING("rekey=yes"),
	BAD("rekey=maybe", "expected one of yes, true, no, false"),
	OPT("rekeymargin=9m", WO_REKEYMARGIN, N, "540"),
	OPT("rekeyfuzz=50%", WO_REKEYFUZZ, N, "50"),
	OPT("ipsec-max-bytes=1073741824", WO_IPSEC_MAX_BYTES, N, "1073741824"),
	OPT("ipsec-max-packets=1000000", WO_IPSEC_MAX_PACKETS, N, "1000000"),
	OPT("rekeyfuzz=200", WO_REKEYFUZZ, N, "200"),
	BAD("rekeyfuzz=lots", "not a whole number"),
	OPT("keyingtries=%forever", WO_KEYINGTRIES, N, "0"),
	OPT("keyingtries=3", WO_KEYINGTRIES, N, "3"),
	BAD("keyingtries=-1", "smaller than the minimum 0"),
	OPT("pfs=yes", WO_PFS, N, ""),
	NOTHING("pfs=no"),
	OPT("pfsgroup=modp2048", WO_PFSGROUP, N, "modp2048"),
	NOTHING("compress=no"),
	NOT_YET("compress=yes", "IPComp"),
	OPT("encapsulation=yes", WO_FORCEENCAPS, N, ""),
	NOTHING("encapsulation=auto"),
	NOT_YET("encapsulation=no", "turning NAT-T encapsulation off"),
	OPT("forceencaps=yes", WO_FORCEENCAPS, N, ""),
	OPT("nat-keepalive=no", WO_NO_KEEP_ALIVE, N, ""),
	OPT("nat_keepalive=no", WO_NO_KEEP_ALIVE, N, ""),
	OPT("failureshunt=none", WO_FAILNONE, N, ""),
	OPT("failureshunt=passthrough", WO_FAILPASS, N, ""),
	OPT("failureshunt=drop", WO_FAILDROP, N, ""),
	OPT("failureshunt=hold", WO_FAILDROP, N, ""),
	OPT("failureshunt=reject", WO_FAILREJECT, N, ""),
	BAD("failureshunt=trap", "expected one of none, passthrough, drop, hold, reject"),
	NOTHING("negotiationshunt=hold"),
	NOTHING("negotiationshunt=drop"),
	NOT_YET("negotiationshunt=passthrough", "passing traffic in the clear"),
	OPT("mark=0x10/0xff", WO_CONN_MARK, N, "0x10/0xff"),
	OPT("mark=7", WO_CONN_MARK, N, "7"),
	NOT_YET("mark=-1", "unique marks"),
	BAD("mark=0x100/0xff", "the mark has bits outside the mask"),
	NOT_YET("mark-in=5", "separate inbound and outbound marks"),
	NOT_YET("mark-out=5", "separate inbound and outbound marks"),
	OPT("dpddelay=30", WO_DPDDELAY, N, "30"),
	OPT("dpddelay=1m", WO_DPDDELAY, N, "60"),
	OPT("dpdtimeout=120s", WO_DPDTIMEOUT, N, "120"),
	OPT("dpdaction=restart", WO_DPDACTION, N, "restart"),
	OPT("dpdaction=restart_by_peer", WO_DPDACTION, N, "restart"),
	OPT("dpdaction=hold", WO_DPDACTION, N, "hold"),
	BAD("dpdaction=explode", "expected hold, clear or restart"),
	OPT("fragmentation=yes", WO_FRAGMENTATION, N, "yes"),
	OPT("fragmentation=no", WO_FRAGMENTATION, N, "no"),
	OPT("ike-frag=force", WO_FRAGMENTATION, N, "force"),
	OPT("ike_frag=never", WO_FRAGMENTATION, N, "never"),
	NOT_YET("mobike=yes", "MOBIKE"),
	NOTHING("mobike=no"),
	NOT_YET("esn=yes", "extended sequence numbers"),
	NOTHING("esn=either"),
	NOT_YET("replay-window=64", "setting the replay window"),
	NOTHING("narrowing=yes"),
	NOT_YET("narrowing=no", "refusing narrowed traffic selectors"),
	NOTHING("sareftrack=conntrack"),
	NOTHING("overlapip=yes"),
	NOTHING("ikepad=no"),
	NOTHING("nat-ikev1-method=rfc"),
	OPT("aggressive=yes", WO_AGGRMODE, N, ""),
	NOTHING("aggrmode=no"),
	OPT("xauthby=alwaysok", WO_XAUTHBY, N, "alwaysok"),
	OPT("xauthby=pam", WO_XAUTHBY, N, "pam"),
	OPT("xauthfail=soft", WO_XAUTHFAIL, N, "soft"),
	NOT_YET("remote-peer-type=cisco", "Cisco interoperability"),
	NOTHING("remote_peer_type=ietf"),
	NOT_YET("cisco-unity=yes", "Cisco Unity"),
	NOTHING("nm-configured=yes"),
	OPT("modecfgpull=yes", WO_MODECFGPULL, N, ""),
	NOTHING("modecfgpull=no"),
	OPT("modecfgdns=\"192.0.2.53, 192.0.2.54\"", WO_MODECFGDNS, L, "192.0.2.53,192.0.2.54"),
	OPT("modecfgdns=\"192.0.2.53 2001:db8::53\"", WO_MODECFGDNS, R, "192.0.2.53,2001:db8::53"),
	OPT("modecfgpcscf=\"192.0.2.60, 2001:db8::60\"", WO_MODECFGPCSCF, L, "192.0.2.60,2001:db8::60"),
	OPT("modecfgdomains=\"example.com, corp.example\"", WO_MODECFGDOMAINS, L,
	    "example.com,corp.example"),
	OPT("modecfgbanner=\"Welcome, user\"", WO_MODECFGBANNER, L, "Welcome, user"),
	OPT("modecfgbanner=hello", WO_MODECFGBANNER, R, "hello"),
	OPT("modecfgdns1=192.0.2.53", WO_MODECFGDNS, L, "192.0.2.53"),
	NOT_YET("modecfgdns2=192.0.2.54", "Mode Config"),
	OPT("modecfgdomain=example.com", WO_MODECFGDOMAINS, R, "example.com"),
	NOTHING("ignore-peer-dns=yes"),
	OPT("initial-contact=yes", WO_INITIALCONTACT, N, ""),
	WITHOUT("initial-contact=no", WO_INITIALCONTACT),
	WITHOUT("initial_contact=no", WO_INITIALCONTACT),
	BAD("initial-contact=maybe", "expected one of yes, no"),
	NOT_YET("send-vendorid=yes", "a vendor ID per connection"),
	NOT_YET("fake-strongswan=yes", "the strongSwan vendor ID"),
	NOT_YET("sha2-truncbug=yes", "96-bit SHA2-256 truncation"),
	NOTHING("sha2_truncbug=no"),
	NOT_YET("ms-dh-downgrade=yes", "DH downgrades"),
	NOT_YET("dns-match-id=yes", "DNS checks of peer identities"),
	NOTHING("require-id-on-certificate=no"),
	NOT_YET("ppk=insist", "post-quantum preshared keys"),
	NOTHING("ppk=never"),
	NOT_YET("decap-dscp=yes", "DSCP decapsulation"),
	NOT_YET("nopmtudisc=yes", "turning PMTU discovery off"),
	NOT_YET("nic-offload=yes", "NIC offload"),
	NOTHING("nic-offload=auto"),
	NOT_YET("enable-tcp=fallback", "IKE and ESP over TCP"),
	NOT_YET("tcp-remoteport=4500", "IKE and ESP over TCP"),
	OPT("accept-redirect=yes", WO_ACCEPT_REDIRECT, N, "yes"),
	OPT("accept-redirect-to=192.0.2.9", WO_ACCEPT_REDIRECT_TO, N, "192.0.2.9"),
	OPT("send-redirect=yes", WO_SEND_REDIRECT, N, "yes"),
	OPT("redirect-to=192.0.2.9", WO_REDIRECT_TO, N, "192.0.2.9"),
	NOT_YET("reqid=100", "fixed reqids"),
	NOT_YET("metric=10", "route metrics"),
	NOTHING("metric=1"),
	NOT_YET("mtu=1400", "route MTUs"),
	NOT_YET("priority=100", "policy priorities"),
	NOT_YET("tfc=1000", "traffic flow confidentiality"),
	NOTHING("tfc=0"),
	NOT_YET("send-no-esp-tfc=yes", "ESP_TFC_PADDING_NOT_SUPPORTED"),
	NOT_YET("nflog=5", "NFLOG"),
	NOT_YET("vti-interface=vti0", "route-based VPNs"),
	NOTHING("vti-routing=no"),
	NOTHING("vti-shared=yes"),
	NOT_YET("ipsec-interface=1", "route-based VPNs"),
	NOTHING("ipsec-interface=no"),
	NOT_YET("labeled-ipsec=yes", "labeled IPsec"),
	NOT_YET("policy-label=system_u:object_r:ipsec_spd_t:s0", "labeled IPsec"),
	NOT_YET("retransmit-timeout=10s", "configurable retransmission"),
	NOT_YET("retransmit-interval=100", "configurable retransmission"),
	OPT("sendca=all", WO_SENDCA, L, "all"),
	OPT("sendca=none", WO_SENDCA, R, "none"),
	BAD("sendca=some", "sendca"),
	NOT_YET("pam-authorize=yes", "PAM authorization"),
	WARN("disablearrivalcheck=no", "disablearrivalcheck= is obsolete: ignored"),
	NOTHING("x-my-extension=\"anything at all\""),
};

/* The case's conn: the keyword's line over a loadable base (line 7 of t.conf). */
static void parse_case(struct parsed *p, const char *line)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "conn base\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		 "\tauthby=secret\nconn t\n\talso=base\n\t%s\n",
		 line);
	parse_text(p, text);
}

static bool same_form(const struct conf_conn *a, const struct conf_conn *b)
{
	if (a->cmd->nopts != b->cmd->nopts)
		return false;
	for (size_t i = 0; i < a->cmd->nopts; i++) {
		const struct whack_optval *x = &a->cmd->opts[i], *y = &b->cmd->opts[i];
		if (x->id != y->id || x->end != y->end ||
		    (x->id != WO_NAME && strcmp(x->value, y->value) != 0))
			return false;
	}
	return true;
}

Test(config_kw, every_case)
{
	struct parsed base;
	char all[4096], want[256];

	parse_text(&base, "conn base\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n");
	cr_assert_eq(base.rc, 0);
	cr_assert(conn_of(&base, "base")->ok);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kcase *k = &cases[i];
		struct parsed p;
		const struct conf_conn *c;
		const char *v;

		parse_case(&p, k->line);
		if (k->msg == NULL && k->want == W_BAD) {
			/* A value with an unquoted space: the reader refuses the file. */
			cr_assert_eq(p.rc, -EINVAL, "%s: read", k->line);
			cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:7: syntax error"), "%s: %s",
				  k->line, diag_all(&p.d, all, sizeof(all)));
			parsed_fini(&p);
			continue;
		}
		cr_assert_eq(p.rc, 0, "%s: %s", k->line, diag_all(&p.d, all, sizeof(all)));
		c = conn_of(&p, "t");
		diag_all(&c->diag, all, sizeof(all));
		switch (k->want) {
		case W_OPT:
			cr_assert(c->ok, "%s: not loaded: %s", k->line, all);
			v = opt_value(c, k->opt, k->end);
			cr_assert_not_null(v, "%s: no --%s", k->line, whack_opt_name(k->opt));
			cr_assert_str_eq(v, k->value, "%s: --%s %s", k->line,
					 whack_opt_name(k->opt), v);
			break;
		case W_NOTHING:
			cr_assert(c->ok, "%s: not loaded: %s", k->line, all);
			cr_assert(same_form(c, conn_of(&base, "base")), "%s: the form changed",
				  k->line);
			cr_assert_eq(c->diag.n, 0, "%s: %s", k->line, all);
			break;
		case W_WITHOUT:
			cr_assert(c->ok, "%s: not loaded: %s", k->line, all);
			cr_assert_not_null(opt_value(conn_of(&base, "base"), k->opt, k->end));
			cr_assert_null(opt_value(c, k->opt, k->end), "%s: --%s", k->line,
				       whack_opt_name(k->opt));
			cr_assert_eq(c->diag.n, 0, "%s: %s", k->line, all);
			break;
		case W_WARN:
			cr_assert(c->ok, "%s: not loaded: %s", k->line, all);
			cr_assert(diag_has(&c->diag, CONF_WARNING, k->msg), "%s: %s", k->line, all);
			cr_assert(diag_has(&c->diag, CONF_WARNING, "t.conf:7: warning: conn t: "),
				  "%s: %s", k->line, all);
			break;
		case W_NOT_YET:
		case W_BAD: {
			const char *eq = strchr(k->line, '=');
			cr_assert_not(c->ok, "%s: loaded", k->line);
			cr_assert_null(c->cmd, "%s: a form of a conn that is not loaded", k->line);
			cr_assert(diag_has(&c->diag, CONF_CONN_ERROR, k->msg), "%s: %s", k->line,
				  all);
			if (k->want == W_NOT_YET)
				cr_assert(diag_has(&c->diag, CONF_CONN_ERROR, "not supported yet"),
					  "%s: %s", k->line, all);
			/* The line of the keyword, except for cross-checks and missing keywords. */
			snprintf(want, sizeof(want), "t.conf:7: conn t: %.*s=", (int)(eq - k->line),
				 k->line);
			if (!strstr(k->msg, "is not set") && !strstr(k->msg, "IPv4 address in"))
				cr_assert(diag_has(&c->diag, CONF_CONN_ERROR, want), "%s: %s",
					  k->line, all);
			break;
		}
		}
		parsed_fini(&p);
	}
	parsed_fini(&base);
}

/* Every keyword of the table (aliases included) has a case above. */
Test(config_kw, every_keyword_has_a_case)
{
	for (size_t i = 0; i < conf_kw_count(); i++) {
		const struct conf_kw *kw = conf_kw_at(i);
		bool found = false;

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]) && !found; k++) {
			const char *line = cases[k].line;
			size_t n = strcspn(line, "=");
			char key[80];

			snprintf(key, sizeof(key), "%.*s", (int)n, line);
			if (kw->end) {
				const char *rest = !strncmp(key, "left", 4)    ? key + 4
						   : !strncmp(key, "right", 5) ? key + 5
									       : NULL;
				found = rest && !strcmp(rest, kw->name);
			} else {
				found = !strcmp(key, kw->name);
			}
		}
		/* also= and alsoflip= have their own tests (test_config_conn.c). */
		if (!found && kw->kind == KW_SPECIAL &&
		    (kw->sp == SP_ALSO || kw->sp == SP_ALSOFLIP))
			continue;
		cr_assert(found, "keyword %s%s has no case", kw->end ? "left" : "", kw->name);
	}
}

/*
 * initial-contact= unset is yes (libreswan 4.10's ipsec.conf(5)): the conn
 * asks for INITIAL_CONTACT; =no does not; a shunt negotiates nothing.
 */
Test(config_kw, initial_contact_defaults_to_yes)
{
	struct parsed p;
	struct conn_spec spec;

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"
		       "conn b\n\talso=a\n\tinitial-contact=no\n"
		       "conn pass\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\ttype=passthrough\n"
		       "\tauthby=never\n");
	cr_assert_eq(p.rc, 0);
	cr_assert(conn_of(&p, "a")->ok && conn_of(&p, "b")->ok && conn_of(&p, "pass")->ok);
	spec_of(conn_of(&p, "a"), &spec);
	cr_assert(spec.policy & POL_INITIAL_CONTACT, "unset: no --initialcontact");
	conn_spec_fini(&spec);
	spec_of(conn_of(&p, "b"), &spec);
	cr_assert_not(spec.policy & POL_INITIAL_CONTACT, "initial-contact=no: --initialcontact");
	conn_spec_fini(&spec);
	cr_assert_null(opt_value(conn_of(&p, "pass"), WO_INITIALCONTACT, WHACK_END_NONE));
	parsed_fini(&p);
}

Test(config_kw, keywords_are_found_without_regard_to_case_by_the_reader)
{
	struct parsed p;
	const struct conf_conn *c;

	parse_text(&p, "conn t\n\tLeft=192.0.2.1\n\tRIGHT=192.0.2.2\n\tAuthBy=Secret\n"
		       "\tLeftSubnet=10.0.0.0/8\n");
	cr_assert_eq(p.rc, 0);
	c = conn_of(&p, "t");
	cr_assert(c->ok);
	cr_assert_str_eq(opt_value(c, WO_CLIENT, WHACK_END_LEFT), "10.0.0.0/8");
	parsed_fini(&p);
}

Test(config_kw, durations)
{
	static const struct {
		const char *in;
		int rc;
		uint32_t secs;
	} t[] = {
		{"0", 0, 0},
		{"90", 0, 90},
		{"90s", 0, 90},
		{"1m", 0, 60},
		{"1.5m", 0, 90},
		{"8h", 0, 28800},
		{"1.25h", 0, 4500},
		{"1d", 0, 86400},
		{"0.5d", 0, 43200},
		{"366d", 0, 366 * 86400},
		{"367d", -ERANGE, 0},
		{"1.5", -EINVAL, 0},
		{"1.5s", -EINVAL, 0},
		{"1.01m", -EINVAL, 0},
		{"h", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"5w", -EINVAL, 0},
		{"5hh", -EINVAL, 0},
		{"-5", -EINVAL, 0},
		{"1.", -EINVAL, 0},
		{"99999999999", -ERANGE, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t secs = 12345;
		int rc = conf_parse_time(t[i].in, &secs);
		cr_assert_eq(rc, t[i].rc, "%s: %d", t[i].in, rc);
		if (rc == 0)
			cr_assert_eq(secs, t[i].secs, "%s: %u", t[i].in, secs);
	}
}
