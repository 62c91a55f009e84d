/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Configuration payload (RFC 7296 2.19, 3.15) and address pools, two
 * engines stepped message by message: west is the road warrior
 * (--modecfgclient), east the concentrator with a pool for %any clients.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/conn_inst.h"
#include "ike/conn_select.h"
#include "ike/pool.h"
#include "ike/v2/cfg.h"
#include "util/impair.h"
#include "xch.h"

TestSuite(cp, .init = xch_setup, .fini = xch_teardown, .timeout = 30);

#define NATD "N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP)"
#define INIT_REQ "SA KE Ni " NATD
#define INIT_RESP "SA KE Nr " NATD
#define AUTH_REQ "SK{IDi IDr AUTH CP SA TSi TSr}"
#define AUTH_RESP "SK{IDr AUTH CP SA TSi TSr}"

/* East: the concentrator. Its clients are %any, any ID, addresses from POOL. */
#define SERVER(pool)                                                                          \
	"--name rw --host 127.0.0.2 --id @east --client 0.0.0.0/0 --modecfgserver "           \
	"--modecfgdns 192.0.2.53,2001:db8::53 --modecfgdomains example.com,corp.example "    \
	"--to --host %any --addresspool " pool " --psk --encrypt"
#define SERVER6(pool)                                                                         \
	"--name rw --tunnelipv6 --host 127.0.0.2 --id @east --client ::/0 --modecfgserver "   \
	"--modecfgdns 2001:db8::53 --to --host %any --addresspool " pool " --psk --encrypt"
/* West: a road warrior named NAME with ID (empty: its address). */
#define CLIENT(name, id)                                                                      \
	"--name " name " --host 127.0.0.1 " id " --modecfgclient --to --host 127.0.0.2 "       \
	"--id @east --client 0.0.0.0/0 --psk --encrypt"
#define CLIENT6(name, id)                                                                     \
	"--name " name " --tunnelipv6 --host 127.0.0.1 " id " --modecfgclient --to "           \
	"--host 127.0.0.2 --id @east --client ::/0 --psk --encrypt"

static const struct xch_msg *expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "%s sent nothing; expected %s", from ? "east" : "west", desc);
	cr_assert_str_eq(m->desc, desc, "%s sent \"%s\", expected \"%s\"",
			 from ? "east" : "west", m->desc, desc);
	return m;
}

static void assert_ts(const struct ike_ts *ts, const char *want)
{
	char buf[80];
	cr_assert_str_eq(ike_ts_str(ts, buf, sizeof(buf)), want, "selector %s, expected %s", buf,
			 want);
}

static void assert_addr(const struct ip_addr *a, const char *want)
{
	char buf[IP_ADDR_STRLEN];
	cr_assert_str_eq(ip_addr_str(a, buf), want, "address %s, expected %s", buf, want);
}

/* East's pool of family fam for the rw connection's clients. */
static struct ike_pool *east_pool(int fam)
{
	struct connection *c = xch_conn(XCH_EAST, "rw");
	struct ike_pool *p = c->cfg->pool[1 - xch_conn_end(XCH_EAST, "rw")][fam];

	cr_assert_not_null(p, "east's rw has no IPv%c pool", fam ? '6' : '4');
	return p;
}

static struct ike_pool_stats stats(int fam)
{
	struct ike_pool_stats st;
	ike_pool_stats(east_pool(fam), &st);
	return st;
}

/* The IKE SA of west's connection `name`, or NULL. */
static struct ike_sa *west_sa(const char *name)
{
	for (struct ike_sa *sa = xch_daemon(XCH_WEST)->w[0].sas; sa; sa = sa->next)
		if (!strcmp(sa->conn->spec->name, name))
			return sa;
	return NULL;
}

/* East's IKE SA whose peer ID prints as id. */
static struct ike_sa *east_sa_of(const char *id)
{
	char buf[IKE_ID_STRLEN];
	for (struct ike_sa *sa = xch_daemon(XCH_EAST)->w[0].sas; sa; sa = sa->next)
		if (!strcmp(ike_id_str(sa->ext->id_remote, buf, sizeof(buf)), id))
			return sa;
	return NULL;
}

/* West initiates name; the whole exchange runs; the CP rides in IKE_AUTH both ways. */
static void bring_up(const char *name)
{
	xch_initiate(XCH_WEST, name);
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	expect(XCH_EAST, AUTH_RESP);
	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_not(xch_pending(XCH_EAST));
}

/* West deletes the IKE SA of name; the exchange runs to the end. */
static void disconnect(const char *name)
{
	struct ike_sa *sa = west_sa(name);

	cr_assert_not_null(sa, "west has no IKE SA of %s", name);
	ike_sa_delete(sa, true);
	xch_pump();
	expect(XCH_WEST, "SK{D(IKE)}");
	expect(XCH_EAST, "SK{}");
	cr_assert_null(west_sa(name));
}

/* The CFG_REPLY east sent, decoded. */
static void reply_of(const struct xch_msg *m, struct v2_cfg *cfg)
{
	const struct v2_payload *cp = xch_msg_payload(m, V2_PL_CP);
	const char *why = NULL;

	cr_assert_not_null(cp);
	cr_assert_eq(cp->u.cp->type, V2_CFG_REPLY);
	cr_assert_eq(v2_cfg_decode(cp->u.cp, cfg, &why), 0, "%s", why);
}

Test(cp, v4_address_dns_domains_and_narrowing)
{
	const struct xch_msg *m;
	struct v2_cfg req, rep;
	const char *why;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	m = expect(XCH_WEST, AUTH_REQ);
	/* HDR, SK {IDi, IDr, AUTH, CP(CFG_REQUEST), SAi2, TSi = 0.0.0.0/0, TSr} */
	cr_assert_eq(xch_msg_payload(m, V2_PL_CP)->u.cp->type, V2_CFG_REQUEST);
	cr_assert_eq(v2_cfg_decode(xch_msg_payload(m, V2_PL_CP)->u.cp, &req, &why), 0);
	cr_assert_eq(req.want, V2_CFGW_IP4 | V2_CFGW_DNS4 | V2_CFGW_DOMAIN);
	cr_assert_not(req.has_ip4);
	cr_assert_eq(xch_msg_payload(m, V2_PL_TSI)->u.ts->ts[0].start[0], 0);
	cr_assert_eq(xch_msg_payload(m, V2_PL_TSI)->u.ts->ts[0].end[0], 255);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert(rep.has_ip4);
	assert_addr(&rep.ip4, "10.9.0.10");
	cr_assert_not(rep.has_ip6);
	cr_assert_eq(rep.ndns4, 1);
	assert_addr(&rep.dns4[0], "192.0.2.53");
	cr_assert_eq(rep.ndns6, 1);
	cr_assert_eq(rep.ndomains, 2);
	cr_assert_str_eq(rep.domains[0].name, "example.com");
	/* TSi narrowed to the address: 10.9.0.10 - 10.9.0.10 */
	const struct v2_ts_one *tsi = &xch_msg_payload(m, V2_PL_TSI)->u.ts->ts[0];
	static const uint8_t a[4] = { 10, 9, 0, 10 };
	cr_assert_arr_eq(tsi->start, a, 4);
	cr_assert_arr_eq(tsi->end, a, 4);

	struct ike_sa *w = west_sa("a"), *e = east_sa_of("@alice");
	cr_assert_not_null(w);
	cr_assert_not_null(e);
	cr_assert_eq(w->state, IKE_ESTABLISHED);
	cr_assert_not_null(w->children);
	cr_assert_not_null(e->children);
	assert_ts(&w->children->ts_local, "10.9.0.10/32");
	assert_ts(&w->children->ts_remote, "0.0.0.0/0");
	assert_ts(&e->children->ts_remote, "10.9.0.10/32");
	assert_addr(&w->ext->given->assigned[0], "10.9.0.10");
	cr_assert_str_eq(w->ext->given->dns_info, "192.0.2.53 2001:db8::53");
	cr_assert_str_eq(w->ext->given->domain_info, "example.com corp.example");
	assert_addr(&e->conn->inst.lease->addr[0], "10.9.0.10");
	cr_assert_eq(stats(0).in_use, 1);
	cr_assert_eq(stats(0).size, 2);

	/* Delete: the lease goes back (and stays bound to @alice). */
	disconnect("a");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(stats(0).in_use, 0);
	cr_assert_eq(stats(0).lingering, 1);
}

Test(cp, v6_address_with_prefix)
{
	const struct xch_msg *m;
	struct v2_cfg rep;

	xch_conn_add(XCH_EAST, SERVER6("2001:db8:9::/126"));
	xch_conn_add(XCH_WEST, CLIENT6("a", "--id @alice"));
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert_not(rep.has_ip4);
	cr_assert(rep.has_ip6);
	assert_addr(&rep.ip6, "2001:db8:9::");
	cr_assert_eq(rep.ip6_prefix, 128);
	cr_assert_eq(rep.ndns6, 1);
	struct ike_sa *w = west_sa("a");
	assert_ts(&w->children->ts_local, "2001:db8:9::/128");
	assert_ts(&east_sa_of("@alice")->children->ts_remote, "2001:db8:9::/128");
	assert_addr(&w->ext->given->assigned[1], "2001:db8:9::");
	cr_assert_eq(stats(1).in_use, 1);
	cr_assert_eq(stats(1).size, 4);
	disconnect("a");
	cr_assert_eq(stats(1).in_use, 0);
}

/*
 * An IPv6 prefix pool (NET/BITS/LEN): each client gets a /64 of its own,
 * RFC 8200 style. The CFG_REPLY names the prefix's ::1 with prefix length
 * 64; the Child SA is the whole /64 on both sides.
 */
Test(cp, v6_prefix_pool_gives_each_client_a_64)
{
	const struct xch_msg *m;
	struct v2_cfg rep;

	xch_conn_add(XCH_EAST, SERVER6("2001:db8:100::/62/64"));
	xch_conn_add(XCH_WEST, CLIENT6("a", "--id @alice"));
	xch_conn_add(XCH_WEST, CLIENT6("b", "--id @bob"));
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert(rep.has_ip6);
	assert_addr(&rep.ip6, "2001:db8:100::1");
	cr_assert_eq(rep.ip6_prefix, 64);
	struct ike_sa *w = west_sa("a"), *e = east_sa_of("@alice");
	cr_assert_not_null(w->children, "the client refused the /64");
	assert_ts(&w->children->ts_local, "2001:db8:100::/64");
	assert_ts(&e->children->ts_remote, "2001:db8:100::/64");
	assert_addr(&w->ext->given->assigned[1], "2001:db8:100::1");
	cr_assert_eq(w->ext->given->prefix6, 64);
	assert_addr(&e->conn->inst.lease->addr[1], "2001:db8:100::");
	bring_up("b");
	assert_ts(&west_sa("b")->children->ts_local, "2001:db8:100:1::/64");
	cr_assert_eq(stats(1).size, 4);
	cr_assert_eq(stats(1).in_use, 2);
	disconnect("a");
	disconnect("b");
	cr_assert_eq(stats(1).in_use, 0);
	/* sticky as any lease */
	bring_up("b");
	assert_ts(&west_sa("b")->children->ts_local, "2001:db8:100:1::/64");
}

/* A Child SA rekeyed (CREATE_CHILD_SA) keeps the client's whole /64. */
Test(cp, v6_prefix_survives_a_child_rekey)
{
	xch_conn_add(XCH_EAST, SERVER6("2001:db8:100::/62/64"));
	xch_conn_add(XCH_WEST, CLIENT6("a", "--id @alice") " --ipseclifetime 60 --rekeymargin 20 "
							  "--rekeyfuzz 0");
	bring_up("a");
	uint64_t first = west_sa("a")->children->serial;
	xch_advance(XCH_WEST, 40100);
	xch_run_until_quiet();
	struct ike_sa *w = west_sa("a");
	struct child_sa *c = w->children;
	while (c && c->serial == first)	/* the rekeyed one lingers 1 s for late ESP */
		c = c->next;
	cr_assert_not_null(c, "no rekey");
	assert_ts(&c->ts_local, "2001:db8:100::/64");
	assert_ts(&east_sa_of("@alice")->children->ts_remote, "2001:db8:100::/64");
}

Test(cp, both_families)
{
	const struct xch_msg *m;
	struct v2_cfg rep;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11,2001:db8:9::/126"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	cr_assert_eq(impair_apply("cp-request-both", true, NULL, 0), 0);
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert(rep.has_ip4);
	cr_assert(rep.has_ip6);
	assert_addr(&rep.ip4, "10.9.0.10");
	assert_addr(&rep.ip6, "2001:db8:9::");
	struct ike_sa *w = west_sa("a");
	/* the Child SA is of the connection's family; the other address is the client's too */
	assert_ts(&w->children->ts_local, "10.9.0.10/32");
	assert_addr(&w->ext->given->assigned[0], "10.9.0.10");
	assert_addr(&w->ext->given->assigned[1], "2001:db8:9::");
	cr_assert_eq(stats(0).in_use, 1);
	cr_assert_eq(stats(1).in_use, 1);
	disconnect("a");
	cr_assert_eq(stats(0).in_use, 0);
	cr_assert_eq(stats(1).in_use, 0);
}

Test(cp, both_asked_only_ipv4_configured_grants_ipv4_and_keeps_the_sa)
{
	const struct xch_msg *m;
	struct v2_cfg req, rep;
	const char *why;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	cr_assert_eq(impair_apply("cp-request-both", true, NULL, 0), 0);
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	m = expect(XCH_WEST, AUTH_REQ);
	cr_assert_eq(v2_cfg_decode(xch_msg_payload(m, V2_PL_CP)->u.cp, &req, &why), 0);
	cr_assert_eq(req.want & (V2_CFGW_IP4 | V2_CFGW_IP6), V2_CFGW_IP4 | V2_CFGW_IP6);
	/* the IPv6 address is refused by leaving it out (RFC 7296 3.15.4); the SA stands */
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert(rep.has_ip4);
	cr_assert_not(rep.has_ip6, "an IPv6 address without an IPv6 pool");
	assert_addr(&rep.ip4, "10.9.0.10");
	struct ike_sa *w = west_sa("a"), *e = east_sa_of("@alice");
	cr_assert_eq(w->state, IKE_ESTABLISHED);
	cr_assert_not_null(w->children);
	cr_assert_not_null(e->children);
	assert_addr(&w->ext->given->assigned[0], "10.9.0.10");
	cr_assert_eq(w->ext->given->assigned[1].af, AF_UNSPEC);
	cr_assert_not(ike_lease_has(e->conn->inst.lease, AF_INET6));
	cr_assert_eq(stats(0).in_use, 1);
	disconnect("a");
	cr_assert_eq(stats(0).in_use, 0);
}

#define PCSCF " --modecfgpcscf 192.0.2.60,2001:db8::60"

/* RFC 7651: a client that asks for P-CSCF servers gets them, of both families. */
Test(cp, pcscf_handed_to_a_client_that_asks)
{
	const struct xch_msg *m;
	struct v2_cfg req, rep;
	const char *why;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11") PCSCF);
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	cr_assert_eq(impair_apply("cp-request-pcscf", true, NULL, 0), 0);
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	m = expect(XCH_WEST, AUTH_REQ);
	cr_assert_eq(v2_cfg_decode(xch_msg_payload(m, V2_PL_CP)->u.cp, &req, &why), 0);
	cr_assert_eq(req.want & (V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6), V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6);
	cr_assert_eq(req.pcscf4_type, V2_CFG_P_CSCF_IP4_ADDRESS);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert_eq(rep.npcscf, 2);
	assert_addr(&rep.pcscf[0], "192.0.2.60");
	assert_addr(&rep.pcscf[1], "2001:db8::60");
	cr_assert_eq(rep.pcscf4_type, V2_CFG_P_CSCF_IP4_ADDRESS);
	cr_assert_eq(rep.pcscf6_type, V2_CFG_P_CSCF_IP6_ADDRESS);
	/* the client takes them, with its address */
	struct ike_sa *w = west_sa("a");
	cr_assert_not_null(w->children);
	assert_addr(&w->ext->given->assigned[0], "10.9.0.10");
	cr_assert_str_eq(w->ext->given->pcscf_info, "192.0.2.60 2001:db8::60");
	disconnect("a");
}

/* Older handsets ask with the 3GPP private types 16389/16390: answered with those. */
Test(cp, pcscf_legacy_types_answered_in_kind)
{
	const struct xch_msg *m;
	struct v2_cfg rep;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11") PCSCF);
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	cr_assert_eq(impair_apply("cp-request-pcscf-legacy", true, NULL, 0), 0);
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert_eq(rep.npcscf, 2);
	cr_assert_eq(rep.pcscf4_type, V2_CFG_P_CSCF_LEGACY_A);
	cr_assert_eq(rep.pcscf6_type, V2_CFG_P_CSCF_LEGACY_A);
	cr_assert_str_eq(west_sa("a")->ext->given->pcscf_info, "192.0.2.60 2001:db8::60");
}

/* A client that does not ask gets no P-CSCF (RFC 7651 3: only on request). */
Test(cp, pcscf_not_sent_unasked)
{
	const struct xch_msg *m;
	struct v2_cfg rep;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11") PCSCF);
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	m = expect(XCH_EAST, AUTH_RESP);
	reply_of(m, &rep);
	cr_assert_eq(rep.npcscf, 0);
	cr_assert_str_eq(west_sa("a")->ext->given->pcscf_info, "");
}

Test(cp, pcscf_option_refuses_a_name)
{
	char err[300];
	struct conn_spec s;
	struct connection *bad = NULL;

	conn_spec_init(&s);
	snprintf(s.name, sizeof(s.name), "bad");
	s.end[0].host_kind = HOST_ADDR;
	ip_addr_parse("127.0.0.2", &s.end[0].host);
	s.end[1].host_kind = HOST_ANY;
	s.end[1].addresspool = strdup("10.9.0.10-10.9.0.11");
	s.end[0].modecfg_pcscf = strdup("192.0.2.60,pcscf.example");
	s.policy = POL_PSK | POL_ENCRYPT | POL_TUNNEL;
	cr_assert_eq(ike_connection_new(&s, 999, &bad, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--modecfgpcscf pcscf.example: not an IP address"), "%s", err);
	conn_spec_fini(&s);
}

Test(cp, sticky_leases_and_clients_behind_one_address)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.13"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	xch_conn_add(XCH_WEST, CLIENT("b", "--id @bob"));
	/* Two clients from one address (as behind a NAT): an address each. */
	bring_up("a");
	bring_up("b");
	assert_addr(&west_sa("a")->ext->given->assigned[0], "10.9.0.10");
	assert_addr(&west_sa("b")->ext->given->assigned[0], "10.9.0.11");
	cr_assert_eq(stats(0).in_use, 2);
	disconnect("a");
	disconnect("b");
	cr_assert_eq(stats(0).in_use, 0);
	/* Back in the other order: each ID gets its own address again. */
	bring_up("b");
	assert_addr(&west_sa("b")->ext->given->assigned[0], "10.9.0.11");
	bring_up("a");
	assert_addr(&west_sa("a")->ext->given->assigned[0], "10.9.0.10");
	cr_assert_eq(stats(0).in_use, 2);
	disconnect("a");
	disconnect("b");
	cr_assert_eq(stats(0).in_use, 0);
}

Test(cp, address_ids_are_not_sticky_but_distinct)
{
	/*
	 * Both clients identify by their (shared) address: no ID tells them
	 * apart (with --uniqueids, the default, the second would replace the
	 * first, as in libreswan; behind a carrier NAT one runs without).
	 */
	xch_daemon(XCH_EAST)->uniqueids = false;
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.13"));
	xch_conn_add(XCH_WEST, CLIENT("a", ""));
	xch_conn_add(XCH_WEST, CLIENT("b", ""));
	bring_up("a");
	bring_up("b");
	struct ike_sa *a = west_sa("a"), *b = west_sa("b");
	cr_assert_not(ip_addr_eq(&a->ext->given->assigned[0], &b->ext->given->assigned[0]),
		      "two clients behind one address share a lease");
	cr_assert_eq(stats(0).in_use, 2);
	disconnect("a");
	disconnect("b");
	cr_assert_eq(stats(0).in_use, 0);
}

Test(cp, pool_exhaustion_answers_internal_address_failure)
{
	const struct xch_msg *m;

	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.10"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	xch_conn_add(XCH_WEST, CLIENT("b", "--id @bob"));
	bring_up("a");
	cr_assert_eq(stats(0).in_use, 1);
	xch_initiate(XCH_WEST, "b");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	/* <-- HDR, SK {IDr, AUTH, N(INTERNAL_ADDRESS_FAILURE)}: the IKE SA stands, no Child SA */
	m = expect(XCH_EAST, "SK{IDr AUTH N(INTERNAL_ADDRESS_FAILURE)}");
	cr_assert(m->opened);
	cr_assert_eq(stats(0).exhausted, 1);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_NOTIFY_SENT + IKE_NS_INTERNAL_ADDRESS_FAILURE), 1);
	cr_assert_eq(stats(0).in_use, 1);
	struct ike_sa *b = west_sa("b"), *eb = east_sa_of("@bob");
	cr_assert_not_null(b);
	cr_assert_null(b->children);
	cr_assert_null(b->ext->given, "no CFG_REPLY: no record of one");
	cr_assert_not_null(eb);
	cr_assert_null(eb->children);
	cr_assert_not(ike_lease_has(eb->conn->inst.lease, AF_INET));
	/* Alice leaves: her address is free for Bob. */
	disconnect("a");
	disconnect("b");
	cr_assert_eq(stats(0).in_use, 0);
	bring_up("b");
	assert_addr(&west_sa("b")->ext->given->assigned[0], "10.9.0.10");
}

Test(cp, no_lease_on_failed_ike_auth)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	xch_set_psk(XCH_WEST, "what west believes");
	xch_set_psk(XCH_EAST, "what east believes");
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, AUTH_REQ);
	expect(XCH_EAST, "SK{N(AUTHENTICATION_FAILED)}");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	struct ike_pool_stats st = stats(0);
	cr_assert_eq(st.in_use, 0, "a lease outlived the failed IKE_AUTH");
	cr_assert_eq(st.lingering, 0, "an unauthenticated client took a lease");
}

Test(cp, client_without_cp_request_is_refused_its_child)
{
	/* A client that does not ask for an address cannot use the pool's connection. */
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, "--name a --host 127.0.0.1 --id @alice --client 10.9.0.10/32 "
			       "--to --host 127.0.0.2 --id @east --client 0.0.0.0/0 --psk --encrypt");
	xch_initiate(XCH_WEST, "a");
	expect(XCH_WEST, INIT_REQ);
	expect(XCH_EAST, INIT_RESP);
	expect(XCH_WEST, "SK{IDi IDr AUTH SA TSi TSr}");
	expect(XCH_EAST, "SK{IDr AUTH N(FAILED_CP_REQUIRED)}");
	cr_assert_eq(stats(0).in_use, 0);
	cr_assert_null(west_sa("a")->children);
}

Test(cp, lease_follows_an_ike_rekey_and_goes_with_the_last_sa)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice") " --ikelifetime 60 --rekeymargin 20 "
						       "--rekeyfuzz 0");
	bring_up("a");
	struct ike_sa *old = west_sa("a");
	uint64_t old_serial = old->serial;
	xch_advance(XCH_WEST, 40100);	/* the initiator rekeys at 60 - 20 s */
	xch_run_until_quiet();
	struct ike_sa *n = west_sa("a");
	cr_assert_not_null(n);
	cr_assert_neq(n->serial, old_serial, "no new IKE SA");
	assert_addr(&n->ext->given->assigned[0], "10.9.0.10");
	struct ike_sa *e = east_sa_of("@alice");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	assert_addr(&e->conn->inst.lease->addr[0], "10.9.0.10");
	cr_assert_eq(stats(0).in_use, 1);
	disconnect("a");
	cr_assert_eq(stats(0).in_use, 0);
}

Test(cp, pools_shared_by_range_and_overlaps_refused)
{
	struct connection *c1, *c2;
	char err[300];
	struct conn_spec s;

	c1 = xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	c2 = xch_conn_add(XCH_EAST, "--name rw2 --host 127.0.0.2 --id @east2 --client 0.0.0.0/0 "
				    "--to --host %any --addresspool 10.9.0.10-10.9.0.11 --psk --encrypt");
	cr_assert_eq(c1->cfg->pool[1][0], c2->cfg->pool[1][0], "the same range is not one pool");
	/* an overlapping, different range is refused, naming the pool it overlaps */
	conn_spec_init(&s);
	snprintf(s.name, sizeof(s.name), "bad");
	s.end[0].host_kind = HOST_ADDR;
	ip_addr_parse("127.0.0.2", &s.end[0].host);
	s.end[1].host_kind = HOST_ANY;
	s.end[1].addresspool = strdup("10.9.0.11-10.9.0.20");
	s.policy = POL_PSK | POL_ENCRYPT | POL_TUNNEL;
	struct connection *bad = NULL;
	cr_assert_eq(ike_connection_new(&s, 999, &bad, err, sizeof(err)), -EEXIST);
	cr_assert(strstr(err, "10.9.0.10-10.9.0.11"), "%s", err);
	free(s.end[1].addresspool);
	s.end[1].addresspool = strdup("10.9.0.30-10.9.0.20");
	cr_assert_eq(ike_connection_new(&s, 999, &bad, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "FIRST is after LAST"), "%s", err);
	conn_spec_fini(&s);
}

Test(cp, our_delete_returns_the_lease_before_the_answer)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	bring_up("a");
	cr_assert_eq(stats(0).in_use, 1);
	/* east deletes (whack --terminate); west never answers (gone) */
	ike_sa_delete(east_sa_of("@alice"), true);
	xch_pump();
	cr_assert_eq(east_sa_of("@alice")->state, IKE_DELETING);
	cr_assert_eq(stats(0).in_use, 0, "the lease waits for the peer's answer");
	cr_assert_not_null(xch_drop_next(XCH_EAST));
	/* the retransmissions give up; nothing is released twice */
	xch_advance(XCH_EAST, 61000);
	cr_assert_null(east_sa_of("@alice"));
	cr_assert_eq(stats(0).in_use, 0);
	cr_assert_eq(stats(0).lingering, 1);
}

/*
 * --uniqueids: the client comes back with the same ID on a new IKE SA; the
 * old one is replaced (make before break) and the address does not change
 * hands: the new SA shares the lease while the old one goes, then holds it.
 */
struct holders {
	struct ip_addr addr;
	unsigned n;
};

static void count_holders(void *ctx, const struct ip_addr *addr, const struct ike_id *id,
			  unsigned holders)
{
	struct holders *h = ctx;
	(void)id;
	if (ip_addr_eq(addr, &h->addr))
		h->n = holders;
}

/* How many leases of address a (in east's pool of its family) are held. */
static unsigned holders_of(const struct ip_addr *a)
{
	struct holders h = { *a, 0 };
	ike_pool_each(east_pool(a->af == AF_INET6), count_holders, &h);
	return h.n;
}

Test(cp, uniqueids_replacement_keeps_the_address)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.13"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	xch_conn_add(XCH_WEST, CLIENT("b", "--id @alice"));
	bring_up("a");
	struct ip_addr first = west_sa("a")->ext->given->assigned[0];
	struct connection *old_inst = east_sa_of("@alice")->conn;
	cr_assert(ike_conn_is_instance(old_inst));
	cr_assert(ip_addr_eq(&old_inst->inst.lease->addr[0], &first),
		  "the instance does not hold the client's lease");
	cr_assert_eq(stats(0).in_use, 1);
	cr_assert_eq(holders_of(&first), 1);
	xch_initiate(XCH_WEST, "b");	/* the same ID again */
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_UNIQUEIDS_REPLACED), 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "the old IKE SA was replaced");
	struct ike_sa *b = west_sa("b"), *eb = east_sa_of("@alice");
	cr_assert_not_null(b);
	cr_assert(ip_addr_eq(&b->ext->given->assigned[0], &first), "the address changed hands");
	cr_assert_neq(eb->conn, old_inst, "no new instance");
	cr_assert(ip_addr_eq(&eb->conn->inst.lease->addr[0], &first),
		  "the new instance does not hold the address");
	cr_assert_eq(stats(0).in_use, 1);
	cr_assert_eq(holders_of(&first), 1, "the old instance's share was not given back");
	cr_assert_eq(ike_inst_count(&xch_daemon(XCH_EAST)->insts), 1);
	disconnect("b");
	cr_assert_eq(stats(0).in_use, 0);
	cr_assert_eq(holders_of(&first), 0);
}

/*
 * The lease is the instance's: the client's IKE SA expires without a
 * Delete answered (the peer is gone): when the instance goes, its lease
 * goes, and nothing is left in the pool or the instance table.
 */
Test(cp, lease_goes_with_the_instance_when_the_peer_vanishes)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11") " --ikelifetime 60 --rekeymargin 20");
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	bring_up("a");
	struct ike_sa *e = east_sa_of("@alice");
	cr_assert(ike_lease_has(e->conn->inst.lease, AF_INET));
	cr_assert_not(ike_lease_has(e->ext->lease, AF_INET), "the IKE SA holds a lease of its own");
	cr_assert_eq(ike_inst_count(&xch_daemon(XCH_EAST)->insts), 1);
	/* west vanishes: everything it sends from now on is lost */
	for (int i = 0; i < 200 && xch_daemon(XCH_EAST)->w[0].sas; i++) {
		xch_advance(XCH_EAST, 5000);
		while (xch_pending(XCH_EAST))
			xch_drop_next(XCH_EAST);
	}
	cr_assert_null(east_sa_of("@alice"), "east's IKE SA outlived its peer");
	cr_assert_eq(stats(0).in_use, 0, "the lease outlived the instance");
	cr_assert_eq(ike_inst_count(&xch_daemon(XCH_EAST)->insts), 0);
}

/* Shutdown (ike_sa_shutdown(), as whack --shutdown does per SA): the instance and its lease go. */
Test(cp, shutdown_returns_the_lease)
{
	xch_conn_add(XCH_EAST, SERVER("10.9.0.10-10.9.0.11"));
	xch_conn_add(XCH_WEST, CLIENT("a", "--id @alice"));
	bring_up("a");
	cr_assert_eq(stats(0).in_use, 1);
	ike_sa_shutdown(east_sa_of("@alice"));
	xch_pump();
	for (int i = 0; i < 100 && east_sa_of("@alice"); i++) {
		xch_advance(XCH_EAST, 1000);
		while (xch_pending(XCH_EAST))
			xch_drop_next(XCH_EAST);
	}
	cr_assert_null(east_sa_of("@alice"));
	cr_assert_eq(stats(0).in_use, 0, "the lease outlived the shutdown");
	cr_assert_eq(ike_inst_count(&xch_daemon(XCH_EAST)->insts), 0);
}
