/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/config_setup.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/config_conn.h"
#include "ctl/config_kw.h"
#include "ike/ike_daemon.h"
#include "util/log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum key_kind {
	K_OPTION,	/* handed to pluto_options_set(option, value); -ENOTSUP there: warned */
	K_BOOL,		/* yes/no into a bool field */
	K_NOT_BOOL,	/* yes/no into a bool field that says the opposite */
	K_PROTOSTACK,
	K_DEBUG,	/* plutodebug: a list of classes */
	K_INTERFACES,	/* interfaces: a list of names, %defaultroute */
	K_UNIQUEIDS,	/* yes (the default): a returning client ID replaces its old IKE SA */
	K_DDOS,		/* ddos-mode: auto, busy, unlimited (as whack --ddos-*) */
	K_IKEV1_POLICY,	/* ikev1-policy: accept, reject, drop */
	K_IGNORED,	/* accepted, not acted on yet: warned */
	K_OBSOLETE,	/* libreswan ignores it too: warned */
	K_REFUSED,	/* a value other than fine would ask for a safeguard Skua lacks */
};

static const struct key {
	const char *key;
	enum key_kind kind;
	const char *option;	/* K_OPTION */
	size_t field;		/* K_BOOL, K_NOT_BOOL: offset of a bool in pluto_options */
	const char *fine;	/* K_REFUSED: the values that ask for nothing missing */
	const char *why;	/* K_REFUSED: what ignoring it would weaken */
} keys[] = {
	{ "protostack", K_PROTOSTACK, NULL, 0, NULL, NULL },
	{ "logfile", K_OPTION, "logfile", 0, NULL, NULL },
	{ "plutostderrlog", K_OPTION, "logfile", 0, NULL, NULL },	/* the old name */
	{ "logtime", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_time), NULL, NULL },
	{ "plutostderrlogtime", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_time),
	  NULL, NULL },
	{ "logappend", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.truncate), NULL,
	  NULL },
	{ "logip", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_ip), NULL, NULL },
	{ "audit-log", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_audit), NULL,
	  NULL },
	{ "plutodebug", K_DEBUG, NULL, 0, NULL, NULL },
	{ "uniqueids", K_UNIQUEIDS, NULL, 0, NULL, NULL },
	{ "virtual-private", K_OPTION, "virtual-private", 0, NULL, NULL },
	{ "virtual_private", K_OPTION, "virtual-private", 0, NULL, NULL },	/* the old name */
	{ "keep-alive", K_OPTION, "keep-alive", 0, NULL, NULL },
	{ "keep_alive", K_OPTION, "keep-alive", 0, NULL, NULL },
	{ "crlcheckinterval", K_OPTION, "crlcheckinterval", 0, NULL, NULL },
	{ "listen", K_OPTION, "listen", 0, NULL, NULL },
	{ "interfaces", K_INTERFACES, NULL, 0, NULL, NULL },
	{ "ikeport", K_OPTION, "ikeport", 0, NULL, NULL },
	{ "nat-ikeport", K_OPTION, "natikeport", 0, NULL, NULL },
	{ "nat_ikeport", K_OPTION, "natikeport", 0, NULL, NULL },
	{ "rundir", K_OPTION, "rundir", 0, NULL, NULL },
	{ "secretsfile", K_OPTION, "secretsfile", 0, NULL, NULL },
	{ "nhelpers", K_OPTION, "nhelpers", 0, NULL, NULL },
	{ "seedbits", K_OPTION, "seedbits", 0, NULL, NULL },
	{ "ipsecdir", K_OPTION, "ipsecdir", 0, NULL, NULL },
	{ "nssdir", K_OPTION, "nssdir", 0, NULL, NULL },
	{ "dumpdir", K_OPTION, "coredir", 0, NULL, NULL },
	{ "statsbin", K_OPTION, "statsbin", 0, NULL, NULL },
	{ "metrics", K_OPTION, "metrics", 0, NULL, NULL },	/* Skua: the Prometheus endpoint */
	{ "metrics-per-sa", K_BOOL, NULL, offsetof(struct pluto_options, metrics_per_sa), NULL,
	  NULL },
	{ "secctx-attr-type", K_OPTION, "secctx-attr-type", 0, NULL, NULL },
	{ "ikev1-secctx-attr-type", K_OPTION, "secctx-attr-type", 0, NULL, NULL },
	{ "myvendorid", K_OPTION, "vendorid", 0, NULL, NULL },
	{ "ddos-mode", K_DDOS, NULL, 0, NULL, NULL },
	{ "ddos-ike-threshold", K_OPTION, "ddos-ike-threshold", 0, NULL, NULL },
	{ "max-halfopen-ike", K_OPTION, "max-halfopen-ike", 0, NULL, NULL },
	{ "ike-window", K_OPTION, "ike-window", 0, NULL, NULL },	/* Skua's own */
	{ "global-redirect", K_OPTION, "global-redirect", 0, NULL, NULL },
	{ "global-redirect-to", K_OPTION, "global-redirect-to", 0, NULL, NULL },
	{ "force-busy", K_BOOL, NULL, offsetof(struct pluto_options, force_busy), NULL, NULL },

	{ "crl-strict", K_BOOL, NULL, offsetof(struct pluto_options, crl_strict), NULL, NULL },
	{ "strictcrlpolicy", K_BOOL, NULL, offsetof(struct pluto_options, crl_strict), NULL, NULL },
	{ "crl_strict", K_BOOL, NULL, offsetof(struct pluto_options, crl_strict), NULL, NULL },

	/* Refused unless harmless: ignoring them would accept revoked certificates. */
	{ "ocsp-strict", K_REFUSED, NULL, 0, "no|false",
	  "strict OCSP checking (OCSP has not landed)" },
	{ "ocsp_strict", K_REFUSED, NULL, 0, "no|false",
	  "strict OCSP checking (OCSP has not landed)" },
	{ "ocsp-enable", K_REFUSED, NULL, 0, "no|false",
	  "OCSP checking (OCSP has not landed)" },
	{ "ocsp_enable", K_REFUSED, NULL, 0, "no|false",
	  "OCSP checking (OCSP has not landed)" },
	/* The admin asked for a syscall filter; running without one would be weaker than asked. */
	{ "seccomp", K_REFUSED, NULL, 0, "disabled", "a seccomp syscall filter" },
	/* The admin asked for the UDP ports to stay closed; Skua would open them. */
	{ "listen-udp", K_REFUSED, NULL, 0, "yes|true",
	  "keeping the IKE UDP ports closed (listen-udp=no)" },

	/* libreswan's, accepted and not acted on yet: ignoring them weakens nothing. */
	{ "ike-socket-bufsize", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ike-socket-errqueue", K_IGNORED, NULL, 0, NULL, NULL },
	{ "listen-tcp", K_IGNORED, NULL, 0, NULL, NULL },
	{ "nflog-all", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ikev1-policy", K_IKEV1_POLICY, NULL, 0, NULL, NULL },
	{ "curl-iface", K_IGNORED, NULL, 0, NULL, NULL },
	{ "curl-timeout", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-method", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-timeout", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-uri", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-trustname", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-cache-size", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-cache-min-age", K_IGNORED, NULL, 0, NULL, NULL },
	{ "ocsp-cache-max-age", K_IGNORED, NULL, 0, NULL, NULL },
	{ "syslog", K_IGNORED, NULL, 0, NULL, NULL },
	{ "shuntlifetime", K_IGNORED, NULL, 0, NULL, NULL },
	{ "xfrmlifetime", K_IGNORED, NULL, 0, NULL, NULL },
	{ "dnssec-enable", K_IGNORED, NULL, 0, NULL, NULL },
	{ "dnssec-rootkey-file", K_IGNORED, NULL, 0, NULL, NULL },
	{ "dnssec-anchors", K_IGNORED, NULL, 0, NULL, NULL },

	/* Obsolete: libreswan warns and ignores them. */
	{ "oe", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "nat_traversal", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "disable_port_floating", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "force_keepalive", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "forwardcontrol", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "rp_filter", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "pluto", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "prepluto", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "postpluto", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "plutoopts", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "plutowait", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "plutofork", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "plutorestartoncrash", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "nocrsend", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "klipsdebug", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "perpeerlog", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "perpeerlogdir", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "fragicmp", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "hidetos", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "overridemtu", K_OBSOLETE, NULL, 0, NULL, NULL },
	{ "myid", K_OBSOLETE, NULL, 0, NULL, NULL },
};

/* libreswan's old debug classes, which it maps onto base (ipsec.conf(5)). */
static const char old_debug_classes[] =
	"raw|parsing|emitting|control|controlmore|lifecycle|x509|dpd|natt|nattraversal|oppo|"
	"oppoinfo|dns|pfkey|klips|netkey";

struct applier {
	struct pluto_options *o;
	struct conf_diag *d;
	char ignored[1024];	/* "uniqueids=yes (line 5), virtual_private (line 6)" */
	size_t nignored;
};

static void note_ignored(struct applier *a, const struct conf_kv *kv, const char *what)
{
	size_t n = a->nignored;

	if (n >= sizeof(a->ignored) - 1)
		return;
	a->nignored += (size_t)snprintf(a->ignored + n, sizeof(a->ignored) - n, "%s%s (line %u)",
					n ? ", " : "", what, kv->line);
	if (a->nignored >= sizeof(a->ignored))
		a->nignored = sizeof(a->ignored) - 1;
}

static int set_protostack(enum protostack *ps, const char *v, char *why, size_t n)
{
	static const struct {
		const char *name;
		enum protostack ps;
	} names[] = {
		{ "netkey", PROTOSTACK_NETKEY }, { "xfrm", PROTOSTACK_NETKEY },
		{ "native", PROTOSTACK_NETKEY }, { "auto", PROTOSTACK_NETKEY },
		{ "bsd", PROTOSTACK_BSDKAME }, { "bsdkame", PROTOSTACK_BSDKAME },
		{ "kame", PROTOSTACK_BSDKAME },
		{ "none", PROTOSTACK_NONE }, { "nostack", PROTOSTACK_NONE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(v, names[i].name) == 0) {
			*ps = names[i].ps;
			return 0;
		}
	}
	if (strcmp(v, "klips") == 0 || strcmp(v, "mast") == 0) {
		snprintf(why, n, "the KLIPS stack is not supported: expected netkey (xfrm), "
			 "bsdkame or none");
		return -ENOTSUP;
	}
	snprintf(why, n, "unknown stack: expected netkey (xfrm, native), bsdkame (bsd) or none");
	return -EINVAL;
}

/* Split v on white space and commas; call each() on every word. */
static int each_word(struct applier *a, const char *v, char *why, size_t n,
		     int (*each)(struct applier *a, const char *word, char *why, size_t n))
{
	char word[256];
	const char *p = v;

	while (*p) {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (len == 0)
			break;
		if (len >= sizeof(word)) {
			snprintf(why, n, "word of %zu bytes: expected fewer than %zu", len,
				 sizeof(word));
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		int rc = each(a, word, why, n);
		if (rc < 0)
			return rc;
		p += len;
	}
	return 0;
}

static int one_debug(struct applier *a, const char *word, char *why, size_t n)
{
	if (conf_word_in(word, old_debug_classes))
		word = "base";
	return pluto_options_set(a->o, "debug", word, why, n);
}

static int one_interface(struct applier *a, const char *word, char *why, size_t n)
{
	const char *eq = strchr(word, '=');

	/* %defaultroute (or %none): no restriction, every interface is used */
	if (strcmp(word, "%defaultroute") == 0 || strcmp(word, "%none") == 0) {
		a->o->ninterfaces = 0;
		return 0;
	}
	/* the old "ipsec0=eth0" form: the physical interface is the one that counts */
	return pluto_options_set(a->o, "interface", eq ? eq + 1 : word, why, n);
}

static const struct key *find_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

bool conf_setup_key_known(const char *key)
{
	return find_key(key) != NULL;
}

static int apply_key(struct applier *a, const struct conf_kv *kv)
{
	const struct key *k = find_key(kv->key);
	const char *value = kv->value;
	char why[512] = "", what[160];
	int rc = 0;

	if (k == NULL) {
		int end;
		if (conf_kw_find(kv->key, &end))
			return conf_diag_add(a->d, CONF_ERROR, kv->file, kv->line,
					     "%s is a conn keyword: expected it in a conn section",
					     kv->key);
		return conf_diag_add(a->d, CONF_ERROR, kv->file, kv->line,
				     "config setup: unknown keyword '%s': expected a config setup "
				     "keyword of ipsec.conf(5)", kv->key);
	}
	if (value[0] == '\0')
		return 0;	/* "key=" leaves the default */

	switch (k->kind) {
	case K_OPTION:
		rc = pluto_options_set(a->o, k->option, value, why, sizeof(why));
		if (rc == -ENOTSUP) {
			/* Valid, and its capability has not landed: accepted, in the warning. */
			note_ignored(a, kv, kv->key);
			rc = 0;
		}
		break;
	case K_BOOL:
	case K_NOT_BOOL: {
		int yn = conf_parse_bool(value);
		if (yn < 0) {
			snprintf(why, sizeof(why), "expected yes or no");
			rc = -EINVAL;
			break;
		}
		*(bool *)((char *)a->o + k->field) = k->kind == K_BOOL ? yn : !yn;
		break;
	}
	case K_UNIQUEIDS: {
		int yn = conf_parse_bool(value);
		if (yn < 0) {
			snprintf(why, sizeof(why), "expected yes or no");
			rc = -EINVAL;
		} else {
			a->o->uniqueids = yn;	/* the command line's --uniqueids= comes after */
		}
		break;
	}
	case K_DDOS:
		if (!strcasecmp(value, "busy")) {
			a->o->ddos_mode = 1;
		} else if (!strcasecmp(value, "unlimited")) {
			a->o->ddos_mode = 2;
		} else if (!strcasecmp(value, "auto")) {
			a->o->ddos_mode = 0;
		} else {
			snprintf(why, sizeof(why), "expected auto, busy or unlimited");
			rc = -EINVAL;
		}
		break;
	case K_IKEV1_POLICY:
		if (!strcasecmp(value, "accept")) {
			a->o->ikev1_policy = IKE_V1_ACCEPT;
		} else if (!strcasecmp(value, "reject")) {
			a->o->ikev1_policy = IKE_V1_REJECT;
		} else if (!strcasecmp(value, "drop")) {
			a->o->ikev1_policy = IKE_V1_DROP;
		} else {
			snprintf(why, sizeof(why), "expected accept, reject or drop");
			rc = -EINVAL;
		}
		break;
	case K_PROTOSTACK:
		rc = set_protostack(&a->o->protostack, value, why, sizeof(why));
		break;
	case K_DEBUG:
		rc = each_word(a, value, why, sizeof(why), one_debug);
		break;
	case K_INTERFACES:
		a->o->ninterfaces = 0;
		rc = each_word(a, value, why, sizeof(why), one_interface);
		break;
	case K_IGNORED:
		note_ignored(a, kv, kv->key);
		break;
	case K_OBSOLETE:
		snprintf(what, sizeof(what), "%s (obsolete)", kv->key);
		note_ignored(a, kv, what);
		break;
	case K_REFUSED:
		if (!conf_word_in(value, k->fine)) {
			snprintf(why, sizeof(why), "%s: not supported yet, and ignoring it would "
				 "weaken security: expected %s=%s or no setting", k->why, kv->key,
				 k->fine);
			for (char *bar = strchr(why, '|'); bar; bar = strchr(bar, '|'))
				*bar = '/';
			rc = -ENOTSUP;
		}
		break;
	}
	if (rc < 0)
		conf_diag_add(a->d, CONF_ERROR, kv->file, kv->line, "%s=%s: %s", kv->key, value,
			      why);
	return rc;
}

int conf_setup_apply(const struct conf_file *f, struct pluto_options *o, struct conf_diag *d)
{
	const struct conf_section *s = conf_file_setup(f);
	struct applier a = { .o = o, .d = d };
	int rc = 0;

	for (size_t i = 0; i < f->nsec; i++) {
		if (f->sec[i].kind == CONF_SEC_CA)
			conf_diag_add(d, CONF_WARNING, f->sec[i].file, f->sec[i].line,
				      "ca %s: certificate authority sections are not used (CA "
				      "certificates are read from cacerts/ of ipsecdir, CRLs from "
				      "crls/): skipped", f->sec[i].name);
	}
	if (!s)
		return 0;
	for (size_t i = 0; i < s->nkv && rc == 0; i++)
		rc = apply_key(&a, &s->kv[i]);
	if (rc == 0 && a.nignored)
		conf_diag_add(d, CONF_WARNING, s->file, s->line,
			      "config setup: accepted but not acted on yet: %s", a.ignored);
	return rc;
}

int pluto_config_setup_load(const char *path, struct pluto_options *o, char *err, size_t errlen)
{
	struct conf_file f = { 0 };
	struct conf_set set = { 0 };
	struct conf_diag d;
	const char *first;
	int rc;

	conf_diag_init(&d);
	rc = conf_file_read(&f, path, &d);
	if (rc == 0)
		rc = conf_setup_apply(&f, o, &d);
	if (rc == 0)
		rc = conf_conns_build(&f, &conf_env_system, &set, &d);
	first = conf_diag_first(&d, CONF_ERROR);
	if (rc < 0) {
		if (first && err && errlen)
			snprintf(err, errlen, "pluto: %s%s", rc == -ENOENT || rc == -EACCES ||
				 rc == -EIO ? "--config " : "", first);
		else if (err && errlen)
			snprintf(err, errlen, "pluto: --config %s: %s", path, strerror(-rc));
	} else {
		for (size_t i = 0; i < d.n; i++) {
			if (d.v[i].level == CONF_WARNING)
				log_warn("pluto: %s", d.v[i].text);
		}
	}
	conf_set_fini(&set);
	conf_file_fini(&f);
	conf_diag_fini(&d);
	return rc;
}
