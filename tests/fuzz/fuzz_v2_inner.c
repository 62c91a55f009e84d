/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for the inner payload chain, as the crypto layer hands
 * it over after integrity check and decryption. The first two input bytes
 * pick the exchange and flags of a fixed outer message with an SK
 * payload, the third the first inner payload type; the rest is the
 * plaintext. Decode, then the rule check.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/v2/build.h"
#include "ike/v2/msg.h"
#include "ike/v2/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct v2_msg m;
	static const struct v2_sk_sizes sizes = { .iv = 16, .block = 16, .icv = 16 };
	uint8_t outer[128];
	struct v2_sk_layout lay;
	struct v2_build b;
	struct v2_hdr h = {
		.spii = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.spir = { 9, 10, 11, 12, 13, 14, 15, 16 },
		.major = 2,
		.msgid = 1,
	};
	char why[128];

	if (size < 3)
		return 0;
	h.exchange = (uint8_t)(V2_IKE_SA_INIT + data[0] % 4);
	h.flags = data[1] & (V2_FLAG_INITIATOR | V2_FLAG_RESPONSE);
	v2_build_init(&b, outer, sizeof(outer), &h);
	v2_build_sk_begin(&b, sizes.iv);
	if (v2_build_sk_end(&b, &sizes, &lay) || v2_msg_decode(outer, lay.total, &m))
		__builtin_trap();	/* the fixed outer message must always decode */
	if (v2_inner_decode(data[2], data + 3, size - 3, &m) < 0)
		return 0;
	v2_rules_check(&m, why, sizeof(why));
	return 0;
}
