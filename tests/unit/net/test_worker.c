/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The worker's sends (net/worker.h): while its loop runs, what a round
 * sends leaves with one sendmmsg() per socket at the end of the round, in
 * order; a worker stepped by hand (its loop not running) sends at once.
 * Gathering: a worker woken soon after it went idle waits NET_GATHER_US
 * and answers what came meanwhile in one round; after a longer idle, not.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/ifaces.h"
#include "net/udp_socket.h"
#include "net/worker.h"
#include "util/addr.h"
#include "util/counters.h"

enum { REPLIES = 40, WAIT_MS = 5000 };

static unsigned replies_per_datagram;
static uint64_t spin_ns;	/* the hook works this long after its replies */

/*
 * The datagram hook: answer each datagram with replies_per_datagram numbered
 * replies, then spin spin_ns.
 */
static void answer(struct net_worker *w, struct net_rx *rx, void *ctx)
{
	(void)ctx;
	for (unsigned i = 0; i < replies_per_datagram; i++) {
		char text[32];
		int n = snprintf(text, sizeof(text), "reply %u", i);
		struct net_dgram d = { .buf = (uint8_t *)text, .len = (size_t)n,
				       .peer = rx->d->peer, .peer_port = rx->d->peer_port };
		cr_assert_eq(net_worker_send(w, rx->l, &d), 0);
	}
	for (uint64_t t0 = net_now_us(); (net_now_us() - t0) * 1000u < spin_ns;)
		;
}

static struct net_pool *pool;
static struct net_listener *listener;
static uint16_t port;
static int client;

static void setup(void)
{
	spin_ns = 0;
	struct net_worker_ops ops = { .datagram = answer };
	struct net_iface lo = { .name = "lo", .ifindex = if_nametoindex("lo") };
	int err = 0;

	cr_assert_eq(ip_addr_parse("127.0.0.1", &lo.addr), 0);
	pool = net_pool_new(1, false, &ops);
	cr_assert_not_null(pool);
	listener = net_pool_listen_one(pool, &lo, 0, false, &err);
	cr_assert_not_null(listener, "listen on 127.0.0.1: %s", strerror(-err));
	cr_assert_eq(net_udp_local_port(listener->fds[0], &port), 0);
	client = net_udp_open(&lo.addr, 0, false);
	cr_assert_geq(client, 0);
}

static void teardown(void)
{
	net_listener_unref(listener);
	net_pool_free(pool);
	close(client);
}

static uint64_t counter(unsigned idx)
{
	return counters_get(net_pool_counters(pool), 0, idx);
}

static void send_request(void)
{
	struct ip_addr a;
	struct sockaddr_storage ss;
	socklen_t sl;

	cr_assert_eq(ip_addr_parse("127.0.0.1", &a), 0);
	sl = ip_addr_to_sockaddr(&a, port, &ss);
	cr_assert_eq(sendto(client, "hello", 5, 0, (struct sockaddr *)&ss, sl), 5);
}

/* n replies arrive at the client, "reply 0" to "reply n-1" in that order. */
static void expect_replies(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pollfd pf = { .fd = client, .events = POLLIN };
		char buf[64], want[32];
		ssize_t got;

		cr_assert_eq(poll(&pf, 1, WAIT_MS), 1, "reply %u of %u did not arrive", i, n);
		got = recv(client, buf, sizeof(buf) - 1, 0);
		cr_assert_gt(got, 0);
		buf[got] = '\0';
		snprintf(want, sizeof(want), "reply %u", i);
		cr_assert_str_eq(buf, want, "replies out of order: got \"%s\", expected \"%s\"", buf,
				 want);
	}
}

/* The counters are written just after the send: wait (bounded) for them. */
static void wait_sent(uint64_t n)
{
	for (int i = 0; i < WAIT_MS && counter(NWC_TX) < n; i++) {
		struct timespec ms = { .tv_nsec = 1000000 };
		nanosleep(&ms, NULL);
	}
	cr_assert_eq(counter(NWC_TX), n, "%llu datagrams counted as sent, expected %llu",
		     (unsigned long long)counter(NWC_TX), (unsigned long long)n);
}

TestSuite(worker_send, .init = setup, .fini = teardown, .timeout = 30);

Test(worker_send, a_round_leaves_in_one_call_per_batch)
{
	unsigned refs;

	replies_per_datagram = REPLIES;
	cr_assert_eq(net_pool_start(pool), 0);
	refs = atomic_load(&listener->refs);
	send_request();
	expect_replies(REPLIES);
	wait_sent(REPLIES);
	/* 40 replies of one round: a full queue of 32, then the other 8 when the round ends. */
	cr_assert_eq(counter(NWC_TX_CALLS), (REPLIES + NET_TX_BATCH - 1) / NET_TX_BATCH,
		     "%llu sendmmsg calls for %u replies of one round",
		     (unsigned long long)counter(NWC_TX_CALLS), REPLIES);
	cr_assert_eq(counter(NWC_TX_ERR), 0);
	/* Every datagram kept held its listener until sent, and let it go after. */
	cr_assert_eq(atomic_load(&listener->refs), refs);
	net_pool_stop(pool);
}

static uint64_t part_ns(enum net_phase part)
{
	return counter(NWC_PHASE_NS + part);
}

/*
 * Each part of the loop is charged the time it ran: the hook's work to the
 * datagrams, the sends it made from inside it (a full queue) to the sends
 * and not the work after them, nothing twice and nothing while it waited.
 */
Test(worker_send, the_loop_charges_each_part_where_it_ran)
{
	uint64_t t0, wall, sum = 0;

	replies_per_datagram = REPLIES;
	spin_ns = 20 * 1000000u;
	t0 = net_now_us();
	cr_assert_eq(net_pool_start(pool), 0);
	usleep(50 * 1000);	/* waiting: charged to no part */
	send_request();
	expect_replies(REPLIES);
	wait_sent(REPLIES);
	net_pool_stop(pool);
	wall = (net_now_us() - t0) * 1000u;
	cr_assert_geq(part_ns(NET_PHASE_DGRAM), spin_ns, "the hook's 20 ms: %llu ns in datagrams",
		      (unsigned long long)part_ns(NET_PHASE_DGRAM));
	cr_assert_gt(part_ns(NET_PHASE_SEND), 0, "two sendmmsg() calls and no time in send");
	cr_assert_lt(part_ns(NET_PHASE_SEND), spin_ns / 2,
		     "%llu ns in send: the work after the send from inside the hook was charged "
		     "to it", (unsigned long long)part_ns(NET_PHASE_SEND));
	cr_assert_gt(part_ns(NET_PHASE_RECV), 0, "a recvmmsg() call and no time in receive");
	cr_assert_eq(part_ns(NET_PHASE_CRYPTO), 0, "no burst hook, yet time in crypto");
	for (unsigned k = 0; k < NET_PHASES; k++)
		sum += part_ns((enum net_phase)k);
	cr_assert_lt(sum, wall - 50 * 1000000u, "the parts (%llu ns) count the 50 ms wait",
		     (unsigned long long)sum);
}

Test(worker_send, a_worker_stepped_by_hand_sends_at_once)
{
	struct ip_addr a;
	struct net_dgram d = { .buf = (uint8_t *)"reply 0", .len = 7 };

	/* The loop does not run: net_worker_send() is a send, not a promise. */
	cr_assert_eq(ip_addr_parse("127.0.0.1", &a), 0);
	cr_assert_eq(net_udp_local_port(client, &d.peer_port), 0);
	d.peer = a;
	cr_assert_eq(net_worker_send(net_pool_worker(pool, 0), listener, &d), 0);
	cr_assert_eq(counter(NWC_TX), 1);
	cr_assert_eq(counter(NWC_TX_CALLS), 1);
	expect_replies(1);
	/* no loop, no parts of it */
	for (unsigned k = 0; k < NET_PHASES; k++)
		cr_assert_eq(part_ns((enum net_phase)k), 0, "%s", net_phase_names[k]);
}

Test(worker_gather, the_rule)
{
	cr_assert_eq(net_gather_us(0), NET_GATHER_US);
	cr_assert_eq(net_gather_us(NET_GATHER_US - 1), NET_GATHER_US);
	cr_assert_eq(net_gather_us(NET_GATHER_US), 0);
	cr_assert_eq(net_gather_us(60u * 1000000u), 0);
}

TestSuite(worker_gather, .init = setup, .fini = teardown, .timeout = 30);

Test(worker_gather, a_lone_datagram_after_an_idle_spell_is_answered_at_once)
{
	replies_per_datagram = 1;
	cr_assert_eq(net_pool_start(pool), 0);
	for (unsigned i = 0; i < 3; i++) {
		struct timespec idle = { .tv_nsec = 20 * 1000000L };	/* 20 NET_GATHER_US */

		nanosleep(&idle, NULL);
		send_request();
		expect_replies(1);
	}
	wait_sent(3);
	cr_assert_eq(counter(NWC_GATHERED), 0, "%llu of 3 rounds after 20 ms idle gathered",
		     (unsigned long long)counter(NWC_GATHERED));
	net_pool_stop(pool);
}

/*
 * Answered, then at once two more: the worker, idle for a few microseconds
 * when the first of them wakes it, sleeps NET_GATHER_US, and answers both in
 * one round, with one sendmmsg(). Tried up to 50 times: a test runner
 * descheduled for a millisecond between the answer and the next send, or
 * between the two sends (sanitizers, a busy CI box), spoils that attempt.
 */
Test(worker_gather, datagrams_close_together_are_answered_in_one_round)
{
	uint64_t sent = 0;
	bool gathered = false;

	replies_per_datagram = 1;
	cr_assert_eq(net_pool_start(pool), 0);
	for (unsigned attempt = 0; attempt < 50 && !gathered; attempt++) {
		uint64_t g0, calls0, t0;

		send_request();
		expect_replies(1);
		wait_sent(++sent);
		g0 = counter(NWC_GATHERED);
		calls0 = counter(NWC_TX_CALLS);
		t0 = net_now_us();
		send_request();
		send_request();
		expect_replies(1);
		expect_replies(1);
		sent += 2;
		wait_sent(sent);
		if (counter(NWC_GATHERED) == g0)
			continue;
		/* it slept before it read: the answers waited at least that long */
		cr_assert_geq(net_now_us() - t0, NET_GATHER_US);
		/* and, unless the second came a millisecond after the first, in one call */
		gathered = counter(NWC_TX_CALLS) - calls0 == 1;
	}
	cr_assert(gathered,
		  "in 50 tries no round answered two datagrams sent together in one call");
	net_pool_stop(pool);
}

static atomic_uint mails;

static void on_mail(struct mail *m, void *ctx)
{
	(void)m;
	(void)ctx;
	atomic_fetch_add(&mails, 1);
}

/* Mail that comes soon after the worker went idle (a kernel answer) does not gather. */
Test(worker_gather, mail_alone_does_not_gather)
{
	struct mail m[20];

	atomic_store(&mails, 0);
	cr_assert_eq(net_pool_start(pool), 0);
	for (unsigned i = 0; i < 20; i++) {
		m[i].fn = on_mail;
		net_pool_post(pool, 0, &m[i]);
		for (int t = 0; t < WAIT_MS * 10 && atomic_load(&mails) <= i; t++) {
			struct timespec tick = { .tv_nsec = 100000 };
			nanosleep(&tick, NULL);
		}
		cr_assert_eq(atomic_load(&mails), i + 1, "mail %u was not handled", i);
	}
	cr_assert_eq(counter(NWC_GATHERED), 0, "%llu rounds woken by mail gathered",
		     (unsigned long long)counter(NWC_GATHERED));
	net_pool_stop(pool);
}
