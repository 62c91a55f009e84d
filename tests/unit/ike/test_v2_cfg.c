/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ike/v2/cfg.h"
#include "ike/v2/payloads.h"
#include "util/wire.h"

TestSuite(v2_cfg, .timeout = 30);

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

/* cfg -> CP form -> payload body -> CP form -> cfg, as the wire sees it. */
static void round_trip(const struct v2_cfg *in, struct v2_cfg *out)
{
	uint8_t vals[2048], body[4096];
	struct v2_cp cp, back;
	struct wbuf b = wbuf_make(body, sizeof(body));
	struct wire w;
	const char *why = NULL;

	cr_assert_eq(v2_cfg_encode(in, &cp, vals, sizeof(vals)), 0);
	cr_assert_eq(v2_pl_cp_encode(&b, &cp), 0);
	w = wire_make(body, b.len);
	cr_assert_eq(v2_pl_cp_decode(&w, &back, &why), 0, "%s", why);
	cr_assert_eq(v2_cfg_decode(&back, out, &why), 0, "%s", why);
}

Test(v2_cfg, request_asks_for_what_want_says)
{
	struct v2_cfg in = { .type = V2_CFG_REQUEST,
			     .want = V2_CFGW_IP4 | V2_CFGW_IP6 | V2_CFGW_DNS4 | V2_CFGW_DOMAIN },
		      out;
	uint8_t vals[64];
	struct v2_cp cp;

	cr_assert_eq(v2_cfg_encode(&in, &cp, vals, sizeof(vals)), 0);
	cr_assert_eq(cp.nattrs, 4);
	cr_assert_eq(cp.attrs[0].type, V2_CFG_INTERNAL_IP4_ADDRESS);
	cr_assert_eq(cp.attrs[0].len, 0);
	cr_assert_eq(cp.attrs[1].type, V2_CFG_INTERNAL_IP6_ADDRESS);
	round_trip(&in, &out);
	cr_assert_eq(out.type, V2_CFG_REQUEST);
	cr_assert_eq(out.want, in.want);
	cr_assert_not(out.has_ip4);
	cr_assert_not(out.has_ip6);
}

Test(v2_cfg, reply_round_trip_every_attribute)
{
	struct v2_cfg in = { .type = V2_CFG_REPLY, .has_ip4 = true, .has_ip6 = true,
			     .ip6_prefix = 64, .ndns4 = 2, .ndns6 = 1, .ndomains = 2,
			     .nsubnets = 2, .npcscf = 2 },
		      out;

	in.ip4 = A("192.0.2.77");
	in.ip6 = A("2001:db8:1::5");
	in.dns4[0] = A("198.51.100.53");
	in.dns4[1] = A("198.51.100.54");
	in.dns6[0] = A("2001:db8::53");
	strcpy(in.domains[0].name, "example.com");
	in.domains[0].len = 11;
	strcpy(in.domains[1].name, "corp.example.net");
	in.domains[1].len = 16;
	in.subnets[0] = (struct ip_subnet){ .addr = A("10.1.0.0"), .prefix = 16 };
	in.subnets[1] = (struct ip_subnet){ .addr = A("2001:db8:2::"), .prefix = 48 };
	in.pcscf[0] = A("203.0.113.5");
	in.pcscf[1] = A("2001:db8::5060");
	round_trip(&in, &out);
	cr_assert(out.has_ip4);
	cr_assert(ip_addr_eq(&out.ip4, &in.ip4));
	cr_assert(out.has_ip6);
	cr_assert(ip_addr_eq(&out.ip6, &in.ip6));
	cr_assert_eq(out.ip6_prefix, 64);
	cr_assert_eq(out.ndns4, 2);
	cr_assert(ip_addr_eq(&out.dns4[1], &in.dns4[1]));
	cr_assert_eq(out.ndns6, 1);
	cr_assert(ip_addr_eq(&out.dns6[0], &in.dns6[0]));
	cr_assert_eq(out.ndomains, 2);
	cr_assert_str_eq(out.domains[1].name, "corp.example.net");
	cr_assert_eq(out.nsubnets, 2);
	cr_assert_eq(out.subnets[0].prefix, 16);
	cr_assert(ip_addr_eq(&out.subnets[0].addr, &in.subnets[0].addr));
	cr_assert_eq(out.subnets[1].prefix, 48);
	cr_assert_eq(out.npcscf, 2);
	cr_assert(ip_addr_eq(&out.pcscf[0], &in.pcscf[0]));
	cr_assert(ip_addr_eq(&out.pcscf[1], &in.pcscf[1]));
}

static int decode_one(uint16_t type, const void *val, uint16_t len, struct v2_cfg *out,
		      const char **why)
{
	struct v2_cp cp = { .type = V2_CFG_REPLY, .nattrs = 1 };

	cp.attrs[0] = (struct v2_cp_attr){ .type = type, .len = len, .value = val };
	return v2_cfg_decode(&cp, out, why);
}

Test(v2_cfg, refuses_lengths_3_15_1_does_not_list)
{
	static const uint8_t z[32];
	static const struct { uint16_t type, len; } bad[] = {
		{ V2_CFG_INTERNAL_IP4_ADDRESS, 3 },  { V2_CFG_INTERNAL_IP4_ADDRESS, 16 },
		{ V2_CFG_INTERNAL_IP6_ADDRESS, 16 }, { V2_CFG_INTERNAL_IP4_DNS, 5 },
		{ V2_CFG_INTERNAL_IP6_DNS, 17 },     { V2_CFG_INTERNAL_IP4_SUBNET, 4 },
		{ V2_CFG_INTERNAL_IP6_SUBNET, 16 },  { V2_CFG_INTERNAL_IP4_NETMASK, 2 },
		{ V2_CFG_P_CSCF_IP4_ADDRESS, 16 },   { V2_CFG_P_CSCF_IP6_ADDRESS, 4 },
		{ V2_CFG_P_CSCF_LEGACY_A, 8 },
	};
	struct v2_cfg c;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		cr_assert_eq(decode_one(bad[i].type, z, bad[i].len, &c, &why), -EBADMSG,
			     "type %u len %u", bad[i].type, bad[i].len);
		cr_assert_not_null(why);
	}
}

Test(v2_cfg, refuses_bad_values)
{
	uint8_t v6[17] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint8_t sub4[8] = { 10, 0, 0, 0, 255, 0, 255, 0 };	/* a mask with a hole */
	struct v2_cfg c;
	const char *why;

	v6[16] = 129;
	cr_assert_eq(decode_one(V2_CFG_INTERNAL_IP6_ADDRESS, v6, 17, &c, &why), -EBADMSG);
	cr_assert_eq(decode_one(V2_CFG_INTERNAL_IP6_SUBNET, v6, 17, &c, &why), -EBADMSG);
	cr_assert_eq(decode_one(V2_CFG_INTERNAL_IP4_SUBNET, sub4, 8, &c, &why), -EBADMSG);
	cr_assert_eq(decode_one(V2_CFG_INTERNAL_DNS_DOMAIN, "a b", 3, &c, &why), -EBADMSG);
	cr_assert_eq(decode_one(V2_CFG_INTERNAL_DNS_DOMAIN, "x\0y", 3, &c, &why), -EBADMSG);
	cr_assert_eq(decode_one(V2_CFG_INTERNAL_DNS_DOMAIN, "a..b", 4, &c, &why), -EBADMSG);
}

Test(v2_cfg, skips_unknown_and_unused_attributes)
{
	uint8_t ver[] = "strongSwan";
	uint8_t ip[4] = { 192, 0, 2, 9 };
	struct v2_cp cp = { .type = V2_CFG_REPLY, .nattrs = 3 };
	struct v2_cfg c;
	const char *why;

	cp.attrs[0] = (struct v2_cp_attr){ .type = V2_CFG_APPLICATION_VERSION, .len = 10,
					   .value = ver };
	cp.attrs[1] = (struct v2_cp_attr){ .type = 0x7000, .len = 4, .value = ip };
	cp.attrs[2] = (struct v2_cp_attr){ .type = V2_CFG_INTERNAL_IP4_ADDRESS, .len = 4,
					   .value = ip };
	cr_assert_eq(v2_cfg_decode(&cp, &c, &why), 0);
	cr_assert_eq(c.nskipped, 2);
	cr_assert(c.has_ip4);
	cr_assert_eq(c.ip4.b[3], 9);
}

Test(v2_cfg, pcscf_answered_with_the_type_asked)
{
	struct v2_cp cp = { .type = V2_CFG_REQUEST, .nattrs = 1 };
	struct v2_cfg req, rep;
	struct v2_cp out;
	uint8_t vals[64];
	const char *why;

	/* an older handset: the 3GPP private value, no length to tell the family */
	cp.attrs[0] = (struct v2_cp_attr){ .type = V2_CFG_P_CSCF_LEGACY_B };
	cr_assert_eq(v2_cfg_decode(&cp, &req, &why), 0);
	cr_assert_eq(req.want & (V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6), V2_CFGW_PCSCF4 | V2_CFGW_PCSCF6);
	rep = (struct v2_cfg){ .type = V2_CFG_REPLY, .npcscf = 2,
			       .pcscf4_type = req.pcscf4_type, .pcscf6_type = req.pcscf6_type };
	rep.pcscf[0] = A("203.0.113.5");
	rep.pcscf[1] = A("2001:db8::5060");
	cr_assert_eq(v2_cfg_encode(&rep, &out, vals, sizeof(vals)), 0);
	cr_assert_eq(out.nattrs, 2);
	cr_assert_eq(out.attrs[0].type, V2_CFG_P_CSCF_LEGACY_B);
	cr_assert_eq(out.attrs[0].len, 4);
	cr_assert_eq(out.attrs[1].type, V2_CFG_P_CSCF_LEGACY_B);
	cr_assert_eq(out.attrs[1].len, 16);
	/* RFC 7651's values otherwise */
	cp.attrs[0] = (struct v2_cp_attr){ .type = V2_CFG_P_CSCF_IP6_ADDRESS };
	cr_assert_eq(v2_cfg_decode(&cp, &req, &why), 0);
	cr_assert_eq(req.want, V2_CFGW_PCSCF6);
	rep.pcscf4_type = req.pcscf4_type;
	rep.pcscf6_type = req.pcscf6_type;
	cr_assert_eq(v2_cfg_encode(&rep, &out, vals, sizeof(vals)), 0);
	cr_assert_eq(out.attrs[0].type, V2_CFG_P_CSCF_IP4_ADDRESS);
	cr_assert_eq(out.attrs[1].type, V2_CFG_P_CSCF_IP6_ADDRESS);
}

Test(v2_cfg, encode_refuses_what_decode_would_and_small_buffers)
{
	struct v2_cfg c = { .type = V2_CFG_REPLY, .has_ip4 = true };
	struct v2_cp cp;
	uint8_t vals[8];

	c.ip4 = A("2001:db8::1");	/* wrong family */
	cr_assert_eq(v2_cfg_encode(&c, &cp, vals, sizeof(vals)), -EINVAL);
	c.ip4 = A("192.0.2.1");
	c.ndomains = 1;
	strcpy(c.domains[0].name, "bad name");
	c.domains[0].len = 8;
	cr_assert_eq(v2_cfg_encode(&c, &cp, vals, sizeof(vals)), -EINVAL);
	strcpy(c.domains[0].name, "a-much-longer.example.com");
	c.domains[0].len = (uint8_t)strlen(c.domains[0].name);
	cr_assert_eq(v2_cfg_encode(&c, &cp, vals, sizeof(vals)), -EMSGSIZE);
	c.type = 9;
	cr_assert_eq(v2_cfg_encode(&c, &cp, vals, sizeof(vals)), -EINVAL);
}
