/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_IKE_V2_SAMPLE_H
#define SKUA_TESTS_IKE_V2_SAMPLE_H

/*
 * Canned IKEv2 payloads and messages for the codec, rules and fragment
 * tests: a message is described as a list of payload types, each
 * filled with a plausible body. "Encryption" is the identity, so a test
 * can open its own SK payloads.
 */
#include <string.h>

#include "ike/v2/build.h"
#include "ike/v2/msg.h"
#include "ike/v2/rules.h"

enum { SAMPLE_CAP = 16384 };

static const struct v2_sk_sizes sample_sizes = { .iv = 16, .block = 16, .icv = 16 };

static const uint8_t sample_spii[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t sample_spir[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };

static inline void sample_hdr(struct v2_hdr *h, uint8_t exchange, bool response)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spii, sample_spii, 8);
	if (exchange != V2_IKE_SA_INIT || response)
		memcpy(h->spir, sample_spir, 8);
	h->major = 2;
	h->exchange = exchange;
	h->flags = response ? V2_FLAG_RESPONSE : V2_FLAG_INITIATOR;
	h->msgid = exchange == V2_IKE_SA_INIT ? 0 : 1;
}

static inline void sample_trans(struct v2_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct v2_transform *t = &p->trans[p->ntrans++];

	t->type = type;
	t->id = id;
	t->keylen = keylen;
}

/* sa_rule: enum v2_sa_rule; a response carries one proposal, numbered 2. */
static inline void sample_sa(struct v2_sa *sa, int sa_rule, bool response)
{
	memset(sa, 0, sizeof(*sa));
	for (unsigned i = 0; i < 2; i++) {
		struct v2_proposal *p = &sa->props[i];

		p->num = (uint8_t)(i + 1);
		if (sa_rule == V2_SA_CHILD) {
			p->protocol = V2_PROTO_ESP;
			p->spi_size = 4;
			memcpy(p->spi, "\xc1\xc2\xc3\xc4", 4);
			if (i == 0) {
				sample_trans(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
			} else {
				sample_trans(p, V2_TRANS_ENCR, V2_ENCR_AES_CBC, 128);
				sample_trans(p, V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, 0);
			}
			sample_trans(p, V2_TRANS_ESN, V2_ESN_NO, 0);
		} else {
			p->protocol = V2_PROTO_IKE;
			p->spi_size = sa_rule == V2_SA_IKE_REKEY ? 8 : 0;
			memcpy(p->spi, "\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8", p->spi_size);
			if (i == 0) {
				sample_trans(p, V2_TRANS_ENCR, V2_ENCR_AES_CBC, 256);
				sample_trans(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
				sample_trans(p, V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, 0);
				sample_trans(p, V2_TRANS_DH, V2_DH_ECP256, 0);
				sample_trans(p, V2_TRANS_DH, V2_DH_MODP2048, 0);
			} else {
				sample_trans(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 128);
				sample_trans(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_512, 0);
				sample_trans(p, V2_TRANS_DH, V2_DH_CURVE25519, 0);
			}
		}
	}
	sa->nprops = 2;
	if (response) {
		sa->props[0] = sa->props[1];
		sa->nprops = 1;
	}
}

static const uint8_t sample_blob[4096] = { [0 ... 4095] = 0x5a };

static inline void sample_ts(struct v2_ts *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->n = 2;
	ts->ts[0].type = V2_TS_IPV4_ADDR_RANGE;
	ts->ts[0].eport = 65535;
	memcpy(ts->ts[0].start, "\x0a\x00\x00\x00", 4);
	memcpy(ts->ts[0].end, "\x0a\x00\x00\xff", 4);
	ts->ts[1].type = V2_TS_IPV6_ADDR_RANGE;
	ts->ts[1].ipproto = 17;
	ts->ts[1].sport = 500;
	ts->ts[1].eport = 4500;
	memset(ts->ts[1].end, 0xff, 16);
}

static const uint8_t sample_eap_msg[] = { V2_EAP_RESPONSE, 7, 0, 9, 1, 'u', 's', 'e', 'r' };

/* Append one canned payload of type; sa_rule picks the SA payload's shape. */
static inline int sample_payload(struct v2_build *b, uint8_t type, int sa_rule, bool response)
{
	static struct v2_sa sa;
	struct v2_ts ts;

	switch (type) {
	case V2_PL_SA:
		sample_sa(&sa, sa_rule, response);
		return v2_build_sa(b, &sa);
	case V2_PL_KE:
		return v2_build_ke(b, &(struct v2_ke){ .group = V2_DH_ECP256, .len = 64,
						       .data = sample_blob });
	case V2_PL_NONCE:
		return v2_build_nonce(b, &(struct v2_nonce){ .len = 32, .data = sample_blob });
	case V2_PL_NOTIFY:
		return v2_build_notify(b, &(struct v2_notification){
			.type = V2N_NAT_DETECTION_SOURCE_IP, .len = 20, .data = sample_blob });
	case V2_PL_VENDOR:
		return v2_build_vendor(b, &(struct v2_vendor){ .len = 16, .data = sample_blob });
	case V2_PL_CERTREQ:
		return v2_build_certreq(b, &(struct v2_cert){ .encoding = V2_CERT_X509_SIG,
							      .len = 20, .data = sample_blob });
	case V2_PL_CERT:
		return v2_build_cert(b, &(struct v2_cert){ .encoding = V2_CERT_X509_SIG,
							   .len = 300, .data = sample_blob });
	case V2_PL_IDI:
	case V2_PL_IDR:
		return v2_build_id(b, type, &(struct v2_id){
			.type = V2_ID_FQDN, .len = 14, .data = (const uint8_t *)"gw.example.net" });
	case V2_PL_AUTH:
		return v2_build_auth(b, &(struct v2_auth){ .method = V2_AUTH_PSK, .len = 32,
							   .data = sample_blob });
	case V2_PL_TSI:
	case V2_PL_TSR:
		sample_ts(&ts);
		return v2_build_ts(b, type, &ts);
	case V2_PL_CP: {
		static struct v2_cp cp;

		memset(&cp, 0, sizeof(cp));
		cp.type = response ? V2_CFG_REPLY : V2_CFG_REQUEST;
		cp.nattrs = 2;
		cp.attrs[0].type = V2_CFG_INTERNAL_IP4_ADDRESS;
		cp.attrs[1].type = V2_CFG_INTERNAL_IP4_DNS;
		if (response) {
			cp.attrs[0].len = cp.attrs[1].len = 4;
			cp.attrs[0].value = (const uint8_t *)"\x0a\x00\x00\x07";
			cp.attrs[1].value = (const uint8_t *)"\x0a\x00\x00\x01";
		}
		return v2_build_cp(b, &cp);
	}
	case V2_PL_DELETE:
		return v2_build_delete(b, &(struct v2_delete){ .protocol = V2_PROTO_ESP,
							       .spi_size = 4, .nspi = 2,
							       .spis = sample_blob });
	case V2_PL_EAP:
		return v2_build_eap(b, &(struct v2_eap){ .msg = sample_eap_msg,
							 .len = sizeof(sample_eap_msg) });
	default:
		return v2_build_raw(b, type, false, sample_blob, 8);
	}
}

/*
 * A whole message: types[] outside SK when sk is false, inside it
 * otherwise. Returns the length or a negative errno.
 */
static inline long sample_msg(uint8_t *buf, size_t cap, uint8_t exchange, bool response,
			      const uint8_t *types, size_t n, bool sk, int sa_rule)
{
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sk_layout lay;
	size_t len;
	int rc;

	sample_hdr(&h, exchange, response);
	v2_build_init(&b, buf, cap, &h);
	if (sk)
		v2_build_sk_begin(&b, sample_sizes.iv);
	for (size_t i = 0; i < n; i++)
		sample_payload(&b, types[i], sa_rule, response);
	if (sk) {
		rc = v2_build_sk_end(&b, &sample_sizes, &lay);
		len = lay.total;
	} else {
		rc = v2_build_finish(&b, &len);
	}
	return rc ? rc : (long)len;
}

/* The plaintext inner chain of a decoded SK message ("decrypt": drop IV, ICV, padding). */
static inline int sample_plain(const struct v2_msg *m, const struct v2_sk_sizes *sz,
			       const uint8_t **plain, size_t *len)
{
	const uint8_t *pt = m->buf + m->sk.enc_off + sz->iv;
	size_t pt_len;

	if (m->sk.enc_len < (size_t)sz->iv + sz->icv + 1)
		return -1;
	pt_len = m->sk.enc_len - sz->iv - sz->icv;
	if ((size_t)pt[pt_len - 1] + 1 > pt_len)
		return -1;
	*plain = pt;
	*len = pt_len - pt[pt_len - 1] - 1;
	return 0;
}

/* Decode a message and, with SK, its inner chain. */
static inline int sample_open(const uint8_t *buf, size_t len, struct v2_msg *m)
{
	const uint8_t *plain;
	size_t plen;
	int rc = v2_msg_decode(buf, len, m);

	if (rc || !m->has_sk)
		return rc;
	if (sample_plain(m, &sample_sizes, &plain, &plen))
		return -1;
	return v2_inner_decode(m->sk.first, plain, plen, m);
}

#endif
