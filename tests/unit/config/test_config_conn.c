/* SPDX-License-Identifier: BSD-2-Clause */
/* conn sections: %default, also= and alsoflip=, auth, shunts, and where errors are reported. */
#include "conf_test.h"

Test(config_conn, default_fills_what_a_conn_leaves_unset)
{
	struct parsed p;
	struct conn_spec s;

	parse_text(&p, "conn %default\n"
		       "\tikelifetime=2h\n"
		       "\tauthby=secret\n"
		       "\tleftid=@default\n"
		       "conn a\n"
		       "\tleft=192.0.2.1\n"
		       "\tright=192.0.2.2\n"
		       "\tleftid=@own\n"
		       "\tauto=add\n"
		       "conn %default\n" /* a second %default section, other keywords */
		       "\tsalifetime=20m\n");
	cr_assert_eq(p.rc, 0);
	spec_of(conn_of(&p, "a"), &s);
	cr_assert_eq(s.ike_lifetime, 7200);
	cr_assert_eq(s.ipsec_lifetime, 1200, "%%default after the conn applies too");
	cr_assert_str_eq(s.end[0].id, "@own", "the conn's own setting wins");
	cr_assert(s.policy & POL_PSK);
	cr_assert_eq(conn_of(&p, "a")->autostart, CONF_AUTO_ADD);
	conn_spec_fini(&s);
	cr_assert_null(conf_set_find(&p.set, "%default"), "%%default is not a conn");
	parsed_fini(&p);
}

Test(config_conn, default_keyword_twice_is_an_error)
{
	struct parsed p;

	parse_text(&p, "conn %default\n\tikelifetime=2h\nconn %default\n\tikelifetime=3h\n");
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "t.conf:4: conn %default: ikelifetime= has a default "
			   "already (at t.conf:2)"));
	parsed_fini(&p);
	parse_text(&p, "conn %default\n\talso=x\nconn x\n\tleft=192.0.2.1\n");
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:2: conn %default: also= is not allowed"));
	parsed_fini(&p);
}

Test(config_conn, also_chain_first_setting_wins)
{
	struct parsed p;
	struct conn_spec s;

	/* a -> b -> c, and a -> d: a's own, then b, then c (depth first), then d. */
	parse_text(&p, "conn a\n"
		       "\tleft=192.0.2.1\n"
		       "\talso=b\n"
		       "\talso=d\n"
		       "\tauto=start\n"
		       "conn b\n"
		       "\tright=192.0.2.2\n"
		       "\tleft=192.0.2.99\n" /* a's own left= wins */
		       "\talso=c\n"
		       "conn c\n"
		       "\tikelifetime=1h\n"
		       "\tauthby=secret\n"
		       "\trightsubnet=10.2.0.0/16\n"
		       "conn d\n"
		       "\tikelifetime=2h\n" /* c came first */
		       "\tleftsubnet=10.1.0.0/16\n");
	cr_assert_eq(p.rc, 0);
	spec_of(conn_of(&p, "a"), &s);
	cr_assert_eq(s.ike_lifetime, 3600);
	cr_assert_str_eq(opt_value(conn_of(&p, "a"), WO_HOST, WHACK_END_LEFT), "192.0.2.1");
	cr_assert_str_eq(opt_value(conn_of(&p, "a"), WO_CLIENT, WHACK_END_LEFT), "10.1.0.0/16");
	cr_assert_str_eq(opt_value(conn_of(&p, "a"), WO_CLIENT, WHACK_END_RIGHT), "10.2.0.0/16");
	cr_assert_eq(conn_of(&p, "a")->autostart, CONF_AUTO_START);
	cr_assert_eq(conn_of(&p, "b")->autostart, CONF_AUTO_IGNORE,
		     "auto= is not inherited "
		     "backwards");
	conn_spec_fini(&s);
	parsed_fini(&p);
}

Test(config_conn, also_several_names_in_one_value)
{
	struct parsed p;

	parse_text(&p, "conn a\n\talso=\"hosts auth\"\n"
		       "conn hosts\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		       "conn auth\n\tauthby=secret\n");
	cr_assert_eq(p.rc, 0);
	cr_assert(conn_of(&p, "a")->ok);
	parsed_fini(&p);
}

Test(config_conn, also_loops_are_found)
{
	struct parsed p;
	char all[2048];

	parse_text(&p, "conn a\n\talso=b\nconn b\n\talso=c\nconn c\n\talso=a\n");
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "t.conf:6: conn c: also=a: also= loop (a -> b -> c -> a)"),
		  "%s", diag_all(&p.d, all, sizeof(all)));
	parsed_fini(&p);

	parse_text(&p, "conn self\n\tleft=192.0.2.1\n\talso=self\n");
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "t.conf:3: conn self: also=self: also= loop (self -> self)"),
		  "%s", diag_all(&p.d, all, sizeof(all)));
	parsed_fini(&p);
}

Test(config_conn, also_errors)
{
	struct parsed p;
	char all[2048];

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\talso=nosuch\n");
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "t.conf:3: conn a: also=nosuch: no conn section of "
			   "that name"));
	parsed_fini(&p);

	/* a appends d twice, through b and through c. */
	parse_text(&p, "conn a\n\talso=b\n\talso=c\nconn b\n\talso=d\nconn c\n\talso=d\n"
		       "conn d\n\tleft=192.0.2.1\n");
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "t.conf:7: conn c: also=d: conn d is appended to conn a "
			   "twice"),
		  "%s", diag_all(&p.d, all, sizeof(all)));
	parsed_fini(&p);
}

Test(config_conn, alsoflip_swaps_left_and_right)
{
	struct parsed p;
	const struct conf_conn *c;

	parse_text(&p, "conn west-view\n"
		       "\tleft=192.0.2.1\n\tleftsubnet=10.1.0.0/16\n\tleftid=@west\n"
		       "\tright=192.0.2.2\n\trightsubnet=10.2.0.0/16\n\trightid=@east\n"
		       "\tauthby=secret\n"
		       "conn east-view\n\talsoflip=west-view\n\tauto=add\n");
	cr_assert_eq(p.rc, 0);
	c = conn_of(&p, "east-view");
	cr_assert(c->ok);
	cr_assert_str_eq(opt_value(c, WO_HOST, WHACK_END_LEFT), "192.0.2.2");
	cr_assert_str_eq(opt_value(c, WO_CLIENT, WHACK_END_LEFT), "10.2.0.0/16");
	cr_assert_str_eq(opt_value(c, WO_ID, WHACK_END_LEFT), "@east");
	cr_assert_str_eq(opt_value(c, WO_HOST, WHACK_END_RIGHT), "192.0.2.1");
	cr_assert_str_eq(opt_value(c, WO_ID, WHACK_END_RIGHT), "@west");
	cr_assert_not_null(opt_value(c, WO_PSK, WHACK_END_NONE), "wide keywords stay");
	parsed_fini(&p);
}

Test(config_conn, file_level_errors_are_all_reported)
{
	struct parsed p;
	char all[2048];

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tleftsubnett=10.0.0.0/8\n"
		       "conn b\n\tikeport=600\n\tlifetime=1h\n\tsalifetime=2h\n");
	cr_assert_eq(p.rc, -EINVAL);
	diag_all(&p.d, all, sizeof(all));
	cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:3: conn a: unknown keyword 'leftsubnett'"),
		  "%s", all);
	cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:5: conn b: ikeport is a config setup keyword"),
		  "%s", all);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "t.conf:7: conn b: salifetime= sets what lifetime= set "
			   "already (at t.conf:6)"),
		  "%s", all);
	cr_assert_eq(p.d.errors, 3, "%s", all);
	parsed_fini(&p);
}

Test(config_conn, conn_errors_stay_with_their_conn)
{
	struct parsed p;
	const struct conf_conn *bad, *good;
	char all[2048];

	parse_text(&p, "conn good\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"
		       "\tauto=start\n"
		       "conn bad\n\talso=good\n\tcompress=yes\n\tmodecfgdns2=192.0.2.54\n"
		       "\tauto=add\n");
	cr_assert_eq(p.rc, 0, "a conn that cannot be loaded does not make the file malformed");
	cr_assert_eq(p.d.n, 0);
	good = conn_of(&p, "good");
	bad = conn_of(&p, "bad");
	cr_assert(good->ok);
	cr_assert_not(bad->ok);
	diag_all(&bad->diag, all, sizeof(all));
	cr_assert(diag_has(&bad->diag, CONF_CONN_ERROR, "t.conf:8: conn bad: compress=yes: "), "%s",
		  all);
	cr_assert(diag_has(&bad->diag, CONF_CONN_ERROR, "t.conf:9: conn bad: modecfgdns2=192.0.2.54: "), "%s",
		  all);
	cr_assert_eq(bad->diag.conn_errors, 2, "every reason is given: %s", all);
	cr_assert_str_eq(bad->file, "t.conf");
	cr_assert_eq(bad->line, 6);
	cr_assert_eq(bad->autostart, CONF_AUTO_ADD);
	parsed_fini(&p);
}

Test(config_conn, whack_cross_checks_name_the_conn)
{
	struct parsed p;
	const struct conf_conn *c;
	char all[2048];

	parse_text(&p, "\nconn x\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"
		       "\tleftsubnet=10.1.0.0/16\n\tleftsourceip=10.9.0.1\n");
	cr_assert_eq(p.rc, 0);
	c = conn_of(&p, "x");
	cr_assert_not(c->ok);
	cr_assert(diag_has(&c->diag, CONF_CONN_ERROR,
			   "t.conf:2: conn x: cannot be loaded: --srcip "
			   "10.9.0.1 (left end): not inside that end's "
			   "--client 10.1.0.0/16"),
		  "%s", diag_all(&c->diag, all, sizeof(all)));
	parsed_fini(&p);

	parse_text(&p, "conn y\n\tleft=%any\n\tright=%any\n\tauthby=secret\n");
	c = conn_of(&p, "y");
	cr_assert_not(c->ok);
	cr_assert(diag_has(&c->diag, CONF_CONN_ERROR, "neither end has an IP address"));
	parsed_fini(&p);
}

Test(config_conn, defaultroute)
{
	struct parsed p;
	const struct conf_conn *c;
	char all[1024];

	/* left=%defaultroute overrides leftnexthop= (ipsec.conf(5)). */
	parse_text(&p, "conn rw\n\tleft=%defaultroute\n\tleftnexthop=192.0.2.254\n"
		       "\tright=203.0.113.1\n\tauthby=secret\n");
	c = conn_of(&p, "rw");
	cr_assert(c->ok, "%s", diag_all(&c->diag, all, sizeof(all)));
	cr_assert_str_eq(opt_value(c, WO_HOST, WHACK_END_LEFT), "198.51.100.7");
	cr_assert_str_eq(opt_value(c, WO_NEXTHOP, WHACK_END_LEFT), "198.51.100.1");
	parsed_fini(&p);

	/* The family comes from the other end. */
	parse_text(&p, "conn rw6\n\tleft=%defaultroute\n\tright=2001:db8::1\n\tauthby=secret\n");
	c = conn_of(&p, "rw6");
	cr_assert(c->ok, "%s", diag_all(&c->diag, all, sizeof(all)));
	cr_assert_str_eq(opt_value(c, WO_HOST, WHACK_END_LEFT), "2001:db8:ff::7");
	parsed_fini(&p);

	parse_text_env(&p, "conn rw\n\tleft=%defaultroute\n\tright=203.0.113.1\n\tauthby=secret\n",
		       &no_route_env);
	c = conn_of(&p, "rw");
	cr_assert_not(c->ok);
	cr_assert(diag_has(&c->diag, CONF_CONN_ERROR,
			   "t.conf:2: conn rw: left=%defaultroute: "
			   "%defaultroute: this host has no default route"));
	parsed_fini(&p);

	parse_text(&p, "conn both\n\tleft=%defaultroute\n\tright=%defaultroute\n\tauthby=secret\n");
	cr_assert(diag_has(&conn_of(&p, "both")->diag, CONF_CONN_ERROR,
			   "left and right are both %defaultroute"));
	parsed_fini(&p);
}

Test(config_conn, asymmetric_auth)
{
	struct parsed p;
	const struct conf_conn *c;

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		       "\tleftauth=secret\n\trightauth=psk\n");
	c = conn_of(&p, "a");
	cr_assert(c->ok);
	cr_assert_str_eq(opt_value(c, WO_AUTHBY, WHACK_END_LEFT), "psk");
	cr_assert_str_eq(opt_value(c, WO_AUTHBY, WHACK_END_RIGHT), "psk");
	parsed_fini(&p);

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tleftauth=secret\n");
	cr_assert(diag_has(&conn_of(&p, "a")->diag, CONF_CONN_ERROR,
			   "rightauth= is not set: expected both"));
	parsed_fini(&p);

	/* a certificate one way, a pre-shared key the other */
	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		       "\tleftauth=rsasig\n\trightauth=secret\n\tleftcert=west\n");
	c = conn_of(&p, "a");
	cr_assert(c->ok);
	cr_assert_str_eq(opt_value(c, WO_AUTHBY, WHACK_END_LEFT), "rsasig");
	cr_assert_str_eq(opt_value(c, WO_AUTHBY, WHACK_END_RIGHT), "psk");
	cr_assert_str_eq(opt_value(c, WO_CERT, WHACK_END_LEFT), "west");
	parsed_fini(&p);

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		       "\tleftauth=eaponly\n\trightauth=secret\n");
	cr_assert(diag_has(&conn_of(&p, "a")->diag, CONF_CONN_ERROR,
			   "t.conf:4: conn a: leftauth=eaponly: EAP authentication: not supported yet"));
	parsed_fini(&p);

	/* No authby= at all: libreswan's default, RSA or ECDSA signatures (whack's too). */
	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n");
	c = conn_of(&p, "a");
	cr_assert(c->ok);
	cr_assert_null(opt_value(c, WO_PSK, WHACK_END_NONE));
	cr_assert_null(opt_value(c, WO_RSASIG, WHACK_END_NONE));
	parsed_fini(&p);
}

Test(config_conn, shunts)
{
	struct parsed p;
	const struct conf_conn *c;
	struct conn_spec s;

	parse_text(&p, "conn clear\n\tleft=192.0.2.1\n\tright=%any\n\tleftsubnet=10.1.0.0/16\n"
		       "\trightsubnet=10.9.0.0/16\n\ttype=passthrough\n\tauthby=never\n"
		       "\tauto=route\n"
		       "conn blackhole\n\tleft=192.0.2.1\n\tright=0.0.0.0\n"
		       "\trightsubnet=203.0.113.0/24\n\ttype=drop\n\tauto=start\n");
	cr_assert_eq(p.rc, 0);
	c = conn_of(&p, "clear");
	cr_assert(c->shunt);
	cr_assert_eq(c->autostart, CONF_AUTO_ONDEMAND);
	spec_of(c, &s);
	cr_assert(conn_spec_is_shunt(&s));
	cr_assert_eq(s.prospective, SHUNT_PASS);
	cr_assert_not(s.policy & (POL_PSK | POL_ENCRYPT));
	conn_spec_fini(&s);
	c = conn_of(&p, "blackhole");
	cr_assert(c->shunt, "no authby= needed for a shunt");
	spec_of(c, &s);
	cr_assert_eq(s.prospective, SHUNT_DROP);
	cr_assert_eq(s.end[1].host_kind, HOST_ANY);
	conn_spec_fini(&s);
	parsed_fini(&p);
}

Test(config_conn, transport_and_tunnel)
{
	struct parsed p;
	struct conn_spec s;

	parse_text(&p, "conn tr\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"
		       "\ttype=transport\n"
		       "conn tu\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n");
	spec_of(conn_of(&p, "tr"), &s);
	cr_assert(s.policy & POL_ENCRYPT);
	cr_assert_not(s.policy & POL_TUNNEL);
	conn_spec_fini(&s);
	spec_of(conn_of(&p, "tu"), &s);
	cr_assert(s.policy & POL_TUNNEL, "type=tunnel is the default, host to host too");
	conn_spec_fini(&s);
	parsed_fini(&p);
}

Test(config_conn, aliases_find_a_conn)
{
	struct parsed p;

	parse_text(&p, "conn real\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"
		       "\tconnalias=\"one two\"\n");
	cr_assert_str_eq(conf_set_find(&p.set, "two")->name, "real");
	cr_assert_str_eq(conf_set_find(&p.set, "real")->name, "real");
	cr_assert_null(conf_set_find(&p.set, "three"));
	cr_assert_str_eq(conf_auto_name(conf_set_find(&p.set, "one")->autostart), "ignore");
	parsed_fini(&p);
}

Test(config_conn, empty_value_means_the_default)
{
	struct parsed p;
	struct conn_spec s;

	/* ikelifetime= in the conn hides %default's and leaves pluto's default. */
	parse_text(&p, "conn %default\n\tikelifetime=2h\nconn a\n\tleft=192.0.2.1\n"
		       "\tright=192.0.2.2\n\tauthby=secret\n\tikelifetime=\n");
	spec_of(conn_of(&p, "a"), &s);
	cr_assert_eq(s.ike_lifetime, IKE_LIFETIME_DEFAULT);
	conn_spec_fini(&s);
	parsed_fini(&p);
}

/* The key form a public key form carries: --keyid and --pubkeyrsa. */
static void assert_key_form(const struct whack_cmd *k, const char *id, const char *key)
{
	const struct whack_optval *v;

	cr_assert_not_null(k, "no public key form for %s", id);
	cr_assert_eq(k->ops, 1ull << WOP_ADD_KEY);
	v = whack_cmd_find(k, WO_KEYID, WHACK_END_NONE);
	cr_assert(v && !strcmp(v->value, id), "--keyid %s, expected %s", v ? v->value : "none",
		  id);
	v = whack_cmd_find(k, WO_PUBKEYRSA, WHACK_END_NONE);
	cr_assert(v && !strcmp(v->value, key));
	cr_assert_null(whack_cmd_find(k, WO_ADDKEY, WHACK_END_NONE), "rsasigkey= replaces");
}

/* leftrsasigkey=/rightrsasigkey=: a public key form for that end's ID, as addconn sends. */
Test(config_conn, raw_rsa_keys)
{
	static const char k1[] = "0sAwEAAaf3", k2[] = "0x03010001c0ffee";
	struct parsed p;
	const struct conf_conn *c;
	char all[2048];

	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tleftid=@west\n\tright=%any\n"
		       "\trightid=@east\n\tauthby=rsasig\n\tleftrsasigkey=0sAwEAAaf3\n"
		       "\trightrsasigkey=0x03010001c0ffee\n");
	c = conn_of(&p, "a");
	cr_assert(c->ok, "%s", diag_all(&c->diag, all, sizeof(all)));
	assert_key_form(c->keys[0], "@west", k1);
	assert_key_form(c->keys[1], "@east", k2);
	/* the connection form itself carries no key */
	cr_assert_null(opt_value(c, WO_PUBKEYRSA, WHACK_END_NONE));
	parsed_fini(&p);

	/* without leftid=, the address of left= */
	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=rsasig\n"
		       "\tleftrsasigkey=0sAwEAAaf3\n");
	c = conn_of(&p, "a");
	cr_assert(c->ok);
	assert_key_form(c->keys[0], "192.0.2.1", k1);
	cr_assert_null(c->keys[1]);
	parsed_fini(&p);

	/* %any and no rightid=: whose key would it be? */
	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=%any\n\tauthby=rsasig\n"
		       "\trightrsasigkey=0sAwEAAaf3\n");
	c = conn_of(&p, "a");
	cr_assert_not(c->ok);
	cr_assert_null(c->keys[1]);
	cr_assert(diag_has(&c->diag, CONF_CONN_ERROR,
			   "t.conf:5: conn a: rightrsasigkey=0sAwEAAaf3: a raw public key needs "
			   "rightid= naming one peer"), "%s", diag_all(&c->diag, all, sizeof(all)));
	parsed_fini(&p);

	/* %cert and %none: no key form */
	parse_text(&p, "conn a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=rsasig\n"
		       "\tleftrsasigkey=%cert\n\trightrsasigkey=%none\n");
	c = conn_of(&p, "a");
	cr_assert(c->ok);
	cr_assert_null(c->keys[0]);
	cr_assert_null(c->keys[1]);
	parsed_fini(&p);
}
