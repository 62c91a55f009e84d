/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ISAKMP header and the payload chain.
 */
#include <errno.h>
#include <string.h>

#include "ike/v1/msg.h"

enum { VERSION_1 = 1 };

/*
 * RFC 2408 3.1 ISAKMP Header Format
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                          Initiator                            !
 * !                            Cookie                             !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                          Responder                            !
 * !                            Cookie                             !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                          Message ID                           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                            Length                             !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int v1_hdr_decode(const uint8_t *buf, size_t len, struct v1_hdr *h)
{
	struct wire w = wire_make(buf, len);
	const uint8_t *ci, *cr;
	uint8_t ver;

	memset(h, 0, sizeof(*h));
	if (len < V1_HDR_SIZE)
		return -EBADMSG;
	ci = wire_bytes(&w, 8);
	cr = wire_bytes(&w, 8);
	memcpy(h->icookie, ci, 8);
	memcpy(h->rcookie, cr, 8);
	h->next = wire_u8(&w);
	ver = wire_u8(&w);
	h->major = ver >> 4;
	h->minor = ver & 0x0f;
	h->exchange = wire_u8(&w);
	h->flags = wire_u8(&w);
	h->msgid = wire_u32(&w);
	h->length = wire_u32(&w);
	if (wire_err(&w))
		return -EBADMSG;
	if (h->major != VERSION_1)
		return -EPROTONOSUPPORT;
	if (h->length != len || h->length > V1_MSG_MAX)
		return -EBADMSG;
	return 0;
}

int v1_hdr_encode(struct wbuf *b, const struct v1_hdr *h)
{
	wbuf_bytes(b, h->icookie, 8);
	wbuf_bytes(b, h->rcookie, 8);
	wbuf_u8(b, h->next);
	wbuf_u8(b, VERSION_1 << 4);
	wbuf_u8(b, h->exchange);
	wbuf_u8(b, h->flags);
	wbuf_u32(b, h->msgid);
	wbuf_u32(b, h->length);
	return b->err;
}

static int fail(struct v1_msg *m, int err, uint16_t notify, uint8_t type, const char *why)
{
	m->notify = notify;
	m->bad_type = type;
	m->why = why;
	return err;
}

static int malformed(struct v1_msg *m, uint8_t type, const char *why)
{
	return fail(m, -EBADMSG, V1N_PAYLOAD_MALFORMED, type, why);
}

static int body_decode(struct v1_msg *m, struct v1_payload *p, struct wire *w)
{
	const char *why = "malformed payload";
	int rc;

	switch (p->type) {
	case V1_PL_SA:
		if (m->nsa == V1_MAX_SA_PAYLOADS)
			return malformed(m, p->type, "too many SA payloads");
		p->u.sa = &m->sa[m->nsa++];
		rc = v1_pl_sa_decode(w, p->u.sa, &why);
		if (rc == -EPROTONOSUPPORT)
			return fail(m, -EBADMSG, V1N_DOI_NOT_SUPPORTED, p->type, why);
		if (rc == -ENOTSUP)
			return fail(m, -EBADMSG, V1N_SITUATION_NOT_SUPPORTED, p->type, why);
		if (rc)
			return fail(m, -EBADMSG, V1N_BAD_PROPOSAL_SYNTAX, p->type, why);
		break;
	case V1_PL_ATTR:
		if (m->ncfg == V1_MAX_ATTR_PAYLOADS)
			return malformed(m, p->type, "too many attribute payloads");
		p->u.cfg = &m->cfg[m->ncfg++];
		rc = v1_pl_cfg_decode(w, p->u.cfg, &why);
		break;
	case V1_PL_KE:
	case V1_PL_HASH:
	case V1_PL_SIG:
	case V1_PL_NONCE:
	case V1_PL_VID:
	case V1_PL_NAT_D:
	case V1_PL_NAT_D_DRAFT:
		rc = v1_pl_blob_decode(w, p->type, &p->u.blob, &why);
		break;
	case V1_PL_ID:
		rc = v1_pl_id_decode(w, &p->u.id, &why);
		if (rc)
			return fail(m, rc, V1N_INVALID_ID_INFORMATION, p->type, why);
		break;
	case V1_PL_CERT:
		rc = v1_pl_cert_decode(w, &p->u.cert, &why);
		break;
	case V1_PL_CR:
		rc = v1_pl_cr_decode(w, &p->u.cert, &why);
		break;
	case V1_PL_N:
		rc = v1_pl_notify_decode(w, &p->u.notify, &why);
		break;
	case V1_PL_D:
		rc = v1_pl_delete_decode(w, &p->u.del, &why);
		break;
	case V1_PL_NAT_OA:
	case V1_PL_NAT_OA_DRAFT:
		rc = v1_pl_nat_oa_decode(w, &p->u.oa, &why);
		break;
	default:
		return fail(m, -EBADMSG, V1N_INVALID_PAYLOAD_TYPE, p->type,
			    "no decoder for this payload type");
	}
	if (rc)
		return malformed(m, p->type, why);
	if (wire_left(w))
		return malformed(m, p->type, "bytes left over in a payload body");
	return 0;
}

/*
 * RFC 2408 3.2 Generic Payload Header
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ISAKMP has no critical bit: a type we do not know is an error
 * (INVALID_PAYLOAD_TYPE, RFC 2408 5.2). The chain ends at Next Payload
 * 0; what follows is padding, allowed only in a decrypted body.
 */
static int chain_decode(struct v1_msg *m, uint8_t next, struct wire *w, bool decrypted)
{
	while (next != V1_PL_NONE) {
		uint8_t type = next;
		uint16_t plen;
		struct wire body;
		struct v1_payload *p;
		int rc;

		next = wire_u8(w);
		wire_u8(w);
		plen = wire_u16(w);
		if (wire_err(w))
			return malformed(m, type, "truncated generic payload header");
		if (plen < V1_GEN_HDR_SIZE)
			return malformed(m, type, "payload length below 4");
		body = wire_sub(w, plen - V1_GEN_HDR_SIZE);
		if (wire_err(&body))
			return malformed(m, type, "payload length beyond the message");
		if (!v1_pl_is_known(type))
			return fail(m, -EBADMSG, V1N_INVALID_PAYLOAD_TYPE, type,
				    "unknown or misplaced payload type");
		if (m->npl == V1_MAX_PAYLOADS)
			return malformed(m, type, "too many payloads");
		p = &m->pl[m->npl];
		memset(p, 0, sizeof(*p));
		p->type = type;
		p->len = (uint16_t)body.len;
		p->body = body.p;
		rc = body_decode(m, p, &body);
		if (rc)
			return rc;
		m->count[type]++;
		m->npl++;
	}
	m->pad = wire_left(w);
	/* libreswan pads what it sends in the clear to 4 bytes (ikepad=yes, its default) */
	if (m->pad > 3 && !decrypted)
		return malformed(m, V1_PL_NONE, "more than 3 bytes after the last payload");
	if (m->pad > V1_PAD_MAX)
		return malformed(m, V1_PL_NONE, "more than 255 bytes of padding");
	return 0;
}

int v1_msg_decode(const uint8_t *buf, size_t len, struct v1_msg *m)
{
	struct wire w = wire_make(buf, len);
	int rc;

	m->buf = buf;
	m->len = len;
	m->encrypted = m->body_done = false;
	m->pad = 0;
	m->notify = 0;
	m->bad_type = 0;
	m->why = NULL;
	m->npl = m->nsa = m->ncfg = 0;
	memset(m->count, 0, sizeof(m->count));

	rc = v1_hdr_decode(buf, len, &m->hdr);
	if (rc == -EPROTONOSUPPORT)
		return fail(m, rc, V1N_INVALID_MAJOR_VERSION, 0, "major version not 1");
	if (rc)
		return malformed(m, 0, "bad ISAKMP header: short, or Length not the datagram's");
	if (m->hdr.flags & ~(V1_FLAG_ENCRYPTION | V1_FLAG_COMMIT | V1_FLAG_AUTH_ONLY))
		return fail(m, -EBADMSG, V1N_INVALID_FLAGS, 0, "unknown ISAKMP header flags");
	wire_bytes(&w, V1_HDR_SIZE);
	if (m->hdr.flags & V1_FLAG_ENCRYPTION) {
		m->encrypted = true;
		if (!wire_left(&w))
			return malformed(m, 0, "encrypted message without a body");
		return 0;
	}
	rc = chain_decode(m, m->hdr.next, &w, false);
	if (rc)
		return rc;
	m->body_done = true;
	return 0;
}

int v1_msg_decode_body(struct v1_msg *m, const uint8_t *buf, size_t len)
{
	struct wire w = wire_make(buf, len);
	int rc;

	if (!m->encrypted || m->body_done)
		return -EINVAL;
	rc = chain_decode(m, m->hdr.next, &w, true);
	if (rc)
		return rc;
	m->body_done = true;
	return 0;
}

int v1_msg_find(const struct v1_msg *m, uint8_t type, int from)
{
	for (int i = from < 0 ? 0 : from; i < m->npl; i++) {
		if (m->pl[i].type == type)
			return i;
	}
	return -1;
}

const struct v1_notification *v1_msg_notify(const struct v1_msg *m, uint16_t type)
{
	for (int i = v1_msg_find(m, V1_PL_N, 0); i >= 0; i = v1_msg_find(m, V1_PL_N, i + 1)) {
		if (m->pl[i].u.notify.type == type)
			return &m->pl[i].u.notify;
	}
	return NULL;
}
