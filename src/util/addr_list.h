/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_ADDR_LIST_H
#define SKUA_UTIL_ADDR_LIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/*
 * A short list of addresses: the gateways of IKEv2 redirect
 * (--global-redirect-to, a connection's --redirect-to, whack
 * --redirect-to, what a client accepts with --accept-redirect-to).
 * addr_list_pick() hands out the least loaded gateway of a list, the load
 * of a gateway being the number of clients this process has sent to it
 * so far, whatever list named it (so lists that share gateways balance
 * together, and a list replaced at runtime starts from what the old one
 * did); among equally loaded ones, the next in turn (a list alone is
 * round-robin).
 *
 * Owner: whoever parsed it; immutable afterwards except next (atomic), so
 * any thread may read it while its owner keeps it (a connection, or the
 * daemon's RCU-published global list).
 */
enum { ADDR_LIST_MAX = 16 };

struct addr_list {
	unsigned n;
	_Atomic unsigned next;		/* where a pick starts among equals */
	struct ip_addr gw[ADDR_LIST_MAX];	/* AF_UNSPEC: named, see name[] */
	char *name[ADDR_LIST_MAX];	/* a gateway named by FQDN (addr_list_parse_gw()), or NULL */
};

/*
 * Parse a list of addresses separated by commas or blanks into a new
 * list. Returns 0, -EINVAL (err says which word and what was expected)
 * or -ENOMEM. Context: any thread.
 */
int addr_list_parse(const char *text, struct addr_list **out, char *err,
			   size_t errlen);

/*
 * The same for a list of gateways we send clients to (--redirect-to,
 * --global-redirect-to): an item may also be a host name (RFC 5685 lets a
 * REDIRECT name the gateway by FQDN: letters, digits, '-' and '.', at most
 * 253 characters), kept as given in name[] with gw[] AF_UNSPEC.
 */
int addr_list_parse_gw(const char *text, struct addr_list **out, char *err, size_t errlen);

/* Context: the owner. Accepts NULL. */
void addr_list_free(struct addr_list *g);

/*
 * The least loaded gateway of g into *out, counted as one more client sent
 * there; false when the list is empty or NULL. Context: any thread
 * (concurrent picks may both take the same least loaded one: the balance
 * is approximate, never wrong).
 */
bool addr_list_pick(struct addr_list *g, struct ip_addr *out);

/* The same as an index into g (gw[k] or name[k]); -1 when g is empty or NULL. */
int addr_list_pick_at(struct addr_list *g);

/* Clients sent to gw (or the gateway named name) so far by any pick. Context: any thread. */
uint64_t addr_list_sent(const struct ip_addr *gw);
uint64_t addr_list_sent_name(const char *name);

/* Whether a is on the list. Context: any. */
bool addr_list_has(const struct addr_list *g, const struct ip_addr *a);

/*
 * Whether the gateway named name (len bytes) is on the list, by name as
 * given (case-blind; no address matches a name, nothing is resolved).
 * Context: any.
 */
bool addr_list_has_name(const struct addr_list *g, const char *name, size_t len);

/*
 * A host name as RFC 1035 2.3.4 and RFC 1123 allow it: 1 to 253 bytes of
 * dot-separated labels of 1 to 63 letters, digits and '-'.
 */
bool host_name_ok(const char *s, size_t n);

#endif
