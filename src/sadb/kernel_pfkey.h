/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_PFKEY_H
#define SKUA_SADB_KERNEL_PFKEY_H

#include <linux/pfkeyv2.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb/kernel_backend.h"
#include "sadb/kernel_queue.h"

/*
 * The PF_KEY v2 backend (RFC 2367 with the KAME/Linux SADB_X_ extensions)
 * and its message codec, which tests drive without a kernel.
 */

enum {
	KERNEL_PFKEY_MSG_MAX = 2048, /* one request, keys included */
	KERNEL_PFKEY_TIMEOUT_MS = 5000,
	KERNEL_PFKEY_REQID_MAX = 0x3fff, /* af_key keeps larger policy reqids to itself */
};

/* A message split into its extensions: offsets into the caller's buffer. */
struct kernel_pfkey_msg {
	struct sadb_msg hdr;		      /* copied */
	const uint8_t *ext[SADB_EXT_MAX + 1]; /* NULL: absent */
	size_t ext_len[SADB_EXT_MAX + 1];     /* bytes, header included */
};

/*
 * Build op as one PF_KEY request (sequence seq, sender pid) in buf.
 * Returns its length in bytes, or -EINVAL (inconsistent parameters),
 * -EOPNOTSUPP (something PF_KEY on Linux cannot express: AEAD, ESN,
 * marks, interfaces, TFC padding, SHA2-256-128), -EMSGSIZE.
 * Context: any thread; pure.
 */
int kernel_pfkey_encode(const struct kernel_op *op, uint32_t seq, uint32_t pid, uint8_t *buf,
			size_t cap);

/*
 * The reqid an SA carries in the kernel for the caller's reqid: itself up
 * to KERNEL_PFKEY_REQID_MAX, else 0 (the policy template then has level
 * "require" and reqid 0, and the kernel matches templates to SAs by equal
 * reqids). The backend gives the caller's reqid back in EXPIRE events of
 * the SAs it installed. Context: any thread; pure.
 */
uint32_t kernel_pfkey_sa_reqid(uint32_t reqid);

/*
 * Build a SADB_REGISTER (satype) or SADB_DUMP/SADB_X_SPDDUMP request.
 * Returns its length or -EMSGSIZE. Context: any thread; pure.
 */
int kernel_pfkey_encode_simple(uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid,
			       uint8_t *buf, size_t cap);

/*
 * Split the message at buf[0..len-1]: version, lengths (the message's and
 * every extension's, in 8-byte units), known and unrepeated extension
 * types. Returns 0 or -EBADMSG. Context: any thread; pure.
 */
int kernel_pfkey_parse(const uint8_t *buf, size_t len, struct kernel_pfkey_msg *m);

/*
 * SA fields of a parsed SADB_ADD/UPDATE/GET/GETSPI/DUMP answer (never the
 * keys) into *sa and the current lifetime into *stats (either may be
 * NULL). Returns 0 or -EBADMSG (no SA or address extension).
 * Context: any thread; pure.
 */
int kernel_pfkey_decode_sa(const struct kernel_pfkey_msg *m, struct kernel_sa_params *sa,
			   struct kernel_sa_stats *stats);

/*
 * A parsed SADB_X_SPDADD/SPDUPDATE/SPDDUMP answer into *p.
 * Returns 0 or -EBADMSG. Context: any thread; pure.
 */
int kernel_pfkey_decode_policy(const struct kernel_pfkey_msg *m, struct kernel_policy_params *p);

/*
 * A parsed SADB_ACQUIRE, SADB_EXPIRE or SADB_X_SPDEXPIRE into *ev.
 * Returns 0, -ENOENT (another type) or -EBADMSG. Context: any thread; pure.
 */
int kernel_pfkey_decode_event(const struct kernel_pfkey_msg *m, struct kernel_event *ev);

typedef int kernel_pfkey_dump_fn(const struct kernel_pfkey_msg *m, void *ctx);

/*
 * SADB_DUMP (every SA of satype) or SADB_X_SPDDUMP (satype ignored):
 * fn for each entry. Returns 0, fn's first non-zero return or -errno.
 * Context: the thread that owns the backend state.
 */
int kernel_pfkey_dump(void *state, uint8_t type, uint8_t satype, kernel_pfkey_dump_fn *fn,
		      void *ctx);

#endif
