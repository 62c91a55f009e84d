/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RFC 7383 on an IKE SA: announcing, cutting and taking in fragments.
 */
#include "ike/v2/frag_sa.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/dbg.h"
#include "ike/v2/frag.h"
#include "ike/v2/io.h"
#include "util/log.h"

static enum conn_frag policy(const struct ike_sa *sa)
{
	return sa->conn ? sa->conn->spec->fragmentation : FRAG_YES;
}

/*
 * RFC 7383 2.3: the initiator announces; the responder answers with the
 * notify only when the initiator sent one.
 */
void v2_frag_init_payloads(struct ike_sa *sa, struct v2_build *b)
{
	struct v2_notification n = { .type = V2N_IKEV2_FRAGMENTATION_SUPPORTED };

	if (policy(sa) == FRAG_NO)
		return;
	if (!sa->initiator && !sa->frag)
		return;
	v2_build_notify(b, &n);
}

void v2_frag_init_note(struct ike_sa *sa, const struct v2_msg *m)
{
	bool peer = v2_msg_notify(m, V2N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;

	switch (policy(sa)) {
	case FRAG_NO:
		sa->frag = false;
		break;
	case FRAG_FORCE:
		sa->frag = true;
		break;
	default:
		sa->frag = peer;
		break;
	}
}

size_t v2_frag_limit(const struct ike_sa *sa)
{
	size_t ip = sa->peer.af == AF_INET6 ? V2_FRAG_IPV6_DGRAM - 40 : V2_FRAG_IPV4_DGRAM - 20;

	return ip - 8 - (sa->natt ? 4 : 0);
}

bool v2_frag_wanted(const struct ike_sa *sa, size_t total)
{
	return sa->frag && total > v2_frag_limit(sa);
}

int v2_frag_seal(struct ike_sa *sa, const uint8_t *buf, const struct v2_sk_layout *lay,
		 const struct v2_sk_sizes *sz, size_t *len)
{
	struct ike_worker *w = sa->w;
	struct v2_frag_plan plan;
	struct v2_hdr h;
	size_t inner_len, max = v2_frag_limit(sa), off = 0;
	uint8_t pad, first;
	int rc;

	if (lay->pt_len < 1 || lay->iv_off < V2_GEN_HDR_SIZE)
		return -EINVAL;
	pad = buf[lay->pt_off + lay->pt_len - 1];
	if ((size_t)pad + 1 > lay->pt_len)
		return -EINVAL;
	inner_len = lay->pt_len - 1 - pad;
	first = buf[lay->iv_off - V2_GEN_HDR_SIZE];
	rc = v2_hdr_decode(buf, lay->total, &h);
	if (rc < 0)
		return rc;
	if (inner_len > V2_FRAG_BYTES_MAX)
		return -EMSGSIZE;
	memcpy(w->frag_out, buf + lay->pt_off, inner_len);
	/* Too many fragments at the path's size: larger ones rather than none (2.5.1). */
	while ((rc = v2_frag_plan(inner_len, max, sz, &plan)) == -EMSGSIZE && max < V2_MSG_MAX)
		max *= 2;
	if (rc < 0)
		return rc;
	for (uint16_t num = 1; num <= plan.total; num++) {
		struct v2_sk_layout fl;
		uint8_t *p = w->txbuf + off;

		rc = v2_frag_build(p, V2_TXBUF + V2_FRAG_SLACK - off, &h, first, w->frag_out,
				   inner_len, &plan, num, sz, &fl);
		if (rc < 0)
			goto out;
		rc = crypto_sk_seal(sa->keys->out, p, fl.aad_len, p + fl.iv_off, p + fl.pt_off,
				    fl.pt_len, p + fl.icv_off);
		if (rc < 0)
			goto out;
		off += fl.total;
	}
	counters_add(w->d->ctr, w->index, IKEC_FRAG_SENT, plan.total);
	dbg(DBG_BASE, "#%llu: %zu-byte message sent in %u fragments of at most %zu bytes",
	    (unsigned long long)sa->serial, lay->total, plan.total, max);
	*len = off;
	rc = 0;
out:
	explicit_bzero(w->frag_out, inner_len);
	return rc;
}

static void account(struct ike_sa *sa, size_t before)
{
	struct ike_worker *w = sa->w;
	size_t now = sa->ext && sa->ext->reasm ? sa->ext->reasm->bytes : 0;

	w->frag_bytes = w->frag_bytes + now - before;
}

static int bad(struct ike_sa *sa)
{
	counters_inc(sa->w->d->ctr, sa->w->index, IKEC_FRAG_BAD);
	return -EBADMSG;
}

int v2_frag_take(struct ike_sa *sa, uint8_t *buf, const struct v2_msg *m, uint8_t **plain,
		 size_t *plain_len, uint8_t *first)
{
	struct ike_worker *w = sa->w;
	size_t ivlen = crypto_sk_iv_len(sa->keys->in), icvlen = crypto_sk_icv_len(sa->keys->in);
	struct ike_sa_ext *x;
	size_t before;
	enum v2_frag_verdict v;
	int n;

	if (!sa->frag || !m->is_frag || m->sk.enc_len < ivlen + icvlen + 1)
		return bad(sa);
	uint8_t *iv = buf + m->sk.enc_off;
	uint8_t *ct = iv + ivlen;
	size_t ctlen = m->sk.enc_len - ivlen - icvlen;
	/* 2.6: each fragment is authenticated before anything of it is kept. */
	n = crypto_sk_open(sa->keys->in, buf, m->sk.aad_len, iv, ct, ctlen, ct + ctlen);
	if (n < 0) {
		counters_inc(w->d->ctr, w->index, IKEC_RX_BAD_ICV);
		return bad(sa);
	}
	/* The reassembly lives in the ext, which a half-open SA gets with its IKE_AUTH request. */
	x = ike_sa_ext_get(sa);
	if (x && !x->reasm) {
		x->reasm = malloc(sizeof(*x->reasm));
		if (x->reasm)
			v2_frag_reasm_init(x->reasm);
	}
	if (!x || !x->reasm) {
		counters_inc(w->d->ctr, w->index, IKEC_FRAG_NOMEM);
		return -ENOBUFS;
	}
	if (w->frag_bytes + (size_t)n > V2_FRAG_WORKER_BYTES) {
		counters_inc(w->d->ctr, w->index, IKEC_FRAG_NOMEM);
		return -ENOBUFS;
	}
	before = x->reasm->bytes;
	v = v2_frag_add(x->reasm, m->hdr.msgid, m->sk.frag_num, m->sk.frag_total, m->sk.first, ct,
			(size_t)n);
	account(sa, before);
	switch (v) {
	case V2_FRAG_HELD:
		counters_inc(w->d->ctr, w->index, IKEC_FRAG_RECEIVED);
		return -EINPROGRESS;
	case V2_FRAG_DUP:
	case V2_FRAG_STALE:
		return -EINPROGRESS;
	case V2_FRAG_NOMEM:
		counters_inc(w->d->ctr, w->index, IKEC_FRAG_NOMEM);
		return -ENOBUFS;
	case V2_FRAG_BAD:
		return bad(sa);
	case V2_FRAG_DONE:
		break;
	}
	counters_inc(w->d->ctr, w->index, IKEC_FRAG_RECEIVED);
	before = x->reasm->bytes;
	n = v2_frag_assemble(x->reasm, w->frag_in, V2_FRAG_BYTES_MAX, plain_len, first);
	account(sa, before);
	v2_frag_sa_free(sa);
	if (n < 0)
		return bad(sa);
	*plain = w->frag_in;
	counters_inc(w->d->ctr, w->index, IKEC_FRAG_REASSEMBLED);
	dbg(DBG_BASE, "#%llu: message %u reassembled from %u fragments (%zu bytes)",
	    (unsigned long long)sa->serial, m->hdr.msgid, m->sk.frag_total, *plain_len);
	return 0;
}

void v2_frag_sa_free(struct ike_sa *sa)
{
	struct ike_sa_ext *x = sa->ext;

	if (!x || !x->reasm)
		return;
	sa->w->frag_bytes -= x->reasm->bytes;
	v2_frag_reasm_reset(x->reasm);
	free(x->reasm);
	x->reasm = NULL;
}
