/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_SADB_KERNEL_QUEUE_H
#define SKUA_SADB_KERNEL_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sadb/kernel_backend.h"
#include "util/addr.h"
#include "util/mailbox.h"

/*
 * The kernel-op queue. Workers never talk to the kernel: they fill a
 * struct kernel_op with copies of everything the operation needs and post
 * it here (lock-free, wait-free, any thread). One kernel thread drains the
 * queue in FIFO order, hands as many queued ops as it has (up to
 * KERNEL_QUEUE_BATCH) to the backend at once, then posts each op, with its
 * status and results, to the mailbox of the worker that submitted it,
 * where op->done() runs.
 */

enum kernel_op_kind {
	KERNEL_OP_SA_ADD,
	KERNEL_OP_SA_UPDATE,		/* fill a larval SA made by SPI_ALLOC */
	KERNEL_OP_SA_DELETE,
	KERNEL_OP_POLICY_ADD,
	KERNEL_OP_POLICY_DELETE,
	KERNEL_OP_SPI_ALLOC,
	KERNEL_OP_SA_QUERY,		/* traffic counters of one SA */
	KERNEL_OP_ROUTE_REPLACE,	/* a route in the main table (rtnetlink, any backend) */
	KERNEL_OP_ROUTE_DELETE,		/* ... and its removal; a missing route is no error */
	KERNEL_OP_KINDS,
};

enum kernel_sa_mode {
	KERNEL_MODE_TUNNEL,
	KERNEL_MODE_TRANSPORT,
};

enum kernel_policy_dir {
	KERNEL_DIR_IN,
	KERNEL_DIR_OUT,
	KERNEL_DIR_FWD,
};

/* What a policy does with the traffic its selector matches. */
enum kernel_policy_action {
	KERNEL_POLICY_IPSEC,		/* template: through the SA(s) (the default, 0) */
	KERNEL_POLICY_TRAP,		/* template, no SA yet: the kernel sends ACQUIRE (%trap) */
	KERNEL_POLICY_PASS,		/* no template: in the clear (%pass) */
	KERNEL_POLICY_BLOCK,		/* no template: dropped (%drop, %reject) */
};

/* A netfilter mark and its mask; mask 0 means "no mark". */
struct kernel_mark {
	uint32_t value, mask;
};

enum {
	KERNEL_SPI_MIN = 0x1000,	/* 0..0xFFF are reserved or ours not to hand out */
	KERNEL_QUEUE_BATCH = 64,
	KERNEL_KEY_MAX = 512,		/* sanity cap on key material per SA */
	KERNEL_BATCH_BOUNDS = 7,	/* batch size histogram: 1, 2, 4, ... 64 ops */
	KERNEL_BATCH_OPS = 10,		/* ops of one kernel_batch: a Child SA, its routes */
};

/*
 * SA_ADD, SA_UPDATE, SA_DELETE, SA_QUERY (delete and query use dst, spi,
 * proto and mark). ESP: encr_id/integ_id are IKEv2 ENCR/INTEG transform
 * IDs (AEAD when integ_id is 0 and encr_id is GCM or ChaCha20-Poly1305);
 * AH: integ_id only; IPComp: spi is the CPI and encr_id the IPComp
 * transform ID (2, deflate). encap_sport/dport non-zero: ESP-in-UDP
 * (ESPINUDP, RFC 3948). esn or a replay window over 32 packets use the
 * ESN replay state.
 */
struct kernel_sa_params {
	struct ip_addr src, dst;
	uint32_t spi;			/* host order */
	uint8_t proto;			/* IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP */
	uint8_t mode;			/* enum kernel_sa_mode */
	bool esn;
	uint32_t reqid;
	uint16_t encr_id, integ_id;	/* IKEv2 transform IDs */
	uint16_t encr_key_len;		/* bytes of op->key: encryption (with salt) */
	uint16_t integ_key_len;		/* then integrity */
	uint16_t icv_bits;		/* AEAD tag length */
	uint16_t encap_sport, encap_dport;	/* ESP-in-UDP ports, 0: none */
	uint32_t replay_window;
	uint64_t soft_bytes, hard_bytes;	/* 0: no limit */
	uint64_t soft_seconds, hard_seconds;
	/* Added for the XFRM and PF_KEY backends; all zero means "none". */
	uint64_t soft_packets, hard_packets;
	struct kernel_mark mark;	/* --conn-mark: the SA matches only marked packets */
	struct kernel_mark output_mark;	/* mark set on packets after the transform */
	uint32_t if_id;			/* XFRM interface (ipsec-interface=) */
	uint32_t tfcpad;		/* ESP TFC padding, bytes */
	/*
	 * Selector of the SA. Unset (af AF_UNSPEC): the host pair src/dst in
	 * transport mode, anything of src's family in tunnel mode.
	 */
	struct ip_subnet sel_src, sel_dst;
	uint8_t sel_proto;
	uint16_t sel_sport, sel_dport;
};

/* POLICY_ADD, POLICY_DELETE. */
struct kernel_policy_params {
	struct ip_subnet src_sel, dst_sel;
	uint8_t sel_proto;		/* 0: any */
	uint16_t sel_sport, sel_dport;	/* 0: any */
	uint8_t dir;			/* enum kernel_policy_dir */
	uint8_t mode;			/* enum kernel_sa_mode */
	uint8_t proto;			/* IPPROTO_ESP, ... of the template */
	struct ip_addr tun_src, tun_dst;	/* tunnel endpoints of the template */
	uint32_t reqid;
	uint32_t priority;
	/* Added for the XFRM and PF_KEY backends; all zero means "none". */
	uint8_t action;			/* enum kernel_policy_action */
	bool ipcomp;			/* template bundle: IPComp (optional), then proto */
	struct kernel_mark mark;
	uint32_t if_id;
};

/* SPI_ALLOC: a larval SA from src to dst; spi_max 0 means the whole range. */
struct kernel_spi_params {
	struct ip_addr src, dst;
	uint8_t proto;
	uint32_t spi_min, spi_max;
	uint32_t reqid;			/* added: tags the larval SA, so flush finds it */
};

/*
 * ROUTE_REPLACE, ROUTE_DELETE: what `ip route replace DST [via VIA] [dev
 * DEV] [src SRC]` and `ip route del DST [dev DEV]` do, in the main table.
 * Unset via/src (af AF_UNSPEC) and an empty dev are left out. Done over
 * rtnetlink by the kernel thread whatever the SA backend (none included),
 * since the default updown action is routing, not IPsec.
 */
struct kernel_route_params {
	struct ip_subnet dst;
	struct ip_addr via, src;
	char dev[16];			/* IFNAMSIZ */
};

/* Result of SA_QUERY. */
struct kernel_sa_stats {
	uint64_t bytes, packets;
	uint64_t add_time, use_time;	/* seconds since the epoch, 0: never */
};

struct kernel_op;
struct kernel_drain;
typedef void kernel_done_fn(struct kernel_op *op);

/*
 * Owner: the submitting worker until kernel_queue_submit(); then the
 * queue and the kernel thread; then, through reply_to, the submitting
 * worker again, in done(), which frees it. Never shared by two threads at
 * once. Every parameter is a copy: nothing here points into an SA.
 */
struct kernel_op {
	struct mail mail;		/* queue link, then the reply's */
	enum kernel_op_kind kind;
	uint64_t id;			/* assigned by kernel_queue_submit() */
	unsigned id_hint;		/* the submitter's own index, never read by the queue */
	unsigned owner;			/* worker index, for the owner's use */
	struct mailbox *reply_to;	/* the owner's mailbox */
	kernel_done_fn *done;		/* runs on the owner with the result */
	void *cookie;			/* the owner's; never dereferenced off the owner */
	union {
		struct kernel_sa_params sa;
		struct kernel_policy_params policy;
		struct kernel_spi_params spi_req;
		struct kernel_route_params route;
	};
	uint8_t *key;			/* owned, wiped on free */
	size_t key_len;

	/* results, written by the kernel thread */
	int status;			/* 0 or -errno; -ECANCELED when stopped */
	uint32_t spi;			/* SPI_ALLOC */
	struct kernel_sa_stats stats;	/* SA_QUERY */
};

/*
 * A zeroed op of this kind that will answer to reply_to with done().
 * Returns NULL when memory is short or kind is out of range.
 * Context: any thread (the submitting worker); allocates.
 */
struct kernel_op *kernel_op_new(enum kernel_op_kind kind, struct mailbox *reply_to,
				kernel_done_fn *done, void *cookie);

/*
 * Copy the encryption then the integrity key into op->key, wiping any
 * previous key, and record their lengths in op->sa. Returns 0, -EMSGSIZE
 * (over KERNEL_KEY_MAX) or -ENOMEM.
 * Context: the op's owner, before submission.
 */
int kernel_op_set_keys(struct kernel_op *op, const uint8_t *encr, size_t encr_len,
		       const uint8_t *integ, size_t integ_len);

/* Wipe the key and free op. Accepts NULL. Context: the op's owner. */
void kernel_op_free(struct kernel_op *op);

/*
 * The mail handler of an answered op: calls op->done(op). A worker that
 * drains with its own dispatch function calls it for ops' mails.
 * Context: the op's owner worker.
 */
void kernel_op_deliver(struct mail *m, void *ctx);

/*
 * Several ops that travel together: one post to the kernel thread, one
 * backend call for all of them (in this order), one answer to the owner,
 * where done(b) runs with every op's status set. A Child SA's install
 * (its two SAs, its policies, its routes) is one batch: one round trip.
 *
 * Owner: as struct kernel_op; the batch owns its ops (kernel_batch_free()
 * frees them). The kernel thread writes only the ops' results.
 */
struct kernel_batch;
typedef void kernel_batch_done_fn(struct kernel_batch *b);

struct kernel_batch {
	struct mail mail;
	uint64_t id;			/* assigned by kernel_queue_submit_batch() */
	unsigned owner;			/* worker index, for the owner's use */
	struct mailbox *reply_to;
	kernel_batch_done_fn *done;
	void *cookie;
	unsigned n;
	struct kernel_op *ops[KERNEL_BATCH_OPS];
};

/*
 * An empty batch answering to reply_to with done. NULL on ENOMEM.
 * Context: any thread; allocates.
 */
struct kernel_batch *kernel_batch_new(struct mailbox *reply_to, kernel_batch_done_fn *done,
				      void *cookie);

/*
 * Append a zeroed op of kind to b and return it (b owns it), or NULL when
 * b is full (KERNEL_BATCH_OPS), memory is short or kind is out of range.
 * Context: the batch's owner, before submission.
 */
struct kernel_op *kernel_batch_add(struct kernel_batch *b, enum kernel_op_kind kind);

/* Free b and its ops (keys wiped). Accepts NULL. Context: the batch's owner. */
void kernel_batch_free(struct kernel_batch *b);

/* The mail handler of an answered batch: calls b->done(b). Context: the owner. */
void kernel_batch_deliver(struct mail *m, void *ctx);

enum kernel_stop_mode {
	KERNEL_STOP_DRAIN,		/* perform every op queued before the stop */
	KERNEL_STOP_CANCEL,		/* answer them with -ECANCELED instead */
};

/*
 * Owner: the main thread starts and stops it. The queue's tail and the
 * atomics are shared with every submitter; the backend state and the
 * mailbox head are the kernel thread's. Counters are single-writer (the
 * kernel thread) atomics, readable anywhere.
 */
struct kernel_queue {
	struct mailbox in;			/* submitters -> kernel thread */
	const struct kernel_backend *be;
	void *be_state;
	pthread_t thread;
	bool running;
	enum kernel_stop_mode stop_mode;	/* written before closed is set */
	_Atomic bool stopping;			/* submissions refused */
	_Atomic bool closed;			/* no submission in flight any more */
	_Atomic unsigned submitters;		/* submissions in flight */
	_Atomic uint64_t next_id;
	_Atomic uint64_t ops_done;		/* answered, success or not */
	_Atomic uint64_t ops_failed;		/* answered with status < 0 */
	_Atomic uint64_t ops_cancelled;
	_Atomic uint64_t batches;		/* backend submit() calls */
	_Atomic uint64_t ops_kind[KERNEL_OP_KINDS];	/* answered, by kind */
	_Atomic uint64_t failed_kind[KERNEL_OP_KINDS];	/* answered with status < 0, by kind */
	/* submit() calls by ops passed: bucket i <= 2^i ops (not cumulative), then their sum */
	_Atomic uint64_t batch_size[KERNEL_BATCH_BOUNDS + 1];
	_Atomic uint64_t batch_ops;
	_Atomic uint64_t round_trips;		/* answers posted: one per op or batch */
	_Atomic uint64_t inline_runs;		/* of which run on the submitter (none) */
	bool run_inline;			/* the backend runs on the submitter */
	void *route_state;			/* rtnetlink socket (kernel_route.h), lazily */
	struct kernel_drain *drain;		/* the kernel thread's scratch */
};

/*
 * Initialise the backend and start the kernel thread. Returns 0 or
 * -errno (backend init, eventfd, thread creation); nothing is left
 * running on failure.
 * Context: main thread; may block in the backend's init.
 */
int kernel_queue_start(struct kernel_queue *kq, const struct kernel_backend *be);

/*
 * Queue op (ownership passes to the queue) after setting op->id, which the
 * submitting owner may still read until it next drains its mailbox. Returns 0,
 * -EINVAL (no reply_to or done, bad kind) or -ESHUTDOWN once a stop has
 * begun (the caller still owns op then).
 * Context: any thread; wait-free apart from the wake-up write.
 */
int kernel_queue_submit(struct kernel_queue *kq, struct kernel_op *op);

/*
 * Queue batch b (ownership passes to the queue, as for an op). With a
 * backend that runs inline (none) and no route op in b, the backend runs
 * here, on the caller, and the answer is posted to b->reply_to at once:
 * still one answer, no thread hop. Returns 0, -EINVAL (no reply_to, done
 * or ops) or -ESHUTDOWN (the caller still owns b then).
 * Context: any thread; wait-free apart from the wake-up write.
 */
int kernel_queue_submit_batch(struct kernel_queue *kq, struct kernel_batch *b);

/*
 * Refuse new submissions, finish (DRAIN) or cancel (CANCEL) every op
 * already queued (each is still answered to its owner's mailbox), join
 * the kernel thread and release the backend. Owners must drain their
 * mailboxes afterwards to free the answered ops.
 * Context: main thread; blocks until the kernel thread exits.
 */
void kernel_queue_stop(struct kernel_queue *kq, enum kernel_stop_mode how);

/* Ops waiting (approximate). Context: any thread. */
long kernel_queue_depth(const struct kernel_queue *kq);

/* Ops answered so far. Context: any thread. */
uint64_t kernel_queue_ops_done(const struct kernel_queue *kq);

#endif
