/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * whack: parse the command line, send one request to pluto over its UNIX
 * socket, print the reply lines ("NNN text") until pluto closes the
 * stream, and exit with the status the manual's EXIT STATUS describes.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/proto/whack_opts.h"
#include "ctl/proto/whack_proto.h"
#include "util/log.h"

#define WHACK_VERSION "0.1.0"

static const char *label;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A whack-detected problem: "[label ]whack: ..." on stderr. */
static void problem(const char *fmt, ...)
{
	va_list ap;

	if (label)
		fprintf(stderr, "%s ", label);
	fputs("whack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void emit_stdout(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

static void debug_help(void)
{
	printf("debug classes (--debug class, --debug no-class, --no-debug class):\n");
	printf("  %-12s %s\n", "none", "turn every class off");
	printf("  %-12s %s\n", "all", "turn every class on");
	for (unsigned i = 0; i < DBG_CLASS_COUNT; i++)
		printf("  %-12s %s\n", debug_class_name(i), debug_class_help(i));
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
			errno = EBADMSG;	/* stream ended inside a message */
			return -1;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int connect_pluto(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		problem("--ctlsocket %s: path longer than %zu bytes", path,
			sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		problem("cannot create a socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		problem("cannot connect to pluto at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Print pluto's replies until it closes the stream. Returns the exit
 * status: the code of the last line that is not quiet, 0 if none, 1 for a
 * broken stream.
 */
static int relay_replies(int fd)
{
	static uint8_t buf[WHACK_MSG_MAX];
	static char text[WHACK_LINE_MAX + 1];
	int status = 0;

	for (;;) {
		uint16_t kind;
		uint32_t len;
		unsigned rc;
		ssize_t r = read_full(fd, buf, WHACK_HDR_LEN);

		if (r == 0)
			break;
		if (r < 0 && errno != EBADMSG) {
			problem("cannot read the reply from pluto: %s", strerror(errno));
			return 1;
		}
		if (r < 0 || whack_hdr_parse(buf, &kind, &len) < 0 || kind != WHACK_MSG_REPLY) {
			problem("malformed reply from pluto");
			return 1;
		}
		r = read_full(fd, buf + WHACK_HDR_LEN, len - WHACK_HDR_LEN);
		if (len > WHACK_HDR_LEN && r <= 0) {
			problem("malformed reply from pluto");
			return 1;
		}
		if (whack_reply_decode(buf, len, &rc, text, sizeof(text)) < 0) {
			problem("malformed reply from pluto");
			return 1;
		}
		/*
		 * RC_USERPROMPT / RC_ENTERSECRET: there is no interactive
		 * answer yet (--xauthuser/--xauthpass give them up front);
		 * the prompt is shown like any other line.
		 */
		if (label)
			printf("%s ", label);
		if (rc == RC_RAW)
			printf("%s\n", text);	/* key=value lines, as libreswan prints them */
		else
			printf("%03u %s\n", rc, text);
		fflush(stdout);
		if (!whack_rc_is_quiet(rc))
			status = whack_rc_exit_status(rc);
	}
	return status;
}

int main(int argc, char **argv)
{
	static struct whack_cmd cmd;
	static uint8_t msg[WHACK_MSG_MAX];
	struct whack_target target;
	char err[512];
	int status = 1;
	int fd = -1;
	int n;

	/* A pluto that goes away mid-send is an error to report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);

	if (whack_args_parse(argc, argv, &cmd, &target, err, sizeof(err)) < 0) {
		label = target.label;
		problem("%s", err);
		return 1;
	}
	label = target.label;
	if (target.help) {
		whack_usage(emit_stdout, NULL);
		status = 0;
		goto out;
	}
	if (target.version) {
		printf("whack (Skua) %s\n", WHACK_VERSION);
		status = 0;
		goto out;
	}
	if (target.debug_help) {
		debug_help();
		status = 0;
		goto out;
	}

	n = whack_request_encode(&cmd, msg, sizeof(msg));
	if (n < 0) {
		problem("request too large (the limit is %d bytes)", WHACK_MSG_MAX);
		goto out;
	}
	fd = connect_pluto(target.ctlsocket);
	if (fd < 0)
		goto out;
	if (write_full(fd, msg, (size_t)n) < 0) {
		problem("cannot send to pluto at %s: %s", target.ctlsocket, strerror(errno));
		goto out;
	}
	status = relay_replies(fd);
out:
	if (fd >= 0)
		close(fd);
	whack_cmd_fini(&cmd);
	fflush(stdout);
	return status;
}
