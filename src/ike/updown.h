/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_UPDOWN_H
#define SKUA_IKE_UPDOWN_H

#include <stdbool.h>
#include <stdint.h>

#include "sadb/kernel_queue.h"
#include "util/addr.h"
#include "util/mailbox.h"
#include "util/runner.h"

/*
 * The updown command (ipsec_pluto(8), "The updown command"): the
 * environment of one invocation, built from plain values, and its
 * submission to the command runner.
 *
 * Every value reaches the script through its environment and nowhere
 * else. The command line is the administrator's --updown string, run as
 * it is by `/bin/sh -c`: nothing is ever spliced into it, so a peer's ID
 * cannot become shell syntax. In the environment a value is only made
 * printable (control characters, NUL and newline included, become '?').
 */

enum updown_verb {
	UPDOWN_PREPARE,
	UPDOWN_ROUTE,
	UPDOWN_UNROUTE,
	UPDOWN_UP,
	UPDOWN_DOWN,
	UPDOWN_VERBS,
};

enum {
	UPDOWN_VERB_MAX = 24,		/* "unroute-client-v6" and a NUL */
	UPDOWN_ENV_MAX = 48,		/* variables in one environment */
};

/*
 * One invocation. Owner: the caller; updown_env_build() and updown_run()
 * copy what they need, so it may live on the stack.
 *
 * Unset addresses (af AF_UNSPEC) and NULL strings are allowed where the
 * comment says so; everything else is required.
 */
struct updown_info {
	enum updown_verb verb;
	bool client;			/* -client (subnets) rather than -host */
	const char *connection;		/* PLUTO_CONNECTION */
	const char *interface;		/* PLUTO_INTERFACE; NULL: "" */
	struct ip_addr me;		/* PLUTO_ME; its family picks the -v6 suffix */
	struct ip_addr peer;		/* PLUTO_PEER, same family as me */
	struct ip_addr next_hop;	/* PLUTO_NEXT_HOP; unset: the peer */
	struct ip_subnet my_client;	/* unset: me/32 or me/128 */
	struct ip_subnet peer_client;	/* unset: peer/32 or peer/128 */
	uint8_t my_protocol, peer_protocol;	/* 0: any */
	uint16_t my_port, peer_port;		/* 0: any */
	const char *my_id, *peer_id;	/* printable forms of the IDs; NULL: "" */
	const char *peer_ca;		/* NULL: "" */
	/* Extras beyond the manual's list; zero/unset/NULL leaves them out. */
	struct ip_addr my_source_ip;	/* PLUTO_MY_SOURCEIP */
	uint32_t reqid;			/* PLUTO_SA_REQID */
	uint32_t spi_in, spi_out;	/* SPI_IN, SPI_OUT, host order, as 0x%08x */
	uint32_t conn_mark, conn_mark_mask;	/* PLUTO_CONN_MARK "value/mask"; mask 0: none */
	const char *stack;		/* PLUTO_STACK, e.g. "xfrm" */
	/* The Configuration payload (libreswan's names): */
	bool cfg_client;		/* PLUTO_CFG_CLIENT=1: our address came from the peer */
	bool cfg_server;		/* PLUTO_CFG_SERVER=1: we gave the peer its address */
	const char *peer_dns_info;	/* PLUTO_PEER_DNS_INFO; NULL: left out */
	const char *peer_domain_info;	/* PLUTO_PEER_DOMAIN_INFO; NULL: left out */
	const char *peer_banner;	/* PLUTO_PEER_BANNER (IKEv1 Mode Config); NULL: left out */
	const char *xauth_user;		/* PLUTO_XAUTH_USERNAME (IKEv1 XAUTH); NULL: left out */
};

/*
 * The verb as the script sees it in PLUTO_VERB: "up-client",
 * "route-host-v6", ... Returns buf, or NULL when verb is out of range or
 * me is neither IPv4 nor IPv6.
 * Context: any thread; pure.
 */
const char *updown_verb(const struct updown_info *u, char buf[UPDOWN_VERB_MAX]);

/*
 * Build the NULL-terminated "NAME=value" environment of one invocation:
 * PATH, PLUTO_VERSION=1.1 and every PLUTO_* variable of the manual, then
 * the extras that are set. *envp_out is the caller's, freed with
 * updown_env_free(). Returns 0, -EINVAL (bad verb, no connection name, me
 * or peer unset or of different families, a client subnet of an unknown
 * family) or -ENOMEM.
 * Context: any thread; allocates; does not block.
 */
int updown_env_build(const struct updown_info *u, char ***envp_out);

/* Free an environment from updown_env_build(). Accepts NULL. Context: any thread. */
void updown_env_free(char **envp);

/*
 * Same signature as runner_done_fn: status is the script's exit status, or
 * a negative errno (see runner_done_fn), delivered on reply_to's owner.
 */
typedef runner_done_fn updown_done_fn;

/*
 * Queue `/bin/sh -c command` on r with the environment of u. The script's
 * output is logged as "\"<connection>\" updown <verb>: <line>"; done runs
 * on reply_to's owner thread with the outcome. Returns 0, or the errors of
 * updown_env_build() and runner_submit() (-EAGAIN when the runner's queue
 * is full, -ESHUTDOWN when it is stopping); done is never called when this
 * returns an error.
 * Context: any thread (an IKE worker); never waits for the script.
 */
int updown_run(struct runner *r, const char *command, const struct updown_info *u,
	       struct mailbox *reply_to, updown_done_fn *done, void *cookie);

/*
 * The prefix the runner logs the command's output under:
 * "\"<connection>\" updown <verb>" (the name made printable). Returns buf,
 * or NULL for a bad verb or family. Context: any thread; pure.
 */
const char *updown_log_prefix(const struct updown_info *u, char buf[RUNNER_PREFIX_MAX]);

/*
 * The default action, native: the route changes the shipped _updown
 * script (tools/ipsec/_updown) makes for u, as kernel route ops.
 *   prepare-client  delete the route to each peer-client prefix
 *   route-client    replace it: via the next hop (none when it is unset
 *                   or is the peer client itself, a /32 or /128), dev the
 *                   interface when known, src PLUTO_MY_SOURCEIP when set
 *   unroute-client  delete it (dev the interface when known)
 *   -host, up-, down-: nothing.
 * A peer client of 0.0.0.0/0 or ::/0 is routed as its two halves, so the
 * main table's default route is never replaced or deleted. Fills out[]
 * and returns how many (0..UPDOWN_ROUTES_MAX), or -EINVAL (bad verb or
 * family). Context: any thread; pure.
 */
enum { UPDOWN_ROUTES_MAX = 2 };
struct updown_route {
	enum kernel_op_kind kind;	/* KERNEL_OP_ROUTE_REPLACE or _DELETE */
	struct kernel_route_params r;
};
int updown_native_routes(const struct updown_info *u, struct updown_route out[UPDOWN_ROUTES_MAX]);

#endif
