/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v1/build.h"

#include <errno.h>
#include <string.h>

enum { HDR_NEXT_OFF = 16, HDR_LEN_OFF = 24 };

int v1_build_init(struct v1_build *b, uint8_t *buf, size_t cap, const struct v1_hdr *h)
{
	struct v1_hdr copy = *h;

	b->w = wbuf_make(buf, cap);
	copy.next = V1_PL_NONE;
	copy.length = 0;
	b->next_at = HDR_NEXT_OFF;
	b->pl_start = 0;
	b->body_at = V1_HDR_SIZE;
	return v1_hdr_encode(&b->w, &copy);
}

int v1_build_begin(struct v1_build *b, uint8_t type)
{
	size_t start = b->w.len;

	if (b->pl_start)
		return b->w.err ? b->w.err : -EINVAL;
	wbuf_u8(&b->w, V1_PL_NONE);
	wbuf_u8(&b->w, 0);
	wbuf_u16(&b->w, 0);
	if (b->w.err)
		return b->w.err;
	b->w.p[b->next_at] = type;
	b->next_at = start;
	b->pl_start = start;
	return 0;
}

int v1_build_end(struct v1_build *b)
{
	size_t n;

	if (b->w.err)
		return b->w.err;
	if (!b->pl_start)
		return -EINVAL;
	n = b->w.len - b->pl_start;
	if (n > UINT16_MAX) {
		b->w.err = -EMSGSIZE;
		return b->w.err;
	}
	put_u16(b->w.p + b->pl_start + 2, (uint16_t)n);
	b->pl_start = 0;
	return 0;
}

/* Close after an encoder ran: its error sticks in the writer. */
static int close_with(struct v1_build *b, int rc)
{
	if (rc && !b->w.err)
		b->w.err = rc;
	return v1_build_end(b);
}

static size_t body_here(const struct v1_build *b)
{
	return b->w.len;
}

int v1_build_sa(struct v1_build *b, const struct v1_sa *sa, size_t *body_off)
{
	int rc = v1_build_begin(b, V1_PL_SA);

	if (rc)
		return rc;
	if (body_off)
		*body_off = body_here(b);
	return close_with(b, v1_pl_sa_encode(&b->w, sa));
}

int v1_build_blob(struct v1_build *b, uint8_t type, const void *data, size_t len)
{
	struct v1_blob bl = { .len = (uint16_t)len, .data = data };
	int rc;

	if (len > UINT16_MAX)
		return -EINVAL;
	rc = v1_build_begin(b, type);
	if (rc)
		return rc;
	return close_with(b, v1_pl_blob_encode(&b->w, type, &bl));
}

int v1_build_id(struct v1_build *b, const struct v1_id *id, size_t *body_off)
{
	int rc = v1_build_begin(b, V1_PL_ID);

	if (rc)
		return rc;
	if (body_off)
		*body_off = body_here(b);
	return close_with(b, v1_pl_id_encode(&b->w, id));
}

int v1_build_notify(struct v1_build *b, const struct v1_notification *n)
{
	int rc = v1_build_begin(b, V1_PL_N);

	return rc ? rc : close_with(b, v1_pl_notify_encode(&b->w, n));
}

int v1_build_delete(struct v1_build *b, const struct v1_delete *d)
{
	int rc = v1_build_begin(b, V1_PL_D);

	return rc ? rc : close_with(b, v1_pl_delete_encode(&b->w, d));
}

int v1_build_cert(struct v1_build *b, uint8_t type, const struct v1_cert *c)
{
	int rc;

	if (type != V1_PL_CERT && type != V1_PL_CR)
		return -EINVAL;
	rc = v1_build_begin(b, type);
	if (rc)
		return rc;
	return close_with(b, type == V1_PL_CERT ? v1_pl_cert_encode(&b->w, c)
						: v1_pl_cr_encode(&b->w, c));
}

int v1_build_nat_oa(struct v1_build *b, uint8_t type, const struct v1_nat_oa *oa)
{
	int rc;

	if (type != V1_PL_NAT_OA && type != V1_PL_NAT_OA_DRAFT)
		return -EINVAL;
	rc = v1_build_begin(b, type);
	return rc ? rc : close_with(b, v1_pl_nat_oa_encode(&b->w, oa));
}

int v1_build_cfg(struct v1_build *b, const struct v1_cfg *cfg)
{
	int rc = v1_build_begin(b, V1_PL_ATTR);

	return rc ? rc : close_with(b, v1_pl_cfg_encode(&b->w, cfg));
}

int v1_build_finish(struct v1_build *b, size_t pad_to, size_t *len)
{
	if (b->w.err)
		return b->w.err;
	if (b->pl_start)
		return -EINVAL;
	if (pad_to > 1) {
		size_t body = b->w.len - b->body_at;
		size_t pad = (pad_to - body % pad_to) % pad_to;
		uint8_t *p = wbuf_reserve(&b->w, pad);

		if (!p)
			return b->w.err;
		memset(p, 0, pad);
	}
	if (b->w.len > V1_MSG_MAX)
		return -EMSGSIZE;
	put_u32(b->w.p + HDR_LEN_OFF, (uint32_t)b->w.len);
	*len = b->w.len;
	return 0;
}
