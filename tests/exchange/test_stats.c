/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the IKE engine counts for the metrics registry, on real exchanges
 * between two in-process engines (xch.h): established and failed SAs by
 * exchange, role and reason, notifies sent, cookies, INVALID_KE retries,
 * the SA lifecycle counters, the latency histograms, and the per-SA
 * series read through RCU. Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/metrics_collect.h"
#include "exchange/xch.h"

TestSuite(stats, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

#define CONN "--name t --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to --host 127.0.0.2 " \
	     "--id @east --client 10.2.0.0/16 --psk --encrypt"

static uint64_t failures(enum xch_side s, enum ike_stats_exchange x, enum ike_stats_role r,
			 enum ike_stats_reason why)
{
	return xch_counter(s, IKEC_FAILED_BY + ((unsigned)x * IKE_ROLE_COUNT + r) * IKE_FAIL_COUNT +
				      why);
}

static uint64_t all_failures(enum xch_side s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < IKE_XS_COUNT * IKE_ROLE_COUNT * IKE_FAIL_COUNT; i++)
		n += xch_counter(s, IKEC_FAILED_BY + i);
	return n;
}

static uint64_t established(enum xch_side s, enum ike_stats_exchange x, enum ike_stats_role r)
{
	return xch_counter(s, IKEC_ESTABLISHED_BY + (unsigned)x * IKE_ROLE_COUNT + r);
}

static uint64_t notify_sent(enum xch_side s, enum ike_stats_notify n)
{
	return xch_counter(s, IKEC_NOTIFY_SENT + n);
}

/* Observations in one latency histogram, and their sum (µs). */
static uint64_t hist_count(enum xch_side s, enum ike_stats_hist h, enum ike_stats_role r,
			   uint64_t *sum)
{
	uint64_t cum[IKE_HIST_BOUNDS + 1], dummy;

	counters_hist_read(xch_daemon(s)->ctr, 0, ikec_hist(h, r), IKE_HIST_BOUNDS, cum,
			   sum ? sum : &dummy);
	return cum[IKE_HIST_BOUNDS];
}

/* The exposition of one side's engine, as the endpoint renders it. */
static char *render(enum xch_side s, bool per_sa)
{
	struct ike_daemon *d = xch_daemon(s);
	struct metrics_src src = {
		.nworkers = d->nworkers,
		.block = { [MB_NET] = net_pool_counters(d->pool), [MB_IKE] = d->ctr,
			   [MB_CRYPTO] = d->jobq->ctr },
		.jobq = d->jobq,
		.ike = d,
		.per_sa = per_sa,
	};
	struct expo_buf b;

	expo_init(&b);
	cr_assert_eq(metrics_render(&src, &b), 0);
	return b.p;
}

Test(stats, established_pair_then_deleted)
{
	uint64_t sum;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);

	cr_assert_eq(established(XCH_WEST, IKE_XS_AUTH, IKE_ROLE_INITIATOR), 1);
	cr_assert_eq(established(XCH_WEST, IKE_XS_AUTH, IKE_ROLE_RESPONDER), 0);
	cr_assert_eq(established(XCH_EAST, IKE_XS_AUTH, IKE_ROLE_RESPONDER), 1);
	for (int s = 0; s < 2; s++) {
		uint64_t by = 0;
		for (unsigned i = 0; i < IKE_XS_COUNT * IKE_ROLE_COUNT; i++)
			by += xch_counter(s, IKEC_ESTABLISHED_BY + i);
		cr_assert_eq(by, xch_counter(s, IKEC_IKE_ESTABLISHED),
			     "the labelled series add up to the total");
		cr_assert_eq(xch_counter(s, IKEC_IKE_STARTED), 1);
		cr_assert_eq(xch_counter(s, IKEC_CHILD_STARTED), 1);
		cr_assert_eq(xch_counter(s, IKEC_CHILD_ESTABLISHED), 1);
		cr_assert_eq(all_failures(s), 0);
		cr_assert_eq(xch_counter(s, IKEC_IKE_FAILED), 0);
	}
	/* One observation per phase, in the histograms of each side's role. */
	const enum ike_stats_role role[2] = { IKE_ROLE_INITIATOR, IKE_ROLE_RESPONDER };
	for (int s = 0; s < 2; s++) {
		for (int h = 0; h < IKE_HIST_COUNT; h++) {
			cr_assert_eq(hist_count(s, h, role[s], &sum), 1, "side %d phase %s", s,
				     ike_stats_hist_names[h]);
			cr_assert_lt(sum, 10000000, "%llu us for an in-process exchange",
				     (unsigned long long)sum);
			cr_assert_eq(hist_count(s, h, 1 - role[s], NULL), 0);
		}
	}
	/* The setup includes both exchanges. */
	uint64_t init_us, auth_us, setup_us;
	hist_count(XCH_WEST, IKE_HIST_SA_INIT, IKE_ROLE_INITIATOR, &init_us);
	hist_count(XCH_WEST, IKE_HIST_AUTH, IKE_ROLE_INITIATOR, &auth_us);
	hist_count(XCH_WEST, IKE_HIST_SETUP, IKE_ROLE_INITIATOR, &setup_us);
	cr_assert_geq(setup_us, init_us + auth_us);

	char *text = render(XCH_EAST, false);
	cr_assert_not_null(strstr(text, "\nskua_ike_setup_duration_seconds_count{worker=\"0\","
					"role=\"responder\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nskua_ike_sas{worker=\"0\",state=\"established\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nskua_child_sas{worker=\"0\"} 1\n"));
	free(text);

	/* West deletes: deleting, then completed on both sides. */
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_pump();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_DELETING), 1);
	text = render(XCH_WEST, false);
	cr_assert_not_null(strstr(text, "\nskua_ike_sas{worker=\"0\",state=\"deleting\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nskua_ike_sas{worker=\"0\",state=\"established\"} 0\n"));
	free(text);
	xch_run_until_quiet();
	for (int s = 0; s < 2; s++) {
		cr_assert_eq(xch_counter(s, IKEC_IKE_DELETING), 0);
		cr_assert_eq(xch_counter(s, IKEC_IKE_COMPLETED), 1);
		cr_assert_eq(xch_counter(s, IKEC_IKE_FAILED), 0);
		cr_assert_eq(xch_counter(s, IKEC_CHILD_DELETED), 1);
		cr_assert_eq(xch_counter(s, IKEC_CHILD_FINISHED), 1);
		cr_assert_eq(all_failures(s), 0, "a deleted established SA is no failure");
	}
}

Test(stats, wrong_psk_fails_ike_auth_on_both_sides)
{
	xch_conn_add_both(CONN);
	xch_set_psk(XCH_WEST, "what west believes");
	xch_set_psk(XCH_EAST, "what east believes");
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();

	cr_assert_eq(failures(XCH_EAST, IKE_XS_AUTH, IKE_ROLE_RESPONDER,
			      IKE_FAIL_N_AUTHENTICATION_FAILED), 1);
	cr_assert_eq(failures(XCH_WEST, IKE_XS_AUTH, IKE_ROLE_INITIATOR,
			      IKE_FAIL_N_AUTHENTICATION_FAILED), 1);
	cr_assert_eq(all_failures(XCH_EAST), 1);
	cr_assert_eq(all_failures(XCH_WEST), 1);
	cr_assert_eq(notify_sent(XCH_EAST, IKE_NS_AUTHENTICATION_FAILED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	for (int s = 0; s < 2; s++) {
		cr_assert_eq(xch_counter(s, IKEC_IKE_FAILED), 1);
		cr_assert_eq(xch_counter(s, IKEC_IKE_COMPLETED), 0);
		cr_assert_eq(hist_count(s, IKE_HIST_SETUP, s == XCH_WEST ? IKE_ROLE_INITIATOR :
									    IKE_ROLE_RESPONDER,
					NULL), 0, "a failed setup is not timed");
	}
	/* The IKE_SA_INIT exchange did complete. */
	cr_assert_eq(hist_count(XCH_EAST, IKE_HIST_SA_INIT, IKE_ROLE_RESPONDER, NULL), 1);
}

Test(stats, no_proposal_chosen_refused_without_state)
{
	xch_conn_add(XCH_WEST, CONN " --ike aes_gcm256-sha2_256-dh31");
	xch_conn_add(XCH_EAST, CONN " --ike aes128-sha2_256-dh31");
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();

	cr_assert_eq(failures(XCH_EAST, IKE_XS_SA_INIT, IKE_ROLE_RESPONDER,
			      IKE_FAIL_N_NO_PROPOSAL_CHOSEN), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NO_PROPOSAL_SENT), 1,
		     "the older counter is the same series");
	cr_assert_eq(notify_sent(XCH_EAST, IKE_NS_NO_PROPOSAL_CHOSEN), 1);
	cr_assert_eq(failures(XCH_WEST, IKE_XS_SA_INIT, IKE_ROLE_INITIATOR,
			      IKE_FAIL_N_NO_PROPOSAL_CHOSEN), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_STARTED), 0, "no state on east");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_FAILED), 1);
}

Test(stats, cookies_sent_verified_received)
{
	xch_conn_add_both(CONN);
	atomic_store(&xch_daemon(XCH_EAST)->ddos_mode, 1);	/* whack --ddos-busy */
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();

	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_COOKIES_SENT), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_COOKIES_VERIFIED), 1);
	cr_assert_eq(notify_sent(XCH_EAST, IKE_NS_COOKIE), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_COOKIES_RECEIVED), 1);
	cr_assert_eq(all_failures(XCH_EAST), 0, "a cookie round trip is no failure");
}

Test(stats, invalid_ke_received_and_retried)
{
	xch_conn_add(XCH_WEST, CONN " --ike aes_gcm256-sha2_256-dh19+dh31");
	xch_conn_add(XCH_EAST, CONN " --ike aes_gcm256-sha2_256-dh31");
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();

	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_INVALID_KE_SENT), 1);
	cr_assert_eq(notify_sent(XCH_EAST, IKE_NS_INVALID_KE_PAYLOAD), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_INVALID_KE_RECEIVED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_INVALID_KE_RETRIED), 1);
	cr_assert_eq(all_failures(XCH_WEST), 0);
}

Test(stats, half_open_and_initiator_timeouts)
{
	xch_conn_add_both(CONN " --keyingtries 1");
	xch_initiate(XCH_WEST, "t");
	xch_step(XCH_WEST);			/* IKE_SA_INIT request */
	xch_step(XCH_EAST);			/* its response */
	xch_pump();
	cr_assert_not_null(xch_drop_next(XCH_WEST), "west sent no IKE_AUTH request");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 1);
	char *text = render(XCH_EAST, false);
	cr_assert_not_null(strstr(text, "\nskua_ike_sas{worker=\"0\",state=\"half_open\"} 1\n"));
	free(text);
	text = render(XCH_WEST, false);
	cr_assert_not_null(strstr(text, "\nskua_ike_sas{worker=\"0\",state=\"negotiating\"} 1\n"));
	free(text);

	/* East gives up waiting for IKE_AUTH. */
	xch_advance(XCH_EAST, 31000);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(failures(XCH_EAST, IKE_XS_AUTH, IKE_ROLE_RESPONDER, IKE_FAIL_TIMEOUT), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_HALF_OPEN), 0);

	/* West retransmits into the void, then gives up as well. */
	for (int i = 0; i < 10 && xch_sa_count(XCH_WEST); i++) {
		xch_advance(XCH_WEST, 40000);
		while (xch_drop_next(XCH_WEST))
			;
	}
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(failures(XCH_WEST, IKE_XS_AUTH, IKE_ROLE_INITIATOR, IKE_FAIL_TIMEOUT), 1);
	cr_assert_gt(xch_counter(XCH_WEST, IKEC_TX_RETRANSMIT), 0);
}

Test(stats, per_sa_series_through_rcu)
{
	char *text;

	xch_daemon(XCH_WEST)->per_sa_metrics = true;
	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	struct ike_sa *sa = xch_sa(XCH_WEST);
	cr_assert_eq(sa->state, IKE_ESTABLISHED);

	char want[256];
	snprintf(want, sizeof(want),
		 "\nskua_ike_sa_established_seconds{worker=\"0\",serial=\"%llu\",connection=\"t\","
		 "peer=\"127.0.0.2\",role=\"initiator\",state=\"STATE_V2_ESTABLISHED_IKE_SA\"} ",
		 (unsigned long long)sa->serial);
	text = render(XCH_WEST, true);
	cr_assert_not_null(strstr(text, want), "no per-SA line %s in\n%s", want, text);
	free(text);
	text = render(XCH_WEST, false);
	cr_assert_null(strstr(text, "skua_ike_sa_established_seconds{"), "off unless asked");
	free(text);
	text = render(XCH_EAST, true);
	cr_assert_null(strstr(text, "skua_ike_sa_established_seconds{"),
		       "east was not asked to publish");
	free(text);

	ike_sa_delete(sa, true);
	xch_pump();
	text = render(XCH_WEST, true);
	cr_assert_not_null(strstr(text, "state=\"STATE_V2_IKE_SA_DELETE\"} "),
			   "the state follows the SA");
	free(text);
	xch_run_until_quiet();
	text = render(XCH_WEST, true);
	cr_assert_null(strstr(text, "skua_ike_sa_established_seconds{"), "gone with its SA");
	free(text);
}

/* An IKE SA rekeyed in place: established through CREATE_CHILD_SA; the old one completed. */
Test(stats, ike_rekey_in_place)
{
	xch_conn_add_both(CONN " --ikelifetime 60 --rekeymargin 20 --rekeyfuzz 0");
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	xch_advance(XCH_WEST, 40100);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);

	cr_assert_eq(established(XCH_WEST, IKE_XS_CREATE_CHILD, IKE_ROLE_INITIATOR), 1);
	cr_assert_eq(established(XCH_EAST, IKE_XS_CREATE_CHILD, IKE_ROLE_RESPONDER), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_REKEYED), 1);
	for (int s = 0; s < 2; s++) {
		cr_assert_eq(xch_counter(s, IKEC_IKE_STARTED), 2, "the new IKE SA is an SA");
		cr_assert_eq(xch_counter(s, IKEC_IKE_COMPLETED), 1, "the old one completed");
		cr_assert_eq(xch_counter(s, IKEC_IKE_FAILED), 0);
		cr_assert_eq(all_failures(s), 0);
		cr_assert_eq(xch_counter(s, IKEC_IKE_UP), 1, "one established IKE SA");
		cr_assert_eq(xch_counter(s, IKEC_CHILD_SAS), 1, "the Child SA moved");
		cr_assert_eq(xch_counter(s, IKEC_CHILD_DELETED), 0);
	}
	char *text = render(XCH_WEST, false);
	cr_assert_not_null(strstr(text, "\nskua_rekeys_total{worker=\"0\",sa=\"ike\"} 1\n"));
	cr_assert_not_null(strstr(text, "\nskua_ike_sas{worker=\"0\",state=\"established\"} 1\n"));
	free(text);
}
