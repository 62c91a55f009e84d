/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_CHILD_H
#define SKUA_IKE_V2_CHILD_H

#include <stdatomic.h>
#include <stdbool.h>

#include "ike/ike_sa.h"

/*
 * A Child SA's kernel state through the kernel-op queue: our SPI, then
 * both ESP SAs and the policies (out, in, and fwd in tunnel mode). Each
 * step answers on the owner worker through `done`; a failed step leaves
 * nothing behind (what had succeeded is deleted again).
 */
typedef void child_done_fn(struct ike_sa *sa, struct child_sa *c, int status);

/* Ask the kernel for our inbound SPI (c->spi_in). Context: the owner. */
int v2_child_alloc_spi(struct ike_sa *sa, struct child_sa *c, child_done_fn *done);

/*
 * Install c with its keys: keymat holds prf+(SK_d, Ni | Nr) (RFC 7296
 * 2.17), initiator-to-responder keys first. Context: the owner.
 */
int v2_child_install(struct ike_sa *sa, struct child_sa *c, const uint8_t *keymat,
		     size_t keymat_len, child_done_fn *done);

/*
 * c is in the kernel: count it, route and run up- for a new one (not for
 * a rekey, which replaces an SA that is up), tell whack. Context: the owner.
 */
void v2_child_established(struct ike_sa *sa, struct child_sa *c);

/* The Child SA life timer's callback (set up by ike_child_new()). */
void v2_child_life_fire(struct timer_wheel *tw, struct timer *t, void *arg);

/*
 * The deferred outbound SA's timer (c->out_poll): is there ESP on c's
 * inbound SA yet? Then the outbound SA goes in. Set up by ike_child_new().
 */
void v2_child_out_poll_fire(struct timer_wheel *tw, struct timer *t, void *arg);

/*
 * Hand c's deferred outbound SA (c->out_deferred: a rekey we answered) to
 * the kernel; nothing when there is none. Context: the owner.
 */
void v2_child_install_out(struct ike_sa *sa, struct child_sa *c);

/*
 * A superseded c the peer deleted: its successor's deferred outbound SA
 * goes in, c's outbound SA out; its inbound SA stays until
 * v2_child_uninstall() (ESP the peer sent on it may still be on the way).
 * Context: the owner.
 */
void v2_child_retire_out(struct ike_sa *sa, struct child_sa *c);

/*
 * old is superseded by heir (a rekey): the traffic totals carry over
 * (create_child.c). Context: the owner.
 */
void v2_child_supersede(struct child_sa *old, struct child_sa *heir);

/*
 * A superseded c the peer deleted keeps its inbound SA for
 * CHILD_REKEYED_LINGER_MS (its outbound SA goes now, or with the inbound one
 * when its heir's outbound SA goes in only now); false when c goes at
 * once (not rekeyed, or the daemon stopping). informational.c.
 * Context: the owner.
 */
bool v2_child_linger(struct ike_sa *sa, struct child_sa *c);

/*
 * Remove c's kernel state (answers are only logged); a rekey of c whose
 * outbound SA was deferred gets it first. Context: the owner.
 */
void v2_child_uninstall(struct ike_sa *sa, struct child_sa *c);

/*
 * Whatever kernel state c has, remove it: the installed SAs and policies,
 * or the larval SA left by its SPI allocation. Idempotent. Context: the owner.
 */
void v2_child_release(struct ike_sa *sa, struct child_sa *c);

/*
 * The kernel's soft limit for a hard byte or packet limit (0: none) of a
 * Child SA of cs, with fuzz percent of the rekey margin added. Pure.
 */
uint64_t v2_child_soft_limit(uint64_t hard, const struct conn_spec *cs, uint32_t fuzz);

/* The ESP keymat of c: fill out (2 * crypto_esp_keymat_len bytes). Returns 0 or -errno. */
int v2_child_keymat(struct ike_sa *sa, struct child_sa *c, uint8_t *out, size_t len);

/* A selector as the TS payload carries it, and back (-ENOENT: none we do). */
struct v2_ts;
void v2_ts_to_wire(const struct ike_ts *t, struct v2_ts *out);
int v2_ts_from_wire(const struct v2_ts *in, struct ike_ts_set *out);

/* An ESP SPI in network order, and back. */
static inline uint32_t v2_spi32_get(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void v2_spi32_put(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/*
 * Is the kernel state of an SA wanted at all (--shutdown --leave-state skips
 * removal)? Set by the main thread as it shuts down, read by the workers.
 */
extern _Atomic bool ike_leave_kernel_state;

static inline bool ike_leaving_kernel_state(void)
{
	return atomic_load_explicit(&ike_leave_kernel_state, memory_order_relaxed);
}

#endif
