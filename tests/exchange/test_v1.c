/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1 between two in-process engines (xch.h): what ikev1-policy= does
 * with an IKEv1 datagram, and malformed ISAKMP input. West (127.0.0.1)
 * sends, east (127.0.0.2) receives. Needs root (a private network
 * namespace).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/xch.h"
#include "unit/ike/v1_sample.h"
#include "ike/conn_inst.h"
#include "ike/ike_cmd.h"
#include "ike/v1/exchange.h"
#include "ike/v1/msg.h"
#include "ike/v1/state.h"
#include "ike/v2/exchange.h"
#include "ike/v2/child.h"

TestSuite(v1, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

static void east_policy(enum ike_v1_policy p)
{
	xch_daemon(XCH_EAST)->ikev1_policy = (uint8_t)p;
}

Test(v1, policy_drop_is_the_default_and_silent)
{
	cr_assert_eq(xch_daemon(XCH_EAST)->ikev1_policy, IKE_V1_DROP);
	xch_send_raw(XCH_WEST, v1_mm1, sizeof(v1_mm1));
	cr_assert_not_null(xch_step(XCH_WEST));
	cr_assert_not(xch_pending(XCH_EAST), "east answered under ikev1-policy=drop");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_IKEV1), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* libreswan's reject: an unencrypted Informational with INVALID_MAJOR_VERSION. */
Test(v1, policy_reject_answers_invalid_major_version)
{
	const struct xch_msg *m;
	const struct v1_payload *n;

	east_policy(IKE_V1_REJECT);
	xch_send_raw(XCH_WEST, v1_mm1, sizeof(v1_mm1));
	xch_step(XCH_WEST);
	m = xch_drop_next(XCH_EAST);
	cr_assert_not_null(m, "east did not answer under ikev1-policy=reject");
	cr_assert(m->v1);
	cr_assert_str_eq(m->desc, "v1 Informational: N(5)");
	cr_assert_arr_eq(m->v1m->hdr.icookie, v1_mm1, 8);
	cr_assert_eq(m->v1m->hdr.flags, 0);
	n = v1_msg_get(m->v1m, V1_PL_N);
	cr_assert_eq(n->u.notify.doi, V1_DOI_IPSEC);
	cr_assert_eq(n->u.notify.protocol, V1_PROTO_ISAKMP);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_MAJOR_VERSION_SENT), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_IKEV1), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);

	/* an Informational is never answered: two rejecting peers would ping-pong */
	uint8_t info[sizeof(v1_mm1)];
	memcpy(info, v1_mm1, sizeof(info));
	info[18] = V1_X_INFO;
	xch_send_raw(XCH_WEST, info, sizeof(info));
	xch_step(XCH_WEST);
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_IKEV1), 2);
}

/* Malformed ISAKMP under accept: dropped and counted, nothing kept, nothing answered. */
Test(v1, malformed_isakmp_is_dropped)
{
	uint8_t bad[sizeof(v1_mm1)];

	east_policy(IKE_V1_ACCEPT);
	memcpy(bad, v1_mm1, sizeof(bad));
	bad[28 + 20 + 3] = 41;	/* the first transform runs past its proposal */
	xch_send_raw(XCH_WEST, bad, sizeof(bad));
	xch_step(XCH_WEST);
	memcpy(bad, v1_mm1, sizeof(bad));
	memset(bad, 0, 8);		/* no initiator cookie */
	xch_send_raw(XCH_WEST, bad, sizeof(bad));
	xch_step(XCH_WEST);
	memcpy(bad, v1_mm1, sizeof(bad));
	put_u32(bad + 24, sizeof(bad) + 4);	/* Length beyond the datagram */
	xch_send_raw(XCH_WEST, bad, sizeof(bad));
	xch_step(XCH_WEST);
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_MALFORMED), 2);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_IKEV1), 3);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_spi_table_count(XCH_EAST), 0);
}

/* ---- Main Mode with pre-shared keys ---- */

/*
 * Phase 1's messages: the initiator's Vendor IDs are DPD (RFC 3706) and
 * NAT-T's four (RFC 3947, draft 03, 02\n, 02), the responder's DPD and the
 * NAT-T version it chose; NAT-D in messages 3 and 4 (Aggressive: 2 and 3).
 */
#define VIDS_I "VID VID VID VID VID"
#define VIDS_R "VID VID"
#define MM1 "v1 Main: SA " VIDS_I
#define MM2 "v1 Main: SA " VIDS_R
#define MM34 "v1 Main: KE NONCE NAT-D NAT-D"
#define AM1 "v1 Aggressive: SA KE NONCE ID " VIDS_I
#define AM2 "v1 Aggressive: SA KE NONCE ID HASH " VIDS_R " NAT-D NAT-D"
#define AM3 "v1 Aggressive: E{HASH NAT-D NAT-D}"

#define V1CONN                                                                           \
	"--name v1 --ikev1 --host 127.0.0.1 --id @west --to --host 127.0.0.2 --id @east " \
	"--psk --encrypt"

static void v1_pair(const char *args)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add_both(args);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
}

static const struct xch_msg *step_expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "nothing on the wire; expected %s", desc);
	cr_assert_str_eq(m->desc, desc);
	return m;
}

Test(v1, main_mode_psk_establishes)
{
	struct ike_sa *w, *e;
	const struct xch_msg *m;

	v1_pair(V1CONN);
	xch_initiate(XCH_WEST, "v1");
	m = step_expect(XCH_WEST, MM1);
	cr_assert_eq(m->v1m->pl[0].u.sa->nprop, 1);
	cr_assert_eq(m->v1m->pl[0].u.sa->ntrans, 18, "libreswan 4.10's IKEv1 defaults");
	w = xch_sa(XCH_WEST);
	cr_assert_eq(w->state, IKE_V1_MAIN_I1);
	m = step_expect(XCH_EAST, MM2);
	cr_assert_eq(m->v1m->pl[0].u.sa->ntrans, 1);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(e->state, IKE_V1_MAIN_R1);
	/* the cookies carry their owner worker (0 here) as IKEv2 SPIs do */
	cr_assert_eq(e->spi_r[0], 0);
	cr_assert_eq(w->spi_i[0], 0);
	cr_assert_arr_eq(m->v1m->hdr.rcookie, e->spi_r, 8);
	step_expect(XCH_WEST, MM34);
	cr_assert_eq(w->state, IKE_V1_MAIN_I2);
	step_expect(XCH_EAST, MM34);
	cr_assert_eq(e->state, IKE_V1_MAIN_R2);
	cr_assert_eq(w->state, IKE_V1_MAIN_I3);
	m = step_expect(XCH_WEST, "v1 Main: E{ID HASH}");
	cr_assert_eq(m->v1m->hdr.flags, V1_FLAG_ENCRYPTION);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	step_expect(XCH_EAST, "v1 Main: E{ID HASH}");
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert(xch_pending(XCH_WEST), "no Quick Mode after Main Mode");
	cr_assert_not(xch_pending(XCH_EAST));

	/* the same keys and the same IV at the end of Phase 1 on both sides */
	cr_assert_eq(w->v1->p1.key_bits, 256);
	cr_assert_eq(w->v1->p1.hash, V1_HASH_SHA2_256);
	cr_assert_eq(w->v1->p1.group, 14);
	cr_assert_eq(w->v1->key_len, 32);
	cr_assert_arr_eq(w->v1->key, e->v1->key, 32);
	cr_assert_arr_eq(w->v1->skeyid_d, e->v1->skeyid_d, w->v1->prf_len);
	cr_assert_arr_eq(w->v1->skeyid_a, e->v1->skeyid_a, w->v1->prf_len);
	cr_assert_arr_eq(w->v1->iv, e->v1->iv, 16);
	cr_assert_str_eq(ike_state_name(w->state), "STATE_MAIN_I4");
	cr_assert_str_eq(ike_state_name(e->state), "STATE_MAIN_R3");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);
	/* the peers' IDs as they sent them */
	cr_assert_eq(e->ext->id_remote->type, 2);
	cr_assert_eq(e->ext->id_remote->len, 4);
	cr_assert_arr_eq(e->ext->id_remote->data, "west", 4);
}

Test(v1, main_mode_wrong_psk_fails_at_message_5)
{
	v1_pair(V1CONN);
	xch_set_psk(XCH_EAST, "another secret");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	/*
	 * east's keys differ: message 5 decrypts to garbage (the harness opens
	 * it with east's keys too). Dropped and counted; the half-open SA stays
	 * (garbage must not end a negotiation) until its time runs out.
	 */
	step_expect(XCH_WEST, "v1 Main: E");
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R2);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_IKEV1), 1);
	xch_advance(XCH_EAST, 31000);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "the half-open SA outlived its time");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);
	/* west retransmits message 5 until 60 s, then gives up */
	for (int i = 0; i < 10 && xch_sa_count(XCH_WEST); i++) {
		xch_advance(XCH_WEST, 10000);
		while (xch_drop_next(XCH_WEST))
			;
	}
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_geq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 5);
}

Test(v1, main_mode_lost_messages_are_retransmitted)
{
	struct ike_sa *w, *e;

	v1_pair(V1CONN);
	xch_initiate(XCH_WEST, "v1");
	/* message 1 lost: west sends it again */
	cr_assert_not_null(xch_drop_next(XCH_WEST));
	xch_advance(XCH_WEST, 600);
	step_expect(XCH_WEST, MM1);
	/* message 2 lost: west's retransmitted message 1 gets it again, no second SA */
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	xch_advance(XCH_WEST, 1100);
	step_expect(XCH_WEST, MM1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	step_expect(XCH_EAST, MM2);
	step_expect(XCH_WEST, MM34);
	/* message 4 lost: west resends 3, east answers with the same 4 */
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	xch_advance(XCH_WEST, 600);
	step_expect(XCH_WEST, MM34);
	step_expect(XCH_EAST, MM34);
	/* message 6 lost: west resends 5 (the same bytes), east answers with the same 6 */
	step_expect(XCH_WEST, "v1 Main: E{ID HASH}");
	e = xch_sa(XCH_EAST);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	xch_advance(XCH_WEST, 600);
	cr_assert_not_null(xch_step(XCH_WEST));	/* east's keys moved on: shown as E */
	step_expect(XCH_EAST, "v1 Main: E{ID HASH}");
	w = xch_sa(XCH_WEST);
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert_arr_eq(w->v1->iv, e->v1->iv, 16);
	cr_assert_geq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 3);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
}

Test(v1, main_mode_no_common_proposal)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, V1CONN " --ike aes128-sha1;modp2048");
	xch_conn_add(XCH_EAST, V1CONN " --ike aes256-sha2_512;modp3072");
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, "v1 Informational: N(14)");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NO_PROPOSAL_SENT), 1);
}

/* Bring a Main Mode SA and its IPsec SA (hosts only) up between west (initiator) and east. */
static void v1_up(void)
{
	v1_pair(V1CONN);
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I4);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R3);
}

/* RFC 2409 5.7: HDR*, HASH(1), D; the receiver checks HASH(1) and deletes the ISAKMP SA. */
Test(v1, delete_by_the_initiator)
{
	const struct xch_msg *m;

	v1_up();
	ike_sa_delete(xch_sa(XCH_WEST), true);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(m->v1m->pl[1].u.del.protocol, V1_PROTO_ESP, "the IPsec SA's Delete first");
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_neq(m->v1m->hdr.msgid, 0);
	cr_assert_eq(m->v1m->pl[1].u.del.protocol, V1_PROTO_ISAKMP);
	cr_assert_eq(m->v1m->pl[1].u.del.spi_size, 16);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east kept the SA west deleted");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_DELETED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_DELETED), 1);
}

Test(v1, delete_by_the_responder)
{
	v1_up();
	ike_sa_delete(xch_sa(XCH_EAST), true);
	step_expect(XCH_EAST, "v1 Informational: E{HASH D}");
	cr_assert_null(xch_sa(XCH_WEST)->children);
	step_expect(XCH_EAST, "v1 Informational: E{HASH D}");
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* A Delete whose HASH(1) does not match (a byte of it changed) deletes nothing. */
Test(v1, delete_with_a_bad_hash_is_dropped)
{
	const struct xch_msg *m;
	uint8_t *bytes;
	struct ike_sa *w;

	v1_up();
	w = xch_sa(XCH_WEST);
	/* west sends a Delete but keeps its SA here: taken off the wire and tampered with */
	ike_sa_delete(w, true);
	cr_assert_not_null(xch_drop_next(XCH_WEST));	/* the IPsec SA's Delete */
	m = xch_drop_next(XCH_WEST);
	cr_assert_not_null(m);
	bytes = xch_msg_copy(m);
	/*
	 * CBC: the second ciphertext block garbles the second plaintext block,
	 * bytes 16..31, which lie inside HASH(1)'s 32-byte value: the message
	 * still decodes (the harness opens it), only HASH(1) is wrong.
	 */
	bytes[V1_HDR_SIZE + 16] ^= 0x80;
	xch_send_raw(XCH_WEST, bytes, m->len);
	free(bytes);
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "a tampered Delete removed the SA");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_IKEV1), 1, "not dropped and counted");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_DELETED), 0);
}

/* ---- Quick Mode (RFC 2409 5.5) ---- */

#define QMCONN                                                                              \
	"--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to --host "    \
	"127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel"

/* Main Mode (6 messages) from west, then the Quick Mode messages are the caller's. */
static void v1_main_up(const char *west, const char *east)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, west);
	xch_conn_add(XCH_EAST, east);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I4);
}

/*
 * The next message from side is libreswan's refusal of a Quick Mode: an
 * encrypted Informational, HASH(1) then N(type), protocol ISAKMP, no SPI.
 * The receiver checks HASH(1) and keeps its SAs.
 */
static void expect_notify(enum xch_side from, uint16_t type)
{
	char want[64];
	const struct xch_msg *m;
	const struct v1_payload *n;

	snprintf(want, sizeof(want), "v1 Informational: E{HASH N(%u)}", type);
	m = step_expect(from, want);
	n = &m->v1m->pl[1];

	cr_assert_eq(n->u.notify.type, type);
	cr_assert_eq(n->u.notify.protocol, V1_PROTO_ISAKMP);
	cr_assert_eq(n->u.notify.spi_size, 0);
	cr_assert_neq(m->v1m->hdr.msgid, 0);
	cr_assert_null(xch_sa(from)->children);
	cr_assert_null(xch_sa(from)->v1->qm);
	cr_assert_eq(xch_sa_count(1 - from), 1);
	cr_assert_eq(xch_counter(1 - from, IKEC_RX_DROPPED), 0, "the notify was not taken");
}

/* Both ends have one installed IPsec SA, the mirror of each other, with the same keys. */
static void assert_ipsec_pair(struct child_sa **wc_out, struct child_sa **ec_out)
{
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	struct child_sa *wc = w->children, *ec = e->children;
	const struct xch_kernel_sa *a, *b;

	cr_assert_not_null(wc, "west has no IPsec SA");
	cr_assert_not_null(ec, "east has no IPsec SA");
	cr_assert_null(wc->next);
	cr_assert_null(ec->next);
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_eq(ec->state, CHILD_INSTALLED);
	cr_assert_eq(wc->spi_out, ec->spi_in);
	cr_assert_eq(wc->spi_in, ec->spi_out);
	cr_assert_neq(wc->spi_in, wc->spi_out);
	cr_assert_eq(wc->suite.encr, ec->suite.encr);
	cr_assert_eq(wc->suite.integ, ec->suite.integ);
	cr_assert(wc->we_initiated && !ec->we_initiated);
	/* each direction: the sender's outbound keys are the receiver's inbound keys */
	a = xch_kernel_sa(XCH_WEST, wc->spi_out);
	b = xch_kernel_sa(XCH_EAST, ec->spi_in);
	cr_assert(a && b);
	cr_assert_eq(a->key_len, b->key_len);
	cr_assert_arr_eq(a->key, b->key, a->key_len);
	a = xch_kernel_sa(XCH_EAST, ec->spi_out);
	b = xch_kernel_sa(XCH_WEST, wc->spi_in);
	cr_assert(a && b);
	cr_assert_arr_eq(a->key, b->key, a->key_len);
	/* the two directions differ (KEYMAT takes the SPI) */
	cr_assert(memcmp(xch_kernel_sa(XCH_WEST, wc->spi_out)->key,
			 xch_kernel_sa(XCH_WEST, wc->spi_in)->key, a->key_len) != 0);
	cr_assert_null(w->v1->qm);
	cr_assert_null(e->v1->qm);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_ESTABLISHED), 1);
	if (wc_out)
		*wc_out = wc;
	if (ec_out)
		*ec_out = ec;
}

Test(v1, quick_mode_establishes)
{
	const struct xch_msg *m;
	struct child_sa *wc, *ec;
	char tl[80], tr[80];

	v1_main_up(QMCONN, QMCONN);
	m = step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert_neq(m->v1m->hdr.msgid, 0);
	cr_assert_eq(m->v1m->hdr.flags, V1_FLAG_ENCRYPTION, "the commit bit is never set");
	cr_assert_eq(xch_sa(XCH_WEST)->v1->qm->state, IKE_V1_QUICK_I1);
	cr_assert_str_eq(ike_state_name(xch_sa(XCH_WEST)->v1->qm->state), "STATE_QUICK_I1");
	m = step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert_eq(m->v1m->pl[1].u.sa->ntrans, 1);
	cr_assert_eq(xch_sa(XCH_EAST)->v1->qm->state, IKE_V1_QUICK_R1);
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_not(xch_pending(XCH_WEST));
	assert_ipsec_pair(&wc, &ec);
	/* libreswan's IKEv1 default: AES-CBC with HMAC-SHA1-96, tunnel mode, no PFS here */
	cr_assert_eq(wc->suite.encr, V2_ENCR_AES_CBC);
	cr_assert_eq(wc->suite.integ, V2_INTEG_HMAC_SHA1_96);
	cr_assert_not(wc->transport);
	cr_assert_str_eq(ike_ts_str(&wc->ts_local, tl, sizeof(tl)), "10.1.0.0/16");
	cr_assert_str_eq(ike_ts_str(&wc->ts_remote, tr, sizeof(tr)), "10.2.0.0/16");
	cr_assert_str_eq(ike_ts_str(&ec->ts_local, tl, sizeof(tl)), "10.2.0.0/16");
	/* the ISAKMP SA stays as it was */
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I4);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R3);
}

/*
 * A road warrior on a %any connection: east's template gets an instance
 * for the client once Main Mode is up ("v1"[1] 127.0.0.1), which owns the
 * ISAKMP SA and the IPsec SA; the client's own address as IDci fits it
 * (on the template, whose peer is %any, it did not: INVALID_ID_INFORMATION).
 */
Test(v1, any_peer_gets_an_instance)
{
	struct child_sa *ec;
	struct ike_sa *e;
	struct connection *t;
	char buf[128], tr[80];

	v1_main_up("--name v1 --ikev1 --host 127.0.0.1 --id @west --to --host 127.0.0.2 "
		   "--id @east --client 10.2.0.0/16 --psk --encrypt --tunnel",
		   "--name v1 --ikev1 --host 127.0.0.2 --id @east --client 10.2.0.0/16 --to "
		   "--host %any --psk --encrypt --tunnel");
	e = xch_sa(XCH_EAST);
	t = xch_conn(XCH_EAST, "v1");
	cr_assert(ike_conn_is_template(t));
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	cr_assert_eq(e->conn->inst.tmpl, t, "the ISAKMP SA is not on an instance of the template");
	cr_assert_str_eq(ike_conn_instance_str(e->conn, buf, sizeof(buf)), "\"v1\"[1] 127.0.0.1");
	cr_assert_eq(e->conn->inst.sas, e);
	cr_assert(ike_id_is_any(t->id[1]), "the template was written");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	ec = e->children;
	cr_assert_not_null(ec, "no IPsec SA on the responder");
	cr_assert_eq(ec->state, CHILD_INSTALLED);
	cr_assert_eq(ec->conn, e->conn, "the IPsec SA serves the instance");
	cr_assert_str_eq(ike_ts_str(&ec->ts_remote, tr, sizeof(tr)), "127.0.0.1/32");
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	cr_assert_eq(xch_sa(XCH_WEST)->children->state, CHILD_INSTALLED);
}

Test(v1, quick_mode_with_pfs)
{
	struct child_sa *wc;

	v1_main_up(QMCONN " --pfs", QMCONN " --pfs");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE KE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE KE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	assert_ipsec_pair(&wc, NULL);
	cr_assert_not_null(wc);
}

/* PFS on one end only: the responder finds no acceptable proposal; no IPsec SA on either end. */
Test(v1, quick_mode_pfs_mismatch_fails)
{
	v1_main_up(QMCONN " --pfs", QMCONN);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE KE ID ID}");
	expect_notify(XCH_EAST, V1N_NO_PROPOSAL_CHOSEN);
	cr_assert_null(xch_sa(XCH_EAST)->children);
	cr_assert_null(xch_sa(XCH_EAST)->v1->qm);
}

Test(v1, quick_mode_lost_messages)
{
	v1_main_up(QMCONN, QMCONN);
	/* message 1 lost: west sends it again */
	cr_assert_not_null(xch_drop_next(XCH_WEST));
	xch_advance(XCH_WEST, 600);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	/* message 2 lost: west's message 1 again gets the same message 2 */
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	xch_advance(XCH_WEST, 1100);
	cr_assert_not_null(xch_step(XCH_WEST));	/* east's chain moved on: shown as E */
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	assert_ipsec_pair(NULL, NULL);
}

/* The responder narrows IDci/IDcr to its own selectors; the initiator takes the narrower ones. */
Test(v1, quick_mode_narrows_the_selectors)
{
	struct child_sa *wc, *ec;
	char buf[80];

	v1_main_up("--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to "
		   "--host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel",
		   "--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.1.7.0/24 --to "
		   "--host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt --tunnel");
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	cr_assert_str_eq(ike_ts_str(&wc->ts_local, buf, sizeof(buf)), "10.1.7.0/24");
	cr_assert_str_eq(ike_ts_str(&ec->ts_remote, buf, sizeof(buf)), "10.1.7.0/24");
	cr_assert_str_eq(ike_ts_str(&wc->ts_remote, buf, sizeof(buf)), "10.2.0.0/16");
}

/* Selectors with nothing in common: no IPsec SA. */
Test(v1, quick_mode_disjoint_selectors_fail)
{
	v1_main_up(QMCONN, "--name v1 --ikev1 --host 127.0.0.1 --id @west --client 10.9.0.0/16 "
			   "--to --host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt "
			   "--tunnel");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	expect_notify(XCH_EAST, V1N_INVALID_ID_INFORMATION);
	cr_assert_null(xch_sa(XCH_EAST)->children);
}

/* A message 1 whose HASH(1) does not match is dropped; the retransmission then gets through. */
Test(v1, quick_mode_bad_hash_is_dropped)
{
	const struct xch_msg *m;
	uint8_t *bytes;

	v1_main_up(QMCONN, QMCONN);
	m = xch_drop_next(XCH_WEST);
	cr_assert_not_null(m);
	bytes = xch_msg_copy(m);
	bytes[V1_HDR_SIZE + 16] ^= 0x80;	/* garbles bytes 16..31: inside HASH(1) */
	xch_send_raw(XCH_WEST, bytes, m->len);
	free(bytes);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert_not(xch_pending(XCH_EAST), "east answered a Quick Mode with a bad HASH(1)");
	cr_assert_null(xch_sa(XCH_EAST)->children);
	cr_assert_null(xch_sa(XCH_EAST)->v1->qm);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 1);
	xch_advance(XCH_WEST, 600);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(NULL, NULL);
}

/* RFC 2409 5.7: a Delete of an IPsec SA (protocol ESP, the sender's inbound SPI). */
Test(v1, delete_of_an_ipsec_sa)
{
	const struct xch_msg *m;
	struct child_sa *wc;

	v1_main_up(QMCONN, QMCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, NULL);
	uint32_t spi = wc->spi_in;
	v2_child_delete_tell_peer(xch_sa(XCH_WEST), wc);
	ike_child_unlink_free(xch_sa(XCH_WEST), wc);
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(m->v1m->pl[1].u.del.protocol, V1_PROTO_ESP);
	cr_assert_eq(m->v1m->pl[1].u.del.spi_size, 4);
	cr_assert_eq(v2_spi32_get(m->v1m->pl[1].u.del.spis), spi);
	cr_assert_null(xch_sa(XCH_EAST)->children, "east kept the IPsec SA west deleted");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "the ISAKMP SA stays");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_DELETED), 1);
}

/* Deleting the ISAKMP SA (--terminate): the IPsec SAs' Deletes go first, then the ISAKMP SA's. */
Test(v1, terminate_deletes_ipsec_then_isakmp)
{
	const struct xch_msg *m;

	v1_main_up(QMCONN, QMCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	ike_sa_delete(xch_sa(XCH_WEST), true);
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(m->v1m->pl[1].u.del.protocol, V1_PROTO_ESP);
	cr_assert_null(xch_sa(XCH_EAST)->children);
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(m->v1m->pl[1].u.del.protocol, V1_PROTO_ISAKMP);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_DELETED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_DELETED), 1);
}

/* AES-GCM from esp=, transport mode (no --tunnel): the transform and the mode both ends install. */
/*
 * 3DES, named in ike= and esp= (libreswan takes it then): Phase 1 under
 * 3DES-CBC, 8-byte blocks in the IV chain of messages 5 and 6 and of
 * Quick Mode, and an ESP 3DES IPsec SA with a 24-byte key.
 */
Test(v1, main_and_quick_mode_with_3des)
{
	struct child_sa *wc, *ec;
	struct ike_sa *w, *e;

	v1_main_up(V1CONN " --ike 3des-sha1;modp2048 --esp 3des-sha1",
		   V1CONN " --ike 3des-sha1;modp2048 --esp 3des-sha1");
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	cr_assert_eq(w->v1->p1.encr, V1_ENCR_3DES);
	cr_assert_eq(e->v1->p1.encr, V1_ENCR_3DES);
	cr_assert_eq(w->v1->block, 8);
	cr_assert_eq(w->v1->key_len, 24);
	cr_assert_arr_eq(w->v1->key, e->v1->key, 24);
	cr_assert_arr_eq(w->v1->iv, e->v1->iv, 8);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	cr_assert_eq(wc->suite.encr, V2_ENCR_3DES);
	cr_assert_eq(wc->suite.integ, V2_INTEG_HMAC_SHA1_96);
	/* a 24-byte 3DES key, then a 20-byte HMAC-SHA1 key, the same at both ends */
	const struct xch_kernel_sa *wk = xch_kernel_sa(XCH_WEST, wc->spi_out);
	const struct xch_kernel_sa *ek = xch_kernel_sa(XCH_EAST, ec->spi_in);
	cr_assert_eq(wk->key_len, 44);
	cr_assert_eq(ek->key_len, 44);
	cr_assert_arr_eq(wk->key, ek->key, 44);
}

Test(v1, quick_mode_gcm_transport)
{
	struct child_sa *wc, *ec;

	v1_main_up("--name v1 --ikev1 --host 127.0.0.1 --id @west --to --host 127.0.0.2 --id @east "
		   "--psk --encrypt --esp aes_gcm256",
		   "--name v1 --ikev1 --host 127.0.0.1 --id @west --to --host 127.0.0.2 --id @east "
		   "--psk --encrypt --esp aes_gcm256");
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	cr_assert_eq(wc->suite.encr, V2_ENCR_AES_GCM_16);
	cr_assert_eq(wc->suite.encr_keylen, 256);
	cr_assert_eq(wc->suite.integ, V2_INTEG_NONE);
	cr_assert(wc->transport && ec->transport);
	/* 32-byte key and 4-byte salt per direction */
	cr_assert_eq(xch_kernel_sa(XCH_WEST, wc->spi_out)->key_len, 36);
}

/* esp= on the responder that the initiator does not offer: no IPsec SA, the ISAKMP SA stays. */
Test(v1, quick_mode_no_common_esp)
{
	v1_main_up(QMCONN " --esp aes128-sha1", QMCONN " --esp aes256-sha2_512");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	expect_notify(XCH_EAST, V1N_NO_PROPOSAL_CHOSEN);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NO_PROPOSAL_SENT), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "west's ISAKMP SA stays");
	cr_assert_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
}

/*
 * Message 3 lost: east resends message 2, west answers it with the same
 * message 3. Never any message 3: east deletes its IPsec SA after 30 s.
 */
Test(v1, quick_mode_lost_message_3)
{
	struct ike_sa *e;

	v1_main_up(QMCONN, QMCONN);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	e = xch_sa(XCH_EAST);
	cr_assert_not_null(e->children, "east's IPsec SA is up once installed");
	cr_assert_eq(e->v1->qm->state, IKE_V1_QUICK_R1);
	cr_assert_not_null(xch_drop_next(XCH_WEST));	/* message 3 */
	xch_advance(XCH_EAST, 600);
	cr_assert_not_null(xch_step(XCH_EAST));	/* message 2 again (west's chain moved on) */
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_null(e->v1->qm, "message 3 again did not end the exchange");
	assert_ipsec_pair(NULL, NULL);
	xch_advance(XCH_EAST, 40000);
	cr_assert_not(xch_pending(XCH_EAST), "east resends message 2 after message 3 came");
	cr_assert_not_null(e->children);
}

Test(v1, quick_mode_message_3_never_comes)
{
	struct ike_sa *e;

	v1_main_up(QMCONN, QMCONN);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	e = xch_sa(XCH_EAST);
	for (int i = 0; i < 12 && e->v1->qm; i++) {
		cr_assert_not_null(xch_drop_next(XCH_WEST));	/* every message 3 lost */
		xch_advance(XCH_EAST, 5000);
		while (xch_pending(XCH_EAST))
			xch_step(XCH_EAST);
	}
	cr_assert_null(e->v1->qm);
	cr_assert_null(e->children, "east kept an IPsec SA never acknowledged");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "the ISAKMP SA stays");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_DELETED), 1);
}

/* ---- Aggressive Mode with pre-shared keys (RFC 2409 5.4) ---- */

#define AGCONN V1CONN " --aggrmode --ike aes256-sha2_256;modp2048"

Test(v1, aggressive_mode_psk_establishes)
{
	const struct xch_msg *m;
	struct ike_sa *w, *e;

	v1_pair(AGCONN);
	xch_initiate(XCH_WEST, "v1");
	m = step_expect(XCH_WEST, AM1);
	w = xch_sa(XCH_WEST);
	cr_assert_eq(w->state, IKE_V1_AGGR_I1);
	cr_assert_str_eq(ike_state_name(w->state), "STATE_AGGR_I1");
	cr_assert_eq(m->v1m->pl[0].u.sa->ntrans, 1, "one transform: the one group ike= names");
	m = step_expect(XCH_EAST, AM2);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(e->state, IKE_V1_AGGR_R1);
	cr_assert_str_eq(ike_state_name(e->state), "STATE_AGGR_R1");
	cr_assert_arr_eq(m->v1m->hdr.rcookie, e->spi_r, 8);
	m = step_expect(XCH_WEST, AM3);
	cr_assert_eq(m->v1m->hdr.flags, V1_FLAG_ENCRYPTION);
	cr_assert_eq(w->state, IKE_V1_AGGR_I2);
	cr_assert_eq(e->state, IKE_V1_AGGR_R2);
	cr_assert_str_eq(ike_state_name(w->state), "STATE_AGGR_I2");
	cr_assert_str_eq(ike_state_name(e->state), "STATE_AGGR_R2");
	cr_assert_eq(w->v1->p1.group, 14);
	cr_assert_arr_eq(w->v1->key, e->v1->key, 32);
	cr_assert_arr_eq(w->v1->skeyid_d, e->v1->skeyid_d, w->v1->prf_len);
	cr_assert_arr_eq(w->v1->iv, e->v1->iv, 16);
	cr_assert_arr_eq(w->v1->p1_iv, e->v1->p1_iv, 16);
	cr_assert_eq(e->ext->id_remote->len, 4);
	cr_assert_arr_eq(e->ext->id_remote->data, "west", 4);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);
	/* Quick Mode follows on the Aggressive Mode SA, and its Delete works as Main Mode's */
	cr_assert_eq(xch_run_until_quiet(), 3);
	cr_assert_not_null(w->children);
	cr_assert_not_null(e->children);
	cr_assert_eq(w->children->spi_out, e->children->spi_in);
	ike_sa_delete(w, true);
	cr_assert_eq(xch_run_until_quiet(), 2);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* A wrong PSK: HASH_R does not match, the initiator gives up and sends nothing more. */
Test(v1, aggressive_mode_wrong_psk)
{
	v1_pair(AGCONN);
	xch_set_psk(XCH_EAST, "another secret");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, AM2);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west kept an SA whose HASH_R is wrong");
	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 0);
	/* east's half-open SA times out */
	xch_advance(XCH_EAST, 31000);
	while (xch_drop_next(XCH_EAST))
		;
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* Lost messages: 1 resent by west; 2 resent by east until 3 comes; 3 again for 2 again. */
Test(v1, aggressive_mode_lost_messages)
{
	v1_pair(AGCONN);
	xch_initiate(XCH_WEST, "v1");
	cr_assert_not_null(xch_drop_next(XCH_WEST));
	xch_advance(XCH_WEST, 600);
	step_expect(XCH_WEST, AM1);
	/* message 2 lost: west's message 1 again gets the same message 2, no second SA */
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	xch_advance(XCH_WEST, 1100);
	step_expect(XCH_WEST, AM1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
	step_expect(XCH_EAST, AM2);
	/* message 3 lost: east resends 2, west answers with the same 3 */
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_AGGR_I2);
	cr_assert_not_null(xch_drop_next(XCH_WEST));
	while (xch_drop_next(XCH_WEST))	/* Quick Mode's first message meanwhile: lost too */
		;
	xch_advance(XCH_EAST, 600);
	step_expect(XCH_EAST, AM2);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_RETRANSMIT), 1);
	cr_assert_not_null(xch_step(XCH_WEST));	/* message 3 (east's keys: shown as E{HASH}) */
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_AGGR_R2);
	cr_assert_arr_eq(xch_sa(XCH_WEST)->v1->p1_iv, xch_sa(XCH_EAST)->v1->p1_iv, 16);
	/* Quick Mode's message 1, resent, then goes through */
	xch_advance(XCH_WEST, 1100);
	cr_assert_geq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(NULL, NULL);
}

/* A responder whose connection is not --aggrmode: NO_PROPOSAL_CHOSEN, no SA. */
Test(v1, aggressive_mode_to_a_main_mode_connection)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, AGCONN);
	xch_conn_add(XCH_EAST, V1CONN " --ike aes256-sha2_256;modp2048");
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, "v1 Informational: N(14)");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NO_PROPOSAL_SENT), 1);
}

/* And the other way: Main Mode to an --aggrmode connection is refused (libreswan's aggressive=yes). */
Test(v1, main_mode_to_an_aggressive_connection)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, V1CONN " --ike aes256-sha2_256;modp2048");
	xch_conn_add(XCH_EAST, AGCONN);
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, MM1);
	step_expect(XCH_EAST, "v1 Informational: N(14)");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* Groups differ: NO_PROPOSAL_CHOSEN (the KE cannot be of another group). */
Test(v1, aggressive_mode_no_common_group)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, AGCONN);
	xch_conn_add(XCH_EAST, V1CONN " --aggrmode --ike aes256-sha2_256;modp3072");
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, "v1 Informational: N(14)");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* libreswan's INVALID_ID_INFORMATION: the initiator's ID is not the one the responder expects. */
Test(v1, aggressive_mode_wrong_id)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, AGCONN);
	xch_conn_add(XCH_EAST, "--name v1 --ikev1 --host 127.0.0.1 --id @somebody --to --host "
			       "127.0.0.2 --id @east --psk --encrypt --aggrmode "
			       "--ike aes256-sha2_256;modp2048");
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, "v1 Informational: N(18)");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* Main Mode: the initiator's ID is not the one east's connection names: INVALID_ID_INFORMATION. */
Test(v1, main_mode_wrong_id_is_refused)
{
	const struct xch_msg *m;

	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, V1CONN);
	xch_conn_add(XCH_EAST, "--name v1 --ikev1 --host 127.0.0.1 --id @somebody --to --host "
			       "127.0.0.2 --id @east --psk --encrypt");
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 5; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	m = step_expect(XCH_EAST, "v1 Informational: E");
	cr_assert_neq(m->v1m->hdr.msgid, 0);
	cr_assert_eq(m->v1m->hdr.flags, V1_FLAG_ENCRYPTION);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 0);
}

/*
 * Responder connection switching by the peer's ID (the manual: a
 * connection that names the peer's ID is preferred). East has "anyid",
 * added first, which takes any peer ID from west's address, and "named",
 * which names @west: Main Mode picks "anyid" by the addresses at message 1
 * and goes over to "named" when message 5 names @west.
 */
#define ANYID_CONN                                                                            \
	"--name anyid --ikev1 --host 127.0.0.1 --id %any --to --host 127.0.0.2 --id @east " \
	"--psk --encrypt"
#define NAMED_CONN                                                                           \
	"--name named --ikev1 --host 127.0.0.1 --id @west --to --host 127.0.0.2 --id @east " \
	"--psk --encrypt"

static void anyid_named(const char *west, const char *extra)
{
	char any[256], named[256];

	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	snprintf(any, sizeof(any), "%s%s", ANYID_CONN, extra);
	snprintf(named, sizeof(named), "%s%s", NAMED_CONN, extra);
	xch_conn_add(XCH_WEST, west);
	xch_conn_add(XCH_EAST, any);
	xch_conn_add(XCH_EAST, named);
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
}

Test(v1, main_mode_switches_to_the_connection_naming_the_peer_id)
{
	struct ike_sa *e;

	anyid_named(V1CONN, "");
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 4; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	e = xch_sa(XCH_EAST);
	cr_assert_str_eq(e->conn->spec->name, "anyid", "message 1 has no ID: the addresses choose");
	step_expect(XCH_WEST, "v1 Main: E{ID HASH}");
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	cr_assert_str_eq(e->conn->spec->name, "named");
	cr_assert_eq(e->this_end, 1);
	step_expect(XCH_EAST, "v1 Main: E{ID HASH}");
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I4);
	cr_assert_eq(xch_run_until_quiet(), 3, "Quick Mode on the connection switched to");
	cr_assert_not_null(e->children);
	cr_assert_eq(e->children->conn, e->conn);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
}

/* West starts Main Mode; east's ISAKMP SA comes up on "anyid", where the addresses put it. */
static void main_mode_stays_on_anyid(void)
{
	struct ike_sa *e;

	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	e = xch_sa(XCH_EAST);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	cr_assert_str_eq(e->conn->spec->name, "anyid");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
}

/* SKEYID is made from "anyid"'s key: "named" with another key is no place to go. */
Test(v1, main_mode_does_not_switch_to_a_connection_with_another_key)
{
	anyid_named(V1CONN, "");
	xch_set_psk_for(XCH_EAST, "@west", "another key for west by name");
	main_mode_stays_on_anyid();
}

/* Nor to one whose ike= does not allow the transform agreed at message 2. */
Test(v1, main_mode_does_not_switch_to_a_connection_with_other_algorithms)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, V1CONN " --ike aes256-sha2_256;modp2048");
	xch_conn_add(XCH_EAST, ANYID_CONN " --ike aes256-sha2_256;modp2048");
	xch_conn_add(XCH_EAST, NAMED_CONN " --ike aes128-sha1;modp2048");
	xch_set_psk(XCH_WEST, "k");
	xch_set_psk(XCH_EAST, "k");
	main_mode_stays_on_anyid();
}

/*
 * Aggressive Mode names the peer in message 1: the connection that names
 * it is chosen at once, with its own key (a group's PSK). "anyid" has the
 * default key, which is not west's: chosen by the addresses, HASH_R would
 * not match.
 */
Test(v1, aggressive_mode_chooses_the_connection_naming_the_peer_id)
{
	struct ike_sa *e;

	anyid_named(AGCONN, " --aggrmode --ike aes256-sha2_256;modp2048");
	xch_set_psk(XCH_WEST, "the group key");
	xch_set_psk_for(XCH_EAST, "@west", "the group key");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, AM2);
	e = xch_sa(XCH_EAST);
	cr_assert_str_eq(e->conn->spec->name, "named");
	step_expect(XCH_WEST, AM3);
	cr_assert_eq(e->state, IKE_V1_AGGR_R2);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_ESTABLISHED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 1);
}

/*
 * INITIAL-CONTACT (RFC 2407 4.6.3.3) from the peer of an established SA:
 * the older ISAKMP SAs of that connection and peer ID go, the new one stays.
 */
Test(v1, initial_contact_deletes_the_older_sas)
{
	struct ike_sa *old_w, *old_e, *nw = NULL, *ne = NULL;

	v1_pair(V1CONN);
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9);
	old_w = xch_sa(XCH_WEST);
	old_e = xch_sa(XCH_EAST);
	/* as if being re-established: the next --initiate makes a new ISAKMP SA, no Quick Mode on it */
	old_w->v1->replaced = true;
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9);
	cr_assert_eq(xch_sa_count(XCH_EAST), 2);
	for (struct ike_sa *sa = xch_daemon(XCH_WEST)->w[0].sas; sa; sa = sa->next)
		if (sa != old_w)
			nw = sa;
	for (struct ike_sa *sa = xch_daemon(XCH_EAST)->w[0].sas; sa; sa = sa->next)
		if (sa != old_e)
			ne = sa;
	cr_assert(nw && ne);
	cr_assert_eq(v1_send_notify(nw, NULL, V1N_INITIAL_CONTACT), 0);
	step_expect(XCH_WEST, "v1 Informational: E{HASH N(24578)}");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "east kept the SA the peer forgot");
	cr_assert_eq(xch_daemon(XCH_EAST)->w[0].sas, ne, "east deleted the new SA");
	cr_assert_not_null(ne->children);

	/* Acted on once per SA: the same SA repeating it later deletes nothing (no second look). */
	nw->v1->replaced = true;
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9);
	cr_assert_eq(xch_sa_count(XCH_EAST), 2);
	cr_assert_eq(v1_send_notify(nw, NULL, V1N_INITIAL_CONTACT), 0);
	step_expect(XCH_WEST, "v1 Informational: E{HASH N(24578)}");
	cr_assert_eq(xch_sa_count(XCH_EAST), 2, "a repeated INITIAL-CONTACT deleted an SA");
}

/*
 * Our INITIAL-CONTACT (whack --initialcontact, initial-contact=yes): in
 * Main Mode message 5, encrypted, when no IPsec SA of the connection is up;
 * not in the next ISAKMP SA while the first one's IPsec SA is.
 */
Test(v1, initial_contact_sent_in_main_mode_on_first_contact_only)
{
	const struct xch_msg *m;
	struct ike_sa *old_w;

	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, V1CONN " --initialcontact");
	xch_conn_add(XCH_EAST, V1CONN);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 4; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	m = step_expect(XCH_WEST, "v1 Main: E{ID HASH N(24578)}");
	cr_assert_eq(m->v1m->hdr.flags, V1_FLAG_ENCRYPTION);
	cr_assert_eq(m->v1m->pl[2].u.notify.protocol, V1_PROTO_ISAKMP);
	cr_assert_eq(m->v1m->pl[2].u.notify.spi_size, 16, "the cookies as the SPI");
	cr_assert_arr_eq(m->v1m->pl[2].u.notify.spi, xch_sa(XCH_WEST)->spi_i, 8);
	cr_assert_arr_eq(m->v1m->pl[2].u.notify.spi + 8, xch_sa(XCH_WEST)->spi_r, 8);
	step_expect(XCH_EAST, "v1 Main: E{ID HASH}");
	cr_assert_eq(xch_run_until_quiet(), 3, "Quick Mode");
	old_w = xch_sa(XCH_WEST);
	cr_assert_eq(atomic_load(&old_w->conn->children_up), 1);

	old_w->v1->replaced = true;	/* the next --initiate makes a new ISAKMP SA */
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 4; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	step_expect(XCH_WEST, "v1 Main: E{ID HASH}");
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_EAST), 2, "east deleted an SA without INITIAL-CONTACT");
}

Test(v1, initial_contact_sent_in_aggressive_mode)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, AGCONN " --initialcontact");
	xch_conn_add(XCH_EAST, AGCONN);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	xch_initiate(XCH_WEST, "v1");
	step_expect(XCH_WEST, AM1);
	step_expect(XCH_EAST, AM2);
	step_expect(XCH_WEST, "v1 Aggressive: E{HASH NAT-D NAT-D N(24578)}");
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_AGGR_R2);
	cr_assert(xch_sa(XCH_EAST)->v1->initial_contact, "east did not see it");
}

/*
 * West lost its SAs (no Delete); its new Main Mode carries INITIAL-CONTACT
 * and east drops the ISAKMP and IPsec SAs west forgot, without a Delete.
 */
Test(v1, initial_contact_from_a_restarted_peer)
{
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_WEST, V1CONN " --initialcontact");
	xch_conn_add(XCH_EAST, V1CONN);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	xch_initiate(XCH_WEST, "v1");
	cr_assert_eq(xch_run_until_quiet(), 9);
	struct ike_sa *old_e = xch_sa(XCH_EAST);
	uint64_t old_serial = old_e->serial;
	struct connection *wc = xch_sa(XCH_WEST)->conn;

	ike_sa_delete(xch_sa(XCH_WEST), false);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(atomic_load(&wc->children_up), 0);
	xch_initiate(XCH_WEST, "v1");
	for (int i = 0; i < 4; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	step_expect(XCH_WEST, "v1 Main: E{ID HASH N(24578)}");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "east kept the SA west forgot");
	cr_assert_neq(xch_sa(XCH_EAST)->serial, old_serial, "east deleted the new SA");
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_not_null(xch_sa(XCH_EAST)->children, "no Quick Mode after it");
}

/* ---- DPD (RFC 3706) initiated by us: --dpddelay, --dpdtimeout, --dpdaction ---- */

/* west with DPD, east without; Main Mode and Quick Mode up. */
static void v1_dpd_up(const char *action)
{
	char west[512];

	snprintf(west, sizeof(west), "%s --dpddelay 10 --dpdtimeout 30 --dpdaction %s", QMCONN,
		 action);
	v1_main_up(west, QMCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
}

/* Silence for dpddelay: R_U_THERE; east's ACK keeps the SA up past dpdtimeout. */
Test(v1, dpd_r_u_there_answered)
{
	const struct xch_msg *m;
	struct ike_sa *w;
	uint32_t seq;

	v1_dpd_up("clear");
	w = xch_sa(XCH_WEST);
	xch_advance(XCH_WEST, 5000);
	cr_assert_not(xch_pending(XCH_WEST), "R_U_THERE before --dpddelay of silence");
	for (int round = 0; round < 4; round++) {
		/* the ACK is heard: the next look (5 s on) finds no silence, the one after does */
		xch_advance(XCH_WEST, 10000);
		if (round > 0) {
			cr_assert_not(xch_pending(XCH_WEST), "R_U_THERE though the peer was heard");
			xch_advance(XCH_WEST, 10000);
		}
		m = step_expect(XCH_WEST, "v1 Informational: E{HASH N(36136)}");
		cr_assert_eq(m->v1m->pl[1].u.notify.spi_size, 16);
		cr_assert_arr_eq(m->v1m->pl[1].u.notify.spi, w->spi_i, 8);
		seq = v2_spi32_get(m->v1m->pl[1].u.notify.data);
		cr_assert_eq(seq, w->v1->dpd_seq);
		m = step_expect(XCH_EAST, "v1 Informational: E{HASH N(36137)}");
		cr_assert_eq(v2_spi32_get(m->v1m->pl[1].u.notify.data), seq);
		cr_assert_not(w->v1->dpd_waiting, "the ACK was not taken");
	}
	/* 75 s: beyond --dpdtimeout, alive all along */
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_not_null(w->children);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 0);
}

/* No answer for dpdtimeout: dead, its SAs cleared without a word to the peer (dpdaction=clear). */
Test(v1, dpd_dead_peer_clear)
{
	v1_dpd_up("clear");
	for (int i = 0; i < 4 && xch_sa_count(XCH_WEST); i++) {
		xch_advance(XCH_WEST, 10000);
		while (xch_drop_next(XCH_WEST))	/* every R_U_THERE lost */
			;
	}
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west kept the SA of a dead peer");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	cr_assert_not(xch_pending(XCH_WEST), "west sent a Delete to a dead peer");
}

/* dpdaction=restart: a new Main Mode to the peer once it is declared dead. */
Test(v1, dpd_dead_peer_restart)
{
	v1_dpd_up("restart");
	for (int i = 0; i < 4; i++) {
		xch_advance(XCH_WEST, 10000);
		if (xch_counter(XCH_WEST, IKEC_PEER_DEAD))
			break;
		while (xch_drop_next(XCH_WEST))	/* every R_U_THERE lost */
			;
	}
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_PEER_DEAD), 1);
	step_expect(XCH_WEST, MM1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I1);
}

/* ---- the IPsec SA's life: Quick Mode on the ISAKMP SA that is up, Phase 2 rekey, Phase 1 ---- */

#define REKEYCONN QMCONN " --ipseclifetime 60 --rekeymargin 20 --rekeyfuzz 0"

/* The IPsec SA of side other than old (installed, not superseded), or NULL. */
static struct child_sa *heir_of(enum xch_side side, const struct child_sa *old)
{
	for (struct child_sa *c = xch_sa(side)->children; c; c = c->next)
		if (c != old && c->state == CHILD_INSTALLED && !c->superseded)
			return c;
	return NULL;
}

/* Side's kernel got an SA_ADD (want) or not (!want) of SA spi so far. */
static void assert_added(enum xch_side side, uint32_t spi, bool want, const char *what)
{
	cr_assert_eq(xch_kernel_op_seq(side, KERNEL_OP_SA_ADD, spi) != 0, want, "%s", what);
}

static void assert_deleted(enum xch_side side, uint32_t spi, bool want, const char *what)
{
	cr_assert_eq(xch_kernel_op_seq(side, KERNEL_OP_SA_DELETE, spi) != 0, want, "%s", what);
}

/*
 * A Quick Mode rekey started by `by` (its IPsec SA old_by; the other end's
 * old_other), lossless on both ends: three messages; by's new inbound SA
 * is in before message 3, its new outbound SA only when ESP comes on the
 * new inbound SA (esp: the peer has its new SAs) or CHILD_V1_OUT_WAIT_MS
 * after message 3; CHILD_REKEYED_LINGER_MS later by's old outbound SA goes
 * and its Delete of the old SA; CHILD_V1_IN_KEEP_MS after that its old
 * inbound SA. Both ends are left with the new SA, keyed alike.
 */
static void rekey_completes_by(enum xch_side by, struct child_sa *old_by,
			       struct child_sa *old_other, bool esp)
{
	enum xch_side other = 1 - by;
	uint32_t in_by = old_by->spi_in, out_by = old_by->spi_out;
	struct child_sa *nb, *no;
	const struct xch_msg *m;

	step_expect(by, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(other, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(by, "v1 Quick: E{HASH}");
	nb = heir_of(by, old_by);
	no = heir_of(other, old_other);
	cr_assert(nb && no, "no new IPsec SA on both ends");
	cr_assert_eq(nb->rekey_of, old_by->serial);
	cr_assert_eq(no->rekey_of, old_other->serial);
	cr_assert_eq(nb->reqid, old_by->reqid, "a rekey keeps the policies (reqid)");
	cr_assert_eq(nb->spi_out, no->spi_in);
	cr_assert_eq(nb->spi_in, no->spi_out);
	cr_assert(old_by->superseded && old_other->superseded);
	/*
	 * message 3 is out (at t3 or a moment before, by by's clock): by's new
	 * inbound SA is in, its new outbound SA waits. Timers fire at their
	 * time: lo..hi bound when the new outbound SA went in.
	 */
	uint64_t t3 = xch_now(by), lo, hi;

	assert_added(by, nb->spi_in, true, "the new inbound SA is not in at message 3");
	assert_added(by, nb->spi_out, false, "the new outbound SA went in before the peer had it");
	assert_deleted(by, out_by, false, "the old outbound SA went with message 3");
	if (esp) {
		/* the peer's ESP on the new SA: it has it, ours goes in at the next look */
		xch_advance_to(by, t3 + CHILD_OUT_POLL_FIRST_MS - 30);
		assert_added(by, nb->spi_out, false, "the new outbound SA went in before a look");
		xch_kernel_set_packets(by, nb->spi_in, 2);
		xch_advance_to(by, t3 + CHILD_OUT_POLL_FIRST_MS + 10);
		lo = t3 - 20 + CHILD_OUT_POLL_FIRST_MS;
	} else {
		/* no ESP from the peer (one-way traffic): at most CHILD_V1_OUT_WAIT_MS */
		xch_advance_to(by, t3 + CHILD_V1_OUT_WAIT_MS - 30);
		assert_added(by, nb->spi_out, false, "the new outbound SA went in before its time");
		xch_advance_to(by, t3 + CHILD_V1_OUT_WAIT_MS + 10);
		lo = t3 - 20 + CHILD_V1_OUT_WAIT_MS;
	}
	hi = xch_now(by);
	assert_added(by, nb->spi_out, true, "the new outbound SA never went in");
	assert_deleted(by, out_by, false, "the old outbound SA went with the new one's add");
	cr_assert_not(xch_pending(by), "the Delete went before the linger");
	xch_advance_to(by, lo + CHILD_REKEYED_LINGER_MS - 10);
	assert_deleted(by, out_by, false, "the old outbound SA went before the linger ended");
	cr_assert_not(xch_pending(by), "the Delete went before the linger ended");
	xch_advance_to(by, hi + CHILD_REKEYED_LINGER_MS + 10);
	/* make before break: the new outbound SA is in, then the old one goes */
	unsigned add = xch_kernel_op_seq(by, KERNEL_OP_SA_ADD, nb->spi_out);
	unsigned del = xch_kernel_op_seq(by, KERNEL_OP_SA_DELETE, out_by);
	cr_assert(add && del && add < del, "old outbound SA gone before the new one was in");
	m = step_expect(by, "v1 Informational: E{HASH D}");
	cr_assert_eq(m->v1m->pl[1].u.del.protocol, V1_PROTO_ESP);
	cr_assert_eq(v2_spi32_get(m->v1m->pl[1].u.del.spis), in_by);
	/* the old inbound SA stays a while after the Delete: the peer may still send on it */
	assert_deleted(by, in_by, false, "the old inbound SA went with the Delete");
	xch_advance_to(by, lo + CHILD_REKEYED_LINGER_MS + CHILD_V1_IN_KEEP_MS - 10);
	assert_deleted(by, in_by, false, "the old inbound SA went before CHILD_V1_IN_KEEP_MS");
	cr_assert_not(xch_pending(by), "a second Delete of the old SA");
	xch_advance_to(by, hi + CHILD_REKEYED_LINGER_MS + CHILD_V1_IN_KEEP_MS + 10);
	assert_deleted(by, in_by, true, "the old inbound SA stayed");
	/* the other end: its new outbound SA took over on the Delete; its old inbound lingers */
	assert_added(other, no->spi_out, true, "the answering end's new outbound SA is not in");
	xch_advance(other, CHILD_REKEYED_LINGER_MS + 10);
	cr_assert_arr_eq(xch_kernel_sa(by, nb->spi_out)->key, xch_kernel_sa(other, no->spi_in)->key,
			 xch_kernel_sa(by, nb->spi_out)->key_len);
	cr_assert_arr_eq(xch_kernel_sa(by, nb->spi_in)->key, xch_kernel_sa(other, no->spi_out)->key,
			 xch_kernel_sa(by, nb->spi_in)->key_len);
	cr_assert_eq(xch_sa(by)->children, nb);
	cr_assert_null(nb->next);
	cr_assert_eq(xch_sa(other)->children, no);
	cr_assert_null(no->next);
	cr_assert_null(xch_sa(by)->v1->qm);
	cr_assert_null(xch_sa(other)->v1->qm);
	cr_assert_eq(xch_counter(by, IKEC_CHILD_REKEYED), 1);
	cr_assert_eq(xch_counter(other, IKEC_CHILD_REKEYED), 1);
	cr_assert_eq(xch_sa_count(by), 1);
	cr_assert_eq(xch_sa_count(other), 1);
}

static void rekey_completes(enum xch_side by, struct child_sa *old_by, struct child_sa *old_other)
{
	rekey_completes_by(by, old_by, old_other, false);
}

/* At ipseclifetime - rekeymargin the end that made the IPsec SA rekeys it. */
Test(v1, phase2_rekey_by_its_timer)
{
	struct child_sa *wc, *ec;

	v1_main_up(REKEYCONN, REKEYCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	xch_advance(XCH_EAST, 39000);	/* the responder does not rekey it */
	cr_assert_not(xch_pending(XCH_EAST));
	xch_advance(XCH_WEST, 39000);
	cr_assert_not(xch_pending(XCH_WEST), "rekeyed before lifetime - margin");
	xch_advance(XCH_WEST, 1100);
	rekey_completes(XCH_WEST, wc, ec);
}

/* whack --rekey-ipsec on the end that answered the Quick Mode: that end rekeys it. */
Test(v1, phase2_rekey_by_the_responder_end)
{
	struct child_sa *wc, *ec;

	v1_main_up(REKEYCONN, REKEYCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	cr_assert_not(v1_child_rekey(xch_sa(XCH_EAST), ec, "timer", false),
		      "the answering end rekeyed by its timer");
	cr_assert(v1_child_rekey(xch_sa(XCH_EAST), ec, "whack --rekey-ipsec", true));
	rekey_completes_by(XCH_EAST, ec, wc, true);	/* west's ESP on the new SA */
}

/* --dontrekey: no rekey; the IPsec SA ends at its lifetime with a Delete. */
Test(v1, phase2_dontrekey_lets_it_end)
{
	struct child_sa *wc;

	v1_main_up(REKEYCONN " --dontrekey", REKEYCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, NULL);
	xch_advance(XCH_WEST, 59000);
	cr_assert_not(xch_pending(XCH_WEST));
	xch_advance(XCH_WEST, 1100);
	step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_null(xch_sa(XCH_WEST)->children);
	cr_assert_null(xch_sa(XCH_EAST)->children);
}

/* The rekey's message 1 and 2 lost: retransmissions carry it through. */
Test(v1, phase2_rekey_with_lost_messages)
{
	struct child_sa *wc, *ec;

	v1_main_up(REKEYCONN, REKEYCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	cr_assert(v1_child_rekey(xch_sa(XCH_WEST), wc, "whack --rekey-ipsec", true));
	cr_assert_not_null(xch_drop_next(XCH_WEST));	/* message 1 lost */
	xch_advance(XCH_WEST, 600);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert_not_null(xch_drop_next(XCH_EAST));	/* message 2 lost */
	xch_advance(XCH_WEST, 1100);
	cr_assert_not_null(xch_step(XCH_WEST));	/* message 1 again: message 2 again */
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_not_null(heir_of(XCH_WEST, wc));
	cr_assert_not_null(heir_of(XCH_EAST, ec));
	xch_advance(XCH_WEST, CHILD_V1_OUT_WAIT_MS + 10);
	xch_advance(XCH_WEST, CHILD_REKEYED_LINGER_MS + 10);
	step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	xch_advance(XCH_WEST, CHILD_V1_IN_KEEP_MS + 10);
	xch_advance(XCH_EAST, CHILD_REKEYED_LINGER_MS + 10);
	cr_assert_null(xch_sa(XCH_WEST)->children->next);
	cr_assert_null(xch_sa(XCH_EAST)->children->next);
	cr_assert_eq(xch_sa(XCH_WEST)->children->spi_out, xch_sa(XCH_EAST)->children->spi_in);
}

/*
 * A rekey Quick Mode never answered: only it ends (libreswan's way); the
 * ISAKMP SA and the old IPsec SA stay, and the next attempt starts
 * (--keyingtries 2: one more, then no more).
 */
Test(v1, phase2_rekey_unanswered_ends_only_the_quick_mode)
{
	struct child_sa *wc;

	v1_main_up(QMCONN " --ipseclifetime 600 --keyingtries 2", QMCONN " --ipseclifetime 600");
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, NULL);
	cr_assert(v1_child_rekey(xch_sa(XCH_WEST), wc, "whack --rekey-ipsec", true));
	for (int i = 0; i < 70 && xch_sa(XCH_WEST)->v1->qm && !xch_sa(XCH_WEST)->v1->qm->tries;
	     i++) {
		while (xch_drop_next(XCH_WEST))
			;
		xch_advance(XCH_WEST, 1000);
	}
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "the ISAKMP SA went with the Quick Mode");
	cr_assert_not_null(xch_sa(XCH_WEST)->v1->qm, "no second attempt");
	cr_assert_eq(xch_sa(XCH_WEST)->v1->qm->tries, 1);
	cr_assert_eq(xch_sa(XCH_WEST)->children, wc);
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_not(wc->superseded);
	for (int i = 0; i < 70 && xch_sa(XCH_WEST)->v1->qm; i++) {
		while (xch_drop_next(XCH_WEST))
			;
		xch_advance(XCH_WEST, 1000);
	}
	cr_assert_null(xch_sa(XCH_WEST)->v1->qm, "more attempts than --keyingtries");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(wc->state, CHILD_INSTALLED);
}

/*
 * --initiate of a second connection between the same ends: a Quick Mode on
 * the ISAKMP SA that is up (no new Main Mode); the responder serves it
 * with its connection whose selectors fit.
 */
Test(v1, quick_mode_on_the_isakmp_sa_that_is_up)
{
	char buf[80];

	v1_main_up(QMCONN, QMCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(NULL, NULL);
	const char *b = "--name v1b --ikev1 --host 127.0.0.1 --id @west --client 10.3.0.0/16 --to "
			"--host 127.0.0.2 --id @east --client 10.4.0.0/16 --psk --encrypt --tunnel";
	xch_conn_add(XCH_WEST, b);
	xch_conn_add(XCH_EAST, b);
	xch_initiate(XCH_WEST, "v1b");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	struct child_sa *w2 = xch_sa(XCH_WEST)->children->next;
	struct child_sa *e2 = xch_sa(XCH_EAST)->children->next;
	cr_assert(w2 && e2);
	cr_assert_str_eq(w2->conn->spec->name, "v1b");
	cr_assert_str_eq(e2->conn->spec->name, "v1b");
	cr_assert_eq(w2->spi_out, e2->spi_in);
	cr_assert_str_eq(ike_ts_str(&e2->ts_local, buf, sizeof(buf)), "10.4.0.0/16");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_ESTABLISHED), 1);
	/* the same connection again: a Quick Mode too */
	xch_initiate(XCH_WEST, "v1b");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
}

/* west's and east's IPsec SA of connection name: installed, the same SPIs and keys both ways */
static void assert_pair_of(const char *name)
{
	struct child_sa *wc = NULL, *ec = NULL;
	const struct xch_kernel_sa *a, *b;

	for (struct child_sa *c = xch_sa(XCH_WEST)->children; c; c = c->next)
		if (!strcmp(c->conn->spec->name, name)) {
			cr_assert_null(wc, "west has two IPsec SAs of %s", name);
			wc = c;
		}
	for (struct child_sa *c = xch_sa(XCH_EAST)->children; c; c = c->next)
		if (!strcmp(c->conn->spec->name, name)) {
			cr_assert_null(ec, "east has two IPsec SAs of %s", name);
			ec = c;
		}
	cr_assert(wc && ec, "%s: west %p, east %p", name, (void *)wc, (void *)ec);
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_eq(ec->state, CHILD_INSTALLED);
	cr_assert_eq(wc->spi_out, ec->spi_in);
	cr_assert_eq(wc->spi_in, ec->spi_out);
	a = xch_kernel_sa(XCH_WEST, wc->spi_out);
	b = xch_kernel_sa(XCH_EAST, ec->spi_in);
	cr_assert(a && b);
	cr_assert_arr_eq(a->key, b->key, a->key_len);
	a = xch_kernel_sa(XCH_EAST, ec->spi_out);
	b = xch_kernel_sa(XCH_WEST, wc->spi_in);
	cr_assert(a && b);
	cr_assert_arr_eq(a->key, b->key, a->key_len);
}

#define QMCONN_B                                                                             \
	"--name v1b --ikev1 --host 127.0.0.1 --id @west --client 10.3.0.0/16 --to --host "    \
	"127.0.0.2 --id @east --client 10.4.0.0/16 --psk --encrypt --tunnel"
#define QMCONN_C                                                                             \
	"--name v1c --ikev1 --host 127.0.0.1 --id @west --client 10.5.0.0/16 --to --host "    \
	"127.0.0.2 --id @east --client 10.6.0.0/16 --psk --encrypt --tunnel"

/*
 * Several Quick Modes at once on one ISAKMP SA (libreswan starts one per
 * connection sharing it at once): west starts v1b and v1c while v1's
 * message 1 is still on the wire; east takes the three message 1s (three
 * exchanges under way, each its own Message ID, IV chain and state) and
 * answers each; one message 2 is lost and only its exchange's timer sends
 * it again; west ends each exchange. Three IPsec SAs on both sides, the
 * same keys, nothing dropped. With PFS (the Phase 1 group): three key
 * exchanges in flight at once on each side.
 */
Test(v1, several_quick_modes_at_once)
{
	struct ike_sa *w, *e;
	uint32_t ids[3];

	v1_main_up(QMCONN " --pfs", QMCONN " --pfs");
	xch_conn_add(XCH_WEST, QMCONN_B " --pfs");
	xch_conn_add(XCH_EAST, QMCONN_B " --pfs");
	xch_conn_add(XCH_WEST, QMCONN_C " --pfs");
	xch_conn_add(XCH_EAST, QMCONN_C " --pfs");
	xch_initiate(XCH_WEST, "v1b");
	xch_initiate(XCH_WEST, "v1c");
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_eq(w->v1->nqm, 3, "west runs %u Quick Modes", w->v1->nqm);
	for (int i = 0; i < 3; i++) {
		const struct xch_msg *m = step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE KE ID ID}");

		ids[i] = m->v1m->hdr.msgid;
		for (int k = 0; k < i; k++)
			cr_assert_neq(ids[i], ids[k], "two exchanges with one Message ID");
	}
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "a second ISAKMP SA");
	cr_assert_eq(e->v1->nqm, 3, "east runs %u Quick Modes", e->v1->nqm);
	for (struct v1_qm *q = e->v1->qms; q; q = q->next)
		cr_assert_eq(q->state, IKE_V1_QUICK_R1);
	/* east's three answers; the second is lost */
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE KE ID ID}");
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE KE ID ID}");
	cr_assert_eq(w->v1->nqm, 1, "west: two exchanges ended, one waits");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_eq(e->v1->nqm, 1);
	cr_assert_not(xch_pending(XCH_EAST));
	/* the lost one's timer: its message 2 again, alone */
	xch_advance(XCH_EAST, 600);
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE KE ID ID}");
	cr_assert_not(xch_pending(XCH_EAST), "more than the lost message was resent");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	cr_assert_eq(w->v1->nqm, 0);
	cr_assert_eq(e->v1->nqm, 0);
	assert_pair_of("v1");
	assert_pair_of("v1b");
	assert_pair_of("v1c");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_TX_RETRANSMIT), 1);
	cr_assert_eq(xch_run_until_quiet(), 0);
}

/* A whack that initiates: its lines, and whether pluto let it go. */
struct qm_whack {
	struct ike_progress pr;
	char lines[4096];
	bool released;
};

static void qw_line(struct ike_progress *pr, unsigned rc, const char *text)
{
	struct qm_whack *t = (struct qm_whack *)pr;
	size_t n = strlen(t->lines);

	snprintf(t->lines + n, sizeof(t->lines) - n, "%03u %s\n", rc, text);
}

static void qw_release(struct ike_progress *pr)
{
	((struct qm_whack *)pr)->released = true;
}

static const struct ike_progress_ops qw_ops = { .line = qw_line, .release = qw_release };

static void qw_init(struct qm_whack *t)
{
	memset(t, 0, sizeof(*t));
	t->pr.ops = &qw_ops;
	atomic_store(&t->pr.refs, 1);
}

/*
 * Two whacks --initiate a connection each while both Quick Modes run on
 * one ISAKMP SA: each hears its own exchange (its "IPsec SA #N
 * established" line, status 0) and is let go when its own exchange ends,
 * not when the other's does.
 */
Test(v1, each_quick_mode_answers_its_own_whack)
{
	struct qm_whack b, c;

	v1_main_up(QMCONN, QMCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);	/* v1's Quick Mode */
	xch_conn_add(XCH_WEST, QMCONN_B);
	xch_conn_add(XCH_EAST, QMCONN_B);
	xch_conn_add(XCH_WEST, QMCONN_C);
	xch_conn_add(XCH_EAST, QMCONN_C);
	qw_init(&b);
	qw_init(&c);
	xch_initiate_pr(XCH_WEST, "v1b", &b.pr);
	xch_initiate_pr(XCH_WEST, "v1c", &c.pr);
	ike_progress_unref(&b.pr);	/* the test's own references */
	ike_progress_unref(&c.pr);
	cr_assert_eq(xch_sa(XCH_WEST)->v1->nqm, 2);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "a second ISAKMP SA");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");	/* v1b's */
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");	/* v1c's */
	/* v1b's answer: b hears its exchange end and goes; c still waits */
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert(b.released, "b was not let go when its exchange ended:\n%s", b.lines);
	cr_assert_not(c.released, "c was let go when the other exchange ended:\n%s", c.lines);
	cr_assert_eq(xch_run_until_quiet(), 3, "v1c's answer, both message 3s");
	cr_assert(b.released, "b was never let go:\n%s", b.lines);
	cr_assert(c.released, "c was never let go:\n%s", c.lines);
	cr_assert_not_null(strstr(b.lines, "\"v1b\" #"), "%s", b.lines);
	cr_assert_null(strstr(b.lines, "\"v1c\""), "b heard v1c's exchange:\n%s", b.lines);
	cr_assert_null(strstr(c.lines, "\"v1b\""), "c heard v1b's exchange:\n%s", c.lines);
	cr_assert_not_null(strstr(b.lines, "IPsec SA #"), "%s", b.lines);
	cr_assert_not_null(strstr(c.lines, "IPsec SA #"), "%s", c.lines);
	cr_assert(strstr(b.lines, "004 \"v1b\"") && strstr(c.lines, "004 \"v1c\""),
		  "no success line each:\n%s---\n%s", b.lines, c.lines);
	assert_pair_of("v1b");
	assert_pair_of("v1c");
}

/*
 * The peer's message 1 again while its exchange waits for message 3, after
 * another exchange answered since: that exchange's own message 2 again
 * (the SA's last answer is the other's).
 */
Test(v1, repeated_message_1_gets_its_own_answer)
{
	const struct xch_msg *m;
	uint8_t first[2048], answer[2048];
	size_t first_len, answer_len;

	v1_main_up(QMCONN, QMCONN);
	xch_conn_add(XCH_WEST, QMCONN_B);
	xch_conn_add(XCH_EAST, QMCONN_B);
	xch_initiate(XCH_WEST, "v1b");
	m = step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	cr_assert_leq(m->len, sizeof(first));
	first_len = m->len;
	memcpy(first, m->bytes, m->len);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	m = step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");	/* the first's answer */
	answer_len = m->len;
	memcpy(answer, m->bytes, m->len);
	cr_assert_not_null(xch_drop_next(XCH_EAST));	/* the second's: east's last answer */
	cr_assert_not_null(xch_drop_next(XCH_WEST));	/* the first's message 3, lost */
	cr_assert_eq(xch_sa(XCH_EAST)->v1->nqm, 2);
	/* the first message 1 again: its own message 2 again */
	xch_send_raw(XCH_WEST, first, first_len);
	cr_assert_not_null(xch_step(XCH_WEST));
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m, "no answer to the repeated message 1");
	cr_assert_eq(m->len, answer_len);
	cr_assert_arr_eq(m->bytes, answer, answer_len, "not the first exchange's message 2");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
}

/*
 * Message 3 lost, and west answers another exchange before east's message
 * 2 comes again (east's own Quick Mode for a second connection): that
 * answer is now west's SA's last one, yet the message 2 again still gets
 * its message 3 again (kept for V1_QM_FINAL_KEEP_MS), and east's exchange
 * ends with the IPsec SA both have. Past the keep time, nothing answers.
 */
Test(v1, lost_message_3_answered_after_another_exchange)
{
	struct ike_sa *w, *e;
	const struct xch_msg *m;
	uint8_t again[2048];
	size_t again_len;

	v1_main_up(QMCONN, QMCONN);
	xch_conn_add_both(QMCONN_B);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	cr_assert_not_null(xch_drop_next(XCH_WEST));	/* message 3 */
	cr_assert_eq(e->v1->nqm, 1);
	/* east's own Quick Mode: west's answer to it is west's last answer now */
	xch_initiate(XCH_EAST, "v1b");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH}");
	cr_assert_eq(e->v1->nqm, 1, "east's own exchange did not end");
	/* the first exchange's message 2 again: its message 3 again */
	xch_advance(XCH_EAST, 600);
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m, "east did not resend message 2");
	cr_assert_leq(m->len, sizeof(again));
	again_len = m->len;
	memcpy(again, m->bytes, m->len);
	m = xch_step(XCH_WEST);
	cr_assert_not_null(m, "no message 3 again once another exchange was answered");
	cr_assert_str_eq(m->desc, "v1 Quick: E{HASH}");
	cr_assert_eq(e->v1->nqm, 0, "message 3 again did not end east's exchange");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_RETRANSMIT), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_ESTABLISHED), 2);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_ESTABLISHED), 2);
	cr_assert_not(xch_pending(XCH_EAST));
	/* kept for V1_QM_FINAL_KEEP_MS only */
	xch_advance(XCH_WEST, V1_QM_FINAL_KEEP_MS);
	xch_send_raw(XCH_EAST, again, again_len);
	cr_assert_not_null(xch_step(XCH_EAST));
	cr_assert_not(xch_pending(XCH_WEST), "message 3 kept past V1_QM_FINAL_KEEP_MS");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_RETRANSMIT), 1);
	cr_assert_eq(w->v1->nqm, 0);
}

/*
 * Three of ours end with every message 3 lost: the last two are kept
 * (V1_QM_FINALS), so of east's three messages 2 again the second's and the
 * third's get their message 3 again; the first's, whose place the third
 * took, gets nothing (east then ends that exchange after its 30 s).
 */
Test(v1, the_last_two_message_3s_are_kept)
{
	struct ike_sa *w, *e;
	uint32_t ids[3];
	unsigned answered = 0;

	v1_main_up(QMCONN, QMCONN);
	xch_conn_add_both(QMCONN_B);
	xch_conn_add_both(QMCONN_C);
	xch_initiate(XCH_WEST, "v1b");
	xch_initiate(XCH_WEST, "v1c");
	w = xch_sa(XCH_WEST);
	e = xch_sa(XCH_EAST);
	for (int i = 0; i < 3; i++)
		ids[i] = step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}")->v1m->hdr.msgid;
	/* each ends on west 10 ms after the one before, and its message 3 is lost */
	for (int i = 0; i < 3; i++) {
		step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
		cr_assert_not_null(xch_drop_next(XCH_WEST));
		xch_advance(XCH_WEST, 10);
	}
	cr_assert_eq(w->v1->nqm, 0);
	cr_assert_eq(e->v1->nqm, 3);
	/* east's three messages 2 again */
	xch_advance(XCH_EAST, 600);
	for (int i = 0; i < 3; i++) {
		cr_assert_not_null(xch_step(XCH_EAST), "east resent %d messages 2 of 3", i);
		while (xch_pending(XCH_WEST)) {
			cr_assert_str_eq(xch_step(XCH_WEST)->desc, "v1 Quick: E{HASH}");
			answered++;
		}
	}
	cr_assert_eq(answered, 2, "%u messages 3 again (want the last two)", answered);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_RETRANSMIT), 2);
	cr_assert_eq(e->v1->nqm, 1);
	cr_assert_eq(e->v1->qms->msgid, ids[0], "not the first exchange that went unanswered");
}

/*
 * Phase 1 re-establishment at ikelifetime - rekeymargin: a new Main Mode
 * (no Quick Mode: the IPsec SA stays, on the new ISAKMP SA), then the old
 * ISAKMP SA's Delete; a later Quick Mode rekey runs on the new one.
 */
Test(v1, phase1_reestablished_before_its_end)
{
	struct child_sa *wc, *ec;
	struct ike_sa *ow, *oe;

	v1_main_up(QMCONN " --ikelifetime 120 --rekeymargin 20 --rekeyfuzz 0",
		   QMCONN " --ikelifetime 120 --rekeymargin 20 --rekeyfuzz 0");
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	ow = xch_sa(XCH_WEST);
	oe = xch_sa(XCH_EAST);
	xch_advance(XCH_WEST, 99000);
	cr_assert_not(xch_pending(XCH_WEST));
	xch_advance(XCH_WEST, 1100);
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	/* the new ISAKMP SA is up: the old one's Delete, no Quick Mode */
	step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_neq(xch_sa(XCH_WEST), ow);
	cr_assert_neq(xch_sa(XCH_EAST), oe);
	cr_assert_eq(xch_sa(XCH_WEST)->children, wc, "the IPsec SA did not move");
	cr_assert_eq(xch_sa(XCH_EAST)->children, ec);
	cr_assert_eq(wc->sa, xch_sa(XCH_WEST));
	cr_assert_eq(wc->state, CHILD_INSTALLED);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_REKEYED), 1);
	/* the next Quick Mode (a rekey) runs on the new ISAKMP SA */
	cr_assert(v1_child_rekey(xch_sa(XCH_WEST), wc, "whack --rekey-ipsec", true));
	rekey_completes(XCH_WEST, wc, ec);
}

/*
 * Every SA side's kernel was given is gone from it again: each SA_ADD
 * has a later SA_DELETE of its SPI.
 */
static void assert_kernel_empty(enum xch_side side, const uint32_t *spis, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned add = xch_kernel_op_seq(side, KERNEL_OP_SA_ADD, spis[i]);
		unsigned del = xch_kernel_op_seq(side, KERNEL_OP_SA_DELETE, spis[i]);

		cr_assert(!add || del > add, "SA 0x%08x left in the kernel", spis[i]);
	}
}

static void terminate_v1(struct ike_daemon *d, void *arg)
{
	*(unsigned *)arg = ike_cmd_terminate(d, xch_conn(XCH_WEST, "v1"), NULL, NULL);
}

/*
 * West's IPsec SA up, then rekeyed by whack up to west's message 3 sent:
 * the old IPsec SA of each end in *wc, *ec, and west's new one returned.
 */
static struct child_sa *rekey_past_message_3(struct child_sa **wc, struct child_sa **ec)
{
	struct child_sa *nw;

	v1_main_up(REKEYCONN, REKEYCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(wc, ec);
	cr_assert(v1_child_rekey(xch_sa(XCH_WEST), *wc, "whack --rekey-ipsec", true));
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_EAST, "v1 Quick: E{HASH SA NONCE ID ID}");
	step_expect(XCH_WEST, "v1 Quick: E{HASH}");
	nw = heir_of(XCH_WEST, *wc);
	cr_assert_not_null(nw);
	return nw;
}

/*
 * A rekey by west, then its ISAKMP SA goes (--terminate, or its Delete)
 * at `after` ms past message 3: in the window where the new outbound SA
 * is held back, the old SA's linger, or where only its inbound SA stays.
 * Every SA goes from both ends and both kernels; no timer of the freed
 * SAs fires later (ASan would see it).
 */
static void terminate_at(uint64_t after, bool whack)
{
	struct child_sa *wc, *ec, *nw;
	uint32_t spis[4];
	unsigned n = 0;

	nw = rekey_past_message_3(&wc, &ec);
	spis[0] = wc->spi_in;
	spis[1] = wc->spi_out;
	spis[2] = nw->spi_in;
	spis[3] = nw->spi_out;
	if (after) {
		xch_advance(XCH_WEST, after);
		if (after > CHILD_V1_OUT_WAIT_MS + CHILD_REKEYED_LINGER_MS) {
			step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
			cr_assert_eq(wc->v1_retire, CHILD_V1_IN_ONLY);
		} else {
			cr_assert_eq(wc->v1_retire, after > CHILD_V1_OUT_WAIT_MS
							    ? CHILD_V1_LINGER
							    : CHILD_V1_HEIR_OUT_WAIT);
		}
	} else {
		cr_assert_not_null(nw->out_deferred);
	}
	if (whack) {
		xch_ctl(XCH_WEST, terminate_v1, &n);
		cr_assert_eq(n, 1);
	} else {
		ike_sa_delete(xch_sa(XCH_WEST), true);
	}
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east was not told");
	xch_advance(XCH_WEST, 5000);
	xch_advance(XCH_EAST, 5000);
	assert_kernel_empty(XCH_WEST, spis, 4);
	assert_kernel_empty(XCH_EAST, (uint32_t[]){ spis[1], spis[0], spis[3], spis[2] }, 4);
}

Test(v1, terminate_while_the_new_outbound_sa_waits)
{
	terminate_at(0, true);
}

Test(v1, delete_while_the_new_outbound_sa_waits)
{
	terminate_at(CHILD_V1_OUT_WAIT_MS / 2, false);
}

Test(v1, terminate_during_the_linger_of_the_old_sa)
{
	terminate_at(CHILD_V1_OUT_WAIT_MS + CHILD_REKEYED_LINGER_MS / 2, true);
}

Test(v1, terminate_while_only_the_old_inbound_sa_stays)
{
	terminate_at(CHILD_V1_OUT_WAIT_MS + CHILD_REKEYED_LINGER_MS + CHILD_V1_IN_KEEP_MS / 2,
		     true);
}

/*
 * The kernel refuses the held-back outbound SA of west's rekey: the new
 * IPsec SA goes (west's Delete of it), the old one is the IPsec SA again
 * (its outbound SA never left, its policies stay) and is rekeyed again.
 */
Test(v1, refused_new_outbound_sa_keeps_the_old_one)
{
	struct child_sa *wc, *ec, *nw;
	uint32_t in_new, out_new;
	const struct xch_msg *m;

	nw = rekey_past_message_3(&wc, &ec);
	in_new = nw->spi_in;
	out_new = nw->spi_out;	/* nw goes with the refusal */
	xch_kernel_fail_add(XCH_WEST, out_new);
	unsigned pol_del = xch_kernel_ops(XCH_WEST, KERNEL_OP_POLICY_DELETE, NULL, 0);
	xch_advance(XCH_WEST, CHILD_V1_OUT_WAIT_MS + 10);
	cr_assert_neq(xch_kernel_op_seq(XCH_WEST, KERNEL_OP_SA_ADD, out_new), 0);
	m = step_expect(XCH_WEST, "v1 Informational: E{HASH D}");
	cr_assert_eq(v2_spi32_get(m->v1m->pl[1].u.del.spis), in_new, "not the new SA's Delete");
	cr_assert_eq(xch_sa(XCH_WEST)->children, wc, "the new IPsec SA stayed");
	cr_assert_null(wc->next);
	cr_assert_not(wc->superseded);
	cr_assert_eq(wc->v1_retire, CHILD_V1_LIVE);
	cr_assert_eq(xch_kernel_op_seq(XCH_WEST, KERNEL_OP_SA_DELETE, wc->spi_out), 0);
	cr_assert_eq(xch_kernel_op_seq(XCH_WEST, KERNEL_OP_SA_DELETE, wc->spi_in), 0);
	cr_assert_neq(xch_kernel_op_seq(XCH_WEST, KERNEL_OP_SA_DELETE, in_new), 0);
	cr_assert_eq(xch_kernel_ops(XCH_WEST, KERNEL_OP_POLICY_DELETE, NULL, 0), pol_del,
		     "the old SA's policies went with the new one");
	cr_assert_eq(atomic_load(&wc->conn->policy_owner), wc->serial);
	/* east: the new SA gone on west's Delete, the old one stays */
	xch_advance(XCH_EAST, CHILD_REKEYED_LINGER_MS + 10);
	cr_assert_eq(xch_sa(XCH_EAST)->children, ec);
	cr_assert_null(ec->next);
	/* no Delete of the old SA; a new rekey a second later */
	xch_advance(XCH_WEST, CHILD_REKEYED_LINGER_MS + CHILD_V1_IN_KEEP_MS);
	step_expect(XCH_WEST, "v1 Quick: E{HASH SA NONCE ID ID}");
}

/* --terminate while the rekeyed IPsec SA lingers: every SA goes, the old and the new one's Deletes first. */
Test(v1, terminate_during_the_linger)
{
	struct child_sa *wc, *ec;

	v1_main_up(REKEYCONN, REKEYCONN);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_ipsec_pair(&wc, &ec);
	cr_assert(v1_child_rekey(xch_sa(XCH_WEST), wc, "whack --rekey-ipsec", true));
	cr_assert_eq(xch_run_until_quiet(), 3);
	ike_sa_delete(xch_sa(XCH_WEST), true);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	xch_advance(XCH_WEST, 2000);
	xch_advance(XCH_EAST, 2000);
}
