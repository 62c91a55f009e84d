/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_IMPAIR_H
#define SKUA_UTIL_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Impairments: switches that make pluto misbehave on purpose, for tests
 * (pluto --impair, whack --impair). One process-wide table; every value is
 * an atomic, so any thread may read it while the ctl thread changes it.
 *
 * Every entry of enum impairment must be consulted somewhere on the path it
 * names (grep for its IMPAIR_ name): an impairment nobody reads silently
 * does nothing, which is a bug.
 */
enum impairment {
	IMPAIR_DROP_INBOUND,		/* packet path: receive */
	IMPAIR_DROP_OUTBOUND,		/* packet path: send */
	IMPAIR_IGNORE_RETRANSMITS,	/* packet path: duplicate request seen */
	IMPAIR_OMIT_SIGHASH,		/* IKE_SA_INIT: no SIGNATURE_HASH_ALGORITHMS notify */
	IMPAIR_CP_REQUEST_BOTH,		/* IKE_AUTH: a --modecfgclient asks for IPv4 and IPv6 */
	IMPAIR_CP_REQUEST_PCSCF,	/* ... and for P-CSCF servers (RFC 7651 types) */
	IMPAIR_CP_REQUEST_PCSCF_LEGACY,	/* ... with the 3GPP private types 16389/16390 */
	IMPAIR_MODECFG_SPLIT_HALVES,	/* IKEv1 Mode Config: --client sent as two split networks */
	IMPAIR_V1_NATT_DRAFT_ONLY,	/* IKEv1 Phase 1: NAT-T draft Vendor IDs only, no RFC 3947 */
	IMPAIR_COUNT,
};

/* What an impairment's value means. */
enum impair_kind {
	IMPAIR_KIND_BOOL,	/* 0 off, 1 on */
	IMPAIR_KIND_COUNT,	/* 0 off, N the next N events, IMPAIR_ALWAYS every event */
};

#define IMPAIR_ALWAYS UINT32_MAX

/* One parsed --impair / --no-impair argument. */
struct impair_setting {
	bool none;			/* "none": every impairment off */
	enum impairment what;
	uint32_t value;
};

/*
 * Parse "none", "behaviour", "behaviour:how" (how: yes, no, true, false,
 * on, off, or a number) for --impair (enable) or "behaviour" for
 * --no-impair. Returns 0, -ENOENT (unknown behaviour) or -EINVAL (bad
 * how); err (may be NULL) then says what was wrong and what was expected,
 * without a program prefix. "help" and "list" are whack's business and
 * return -EINVAL here. Context: any thread; pure.
 */
int impair_parse(const char *arg, bool enable, struct impair_setting *out, char *err, size_t errlen);

/* Context: any thread (the ctl thread in practice). Applies a parsed setting. */
void impair_set(const struct impair_setting *s);

/* impair_parse() then impair_set(). Context: any thread. */
int impair_apply(const char *arg, bool enable, char *err, size_t errlen);

/* Context: any thread. The current value (0: off). */
uint32_t impair_get(enum impairment i);

/*
 * For IMPAIR_KIND_COUNT entries on the packet path: true when this event
 * is impaired, using up one of the N when a count was given.
 * For a bool entry: the same as impair_get() != 0. Context: any thread.
 */
bool impair_consume(enum impairment i);

/* Context: any thread; pure. Name, help text and kind of an entry (NULL for an unknown one). */
const char *impair_name(enum impairment i);
const char *impair_help(enum impairment i);
enum impair_kind impair_kind(enum impairment i);

/*
 * Emit one line per active impairment ("drop-inbound:3", "ignore-retransmits")
 * for whack --impair list; returns how many. Context: any thread.
 */
size_t impair_list(void (*emit)(void *ctx, const char *line), void *ctx);

/* Emit one "name: help" line per impairment, for whack --impair help. Context: any thread. */
void impair_help_each(void (*emit)(void *ctx, const char *line), void *ctx);

#endif
