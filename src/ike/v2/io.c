/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v2/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike/v1/io.h"
#include "ike/v2/dbg.h"
#include "ike/v2/exchange.h"
#include "ike/v2/frag_sa.h"
#include "ike/v2/kex.h"
#include "ike/v2/rules.h"
#include "ike/v2/task.h"
#include "ike/v2/window.h"
#include "util/impair.h"
#include "util/log.h"

/*
 * Retransmission, as libreswan's documented defaults (ipsec.conf(5)
 * retransmit-interval=500ms, doubling; retransmit-timeout=60s: how long one
 * request, retransmissions included, may take): resent 0.5, 1.5, 3.5, 7.5,
 * 15.5 and 31.5 s after the first send, and given up at 60 s, the last
 * wait cut short to end there.
 */
enum {
	V2_RETRANS_FIRST_MS = 500,
	V2_RETRANS_TIMEOUT_MS = 60000,
	V2_STATELESS_ANSWERS_PER_S = 50,	/* per worker: INVALID_MAJOR_VERSION, ... */
};

/* Nominal time from the first send to the firing of retransmission n (n >= 1). */
static uint64_t retrans_elapsed(unsigned n)
{
	return (uint64_t)V2_RETRANS_FIRST_MS * ((1ull << n) - 1);
}

static struct net_worker *nw_of(struct ike_worker *w)
{
	return net_pool_worker(w->d->pool, w->index);
}

void v2_drop(struct ike_worker *w, const struct net_rx *rx, const char *why)
{
	char a[IP_ADDR_STRLEN];

	counters_inc(w->d->ctr, w->index, IKEC_RX_DROPPED);
	log_limited(LOG_INFO, 20, "dropped IKE message", "dropped %zu-byte IKE message from %s:%u: %s",
		    rx->len, log_no_ip() ? "<address>" : ip_addr_str(&rx->d->peer, a),
		    rx->d->peer_port, why);
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
	if (sk)	/* a half-open responder's keys are derived when first used */
		return v2_kex_keys_ensure(sa) == 0 ?
			       v2_build_sk_begin(b, crypto_sk_iv_len(sa->keys->out)) : -ENOKEY;
	return 0;
}

int v2_seal(struct ike_sa *sa, struct v2_build *b, size_t *len)
{
	struct v2_sk_sizes sz;
	struct v2_sk_layout lay;
	uint8_t *buf = b->w.p;
	int rc;

	if (!sa->keys)
		return -ENOKEY;		/* no keys derived yet: nothing to protect with */
	sz = (struct v2_sk_sizes){
		.iv = (uint16_t)crypto_sk_iv_len(sa->keys->out),
		.block = (uint16_t)crypto_sk_block_len(sa->keys->out),
		.icv = (uint16_t)crypto_sk_icv_len(sa->keys->out),
	};
	rc = v2_build_sk_end(b, &sz, &lay);
	if (rc < 0)
		return rc;
	if (log_debug_is_on(DBG_BASE))
		v2_dbg_sealing(buf, lay.total, buf + lay.pt_off, lay.pt_len, sa->serial);
	if (v2_frag_wanted(sa, lay.total))
		return v2_frag_seal(sa, buf, &lay, &sz, len);
	rc = crypto_sk_seal(sa->keys->out, buf, lay.aad_len, buf + lay.iv_off, buf + lay.pt_off,
			    lay.pt_len, buf + lay.icv_off);
	if (rc < 0)
		return rc;
	*len = lay.total;
	return 0;
}

static int send_one(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct net_dgram d = {
		.buf = (uint8_t *)buf,
		.len = len,
		.peer = sa->peer,
		.peer_port = sa->peer_port,
		.local = sa->local,
	};
	if (log_debug_is_on(DBG_BASE))
		v2_dbg_sending(buf, len, &sa->peer, sa->peer_port, sa->serial);
	return net_worker_send(nw_of(sa->w), sa->l, &d);
}

/*
 * buf holds one IKE message, or the fragments of one (RFC 7383) one
 * after the other: each is a datagram of its own, as long as the Length
 * of its header says. A retransmission resends every fragment.
 */
int v2_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int rc = 0;

	while (off < len) {
		size_t n = len - off;

		if (n >= V2_HDR_SIZE) {
			const uint8_t *l = buf + off + 24;
			size_t m = (size_t)l[0] << 24 | (size_t)l[1] << 16 | (size_t)l[2] << 8 | l[3];
			if (m >= V2_HDR_SIZE && m < n)
				n = m;
		}
		rc = send_one(sa, buf + off, n);
		off += n;
	}
	return rc;
}

bool v2_retrans_next(uint8_t *retries, uint64_t *wait)
{
	uint64_t elapsed = retrans_elapsed(++*retries);

	if (elapsed >= V2_RETRANS_TIMEOUT_MS)
		return false;
	/* Twice the last wait, but never past the timeout. */
	*wait = (uint64_t)V2_RETRANS_FIRST_MS << *retries;
	if (elapsed + *wait > V2_RETRANS_TIMEOUT_MS)
		*wait = V2_RETRANS_TIMEOUT_MS - elapsed;
	return true;
}

void v2_retrans_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	uint64_t wait;

	if (!sa->req)
		return;
	if (!v2_retrans_next(&sa->retries, &wait)) {
		v2_request_timeout(sa);
		return;
	}
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TX_RETRANSMIT);
	dbg(DBG_BASE, "#%llu: retransmission %u of %u bytes", (unsigned long long)sa->serial,
	    sa->retries, (unsigned)sa->req_len);
	v2_send_raw(sa, sa->req, sa->req_len);
	timer_arm(tw, t, ike_now(sa->w) + wait);
}

unsigned v2_retransmissions_max(void)
{
	unsigned n = 1;

	while (retrans_elapsed(n) < V2_RETRANS_TIMEOUT_MS)
		n++;
	return n - 1;
}

int v2_send_request(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct timer_wheel *tw = &nw_of(sa->w)->timers;
	int rc = ike_sa_keep_msg(&sa->req, &sa->req_len, buf, len);

	if (rc < 0)
		return rc;
	sa->retries = 0;
	timer_arm(tw, &sa->ext->retrans, ike_now(sa->w) + V2_RETRANS_FIRST_MS);
	return v2_send_raw(sa, buf, len);
}

void v2_request_done(struct ike_sa *sa)
{
	timer_cancel(&nw_of(sa->w)->timers, &sa->ext->retrans);
	free(sa->req);
	sa->req = NULL;
	sa->req_len = 0;
}

int v2_send_response(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	uint8_t *shared = sa->setup && sa->setup->init_resp == sa->resp ? sa->resp : NULL;
	bool kept = false;
	int rc;

	/* A window larger than one keeps each response in its slot. */
	rc = len >= V2_HDR_SIZE ? v2_window_keep(sa, buf, len, &kept) : 0;
	if (rc < 0)
		return rc;
	if (kept)
		return v2_send_raw(sa, buf, len);
	/* The IKE_SA_INIT response the setup shares stays the setup's (ike_setup). */
	if (shared)
		sa->resp = NULL;
	rc = ike_sa_keep_msg(&sa->resp, &sa->resp_len, buf, len);
	if (rc < 0) {
		if (shared)
			sa->resp = shared;
		return rc;
	}
	sa->msgid_peer++;
	return v2_send_raw(sa, buf, len);
}

int v2_open(struct ike_sa *sa, uint8_t *buf, struct v2_msg *m)
{
	size_t ivlen, icvlen;
	uint8_t *inner, first;
	size_t inner_len;
	char why[160];
	int n;

	if (!m->has_sk)
		return -EBADMSG;	/* unprotected */
	/* a half-open responder's keys are derived from SKEYSEED now */
	n = v2_kex_keys_ensure(sa);
	if (n == -ENOMEM)
		return n;
	if (n < 0)
		return -EBADMSG;	/* no keys derived yet to open it with */
	ivlen = crypto_sk_iv_len(sa->keys->in);
	icvlen = crypto_sk_icv_len(sa->keys->in);
	if (m->is_frag) {
		if (!sa->frag) {
			/* fragments we did not agree to */
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_FRAG_BAD);
			return -EBADMSG;
		}
		n = v2_frag_take(sa, buf, m, &inner, &inner_len, &first);
		if (n < 0)
			return n;
	} else {
		if (m->sk.enc_len < ivlen + icvlen + 1)
			return -EBADMSG;
		uint8_t *iv = buf + m->sk.enc_off;
		uint8_t *ct = iv + ivlen;
		size_t ctlen = m->sk.enc_len - ivlen - icvlen;
		n = crypto_sk_open(sa->keys->in, buf, m->sk.aad_len, iv, ct, ctlen, ct + ctlen);
		if (n < 0) {
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_BAD_ICV);
			return -EBADMSG;
		}
		inner = ct;
		inner_len = (size_t)n;
		first = m->sk.first;
	}
	if (v2_inner_decode(first, inner, inner_len, m) < 0)
		return m->notify ? m->notify : V2N_INVALID_SYNTAX;
	if (log_debug_is_on(DBG_BASE))
		v2_dbg_received_inner(m, sa->serial);
	n = v2_rules_check(m, why, sizeof(why));
	if (n > 0)
		dbg(DBG_BASE, "#%llu: %s", (unsigned long long)sa->serial, why);
	return n;
}

/* Why v2_open() refused a message, for the drop log. */
static const char *open_failure(int rc, const char *integrity)
{
	switch (rc) {
	case -EINPROGRESS:
		return NULL;	/* a fragment kept: more to come */
	case -ENOBUFS:
		return "fragment dropped: the reassembly memory is full";
	case -ENOMEM:
		return "out of memory for the IKE SA's keys";
	default:
		return integrity;
	}
}

/* An unprotected response of one notify into w->txbuf; its length, or 0. */
static size_t notify_build(struct ike_worker *w, const struct v2_hdr *h, uint16_t type,
			   const void *data, size_t len)
{
	struct v2_build b;
	struct v2_notification n = { .type = type, .len = (uint16_t)len, .data = data };
	size_t total;

	if (v2_build_init(&b, w->txbuf, V2_TXBUF, h) < 0 || v2_build_notify(&b, &n) < 0 ||
	    v2_build_finish(&b, &total) < 0)
		return 0;
	ike_stats_notify_sent(w, type);
	return total;
}

/* The header of an IKE_SA_INIT error response: SPIi copied, SPIr zero. */
static void init_error_hdr(struct v2_hdr *h, const uint8_t spii[8])
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spii, spii, 8);
	h->major = 2;
	h->exchange = V2_IKE_SA_INIT;
	h->flags = V2_FLAG_RESPONSE;
	h->msgid = 0;
}

static void send_to_sender(struct ike_worker *w, const struct net_rx *rx, size_t len)
{
	struct net_dgram d = {
		.buf = w->txbuf,
		.len = len,
		.peer = rx->d->peer,
		.peer_port = rx->d->peer_port,
		.local = rx->d->local,
	};
	if (!len)
		return;
	if (log_debug_is_on(DBG_BASE))
		v2_dbg_sending(w->txbuf, len, &rx->d->peer, rx->d->peer_port, 0);
	net_worker_send(nw_of(w), rx->l, &d);
}

void v2_send_init_notify(struct ike_worker *w, const struct net_rx *rx, const struct v2_hdr *req,
			 uint16_t type, const void *data, size_t len)
{
	struct v2_hdr h;

	init_error_hdr(&h, req->spii);
	send_to_sender(w, rx, notify_build(w, &h, type, data, len));
}

void v2_sa_send_init_notify(struct ike_sa *sa, uint16_t type)
{
	struct v2_hdr h;
	size_t len;

	init_error_hdr(&h, sa->spi_i);
	len = notify_build(sa->w, &h, type, NULL, 0);
	if (len)
		v2_send_raw(sa, sa->w->txbuf, len);
}

/*
 * Answers to datagrams no SA has seen: the sender's address may be forged,
 * so at most V2_STATELESS_ANSWERS_PER_S a second per worker; beyond that,
 * dropped and counted.
 */
bool v2_answer_allowed(struct ike_worker *w, const struct net_rx *rx, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if ((uint64_t)ts.tv_sec != w->answers_second) {
		w->answers_second = (uint64_t)ts.tv_sec;
		w->answers = 0;
	}
	if (w->answers < V2_STATELESS_ANSWERS_PER_S) {
		w->answers++;
		return true;
	}
	counters_inc(w->d->ctr, w->index, IKEC_ANSWERS_LIMITED);
	v2_drop(w, rx, what);
	return false;
}

/*
 * RFC 7296 2.5, 1.5: a request of another major version is dropped and
 * answered, unauthenticated, with INVALID_MAJOR_VERSION in a message of
 * the version we speak (2.0): SPIs and Message ID copied, Response flag
 * set, exchange INFORMATIONAL. A response is never answered, nor bytes
 * whose Length field is not the datagram's (garbage, not another version).
 * Dropped and counted either way.
 */
static void answer_major_version(struct ike_worker *w, const struct net_rx *rx,
				 const struct v2_hdr *req)
{
	struct v2_hdr h;

	if (req->length != rx->len) {
		v2_drop(w, rx, "not an IKE header (its Length is not the datagram's)");
		return;
	}
	if (req->flags & V2_FLAG_RESPONSE) {
		v2_drop(w, rx, "a response of another IKE major version");
		return;
	}
	if (!v2_answer_allowed(w, rx, "another IKE major version (answer rate limit reached)"))
		return;
	counters_inc(w->d->ctr, w->index, IKEC_MAJOR_VERSION_SENT);
	counters_inc(w->d->ctr, w->index, IKEC_RX_DROPPED);
	memset(&h, 0, sizeof(h));
	memcpy(h.spii, req->spii, 8);
	memcpy(h.spir, req->spir, 8);
	h.major = 2;
	h.exchange = V2_INFORMATIONAL;
	h.flags = V2_FLAG_RESPONSE;
	h.msgid = req->msgid;
	send_to_sender(w, rx, notify_build(w, &h, V2N_INVALID_MAJOR_VERSION, NULL, 0));
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
	bool active = sa->req && sa->req_len >= V2_HDR_SIZE &&
		      v2_window_msgid_of(sa->req) == h->msgid;
	if (!active && !v2_window_has_parked(sa, h->msgid)) {
		v2_drop(sa->w, rx, "response to no outstanding request");
		return;
	}
	rc = v2_open(sa, (uint8_t *)rx->msg, m);
	if (rc != 0) {
		const char *why = rc > 0 ? "malformed response"
					 : open_failure(rc, "integrity check failed");
		if (why)
			v2_drop(sa->w, rx, why);
		return;
	}
	follow_peer(sa, rx);
	v2_liveness_heard(sa);
	if (!active) {
		/*
		 * One of our requests out in the window: it becomes the active
		 * one again. While another exchange of ours is still being
		 * handled, the response waits for our retransmission (the peer
		 * answers it from its cache).
		 */
		if (sa->active || sa->req) {
			v2_drop(sa->w, rx, "response while another exchange of ours is handled");
			return;
		}
		v2_window_unpark(sa, h->msgid);
	}
	v2_note_window(sa, m);
	v2_dispatch(sa, IKE_EV_RESPONSE, &in);
}

/*
 * An authenticated request whose payloads broke the rules: answer the
 * notify; UNSUPPORTED_CRITICAL_PAYLOAD carries the payload type (RFC 7296
 * 3.10.1).
 */
static void answer_error_data(struct ike_sa *sa, uint8_t exchange, uint16_t type,
			      uint8_t bad_type)
{
	struct v2_build b;
	struct v2_notification n = { .type = type };
	size_t len;

	if (type == V2N_UNSUPPORTED_CRITICAL_PAYLOAD) {
		n.len = 1;
		n.data = &bad_type;
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CRITICAL_SENT);
	}

	if (v2_start(sa, &b, exchange, true, v2_answer_msgid(sa), true) < 0 ||
	    v2_build_notify(&b, &n) < 0 || v2_seal(sa, &b, &len) < 0)
		return;
	ike_stats_notify_sent(sa->w, type);
	v2_send_response(sa, sa->w->txbuf, len);
}

void v2_answer_error(struct ike_sa *sa, uint8_t exchange, uint16_t type)
{
	answer_error_data(sa, exchange, type, 0);
}

static void request_take(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m);

static void on_request(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	const struct v2_hdr *h = &m->hdr;
	const uint8_t *cached;
	size_t cached_len;
	uint32_t computing;
	bool beside = false;

	switch (v2_window_classify(sa, h->msgid, &cached, &cached_len)) {
	case V2W_RETRANSMIT:
		if (!cached) {
			v2_drop(sa->w, rx, "request outside the message ID window");
			return;
		}
		/* RFC 7383 2.6.1: a fragmented request is answered again on its first fragment only. */
		if (m->is_frag && m->sk.frag_num != 1)
			return;
		if (impair_consume(IMPAIR_IGNORE_RETRANSMITS)) {
			v2_drop(sa->w, rx, "impair ignore-retransmits: retransmitted request ignored");
			return;
		}
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
		v2_send_raw(sa, cached, cached_len);
		return;
	case V2W_BEYOND:
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_BEYOND_WINDOW);
		v2_drop(sa->w, rx, "request beyond the message ID window");
		return;
	case V2W_NEW:
		break;
	}
	computing = v2_answer_msgid(sa);
	if (sa->ext && sa->ext->rctx) {
		/*
		 * Our answer to a CREATE_CHILD_SA is being computed (kernel,
		 * crypto). Another request of the window that is an
		 * INFORMATIONAL (answered at once) is taken meanwhile; a
		 * retransmission of the one computed, or another
		 * CREATE_CHILD_SA, waits for the peer to send it again.
		 */
		if (h->exchange != V2_INFORMATIONAL || h->msgid == computing ||
		    v2_window_ours(sa) <= 1) {
			v2_drop(sa->w, rx, "request while we compute an answer");
			return;
		}
		beside = true;
	}
	request_take(sa, rx, m);
	/* The answer being computed goes out under its own message ID. */
	if (beside && !sa->dead && ike_sa_win(sa))
		ike_sa_win(sa)->msgid_rx = computing;
}

/* An authenticated request in the window: open it, answer or dispatch it. */
static void request_take(struct ike_sa *sa, struct net_rx *rx, struct v2_msg *m)
{
	const struct v2_hdr *h = &m->hdr;
	struct ike_input in = { .rx = rx, .m = m };
	int rc;

	rc = v2_open(sa, (uint8_t *)rx->msg, m);
	if (rc < 0) {
		const char *why = open_failure(rc, "integrity check failed");
		if (why)
			v2_drop(sa->w, rx, why);
		return;
	}
	if (!v2_window_accept(sa, h->msgid)) {
		v2_drop(sa->w, rx, "no memory for the message ID window");
		return;
	}
	follow_peer(sa, rx);
	v2_liveness_heard(sa);
	if (rc > 0) {
		answer_error_data(sa, h->exchange, (uint16_t)rc, m->bad_type);
		return;
	}
	v2_note_window(sa, m);
	v2_dispatch(sa, IKE_EV_REQUEST, &in);
}

/* RFC 7296 2.3: the peer's window for our requests (window.h uses it). */
void v2_note_window(struct ike_sa *sa, const struct v2_msg *m)
{
	const struct v2_notification *n = v2_msg_notify(m, V2N_SET_WINDOW_SIZE);

	if (n && n->len == 4) {
		uint32_t size = (uint32_t)n->data[0] << 24 | (uint32_t)n->data[1] << 16 |
				(uint32_t)n->data[2] << 8 | n->data[3];
		if (size >= 1)
			sa->peer_window = size > 255 ? 255 : (uint8_t)size;
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

	int rc = v2_hdr_decode(rx->msg, rx->len, &h);

	if (rc == -EPROTONOSUPPORT && h.major == 1) {
		v1_on_datagram(w, rx);
		return;
	}
	if (rc == -EPROTONOSUPPORT) {
		counters_inc(d->ctr, w->index, IKEC_RX_MALFORMED);
		answer_major_version(w, rx, &h);
		return;
	}
	if (rc < 0) {
		counters_inc(d->ctr, w->index, IKEC_RX_MALFORMED);
		v2_drop(w, rx, "not an IKEv2 header");
		return;
	}
	bool init_request = !(h.flags & V2_FLAG_RESPONSE) && h.exchange == V2_IKE_SA_INIT;

	/* The original initiator sends IKE_SA_INIT requests: the flag says so (RFC 7296 3.1). */
	if (init_request && !(h.flags & V2_FLAG_INITIATOR)) {
		v2_drop(w, rx, "IKE_SA_INIT request without the Initiator flag");
		return;
	}
	if (v2_msg_decode(rx->msg, rx->len, m) < 0) {
		counters_inc(d->ctr, w->index, IKEC_RX_MALFORMED);
		/*
		 * RFC 7296 2.5: an unknown payload marked critical rejects the
		 * message; a request is answered UNSUPPORTED_CRITICAL_PAYLOAD with
		 * the type. Here only an IKE_SA_INIT request, whose answer needs no
		 * SA; inside SK, v2_open() reports it and the SA answers.
		 */
		if (m->notify == V2N_UNSUPPORTED_CRITICAL_PAYLOAD && init_request &&
		    spi_is_zero(h.spir) && h.msgid == 0 &&
		    v2_answer_allowed(w, rx, "unknown critical payload (answer rate limit reached)")) {
			counters_inc(w->d->ctr, w->index, IKEC_CRITICAL_SENT);
			v2_send_init_notify(w, rx, &h, V2N_UNSUPPORTED_CRITICAL_PAYLOAD, &m->bad_type,
					    1);
		}
		v2_drop(w, rx, m->why ? m->why : "malformed message");
		return;
	}
	if (log_debug_is_on(DBG_BASE))
		v2_dbg_received(m, &rx->d->peer, rx->d->peer_port, 0);
	if (init_request) {
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
		counters_inc(d->ctr, w->index, IKEC_RX_UNKNOWN_SPI);
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
