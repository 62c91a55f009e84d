/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_PROTO_WHACK_OPTS_H
#define SKUA_CTL_PROTO_WHACK_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/proto/whack_proto.h"
#include "util/conn_spec.h"

/*
 * Every option of every whack form in the manual's SYNOPSIS. The numbers
 * travel on the wire (WATTR_OPT): append new ones at the end, never
 * renumber.
 */
enum whack_opt {
	WO_NONE = 0,
	/* all forms */
	WO_HELP, WO_VERSION, WO_CTLSOCKET, WO_RUNDIR, WO_CTLBASE, WO_LABEL,
	/* connection form: connection-wide */
	WO_NAME, WO_IPV4, WO_IPV6, WO_TUNNELIPV4, WO_TUNNELIPV6, WO_TO,
	WO_TUNNEL, WO_PSK, WO_RSASIG, WO_ENCRYPT, WO_AUTHENTICATE, WO_COMPRESS,
	WO_PFS, WO_PFSGROUP, WO_IKELIFETIME, WO_IPSECLIFETIME, WO_REKEYMARGIN,
	WO_REKEYFUZZ, WO_KEYINGTRIES, WO_ESP, WO_IKE, WO_IKEV1, WO_IKEV2,
	WO_DONTREKEY, WO_AGGRMODE, WO_MODECFGPULL, WO_METRIC, WO_NFLOG_GROUP,
	WO_CONN_MARK, WO_DPDDELAY, WO_DPDTIMEOUT, WO_DPDACTION, WO_FORCEENCAPS,
	WO_NO_KEEP_ALIVE, WO_INITIATEONTRAFFIC, WO_PASS, WO_DROP, WO_REJECT,
	WO_FAILNONE, WO_FAILPASS, WO_FAILDROP, WO_FAILREJECT, WO_DELETE,
	WO_IPSEC_MAX_BYTES, WO_IPSEC_MAX_PACKETS, WO_INITIALCONTACT,
	/* connection form: per end (before / after --to) */
	WO_ID, WO_HOST, WO_CERT, WO_CKAID, WO_CA, WO_GROUPS, WO_SENDCERT,
	WO_SENDCA, WO_CERTTYPE, WO_IKEPORT, WO_NEXTHOP, WO_CLIENT,
	WO_CLIENTPROTOPORT, WO_SRCIP, WO_XAUTHSERVER, WO_XAUTHCLIENT,
	WO_MODECFGSERVER, WO_MODECFGCLIENT, WO_MODECFGDNS, WO_MODECFGDOMAINS,
	WO_MODECFGBANNER, WO_DNSKEYONDEMAND, WO_UPDOWN, WO_ADDRESSPOOL, WO_MODECFGPCSCF,
	/* public key form */
	WO_KEYID, WO_ADDKEY, WO_PUBKEYRSA,
	/* listen, ddos */
	WO_LISTEN, WO_UNLISTEN, WO_DDOS_AUTO, WO_DDOS_BUSY, WO_DDOS_UNLIMITED,
	/* route, initiate, terminate, rekey */
	WO_ROUTE, WO_UNROUTE, WO_INITIATE, WO_REMOTE_HOST, WO_TERMINATE,
	WO_REKEY_IKE, WO_REKEY_IPSEC, WO_XAUTHUSER, WO_XAUTHPASS, WO_ASYNCHRONOUS,
	/* redirect */
	WO_GLOBAL_REDIRECT, WO_GLOBAL_REDIRECT_TO, WO_REDIRECT_TO,
	/* opportunistic initiate */
	WO_OPPOHERE, WO_OPPOTHERE, WO_OPPOSPORT, WO_OPPODPORT, WO_OPPOPROTO,
	/* crash, deletes */
	WO_CRASH, WO_DELETESTATE, WO_DELETEUSER,
	/* debug, impair */
	WO_DEBUG, WO_NO_DEBUG, WO_IMPAIR, WO_NO_IMPAIR,
	/* listings and rereads */
	WO_UTC, WO_LISTALL, WO_LISTPUBKEYS, WO_LISTCERTS, WO_CHECKPUBKEYS,
	WO_LISTCACERTS, WO_LISTCRLS, WO_REREADSECRETS, WO_FETCHCRLS, WO_REREADALL,
	WO_REREADCRLS, WO_DDNS, WO_LISTEVENTS, WO_PURGEOCSP,
	/* status */
	WO_STATUS, WO_CONNECTIONSTATUS, WO_TRAFFICSTATUS, WO_SHUNTSTATUS, WO_ADDRESSPOOLSTATUS,
	WO_PROCESSSTATUS, WO_GLOBALSTATS, WO_CLEARSTATS,
	/* sockets, shutdown */
	WO_IKE_SOCKET_BUFSIZE, WO_IKE_SOCKET_ERRQUEUE_TOGGLE, WO_SHUTDOWN,
	WO_LEAVE_STATE,
	/* libreswan 4.x listings */
	WO_SHOWSTATES, WO_BRIEFSTATUS, WO_FIPSSTATUS,
	/* connection form: authentication (appended: the numbers travel on the wire) */
	WO_ECDSA, WO_RSA_SHA1, WO_RSA_SHA2, WO_RSA_SHA2_256, WO_RSA_SHA2_384, WO_RSA_SHA2_512,
	WO_ECDSA_SHA2_256, WO_ECDSA_SHA2_384, WO_ECDSA_SHA2_512, WO_AUTH_NULL, WO_AUTH_NEVER,
	WO_AUTHBY,
	/* connection form: fragmentation and redirect (appended) */
	WO_FRAGMENTATION, WO_SEND_REDIRECT, WO_ACCEPT_REDIRECT, WO_ACCEPT_REDIRECT_TO,
	/* connection form: XAUTH (appended) */
	WO_XAUTHBY, WO_XAUTHFAIL,
	WO_COUNT,
};

/* The long option name of id ("ikelifetime"), or NULL. */
const char *whack_opt_name(enum whack_opt id);

/* The name of its value as usage shows it ("seconds"), or NULL: a flag or no such option. */
const char *whack_opt_arg(enum whack_opt id);

/*
 * Where the control socket is: --ctlsocket, or <rundir>/pluto.ctl, or
 * <ctlbase>.ctl, or the default /run/pluto/pluto.ctl.
 */
struct whack_target {
	char ctlsocket[256];
	const char *label;	/* --label, or NULL */
	bool help, version, utc, asynchronous;
	bool debug_help;	/* --debug help: whack lists the classes itself */
};

/*
 * Parse a whack command line (argv[0] is skipped) into *cmd and *target.
 * Everything that can be checked without pluto is checked here: unknown
 * options, missing or malformed values, a flag of one form mixed into
 * another, values out of range, addresses of the wrong family, bad
 * connection names; the connection form is built into a conn_spec with
 * whack_cmd_conn_spec() to prove it. On error returns a negative errno
 * and err holds "--ikelifetime 90000: larger than the maximum 86400
 * seconds"-style text. Context: any thread.
 */
int whack_args_parse(int argc, char **argv, struct whack_cmd *cmd, struct whack_target *target,
		     char *err, size_t errlen);

/*
 * The checks whack_args_parse() makes, applied to a decoded command (pluto
 * runs them again on what arrives: the socket is not trusted to hold a
 * well-formed command). Returns 0 or -EINVAL with err filled.
 */
int whack_cmd_check(const struct whack_cmd *cmd, char *err, size_t errlen);

/*
 * Build the connection description of a command whose ops include
 * WOP_ADD_CONN. Returns 0 or -EINVAL with err filled; *spec is
 * initialised either way and must be conn_spec_fini()ed.
 */
int whack_cmd_conn_spec(const struct whack_cmd *cmd, struct conn_spec *spec, char *err,
			size_t errlen);

/*
 * Check one value of a connection-form (or public key form) option exactly
 * as whack and pluto do, for a caller that got it elsewhere (an ipsec.conf
 * keyword). Returns
 * 0 or -EINVAL with why holding the reason alone, without the option's
 * name ("host bits set beyond the /24 prefix (expected the network
 * address, 10.0.1.0/24)"). Context: any thread; pure.
 */
int whack_opt_value_check(enum whack_opt id, const char *value, char *why, size_t whylen);

/* The usage text of whack --help. */
void whack_usage(void (*emit)(void *ctx, const char *line), void *ctx);

#endif
