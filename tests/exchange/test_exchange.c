/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv2 exchanges between two in-process engines, west (127.0.0.1, the
 * initiator) and east (127.0.0.2, the responder), stepped one datagram at
 * a time by the harness (xch.h), asserting the payloads of every message
 * and the states on both sides. Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "crypto/ikev2_keys.h"
#include "crypto/ke.h"
#include "exchange/xch.h"
#include "ike/ts.h"
#include "ike/v2/child.h"
#include "ike/v2/exchange.h"
#include "ike/v2/kex.h"
#include "ike/v2/task.h"

TestSuite(exchange, .init = xch_setup, .fini = xch_teardown, .timeout = 30);

#define HOSTS "--name t --host 127.0.0.1 --id @west "
#define PEER " --to --host 127.0.0.2 --id @east "
/* The usual subnet-to-subnet tunnel; default proposals (DH31 first). */
#define CONN HOSTS "--client 10.1.0.0/16" PEER "--client 10.2.0.0/16 --psk --encrypt"

#define NATD "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"
#define INIT_REQ "SA KE Ni " NATD
#define INIT_RESP "SA KE Nr " NATD
#define AUTH_REQ "SK{IDi IDr AUTH SA TSi TSr}"
#define AUTH_RESP "SK{IDr AUTH SA TSi TSr}"

static const char *side_name(enum xch_side s)
{
	return s == XCH_WEST ? "west" : "east";
}

/* Deliver the next datagram from `from`; it must be this exchange, direction and payload list. */
static const struct xch_msg *expect(enum xch_side from, uint8_t exchange, bool response,
				    const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "%s sent nothing; expected %s", side_name(from), desc);
	cr_assert(m->decoded, "%s sent an undecodable message", side_name(from));
	cr_assert_eq(m->hdr.exchange, exchange, "%s sent exchange %u, expected %u",
		     side_name(from), m->hdr.exchange, exchange);
	cr_assert_eq(m->response, response, "%s: request/response flag", side_name(from));
	/* The Initiator flag tells the original initiator's messages (west's here). */
	cr_assert_eq(!!(m->hdr.flags & V2_FLAG_INITIATOR), from == XCH_WEST);
	cr_assert_str_eq(m->desc, desc, "%s sent \"%s\", expected \"%s\"", side_name(from),
			 m->desc, desc);
	return m;
}

static void assert_quiet(void)
{
	cr_assert_not(xch_pending(XCH_WEST), "west has a message in flight");
	cr_assert_not(xch_pending(XCH_EAST), "east has a message in flight");
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void assert_ts(const struct ike_ts *ts, const char *want)
{
	char buf[80];
	cr_assert_str_eq(ike_ts_str(ts, buf, sizeof(buf)), want, "selector %s, expected %s", buf,
			 want);
}

static void assert_sk_crossed(const struct crypto_sk *out, const struct crypto_sk *in)
{
	cr_assert_eq(out->encr, in->encr);
	cr_assert_eq(out->integ, in->integ);
	cr_assert_eq(out->ekey_len, in->ekey_len);
	cr_assert_eq(out->akey_len, in->akey_len);
	cr_assert_gt(out->ekey_len, 0);
	cr_assert_eq(out->aead, in->aead);
	cr_assert_eq(crypto_sk_size(out), crypto_sk_size(in));
	/* the cipher key, then the salt (AEAD) or the integrity key */
	cr_assert_arr_eq(out->key, in->key, out->ekey_len, "encryption keys differ");
	if (out->aead)
		cr_assert_arr_eq(out->key + out->ekey_len, in->key + in->ekey_len,
				 CRYPTO_SK_SALT_LEN, "salts differ");
	else
		cr_assert_arr_eq(out->key + out->ekey_len, in->key + in->ekey_len, out->akey_len,
				 "integrity keys differ");
}

static void assert_suite_eq(const struct v2_suite *a, const struct v2_suite *b)
{
	cr_assert_eq(a->protocol, b->protocol);
	cr_assert_eq(a->encr, b->encr);
	cr_assert_eq(a->encr_keylen, b->encr_keylen);
	cr_assert_eq(a->prf, b->prf);
	cr_assert_eq(a->integ, b->integ);
	cr_assert_eq(a->dh, b->dh);
	cr_assert_eq(a->esn, b->esn);
}

/* Both sides hold one established IKE SA with one installed Child SA, and they agree. */
static void assert_established_pair(void)
{
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(w->state, IKE_ESTABLISHED, "west in %s", ike_state_name(w->state));
	cr_assert_eq(e->state, IKE_ESTABLISHED, "east in %s", ike_state_name(e->state));
	cr_assert(w->initiator);
	cr_assert_not(e->initiator);
	cr_assert_arr_eq(w->spi_i, e->spi_i, 8);
	cr_assert_arr_eq(w->spi_r, e->spi_r, 8);
	assert_suite_eq(&w->suite, &e->suite);
	/* What one side seals the other opens: SK_ei/SK_ai = west's out, east's in. */
	assert_sk_crossed(w->keys->out, e->keys->in);
	assert_sk_crossed(e->keys->out, w->keys->in);
	cr_assert_eq(w->keys->sk_d_len, e->keys->sk_d_len);
	cr_assert_arr_eq(w->keys->sk_d, e->keys->sk_d, w->keys->sk_d_len, "SK_d differs");
	cr_assert_null(w->setup, "west kept its negotiation state");
	cr_assert_null(e->setup, "east kept its negotiation state");

	struct child_sa *wc = w->children, *ec = e->children;
	cr_assert_not_null(wc);
	cr_assert_not_null(ec);
	cr_assert_null(wc->next, "west has more than one Child SA");
	cr_assert_null(ec->next, "east has more than one Child SA");
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_eq(ec->state, CHILD_INSTALLED);
	cr_assert_neq(wc->spi_in, 0);
	cr_assert_neq(ec->spi_in, 0);
	cr_assert_eq(wc->spi_out, ec->spi_in, "west sends to 0x%08x, east receives on 0x%08x",
		     wc->spi_out, ec->spi_in);
	cr_assert_eq(ec->spi_out, wc->spi_in, "east sends to 0x%08x, west receives on 0x%08x",
		     ec->spi_out, wc->spi_in);
	assert_suite_eq(&wc->suite, &ec->suite);
	cr_assert_eq(wc->transport, ec->transport);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_UP), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_UP), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 1);
}

/* IKE_SA_INIT and IKE_AUTH without incident. */
static void establish(void)
{
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	assert_quiet();
	assert_established_pair();
}

Test(exchange, happy_path)
{
	const struct xch_msg *m;
	const struct v2_payload *p;
	static const uint8_t zero[8];
	uint8_t spi_i[8], spi_r[8];

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_I_INIT_SENT);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);

	/* HDR, SAi1, KEi, Ni, N(NAT-D)* --> */
	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	cr_assert_eq(m->hdr.msgid, 0);
	cr_assert_arr_eq(m->hdr.spir, zero, 8, "SPIr set in the first request");
	memcpy(spi_i, m->hdr.spii, 8);
	p = xch_msg_payload(m, V2_PL_KE);
	cr_assert_eq(p->u.ke.group, 31, "KE group %u: the default proposal leads with DH31",
		     p->u.ke.group);
	cr_assert_eq(p->u.ke.len, 32);
	cr_assert_eq(xch_msg_payload(m, V2_PL_NONCE)->u.nonce.len, 32);
	/* East answered statelessly? No: it keeps a half-open SA and has sent its response. */
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_R_INIT_SENT);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 1);

	/* <-- HDR, SAr1, KEr, Nr, N(NAT-D)* */
	m = expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	cr_assert_eq(m->hdr.msgid, 0);
	cr_assert_arr_eq(m->hdr.spii, spi_i, 8);
	cr_assert(memcmp(m->hdr.spir, zero, 8) != 0, "no responder SPI");
	memcpy(spi_r, m->hdr.spir, 8);
	cr_assert_eq(xch_msg_payload(m, V2_PL_KE)->u.ke.group, 31);
	cr_assert_eq(xch_msg_payload(m, V2_PL_SA)->u.sa->nprops, 1, "the answer holds one proposal");
	/* West derived its keys, got its Child SA's SPI from the kernel queue and sent IKE_AUTH. */
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_I_AUTH_SENT);
	cr_assert_not(xch_sa(XCH_WEST)->nat_local);
	cr_assert_not(xch_sa(XCH_WEST)->nat_peer);

	/* HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr} --> */
	m = expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	cr_assert_eq(m->hdr.msgid, 1);
	cr_assert_arr_eq(m->hdr.spir, spi_r, 8);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);

	/* <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr} */
	m = expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	cr_assert_eq(m->hdr.msgid, 1);
	p = xch_msg_payload(m, V2_PL_SA);
	cr_assert_eq(p->u.sa->nprops, 1);
	cr_assert_eq(p->u.sa->props[0].spi_size, 4);
	cr_assert_eq((uint32_t)be16(p->u.sa->props[0].spi) << 16 | be16(p->u.sa->props[0].spi + 2),
		     xch_sa(XCH_EAST)->children->spi_in, "SAr2 carries east's inbound SPI");

	assert_quiet();
	assert_established_pair();
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	cr_assert_eq(w->suite.dh, 31);
	cr_assert_eq(w->msgid_next, 2);
	cr_assert_eq(e->msgid_peer, 2);
	cr_assert_null(w->req, "west still holds its IKE_AUTH request for retransmission");
	assert_ts(&w->children->ts_local, "10.1.0.0/16");
	assert_ts(&w->children->ts_remote, "10.2.0.0/16");
	assert_ts(&e->children->ts_local, "10.2.0.0/16");
	assert_ts(&e->children->ts_remote, "10.1.0.0/16");
	cr_assert_not(w->children->transport, "--client means tunnel mode");
	for (int s = 0; s < 2; s++) {
		cr_assert_eq(xch_counter((enum xch_side)s, IKEC_IKE_ESTABLISHED), 1);
		cr_assert_eq(xch_counter((enum xch_side)s, IKEC_CHILD_ESTABLISHED), 1);
		cr_assert_eq(xch_counter((enum xch_side)s, IKEC_RX_DROPPED), 0);
		cr_assert_eq(xch_counter((enum xch_side)s, IKEC_TX_RETRANSMIT), 0);
	}
}

Test(exchange, cookie_when_busy)
{
	const struct xch_msg *m;
	const struct v2_payload *p;
	uint8_t spi_i[8], cookie[64], ke[64];
	uint16_t cookie_len, ke_len;

	xch_conn_add_both(CONN);
	atomic_store(&xch_daemon(XCH_EAST)->ddos_mode, 1);	/* whack --ddos-busy */
	xch_initiate(XCH_WEST, "t");

	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	memcpy(spi_i, m->hdr.spii, 8);
	p = xch_msg_payload(m, V2_PL_KE);
	ke_len = p->u.ke.len;
	cr_assert_leq(ke_len, sizeof(ke));
	memcpy(ke, p->u.ke.data, ke_len);
	/* Busy: no state for a peer that has not shown it sees our answers. */
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_COOKIES_SENT), 1);

	/* <-- HDR(A,0), N(COOKIE) */
	m = expect(XCH_EAST, V2_IKE_SA_INIT, true, "N(COOKIE)");
	cr_assert_arr_eq(m->hdr.spii, spi_i, 8);
	p = xch_msg_payload(m, V2_PL_NOTIFY);
	cookie_len = p->u.notify.len;
	cr_assert(cookie_len >= 1 && cookie_len <= 64, "cookie of %u bytes", cookie_len);
	memcpy(cookie, p->u.notify.data, cookie_len);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_I_INIT_SENT);

	/* HDR(A,0), N(COOKIE), SAi1, KEi, Ni, N(NAT-D)* --> : the cookie first, the same KE and SPI */
	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, "N(COOKIE) " INIT_REQ);
	cr_assert_eq(m->m->pl[0].type, V2_PL_NOTIFY);
	cr_assert_eq(m->m->pl[0].u.notify.len, cookie_len);
	cr_assert_arr_eq(m->m->pl[0].u.notify.data, cookie, cookie_len, "the cookie was not echoed");
	cr_assert_arr_eq(m->hdr.spii, spi_i, 8);
	p = xch_msg_payload(m, V2_PL_KE);
	cr_assert_eq(p->u.ke.len, ke_len);
	cr_assert_arr_eq(p->u.ke.data, ke, ke_len, "the KE value changed on the cookie round trip");
	/* The cookie verified: east now keeps state and answers for real. */
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_COOKIES_SENT), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_R_INIT_SENT);

	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	assert_quiet();
	assert_established_pair();
}

/* A key pair made in advance (ike_daemon.initiator_ke): handed over once, asked with the group. */
static struct {
	struct crypto_ke *ke;
	unsigned calls;
	uint16_t group;
} ahead;

static struct crypto_ke *ke_ahead(void *ctx, uint16_t group)
{
	struct crypto_ke *k = ahead.ke;

	(void)ctx;
	ahead.calls++;
	ahead.group = group;
	ahead.ke = NULL;
	return k;
}

Test(exchange, initiator_key_made_in_advance)
{
	const struct xch_msg *m;
	const struct v2_payload *p;
	uint8_t pub[32];

	cr_assert_eq(crypto_ke_new(31, &ahead.ke), 0);
	cr_assert_eq(crypto_ke_public(ahead.ke, pub, sizeof(pub)), 32);
	xch_daemon(XCH_WEST)->initiator_ke = ke_ahead;
	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	cr_assert_eq(ahead.calls, 1);
	cr_assert_eq(ahead.group, 31, "asked for group %u, not the proposal's first", ahead.group);

	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	p = xch_msg_payload(m, V2_PL_KE);
	cr_assert_eq(p->u.ke.len, 32);
	cr_assert_arr_eq(p->u.ke.data, pub, 32, "the KE payload is not the key made in advance");
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	assert_quiet();
	assert_established_pair();

	/* The next SA finds none made: its job makes one, another. */
	xch_initiate(XCH_WEST, "t");
	cr_assert_eq(ahead.calls, 2);
	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	p = xch_msg_payload(m, V2_PL_KE);
	cr_assert_eq(p->u.ke.len, 32);
	cr_assert(memcmp(p->u.ke.data, pub, 32) != 0, "a key made in advance was used twice");
	xch_daemon(XCH_WEST)->initiator_ke = NULL;
}

Test(exchange, invalid_ke_payload)
{
	const struct xch_msg *m;
	const struct v2_payload *p;
	uint8_t spi_i[8];

	/* West offers DH19 and DH31 and guesses DH19; east takes DH31 only. */
	xch_conn_add(XCH_WEST, CONN " --ike aes_gcm256-sha2_256-dh19+dh31");
	xch_conn_add(XCH_EAST, CONN " --ike aes_gcm256-sha2_256-dh31");
	xch_initiate(XCH_WEST, "t");

	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	memcpy(spi_i, m->hdr.spii, 8);
	cr_assert_eq(xch_msg_payload(m, V2_PL_KE)->u.ke.group, 19);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_INVALID_KE_SENT), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east kept state for a wrong guess");

	/* <-- N(INVALID_KE_PAYLOAD) with the group east wants */
	m = expect(XCH_EAST, V2_IKE_SA_INIT, true, "N(INVALID_KE_PAYLOAD)");
	p = xch_msg_payload(m, V2_PL_NOTIFY);
	cr_assert_eq(p->u.notify.len, 2);
	cr_assert_eq(be16(p->u.notify.data), 31);

	/* West computed a DH31 value and tries again, same SPI. */
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	m = expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	cr_assert_arr_eq(m->hdr.spii, spi_i, 8);
	p = xch_msg_payload(m, V2_PL_KE);
	cr_assert_eq(p->u.ke.group, 31);
	cr_assert_eq(p->u.ke.len, 32);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_INVALID_KE_SENT), 1);

	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	assert_quiet();
	assert_established_pair();
	cr_assert_eq(xch_sa(XCH_WEST)->suite.dh, 31);
	cr_assert_eq(xch_sa(XCH_EAST)->suite.dh, 31);
}

Test(exchange, no_proposal_chosen)
{
	xch_conn_add(XCH_WEST, CONN " --ike aes_gcm256-sha2_256-dh31");
	xch_conn_add(XCH_EAST, CONN " --ike aes128-sha2_256-dh31");
	xch_initiate(XCH_WEST, "t");

	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NO_PROPOSAL_SENT), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, "N(NO_PROPOSAL_CHOSEN)");
	/* Final: the SA is gone on both sides, nothing more is sent. */
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_WEST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 0);
	assert_quiet();
	/* Not retried later either: no timer left to fire. */
	xch_advance(XCH_WEST, 5000);
	assert_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
}

Test(exchange, bad_psk)
{
	xch_conn_add_both(CONN);
	xch_set_psk(XCH_WEST, "what west believes");
	xch_set_psk(XCH_EAST, "what east believes");
	xch_initiate(XCH_WEST, "t");

	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	/* East refused and dropped its SA at once. */
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);
	/* <-- HDR, SK {N(AUTHENTICATION_FAILED)}: protected, opened with west's keys */
	const struct xch_msg *m = expect(XCH_EAST, V2_IKE_AUTH, true, "SK{N(AUTHENTICATION_FAILED)}");
	cr_assert(m->opened);
	cr_assert_eq(m->hdr.msgid, 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west kept the failed SA");
	cr_assert_eq(xch_spi_table_count(XCH_WEST), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 0);
	assert_quiet();
}

static void assert_range(const struct v2_payload *p, const char *name, const uint8_t start[4],
			 const uint8_t end[4])
{
	cr_assert_not_null(p, "no %s", name);
	cr_assert_eq(p->u.ts->n, 1, "%s: %u selectors", name, p->u.ts->n);
	cr_assert_arr_eq(p->u.ts->ts[0].start, start, 4, "%s start", name);
	cr_assert_arr_eq(p->u.ts->ts[0].end, end, 4, "%s end", name);
}

Test(exchange, ts_narrowing)
{
	const struct xch_msg *m;
	static const uint8_t a10[4] = { 10, 0, 0, 0 }, z10[4] = { 10, 255, 255, 255 };
	static const uint8_t all0[4] = { 0, 0, 0, 0 }, all1[4] = { 255, 255, 255, 255 };
	static const uint8_t a101[4] = { 10, 1, 0, 0 }, z101[4] = { 10, 1, 255, 255 };
	static const uint8_t a102[4] = { 10, 2, 0, 0 }, z102[4] = { 10, 2, 255, 255 };

	/* West asks for 10.0.0.0/8 === 0.0.0.0/0; east allows only 10.1.0.0/16 === 10.2.0.0/16. */
	xch_conn_add(XCH_WEST, HOSTS "--client 10.0.0.0/8" PEER "--client 0.0.0.0/0 --psk --encrypt");
	xch_conn_add(XCH_EAST, CONN);
	xch_initiate(XCH_WEST, "t");

	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	m = expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	assert_range(xch_msg_payload(m, V2_PL_TSI), "TSi", a10, z10);
	assert_range(xch_msg_payload(m, V2_PL_TSR), "TSr", all0, all1);
	m = expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	assert_range(xch_msg_payload(m, V2_PL_TSI), "TSi", a101, z101);
	assert_range(xch_msg_payload(m, V2_PL_TSR), "TSr", a102, z102);
	assert_quiet();
	assert_established_pair();

	struct child_sa *wc = xch_sa(XCH_WEST)->children, *ec = xch_sa(XCH_EAST)->children;
	assert_ts(&wc->ts_local, "10.1.0.0/16");
	assert_ts(&wc->ts_remote, "10.2.0.0/16");
	assert_ts(&ec->ts_local, "10.2.0.0/16");
	assert_ts(&ec->ts_remote, "10.1.0.0/16");
}

Test(exchange, retransmit_lost_response)
{
	const struct xch_msg *m;
	uint8_t *req, *resp;
	size_t req_len, resp_len;
	uint64_t t0, t1, due;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	t0 = xch_now(XCH_WEST);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);	/* west sends IKE_AUTH in here */
	t1 = xch_now(XCH_WEST);
	struct ike_sa *w = xch_sa(XCH_WEST);
	cr_assert(timer_is_armed(&w->ext->retrans));
	due = timer_deadline(&w->ext->retrans);
	cr_assert(due >= t0 + 500 && due <= t1 + 500, "first retransmission %lld ms after sending",
		  (long long)(due - t1));
	m = expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	req = xch_msg_copy(m);
	req_len = m->len;
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);

	/* East's IKE_AUTH response is lost. */
	m = xch_drop_next(XCH_EAST);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->desc, AUTH_RESP);
	resp = xch_msg_copy(m);
	resp_len = m->len;
	assert_quiet();
	cr_assert_eq(w->state, IKE_I_AUTH_SENT);

	/* Nothing until the timeout... */
	xch_advance_to(XCH_WEST, due - 1);
	cr_assert_not(xch_pending(XCH_WEST), "retransmitted before the timeout");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 0);
	/*
	 * ... then the very same bytes again, and the next timeout twice as far:
	 * timers run on the worker's wheel clock, 1000 ms after the tick the
	 * first one fired on (the harness clock follows the real one, so the
	 * tick may be a millisecond or two past the deadline).
	 */
	t0 = due;
	xch_advance_to(XCH_WEST, due);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 1);
	cr_assert(timer_is_armed(&w->ext->retrans));
	due = timer_deadline(&w->ext->retrans);
	cr_assert(due >= t0 + 1000 && due <= t0 + 1002,
		  "second retransmission %lld ms after the first", (long long)(due - t0));
	m = expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	cr_assert_eq(m->len, req_len);
	cr_assert_arr_eq(m->bytes, req, req_len, "the retransmission differs from the request");
	/* East answers from its response cache: the dropped bytes, nothing recomputed. */
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
	cr_assert_eq(xch_sa(XCH_EAST)->msgid_peer, 2);
	m = expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	cr_assert_eq(m->len, resp_len);
	cr_assert_arr_eq(m->bytes, resp, resp_len, "the cached response differs from the first");
	cr_assert_not(timer_is_armed(&w->ext->retrans), "still retransmitting after the answer");
	assert_quiet();
	assert_established_pair();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_ESTABLISHED), 1, "east installed twice");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 1);
	free(req);
	free(resp);
}

Test(exchange, delete_ike_sa)
{
	const struct xch_msg *m;

	xch_conn_add_both(CONN);
	establish();

	/* West deletes, telling east: HDR, SK {D(IKE)} --> */
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_pump();
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_DELETING);
	m = expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(IKE)}");
	cr_assert_eq(m->hdr.msgid, 2);
	cr_assert_eq(xch_msg_payload(m, V2_PL_DELETE)->u.del.spi_size, 0);
	/* East freed its SA (and the Child SA) on the request. */
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_DELETED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_UP), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 0);

	/* <-- HDR, SK {}: RFC 7296 1.4.1, the answer to deleting the IKE SA is empty. */
	m = expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	cr_assert_eq(m->hdr.msgid, 2);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_WEST), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_DELETED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_UP), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 0);
	assert_quiet();
}

Test(exchange, malformed_dropped)
{
	const struct xch_msg *m;
	uint8_t garbage[64], *req, *bad;
	size_t len;
	uint64_t dropped;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	/* Hold back the real IKE_AUTH request; feed east broken ones first. */
	m = xch_drop_next(XCH_WEST);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->desc, AUTH_REQ);
	req = xch_msg_copy(m);
	len = m->len;
	struct ike_sa *e = xch_sa(XCH_EAST);
	cr_assert_eq(e->state, IKE_R_INIT_SENT);
	dropped = xch_counter(XCH_EAST, IKEC_RX_DROPPED);

	/* Garbage: not even an IKE header. */
	memset(garbage, 0x5a, sizeof(garbage));
	xch_send_raw(XCH_WEST, garbage, sizeof(garbage));
	m = xch_step(XCH_WEST);
	cr_assert_str_eq(m->desc, "garbage");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), dropped + 1);

	/* Truncated: the header's length no longer matches the datagram. */
	xch_send_raw(XCH_WEST, req, 40);
	m = xch_step(XCH_WEST);
	cr_assert_str_eq(m->desc, "garbage");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), dropped + 2);

	/* Truncated with the length patched: the SK payload runs past the end. */
	bad = malloc(len);
	cr_assert_not_null(bad);
	memcpy(bad, req, len);
	uint32_t short_len = (uint32_t)len - 20;
	bad[24] = (uint8_t)(short_len >> 24);
	bad[25] = (uint8_t)(short_len >> 16);
	bad[26] = (uint8_t)(short_len >> 8);
	bad[27] = (uint8_t)short_len;
	xch_send_raw(XCH_WEST, bad, short_len);
	m = xch_step(XCH_WEST);
	cr_assert_str_eq(m->desc, "garbage");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), dropped + 3);

	/* Bad ICV: the real request with its last (ICV) byte flipped. */
	memcpy(bad, req, len);
	bad[len - 1] ^= 0x01;
	xch_send_raw(XCH_WEST, bad, len);
	m = xch_step(XCH_WEST);
	cr_assert_str_eq(m->desc, "SK", "the harness opened a tampered message: %s", m->desc);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_BAD_ICV), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), dropped + 4);
	free(bad);

	/* None of it changed east: same SA, same state, same window, no answer. */
	assert_quiet();
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_sa(XCH_EAST), e);
	cr_assert_eq(e->state, IKE_R_INIT_SENT);
	cr_assert_eq(e->msgid_peer, 1);
	cr_assert_not_null(e->setup);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 0);

	/* The genuine request still works. */
	xch_send_raw(XCH_WEST, req, len);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	assert_quiet();
	assert_established_pair();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
	free(req);
}

/*
 * The IKE SA rekeyed in place (RFC 7296 1.3.2): at lifetime - rekeymargin
 * west sends CREATE_CHILD_SA {SA, Ni, KEi} on the old IKE SA; both sides
 * move the Child SA to the new IKE SA, whose keys match, and west deletes
 * the old one. The Child SA is not touched: same SPIs, still installed.
 */
Test(exchange, rekey_ike_in_place)
{
	const struct xch_msg *m;
	struct ike_sa *old_w, *old_e, *new_w, *new_e;
	uint32_t spi_in, spi_out;

	xch_conn_add_both(CONN " --ikelifetime 60 --rekeymargin 20 --rekeyfuzz 0");
	establish();
	old_w = xch_sa(XCH_WEST);
	old_e = xch_sa(XCH_EAST);
	spi_in = old_w->children->spi_in;
	spi_out = old_w->children->spi_out;
	/* the old SA's keys are wiped when it goes: its SK_d, to compare */
	uint8_t old_sk_d[CRYPTO_PRF_MAX];
	size_t old_sk_d_len = old_w->keys->sk_d_len;
	memcpy(old_sk_d, old_w->keys->sk_d, old_sk_d_len);

	xch_advance(XCH_WEST, 39000);
	cr_assert_not(xch_pending(XCH_WEST), "rekeyed before the margin");
	xch_advance(XCH_WEST, 1100);

	m = expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	cr_assert(memcmp(m->hdr.spii, old_w->spi_i, 8) == 0, "sent on the old IKE SA");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr KE}");
	/* West deletes the old IKE SA once the new one has its keys. */
	m = expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(IKE)}");
	cr_assert(memcmp(m->hdr.spii, old_w->spi_i, 8) == 0, "the Delete is for the old IKE SA");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	assert_quiet();

	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	new_w = xch_sa(XCH_WEST);
	new_e = xch_sa(XCH_EAST);
	cr_assert_neq(memcmp(new_w->spi_i, m->hdr.spii, 8), 0, "new SPIs");
	cr_assert_arr_eq(new_w->spi_i, new_e->spi_i, 8);
	cr_assert_arr_eq(new_w->spi_r, new_e->spi_r, 8);
	cr_assert(new_w->initiator, "the rekey's initiator is the new SA's initiator");
	cr_assert_not(new_e->initiator);
	assert_sk_crossed(new_w->keys->out, new_e->keys->in);
	assert_sk_crossed(new_e->keys->out, new_w->keys->in);
	cr_assert_arr_eq(new_w->keys->sk_d, new_e->keys->sk_d, new_w->keys->sk_d_len);
	cr_assert_eq(new_w->keys->sk_d_len, old_sk_d_len);
	cr_assert_neq(memcmp(new_w->keys->sk_d, old_sk_d, old_sk_d_len), 0, "new SK_d");
	(void)old_e;
	/* The Child SA moved, untouched. */
	cr_assert_not_null(new_w->children);
	cr_assert_eq(new_w->children->spi_in, spi_in);
	cr_assert_eq(new_w->children->spi_out, spi_out);
	cr_assert_eq(new_w->children->state, CHILD_INSTALLED);
	cr_assert_not_null(new_e->children);
	cr_assert_eq(new_e->children->spi_out, spi_in);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_REKEYED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_REKEYED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_UP), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_UP), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 1);
	cr_assert_eq(atomic_load(&new_w->conn->children_up), 1);

	/* The new IKE SA works: a Child SA rekey over it. */
	cr_assert(ike_child_rekey(new_w, new_w->children, "test"));
	xch_pump();
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
}

/*
 * whack --terminate while our IKE SA rekey is out: the Delete queued on
 * the old IKE SA moves to the new one when the rekey completes, so both
 * IKE SAs go, and the Child SA that moved to the new one with them (it
 * stayed in both kernels, rekeyed for ever, in tests/kernel/rekey.sh).
 */
Test(exchange, delete_queued_during_ike_rekey_deletes_the_new_sa)
{
	xch_conn_add_both(CONN);
	establish();
	struct ike_sa *old_w = xch_sa(XCH_WEST);
	uint32_t spi_in = old_w->children->spi_in;

	cr_assert(ike_sa_rekey(old_w, "test"));
	xch_pump();
	old_w->terminating = true;	/* as whack --terminate does */
	ike_sa_delete(old_w, true);	/* behind the rekey's request */
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr KE}");
	/* the rekey's Delete of the old IKE SA, and the terminate's of the new one */
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(IKE)}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(IKE)}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	assert_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "an IKE SA of west survived");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "an IKE SA of east survived");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 0);
	cr_assert(xch_kernel_op_seq(XCH_WEST, KERNEL_OP_SA_DELETE, spi_in) > 0,
		  "the Child SA stayed in west's kernel");
}

/*
 * A rekeyed Child SA whose Delete was answered keeps its SAs for
 * CHILD_REKEYED_LINGER_MS (ESP the peer sent just before its switch):
 * let that pass on both sides.
 */
static void past_linger(void)
{
	for (int side = 0; side < 2; side++) {
		bool lingers = false;
		for (const struct child_sa *c = xch_sa((enum xch_side)side)->children; c; c = c->next)
			if (c->lingering) {
				cr_assert(c->superseded, "a lingering Child SA that was not replaced");
				lingers = true;
			}
		if (lingers)
			xch_advance((enum xch_side)side, CHILD_REKEYED_LINGER_MS);
	}
}

/* One Child SA of each side, installed and paired, and no other. */
static void assert_one_child_pair(void)
{
	past_linger();
	struct child_sa *wc = xch_sa(XCH_WEST)->children, *ec = xch_sa(XCH_EAST)->children;

	cr_assert_not_null(wc);
	cr_assert_not_null(ec);
	cr_assert_null(wc->next, "west has more than one Child SA");
	cr_assert_null(ec->next, "east has more than one Child SA");
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_eq(ec->state, CHILD_INSTALLED);
	cr_assert_eq(wc->spi_out, ec->spi_in);
	cr_assert_eq(ec->spi_out, wc->spi_in);
	assert_suite_eq(&wc->suite, &ec->suite);
	cr_assert_eq(atomic_load(&wc->conn->policy_owner), wc->serial, "west's policies");
	cr_assert_eq(atomic_load(&ec->conn->policy_owner), ec->serial, "east's policies");
	cr_assert_eq(atomic_load(&wc->conn->children_up), 1);
	cr_assert_eq(atomic_load(&ec->conn->children_up), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 1);
}

/* Rekey the Child SA from side `by`, which deletes the old one afterwards. */
static void rekey_child_from(enum xch_side by, const char *req, const char *resp)
{
	enum xch_side peer = by == XCH_WEST ? XCH_EAST : XCH_WEST;
	struct ike_sa *sa = xch_sa(by);
	struct child_sa *old = sa->children;
	uint32_t old_in = old->spi_in, old_out = old->spi_out, old_reqid = old->reqid;

	cr_assert(ike_child_rekey(sa, old, "test"));
	cr_assert_not(ike_child_rekey(sa, old, "test again"), "rekeyed twice");
	xch_pump();
	expect(by, V2_CREATE_CHILD_SA, false, req);
	expect(peer, V2_CREATE_CHILD_SA, true, resp);
	/* Make before break: both Child SAs installed, the new one owns the policies. */
	struct child_sa *nc = sa->children->next;
	cr_assert_not_null(nc, "no new Child SA");
	cr_assert_eq(nc->state, CHILD_INSTALLED);
	cr_assert_eq(nc->reqid, old_reqid, "a rekey keeps the reqid (same policies)");
	cr_assert_eq(atomic_load(&nc->conn->policy_owner), nc->serial);
	cr_assert_eq(atomic_load(&nc->conn->children_up), 2);
	/*
	 * The initiator has both new SAs; the responder only the inbound one:
	 * its outbound SA waits for the Delete of the old Child SA, so it
	 * never sends on an SA the initiator had not keyed yet.
	 */
	struct child_sa *pnc = xch_sa(peer)->children->next;
	cr_assert_not_null(pnc, "no new Child SA on the responder");
	cr_assert_eq(pnc->state, CHILD_INSTALLED);
	cr_assert_not_null(xch_kernel_sa(by, nc->spi_in), "the initiator's new inbound SA");
	cr_assert_not_null(xch_kernel_sa(by, nc->spi_out), "the initiator's new outbound SA");
	cr_assert_not_null(xch_kernel_sa(peer, pnc->spi_in), "the responder's new inbound SA");
	cr_assert_eq(xch_kernel_op_seq(peer, KERNEL_OP_SA_ADD, pnc->spi_out), 0,
		     "the responder sends on the new SA before the initiator keyed it");
	cr_assert_not_null(pnc->out_deferred);
	const struct xch_msg *m = expect(by, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	const struct v2_payload *d = xch_msg_payload(m, V2_PL_DELETE);
	cr_assert_not_null(d);
	cr_assert_eq(v2_spi32_get(d->u.del.spis), old_in, "the Delete names the old Child SA");
	/*
	 * The Delete arrived: the new outbound SA comes now; the old one stays
	 * until its inbound twin's lingering ends, not deleted in the same
	 * moment (a packet already on its way through the kernel with it would
	 * meet it gone: XfrmOutStateInvalid, EINVAL to the sender).
	 */
	unsigned added = xch_kernel_op_seq(peer, KERNEL_OP_SA_ADD, pnc->spi_out);
	cr_assert(added > 0, "the responder's new outbound SA never reached the kernel");
	cr_assert_eq(xch_kernel_op_seq(peer, KERNEL_OP_SA_DELETE, old_in), 0,
		     "the responder's old outbound SA went as its heir came");
	cr_assert_null(pnc->out_deferred);
	expect(peer, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	/*
	 * Each side's old inbound SA lingers a moment (ESP the other sent
	 * before its switch may still be on the way); the initiator's old
	 * outbound SA goes at once (its new one has been in for a while), the
	 * responder's with the lingering (its new one came with the Delete).
	 */
	cr_assert_eq(xch_kernel_op_seq(by, KERNEL_OP_SA_DELETE, old_in), 0,
		     "the initiator's old inbound SA went at once");
	cr_assert_eq(xch_kernel_op_seq(peer, KERNEL_OP_SA_DELETE, old_out), 0,
		     "the responder's old inbound SA went at once");
	cr_assert(xch_kernel_op_seq(by, KERNEL_OP_SA_DELETE, old_out) > 0,
		  "the initiator's old outbound SA stayed after the Delete was answered");
	assert_one_child_pair();
	cr_assert(xch_kernel_op_seq(by, KERNEL_OP_SA_DELETE, old_in) > 0,
		  "the initiator's old inbound SA stayed after its linger");
	cr_assert(xch_kernel_op_seq(peer, KERNEL_OP_SA_DELETE, old_out) > 0,
		  "the responder's old inbound SA stayed after its linger");
	unsigned gone = xch_kernel_op_seq(peer, KERNEL_OP_SA_DELETE, old_in);
	cr_assert(gone > added, "the responder's old outbound SA: deleted at op %u, its heir "
		  "added at op %u", gone, added);
	cr_assert_neq(xch_sa(by)->children->spi_in, old_in, "a new SPI");
}

/*
 * RFC 7296 2.17: a Child SA's keys are KEYMAT = prf+(SK_d, Ni | Nr) of the
 * exchange that made it, those for the traffic from that exchange's
 * initiator first; for CREATE_CHILD_SA that is whoever sent the request,
 * not the IKE SA's original initiator (strongSwan's child_create takes
 * its own role in the exchange). Checked on the keys each kernel was
 * given, for a rekey from each side (east, the IKE SA's responder, first).
 */
Test(exchange, child_keys_follow_the_exchange_initiator)
{
	xch_conn_add_both(CONN);
	establish();
	for (int k = 0; k < 2; k++) {
		enum xch_side by = k ? XCH_WEST : XCH_EAST, peer = k ? XCH_EAST : XCH_WEST;
		struct ike_sa *sa = xch_sa(by);
		const struct v2_payload *n;
		const struct xch_msg *m;
		uint8_t ni[V2_NONCE_MAX], nr[V2_NONCE_MAX], keymat[2 * KERNEL_KEY_MAX];
		size_t ni_len, nr_len, half;

		cr_assert(ike_child_rekey(sa, sa->children, "test"));
		xch_pump();
		m = expect(by, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
		n = xch_msg_payload(m, V2_PL_NONCE);
		cr_assert_not_null(n);
		ni_len = n->u.nonce.len;
		memcpy(ni, n->u.nonce.data, ni_len);
		m = expect(peer, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
		n = xch_msg_payload(m, V2_PL_NONCE);
		cr_assert_not_null(n);
		nr_len = n->u.nonce.len;
		memcpy(nr, n->u.nonce.data, nr_len);
		expect(by, V2_INFORMATIONAL, false, "SK{D(ESP)}");
		expect(peer, V2_INFORMATIONAL, true, "SK{D(ESP)}");
		assert_quiet();
		assert_one_child_pair();

		struct child_sa *c = xch_sa(by)->children;
		const struct xch_kernel_sa *out = xch_kernel_sa(by, c->spi_out);
		const struct xch_kernel_sa *in = xch_kernel_sa(by, c->spi_in);
		const struct xch_kernel_sa *peer_in = xch_kernel_sa(peer, c->spi_out);
		half = crypto_esp_keymat_len(&c->suite);
		cr_assert_eq(crypto_child_keymat(sa->suite.prf, sa->keys->sk_d, sa->keys->sk_d_len, NULL, 0, ni,
						 ni_len, nr, nr_len, keymat, 2 * half), 0);
		cr_assert(out && in && peer_in, "the kernels were given both SAs");
		cr_assert_eq(out->key_len, half);
		cr_assert_arr_eq(out->key, keymat, half,
				 "%s sends with the first keys: it sent the request",
				 by == XCH_EAST ? "east" : "west");
		cr_assert_arr_eq(in->key, keymat + half, half);
		cr_assert_arr_eq(peer_in->key, keymat, half, "the peer receives with them");
	}
}

/*
 * --ipsec-max-bytes and --ipsec-max-packets (issue 10 item 3): each kernel
 * SA of the Child SA, both directions on both sides, gets them as its hard
 * limits, and soft limits as far before them as the rekey margin is before
 * the end of the lifetime (540 of 3600 s, no fuzz: 15 % earlier); the
 * kernel's soft expiry of one then starts the rekey (CREATE_CHILD_SA), and
 * the new SAs get the same limits.
 */
static void assert_limits(enum xch_side side, uint32_t spi)
{
	const struct xch_kernel_sa *k = xch_kernel_sa(side, spi);

	cr_assert_not_null(k, "%s's kernel has no SA 0x%08x", side_name(side), spi);
	cr_assert_eq(k->params.hard_bytes, 1000000, "hard bytes %llu",
		     (unsigned long long)k->params.hard_bytes);
	cr_assert_eq(k->params.soft_bytes, 850000, "soft bytes %llu",
		     (unsigned long long)k->params.soft_bytes);
	cr_assert_eq(k->params.hard_packets, 2000, "hard packets %llu",
		     (unsigned long long)k->params.hard_packets);
	cr_assert_eq(k->params.soft_packets, 1700, "soft packets %llu",
		     (unsigned long long)k->params.soft_packets);
}

Test(exchange, byte_and_packet_limits_start_the_rekey)
{
	xch_conn_add_both(CONN " --ipseclifetime 3600 --rekeymargin 540 --rekeyfuzz 0"
			       " --ipsec-max-bytes 1000000 --ipsec-max-packets 2000");
	establish();
	for (int side = 0; side < 2; side++) {
		const struct child_sa *c = xch_sa((enum xch_side)side)->children;
		assert_limits((enum xch_side)side, c->spi_in);
		assert_limits((enum xch_side)side, c->spi_out);
	}
	/* east's kernel: the outbound SA reached its soft byte limit */
	struct ike_sa *sa = xch_sa(XCH_EAST);
	struct child_sa *old = sa->children;
	struct kernel_event ev = { .kind = KERNEL_EVENT_EXPIRE, .hard = false,
				   .proto = IPPROTO_ESP, .spi = old->spi_out, .reqid = old->reqid,
				   .src = sa->local, .dst = sa->peer };
	uint32_t old_in = old->spi_in;
	ike_on_kernel_event(&ev, xch_daemon(XCH_EAST));
	xch_pump();
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	expect(XCH_EAST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	assert_one_child_pair();
	cr_assert_neq(xch_sa(XCH_EAST)->children->spi_in, old_in, "not rekeyed");
	for (int side = 0; side < 2; side++) {
		const struct child_sa *c = xch_sa((enum xch_side)side)->children;
		assert_limits((enum xch_side)side, c->spi_in);
		assert_limits((enum xch_side)side, c->spi_out);
	}
}

/* The soft limit: the margin's share of the lifetime, with the fuzz; at most half; none with --dontrekey. */
Test(exchange, soft_limit_arithmetic)
{
	struct conn_spec cs = { .ipsec_lifetime = 3600, .rekeymargin = 540 };

	cr_assert_eq(v2_child_soft_limit(0, &cs, 0), 0, "no limit, no soft limit");
	cr_assert_eq(v2_child_soft_limit(1000, &cs, 0), 850);
	cr_assert_eq(v2_child_soft_limit(1000, &cs, 100), 700, "100 %% fuzz doubles the margin");
	cr_assert_eq(v2_child_soft_limit(1000, &cs, 1000), 500, "at most half");
	cr_assert_eq(v2_child_soft_limit(INT64_MAX, &cs, 0),
		     (uint64_t)INT64_MAX - (uint64_t)INT64_MAX / 1000000 * 150000 -
			     (uint64_t)INT64_MAX % 1000000 * 150000 / 1000000,
		     "no overflow at the largest limit");
	cr_assert_eq(v2_child_soft_limit(1, &cs, 0), 1, "never 0 (none) for a limit");
	cs.rekeymargin = 3600;
	cr_assert_eq(v2_child_soft_limit(1000, &cs, 0), 500, "a margin past half the lifetime");
	cs.policy = POL_DONT_REKEY;
	cr_assert_eq(v2_child_soft_limit(1000, &cs, 0), 0, "--dontrekey: no rekey, no soft limit");
}

Test(exchange, rekey_child_both_sides)
{
	xch_conn_add_both(CONN);
	establish();
	rekey_child_from(XCH_WEST, "SK{N(REKEY_SA) SA Ni TSi TSr}", "SK{SA Nr TSi TSr}");
	rekey_child_from(XCH_EAST, "SK{N(REKEY_SA) SA Ni TSi TSr}", "SK{SA Nr TSi TSr}");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_REKEYED), 2);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_REKEYED), 2);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_ESTABLISHED), 3);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_ESTABLISHED), 3);
	/* Each side timed the one rekey it started. */
	for (int side = 0; side < 2; side++) {
		uint64_t n = 0;
		for (unsigned b = 0; b < IKE_REKEY_BUCKETS; b++)
			n += xch_daemon((enum xch_side)side)->w[0].rekey_ms_log2[b];
		cr_assert_eq(n, 1, "%s timed %llu rekeys", side_name((enum xch_side)side),
			     (unsigned long long)n);
	}
}

/*
 * The responder's deferred outbound SA goes in before the Delete once ESP
 * came on its new inbound SA (the initiator sends on the new SA, so it has
 * both): a peer dropping the old inbound SA when it sends its Delete
 * (libreswan 4.10) gets nothing on it. Without such ESP it waits.
 */
Test(exchange, rekey_child_responder_switches_on_peer_traffic)
{
	xch_conn_add_both(CONN);
	establish();
	struct ike_sa *sa = xch_sa(XCH_WEST);
	struct child_sa *old = sa->children;
	uint32_t old_in = old->spi_in, old_out = old->spi_out;

	cr_assert(ike_child_rekey(sa, old, "test"));
	xch_pump();
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	struct child_sa *pnc = xch_sa(XCH_EAST)->children->next;
	cr_assert_not_null(pnc);
	cr_assert_not_null(pnc->out_deferred);
	/* No ESP on the new inbound SA yet: still deferred after a few looks. */
	xch_advance(XCH_EAST, CHILD_OUT_POLL_FIRST_MS + 2 * CHILD_OUT_POLL_MS);
	cr_assert(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_QUERY, pnc->spi_in) > 0,
		  "the new inbound SA's counters were never looked at");
	cr_assert_not_null(pnc->out_deferred, "the outbound SA went in without ESP from the peer");
	cr_assert_eq(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_ADD, pnc->spi_out), 0);
	/* ESP came: the next look adds it, the old outbound SA still there. */
	xch_kernel_set_packets(XCH_EAST, pnc->spi_in, 3);
	xch_advance(XCH_EAST, CHILD_OUT_POLL_MS);
	cr_assert_null(pnc->out_deferred, "ESP came on the new SA, the outbound SA still waits");
	cr_assert(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_ADD, pnc->spi_out) > 0);
	cr_assert_eq(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, old_in), 0,
		     "the old outbound SA went before the Delete");
	/* Then the Delete: the old outbound SA goes, no second add of the new one. */
	unsigned added = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_ADD, pnc->spi_out);
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	cr_assert(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, old_in) > added);
	cr_assert_eq(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_ADD, pnc->spi_out), added);
	cr_assert_eq(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, old_out), 0,
		     "the old inbound SA went at once");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	assert_one_child_pair();
	cr_assert(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, old_out) > 0);
}

/* PFS: a KE in CREATE_CHILD_SA, from each side, with the group it must use. */
static void rekey_child_pfs(const char *conn, uint16_t group)
{
	xch_conn_add_both(conn);
	establish();
	rekey_child_from(XCH_WEST, "SK{N(REKEY_SA) SA Ni KE TSi TSr}", "SK{SA Nr KE TSi TSr}");
	cr_assert_eq(xch_sa(XCH_WEST)->children->suite.dh, group, "group %u, expected %u",
		     xch_sa(XCH_WEST)->children->suite.dh, group);
	rekey_child_from(XCH_EAST, "SK{N(REKEY_SA) SA Ni KE TSi TSr}", "SK{SA Nr KE TSi TSr}");
	cr_assert_eq(xch_sa(XCH_EAST)->children->suite.dh, group);
}

/* --pfs alone: the IKE SA's own group (Curve25519 by default). */
Test(exchange, rekey_child_pfs_ike_group)
{
	rekey_child_pfs(CONN " --pfs", V2_DH_CURVE25519);
}

/* The group from esp=...;dh (ECP) */
Test(exchange, rekey_child_pfs_esp_ecp)
{
	rekey_child_pfs(CONN " --esp aes_gcm256;dh19", V2_DH_ECP256);
}

/* ... and from esp=...-modp (MODP, with an integrity algorithm) */
Test(exchange, rekey_child_pfs_esp_modp)
{
	rekey_child_pfs(CONN " --esp aes256-sha2_256;modp2048", V2_DH_MODP2048);
}

/*
 * A key exchange job is sized for what it carries (v2_kex_job_bytes()):
 * its group's values, not the largest group's; its nonces at their
 * lengths; the SK_* keys only when it derives them. A responder's
 * Curve25519 job (SKEYSEED only, 32-byte nonces) needs a fraction of what
 * it took when every job had room for MODP-8192's values, two 256-byte
 * nonces and every key, and the largest group still fits, its public
 * values and shared secrets 1,024 bytes each: the IKE SA (SKEYSEED kept by
 * the responder, all the keys by the initiator) and a Child SA rekeyed
 * with PFS in it (the shared secret handed back whole).
 */
Test(exchange, key_exchange_jobs_sized_for_their_group)
{
	size_t x25519 = v2_kex_job_bytes(V2_DH_CURVE25519, KEX_SEED, 32 + 32 + 32);
	size_t x25519_keys = v2_kex_job_bytes(V2_DH_CURVE25519, KEX_INIT, 32 + 32 + 32);
	size_t modp8192 = v2_kex_job_bytes(V2_DH_MODP8192, KEX_INIT, 1024 + 32 + 32);

	cr_assert_lt(x25519, 512, "a responder's Curve25519 job takes %zu bytes", x25519);
	cr_assert_geq(x25519_keys, x25519 + sizeof(struct ikev2_keys),
		      "room for the keys only where derived: %zu and %zu", x25519_keys, x25519);
	cr_assert_geq(modp8192, 3 * 1024, "%zu bytes for MODP-8192's three values", modp8192);
	cr_assert_eq(v2_kex_job_bytes(0xfff0, KEX_GIR, 0),
		     v2_kex_job_bytes(V2_DH_MODP8192, KEX_GIR, 0),
		     "an unknown group gets room for the largest");
	rekey_child_pfs(CONN " --ike aes_gcm128-sha2_256-modp8192 --pfs", V2_DH_MODP8192);
}

/* --pfsgroup names the group. */
Test(exchange, rekey_child_pfs_pfsgroup)
{
	rekey_child_pfs(CONN " --pfs --pfsgroup modp3072", V2_DH_MODP3072);
}

/*
 * Both sides rekey the Child SA at once (2.8.1): both new SAs are made,
 * the one whose exchange holds the lowest nonce is deleted by its
 * initiator, and the winner's initiator deletes the old one.
 */
Test(exchange, rekey_child_collision)
{
	struct child_sa *wold, *eold;
	uint64_t wold_serial, eold_serial;

	xch_conn_add_both(CONN);
	establish();
	wold = xch_sa(XCH_WEST)->children;
	eold = xch_sa(XCH_EAST)->children;
	wold_serial = wold->serial;
	eold_serial = eold->serial;
	cr_assert(ike_child_rekey(xch_sa(XCH_WEST), wold, "test"));
	cr_assert(ike_child_rekey(xch_sa(XCH_EAST), eold, "test"));
	xch_pump();
	/* The requests cross. */
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	/* Then the Deletes: the loser's and the old one's, each by its initiator. */
	cr_assert_leq(xch_run_until_quiet(), 8);
	assert_quiet();
	assert_one_child_pair();
	cr_assert_neq(xch_sa(XCH_WEST)->children->serial, wold_serial, "the old one stayed");
	cr_assert_neq(xch_sa(XCH_EAST)->children->serial, eold_serial, "the old one stayed");
}

/*
 * A Child SA freed while its install batch is in the kernel (its IKE SA
 * deleted just then): when the answer comes, what the install added
 * leaves the kernel again, but for the policies, which a rekey shares with
 * the SA it replaces (that one's removal has them). East answers a rekey:
 * the request is taken, the install goes to the kernel, and the new Child
 * SA is freed before its answer is read.
 */
Test(exchange, child_freed_during_its_install_is_removed)
{
	xch_conn_add_both(CONN);
	establish();
	struct ike_sa *wsa = xch_sa(XCH_WEST), *esa = xch_sa(XCH_EAST);
	struct child_sa *old_e = esa->children;

	cr_assert(ike_child_rekey(wsa, wsa->children, "test"));
	xch_pump();
	unsigned before = xch_kernel_op_count();
	cr_assert_not_null(xch_deliver(XCH_WEST), "no CREATE_CHILD_SA request");
	struct child_sa *nc = old_e->next;
	cr_assert_not_null(nc, "east made no Child SA for the rekey");
	cr_assert_neq(nc->state, CHILD_INSTALLED, "installed before its answer was read");
	uint32_t spi_in = nc->spi_in;
	ike_child_unlink_free(esa, nc);
	xch_pump();
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_SA_ADD, NULL, before), 1,
		     "the install added its inbound SA alone (the outbound one waits)");
	unsigned added = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_ADD, spi_in);
	unsigned gone = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, spi_in);
	cr_assert(added > before, "the install never reached the kernel");
	cr_assert(gone > added, "the freed Child SA's inbound SA stayed in the kernel");
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, NULL, before), 0,
		     "the policies the old Child SA still uses were removed");
	cr_assert_eq(old_e->state, CHILD_INSTALLED, "the old Child SA was touched");
}

/* A lost CREATE_CHILD_SA response: the request is retransmitted and answered from the cache. */
Test(exchange, rekey_child_lost_response)
{
	xch_conn_add_both(CONN);
	establish();
	cr_assert(ike_child_rekey(xch_sa(XCH_WEST), xch_sa(XCH_WEST)->children, "test"));
	xch_pump();
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	cr_assert_not_null(xch_drop_next(XCH_EAST), "no response to lose");
	xch_advance(XCH_WEST, 600);
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	assert_one_child_pair();
}

/*
 * The peer rekeys the IKE SA while a Child SA exchange of ours is out:
 * TEMPORARY_FAILURE (2.25.2), and the rekey succeeds after a back-off.
 * Meanwhile a rekey of a Child SA the peer no longer has gets
 * CHILD_SA_NOT_FOUND.
 */
Test(exchange, temporary_failure_then_retry)
{
	struct ike_sa *w, *e;

	xch_conn_add_both(CONN);
	establish();
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert(ike_child_rekey(e, e->children, "test"));
	cr_assert(ike_sa_rekey(w, "test"));
	xch_pump();
	/*
	 * Both requests cross. East, its Child SA exchange out, refuses west's
	 * IKE SA rekey (2.25.2, first case); west, its IKE SA rekey out, refuses
	 * east's Child SA rekey (2.25.2: no Child SA while the IKE SA is rekeyed).
	 */
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{N(TEMPORARY_FAILURE)}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{N(TEMPORARY_FAILURE)}");
	assert_quiet();
	/* West's back-off (1 s and up to half as much again) ends first: the IKE SA is rekeyed. */
	xch_advance(XCH_WEST, 1600);
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr KE}");
	/*
	 * East's Child SA rekey moves to the new IKE SA with its queue and runs
	 * there (at once, or after its back-off).
	 */
	xch_run_until_quiet();
	xch_advance(XCH_EAST, 1600);
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_REKEYED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_REKEYED), 1, "east's Child SA rekey ran");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	assert_one_child_pair();
	/* Counted as pauses, not failures. */
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_TEMP_FAIL_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TEMP_FAIL_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TEMP_FAIL_RECV), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_TEMP_FAIL_RECV), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REKEY_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_REFUSED), 0);
}

/*
 * The peer rekeys the IKE SA while our Delete of a Child SA our rekey
 * replaced is out (an INFORMATIONAL, so 2.25.2 does not refuse it): the
 * Child SAs move to the new IKE SA, and the Delete's answer, which comes to
 * the old one, must still take the replaced Child SA away on both sides.
 */
Test(exchange, ike_rekey_while_our_child_delete_is_out)
{
	struct ike_sa *e;

	xch_conn_add_both(CONN);
	establish();
	e = xch_sa(XCH_EAST);
	cr_assert(ike_child_rekey(e, e->children, "test"));
	xch_pump();
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	/* East's Delete of the old Child SA is out; west rekeys the IKE SA meanwhile. */
	cr_assert(ike_sa_rekey(xch_sa(XCH_WEST), "test"));
	xch_pump();
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	expect(XCH_EAST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr KE}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(IKE)}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	assert_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	assert_one_child_pair();
}

/*
 * A Child SA rekey of ours that comes due while we are still computing our
 * answer to the peer's IKE SA rekey (2.25.2 keeps the two apart) waits for
 * the answer, then runs on the new IKE SA.
 */
Test(exchange, child_rekey_due_while_answering_ike_rekey)
{
	struct ike_sa *e;

	xch_conn_add_both(CONN);
	establish();
	e = xch_sa(XCH_EAST);
	cr_assert(ike_sa_rekey(xch_sa(XCH_WEST), "test"));
	xch_pump();
	/* East has west's request; its KE and keys are not computed yet. */
	cr_assert_not_null(xch_deliver(XCH_WEST));
	cr_assert(ike_child_rekey(e, e->children, "test"));
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_REKEYED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_REKEYED), 1, "east's Child SA rekey ran");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_REKEYED), 1);
	assert_one_child_pair();
}

/*
 * Both ends rekey the Child SA at once and ours is lost: the peer's rekey
 * completes and it deletes the old Child SA; our retransmission then gets
 * CHILD_SA_NOT_FOUND. The old SA was replaced, not lost: nothing failed.
 */
Test(exchange, rekey_lost_to_the_peers_rekey_is_no_failure)
{
	struct ike_sa *w, *e;

	xch_conn_add_both(CONN);
	establish();
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert(ike_child_rekey(w, w->children, "test"));
	cr_assert(ike_child_rekey(e, e->children, "test"));
	xch_pump();
	cr_assert_not_null(xch_drop_next(XCH_WEST), "west's request is lost");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	expect(XCH_EAST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	/* West retransmits its request for the Child SA east no longer has. */
	xch_advance(XCH_WEST, 600);
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{N(CHILD_SA_NOT_FOUND)}");
	assert_quiet();
	assert_one_child_pair();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_REFUSED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_REKEYED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_REKEYED), 1);
	/* West's task is over: its queue moves on (a liveness check goes out at once). */
	cr_assert_null(xch_sa(XCH_WEST)->active);
}

/* A rekey crossing a Delete: the peer deleted the Child SA, and answers CHILD_SA_NOT_FOUND. */
Test(exchange, rekey_crossing_delete)
{
	struct ike_sa *w, *e;

	xch_conn_add_both(CONN);
	establish();
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	v2_child_delete_tell_peer(e, e->children);
	cr_assert(ike_child_rekey(w, w->children, "test"));
	xch_pump();
	expect(XCH_EAST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	/* East is deleting that Child SA: TEMPORARY_FAILURE; west answers the Delete. */
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{N(TEMPORARY_FAILURE)}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	cr_assert_null(w->children, "west kept a Child SA the peer deleted");
	cr_assert_null(e->children, "east kept its Child SA");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 0);
	/* West's retry finds no Child SA to rekey and stops: nothing failed. */
	xch_advance(XCH_WEST, 1100);
	assert_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_TEMP_FAIL_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TEMP_FAIL_RECV), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 0);
}

/* A rekey the peer refuses for good (it no longer has the Child SA): failed, and refused. */
Test(exchange, rekey_refused_is_counted)
{
	struct ike_sa *w, *e;

	xch_conn_add_both(CONN);
	establish();
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	ike_child_unlink_free(e, e->children);	/* gone on east, west not told */
	cr_assert(ike_child_rekey(w, w->children, "test"));
	xch_pump();
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{N(CHILD_SA_NOT_FOUND)}");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_REFUSED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TEMP_FAIL_RECV), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_REKEYED), 0);
}

/* One more Child SA on the IKE SA, for a second connection between the same ends. */
Test(exchange, additional_child_sa)
{
	struct connection *t2;
	struct v2_task *t;

	xch_conn_add_both(CONN);
	xch_conn_add_both("--name t2 --host 127.0.0.1 --id @west --client 10.3.0.0/16 --to "
			  "--host 127.0.0.2 --id @east --client 10.4.0.0/16 --psk --encrypt");
	establish();
	t2 = xch_conn(XCH_WEST, "t2");
	t = v2_task_new(V2T_NEW_CHILD);
	ike_connection_ref(t2);
	t->conn = t2;
	t->this_end = xch_conn_end(XCH_WEST, "t2");
	v2_task_add(xch_sa(XCH_WEST), t);
	xch_pump();
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{SA Ni TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	assert_quiet();
	struct child_sa *w2 = xch_sa(XCH_WEST)->children->next, *e2 = xch_sa(XCH_EAST)->children->next;
	cr_assert_not_null(w2);
	cr_assert_not_null(e2);
	cr_assert_str_eq(w2->conn->spec->name, "t2");
	cr_assert_str_eq(e2->conn->spec->name, "t2", "east chose the connection by its selectors");
	assert_ts(&w2->ts_local, "10.3.0.0/16");
	assert_ts(&e2->ts_local, "10.4.0.0/16");
	cr_assert_eq(w2->spi_out, e2->spi_in);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 2);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_SAS), 2);
	cr_assert_eq(atomic_load(&e2->conn->children_up), 1);
}

/* West's liveness checks go unanswered: whatever west sends for `ms` is lost. */
static void west_unheard_for(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 500) {
		xch_advance(XCH_WEST, 500);
		while (xch_drop_next(XCH_WEST))
			;
	}
}

/* DPD: after dpddelay of silence an empty INFORMATIONAL; a peer that answers it lives. */
Test(exchange, dpd_answered_late)
{
	xch_conn_add_both(CONN " --dpddelay 5 --dpdtimeout 30 --dpdaction clear");
	establish();
	xch_advance(XCH_WEST, 4000);
	cr_assert_not(xch_pending(XCH_WEST), "a liveness check before dpddelay");
	xch_advance(XCH_WEST, 1100);
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{}");
	cr_assert_not_null(xch_drop_next(XCH_EAST), "east did not answer");
	/* The answer was lost; the retransmission is answered. */
	xch_advance(XCH_WEST, 600);
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	assert_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 0);
	/* Heard from: the next check waits another dpddelay. */
	xch_advance(XCH_WEST, 4000);
	cr_assert_not(xch_pending(XCH_WEST), "checked again too soon");
}

/* A silent peer is dead after dpdtimeout: clear removes the SAs. */
Test(exchange, dpd_silent_peer_clear)
{
	xch_conn_add_both(CONN " --dpddelay 5 --dpdtimeout 20 --dpdaction clear");
	establish();
	west_unheard_for(19000);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "dead before dpdtimeout");
	west_unheard_for(6000);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "the dead peer's SA stayed");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_SAS), 0);
	cr_assert_eq(atomic_load(&xch_conn(XCH_WEST, "t")->children_up), 0);
	cr_assert_not(xch_pending(XCH_WEST), "clear sends nothing more");
}

/* restart: the SAs go and the connection is initiated again. */
Test(exchange, dpd_silent_peer_restart)
{
	xch_conn_add_both(CONN " --dpddelay 5 --dpdtimeout 15 --dpdaction restart");
	establish();
	west_unheard_for(14000);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 0);
	/* At the tick after dpdtimeout west gives up on the SA and starts again. */
	for (int i = 0; i < 12 && !xch_counter(XCH_WEST, IKEC_PEER_DEAD); i++) {
		xch_advance(XCH_WEST, 500);
		if (!xch_counter(XCH_WEST, IKEC_PEER_DEAD))
			while (xch_drop_next(XCH_WEST))
				;
	}
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
}

/*
 * restart behind a NAT: the new IKE_SA_INIT goes from and to port 500
 * without the non-ESP marker, and the new SA moves to 4500 at IKE_AUTH as
 * any does. It went from the dead SA's port 4500, marker and all, to the
 * peer's port 500 (found in IKEv1 with strongSwan 5.9.8, "received
 * unsupported IKE version 0.0"; IKEv2 started the same way).
 */
Test(exchange, dpd_restart_behind_nat_starts_on_port_500)
{
	struct ike_sa *w;
	uint64_t old;

	xch_set_nat(XCH_WEST, "127.0.0.3");
	xch_daemon(XCH_WEST)->keep_alive_s = 0;	/* the clock runs: no keepalives on the wire */
	xch_conn_add(XCH_WEST, CONN " --dpddelay 5 --dpdtimeout 15 --dpdaction restart");
	/* east knows west by the NAT's address */
	xch_conn_add(XCH_EAST, "--name t --host 127.0.0.3 --id @west --client 10.1.0.0/16" PEER
			       "--client 10.2.0.0/16 --psk --encrypt");
	establish();
	w = xch_sa(XCH_WEST);
	cr_assert(w->natt && w->nat_local);
	cr_assert_eq(w->local_port, 4500);
	old = w->serial;
	for (int i = 0; i < 44 && !xch_counter(XCH_WEST, IKEC_PEER_DEAD); i++) {
		xch_advance(XCH_WEST, 500);
		if (!xch_counter(XCH_WEST, IKEC_PEER_DEAD))
			while (xch_drop_next(XCH_WEST))
				;
	}
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	w = xch_sa(XCH_WEST);
	cr_assert_gt(w->serial, old);
	cr_assert_not(w->natt, "the restart began on the NAT-T port");
	cr_assert_eq(w->local_port, 500);
	cr_assert_eq(w->peer_port, 500);
	cr_assert_eq(w->l->port, 500);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, AUTH_REQ);
	cr_assert(w->natt);
	cr_assert_eq(w->local_port, 4500);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	cr_assert_eq(w->state, IKE_ESTABLISHED);
}

/* hold: the SAs go and a trap holds the connection's traffic until it is renegotiated. */
Test(exchange, dpd_silent_peer_hold)
{
	struct connection *c;

	xch_conn_add_both(CONN " --dpddelay 5 --dpdtimeout 10 --dpdaction hold");
	establish();
	c = xch_conn(XCH_WEST, "t");
	cr_assert_eq(atomic_load(&c->routing), CONN_UNROUTED);
	west_unheard_for(16000);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	xch_pump();
	cr_assert_eq(atomic_load(&c->routing), CONN_ROUTED, "no trap holds the traffic");
	cr_assert_eq(atomic_load(&c->shunt), SHUNT_TRAP);
}

/* The Child SA rekeys itself at ipseclifetime - rekeymargin, from whichever end gets there first. */
Test(exchange, rekey_child_by_lifetime)
{
	uint32_t old_in;

	xch_conn_add_both(CONN " --ipseclifetime 60 --rekeymargin 20 --rekeyfuzz 0");
	establish();
	old_in = xch_sa(XCH_WEST)->children->spi_in;
	xch_advance(XCH_EAST, 39000);
	cr_assert_not(xch_pending(XCH_EAST), "rekeyed before the margin");
	xch_advance(XCH_EAST, 1100);
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	expect(XCH_EAST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	assert_one_child_pair();
	cr_assert_neq(xch_sa(XCH_WEST)->children->spi_in, old_in);
	/* West's rekey time for the old SA went with it: the new one's is 40 s after its birth. */
	xch_advance(XCH_WEST, 30000);
	assert_quiet();
	for (int side = 0; side < 2; side++) {
		cr_assert_eq(xch_counter((enum xch_side)side, IKEC_CHILD_EXPIRED), 0);
		cr_assert_eq(xch_counter((enum xch_side)side, IKEC_REKEY_FAILED), 0);
	}
}

/* With --dontrekey the Child SA just ends at its lifetime, and the peer is told. */

Test(exchange, child_lifetime_dontrekey)
{
	xch_conn_add_both(CONN " --ipseclifetime 60 --rekeymargin 20 --dontrekey");
	establish();
	xch_advance(XCH_WEST, 50000);
	assert_quiet();
	xch_advance(XCH_WEST, 10100);
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(ESP)}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{D(ESP)}");
	assert_quiet();
	cr_assert_null(xch_sa(XCH_WEST)->children);
	cr_assert_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED, "the IKE SA stays");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_EXPIRED), 1, "west's Child SA ran out");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_EXPIRED), 0, "east's was deleted by west");
}

/* With --dontrekey the IKE SA ends at its lifetime too: counted as expired. */
Test(exchange, ike_lifetime_dontrekey)
{
	xch_conn_add_both(CONN " --ikelifetime 60 --dontrekey");
	establish();
	xch_advance(XCH_WEST, 59000);
	assert_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_EXPIRED), 0);
	xch_advance(XCH_WEST, 1100);
	expect(XCH_WEST, V2_INFORMATIONAL, false, "SK{D(IKE)}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, "SK{}");
	assert_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_EXPIRED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_EXPIRED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* After any rekey collision: one IKE SA each side, the same one, with the one Child SA pair. */
static void assert_settled_pair(void)
{
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "west has %u IKE SAs", xch_sa_count(XCH_WEST));
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "east has %u IKE SAs", xch_sa_count(XCH_EAST));
	cr_assert_eq(w->state, IKE_ESTABLISHED, "west in %s", ike_state_name(w->state));
	cr_assert_eq(e->state, IKE_ESTABLISHED, "east in %s", ike_state_name(e->state));
	cr_assert_arr_eq(w->spi_i, e->spi_i, 8, "not the same IKE SA");
	cr_assert_arr_eq(w->spi_r, e->spi_r, 8, "not the same IKE SA");
	assert_sk_crossed(w->keys->out, e->keys->in);
	assert_sk_crossed(e->keys->out, w->keys->in);
	assert_one_child_pair();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_UP), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_UP), 1);
}

/*
 * Both ends rekey the IKE SA at once (2.8.2): both new IKE SAs are made;
 * the one whose exchange holds the lowest nonce is deleted by its
 * initiator, the other takes the Child SA, and its initiator deletes the
 * old IKE SA. first says whose request arrives first.
 */
static void ike_rekey_collision(enum xch_side first)
{
	enum xch_side second = first == XCH_WEST ? XCH_EAST : XCH_WEST;
	uint8_t old_spi[8];

	xch_conn_add_both(CONN);
	establish();
	memcpy(old_spi, xch_sa(XCH_WEST)->spi_i, 8);
	cr_assert(ike_sa_rekey(xch_sa(XCH_WEST), "test"));
	cr_assert(ike_sa_rekey(xch_sa(XCH_EAST), "test"));
	xch_pump();
	expect(first, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	expect(second, V2_CREATE_CHILD_SA, false, "SK{SA Ni KE}");
	/* Both answer: a collision is no reason to refuse. */
	expect(second, V2_CREATE_CHILD_SA, true, "SK{SA Nr KE}");
	expect(first, V2_CREATE_CHILD_SA, true, "SK{SA Nr KE}");
	/* Then the Deletes of the redundant new SA and of the old one. */
	cr_assert_leq(xch_run_until_quiet(), 8);
	assert_quiet();
	assert_settled_pair();
	cr_assert_neq(memcmp(xch_sa(XCH_WEST)->spi_i, old_spi, 8), 0, "the old IKE SA stayed");
}

Test(exchange, rekey_ike_collision_west_first)
{
	ike_rekey_collision(XCH_WEST);
}

Test(exchange, rekey_ike_collision_east_first)
{
	ike_rekey_collision(XCH_EAST);
}

/* The Child SA collision with east's request delivered first. */
Test(exchange, rekey_child_collision_east_first)
{
	xch_conn_add_both(CONN);
	establish();
	cr_assert(ike_child_rekey(xch_sa(XCH_WEST), xch_sa(XCH_WEST)->children, "test"));
	cr_assert(ike_child_rekey(xch_sa(XCH_EAST), xch_sa(XCH_EAST)->children, "test"));
	xch_pump();
	expect(XCH_EAST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, "SK{SA Nr TSi TSr}");
	cr_assert_leq(xch_run_until_quiet(), 8);
	assert_quiet();
	assert_one_child_pair();
}

/* What `ip route show exact PREFIX` prints in the test's namespace (one line or ""). */
static void route_show(const char *prefix, char *out, size_t len)
{
	char cmd[128];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ip -4 route show exact %s 2>&1", prefix);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	pclose(f);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
}

static uint64_t kq_count(enum xch_side s, enum kernel_op_kind k)
{
	return atomic_load(&xch_daemon(s)->kq->ops_kind[k]);
}

/*
 * A Child SA's install is one kernel round trip on either end: no SPI
 * allocation before IKE_AUTH (the worker picks the SPI), its SAs,
 * policies and the default updown's routes in one batch, one answer.
 * Its removal is one more. The routes are real: the harness runs in a
 * private namespace, and the native updown routes the peer's client
 * (10.2.0.0/16 from west, via the peer, dev lo) as the shipped script did.
 */
Test(exchange, child_install_is_one_round_trip)
{
	char r[256];

	route_show("10.2.0.0/16", r, sizeof(r));
	cr_assert_str_empty(r, "a route to 10.2.0.0/16 before the test: %s", r);
	xch_conn_add_both(CONN);
	establish();
	assert_established_pair();
	for (int s = 0; s < 2; s++) {
		enum xch_side side = (enum xch_side)s;
		struct kernel_queue *kq = xch_daemon(side)->kq;
		struct ike_sa *sa = xch_sa(side);

		cr_assert_eq(atomic_load(&kq->round_trips), 1, "%s: %llu kernel round trips",
			     side_name(side), (unsigned long long)atomic_load(&kq->round_trips));
		cr_assert_eq(kq_count(side, KERNEL_OP_SPI_ALLOC), 0, "no ALLOCSPI");
		cr_assert_eq(kq_count(side, KERNEL_OP_SA_ADD), 2);
		cr_assert_eq(kq_count(side, KERNEL_OP_POLICY_ADD), 3, "out, in, fwd");
		cr_assert_eq(kq_count(side, KERNEL_OP_ROUTE_DELETE), 1, "prepare-client");
		cr_assert_eq(kq_count(side, KERNEL_OP_ROUTE_REPLACE), 1, "route-client");
		cr_assert_eq(atomic_load(&kq->ops_failed), 0);
		/* the inbound SPI is from this worker's slice and was never below 0x1000 */
		cr_assert_geq(sa->children->spi_in, KERNEL_SPI_MIN);
		cr_assert_not_null(xch_kernel_sa(side, sa->children->spi_in),
				   "%s: the inbound SA is in the kernel", side_name(side));
	}
	route_show("10.2.0.0/16", r, sizeof(r));
	cr_assert_str_eq(r, "10.2.0.0/16 via 127.0.0.2 dev lo",
			 "west's route-client: \"%s\"", r);
	route_show("10.1.0.0/16", r, sizeof(r));
	cr_assert_str_eq(r, "10.1.0.0/16 via 127.0.0.1 dev lo",
			 "east's route-client: \"%s\"", r);

	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	for (int s = 0; s < 2; s++) {
		enum xch_side side = (enum xch_side)s;
		struct kernel_queue *kq = xch_daemon(side)->kq;

		cr_assert_eq(atomic_load(&kq->round_trips), 2, "%s: the removal is one round trip",
			     side_name(side));
		cr_assert_eq(kq_count(side, KERNEL_OP_SA_DELETE), 2);
		cr_assert_eq(kq_count(side, KERNEL_OP_POLICY_DELETE), 3);
		cr_assert_eq(kq_count(side, KERNEL_OP_ROUTE_DELETE), 2, "unroute-client");
		cr_assert_eq(atomic_load(&kq->ops_failed), 0);
	}
	route_show("10.2.0.0/16", r, sizeof(r));
	cr_assert_str_empty(r, "west's route stayed: %s", r);
	route_show("10.1.0.0/16", r, sizeof(r));
	cr_assert_str_empty(r, "east's route stayed: %s", r);
}

/*
 * ---- INITIAL_CONTACT (RFC 7296 2.4): whack --initialcontact, ipsec.conf's
 * initial-contact=yes (its default) ----
 */

#define AUTH_REQ_IC "SK{IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr}"

/* West starts one more IKE SA of "t"; its IKE_AUTH request must be auth_req. */
static void up_with(const char *auth_req)
{
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, V2_IKE_SA_INIT, false, INIT_REQ);
	expect(XCH_EAST, V2_IKE_SA_INIT, true, INIT_RESP);
	expect(XCH_WEST, V2_IKE_AUTH, false, auth_req);
	expect(XCH_EAST, V2_IKE_AUTH, true, AUTH_RESP);
	xch_run_until_quiet();
	assert_quiet();
}

/* Sent on a first contact only: not while an IPsec SA of the connection is up; never without. */
Test(exchange, initial_contact_on_first_contact_only)
{
	xch_conn_add(XCH_WEST, CONN " --initialcontact");
	xch_conn_add(XCH_EAST, CONN);
	up_with(AUTH_REQ_IC);
	assert_established_pair();
	cr_assert_eq(atomic_load(&xch_sa(XCH_WEST)->conn->children_up), 1);

	/* a second IKE SA while the first one's Child SA is up: no INITIAL_CONTACT, both stay */
	up_with(AUTH_REQ);
	cr_assert_eq(xch_sa_count(XCH_WEST), 2);
	cr_assert_eq(xch_sa_count(XCH_EAST), 2, "east deleted an IKE SA without INITIAL_CONTACT");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_DELETED), 0);
}

Test(exchange, initial_contact_not_sent_without_the_flag)
{
	xch_conn_add_both(CONN);	/* whack's default, initial-contact=no */
	up_with(AUTH_REQ);
	assert_established_pair();
}

/*
 * West lost its SAs (a reboot: no Delete); its new IKE SA says
 * INITIAL_CONTACT and east drops the IKE SA and Child SA west forgot,
 * without a Delete, after the new ones are in: the new Child SA's
 * policies (the same selectors) stay.
 */
Test(exchange, initial_contact_deletes_the_older_sas)
{
	xch_conn_add(XCH_WEST, CONN " --initialcontact");
	xch_conn_add(XCH_EAST, CONN);
	up_with(AUTH_REQ_IC);
	struct ike_sa *old = xch_sa(XCH_EAST);
	uint64_t old_serial = old->serial;
	uint32_t old_in = old->children->spi_in;

	ike_sa_delete(xch_sa(XCH_WEST), false);
	xch_run_until_quiet();
	assert_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	unsigned since = xch_kernel_op_count();
	uint64_t west_deleted = xch_counter(XCH_WEST, IKEC_IKE_DELETED);

	up_with(AUTH_REQ_IC);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "east kept the IKE SA west forgot");
	struct ike_sa *now = xch_sa(XCH_EAST);
	cr_assert_neq(now->serial, old_serial, "east deleted the new IKE SA");
	cr_assert_eq(now->state, IKE_ESTABLISHED);
	cr_assert_not_null(now->children);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_DELETED), west_deleted, "east sent a Delete");
	unsigned added = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_POLICY_ADD, 0);
	unsigned removed = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, old_in);
	cr_assert_gt(added, since);
	cr_assert_gt(removed, added, "the old SA went before the new policies were in");
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_SA_DELETE, NULL, since), 2);
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, NULL, since), 0,
		     "the old Child SA took the new one's policies out");
	cr_assert_eq(atomic_load(&now->conn->policy_owner), now->children->serial);
	cr_assert_eq(atomic_load(&now->conn->children_up), 1);
}
