/* SPDX-License-Identifier: BSD-2-Clause */
/* The whack wire codec: round trips, and every way a message can be malformed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/proto/whack_opts.h"
#include "ctl/proto/whack_proto.h"

static uint8_t buf[WHACK_MSG_MAX + 64];
static struct whack_cmd in, out;
static char err[256];

static void cleanup(void)
{
	whack_cmd_fini(&in);
	whack_cmd_fini(&out);
}

TestSuite(whack_proto, .fini = cleanup);

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

/* A request header with the given length; attributes follow at offset 12. */
static size_t hdr(uint8_t *p, uint16_t kind, uint32_t len)
{
	be32(p, WHACK_PROTO_MAGIC);
	be16(p + 4, WHACK_PROTO_VERSION);
	be16(p + 6, kind);
	be32(p + 8, len);
	return WHACK_HDR_LEN;
}

static size_t attr(uint8_t *p, uint16_t type, const void *v, uint16_t n)
{
	be16(p, type);
	be16(p + 2, n);
	memcpy(p + 4, v, n);
	return 4u + n;
}

static size_t ops_attr(uint8_t *p, uint64_t ops)
{
	uint8_t v[8];
	be32(v, (uint32_t)(ops >> 32));
	be32(v + 4, (uint32_t)ops);
	return attr(p, WATTR_OPS, v, 8);
}

static size_t opt_attr(uint8_t *p, uint16_t id, uint8_t end, const char *value)
{
	uint8_t v[64];
	size_t n = strlen(value);
	be16(v, id);
	v[2] = end;
	memcpy(v + 3, value, n);
	return attr(p, WATTR_OPT, v, (uint16_t)(3 + n));
}

/* Build a request by hand, then patch the header length to what was written. */
static size_t finish(size_t len)
{
	be32(buf + 8, (uint32_t)len);
	return len;
}

static int decode(size_t len)
{
	return whack_request_decode(buf, len, &out, err, sizeof(err));
}

Test(whack_proto, request_round_trip)
{
	int n;

	in.ops = 1ull << WOP_ADD_CONN | 1ull << WOP_SHUTDOWN;
	cr_assert_eq(whack_cmd_add(&in, WO_NAME, WHACK_END_NONE, "west-east"), 0);
	cr_assert_eq(whack_cmd_add(&in, WO_HOST, WHACK_END_LEFT, "192.0.2.1"), 0);
	cr_assert_eq(whack_cmd_add(&in, WO_HOST, WHACK_END_RIGHT, "2001:db8::1"), 0);
	cr_assert_eq(whack_cmd_add(&in, WO_ENCRYPT, WHACK_END_NONE, NULL), 0);
	cr_assert_eq(whack_cmd_add(&in, WO_MODECFGBANNER, WHACK_END_LEFT, "héllo wörld"), 0);
	n = whack_request_encode(&in, buf, sizeof(buf));
	cr_assert_gt(n, WHACK_HDR_LEN);
	cr_assert_eq(decode((size_t)n), 0, "%s", err);
	cr_assert_eq(out.ops, in.ops);
	cr_assert_eq(out.nopts, in.nopts);
	for (size_t i = 0; i < in.nopts; i++) {
		cr_assert_eq(out.opts[i].id, in.opts[i].id);
		cr_assert_eq(out.opts[i].end, in.opts[i].end);
		cr_assert_str_eq(out.opts[i].value, in.opts[i].value);
	}
	cr_assert_str_eq(whack_cmd_find(&out, WO_HOST, WHACK_END_RIGHT)->value, "2001:db8::1");
	cr_assert_str_eq(whack_cmd_find(&out, WO_HOST, WHACK_END_NONE)->value, "192.0.2.1");
	cr_assert_null(whack_cmd_find(&out, WO_PSK, WHACK_END_NONE));
}

Test(whack_proto, empty_request_round_trip)
{
	int n = whack_request_encode(&in, buf, sizeof(buf));

	cr_assert_eq(n, WHACK_HDR_LEN + 4 + 8);
	cr_assert_eq(decode((size_t)n), 0, "%s", err);
	cr_assert_eq(out.ops, 0);
	cr_assert_eq(out.nopts, 0);
}

Test(whack_proto, encode_refuses_small_buffer)
{
	uint8_t small[16];

	whack_cmd_add(&in, WO_NAME, WHACK_END_NONE, "c");
	cr_assert_eq(whack_request_encode(&in, small, sizeof(small)), -EMSGSIZE);
}

Test(whack_proto, full_command_fits)
{
	static char big[WHACK_VALUE_MAX + 1];
	int n;

	/* The largest values that fit in one message: 15 of 4 KiB. */
	memset(big, 'a', WHACK_VALUE_MAX);
	for (int i = 0; i < 15; i++)
		cr_assert_eq(whack_cmd_add(&in, WO_ESP, WHACK_END_NONE, big), 0);
	n = whack_request_encode(&in, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(decode((size_t)n), 0, "%s", err);
	cr_assert_eq(out.nopts, 15);
	/* One more does not. */
	cr_assert_eq(whack_cmd_add(&in, WO_ESP, WHACK_END_NONE, big), 0);
	cr_assert_eq(whack_request_encode(&in, buf, sizeof(buf)), -EMSGSIZE);
}

Test(whack_proto, add_refuses_bad_values)
{
	static char big[WHACK_VALUE_MAX + 2];

	memset(big, 'x', WHACK_VALUE_MAX + 1);
	cr_assert_eq(whack_cmd_add(&in, WO_ESP, WHACK_END_NONE, big), -EMSGSIZE);
	cr_assert_eq(whack_cmd_add(&in, WO_ESP, WHACK_END_NONE, "a\nb"), -EINVAL);
	cr_assert_eq(whack_cmd_add(&in, WO_ESP, WHACK_END_NONE, "a\x7f"), -EINVAL);
	for (int i = 0; i < WHACK_MAX_OPTS; i++)
		cr_assert_eq(whack_cmd_add(&in, WO_DEBUG, WHACK_END_NONE, "all"), 0);
	cr_assert_eq(whack_cmd_add(&in, WO_DEBUG, WHACK_END_NONE, "all"), -E2BIG);
	cr_assert_eq(in.nopts, WHACK_MAX_OPTS);
}

Test(whack_proto, truncated)
{
	int n;

	whack_cmd_add(&in, WO_STATUS, WHACK_END_NONE, "");
	in.ops = 1ull << WOP_STATUS;
	n = whack_request_encode(&in, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	for (int len = 0; len < n; len++) {
		int rc = decode((size_t)len);
		cr_assert_lt(rc, 0, "a request cut to %d of %d bytes was accepted", len, n);
		cr_assert_eq(out.nopts, 0);
	}
	cr_assert_eq(decode(0), -EBADMSG);
	cr_assert_not_null(strstr(err, "shorter than the 12-byte header"), "%s", err);
	cr_assert_eq(decode(WHACK_HDR_LEN), -EBADMSG);
	cr_assert_not_null(strstr(err, "header says"), "%s", err);
}

Test(whack_proto, bad_magic_and_version)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += ops_attr(buf + len, 0);
	finish(len);
	cr_assert_eq(decode(len), 0, "%s", err);
	buf[0] ^= 0xff;
	cr_assert_eq(decode(len), -EPROTO);
	cr_assert_not_null(strstr(err, "bad magic or protocol version"), "%s", err);
	buf[0] ^= 0xff;
	be16(buf + 4, WHACK_PROTO_VERSION + 1);
	cr_assert_eq(decode(len), -EPROTO);
	be16(buf + 4, 0);
	cr_assert_eq(decode(len), -EPROTO);
}

Test(whack_proto, wrong_kind)
{
	size_t len = hdr(buf, WHACK_MSG_REPLY, 0);

	len += ops_attr(buf + len, 0);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "message kind 2, expected 1"), "%s", err);
}

Test(whack_proto, length_mismatch)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += ops_attr(buf + len, 0);
	be32(buf + 8, (uint32_t)len + 1);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "header says"), "%s", err);
	be32(buf + 8, (uint32_t)len - 1);
	cr_assert_eq(decode(len), -EBADMSG);
	/* Trailing bytes beyond the header's length. */
	be32(buf + 8, (uint32_t)len);
	cr_assert_eq(decode(len + 1), -EBADMSG);
}

Test(whack_proto, oversize_and_undersize)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += ops_attr(buf + len, 0);
	be32(buf + 8, WHACK_MSG_MAX + 1);
	cr_assert_eq(decode(WHACK_MSG_MAX + 1), -EMSGSIZE);
	cr_assert_not_null(strstr(err, "outside 12..65536"), "%s", err);
	be32(buf + 8, 0xffffffffu);
	cr_assert_eq(decode(len), -EMSGSIZE);
	be32(buf + 8, WHACK_HDR_LEN - 1);
	cr_assert_eq(decode(len), -EMSGSIZE);
}

Test(whack_proto, hdr_parse)
{
	uint16_t kind;
	uint32_t len;

	hdr(buf, WHACK_MSG_REPLY, 40);
	cr_assert_eq(whack_hdr_parse(buf, &kind, &len), 0);
	cr_assert_eq(kind, WHACK_MSG_REPLY);
	cr_assert_eq(len, 40);
	be32(buf + 8, 11);
	cr_assert_eq(whack_hdr_parse(buf, &kind, &len), -EMSGSIZE);
	be32(buf + 8, WHACK_MSG_MAX + 1);
	cr_assert_eq(whack_hdr_parse(buf, &kind, &len), -EMSGSIZE);
	be32(buf, 0);
	cr_assert_eq(whack_hdr_parse(buf, &kind, &len), -EPROTO);
}

Test(whack_proto, attribute_overruns)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += ops_attr(buf + len, 0);
	/* An attribute that claims more bytes than are left. */
	be16(buf + len, WATTR_OPT);
	be16(buf + len + 2, 100);
	len += 4 + 10;
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "runs past the message"), "%s", err);

	/* Half an attribute header at the end. */
	len = hdr(buf, WHACK_MSG_REQUEST, 0);
	len += ops_attr(buf + len, 0);
	buf[len++] = 0;
	buf[len++] = WATTR_OPT;
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
}

Test(whack_proto, malformed_attributes)
{
	uint8_t v[2] = { 0, 1 };
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	/* An option too short for its id and end. */
	len += ops_attr(buf + len, 0);
	len += attr(buf + len, WATTR_OPT, v, 2);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "malformed option attribute"), "%s", err);

	/* An end that does not exist. */
	len = hdr(buf, WHACK_MSG_REQUEST, 0);
	len += ops_attr(buf + len, 0);
	len += opt_attr(buf + len, WO_HOST, 3, "10.0.0.1");
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);

	/* OPS of the wrong size, OPS twice, unknown operation bits. */
	len = hdr(buf, WHACK_MSG_REQUEST, 0);
	len += attr(buf + len, WATTR_OPS, v, 2);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "OPS attribute must appear once"), "%s", err);

	len = hdr(buf, WHACK_MSG_REQUEST, 0);
	len += ops_attr(buf + len, 1);
	len += ops_attr(buf + len, 1);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);

	len = hdr(buf, WHACK_MSG_REQUEST, 0);
	len += ops_attr(buf + len, 1ull << WOP_COUNT);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "unknown operation bits"), "%s", err);
}

Test(whack_proto, missing_ops)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += opt_attr(buf + len, WO_STATUS, 0, "");
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "without an OPS attribute"), "%s", err);
	cr_assert_eq(out.nopts, 0, "options freed on error");
}

Test(whack_proto, unknown_attribute)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += ops_attr(buf + len, 0);
	len += attr(buf + len, 99, "x", 1);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
	cr_assert_not_null(strstr(err, "unknown attribute type 99"), "%s", err);
	/* Reply attributes have no place in a request. */
	len = hdr(buf, WHACK_MSG_REQUEST, 0);
	len += ops_attr(buf + len, 0);
	len += attr(buf + len, WATTR_TEXT, "hi", 2);
	finish(len);
	cr_assert_eq(decode(len), -EBADMSG);
}

Test(whack_proto, control_characters_in_values)
{
	static const char *const bad[] = { "a\nb", "\x1b[31m", "tab\there", "del\x7f" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);
		len += ops_attr(buf + len, 0);
		len += opt_attr(buf + len, WO_NAME, 0, bad[i]);
		finish(len);
		cr_assert_eq(decode(len), -EINVAL, "value %zu accepted", i);
		cr_assert_not_null(strstr(err, "control characters"), "%s", err);
	}
	/* An embedded NUL is a control character too: it would cut the value short. */
	{
		uint8_t v[8] = { 0, WO_NAME, 0, 'a', 0, 'b' };
		size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);
		len += ops_attr(buf + len, 0);
		len += attr(buf + len, WATTR_OPT, v, 6);
		finish(len);
		cr_assert_eq(decode(len), -EINVAL);
	}
}

Test(whack_proto, too_many_options)
{
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	len += ops_attr(buf + len, 0);
	for (int i = 0; i <= WHACK_MAX_OPTS; i++)
		len += opt_attr(buf + len, WO_DEBUG, 0, "all");
	finish(len);
	cr_assert_eq(decode(len), -E2BIG);
	cr_assert_not_null(strstr(err, "too many options"), "%s", err);
	cr_assert_eq(out.nopts, 0);
}

Test(whack_proto, oversized_value)
{
	static uint8_t v[3 + WHACK_VALUE_MAX + 1];
	size_t len = hdr(buf, WHACK_MSG_REQUEST, 0);

	be16(v, WO_ESP);
	v[2] = 0;
	memset(v + 3, 'a', WHACK_VALUE_MAX + 1);
	len += ops_attr(buf + len, 0);
	len += attr(buf + len, WATTR_OPT, v, sizeof(v));
	finish(len);
	cr_assert_eq(decode(len), -EMSGSIZE);
	cr_assert_not_null(strstr(err, "value too long"), "%s", err);
}

Test(whack_proto, reply_round_trip)
{
	char text[WHACK_LINE_MAX + 1];
	unsigned rc = 0;
	int n = whack_reply_encode(RC_NEW_V2_STATE + 3, "\"west\" #3: IKE SA established", buf,
				   sizeof(buf));

	cr_assert_gt(n, WHACK_HDR_LEN);
	cr_assert_eq(whack_reply_decode(buf, (size_t)n, &rc, text, sizeof(text)), 0);
	cr_assert_eq(rc, 153);
	cr_assert_str_eq(text, "\"west\" #3: IKE SA established");

	n = whack_reply_encode(RC_SUCCESS, "", buf, sizeof(buf));
	cr_assert_eq(whack_reply_decode(buf, (size_t)n, &rc, text, sizeof(text)), 0);
	cr_assert_eq(rc, RC_SUCCESS);
	cr_assert_str_eq(text, "");

	/* A short text buffer truncates, still terminated. */
	n = whack_reply_encode(RC_COMMENT, "abcdefgh", buf, sizeof(buf));
	cr_assert_eq(whack_reply_decode(buf, (size_t)n, &rc, text, 4), 0);
	cr_assert_str_eq(text, "abc");
}

Test(whack_proto, reply_malformed)
{
	char text[64];
	unsigned rc;
	uint8_t code[2] = { 0, 4 };
	size_t len;
	int n = whack_reply_encode(RC_SUCCESS, "ok", buf, sizeof(buf));

	/* Truncated anywhere. */
	for (int l = 0; l < n; l++)
		cr_assert_lt(whack_reply_decode(buf, (size_t)l, &rc, text, sizeof(text)), 0);
	/* A request is not a reply. */
	hdr(buf, WHACK_MSG_REQUEST, (uint32_t)n);
	cr_assert_lt(whack_reply_decode(buf, (size_t)n, &rc, text, sizeof(text)), 0);
	/* No RC. */
	len = hdr(buf, WHACK_MSG_REPLY, 0);
	len += attr(buf + len, WATTR_TEXT, "x", 1);
	finish(len);
	cr_assert_eq(whack_reply_decode(buf, len, &rc, text, sizeof(text)), -EBADMSG);
	/* An unknown attribute. */
	len = hdr(buf, WHACK_MSG_REPLY, 0);
	len += attr(buf + len, WATTR_RC, code, 2);
	len += attr(buf + len, WATTR_OPS, "12345678", 8);
	finish(len);
	cr_assert_eq(whack_reply_decode(buf, len, &rc, text, sizeof(text)), -EBADMSG);
	/* An RC that is not 2 bytes. */
	len = hdr(buf, WHACK_MSG_REPLY, 0);
	len += attr(buf + len, WATTR_RC, code, 1);
	finish(len);
	cr_assert_eq(whack_reply_decode(buf, len, &rc, text, sizeof(text)), -EBADMSG);
	/* Text running past the end. */
	len = hdr(buf, WHACK_MSG_REPLY, 0);
	len += attr(buf + len, WATTR_RC, code, 2);
	be16(buf + len, WATTR_TEXT);
	be16(buf + len + 2, 50);
	len += 4 + 3;
	finish(len);
	cr_assert_eq(whack_reply_decode(buf, len, &rc, text, sizeof(text)), -EBADMSG);
}

/* The answer to a prompt (040, 041): one TEXT, no NUL, at most WHACK_ANSWER_MAX bytes. */
Test(whack_proto, answer_round_trip_and_malformed)
{
	char text[WHACK_ANSWER_MAX + 1], big[WHACK_ANSWER_MAX + 2];
	size_t len;
	int n = whack_answer_encode("alice", buf, sizeof(buf));

	cr_assert_gt(n, WHACK_HDR_LEN);
	cr_assert_eq(whack_answer_decode(buf, (size_t)n, text, sizeof(text)), 0);
	cr_assert_str_eq(text, "alice");
	for (int l = 0; l < n; l++)
		cr_assert_lt(whack_answer_decode(buf, (size_t)l, text, sizeof(text)), 0);
	/* too long to encode; too long for the buffer to decode */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(whack_answer_encode(big, buf, sizeof(buf)), -EMSGSIZE);
	n = whack_answer_encode("abcdefgh", buf, sizeof(buf));
	cr_assert_eq(whack_answer_decode(buf, (size_t)n, text, 4), -EBADMSG);
	/* a reply is not an answer */
	hdr(buf, WHACK_MSG_REPLY, (uint32_t)n);
	cr_assert_lt(whack_answer_decode(buf, (size_t)n, text, sizeof(text)), 0);
	/* a NUL inside, two texts, none */
	len = hdr(buf, WHACK_MSG_ANSWER, 0);
	len += attr(buf + len, WATTR_TEXT, "a\0b", 3);
	finish(len);
	cr_assert_eq(whack_answer_decode(buf, len, text, sizeof(text)), -EBADMSG);
	len = hdr(buf, WHACK_MSG_ANSWER, 0);
	len += attr(buf + len, WATTR_TEXT, "a", 1);
	len += attr(buf + len, WATTR_TEXT, "b", 1);
	finish(len);
	cr_assert_eq(whack_answer_decode(buf, len, text, sizeof(text)), -EBADMSG);
	len = hdr(buf, WHACK_MSG_ANSWER, 0);
	finish(len);
	cr_assert_eq(whack_answer_decode(buf, len, text, sizeof(text)), -EBADMSG);
}

Test(whack_proto, exit_status_mapping)
{
	cr_assert(whack_rc_is_quiet(RC_COMMENT));
	cr_assert(whack_rc_is_quiet(RC_LOG));
	cr_assert(whack_rc_is_quiet(RC_LOG_SERIOUS));
	/* --trafficstatus lines: libreswan's whack exits 0 after them */
	cr_assert(whack_rc_is_quiet(RC_INFORMATIONAL));
	cr_assert(whack_rc_is_quiet(RC_INFORMATIONAL_TRAFFIC));
	cr_assert_not(whack_rc_is_quiet(RC_SUCCESS));
	cr_assert_eq(whack_rc_exit_status(RC_SUCCESS), 0);
	cr_assert_eq(whack_rc_exit_status(RC_UNKNOWN_NAME), 21);
	cr_assert_eq(whack_rc_exit_status(RC_NEW_V2_STATE + 2), 152);
	cr_assert_eq(whack_rc_exit_status(300), 255);
}
