/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/exchange.h"
#include "ike/v2/rules.h"
#include "util/impair.h"
#include "util/log.h"

enum {
	V2_RETRANS_FIRST_MS = 500,	/* then doubling */
	V2_RETRANS_MAX = 7,		/* 0.5 + 1 + ... + 32: about a minute, as libreswan */
};

static struct net_worker *nw_of(struct ike_worker *w)
{
	return net_pool_worker(w->d->pool, w->index);
}

void v2_drop(struct ike_worker *w, const struct net_rx *rx, const char *why)
{
	static struct log_ratelimit rl;
	uint32_t suppressed;
	char a[IP_ADDR_STRLEN];

	counters_inc(w->d->ctr, w->index, IKEC_RX_DROPPED);
	if (log_ratelimit_ok(&rl, 20, &suppressed))
		log_info("dropped %zu-byte IKE message from %s:%u: %s%s", rx->len,
			 log_no_ip() ? "<address>" : ip_addr_str(&rx->d->peer, a), rx->d->peer_port,
			 why, suppressed ? " (more dropped, not logged)" : "");
}

int v2_start(struct ike_sa *sa, struct v2_build *b, uint8_t exchange, bool response,
	     uint32_t msgid, bool sk)
{
	struct v2_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.spii, sa->spi_i, 8);
	memcpy(h.spir, sa->spi_r, 8);
	h.major = 2;
	h.exchange = exchange;
	h.flags = (uint8_t)((sa->initiator ? V2_FLAG_INITIATOR : 0) |
			    (response ? V2_FLAG_RESPONSE : 0));
	h.msgid = msgid;
	if (v2_build_init(b, sa->w->txbuf, V2_TXBUF, &h) < 0)
		return -EMSGSIZE;
	if (sk)
		return v2_build_sk_begin(b, crypto_sk_iv_len(&sa->sk_out));
	return 0;
}

int v2_seal(struct ike_sa *sa, struct v2_build *b, size_t *len)
{
	struct v2_sk_sizes sz = {
		.iv = (uint16_t)crypto_sk_iv_len(&sa->sk_out),
		.block = (uint16_t)crypto_sk_block_len(&sa->sk_out),
		.icv = (uint16_t)crypto_sk_icv_len(&sa->sk_out),
	};
	struct v2_sk_layout lay;
	uint8_t *buf = b->w.p;
	int rc = v2_build_sk_end(b, &sz, &lay);

	if (rc < 0)
		return rc;
	rc = crypto_sk_seal(&sa->sk_out, buf, lay.aad_len, buf + lay.iv_off, buf + lay.pt_off,
			    lay.pt_len, buf + lay.icv_off);
	if (rc < 0)
		return rc;
	*len = lay.total;
	return 0;
}

int v2_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct net_dgram d = {
		.buf = (uint8_t *)buf,
		.len = len,
		.peer = sa->peer,
		.peer_port = sa->peer_port,
		.local = sa->local,
	};
	return net_worker_send(nw_of(sa->w), sa->l, &d);
}

void v2_retrans_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;

	if (!sa->req)
		return;
	if (++sa->retries > V2_RETRANS_MAX) {
		v2_request_timeout(sa);
		return;
	}
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TX_RETRANSMIT);
	dbg(DBG_BASE, "#%llu: retransmission %u of %zu bytes", (unsigned long long)sa->serial,
	    sa->retries, sa->req_len);
	v2_send_raw(sa, sa->req, sa->req_len);
	timer_arm(tw, t, ike_now(sa->w) + ((uint64_t)V2_RETRANS_FIRST_MS << sa->retries));
}

static int keep(uint8_t **slot, size_t *slot_len, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	free(*slot);
	*slot = copy;
	*slot_len = len;
	return 0;
}

int v2_send_request(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct timer_wheel *tw = &nw_of(sa->w)->timers;
	int rc = keep(&sa->req, &sa->req_len, buf, len);

	if (rc < 0)
		return rc;
	sa->retries = 0;
	timer_arm(tw, &sa->retrans, ike_now(sa->w) + V2_RETRANS_FIRST_MS);
	return v2_send_raw(sa, buf, len);
}

void v2_request_done(struct ike_sa *sa)
{
	timer_cancel(&nw_of(sa->w)->timers, &sa->retrans);
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
}

int v2_send_response(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	int rc = keep(&sa->resp, &sa->resp_len, buf, len);
	if (rc < 0)
		return rc;
	sa->msgid_peer++;
	return v2_send_raw(sa, buf, len);
}

int v2_open(struct ike_sa *sa, uint8_t *buf, struct v2_msg *m)
{
	size_t ivlen = crypto_sk_iv_len(&sa->sk_in), icvlen = crypto_sk_icv_len(&sa->sk_in);
	char why[160];
	int n;

	if (!m->has_sk || m->is_frag)
		return -EBADMSG;	/* unprotected, or fragments (not announced) */
	if (m->sk.enc_len < ivlen + icvlen + 1)
		return -EBADMSG;
	uint8_t *iv = buf + m->sk.enc_off;
	uint8_t *ct = iv + ivlen;
	size_t ctlen = m->sk.enc_len - ivlen - icvlen;
	n = crypto_sk_open(&sa->sk_in, buf, m->sk.aad_len, iv, ct, ctlen, ct + ctlen);
	if (n < 0) {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_BAD_ICV);
		return -EBADMSG;
	}
	if (v2_inner_decode(m->sk.first, ct, (size_t)n, m) < 0)
		return m->notify ? m->notify : V2N_INVALID_SYNTAX;
	n = v2_rules_check(m, why, sizeof(why));
	if (n > 0)
		dbg(DBG_BASE, "#%llu: %s", (unsigned long long)sa->serial, why);
	return n;
}

void v2_send_init_notify(struct ike_worker *w, const struct net_rx *rx, const struct v2_hdr *req,
			 uint16_t type, const void *data, size_t len)
{
	struct v2_build b;
	struct v2_hdr h;
	struct v2_notification n = { .type = type, .len = (uint16_t)len, .data = data };
	size_t total;

	memset(&h, 0, sizeof(h));
	memcpy(h.spii, req->spii, 8);
	h.major = 2;
	h.exchange = V2_IKE_SA_INIT;
	h.flags = V2_FLAG_RESPONSE;
	h.msgid = 0;
	if (v2_build_init(&b, w->txbuf, V2_TXBUF, &h) < 0 || v2_build_notify(&b, &n) < 0 ||
	    v2_build_finish(&b, &total) < 0)
		return;
	struct net_dgram d = {
		.buf = w->txbuf,
		.len = total,
		.peer = rx->d->peer,
		.peer_port = rx->d->peer_port,
		.local = rx->d->local,
	};
	net_worker_send(nw_of(w), rx->l, &d);
}

/* Our SPI in a message: the responder's when the sender is the original initiator. */
static uint64_t our_spi(const struct v2_hdr *h)
{
	const uint8_t *s = (h->flags & V2_FLAG_INITIATOR) ? h->spir : h->spii;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | s[i];
	return v;
}

static bool spi_is_zero(const uint8_t s[8])
{
	static const uint8_t zero[8];
	return memcmp(s, zero, 8) == 0;
}

/*
 * RFC 7296 2.23: once a message authenticates, follow the peer to the
 * NAT-T port it moved to (after NAT detection) and to a new NAT mapping.
 */
static void follow_peer(struct ike_sa *sa, const struct net_rx *rx)
{
	if (rx->l != sa->l && rx->l->natt && !sa->natt) {
		net_listener_ref(rx->l);
		net_listener_unref(sa->l);
		sa->l = rx->l;
		sa->natt = true;
		sa->local_port = rx->l->port;
	}
	if (sa->natt && rx->l->natt && rx->d->peer_port != sa->peer_port) {
		dbg(DBG_BASE, "#%llu: the peer's NAT-T port is now %u", (unsigned long long)sa->serial,
		    rx->d->peer_port);
		sa->peer_port = rx->d->peer_port;
	}
}

static void on_response(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	const struct v2_hdr *h = &m->hdr;
	struct ike_input in = { .rx = rx, .m = m };
	int rc;

	if (h->exchange == V2_IKE_SA_INIT) {
		/* Not protected: the handler checks it against what we sent. */
		if (h->msgid == 0 && sa->state == IKE_I_INIT_SENT)
			v2_dispatch(sa, IKE_EV_RESPONSE, &in);
		else
			v2_drop(sa->w, rx, "unexpected IKE_SA_INIT response");
		return;
	}
	if (!sa->req || h->msgid != sa->msgid_next - 1) {
		v2_drop(sa->w, rx, "response to no outstanding request");
		return;
	}
	rc = v2_open(sa, (uint8_t *)rx->msg, m);
	if (rc != 0) {
		v2_drop(sa->w, rx, rc < 0 ? "integrity check failed" : "malformed response");
		return;
	}
	follow_peer(sa, rx);
	v2_liveness_heard(sa);
	v2_dispatch(sa, IKE_EV_RESPONSE, &in);
}

void v2_answer_error(struct ike_sa *sa, uint8_t exchange, uint16_t type)
{
	struct v2_build b;
	struct v2_notification n = { .type = type };
	size_t len;

	if (v2_start(sa, &b, exchange, true, sa->msgid_peer, true) < 0 ||
	    v2_build_notify(&b, &n) < 0 || v2_seal(sa, &b, &len) < 0)
		return;
	v2_send_response(sa, sa->w->txbuf, len);
}

static void on_request(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	const struct v2_hdr *h = &m->hdr;
	struct ike_input in = { .rx = rx, .m = m };
	int rc;

	if (h->msgid == sa->msgid_peer - 1 && sa->resp && sa->msgid_peer > 0) {
		if (impair_consume(IMPAIR_IGNORE_RETRANSMITS)) {
			v2_drop(sa->w, rx, "impair ignore-retransmits: retransmitted request ignored");
			return;
		}
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
		v2_send_raw(sa, sa->resp, sa->resp_len);
		return;
	}
	if (h->msgid != sa->msgid_peer) {
		v2_drop(sa->w, rx, "request outside the message ID window");
		return;
	}
	if (sa->rctx) {
		/* Our answer to this request is still being computed. */
		v2_drop(sa->w, rx, "retransmitted request while we compute the answer");
		return;
	}
	rc = v2_open(sa, (uint8_t *)rx->msg, m);
	if (rc < 0) {
		v2_drop(sa->w, rx, "integrity check failed");
		return;
	}
	follow_peer(sa, rx);
	v2_liveness_heard(sa);
	if (rc > 0) {
		v2_answer_error(sa, h->exchange, (uint16_t)rc);
		return;
	}
	v2_note_window(sa, m);
	v2_dispatch(sa, IKE_EV_REQUEST, &in);
}

/* RFC 7296 2.3: the peer may announce a larger window; we keep to one request anyway. */
void v2_note_window(struct ike_sa *sa, const struct v2_msg *m)
{
	const struct v2_notification *n = v2_msg_notify(m, V2N_SET_WINDOW_SIZE);

	if (n && n->len == 4) {
		uint32_t size = (uint32_t)n->data[0] << 24 | (uint32_t)n->data[1] << 16 |
				(uint32_t)n->data[2] << 8 | n->data[3];
		if (size >= 1)
			sa->peer_window = size;
	}
}

void ike_on_datagram(struct net_worker *nw, struct net_rx *rx, void *ctx)
{
	struct ike_daemon *d = ctx;
	struct ike_worker *w = &d->w[nw->index];
	struct v2_msg *m = w->scratch;
	struct sa_node *node;
	struct ike_sa *sa;
	struct v2_hdr h;

	if (v2_hdr_decode(rx->msg, rx->len, &h) < 0) {
		if (rx->len >= V2_HDR_SIZE && (rx->msg[17] >> 4) == 1)
			v2_drop(w, rx, "IKEv1 is not supported yet");
		else
			v2_drop(w, rx, "not an IKEv2 header");
		return;
	}
	if (v2_msg_decode(rx->msg, rx->len, m) < 0) {
		v2_drop(w, rx, m->why ? m->why : "malformed message");
		return;
	}
	if (!(h.flags & V2_FLAG_RESPONSE) && h.exchange == V2_IKE_SA_INIT) {
		if (spi_is_zero(h.spir) && h.msgid == 0)
			v2_init_request(w, rx, m);
		else
			v2_drop(w, rx, "IKE_SA_INIT request with a responder SPI");
		return;
	}
	rcu_read_lock();
	node = sadb_sa_table_lookup_rcu(&d->sas, our_spi(&h));
	rcu_read_unlock();
	/* Only the owner frees an SA, and we are the owner: the node stays valid. */
	sa = node ? caa_container_of(node, struct ike_sa, node) : NULL;
	if (!sa || sa->w != w || sa->dead) {
		v2_drop(w, rx, "no IKE SA with that SPI");
		return;
	}
	if (memcmp(h.spii, sa->spi_i, 8) != 0 ||
	    (!spi_is_zero(sa->spi_r) && memcmp(h.spir, sa->spi_r, 8) != 0)) {
		v2_drop(w, rx, "SPIs do not match the IKE SA");
		return;
	}
	/* The flag says the sender's role: it must be the opposite of ours. */
	if (!!(h.flags & V2_FLAG_INITIATOR) == sa->initiator) {
		v2_drop(w, rx, "Initiator flag does not match our role");
		return;
	}
	if (h.flags & V2_FLAG_RESPONSE)
		on_response(sa, rx, m);
	else
		on_request(sa, rx, m);
}
