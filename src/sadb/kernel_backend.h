/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_BACKEND_H
#define SKUA_SADB_KERNEL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/*
 * A kernel-programming backend: XFRM through netlink, PF_KEY v2, or none.
 * One backend instance serves the kernel thread of one kernel_queue; its
 * state is private to that thread except for init/fini.
 */

struct kernel_op;

enum kernel_event_kind {
	KERNEL_EVENT_ACQUIRE = 1,	/* a trap policy matched a packet with no SA */
	KERNEL_EVENT_EXPIRE,		/* an SA reached its soft or hard lifetime */
	KERNEL_EVENT_POLICY_EXPIRE,	/* a policy reached its lifetime */
};

/*
 * One kernel event, decoded. Owner: the backend fills it on the kernel
 * thread and passes it by pointer to the handler, which copies what it
 * needs (it is gone when the handler returns).
 */
struct kernel_event {
	enum kernel_event_kind kind;
	bool hard;			/* EXPIRE, POLICY_EXPIRE: hard (gone) or soft (rekey) */
	uint8_t proto;			/* ACQUIRE: template's; EXPIRE: SA's (IPPROTO_ESP, ...) */
	uint8_t dir;			/* ACQUIRE, POLICY_EXPIRE: enum kernel_policy_dir */
	uint32_t spi;			/* EXPIRE, host order */
	uint32_t reqid;			/* ACQUIRE: template's; EXPIRE: SA's */
	uint32_t policy_index;		/* ACQUIRE, POLICY_EXPIRE: the kernel's policy index */
	struct ip_addr src, dst;	/* ACQUIRE: template endpoints; EXPIRE: SA's */
	struct ip_subnet sel_src, sel_dst;	/* ACQUIRE, POLICY_EXPIRE: the selector */
	uint8_t sel_proto;
	uint16_t sel_sport, sel_dport;
	uint32_t mark, mark_mask;
	uint32_t if_id;
};

/* Context: the kernel thread; must not block (post to the owner's mailbox). */
typedef void kernel_event_fn(const struct kernel_event *ev, void *ctx);

/*
 * Owner: static, immutable tables (one per backend file); any thread may
 * read them.
 */
struct kernel_backend {
	const char *name;	/* "none", "xfrm", "pfkey" (the protostack= word) */

	/*
	 * submit() may run on any thread, several at once (it keeps no state
	 * that needs the kernel thread): the queue then runs it on the
	 * submitter and spares the thread hop (the none backend).
	 */
	bool inline_ok;

	/*
	 * Open sockets and the like; *state is the backend's. Returns 0 or
	 * -errno (the queue does not start).
	 * Context: the thread calling kernel_queue_start(); may block.
	 */
	int (*init)(void **state);

	/*
	 * Release what init() took. Context: the thread calling
	 * kernel_queue_stop(), after the kernel thread is joined.
	 */
	void (*fini)(void *state);

	/*
	 * Perform ops[0..n-1] in this order (packing them into as few
	 * messages as it can), setting each op's status (0 or -errno) and its
	 * results (spi for KERNEL_OP_SPI_ALLOC, stats for KERNEL_OP_SA_QUERY).
	 * It must not keep the ops: they go back to their owners afterwards.
	 * Context: the kernel thread; may block on the kernel.
	 */
	void (*submit)(void *state, struct kernel_op **ops, size_t n);

	/*
	 * Optional: an fd the kernel thread polls for kernel events (ACQUIRE,
	 * EXPIRE, ...), or -1; and the reader called when it is readable,
	 * which posts each event to the owner worker's mailbox.
	 * Context: the kernel thread.
	 */
	int (*event_fd)(void *state);
	void (*event_read)(void *state);

	/*
	 * Optional: start delivering kernel events to fn(ev, ctx) (or stop,
	 * with fn NULL). Until called, the backend is not subscribed to any
	 * event, so none is lost or delivered to nobody. Returns 0 or -errno.
	 * Context: any thread after kernel_queue_start() (or init) returned.
	 */
	int (*subscribe)(void *state, kernel_event_fn *fn, void *ctx);

	/*
	 * Optional: delete every SA and policy this backend instance (or an
	 * earlier run with the same reqid range) installed, and nothing else.
	 * Returns 0 or the first -errno. Context: the kernel thread, or the
	 * thread holding a backend not run by a queue (tests, shutdown).
	 */
	int (*flush)(void *state);
};

/* No kernel: every operation succeeds (load tests, pure IKE responders). */
extern const struct kernel_backend kernel_backend_none;
/* Linux XFRM through netlink (kernel_xfrm.c). */
extern const struct kernel_backend kernel_backend_xfrm;
/* PF_KEY v2, RFC 2367 (kernel_pfkey.c). */
extern const struct kernel_backend kernel_backend_pfkey;

/*
 * The backend called name, or NULL if this build has none by that name.
 * Context: any thread.
 */
const struct kernel_backend *kernel_backend_find(const char *name);

#endif
