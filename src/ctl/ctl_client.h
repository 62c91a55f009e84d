/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CTL_CLIENT_H
#define SKUA_CTL_CTL_CLIENT_H

#include <stdbool.h>

#include "ctl/proto/whack_proto.h"

/*
 * One whack connection: the channel progress lines go back on.
 * Owner: the ctl thread.
 */
struct ctl_client {
	int fd;
	bool broken;		/* whack went away: further replies are dropped */
	unsigned last_rc;	/* the last code sent that is not quiet (for tests/logs) */
	unsigned nreplies;
	bool handed_off;	/* a worker keeps a dup of the socket for progress lines */
	struct ctl_client *tee;	/* or NULL: every line is also sent there (pluto's own requests) */
	uint8_t *batch;		/* between ctl_batch_begin() and _end(): lines gathered here */
	size_t batch_len;
};

/*
 * Listings of many lines: between these, lines are sent in blocks of up
 * to CTL_BATCH_MAX bytes rather than one send() each (100,000 SAs list
 * in 300,000 lines). Without memory for the block, lines go one by one.
 */
enum { CTL_BATCH_MAX = 64 * 1024 };
void ctl_batch_begin(struct ctl_client *c);
void ctl_batch_end(struct ctl_client *c);

/*
 * Send one progress line. The line is also logged when rc is not a
 * comment (the manual: whack sees what the log sees). Context: ctl thread;
 * may block for at most the socket's send timeout.
 */
void ctl_reply(struct ctl_client *c, unsigned rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Status output: a RC_COMMENT line, not logged. */
void ctl_comment(struct ctl_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line with any code, not logged (the caller logged it, rate-limited). */
void ctl_send(struct ctl_client *c, unsigned rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The standard refusal for a form whose capability has not landed yet. */
void ctl_not_supported(struct ctl_client *c, const char *what);

#endif
