/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Informational exchange of an established ISAKMP SA (RFC 2409 5.7,
 * RFC 2408 4.8), one message, no answer:
 *
 *        HDR*, HASH(1), N/D
 *
 *   HASH(1) = prf(SKEYID_a, M-ID | N/D)
 *
 * N/D is every payload after HASH(1), headers included, as sent (no
 * padding). Each exchange has a fresh Message ID and its own IV:
 * hash(last Phase 1 CBC block | M-ID) (RFC 2409 Appendix B). Handled: the
 * Delete of the ISAKMP SA (both ways) and DPD's R-U-THERE (RFC 3706),
 * answered R-U-THERE-ACK; our own R-U-THERE after --dpddelay of silence,
 * the peer dead after --dpdtimeout without a word (--dpdaction).
 */
#include <errno.h>
#include <string.h>

#include "crypto/crypto.h"
#include "ike/ike_stats.h"
#include "ike/route.h"
#include "ike/uniqueids.h"
#include "ike/v1/build.h"
#include "ike/v1/exchange.h"
#include "ike/v1/io.h"
#include "ike/v1/natt.h"
#include "ike/v1/state.h"
#include "ike/v2/io.h"
#include "util/log.h"

int v1_build_hash1(struct ike_sa *sa, uint8_t exchange, uint32_t msgid,
		   int (*fill)(struct ike_sa *, struct v1_build *, void *), void *arg, size_t *len)
{
	struct v1_state *s = sa->v1;
	uint8_t *buf = sa->w->txbuf, hash[CRYPTO_V1_PRF_MAX], m[4];
	struct v1_build b;
	struct v1_hdr h;
	size_t hash_at, rest_at;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, sa->spi_i, 8);
	memcpy(h.rcookie, sa->spi_r, 8);
	h.exchange = exchange;
	h.flags = V1_FLAG_ENCRYPTION;
	h.msgid = msgid;
	memset(hash, 0, sizeof(hash));
	rc = v1_build_init(&b, buf, V2_TXBUF, &h);
	rc = rc ? rc : v1_build_blob(&b, V1_PL_HASH, hash, s->prf_len);
	hash_at = b.w.len - s->prf_len;
	rest_at = b.w.len;
	rc = rc ? rc : fill(sa, &b, arg);
	if (rc)
		return rc;
	put_u32(m, msgid);
	rc = crypto_v1_prf(s->p1.hash, s->skeyid_a, s->prf_len,
			   (struct iovec[]){ { m, 4 }, { buf + rest_at, b.w.len - rest_at } }, 2, hash);
	if (rc)
		return rc;
	memcpy(buf + hash_at, hash, s->prf_len);
	return v1_build_finish(&b, s->block, len);
}

/* Build and send HDR*, HASH(1), then the one payload fill() appends. */
static int send_info(struct ike_sa *sa, int (*fill)(struct ike_sa *, struct v1_build *, void *),
		     void *arg)
{
	struct v1_state *s = sa->v1;
	uint8_t *buf = sa->w->txbuf, iv[CRYPTO_V1_BLOCK_MAX];
	uint32_t msgid = v1_new_msgid();
	size_t len;
	int rc;

	rc = v1_build_hash1(sa, V1_X_INFO, msgid, fill, arg, &len);
	rc = rc ? rc : crypto_v1_iv_msgid(s->p1.hash, s->p1_iv, s->block, msgid, iv);
	rc = rc ? rc : crypto_v1_cbc(s->p1.encr, s->key, s->key_len, iv, buf + V1_HDR_SIZE,
				     len - V1_HDR_SIZE, true);
	if (rc)
		return rc;
	struct net_dgram d = {
		.buf = buf, .len = len, .peer = sa->peer, .peer_port = sa->peer_port,
		.local = sa->local,
	};
	return net_worker_send(net_pool_worker(sa->w->d->pool, sa->w->index), sa->l, &d);
}

static int fill_delete(struct ike_sa *sa, struct v1_build *b, void *arg)
{
	uint8_t spi[16];
	struct v1_delete d = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP, .spi_size = 16,
			       .nspi = 1, .spis = spi };

	(void)arg;
	memcpy(spi, sa->spi_i, 8);
	memcpy(spi + 8, sa->spi_r, 8);
	return v1_build_delete(b, &d);
}

/* A Delete of one IPsec SA: arg is its 4-byte SPI (our inbound one, RFC 2408 3.15). */
static int fill_delete_esp(struct ike_sa *sa, struct v1_build *b, void *arg)
{
	struct v1_delete d = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ESP, .spi_size = 4,
			       .nspi = 1, .spis = arg };

	(void)sa;
	return v1_build_delete(b, &d);
}

int v1_send_delete(struct ike_sa *sa, uint8_t protocol, uint32_t spi)
{
	uint8_t b[4];

	if (protocol == V1_PROTO_ISAKMP)
		return send_info(sa, fill_delete, NULL);
	put_u32(b, spi);
	return send_info(sa, fill_delete_esp, b);
}

static int fill_ack(struct ike_sa *sa, struct v1_build *b, void *arg)
{
	struct v1_notification n = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP,
				     .spi_size = 16, .type = V1N_R_U_THERE_ACK, .len = 4,
				     .data = arg };

	memcpy(n.spi, sa->spi_i, 8);
	memcpy(n.spi + 8, sa->spi_r, 8);
	return v1_build_notify(b, &n);
}

/* A Notification of arg's type (uint16_t), protocol ISAKMP, no SPI (as libreswan sends them). */
static int fill_notify(struct ike_sa *sa, struct v1_build *b, void *arg)
{
	struct v1_notification n = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP,
				     .type = *(const uint16_t *)arg };

	(void)sa;
	return v1_build_notify(b, &n);
}

int v1_send_notify(struct ike_sa *sa, const struct net_rx *rx, uint16_t type)
{
	if (rx && !v2_answer_allowed(sa->w, rx, "IKEv1 notification (answer rate limit reached)"))
		return -EAGAIN;
	return send_info(sa, fill_notify, &type);
}

void v1_initial_contact(struct ike_sa *sa, const struct v1_msg *m)
{
	bool ic = false;

	for (unsigned i = 0; i < m->npl; i++)
		if (m->pl[i].type == V1_PL_N && m->pl[i].u.notify.type == V1N_INITIAL_CONTACT)
			ic = true;
	v1_initial_contact_seen(sa, ic);
}

void v1_initial_contact_seen(struct ike_sa *sa, bool ic)
{
	/*
	 * Once per ISAKMP SA: a peer repeating it in Informational exchanges
	 * must not make us look again.
	 */
	if (!ic || !sa->v1 || sa->v1->initial_contact)
		return;
	sa->v1->initial_contact = true;
	ike_initial_contact_replace(sa, NULL);
}

int v1_build_initial_contact(struct ike_sa *sa, struct v1_build *b)
{
	struct v1_notification n = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP,
				     .spi_size = 16, .type = V1N_INITIAL_CONTACT };

	if (!sa->initiator || !ike_sa_sends_initial_contact(sa))
		return 0;
	memcpy(n.spi, sa->spi_i, 8);
	memcpy(n.spi + 8, sa->spi_r, 8);
	return v1_build_notify(b, &n);
}

/* ---- DPD (RFC 3706) initiated by us: R-U-THERE, seq the next sequence number ---- */

static int fill_r_u_there(struct ike_sa *sa, struct v1_build *b, void *arg)
{
	struct v1_notification n = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP,
				     .spi_size = 16, .type = V1N_R_U_THERE, .len = 4, .data = arg };

	memcpy(n.spi, sa->spi_i, 8);
	memcpy(n.spi + 8, sa->spi_r, 8);
	return v1_build_notify(b, &n);
}

static struct timer_wheel *wheel(struct ike_sa *sa)
{
	return &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
}

static bool dpd_on(const struct ike_sa *sa)
{
	const struct conn_spec *cs = sa->conn->spec;

	return cs->has_dpd && cs->dpd_delay > 0;
}

void v1_dpd_arm(struct ike_sa *sa)
{
	sa->last_inbound_ms = ike_now(sa->w);
	if (!dpd_on(sa))
		return;
	if (!sa->v1->peer_dpd) {
		/* as libreswan: R-U-THERE only to a peer that announced RFC 3706 */
		ike_sa_progress(sa, RC_LOG, "Configured DPD (RFC 3706) support not enabled because "
				"remote peer did not advertise DPD support");
		return;
	}
	crypto_random(&sa->v1->dpd_seq, sizeof(sa->v1->dpd_seq));
	sa->v1->dpd_seq &= 0x7fffffff;	/* room to count up, as RFC 3706 5.7 asks */
	sa->v1->dpd_look_ms = sa->last_inbound_ms;
	timer_arm(wheel(sa), &sa->ext->dpd,
		  ike_now(sa->w) + (uint64_t)sa->conn->spec->dpd_delay * 1000);
}

void v1_peer_dead(struct ike_sa *sa, const char *why)
{
	struct ike_daemon *d = sa->w->d;
	struct ike_worker *w = sa->w;
	struct connection *c = sa->conn;
	enum dpd_action action = c->spec->has_dpd ? c->spec->dpd_action : DPD_ACTION_CLEAR;
	static const char *const names[] = {
		[DPD_ACTION_HOLD] = "hold", [DPD_ACTION_CLEAR] = "clear",
		[DPD_ACTION_RESTART] = "restart",
	};
	struct net_listener *l = sa->l;
	struct ip_addr local = sa->local;
	uint8_t end = sa->this_end;
	int rc;

	if (ike_conn_is_instance(c))
		action = DPD_ACTION_CLEAR;	/* its client comes back to us, as in IKEv2 */
	counters_inc(d->ctr, w->index, IKEC_PEER_DEAD);
	ike_sa_progress(sa, RC_LOG_SERIOUS, "the peer is dead (%s): dpdaction=%s", why,
			names[action]);
	ike_connection_ref(c);
	net_listener_ref(l);
	if (ike_state_info(sa->state)->established)
		counters_inc(d->ctr, w->index, IKEC_IKE_DELETED);
	ike_sa_free(sa);	/* nobody to tell */
	switch (action) {
	case DPD_ACTION_HOLD:
		if (atomic_load(&c->routing) == CONN_UNROUTED)
			ike_cmd_route(d, c, end, NULL);
		break;
	case DPD_ACTION_RESTART:
		rc = v1_initiate(w, c, end, l, &local, NULL);
		if (rc < 0)
			log_limited(LOG_WARNING, 10, "cannot restart after DPD",
				    "\"%s\": cannot restart after DPD: %s", c->spec->name,
				    rc == -EADDRNOTAVAIL ? "no socket on the IKE port"
							 : strerror(-rc));
		break;
	case DPD_ACTION_CLEAR:
		break;
	}
	net_listener_unref(l);
	ike_connection_unref(c);
}

void v1_dpd_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	const struct conn_spec *cs = sa->conn->spec;
	uint64_t now = ike_now(sa->w), idle = now - sa->last_inbound_ms;
	uint8_t seq[4];

	if (!sa->v1 || !ike_state_info(sa->state)->established || !dpd_on(sa))
		return;
	if (cs->dpd_timeout && idle >= (uint64_t)cs->dpd_timeout * 1000) {
		v1_peer_dead(sa, "no answer to R_U_THERE within --dpdtimeout");
		return;
	}
	/* nothing heard since the last look, a --dpddelay ago (the wheel's ticks may run early) */
	if (sa->last_inbound_ms <= sa->v1->dpd_look_ms) {
		put_u32(seq, ++sa->v1->dpd_seq);
		dbg(DBG_BASE, "#%llu: %llu ms of silence: R_U_THERE %u",
		    (unsigned long long)sa->serial, (unsigned long long)idle, sa->v1->dpd_seq);
		if (send_info(sa, fill_r_u_there, seq) == 0)
			sa->v1->dpd_waiting = true;
	}
	sa->v1->dpd_look_ms = now;
	timer_arm(tw, t, now + (uint64_t)cs->dpd_delay * 1000);
}

void v1_delete(struct ike_sa *sa, bool tell_peer)
{
	bool up = sa->v1 && ike_state_info(sa->state)->established;

	if (tell_peer && up) {
		/* libreswan's order: the IPsec SAs first, then the ISAKMP SA */
		for (struct child_sa *c = sa->children; c; c = c->next)
			v1_child_delete_tell_peer(sa, c);
		if (send_info(sa, fill_delete, NULL) == 0)
			ike_sa_progress(sa, RC_LOG, "sent an IKEv1 Delete of the ISAKMP SA");
	}
	ike_stats_fail_reason(sa, IKE_FAIL_DELETED);	/* counted only if never established */
	if (up)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_IKE_DELETED);
	ike_sa_free(sa);
}

/* HASH(1) first, over the rest of the message as sent (padding excluded), in constant time. */
bool v1_hash1_ok(struct ike_sa *sa, const struct v1_msg *m)
{
	struct v1_state *s = sa->v1;
	const struct v1_payload *h = &m->pl[0];
	const uint8_t *nd, *end;
	uint8_t want[CRYPTO_V1_PRF_MAX], mid[4];
	bool ok;

	if (m->npl < 2 || h->type != V1_PL_HASH || h->u.blob.len != s->prf_len)
		return false;
	nd = h->body + h->len;
	end = m->pl[m->npl - 1].body + m->pl[m->npl - 1].len;
	put_u32(mid, m->hdr.msgid);
	if (crypto_v1_prf(s->p1.hash, s->skeyid_a, s->prf_len,
			  (struct iovec[]){ { mid, 4 }, { (void *)nd, (size_t)(end - nd) } }, 2,
			  want) < 0)
		return false;
	ok = crypto_memeq(want, h->u.blob.data, s->prf_len);
	crypto_wipe(want, sizeof(want));
	return ok;
}

void v1_info_request(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;

	if (!m->encrypted || !v1_hash1_ok(sa, m)) {
		v1_drop(sa->w, in->rx, "IKEv1 Informational without a valid HASH(1)");
		return;
	}
	sa->last_inbound_ms = ike_now(sa->w);	/* authenticated: the peer is alive */
	v1_natt_follow(sa, in->rx);
	for (unsigned i = 1; i < m->npl; i++) {
		const struct v1_payload *p = &m->pl[i];

		if (p->type == V1_PL_D && p->u.del.protocol == V1_PROTO_ISAKMP &&
		    p->u.del.spi_size == 16 && !memcmp(p->u.del.spis, sa->spi_i, 8) &&
		    !memcmp(p->u.del.spis + 8, sa->spi_r, 8)) {
			ike_sa_progress(sa, RC_LOG, "received Delete SA payload: deleting ISAKMP SA");
			v1_hand_over(sa);	/* re-established by the peer: the IPsec SAs stay */
			v1_delete(sa, false);
			return;
		}
		if (p->type == V1_PL_D && p->u.del.protocol == V1_PROTO_ESP &&
		    p->u.del.spi_size == 4) {
			v1_child_delete_received(sa, p->u.del.spis, p->u.del.nspi);
			continue;
		}
		if (p->type == V1_PL_D) {
			dbg(DBG_BASE, "#%llu: a Delete of SAs we do not have (protocol %u)",
			    (unsigned long long)sa->serial, p->u.del.protocol);
			continue;
		}
		if (p->type == V1_PL_N && p->u.notify.type == V1N_R_U_THERE && p->u.notify.len == 4) {
			uint8_t seq[4];

			memcpy(seq, p->u.notify.data, 4);
			send_info(sa, fill_ack, seq);
			continue;
		}
		if (p->type == V1_PL_N && p->u.notify.type == V1N_R_U_THERE_ACK &&
		    p->u.notify.len == 4) {
			const uint8_t *d = p->u.notify.data;
			uint32_t seq = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
				       (uint32_t)d[2] << 8 | d[3];

			if (!sa->v1->dpd_waiting || seq != sa->v1->dpd_seq)
				dbg(DBG_BASE, "#%llu: an R_U_THERE_ACK (%u) we did not ask for",
				    (unsigned long long)sa->serial, seq);
			sa->v1->dpd_waiting = false;
			continue;
		}
		if (p->type == V1_PL_N && p->u.notify.type == V1N_INITIAL_CONTACT) {
			v1_initial_contact(sa, m);
			continue;
		}
		if (p->type == V1_PL_N)
			dbg(DBG_BASE, "#%llu: IKEv1 notification %u ignored",
			    (unsigned long long)sa->serial, p->u.notify.type);
	}
}
