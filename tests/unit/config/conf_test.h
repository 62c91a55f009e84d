/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers of the ipsec.conf reader tests: parse text, look at the result. */
#ifndef SKUA_TESTS_CONF_TEST_H
#define SKUA_TESTS_CONF_TEST_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/config_conn.h"
#include "ctl/config_file.h"
#include "ctl/config_setup.h"
#include "ctl/proto/whack_opts.h"

/* One parse: the file, its conns and what was said. */
struct parsed {
	struct conf_file f;
	struct conf_set set;
	struct conf_diag d;
	int rc; /* of reading, then of building */
};

/* A host whose default route is via 198.51.100.1 from 198.51.100.7 (IPv6: 2001:db8:ff::7). */
__attribute__((unused)) static int fake_route(void *ctx, sa_family_t af, struct ip_addr *src,
					      struct ip_addr *gw, char *why, size_t whylen)
{
	if (ctx) {
		snprintf(why, whylen, "this host has no default route");
		return -ENOENT;
	}
	ip_addr_parse(af == AF_INET6 ? "2001:db8:ff::7" : "198.51.100.7", src);
	ip_addr_parse(af == AF_INET6 ? "2001:db8:ff::1" : "198.51.100.1", gw);
	return 0;
}

__attribute__((unused)) static const struct conf_env fake_env = {.defaultroute = fake_route,
								 .ctx = NULL};
__attribute__((unused)) static const struct conf_env no_route_env = {.defaultroute = fake_route,
								     .ctx = (void *)1};

static inline void parse_text_env(struct parsed *p, const char *text, const struct conf_env *env)
{
	memset(p, 0, sizeof(*p));
	conf_diag_init(&p->d);
	p->rc = conf_file_read_mem(&p->f, "t.conf", text, strlen(text), &p->d);
	if (p->rc == 0)
		p->rc = conf_conns_build(&p->f, env, &p->set, &p->d);
}

static inline void parse_text(struct parsed *p, const char *text)
{
	parse_text_env(p, text, &fake_env);
}

static inline void parsed_fini(struct parsed *p)
{
	conf_set_fini(&p->set);
	conf_file_fini(&p->f);
	conf_diag_fini(&p->d);
}

/* Some line of d contains want (and, when level >= 0, is of that level). */
static inline bool diag_has(const struct conf_diag *d, int level, const char *want)
{
	for (size_t i = 0; i < d->n; i++) {
		if ((level < 0 || (int)d->v[i].level == level) && strstr(d->v[i].text, want))
			return true;
	}
	return false;
}

static inline const char *diag_all(const struct conf_diag *d, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "[%s] ", d->v[i].text);
	return buf;
}

static inline const struct conf_conn *conn_of(const struct parsed *p, const char *name)
{
	const struct conf_conn *c = conf_set_find(&p->set, name);
	cr_assert_not_null(c, "no conn %s", name);
	return c;
}

/* The value of option id for end (WHACK_END_NONE for a connection-wide one), or NULL. */
static inline const char *opt_value(const struct conf_conn *c, enum whack_opt id, int end)
{
	if (!c->cmd)
		return NULL;
	for (size_t i = 0; i < c->cmd->nopts; i++) {
		if (c->cmd->opts[i].id == id && c->cmd->opts[i].end == end)
			return c->cmd->opts[i].value;
	}
	return NULL;
}

/* The conn_spec whack would build from the conn's form (pluto builds the same). */
static inline void spec_of(const struct conf_conn *c, struct conn_spec *spec)
{
	char err[512];

	cr_assert(c->ok, "conn %s not ok", c->name);
	cr_assert_eq(whack_cmd_conn_spec(c->cmd, spec, err, sizeof(err)), 0, "%s", err);
}

#endif
