/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/metrics_http.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <microhttpd.h>
#include <urcu.h>
#include <zlib.h>

#include "util/log.h"

enum {
	HTTP_CONN_LIMIT = 16,		/* concurrent scrapers: Prometheus uses one */
	HTTP_CONN_TIMEOUT_S = 10,	/* an idle client is dropped */
	GZIP_MIN = 1024,		/* smaller bodies go uncompressed */
};

/*
 * Owner: the main thread starts and stops it; between the two the HTTP
 * thread alone uses daemon (MHD with no thread of its own) and render.
 */
struct metrics_http {
	struct MHD_Daemon *daemon;
	int fd;				/* our listening socket, handed to MHD */
	int stop_fd;			/* eventfd: the thread exits when readable */
	uint16_t port;
	pthread_t thread;
	bool started;
	metrics_render_fn *render;
	void *ctx;
};

bool metrics_accepts_gzip(const char *v)
{
	/* A comma-separated list of codings, each with an optional ;q=value. */
	while (v && *v) {
		const char *end = strchr(v, ','), *semi;
		size_t len = end ? (size_t)(end - v) : strlen(v);
		while (len && isspace((unsigned char)*v)) {
			v++;
			len--;
		}
		semi = memchr(v, ';', len);
		size_t tlen = semi ? (size_t)(semi - v) : len;
		while (tlen && isspace((unsigned char)v[tlen - 1]))
			tlen--;
		if ((tlen == 4 && strncasecmp(v, "gzip", 4) == 0) ||
		    (tlen == 1 && v[0] == '*')) {
			const char *q = semi ? strstr(semi, "q=") : NULL;
			if (!q || q >= v + len || strtod(q + 2, NULL) > 0)
				return true;
		}
		v = end ? end + 1 : NULL;
	}
	return false;
}

int metrics_gzip(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream z = { 0 };
	uLong cap;
	char *buf;
	int rc;

	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, (uLong)len) + 32;
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result serve_metrics(struct metrics_http *h, struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct MHD_Response *r;
	struct expo_buf b;
	enum MHD_Result rc;
	bool gz = false;
	char *body;
	size_t len;

	expo_init(&b);
	if (h->render(h->ctx, &b) < 0 || b.failed || !b.p) {
		expo_free(&b);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "the metrics could not be rendered (out of memory)\n");
	}
	body = b.p;
	len = b.len;
	if (len >= GZIP_MIN && metrics_accepts_gzip(ae)) {
		char *z;
		size_t zlen;
		if (metrics_gzip(b.p, b.len, &z, &zlen) == 0) {
			expo_free(&b);
			body = z;
			len = zlen;
			gz = true;
		}
	}
	/* MHD frees body with free() once sent. */
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, EXPO_CONTENT_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **state)
{
	struct metrics_http *h = cls;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "only GET and HEAD are served here\n");
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body on a GET: ignored */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(h, c);
	if (strcmp(url, "/") == 0)
		return reply_text(c, MHD_HTTP_OK, "Skua pluto: the metrics are at /metrics\n");
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
}

static void *http_main(void *arg)
{
	struct metrics_http *h = arg;
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	int epfd = info ? info->epoll_fd : -1;

	rcu_register_thread();
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = epfd, .events = POLLIN },
			{ .fd = h->stop_fd, .events = POLLIN },
		};
		MHD_UNSIGNED_LONG_LONG to;
		int timeout = -1;

		if (MHD_get_timeout(h->daemon, &to) == MHD_YES)
			timeout = to > 1000 ? 1000 : (int)to;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			log_err("metrics: poll failed: %s; the endpoint stops", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		MHD_run(h->daemon);
	}
	rcu_unregister_thread();
	return NULL;
}

static int listen_on(const struct ip_addr *addr, uint16_t port, uint16_t *bound)
{
	struct sockaddr_storage ss;
	socklen_t sl = ip_addr_to_sockaddr(addr, port, &ss);
	int one = 1, fd, rc;
	struct ip_addr got;

	fd = socket(addr->af, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 32) < 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    ip_addr_from_sockaddr((struct sockaddr *)&ss, &got, bound) < 0)
		goto fail;
	return fd;
fail:
	rc = -errno;
	close(fd);
	return rc ? rc : -EINVAL;
}

int metrics_http_start(const struct ip_addr *addr, uint16_t port, metrics_render_fn *render,
		       void *ctx, struct metrics_http **out)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return -ENOMEM;
	h->render = render;
	h->ctx = ctx;
	h->stop_fd = -1;
	h->fd = listen_on(addr, port, &h->port);
	if (h->fd < 0) {
		rc = h->fd;
		free(h);
		return rc;
	}
	h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->stop_fd < 0) {
		rc = -errno;
		goto fail;
	}
	/* No thread of MHD's own: http_main drives it, registered with RCU. */
	h->daemon = MHD_start_daemon(MHD_USE_EPOLL | (addr->af == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, h->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
				     MHD_OPTION_END);
	if (!h->daemon) {
		rc = -EIO;
		goto fail;
	}
	rc = -pthread_create(&h->thread, NULL, http_main, h);
	if (rc < 0)
		goto fail;
	pthread_setname_np(h->thread, "skua-metrics");
	h->started = true;
	*out = h;
	return 0;
fail:
	metrics_http_stop(h);
	return rc;
}

uint16_t metrics_http_port(const struct metrics_http *h)
{
	return h->port;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->started) {
		uint64_t one = 1;
		ssize_t w = write(h->stop_fd, &one, sizeof(one));
		(void)w;
		pthread_join(h->thread, NULL);
	}
	if (h->daemon)
		MHD_stop_daemon(h->daemon);	/* closes the listening socket it was given */
	else if (h->fd >= 0)
		close(h->fd);
	if (h->stop_fd >= 0)
		close(h->stop_fd);
	free(h);
}
