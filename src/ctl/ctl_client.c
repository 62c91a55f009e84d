/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/ctl_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"

static void send_bytes(struct ctl_client *c, const uint8_t *buf, size_t n)
{
	for (size_t off = 0; off < n && !c->broken;) {
		ssize_t w = send(c->fd, buf + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			dbg(DBG_CTL, "whack went away: %s", w < 0 ? "send failed" : "closed");
			c->broken = true;
			return;
		}
		off += (size_t)w;
	}
}

void ctl_batch_begin(struct ctl_client *c)
{
	if (!c->batch)
		c->batch = malloc(CTL_BATCH_MAX);
	c->batch_len = 0;
}

void ctl_batch_end(struct ctl_client *c)
{
	if (c->batch)
		send_bytes(c, c->batch, c->batch_len);
	free(c->batch);
	c->batch = NULL;
	c->batch_len = 0;
}

static void send_line(struct ctl_client *c, unsigned rc, const char *text)
{
	uint8_t buf[WHACK_HDR_LEN + 16 + WHACK_LINE_MAX];
	int n = whack_reply_encode(rc, text, buf, sizeof(buf));

	if (c->tee)
		send_line(c->tee, rc, text);
	c->nreplies++;
	if (!whack_rc_is_quiet(rc))
		c->last_rc = rc;
	if (c->broken || n < 0)
		return;
	if (c->batch) {
		if (c->batch_len + (size_t)n > CTL_BATCH_MAX) {
			send_bytes(c, c->batch, c->batch_len);
			c->batch_len = 0;
		}
		memcpy(c->batch + c->batch_len, buf, (size_t)n);
		c->batch_len += (size_t)n;
		return;
	}
	send_bytes(c, buf, (size_t)n);
}

static void vsend(struct ctl_client *c, unsigned rc, bool log, const char *fmt, va_list ap)
{
	char text[WHACK_LINE_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (log)
		log_msg(rc == RC_SUCCESS || rc == RC_LOG ? LOG_INFO : LOG_WARNING, "%s", text);
	send_line(c, rc, text);
}

void ctl_reply(struct ctl_client *c, unsigned rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsend(c, rc, true, fmt, ap);
	va_end(ap);
}

void ctl_comment(struct ctl_client *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsend(c, RC_COMMENT, false, fmt, ap);
	va_end(ap);
}

void ctl_send(struct ctl_client *c, unsigned rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsend(c, rc, false, fmt, ap);
	va_end(ap);
}

void ctl_not_supported(struct ctl_client *c, const char *what)
{
	ctl_reply(c, RC_NOT_SUPPORTED, "%s: not supported yet", what);
}
