/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connection choice through the index (ike/conn_select.c over
 * sadb/conn_index.c): the right connection among 10,000, by host pair,
 * then by peer ID, then by selectors; the oldest among equals; and
 * deleted connections are never chosen.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <urcu.h>

#include "ike/conn_select.h"

enum { N = 10000 };

static struct conn_table table;
static struct ike_daemon d;
static uint64_t serial;

static void setup(void)
{
	rcu_register_thread();
	cr_assert_eq(sadb_conn_table_init(&table), 0);
	d.conns = &table;
}

static void teardown(void)
{
	rcu_unregister_thread();
}

TestSuite(conn_select, .init = setup, .fini = teardown);

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

/* name: local --to peer ("%any" for a road warrior), peer ID (NULL: %any), peer client. */
static struct connection *add(const char *name, const char *local, const char *peer,
			      const char *peer_id, const char *peer_client)
{
	struct conn_spec s;
	struct connection *c;
	char err[300];

	conn_spec_init(&s);
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.policy |= POL_PSK | POL_ENCRYPT | POL_TUNNEL;
	s.end[0].host_kind = HOST_ADDR;
	s.end[0].host = addr(local);
	s.end[0].id = strdup("@gw");
	if (strcmp(peer, "%any") == 0) {
		s.end[1].host_kind = HOST_ANY;
	} else {
		s.end[1].host_kind = HOST_ADDR;
		s.end[1].host = addr(peer);
	}
	if (peer_id)
		s.end[1].id = strdup(peer_id);
	if (peer_client) {
		s.end[1].has_client = true;
		cr_assert_eq(ip_subnet_parse(peer_client, &s.end[1].client), 0);
	}
	cr_assert_eq(ike_connection_new(&s, ++serial, &c, err, sizeof(err)), 0, "%s: %s", name,
		     err);
	cr_assert_eq(ike_connection_publish(&table, c), 0);
	conn_spec_fini(&s);
	return c;
}

static const char *chosen(const char *local, const char *peer, const char *peer_id)
{
	static char name[CONN_NAME_MAX + 1];
	struct ip_addr l = addr(local), p = addr(peer);
	struct connection *c;
	uint8_t end = 9;

	if (peer_id) {
		struct ike_id id;
		char err[200];
		cr_assert_eq(ike_id_parse(peer_id, &id, err, sizeof(err)), 0);
		c = ike_conn_for_id(&d, &l, &p, &id, &end);
	} else {
		c = ike_conn_for_responder(&d, &l, &p, &end);
	}
	if (!c)
		return "(none)";
	cr_assert_eq(end, 0, "our end");
	snprintf(name, sizeof(name), "%s", c->spec->name);
	ike_connection_unref(c);
	return name;
}

Test(conn_select, ten_thousand_connections)
{
	char name[32], peer[32], id[32];

	/* A %any template that accepts anyone, added first (the oldest). */
	add("rw", "192.0.2.1", "%any", NULL, NULL);
	/* Per-user road warriors (%any, a named ID) and site-to-site peers (exact hosts). */
	for (unsigned i = 0; i < N / 2; i++) {
		snprintf(name, sizeof(name), "user%u", i);
		snprintf(id, sizeof(id), "@user%u", i);
		add(name, "192.0.2.1", "%any", id, NULL);
		snprintf(name, sizeof(name), "site%u", i);
		snprintf(peer, sizeof(peer), "10.%u.%u.1", i / 250, i % 250);
		add(name, "192.0.2.1", peer, NULL, NULL);
	}
	cr_assert_geq(sadb_conn_table_count(&table), N);

	/* IKE_SA_INIT: hosts only. An exact peer beats %any; an unknown peer gets %any's oldest. */
	cr_assert_str_eq(chosen("192.0.2.1", "10.3.7.1", NULL), "site757");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", NULL), "rw");
	cr_assert_str_eq(chosen("192.0.2.2", "203.0.113.9", NULL), "(none)", "not our address");
	cr_assert_str_eq(chosen("192.0.2.1", "2001:db8::9", NULL), "(none)", "another family");
	/* IKE_AUTH: the ID picks the user's own connection over the template. */
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "@user4321"), "user4321");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "@nobody"), "rw");
	/* A site's peer ID is its address: from that address with another ID, not the site. */
	cr_assert_str_eq(chosen("192.0.2.1", "10.0.5.1", "10.0.5.1"), "site5");
	cr_assert_str_eq(chosen("192.0.2.1", "10.0.5.1", "@user7"), "user7");
	cr_assert_str_eq(chosen("192.0.2.1", "10.0.5.1", "@stranger"), "rw");
}

Test(conn_select, oldest_wins_and_deleted_never_chosen)
{
	struct connection *a = add("a", "192.0.2.1", "%any", NULL, NULL);
	struct connection *b = add("b", "192.0.2.1", "%any", NULL, NULL);

	(void)b;
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.1", NULL), "a");
	cr_assert_eq(ike_connection_unpublish(&table, a), 0);
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.1", NULL), "b");
	ike_connection_unref(a);
	struct connection *c = add("c", "192.0.2.1", "%any", NULL, NULL);
	(void)c;
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.1", NULL), "b", "the older one stays first");
}

Test(conn_select, by_selectors)
{
	struct ike_ts_set tsi = { .n = 1 }, tsr = { .n = 1 };
	struct ip_subnet sn;
	struct ike_id peer_id, our_id;
	char err[200];
	uint8_t end;

	add("net1", "192.0.2.1", "198.51.100.1", "@east", "10.1.0.0/16");
	add("net2", "192.0.2.1", "198.51.100.1", "@east", "10.2.0.0/16");
	cr_assert_eq(ike_id_parse("@east", &peer_id, err, sizeof(err)), 0);
	cr_assert_eq(ike_id_parse("@gw", &our_id, err, sizeof(err)), 0);
	cr_assert_eq(ip_subnet_parse("10.2.3.0/24", &sn), 0);
	tsi.ts[0] = ike_ts_from_subnet(&sn, 0, 0);
	tsr.ts[0] = ike_ts_from_subnet(&sn, 0, 0);
	struct ip_addr l = addr("192.0.2.1"), p = addr("198.51.100.1");
	struct connection *c = ike_conn_for_ts(&d, &l, &p, &peer_id, &our_id, &tsi, &tsr, &end);
	(void)tsr;
	cr_assert_null(c, "tsr 10.2.3.0/24 is not our side (we have the host only)");
	struct ip_subnet us = ip_subnet_from_addr(&l);
	tsr.ts[0] = ike_ts_from_subnet(&us, 0, 0);
	c = ike_conn_for_ts(&d, &l, &p, &peer_id, &our_id, &tsi, &tsr, &end);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->spec->name, "net2");
	ike_connection_unref(c);
}

/*
 * A DN peer ID matches by its RDNs (any order, case, "*" for any value), not
 * by its bytes: such connections are found among those of any ID, and score
 * as a named peer.
 */
Test(conn_select, distinguished_names)
{
	add("rw", "192.0.2.1", "%any", NULL, NULL);
	add("east", "192.0.2.1", "%any", "C=CH, O=Example, CN=east", NULL);
	add("example", "192.0.2.1", "%any", "C=CH, O=Example, CN=*", NULL);
	add("other", "192.0.2.1", "%any", "C=DE, O=Other, CN=*", "10.9.0.0/16");

	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "C=CH, O=Example, CN=east"), "east");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "CN=east, O=example, C=CH"), "east",
			 "another order and case");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "C=CH, O=Example, CN=west"),
			 "example", "the wildcard");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "C=DE, O=Other, CN=x"), "other");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "C=FR, O=Nobody, CN=x"), "rw");
	cr_assert_str_eq(chosen("192.0.2.1", "203.0.113.9", "@east"), "rw", "not a DN");

	/* one more Child SA: the DN connection whose selectors fit */
	struct ike_ts_set tsi = { .n = 1 }, tsr = { .n = 1 };
	struct ip_subnet sn;
	struct ike_id peer_id, our_id;
	char err[200];
	uint8_t end;
	struct ip_addr l = addr("192.0.2.1"), p = addr("203.0.113.9");

	cr_assert_eq(ike_id_parse("C=DE, O=Other, CN=y", &peer_id, err, sizeof(err)), 0);
	cr_assert_eq(ike_id_parse("@gw", &our_id, err, sizeof(err)), 0);
	cr_assert_eq(ip_subnet_parse("10.9.1.0/24", &sn), 0);
	tsi.ts[0] = ike_ts_from_subnet(&sn, 0, 0);
	struct ip_subnet us = ip_subnet_from_addr(&l);
	tsr.ts[0] = ike_ts_from_subnet(&us, 0, 0);
	struct connection *c = ike_conn_for_ts(&d, &l, &p, &peer_id, &our_id, &tsi, &tsr, &end);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->spec->name, "other");
	ike_connection_unref(c);
	cr_assert_eq(ike_id_parse("C=FR, O=Nobody, CN=y", &peer_id, err, sizeof(err)), 0);
	c = ike_conn_for_ts(&d, &l, &p, &peer_id, &our_id, &tsi, &tsr, &end);
	cr_assert_null(c, "only rw is left for that ID, and 10.9.1.0/24 is not its peer's");
}
