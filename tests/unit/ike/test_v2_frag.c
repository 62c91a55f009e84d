/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ike/v2/frag.h"
#include "ike/v2/rules.h"
#include "v2_sample.h"

TestSuite(v2_frag, .timeout = 30);

static struct v2_msg m;
static uint8_t msg[SAMPLE_CAP];
static uint8_t inner[SAMPLE_CAP];
static uint8_t frags[V2_MAX_FRAGMENTS][2048];
static size_t frag_len[V2_MAX_FRAGMENTS];

/* An IKE_AUTH request's inner chain with a large certificate; returns its length. */
static size_t auth_inner(uint8_t *first)
{
	static const uint8_t types[] = { V2_PL_IDI, V2_PL_CERT, V2_PL_CERT, V2_PL_CERT,
					 V2_PL_CERT, V2_PL_AUTH, V2_PL_SA, V2_PL_TSI,
					 V2_PL_TSR, V2_PL_NOTIFY };
	static const struct v2_sk_sizes none = { 0 };
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sk_layout lay;

	sample_hdr(&h, V2_IKE_AUTH, false);
	v2_build_init(&b, msg, sizeof(msg), &h);
	v2_build_sk_begin(&b, 0);
	for (unsigned i = 0; i < sizeof(types); i++)
		sample_payload(&b, types[i], V2_SA_CHILD, false);
	cr_assert_eq(v2_build_sk_end(&b, &none, &lay), 0);
	*first = msg[V2_HDR_SIZE];
	memcpy(inner, msg + lay.pt_off, lay.pt_len - 1);	/* without the Pad Length byte */
	return lay.pt_len - 1;
}

Test(v2_frag, plan_fits_the_size)
{
	struct v2_frag_plan plan;
	const struct v2_sk_sizes cbc = { .iv = 16, .block = 16, .icv = 16 };
	const struct v2_sk_sizes gcm = { .iv = 8, .block = 1, .icv = 16 };

	/* 576 - 28 - 8 - 16 - 16 = 508, down to 496 for the block, less Pad Length */
	cr_assert_eq(v2_frag_plan(2000, 576, &cbc, &plan), 0);
	cr_assert_eq(plan.chunk, 495);
	cr_assert_eq(plan.total, 5);
	cr_assert_eq(v2_frag_plan(2000, 576, &gcm, &plan), 0);
	cr_assert_eq(plan.chunk, 576 - 28 - 8 - 8 - 16 - 1);
	cr_assert_eq(v2_frag_plan(495, 576, &cbc, &plan), 0);
	cr_assert_eq(plan.total, 1);

	cr_assert_eq(v2_frag_plan(0, 576, &cbc, &plan), -EINVAL);
	cr_assert_eq(v2_frag_plan(100, 60, &cbc, &plan), -EMSGSIZE);
	/* more than 32 fragments */
	cr_assert_eq(v2_frag_plan(33 * 495, 576, &cbc, &plan), -EMSGSIZE);
	cr_assert_eq(v2_frag_plan(32 * 495, 576, &cbc, &plan), 0);
	cr_assert_eq(plan.total, 32);
}

/* Cut, frame, decode each fragment, reassemble out of order, decode the whole. */
Test(v2_frag, round_trip_out_of_order_with_duplicates)
{
	struct v2_frag_reasm r;
	struct v2_frag_plan plan;
	struct v2_sk_layout lay;
	struct v2_hdr h;
	static uint8_t out[SAMPLE_CAP];
	const uint8_t *plain;
	size_t inner_len, out_len, plen;
	uint8_t first, out_first;
	char why[128];

	inner_len = auth_inner(&first);
	cr_assert_gt(inner_len, 1200);
	cr_assert_eq(first, V2_PL_IDI);
	cr_assert_eq(v2_frag_plan(inner_len, 576, &sample_sizes, &plan), 0);
	cr_assert_geq(plan.total, 3);

	sample_hdr(&h, V2_IKE_AUTH, false);
	for (uint16_t n = 1; n <= plan.total; n++) {
		cr_assert_eq(v2_frag_build(frags[n - 1], sizeof(frags[0]), &h, first, inner,
					   inner_len, &plan, n, &sample_sizes, &lay), 0);
		frag_len[n - 1] = lay.total;
		cr_assert_leq(lay.total, 576);
		cr_assert_eq(lay.aad_len, V2_HDR_SIZE + V2_SKF_HDR_SIZE);
		cr_assert_eq(lay.pt_len % 16, 0);
	}
	uint16_t beyond = (uint16_t)(plan.total + 1);

	cr_assert_eq(v2_frag_build(frags[0], sizeof(frags[0]), &h, first, inner, inner_len,
				   &plan, beyond, &sample_sizes, &lay), -EINVAL);

	v2_frag_reasm_init(&r);
	/* last first, then the rest backwards, each twice */
	for (int n = plan.total; n >= 1; n--) {
		cr_assert_eq(v2_msg_decode(frags[n - 1], frag_len[n - 1], &m), 0, "%s", m.why);
		cr_assert(m.is_frag);
		cr_assert_eq(m.hdr.next, V2_PL_SKF);
		cr_assert_eq(m.sk.frag_num, n);
		cr_assert_eq(m.sk.frag_total, plan.total);
		cr_assert_eq(m.sk.aad_len, V2_HDR_SIZE + V2_SKF_HDR_SIZE);
		cr_assert_eq(m.sk.first, n == 1 ? first : V2_PL_NONE);
		/* outer stage of the rules: an SKF-only IKE_AUTH is fine */
		cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), 0, "%s", why);
		cr_assert_eq(sample_plain(&m, &sample_sizes, &plain, &plen), 0);

		enum v2_frag_verdict v = v2_frag_add(&r, m.hdr.msgid, m.sk.frag_num,
						     m.sk.frag_total, m.sk.first, plain, plen);

		cr_assert_eq(v, n == 1 ? V2_FRAG_DONE : V2_FRAG_HELD);
		if (n > 1)
			cr_assert_eq(v2_frag_add(&r, m.hdr.msgid, m.sk.frag_num,
						 m.sk.frag_total, m.sk.first, plain, plen),
				     V2_FRAG_DUP);
	}
	cr_assert_eq(v2_frag_assemble(&r, out, 10, &out_len, &out_first), -EMSGSIZE);
	cr_assert_eq(v2_frag_assemble(&r, out, sizeof(out), &out_len, &out_first), 0);
	cr_assert_eq(out_len, inner_len);
	cr_assert_eq(out_first, first);
	cr_assert_arr_eq(out, inner, inner_len);
	cr_assert_eq(r.total, 0);	/* reset */
	cr_assert_eq(v2_frag_assemble(&r, out, sizeof(out), &out_len, &out_first), -EINVAL);

	/* the reassembled chain decodes into the last fragment's message, and passes */
	cr_assert_eq(v2_inner_decode(out_first, out, out_len, &m), 0, "%s", m.why);
	cr_assert_eq(m.count[V2_PL_CERT], 4);
	cr_assert_eq(v2_rules_check(&m, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(v2_rules_kind(&m), V2K_AUTH_REQ);
	v2_frag_reasm_reset(&r);
}

Test(v2_frag, total_changes_and_message_ids)
{
	struct v2_frag_reasm r;
	const uint8_t d[4] = { 1, 2, 3, 4 };

	v2_frag_reasm_init(&r);
	cr_assert_eq(v2_frag_add(&r, 5, 1, 3, V2_PL_IDI, d, 4), V2_FRAG_HELD);
	cr_assert_eq(v2_frag_add(&r, 5, 2, 3, 0, d, 4), V2_FRAG_HELD);
	/* a smaller total for the same message: discarded */
	cr_assert_eq(v2_frag_add(&r, 5, 1, 2, V2_PL_IDI, d, 4), V2_FRAG_STALE);
	cr_assert_eq(r.have, 2);
	/* a larger total: the sender re-fragmented, start again with this one */
	cr_assert_eq(v2_frag_add(&r, 5, 4, 4, 0, d, 4), V2_FRAG_HELD);
	cr_assert_eq(r.have, 1);
	cr_assert_eq(r.total, 4);
	cr_assert_eq(r.bytes, 4);
	/* an older message: discarded; a newer one restarts */
	cr_assert_eq(v2_frag_add(&r, 4, 1, 4, V2_PL_IDI, d, 4), V2_FRAG_STALE);
	cr_assert_eq(v2_frag_add(&r, 6, 1, 2, V2_PL_SA, d, 4), V2_FRAG_HELD);
	cr_assert_eq(r.msgid, 6);
	cr_assert_eq(r.have, 1);
	cr_assert_eq(v2_frag_add(&r, 6, 2, 2, 0, d, 3), V2_FRAG_DONE);
	cr_assert_eq(r.bytes, 7);
	v2_frag_reasm_reset(&r);
	v2_frag_reasm_reset(&r);	/* idempotent */
}

Test(v2_frag, bounds)
{
	struct v2_frag_reasm r;
	static uint8_t big[V2_FRAG_BYTES_MAX];

	v2_frag_reasm_init(&r);
	cr_assert_eq(v2_frag_add(&r, 1, 0, 2, 0, big, 4), V2_FRAG_BAD);
	cr_assert_eq(v2_frag_add(&r, 1, 3, 2, 0, big, 4), V2_FRAG_BAD);
	cr_assert_eq(v2_frag_add(&r, 1, 1, 0, 0, big, 4), V2_FRAG_BAD);
	cr_assert_eq(v2_frag_add(&r, 1, 1, V2_MAX_FRAGMENTS + 1, 0, big, 4), V2_FRAG_BAD);
	cr_assert_eq(v2_frag_add(&r, 1, 1, 2, 0, big, 0), V2_FRAG_BAD);
	cr_assert_eq(r.total, 0);
	/* the byte cap over all fragments */
	cr_assert_eq(v2_frag_add(&r, 1, 1, 3, 0, big, 40000), V2_FRAG_HELD);
	cr_assert_eq(v2_frag_add(&r, 1, 2, 3, 0, big, 30000), V2_FRAG_BAD);
	cr_assert_eq(v2_frag_add(&r, 1, 2, 3, 0, big, 20000), V2_FRAG_HELD);
	cr_assert_eq(r.bytes, 60000);
	v2_frag_reasm_reset(&r);
	cr_assert_eq(r.total, 0);
	cr_assert_eq(r.bytes, 0);
}
