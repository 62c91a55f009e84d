/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_RULES_H
#define SKUA_IKE_V2_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/msg.h"

/*
 * Which payloads may appear in which message (RFC 7296 1.2-1.5, 2.6,
 * 2.16; RFC 7383): one table row per message kind, the second stage after
 * decoding. Handlers see only messages that passed.
 */

/* The message kinds: exchange, direction and, where the exchange has several shapes, the shape. */
enum v2_msg_kind {
	V2K_SA_INIT_REQ,
	V2K_SA_INIT_RESP,
	V2K_SA_INIT_RESP_ERR,		/* N only: an error, COOKIE or INVALID_KE_PAYLOAD */
	V2K_AUTH_REQ,			/* IDi, [AUTH] (no AUTH: EAP wanted), [SA, TSi, TSr] */
	V2K_AUTH_REQ_EAP,		/* EAP continued */
	V2K_AUTH_REQ_EAP_FINAL,		/* AUTH after EAP */
	V2K_AUTH_RESP,			/* IDr, AUTH, [EAP], [SA, TSi, TSr] */
	V2K_AUTH_RESP_EAP,		/* EAP continued */
	V2K_AUTH_RESP_EAP_FINAL,	/* AUTH, [CP], [SA, TSi, TSr] after EAP */
	V2K_AUTH_RESP_ERR,		/* N only */
	V2K_CHILD_REQ,			/* new or rekeyed Child SA */
	V2K_REKEY_IKE_REQ,
	V2K_CHILD_RESP,
	V2K_REKEY_IKE_RESP,
	V2K_CHILD_RESP_ERR,		/* N only */
	V2K_INFO_REQ,
	V2K_INFO_RESP,
	V2K_UNKNOWN,			/* an exchange we do not handle */
	V2K_COUNT = V2K_UNKNOWN,
};

enum v2_rule_flags {
	V2R_MANY = 0x00,		/* optional, any number */
	V2R_REQ = 0x01,			/* at least once */
	V2R_ONCE = 0x02,		/* at most once */
	V2R_REQ_ONCE = 0x03,		/* exactly once */
};

/* What the SA payload of a kind must propose. */
enum v2_sa_rule {
	V2_SA_ANY,
	V2_SA_IKE_NEW,			/* protocol IKE, no SPI */
	V2_SA_IKE_REKEY,		/* protocol IKE, 8-byte SPI */
	V2_SA_CHILD,			/* ESP or AH, 4-byte SPI */
};

enum { V2_RULE_MAX_PL = 14 };

struct v2_pl_rule {
	uint8_t type;			/* enum v2_payload_type; 0 ends the list */
	uint8_t flags;			/* enum v2_rule_flags */
};

/* Owner: static, read-only. */
struct v2_msg_rule {
	const char *name;
	bool in_sk;			/* every payload inside SK; else SK is forbidden */
	bool child_group;		/* SA, TSi and TSr come together or not at all */
	uint8_t sa;			/* enum v2_sa_rule */
	struct v2_pl_rule pl[V2_RULE_MAX_PL];	/* anything not listed is forbidden */
};

/*
 * The kind of a decoded message, from its header and (after the inner
 * decode) its payloads. Context: any thread; pure.
 */
enum v2_msg_kind v2_rules_kind(const struct v2_msg *m);

/* The table row of a kind (NULL for V2K_UNKNOWN). Context: any thread. */
const struct v2_msg_rule *v2_rules_for(enum v2_msg_kind kind);

/*
 * Check a decoded message against its kind's row. For an SK/SKF message
 * before v2_inner_decode() only the outer part is checked (SK present,
 * nothing else outside it); call again after the inner decode for the
 * full check. Returns 0 or the notify type to answer
 * (V2N_INVALID_SYNTAX, V2N_NO_PROPOSAL_CHOSEN), with a reason in why
 * (truncated to whylen; why may be NULL).
 * Context: any thread; pure.
 */
int v2_rules_check(const struct v2_msg *m, char *why, size_t whylen);

#endif
