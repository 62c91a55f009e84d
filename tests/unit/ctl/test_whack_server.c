/* SPDX-License-Identifier: BSD-2-Clause */
/* The whack server in-process: malformed input is refused, state survives. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "util/wire.h"

static char dir[] = "/tmp/skua-ws.XXXXXX";
static struct pluto_options opts;
static struct pluto *p;

struct replies {
	unsigned rc[64];
	char text[64][256];
	int n;
};

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

TestSuite(whack_server, .init = setup, .fini = teardown, .timeout = 30);

static int connect_ctl(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	strcpy(sun.sun_path, opts.ctlsocket);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Send raw bytes (optionally half-close), read every reply until EOF. */
static void exchange(const void *buf, size_t len, bool shut, struct replies *r)
{
	int fd = connect_ctl();
	uint8_t msg[WHACK_MSG_MAX];
	memset(r, 0, sizeof(*r));
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	if (shut)
		shutdown(fd, SHUT_WR);
	for (;;) {
		uint16_t kind;
		uint32_t mlen;
		ssize_t got = recv(fd, msg, WHACK_HDR_LEN, MSG_WAITALL);
		if (got == 0)
			break;
		cr_assert_eq(got, WHACK_HDR_LEN);
		cr_assert_eq(whack_hdr_parse(msg, &kind, &mlen), 0);
		cr_assert_eq(recv(fd, msg + WHACK_HDR_LEN, mlen - WHACK_HDR_LEN, MSG_WAITALL),
			     (ssize_t)(mlen - WHACK_HDR_LEN));
		cr_assert_lt(r->n, 64);
		cr_assert_eq(whack_reply_decode(msg, mlen, &r->rc[r->n], r->text[r->n], 256), 0);
		r->n++;
	}
	close(fd);
}

static void request(const struct whack_cmd *cmd, struct replies *r)
{
	uint8_t buf[WHACK_MSG_MAX];
	int n = whack_request_encode(cmd, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	exchange(buf, (size_t)n, false, r);
}

static unsigned last_loud(const struct replies *r)
{
	unsigned rc = RC_SUCCESS;
	for (int i = 0; i < r->n; i++)
		if (!whack_rc_is_quiet(r->rc[i]))
			rc = r->rc[i];
	return rc;
}

static bool any_text(const struct replies *r, const char *needle)
{
	for (int i = 0; i < r->n; i++)
		if (strstr(r->text[i], needle))
			return true;
	return false;
}

static void add_conn(const char *name, const char *left, const char *right, struct replies *r)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));
	cmd->ops = 1ull << WOP_ADD_CONN;
	cr_assert_eq(whack_cmd_add(cmd, WO_NAME, WHACK_END_NONE, name), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_HOST, WHACK_END_LEFT, left), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_TO, WHACK_END_NONE, ""), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_HOST, WHACK_END_RIGHT, right), 0);
	request(cmd, r);
	whack_cmd_fini(cmd);
	free(cmd);
}

static void simple(enum whack_op op, uint16_t opt, const char *name, struct replies *r)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));
	cmd->ops = 1ull << op;
	if (name)
		cr_assert_eq(whack_cmd_add(cmd, WO_NAME, WHACK_END_NONE, name), 0);
	if (opt)
		cr_assert_eq(whack_cmd_add(cmd, opt, WHACK_END_NONE, ""), 0);
	request(cmd, r);
	whack_cmd_fini(cmd);
	free(cmd);
}

Test(whack_server, socket_is_root_only)
{
	struct stat st;
	cr_assert_eq(stat(opts.ctlsocket, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600);
}

Test(whack_server, add_status_duplicate_delete)
{
	struct replies r;

	add_conn("a1", "192.0.2.1", "192.0.2.2", &r);
	cr_assert_eq(last_loud(&r), RC_SUCCESS, "add: rc %u %s", r.rc[0], r.text[0]);
	cr_assert(any_text(&r, "\"a1\": added IKEv2 connection"));
	add_conn("a1", "192.0.2.1", "192.0.2.3", &r);
	cr_assert_eq(last_loud(&r), RC_DUPNAME);

	simple(WOP_STATUS, WO_STATUS, NULL, &r);
	cr_assert(any_text(&r, "\"a1\": 192.0.2.1...192.0.2.2;"));
	cr_assert(any_text(&r, "connections: loaded 1"));

	simple(WOP_DELETE, WO_DELETE, "nosuch", &r);
	cr_assert_eq(last_loud(&r), RC_UNKNOWN_NAME);
	simple(WOP_DELETE, WO_DELETE, "a1", &r);
	cr_assert_eq(last_loud(&r), RC_SUCCESS);
	simple(WOP_STATUS, WO_STATUS, NULL, &r);
	cr_assert_not(any_text(&r, "\"a1\""));
	cr_assert(any_text(&r, "connections: loaded 0"));
}

Test(whack_server, garbage_is_refused_and_state_survives)
{
	struct replies r;
	uint8_t junk[64];

	add_conn("keep", "192.0.2.1", "192.0.2.2", &r);
	memset(junk, 0xA5, sizeof(junk));
	exchange(junk, sizeof(junk), true, &r);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.rc[0], RC_BADWHACKMESSAGE);
	cr_assert(strstr(r.text[0], "magic"), "text: %s", r.text[0]);

	simple(WOP_STATUS, WO_STATUS, NULL, &r);
	cr_assert(any_text(&r, "\"keep\""));
	cr_assert_eq(atomic_load(&p->stats.whack_malformed), 1);
}

Test(whack_server, oversized_and_truncated)
{
	struct replies r;
	uint8_t hdr[WHACK_HDR_LEN + 8];
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));
	uint8_t buf[256];
	int n;

	/* A header claiming a megabyte is refused before anything is read. */
	cmd->ops = 1ull << WOP_STATUS;
	n = whack_request_encode(cmd, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	memcpy(hdr, buf, WHACK_HDR_LEN);
	put_u32(hdr + 8, 1u << 20);
	exchange(hdr, WHACK_HDR_LEN, true, &r);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.rc[0], RC_BADWHACKMESSAGE);
	cr_assert(strstr(r.text[0], "length"), "text: %s", r.text[0]);

	/* A request cut short: the server gives up on it and keeps serving. */
	exchange(buf, (size_t)n - 3, true, &r);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.rc[0], RC_BADWHACKMESSAGE);

	/* An option value that whack would never send: refused by the checks. */
	cmd->ops = 1ull << WOP_ADD_CONN;
	cr_assert_eq(whack_cmd_add(cmd, WO_NAME, WHACK_END_NONE, "x"), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_HOST, WHACK_END_LEFT, "not-an-address"), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_TO, WHACK_END_NONE, ""), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_HOST, WHACK_END_RIGHT, "192.0.2.2"), 0);
	request(cmd, &r);
	cr_assert_neq(last_loud(&r), RC_SUCCESS);
	whack_cmd_fini(cmd);
	free(cmd);

	simple(WOP_STATUS, WO_STATUS, NULL, &r);
	cr_assert(any_text(&r, "connections: loaded 0"));
}

Test(whack_server, unsupported_form_says_so)
{
	struct replies r;
	simple(WOP_PURGEOCSP, WO_PURGEOCSP, NULL, &r);
	cr_assert_eq(last_loud(&r), RC_NOT_SUPPORTED);
	cr_assert(any_text(&r, "not supported yet"));
}

Test(whack_server, shutdown_leave_state)
{
	struct replies r;
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));
	struct pollfd pfd = { .fd = pluto_stop_fd(p), .events = POLLIN };

	cr_assert_eq(poll(&pfd, 1, 0), 0);
	cmd->ops = 1ull << WOP_SHUTDOWN;
	cr_assert_eq(whack_cmd_add(cmd, WO_SHUTDOWN, WHACK_END_NONE, ""), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_LEAVE_STATE, WHACK_END_NONE, ""), 0);
	request(cmd, &r);
	whack_cmd_fini(cmd);
	free(cmd);
	cr_assert_eq(poll(&pfd, 1, 1000), 1);
	cr_assert(pluto_leave_state(p));
}

/* ---- prompts (040, 041): the ctl thread waits for whack's ANSWER ---- */

struct answer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls;
	bool got;
	char text[WHACK_ANSWER_MAX + 1];
};

static void answered(void *arg, const char *text)
{
	struct answer *a = arg;

	pthread_mutex_lock(&a->mu);
	a->calls++;
	a->got = text != NULL;
	snprintf(a->text, sizeof(a->text), "%s", text ? text : "");
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* Wait up to ms for the answer callback; the number of calls so far. */
static int wait_answer(struct answer *a, int ms)
{
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&a->mu);
	while (a->calls == 0 && pthread_cond_timedwait(&a->cv, &a->mu, &ts) == 0)
		;
	n = a->calls;
	pthread_mutex_unlock(&a->mu);
	return n;
}

/* A prompt on one end of a socket pair; *whack is the other end. */
static struct answer *ask(int *whack)
{
	struct answer *a = calloc(1, sizeof(*a));
	int sv[2];

	cr_assert_not_null(a);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(ctl_prompt_add(p, sv[0], answered, a), 0);
	*whack = sv[1];
	return a;
}

Test(whack_server, prompt_answer_whole_and_trickled)
{
	uint8_t buf[64];
	int w, n = whack_answer_encode("alice", buf, sizeof(buf));
	struct answer *a = ask(&w);

	cr_assert_eq(write(w, buf, (size_t)n), n);
	cr_assert_eq(wait_answer(a, 5000), 1);
	cr_assert(a->got);
	cr_assert_str_eq(a->text, "alice");
	close(w);
	free(a);

	n = whack_answer_encode("open sesame", buf, sizeof(buf));
	a = ask(&w);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(write(w, buf + i, 1), 1);
		usleep(2000);
	}
	cr_assert_eq(wait_answer(a, 5000), 1);
	cr_assert_str_eq(a->text, "open sesame");
	usleep(50000);
	cr_assert_eq(a->calls, 1, "answered twice");
	close(w);
	free(a);
}

Test(whack_server, prompt_without_an_answer)
{
	uint8_t buf[64];
	struct answer *a;
	int w, n;

	/* whack goes */
	a = ask(&w);
	close(w);
	cr_assert_eq(wait_answer(a, 5000), 1);
	cr_assert_not(a->got);
	free(a);
	/* a reply is no answer */
	n = whack_reply_encode(RC_LOG, "alice", buf, sizeof(buf));
	a = ask(&w);
	cr_assert_eq(write(w, buf, (size_t)n), n);
	cr_assert_eq(wait_answer(a, 5000), 1);
	cr_assert_not(a->got);
	close(w);
	free(a);
	/* silence until the deadline */
	p->prompt_timeout_ms = 300;
	a = ask(&w);
	cr_assert_eq(wait_answer(a, 100), 0, "answered before the deadline");
	cr_assert_eq(wait_answer(a, 5000), 1);
	cr_assert_not(a->got);
	close(w);
	free(a);
}

/* pluto stops: a waiting prompt gets no answer, a new one is refused. */
Test(whack_server, prompt_when_pluto_stops)
{
	int w, sv[2];
	struct answer *a = ask(&w), b = { .calls = 0 };

	ctl_server_stop(p);
	cr_assert_eq(wait_answer(a, 1000), 1);
	cr_assert_not(a->got);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(ctl_prompt_add(p, sv[0], answered, &b), -ESHUTDOWN);
	cr_assert_eq(b.calls, 0);
	close(sv[1]);
	close(w);
	free(a);
}

static void deleteuser(const char *user, const char *crash, struct replies *r)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));

	cmd->ops = 1ull << WOP_DELETEUSER;	/* as whack sends it: --crash is its part */
	cr_assert_eq(whack_cmd_add(cmd, WO_DELETEUSER, WHACK_END_NONE, ""), 0);
	cr_assert_eq(whack_cmd_add(cmd, WO_NAME, WHACK_END_NONE, user), 0);
	if (crash)
		cr_assert_eq(whack_cmd_add(cmd, WO_CRASH, WHACK_END_NONE, crash), 0);
	request(cmd, r);
	whack_cmd_fini(cmd);
	free(cmd);
}

/* --deleteuser [--crash ADDR]: nothing to delete is said, a bad address refused. */
Test(whack_server, deleteuser_with_crash)
{
	struct replies r;

	deleteuser("alice", NULL, &r);
	cr_assert_eq(last_loud(&r), RC_UNKNOWN_NAME);
	cr_assert(any_text(&r, "no IKEv1 SA of XAUTH user alice"), "%s", r.text[0]);
	cr_assert_not(any_text(&r, "not supported"));
	deleteuser("alice", "192.0.2.9", &r);
	cr_assert_eq(last_loud(&r), RC_UNKNOWN_NAME);
	cr_assert(any_text(&r, "no IKEv1 SA of XAUTH user alice nor an established IKE SA with "
			   "192.0.2.9"), "%s", r.text[0]);
	cr_assert_not(any_text(&r, "not supported"));
	/* the request's own check refuses it before --deleteuser runs */
	deleteuser("alice", "no.such.address", &r);
	cr_assert_eq(last_loud(&r), RC_BADWHACKMESSAGE, "rc %u: %s", last_loud(&r), r.text[0]);
	cr_assert(any_text(&r, "--crash no.such.address: expected an IP address"), "%s",
		  r.text[0]);
}
