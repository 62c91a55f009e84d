/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The small payloads: KE, ID, AUTH, Nonce, CERT, CERTREQ, V, EAP; and
 * what the codec knows about payload types.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/payloads.h"

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

const char *v2_pl_name(uint8_t type)
{
	switch (type) {
	case V2_PL_NONE: return "none";
	case V2_PL_SA: return "SA";
	case V2_PL_KE: return "KE";
	case V2_PL_IDI: return "IDi";
	case V2_PL_IDR: return "IDr";
	case V2_PL_CERT: return "CERT";
	case V2_PL_CERTREQ: return "CERTREQ";
	case V2_PL_AUTH: return "AUTH";
	case V2_PL_NONCE: return "Nonce";
	case V2_PL_NOTIFY: return "N";
	case V2_PL_DELETE: return "D";
	case V2_PL_VENDOR: return "V";
	case V2_PL_TSI: return "TSi";
	case V2_PL_TSR: return "TSr";
	case V2_PL_SK: return "SK";
	case V2_PL_CP: return "CP";
	case V2_PL_EAP: return "EAP";
	case V2_PL_SKF: return "SKF";
	default: return "?";
	}
}

bool v2_pl_is_known(uint8_t type)
{
	return (type >= V2_PL_SA && type <= V2_PL_EAP) || type == V2_PL_SKF;
}

/*
 * Identities, authentication, certificates, selectors, configuration,
 * EAP and deletes only ever travel encrypted (RFC 7296 1.2-1.4): outside
 * SK they are refused before any decoder sees them.
 */
bool v2_pl_is_sk_only(uint8_t type)
{
	switch (type) {
	case V2_PL_IDI:
	case V2_PL_IDR:
	case V2_PL_CERT:
	case V2_PL_AUTH:
	case V2_PL_DELETE:
	case V2_PL_TSI:
	case V2_PL_TSR:
	case V2_PL_CP:
	case V2_PL_EAP:
		return true;
	default:
		return false;
	}
}

/*
 * RFC 7296 3.4 Key Exchange Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Diffie-Hellman Group Num    |           RESERVED            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Key Exchange Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static bool ke_ok(size_t len)
{
	return len >= 1 && len <= V2_KE_MAX;
}

int v2_pl_ke_decode(struct wire *w, struct v2_ke *ke, const char **why)
{
	ke->group = wire_u16(w);
	wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated KE payload");
	if (!ke_ok(wire_left(w)))
		return bad(why, "KE data not 1..1024 bytes");
	ke->len = (uint16_t)wire_left(w);
	ke->data = wire_bytes(w, ke->len);
	return 0;
}

int v2_pl_ke_encode(struct wbuf *b, const struct v2_ke *ke)
{
	if (!ke_ok(ke->len) || !ke->data)
		return -EINVAL;
	wbuf_u16(b, ke->group);
	wbuf_u16(b, 0);
	wbuf_bytes(b, ke->data, ke->len);
	return b->err;
}

/*
 * RFC 7296 3.5 Identification Payloads
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   ID Type     |                 RESERVED                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                   Identification Data                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Addresses have their fixed sizes; ID_NULL (RFC 7619) may be empty.
 */
static int id_check(uint8_t type, size_t len, const char **why)
{
	if (len > V2_ID_MAX)
		return bad(why, "ID data longer than 1024 bytes");
	switch (type) {
	case V2_ID_IPV4_ADDR:
		return len == 4 ? 0 : bad(why, "ID_IPV4_ADDR not 4 bytes");
	case V2_ID_IPV6_ADDR:
		return len == 16 ? 0 : bad(why, "ID_IPV6_ADDR not 16 bytes");
	case V2_ID_NULL:
		return 0;
	default:
		return len ? 0 : bad(why, "empty ID data");
	}
}

int v2_pl_id_decode(struct wire *w, struct v2_id *id, const char **why)
{
	id->type = wire_u8(w);
	wire_bytes(w, 3);
	if (wire_err(w))
		return bad(why, "truncated ID payload");
	if (id_check(id->type, wire_left(w), why))
		return -EBADMSG;
	id->len = (uint16_t)wire_left(w);
	id->data = wire_bytes(w, id->len);
	return 0;
}

int v2_pl_id_encode(struct wbuf *b, const struct v2_id *id)
{
	const char *why;

	if (id_check(id->type, id->len, &why) || (id->len && !id->data))
		return -EINVAL;
	wbuf_u8(b, id->type);
	wbuf_u8(b, 0);
	wbuf_u16(b, 0);
	wbuf_bytes(b, id->data, id->len);
	return b->err;
}

/*
 * RFC 7296 3.8 Authentication Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Auth Method   |                RESERVED                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Authentication Data                      ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static bool auth_ok(size_t len)
{
	return len >= 1 && len <= V2_AUTH_MAX;
}

int v2_pl_auth_decode(struct wire *w, struct v2_auth *auth, const char **why)
{
	auth->method = wire_u8(w);
	wire_bytes(w, 3);
	if (wire_err(w))
		return bad(why, "truncated AUTH payload");
	if (!auth_ok(wire_left(w)))
		return bad(why, "AUTH data not 1..4096 bytes");
	auth->len = (uint16_t)wire_left(w);
	auth->data = wire_bytes(w, auth->len);
	return 0;
}

int v2_pl_auth_encode(struct wbuf *b, const struct v2_auth *auth)
{
	if (!auth_ok(auth->len) || !auth->data)
		return -EINVAL;
	wbuf_u8(b, auth->method);
	wbuf_u8(b, 0);
	wbuf_u16(b, 0);
	wbuf_bytes(b, auth->data, auth->len);
	return b->err;
}

/*
 * RFC 7296 3.9 Nonce Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                            Nonce Data                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * 16 to 256 bytes (2.10).
 */
static bool nonce_ok(size_t len)
{
	return len >= V2_NONCE_MIN && len <= V2_NONCE_MAX;
}

int v2_pl_nonce_decode(struct wire *w, struct v2_nonce *n, const char **why)
{
	if (!nonce_ok(wire_left(w)))
		return bad(why, "Nonce not 16..256 bytes");
	n->len = (uint16_t)wire_left(w);
	n->data = wire_bytes(w, n->len);
	return 0;
}

int v2_pl_nonce_encode(struct wbuf *b, const struct v2_nonce *n)
{
	if (!nonce_ok(n->len) || !n->data)
		return -EINVAL;
	wbuf_bytes(b, n->data, n->len);
	return b->err;
}

/*
 * RFC 7296 3.6 Certificate Payload, 3.7 Certificate Request Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Cert Encoding |                                               |
 * +-+-+-+-+-+-+-+-+                                               |
 * ~       Certificate Data / Certification Authority              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A certificate is never empty; a request may be (no CA preferred).
 */
static int cert_decode(struct wire *w, struct v2_cert *c, size_t min, const char **why)
{
	c->encoding = wire_u8(w);
	if (wire_err(w))
		return bad(why, "truncated CERT/CERTREQ payload");
	if (wire_left(w) < min)
		return bad(why, "empty CERT payload");
	c->len = (uint16_t)wire_left(w);
	c->data = wire_bytes(w, c->len);
	return 0;
}

int v2_pl_cert_decode(struct wire *w, struct v2_cert *c, const char **why)
{
	return cert_decode(w, c, 1, why);
}

int v2_pl_certreq_decode(struct wire *w, struct v2_cert *c, const char **why)
{
	return cert_decode(w, c, 0, why);
}

static int cert_encode(struct wbuf *b, const struct v2_cert *c, size_t min)
{
	if (c->len < min || (c->len && !c->data))
		return -EINVAL;
	wbuf_u8(b, c->encoding);
	wbuf_bytes(b, c->data, c->len);
	return b->err;
}

int v2_pl_cert_encode(struct wbuf *b, const struct v2_cert *c)
{
	return cert_encode(b, c, 1);
}

int v2_pl_certreq_encode(struct wbuf *b, const struct v2_cert *c)
{
	return cert_encode(b, c, 0);
}

/*
 * RFC 7296 3.12 Vendor ID Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        Vendor ID (VID)                        ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int v2_pl_vendor_decode(struct wire *w, struct v2_vendor *v, const char **why)
{
	v->len = (uint16_t)wire_left(w);
	v->data = wire_bytes(w, v->len);
	if (wire_err(w))
		return bad(why, "truncated V payload");
	return 0;
}

int v2_pl_vendor_encode(struct wbuf *b, const struct v2_vendor *v)
{
	if (v->len && !v->data)
		return -EINVAL;
	wbuf_bytes(b, v->data, v->len);
	return b->err;
}

/*
 * RFC 7296 3.16 EAP Payload, carrying one EAP message (RFC 3748 4)
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Code      | Identifier    |           Length              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      | Type_Data...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The EAP Length must be the payload's; Success and Failure are the bare
 * 4-byte header, Request and Response carry at least a Type.
 */
int v2_pl_eap_decode(struct wire *w, struct v2_eap *eap, const char **why)
{
	size_t total = wire_left(w);
	struct wire e = wire_sub(w, total);

	eap->msg = wire_bytes(&e, 0);
	eap->code = wire_u8(&e);
	eap->id = wire_u8(&e);
	eap->len = wire_u16(&e);
	eap->type = 0;
	if (wire_err(&e))
		return bad(why, "truncated EAP message");
	if (eap->len != total)
		return bad(why, "EAP Length differs from the EAP payload's");
	switch (eap->code) {
	case V2_EAP_REQUEST:
	case V2_EAP_RESPONSE:
		if (total < 5)
			return bad(why, "EAP Request/Response without a Type");
		eap->type = wire_u8(&e);
		break;
	case V2_EAP_SUCCESS:
	case V2_EAP_FAILURE:
		if (total != 4)
			return bad(why, "EAP Success/Failure with data");
		break;
	default:
		return bad(why, "EAP code not 1..4");
	}
	return 0;
}

int v2_pl_eap_encode(struct wbuf *b, const struct v2_eap *eap)
{
	struct wire w;
	struct v2_eap check;
	const char *why;

	if (!eap->msg)
		return -EINVAL;
	w = wire_make(eap->msg, eap->len);
	if (v2_pl_eap_decode(&w, &check, &why))
		return -EINVAL;
	wbuf_bytes(b, eap->msg, eap->len);
	return b->err;
}
