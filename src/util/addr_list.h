/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_ADDR_LIST_H
#define SKUA_UTIL_ADDR_LIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

/*
 * A short list of addresses, handed out in turn (round-robin): the
 * gateways of IKEv2 redirect (--global-redirect-to, a connection's
 * --redirect-to, what a client accepts with --accept-redirect-to), so
 * redirected clients spread over the list.
 *
 * Owner: whoever parsed it; immutable afterwards except next (atomic), so
 * any thread may read it while its owner keeps it (a connection, or the
 * daemon's RCU-published global list).
 */
enum { ADDR_LIST_MAX = 16 };

struct addr_list {
	unsigned n;
	_Atomic unsigned next;		/* round-robin position */
	struct ip_addr gw[ADDR_LIST_MAX];
};

/*
 * Parse a list of addresses separated by commas or blanks into a new
 * list. Returns 0, -EINVAL (err says which word and what was expected)
 * or -ENOMEM. Context: any thread.
 */
int addr_list_parse(const char *text, struct addr_list **out, char *err,
			   size_t errlen);

/* Context: the owner. Accepts NULL. */
void addr_list_free(struct addr_list *g);

/* The next gateway in turn into *out; false when the list is empty or NULL. Context: any. */
bool addr_list_pick(struct addr_list *g, struct ip_addr *out);

/* Whether a is on the list. Context: any. */
bool addr_list_has(const struct addr_list *g, const struct ip_addr *a);

#endif
