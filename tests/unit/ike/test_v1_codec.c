/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v1/build.h"
#include "ike/v1/msg.h"
#include "ike/v1/payloads.h"
#include "v1_sample.h"

TestSuite(v1_codec, .timeout = 30);

static struct v1_msg m;			/* large: off the stack */
static struct v1_sa sa_form;
static uint8_t buf[16384];

static void hdr_of(struct v1_hdr *h, uint8_t exchange, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, v1_mm1, 8);
	memset(h->rcookie, 0x5c, 8);
	h->exchange = exchange;
	h->flags = flags;
	h->msgid = 0x11223344;
}

Test(v1_codec, main_mode_first_message_decodes)
{
	const struct v1_payload *p;
	const struct v1_sa *sa;
	const struct v1_transform *t;
	const struct v1_attr *a;

	cr_assert_eq(v1_msg_decode(v1_mm1, sizeof(v1_mm1), &m), 0);
	cr_assert_arr_eq(m.hdr.icookie, v1_mm1, 8);
	cr_assert_eq(m.hdr.major, 1);
	cr_assert_eq(m.hdr.minor, 0);
	cr_assert_eq(m.hdr.exchange, V1_X_MAIN);
	cr_assert_eq(m.hdr.length, sizeof(v1_mm1));
	cr_assert_not(m.encrypted);
	cr_assert(m.body_done);
	cr_assert_eq(m.npl, 2);
	cr_assert_eq(m.pl[0].type, V1_PL_SA);
	cr_assert_eq(m.pl[1].type, V1_PL_VID);
	cr_assert_eq(m.count[V1_PL_SA], 1);

	/* SAi_b: the body as sent, for HASH_I */
	p = v1_msg_get(&m, V1_PL_SA);
	cr_assert_eq(p->body, v1_mm1 + V1_MM1_SA_OFF + 4);
	cr_assert_eq(p->len, V1_MM1_SA_LEN - 4);

	sa = p->u.sa;
	cr_assert_eq(sa->doi, V1_DOI_IPSEC);
	cr_assert_eq(sa->situation, V1_SIT_IDENTITY_ONLY);
	cr_assert_eq(sa->nprop, 1);
	cr_assert_eq(sa->prop[0].protocol, V1_PROTO_ISAKMP);
	cr_assert_eq(sa->prop[0].spi_size, 0);
	cr_assert_eq(sa->prop[0].ntrans, 2);
	cr_assert_eq(sa->ntrans, 2);
	cr_assert_eq(sa->nattr, 14);
	t = &sa->trans[1];
	cr_assert_eq(t->num, 1);
	cr_assert_eq(t->id, V1_KEY_IKE);
	cr_assert_eq(v1_sa_attr(sa, t, V1_A_GROUP)->value, 2);
	cr_assert_eq(v1_sa_attr(sa, &sa->trans[0], V1_A_GROUP)->value, 14);
	a = v1_sa_attr(sa, t, V1_A_LIFE_DURATION);
	cr_assert_not(a->basic);
	cr_assert_eq(a->len, 4);
	cr_assert(a->value_ok);
	cr_assert_eq(a->value, 28800);
	a = v1_sa_attr(sa, t, V1_A_KEY_LENGTH);
	cr_assert(a->basic);
	cr_assert_eq(a->value, 256);
	cr_assert_null(v1_sa_attr(sa, t, V1_A_PRF));

	p = v1_msg_get(&m, V1_PL_VID);
	cr_assert_eq(p->u.blob.len, 16);
	cr_assert_eq(p->u.blob.data, v1_mm1 + V1_MM1_VID_OFF + 4);
}

/* The encoder writes the handmade message back byte for byte, from the decoded forms. */
Test(v1_codec, main_mode_first_message_rebuilds)
{
	struct v1_build b;
	struct v1_hdr h;
	size_t len, sa_body;

	cr_assert_eq(v1_msg_decode(v1_mm1, sizeof(v1_mm1), &m), 0);
	h = m.hdr;
	cr_assert_eq(v1_build_init(&b, buf, sizeof(buf), &h), 0);
	cr_assert_eq(v1_build_sa(&b, m.pl[0].u.sa, &sa_body), 0);
	cr_assert_eq(sa_body, V1_MM1_SA_OFF + 4);
	cr_assert_eq(v1_build_blob(&b, V1_PL_VID, m.pl[1].u.blob.data, m.pl[1].u.blob.len), 0);
	cr_assert_eq(v1_build_finish(&b, 0, &len), 0);
	cr_assert_eq(len, sizeof(v1_mm1));
	cr_assert_arr_eq(buf, v1_mm1, len);
}

/* The same SA form made with the appenders, as the exchanges will. */
Test(v1_codec, sa_appenders_make_the_same_bytes)
{
	struct wbuf w = wbuf_make(buf, sizeof(buf));
	static const uint16_t groups[2] = { 14, 2 };

	v1_sa_init(&sa_form);
	cr_assert_eq(v1_sa_add_proposal(&sa_form, 1, V1_PROTO_ISAKMP, NULL, 0), 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(v1_sa_add_transform(&sa_form, (uint8_t)i, V1_KEY_IKE), 0);
		cr_assert_eq(v1_sa_add_basic(&sa_form, V1_A_ENCR, V1_ENCR_AES_CBC), 0);
		cr_assert_eq(v1_sa_add_basic(&sa_form, V1_A_KEY_LENGTH, 256), 0);
		cr_assert_eq(v1_sa_add_basic(&sa_form, V1_A_HASH, V1_HASH_SHA2_256), 0);
		cr_assert_eq(v1_sa_add_basic(&sa_form, V1_A_AUTH, V1_AUTH_PSK), 0);
		cr_assert_eq(v1_sa_add_basic(&sa_form, V1_A_GROUP, groups[i]), 0);
		cr_assert_eq(v1_sa_add_basic(&sa_form, V1_A_LIFE_TYPE, V1_LIFE_SECONDS), 0);
		cr_assert_eq(v1_sa_add_long(&sa_form, V1_A_LIFE_DURATION, 28800), 0);
	}
	cr_assert_eq(v1_pl_sa_encode(&w, &sa_form), 0);
	cr_assert_eq(w.len, V1_MM1_SA_LEN - 4);
	cr_assert_arr_eq(buf, v1_mm1 + V1_MM1_SA_OFF + 4, w.len);
}

Test(v1_codec, header_checks)
{
	struct v1_hdr h;

	memcpy(buf, v1_mm1, sizeof(v1_mm1));
	cr_assert_eq(v1_hdr_decode(buf, V1_HDR_SIZE - 1, &h), -EBADMSG);
	cr_assert_eq(v1_hdr_decode(buf, sizeof(v1_mm1) - 1, &h), -EBADMSG);	/* Length */
	buf[17] = 0x20;
	cr_assert_eq(v1_hdr_decode(buf, sizeof(v1_mm1), &h), -EPROTONOSUPPORT);
	cr_assert_eq(h.major, 2);
	cr_assert_eq(v1_msg_decode(buf, sizeof(v1_mm1), &m), -EPROTONOSUPPORT);
	cr_assert_eq(m.notify, V1N_INVALID_MAJOR_VERSION);
	buf[17] = 0x10;
	buf[19] = 0x08;			/* no such ISAKMP flag */
	cr_assert_eq(v1_msg_decode(buf, sizeof(v1_mm1), &m), -EBADMSG);
	cr_assert_eq(m.notify, V1N_INVALID_FLAGS);
	buf[19] = 0;
	cr_assert_eq(v1_msg_decode(buf, sizeof(v1_mm1), &m), 0);
}

/* Every prefix, with its Length field made to match, is refused without a read beyond it. */
Test(v1_codec, every_truncation_is_refused)
{
	for (size_t n = V1_HDR_SIZE; n < sizeof(v1_mm1); n++) {
		uint8_t *copy = malloc(n);

		memcpy(copy, v1_mm1, n);
		put_u32(copy + 24, (uint32_t)n);
		cr_assert_eq(v1_msg_decode(copy, n, &m), -EBADMSG, "prefix of %zu bytes", n);
		cr_assert_not_null(m.why);
		free(copy);
	}
}

/* Change one byte of the sample, decode, and require the named notify. */
static void mutate_expect(size_t off, uint8_t val, uint16_t notify, const char *what)
{
	memcpy(buf, v1_mm1, sizeof(v1_mm1));
	buf[off] = val;
	cr_assert_eq(v1_msg_decode(buf, sizeof(v1_mm1), &m), -EBADMSG, "%s", what);
	cr_assert_eq(m.notify, notify, "%s: notify %u", what, m.notify);
}

Test(v1_codec, malformed_sa_payloads)
{
	mutate_expect(V1_MM1_SA_OFF + 7, 2, V1N_DOI_NOT_SUPPORTED, "DOI 2");
	mutate_expect(V1_MM1_SA_OFF + 11, 2, V1N_SITUATION_NOT_SUPPORTED, "SIT_SECRECY");
	mutate_expect(V1_MM1_SA_OFF + 19, 3, V1N_BAD_PROPOSAL_SYNTAX, "3 transforms announced");
	mutate_expect(V1_MM1_SA_OFF + 19, 1, V1N_BAD_PROPOSAL_SYNTAX, "1 transform announced");
	mutate_expect(V1_MM1_SA_OFF + 19, 0, V1N_BAD_PROPOSAL_SYNTAX, "no transform");
	mutate_expect(V1_MM1_SA_OFF + 12, V1_PL_T, V1N_BAD_PROPOSAL_SYNTAX,
		      "proposal followed by a transform");
	mutate_expect(V1_MM1_SA_OFF + 20, V1_PL_NONE, V1N_BAD_PROPOSAL_SYNTAX,
		      "first transform says it is the last");
	mutate_expect(V1_MM1_SA_OFF + 18, 17, V1N_BAD_PROPOSAL_SYNTAX, "SPI of 17 bytes");
	mutate_expect(V1_MM1_SA_OFF + 23, 41, V1N_BAD_PROPOSAL_SYNTAX,
		      "transform longer than its proposal");
	mutate_expect(V1_MM1_SA_OFF + 23, 7, V1N_BAD_PROPOSAL_SYNTAX, "transform of 7 bytes");
	/* the variable life duration says 5 bytes: runs into the next transform's header */
	mutate_expect(V1_MM1_SA_OFF + 20 + 8 + 24 + 3, 5, V1N_BAD_PROPOSAL_SYNTAX,
		      "attribute beyond its transform");
	mutate_expect(V1_MM1_SA_OFF + 20 + 8 + 24 + 3, 0, V1N_BAD_PROPOSAL_SYNTAX,
		      "variable attribute of length 0");
	mutate_expect(V1_MM1_SA_OFF + 3, 99, V1N_BAD_PROPOSAL_SYNTAX, "SA length 99: proposal beyond it");
	mutate_expect(V1_MM1_SA_OFF + 3, 3, V1N_PAYLOAD_MALFORMED, "payload length 3");
	mutate_expect(V1_MM1_VID_OFF + 3, 21, V1N_PAYLOAD_MALFORMED, "VID beyond the message");
	mutate_expect(16, V1_PL_P, V1N_INVALID_PAYLOAD_TYPE, "a proposal at the top");
	mutate_expect(V1_MM1_SA_OFF, 77, V1N_INVALID_PAYLOAD_TYPE, "unknown payload type");
	mutate_expect(V1_MM1_SA_OFF, V1_PL_FRAG, V1N_INVALID_PAYLOAD_TYPE, "IKE fragment");
}

/* In the clear: libreswan's ikepad (to 4 bytes) is taken, more is not. */
Test(v1_codec, plaintext_message_padding)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, v1_mm1, sizeof(v1_mm1));
	put_u32(buf + 24, sizeof(v1_mm1) + 3);
	cr_assert_eq(v1_msg_decode(buf, sizeof(v1_mm1) + 3, &m), 0);
	cr_assert_eq(m.pad, 3);
	put_u32(buf + 24, sizeof(v1_mm1) + 4);
	cr_assert_eq(v1_msg_decode(buf, sizeof(v1_mm1) + 4, &m), -EBADMSG);
	cr_assert_eq(m.notify, V1N_PAYLOAD_MALFORMED);
}

/* Main Mode message 5: the header in clear, the chain decoded once decrypted, padding allowed. */
Test(v1_codec, encrypted_body_with_padding)
{
	struct v1_build b;
	struct v1_hdr h;
	static const uint8_t addr[4] = { 192, 0, 2, 1 };
	struct v1_id id = { .type = V1_ID_IPV4_ADDR, .protocol = 17, .port = 500, .len = 4,
			    .data = addr };
	uint8_t hash[32];
	size_t len, id_body;

	memset(hash, 0x33, sizeof(hash));
	hdr_of(&h, V1_X_MAIN, V1_FLAG_ENCRYPTION);
	h.msgid = 0;
	cr_assert_eq(v1_build_init(&b, buf, sizeof(buf), &h), 0);
	cr_assert_eq(v1_build_id(&b, &id, &id_body), 0);
	cr_assert_eq(id_body, V1_HDR_SIZE + 4);
	cr_assert_eq(v1_build_blob(&b, V1_PL_HASH, hash, sizeof(hash)), 0);
	cr_assert_eq(v1_build_finish(&b, 16, &len), 0);
	cr_assert_eq((len - V1_HDR_SIZE) % 16, 0);
	cr_assert_eq(len, V1_HDR_SIZE + 48);	/* 12 + 36 = 48: no padding needed */
	cr_assert_eq(buf[16], V1_PL_ID);

	cr_assert_eq(v1_msg_decode(buf, len, &m), 0);
	cr_assert(m.encrypted);
	cr_assert_not(m.body_done);
	cr_assert_eq(m.npl, 0);
	cr_assert_eq(v1_msg_decode_body(&m, buf + V1_HDR_SIZE, len - V1_HDR_SIZE), 0);
	cr_assert_eq(m.npl, 2);
	cr_assert_eq(m.pad, 0);
	cr_assert_eq(m.pl[0].u.id.type, V1_ID_IPV4_ADDR);
	cr_assert_eq(m.pl[0].u.id.protocol, 17);
	cr_assert_eq(m.pl[0].u.id.port, 500);
	cr_assert_arr_eq(m.pl[0].u.id.data, addr, 4);
	cr_assert_eq(m.pl[1].u.blob.len, 32);
	cr_assert_eq(v1_msg_decode_body(&m, buf + V1_HDR_SIZE, len - V1_HDR_SIZE), -EINVAL);

	/* padded plaintext: 7 bytes after the last payload are accepted here */
	cr_assert_eq(v1_msg_decode(buf, len, &m), 0);
	memset(buf + len, 0, 7);
	cr_assert_eq(v1_msg_decode_body(&m, buf + V1_HDR_SIZE, len - V1_HDR_SIZE + 7), 0);
	cr_assert_eq(m.pad, 7);

	/* ... but not 256 */
	cr_assert_eq(v1_msg_decode(buf, len, &m), 0);
	memset(buf + len, 0, 256);
	cr_assert_eq(v1_msg_decode_body(&m, buf + V1_HDR_SIZE, len - V1_HDR_SIZE + 256),
		     -EBADMSG);

	/* the body of a plaintext message is not decoded twice */
	cr_assert_eq(v1_msg_decode(v1_mm1, sizeof(v1_mm1), &m), 0);
	cr_assert_eq(v1_msg_decode_body(&m, buf, 8), -EINVAL);

	/* an encrypted message with nothing after the header */
	hdr_of(&h, V1_X_MAIN, V1_FLAG_ENCRYPTION);
	cr_assert_eq(v1_build_init(&b, buf, sizeof(buf), &h), 0);
	cr_assert_eq(v1_build_finish(&b, 0, &len), 0);
	cr_assert_eq(v1_msg_decode(buf, len, &m), -EBADMSG);
}

/* Build one message of every other payload, decode it, compare the forms. */
Test(v1_codec, every_payload_round_trips)
{
	struct v1_build b;
	struct v1_hdr h;
	uint8_t ke[256], nonce[32], sig[64], natd[20], spis[8] = { 0, 0, 0x10, 1, 0, 0, 0x10, 2 };
	uint8_t cookies[16], seq[4] = { 0, 0, 0, 9 };
	static const char fqdn[] = "gw.example.net";
	static const uint8_t dn[] = { 0x30, 0x03, 0x31, 0x01, 0x00 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct v1_id id = { .type = V1_ID_FQDN, .len = sizeof(fqdn) - 1, .data = (const uint8_t *)fqdn };
	struct v1_cert cert = { .encoding = V1_CERT_X509_SIG, .len = sizeof(dn), .data = dn };
	struct v1_cert cr = { .encoding = V1_CERT_X509_SIG };
	struct v1_notification n = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ISAKMP,
				     .spi_size = 16, .type = V1N_R_U_THERE, .len = 4, .data = seq };
	struct v1_delete d = { .doi = V1_DOI_IPSEC, .protocol = V1_PROTO_ESP, .spi_size = 4,
			       .nspi = 2, .spis = spis };
	struct v1_nat_oa oa = { .id_type = V1_ID_IPV6_ADDR, .addr_len = 16 };
	static struct v1_cfg cfg;
	static const char user[] = "alice";
	const struct v1_payload *p;
	size_t len;
	int i = 0;

	memset(ke, 0x4b, sizeof(ke));
	memset(nonce, 0x4e, sizeof(nonce));
	memset(sig, 0x53, sizeof(sig));
	memset(natd, 0xd0, sizeof(natd));
	memset(cookies, 0xc0, sizeof(cookies));
	memcpy(n.spi, cookies, 16);
	memcpy(oa.addr, v6, 16);
	cfg.type = V1_CFG_REPLY;
	cfg.identifier = 0xbeef;
	cfg.nattr = 3;
	cfg.attr[0] = (struct v1_cfg_attr){ .type = 16520, .basic = true, .value = 1 };
	cfg.attr[1] = (struct v1_cfg_attr){ .type = 16521, .len = 5, .val = (const uint8_t *)user };
	cfg.attr[2] = (struct v1_cfg_attr){ .type = 1 };	/* INTERNAL_IP4_ADDRESS, asked for */

	hdr_of(&h, V1_X_AGGRESSIVE, 0);
	v1_build_init(&b, buf, sizeof(buf), &h);
	v1_build_blob(&b, V1_PL_KE, ke, sizeof(ke));
	v1_build_blob(&b, V1_PL_NONCE, nonce, sizeof(nonce));
	v1_build_id(&b, &id, NULL);
	v1_build_cert(&b, V1_PL_CERT, &cert);
	v1_build_cert(&b, V1_PL_CR, &cr);
	v1_build_blob(&b, V1_PL_SIG, sig, sizeof(sig));
	v1_build_notify(&b, &n);
	v1_build_delete(&b, &d);
	v1_build_blob(&b, V1_PL_NAT_D, natd, sizeof(natd));
	v1_build_blob(&b, V1_PL_NAT_D_DRAFT, natd, 16);
	v1_build_nat_oa(&b, V1_PL_NAT_OA, &oa);
	v1_build_cfg(&b, &cfg);
	cr_assert_eq(v1_build_finish(&b, 0, &len), 0);

	cr_assert_eq(v1_msg_decode(buf, len, &m), 0, "%s", m.why ? m.why : "");
	cr_assert_eq(m.npl, 12);
	p = &m.pl[i++];
	cr_assert_eq(p->type, V1_PL_KE);
	cr_assert_eq(p->u.blob.len, sizeof(ke));
	cr_assert_arr_eq(p->u.blob.data, ke, sizeof(ke));
	p = &m.pl[i++];
	cr_assert_eq(p->type, V1_PL_NONCE);
	cr_assert_arr_eq(p->u.blob.data, nonce, sizeof(nonce));
	p = &m.pl[i++];
	cr_assert_eq(p->u.id.type, V1_ID_FQDN);
	cr_assert_eq(p->u.id.len, sizeof(fqdn) - 1);
	cr_assert_arr_eq(p->u.id.data, fqdn, p->u.id.len);
	p = &m.pl[i++];
	cr_assert_eq(p->u.cert.encoding, V1_CERT_X509_SIG);
	cr_assert_arr_eq(p->u.cert.data, dn, sizeof(dn));
	p = &m.pl[i++];
	cr_assert_eq(p->type, V1_PL_CR);
	cr_assert_eq(p->u.cert.len, 0);
	p = &m.pl[i++];
	cr_assert_eq(p->type, V1_PL_SIG);
	cr_assert_eq(p->u.blob.len, sizeof(sig));
	p = &m.pl[i++];
	cr_assert_eq(p->u.notify.type, V1N_R_U_THERE);
	cr_assert_eq(p->u.notify.spi_size, 16);
	cr_assert_arr_eq(p->u.notify.spi, cookies, 16);
	cr_assert_eq(p->u.notify.len, 4);
	cr_assert_arr_eq(p->u.notify.data, seq, 4);
	cr_assert_eq(v1_msg_notify(&m, V1N_R_U_THERE), &p->u.notify);
	cr_assert_null(v1_msg_notify(&m, V1N_R_U_THERE_ACK));
	p = &m.pl[i++];
	cr_assert_eq(p->u.del.protocol, V1_PROTO_ESP);
	cr_assert_eq(p->u.del.nspi, 2);
	cr_assert_arr_eq(p->u.del.spis, spis, 8);
	p = &m.pl[i++];
	cr_assert_eq(p->type, V1_PL_NAT_D);
	cr_assert_eq(p->u.blob.len, 20);
	p = &m.pl[i++];
	cr_assert_eq(p->type, V1_PL_NAT_D_DRAFT);
	cr_assert_eq(p->u.blob.len, 16);
	p = &m.pl[i++];
	cr_assert_eq(p->u.oa.id_type, V1_ID_IPV6_ADDR);
	cr_assert_arr_eq(p->u.oa.addr, v6, 16);
	p = &m.pl[i++];
	cr_assert_eq(p->u.cfg->type, V1_CFG_REPLY);
	cr_assert_eq(p->u.cfg->identifier, 0xbeef);
	cr_assert_eq(p->u.cfg->nattr, 3);
	cr_assert(p->u.cfg->attr[0].basic);
	cr_assert_eq(p->u.cfg->attr[0].type, 16520);
	cr_assert_eq(p->u.cfg->attr[0].value, 1);
	cr_assert_eq(p->u.cfg->attr[1].len, 5);
	cr_assert_arr_eq(p->u.cfg->attr[1].val, user, 5);
	cr_assert_not(p->u.cfg->attr[2].basic);
	cr_assert_eq(p->u.cfg->attr[2].len, 0);
}

/* One payload's body through its decoder. */
static int body(uint8_t type, const uint8_t *b, size_t n)
{
	struct wire w = wire_make(b, n);
	const char *why = NULL;
	static union {
		struct v1_blob blob;
		struct v1_id id;
		struct v1_cert cert;
		struct v1_notification n;
		struct v1_delete d;
		struct v1_nat_oa oa;
		struct v1_cfg cfg;
	} u;
	int rc;

	switch (type) {
	case V1_PL_ID: rc = v1_pl_id_decode(&w, &u.id, &why); break;
	case V1_PL_CERT: rc = v1_pl_cert_decode(&w, &u.cert, &why); break;
	case V1_PL_N: rc = v1_pl_notify_decode(&w, &u.n, &why); break;
	case V1_PL_D: rc = v1_pl_delete_decode(&w, &u.d, &why); break;
	case V1_PL_NAT_OA: rc = v1_pl_nat_oa_decode(&w, &u.oa, &why); break;
	case V1_PL_ATTR: rc = v1_pl_cfg_decode(&w, &u.cfg, &why); break;
	default: rc = v1_pl_blob_decode(&w, type, &u.blob, &why); break;
	}
	if (rc)
		cr_assert_not_null(why);
	return rc;
}

Test(v1_codec, small_payload_limits)
{
	uint8_t z[300];

	memset(z, 0, sizeof(z));
	cr_assert_eq(body(V1_PL_NONCE, z, 7), -EBADMSG);
	cr_assert_eq(body(V1_PL_NONCE, z, 8), 0);
	cr_assert_eq(body(V1_PL_NONCE, z, 256), 0);
	cr_assert_eq(body(V1_PL_NONCE, z, 257), -EBADMSG);
	cr_assert_eq(body(V1_PL_KE, z, 0), -EBADMSG);
	cr_assert_eq(body(V1_PL_HASH, z, 65), -EBADMSG);
	cr_assert_eq(body(V1_PL_VID, z, 0), -EBADMSG);

	/* ID: an IPv4 address of 5 bytes, an unknown type, an empty FQDN */
	uint8_t id[] = { V1_ID_IPV4_ADDR, 0, 0, 0, 10, 0, 0, 1, 9 };
	cr_assert_eq(body(V1_PL_ID, id, 8), 0);
	cr_assert_eq(body(V1_PL_ID, id, 9), -EBADMSG);
	id[0] = 99;
	cr_assert_eq(body(V1_PL_ID, id, 8), -EBADMSG);
	id[0] = V1_ID_FQDN;
	cr_assert_eq(body(V1_PL_ID, id, 4), -EBADMSG);
	cr_assert_eq(body(V1_PL_ID, id, 3), -EBADMSG);
	id[0] = V1_ID_IPV4_ADDR_SUBNET;
	cr_assert_eq(body(V1_PL_ID, id, 9), -EBADMSG);	/* 5 bytes of subnet */
	cr_assert_eq(body(V1_PL_ID, z, 4 + 0), -EBADMSG);	/* type 0 */

	/* CERT without data */
	uint8_t cert[] = { V1_CERT_X509_SIG };
	cr_assert_eq(body(V1_PL_CERT, cert, 1), -EBADMSG);

	/* N: SPI size beyond the payload, above 16 */
	uint8_t n[] = { 0, 0, 0, 1, 1, 16, 0x60, 0x02, 1, 2, 3 };
	cr_assert_eq(body(V1_PL_N, n, sizeof(n)), -EBADMSG);
	n[5] = 17;
	cr_assert_eq(body(V1_PL_N, n, sizeof(n)), -EBADMSG);
	n[5] = 3;
	cr_assert_eq(body(V1_PL_N, n, sizeof(n)), 0);
	cr_assert_eq(body(V1_PL_N, n, 7), -EBADMSG);

	/* D: count and length disagree; no SPI; SPI size 0 */
	uint8_t d[] = { 0, 0, 0, 1, 3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	cr_assert_eq(body(V1_PL_D, d, sizeof(d)), 0);
	cr_assert_eq(body(V1_PL_D, d, sizeof(d) - 1), -EBADMSG);
	d[7] = 0;
	cr_assert_eq(body(V1_PL_D, d, 8), -EBADMSG);
	d[7] = 2;
	d[5] = 0;
	cr_assert_eq(body(V1_PL_D, d, 8), -EBADMSG);

	/* NAT-OA: IPv4 with 16 bytes, an FQDN */
	uint8_t oa[20] = { V1_ID_IPV4_ADDR };
	cr_assert_eq(body(V1_PL_NAT_OA, oa, 8), 0);
	cr_assert_eq(body(V1_PL_NAT_OA, oa, 20), -EBADMSG);
	oa[0] = V1_ID_FQDN;
	cr_assert_eq(body(V1_PL_NAT_OA, oa, 8), -EBADMSG);

	/*
	 * attribute payload: type 5, a value beyond the payload; up to 3 bytes
	 * after the last attribute are skipped (libreswan 4.10's ACK has them,
	 * and libreswan reads attributes only while 4 bytes are left)
	 */
	uint8_t cfg[] = { V1_CFG_SET, 0, 0, 1, 0x40, 0x88, 0, 3, 'a', 'b' };
	cr_assert_eq(body(V1_PL_ATTR, cfg, sizeof(cfg)), -EBADMSG);
	cfg[7] = 2;
	cr_assert_eq(body(V1_PL_ATTR, cfg, sizeof(cfg)), 0);
	cr_assert_eq(body(V1_PL_ATTR, cfg, 6), 0, "2 bytes after the header are no attribute");
	cr_assert_eq(body(V1_PL_ATTR, cfg, 7), 0);
	cr_assert_eq(body(V1_PL_ATTR, cfg, 9), -EBADMSG, "a whole header with its value cut");
	cfg[0] = 5;
	cr_assert_eq(body(V1_PL_ATTR, cfg, sizeof(cfg)), -EBADMSG);
}

Test(v1_codec, caps_hold)
{
	struct v1_build b;
	struct v1_hdr h;
	uint8_t vid[4] = { 1, 2, 3, 4 };
	size_t len;

	/* 49 VIDs: one more than a message may hold */
	hdr_of(&h, V1_X_MAIN, 0);
	v1_build_init(&b, buf, sizeof(buf), &h);
	for (int i = 0; i < V1_MAX_PAYLOADS + 1; i++)
		v1_build_blob(&b, V1_PL_VID, vid, sizeof(vid));
	cr_assert_eq(v1_build_finish(&b, 0, &len), 0);
	cr_assert_eq(v1_msg_decode(buf, len, &m), -EBADMSG);
	cr_assert_str_eq(m.why, "too many payloads");

	/* 3 SA payloads */
	v1_sa_init(&sa_form);
	v1_sa_add_proposal(&sa_form, 1, V1_PROTO_ISAKMP, NULL, 0);
	v1_sa_add_transform(&sa_form, 1, V1_KEY_IKE);
	v1_build_init(&b, buf, sizeof(buf), &h);
	for (int i = 0; i < 3; i++)
		v1_build_sa(&b, &sa_form, NULL);
	cr_assert_eq(v1_build_finish(&b, 0, &len), 0);
	cr_assert_eq(v1_msg_decode(buf, len, &m), -EBADMSG);
	cr_assert_str_eq(m.why, "too many SA payloads");

	/* the appenders stop at the caps */
	v1_sa_init(&sa_form);
	for (int i = 0; i < V1_MAX_PROPOSALS; i++)
		cr_assert_eq(v1_sa_add_proposal(&sa_form, 1, V1_PROTO_ESP, vid, 4), 0);
	cr_assert_eq(v1_sa_add_proposal(&sa_form, 1, V1_PROTO_ESP, vid, 4), -ENOSPC);
	v1_sa_init(&sa_form);
	cr_assert_eq(v1_sa_add_transform(&sa_form, 1, 1), -ENOSPC);	/* no proposal yet */
	cr_assert_eq(v1_sa_add_basic(&sa_form, 1, 1), -ENOSPC);	/* no transform yet */

	/* an encoder refuses what its decoder would: a proposal without transforms */
	struct wbuf w = wbuf_make(buf, sizeof(buf));
	v1_sa_add_proposal(&sa_form, 1, V1_PROTO_ISAKMP, NULL, 0);
	cr_assert_eq(v1_pl_sa_encode(&w, &sa_form), -EINVAL);
	/* a payload too big for the buffer */
	v1_build_init(&b, buf, 40, &h);
	cr_assert_eq(v1_build_blob(&b, V1_PL_VID, buf + 100, 64), -EMSGSIZE);
	cr_assert_eq(v1_build_finish(&b, 0, &len), -EMSGSIZE);
}

/* The fuzz seeds are well-formed messages, so the fuzzer starts deep in the decoders. */
Test(v1_codec, fuzz_seeds_decode)
{
	static const char *const seeds[] = { "seed-main-mode-1", "seed-quick-mode-1",
					     "seed-main-mode-5-enc", "seed-informational",
					     "seed-transaction", "seed-aggressive-2" };
	static const uint8_t npl[] = { 2, 5, 2, 3, 2, 12 };

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[512];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/v1_msg/%s", SKUA_SOURCE_DIR,
			 seeds[i]);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "%s", path);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		cr_assert_eq(v1_msg_decode(buf, n, &m), 0, "%s: %s", seeds[i], m.why);
		if (m.encrypted)
			cr_assert_eq(v1_msg_decode_body(&m, buf + V1_HDR_SIZE, n - V1_HDR_SIZE), 0,
				     "%s: %s", seeds[i], m.why);
		cr_assert_eq(m.npl, npl[i], "%s: %u payloads", seeds[i], m.npl);
	}
}
