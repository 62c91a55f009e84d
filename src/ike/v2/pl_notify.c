/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Notify and Delete payloads: a protocol, an SPI size and SPIs.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/payloads.h"

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

static bool is_protocol(uint8_t p)
{
	return p == V2_PROTO_IKE || p == V2_PROTO_AH || p == V2_PROTO_ESP;
}

/* Data lengths fixed by the notify type; 0 when the type leaves it free. */
static int data_check(const struct v2_notification *n, const char **why)
{
	switch (n->type) {
	case V2N_COOKIE:
		if (n->len < 1 || n->len > V2_COOKIE_MAX)
			return bad(why, "COOKIE data not 1..64 bytes");
		break;
	case V2N_INVALID_KE_PAYLOAD:
		if (n->len != 2)
			return bad(why, "INVALID_KE_PAYLOAD data not a 2-byte group");
		break;
	case V2N_NAT_DETECTION_SOURCE_IP:
	case V2N_NAT_DETECTION_DESTINATION_IP:
		if (n->len != V2_NAT_D_SIZE)
			return bad(why, "NAT_DETECTION data not a 20-byte SHA-1 digest");
		break;
	case V2N_REKEY_SA:
		if (n->spi_size != 4)
			return bad(why, "REKEY_SA without a 4-byte SPI");
		break;
	default:
		break;
	}
	return 0;
}

/*
 * RFC 7296 3.10 Notify Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Protocol ID  |   SPI Size    |      Notify Message Type      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                Security Parameter Index (SPI)                 ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       Notification Data                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Without an SPI the Protocol ID is ignored on receipt (and read as 0).
 */
int v2_pl_notify_decode(struct wire *w, struct v2_notification *n, const char **why)
{
	memset(n, 0, sizeof(*n));
	n->protocol = wire_u8(w);
	n->spi_size = wire_u8(w);
	n->type = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated Notify payload");
	if (n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8)
		return bad(why, "Notify SPI size neither 0, 4 nor 8");
	if (n->spi_size == 0)
		n->protocol = 0;
	else if (!is_protocol(n->protocol))
		return bad(why, "Notify protocol neither IKE, AH nor ESP");
	const uint8_t *spi = wire_bytes(w, n->spi_size);

	if (!spi)
		return bad(why, "Notify SPI beyond the payload");
	memcpy(n->spi, spi, n->spi_size);
	n->len = (uint16_t)wire_left(w);
	n->data = wire_bytes(w, n->len);
	return data_check(n, why);
}

int v2_pl_notify_encode(struct wbuf *b, const struct v2_notification *n)
{
	const char *why;

	if ((n->spi_size != 0 && n->spi_size != 4 && n->spi_size != 8) ||
	    (n->spi_size && !is_protocol(n->protocol)) || data_check(n, &why) ||
	    (n->len && !n->data))
		return -EINVAL;
	wbuf_u8(b, n->spi_size ? n->protocol : 0);
	wbuf_u8(b, n->spi_size);
	wbuf_u16(b, n->type);
	wbuf_bytes(b, n->spi, n->spi_size);
	wbuf_bytes(b, n->data, n->len);
	return b->err;
}

/*
 * RFC 7296 3.11 Delete Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Protocol ID   |   SPI Size    |          Num of SPIs          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~               Security Parameter Index(es) (SPI)              ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Deleting the IKE SA: SPI size 0 and no SPIs. ESP and AH: 4-byte SPIs,
 * at least one.
 */
static int delete_check(const struct v2_delete *d, const char **why)
{
	switch (d->protocol) {
	case V2_PROTO_IKE:
		if (d->spi_size != 0 || d->nspi != 0)
			return bad(why, "Delete of the IKE SA with SPIs");
		break;
	case V2_PROTO_AH:
	case V2_PROTO_ESP:
		if (d->spi_size != 4)
			return bad(why, "Delete of ESP/AH with an SPI size not 4");
		if (d->nspi == 0)
			return bad(why, "Delete of ESP/AH without SPIs");
		if (d->nspi > V2_MAX_DELETE_SPIS)
			return bad(why, "too many SPIs in a Delete payload");
		break;
	default:
		return bad(why, "Delete protocol neither IKE, AH nor ESP");
	}
	return 0;
}

int v2_pl_delete_decode(struct wire *w, struct v2_delete *d, const char **why)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->protocol = wire_u8(w);
	d->spi_size = wire_u8(w);
	d->nspi = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated Delete payload");
	rc = delete_check(d, why);
	if (rc)
		return rc;
	if (wire_left(w) != (size_t)d->nspi * d->spi_size)
		return bad(why, "Delete payload length does not match its SPIs");
	d->spis = wire_bytes(w, wire_left(w));
	return 0;
}

int v2_pl_delete_encode(struct wbuf *b, const struct v2_delete *d)
{
	const char *why;

	if (delete_check(d, &why) || (d->nspi && !d->spis))
		return -EINVAL;
	wbuf_u8(b, d->protocol);
	wbuf_u8(b, d->spi_size);
	wbuf_u16(b, d->nspi);
	wbuf_bytes(b, d->spis, (size_t)d->nspi * d->spi_size);
	return b->err;
}
