/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_TASK_H
#define SKUA_IKE_V2_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ike_sa.h"

/*
 * The exchanges an established IKE SA wants to start, in order: rekeys,
 * Deletes, liveness checks, new Child SAs. One request of ours is
 * outstanding at a time unless the peer announced a larger message ID
 * window; the others wait in the queue, so nothing is skipped because a
 * request is out. The task whose request is out is sa->active; its
 * response (or its timeout) is dispatched by its kind through the
 * transition table. With a larger window, a Child SA exchange, a Delete of
 * Child SAs or a liveness check whose request is out parks in the window
 * (v2/window.h) and the next task starts; its response makes it
 * sa->active again.
 */
enum v2_task_kind {
	V2T_SETUP = 1,		/* IKE_SA_INIT and IKE_AUTH: the SA's own birth (no task object) */
	V2T_DELETE_IKE,		/* INFORMATIONAL Delete of this IKE SA */
	V2T_DELETE_CHILD,	/* INFORMATIONAL Delete of Child SAs */
	V2T_LIVENESS,		/* empty INFORMATIONAL (RFC 7296 1.4, 2.4) */
	V2T_REKEY_CHILD,	/* CREATE_CHILD_SA with N(REKEY_SA) */
	V2T_NEW_CHILD,		/* CREATE_CHILD_SA for one more Child SA */
	V2T_REKEY_IKE,		/* CREATE_CHILD_SA rekeying the IKE SA */
	V2T_ANSWER,		/* not queued: our answer to the peer's CREATE_CHILD_SA */
	V2T_REDIRECT,		/* INFORMATIONAL with N(REDIRECT) (RFC 5685 5) */
};

/* Owner: the IKE SA's owner worker. */
struct v2_task {
	struct v2_task *next;
	uint8_t kind;			/* enum v2_task_kind */
	uint8_t attempts;		/* TEMPORARY_FAILURE retries so far */
	uint64_t child;			/* REKEY_CHILD: the Child SA to rekey (serial) */
	uint64_t new_child;		/* REKEY_CHILD, NEW_CHILD: the one being made */
	uint32_t spis[8];		/* DELETE_CHILD: our inbound SPIs */
	uint32_t reqids[8];		/* and their reqids (to find them if they move) */
	uint8_t nspi;
	struct connection *conn;	/* NEW_CHILD: its connection (a reference) */
	uint8_t this_end;
	struct ike_progress *whack;	/* who asked, told the outcome (may be NULL) */
	uint64_t started_ms;		/* when it first started (rekey delay) */
	/* while the CREATE_CHILD_SA exchange runs */
	uint16_t dh;			/* KE group, 0 without a KE */
	uint8_t ni_len;
	uint8_t ni[32];
	struct crypto_ke *ke;
	uint16_t pub_len;
	uint8_t *pub;
	struct ike_sa *new_ike;		/* REKEY_IKE: the new SA (same owner; cleared if it goes) */
	struct ip_addr gw;		/* REDIRECT: where the peer goes */
	char *gw_name;			/* ... or the gateway's FQDN, sent as given (owned) */
};

/* A new task of kind; NULL on ENOMEM. Context: the owner. */
struct v2_task *v2_task_new(uint8_t kind);

/* Free t and what it holds. Accepts NULL. */
void v2_task_free(struct v2_task *t);

/*
 * Queue t on sa (taking it) and start it when the window is free. A
 * Delete of the IKE SA goes before every rekey and new Child SA; tasks
 * after it are dropped when it starts. Context: the owner.
 */
void v2_task_add(struct ike_sa *sa, struct v2_task *t);

/* Is a task of kind (for Child SA child, when not 0) queued or active? */
bool v2_task_pending(const struct ike_sa *sa, uint8_t kind, uint64_t child);

/* Is a request of ours of kind out (active, or parked in the window)? */
bool v2_task_out(const struct ike_sa *sa, uint8_t kind);

/* Is a Delete of the Child SA whose inbound SPI is spi queued or out? */
bool v2_task_deleting_spi(const struct ike_sa *sa, uint32_t spi);

/* Start the next queued task if no request of ours is out. Context: the owner. */
void v2_tasks_kick(struct ike_sa *sa);

/* The active task is over (answered, failed or given up): free it and kick. */
void v2_task_done(struct ike_sa *sa);

/* The active task is over, but the queue must not start here (it moves to another SA). */
void v2_task_drop(struct ike_sa *sa);

/*
 * The active task met TEMPORARY_FAILURE: try it again after a back-off
 * (1, 2, 4... s), at most a few times; false when it should give up.
 */
bool v2_task_retry_later(struct ike_sa *sa);

/* The back-off timer's callback (set up by ike_sa_new()). */
void v2_task_retry_fire(struct timer_wheel *tw, struct timer *t, void *arg);

/* Free every task (the SA is going). */
void v2_tasks_free(struct ike_sa *sa);

/* Starters, by kind (informational.c, create_child.c). Return 0 or -errno. */
int v2_info_start(struct ike_sa *sa, struct v2_task *t);
int v2_cc_start(struct ike_sa *sa, struct v2_task *t);

#endif
