/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RFC 7383 fragments: reassembly and cutting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/frag.h"

void v2_frag_reasm_init(struct v2_frag_reasm *r)
{
	memset(r, 0, sizeof(*r));
}

void v2_frag_reasm_reset(struct v2_frag_reasm *r)
{
	for (unsigned i = 0; i < V2_MAX_FRAGMENTS; i++)
		free(r->data[i]);
	v2_frag_reasm_init(r);
}

/* Serial-number order of message IDs: a is after b. */
static bool msgid_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void restart(struct v2_frag_reasm *r, uint32_t msgid, uint16_t total)
{
	v2_frag_reasm_reset(r);
	r->msgid = msgid;
	r->total = total;
}

/*
 * RFC 7383 2.6: a fragment whose number exceeds the total is discarded;
 * a larger total than before restarts the reassembly, a smaller one is
 * discarded; duplicates are ignored.
 */
enum v2_frag_verdict v2_frag_add(struct v2_frag_reasm *r, uint32_t msgid, uint16_t num,
				 uint16_t total, uint8_t first, const uint8_t *plain,
				 size_t len)
{
	uint8_t *copy;

	if (num == 0 || total == 0 || num > total || total > V2_MAX_FRAGMENTS || len == 0 ||
	    len > V2_FRAG_BYTES_MAX || !plain)
		return V2_FRAG_BAD;
	if (r->total) {
		if (msgid != r->msgid) {
			if (!msgid_after(msgid, r->msgid))
				return V2_FRAG_STALE;
			restart(r, msgid, total);
		} else if (total < r->total) {
			return V2_FRAG_STALE;
		} else if (total > r->total) {
			restart(r, msgid, total);
		}
	} else {
		restart(r, msgid, total);
	}
	if (r->data[num - 1])
		return V2_FRAG_DUP;
	if (r->bytes + len > V2_FRAG_BYTES_MAX)
		return V2_FRAG_BAD;
	copy = malloc(len);
	if (!copy)
		return V2_FRAG_NOMEM;
	memcpy(copy, plain, len);
	r->data[num - 1] = copy;
	r->len[num - 1] = (uint16_t)len;
	r->bytes += len;
	r->have++;
	if (num == 1)
		r->first = first;
	return r->have == r->total ? V2_FRAG_DONE : V2_FRAG_HELD;
}

int v2_frag_assemble(struct v2_frag_reasm *r, uint8_t *out, size_t cap, size_t *len,
		     uint8_t *first)
{
	size_t off = 0;

	if (!r->total || r->have != r->total)
		return -EINVAL;
	if (r->bytes > cap)
		return -EMSGSIZE;
	for (unsigned i = 0; i < r->total; i++) {
		memcpy(out + off, r->data[i], r->len[i]);
		off += r->len[i];
	}
	*len = off;
	*first = r->first;
	v2_frag_reasm_reset(r);
	return 0;
}

int v2_frag_plan(size_t inner_len, size_t max_msg, const struct v2_sk_sizes *sizes,
		 struct v2_frag_plan *plan)
{
	size_t overhead = V2_HDR_SIZE + V2_SKF_HDR_SIZE + sizes->iv + sizes->icv;
	size_t avail, total;

	if (inner_len == 0 || inner_len > V2_FRAG_BYTES_MAX || sizes->block > 256)
		return -EINVAL;
	if (max_msg > V2_MSG_MAX)
		max_msg = V2_MSG_MAX;
	if (max_msg <= overhead)
		return -EMSGSIZE;
	avail = max_msg - overhead;
	if (sizes->block > 1)
		avail -= avail % sizes->block;
	/* a full chunk plus the Pad Length byte fills avail: no padding needed */
	if (avail < 2)
		return -EMSGSIZE;
	plan->chunk = avail - 1;
	total = (inner_len + plan->chunk - 1) / plan->chunk;
	if (total > V2_MAX_FRAGMENTS)
		return -EMSGSIZE;
	plan->total = (uint16_t)total;
	return 0;
}

int v2_frag_build(uint8_t *buf, size_t cap, const struct v2_hdr *h, uint8_t first,
		  const uint8_t *inner, size_t inner_len, const struct v2_frag_plan *plan,
		  uint16_t num, const struct v2_sk_sizes *sizes, struct v2_sk_layout *lay)
{
	struct v2_build b;
	size_t off, n;

	if (num == 0 || num > plan->total || plan->chunk == 0)
		return -EINVAL;
	off = (size_t)(num - 1) * plan->chunk;
	if (off >= inner_len)
		return -EINVAL;
	n = inner_len - off < plan->chunk ? inner_len - off : plan->chunk;
	v2_build_init(&b, buf, cap, h);
	v2_build_skf_begin(&b, num, plan->total, first, sizes->iv);
	v2_build_bytes(&b, inner + off, n);
	return v2_build_sk_end(&b, sizes, lay);
}
