/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/proto/whack_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/wire.h"

void whack_cmd_fini(struct whack_cmd *c)
{
	for (size_t i = 0; i < c->nopts; i++)
		free(c->opts[i].value);
	c->nopts = 0;
	c->ops = 0;
}

static bool value_is_clean(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

static int add_n(struct whack_cmd *c, uint16_t id, uint8_t end, const char *value, size_t n)
{
	if (c->nopts >= WHACK_MAX_OPTS)
		return -E2BIG;
	if (n > WHACK_VALUE_MAX)
		return -EMSGSIZE;
	if (!value_is_clean(value, n))
		return -EINVAL;
	char *v = malloc(n + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, value, n);
	v[n] = '\0';
	c->opts[c->nopts++] = (struct whack_optval){ .id = id, .end = end, .value = v };
	return 0;
}

int whack_cmd_add(struct whack_cmd *c, uint16_t id, enum whack_end end, const char *value)
{
	if (!value)
		value = "";
	return add_n(c, id, (uint8_t)end, value, strlen(value));
}

const struct whack_optval *whack_cmd_find(const struct whack_cmd *c, uint16_t id, int end)
{
	for (size_t i = 0; i < c->nopts; i++) {
		if (c->opts[i].id == id && (end == WHACK_END_NONE || c->opts[i].end == end))
			return &c->opts[i];
	}
	return NULL;
}

static void put_hdr(struct wbuf *b, uint16_t kind)
{
	wbuf_u32(b, WHACK_PROTO_MAGIC);
	wbuf_u16(b, WHACK_PROTO_VERSION);
	wbuf_u16(b, kind);
	wbuf_u32(b, 0);		/* length, patched at the end */
}

static int finish(struct wbuf *b)
{
	if (b->err)
		return b->err;
	if (b->len > WHACK_MSG_MAX)
		return -EMSGSIZE;
	put_u32(b->p + 8, (uint32_t)b->len);
	return (int)b->len;
}

static void put_attr(struct wbuf *b, uint16_t type, const void *v, size_t n)
{
	if (n > UINT16_MAX) {
		b->err = -EMSGSIZE;
		return;
	}
	wbuf_u16(b, type);
	wbuf_u16(b, (uint16_t)n);
	wbuf_bytes(b, v, n);
}

int whack_request_encode(const struct whack_cmd *c, uint8_t *buf, size_t cap)
{
	struct wbuf b = wbuf_make(buf, cap);
	uint8_t ops[8];

	put_hdr(&b, WHACK_MSG_REQUEST);
	put_u32(ops, (uint32_t)(c->ops >> 32));
	put_u32(ops + 4, (uint32_t)c->ops);
	put_attr(&b, WATTR_OPS, ops, sizeof(ops));
	for (size_t i = 0; i < c->nopts; i++) {
		size_t n = strlen(c->opts[i].value);
		if (n > WHACK_VALUE_MAX)
			return -EMSGSIZE;
		wbuf_u16(&b, WATTR_OPT);
		wbuf_u16(&b, (uint16_t)(3 + n));
		wbuf_u16(&b, c->opts[i].id);
		wbuf_u8(&b, c->opts[i].end);
		wbuf_bytes(&b, c->opts[i].value, n);
	}
	return finish(&b);
}

int whack_hdr_parse(const uint8_t *hdr, uint16_t *kind, uint32_t *len)
{
	struct wire w = wire_make(hdr, WHACK_HDR_LEN);
	uint32_t magic = wire_u32(&w);
	uint16_t version = wire_u16(&w);
	*kind = wire_u16(&w);
	*len = wire_u32(&w);
	if (magic != WHACK_PROTO_MAGIC || version != WHACK_PROTO_VERSION)
		return -EPROTO;
	if (*len < WHACK_HDR_LEN || *len > WHACK_MSG_MAX)
		return -EMSGSIZE;
	return 0;
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Check the header against the buffer and the expected kind; position w after it. */
static int open_msg(struct wire *w, const uint8_t *buf, size_t len, uint16_t want, char *err,
		    size_t errlen)
{
	uint16_t kind;
	uint32_t mlen;
	int rc;

	if (len < WHACK_HDR_LEN)
		return fail(err, errlen, -EBADMSG, "message of %zu bytes is shorter than the %d-byte header",
			    len, WHACK_HDR_LEN);
	rc = whack_hdr_parse(buf, &kind, &mlen);
	if (rc == -EPROTO)
		return fail(err, errlen, rc,
			    "bad magic or protocol version (expected \"SKWH\" version %d)",
			    WHACK_PROTO_VERSION);
	if (rc < 0)
		return fail(err, errlen, rc, "message length %u outside %d..%d", (unsigned)mlen,
			    WHACK_HDR_LEN, WHACK_MSG_MAX);
	if (mlen != len)
		return fail(err, errlen, -EBADMSG, "header says %u bytes but %zu arrived",
			    (unsigned)mlen, len);
	if (kind != want)
		return fail(err, errlen, -EBADMSG, "message kind %u, expected %u", kind, want);
	*w = wire_make(buf + WHACK_HDR_LEN, len - WHACK_HDR_LEN);
	return 0;
}

int whack_request_decode(const uint8_t *buf, size_t len, struct whack_cmd *c, char *err,
			 size_t errlen)
{
	struct wire w;
	bool have_ops = false;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = open_msg(&w, buf, len, WHACK_MSG_REQUEST, err, errlen);
	if (rc < 0)
		return rc;
	while (wire_left(&w) > 0) {
		uint16_t type = wire_u16(&w);
		uint16_t alen = wire_u16(&w);
		struct wire a = wire_sub(&w, alen);
		if (wire_err(&w)) {
			rc = fail(err, errlen, -EBADMSG, "attribute of %u bytes runs past the message",
				  alen);
			goto bad;
		}
		switch (type) {
		case WATTR_OPS:
			if (alen != 8 || have_ops) {
				rc = fail(err, errlen, -EBADMSG,
					  "OPS attribute must appear once with 8 bytes");
				goto bad;
			}
			c->ops = wire_u64(&a);
			if (c->ops >> WOP_COUNT) {
				rc = fail(err, errlen, -EBADMSG, "unknown operation bits 0x%llx",
					  (unsigned long long)(c->ops >> WOP_COUNT));
				goto bad;
			}
			have_ops = true;
			break;
		case WATTR_OPT: {
			uint16_t id = wire_u16(&a);
			uint8_t end = wire_u8(&a);
			size_t n = wire_left(&a);
			const uint8_t *v = wire_bytes(&a, n);
			if (wire_err(&a) || end > WHACK_END_RIGHT) {
				rc = fail(err, errlen, -EBADMSG, "malformed option attribute");
				goto bad;
			}
			rc = add_n(c, id, end, (const char *)v, n);
			if (rc < 0) {
				fail(err, errlen, rc, "option %u: %s", id,
				     rc == -E2BIG ? "too many options" :
				     rc == -EMSGSIZE ? "value too long" :
				     rc == -EINVAL ? "value contains control characters" :
				     "out of memory");
				goto bad;
			}
			break;
		}
		default:
			rc = fail(err, errlen, -EBADMSG, "unknown attribute type %u in a request",
				  type);
			goto bad;
		}
	}
	if (!have_ops) {
		rc = fail(err, errlen, -EBADMSG, "request without an OPS attribute");
		goto bad;
	}
	return 0;
bad:
	whack_cmd_fini(c);
	return rc;
}

int whack_reply_encode(unsigned rc, const char *text, uint8_t *buf, size_t cap)
{
	struct wbuf b = wbuf_make(buf, cap);
	uint8_t code[2];
	size_t n = strlen(text);

	if (n > WHACK_LINE_MAX)
		n = WHACK_LINE_MAX;
	put_hdr(&b, WHACK_MSG_REPLY);
	put_u16(code, (uint16_t)rc);
	put_attr(&b, WATTR_RC, code, 2);
	put_attr(&b, WATTR_TEXT, text, n);
	return finish(&b);
}

int whack_reply_decode(const uint8_t *buf, size_t len, unsigned *rc, char *textbuf,
		       size_t textcap)
{
	struct wire w;
	bool have_rc = false;
	int r = open_msg(&w, buf, len, WHACK_MSG_REPLY, NULL, 0);

	if (r < 0)
		return r;
	if (textcap == 0)
		return -EINVAL;
	textbuf[0] = '\0';
	while (wire_left(&w) > 0) {
		uint16_t type = wire_u16(&w);
		uint16_t alen = wire_u16(&w);
		struct wire a = wire_sub(&w, alen);
		if (wire_err(&w))
			return -EBADMSG;
		if (type == WATTR_RC && alen == 2) {
			*rc = wire_u16(&a);
			have_rc = true;
		} else if (type == WATTR_TEXT) {
			size_t n = alen < textcap - 1 ? alen : textcap - 1;
			memcpy(textbuf, wire_bytes(&a, alen), n);
			textbuf[n] = '\0';
		} else {
			return -EBADMSG;
		}
	}
	return have_rc ? 0 : -EBADMSG;
}

int whack_answer_encode(const char *text, uint8_t *buf, size_t cap)
{
	struct wbuf b = wbuf_make(buf, cap);
	size_t n = strlen(text);

	if (n > WHACK_ANSWER_MAX)
		return -EMSGSIZE;
	put_hdr(&b, WHACK_MSG_ANSWER);
	put_attr(&b, WATTR_TEXT, text, n);
	return finish(&b);
}

int whack_answer_decode(const uint8_t *buf, size_t len, char *textbuf, size_t textcap)
{
	struct wire w;
	bool have = false;
	int r = open_msg(&w, buf, len, WHACK_MSG_ANSWER, NULL, 0);

	if (r < 0)
		return r;
	if (textcap == 0)
		return -EINVAL;
	textbuf[0] = '\0';
	while (wire_left(&w) > 0) {
		uint16_t type = wire_u16(&w);
		uint16_t alen = wire_u16(&w);
		struct wire a = wire_sub(&w, alen);
		const uint8_t *v;

		if (wire_err(&w) || type != WATTR_TEXT || have || alen >= textcap)
			return -EBADMSG;
		v = wire_bytes(&a, alen);
		if (alen && (!v || memchr(v, '\0', alen)))
			return -EBADMSG;
		if (alen)
			memcpy(textbuf, v, alen);
		textbuf[alen] = '\0';
		have = true;
	}
	return have ? 0 : -EBADMSG;
}
