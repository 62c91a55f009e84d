/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_REDIRECT_H
#define SKUA_IKE_V2_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_sa.h"
#include "ike/v2/build.h"
#include "ike/v2/msg.h"
#include "net/worker.h"

/*
 * IKEv2 redirect (RFC 5685). The codec of the REDIRECT and REDIRECTED_FROM
 * notify data (pl_redirect.c), and the exchanges' part (redirect.c):
 *  - a client with --accept-redirect announces REDIRECT_SUPPORTED, follows
 *    a REDIRECT in the IKE_SA_INIT or IKE_AUTH response to the gateway it
 *    names (at most V2_REDIRECT_MAX times in a row), and says where it
 *    was sent from (REDIRECTED_FROM);
 *  - a gateway redirects such clients in IKE_SA_INIT (--global-redirect)
 *    or, once they authenticated, in IKE_AUTH (the connection's
 *    --send-redirect and --redirect-to).
 * Context: the owner worker (the responder's IKE_SA_INIT: the receiving
 * worker).
 */

enum {
	V2_REDIRECT_MAX = 5,		/* redirects a client follows in a row */
	V2_GW_IPV4 = 1,			/* RFC 5685 9: gateway identity types */
	V2_GW_IPV6 = 2,
	V2_GW_FQDN = 3,
	V2_REDIRECT_DATA_MAX = 2 + 255 + V2_NONCE_MAX,
};

/* The data of a REDIRECT or REDIRECTED_FROM notify, decoded; points into the notify. */
struct v2_redirect {
	uint8_t gw_type;		/* V2_GW_* (others are kept, and refused by the user) */
	uint8_t gw_len;
	const uint8_t *gw;
	const uint8_t *nonce;		/* REDIRECT in IKE_SA_INIT: the initiator's Ni; else NULL */
	size_t nonce_len;
};

/*
 * Decode notify data (RFC 5685 8.1, 8.2). Returns 0 or -EBADMSG (too
 * short, a GW Ident Len beyond the data, an address type of the wrong
 * length). Context: any thread; pure.
 */
int v2_redirect_decode(const uint8_t *data, size_t len, struct v2_redirect *r);

/* The gateway as an address: 0, or -ENOTSUP for an FQDN (resolved off the worker). Pure. */
int v2_redirect_gw_addr(const struct v2_redirect *r, struct ip_addr *a);

/*
 * Encode a REDIRECT (nonce may be NULL) or REDIRECTED_FROM for gw into
 * out; returns the length, or 0 when it does not fit. Pure.
 */
size_t v2_redirect_encode(uint8_t *out, size_t cap, const struct ip_addr *gw,
			  const uint8_t *nonce, size_t nonce_len);

/* The same for a gateway named by FQDN (RFC 5685 9, type 3); 0 when it does not fit. Pure. */
size_t v2_redirect_encode_fqdn(uint8_t *out, size_t cap, const char *name, const uint8_t *nonce,
			       size_t nonce_len);

/* IKE_SA_INIT request: N(REDIRECT_SUPPORTED) with --accept-redirect, N(REDIRECTED_FROM). */
void v2_redirect_init_payloads(struct ike_sa *sa, struct v2_build *b);

/* Responder: note whether the initiator takes redirects. */
void v2_redirect_init_note(struct ike_sa *sa, const struct v2_msg *m);

/*
 * Responder, before any state: redirect this IKE_SA_INIT request
 * (--global-redirect)? Answers N(REDIRECT) and returns true if so.
 */
bool v2_redirect_init_request(struct ike_worker *w, struct net_rx *rx, const struct v2_msg *m,
			      const struct v2_nonce *ni);

/*
 * Initiator: an IKE_SA_INIT response with N(REDIRECT). Returns false
 * without one; else follows it (a new IKE SA to the gateway takes over
 * the attempt) or fails the attempt, and sa is gone. A gateway named by
 * FQDN is resolved first, off the worker (util/resolver.h): sa waits for
 * the answer, which this worker handles, and goes then.
 */
bool v2_redirect_init_response(struct ike_sa *sa, const struct v2_msg *m);

/*
 * Responder in IKE_AUTH, the initiator authenticated: choose the gateway
 * when the connection redirects and the initiator takes it (sa->ext->redirect_gw).
 */
bool v2_redirect_auth_wanted(struct ike_sa *sa);

/* ... and its N(REDIRECT) in the IKE_AUTH response. */
void v2_redirect_auth_payload(struct ike_sa *sa, struct v2_build *b);

/* Initiator: note an acceptable N(REDIRECT) of the IKE_AUTH response (sa->ext->redirect_gw). */
void v2_redirect_auth_note(struct ike_sa *sa, const struct v2_msg *m);

/*
 * Initiator, the responder authenticated: when it redirected us, start
 * over at the gateway and delete this IKE SA; returns true then.
 */
bool v2_redirect_after_auth(struct ike_sa *sa);

/*
 * Go to sa->ext->redirect_gw: a new IKE SA there, and this one (and its
 * children) deleted. A gateway named by FQDN (sa->ext->redirect_fqdn) is
 * resolved first; sa and its children stay until the answer, and stay
 * for good when the name does not resolve (counted).
 */
void v2_redirect_go(struct ike_sa *sa);

/*
 * Client, an INFORMATIONAL request of an established SA (5: redirect of
 * an active session): true when it carries a REDIRECT we follow
 * (sa->ext->redirect_gw set); the caller answers, then v2_redirect_go().
 */
bool v2_redirect_info_note(struct ike_sa *sa, const struct v2_msg *m);

/* Gateway: N(REDIRECT) to gw (no nonce) into b, counted. Returns 0 or -errno. */
int v2_redirect_payload(struct ike_sa *sa, struct v2_build *b, const struct ip_addr *gw);

/* The same to a gateway named by FQDN (RFC 5685 9, type 3), sent as given. */
int v2_redirect_payload_fqdn(struct ike_sa *sa, struct v2_build *b, const char *name);

#endif
