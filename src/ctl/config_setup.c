/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/config_setup.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

enum { INCLUDE_DEPTH_MAX = 8, KEY_MAX = 64 };

enum section { SEC_NONE, SEC_SETUP, SEC_CONN, SEC_CA };

enum key_kind {
	K_OPTION,	/* handed to pluto_options_set(option, value) */
	K_BOOL,		/* yes/no into a bool field */
	K_NOT_BOOL,	/* yes/no into a bool field that says the opposite */
	K_PROTOSTACK,
	K_DEBUG,	/* plutodebug: a list of classes */
	K_INTERFACES,	/* interfaces: a list of names, %defaultroute */
};

static const struct key {
	const char *key;
	enum key_kind kind;
	const char *option;	/* K_OPTION */
	size_t field;		/* K_BOOL, K_NOT_BOOL: offset of a bool in pluto_options */
} keys[] = {
	{ "protostack", K_PROTOSTACK, NULL, 0 },
	{ "logfile", K_OPTION, "logfile", 0 },
	{ "logtime", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_time) },
	{ "logappend", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.truncate) },
	{ "logip", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_ip) },
	{ "audit-log", K_NOT_BOOL, NULL, offsetof(struct pluto_options, log.no_audit) },
	{ "plutodebug", K_DEBUG, NULL, 0 },
	{ "uniqueids", K_BOOL, NULL, offsetof(struct pluto_options, uniqueids) },
	{ "virtual-private", K_OPTION, "virtual-private", 0 },
	{ "virtual_private", K_OPTION, "virtual-private", 0 },	/* the old spelling */
	{ "keep-alive", K_OPTION, "keep-alive", 0 },
	{ "crl-strict", K_BOOL, NULL, offsetof(struct pluto_options, crl_strict) },
	{ "strictcrlpolicy", K_BOOL, NULL, offsetof(struct pluto_options, crl_strict) },
	{ "crlcheckinterval", K_OPTION, "crlcheckinterval", 0 },
	{ "listen", K_OPTION, "listen", 0 },
	{ "interfaces", K_INTERFACES, NULL, 0 },
	{ "ikeport", K_OPTION, "ikeport", 0 },
	{ "nat-ikeport", K_OPTION, "natikeport", 0 },
	{ "rundir", K_OPTION, "rundir", 0 },
	{ "secretsfile", K_OPTION, "secretsfile", 0 },
	{ "nhelpers", K_OPTION, "nhelpers", 0 },
	{ "seedbits", K_OPTION, "seedbits", 0 },
	{ "ipsecdir", K_OPTION, "ipsecdir", 0 },
	{ "nssdir", K_OPTION, "nssdir", 0 },
	{ "dumpdir", K_OPTION, "coredir", 0 },
	{ "statsbin", K_OPTION, "statsbin", 0 },
	{ "secctx-attr-type", K_OPTION, "secctx-attr-type", 0 },
	{ "myvendorid", K_OPTION, "vendorid", 0 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* State shared by a file and the files it includes. */
struct reader {
	struct pluto_options *o;
	char *err;
	size_t errlen;
	enum section section;
	char setup_file[PATH_MAX];	/* where config setup began */
	unsigned setup_line;
	unsigned key_line[NKEYS];	/* 0: not yet given */
	char key_file[NKEYS][PATH_MAX];
	int depth;
};

static int fail(struct reader *r, const char *file, unsigned line, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(struct reader *r, const char *file, unsigned line, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err == NULL || r->errlen == 0)
		return rc;
	n = snprintf(r->err, r->errlen, "pluto: %s:%u: ", file, line);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int yes_no(const char *v)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		return 1;
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		return 0;
	return -1;
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
		{ "none", PROTOSTACK_NONE }, { "nostack", PROTOSTACK_NONE },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
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
static int each_word(struct reader *r, const char *v, char *why, size_t n,
		     int (*each)(struct reader *r, const char *word, char *why, size_t n))
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
		int rc = each(r, word, why, n);
		if (rc < 0)
			return rc;
		p += len;
	}
	return 0;
}

static int one_debug(struct reader *r, const char *word, char *why, size_t n)
{
	return pluto_options_set(r->o, "debug", word, why, n);
}

static int one_interface(struct reader *r, const char *word, char *why, size_t n)
{
	const char *eq = strchr(word, '=');

	/* %defaultroute (or %none): no restriction, every interface is used */
	if (strcmp(word, "%defaultroute") == 0 || strcmp(word, "%none") == 0) {
		r->o->ninterfaces = 0;
		return 0;
	}
	/* the old "ipsec0=eth0" form: the physical interface is the one that counts */
	return pluto_options_set(r->o, "interface", eq ? eq + 1 : word, why, n);
}

static int apply_key(struct reader *r, const char *file, unsigned line, const char *key,
		     const char *value)
{
	const struct key *k = NULL;
	char why[512] = "";
	size_t idx;
	int rc = 0;

	for (idx = 0; idx < NKEYS; idx++) {
		if (strcmp(keys[idx].key, key) == 0) {
			k = &keys[idx];
			break;
		}
	}
	if (k == NULL) {
		log_warn("pluto: %s:%u: warning: config setup key '%s' is not used by pluto: "
			 "ignored", file, line, key);
		return 0;
	}
	if (r->key_line[idx] != 0)
		return fail(r, file, line, -EINVAL, "%s given twice in config setup (first at "
			    "%s:%u): expected once", key, r->key_file[idx], r->key_line[idx]);
	r->key_line[idx] = line;
	snprintf(r->key_file[idx], sizeof(r->key_file[idx]), "%s", file);
	if (value[0] == '\0')
		return 0;	/* "key=" leaves the default */

	switch (k->kind) {
	case K_OPTION:
		rc = pluto_options_set(r->o, k->option, value, why, sizeof(why));
		break;
	case K_BOOL:
	case K_NOT_BOOL: {
		int yn = yes_no(value);
		if (yn < 0) {
			snprintf(why, sizeof(why), "expected yes or no");
			rc = -EINVAL;
			break;
		}
		/* "yes" for a capability that has not landed is refused, "no" is harmless. */
		if (yn == 1 && k->field == offsetof(struct pluto_options, uniqueids)) {
			snprintf(why, sizeof(why), "not supported yet (unique IDs have not landed)");
			rc = -ENOTSUP;
			break;
		}
		*(bool *)((char *)r->o + k->field) = k->kind == K_BOOL ? yn : !yn;
		break;
	}
	case K_PROTOSTACK:
		rc = set_protostack(&r->o->protostack, value, why, sizeof(why));
		break;
	case K_DEBUG:
		rc = each_word(r, value, why, sizeof(why), one_debug);
		break;
	case K_INTERFACES:
		r->o->ninterfaces = 0;
		rc = each_word(r, value, why, sizeof(why), one_interface);
		break;
	}
	if (rc < 0)
		return fail(r, file, line, rc, "%s=%s: %s", key, value, why);
	return 0;
}

static int read_file(struct reader *r, const char *path);

static int include(struct reader *r, const char *file, unsigned line, const char *pattern)
{
	char full[PATH_MAX];
	glob_t g;
	int rc;

	if (r->depth >= INCLUDE_DEPTH_MAX)
		return fail(r, file, line, -EINVAL, "include %s: nested more than %d deep: "
			    "expected no include loop", pattern, INCLUDE_DEPTH_MAX);
	if (pattern[0] == '/') {
		snprintf(full, sizeof(full), "%s", pattern);
	} else {
		const char *slash = strrchr(file, '/');
		int dirlen = slash ? (int)(slash - file) : 1;
		snprintf(full, sizeof(full), "%.*s/%s", dirlen, slash ? file : ".", pattern);
	}
	rc = glob(full, GLOB_ERR, NULL, &g);
	if (rc == GLOB_NOMATCH)
		return 0;	/* a pattern such as /etc/ipsec.d/ *.conf may match nothing */
	if (rc != 0)
		return fail(r, file, line, -EIO, "include %s: cannot read the directory: "
			    "expected a readable file pattern", pattern);
	r->depth++;
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = read_file(r, g.gl_pathv[i]);
	r->depth--;
	globfree(&g);
	return rc;
}

/* A column-0 line: a section header, version or include. */
static int top_line(struct reader *r, const char *file, unsigned line, char *s)
{
	char *hash = strchr(s, '#');
	char *w1, *w2, *w3, *save;

	if (hash)
		*hash = '\0';
	w1 = strtok_r(s, " \t", &save);
	w2 = w1 ? strtok_r(NULL, " \t", &save) : NULL;
	w3 = w2 ? strtok_r(NULL, " \t", &save) : NULL;
	if (w1 == NULL)
		return 0;
	if (w3 != NULL)
		return fail(r, file, line, -EINVAL, "syntax error: unexpected '%s' after "
			    "'%s %s': expected a section header of two words", w3, w1, w2);
	if (strcmp(w1, "version") == 0) {
		if (w2 == NULL || (strcmp(w2, "2") != 0 && strcmp(w2, "2.0") != 0))
			return fail(r, file, line, -EINVAL, "version %s: expected version 2",
				    w2 ? w2 : "(nothing)");
		return 0;
	}
	if (strcmp(w1, "include") == 0) {
		if (w2 == NULL)
			return fail(r, file, line, -EINVAL, "syntax error: include needs a file "
				    "name: expected include FILE");
		r->section = SEC_NONE;
		return include(r, file, line, w2);
	}
	if (strcmp(w1, "config") == 0) {
		if (w2 == NULL || strcmp(w2, "setup") != 0)
			return fail(r, file, line, -EINVAL, "syntax error: config %s: expected "
				    "config setup", w2 ? w2 : "(nothing)");
		if (r->setup_line != 0)
			return fail(r, file, line, -EINVAL, "second config setup section (first "
				    "at %s:%u): expected one", r->setup_file, r->setup_line);
		r->section = SEC_SETUP;
		snprintf(r->setup_file, sizeof(r->setup_file), "%s", file);
		r->setup_line = line;
		return 0;
	}
	if (strcmp(w1, "conn") == 0 || strcmp(w1, "ca") == 0) {
		if (w2 == NULL)
			return fail(r, file, line, -EINVAL, "syntax error: %s needs a name: "
				    "expected %s NAME", w1, w1);
		r->section = strcmp(w1, "conn") == 0 ? SEC_CONN : SEC_CA;
		return 0;
	}
	return fail(r, file, line, -EINVAL, "syntax error: '%s' at column 0: expected "
		    "'config setup', 'conn NAME', 'ca NAME', 'include FILE' or 'version 2' "
		    "(settings must be indented)", w1);
}

/* An indented line: key=value, value plain or "double quoted", then an optional comment. */
static int setting_line(struct reader *r, const char *file, unsigned line, char *s)
{
	char key[KEY_MAX + 1];
	char *p = s + strspn(s, " \t");
	char *value, *end;
	size_t klen;

	if (*p == '\0' || *p == '#')
		return 0;
	if (r->section == SEC_NONE)
		return fail(r, file, line, -EINVAL, "syntax error: indented setting outside any "
			    "section: expected 'config setup' or 'conn NAME' before it");
	if (r->section != SEC_SETUP)
		return 0;	/* conn and ca sections are loaded elsewhere */

	klen = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	if (klen == 0 || klen > KEY_MAX)
		return fail(r, file, line, -EINVAL, "syntax error: '%.20s': expected key=value "
			    "with a key of 1..%d letters, digits, '-' or '_'", p, KEY_MAX);
	memcpy(key, p, klen);
	key[klen] = '\0';
	p += klen;
	p += strspn(p, " \t");
	if (*p != '=')
		return fail(r, file, line, -EINVAL, "syntax error: '%s' without '=': expected "
			    "%s=value", key, key);
	p++;
	p += strspn(p, " \t");
	if (*p == '"') {
		value = ++p;
		end = strchr(p, '"');
		if (end == NULL)
			return fail(r, file, line, -EINVAL, "syntax error: %s: unterminated "
				    "quoted value: expected a closing '\"'", key);
		*end++ = '\0';
	} else {
		value = p;
		end = p + strcspn(p, " \t#");
		if (*end != '\0' && *end != '#')
			*end++ = '\0';
		else if (*end == '#')
			*end = '\0';
	}
	end += strspn(end, " \t");
	if (*end != '\0' && *end != '#')
		return fail(r, file, line, -EINVAL, "syntax error: %s: unexpected '%s' after the "
			    "value: expected a comment or the end of the line (quote a value "
			    "with spaces)", key, end);
	return apply_key(r, file, line, key, value);
}

static int read_file(struct reader *r, const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	ssize_t len;
	int rc = 0;

	if (f == NULL) {
		int e = errno;
		if (r->err && r->errlen)
			snprintf(r->err, r->errlen, "pluto: --config %s: %s: expected a readable "
				 "ipsec.conf", path, strerror(e));
		return -e;
	}
	while (rc == 0 && (len = getline(&buf, &cap, f)) >= 0) {
		line++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (strlen(buf) != (size_t)len) {
			rc = fail(r, path, line, -EINVAL, "syntax error: NUL byte: expected text");
			break;
		}
		if (len == 0 || buf[0] == '#')
			continue;
		if (buf[0] == ' ' || buf[0] == '\t')
			rc = setting_line(r, path, line, buf);
		else
			rc = top_line(r, path, line, buf);
	}
	if (rc == 0 && ferror(f))
		rc = fail(r, path, line, -EIO, "read error: expected a readable file");
	free(buf);
	fclose(f);
	return rc;
}

int pluto_config_setup_load(const char *path, struct pluto_options *o, char *err, size_t errlen)
{
	struct reader *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	r->o = o;
	r->err = err;
	r->errlen = errlen;
	rc = read_file(r, path);
	free(r);
	return rc;
}
