/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Quick Mode (RFC 2409 5.5) on an established ISAKMP SA:
 *
 *        Initiator                          Responder
 *       -----------                        -----------
 *        HDR*, HASH(1), SA, Ni
 *          [, KE ] [, IDci, IDcr ]   -->
 *                                    <--    HDR*, HASH(2), SA, Nr
 *                                                 [, KE ] [, IDci, IDcr ]
 *        HDR*, HASH(3)               -->
 *
 *   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
 *
 * where "SA | Ni ..." is every payload after the HASH, headers included,
 * as sent (no padding). The exchange's IV is hash(last Phase 1 CBC block |
 * M-ID), then chains through its messages (Appendix B). KEYMAT per
 * direction: prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 * the SPI being the receiver's (crypto/ikev1_keys.h).
 *
 * The IPsec SA is a Child SA installed through the IKEv2 code's kernel
 * path (v2/child.c) and announced with the same updown (child_updown.c).
 * The commit bit is ignored, as libreswan does: never set, never waited
 * for. Up to V1_QM_MAX Quick Mode exchanges at once per ISAKMP SA, the
 * peer's and ours, each with its own state and resend timer (state.h),
 * found by Message ID, the Child SA it makes or its key exchange's tag,
 * as libreswan keeps one state per Quick Mode. The responder's
 * IPsec SA is up once installed, before message 2 goes (as an IKEv2
 * responder's before its IKE_AUTH answer); it resends message 2 until
 * message 3 comes, and deletes the SA when it never does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hash.h"
#include "ike/conn_inst.h"
#include "ike/conn_select.h"
#include "ike/ike_stats.h"
#include "ike/v1/build.h"
#include "ike/v1/exchange.h"
#include "ike/v1/io.h"
#include "ike/v1/natt.h"
#include "ike/v1/state.h"
#include "ike/v2/child.h"
#include "ike/v2/exchange.h"
#include "ike/v2/io.h"
#include "ike/v2/kex.h"
#include "util/log.h"

enum {
	QM_NONCE_LEN = 32,
	DEFAULT_IPSEC_LIFE_S = 28800,
	QM_RESEND_FIRST_MS = 500,	/* responder: message 2 until message 3 */
	QM_RESEND_TIMEOUT_MS = 30000,
	QM_REQ_FIRST_MS = 500,		/* initiator: message 1 until message 2 */
	QM_REQ_TIMEOUT_MS = 60000,	/* as libreswan's: then only that exchange ends */
	QM_BUSY_RETRY_MS = 1000,
};

static void qm_release(struct ike_sa *sa, struct v1_qm *q)
{
	timer_cancel(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &q->resend);
	if (q->job)
		q->job->cookie = NULL;	/* its completion finds no SA and frees it */
	crypto_ke_free(q->ke);
	free(q->msg);
	ike_progress_unref(q->whack);
	crypto_wipe(q, sizeof(*q));
	free(q);
}

void v1_qm_free(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;
	struct v1_qm *q = s ? s->qm : NULL, **pp;

	if (!q)
		return;
	for (pp = &s->qms; *pp && *pp != q; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = q->next;
		s->nqm--;
	}
	s->qm = NULL;
	qm_release(sa, q);
}

void v1_qm_free_all(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;

	if (!s)
		return;
	for (unsigned i = 0; i < V1_QM_FINALS; i++) {
		free(s->finals[i].msg);
		s->finals[i] = (struct v1_qm_final){ 0 };
	}
	while (s->qms) {
		struct v1_qm *q = s->qms;

		s->qms = q->next;
		qm_release(sa, q);
	}
	s->nqm = 0;
	s->qm = NULL;
}

/*
 * Keep msg (len bytes), message 3 of q, which has ended: in a free or
 * expired slot, else in the oldest. Without memory it is not kept: its
 * message 2 again is then answered only while msg is still the SA's last
 * answer (sa->resp), as before.
 */
static void qm_keep_final(struct ike_sa *sa, const struct v1_qm *q, const uint8_t *msg,
			  size_t len)
{
	struct v1_state *s = sa->v1;
	uint64_t now = ike_now(sa->w);
	struct v1_qm_final *f = NULL;
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	memcpy(copy, msg, len);
	/* a free slot, else the one whose keep time ends first (expired, or the oldest) */
	for (unsigned i = 0; i < V1_QM_FINALS; i++) {
		struct v1_qm_final *o = &s->finals[i];

		if (!o->msg) {
			f = o;
			break;
		}
		if (!f || o->until_ms < f->until_ms)
			f = o;
	}
	free(f->msg);
	*f = (struct v1_qm_final){ .msg = copy, .msg_len = (uint32_t)len, .msgid = q->msgid,
				   .until_ms = now + V1_QM_FINAL_KEEP_MS };
	memcpy(f->rx_digest, q->rx_digest, sizeof(f->rx_digest));
}

const struct v1_qm_final *v1_qm_final_find(const struct v1_state *s, uint32_t msgid,
					    const uint8_t digest[32], uint64_t now_ms)
{
	for (unsigned i = 0; i < V1_QM_FINALS; i++) {
		const struct v1_qm_final *f = &s->finals[i];

		if (f->msg && f->msgid == msgid && f->until_ms > now_ms &&
		    crypto_memeq(f->rx_digest, digest, sizeof(f->rx_digest)))
			return f;
	}
	return NULL;
}

struct v1_qm *v1_qm_by_msgid(const struct v1_state *s, uint32_t msgid)
{
	struct v1_qm *q;

	for (q = s->qms; q && q->msgid != msgid; q = q->next)
		;
	return q;
}

struct v1_qm *v1_qm_of_child(const struct v1_state *s, uint64_t serial)
{
	struct v1_qm *q;

	for (q = s->qms; q && q->child != serial; q = q->next)
		;
	return q;
}

/*
 * The exchange being handled is done with its whack (if any): it hears
 * nothing more. Progress lines go to it until then (ike_sa_whack()).
 */
static void qm_done(struct ike_sa *sa)
{
	struct v1_qm *q = sa->v1->qm;

	if (q) {
		ike_progress_unref(q->whack);
		q->whack = NULL;
	}
}

/* q (of sa, or NULL) is the exchange being handled from here. */
static struct v1_qm *qm_select(struct ike_sa *sa, struct v1_qm *q)
{
	sa->v1->qm = q;
	return q;
}

static void qm_resend_fire(struct timer_wheel *tw, struct timer *t, void *arg);

static struct v1_qm *qm_new(struct ike_sa *sa, enum ike_state st, uint32_t msgid)
{
	struct v1_state *s = sa->v1;
	struct v1_qm *q;

	if (s->nqm >= V1_QM_MAX || !(q = calloc(1, sizeof(*q))))
		return NULL;
	timer_init(&q->resend, qm_resend_fire, sa);
	q->state = st;
	q->msgid = msgid;
	q->next = s->qms;
	s->qms = q;
	s->nqm++;
	return qm_select(sa, q);
}

static struct child_sa *qm_child(struct ike_sa *sa)
{
	return sa->v1->qm ? ike_child_find(sa, sa->v1->qm->child) : NULL;
}

/* The exchange ends without an IPsec SA: the ISAKMP SA stays (a rekey's old IPsec SA too). */
static void qm_fail(struct ike_sa *sa, unsigned rc, const char *why)
{
	struct child_sa *c = qm_child(sa);
	struct child_sa *old = c && c->rekey_of ? ike_child_find(sa, c->rekey_of) : NULL;

	ike_sa_progress(sa, rc, "Quick Mode: %s", why);
	qm_done(sa);
	if (old && old->superseded && !old->lingering) {
		/* the responder's rekey never completed: the old SA is the one again */
		old->superseded = false;
		old->successor_spi = old->successor_reqid = 0;
	}
	if (old && !old->superseded)
		old->rekeying = false;
	if (c)
		ike_child_unlink_free(sa, c);
	v1_qm_free(sa);
}

/* ---- the pieces ---- */

/* The PFS group of c: a group in esp= wins (v1_p2_set_make), else --pfsgroup, else Phase 1's. */
static uint16_t pfs_group(const struct ike_sa *sa, const struct connection *c)
{
	if (!(c->spec->policy & POL_PFS))
		return 0;
	return c->spec->pfsgroup > 0 ? (uint16_t)c->spec->pfsgroup : sa->v1->p1.group;
}

static int p2_set(const struct ike_sa *sa, const struct connection *c, struct v1_p2_set *set)
{
	char err[256];
	uint32_t life = c->spec->ipsec_lifetime ? c->spec->ipsec_lifetime : DEFAULT_IPSEC_LIFE_S;

	if (v1_p2_set_make(c->spec->esp, pfs_group(sa, c), (c->spec->policy & POL_TUNNEL) != 0,
			   life, set, err, sizeof(err)) < 0) {
		log_limited(LOG_WARNING, 10, "IKEv1 esp=", "\"%s\": %s", c->spec->name, err);
		return -EINVAL;
	}
	/* behind a NAT: UDP-Encapsulated-Tunnel/Transport, in the numbers both announced */
	for (unsigned i = 0; i < set->n; i++)
		set->t[i].encap = v1_natt_mode(sa, (c->spec->policy & POL_TUNNEL) != 0);
	return 0;
}

/* The IKEv2 suite the kernel path takes for an IKEv1 ESP transform (the IDs are shared). */
static int suite_of(const struct v1_p2 *t, struct v2_suite *out)
{
	memset(out, 0, sizeof(*out));
	out->protocol = V2_PROTO_ESP;
	out->encr = t->esp_id;
	out->encr_keylen = t->key_bits;
	out->esn = V2_ESN_NO;
	switch (t->auth) {
	case 0: out->integ = V2_INTEG_NONE; break;
	case V1_AUTH_HMAC_MD5: out->integ = V2_INTEG_HMAC_MD5_96; break;
	case V1_AUTH_HMAC_SHA1: out->integ = V2_INTEG_HMAC_SHA1_96; break;
	case V1_AUTH_HMAC_SHA2_256: out->integ = V2_INTEG_HMAC_SHA2_256_128; break;
	case V1_AUTH_HMAC_SHA2_384: out->integ = V2_INTEG_HMAC_SHA2_384_192; break;
	case V1_AUTH_HMAC_SHA2_512: out->integ = V2_INTEG_HMAC_SHA2_512_256; break;
	case V1_AUTH_AES_XCBC: out->integ = V2_INTEG_AES_XCBC_96; break;
	default: return -ENOTSUP;
	}
	return crypto_esp_keymat_len(out) ? 0 : -ENOTSUP;
}

/* An ID payload for selector ts (RFC 2407 4.6.2): an address, a subnet or a range. */
static int build_ts_id(struct v1_build *b, const struct ike_ts *ts)
{
	bool v4 = ts->start.af == AF_INET;
	size_t alen = v4 ? 4 : 16;
	uint8_t data[32];
	struct ip_subnet sn;
	struct v1_id id = { .protocol = ts->ipproto, .data = data };

	if (ts->sport == ts->eport)
		id.port = ts->sport;
	if (ip_addr_eq(&ts->start, &ts->end)) {
		id.type = v4 ? V1_ID_IPV4_ADDR : V1_ID_IPV6_ADDR;
		memcpy(data, ts->start.b, alen);
		id.len = (uint16_t)alen;
	} else if (ike_ts_to_subnet(ts, &sn) == 0) {
		struct ip_addr mask = ip_subnet_mask(&sn);

		id.type = v4 ? V1_ID_IPV4_ADDR_SUBNET : V1_ID_IPV6_ADDR_SUBNET;
		memcpy(data, sn.addr.b, alen);
		memcpy(data + alen, mask.b, alen);
		id.len = (uint16_t)(2 * alen);
	} else {
		id.type = v4 ? V1_ID_IPV4_ADDR_RANGE : V1_ID_IPV6_ADDR_RANGE;
		memcpy(data, ts->start.b, alen);
		memcpy(data + alen, ts->end.b, alen);
		id.len = (uint16_t)(2 * alen);
	}
	return v1_build_id(b, &id, NULL);
}

/* The selector an ID payload names; -EINVAL when it names none (an FQDN, a bad mask...). */
static int ts_of_id(const struct v1_id *id, struct ike_ts *ts)
{
	size_t alen;
	uint8_t af;

	memset(ts, 0, sizeof(*ts));
	switch (id->type) {
	case V1_ID_IPV4_ADDR:
	case V1_ID_IPV4_ADDR_SUBNET:
	case V1_ID_IPV4_ADDR_RANGE:
		af = AF_INET;
		alen = 4;
		break;
	case V1_ID_IPV6_ADDR:
	case V1_ID_IPV6_ADDR_SUBNET:
	case V1_ID_IPV6_ADDR_RANGE:
		af = AF_INET6;
		alen = 16;
		break;
	default:
		return -EINVAL;
	}
	bool single = id->type == V1_ID_IPV4_ADDR || id->type == V1_ID_IPV6_ADDR;

	if (id->len != (single ? alen : 2 * alen))
		return -EINVAL;
	ts->start.af = ts->end.af = af;
	memcpy(ts->start.b, id->data, alen);
	memcpy(ts->end.b, id->data, alen);
	if (id->type == V1_ID_IPV4_ADDR_RANGE || id->type == V1_ID_IPV6_ADDR_RANGE) {
		memcpy(ts->end.b, id->data + alen, alen);
		if (memcmp(ts->start.b, ts->end.b, alen) > 0)
			return -EINVAL;
	} else if (!single) {
		const uint8_t *mask = id->data + alen;
		bool zeros = false;

		for (size_t i = 0; i < alen; i++) {
			for (int bit = 7; bit >= 0; bit--) {
				bool one = mask[i] >> bit & 1;

				if (one && zeros)
					return -EINVAL;	/* not a prefix */
				zeros = zeros || !one;
			}
			ts->start.b[i] &= mask[i];
			ts->end.b[i] = (uint8_t)(ts->start.b[i] | (uint8_t)~mask[i]);
		}
	}
	ts->ipproto = id->protocol;
	ts->sport = id->port;
	ts->eport = id->port ? id->port : 65535;
	return 0;
}

/* prf(SKEYID_a, pre... | the payloads after the HASH, as sent) into out. */
static int qm_hash(struct ike_sa *sa, const struct iovec *pre, int npre, const uint8_t *rest,
		   size_t rest_len, uint8_t *out)
{
	struct v1_state *s = sa->v1;
	struct iovec v[4];

	for (int i = 0; i < npre; i++)
		v[i] = pre[i];
	v[npre] = (struct iovec){ (void *)rest, rest_len };
	return crypto_v1_prf(s->p1.hash, s->skeyid_a, s->prf_len, v, npre + 1, out);
}

/* The HASH payload first, over pre... and the rest of m (padding excluded), in constant time. */
static bool hash_ok(struct ike_sa *sa, const struct v1_msg *m, const struct iovec *pre, int npre)
{
	struct v1_state *s = sa->v1;
	const struct v1_payload *h = &m->pl[0];
	const uint8_t *rest, *end;
	uint8_t want[CRYPTO_V1_PRF_MAX];
	bool ok;

	if (!m->encrypted || m->npl < 1 || h->type != V1_PL_HASH || h->u.blob.len != s->prf_len)
		return false;
	rest = h->body + h->len;
	end = m->pl[m->npl - 1].body + m->pl[m->npl - 1].len;
	if (qm_hash(sa, pre, npre, rest, (size_t)(end - rest), want) < 0)
		return false;
	ok = crypto_memeq(want, h->u.blob.data, s->prf_len);
	crypto_wipe(want, sizeof(want));
	return ok;
}

/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
static int hash3(struct ike_sa *sa, uint8_t *out)
{
	struct v1_qm *q = sa->v1->qm;
	uint8_t mid[5] = { 0 };

	put_u32(mid + 1, q->msgid);
	return qm_hash(sa, (struct iovec[]){ { mid, 5 }, { q->ni, q->ni_len } }, 2, q->nr, q->nr_len,
		       out);
}

static int qm_start(struct ike_sa *sa, struct v1_build *b)
{
	struct v1_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, sa->spi_i, 8);
	memcpy(h.rcookie, sa->spi_r, 8);
	h.exchange = V1_X_QUICK;
	h.flags = V1_FLAG_ENCRYPTION;
	h.msgid = sa->v1->qm->msgid;
	return v1_build_init(b, sa->w->txbuf, V2_TXBUF, &h);
}

/*
 * Message 1 or 2: HASH, SA, nonce, [KE], IDci, IDcr; the HASH is patched
 * once the rest is written. Then padded and encrypted with the chain.
 */
static int build_12(struct ike_sa *sa, struct child_sa *c, const struct v1_sa *form, size_t *len)
{
	struct v1_state *s = sa->v1;
	struct v1_qm *q = s->qm;
	bool i = c->we_initiated;
	uint8_t *buf = sa->w->txbuf, hash[CRYPTO_V1_PRF_MAX], mid[4];
	struct v1_build b;
	size_t hash_at, rest_at;
	int rc;

	memset(hash, 0, sizeof(hash));
	rc = qm_start(sa, &b);
	rc = rc ? rc : v1_build_blob(&b, V1_PL_HASH, hash, s->prf_len);
	hash_at = b.w.len - s->prf_len;
	rest_at = b.w.len;
	rc = rc ? rc : v1_build_sa(&b, form, NULL);
	rc = rc ? rc : v1_build_blob(&b, V1_PL_NONCE, i ? q->ni : q->nr, i ? q->ni_len : q->nr_len);
	if (!rc && q->group)
		rc = v1_build_blob(&b, V1_PL_KE, i ? q->gxi : q->gxr, i ? q->gxi_len : q->gxr_len);
	if (!rc && q->has_ids) {
		/* IDci is the initiator's client, IDcr the responder's */
		rc = build_ts_id(&b, i ? &c->ts_local : &c->ts_remote);
		rc = rc ? rc : build_ts_id(&b, i ? &c->ts_remote : &c->ts_local);
	}
	if (!rc && c->transport)
		rc = v1_nat_oa_build(&b, sa, i);	/* RFC 3947 5.2: transport mode behind a NAT */
	if (rc)
		return rc;
	put_u32(mid, q->msgid);
	if (i)
		rc = qm_hash(sa, (struct iovec[]){ { mid, 4 } }, 1, buf + rest_at, b.w.len - rest_at,
			     hash);
	else
		rc = qm_hash(sa, (struct iovec[]){ { mid, 4 }, { q->ni, q->ni_len } }, 2,
			     buf + rest_at, b.w.len - rest_at, hash);
	if (rc)
		return rc;
	memcpy(buf + hash_at, hash, s->prf_len);
	crypto_wipe(hash, sizeof(hash));
	rc = v1_build_finish(&b, s->block, len);
	return rc ? rc : crypto_v1_cbc(s->p1.encr, s->key, s->key_len, q->iv, buf + V1_HDR_SIZE,
				       *len - V1_HDR_SIZE, true);
}

/* A KE job of this exchange: our value (peer NULL), or ours if need be and g^xy. */
static int qm_kex(struct ike_sa *sa, const uint8_t *peer, size_t peer_len)
{
	struct v1_qm *q = sa->v1->qm;
	struct v2_kex_params p = {
		.mode = peer ? KEX_GIR : KEX_GEN,
		.group = q->group,
		.ke = q->ke,
		.peer = peer,
		.peer_len = peer_len,
		.slot = &q->job,	/* the SA's other exchanges have theirs */
		.tag = q->msgid,	/* the result comes back to this exchange */
	};
	int rc = v2_kex_run(sa, &p);

	if (rc == 0)
		q->ke = NULL;
	return rc;
}

/* Both directions' KEYMAT, ordered as v2_child_install() takes them, and the install. */
static int install(struct ike_sa *sa, struct child_sa *c, child_done_fn *done)
{
	struct v1_state *s = sa->v1;
	struct v1_qm *q = s->qm;
	size_t half = crypto_esp_keymat_len(&c->suite);
	uint8_t km[2 * 128], spi_in[4], spi_out[4];
	uint8_t *in, *out;
	const uint8_t *gxy = q->group ? q->gxy : NULL;
	int rc;

	if (!half || 2 * half > sizeof(km))
		return -ENOTSUP;
	/* v2_child_install: i->r keys first, i.e. the initiator's outbound SA's */
	out = c->we_initiated ? km : km + half;
	in = c->we_initiated ? km + half : km;
	v2_spi32_put(spi_in, c->spi_in);
	v2_spi32_put(spi_out, c->spi_out);
	rc = crypto_v1_keymat(s->p1.hash, s->skeyid_d, gxy, q->gxy_len, V1_PROTO_ESP, spi_in, q->ni,
			      q->ni_len, q->nr, q->nr_len, in, half);
	rc = rc ? rc : crypto_v1_keymat(s->p1.hash, s->skeyid_d, gxy, q->gxy_len, V1_PROTO_ESP,
					spi_out, q->ni, q->ni_len, q->nr, q->nr_len, out, half);
	rc = rc ? rc : v2_child_install(sa, c, km, 2 * half, done);
	crypto_wipe(km, sizeof(km));
	crypto_wipe(q->gxy, sizeof(q->gxy));
	return rc;
}

/* ---- initiator ---- */

static void i_send_1(struct ike_sa *sa);

static void i_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v1_qm *q = qm_select(sa, v1_qm_of_child(sa->v1, c->serial));

	if (!q || q->state != IKE_V1_QUICK_I1 || q->child != c->serial)
		return;
	if (status < 0) {
		qm_fail(sa, RC_INTERNALERR, "the kernel gave no SPI");
		return;
	}
	if (q->group) {
		if (qm_kex(sa, NULL, 0) < 0)
			qm_fail(sa, RC_CRYPTOFAILED, "cannot queue the key exchange");
		return;
	}
	i_send_1(sa);
}

static void i_send_1(struct ike_sa *sa)
{
	struct v1_qm *q = sa->v1->qm;
	struct child_sa *c = qm_child(sa);
	struct v1_p2_set *set = malloc(sizeof(*set));
	struct v1_sa *form = malloc(sizeof(*form));
	uint8_t spi[4];
	size_t len;

	if (!set || !form || !c || p2_set(sa, c->conn, set) < 0) {
		qm_fail(sa, RC_FATAL, "no IKEv1 ESP proposal to send");
		goto out;
	}
	v2_spi32_put(spi, c->spi_in);
	if (v1_p2_set_to_sa(set, spi, form) < 0 || build_12(sa, c, form, &len) < 0 ||
	    ike_sa_keep_msg(&q->msg, &q->msg_len, sa->w->txbuf, len) < 0) {
		qm_fail(sa, RC_INTERNALERR, "cannot send Quick Mode message 1");
		goto out;
	}
	/* sent again by the exchange's own timer until message 2 comes (qm_resend_fire()) */
	v1_send_raw(sa, q->msg, q->msg_len);
	q->resends = 0;
	timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &q->resend,
		  ike_now(sa->w) + QM_REQ_FIRST_MS);
	q->sent = true;
	/* what the IPsec SA will be, as its "established" line says: /NAT for ESP in UDP */
	ike_child_progress(sa, c, RC_LOG, "sent Quick Mode request {ESP%s <0x%08x}",
			   v1_natt_encap(sa) ? "/NAT" : "", c->spi_in);
out:
	free(set);
	free(form);
}

void v1_quick_i_keygen(struct ike_sa *sa, struct ike_input *in)
{
	struct v1_qm *q = sa->v1->qm;
	struct kex_result *r = in->kex;

	if (q->sent || r->status < 0 || r->pub_len > sizeof(q->gxi)) {
		qm_fail(sa, RC_CRYPTOFAILED, "the key exchange failed");
		return;
	}
	q->ke = r->ke;
	r->ke = NULL;
	memcpy(q->gxi, r->pub, r->pub_len);
	q->gxi_len = r->pub_len;
	i_send_1(sa);
}

/*
 * Quick Mode for conn (our end this_end) on sa, or, with old, the rekey of
 * IPsec SA old (the same connection, selectors and reqid: make before
 * break). tries: the attempts before this one (--keyingtries). whack: the
 * whack waiting for it (a reference, which the exchange takes), or NULL.
 */
static int qm_start_for(struct ike_sa *sa, struct connection *conn, uint8_t this_end,
			struct child_sa *old, unsigned tries, unsigned split,
			struct ike_progress *whack)
{
	struct child_sa *c;
	struct v1_qm *q;
	uint32_t msgid;

	msgid = v1_new_msgid();
	q = qm_new(sa, IKE_V1_QUICK_I1, msgid);
	if (!q) {
		qm_select(sa, NULL);
		ike_progress_text(whack, RC_INTERNALERR, sa->v1->nqm >= V1_QM_MAX
				  ? "IKEv1: too many Quick Mode exchanges under way"
				  : "IKEv1: out of memory for Quick Mode");
		ike_progress_unref(whack);
		return -ENOMEM;
	}
	q->whack = whack;	/* its progress lines from here (ike_sa_whack()) */
	c = ike_child_new(sa, old ? old->conn : conn, old ? old->this_end : this_end);
	if (!c) {
		ike_sa_progress(sa, RC_INTERNALERR, "out of memory for Quick Mode");
		v1_qm_free(sa);
		return -ENOMEM;
	}
	q->child = c->serial;
	q->tries = tries;
	q->split = old ? 0 : split;
	q->started_ms = ike_now(sa->w);
	c->we_initiated = true;
	c->encap = v1_natt_encap(sa);
	if (old) {
		old->rekeying = true;
		c->rekey_of = old->serial;
		c->reqid = old->reqid;	/* the same policies: make before break */
		c->transport = old->transport;
		c->ts_local = old->ts_local;
		c->ts_remote = old->ts_remote;
	} else {
		c->transport = !(conn->spec->policy & POL_TUNNEL);
		/* a Mode Config client's IDci is the address it was given */
		c->ts_local = ike_conn_local_ts_sa(conn, this_end, sa->ext->given);
		/* ... and its IDcr one of the server's split networks, when it gave some */
		c->ts_remote = v1_modecfg_remote_ts(sa, conn, this_end, split);
	}
	q->has_ids = true;
	q->group = pfs_group(sa, c->conn);
	q->ni_len = QM_NONCE_LEN;
	crypto_random(q->ni, q->ni_len);
	crypto_v1_iv_msgid(sa->v1->p1.hash, sa->v1->p1_iv, sa->v1->block, msgid, q->iv);
	if (old)
		ike_child_progress(sa, c, RC_LOG, "initiating Quick Mode to rekey IPsec SA #%llu%s",
				   (unsigned long long)old->serial, q->group ? " (PFS)" : "");
	else
		ike_child_progress(sa, c, RC_LOG, "initiating Quick Mode %s%s",
				   q->group ? "PFS " : "", c->transport ? "transport" : "tunnel");
	if (v2_child_alloc_spi(sa, c, i_spi_done) < 0) {
		qm_fail(sa, RC_INTERNALERR, "cannot ask the kernel for an SPI");
		return -ENOMEM;
	}
	return 0;
}

int v1_quick_initiate(struct ike_sa *sa)
{
	/* the whack that started the ISAKMP SA waits for this Quick Mode now */
	struct ike_progress *whack = sa->ext->whack;

	sa->ext->whack = NULL;
	return qm_start_for(sa, sa->conn, sa->this_end, NULL, 0, 0, whack);
}

int v1_quick_start(struct ike_sa *sa, struct connection *conn, uint8_t this_end,
		   struct ike_progress *pr)
{
	if (sa->v1->nqm >= V1_QM_MAX)
		return -EBUSY;
	return qm_start_for(sa, conn, this_end, NULL, 0, 0, ike_progress_ref(pr));
}

bool v1_child_rekey(struct ike_sa *sa, struct child_sa *c, const char *why, bool asked)
{
	uint64_t now = ike_now(sa->w);

	if (!ike_state_info(sa->state)->established || c->state != CHILD_INSTALLED ||
	    c->rekeying || c->superseded || c->lingering)
		return false;
	/* by its timer or the kernel's soft expiry: the end that made it, unless --dontrekey */
	if (!asked && (!c->we_initiated || (c->conn->spec->policy & POL_DONT_REKEY)))
		return false;
	if (sa->v1->nqm >= V1_QM_MAX || sa->v1->replaced) {
		/*
		 * V1_QM_MAX exchanges under way, or an ISAKMP SA being
		 * re-established (its IPsec SAs move to the new one): look
		 * again in a second, while the SA lasts.
		 */
		if (!c->expire_ms || now + QM_BUSY_RETRY_MS < c->expire_ms) {
			c->life_is_rekey = true;
			timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &c->life,
				  now + QM_BUSY_RETRY_MS);
			return true;
		}
		return false;
	}
	ike_sa_progress(sa, RC_LOG, "%s: rekeying IPsec SA #%llu", why,
			(unsigned long long)c->serial);
	return qm_start_for(sa, c->conn, c->this_end, c, 0, 0, NULL) == 0;
}

/*
 * Our Quick Mode request went unanswered (every retransmission): only the
 * exchange ends; the ISAKMP SA stays. It starts again while --keyingtries
 * allows (0: for ever), a rekey while the old IPsec SA lasts.
 */
static void qm_timeout(struct ike_sa *sa)
{
	struct v1_qm *q = sa->v1->qm;
	struct child_sa *c = qm_child(sa);
	struct child_sa *old = c && c->rekey_of ? ike_child_find(sa, c->rekey_of) : NULL;
	struct connection *conn = c ? c->conn : sa->conn;
	uint8_t end = c ? c->this_end : sa->this_end;
	unsigned tries = q->tries + 1, limit = conn->spec->keyingtries, split = q->split;
	bool rekey = c && c->rekey_of;

	ike_connection_ref(conn);
	qm_fail(sa, RC_NORETRANSMISSION, "no answer to our Quick Mode request");
	if ((limit == 0 || tries < limit) && (!rekey || old) &&
	    (!old || !old->expire_ms || ike_now(sa->w) < old->expire_ms)) {
		ike_sa_progress(sa, RC_LOG, "starting Quick Mode attempt %u", tries + 1);
		qm_start_for(sa, conn, end, old, tries, split, NULL);
	}
	ike_connection_unref(conn);
}

/*
 * The retirement of IPsec SA old, whose rekey we started, by its life
 * timer (the peer answering keys its new SAs when message 3 arrives):
 *
 *   message 3 sent   the heir's inbound SA is in (before message 3), its
 *                    outbound SA held back; old's outbound SA carries on
 *   ESP on the heir's inbound SA (v2_child_out_poll_fire()), or
 *   CHILD_V1_OUT_WAIT_MS later: the heir's outbound SA goes in and takes
 *                    the traffic (the kernel takes the newest SA of a reqid)
 *   + CHILD_REKEYED_LINGER_MS: old's outbound SA goes, our Delete of old
 *                    goes (packets that took it have long left)
 *   + CHILD_V1_IN_KEEP_MS: old's inbound SA goes (ESP the peer sent on it
 *                    before it handled the Delete has arrived)
 *
 * A Delete of old from the peer meanwhile ends it as any lingering SA's
 * (v2_child_linger(): the heir's outbound SA in, old's SAs gone 1 s later).
 */
static void retire_arm(struct ike_sa *sa, struct child_sa *old, uint8_t phase, uint64_t at)
{
	old->v1_retire = phase;
	old->life_is_rekey = false;
	timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &old->life, at);
}

static void retire_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct child_sa *old = arg;
	struct ike_sa *sa = old->sa;

	(void)tw;
	(void)t;
	if (old->lingering || old->v1_retire == CHILD_V1_IN_ONLY) {
		ike_child_unlink_free(sa, old);
		return;
	}
	if (old->v1_retire == CHILD_V1_HEIR_OUT_WAIT) {
		/* no ESP from the peer on the new SA yet: ours goes in anyway */
		for (struct child_sa *h = sa->children; h; h = h->next)
			if (h->rekey_of == old->serial && h->out_deferred && !h->superseded &&
			    h->state == CHILD_INSTALLED)
				v2_child_install_out(sa, h);	/* v1_child_heir_out_in() */
		if (old->v1_retire == CHILD_V1_HEIR_OUT_WAIT)	/* no heir any more */
			retire_arm(sa, old, CHILD_V1_LINGER, ike_now(sa->w));
		return;
	}
	v2_child_retire_out(sa, old);
	v2_child_delete_tell_peer(sa, old);
	retire_arm(sa, old, CHILD_V1_IN_ONLY, ike_now(sa->w) + CHILD_V1_IN_KEEP_MS);
}

void v1_child_heir_out_in(struct ike_sa *sa, struct child_sa *heir)
{
	struct child_sa *old = heir->rekey_of ? ike_child_find(sa, heir->rekey_of) : NULL;

	/* not when old is being removed (it took its timer away first) */
	if (old && old->v1_retire == CHILD_V1_HEIR_OUT_WAIT && !old->lingering &&
	    !old->kernel_released && old->state == CHILD_INSTALLED)
		retire_arm(sa, old, CHILD_V1_LINGER, ike_now(sa->w) + CHILD_REKEYED_LINGER_MS);
}

void v1_child_heir_out_failed(struct ike_sa *sa, struct child_sa *heir)
{
	struct child_sa *old = heir->rekey_of ? ike_child_find(sa, heir->rekey_of) : NULL;
	struct timer_wheel *tw = &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;
	uint64_t now = ike_now(sa->w);

	v2_child_delete_tell_peer(sa, heir);
	if (old && old->state == CHILD_INSTALLED && old->superseded && !old->lingering &&
	    !old->out_removed && !old->kernel_released && old->v1_retire != CHILD_V1_IN_ONLY) {
		/* old keeps the traffic: the policies (same reqid) are its own again */
		atomic_store(&old->conn->policy_owner, old->serial);
		old->superseded = false;
		old->rekeying = false;
		old->v1_retire = CHILD_V1_LIVE;
		timer_cancel(tw, &old->life);
		timer_init(&old->life, v2_child_life_fire, old);
		old->life_is_rekey = old->expire_ms && now + QM_BUSY_RETRY_MS < old->expire_ms;
		if (old->expire_ms)
			timer_arm(tw, &old->life,
				  old->life_is_rekey ? now + QM_BUSY_RETRY_MS : old->expire_ms);
		/* heir goes as a replaced SA: no down-, its traffic counted as old's */
		v2_child_supersede(heir, old);
	}
	ike_child_unlink_free(sa, heir);
}

static void retire_start(struct ike_sa *sa, struct child_sa *old, struct child_sa *heir)
{
	uint64_t now = ike_now(sa->w), at = now + CHILD_V1_OUT_WAIT_MS;
	struct timer_wheel *tw = &net_pool_worker(sa->w->d->pool, sa->w->index)->timers;

	/* no later than the old SA's end, when its outbound SA stops anyway */
	if (old->expire_ms && old->expire_ms < at)
		at = old->expire_ms > now ? old->expire_ms : now;
	timer_cancel(tw, &old->life);
	timer_init(&old->life, retire_fire, old);
	retire_arm(sa, old, CHILD_V1_HEIR_OUT_WAIT, at);
	if (!heir->out_deferred)	/* nothing held back (no kernel): straight to the linger */
		v1_child_heir_out_in(sa, heir);
}

static void i_installed(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v1_state *s = sa->v1;
	struct v1_qm *q = qm_select(sa, v1_qm_of_child(s, c->serial));
	struct v1_build b;
	uint8_t hash[CRYPTO_V1_PRF_MAX];
	size_t len;
	int rc;

	if (!q || q->state != IKE_V1_QUICK_I1 || q->child != c->serial)
		return;
	if (status < 0) {
		qm_fail(sa, RC_INTERNALERR, "installing the IPsec SA failed");
		return;
	}
	rc = hash3(sa, hash);
	rc = rc ? rc : qm_start(sa, &b);
	rc = rc ? rc : v1_build_blob(&b, V1_PL_HASH, hash, s->prf_len);
	rc = rc ? rc : v1_build_finish(&b, s->block, &len);
	rc = rc ? rc : crypto_v1_cbc(s->p1.encr, s->key, s->key_len, q->iv,
				     sa->w->txbuf + V1_HDR_SIZE, len - V1_HDR_SIZE, true);
	crypto_wipe(hash, sizeof(hash));
	/* message 2 again (ours 3 lost) gets message 3 again */
	memcpy(s->rx_digest, q->rx_digest, sizeof(s->rx_digest));
	if (rc || v1_send_answer(sa, len) < 0) {
		qm_fail(sa, RC_INTERNALERR, "cannot send Quick Mode message 3");
		return;
	}
	qm_keep_final(sa, q, sa->resp, sa->resp_len);
	q->state = IKE_V1_QUICK_I2;
	v2_child_established(sa, c);
	qm_done(sa);
	if (c->rekey_of) {
		struct child_sa *old = ike_child_find(sa, c->rekey_of);

		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_REKEYED);
		ike_rekey_observe(sa->w, ike_now(sa->w) - q->started_ms);
		if (old) {
			v2_child_supersede(old, c);
			retire_start(sa, old, c);
		}
	}
	v1_qm_free(sa);
	/* the server's next split network, one Quick Mode after the other */
	unsigned next = c->rekey_of || c->conn != sa->conn ? 0 : v1_modecfg_next_split(sa);
	if (next) {
		char net[IP_SUBNET_STRLEN];

		ike_sa_progress(sa, RC_LOG, "ModeCfg: an IPsec SA for the split network %s too",
				ip_subnet_str(&sa->ext->given->split[next], net));
		qm_start_for(sa, sa->conn, sa->this_end, NULL, 0, next, NULL);
	}
}

static void i_derived(struct ike_sa *sa)
{
	struct child_sa *c = qm_child(sa);

	if (!c || install(sa, c, i_installed) < 0)
		qm_fail(sa, RC_INTERNALERR, "cannot install the IPsec SA");
}

void v1_quick_i_kex(struct ike_sa *sa, struct ike_input *in)
{
	struct v1_qm *q = sa->v1->qm;
	struct kex_result *r = in->kex;

	if (!q->answered || r->status < 0 || r->gir_len > sizeof(q->gxy)) {
		qm_fail(sa, RC_CRYPTOFAILED,
			r->peer_refused ? "the responder's KE value is no public value of its group"
					: "the key exchange failed");
		return;
	}
	memcpy(q->gxy, r->gir, r->gir_len);
	q->gxy_len = r->gir_len;
	i_derived(sa);
}

/*
 * The IDs of a message (none, or IDci and IDcr): *ci and *cr. Returns 1
 * with both, 0 without, -EINVAL otherwise (one, more, or not selectors).
 */
static int read_ids(const struct v1_msg *m, struct ike_ts *ci, struct ike_ts *cr)
{
	int a = v1_msg_find(m, V1_PL_ID, 0), b;

	if (a < 0)
		return 0;
	b = v1_msg_find(m, V1_PL_ID, a + 1);
	if (b < 0 || v1_msg_find(m, V1_PL_ID, b + 1) >= 0)
		return -EINVAL;
	if (ts_of_id(&m->pl[a].u.id, ci) < 0 || ts_of_id(&m->pl[b].u.id, cr) < 0)
		return -EINVAL;
	return 1;
}

void v1_quick_i_r1(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;
	struct v1_state *s = sa->v1;
	struct v1_qm *q = s->qm;
	struct child_sa *c = qm_child(sa);
	const struct v1_payload *sap = v1_msg_get(m, V1_PL_SA), *np = v1_msg_get(m, V1_PL_NONCE);
	const struct v1_payload *kep = v1_msg_get(m, V1_PL_KE);
	const struct v1_sa *got;
	struct v1_p2_set set;
	struct v1_p2 chosen;
	struct ike_ts ci, cr;
	unsigned pi, ti;
	uint8_t mid[4];
	int ids;

	put_u32(mid, q->msgid);
	if (!q->sent || q->answered || !c ||
	    !hash_ok(sa, m, (struct iovec[]){ { mid, 4 }, { q->ni, q->ni_len } }, 2)) {
		v1_drop(sa->w, in->rx, "Quick Mode message 2 without a valid HASH(2)");
		return;
	}
	memcpy(q->iv, s->iv_next, s->block);
	memcpy(q->rx_digest, s->rx_digest, sizeof(q->rx_digest));
	v1_natt_follow(sa, in->rx);
	q->answered = true;
	timer_cancel(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &q->resend);
	got = sap->u.sa;
	if (got->nprop != 1 || got->prop[0].ntrans != 1 || got->prop[0].spi_size != 4 ||
	    p2_set(sa, c->conn, &set) < 0 || v1_p2_choose(&set, got, &chosen, &pi, &ti) < 0 ||
	    chosen.group != q->group || suite_of(&chosen, &c->suite) < 0) {
		qm_fail(sa, RC_FATAL, "the responder chose an ESP transform we did not offer");
		return;
	}
	if (np->u.blob.len < 8 || np->u.blob.len > sizeof(q->nr) || !kep != !q->group ||
	    (kep && kep->u.blob.len != crypto_ke_public_len(q->group))) {
		qm_fail(sa, RC_FATAL, "Quick Mode message 2: a bad nonce, or KE payload");
		return;
	}
	ids = read_ids(m, &ci, &cr);
	if (ids < 0 || (ids && (!ike_ts_within(&ci, &c->ts_local) ||
				!ike_ts_within(&cr, &c->ts_remote)))) {
		qm_fail(sa, RC_FATAL, "the responder's IDci/IDcr are not within what we proposed");
		return;
	}
	if (ids) {
		c->ts_local = ci;
		c->ts_remote = cr;
	}
	q->p2 = chosen;
	c->transport = v1_encap_is_transport(chosen.encap);
	c->encap = v1_natt_encap(sa);
	c->spi_out = v2_spi32_get(got->prop[0].spi);
	memcpy(q->nr, np->u.blob.data, np->u.blob.len);
	q->nr_len = np->u.blob.len;
	if (q->group) {
		memcpy(q->gxr, kep->u.blob.data, kep->u.blob.len);
		q->gxr_len = kep->u.blob.len;
		if (qm_kex(sa, q->gxr, q->gxr_len) < 0)
			qm_fail(sa, RC_CRYPTOFAILED, "cannot queue the key exchange");
		return;
	}
	i_derived(sa);
}

/* ---- responder ---- */

/*
 * Each exchange resends its last message with a timer of its own (500 ms,
 * doubling): the initiator message 1 until message 2 comes (for 60 s; then
 * only that exchange ends, qm_timeout()), the responder message 2 until
 * message 3 comes (a lost message 3 is sent again by the initiator when it
 * sees message 2 again; after 30 s the exchange ends and its IPsec SA,
 * installed but never acknowledged, is removed).
 */
static void qm_resend_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	/* armed only while its exchange lives (qm_release() cancels it) */
	struct v1_qm *q = qm_select(sa, caa_container_of(t, struct v1_qm, resend));
	bool ours = q->state == IKE_V1_QUICK_I1;
	uint64_t first = ours ? QM_REQ_FIRST_MS : QM_RESEND_FIRST_MS;
	uint64_t limit = ours ? QM_REQ_TIMEOUT_MS : QM_RESEND_TIMEOUT_MS;
	uint64_t elapsed, wait;

	if (!q->sent || !q->msg || (ours ? q->answered : q->state != IKE_V1_QUICK_R1))
		return;
	q->resends++;
	elapsed = first * ((1ull << q->resends) - 1);
	if (elapsed >= limit && ours) {
		qm_timeout(sa);	/* only the Quick Mode ends, as libreswan's */
		return;
	}
	if (elapsed >= limit) {
		log_limited(LOG_INFO, 10, "IKEv1 Quick Mode message 3 never came",
			    "#%llu: Quick Mode message 3 never came: deleting its IPsec SA",
			    (unsigned long long)sa->serial);
		qm_fail(sa, RC_LOG, "message 3 never came");
		return;
	}
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_TX_RETRANSMIT);
	v1_send_raw(sa, q->msg, q->msg_len);
	wait = first << q->resends;
	if (elapsed + wait > limit)
		wait = limit - elapsed;
	timer_arm(tw, t, ike_now(sa->w) + wait);
}

static void r_send_2(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v1_qm *q = qm_select(sa, v1_qm_of_child(sa->v1, c->serial));
	struct v1_sa *form;
	uint8_t spi[4];
	size_t len;
	int rc;

	if (!q || q->state != IKE_V1_QUICK_R1 || q->child != c->serial || q->sent)
		return;
	if (status < 0) {
		qm_fail(sa, RC_INTERNALERR, "installing the IPsec SA failed");
		return;
	}
	form = malloc(sizeof(*form));
	if (!form) {
		qm_fail(sa, RC_INTERNALERR, "out of memory");
		return;
	}
	/* the one transform chosen, under the initiator's numbers, with our SPI */
	v2_spi32_put(spi, c->spi_in);
	v1_sa_init(form);
	rc = v1_sa_add_proposal(form, q->proposal_num, V1_PROTO_ESP, spi, 4);
	rc = rc ? rc : v1_sa_add_transform(form, q->transform_num, q->p2.esp_id);
	rc = rc ? rc : v1_sa_add_basic(form, V1_P2_LIFE_TYPE, V1_LIFE_SECONDS);
	rc = rc ? rc : v1_sa_add_long(form, V1_P2_LIFE_DURATION, q->p2.life_s);
	if (!rc && q->group)
		rc = v1_sa_add_basic(form, V1_P2_GROUP, q->group);
	rc = rc ? rc : v1_sa_add_basic(form, V1_P2_ENCAPSULATION, q->p2.encap);
	if (!rc && q->p2.auth)
		rc = v1_sa_add_basic(form, V1_P2_AUTH_ALG, q->p2.auth);
	if (!rc && q->p2.key_bits)
		rc = v1_sa_add_basic(form, V1_P2_KEY_LENGTH, q->p2.key_bits);
	rc = rc ? rc : build_12(sa, c, form, &len);
	free(form);
	/* message 1 again gets this answer again (other messages may have come meanwhile) */
	memcpy(sa->v1->rx_digest, q->rx_digest, sizeof(q->rx_digest));
	if (rc || v1_send_answer(sa, len) < 0) {
		qm_fail(sa, RC_INTERNALERR, "cannot send Quick Mode message 2");
		return;
	}
	/* this exchange's own copy: the SA's last answer may soon be another exchange's */
	if (sa->resp)
		ike_sa_keep_msg(&q->msg, &q->msg_len, sa->resp, sa->resp_len);
	/*
	 * Both SAs are in the kernel: the IPsec SA is up from here, as an IKEv2
	 * responder's is before its IKE_AUTH answer (libreswan's QUICK_R1 has
	 * its inbound SA too). Message 3 only ends the exchange; without it
	 * the SA is deleted again (qm_resend_fire()).
	 */
	v2_child_established(sa, c);
	if (c->rekey_of) {
		struct child_sa *old = ike_child_find(sa, c->rekey_of);

		/*
		 * The old SA goes when the initiator deletes it (or at its end):
		 * our outbound SA of this one waits until then, or until ESP
		 * comes on its inbound SA (v2_child_install()).
		 */
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_CHILD_REKEYED);
		if (old)
			v2_child_supersede(old, c);
	}
	q->sent = true;
	q->resends = 0;
	timer_arm(&net_pool_worker(sa->w->d->pool, sa->w->index)->timers, &q->resend,
		  ike_now(sa->w) + QM_RESEND_FIRST_MS);
	ike_child_progress(sa, c, RC_LOG, "IPsec SA #%llu: sent QR1, expecting QI2",
			   (unsigned long long)c->serial);
}

static void r_derived(struct ike_sa *sa)
{
	struct child_sa *c = qm_child(sa);

	if (!c || install(sa, c, r_send_2) < 0)
		qm_fail(sa, RC_INTERNALERR, "cannot install the IPsec SA");
}

void v1_quick_r_kex(struct ike_sa *sa, struct ike_input *in)
{
	struct v1_qm *q = sa->v1->qm;
	struct kex_result *r = in->kex;

	if (q->sent || r->status < 0 || r->pub_len > sizeof(q->gxr) ||
	    r->gir_len > sizeof(q->gxy)) {
		qm_fail(sa, RC_CRYPTOFAILED,
			r->peer_refused ? "the initiator's KE value is no public value of its group"
					: "the key exchange failed");
		return;
	}
	memcpy(q->gxr, r->pub, r->pub_len);
	q->gxr_len = r->pub_len;
	memcpy(q->gxy, r->gir, r->gir_len);
	q->gxy_len = r->gir_len;
	r_derived(sa);
}

static void r_spi_done(struct ike_sa *sa, struct child_sa *c, int status)
{
	struct v1_qm *q = qm_select(sa, v1_qm_of_child(sa->v1, c->serial));

	if (!q || q->state != IKE_V1_QUICK_R1 || q->child != c->serial)
		return;
	if (status < 0) {
		qm_fail(sa, RC_INTERNALERR, "the kernel gave no SPI");
		return;
	}
	if (q->group) {
		if (qm_kex(sa, q->gxi, q->gxi_len) < 0)
			qm_fail(sa, RC_CRYPTOFAILED, "cannot queue the key exchange");
		return;
	}
	r_derived(sa);
}

/*
 * The connection a Quick Mode from the peer serves: the ISAKMP SA's, or
 * another one between the same ends and peer ID whose selectors fit IDci
 * and IDcr (a second connection between these hosts, as libreswan shares
 * its ISAKMP SA). Returns it in use (ike_conn_unuse()), or NULL.
 */
static struct connection *r_conn(struct ike_sa *sa, int ids, const struct ike_ts *ci,
				 const struct ike_ts *cr, uint8_t *end)
{
	struct ike_daemon *d = sa->w->d;
	struct ike_ts_set si = { .n = 1 }, sr = { .n = 1 };
	struct ike_ts tmp;
	struct connection *chosen, *fit;

	*end = sa->this_end;
	si.ts[0] = *ci;
	sr.ts[0] = *cr;
	if (ids <= 0 ||
	    (ike_ts_narrow(&si, sa->conn->ts[1 - sa->this_end], &tmp) == 0 &&
	     ike_ts_narrow(&sr, sa->conn->ts[sa->this_end], &tmp) == 0)) {
		ike_conn_use(sa->conn);
		return sa->conn;
	}
	chosen = ike_conn_for_ts(d, &sa->local, &sa->peer, sa->ext->id_remote, ike_sa_id_local(sa),
				 &si, &sr, end);
	if (!chosen || !(chosen->spec->policy & POL_IKEV1)) {
		if (chosen)
			ike_connection_unref(chosen);
		*end = sa->this_end;
		ike_conn_use(sa->conn);
		return sa->conn;	/* refused below with INVALID_ID_INFORMATION */
	}
	fit = ike_sa_client_conn(sa, chosen, *end);
	ike_connection_unref(chosen);
	return fit;
}

void v1_quick_r_i1(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;
	struct v1_state *s = sa->v1;
	struct connection *conn;
	uint8_t end;
	const struct v1_payload *sap = v1_msg_get(m, V1_PL_SA), *np = v1_msg_get(m, V1_PL_NONCE);
	const struct v1_payload *kep = v1_msg_get(m, V1_PL_KE);
	struct v1_p2_set *set = NULL;
	struct v1_p2 chosen;
	struct v2_suite suite;
	struct ike_ts ci, cr, tl, tr;
	struct ike_ts_set one = { .n = 1 };
	struct child_sa *c;
	struct v1_qm *q;
	unsigned pi, ti;
	uint8_t mid[4];
	int ids;

	put_u32(mid, m->hdr.msgid);
	if (s->qm || !hash_ok(sa, m, (struct iovec[]){ { mid, 4 } }, 1)) {
		v1_drop(sa->w, in->rx, "Quick Mode message 1 without a valid HASH(1)");
		return;
	}
	if (s->nqm >= V1_QM_MAX) {
		/* the peer retransmits it; one of the exchanges under way ends meanwhile */
		v1_drop(sa->w, in->rx, "Quick Mode message 1 while V1_QM_MAX exchanges are under way");
		return;
	}
	v1_natt_follow(sa, in->rx);
	/* IDci is the peer's client, IDcr ours; without them, the hosts (RFC 2409 5.5) */
	memset(&ci, 0, sizeof(ci));
	memset(&cr, 0, sizeof(cr));
	ids = read_ids(m, &ci, &cr);
	if (ids == 0) {
		ci = ike_ts_from_subnet(&(struct ip_subnet){ sa->peer, sa->peer.af == AF_INET ? 32 : 128 },
					0, 0);
		cr = ike_ts_from_subnet(&(struct ip_subnet){ sa->local,
							      sa->local.af == AF_INET ? 32 : 128 },
					0, 0);
	}
	conn = r_conn(sa, ids, &ci, &cr, &end);
	if (!conn) {
		v1_drop(sa->w, in->rx, "Quick Mode message 1: out of memory for its connection");
		return;
	}
	set = malloc(sizeof(*set));
	if (!set || p2_set(sa, conn, set) < 0 ||
	    v1_p2_choose(set, sap->u.sa, &chosen, &pi, &ti) < 0 || suite_of(&chosen, &suite) < 0 ||
	    chosen.group != pfs_group(sa, conn) || !kep != !chosen.group ||
	    (kep && kep->u.blob.len != crypto_ke_public_len(chosen.group))) {
		free(set);
		log_limited(LOG_INFO, 10, "IKEv1 Quick Mode: no acceptable proposal",
			    "\"%s\" #%llu: Quick Mode: no acceptable ESP proposal (or PFS mismatch)",
			    conn->spec->name, (unsigned long long)sa->serial);
		if (v1_send_notify(sa, in->rx, V1N_NO_PROPOSAL_CHOSEN) == 0)
			counters_inc(sa->w->d->ctr, sa->w->index, IKEC_NO_PROPOSAL_SENT);
		v1_drop(sa->w, in->rx, "Quick Mode message 1: no acceptable proposal");
		goto out;
	}
	free(set);
	if (np->u.blob.len < 8 || np->u.blob.len > V1_NONCE_MAX) {
		v1_drop(sa->w, in->rx, "Quick Mode message 1: a nonce of a bad length");
		goto out;
	}
	one.ts[0] = ci;
	/* a Mode Config client's IDci must be the address it was leased */
	struct ike_ts peer_ts = ike_connection_has_pool(conn, (uint8_t)(1 - end))
					? ike_conn_remote_ts_sa(conn, end, &sa->peer,
								ike_sa_lease(sa))
					: *conn->ts[1 - end];
	if (ids < 0 || ike_ts_narrow(&one, &peer_ts, &tr) < 0) {
		v1_send_notify(sa, in->rx, V1N_INVALID_ID_INFORMATION);
		v1_drop(sa->w, in->rx, "Quick Mode message 1: IDci is not the peer's client");
		goto out;
	}
	one.ts[0] = cr;
	if (ike_ts_narrow(&one, conn->ts[end], &tl) < 0) {
		v1_send_notify(sa, in->rx, V1N_INVALID_ID_INFORMATION);
		v1_drop(sa->w, in->rx, "Quick Mode message 1: IDcr is not our client");
		goto out;
	}
	/* the selectors of an IPsec SA we have: the peer rekeys it (make before break) */
	struct child_sa *old = NULL;
	for (struct child_sa *o = sa->children; o; o = o->next)
		if (o->conn == conn && o->state == CHILD_INSTALLED && !o->superseded &&
		    !o->lingering && ike_ts_equal(&o->ts_local, &tl) &&
		    ike_ts_equal(&o->ts_remote, &tr))
			old = o;
	q = qm_new(sa, IKE_V1_QUICK_R1, m->hdr.msgid);
	c = q ? ike_child_new(sa, conn, end) : NULL;
	if (!c) {
		v1_qm_free(sa);
		v1_drop(sa->w, in->rx, "out of memory for Quick Mode");
		goto out;
	}
	memcpy(q->iv, s->iv_next, s->block);
	memcpy(q->rx_digest, s->rx_digest, sizeof(q->rx_digest));
	q->child = c->serial;
	q->p2 = chosen;
	q->group = chosen.group;
	q->has_ids = ids > 0;
	q->proposal_num = sap->u.sa->prop[pi].num;
	q->transform_num = sap->u.sa->trans[ti].num;
	c->we_initiated = false;
	c->suite = suite;
	c->transport = v1_encap_is_transport(chosen.encap);
	c->encap = v1_natt_encap(sa);
	c->ts_local = tl;
	c->ts_remote = tr;
	c->spi_out = v2_spi32_get(sap->u.sa->prop[pi].spi);
	if (old) {
		old->rekeying = true;
		c->rekey_of = old->serial;
		c->reqid = old->reqid;
	}
	memcpy(q->ni, np->u.blob.data, np->u.blob.len);
	q->ni_len = np->u.blob.len;
	q->nr_len = QM_NONCE_LEN;
	crypto_random(q->nr, q->nr_len);
	if (kep) {
		memcpy(q->gxi, kep->u.blob.data, kep->u.blob.len);
		q->gxi_len = kep->u.blob.len;
	}
	if (v2_child_alloc_spi(sa, c, r_spi_done) < 0)
		qm_fail(sa, RC_INTERNALERR, "cannot ask the kernel for an SPI");
out:
	ike_conn_unuse(&sa->w->d->insts, conn);
}

void v1_quick_r_i2(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_msg *m = in->v1m;
	struct v1_state *s = sa->v1;
	struct v1_qm *q = s->qm;
	struct child_sa *c = qm_child(sa);
	const struct v1_blob *h = &m->pl[0].u.blob;
	uint8_t want[CRYPTO_V1_PRF_MAX];
	bool ok;

	if (!q->sent || !c || m->npl != 1 || h->len != s->prf_len || hash3(sa, want) < 0) {
		v1_drop(sa->w, in->rx, "Quick Mode message 3 out of place");
		return;
	}
	ok = crypto_memeq(want, h->data, h->len);
	crypto_wipe(want, sizeof(want));
	if (!ok) {
		v1_drop(sa->w, in->rx, "Quick Mode message 3 without a valid HASH(3)");
		return;
	}
	q->state = IKE_V1_QUICK_R2;
	ike_child_progress(sa, c, RC_LOG, "IPsec SA #%llu: Quick Mode message 3 came, QR2",
			   (unsigned long long)c->serial);
	v1_qm_free(sa);
}

/* ---- Delete of IPsec SAs (RFC 2409 5.7; RFC 2408 3.15: the SPIs are the sender's inbound) ---- */

void v1_child_delete_tell_peer(struct ike_sa *sa, struct child_sa *c)
{
	if (!c->spi_in || c->kernel_released || c->state != CHILD_INSTALLED ||
	    c->v1_retire == CHILD_V1_IN_ONLY || !ike_state_info(sa->state)->established)
		return;	/* (IN_ONLY: its Delete went already) */
	if (v1_send_delete(sa, V1_PROTO_ESP, c->spi_in) == 0)
		ike_child_progress(sa, c, RC_LOG, "sent an IKEv1 Delete of IPsec SA #%llu (0x%08x)",
				   (unsigned long long)c->serial, c->spi_in);
}

void v1_child_delete_received(struct ike_sa *sa, const uint8_t *spis, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t spi = v2_spi32_get(spis + 4 * i);
		struct child_sa *c;

		/*
		 * RFC 2408 3.15 leaves open whose SPI it is: the sender's inbound
		 * (ours outbound) as libreswan and we send it, or the other.
		 */
		for (c = sa->children; c; c = c->next)
			if (c->spi_out == spi && c->state == CHILD_INSTALLED)
				break;
		for (struct child_sa *o = c ? NULL : sa->children; o; o = o->next)
			if (o->spi_in == spi && o->state == CHILD_INSTALLED)
				c = o;
		if (!c) {
			dbg(DBG_BASE, "#%llu: a Delete of IPsec SA 0x%08x we do not have",
			    (unsigned long long)sa->serial, spi);
			continue;
		}
		ike_child_progress(sa, c, RC_LOG,
				   "received Delete SA(0x%08x) payload: deleting IPsec SA #%llu", spi,
				   (unsigned long long)c->serial);
		c->rekeying = true;
		if (v2_child_linger(sa, c))
			continue;	/* rekeyed: its heir took over, its inbound SA lingers */
		ike_child_unlink_free(sa, c);
	}
}
