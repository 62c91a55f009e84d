/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/child_updown.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v1/state.h"
#include "ike/v2/exchange.h"
#include "util/log.h"

enum {
	UPDOWN_RETRY_MS = 10,		/* a worker with waiting verbs looks for room this often */
};

/* One verb's run, answered on its worker. Owner: that worker. */
struct updown_ctx {
	struct ike_daemon *d;
	unsigned w;
	uint64_t sa_spi, sa_serial, child_serial;	/* the IKE SA: our SPI (its index) and serial */
	enum updown_verb verb;
	struct ike_progress *pr;	/* up-: the whack waiting for it (a reference) */
	char *established;		/* up-: the line that says so, once up- succeeded */
	char name[CONN_NAME_MAX + 1];
	char verb_str[UPDOWN_VERB_MAX];
};

/* A verb waiting for room in the runner's queue. Owner: its worker's FIFO. */
struct updown_wait {
	struct updown_wait *next;
	char *cmd;
	char **envp;
	char prefix[RUNNER_PREFIX_MAX];
	struct updown_ctx *uc;
};

/*
 * The command to run, or NULL for none: no --updown (the native default),
 * %disabled, "", and `true` (what ipsec.conf's %disabled becomes: a
 * command that does nothing and succeeds needs no process).
 */
static const char *command_of(const struct connection *c, uint8_t end)
{
	const char *u = c->spec->end[end].updown;
	if (!u || strcmp(u, "%disabled") == 0 || u[0] == '\0' || strcmp(u, "true") == 0)
		return NULL;
	return u;
}

/*
 * The native action sets routes, not addresses: an end that takes its
 * address from the peer (--modecfgclient) runs the shipped script, which
 * adds and removes it as libreswan's _updown does.
 */
static bool takes_address(const struct connection *conn, uint8_t end)
{
	return conn->spec->end[end].modecfg_client;
}

bool ike_updown_is_native(const struct ike_daemon *d, const struct connection *conn, uint8_t end)
{
	(void)d;
	return conn->spec->end[end].updown == NULL && !takes_address(conn, end);
}

static void fill_conn(struct updown_info *u, const struct connection *c, uint8_t end)
{
	const struct conn_end_spec *me = &c->spec->end[end], *peer = &c->spec->end[1 - end];

	u->connection = c->spec->name;
	u->me = *ike_conn_host(c, end);
	u->peer = *ike_conn_host(c, (uint8_t)(1 - end));
	u->next_hop = me->nexthop;
	u->my_source_ip = me->srcip;
	ike_ts_to_subnet(c->ts[end], &u->my_client);
	ike_ts_to_subnet(c->ts[1 - end], &u->peer_client);
	u->my_protocol = me->protocol;
	u->peer_protocol = peer->protocol;
	u->my_port = me->has_port ? me->port : 0;
	u->peer_port = peer->has_port ? peer->port : 0;
	u->client = me->has_client || peer->has_client;
	if (c->spec->has_conn_mark) {
		u->conn_mark = c->spec->conn_mark;
		u->conn_mark_mask = c->spec->conn_mask;
	}
}

static void uc_free(struct updown_ctx *uc)
{
	if (!uc)
		return;
	ike_progress_unref(uc->pr);
	free(uc->established);
	free(uc);
}

static void wait_free(struct updown_wait *wt)
{
	updown_env_free(wt->envp);
	free(wt->cmd);
	free(wt);
}

/* The outcome of one verb, on its worker. */
static void finish(struct updown_ctx *uc, int status)
{
	char why[64];

	if (status > 0)
		snprintf(why, sizeof(why), "exit status %d", status);
	else
		snprintf(why, sizeof(why), "%s", strerror(-status));
	if (status == 0) {
		if (uc->established)
			ike_progress_say(uc->pr, RC_SUCCESS, uc->established);
		uc_free(uc);
		return;
	}
	if (uc->verb == UPDOWN_DOWN || uc->verb == UPDOWN_UNROUTE || !uc->child_serial) {
		log_limited(LOG_WARNING, 20, "updown failed", "\"%s\": updown %s failed (%s)",
			    uc->name, uc->verb_str, why);
		uc_free(uc);
		return;
	}
	/* prepare-/route-/up- failed: the manual's "0 if and only if it succeeds". */
	struct ike_worker *w = &uc->d->w[uc->w];
	struct ike_sa *sa = ike_sa_find_own(w, uc->sa_spi, uc->sa_serial);
	struct child_sa *c = sa ? ike_child_find(sa, uc->child_serial) : NULL;
	char text[512];
	snprintf(text, sizeof(text), "\"%s\" #%llu: updown %s failed (%s): deleting Child SA #%llu",
		 uc->name, (unsigned long long)uc->sa_serial, uc->verb_str, why,
		 (unsigned long long)uc->child_serial);
	ike_progress_text(uc->pr ? uc->pr : sa ? ike_sa_whack(sa) : NULL,
			  uc->pr || (sa && ike_sa_whack(sa)) ? RC_FATAL : RC_LOG_SERIOUS, text);
	if (c && c->state == CHILD_INSTALLED) {
		counters_inc(uc->d->ctr, uc->w, IKEC_CHILD_FAILED);
		v2_child_delete_tell_peer(sa, c);
		ike_child_unlink_free(sa, c);
	}
	uc_free(uc);
}

static void arm_retry(struct ike_worker *w)
{
	struct net_worker *nw = net_pool_worker(w->d->pool, w->index);

	if (w->updown_head && !timer_is_armed(&w->updown_retry))
		timer_arm(&nw->timers, &w->updown_retry, ike_now(w) + UPDOWN_RETRY_MS);
}

static void answered(int status, void *cookie, void *ctx);

/* Hand the waiting verbs to the runner, oldest first, while it has room. */
static void flush(struct ike_worker *w)
{
	struct ike_daemon *d = w->d;

	while (w->updown_head) {
		struct updown_wait *wt = w->updown_head;
		int rc = runner_submit(d->runner, wt->cmd, wt->envp, wt->prefix,
				       &net_pool_worker(d->pool, w->index)->mb, answered, wt->uc);
		if (rc == -EAGAIN)
			break;
		w->updown_head = wt->next;
		if (!w->updown_head)
			w->updown_tail = NULL;
		counters_add(d->ctr, w->index, IKEC_UPDOWN_WAITING, (uint64_t)-1);
		if (rc < 0)
			finish(wt->uc, rc);
		wait_free(wt);
	}
	arm_retry(w);
}

static void retry_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	(void)tw;
	(void)t;
	flush(arg);
}

void ike_updown_worker_init(struct ike_worker *w)
{
	w->updown_head = w->updown_tail = NULL;
	timer_init(&w->updown_retry, retry_fire, w);
}

void ike_updown_worker_fini(struct ike_worker *w)
{
	unsigned n = 0;

	while (w->updown_head) {
		struct updown_wait *wt = w->updown_head;
		w->updown_head = wt->next;
		uc_free(wt->uc);
		wait_free(wt);
		n++;
	}
	w->updown_tail = NULL;
	if (n)
		log_warn("worker %u: %u updown commands had not run when the daemon stopped", w->index,
			 n);
}

static void answered(int status, void *cookie, void *ctx)
{
	struct updown_ctx *uc = cookie;
	struct ike_worker *w = &uc->d->w[uc->w];

	(void)ctx;
	finish(uc, status);
	flush(w);	/* the runner has room for one more */
}

/* Run cmd with u's environment for the verb described by uc (which it takes). */
static void run_script(struct ike_worker *w, const char *cmd, const struct updown_info *u,
		       struct updown_ctx *uc)
{
	struct ike_daemon *d = w->d;
	struct updown_wait *wt = calloc(1, sizeof(*wt));
	int rc = wt ? updown_env_build(u, &wt->envp) : -ENOMEM;

	if (rc == 0 && (!(wt->cmd = strdup(cmd)) || !updown_log_prefix(u, wt->prefix)))
		rc = wt->cmd ? -EINVAL : -ENOMEM;
	if (rc < 0) {
		if (wt)
			wait_free(wt);
		finish(uc, rc);
		return;
	}
	wt->uc = uc;
	/* Behind a waiting verb of this worker, or when the runner is full: wait. */
	if (!w->updown_head) {
		rc = runner_submit(d->runner, wt->cmd, wt->envp, wt->prefix,
				   &net_pool_worker(d->pool, w->index)->mb, answered, uc);
		if (rc != -EAGAIN) {
			if (rc < 0)
				finish(uc, rc);
			wait_free(wt);
			return;
		}
	}
	if (w->updown_tail)
		w->updown_tail->next = wt;
	else
		w->updown_head = wt;
	w->updown_tail = wt;
	counters_inc(d->ctr, w->index, IKEC_UPDOWN_DELAYED);
	counters_inc(d->ctr, w->index, IKEC_UPDOWN_WAITING);
	arm_retry(w);
}

static struct updown_ctx *ctx_new(struct ike_daemon *d, unsigned w, const struct updown_info *u,
				  uint64_t sa_spi, uint64_t sa_serial, uint64_t child_serial)
{
	struct updown_ctx *uc = calloc(1, sizeof(*uc));

	if (!uc)
		return NULL;
	uc->d = d;
	uc->w = w;
	uc->sa_spi = sa_spi;
	uc->sa_serial = sa_serial;
	uc->child_serial = child_serial;
	uc->verb = u->verb;
	snprintf(uc->name, sizeof(uc->name), "%s", u->connection);
	if (!updown_verb(u, uc->verb_str))
		snprintf(uc->verb_str, sizeof(uc->verb_str), "?");
	return uc;
}

static void native_logged(struct kernel_batch *b)
{
	const char *name = b->cookie;

	for (unsigned i = 0; i < b->n; i++)
		if (b->ops[i]->status < 0) {
			char dst[IP_SUBNET_STRLEN];
			log_limited(LOG_WARNING, 20, "native updown route failed",
				    "\"%s\": updown: route %s %s failed: %s", name,
				    b->ops[i]->kind == KERNEL_OP_ROUTE_DELETE ? "del" : "replace",
				    ip_subnet_str(&b->ops[i]->route.dst, dst), strerror(-b->ops[i]->status));
		}
	free(b->cookie);
	kernel_batch_free(b);
}

static int add_routes(const struct updown_info *u, struct kernel_batch *b)
{
	struct updown_route r[UPDOWN_ROUTES_MAX];
	int n = updown_native_routes(u, r);

	for (int i = 0; i < n; i++) {
		struct kernel_op *op = kernel_batch_add(b, r[i].kind);
		if (!op)
			return -ENOMEM;
		op->route = r[i].r;
	}
	return n < 0 ? n : 0;
}

/* The native action of u in a batch of its own, its failures logged. Context: worker w. */
static void run_native(struct ike_daemon *d, unsigned w, const struct updown_info *u)
{
	struct updown_route r[UPDOWN_ROUTES_MAX];
	char *name;
	struct kernel_batch *b;

	if (updown_native_routes(u, r) <= 0)
		return;		/* nothing to do (-host, up-, down-) */
	name = strdup(u->connection);
	b = name ? kernel_batch_new(&net_pool_worker(d->pool, w)->mb, native_logged, name) : NULL;
	if (!b || add_routes(u, b) < 0) {
		log_limited(LOG_WARNING, 10, "out of memory for updown",
			    "\"%s\": out of memory: updown routes not changed", u->connection);
		kernel_batch_free(b);
		free(name);
		return;
	}
	b->owner = w;
	if (kernel_queue_submit_batch(d->kq, b) < 0) {
		kernel_batch_free(b);
		free(name);
	}
}

static void child_info(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb,
		       struct updown_info *u, char *my_id, char *peer_id, size_t idlen)
{
	struct ike_daemon *d = sa->w->d;

	memset(u, 0, sizeof(*u));
	fill_conn(u, c->conn, c->this_end);
	u->verb = verb;
	u->interface = sa->l ? sa->l->iface.name : NULL;
	u->me = sa->local;
	u->peer = sa->peer;
	ike_ts_to_subnet(&c->ts_local, &u->my_client);
	ike_ts_to_subnet(&c->ts_remote, &u->peer_client);
	u->my_protocol = c->ts_local.ipproto;
	u->peer_protocol = c->ts_remote.ipproto;
	if (my_id) {	/* for a script's environment only */
		u->my_id = ike_id_str(ike_sa_id_local(sa), my_id, idlen);
		u->peer_id = ike_id_str(sa->ext->id_remote, peer_id, idlen);
	}
	u->reqid = c->reqid;
	u->spi_in = c->spi_in;
	u->spi_out = c->spi_out;
	u->stack = d->kernel_none ? "none" : "xfrm";
	if (sa->v1 && sa->v1->xauth_user[0])
		u->xauth_user = sa->v1->xauth_user;	/* the XAUTH user, as libreswan gives it */
	/* the Configuration payload: the address the peer gave us is our source */
	const struct ike_cp_given *cp = sa->ext->given;
	const struct ip_addr *given = cp ? &cp->assigned[ike_lease_fam(c->ts_local.start.af)] : NULL;
	if (given && given->af != AF_UNSPEC) {
		u->my_source_ip = *given;
		u->cfg_client = true;
		u->peer_dns_info = cp->dns_info[0] ? cp->dns_info : NULL;
		u->peer_domain_info = cp->domain_info[0] ? cp->domain_info : NULL;
		u->peer_banner = cp->banner[0] ? cp->banner : NULL;
	}
	/*
	 * We gave the peer its address: a pool connection's Child SAs are
	 * always of a leased address (from the configuration, so that a down
	 * run after the lease went back says the same as the up run).
	 */
	u->cfg_server =
		c->conn &&
		c->conn->cfg->pool[1 - c->this_end][ike_lease_fam(c->ts_remote.start.af)] != NULL;
}

int ike_child_updown_native(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb,
			    struct kernel_batch *b)
{
	struct updown_info u;

	child_info(sa, c, verb, &u, NULL, NULL, 0);
	return add_routes(&u, b);
}

/* verb for c: the command (uc takes pr and established), or the native action. */
static void child_run(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb,
		      struct ike_progress *pr, const char *established)
{
	struct ike_daemon *d = sa->w->d;
	const char *cmd = command_of(c->conn, c->this_end);
	char my_id[300], peer_id[300];
	struct updown_info u;
	struct updown_ctx *uc;

	if (!cmd && !c->conn->spec->end[c->this_end].updown && takes_address(c->conn, c->this_end))
		cmd = d->default_updown;
	if (!cmd || !d->runner) {
		if (ike_updown_is_native(d, c->conn, c->this_end)) {
			child_info(sa, c, verb, &u, NULL, NULL, 0);
			run_native(d, sa->w->index, &u);
		}
		if (established)
			ike_progress_say(pr, RC_SUCCESS, established);
		return;
	}
	child_info(sa, c, verb, &u, my_id, peer_id, sizeof(my_id));
	uc = ctx_new(d, sa->w->index, &u, ike_sa_our_spi(sa), sa->serial, c->serial);
	if (uc && established) {
		uc->established = strdup(established);
		uc->pr = ike_progress_ref(pr);
		if (!uc->established) {
			uc_free(uc);
			uc = NULL;
		}
	}
	if (!uc) {
		log_limited(LOG_WARNING, 10, "out of memory for updown",
			    "\"%s\": out of memory: updown %s not run", u.connection,
			    verb == UPDOWN_UP ? "up" : "verb");
		if (established)
			ike_progress_text(pr, RC_INTERNALERR, "out of memory running updown up-");
		return;
	}
	run_script(sa->w, cmd, &u, uc);
}

void ike_child_updown(struct ike_sa *sa, struct child_sa *c, enum updown_verb verb)
{
	child_run(sa, c, verb, NULL, NULL);
}

void ike_child_updown_up(struct ike_sa *sa, struct child_sa *c, const char *established)
{
	child_run(sa, c, UPDOWN_UP, ike_sa_whack(sa), established);
}

void ike_conn_updown(struct ike_daemon *d, unsigned w, struct connection *c, uint8_t end,
		     enum updown_verb verb)
{
	const char *cmd = command_of(c, end);
	struct updown_info u;
	struct updown_ctx *uc;
	char my_id[300], peer_id[300];

	memset(&u, 0, sizeof(u));
	fill_conn(&u, c, end);
	u.verb = verb;
	u.my_id = ike_id_str(c->id[end], my_id, sizeof(my_id));
	u.peer_id = ike_id_str(c->id[1 - end], peer_id, sizeof(peer_id));
	u.stack = d->kernel_none ? "none" : "xfrm";
	if (!cmd || !d->runner) {
		if (ike_updown_is_native(d, c, end))
			run_native(d, w, &u);
		return;
	}
	uc = ctx_new(d, w, &u, 0, 0, 0);
	if (!uc) {
		log_limited(LOG_WARNING, 10, "out of memory for updown",
			    "\"%s\": out of memory: updown not run", u.connection);
		return;
	}
	run_script(&d->w[w], cmd, &u, uc);
}
