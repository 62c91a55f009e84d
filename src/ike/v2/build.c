/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The message builder: header, payload chain, SK framing.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/build.h"

enum {
	HDR_NEXT_OFF = 16,		/* Next Payload in the IKE header */
	HDR_LEN_OFF = 24,		/* Length in the IKE header */
	FLAG_CRITICAL = 0x80,
	MAX_BLOCK = 256,		/* the Pad Length byte counts up to 255 */
};

static int stick(struct v2_build *b, int err)
{
	if (!b->err)
		b->err = err;
	return b->err;
}

int v2_build_init(struct v2_build *b, uint8_t *buf, size_t cap, const struct v2_hdr *h)
{
	struct v2_hdr first = *h;

	memset(b, 0, sizeof(*b));
	b->w = wbuf_make(buf, cap);
	first.next = V2_PL_NONE;
	first.length = 0;
	b->next_at = HDR_NEXT_OFF;
	return stick(b, v2_hdr_encode(&b->w, &first));
}

/* Append a generic header for type and make the previous payload point at it. */
static int pl_begin(struct v2_build *b, uint8_t type, bool critical, size_t *at)
{
	uint8_t *h;

	if (b->err)
		return b->err;
	if (b->done)
		return stick(b, -EINVAL);
	*at = b->w.len;
	h = wbuf_reserve(&b->w, V2_GEN_HDR_SIZE);
	if (!h)
		return stick(b, b->w.err);
	b->w.p[b->next_at] = type;
	h[0] = V2_PL_NONE;
	h[1] = critical ? FLAG_CRITICAL : 0;
	put_u16(h + 2, 0);
	b->next_at = *at;
	return 0;
}

/* The body is written (or failed with rc): fill in the payload length. */
static int pl_end(struct v2_build *b, size_t at, int rc)
{
	size_t len;

	if (rc)
		return stick(b, rc);
	if (b->w.err)
		return stick(b, b->w.err);
	len = b->w.len - at;
	if (len > UINT16_MAX)
		return stick(b, -EMSGSIZE);
	put_u16(b->w.p + at + 2, (uint16_t)len);
	return 0;
}

int v2_build_sa(struct v2_build *b, const struct v2_sa *sa)
{
	size_t at;

	if (pl_begin(b, V2_PL_SA, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_sa_encode(&b->w, sa));
}

int v2_build_ke(struct v2_build *b, const struct v2_ke *ke)
{
	size_t at;

	if (pl_begin(b, V2_PL_KE, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_ke_encode(&b->w, ke));
}

int v2_build_nonce(struct v2_build *b, const struct v2_nonce *n)
{
	size_t at;

	if (pl_begin(b, V2_PL_NONCE, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_nonce_encode(&b->w, n));
}

int v2_build_notify(struct v2_build *b, const struct v2_notification *n)
{
	size_t at;

	if (pl_begin(b, V2_PL_NOTIFY, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_notify_encode(&b->w, n));
}

int v2_build_id(struct v2_build *b, uint8_t type, const struct v2_id *id)
{
	size_t at;

	if (type != V2_PL_IDI && type != V2_PL_IDR)
		return stick(b, -EINVAL);
	if (pl_begin(b, type, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_id_encode(&b->w, id));
}

int v2_build_auth(struct v2_build *b, const struct v2_auth *auth)
{
	size_t at;

	if (pl_begin(b, V2_PL_AUTH, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_auth_encode(&b->w, auth));
}

int v2_build_ts(struct v2_build *b, uint8_t type, const struct v2_ts *ts)
{
	size_t at;

	if (type != V2_PL_TSI && type != V2_PL_TSR)
		return stick(b, -EINVAL);
	if (pl_begin(b, type, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_ts_encode(&b->w, ts));
}

int v2_build_delete(struct v2_build *b, const struct v2_delete *d)
{
	size_t at;

	if (pl_begin(b, V2_PL_DELETE, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_delete_encode(&b->w, d));
}

int v2_build_vendor(struct v2_build *b, const struct v2_vendor *v)
{
	size_t at;

	if (pl_begin(b, V2_PL_VENDOR, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_vendor_encode(&b->w, v));
}

int v2_build_cp(struct v2_build *b, const struct v2_cp *cp)
{
	size_t at;

	if (pl_begin(b, V2_PL_CP, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_cp_encode(&b->w, cp));
}

int v2_build_cert(struct v2_build *b, const struct v2_cert *c)
{
	size_t at;

	if (pl_begin(b, V2_PL_CERT, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_cert_encode(&b->w, c));
}

int v2_build_certreq(struct v2_build *b, const struct v2_cert *c)
{
	size_t at;

	if (pl_begin(b, V2_PL_CERTREQ, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_certreq_encode(&b->w, c));
}

int v2_build_eap(struct v2_build *b, const struct v2_eap *eap)
{
	size_t at;

	if (pl_begin(b, V2_PL_EAP, false, &at))
		return b->err;
	return pl_end(b, at, v2_pl_eap_encode(&b->w, eap));
}

int v2_build_raw(struct v2_build *b, uint8_t type, bool critical, const void *body, size_t len)
{
	size_t at;

	if (type == V2_PL_SK || type == V2_PL_SKF || (len && !body))
		return stick(b, -EINVAL);
	if (pl_begin(b, type, critical, &at))
		return b->err;
	wbuf_bytes(&b->w, body, len);
	return pl_end(b, at, 0);
}

static int sk_open(struct v2_build *b, uint8_t type, size_t *at)
{
	if (b->in_sk)
		return stick(b, -EINVAL);
	if (pl_begin(b, type, false, at))
		return b->err;
	b->sk_hdr = *at;
	b->sk_hdr_len = type == V2_PL_SKF ? V2_SKF_HDR_SIZE : V2_GEN_HDR_SIZE;
	b->in_sk = true;
	return 0;
}

static int iv_reserve(struct v2_build *b, size_t iv_len)
{
	uint8_t *iv;

	b->iv_off = b->w.len;
	b->iv_len = iv_len;
	iv = wbuf_reserve(&b->w, iv_len);
	if (!iv)
		return stick(b, b->w.err);
	memset(iv, 0, iv_len);
	return 0;
}

int v2_build_sk_begin(struct v2_build *b, size_t iv_len)
{
	size_t at;

	if (sk_open(b, V2_PL_SK, &at))
		return b->err;
	return iv_reserve(b, iv_len);
}

int v2_build_skf_begin(struct v2_build *b, uint16_t num, uint16_t total, uint8_t first,
		       size_t iv_len)
{
	size_t at;

	if (num == 0 || num > total || total > V2_MAX_FRAGMENTS)
		return stick(b, -EINVAL);
	if (sk_open(b, V2_PL_SKF, &at))
		return b->err;
	/* RFC 7383 2.5: only fragment 1 names the first inner payload */
	b->w.p[at] = num == 1 ? first : V2_PL_NONE;
	wbuf_u16(&b->w, num);
	wbuf_u16(&b->w, total);
	if (b->w.err)
		return stick(b, b->w.err);
	return iv_reserve(b, iv_len);
}

int v2_build_bytes(struct v2_build *b, const void *p, size_t len)
{
	if (b->err)
		return b->err;
	if (!b->in_sk || (len && !p))
		return stick(b, -EINVAL);
	wbuf_bytes(&b->w, p, len);
	return stick(b, b->w.err);
}

size_t v2_sk_pad_len(size_t plain_len, size_t block)
{
	if (block <= 1)
		return 0;
	return (block - (plain_len + 1) % block) % block;
}

int v2_build_sk_end(struct v2_build *b, const struct v2_sk_sizes *sizes,
		    struct v2_sk_layout *lay)
{
	size_t pt_off, pad, sk_len;
	uint8_t *tail;

	if (b->err)
		return b->err;
	if (!b->in_sk || sizes->block > MAX_BLOCK)
		return stick(b, -EINVAL);
	pt_off = b->iv_off + b->iv_len;
	pad = v2_sk_pad_len(b->w.len - pt_off, sizes->block);
	tail = wbuf_reserve(&b->w, pad + 1);
	if (!tail)
		return stick(b, b->w.err);
	memset(tail, 0, pad);
	tail[pad] = (uint8_t)pad;
	lay->icv_off = b->w.len;
	tail = wbuf_reserve(&b->w, sizes->icv);
	if (!tail)
		return stick(b, b->w.err);
	memset(tail, 0, sizes->icv);
	sk_len = b->w.len - b->sk_hdr;
	if (sk_len > UINT16_MAX || b->w.len > V2_MSG_MAX)
		return stick(b, -EMSGSIZE);
	put_u16(b->w.p + b->sk_hdr + 2, (uint16_t)sk_len);
	put_u32(b->w.p + HDR_LEN_OFF, (uint32_t)b->w.len);
	b->in_sk = false;
	b->done = true;

	lay->aad_len = b->sk_hdr + b->sk_hdr_len;
	lay->iv_off = b->iv_off;
	lay->iv_len = b->iv_len;
	lay->pt_off = pt_off;
	lay->pt_len = lay->icv_off - pt_off;
	lay->icv_len = sizes->icv;
	lay->total = b->w.len;
	return 0;
}

int v2_build_finish(struct v2_build *b, size_t *len)
{
	if (b->err)
		return b->err;
	if (b->in_sk)
		return stick(b, -EINVAL);
	if (b->w.len > V2_MSG_MAX)
		return stick(b, -EMSGSIZE);
	put_u32(b->w.p + HDR_LEN_OFF, (uint32_t)b->w.len);
	if (len)
		*len = b->w.len;
	return 0;
}
