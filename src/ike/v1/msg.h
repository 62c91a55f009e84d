/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_MSG_H
#define SKUA_IKE_V1_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v1/payloads.h"
#include "ike/v1/types.h"

/*
 * Decoding one ISAKMP message (RFC 2408 section 3): the fixed header,
 * then the payload chain. With the Encryption flag set everything after
 * the header is ciphertext: v1_msg_decode() stops at the header and
 * v1_msg_decode_body() decodes the chain once the exchange has decrypted
 * it (the padding after the last payload is allowed there; in the clear
 * only up to 3 bytes, libreswan's ikepad to 4). Handlers see only messages
 * that decoded.
 */

/* The ISAKMP header (RFC 2408 3.1). */
struct v1_hdr {
	uint8_t icookie[8], rcookie[8];
	uint8_t next;
	uint8_t major, minor;
	uint8_t exchange;		/* enum v1_exchange */
	uint8_t flags;			/* enum v1_flags */
	uint32_t msgid;
	uint32_t length;
};

/*
 * Decode and check the fixed header: at least V1_HDR_SIZE bytes, major
 * version 1, the Length field equal to len and at most V1_MSG_MAX.
 * Returns 0, -EBADMSG, or -EPROTONOSUPPORT when the major version is not
 * 1 (h is filled then). Context: any thread; pure.
 */
int v1_hdr_decode(const uint8_t *buf, size_t len, struct v1_hdr *h);

/* Append the 28-byte header to b (version 1.0 whatever h says). Context: any; pure. */
int v1_hdr_encode(struct wbuf *b, const struct v1_hdr *h);

/* One payload of a decoded message; u holds the decoded form. */
struct v1_payload {
	uint8_t type;			/* enum v1_payload_type */
	uint16_t len;			/* of the body */
	const uint8_t *body;		/* after the generic header (SAi_b, IDii_b, ... for HASH) */
	union {
		struct v1_sa *sa;
		struct v1_cfg *cfg;
		struct v1_blob blob;	/* KE, HASH, SIG, NONCE, VID, NAT-D */
		struct v1_id id;
		struct v1_cert cert;	/* CERT, CR */
		struct v1_notification notify;
		struct v1_delete del;
		struct v1_nat_oa oa;
	} u;
};

/*
 * A decoded message. Large (the SA pools): one per worker, never on a
 * small stack. Owner: the decoding worker; it borrows the datagram (and
 * the decrypted body), which must outlive it.
 */
struct v1_msg {
	struct v1_hdr hdr;
	const uint8_t *buf;		/* the datagram */
	size_t len;
	bool encrypted;			/* E flag: the chain is in the body, once decrypted */
	bool body_done;			/* the chain is decoded */
	size_t pad;			/* bytes after the last payload (in the clear: < 4) */
	/* on a decode failure: what to answer and why */
	uint16_t notify;		/* enum v1_notify */
	uint8_t bad_type;
	const char *why;
	uint8_t npl, nsa, ncfg;
	uint8_t count[256];
	struct v1_payload pl[V1_MAX_PAYLOADS];
	struct v1_sa sa[V1_MAX_SA_PAYLOADS];
	struct v1_cfg cfg[V1_MAX_ATTR_PAYLOADS];
};

/*
 * Decode a datagram (without a non-ESP marker): the header and, when it
 * is not encrypted, the payload chain. Returns 0 or:
 *   -EPROTONOSUPPORT  major version not 1 (notify INVALID_MAJOR_VERSION)
 *   -EBADMSG          anything else, with m->notify (PAYLOAD_MALFORMED,
 *                     INVALID_PAYLOAD_TYPE, DOI_NOT_SUPPORTED, ...),
 *                     m->bad_type and m->why set
 * Nothing in m points outside buf. Context: any thread; pure; no allocation.
 */
int v1_msg_decode(const uint8_t *buf, size_t len, struct v1_msg *m);

/*
 * Decode the decrypted chain of an encrypted message m (plaintext buf of
 * len bytes, which must outlive m); up to V1_PAD_MAX bytes of padding may
 * follow the last payload. Returns as v1_msg_decode(), or -EINVAL when m
 * is not encrypted or already has its chain.
 * Context: any thread; pure; no allocation.
 */
int v1_msg_decode_body(struct v1_msg *m, const uint8_t *buf, size_t len);

/* The index of the first payload of type at or after from, or -1. Context: any; pure. */
int v1_msg_find(const struct v1_msg *m, uint8_t type, int from);

/* The first payload of type, or NULL. */
static inline const struct v1_payload *v1_msg_get(const struct v1_msg *m, uint8_t type)
{
	int i = v1_msg_find(m, type, 0);
	return i >= 0 ? &m->pl[i] : NULL;
}

/* The first Notification of that type, or NULL. Context: any; pure. */
const struct v1_notification *v1_msg_notify(const struct v1_msg *m, uint16_t type);

#endif
