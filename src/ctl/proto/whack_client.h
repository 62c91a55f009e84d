/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_PROTO_WHACK_CLIENT_H
#define SKUA_CTL_PROTO_WHACK_CLIENT_H

#include <stddef.h>

#include "ctl/proto/whack_proto.h"

/*
 * The client side of the whack socket, shared by whack and addconn: send
 * one request and read pluto's reply lines until it closes the stream.
 */

/* Called for each reply line; text is NUL-terminated. */
typedef void whack_client_line_fn(void *ctx, unsigned rc, const char *text);

/*
 * Called after line() for a prompt (RC_USERPROMPT: a user name, echoed;
 * RC_ENTERSECRET: a password): the answer, NUL-terminated, in at most cap
 * bytes. Returns 0, or -1 when there is none (then the stream is closed,
 * pluto gives up, and whack_client_send() returns -ENODATA).
 */
typedef int whack_client_prompt_fn(void *ctx, unsigned rc, char *answer, size_t cap);

/*
 * Connect to ctlsocket, send cmd, call line() for every reply and prompt()
 * (may be NULL: no answers) for every prompt. Returns the
 * exit status the manual's EXIT STATUS section gives (the code of the last
 * line that is not quiet, 0 when there is none), or a negative errno when
 * pluto cannot be reached (-ENOENT, -ECONNREFUSED, ...), the request does
 * not fit (-EMSGSIZE) or the stream broke (-EBADMSG); err then says what,
 * without a program prefix. Context: any thread; blocks until pluto is done.
 */
int whack_client_send(const char *ctlsocket, const struct whack_cmd *cmd,
		      whack_client_line_fn *line, whack_client_prompt_fn *prompt, void *ctx,
		      char *err, size_t errlen);

#endif
