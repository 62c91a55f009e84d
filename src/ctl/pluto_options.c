/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/pluto_options.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/config_setup.h"
#include "util/addr_list.h"
#include "util/impair.h"
#include "util/paths.h"

/* "Skua pluto 0.1.0 (libreswan-compatible)": the version comes from the CMake project. */
#define PLUTO_VERSION_FMT "Skua pluto %s (libreswan-compatible)"

/* Bounds that the manual leaves open; named so they show up in errors. */
enum {
	NHELPERS_MAX = 1024,
	SEEDBITS_MAX = 8192,		/* 1 KiB from /dev/random is already a long wait */
	SECCTX_MIN = 32001,		/* the private-use range of IKEv1 attribute types */
	SECCTX_MAX = 32767,
	KEEPALIVE_MAX = 86400,
	HALFOPEN_MAX = 10000000,
	DDOS_IKE_THRESHOLD_DEFAULT = 25000,	/* libreswan's defaults */
	MAX_HALFOPEN_IKE_DEFAULT = 50000,
	CRLCHECK_MAX = 31536000,	/* a year */
	VENDORID_MAX = 256,
	IFNAME_MAX = 15,		/* IFNAMSIZ - 1 */
};

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void pluto_options_init(struct pluto_options *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->rundir, sizeof(o->rundir), "%s", paths_get(PATHS_RUNDIR));
	snprintf(o->secretsfile, sizeof(o->secretsfile), "%s", paths_get(PATHS_SECRETS));
	snprintf(o->ipsecdir, sizeof(o->ipsecdir), "%s", paths_get(PATHS_CONFDDIR));
	snprintf(o->nssdir, sizeof(o->nssdir), "%s", paths_get(PATHS_NSSDIR));
	o->log.dest = LOG_DEST_SYSLOG;
	o->log.ident = "pluto";
	o->protostack = PROTOSTACK_NETKEY;
	o->uniqueids = true;	/* libreswan's default (uniqueids=yes); --uniqueids=no keeps both */
	o->keep_alive = 20;
	o->ikeport = 500;
	o->natikeport = 4500;
	o->nhelpers = -1;
	o->secctx_attr_type = SECCTX_MIN;
	o->ddos_ike_threshold = DDOS_IKE_THRESHOLD_DEFAULT;
	o->max_halfopen_ike = MAX_HALFOPEN_IKE_DEFAULT;
	pluto_options_finish(o, NULL, 0);
}

void pluto_options_fini(struct pluto_options *o)
{
	free(o->virtual_private);
	o->virtual_private = NULL;
	free(o->vendorid);
	o->vendorid = NULL;
	free(o->global_redirect_to);
	o->global_redirect_to = NULL;
	for (size_t i = 0; i < o->nimpair; i++) {
		free(o->impair[i]);
		o->impair[i] = NULL;
	}
	o->nimpair = 0;
}

/* ---- value parsers: each writes only the reason into why ---- */

static int parse_long(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (v == NULL || v[0] == '\0' || isspace((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end != '\0' || errno != 0 || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/* Seconds, with an optional s, m, h or d suffix. */
static int parse_secs(const char *v, long max, uint32_t *out)
{
	static const struct {
		char c;
		long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char num[32];
	size_t len;
	long mult = 1;
	long n;

	if (v == NULL || (len = strlen(v)) == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, len + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (len > 1 && num[len - 1] == units[i].c) {
			num[len - 1] = '\0';
			mult = units[i].mult;
		}
	}
	if (num[0] == '-' || parse_long(num, 0, max / mult, &n) < 0)
		return -EINVAL;
	*out = (uint32_t)(n * mult);
	return 0;
}

static int set_path(char *dst, size_t size, const char *v, char *why, size_t n)
{
	if (v[0] == '\0') {
		say(why, n, "empty path: expected a file or directory name");
		return -EINVAL;
	}
	if (strlen(v) >= size) {
		say(why, n, "path is %zu bytes long: expected fewer than %zu", strlen(v), size);
		return -EINVAL;
	}
	snprintf(dst, size, "%s", v);
	return 0;
}

static int set_port(uint16_t *dst, const char *v, char *why, size_t n)
{
	long port;

	if (parse_long(v, 1, 65535, &port) < 0) {
		say(why, n, "expected a port number 1..65535");
		return -EINVAL;
	}
	*dst = (uint16_t)port;
	return 0;
}

/*
 * Linux accepts any name of 1..15 bytes without '/', ':' or white space,
 * other than "." and ".."; the manual rules out the old KLIPS ipsecN.
 */
static int set_interface(struct pluto_options *o, const char *v, char *why, size_t n)
{
	size_t len = strlen(v);

	if (len == 0 || len > IFNAME_MAX) {
		say(why, n, "expected an interface name of 1..%d characters", IFNAME_MAX);
		return -EINVAL;
	}
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
		say(why, n, "expected an interface name, not a directory name");
		return -EINVAL;
	}
	for (const char *c = v; *c; c++) {
		if (*c == '/' || *c == ':' || !isgraph((unsigned char)*c)) {
			say(why, n, "character '%c' not allowed: expected an interface name "
				"without '/', ':', white space or control characters",
			    isgraph((unsigned char)*c) ? *c : '?');
			return -EINVAL;
		}
	}
	if (strncmp(v, "ipsec", 5) == 0 && v[5] != '\0' && strspn(v + 5, "0123456789") == len - 5) {
		say(why, n, "a KLIPS ipsecN device: expected the real public interface (e.g. eth0)");
		return -EINVAL;
	}
	for (size_t i = 0; i < o->ninterfaces; i++) {
		if (strcmp(o->interfaces[i], v) == 0) {
			say(why, n, "interface given twice: expected each interface once");
			return -EINVAL;
		}
	}
	if (o->ninterfaces >= PLUTO_MAX_INTERFACES) {
		say(why, n, "too many interfaces: expected at most %d", PLUTO_MAX_INTERFACES);
		return -EINVAL;
	}
	snprintf(o->interfaces[o->ninterfaces++], sizeof(o->interfaces[0]), "%s", v);
	return 0;
}

/*
 * ipsec.conf(5): a comma-separated list of %v4:subnet and %v6:subnet,
 * where %v4:!subnet (or !%v4:subnet) excludes a subnet.
 */
static int check_virtual_private(const char *v, char *why, size_t n)
{
	const char *p = v;

	if (v[0] == '\0') {
		say(why, n, "empty list: expected %%v4:subnet or %%v6:subnet entries "
			"separated by commas");
		return -EINVAL;
	}
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char entry[IP_SUBNET_STRLEN + 8];
		const char *s = entry;
		struct ip_subnet sn;
		int af;

		if (len == 0 || len >= sizeof(entry)) {
			say(why, n, "entry %zu bytes long at offset %zu: expected %%v4:subnet or "
				"%%v6:subnet", len, (size_t)(p - v));
			return -EINVAL;
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (*s == '!')
			s++;
		if (strncmp(s, "%v4:", 4) == 0)
			af = AF_INET;
		else if (strncmp(s, "%v6:", 4) == 0)
			af = AF_INET6;
		else {
			say(why, n, "entry '%s': expected %%v4:subnet or %%v6:subnet "
				"(%%v4:!subnet to exclude)", entry);
			return -EINVAL;
		}
		s += 4;
		if (*s == '!' && entry[0] != '!')
			s++;
		int rc = ip_subnet_parse(s, &sn);
		if (rc == -EDOM) {
			say(why, n, "entry '%s': bits set beyond the prefix length: expected a "
				"network address", entry);
			return -EINVAL;
		}
		if (rc < 0 || sn.addr.af != af || strchr(s, '/') == NULL) {
			say(why, n, "entry '%s': expected an %s subnet address/prefix after %s",
			    entry, af == AF_INET ? "IPv4" : "IPv6",
			    af == AF_INET ? "%v4:" : "%v6:");
			return -EINVAL;
		}
		p += len;
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				say(why, n, "trailing comma: expected another %%v4: or %%v6: entry");
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int set_debug(struct pluto_options *o, const char *v, bool enable, char *why, size_t n)
{
	char classes[256];
	size_t off = 0;

	for (int c = 0; c < DBG_CLASS_COUNT && off < sizeof(classes); c++)
		off += (size_t)snprintf(classes + off, sizeof(classes) - off, ", %s",
					debug_class_name((enum debug_class)c));
	if (strcmp(v, "help") == 0) {
		say(why, n, "--debug help is a whack option (whack --debug help): expected "
			"none, all%s", classes);
		return -EINVAL;
	}
	if (debug_apply(&o->debug_mask, v, enable) < 0) {
		say(why, n, "unknown debug class: expected none, all%s (or no-<class>)", classes);
		return -EINVAL;
	}
	return 0;
}

static int set_impair(struct pluto_options *o, const char *v, bool enable, char *why, size_t n)
{
	struct impair_setting s;
	size_t max = sizeof(o->impair) / sizeof(o->impair[0]);

	if (impair_parse(v, enable, &s, why, n) < 0) {
		/* impair_parse names the argument itself; the caller already does */
		size_t vlen = strlen(v);
		if (strncmp(why, v, vlen) == 0 && strncmp(why + vlen, ": ", 2) == 0)
			memmove(why, why + vlen + 2, strlen(why + vlen + 2) + 1);
		return -EINVAL;
	}
	if (o->nimpair >= max) {
		say(why, n, "too many impairments: expected at most %zu", max);
		return -EINVAL;
	}
	o->impair[o->nimpair] = strdup(v);
	if (o->impair[o->nimpair] == NULL) {
		say(why, n, "out of memory");
		return -ENOMEM;
	}
	o->impair_enable[o->nimpair++] = enable;
	return 0;
}

/* ---- the option table ---- */

enum opt_id {
	O_HELP, O_VERSION, O_LEAK_DETECTIVE, O_EFENCE_PROTECT, O_CONFIG, O_VENDORID, O_NOFORK,
	O_STDERRLOG, O_LOGFILE, O_LOG_NO_TIME, O_LOG_NO_APPEND, O_LOG_NO_IP, O_LOG_NO_AUDIT,
	O_USE_NETKEY, O_USE_BSDKAME, O_USE_NONE, O_USE_NOSTACK, O_UNIQUEIDS, O_VIRTUAL_PRIVATE,
	O_KEEP_ALIVE, O_FORCE_BUSY, O_CRL_STRICT, O_CRLCHECKINTERVAL, O_INTERFACE, O_LISTEN,
	O_IKEPORT, O_NATIKEPORT, O_RUNDIR, O_CTLBASE, O_SECRETSFILE, O_NHELPERS, O_SEEDBITS,
	O_IPSECDIR, O_NSSDIR, O_COREDIR, O_STATSBIN, O_SECCTX_ATTR_TYPE, O_DEBUG, O_NO_DEBUG,
	O_IMPAIR, O_NO_IMPAIR, O_METRICS, O_METRICS_PER_SA, O_DDOS_IKE_THRESHOLD,
	O_MAX_HALFOPEN_IKE, O_GLOBAL_REDIRECT, O_GLOBAL_REDIRECT_TO, O_IKE_WINDOW, O_COUNT,
};

static const struct opt {
	const char *name;
	const char *arg;	/* NULL: takes no value; else the value's name for --help */
	const char *expect;	/* what a value must be, for "missing value" errors */
	bool repeatable;
	const char *not_yet;	/* the capability it needs has not landed: refused */
	bool optional;		/* the value is optional and comes only as --option=value */
} opts[O_COUNT] = {
	[O_HELP] = { "help", NULL, NULL, false, NULL, false },
	[O_VERSION] = { "version", NULL, NULL, false, NULL, false },
	[O_LEAK_DETECTIVE] = { "leak-detective", NULL, NULL, false, NULL, false },
	[O_EFENCE_PROTECT] = { "efence-protect", NULL, NULL, false, NULL, false },
	[O_CONFIG] = { "config", "filename", "an ipsec.conf file name", false, NULL, false },
	[O_VENDORID] = { "vendorid", "VID", "a vendor ID string", false, NULL, false },
	[O_NOFORK] = { "nofork", NULL, NULL, false, NULL, false },
	[O_STDERRLOG] = { "stderrlog", NULL, NULL, false, NULL, false },
	[O_LOGFILE] = { "logfile", "filename", "a log file name", false, NULL, false },
	[O_LOG_NO_TIME] = { "log-no-time", NULL, NULL, false, NULL, false },
	[O_LOG_NO_APPEND] = { "log-no-append", NULL, NULL, false, NULL, false },
	[O_LOG_NO_IP] = { "log-no-ip", NULL, NULL, false, NULL, false },
	[O_LOG_NO_AUDIT] = { "log-no-audit", NULL, NULL, false, NULL, false },
	[O_USE_NETKEY] = { "use-netkey", NULL, NULL, false, NULL, false },
	[O_USE_BSDKAME] = { "use-bsdkame", NULL, NULL, false, NULL, false },
	[O_USE_NONE] = { "use-none", NULL, NULL, false, NULL, false },
	[O_USE_NOSTACK] = { "use-nostack", NULL, NULL, false, NULL, false },
	[O_UNIQUEIDS] = { "uniqueids", "yes|no", "yes or no", false, NULL, .optional = true },
	[O_VIRTUAL_PRIVATE] = { "virtual-private", "network_list",
				"a list of %v4:subnet / %v6:subnet", false, .not_yet = "NAT-T virtual private ranges" },
	[O_KEEP_ALIVE] = { "keep-alive", "delay_sec", "a delay in seconds", false, NULL, false },
	[O_FORCE_BUSY] = { "force-busy", NULL, NULL, false, NULL, false },
	[O_CRL_STRICT] = { "crl-strict", NULL, NULL, false, NULL, false },
	[O_CRLCHECKINTERVAL] = { "crlcheckinterval", "seconds", "an interval in seconds", false, NULL, false },
	[O_INTERFACE] = { "interface", "interfacename", "an interface name", true, NULL, false },
	[O_LISTEN] = { "listen", "ipaddr", "an IPv4 or IPv6 address", false, NULL, false },
	[O_IKEPORT] = { "ikeport", "portnumber", "a port number 1..65535", false, NULL, false },
	[O_NATIKEPORT] = { "natikeport", "portnumber", "a port number 1..65535", false, NULL, false },
	[O_RUNDIR] = { "rundir", "path", "a directory", false, NULL, false },
	[O_CTLBASE] = { "ctlbase", "path", "a path prefix for the .ctl and .pid files", false, NULL, false },
	[O_SECRETSFILE] = { "secretsfile", "secrets-file", "a file name or glob", false, NULL, false },
	[O_NHELPERS] = { "nhelpers", "number", "-1 or a number 0..1024", false, NULL, false },
	[O_SEEDBITS] = { "seedbits", "numbits", "a number of bits 0..8192", false, NULL, false },
	[O_IPSECDIR] = { "ipsecdir", "dirname", "a directory", false, NULL, false },
	[O_NSSDIR] = { "nssdir", "dirname", "a directory", false, .not_yet = "certificates (the NSS database)", false },
	[O_COREDIR] = { "coredir", "dirname", "a directory", false, NULL, false },
	[O_STATSBIN] = { "statsbin", "filename", "an executable file", false, .not_yet = "the statistics helper", false },
	[O_SECCTX_ATTR_TYPE] = { "secctx-attr-type", "number", "a number 32001..32767", false, .not_yet = "labeled IPsec", false },
	[O_DEBUG] = { "debug", "class", "a debug class", true, NULL, false },
	[O_NO_DEBUG] = { "no-debug", "class", "a debug class", true, NULL, false },
	[O_IMPAIR] = { "impair", "behaviour[:how]", "an impairment behaviour", true, NULL, false },
	[O_NO_IMPAIR] = { "no-impair", "behaviour", "an impairment behaviour", true, NULL, false },
	[O_METRICS] = { "metrics", "addr:port", "an address and port to serve Prometheus metrics "
		"on (e.g. 127.0.0.1:9090)", false, NULL, false },
	[O_METRICS_PER_SA] = { "metrics-per-sa", NULL, NULL, false, NULL, false },
	[O_DDOS_IKE_THRESHOLD] = { "ddos-ike-threshold", "number",
				   "a number of half-open IKE SAs 1..10000000", false, NULL, false },
	[O_MAX_HALFOPEN_IKE] = { "max-halfopen-ike", "number",
				 "a number of half-open IKE SAs 1..10000000", false, NULL, false },
	[O_IKE_WINDOW] = { "ike-window", "number",
			   "an IKEv2 message ID window 1..8 (Skua's own option)", false, NULL, false },
	[O_GLOBAL_REDIRECT] = { "global-redirect", "yes|no|auto", "yes, no or auto", false, NULL, false },
	[O_GLOBAL_REDIRECT_TO] = { "global-redirect-to", "ip-address(es)",
				   "IPv4 or IPv6 addresses separated by commas", false, NULL, false },
};

static int find_opt(const char *name, size_t len)
{
	for (int i = 0; i < O_COUNT; i++) {
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

/*
 * A command-line option as getopt_long() finds it: the exact name, or the
 * one option the prefix starts. Returns its id, -1 (none) or -2 (several:
 * cands lists them).
 */
static int find_opt_prefix(const char *name, size_t len, char *cands, size_t candlen)
{
	int id = find_opt(name, len), found = -1;
	size_t used = 0;

	if (id >= 0)
		return id;
	for (int i = 0; i < O_COUNT; i++) {
		int m;
		if (strncmp(opts[i].name, name, len) != 0)
			continue;
		/* two spellings of one option are no ambiguity */
		if (found == O_USE_NONE && i == O_USE_NOSTACK)
			continue;
		found = found == -1 ? i : -2;
		m = snprintf(cands + used, used < candlen ? candlen - used : 0, "%s--%s",
			     used ? ", " : "", opts[i].name);
		if (m > 0)
			used += (size_t)m;
	}
	return found;
}

/* Apply one option to o. v is NULL for an option without a value. */
static int apply_opt(struct pluto_options *o, enum opt_id id, const char *v, char *why,
		     size_t n);

/*
 * Apply one option; a well-formed option whose capability has not landed
 * is refused after its value was checked, so both mistakes get their own
 * message.
 */
static int set_opt(struct pluto_options *o, enum opt_id id, const char *v, char *why, size_t n)
{
	int rc = apply_opt(o, id, v, why, n);

	if (rc == 0 && id == O_NSSDIR) {
		/* libreswan keeps certificates in NSS; Skua reads files (docs/certificates.md) */
		snprintf(why, n, "--nssdir: Skua does not read NSS databases: export the "
			 "certificates and keys with pk12util (pk12util -o east.p12 -n east -d "
			 "sql:%s) and put them under --ipsecdir; see docs/certificates.md", v);
		return -ENOTSUP;
	}
	if (rc == 0 && opts[id].not_yet) {
		snprintf(why, n, "--%s: not supported yet (%s have not landed)", opts[id].name,
			 opts[id].not_yet);
		return -ENOTSUP;
	}
	return rc;
}

static int apply_opt(struct pluto_options *o, enum opt_id id, const char *v, char *why,
		     size_t n)
{
	long num;
	struct stat st;

	switch (id) {
	case O_HELP:
	case O_VERSION:
		return 0;	/* answered by the caller */
	case O_LEAK_DETECTIVE:
		o->leak_detective = true;
		return 0;
	case O_EFENCE_PROTECT:
		o->efence_protect = true;
		return 0;
	case O_CONFIG:
		return set_path(o->config, sizeof(o->config), v, why, n);
	case O_VENDORID:
		if (v[0] == '\0' || strlen(v) > VENDORID_MAX) {
			say(why, n, "expected a vendor ID of 1..%d characters", VENDORID_MAX);
			return -EINVAL;
		}
		for (const char *c = v; *c; c++) {
			if (!isprint((unsigned char)*c)) {
				say(why, n, "control character in vendor ID: expected printable "
					"characters");
				return -EINVAL;
			}
		}
		free(o->vendorid);
		o->vendorid = strdup(v);
		return o->vendorid ? 0 : -ENOMEM;
	case O_NOFORK:
		o->nofork = true;
		return 0;
	case O_STDERRLOG:
		o->log.dest = LOG_DEST_STDERR;
		return 0;
	case O_LOGFILE:
		if (set_path(o->logfile, sizeof(o->logfile), v, why, n) < 0)
			return -EINVAL;
		o->log.dest = LOG_DEST_FILE;
		return 0;
	case O_LOG_NO_TIME:
		o->log.no_time = true;
		return 0;
	case O_LOG_NO_APPEND:
		o->log.truncate = true;
		return 0;
	case O_LOG_NO_IP:
		o->log.no_ip = true;
		return 0;
	case O_LOG_NO_AUDIT:
		o->log.no_audit = true;
		return 0;
	case O_USE_NETKEY:
		o->protostack = PROTOSTACK_NETKEY;
		return 0;
	case O_USE_BSDKAME:
		o->protostack = PROTOSTACK_BSDKAME;
		return 0;
	case O_USE_NONE:
	case O_USE_NOSTACK:
		o->protostack = PROTOSTACK_NONE;
		return 0;
	case O_UNIQUEIDS:
		if (!v || !strcmp(v, "yes")) {
			o->uniqueids = true;
		} else if (!strcmp(v, "no")) {
			o->uniqueids = false;
		} else {
			say(why, n, "expected yes or no (--uniqueids alone: yes)");
			return -EINVAL;
		}
		return 0;
	case O_VIRTUAL_PRIVATE:
		if (check_virtual_private(v, why, n) < 0)
			return -EINVAL;
		free(o->virtual_private);
		o->virtual_private = strdup(v);
		return o->virtual_private ? 0 : -ENOMEM;
	case O_KEEP_ALIVE:
		if (parse_secs(v, KEEPALIVE_MAX, &o->keep_alive) < 0 || o->keep_alive == 0) {
			say(why, n, "expected a delay of 1..%d seconds", KEEPALIVE_MAX);
			return -EINVAL;
		}
		return 0;
	case O_FORCE_BUSY:
		o->force_busy = true;
		return 0;
	case O_DDOS_IKE_THRESHOLD:
	case O_MAX_HALFOPEN_IKE:
		if (parse_long(v, 1, HALFOPEN_MAX, &num) < 0) {
			say(why, n, "expected a number of half-open IKE SAs 1..%d", HALFOPEN_MAX);
			return -EINVAL;
		}
		*(id == O_DDOS_IKE_THRESHOLD ? &o->ddos_ike_threshold : &o->max_halfopen_ike) =
			(uint32_t)num;
		return 0;
	case O_IKE_WINDOW:
		if (parse_long(v, 1, 8, &num) < 0) {
			say(why, n, "expected an IKEv2 message ID window of 1..8 requests");
			return -EINVAL;
		}
		o->ike_window = (uint8_t)num;
		return 0;
	case O_GLOBAL_REDIRECT:
		if (!strcasecmp(v, "no"))
			o->global_redirect = 0;
		else if (!strcasecmp(v, "yes"))
			o->global_redirect = 1;
		else if (!strcasecmp(v, "auto"))
			o->global_redirect = 2;
		else {
			say(why, n, "expected yes, no or auto");
			return -EINVAL;
		}
		return 0;
	case O_GLOBAL_REDIRECT_TO: {
		struct addr_list *g;
		char e[160];
		int rc = addr_list_parse_gw(v, &g, e, sizeof(e));
		if (rc < 0) {
			say(why, n, "%s", rc == -ENOMEM ? "out of memory" : e);
			return rc;
		}
		addr_list_free(g);
		free(o->global_redirect_to);
		o->global_redirect_to = strdup(v);
		return o->global_redirect_to ? 0 : -ENOMEM;
	}
	case O_CRL_STRICT:
		o->crl_strict = true;
		return 0;
	case O_CRLCHECKINTERVAL:
		if (parse_secs(v, CRLCHECK_MAX, &o->crlcheckinterval) < 0) {
			say(why, n, "expected an interval of 0..%d seconds (0: never)",
			    CRLCHECK_MAX);
			return -EINVAL;
		}
		return 0;
	case O_INTERFACE:
		return set_interface(o, v, why, n);
	case O_LISTEN:
		if (ip_addr_parse(v, &o->listen) < 0) {
			say(why, n, "expected a numeric IPv4 or IPv6 address");
			return -EINVAL;
		}
		o->has_listen = true;
		return 0;
	case O_IKEPORT:
		return set_port(&o->ikeport, v, why, n);
	case O_NATIKEPORT:
		return set_port(&o->natikeport, v, why, n);
	case O_RUNDIR:
		return set_path(o->rundir, sizeof(o->rundir), v, why, n);
	case O_CTLBASE:
		return set_path(o->ctlbase, sizeof(o->ctlbase), v, why, n);
	case O_SECRETSFILE:
		return set_path(o->secretsfile, sizeof(o->secretsfile), v, why, n);
	case O_NHELPERS:
		if (parse_long(v, -1, NHELPERS_MAX, &num) < 0) {
			say(why, n, "expected -1 (one per CPU), 0 (no helpers) or a number "
				"1..%d", NHELPERS_MAX);
			return -EINVAL;
		}
		o->nhelpers = (int)num;
		return 0;
	case O_SEEDBITS:
		if (parse_long(v, 0, SEEDBITS_MAX, &num) < 0) {
			say(why, n, "expected a number of bits 0..%d", SEEDBITS_MAX);
			return -EINVAL;
		}
		o->seedbits = (uint32_t)num;
		return 0;
	case O_IPSECDIR:
		return set_path(o->ipsecdir, sizeof(o->ipsecdir), v, why, n);
	case O_NSSDIR:
		return set_path(o->nssdir, sizeof(o->nssdir), v, why, n);
	case O_COREDIR:
		if (stat(v, &st) < 0) {
			say(why, n, "%s: expected an existing directory", strerror(errno));
			return -EINVAL;
		}
		if (!S_ISDIR(st.st_mode)) {
			say(why, n, "not a directory: expected a directory for core dumps");
			return -EINVAL;
		}
		return set_path(o->coredir, sizeof(o->coredir), v, why, n);
	case O_STATSBIN:
		if (stat(v, &st) < 0 || !S_ISREG(st.st_mode) || access(v, X_OK) < 0) {
			say(why, n, "expected an existing executable file");
			return -EINVAL;
		}
		return set_path(o->statsbin, sizeof(o->statsbin), v, why, n);
	case O_SECCTX_ATTR_TYPE:
		if (parse_long(v, SECCTX_MIN, SECCTX_MAX, &num) < 0) {
			say(why, n, "expected an attribute type %d..%d", SECCTX_MIN, SECCTX_MAX);
			return -EINVAL;
		}
		o->secctx_attr_type = (uint32_t)num;
		return 0;
	case O_DEBUG:
	case O_NO_DEBUG:
		return set_debug(o, v, id == O_DEBUG, why, n);
	case O_IMPAIR:
	case O_NO_IMPAIR:
		return set_impair(o, v, id == O_IMPAIR, why, n);
	case O_METRICS:
		if (ip_addr_port_parse(v, false, &o->metrics_addr, &o->metrics_port, why, n) < 0)
			return -EINVAL;
		o->has_metrics = true;
		return 0;
	case O_METRICS_PER_SA:
		o->metrics_per_sa = true;
		return 0;
	case O_COUNT:
		break;
	}
	say(why, n, "unhandled option");
	return -EINVAL;
}

int pluto_options_set(struct pluto_options *o, const char *name, const char *value, char *why,
		      size_t whylen)
{
	int id = find_opt(name, strlen(name));

	if (id < 0 || id == O_HELP || id == O_VERSION || id == O_CONFIG) {
		say(why, whylen, "%s: not a settable option", name);
		return -ENOENT;
	}
	if (opts[id].arg == NULL && value != NULL) {
		say(why, whylen, "takes no value");
		return -EINVAL;
	}
	if (opts[id].arg != NULL && value == NULL && !opts[id].optional) {
		say(why, whylen, "needs a value: expected %s", opts[id].expect);
		return -EINVAL;
	}
	return set_opt(o, (enum opt_id)id, value, why, whylen);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pluto [options]\n"
		   "IKE keying daemon (" PLUTO_VERSION_FMT ")\n\n"
		   "Every option except --interface, --debug and --impair may be given once;\n"
		   "a value is given as --option value or --option=value.\n\n", paths_version());
	for (int i = 0; i < O_COUNT; i++) {
		if (opts[i].optional)
			fprintf(f, "  --%s[=%s]\n", opts[i].name, opts[i].arg);
		else if (opts[i].arg)
			fprintf(f, "  --%s %s\n", opts[i].name, opts[i].arg);
		else
			fprintf(f, "  --%s\n", opts[i].name);
	}
	fprintf(f, "\nDefaults: --rundir %s (control socket <rundir>/pluto.ctl, lock file\n"
		   "<rundir>/pluto.pid), --ikeport 500, --natikeport 4500, --keep-alive 20,\n"
		   "--nhelpers -1, --secctx-attr-type 32001, --secretsfile %s,\n"
		   "log to syslog (authpriv). Exit status: 0 ok, 1 error, 10 lock file held.\n",
		paths_get(PATHS_RUNDIR), paths_get(PATHS_SECRETS));
}

/*
 * One pass over argv applied to o; quiet: do not answer --help/--version.
 * Returns 0, 1 (--help / --version answered) or -errno with err set.
 */
static int parse_argv(int argc, char **argv, struct pluto_options *o, bool quiet, char *err,
		      size_t errlen)
{
	bool seen[O_COUNT] = { false };
	bool interfaces_reset = false;
	char why[512], cands[512];

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *name, *eq, *v = NULL;
		size_t len;
		int id, rc;

		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			say(err, errlen, "pluto: unexpected argument '%s': pluto takes only "
				"--options (see pluto --help)", arg);
			return -EINVAL;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		id = find_opt_prefix(name, len, cands, sizeof(cands));
		if (id == -2) {
			say(err, errlen, "pluto: option --%.*s is ambiguous: it could be %s", (int)len,
			    name, cands);
			return -EINVAL;
		}
		if (id < 0) {
			say(err, errlen, "pluto: unknown option --%.*s (see pluto --help)",
			    (int)len, name);
			return -EINVAL;
		}
		if (opts[id].arg == NULL && eq) {
			say(err, errlen, "pluto: --%s takes no value: got '%s'", opts[id].name,
			    eq + 1);
			return -EINVAL;
		}
		if (opts[id].arg && opts[id].optional) {
			v = eq ? eq + 1 : NULL;	/* never the next word: --uniqueids --listen ... */
		} else if (opts[id].arg) {
			if (eq) {
				v = eq + 1;
			} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
				v = argv[++i];
			} else {
				say(err, errlen, "pluto: --%s needs a value: expected %s",
				    opts[id].name, opts[id].expect);
				return -EINVAL;
			}
		}
		if (seen[id] && !opts[id].repeatable) {
			say(err, errlen, "pluto: --%s given twice: expected at most once (only "
				"--interface, --debug and --impair may be repeated)",
			    opts[id].name);
			return -EINVAL;
		}
		seen[id] = true;

		if (id == O_HELP) {
			if (!quiet)
				usage(stdout);
			return 1;
		}
		if (id == O_VERSION) {
			if (!quiet)
				printf(PLUTO_VERSION_FMT "\n", paths_version());
			return 1;
		}
		/* The command line's --interface list replaces the config file's. */
		if (id == O_INTERFACE && !interfaces_reset) {
			o->ninterfaces = 0;
			interfaces_reset = true;
		}
		why[0] = '\0';
		rc = set_opt(o, (enum opt_id)id, v, why, sizeof(why));
		if (rc < 0 && strncmp(why, "--", 2) == 0) {
			/* a reason that already names the option in full */
			say(err, errlen, "pluto: %s", why);
			return rc;
		}
		if (rc < 0) {
			say(err, errlen, "pluto: --%s %s: %s", opts[id].name, v ? v : "", why);
			return rc;
		}
	}
	if (seen[O_STDERRLOG] && seen[O_LOGFILE]) {
		say(err, errlen, "pluto: --stderrlog and --logfile both given: expected at most "
			"one log destination");
		return -EINVAL;
	}
	return 0;
}

int pluto_options_finish(struct pluto_options *o, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	const char *base = o->ctlbase;
	char where[PATH_MAX + 16];
	int len, plen;

	o->log.ident = "pluto";
	o->log.file = o->log.dest == LOG_DEST_FILE ? o->logfile : NULL;
	if (base[0] != '\0') {
		len = snprintf(o->ctlsocket, sizeof(o->ctlsocket), "%s.ctl", base);
		plen = snprintf(o->pidfile, sizeof(o->pidfile), "%s.pid", base);
		snprintf(where, sizeof(where), "--ctlbase %s", base);
	} else {
		len = snprintf(o->ctlsocket, sizeof(o->ctlsocket), "%s/pluto.ctl", o->rundir);
		plen = snprintf(o->pidfile, sizeof(o->pidfile), "%s/pluto.pid", o->rundir);
		snprintf(where, sizeof(where), "--rundir %s", o->rundir);
	}
	if (plen < 0 || (size_t)plen >= sizeof(o->pidfile)) {
		say(err, errlen, "pluto: %s: the lock file path is too long: expected fewer than "
			"%zu bytes", where, sizeof(o->pidfile));
		return -EINVAL;
	}
	if (len < 0 || (size_t)len >= sizeof(sun.sun_path)) {
		say(err, errlen, "pluto: %s: the control socket path %s is %d bytes long: "
			"expected at most %zu", where, o->ctlsocket, len, sizeof(sun.sun_path) - 1);
		return -EINVAL;
	}
	if (o->metrics_per_sa && !o->has_metrics) {
		say(err, errlen, "pluto: --metrics-per-sa (metrics-per-sa=yes) without --metrics "
			"(metrics=): expected an endpoint to serve the per-SA series on");
		return -EINVAL;
	}
	if (o->ikeport == o->natikeport) {
		say(err, errlen, "pluto: --ikeport %u and --natikeport %u are the same port: "
			"expected two different ports", o->ikeport, o->natikeport);
		return -EINVAL;
	}
	return 0;
}

int pluto_options_parse(int argc, char **argv, struct pluto_options *o, char *err, size_t errlen)
{
	struct pluto_options scratch;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	/*
	 * Pass 1 validates the whole command line and finds --config. The
	 * config file is then applied to the defaults, and pass 2 applies
	 * the command line on top: it wins whatever the order of arguments.
	 */
	pluto_options_init(&scratch);
	rc = parse_argv(argc, argv, &scratch, false, err, errlen);
	if (rc != 0) {
		pluto_options_fini(&scratch);
		return rc;
	}
	if (scratch.config[0] != '\0') {
		rc = pluto_config_setup_load(scratch.config, o, err, errlen);
		if (rc < 0) {
			pluto_options_fini(&scratch);
			return rc;
		}
	}
	pluto_options_fini(&scratch);
	rc = parse_argv(argc, argv, o, true, err, errlen);
	if (rc != 0)
		return rc;
	return pluto_options_finish(o, err, errlen);
}

size_t pluto_option_count(void)
{
	return O_COUNT;
}

int pluto_option_get(size_t i, struct pluto_option_info *out)
{
	if (i >= O_COUNT)
		return -ENOENT;
	out->name = opts[i].name;
	/* an optional value is only ever --option=value: the synopsis shows the flag (the text says) */
	out->arg = opts[i].optional ? NULL : opts[i].arg;
	out->repeatable = opts[i].repeatable;
	out->not_yet = opts[i].not_yet;
	return 0;
}
