/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/secrets_load.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/secrets_data.h"
#include "ctl/secrets_lex.h"
#include "util/log.h"

/*
 * ipsec.secrets(5) grammar, as this parser reads it:
 *
 *   file      = { directive | entry }
 *   directive = "include" PATTERN                    (one line)
 *   entry     = { selector } ":" [ TYPE ] secret
 *   TYPE      = PSK | XAUTH | RSA | ECDSA | PPKS | P12   (any case; none: PSK)
 *   secret    = STRING | DATA                        (PSK, XAUTH)
 *             | (STRING | DATA) (STRING | DATA)      (PPKS: PPK_ID, key)
 *             | FILE [ STRING | DATA ]               (RSA, ECDSA, P12: key file, passphrase)
 *             | "{" ... "}"                          (RSA, ECDSA raw/NSS form: kept unusable)
 *   FILE      = STRING | WORD    absolute, or relative to the key directory
 *                                (<ipsecdir>/private), else to the secrets file
 *
 * An entry or directive starts in column 0; an entry continues on lines
 * that start with whitespace until its secret; nothing else is indented.
 */

/* Owner: secrets_load()'s stack, for one load. */
struct load {
	struct secrets *set;
	const char *keydir;	/* relative key files; NULL: the secrets file's directory */
	char *err;
	size_t errlen;
};

static int fail(struct load *ld, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct load *ld, int rc, const char *fmt, ...)
{
	va_list ap;

	if (ld->err && ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err, ld->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int load_glob(struct load *ld, const char *pattern, const char *includer, unsigned line,
		     unsigned depth);

/* One file's parse: its lexer and the current token. */
struct parse {
	struct load *ld;
	const char *file;
	unsigned depth;
	struct secrets_lex lx;
	struct secrets_tok t;
	struct ike_id sel[SECRETS_MAX_SELECTORS];
};

static int adv(struct parse *p)
{
	const char *why = NULL;

	if (secrets_lex_next(&p->lx, &p->t, &why) < 0)
		return fail(p->ld, -EINVAL, "%s:%u: %s", p->file, p->t.line, why);
	return 0;
}

static bool word_is(const struct secrets_tok *t, const char *w)
{
	return t->kind == STOK_WORD && t->len == strlen(w) && !strncasecmp(t->p, w, t->len);
}

/* The current token continues the entry begun at line0: not EOF, not in column 0. */
static int need_continuation(struct parse *p, unsigned line0, const char *expected)
{
	if (p->t.kind == STOK_EOF)
		return fail(p->ld, -EINVAL,
			    "%s:%u: expected %s; the entry of line %u ends with the file", p->file,
			    p->t.line, expected, line0);
	if (p->t.col0)
		return fail(p->ld, -EINVAL,
			    "%s:%u: expected %s, on an indented continuation line of the entry of "
			    "line %u",
			    p->file, p->t.line, expected, line0);
	return 0;
}

/* Decode the current token (STRING or DATA) into a new buffer. Never quotes it. */
static int value(struct parse *p, const char *what, bool allow_empty, uint8_t **out,
		 size_t *outlen)
{
	const struct secrets_tok *t = &p->t;
	uint8_t *buf;
	size_t n = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (t->kind != STOK_STRING && t->kind != STOK_WORD)
		return fail(p->ld, -EINVAL,
			    "%s:%u: %s: expected a \"quoted\" secret or 0x, 0s or 0t data", p->file,
			    t->line, what);
	if (t->kind == STOK_STRING && t->len > SECRETS_VALUE_MAX)
		return fail(p->ld, -E2BIG, "%s:%u: %s: longer than the maximum %d bytes", p->file,
			    t->line, what, SECRETS_VALUE_MAX);
	buf = calloc(1, t->len ? t->len : 1);	/* every notation decodes to <= its text */
	if (!buf)
		return fail(p->ld, -ENOMEM, "%s:%u: out of memory", p->file, t->line);
	if (t->kind == STOK_STRING) {
		memcpy(buf, t->p, t->len);
		n = t->len;
	} else {
		const char *why = NULL;
		size_t cap = t->len < SECRETS_VALUE_MAX ? t->len : SECRETS_VALUE_MAX;

		rc = secrets_data_decode(t->p, t->len, buf, cap, &n, &why);
		if (rc == -E2BIG)
			rc = fail(p->ld, rc, "%s:%u: %s: longer than the maximum %d bytes",
				  p->file, t->line, what, SECRETS_VALUE_MAX);
		else if (rc < 0)
			rc = fail(p->ld, rc, "%s:%u: %s: %s", p->file, t->line, what, why);
		if (rc < 0)
			goto out;
	}
	if (n == 0 && !allow_empty) {
		rc = fail(p->ld, -EINVAL, "%s:%u: %s: expected a non-empty secret", p->file,
			  t->line, what);
		goto out;
	}
	*out = buf;
	*outlen = n;
	return 0;
out:
	secrets_wipe_free(buf, t->len ? t->len : 1);
	return rc;
}

/* RSA and ECDSA: a name, a CKAID or a brace-enclosed raw key; kept, never used. */
static int skip_key(struct parse *p, unsigned line0)
{
	if (!word_is(&p->t, "{"))
		return 0;
	for (;;) {
		int rc = adv(p);

		if (rc < 0)
			return rc;
		rc = need_continuation(p, line0, "'}' closing the key");
		if (rc < 0)
			return rc;
		if (word_is(&p->t, "}"))
			return 0;
	}
}

/* The key file of an entry: absolute, or relative to the key directory. */
static int key_path(struct parse *p, char *out, size_t cap)
{
	const char *dir = p->ld->keydir;
	size_t dlen;
	int n;

	if (p->t.len == 0 || p->t.len >= PATH_MAX)
		return fail(p->ld, -EINVAL, "%s:%u: expected a key file name", p->file, p->t.line);
	if (p->t.p[0] == '/') {
		n = snprintf(out, cap, "%.*s", (int)p->t.len, p->t.p);
	} else {
		if (!dir) {
			const char *slash = strrchr(p->file, '/');

			dir = slash ? p->file : ".";
			dlen = slash ? (size_t)(slash - p->file) : 1;
		} else {
			dlen = strlen(dir);
		}
		n = snprintf(out, cap, "%.*s/%.*s", (int)dlen, dir, (int)p->t.len, p->t.p);
	}
	if (n < 0 || (size_t)n >= cap)
		return fail(p->ld, -ENAMETOOLONG, "%s:%u: key file name too long", p->file,
			    p->t.line);
	return 0;
}

/*
 * RSA, ECDSA, P12: the key file and its optional passphrase (on the same
 * or an indented line). The key is loaded now; a key that cannot be
 * loaded leaves the entry unusable, with why in unsupported. Leaves the
 * entry's last token current.
 */
static int key_entry(struct parse *p, unsigned line0, struct secret_spec *e, char *unsupported,
		     size_t ulen)
{
	char path[PATH_MAX + 1], why[PATH_MAX + 300] = "";
	struct secrets_lex save_lx = p->lx;
	struct secrets_tok save_t;
	uint8_t *pass = NULL;
	size_t plen = 0;
	char *passz = NULL;
	int rc;

	if (p->t.kind != STOK_WORD && p->t.kind != STOK_STRING)
		return fail(p->ld, -EINVAL, "%s:%u: %s: expected a key file name", p->file,
			    p->t.line, secrets_kind_name(e->kind));
	rc = key_path(p, path, sizeof(path));
	if (rc < 0)
		return rc;
	/* a passphrase follows when the next token still belongs to the entry */
	save_t = p->t;
	save_lx = p->lx;
	rc = adv(p);
	if (rc < 0)
		return rc;
	if (p->t.kind != STOK_EOF && !p->t.col0) {
		if (word_is(&p->t, "%prompt")) {
			snprintf(unsupported, ulen,
				 "%%prompt: pluto has no terminal to ask on; write the passphrase "
				 "in the entry");
			return 0;
		}
		rc = value(p, "passphrase", true, &pass, &plen);
		if (rc < 0)
			return rc;
		passz = calloc(1, plen + 1);	/* OpenSSL wants a C string */
		if (!passz) {
			secrets_wipe_free(pass, plen);
			return fail(p->ld, -ENOMEM, "%s:%u: out of memory", p->file, p->t.line);
		}
		memcpy(passz, pass, plen);
		secrets_wipe_free(pass, plen);
		if (memchr(passz, 0, plen)) {
			secrets_wipe_free(passz, plen + 1);
			return fail(p->ld, -EINVAL, "%s:%u: passphrase: expected no NUL byte",
				    p->file, p->t.line);
		}
	} else {
		p->t = save_t;
		p->lx = save_lx;
	}
	e->keyfile = secrets_intern_file(p->ld->set, path);
	if (!e->keyfile) {
		rc = fail(p->ld, -ENOMEM, "%s:%u: out of memory", p->file, line0);
		goto out;
	}
	if (e->kind == SECRET_P12) {
		rc = crypto_p12_load_file(path, passz, &e->key, &e->cert, e->cas, SECRETS_P12_CAS,
					  &e->ncas, why, sizeof(why));
	} else {
		enum crypto_key_kind want = e->kind == SECRET_RSA ? CRYPTO_KEY_RSA
								  : CRYPTO_KEY_ECDSA;

		rc = crypto_privkey_load_file(path, passz, &e->key, why, sizeof(why));
		if (rc == 0 && crypto_privkey_kind(e->key) != want &&
		    !(want == CRYPTO_KEY_ECDSA && crypto_privkey_kind(e->key) >= CRYPTO_KEY_ED25519)) {
			snprintf(why, sizeof(why), "%s: holds a %s key, not an %s key", path,
				 crypto_key_kind_name(crypto_privkey_kind(e->key)),
				 secrets_kind_name(e->kind));
			crypto_privkey_unref(e->key);
			e->key = NULL;
			rc = -EINVAL;
		}
	}
	if (rc == -ENOMEM) {
		rc = fail(p->ld, rc, "%s:%u: out of memory", p->file, line0);
		goto out;
	}
	if (rc < 0)
		snprintf(unsupported, ulen, "%s", why);	/* names the file, never the passphrase */
	rc = 0;
out:
	if (passz)
		secrets_wipe_free(passz, plen + 1);
	return rc;
}

static int entry(struct parse *p)
{
	struct secret_spec e = { .kind = SECRET_PSK, .supported = true, .sel = p->sel };
	unsigned line0 = p->t.line;
	char unsupported[2 * IKE_ID_DATA_MAX + 160] = "";
	int rc;

	/* selectors, up to the ':' */
	while (p->t.kind != STOK_COLON) {
		char text[2 * IKE_ID_DATA_MAX + 8], why[2 * IKE_ID_DATA_MAX + 100];

		if (p->t.line != line0 || p->t.kind == STOK_EOF) {
			rc = need_continuation(p, line0, "':' and a secret after the selectors");
			if (rc < 0)
				return rc;
		}
		if (word_is(&p->t, "PSK") || word_is(&p->t, "XAUTH") || word_is(&p->t, "RSA") ||
		    word_is(&p->t, "ECDSA") || word_is(&p->t, "PPKS") || word_is(&p->t, "P12"))
			return fail(p->ld, -EINVAL, "%s:%u: expected ':' before %.*s", p->file,
				    p->t.line, (int)p->t.len, p->t.p);
		if (e.nsel == SECRETS_MAX_SELECTORS)
			return fail(p->ld, -E2BIG, "%s:%u: more than %d selectors in one entry",
				    p->file, p->t.line, SECRETS_MAX_SELECTORS);
		if (p->t.len >= sizeof(text))
			return fail(p->ld, -EINVAL, "%s:%u: selector longer than %zu characters",
				    p->file, p->t.line, sizeof(text) - 1);
		memcpy(text, p->t.p, p->t.len);
		text[p->t.len] = '\0';
		rc = ike_id_parse(text, &p->sel[e.nsel], why, sizeof(why));
		if (rc == -EOPNOTSUPP) {
			/* e.g. a DN on an RSA entry: keep the entry, unusable, and say so */
			if (!unsupported[0])
				snprintf(unsupported, sizeof(unsupported), "selector %s", why);
		} else if (rc < 0) {
			return fail(p->ld, -EINVAL, "%s:%u: selector %s", p->file, p->t.line, why);
		} else {
			e.nsel++;
		}
		rc = adv(p);
		if (rc < 0)
			return rc;
	}

	/* the kind */
	rc = adv(p);
	if (rc < 0)
		return rc;
	rc = need_continuation(p, line0,
			       "PSK, XAUTH, RSA, ECDSA, P12 or PPKS and a secret after ':'");
	if (rc < 0)
		return rc;
	bool keyword = true;

	if (word_is(&p->t, "PSK"))
		e.kind = SECRET_PSK;
	else if (word_is(&p->t, "XAUTH"))
		e.kind = SECRET_XAUTH;
	else if (word_is(&p->t, "RSA"))
		e.kind = SECRET_RSA;
	else if (word_is(&p->t, "ECDSA"))
		e.kind = SECRET_ECDSA;
	else if (word_is(&p->t, "PPKS"))
		e.kind = SECRET_PPKS;
	else if (word_is(&p->t, "P12"))
		e.kind = SECRET_P12;
	else if (p->t.kind == STOK_STRING || secrets_data_has_prefix(p->t.p, p->t.len))
		keyword = false;	/* a bare secret is a PSK */
	else	/* the token is not quoted: it may be a mistyped secret */
		return fail(p->ld, -EINVAL,
			    "%s:%u: expected PSK, XAUTH, RSA, ECDSA, P12 or PPKS (or a \"quoted\" "
			    "PSK) after ':'",
			    p->file, p->t.line);
	if (keyword) {
		rc = adv(p);
		if (rc < 0)
			return rc;
		rc = need_continuation(p, line0, "a secret");
		if (rc < 0)
			return rc;
	}

	/* the secret */
	switch (e.kind) {
	case SECRET_PSK:
		rc = value(p, "PSK", false, &e.value, &e.len);
		break;
	case SECRET_XAUTH:
		rc = value(p, "XAUTH password", true, &e.value, &e.len);
		break;
	case SECRET_PPKS:
		rc = value(p, "PPKS PPK_ID", false, &e.ppk_id, &e.ppk_id_len);
		if (rc == 0)
			rc = adv(p);
		if (rc == 0)
			rc = need_continuation(p, line0, "the PPK after the PPK_ID");
		if (rc == 0)
			rc = value(p, "PPKS key", false, &e.value, &e.len);
		break;
	case SECRET_RSA:
	case SECRET_ECDSA:
	case SECRET_P12:
		if (word_is(&p->t, "{")) {
			rc = e.kind == SECRET_P12
				     ? fail(p->ld, -EINVAL, "%s:%u: P12: expected a file name",
					    p->file, p->t.line)
				     : skip_key(p, line0);
			if (rc == 0 && !unsupported[0])
				snprintf(unsupported, sizeof(unsupported),
					 "%s keys written into the secrets file (libreswan's raw or "
					 "NSS form) are not supported: put the key in a PEM file "
					 "and write \": %s /path/to/key.pem\"",
					 secrets_kind_name(e.kind), secrets_kind_name(e.kind));
			break;
		}
		rc = key_entry(p, line0, &e, unsupported, sizeof(unsupported));
		break;
	}
	if (rc < 0)
		goto out;

	if (unsupported[0]) {
		e.supported = false;
		log_warn("%s:%u: %s; the %s entry is kept but never used", p->file, line0,
			 unsupported, secrets_kind_name(e.kind));
	} else if (e.key) {
		log_info("%s:%u: loaded %u bit %s private key from %s", p->file, line0,
			 crypto_privkey_bits(e.key),
			 crypto_key_kind_name(crypto_privkey_kind(e.key)), e.keyfile);
	}
	e.file = p->file;
	e.line = line0;
	rc = secrets_add(p->ld->set, &e);	/* takes the buffers */
	if (rc == -E2BIG)
		return fail(p->ld, rc, "%s:%u: more than %d entries in the secrets", p->file,
			    line0, SECRETS_MAX_ENTRIES);
	if (rc < 0)
		return fail(p->ld, rc, "%s:%u: out of memory", p->file, line0);
	rc = adv(p);
	if (rc == 0 && p->t.kind != STOK_EOF && !p->t.first)
		rc = fail(p->ld, -EINVAL, "%s:%u: expected the end of the entry after its secret",
			  p->file, p->t.line);
	return rc;
out:
	secrets_wipe_free(e.value, e.len);
	secrets_wipe_free(e.ppk_id, e.ppk_id_len);
	crypto_privkey_unref(e.key);
	crypto_cert_unref(e.cert);
	for (size_t i = 0; i < e.ncas; i++)
		crypto_cert_unref(e.cas[i]);
	return rc;
}

static int include(struct parse *p)
{
	char pattern[PATH_MAX];
	unsigned line = p->t.line;
	int rc = adv(p);

	if (rc < 0)
		return rc;
	if (p->t.kind != STOK_WORD || p->t.first)
		return fail(p->ld, -EINVAL, "%s:%u: expected a file name (or glob) after include",
			    p->file, line);
	if (p->t.len >= sizeof(pattern))
		return fail(p->ld, -ENAMETOOLONG, "%s:%u: include file name too long", p->file,
			    line);
	memcpy(pattern, p->t.p, p->t.len);
	pattern[p->t.len] = '\0';
	rc = adv(p);
	if (rc < 0)
		return rc;
	if (p->t.kind != STOK_EOF && !p->t.first)
		return fail(p->ld, -EINVAL,
			    "%s:%u: expected the end of the line after the include file name",
			    p->file, line);
	return load_glob(p->ld, pattern, p->file, line, p->depth + 1);
}

static int parse(struct load *ld, const char *file, const char *buf, size_t len, unsigned depth)
{
	struct parse *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return fail(ld, -ENOMEM, "%s: out of memory", file);
	p->ld = ld;
	p->file = file;
	p->depth = depth;
	secrets_lex_init(&p->lx, buf, len);
	rc = adv(p);
	while (rc == 0 && p->t.kind != STOK_EOF) {
		if (!p->t.col0)
			rc = fail(ld, -EINVAL,
				  "%s:%u: expected an entry or include in column 0; only the "
				  "continuation lines of an unfinished entry are indented",
				  file, p->t.line);
		else if (word_is(&p->t, "include"))
			rc = include(p);
		else
			rc = entry(p);
	}
	free(p);	/* holds selectors and pointers into buf, no secret bytes */
	return rc;
}

static int load_file(struct load *ld, const char *path, unsigned depth)
{
	struct stat st;
	char *buf = NULL;
	size_t alloc = 0, n = 0;
	const char *file;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail(ld, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = fail(ld, -errno, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(ld, -EINVAL, "%s: expected a regular file", path);
		goto out;
	}
	if (st.st_size > SECRETS_FILE_MAX) {
		rc = fail(ld, -E2BIG, "%s: %lld bytes, larger than the maximum %d", path,
			  (long long)st.st_size, SECRETS_FILE_MAX);
		goto out;
	}
	alloc = (size_t)st.st_size + 1;	/* one more, to notice a file that grew */
	buf = malloc(alloc);
	if (!buf) {
		rc = fail(ld, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (n < alloc) {
		ssize_t r = read(fd, buf + n, alloc - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(ld, -errno, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == alloc) {
		rc = fail(ld, -EAGAIN, "%s: changed while being read; try again", path);
		goto out;
	}
	file = secrets_intern_file(ld->set, path);
	if (!file) {
		rc = fail(ld, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	rc = parse(ld, file, buf, n, depth);
out:
	secrets_wipe_free(buf, alloc);
	close(fd);
	return rc;
}

/* Copy s to out with glob(3)'s special characters escaped. */
static int escape_glob(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (strchr("*?[]\\", s[i])) {
			if (o + 1 >= cap)
				return -ENAMETOOLONG;
			out[o++] = '\\';
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return 0;
}

/* A directory in the pattern that does not exist is no match; anything else stops. */
static int glob_error(const char *epath, int eerrno)
{
	return eerrno != ENOENT && eerrno != ENOTDIR;
}

static int load_glob(struct load *ld, const char *pattern, const char *includer, unsigned line,
		     unsigned depth)
{
	char full[2 * PATH_MAX + 2];
	glob_t g;
	int rc = 0, r;

	if (depth > SECRETS_INCLUDE_DEPTH)
		return fail(ld, -ELOOP,
			    "%s:%u: include nested more than %d deep (does a file include itself?)",
			    includer, line, SECRETS_INCLUDE_DEPTH);
	if (includer && pattern[0] != '/') {
		const char *slash = strrchr(includer, '/');
		size_t dlen = slash ? (size_t)(slash - includer) : 1;
		const char *dir = slash ? includer : ".";

		if (slash == includer)
			dlen = 0;	/* "/file": the root directory */
		if (escape_glob(dir, dlen, full, PATH_MAX) < 0)
			return fail(ld, -ENAMETOOLONG, "%s:%u: include path too long", includer,
				    line);
		size_t o = strlen(full);

		snprintf(full + o, sizeof(full) - o, "/%s", pattern);
	} else {
		snprintf(full, sizeof(full), "%s", pattern);
	}

	r = glob(full, 0, glob_error, &g);
	switch (r) {
	case 0:
		break;
	case GLOB_NOMATCH:
		/* as libreswan: say so, load nothing, and go on */
		if (includer)
			log_warn("%s:%u: include %s: no file matched; nothing included", includer,
				 line, full);
		else
			log_warn("secrets file %s: no file matched; no secrets loaded", full);
		return 0;
	case GLOB_NOSPACE:
		return fail(ld, -ENOMEM, "%s: out of memory expanding the glob", full);
	default:
		if (includer)
			return fail(ld, -EIO, "%s:%u: include %s: cannot read a directory",
				    includer, line, full);
		return fail(ld, -EIO, "secrets file %s: cannot read a directory", full);
	}
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = load_file(ld, g.gl_pathv[i], depth);
	globfree(&g);
	return rc;
}

int secrets_load(const char *pattern, struct secrets **out, char *err, size_t errlen)
{
	return secrets_load_keys(pattern, NULL, out, err, errlen);
}

int secrets_load_keys(const char *pattern, const char *keydir, struct secrets **out, char *err,
		      size_t errlen)
{
	struct load ld = { .keydir = keydir, .err = err, .errlen = errlen };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!pattern || !*pattern)
		return fail(&ld, -EINVAL, "secrets file: expected a file name or glob");
	ld.set = secrets_new();
	if (!ld.set)
		return fail(&ld, -ENOMEM, "secrets file %s: out of memory", pattern);
	rc = load_glob(&ld, pattern, NULL, 0, 0);
	if (rc < 0) {
		secrets_free(ld.set);	/* wipes what was read so far */
		return rc;
	}
	*out = ld.set;
	return 0;
}
