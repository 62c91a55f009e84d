/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/v1/io.h"

#include <string.h>

#include "ike/ike_sa.h"
#include "ike/v1/build.h"
#include "ike/v2/io.h"
#include "net/steer.h"
#include "util/log.h"

void v1_drop(struct ike_worker *w, const struct net_rx *rx, const char *why)
{
	counters_inc(w->d->ctr, w->index, IKEC_RX_IKEV1);
	v2_drop(w, rx, why);
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
	net_worker_send(net_pool_worker(w->d->pool, w->index), rx->l, &d);
}

bool v1_send_notify_stateless(struct ike_worker *w, const struct net_rx *rx,
			      const struct v1_hdr *req, uint16_t type)
{
	struct v1_notification n = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP,
				     .type = type };
	struct v1_build b;
	struct v1_hdr h;
	size_t len;

	if (req->exchange == V1_X_INFO)
		return false;	/* never answer an answer: two peers would ping-pong */
	if (!v2_answer_allowed(w, rx, "IKEv1 notification (answer rate limit reached)"))
		return false;
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, req->icookie, 8);
	memcpy(h.rcookie, req->rcookie, 8);
	h.exchange = V1_X_INFO;
	if (v1_build_init(&b, w->txbuf, V2_TXBUF, &h) < 0 || v1_build_notify(&b, &n) < 0 ||
	    v1_build_finish(&b, 0, &len) < 0)
		return false;
	send_to_sender(w, rx, len);
	return true;
}

static uint64_t cookie_u64(const uint8_t c[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | c[i];
	return v;
}

static bool cookie_is_zero(const uint8_t c[8])
{
	return cookie_u64(c) == 0;
}

/*
 * The IKEv1 SA a message belongs to. IKEv1 has no Initiator flag, so the
 * responder cookie is tried first (we responded: the usual case), then
 * the initiator cookie (we initiated). Our cookies carry their owner's
 * index (net_spi_make()): an SA of another worker is not looked into,
 * *owner names that worker. Context: worker w.
 */
static struct ike_sa *find_sa(struct ike_worker *w, const struct v1_hdr *h, int *owner)
{
	const uint8_t *ours[2] = { h->rcookie, h->icookie };
	struct sa_node *node;
	struct ike_sa *sa;

	*owner = -1;
	for (int i = 0; i < 2; i++) {
		uint64_t c = cookie_u64(ours[i]);
		bool initiator = i == 1;

		if (!c)
			continue;
		rcu_read_lock();
		node = sadb_sa_table_lookup_rcu(&w->d->sas, c);
		rcu_read_unlock();
		if (!node)
			continue;
		if (net_spi_owner(c) != w->index) {
			*owner = (int)net_spi_owner(c);
			return NULL;
		}
		/* Ours: only this worker frees it, so the node stays valid. */
		sa = caa_container_of(node, struct ike_sa, node);
		if (sa->version != 1 || sa->initiator != initiator || sa->dead)
			continue;
		if (!initiator && !memcmp(sa->spi_i, h->icookie, 8))
			return sa;
		if (initiator && (cookie_is_zero(sa->spi_r) || !memcmp(sa->spi_r, h->rcookie, 8)))
			return sa;
	}
	return NULL;
}

void v1_on_datagram(struct ike_worker *w, struct net_rx *rx)
{
	struct ike_daemon *d = w->d;
	struct v1_msg *m = w->v1_scratch;
	struct ike_sa *sa;
	int rc, owner;

	switch (d->ikev1_policy) {
	case IKE_V1_DROP:
		v1_drop(w, rx, "IKEv1 packet dropped: ikev1-policy=drop");
		return;
	case IKE_V1_REJECT:
		rc = v1_hdr_decode(rx->msg, rx->len, &m->hdr);
		v1_drop(w, rx, "IKEv1 packet rejected: ikev1-policy=reject");
		if (rc == 0 && v1_send_notify_stateless(w, rx, &m->hdr, V1N_INVALID_MAJOR_VERSION))
			counters_inc(d->ctr, w->index, IKEC_MAJOR_VERSION_SENT);
		return;
	default:
		break;
	}
	rc = v1_msg_decode(rx->msg, rx->len, m);
	if (rc < 0) {
		counters_inc(d->ctr, w->index, IKEC_RX_MALFORMED);
		v1_drop(w, rx, m->why ? m->why : "malformed ISAKMP message");
		return;
	}
	if (cookie_is_zero(m->hdr.icookie)) {
		v1_drop(w, rx, "ISAKMP message with a zero initiator cookie");
		return;
	}
	sa = find_sa(w, &m->hdr, &owner);
	if (!sa && owner >= 0 && (unsigned)owner < d->nworkers && !rx->forwarded) {
		/* We initiated: the peer's cookie steered it elsewhere (docs/steering.md). */
		net_worker_forward(net_pool_worker(d->pool, w->index), rx, (unsigned)owner);
		return;
	}
	if (!sa) {
		if (cookie_is_zero(m->hdr.rcookie) && m->hdr.exchange == V1_X_MAIN &&
		    m->hdr.msgid == 0 && !m->encrypted) {
			v1_main_first(w, rx, m);
			return;
		}
		if (cookie_is_zero(m->hdr.rcookie) && m->hdr.exchange == V1_X_AGGRESSIVE &&
		    m->hdr.msgid == 0 && !m->encrypted) {
			v1_aggr_first(w, rx, m);
			return;
		}
		counters_inc(d->ctr, w->index, IKEC_RX_UNKNOWN_SPI);
		v1_drop(w, rx, cookie_is_zero(m->hdr.rcookie)
				       ? "IKEv1 exchange not supported yet (only Main and Aggressive Mode begin one)"
				       : "no IKEv1 SA with those cookies");
		return;
	}
	v1_sa_message(sa, rx, m);
}
