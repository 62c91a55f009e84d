/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/child_updown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/exchange.h"
#include "util/log.h"

struct updown_ctx {
	struct ike_daemon *d;
	uint64_t sa_serial, child_serial;
	enum updown_verb verb;
	char name[CONN_NAME_MAX + 1];
};

static const char *command_of(const struct ike_daemon *d, const struct connection *c, uint8_t end)
{
	const char *u = c->spec.end[end].updown;
	if (u && (strcmp(u, "%disabled") == 0 || u[0] == '\0'))
		return NULL;
	return u ? u : d->default_updown;
}

static void fill_conn(struct updown_info *u, const struct connection *c, uint8_t end)
{
	const struct conn_end_spec *me = &c->spec.end[end], *peer = &c->spec.end[1 - end];

	u->connection = c->spec.name;
	u->me = me->host;
	u->peer = peer->host;
	u->next_hop = me->nexthop;
	u->my_source_ip = me->srcip;
	ike_ts_to_subnet(&c->ts[end], &u->my_client);
	ike_ts_to_subnet(&c->ts[1 - end], &u->peer_client);
	u->my_protocol = me->protocol;
	u->peer_protocol = peer->protocol;
	u->my_port = me->has_port ? me->port : 0;
	u->peer_port = peer->has_port ? peer->port : 0;
	u->client = me->has_client || peer->has_client;
	if (c->spec.has_conn_mark) {
		u->conn_mark = c->spec.conn_mark;
		u->conn_mark_mask = c->spec.conn_mask;
	}
}

static void answered(int status, void *cookie, void *ctx)
{
	struct updown_ctx *uc = cookie;
	struct net_worker *nw = ctx;

	if (status == 0 || uc->verb == UPDOWN_DOWN || uc->verb == UPDOWN_UNROUTE || !nw ||
	    !uc->child_serial) {
		if (status != 0)
			log_limited(LOG_WARNING, 20, "updown failed",
				    "\"%s\": updown %s failed (status %d)", uc->name,
				    uc->verb == UPDOWN_DOWN ? "down" : "unroute/route", status);
		free(uc);
		return;
	}
	/* prepare-/route-/up- failed: the manual's "0 if and only if it succeeds". */
	struct ike_worker *w = &uc->d->w[nw->index];
	for (struct ike_sa *sa = w->sas; sa; sa = sa->next) {
		if (sa->serial != uc->sa_serial)
			continue;
		for (struct child_sa *c = sa->children; c; c = c->next) {
			if (c->serial != uc->child_serial)
				continue;
			ike_sa_progress(sa, RC_LOG_SERIOUS,
					"updown failed (status %d): deleting Child SA #%llu", status,
					(unsigned long long)c->serial);
			v2_child_delete_tell_peer(sa, c);
			ike_child_unlink_free(sa, c);
			break;
		}
		break;
	}
	free(uc);
}

static void run(struct ike_daemon *d, unsigned w, const char *cmd, const struct updown_info *u,
		uint64_t sa_serial, uint64_t child_serial)
{
	struct updown_ctx *uc;

	if (!cmd || !d->runner)
		return;
	uc = calloc(1, sizeof(*uc));
	if (!uc)
		return;
	uc->d = d;
	uc->sa_serial = sa_serial;
	uc->child_serial = child_serial;
	uc->verb = u->verb;
	snprintf(uc->name, sizeof(uc->name), "%s", u->connection);
	if (updown_run(d->runner, cmd, u, &net_pool_worker(d->pool, w)->mb, answered, uc) < 0) {
		log_limited(LOG_WARNING, 10, "updown not run",
			    "\"%s\": updown not run: its queue is full or stopped", uc->name);
		free(uc);
	}
}

void ike_child_updown(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb)
{
	struct ike_daemon *d = sa->w->d;
	char my_id[300], peer_id[300];
	struct updown_info u;

	memset(&u, 0, sizeof(u));
	fill_conn(&u, c->conn, c->this_end);
	u.verb = verb;
	u.interface = sa->l ? sa->l->iface.name : NULL;
	u.me = sa->local;
	u.peer = sa->peer;
	ike_ts_to_subnet(&c->ts_local, &u.my_client);
	ike_ts_to_subnet(&c->ts_remote, &u.peer_client);
	u.my_protocol = c->ts_local.ipproto;
	u.peer_protocol = c->ts_remote.ipproto;
	u.my_id = ike_id_str(sa->id_local, my_id, sizeof(my_id));
	u.peer_id = ike_id_str(&sa->id_remote, peer_id, sizeof(peer_id));
	u.reqid = c->reqid;
	u.spi_in = c->spi_in;
	u.spi_out = c->spi_out;
	u.stack = d->kernel_none ? "none" : "xfrm";
	/* the Configuration payload: the address the peer gave us is our source */
	const struct ip_addr *given = &sa->lease.assigned[ike_lease_fam(c->ts_local.start.af)];
	if (given->af != AF_UNSPEC) {
		u.my_source_ip = *given;
		u.cfg_client = true;
		u.peer_dns_info = sa->lease.dns_info[0] ? sa->lease.dns_info : NULL;
		u.peer_domain_info = sa->lease.domain_info[0] ? sa->lease.domain_info : NULL;
	}
	u.cfg_server = ike_lease_has(&sa->lease, c->ts_remote.start.af);
	run(d, sa->w->index, command_of(d, c->conn, c->this_end), &u, sa->serial, c->serial);
}

void ike_conn_updown(struct ike_daemon *d, unsigned w, struct connection *c, uint8_t end,
		     enum updown_verb verb)
{
	struct updown_info u;
	char my_id[300], peer_id[300];

	memset(&u, 0, sizeof(u));
	fill_conn(&u, c, end);
	u.verb = verb;
	u.my_id = ike_id_str(&c->id[end], my_id, sizeof(my_id));
	u.peer_id = ike_id_str(&c->id[1 - end], peer_id, sizeof(peer_id));
	u.stack = d->kernel_none ? "none" : "xfrm";
	run(d, w, command_of(d, c, end), &u, 0, 0);
}
