/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_METRICS_HTTP_H
#define SKUA_CTL_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/metrics_expo.h"
#include "util/addr.h"

/*
 * The metrics endpoint: HTTP on a thread of its own (libmicrohttpd driven
 * from our own poll loop, so the thread is registered with RCU and stops
 * when told). GET (or HEAD) /metrics answers the Prometheus text format,
 * gzip-compressed when the request's Accept-Encoding allows it; / answers
 * a pointer to /metrics; anything else 404, other methods 405.
 *
 * A scrape renders on this thread and never stops a worker: it reads the
 * workers' counters as they are (metrics_collect.h).
 */

/* Fill b with the exposition; returns 0 or -errno. Context: the HTTP thread. */
typedef int metrics_render_fn(void *ctx, struct expo_buf *b);

struct metrics_http;

/*
 * Bind addr:port (port 0: any free port) and start the thread. Returns 0,
 * or -errno (the bind's: -EADDRINUSE, -EADDRNOTAVAIL, ...) with nothing
 * left running. Context: main thread.
 */
int metrics_http_start(const struct ip_addr *addr, uint16_t port, metrics_render_fn *render,
		       void *ctx, struct metrics_http **out);

/* The port bound (for port 0). Context: any thread. */
uint16_t metrics_http_port(const struct metrics_http *h);

/* Stop the thread, close the socket, free. Accepts NULL. Context: main thread. */
void metrics_http_stop(struct metrics_http *h);

/*
 * The gzip (RFC 1952) form of in[0..len) into a malloc'ed *out; returns
 * 0 or -ENOMEM. Context: any thread.
 */
int metrics_gzip(const char *in, size_t len, char **out, size_t *outlen);

/* True when an Accept-Encoding header value accepts gzip (q not 0). */
bool metrics_accepts_gzip(const char *accept_encoding);

#endif
