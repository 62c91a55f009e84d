/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for fragment reassembly: the input is a series of
 * records (message ID byte, fragment number, total, first type, length
 * byte, content) fed to one reassembly; whenever it completes, the
 * result is assembled and decoded as an inner chain. Also decodes the
 * whole input as an SKF datagram. Nothing may leak or overrun.
 */
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/frag.h"
#include "ike/v2/msg.h"
#include "ike/v2/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct v2_msg m;
	static uint8_t out[V2_FRAG_BYTES_MAX];
	struct v2_frag_reasm r;
	struct wire w = wire_make(data, size);
	char why[128];

	if (v2_msg_decode(data, size, &m) == 0)
		v2_rules_check(&m, why, sizeof(why));

	v2_frag_reasm_init(&r);
	while (wire_left(&w) >= 7) {
		uint8_t msgid = wire_u8(&w);
		uint16_t num = wire_u16(&w) % 40;
		uint8_t total = wire_u8(&w) % 40;
		uint8_t first = wire_u8(&w);
		uint16_t len = wire_u16(&w);
		size_t n = len < wire_left(&w) ? len : wire_left(&w);
		const uint8_t *p = wire_bytes(&w, n);
		size_t out_len;
		uint8_t out_first;

		if (v2_frag_add(&r, msgid, num, total, first, p, n) != V2_FRAG_DONE)
			continue;
		if (v2_frag_assemble(&r, out, sizeof(out), &out_len, &out_first))
			__builtin_trap();	/* complete and within the cap: must assemble */
		/* pretend the reassembled chain belongs to an SK message, when there is one */
		if (m.has_sk && !m.inner_done && m.buf == data &&
		    v2_inner_decode(out_first, out, out_len, &m) == 0)
			v2_rules_check(&m, why, sizeof(why));
	}
	v2_frag_reasm_reset(&r);
	return 0;
}
