/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/secrets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Owner: the set that holds it; immutable once the set is loaded. */
struct secret {
	enum secret_kind kind;
	bool supported;
	unsigned line;
	size_t nsel;
	struct ike_id *sel;		/* nsel selectors; NULL when none */
	uint8_t *value;			/* secret bytes; wiped on free */
	size_t len;
	uint8_t *ppk_id;		/* PPKS only; wiped on free */
	size_t ppk_id_len;
	const char *file;		/* one of files[] */
	struct crypto_privkey *key;	/* RSA, ECDSA, P12 (a reference) */
	struct crypto_cert *cert;	/* P12 */
	struct crypto_cert *cas[SECRETS_P12_CAS];
	size_t ncas;
	const char *keyfile;		/* one of files[] */
};

/* Owner: see secrets.h; nothing is mutable after secrets_load() returns. */
struct secrets {
	struct secret *v;
	size_t n, cap;
	char **files;
	size_t nfiles, files_cap;
};

static void (*wipe_hook)(const void *p, size_t len);

void secrets_test_set_wipe_hook(void (*hook)(const void *p, size_t len))
{
	wipe_hook = hook;
}

void secrets_wipe_free(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	if (wipe_hook)
		wipe_hook(p, len);
	free(p);
}

struct secrets *secrets_new(void)
{
	return calloc(1, sizeof(struct secrets));
}

const char *secrets_intern_file(struct secrets *s, const char *path)
{
	if (s->nfiles == s->files_cap) {
		size_t cap = s->files_cap ? s->files_cap * 2 : 8;
		char **f = realloc(s->files, cap * sizeof(*f));

		if (!f)
			return NULL;
		s->files = f;
		s->files_cap = cap;
	}
	char *copy = strdup(path);

	if (!copy)
		return NULL;
	s->files[s->nfiles++] = copy;
	return copy;
}

int secrets_add(struct secrets *s, struct secret_spec *spec)
{
	struct secret e = {
		.kind = spec->kind,
		.supported = spec->supported,
		.line = spec->line,
		.nsel = spec->nsel,
		.value = spec->value,
		.len = spec->len,
		.ppk_id = spec->ppk_id,
		.ppk_id_len = spec->ppk_id_len,
		.file = spec->file,
		.key = spec->key,
		.cert = spec->cert,
		.ncas = spec->ncas < SECRETS_P12_CAS ? spec->ncas : SECRETS_P12_CAS,
		.keyfile = spec->keyfile,
	};
	int rc = 0;

	memcpy(e.cas, spec->cas, e.ncas * sizeof(e.cas[0]));
	/* The set owns the buffers and references from here on, whatever happens. */
	spec->value = spec->ppk_id = NULL;
	spec->key = NULL;
	spec->cert = NULL;
	spec->ncas = 0;
	if (s->n >= SECRETS_MAX_ENTRIES) {
		rc = -E2BIG;
		goto out;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct secret *v;

		if (cap > SECRETS_MAX_ENTRIES)
			cap = SECRETS_MAX_ENTRIES;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			rc = -ENOMEM;
			goto out;
		}
		s->v = v;
		s->cap = cap;
	}
	if (e.nsel) {
		e.sel = malloc(e.nsel * sizeof(*e.sel));
		if (!e.sel) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(e.sel, spec->sel, e.nsel * sizeof(*e.sel));
	}
	s->v[s->n++] = e;
	return 0;
out:
	secrets_wipe_free(e.value, e.len);
	secrets_wipe_free(e.ppk_id, e.ppk_id_len);
	crypto_privkey_unref(e.key);
	crypto_cert_unref(e.cert);
	for (size_t i = 0; i < e.ncas; i++)
		crypto_cert_unref(e.cas[i]);
	return rc;
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct secret *e = &s->v[i];

		secrets_wipe_free(e->value, e->len);
		secrets_wipe_free(e->ppk_id, e->ppk_id_len);
		crypto_privkey_unref(e->key);	/* OpenSSL clears the private numbers */
		crypto_cert_unref(e->cert);
		for (size_t j = 0; j < e->ncas; j++)
			crypto_cert_unref(e->cas[j]);
		free(e->sel);
	}
	free(s->v);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s);
}

size_t secrets_count(const struct secrets *s)
{
	return s ? s->n : 0;
}

/*
 * How well an entry matches (ipsec.secrets(5), "most specifically
 * matches"): bits for "local equals a selector", "remote equals a
 * selector", "a selector is %any" and "no selectors / the one selector is
 * local", ranked by value. Only the combinations listed in secrets.h
 * qualify; 0 means no match.
 */
enum {
	M_DEFAULT = 1,
	M_ANY = 2,
	M_REMOTE = 4,
	M_LOCAL = 8,
};

static unsigned score(const struct secret *e, const struct ike_id *local,
		      const struct ike_id *remote)
{
	unsigned m = 0;

	if (e->nsel == 0)
		return M_DEFAULT;
	for (size_t i = 0; i < e->nsel; i++) {
		const struct ike_id *sel = &e->sel[i];

		if (ike_id_is_any(sel)) {
			m |= M_ANY;
			continue;
		}
		if (ike_id_eq(sel, local))
			m |= M_LOCAL;
		if (ike_id_eq(sel, remote))
			m |= M_REMOTE;
	}
	if (m == M_LOCAL && e->nsel == 1)
		m |= M_DEFAULT;
	/*
	 * Both ends named exactly is the explicit match even when the list
	 * also holds %any (libreswan ignores such an entry; naming both
	 * peers should never make an entry lose to a wildcard).
	 */
	if ((m & (M_LOCAL | M_REMOTE)) == (M_LOCAL | M_REMOTE))
		return M_LOCAL | M_REMOTE;
	switch (m) {
	case M_DEFAULT:
	case M_ANY:
	case M_LOCAL | M_DEFAULT:
	case M_LOCAL | M_ANY:
	case M_REMOTE | M_ANY:
		return m;
	default:
		return 0;	/* e.g. local matched one of several selectors only */
	}
}

static bool is_key(enum secret_kind k)
{
	return k == SECRET_RSA || k == SECRET_ECDSA || k == SECRET_P12;
}

/* kind SECRET_RSA with keys_of set: any key entry whose key is of that kind. */
static const struct secret *find_key(const struct secrets *s, int kind,
				     enum crypto_key_kind key_kind, const struct ike_id *local,
				     const struct ike_id *remote)
{
	const struct secret *best = NULL;
	unsigned best_score = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct secret *e = &s->v[i];
		unsigned sc;

		if (!e->supported)
			continue;
		if (kind >= 0 && e->kind != (enum secret_kind)kind)
			continue;
		if (kind < 0 && (!is_key(e->kind) || !e->key ||
				 (key_kind != CRYPTO_KEY_NONE &&
				  crypto_privkey_kind(e->key) != key_kind)))
			continue;
		sc = score(e, local, remote);
		if (sc > best_score) {	/* strictly: ties keep the first in file order */
			best = e;
			best_score = sc;
		}
	}
	return best;
}

static const struct secret *find(const struct secrets *s, enum secret_kind kind,
				 const struct ike_id *local, const struct ike_id *remote)
{
	return find_key(s, (int)kind, CRYPTO_KEY_NONE, local, remote);
}

const struct secret *secrets_find_psk(const struct secrets *s, const struct ike_id *local,
				      const struct ike_id *remote)
{
	return find(s, SECRET_PSK, local, remote);
}

const struct secret *secrets_find_privkey(const struct secrets *s, const struct ike_id *local,
					  enum crypto_key_kind kind)
{
	static const struct ike_id any = { .type = IKE_ID_ANY };

	return find_key(s, -1, kind, local, &any);
}

const struct secret *secrets_find_privkey_of(const struct secrets *s,
					     const struct crypto_pubkey *pub)
{
	for (size_t i = 0; s && pub && i < s->n; i++) {
		const struct secret *e = &s->v[i];

		if (e->supported && is_key(e->kind) && e->key &&
		    crypto_privkey_matches(e->key, pub))
			return e;
	}
	return NULL;
}

struct crypto_privkey *secrets_entry_privkey(const struct secret *e)
{
	return e->key;
}

struct crypto_cert *secrets_entry_cert(const struct secret *e)
{
	return e->cert;
}

struct crypto_cert *const *secrets_entry_cas(const struct secret *e, size_t *n)
{
	*n = e->ncas;
	return e->cas;
}

const char *secrets_entry_keyfile(const struct secret *e)
{
	return e->keyfile;
}

const struct secret *secrets_find_xauth(const struct secrets *s, const struct ike_id *user)
{
	static const struct ike_id any = { .type = IKE_ID_ANY };

	return find(s, SECRET_XAUTH, user, &any);
}

const struct secret *secrets_find_ppk(const struct secrets *s, const struct ike_id *local,
				      const struct ike_id *remote)
{
	return find(s, SECRET_PPKS, local, remote);
}

const uint8_t *secrets_entry_value(const struct secret *e, size_t *len)
{
	*len = e->len;
	return e->value;
}

const uint8_t *secrets_entry_ppk_id(const struct secret *e, size_t *len)
{
	*len = e->ppk_id_len;
	return e->ppk_id;
}

enum secret_kind secrets_entry_kind(const struct secret *e)
{
	return e->kind;
}

bool secrets_entry_is_supported(const struct secret *e)
{
	return e->supported;
}

size_t secrets_entry_nselectors(const struct secret *e)
{
	return e->nsel;
}

const struct ike_id *secrets_entry_selector(const struct secret *e, size_t i)
{
	return i < e->nsel ? &e->sel[i] : NULL;
}

const char *secrets_entry_file(const struct secret *e)
{
	return e->file;
}

unsigned secrets_entry_line(const struct secret *e)
{
	return e->line;
}

const struct secret *secrets_entry_at(const struct secrets *s, size_t i)
{
	return s && i < s->n ? &s->v[i] : NULL;
}

const char *secrets_kind_name(enum secret_kind k)
{
	switch (k) {
	case SECRET_PSK:
		return "PSK";
	case SECRET_XAUTH:
		return "XAUTH";
	case SECRET_RSA:
		return "RSA";
	case SECRET_ECDSA:
		return "ECDSA";
	case SECRET_PPKS:
		return "PPKS";
	case SECRET_P12:
		return "P12";
	}
	return "?";
}

void secrets_describe(const struct secrets *s, void (*emit)(void *arg, const char *line),
		      void *arg)
{
	char line[1024];

	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct secret *e = &s->v[i];
		size_t n = (size_t)snprintf(line, sizeof(line), "%5zu: %s", i + 1,
					    secrets_kind_name(e->kind));

		if (e->nsel == 0 && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (any)");
		for (size_t j = 0; j < e->nsel && n < sizeof(line); j++) {
			char id[IKE_ID_STRLEN];

			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s",
					      ike_id_str(&e->sel[j], id, sizeof(id)));
		}
		if (n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (%s:%u)", e->file,
					      e->line);
		if (e->key && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %u bit %s key from %s",
					      crypto_privkey_bits(e->key),
					      crypto_key_kind_name(crypto_privkey_kind(e->key)),
					      e->keyfile ? e->keyfile : "?");
		if (!e->supported && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, " not usable");
		emit(arg, line);
	}
}
