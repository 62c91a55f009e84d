/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/ctl_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "util/log.h"

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
	for (ssize_t off = 0; off < n;) {
		ssize_t w = send(c->fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			dbg(DBG_CTL, "whack went away: %s", w < 0 ? "send failed" : "closed");
			c->broken = true;
			return;
		}
		off += w;
	}
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
