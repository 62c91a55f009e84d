/* SPDX-License-Identifier: BSD-2-Clause */
/* The certificate store (ctl/certs.h): directories, pairing, names, raw keys. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crypto/crypto.h"
#include "ctl/certs.h"
#include "ctl/secrets.h"
#include "ctl/secrets_load.h"
#include "util/log.h"

#include "lib/certgen.h"

static char dir[64];

static void setup(void)
{
	struct log_config lc = { .dest = LOG_DEST_FILE, .file = "/dev/null", .no_time = true };

	cr_assert_eq(crypto_init(), 0);
	cr_assert_eq(log_init(&lc), 0);
	snprintf(dir, sizeof(dir), "/tmp/skua-certs-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	log_fini();
	crypto_fini();
}

TestSuite(certs, .init = setup, .fini = teardown, .timeout = 60);

static const char *at(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

Test(certs, missing_directory_is_empty)
{
	struct cert_store s;

	cert_store_init(&s, "/nonexistent/ipsec.d");
	cr_assert_eq(cert_store_read_certs(&s, NULL), 0);
	cr_assert_eq(cert_store_read_crls(&s, time(NULL)), 0);
	cr_assert_eq(s.ncerts + s.ncas + s.ncrls + s.nkeys, 0);
	cr_assert_not_null(s.trust, "an empty, usable trust set");
	cr_assert_null(cert_store_find(&s, "east"));
	cert_store_fini(&s);
}

Test(certs, directories_pairing_and_names)
{
	EVP_PKEY *cak = cg_key("p256"), *ek = cg_key("p256"), *wk = cg_key("ed25519");
	X509 *ca = cg_cert(&(struct cg_spec){ .subject = "CN=CA", .key = cak, .ca = true });
	X509 *east = cg_cert(&(struct cg_spec){ .subject = "CN=east", .key = ek, .issuer = ca,
						.issuer_key = cak });
	X509 *west = cg_cert(&(struct cg_spec){ .subject = "CN=west", .key = wk, .issuer = ca,
						.issuer_key = cak });
	long serial = 99;
	X509_CRL *crl = cg_crl(ca, cak, &serial, 1, -60, 3600);
	struct secrets *sec = NULL;
	const struct cert_store_cert *c;
	struct cert_store s;
	char err[512];
	BIO *b;

	mkdir(at("certs"), 0755);
	mkdir(at("cacerts"), 0755);
	mkdir(at("private"), 0700);
	mkdir(at("crls"), 0755);
	/* east.pem carries the CA after it: an intermediate to send */
	b = BIO_new_file(at("certs/east.pem"), "wb");
	PEM_write_bio_X509(b, east);
	PEM_write_bio_X509(b, ca);
	BIO_free(b);
	cg_write_cert(at("certs/west.der"), west, false);
	cg_write_cert(at("certs/.hidden.pem"), west, true);
	cg_write_cert(at("cacerts/ca.der"), ca, false);
	cg_write_cert(at("cacerts/not-a-ca.pem"), west, true);
	cg_write_key(at("private/east.key"), ek, true, 0600);
	cg_write_crl(at("crls/ca.crl"), crl, true);
	{
		FILE *f = fopen(at("certs/junk.pem"), "w");

		fputs("not a certificate\n", f);
		fclose(f);
	}
	/* west's key only in the secrets */
	cg_write_key(at("west.key"), wk, true, 0600);
	{
		FILE *f = fopen(at("ipsec.secrets"), "w");

		fprintf(f, "@west : ECDSA %s\n", at("west.key"));
		fclose(f);
	}
	cr_assert_eq(secrets_load(at("ipsec.secrets"), &sec, err, sizeof(err)), 0, "%s", err);

	cert_store_init(&s, dir);
	cr_assert_eq(cert_store_read_certs(&s, sec), 0);
	cr_assert_eq(cert_store_read_crls(&s, time(NULL)), 0);
	cr_assert_eq(s.ncerts, 2, "east and west; junk and the hidden file skipped");
	cr_assert_eq(s.ncas, 2);
	cr_assert_eq(s.nkeys, 1);
	cr_assert_eq(s.ncrls, 1);
	cr_assert_eq(crypto_trust_ca_count(s.trust), 2);
	cr_assert_eq(crypto_trust_crl_count(s.trust), 1);

	c = cert_store_find(&s, "east");
	cr_assert_not_null(c);
	cr_assert_eq(cert_store_find(&s, "east.pem"), c);
	cr_assert_eq(c->nchain, 1);
	cr_assert_not_null(c->key);
	cr_assert_str_eq(c->key_from, at("private/east.key"));
	c = cert_store_find(&s, "west");
	cr_assert_not_null(c);
	cr_assert_not_null(c->key, "paired with the secrets' key");
	cr_assert_str_eq(c->key_from, at("west.key"));
	cr_assert_null(cert_store_find(&s, "west.pem"));
	cr_assert_null(cert_store_find(&s, "junk"));

	/* the secrets go: west loses its key, east keeps its own */
	secrets_free(sec);
	sec = NULL;
	cr_assert_eq(cert_store_sync_secrets(&s, NULL), 0);
	cr_assert_null(cert_store_find(&s, "west")->key);
	cr_assert_not_null(cert_store_find(&s, "east")->key);

	/* verify through the store's trust set */
	{
		struct crypto_cert *leaf = cg_wrap(east);
		struct crypto_verify_opts o = { .crl_strict = true };
		struct crypto_verify_result r;

		cr_assert_eq(crypto_trust_verify(s.trust, leaf, NULL, 0, &o, &r), 0, "%s", r.why);
		crypto_cert_unref(leaf);
	}
	cert_store_fini(&s);
	X509_CRL_free(crl);
	X509_free(ca);
	X509_free(east);
	X509_free(west);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ek);
	EVP_PKEY_free(wk);
}

Test(certs, raw_public_keys)
{
	struct crypto_privkey *a = NULL, *b = NULL;
	struct crypto_pubkey *pa = NULL, *pb = NULL;
	struct ike_id peer, other;
	struct cert_store s;

	cr_assert_eq(ike_id_parse("@peer", &peer, NULL, 0), 0);
	cr_assert_eq(ike_id_parse("@other", &other, NULL, 0), 0);
	cr_assert_eq(crypto_privkey_generate(CRYPTO_KEY_ED25519, 0, &a), 0);
	cr_assert_eq(crypto_privkey_generate(CRYPTO_KEY_ED25519, 0, &b), 0);
	cr_assert_eq(crypto_privkey_public(a, &pa), 0);
	cr_assert_eq(crypto_privkey_public(b, &pb), 0);
	cert_store_init(&s, dir);
	cr_assert_eq(cert_store_add_pubkey(&s, &peer, pa, true, 1), 0);
	cr_assert_eq(cert_store_add_pubkey(&s, &other, pa, true, 1), 0);
	cr_assert_eq(cert_store_add_pubkey(&s, &peer, pb, false, 2), 0);
	cr_assert_eq(s.npubs, 3, "--addkey adds");
	cr_assert_eq(cert_store_add_pubkey(&s, &peer, pb, true, 3), 0);
	cr_assert_eq(s.npubs, 2, "without --addkey the keys of that ID are replaced");
	cr_assert(ike_id_eq(&s.pubs[0].id, &other));
	cr_assert(crypto_pubkey_eq(s.pubs[1].key, pb));
	cert_store_fini(&s);
	crypto_pubkey_unref(pa);
	crypto_pubkey_unref(pb);
	crypto_privkey_unref(a);
	crypto_privkey_unref(b);
}
