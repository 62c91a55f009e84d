/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ike/updown.h"
#include "sadb/kernel_route.h"
#include "util/log.h"

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;

	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

static struct ip_subnet subnet(const char *s)
{
	struct ip_subnet n;

	cr_assert_eq(ip_subnet_parse(s, &n), 0, "%s", s);
	return n;
}

static const char *env_get(char **envp, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	return NULL;
}

#define assert_env(envp, name, want)                                                     \
	do {                                                                             \
		const char *got_ = env_get(envp, name);                                  \
		cr_assert_not_null(got_, "%s missing", name);                            \
		cr_assert_str_eq(got_, want, "%s", name);                                \
	} while (0)

static struct updown_info v4_client(void)
{
	return (struct updown_info){
		.verb = UPDOWN_UP,
		.client = true,
		.connection = "west-east",
		.interface = "eth0",
		.me = addr("192.0.2.1"),
		.peer = addr("203.0.113.9"),
		.next_hop = addr("192.0.2.254"),
		.my_client = subnet("10.1.0.0/16"),
		.peer_client = subnet("10.2.3.0/24"),
		.my_protocol = 6,
		.peer_protocol = 6,
		.my_port = 0,
		.peer_port = 443,
		.my_id = "@west",
		.peer_id = "C=CH, O=example, CN=east",
		.peer_ca = NULL,
	};
}

Test(updown, every_variable_of_the_manual_for_an_ipv4_client)
{
	struct updown_info u = v4_client();
	char **env;

	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
	assert_env(env, "PLUTO_VERSION", "1.1");
	assert_env(env, "PLUTO_VERB", "up-client");
	assert_env(env, "PLUTO_CONNECTION", "west-east");
	assert_env(env, "PLUTO_NEXT_HOP", "192.0.2.254");
	assert_env(env, "PLUTO_INTERFACE", "eth0");
	assert_env(env, "PLUTO_ME", "192.0.2.1");
	assert_env(env, "PLUTO_MY_CLIENT", "10.1.0.0/16");
	assert_env(env, "PLUTO_MY_CLIENT_NET", "10.1.0.0");
	assert_env(env, "PLUTO_MY_CLIENT_MASK", "255.255.0.0");
	assert_env(env, "PLUTO_PEER", "203.0.113.9");
	assert_env(env, "PLUTO_PEER_CLIENT", "10.2.3.0/24");
	assert_env(env, "PLUTO_PEER_CLIENT_NET", "10.2.3.0");
	assert_env(env, "PLUTO_PEER_CLIENT_MASK", "255.255.255.0");
	assert_env(env, "PLUTO_MY_PROTOCOL", "6");
	assert_env(env, "PLUTO_PEER_PROTOCOL", "6");
	assert_env(env, "PLUTO_MY_PORT", "0");
	assert_env(env, "PLUTO_PEER_PORT", "443");
	assert_env(env, "PLUTO_MY_ID", "@west");
	assert_env(env, "PLUTO_PEER_ID", "C=CH, O=example, CN=east");
	assert_env(env, "PLUTO_PEER_CA", "");
	assert_env(env, "PLUTO_CONN_ADDRFAMILY", "ipv4");
	/* unset extras are left out */
	cr_assert_null(env_get(env, "PLUTO_MY_SOURCEIP"));
	cr_assert_null(env_get(env, "PLUTO_XAUTH_USERNAME"));
	cr_assert_null(env_get(env, "PLUTO_SA_REQID"));
	cr_assert_null(env_get(env, "SPI_IN"));
	cr_assert_null(env_get(env, "PLUTO_CONN_MARK"));
	/* nothing of the test's own environment */
	cr_assert_null(env_get(env, "HOME"));
	updown_env_free(env);
}

Test(updown, extras_when_set)
{
	struct updown_info u = v4_client();
	char **env;

	u.my_source_ip = addr("10.1.0.1");
	u.reqid = 16389;
	u.spi_in = 0xc0ffee;
	u.spi_out = 0xdeadbeef;
	u.conn_mark = 7;
	u.conn_mark_mask = 0xffffffff;
	u.stack = "xfrm";
	u.xauth_user = "alice";
	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PLUTO_MY_SOURCEIP", "10.1.0.1");
	assert_env(env, "PLUTO_XAUTH_USERNAME", "alice");
	assert_env(env, "PLUTO_SA_REQID", "16389");
	assert_env(env, "SPI_IN", "0x00c0ffee");
	assert_env(env, "SPI_OUT", "0xdeadbeef");
	assert_env(env, "PLUTO_CONN_MARK", "7/0xffffffff");
	assert_env(env, "PLUTO_STACK", "xfrm");
	cr_assert_null(env_get(env, "PLUTO_CFG_CLIENT"));
	cr_assert_null(env_get(env, "PLUTO_PEER_DNS_INFO"));
	updown_env_free(env);

	/* an address from the peer's Configuration payload */
	u.cfg_client = true;
	u.cfg_server = true;
	u.peer_dns_info = "192.0.2.53 2001:db8::53";
	u.peer_domain_info = "example.com";
	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PLUTO_CFG_CLIENT", "1");
	assert_env(env, "PLUTO_CFG_SERVER", "1");
	assert_env(env, "PLUTO_PEER_DNS_INFO", "192.0.2.53 2001:db8::53");
	assert_env(env, "PLUTO_PEER_DOMAIN_INFO", "example.com");
	cr_assert_null(env_get(env, "PLUTO_PEER_BANNER"));
	updown_env_free(env);

	/* an IKEv1 Mode Config server's banner (UNITY_BANNER), control characters as '?' */
	u.peer_banner = "Welcome to east\nauthorised use only";
	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PLUTO_PEER_BANNER", "Welcome to east?authorised use only");
	updown_env_free(env);
}

Test(updown, host_case_is_the_host_over_its_full_length)
{
	struct updown_info u = v4_client();
	char **env;

	u.verb = UPDOWN_ROUTE;
	u.client = false;
	u.my_client = (struct ip_subnet){ .prefix = 0 };	/* unset: the host itself */
	u.peer_client = (struct ip_subnet){ .prefix = 0 };
	u.next_hop = (struct ip_addr){ .af = AF_UNSPEC };	/* unset: the peer */
	u.interface = NULL;
	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PLUTO_VERB", "route-host");
	assert_env(env, "PLUTO_MY_CLIENT", "192.0.2.1/32");
	assert_env(env, "PLUTO_MY_CLIENT_NET", "192.0.2.1");
	assert_env(env, "PLUTO_MY_CLIENT_MASK", "255.255.255.255");
	assert_env(env, "PLUTO_PEER_CLIENT", "203.0.113.9/32");
	assert_env(env, "PLUTO_PEER_CLIENT_NET", "203.0.113.9");
	assert_env(env, "PLUTO_PEER_CLIENT_MASK", "255.255.255.255");
	assert_env(env, "PLUTO_NEXT_HOP", "203.0.113.9");
	assert_env(env, "PLUTO_INTERFACE", "");
	updown_env_free(env);
}

Test(updown, v6_suffix_and_masks)
{
	struct updown_info u = {
		.verb = UPDOWN_DOWN,
		.client = true,
		.connection = "v6",
		.me = addr("2001:db8:1::1"),
		.peer = addr("2001:db8:9::9"),
		.peer_client = subnet("2001:db8:2::/64"),
	};
	char **env, verb[UPDOWN_VERB_MAX];

	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PLUTO_VERB", "down-client-v6");
	assert_env(env, "PLUTO_PEER_CLIENT", "2001:db8:2::/64");
	assert_env(env, "PLUTO_PEER_CLIENT_NET", "2001:db8:2::");
	assert_env(env, "PLUTO_PEER_CLIENT_MASK", "ffff:ffff:ffff:ffff::");
	assert_env(env, "PLUTO_MY_CLIENT", "2001:db8:1::1/128");
	assert_env(env, "PLUTO_MY_CLIENT_MASK", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_env(env, "PLUTO_CONN_ADDRFAMILY", "ipv6");
	updown_env_free(env);

	static const char *const want[UPDOWN_VERBS][2] = {
		[UPDOWN_PREPARE] = { "prepare-host-v6", "prepare-client-v6" },
		[UPDOWN_ROUTE] = { "route-host-v6", "route-client-v6" },
		[UPDOWN_UNROUTE] = { "unroute-host-v6", "unroute-client-v6" },
		[UPDOWN_UP] = { "up-host-v6", "up-client-v6" },
		[UPDOWN_DOWN] = { "down-host-v6", "down-client-v6" },
	};
	for (unsigned v = 0; v < UPDOWN_VERBS; v++) {
		for (unsigned c = 0; c < 2; c++) {
			u.verb = (enum updown_verb)v;
			u.client = c;
			cr_assert_str_eq(updown_verb(&u, verb), want[v][c]);
		}
	}
	u.verb = UPDOWN_VERBS;
	cr_assert_null(updown_verb(&u, verb));
}

Test(updown, bad_inputs_are_refused)
{
	struct updown_info u = v4_client();
	char **env = (char **)&u;

	u.peer = addr("2001:db8::1");
	cr_assert_eq(updown_env_build(&u, &env), -EINVAL);
	cr_assert_null(env);
	u = v4_client();
	u.connection = NULL;
	cr_assert_eq(updown_env_build(&u, &env), -EINVAL);
	u = v4_client();
	u.me.af = AF_UNSPEC;
	cr_assert_eq(updown_env_build(&u, &env), -EINVAL);
	u = v4_client();
	u.peer_client.prefix = 33;
	cr_assert_eq(updown_env_build(&u, &env), -EINVAL);
	u = v4_client();
	u.verb = (enum updown_verb)99;
	cr_assert_eq(updown_env_build(&u, &env), -EINVAL);
	updown_env_free(NULL);
}

Test(updown, control_characters_never_reach_the_environment)
{
	struct updown_info u = v4_client();
	char **env;

	u.peer_id = "CN=a\nPLUTO_VERB=evil\r\x7f\tx";
	u.connection = "c\x1b[31m";
	cr_assert_eq(updown_env_build(&u, &env), 0);
	assert_env(env, "PLUTO_PEER_ID", "CN=a?PLUTO_VERB=evil???x");
	assert_env(env, "PLUTO_CONNECTION", "c?[31m");
	assert_env(env, "PLUTO_VERB", "up-client");
	updown_env_free(env);
}

/* Running scripts: a runner and a caller mailbox, one per test process. */

static struct runner runner;
static struct mailbox mb;
static char tmpdir[32];
static int last_status;
static unsigned answers;

static void run_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/skua-updown-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	cr_assert_eq(mailbox_init(&mb), 0);
	cr_assert_eq(runner_start(&runner, NULL), 0);
	answers = 0;
}

static void run_teardown(void)
{
	char cmd[64];

	runner_stop(&runner, RUNNER_STOP_CANCEL);
	mailbox_drain(&mb, NULL, NULL, 1000);
	mailbox_fini(&mb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", tmpdir);
}

static void done(int status, void *cookie, void *ctx)
{
	last_status = status;
	answers++;
}

/* Queue one verb and run the caller's loop until it is answered. */
static int run(const char *command, const struct updown_info *u)
{
	unsigned want = answers + 1;
	int rc = updown_run(&runner, command, u, &mb, done, NULL);

	cr_assert_eq(rc, 0, "updown_run: %d", rc);
	for (unsigned i = 0; i < 200 && answers < want; i++) {
		struct pollfd p = { .fd = mailbox_fd(&mb), .events = POLLIN };

		poll(&p, 1, 100);
		mailbox_drain(&mb, NULL, NULL, 100);
	}
	cr_assert_eq(answers, want, "no answer from the runner");
	return last_status;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert(fd >= 0, "open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

Test(updown, a_hostile_peer_id_is_only_ever_data, .init = run_setup, .fini = run_teardown,
     .timeout = 30)
{
	struct updown_info u = v4_client();
	char pwned[48], hostile[256], script[96], rec[96], body[256];
	FILE *f;

	snprintf(pwned, sizeof(pwned), "/tmp/skua-pwned-%d", (int)getpid());
	unlink(pwned);
	snprintf(hostile, sizeof(hostile), "a'; touch %s; echo '$(touch %s)`touch %s`\"", pwned,
		 pwned, pwned);
	snprintf(script, sizeof(script), "%s/record", tmpdir);
	snprintf(rec, sizeof(rec), "%s/rec", tmpdir);
	/* The administrator's script records what it was given. */
	snprintf(body, sizeof(body), "#!/bin/sh\nprintf '%%s' \"$PLUTO_PEER_ID\" > '%s'\n", rec);
	f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs(body, f);
	fclose(f);
	chmod(script, 0755);

	u.peer_id = hostile;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(slurp(rec), hostile);
	cr_assert_neq(access(pwned, F_OK), 0, "%s was created", pwned);
}

/* The shipped script, in the source tree (SKUA_SOURCE_DIR, from tests/CMakeLists.txt). */
static const char *updown_script(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/tools/ipsec/_updown", SKUA_SOURCE_DIR);
	cr_assert_eq(access(path, X_OK), 0, "%s is not executable", path);
	return path;
}

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static char *capture(const char *cmd)
{
	static char buf[4096];
	FILE *p = popen(cmd, "r");
	size_t n;

	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

/*
 * A private network namespace with a veth pair, v0 holding our addresses.
 * A namespace belongs to a thread: unshare before the runner thread starts,
 * so that it, and every script it runs, lives in the new one too.
 */
static void netns_setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s (needs root)",
		     strerror(errno));
	run_setup();
	sh("ip link set lo up");
	sh("ip link add v0 type veth peer name v1");
	sh("ip link set v0 up && ip link set v1 up");
	sh("ip addr add 192.0.2.1/24 dev v0");
	sh("ip -6 addr add 2001:db8:1::1/64 dev v0 nodad");
}

Test(updown, shipped_script_routes_and_unroutes_ipv4, .init = netns_setup,
     .fini = run_teardown, .timeout = 60)
{
	const char *script = updown_script();
	struct updown_info u = v4_client();

	u.interface = "v0";
	u.peer_client = subnet("198.51.100.0/24");
	u.my_source_ip = addr("192.0.2.1");

	u.verb = UPDOWN_PREPARE;
	sh("ip route add 198.51.100.0/24 dev v1");	/* stale, somebody else's */
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip route show 198.51.100.0/24"), "");

	u.verb = UPDOWN_ROUTE;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip route show 198.51.100.0/24"),
			 "198.51.100.0/24 via 192.0.2.254 dev v0 src 192.0.2.1 \n");
	cr_assert_eq(run(script, &u), 0, "route-client twice replaces");

	u.verb = UPDOWN_UP;
	cr_assert_eq(run(script, &u), 0);
	u.verb = UPDOWN_DOWN;
	cr_assert_eq(run(script, &u), 0);

	u.verb = UPDOWN_UNROUTE;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip route show 198.51.100.0/24"), "");
	cr_assert_eq(run(script, &u), 0, "nothing left to remove is not an error");

	/* a host client that is its own next hop: on-link, no gateway */
	u.verb = UPDOWN_ROUTE;
	u.peer_client = subnet("192.0.2.77/32");
	u.next_hop = addr("192.0.2.77");
	u.my_source_ip = (struct ip_addr){ .af = AF_UNSPEC };
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip route show 192.0.2.77"), "192.0.2.77 dev v0 scope link \n");

	/* everything: the default route is left alone, the halves carry it */
	sh("ip route add default via 192.0.2.200 dev v0");
	u.peer_client = subnet("0.0.0.0/0");
	u.next_hop = addr("192.0.2.254");
	cr_assert_eq(run(script, &u), 0);
	cr_assert_not_null(strstr(capture("ip route show"), "0.0.0.0/1 via 192.0.2.254 dev v0"));
	cr_assert_not_null(strstr(capture("ip route show"), "128.0.0.0/1 via 192.0.2.254 dev v0"));
	u.verb = UPDOWN_UNROUTE;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip route show 0.0.0.0/1; ip route show 128.0.0.0/1"), "");
	cr_assert_str_eq(capture("ip route show default"), "default via 192.0.2.200 dev v0 \n");

	/* a failure is an exit status other than 0 */
	u.verb = UPDOWN_ROUTE;
	u.peer_client = subnet("198.51.100.0/24");
	u.interface = "nosuchdev";
	cr_assert_neq(run(script, &u), 0);
}

Test(updown, shipped_script_routes_and_unroutes_ipv6, .init = netns_setup,
     .fini = run_teardown, .timeout = 60)
{
	const char *script = updown_script();
	struct updown_info u = {
		.verb = UPDOWN_ROUTE,
		.client = true,
		.connection = "v6",
		.interface = "v0",
		.me = addr("2001:db8:1::1"),
		.peer = addr("2001:db8:9::9"),
		.next_hop = addr("2001:db8:1::fe"),
		.my_client = subnet("2001:db8:1::/64"),
		.peer_client = subnet("2001:db8:2::/64"),
		.my_source_ip = addr("2001:db8:1::1"),
	};

	cr_assert_eq(run(script, &u), 0);
	cr_assert_not_null(strstr(capture("ip -6 route show 2001:db8:2::/64"),
				  "2001:db8:2::/64 via 2001:db8:1::fe dev v0 src 2001:db8:1::1"),
			   "%s", capture("ip -6 route show"));
	u.verb = UPDOWN_UNROUTE;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip -6 route show 2001:db8:2::/64"), "");

	/* host verbs change nothing */
	u.verb = UPDOWN_ROUTE;
	u.client = false;
	u.peer_client = (struct ip_subnet){ .prefix = 0 };
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip -6 route show 2001:db8:9::9"), "");
}

Test(updown, shipped_script_installs_and_removes_a_cp_address, .init = netns_setup,
     .fini = run_teardown, .timeout = 60)
{
	const char *script = updown_script();
	struct updown_info u = v4_client();

	u.interface = "v0";
	u.peer_client = subnet("0.0.0.0/0");
	u.my_source_ip = addr("10.9.0.10");
	u.cfg_client = true;

	/* route-client puts the address on the interface first: the route's src needs it */
	u.verb = UPDOWN_ROUTE;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_not_null(strstr(capture("ip -4 -o addr show dev v0"), " 10.9.0.10/32 "));
	cr_assert_not_null(strstr(capture("ip route show 0.0.0.0/1"), "src 10.9.0.10"));
	u.verb = UPDOWN_UP;
	cr_assert_eq(run(script, &u), 0, "up-client with the address there already");
	u.verb = UPDOWN_DOWN;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_null(strstr(capture("ip -4 -o addr show dev v0"), "10.9.0.10"));
	u.verb = UPDOWN_UNROUTE;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_str_eq(capture("ip route show 0.0.0.0/1"), "");

	/* a host connection (no route verbs do it): up adds, down removes; IPv6 too */
	u.peer_client = subnet("2001:db8:2::1/128");
	u.my_source_ip = addr("2001:db8:9::5");
	u.verb = UPDOWN_UP;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_not_null(strstr(capture("ip -6 -o addr show dev v0"), " 2001:db8:9::5/128 "));
	u.verb = UPDOWN_DOWN;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_null(strstr(capture("ip -6 -o addr show dev v0"), "2001:db8:9::5"));

	/* without PLUTO_CFG_CLIENT the source address is the administrator's: never touched */
	u.cfg_client = false;
	u.my_source_ip = addr("10.9.0.11");
	u.verb = UPDOWN_UP;
	cr_assert_eq(run(script, &u), 0);
	cr_assert_null(strstr(capture("ip -4 -o addr show dev v0"), "10.9.0.11"));
}

/* The native action of u, done here through rtnetlink: the first failure or 0. */
static int native(const struct updown_info *u)
{
	static void *rt;
	struct updown_route r[UPDOWN_ROUTES_MAX];
	struct kernel_op ops[UPDOWN_ROUTES_MAX], *pops[UPDOWN_ROUTES_MAX];
	int n = updown_native_routes(u, r), rc = 0;

	cr_assert_geq(n, 0);
	if (!rt)
		cr_assert_eq(kernel_route_open(&rt), 0);
	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < n; i++) {
		ops[i].kind = r[i].kind;
		ops[i].route = r[i].r;
		pops[i] = &ops[i];
	}
	if (n)
		kernel_route_submit(rt, pops, (size_t)n);
	for (int i = 0; i < n && rc == 0; i++)
		rc = ops[i].status;
	return rc;
}

enum { STEPS = 20 };

/* One run of the script's test sequence, by the script or natively: tables and outcomes. */
static void route_sequence(bool use_native, char tables[STEPS][1024], bool ok[STEPS])
{
	const char *script = use_native ? NULL : updown_script();
	struct updown_info u = v4_client();
	unsigned k = 0;

#define STEP()                                                                              \
	do {                                                                                \
		ok[k] = (use_native ? native(&u) : run(script, &u)) == 0;                   \
		snprintf(tables[k], 1024, "%s",                                             \
			 capture("ip -4 route show table main; ip -6 route show table main " \
				 "| grep -v -e '^fe80' -e '^multicast'"));                   \
		k++;                                                                        \
	} while (0)

	sh("ip route flush proto boot; ip -6 route flush proto boot; ip route del default 2>/dev/null; true");
	u.interface = "v0";
	u.peer_client = subnet("198.51.100.0/24");
	u.my_source_ip = addr("192.0.2.1");
	sh("ip route add 198.51.100.0/24 dev v1");	/* stale, somebody else's */
	u.verb = UPDOWN_PREPARE;
	STEP();
	u.verb = UPDOWN_ROUTE;
	STEP();
	STEP();			/* twice replaces */
	u.verb = UPDOWN_UP;
	STEP();
	u.verb = UPDOWN_DOWN;
	STEP();
	u.verb = UPDOWN_UNROUTE;
	STEP();
	STEP();			/* nothing left to remove */
	u.verb = UPDOWN_ROUTE;	/* a host client, its own next hop: on-link */
	u.peer_client = subnet("192.0.2.77/32");
	u.next_hop = addr("192.0.2.77");
	u.my_source_ip = (struct ip_addr){ .af = AF_UNSPEC };
	STEP();
	u.verb = UPDOWN_UNROUTE;
	STEP();
	sh("ip route add default via 192.0.2.200 dev v0");
	u.verb = UPDOWN_ROUTE;	/* everything: the halves, the default left alone */
	u.peer_client = subnet("0.0.0.0/0");
	u.next_hop = addr("192.0.2.254");
	STEP();
	u.verb = UPDOWN_UNROUTE;
	STEP();
	u.verb = UPDOWN_ROUTE;	/* no such device: a failure */
	u.peer_client = subnet("198.51.100.0/24");
	u.interface = "nosuchdev";
	STEP();
	u.interface = "";	/* no interface known (--route): no dev */
	STEP();
	u.verb = UPDOWN_UNROUTE;
	STEP();
	u = (struct updown_info){
		.verb = UPDOWN_ROUTE, .client = true, .connection = "v6", .interface = "v0",
		.me = addr("2001:db8:1::1"), .peer = addr("2001:db8:9::9"),
		.next_hop = addr("2001:db8:1::fe"), .my_client = subnet("2001:db8:1::/64"),
		.peer_client = subnet("2001:db8:2::/64"), .my_source_ip = addr("2001:db8:1::1"),
	};
	STEP();
	u.verb = UPDOWN_UNROUTE;
	STEP();
	u.verb = UPDOWN_ROUTE;	/* host verbs change nothing */
	u.client = false;
	u.peer_client = (struct ip_subnet){ .prefix = 0 };
	STEP();
	cr_assert_leq(k, STEPS);
	for (; k < STEPS; k++) {
		tables[k][0] = '\0';
		ok[k] = true;
	}
#undef STEP
}

/*
 * The native default does what the shipped script does: the same
 * sequence of verbs, once through the script and once natively, leaves
 * the same routing table after every step and succeeds or fails alike.
 */
Test(updown, native_default_changes_the_same_routes_as_the_script, .init = netns_setup,
     .fini = run_teardown, .timeout = 60)
{
	static char by_script[STEPS][1024], by_native[STEPS][1024];
	static bool ok_script[STEPS], ok_native[STEPS];

	route_sequence(false, by_script, ok_script);
	route_sequence(true, by_native, ok_native);
	for (unsigned i = 0; i < STEPS; i++) {
		cr_assert_str_eq(by_native[i], by_script[i], "step %u: native\n%s\nscript\n%s", i,
				 by_native[i], by_script[i]);
		cr_assert_eq(ok_native[i], ok_script[i], "step %u: native %s, script %s", i,
			     ok_native[i] ? "ok" : "failed", ok_script[i] ? "ok" : "failed");
	}
	/* the sequence did something: routes came and went, one step failed */
	cr_assert_not_null(strstr(by_script[1], "198.51.100.0/24 via 192.0.2.254 dev v0"));
	cr_assert_not_null(strstr(by_script[9], "128.0.0.0/1 via 192.0.2.254 dev v0"));
	cr_assert_not(ok_script[11]);
}

Test(updown, native_routes_follow_the_script_rules)
{
	struct updown_info u = v4_client();
	struct updown_route r[UPDOWN_ROUTES_MAX];

	u.verb = UPDOWN_UP;
	cr_assert_eq(updown_native_routes(&u, r), 0, "up- does nothing");
	u.verb = UPDOWN_DOWN;
	cr_assert_eq(updown_native_routes(&u, r), 0, "down- does nothing");
	u.verb = UPDOWN_ROUTE;
	u.client = false;
	cr_assert_eq(updown_native_routes(&u, r), 0, "-host does nothing");
	u.client = true;
	cr_assert_eq(updown_native_routes(&u, r), 1);
	cr_assert_eq(r[0].kind, KERNEL_OP_ROUTE_REPLACE);
	cr_assert_str_eq(r[0].r.dev, "eth0");
	cr_assert_eq(r[0].r.via.af, AF_INET);
	cr_assert_eq(r[0].r.dst.prefix, 24);
	u.verb = UPDOWN_PREPARE;
	cr_assert_eq(updown_native_routes(&u, r), 1);
	cr_assert_eq(r[0].kind, KERNEL_OP_ROUTE_DELETE);
	cr_assert_str_eq(r[0].r.dev, "", "prepare- deletes whatever the route's device");
	u.verb = UPDOWN_ROUTE;
	u.peer_client = subnet("2001:db8:5::/64");
	cr_assert_eq(updown_native_routes(&u, r), 1, "a v6 client of a v4 SA");
	cr_assert_eq(r[0].r.via.af, AF_UNSPEC, "... is reached through the device alone");
	u.verb = UPDOWN_UNROUTE;
	u.peer_client = subnet("::/0");
	u.me = addr("2001:db8::1");
	u.peer = addr("2001:db8::2");
	u.next_hop = (struct ip_addr){ .af = AF_UNSPEC };
	cr_assert_eq(updown_native_routes(&u, r), 2, "::/0 is routed as two halves");
	cr_assert_eq(r[1].r.dst.addr.b[0], 0x80);
	cr_assert_eq(r[1].r.dst.prefix, 1);
}
