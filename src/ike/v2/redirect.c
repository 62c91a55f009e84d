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
#include <string.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "util/log.h"

/* ---- client ---- */

void v2_redirect_init_payloads(struct ike_sa *sa, struct v2_build *b)
{
	uint8_t data[2 + 16];
	struct v2_notification n = { .type = V2N_REDIRECT_SUPPORTED };

	if (!sa->conn->spec.accept_redirect)
		return;
	v2_build_notify(b, &n);
	if (sa->redirected_from.af == AF_UNSPEC)
		return;
	n.type = V2N_REDIRECTED_FROM;
	n.len = (uint16_t)v2_redirect_encode(data, sizeof(data), &sa->redirected_from, NULL, 0);
	n.data = data;
	if (n.len)
		v2_build_notify(b, &n);
}

/*
 * Whether we follow a REDIRECT to gw: the connection accepts them, gw is
 * on its --accept-redirect-to list (when it has one), and the loop limit
 * is not reached. why says what was wrong otherwise.
 */
static bool acceptable(const struct ike_sa *sa, const struct ip_addr *gw, const char **why)
{
	const struct connection *c = sa->conn;

	if (!c->spec.accept_redirect)
		*why = "this connection does not accept redirects (--accept-redirect no)";
	else if (c->accept_redirect_to && !addr_list_has(c->accept_redirect_to, gw))
		*why = "the gateway is not on its --accept-redirect-to list";
	else if (sa->redirects >= V2_REDIRECT_MAX)
		*why = "too many redirects in a row (a redirect loop?)";
	else if (gw->af != sa->local.af)
		*why = "the gateway is of another address family";
	else
		return true;
	return false;
}

/* The REDIRECT of m as a gateway address; false (why set) when absent or unusable. */
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
	if (v2_redirect_gw_addr(r, gw) < 0) {
		*why = "a REDIRECT to a gateway named by FQDN: not supported yet (a client does "
		       "not resolve names: its worker must not wait on a resolver)";
		return false;
	}
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

bool v2_redirect_init_response(struct ike_sa *sa, const struct v2_msg *m)
{
	struct v2_redirect r;
	struct ip_addr gw;
	const char *why;

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
	if (!acceptable(sa, &gw, &why)) {
		refused(sa, why);
		return true;
	}
	v2_request_done(sa);
	if (follow(sa, &gw) < 0) {
		ike_sa_fail(sa, RC_INTERNALERR, "cannot start again at the new gateway");
		return true;
	}
	ike_sa_progress_done(sa);
	ike_sa_free(sa);
	return true;
}

void v2_redirect_auth_note(struct ike_sa *sa, const struct v2_msg *m)
{
	struct v2_redirect r;
	struct ip_addr gw;
	const char *why;

	if (!redirect_of(m, &r, &gw, &why)) {
		if (why)
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REDIRECT_REFUSED);
		return;
	}
	if (!acceptable(sa, &gw, &why)) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_REDIRECT_REFUSED);
		ike_sa_progress(sa, RC_LOG, "redirect refused: %s", why);
		return;
	}
	sa->redirect_gw = gw;
}

bool v2_redirect_after_auth(struct ike_sa *sa)
{
	if (sa->redirect_gw.af == AF_UNSPEC)
		return false;
	v2_redirect_go(sa);
	return true;
}

void v2_redirect_go(struct ike_sa *sa)
{
	struct ip_addr gw = sa->redirect_gw;

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
	if (!v2_msg_notify(m, V2N_REDIRECT) || !sa->initiator)
		return false;
	v2_redirect_auth_note(sa, m);
	return sa->redirect_gw.af != AF_UNSPEC;
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
	enum conn_redirect mode = c->spec.send_redirect;

	int k;

	if (!sa->redirect_ok || mode == REDIRECT_NO ||
	    (mode == REDIRECT_AUTO && !ike_daemon_cookies_required(sa->w->d)))
		return false;
	k = addr_list_pick_at(c->redirect_to);
	if (k < 0)
		return false;
	/* the connection (which the SA holds) keeps the list, and with it the name */
	sa->redirect_gw = c->redirect_to->gw[k];
	sa->redirect_gw_name = c->redirect_to->name[k];
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

void v2_redirect_auth_payload(struct ike_sa *sa, struct v2_build *b)
{
	if (sa->redirect_gw_name) {
		uint8_t data[2 + 255];
		struct v2_notification n = { .type = V2N_REDIRECT, .data = data };

		n.len = (uint16_t)v2_redirect_encode_fqdn(data, sizeof(data), sa->redirect_gw_name,
							  NULL, 0);
		if (n.len && v2_build_notify(b, &n) == 0)
			count_sent(sa->w);
	} else if (sa->redirect_gw.af != AF_UNSPEC) {
		v2_redirect_payload(sa, b, &sa->redirect_gw);
	}
}
