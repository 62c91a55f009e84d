/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The payload rules of every IKEv2 message kind, as data.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike/v2/rules.h"

/*
 * RFC 7296 1.2 (IKE_SA_INIT, IKE_AUTH), 1.3 (CREATE_CHILD_SA), 1.4
 * (INFORMATIONAL), 2.6 (COOKIE), 2.16 (EAP); RFC 6023 (childless
 * IKE_AUTH: SA and TS left out together).
 */
static const struct v2_msg_rule rules[V2K_COUNT] = {
	[V2K_SA_INIT_REQ] = {
		.name = "IKE_SA_INIT request", .sa = V2_SA_IKE_NEW,
		.pl = { { V2_PL_SA, V2R_REQ_ONCE }, { V2_PL_KE, V2R_REQ_ONCE },
			{ V2_PL_NONCE, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY },
			{ V2_PL_VENDOR, V2R_MANY }, { V2_PL_CERTREQ, V2R_MANY } },
	},
	[V2K_SA_INIT_RESP] = {
		.name = "IKE_SA_INIT response", .sa = V2_SA_IKE_NEW,
		.pl = { { V2_PL_SA, V2R_REQ_ONCE }, { V2_PL_KE, V2R_REQ_ONCE },
			{ V2_PL_NONCE, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY },
			{ V2_PL_VENDOR, V2R_MANY }, { V2_PL_CERTREQ, V2R_MANY } },
	},
	[V2K_SA_INIT_RESP_ERR] = {
		.name = "IKE_SA_INIT error response",
		.pl = { { V2_PL_NOTIFY, V2R_REQ }, { V2_PL_VENDOR, V2R_MANY } },
	},
	[V2K_AUTH_REQ] = {
		.name = "IKE_AUTH request", .in_sk = true, .child_group = true,
		.sa = V2_SA_CHILD,
		.pl = { { V2_PL_IDI, V2R_REQ_ONCE }, { V2_PL_CERT, V2R_MANY },
			{ V2_PL_CERTREQ, V2R_MANY }, { V2_PL_IDR, V2R_ONCE },
			{ V2_PL_AUTH, V2R_ONCE }, { V2_PL_CP, V2R_ONCE },
			{ V2_PL_SA, V2R_ONCE }, { V2_PL_TSI, V2R_ONCE },
			{ V2_PL_TSR, V2R_ONCE }, { V2_PL_NOTIFY, V2R_MANY },
			{ V2_PL_VENDOR, V2R_MANY } },
	},
	[V2K_AUTH_REQ_EAP] = {
		.name = "IKE_AUTH EAP request", .in_sk = true,
		.pl = { { V2_PL_EAP, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_AUTH_REQ_EAP_FINAL] = {
		.name = "IKE_AUTH request after EAP", .in_sk = true,
		.pl = { { V2_PL_AUTH, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_AUTH_RESP] = {
		.name = "IKE_AUTH response", .in_sk = true, .child_group = true,
		.sa = V2_SA_CHILD,
		.pl = { { V2_PL_IDR, V2R_REQ_ONCE }, { V2_PL_CERT, V2R_MANY },
			{ V2_PL_AUTH, V2R_REQ_ONCE }, { V2_PL_EAP, V2R_ONCE },
			{ V2_PL_CP, V2R_ONCE }, { V2_PL_SA, V2R_ONCE },
			{ V2_PL_TSI, V2R_ONCE }, { V2_PL_TSR, V2R_ONCE },
			{ V2_PL_NOTIFY, V2R_MANY }, { V2_PL_VENDOR, V2R_MANY } },
	},
	[V2K_AUTH_RESP_EAP] = {
		.name = "IKE_AUTH EAP response", .in_sk = true,
		.pl = { { V2_PL_EAP, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_AUTH_RESP_EAP_FINAL] = {
		.name = "IKE_AUTH response after EAP", .in_sk = true, .child_group = true,
		.sa = V2_SA_CHILD,
		.pl = { { V2_PL_AUTH, V2R_REQ_ONCE }, { V2_PL_CP, V2R_ONCE },
			{ V2_PL_SA, V2R_ONCE }, { V2_PL_TSI, V2R_ONCE },
			{ V2_PL_TSR, V2R_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_AUTH_RESP_ERR] = {
		.name = "IKE_AUTH error response", .in_sk = true,
		.pl = { { V2_PL_NOTIFY, V2R_REQ }, { V2_PL_VENDOR, V2R_MANY } },
	},
	[V2K_CHILD_REQ] = {
		.name = "CREATE_CHILD_SA request", .in_sk = true, .sa = V2_SA_CHILD,
		.pl = { { V2_PL_SA, V2R_REQ_ONCE }, { V2_PL_NONCE, V2R_REQ_ONCE },
			{ V2_PL_KE, V2R_ONCE }, { V2_PL_TSI, V2R_REQ_ONCE },
			{ V2_PL_TSR, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_REKEY_IKE_REQ] = {
		.name = "CREATE_CHILD_SA IKE rekey request", .in_sk = true,
		.sa = V2_SA_IKE_REKEY,
		.pl = { { V2_PL_SA, V2R_REQ_ONCE }, { V2_PL_NONCE, V2R_REQ_ONCE },
			{ V2_PL_KE, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_CHILD_RESP] = {
		.name = "CREATE_CHILD_SA response", .in_sk = true, .sa = V2_SA_CHILD,
		.pl = { { V2_PL_SA, V2R_REQ_ONCE }, { V2_PL_NONCE, V2R_REQ_ONCE },
			{ V2_PL_KE, V2R_ONCE }, { V2_PL_TSI, V2R_REQ_ONCE },
			{ V2_PL_TSR, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_REKEY_IKE_RESP] = {
		.name = "CREATE_CHILD_SA IKE rekey response", .in_sk = true,
		.sa = V2_SA_IKE_REKEY,
		.pl = { { V2_PL_SA, V2R_REQ_ONCE }, { V2_PL_NONCE, V2R_REQ_ONCE },
			{ V2_PL_KE, V2R_REQ_ONCE }, { V2_PL_NOTIFY, V2R_MANY } },
	},
	[V2K_CHILD_RESP_ERR] = {
		.name = "CREATE_CHILD_SA error response", .in_sk = true,
		.pl = { { V2_PL_NOTIFY, V2R_REQ } },
	},
	[V2K_INFO_REQ] = {
		.name = "INFORMATIONAL request", .in_sk = true,
		.pl = { { V2_PL_NOTIFY, V2R_MANY }, { V2_PL_DELETE, V2R_MANY },
			{ V2_PL_CP, V2R_ONCE } },
	},
	[V2K_INFO_RESP] = {
		.name = "INFORMATIONAL response", .in_sk = true,
		.pl = { { V2_PL_NOTIFY, V2R_MANY }, { V2_PL_DELETE, V2R_MANY },
			{ V2_PL_CP, V2R_ONCE } },
	},
};

static bool has(const struct v2_msg *m, uint8_t type)
{
	return m->count[type] > 0;
}

static const struct v2_sa *first_sa(const struct v2_msg *m)
{
	int i = v2_msg_find(m, V2_PL_SA, 0);

	return i >= 0 ? m->pl[i].u.sa : NULL;
}

/* CREATE_CHILD_SA rekeys the IKE SA when its SA payload proposes protocol IKE. */
static bool proposes_ike(const struct v2_msg *m)
{
	const struct v2_sa *sa = first_sa(m);

	return sa && sa->nprops && sa->props[0].protocol == V2_PROTO_IKE;
}

enum v2_msg_kind v2_rules_kind(const struct v2_msg *m)
{
	bool resp = v2_hdr_is_response(&m->hdr);

	switch (m->hdr.exchange) {
	case V2_IKE_SA_INIT:
		if (!resp)
			return V2K_SA_INIT_REQ;
		return has(m, V2_PL_SA) ? V2K_SA_INIT_RESP : V2K_SA_INIT_RESP_ERR;
	case V2_IKE_AUTH:
		if (!resp) {
			if (has(m, V2_PL_IDI))
				return V2K_AUTH_REQ;
			if (has(m, V2_PL_EAP))
				return V2K_AUTH_REQ_EAP;
			return has(m, V2_PL_AUTH) ? V2K_AUTH_REQ_EAP_FINAL : V2K_AUTH_REQ;
		}
		if (has(m, V2_PL_IDR))
			return V2K_AUTH_RESP;
		if (has(m, V2_PL_EAP))
			return V2K_AUTH_RESP_EAP;
		return has(m, V2_PL_AUTH) ? V2K_AUTH_RESP_EAP_FINAL : V2K_AUTH_RESP_ERR;
	case V2_CREATE_CHILD_SA:
		if (!resp)
			return proposes_ike(m) ? V2K_REKEY_IKE_REQ : V2K_CHILD_REQ;
		if (!has(m, V2_PL_SA))
			return V2K_CHILD_RESP_ERR;
		return proposes_ike(m) ? V2K_REKEY_IKE_RESP : V2K_CHILD_RESP;
	case V2_INFORMATIONAL:
		return resp ? V2K_INFO_RESP : V2K_INFO_REQ;
	default:
		return V2K_UNKNOWN;
	}
}

const struct v2_msg_rule *v2_rules_for(enum v2_msg_kind kind)
{
	return kind < V2K_COUNT ? &rules[kind] : NULL;
}

__attribute__((format(printf, 4, 5)))
static int refuse(int notify, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return notify;
}

static const struct v2_pl_rule *rule_of(const struct v2_msg_rule *r, uint8_t type)
{
	for (const struct v2_pl_rule *p = r->pl; p < r->pl + V2_RULE_MAX_PL && p->type; p++) {
		if (p->type == type)
			return p;
	}
	return NULL;
}

static bool spi_is_zero(const uint8_t spi[8])
{
	static const uint8_t zero[8];

	return memcmp(spi, zero, 8) == 0;
}

/* SPIs and Message ID as RFC 7296 2.2 and 3.1 want them. */
static int header_check(const struct v2_msg *m, const struct v2_msg_rule *r, char *why,
			size_t whylen)
{
	const struct v2_hdr *h = &m->hdr;

	if (spi_is_zero(h->spii))
		return refuse(V2N_INVALID_SYNTAX, why, whylen, "%s: zero initiator SPI", r->name);
	if (h->exchange == V2_IKE_SA_INIT) {
		if (h->msgid != 0)
			return refuse(V2N_INVALID_SYNTAX, why, whylen,
				      "%s: Message ID %u, expected 0", r->name, h->msgid);
		if (!v2_hdr_is_response(h) && !spi_is_zero(h->spir))
			return refuse(V2N_INVALID_SYNTAX, why, whylen,
				      "%s: responder SPI not zero", r->name);
	} else if (spi_is_zero(h->spir)) {
		return refuse(V2N_INVALID_SYNTAX, why, whylen, "%s: zero responder SPI", r->name);
	}
	return 0;
}

/* Where SK must or must not be, and that nothing else lies outside it. */
static int sk_check(const struct v2_msg *m, const struct v2_msg_rule *r, char *why,
		    size_t whylen)
{
	if (!r->in_sk) {
		if (m->has_sk)
			return refuse(V2N_INVALID_SYNTAX, why, whylen,
				      "%s: SK/SKF payload where none is allowed", r->name);
		return 0;
	}
	if (!m->has_sk)
		return refuse(V2N_INVALID_SYNTAX, why, whylen, "%s: no SK payload", r->name);
	for (unsigned i = 0; i < m->npl; i++) {
		const struct v2_payload *p = &m->pl[i];

		if (p->type == V2_PL_SK || p->type == V2_PL_SKF || (p->flags & V2_PLF_UNKNOWN))
			continue;
		if (!(p->flags & V2_PLF_INNER))
			return refuse(V2N_INVALID_SYNTAX, why, whylen, "%s: %s outside SK",
				      r->name, v2_pl_name(p->type));
	}
	return 0;
}

/* Every payload allowed, the required ones there, the single ones single. */
static int count_check(const struct v2_msg *m, const struct v2_msg_rule *r, char *why,
		       size_t whylen)
{
	for (unsigned i = 0; i < m->npl; i++) {
		const struct v2_payload *p = &m->pl[i];

		if (p->type == V2_PL_SK || p->type == V2_PL_SKF || (p->flags & V2_PLF_UNKNOWN))
			continue;
		if (!rule_of(r, p->type))
			return refuse(V2N_INVALID_SYNTAX, why, whylen, "%s: %s not allowed",
				      r->name, v2_pl_name(p->type));
	}
	for (const struct v2_pl_rule *p = r->pl; p < r->pl + V2_RULE_MAX_PL && p->type; p++) {
		unsigned n = m->count[p->type];

		if ((p->flags & V2R_REQ) && n == 0)
			return refuse(V2N_INVALID_SYNTAX, why, whylen, "%s: %s missing", r->name,
				      v2_pl_name(p->type));
		if ((p->flags & V2R_ONCE) && n > 1)
			return refuse(V2N_INVALID_SYNTAX, why, whylen,
				      "%s: %u %s payloads, at most 1 allowed", r->name, n,
				      v2_pl_name(p->type));
	}
	if (r->child_group) {
		unsigned n = has(m, V2_PL_SA) + has(m, V2_PL_TSI) + has(m, V2_PL_TSR);

		if (n != 0 && n != 3)
			return refuse(V2N_INVALID_SYNTAX, why, whylen,
				      "%s: SA, TSi and TSr must come together", r->name);
	}
	return 0;
}

static bool proposal_fits(const struct v2_proposal *p, uint8_t sa_rule)
{
	switch (sa_rule) {
	case V2_SA_IKE_NEW:
		return p->protocol == V2_PROTO_IKE && p->spi_size == 0;
	case V2_SA_IKE_REKEY:
		return p->protocol == V2_PROTO_IKE && p->spi_size == 8;
	case V2_SA_CHILD:
		return (p->protocol == V2_PROTO_ESP || p->protocol == V2_PROTO_AH) &&
		       p->spi_size == 4;
	default:
		return true;
	}
}

/* The SA proposes what the kind is about; a response carries exactly the one chosen. */
static int sa_check(const struct v2_msg *m, const struct v2_msg_rule *r, char *why,
		    size_t whylen)
{
	const struct v2_sa *sa = first_sa(m);
	bool resp = v2_hdr_is_response(&m->hdr);

	if (!sa)
		return 0;
	if (resp && sa->nprops != 1)
		return refuse(V2N_INVALID_SYNTAX, why, whylen,
			      "%s: %u proposals, a response carries 1", r->name, sa->nprops);
	for (unsigned i = 0; i < sa->nprops; i++) {
		if (!proposal_fits(&sa->props[i], r->sa))
			return refuse(resp ? V2N_INVALID_SYNTAX : V2N_NO_PROPOSAL_CHOSEN, why,
				      whylen, "%s: proposal %u has protocol %u, SPI size %u",
				      r->name, sa->props[i].num, sa->props[i].protocol,
				      sa->props[i].spi_size);
	}
	return 0;
}

int v2_rules_check(const struct v2_msg *m, char *why, size_t whylen)
{
	enum v2_msg_kind kind = v2_rules_kind(m);
	const struct v2_msg_rule *r = v2_rules_for(kind);
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (!r)
		return refuse(V2N_INVALID_SYNTAX, why, whylen, "exchange type %u not handled",
			      m->hdr.exchange);
	rc = header_check(m, r, why, whylen);
	if (!rc)
		rc = sk_check(m, r, why, whylen);
	if (rc || (m->has_sk && !m->inner_done))
		return rc;
	rc = count_check(m, r, why, whylen);
	if (!rc)
		rc = sa_check(m, r, why, whylen);
	return rc;
}
