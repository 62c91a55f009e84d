/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ctl thread: accepts whack connections on the UNIX socket, reads each
 * one's length-prefixed request, checks it, runs it and streams progress
 * lines back, then closes. A malformed or oversized request is refused with
 * RC_BADWHACKMESSAGE and logged; nothing it named is changed.
 *
 * Requests are read from up to CTL_MAX_READING connections at once, each
 * into its own buffer, without blocking: a whack that sends its request a
 * byte at a time holds one slot, not the thread, and has CTL_IO_TIMEOUT_MS
 * for the whole request (not per byte) before it is refused. A complete
 * request runs at once, on this thread; commands that wait for an SA (an
 * initiate) hand their progress channel to the worker and return.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "ctl/sd_notify.h"
#include "crypto/crypto.h"
#include "util/log.h"

enum {
	CTL_IO_TIMEOUT_MS = 5000,	/* to send a whole request; to take one reply line */
	CTL_MAX_READING = 16,		/* connections whose request is still arriving */
	CTL_LINGER_MS = 200,
	CTL_PROMPT_TIMEOUT_MS = 60000,	/* for whack's user to answer a prompt */
	CTL_MAX_PROMPTS = 32,		/* prompts waiting at once; more are not answered */
	CTL_ANSWER_BUF = WHACK_HDR_LEN + 4 + WHACK_ANSWER_MAX,
};

/*
 * A prompt (040, 041) waiting for whack's ANSWER. Owner: the worker that
 * asked until ctl_prompt_add(), then the ctl thread. buf may hold the
 * password: wiped.
 */
struct ctl_prompt {
	struct ctl_prompt *next;
	int fd;
	uint64_t deadline;		/* ms, monotonic */
	ike_answer_fn *done;
	void *arg;
	uint32_t have;
	uint8_t buf[CTL_ANSWER_BUF];
};

/*
 * One connection whose request is not complete yet. Owner: the ctl thread.
 * buf holds the header until its length is known, then the whole request.
 */
struct reading {
	int fd;
	uint64_t deadline;		/* ms, monotonic */
	uint32_t len;			/* from the header; 0 while it is incomplete */
	uint32_t have;
	uint8_t hdr[WHACK_HDR_LEN];
	uint8_t *buf;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void refuse(struct pluto *p, struct ctl_client *c, const char *why)
{
	atomic_fetch_add(&p->stats.whack_malformed, 1);
	log_limited(LOG_WARNING, 10, "whack: refused malformed request",
		    "whack: refused malformed request: %s", why);
	/* Not ctl_reply(): the log line above already says it, rate-limited. */
	ctl_send(c, RC_BADWHACKMESSAGE, "malformed whack message: %s", why);
}

/*
 * Closing a socket with unread input sends a reset, which can destroy the
 * replies not yet read (a refused request is not read to its end). So:
 * say we are done, discard what is left for a moment (CTL_LINGER_MS in
 * all, however the peer trickles), then close.
 */
static void linger_close(int fd)
{
	uint64_t end = now_ms() + CTL_LINGER_MS;
	uint8_t sink[4096];

	shutdown(fd, SHUT_WR);
	for (uint64_t t = now_ms(); t < end; t = now_ms()) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, (int)(end - t)) <= 0)
			break;
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	}
	close(fd);
}

/* Decode, check and run a complete request; then close or hand off. */
static void serve(struct pluto *p, struct ctl_client *c, const uint8_t *buf, uint32_t len)
{
	struct whack_cmd *cmd = malloc(sizeof(*cmd));
	char err[256];

	if (!cmd) {
		ctl_reply(c, RC_INTERNALERR, "out of memory reading a whack request");
		return;
	}
	if (whack_request_decode(buf, len, cmd, err, sizeof(err)) < 0) {
		refuse(p, c, err);
		free(cmd);
		return;
	}
	if (whack_cmd_check(cmd, err, sizeof(err)) < 0)
		refuse(p, c, err);
	else
		ctl_dispatch(p, c, cmd);
	whack_cmd_fini(cmd);
	free(cmd);
}

/* Done with r, answered or not: close it (or leave it to the worker it went to). */
static void reading_end(struct reading *r, struct ctl_client *c)
{
	if (c->handed_off) {
		close(r->fd);	/* the progress channel ends the stream when the SA is done */
	} else {
		/*
		 * What whack is told has happened is in the log file before whack
		 * returns (pluto logs synchronously; a script that greps the log
		 * after a --status that shows an SA up finds the lines that led to
		 * it, though the log thread looks only every 20 ms while busy).
		 */
		log_flush();
		linger_close(r->fd);
	}
	free(r->buf);
	r->buf = NULL;
	r->fd = -1;
}

static void reading_refuse(struct pluto *p, struct reading *r, const char *why)
{
	struct ctl_client c = { .fd = r->fd };

	refuse(p, &c, why);
	reading_end(r, &c);
}

/*
 * Read what r's peer has sent so far, without blocking. Returns true when
 * r is finished with (served or refused) and its slot is free again.
 */
static bool reading_step(struct pluto *p, struct reading *r)
{
	char err[128];
	uint16_t kind;
	ssize_t n;

	if (r->len == 0) {
		n = recv(r->fd, r->hdr + r->have, WHACK_HDR_LEN - r->have, MSG_DONTWAIT);
	} else {
		n = recv(r->fd, r->buf + r->have, r->len - r->have, MSG_DONTWAIT);
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;
	if (n <= 0) {
		reading_refuse(p, r, r->len == 0 ? "connection closed before a whole header"
						 : "request shorter than its header says");
		return true;
	}
	r->have += (uint32_t)n;
	if (r->len == 0) {
		if (r->have < WHACK_HDR_LEN)
			return false;
		int rc = whack_hdr_parse(r->hdr, &kind, &r->len);

		if (rc == -EPROTO) {
			reading_refuse(p, r, "bad magic or protocol version (whack and pluto differ?)");
			return true;
		}
		if (rc < 0) {
			snprintf(err, sizeof(err), "length %u outside %d..%d bytes", (unsigned)r->len,
				 WHACK_HDR_LEN, WHACK_MSG_MAX);
			reading_refuse(p, r, err);
			return true;
		}
		r->buf = malloc(r->len);
		if (!r->buf) {
			struct ctl_client c = { .fd = r->fd };

			ctl_reply(&c, RC_INTERNALERR, "out of memory reading a whack request");
			reading_end(r, &c);
			return true;
		}
		memcpy(r->buf, r->hdr, WHACK_HDR_LEN);
	}
	if (r->have < r->len)
		return false;

	struct ctl_client c = { .fd = r->fd };

	serve(p, &c, r->buf, r->len);
	reading_end(r, &c);
	return true;
}

static void reading_start(struct pluto *p, struct reading *r, int fd)
{
	struct timeval tv = { .tv_sec = CTL_IO_TIMEOUT_MS / 1000 };

	/* Replies block at most this long each: a whack that reads nothing is dropped. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	atomic_fetch_add(&p->stats.whack_requests, 1);
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->deadline = now_ms() + CTL_IO_TIMEOUT_MS;
}

/*
 * systemd's watchdog (WatchdogSec= in ipsec.service): WATCHDOG=1 every
 * period_ms, sent from this thread so that a ctl thread stuck in a request
 * (whack would hang too) gets pluto restarted. Returns when the next one
 * is due, UINT64_MAX without a watchdog.
 */
static uint64_t watchdog_tick(uint64_t period_ms, uint64_t now, uint64_t *due)
{
	if (period_ms == 0)
		return UINT64_MAX;
	if (now >= *due) {
		ctl_sd_notify("WATCHDOG=1");
		*due = now + period_ms;
	}
	return *due;
}

/* ---- prompts ---- */

int ctl_prompt_add(struct pluto *p, int fd, ike_answer_fn *done, void *arg)
{
	struct ctl_prompt *q = calloc(1, sizeof(*q));
	uint64_t one = 1;
	int rc = 0;

	if (!q) {
		close(fd);
		return -ENOMEM;
	}
	q->fd = fd;
	q->done = done;
	q->arg = arg;
	q->deadline = now_ms() + (p->prompt_timeout_ms ? p->prompt_timeout_ms
						       : CTL_PROMPT_TIMEOUT_MS);
	pthread_mutex_lock(&p->prompt_mu);
	if (p->prompt_closed) {
		rc = -ESHUTDOWN;
	} else {
		q->next = p->prompt_new;
		p->prompt_new = q;
	}
	pthread_mutex_unlock(&p->prompt_mu);
	if (rc < 0) {
		close(fd);
		free(q);
		return rc;
	}
	if (write(p->prompt_fd, &one, sizeof(one)) < 0) {
		/* the eventfd is already readable (its counter cannot overflow here) */
	}
	return 0;
}

/* The prompt is over: hand on the answer (NULL: none) and forget it. */
static void prompt_end(struct ctl_prompt *q, const char *text)
{
	q->done(q->arg, text);
	close(q->fd);
	crypto_wipe(q, sizeof(*q));
	free(q);
}

/* Read what whack sent for q. Returns true when q is over (answered or not). */
static bool prompt_step(struct ctl_prompt *q)
{
	char text[WHACK_ANSWER_MAX + 1];
	uint16_t kind;
	uint32_t len;
	ssize_t n;

	n = recv(q->fd, q->buf + q->have, sizeof(q->buf) - q->have, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;
	if (n <= 0) {
		prompt_end(q, NULL);	/* whack went */
		return true;
	}
	q->have += (uint32_t)n;
	if (q->have < WHACK_HDR_LEN)
		return false;
	if (whack_hdr_parse(q->buf, &kind, &len) < 0 || kind != WHACK_MSG_ANSWER ||
	    len > sizeof(q->buf)) {
		log_limited(LOG_WARNING, 10, "whack: bad answer",
			    "whack: the answer to a prompt is malformed or too long");
		prompt_end(q, NULL);
		return true;
	}
	if (q->have < len)
		return false;
	if (whack_answer_decode(q->buf, len, text, sizeof(text)) < 0) {
		log_limited(LOG_WARNING, 10, "whack: bad answer",
			    "whack: the answer to a prompt is malformed");
		prompt_end(q, NULL);
	} else {
		prompt_end(q, text);
	}
	crypto_wipe(text, sizeof(text));
	return true;
}

/* Take the prompts queued since last time into pr[] (over the limit: no answer). */
static int prompts_take(struct pluto *p, struct ctl_prompt **pr, int n, bool closing)
{
	struct ctl_prompt *q;
	uint64_t v;

	if (read(p->prompt_fd, &v, sizeof(v)) < 0) {
		/* nothing queued since the last read */
	}
	pthread_mutex_lock(&p->prompt_mu);
	q = p->prompt_new;
	p->prompt_new = NULL;
	if (closing)
		p->prompt_closed = true;
	pthread_mutex_unlock(&p->prompt_mu);
	while (q) {
		struct ctl_prompt *next = q->next;

		if (!closing && n < CTL_MAX_PROMPTS) {
			pr[n++] = q;
		} else {
			if (!closing)
				log_limited(LOG_WARNING, 10, "whack: too many prompts",
					    "whack: %d prompts wait for answers already: not asking",
					    CTL_MAX_PROMPTS);
			prompt_end(q, NULL);
		}
		q = next;
	}
	return n;
}

static void *ctl_main(void *arg)
{
	struct pluto *p = arg;
	struct reading rd[CTL_MAX_READING];
	struct ctl_prompt *pr[CTL_MAX_PROMPTS];
	struct pollfd fds[3 + CTL_MAX_READING + CTL_MAX_PROMPTS];
	int nrd = 0, npr = 0;
	/* half the interval the unit asked for, at least 1 ms; 0: no watchdog */
	uint64_t wd_usec = ctl_sd_watchdog_usec();
	uint64_t wd_period = wd_usec == 0 ? 0 : wd_usec / 2000 ? wd_usec / 2000 : 1;
	uint64_t wd_due = 0;

	rcu_register_thread();
	for (;;) {
		uint64_t now = now_ms();
		uint64_t next = watchdog_tick(wd_period, now, &wd_due);
		/* --crlcheckinterval: crls/ is reread on this thread, between requests */
		long crl_ms = ctl_certs_timeout_ms(p, time(NULL));
		int nfds = 0, timeout;

		if (crl_ms >= 0 && now + (uint64_t)crl_ms < next)
			next = now + (uint64_t)crl_ms;

		fds[nfds++] = (struct pollfd){ .fd = p->ctl_wake_fd, .events = POLLIN };
		/* When every slot is taken, new connections wait in the listen backlog. */
		fds[nfds++] = (struct pollfd){ .fd = nrd < CTL_MAX_READING ? p->listen_fd : -1,
					       .events = POLLIN };
		for (int i = 0; i < nrd; i++) {
			fds[nfds++] = (struct pollfd){ .fd = rd[i].fd, .events = POLLIN };
			if (rd[i].deadline < next)
				next = rd[i].deadline;
		}
		/* fds[2 + nrd] is the prompts' eventfd, then one per prompt */
		fds[nfds++] = (struct pollfd){ .fd = p->prompt_fd, .events = POLLIN };
		for (int i = 0; i < npr; i++) {
			fds[nfds++] = (struct pollfd){ .fd = pr[i]->fd, .events = POLLIN };
			if (pr[i]->deadline < next)
				next = pr[i]->deadline;
		}
		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= now)
			timeout = 0;
		else
			timeout = next - now > INT_MAX ? INT_MAX : (int)(next - now);
		if (poll(fds, (nfds_t)nfds, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_err("ctl: poll failed: %s", strerror(errno));
			break;
		}
		if (fds[0].revents)
			break;
		ctl_certs_tick(p, time(NULL));
		now = now_ms();
		/* The prompts first: their fds follow the readers' (nrd is as polled). */
		int kept = 0;

		for (int i = 0; i < npr; i++) {
			bool done = fds[3 + nrd + i].revents ? prompt_step(pr[i]) : false;

			if (!done && now >= pr[i]->deadline) {
				log_limited(LOG_INFO, 10, "whack: prompt timed out",
					    "whack: no answer to a prompt in time");
				prompt_end(pr[i], NULL);
				done = true;
			}
			if (!done)
				pr[kept++] = pr[i];
		}
		npr = kept;
		if (fds[2 + nrd].revents)
			npr = prompts_take(p, pr, npr, false);
		/* Served or refused slots are compacted as we go; fds[2 + i] is rd[i]'s. */
		kept = 0;

		for (int i = 0; i < nrd; i++) {
			bool done;

			if (fds[2 + i].revents)
				done = reading_step(p, &rd[i]);
			else
				done = false;
			if (!done && now >= rd[i].deadline) {
				reading_refuse(p, &rd[i], rd[i].len == 0
								  ? "timed out reading the header"
								  : "timed out reading the request");
				done = true;
			}
			if (!done)
				rd[kept++] = rd[i];
		}
		nrd = kept;
		if (fds[1].revents & POLLIN) {
			int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				reading_start(p, &rd[nrd], fd);
				/* Most requests are already there: serve them without waiting. */
				if (!reading_step(p, &rd[nrd]))
					nrd++;
			}
		}
	}
	for (int i = 0; i < nrd; i++) {
		free(rd[i].buf);
		close(rd[i].fd);
	}
	/* pluto stops: no answer will come; prompts asked from now on are refused */
	for (int i = 0; i < npr; i++)
		prompt_end(pr[i], NULL);
	prompts_take(p, pr, 0, true);
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
	p->prompt_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->prompt_fd < 0) {
		rc = -errno;
		goto fail;
	}
	pthread_mutex_init(&p->prompt_mu, NULL);
	p->prompt_new = NULL;
	p->prompt_closed = false;
	rc = -pthread_create(&p->ctl_thread, NULL, ctl_main, p);
	if (rc < 0)
		goto fail;
	p->ctl_started = true;
	return 0;
fail:
	if (p->ctl_wake_fd >= 0)
		close(p->ctl_wake_fd);
	if (p->prompt_fd >= 0)
		close(p->prompt_fd);
	p->prompt_fd = -1;
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
	if (p->prompt_fd >= 0)
		close(p->prompt_fd);
	p->listen_fd = p->ctl_wake_fd = p->prompt_fd = -1;
}
