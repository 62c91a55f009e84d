/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_TS_H
#define SKUA_IKE_TS_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/v2/types.h"
#include "util/addr.h"

/*
 * Traffic selectors (RFC 7296 3.13.1) as ranges, and their narrowing
 * (RFC 7296 2.9). Kernel policies take subnets, so a negotiated selector
 * must be a CIDR block; ranges that are not are narrowed to none.
 */
struct ike_ts {
	uint8_t ipproto;		/* 0: any */
	uint16_t sport, eport;		/* 0..65535: any */
	struct ip_addr start, end;	/* same family */
};

struct ike_ts_set {
	uint8_t n;
	struct ike_ts ts[V2_MAX_TS];
};

/* The selector covering a subnet with protocol/port (0: any). Context: pure. */
struct ike_ts ike_ts_from_subnet(const struct ip_subnet *s, uint8_t ipproto, uint16_t port);

/* The subnet of ts if its range is exactly a CIDR block. Returns 0 or -ERANGE. */
int ike_ts_to_subnet(const struct ike_ts *ts, struct ip_subnet *out);

/*
 * Intersect a with b into out. Returns true when the intersection is
 * non-empty (same family, overlapping addresses, ports and protocol).
 */
bool ike_ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out);

/* True when a lies entirely inside b. */
bool ike_ts_within(const struct ike_ts *a, const struct ike_ts *b);

/* True when a and b select the same traffic (field by field, never the padding). */
bool ike_ts_equal(const struct ike_ts *a, const struct ike_ts *b);

/*
 * Responder narrowing: intersect each proposed selector with ours and keep
 * the first non-empty result that is a CIDR block (Skua installs one
 * selector pair per Child SA). Returns 0 or -ENOENT (TS_UNACCEPTABLE).
 */
int ike_ts_narrow(const struct ike_ts_set *proposed, const struct ike_ts *ours,
		  struct ike_ts *chosen);

/* Initiator check: every selector of the reply lies within what we sent. */
bool ike_ts_set_within(const struct ike_ts_set *reply, const struct ike_ts *sent);

/* "10.0.1.0/24:17/1701" style, for logs and status. */
const char *ike_ts_str(const struct ike_ts *ts, char *buf, size_t len);

#endif
