/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for what a worker does with a datagram on port 500:
 * decode the IKEv2 header and outer payload chain, then run the rule
 * check on whatever decoded. When the message carries SK, its content is
 * also fed to the inner decoder as if the transforms were the identity
 * with no IV and no ICV (content, then Pad Length), then re-checked.
 */
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/msg.h"
#include "ike/v2/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct v2_msg m;		/* tens of KiB: off the stack */
	char why[128];

	if (v2_msg_decode(data, size, &m) < 0)
		return 0;
	v2_rules_check(&m, why, sizeof(why));
	v2_rules_kind(&m);
	if (m.has_sk) {
		const uint8_t *pt = data + m.sk.enc_off;
		size_t pad = pt[m.sk.enc_len - 1];

		if (pad + 1 <= m.sk.enc_len &&
		    v2_inner_decode(m.sk.first, pt, m.sk.enc_len - pad - 1, &m) == 0)
			v2_rules_check(&m, why, sizeof(why));
	}
	return 0;
}
