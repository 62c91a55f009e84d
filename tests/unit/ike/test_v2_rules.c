/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ike/v2/rules.h"
#include "v2_sample.h"

TestSuite(v2_rules, .timeout = 30);

static struct v2_msg m;
static uint8_t buf[SAMPLE_CAP];
static char why[256];

#define LIST(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Build, decode (and open SK), then run the rule check. */
static int check(uint8_t exchange, bool response, const uint8_t *types, size_t n, bool sk,
		 int sa_rule)
{
	long len = sample_msg(buf, sizeof(buf), exchange, response, types, n, sk, sa_rule);

	cr_assert_gt(len, 0, "build: %ld", len);
	cr_assert_eq(sample_open(buf, (size_t)len, &m), 0, "decode: %s", m.why);
	return v2_rules_check(&m, why, sizeof(why));
}

static void ok(uint8_t exchange, bool response, const uint8_t *types, size_t n, bool sk,
	       int sa_rule, enum v2_msg_kind kind)
{
	cr_assert_eq(check(exchange, response, types, n, sk, sa_rule), 0, "%s", why);
	cr_assert_eq(v2_rules_kind(&m), kind, "kind %d, expected %d", v2_rules_kind(&m), kind);
}

static void refused(int notify, const char *what, uint8_t exchange, bool response,
		    const uint8_t *types, size_t n, bool sk, int sa_rule)
{
	cr_assert_eq(check(exchange, response, types, n, sk, sa_rule), notify, "why: %s", why);
	cr_assert_not_null(strstr(why, what), "why: \"%s\", expected \"%s\"", why, what);
}

Test(v2_rules, sa_init)
{
	ok(V2_IKE_SA_INIT, false,
	   LIST(V2_PL_SA, V2_PL_KE, V2_PL_NONCE, V2_PL_NOTIFY, V2_PL_NOTIFY, V2_PL_VENDOR), false,
	   V2_SA_IKE_NEW, V2K_SA_INIT_REQ);
	ok(V2_IKE_SA_INIT, true,
	   LIST(V2_PL_SA, V2_PL_KE, V2_PL_NONCE, V2_PL_CERTREQ, V2_PL_NOTIFY), false,
	   V2_SA_IKE_NEW, V2K_SA_INIT_RESP);
	ok(V2_IKE_SA_INIT, true, LIST(V2_PL_NOTIFY), false, 0, V2K_SA_INIT_RESP_ERR);
	/* unknown, non-critical payloads are ignored by the rules too */
	ok(V2_IKE_SA_INIT, false, LIST(V2_PL_SA, 200, V2_PL_KE, V2_PL_NONCE), false,
	   V2_SA_IKE_NEW, V2K_SA_INIT_REQ);

	refused(V2N_INVALID_SYNTAX, "KE missing", V2_IKE_SA_INIT, false,
		LIST(V2_PL_SA, V2_PL_NONCE), false, V2_SA_IKE_NEW);
	refused(V2N_INVALID_SYNTAX, "2 KE payloads", V2_IKE_SA_INIT, false,
		LIST(V2_PL_SA, V2_PL_KE, V2_PL_KE, V2_PL_NONCE), false, V2_SA_IKE_NEW);
	refused(V2N_INVALID_SYNTAX, "2 SA payloads", V2_IKE_SA_INIT, false,
		LIST(V2_PL_SA, V2_PL_SA, V2_PL_KE, V2_PL_NONCE), false, V2_SA_IKE_NEW);
	refused(V2N_INVALID_SYNTAX, "Nonce missing", V2_IKE_SA_INIT, true,
		LIST(V2_PL_SA, V2_PL_KE), false, V2_SA_IKE_NEW);
	refused(V2N_INVALID_SYNTAX, "SK/SKF", V2_IKE_SA_INIT, false,
		LIST(V2_PL_SA, V2_PL_KE, V2_PL_NONCE), true, V2_SA_IKE_NEW);
	refused(V2N_INVALID_SYNTAX, "KE not allowed", V2_IKE_SA_INIT, true,
		LIST(V2_PL_NOTIFY, V2_PL_KE), false, 0);
	/* an ESP proposal in IKE_SA_INIT; two proposals in a response */
	refused(V2N_NO_PROPOSAL_CHOSEN, "protocol 3", V2_IKE_SA_INIT, false,
		LIST(V2_PL_SA, V2_PL_KE, V2_PL_NONCE), false, V2_SA_CHILD);
}

Test(v2_rules, sa_init_response_with_two_proposals)
{
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sa sa;
	size_t len;

	sample_hdr(&h, V2_IKE_SA_INIT, true);
	sample_sa(&sa, V2_SA_IKE_NEW, false);
	v2_build_init(&b, buf, sizeof(buf), &h);
	v2_build_sa(&b, &sa);
	sample_payload(&b, V2_PL_KE, 0, true);
	sample_payload(&b, V2_PL_NONCE, 0, true);
	cr_assert_eq(v2_build_finish(&b, &len), 0);
	cr_assert_eq(v2_msg_decode(buf, len, &m), 0);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "2 proposals, a response carries 1"), "%s", why);
}

Test(v2_rules, header_fields)
{
	long len = sample_msg(buf, sizeof(buf), V2_IKE_SA_INIT, false,
			      LIST(V2_PL_SA, V2_PL_KE, V2_PL_NONCE), false, V2_SA_IKE_NEW);

	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), 0);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), 0, "%s", why);
	m.hdr.spir[3] = 1;
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "responder SPI not zero"));
	m.hdr.spir[3] = 0;
	m.hdr.msgid = 1;
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	m.hdr.msgid = 0;
	memset(m.hdr.spii, 0, 8);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "zero initiator SPI"));

	/* an exchange we do not handle */
	memcpy(m.hdr.spii, sample_spii, 8);
	m.hdr.exchange = 43;
	cr_assert_eq(v2_rules_kind(&m), V2K_UNKNOWN);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "exchange type 43"));
	/* no room for a reason is fine */
	cr_assert_eq(v2_rules_check(&m, NULL, 0), V2N_INVALID_SYNTAX);
}

Test(v2_rules, ike_auth)
{
	ok(V2_IKE_AUTH, false,
	   LIST(V2_PL_IDI, V2_PL_CERT, V2_PL_CERTREQ, V2_PL_IDR, V2_PL_AUTH, V2_PL_CP, V2_PL_SA,
		V2_PL_TSI, V2_PL_TSR, V2_PL_NOTIFY, V2_PL_NOTIFY), true, V2_SA_CHILD, V2K_AUTH_REQ);
	/* childless (RFC 6023), and EAP wanted (no AUTH) */
	ok(V2_IKE_AUTH, false, LIST(V2_PL_IDI, V2_PL_AUTH), true, 0, V2K_AUTH_REQ);
	ok(V2_IKE_AUTH, false, LIST(V2_PL_IDI, V2_PL_SA, V2_PL_TSI, V2_PL_TSR), true,
	   V2_SA_CHILD, V2K_AUTH_REQ);
	ok(V2_IKE_AUTH, false, LIST(V2_PL_EAP), true, 0, V2K_AUTH_REQ_EAP);
	ok(V2_IKE_AUTH, false, LIST(V2_PL_AUTH), true, 0, V2K_AUTH_REQ_EAP_FINAL);
	ok(V2_IKE_AUTH, true,
	   LIST(V2_PL_IDR, V2_PL_CERT, V2_PL_AUTH, V2_PL_CP, V2_PL_SA, V2_PL_TSI, V2_PL_TSR),
	   true, V2_SA_CHILD, V2K_AUTH_RESP);
	ok(V2_IKE_AUTH, true, LIST(V2_PL_IDR, V2_PL_AUTH, V2_PL_EAP), true, 0, V2K_AUTH_RESP);
	ok(V2_IKE_AUTH, true, LIST(V2_PL_EAP), true, 0, V2K_AUTH_RESP_EAP);
	ok(V2_IKE_AUTH, true, LIST(V2_PL_AUTH, V2_PL_CP, V2_PL_SA, V2_PL_TSI, V2_PL_TSR), true,
	   V2_SA_CHILD, V2K_AUTH_RESP_EAP_FINAL);
	ok(V2_IKE_AUTH, true, LIST(V2_PL_NOTIFY), true, 0, V2K_AUTH_RESP_ERR);

	refused(V2N_INVALID_SYNTAX, "AUTH missing", V2_IKE_AUTH, true,
		LIST(V2_PL_IDR, V2_PL_SA, V2_PL_TSI, V2_PL_TSR), true, V2_SA_CHILD);
	refused(V2N_INVALID_SYNTAX, "N missing", V2_IKE_AUTH, true, LIST(V2_PL_VENDOR), true, 0);
	refused(V2N_INVALID_SYNTAX, "2 IDi payloads", V2_IKE_AUTH, false,
		LIST(V2_PL_IDI, V2_PL_IDI, V2_PL_AUTH), true, 0);
	refused(V2N_INVALID_SYNTAX, "2 AUTH payloads", V2_IKE_AUTH, true,
		LIST(V2_PL_IDR, V2_PL_AUTH, V2_PL_AUTH), true, 0);
	refused(V2N_INVALID_SYNTAX, "must come together", V2_IKE_AUTH, false,
		LIST(V2_PL_IDI, V2_PL_AUTH, V2_PL_SA, V2_PL_TSI), true, V2_SA_CHILD);
	refused(V2N_INVALID_SYNTAX, "EAP not allowed", V2_IKE_AUTH, false,
		LIST(V2_PL_IDI, V2_PL_AUTH, V2_PL_EAP), true, 0);
	refused(V2N_INVALID_SYNTAX, "D not allowed", V2_IKE_AUTH, false,
		LIST(V2_PL_IDI, V2_PL_AUTH, V2_PL_DELETE), true, 0);
	/* an IKE proposal where a Child SA is negotiated */
	refused(V2N_NO_PROPOSAL_CHOSEN, "proposal 1", V2_IKE_AUTH, false,
		LIST(V2_PL_IDI, V2_PL_AUTH, V2_PL_SA, V2_PL_TSI, V2_PL_TSR), true, V2_SA_IKE_NEW);
	/* no SK at all */
	refused(V2N_INVALID_SYNTAX, "no SK payload", V2_IKE_AUTH, false, LIST(V2_PL_NOTIFY),
		false, 0);
}

Test(v2_rules, protected_payload_outside_sk)
{
	/* The decoder never yields one (see test_v2_codec); the rules refuse it anyway. */
	cr_assert_eq(check(V2_IKE_AUTH, false, LIST(V2_PL_IDI, V2_PL_AUTH), true, 0), 0, "%s",
		     why);
	int i = v2_msg_find(&m, V2_PL_IDI, 0);

	cr_assert_geq(i, 0);
	m.pl[i].flags &= (uint8_t)~V2_PLF_INNER;
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "IDi outside SK"), "%s", why);

	/* an unencrypted Notify next to SK in an INFORMATIONAL */
	long len;
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sk_layout lay;

	sample_hdr(&h, V2_INFORMATIONAL, false);
	v2_build_init(&b, buf, sizeof(buf), &h);
	sample_payload(&b, V2_PL_NOTIFY, 0, false);
	v2_build_sk_begin(&b, 16);
	sample_payload(&b, V2_PL_DELETE, 0, false);
	cr_assert_eq(v2_build_sk_end(&b, &sample_sizes, &lay), 0);
	len = (long)lay.total;
	cr_assert_eq(sample_open(buf, (size_t)len, &m), 0, "%s", m.why);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "N outside SK"), "%s", why);
}

Test(v2_rules, outer_stage_before_decryption)
{
	long len = sample_msg(buf, sizeof(buf), V2_IKE_AUTH, false,
			      LIST(V2_PL_IDI, V2_PL_IDI), true, 0);

	/* before the inner decode only the outer part is judged */
	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), 0);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), 0, "%s", why);
	/* after it, everything */
	cr_assert_eq(sample_open(buf, (size_t)len, &m), 0);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), V2N_INVALID_SYNTAX);
	cr_assert_not_null(strstr(why, "2 IDi payloads"), "%s", why);
}

Test(v2_rules, create_child_sa)
{
	ok(V2_CREATE_CHILD_SA, false,
	   LIST(V2_PL_NOTIFY, V2_PL_SA, V2_PL_NONCE, V2_PL_KE, V2_PL_TSI, V2_PL_TSR), true,
	   V2_SA_CHILD, V2K_CHILD_REQ);
	ok(V2_CREATE_CHILD_SA, false, LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_TSI, V2_PL_TSR), true,
	   V2_SA_CHILD, V2K_CHILD_REQ);
	ok(V2_CREATE_CHILD_SA, false, LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_KE), true,
	   V2_SA_IKE_REKEY, V2K_REKEY_IKE_REQ);
	ok(V2_CREATE_CHILD_SA, true, LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_TSI, V2_PL_TSR), true,
	   V2_SA_CHILD, V2K_CHILD_RESP);
	ok(V2_CREATE_CHILD_SA, true, LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_KE), true,
	   V2_SA_IKE_REKEY, V2K_REKEY_IKE_RESP);
	ok(V2_CREATE_CHILD_SA, true, LIST(V2_PL_NOTIFY), true, 0, V2K_CHILD_RESP_ERR);

	refused(V2N_INVALID_SYNTAX, "Nonce missing", V2_CREATE_CHILD_SA, false,
		LIST(V2_PL_SA, V2_PL_TSI, V2_PL_TSR), true, V2_SA_CHILD);
	refused(V2N_INVALID_SYNTAX, "TSr missing", V2_CREATE_CHILD_SA, false,
		LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_TSI), true, V2_SA_CHILD);
	refused(V2N_INVALID_SYNTAX, "KE missing", V2_CREATE_CHILD_SA, false,
		LIST(V2_PL_SA, V2_PL_NONCE), true, V2_SA_IKE_REKEY);
	refused(V2N_INVALID_SYNTAX, "TSi not allowed", V2_CREATE_CHILD_SA, false,
		LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_KE, V2_PL_TSI), true, V2_SA_IKE_REKEY);
	refused(V2N_INVALID_SYNTAX, "2 Nonce payloads", V2_CREATE_CHILD_SA, true,
		LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_NONCE, V2_PL_TSI, V2_PL_TSR), true, V2_SA_CHILD);
	/* a new IKE SA proposal without SPI is not a rekey */
	refused(V2N_NO_PROPOSAL_CHOSEN, "SPI size 0", V2_CREATE_CHILD_SA, false,
		LIST(V2_PL_SA, V2_PL_NONCE, V2_PL_KE), true, V2_SA_IKE_NEW);
}

Test(v2_rules, informational)
{
	ok(V2_INFORMATIONAL, false, NULL, 0, true, 0, V2K_INFO_REQ);
	ok(V2_INFORMATIONAL, true, NULL, 0, true, 0, V2K_INFO_RESP);
	ok(V2_INFORMATIONAL, false, LIST(V2_PL_DELETE, V2_PL_DELETE, V2_PL_NOTIFY), true, 0,
	   V2K_INFO_REQ);
	ok(V2_INFORMATIONAL, true, LIST(V2_PL_CP), true, 0, V2K_INFO_RESP);

	refused(V2N_INVALID_SYNTAX, "2 CP payloads", V2_INFORMATIONAL, false,
		LIST(V2_PL_CP, V2_PL_CP), true, 0);
	refused(V2N_INVALID_SYNTAX, "SA not allowed", V2_INFORMATIONAL, false, LIST(V2_PL_SA),
		true, V2_SA_CHILD);
	refused(V2N_INVALID_SYNTAX, "no SK payload", V2_INFORMATIONAL, false,
		LIST(V2_PL_NOTIFY), false, 0);
}

Test(v2_rules, table_is_consistent)
{
	for (int k = 0; k < V2K_COUNT; k++) {
		const struct v2_msg_rule *r = v2_rules_for((enum v2_msg_kind)k);

		cr_assert_not_null(r);
		cr_assert_not_null(r->name, "kind %d has no row", k);
		for (unsigned i = 0; i < V2_RULE_MAX_PL && r->pl[i].type; i++) {
			cr_assert(v2_pl_is_known(r->pl[i].type));
			cr_assert_neq(r->pl[i].type, V2_PL_SK);
			/* protected payloads only in SK rows */
			if (v2_pl_is_sk_only(r->pl[i].type))
				cr_assert(r->in_sk, "%s: %s", r->name,
					  v2_pl_name(r->pl[i].type));
		}
	}
	cr_assert_null(v2_rules_for(V2K_UNKNOWN));
}
