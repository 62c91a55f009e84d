/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * whack forms that act on SAs: --initiate (with progress lines until the
 * SA is up or given up, unless --asynchronous), --terminate, --deletestate,
 * the --ddos modes. (The listings are in cmd_status.c.) SAs belong to workers:
 * these post to them (ike/ike_cmd.h) and never touch an SA here.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "crypto/crypto.h"
#include "ike/conn_inst.h"
#include "ike/connection.h"
#include "ike/ike_cmd.h"
#include "ike/route.h"
#include "util/addr_list.h"
#include "util/log.h"

/* The progress channel of one whack --initiate: a dup of its socket. */
struct whack_progress {
	struct ike_progress pr;
	int fd;
	struct pluto *p;	/* whose ctl thread waits for answers to prompts */
};

static void progress_line(struct ike_progress *pr, unsigned rc, const char *text)
{
	struct whack_progress *wp = caa_container_of(pr, struct whack_progress, pr);
	uint8_t buf[WHACK_HDR_LEN + 16 + WHACK_LINE_MAX];
	int n = whack_reply_encode(rc, text, buf, sizeof(buf));

	/* A worker must not stall on a slow whack: drop the line rather than block. */
	if (n > 0 && wp->fd >= 0 && send(wp->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		close(wp->fd);
		wp->fd = -1;
	}
}

/* A prompt (XAUTH's 041 user name, 040 password): the ctl thread waits for the answer. */
static bool progress_ask(struct ike_progress *pr, unsigned rc, const char *line,
			 ike_answer_fn *done, void *arg)
{
	struct whack_progress *wp = caa_container_of(pr, struct whack_progress, pr);
	int fd;

	if (wp->fd < 0)
		return false;
	progress_line(pr, rc, line);
	if (wp->fd < 0)
		return false;	/* whack went, or reads nothing */
	fd = dup(wp->fd);
	return fd >= 0 && ctl_prompt_add(wp->p, fd, done, arg) == 0;
}

static void progress_release(struct ike_progress *pr)
{
	struct whack_progress *wp = caa_container_of(pr, struct whack_progress, pr);
	if (wp->fd >= 0)
		close(wp->fd);	/* whack sees the end of the stream and exits */
	free((char *)wp->pr.xauth_user);
	if (wp->pr.xauth_pass) {
		crypto_wipe((char *)wp->pr.xauth_pass, strlen(wp->pr.xauth_pass));
		free((char *)wp->pr.xauth_pass);
	}
	free(wp);
}

static const struct ike_progress_ops progress_ops = {
	.line = progress_line,
	.release = progress_release,
	.ask = progress_ask,
};

struct connection *ctl_conn_find_ref(struct pluto *p, const char *name)
{
	struct conn_node *n;
	struct connection *c = NULL;
	char key[CONN_NAME_MAX + 16];

	/* an instance: rw[3], "rw"[3] (as the listings print it) */
	if (ike_inst_name_key(name, key, sizeof(key)))
		return ike_inst_find_ref(&p->ike.insts, key);
	rcu_read_lock();
	n = sadb_conn_table_lookup_rcu(&p->conns, name);
	if (n) {
		c = ike_connection_of(n);
		ike_connection_ref(c);
	}
	rcu_read_unlock();
	return c;
}

static struct connection *find_conn_ref(struct pluto *p, const char *name)
{
	return ctl_conn_find_ref(p, name);
}

int ctl_orient(struct pluto *p, const struct connection *c)
{
	int found = -1;
	for (int i = 0; i < 2; i++) {
		if (ike_conn_host_kind(c, (uint8_t)i) != HOST_ADDR)
			continue;
		for (size_t k = 0; k < p->ifaces.n; k++) {
			if (ip_addr_eq(&p->ifaces.v[k].addr, ike_conn_host(c, (uint8_t)i))) {
				if (found >= 0 && found != i)
					return -2;	/* both ends are ours */
				found = i;
			}
		}
	}
	return found;
}

void ctl_cmd_initiate(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *name = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);
	bool async = whack_cmd_find(cmd, WO_ASYNCHRONOUS, WHACK_END_NONE) != NULL;
	struct whack_progress *wp = NULL;
	struct net_listener *l = NULL;
	struct connection *conn;
	int end;

	if (!name) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--initiate needs --name <connection-name>");
		return;
	}
	if (whack_cmd_find(cmd, WO_REMOTE_HOST, WHACK_END_NONE)) {
		ctl_not_supported(c, "--initiate --remote-host");
		return;
	}
	conn = find_conn_ref(p, name->value);
	if (!conn) {
		ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
		return;
	}
	if (ike_conn_is_instance(conn)) {
		ctl_reply(c, RC_NOPEERIP, "%s: cannot initiate an instance: its client connects to us "
			  "(initiate a connection whose peer is an address)", name->value);
		goto out;
	}
	if (conn_spec_is_shunt(conn->spec)) {
		ctl_reply(c, RC_ROUTE, "\"%s\": cannot initiate a shunt connection (--pass, --drop "
			  "or --reject without --encrypt): use --route", name->value);
		goto out;
	}
	if (!net_pool_is_listening(p->pool)) {
		ctl_reply(c, RC_DEAF, "\"%s\": need --listen before --initiate", name->value);
		goto out;
	}
	end = ctl_orient(p, conn);
	if (end < 0) {
		ctl_reply(c, RC_ORIENT, "\"%s\": cannot initiate: %s", name->value,
			  end == -2 ? "both ends are addresses of this host"
				    : "neither end is an address pluto listens on");
		goto out;
	}
	if (ike_conn_host_kind(conn, 1 - end) != HOST_ADDR) {
		ctl_reply(c, RC_NOPEERIP, "\"%s\": cannot initiate when the peer's address is unknown (%%any)",
			  name->value);
		goto out;
	}
	l = net_pool_listener_get(p->pool, ike_conn_host(conn, end), p->opts->ikeport);
	if (!l) {
		ctl_reply(c, RC_DEAF, "\"%s\": no IKE socket on our end's address", name->value);
		goto out;
	}
	if (!async) {
		wp = calloc(1, sizeof(*wp));
		if (!wp || (wp->fd = dup(c->fd)) < 0) {
			free(wp);
			ctl_reply(c, RC_INTERNALERR, "out of resources");
			goto out;
		}
		wp->pr.ops = &progress_ops;
		wp->p = p;
		atomic_store(&wp->pr.refs, 1);
		/* --xauthuser/--xauthpass: an IKEv1 XAUTH client's answers (copied by its SA) */
		const struct whack_optval *xu = whack_cmd_find(cmd, WO_XAUTHUSER, WHACK_END_NONE);
		const struct whack_optval *xp = whack_cmd_find(cmd, WO_XAUTHPASS, WHACK_END_NONE);
		wp->pr.xauth_user = xu ? strdup(xu->value) : NULL;
		wp->pr.xauth_pass = xp ? strdup(xp->value) : NULL;
		c->handed_off = true;
	}
	/* An IKE SA with these ends and IDs is up: one more Child SA on it, as libreswan does. */
	if (ike_cmd_add_child(&p->ike, conn, (uint8_t)end, wp ? &wp->pr : NULL)) {
		if (async)
			ctl_reply(c, RC_LOG, "\"%s\": adding a Child SA to an established IKE SA",
				  name->value);
	} else if (ike_cmd_initiate(&p->ike, conn, (uint8_t)end, l, ike_conn_host(conn, end),
				    wp ? &wp->pr : NULL) < 0)
		ctl_reply(c, RC_INTERNALERR, "out of memory");
	else if (async)
		ctl_reply(c, RC_LOG, "\"%s\": initiating (asynchronously)", name->value);
	if (wp)
		ike_progress_unref(&wp->pr);	/* the worker holds its own reference */
out:
	if (l)
		net_listener_unref(l);
	ike_connection_unref(conn);
}

static void emit_log(void *ctx, uint64_t serial, const char *line)
{
	ctl_reply(ctx, RC_LOG, "%s", line);
}

void ctl_cmd_terminate(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *name = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);
	struct connection *conn;

	if (!name) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--terminate needs --name <connection-name>");
		return;
	}
	conn = find_conn_ref(p, name->value);
	if (!conn) {
		ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
		return;
	}
	if (ike_cmd_terminate(&p->ike, conn, emit_log, c) == 0)
		ctl_reply(c, RC_LOG, "\"%s\": no IKE SA to terminate", name->value);
	ike_connection_unref(conn);
}

void ctl_cmd_crash(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_CRASH, WHACK_END_NONE);
	struct ip_addr peer;

	if (!v || ip_addr_parse(v->value, &peer) < 0) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--crash %s: expected the peer's IP address",
			  v ? v->value : "");
		return;
	}
	if (ike_cmd_crash(&p->ike, &peer, emit_log, c) == 0)
		ctl_reply(c, RC_LOG, "--crash %s: no established IKE SA with that peer", v->value);
}

static void rekey(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd, bool ike)
{
	const char *form = ike ? "--rekey-ike" : "--rekey-ipsec";
	const struct whack_optval *name = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);
	struct connection *conn;

	if (!name) {
		ctl_reply(c, RC_WHACK_PROBLEM, "%s needs --name <connection-name>", form);
		return;
	}
	conn = find_conn_ref(p, name->value);
	if (!conn) {
		ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
		return;
	}
	if (ike_cmd_rekey(&p->ike, conn, ike, emit_log, c) == 0)
		ctl_reply(c, RC_LOG_SERIOUS, "\"%s\": no established %s to rekey", name->value,
			  ike ? "IKE SA" : "Child SA");
	ike_connection_unref(conn);
}

void ctl_cmd_rekey_ike(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	rekey(p, c, cmd, true);
}

void ctl_cmd_rekey_ipsec(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	rekey(p, c, cmd, false);
}

void ctl_conn_terminate(struct pluto *p, struct ctl_client *c, struct connection *conn)
{
	ike_cmd_terminate(&p->ike, conn, emit_log, c);
}

void ctl_conn_unroute(struct pluto *p, struct connection *conn)
{
	/* "Any routing in place for the connection is undone." Its SAs went first. */
	if (atomic_load(&conn->routing) != CONN_UNROUTED)
		ike_cmd_unroute(&p->ike, conn, NULL);
}

void ctl_cmd_deleteuser(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);

	if (!v || !v->value[0]) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--deleteuser needs --name <username>");
		return;
	}
	/*
	 * libreswan's "--deleteuser --name USER --crash ADDR": the peer at ADDR
	 * crashed, so the user's SAs there go without a Delete, then every other
	 * SA with that peer as --crash alone deletes it.
	 */
	const struct whack_optval *cv = whack_cmd_find(cmd, WO_CRASH, WHACK_END_NONE);
	struct ip_addr peer;

	if (cv && ip_addr_parse(cv->value, &peer) < 0) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--crash %s: expected the peer's IP address",
			  cv->value);
		return;
	}
	unsigned n = ike_cmd_deleteuser(&p->ike, v->value, cv ? &peer : NULL, emit_log, c);
	if (cv)
		n += ike_cmd_crash(&p->ike, &peer, emit_log, c);
	if (n == 0)
		ctl_reply(c, RC_UNKNOWN_NAME, "no IKEv1 SA of XAUTH user %s%s%s", v->value,
			  cv ? " nor an established IKE SA with " : "", cv ? cv->value : "");
}

void ctl_cmd_deletestate(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_DELETESTATE, WHACK_END_NONE);
	char *end;
	unsigned long long serial = v ? strtoull(v->value, &end, 10) : 0;

	if (!v || *end || serial == 0) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--deletestate %s: expected a state number",
			  v ? v->value : "");
		return;
	}
	if (!ike_cmd_deletestate(&p->ike, serial, emit_log, c))
		ctl_reply(c, RC_UNKNOWN_NAME, "no state #%llu", serial);
}

void ctl_cmd_ddos(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	int mode = whack_cmd_find(cmd, WO_DDOS_BUSY, WHACK_END_NONE)	    ? 1
		   : whack_cmd_find(cmd, WO_DDOS_UNLIMITED, WHACK_END_NONE) ? 2
									    : 0;
	static const char *const names[] = { "auto", "busy", "unlimited" };

	atomic_store(&p->ike.ddos_mode, mode);
	ctl_reply(c, RC_LOG, "DDoS mode now %s%s", names[mode],
		  mode == 1 ? ": every new IKE SA must return a cookie" : "");
}

void ctl_cmd_global_redirect(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_GLOBAL_REDIRECT, WHACK_END_NONE);
	static const char *const names[] = { "no", "yes", "auto" };
	int mode = !v ? 0 : !strcasecmp(v->value, "yes") ? 1 : !strcasecmp(v->value, "auto") ? 2 : 0;

	atomic_store(&p->ike.global_redirect, mode);
	if (mode && !rcu_dereference(p->ike.global_redirect_to))
		ctl_reply(c, RC_LOG, "global redirect now %s, but no --global-redirect-to "
			  "gateways are set: nobody is redirected until they are", names[mode]);
	else
		ctl_reply(c, RC_LOG, "global redirect now %s", names[mode]);
}

void ctl_cmd_global_redirect_to(struct pluto *p, struct ctl_client *c,
				const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_GLOBAL_REDIRECT_TO, WHACK_END_NONE);
	struct addr_list *g;
	char err[160];

	if (!v || addr_list_parse_gw(v->value, &g, err, sizeof(err)) < 0) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--global-redirect-to %s: %s", v ? v->value : "",
			  v ? err : "expected ip-address(es)");
		return;
	}
	ike_daemon_set_redirect_to(&p->ike, g);
	ctl_reply(c, RC_LOG, "global redirect gateways set (%u)", g->n);
}

/* whack [--name N] --redirect-to ADDRS: the established clients go now (RFC 5685 5). */
void ctl_cmd_redirect_to(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_REDIRECT_TO, WHACK_END_NONE);
	const struct whack_optval *name = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);
	struct connection *conn = NULL;
	struct addr_list *g;
	char err[160];
	unsigned n;

	/* a gateway may be named by FQDN (RFC 5685 9), sent as given */
	if (!v || addr_list_parse_gw(v->value, &g, err, sizeof(err)) < 0) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--redirect-to %s: %s", v ? v->value : "",
			  v ? err : "expected ip-address(es)");
		return;
	}
	if (name) {
		conn = find_conn_ref(p, name->value);
		if (!conn) {
			ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
			addr_list_free(g);
			return;
		}
	}
	n = ike_cmd_redirect(&p->ike, conn, g, emit_log, c);
	if (n == 0)
		ctl_reply(c, RC_LOG, "--redirect-to: no established peer%s%s%s takes redirects",
			  name ? " of \"" : "", name ? name->value : "", name ? "\"" : "");
	if (conn)
		ike_connection_unref(conn);
	addr_list_free(g);
}

/* A progress channel for a command a worker finishes (route, unroute). */
static struct ike_progress *handoff(struct ctl_client *c)
{
	struct whack_progress *wp = calloc(1, sizeof(*wp));
	if (!wp || (wp->fd = dup(c->fd)) < 0) {
		free(wp);
		return NULL;
	}
	wp->pr.ops = &progress_ops;
	atomic_store(&wp->pr.refs, 1);
	c->handed_off = true;
	return &wp->pr;
}

static void route_cmd(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd,
		      bool unroute)
{
	const struct whack_optval *name = whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE);
	struct connection *conn;
	struct ike_progress *pr;
	int end = 0;

	if (!name) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--%s needs --name <connection-name>",
			  unroute ? "unroute" : "route");
		return;
	}
	conn = find_conn_ref(p, name->value);
	if (!conn) {
		ctl_reply(c, RC_UNKNOWN_NAME, "no connection named \"%s\"", name->value);
		return;
	}
	if (ike_conn_is_instance(conn)) {
		/* Its routing is its client's SAs', on the worker that owns them. */
		ctl_reply(c, RC_ROUTE, "%s: cannot %s an instance: its Child SAs route it while its "
			  "client is up", name->value, unroute ? "unroute" : "route");
		goto out;
	}
	if (!unroute && p->opts->protostack == PROTOSTACK_BSDKAME) {
		/* af_key's ACQUIRE carries no reqid: the trap could never start the connection. */
		ctl_not_supported(c, "--route with --use-bsdkame (PF_KEY)");
		goto out;
	}
	if (!unroute) {
		end = ctl_orient(p, conn);
		if (end < 0) {
			ctl_reply(c, RC_ORIENT, "\"%s\": cannot route: %s", name->value,
				  end == -2 ? "both ends are addresses of this host"
					    : "neither end is an address pluto listens on (--listen first)");
			goto out;
		}
		/* A shunt needs no peer address: its policy names the clients alone. */
		bool shunt = conn_spec_is_shunt(conn->spec);
		bool peer_known = ike_conn_host_kind(conn, 1 - end) == HOST_ADDR ||
				  (shunt && conn->spec->end[1 - end].has_client);
		if ((!shunt && !(conn->spec->policy & (POL_ENCRYPT | POL_AUTHENTICATE))) ||
		    !peer_known) {
			ctl_reply(c, RC_ROUTE, "\"%s\": cannot route: %s", name->value,
				  !peer_known
					  ? "the peer's address is unknown (%any)"
					  : "an ISAKMP-only connection has no IPsec traffic to route");
			goto out;
		}
	}
	/* pluto's own requests (--config at start, --rereadall) have no socket: the worker logs. */
	pr = c->fd >= 0 ? handoff(c) : NULL;
	if (!pr && c->fd >= 0) {
		ctl_reply(c, RC_INTERNALERR, "out of resources");
		goto out;
	}
	if ((unroute ? ike_cmd_unroute(&p->ike, conn, pr)
		     : ike_cmd_route(&p->ike, conn, (uint8_t)end, pr)) < 0) {
		if (pr)
			pr->ops->line(pr, RC_INTERNALERR, "out of memory");
		else
			ctl_reply(c, RC_INTERNALERR, "\"%s\": out of memory", name->value);
	}
	ike_progress_unref(pr);
out:
	ike_connection_unref(conn);
}

void ctl_cmd_route(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	route_cmd(p, c, cmd, false);
}

void ctl_cmd_unroute(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	route_cmd(p, c, cmd, true);
}
