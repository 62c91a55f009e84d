/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IKEv2 message ID window larger than one (RFC 7296 2.3,
 * SET_WINDOW_SIZE; --ike-window): several requests of ours out at once,
 * each with its own retransmission, responses matched by message ID; the
 * responder's window taking requests in any order, answering a
 * retransmitted one from its ring and dropping one beyond the window; a
 * peer without a window unchanged. Two stepped engines (xch.h); needs root.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/xch.h"
#include "ike/v2/io.h"
#include "ike/v2/task.h"
#include "ike/v2/window.h"

TestSuite(window, .init = xch_setup, .fini = xch_teardown, .timeout = 30);

#define CONN                                                                                   \
	"--name t --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to --host 127.0.0.2 "     \
	"--id @east --client 10.2.0.0/16 --psk --encrypt"

static const char *side_name(enum xch_side s)
{
	return s == XCH_WEST ? "west" : "east";
}

static const struct xch_msg *expect(enum xch_side from, uint8_t exchange, bool response,
				    uint32_t msgid, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "%s sent nothing; expected %s", side_name(from), desc);
	cr_assert(m->decoded);
	cr_assert_eq(m->hdr.exchange, exchange, "%s sent exchange %u, expected %u",
		     side_name(from), m->hdr.exchange, exchange);
	cr_assert_eq(m->response, response, "%s: request/response flag", side_name(from));
	cr_assert_eq(m->hdr.msgid, msgid, "%s sent message ID %u, expected %u", side_name(from),
		     m->hdr.msgid, msgid);
	cr_assert_str_eq(m->desc, desc, "%s sent \"%s\", expected \"%s\"", side_name(from),
			 m->desc, desc);
	return m;
}

static void assert_quiet(void)
{
	cr_assert_not(xch_pending(XCH_WEST), "west has a message in flight");
	cr_assert_not(xch_pending(XCH_EAST), "east has a message in flight");
}

/* Both ends with these windows (0: none announced, as libreswan). */
static void establish(uint8_t west_window, uint8_t east_window)
{
	char want_i[80], want_r[80];

	xch_daemon(XCH_WEST)->ike_window = west_window;
	xch_daemon(XCH_EAST)->ike_window = east_window;
	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	snprintf(want_i, sizeof(want_i), "SK{IDi IDr AUTH %sSA TSi TSr}",
		 west_window > 1 ? "N(SET_WINDOW_SIZE) " : "");
	snprintf(want_r, sizeof(want_r), "SK{IDr AUTH %sSA TSi TSr}",
		 east_window > 1 ? "N(SET_WINDOW_SIZE) " : "");
	xch_step(XCH_WEST);
	xch_step(XCH_EAST);
	expect(XCH_WEST, V2_IKE_AUTH, false, 1, want_i);
	expect(XCH_EAST, V2_IKE_AUTH, true, 1, want_r);
	assert_quiet();
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_sa(XCH_WEST)->peer_window, east_window > 1 ? east_window : 1);
	cr_assert_eq(xch_sa(XCH_EAST)->peer_window, west_window > 1 ? west_window : 1);
	cr_assert_null(ike_sa_win(xch_sa(XCH_WEST)), "a window allocated before any use");
	cr_assert_null(ike_sa_win(xch_sa(XCH_EAST)), "a window allocated before any use");
}

static void liveness(enum xch_side side)
{
	struct v2_task *t = v2_task_new(V2T_LIVENESS);

	cr_assert_not_null(t);
	v2_task_add(xch_sa(side), t);
	xch_pump();
}

static unsigned pending(enum xch_side from)
{
	unsigned n = 0;
	const struct xch_msg *m;
	uint8_t *bufs[8];
	size_t lens[8];

	/* Count by taking them off the wire and putting them back, in order. */
	while (n < 8 && (m = xch_drop_next(from))) {
		bufs[n] = xch_msg_copy(m);
		lens[n] = m->len;
		n++;
	}
	for (unsigned i = 0; i < n; i++) {
		xch_send_raw(from, bufs[i], lens[i]);
		free(bufs[i]);
	}
	return n;
}

/* Two liveness checks out at once, answered in order. */
Test(window, two_requests_answered_in_order)
{
	establish(4, 4);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	liveness(XCH_WEST);
	liveness(XCH_WEST);
	cr_assert_eq(pending(XCH_WEST), 2, "both requests should be out at once");
	cr_assert_not_null(ike_sa_win(w));
	cr_assert_eq(ike_sa_win(w)->parked, 2);
	expect(XCH_WEST, V2_INFORMATIONAL, false, 2, "SK{}");
	expect(XCH_WEST, V2_INFORMATIONAL, false, 3, "SK{}");
	cr_assert_eq(e->msgid_peer, 4);
	expect(XCH_EAST, V2_INFORMATIONAL, true, 2, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, 3, "SK{}");
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	cr_assert_null(w->active);
	cr_assert_null(w->req);
	cr_assert_eq(w->msgid_next, 4);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 0);
	/* Each had its own retransmission timer: none fires after the answers. */
	xch_advance(XCH_WEST, 2000);
	assert_quiet();
	cr_log_info("window: %zu bytes per SA in use (object %zu)", v2_window_bytes(e),
		    sizeof(struct v2_window));
}

/* A Child SA rekey and a liveness check at once: the rekey goes on as always. */
Test(window, child_rekey_and_liveness_at_once)
{
	establish(4, 4);
	struct ike_sa *w = xch_sa(XCH_WEST);
	uint32_t old_in = w->children->spi_in;

	cr_assert(ike_child_rekey(w, w->children, "test"));
	liveness(XCH_WEST);
	cr_assert_eq(pending(XCH_WEST), 2,
		     "the liveness check waited for the rekey's answer (window of four)");
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, 2, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	expect(XCH_WEST, V2_INFORMATIONAL, false, 3, "SK{}");
	/* Answers in order; the liveness answer waits while the rekey is handled. */
	xch_run_until_quiet();
	assert_quiet();
	cr_assert_null(w->active);
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	/* The old Child SA's Delete went too; past its linger, one Child SA is left. */
	xch_advance(XCH_WEST, CHILD_REKEYED_LINGER_MS);
	xch_advance(XCH_EAST, CHILD_REKEYED_LINGER_MS);
	xch_run_until_quiet();
	cr_assert_not_null(w->children);
	cr_assert_null(w->children->next, "the old Child SA stayed");
	cr_assert_neq(w->children->spi_in, old_in, "not rekeyed");
	cr_assert_eq(w->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 0);
}

/* The second request overtakes the first: east answers both, in the order they came. */
Test(window, requests_out_of_order)
{
	establish(4, 4);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	const struct xch_msg *m;

	liveness(XCH_WEST);
	liveness(XCH_WEST);
	m = xch_drop_next(XCH_WEST);
	cr_assert_not_null(m);
	cr_assert_eq(m->hdr.msgid, 2);
	uint8_t *first = xch_msg_copy(m);
	size_t first_len = m->len;

	expect(XCH_WEST, V2_INFORMATIONAL, false, 3, "SK{}");
	cr_assert_not_null(ike_sa_win(e), "east's window holds the answer ahead");
	cr_assert_eq(e->msgid_peer, 2, "east's window moved past an unanswered request");
	xch_send_raw(XCH_WEST, first, first_len);
	free(first);
	expect(XCH_WEST, V2_INFORMATIONAL, false, 2, "SK{}");
	cr_assert_eq(e->msgid_peer, 4);
	/* West takes the answers in any order too. */
	expect(XCH_EAST, V2_INFORMATIONAL, true, 3, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, 2, "SK{}");
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	cr_assert_null(w->req);
	xch_advance(XCH_WEST, 2000);
	assert_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_BEYOND_WINDOW), 0);
}

/* The answer to the older request is lost: its retransmission is answered from the ring. */
Test(window, retransmitted_older_request_answered_from_ring)
{
	establish(4, 4);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	const struct xch_msg *m;

	liveness(XCH_WEST);
	liveness(XCH_WEST);
	expect(XCH_WEST, V2_INFORMATIONAL, false, 2, "SK{}");
	expect(XCH_WEST, V2_INFORMATIONAL, false, 3, "SK{}");
	m = xch_drop_next(XCH_EAST);
	cr_assert_not_null(m);
	cr_assert_eq(m->hdr.msgid, 2);
	uint8_t *lost = xch_msg_copy(m);
	size_t lost_len = m->len;
	expect(XCH_EAST, V2_INFORMATIONAL, true, 3, "SK{}");
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 1, "the unanswered request is still out");
	/* Its own timer: the retransmission, the same bytes, answered from east's ring. */
	xch_advance(XCH_WEST, 600);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 1);
	expect(XCH_WEST, V2_INFORMATIONAL, false, 2, "SK{}");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
	m = expect(XCH_EAST, V2_INFORMATIONAL, true, 2, "SK{}");
	cr_assert_eq(m->len, lost_len);
	cr_assert_arr_eq(m->bytes, lost, lost_len, "the ring's answer differs from the first");
	free(lost);
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	cr_assert_eq(e->msgid_peer, 4);
	cr_assert_eq(w->state, IKE_ESTABLISHED);
}

/*
 * West ignores east's window of two (its peer_window forced to four): the
 * third request, arriving first, is beyond the window, dropped and
 * counted; its retransmission, once the window moved, is answered.
 */
Test(window, request_beyond_the_window_dropped)
{
	establish(4, 2);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	uint8_t *held[2];
	size_t held_len[2];

	cr_assert_eq(w->peer_window, 2);
	w->peer_window = 4;
	liveness(XCH_WEST);
	liveness(XCH_WEST);
	liveness(XCH_WEST);
	cr_assert_eq(pending(XCH_WEST), 3);
	for (int i = 0; i < 2; i++) {
		const struct xch_msg *m = xch_drop_next(XCH_WEST);
		cr_assert_not_null(m);
		held[i] = xch_msg_copy(m);
		held_len[i] = m->len;
	}
	expect(XCH_WEST, V2_INFORMATIONAL, false, 4, "SK{}");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_BEYOND_WINDOW), 1);
	cr_assert_not(xch_pending(XCH_EAST), "east answered a request beyond its window");
	cr_assert_eq(e->msgid_peer, 2);
	for (int i = 0; i < 2; i++) {
		xch_send_raw(XCH_WEST, held[i], held_len[i]);
		free(held[i]);
		expect(XCH_WEST, V2_INFORMATIONAL, false, 2 + i, "SK{}");
	}
	expect(XCH_EAST, V2_INFORMATIONAL, true, 2, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, 3, "SK{}");
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 1);
	xch_advance(XCH_WEST, 600);
	expect(XCH_WEST, V2_INFORMATIONAL, false, 4, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, 4, "SK{}");
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	cr_assert_eq(e->msgid_peer, 5);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_BEYOND_WINDOW), 1);
}

/* The peer's window of two is kept: the third request waits for an answer. */
Test(window, peer_window_respected)
{
	establish(4, 2);
	struct ike_sa *w = xch_sa(XCH_WEST);

	liveness(XCH_WEST);
	liveness(XCH_WEST);
	liveness(XCH_WEST);
	cr_assert_eq(pending(XCH_WEST), 2, "more requests out than the peer's window");
	expect(XCH_WEST, V2_INFORMATIONAL, false, 2, "SK{}");
	expect(XCH_WEST, V2_INFORMATIONAL, false, 3, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, 2, "SK{}");
	/* The window moved: the third goes. */
	expect(XCH_WEST, V2_INFORMATIONAL, false, 4, "SK{}");
	xch_run_until_quiet();
	assert_quiet();
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	cr_assert_null(w->tasks);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_BEYOND_WINDOW), 0);
}

/*
 * A peer without a window (west announces none, as libreswan): east keeps
 * to one request at a time and allocates nothing; west, the responder of
 * those, keeps one response.
 */
Test(window, window_one_peer_unchanged)
{
	establish(0, 4);
	struct ike_sa *e = xch_sa(XCH_EAST), *w = xch_sa(XCH_WEST);

	liveness(XCH_EAST);
	liveness(XCH_EAST);
	cr_assert_eq(pending(XCH_EAST), 1, "two requests out to a peer without a window");
	expect(XCH_EAST, V2_INFORMATIONAL, false, 0, "SK{}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, 0, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, false, 1, "SK{}");
	expect(XCH_WEST, V2_INFORMATIONAL, true, 1, "SK{}");
	assert_quiet();
	cr_assert_null(ike_sa_win(e));
	cr_assert_null(ike_sa_win(w));
	cr_assert_not_null(w->resp, "the one-response cache");
	cr_assert_eq(w->msgid_peer, 2);
}

/* Neither end has a window: nothing announced, one request at a time, nothing allocated. */
Test(window, no_window_either_side)
{
	establish(0, 0);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	liveness(XCH_WEST);
	liveness(XCH_WEST);
	cr_assert_eq(pending(XCH_WEST), 1);
	xch_run_until_quiet();
	assert_quiet();
	cr_assert_null(ike_sa_win(w));
	cr_assert_null(ike_sa_win(e));
	cr_assert_eq(w->msgid_next, 4);
	cr_assert_eq(e->msgid_peer, 4);
}

/*
 * Two CREATE_CHILD_SAs at once (a Child SA rekey and one more Child SA for
 * a second connection), the second delivered first: east answers each in
 * the order they came, west matches each answer to its exchange.
 */
Test(window, two_create_child_sa_out_of_order)
{
	xch_conn_add_both("--name t2 --host 127.0.0.1 --id @west --client 10.3.0.0/16 --to "
			  "--host 127.0.0.2 --id @east --client 10.4.0.0/16 --psk --encrypt");
	establish(4, 4);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	uint32_t old_in = w->children->spi_in;
	struct v2_task *t = v2_task_new(V2T_NEW_CHILD);
	const struct xch_msg *m;

	cr_assert(ike_child_rekey(w, w->children, "test"));
	t->conn = xch_conn(XCH_WEST, "t2");
	ike_connection_ref(t->conn);
	t->this_end = xch_conn_end(XCH_WEST, "t2");
	v2_task_add(w, t);
	xch_pump();
	cr_assert_eq(pending(XCH_WEST), 2, "both CREATE_CHILD_SA requests should be out");
	m = xch_drop_next(XCH_WEST);
	cr_assert_not_null(m);
	cr_assert_eq(m->hdr.msgid, 2);
	cr_assert_str_eq(m->desc, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	uint8_t *first = xch_msg_copy(m);
	size_t first_len = m->len;
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, 3, "SK{SA Ni TSi TSr}");
	xch_send_raw(XCH_WEST, first, first_len);
	free(first);
	expect(XCH_WEST, V2_CREATE_CHILD_SA, false, 2, "SK{N(REKEY_SA) SA Ni TSi TSr}");
	cr_assert_eq(e->msgid_peer, 4);
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, 3, "SK{SA Nr TSi TSr}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, 2, "SK{SA Nr TSi TSr}");
	/* Then the old Child SA's Delete, and its linger. */
	xch_run_until_quiet();
	xch_advance(XCH_WEST, CHILD_REKEYED_LINGER_MS);
	xch_advance(XCH_EAST, CHILD_REKEYED_LINGER_MS);
	xch_run_until_quiet();
	assert_quiet();
	cr_assert_null(w->active);
	cr_assert_eq(ike_sa_win(w)->parked, 0);
	unsigned n = 0;
	bool t_rekeyed = false, t2_up = false;
	for (const struct child_sa *c = w->children; c; c = c->next, n++) {
		cr_assert_eq(c->state, CHILD_INSTALLED);
		if (!strcmp(c->conn->spec->name, "t"))
			t_rekeyed = c->spi_in != old_in;
		if (!strcmp(c->conn->spec->name, "t2"))
			t2_up = true;
	}
	cr_assert_eq(n, 2, "west has %u Child SAs, expected the rekeyed one and t2's", n);
	cr_assert(t_rekeyed, "t's Child SA was not rekeyed");
	cr_assert(t2_up, "no Child SA for t2");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 0);
}

/*
 * East is still computing its answer to a CREATE_CHILD_SA (caught before
 * its kernel and crypto answers) when a liveness check of the window
 * comes: that one is answered at once, the CREATE_CHILD_SA's answer
 * follows under its own message ID.
 */
Test(window, informational_answered_while_create_child_sa_computes)
{
	establish(4, 4);
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);
	uint32_t old_in = w->children->spi_in;
	const struct xch_msg *m;

	cr_assert(ike_child_rekey(w, w->children, "test"));
	liveness(XCH_WEST);
	cr_assert_eq(pending(XCH_WEST), 2);
	m = xch_deliver(XCH_WEST);
	cr_assert_not_null(m);
	cr_assert_eq(m->hdr.msgid, 2);
	cr_assert_not_null(e->ext->rctx, "east's answer should still be computing");
	expect(XCH_WEST, V2_INFORMATIONAL, false, 3, "SK{}");
	expect(XCH_EAST, V2_INFORMATIONAL, true, 3, "SK{}");
	expect(XCH_EAST, V2_CREATE_CHILD_SA, true, 2, "SK{SA Nr TSi TSr}");
	cr_assert_eq(e->msgid_peer, 4);
	xch_run_until_quiet();
	xch_advance(XCH_WEST, CHILD_REKEYED_LINGER_MS);
	xch_advance(XCH_EAST, CHILD_REKEYED_LINGER_MS);
	xch_run_until_quiet();
	assert_quiet();
	cr_assert_null(w->active);
	cr_assert_not_null(w->children);
	cr_assert_null(w->children->next);
	cr_assert_neq(w->children->spi_in, old_in, "not rekeyed");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REKEY_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 0);
}
