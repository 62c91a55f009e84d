/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/updown.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verb_names[UPDOWN_VERBS] = {
	[UPDOWN_PREPARE] = "prepare",
	[UPDOWN_ROUTE] = "route",
	[UPDOWN_UNROUTE] = "unroute",
	[UPDOWN_UP] = "up",
	[UPDOWN_DOWN] = "down",
};

/* The script runs with a clean environment: nothing of the daemon's leaks in. */
static const char updown_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

const char *updown_verb(const struct updown_info *u, char buf[UPDOWN_VERB_MAX])
{
	if ((unsigned)u->verb >= UPDOWN_VERBS)
		return NULL;
	if (u->me.af != AF_INET && u->me.af != AF_INET6)
		return NULL;
	snprintf(buf, UPDOWN_VERB_MAX, "%s-%s%s", verb_names[u->verb],
		 u->client ? "client" : "host", u->me.af == AF_INET6 ? "-v6" : "");
	return buf;
}

/*
 * Copy len bytes of src and a NUL to dst, made printable. No shell quoting,
 * since no shell parses the value. A NUL cannot get past strlen(); a
 * newline or another control character would corrupt a script's
 * line-based parsing or the log.
 */
static void printable(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[len] = '\0';
}

/* The environment under construction; the first failure sticks. */
struct env {
	char **v;
	size_t n;
	int err;
};

static void put(struct env *e, const char *name, const char *value)
{
	size_t nlen, vlen;
	char *s;

	if (e->err != 0)
		return;
	if (e->n + 1 >= UPDOWN_ENV_MAX) {
		e->err = -E2BIG;	/* a programmer error: raise UPDOWN_ENV_MAX */
		return;
	}
	nlen = strlen(name);
	vlen = strlen(value);
	s = malloc(nlen + 1 + vlen + 1);
	if (s == NULL) {
		e->err = -ENOMEM;
		return;
	}
	memcpy(s, name, nlen);
	s[nlen] = '=';
	printable(s + nlen + 1, value, vlen);
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

static void put_addr(struct env *e, const char *name, const struct ip_addr *a)
{
	char b[IP_ADDR_STRLEN];

	put(e, name, ip_addr_str(a, b));
}

static void put_uint(struct env *e, const char *name, const char *fmt, unsigned long v)
{
	char b[24];

	snprintf(b, sizeof(b), fmt, v);
	put(e, name, b);
}

/* PLUTO_<side>_CLIENT, _NET and _MASK of one end. */
static void put_client(struct env *e, const char *side, const struct ip_subnet *s)
{
	char name[32], b[IP_SUBNET_STRLEN];
	struct ip_addr mask = ip_subnet_mask(s);

	snprintf(name, sizeof(name), "PLUTO_%s_CLIENT", side);
	put(e, name, ip_subnet_str(s, b));
	snprintf(name, sizeof(name), "PLUTO_%s_CLIENT_NET", side);
	put_addr(e, name, &s->addr);
	snprintf(name, sizeof(name), "PLUTO_%s_CLIENT_MASK", side);
	put_addr(e, name, &mask);
}

static const char *str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static bool subnet_ok(const struct ip_subnet *s)
{
	return (s->addr.af == AF_INET && s->prefix <= 32) ||
	       (s->addr.af == AF_INET6 && s->prefix <= 128);
}

void updown_env_free(char **envp)
{
	if (envp == NULL)
		return;
	for (size_t i = 0; envp[i] != NULL; i++)
		free(envp[i]);
	free(envp);
}

int updown_env_build(const struct updown_info *u, char ***envp_out)
{
	struct env e = { .n = 0, .err = 0 };
	struct ip_subnet my_client, peer_client;
	struct ip_addr next_hop;
	char verb[UPDOWN_VERB_MAX];

	*envp_out = NULL;
	if (updown_verb(u, verb) == NULL || u->connection == NULL || u->peer.af != u->me.af)
		return -EINVAL;
	my_client = u->my_client.addr.af == AF_UNSPEC ? ip_subnet_from_addr(&u->me) : u->my_client;
	peer_client = u->peer_client.addr.af == AF_UNSPEC ? ip_subnet_from_addr(&u->peer)
							  : u->peer_client;
	if (!subnet_ok(&my_client) || !subnet_ok(&peer_client))
		return -EINVAL;
	next_hop = u->next_hop.af == AF_UNSPEC ? u->peer : u->next_hop;

	e.v = calloc(UPDOWN_ENV_MAX, sizeof(*e.v));
	if (e.v == NULL)
		return -ENOMEM;

	put(&e, "PATH", updown_path + strlen("PATH="));
	put(&e, "PLUTO_VERSION", "1.1");
	put(&e, "PLUTO_VERB", verb);
	put(&e, "PLUTO_CONNECTION", u->connection);
	put_addr(&e, "PLUTO_NEXT_HOP", &next_hop);
	put(&e, "PLUTO_INTERFACE", str_or_empty(u->interface));
	put_addr(&e, "PLUTO_ME", &u->me);
	put_client(&e, "MY", &my_client);
	put_addr(&e, "PLUTO_PEER", &u->peer);
	put_client(&e, "PEER", &peer_client);
	put_uint(&e, "PLUTO_MY_PROTOCOL", "%lu", u->my_protocol);
	put_uint(&e, "PLUTO_PEER_PROTOCOL", "%lu", u->peer_protocol);
	put_uint(&e, "PLUTO_MY_PORT", "%lu", u->my_port);
	put_uint(&e, "PLUTO_PEER_PORT", "%lu", u->peer_port);
	put(&e, "PLUTO_MY_ID", str_or_empty(u->my_id));
	put(&e, "PLUTO_PEER_ID", str_or_empty(u->peer_id));
	put(&e, "PLUTO_PEER_CA", str_or_empty(u->peer_ca));

	/* Extras: what a script needs beyond the manual's list, when known. */
	put(&e, "PLUTO_CONN_ADDRFAMILY", u->me.af == AF_INET6 ? "ipv6" : "ipv4");
	if (u->my_source_ip.af != AF_UNSPEC)
		put_addr(&e, "PLUTO_MY_SOURCEIP", &u->my_source_ip);
	if (u->xauth_user)
		put(&e, "PLUTO_XAUTH_USERNAME", u->xauth_user);
	if (u->reqid != 0)
		put_uint(&e, "PLUTO_SA_REQID", "%lu", u->reqid);
	if (u->spi_in != 0)
		put_uint(&e, "SPI_IN", "0x%08lx", u->spi_in);
	if (u->spi_out != 0)
		put_uint(&e, "SPI_OUT", "0x%08lx", u->spi_out);
	if (u->conn_mark_mask != 0) {
		char b[32];

		snprintf(b, sizeof(b), "%lu/0x%08lx", (unsigned long)u->conn_mark,
			 (unsigned long)u->conn_mark_mask);
		put(&e, "PLUTO_CONN_MARK", b);
	}
	if (u->stack != NULL)
		put(&e, "PLUTO_STACK", u->stack);
	if (u->cfg_client)
		put(&e, "PLUTO_CFG_CLIENT", "1");
	if (u->cfg_server)
		put(&e, "PLUTO_CFG_SERVER", "1");
	if (u->peer_dns_info != NULL)
		put(&e, "PLUTO_PEER_DNS_INFO", u->peer_dns_info);
	if (u->peer_domain_info != NULL)
		put(&e, "PLUTO_PEER_DOMAIN_INFO", u->peer_domain_info);
	if (u->peer_banner != NULL)
		put(&e, "PLUTO_PEER_BANNER", u->peer_banner);

	if (e.err != 0) {
		updown_env_free(e.v);
		return e.err;
	}
	*envp_out = e.v;
	return 0;
}

const char *updown_log_prefix(const struct updown_info *u, char buf[RUNNER_PREFIX_MAX])
{
	char verb[UPDOWN_VERB_MAX], name[64];
	size_t len;

	if (updown_verb(u, verb) == NULL || u->connection == NULL)
		return NULL;
	len = strnlen(u->connection, sizeof(name) - 1);
	printable(name, u->connection, len);
	snprintf(buf, RUNNER_PREFIX_MAX, "\"%s\" updown %s", name, verb);
	return buf;
}

int updown_run(struct runner *r, const char *command, const struct updown_info *u,
	       struct mailbox *reply_to, updown_done_fn *done, void *cookie)
{
	char prefix[RUNNER_PREFIX_MAX], **envp;
	int rc;

	if (command == NULL || done == NULL)
		return -EINVAL;
	rc = updown_env_build(u, &envp);
	if (rc < 0)
		return rc;
	updown_log_prefix(u, prefix);
	rc = runner_submit(r, command, envp, prefix, reply_to, done, cookie);
	updown_env_free(envp);
	return rc;
}

static bool addr_unspecified(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	return a->af == AF_UNSPEC || memcmp(a->b, zero, a->af == AF_INET ? 4 : 16) == 0;
}

static bool addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->af == b->af && memcmp(a->b, b->b, a->af == AF_INET ? 4 : 16) == 0;
}

int updown_native_routes(const struct updown_info *u, struct updown_route out[UPDOWN_ROUTES_MAX])
{
	char verb[UPDOWN_VERB_MAX];
	struct ip_subnet peer, halves[2];
	struct ip_addr next_hop;
	unsigned n = 0, np;
	bool via;

	if (updown_verb(u, verb) == NULL || u->peer.af != u->me.af)
		return -EINVAL;
	if (!u->client || (u->verb != UPDOWN_PREPARE && u->verb != UPDOWN_ROUTE &&
			   u->verb != UPDOWN_UNROUTE))
		return 0;	/* the script: nothing for -host, up- or down- */
	peer = u->peer_client.addr.af == AF_UNSPEC ? ip_subnet_from_addr(&u->peer) : u->peer_client;
	if (!subnet_ok(&peer))
		return -EINVAL;
	memset(halves, 0, sizeof(halves));
	if (peer.prefix == 0) {
		/* 0.0.0.0/1 and 128.0.0.0/1 (or ::/1 and 8000::/1) */
		halves[0].addr.af = halves[1].addr.af = peer.addr.af;
		halves[0].prefix = halves[1].prefix = 1;
		halves[1].addr.b[0] = 0x80;
		np = 2;
	} else {
		halves[0] = peer;
		np = 1;
	}
	next_hop = u->next_hop.af == AF_UNSPEC ? u->peer : u->next_hop;
	/* a client of the other family (IPv6 inside IPv4) is reached through the device alone */
	via = next_hop.af == peer.addr.af && !addr_unspecified(&next_hop) &&
	      !(addr_eq(&next_hop, &peer.addr) && peer.prefix == (peer.addr.af == AF_INET ? 32 : 128));
	for (unsigned i = 0; i < np; i++) {
		struct updown_route *r = &out[n++];

		memset(r, 0, sizeof(*r));
		r->r.dst = halves[i];
		if (u->verb != UPDOWN_PREPARE && u->interface)
			snprintf(r->r.dev, sizeof(r->r.dev), "%s", u->interface);
		if (u->verb != UPDOWN_ROUTE) {
			r->kind = KERNEL_OP_ROUTE_DELETE;
			continue;
		}
		r->kind = KERNEL_OP_ROUTE_REPLACE;
		if (via)
			r->r.via = next_hop;
		if (u->my_source_ip.af == peer.addr.af)
			r->r.src = u->my_source_ip;
	}
	return (int)n;
}
