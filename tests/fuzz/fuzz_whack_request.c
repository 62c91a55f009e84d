/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for what pluto does with bytes from the whack socket:
 * decode the request, re-run every whack check on it, and build the
 * connection description when it asks for one. Nothing may crash, leak or
 * read out of bounds, whatever arrives.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctl/proto/whack_opts.h"
#include "ctl/proto/whack_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct whack_cmd cmd;	/* 4 KiB of options: off the stack */
	char err[256];

	if (whack_request_decode(data, size, &cmd, err, sizeof(err)) < 0)
		return 0;
	if (whack_cmd_check(&cmd, err, sizeof(err)) == 0 &&
	    whack_cmd_has_op(&cmd, WOP_ADD_CONN)) {
		struct conn_spec spec;
		whack_cmd_conn_spec(&cmd, &spec, err, sizeof(err));
		conn_spec_fini(&spec);
	}
	/* The builder must cope with commands the checks refused, too. */
	if (whack_cmd_has_op(&cmd, WOP_ADD_CONN)) {
		struct conn_spec spec;
		whack_cmd_conn_spec(&cmd, &spec, err, sizeof(err));
		conn_spec_fini(&spec);
	}
	whack_cmd_fini(&cmd);
	return 0;
}
