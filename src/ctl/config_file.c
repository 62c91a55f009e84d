/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/config_file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/conn_spec.h"

/* The state of one reading: the file, its includes and the section being filled. */
struct reader {
	struct conf_file *f;
	struct conf_diag *d;
	long cur; /* index of the section settings go to; -1: none */
	int depth;
};

static int oom(struct reader *r)
{
	conf_diag_add(r->d, CONF_ERROR, NULL, 0, "out of memory reading the configuration");
	return -ENOMEM;
}

static const char *intern_file(struct reader *r, const char *name)
{
	struct conf_file *f = r->f;
	char *copy;

	if (f->nfiles == f->fcap) {
		size_t cap = f->fcap ? f->fcap * 2 : 4;
		char **v = realloc(f->files, cap * sizeof(*v));
		if (!v)
			return NULL;
		f->files = v;
		f->fcap = cap;
	}
	copy = strdup(name);
	if (copy)
		f->files[f->nfiles++] = copy;
	return copy;
}

static struct conf_section *section_new(struct reader *r, enum conf_section_kind kind,
					const char *name, const char *file, unsigned line)
{
	struct conf_file *f = r->f;
	struct conf_section *s;

	if (f->nsec == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct conf_section *v = realloc(f->sec, cap * sizeof(*v));
		if (!v)
			return NULL;
		f->sec = v;
		f->cap = cap;
	}
	s = &f->sec[f->nsec];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return NULL;
	s->kind = kind;
	s->file = file;
	s->line = line;
	r->cur = (long)f->nsec++;
	return s;
}

static int kv_add(struct reader *r, const char *file, unsigned line, const char *key,
		  const char *value)
{
	struct conf_section *s = &r->f->sec[r->cur];
	struct conf_kv *kv;

	/* also= may name several sections over several lines; anything else once. */
	if (strcmp(key, "also") != 0) {
		for (size_t i = 0; i < s->nkv; i++) {
			if (strcmp(s->kv[i].key, key) == 0)
				return conf_diag_add(r->d, CONF_ERROR, file, line,
						     "%s given twice in %s %s (first at %s:%u): "
						     "expected once per section",
						     key,
						     s->kind == CONF_SEC_SETUP	? "config"
						     : s->kind == CONF_SEC_CONN ? "conn"
										: "ca",
						     s->name, s->kv[i].file, s->kv[i].line);
		}
	}
	if (s->nkv == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct conf_kv *v = realloc(s->kv, cap * sizeof(*v));
		if (!v)
			return oom(r);
		s->kv = v;
		s->cap = cap;
	}
	kv = &s->kv[s->nkv];
	kv->key = strdup(key);
	kv->value = strdup(value);
	if (!kv->key || !kv->value) {
		free(kv->key);
		free(kv->value);
		return oom(r);
	}
	kv->file = file;
	kv->line = line;
	s->nkv++;
	return 0;
}

static int read_path(struct reader *r, const char *path, const char *from, unsigned from_line);
static int read_text(struct reader *r, const char *file, const char *text, size_t len);

static bool has_glob_chars(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int include(struct reader *r, const char *file, unsigned line, const char *pattern)
{
	char full[PATH_MAX];
	glob_t g;
	int rc, n;

	if (r->f->no_include)
		return conf_diag_add(r->d, CONF_ERROR, file, line,
				     "include %s: includes are not allowed here", pattern);
	if (r->depth >= CONF_INCLUDE_DEPTH)
		return conf_diag_add(
			r->d, CONF_ERROR, file, line,
			"include %s: nested more than %d deep: expected no include loop", pattern,
			CONF_INCLUDE_DEPTH);
	if (pattern[0] == '/') {
		n = snprintf(full, sizeof(full), "%s", pattern);
	} else {
		const char *slash = strrchr(file, '/');
		n = slash ? snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - file), file,
				     pattern)
			  : snprintf(full, sizeof(full), "%s", pattern);
	}
	if (n < 0 || (size_t)n >= sizeof(full))
		return conf_diag_add(r->d, CONF_ERROR, file, line,
				     "include %s: path longer than %d bytes", pattern,
				     PATH_MAX - 1);
	rc = glob(full, GLOB_ERR, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		/* A pattern such as /etc/ipsec.d/ *.conf may match nothing; a plain name must
		 * exist. */
		if (has_glob_chars(pattern))
			return 0;
		return conf_diag_add(r->d, CONF_ERROR, file, line,
				     "include %s: %s: no such file: expected an existing file or a "
				     "pattern",
				     pattern, full);
	}
	if (rc == GLOB_NOSPACE)
		return oom(r);
	if (rc != 0)
		return conf_diag_add(r->d, CONF_ERROR, file, line,
				     "include %s: cannot read the directory: expected a readable "
				     "file pattern",
				     pattern);
	r->depth++;
	rc = 0;
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = read_path(r, g.gl_pathv[i], file, line);
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
		return conf_diag_add(
			r->d, CONF_ERROR, file, line,
			"syntax error: unexpected '%.64s' after '%.64s %.64s': expected a "
			"section header of two words",
			w3, w1, w2);
	if (strcmp(w1, "version") == 0) {
		if (w2 == NULL || (strcmp(w2, "2") != 0 && strcmp(w2, "2.0") != 0))
			return conf_diag_add(r->d, CONF_ERROR, file, line,
					     "version %.64s: expected version 2",
					     w2 ? w2 : "(nothing)");
		return 0;
	}
	if (strcmp(w1, "include") == 0) {
		if (w2 == NULL)
			return conf_diag_add(r->d, CONF_ERROR, file, line,
					     "syntax error: include needs a file name: expected "
					     "include FILE");
		r->cur = -1;
		return include(r, file, line, w2);
	}
	if (strcmp(w1, "config") == 0) {
		const struct conf_section *old = conf_file_setup(r->f);
		if (w2 == NULL || strcmp(w2, "setup") != 0)
			return conf_diag_add(r->d, CONF_ERROR, file, line,
					     "syntax error: config %.64s: expected config setup",
					     w2 ? w2 : "(nothing)");
		if (old)
			return conf_diag_add(
				r->d, CONF_ERROR, file, line,
				"second config setup section (first at %s:%u): expected "
				"one",
				old->file, old->line);
		return section_new(r, CONF_SEC_SETUP, "setup", file, line) ? 0 : oom(r);
	}
	if (strcmp(w1, "conn") == 0 || strcmp(w1, "ca") == 0) {
		bool conn = w1[1] == 'o';
		if (w2 == NULL)
			return conf_diag_add(r->d, CONF_ERROR, file, line,
					     "syntax error: %s needs a name: expected %s NAME", w1,
					     w1);
		if (conn && strcmp(w2, "%default") != 0) {
			const struct conf_section *old = conf_file_conn(r->f, w2);
			if (!conn_name_is_valid(w2))
				return conf_diag_add(
					r->d, CONF_ERROR, file, line,
					"conn %.80s: not a usable connection name: expected "
					"1..%d letters, digits or -_.@+: (the name goes "
					"into updown commands)",
					w2, CONN_NAME_MAX);
			if (old)
				return conf_diag_add(
					r->d, CONF_ERROR, file, line,
					"conn %s defined twice (first at %s:%u): expected "
					"one section per name (also= shares settings)",
					w2, old->file, old->line);
		}
		if (r->f->nsec >= CONF_SECTIONS_MAX)
			return conf_diag_add(r->d, CONF_ERROR, file, line,
					     "more than %d sections: expected fewer",
					     CONF_SECTIONS_MAX);
		return section_new(r, conn ? CONF_SEC_CONN : CONF_SEC_CA, w2, file, line) ? 0
											  : oom(r);
	}
	return conf_diag_add(
		r->d, CONF_ERROR, file, line,
		"syntax error: '%.64s' at column 0: expected 'config setup', 'conn NAME', "
		"'include FILE' or 'version 2' (settings must be indented)",
		w1);
}

/* An indented line: key=value, value plain or "double quoted", then an optional comment. */
static int setting_line(struct reader *r, const char *file, unsigned line, char *s)
{
	char key[CONF_KEY_MAX + 1];
	char *p = s + strspn(s, " \t");
	char *value, *end;
	size_t klen;

	if (*p == '\0' || *p == '#')
		return 0;
	if (r->cur < 0)
		return conf_diag_add(r->d, CONF_ERROR, file, line,
				     "syntax error: indented setting outside any section: expected "
				     "'config setup' or 'conn NAME' before it");

	klen = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	if (klen == 0 || klen > CONF_KEY_MAX)
		return conf_diag_add(
			r->d, CONF_ERROR, file, line,
			"syntax error: '%.20s': expected key=value with a key of 1..%d "
			"letters, digits, '-' or '_'",
			p, CONF_KEY_MAX);
	for (size_t i = 0; i < klen; i++)
		key[i] = (char)tolower((unsigned char)p[i]);
	key[klen] = '\0';
	p += klen;
	p += strspn(p, " \t");
	if (*p != '=')
		return conf_diag_add(r->d, CONF_ERROR, file, line,
				     "syntax error: '%s' without '=': expected %s=value", key, key);
	p++;
	p += strspn(p, " \t");
	if (*p == '"') {
		value = ++p;
		end = strchr(p, '"');
		if (end == NULL)
			return conf_diag_add(
				r->d, CONF_ERROR, file, line,
				"syntax error: %s: unterminated quoted value: expected a "
				"closing '\"' on the same line",
				key);
		*end++ = '\0';
	} else {
		value = p;
		end = p + strcspn(p, " \t#\"");
		if (*end == '"')
			return conf_diag_add(
				r->d, CONF_ERROR, file, line,
				"syntax error: %s: '\"' inside a value: expected a value "
				"quoted as a whole",
				key);
		if (*end == '#') {
			*end = '\0';
		} else if (*end != '\0') {
			*end++ = '\0';
		}
	}
	end += strspn(end, " \t");
	if (*end != '\0' && *end != '#')
		return conf_diag_add(
			r->d, CONF_ERROR, file, line,
			"syntax error: %s: unexpected '%.40s' after the value: expected a "
			"comment or the end of the line (quote a value with spaces)",
			key, end);
	return kv_add(r, file, line, key, value);
}

static int read_text(struct reader *r, const char *file, const char *text, size_t len)
{
	char *buf = malloc(CONF_LINE_MAX + 1);
	unsigned line = 0;
	size_t off = 0;
	int rc = 0;

	if (!buf)
		return oom(r);
	/* A file starts outside any section: settings cannot continue one from the includer. */
	r->cur = -1;
	while (rc == 0 && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

		line++;
		if (n > CONF_LINE_MAX) {
			rc = conf_diag_add(r->d, CONF_ERROR, file, line,
					   "line of %zu bytes: expected at most %d", n,
					   CONF_LINE_MAX);
			break;
		}
		memcpy(buf, text + off, n);
		buf[n] = '\0';
		off += n + (nl != NULL);
		while (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (memchr(buf, '\0', n)) {
			rc = conf_diag_add(r->d, CONF_ERROR, file, line,
					   "syntax error: NUL byte: expected text");
			break;
		}
		if (n == 0 || buf[0] == '#')
			continue;
		if (buf[0] == ' ' || buf[0] == '\t')
			rc = setting_line(r, file, line, buf);
		else
			rc = top_line(r, file, line, buf);
	}
	free(buf);
	/* What follows an include in the includer is outside any section too. */
	r->cur = -1;
	return rc;
}

static int read_path(struct reader *r, const char *path, const char *from, unsigned from_line)
{
	const char *file = intern_file(r, path);
	char *text = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	if (!file)
		return oom(r);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (from)
			conf_diag_add(r->d, CONF_ERROR, from, from_line,
				      "include: %s: %s: expected a readable file", path,
				      strerror(-rc));
		else
			conf_diag_add(r->d, CONF_ERROR, NULL, 0,
				      "%s: %s: expected a readable ipsec.conf", path,
				      strerror(-rc));
		return from ? -EINVAL : rc;
	}
	/* Not only regular files: /dev/null (no connections) is a fine configuration. */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *t;
			if (cap >= CONF_FILE_MAX) {
				rc = conf_diag_add(r->d, CONF_ERROR, from, from_line,
						   "%s: larger than %d bytes: expected a smaller "
						   "file",
						   path, CONF_FILE_MAX);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			t = realloc(text, cap);
			if (!t) {
				rc = oom(r);
				goto out;
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			conf_diag_add(r->d, CONF_ERROR, from, from_line,
				      "%s: read error: %s: expected a readable file", path,
				      strerror(-rc));
			rc = from ? -EINVAL : rc;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = read_text(r, file, text ? text : "", len);
out:
	close(fd);
	free(text);
	return rc;
}

int conf_file_read(struct conf_file *f, const char *path, struct conf_diag *d)
{
	struct reader r = {.f = f, .d = d, .cur = -1};

	return read_path(&r, path, NULL, 0);
}

int conf_file_read_mem(struct conf_file *f, const char *name, const char *text, size_t len,
		       struct conf_diag *d)
{
	struct reader r = {.f = f, .d = d, .cur = -1};
	const char *file = intern_file(&r, name);

	if (!file)
		return oom(&r);
	return read_text(&r, file, text, len);
}

void conf_file_fini(struct conf_file *f)
{
	for (size_t i = 0; i < f->nsec; i++) {
		struct conf_section *s = &f->sec[i];
		for (size_t k = 0; k < s->nkv; k++) {
			free(s->kv[k].key);
			free(s->kv[k].value);
		}
		free(s->kv);
		free(s->name);
	}
	free(f->sec);
	for (size_t i = 0; i < f->nfiles; i++)
		free(f->files[i]);
	free(f->files);
	memset(f, 0, sizeof(*f));
}

const struct conf_section *conf_file_setup(const struct conf_file *f)
{
	for (size_t i = 0; i < f->nsec; i++) {
		if (f->sec[i].kind == CONF_SEC_SETUP)
			return &f->sec[i];
	}
	return NULL;
}

const struct conf_section *conf_file_conn(const struct conf_file *f, const char *name)
{
	for (size_t i = 0; i < f->nsec; i++) {
		if (f->sec[i].kind == CONF_SEC_CONN && strcmp(f->sec[i].name, name) == 0)
			return &f->sec[i];
	}
	return NULL;
}
