/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_TRANSITION_H
#define SKUA_IKE_TRANSITION_H

#include <stddef.h>
#include <stdint.h>

#include "ike/ike_sa.h"

/*
 * State transitions as data (libreswan's idea): which event, in which
 * state, for which exchange and task, with which payloads, goes to which
 * handler. Dispatch of a received message and resumption after a crypto
 * job are both read from one table per IKE version (src/ike/v2/transitions.c;
 * IKEv1's will sit beside it in src/ike/v1/), never from switches spread
 * over the exchange files.
 */

enum ike_event {
	IKE_EV_REQUEST = 1,	/* a request of the peer, authenticated and checked */
	IKE_EV_RESPONSE,	/* the answer to our outstanding request */
	IKE_EV_CRYPTO,		/* a key exchange job of the SA came back */
};

struct net_rx;
struct v1_msg;
struct v2_msg;
struct kex_result;
struct ike_auth_result;

/* What a handler gets. Owner: the dispatcher's caller; valid during the call only. */
struct ike_input {
	struct net_rx *rx;		/* message events */
	struct v2_msg *m;		/* message events: decoded and opened */
	struct v1_msg *v1m;		/* IKEv1 message events: decoded and decrypted */
	struct kex_result *kex;		/* IKE_EV_CRYPTO of a key exchange job */
	struct ike_auth_result *auth;	/* IKE_EV_CRYPTO of an authentication job */
	uint8_t task;			/* the task the event belongs to (enum v2_task_kind) */
	uint8_t phase;			/* IKE_EV_CRYPTO: what the job computed (enum v2_kex_mode) */
};

typedef void ike_handler_fn(struct ike_sa *sa, struct ike_input *in);

/* One row. Owner: static, read-only. */
struct ike_transition {
	const char *name;		/* for debug logs */
	uint64_t states;		/* ike_state_bit() of each state it applies in */
	uint8_t event;			/* enum ike_event */
	uint8_t exchange;		/* message events: the exchange type */
	uint8_t task;			/* responses and crypto: the task, 0 for any */
	uint8_t phase;			/* crypto: what the job computed, 0 for any */
	uint32_t kinds;			/* message events: bits of the payload-rule rows
					 * (enum v2_msg_kind) the message may be */
	ike_handler_fn *fn;
};

/* Outcome of a look-up. */
enum ike_match {
	IKE_MATCH,		/* *row is the transition */
	IKE_MATCH_NONE,		/* nothing handles this event in this state */
	IKE_MATCH_PAYLOADS,	/* a row would, but the message has the wrong payloads */
};

/*
 * The first row of table for (state, event, exchange, task, phase) whose
 * kinds hold kind (exchange and kind are ignored for IKE_EV_CRYPTO, phase
 * for the others). Context: any thread; pure.
 */
enum ike_match ike_transition_find(const struct ike_transition *table, size_t n,
				   enum ike_state state, enum ike_event event, uint8_t exchange,
				   uint8_t task, uint8_t phase, unsigned kind,
				   const struct ike_transition **row);

#endif
