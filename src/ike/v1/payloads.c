/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The small ISAKMP payloads: KE, HASH, SIG, NONCE, VID, NAT-D (opaque
 * values), ID, CERT, CR, N, D, NAT-OA and the Mode Config / XAUTH
 * attribute payload; and what the codec knows about payload types.
 */
#include <errno.h>
#include <string.h>

#include "ike/v1/payloads.h"

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

const char *v1_pl_name(uint8_t type)
{
	switch (type) {
	case V1_PL_NONE: return "none";
	case V1_PL_SA: return "SA";
	case V1_PL_P: return "P";
	case V1_PL_T: return "T";
	case V1_PL_KE: return "KE";
	case V1_PL_ID: return "ID";
	case V1_PL_CERT: return "CERT";
	case V1_PL_CR: return "CR";
	case V1_PL_HASH: return "HASH";
	case V1_PL_SIG: return "SIG";
	case V1_PL_NONCE: return "NONCE";
	case V1_PL_N: return "N";
	case V1_PL_D: return "D";
	case V1_PL_VID: return "VID";
	case V1_PL_ATTR: return "ATTR";
	case V1_PL_NAT_D: return "NAT-D";
	case V1_PL_NAT_OA: return "NAT-OA";
	case V1_PL_NAT_D_DRAFT: return "NAT-D (draft)";
	case V1_PL_NAT_OA_DRAFT: return "NAT-OA (draft)";
	case V1_PL_FRAG: return "FRAG";
	default: return "?";
	}
}

/*
 * Proposals and transforms exist only inside an SA payload; IKE
 * fragments (132) are not decoded yet: both are refused at the top.
 */
bool v1_pl_is_known(uint8_t type)
{
	switch (type) {
	case V1_PL_SA:
	case V1_PL_KE:
	case V1_PL_ID:
	case V1_PL_CERT:
	case V1_PL_CR:
	case V1_PL_HASH:
	case V1_PL_SIG:
	case V1_PL_NONCE:
	case V1_PL_N:
	case V1_PL_D:
	case V1_PL_VID:
	case V1_PL_ATTR:
	case V1_PL_NAT_D:
	case V1_PL_NAT_OA:
	case V1_PL_NAT_D_DRAFT:
	case V1_PL_NAT_OA_DRAFT:
		return true;
	default:
		return false;
	}
}

/* Bounds of the opaque payloads: what a sane peer sends. */
static void blob_bounds(uint8_t type, uint16_t *min, uint16_t *max)
{
	*min = 1;
	switch (type) {
	case V1_PL_KE: *max = V1_KE_MAX; break;
	case V1_PL_HASH: *max = V1_HASH_MAX; break;
	case V1_PL_SIG: *max = V1_SIG_MAX; break;
	case V1_PL_NONCE: *min = V1_NONCE_MIN; *max = V1_NONCE_MAX; break;
	case V1_PL_VID: *max = V1_VID_MAX; break;
	case V1_PL_NAT_D:
	case V1_PL_NAT_D_DRAFT: *max = V1_HASH_MAX; break;
	default: *min = 1; *max = 0; break;	/* not an opaque payload */
	}
}

/*
 * RFC 2408 3.7 Key Exchange, 3.11 Hash, 3.12 Signature, 3.13 Nonce,
 * 3.16 Vendor ID; RFC 3947 3.2 NAT-D: after the generic header, the value.
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                  Key Exchange Data / Hash / Nonce / ...       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int v1_pl_blob_decode(struct wire *w, uint8_t type, struct v1_blob *b, const char **why)
{
	uint16_t min, max;
	size_t n = wire_left(w);

	blob_bounds(type, &min, &max);
	if (n < min)
		return bad(why, type == V1_PL_NONCE ? "nonce shorter than 8 bytes" : "empty payload");
	if (n > max)
		return bad(why, type == V1_PL_NONCE ? "nonce longer than 256 bytes"
						    : "payload value longer than its maximum");
	b->len = (uint16_t)n;
	b->data = wire_bytes(w, n);
	return 0;
}

int v1_pl_blob_encode(struct wbuf *b, uint8_t type, const struct v1_blob *bl)
{
	uint16_t min, max;

	blob_bounds(type, &min, &max);
	if (bl->len < min || bl->len > max || !bl->data)
		return -EINVAL;
	wbuf_bytes(b, bl->data, bl->len);
	return b->err;
}

/*
 * RFC 2407 4.6.2 Identification Payload Content
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Next Payload !   RESERVED    !        Payload Length         !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !   ID Type     !  Protocol ID  !             Port              !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                     Identification Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The data's length is checked against its type where the type fixes it
 * (addresses, subnets, ranges); the others are checked by their users.
 */
static int id_data_check(const struct v1_id *id, const char **why)
{
	size_t want = 0;

	switch (id->type) {
	case V1_ID_IPV4_ADDR: want = 4; break;
	case V1_ID_IPV4_ADDR_SUBNET:
	case V1_ID_IPV4_ADDR_RANGE: want = 8; break;
	case V1_ID_IPV6_ADDR: want = 16; break;
	case V1_ID_IPV6_ADDR_SUBNET:
	case V1_ID_IPV6_ADDR_RANGE: want = 32; break;
	case V1_ID_FQDN:
	case V1_ID_USER_FQDN:
	case V1_ID_DER_ASN1_DN:
	case V1_ID_DER_ASN1_GN:
	case V1_ID_KEY_ID:
		if (id->len == 0 && id->type != V1_ID_DER_ASN1_DN)
			return bad(why, "empty identification data");
		if (id->len > V1_ID_MAX)
			return bad(why, "identification data longer than 1024 bytes");
		return 0;
	default:
		return bad(why, "unknown ID type");
	}
	if (id->len != want)
		return bad(why, "address ID of the wrong length for its type");
	return 0;
}

int v1_pl_id_decode(struct wire *w, struct v1_id *id, const char **why)
{
	memset(id, 0, sizeof(*id));
	id->type = wire_u8(w);
	id->protocol = wire_u8(w);
	id->port = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated ID payload");
	id->len = (uint16_t)wire_left(w);
	id->data = wire_bytes(w, id->len);
	return id_data_check(id, why);
}

int v1_pl_id_encode(struct wbuf *b, const struct v1_id *id)
{
	const char *why;

	if (id_data_check(id, &why) || (id->len && !id->data))
		return -EINVAL;
	wbuf_u8(b, id->type);
	wbuf_u8(b, id->protocol);
	wbuf_u16(b, id->port);
	wbuf_bytes(b, id->data, id->len);
	return b->err;
}

/*
 * RFC 2408 3.9 Certificate Payload, 3.10 Certificate Request Payload
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Cert Encoding !                                               !
 * +-+-+-+-+-+-+-+-+                                               !
 * ~           Certificate Data / Certificate Authority            ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A CR may name no authority (any CA will do); a CERT has data.
 */
static int cert_read(struct wire *w, struct v1_cert *c, bool request, const char **why)
{
	memset(c, 0, sizeof(*c));
	c->encoding = wire_u8(w);
	if (wire_err(w))
		return bad(why, request ? "truncated CR payload" : "truncated CERT payload");
	c->len = (uint16_t)wire_left(w);
	c->data = wire_bytes(w, c->len);
	if (!request && c->len == 0)
		return bad(why, "CERT payload without data");
	if (c->len > V1_CERT_MAX)
		return bad(why, "certificate data longer than 16 KiB");
	return 0;
}

int v1_pl_cert_decode(struct wire *w, struct v1_cert *c, const char **why)
{
	return cert_read(w, c, false, why);
}

int v1_pl_cr_decode(struct wire *w, struct v1_cert *c, const char **why)
{
	return cert_read(w, c, true, why);
}

static int cert_write(struct wbuf *b, const struct v1_cert *c, bool request)
{
	if ((!request && c->len == 0) || c->len > V1_CERT_MAX || (c->len && !c->data))
		return -EINVAL;
	wbuf_u8(b, c->encoding);
	wbuf_bytes(b, c->data, c->len);
	return b->err;
}

int v1_pl_cert_encode(struct wbuf *b, const struct v1_cert *c)
{
	return cert_write(b, c, false);
}

int v1_pl_cr_encode(struct wbuf *b, const struct v1_cert *c)
{
	return cert_write(b, c, true);
}

/*
 * RFC 2408 3.14 Notification Payload
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !              Domain of Interpretation  (DOI)                  !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                Security Parameter Index (SPI)                 ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Notification Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int v1_pl_notify_decode(struct wire *w, struct v1_notification *n, const char **why)
{
	const uint8_t *spi;

	memset(n, 0, sizeof(*n));
	n->doi = wire_u32(w);
	n->protocol = wire_u8(w);
	n->spi_size = wire_u8(w);
	n->type = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated Notification payload");
	if (n->spi_size > V1_SPI_MAX)
		return bad(why, "Notification SPI longer than 16 bytes");
	spi = wire_bytes(w, n->spi_size);
	if (!spi)
		return bad(why, "Notification SPI beyond the payload");
	memcpy(n->spi, spi, n->spi_size);
	n->len = (uint16_t)wire_left(w);
	n->data = wire_bytes(w, n->len);
	return 0;
}

int v1_pl_notify_encode(struct wbuf *b, const struct v1_notification *n)
{
	if (n->spi_size > V1_SPI_MAX || (n->len && !n->data))
		return -EINVAL;
	wbuf_u32(b, n->doi);
	wbuf_u8(b, n->protocol);
	wbuf_u8(b, n->spi_size);
	wbuf_u16(b, n->type);
	wbuf_bytes(b, n->spi, n->spi_size);
	wbuf_bytes(b, n->data, n->len);
	return b->err;
}

/*
 * RFC 2408 3.15 Delete Payload
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !              Domain of Interpretation  (DOI)                  !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Protocol-Id  !   SPI Size    !           # of SPIs           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~               Security Parameter Index(es) (SPI)              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int v1_pl_delete_decode(struct wire *w, struct v1_delete *d, const char **why)
{
	memset(d, 0, sizeof(*d));
	d->doi = wire_u32(w);
	d->protocol = wire_u8(w);
	d->spi_size = wire_u8(w);
	d->nspi = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated Delete payload");
	if (d->spi_size == 0 || d->spi_size > V1_SPI_MAX)
		return bad(why, "Delete SPI size not 1..16");
	if (d->nspi == 0 || d->nspi > V1_MAX_DELETE_SPIS)
		return bad(why, "Delete payload with no SPI or more than 1024");
	if (wire_left(w) != (size_t)d->nspi * d->spi_size)
		return bad(why, "Delete payload length does not match its SPI count");
	d->spis = wire_bytes(w, (size_t)d->nspi * d->spi_size);
	return 0;
}

int v1_pl_delete_encode(struct wbuf *b, const struct v1_delete *d)
{
	if (d->spi_size == 0 || d->spi_size > V1_SPI_MAX || d->nspi == 0 ||
	    d->nspi > V1_MAX_DELETE_SPIS || !d->spis)
		return -EINVAL;
	wbuf_u32(b, d->doi);
	wbuf_u8(b, d->protocol);
	wbuf_u8(b, d->spi_size);
	wbuf_u16(b, d->nspi);
	wbuf_bytes(b, d->spis, (size_t)d->nspi * d->spi_size);
	return b->err;
}

/*
 * RFC 3947 5.2 NAT Original Address
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |    RESERVED   |        Payload length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    ID Type    |    RESERVED   |            RESERVED           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           IPv4 (4 octets) or IPv6 address (16 octets)         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static size_t oa_len(uint8_t id_type)
{
	return id_type == V1_ID_IPV4_ADDR ? 4 : id_type == V1_ID_IPV6_ADDR ? 16 : 0;
}

int v1_pl_nat_oa_decode(struct wire *w, struct v1_nat_oa *oa, const char **why)
{
	const uint8_t *a;
	size_t n;

	memset(oa, 0, sizeof(*oa));
	oa->id_type = wire_u8(w);
	wire_bytes(w, 3);
	if (wire_err(w))
		return bad(why, "truncated NAT-OA payload");
	n = oa_len(oa->id_type);
	if (!n)
		return bad(why, "NAT-OA of an ID type other than an IPv4 or IPv6 address");
	if (wire_left(w) != n)
		return bad(why, "NAT-OA address of the wrong length for its type");
	a = wire_bytes(w, n);
	memcpy(oa->addr, a, n);
	oa->addr_len = (uint8_t)n;
	return 0;
}

int v1_pl_nat_oa_encode(struct wbuf *b, const struct v1_nat_oa *oa)
{
	size_t n = oa_len(oa->id_type);

	if (!n || oa->addr_len != n)
		return -EINVAL;
	wbuf_u8(b, oa->id_type);
	wbuf_u8(b, 0);
	wbuf_u16(b, 0);
	wbuf_bytes(b, oa->addr, n);
	return b->err;
}

/*
 * draft-dukes-ike-mode-cfg 3.1 Attribute Payload (also XAUTH's)
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !     Type      !   RESERVED    !           Identifier          !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                           Attributes                          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Attributes as in RFC 2408 3.3 (AF bit); a variable one may be empty
 * here (a REQUEST asks for an attribute by sending it without a value).
 */
int v1_pl_cfg_decode(struct wire *w, struct v1_cfg *cfg, const char **why)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = wire_u8(w);
	wire_u8(w);
	cfg->identifier = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated attribute payload");
	if (cfg->type < V1_CFG_REQUEST || cfg->type > V1_CFG_ACK)
		return bad(why, "attribute payload of an unknown type");
	/*
	 * Up to 3 bytes after the last attribute are not one: libreswan 4.10's
	 * Mode Config ACK ends with such bytes, and its own decoder reads
	 * attributes only while 4 bytes are left. They are skipped.
	 */
	while (wire_left(w) >= 4) {
		struct v1_cfg_attr *a;
		uint16_t t, l;

		if (cfg->nattr == V1_MAX_CFG_ATTRS)
			return bad(why, "more than 64 attributes in an attribute payload");
		a = &cfg->attr[cfg->nattr];
		t = wire_u16(w);
		l = wire_u16(w);
		if (wire_err(w))
			return bad(why, "truncated configuration attribute");
		a->type = t & ~V1_ATTR_AF;
		a->basic = t & V1_ATTR_AF;
		if (a->basic) {
			a->value = l;
			a->len = 0;
			a->val = NULL;
		} else {
			a->len = l;
			a->val = wire_bytes(w, l);
			if (!a->val)
				return bad(why, "configuration attribute beyond its payload");
		}
		cfg->nattr++;
	}
	wire_bytes(w, wire_left(w));
	return 0;
}

int v1_pl_cfg_encode(struct wbuf *b, const struct v1_cfg *cfg)
{
	if (cfg->type < V1_CFG_REQUEST || cfg->type > V1_CFG_ACK ||
	    cfg->nattr > V1_MAX_CFG_ATTRS)
		return -EINVAL;
	wbuf_u8(b, cfg->type);
	wbuf_u8(b, 0);
	wbuf_u16(b, cfg->identifier);
	for (unsigned i = 0; i < cfg->nattr; i++) {
		const struct v1_cfg_attr *a = &cfg->attr[i];

		if (a->type & V1_ATTR_AF || (!a->basic && a->len && !a->val))
			return -EINVAL;
		if (a->basic) {
			wbuf_u16(b, (uint16_t)(a->type | V1_ATTR_AF));
			wbuf_u16(b, a->value);
		} else {
			wbuf_u16(b, a->type);
			wbuf_u16(b, a->len);
			wbuf_bytes(b, a->val, a->len);
		}
	}
	return b->err;
}
