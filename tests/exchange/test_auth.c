/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKE_AUTH with certificates and raw keys between two in-process engines
 * (xch.h): every method both ways (RSA-PSS and PKCS#1 under RFC 7427, RSA
 * method 1, ECDSA under RFC 7427 and methods 9-11, Ed25519, Ed448),
 * asymmetric PSK/certificate, CERT/CERTREQ, --sendcert and --sendca, CRLs and
 * --crl-strict, and refusals
 * (an unknown CA, an ID the certificate does not hold, no key). The
 * certificates are made here with OpenSSL. Needs root.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/sig_alg.h"
#include "exchange/xch.h"
#include "ike/auth.h"
#include "ike/v2/exchange.h"
#include "util/impair.h"

#include "exchange/xch_pki.h"
#include "lib/certgen.h"

static void setup(void)
{
	xch_setup();
}

static void teardown(void)
{
	impair_apply("none", true, NULL, 0);
	xch_teardown();
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 60);

#define WEST "--name t --host 127.0.0.1 --id @west.example --client 10.1.0.0/16 "
#define EAST " --to --host 127.0.0.2 --id @east.example --client 10.2.0.0/16 --encrypt"

#define NATD "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"
#define SIGHASH " N(SIGNATURE_HASH_ALGORITHMS)"

/* A CA (P-256) and a certificate with its key of each kind for each side. */
static void pki_make(struct pki *k, const char *kind_west, const char *kind_east)
{
	const char *const kinds[2] = { kind_west, kind_east };

	pki_make_kinds(k, "C=CH, O=Skua, CN=Test CA", "p256", kinds);
}

/* Both sides trust the CA; each connection holds its own end's certificate and key. */
static void add_conns(struct pki *k, const char *args)
{
	for (int s = 0; s < 2; s++) {
		struct ike_end_creds creds[2] = { 0 };

		creds[s].cert = k->cert[s];
		creds[s].key = k->priv[s];
		xch_conn_add_creds((enum xch_side)s, args, creds);
		xch_set_creds((enum xch_side)s, k->trust, false, NULL, NULL, 0);
	}
}

static const char *side_name(enum xch_side s)
{
	return s == XCH_WEST ? "west" : "east";
}

static const struct xch_msg *expect(enum xch_side from, uint8_t exchange, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "%s sent nothing; expected %s", side_name(from), desc);
	cr_assert_eq(m->hdr.exchange, exchange, "%s sent exchange %u", side_name(from),
		     m->hdr.exchange);
	cr_assert_str_eq(m->desc, desc, "%s sent \"%s\", expected \"%s\"", side_name(from),
			 m->desc, desc);
	return m;
}

static uint8_t auth_method(const struct xch_msg *m)
{
	const struct v2_payload *p = xch_msg_payload(m, V2_PL_AUTH);

	cr_assert_not_null(p, "no AUTH in %s", m->desc);
	return p->u.auth.method;
}

/* The RFC 7427 AlgorithmIdentifier an AUTH payload carries, decoded. */
static struct crypto_sig_scheme auth_scheme(const struct xch_msg *m)
{
	const struct v2_payload *p = xch_msg_payload(m, V2_PL_AUTH);
	struct crypto_sig_scheme s = { 0 };

	cr_assert_eq(p->u.auth.method, V2_AUTH_DIGITAL_SIG);
	cr_assert_eq(crypto_sig_algid_decode(p->u.auth.data + 1, p->u.auth.data[0], &s), 0);
	return s;
}

static void assert_up(void)
{
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_not_null(w);
	cr_assert_not_null(e);
	cr_assert_eq(w->state, IKE_ESTABLISHED, "west in %s", ike_state_name(w->state));
	cr_assert_eq(e->state, IKE_ESTABLISHED, "east in %s", ike_state_name(e->state));
	cr_assert_not_null(w->children);
	cr_assert_not_null(e->children);
	cr_assert_eq(w->children->state, CHILD_INSTALLED);
	cr_assert_eq(e->children->spi_out, w->children->spi_in);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
}

/*
 * One certificate handshake from `from`, asserting every message: the
 * notify and CERTREQ in IKE_SA_INIT, CERT and CERTREQ in IKE_AUTH, and
 * returning the two AUTH methods seen (request, response).
 */
static void handshake(enum xch_side from, bool sighash, uint8_t methods[2],
		      struct crypto_sig_scheme schemes[2])
{
	enum xch_side to = from == XCH_WEST ? XCH_EAST : XCH_WEST;
	const struct xch_msg *m;

	xch_initiate(from, "t");
	expect(from, V2_IKE_SA_INIT, sighash ? "SA KE Ni " NATD SIGHASH : "SA KE Ni " NATD);
	expect(to, V2_IKE_SA_INIT,
	       sighash ? "SA KE Nr " NATD SIGHASH " CERTREQ" : "SA KE Nr " NATD " CERTREQ");
	m = expect(from, V2_IKE_AUTH, "SK{IDi CERT CERTREQ IDr AUTH SA TSi TSr}");
	methods[0] = auth_method(m);
	if (methods[0] == V2_AUTH_DIGITAL_SIG)
		schemes[0] = auth_scheme(m);
	m = expect(to, V2_IKE_AUTH, "SK{IDr CERT AUTH SA TSi TSr}");
	methods[1] = auth_method(m);
	if (methods[1] == V2_AUTH_DIGITAL_SIG)
		schemes[1] = auth_scheme(m);
	assert_up();
	/* the peer's ID is what it sent, checked against its certificate */
	cr_assert_eq(xch_sa(from)->ext->id_remote->type, V2_ID_FQDN);
}

/* Both directions of one key kind: methods and schemes as expected each time. */
static void both_ways(const char *kind, const char *args, bool sighash, uint8_t method,
		      uint8_t scheme_kind, uint8_t hash)
{
	struct pki k;
	uint8_t methods[2];
	struct crypto_sig_scheme schemes[2] = { 0 };

	pki_make(&k, kind, kind);
	add_conns(&k, args);
	if (!sighash)
		cr_assert_eq(impair_apply("omit-sighash-notify", true, NULL, 0), 0);
	for (int dir = 0; dir < 2; dir++) {
		enum xch_side from = dir ? XCH_EAST : XCH_WEST;

		handshake(from, sighash, methods, schemes);
		for (int i = 0; i < 2; i++) {
			cr_assert_eq(methods[i], method, "%s, %s initiating: method %u, expected %u",
				     kind, side_name(from), methods[i], method);
			if (method == V2_AUTH_DIGITAL_SIG) {
				cr_assert_eq(schemes[i].kind, scheme_kind, "%s", kind);
				cr_assert_eq(schemes[i].hash, hash, "%s", kind);
			}
		}
		ike_sa_delete(xch_sa(from), true);
		xch_run_until_quiet();
		cr_assert_eq(xch_sa_count(XCH_WEST), 0);
		cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	}
	pki_free(&k);
}

Test(auth, rsa_pss_rfc7427_both_ways)
{
	both_ways("rsa2048", WEST EAST, true, V2_AUTH_DIGITAL_SIG, CRYPTO_SIG_RSA_PSS,
		  V2_HASH_SHA2_512);
}

Test(auth, rsa_sha2_256_only)
{
	both_ways("rsa3072", WEST EAST " --rsa-sha2_256", true, V2_AUTH_DIGITAL_SIG,
		  CRYPTO_SIG_RSA_PSS, V2_HASH_SHA2_256);
}

Test(auth, rsa_method1_both_ways)
{
	/* a peer without RFC 7427 (no notify): the RSA Digital Signature of RFC 7296 */
	both_ways("rsa2048", WEST EAST, false, V2_AUTH_RSA_SIG, 0, 0);
}

Test(auth, ecdsa_rfc7427_both_ways)
{
	both_ways("p384", WEST EAST, true, V2_AUTH_DIGITAL_SIG, CRYPTO_SIG_ECDSA,
		  V2_HASH_SHA2_384);
}

Test(auth, ecdsa_methods_9_to_11)
{
	both_ways("p256", WEST EAST " --ecdsa", false, V2_AUTH_ECDSA_256, 0, 0);
}

Test(auth, ecdsa_521_method_11)
{
	both_ways("p521", WEST EAST " --ecdsa", false, V2_AUTH_ECDSA_521, 0, 0);
}

Test(auth, ed25519_both_ways)
{
	both_ways("ed25519", WEST "--authby eddsa" EAST " --authby eddsa", true,
		  V2_AUTH_DIGITAL_SIG, CRYPTO_SIG_ED25519, V2_HASH_IDENTITY);
}

Test(auth, ed448_both_ways)
{
	both_ways("ed448", WEST "--authby eddsa" EAST " --authby eddsa", true,
		  V2_AUTH_DIGITAL_SIG, CRYPTO_SIG_ED448, V2_HASH_IDENTITY);
}

/* West proves itself with the PSK, east with its certificate; from both ends. */
Test(auth, asymmetric_psk_and_certificate)
{
	struct pki k;
	const struct xch_msg *m;
	const char *args = WEST "--authby psk" EAST " --authby rsasig";

	pki_make(&k, "rsa2048", "rsa2048");
	add_conns(&k, args);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH);	/* west: no CERTREQ wanted */
	/*
	 * Not kept but built again for AUTH (ike_setup's resp_rebuilt),
	 * SIGNATURE_HASH_ALGORITHMS included, or west could not verify east's
	 * signature of it.
	 */
	cr_assert(xch_sa(XCH_EAST)->setup->resp_rebuilt);
	cr_assert_null(xch_sa(XCH_EAST)->setup->init_resp);
	m = expect(XCH_WEST, V2_IKE_AUTH, "SK{IDi CERTREQ IDr AUTH SA TSi TSr}");
	cr_assert_eq(auth_method(m), V2_AUTH_PSK);
	m = expect(XCH_EAST, V2_IKE_AUTH, "SK{IDr CERT AUTH SA TSi TSr}");
	cr_assert_eq(auth_method(m), V2_AUTH_DIGITAL_SIG);
	assert_up();
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_run_until_quiet();

	xch_initiate(XCH_EAST, "t");
	expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH " CERTREQ");
	/* with its CERTREQ, built again too (certreq_names_the_anchors_it_named_first) */
	cr_assert(xch_sa(XCH_WEST)->setup->resp_rebuilt);
	cr_assert_null(xch_sa(XCH_WEST)->setup->init_resp);
	m = expect(XCH_EAST, V2_IKE_AUTH, "SK{IDi CERT IDr AUTH SA TSi TSr}");
	cr_assert_eq(auth_method(m), V2_AUTH_DIGITAL_SIG);
	m = expect(XCH_WEST, V2_IKE_AUTH, "SK{IDr AUTH SA TSi TSr}");
	cr_assert_eq(auth_method(m), V2_AUTH_PSK);
	assert_up();
	pki_free(&k);
}

/*
 * A responder's IKE_SA_INIT response is built again rather than kept (for
 * a retransmitted request, and for its AUTH to sign), CERTREQ included: it
 * names the anchors loaded when it was first built, even after a reload
 * meanwhile (here: a second CA, which would make the CERTREQ 40 bytes). A
 * copy of west's request gets the same bytes; east's AUTH signs the bytes
 * west got, or west would refuse it.
 */
Test(auth, certreq_names_the_anchors_it_named_first)
{
	struct pki k;
	const struct xch_msg *m;
	struct crypto_trust *more = crypto_trust_new();
	EVP_PKEY *other_key = cg_key("p256");
	X509 *other = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua, CN=Other CA",
						 .key = other_key, .ca = true });
	struct crypto_cert *cas[2];
	uint8_t *req, *resp;
	size_t len, resp_len;

	pki_make(&k, "p256", "p256");
	add_conns(&k, WEST EAST);
	xch_initiate(XCH_WEST, "t");
	m = xch_drop_next(XCH_WEST);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->desc, "SA KE Ni " NATD SIGHASH);
	req = xch_msg_copy(m);
	len = m->len;
	m = xch_answer_raw(XCH_WEST, req, len);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->desc, "SA KE Nr " NATD SIGHASH " CERTREQ");
	cr_assert_eq(xch_msg_payload(m, V2_PL_CERTREQ)->u.cert.len, 20, "one CA named");
	resp = xch_msg_copy(m);
	resp_len = m->len;
	cr_assert(xch_sa(XCH_EAST)->setup->resp_rebuilt);
	cr_assert_null(xch_sa(XCH_EAST)->setup->init_resp, "the response is kept");

	/* east reloads its anchors: the test CA and another */
	cas[0] = cg_wrap(k.ca);
	cas[1] = cg_wrap(other);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(crypto_trust_add_ca(more, cas[i]), 0);
		crypto_cert_unref(cas[i]);
	}
	crypto_trust_seal(more);
	xch_set_creds(XCH_EAST, more, false, NULL, NULL, 0);

	/* the request again: the same bytes, one CA named */
	m = xch_answer_raw(XCH_WEST, req, len);
	cr_assert_not_null(m);
	cr_assert_eq(m->len, resp_len);
	cr_assert_arr_eq(m->bytes, resp, resp_len, "a retransmission got another response");

	/* west gets it and authenticates; east's AUTH is over what west got */
	xch_send_raw(XCH_EAST, resp, resp_len);
	xch_run_until_quiet();
	assert_up();
	/* a new IKE SA names both */
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_run_until_quiet();
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	m = expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH " CERTREQ");
	cr_assert_eq(xch_msg_payload(m, V2_PL_CERTREQ)->u.cert.len, 40, "two CAs named");
	xch_run_until_quiet();
	assert_up();
	free(req);
	free(resp);
	crypto_trust_unref(more);
	X509_free(other);
	EVP_PKEY_free(other_key);
	pki_free(&k);
}

/* A PSK where a certificate is required, and the reverse, are refused. */
Test(auth, method_the_policy_refuses)
{
	struct pki k;

	pki_make(&k, "rsa2048", "rsa2048");
	/* west would sign, but east's copy says west authenticates with the PSK */
	xch_conn_add_creds(XCH_WEST, WEST EAST, (struct ike_end_creds[2]){ { .cert = k.cert[0],
									      .key = k.priv[0] } });
	xch_conn_add_creds(XCH_EAST, WEST "--authby psk" EAST,
			   (struct ike_end_creds[2]){ { 0 }, { .cert = k.cert[1], .key = k.priv[1] } });
	xch_set_creds(XCH_WEST, k.trust, false, NULL, NULL, 0);
	xch_set_creds(XCH_EAST, k.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	pki_free(&k);
}

/* --sendcert never: the peer must know the certificate (its --cert), or fail. */
Test(auth, sendcert_never)
{
	struct pki k;
	const struct xch_msg *m;
	const char *args = WEST EAST;

	pki_make(&k, "p256", "p256");
	/* west knows east's certificate; east never sends it */
	xch_conn_add_creds(XCH_WEST, args,
			   (struct ike_end_creds[2]){ { .cert = k.cert[0], .key = k.priv[0] },
						      { .cert = k.cert[1] } });
	xch_conn_add_creds(XCH_EAST, WEST EAST " --sendcert never",
			   (struct ike_end_creds[2]){ { 0 }, { .cert = k.cert[1], .key = k.priv[1] } });
	xch_set_creds(XCH_WEST, k.trust, false, NULL, NULL, 0);
	xch_set_creds(XCH_EAST, k.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	xch_step(XCH_WEST);
	xch_step(XCH_EAST);
	m = expect(XCH_WEST, V2_IKE_AUTH, "SK{IDi CERT CERTREQ IDr AUTH SA TSi TSr}");
	m = expect(XCH_EAST, V2_IKE_AUTH, "SK{IDr AUTH SA TSi TSr}");
	(void)m;
	assert_up();
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_run_until_quiet();
	pki_free(&k);
}

Test(auth, sendcert_never_unknown_certificate_fails)
{
	struct pki k;

	pki_make(&k, "p256", "p256");
	add_conns(&k, WEST EAST " --sendcert never");
	/* east's --sendcert never: west has no certificate and no key for @east.example */
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	pki_free(&k);
}

/* A certificate from a CA the other side does not trust. */
Test(auth, unknown_ca_refused)
{
	struct pki k, other;

	pki_make(&k, "p256", "p256");
	pki_make(&other, "p256", "p256");
	add_conns(&k, WEST EAST);
	xch_set_creds(XCH_EAST, other.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	xch_step(XCH_WEST);
	xch_step(XCH_EAST);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	expect(XCH_EAST, V2_IKE_AUTH, "SK{N(AUTHENTICATION_FAILED)}");
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	pki_free(&k);
	pki_free(&other);
}

/* The ID west claims is not in its certificate. */
Test(auth, id_not_in_certificate_refused)
{
	struct pki k;

	pki_make(&k, "rsa2048", "rsa2048");
	add_conns(&k, "--name t --host 127.0.0.1 --id @someone.else --client 10.1.0.0/16" EAST);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	pki_free(&k);
}

/* DN IDs, the peer's as a pattern: its certificate's subject must match. */
Test(auth, dn_ids)
{
	struct pki k;
	const struct xch_msg *m;
	char buf[IKE_ID_STRLEN];

	pki_make(&k, "p256", "rsa2048");
	xch_conn_add_creds(XCH_WEST, "--name t --host 127.0.0.1 --id C=CH,O=Skua,CN=west.example "
				     "--client 10.1.0.0/16 --to --host 127.0.0.2 --id C=CH,O=Skua,CN=* "
				     "--client 10.2.0.0/16 --encrypt",
			   (struct ike_end_creds[2]){ { .cert = k.cert[0], .key = k.priv[0] } });
	xch_conn_add_creds(XCH_EAST, "--name t --host 127.0.0.1 --id C=CH,O=Skua,CN=* "
				     "--client 10.1.0.0/16 --to --host 127.0.0.2 "
				     "--id C=CH,O=Skua,CN=east.example --client 10.2.0.0/16 --encrypt",
			   (struct ike_end_creds[2]){ { 0 }, { .cert = k.cert[1], .key = k.priv[1] } });
	xch_set_creds(XCH_WEST, k.trust, false, NULL, NULL, 0);
	xch_set_creds(XCH_EAST, k.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH " CERTREQ");
	/* no IDr: the responder's ID is a pattern */
	m = expect(XCH_WEST, V2_IKE_AUTH, "SK{IDi CERT CERTREQ AUTH SA TSi TSr}");
	cr_assert_eq(xch_msg_payload(m, V2_PL_IDI)->u.id.type, V2_ID_DER_ASN1_DN);
	expect(XCH_EAST, V2_IKE_AUTH, "SK{IDr CERT AUTH SA TSi TSr}");
	assert_up();
	cr_assert_str_eq(ike_id_str(xch_sa(XCH_WEST)->ext->id_remote, buf, sizeof(buf)),
			 "C=CH, O=Skua, CN=east.example");
	cr_assert_str_eq(ike_id_str(xch_sa(XCH_EAST)->ext->id_remote, buf, sizeof(buf)),
			 "C=CH, O=Skua, CN=west.example");
	pki_free(&k);
}

/* Raw public keys (whack --pubkeyrsa) instead of certificates, both ends. */
Test(auth, raw_rsa_keys)
{
	struct crypto_privkey *kw = NULL, *ke = NULL;
	struct crypto_pubkey *pw = NULL, *pe = NULL;
	struct ike_id west, east;
	const struct xch_msg *m;

	cr_assert_eq(crypto_privkey_generate(CRYPTO_KEY_RSA, 2048, &kw), 0);
	cr_assert_eq(crypto_privkey_generate(CRYPTO_KEY_RSA, 2048, &ke), 0);
	cr_assert_eq(crypto_privkey_public(kw, &pw), 0);
	cr_assert_eq(crypto_privkey_public(ke, &pe), 0);
	cr_assert_eq(ike_id_parse("@west.example", &west, NULL, 0), 0);
	cr_assert_eq(ike_id_parse("@east.example", &east, NULL, 0), 0);
	xch_conn_add_both(WEST EAST " --rsasig");
	xch_set_privkey(XCH_WEST, kw);
	xch_set_privkey(XCH_EAST, ke);
	xch_set_creds(XCH_WEST, NULL, false, &east, &pe, 1);
	xch_set_creds(XCH_EAST, NULL, false, &west, &pw, 1);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH);
	m = expect(XCH_WEST, V2_IKE_AUTH, "SK{IDi IDr AUTH SA TSi TSr}");
	cr_assert_eq(auth_method(m), V2_AUTH_DIGITAL_SIG);
	expect(XCH_EAST, V2_IKE_AUTH, "SK{IDr AUTH SA TSi TSr}");
	assert_up();
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_run_until_quiet();
	/* east no longer knows west's key: refused */
	xch_set_creds(XCH_EAST, NULL, false, &west, &pe, 1);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	crypto_pubkey_unref(pw);
	crypto_pubkey_unref(pe);
	crypto_privkey_unref(kw);
	crypto_privkey_unref(ke);
}

/* Every job of east (key exchange, verification and signature) run by another worker. */
Test(auth, jobs_stolen_by_another_worker)
{
	struct pki k;
	uint8_t methods[2];
	struct crypto_sig_scheme schemes[2];

	pki_make(&k, "rsa2048", "p256");
	add_conns(&k, WEST EAST);
	xch_set_thief(XCH_EAST, true);
	handshake(XCH_WEST, true, methods, schemes);
	cr_assert_eq(methods[0], V2_AUTH_DIGITAL_SIG);
	cr_assert_eq(schemes[1].kind, CRYPTO_SIG_ECDSA);
	/* east's key exchange, and the job that checked west and signed for east */
	cr_assert_eq(xch_jobs_stolen(XCH_EAST), 2, "stolen %llu",
		     (unsigned long long)xch_jobs_stolen(XCH_EAST));
	cr_assert_eq(xch_jobs_stolen(XCH_WEST), 0);
	pki_free(&k);
}

/* No flag: signatures (libreswan's default); without a key the initiator cannot start. */
Test(auth, default_is_signatures)
{
	xch_conn_add_both(WEST EAST);
	cr_assert_eq(xch_conn(XCH_WEST, "t")->cfg->auth[0].classes,
		     IKE_AUTHC_RSA | IKE_AUTHC_ECDSA);
	xch_initiate(XCH_WEST, "t");
	xch_step(XCH_WEST);
	xch_step(XCH_EAST);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "no key: the attempt ends before IKE_AUTH");
	cr_assert_not(xch_pending(XCH_WEST));
}

/*
 * --sendcert choices. The initiator sends its CERT by default, and with
 * ifasked only when the responder's IKE_SA_INIT asked (a CERTREQ: it has
 * anchors); the responder by default answers the initiator's CERTREQ only
 * (sent when the initiator has anchors), and with always sends it unasked.
 * An end sent no CERT checks the peer against the certificate it holds as
 * the peer's --cert.
 */
struct sendcert_case {
	const char *west_opt, *east_opt;
	bool west_trusts, east_trusts;	/* the CA: a CERTREQ from that side */
	bool west_knows, east_knows;	/* the peer's certificate as its --cert */
	const char *init_r, *auth_i, *auth_r;	/* the messages expected */
	bool up;
};

static void sendcert_case(const struct sendcert_case *c)
{
	struct pki k;
	struct ike_end_creds w[2], e[2];
	char wargs[256], eargs[256];

	pki_make(&k, "p256", "p256");
	memset(w, 0, sizeof(w));
	memset(e, 0, sizeof(e));
	w[0] = (struct ike_end_creds){ .cert = k.cert[0], .key = k.priv[0] };
	e[1] = (struct ike_end_creds){ .cert = k.cert[1], .key = k.priv[1] };
	if (c->west_knows)
		w[1].cert = k.cert[1];
	if (c->east_knows)
		e[0].cert = k.cert[0];
	snprintf(wargs, sizeof(wargs), WEST "%s" EAST "%s", c->west_opt, c->east_opt);
	snprintf(eargs, sizeof(eargs), WEST "%s" EAST "%s", c->west_opt, c->east_opt);
	xch_conn_add_creds(XCH_WEST, wargs, w);
	xch_conn_add_creds(XCH_EAST, eargs, e);
	xch_set_creds(XCH_WEST, c->west_trusts ? k.trust : NULL, false, NULL, NULL, 0);
	xch_set_creds(XCH_EAST, c->east_trusts ? k.trust : NULL, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_EAST, V2_IKE_SA_INIT, c->init_r);
	expect(XCH_WEST, V2_IKE_AUTH, c->auth_i);
	expect(XCH_EAST, V2_IKE_AUTH, c->auth_r);
	if (c->up) {
		assert_up();
	} else {
		xch_run_until_quiet();
		cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 1);
		cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	}
	pki_free(&k);
}

Test(auth, sendcert_ifasked_initiator_asked)
{
	sendcert_case(&(struct sendcert_case){
		.west_opt = "--sendcert ifasked", .east_opt = "", .west_trusts = true,
		.east_trusts = true, .init_r = "SA KE Nr " NATD SIGHASH " CERTREQ",
		.auth_i = "SK{IDi CERT CERTREQ IDr AUTH SA TSi TSr}",
		.auth_r = "SK{IDr CERT AUTH SA TSi TSr}", .up = true });
}

Test(auth, sendcert_ifasked_initiator_not_asked)
{
	/* east has no anchors: no CERTREQ, no CERT from west; east knows west's */
	sendcert_case(&(struct sendcert_case){
		.west_opt = "--sendcert ifasked", .east_opt = "", .west_trusts = true,
		.east_knows = true, .init_r = "SA KE Nr " NATD SIGHASH,
		.auth_i = "SK{IDi CERTREQ IDr AUTH SA TSi TSr}",
		.auth_r = "SK{IDr CERT AUTH SA TSi TSr}", .up = true });
}

Test(auth, sendcert_responder_not_asked)
{
	/* west has no anchors: no CERTREQ, so east (default) sends no CERT; west knows it */
	sendcert_case(&(struct sendcert_case){
		.west_opt = "", .east_opt = "", .east_trusts = true, .west_knows = true,
		.init_r = "SA KE Nr " NATD SIGHASH " CERTREQ",
		.auth_i = "SK{IDi CERT IDr AUTH SA TSi TSr}",
		.auth_r = "SK{IDr AUTH SA TSi TSr}", .up = true });
}

Test(auth, sendcert_always_responder_not_asked)
{
	/*
	 * east sends its CERT unasked; a certificate received is validated
	 * whatever the end holds as the peer's --cert: west, with no anchors,
	 * refuses it.
	 */
	sendcert_case(&(struct sendcert_case){
		.west_opt = "", .east_opt = " --sendcert always", .east_trusts = true,
		.west_knows = true, .init_r = "SA KE Nr " NATD SIGHASH " CERTREQ",
		.auth_i = "SK{IDi CERT IDr AUTH SA TSi TSr}",
		.auth_r = "SK{IDr CERT AUTH SA TSi TSr}", .up = false });
}

/*
 * --sendca with east's certificate under an intermediate CA, west trusting
 * the root only: issuer (the default) sends the intermediate, all the root
 * too, none neither, and west cannot build the path.
 */
static void sendca_case(const char *opt, const char *auth_r, bool up)
{
	struct pki k;
	EVP_PKEY *ikey = cg_key("p256"), *ekey = cg_key("rsa2048");
	X509 *inter, *leaf;
	struct crypto_cert *leafc, *interc, *rootc;
	struct crypto_privkey *epriv;
	struct ike_end_creds w[2], e[2];
	char args[512];

	pki_make(&k, "p256", "p256");
	inter = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua, CN=Intermediate CA",
					   .key = ikey, .issuer = k.ca, .issuer_key = k.ca_key,
					   .ca = true });
	leaf = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua, CN=east.example", .key = ekey,
					  .issuer = inter, .issuer_key = ikey,
					  .san = "DNS:east.example", .ku = "digitalSignature" });
	leafc = cg_wrap(leaf);
	interc = cg_wrap(inter);
	rootc = cg_wrap(k.ca);
	epriv = wrap_key(ekey);
	memset(w, 0, sizeof(w));
	memset(e, 0, sizeof(e));
	w[0] = (struct ike_end_creds){ .cert = k.cert[0], .key = k.priv[0] };
	e[1] = (struct ike_end_creds){ .cert = leafc, .chain = { interc, rootc }, .nchain = 2,
				       .key = epriv };
	snprintf(args, sizeof(args), "%s%s", WEST EAST, opt);
	xch_conn_add_creds(XCH_WEST, args, w);
	xch_conn_add_creds(XCH_EAST, args, e);
	xch_set_creds(XCH_WEST, k.trust, false, NULL, NULL, 0);
	xch_set_creds(XCH_EAST, k.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH " CERTREQ");
	expect(XCH_WEST, V2_IKE_AUTH, "SK{IDi CERT CERTREQ IDr AUTH SA TSi TSr}");
	expect(XCH_EAST, V2_IKE_AUTH, auth_r);
	if (up) {
		assert_up();
	} else {
		xch_run_until_quiet();
		cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 1, "--sendca%s", opt);
		cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	}
	crypto_cert_unref(leafc);
	crypto_cert_unref(interc);
	crypto_cert_unref(rootc);
	crypto_privkey_unref(epriv);
	X509_free(leaf);
	X509_free(inter);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(ekey);
	pki_free(&k);
}

Test(auth, sendca_issuer_is_the_default)
{
	sendca_case("", "SK{IDr CERT CERT AUTH SA TSi TSr}", true);
}

Test(auth, sendca_issuer)
{
	sendca_case(" --sendca issuer", "SK{IDr CERT CERT AUTH SA TSi TSr}", true);
}

Test(auth, sendca_all)
{
	sendca_case(" --sendca all", "SK{IDr CERT CERT CERT AUTH SA TSi TSr}", true);
}

Test(auth, sendca_none)
{
	sendca_case(" --sendca none", "SK{IDr CERT AUTH SA TSi TSr}", false);
}

/*
 * CRLs in the handshake: east's anchors carry a current CRL of the CA. A
 * CRL naming west's certificate refuses it; one that does not lets it in,
 * with --crl-strict too; with --crl-strict and no CRL at all it is refused.
 */
enum crl_kind { CRL_NONE, CRL_OTHERS, CRL_REVOKES_WEST };

static void crl_case(enum crl_kind kind, bool strict, bool up)
{
	struct pki k;
	struct crypto_trust *t;

	pki_make(&k, "p256", "p256");
	if (kind == CRL_NONE) {
		t = crypto_trust_ref(k.trust);
	} else {
		long serials[2] = { 4242, ASN1_INTEGER_get(X509_get_serialNumber(k.x[0])) };
		X509_CRL *x;
		struct crypto_crl *crl;
		struct crypto_cert *ca = cg_wrap(k.ca);

		if (serials[1] == serials[0])
			serials[0]++;	/* the other serial is never west's by chance */
		x = cg_crl(k.ca, k.ca_key, serials, kind == CRL_REVOKES_WEST ? 2 : 1, -60, 3600);
		crl = cg_wrap_crl(x);
		t = crypto_trust_new();
		cr_assert_eq(crypto_trust_add_ca(t, ca), 0);
		cr_assert_eq(crypto_trust_add_crl(t, crl), 0);
		crypto_trust_seal(t);
		crypto_cert_unref(ca);
		crypto_crl_unref(crl);
		X509_CRL_free(x);
	}
	add_conns(&k, WEST EAST);
	xch_set_creds(XCH_EAST, t, strict, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, "SA KE Ni " NATD SIGHASH);
	expect(XCH_EAST, V2_IKE_SA_INIT, "SA KE Nr " NATD SIGHASH " CERTREQ");
	expect(XCH_WEST, V2_IKE_AUTH, "SK{IDi CERT CERTREQ IDr AUTH SA TSi TSr}");
	if (up) {
		expect(XCH_EAST, V2_IKE_AUTH, "SK{IDr CERT AUTH SA TSi TSr}");
		assert_up();
	} else {
		expect(XCH_EAST, V2_IKE_AUTH, "SK{N(AUTHENTICATION_FAILED)}");
		cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
		cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	}
	crypto_trust_unref(t);
	pki_free(&k);
}

Test(auth, crl_revoked_certificate_refused)
{
	crl_case(CRL_REVOKES_WEST, false, false);
}

Test(auth, crl_not_naming_the_certificate)
{
	crl_case(CRL_OTHERS, false, true);
}

Test(auth, crl_strict_with_a_current_crl)
{
	crl_case(CRL_OTHERS, true, true);
}

Test(auth, crl_strict_without_a_crl_refused)
{
	crl_case(CRL_NONE, true, false);
}
