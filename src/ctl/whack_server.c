/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ctl thread: accepts whack connections on the UNIX socket, reads one
 * length-prefixed request, checks it, runs it and streams progress lines
 * back, then closes. A malformed or oversized request is refused with
 * RC_BADWHACKMESSAGE and logged; nothing it named is changed.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <urcu.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "util/log.h"

/* How long one whack may take to send its request or read a reply line. */
#define CTL_IO_TIMEOUT_SEC 5

static int read_full(int fd, uint8_t *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = read(fd, buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		off += (size_t)r;
	}
	return 0;
}

static void refuse(struct pluto *p, struct ctl_client *c, const char *why)
{
	static struct log_ratelimit rl;
	uint32_t suppressed;

	atomic_fetch_add(&p->stats.whack_malformed, 1);
	if (log_ratelimit_ok(&rl, 10, &suppressed))
		log_warn("whack: refused malformed request: %s%s", why,
			 suppressed ? " (and earlier ones not logged)" : "");
	/* Not ctl_reply(): the log line above already says it, rate-limited. */
	ctl_send(c, RC_BADWHACKMESSAGE, "malformed whack message: %s", why);
}

/*
 * Closing a socket with unread input sends a reset, which can destroy the
 * replies not yet read (a refused request is not read to its end). So:
 * say we are done, discard what is left for a moment, then close.
 */
static void linger_close(int fd)
{
	struct timeval tv = { .tv_usec = 200000 };
	uint8_t sink[4096];

	shutdown(fd, SHUT_WR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 16 && read(fd, sink, sizeof(sink)) > 0; i++)
		;
	close(fd);
}

static void serve_one(struct pluto *p, int fd)
{
	struct ctl_client c = { .fd = fd };
	struct timeval tv = { .tv_sec = CTL_IO_TIMEOUT_SEC };
	uint8_t hdr[WHACK_HDR_LEN];
	uint8_t *buf = NULL;
	struct whack_cmd *cmd = NULL;
	char err[256];
	uint16_t kind;
	uint32_t len;
	int rc;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	atomic_fetch_add(&p->stats.whack_requests, 1);

	rc = read_full(fd, hdr, sizeof(hdr));
	if (rc < 0) {
		refuse(p, &c, rc == -ECONNRESET ? "connection closed before a whole header"
						 : "timed out reading the header");
		goto out;
	}
	rc = whack_hdr_parse(hdr, &kind, &len);
	if (rc == -EPROTO) {
		refuse(p, &c, "bad magic or protocol version (whack and pluto differ?)");
		goto out;
	}
	if (rc < 0) {
		snprintf(err, sizeof(err), "length %u outside %d..%d bytes", (unsigned)len,
			 WHACK_HDR_LEN, WHACK_MSG_MAX);
		refuse(p, &c, err);
		goto out;
	}
	buf = malloc(len);
	cmd = malloc(sizeof(*cmd));
	if (!buf || !cmd) {
		ctl_reply(&c, RC_INTERNALERR, "out of memory reading a whack request");
		goto out;
	}
	memcpy(buf, hdr, sizeof(hdr));
	rc = read_full(fd, buf + sizeof(hdr), len - sizeof(hdr));
	if (rc < 0) {
		refuse(p, &c, "request shorter than its header says");
		goto out;
	}
	rc = whack_request_decode(buf, len, cmd, err, sizeof(err));
	if (rc < 0) {
		refuse(p, &c, err);
		goto out;
	}
	rc = whack_cmd_check(cmd, err, sizeof(err));
	if (rc < 0) {
		refuse(p, &c, err);
		whack_cmd_fini(cmd);
		goto out;
	}
	ctl_dispatch(p, &c, cmd);
	whack_cmd_fini(cmd);
out:
	free(cmd);
	free(buf);
	if (c.handed_off)
		close(fd);	/* the progress channel ends the stream when the SA is done */
	else
		linger_close(fd);
}

static void *ctl_main(void *arg)
{
	struct pluto *p = arg;
	struct pollfd fds[2] = {
		{ .fd = p->listen_fd, .events = POLLIN },
		{ .fd = p->ctl_wake_fd, .events = POLLIN },
	};

	rcu_register_thread();
	for (;;) {
		/* --crlcheckinterval: crls/ is reread on this thread, between requests */
		long timeout = ctl_certs_timeout_ms(p, time(NULL));
		int n = poll(fds, 2, timeout > INT32_MAX ? INT32_MAX : (int)timeout);

		if (n == 0) {
			ctl_certs_tick(p, time(NULL));
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("ctl: poll failed: %s", strerror(errno));
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents & POLLIN) {
			int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				serve_one(p, fd);
		}
	}
	rcu_unregister_thread();
	return NULL;
}

int ctl_server_start(struct pluto *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = p->opts->ctlsocket;
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control socket path %s is longer than %zu bytes", path,
			sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* We hold the lock file, so a socket file left here is stale. */
	unlink(path);
	old = umask(0177);	/* created 0600: root only, no window with wider rights */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		log_err("cannot create control socket %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	p->listen_fd = fd;
	p->ctl_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->ctl_wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = -pthread_create(&p->ctl_thread, NULL, ctl_main, p);
	if (rc < 0)
		goto fail;
	p->ctl_started = true;
	return 0;
fail:
	if (p->ctl_wake_fd >= 0)
		close(p->ctl_wake_fd);
	close(fd);
	unlink(path);
	p->listen_fd = p->ctl_wake_fd = -1;
	return rc;
}

void ctl_server_stop(struct pluto *p)
{
	if (p->ctl_started) {
		uint64_t one = 1;
		ssize_t w = write(p->ctl_wake_fd, &one, sizeof(one));
		(void)w;
		pthread_join(p->ctl_thread, NULL);
		p->ctl_started = false;
	}
	if (p->listen_fd >= 0) {
		close(p->listen_fd);
		unlink(p->opts->ctlsocket);
	}
	if (p->ctl_wake_fd >= 0)
		close(p->ctl_wake_fd);
	p->listen_fd = p->ctl_wake_fd = -1;
}
