/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The metrics endpoint over a real loopback socket: GET and HEAD /metrics,
 * gzip when asked, 404 and 405, concurrent scrapes while the exposition
 * changes, and a stop that frees the port.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "ctl/metrics_http.h"

static _Atomic unsigned renders;

/* A large enough body to be compressed, different at each scrape. */
static int render(void *ctx, struct expo_buf *b)
{
	unsigned n = atomic_fetch_add(&renders, 1) + 1;

	expo_header(b, "skua_test_total", "A test counter.", "counter");
	for (unsigned i = 0; i < 200; i++)
		expo_printf(b, "skua_test_total{i=\"%u\"} %u\n", i, n);
	return 0;
}

static int fail_render(void *ctx, struct expo_buf *b)
{
	return -ENOMEM;
}

struct reply {
	int status;
	char headers[2048];
	char *body;
	size_t body_len;
};

/* One request over a fresh connection; the server closes it after the answer. */
static void request(uint16_t port, const char *raw, struct reply *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	char *buf = malloc(1 << 20);
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 5 };

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "connect: %m");
	cr_assert_eq(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
	while ((n = recv(fd, buf + len, (1 << 20) - len - 1, 0)) > 0)
		len += (size_t)n;
	cr_assert_eq(n, 0, "the answer did not end: %m");
	close(fd);
	buf[len] = '\0';
	memset(r, 0, sizeof(*r));
	if (len == 0) {		/* closed without an answer */
		r->body = buf;
		return;
	}
	char *sep = strstr(buf, "\r\n\r\n");
	cr_assert_not_null(sep, "no header end in %s", buf);
	cr_assert_eq(sscanf(buf, "HTTP/1.%*d %d", &r->status), 1);
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)(sep - buf), buf);
	r->body_len = len - (size_t)(sep + 4 - buf);
	r->body = malloc(r->body_len + 1);
	memcpy(r->body, sep + 4, r->body_len);
	r->body[r->body_len] = '\0';
	free(buf);
}

static void get(uint16_t port, const char *path, const char *extra, struct reply *r)
{
	char raw[512];

	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n",
		 path, extra ? extra : "");
	request(port, raw, r);
}

static struct metrics_http *start(metrics_render_fn *fn)
{
	struct metrics_http *h = NULL;
	struct ip_addr lo;

	cr_assert_eq(ip_addr_parse("127.0.0.1", &lo), 0);
	cr_assert_eq(metrics_http_start(&lo, 0, fn, NULL, &h), 0);
	cr_assert_gt(metrics_http_port(h), 0);
	return h;
}

Test(metrics_http, get_metrics_plain_and_gzip)
{
	struct metrics_http *h = start(render);
	uint16_t port = metrics_http_port(h);
	struct reply r;

	get(port, "/metrics", NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.headers);
	cr_assert_not_null(strcasestr(r.headers, "Content-Type: text/plain; version=0.0.4"),
			   "%s", r.headers);
	cr_assert_null(strcasestr(r.headers, "Content-Encoding"), "compressed without asking");
	cr_assert(strncmp(r.body, "# HELP skua_test_total A test counter.\n", 39) == 0, "%s",
		  r.body);
	cr_assert_not_null(strstr(r.body, "skua_test_total{i=\"199\"} "));
	free(r.body);

	get(port, "/metrics", "Accept-Encoding: gzip\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strcasestr(r.headers, "Content-Encoding: gzip"), "%s", r.headers);
	cr_assert_not_null(strcasestr(r.headers, "Vary: Accept-Encoding"), "%s", r.headers);
	char *plain = malloc(65536);
	z_stream z = { 0 };
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)r.body;
	z.avail_in = (uInt)r.body_len;
	z.next_out = (Bytef *)plain;
	z.avail_out = 65535;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not a gzip body");
	plain[z.total_out] = '\0';
	inflateEnd(&z);
	cr_assert_gt(z.total_out, r.body_len * 4, "%zu bytes gzipped to %zu", (size_t)z.total_out,
		     r.body_len);
	cr_assert_not_null(strstr(plain, "skua_test_total{i=\"199\"} 2\n"), "the second render");
	free(plain);
	free(r.body);
	metrics_http_stop(h);
}

Test(metrics_http, other_paths_and_methods)
{
	struct metrics_http *h = start(render);
	uint16_t port = metrics_http_port(h);
	struct reply r;
	unsigned before = atomic_load(&renders);

	get(port, "/", NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "/metrics"));
	free(r.body);
	get(port, "/metricsx", NULL, &r);
	cr_assert_eq(r.status, 404);
	free(r.body);
	request(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		      "Content-Length: 3\r\n\r\nabc", &r);
	cr_assert_eq(r.status, 405);
	cr_assert_not_null(strcasestr(r.headers, "Allow: GET, HEAD"), "%s", r.headers);
	free(r.body);
	request(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, 0, "HEAD answered a body");
	free(r.body);
	/* Not HTTP: no answer, or an error, and the server goes on. */
	request(port, "garbage\r\n\r\n", &r);
	cr_assert(r.status == 0 || r.status >= 400, "garbage answered %d", r.status);
	free(r.body);
	get(port, "/", NULL, &r);
	cr_assert_eq(r.status, 200);
	free(r.body);
	cr_assert_eq(atomic_load(&renders), before + 1, "only GET/HEAD /metrics render");
	metrics_http_stop(h);
}

Test(metrics_http, render_failure_is_a_500)
{
	struct metrics_http *h = start(fail_render);
	struct reply r;

	get(metrics_http_port(h), "/metrics", NULL, &r);
	cr_assert_eq(r.status, 500);
	free(r.body);
	metrics_http_stop(h);
}

static void *scraper(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	struct reply r;

	for (int i = 0; i < 20; i++) {
		get(port, "/metrics", i % 2 ? "Accept-Encoding: gzip\r\n" : NULL, &r);
		cr_assert_eq(r.status, 200);
		free(r.body);
	}
	return NULL;
}

Test(metrics_http, concurrent_scrapers)
{
	struct metrics_http *h = start(render);
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, scraper, (void *)(uintptr_t)metrics_http_port(h));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	metrics_http_stop(h);
}

Test(metrics_http, stop_frees_the_port_and_a_taken_port_is_refused)
{
	struct metrics_http *h = start(render), *h2 = NULL;
	uint16_t port = metrics_http_port(h);
	struct ip_addr lo;

	cr_assert_eq(ip_addr_parse("127.0.0.1", &lo), 0);
	cr_assert_eq(metrics_http_start(&lo, port, render, NULL, &h2), -EADDRINUSE);
	cr_assert_null(h2);
	metrics_http_stop(h);
	cr_assert_eq(metrics_http_start(&lo, port, render, NULL, &h2), 0, "the port stayed taken");
	metrics_http_stop(h2);
	metrics_http_stop(NULL);
}
