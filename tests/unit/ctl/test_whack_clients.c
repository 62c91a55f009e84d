/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The whack server with several clients at once (in-process pluto): a
 * client that sends its request a byte at a time delays nobody, and has a
 * deadline for the whole request, not per byte; more idle clients than the
 * server reads at once are each refused in turn, and a real request among
 * them is still served. Ordering and completion are asserted, not times.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"

static char dir[] = "/tmp/skua-wc.XXXXXX";
static struct pluto_options opts;
static struct pluto *p;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	memset(&opts, 0, sizeof(opts));
	snprintf(opts.ctlsocket, sizeof(opts.ctlsocket), "%s/pluto.ctl", dir);
	opts.protostack = PROTOSTACK_NONE;
	cr_assert_eq(pluto_start(&opts, &p), 0);
}

static void teardown(void)
{
	pluto_free(p);
	rmdir(dir);
}

TestSuite(whack_clients, .init = setup, .fini = teardown, .timeout = 60);

static int connect_ctl(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	strcpy(sun.sun_path, opts.ctlsocket);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* A --globalstats request, encoded; its length. */
static int encode_globalstats(uint8_t *buf, size_t cap)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));
	int n;

	cr_assert_not_null(cmd);
	cmd->ops = 1ull << WOP_GLOBALSTATS;
	cr_assert_eq(whack_cmd_add(cmd, WO_GLOBALSTATS, WHACK_END_NONE, ""), 0);
	n = whack_request_encode(cmd, buf, cap);
	cr_assert_gt(n, WHACK_HDR_LEN);
	whack_cmd_fini(cmd);
	free(cmd);
	return n;
}

/*
 * Read one reply message from fd (blocking). Returns 1 with its code and
 * text, or 0 at EOF.
 */
static int read_reply(int fd, unsigned *rc, char *text, size_t cap)
{
	uint8_t msg[WHACK_MSG_MAX];
	uint16_t kind;
	uint32_t len;
	ssize_t got = recv(fd, msg, WHACK_HDR_LEN, MSG_WAITALL);

	if (got == 0)
		return 0;
	cr_assert_eq(got, WHACK_HDR_LEN, "short reply header (%zd): %s", got, strerror(errno));
	cr_assert_eq(whack_hdr_parse(msg, &kind, &len), 0);
	cr_assert_eq(recv(fd, msg + WHACK_HDR_LEN, len - WHACK_HDR_LEN, MSG_WAITALL),
		     (ssize_t)(len - WHACK_HDR_LEN));
	cr_assert_eq(whack_reply_decode(msg, len, rc, text, cap), 0);
	return 1;
}

/* A whole --globalstats exchange; true when its lines arrived and the stream ended. */
static bool whack_globalstats(void)
{
	uint8_t buf[WHACK_MSG_MAX];
	char text[256];
	unsigned rc;
	int n = encode_globalstats(buf, sizeof(buf)), fd = connect_ctl(), lines = 0;
	bool seen = false;

	cr_assert_eq(write(fd, buf, (size_t)n), n);
	while (read_reply(fd, &rc, text, sizeof(text))) {
		lines++;
		seen |= strstr(text, "total.whack.requests=") != NULL;
	}
	close(fd);
	return lines > 0 && seen;
}

/* Whether fd has been answered or closed by the server (without waiting). */
static bool server_spoke(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

/*
 * A trickling client holds its connection open with a partial request;
 * meanwhile other whacks are served to the end, one after another, and the
 * trickler has not been answered yet: it delayed nobody and was not cut
 * short because of them.
 */
Test(whack_clients, trickler_delays_nobody)
{
	uint8_t buf[WHACK_MSG_MAX];
	int n = encode_globalstats(buf, sizeof(buf));
	int slow = connect_ctl();

	cr_assert_eq(write(slow, buf, 1), 1);
	for (int i = 0; i < 3; i++)
		cr_assert(whack_globalstats(), "whack %d was not served while another trickled", i);
	cr_assert_not(server_spoke(slow), "the trickler was answered before it finished");

	/* It finishes: it is served like anyone else. */
	cr_assert_eq(write(slow, buf + 1, (size_t)n - 1), n - 1);
	char text[256];
	unsigned rc;
	int lines = 0;
	while (read_reply(slow, &rc, text, sizeof(text)))
		lines++;
	cr_assert_gt(lines, 0);
	cr_assert_neq(rc, RC_BADWHACKMESSAGE, "the completed request was refused: %s", text);
	close(slow);
}

/*
 * The deadline is for the whole request: a client sending a byte every
 * 400 ms (each byte well within any per-read timeout) is refused as timed
 * out before its request of tens of bytes is complete.
 */
Test(whack_clients, trickler_refused_before_it_finishes)
{
	uint8_t buf[WHACK_MSG_MAX];
	int n = encode_globalstats(buf, sizeof(buf)), fd = connect_ctl(), sent = 0;
	char text[256] = "";
	unsigned rc = 0;

	cr_assert_gt(n, 16, "the request is too short to trickle past the deadline");
	while (sent < n - 1 && !server_spoke(fd)) {
		cr_assert_eq(write(fd, buf + sent, 1), 1);
		sent++;
		usleep(400 * 1000);
	}
	cr_assert_lt(sent, n - 1, "the whole request trickled in without a refusal");
	cr_assert_eq(read_reply(fd, &rc, text, sizeof(text)), 1);
	cr_assert_eq(rc, RC_BADWHACKMESSAGE);
	cr_assert(strstr(text, "timed out"), "refused with \"%s\"", text);
	close(fd);
	cr_assert(whack_globalstats(), "the server did not survive the trickler");
}

/*
 * More idle connections than the server reads at once: each is refused as
 * timed out in turn (none is lost), and a real request queued behind them
 * is served.
 */
Test(whack_clients, more_idle_clients_than_slots)
{
	enum { IDLE = 20 };
	int idle[IDLE];
	char text[256];
	unsigned rc;

	for (int i = 0; i < IDLE; i++)
		idle[i] = connect_ctl();
	cr_assert(whack_globalstats(), "a real whack was not served behind idle ones");
	for (int i = 0; i < IDLE; i++) {
		cr_assert_eq(read_reply(idle[i], &rc, text, sizeof(text)), 1,
			     "idle client %d got no answer", i);
		cr_assert_eq(rc, RC_BADWHACKMESSAGE);
		cr_assert(strstr(text, "timed out"), "idle client %d: \"%s\"", i, text);
		close(idle[i]);
	}
}
