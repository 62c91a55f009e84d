/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/proposal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ike/alg_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What an omitted field means (see proposal.h). */
static const uint16_t default_prf[] = { V2_PRF_HMAC_SHA2_512, V2_PRF_HMAC_SHA2_256 };
static const uint16_t default_integ[] = { V2_INTEG_HMAC_SHA2_512_256, V2_INTEG_HMAC_SHA2_256_128 };
static const uint16_t default_ike_dh[] = {
	V2_DH_CURVE25519, V2_DH_ECP256, V2_DH_ECP384, V2_DH_MODP2048, V2_DH_MODP3072,
	V2_DH_MODP4096,
};
static const uint16_t default_keylen[] = { 256, 128 };

/* The defaults are the omitted fields of these two proposals. */
static const char default_text[] = "aes_gcm, aes";

/* ---- parsing ---- */

struct tok {
	const char *s;			/* NULL: no more pieces */
	size_t len;
};

/* A transform list of one type, deduplicated, in the order given. */
struct tlist {
	size_t n;
	struct v2_transform t[V2_MAX_TRANSFORMS];
};

struct pctx {
	uint8_t protocol;
	const char *kind;		/* "ike" or "esp" */
	struct tok prop;		/* the proposal being parsed, for messages */
	char *err;
	size_t errlen;
	bool weak;
};

/* "ike=<the proposal>: <what>"; returns rc. */
static int vfail(struct pctx *c, int rc, const char *fmt, va_list ap)
{
	int w;

	if (c->errlen == 0)
		return rc;
	w = snprintf(c->err, c->errlen, "%s=%.*s: ", c->kind, (int)c->prop.len, c->prop.s);
	if (w >= 0 && (size_t)w < c->errlen)
		vsnprintf(c->err + w, c->errlen - (size_t)w, fmt, ap);
	return rc;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct pctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = vfail(c, rc, fmt, ap);
	va_end(ap);
	return rc;
}

/* A refused ike=/esp= string: -EINVAL with the message. */
__attribute__((format(printf, 2, 3)))
static int bad(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(c, -EINVAL, fmt, ap);
	va_end(ap);
	return rc;
}

/* Split off the next piece up to sep; false when none is left. */
static bool next_piece(struct tok *rest, char sep, struct tok *piece)
{
	const char *e;

	if (!rest->s)
		return false;
	e = memchr(rest->s, sep, rest->len);
	if (!e) {
		*piece = *rest;
		rest->s = NULL;
		rest->len = 0;
		return true;
	}
	piece->s = rest->s;
	piece->len = (size_t)(e - rest->s);
	rest->len -= piece->len + 1;
	rest->s = e + 1;
	return true;
}

static struct tok trim(struct tok t)
{
	while (t.len && (t.s[0] == ' ' || t.s[0] == '\t')) {
		t.s++;
		t.len--;
	}
	while (t.len && (t.s[t.len - 1] == ' ' || t.s[t.len - 1] == '\t'))
		t.len--;
	return t;
}

static bool starts_with(struct tok t, const char *p)
{
	size_t n = strlen(p);

	return t.len >= n && strncasecmp(t.s, p, n) == 0;
}

/* Does this field name DH groups (judged by its first alternative)? */
static bool looks_like_dh(struct tok field)
{
	static const char *const prefixes[] = { "modp", "dh", "ecp", "curve", "x25519", "x448" };
	struct tok first = field;

	next_piece(&field, '+', &first);
	if (alg_name_find(V2_TRANS_DH, first.s, first.len))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (starts_with(first, prefixes[i]))
			return true;
	}
	return false;
}

static const char *syntax(const struct pctx *c)
{
	return c->protocol == V2_PROTO_IKE ? "encr[-integ][-prf][-dh]" : "encr[-integ][-dh]";
}

static int add(struct pctx *c, struct tlist *l, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->t[i].id == id && l->t[i].keylen == keylen)
			return 0;
	}
	if (l->n >= V2_MAX_TRANSFORMS)
		return fail(c, -E2BIG, "too many transforms; at most %d", V2_MAX_TRANSFORMS);
	l->t[l->n++] = (struct v2_transform){ .type = type, .id = id, .keylen = keylen };
	return 0;
}

static int add_ids(struct pctx *c, struct tlist *l, uint8_t type, const uint16_t *ids, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add(c, l, type, ids[i], 0);
	return rc;
}

static int parse_encr(struct pctx *c, struct tok field, struct tlist *l, bool *aead)
{
	char list[PROPOSAL_ERR_MAX];
	struct tok a;
	bool first = true;

	while (next_piece(&field, '+', &a)) {
		const struct alg_name *e;
		uint16_t keylen;
		bool is_aead;
		int rc;

		if (a.len == 0)
			return bad(c, "empty encryption algorithm name around '+'");
		rc = alg_encr_parse(a.s, a.len, &e, &keylen);
		if (rc == -ENOENT)
			return bad(c, "unknown encryption algorithm \"%.*s\"; expected one of %s",
				   (int)a.len, a.s,
				   alg_name_list(V2_TRANS_ENCR, list, sizeof(list)));
		if (rc == -ERANGE && (e->flags & ALG_KEYLEN))
			return bad(c, "bad key length %u in \"%.*s\"; %s takes 128, 192 or 256",
				   keylen, (int)a.len, a.s, e->name);
		if (rc == -ERANGE)
			return bad(c, "bad key length %u in \"%.*s\"; %s takes no key length",
				   keylen, (int)a.len, a.s, e->name);
		if (e->refused)
			return bad(c, "encryption algorithm \"%.*s\" refused: %s", (int)a.len,
				   a.s, e->refused);
		if ((e->flags & ALG_NOT_IKE) && c->protocol == V2_PROTO_IKE)
			return bad(c, "encryption algorithm \"%.*s\" refused for IKE: "
				   "the IKE SA would be sent in the clear", (int)a.len, a.s);
		is_aead = e->flags & ALG_AEAD;
		if (!first && is_aead != *aead)
			return bad(c, "\"%.*s\": AEAD and non-AEAD encryption cannot share "
				   "a proposal; put them in separate proposals", (int)a.len, a.s);
		*aead = is_aead;
		first = false;
		if (keylen == 0 && (e->flags & ALG_KEYLEN)) {
			for (size_t i = 0; i < ARRAY_SIZE(default_keylen) && rc == 0; i++)
				rc = add(c, l, V2_TRANS_ENCR, e->id, default_keylen[i]);
		} else {
			rc = add(c, l, V2_TRANS_ENCR, e->id, keylen);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * aead_field: the field is the one a user may have meant as integrity
 * when the encryption is AEAD (the second field of an IKE proposal).
 */
static int parse_prf(struct pctx *c, struct tok field, struct tlist *l, bool aead_field)
{
	char list[PROPOSAL_ERR_MAX];
	struct tok a;

	while (next_piece(&field, '+', &a)) {
		const struct alg_name *e = alg_name_find(V2_TRANS_PRF, a.s, a.len);
		int rc;

		alg_name_list(V2_TRANS_PRF, list, sizeof(list));
		if (a.len == 0)
			return bad(c, "empty PRF name around '+'");
		if (!e && aead_field && alg_name_find(V2_TRANS_INTEG, a.s, a.len))
			return bad(c, "\"%.*s\" is an integrity algorithm; with AEAD "
				   "encryption this field is the PRF: expected one of %s",
				   (int)a.len, a.s, list);
		if (!e)
			return bad(c, "unknown PRF \"%.*s\"; expected one of %s", (int)a.len,
				   a.s, list);
		if (e->refused)
			return bad(c, "PRF \"%.*s\" refused: %s", (int)a.len, a.s, e->refused);
		rc = add(c, l, V2_TRANS_PRF, e->id, 0);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Integrity for non-AEAD encryption: named algorithms, never "none".
 * With AEAD only "none" is allowed and nothing is added. prf non-NULL: the
 * IKE shorthand where one hash names both integrity and PRF.
 */
static int parse_integ(struct pctx *c, struct tok field, struct tok encr, bool aead,
		       struct tlist *l, struct tlist *prf)
{
	char list[PROPOSAL_ERR_MAX];
	struct tok a;

	while (next_piece(&field, '+', &a)) {
		const struct alg_name *e = alg_name_find(V2_TRANS_INTEG, a.s, a.len);
		int rc;

		alg_name_list(V2_TRANS_INTEG, list, sizeof(list));
		if (a.len == 0)
			return bad(c, "empty integrity algorithm name around '+'");
		if (!e)
			return bad(c, "unknown integrity algorithm \"%.*s\"; expected one of %s",
				   (int)a.len, a.s, list);
		if (e->refused)
			return bad(c, "integrity algorithm \"%.*s\" refused: %s", (int)a.len,
				   a.s, e->refused);
		if (aead && e->id != V2_INTEG_NONE)
			return bad(c, "AEAD encryption \"%.*s\" takes no integrity algorithm, "
				   "got \"%.*s\"; use \"none\" or leave it out",
				   (int)encr.len, encr.s, (int)a.len, a.s);
		if (!aead && e->id == V2_INTEG_NONE)
			return bad(c, "integrity \"%.*s\" is only allowed with AEAD "
				   "encryption; \"%.*s\" needs one of %s",
				   (int)a.len, a.s, (int)encr.len, encr.s, list);
		if (aead)
			continue;
		rc = add(c, l, V2_TRANS_INTEG, e->id, 0);
		if (rc)
			return rc;
		if (prf) {
			const struct alg_name *p = alg_name_find(V2_TRANS_PRF, a.s, a.len);

			if (!p)
				return bad(c, "\"%.*s\" names no PRF; "
					   "give encr-integ-prf with a PRF from %s",
					   (int)a.len, a.s,
					   alg_name_list(V2_TRANS_PRF, list, sizeof(list)));
			rc = add(c, prf, V2_TRANS_PRF, p->id, 0);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int parse_dh(struct pctx *c, struct tok field, struct tlist *l)
{
	char list[PROPOSAL_ERR_MAX];
	struct tok a;

	while (next_piece(&field, '+', &a)) {
		const struct alg_name *e = alg_name_find(V2_TRANS_DH, a.s, a.len);
		int rc;

		if (a.len == 0)
			return bad(c, "empty DH group name around '+'");
		if (!e)
			return bad(c, "unknown DH group \"%.*s\"; expected one of %s",
				   (int)a.len, a.s, alg_name_list(V2_TRANS_DH, list, sizeof(list)));
		if (e->refused)
			return bad(c, "DH group \"%.*s\" refused: %s", (int)a.len, a.s,
				   e->refused);
		if (e->flags & ALG_WEAK)
			c->weak = true;
		rc = add(c, l, V2_TRANS_DH, e->id, 0);
		if (rc)
			return rc;
	}
	return 0;
}

static bool is_none(struct tok t)
{
	const struct alg_name *e = alg_name_find(V2_TRANS_INTEG, t.s, t.len);

	return e && e->id == V2_INTEG_NONE;
}

/* The fields of one proposal after encr: integ/prf (mid) and dh. */
static int parse_rest(struct pctx *c, struct tok encr, bool aead, const struct tok *mid,
		      size_t nmid, struct tlist *prf, struct tlist *integ)
{
	bool ike = c->protocol == V2_PROTO_IKE;
	int rc = 0;

	if (nmid > (ike ? 2u : 1u))
		return bad(c, "unexpected \"%.*s\"; expected %s", (int)mid[ike ? 2 : 1].len,
			   mid[ike ? 2 : 1].s, syntax(c));
	if (!ike) {
		if (nmid == 1)
			return parse_integ(c, mid[0], encr, aead, integ, NULL);
		if (!aead)
			rc = add_ids(c, integ, V2_TRANS_INTEG, default_integ,
				     ARRAY_SIZE(default_integ));
		return rc;
	}
	if (nmid == 2) {
		rc = parse_integ(c, mid[0], encr, aead, integ, NULL);
		return rc ? rc : parse_prf(c, mid[1], prf, false);
	}
	if (nmid == 1 && aead) {
		/* the PRF, or "none" for the integrity with the PRF defaulted */
		if (!is_none(mid[0]))
			return parse_prf(c, mid[0], prf, true);
	} else if (nmid == 1) {
		return parse_integ(c, mid[0], encr, aead, integ, prf);
	} else if (!aead) {
		rc = add_ids(c, integ, V2_TRANS_INTEG, default_integ, ARRAY_SIZE(default_integ));
	}
	return rc ? rc : add_ids(c, prf, V2_TRANS_PRF, default_prf, ARRAY_SIZE(default_prf));
}

static int append(struct pctx *c, struct v2_proposal *p, const struct tlist *l)
{
	if (p->ntrans + l->n > V2_MAX_TRANSFORMS)
		return fail(c, -E2BIG, "too many transforms; at most %d", V2_MAX_TRANSFORMS);
	memcpy(&p->trans[p->ntrans], l->t, l->n * sizeof(l->t[0]));
	p->ntrans += (uint8_t)l->n;
	return 0;
}

struct lists {
	struct tlist encr, prf, integ, dh;
};

static int parse_proposal(struct pctx *c, struct tok prop, struct v2_proposal *p,
			  struct lists *ls)
{
	struct tok fields[5], left = prop, dhf = { NULL, 0 }, f;
	const char *semi = memchr(prop.s, ';', prop.len);
	size_t nf = 0;
	bool aead = false;
	int rc;

	if (semi) {
		left.len = (size_t)(semi - prop.s);
		dhf.s = semi + 1;
		dhf.len = prop.len - left.len - 1;
		if (dhf.len == 0)
			return bad(c, "nothing after ';'; expected DH groups such as dh19");
		if (memchr(dhf.s, ';', dhf.len) || memchr(dhf.s, '-', dhf.len))
			return bad(c, "unexpected \"%.*s\" after ';'; "
				   "expected DH groups joined by '+'",
				   (int)dhf.len, dhf.s);
	}
	while (next_piece(&left, '-', &f)) {
		if (f.len == 0)
			return bad(c, "empty algorithm name; expected %s", syntax(c));
		if (nf == ARRAY_SIZE(fields))
			return bad(c, "unexpected \"%.*s\"; expected %s", (int)f.len, f.s,
				   syntax(c));
		fields[nf++] = f;
	}
	if (nf > 1 && looks_like_dh(fields[nf - 1])) {
		if (dhf.s)
			return bad(c, "DH group given twice: \"-%.*s\" and \";%.*s\"",
				   (int)fields[nf - 1].len, fields[nf - 1].s, (int)dhf.len, dhf.s);
		dhf = fields[--nf];
	}
	for (size_t i = 1; i < nf; i++) {
		if (looks_like_dh(fields[i]))
			return bad(c, "DH group \"%.*s\" must come last; expected %s",
				   (int)fields[i].len, fields[i].s, syntax(c));
	}

	memset(ls, 0, sizeof(*ls));
	rc = parse_encr(c, fields[0], &ls->encr, &aead);
	if (rc == 0)
		rc = parse_rest(c, fields[0], aead, &fields[1], nf - 1, &ls->prf, &ls->integ);
	if (rc == 0 && dhf.s)
		rc = parse_dh(c, dhf, &ls->dh);
	else if (rc == 0 && c->protocol == V2_PROTO_IKE)
		rc = add_ids(c, &ls->dh, V2_TRANS_DH, default_ike_dh, ARRAY_SIZE(default_ike_dh));
	if (rc)
		return rc;

	p->protocol = c->protocol;
	p->ntrans = 0;
	rc = append(c, p, &ls->encr);
	if (rc == 0)
		rc = append(c, p, &ls->prf);
	if (rc == 0)
		rc = append(c, p, &ls->integ);
	if (rc == 0)
		rc = append(c, p, &ls->dh);
	if (rc == 0 && c->protocol != V2_PROTO_IKE) {
		if (p->ntrans >= V2_MAX_TRANSFORMS)
			return fail(c, -E2BIG, "too many transforms; at most %d",
				    V2_MAX_TRANSFORMS);
		p->trans[p->ntrans++] = (struct v2_transform){ .type = V2_TRANS_ESN,
							       .id = V2_ESN_NO };
	}
	return rc;
}

int proposal_parse(const char *text, uint8_t protocol, struct proposal_set *out, char *err,
		   size_t errlen)
{
	struct pctx c = { .protocol = protocol, .err = err, .errlen = errlen };
	struct lists ls;
	struct tok rest, piece;
	int rc;

	if (errlen)
		err[0] = '\0';
	if (protocol != V2_PROTO_IKE && protocol != V2_PROTO_ESP) {
		if (errlen)
			snprintf(err, errlen, "proposals for protocol %u: expected IKE or ESP",
				 protocol);
		return -EINVAL;
	}
	c.kind = protocol == V2_PROTO_IKE ? "ike" : "esp";
	if (!text)
		text = "";
	memset(out, 0, sizeof(*out));
	out->protocol = protocol;
	rest = (struct tok){ text, strlen(text) };
	c.prop = rest;
	if (trim(rest).len == 0)
		return bad(&c, "empty; expected one or more %s separated by ','",
			   syntax(&c));
	while (next_piece(&rest, ',', &piece)) {
		piece = trim(piece);
		if (piece.len == 0) {
			c.prop = (struct tok){ text, strlen(text) };
			return bad(&c, "empty proposal between ','; expected %s",
				   syntax(&c));
		}
		c.prop = piece;
		if (out->nprops == PROPOSAL_SET_MAX)
			return fail(&c, -E2BIG, "too many proposals; at most %d", PROPOSAL_SET_MAX);
		rc = parse_proposal(&c, piece, &out->props[out->nprops], &ls);
		if (rc)
			return rc;
		out->nprops++;
		out->props[out->nprops - 1].num = out->nprops;
	}
	out->weak = c.weak;
	return 0;
}

int proposal_defaults(uint8_t protocol, struct proposal_set *out)
{
	return proposal_parse(default_text, protocol, out, NULL, 0);
}

static void remove_type(struct v2_proposal *p, uint8_t type)
{
	uint8_t n = 0;

	for (uint8_t i = 0; i < p->ntrans; i++) {
		if (p->trans[i].type != type)
			p->trans[n++] = p->trans[i];
	}
	p->ntrans = n;
}

static struct v2_transform esn(uint16_t id)
{
	return (struct v2_transform){ .type = V2_TRANS_ESN, .id = id };
}

int proposal_set_esn(struct proposal_set *s, bool offer_yes, bool offer_no)
{
	if (s->protocol == V2_PROTO_IKE || (!offer_yes && !offer_no))
		return -EINVAL;
	for (uint8_t i = 0; i < s->nprops; i++) {
		struct v2_proposal *p = &s->props[i];

		remove_type(p, V2_TRANS_ESN);
		if (p->ntrans + offer_yes + offer_no > V2_MAX_TRANSFORMS)
			return -E2BIG;
		if (offer_yes)
			p->trans[p->ntrans++] = esn(V2_ESN_YES);
		if (offer_no)
			p->trans[p->ntrans++] = esn(V2_ESN_NO);
	}
	return 0;
}

void proposal_set_drop_dh(struct proposal_set *s)
{
	for (uint8_t i = 0; i < s->nprops; i++)
		remove_type(&s->props[i], V2_TRANS_DH);
}

static bool lists_type(const struct v2_proposal *p, uint8_t type);

int proposal_set_require_dh(struct proposal_set *s, uint16_t group)
{
	for (uint8_t i = 0; i < s->nprops; i++) {
		struct v2_proposal *p = &s->props[i];
		if (lists_type(p, V2_TRANS_DH))
			continue;
		if (p->ntrans >= V2_MAX_TRANSFORMS)
			return -E2BIG;
		p->trans[p->ntrans++] = (struct v2_transform){ .type = V2_TRANS_DH, .id = group };
	}
	return 0;
}

static bool lists_type(const struct v2_proposal *p, uint8_t type)
{
	for (uint8_t i = 0; i < p->ntrans; i++)
		if (p->trans[i].type == type)
			return true;
	return false;
}

/* ---- the initiator's SA payload ---- */

int proposal_set_to_sa(const struct proposal_set *set, uint8_t protocol, const uint8_t *spi,
		       size_t spi_size, struct v2_sa *out)
{
	if (set->protocol != protocol || spi_size > sizeof(out->props[0].spi) ||
	    (spi_size && !spi) || set->nprops > V2_MAX_PROPOSALS)
		return -EINVAL;
	out->nprops = set->nprops;
	for (uint8_t i = 0; i < set->nprops; i++) {
		struct v2_proposal *p = &out->props[i];

		*p = set->props[i];
		p->num = i + 1;
		p->protocol = protocol;
		p->spi_size = (uint8_t)spi_size;
		memset(p->spi, 0, sizeof(p->spi));
		if (spi_size)
			memcpy(p->spi, spi, spi_size);
	}
	return 0;
}

/* ---- matching (RFC 7296 2.7, 3.3.6) ---- */

static bool type_allowed(uint8_t protocol, uint8_t type)
{
	switch (type) {
	case V2_TRANS_ENCR:
	case V2_TRANS_INTEG:
	case V2_TRANS_DH:
		return true;
	case V2_TRANS_PRF:
		return protocol == V2_PROTO_IKE;
	case V2_TRANS_ESN:
		return protocol != V2_PROTO_IKE;
	default:
		return false;
	}
}

static uint8_t ntrans(const struct v2_proposal *p)
{
	return p->ntrans < V2_MAX_TRANSFORMS ? p->ntrans : V2_MAX_TRANSFORMS;
}

static bool has_type(const struct v2_proposal *p, uint8_t type)
{
	for (uint8_t i = 0; i < ntrans(p); i++) {
		if (p->trans[i].type == type)
			return true;
	}
	return false;
}

/*
 * Does p list this transform? A proposal without INTEG, DH or ESN
 * transforms lists only NONE (RFC 7296 3.3.3: they are optional there).
 */
static bool lists(const struct v2_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	bool any = false;

	for (uint8_t i = 0; i < ntrans(p); i++) {
		const struct v2_transform *t = &p->trans[i];

		if (t->type != type)
			continue;
		any = true;
		if (t->id == id && t->keylen == keylen)
			return true;
	}
	return !any && id == 0 && keylen == 0 &&
	       (type == V2_TRANS_INTEG || type == V2_TRANS_DH || type == V2_TRANS_ESN);
}

static bool spi_size_ok(uint8_t protocol, uint8_t spi_size)
{
	if (protocol == V2_PROTO_IKE)
		return spi_size == 0 || spi_size == V2_SPI_SIZE;
	return spi_size == 4;
}

enum { NTYPES = V2_TRANS_ESN + 1 };

/* One choice per transform type; explicit: the peer sent that transform. */
struct pick {
	struct v2_transform t[NTYPES];
	bool explicit[NTYPES];
};

static const uint8_t ike_types[] = { V2_TRANS_ENCR, V2_TRANS_PRF, V2_TRANS_INTEG, V2_TRANS_DH };
static const uint8_t esp_types[] = { V2_TRANS_ENCR, V2_TRANS_INTEG, V2_TRANS_DH, V2_TRANS_ESN };

static bool pick_type(const struct v2_proposal *peer, const struct v2_proposal *local,
		      uint8_t type, uint16_t prefer, struct pick *pk)
{
	bool any = false;

	for (uint8_t pass = prefer ? 0 : 1; pass < 2; pass++) {
		for (uint8_t i = 0; i < ntrans(peer); i++) {
			const struct v2_transform *t = &peer->trans[i];

			if (t->type != type || (pass == 0 && t->id != prefer))
				continue;
			any = true;
			if (lists(local, type, t->id, t->keylen)) {
				pk->t[type] = *t;
				pk->explicit[type] = true;
				return true;
			}
		}
	}
	if (any || !lists(local, type, 0, 0) || !lists(peer, type, 0, 0))
		return false;
	pk->t[type] = (struct v2_transform){ .type = type };
	pk->explicit[type] = false;
	return true;
}

/* The suite must make sense whatever the two lists held. */
static bool pick_is_consistent(uint8_t protocol, const struct pick *pk)
{
	const struct v2_transform *e = &pk->t[V2_TRANS_ENCR];
	bool aead = alg_encr_is_aead(e->id);

	if (!alg_encr_keylen_is_valid(e->id, e->keylen))
		return false;
	if (aead != (pk->t[V2_TRANS_INTEG].id == V2_INTEG_NONE))
		return false;
	if (protocol == V2_PROTO_IKE)
		return pk->t[V2_TRANS_PRF].id != 0 && pk->t[V2_TRANS_DH].id != V2_DH_NONE;
	return true;
}

static bool pick_all(uint8_t protocol, const struct v2_proposal *peer,
		     const struct v2_proposal *local, uint16_t prefer_dh, struct pick *pk)
{
	const uint8_t *types = protocol == V2_PROTO_IKE ? ike_types : esp_types;

	memset(pk, 0, sizeof(*pk));
	for (size_t i = 0; i < ARRAY_SIZE(ike_types); i++) {
		uint16_t prefer = types[i] == V2_TRANS_DH ? prefer_dh : 0;

		if (!pick_type(peer, local, types[i], prefer, pk))
			return false;
	}
	return pick_is_consistent(protocol, pk);
}

static bool peer_proposal_ok(const struct v2_proposal *p, uint8_t protocol)
{
	if (p->protocol != protocol || !spi_size_ok(protocol, p->spi_size) ||
	    p->ntrans > V2_MAX_TRANSFORMS)
		return false;
	for (uint8_t i = 0; i < p->ntrans; i++) {
		if (!type_allowed(protocol, p->trans[i].type))
			return false;
	}
	return true;
}

static void suite_of(uint8_t protocol, const struct pick *pk, struct v2_suite *s)
{
	*s = (struct v2_suite){
		.protocol = protocol,
		.encr = pk->t[V2_TRANS_ENCR].id,
		.encr_keylen = pk->t[V2_TRANS_ENCR].keylen,
		.prf = pk->t[V2_TRANS_PRF].id,
		.integ = pk->t[V2_TRANS_INTEG].id,
		.dh = pk->t[V2_TRANS_DH].id,
		.esn = (uint8_t)pk->t[V2_TRANS_ESN].id,
	};
}

static void accepted_of(const struct v2_proposal *peer, const struct pick *pk,
			struct v2_proposal *a)
{
	memset(a, 0, sizeof(*a));
	a->num = peer->num;
	a->protocol = peer->protocol;
	a->spi_size = peer->spi_size;
	for (uint8_t type = V2_TRANS_ENCR; type < NTYPES; type++) {
		if (pk->explicit[type])
			a->trans[a->ntrans++] = pk->t[type];
	}
}

int proposal_match_dh_hint(const struct proposal_set *local, const struct v2_sa *offered,
			   uint8_t protocol, uint16_t ke_group, struct v2_suite *chosen,
			   uint8_t *chosen_num, struct v2_proposal *accepted_out)
{
	uint8_t nprops = offered->nprops < V2_MAX_PROPOSALS ? offered->nprops : V2_MAX_PROPOSALS;

	for (uint8_t i = 0; i < nprops; i++) {
		const struct v2_proposal *peer = &offered->props[i];
		struct pick best, pk;
		bool found = false;

		if (!peer_proposal_ok(peer, protocol))
			continue;
		for (uint8_t j = 0; j < local->nprops; j++) {
			if (local->props[j].protocol != protocol ||
			    !pick_all(protocol, peer, &local->props[j], ke_group, &pk))
				continue;
			if (!found || (ke_group && pk.t[V2_TRANS_DH].id == ke_group))
				best = pk;
			found = true;
			if (!ke_group || best.t[V2_TRANS_DH].id == ke_group)
				break;
		}
		if (!found)
			continue;
		suite_of(protocol, &best, chosen);
		*chosen_num = peer->num;
		if (accepted_out)
			accepted_of(peer, &best, accepted_out);
		return 0;
	}
	return -ENOENT;
}

uint8_t proposal_listed_types(const struct v2_proposal *accepted)
{
	uint8_t listed = 0;

	for (uint8_t i = 0; i < accepted->ntrans && i < V2_MAX_TRANSFORMS; i++)
		if (accepted->trans[i].type < NTYPES)
			listed |= (uint8_t)(1u << accepted->trans[i].type);
	return listed;
}

void proposal_of_suite(const struct v2_suite *suite, uint8_t listed, uint8_t num,
		       uint8_t spi_size, struct v2_proposal *out)
{
	const uint16_t id[NTYPES] = {
		[V2_TRANS_ENCR] = suite->encr,
		[V2_TRANS_PRF] = suite->prf,
		[V2_TRANS_INTEG] = suite->integ,
		[V2_TRANS_DH] = suite->dh,
		[V2_TRANS_ESN] = suite->esn,
	};

	memset(out, 0, sizeof(*out));
	out->num = num;
	out->protocol = suite->protocol;
	out->spi_size = spi_size;
	/* accepted_of()'s order: by type */
	for (uint8_t type = V2_TRANS_ENCR; type < NTYPES; type++) {
		if (!(listed & (1u << type)))
			continue;
		out->trans[out->ntrans++] = (struct v2_transform){
			.type = type,
			.id = id[type],
			.keylen = type == V2_TRANS_ENCR ? suite->encr_keylen : 0,
		};
	}
}

bool proposal_rebuilds(const struct v2_proposal *accepted, const struct v2_suite *suite)
{
	struct v2_proposal again;

	proposal_of_suite(suite, proposal_listed_types(accepted), accepted->num,
			  accepted->spi_size, &again);
	if (again.num != accepted->num || again.protocol != accepted->protocol ||
	    again.spi_size != accepted->spi_size || again.ntrans != accepted->ntrans ||
	    memcmp(again.spi, accepted->spi, sizeof(again.spi)) != 0)
		return false;
	for (uint8_t i = 0; i < again.ntrans; i++) {
		const struct v2_transform *a = &again.trans[i], *b = &accepted->trans[i];

		if (a->type != b->type || a->id != b->id || a->keylen != b->keylen)
			return false;
	}
	return true;
}

int proposal_match(const struct proposal_set *local, const struct v2_sa *offered, uint8_t protocol,
		   struct v2_suite *chosen, uint8_t *chosen_num, struct v2_proposal *accepted_out)
{
	return proposal_match_dh_hint(local, offered, protocol, 0, chosen, chosen_num,
				      accepted_out);
}

int proposal_check_reply(const struct proposal_set *sent, const struct v2_sa *reply,
			 uint8_t protocol, struct v2_suite *out)
{
	const uint8_t *types = protocol == V2_PROTO_IKE ? ike_types : esp_types;
	const struct v2_proposal *r, *s;
	struct pick pk;

	if (reply->nprops != 1 || sent->protocol != protocol)
		return -EBADMSG;
	r = &reply->props[0];
	if (r->protocol != protocol || !spi_size_ok(protocol, r->spi_size) ||
	    r->ntrans > V2_MAX_TRANSFORMS || r->num == 0 || r->num > sent->nprops)
		return -EBADMSG;
	s = &sent->props[r->num - 1];

	memset(&pk, 0, sizeof(pk));
	for (uint8_t i = 0; i < r->ntrans; i++) {
		const struct v2_transform *t = &r->trans[i];

		if (!type_allowed(protocol, t->type) || pk.explicit[t->type] ||
		    !lists(s, t->type, t->id, t->keylen))
			return -EBADMSG;
		pk.t[t->type] = *t;
		pk.explicit[t->type] = true;
	}
	/* every type we offered must be answered; ENCR (and PRF for IKE) always */
	for (size_t i = 0; i < ARRAY_SIZE(ike_types); i++) {
		uint8_t type = types[i];

		if (pk.explicit[type])
			continue;
		if (type == V2_TRANS_ENCR || type == V2_TRANS_PRF || has_type(s, type))
			return -EBADMSG;
		pk.t[type] = (struct v2_transform){ .type = type };
	}
	if (!pick_is_consistent(protocol, &pk))
		return -EBADMSG;
	suite_of(protocol, &pk, out);
	return 0;
}

bool proposal_set_has_dh(const struct proposal_set *s, uint16_t group)
{
	for (uint8_t i = 0; i < s->nprops; i++) {
		const struct v2_proposal *p = &s->props[i];

		for (uint8_t j = 0; j < ntrans(p); j++) {
			if (p->trans[j].type == V2_TRANS_DH && p->trans[j].id == group)
				return true;
		}
	}
	return false;
}

uint16_t proposal_set_first_dh(const struct proposal_set *s)
{
	for (uint8_t i = 0; i < s->nprops; i++) {
		const struct v2_proposal *p = &s->props[i];

		for (uint8_t j = 0; j < ntrans(p); j++) {
			if (p->trans[j].type == V2_TRANS_DH && p->trans[j].id != V2_DH_NONE)
				return p->trans[j].id;
		}
	}
	return V2_DH_NONE;
}

/* ---- describing ---- */

/* snprintf that appends and never overruns; truncation is silent. */
struct out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	o->len += (size_t)w;
	if (o->len >= o->size)
		o->len = o->size - 1;
}

const char *proposal_suite_str(const struct v2_suite *s, char *buf, size_t size)
{
	char a[ALG_NAME_MAX], b[ALG_NAME_MAX], d[ALG_NAME_MAX];
	struct out o = { buf, size, 0 };

	if (size == 0)
		return buf;
	buf[0] = '\0';
	outf(&o, "%s", alg_encr_name(s->encr, s->encr_keylen, a, sizeof(a)));
	if (s->protocol == V2_PROTO_IKE) {
		if (!alg_encr_is_aead(s->encr) && s->integ != alg_integ_of_prf(s->prf))
			outf(&o, "-%s", alg_integ_name(s->integ, b, sizeof(b)));
		outf(&o, "-%s", alg_prf_name(s->prf, b, sizeof(b)));
	} else {
		outf(&o, "-%s", alg_integ_name(s->integ, b, sizeof(b)));
	}
	if (s->dh != V2_DH_NONE)
		outf(&o, "-%s", alg_dh_name(s->dh, d, sizeof(d)));
	return buf;
}

/*
 * lead + "A+B+C" for the transforms of one type; lead + "NONE" when there
 * are none and none is set.
 */
static void type_str(struct out *o, const struct v2_proposal *p, uint8_t type, const char *lead,
		     bool none)
{
	char n[ALG_NAME_MAX];
	bool first = true;

	for (uint8_t i = 0; i < ntrans(p); i++) {
		if (p->trans[i].type != type)
			continue;
		outf(o, "%s%s", first ? lead : "+", alg_transform_name(&p->trans[i], n, sizeof(n)));
		first = false;
	}
	if (first && none)
		outf(o, "%sNONE", lead);
}

const char *proposal_set_str(const struct proposal_set *s, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (uint8_t i = 0; i < s->nprops; i++) {
		const struct v2_proposal *p = &s->props[i];
		bool aead = false;

		for (uint8_t j = 0; j < ntrans(p); j++) {
			if (p->trans[j].type == V2_TRANS_ENCR)
				aead = alg_encr_is_aead(p->trans[j].id);
		}
		type_str(&o, p, V2_TRANS_ENCR, i ? ", " : "", false);
		if (s->protocol == V2_PROTO_IKE) {
			if (!aead)
				type_str(&o, p, V2_TRANS_INTEG, "-", true);
			type_str(&o, p, V2_TRANS_PRF, "-", false);
		} else {
			type_str(&o, p, V2_TRANS_INTEG, "-", true);
		}
		type_str(&o, p, V2_TRANS_DH, "-", false);
	}
	return buf;
}
