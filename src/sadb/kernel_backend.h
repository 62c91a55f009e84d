/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_BACKEND_H
#define SKUA_SADB_KERNEL_BACKEND_H

#include <stddef.h>

/*
 * A kernel-programming backend: XFRM through netlink, PF_KEY v2, or none.
 * One backend instance serves the kernel thread of one kernel_queue; its
 * state is private to that thread except for init/fini.
 */

struct kernel_op;

/*
 * Owner: static, immutable tables (one per backend file); any thread may
 * read them.
 */
struct kernel_backend {
	const char *name;	/* "none", "xfrm", "pfkey" (the protostack= word) */

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
};

/* No kernel: every operation succeeds (load tests, pure IKE responders). */
extern const struct kernel_backend kernel_backend_none;

/*
 * The backend called name, or NULL if this build has none by that name.
 * Context: any thread.
 */
const struct kernel_backend *kernel_backend_find(const char *name);

#endif
