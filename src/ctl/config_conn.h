/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CONFIG_CONN_H
#define SKUA_CTL_CONFIG_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/config_diag.h"
#include "ctl/config_file.h"
#include "ctl/proto/whack_proto.h"
#include "util/addr.h"
#include "util/conn_spec.h"

/*
 * The conn sections of a configuration, each turned into the very whack
 * connection form (struct whack_cmd) that whack would send for it: so a
 * conn goes through whack's checks (whack_cmd_check, whack_cmd_conn_spec)
 * and, in pluto, through the same ike_connection_new() as whack's.
 *
 * A conn's settings are its own, then those of the sections it names with
 * also= (depth first, in the order given; alsoflip= swaps left and right),
 * then those of conn %default: the first one found wins.
 *
 * Two kinds of trouble:
 *  - the file is malformed (unknown keyword, also= naming no conn, an
 *    also= loop, a section appended twice, a keyword given twice in one
 *    section or in %default): conf_conns_build() fails, nothing is used;
 *  - one connection cannot be loaded (a bad value, something that has not
 *    landed, whack's checks refuse it): that conn is !ok and its own diag
 *    says why, with file and line; the others are unaffected.
 */

enum conf_auto {
	CONF_AUTO_IGNORE,   /* auto=ignore (the default) */
	CONF_AUTO_ADD,	    /* auto=add */
	CONF_AUTO_ONDEMAND, /* auto=ondemand, auto=route: added and routed */
	CONF_AUTO_START,    /* auto=start, auto=up: added and initiated */
};

/* One conn section. Owner: its conf_set. */
struct conf_conn {
	char name[CONN_NAME_MAX + 1];
	char *file; /* where its section starts */
	unsigned line;
	enum conf_auto autostart;
	bool shunt;	       /* type=passthrough|drop|reject: routed, never negotiated */
	bool ok;	       /* cmd is a checked connection form */
	struct whack_cmd *cmd; /* the connection form (no --delete), NULL when !ok */
	/*
	 * leftrsasigkey=/rightrsasigkey= with a key: the public key form (--keyid
	 * <that end's id> --pubkeyrsa <key>) to send once the connection is added,
	 * as libreswan's addconn does; NULL: none.
	 */
	struct whack_cmd *keys[2];
	char **aliases;	       /* connalias= */
	size_t naliases;
	struct conf_diag diag; /* CONF_CONN_ERROR and CONF_WARNING lines of this conn */
};

/* Every conn section but %default, in file order. Owner: the caller. */
struct conf_set {
	struct conf_conn *v;
	size_t n;
};

/*
 * What the translation needs from the host: the default route, for
 * left=%defaultroute and leftnexthop=%defaultroute. defaultroute() fills
 * our source address on the default route of family af and its gateway
 * (AF_UNSPEC when the route has none), or returns -ENOENT (no default
 * route) / -errno with why filled.
 */
struct conf_env {
	int (*defaultroute)(void *ctx, sa_family_t af, struct ip_addr *src, struct ip_addr *gw,
			    char *why, size_t whylen);
	void *ctx;
};

/* The real host: /proc/net/route, /proc/net/ipv6_route and the interfaces (config_route.c). */
extern const struct conf_env conf_env_system;

/*
 * Build every conn of f into out (zeroed by the caller). Returns 0 (the
 * conns' own troubles are in their diag), -EINVAL (malformed: d holds a
 * CONF_ERROR line for each problem, with file and line) or -ENOMEM. out
 * must be conf_set_fini()ed whatever the result. Context: any thread;
 * env->defaultroute may read /proc.
 */
int conf_conns_build(const struct conf_file *f, const struct conf_env *env, struct conf_set *out,
		     struct conf_diag *d);

void conf_set_fini(struct conf_set *s);

/* The conn called name, or else the first whose connalias= lists it; NULL if none. */
const struct conf_conn *conf_set_find(const struct conf_set *s, const char *name);

/* "ignore", "add", "ondemand", "start". */
const char *conf_auto_name(enum conf_auto a);

#endif
