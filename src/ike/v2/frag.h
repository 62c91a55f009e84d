/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_FRAG_H
#define SKUA_IKE_V2_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "ike/v2/build.h"
#include "ike/v2/msg.h"

/*
 * IKEv2 message fragmentation (RFC 7383). Receiving: each SKF fragment is
 * checked and decrypted on its own by the crypto layer (2.6); its
 * plaintext (padding removed) is handed to v2_frag_add(); when all have
 * come, v2_frag_assemble() gives the inner payload chain for
 * v2_inner_decode(). Sending: v2_frag_plan() cuts an encoded inner chain
 * to fit a message size, v2_frag_build() frames one fragment for the
 * crypto layer to encrypt.
 */

enum v2_frag_verdict {
	V2_FRAG_HELD,			/* stored; more to come */
	V2_FRAG_DONE,			/* every fragment is here: v2_frag_assemble() */
	V2_FRAG_DUP,			/* already held: ignored */
	V2_FRAG_STALE,			/* an older message, or a smaller Total: ignored */
	V2_FRAG_BAD,			/* numbers or sizes out of bounds: ignored */
	V2_FRAG_NOMEM,			/* could not be stored: dropped */
};

/*
 * The reassembly of one message of one IKE SA (one per direction in
 * flight). At most V2_MAX_FRAGMENTS fragments and V2_FRAG_BYTES_MAX bytes
 * are held; each fragment is a malloc'd copy, freed at reset or assembly.
 * Idle (total 0) it holds no memory.
 *
 * Owner: the worker that owns the IKE SA; not shared.
 */
struct v2_frag_reasm {
	uint32_t msgid;
	uint16_t total;			/* Total Fragments; 0: idle */
	uint16_t have;
	uint8_t first;			/* first inner payload type, from fragment 1 */
	size_t bytes;
	uint16_t len[V2_MAX_FRAGMENTS];
	uint8_t *data[V2_MAX_FRAGMENTS];
};

/* Context: the owner. init: any memory; reset: frees and goes idle (accepts an idle one). */
void v2_frag_reasm_init(struct v2_frag_reasm *r);
void v2_frag_reasm_reset(struct v2_frag_reasm *r);

/*
 * Add the decrypted content of fragment num of total of message msgid
 * (first: its SKF Next Payload). A newer message ID, or a larger Total
 * for the same message (the sender re-fragmented, 2.6), restarts the
 * reassembly; an older one or a smaller Total is STALE.
 * Context: the owner; may call malloc; copies plain.
 */
enum v2_frag_verdict v2_frag_add(struct v2_frag_reasm *r, uint32_t msgid, uint16_t num,
				 uint16_t total, uint8_t first, const uint8_t *plain,
				 size_t len);

/*
 * Copy the complete inner chain to out and reset r. Returns 0, -EINVAL
 * (not complete) or -EMSGSIZE (cap too small; r is kept).
 * Context: the owner.
 */
int v2_frag_assemble(struct v2_frag_reasm *r, uint8_t *out, size_t cap, size_t *len,
		     uint8_t *first);

/* How a message is cut: chunk inner bytes per fragment, the last one shorter. */
struct v2_frag_plan {
	size_t chunk;
	uint16_t total;
};

/*
 * Plan fragments of inner_len bytes of inner payloads so that every
 * fragment message is at most max_msg bytes with the given SK sizes.
 * Returns 0, -EINVAL (nothing to send) or -EMSGSIZE (max_msg too small,
 * or more than V2_MAX_FRAGMENTS needed).
 * Context: any thread; pure.
 */
int v2_frag_plan(size_t inner_len, size_t max_msg, const struct v2_sk_sizes *sizes,
		 struct v2_frag_plan *plan);

/*
 * Build fragment num (1..plan->total) of the message with header h (its
 * Next Payload becomes SKF) whose inner chain, starting with a payload of
 * type first, is inner: header, SKF header, IV space, the chunk as
 * plaintext, padding, ICV space; lengths written, *lay for the crypto
 * layer. Returns 0, -EINVAL or -EMSGSIZE (cap).
 * Context: any thread; pure.
 */
int v2_frag_build(uint8_t *buf, size_t cap, const struct v2_hdr *h, uint8_t first,
		  const uint8_t *inner, size_t inner_len, const struct v2_frag_plan *plan,
		  uint16_t num, const struct v2_sk_sizes *sizes, struct v2_sk_layout *lay);

#endif
