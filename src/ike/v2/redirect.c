/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv2 redirect (RFC 5685) in IKE_SA_INIT and IKE_AUTH, both roles.
 *
 *   Initiator                          Responder (--global-redirect)
 *   HDR, SAi1, KEi, Ni,
 *        N(REDIRECT_SUPPORTED)  -->
 *                               <--  HDR, N(REDIRECT, New_GW_ID, Ni)
 *
 *   Initiator                          Responder (--send-redirect)
 *   HDR, SK{IDi, AUTH, SAi2, TSi, TSr}  -->
 *                               <--  HDR, SK{IDr, AUTH, N(REDIRECT, New_GW_ID)}
 *
 * The client then starts again at the new gateway with
 * N(REDIRECTED_FROM, Original_GW_ID), and deletes the IKE SA an IKE_AUTH
 * redirect left it with.
 */
#include "ike/v2/redirect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "util/log.h"
#include "util/resolver.h"

/* ---- client ---- */

void v2_redirect_init_payloads(struct ike_sa *sa, struct v2_build *b)
{
	uint8_t data[2 + 16];
	struct v2_notification n = { .type = V2N_REDIRECT_SUPPORTED };

	if (!sa->conn->spec->accept_redirect)
		return;
	v2_build_notify(b, &n);
	if (sa->ext->redirected_from.af == AF_UNSPEC)
		return;
	n.type = V2N_REDIRECTED_FROM;
	n.len = (uint16_t)v2_redirect_encode(data, sizeof(data), &sa->ext->redirected_from, NULL,
					     0);
	n.data = data;
	if (n.len)
		v2_build_notify(b, &n);
}

enum {
	RESOLVING_INIT = 1,	/* an IKE_SA_INIT response's REDIRECT */
	RESOLVING_AUTH,		/* an IKE_AUTH response's, the gateway authenticated */
	RESOLVING_INFO,		/* an INFORMATIONAL request's (an established session) */
};

/*
 * A REDIRECT's gateway: an address (gw), or a name (gw AF_UNSPEC, the
 * name in r->gw, r->gw_len bytes: a host name, checked).
 */
static bool named(const struct ip_addr *gw)
{
	return gw->af == AF_UNSPEC;
}

/*
 * Whether we follow a REDIRECT to gw: the connection accepts them, gw is
 * on its --accept-redirect-to list (when it has one; a name is looked
 * for as given, among the list's names, before anything is resolved, as
 * libreswan compares it), and the loop limit is not reached. why says
 * what was wrong otherwise.
 */
static bool acceptable(const struct ike_sa *sa, const struct ip_addr *gw,
		       const struct v2_redirect *r, const char **why)
{
	const struct connection *c = sa->conn;

	if (!c->spec->accept_redirect)
		*why = "this connection does not accept redirects (--accept-redirect no)";
	else if (c->cfg->accept_redirect_to && !named(gw) &&
		 !addr_list_has(c->cfg->accept_redirect_to, gw))
		*why = "the gateway is not on its --accept-redirect-to list";
	else if (c->cfg->accept_redirect_to && named(gw) &&
		 !addr_list_has_name(c->cfg->accept_redirect_to, (const char *)r->gw, r->gw_len))
		*why = "the gateway's name is not on its --accept-redirect-to list (a name is "
		       "compared as given, not resolved)";
	else if (sa->redirects >= V2_REDIRECT_MAX)
		*why = "too many redirects in a row (a redirect loop?)";
	else if (!named(gw) && gw->af != sa->local.af)
		*why = "the gateway is of another address family";
	else
		return true;
	return false;
}

/* The REDIRECT of m as a gateway address or name; false (why set) when absent or unusable. */
static bool redirect_of(const struct v2_msg *m, struct v2_redirect *r, struct ip_addr *gw,
			const char **why)
{
	const struct v2_notification *n = v2_msg_notify(m, V2N_REDIRECT);

	*why = NULL;
	if (!n)
		return false;
	if (v2_redirect_decode(n->data, n->len, r) < 0) {
		*why = "a malformed REDIRECT notify";
		return false;
	}
	if (v2_redirect_gw_addr(r, gw) == 0)
		return true;
	if (r->gw_type != V2_GW_FQDN) {
		*why = "a REDIRECT to a gateway of an unknown identity type (expected IPv4, IPv6 "
		       "or FQDN)";
		return false;
	}
	if (!resolver_name_ok((const char *)r->gw, r->gw_len)) {
		*why = "a REDIRECT to a gateway name that is not a host name (expected letters, "
		       "digits, '-' and '.', at most 253 characters)";
		return false;
	}
	return true;
}

/* Keep the name r names for the resolver (sa->ext->redirect_fqdn). false on ENOMEM. */
static bool keep_name(struct ike_sa *sa, const struct v2_redirect *r)
{
	char *name = strndup((const char *)r->gw, r->gw_len);

	if (!name)
		return false;
	free(sa->ext->redirect_fqdn);
	sa->ext->redirect_fqdn = name;
	return true;
}

static void refused(struct ike_sa *sa, const char *why)
{
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REDIRECT_REFUSED);
	ike_sa_fail(sa, RC_FATAL, "redirect refused: %s", why);
}

/* Start over at gw for sa's connection; sa is left for the caller to end. */
static int follow(struct ike_sa *sa, const struct ip_addr *gw)
{
	char a[IP_ADDR_STRLEN];
	int rc;

	ike_sa_progress(sa, RC_LOG, "redirected to %s (RFC 5685)",
			log_no_ip() ? "<address>" : ip_addr_str(gw, a));
	rc = v2_initiate_redirected(sa, gw);
	if (rc == 0)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REDIRECT_FOLLOWED);
	return rc;
}

static void resolved(const struct resolver_answer *a, void *ctx);

/*
 * Ask the resolver for the address of sa->ext->redirect_fqdn (of our family);
 * the answer comes back to this worker (resolved()). Returns 0, or
 * -errno with *why set.
 */
static int resolve(struct ike_sa *sa, uint8_t kind, const char **why)
{
	struct ike_daemon *d = sa->w->d;
	int rc;

	if (!d->resolver) {
		*why = "no resolver runs in this process";
		counters_inc(d->ctr, sa->w->index, IKEC_REDIRECT_RESOLVE_FAILED);
		return -ENOSYS;
	}
	rc = resolver_submit(d->resolver, sa->ext->redirect_fqdn, strlen(sa->ext->redirect_fqdn),
			     sa->local.af, &net_pool_worker(d->pool, sa->w->index)->mb, resolved, d,
			     ike_sa_our_spi(sa), sa->serial);
	if (rc < 0) {
		*why = rc == -EAGAIN ? "the resolver is busy (its queue is full)"
				     : "the resolver does not take the name";
		counters_inc(d->ctr, sa->w->index, IKEC_REDIRECT_RESOLVE_FAILED);
		return rc;
	}
	sa->ext->redirect_resolving = kind;
	ike_sa_progress(sa, RC_LOG, "redirected to %s (RFC 5685): resolving the name",
			log_no_ip() ? "<name>" : sa->ext->redirect_fqdn);
	return 0;
}

/* The IKE_SA_INIT response's gateway is known: follow it, and sa (half-open) goes. */
static void init_go(struct ike_sa *sa, const struct ip_addr *gw)
{
	if (follow(sa, gw) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "cannot start again at the new gateway");
		return;
	}
	ike_sa_progress_done(sa);
	ike_sa_free(sa);
}

/* The first address of the answer of sa's family, or false. */
static bool answer_addr(const struct ike_sa *sa, const struct resolver_answer *a,
			struct ip_addr *gw)
{
	for (unsigned i = 0; a->status == 0 && i < a->naddrs; i++)
		if (a->addrs[i].af == sa->local.af) {
			*gw = a->addrs[i];
			return true;
		}
	return false;
}

/*
 * The resolver's answer, on the owner worker: the SA is found again by
 * its SPI (the index) and serial; one that went meanwhile, or no longer
 * waits for a name, lets the answer go.
 */
static void resolved(const struct resolver_answer *a, void *ctx)
{
	struct ike_daemon *d = a->owner;
	struct net_worker *nw = ctx;
	struct ike_worker *w = &d->w[nw->index];
	struct ike_sa *sa = ike_sa_find_own(w, a->cookie[0], a->cookie[1]);
	struct ip_addr gw;
	char why[384];
	uint8_t kind;

	if (!sa || !sa->ext->redirect_resolving)
		return;
	kind = sa->ext->redirect_resolving;
	sa->ext->redirect_resolving = 0;
	free(sa->ext->redirect_fqdn);
	sa->ext->redirect_fqdn = NULL;
	if (!answer_addr(sa, a, &gw)) {
		counters_inc(d->ctr, w->index, IKEC_REDIRECT_RESOLVE_FAILED);
		snprintf(why, sizeof(why), "the gateway's name %s: %s", log_no_ip() ? "<name>" : a->name,
			 a->status == -ETIMEDOUT ? "not resolved in time"
			 : a->status == 0 || a->status == -ENOENT
				 ? "no address of the connection's family"
				 : "not resolved");
		switch (kind) {
		case RESOLVING_INIT:
			ike_sa_fail(sa, RC_FATAL, "redirect not followed: %s", why);
			break;
		case RESOLVING_AUTH:
			/* the gateway made no Child SA: this IKE SA has nothing left to do */
			ike_sa_progress(sa, RC_FATAL, "redirect not followed: %s", why);
			ike_sa_setup_free(sa);
			ike_sa_progress_done(sa);
			ike_sa_delete(sa, true);
			break;
		default:
			/* an established session stays with the gateway it has */
			ike_sa_progress(sa, RC_LOG_SERIOUS, "redirect not followed: %s", why);
			break;
		}
		return;
	}
	if (kind == RESOLVING_INIT) {
		init_go(sa, &gw);
		return;
	}
	sa->ext->redirect_gw = gw;
	v2_redirect_go(sa);
}

bool v2_redirect_init_response(struct ike_sa *sa, const struct v2_msg *m)
{
	struct v2_redirect r;
	struct ip_addr gw;
	const char *why;

	if (sa->ext->redirect_resolving)
		return true;	/* one REDIRECT taken already: its name is being resolved */
	if (!redirect_of(m, &r, &gw, &why)) {
		if (!why)
			return false;
		refused(sa, why);
		return true;
	}
	/* 2.1: it must echo our nonce, which an off-path forger does not know. */
	if (!r.nonce || r.nonce_len != sa->setup->ni_len ||
	    !crypto_memeq(r.nonce, sa->setup->ni, r.nonce_len)) {
		/* Not for this attempt: dropped, and the real answer is still awaited. */
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_DROPPED);
		log_limited(LOG_INFO, 20, "REDIRECT without our nonce",
			    "#%llu: dropped a REDIRECT that does not carry our nonce",
			    (unsigned long long)sa->serial);
		return true;
	}
	if (!acceptable(sa, &gw, &r, &why)) {
		refused(sa, why);
		return true;
	}
	v2_request_done(sa);
	if (!named(&gw)) {
		init_go(sa, &gw);
		return true;
	}
	if (!keep_name(sa, &r)) {
		ike_sa_fail(sa, RC_INTERNALERR, "out of memory");
		return true;
	}
	if (resolve(sa, RESOLVING_INIT, &why) < 0)
		ike_sa_fail(sa, RC_FATAL, "redirect not followed: %s", why);
	return true;
}

void v2_redirect_auth_note(struct ike_sa *sa, const struct v2_msg *m)
{
	struct v2_redirect r;
	struct ip_addr gw;
	const char *why;

	if (!redirect_of(m, &r, &gw, &why)) {
		if (why) {
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REDIRECT_REFUSED);
			ike_sa_progress(sa, RC_LOG, "redirect refused: %s", why);
		}
		return;
	}
	if (!acceptable(sa, &gw, &r, &why)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REDIRECT_REFUSED);
		ike_sa_progress(sa, RC_LOG, "redirect refused: %s", why);
		return;
	}
	if (named(&gw) && !keep_name(sa, &r))
		return;		/* no memory: treated as no redirect */
	sa->ext->redirect_gw = gw;
	if (!named(&gw)) {
		free(sa->ext->redirect_fqdn);
		sa->ext->redirect_fqdn = NULL;
	}
}

/* The gateway named by sa->ext->redirect_fqdn: resolve it first; false when that cannot start. */
static bool resolve_then_go(struct ike_sa *sa, uint8_t kind)
{
	const char *why;

	if (sa->ext->redirect_resolving)
		return true;
	if (resolve(sa, kind, &why) == 0)
		return true;
	log_limited(LOG_WARNING, 20, "redirect name not resolved", "#%llu: redirect not followed: %s",
		    (unsigned long long)sa->serial, why);
	free(sa->ext->redirect_fqdn);
	sa->ext->redirect_fqdn = NULL;
	return false;
}

bool v2_redirect_after_auth(struct ike_sa *sa)
{
	if (sa->ext->redirect_fqdn) {
		if (!resolve_then_go(sa, RESOLVING_AUTH)) {
			ike_sa_progress(sa, RC_FATAL, "redirect not followed: cannot resolve the "
				       "gateway's name");
			ike_sa_setup_free(sa);
			ike_sa_progress_done(sa);
			ike_sa_delete(sa, true);
		}
		return true;
	}
	if (sa->ext->redirect_gw.af == AF_UNSPEC)
		return false;
	v2_redirect_go(sa);
	return true;
}

void v2_redirect_go(struct ike_sa *sa)
{
	struct ip_addr gw = sa->ext->redirect_gw;

	if (sa->ext->redirect_fqdn && named(&gw)) {
		/* an INFORMATIONAL's REDIRECT to a name: the session stays while it is resolved */
		resolve_then_go(sa, RESOLVING_INFO);
		return;
	}
	while (sa->children)
		ike_child_unlink_free(sa, sa->children);
	if (follow(sa, &gw) < 0)
		ike_sa_progress(sa, RC_INTERNALERR, "cannot start again at the new gateway");
	ike_sa_setup_free(sa);
	ike_sa_progress_done(sa);
	/* 5, 6: the client deletes the IKE SA of the gateway that redirected it. */
	ike_sa_delete(sa, true);
}

bool v2_redirect_info_note(struct ike_sa *sa, const struct v2_msg *m)
{
	if (!v2_msg_notify(m, V2N_REDIRECT) || !sa->initiator || sa->ext->redirect_resolving)
		return false;
	/* only this REDIRECT counts: nothing of an earlier one */
	sa->ext->redirect_gw.af = AF_UNSPEC;
	free(sa->ext->redirect_fqdn);
	sa->ext->redirect_fqdn = NULL;
	v2_redirect_auth_note(sa, m);
	return sa->ext->redirect_gw.af != AF_UNSPEC || sa->ext->redirect_fqdn;
}

/* ---- gateway ---- */

void v2_redirect_init_note(struct ike_sa *sa, const struct v2_msg *m)
{
	if (!sa->initiator)
		sa->redirect_ok = v2_msg_notify(m, V2N_REDIRECT_SUPPORTED) != NULL;
}

/* --global-redirect yes, or auto while busy (the manual). */
static bool global_active(struct ike_daemon *d)
{
	int mode = atomic_load(&d->global_redirect);

	return mode == 1 || (mode == 2 && ike_daemon_cookies_required(d));
}

static void count_sent(struct ike_worker *w)
{
	counters_inc(w->d->ctr, w->index, IKEC_REDIRECT_SENT);
	ike_stats_notify_sent(w, V2N_REDIRECT);
}

bool v2_redirect_init_request(struct ike_worker *w, struct net_rx *rx, const struct v2_msg *m,
			      const struct v2_nonce *ni)
{
	struct ike_daemon *d = w->d;
	uint8_t data[V2_REDIRECT_DATA_MAX];
	struct addr_list *g;
	size_t len = 0;
	int k;

	if (!v2_msg_notify(m, V2N_REDIRECT_SUPPORTED) || !global_active(d))
		return false;
	rcu_read_lock();
	g = rcu_dereference(d->global_redirect_to);
	k = addr_list_pick_at(g);
	if (k >= 0)
		len = g->name[k] ? v2_redirect_encode_fqdn(data, sizeof(data), g->name[k], ni->data,
							   ni->len)
				 : v2_redirect_encode(data, sizeof(data), &g->gw[k], ni->data,
						      ni->len);
	rcu_read_unlock();
	if (!len)
		return false;
	count_sent(w);
	v2_send_init_notify(w, rx, &m->hdr, V2N_REDIRECT, data, len);
	return true;
}

bool v2_redirect_auth_wanted(struct ike_sa *sa)
{
	const struct connection *c = sa->conn;
	enum conn_redirect mode = c->spec->send_redirect;

	int k;

	if (!sa->redirect_ok || mode == REDIRECT_NO ||
	    (mode == REDIRECT_AUTO && !ike_daemon_cookies_required(sa->w->d)))
		return false;
	k = addr_list_pick_at(c->cfg->redirect_to);
	if (k < 0)
		return false;
	/* the connection (which the SA holds) keeps the list, and with it the name */
	sa->ext->redirect_gw = c->cfg->redirect_to->gw[k];
	sa->ext->redirect_gw_name = c->cfg->redirect_to->name[k];
	return true;
}

int v2_redirect_payload(struct ike_sa *sa, struct v2_build *b, const struct ip_addr *gw)
{
	uint8_t data[2 + 16];
	struct v2_notification n = { .type = V2N_REDIRECT, .data = data };
	int rc;

	n.len = (uint16_t)v2_redirect_encode(data, sizeof(data), gw, NULL, 0);
	if (!n.len)
		return -EINVAL;
	rc = v2_build_notify(b, &n);
	if (rc == 0)
		count_sent(sa->w);
	return rc;
}

int v2_redirect_payload_fqdn(struct ike_sa *sa, struct v2_build *b, const char *name)
{
	uint8_t data[2 + 255];
	struct v2_notification n = { .type = V2N_REDIRECT, .data = data };
	int rc;

	n.len = (uint16_t)v2_redirect_encode_fqdn(data, sizeof(data), name, NULL, 0);
	if (!n.len)
		return -EINVAL;
	rc = v2_build_notify(b, &n);
	if (rc == 0)
		count_sent(sa->w);
	return rc;
}

void v2_redirect_auth_payload(struct ike_sa *sa, struct v2_build *b)
{
	if (sa->ext->redirect_gw_name)
		v2_redirect_payload_fqdn(sa, b, sa->ext->redirect_gw_name);
	else if (sa->ext->redirect_gw.af != AF_UNSPEC)
		v2_redirect_payload(sa, b, &sa->ext->redirect_gw);
}
