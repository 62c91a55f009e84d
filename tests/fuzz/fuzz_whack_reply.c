/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * whack decodes pluto's reply stream: header, then each reply message; pluto
 * decodes whack's answer to a prompt (040, 041) the same way.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctl/proto/whack_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[WHACK_LINE_MAX + 1], answer[WHACK_ANSWER_MAX + 1];
	unsigned rc;
	uint16_t kind;
	uint32_t len;

	if (size >= WHACK_HDR_LEN)
		whack_hdr_parse(data, &kind, &len);
	if (whack_reply_decode(data, size, &rc, text, sizeof(text)) == 0 &&
	    strlen(text) > WHACK_LINE_MAX)
		__builtin_trap();
	if (whack_answer_decode(data, size, answer, sizeof(answer)) == 0 &&
	    strlen(answer) > WHACK_ANSWER_MAX)
		__builtin_trap();
	return 0;
}
