/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The traffic selector payloads, TSi and TSr.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/payloads.h"

enum {
	TS_HDR = 8,			/* type, protocol, length, ports */
	PORT_OPAQUE_START = 65535,	/* RFC 7296 3.13.1: 65535..0 means OPAQUE */
	PORT_OPAQUE_END = 0,
};

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

size_t v2_ts_addr_len(uint8_t ts_type)
{
	switch (ts_type) {
	case V2_TS_IPV4_ADDR_RANGE:
		return 4;
	case V2_TS_IPV6_ADDR_RANGE:
		return 16;
	default:
		return 0;
	}
}

static bool ports_ok(uint16_t sport, uint16_t eport)
{
	return sport <= eport || (sport == PORT_OPAQUE_START && eport == PORT_OPAQUE_END);
}

/*
 * RFC 7296 3.13.1 Traffic Selector
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   TS Type     |IP Protocol ID*|       Selector Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Start Port*         |           End Port*           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                         Starting Address*                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                         Ending Address*                       ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A selector of a type we do not know (labels, RFC 9478) keeps only its
 * type, for the policy code to refuse; its length is still checked.
 */
static int one_decode(struct wire *w, struct v2_ts_one *t, const char **why)
{
	memset(t, 0, sizeof(*t));
	t->type = wire_u8(w);
	t->ipproto = wire_u8(w);
	uint16_t len = wire_u16(w);

	if (wire_err(w))
		return bad(why, "truncated traffic selector");
	size_t alen = v2_ts_addr_len(t->type);

	if (alen == 0) {
		if (len < 4 || !wire_bytes(w, len - 4))
			return bad(why, "traffic selector length beyond its payload");
		t->ipproto = 0;
		return 0;
	}
	if (len != TS_HDR + 2 * alen)
		return bad(why, "traffic selector length does not match its type");
	t->sport = wire_u16(w);
	t->eport = wire_u16(w);
	const uint8_t *s = wire_bytes(w, alen);
	const uint8_t *e = wire_bytes(w, alen);

	if (wire_err(w))
		return bad(why, "traffic selector beyond its payload");
	memcpy(t->start, s, alen);
	memcpy(t->end, e, alen);
	if (!ports_ok(t->sport, t->eport))
		return bad(why, "traffic selector start port above end port");
	if (memcmp(t->start, t->end, alen) > 0)
		return bad(why, "traffic selector start address above end address");
	return 0;
}

/*
 * RFC 7296 3.13 Traffic Selector Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Number of TSs |                 RESERVED                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                       <Traffic Selectors>                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int v2_pl_ts_decode(struct wire *w, struct v2_ts *ts, const char **why)
{
	uint8_t n = wire_u8(w);
	int rc;

	wire_bytes(w, 3);
	ts->n = 0;
	if (wire_err(w))
		return bad(why, "truncated TS payload");
	if (n == 0)
		return bad(why, "TS payload without selectors");
	if (n > V2_MAX_TS)
		return bad(why, "too many traffic selectors");
	for (unsigned i = 0; i < n; i++) {
		rc = one_decode(w, &ts->ts[i], why);
		if (rc)
			return rc;
	}
	if (wire_left(w))
		return bad(why, "bytes after the last traffic selector");
	ts->n = n;
	return 0;
}

int v2_pl_ts_encode(struct wbuf *b, const struct v2_ts *ts)
{
	if (ts->n == 0 || ts->n > V2_MAX_TS)
		return -EINVAL;
	wbuf_u8(b, ts->n);
	wbuf_u8(b, 0);
	wbuf_u16(b, 0);
	for (unsigned i = 0; i < ts->n; i++) {
		const struct v2_ts_one *t = &ts->ts[i];
		size_t alen = v2_ts_addr_len(t->type);

		if (alen == 0 || !ports_ok(t->sport, t->eport) ||
		    memcmp(t->start, t->end, alen) > 0)
			return -EINVAL;
		wbuf_u8(b, t->type);
		wbuf_u8(b, t->ipproto);
		wbuf_u16(b, (uint16_t)(TS_HDR + 2 * alen));
		wbuf_u16(b, t->sport);
		wbuf_u16(b, t->eport);
		wbuf_bytes(b, t->start, alen);
		wbuf_bytes(b, t->end, alen);
	}
	return b->err;
}
