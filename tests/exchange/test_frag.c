/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv2 fragmentation (RFC 7383) between two in-process engines (xch.h):
 * the announcement in IKE_SA_INIT, an IKE_AUTH too big for the IPv4 path
 * (576-byte datagrams) cut into SKF fragments both ways, a lost fragment
 * (the retransmission resends them all), a forged one (dropped, counted,
 * nothing stored), and --fragmentation no and force. Certificates (ECDSA
 * P-256, made here) and long IDs make IKE_AUTH big. West (127.0.0.1)
 * initiates. Needs root.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "exchange/xch.h"
#include "ike/v2/frag_sa.h"

#include "lib/certgen.h"

/* A CA and a certificate with its key for each side, as test_auth.c makes them. */
static struct {
	EVP_PKEY *ca_key, *key[2];
	X509 *ca, *x[2];
	struct crypto_trust *trust;
	struct crypto_cert *cert[2];
	struct crypto_privkey *priv[2];
} pki;

static struct crypto_privkey *wrap_key(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(k, &der);
	struct crypto_privkey *p = NULL;

	cr_assert_eq(crypto_privkey_from_buf(der, (size_t)n, NULL, &p), 0);
	OPENSSL_free(der);
	return p;
}

static void setup(void)
{
	static const char *names[2] = { "C=CH, O=Skua, CN=west.example",
					"C=CH, O=Skua, CN=east.example" };
	static const char *sans[2] = { "DNS:west.example", "DNS:east.example" };
	struct crypto_cert *ca;

	xch_setup();
	pki.ca_key = cg_key("p256");
	pki.ca = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua, CN=Test CA",
					    .key = pki.ca_key, .ca = true });
	for (int i = 0; i < 2; i++) {
		pki.key[i] = cg_key("p256");
		pki.x[i] = cg_cert(&(struct cg_spec){ .subject = names[i], .key = pki.key[i],
						      .issuer = pki.ca, .issuer_key = pki.ca_key,
						      .san = sans[i], .ku = "digitalSignature" });
		pki.cert[i] = cg_wrap(pki.x[i]);
		pki.priv[i] = wrap_key(pki.key[i]);
	}
	pki.trust = crypto_trust_new();
	ca = cg_wrap(pki.ca);
	cr_assert_eq(crypto_trust_add_ca(pki.trust, ca), 0);
	crypto_cert_unref(ca);
	crypto_trust_seal(pki.trust);
}

static void teardown(void)
{
	xch_teardown();
	for (int i = 0; i < 2; i++) {
		crypto_cert_unref(pki.cert[i]);
		crypto_privkey_unref(pki.priv[i]);
		X509_free(pki.x[i]);
		EVP_PKEY_free(pki.key[i]);
	}
	crypto_trust_unref(pki.trust);
	X509_free(pki.ca);
	EVP_PKEY_free(pki.ca_key);
}

TestSuite(frag, .init = setup, .fini = teardown, .timeout = 60);

#define CERT_CONN                                                                          \
	"--name t --host 127.0.0.1 --id @west.example --client 10.1.0.0/16 --to --host "    \
	"127.0.0.2 --id @east.example --client 10.2.0.0/16 --encrypt --authby ecdsa "       \
	"--keyingtries 1 --fragmentation "

/* Side s's connection with certificates, trusting the CA, with this --fragmentation. */
static void cert_conn(enum xch_side s, const char *frag)
{
	struct ike_end_creds creds[2] = { 0 };
	char args[512];

	snprintf(args, sizeof(args), CERT_CONN "%s", frag);
	creds[s].cert = pki.cert[s];
	creds[s].key = pki.priv[s];
	xch_conn_add_creds(s, args, creds);
	xch_set_creds(s, pki.trust, false, NULL, NULL, 0);
}

static void cert_conns(const char *frag)
{
	cert_conn(XCH_WEST, frag);
	cert_conn(XCH_EAST, frag);
}

#define NATD "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"
#define FRAGSUP " N(IKEV2_FRAGMENTATION_SUPPORTED)"
#define SIGHASH " N(SIGNATURE_HASH_ALGORITHMS)"
#define CERT_INIT_REQ "SA KE Ni " NATD FRAGSUP SIGHASH
#define CERT_INIT_RESP "SA KE Nr " NATD FRAGSUP SIGHASH " CERTREQ"

enum { ID_LEN = 250, RETRANSMIT_MS = 500, IPV4_LIMIT = 576 - 20 - 8 };

static char conn_args[4096];

/* The tunnel with IDs of ID_LEN characters each, and this --fragmentation (or none). */
static const char *conn(const char *frag)
{
	char w[ID_LEN + 1], e[ID_LEN + 1];

	memset(w, 'w', ID_LEN);
	memset(e, 'e', ID_LEN);
	w[ID_LEN] = e[ID_LEN] = '\0';
	snprintf(conn_args, sizeof(conn_args),
		 "--name t --host 127.0.0.1 --id @%s --client 10.1.0.0/16 --to --host 127.0.0.2 "
		 "--id @%s --client 10.2.0.0/16 --psk --encrypt --keyingtries 1%s%s",
		 w, e, frag ? " --fragmentation " : "", frag ? frag : "");
	return conn_args;
}

static const struct xch_msg *expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "nothing from %s; expected %s", from == XCH_WEST ? "west" : "east",
			   desc);
	cr_assert_str_eq(m->desc, desc);
	return m;
}

static void init_exchange(const char *req, const char *resp)
{
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, req);
	expect(XCH_EAST, resp);
}

static void assert_established(enum xch_side side)
{
	cr_assert_not_null(xch_sa(side));
	cr_assert_eq(xch_sa(side)->state, IKE_ESTABLISHED, "%s not established",
		     side == XCH_WEST ? "west" : "east");
}

/*
 * Both announce; IKE_AUTH goes in fragments each way, each fitting the
 * IPv4 path, and both ends put them together.
 */
Test(frag, auth_fragmented_both_ways)
{
	const struct xch_msg *m;

	cert_conns("yes");
	init_exchange(CERT_INIT_REQ, CERT_INIT_RESP);
	cr_assert(xch_sa(XCH_WEST)->frag);
	cr_assert(xch_sa(XCH_EAST)->frag);
	cr_assert_eq(v2_frag_limit(xch_sa(XCH_WEST)), IPV4_LIMIT);
	m = expect(XCH_WEST, "SKF(1/2)");
	cr_assert_leq(m->len, IPV4_LIMIT);
	cr_assert_eq(m->hdr.exchange, V2_IKE_AUTH);
	m = expect(XCH_WEST, "SKF(2/2)");
	cr_assert_leq(m->len, IPV4_LIMIT);
	m = expect(XCH_EAST, "SKF(1/2)");
	cr_assert(m->response);
	cr_assert_leq(m->len, IPV4_LIMIT);
	expect(XCH_EAST, "SKF(2/2)");
	assert_established(XCH_WEST);
	assert_established(XCH_EAST);
	cr_assert_not(xch_pending(XCH_WEST) || xch_pending(XCH_EAST));
	for (int s = XCH_WEST; s <= XCH_EAST; s++) {
		cr_assert_eq(xch_counter(s, IKEC_FRAG_SENT), 2);
		cr_assert_eq(xch_counter(s, IKEC_FRAG_RECEIVED), 2);
		cr_assert_eq(xch_counter(s, IKEC_FRAG_REASSEMBLED), 1);
		cr_assert_eq(xch_counter(s, IKEC_FRAG_BAD), 0);
		cr_assert_eq(xch_daemon(s)->w[0].frag_bytes, 0, "reassembly memory left");
	}
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_ESTABLISHED), 1);
}

/*
 * The first fragment of the request is lost: east keeps the second (and
 * does not answer); west's retransmission resends both and the exchange
 * completes. Then a lost response fragment: west retransmits, and east
 * answers again on the request's first fragment only.
 */
Test(frag, lost_fragments_retransmitted)
{
	cert_conns("yes");
	init_exchange(CERT_INIT_REQ, CERT_INIT_RESP);
	cr_assert_not_null(xch_drop_next(XCH_WEST));
	expect(XCH_WEST, "SKF(2/2)");
	cr_assert_not(xch_pending(XCH_EAST), "east answered half a request");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_RECEIVED), 1);
	cr_assert_gt(xch_daemon(XCH_EAST)->w[0].frag_bytes, 0);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_R_INIT_SENT);

	xch_advance(XCH_WEST, RETRANSMIT_MS);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 1);
	expect(XCH_WEST, "SKF(1/2)");
	/* The second again: a duplicate of what east holds, or what completes it. */
	expect(XCH_WEST, "SKF(2/2)");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_REASSEMBLED), 1);
	assert_established(XCH_EAST);

	/* East's response loses its second fragment. */
	expect(XCH_EAST, "SKF(1/2)");
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_I_AUTH_SENT);
	xch_advance(XCH_WEST, 2 * RETRANSMIT_MS);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 2);
	expect(XCH_WEST, "SKF(1/2)");
	expect(XCH_WEST, "SKF(2/2)");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1,
		     "east answered the retransmission other than once");
	expect(XCH_EAST, "SKF(1/2)");
	expect(XCH_EAST, "SKF(2/2)");
	cr_assert_not(xch_pending(XCH_EAST));
	assert_established(XCH_WEST);
	cr_assert_eq(xch_daemon(XCH_WEST)->w[0].frag_bytes, 0);
	cr_assert_eq(xch_daemon(XCH_EAST)->w[0].frag_bytes, 0);
}

/*
 * A forged fragment (one byte of its ciphertext changed) fails integrity
 * before anything of it is kept: dropped and counted. The genuine ones
 * then complete the message.
 */
Test(frag, forged_fragment_dropped)
{
	const struct xch_msg *m;
	uint8_t *first, *second;
	size_t len, len2;

	cert_conns("yes");
	init_exchange(CERT_INIT_REQ, CERT_INIT_RESP);
	m = xch_drop_next(XCH_WEST);
	cr_assert_str_eq(m->desc, "SKF(1/2)");
	len = m->len;
	first = xch_msg_copy(m);
	m = xch_drop_next(XCH_WEST);
	cr_assert_str_eq(m->desc, "SKF(2/2)");
	len2 = m->len;
	second = xch_msg_copy(m);
	first[len / 2] ^= 0x5a;
	xch_send_raw(XCH_WEST, first, len);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_BAD), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_RECEIVED), 0);
	cr_assert_eq(xch_daemon(XCH_EAST)->w[0].frag_bytes, 0, "a forged fragment was stored");
	/* nothing kept: not even the ext a half-open SA gets with its (genuine) IKE_AUTH request */
	cr_assert_null(xch_sa(XCH_EAST)->ext, "a forged fragment gave east's half-open SA its ext");

	/* The genuine first fragment (restored), then the second. */
	first[len / 2] ^= 0x5a;
	xch_send_raw(XCH_WEST, first, len);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_RECEIVED), 1);
	xch_send_raw(XCH_WEST, second, len2);
	xch_step(XCH_WEST);
	free(first);
	free(second);
	xch_run_until_quiet();
	assert_established(XCH_WEST);
	assert_established(XCH_EAST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_BAD), 1);
}

/* --fragmentation no: nothing announced, IKE_AUTH sent whole however big. */
Test(frag, fragmentation_no)
{
	const struct xch_msg *m;

	xch_conn_add(XCH_WEST, conn("no"));
	xch_conn_add(XCH_EAST, conn("yes"));
	init_exchange("SA KE Ni " NATD, "SA KE Nr " NATD);
	cr_assert_not(xch_sa(XCH_EAST)->frag);
	m = expect(XCH_WEST, "SK{IDi IDr AUTH SA TSi TSr}");
	cr_assert_gt(m->len, IPV4_LIMIT);
	expect(XCH_EAST, "SK{IDr AUTH SA TSi TSr}");
	assert_established(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_FRAG_SENT), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_SENT), 0);
}

/*
 * --fragmentation force: west cuts its IKE_AUTH although east (no) did
 * not announce; east, which accepts none, drops them as bad fragments.
 * Against a peer that announced (yes), force works as yes.
 */
Test(frag, fragmentation_force)
{
	xch_conn_add(XCH_WEST, conn("force"));
	xch_conn_add(XCH_EAST, conn("no"));
	init_exchange("SA KE Ni " NATD FRAGSUP, "SA KE Nr " NATD);
	cr_assert(xch_sa(XCH_WEST)->frag);
	cr_assert_not(xch_sa(XCH_EAST)->frag);
	expect(XCH_WEST, "SKF(1/2)");
	expect(XCH_WEST, "SKF(2/2)");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_BAD), 2);
	cr_assert_not(xch_pending(XCH_EAST), "east answered fragments it does not accept");
	cr_assert_neq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);
}

Test(frag, fragmentation_force_against_yes)
{
	cert_conn(XCH_WEST, "yes");
	cert_conn(XCH_EAST, "force");
	init_exchange(CERT_INIT_REQ, CERT_INIT_RESP);
	expect(XCH_WEST, "SKF(1/2)");
	expect(XCH_WEST, "SKF(2/2)");
	expect(XCH_EAST, "SKF(1/2)");
	expect(XCH_EAST, "SKF(2/2)");
	assert_established(XCH_WEST);
}

/* Small messages are never cut, even with fragmentation on. */
Test(frag, small_messages_whole)
{
	xch_conn_add_both("--name t --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to "
			  "--host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt "
			  "--fragmentation yes");
	init_exchange("SA KE Ni " NATD FRAGSUP, "SA KE Nr " NATD FRAGSUP);
	expect(XCH_WEST, "SK{IDi IDr AUTH SA TSi TSr}");
	expect(XCH_EAST, "SK{IDr AUTH SA TSi TSr}");
	assert_established(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_FRAG_SENT), 0);
}

/*
 * The worker's reassembly budget: with it full, an authenticated fragment
 * is dropped and counted, nothing kept; once there is room, the
 * retransmission completes the message.
 */
Test(frag, worker_budget_full)
{
	struct ike_worker *ew = &xch_daemon(XCH_EAST)->w[0];

	cert_conns("yes");
	init_exchange(CERT_INIT_REQ, CERT_INIT_RESP);
	ew->frag_bytes = V2_FRAG_WORKER_BYTES - 16;	/* other SAs' fragments, as it were */
	expect(XCH_WEST, "SKF(1/2)");
	expect(XCH_WEST, "SKF(2/2)");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_NOMEM), 2);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_RECEIVED), 0);
	cr_assert_eq(ew->frag_bytes, V2_FRAG_WORKER_BYTES - 16, "a fragment was kept");
	cr_assert_not(xch_pending(XCH_EAST));
	ew->frag_bytes = 0;
	xch_advance(XCH_WEST, RETRANSMIT_MS);
	expect(XCH_WEST, "SKF(1/2)");
	expect(XCH_WEST, "SKF(2/2)");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_FRAG_REASSEMBLED), 1);
	xch_run_until_quiet();
	assert_established(XCH_WEST);
	cr_assert_eq(ew->frag_bytes, 0);
}
