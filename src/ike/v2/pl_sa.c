/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SA payload: proposals, transforms, transform attributes.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/payloads.h"

enum {
	LAST_PROPOSAL = 0,
	MORE_PROPOSALS = 2,
	LAST_TRANSFORM = 0,
	MORE_TRANSFORMS = 3,
	PROPOSAL_HDR = 8,
	TRANSFORM_HDR = 8,
	ATTR_TV = 0x8000,
};

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

/*
 * RFC 7296 3.3.5 Transform Attributes
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |A|       Attribute Type        |    AF=0  Attribute Length     |
 * |F|                             |    AF=1  Attribute Value      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   AF=0  Attribute Value                       |
 * |                   AF=1  Not Transmitted                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Key Length (14) is the only attribute defined and is TV. An attribute
 * we do not know makes the transform unusable: *unknown tells the caller
 * to leave it out, which is what rejecting that transform amounts to.
 */
static int attrs_decode(struct wire *w, struct v2_transform *t, bool *unknown, const char **why)
{
	while (wire_left(w) > 0) {
		uint16_t at = wire_u16(w);
		uint16_t val = wire_u16(w);

		if (wire_err(w))
			return bad(why, "truncated transform attribute");
		if (!(at & ATTR_TV)) {
			if (at == V2_ATTR_KEY_LENGTH)
				return bad(why, "Key Length attribute not in TV format");
			wire_bytes(w, val);
			if (wire_err(w))
				return bad(why, "transform attribute beyond its transform");
			*unknown = true;
			continue;
		}
		if ((at & ~ATTR_TV) != V2_ATTR_KEY_LENGTH) {
			*unknown = true;
			continue;
		}
		if (t->keylen)
			return bad(why, "Key Length attribute repeated");
		if (val == 0)
			return bad(why, "Key Length attribute of 0 bits");
		t->keylen = val;
	}
	return 0;
}

/*
 * RFC 7296 3.3.2 Transform Substructure
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |        Transform Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Transform Type |   RESERVED    |          Transform ID         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                      Transform Attributes                     ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int transform_decode(struct wire *w, bool last, struct v2_proposal *p, const char **why)
{
	uint8_t more = wire_u8(w);
	wire_u8(w);
	uint16_t len = wire_u16(w);
	struct v2_transform t = { 0 };
	bool unknown = false;
	int rc;

	if (wire_err(w))
		return bad(why, "truncated transform header");
	if (more != (last ? LAST_TRANSFORM : MORE_TRANSFORMS))
		return bad(why, "transform Last Substruc does not match Num Transforms");
	if (len < TRANSFORM_HDR)
		return bad(why, "transform length below 8");
	struct wire body = wire_sub(w, len - 4);
	if (wire_err(&body))
		return bad(why, "transform beyond its proposal");
	t.type = wire_u8(&body);
	wire_u8(&body);
	t.id = wire_u16(&body);
	rc = attrs_decode(&body, &t, &unknown, why);
	if (rc)
		return rc;
	if (!unknown)
		p->trans[p->ntrans++] = t;
	return 0;
}

/*
 * RFC 7296 3.3.1 Proposal Substructure
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |         Proposal Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        SPI (variable)                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        <Transforms>                           ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int proposal_decode(struct wire *w, struct v2_proposal *p, uint8_t *more,
			   const char **why)
{
	*more = wire_u8(w);
	wire_u8(w);
	uint16_t len = wire_u16(w);
	int rc;

	if (wire_err(w))
		return bad(why, "truncated proposal header");
	if (*more != LAST_PROPOSAL && *more != MORE_PROPOSALS)
		return bad(why, "proposal Last Substruc neither 0 nor 2");
	if (len < PROPOSAL_HDR)
		return bad(why, "proposal length below 8");
	struct wire body = wire_sub(w, len - 4);
	if (wire_err(&body))
		return bad(why, "proposal beyond its SA payload");
	p->num = wire_u8(&body);
	p->protocol = wire_u8(&body);
	p->spi_size = wire_u8(&body);
	uint8_t ntrans = wire_u8(&body);

	switch (p->protocol) {
	case V2_PROTO_IKE:
		if (p->spi_size != 0 && p->spi_size != 8)
			return bad(why, "IKE proposal SPI size neither 0 nor 8");
		break;
	case V2_PROTO_AH:
	case V2_PROTO_ESP:
		if (p->spi_size != 4)
			return bad(why, "ESP/AH proposal SPI size not 4");
		break;
	default:
		return bad(why, "proposal protocol neither IKE, AH nor ESP");
	}
	if (ntrans == 0)
		return bad(why, "proposal without transforms");
	if (ntrans > V2_MAX_TRANSFORMS)
		return bad(why, "too many transforms in a proposal");
	memset(p->spi, 0, sizeof(p->spi));
	const uint8_t *spi = wire_bytes(&body, p->spi_size);
	if (!spi)
		return bad(why, "proposal SPI beyond the proposal");
	memcpy(p->spi, spi, p->spi_size);
	p->ntrans = 0;
	for (unsigned i = 0; i < ntrans; i++) {
		rc = transform_decode(&body, i + 1 == ntrans, p, why);
		if (rc)
			return rc;
	}
	if (wire_left(&body))
		return bad(why, "bytes after the last transform of a proposal");
	return 0;
}

/*
 * RFC 7296 3.3 Security Association Payload
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                          <Proposals>                          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Proposals are numbered 1, 2, 3...; a response carries the one chosen,
 * with its number from the request, so a lone proposal may have any
 * number but 0.
 */
int v2_pl_sa_decode(struct wire *w, struct v2_sa *sa, const char **why)
{
	uint8_t more = MORE_PROPOSALS;
	int rc;

	sa->nprops = 0;
	if (wire_left(w) == 0)
		return bad(why, "SA payload without proposals");
	while (more == MORE_PROPOSALS) {
		if (wire_left(w) == 0)
			return bad(why, "SA payload ends where a proposal should follow");
		if (sa->nprops == V2_MAX_PROPOSALS)
			return bad(why, "too many proposals in an SA payload");
		struct v2_proposal *p = &sa->props[sa->nprops];

		rc = proposal_decode(w, p, &more, why);
		if (rc)
			return rc;
		if (p->num == 0)
			return bad(why, "proposal number 0");
		if (sa->nprops > 0 && (sa->props[0].num != 1 ||
				       p->num != sa->props[sa->nprops - 1].num + 1))
			return bad(why, "proposals not numbered 1, 2, 3...");
		sa->nprops++;
	}
	if (wire_left(w))
		return bad(why, "bytes after the last proposal");
	return wire_err(w);
}

int v2_pl_sa_encode(struct wbuf *b, const struct v2_sa *sa)
{
	if (sa->nprops == 0 || sa->nprops > V2_MAX_PROPOSALS)
		return -EINVAL;
	for (unsigned i = 0; i < sa->nprops; i++) {
		const struct v2_proposal *p = &sa->props[i];
		size_t start = b->len;

		if (p->ntrans == 0 || p->ntrans > V2_MAX_TRANSFORMS || p->num == 0 ||
		    (p->spi_size != 0 && p->spi_size != 4 && p->spi_size != 8))
			return -EINVAL;
		wbuf_u8(b, i + 1 == sa->nprops ? LAST_PROPOSAL : MORE_PROPOSALS);
		wbuf_u8(b, 0);
		wbuf_u16(b, 0);		/* length, patched below */
		wbuf_u8(b, p->num);
		wbuf_u8(b, p->protocol);
		wbuf_u8(b, p->spi_size);
		wbuf_u8(b, p->ntrans);
		wbuf_bytes(b, p->spi, p->spi_size);
		for (unsigned j = 0; j < p->ntrans; j++) {
			const struct v2_transform *t = &p->trans[j];

			wbuf_u8(b, j + 1 == p->ntrans ? LAST_TRANSFORM : MORE_TRANSFORMS);
			wbuf_u8(b, 0);
			wbuf_u16(b, t->keylen ? TRANSFORM_HDR + 4 : TRANSFORM_HDR);
			wbuf_u8(b, t->type);
			wbuf_u8(b, 0);
			wbuf_u16(b, t->id);
			if (t->keylen) {
				wbuf_u16(b, ATTR_TV | V2_ATTR_KEY_LENGTH);
				wbuf_u16(b, t->keylen);
			}
		}
		if (b->err)
			return b->err;
		if (b->len - start > UINT16_MAX)
			return -EMSGSIZE;
		put_u16(b->p + start + 2, (uint16_t)(b->len - start));
	}
	return b->err;
}
