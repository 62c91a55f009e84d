/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SA payload of ISAKMP with the IPsec DOI: proposals, transforms and
 * their data attributes, flattened into the pools of struct v1_sa.
 */
#include <errno.h>
#include <string.h>

#include "ike/v1/payloads.h"

static int bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

/*
 * RFC 2408 3.3 Data Attributes
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |A|       Attribute Type        |    AF=0  Attribute Length     |
 * |F|                             |    AF=1  Attribute Value      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * .                   AF=0  Attribute Value                       .
 * .                   AF=1  Not Transmitted                       .
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int attr_read(struct wire *w, struct v1_attr *a, const char **why)
{
	uint16_t t = wire_u16(w), l = wire_u16(w);

	memset(a, 0, sizeof(*a));
	if (wire_err(w))
		return bad(why, "truncated data attribute");
	a->type = t & ~V1_ATTR_AF;
	if (t & V1_ATTR_AF) {
		a->basic = true;
		a->len = 2;
		a->value = l;
		a->value_ok = true;
		return 0;
	}
	a->len = l;
	a->val = wire_bytes(w, l);
	if (!a->val && l)
		return bad(why, "data attribute value beyond its transform");
	if (l == 0)
		return bad(why, "variable data attribute of length 0");
	if (l <= 8) {
		for (uint16_t i = 0; i < l; i++)
			a->value = a->value << 8 | a->val[i];
		a->value_ok = true;
	}
	return 0;
}

/*
 * RFC 2408 3.6 Transform Payload
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Transform #  !  Transform-Id !           RESERVED2           !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        SA Attributes                          ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int transform_read(struct wire *w, struct v1_sa *sa, bool last, const char **why)
{
	uint8_t next = wire_u8(w);
	uint16_t plen;
	struct wire body;
	struct v1_transform *t;

	wire_u8(w);
	plen = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated transform header");
	if (next != (last ? V1_PL_NONE : V1_PL_T))
		return bad(why, "transform chain does not match the proposal's transform count");
	if (plen < V1_GEN_HDR_SIZE + 4)
		return bad(why, "transform length below 8");
	body = wire_sub(w, plen - V1_GEN_HDR_SIZE);
	if (wire_err(&body))
		return bad(why, "transform beyond its proposal");
	if (sa->ntrans == V1_MAX_TRANSFORMS)
		return bad(why, "more than 64 transforms in an SA payload");
	t = &sa->trans[sa->ntrans];
	t->num = wire_u8(&body);
	t->id = wire_u8(&body);
	wire_u16(&body);
	t->first_attr = sa->nattr;
	t->nattr = 0;
	while (wire_left(&body)) {
		if (sa->nattr == V1_MAX_ATTRS)
			return bad(why, "more than 512 data attributes in an SA payload");
		if (attr_read(&body, &sa->attr[sa->nattr], why))
			return -EBADMSG;
		sa->nattr++;
		t->nattr++;
	}
	if (wire_err(&body))
		return bad(why, "truncated transform");
	sa->ntrans++;
	return 0;
}

/*
 * RFC 2408 3.5 Proposal Payload
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                        SPI (variable)                         !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        Transforms                             ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int proposal_read(struct wire *w, struct v1_sa *sa, uint8_t *next, const char **why)
{
	uint16_t plen;
	struct wire body;
	struct v1_proposal *p;
	const uint8_t *spi;

	*next = wire_u8(w);
	wire_u8(w);
	plen = wire_u16(w);
	if (wire_err(w))
		return bad(why, "truncated proposal header");
	if (*next != V1_PL_NONE && *next != V1_PL_P)
		return bad(why, "a proposal followed by something other than a proposal");
	if (plen < V1_GEN_HDR_SIZE + 4)
		return bad(why, "proposal length below 8");
	body = wire_sub(w, plen - V1_GEN_HDR_SIZE);
	if (wire_err(&body))
		return bad(why, "proposal beyond its SA payload");
	if (sa->nprop == V1_MAX_PROPOSALS)
		return bad(why, "more than 32 proposals in an SA payload");
	p = &sa->prop[sa->nprop];
	memset(p, 0, sizeof(*p));
	p->num = wire_u8(&body);
	p->protocol = wire_u8(&body);
	p->spi_size = wire_u8(&body);
	p->ntrans = wire_u8(&body);
	if (p->spi_size > V1_SPI_MAX)
		return bad(why, "proposal SPI longer than 16 bytes");
	spi = wire_bytes(&body, p->spi_size);
	if (!spi)
		return bad(why, "proposal SPI beyond the proposal");
	memcpy(p->spi, spi, p->spi_size);
	if (p->ntrans == 0)
		return bad(why, "proposal without transforms");
	p->first_trans = sa->ntrans;
	for (unsigned i = 0; i < p->ntrans; i++) {
		if (transform_read(&body, sa, i + 1 == p->ntrans, why))
			return -EBADMSG;
	}
	if (wire_left(&body))
		return bad(why, "bytes after the last transform of a proposal");
	sa->nprop++;
	return 0;
}

/*
 * RFC 2408 3.4 Security Association Payload, RFC 2407 4.6.1
 *
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ! Next Payload  !   RESERVED    !         Payload Length        !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !              Domain of Interpretation  (IPSEC)                !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * !                 Situation (SIT_IDENTITY_ONLY)                 !
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                 Proposal payloads                             ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The situations SIT_SECRECY and SIT_INTEGRITY carry labels (RFC 2407
 * 4.6.1) that no implementation we talk to sends: refused.
 */
int v1_pl_sa_decode(struct wire *w, struct v1_sa *sa, const char **why)
{
	uint8_t next = V1_PL_P;

	v1_sa_init(sa);
	sa->doi = wire_u32(w);
	sa->situation = wire_u32(w);
	if (wire_err(w))
		return bad(why, "truncated SA payload");
	if (sa->doi != V1_DOI_IPSEC) {
		*why = "SA payload of a DOI other than IPsec";
		return -EPROTONOSUPPORT;
	}
	if (sa->situation != V1_SIT_IDENTITY_ONLY) {
		*why = "SA payload of a situation other than SIT_IDENTITY_ONLY";
		return -ENOTSUP;
	}
	if (!wire_left(w))
		return bad(why, "SA payload without proposals");
	while (next == V1_PL_P) {
		if (proposal_read(w, sa, &next, why))
			return -EBADMSG;
	}
	if (wire_left(w))
		return bad(why, "bytes after the last proposal of an SA payload");
	return 0;
}

void v1_sa_init(struct v1_sa *sa)
{
	sa->doi = V1_DOI_IPSEC;
	sa->situation = V1_SIT_IDENTITY_ONLY;
	sa->nprop = 0;
	sa->ntrans = 0;
	sa->nattr = 0;
}

int v1_sa_add_proposal(struct v1_sa *sa, uint8_t num, uint8_t protocol, const uint8_t *spi,
		       uint8_t spi_size)
{
	struct v1_proposal *p;

	if (sa->nprop == V1_MAX_PROPOSALS || spi_size > V1_SPI_MAX)
		return -ENOSPC;
	p = &sa->prop[sa->nprop++];
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->protocol = protocol;
	p->spi_size = spi_size;
	if (spi_size)
		memcpy(p->spi, spi, spi_size);
	p->first_trans = sa->ntrans;
	return 0;
}

int v1_sa_add_transform(struct v1_sa *sa, uint8_t num, uint8_t id)
{
	struct v1_proposal *p;
	struct v1_transform *t;

	if (!sa->nprop || sa->ntrans == V1_MAX_TRANSFORMS)
		return -ENOSPC;
	p = &sa->prop[sa->nprop - 1];
	if (p->ntrans == UINT8_MAX)
		return -ENOSPC;
	t = &sa->trans[sa->ntrans++];
	t->num = num;
	t->id = id;
	t->first_attr = sa->nattr;
	t->nattr = 0;
	p->ntrans++;
	return 0;
}

static struct v1_attr *attr_add(struct v1_sa *sa, uint16_t type)
{
	struct v1_attr *a;

	if (!sa->ntrans || sa->nattr == V1_MAX_ATTRS)
		return NULL;
	a = &sa->attr[sa->nattr++];
	memset(a, 0, sizeof(*a));
	a->type = type & ~V1_ATTR_AF;
	a->value_ok = true;
	sa->trans[sa->ntrans - 1].nattr++;
	return a;
}

int v1_sa_add_basic(struct v1_sa *sa, uint16_t type, uint16_t value)
{
	struct v1_attr *a = attr_add(sa, type);

	if (!a)
		return -ENOSPC;
	a->basic = true;
	a->len = 2;
	a->value = value;
	return 0;
}

int v1_sa_add_long(struct v1_sa *sa, uint16_t type, uint32_t value)
{
	struct v1_attr *a = attr_add(sa, type);

	if (!a)
		return -ENOSPC;
	a->len = 4;
	a->value = value;
	return 0;
}

const struct v1_attr *v1_sa_attr(const struct v1_sa *sa, const struct v1_transform *t,
				 uint16_t type)
{
	for (unsigned i = 0; i < t->nattr; i++) {
		const struct v1_attr *a = &sa->attr[t->first_attr + i];
		if (a->type == type)
			return a;
	}
	return NULL;
}

static void attr_write(struct wbuf *b, const struct v1_attr *a)
{
	if (a->basic) {
		wbuf_u16(b, (uint16_t)(a->type | V1_ATTR_AF));
		wbuf_u16(b, (uint16_t)a->value);
		return;
	}
	wbuf_u16(b, a->type);
	wbuf_u16(b, a->len);
	if (a->val) {
		wbuf_bytes(b, a->val, a->len);
		return;
	}
	for (unsigned i = a->len; i > 0; i--)
		wbuf_u8(b, (uint8_t)(a->value >> (8 * (i - 1))));
}

/* A length patched in once its payload is written. */
static void patch_len(struct wbuf *b, size_t start)
{
	if (!b->err)
		put_u16(b->p + start + 2, (uint16_t)(b->len - start));
}

int v1_pl_sa_encode(struct wbuf *b, const struct v1_sa *sa)
{
	if (!sa->nprop)
		return -EINVAL;
	wbuf_u32(b, sa->doi);
	wbuf_u32(b, sa->situation);
	for (unsigned i = 0; i < sa->nprop; i++) {
		const struct v1_proposal *p = &sa->prop[i];
		size_t pstart = b->len;

		if (!p->ntrans || p->spi_size > V1_SPI_MAX ||
		    p->first_trans + p->ntrans > sa->ntrans)
			return -EINVAL;
		wbuf_u8(b, i + 1 < sa->nprop ? V1_PL_P : V1_PL_NONE);
		wbuf_u8(b, 0);
		wbuf_u16(b, 0);
		wbuf_u8(b, p->num);
		wbuf_u8(b, p->protocol);
		wbuf_u8(b, p->spi_size);
		wbuf_u8(b, p->ntrans);
		wbuf_bytes(b, p->spi, p->spi_size);
		for (unsigned j = 0; j < p->ntrans; j++) {
			const struct v1_transform *t = &sa->trans[p->first_trans + j];
			size_t tstart = b->len;

			if (t->first_attr + t->nattr > sa->nattr)
				return -EINVAL;
			wbuf_u8(b, j + 1 < p->ntrans ? V1_PL_T : V1_PL_NONE);
			wbuf_u8(b, 0);
			wbuf_u16(b, 0);
			wbuf_u8(b, t->num);
			wbuf_u8(b, t->id);
			wbuf_u16(b, 0);
			for (unsigned k = 0; k < t->nattr; k++) {
				const struct v1_attr *a = &sa->attr[t->first_attr + k];
				if (!a->basic && (a->len == 0 || (!a->val && a->len > 8)))
					return -EINVAL;
				attr_write(b, a);
			}
			patch_len(b, tstart);
		}
		patch_len(b, pstart);
	}
	return b->err;
}
