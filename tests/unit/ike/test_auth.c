/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The authentication step (ike/auth.h, ike/auth_job.h) without an
 * exchange: plans per key kind and peer notify, parsing peers' AUTH data,
 * the SIGNATURE_HASH_ALGORITHMS data, PSK MICs, and the job's work with
 * certificates made at test time.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/sig_alg.h"
#include "ike/auth.h"
#include "ike/auth_job.h"
#include "ike/v2/types.h"

#include "lib/certgen.h"
#include "vectors/hex.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 60);

#define SHA2 (IKE_HASH_BIT(V2_HASH_SHA2_256) | IKE_HASH_BIT(V2_HASH_SHA2_384) | \
	      IKE_HASH_BIT(V2_HASH_SHA2_512))

static const struct ike_auth_policy sigs = {
	.classes = IKE_AUTHC_SIG,
	.rsa_hashes = SHA2 | IKE_HASH_BIT(V2_HASH_SHA1),
	.ecdsa_hashes = SHA2,
};

Test(auth, sighash_data)
{
	uint8_t buf[16];
	int n = ike_sighash_encode(ike_auth_our_hashes(), buf, sizeof(buf));
	static const uint8_t want[] = { 0, 2, 0, 3, 0, 4, 0, 5 };

	cr_assert_eq(n, 8);
	cr_assert_arr_eq(buf, want, 8);
	cr_assert_eq(ike_sighash_decode(buf, 8), ike_auth_our_hashes());
	/* unknown identifiers are skipped; odd and empty lengths are malformed */
	{
		static const uint8_t odd[] = { 0, 2, 0, 99, 1, 2, 0, 1 };

		cr_assert_eq(ike_sighash_decode(odd, 8),
			     IKE_HASH_BIT(V2_HASH_SHA2_256) | IKE_HASH_BIT(V2_HASH_SHA1));
		cr_assert_eq(ike_sighash_decode(odd, 7), -EBADMSG);
		cr_assert_eq(ike_sighash_decode(odd, 0), -EBADMSG);
	}
	cr_assert_eq(ike_sighash_encode(ike_auth_our_hashes(), buf, 7), -EMSGSIZE);
}

Test(auth, plans)
{
	struct ike_auth_plan p;
	const char *why = NULL;
	uint8_t all = ike_auth_our_hashes();

	/* RSA: RFC 7427 PSS with the strongest common hash; method 1 without the notify */
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_RSA, 0, all, &p, &why), 0);
	cr_assert_eq(p.method, V2_AUTH_DIGITAL_SIG);
	cr_assert_eq(p.scheme.kind, CRYPTO_SIG_RSA_PSS);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA2_512);
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_RSA, 0,
					IKE_HASH_BIT(V2_HASH_SHA2_256), &p, &why), 0);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA2_256);
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_RSA, 0, 0, &p, &why), 0);
	cr_assert_eq(p.method, V2_AUTH_RSA_SIG);
	cr_assert_eq(p.scheme.kind, CRYPTO_SIG_RSA_PKCS1);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA1);
	{
		struct ike_auth_policy sha2_only = sigs;

		sha2_only.rsa_hashes = SHA2;
		cr_assert_eq(ike_auth_plan_sign(&sha2_only, CRYPTO_KEY_RSA, 0, 0, &p, &why),
			     -ENOTSUP);
		cr_assert(strstr(why, "SHA-1"), "%s", why);
	}
	/* ECDSA: the curve's hash under 7427; methods 9-11 without the notify */
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P384, all, &p, &why),
		     0);
	cr_assert_eq(p.method, V2_AUTH_DIGITAL_SIG);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA2_384);
	cr_assert_eq(p.scheme.ecdsa_raw, 0);
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256, 0, &p, &why),
		     0);
	cr_assert_eq(p.method, V2_AUTH_ECDSA_256);
	cr_assert_eq(p.scheme.ecdsa_raw, 1);
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P521, 0, &p, &why),
		     0);
	cr_assert_eq(p.method, V2_AUTH_ECDSA_521);
	/* EdDSA needs IDENTITY in the notify */
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_ED25519, 0, all, &p, &why), 0);
	cr_assert_eq(p.scheme.kind, CRYPTO_SIG_ED25519);
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_ED448, 0, SHA2, &p, &why), -ENOTSUP);
	cr_assert(strstr(why, "IDENTITY"), "%s", why);
	/* the policy decides the kind */
	{
		struct ike_auth_policy rsa_only = sigs;

		rsa_only.classes = IKE_AUTHC_RSA;
		cr_assert_eq(ike_auth_plan_sign(&rsa_only, CRYPTO_KEY_ECDSA, CRYPTO_CURVE_P256, all,
						&p, &why), -ENOTSUP);
		cr_assert(strstr(why, "ECDSA"), "%s", why);
	}
}

static int parse_hex(const struct ike_auth_policy *pol, uint8_t method, const char *hex,
		     struct ike_auth_plan *p, size_t *sig_len, const char **why)
{
	uint8_t data[256];
	size_t len = unhex(hex, data, sizeof(data));
	const uint8_t *sig;

	return ike_auth_parse(pol, ike_auth_our_hashes(), method, data, len, p, &sig, sig_len, why);
}

Test(auth, parse_peers_auth)
{
	struct ike_auth_plan p;
	const char *why = NULL;
	size_t n;

	/* method 14, ecdsa-with-SHA256 and a 3-byte "signature" */
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "0c300a06082a8648ce3d040302aabbcc", &p,
			       &n, &why), 0, "%s", why);
	cr_assert_eq(p.scheme.kind, CRYPTO_SIG_ECDSA);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA2_256);
	cr_assert_eq(n, 3);
	/* the algid length past the data, or leaving no signature */
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "0d300a06082a8648ce3d040302", &p, &n,
			       &why), -EBADMSG);
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "0c300a06082a8648ce3d040302", &p, &n,
			       &why), -EBADMSG);
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "00aa", &p, &n, &why), -EBADMSG);
	/* a malformed AlgorithmIdentifier, and one we do not do */
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "0c310a06082a8648ce3d040302aa", &p, &n,
			       &why), -EBADMSG);
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "0b300906072a8648ce380403aa", &p, &n,
			       &why), -EPERM);
	/* SHA-1 under 7427 was never announced */
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_DIGITAL_SIG, "0f300d06092a864886f70d0101050500aa", &p,
			       &n, &why), -EPERM);
	cr_assert(strstr(why, "did not announce"), "%s", why);
	/* the legacy methods */
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_RSA_SIG, "aabb", &p, &n, &why), 0);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA1);
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_ECDSA_384, "aabb", &p, &n, &why), 0);
	cr_assert(p.scheme.ecdsa_raw);
	cr_assert_eq(p.scheme.hash, V2_HASH_SHA2_384);
	/* policy: PSK not allowed to a signature peer, and the reverse */
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_PSK, "aabb", &p, &n, &why), -EPERM);
	{
		struct ike_auth_policy psk = { .classes = IKE_AUTHC_PSK };

		cr_assert_eq(parse_hex(&psk, V2_AUTH_PSK, "aabb", &p, &n, &why), 0);
		cr_assert_eq(parse_hex(&psk, V2_AUTH_RSA_SIG, "aabb", &p, &n, &why), -EPERM);
		cr_assert_eq(parse_hex(&psk, V2_AUTH_DIGITAL_SIG, "0c300a06082a8648ce3d040302aa",
				       &p, &n, &why), -EPERM);
	}
	cr_assert_eq(parse_hex(&sigs, 3, "aabb", &p, &n, &why), -EPERM, "DSS");
	cr_assert_eq(parse_hex(&sigs, 200, "aabb", &p, &n, &why), -EPERM);
	cr_assert_eq(parse_hex(&sigs, V2_AUTH_RSA_SIG, "", &p, &n, &why), -EBADMSG);
}

Test(auth, psk_mic)
{
	static const uint8_t psk[] = "secret", oct[] = "octets";
	uint8_t mac[64];
	int n = ike_auth_psk(V2_PRF_HMAC_SHA2_256, psk, 6, oct, 6, mac, sizeof(mac));

	cr_assert_eq(n, 32);
	cr_assert_eq(ike_auth_psk_check(V2_PRF_HMAC_SHA2_256, psk, 6, oct, 6, mac, 32), 0);
	mac[5] ^= 1;
	cr_assert_eq(ike_auth_psk_check(V2_PRF_HMAC_SHA2_256, psk, 6, oct, 6, mac, 32), -EBADMSG);
	cr_assert_eq(ike_auth_psk_check(V2_PRF_HMAC_SHA2_256, psk, 6, oct, 6, mac, 31), -EBADMSG);
}

Test(auth, octets)
{
	struct ike_id id;
	uint8_t *o = NULL;
	size_t len;
	static const uint8_t msg[] = { 1, 2, 3 }, nonce[] = { 9, 9 }, skp[32] = { 7 };

	cr_assert_eq(ike_id_parse("@east", &id, NULL, 0), 0);
	cr_assert_eq(ike_auth_octets(V2_PRF_HMAC_SHA2_256, msg, 3, nonce, 2, skp, 32, &id, &o,
				     &len), 0);
	cr_assert_eq(len, 3 + 2 + 32);
	cr_assert_arr_eq(o, msg, 3);
	cr_assert_arr_eq(o + 3, nonce, 2);
	free(o);
}

/* A CA, and a leaf of the given key kind with SANs. */
struct pki {
	EVP_PKEY *ca_key, *key;
	X509 *ca, *leaf;
	struct crypto_trust *trust;
	struct crypto_privkey *priv;
	unsigned char *der;
	int der_len;
};

static void pki_make(struct pki *k, const char *kind)
{
	struct crypto_cert *ca;
	unsigned char *p = NULL;

	k->ca_key = cg_key("p256");
	k->key = cg_key(kind);
	k->ca = cg_cert(&(struct cg_spec){ .subject = "CN=CA", .key = k->ca_key, .ca = true });
	k->leaf = cg_cert(&(struct cg_spec){ .subject = "C=CH, CN=east", .key = k->key,
					     .issuer = k->ca, .issuer_key = k->ca_key,
					     .san = "DNS:east.example" });
	k->trust = crypto_trust_new();
	ca = cg_wrap(k->ca);
	cr_assert_eq(crypto_trust_add_ca(k->trust, ca), 0);
	crypto_cert_unref(ca);
	crypto_trust_seal(k->trust);
	k->der_len = i2d_X509(k->leaf, &p);
	k->der = p;
	p = NULL;
	{
		int n = i2d_PrivateKey(k->key, &p);

		cr_assert_eq(crypto_privkey_from_buf(p, (size_t)n, NULL, &k->priv), 0);
		OPENSSL_free(p);
	}
}

static void pki_free(struct pki *k)
{
	crypto_privkey_unref(k->priv);
	crypto_trust_unref(k->trust);
	OPENSSL_free(k->der);
	X509_free(k->ca);
	X509_free(k->leaf);
	EVP_PKEY_free(k->ca_key);
	EVP_PKEY_free(k->key);
}

/* Sign as the peer would, then verify the AUTH data as we would, through the job's work. */
static void sign_then_verify(const char *kind, uint8_t peer_hashes, uint8_t want_method)
{
	static const uint8_t oct[] = "IKE_SA_INIT | Nr | prf(SK_pi, IDi')";
	struct ike_auth_result r, rv;
	struct ike_auth_plan plan, parsed;
	const uint8_t *sig;
	size_t sig_len;
	const char *why = NULL;
	struct pki k;
	struct ike_id id;

	pki_make(&k, kind);
	cr_assert_eq(ike_auth_plan_sign(&sigs, crypto_privkey_kind(k.priv),
					crypto_privkey_curve(k.priv), peer_hashes, &plan, &why),
		     0, "%s: %s", kind, why);
	cr_assert_eq(plan.method, want_method, "%s", kind);
	ike_auth_compute(NULL, &(struct ike_auth_sign){ .key = k.priv, .plan = plan,
							 .octets = oct, .octets_len = sizeof(oct) },
			 &r);
	cr_assert_eq(r.verify, 1);
	cr_assert_eq(r.sign, 0, "%s", kind);
	cr_assert_eq(ike_auth_parse(&sigs, ike_auth_our_hashes(), plan.method, r.auth, r.auth_len,
				    &parsed, &sig, &sig_len, &why), 0, "%s: %s", kind, why);
	cr_assert_eq(ike_id_parse("@east.example", &id, NULL, 0), 0);
	struct ike_auth_verify v = { .plan = parsed, .sig = sig, .sig_len = sig_len,
				     .octets = oct, .octets_len = sizeof(oct), .id = id,
				     .certs = { k.der }, .cert_len = { (size_t)k.der_len },
				     .ncerts = 1, .trust = k.trust };

	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, 0, "%s: %s", kind, rv.why);
	cr_assert(rv.by_cert);
	cr_assert_str_eq(rv.subject, "C=CH, CN=east");
	/* another octet string does not verify */
	v.octets_len--;
	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, -EBADMSG, "%s", kind);
	v.octets_len++;
	/* an ID the certificate does not hold */
	cr_assert_eq(ike_id_parse("@west.example", &v.id, NULL, 0), 0);
	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, -EACCES, "%s", kind);
	cr_assert(strstr(rv.why, "does not vouch for its ID @west.example"), "%s", rv.why);
	/* the DN ID of the subject */
	cr_assert_eq(ike_id_parse("C=CH, CN=east", &v.id, NULL, 0), 0);
	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, 0, "%s: %s", kind, rv.why);
	/* a trust set without the CA */
	{
		struct crypto_trust *empty = crypto_trust_new();

		crypto_trust_seal(empty);
		v.trust = empty;
		ike_auth_compute(&v, NULL, &rv);
		cr_assert_eq(rv.verify, -EKEYREJECTED, "%s", kind);
		cr_assert(strstr(rv.why, "not accepted"), "%s", rv.why);
		crypto_trust_unref(empty);
	}
	pki_free(&k);
}

Test(auth, every_method_through_the_job, .timeout = 120)
{
	uint8_t all = ike_auth_our_hashes();

	sign_then_verify("rsa2048", all, V2_AUTH_DIGITAL_SIG);
	sign_then_verify("rsa2048", 0, V2_AUTH_RSA_SIG);
	sign_then_verify("p256", all, V2_AUTH_DIGITAL_SIG);
	sign_then_verify("p256", 0, V2_AUTH_ECDSA_256);
	sign_then_verify("p384", 0, V2_AUTH_ECDSA_384);
	sign_then_verify("p521", 0, V2_AUTH_ECDSA_521);
	sign_then_verify("ed25519", all, V2_AUTH_DIGITAL_SIG);
	sign_then_verify("ed448", all, V2_AUTH_DIGITAL_SIG);
}

Test(auth, raw_keys)
{
	static const uint8_t oct[] = "octets";
	struct crypto_privkey *a = NULL, *b = NULL;
	struct crypto_pubkey *pa = NULL, *pb = NULL;
	struct ike_auth_plan plan;
	struct ike_auth_result r;
	const char *why;
	const uint8_t *sig;
	size_t sig_len;

	cr_assert_eq(crypto_privkey_generate(CRYPTO_KEY_RSA, 2048, &a), 0);
	cr_assert_eq(crypto_privkey_generate(CRYPTO_KEY_RSA, 2048, &b), 0);
	cr_assert_eq(crypto_privkey_public(a, &pa), 0);
	cr_assert_eq(crypto_privkey_public(b, &pb), 0);
	cr_assert_eq(ike_auth_plan_sign(&sigs, CRYPTO_KEY_RSA, 0, 0, &plan, &why), 0);
	ike_auth_compute(NULL, &(struct ike_auth_sign){ .key = a, .plan = plan, .octets = oct,
							 .octets_len = sizeof(oct) }, &r);
	cr_assert_eq(r.sign, 0);
	cr_assert_eq(ike_auth_parse(&sigs, 0, plan.method, r.auth, r.auth_len, &plan, &sig,
				    &sig_len, &why), 0);
	struct ike_auth_verify v = { .plan = plan, .sig = sig, .sig_len = sig_len, .octets = oct,
				     .octets_len = sizeof(oct), .keys = { pb, pa }, .nkeys = 2 };
	struct ike_auth_result rv;

	cr_assert_eq(ike_id_parse("@peer", &v.id, NULL, 0), 0);
	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, 0, "the second key verifies: %s", rv.why);
	cr_assert_not(rv.by_cert);
	v.nkeys = 1;
	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, -EBADMSG);
	v.nkeys = 0;
	ike_auth_compute(&v, NULL, &rv);
	cr_assert_eq(rv.verify, -ENOKEY);
	cr_assert(strstr(rv.why, "no public key for its ID @peer"), "%s", rv.why);
	/* sign only after a verification that passed */
	ike_auth_compute(&v, &(struct ike_auth_sign){ .key = a, .plan = plan, .octets = oct,
						       .octets_len = sizeof(oct) }, &rv);
	cr_assert_eq(rv.sign, 1, "no signature after a failed verification");
	crypto_pubkey_unref(pa);
	crypto_pubkey_unref(pb);
	crypto_privkey_unref(a);
	crypto_privkey_unref(b);
}

Test(auth, certreq_names_the_anchors)
{
	struct pki k;
	uint8_t data[64], want[20];
	struct crypto_cert *ca;

	pki_make(&k, "p256");
	cr_assert_eq(ike_certreq_data(k.trust, data, sizeof(data)), 20);
	ca = cg_wrap(k.ca);
	{
		unsigned char *spki = NULL;
		int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(k.ca), &spki);

		cr_assert(EVP_Digest(spki, (size_t)n, want, NULL, EVP_sha1(), NULL));
		OPENSSL_free(spki);
	}
	cr_assert_arr_eq(data, want, 20);
	crypto_cert_unref(ca);
	pki_free(&k);
}
