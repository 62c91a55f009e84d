/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/proto/whack_opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "util/addr_list.h"
#include "util/hex.h"
#include "util/impair.h"
#include "util/log.h"
#include "util/paths.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The default control socket (<rundir>/pluto.ctl) comes from util/paths.h. */

/* What kind of value an option takes; value_parse() knows each. */
enum vkind {
	K_FLAG,		/* no value */
	K_STR,		/* any non-empty text */
	K_SECRET,	/* text that is never echoed back in an error */
	K_NAME,		/* connection name (or user name with --deleteuser) */
	K_NUM,		/* whole number in [min, max] */
	K_HOST,		/* address, %any (0.0.0.0, ::) or %opportunistic */
	K_ADDR,		/* a numeric address */
	K_NEXTHOP,	/* address, or %direct (0.0.0.0, ::) */
	K_SUBNET,	/* address/prefix */
	K_PROTOPORT,	/* protocol[/port] */
	K_PROTO,	/* protocol number or name */
	K_WORD,		/* one of words[] */
	K_MARK,		/* mark[/mask] */
	K_ADDRS,	/* comma separated addresses */
	K_GWS,		/* comma separated addresses or host names (redirect gateways) */
	K_CKAID,	/* hex */
	K_PUBKEY,	/* 0s base64 or 0x hex */
	K_DEBUG,	/* a debug class argument */
	K_IMPAIR,	/* behaviour[:how] */
	K_UPDOWN,	/* a command that goes into a shell line */
	K_PATH,		/* a socket or directory path (whack only) */
};

/* Where an option belongs: whack alone, the whole command, or one end. */
enum scope {
	S_LOCAL,	/* never sent to pluto */
	S_WIDE,		/* sent with WHACK_END_NONE */
	S_END,		/* sent with the end it was given for */
};

/*
 * The forms of the SYNOPSIS. An option either starts a form (--status,
 * --host) or modifies the forms it is listed for (--utc, --leave-state).
 * Forms marked alone in form_info[] take no other operation with them;
 * the others may be combined (pluto runs them in enum whack_op order).
 */
enum form {
	F_CONN = 1u << 0,
	F_KEY = 1u << 1,
	F_DELETE = 1u << 2,
	F_ROUTE = 1u << 3,
	F_INITIATE = 1u << 4,
	F_OPPO = 1u << 5,
	F_DELETEUSER = 1u << 6,
	F_REDIRECT = 1u << 7,
	F_DEBUG = 1u << 8,
	F_SHUTDOWN = 1u << 9,
	F_LIST = 1u << 10,
	F_ACTION = 1u << 11,
	F_ANY = 0xfff,
};

static const struct {
	uint32_t form;
	const char *what;	/* for "only valid with ..." */
	bool alone;
	bool needs_name;
} form_info[] = {
	{ F_CONN, "the connection form (--host ... --to --host ...)", true, true },
	{ F_KEY, "the public key form (--keyid)", true, false },
	{ F_DELETE, "--delete", false, true },
	{ F_ROUTE, "--route/--unroute", false, true },
	{ F_INITIATE, "--initiate/--terminate/--rekey-ike/--rekey-ipsec", false, true },
	{ F_OPPO, "the opportunistic initiate form (--oppohere --oppothere)", true, false },
	{ F_DELETEUSER, "--deleteuser", true, true },
	{ F_REDIRECT, "--redirect-to", false, false },
	{ F_DEBUG, "--debug/--no-debug/--impair/--no-impair", false, false },
	{ F_SHUTDOWN, "--shutdown", false, false },
	{ F_LIST, "a listing, reread or status option", false, false },
	{ F_ACTION, "an operation", false, false },
};

struct word {
	const char *word;
	int value;
};

static const struct word sendcert_words[] = {
	{ "yes", SENDCERT_ALWAYS }, { "forced", SENDCERT_ALWAYS }, { "always", SENDCERT_ALWAYS },
	{ "ifasked", SENDCERT_IFASKED }, { "no", SENDCERT_NEVER }, { "never", SENDCERT_NEVER },
	{ NULL, 0 },
};

static const struct word sendca_words[] = {
	{ "none", SENDCA_NONE }, { "issuer", SENDCA_ISSUER }, { "all", SENDCA_ALL }, { NULL, 0 },
};

static const struct word authby_words[] = {
	{ "psk", AUTHBY_PSK }, { "secret", AUTHBY_PSK }, { "rsasig", AUTHBY_RSASIG },
	{ "rsa", AUTHBY_RSASIG }, { "ecdsa", AUTHBY_ECDSA }, { "eddsa", AUTHBY_EDDSA },
	{ "null", AUTHBY_NULL }, { "eaponly", AUTHBY_EAPONLY }, { NULL, 0 },
};

static const struct word xauthby_words[] = {
	{ "file", XAUTHBY_FILE }, { "pam", XAUTHBY_PAM }, { "alwaysok", XAUTHBY_ALWAYSOK },
	{ NULL, 0 },
};

static const struct word xauthfail_words[] = {
	{ "hard", XAUTHFAIL_HARD }, { "soft", XAUTHFAIL_SOFT }, { NULL, 0 },
};

static const struct word dpdaction_words[] = {
	{ "clear", DPD_ACTION_CLEAR }, { "hold", DPD_ACTION_HOLD },
	{ "restart", DPD_ACTION_RESTART }, { NULL, 0 },
};

static const struct word redirect_words[] = {
	{ "yes", 1 }, { "no", 0 }, { "auto", 2 }, { NULL, 0 },
};

static const struct word send_redirect_words[] = {
	{ "yes", REDIRECT_YES }, { "no", REDIRECT_NO }, { "auto", REDIRECT_AUTO }, { NULL, 0 },
};

static const struct word yes_no_words[] = { { "yes", 1 }, { "no", 0 }, { NULL, 0 } };

/* libreswan's words: never is no, insist is force. */
static const struct word frag_words[] = {
	{ "yes", FRAG_YES }, { "no", FRAG_NO }, { "never", FRAG_NO }, { "force", FRAG_FORCE },
	{ "insist", FRAG_FORCE }, { NULL, 0 },
};

/* modp768 (group 1) is broken and is not offered. */
static const struct word pfsgroup_words[] = {
	{ "modp1024", 2 }, { "modp1536", 5 }, { "modp2048", 14 }, { "modp3072", 15 },
	{ "modp4096", 16 }, { "modp6144", 17 }, { "modp8192", 18 }, { "dh22", 22 },
	{ "dh23", 23 }, { "dh24", 24 }, { NULL, 0 },
};

struct opt_desc {
	const char *name;
	const char *arg;		/* the value, as usage and errors name it */
	enum vkind kind;
	enum scope scope;
	uint32_t forms;			/* the forms it may appear in */
	uint32_t starts;		/* the form it starts; 0 for a modifier */
	uint64_t ops;			/* the operations it asks for */
	int64_t min, max;		/* K_NUM */
	const char *unit;		/* K_NUM: "seconds" */
	const struct word *words;	/* K_WORD */
	bool repeat;			/* may be given more than once */
};

#define PORT_MAX 65535
#define SECS_MAX 86400
#define INT31_MAX 2147483647

/*
 * The declarative table: everything else (argv parsing, the checks pluto
 * repeats, the operations, the usage text) is driven from it.
 */
static const struct opt_desc opts[WO_COUNT] = {
	/* all forms; whack only */
	[WO_HELP] = { .name = "help", .kind = K_FLAG, .scope = S_LOCAL, .forms = F_ANY },
	[WO_VERSION] = { .name = "version", .kind = K_FLAG, .scope = S_LOCAL, .forms = F_ANY },
	[WO_CTLSOCKET] = { .name = "ctlsocket", .arg = "path/file", .kind = K_PATH,
		.scope = S_LOCAL, .forms = F_ANY },
	[WO_RUNDIR] = { .name = "rundir", .arg = "path", .kind = K_PATH, .scope = S_LOCAL,
		.forms = F_ANY },
	[WO_CTLBASE] = { .name = "ctlbase", .arg = "path", .kind = K_PATH, .scope = S_LOCAL,
		.forms = F_ANY },
	[WO_LABEL] = { .name = "label", .arg = "string", .kind = K_STR, .scope = S_LOCAL,
		.forms = F_ANY },

	/* connection form: connection-wide */
	[WO_NAME] = { .name = "name", .arg = "connection-name", .kind = K_NAME, .scope = S_WIDE,
		.forms = F_CONN | F_DELETE | F_ROUTE | F_INITIATE | F_DELETEUSER | F_REDIRECT |
			 F_DEBUG },
	[WO_IPV4] = { .name = "ipv4", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_IPV6] = { .name = "ipv6", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_TUNNELIPV4] = { .name = "tunnelipv4", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN | F_OPPO },
	[WO_TUNNELIPV6] = { .name = "tunnelipv6", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN | F_OPPO },
	[WO_TO] = { .name = "to", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_TUNNEL] = { .name = "tunnel", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_PSK] = { .name = "psk", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_RSASIG] = { .name = "rsasig", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_ENCRYPT] = { .name = "encrypt", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_AUTHENTICATE] = { .name = "authenticate", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_COMPRESS] = { .name = "compress", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_PFS] = { .name = "pfs", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_PFSGROUP] = { .name = "pfsgroup", .arg = "modp-group", .kind = K_WORD, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN, .words = pfsgroup_words },
	[WO_IKELIFETIME] = { .name = "ikelifetime", .arg = "seconds", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .min = 1,
		.max = IKE_LIFETIME_MAX, .unit = "seconds" },
	[WO_IPSECLIFETIME] = { .name = "ipseclifetime", .arg = "seconds", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .min = 1,
		.max = IPSEC_LIFETIME_MAX, .unit = "seconds" },
	[WO_REKEYMARGIN] = { .name = "rekeymargin", .arg = "seconds", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .min = 0, .max = SECS_MAX,
		.unit = "seconds" },
	/* A percentage of rekeymargin: may well exceed 100. */
	[WO_REKEYFUZZ] = { .name = "rekeyfuzz", .arg = "percentage", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN, .min = 0, .max = 1000000, .unit = "percent" },
	/* libreswan's: the kernel's hard byte and packet limits of each IPsec SA. */
	[WO_IPSEC_MAX_BYTES] = { .name = "ipsec-max-bytes", .arg = "bytes", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .min = 1, .max = INT64_MAX,
		.unit = "bytes" },
	[WO_IPSEC_MAX_PACKETS] = { .name = "ipsec-max-packets", .arg = "packets", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .min = 1, .max = INT64_MAX,
		.unit = "packets" },
	[WO_KEYINGTRIES] = { .name = "keyingtries", .arg = "count", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN, .min = 0, .max = INT31_MAX, .unit = "tries" },
	[WO_ESP] = { .name = "esp", .arg = "esp-algos", .kind = K_STR, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_IKE] = { .name = "ike", .arg = "ike-algos", .kind = K_STR, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_IKEV1] = { .name = "ikev1", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_IKEV2] = { .name = "ikev2", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_DONTREKEY] = { .name = "dontrekey", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_AGGRMODE] = { .name = "aggrmode", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_MODECFGPULL] = { .name = "modecfgpull", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_INITIALCONTACT] = { .name = "initialcontact", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_METRIC] = { .name = "metric", .arg = "metric", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN, .min = 0, .max = INT31_MAX },
	[WO_NFLOG_GROUP] = { .name = "nflog-group", .arg = "nflognum", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .min = 1, .max = 65535 },
	[WO_CONN_MARK] = { .name = "conn-mark", .arg = "mark/mask", .kind = K_MARK, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_DPDDELAY] = { .name = "dpddelay", .arg = "seconds", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN, .min = 1, .max = SECS_MAX, .unit = "seconds" },
	[WO_DPDTIMEOUT] = { .name = "dpdtimeout", .arg = "seconds", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN, .min = 1, .max = SECS_MAX, .unit = "seconds" },
	[WO_FRAGMENTATION] = { .name = "fragmentation", .arg = "yes|no|force", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .words = frag_words },
	[WO_SEND_REDIRECT] = { .name = "send-redirect", .arg = "yes|no|auto", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .words = send_redirect_words },
	[WO_ACCEPT_REDIRECT] = { .name = "accept-redirect", .arg = "yes|no", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .words = yes_no_words },
	[WO_ACCEPT_REDIRECT_TO] = { .name = "accept-redirect-to", .arg = "ip-address(es)",
		.kind = K_GWS, .scope = S_WIDE, .forms = F_CONN, .starts = F_CONN },
	[WO_DPDACTION] = { .name = "dpdaction", .arg = "clear|hold|restart", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .words = dpdaction_words },
	[WO_FORCEENCAPS] = { .name = "forceencaps", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_NO_KEEP_ALIVE] = { .name = "no-keep-alive", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_INITIATEONTRAFFIC] = { .name = "initiateontraffic", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_PASS] = { .name = "pass", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_DROP] = { .name = "drop", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_REJECT] = { .name = "reject", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_FAILNONE] = { .name = "failnone", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_FAILPASS] = { .name = "failpass", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_FAILDROP] = { .name = "faildrop", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_FAILREJECT] = { .name = "failreject", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	/* Starts the delete form, or means "replace" inside the connection form. */
	[WO_DELETE] = { .name = "delete", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN | F_DELETE, .starts = F_DELETE, .ops = 1ull << WOP_DELETE },

	/* connection form: per end */
	[WO_ID] = { .name = "id", .arg = "identity", .kind = K_STR, .scope = S_END, .forms = F_CONN,
		.starts = F_CONN },
	[WO_HOST] = { .name = "host", .arg = "ip-address|%any|%opportunistic", .kind = K_HOST,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_CERT] = { .name = "cert", .arg = "friendly_name", .kind = K_STR, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_CKAID] = { .name = "ckaid", .arg = "CKAID", .kind = K_CKAID, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_CA] = { .name = "ca", .arg = "distinguished-name", .kind = K_STR, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_GROUPS] = { .name = "groups", .arg = "access-control-groups", .kind = K_STR,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_SENDCERT] = { .name = "sendcert", .arg = "yes|forced|always|ifasked|no|never",
		.kind = K_WORD, .scope = S_END, .forms = F_CONN, .starts = F_CONN,
		.words = sendcert_words },
	[WO_SENDCA] = { .name = "sendca", .arg = "none|issuer|all", .kind = K_WORD, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN, .words = sendca_words },
	[WO_CERTTYPE] = { .name = "certtype", .arg = "number", .kind = K_NUM, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN, .min = 0, .max = 255 },
	[WO_IKEPORT] = { .name = "ikeport", .arg = "port-number", .kind = K_NUM, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN, .min = 1, .max = PORT_MAX },
	[WO_NEXTHOP] = { .name = "nexthop", .arg = "ip-address|%direct", .kind = K_NEXTHOP,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_CLIENT] = { .name = "client", .arg = "subnet", .kind = K_SUBNET, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_CLIENTPROTOPORT] = { .name = "clientprotoport", .arg = "protocol/port",
		.kind = K_PROTOPORT, .scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_SRCIP] = { .name = "srcip", .arg = "ip-address", .kind = K_ADDR, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_XAUTHSERVER] = { .name = "xauthserver", .kind = K_FLAG, .scope = S_END, .forms = F_CONN,
		.starts = F_CONN },
	[WO_XAUTHCLIENT] = { .name = "xauthclient", .kind = K_FLAG, .scope = S_END, .forms = F_CONN,
		.starts = F_CONN },
	[WO_MODECFGSERVER] = { .name = "modecfgserver", .kind = K_FLAG, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_MODECFGCLIENT] = { .name = "modecfgclient", .kind = K_FLAG, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_MODECFGDNS] = { .name = "modecfgdns", .arg = "ip-address,...", .kind = K_ADDRS,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_MODECFGDOMAINS] = { .name = "modecfgdomains", .arg = "DNS-domain,...", .kind = K_STR,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_MODECFGPCSCF] = { .name = "modecfgpcscf", .arg = "ip-address,...", .kind = K_ADDRS,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_MODECFGBANNER] = { .name = "modecfgbanner", .arg = "login-banner", .kind = K_STR,
		.scope = S_END, .forms = F_CONN, .starts = F_CONN },
	[WO_DNSKEYONDEMAND] = { .name = "dnskeyondemand", .kind = K_FLAG, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_UPDOWN] = { .name = "updown", .arg = "updown", .kind = K_UPDOWN, .scope = S_END,
		.forms = F_CONN, .starts = F_CONN },
	[WO_ADDRESSPOOL] = { .name = "addresspool", .arg = "FIRST-LAST|NET/BITS,...",
		.kind = K_STR, .scope = S_END, .forms = F_CONN, .starts = F_CONN },

	/* public key form */
	[WO_KEYID] = { .name = "keyid", .arg = "id", .kind = K_STR, .scope = S_WIDE, .forms = F_KEY,
		.starts = F_KEY, .ops = 1ull << WOP_ADD_KEY },
	[WO_ADDKEY] = { .name = "addkey", .kind = K_FLAG, .scope = S_WIDE, .forms = F_KEY },
	[WO_PUBKEYRSA] = { .name = "pubkeyrsa", .arg = "key", .kind = K_PUBKEY, .scope = S_WIDE,
		.forms = F_KEY },

	/* listen, ddos */
	[WO_LISTEN] = { .name = "listen", .kind = K_FLAG, .scope = S_WIDE, .forms = F_ACTION,
		.starts = F_ACTION, .ops = 1ull << WOP_LISTEN },
	[WO_UNLISTEN] = { .name = "unlisten", .kind = K_FLAG, .scope = S_WIDE, .forms = F_ACTION,
		.starts = F_ACTION, .ops = 1ull << WOP_UNLISTEN },
	[WO_DDOS_AUTO] = { .name = "ddos-auto", .kind = K_FLAG, .scope = S_WIDE, .forms = F_ACTION,
		.starts = F_ACTION, .ops = 1ull << WOP_DDOS },
	[WO_DDOS_BUSY] = { .name = "ddos-busy", .kind = K_FLAG, .scope = S_WIDE, .forms = F_ACTION,
		.starts = F_ACTION, .ops = 1ull << WOP_DDOS },
	[WO_DDOS_UNLIMITED] = { .name = "ddos-unlimited", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_ACTION, .starts = F_ACTION, .ops = 1ull << WOP_DDOS },

	/* route, initiate, terminate, rekey */
	[WO_ROUTE] = { .name = "route", .kind = K_FLAG, .scope = S_WIDE, .forms = F_ROUTE,
		.starts = F_ROUTE, .ops = 1ull << WOP_ROUTE },
	[WO_UNROUTE] = { .name = "unroute", .kind = K_FLAG, .scope = S_WIDE, .forms = F_ROUTE,
		.starts = F_ROUTE, .ops = 1ull << WOP_UNROUTE },
	[WO_INITIATE] = { .name = "initiate", .kind = K_FLAG, .scope = S_WIDE, .forms = F_INITIATE,
		.starts = F_INITIATE, .ops = 1ull << WOP_INITIATE },
	[WO_REMOTE_HOST] = { .name = "remote-host", .arg = "ip-address", .kind = K_ADDR,
		.scope = S_WIDE, .forms = F_INITIATE },
	[WO_TERMINATE] = { .name = "terminate", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_INITIATE, .starts = F_INITIATE, .ops = 1ull << WOP_TERMINATE },
	[WO_REKEY_IKE] = { .name = "rekey-ike", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_INITIATE, .starts = F_INITIATE, .ops = 1ull << WOP_REKEY_IKE },
	[WO_REKEY_IPSEC] = { .name = "rekey-ipsec", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_INITIATE, .starts = F_INITIATE, .ops = 1ull << WOP_REKEY_IPSEC },
	[WO_XAUTHUSER] = { .name = "xauthuser", .arg = "user", .kind = K_STR, .scope = S_WIDE,
		.forms = F_INITIATE },
	[WO_XAUTHPASS] = { .name = "xauthpass", .arg = "pass", .kind = K_SECRET, .scope = S_WIDE,
		.forms = F_INITIATE },
	[WO_ASYNCHRONOUS] = { .name = "asynchronous", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_INITIATE },

	/* redirect */
	[WO_GLOBAL_REDIRECT] = { .name = "global-redirect", .arg = "yes|no|auto", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_ACTION, .starts = F_ACTION,
		.ops = 1ull << WOP_GLOBAL_REDIRECT, .words = redirect_words },
	[WO_GLOBAL_REDIRECT_TO] = { .name = "global-redirect-to", .arg = "ip-address(es)",
		.kind = K_GWS, .scope = S_WIDE, .forms = F_ACTION, .starts = F_ACTION,
		.ops = 1ull << WOP_GLOBAL_REDIRECT_TO },
	/* Alone (with --name or not): redirect now; in the connection form: where to send its clients. */
	[WO_REDIRECT_TO] = { .name = "redirect-to", .arg = "ip-address(es)", .kind = K_GWS,
		.scope = S_WIDE, .forms = F_REDIRECT | F_CONN, .starts = F_REDIRECT,
		.ops = 1ull << WOP_REDIRECT_TO },

	/* opportunistic initiate */
	[WO_OPPOHERE] = { .name = "oppohere", .arg = "ip-address", .kind = K_ADDR, .scope = S_WIDE,
		.forms = F_OPPO, .starts = F_OPPO, .ops = 1ull << WOP_OPPO_INITIATE },
	[WO_OPPOTHERE] = { .name = "oppothere", .arg = "ip-address", .kind = K_ADDR,
		.scope = S_WIDE, .forms = F_OPPO, .starts = F_OPPO,
		.ops = 1ull << WOP_OPPO_INITIATE },
	[WO_OPPOSPORT] = { .name = "opposport", .arg = "port", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_OPPO, .min = 0, .max = PORT_MAX },
	[WO_OPPODPORT] = { .name = "oppodport", .arg = "port", .kind = K_NUM, .scope = S_WIDE,
		.forms = F_OPPO, .min = 0, .max = PORT_MAX },
	[WO_OPPOPROTO] = { .name = "oppoproto", .arg = "protocol", .kind = K_PROTO, .scope = S_WIDE,
		.forms = F_OPPO },

	/* crash, deletes */
	[WO_CRASH] = { .name = "crash", .arg = "ip-address", .kind = K_ADDR, .scope = S_WIDE,
		.forms = F_ACTION | F_DELETEUSER, .starts = F_ACTION, .ops = 1ull << WOP_CRASH },
	[WO_DELETESTATE] = { .name = "deletestate", .arg = "state-number", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_ACTION, .starts = F_ACTION,
		.ops = 1ull << WOP_DELETESTATE, .min = 1, .max = INT31_MAX },
	[WO_DELETEUSER] = { .name = "deleteuser", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_DELETEUSER, .starts = F_DELETEUSER, .ops = 1ull << WOP_DELETEUSER },

	/* debug, impair */
	[WO_DEBUG] = { .name = "debug", .arg = "help|none|base|cpu-usage|class|no-class",
		.kind = K_DEBUG, .scope = S_WIDE, .forms = F_DEBUG, .starts = F_DEBUG,
		.ops = 1ull << WOP_DEBUG, .repeat = true },
	[WO_NO_DEBUG] = { .name = "no-debug", .arg = "class", .kind = K_DEBUG, .scope = S_WIDE,
		.forms = F_DEBUG, .starts = F_DEBUG, .ops = 1ull << WOP_DEBUG, .repeat = true },
	[WO_IMPAIR] = { .name = "impair", .arg = "help|list|none|behaviour[:how]", .kind = K_IMPAIR,
		.scope = S_WIDE, .forms = F_DEBUG, .starts = F_DEBUG, .ops = 1ull << WOP_IMPAIR,
		.repeat = true },
	[WO_NO_IMPAIR] = { .name = "no-impair", .arg = "behaviour", .kind = K_IMPAIR,
		.scope = S_WIDE, .forms = F_DEBUG, .starts = F_DEBUG, .ops = 1ull << WOP_IMPAIR,
		.repeat = true },

	/* listings and rereads */
	[WO_UTC] = { .name = "utc", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST },
	/* "All of the X.509 information": the four listings of X.509 material. */
	[WO_LISTALL] = { .name = "listall", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST,
		.ops = 1ull << WOP_LISTPUBKEYS | 1ull << WOP_LISTCERTS | 1ull << WOP_LISTCACERTS |
		       1ull << WOP_LISTCRLS },
	[WO_LISTPUBKEYS] = { .name = "listpubkeys", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_LISTPUBKEYS },
	[WO_LISTCERTS] = { .name = "listcerts", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_LISTCERTS },
	[WO_CHECKPUBKEYS] = { .name = "checkpubkeys", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_CHECKPUBKEYS },
	[WO_LISTCACERTS] = { .name = "listcacerts", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_LISTCACERTS },
	[WO_LISTCRLS] = { .name = "listcrls", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_LISTCRLS },
	[WO_REREADSECRETS] = { .name = "rereadsecrets", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_REREADSECRETS },
	[WO_FETCHCRLS] = { .name = "fetchcrls", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_FETCHCRLS },
	[WO_REREADALL] = { .name = "rereadall", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_REREADALL },
	[WO_REREADCRLS] = { .name = "rereadcrls", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_REREADCRLS },
	[WO_DDNS] = { .name = "ddns", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_DDNS },
	[WO_LISTEVENTS] = { .name = "listevents", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_LISTEVENTS },
	[WO_PURGEOCSP] = { .name = "purgeocsp", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_PURGEOCSP },

	/* status */
	[WO_STATUS] = { .name = "status", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_STATUS },
	[WO_CONNECTIONSTATUS] = { .name = "connectionstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_CONNECTIONSTATUS },
	[WO_TRAFFICSTATUS] = { .name = "trafficstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_TRAFFICSTATUS },
	[WO_SHUNTSTATUS] = { .name = "shuntstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_SHUNTSTATUS },
	[WO_ADDRESSPOOLSTATUS] = { .name = "addresspoolstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_ADDRESSPOOLSTATUS },
	[WO_PROCESSSTATUS] = { .name = "processstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_PROCESSSTATUS },
	[WO_GLOBALSTATS] = { .name = "globalstats", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_GLOBALSTATS },
	[WO_CLEARSTATS] = { .name = "clearstats", .kind = K_FLAG, .scope = S_WIDE, .forms = F_LIST,
		.starts = F_LIST, .ops = 1ull << WOP_CLEARSTATS },

	/* sockets, shutdown */
	[WO_IKE_SOCKET_BUFSIZE] = { .name = "ike-socket-bufsize", .arg = "bufsize", .kind = K_NUM,
		.scope = S_WIDE, .forms = F_ACTION, .starts = F_ACTION,
		.ops = 1ull << WOP_SOCKET_BUFSIZE, .min = 1, .max = INT31_MAX, .unit = "bytes" },
	[WO_IKE_SOCKET_ERRQUEUE_TOGGLE] = { .name = "ike-socket-errqueue-toggle", .kind = K_FLAG,
		.scope = S_WIDE, .forms = F_ACTION, .starts = F_ACTION,
		.ops = 1ull << WOP_SOCKET_ERRQUEUE },
	[WO_SHUTDOWN] = { .name = "shutdown", .kind = K_FLAG, .scope = S_WIDE, .forms = F_SHUTDOWN,
		.starts = F_SHUTDOWN, .ops = 1ull << WOP_SHUTDOWN },
	[WO_LEAVE_STATE] = { .name = "leave-state", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_SHUTDOWN },

	/* libreswan 4.x listings */
	[WO_SHOWSTATES] = { .name = "showstates", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_SHOWSTATES },
	[WO_BRIEFSTATUS] = { .name = "briefstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_BRIEFSTATUS },
	[WO_FIPSSTATUS] = { .name = "fipsstatus", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_LIST, .starts = F_LIST, .ops = 1ull << WOP_FIPSSTATUS },
	/* authentication, connection-wide: libreswan's whack flags */
	[WO_ECDSA] = { .name = "ecdsa", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_RSA_SHA1] = { .name = "rsa-sha1", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_RSA_SHA2] = { .name = "rsa-sha2", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_RSA_SHA2_256] = { .name = "rsa-sha2_256", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_RSA_SHA2_384] = { .name = "rsa-sha2_384", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_RSA_SHA2_512] = { .name = "rsa-sha2_512", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_ECDSA_SHA2_256] = { .name = "ecdsa-sha2_256", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_ECDSA_SHA2_384] = { .name = "ecdsa-sha2_384", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_ECDSA_SHA2_512] = { .name = "ecdsa-sha2_512", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	[WO_AUTH_NULL] = { .name = "auth-null", .kind = K_FLAG, .scope = S_WIDE, .forms = F_CONN,
		.starts = F_CONN },
	[WO_AUTH_NEVER] = { .name = "auth-never", .kind = K_FLAG, .scope = S_WIDE,
		.forms = F_CONN, .starts = F_CONN },
	/* ... and per end (leftauth=/rightauth=) */
	[WO_AUTHBY] = { .name = "authby", .arg = "psk|rsasig|ecdsa|eddsa|null|eaponly",
		.kind = K_WORD, .scope = S_END, .forms = F_CONN, .starts = F_CONN,
		.words = authby_words },
	[WO_XAUTHBY] = { .name = "xauthby", .arg = "file|pam|alwaysok", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .words = xauthby_words },
	[WO_XAUTHFAIL] = { .name = "xauthfail", .arg = "hard|soft", .kind = K_WORD,
		.scope = S_WIDE, .forms = F_CONN, .starts = F_CONN, .words = xauthfail_words },
};

/* Other spellings the manual documents. */
static const struct {
	const char *name;
	enum whack_opt id;
} aliases[] = {
	{ "timeout", WO_DPDTIMEOUT },
	{ "globalstatus", WO_GLOBALSTATS },	/* libreswan 4.x's whack spells it so */
};

/* Protocol names --clientprotoport and --oppoproto accept. */
static const struct word proto_words[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 }, { "esp", 50 },
	{ "icmpv6", 58 }, { "ipv6-icmp", 58 }, { "sctp", 132 }, { NULL, 0 },
};

const char *whack_opt_name(enum whack_opt id)
{
	if ((unsigned)id >= WO_COUNT)
		return NULL;
	return opts[id].name;
}

const char *whack_opt_arg(enum whack_opt id)
{
	if ((unsigned)id >= WO_COUNT)
		return NULL;
	return opts[id].arg;
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *end_name(int end)
{
	return end == WHACK_END_RIGHT ? "right (after --to)" : "left (before --to)";
}

/* "yes, no or auto" */
static void words_list(const struct word *w, char *buf, size_t cap)
{
	size_t n = 0;
	size_t count = 0;

	while (w[count].word)
		count++;
	buf[0] = '\0';
	for (size_t i = 0; i < count && n < cap; i++) {
		const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
		int m = snprintf(buf + n, cap - n, "%s%s", sep, w[i].word);
		if (m < 0)
			break;
		n += (size_t)m;
	}
}

static const struct word *word_find(const struct word *w, const char *v)
{
	for (; w->word; w++) {
		if (strcmp(w->word, v) == 0)
			return w;
	}
	return NULL;
}

/* A typed value; value_parse() fills the fields its kind uses. */
struct val {
	int64_t num;
	struct ip_addr addr;
	struct ip_subnet subnet;
	enum conn_host_kind host_kind;
	uint8_t proto;
	uint16_t port;
	bool has_port;
	uint32_t mark, mask;
	int word;
};

/* Strict decimal: an optional '-', digits, nothing else. Returns -EINVAL or -ERANGE. */
static int parse_int(const char *s, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		uint64_t d = (uint64_t)(*s - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -ERANGE;	/* beyond INT64_MAX (the byte and packet limits reach it) */
		v = v * 10 + d;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* Decimal or 0x hex, 32 bits. */
static int parse_u32(const char *s, uint32_t *out)
{
	int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0 || d >= base)
			return -EINVAL;
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_proto(const char *s, uint8_t *out)
{
	const struct word *w = word_find(proto_words, s);
	int64_t n;

	if (w) {
		*out = (uint8_t)w->value;
		return 0;
	}
	if (parse_int(s, &n) < 0 || n < 0 || n > 255)
		return -EINVAL;
	*out = (uint8_t)n;
	return 0;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_base64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

static int parse_addrs(const struct opt_desc *d, const char *v, char *err, size_t errlen)
{
	char item[IP_ADDR_STRLEN + 8];
	const char *p = v;

	for (;;) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		struct ip_addr a;
		if (n == 0 || n >= sizeof(item))
			return errf(err, errlen,
				    "--%s %s: expected a comma separated list of IP addresses",
				    d->name, v);
		memcpy(item, p, n);
		item[n] = '\0';
		if (ip_addr_parse(item, &a) < 0)
			return errf(err, errlen,
				    "--%s %s: \"%s\" is not an IP address (expected a comma separated list of IP addresses)",
				    d->name, v, item);
		if (!e)
			return 0;
		p = e + 1;
	}
}

static int parse_debug(const struct opt_desc *d, const char *v, char *err, size_t errlen)
{
	uint32_t mask = 0;
	char list[256];
	size_t n = 0;

	if (debug_apply(&mask, v, d - opts == WO_DEBUG) == 0)
		return 0;
	list[0] = '\0';
	for (unsigned i = 0; i < DBG_CLASS_COUNT && n < sizeof(list); i++) {
		int m = snprintf(list + n, sizeof(list) - n, ", %s", debug_class_name(i));
		if (m < 0)
			break;
		n += (size_t)m;
	}
	return errf(err, errlen,
		    "--%s %s: unknown debug class (expected none, all%s or no-<class>; see whack --debug help)",
		    d->name, v, list);
}

/* help and list are answered by pluto; everything else must be a behaviour it knows. */
static int parse_impair(const struct opt_desc *d, const char *v, char *err, size_t errlen)
{
	bool enable = d - opts == WO_IMPAIR;
	struct impair_setting set;
	char why[384];

	if (enable && (strcmp(v, "help") == 0 || strcmp(v, "list") == 0))
		return 0;
	if (impair_parse(v, enable, &set, why, sizeof(why)) < 0)
		return errf(err, errlen, "--%s %.64s: %s", d->name, v, why);
	return 0;
}

/*
 * Check one value against its kind and fill *out. The error names the
 * option, the value and what was expected.
 */
static int value_parse(const struct opt_desc *d, const char *v, struct val *out, char *err,
		       size_t errlen)
{
	char buf[128];
	int rc;

	memset(out, 0, sizeof(*out));
	if (d->kind == K_FLAG) {
		if (*v)
			return errf(err, errlen, "--%s takes no value (got \"%.64s\")", d->name, v);
		return 0;
	}
	if (!*v && d->kind != K_SECRET)
		return errf(err, errlen, "--%s: empty value (expected %s)", d->name, d->arg);

	switch (d->kind) {
	case K_FLAG:
	case K_STR:
	case K_SECRET:
	case K_PATH:
	case K_NAME:	/* which kind of name depends on the form: see check_forms() */
		return 0;
	case K_NUM:
		rc = parse_int(v, &out->num);
		if (rc == -EINVAL)
			return errf(err, errlen,
				    "--%s %.64s: not a whole number (expected %lld..%lld%s%s)",
				    d->name, v, (long long)d->min, (long long)d->max,
				    d->unit ? " " : "", d->unit ? d->unit : "");
		if (rc == -ERANGE && v[0] == '-')
			out->num = INT64_MIN;
		else if (rc == -ERANGE)
			out->num = INT64_MAX;
		if (out->num > d->max || (rc == -ERANGE && v[0] != '-'))
			return errf(err, errlen, "--%s %.64s: larger than the maximum %lld%s%s",
				    d->name, v, (long long)d->max, d->unit ? " " : "",
				    d->unit ? d->unit : "");
		if (out->num < d->min)
			return errf(err, errlen, "--%s %s: smaller than the minimum %lld%s%s",
				    d->name, v, (long long)d->min, d->unit ? " " : "",
				    d->unit ? d->unit : "");
		return 0;
	case K_HOST:
		if (strcmp(v, "%any") == 0) {
			out->host_kind = HOST_ANY;
			return 0;
		}
		if (strcmp(v, "%opportunistic") == 0) {
			out->host_kind = HOST_OPPORTUNISTIC;
			return 0;
		}
		if (ip_addr_parse(v, &out->addr) < 0)
			return errf(err, errlen,
				    "--%s %.64s: expected an IP address, %%any or %%opportunistic",
				    d->name, v);
		/* The obsolete 0.0.0.0 (and ::) means %any, of that family. */
		out->host_kind = ip_addr_is_unspecified(&out->addr) ? HOST_ANY : HOST_ADDR;
		return 0;
	case K_ADDR:
		if (ip_addr_parse(v, &out->addr) < 0)
			return errf(err, errlen, "--%s %.64s: expected an IP address", d->name, v);
		if (ip_addr_is_unspecified(&out->addr))
			return errf(err, errlen,
				    "--%s %s: the unspecified address is not usable here (expected a specific IP address)",
				    d->name, v);
		return 0;
	case K_NEXTHOP:
		if (strcmp(v, "%direct") == 0)
			return 0;	/* addr.af stays AF_UNSPEC */
		if (ip_addr_parse(v, &out->addr) < 0)
			return errf(err, errlen, "--%s %.64s: expected an IP address or %%direct",
				    d->name, v);
		if (ip_addr_is_unspecified(&out->addr)) {
			/* Obsolete notation for %direct; remember the family for the checks. */
			out->num = out->addr.af;
			memset(&out->addr, 0, sizeof(out->addr));
		}
		return 0;
	case K_SUBNET:
		rc = ip_subnet_parse(v, &out->subnet);
		if (rc == -EDOM) {
			/* Tell the user which network they probably meant. */
			struct ip_subnet sn;
			char net[IP_SUBNET_STRLEN];
			const char *slash = strchr(v, '/');
			size_t alen = (size_t)(slash - v);
			memcpy(buf, v, alen < sizeof(buf) ? alen : sizeof(buf) - 1);
			buf[alen < sizeof(buf) ? alen : sizeof(buf) - 1] = '\0';
			ip_addr_parse(buf, &sn.addr);
			sn.prefix = (uint8_t)atoi(slash + 1);
			struct ip_addr m = ip_subnet_mask(&sn);
			for (unsigned i = 0; i < 16; i++)
				sn.addr.b[i] &= m.b[i];
			return errf(err, errlen,
				    "--%s %s: host bits set beyond the /%u prefix (expected the network address, %s)",
				    d->name, v, sn.prefix, ip_subnet_str(&sn, net));
		}
		if (rc < 0)
			return errf(err, errlen,
				    "--%s %.64s: expected a subnet as address/prefix (e.g. 10.0.1.0/24 or 2001:db8::/64)",
				    d->name, v);
		return 0;
	case K_PROTOPORT: {
		const char *slash = strchr(v, '/');
		size_t plen = slash ? (size_t)(slash - v) : strlen(v);
		int64_t port = 0;
		if (plen >= sizeof(buf))
			plen = sizeof(buf) - 1;
		memcpy(buf, v, plen);
		buf[plen] = '\0';
		if (parse_proto(buf, &out->proto) < 0)
			return errf(err, errlen,
				    "--%s %.64s: protocol \"%s\" is neither a number 0..255 nor one of tcp, udp, icmp, icmpv6, sctp, gre, esp (expected protocol/port, e.g. 17/1701)",
				    d->name, v, buf);
		if (slash && strcmp(slash + 1, "%any") != 0) {
			if (parse_int(slash + 1, &port) < 0 || port < 0 || port > PORT_MAX)
				return errf(err, errlen,
					    "--%s %.64s: port \"%s\" is not 0..65535 or %%any (expected protocol/port, e.g. 17/1701)",
					    d->name, v, slash + 1);
			out->port = (uint16_t)port;
			out->has_port = true;
		}
		if (out->proto == 0 && port != 0)
			return errf(err, errlen,
				    "--%s %s: a port needs a protocol (expected e.g. 17/%lld)", d->name,
				    v, (long long)port);
		return 0;
	}
	case K_PROTO:
		if (parse_proto(v, &out->proto) < 0)
			return errf(err, errlen,
				    "--%s %.64s: expected a protocol number 0..255 or one of tcp, udp, icmp, icmpv6, sctp, gre, esp",
				    d->name, v);
		return 0;
	case K_WORD: {
		const struct word *w = word_find(d->words, v);
		if (!w) {
			words_list(d->words, buf, sizeof(buf));
			return errf(err, errlen, "--%s %.64s: expected %s", d->name, v, buf);
		}
		out->word = w->value;
		return 0;
	}
	case K_MARK: {
		const char *slash = strchr(v, '/');
		size_t mlen = slash ? (size_t)(slash - v) : strlen(v);
		if (mlen >= sizeof(buf))
			mlen = sizeof(buf) - 1;
		memcpy(buf, v, mlen);
		buf[mlen] = '\0';
		out->mask = UINT32_MAX;
		if (parse_u32(buf, &out->mark) < 0 ||
		    (slash && parse_u32(slash + 1, &out->mask) < 0))
			return errf(err, errlen,
				    "--%s %.64s: expected mark/mask, two 32-bit numbers in decimal or 0x hex (e.g. 0x10/0xff)",
				    d->name, v);
		if (out->mark & ~out->mask)
			return errf(err, errlen, "--%s %s: the mark has bits outside the mask",
				    d->name, v);
		return 0;
	}
	case K_ADDRS:
		return parse_addrs(d, v, err, errlen);
	case K_GWS: {
		/* RFC 5685 lets a REDIRECT name its gateway by FQDN; pluto says where it is refused */
		struct addr_list *g;
		char why[160];
		int gr;
		for (const char *p = v;; p++) {	/* no empty item: "a,", ",a", "a,,b" */
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			if (strspn(p, " \t") >= n)
				return errf(err, errlen,
					    "--%s %s: expected a comma separated list of IP addresses "
					    "or host names", d->name, v);
			if (!e)
				break;
			p = e;
		}
		gr = addr_list_parse_gw(v, &g, why, sizeof(why));
		if (gr < 0)
			return errf(err, errlen, "--%s %.64s: %s", d->name, v,
				    gr == -ENOMEM ? "out of memory" : why);
		addr_list_free(g);
		return 0;
	}
	case K_CKAID: {
		size_t n = strlen(v);
		for (size_t i = 0; i < n; i++) {
			if (!is_hex(v[i]))
				return errf(err, errlen,
					    "--%s %.64s: expected the CKAID in hexadecimal digits",
					    d->name, v);
		}
		if (n % 2 || n > 256)
			return errf(err, errlen,
				    "--%s %.64s: expected an even number of hex digits, at most 256",
				    d->name, v);
		return 0;
	}
	case K_PUBKEY: {
		bool b64 = strncmp(v, "0s", 2) == 0;
		bool hex = strncmp(v, "0x", 2) == 0;
		const char *p = v + 2;
		if ((!b64 && !hex) || !*p)
			return errf(err, errlen,
				    "--%s %.16s...: expected 0s followed by base64 or 0x followed by hex",
				    d->name, v);
		for (; *p; p++) {
			if (b64 ? !is_base64(*p) : !(is_hex(*p) || *p == '_'))
				return errf(err, errlen,
					    "--%s %.16s...: \"%c\" is not a %s digit", d->name, v, *p,
					    b64 ? "base64" : "hex");
		}
		return 0;
	}
	case K_DEBUG:
		return parse_debug(d, v, err, errlen);
	case K_IMPAIR:
		return parse_impair(d, v, err, errlen);
	case K_UPDOWN:
		/* It becomes part of a shell command line: refuse what would break it. */
		if (strpbrk(v, ";|&$`'\"<>\\(){}"))
			return errf(err, errlen,
				    "--%s %.64s: shell punctuation would break the updown command (expected a command and plain arguments)",
				    d->name, v);
		return 0;
	}
	return errf(err, errlen, "--%s: internal error: unknown value kind", d->name);
}

/*
 * The reason alone: value_parse() words its errors "--name value: why" or
 * "--name: why" (the value possibly cut at 64 characters); drop that prefix.
 */
static void strip_prefix(const struct opt_desc *d, const char *v, char *err)
{
	char prefix[256];
	size_t n;
	const char *forms[] = { "%s%s %s: ", "%s%s %.64s: ", "%s%s: " };

	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		snprintf(prefix, sizeof(prefix), forms[i], "--", d->name, v);
		n = strlen(prefix);
		if (strncmp(err, prefix, n) == 0) {
			memmove(err, err + n, strlen(err + n) + 1);
			return;
		}
	}
}

int whack_opt_value_check(enum whack_opt id, const char *value, char *why, size_t whylen)
{
	struct val v;
	char err[512];

	if ((unsigned)id >= WO_COUNT || !opts[id].name || !(opts[id].forms & (F_CONN | F_KEY)))
		return errf(why, whylen, "internal error: option %d is not of the connection form",
			    (int)id);
	if (value_parse(&opts[id], value, &v, err, sizeof(err)) == 0)
		return 0;
	strip_prefix(&opts[id], value, err);
	return errf(why, whylen, "%s", err);
}

static const struct opt_desc *desc_of(uint16_t id)
{
	if (id == WO_NONE || id >= WO_COUNT || !opts[id].name)
		return NULL;
	return &opts[id];
}

static bool cmd_has(const struct whack_cmd *c, enum whack_opt id)
{
	return whack_cmd_find(c, id, WHACK_END_NONE) != NULL;
}

static bool conn_form_present(const struct whack_cmd *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const struct opt_desc *d = desc_of(c->opts[i].id);
		if (d && d->starts == F_CONN)
			return true;
	}
	return false;
}

/*
 * --crash ADDR with --deleteuser modifies it (libreswan's "whack --deleteuser
 * --name <user_name> [--crash <ip-address>]"): --deleteuser runs both.
 */
static bool crash_of_deleteuser(const struct opt_desc *d, const struct whack_cmd *c)
{
	return d - opts == WO_CRASH && cmd_has(c, WO_DELETEUSER);
}

/* The form an option starts in this command (--delete, --crash depend on the rest). */
static uint32_t starts_of(const struct opt_desc *d, const struct whack_cmd *c, bool conn)
{
	if ((d - opts == WO_DELETE || d - opts == WO_REDIRECT_TO) && conn)
		return 0;
	if (crash_of_deleteuser(d, c))
		return 0;
	return d->starts;
}

static uint64_t ops_of(const struct opt_desc *d, const struct whack_cmd *c, bool conn)
{
	uint64_t ops = d->ops;
	if ((d - opts == WO_DELETE || d - opts == WO_REDIRECT_TO) && conn)
		ops = 0;	/* --delete in the connection form: replace; --redirect-to: a setting */
	if (crash_of_deleteuser(d, c))
		ops = 0;	/* ctl's --deleteuser takes it */
	if (conn && d->starts == F_CONN)
		ops |= 1ull << WOP_ADD_CONN;
	return ops;
}

static uint64_t derive_ops(const struct whack_cmd *c)
{
	bool conn = conn_form_present(c);
	uint64_t ops = 0;

	for (size_t i = 0; i < c->nopts; i++) {
		const struct opt_desc *d = desc_of(c->opts[i].id);
		if (d)
			ops |= ops_of(d, c, conn);
	}
	return ops;
}

/* "only valid with X, Y or Z" */
static void forms_list(uint32_t forms, char *buf, size_t cap)
{
	size_t n = 0, count = 0, seen = 0;

	for (size_t i = 0; i < ARRAY_SIZE(form_info); i++)
		count += (forms & form_info[i].form) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(form_info) && n < cap; i++) {
		if (!(forms & form_info[i].form))
			continue;
		const char *sep = seen == 0 ? "" : seen + 1 == count ? " or " : ", ";
		int m = snprintf(buf + n, cap - n, "%s%s", sep, form_info[i].what);
		if (m < 0)
			break;
		n += (size_t)m;
		seen++;
	}
}

/* Each option alone: known, sent to pluto, given for the right end, a good value. */
static int check_options(const struct whack_cmd *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const struct whack_optval *o = &c->opts[i];
		const struct opt_desc *d = desc_of(o->id);
		struct val v;
		int rc;

		if (!d)
			return errf(err, errlen, "unknown option number %u (expected 1..%d)", o->id,
				    WO_COUNT - 1);
		if (d->scope == S_LOCAL)
			return errf(err, errlen, "--%s is for whack itself and is never sent to pluto",
				    d->name);
		if (d->scope == S_END && o->end == WHACK_END_NONE)
			return errf(err, errlen, "--%s without an end (expected left or right)",
				    d->name);
		if (d->scope == S_WIDE && o->end != WHACK_END_NONE)
			return errf(err, errlen,
				    "--%s applies to the whole connection, not to one end", d->name);
		rc = value_parse(d, o->value, &v, err, errlen);
		if (rc < 0)
			return rc;
		if (d->repeat)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (c->opts[j].id != o->id || c->opts[j].end != o->end)
				continue;
			if (d->scope == S_END)
				return errf(err, errlen, "--%s given twice for the %s end (expected once)",
					    d->name, end_name(o->end));
			return errf(err, errlen, "--%s given twice (expected once)", d->name);
		}
	}
	return 0;
}

/* The options that may not be given together. */
static const struct {
	enum whack_opt a, b;
} conflicts[] = {
	{ WO_IPV4, WO_IPV6 },
	{ WO_TUNNELIPV4, WO_TUNNELIPV6 },
	{ WO_LISTEN, WO_UNLISTEN },
	{ WO_ROUTE, WO_UNROUTE },
	{ WO_INITIATE, WO_TERMINATE },
	{ WO_DDOS_AUTO, WO_DDOS_BUSY },
	{ WO_DDOS_AUTO, WO_DDOS_UNLIMITED },
	{ WO_DDOS_BUSY, WO_DDOS_UNLIMITED },
	{ WO_INITIATEONTRAFFIC, WO_PASS },
	{ WO_INITIATEONTRAFFIC, WO_DROP },
	{ WO_INITIATEONTRAFFIC, WO_REJECT },
	{ WO_PASS, WO_DROP },
	{ WO_PASS, WO_REJECT },
	{ WO_DROP, WO_REJECT },
	{ WO_FAILNONE, WO_FAILPASS },
	{ WO_FAILNONE, WO_FAILDROP },
	{ WO_FAILNONE, WO_FAILREJECT },
	{ WO_FAILPASS, WO_FAILDROP },
	{ WO_FAILPASS, WO_FAILREJECT },
	{ WO_FAILDROP, WO_FAILREJECT },
	{ WO_AGGRMODE, WO_IKEV2 },
};

/* Which forms are present, whether they may be combined, what each still needs. */
static int check_forms(const struct whack_cmd *c, char *err, size_t errlen)
{
	bool conn = conn_form_present(c);
	uint32_t present = 0;
	const struct opt_desc *starter[ARRAY_SIZE(form_info)] = { 0 };
	size_t starter_pos[ARRAY_SIZE(form_info)] = { 0 };
	char list[512];

	for (size_t i = 0; i < c->nopts; i++) {
		const struct opt_desc *d = desc_of(c->opts[i].id);
		uint32_t s = starts_of(d, c, conn);
		present |= s;
		for (size_t f = 0; f < ARRAY_SIZE(form_info); f++) {
			if ((s & form_info[f].form) && !starter[f]) {
				starter[f] = d;
				starter_pos[f] = i;
			}
		}
	}
	if (c->nopts == 0)
		return errf(err, errlen, "no operation given (see whack --help)");
	if (!present && c->opts[0].id == WO_NAME) {
		forms_list(opts[WO_NAME].forms, list, sizeof(list));
		return errf(err, errlen, "--name: no operation given (expected %s)", list);
	}
	/* Otherwise a lone modifier is reported below as "only valid with ...". */

	/* A form that stands alone takes no other form with it. */
	for (size_t f = 0; f < ARRAY_SIZE(form_info); f++) {
		if (!starter[f] || !form_info[f].alone)
			continue;
		for (size_t g = 0; g < ARRAY_SIZE(form_info); g++) {
			if (g == f || !starter[g])
				continue;
			size_t first = starter_pos[f] < starter_pos[g] ? f : g;
			size_t second = first == f ? g : f;
			return errf(err, errlen,
				    "--%s cannot be combined with --%s (%s takes no other operation)",
				    starter[second]->name, starter[first]->name,
				    form_info[f].what);
		}
	}

	/* Modifiers need one of their forms. */
	for (size_t i = 0; i < c->nopts; i++) {
		const struct opt_desc *d = desc_of(c->opts[i].id);
		if (starts_of(d, c, conn) || (d->forms & present))
			continue;
		forms_list(d->forms, list, sizeof(list));
		return errf(err, errlen, "--%s: only valid with %s", d->name, list);
	}

	for (size_t i = 0; i < ARRAY_SIZE(conflicts); i++) {
		if (cmd_has(c, conflicts[i].a) && cmd_has(c, conflicts[i].b))
			return errf(err, errlen, "--%s and --%s cannot be used together",
				    opts[conflicts[i].a].name, opts[conflicts[i].b].name);
	}

	const struct whack_optval *name = whack_cmd_find(c, WO_NAME, WHACK_END_NONE);
	for (size_t f = 0; f < ARRAY_SIZE(form_info); f++) {
		if (starter[f] && form_info[f].needs_name && !name)
			return errf(err, errlen, "--%s: needs --name %s", starter[f]->name,
				    form_info[f].form == F_DELETEUSER ? "username" :
									"connection-name");
	}
	if (name) {
		if (present & F_DELETEUSER) {
			/* There --name is a user name: anything printable will do. */
		} else if (!conn_name_is_valid(name->value) &&
			   ((present & F_CONN) || !conn_instance_name_is_valid(name->value))) {
			/* an instance (rw[3], "rw"[3]) is named, never added */
			return errf(err, errlen,
				    "--name %.80s: not a usable connection name (expected 1..%d letters, digits or -_.@+: since the name goes into updown commands)",
				    name->value, CONN_NAME_MAX);
		}
	}
	if (cmd_has(c, WO_REMOTE_HOST) && !cmd_has(c, WO_INITIATE))
		return errf(err, errlen, "--remote-host: only valid with --initiate");

	if (present & F_OPPO) {
		const struct whack_optval *here = whack_cmd_find(c, WO_OPPOHERE, WHACK_END_NONE);
		const struct whack_optval *there = whack_cmd_find(c, WO_OPPOTHERE, WHACK_END_NONE);
		struct ip_addr h, t;
		if (!here || !there)
			return errf(err, errlen,
				    "opportunistic initiate needs both --oppohere and --oppothere");
		ip_addr_parse(here->value, &h);
		ip_addr_parse(there->value, &t);
		if (h.af != t.af)
			return errf(err, errlen,
				    "--oppohere %s and --oppothere %s: addresses of different families (expected both IPv4 or both IPv6)",
				    here->value, there->value);
		if ((cmd_has(c, WO_TUNNELIPV4) && h.af != AF_INET) ||
		    (cmd_has(c, WO_TUNNELIPV6) && h.af != AF_INET6))
			return errf(err, errlen,
				    "--oppohere %s: not of the family --%s asks for", here->value,
				    cmd_has(c, WO_TUNNELIPV4) ? "tunnelipv4" : "tunnelipv6");
	}
	return 0;
}

static int check_basic(const struct whack_cmd *cmd, char *err, size_t errlen)
{
	int rc = check_options(cmd, err, errlen);
	uint64_t want;

	if (rc < 0)
		return rc;
	rc = check_forms(cmd, err, errlen);
	if (rc < 0)
		return rc;
	want = derive_ops(cmd);
	if (cmd->ops != want)
		return errf(err, errlen,
			    "operations 0x%llx do not match the options given (expected 0x%llx)",
			    (unsigned long long)cmd->ops, (unsigned long long)want);
	return 0;
}

static const char *af_name(sa_family_t af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static int dup_into(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

/* Family of the first literal host address, else IPv4 (the manual's default). */
static sa_family_t infer_host_af(const struct whack_cmd *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		struct ip_addr a;
		if (c->opts[i].id == WO_HOST && ip_addr_parse(c->opts[i].value, &a) == 0)
			return a.af;
	}
	return AF_INET;
}

static sa_family_t infer_client_af(const struct whack_cmd *c, sa_family_t host_af)
{
	for (size_t i = 0; i < c->nopts; i++) {
		struct ip_subnet s;
		if (c->opts[i].id == WO_CLIENT && ip_subnet_parse(c->opts[i].value, &s) == 0)
			return s.addr.af;
	}
	return host_af;
}

/* Fill one option into the spec; values were checked by check_options(). */
static int apply_opt(struct conn_spec *s, const struct whack_optval *o, char *err, size_t errlen)
{
	const struct opt_desc *d = &opts[o->id];
	struct conn_end_spec *e = &s->end[o->end == WHACK_END_RIGHT ? 1 : 0];
	struct val v;
	int rc = value_parse(d, o->value, &v, err, errlen);

	if (rc < 0)
		return rc;
	switch ((enum whack_opt)o->id) {
	case WO_NAME:
		snprintf(s->name, sizeof(s->name), "%s", o->value);
		break;
	case WO_TUNNEL: s->policy |= POL_TUNNEL; break;
	case WO_PSK: s->policy |= POL_PSK; break;
	case WO_RSASIG: s->policy |= POL_RSASIG; break;
	case WO_ECDSA: s->policy |= POL_ECDSA; break;
	case WO_RSA_SHA1: s->rsa_hashes |= SIGHASH_SHA1; break;
	case WO_RSA_SHA2: s->rsa_hashes |= SIGHASH_SHA2; break;
	case WO_RSA_SHA2_256: s->rsa_hashes |= SIGHASH_SHA2_256; break;
	case WO_RSA_SHA2_384: s->rsa_hashes |= SIGHASH_SHA2_384; break;
	case WO_RSA_SHA2_512: s->rsa_hashes |= SIGHASH_SHA2_512; break;
	case WO_ECDSA_SHA2_256: s->ecdsa_hashes |= SIGHASH_SHA2_256; break;
	case WO_ECDSA_SHA2_384: s->ecdsa_hashes |= SIGHASH_SHA2_384; break;
	case WO_ECDSA_SHA2_512: s->ecdsa_hashes |= SIGHASH_SHA2_512; break;
	case WO_AUTH_NULL: s->policy |= POL_AUTH_NULL; break;
	case WO_AUTH_NEVER: s->policy |= POL_AUTH_NEVER; break;
	case WO_AUTHBY: e->authby = (enum conn_authby)v.word; break;
	case WO_ENCRYPT: s->policy |= POL_ENCRYPT; break;
	case WO_AUTHENTICATE: s->policy |= POL_AUTHENTICATE; break;
	case WO_COMPRESS: s->policy |= POL_COMPRESS; break;
	case WO_PFS: s->policy |= POL_PFS; break;
	case WO_DONTREKEY: s->policy |= POL_DONT_REKEY; break;
	case WO_AGGRMODE: s->policy |= POL_AGGRESSIVE; break;
	case WO_MODECFGPULL: s->policy |= POL_MODECFG_PULL; break;
	case WO_INITIALCONTACT: s->policy |= POL_INITIAL_CONTACT; break;
	case WO_FORCEENCAPS: s->policy |= POL_FORCEENCAPS; break;
	case WO_NO_KEEP_ALIVE: s->policy |= POL_NO_KEEPALIVE; break;
	case WO_IKEV1: s->policy |= POL_IKEV1; break;
	case WO_IKEV2: s->policy |= POL_IKEV2; break;
	case WO_PFSGROUP: s->pfsgroup = v.word; break;
	case WO_IKELIFETIME: s->ike_lifetime = (uint32_t)v.num; break;
	case WO_IPSECLIFETIME: s->ipsec_lifetime = (uint32_t)v.num; break;
	case WO_REKEYMARGIN: s->rekeymargin = (uint32_t)v.num; break;
	case WO_REKEYFUZZ: s->rekeyfuzz = (uint32_t)v.num; break;
	case WO_IPSEC_MAX_BYTES: s->ipsec_max_bytes = (uint64_t)v.num; break;
	case WO_IPSEC_MAX_PACKETS: s->ipsec_max_packets = (uint64_t)v.num; break;
	case WO_KEYINGTRIES: s->keyingtries = (uint32_t)v.num; break;
	case WO_ESP: return dup_into(&s->esp, o->value);
	case WO_IKE: return dup_into(&s->ike, o->value);
	case WO_METRIC: s->metric = (uint32_t)v.num; break;
	case WO_NFLOG_GROUP: s->nflog_group = (int)v.num; break;
	case WO_CONN_MARK:
		s->conn_mark = v.mark;
		s->conn_mask = v.mask;
		s->has_conn_mark = true;
		break;
	case WO_DPDDELAY:
		s->dpd_delay = (uint32_t)v.num;
		s->has_dpd = true;
		break;
	case WO_DPDTIMEOUT:
		s->dpd_timeout = (uint32_t)v.num;
		s->has_dpd = true;
		break;
	case WO_DPDACTION: s->dpd_action = (enum dpd_action)v.word; break;
	case WO_XAUTHBY: s->xauthby = (uint8_t)v.word; break;
	case WO_XAUTHFAIL: s->xauthfail = (uint8_t)v.word; break;
	case WO_INITIATEONTRAFFIC: s->prospective = SHUNT_TRAP; break;
	case WO_PASS: s->prospective = SHUNT_PASS; break;
	case WO_DROP: s->prospective = SHUNT_DROP; break;
	case WO_REJECT: s->prospective = SHUNT_REJECT; break;
	case WO_FAILNONE: s->failure = SHUNT_NONE; break;
	case WO_FAILPASS: s->failure = SHUNT_PASS; break;
	case WO_FAILDROP: s->failure = SHUNT_DROP; break;
	case WO_FAILREJECT: s->failure = SHUNT_REJECT; break;
	case WO_DELETE: s->replace = true; break;
	case WO_FRAGMENTATION: s->fragmentation = (enum conn_frag)v.word; break;
	case WO_SEND_REDIRECT: s->send_redirect = (enum conn_redirect)v.word; break;
	case WO_ACCEPT_REDIRECT: s->accept_redirect = v.word != 0; break;
	case WO_REDIRECT_TO: return dup_into(&s->redirect_to, o->value);
	case WO_ACCEPT_REDIRECT_TO: return dup_into(&s->accept_redirect_to, o->value);

	case WO_ID: return dup_into(&e->id, o->value);
	case WO_HOST:
		e->host_kind = v.host_kind;
		e->host = v.addr;	/* family filled in for %any below */
		break;
	case WO_CERT: return dup_into(&e->cert, o->value);
	case WO_CKAID: return dup_into(&e->ckaid, o->value);
	case WO_CA: return dup_into(&e->ca, o->value);
	case WO_GROUPS: return dup_into(&e->groups, o->value);
	case WO_SENDCERT: e->sendcert = (enum sendcert)v.word; break;
	case WO_SENDCA: e->sendca = (enum sendca)v.word; break;
	case WO_CERTTYPE: e->certtype = (int)v.num; break;
	case WO_IKEPORT: e->ikeport = (uint16_t)v.num; break;
	case WO_NEXTHOP: e->nexthop = v.addr; break;
	case WO_CLIENT:
		e->has_client = true;
		e->client = v.subnet;
		break;
	case WO_CLIENTPROTOPORT:
		e->protocol = v.proto;
		e->port = v.port;
		e->has_port = v.has_port;
		break;
	case WO_SRCIP: e->srcip = v.addr; break;
	case WO_XAUTHSERVER: e->xauth_server = true; break;
	case WO_XAUTHCLIENT: e->xauth_client = true; break;
	case WO_MODECFGSERVER: e->modecfg_server = true; break;
	case WO_MODECFGCLIENT: e->modecfg_client = true; break;
	case WO_MODECFGDNS: return dup_into(&e->modecfg_dns, o->value);
	case WO_MODECFGDOMAINS: return dup_into(&e->modecfg_domains, o->value);
	case WO_MODECFGBANNER: return dup_into(&e->modecfg_banner, o->value);
	case WO_MODECFGPCSCF: return dup_into(&e->modecfg_pcscf, o->value);
	case WO_DNSKEYONDEMAND: e->dnskey_ondemand = true; break;
	case WO_UPDOWN: return dup_into(&e->updown, o->value);
	case WO_ADDRESSPOOL: return dup_into(&e->addresspool, o->value);
	default:
		break;	/* --ipv4/--ipv6/--tunnelipv4/--tunnelipv6/--to: read by the caller */
	}
	return 0;
}

static int check_families(const struct whack_cmd *c, struct conn_spec *s, char *err,
			  size_t errlen)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const struct whack_optval *o = &c->opts[i];
		const char *side = o->end == WHACK_END_RIGHT ? "right" : "left";
		struct ip_addr a;
		struct ip_subnet sn;

		switch (o->id) {
		case WO_HOST:
		case WO_NEXTHOP:
			if (ip_addr_parse(o->value, &a) == 0 && a.af != s->host_af)
				return errf(err, errlen,
					    "--%s %s (%s end): %s address in an %s connection (expected all host addresses of one family; --ipv4 or --ipv6 sets it)",
					    opts[o->id].name, o->value, side, af_name(a.af),
					    af_name(s->host_af));
			break;
		case WO_CLIENT:
			if (ip_subnet_parse(o->value, &sn) == 0 && sn.addr.af != s->client_af)
				return errf(err, errlen,
					    "--client %s (%s end): %s subnet but the tunnel family is %s (expected all clients of one family; --tunnelipv4 or --tunnelipv6 sets it)",
					    o->value, side, af_name(sn.addr.af),
					    af_name(s->client_af));
			break;
		case WO_SRCIP:
			if (ip_addr_parse(o->value, &a) == 0 && a.af != s->client_af)
				return errf(err, errlen,
					    "--srcip %s (%s end): %s address but the tunnel family is %s (expected the family of the clients)",
					    o->value, side, af_name(a.af), af_name(s->client_af));
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Build the spec of a command whose options passed check_basic(). */
static int build_spec(const struct whack_cmd *c, struct conn_spec *s, char *err, size_t errlen)
{
	int rc;

	if (!whack_cmd_has_op(c, WOP_ADD_CONN))
		return errf(err, errlen, "not a connection form (expected --name, --host, --to and --host)");
	if (!cmd_has(c, WO_TO))
		return errf(err, errlen,
			    "connection form without --to (expected --host ... --to --host ...)");
	for (int end = WHACK_END_LEFT; end <= WHACK_END_RIGHT; end++) {
		if (!whack_cmd_find(c, WO_HOST, end))
			return errf(err, errlen,
				    "connection form without --host for the %s end (expected --host ip-address|%%any|%%opportunistic on both ends)",
				    end_name(end));
	}

	s->host_af = cmd_has(c, WO_IPV6) ? AF_INET6 :
		     cmd_has(c, WO_IPV4) ? AF_INET : infer_host_af(c);
	s->client_af = cmd_has(c, WO_TUNNELIPV6) ? AF_INET6 :
		       cmd_has(c, WO_TUNNELIPV4) ? AF_INET : infer_client_af(c, s->host_af);
	rc = check_families(c, s, err, errlen);
	if (rc < 0)
		return rc;

	for (size_t i = 0; i < c->nopts; i++) {
		rc = apply_opt(s, &c->opts[i], err, errlen);
		if (rc == -ENOMEM) {
			errf(err, errlen, "out of memory building the connection");
			return -ENOMEM;
		}
		if (rc < 0)
			return rc;
	}

	for (int i = 0; i < 2; i++) {
		struct conn_end_spec *e = &s->end[i];
		if (e->host_kind != HOST_ADDR) {
			memset(&e->host, 0, sizeof(e->host));
			e->host.af = s->host_af;
		}
	}
	if (s->end[0].host_kind != HOST_ADDR && s->end[1].host_kind != HOST_ADDR)
		return errf(err, errlen,
			    "--host: neither end has an IP address (expected at least one end with a fixed address, the other may be %%any or %%opportunistic)");

	uint32_t ipsec = POL_ENCRYPT | POL_AUTHENTICATE | POL_COMPRESS | POL_PFS;
	if ((s->policy & POL_TUNNEL) && !(s->policy & (POL_ENCRYPT | POL_AUTHENTICATE)))
		return errf(err, errlen, "--tunnel: only valid with --encrypt or --authenticate");
	if ((s->end[0].has_client || s->end[1].has_client) && !(s->policy & ipsec) &&
	    !conn_spec_is_shunt(s))
		return errf(err, errlen,
			    "--client: a connection with only an ISAKMP SA has no clients (expected --encrypt, --authenticate, --compress or --pfs as well, or the shunt --pass, --drop or --reject)");
	/* Tunnel mode is implicit when the SA is for clients. */
	if (s->end[0].has_client || s->end[1].has_client)
		s->policy |= POL_TUNNEL;
	for (int i = 0; i < 2; i++) {
		const struct conn_end_spec *e = &s->end[i];
		if (e->srcip.af != AF_UNSPEC && e->has_client &&
		    !ip_subnet_contains(&e->client, &e->srcip)) {
			char a[IP_ADDR_STRLEN], n[IP_SUBNET_STRLEN];
			return errf(err, errlen,
				    "--srcip %s (%s end): not inside that end's --client %s",
				    ip_addr_str(&e->srcip, a), i ? "right" : "left",
				    ip_subnet_str(&e->client, n));
		}
	}
	return 0;
}

int whack_cmd_check(const struct whack_cmd *cmd, char *err, size_t errlen)
{
	struct conn_spec spec;
	int rc = check_basic(cmd, err, errlen);

	if (rc < 0 || !whack_cmd_has_op(cmd, WOP_ADD_CONN))
		return rc;
	conn_spec_init(&spec);
	rc = build_spec(cmd, &spec, err, errlen);
	conn_spec_fini(&spec);
	return rc;
}

int whack_cmd_conn_spec(const struct whack_cmd *cmd, struct conn_spec *spec, char *err,
			size_t errlen)
{
	int rc;

	conn_spec_init(spec);
	rc = check_basic(cmd, err, errlen);
	if (rc < 0)
		return rc;
	return build_spec(cmd, spec, err, errlen);
}

/*
 * An option by its name or, as getopt_long() allows, by a prefix of it: an
 * exact name wins; a prefix of exactly one option (or of spellings of one)
 * is that option; a prefix of several is ambiguous: *ambiguous is set and
 * cands lists them ("--status, --statusall").
 */
static const struct opt_desc *lookup(const char *name, size_t n, bool *ambiguous, char *cands,
				     size_t candlen)
{
	const struct opt_desc *found = NULL;
	size_t used = 0;

	*ambiguous = false;
	if (candlen)
		cands[0] = '\0';
	for (size_t i = 1; i < WO_COUNT; i++) {
		const char *o = opts[i].name;
		if (o && strlen(o) == n && strncmp(o, name, n) == 0)
			return &opts[i];
	}
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++) {
		if (strlen(aliases[i].name) == n && strncmp(aliases[i].name, name, n) == 0)
			return &opts[aliases[i].id];
	}
	for (size_t i = 1; i < WO_COUNT + ARRAY_SIZE(aliases); i++) {
		const char *o = i < WO_COUNT ? opts[i].name : aliases[i - WO_COUNT].name;
		const struct opt_desc *d = i < WO_COUNT ? &opts[i] : &opts[aliases[i - WO_COUNT].id];
		int m;
		if (!o || strncmp(o, name, n) != 0)
			continue;
		if (found && found != d)
			*ambiguous = true;
		found = found ? found : d;
		m = snprintf(cands + used, used < candlen ? candlen - used : 0, "%s--%s",
			     used ? ", " : "", o);
		if (m > 0)
			used += (size_t)m;
	}
	return *ambiguous ? NULL : found;
}

static int set_socket(struct whack_target *t, const struct opt_desc *d, const char *v,
		      char *err, size_t errlen)
{
	struct sockaddr_un sun;
	const char *suffix = d - opts == WO_RUNDIR ? "/pluto.ctl" :
			     d - opts == WO_CTLBASE ? ".ctl" : "";
	int n = snprintf(t->ctlsocket, sizeof(t->ctlsocket), "%s%s", v, suffix);

	if (n < 0 || (size_t)n >= sizeof(sun.sun_path) || (size_t)n >= sizeof(t->ctlsocket))
		return errf(err, errlen, "--%s %.64s...: socket path longer than %zu bytes", d->name,
			    v, sizeof(sun.sun_path) - 1);
	return 0;
}

int whack_args_parse(int argc, char **argv, struct whack_cmd *cmd, struct whack_target *target,
		     char *err, size_t errlen)
{
	const struct opt_desc *sock_opt = NULL;
	enum whack_end end = WHACK_END_LEFT;
	bool seen_to = false;
	int rc;

	memset(cmd, 0, sizeof(*cmd));
	memset(target, 0, sizeof(*target));
	snprintf(target->ctlsocket, sizeof(target->ctlsocket), "%s", paths_get(PATHS_CTLSOCKET));
	if (err && errlen)
		err[0] = '\0';

	/* --label first, so that every error, even an early one, carries it. */
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--label=", 8) == 0)
			target->label = argv[i] + 8;
		else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			target->label = argv[i + 1];
	}

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq, *value = NULL;
		const struct opt_desc *d;
		bool ambiguous;
		char cands[512];

		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			rc = errf(err, errlen,
				  "unexpected argument \"%.64s\" (expected an option starting with --; see whack --help)",
				  arg);
			goto fail;
		}
		eq = strchr(arg + 2, '=');
		d = lookup(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2), &ambiguous, cands,
			   sizeof(cands));
		if (ambiguous) {
			rc = errf(err, errlen, "option --%.*s is ambiguous: it could be %s",
				  (int)(eq ? eq - arg - 2 : (ptrdiff_t)strlen(arg + 2)), arg + 2, cands);
			goto fail;
		}
		if (!d) {
			rc = errf(err, errlen, "unknown option --%.*s (see whack --help)",
				  (int)(eq ? eq - arg - 2 : (ptrdiff_t)strlen(arg + 2)), arg + 2);
			goto fail;
		}
		if (d->kind == K_FLAG) {
			if (eq) {
				rc = errf(err, errlen, "--%s takes no value (got \"%.64s\")", d->name,
					  eq + 1);
				goto fail;
			}
			value = "";
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
			value = argv[++i];
		} else {
			rc = errf(err, errlen, "--%s: missing value (expected %s)", d->name, d->arg);
			goto fail;
		}

		switch (d - opts) {
		case WO_HELP:
			target->help = true;
			return 0;	/* like the usual getopt programs: help wins, at once */
		case WO_VERSION:
			target->version = true;
			return 0;
		case WO_LABEL:
			target->label = value;
			continue;
		case WO_CTLSOCKET:
		case WO_RUNDIR:
		case WO_CTLBASE:
			if (sock_opt) {
				rc = errf(err, errlen,
					  "--%s: use either --ctlsocket, --rundir or --ctlbase, not both (--%s was given already)",
					  d->name, sock_opt->name);
				goto fail;
			}
			sock_opt = d;
			rc = set_socket(target, d, value, err, errlen);
			if (rc < 0)
				goto fail;
			continue;
		case WO_TO:
			if (seen_to) {
				rc = errf(err, errlen,
					  "--to given twice (expected exactly one, between the two ends)");
				goto fail;
			}
			seen_to = true;
			end = WHACK_END_RIGHT;
			break;
		case WO_DEBUG:
			if (strcmp(value, "help") == 0) {
				target->debug_help = true;	/* answered by whack */
				continue;
			}
			break;
		case WO_UTC:
			target->utc = true;
			break;
		case WO_ASYNCHRONOUS:
			target->asynchronous = true;
			break;
		default:
			break;
		}

		rc = whack_cmd_add(cmd, (uint16_t)(d - opts),
				   d->scope == S_END ? end : WHACK_END_NONE, value);
		if (rc == -E2BIG)
			rc = errf(err, errlen, "too many options (at most %d)", WHACK_MAX_OPTS);
		else if (rc == -EMSGSIZE)
			rc = errf(err, errlen, "--%s: value longer than %d bytes", d->name,
				  WHACK_VALUE_MAX);
		else if (rc == -EINVAL)
			rc = errf(err, errlen,
				  "--%s: value contains control characters (expected printable text)",
				  d->name);
		else if (rc < 0)
			errf(err, errlen, "out of memory");
		if (rc < 0)
			goto fail;
	}

	if (target->debug_help && cmd->nopts == 0)
		return 0;
	cmd->ops = derive_ops(cmd);
	rc = whack_cmd_check(cmd, err, errlen);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	whack_cmd_fini(cmd);
	return rc;
}

/* The usage text: one section per form, each listing its options from the table. */
static const struct {
	const char *title;
	uint32_t form;
	enum whack_opt extra[4];	/* options listed although not of this form */
} usage_sections[] = {
	{ "connection", F_CONN, { WO_NAME, WO_TUNNELIPV4, WO_TUNNELIPV6 } },
	{ "public key", F_KEY, { 0 } },
	{ "delete", F_DELETE, { WO_NAME } },
	{ "route", F_ROUTE, { WO_NAME } },
	{ "initiate, terminate, rekey", F_INITIATE, { WO_NAME } },
	{ "opportunistic initiate", F_OPPO, { WO_TUNNELIPV4, WO_TUNNELIPV6 } },
	{ "delete user", F_DELETEUSER, { WO_NAME } },
	{ "redirect", F_REDIRECT, { WO_NAME } },
	{ "debug and impair", F_DEBUG, { WO_NAME } },
	{ "listings, rereads, status", F_LIST, { 0 } },
	{ "other operations", F_ACTION, { 0 } },
	{ "shutdown", F_SHUTDOWN, { 0 } },
};

static void usage_opt(void (*emit)(void *ctx, const char *line), void *ctx, char *line,
		      size_t cap, size_t *n, const struct opt_desc *d)
{
	char item[96];
	int m = snprintf(item, sizeof(item), " [--%s%s%s]", d->name, d->arg ? " " : "",
			 d->arg ? d->arg : "");

	if (m < 0)
		return;
	if (*n + (size_t)m > 78 && *n > 8) {
		emit(ctx, line);
		*n = (size_t)snprintf(line, cap, "       ");
	}
	*n += (size_t)snprintf(line + *n, cap - *n, "%s", item);
}

void whack_usage(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[160];

	emit(ctx, "Usage: whack [--ctlsocket path/file | --rundir path | --ctlbase path]"
		  " [--label string] options...");
	emit(ctx, "       whack --help | --version");
	for (size_t s = 0; s < ARRAY_SIZE(usage_sections); s++) {
		size_t n;
		emit(ctx, "");
		snprintf(line, sizeof(line), "%s:", usage_sections[s].title);
		emit(ctx, line);
		n = (size_t)snprintf(line, sizeof(line), "  whack");
		for (size_t k = 0; k < ARRAY_SIZE(usage_sections[s].extra); k++) {
			if (usage_sections[s].extra[k])
				usage_opt(emit, ctx, line, sizeof(line), &n,
					  &opts[usage_sections[s].extra[k]]);
		}
		for (size_t i = 1; i < WO_COUNT; i++) {
			const struct opt_desc *d = &opts[i];
			if (d->scope == S_LOCAL || !(d->forms & usage_sections[s].form) ||
			    i == WO_NAME || ((i == WO_TUNNELIPV4 || i == WO_TUNNELIPV6)))
				continue;
			usage_opt(emit, ctx, line, sizeof(line), &n, d);
		}
		emit(ctx, line);
	}
	emit(ctx, "");
	emit(ctx, "Per-end options (--id ... --updown) before --to describe the left end, after it"
		  " the right end.");
	emit(ctx, "--timeout is another name for --dpdtimeout. Values may also be given as"
		  " --option=value.");
}
