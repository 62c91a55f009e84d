/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IKEv2 header and the payload chain, outer and inner.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/msg.h"

enum {
	FLAG_CRITICAL = 0x80,		/* generic payload header, RFC 7296 3.2 */
	VERSION_2 = 2,
};

/*
 * RFC 7296 3.1 The IKE Header
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Responder's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Message ID                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static void hdr_read(struct wire *w, struct v2_hdr *h)
{
	const uint8_t *spii = wire_bytes(w, 8);
	const uint8_t *spir = wire_bytes(w, 8);

	if (spii && spir) {
		memcpy(h->spii, spii, 8);
		memcpy(h->spir, spir, 8);
	}
	h->next = wire_u8(w);
	uint8_t ver = wire_u8(w);

	h->major = ver >> 4;
	h->minor = ver & 0x0f;
	h->exchange = wire_u8(w);
	h->flags = wire_u8(w);
	h->msgid = wire_u32(w);
	h->length = wire_u32(w);
}

int v2_hdr_decode(const uint8_t *buf, size_t len, struct v2_hdr *h)
{
	struct wire w = wire_make(buf, len);

	memset(h, 0, sizeof(*h));
	if (len < V2_HDR_SIZE)
		return -EBADMSG;
	hdr_read(&w, h);
	if (wire_err(&w))
		return -EBADMSG;
	if (h->major != VERSION_2)
		return -EPROTONOSUPPORT;
	if (h->length != len || h->length > V2_MSG_MAX)
		return -EBADMSG;
	return 0;
}

int v2_hdr_encode(struct wbuf *b, const struct v2_hdr *h)
{
	wbuf_bytes(b, h->spii, 8);
	wbuf_bytes(b, h->spir, 8);
	wbuf_u8(b, h->next);
	wbuf_u8(b, (uint8_t)(h->major << 4 | (h->minor & 0x0f)));
	wbuf_u8(b, h->exchange);
	wbuf_u8(b, h->flags);
	wbuf_u32(b, h->msgid);
	wbuf_u32(b, h->length);
	return b->err;
}

static int fail(struct v2_msg *m, int err, uint16_t notify, uint8_t type, const char *why)
{
	m->notify = notify;
	m->bad_type = type;
	m->why = why;
	return err;
}

static int syntax(struct v2_msg *m, uint8_t type, const char *why)
{
	return fail(m, -EBADMSG, V2N_INVALID_SYNTAX, type, why);
}

/* Run the payload's decoder on its body; the forms that are large live in m's pools. */
static int body_decode(struct v2_msg *m, struct v2_payload *p, struct wire *w)
{
	const char *why = "malformed payload";
	int rc;

	switch (p->type) {
	case V2_PL_SA:
		if (m->nsa == V2_MAX_SA_PAYLOADS)
			return syntax(m, p->type, "too many SA payloads");
		p->u.sa = &m->sa[m->nsa++];
		rc = v2_pl_sa_decode(w, p->u.sa, &why);
		break;
	case V2_PL_TSI:
	case V2_PL_TSR:
		if (m->nts == V2_MAX_TS_PAYLOADS)
			return syntax(m, p->type, "too many TS payloads");
		p->u.ts = &m->ts[m->nts++];
		rc = v2_pl_ts_decode(w, p->u.ts, &why);
		break;
	case V2_PL_CP:
		if (m->ncp == V2_MAX_CP_PAYLOADS)
			return syntax(m, p->type, "too many CP payloads");
		p->u.cp = &m->cp[m->ncp++];
		rc = v2_pl_cp_decode(w, p->u.cp, &why);
		break;
	case V2_PL_KE:
		rc = v2_pl_ke_decode(w, &p->u.ke, &why);
		break;
	case V2_PL_IDI:
	case V2_PL_IDR:
		rc = v2_pl_id_decode(w, &p->u.id, &why);
		break;
	case V2_PL_AUTH:
		rc = v2_pl_auth_decode(w, &p->u.auth, &why);
		break;
	case V2_PL_NONCE:
		rc = v2_pl_nonce_decode(w, &p->u.nonce, &why);
		break;
	case V2_PL_NOTIFY:
		if (m->nnotify == V2_MAX_NOTIFIES)
			return syntax(m, p->type, "too many Notify payloads");
		m->nnotify++;
		rc = v2_pl_notify_decode(w, &p->u.notify, &why);
		break;
	case V2_PL_DELETE:
		rc = v2_pl_delete_decode(w, &p->u.del, &why);
		break;
	case V2_PL_CERT:
		rc = v2_pl_cert_decode(w, &p->u.cert, &why);
		break;
	case V2_PL_CERTREQ:
		rc = v2_pl_certreq_decode(w, &p->u.cert, &why);
		break;
	case V2_PL_VENDOR:
		rc = v2_pl_vendor_decode(w, &p->u.vendor, &why);
		break;
	case V2_PL_EAP:
		rc = v2_pl_eap_decode(w, &p->u.eap, &why);
		break;
	default:
		return syntax(m, p->type, "no decoder for this payload type");
	}
	if (rc)
		return syntax(m, p->type, why);
	if (wire_left(w))
		return syntax(m, p->type, "bytes left over in a payload body");
	return 0;
}

/*
 * RFC 7296 3.14 Encrypted Payload; RFC 7383 2.5 Encrypted Fragment Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Fragment Number        |        Total Fragments        |  (SKF only)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Initialization Vector                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Encrypted IKE Payloads                     ~
 * +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               |             Padding (0-255 octets)            |
 * +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 * |                                               |  Pad Length   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                    Integrity Checksum Data                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The Next Payload of SK is the first inner payload; of SKF, too, in
 * fragment 1, and 0 in the others. The content is opaque here: only
 * offsets are recorded. It must be the last payload.
 */
static int sk_decode(struct v2_msg *m, struct v2_payload *p, uint8_t first, size_t hdr_off,
		     struct wire *body)
{
	struct v2_sk *sk = &m->sk;

	memset(sk, 0, sizeof(*sk));
	sk->hdr_off = hdr_off;
	sk->first = first;
	sk->aad_len = hdr_off + V2_GEN_HDR_SIZE;
	if (p->type == V2_PL_SKF) {
		sk->frag_num = wire_u16(body);
		sk->frag_total = wire_u16(body);
		if (wire_err(body))
			return syntax(m, p->type, "truncated SKF payload");
		if (sk->frag_num == 0 || sk->frag_total == 0 || sk->frag_num > sk->frag_total)
			return syntax(m, p->type, "SKF fragment number not 1..total");
		if (sk->frag_total > V2_MAX_FRAGMENTS)
			return syntax(m, p->type, "SKF total above 32 fragments");
		if (sk->frag_num != 1)
			sk->first = V2_PL_NONE;
		sk->aad_len = hdr_off + V2_SKF_HDR_SIZE;
		m->is_frag = true;
	}
	sk->enc_off = sk->aad_len;
	sk->enc_len = wire_left(body);
	if (sk->enc_len == 0)
		return syntax(m, p->type, "empty SK payload");
	wire_bytes(body, sk->enc_len);
	m->has_sk = true;
	return 0;
}

/*
 * RFC 7296 3.2 Generic Payload Header
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * w starts at the first payload; for the outer chain its offsets are
 * those of the datagram. Reserved bits are ignored; the C bit matters
 * only for types we do not know.
 */
static int chain_decode(struct v2_msg *m, uint8_t next, struct wire *w, bool inner)
{
	int rc;

	while (next != V2_PL_NONE) {
		uint8_t type = next;
		size_t hdr_off = w->off;

		next = wire_u8(w);
		uint8_t gflags = wire_u8(w);
		uint16_t plen = wire_u16(w);

		if (wire_err(w))
			return syntax(m, type, "truncated generic payload header");
		if (plen < V2_GEN_HDR_SIZE)
			return syntax(m, type, "payload length below 4");
		struct wire body = wire_sub(w, plen - V2_GEN_HDR_SIZE);

		if (wire_err(&body))
			return syntax(m, type, "payload length beyond the message");
		if (m->npl == V2_MAX_PAYLOADS)
			return syntax(m, type, "too many payloads");
		struct v2_payload *p = &m->pl[m->npl];

		memset(p, 0, sizeof(*p));
		p->type = type;
		p->flags = (gflags & FLAG_CRITICAL ? V2_PLF_CRITICAL : 0) |
			   (inner ? V2_PLF_INNER : 0);
		p->len = (uint16_t)body.len;
		p->body = wire_bytes(&body, 0);

		if (!v2_pl_is_known(type)) {
			if (gflags & FLAG_CRITICAL)
				return fail(m, -ENOTSUP, V2N_UNSUPPORTED_CRITICAL_PAYLOAD, type,
					    "unknown payload type marked critical");
			p->flags |= V2_PLF_UNKNOWN;
			m->npl++;
			continue;
		}
		if (type == V2_PL_SK || type == V2_PL_SKF) {
			if (inner)
				return syntax(m, type, "SK or SKF inside SK");
			if (wire_left(w))
				return syntax(m, type, "SK or SKF not the last payload");
			rc = sk_decode(m, p, next, hdr_off, &body);
			if (rc)
				return rc;
			m->count[type]++;
			m->npl++;
			return 0;
		}
		if (!inner && v2_pl_is_sk_only(type))
			return syntax(m, type, "payload only legal inside SK found outside it");
		rc = body_decode(m, p, &body);
		if (rc)
			return rc;
		m->count[type]++;
		m->npl++;
	}
	if (wire_left(w))
		return syntax(m, V2_PL_NONE, "bytes after the last payload");
	return 0;
}

int v2_msg_decode(const uint8_t *buf, size_t len, struct v2_msg *m)
{
	struct wire w = wire_make(buf, len);
	int rc;

	m->buf = buf;
	m->len = len;
	m->has_sk = m->is_frag = m->inner_done = false;
	memset(&m->sk, 0, sizeof(m->sk));
	m->notify = 0;
	m->bad_type = 0;
	m->why = NULL;
	m->npl = m->nsa = m->nts = m->ncp = m->nnotify = 0;
	memset(m->count, 0, sizeof(m->count));

	rc = v2_hdr_decode(buf, len, &m->hdr);
	if (rc == -EPROTONOSUPPORT)
		return fail(m, rc, V2N_INVALID_MAJOR_VERSION, 0, "major version not 2");
	if (rc)
		return syntax(m, 0, "bad IKE header: short, or Length not the datagram's");
	wire_bytes(&w, V2_HDR_SIZE);
	return chain_decode(m, m->hdr.next, &w, false);
}

int v2_inner_decode(uint8_t first, const uint8_t *buf, size_t len, struct v2_msg *m)
{
	struct wire w = wire_make(buf, len);
	int rc;

	if (!m->has_sk || m->inner_done)
		return -EINVAL;
	rc = chain_decode(m, first, &w, true);
	if (rc)
		return rc;
	m->inner_done = true;
	return 0;
}

int v2_msg_find(const struct v2_msg *m, uint8_t type, int from)
{
	for (int i = from < 0 ? 0 : from; i < m->npl; i++) {
		if (m->pl[i].type == type && !(m->pl[i].flags & V2_PLF_UNKNOWN))
			return i;
	}
	return -1;
}

const struct v2_notification *v2_msg_notify(const struct v2_msg *m, uint16_t ntype)
{
	for (int i = v2_msg_find(m, V2_PL_NOTIFY, 0); i >= 0;
	     i = v2_msg_find(m, V2_PL_NOTIFY, i + 1)) {
		if (m->pl[i].u.notify.type == ntype)
			return &m->pl[i].u.notify;
	}
	return NULL;
}
