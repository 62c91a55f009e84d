/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * X.509 (crypto/x509.h, crypto/trust.h) with chains made at test time:
 * valid, expired, not yet valid, wrong CA, revoked, missing intermediate,
 * key usage, --ca, CRL strictness; IDs against subjects and
 * subjectAltNames; files (PEM, DER, bundles, PKCS#12).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/dn.h"
#include "crypto/sig.h"
#include "crypto/trust.h"
#include "crypto/x509.h"
#include "ike/v2/types.h"

#include "lib/certgen.h"

static char dir[64];

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/skua-x509-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	crypto_fini();
}

TestSuite(x509, .init = setup, .fini = teardown);

/* A root, an intermediate and a leaf, all with keys of one kind. */
struct chain {
	EVP_PKEY *root_key, *inter_key, *leaf_key;
	X509 *root, *inter, *leaf;
};

static void make_chain(struct chain *c, const char *kind, const char *leaf_dn,
		       const char *leaf_san)
{
	c->root_key = cg_key(kind);
	c->inter_key = cg_key(kind);
	c->leaf_key = cg_key(kind);
	c->root = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua Test, CN=Root CA",
					     .key = c->root_key, .ca = true, .serial = 1 });
	c->inter = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua Test, CN=Intermediate CA",
					      .key = c->inter_key, .issuer = c->root,
					      .issuer_key = c->root_key, .ca = true, .serial = 2 });
	c->leaf = cg_cert(&(struct cg_spec){ .subject = leaf_dn, .key = c->leaf_key,
					     .issuer = c->inter, .issuer_key = c->inter_key,
					     .san = leaf_san, .ku = "digitalSignature",
					     .serial = 3 });
}

static void free_chain(struct chain *c)
{
	X509_free(c->root);
	X509_free(c->inter);
	X509_free(c->leaf);
	EVP_PKEY_free(c->root_key);
	EVP_PKEY_free(c->inter_key);
	EVP_PKEY_free(c->leaf_key);
}

static struct crypto_trust *trust_of(X509 *ca, X509_CRL *const *crls, size_t ncrls)
{
	struct crypto_trust *t = crypto_trust_new();
	struct crypto_cert *c = cg_wrap(ca);

	cr_assert_not_null(t);
	cr_assert_eq(crypto_trust_add_ca(t, c), 0);
	cr_assert_eq(crypto_trust_add_ca(t, c), -EEXIST);
	crypto_cert_unref(c);
	for (size_t i = 0; i < ncrls; i++) {
		struct crypto_crl *crl = cg_wrap_crl(crls[i]);

		cr_assert_eq(crypto_trust_add_crl(t, crl), 0);
		crypto_crl_unref(crl);
	}
	crypto_trust_seal(t);
	return t;
}

/* Verify leaf with the intermediates given; returns the result code. */
static int verify(struct crypto_trust *t, X509 *leaf, X509 *inter,
		  const struct crypto_verify_opts *o, struct crypto_verify_result *r)
{
	struct crypto_cert *l = cg_wrap(leaf), *i = inter ? cg_wrap(inter) : NULL;
	struct crypto_verify_opts none = { 0 };
	struct crypto_verify_result res;
	int rc = crypto_trust_verify(t, l, &i, inter ? 1 : 0, o ? o : &none, r ? r : &res);

	crypto_cert_unref(l);
	crypto_cert_unref(i);
	return rc;
}

Test(x509, valid_chains_every_key_kind, .timeout = 120)
{
	static const char *kinds[] = { "rsa2048", "rsa3072", "p256", "p384", "ed25519" };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct chain c;
		struct crypto_trust *t;
		struct crypto_verify_result r;
		struct crypto_cert *leaf;
		int rc;

		make_chain(&c, kinds[k], "C=CH, O=Skua Test, CN=east", "DNS:east.example");
		t = trust_of(c.root, NULL, 0);
		rc = verify(t, c.leaf, c.inter, NULL, &r);
		cr_assert_eq(rc, 0, "%s: %d %s", kinds[k], rc, r.why);
		cr_assert_eq(r.depth, 3, "%s", kinds[k]);
		cr_assert_not(r.crl_missing);
		/* the leaf's key is usable for IKE signatures of its kind */
		leaf = cg_wrap(c.leaf);
		cr_assert_not_null(crypto_cert_pubkey(leaf), "%s", kinds[k]);
		cr_assert(crypto_cert_usage_ok(leaf));
		cr_assert_not(crypto_cert_is_ca(leaf));
		crypto_cert_unref(leaf);
		crypto_trust_unref(t);
		free_chain(&c);
	}
}

Test(x509, validity_periods)
{
	struct chain c;
	struct crypto_trust *t;
	struct crypto_verify_result r;
	X509 *expired, *early;

	make_chain(&c, "p256", "CN=east", NULL);
	t = trust_of(c.root, NULL, 0);
	expired = cg_cert(&(struct cg_spec){ .subject = "CN=expired", .key = c.leaf_key,
					     .issuer = c.inter, .issuer_key = c.inter_key,
					     .not_before = -7200, .not_after = -60 });
	early = cg_cert(&(struct cg_spec){ .subject = "CN=early", .key = c.leaf_key,
					   .issuer = c.inter, .issuer_key = c.inter_key,
					   .not_before = 3600, .not_after = 7200 });
	cr_assert_eq(verify(t, expired, c.inter, NULL, &r), -EKEYEXPIRED);
	cr_assert(strstr(r.why, "CN=expired") && strstr(r.why, "expired"), "%s", r.why);
	cr_assert_eq(verify(t, early, c.inter, NULL, &r), -EKEYEXPIRED);
	cr_assert(strstr(r.why, "not yet valid"), "%s", r.why);
	/* the same certificates at a time inside their periods */
	{
		struct crypto_verify_opts o = { .now = time(NULL) - 1800 };

		cr_assert_eq(verify(t, expired, c.inter, &o, &r), 0, "%s", r.why);
		o.now = time(NULL) + 5400;
		cr_assert_eq(verify(t, early, c.inter, &o, &r), 0, "%s", r.why);
		/* ... but the intermediate is only valid for a day */
		o.now = time(NULL) + 2 * 86400;
		cr_assert_eq(verify(t, c.leaf, c.inter, &o, &r), -EKEYEXPIRED);
	}
	X509_free(expired);
	X509_free(early);
	crypto_trust_unref(t);
	free_chain(&c);
}

Test(x509, wrong_ca_and_missing_intermediate)
{
	struct chain c, other;
	struct crypto_trust *t;
	struct crypto_verify_result r;

	make_chain(&c, "p256", "CN=east", NULL);
	make_chain(&other, "p256", "CN=west", NULL);
	t = trust_of(c.root, NULL, 0);
	/* a chain to another root with the same name */
	cr_assert_eq(verify(t, other.leaf, other.inter, NULL, &r), -EKEYREJECTED);
	cr_assert(strlen(r.why) > 0);
	/* the intermediate not sent */
	cr_assert_eq(verify(t, c.leaf, NULL, NULL, &r), -EKEYREJECTED);
	cr_assert(strstr(r.why, "unable to get local issuer"), "%s", r.why);
	/* an intermediate among the anchors is trusted as one */
	crypto_trust_unref(t);
	t = trust_of(c.inter, NULL, 0);
	cr_assert_eq(verify(t, c.leaf, NULL, NULL, &r), 0, "%s", r.why);
	cr_assert_eq(r.depth, 2);
	crypto_trust_unref(t);
	/* a leaf (CA:FALSE) cannot issue */
	{
		X509 *bad = cg_cert(&(struct cg_spec){ .subject = "CN=child", .key = c.leaf_key,
						       .issuer = c.leaf, .issuer_key = c.leaf_key });
		struct crypto_cert *l = cg_wrap(bad), *i[2] = { cg_wrap(c.leaf), cg_wrap(c.inter) };
		struct crypto_verify_opts o = { 0 };

		t = trust_of(c.root, NULL, 0);
		cr_assert_eq(crypto_trust_verify(t, l, i, 2, &o, &r), -EKEYREJECTED);
		cr_assert(strstr(r.why, "CA"), "%s", r.why);
		crypto_cert_unref(l);
		crypto_cert_unref(i[0]);
		crypto_cert_unref(i[1]);
		X509_free(bad);
		crypto_trust_unref(t);
	}
	free_chain(&c);
	free_chain(&other);
}

Test(x509, crls)
{
	struct chain c;
	struct crypto_trust *t;
	struct crypto_verify_result r;
	struct crypto_verify_opts strict = { .crl_strict = true };
	long leaf_serial = 3, other_serial = 99, inter_serial = 2;
	X509_CRL *crls[2];

	make_chain(&c, "p256", "CN=east", NULL);

	/* revoked by the intermediate's CRL */
	crls[0] = cg_crl(c.inter, c.inter_key, &leaf_serial, 1, -60, 3600);
	t = trust_of(c.root, crls, 1);
	cr_assert_eq(verify(t, c.leaf, c.inter, NULL, &r), -EKEYREVOKED);
	cr_assert(strstr(r.why, "revoked"), "%s", r.why);
	crypto_trust_unref(t);
	X509_CRL_free(crls[0]);

	/* another serial revoked: fine; the root has no CRL (non-strict: noted) */
	crls[0] = cg_crl(c.inter, c.inter_key, &other_serial, 1, -60, 3600);
	t = trust_of(c.root, crls, 1);
	cr_assert_eq(verify(t, c.leaf, c.inter, NULL, &r), 0, "%s", r.why);
	cr_assert(r.crl_missing);
	/* strict: the intermediate itself needs the root's CRL */
	cr_assert_eq(verify(t, c.leaf, c.inter, &strict, &r), -EKEYREJECTED);
	cr_assert(strstr(r.why, "CRL"), "%s", r.why);
	crypto_trust_unref(t);

	/* strict with both CRLs (the self-signed root needs none) */
	crls[1] = cg_crl(c.root, c.root_key, &other_serial, 1, -60, 3600);
	t = trust_of(c.root, crls, 2);
	cr_assert_eq(verify(t, c.leaf, c.inter, &strict, &r), 0, "%s", r.why);
	cr_assert_not(r.crl_missing);
	crypto_trust_unref(t);
	X509_CRL_free(crls[1]);

	/* the intermediate revoked by the root */
	crls[1] = cg_crl(c.root, c.root_key, &inter_serial, 1, -60, 3600);
	t = trust_of(c.root, crls, 2);
	cr_assert_eq(verify(t, c.leaf, c.inter, NULL, &r), -EKEYREVOKED);
	cr_assert(strstr(r.why, "Intermediate CA"), "%s", r.why);
	crypto_trust_unref(t);
	X509_CRL_free(crls[1]);
	X509_CRL_free(crls[0]);

	/* a stale CRL: accepted with a note, refused when strict */
	crls[0] = cg_crl(c.inter, c.inter_key, &other_serial, 1, -7200, -3600);
	crls[1] = cg_crl(c.root, c.root_key, &other_serial, 1, -60, 3600);
	t = trust_of(c.root, crls, 2);
	cr_assert_eq(verify(t, c.leaf, c.inter, NULL, &r), 0, "%s", r.why);
	cr_assert(r.crl_stale);
	cr_assert_eq(verify(t, c.leaf, c.inter, &strict, &r), -EKEYEXPIRED);
	crypto_trust_unref(t);
	X509_CRL_free(crls[0]);

	/* a CRL signed by someone else than its issuer is no CRL */
	crls[0] = cg_crl(c.inter, c.leaf_key, &leaf_serial, 1, -60, 3600);
	t = trust_of(c.root, crls, 2);
	cr_assert_eq(verify(t, c.leaf, c.inter, NULL, &r), -EKEYREJECTED);
	cr_assert(strstr(r.why, "CRL signature"), "%s", r.why);
	crypto_trust_unref(t);
	X509_CRL_free(crls[0]);
	X509_CRL_free(crls[1]);
	free_chain(&c);
}

Test(x509, key_usage_and_ca_constraint)
{
	struct chain c;
	struct crypto_trust *t;
	struct crypto_verify_result r;
	uint8_t dn[CRYPTO_DN_MAX];
	int n;
	X509 *enc_only;

	make_chain(&c, "p256", "CN=east", NULL);
	t = trust_of(c.root, NULL, 0);
	enc_only = cg_cert(&(struct cg_spec){ .subject = "CN=enc", .key = c.leaf_key,
					      .issuer = c.inter, .issuer_key = c.inter_key,
					      .ku = "keyEncipherment" });
	cr_assert_eq(verify(t, enc_only, c.inter, NULL, &r), -EKEYREJECTED);
	cr_assert(strstr(r.why, "digitalSignature"), "%s", r.why);
	X509_free(enc_only);

	/* --ca: the intermediate, the root, a pattern, and a CA not on the path */
	n = crypto_dn_parse("C=CH, O=Skua Test, CN=Intermediate CA", dn, sizeof(dn), NULL, 0);
	cr_assert_eq(verify(t, c.leaf, c.inter,
			    &(struct crypto_verify_opts){ .ca_dn = dn, .ca_dn_len = (size_t)n },
			    &r), 0, "%s", r.why);
	n = crypto_dn_parse("C=CH, O=Skua Test, CN=Root CA", dn, sizeof(dn), NULL, 0);
	cr_assert_eq(verify(t, c.leaf, c.inter,
			    &(struct crypto_verify_opts){ .ca_dn = dn, .ca_dn_len = (size_t)n },
			    &r), 0, "%s", r.why);
	cr_assert(crypto_trust_has_ca(t, dn, (size_t)n));
	n = crypto_dn_parse("C=CH, O=Skua Test, CN=*", dn, sizeof(dn), NULL, 0);
	cr_assert_eq(verify(t, c.leaf, c.inter,
			    &(struct crypto_verify_opts){ .ca_dn = dn, .ca_dn_len = (size_t)n },
			    &r), 0, "%s", r.why);
	n = crypto_dn_parse("C=CH, O=Skua Test, CN=Other CA", dn, sizeof(dn), NULL, 0);
	cr_assert_eq(verify(t, c.leaf, c.inter,
			    &(struct crypto_verify_opts){ .ca_dn = dn, .ca_dn_len = (size_t)n },
			    &r), -EACCES);
	cr_assert(strstr(r.why, "CN=Other CA"), "%s", r.why);
	cr_assert_not(crypto_trust_has_ca(t, dn, (size_t)n));
	/* the leaf's own subject is no CA */
	n = crypto_dn_parse("CN=east", dn, sizeof(dn), NULL, 0);
	cr_assert_eq(verify(t, c.leaf, c.inter,
			    &(struct crypto_verify_opts){ .ca_dn = dn, .ca_dn_len = (size_t)n },
			    &r), -EACCES);
	crypto_trust_unref(t);
	free_chain(&c);
}

static bool id_match(struct crypto_cert *c, uint8_t type, const char *text)
{
	uint8_t buf[CRYPTO_DN_MAX];
	size_t len = strlen(text);

	switch (type) {
	case V2_ID_DER_ASN1_DN:
		len = (size_t)crypto_dn_parse(text, buf, sizeof(buf), NULL, 0);
		break;
	case V2_ID_IPV4_ADDR:
		cr_assert_eq(inet_pton(AF_INET, text, buf), 1);
		len = 4;
		break;
	case V2_ID_IPV6_ADDR:
		cr_assert_eq(inet_pton(AF_INET6, text, buf), 1);
		len = 16;
		break;
	default:
		memcpy(buf, text, len);
		break;
	}
	return crypto_cert_matches_id(c, type, buf, len);
}

Test(x509, ids)
{
	EVP_PKEY *k = cg_key("p256");
	X509 *x = cg_cert(&(struct cg_spec){
		.subject = "C=CH, O=Skua Test, CN=east.example", .key = k,
		.san = "DNS:east.example,DNS:vpn.example,IP:192.0.2.23,IP:2001:db8::23,"
		       "email:east@example.org" });
	struct crypto_cert *c = cg_wrap(x);

	/* subject DN, in other spellings and as a pattern */
	cr_assert(id_match(c, V2_ID_DER_ASN1_DN, "C=CH, O=Skua Test, CN=east.example"));
	cr_assert(id_match(c, V2_ID_DER_ASN1_DN, "c=ch,o=skua test,cn=EAST.example"));
	cr_assert(id_match(c, V2_ID_DER_ASN1_DN, "C=CH, O=Skua Test, CN=*"));
	cr_assert_not(id_match(c, V2_ID_DER_ASN1_DN, "C=CH, O=Skua Test, CN=west.example"));
	cr_assert_not(id_match(c, V2_ID_DER_ASN1_DN, "C=CH, CN=east.example"));
	/* subjectAltNames */
	cr_assert(id_match(c, V2_ID_FQDN, "east.example"));
	cr_assert(id_match(c, V2_ID_FQDN, "VPN.Example"));
	cr_assert_not(id_match(c, V2_ID_FQDN, "west.example"));
	cr_assert_not(id_match(c, V2_ID_FQDN, "east.example."));
	cr_assert(id_match(c, V2_ID_IPV4_ADDR, "192.0.2.23"));
	cr_assert_not(id_match(c, V2_ID_IPV4_ADDR, "192.0.2.24"));
	cr_assert(id_match(c, V2_ID_IPV6_ADDR, "2001:db8::23"));
	cr_assert_not(id_match(c, V2_ID_IPV6_ADDR, "2001:db8::24"));
	cr_assert(id_match(c, V2_ID_RFC822_ADDR, "east@example.org"));
	cr_assert_not(id_match(c, V2_ID_RFC822_ADDR, "west@example.org"));
	/* the CN is not a dNSName: only the SAN counts (RFC 4945 3.1) */
	{
		X509 *nosan = cg_cert(&(struct cg_spec){ .subject = "CN=only.cn.example", .key = k });
		struct crypto_cert *n = cg_wrap(nosan);

		cr_assert_not(id_match(n, V2_ID_FQDN, "only.cn.example"));
		crypto_cert_unref(n);
		X509_free(nosan);
	}
	/* types that never match, and an empty ID */
	cr_assert_not(id_match(c, V2_ID_KEY_ID, "east"));
	cr_assert_not(crypto_cert_matches_id(c, V2_ID_FQDN, (const uint8_t *)"", 0));
	crypto_cert_unref(c);
	X509_free(x);
	EVP_PKEY_free(k);
}

struct sans {
	char text[512];
};

static void collect(void *arg, const char *kind, const char *value)
{
	struct sans *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%s%s:%s", n ? "," : "", kind, value);
}

Test(x509, accessors)
{
	EVP_PKEY *k = cg_key("ed25519");
	X509 *x = cg_cert(&(struct cg_spec){ .subject = "C=CH, CN=acc", .key = k, .ca = true,
					     .serial = 0x0207b57f2ca8,
					     .san = "DNS:a.example,IP:192.0.2.1,email:a@b.c" });
	struct crypto_cert *c = cg_wrap(x);
	char buf[256];
	struct sans s = { "" };
	time_t now = time(NULL);

	cr_assert_str_eq(crypto_cert_subject_str(c, buf, sizeof(buf)), "C=CH, CN=acc");
	cr_assert_str_eq(crypto_cert_issuer_str(c, buf, sizeof(buf)), "C=CH, CN=acc");
	cr_assert_str_eq(crypto_cert_serial_str(c, buf, sizeof(buf)), "0x0207b57f2ca8");
	cr_assert(crypto_cert_not_before(c) <= now - 3500 && crypto_cert_not_before(c) >= now - 3700);
	cr_assert(crypto_cert_not_after(c) >= now + 86300);
	cr_assert(crypto_cert_is_ca(c));
	cr_assert(crypto_cert_is_self_signed(c));
	cr_assert(crypto_cert_issued_by(c, c));
	crypto_cert_san_foreach(c, collect, &s);
	cr_assert_str_eq(s.text, "DNS:a.example,IP:192.0.2.1,email:a@b.c");
	cr_assert_eq(crypto_pubkey_kind(crypto_cert_pubkey(c)), CRYPTO_KEY_ED25519);
	crypto_cert_unref(c);
	X509_free(x);
	EVP_PKEY_free(k);
}

Test(x509, untrusted_der)
{
	EVP_PKEY *k = cg_key("p256");
	X509 *x = cg_cert(&(struct cg_spec){ .subject = "CN=x", .key = k });
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	uint8_t *buf = malloc((size_t)n + 1);
	struct crypto_cert *c = NULL;
	size_t len;

	memcpy(buf, der, (size_t)n);
	cr_assert_eq(crypto_cert_from_der(buf, (size_t)n, &c), 0);
	cr_assert_arr_eq(crypto_cert_der(c, &len), der, (size_t)n);
	cr_assert_eq(len, (size_t)n);
	crypto_cert_unref(c);
	for (int cut = 0; cut < n; cut += 7)
		cr_assert_eq(crypto_cert_from_der(buf, (size_t)cut, &c), -EBADMSG, "%d", cut);
	buf[n] = 0;
	cr_assert_eq(crypto_cert_from_der(buf, (size_t)n + 1, &c), -EBADMSG);
	cr_assert_null(c);
	free(buf);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
}

static const char *path_of(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

Test(x509, files)
{
	struct chain c;
	struct crypto_cert *out[4] = { 0 };
	struct crypto_crl *crl = NULL;
	char err[256], buf[256];
	long serial = 3;
	X509_CRL *x;
	BIO *b;
	int n;

	make_chain(&c, "p256", "CN=east", NULL);
	cg_write_cert(path_of("leaf.der"), c.leaf, false);
	cg_write_cert(path_of("leaf.pem"), c.leaf, true);
	/* a bundle: intermediate then root, with other PEM blocks between */
	b = BIO_new_file(path_of("bundle.pem"), "wb");
	PEM_write_bio_X509(b, c.inter);
	PEM_write_bio_PrivateKey(b, c.leaf_key, NULL, NULL, 0, NULL, NULL);
	PEM_write_bio_X509(b, c.root);
	BIO_free(b);

	n = crypto_cert_load_file(path_of("leaf.der"), out, 4, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	cr_assert_str_eq(crypto_cert_subject_str(out[0], buf, sizeof(buf)), "CN=east");
	crypto_cert_unref(out[0]);
	n = crypto_cert_load_file(path_of("leaf.pem"), out, 4, err, sizeof(err));
	cr_assert_eq(n, 1, "%s", err);
	crypto_cert_unref(out[0]);
	n = crypto_cert_load_file(path_of("bundle.pem"), out, 4, err, sizeof(err));
	cr_assert_eq(n, 2, "%s", err);
	cr_assert_str_eq(crypto_cert_subject_str(out[1], buf, sizeof(buf)),
			 "C=CH, O=Skua Test, CN=Root CA");
	crypto_cert_unref(out[0]);
	crypto_cert_unref(out[1]);
	cr_assert_eq(crypto_cert_load_file(path_of("bundle.pem"), out, 1, err, sizeof(err)), -E2BIG);
	cr_assert_null(out[0]);
	/* not a certificate */
	cg_write_key(path_of("key.pem"), c.leaf_key, true, 0600);
	cr_assert_eq(crypto_cert_load_file(path_of("key.pem"), out, 4, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "not an X.509 certificate"), "%s", err);
	cr_assert_eq(crypto_cert_load_file(path_of("missing"), out, 4, err, sizeof(err)), -ENOENT);

	/* CRLs, PEM and DER */
	x = cg_crl(c.inter, c.inter_key, &serial, 1, -60, 3600);
	cg_write_crl(path_of("crl.pem"), x, true);
	cg_write_crl(path_of("crl.der"), x, false);
	cr_assert_eq(crypto_crl_load_file(path_of("crl.pem"), &crl, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(crypto_crl_issuer_str(crl, buf, sizeof(buf)),
			 "C=CH, O=Skua Test, CN=Intermediate CA");
	cr_assert_eq(crypto_crl_revoked_count(crl), 1);
	cr_assert(crypto_crl_next_update(crl) > crypto_crl_this_update(crl));
	crypto_crl_unref(crl);
	cr_assert_eq(crypto_crl_load_file(path_of("crl.der"), &crl, err, sizeof(err)), 0, "%s", err);
	crypto_crl_unref(crl);
	cr_assert_eq(crypto_crl_load_file(path_of("leaf.der"), &crl, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "not a CRL"), "%s", err);
	X509_CRL_free(x);
	free_chain(&c);
}

Test(x509, pkcs12)
{
	struct chain c;
	struct crypto_privkey *key = NULL;
	struct crypto_cert *cert = NULL, *cas[4];
	size_t ncas = 9;
	char err[256], buf[256];

	make_chain(&c, "rsa2048", "CN=east", NULL);
	cg_write_p12(path_of("east.p12"), c.leaf_key, c.leaf, c.inter, "s3cret", 0600);
	cr_assert_eq(crypto_p12_load_file(path_of("east.p12"), "s3cret", &key, &cert, cas, 4, &ncas,
					  err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ncas, 1);
	cr_assert_str_eq(crypto_cert_subject_str(cert, buf, sizeof(buf)), "CN=east");
	cr_assert_str_eq(crypto_cert_subject_str(cas[0], buf, sizeof(buf)),
			 "C=CH, O=Skua Test, CN=Intermediate CA");
	cr_assert(crypto_privkey_matches(key, crypto_cert_pubkey(cert)));
	/* the key signs what the certificate's key verifies */
	{
		struct crypto_sig_scheme s = crypto_sig_scheme(CRYPTO_SIG_RSA_PSS, V2_HASH_SHA2_256);
		uint8_t sig[512];
		int n = crypto_sign(key, &s, (const uint8_t *)"m", 1, sig, sizeof(sig));

		cr_assert_eq(n, 256);
		cr_assert_eq(crypto_verify(crypto_cert_pubkey(cert), &s, (const uint8_t *)"m", 1,
					   sig, (size_t)n), 0);
	}
	crypto_privkey_unref(key);
	crypto_cert_unref(cert);
	crypto_cert_unref(cas[0]);

	cr_assert_eq(crypto_p12_load_file(path_of("east.p12"), "wrong", &key, &cert, cas, 4, &ncas,
					  err, sizeof(err)), -EACCES);
	cr_assert(strstr(err, "passphrase"), "%s", err);
	cr_assert_null(key);
	cr_assert_null(cert);
	cr_assert_eq(ncas, 0);
	cr_assert_eq(chmod(path_of("east.p12"), 0644), 0);
	cr_assert_eq(crypto_p12_load_file(path_of("east.p12"), "s3cret", &key, &cert, cas, 4, &ncas,
					  err, sizeof(err)), -EPERM);
	cr_assert(strstr(err, "0644"), "%s", err);
	cg_write_key(path_of("notp12"), c.leaf_key, false, 0600);
	cr_assert_eq(crypto_p12_load_file(path_of("notp12"), "s3cret", &key, &cert, cas, 4, &ncas,
					  err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "not a PKCS#12"), "%s", err);
	free_chain(&c);
}
