/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_ROUTE_H
#define SKUA_SADB_KERNEL_ROUTE_H

#include <stddef.h>

#include "sadb/kernel_queue.h"

/*
 * Routes through rtnetlink (NETLINK_ROUTE), for the route ops of the
 * kernel queue (KERNEL_OP_ROUTE_REPLACE, KERNEL_OP_ROUTE_DELETE): the
 * default updown action done natively, whatever the SA backend. Requests
 * go out in one sendmsg() and are acked one by one, like the XFRM
 * backend's.
 */

/*
 * Open the socket; *state is the caller's until kernel_route_close().
 * Returns 0 or -errno. Context: the kernel thread (or a test); may block.
 */
int kernel_route_open(void **state);

/* Close it. Accepts NULL. Context: the thread that owns state. */
void kernel_route_close(void *state);

/*
 * Perform ops[0..n-1] (route ops only) in order, setting each status:
 * 0, or -errno from the kernel. Deleting a route that is not there
 * answers 0, as the shipped script treats it ("gone is as good as
 * removed"). A device that does not exist answers -ENODEV.
 * Context: the thread that owns state; blocks on the kernel (bounded).
 */
void kernel_route_submit(void *state, struct kernel_op **ops, size_t n);

/*
 * Encode one route op as an rtnetlink request into buf (len bytes) with
 * sequence number seq. Returns the message length, -EMSGSIZE, -EINVAL
 * (not a route op, a family mismatch) or -ENODEV (dev unknown).
 * Context: any thread; pure apart from the device lookup.
 */
int kernel_route_encode(const struct kernel_op *op, unsigned seq, void *buf, size_t len);

#endif
