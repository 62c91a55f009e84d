/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The resolver thread (util/resolver.h): names answered from a hosts file
 * (no DNS), on the submitter's mailbox; bad names and a full queue
 * refused; a slow lookup answered -ETIMEDOUT; a stop cancels what waits.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mailbox.h"
#include "util/resolver.h"

struct caller {
	struct mailbox mb;
	pthread_t self;
	unsigned n;
	struct resolver_answer a[16];
	bool wrong_thread;
};

static struct caller caller;
static struct resolver res;
static char hosts[64];

static void setup(void)
{
	FILE *f;

	memset(&caller, 0, sizeof(caller));
	memset(&res, 0, sizeof(res));
	cr_assert_eq(mailbox_init(&caller.mb), 0);
	caller.self = pthread_self();
	snprintf(hosts, sizeof(hosts), "/tmp/skua-resolver-XXXXXX");
	int fd = mkstemp(hosts);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs("# test hosts\n"
	      "192.0.2.1   gw1.example gw1\n"
	      "2001:db8::1 gw1.example\n"
	      "192.0.2.2   gw2.example   # the second\n"
	      "192.0.2.3   GW2.example\n"
	      "not-an-address gw3.example\n",
	      f);
	fclose(f);
}

static void teardown(void)
{
	resolver_stop(&res);
	while (mailbox_drain(&caller.mb, NULL, &caller, 64) > 0)
		;
	mailbox_fini(&caller.mb);
	unlink(hosts);
}

TestSuite(resolver, .init = setup, .fini = teardown, .timeout = 30);

static void done(const struct resolver_answer *a, void *ctx)
{
	struct caller *c = ctx;

	if (!pthread_equal(pthread_self(), c->self))
		c->wrong_thread = true;
	if (c->n < 16)
		c->a[c->n] = *a;
	c->n++;
}

/* Drain until n answers came (bounded). */
static void wait_answers(unsigned n)
{
	for (int i = 0; i < 500 && caller.n < n; i++) {
		struct pollfd pfd = { .fd = mailbox_fd(&caller.mb), .events = POLLIN };
		poll(&pfd, 1, 10);
		mailbox_drain(&caller.mb, NULL, &caller, 64);
	}
	cr_assert_eq(caller.n, n, "%u answers, expected %u", caller.n, n);
	cr_assert_not(caller.wrong_thread, "an answer ran off the submitter's thread");
}

static void start(unsigned max_queued, unsigned timeout_ms, unsigned delay_ms)
{
	struct resolver_config cfg = { .max_queued = max_queued, .timeout_ms = timeout_ms,
				       .hosts_file = hosts, .test_delay_ms = delay_ms };

	cr_assert_eq(resolver_start(&res, &cfg), 0);
}

static int submit(const char *name, int af, uint64_t cookie)
{
	return resolver_submit(&res, name, strlen(name), af, &caller.mb, done, &caller, cookie, ~cookie);
}

Test(resolver, answers_by_family_on_the_submitters_thread)
{
	char s[IP_ADDR_STRLEN];

	start(0, 0, 0);
	cr_assert_eq(submit("gw1.example", AF_INET, 1), 0);
	cr_assert_eq(submit("GW1.EXAMPLE", AF_INET6, 2), 0);
	cr_assert_eq(submit("gw2.example", AF_UNSPEC, 3), 0);
	cr_assert_eq(submit("gw3.example", AF_INET, 4), 0);
	cr_assert_eq(submit("gw2.example", AF_INET6, 5), 0);
	wait_answers(5);
	cr_assert_eq(caller.a[0].status, 0);
	cr_assert_eq(caller.a[0].naddrs, 1);
	cr_assert_str_eq(ip_addr_str(&caller.a[0].addrs[0], s), "192.0.2.1");
	cr_assert_eq(caller.a[0].cookie[0], 1);
	cr_assert_eq(caller.a[0].cookie[1], ~1ull);
	cr_assert_eq(caller.a[0].owner, &caller);
	cr_assert_str_eq(caller.a[0].name, "gw1.example");
	cr_assert_eq(caller.a[1].status, 0);
	cr_assert_eq(caller.a[1].naddrs, 1, "names are case-blind");
	cr_assert_str_eq(ip_addr_str(&caller.a[1].addrs[0], s), "2001:db8::1");
	cr_assert_eq(caller.a[2].naddrs, 2, "both lines of gw2");
	cr_assert_eq(caller.a[3].status, -ENOENT, "a line without an address is no answer");
	cr_assert_eq(caller.a[4].status, -ENOENT, "no IPv6 address for gw2");
	cr_assert_eq(atomic_load(&res.lookups), 5);
	cr_assert_eq(atomic_load(&res.failed), 2);
}

Test(resolver, bad_names_refused)
{
	char longname[300];

	start(0, 0, 0);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (int i = 60; i < 300; i += 61)
		longname[i] = '.';
	cr_assert_eq(submit("", AF_INET, 0), -EINVAL);
	cr_assert_eq(submit("gw..example", AF_INET, 0), -EINVAL);
	cr_assert_eq(submit("gw1.example\n192.0.2.9", AF_INET, 0), -EINVAL);
	cr_assert_eq(submit("gw_1.example", AF_INET, 0), -EINVAL);
	cr_assert_eq(submit(longname, AF_INET, 0), -EINVAL, "longer than 253");
	cr_assert_eq(resolver_submit(&res, "gw1.example", 11, AF_INET, NULL, done, NULL, 0, 0), -EINVAL);
	cr_assert_eq(atomic_load(&res.rejected), 6);
	longname[253] = '\0';
	longname[252] = 'a';
	cr_assert(resolver_name_ok(longname, 253));
	/* not terminated: only len bytes count */
	cr_assert_eq(resolver_submit(&res, "gw1.exampleXXX", 11, AF_INET, &caller.mb, done, NULL, 0, 0),
		     0);
	wait_answers(1);
	cr_assert_eq(caller.a[0].status, 0);
}

/* The queue holds max_queued names; a slow lookup that outlives the timeout answers -ETIMEDOUT. */
Test(resolver, bounded_queue_and_timeout)
{
	start(2, 50, 100);
	cr_assert_eq(submit("gw1.example", AF_INET, 1), 0);
	cr_assert_eq(submit("gw1.example", AF_INET, 2), 0);
	cr_assert_eq(submit("gw1.example", AF_INET, 3), -EAGAIN);
	cr_assert_eq(atomic_load(&res.rejected), 1);
	wait_answers(2);
	cr_assert_eq(caller.a[0].status, -ETIMEDOUT);
	cr_assert_eq(caller.a[0].naddrs, 0);
	cr_assert_eq(caller.a[1].status, -ETIMEDOUT);
	cr_assert_eq(atomic_load(&res.timed_out), 2);
	/* the thread posts an answer before it stops counting it (bounded: 5 s) */
	for (int i = 0; i < 500 && resolver_queued(&res) != 0; i++)
		usleep(10000);
	cr_assert_eq(resolver_queued(&res), 0);
}

/* The first name in the queue, not taken by the thread yet (opaque: compared only). */
static const struct resolver_job *queue_head(void)
{
	const struct resolver_job *j;

	pthread_mutex_lock(&res.lock);
	j = res.head;
	pthread_mutex_unlock(&res.lock);
	return j;
}

/* A stop answers what still waits -ECANCELED, and refuses later names. */
Test(resolver, stop_cancels)
{
	/* each lookup takes 2 s: the stop comes while the first is looked up */
	start(0, 5000, 2000);
	cr_assert_eq(submit("gw1.example", AF_INET, 1), 0);
	const struct resolver_job *first = queue_head();
	cr_assert_eq(submit("gw2.example", AF_INET, 2), 0);
	cr_assert_eq(submit("gw2.example", AF_INET, 3), 0);
	/* until the thread has taken the first (bounded: 5 s), however loaded the machine */
	for (int i = 0; i < 500 && queue_head() == first; i++)
		usleep(10000);
	cr_assert_neq(queue_head(), first, "the resolver thread never took the first name");
	resolver_stop(&res);
	cr_assert_eq(submit("gw1.example", AF_INET, 4), -ESHUTDOWN);
	wait_answers(3);
	cr_assert_eq(caller.a[0].status, 0);
	cr_assert_eq(caller.a[1].status, -ECANCELED);
	cr_assert_eq(caller.a[2].status, -ECANCELED);
}

/* Through getaddrinfo_a (no hosts file): a numeric name needs no DNS. */
Test(resolver, numeric_through_getaddrinfo)
{
	char s[IP_ADDR_STRLEN];

	cr_assert_eq(resolver_start(&res, NULL), 0);
	cr_assert_eq(submit("127.0.0.1", AF_INET, 1), 0);
	wait_answers(1);
	cr_assert_eq(caller.a[0].status, 0);
	cr_assert_str_eq(ip_addr_str(&caller.a[0].addrs[0], s), "127.0.0.1");
}
