/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_BUILD_H
#define SKUA_IKE_V1_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ike/v1/msg.h"
#include "ike/v1/payloads.h"

/*
 * Writing an ISAKMP message: the header, then payloads one after the
 * other; each payload's type goes into the previous Next Payload field
 * and its length is patched when it is closed, so callers never count.
 * Errors stick (the first one is returned by every later call).
 *
 * Owner: the caller; the builder borrows the output buffer.
 */
struct v1_build {
	struct wbuf w;
	size_t next_at;			/* offset of the Next Payload field to fill */
	size_t pl_start;		/* offset of the open payload's header, or 0 */
	size_t body_at;			/* offset of the first payload (the end of the header) */
};

/* Start a message: the header (its Next Payload and Length are patched later). */
int v1_build_init(struct v1_build *b, uint8_t *buf, size_t cap, const struct v1_hdr *h);

/* Open a payload of type: its generic header is written. */
int v1_build_begin(struct v1_build *b, uint8_t type);

/* Close the open payload: its length is patched. */
int v1_build_end(struct v1_build *b);

/*
 * Whole payloads: begin, encode the form, end. The offset of the body
 * (after the generic header) goes to *body_off when body_off is not NULL
 * (the SA and ID payloads are hashed as sent).
 */
int v1_build_sa(struct v1_build *b, const struct v1_sa *sa, size_t *body_off);
int v1_build_blob(struct v1_build *b, uint8_t type, const void *data, size_t len);
int v1_build_id(struct v1_build *b, const struct v1_id *id, size_t *body_off);
int v1_build_notify(struct v1_build *b, const struct v1_notification *n);
int v1_build_delete(struct v1_build *b, const struct v1_delete *d);
int v1_build_cert(struct v1_build *b, uint8_t type, const struct v1_cert *c);
int v1_build_nat_oa(struct v1_build *b, uint8_t type, const struct v1_nat_oa *oa);
int v1_build_cfg(struct v1_build *b, const struct v1_cfg *cfg);

/*
 * Close the message: pad_to > 1 pads the body (zeros, RFC 2408 3.5 leaves
 * their value open) to a multiple of pad_to bytes, then the Length is
 * patched; *len gets the message length.
 */
int v1_build_finish(struct v1_build *b, size_t pad_to, size_t *len);

#endif
