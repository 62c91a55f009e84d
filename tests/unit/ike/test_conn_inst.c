/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connection instances (ike/connection.h, ike/conn_inst.h): what an
 * instance copies from its template and what it makes its own; the
 * instance table's lookups by name, client address and peer ID among
 * 10,000 instances; an instance goes with its last user; whack's ways of
 * naming one.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "ike/conn_inst.h"

enum { N = 10000 };

static struct ike_inst_table t;

static void setup(void)
{
	rcu_register_thread();
	cr_assert_eq(crypto_init(), 0);
	cr_assert_eq(ike_inst_table_init(&t), 0);
}

static void teardown(void)
{
	ike_inst_table_fini(&t);
	rcu_barrier();
	rcu_unregister_thread();
}

TestSuite(conn_inst, .init = setup, .fini = teardown);

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

/* "rw": 192.0.2.1 [@gw] 10.2.0.0/16 ... %any (any ID) 10.1.0.0/16 */
static struct connection *template(const char *name)
{
	struct conn_spec s;
	struct connection *c;
	char err[300];

	conn_spec_init(&s);
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.policy |= POL_PSK | POL_ENCRYPT | POL_TUNNEL;
	s.end[0].host_kind = HOST_ADDR;
	s.end[0].host = addr("192.0.2.1");
	s.end[0].id = strdup("@gw");
	s.end[0].has_client = true;
	cr_assert_eq(ip_subnet_parse("10.2.0.0/16", &s.end[0].client), 0);
	s.end[1].host_kind = HOST_ANY;
	cr_assert_eq(ike_connection_new(&s, 1, &c, err, sizeof(err)), 0, "%s", err);
	conn_spec_fini(&s);
	return c;
}

static struct ike_id id(const char *s)
{
	struct ike_id i;
	char why[200];
	cr_assert_eq(ike_id_parse(s, &i, why, sizeof(why)), 0, "%s: %s", s, why);
	return i;
}

/* Publish an instance of tmpl for peer with ID pid, with one user (an SA's). */
static struct connection *inst(struct connection *tmpl, const char *peer, const char *pid)
{
	struct ip_addr a = addr(peer);
	struct ike_id i = id(pid);
	struct connection *c;

	cr_assert_eq(ike_conn_instantiate(tmpl, 0, &a, &i, 100, 0, &c), 0);
	ike_inst_publish(&t, c);
	ike_conn_use(c);
	return c;
}

Test(conn_inst, an_instance_is_the_template_for_one_client)
{
	struct connection *rw = template("rw"), *a, *b;
	char buf[128];

	cr_assert(ike_conn_is_template(rw));
	a = inst(rw, "198.51.100.7", "@alice");
	b = inst(rw, "198.51.100.8", "@bob");
	cr_assert_not(ike_conn_is_template(a), "an instance is no template");
	cr_assert(ike_conn_is_instance(a));
	cr_assert_eq(ike_conn_family(a), rw);
	cr_assert_eq(a->inst.no, 1);
	cr_assert_eq(b->inst.no, 2);
	cr_assert_str_eq(ike_conn_instance_str(a, buf, sizeof(buf)), "\"rw\"[1] 198.51.100.7");
	cr_assert_str_eq(ike_conn_name_str(b, buf, sizeof(buf)), "\"rw\"[2]");
	cr_assert_str_eq(ike_conn_instance_str(rw, buf, sizeof(buf)), "\"rw\"");
	cr_assert_str_eq(a->node.name, "rw[1]");
	/* its peer end is the client: address, ID, selector */
	cr_assert_eq(ike_conn_host_kind(a, 1), HOST_ADDR);
	cr_assert(ip_addr_eq(ike_conn_host(a, 1), &a->inst.client));
	struct ike_id want = id("@alice");
	cr_assert(ike_id_eq(a->id[1], &want));
	cr_assert_str_eq(ike_ts_str(a->ts[1], buf, sizeof(buf)), "198.51.100.7/32");
	cr_assert_str_eq(ike_ts_str(a->ts[0], buf, sizeof(buf)), "10.2.0.0/16");
	/* the template itself is unchanged: still %any, any ID */
	cr_assert_eq(rw->spec->end[1].host_kind, HOST_ANY);
	cr_assert(ike_id_is_any(rw->id[1]));
	cr_assert_eq(atomic_load(&rw->children_up), 0);
	/*
	 * The configuration is the template's, shared and not copied (issue 14:
	 * a million clients); the instance holds only what is its client's.
	 */
	cr_assert_eq(a->cfg, rw->cfg);
	cr_assert_eq(a->spec, rw->spec);
	cr_assert_eq(a->id[0], rw->id[0], "our ID is the template's");
	cr_assert_neq(a->id[1], rw->id[1], "the peer's ID is the client's own");
	cr_assert_leq(sizeof(struct connection), 640, "an instance grew to %zu bytes",
		      sizeof(struct connection));
	ike_conn_unuse(&t, a);
	ike_conn_unuse(&t, b);
	cr_assert_eq(ike_inst_count(&t), 0, "the last user took the instances with it");
	ike_connection_unref(rw);
}

struct counter {
	unsigned n;
	const struct connection *want;
	bool found;
};

static bool count_one(struct connection *c, void *ctx)
{
	struct counter *k = ctx;
	k->n++;
	k->found |= c == k->want;
	return true;
}

Test(conn_inst, lookups_among_ten_thousand)
{
	struct connection *rw = template("rw"), *other = template("other");
	static struct connection *v[N];
	char a[64], i[64];

	for (unsigned k = 0; k < N; k++) {
		snprintf(a, sizeof(a), "10.%u.%u.%u", k / 65536, (k / 256) % 256, k % 256);
		/* two clients behind each of the first 100 addresses (one NAT) */
		if (k >= N - 100)
			snprintf(a, sizeof(a), "10.0.0.%u", k - (N - 100));
		snprintf(i, sizeof(i), "@client%u", k % (N / 2));	/* each ID twice */
		v[k] = inst(k % 2 ? other : rw, a, i);
	}
	cr_assert_eq(ike_inst_count(&t), N);

	struct connection *c = ike_inst_find_ref(&t, "rw[77]");
	cr_assert_not_null(c);
	cr_assert_eq(c, v[2 * 76], "rw's 77th instance is v[152]");
	ike_connection_unref(c);
	cr_assert_null(ike_inst_find_ref(&t, "rw[5001]"), "rw has 5000 instances");
	cr_assert_null(ike_inst_find_ref(&t, "nosuch[1]"));

	/* @client3 is v[3] (other) and v[5003] (other): by template and ID */
	struct ike_id pid = id("@client3");
	struct counter byid = { .want = v[3] };
	rcu_read_lock();
	ike_inst_by_id_each_rcu(&t, other, &pid, count_one, &byid);
	rcu_read_unlock();
	cr_assert_eq(byid.n, 2);
	cr_assert(byid.found);
	struct counter none = { 0 };
	rcu_read_lock();
	ike_inst_by_id_each_rcu(&t, rw, &pid, count_one, &none);
	rcu_read_unlock();
	cr_assert_eq(none.n, 0, "@client3 never came to rw");

	for (unsigned n = 0; n < N; n++)
		ike_conn_unuse(&t, v[n]);
	cr_assert_eq(ike_inst_count(&t), 0);
	ike_connection_unref(rw);
	ike_connection_unref(other);
}

/* Without --uniqueids, instances go in by name only: the ID index has nothing to walk. */
Test(conn_inst, without_the_id_index)
{
	struct connection *rw = template("rw");
	struct ike_id pid = id("@shared");
	struct connection *v[3];

	for (unsigned k = 0; k < 3; k++) {
		struct ip_addr a = addr(k == 0 ? "10.0.0.1" : k == 1 ? "10.0.0.2" : "10.0.0.3");
		cr_assert_eq(ike_conn_instantiate(rw, 0, &a, &pid, 100 + k, 0, &v[k]), 0);
		ike_inst_publish_ids(&t, v[k], k == 2);	/* the third one by ID too */
		ike_conn_use(v[k]);
	}
	cr_assert_eq(ike_inst_count(&t), 3);
	struct connection *c = ike_inst_find_ref(&t, "rw[1]");
	cr_assert_eq(c, v[0], "found by name");
	ike_connection_unref(c);
	struct counter byid = { .want = v[2] };
	rcu_read_lock();
	ike_inst_by_id_each_rcu(&t, rw, &pid, count_one, &byid);
	rcu_read_unlock();
	cr_assert_eq(byid.n, 1, "only the one published by ID is found by ID");
	cr_assert(byid.found);
	for (unsigned k = 0; k < 3; k++)
		ike_conn_unuse(&t, v[k]);
	cr_assert_eq(ike_inst_count(&t), 0);
	ike_connection_unref(rw);
}

Test(conn_inst, whack_names_an_instance)
{
	char key[80];
	static const char *const good[][2] = {
		{ "rw[3]", "rw[3]" },
		{ "\"rw\"[3]", "rw[3]" },
		{ "\"rw[3]\"", "rw[3]" },
		{ "road-warrior.1[12]", "road-warrior.1[12]" },
	};
	static const char *const bad[] = {
		"rw", "rw[]", "rw[0]", "rw[x]", "[3]", "rw[3", "rw[3]x", "\"rw\"[3]\"", "rw[-1]",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert(ike_inst_name_key(good[i][0], key, sizeof(key)), "%s", good[i][0]);
		cr_assert_str_eq(key, good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(ike_inst_name_key(bad[i], key, sizeof(key)), "%s accepted", bad[i]);
}

/* left=%any, right=us: the same template, mirrored; the instance's client is end 0. */
Test(conn_inst, a_mirrored_template)
{
	struct conn_spec s;
	struct connection *t0, *c;
	struct ip_addr peer = addr("198.51.100.9");
	struct ike_id pid = id("@mirror");
	char err[300], buf[80];

	conn_spec_init(&s);
	snprintf(s.name, sizeof(s.name), "m");
	s.policy |= POL_PSK | POL_ENCRYPT | POL_TUNNEL;
	s.end[0].host_kind = HOST_ANY;
	s.end[1].host_kind = HOST_ADDR;
	s.end[1].host = addr("192.0.2.1");
	cr_assert_eq(ike_connection_new(&s, 1, &t0, err, sizeof(err)), 0, "%s", err);
	conn_spec_fini(&s);
	cr_assert(ike_conn_is_template(t0));
	cr_assert_eq(ike_conn_instantiate(t0, 1, &peer, &pid, 2, 0, &c), 0);
	cr_assert_eq(ike_conn_host_kind(c, 0), HOST_ADDR);
	cr_assert(ip_addr_eq(ike_conn_host(c, 0), &peer));
	cr_assert(ike_id_eq(c->id[0], &pid));
	cr_assert_str_eq(ike_ts_str(c->ts[0], buf, sizeof(buf)), "198.51.100.9/32");
	cr_assert_not(ike_conn_is_template(c));
	ike_connection_free(c);
	ike_connection_unref(t0);
}
