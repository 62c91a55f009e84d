/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Road warriors on one %any connection (a template): each client that
 * authenticates gets an instance, "rw"[N] ADDR, which owns its SAs and
 * policies; a client that leaves or expires takes exactly its own kernel
 * state with it (the policy leak of issue 9); ID-based switching picks
 * the template that names the client's ID; --uniqueids replaces a
 * returning ID's IKE SA make before break, and --uniqueids=no keeps both.
 *
 * East (127.0.0.2) is the concentrator; west (127.0.0.1) plays the
 * clients, each with its own ID and client subnet (c1: @c1 10.1.1.0/24,
 * c2: @c2 10.1.2.0/24). Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/xch.h"
#include "ike/conn_inst.h"
#include "ike/ike_cmd.h"

TestSuite(instances, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

#define RW_ANY "--host 127.0.0.2 --id @east --client 10.2.0.0/16 --to --host %any "
#define RW "--name rw " RW_ANY "--client 10.1.0.0/16 --psk --encrypt"
#define CLIENT(n, id, sub)                                                                        \
	"--name " n " --host 127.0.0.1 --id " id " --client " sub                                 \
	" --to --host 127.0.0.2 --id @east --client 10.2.0.0/16 --psk --encrypt"

static void clients(void)
{
	xch_conn_add(XCH_WEST, CLIENT("c1", "@c1", "10.1.1.0/24"));
	xch_conn_add(XCH_WEST, CLIENT("c2", "@c2", "10.1.2.0/24"));
}

/* West brings client `name` up: IKE_SA_INIT, IKE_AUTH, and nothing left in flight. */
static void client_up(const char *name)
{
	xch_initiate(XCH_WEST, name);
	xch_run_until_quiet();
	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_not(xch_pending(XCH_EAST));
}

/* Side's IKE SA of connection (or instance) `key` ("c1", "rw[2]"), or NULL. */
static struct ike_sa *sa_of(enum xch_side side, const char *key)
{
	for (struct ike_sa *sa = xch_sa(side); sa; sa = sa->next)
		if (sa->conn && strcmp(sa->conn->node.name, key) == 0 && !sa->dead)
			return sa;
	return NULL;
}

static struct connection *inst_ref(const char *key)
{
	return ike_inst_find_ref(&xch_daemon(XCH_EAST)->insts, key);
}

static uint64_t inst_count(void)
{
	return ike_inst_count(&xch_daemon(XCH_EAST)->insts);
}

static void assert_ts(const struct ike_ts *ts, const char *want)
{
	char buf[80];
	cr_assert_str_eq(ike_ts_str(ts, buf, sizeof(buf)), want);
}

/* The template is configuration only: nothing of any client was ever written to it. */
static void assert_template_untouched(const char *name)
{
	struct connection *t = xch_conn(XCH_EAST, name);

	cr_assert(ike_conn_is_template(t));
	cr_assert_eq(atomic_load(&t->children_up), 0, "\"%s\" counts Child SAs", name);
	cr_assert_eq(atomic_load(&t->policy_owner), 0, "\"%s\" owns policies", name);
	cr_assert_eq(atomic_load(&t->routing), CONN_UNROUTED);
	cr_assert_eq(t->spec->end[1].host_kind, HOST_ANY);
	cr_assert(ike_id_is_any(t->id[1]));
}

struct rows_arg {
	struct ike_sa_rows rows;
	int rc;
};

static void get_rows(struct ike_daemon *d, void *arg)
{
	struct rows_arg *r = arg;
	r->rc = ike_cmd_sa_rows(d, IKE_ROWS_CHILDREN_ONLY, &r->rows);
}

Test(instances, each_client_gets_its_own_instance)
{
	char buf[128];

	xch_conn_add(XCH_EAST, RW);
	clients();
	client_up("c1");
	client_up("c2");

	cr_assert_eq(xch_sa_count(XCH_EAST), 2);
	cr_assert_eq(inst_count(), 2);
	struct ike_sa *a = sa_of(XCH_EAST, "rw[1]"), *b = sa_of(XCH_EAST, "rw[2]");
	cr_assert_not_null(a, "no IKE SA on \"rw\"[1]");
	cr_assert_not_null(b, "no IKE SA on \"rw\"[2]");
	cr_assert_eq(a->state, IKE_ESTABLISHED);
	cr_assert_eq(b->state, IKE_ESTABLISHED);
	cr_assert_str_eq(ike_conn_instance_str(a->conn, buf, sizeof(buf)), "\"rw\"[1] 127.0.0.1");
	cr_assert_str_eq(ike_conn_instance_str(b->conn, buf, sizeof(buf)), "\"rw\"[2] 127.0.0.1");
	cr_assert_eq(a->conn->inst.tmpl, xch_conn(XCH_EAST, "rw"));
	cr_assert_neq(a->conn, b->conn);
	/* each instance owns its client's Child SA and its policies */
	for (struct ike_sa *sa = a; sa; sa = sa == a ? b : NULL) {
		struct child_sa *c = sa->children;
		cr_assert_not_null(c);
		cr_assert_eq(c->conn, sa->conn, "the Child SA serves the instance");
		cr_assert_eq(atomic_load(&sa->conn->children_up), 1);
		cr_assert_eq(atomic_load(&sa->conn->policy_owner), c->serial);
		cr_assert_eq(sa->conn->inst.users, 2, "its IKE SA and its Child SA");
		cr_assert_eq(sa->conn->inst.sas, sa);
	}
	assert_ts(&a->children->ts_remote, "10.1.1.0/24");
	assert_ts(&b->children->ts_remote, "10.1.2.0/24");
	struct ike_id c1 = { 0 };
	char why[100];
	cr_assert_eq(ike_id_parse("@c1", &c1, why, sizeof(why)), 0);
	cr_assert(ike_id_eq(a->conn->id[1], &c1), "the instance's peer ID is the client's");
	assert_template_untouched("rw");

	/* the instance table: by name (whack's rw[2]) and by client address */
	struct connection *found = inst_ref("rw[2]");
	cr_assert_eq(found, b->conn);
	ike_connection_unref(found);
	cr_assert_null(inst_ref("rw[3]"));

	/* the listings name the instances as libreswan does */
	struct rows_arg r = { 0 };
	xch_ctl(XCH_EAST, get_rows, &r);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.rows.n, 2);
	cr_assert_str_eq(r.rows.v[0]->conn, "\"rw\"[1] 127.0.0.1");
	cr_assert_str_eq(r.rows.v[1]->conn, "\"rw\"[2] 127.0.0.1");
	ike_sa_rows_free(&r.rows);
}

/*
 * The leak of issue 9: with two clients up, the older one leaving took
 * only its two SAs out (its policies had been written over by the newer
 * client's "owner" on the shared connection). Now: exactly its 3
 * policies and 2 SAs, and nothing of the other client.
 */
static void assert_only_c1_removed(unsigned since)
{
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, "10.1.1.0/24", since), 3,
		     "the leaving client's out, in and fwd policies");
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, "10.1.2.0/24", since), 0,
		     "the other client's policies stay");
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, NULL, since), 3);
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_SA_DELETE, NULL, since), 2);
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_ADD, NULL, since), 0,
		     "no trap or shunt put back for a road warrior");
}

Test(instances, older_client_leaves_with_exactly_its_state)
{
	xch_conn_add(XCH_EAST, RW);
	clients();
	client_up("c1");
	client_up("c2");
	struct ike_sa *a = sa_of(XCH_EAST, "rw[1]");
	cr_assert_not_null(a);
	uint32_t spi_in = a->children->spi_in, spi_out = a->children->spi_out;
	unsigned since = xch_kernel_op_count();

	ike_sa_delete(sa_of(XCH_WEST, "c1"), true);
	xch_run_until_quiet();

	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	assert_only_c1_removed(since);
	cr_assert_gt(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, spi_in), since);
	cr_assert_gt(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, spi_out), since);
	/* the instance went with its client; the other one is intact */
	cr_assert_null(inst_ref("rw[1]"), "\"rw\"[1] outlived its SAs");
	cr_assert_eq(inst_count(), 1);
	struct ike_sa *b = sa_of(XCH_EAST, "rw[2]");
	cr_assert_not_null(b);
	cr_assert_eq(atomic_load(&b->conn->children_up), 1);
	cr_assert_eq(atomic_load(&b->conn->policy_owner), b->children->serial);
	assert_template_untouched("rw");
}

Test(instances, older_client_expires_with_exactly_its_state)
{
	xch_conn_add(XCH_EAST, RW " --ipseclifetime 600 --dontrekey");
	clients();
	client_up("c1");
	xch_advance(XCH_EAST, 100 * 1000);
	client_up("c2");
	unsigned since = xch_kernel_op_count();

	/* c1's Child SA ends at 600 s, c2's at 700 s */
	xch_advance(XCH_EAST, 510 * 1000);
	xch_run_until_quiet();

	assert_only_c1_removed(since);
	struct ike_sa *a = sa_of(XCH_EAST, "rw[1]"), *b = sa_of(XCH_EAST, "rw[2]");
	cr_assert_not_null(a, "its IKE SA stays: only the Child SA expired");
	cr_assert_null(a->children);
	cr_assert_eq(atomic_load(&a->conn->children_up), 0);
	cr_assert_not_null(b->children);
	cr_assert_eq(atomic_load(&b->conn->children_up), 1);
	assert_template_untouched("rw");
}

/* libreswan's ID-based switching: the template naming the client's ID wins in IKE_AUTH. */
Test(instances, id_switching_picks_the_template_that_names_the_id)
{
	xch_conn_add(XCH_EAST, RW);	/* the oldest: chosen at IKE_SA_INIT */
	xch_conn_add(XCH_EAST, "--name named " RW_ANY "--id @c2 --client 10.1.0.0/16 --psk "
			       "--encrypt");
	clients();
	client_up("c1");
	client_up("c2");

	struct ike_sa *a = sa_of(XCH_EAST, "rw[1]"), *b = sa_of(XCH_EAST, "named[1]");
	cr_assert_not_null(a, "@c1 is on an instance of rw");
	cr_assert_not_null(b, "@c2 switched to an instance of \"named\"");
	cr_assert_eq(b->conn->inst.tmpl, xch_conn(XCH_EAST, "named"));
	cr_assert_eq(b->children->conn, b->conn);
	cr_assert_eq(atomic_load(&xch_conn(XCH_EAST, "rw")->last_instance), 1,
		     "@c2 never got an instance of rw");
	cr_assert_eq(inst_count(), 2);
	assert_template_untouched("rw");
}

/* --uniqueids: the same ID comes back; the new IKE SA is up before the old one goes. */
Test(instances, uniqueids_replaces_make_before_break)
{
	xch_conn_add(XCH_EAST, RW);
	clients();
	client_up("c1");
	struct ike_sa *old = sa_of(XCH_EAST, "rw[1]");
	cr_assert_not_null(old);
	uint64_t old_serial = old->serial;
	uint32_t old_in = old->children->spi_in;
	unsigned since = xch_kernel_op_count();

	client_up("c1");	/* the same client (ID @c1) again, on a new IKE SA */

	cr_assert_eq(xch_sa_count(XCH_EAST), 1, "the old IKE SA was deleted");
	struct ike_sa *now = sa_of(XCH_EAST, "rw[2]");
	cr_assert_not_null(now);
	cr_assert_neq(now->serial, old_serial);
	cr_assert_eq(now->state, IKE_ESTABLISHED);
	cr_assert_not_null(now->children);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_UNIQUEIDS_REPLACED), 1);
	cr_assert_null(inst_ref("rw[1]"));
	cr_assert_eq(inst_count(), 1);
	/* the peer was told: west's old IKE SA went with east's Delete */
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_IKE_DELETED), 1);
	/* make before break: the new policies were in before the old SA came out */
	unsigned added = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_POLICY_ADD, 0);
	unsigned removed = xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, old_in);
	cr_assert_gt(added, since);
	cr_assert_gt(removed, added, "the old SA went before the new policies were in");
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_ADD, "10.1.1.0/24", since), 3);
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, NULL, since), 0,
		     "the old Child SA took the new one's policies (same selectors) out");
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_SA_DELETE, NULL, since), 2);
	cr_assert_eq(atomic_load(&now->conn->policy_owner), now->children->serial);
	assert_template_untouched("rw");
}

/* Another ID is never replaced; and with --uniqueids=no the same ID keeps both. */
Test(instances, uniqueids_leaves_other_ids_and_no_keeps_both)
{
	xch_conn_add(XCH_EAST, RW);
	clients();
	client_up("c1");
	client_up("c2");
	cr_assert_eq(xch_sa_count(XCH_EAST), 2, "@c2 did not replace @c1");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_UNIQUEIDS_REPLACED), 0);

	xch_daemon(XCH_EAST)->uniqueids = false;
	unsigned since = xch_kernel_op_count();
	client_up("c1");
	cr_assert_eq(xch_sa_count(XCH_EAST), 3, "--uniqueids=no keeps both IKE SAs of @c1");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_UNIQUEIDS_REPLACED), 0);
	cr_assert_eq(inst_count(), 3);
	cr_assert_not_null(sa_of(XCH_EAST, "rw[1]"));
	cr_assert_not_null(sa_of(XCH_EAST, "rw[3]"));
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_SA_DELETE, NULL, since), 0);
	cr_assert_eq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, NULL, since), 0);
}

static void terminate_rw(struct ike_daemon *d, void *arg)
{
	*(unsigned *)arg = ike_cmd_terminate(d, xch_conn(XCH_EAST, "rw"), NULL, NULL);
}

static void terminate_inst(struct ike_daemon *d, void *arg)
{
	struct connection *c = inst_ref("rw[2]");

	*(unsigned *)arg = c ? ike_cmd_terminate(d, c, NULL, NULL) : 0;
	if (c)
		ike_connection_unref(c);
}

/* --terminate of an instance takes that client; of the template, every instance (peers told). */
Test(instances, terminate_instance_then_template)
{
	unsigned n = 0;

	xch_conn_add(XCH_EAST, RW);
	clients();
	client_up("c1");
	client_up("c2");

	xch_ctl(XCH_EAST, terminate_inst, &n);
	xch_run_until_quiet();
	cr_assert_eq(n, 1);
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "west was told");
	cr_assert_null(inst_ref("rw[2]"));
	cr_assert_not_null(sa_of(XCH_EAST, "rw[1]"));

	client_up("c2");	/* back as rw[3] */
	cr_assert_not_null(sa_of(XCH_EAST, "rw[3]"));
	xch_ctl(XCH_EAST, terminate_rw, &n);
	xch_run_until_quiet();
	cr_assert_eq(n, 2, "both instances of the template");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west was told");
	cr_assert_eq(inst_count(), 0);
}
