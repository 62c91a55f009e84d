/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/certs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ctl/secrets.h"
#include "util/log.h"

void cert_store_init(struct cert_store *s, const char *ipsecdir)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s", ipsecdir);
}

static void free_cert(struct cert_store_cert *c)
{
	free(c->name);
	free(c->file);
	crypto_cert_unref(c->cert);
	for (size_t i = 0; i < c->nchain; i++)
		crypto_cert_unref(c->chain[i]);
	crypto_privkey_unref(c->key);
	free(c->key_from);
}

static void drop_certs(struct cert_store *s, bool from_secrets)
{
	size_t n = 0;

	for (size_t i = 0; i < s->ncerts; i++) {
		if (s->certs[i].from_secrets == from_secrets)
			free_cert(&s->certs[i]);
		else
			s->certs[n++] = s->certs[i];
	}
	s->ncerts = n;
}

static void drop_cas(struct cert_store *s)
{
	for (size_t i = 0; i < s->ncas; i++) {
		free(s->cas[i].file);
		crypto_cert_unref(s->cas[i].cert);
	}
	s->ncas = 0;
}

static void drop_crls(struct cert_store *s)
{
	for (size_t i = 0; i < s->ncrls; i++) {
		free(s->crls[i].file);
		crypto_crl_unref(s->crls[i].crl);
	}
	s->ncrls = 0;
}

static void drop_keys(struct cert_store *s)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		free(s->keys[i].file);
		crypto_privkey_unref(s->keys[i].key);	/* OpenSSL clears the private numbers */
	}
	s->nkeys = 0;
}

void cert_store_fini(struct cert_store *s)
{
	drop_certs(s, false);
	drop_certs(s, true);
	drop_cas(s);
	drop_crls(s);
	drop_keys(s);
	for (size_t i = 0; i < s->npubs; i++)
		crypto_pubkey_unref(s->pubs[i].key);
	free(s->certs);
	free(s->cas);
	free(s->crls);
	free(s->keys);
	free(s->pubs);
	crypto_trust_unref(s->trust);
	memset(s, 0, sizeof(*s));
}

/* Room for one more element of size sz in *arr holding n. */
static int grow(void *arr, size_t n, size_t sz)
{
	void **a = arr;
	void *p;

	if (n & (n - 1) && n >= 16)
		return 0;	/* not at a power of two: there is room */
	p = realloc(*a, (n < 16 ? 16 : n * 2) * sz);
	if (!p)
		return -ENOMEM;
	*a = p;
	return 0;
}

static int skip_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * Call fn for every regular file of dir/sub in name order. A directory
 * that is missing is empty; one that cannot be read is logged.
 */
static int each_file(struct cert_store *s, const char *sub,
		     int (*fn)(struct cert_store *s, const char *path, const char *name))
{
	char dir[sizeof(s->dir) + 16], path[sizeof(s->dir) + 16 + 256];
	struct dirent **names = NULL;
	int n, rc = 0;

	if (!s->dir[0])
		return 0;	/* no --ipsecdir at all (tests): nothing to read */
	snprintf(dir, sizeof(dir), "%s/%s", s->dir, sub);
	n = scandir(dir, &names, skip_hidden, alphasort);
	if (n < 0) {
		if (errno != ENOENT)
			log_warn("%s: cannot read the directory: %s", dir, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && i < CERT_STORE_FILES_MAX) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				rc = fn(s, path, names[i]->d_name);
		} else if (i == CERT_STORE_FILES_MAX) {
			log_warn("%s: more than %d files; the rest are not read", dir,
				 CERT_STORE_FILES_MAX);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* "east.pem" -> "east"; a name without an extension stays. */
static char *base_name(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *name = slash ? slash + 1 : file;
	const char *dot = strrchr(name, '.');
	size_t len = dot && dot != name ? (size_t)(dot - name) : strlen(name);

	return strndup(name, len);
}

static int add_cert(struct cert_store *s, const char *path, const char *name)
{
	struct crypto_cert *certs[1 + CERT_STORE_CHAIN_MAX];
	struct cert_store_cert *c;
	char err[PATH_MAX + 200];
	int n = crypto_cert_load_file(path, certs, 1 + CERT_STORE_CHAIN_MAX, err, sizeof(err));

	if (n == -ENOMEM)
		return n;
	if (n < 0) {
		log_warn("%s; skipped", err);
		return 0;
	}
	if (grow(&s->certs, s->ncerts, sizeof(*s->certs)) < 0)
		goto nomem;
	c = &s->certs[s->ncerts];
	memset(c, 0, sizeof(*c));
	c->name = base_name(name);
	c->file = strdup(path);
	if (!c->name || !c->file) {
		free(c->name);
		free(c->file);
		goto nomem;
	}
	c->cert = certs[0];
	for (int i = 1; i < n; i++)
		c->chain[c->nchain++] = certs[i];
	if (!crypto_cert_pubkey(c->cert))
		log_warn("%s: the certificate's key is of a kind Skua cannot sign with "
			 "(expected RSA, ECDSA P-256/384/521, Ed25519 or Ed448)", path);
	s->ncerts++;
	return 0;
nomem:
	for (int i = 0; i < n; i++)
		crypto_cert_unref(certs[i]);
	return -ENOMEM;
}

static int add_ca(struct cert_store *s, const char *path, const char *name)
{
	struct crypto_cert *certs[CRYPTO_CERTS_PER_FILE];
	char err[PATH_MAX + 200], subj[512];
	int n = crypto_cert_load_file(path, certs, CRYPTO_CERTS_PER_FILE, err, sizeof(err));

	if (n == -ENOMEM)
		return n;
	if (n < 0) {
		log_warn("%s; skipped", err);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (grow(&s->cas, s->ncas, sizeof(*s->cas)) < 0 ||
		    !(s->cas[s->ncas].file = strdup(path))) {
			while (i < n)
				crypto_cert_unref(certs[i++]);
			return -ENOMEM;
		}
		if (!crypto_cert_is_ca(certs[i]))
			log_warn("%s: '%s' is not a CA certificate (no basicConstraints CA:TRUE); "
				 "trusted as an anchor all the same", path,
				 crypto_cert_subject_str(certs[i], subj, sizeof(subj)));
		s->cas[s->ncas++].cert = certs[i];
	}
	(void)name;
	return 0;
}

static int add_crl(struct cert_store *s, const char *path, const char *name)
{
	struct crypto_crl *crl = NULL;
	char err[PATH_MAX + 200];
	int rc = crypto_crl_load_file(path, &crl, err, sizeof(err));

	(void)name;
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		log_warn("%s; skipped", err);
		return 0;
	}
	if (grow(&s->crls, s->ncrls, sizeof(*s->crls)) < 0 ||
	    !(s->crls[s->ncrls].file = strdup(path))) {
		crypto_crl_unref(crl);
		return -ENOMEM;
	}
	s->crls[s->ncrls++].crl = crl;
	return 0;
}

static bool has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && !strcasecmp(name + n - e, ext);
}

static int add_key(struct cert_store *s, const char *path, const char *name)
{
	struct crypto_privkey *key = NULL;
	char err[PATH_MAX + 200];
	int rc;

	/* PKCS#12 files are opened by their ipsec.secrets entries, with the passphrase */
	if (has_ext(name, ".p12") || has_ext(name, ".pfx"))
		return 0;
	rc = crypto_privkey_load_file(path, NULL, &key, err, sizeof(err));
	if (rc == -ENOMEM)
		return rc;
	if (rc == -EACCES) {
		log_warn("%s: an encrypted private key: give its passphrase in ipsec.secrets "
			 "(: RSA %s \"passphrase\"); skipped here", path, path);
		return 0;
	}
	if (rc < 0) {
		log_warn("%s; skipped", err);
		return 0;
	}
	if (grow(&s->keys, s->nkeys, sizeof(*s->keys)) < 0 ||
	    !(s->keys[s->nkeys].file = strdup(path))) {
		crypto_privkey_unref(key);
		return -ENOMEM;
	}
	s->keys[s->nkeys++].key = key;
	return 0;
}

/* Each end certificate gets the private key of its public key, if there is one. */
static void pair_keys(struct cert_store *s, const struct secrets *secrets)
{
	for (size_t i = 0; i < s->ncerts; i++) {
		struct cert_store_cert *c = &s->certs[i];
		struct crypto_pubkey *pub = crypto_cert_pubkey(c->cert);
		const struct secret *e;

		crypto_privkey_unref(c->key);
		free(c->key_from);
		c->key = NULL;
		c->key_from = NULL;
		if (!pub)
			continue;
		for (size_t k = 0; k < s->nkeys && !c->key; k++) {
			if (crypto_privkey_matches(s->keys[k].key, pub)) {
				c->key = crypto_privkey_ref(s->keys[k].key);
				c->key_from = strdup(s->keys[k].file);
			}
		}
		e = c->key ? NULL : secrets_find_privkey_of(secrets, pub);
		if (e) {
			c->key = crypto_privkey_ref(secrets_entry_privkey(e));
			c->key_from = strdup(secrets_entry_keyfile(e));
		}
	}
}

static int build_trust(struct cert_store *s)
{
	struct crypto_trust *t = crypto_trust_new();

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < s->ncas; i++) {
		int rc = crypto_trust_add_ca(t, s->cas[i].cert);

		if (rc == -ENOMEM) {
			crypto_trust_unref(t);
			return rc;
		}
	}
	/* a CRL of an intermediate (not an anchor) is as useful as an anchor's */
	for (size_t i = 0; i < s->ncrls; i++) {
		int rc = crypto_trust_add_crl(t, s->crls[i].crl);

		if (rc == -ENOMEM) {
			crypto_trust_unref(t);
			return rc;
		}
	}
	crypto_trust_seal(t);
	crypto_trust_unref(s->trust);
	s->trust = t;
	return 0;
}

/* The P12 entries of the secrets become end certificates named after their files. */
static int take_secrets(struct cert_store *s, const struct secrets *secrets)
{
	for (size_t i = 0; i < secrets_count(secrets); i++) {
		const struct secret *e = secrets_entry_at(secrets, i);
		struct crypto_cert *const *cas;
		struct cert_store_cert *c;
		size_t ncas;

		if (!secrets_entry_is_supported(e) || !secrets_entry_cert(e))
			continue;
		if (grow(&s->certs, s->ncerts, sizeof(*s->certs)) < 0)
			return -ENOMEM;
		c = &s->certs[s->ncerts];
		memset(c, 0, sizeof(*c));
		c->from_secrets = true;
		c->name = base_name(secrets_entry_keyfile(e));
		c->file = strdup(secrets_entry_keyfile(e));
		if (!c->name || !c->file) {
			free(c->name);
			free(c->file);
			return -ENOMEM;
		}
		c->cert = crypto_cert_ref(secrets_entry_cert(e));
		cas = secrets_entry_cas(e, &ncas);
		for (size_t k = 0; k < ncas && c->nchain < CERT_STORE_CHAIN_MAX; k++)
			c->chain[c->nchain++] = crypto_cert_ref(cas[k]);
		s->ncerts++;
	}
	return 0;
}

int cert_store_read_certs(struct cert_store *s, const struct secrets *secrets)
{
	int rc;

	drop_certs(s, false);
	drop_cas(s);
	drop_keys(s);
	rc = each_file(s, "certs", add_cert);
	if (rc == 0)
		rc = each_file(s, "cacerts", add_ca);
	if (rc == 0)
		rc = each_file(s, "private", add_key);
	if (rc < 0)
		return rc;
	pair_keys(s, secrets);
	log_info("%s: loaded %zu certificate%s, %zu CA certificate%s, %zu private key%s",
		 s->dir, s->ncerts, s->ncerts == 1 ? "" : "s", s->ncas, s->ncas == 1 ? "" : "s",
		 s->nkeys, s->nkeys == 1 ? "" : "s");
	return build_trust(s);
}

int cert_store_read_crls(struct cert_store *s, time_t now)
{
	int rc;

	drop_crls(s);
	rc = each_file(s, "crls", add_crl);
	if (rc < 0)
		return rc;
	s->crls_read = now;
	for (size_t i = 0; i < s->ncrls; i++) {
		time_t next = crypto_crl_next_update(s->crls[i].crl);
		char issuer[512];

		if (next && next < now)
			log_warn("%s: the CRL of '%s' is past its next update", s->crls[i].file,
				 crypto_crl_issuer_str(s->crls[i].crl, issuer, sizeof(issuer)));
	}
	return build_trust(s);
}

int cert_store_sync_secrets(struct cert_store *s, const struct secrets *secrets)
{
	int rc;

	drop_certs(s, true);
	rc = take_secrets(s, secrets);
	pair_keys(s, secrets);
	return rc;
}

const struct cert_store_cert *cert_store_find(const struct cert_store *s, const char *name)
{
	for (size_t i = 0; i < s->ncerts; i++) {
		const char *slash = strrchr(s->certs[i].file, '/');

		if (!strcmp(s->certs[i].name, name) ||
		    !strcmp(slash ? slash + 1 : s->certs[i].file, name))
			return &s->certs[i];
	}
	return NULL;
}

int cert_store_add_pubkey(struct cert_store *s, const struct ike_id *id,
			  struct crypto_pubkey *key, bool replace, time_t now)
{
	if (replace) {
		size_t n = 0;

		for (size_t i = 0; i < s->npubs; i++) {
			if (ike_id_eq(&s->pubs[i].id, id))
				crypto_pubkey_unref(s->pubs[i].key);
			else
				s->pubs[n++] = s->pubs[i];
		}
		s->npubs = n;
	}
	if (s->npubs >= CERT_STORE_PUBKEYS_MAX)
		return -E2BIG;
	if (grow(&s->pubs, s->npubs, sizeof(*s->pubs)) < 0)
		return -ENOMEM;
	s->pubs[s->npubs].id = *id;
	s->pubs[s->npubs].key = crypto_pubkey_ref(key);
	s->pubs[s->npubs].installed = now;
	s->npubs++;
	return 0;
}
