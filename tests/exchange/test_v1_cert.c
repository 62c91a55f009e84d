/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1 Phase 1 with RSA signatures and X.509 certificates (RFC 2409 5.1)
 * between two in-process engines (xch.h): Main Mode and Aggressive Mode,
 * each side initiating, every message's payloads asserted; a signature
 * that does not verify, a certificate of a CA the peer does not trust and
 * an ID the certificate does not hold, each on the side that checks it;
 * XAUTH after a signature Phase 1 (XAUTHInitRSA); ECDSA (RFC 4754,
 * methods 9-11) the same ways, the method chosen by the key, and a
 * certificate whose key does not make the negotiated method's signature.
 * The certificates are made here with OpenSSL. Needs root.
 */
#include <criterion/criterion.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "exchange/xch.h"
#include "ike/auth.h"
#include "ike/v1/exchange.h"
#include "ike/v1/msg.h"
#include "ike/v1/state.h"

#include "exchange/xch_pki.h"
#include "lib/certgen.h"

TestSuite(v1_cert, .init = xch_setup, .fini = xch_teardown, .timeout = 120);

#define VIDS_I "VID VID VID VID VID"
#define VIDS_R "VID VID"
#define NATD "NAT-D NAT-D"
#define MM1 "v1 Main: SA " VIDS_I
#define MM2 "v1 Main: SA " VIDS_R
#define MM34 "v1 Main: KE NONCE CR " NATD
#define MM56 "v1 Main: E{ID CERT SIG}"
#define AM1 "v1 Aggressive: SA KE NONCE ID CR " VIDS_I
#define AM2 "v1 Aggressive: SA KE NONCE ID CERT CR SIG " VIDS_R " " NATD
#define AM3 "v1 Aggressive: E{CERT SIG " NATD "}"

#define WEST "--name v1 --ikev1 --rsasig --host 127.0.0.1 --id @west.example "
#define EAST "--to --host 127.0.0.2 --id @east.example --encrypt"
#define AGGR " --aggrmode --ike aes256-sha2_256;modp2048"

/* A CA (ca_name) and an RSA certificate with its key for each side. */
static void pki_make(struct pki *k, const char *ca_name)
{
	static const char *const kinds[2] = { "rsa2048", "rsa2048" };

	pki_make_kinds(k, ca_name, "rsa2048", kinds);
}

static void add_conns(struct pki *k, const char *args, struct crypto_privkey *const key_of[2])
{
	for (int s = 0; s < 2; s++) {
		struct ike_end_creds creds[2] = { 0 };

		xch_daemon((enum xch_side)s)->ikev1_policy = IKE_V1_ACCEPT;
		creds[s].cert = k->cert[s];
		creds[s].key = key_of ? key_of[s] : k->priv[s];
		cr_assert_not_null(xch_conn_add_creds((enum xch_side)s, args, creds));
		xch_set_creds((enum xch_side)s, k->trust, false, NULL, NULL, 0);
	}
}

static const struct xch_msg *step_expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "nothing on the wire; expected %s", desc);
	cr_assert_str_eq(m->desc, desc);
	return m;
}

/* The CERT payload of m is side's certificate; its SIG sig_len bytes. */
static void assert_cert_sig(const struct xch_msg *m, const struct pki *k, int side, size_t sig_len)
{
	const struct v1_payload *c = v1_msg_get(m->v1m, V1_PL_CERT);
	size_t len;
	const uint8_t *der = crypto_cert_der(k->cert[side], &len);

	cr_assert_not_null(c);
	cr_assert_eq(c->u.cert.encoding, V1_CERT_X509_SIG);
	cr_assert_eq(c->u.cert.len, len);
	cr_assert_arr_eq(c->u.cert.data, der, len);
	cr_assert_eq(v1_msg_get(m->v1m, V1_PL_SIG)->u.blob.len, sig_len);
}

/* an RSA-2048 signature: 256 bytes, no DigestInfo around a 32-byte HASH */
static void assert_cert(const struct xch_msg *m, const struct pki *k, int side)
{
	assert_cert_sig(m, k, side, 256);
}

static void assert_cr(const struct xch_msg *m, const struct pki *k)
{
	const struct v1_payload *cr = v1_msg_get(m->v1m, V1_PL_CR);
	uint8_t dn[1024];
	struct crypto_cert *ca = cg_wrap(k->ca);
	int n = crypto_cert_subject(ca, dn, sizeof(dn));

	crypto_cert_unref(ca);
	cr_assert_not_null(cr);
	cr_assert_eq(cr->u.cert.encoding, V1_CERT_X509_SIG);
	cr_assert_eq(cr->u.cert.len, (uint16_t)n, "the CR names our anchor by its DN");
	cr_assert_arr_eq(cr->u.cert.data, dn, (size_t)n);
}

/* Every transform offered has the authentication method want, as libreswan sends it. */
static void assert_offers(const struct xch_msg *m, uint16_t want)
{
	const struct v1_sa *sa = m->v1m->pl[0].u.sa;
	unsigned seen = 0;

	for (unsigned t = 0; t < sa->ntrans; t++)
		for (unsigned a = 0; a < sa->trans[t].nattr; a++)
			if (sa->attr[sa->trans[t].first_attr + a].type == V1_A_AUTH) {
				cr_assert_eq(sa->attr[sa->trans[t].first_attr + a].value, want);
				seen++;
			}
	cr_assert_eq(seen, sa->ntrans);
}

/* Both ISAKMP SAs up with the same keys, by method auth, each knowing the other's ID. */
static void assert_up_by(enum xch_side from, enum ike_state si, enum ike_state sr, uint16_t auth)
{
	struct ike_sa *i = xch_sa(from), *r = xch_sa(from == XCH_WEST ? XCH_EAST : XCH_WEST);

	cr_assert_not_null(i);
	cr_assert_not_null(r);
	cr_assert_eq(i->state, si, "initiator in %s", ike_state_name(i->state));
	cr_assert_eq(r->state, sr, "responder in %s", ike_state_name(r->state));
	cr_assert_eq(i->v1->p1.auth, auth);
	cr_assert_eq(r->v1->p1.auth, auth);
	cr_assert_arr_eq(i->v1->key, r->v1->key, i->v1->key_len);
	cr_assert_arr_eq(i->v1->skeyid_d, r->v1->skeyid_d, i->v1->prf_len);
	cr_assert_arr_eq(i->v1->iv, r->v1->iv, i->v1->block);
	cr_assert_eq(i->ext->id_remote->type, V1_ID_FQDN);
	cr_assert_eq(r->ext->id_remote->type, V1_ID_FQDN);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_null(i->v1->sig);
	cr_assert_null(r->v1->sig);
}

static void assert_up(enum xch_side from, enum ike_state si, enum ike_state sr)
{
	assert_up_by(from, si, sr, V1_AUTH_RSA_SIG);
}

/* Quick Mode follows; then the initiator deletes everything. */
static void quick_then_delete(enum xch_side from)
{
	struct ike_sa *i = xch_sa(from), *r = xch_sa(from == XCH_WEST ? XCH_EAST : XCH_WEST);

	cr_assert_eq(xch_run_until_quiet(), 3);
	cr_assert_not_null(i->children);
	cr_assert_not_null(r->children);
	cr_assert_eq(i->children->spi_out, r->children->spi_in);
	ike_sa_delete(i, true);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

static void main_mode_from(enum xch_side from)
{
	enum xch_side to = from == XCH_WEST ? XCH_EAST : XCH_WEST;
	struct pki k;
	const struct xch_msg *m;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, WEST EAST, NULL);
	xch_initiate(from, "v1");
	m = step_expect(from, MM1);
	assert_offers(m, V1_AUTH_RSA_SIG);
	step_expect(to, MM2);
	m = step_expect(from, MM34);
	assert_cr(m, &k);
	m = step_expect(to, MM34);
	assert_cr(m, &k);
	cr_assert_eq(xch_sa(from)->state, IKE_V1_MAIN_I3);
	m = step_expect(from, MM56);
	assert_cert(m, &k, from);
	m = step_expect(to, MM56);
	assert_cert(m, &k, to);
	assert_up(from, IKE_V1_MAIN_I4, IKE_V1_MAIN_R3);
	cr_assert_str_eq(ike_state_name(xch_sa(from)->state), "STATE_MAIN_I4");
	quick_then_delete(from);
	pki_free(&k);
}

Test(v1_cert, main_mode_west_initiates)
{
	main_mode_from(XCH_WEST);
}

Test(v1_cert, main_mode_east_initiates)
{
	main_mode_from(XCH_EAST);
}

static void aggressive_from(enum xch_side from)
{
	enum xch_side to = from == XCH_WEST ? XCH_EAST : XCH_WEST;
	struct pki k;
	const struct xch_msg *m;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, WEST EAST AGGR, NULL);
	xch_initiate(from, "v1");
	m = step_expect(from, AM1);
	assert_cr(m, &k);
	m = step_expect(to, AM2);
	assert_cr(m, &k);
	assert_cert(m, &k, to);
	m = step_expect(from, AM3);
	cr_assert_eq(m->v1m->hdr.flags, V1_FLAG_ENCRYPTION);
	assert_cert(m, &k, from);
	assert_up(from, IKE_V1_AGGR_I2, IKE_V1_AGGR_R2);
	cr_assert_arr_eq(xch_sa(from)->v1->p1_iv, xch_sa(to)->v1->p1_iv, 16);
	quick_then_delete(from);
	pki_free(&k);
}

Test(v1_cert, aggressive_mode_west_initiates)
{
	aggressive_from(XCH_WEST);
}

Test(v1_cert, aggressive_mode_east_initiates)
{
	aggressive_from(XCH_EAST);
}

/*
 * --initialcontact with signatures: INITIAL-CONTACT after SIG in message 5
 * (Aggressive Mode: message 3), none from the responder; east takes it.
 */
Test(v1_cert, initial_contact_after_the_signature)
{
	struct pki k;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, WEST EAST " --initialcontact", NULL);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	step_expect(XCH_WEST, "v1 Main: E{ID CERT SIG N(24578)}");
	step_expect(XCH_EAST, MM56);
	assert_up(XCH_WEST, IKE_V1_MAIN_I4, IKE_V1_MAIN_R3);
	cr_assert(xch_sa(XCH_EAST)->v1->initial_contact, "east did not see it");
	pki_free(&k);
}

Test(v1_cert, initial_contact_in_aggressive_mode)
{
	struct pki k;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, WEST EAST AGGR " --initialcontact", NULL);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, AM2);
	step_expect(XCH_WEST, "v1 Aggressive: E{CERT SIG " NATD " N(24578)}");
	assert_up(XCH_WEST, IKE_V1_AGGR_I2, IKE_V1_AGGR_R2);
	cr_assert(xch_sa(XCH_EAST)->v1->initial_contact, "east did not see it");
	pki_free(&k);
}

/* The SA of side is gone, its authentication failure counted; the other side gets nothing more. */
static void assert_refused(enum xch_side side)
{
	cr_assert_eq(xch_counter(side, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_counter(side, IKEC_IKE_ESTABLISHED), 0);
	cr_assert_eq(xch_sa_count(side), 0);
	cr_assert_not(xch_pending(side), "the side that refused answered");
}

/*
 * A signature that does not verify: the signer's certificate is right but
 * it signs with another key. Main Mode: the responder checks message 5
 * (west signs badly), the initiator message 6 (east does).
 */
Test(v1_cert, main_mode_bad_signature_each_role)
{
	for (int bad = 0; bad < 2; bad++) {
		struct pki k;
		struct crypto_privkey *keys[2];

		pki_make(&k, "C=CH, O=Skua, CN=Test CA");
		keys[0] = k.priv[0];
		keys[1] = k.priv[1];
		keys[bad] = k.priv[1 - bad];	/* the other's key: a valid, wrong signature */
		add_conns(&k, WEST EAST, keys);
		xch_initiate(XCH_WEST, "v1");
		step_expect(XCH_WEST, MM1);
		step_expect(XCH_EAST, MM2);
		step_expect(XCH_WEST, MM34);
		step_expect(XCH_EAST, MM34);
		step_expect(XCH_WEST, MM56);
		if (bad == 0) {
			assert_refused(XCH_EAST);
			cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I3);
		} else {
			step_expect(XCH_EAST, MM56);
			assert_refused(XCH_WEST);
			cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
		}
		xch_teardown();
		xch_setup();
		pki_free(&k);
	}
}

/* The same in Aggressive Mode: the initiator checks message 2, the responder message 3. */
Test(v1_cert, aggressive_mode_bad_signature_each_role)
{
	for (int bad = 0; bad < 2; bad++) {
		struct pki k;
		struct crypto_privkey *keys[2];

		pki_make(&k, "C=CH, O=Skua, CN=Test CA");
		keys[0] = k.priv[0];
		keys[1] = k.priv[1];
		keys[bad] = k.priv[1 - bad];
		add_conns(&k, WEST EAST AGGR, keys);
		xch_initiate(XCH_WEST, "v1");
		step_expect(XCH_WEST, AM1);
		step_expect(XCH_EAST, AM2);
		if (bad == 1) {
			assert_refused(XCH_WEST);	/* east's SIG_R: west sends no message 3 */
		} else {
			step_expect(XCH_WEST, AM3);
			assert_refused(XCH_EAST);
			cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 1);
		}
		xch_teardown();
		xch_setup();
		pki_free(&k);
	}
}

/* A certificate from a CA the checking side does not trust (east: another CA of the same name). */
Test(v1_cert, untrusted_certificate_refused)
{
	struct pki k, other;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	pki_make(&other, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, WEST EAST, NULL);
	xch_set_creds(XCH_EAST, other.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	step_expect(XCH_WEST, MM56);
	assert_refused(XCH_EAST);
	pki_free(&k);
	pki_free(&other);
}

/* The same for the Aggressive Mode initiator, which checks the responder's certificate. */
Test(v1_cert, aggressive_untrusted_responder_refused)
{
	struct pki k, other;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	pki_make(&other, "C=CH, O=Skua, CN=Other CA");
	add_conns(&k, WEST EAST AGGR, NULL);
	xch_set_creds(XCH_WEST, other.trust, false, NULL, NULL, 0);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, AM2);
	assert_refused(XCH_WEST);
	pki_free(&k);
	pki_free(&other);
}

/* West claims an ID its certificate does not hold: east refuses message 5. */
Test(v1_cert, id_not_in_certificate_refused)
{
	struct pki k;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, "--name v1 --ikev1 --rsasig --host 127.0.0.1 --id @someone.else " EAST,
		  NULL);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	step_expect(XCH_WEST, MM56);
	assert_refused(XCH_EAST);
	pki_free(&k);
}

/* East's ID is not in its certificate: the Main Mode initiator refuses message 6. */
Test(v1_cert, responder_id_not_in_certificate_refused)
{
	struct pki k;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k, WEST "--to --host 127.0.0.2 --id @someone.else --encrypt", NULL);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	step_expect(XCH_WEST, MM56);
	step_expect(XCH_EAST, MM56);
	assert_refused(XCH_WEST);
	pki_free(&k);
}

/* DN IDs (the certificates' subjects, as --id "%fromcert" gives them) work too. */
Test(v1_cert, dn_ids)
{
	struct pki k;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k,
		  "--name v1 --ikev1 --rsasig --host 127.0.0.1 --id C=CH,O=Skua,CN=west.example "
		  "--to --host 127.0.0.2 --id C=CH,O=Skua,CN=east.example --encrypt",
		  NULL);
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9, "Main Mode and Quick Mode");
	cr_assert_eq(xch_sa(XCH_EAST)->ext->id_remote->type, V1_ID_DER_ASN1_DN);
	cr_assert_eq(xch_sa(XCH_WEST)->ext->id_remote->type, V1_ID_DER_ASN1_DN);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	pki_free(&k);
}

/*
 * With signatures too, Main Mode's responder goes over at message 5 from
 * the connection the addresses chose ("anyid", any peer ID) to the one that
 * names the peer ("named"): certificate groups on one address.
 */
Test(v1_cert, main_mode_switches_to_the_connection_naming_the_peer_id)
{
	static const char *const east[2] = {
		"--name anyid --ikev1 --rsasig --host 127.0.0.1 --id %any " EAST,
		"--name named --ikev1 --rsasig --host 127.0.0.1 --id @west.example " EAST,
	};
	struct ike_end_creds creds[2] = { 0 };
	struct pki k;

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	for (int s = 0; s < 2; s++) {
		xch_daemon((enum xch_side)s)->ikev1_policy = IKE_V1_ACCEPT;
		xch_set_creds((enum xch_side)s, k.trust, false, NULL, NULL, 0);
	}
	creds[XCH_WEST].cert = k.cert[XCH_WEST];
	creds[XCH_WEST].key = k.priv[XCH_WEST];
	cr_assert_not_null(xch_conn_add_creds(XCH_WEST, WEST EAST, creds));
	memset(creds, 0, sizeof(creds));
	creds[XCH_EAST].cert = k.cert[XCH_EAST];
	creds[XCH_EAST].key = k.priv[XCH_EAST];
	for (int i = 0; i < 2; i++)
		cr_assert_not_null(xch_conn_add_creds(XCH_EAST, east[i], creds));
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	cr_assert_str_eq(xch_sa(XCH_EAST)->conn->spec->name, "anyid");
	step_expect(XCH_WEST, MM56);
	cr_assert_str_eq(xch_sa(XCH_EAST)->conn->spec->name, "named");
	step_expect(XCH_EAST, MM56);
	assert_up(XCH_WEST, IKE_V1_MAIN_I4, IKE_V1_MAIN_R3);
	quick_then_delete(XCH_WEST);
	pki_free(&k);
}

/* What the initiating whack gives and sees: XAUTH's user and password. */
struct test_progress {
	struct ike_progress pr;
	char lines[4096];
};

static void tp_line(struct ike_progress *pr, unsigned rc, const char *text)
{
	struct test_progress *t = (struct test_progress *)pr;
	size_t n = strlen(t->lines);

	(void)rc;
	snprintf(t->lines + n, sizeof(t->lines) - n, "%s\n", text);
}

static void tp_release(struct ike_progress *pr)
{
	(void)pr;
}

static const struct ike_progress_ops tp_ops = { .line = tp_line, .release = tp_release };

/*
 * XAUTH after Main Mode with certificates: the transforms say
 * XAUTHInitRSA (65005), as libreswan's; the password is checked, then
 * Quick Mode.
 */
Test(v1_cert, xauth_after_certificates)
{
	static struct test_progress tp;
	char dir[64] = "/tmp/skua-v1cert-XXXXXX", path[128], salt[64];
	struct crypt_data cd;
	struct pki k;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/passwd", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	memset(&cd, 0, sizeof(cd));
	cr_assert_not_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
	fprintf(f, "alice:%s\n", crypt_r("open sesame", salt, &cd));
	fclose(f);
	xch_daemon(XCH_EAST)->ipsecdir = dir;
	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	add_conns(&k,
		  "--name v1 --ikev1 --rsasig --host 127.0.0.1 --id @west.example --xauthclient "
		  "--to --host 127.0.0.2 --id @east.example --xauthserver --encrypt",
		  NULL);
	memset(&tp, 0, sizeof(tp));
	tp.pr.ops = &tp_ops;
	atomic_store(&tp.pr.refs, 1);
	tp.pr.xauth_user = "alice";
	tp.pr.xauth_pass = "open sesame";
	xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
	assert_offers(step_expect(XCH_WEST, MM1), V1_AUTH_XAUTH_I_RSA);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	step_expect(XCH_WEST, MM56);
	step_expect(XCH_EAST, MM56);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_XAUTH_I0);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_XAUTH_R0);
	xch_run_until_quiet();
	cr_assert_str_eq(xch_sa(XCH_EAST)->v1->xauth_user, "alice");
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I4);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R3);
	cr_assert_not_null(xch_sa(XCH_WEST)->children, "no Quick Mode after XAUTH");
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_not_null(strstr(tp.lines, "XAUTH: Successfully Authenticated"), "%s", tp.lines);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
	pki_free(&k);
	unlink(path);
	rmdir(dir);
}

/*
 * East has its certificate but no private key: it cannot sign message 6
 * and gives up, no fault of west's.
 */
Test(v1_cert, responder_without_private_key)
{
	struct pki k;
	struct crypto_privkey *keys[2];

	pki_make(&k, "C=CH, O=Skua, CN=Test CA");
	keys[0] = k.priv[0];
	keys[1] = NULL;
	add_conns(&k, WEST EAST, keys);
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	step_expect(XCH_WEST, MM56);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0, "counted as the peer's failure");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 0);
	pki_free(&k);
}

/* ---- ECDSA (RFC 4754): methods 9, 10, 11 by the key's curve ---- */

#define WEST_EC "--name v1 --ikev1 --ecdsa --host 127.0.0.1 --id @west.example "

/* A CA and a certificate with its key on curve kind ("p256", ...) for each side. */
static void pki_make_ec(struct pki *k, const char *kind)
{
	const char *const kinds[2] = { kind, kind };

	pki_make_kinds(k, "C=CH, O=Skua, CN=Test CA", "p256", kinds);
}

/* The signature's length and the method of a curve's key. */
static size_t ec_sig_len(uint16_t auth)
{
	return auth == V1_AUTH_ECDSA_256 ? 64 : auth == V1_AUTH_ECDSA_384 ? 96 : 132;
}

static void ecdsa_main_mode(enum xch_side from, const char *kind, uint16_t auth, const char *args)
{
	enum xch_side to = from == XCH_WEST ? XCH_EAST : XCH_WEST;
	struct pki k;
	const struct xch_msg *m;

	pki_make_ec(&k, kind);
	add_conns(&k, args, NULL);
	xch_initiate(from, "v1");
	m = step_expect(from, MM1);
	assert_offers(m, auth);
	m = step_expect(to, MM2);
	assert_offers(m, auth);
	step_expect(from, MM34);
	step_expect(to, MM34);
	m = step_expect(from, MM56);
	assert_cert_sig(m, &k, from, ec_sig_len(auth));
	m = step_expect(to, MM56);
	assert_cert_sig(m, &k, to, ec_sig_len(auth));
	assert_up_by(from, IKE_V1_MAIN_I4, IKE_V1_MAIN_R3, auth);
	quick_then_delete(from);
	pki_free(&k);
}

Test(v1_cert, ecdsa_p256_main_mode_west_initiates)
{
	ecdsa_main_mode(XCH_WEST, "p256", V1_AUTH_ECDSA_256, WEST_EC EAST);
}

Test(v1_cert, ecdsa_p256_main_mode_east_initiates)
{
	ecdsa_main_mode(XCH_EAST, "p256", V1_AUTH_ECDSA_256, WEST_EC EAST);
}

/* No --ecdsa: signatures by default, the key's method (as libreswan's authby=rsasig,ecdsa). */
Test(v1_cert, ecdsa_p384_main_mode_by_default)
{
	ecdsa_main_mode(XCH_WEST, "p384", V1_AUTH_ECDSA_384,
			"--name v1 --ikev1 --host 127.0.0.1 --id @west.example " EAST);
}

Test(v1_cert, ecdsa_p521_main_mode)
{
	ecdsa_main_mode(XCH_EAST, "p521", V1_AUTH_ECDSA_521, WEST_EC EAST);
}

static void ecdsa_aggressive(enum xch_side from, const char *kind, uint16_t auth)
{
	enum xch_side to = from == XCH_WEST ? XCH_EAST : XCH_WEST;
	struct pki k;
	const struct xch_msg *m;

	pki_make_ec(&k, kind);
	add_conns(&k, WEST_EC EAST AGGR, NULL);
	xch_initiate(from, "v1");
	m = step_expect(from, AM1);
	assert_offers(m, auth);
	m = step_expect(to, AM2);
	assert_offers(m, auth);
	assert_cert_sig(m, &k, to, ec_sig_len(auth));
	m = step_expect(from, AM3);
	assert_cert_sig(m, &k, from, ec_sig_len(auth));
	assert_up_by(from, IKE_V1_AGGR_I2, IKE_V1_AGGR_R2, auth);
	quick_then_delete(from);
	pki_free(&k);
}

Test(v1_cert, ecdsa_p256_aggressive_mode_west_initiates)
{
	ecdsa_aggressive(XCH_WEST, "p256", V1_AUTH_ECDSA_256);
}

Test(v1_cert, ecdsa_p256_aggressive_mode_east_initiates)
{
	ecdsa_aggressive(XCH_EAST, "p256", V1_AUTH_ECDSA_256);
}

Test(v1_cert, ecdsa_p384_aggressive_mode)
{
	ecdsa_aggressive(XCH_WEST, "p384", V1_AUTH_ECDSA_384);
}

/*
 * An ECDSA signature that does not verify (the other side's P-256 key: a
 * valid signature, by the wrong key). Main Mode: the responder refuses
 * message 5, the initiator message 6; Aggressive Mode: the initiator
 * message 2, the responder message 3.
 */
Test(v1_cert, ecdsa_bad_signature_each_role)
{
	for (int aggr = 0; aggr < 2; aggr++) {
		for (int bad = 0; bad < 2; bad++) {
			struct pki k;
			struct crypto_privkey *keys[2];

			pki_make_ec(&k, "p256");
			keys[0] = k.priv[0];
			keys[1] = k.priv[1];
			keys[bad] = k.priv[1 - bad];
			add_conns(&k, aggr ? WEST_EC EAST AGGR : WEST_EC EAST, keys);
			xch_initiate(XCH_WEST, "v1");
			if (!aggr) {
				step_expect(XCH_WEST, MM1);
				step_expect(XCH_EAST, MM2);
				step_expect(XCH_WEST, MM34);
				step_expect(XCH_EAST, MM34);
				step_expect(XCH_WEST, MM56);
				if (bad == 1)
					step_expect(XCH_EAST, MM56);
			} else {
				step_expect(XCH_WEST, AM1);
				step_expect(XCH_EAST, AM2);
				if (bad == 0)
					step_expect(XCH_WEST, AM3);
			}
			assert_refused(bad == 0 ? XCH_EAST : XCH_WEST);
			cr_assert_eq(xch_counter(bad == 0 ? XCH_WEST : XCH_EAST,
						 IKEC_IKE_ESTABLISHED),
				     (unsigned)(aggr ? bad == 0 : bad == 1));
			xch_teardown();
			xch_setup();
			pki_free(&k);
		}
	}
}

/*
 * A signer whose certificate's key does not make the negotiated method's
 * signature: it signs ECDSA_P256 (method 9) with a P-256 key but sends an
 * RSA certificate (west, checked by the responder in message 5) or a
 * P-384 one (east, checked by the initiator in message 6, which says so).
 */
Test(v1_cert, ecdsa_certificate_key_not_the_method_refused)
{
	static struct test_progress tp;

	for (int bad = 0; bad < 2; bad++) {
		static const char *const kinds[2][2] = { { "rsa2048", "p256" },
							 { "p256", "p384" } };
		struct pki k;
		struct crypto_privkey *keys[2];
		EVP_PKEY *p256 = cg_key("p256");

		pki_make_kinds(&k, "C=CH, O=Skua, CN=Test CA", "p256", kinds[bad]);
		keys[bad] = wrap_key(p256);
		keys[1 - bad] = k.priv[1 - bad];
		add_conns(&k, WEST_EC EAST, keys);
		memset(&tp, 0, sizeof(tp));
		tp.pr.ops = &tp_ops;
		atomic_store(&tp.pr.refs, 1);
		xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
		assert_offers(step_expect(XCH_WEST, MM1), V1_AUTH_ECDSA_256);
		step_expect(XCH_EAST, MM2);
		step_expect(XCH_WEST, MM34);
		step_expect(XCH_EAST, MM34);
		step_expect(XCH_WEST, MM56);
		if (bad == 1) {
			step_expect(XCH_EAST, MM56);
			assert_refused(XCH_WEST);
			cr_assert_not_null(strstr(tp.lines, "has an ECDSA P-384 key, which does "
							    "not make the signature the peer "
							    "claims (ECDSA 256)"),
					   "%s", tp.lines);
		} else {
			assert_refused(XCH_EAST);
			cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I3);
		}
		xch_teardown();
		xch_setup();
		crypto_privkey_unref(keys[bad]);
		EVP_PKEY_free(p256);
		pki_free(&k);
	}
}

/*
 * West's key is on P-256 (method 9), east's on P-384 (method 10): IKEv1
 * authenticates both ends by one method, so east takes no proposal and
 * says NO_PROPOSAL_CHOSEN; nothing comes up.
 */
Test(v1_cert, ecdsa_methods_of_different_curves_refused)
{
	static const char *const kinds[2] = { "p256", "p384" };
	struct pki k;

	pki_make_kinds(&k, "C=CH, O=Skua, CN=Test CA", "p256", kinds);
	add_conns(&k, WEST_EC EAST, NULL);
	xch_initiate(XCH_WEST, "v1");
	assert_offers(step_expect(XCH_WEST, MM1), V1_AUTH_ECDSA_256);
	step_expect(XCH_EAST, "v1 Informational: N(14)");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NO_PROPOSAL_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 0);
	pki_free(&k);
}

/* XAUTH has no ECDSA method: an EC key under XAUTH is refused before anything is sent. */
Test(v1_cert, ecdsa_key_with_xauth_refused)
{
	static struct test_progress tp;
	struct pki k;

	pki_make_ec(&k, "p256");
	add_conns(&k,
		  "--name v1 --ikev1 --host 127.0.0.1 --id @west.example --xauthclient "
		  "--to --host 127.0.0.2 --id @east.example --xauthserver --encrypt",
		  NULL);
	memset(&tp, 0, sizeof(tp));
	tp.pr.ops = &tp_ops;
	atomic_store(&tp.pr.refs, 1);
	xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
	cr_assert_not(xch_pending(XCH_WEST), "west sent a proposal");
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_not_null(strstr(tp.lines, "XAUTH with ECDSA"), "%s", tp.lines);
	pki_free(&k);
}
