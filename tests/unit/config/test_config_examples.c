/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Configurations written the way libreswan's documentation writes them
 * (host to host, subnet to subnet, road warriors on both sides, IPv6,
 * L2TP transport, a bypass shunt, the stock ipsec.conf): each parses and
 * gives the connection description whack would give.
 */
#include "conf_test.h"

#include <sys/stat.h>
#include <unistd.h>

/* Parse text, apply its config setup, and check nothing at all was refused. */
static void parse_clean(struct parsed *p, const char *text, struct pluto_options *o)
{
	char all[4096];

	parse_text(p, text);
	cr_assert_eq(p->rc, 0, "%s", diag_all(&p->d, all, sizeof(all)));
	cr_assert_eq(conf_setup_apply(&p->f, o, &p->d), 0, "%s", diag_all(&p->d, all, sizeof(all)));
	for (size_t i = 0; i < p->set.n; i++) {
		const struct conf_conn *c = &p->set.v[i];
		cr_assert(c->ok, "conn %s: %s", c->name, diag_all(&c->diag, all, sizeof(all)));
	}
}

static void assert_subnet(const struct conn_end_spec *e, const char *want)
{
	char buf[IP_SUBNET_STRLEN];

	cr_assert(e->has_client, "no client, expected %s", want);
	cr_assert_str_eq(ip_subnet_str(&e->client, buf), want);
}

static void assert_host(const struct conn_end_spec *e, const char *want)
{
	char buf[IP_ADDR_STRLEN];

	cr_assert_eq(e->host_kind, HOST_ADDR);
	cr_assert_str_eq(ip_addr_str(&e->host, buf), want);
}

Test(config_examples, host_to_host_psk)
{
	struct pluto_options o;
	struct parsed p;
	struct conn_spec s;

	pluto_options_init(&o);
	parse_clean(&p,
		    "conn mytunnel\n"
		    "\tleft=192.1.2.23\n"
		    "\tleftid=@west\n"
		    "\tright=192.1.2.45\n"
		    "\trightid=@east\n"
		    "\tauthby=secret\n"
		    "\tauto=start\n",
		    &o);
	cr_assert_eq(conn_of(&p, "mytunnel")->autostart, CONF_AUTO_START);
	spec_of(conn_of(&p, "mytunnel"), &s);
	assert_host(&s.end[0], "192.1.2.23");
	assert_host(&s.end[1], "192.1.2.45");
	cr_assert_str_eq(s.end[0].id, "@west");
	cr_assert_str_eq(s.end[1].id, "@east");
	cr_assert_eq(s.policy & (POL_PSK | POL_ENCRYPT | POL_TUNNEL),
		     POL_PSK | POL_ENCRYPT | POL_TUNNEL);
	cr_assert_not(s.end[0].has_client);
	cr_assert_eq(s.ike_lifetime, IKE_LIFETIME_DEFAULT);
	conn_spec_fini(&s);
	parsed_fini(&p);
	pluto_options_fini(&o);
}

Test(config_examples, subnet_to_subnet_with_default_and_also)
{
	struct pluto_options o;
	struct parsed p;
	struct conn_spec s;

	pluto_options_init(&o);
	parse_clean(&p,
		    "version 2.0\n"
		    "\n"
		    "config setup\n"
		    "\tprotostack=netkey\n"
		    "\n"
		    "conn %default\n"
		    "\tikelifetime=8h\n"
		    "\tkeylife=1h\n"
		    "\trekeymargin=3m\n"
		    "\tkeyingtries=%forever\n"
		    "\tauthby=secret\n"
		    "\n"
		    "conn gateways\n"
		    "\tleft=192.0.2.1\n"
		    "\tleftnexthop=192.0.2.254\n"
		    "\tright=203.0.113.1\n"
		    "\trightnexthop=203.0.113.254\n"
		    "\n"
		    "conn westnet-eastnet\n"
		    "\talso=gateways\n"
		    "\tleftsubnet=10.0.1.0/24\n"
		    "\trightsubnet=10.0.2.0/24\n"
		    "\tleftsourceip=10.0.1.1\n"
		    "\trightsourceip=10.0.2.1\n"
		    "\tike=aes256-sha2_256;dh14\n"
		    "\tesp=aes256-sha2_256\n"
		    "\tauto=start\n",
		    &o);
	cr_assert_eq(o.protostack, PROTOSTACK_NETKEY);
	spec_of(conn_of(&p, "westnet-eastnet"), &s);
	assert_subnet(&s.end[0], "10.0.1.0/24");
	assert_subnet(&s.end[1], "10.0.2.0/24");
	assert_host(&s.end[1], "203.0.113.1");
	cr_assert_eq(s.ike_lifetime, 28800);
	cr_assert_eq(s.ipsec_lifetime, 3600);
	cr_assert_eq(s.rekeymargin, 180);
	cr_assert_eq(s.keyingtries, 0);
	cr_assert_str_eq(s.ike, "aes256-sha2_256;dh14");
	cr_assert_str_eq(s.esp, "aes256-sha2_256");
	cr_assert_eq(s.end[0].srcip.af, AF_INET);
	cr_assert_eq(s.end[0].nexthop.af, AF_INET);
	conn_spec_fini(&s);
	cr_assert_eq(conn_of(&p, "gateways")->autostart, CONF_AUTO_IGNORE);
	parsed_fini(&p);
	pluto_options_fini(&o);
}

Test(config_examples, road_warrior_server_and_client)
{
	struct pluto_options o;
	struct parsed p;
	struct conn_spec s;

	pluto_options_init(&o);
	/* The concentrator: any address, each client known by its ID. */
	parse_clean(&p,
		    "conn roadwarriors\n"
		    "\tleft=192.0.2.1\n"
		    "\tleftid=@vpn.example.com\n"
		    "\tleftsubnet=0.0.0.0/0\n"
		    "\tright=%any\n"
		    "\trightid=%any\n"
		    "\tauthby=secret\n"
		    "\tdpdaction=clear\n" /* without dpddelay= it does nothing, as in libreswan */
		    "\tauto=add\n",
		    &o);
	spec_of(conn_of(&p, "roadwarriors"), &s);
	cr_assert_eq(s.end[1].host_kind, HOST_ANY);
	assert_subnet(&s.end[0], "0.0.0.0/0");
	cr_assert_str_eq(s.end[1].id, "%any");
	cr_assert_not(s.has_dpd);
	conn_spec_fini(&s);
	parsed_fini(&p);

	/* The road warrior: its address is whatever the default route gives it. */
	parse_clean(&p,
		    "conn home\n"
		    "\tleft=%defaultroute\n"
		    "\tleftid=@laptop\n"
		    "\tright=192.0.2.1\n"
		    "\trightid=@vpn.example.com\n"
		    "\trightsubnet=0.0.0.0/0\n"
		    "\tauthby=secret\n"
		    "\tencapsulation=yes\n"
		    "\tauto=start\n",
		    &o);
	spec_of(conn_of(&p, "home"), &s);
	assert_host(&s.end[0], "198.51.100.7");
	cr_assert(s.policy & POL_FORCEENCAPS);
	conn_spec_fini(&s);
	parsed_fini(&p);
	pluto_options_fini(&o);
}

Test(config_examples, ipv6_host_to_host_and_subnets)
{
	struct pluto_options o;
	struct parsed p;
	struct conn_spec s;

	pluto_options_init(&o);
	parse_clean(&p,
		    "conn ipv6-host-host\n"
		    "\thostaddrfamily=ipv6\n"
		    "\tleft=2001:db8:1::1\n"
		    "\tright=2001:db8:2::1\n"
		    "\tauthby=secret\n"
		    "\tauto=add\n"
		    "conn ipv6-subnet-subnet\n"
		    "\talso=ipv6-host-host\n"
		    "\tleftsubnet=2001:db8:1:1::/64\n"
		    "\trightsubnet=2001:db8:2:1::/64\n",
		    &o);
	spec_of(conn_of(&p, "ipv6-subnet-subnet"), &s);
	cr_assert_eq(s.host_af, AF_INET6);
	cr_assert_eq(s.client_af, AF_INET6);
	assert_subnet(&s.end[1], "2001:db8:2:1::/64");
	conn_spec_fini(&s);
	parsed_fini(&p);
	pluto_options_fini(&o);
}

Test(config_examples, l2tp_transport_psk)
{
	struct pluto_options o;
	struct parsed p;
	struct conn_spec s;

	pluto_options_init(&o);
	parse_clean(&p,
		    "conn L2TP-PSK\n"
		    "\tauthby=secret\n"
		    "\tpfs=no\n"
		    "\tauto=add\n"
		    "\tkeyingtries=3\n"
		    "\trekey=no\n"
		    "\tikelifetime=8h\n"
		    "\tkeylife=1h\n"
		    "\ttype=transport\n"
		    "\tleft=192.0.2.1\n"
		    "\tleftprotoport=17/1701\n"
		    "\tright=%any\n"
		    "\trightprotoport=17/%any\n",
		    &o);
	spec_of(conn_of(&p, "L2TP-PSK"), &s);
	cr_assert_not(s.policy & POL_TUNNEL);
	cr_assert(s.policy & POL_DONT_REKEY);
	cr_assert_eq(s.end[0].protocol, 17);
	cr_assert_eq(s.end[0].port, 1701);
	cr_assert_eq(s.end[1].protocol, 17);
	cr_assert_not(s.end[1].has_port);
	cr_assert_eq(s.keyingtries, 3);
	conn_spec_fini(&s);
	parsed_fini(&p);
	pluto_options_fini(&o);
}

Test(config_examples, bypass_shunt_and_failure_shunts)
{
	struct pluto_options o;
	struct parsed p;
	struct conn_spec s;

	pluto_options_init(&o);
	parse_clean(&p,
		    "conn local-lan-bypass\n"
		    "\tleft=192.0.2.1\n"
		    "\tright=0.0.0.0\n"
		    "\tleftsubnet=192.0.2.0/24\n"
		    "\trightsubnet=192.0.2.0/24\n"
		    "\ttype=passthrough\n"
		    "\tauthby=never\n"
		    "\tauto=route\n"
		    "conn protected\n"
		    "\tleft=192.0.2.1\n"
		    "\tright=203.0.113.9\n"
		    "\tleftsubnet=10.1.0.0/16\n"
		    "\trightsubnet=10.2.0.0/16\n"
		    "\tauthby=secret\n"
		    "\tfailureshunt=drop\n"
		    "\tnegotiationshunt=hold\n"
		    "\tmark=0x100/0xff00\n"
		    "\tauto=ondemand\n",
		    &o);
	spec_of(conn_of(&p, "local-lan-bypass"), &s);
	cr_assert(conn_spec_is_shunt(&s));
	conn_spec_fini(&s);
	spec_of(conn_of(&p, "protected"), &s);
	cr_assert_eq(s.failure, SHUNT_DROP);
	cr_assert_eq(s.prospective, SHUNT_NONE, "trap when routed");
	cr_assert(s.has_conn_mark);
	cr_assert_eq(s.conn_mark, 0x100);
	cr_assert_eq(s.conn_mask, 0xff00);
	conn_spec_fini(&s);
	cr_assert_eq(conn_of(&p, "protected")->autostart, CONF_AUTO_ONDEMAND);
	parsed_fini(&p);
	pluto_options_fini(&o);
}

/* libreswan's stock /etc/ipsec.conf (Debian 12), with its include of ipsec.d. */
Test(config_examples, stock_ipsec_conf_with_ipsec_d)
{
	char dir[64], path[256], sub[256], all[2048];
	struct pluto_options o;
	struct parsed p;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/skua-stock-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/ipsec.d", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/ipsec.conf", dir);
	f = fopen(path, "w");
	fputs("# /etc/ipsec.conf - Libreswan 4.0 configuration file\n"
	      "#\n"
	      "# see 'man ipsec.conf' and 'man pluto' for more information\n"
	      "\n"
	      "config setup\n"
	      "\t# If logfile= is unset, syslog is used to send log messages too.\n"
	      "\t#logfile=/var/log/pluto.log\n"
	      "\t# plutodebug=\"base\"\n"
	      "\t#plutodebug=\"none\"\n"
	      "\t# dnssec-enable=no\n"
	      "\t# listen-tcp=yes\n"
	      "\n"
	      "# if it exists, include system wide crypto-policy defaults\n"
	      "# include /etc/crypto-policies/back-ends/libreswan.config\n"
	      "\n"
	      "# It is best to add your IPsec connections as separate files\n"
	      "include ipsec.d/*.conf\n",
	      f);
	fclose(f);
	snprintf(sub, sizeof(sub), "%s/ipsec.d/office.conf", dir);
	f = fopen(sub, "w");
	fputs("conn office\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n"
	      "\tauto=start\n",
	      f);
	fclose(f);

	pluto_options_init(&o);
	memset(&p, 0, sizeof(p));
	conf_diag_init(&p.d);
	cr_assert_eq(conf_file_read(&p.f, path, &p.d), 0, "%s", diag_all(&p.d, all, sizeof(all)));
	cr_assert_eq(conf_setup_apply(&p.f, &o, &p.d), 0);
	cr_assert_eq(conf_conns_build(&p.f, &fake_env, &p.set, &p.d), 0);
	cr_assert_eq(p.d.n, 0, "not even a warning: %s", diag_all(&p.d, all, sizeof(all)));
	cr_assert(conn_of(&p, "office")->ok);
	parsed_fini(&p);
	pluto_options_fini(&o);
	snprintf(all, sizeof(all), "rm -rf %s", dir);
	cr_assert_eq(system(all), 0);
}
