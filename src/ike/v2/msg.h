/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_MSG_H
#define SKUA_IKE_V2_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/payloads.h"
#include "ike/v2/types.h"

/*
 * Decoding one IKEv2 message (RFC 7296 section 3): the fixed header, then
 * the payload chain up to the SK (or SKF, RFC 7383) payload, whose content
 * stays opaque until the crypto layer has checked and decrypted it; then
 * v2_inner_decode() appends the decrypted inner chain to the same message.
 * The rule check (ike/v2_rules.h) runs on the result; handlers see only
 * messages that passed both.
 */

/* The fixed IKE header (RFC 7296 3.1). */
struct v2_hdr {
	uint8_t spii[8], spir[8];
	uint8_t next;			/* first payload type */
	uint8_t major, minor;
	uint8_t exchange;		/* enum v2_exchange */
	uint8_t flags;			/* enum v2_flags */
	uint32_t msgid;
	uint32_t length;
};

/*
 * Decode and check the fixed header: at least V2_HDR_SIZE bytes, the
 * Length field equal to len and at most V2_MSG_MAX. Returns 0, -EBADMSG,
 * or -EPROTONOSUPPORT when the major version is not 2 (h is filled then,
 * for the caller to answer INVALID_MAJOR_VERSION or to hand the datagram
 * to IKEv1).
 * Context: any thread; pure.
 */
int v2_hdr_decode(const uint8_t *buf, size_t len, struct v2_hdr *h);

/* Append the 28-byte header to b. Context: any thread; pure. */
int v2_hdr_encode(struct wbuf *b, const struct v2_hdr *h);

static inline bool v2_hdr_is_response(const struct v2_hdr *h)
{
	return h->flags & V2_FLAG_RESPONSE;
}

static inline bool v2_hdr_is_initiator(const struct v2_hdr *h)
{
	return h->flags & V2_FLAG_INITIATOR;
}

enum v2_pl_flags {
	V2_PLF_CRITICAL = 0x01,		/* the C bit was set */
	V2_PLF_INNER = 0x02,		/* decoded from inside SK */
	V2_PLF_UNKNOWN = 0x04,		/* a type we do not know, not critical: skipped */
};

/*
 * One payload of a decoded message, in order. body/len is the payload
 * body (after the generic header) inside the buffer it was decoded from.
 * u holds the decoded form for the known types (SK and unknown: none);
 * u.sa, u.ts and u.cp point into the message's own pools.
 */
struct v2_payload {
	uint8_t type;			/* enum v2_payload_type */
	uint8_t flags;			/* enum v2_pl_flags */
	uint16_t len;
	const uint8_t *body;
	union {
		struct v2_sa *sa;
		struct v2_ts *ts;	/* TSi, TSr */
		struct v2_cp *cp;
		struct v2_ke ke;
		struct v2_id id;	/* IDi, IDr */
		struct v2_auth auth;
		struct v2_nonce nonce;
		struct v2_notification notify;
		struct v2_delete del;
		struct v2_cert cert;	/* CERT, CERTREQ */
		struct v2_vendor vendor;
		struct v2_eap eap;
	} u;
};

/*
 * Where the protected part of an SK or SKF payload lies in the outer
 * datagram, for the crypto layer: the integrity/AEAD associated data is
 * [0, aad_len) (IKE header through the SK header, RFC 5282 5.1, and for
 * SKF its Fragment Number and Total Fragments, RFC 7383 2.5); [enc_off,
 * enc_off + enc_len) is IV || ciphertext || ICV.
 */
struct v2_sk {
	size_t hdr_off;			/* the SK/SKF generic payload header */
	size_t aad_len;
	size_t enc_off;
	size_t enc_len;
	uint8_t first;			/* first inner payload type; 0 in later fragments */
	uint16_t frag_num;		/* SKF only: 1..frag_total */
	uint16_t frag_total;
};

/*
 * A decoded message. Large (tens of KiB: the SA and TS pools); keep one
 * per worker, not on small stacks. Not copyable: payload records point
 * into its own pools.
 *
 * Owner: the worker decoding the datagram; it borrows the datagram and
 * the decrypted inner buffer, both of which must outlive it.
 */
struct v2_msg {
	struct v2_hdr hdr;
	const uint8_t *buf;		/* the outer datagram */
	size_t len;
	bool has_sk;			/* the last outer payload is SK or SKF */
	bool is_frag;			/* ... and it is SKF */
	bool inner_done;		/* v2_inner_decode() succeeded */
	struct v2_sk sk;
	/* on a decode failure: what to answer and why */
	uint16_t notify;		/* enum v2_notify, e.g. INVALID_SYNTAX */
	uint8_t bad_type;		/* the offending payload type, if any */
	const char *why;		/* constant string for the logs */
	uint8_t npl;
	uint8_t nsa, nts, ncp, nnotify;
	uint8_t count[256];		/* known payloads per type, inner and outer */
	struct v2_payload pl[V2_MAX_PAYLOADS];
	struct v2_sa sa[V2_MAX_SA_PAYLOADS];
	struct v2_ts ts[V2_MAX_TS_PAYLOADS];
	struct v2_cp cp[V2_MAX_CP_PAYLOADS];
};

/*
 * Decode a datagram (without a non-ESP marker) into m: header, payloads up
 * to SK/SKF, each payload's form. Returns 0 or:
 *   -EPROTONOSUPPORT  major version not 2 (m->notify INVALID_MAJOR_VERSION)
 *   -ENOTSUP          an unknown payload with the critical bit
 *                     (m->notify UNSUPPORTED_CRITICAL_PAYLOAD, m->bad_type)
 *   -EBADMSG          anything else (m->notify INVALID_SYNTAX), including a
 *                     payload only legal inside SK found outside it
 * with m->why set. Nothing in m points outside buf.
 * Context: any thread; pure; no allocation.
 */
int v2_msg_decode(const uint8_t *buf, size_t len, struct v2_msg *m);

/*
 * Decode the decrypted inner chain (plaintext without padding, starting
 * with a payload of type first) and append it to m, marked
 * V2_PLF_INNER. m must hold a decoded SK/SKF message; buf must outlive m.
 * SK or SKF inside SK is refused. Returns as v2_msg_decode(), or -EINVAL
 * when m has no SK or was already completed. After a failure m is good
 * only for its notify, bad_type and why.
 * Context: any thread; pure; no allocation.
 */
int v2_inner_decode(uint8_t first, const uint8_t *buf, size_t len, struct v2_msg *m);

/*
 * The first payload of type at or after index from (or -1): for (i =
 * v2_msg_find(m, T, 0); i >= 0; i = v2_msg_find(m, T, i + 1)).
 * Context: any thread; pure.
 */
int v2_msg_find(const struct v2_msg *m, uint8_t type, int from);

/* The first Notify of the given notify type, or NULL. Context: any thread. */
const struct v2_notification *v2_msg_notify(const struct v2_msg *m, uint16_t ntype);

/* The first payload of type in m, or NULL. Context: any thread; pure. */
static inline const struct v2_payload *v2_msg_get(const struct v2_msg *m, uint8_t type)
{
	int i = v2_msg_find(m, type, 0);
	return i >= 0 ? &m->pl[i] : NULL;
}

#endif
