/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_WIRE_H
#define SKUA_UTIL_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The bounds-checked cursor: the only way untrusted bytes are read.
 * Errors "stick": after the first short read every further read returns
 * zero / NULL and wire_err() reports -EBADMSG, so a decoder reads many
 * fields and checks once. Integers are network byte order.
 *
 * Owner: the caller; a cursor borrows the buffer it reads.
 */
struct wire {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;		/* 0 or -EBADMSG */
};

static inline struct wire wire_make(const void *buf, size_t len)
{
	struct wire w = { .p = buf, .len = len, .off = 0, .err = 0 };
	return w;
}

static inline size_t wire_left(const struct wire *w)
{
	return w->err ? 0 : w->len - w->off;
}

static inline int wire_err(const struct wire *w)
{
	return w->err;
}

static inline const uint8_t *wire_bytes(struct wire *w, size_t n)
{
	if (w->err || n > w->len - w->off) {
		w->err = -EBADMSG;
		return NULL;
	}
	const uint8_t *b = w->p + w->off;
	w->off += n;
	return b;
}

static inline uint8_t wire_u8(struct wire *w)
{
	const uint8_t *b = wire_bytes(w, 1);
	return b ? b[0] : 0;
}

static inline uint16_t wire_u16(struct wire *w)
{
	const uint8_t *b = wire_bytes(w, 2);
	return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

static inline uint32_t wire_u32(struct wire *w)
{
	const uint8_t *b = wire_bytes(w, 4);
	return b ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;
}

static inline uint64_t wire_u64(struct wire *w)
{
	uint64_t hi = wire_u32(w);
	return hi << 32 | wire_u32(w);
}

/* A cursor over the next n bytes; the parent moves past them. */
static inline struct wire wire_sub(struct wire *w, size_t n)
{
	const uint8_t *b = wire_bytes(w, n);
	struct wire s = { .p = b, .len = b ? n : 0, .off = 0, .err = b ? 0 : -EBADMSG };
	return s;
}

/*
 * The writer: appends into a caller-owned buffer; overflow sticks as
 * -EMSGSIZE.
 */
struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;		/* 0 or -EMSGSIZE */
};

static inline struct wbuf wbuf_make(void *buf, size_t cap)
{
	struct wbuf b = { .p = buf, .cap = cap, .len = 0, .err = 0 };
	return b;
}

static inline uint8_t *wbuf_reserve(struct wbuf *b, size_t n)
{
	if (b->err || n > b->cap - b->len) {
		b->err = -EMSGSIZE;
		return NULL;
	}
	uint8_t *p = b->p + b->len;
	b->len += n;
	return p;
}

static inline void wbuf_bytes(struct wbuf *b, const void *src, size_t n)
{
	uint8_t *p = wbuf_reserve(b, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void wbuf_u8(struct wbuf *b, uint8_t v)
{
	wbuf_bytes(b, &v, 1);
}

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void wbuf_u16(struct wbuf *b, uint16_t v)
{
	uint8_t *p = wbuf_reserve(b, 2);
	if (p)
		put_u16(p, v);
}

static inline void wbuf_u32(struct wbuf *b, uint32_t v)
{
	uint8_t *p = wbuf_reserve(b, 4);
	if (p)
		put_u32(p, v);
}

static inline void wbuf_u64(struct wbuf *b, uint64_t v)
{
	wbuf_u32(b, (uint32_t)(v >> 32));
	wbuf_u32(b, (uint32_t)v);
}

#endif
