/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_DER_H
#define SKUA_CRYPTO_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/wire.h"

/*
 * A small DER reader and writer over the wire cursor, for the few ASN.1
 * structures IKE carries outside certificates (RFC 7427
 * AlgorithmIdentifiers, DNs in ID payloads). Module-internal.
 *
 * Reading accepts DER only: one-byte tags (low tag numbers), definite
 * lengths in the minimal form, at most four length octets; anything else
 * makes the cursor fail (-EBADMSG), as a short read does.
 */

enum der_tag {
	DER_INTEGER = 0x02,
	DER_BIT_STRING = 0x03,
	DER_OCTET_STRING = 0x04,
	DER_NULL = 0x05,
	DER_OID = 0x06,
	DER_UTF8STRING = 0x0c,
	DER_PRINTABLESTRING = 0x13,
	DER_T61STRING = 0x14,
	DER_IA5STRING = 0x16,
	DER_UNIVERSALSTRING = 0x1c,
	DER_BMPSTRING = 0x1e,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
	DER_CTX0 = 0xa0,	/* [0] constructed */
};

/*
 * Read one TLV: its tag, and a cursor over its value. On a malformed
 * header the parent cursor fails and *val is an empty failed cursor.
 */
static inline uint8_t der_read(struct wire *w, struct wire *val)
{
	uint8_t tag = wire_u8(w), l0 = wire_u8(w);
	size_t len = 0;

	if ((tag & 0x1f) == 0x1f)
		w->err = -EBADMSG;	/* high tag numbers: never in what we parse */
	if (l0 < 0x80) {
		len = l0;
	} else {
		unsigned n = l0 & 0x7f;

		if (n == 0 || n > 4)
			w->err = -EBADMSG;	/* indefinite or absurd */
		for (unsigned i = 0; i < n && !w->err; i++) {
			uint8_t b = wire_u8(w);

			if (i == 0 && b == 0)
				w->err = -EBADMSG;	/* not minimal */
			len = len << 8 | b;
		}
		if (!w->err && len < 0x80)
			w->err = -EBADMSG;	/* long form for a short length */
	}
	*val = wire_sub(w, w->err ? (size_t)-1 : len);
	return w->err ? 0 : tag;
}

/* The tag of the next TLV without reading it; 0 at the end. */
static inline uint8_t der_peek(const struct wire *w)
{
	return wire_left(w) ? w->p[w->off] : 0;
}

/* Read a TLV that must have this tag. */
static inline struct wire der_expect(struct wire *w, uint8_t tag)
{
	struct wire v;

	if (der_read(w, &v) != tag) {
		w->err = -EBADMSG;
		v.err = -EBADMSG;
	}
	return v;
}

/* Whether a cursor holds exactly these bytes (and is fully read by the comparison). */
static inline bool der_is(struct wire *v, const uint8_t *bytes, size_t len)
{
	size_t n = wire_left(v);
	const uint8_t *p = wire_bytes(v, n);

	return !v->err && n == len && p && memcmp(p, bytes, len) == 0;
}

/* A small non-negative INTEGER (below 2^31), strict DER. -1 on error. */
static inline long der_small_int(struct wire *v)
{
	size_t n = wire_left(v);
	long x = 0;

	if (n == 0 || n > 4)
		return -1;
	const uint8_t *p = wire_bytes(v, n);

	if (!p || p[0] & 0x80 || (n > 1 && p[0] == 0 && !(p[1] & 0x80)))
		return -1;	/* negative or not minimal */
	for (size_t i = 0; i < n; i++)
		x = x << 8 | p[i];
	return x;
}

/* The writer: one TLV header for a value of len bytes. */
static inline void der_put_hdr(struct wbuf *b, uint8_t tag, size_t len)
{
	wbuf_u8(b, tag);
	if (len < 0x80) {
		wbuf_u8(b, (uint8_t)len);
	} else if (len < 0x100) {
		wbuf_u8(b, 0x81);
		wbuf_u8(b, (uint8_t)len);
	} else {
		wbuf_u8(b, 0x82);
		wbuf_u8(b, (uint8_t)(len >> 8));
		wbuf_u8(b, (uint8_t)len);
	}
}

/* The size of a TLV with a value of len bytes (len below 65536). */
static inline size_t der_size(size_t len)
{
	return 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : 3) + len;
}

#endif
