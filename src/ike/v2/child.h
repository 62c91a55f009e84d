/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_CHILD_H
#define SKUA_IKE_V2_CHILD_H

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

/* Remove c's kernel state (answers are only logged). Context: the owner. */
void v2_child_uninstall(struct ike_sa *sa, struct child_sa *c);

/*
 * Whatever kernel state c has, remove it: the installed SAs and policies,
 * or the larval SA left by its SPI allocation. Idempotent. Context: the owner.
 */
void v2_child_release(struct ike_sa *sa, struct child_sa *c);

/* The ESP keymat of c: fill out (2 * crypto_esp_keymat_len bytes). Returns 0 or -errno. */
int v2_child_keymat(struct ike_sa *sa, struct child_sa *c, uint8_t *out, size_t len);

/* Is the kernel state of an SA wanted at all (--shutdown --leave-state skips removal)? */
extern bool ike_leave_kernel_state;

#endif
