/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Protocol edges between two in-process engines (xch.h): key exchange
 * values that are no public value of their group, other IKE major
 * versions, unknown critical payloads, IKE_SA_INIT requests without the
 * Initiator flag, and the retransmission schedule. West (127.0.0.1)
 * initiates, east (127.0.0.2) responds; the tests tamper with datagrams on
 * the wire. Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exchange/xch.h"
#include "ike/v2/build.h"
#include "ike/v2/io.h"

TestSuite(edges, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

#define CONN                                                                              \
	"--name t --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to --host 127.0.0.2 " \
	"--id @east --client 10.2.0.0/16 --psk --encrypt --keyingtries 1"
#define INIT_REQ "SA KE Ni N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"
#define INIT_RESP "SA KE Nr N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"

enum { HDR_VERSION = 17, HDR_FLAGS = 19, FLAG_I = 0x08, FLAG_R = 0x20, PL_UNKNOWN = 200 };

/* Take the next datagram from `from` off the wire: its bytes (free them) and length. */
static uint8_t *take(enum xch_side from, const char *desc, size_t *len,
		     const struct xch_msg **rec)
{
	const struct xch_msg *m = xch_drop_next(from);

	cr_assert_not_null(m, "nothing on the wire; expected %s", desc);
	cr_assert_str_eq(m->desc, desc);
	*len = m->len;
	if (rec)
		*rec = m;
	return xch_msg_copy(m);
}

/* Offset of the KE payload's data in the recorded message m. */
static size_t ke_offset(const struct xch_msg *m, size_t *ke_len)
{
	const struct v2_payload *p = xch_msg_payload(m, V2_PL_KE);

	cr_assert_not_null(p);
	*ke_len = p->u.ke.len;
	return (size_t)(p->u.ke.data - m->plain);
}

static void assert_east_kept_nothing(void)
{
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east kept an IKE SA");
	cr_assert_eq(xch_spi_table_count(XCH_EAST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);
}

/*
 * A responder given a KE value that is no public value of the group
 * answers INVALID_SYNTAX (RFC 7296 3.10.1), counts it and keeps nothing;
 * the initiator fails on that answer.
 */
static void bad_ke_to_responder(const char *conn, void (*spoil)(uint8_t *ke, size_t len))
{
	const struct xch_msg *m;
	uint8_t *req;
	size_t len, off, ke_len;

	xch_conn_add_both(conn);
	xch_initiate(XCH_WEST, "t");
	req = take(XCH_WEST, INIT_REQ, &len, &m);
	off = ke_offset(m, &ke_len);
	spoil(req + off, ke_len);
	xch_send_raw(XCH_WEST, req, len);
	m = xch_step(XCH_WEST);
	cr_assert_str_eq(m->desc, INIT_REQ);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_KE_REFUSED), 1);
	assert_east_kept_nothing();

	/* <-- HDR(SPIi, 0), N(INVALID_SYNTAX) */
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m, "east did not answer the bad KE value");
	cr_assert_str_eq(m->desc, "N(INVALID_SYNTAX)");
	cr_assert(m->response);
	cr_assert_eq(m->hdr.exchange, V2_IKE_SA_INIT);
	cr_assert_arr_eq(m->hdr.spii, req, 8, "SPIi not copied");
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west still tries after INVALID_SYNTAX");
	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_not(xch_pending(XCH_EAST));
	free(req);
}

/* X25519's u = 0 is of low order: the shared secret is all zero (RFC 7748 6.1). */
static void zero_value(uint8_t *ke, size_t len)
{
	memset(ke, 0, len);
}

/* One bit of y flipped: the point leaves the curve. */
static void off_curve(uint8_t *ke, size_t len)
{
	ke[len - 1] ^= 0x01;
}

Test(edges, x25519_zero_value_answered_invalid_syntax)
{
	bad_ke_to_responder(CONN, zero_value);
}

Test(edges, p256_off_curve_answered_invalid_syntax)
{
	bad_ke_to_responder(CONN " --ike aes_gcm256-sha2_256-dh19", off_curve);
}

/* The responder's KE value refused by the initiator: it gives up, counted. */
Test(edges, initiator_refuses_bad_responder_ke)
{
	const struct xch_msg *m;
	uint8_t *resp;
	size_t len, off, ke_len;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	xch_step(XCH_WEST);
	resp = take(XCH_EAST, INIT_RESP, &len, &m);
	off = ke_offset(m, &ke_len);
	zero_value(resp + off, ke_len);
	xch_send_raw(XCH_EAST, resp, len);
	xch_step(XCH_EAST);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_KE_REFUSED), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west went on with a zero shared secret");
	cr_assert_not(xch_pending(XCH_WEST), "west sent IKE_AUTH anyway");
	free(resp);
}

/*
 * RFC 7296 2.5: a request of a higher major version is dropped and
 * answered INVALID_MAJOR_VERSION in a 2.0 message, SPIs and Message ID
 * copied; a response is not answered; major version 1 is IKEv1 (dropped,
 * not supported yet).
 */
Test(edges, other_major_version)
{
	const struct xch_msg *m;
	uint8_t *req;
	size_t len;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	req = take(XCH_WEST, INIT_REQ, &len, NULL);
	req[HDR_VERSION] = 0x30;	/* 3.0 */
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	assert_east_kept_nothing();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_MAJOR_VERSION_SENT), 1);
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m, "no INVALID_MAJOR_VERSION answer");
	cr_assert_str_eq(m->desc, "N(INVALID_MAJOR_VERSION)");
	cr_assert_eq(m->hdr.major, 2);
	cr_assert_eq(m->hdr.minor, 0);
	cr_assert(m->response);
	cr_assert_not(m->hdr.flags & FLAG_I);
	cr_assert_eq(m->hdr.exchange, V2_INFORMATIONAL);
	cr_assert_arr_eq(m->hdr.spii, req, 8);
	cr_assert_arr_eq(m->hdr.spir, req + 8, 8);
	cr_assert_eq(m->hdr.msgid, 0);

	/* The same as a response: dropped, no answer. */
	req[HDR_FLAGS] |= FLAG_R;
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	cr_assert_not(xch_pending(XCH_EAST), "a response was answered");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_MAJOR_VERSION_SENT), 1);

	/* Major version 1: IKEv1, not answered. */
	req[HDR_FLAGS] &= (uint8_t)~FLAG_R;
	req[HDR_VERSION] = 0x10;
	uint64_t dropped = xch_counter(XCH_EAST, IKEC_RX_DROPPED);
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), dropped + 1);
	assert_east_kept_nothing();
	free(req);
}

static uint64_t coarse_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec;
}

/*
 * Forged senders cannot make east answer without bound: at most 50
 * stateless answers a second per worker, the rest dropped and counted.
 * The limit is checked against the seconds the burst really spanned (the
 * limiter's clock), so a slow run (sanitizers) proves the same thing.
 */
Test(edges, major_version_answers_rate_limited)
{
	enum { N = 400, PER_S = 50 };
	unsigned answered = 0;
	uint64_t first, last;
	uint8_t *req;
	size_t len;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	req = take(XCH_WEST, INIT_REQ, &len, NULL);
	req[HDR_VERSION] = 0x30;
	first = coarse_seconds();
	for (int i = 0; i < N; i++) {
		req[0] = (uint8_t)i;	/* another SPI each time */
		req[1] = (uint8_t)(i >> 8);
		xch_send_raw(XCH_WEST, req, len);
		cr_assert_not_null(xch_step(XCH_WEST));
		while (xch_step(XCH_EAST))
			answered++;
	}
	last = coarse_seconds();
	cr_assert_eq(answered, xch_counter(XCH_EAST, IKEC_MAJOR_VERSION_SENT));
	cr_assert_eq(answered + xch_counter(XCH_EAST, IKEC_ANSWERS_LIMITED), N);
	cr_assert_gt(answered, 0);
	cr_assert_leq(answered, PER_S * (last - first + 1),
		      "%u answers in %llu second windows", answered,
		      (unsigned long long)(last - first + 1));
	if (last - first + 1 < N / PER_S)
		cr_assert_gt(xch_counter(XCH_EAST, IKEC_ANSWERS_LIMITED), 0);
	free(req);
}

/* The header offset of each outer payload of an unprotected message. */
static int payload_offsets(const uint8_t *msg, size_t len, size_t *off, int max)
{
	size_t o = 28;
	uint8_t next = msg[16];
	int n = 0;

	while (next != 0 && n < max) {
		cr_assert_leq(o + 4, len);
		off[n++] = o;
		next = msg[o];
		o += (size_t)(msg[o + 2] << 8 | msg[o + 3]);
	}
	return n;
}

/*
 * Turn the last payload of req (a Notify) into an unknown type, with the
 * critical bit or not: the type is named by the previous payload's Next
 * Payload field.
 */
static void make_unknown(uint8_t *req, size_t len, bool critical)
{
	size_t off[16];
	int n = payload_offsets(req, len, off, 16);

	cr_assert_geq(n, 2);
	req[off[n - 2]] = PL_UNKNOWN;
	if (critical)
		req[off[n - 1] + 1] |= 0x80;
}

/*
 * RFC 7296 2.5: an unknown payload with the critical bit rejects the
 * message, answered UNSUPPORTED_CRITICAL_PAYLOAD with the type; without
 * the bit it is skipped.
 */
Test(edges, unknown_critical_payload_in_ike_sa_init)
{
	const struct xch_msg *m;
	const struct v2_payload *p;
	uint8_t *req;
	size_t len;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	req = take(XCH_WEST, INIT_REQ, &len, NULL);
	uint8_t *copy = malloc(len);
	cr_assert_not_null(copy);
	memcpy(copy, req, len);

	make_unknown(req, len, true);
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	assert_east_kept_nothing();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CRITICAL_SENT), 1);
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m, "no UNSUPPORTED_CRITICAL_PAYLOAD answer");
	cr_assert_str_eq(m->desc, "N(UNSUPPORTED_CRITICAL_PAYLOAD)");
	cr_assert_eq(m->hdr.exchange, V2_IKE_SA_INIT);
	p = xch_msg_payload(m, V2_PL_NOTIFY);
	cr_assert_eq(p->u.notify.len, 1);
	cr_assert_eq(p->u.notify.data[0], PL_UNKNOWN);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west still tries after the error");

	/* Not critical: skipped, and the exchange goes on. */
	xch_initiate(XCH_WEST, "t");
	free(req);
	req = take(XCH_WEST, INIT_REQ, &len, NULL);
	make_unknown(req, len, false);
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CRITICAL_SENT), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->desc, INIT_RESP);
	free(req);
	free(copy);
}

/* Inside SK: the SA answers, protected, with the type. */
Test(edges, unknown_critical_payload_inside_sk)
{
	const struct xch_msg *m;
	const struct v2_payload *p;
	struct v2_build b;
	size_t len;
	static const uint8_t body[4] = { 1, 2, 3, 4 };

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	struct ike_sa *w = xch_sa(XCH_WEST);
	cr_assert_eq(w->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);

	/* HDR, SK{ <type 200, critical> } --> as an INFORMATIONAL request */
	cr_assert_eq(v2_start(w, &b, V2_INFORMATIONAL, false, w->msgid_next, true), 0);
	cr_assert_eq(v2_build_raw(&b, PL_UNKNOWN, true, body, sizeof(body)), 0);
	cr_assert_eq(v2_seal(w, &b, &len), 0);
	xch_send_raw(XCH_WEST, w->w->txbuf, len);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CRITICAL_SENT), 1);
	m = xch_step(XCH_EAST);
	cr_assert_not_null(m, "no answer to the critical payload");
	cr_assert(m->response);
	cr_assert_eq(m->hdr.msgid, w->msgid_next);
	cr_assert_str_eq(m->desc, "SK{N(UNSUPPORTED_CRITICAL_PAYLOAD)}");
	p = xch_msg_payload(m, V2_PL_NOTIFY);
	cr_assert_eq(p->u.notify.len, 1);
	cr_assert_eq(p->u.notify.data[0], PL_UNKNOWN);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);
}

/* Only the original initiator sends IKE_SA_INIT requests (RFC 7296 3.1). */
Test(edges, ike_sa_init_without_initiator_flag_dropped)
{
	uint8_t *req;
	size_t len;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	req = take(XCH_WEST, INIT_REQ, &len, NULL);
	req[HDR_FLAGS] &= (uint8_t)~FLAG_I;
	uint64_t dropped = xch_counter(XCH_EAST, IKEC_RX_DROPPED);
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), dropped + 1);
	cr_assert_not(xch_pending(XCH_EAST), "east answered");
	assert_east_kept_nothing();

	/* The genuine request still works. */
	req[HDR_FLAGS] |= FLAG_I;
	xch_send_raw(XCH_WEST, req, len);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	free(req);
}

/*
 * The retransmission schedule (libreswan's documented defaults): the
 * request goes again 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s after it was first
 * sent, and the attempt ends 60 s after it, not later; nothing is sent in
 * between. The engine's timers run on the worker's wheel, which the
 * harness moves; a deadline may land a tick (a millisecond or two) late.
 */
Test(edges, retransmission_schedule)
{
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 15500, 31500 };
	uint64_t t0, t1, due;
	size_t len;

	xch_conn_add_both(CONN);
	t0 = xch_now(XCH_WEST);
	xch_initiate(XCH_WEST, "t");
	t1 = xch_now(XCH_WEST);
	free(take(XCH_WEST, INIT_REQ, &len, NULL));
	struct ike_sa *w = xch_sa(XCH_WEST);
	cr_assert_eq(v2_retransmissions_max(), sizeof(at) / sizeof(at[0]));

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		cr_assert(timer_is_armed(&w->ext->retrans));
		due = timer_deadline(&w->ext->retrans);
		cr_assert(due >= t0 + at[i] && due <= t1 + at[i] + 2 * (i + 1),
			  "retransmission %zu due %lld ms after the first send, expected %llu", i + 1,
			  (long long)(due - t0), (unsigned long long)at[i]);
		xch_advance_to(XCH_WEST, due - 1);
		/*
		 * The harness's clock is the real one plus an offset: on a slow
		 * run (TSan) it may itself have passed `due` by now, and then
		 * the send is on time. Below `due` nothing may have gone out.
		 */
		if (xch_now(XCH_WEST) < due)
			cr_assert_not(xch_pending(XCH_WEST), "sent before its time");
		xch_advance_to(XCH_WEST, due);
		cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), i + 1);
		free(take(XCH_WEST, INIT_REQ, &len, NULL));
		cr_assert_not(xch_pending(XCH_WEST));
	}
	/* The last wait is cut short: the attempt ends at 60 s, not at 63.5. */
	due = timer_deadline(&w->ext->retrans);
	cr_assert(due >= t0 + 60000 && due <= t1 + 60000 + 14, "timeout %lld ms after the first send",
		  (long long)(due - t0));
	xch_advance_to(XCH_WEST, due - 1);
	if (xch_now(XCH_WEST) < due)	/* as above: the real clock may have passed it */
		cr_assert_eq(xch_sa_count(XCH_WEST), 1, "gave up early");
	xch_advance_to(XCH_WEST, due);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "still trying after 60 s");
	cr_assert_not(xch_pending(XCH_WEST), "sent once more at the timeout");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 6);
}
