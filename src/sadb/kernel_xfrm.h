/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_XFRM_H
#define SKUA_SADB_KERNEL_XFRM_H

#include <linux/netlink.h>
#include <stdint.h>

#include "sadb/kernel_backend.h"
#include "sadb/kernel_queue.h"

/*
 * The XFRM backend (kernel_backend_xfrm) and the pieces of it that tests
 * and tools use directly: the encoder of one op as one netlink request,
 * the decoders of kernel messages, a dump walker and the reqid range that
 * marks what this daemon owns.
 */

enum {
  /* reqids this daemon uses by default (libreswan's base); flush stays inside
   */
  KERNEL_XFRM_REQID_MIN = 16384,
  KERNEL_XFRM_REQID_MAX = 0x3fffffff,
  KERNEL_XFRM_MSG_MAX = 4096,    /* one request, keys included */
  KERNEL_XFRM_TIMEOUT_MS = 5000, /* waiting for the kernel's acks */
};

struct nl_msg;

/*
 * Build op as one XFRM request (NLM_F_REQUEST | NLM_F_ACK, sequence seq)
 * in a new message the caller frees with kernel_xfrm_msg_free() (which
 * wipes keys). Returns 0, -EINVAL (inconsistent parameters: key lengths,
 * families, an SPI range below KERNEL_SPI_MIN), -EOPNOTSUPP (an algorithm
 * XFRM does not know), -EMSGSIZE or -ENOMEM.
 * Context: any thread; pure apart from allocation.
 */
int kernel_xfrm_encode(const struct kernel_op *op, uint32_t seq,
                       struct nl_msg **out);

/* Wipe and free a message made by kernel_xfrm_encode(). Accepts NULL. */
void kernel_xfrm_msg_free(struct nl_msg *m);

/*
 * Decode an XFRM_MSG_ACQUIRE, XFRM_MSG_EXPIRE or XFRM_MSG_POLEXPIRE
 * message (h->nlmsg_len bytes, already bounded by the receive buffer).
 * Returns 0, -ENOENT (another message type) or -EBADMSG (too short).
 * Context: any thread; pure.
 */
int kernel_xfrm_decode_event(const struct nlmsghdr *h, struct kernel_event *ev);

/*
 * Decode an XFRM_MSG_NEWSA (a GETSA answer or a dump entry): addresses,
 * SPI, proto, mode, reqid, replay, ESN, lifetimes, marks, if_id, encap,
 * algorithm IDs and key lengths (never the keys) into *sa, counters into
 * *stats (either may be NULL). Returns 0 or -EBADMSG.
 * Context: any thread; pure.
 */
int kernel_xfrm_decode_sa(const struct nlmsghdr *h, struct kernel_sa_params *sa,
                          struct kernel_sa_stats *stats);

/*
 * Decode an XFRM_MSG_NEWPOLICY (a dump entry) into *p (action BLOCK, PASS
 * or IPSEC; the first IPsec template's proto, mode, endpoints and reqid;
 * ipcomp when an IPComp template precedes it) and the kernel's index.
 * Returns 0 or -EBADMSG. Context: any thread; pure.
 */
int kernel_xfrm_decode_policy(const struct nlmsghdr *h,
                              struct kernel_policy_params *p, uint32_t *index);

/* Called for each dumped message; a non-zero return stops the walk and is
 * returned. */
typedef int kernel_xfrm_dump_fn(const struct nlmsghdr *h, void *ctx);

/*
 * Dump every SA (type XFRM_MSG_GETSA) or policy (XFRM_MSG_GETPOLICY) of
 * the network namespace through the backend's command socket. Returns 0,
 * fn's first non-zero return, or -errno.
 * Context: the thread that owns the backend state (kernel thread, tests).
 */
int kernel_xfrm_dump(void *state, int type, kernel_xfrm_dump_fn *fn, void *ctx);

/*
 * Restrict what flush() deletes to reqids in [min, max] (defaults
 * KERNEL_XFRM_REQID_MIN..MAX). Returns 0 or -EINVAL.
 * Context: the thread that owns the backend state.
 */
int kernel_xfrm_set_reqid_range(void *state, uint32_t min, uint32_t max);

#endif
