/* SPDX-License-Identifier: BSD-2-Clause */
/* whack's command line: every option, the forms, the checks pluto repeats, the conn_spec. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/proto/whack_opts.h"
#include "ctl/proto/whack_proto.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAXARGS 200

/* A command line split on spaces; 'single quotes' keep spaces. */
struct args {
	int argc;
	char *argv[MAXARGS];
	char buf[4096];
};

static void split(struct args *a, const char *line)
{
	char *o = a->buf;
	const char *p = line;

	a->argc = 0;
	a->argv[a->argc++] = (char *)"whack";
	cr_assert_lt(strlen(line), sizeof(a->buf) / 2, "test line too long");
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		cr_assert_lt(a->argc, MAXARGS - 1, "test line has too many words");
		a->argv[a->argc++] = o;
		while (*p && *p != ' ') {
			if (*p == '\'') {
				p++;
				while (*p && *p != '\'')
					*o++ = *p++;
				if (*p)
					p++;
			} else {
				*o++ = *p++;
			}
		}
		*o++ = '\0';
	}
	a->argv[a->argc] = NULL;
}

static struct whack_cmd cmd;
static struct whack_target tgt;
static char err[512];

/* Static: target.label points into argv, as it does into main()'s. */
static struct args argbuf;

static int parse(const char *line)
{
	whack_cmd_fini(&cmd);
	split(&argbuf, line);
	err[0] = '\0';
	return whack_args_parse(argbuf.argc, argbuf.argv, &cmd, &tgt, err, sizeof(err));
}

static void cleanup(void)
{
	whack_cmd_fini(&cmd);
}

TestSuite(whack_opts, .fini = cleanup);

#define CONN "--name c --host 10.0.0.1 --to --host 10.0.0.2"

/* One good command line per option (or per interesting value of it). */
static const char *const good[] = {
	/* connection form: connection-wide */
	CONN,
	"--ipv4 " CONN,
	"--ipv6 --name c --host 2001:db8::1 --to --host 2001:db8::2",
	"--name c --host 2001:db8::1 --to --host 2001:db8::2 --nexthop 2001:db8::fe",
	CONN " --tunnelipv4 --encrypt --client 10.0.2.0/24",
	"--name c --tunnelipv6 --host 10.0.0.1 --client 2001:db8:1::/48 --to --host 10.0.0.2"
	" --client 2001:db8:2::/48 --encrypt",
	CONN " --tunnel --encrypt",
	CONN " --tunnel --authenticate",
	CONN " --psk",
	CONN " --rsasig --psk",
	CONN " --encrypt",
	CONN " --authenticate",
	CONN " --compress",
	CONN " --pfs",
	CONN " --pfsgroup modp1024",
	CONN " --pfsgroup modp8192",
	CONN " --pfsgroup dh24",
	CONN " --ikelifetime 86400",
	CONN " --ikelifetime=1",
	CONN " --ipseclifetime 800",
	CONN " --rekeymargin 0",
	CONN " --rekeyfuzz 0",
	CONN " --rekeyfuzz 250",
	CONN " --ipsec-max-bytes 1000000",
	CONN " --ipsec-max-packets 5000",
	CONN " --keyingtries 0",
	CONN " --esp aes128-sha2_256",
	CONN " --ike aes256-sha2;modp2048",
	CONN " --ikev1",
	CONN " --ikev2",
	CONN " --ikev1 --ikev2",
	CONN " --dontrekey",
	CONN " --aggrmode",
	CONN " --modecfgpull",
	CONN " --initialcontact",
	CONN " --metric 10",
	CONN " --nflog-group 5",
	CONN " --conn-mark 0x10/0xff",
	CONN " --conn-mark 7",
	CONN " --dpddelay 30",
	CONN " --dpdtimeout 120",
	CONN " --timeout 60",
	CONN " --dpdaction clear",
	CONN " --dpdaction hold",
	CONN " --dpdaction=restart",
	CONN " --fragmentation force",
	CONN " --fragmentation no --send-redirect yes --redirect-to 192.0.2.7,192.0.2.8",
	CONN " --accept-redirect yes --accept-redirect-to 192.0.2.7",
	CONN " --accept-redirect yes --accept-redirect-to 192.0.2.7,gw1.example",
	CONN " --forceencaps",
	CONN " --no-keep-alive",
	CONN " --initiateontraffic",
	CONN " --pass",
	CONN " --drop",
	CONN " --reject",
	CONN " --failnone",
	CONN " --failpass",
	CONN " --faildrop",
	CONN " --failreject",
	CONN " --delete",
	CONN " --ecdsa",
	CONN " --rsa-sha1 --rsa-sha2",
	CONN " --rsa-sha2_256 --rsa-sha2_384 --rsa-sha2_512",
	CONN " --ecdsa-sha2_256 --ecdsa-sha2_384 --ecdsa-sha2_512",
	CONN " --auth-null",
	CONN " --auth-never",
	/* connection form: per end */
	"--name c --host 10.0.0.1 --authby psk --to --host 10.0.0.2 --authby rsasig",
	"--name c --host 10.0.0.1 --authby secret --to --host 10.0.0.2 --authby ecdsa",
	"--name c --host 10.0.0.1 --authby eddsa --to --host 10.0.0.2 --authby rsa",
	"--name c --host 10.0.0.1 --authby null --to --host 10.0.0.2 --authby eaponly",
	"--name c --id @left --host 10.0.0.1 --to --id 'C=CH, O=Example, CN=right' --host 10.0.0.2",
	"--name c --host 10.0.0.1 --cert mycert --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --ckaid 0a1B2c --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --ca 'CN=Test CA' --groups ops,dev --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --sendcert yes --to --host 10.0.0.2 --sendcert forced",
	"--name c --host 10.0.0.1 --sendcert always --to --host 10.0.0.2 --sendcert ifasked",
	"--name c --host 10.0.0.1 --sendcert no --to --host 10.0.0.2 --sendcert never",
	"--name c --host 10.0.0.1 --sendca issuer --to --host 10.0.0.2 --sendca all",
	"--name c --host 10.0.0.1 --sendca none --certtype 1 --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --ikeport 4500 --to --host 10.0.0.2 --ikeport 65535",
	"--name c --host 10.0.0.1 --nexthop 10.0.0.254 --to --host 10.0.0.2 --nexthop %direct",
	"--name c --host 10.0.0.1 --nexthop 0.0.0.0 --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 --encrypt",
	"--name c --host 10.0.0.1 --clientprotoport 17/1701 --to --host 10.0.0.2"
	" --clientprotoport 17/%any",
	"--name c --host 10.0.0.1 --clientprotoport tcp/443 --to --host 10.0.0.2"
	" --clientprotoport udp",
	"--name c --host 10.0.0.1 --clientprotoport icmp/0 --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --client 10.0.1.0/24 --srcip 10.0.1.1 --to --host 10.0.0.2"
	" --encrypt",
	"--name c --host 10.0.0.1 --srcip 10.0.0.1 --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --xauthserver --modecfgserver --to --host %any --xauthclient"
	" --modecfgclient",
	"--name c --ikev1 --host 10.0.0.1 --xauthserver --to --host %any --xauthby alwaysok"
	" --xauthfail soft",
	"--name c --host 10.0.0.1 --modecfgdns '10.0.0.53, 10.0.0.54' --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --modecfgserver --to --host %any --addresspool 10.9.0.0/24",
	"--name c --host 10.0.0.1 --modecfgdomains example.com,corp.example --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --modecfgbanner 'Welcome aboard' --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --modecfgpcscf 10.0.0.60,2001:db8::60 --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --dnskeyondemand --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --updown '/usr/libexec/ipsec/_updown --route yes' --to --host 10.0.0.2",
	"--name c --host 10.0.0.1 --to --host %any",
	"--name c --host 10.0.0.1 --to --host 0.0.0.0",
	"--name c --host 10.0.0.1 --to --host %opportunistic",
	"--name c.1-x_y@z+w:v --host 10.0.0.1 --to --host 10.0.0.2",
	/* public key form */
	"--keyid @peer --addkey --pubkeyrsa 0sAwEAAc3/+A==",
	"--keyid @peer --pubkeyrsa 0x0103_abcd",
	"--keyid 10.0.0.2",
	/* listen, ddos */
	"--listen",
	"--unlisten",
	"--ddos-auto",
	"--ddos-busy",
	"--ddos-unlimited",
	/* route, initiate, terminate, rekey */
	"--route --name c",
	"--unroute --name c",
	"--initiate --name c",
	"--initiate --name c --remote-host 192.0.2.1 --xauthuser alice --xauthpass 's e;cret'"
	" --asynchronous",
	"--terminate --name c",
	"--terminate --name rw[3]",
	"--delete --name \"rw\"[12]",
	"--terminate --name \"rw[3]\"",
	"--rekey-ike --name c",
	"--rekey-ipsec --name c",
	"--name c --route --initiate",
	/* redirect */
	"--global-redirect yes",
	"--global-redirect no",
	"--global-redirect auto",
	"--global-redirect-to 192.0.2.1,192.0.2.2",
	"--global-redirect-to gw1.example,192.0.2.2",
	"--name c --redirect-to 2001:db8::1",
	"--redirect-to 192.0.2.1",
	/* opportunistic */
	"--oppohere 10.0.0.1 --oppothere 10.0.0.2",
	"--tunnelipv4 --oppohere 10.0.0.1 --oppothere 10.0.0.2 --opposport 0 --oppodport 80"
	" --oppoproto tcp",
	"--tunnelipv6 --oppohere 2001:db8::1 --oppothere 2001:db8::2 --oppoproto 17",
	/* crash, deletes */
	"--crash 192.0.2.9",
	"--name c --delete",
	"--deletestate 5",
	"--deleteuser --name 'alice smith'",
	"--deleteuser --name alice --crash 192.0.2.9",
	"--crash 2001:db8::9 --deleteuser --name alice",
	/* debug, impair */
	"--debug all",
	"--debug none --debug cpu-usage",
	"--debug base",
	"--no-debug base",
	"--debug no-crypt",
	"--name c --debug tmi",
	"--impair none",
	"--impair help",
	"--impair list",
	"--impair drop-inbound:3",
	"--no-impair drop-inbound",
	/* listings and rereads */
	"--utc --listall",
	"--listpubkeys",
	"--listcerts",
	"--checkpubkeys",
	"--listcacerts",
	"--listcrls",
	"--utc --rereadsecrets",
	"--fetchcrls",
	"--rereadall",
	"--rereadcrls",
	"--ddns",
	"--listevents",
	"--purgeocsp",
	/* status */
	"--status",
	"--trafficstatus",
	"--shuntstatus",
	"--connectionstatus",
	"--addresspoolstatus",
	"--processstatus",
	"--globalstats",
	"--clearstats",
	"--listen --status --debug all",
	/* sockets, shutdown */
	"--ike-socket-bufsize 65536",
	"--ike-socket-errqueue-toggle",
	"--shutdown",
	"--shutdown --leave-state",
	/* libreswan 4.x listings */
	"--showstates",
	"--briefstatus",
	"--fipsstatus",
	/* whack only */
	"--ctlsocket /tmp/x.ctl --status",
	"--rundir /tmp/r --status",
	"--ctlbase=/tmp/b --status",
	"--label L1 --status",
};

Test(whack_opts, every_good_line_parses_and_covers_every_option)
{
	bool seen[WO_COUNT] = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int rc = parse(good[i]);
		cr_assert_eq(rc, 0, "\"%s\": %s", good[i], err);
		cr_assert_neq(cmd.ops, 0, "\"%s\": no operation", good[i]);
		cr_assert_eq(whack_cmd_check(&cmd, err, sizeof(err)), 0, "\"%s\": %s", good[i], err);
		for (size_t k = 0; k < cmd.nopts; k++)
			seen[cmd.opts[k].id] = true;
	}
	/* Never sent: checked through the target instead. */
	seen[WO_HELP] = seen[WO_VERSION] = seen[WO_CTLSOCKET] = seen[WO_RUNDIR] = true;
	seen[WO_CTLBASE] = seen[WO_LABEL] = true;
	for (int id = 1; id < WO_COUNT; id++) {
		cr_assert_not_null(whack_opt_name(id), "option %d has no name", id);
		cr_assert(seen[id], "--%s is not covered by a good line", whack_opt_name(id));
	}
	cr_assert_null(whack_opt_name(WO_COUNT));
}

struct bad {
	const char *line;
	const char *msg;	/* a part of the error */
};

static const struct bad bad[] = {
	/* syntax */
	{ "", "no operation given" },
	{ "--bogus", "unknown option --bogus (see whack --help)" },
	{ "--bogus=1", "unknown option --bogus" },
	{ "--status extra", "unexpected argument \"extra\"" },
	{ "-s", "unexpected argument \"-s\"" },
	{ "--name", "--name: missing value (expected connection-name)" },
	{ "--name --status", "--name: missing value" },
	{ "--deletestate", "--deletestate: missing value (expected state-number)" },
	{ "--label", "--label: missing value" },
	{ CONN " --encrypt=yes", "--encrypt takes no value" },
	{ "--status=1", "--status takes no value" },
	{ CONN " --esp=", "--esp: empty value" },
	/* ranges */
	{ CONN " --ikelifetime 90000", "--ikelifetime 90000: larger than the maximum 86400 seconds" },
	{ CONN " --ikelifetime 86401", "larger than the maximum 86400 seconds" },
	{ CONN " --ikelifetime 0", "--ikelifetime 0: smaller than the minimum 1 seconds" },
	{ CONN " --ikelifetime 1h", "--ikelifetime 1h: not a whole number (expected 1..86400 seconds)" },
	{ CONN " --ikelifetime 99999999999999999999", "larger than the maximum 86400" },
	{ CONN " --ipseclifetime 86401", "--ipseclifetime 86401: larger than the maximum 86400 seconds" },
	{ CONN " --rekeymargin 86401", "--rekeymargin 86401: larger than the maximum" },
	{ CONN " --rekeyfuzz -5", "--rekeyfuzz -5: smaller than the minimum 0 percent" },
	{ CONN " --ipsec-max-bytes 0", "--ipsec-max-bytes 0: smaller than the minimum 1 bytes" },
	{ CONN " --ipsec-max-bytes 1GiB", "--ipsec-max-bytes 1GiB: not a whole number" },
	{ CONN " --ipsec-max-packets 9223372036854775808",
	  "--ipsec-max-packets 9223372036854775808: larger than the maximum 9223372036854775807 packets" },
	{ CONN " --rekeyfuzz=-1", "--rekeyfuzz -1: smaller than the minimum 0 percent" },
	{ CONN " --keyingtries -1", "--keyingtries -1: smaller than the minimum 0" },
	{ CONN " --metric x", "--metric x: not a whole number" },
	{ CONN " --nflog-group 0", "--nflog-group 0: smaller than the minimum 1" },
	{ CONN " --nflog-group 65536", "--nflog-group 65536: larger than the maximum 65535" },
	{ CONN " --dpddelay 0", "--dpddelay 0: smaller than the minimum 1 seconds" },
	{ CONN " --timeout 100000", "--dpdtimeout 100000: larger than the maximum 86400 seconds" },
	{ "--name c --host 10.0.0.1 --ikeport 0 --to --host 10.0.0.2",
	  "--ikeport 0: smaller than the minimum 1" },
	{ "--name c --host 10.0.0.1 --ikeport 65536 --to --host 10.0.0.2",
	  "--ikeport 65536: larger than the maximum 65535" },
	{ "--name c --host 10.0.0.1 --certtype 256 --to --host 10.0.0.2",
	  "--certtype 256: larger than the maximum 255" },
	{ "--deletestate 0", "--deletestate 0: smaller than the minimum 1" },
	{ "--ike-socket-bufsize 0", "--ike-socket-bufsize 0: smaller than the minimum 1 bytes" },
	{ "--oppohere 10.0.0.1 --oppothere 10.0.0.2 --oppodport 65536", "--oppodport 65536" },
	/* keywords */
	{ "--name c --host 10.0.0.1 --sendcert maybe --to --host 10.0.0.2",
	  "--sendcert maybe: expected yes, forced, always, ifasked, no or never" },
	{ "--name c --host 10.0.0.1 --sendca some --to --host 10.0.0.2",
	  "--sendca some: expected none, issuer or all" },
	{ CONN " --pfsgroup modp768", "--pfsgroup modp768: expected modp1024, modp1536" },
	{ CONN " --dpdaction restart_by_peer", "expected clear, hold or restart" },
	{ "--global-redirect maybe", "--global-redirect maybe: expected yes, no or auto" },
	{ CONN " --xauthby radius", "--xauthby radius: expected file, pam or alwaysok" },
	{ CONN " --fragmentation sometimes",
	  "--fragmentation sometimes: expected yes, no, never, force or insist" },
	{ CONN " --accept-redirect-to 192.0.2.1,gw_1",
	  "gw_1: expected an IPv4 or IPv6 address or a host name" },
	/* addresses */
	{ "--name c --host 10.0.0.256 --to --host 10.0.0.2",
	  "--host 10.0.0.256: expected an IP address, %any or %opportunistic" },
	{ "--name c --host example.com --to --host 10.0.0.2", "--host example.com: expected" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.5/24 --to --host 10.0.0.2 --encrypt",
	  "--client 10.0.1.5/24: host bits set beyond the /24 prefix (expected the network address, 10.0.1.0/24)" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.0/33 --to --host 10.0.0.2 --encrypt",
	  "--client 10.0.1.0/33: expected a subnet" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.0/ --to --host 10.0.0.2 --encrypt",
	  "expected a subnet" },
	{ "--name c --host 10.0.0.1 --nexthop nowhere --to --host 10.0.0.2",
	  "--nexthop nowhere: expected an IP address or %direct" },
	{ "--name c --host 10.0.0.1 --srcip %any --to --host 10.0.0.2",
	  "--srcip %any: expected an IP address" },
	{ "--crash 0.0.0.0", "--crash 0.0.0.0: the unspecified address is not usable" },
	{ "--crash", "--crash: missing value (expected ip-address)" },
	{ "--global-redirect-to 192.0.2.1,1.2.3", "1.2.3: expected an IPv4 or IPv6 address or a host name" },
	{ "--global-redirect-to gw..example", "gw..example: expected an IPv4 or IPv6 address or a host name" },
	{ "--global-redirect-to 192.0.2.1,", "expected a comma separated list of IP addresses" },
	{ "--name c --host 10.0.0.1 --modecfgdns 10.0.0.53,dns --to --host 10.0.0.2",
	  "\"dns\" is not an IP address" },
	{ "--initiate --name c --remote-host 300.1.1.1", "--remote-host 300.1.1.1: expected an IP" },
	/* families */
	{ "--name c --host 10.0.0.1 --to --host 2001:db8::2",
	  "--host 2001:db8::2 (right end): IPv6 address in an IPv4 connection" },
	{ "--ipv6 --name c --host 10.0.0.1 --to --host 10.0.0.2",
	  "--host 10.0.0.1 (left end): IPv4 address in an IPv6 connection" },
	{ "--ipv4 --name c --host 2001:db8::1 --to --host 2001:db8::2", "IPv6 address in an IPv4" },
	{ "--name c --host 10.0.0.1 --nexthop 2001:db8::1 --to --host 10.0.0.2",
	  "--nexthop 2001:db8::1 (left end): IPv6 address in an IPv4 connection" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2"
	  " --client 2001:db8::/64 --encrypt",
	  "--client 2001:db8::/64 (right end): IPv6 subnet but the tunnel family is IPv4" },
	{ "--name c --tunnelipv6 --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 --encrypt",
	  "--client 10.0.1.0/24 (left end): IPv4 subnet but the tunnel family is IPv6" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.0/24 --srcip 2001:db8::1 --to --host 10.0.0.2"
	  " --encrypt", "--srcip 2001:db8::1 (left end): IPv6 address" },
	{ "--ipv4 --ipv6 " CONN, "--ipv4 and --ipv6 cannot be used together" },
	{ "--tunnelipv4 --tunnelipv6 " CONN, "--tunnelipv4 and --tunnelipv6 cannot be used together" },
	{ "--oppohere 10.0.0.1 --oppothere 2001:db8::2",
	  "addresses of different families (expected both IPv4 or both IPv6)" },
	{ "--tunnelipv6 --oppohere 10.0.0.1 --oppothere 10.0.0.2", "not of the family --tunnelipv6" },
	/* forms */
	{ "--host 10.0.0.1 --status", "--status cannot be combined with --host" },
	{ "--status " CONN, "--host cannot be combined with --status" },
	{ "--leave-state", "--leave-state: only valid with --shutdown" },
	{ "--status --leave-state", "--leave-state: only valid with --shutdown" },
	{ "--keyid @a --client 10.0.1.0/24", "--client cannot be combined with --keyid" },
	{ "--addkey", "--addkey: only valid with the public key form (--keyid)" },
	{ "--pubkeyrsa 0sAA==", "--pubkeyrsa: only valid with the public key form" },
	{ "--utc", "--utc: only valid with a listing, reread or status option" },
	{ "--asynchronous --status", "--asynchronous: only valid with --initiate" },
	{ "--xauthuser u --status", "--xauthuser: only valid with --initiate" },
	{ "--terminate --name c --remote-host 192.0.2.1", "--remote-host: only valid with --initiate" },
	{ "--opposport 1", "--opposport: only valid with the opportunistic initiate form" },
	{ "--oppohere 10.0.0.1", "needs both --oppohere and --oppothere" },
	{ "--oppohere 10.0.0.1 --oppothere 10.0.0.2 --status", "cannot be combined" },
	{ "--deleteuser --name alice --status", "cannot be combined" },
	{ "--deleteuser --name alice --crash", "--crash: missing value (expected ip-address)" },
	{ "--deleteuser --name alice --crash 0.0.0.0", "the unspecified address is not usable" },
	{ "--deleteuser --name alice --crash 192.0.2.9 --deletestate 3", "cannot be combined" },
	{ "--tunnelipv4", "--tunnelipv4: only valid with the connection form" },
	{ "--name c", "--name: no operation given (expected the connection form" },
	{ "--name c --listen", "--name: only valid with" },
	{ CONN " --initiate", "--initiate cannot be combined with --host" },
	{ "--keyid @a --listen", "--listen cannot be combined with --keyid" },
	{ "--listen --unlisten", "--listen and --unlisten cannot be used together" },
	{ "--ddos-busy --ddos-auto", "cannot be used together" },
	{ "--route --unroute --name c", "--route and --unroute cannot be used together" },
	{ "--initiate --terminate --name c", "--initiate and --terminate cannot be used together" },
	{ CONN " --pass --drop", "--pass and --drop cannot be used together" },
	{ CONN " --initiateontraffic --reject", "cannot be used together" },
	{ CONN " --failpass --failreject", "--failpass and --failreject cannot be used together" },
	{ CONN " --aggrmode --ikev2", "--aggrmode and --ikev2 cannot be used together" },
	/* names */
	{ "--route", "--route: needs --name connection-name" },
	{ "--unroute", "--unroute: needs --name" },
	{ "--initiate", "--initiate: needs --name connection-name" },
	{ "--terminate", "--terminate: needs --name" },
	{ "--rekey-ike", "--rekey-ike: needs --name" },
	{ "--rekey-ipsec", "--rekey-ipsec: needs --name" },
	{ "--delete", "--delete: needs --name connection-name" },
	{ "--deleteuser", "--deleteuser: needs --name username" },
	{ "--host 10.0.0.1 --to --host 10.0.0.2", "--host: needs --name connection-name" },
	{ "--name 'a b' --host 10.0.0.1 --to --host 10.0.0.2", "--name a b: not a usable connection name" },
	{ "--name a;reboot --host 10.0.0.1 --to --host 10.0.0.2", "not a usable connection name" },
	{ "--name a/b --route", "not a usable connection name" },
	{ "--name rw[3] --host 10.0.0.1 --to --host 10.0.0.2", "--name rw[3]: not a usable connection name" },
	{ "--terminate --name rw[0]", "not a usable connection name" },
	{ "--terminate --name rw[3]x", "not a usable connection name" },
	{ "--terminate --name \"rw\"[3]\"", "not a usable connection name" },
	{ "--name $(x) --initiate", "not a usable connection name" },
	{ "--name 01234567890123456789012345678901234567890123456789012345678901234 --route",
	  "expected 1..64" },
	/* connection form structure */
	{ "--name c --host 10.0.0.1 --encrypt", "connection form without --to" },
	{ "--name c --host 10.0.0.1 --to", "without --host for the right (after --to) end" },
	{ "--name c --to --host 10.0.0.2", "without --host for the left (before --to) end" },
	{ "--name c --host 10.0.0.1 --host 10.0.0.3 --to --host 10.0.0.2",
	  "--host given twice for the left (before --to) end" },
	{ CONN " --to", "--to given twice" },
	{ CONN " --ikelifetime 900 --ikelifetime 800", "--ikelifetime given twice" },
	{ "--name c --host %any --to --host %any", "neither end has an IP address" },
	{ "--name c --host 0.0.0.0 --to --host %opportunistic", "neither end has an IP address" },
	{ CONN " --tunnel", "--tunnel: only valid with --encrypt or --authenticate" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2",
	  "a connection with only an ISAKMP SA has no clients" },
	{ "--name c --host 10.0.0.1 --client 10.0.1.0/24 --srcip 10.0.9.1 --to --host 10.0.0.2"
	  " --encrypt", "--srcip 10.0.9.1 (left end): not inside that end's --client 10.0.1.0/24" },
	/* other values */
	{ CONN " --conn-mark 0x100/0xff", "the mark has bits outside the mask" },
	{ CONN " --conn-mark x/y", "expected mark/mask" },
	{ CONN " --conn-mark 0x100000000", "expected mark/mask" },
	{ "--name c --host 10.0.0.1 --clientprotoport 17/70000 --to --host 10.0.0.2",
	  "port \"70000\" is not 0..65535 or %any" },
	{ "--name c --host 10.0.0.1 --clientprotoport foo/1 --to --host 10.0.0.2",
	  "protocol \"foo\" is neither a number" },
	{ "--name c --host 10.0.0.1 --clientprotoport 256/1 --to --host 10.0.0.2",
	  "protocol \"256\"" },
	{ "--name c --host 10.0.0.1 --clientprotoport 0/80 --to --host 10.0.0.2",
	  "a port needs a protocol" },
	{ "--name c --host 10.0.0.1 --ckaid xyz --to --host 10.0.0.2",
	  "--ckaid xyz: expected the CKAID in hexadecimal digits" },
	{ "--name c --host 10.0.0.1 --ckaid abc --to --host 10.0.0.2", "an even number of hex digits" },
	{ "--keyid @a --pubkeyrsa AwEAAQ", "expected 0s followed by base64 or 0x followed by hex" },
	{ "--keyid @a --pubkeyrsa 0s!!", "is not a base64 digit" },
	{ "--keyid @a --pubkeyrsa 0xzz", "is not a hex digit" },
	{ "--debug bogus", "--debug bogus: unknown debug class (expected none, all, base, cpu-usage" },
	{ "--no-debug help", "--no-debug help: unknown debug class" },
	{ "--impair bogus", "--impair bogus: " },
	{ "--no-impair drop-inbound:3", "--no-impair drop-inbound:3: " },
	{ "--no-impair list", "--no-impair list: " },
	{ "--name c --host 10.0.0.1 --updown 'x; rm -rf /' --to --host 10.0.0.2",
	  "shell punctuation would break the updown command" },
	{ "--name c --host 10.0.0.1 --updown `id` --to --host 10.0.0.2", "shell punctuation" },
	/* control socket */
	{ "--ctlsocket /a --rundir /b --status",
	  "--rundir: use either --ctlsocket, --rundir or --ctlbase, not both" },
	{ "--ctlbase /a --ctlsocket /b --status", "not both" },
	{ "--rundir /xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --status",
	  "socket path longer than 107 bytes" },
};

Test(whack_opts, every_bad_line_is_refused_with_a_message)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = parse(bad[i].line);
		cr_assert_lt(rc, 0, "\"%s\" was accepted", bad[i].line);
		cr_assert_eq(cmd.nopts, 0, "\"%s\": options left behind on error", bad[i].line);
		cr_assert_not_null(strstr(err, bad[i].msg), "\"%s\":\n  got      \"%s\"\n  expected \"%s\"",
				   bad[i].line, err, bad[i].msg);
	}
}

Test(whack_opts, exact_error_texts)
{
	cr_assert_lt(parse(CONN " --ikelifetime 90000"), 0);
	cr_assert_str_eq(err, "--ikelifetime 90000: larger than the maximum 86400 seconds");
	cr_assert_lt(parse("--host 10.0.0.1 --status"), 0);
	cr_assert_str_eq(err, "--status cannot be combined with --host (the connection form "
			      "(--host ... --to --host ...) takes no other operation)");
	cr_assert_lt(parse("--shutdown --bogus"), 0);
	cr_assert_str_eq(err, "unknown option --bogus (see whack --help)");
	cr_assert_lt(parse("--leave-state"), 0);
	cr_assert_str_eq(err, "--leave-state: only valid with --shutdown");
	cr_assert_lt(parse("--route"), 0);
	cr_assert_str_eq(err, "--route: needs --name connection-name");
	/* A secret is never echoed back. */
	cr_assert_lt(parse("--xauthpass hunter2 --status"), 0);
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
}

Test(whack_opts, target_socket_label_and_local_flags)
{
	cr_assert_eq(parse("--status"), 0, "%s", err);
	cr_assert_str_eq(tgt.ctlsocket, "/run/pluto/pluto.ctl");
	cr_assert_null(tgt.label);
	cr_assert_eq(parse("--ctlsocket /tmp/p.ctl --status"), 0, "%s", err);
	cr_assert_str_eq(tgt.ctlsocket, "/tmp/p.ctl");
	cr_assert_eq(parse("--rundir /var/run/x --status"), 0, "%s", err);
	cr_assert_str_eq(tgt.ctlsocket, "/var/run/x/pluto.ctl");
	cr_assert_eq(parse("--ctlbase /tmp/base --status"), 0, "%s", err);
	cr_assert_str_eq(tgt.ctlsocket, "/tmp/base.ctl");
	cr_assert_eq(parse("--status --label=west"), 0, "%s", err);
	cr_assert_str_eq(tgt.label, "west");
	/* None of the whack-only options travel. */
	cr_assert_eq(parse("--label x --ctlsocket /tmp/p.ctl --status"), 0, "%s", err);
	cr_assert_eq(cmd.nopts, 1);
	cr_assert_eq(cmd.opts[0].id, WO_STATUS);
	/* The label is known even when parsing fails early. */
	cr_assert_lt(parse("--bogus --label east"), 0);
	cr_assert_str_eq(tgt.label, "east");

	cr_assert_eq(parse("--help"), 0, "%s", err);
	cr_assert(tgt.help);
	cr_assert_eq(parse("--version"), 0, "%s", err);
	cr_assert(tgt.version);
	cr_assert_eq(parse("--debug help"), 0, "%s", err);
	cr_assert(tgt.debug_help);
	cr_assert_eq(cmd.nopts, 0);
	cr_assert_eq(parse("--debug=help"), 0, "%s", err);
	cr_assert(tgt.debug_help);
	cr_assert_eq(parse("--utc --listall"), 0, "%s", err);
	cr_assert(tgt.utc);
	cr_assert_eq(parse("--initiate --name c --asynchronous"), 0, "%s", err);
	cr_assert(tgt.asynchronous);
	/* --impair help is pluto's to answer: it travels. */
	cr_assert_eq(parse("--impair help"), 0, "%s", err);
	cr_assert_str_eq(whack_cmd_find(&cmd, WO_IMPAIR, WHACK_END_NONE)->value, "help");
}

static uint64_t op(enum whack_op o)
{
	return 1ull << o;
}

Test(whack_opts, operations_follow_the_options)
{
	static const struct {
		const char *line;
		uint64_t ops;
	} t[] = {
		{ CONN, 1ull << WOP_ADD_CONN },
		{ CONN " --delete", 1ull << WOP_ADD_CONN },
		{ "--name c --delete", 1ull << WOP_DELETE },
		{ "--listall", 1ull << WOP_LISTPUBKEYS | 1ull << WOP_LISTCERTS |
				       1ull << WOP_LISTCACERTS | 1ull << WOP_LISTCRLS },
		{ "--keyid @a", 1ull << WOP_ADD_KEY },
		{ "--ddos-busy", 1ull << WOP_DDOS },
		{ "--oppohere 10.0.0.1 --oppothere 10.0.0.2", 1ull << WOP_OPPO_INITIATE },
		{ "--name c --route --initiate", 1ull << WOP_ROUTE | 1ull << WOP_INITIATE },
		{ "--debug none --debug base --impair none", 1ull << WOP_DEBUG | 1ull << WOP_IMPAIR },
		{ "--shutdown --leave-state", 1ull << WOP_SHUTDOWN },
		{ "--deleteuser --name bob", 1ull << WOP_DELETEUSER },
		{ "--deletestate 7", 1ull << WOP_DELETESTATE },
		{ "--crash 10.1.1.1", 1ull << WOP_CRASH },
		/* --deleteuser takes its --crash (ctl runs both parts) */
		{ "--deleteuser --name bob --crash 10.1.1.1", 1ull << WOP_DELETEUSER },
		{ "--ike-socket-errqueue-toggle --ike-socket-bufsize 9",
		  1ull << WOP_SOCKET_ERRQUEUE | 1ull << WOP_SOCKET_BUFSIZE },
		{ "--global-redirect yes --global-redirect-to 10.0.0.1",
		  1ull << WOP_GLOBAL_REDIRECT | 1ull << WOP_GLOBAL_REDIRECT_TO },
		{ "--rereadall --listevents --purgeocsp --ddns",
		  1ull << WOP_REREADALL | 1ull << WOP_LISTEVENTS | 1ull << WOP_PURGEOCSP |
			  1ull << WOP_DDNS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cr_assert_eq(parse(t[i].line), 0, "\"%s\": %s", t[i].line, err);
		cr_assert_eq(cmd.ops, t[i].ops, "\"%s\": ops 0x%llx, expected 0x%llx", t[i].line,
			     (unsigned long long)cmd.ops, (unsigned long long)t[i].ops);
	}
	cr_assert_eq(parse(CONN " --delete"), 0, "%s", err);
	cr_assert_eq(cmd.ops & op(WOP_DELETE), 0);
}

Test(whack_opts, per_end_options_carry_their_end)
{
	cr_assert_eq(parse("--name c --host 10.0.0.1 --ikeport 4500 --to --host 10.0.0.2 "
			   "--ikelifetime 900"), 0, "%s", err);
	cr_assert_str_eq(whack_cmd_find(&cmd, WO_HOST, WHACK_END_LEFT)->value, "10.0.0.1");
	cr_assert_str_eq(whack_cmd_find(&cmd, WO_HOST, WHACK_END_RIGHT)->value, "10.0.0.2");
	cr_assert_eq(whack_cmd_find(&cmd, WO_IKEPORT, WHACK_END_NONE)->end, WHACK_END_LEFT);
	cr_assert_eq(whack_cmd_find(&cmd, WO_IKELIFETIME, WHACK_END_NONE)->end, WHACK_END_NONE);
	cr_assert_not_null(whack_cmd_find(&cmd, WO_TO, WHACK_END_NONE));
}

static void spec_of(const char *line, struct conn_spec *s)
{
	cr_assert_eq(parse(line), 0, "\"%s\": %s", line, err);
	cr_assert_eq(whack_cmd_conn_spec(&cmd, s, err, sizeof(err)), 0, "%s", err);
}

Test(whack_opts, manual_example_silly)
{
	struct conn_spec s;
	struct ip_addr a;

	spec_of("--name silly --host 127.0.0.1 --to --host 127.0.0.2 --ikelifetime 900 "
		"--ipseclifetime 800 --keyingtries 3", &s);
	cr_assert_str_eq(s.name, "silly");
	cr_assert_eq(s.end[0].host_kind, HOST_ADDR);
	ip_addr_parse("127.0.0.1", &a);
	cr_assert(ip_addr_eq(&s.end[0].host, &a));
	ip_addr_parse("127.0.0.2", &a);
	cr_assert(ip_addr_eq(&s.end[1].host, &a));
	cr_assert_eq(s.host_af, AF_INET);
	cr_assert_eq(s.ike_lifetime, 900);
	cr_assert_eq(s.ipsec_lifetime, 800);
	cr_assert_eq(s.keyingtries, 3);
	/* Neither encryption, authentication nor tunnel: an ISAKMP SA only. */
	cr_assert_eq(s.policy, 0);
	cr_assert_not(s.end[0].has_client);
	cr_assert_not(s.end[1].has_client);
	cr_assert_eq(s.rekeymargin, REKEYMARGIN_DEFAULT);
	cr_assert_eq(s.rekeyfuzz, REKEYFUZZ_DEFAULT);
	cr_assert_eq(s.ipsec_max_bytes, 0, "no byte limit unless asked");
	cr_assert_eq(s.ipsec_max_packets, 0, "no packet limit unless asked");
	cr_assert_eq(s.end[0].ikeport, 500);
	cr_assert_eq(s.end[1].ikeport, 500);
	cr_assert_not(s.replace);
	conn_spec_fini(&s);
}

Test(whack_opts, manual_example_subnets)
{
	struct conn_spec s;
	char buf[IP_SUBNET_STRLEN];

	spec_of("--name conn_name --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 "
		"--client 10.0.2.0/24 --encrypt", &s);
	cr_assert_str_eq(s.name, "conn_name");
	cr_assert(s.end[0].has_client);
	cr_assert(s.end[1].has_client);
	cr_assert_str_eq(ip_subnet_str(&s.end[0].client, buf), "10.0.1.0/24");
	cr_assert_str_eq(ip_subnet_str(&s.end[1].client, buf), "10.0.2.0/24");
	cr_assert(s.policy & POL_ENCRYPT);
	cr_assert(s.policy & POL_TUNNEL, "tunnel is implicit for clients");
	cr_assert_eq(s.client_af, AF_INET);
	cr_assert_eq(s.ike_lifetime, IKE_LIFETIME_DEFAULT);
	cr_assert_eq(s.ipsec_lifetime, IPSEC_LIFETIME_DEFAULT);
	conn_spec_fini(&s);
}

/* A shunt alone (--pass, --drop, --reject without --encrypt) has clients and no IPsec. */
Test(whack_opts, shunt_only_connection)
{
	struct conn_spec s;

	spec_of("--name bypass --host 10.0.0.1 --client 10.0.1.0/24 --to --host %any "
		"--client 10.0.2.0/24 --pass", &s);
	cr_assert(conn_spec_is_shunt(&s));
	cr_assert_eq(s.prospective, SHUNT_PASS);
	conn_spec_fini(&s);
	spec_of("--name c --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 --encrypt "
		"--pass", &s);
	cr_assert_not(conn_spec_is_shunt(&s), "with --encrypt, --pass is the prospective shunt");
	conn_spec_fini(&s);
	spec_of(CONN, &s);
	cr_assert_not(conn_spec_is_shunt(&s), "an ISAKMP-only connection is not a shunt");
	conn_spec_fini(&s);
}

/* The per-value check addconn and the ipsec.conf reader use: the reason without the option. */
Test(whack_opts, value_check_gives_the_reason_alone)
{
	char why[256];

	cr_assert_eq(whack_opt_value_check(WO_CLIENT, "10.0.0.0/8", why, sizeof(why)), 0);
	cr_assert_eq(whack_opt_value_check(WO_CLIENT, "10.0.0.1/8", why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "host bits set beyond the /8 prefix (expected the network address, "
			      "10.0.0.0/8)");
	cr_assert_eq(whack_opt_value_check(WO_IKELIFETIME, "90000", why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "larger than the maximum 86400 seconds");
	cr_assert_eq(whack_opt_value_check(WO_UPDOWN, "a: b; c", why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "shell punctuation would break the updown command (expected a "
			      "command and plain arguments)");
	cr_assert_eq(whack_opt_value_check(WO_HOST, "", why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "empty value (expected ip-address|%any|%opportunistic)");
	cr_assert_eq(whack_opt_value_check(WO_STATUS, "", why, sizeof(why)), -EINVAL,
		     "not an option of the connection form");
}

Test(whack_opts, every_conn_field)
{
	struct conn_spec s;
	char buf[IP_SUBNET_STRLEN];

	spec_of("--name full --ipv4 --tunnelipv4 --id @west --host 192.0.2.1 --cert westcert "
		"--ckaid 00ff --ca 'CN=CA' --groups g1 --sendcert never --sendca all --certtype 4 "
		"--ikeport 4500 --nexthop 192.0.2.254 --client 10.1.0.0/16 "
		"--clientprotoport udp/1701 --srcip 10.1.0.1 --xauthserver --modecfgserver "
		"--modecfgdns 10.1.0.53 --modecfgdomains corp.example --modecfgbanner hi "
		"--dnskeyondemand --updown /bin/true "
		"--to --id @east --host %any --xauthclient --modecfgclient --sendcert ifasked "
		"--client 10.2.0.0/16 --clientprotoport 17/%any --nexthop %direct "
		"--psk --rsasig --encrypt --authenticate --compress --pfs --pfsgroup modp3072 "
		"--ikelifetime 7200 --ipseclifetime 3600 --rekeymargin 300 --rekeyfuzz 150 "
		"--ipsec-max-bytes 1073741824 --ipsec-max-packets 9223372036854775807 "
		"--keyingtries 5 --esp aes_gcm --ike aes256-sha2 --ikev1 --dontrekey --aggrmode "
		"--modecfgpull --initialcontact --metric 7 --nflog-group 3 --conn-mark 0x5/0xf --dpddelay 10 "
		"--timeout 40 --dpdaction restart --forceencaps --no-keep-alive --drop "
		"--failreject --delete --tunnel", &s);
	const struct conn_end_spec *l = &s.end[0], *r = &s.end[1];
	cr_assert_str_eq(s.name, "full");
	cr_assert_str_eq(l->id, "@west");
	cr_assert_str_eq(r->id, "@east");
	cr_assert_eq(l->host_kind, HOST_ADDR);
	cr_assert_eq(r->host_kind, HOST_ANY);
	cr_assert_eq(r->host.af, AF_INET);
	cr_assert(ip_addr_is_unspecified(&r->host));
	cr_assert_str_eq(l->cert, "westcert");
	cr_assert_str_eq(l->ckaid, "00ff");
	cr_assert_str_eq(l->ca, "CN=CA");
	cr_assert_str_eq(l->groups, "g1");
	cr_assert_eq(l->sendcert, SENDCERT_NEVER);
	cr_assert_eq(r->sendcert, SENDCERT_IFASKED);
	cr_assert_eq(l->sendca, SENDCA_ALL);
	cr_assert_eq(l->certtype, 4);
	cr_assert_eq(r->certtype, -1);
	cr_assert_eq(l->ikeport, 4500);
	cr_assert_eq(r->ikeport, 500);
	cr_assert_eq(l->nexthop.af, AF_INET);
	cr_assert_eq(r->nexthop.af, AF_UNSPEC);
	cr_assert_str_eq(ip_subnet_str(&l->client, buf), "10.1.0.0/16");
	cr_assert_str_eq(ip_subnet_str(&r->client, buf), "10.2.0.0/16");
	cr_assert_eq(l->protocol, 17);
	cr_assert_eq(l->port, 1701);
	cr_assert(l->has_port);
	cr_assert_eq(r->protocol, 17);
	cr_assert_eq(r->port, 0);
	cr_assert_not(r->has_port);
	cr_assert_eq(l->srcip.af, AF_INET);
	cr_assert(l->xauth_server);
	cr_assert(l->modecfg_server);
	cr_assert(r->xauth_client);
	cr_assert(r->modecfg_client);
	cr_assert_str_eq(l->modecfg_dns, "10.1.0.53");
	cr_assert_str_eq(l->modecfg_domains, "corp.example");
	cr_assert_str_eq(l->modecfg_banner, "hi");
	cr_assert(l->dnskey_ondemand);
	cr_assert_str_eq(l->updown, "/bin/true");
	cr_assert_null(r->updown);
	cr_assert_eq(s.policy, POL_PSK | POL_RSASIG | POL_ENCRYPT | POL_AUTHENTICATE |
				       POL_COMPRESS | POL_PFS | POL_TUNNEL | POL_DONT_REKEY |
				       POL_AGGRESSIVE | POL_MODECFG_PULL | POL_FORCEENCAPS |
				       POL_NO_KEEPALIVE | POL_IKEV1 | POL_INITIAL_CONTACT);
	cr_assert_eq(s.pfsgroup, 15);
	cr_assert_eq(s.ike_lifetime, 7200);
	cr_assert_eq(s.ipsec_lifetime, 3600);
	cr_assert_eq(s.rekeymargin, 300);
	cr_assert_eq(s.rekeyfuzz, 150);
	cr_assert_eq(s.ipsec_max_bytes, 1073741824ull);
	cr_assert_eq(s.ipsec_max_packets, 9223372036854775807ull);
	cr_assert_eq(s.keyingtries, 5);
	cr_assert_str_eq(s.esp, "aes_gcm");
	cr_assert_str_eq(s.ike, "aes256-sha2");
	cr_assert_eq(s.metric, 7);
	cr_assert_eq(s.nflog_group, 3);
	cr_assert(s.has_conn_mark);
	cr_assert_eq(s.conn_mark, 5);
	cr_assert_eq(s.conn_mask, 15);
	cr_assert(s.has_dpd);
	cr_assert_eq(s.dpd_delay, 10);
	cr_assert_eq(s.dpd_timeout, 40);
	cr_assert_eq(s.dpd_action, DPD_ACTION_RESTART);
	cr_assert_eq(s.prospective, SHUNT_DROP);
	cr_assert_eq(s.failure, SHUNT_REJECT);
	cr_assert(s.replace);
	conn_spec_fini(&s);
}

Test(whack_opts, families_and_host_kinds)
{
	struct conn_spec s;

	spec_of("--name v6 --host 2001:db8::1 --to --host %any", &s);
	cr_assert_eq(s.host_af, AF_INET6, "family follows the first literal host");
	cr_assert_eq(s.end[1].host.af, AF_INET6);
	cr_assert_eq(s.client_af, AF_INET6);
	conn_spec_fini(&s);

	spec_of("--name v6in4 --host 10.0.0.1 --client 2001:db8:1::/48 --to --host 10.0.0.2 "
		"--client 2001:db8:2::/48 --encrypt", &s);
	cr_assert_eq(s.host_af, AF_INET);
	cr_assert_eq(s.client_af, AF_INET6);
	conn_spec_fini(&s);

	spec_of("--name rw --host 0.0.0.0 --to --host 10.0.0.2", &s);
	cr_assert_eq(s.end[0].host_kind, HOST_ANY);
	conn_spec_fini(&s);

	spec_of("--name oe --host 10.0.0.1 --to --host %opportunistic", &s);
	cr_assert_eq(s.end[1].host_kind, HOST_OPPORTUNISTIC);
	conn_spec_fini(&s);

	spec_of("--name gw --host 10.0.0.1 --nexthop 0.0.0.0 --to --host 10.0.0.2", &s);
	cr_assert_eq(s.end[0].nexthop.af, AF_UNSPEC, "0.0.0.0 is the obsolete %%direct");
	conn_spec_fini(&s);

	spec_of(CONN " --sendcert yes", &s);
	cr_assert_eq(s.end[1].sendcert, SENDCERT_ALWAYS);
	cr_assert_eq(s.end[0].sendcert, SENDCERT_DEFAULT);
	conn_spec_fini(&s);
}

Test(whack_opts, conn_spec_refuses_other_forms)
{
	struct conn_spec s;

	cr_assert_eq(parse("--status"), 0, "%s", err);
	cr_assert_lt(whack_cmd_conn_spec(&cmd, &s, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "not a connection form"), "%s", err);
	conn_spec_fini(&s);
}

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_spec_eq(const struct conn_spec *a, const struct conn_spec *b)
{
	cr_assert_str_eq(a->name, b->name);
	cr_assert_eq(a->host_af, b->host_af);
	cr_assert_eq(a->client_af, b->client_af);
	cr_assert_eq(a->policy, b->policy);
	cr_assert_eq(a->pfsgroup, b->pfsgroup);
	cr_assert_eq(a->ike_lifetime, b->ike_lifetime);
	cr_assert_eq(a->ipsec_lifetime, b->ipsec_lifetime);
	cr_assert_eq(a->rekeymargin, b->rekeymargin);
	cr_assert_eq(a->rekeyfuzz, b->rekeyfuzz);
	cr_assert_eq(a->ipsec_max_bytes, b->ipsec_max_bytes);
	cr_assert_eq(a->ipsec_max_packets, b->ipsec_max_packets);
	cr_assert_eq(a->keyingtries, b->keyingtries);
	cr_assert(str_same(a->esp, b->esp));
	cr_assert(str_same(a->ike, b->ike));
	cr_assert_eq(a->metric, b->metric);
	cr_assert_eq(a->nflog_group, b->nflog_group);
	cr_assert_eq(a->conn_mark, b->conn_mark);
	cr_assert_eq(a->conn_mask, b->conn_mask);
	cr_assert_eq(a->has_conn_mark, b->has_conn_mark);
	cr_assert_eq(a->dpd_delay, b->dpd_delay);
	cr_assert_eq(a->dpd_timeout, b->dpd_timeout);
	cr_assert_eq(a->has_dpd, b->has_dpd);
	cr_assert_eq(a->dpd_action, b->dpd_action);
	cr_assert_eq(a->prospective, b->prospective);
	cr_assert_eq(a->failure, b->failure);
	cr_assert_eq(a->replace, b->replace);
	for (int i = 0; i < 2; i++) {
		const struct conn_end_spec *x = &a->end[i], *y = &b->end[i];
		cr_assert_eq(x->host_kind, y->host_kind);
		cr_assert(ip_addr_eq(&x->host, &y->host));
		cr_assert(str_same(x->id, y->id));
		cr_assert(str_same(x->cert, y->cert));
		cr_assert(str_same(x->ckaid, y->ckaid));
		cr_assert(str_same(x->ca, y->ca));
		cr_assert(str_same(x->groups, y->groups));
		cr_assert_eq(x->sendcert, y->sendcert);
		cr_assert_eq(x->sendca, y->sendca);
		cr_assert_eq(x->certtype, y->certtype);
		cr_assert_eq(x->ikeport, y->ikeport);
		cr_assert_eq(x->nexthop.af, y->nexthop.af);
		if (x->nexthop.af)
			cr_assert(ip_addr_eq(&x->nexthop, &y->nexthop));
		cr_assert_eq(x->has_client, y->has_client);
		cr_assert(ip_addr_eq(&x->client.addr, &y->client.addr) || !x->has_client);
		cr_assert_eq(x->client.prefix, y->client.prefix);
		cr_assert_eq(x->protocol, y->protocol);
		cr_assert_eq(x->port, y->port);
		cr_assert_eq(x->has_port, y->has_port);
		cr_assert_eq(x->srcip.af, y->srcip.af);
		cr_assert_eq(x->xauth_server, y->xauth_server);
		cr_assert_eq(x->xauth_client, y->xauth_client);
		cr_assert_eq(x->modecfg_server, y->modecfg_server);
		cr_assert_eq(x->modecfg_client, y->modecfg_client);
		cr_assert(str_same(x->modecfg_dns, y->modecfg_dns));
		cr_assert(str_same(x->modecfg_domains, y->modecfg_domains));
		cr_assert(str_same(x->modecfg_banner, y->modecfg_banner));
		cr_assert_eq(x->dnskey_ondemand, y->dnskey_ondemand);
		cr_assert(str_same(x->updown, y->updown));
	}
}

Test(whack_opts, round_trip_args_cmd_wire_cmd_spec)
{
	static uint8_t buf[WHACK_MSG_MAX];
	static struct whack_cmd back;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct conn_spec a, b;
		int n;

		cr_assert_eq(parse(good[i]), 0, "\"%s\": %s", good[i], err);
		n = whack_request_encode(&cmd, buf, sizeof(buf));
		cr_assert_gt(n, 0);
		cr_assert_eq(whack_request_decode(buf, (size_t)n, &back, err, sizeof(err)), 0, "%s",
			     err);
		cr_assert_eq(back.ops, cmd.ops);
		cr_assert_eq(back.nopts, cmd.nopts);
		for (size_t k = 0; k < cmd.nopts; k++) {
			cr_assert_eq(back.opts[k].id, cmd.opts[k].id);
			cr_assert_eq(back.opts[k].end, cmd.opts[k].end);
			cr_assert_str_eq(back.opts[k].value, cmd.opts[k].value);
		}
		cr_assert_eq(whack_cmd_check(&back, err, sizeof(err)), 0, "\"%s\": %s", good[i], err);
		if (whack_cmd_has_op(&cmd, WOP_ADD_CONN)) {
			cr_assert_eq(whack_cmd_conn_spec(&cmd, &a, err, sizeof(err)), 0, "%s", err);
			cr_assert_eq(whack_cmd_conn_spec(&back, &b, err, sizeof(err)), 0, "%s", err);
			assert_spec_eq(&a, &b);
			conn_spec_fini(&a);
			conn_spec_fini(&b);
		}
		whack_cmd_fini(&back);
	}
}

/* What pluto receives is re-checked: a hand-built command is no better than argv. */
Test(whack_opts, check_refuses_forged_commands)
{
	static struct whack_cmd c;

	memset(&c, 0, sizeof(c));
	c.ops = op(WOP_STATUS);
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "no operation given"), "%s", err);

	whack_cmd_add(&c, WO_STATUS, WHACK_END_NONE, "");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), 0, "%s", err);

	c.ops = op(WOP_SHUTDOWN);
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "do not match the options"), "%s", err);
	c.ops = op(WOP_STATUS) | op(WOP_SHUTDOWN);
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	c.ops = op(WOP_STATUS);
	whack_cmd_fini(&c);

	/* An unknown option number, a whack-only option, a wrong end, a flag with a value. */
	c.ops = op(WOP_STATUS);
	whack_cmd_add(&c, WO_STATUS, WHACK_END_NONE, "");
	whack_cmd_add(&c, 999, WHACK_END_NONE, "");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "unknown option number 999"), "%s", err);
	whack_cmd_fini(&c);

	c.ops = op(WOP_STATUS);
	whack_cmd_add(&c, WO_STATUS, WHACK_END_NONE, "");
	whack_cmd_add(&c, WO_CTLSOCKET, WHACK_END_NONE, "/tmp/x");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "--ctlsocket is for whack itself"), "%s", err);
	whack_cmd_fini(&c);

	c.ops = op(WOP_STATUS);
	whack_cmd_add(&c, WO_STATUS, WHACK_END_LEFT, "");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "applies to the whole connection"), "%s", err);
	whack_cmd_fini(&c);

	c.ops = op(WOP_STATUS);
	whack_cmd_add(&c, WO_STATUS, WHACK_END_NONE, "yes");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "--status takes no value"), "%s", err);
	whack_cmd_fini(&c);

	/* A connection whose host has no end. */
	c.ops = op(WOP_ADD_CONN);
	whack_cmd_add(&c, WO_NAME, WHACK_END_NONE, "c");
	whack_cmd_add(&c, WO_HOST, WHACK_END_NONE, "10.0.0.1");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "--host without an end"), "%s", err);
	whack_cmd_fini(&c);

	/* Hosts on both ends but no --to: still refused. */
	c.ops = op(WOP_ADD_CONN);
	whack_cmd_add(&c, WO_NAME, WHACK_END_NONE, "c");
	whack_cmd_add(&c, WO_HOST, WHACK_END_LEFT, "10.0.0.1");
	whack_cmd_add(&c, WO_HOST, WHACK_END_RIGHT, "10.0.0.2");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "without --to"), "%s", err);
	whack_cmd_add(&c, WO_TO, WHACK_END_NONE, "");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), 0, "%s", err);
	/* The same values pluto would otherwise trust. */
	whack_cmd_add(&c, WO_IKELIFETIME, WHACK_END_NONE, "90000");
	cr_assert_eq(whack_cmd_check(&c, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "--ikelifetime 90000: larger than the maximum 86400 seconds");
	whack_cmd_fini(&c);
}

static void count_line(void *ctx, const char *line)
{
	size_t *n = ctx;
	(*n)++;
	cr_assert_leq(strlen(line), 100, "usage line too long: %s", line);
}

static char usage_all[16384];

static void keep_line(void *ctx, const char *line)
{
	(void)ctx;
	strncat(usage_all, line, sizeof(usage_all) - strlen(usage_all) - 2);
	strcat(usage_all, "\n");
}

Test(whack_opts, usage_names_every_option)
{
	size_t n = 0;

	whack_usage(count_line, &n);
	cr_assert_gt(n, 10);
	usage_all[0] = '\0';
	whack_usage(keep_line, NULL);
	for (int id = 1; id < WO_COUNT; id++) {
		char want[64];
		snprintf(want, sizeof(want), "--%s", whack_opt_name(id));
		cr_assert_not_null(strstr(usage_all, want), "usage lacks %s", want);
	}
}

/* getopt_long's prefixes, as libreswan's whack takes them. */
Test(whack_opts, unambiguous_prefixes_are_their_option)
{
	static const struct {
		const char *line;
		uint64_t ops;
	} t[] = {
		{ "--stat", 1ull << WOP_STATUS },
		{ "--traffic", 1ull << WOP_TRAFFICSTATUS },
		{ "--shows", 1ull << WOP_SHOWSTATES },
		{ "--brief", 1ull << WOP_BRIEFSTATUS },
		{ "--fips", 1ull << WOP_FIPSSTATUS },
		{ "--listev", 1ull << WOP_LISTEVENTS },
		{ "--shutd --leave", 1ull << WOP_SHUTDOWN },
		{ "--nam c --termin", 1ull << WOP_TERMINATE },
		/* an exact name wins over the longer names it starts */
		{ "--status", 1ull << WOP_STATUS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		cr_assert_eq(parse(t[i].line), 0, "\"%s\": %s", t[i].line, err);
		cr_assert_eq(cmd.ops, t[i].ops, "\"%s\": ops %#llx", t[i].line,
			     (unsigned long long)cmd.ops);
	}
	cr_assert_eq(parse("--stat=1"), -EINVAL);
	cr_assert_str_eq(err, "--status takes no value (got \"1\")");
}

Test(whack_opts, ambiguous_prefix_names_the_candidates)
{
	cr_assert_eq(parse("--sh"), -EINVAL);
	cr_assert_str_eq(err, "option --sh is ambiguous: it could be --shuntstatus, --shutdown, --showstates");
	cr_assert_eq(parse("--name c --re"), -EINVAL);
	cr_assert(strstr(err, "option --re is ambiguous: it could be --rekeymargin, --rekeyfuzz") == err,
		  "%s", err);
	cr_assert_eq(parse("--xyz"), -EINVAL);
	cr_assert_str_eq(err, "unknown option --xyz (see whack --help)");
}
