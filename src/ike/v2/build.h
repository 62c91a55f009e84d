/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_BUILD_H
#define SKUA_IKE_V2_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/msg.h"
#include "ike/v2/payloads.h"
#include "util/wire.h"

/*
 * Building an IKEv2 message into a caller buffer: the header, then one
 * payload per call, each call patching the previous payload's Next
 * Payload field. An SK payload is framed around the inner payloads, built
 * in place as plaintext; v2_build_sk_end() pads, reserves the ICV and
 * writes every length, and says where the crypto layer encrypts and
 * where it puts the ICV.
 *
 *	v2_build_init(&b, buf, sizeof(buf), &hdr);
 *	v2_build_sk_begin(&b, iv_len);
 *	v2_build_id(&b, V2_PL_IDI, &id); v2_build_auth(&b, &auth); ...
 *	v2_build_sk_end(&b, &sizes, &layout);	(or v2_build_finish() without SK)
 *	crypto: IV at layout.iv_off, encrypt [pt_off, pt_off + pt_len) in
 *	place, ICV over [0, icv_off) (or AEAD with AAD [0, aad_len)) at icv_off.
 *
 * Errors stick: every call returns 0 or the first error (-EINVAL for a
 * form the decoder would refuse or a call out of order, -EMSGSIZE when
 * the buffer is full), so a caller may check only the last one.
 *
 * Owner: the caller; the builder borrows buf.
 */
struct v2_build {
	struct wbuf w;
	size_t next_at;			/* the Next Payload byte the next payload fills */
	size_t sk_hdr;			/* SK/SKF payload header offset, when in_sk */
	size_t sk_hdr_len;		/* 4 (SK) or 8 (SKF) */
	size_t iv_off;
	size_t iv_len;
	bool in_sk;
	bool done;			/* the SK payload is closed: no more payloads */
	int err;
};

/* The sizes the negotiated SK transforms impose. */
struct v2_sk_sizes {
	uint16_t iv;			/* IV bytes */
	uint16_t block;			/* plaintext + padding: a multiple of it; 0, 1: none */
	uint16_t icv;			/* integrity checksum or AEAD tag bytes */
};

/* Where the crypto layer works in a built SK or SKF message. */
struct v2_sk_layout {
	size_t aad_len;			/* AEAD associated data: [0, aad_len) */
	size_t iv_off, iv_len;		/* the IV to fill */
	size_t pt_off, pt_len;		/* inner + padding + Pad Length: encrypt in place */
	size_t icv_off, icv_len;	/* the ICV; non-AEAD integrity covers [0, icv_off) */
	size_t total;			/* message length, already in the IKE header */
};

/*
 * Start a message: write h (its next and length fields are ignored and
 * filled later). Context: any thread; pure.
 */
int v2_build_init(struct v2_build *b, uint8_t *buf, size_t cap, const struct v2_hdr *h);

/* Append one payload each. id, ts: type is IDi/IDr, TSi/TSr. Context: any thread; pure. */
int v2_build_sa(struct v2_build *b, const struct v2_sa *sa);
int v2_build_ke(struct v2_build *b, const struct v2_ke *ke);
int v2_build_nonce(struct v2_build *b, const struct v2_nonce *n);
int v2_build_notify(struct v2_build *b, const struct v2_notification *n);
int v2_build_id(struct v2_build *b, uint8_t type, const struct v2_id *id);
int v2_build_auth(struct v2_build *b, const struct v2_auth *auth);
int v2_build_ts(struct v2_build *b, uint8_t type, const struct v2_ts *ts);
int v2_build_delete(struct v2_build *b, const struct v2_delete *d);
int v2_build_vendor(struct v2_build *b, const struct v2_vendor *v);
int v2_build_cp(struct v2_build *b, const struct v2_cp *cp);
int v2_build_cert(struct v2_build *b, const struct v2_cert *c);
int v2_build_certreq(struct v2_build *b, const struct v2_cert *c);
int v2_build_eap(struct v2_build *b, const struct v2_eap *eap);

/*
 * Any payload from its raw body, critical bit included: for tests and
 * impairments, and types without an encoder. SK and SKF are refused.
 * Context: any thread; pure.
 */
int v2_build_raw(struct v2_build *b, uint8_t type, bool critical, const void *body, size_t len);

/*
 * Open an SK payload (the last payload of the message) and reserve
 * iv_len bytes of IV; the payloads built next are its inner payloads.
 * v2_build_skf_begin() opens an SKF payload instead (RFC 7383 2.5): the
 * caller appends the fragment's inner bytes with v2_build_bytes().
 * Context: any thread; pure.
 */
int v2_build_sk_begin(struct v2_build *b, size_t iv_len);
int v2_build_skf_begin(struct v2_build *b, uint16_t num, uint16_t total, uint8_t first,
		       size_t iv_len);

/* Append raw plaintext inside an open SK/SKF payload. Context: any thread; pure. */
int v2_build_bytes(struct v2_build *b, const void *p, size_t len);

/*
 * Close the SK payload: append padding (zeros) and the Pad Length byte so
 * the plaintext is a multiple of sizes->block, reserve sizes->icv bytes,
 * write the SK payload length and the IKE header length, and describe
 * the layout. The message is complete afterwards.
 * Context: any thread; pure.
 */
int v2_build_sk_end(struct v2_build *b, const struct v2_sk_sizes *sizes,
		    struct v2_sk_layout *lay);

/*
 * Complete a message without SK: write the IKE header length; *len gets
 * it (may be NULL). Context: any thread; pure.
 */
int v2_build_finish(struct v2_build *b, size_t *len);

/* Padding bytes (without the Pad Length byte) for plain_len bytes of inner payloads. */
size_t v2_sk_pad_len(size_t plain_len, size_t block);

#endif
