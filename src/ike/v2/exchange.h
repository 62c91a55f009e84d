/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_EXCHANGE_H
#define SKUA_IKE_V2_EXCHANGE_H

#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/v2/msg.h"

/* The steps the exchange files hand to each other. Context: the owner worker. */

/* v2_sa_init.c */
int v2_initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr,
		unsigned tries);
const char *v2_notify_name(uint16_t type);
uint16_t v2_first_error(const struct v2_msg *m);	/* first error notify, or 0 */

/* v2_auth.c: keys are derived; authenticate (and ask for the first Child SA). */
void v2_auth_start(struct ike_sa *sa);

/* v2_informational.c */
void v2_ike_established(struct ike_sa *sa);
void v2_child_failed_tell_peer(struct ike_sa *sa, struct child_sa *c);

/* The exit code a notify gives whack: RC_NOTIFICATION + type, capped. */
static inline unsigned v2_notify_rc(uint16_t type)
{
	unsigned rc = 200u + type;
	return rc > 255 ? 255 : rc;
}

#endif
