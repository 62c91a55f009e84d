/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ike/v2/build.h"
#include "ike/v2/msg.h"
#include "ike/v2/payloads.h"
#include "v2_sample.h"

TestSuite(v2_codec, .timeout = 30);

static struct v2_msg m;			/* large: off the stack */
static uint8_t buf[SAMPLE_CAP];

Test(v2_codec, header_round_trip_and_checks)
{
	struct v2_hdr h, d;
	struct wbuf b = wbuf_make(buf, sizeof(buf));

	sample_hdr(&h, V2_IKE_AUTH, true);
	h.minor = 3;
	h.msgid = 0x01020304;
	h.next = V2_PL_SK;
	h.length = V2_HDR_SIZE;
	cr_assert_eq(v2_hdr_encode(&b, &h), 0);
	cr_assert_eq(b.len, V2_HDR_SIZE);
	cr_assert_eq(v2_hdr_decode(buf, b.len, &d), 0);
	cr_assert_arr_eq(d.spii, h.spii, 8);
	cr_assert_arr_eq(d.spir, h.spir, 8);
	cr_assert_eq(d.next, V2_PL_SK);
	cr_assert_eq(d.major, 2);
	cr_assert_eq(d.minor, 3);
	cr_assert_eq(d.exchange, V2_IKE_AUTH);
	cr_assert_eq(d.flags, V2_FLAG_RESPONSE);
	cr_assert_eq(d.msgid, 0x01020304);
	cr_assert_eq(d.length, V2_HDR_SIZE);
	cr_assert(v2_hdr_is_response(&d));
	cr_assert_not(v2_hdr_is_initiator(&d));

	/* short, and a Length that is not the datagram's */
	cr_assert_eq(v2_hdr_decode(buf, V2_HDR_SIZE - 1, &d), -EBADMSG);
	buf[V2_HDR_SIZE] = 0;
	cr_assert_eq(v2_hdr_decode(buf, V2_HDR_SIZE + 1, &d), -EBADMSG);
	/* version 3.0: its own error, header still filled in */
	buf[17] = 0x30;
	cr_assert_eq(v2_hdr_decode(buf, V2_HDR_SIZE, &d), -EPROTONOSUPPORT);
	cr_assert_eq(d.major, 3);
	cr_assert_eq(v2_msg_decode(buf, V2_HDR_SIZE, &m), -EPROTONOSUPPORT);
	cr_assert_eq(m.notify, V2N_INVALID_MAJOR_VERSION);
}

Test(v2_codec, sa_init_request_round_trip)
{
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sa sa;
	uint8_t ke[64], ni[32], vid[16];
	size_t len;

	for (unsigned i = 0; i < sizeof(ke); i++)
		ke[i] = (uint8_t)i;
	memset(ni, 0x33, sizeof(ni));
	memcpy(vid, "skua-vendor-id-1", 16);
	sample_hdr(&h, V2_IKE_SA_INIT, false);
	sample_sa(&sa, V2_SA_IKE_NEW, false);

	cr_assert_eq(v2_build_init(&b, buf, sizeof(buf), &h), 0);
	cr_assert_eq(v2_build_sa(&b, &sa), 0);
	cr_assert_eq(v2_build_ke(&b, &(struct v2_ke){ .group = 19, .len = 64, .data = ke }), 0);
	cr_assert_eq(v2_build_nonce(&b, &(struct v2_nonce){ .len = 32, .data = ni }), 0);
	cr_assert_eq(v2_build_notify(&b, &(struct v2_notification){
			     .type = V2N_NAT_DETECTION_SOURCE_IP, .len = 20, .data = ni }), 0);
	cr_assert_eq(v2_build_notify(&b, &(struct v2_notification){
			     .type = V2N_IKEV2_FRAGMENTATION_SUPPORTED }), 0);
	cr_assert_eq(v2_build_vendor(&b, &(struct v2_vendor){ .len = 16, .data = vid }), 0);
	cr_assert_eq(v2_build_finish(&b, &len), 0);

	cr_assert_eq(v2_msg_decode(buf, len, &m), 0, "%s", m.why);
	cr_assert_eq(m.hdr.length, len);
	cr_assert_eq(m.hdr.next, V2_PL_SA);
	cr_assert_eq(m.npl, 6);
	cr_assert_not(m.has_sk);
	cr_assert_eq(m.count[V2_PL_NOTIFY], 2);

	const struct v2_sa *d = m.pl[0].u.sa;

	cr_assert_eq(m.pl[0].type, V2_PL_SA);
	cr_assert_eq(d->nprops, sa.nprops);
	for (unsigned i = 0; i < sa.nprops; i++) {
		cr_assert_eq(d->props[i].num, sa.props[i].num);
		cr_assert_eq(d->props[i].protocol, V2_PROTO_IKE);
		cr_assert_eq(d->props[i].spi_size, 0);
		cr_assert_eq(d->props[i].ntrans, sa.props[i].ntrans);
		for (unsigned j = 0; j < sa.props[i].ntrans; j++) {
			cr_assert_eq(d->props[i].trans[j].type, sa.props[i].trans[j].type);
			cr_assert_eq(d->props[i].trans[j].id, sa.props[i].trans[j].id);
			cr_assert_eq(d->props[i].trans[j].keylen, sa.props[i].trans[j].keylen);
		}
	}
	cr_assert_eq(d->props[0].trans[0].keylen, 256);
	cr_assert_eq(m.pl[1].u.ke.group, 19);
	cr_assert_eq(m.pl[1].u.ke.len, 64);
	cr_assert_arr_eq(m.pl[1].u.ke.data, ke, 64);
	cr_assert_eq(m.pl[2].u.nonce.len, 32);
	cr_assert_arr_eq(m.pl[2].u.nonce.data, ni, 32);
	cr_assert_eq(m.pl[3].u.notify.type, V2N_NAT_DETECTION_SOURCE_IP);
	cr_assert_eq(m.pl[3].u.notify.len, 20);
	cr_assert_eq(m.pl[4].u.notify.len, 0);
	cr_assert_not_null(v2_msg_notify(&m, V2N_IKEV2_FRAGMENTATION_SUPPORTED));
	cr_assert_null(v2_msg_notify(&m, V2N_COOKIE));
	cr_assert_arr_eq(m.pl[5].u.vendor.data, vid, 16);
	cr_assert_eq(v2_msg_find(&m, V2_PL_NOTIFY, 0), 3);
	cr_assert_eq(v2_msg_find(&m, V2_PL_NOTIFY, 4), 4);
	cr_assert_eq(v2_msg_find(&m, V2_PL_NOTIFY, 5), -1);
	/* nothing points outside the datagram */
	for (unsigned i = 0; i < m.npl; i++)
		cr_assert(m.pl[i].body >= buf && m.pl[i].body + m.pl[i].len <= buf + len);
}

Test(v2_codec, auth_request_in_sk_round_trip)
{
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sa sa;
	struct v2_ts tsi, tsr;
	struct v2_cp cp = { .type = V2_CFG_REQUEST, .nattrs = 2 };
	struct v2_sk_layout lay;
	uint8_t cert[700];
	const uint8_t *plain;
	size_t plen;

	memset(cert, 0x30, sizeof(cert));
	sample_hdr(&h, V2_IKE_AUTH, false);
	sample_sa(&sa, V2_SA_CHILD, false);
	sample_ts(&tsi);
	sample_ts(&tsr);
	tsr.n = 1;
	tsr.ts[0].sport = 65535;	/* OPAQUE */
	tsr.ts[0].eport = 0;
	cp.attrs[0].type = V2_CFG_INTERNAL_IP4_ADDRESS;
	cp.attrs[1].type = V2_CFG_INTERNAL_IP6_ADDRESS;

	cr_assert_eq(v2_build_init(&b, buf, sizeof(buf), &h), 0);
	cr_assert_eq(v2_build_sk_begin(&b, 16), 0);
	cr_assert_eq(v2_build_id(&b, V2_PL_IDI, &(struct v2_id){
			     .type = V2_ID_RFC822_ADDR, .len = 16,
			     .data = (const uint8_t *)"user@example.net" }), 0);
	cr_assert_eq(v2_build_cert(&b, &(struct v2_cert){ .encoding = V2_CERT_X509_SIG,
							   .len = sizeof(cert), .data = cert }), 0);
	cr_assert_eq(v2_build_certreq(&b, &(struct v2_cert){ .encoding = V2_CERT_X509_SIG }), 0);
	cr_assert_eq(v2_build_id(&b, V2_PL_IDR, &(struct v2_id){
			     .type = V2_ID_IPV4_ADDR, .len = 4,
			     .data = (const uint8_t *)"\xc0\x00\x02\x01" }), 0);
	cr_assert_eq(v2_build_auth(&b, &(struct v2_auth){ .method = V2_AUTH_DIGITAL_SIG,
							   .len = 256, .data = sample_blob }), 0);
	cr_assert_eq(v2_build_cp(&b, &cp), 0);
	cr_assert_eq(v2_build_sa(&b, &sa), 0);
	cr_assert_eq(v2_build_ts(&b, V2_PL_TSI, &tsi), 0);
	cr_assert_eq(v2_build_ts(&b, V2_PL_TSR, &tsr), 0);
	cr_assert_eq(v2_build_notify(&b, &(struct v2_notification){
			     .type = V2N_INITIAL_CONTACT }), 0);
	cr_assert_eq(v2_build_notify(&b, &(struct v2_notification){
			     .type = V2N_REKEY_SA, .protocol = V2_PROTO_ESP, .spi_size = 4,
			     .spi = { 0xde, 0xad, 0xbe, 0xef } }), 0);
	cr_assert_eq(v2_build_sk_end(&b, &sample_sizes, &lay), 0);

	/* the layout: AAD through the SK header, IV, block-aligned plaintext, ICV last */
	cr_assert_eq(lay.aad_len, V2_HDR_SIZE + 4);
	cr_assert_eq(lay.iv_off, lay.aad_len);
	cr_assert_eq(lay.iv_len, 16);
	cr_assert_eq(lay.pt_off, lay.iv_off + 16);
	cr_assert_eq(lay.pt_len % 16, 0);
	cr_assert_eq(lay.icv_off, lay.pt_off + lay.pt_len);
	cr_assert_eq(lay.icv_off + 16, lay.total);

	cr_assert_eq(v2_msg_decode(buf, lay.total, &m), 0, "%s", m.why);
	cr_assert(m.has_sk);
	cr_assert_not(m.is_frag);
	cr_assert_eq(m.npl, 1);
	cr_assert_eq(m.sk.hdr_off, V2_HDR_SIZE);
	cr_assert_eq(m.sk.aad_len, lay.aad_len);
	cr_assert_eq(m.sk.enc_off, lay.iv_off);
	cr_assert_eq(m.sk.enc_len, lay.total - lay.iv_off);
	cr_assert_eq(m.sk.first, V2_PL_IDI);

	cr_assert_eq(sample_plain(&m, &sample_sizes, &plain, &plen), 0);
	cr_assert_eq(v2_inner_decode(m.sk.first, plain, plen, &m), 0, "%s", m.why);
	cr_assert(m.inner_done);
	cr_assert_eq(v2_inner_decode(m.sk.first, plain, plen, &m), -EINVAL);
	cr_assert_eq(m.npl, 12);
	for (unsigned i = 1; i < m.npl; i++)
		cr_assert(m.pl[i].flags & V2_PLF_INNER);

	cr_assert_eq(m.pl[1].u.id.type, V2_ID_RFC822_ADDR);
	cr_assert_arr_eq(m.pl[1].u.id.data, "user@example.net", 16);
	cr_assert_eq(m.pl[2].u.cert.len, sizeof(cert));
	cr_assert_eq(m.pl[3].type, V2_PL_CERTREQ);
	cr_assert_eq(m.pl[3].u.cert.len, 0);
	cr_assert_eq(m.pl[4].u.id.type, V2_ID_IPV4_ADDR);
	cr_assert_eq(m.pl[5].u.auth.method, V2_AUTH_DIGITAL_SIG);
	cr_assert_eq(m.pl[5].u.auth.len, 256);
	cr_assert_eq(m.pl[6].u.cp->type, V2_CFG_REQUEST);
	cr_assert_eq(m.pl[6].u.cp->nattrs, 2);
	cr_assert_eq(m.pl[6].u.cp->attrs[1].type, V2_CFG_INTERNAL_IP6_ADDRESS);
	cr_assert_eq(m.pl[6].u.cp->attrs[1].len, 0);
	cr_assert_eq(m.pl[7].u.sa->props[0].protocol, V2_PROTO_ESP);
	cr_assert_arr_eq(m.pl[7].u.sa->props[0].spi, "\xc1\xc2\xc3\xc4", 4);
	cr_assert_eq(m.pl[7].u.sa->props[1].trans[1].id, V2_INTEG_HMAC_SHA2_256_128);

	const struct v2_ts *t = m.pl[8].u.ts;

	cr_assert_eq(t->n, 2);
	cr_assert_eq(memcmp(&t->ts[0], &tsi.ts[0], sizeof(tsi.ts[0])), 0);
	cr_assert_eq(memcmp(&t->ts[1], &tsi.ts[1], sizeof(tsi.ts[1])), 0);
	cr_assert_eq(m.pl[9].u.ts->n, 1);
	cr_assert_eq(m.pl[9].u.ts->ts[0].sport, 65535);
	cr_assert_eq(m.pl[9].u.ts->ts[0].eport, 0);
	cr_assert_eq(m.pl[10].u.notify.type, V2N_INITIAL_CONTACT);

	const struct v2_notification *n = v2_msg_notify(&m, V2N_REKEY_SA);

	cr_assert_not_null(n);
	cr_assert_eq(n->protocol, V2_PROTO_ESP);
	cr_assert_arr_eq(n->spi, "\xde\xad\xbe\xef", 4);
	/* inner payloads point into the plaintext */
	for (unsigned i = 1; i < m.npl; i++)
		cr_assert(m.pl[i].body >= plain && m.pl[i].body + m.pl[i].len <= plain + plen);
}

Test(v2_codec, delete_eap_and_empty_informational_round_trip)
{
	static const uint8_t spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t success[4] = { V2_EAP_SUCCESS, 9, 0, 4 };
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sk_layout lay;

	sample_hdr(&h, V2_INFORMATIONAL, false);
	v2_build_init(&b, buf, sizeof(buf), &h);
	v2_build_sk_begin(&b, 8);
	v2_build_delete(&b, &(struct v2_delete){ .protocol = V2_PROTO_ESP, .spi_size = 4,
						  .nspi = 2, .spis = spis });
	v2_build_delete(&b, &(struct v2_delete){ .protocol = V2_PROTO_IKE });
	v2_build_eap(&b, &(struct v2_eap){ .msg = success, .len = 4 });
	cr_assert_eq(v2_build_sk_end(&b, &(struct v2_sk_sizes){ .iv = 8, .block = 0, .icv = 16 },
				     &lay), 0);
	cr_assert_eq(lay.pt_len, 16 + 8 + 8 + 1);	/* no padding, one Pad Length byte */

	cr_assert_eq(v2_msg_decode(buf, lay.total, &m), 0, "%s", m.why);
	cr_assert_eq(v2_inner_decode(m.sk.first, buf + lay.pt_off, lay.pt_len - 1, &m), 0,
		     "%s", m.why);
	cr_assert_eq(m.pl[1].u.del.protocol, V2_PROTO_ESP);
	cr_assert_eq(m.pl[1].u.del.nspi, 2);
	cr_assert_arr_eq(m.pl[1].u.del.spis, spis, 8);
	cr_assert_eq(m.pl[2].u.del.protocol, V2_PROTO_IKE);
	cr_assert_eq(m.pl[2].u.del.nspi, 0);
	cr_assert_eq(m.pl[3].u.eap.code, V2_EAP_SUCCESS);
	cr_assert_eq(m.pl[3].u.eap.id, 9);
	cr_assert_eq(m.pl[3].u.eap.len, 4);

	/* the liveness check: SK with nothing inside */
	long len = sample_msg(buf, sizeof(buf), V2_INFORMATIONAL, false, NULL, 0, true, 0);

	cr_assert_gt(len, 0);
	cr_assert_eq(sample_open(buf, (size_t)len, &m), 0, "%s", m.why);
	cr_assert_eq(m.sk.first, V2_PL_NONE);
	cr_assert_eq(m.npl, 1);
	cr_assert(m.inner_done);
}

Test(v2_codec, unknown_payloads_skipped_or_refused_when_critical)
{
	struct v2_build b;
	struct v2_hdr h;
	size_t len;

	sample_hdr(&h, V2_IKE_SA_INIT, false);
	v2_build_init(&b, buf, sizeof(buf), &h);
	sample_payload(&b, V2_PL_SA, 1, false);
	v2_build_raw(&b, 200, false, "abc", 3);
	sample_payload(&b, V2_PL_KE, 1, false);
	cr_assert_eq(v2_build_finish(&b, &len), 0);
	cr_assert_eq(v2_msg_decode(buf, len, &m), 0, "%s", m.why);
	cr_assert_eq(m.npl, 3);
	cr_assert_eq(m.pl[1].type, 200);
	cr_assert(m.pl[1].flags & V2_PLF_UNKNOWN);
	cr_assert_eq(m.pl[1].len, 3);
	cr_assert_eq(m.count[200], 0);
	cr_assert_eq(m.pl[2].u.ke.group, V2_DH_ECP256);

	v2_build_init(&b, buf, sizeof(buf), &h);
	sample_payload(&b, V2_PL_SA, 1, false);
	v2_build_raw(&b, 200, true, "abc", 3);
	cr_assert_eq(v2_build_finish(&b, &len), 0);
	cr_assert_eq(v2_msg_decode(buf, len, &m), -ENOTSUP);
	cr_assert_eq(m.notify, V2N_UNSUPPORTED_CRITICAL_PAYLOAD);
	cr_assert_eq(m.bad_type, 200);

	/* a known type with the C bit is simply decoded */
	v2_build_init(&b, buf, sizeof(buf), &h);
	v2_build_raw(&b, V2_PL_VENDOR, true, "abc", 3);
	cr_assert_eq(v2_build_finish(&b, &len), 0);
	cr_assert_eq(v2_msg_decode(buf, len, &m), 0);
	cr_assert(m.pl[0].flags & V2_PLF_CRITICAL);
}

Test(v2_codec, protected_payloads_refused_outside_sk)
{
	static const uint8_t sk_only[] = { V2_PL_IDI, V2_PL_IDR, V2_PL_CERT, V2_PL_AUTH,
					   V2_PL_DELETE, V2_PL_TSI, V2_PL_TSR, V2_PL_CP,
					   V2_PL_EAP };

	for (unsigned i = 0; i < sizeof(sk_only); i++) {
		long len = sample_msg(buf, sizeof(buf), V2_IKE_AUTH, false, &sk_only[i], 1, false,
				      3);

		cr_assert_gt(len, 0);
		cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), -EBADMSG, "%s",
			     v2_pl_name(sk_only[i]));
		cr_assert_eq(m.notify, V2N_INVALID_SYNTAX);
		cr_assert_eq(m.bad_type, sk_only[i]);
		/* inside SK the same payload is fine */
		len = sample_msg(buf, sizeof(buf), V2_IKE_AUTH, false, &sk_only[i], 1, true, 3);
		cr_assert_eq(sample_open(buf, (size_t)len, &m), 0, "%s: %s",
			     v2_pl_name(sk_only[i]), m.why);
	}
}

Test(v2_codec, sk_must_be_last_and_not_nested)
{
	long len = sample_msg(buf, sizeof(buf), V2_INFORMATIONAL, false,
			      (const uint8_t[]){ V2_PL_NOTIFY }, 1, true, 0);

	cr_assert_gt(len, 0);
	/* four more bytes after SK, counted in the IKE header */
	memset(buf + len, 0, 4);
	put_u32(buf + 24, (uint32_t)len + 4);
	cr_assert_eq(v2_msg_decode(buf, (size_t)len + 4, &m), -EBADMSG);
	cr_assert_eq(m.bad_type, V2_PL_SK);

	/* an inner chain that holds an SK payload */
	static const uint8_t inner[] = { V2_PL_NONE, 0, 0, 8, 1, 2, 3, 4 };

	put_u32(buf + 24, (uint32_t)len);
	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), 0);
	cr_assert_eq(v2_inner_decode(V2_PL_SK, inner, sizeof(inner), &m), -EBADMSG);
	/* v2_inner_decode without SK */
	len = sample_msg(buf, sizeof(buf), V2_IKE_SA_INIT, false,
			 (const uint8_t[]){ V2_PL_NOTIFY }, 1, false, 1);
	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), 0);
	cr_assert_eq(v2_inner_decode(V2_PL_NOTIFY, inner, sizeof(inner), &m), -EINVAL);
}

Test(v2_codec, payload_count_capped)
{
	uint8_t types[V2_MAX_PAYLOADS + 1];
	long len;

	memset(types, V2_PL_VENDOR, sizeof(types));
	len = sample_msg(buf, sizeof(buf), V2_IKE_SA_INIT, false, types, V2_MAX_PAYLOADS, false, 1);
	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), 0);
	cr_assert_eq(m.npl, V2_MAX_PAYLOADS);
	len = sample_msg(buf, sizeof(buf), V2_IKE_SA_INIT, false, types, sizeof(types), false, 1);
	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), -EBADMSG);
	cr_assert_str_eq(m.why, "too many payloads");

	/* three SA payloads exceed the decoded-SA pool */
	memset(types, V2_PL_SA, 3);
	len = sample_msg(buf, sizeof(buf), V2_IKE_SA_INIT, false, types, 3, false, 1);
	cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), -EBADMSG);
}

/* Decode an SA body through the payload decoder. */
static int sa_decode(const uint8_t *p, size_t n, struct v2_sa *sa, const char **why)
{
	struct wire w = wire_make(p, n);

	return v2_pl_sa_decode(&w, sa, why);
}

Test(v2_codec, sa_payload_structure_checked)
{
	static struct v2_sa sa, d;
	uint8_t body[1024];
	struct wbuf b = wbuf_make(body, sizeof(body));
	const char *why = NULL;
	size_t p2;

	sample_sa(&sa, V2_SA_IKE_NEW, false);
	cr_assert_eq(v2_pl_sa_encode(&b, &sa), 0);
	cr_assert_eq(sa_decode(body, b.len, &d, &why), 0);
	p2 = (size_t)(body[2] << 8 | body[3]);	/* second proposal's offset */
	cr_assert_eq(body[p2 + 4], 2);

	/* proposals numbered 1, 3 */
	body[p2 + 4] = 3;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	body[p2 + 4] = 2;
	/* first proposal claims to be the last */
	body[0] = 0;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	body[0] = 2;
	/* Num Transforms one too many, then one too few */
	body[7]++;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	body[7] -= 2;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	body[7]++;
	/* transform Last Substruc wrong */
	body[8] = 0;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	body[8] = 3;
	/* unknown protocol */
	body[5] = 9;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	body[5] = V2_PROTO_IKE;
	/* Key Length as TLV (first transform: ENCR with keylen at offset 8 + 8) */
	cr_assert_eq(body[16], 0x80);
	body[16] = 0x00;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), -EBADMSG);
	cr_assert_str_eq(why, "Key Length attribute not in TV format");
	/* an unknown TV attribute: that transform is left out, the rest stays */
	body[16] = 0x80;
	body[17] = 99;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), 0);
	cr_assert_eq(d.props[0].ntrans, sa.props[0].ntrans - 1);
	cr_assert_eq(d.props[0].trans[0].type, V2_TRANS_PRF);
	body[17] = V2_ATTR_KEY_LENGTH;
	cr_assert_eq(sa_decode(body, b.len, &d, &why), 0);
	/* truncated anywhere: refused */
	for (size_t n = 0; n < b.len; n++)
		cr_assert_eq(sa_decode(body, n, &d, &why), -EBADMSG, "prefix %zu", n);

	/* the encoder refuses what the decoder would */
	sa.props[0].ntrans = 0;
	b = wbuf_make(body, sizeof(body));
	cr_assert_eq(v2_pl_sa_encode(&b, &sa), -EINVAL);
	sa.nprops = 0;
	cr_assert_eq(v2_pl_sa_encode(&b, &sa), -EINVAL);
}

Test(v2_codec, small_payload_bounds)
{
	uint8_t body[512];
	const char *why;
	struct wire w;
	struct v2_nonce n;
	struct v2_notification no;
	struct v2_eap eap;
	struct v2_id id;
	struct v2_ke ke;
	struct wbuf b = wbuf_make(body, sizeof(body));

	memset(body, 0, sizeof(body));
	w = wire_make(body, 15);
	cr_assert_eq(v2_pl_nonce_decode(&w, &n, &why), -EBADMSG);
	w = wire_make(body, 257);
	cr_assert_eq(v2_pl_nonce_decode(&w, &n, &why), -EBADMSG);
	w = wire_make(body, 256);
	cr_assert_eq(v2_pl_nonce_decode(&w, &n, &why), 0);
	cr_assert_eq(v2_build_nonce(&(struct v2_build){ .w = b }, &(struct v2_nonce){
						 .len = 15, .data = body }), -EINVAL);

	/* Notify: SPI size 3; COOKIE of 65 bytes; SPI beyond the payload */
	memcpy(body, "\x03\x03\x40\x00", 4);
	w = wire_make(body, 8);
	cr_assert_eq(v2_pl_notify_decode(&w, &no, &why), -EBADMSG);
	memcpy(body, "\x00\x00\x40\x06", 4);
	w = wire_make(body, 4 + 65);
	cr_assert_eq(v2_pl_notify_decode(&w, &no, &why), -EBADMSG);
	w = wire_make(body, 4 + 64);
	cr_assert_eq(v2_pl_notify_decode(&w, &no, &why), 0);
	memcpy(body, "\x03\x04\x40\x00", 4);
	w = wire_make(body, 6);
	cr_assert_eq(v2_pl_notify_decode(&w, &no, &why), -EBADMSG);

	/* EAP Length must be the payload's */
	memcpy(body, "\x02\x01\x00\x09\x01user", 9);
	w = wire_make(body, 9);
	cr_assert_eq(v2_pl_eap_decode(&w, &eap, &why), 0);
	cr_assert_eq(eap.type, 1);
	w = wire_make(body, 8);
	cr_assert_eq(v2_pl_eap_decode(&w, &eap, &why), -EBADMSG);
	memcpy(body, "\x03\x01\x00\x05\x01", 5);
	w = wire_make(body, 5);
	cr_assert_eq(v2_pl_eap_decode(&w, &eap, &why), -EBADMSG);

	/* ID: addresses have their size */
	memcpy(body, "\x01\x00\x00\x00", 4);
	w = wire_make(body, 4 + 5);
	cr_assert_eq(v2_pl_id_decode(&w, &id, &why), -EBADMSG);
	w = wire_make(body, 4 + 4);
	cr_assert_eq(v2_pl_id_decode(&w, &id, &why), 0);
	body[0] = V2_ID_NULL;
	w = wire_make(body, 4);
	cr_assert_eq(v2_pl_id_decode(&w, &id, &why), 0);

	/* KE: data required, at most V2_KE_MAX */
	w = wire_make(body, 4);
	cr_assert_eq(v2_pl_ke_decode(&w, &ke, &why), -EBADMSG);
}

Test(v2_codec, traffic_selectors_checked)
{
	uint8_t body[64];
	const char *why;
	struct wire w;
	struct v2_ts ts;
	/* one IPv4 selector: 10.0.0.1-10.0.0.9, ports 1..2 */
	static const uint8_t good[] = { 1, 0, 0, 0, 7, 6, 0, 16, 0, 1, 0, 2,
					10, 0, 0, 1, 10, 0, 0, 9 };

	memcpy(body, good, sizeof(good));
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), 0);
	cr_assert_eq(ts.ts[0].ipproto, 6);
	cr_assert_eq(ts.ts[0].eport, 2);
	/* start address above end */
	body[15] = 10;
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), -EBADMSG);
	memcpy(body, good, sizeof(good));
	/* start port above end */
	body[9] = 3;
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), -EBADMSG);
	memcpy(body, good, sizeof(good));
	/* selector length not 16 for IPv4 */
	body[7] = 40;
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), -EBADMSG);
	memcpy(body, good, sizeof(good));
	/* no selectors; more selectors than bytes; more than V2_MAX_TS */
	body[0] = 0;
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), -EBADMSG);
	body[0] = 2;
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), -EBADMSG);
	body[0] = V2_MAX_TS + 1;
	w = wire_make(body, sizeof(good));
	cr_assert_eq(v2_pl_ts_decode(&w, &ts, &why), -EBADMSG);
}

Test(v2_codec, builder_errors_stick)
{
	struct v2_build b;
	struct v2_hdr h;
	struct v2_sk_layout lay;
	size_t len;

	sample_hdr(&h, V2_IKE_SA_INIT, false);
	cr_assert_eq(v2_build_init(&b, buf, 20, &h), -EMSGSIZE);
	cr_assert_eq(v2_build_init(&b, buf, 60, &h), 0);
	cr_assert_eq(sample_payload(&b, V2_PL_NONCE, 0, false), -EMSGSIZE);
	cr_assert_eq(sample_payload(&b, V2_PL_VENDOR, 0, false), -EMSGSIZE);
	cr_assert_eq(v2_build_finish(&b, &len), -EMSGSIZE);

	/* nothing after the SK payload is closed; finish refuses an open SK */
	sample_hdr(&h, V2_INFORMATIONAL, false);
	v2_build_init(&b, buf, sizeof(buf), &h);
	v2_build_sk_begin(&b, 16);
	cr_assert_eq(v2_build_finish(&b, &len), -EINVAL);
	v2_build_init(&b, buf, sizeof(buf), &h);
	v2_build_sk_begin(&b, 16);
	cr_assert_eq(v2_build_sk_end(&b, &sample_sizes, &lay), 0);
	cr_assert_eq(sample_payload(&b, V2_PL_NOTIFY, 0, false), -EINVAL);
	/* SK framing payloads cannot be built raw; bytes only inside SK */
	v2_build_init(&b, buf, sizeof(buf), &h);
	cr_assert_eq(v2_build_raw(&b, V2_PL_SK, false, "x", 1), -EINVAL);
	v2_build_init(&b, buf, sizeof(buf), &h);
	cr_assert_eq(v2_build_bytes(&b, "x", 1), -EINVAL);
	cr_assert_eq(v2_sk_pad_len(31, 16), 0);
	cr_assert_eq(v2_sk_pad_len(32, 16), 15);
	cr_assert_eq(v2_sk_pad_len(5, 1), 0);
}

/* Whatever a hostile peer changes, the decoder stays inside the datagram. */
Test(v2_codec, mutations_and_truncations_are_contained)
{
	static const uint8_t types[] = { V2_PL_IDI, V2_PL_CERT, V2_PL_AUTH, V2_PL_CP, V2_PL_SA,
					 V2_PL_TSI, V2_PL_TSR, V2_PL_NOTIFY, V2_PL_DELETE,
					 V2_PL_EAP };
	static uint8_t copy[SAMPLE_CAP];
	long len = sample_msg(buf, sizeof(buf), V2_IKE_AUTH, false, types, sizeof(types), true,
			      3);
	const uint8_t *plain;
	size_t plen;

	cr_assert_gt(len, 0);
	cr_assert_eq(sample_open(buf, (size_t)len, &m), 0, "%s", m.why);
	cr_assert_eq(sample_plain(&m, &sample_sizes, &plain, &plen), 0);
	size_t off = (size_t)(plain - buf);

	for (size_t i = 0; i < plen; i++) {
		for (unsigned v = 0; v < 256; v += 51) {
			memcpy(copy, buf, (size_t)len);
			copy[off + i] = (uint8_t)(copy[off + i] + v + 1);
			if (v2_msg_decode(copy, (size_t)len, &m) == 0) {
				int rc = v2_inner_decode(m.sk.first, copy + off, plen, &m);

				if (rc) {
					cr_assert(rc == -EBADMSG || rc == -ENOTSUP);
					cr_assert_not_null(m.why);
				}
			}
		}
		/* the inner chain cut short */
		cr_assert_eq(v2_msg_decode(buf, (size_t)len, &m), 0);
		if (i > 0)
			cr_assert_neq(v2_inner_decode(m.sk.first, plain, i, &m), 0, "cut %zu", i);
	}
}
