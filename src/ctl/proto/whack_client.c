/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/proto/whack_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Read exactly n bytes. Returns n, 0 on EOF before the first byte, or -1 (errno set). */
static ssize_t read_full(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			if (got == 0)
				return 0;
			errno = EBADMSG; /* stream ended inside a message */
			return -1;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int connect_pluto(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return fail(err, errlen, -ENAMETOOLONG,
			    "--ctlsocket %s: path longer than %zu bytes", path,
			    sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot create a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		close(fd);
		return fail(err, errlen, rc, "cannot connect to pluto at %s: %s", path,
			    strerror(-rc));
	}
	return fd;
}

/* Hand every reply line to line() until pluto closes; the status of the manual. */
/* Ask the user for the answer to prompt line rc and send it; 0, or a status (err set). */
static int answer_prompt(int fd, unsigned rc, whack_client_prompt_fn *prompt, void *ctx,
			 char *err, size_t errlen)
{
	char answer[WHACK_ANSWER_MAX + 1];
	uint8_t msg[WHACK_HDR_LEN + 4 + WHACK_ANSWER_MAX];
	int n, ret = 0;

	if (!prompt || prompt(ctx, rc, answer, sizeof(answer)) < 0) {
		explicit_bzero(answer, sizeof(answer));
		return fail(err, errlen, -ENODATA, "no %s given: not answering pluto's prompt",
			    rc == RC_USERPROMPT ? "user name" : "password");
	}
	n = whack_answer_encode(answer, msg, sizeof(msg));
	if (n < 0)
		ret = fail(err, errlen, -EMSGSIZE, "the answer is longer than %d bytes",
			   WHACK_ANSWER_MAX);
	else if ((ret = write_full(fd, msg, (size_t)n)) < 0)
		fail(err, errlen, ret, "cannot send the answer to pluto: %s", strerror(-ret));
	explicit_bzero(answer, sizeof(answer));
	explicit_bzero(msg, sizeof(msg));
	return ret;
}

static int relay_replies(int fd, whack_client_line_fn *line, whack_client_prompt_fn *prompt,
			 void *ctx, char *err, size_t errlen)
{
	uint8_t *buf = malloc(WHACK_MSG_MAX);
	char *text = malloc(WHACK_LINE_MAX + 1);
	int status = 0;

	if (!buf || !text) {
		status = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		uint16_t kind;
		uint32_t len;
		unsigned rc;
		ssize_t r = read_full(fd, buf, WHACK_HDR_LEN);

		if (r == 0)
			break;
		if (r < 0 && errno != EBADMSG) {
			status = fail(err, errlen, -errno, "cannot read the reply from pluto: %s",
				      strerror(errno));
			goto out;
		}
		if (r < 0 || whack_hdr_parse(buf, &kind, &len) < 0 || kind != WHACK_MSG_REPLY) {
			status = fail(err, errlen, -EBADMSG, "malformed reply from pluto");
			goto out;
		}
		r = read_full(fd, buf + WHACK_HDR_LEN, len - WHACK_HDR_LEN);
		if (len > WHACK_HDR_LEN && r <= 0) {
			status = fail(err, errlen, -EBADMSG, "malformed reply from pluto");
			goto out;
		}
		if (whack_reply_decode(buf, len, &rc, text, WHACK_LINE_MAX + 1) < 0) {
			status = fail(err, errlen, -EBADMSG, "malformed reply from pluto");
			goto out;
		}
		line(ctx, rc, text);
		/* RC_USERPROMPT / RC_ENTERSECRET: pluto waits for the user's answer */
		if (rc == RC_USERPROMPT || rc == RC_ENTERSECRET) {
			int a = answer_prompt(fd, rc, prompt, ctx, err, errlen);

			if (a < 0) {
				status = a;
				goto out;
			}
			continue;
		}
		if (!whack_rc_is_quiet(rc))
			status = whack_rc_exit_status(rc);
	}
out:
	free(buf);
	free(text);
	return status;
}

int whack_client_send(const char *ctlsocket, const struct whack_cmd *cmd,
		      whack_client_line_fn *line, whack_client_prompt_fn *prompt, void *ctx,
		      char *err, size_t errlen)
{
	uint8_t *msg = malloc(WHACK_MSG_MAX);
	int fd = -1, n, rc;

	if (!msg)
		return fail(err, errlen, -ENOMEM, "out of memory");
	n = whack_request_encode(cmd, msg, WHACK_MSG_MAX);
	if (n < 0) {
		rc = fail(err, errlen, -EMSGSIZE, "request too large (the limit is %d bytes)",
			  WHACK_MSG_MAX);
		goto out;
	}
	fd = connect_pluto(ctlsocket, err, errlen);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	rc = write_full(fd, msg, (size_t)n);
	if (rc < 0) {
		fail(err, errlen, rc, "cannot send to pluto at %s: %s", ctlsocket, strerror(-rc));
		goto out;
	}
	rc = relay_replies(fd, line, prompt, ctx, err, errlen);
out:
	if (fd >= 0)
		close(fd);
	free(msg);
	return rc;
}
