/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Configuration payload and its attributes.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/payloads.h"

enum { CP_ATTR_TYPE_MASK = 0x7fff };	/* the top bit is reserved */

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

static bool is_cfg_type(uint8_t t)
{
	return t >= V2_CFG_REQUEST && t <= V2_CFG_ACK;
}

/*
 * RFC 7296 3.15 Configuration Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C| RESERVED    |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   CFG Type    |                    RESERVED                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                   Configuration Attributes                    ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * RFC 7296 3.15.1 Configuration Attributes
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|         Attribute Type      |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                             Value                             ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Attribute values are left to the address-pool code: a request carries
 * empty ones, a reply addresses of the lengths 3.15.1 lists.
 */
int v2_pl_cp_decode(struct wire *w, struct v2_cp *cp, const char **why)
{
	cp->type = wire_u8(w);
	cp->nattrs = 0;
	wire_bytes(w, 3);
	if (wire_err(w))
		return bad(why, "truncated CP payload");
	if (!is_cfg_type(cp->type))
		return bad(why, "CP type not REQUEST, REPLY, SET or ACK");
	while (wire_left(w) > 0) {
		if (cp->nattrs == V2_MAX_CP_ATTRS)
			return bad(why, "too many configuration attributes");
		struct v2_cp_attr *a = &cp->attrs[cp->nattrs];

		a->type = wire_u16(w) & CP_ATTR_TYPE_MASK;
		a->len = wire_u16(w);
		a->value = wire_bytes(w, a->len);
		if (wire_err(w))
			return bad(why, "configuration attribute beyond its payload");
		cp->nattrs++;
	}
	return 0;
}

int v2_pl_cp_encode(struct wbuf *b, const struct v2_cp *cp)
{
	if (!is_cfg_type(cp->type) || cp->nattrs > V2_MAX_CP_ATTRS)
		return -EINVAL;
	wbuf_u8(b, cp->type);
	wbuf_u8(b, 0);
	wbuf_u16(b, 0);
	for (unsigned i = 0; i < cp->nattrs; i++) {
		const struct v2_cp_attr *a = &cp->attrs[i];

		if (a->type > CP_ATTR_TYPE_MASK || (a->len && !a->value))
			return -EINVAL;
		wbuf_u16(b, a->type);
		wbuf_u16(b, a->len);
		wbuf_bytes(b, a->value, a->len);
	}
	return b->err;
}
