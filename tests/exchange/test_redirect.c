/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv2 redirect (RFC 5685) between two in-process engines (xch.h): east
 * (127.0.0.2) redirects west in IKE_SA_INIT (--global-redirect) or in
 * IKE_AUTH (--send-redirect); west (--accept-redirect) follows, says where
 * it comes from (REDIRECTED_FROM), and stops after V2_REDIRECT_MAX
 * redirects in a row. East has only its own address to send west to, so
 * the redirects point back at it: a loop, unless the test turns it off.
 * Needs root.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exchange/xch.h"
#include "ike/v2/redirect.h"
#include "ike/v2/task.h"
#include "util/addr_list.h"

TestSuite(redirect, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

#define CONN                                                                              \
	"--name t --host 127.0.0.1 --id @west --client 10.1.0.0/16 --to --host 127.0.0.2 " \
	"--id @east --client 10.2.0.0/16 --psk --encrypt --keyingtries 1"
#define NATD "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"
#define INIT_REQ "SA KE Ni " NATD
#define INIT_RESP "SA KE Nr " NATD

static const struct xch_msg *expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "nothing from %s; expected %s", from == XCH_WEST ? "west" : "east",
			   desc);
	cr_assert_str_eq(m->desc, desc);
	return m;
}

/* East's --global-redirect mode (0 no, 1 yes, 2 auto) and gateways. */
static void east_global(int mode, const char *gws)
{
	struct addr_list *g = NULL;
	char err[160];

	if (gws)
		cr_assert_eq(addr_list_parse(gws, &g, err, sizeof(err)), 0, "%s", err);
	atomic_store(&xch_daemon(XCH_EAST)->global_redirect, mode);
	ike_daemon_set_redirect_to(xch_daemon(XCH_EAST), g);
}

/* The gateway a REDIRECT of m names, and whether it carries a nonce. */
static struct v2_redirect redirect_in(const struct xch_msg *m, struct ip_addr *gw)
{
	const struct v2_payload *p = xch_msg_payload(m, V2_PL_NOTIFY);
	struct v2_redirect r;

	cr_assert_not_null(p);
	cr_assert_eq(p->u.notify.type, V2N_REDIRECT);
	cr_assert_eq(v2_redirect_decode(p->u.notify.data, p->u.notify.len, &r), 0);
	cr_assert_eq(v2_redirect_gw_addr(&r, gw), 0);
	return r;
}

/*
 * IKE_SA_INIT: east answers a client that takes redirects with REDIRECT
 * (its nonce echoed); west starts again there with REDIRECTED_FROM, and
 * once east stops redirecting, the IKE SA comes up at the new gateway.
 */
Test(redirect, init_followed)
{
	const struct xch_msg *m;
	struct ip_addr gw, east;
	struct v2_redirect r;

	cr_assert_eq(ip_addr_parse("127.0.0.2", &east), 0);
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	east_global(1, "127.0.0.2");
	xch_initiate(XCH_WEST, "t");
	m = expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	const struct v2_payload *ni = xch_msg_payload(m, V2_PL_NONCE);
	uint8_t nonce[V2_NONCE_MAX];
	size_t nonce_len = ni->u.nonce.len;
	memcpy(nonce, ni->u.nonce.data, nonce_len);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east kept state for a redirected client");
	m = expect(XCH_EAST, "N(REDIRECT)");
	r = redirect_in(m, &gw);
	cr_assert(ip_addr_eq(&gw, &east));
	cr_assert_eq(r.nonce_len, nonce_len);
	cr_assert_eq(memcmp(r.nonce, nonce, nonce_len), 0, "the REDIRECT does not echo Ni");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);

	east_global(0, NULL);
	m = expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED) N(REDIRECTED_FROM)");
	expect(XCH_EAST, INIT_RESP);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_sa(XCH_WEST)->redirects, 1);
	cr_assert(ip_addr_eq(&xch_sa(XCH_WEST)->ext->redirected_from, &east));
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);
}

/* A gateway that keeps redirecting: west follows V2_REDIRECT_MAX times, then gives up. */
Test(redirect, init_loop_limit)
{
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	east_global(1, "127.0.0.2");
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), V2_REDIRECT_MAX);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_REFUSED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), V2_REDIRECT_MAX + 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west still holds an IKE SA");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* A client that did not announce REDIRECT_SUPPORTED is never redirected. */
Test(redirect, not_announced_not_redirected)
{
	xch_conn_add_both(CONN);
	east_global(1, "127.0.0.2");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 0);
}

/* --accept-redirect-to: a gateway off the list is refused, and the attempt fails. */
Test(redirect, gateway_not_accepted)
{
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes --accept-redirect-to 192.0.2.1");
	xch_conn_add(XCH_EAST, CONN);
	east_global(1, "127.0.0.2");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, "N(REDIRECT)");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_REFUSED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_not(xch_pending(XCH_WEST));
}

/* --global-redirect auto: only while east is busy (here: --ddos-busy). */
Test(redirect, global_auto_when_busy)
{
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	east_global(2, "127.0.0.2");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, INIT_RESP);
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 0);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
}

Test(redirect, global_auto_busy_redirects_after_the_cookie)
{
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	east_global(2, "127.0.0.2");
	atomic_store(&xch_daemon(XCH_EAST)->ddos_mode, 1);	/* --ddos-busy */
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, "N(COOKIE)");
	expect(XCH_WEST, "N(COOKIE) " INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, "N(REDIRECT)");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);
}

/*
 * IKE_AUTH: east authenticates west, answers IDr AUTH N(REDIRECT) without
 * a Child SA; west checks east's AUTH, deletes that IKE SA and starts
 * again at the gateway. East redirects every time: after the loop limit
 * west stays with an IKE SA and no Child SA.
 */
Test(redirect, auth_redirect)
{
	const struct xch_msg *m;
	struct ip_addr gw, east;

	cr_assert_eq(ip_addr_parse("127.0.0.2", &east), 0);
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN " --send-redirect yes --redirect-to 127.0.0.2");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, "SK{IDi IDr AUTH SA TSi TSr}");
	m = expect(XCH_EAST, "SK{IDr AUTH N(REDIRECT)}");
	redirect_in(m, &gw);
	cr_assert(ip_addr_eq(&gw, &east));
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_CHILD_ESTABLISHED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);
	/* West deletes the redirecting SA and starts again. */
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), V2_REDIRECT_MAX);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_REFUSED), 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), V2_REDIRECT_MAX + 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "the redirected SAs were not deleted");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->redirects, V2_REDIRECT_MAX);
	cr_assert_null(xch_sa(XCH_WEST)->children);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_ESTABLISHED), 0);
}

/*
 * An established client redirected at run time (whack --redirect-to, RFC
 * 5685 5): east's INFORMATIONAL carries N(REDIRECT); west answers, deletes
 * that IKE SA (and its Child SA) and comes up again at the gateway. The
 * task is queued as ike_cmd_redirect() queues it on the owner worker.
 */
Test(redirect, established_peer_redirected)
{
	struct v2_task *t;
	struct ip_addr east;

	cr_assert_eq(ip_addr_parse("127.0.0.2", &east), 0);
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_ESTABLISHED);
	cr_assert(xch_sa(XCH_EAST)->redirect_ok, "east did not note REDIRECT_SUPPORTED");
	uint64_t old_serial = xch_sa(XCH_WEST)->serial;

	t = v2_task_new(V2T_REDIRECT);
	cr_assert_not_null(t);
	t->gw = east;
	v2_task_add(xch_sa(XCH_EAST), t);
	expect(XCH_EAST, "SK{N(REDIRECT)}");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_neq(xch_sa(XCH_WEST)->serial, old_serial, "the old IKE SA is still there");
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_sa(XCH_WEST)->redirects, 1);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_CHILD_ESTABLISHED), 2);
}

/* A client that does not take redirects ignores one: it answers and stays. */
Test(redirect, established_peer_refuses)
{
	struct v2_task *t;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	cr_assert_not(xch_sa(XCH_EAST)->redirect_ok);
	t = v2_task_new(V2T_REDIRECT);
	cr_assert_eq(ip_addr_parse("127.0.0.2", &t->gw), 0);
	v2_task_add(xch_sa(XCH_EAST), t);
	expect(XCH_EAST, "SK{N(REDIRECT)}");
	expect(XCH_WEST, "SK{}");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
}

/* The gateway a REDIRECT of m names by FQDN (RFC 5685 9, type 3). */
static void redirect_fqdn_in(const struct xch_msg *m, const char *want, bool nonce)
{
	const struct v2_payload *p = xch_msg_payload(m, V2_PL_NOTIFY);
	struct v2_redirect r;
	struct ip_addr gw;

	cr_assert_not_null(p);
	cr_assert_eq(p->u.notify.type, V2N_REDIRECT);
	cr_assert_eq(v2_redirect_decode(p->u.notify.data, p->u.notify.len, &r), 0);
	cr_assert_eq(r.gw_type, V2_GW_FQDN);
	cr_assert_eq(r.gw_len, strlen(want));
	cr_assert_arr_eq(r.gw, want, r.gw_len);
	cr_assert_eq(r.nonce != NULL, nonce);
	cr_assert_eq(v2_redirect_gw_addr(&r, &gw), -ENOTSUP);
}

/*
 * West's resolver, answering from a hosts file with these lines (no DNS):
 * a memfd, gone with the test's process.
 */
static void west_hosts(const char *lines)
{
	char path[64];
	int fd = memfd_create("hosts", 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	xch_set_resolver_hosts(XCH_WEST, path);
}

/* East redirects in IKE_SA_INIT to gws (--global-redirect yes). */
static void east_global_gw(const char *gws)
{
	struct addr_list *g = NULL;
	char err[160];

	cr_assert_eq(addr_list_parse_gw(gws, &g, err, sizeof(err)), 0, "%s", err);
	atomic_store(&xch_daemon(XCH_EAST)->global_redirect, 1);
	ike_daemon_set_redirect_to(xch_daemon(XCH_EAST), g);
}

/*
 * IKE_SA_INIT names the gateway by FQDN: west resolves it off its worker
 * (the hosts file says 127.0.0.2), then goes there as for an address:
 * REDIRECTED_FROM, one redirect counted, the IKE SA up at the gateway.
 */
Test(redirect, fqdn_in_ike_sa_init_followed)
{
	const struct xch_msg *m;
	struct ip_addr east;

	cr_assert_eq(ip_addr_parse("127.0.0.2", &east), 0);
	west_hosts("127.0.0.9 other.example\n::1 gw1.example\n127.0.0.2 gw1.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	east_global_gw("gw1.example, 192.0.2.7");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	m = expect(XCH_EAST, "N(REDIRECT)");
	redirect_fqdn_in(m, "gw1.example", true);
	east_global(0, NULL);
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED) N(REDIRECTED_FROM)");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);
	expect(XCH_EAST, INIT_RESP);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert(ip_addr_eq(&xch_sa(XCH_WEST)->peer, &east));
	cr_assert_eq(xch_sa(XCH_WEST)->redirects, 1);
	cr_assert(ip_addr_eq(&xch_sa(XCH_WEST)->ext->redirected_from, &east));
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_RESOLVE_FAILED), 0);
}

/*
 * IKE_AUTH names the gateway by FQDN every time: west checks east's AUTH,
 * resolves the name, deletes that IKE SA and starts again there, until
 * the loop limit.
 */
Test(redirect, fqdn_in_ike_auth_followed_to_the_loop_limit)
{
	const struct xch_msg *m;

	west_hosts("127.0.0.2 gw2.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN " --send-redirect yes --redirect-to gw2.example");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, "SK{IDi IDr AUTH SA TSi TSr}");
	m = expect(XCH_EAST, "SK{IDr AUTH N(REDIRECT)}");
	redirect_fqdn_in(m, "gw2.example", false);
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), V2_REDIRECT_MAX);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_REFUSED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_RESOLVE_FAILED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "the redirected SAs were not deleted");
	cr_assert_eq(xch_sa(XCH_WEST)->redirects, V2_REDIRECT_MAX);
	cr_assert_null(xch_sa(XCH_WEST)->children);
}

/* A name that does not resolve (or only to the other family): not followed, counted. */
Test(redirect, fqdn_not_resolved)
{
	west_hosts("::2 gw1.example\n127.0.0.2 gw9.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	east_global_gw("gw1.example");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, "N(REDIRECT)");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_RESOLVE_FAILED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_not(xch_pending(XCH_WEST));
}

/*
 * --accept-redirect-to lists a name: a REDIRECT naming it is followed; a
 * list with only the address it resolves to does not accept the name (the
 * name is compared as given, as libreswan does, before any lookup).
 */
Test(redirect, fqdn_accept_redirect_to_by_name)
{
	west_hosts("127.0.0.2 gw1.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes --accept-redirect-to GW1.example");
	xch_conn_add(XCH_EAST, CONN);
	east_global_gw("gw1.example");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, "N(REDIRECT)");
	east_global(0, NULL);
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED) N(REDIRECTED_FROM)");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);
}

Test(redirect, fqdn_accept_redirect_to_address_only)
{
	west_hosts("127.0.0.2 gw1.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes --accept-redirect-to 127.0.0.2");
	xch_conn_add(XCH_EAST, CONN);
	east_global_gw("gw1.example");
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, "N(REDIRECT)");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_REFUSED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
}

/*
 * An established client redirected at run time to a gateway named by
 * FQDN (whack --redirect-to NAME queues such a task): east sends the name
 * as given; west resolves it, answers, and comes up again there.
 */
Test(redirect, fqdn_established_peer_redirected)
{
	const struct xch_msg *m;
	struct v2_task *t;

	west_hosts("127.0.0.2 gw3.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	uint64_t old_serial = xch_sa(XCH_WEST)->serial;

	t = v2_task_new(V2T_REDIRECT);
	cr_assert_not_null(t);
	t->gw_name = strdup("gw3.example");
	v2_task_add(xch_sa(XCH_EAST), t);
	m = expect(XCH_EAST, "SK{N(REDIRECT)}");
	cr_assert_not_null(m);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 1);
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_neq(xch_sa(XCH_WEST)->serial, old_serial, "the old IKE SA is still there");
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_eq(xch_sa(XCH_WEST)->redirects, 1);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
}

/* ... and when the name does not resolve, the session stays with east. */
Test(redirect, fqdn_established_peer_stays_when_unresolved)
{
	struct v2_task *t;

	west_hosts("127.0.0.2 gw3.example\n");
	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	uint64_t old_serial = xch_sa(XCH_WEST)->serial;

	t = v2_task_new(V2T_REDIRECT);
	t->gw_name = strdup("nowhere.example");
	v2_task_add(xch_sa(XCH_EAST), t);
	expect(XCH_EAST, "SK{N(REDIRECT)}");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_RESOLVE_FAILED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->serial, old_serial);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_ESTABLISHED);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
}

/* Without a resolver (none started), a name is not followed: counted, the attempt fails. */
Test(redirect, fqdn_gateway_without_a_resolver)
{
	const struct xch_msg *m;

	xch_conn_add(XCH_WEST, CONN " --accept-redirect yes");
	xch_conn_add(XCH_EAST, CONN " --send-redirect yes --redirect-to gw2.example");
	east_global(0, NULL);
	xch_initiate(XCH_WEST, "t");
	expect(XCH_WEST, INIT_REQ " N(REDIRECT_SUPPORTED)");
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, "SK{IDi IDr AUTH SA TSi TSr}");
	m = expect(XCH_EAST, "SK{IDr AUTH N(REDIRECT)}");
	redirect_fqdn_in(m, "gw2.example", false);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_REDIRECT_SENT), 1);
	cr_assert_eq(addr_list_sent_name("GW2.example"), 1, "names are case-blind");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_RESOLVE_FAILED), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_REDIRECT_FOLLOWED), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "the redirecting IKE SA was not deleted");
}

Test(redirect, fqdn_gateway_lists)
{
	struct addr_list *g = NULL;
	char err[160];

	/* an address-only list still refuses names; a gateway list takes them, checked */
	cr_assert_eq(addr_list_parse("gw1.example", &g, err, sizeof(err)), -EINVAL);
	cr_assert_eq(addr_list_parse_gw("gw1..example", &g, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "gw1..example: expected an IPv4 or IPv6 address or a host name");
	cr_assert_eq(addr_list_parse_gw("10.0.0.300", &g, err, sizeof(err)), -EINVAL);
	cr_assert_eq(addr_list_parse_gw("gw1.example 192.0.2.1", &g, err, sizeof(err)), 0);
	cr_assert(addr_list_has_name(g, "GW1.EXAMPLE", 11));
	cr_assert_not(addr_list_has_name(g, "gw1.example.", 12));
	cr_assert_not(addr_list_has_name(g, "192.0.2.1", 9), "an address is not a name");
	addr_list_free(g);
}

/*
 * Answers that come back to the owner later (the resolver's, an updown
 * run's) find their IKE SA by our SPI and serial through the SPI index:
 * a wrong serial (the SPI reused by a later SA) or an SA gone finds none.
 */
Test(redirect, sa_found_again_by_spi_and_serial)
{
	struct ike_worker *w;
	struct ike_sa *sa;
	uint64_t spi, serial;

	xch_conn_add_both(CONN);
	xch_initiate(XCH_WEST, "t");
	xch_run_until_quiet();
	sa = xch_sa(XCH_WEST);
	w = &xch_daemon(XCH_WEST)->w[0];
	spi = ike_sa_our_spi(sa);
	serial = sa->serial;
	cr_assert_eq(ike_sa_find_own(w, spi, serial), sa);
	cr_assert_null(ike_sa_find_own(w, spi, serial + 1));
	cr_assert_null(ike_sa_find_own(w, spi ^ 1, serial));
	ike_sa_delete(sa, false);
	xch_run_until_quiet();
	cr_assert_null(ike_sa_find_own(w, spi, serial), "an SA that went is found");
}
