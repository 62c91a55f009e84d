/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for the ISAKMP codec: decode the header and the
 * payload chain; for an encrypted message, the body is fed to the chain
 * decoder as if decryption were the identity. Every SA form that decoded
 * is encoded again and must decode again to the same counts (the encoder
 * writes what the decoder reads).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ike/v1/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct v1_msg m;		/* the SA pools: off the stack */
	static struct v1_sa again;
	static uint8_t out[65536];

	if (v1_msg_decode(data, size, &m) < 0)
		return 0;
	if (m.encrypted && v1_msg_decode_body(&m, data + V1_HDR_SIZE, size - V1_HDR_SIZE) < 0)
		return 0;
	for (int i = 0; i < m.npl; i++) {
		const struct v1_payload *p = &m.pl[i];
		struct wbuf b = wbuf_make(out, sizeof(out));
		const char *why;

		if (p->type != V1_PL_SA)
			continue;
		for (unsigned t = 0; t < p->u.sa->ntrans; t++)
			v1_sa_attr(p->u.sa, &p->u.sa->trans[t], V1_A_GROUP);
		if (v1_pl_sa_encode(&b, p->u.sa) < 0)
			abort();
		struct wire w = wire_make(out, b.len);
		if (v1_pl_sa_decode(&w, &again, &why) < 0 || again.nprop != p->u.sa->nprop ||
		    again.ntrans != p->u.sa->ntrans || again.nattr != p->u.sa->nattr)
			abort();
	}
	return 0;
}
