/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The data of the REDIRECT and REDIRECTED_FROM notifies (RFC 5685 8.1, 8.2):
 *
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +---------------+---------------+-------------------------------+
 * | Protocol ID   |   SPI Size    |      Notify Message Type      |
 * +---------------+---------------+-------------------------------+
 * | GW Ident Type |  GW Ident Len |                               |
 * +---------------+---------------+                               |
 * ~               New Responder GW Identity                       ~
 * +---------------------------------------------------------------+
 * ~                        Nonce Data                             ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Nonce Data only in a REDIRECT answering IKE_SA_INIT (the initiator's
 * Ni); REDIRECTED_FROM has none.
 */
#include <errno.h>
#include <string.h>

#include "ike/v2/redirect.h"
#include "util/wire.h"

int v2_redirect_decode(const uint8_t *data, size_t len, struct v2_redirect *r)
{
	struct wire w = wire_make(data, len);

	memset(r, 0, sizeof(*r));
	r->gw_type = wire_u8(&w);
	r->gw_len = wire_u8(&w);
	r->gw = wire_bytes(&w, r->gw_len);
	if (wire_err(&w) || r->gw_len == 0)
		return -EBADMSG;
	if ((r->gw_type == V2_GW_IPV4 && r->gw_len != 4) ||
	    (r->gw_type == V2_GW_IPV6 && r->gw_len != 16))
		return -EBADMSG;
	r->nonce_len = wire_left(&w);
	if (r->nonce_len) {
		if (r->nonce_len < V2_NONCE_MIN || r->nonce_len > V2_NONCE_MAX)
			return -EBADMSG;
		r->nonce = wire_bytes(&w, r->nonce_len);
	}
	return wire_err(&w) ? -EBADMSG : 0;
}

int v2_redirect_gw_addr(const struct v2_redirect *r, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	switch (r->gw_type) {
	case V2_GW_IPV4:
		a->af = AF_INET;
		memcpy(a->b, r->gw, 4);
		return 0;
	case V2_GW_IPV6:
		a->af = AF_INET6;
		memcpy(a->b, r->gw, 16);
		return 0;
	default:
		return -ENOTSUP;
	}
}

size_t v2_redirect_encode_fqdn(uint8_t *out, size_t cap, const char *name, const uint8_t *nonce,
			       size_t nonce_len)
{
	struct wbuf b = wbuf_make(out, cap);
	size_t n = strlen(name);

	if (n == 0 || n > 255)
		return 0;
	wbuf_u8(&b, V2_GW_FQDN);
	wbuf_u8(&b, (uint8_t)n);
	wbuf_bytes(&b, name, n);
	if (nonce)
		wbuf_bytes(&b, nonce, nonce_len);
	return b.err ? 0 : b.len;
}

size_t v2_redirect_encode(uint8_t *out, size_t cap, const struct ip_addr *gw,
			  const uint8_t *nonce, size_t nonce_len)
{
	struct wbuf b = wbuf_make(out, cap);
	size_t n = gw->af == AF_INET ? 4 : 16;

	wbuf_u8(&b, gw->af == AF_INET ? V2_GW_IPV4 : V2_GW_IPV6);
	wbuf_u8(&b, (uint8_t)n);
	wbuf_bytes(&b, gw->b, n);
	if (nonce)
		wbuf_bytes(&b, nonce, nonce_len);
	return b.err ? 0 : b.len;
}
