/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/ike_cmd.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ike/alg_names.h"
#include "ike/ike_sa.h"
#include "ike/route.h"
#include "ike/v1/proposal.h"
#include "ike/v1/state.h"
#include "ike/v2/child.h"
#include "ike/v2/exchange.h"
#include "ike/v1/exchange.h"
#include "ike/v2/task.h"
#include "net/steer.h"
#include "util/log.h"

/* ---- initiate: one worker ---- */

struct initiate_mail {
	struct mail mail;
	struct ike_daemon *d;
	struct connection *c;
	struct net_listener *l;
	struct ip_addr local;
	uint8_t this_end;
	struct ike_progress *pr;
};

static void initiate_run(struct mail *m, void *ctx)
{
	struct initiate_mail *im = caa_container_of(m, struct initiate_mail, mail);
	struct net_worker *nw = ctx;
	struct ike_worker *w = &im->d->w[nw->index];

	if (v2_initiate(w, im->c, im->this_end, im->l, &im->local, im->pr, 0) < 0 && im->pr)
		im->pr->ops->line(im->pr, RC_INTERNALERR, "out of memory starting the IKE SA");
	ike_connection_unref(im->c);
	net_listener_unref(im->l);
	ike_progress_unref(im->pr);
	free(im);
}

int ike_cmd_initiate(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		     struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr)
{
	static _Atomic unsigned next;
	struct initiate_mail *im = calloc(1, sizeof(*im));

	if (!im)
		return -ENOMEM;
	im->mail.fn = initiate_run;
	im->d = d;
	ike_connection_ref(c);
	im->c = c;
	net_listener_ref(l);
	im->l = l;
	im->local = *local;
	im->this_end = this_end;
	im->pr = ike_progress_ref(pr);
	unsigned wi = atomic_fetch_add(&next, 1) % d->nworkers;
	if (c->spec->policy & POL_IKEV1) {
		/*
		 * IKEv1: every start towards one peer on the worker its own
		 * first messages are steered to (net_steer_pick()), where the
		 * ISAKMP SAs with it are, ours and its: Quick Modes reuse them.
		 */
		wi = net_steer_addr_hash(ike_conn_host(c, 1 - this_end)) % d->nworkers;
	}
	net_pool_post(d->pool, wi, &im->mail);
	return 0;
}

/* ---- commands for every worker ---- */

struct line {
	uint64_t serial;
	char *text;
};

struct gather {
	atomic_uint left;
	int efd;
	/* per worker output, merged by serial afterwards */
	struct line **lines;
	size_t *nlines;
	struct ike_sa_row ***rows;	/* G_ROWS: per worker, blocks of ROW_BLOCK rows */
	size_t *nrows;
	unsigned flags;			/* G_ROWS: IKE_ROWS_* */
	/* the command */
	enum { G_TERMINATE, G_DELETESTATE, G_SHUTDOWN, G_ROWS, G_REKEY_IKE, G_REKEY_CHILD,
	       G_CRASH, G_ADD_CHILD, G_REDIRECT, G_DELETEUSER } what;
	const char *user;		/* G_DELETEUSER: the XAUTH user name */
	struct ip_addr peer;		/* G_CRASH; G_DELETEUSER when crashed */
	bool crashed;			/* G_DELETEUSER: --crash peer given */
	struct addr_list *gws;		/* G_REDIRECT: handed out in turn */
	struct connection *add;		/* G_ADD_CHILD: the connection, our end, whack */
	uint8_t add_end;
	struct ike_progress *add_pr;
	const struct connection *conn;
	uint64_t serial;
	bool leave_state;
	atomic_uint count;
};

struct gather_mail {
	struct mail mail;
	struct gather *g;
	struct ike_daemon *d;
	/* G_ROWS: the walk, a slice at a time (rows_slice()) */
	struct ike_sa_cursor cu;
	struct timer next_slice;
	struct ike_worker *w;
	unsigned pending;		/* the slice's counter queries out, answered on this worker */
};

/* IKE SAs per slice of a listing: the worker serves datagrams between slices. */
enum { ROWS_SLICE = 256 };

static void add_line(struct gather *g, unsigned w, uint64_t serial, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_line(struct gather *g, unsigned w, uint64_t serial, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	struct line *v = realloc(g->lines[w], (g->nlines[w] + 1) * sizeof(*v));

	if (!v)
		return;
	g->lines[w] = v;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v[g->nlines[w]].serial = serial;
	v[g->nlines[w]].text = strdup(buf);
	if (v[g->nlines[w]].text)
		g->nlines[w]++;
}

static void gather_done(struct gather *g)
{
	if (atomic_fetch_sub(&g->left, 1) == 1) {
		uint64_t one = 1;
		ssize_t wr = write(g->efd, &one, sizeof(one));
		(void)wr;
	}
}

/* ---- the listings' rows: filled on the owner worker ---- */

/* libreswan's words for what a state is doing. */
static const char *state_story(enum ike_state s)
{
	switch (s) {
	case IKE_I_KEYGEN:
		return "waiting for KE to finish";
	case IKE_I_INIT_SENT:
		return "sent IKE_SA_INIT request";
	case IKE_I_DERIVE:
	case IKE_I_AUTH_SIGN:
	case IKE_I_SPI_ALLOC:
	case IKE_I_AUTH_SENT:
	case IKE_I_AUTH_VERIFY:
		return "sent IKE_AUTH request";
	case IKE_R_KEX:
		return "processing IKE_SA_INIT request";
	case IKE_R_INIT_SENT:
	case IKE_R_AUTH:
	case IKE_R_CHILD:
		return "sent IKE_SA_INIT reply";
	case IKE_ESTABLISHED:
		return "established IKE SA";
	case IKE_DELETING:
		return "deleting IKE SA";
	case IKE_I_REKEY:
		return "sent CREATE_CHILD_SA request to rekey IKE SA";
	case IKE_R_REKEY:
		return "processing CREATE_CHILD_SA request to rekey IKE SA";
	case IKE_REKEYED:
		return "replaced by a rekey, waiting for its Delete";
	/* IKEv1 Main Mode, libreswan's words */
	case IKE_V1_MAIN_I1:
	case IKE_V1_MAIN_I_KEYGEN:
		return "sent MI1, expecting MR1";
	case IKE_V1_MAIN_I2:
	case IKE_V1_MAIN_I_DERIVE:
	case IKE_V1_MAIN_I_SIGN:
		return "sent MI2, expecting MR2";
	case IKE_V1_MAIN_I3:
	case IKE_V1_MAIN_I_VERIFY:
		return "sent MI3, expecting MR3";
	case IKE_V1_MAIN_I4:
		return "ISAKMP SA established";
	case IKE_V1_MAIN_R1:
	case IKE_V1_MAIN_R_KEX:
		return "sent MR1, expecting MI2";
	case IKE_V1_MAIN_R2:
	case IKE_V1_MAIN_R_AUTH:
		return "sent MR2, expecting MI3";
	case IKE_V1_MAIN_R3:
		return "sent MR3, ISAKMP SA established";
	case IKE_V1_AGGR_I_KEYGEN:
	case IKE_V1_AGGR_I1:
	case IKE_V1_AGGR_I_DERIVE:
	case IKE_V1_AGGR_I_AUTH:
		return "sent AI1, expecting AR1";
	case IKE_V1_AGGR_I2:
		return "sent AI2, ISAKMP SA established";
	case IKE_V1_AGGR_R_KEX:
	case IKE_V1_AGGR_R_SIGN:
		return "computing the answer to AI1";
	case IKE_V1_AGGR_R1:
	case IKE_V1_AGGR_R_VERIFY:
		return "sent AR1, expecting AI2";
	case IKE_V1_AGGR_R2:
		return "ISAKMP SA established";
	case IKE_V1_QUICK_I1:
		return "sent QI1, expecting QR1";
	case IKE_V1_QUICK_I2:
		return "sent QI2, IPsec SA established";
	case IKE_V1_QUICK_R1:
		return "sent QR1, inbound IPsec SA installed, expecting QI2";
	case IKE_V1_QUICK_R2:
		return "IPsec SA established";
	case IKE_V1_XAUTH_R0:
		return "XAUTH: sent REQUEST, expecting REPLY";
	case IKE_V1_XAUTH_R1:
		return "XAUTH: sent SET, expecting ACK";
	case IKE_V1_XAUTH_I0:
		return "XAUTH: expecting REQUEST";
	case IKE_V1_XAUTH_I1:
		return "XAUTH: sent REPLY, expecting SET";
	case IKE_V1_MODECFG_R1:
		return "ModeCfg: sent the address, expecting ACK";
	case IKE_V1_MODECFG_I1:
		return "ModeCfg: expecting the address";
	case IKE_STATE_COUNT:
		break;
	}
	return "?";
}

static uint64_t secs_until(const struct timer *t, uint64_t now)
{
	if (!timer_is_armed(t))
		return 0;
	return timer_deadline(t) > now ? (timer_deadline(t) - now + 999) / 1000 : 1;
}

static void row_common(struct ike_sa_row *r, const struct ike_sa *sa, unsigned wi)
{
	if (sa->conn) {
		ike_conn_instance_str(sa->conn, r->conn, sizeof(r->conn));
		snprintf(r->conn_name, sizeof(r->conn_name), "%s", sa->conn->node.name);
		r->inst_no = sa->conn->inst.no;
	} else {
		snprintf(r->conn, sizeof(r->conn), "\"(none)\"");
	}
	r->worker = wi;
	r->peer = sa->peer;
	r->local = sa->local;
	r->peer_port = sa->peer_port;
	r->local_port = sa->local_port;
	r->initiator = sa->initiator;
	r->busy = sa->req != NULL;
	r->ike_serial = sa->serial;
	if (sa->v1 && sa->v1->xauth_user[0])
		snprintf(r->username, sizeof(r->username), "%s", sa->v1->xauth_user);
}

/*
 * Rows live in blocks that never move (a listing of 100,000 SAs is some
 * 180 MB of rows: growing one array would copy it over and over on the
 * worker); row k of a worker is rows[k / ROW_BLOCK][k % ROW_BLOCK].
 */
enum { ROW_BLOCK = 1024 };

static struct ike_sa_row *row_at(struct gather *g, unsigned wi, size_t k)
{
	return &g->rows[wi][k / ROW_BLOCK][k % ROW_BLOCK];
}

static struct ike_sa_row *row_new(struct gather *g, unsigned wi)
{
	struct ike_sa_row **blk = g->rows[wi];
	size_t n = g->nrows[wi], b = n / ROW_BLOCK;

	if (n % ROW_BLOCK == 0) {
		/* the block table grows by doubling: b is a power of two whenever it is full */
		if (b == 0 || (b & (b - 1)) == 0) {
			blk = realloc(blk, (b ? 2 * b : 4) * sizeof(*blk));
			if (!blk)
				return NULL;
			g->rows[wi] = blk;
		}
		blk[b] = malloc(ROW_BLOCK * sizeof(**blk));
		if (!blk[b])
			return NULL;
	}
	g->nrows[wi] = n + 1;
	memset(&blk[b][n % ROW_BLOCK], 0, sizeof(**blk));
	return &blk[b][n % ROW_BLOCK];
}

static void rows_of(struct gather *g, unsigned wi, struct ike_sa *sa)
{
	uint64_t now = ike_now(sa->w);
	struct ike_sa_row *r;

	if (!(g->flags & IKE_ROWS_CHILDREN_ONLY) && (r = row_new(g, wi))) {
		row_common(r, sa, wi);
		r->serial = sa->serial;
		r->state = ike_state_name(sa->state);
		r->story = state_story(sa->state);
		r->established = sa->state == IKE_ESTABLISHED || (sa->version == 1 &&
								   ike_state_info(sa->state)->established);
		if (sa->ext) {	/* a half-open SA has neither timer */
			r->retransmit_in = secs_until(&sa->ext->retrans, now);
			r->keepalive_in = secs_until(&sa->ext->keepalive, now);
		}
		if (timer_is_armed(&sa->life)) {
			r->event = !r->established ? "DISCARD" : sa->life_is_rekey ? "REKEY" : "EXPIRE";
			r->event_in = secs_until(&sa->life, now);
		}
		if (r->established) {
			if (sa->version == 1)
				v1_p1_str(&sa->v1->p1, r->algs, sizeof(r->algs));
			else
				proposal_suite_str(&sa->suite, r->algs, sizeof(r->algs));
			r->up = (now - sa->ext->established_ms) / 1000;
		}
	}
	for (struct child_sa *c = sa->children; c; c = c->next) {
		uint64_t life_ms;
		if (c->state != CHILD_INSTALLED || c->lingering || !(r = row_new(g, wi)))
			continue;
		row_common(r, sa, wi);
		if (c->conn) {	/* a Child SA may serve another connection than its IKE SA */
			ike_conn_instance_str(c->conn, r->conn, sizeof(r->conn));
			snprintf(r->conn_name, sizeof(r->conn_name), "%s", c->conn->node.name);
			r->inst_no = c->conn->inst.no;
		}
		r->serial = c->serial;
		r->is_child = true;
		if (sa->version == 1) {	/* an IPsec SA of Quick Mode: libreswan's names */
			bool r1 = !c->we_initiated && sa->v1 &&
				  v1_qm_of_child(sa->v1, c->serial);	/* message 3 not yet in */
			r->state = c->we_initiated ? "STATE_QUICK_I2" :
				   r1 ? "STATE_QUICK_R1" : "STATE_QUICK_R2";
			r->story = c->we_initiated ? "sent QI2, IPsec SA established" :
				   r1 ? "sent QR1, inbound IPsec SA installed, expecting QI2" :
					"IPsec SA established";
		} else {
			r->state = "STATE_V2_ESTABLISHED_CHILD_SA";
			r->story = "established Child SA";
		}
		r->established = true;
		life_ms = (uint64_t)(c->conn ? c->conn : sa->conn)->spec->ipsec_lifetime * 1000;
		r->event = "EXPIRE";
		r->event_in = c->installed_ms + life_ms > now
				      ? (c->installed_ms + life_ms - now + 999) / 1000 : 1;
		r->up = (now - c->installed_ms) / 1000;
		proposal_suite_str(&c->suite, r->algs, sizeof(r->algs));
		r->spi_in = c->spi_in;
		r->spi_out = c->spi_out;
		r->tunnel = !c->transport;
		r->encap = c->encap;
		r->eroute_owner =
			atomic_load(&(c->conn ? c->conn : sa->conn)->policy_owner) == c->serial;
		ike_ts_str(&c->ts_local, r->ts_local, sizeof(r->ts_local));
		ike_ts_str(&c->ts_remote, r->ts_remote, sizeof(r->ts_remote));
		/* the wall clock when it went in: now, less the time it has been up */
		r->add_time = (uint64_t)time(NULL) - (now - c->installed_ms) / 1000;
		r->max_bytes = (c->conn ? c->conn : sa->conn)->spec->ipsec_max_bytes;
		ike_id_str(sa->ext->id_remote, r->id_remote, sizeof(r->id_remote));
		/* what the SAs it replaced by rekeying carried: --trafficstatus totals survive rekeys */
		r->carried_in = c->carried_in;
		r->carried_out = c->carried_out;
	}
}

/*
 * The kernel's byte counters of a worker's Child SA rows: one SA_QUERY
 * per direction; the worker's part is done when the last answer came.
 */
static void rows_slice_done(struct gather_mail *gm);

static void counter_answer(struct kernel_op *op)
{
	struct gather_mail *gm = op->cookie;
	/* by index: the rows may have moved (grown) since the query went out */
	struct ike_sa_row *r = row_at(gm->g, gm->w->index, op->id_hint / 2);

	if (op->status < 0)
		r->counters_error = op->status;
	else if (op->id_hint % 2 == 0)
		r->in_bytes += op->stats.bytes;
	else
		r->out_bytes += op->stats.bytes;
	kernel_op_free(op);
	if (--gm->pending == 0)
		rows_slice_done(gm);
}

/* The kernel's counters of rows [first, end): answered on this worker, by counter_answer(). */
static void counters_start(struct gather_mail *gm, size_t first)
{
	struct gather *g = gm->g;
	struct ike_worker *w = gm->w;

	for (size_t k = first; k < g->nrows[w->index]; k++) {
		struct ike_sa_row *r = row_at(g, w->index, k);
		if (!r->is_child)
			continue;
		for (int dir = 0; dir < 2; dir++) {
			struct kernel_op *op = kernel_op_new(
				KERNEL_OP_SA_QUERY, &net_pool_worker(w->d->pool, w->index)->mb,
				counter_answer, gm);
			if (!op) {
				r->counters_error = -ENOMEM;
				continue;
			}
			op->id_hint = (unsigned)(2 * k) + (unsigned)dir;
			op->sa.src = dir == 0 ? r->peer : r->local;
			op->sa.dst = dir == 0 ? r->local : r->peer;
			op->sa.spi = dir == 0 ? r->spi_in : r->spi_out;
			op->sa.proto = IPPROTO_ESP;
			gm->pending++;
			if (kernel_queue_submit(w->d->kq, op) < 0) {
				gm->pending--;
				r->counters_error = -ESHUTDOWN;
				kernel_op_free(op);
			}
		}
	}
}

/*
 * The listings' rows, a slice of ROWS_SLICE IKE SAs at a time, so a
 * worker holding 100,000 SAs keeps serving datagrams while it is listed:
 * between slices it goes back to its loop. With counters, the next slice
 * starts when the kernel thread answered this one's queries, so a listing
 * never has more than one slice's queries (2 x ROWS_SLICE) ahead of the
 * setups' kernel operations in its queue; without, it is a timer. SAs
 * made during the walk are not listed (they are ahead of the cursor), SAs
 * gone are skipped (freeing one moves the cursor on).
 */
static void rows_slice(struct gather_mail *gm)
{
	struct gather *g = gm->g;
	struct ike_worker *w = gm->w;
	size_t first = g->nrows[w->index];

	for (unsigned k = 0; k < ROWS_SLICE && gm->cu.next; k++) {
		struct ike_sa *sa = gm->cu.next;
		gm->cu.next = sa->next;
		rows_of(g, w->index, sa);
	}
	gm->pending = 1;	/* ours, until every query is out */
	if (g->flags & IKE_ROWS_COUNTERS)
		counters_start(gm, first);
	if (--gm->pending == 0)
		rows_slice_done(gm);
}

/* The slice and its counters are done: the next one from the loop, or the end. */
static void rows_slice_done(struct gather_mail *gm)
{
	struct ike_worker *w = gm->w;

	if (gm->cu.next) {
		struct timer_wheel *tw = &net_pool_worker(w->d->pool, w->index)->timers;
		timer_arm(tw, &gm->next_slice, timer_wheel_now(tw));
		return;
	}
	for (struct ike_sa_cursor **pp = &w->cursors; *pp; pp = &(*pp)->link)
		if (*pp == &gm->cu) {
			*pp = gm->cu.link;
			break;
		}
	gather_done(gm->g);
	free(gm);
}

static void rows_slice_fire(struct timer_wheel *tw, struct timer *t, void *arg)
{
	(void)tw;
	(void)t;
	rows_slice(arg);
}


static void rows_start(struct gather_mail *gm, struct ike_worker *w)
{
	gm->w = w;
	gm->cu.next = w->sas;
	gm->cu.link = w->cursors;
	w->cursors = &gm->cu;
	timer_init(&gm->next_slice, rows_slice_fire, gm);
	rows_slice(gm);
}

/*
 * May IKE SA sa carry a Child SA of connection c (our end end)? The same
 * hosts and identities, established, and no Child SA of c on it yet (as
 * libreswan shares an IKE SA between connections with the same ends).
 */
static bool can_carry(const struct ike_sa *sa, const struct connection *c, uint8_t end)
{
	const struct ike_id *peer_id = c->id[1 - end];

	if (sa->state != IKE_ESTABLISHED || sa->version != 2 ||
	    !ip_addr_eq(&sa->local, ike_conn_host(c, end)) ||
	    !ip_addr_eq(&sa->peer, ike_conn_host(c, 1 - end)) ||
	    !ike_id_eq(ike_sa_id_local(sa), &c->cfg->id_self[end]) ||
	    (!ike_id_is_any(peer_id) && !ike_id_eq(sa->ext->id_remote, peer_id)) ||
	    v2_task_pending(sa, V2T_DELETE_IKE, 0))
		return false;
	for (const struct child_sa *ch = sa->children; ch; ch = ch->next)
		if (ch->conn == c)
			return false;
	return true;
}

/* Does an SA of connection have belong to what a command named (a template: its instances too)? */
static bool serves(const struct connection *have, const struct connection *named)
{
	return have && (have == named || have->inst.tmpl == named);
}

static void gather_run(struct mail *m, void *ctx)
{
	struct gather_mail *gm = caa_container_of(m, struct gather_mail, mail);
	struct gather *g = gm->g;
	struct net_worker *nw = ctx;
	struct ike_worker *w = &gm->d->w[nw->index];
	struct ike_sa *sa, *next;
	char name[CONN_NAME_MAX + 80];

	if (g->what == G_ROWS) {
		rows_start(gm, w);	/* a slice at a time; it frees gm */
		return;
	}
	for (sa = w->sas; sa; sa = next) {
		next = sa->next;
		switch (g->what) {
		case G_ROWS:
			break;
		case G_TERMINATE:
			if (g->conn && !serves(sa->conn, g->conn))
				break;
			/*
			 * The IKE SA a rekey is making belongs to the rekeying
			 * SA's exchange: the Delete of that one reaches it (it
			 * moves to the new SA when the rekey completes).
			 */
			if (sa->state == IKE_I_REKEY || sa->state == IKE_R_REKEY)
				break;
			add_line(g, w->index, sa->serial, "#%llu: deleting IKE SA of %s",
				 (unsigned long long)sa->serial,
				 sa->conn ? ike_conn_instance_str(sa->conn, name, sizeof(name))
					  : "\"\"");
			atomic_fetch_add(&g->count, 1);
			sa->terminating = true;
			ike_sa_delete(sa, true);
			break;
		case G_ADD_CHILD:
			if (atomic_load(&g->count) || !can_carry(sa, g->add, g->add_end))
				break;
			struct v2_task *t = v2_task_new(V2T_NEW_CHILD);
			if (!t || atomic_fetch_add(&g->count, 1) != 0) {
				v2_task_free(t);
				break;
			}
			ike_connection_ref(g->add);
			t->conn = g->add;
			t->this_end = g->add_end;
			t->whack = ike_progress_ref(g->add_pr);
			v2_task_add(sa, t);
			break;
		case G_DELETEUSER:
			if (sa->version != 1 || !sa->v1 || strcmp(sa->v1->xauth_user, g->user) != 0)
				break;
			atomic_fetch_add(&g->count, 1);
			if (g->crashed && ip_addr_eq(&sa->peer, &g->peer)) {
				/* A crashed peer hears nothing: its SAs just go (updown still runs). */
				add_line(g, w->index, sa->serial, "#%llu: \"%s\": deleting the ISAKMP "
					 "SA of XAUTH user %s without a Delete (the peer crashed)",
					 (unsigned long long)sa->serial, sa->conn->spec->name, g->user);
				v1_peer_dead(sa, "whack --deleteuser --crash");
				break;
			}
			add_line(g, w->index, sa->serial, "#%llu: \"%s\": deleting the ISAKMP SA of "
				 "XAUTH user %s", (unsigned long long)sa->serial, sa->conn->spec->name,
				 g->user);
			ike_sa_delete(sa, true);
			break;
		case G_CRASH:
			if (!ip_addr_eq(&sa->peer, &g->peer))
				break;
			if (sa->version == 1) {
				if (!sa->v1 || !ike_state_info(sa->state)->established)
					break;
			} else if (sa->state != IKE_ESTABLISHED && sa->state != IKE_REKEYED) {
				break;
			}
			add_line(g, w->index, sa->serial, "#%llu: \"%s\": the peer is treated as dead",
				 (unsigned long long)sa->serial, sa->conn->spec->name);
			atomic_fetch_add(&g->count, 1);
			if (sa->version == 1)
				v1_peer_dead(sa, "whack --crash");
			else
				ike_sa_dead(sa, "whack --crash");
			break;
		case G_REDIRECT: {
			/* RFC 5685 5: only peers that announced they take it. */
			if ((g->conn && !serves(sa->conn, g->conn)) || sa->state != IKE_ESTABLISHED ||
			    !sa->redirect_ok || v2_task_pending(sa, V2T_REDIRECT, 0))
				break;
			struct v2_task *rt = v2_task_new(V2T_REDIRECT);
			char a[IP_ADDR_STRLEN];
			int k = rt ? addr_list_pick_at(g->gws) : -1;
			if (k >= 0 && g->gws->name[k])	/* RFC 5685 9: an FQDN, sent as given */
				rt->gw_name = strdup(g->gws->name[k]);
			else if (k >= 0)
				rt->gw = g->gws->gw[k];
			if (k < 0 || (g->gws->name[k] && !rt->gw_name)) {
				v2_task_free(rt);
				break;
			}
			add_line(g, w->index, sa->serial, "#%llu: \"%s\": redirecting the peer to %s",
				 (unsigned long long)sa->serial, sa->conn->spec->name,
				 rt->gw_name ? rt->gw_name
				 : log_no_ip() ? "<address>" : ip_addr_str(&rt->gw, a));
			atomic_fetch_add(&g->count, 1);
			v2_task_add(sa, rt);
			break;
		}
		case G_REKEY_IKE:
			if (!serves(sa->conn, g->conn) ||
			    (sa->version == 1 ? !ike_state_info(sa->state)->established
					      : sa->state != IKE_ESTABLISHED))
				break;
			if (ike_sa_rekey(sa, "whack --rekey-ike")) {
				add_line(g, w->index, sa->serial, "#%llu: rekeying IKE SA",
					 (unsigned long long)sa->serial);
				atomic_fetch_add(&g->count, 1);
			}
			break;
		case G_REKEY_CHILD:
			if (sa->state != IKE_ESTABLISHED &&
			    !(sa->version == 1 && ike_state_info(sa->state)->established))
				break;
			for (struct child_sa *c = sa->children; c; c = c->next) {
				if (!serves(c->conn, g->conn) ||
				    !(sa->version == 1 ?
					      v1_child_rekey(sa, c, "whack --rekey-ipsec", true) :
					      ike_child_rekey(sa, c, "whack --rekey-ipsec")))
					continue;
				add_line(g, w->index, c->serial, "#%llu: rekeying Child SA",
					 (unsigned long long)c->serial);
				atomic_fetch_add(&g->count, 1);
			}
			break;
		case G_DELETESTATE:
			if (sa->serial == g->serial) {
				add_line(g, w->index, sa->serial, "#%llu: deleting IKE SA",
					 (unsigned long long)sa->serial);
				atomic_fetch_add(&g->count, 1);
				ike_sa_delete(sa, true);
				break;
			}
			for (struct child_sa *c = sa->children; c; c = c->next) {
				if (c->serial != g->serial)
					continue;
				add_line(g, w->index, c->serial, "#%llu: deleting Child SA",
					 (unsigned long long)c->serial);
				atomic_fetch_add(&g->count, 1);
				/* As libreswan: the peer is told (a Delete, queued if need be). */
				v2_child_delete_tell_peer(sa, c);
				ike_child_unlink_free(sa, c);
				break;
			}
			break;
		case G_SHUTDOWN:
			if (g->leave_state)
				ike_sa_delete(sa, false);	/* the SAs stay in the kernel */
			else
				ike_sa_shutdown(sa);
			break;
		}
	}
	if (g->what == G_SHUTDOWN && !g->leave_state) {
		/* The prospective policies of the connections this worker routes. */
		struct cds_lfht_iter it;
		struct conn_node *n;
		rcu_read_lock();
		cds_lfht_for_each_entry(gm->d->conns->ht, &it, n, lfht) {
			struct connection *c = ike_connection_of(n);
			if (ike_conn_route_worker(gm->d, c) == w->index)
				ike_route_drop(gm->d, c);
		}
		rcu_read_unlock();
	}
	gather_done(g);
	free(gm);
}

static int by_serial(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

/* Run g on every worker and wait; then emit the merged lines. */
static void gather(struct ike_daemon *d, struct gather *g, ike_emit_fn *emit, void *ctx)
{
	unsigned n = d->nworkers;
	struct line *all = NULL;
	size_t total = 0;

	g->lines = calloc(n, sizeof(*g->lines));
	g->nlines = calloc(n, sizeof(*g->nlines));
	g->efd = eventfd(0, EFD_CLOEXEC);
	if (!g->lines || !g->nlines || g->efd < 0)
		goto out;
	atomic_store(&g->left, n);
	for (unsigned i = 0; i < n; i++) {
		struct gather_mail *gm = calloc(1, sizeof(*gm));
		if (!gm) {
			gather_done(g);	/* this worker's part is empty */
			continue;
		}
		gm->mail.fn = gather_run;
		gm->g = g;
		gm->d = d;
		net_pool_post(d->pool, i, &gm->mail);
	}
	/*
	 * Always wait for the signal: whoever finishes last writes it, and only
	 * then may the eventfd close (checking the count instead would race).
	 */
	uint64_t v;
	while (read(g->efd, &v, sizeof(v)) < 0 && errno == EINTR)
		;	/* blocking read: the acquire that pairs with the last write */
	for (unsigned i = 0; i < n; i++)
		total += g->nlines[i];
	all = calloc(total ? total : 1, sizeof(*all));
	if (all) {
		size_t k = 0;
		for (unsigned i = 0; i < n; i++)
			for (size_t j = 0; j < g->nlines[i]; j++)
				all[k++] = g->lines[i][j];
		qsort(all, total, sizeof(*all), by_serial);
		for (size_t j = 0; j < total; j++)
			if (emit)
				emit(ctx, all[j].serial, all[j].text);
	}
out:
	for (unsigned i = 0; g->lines && i < n; i++) {
		for (size_t j = 0; j < g->nlines[i]; j++)
			free(g->lines[i][j].text);
		free(g->lines[i]);
	}
	free(all);
	free(g->lines);
	free(g->nlines);
	if (g->efd >= 0)
		close(g->efd);
}

unsigned ike_cmd_terminate(struct ike_daemon *d, const struct connection *c, ike_emit_fn *emit,
			   void *ctx)
{
	struct gather g = { .what = G_TERMINATE, .conn = c, .efd = -1 };
	gather(d, &g, emit, ctx);
	return atomic_load(&g.count);
}

bool ike_cmd_add_child(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		       struct ike_progress *pr)
{
	struct gather g = { .what = G_ADD_CHILD, .add = c, .add_end = this_end, .add_pr = pr };

	if (!(c->spec->policy & (POL_ENCRYPT | POL_AUTHENTICATE)))
		return false;
	gather(d, &g, NULL, NULL);
	return atomic_load(&g.count) != 0;
}

unsigned ike_cmd_crash(struct ike_daemon *d, const struct ip_addr *peer, ike_emit_fn *emit,
		       void *ctx)
{
	struct gather g = { .what = G_CRASH, .peer = *peer };
	gather(d, &g, emit, ctx);
	return atomic_load(&g.count);
}

unsigned ike_cmd_rekey(struct ike_daemon *d, const struct connection *c, bool ike, ike_emit_fn *emit,
		       void *ctx)
{
	struct gather g = { .what = ike ? G_REKEY_IKE : G_REKEY_CHILD, .conn = c };
	gather(d, &g, emit, ctx);
	return atomic_load(&g.count);
}

unsigned ike_cmd_redirect(struct ike_daemon *d, const struct connection *c,
			  struct addr_list *gws, ike_emit_fn *emit, void *ctx)
{
	struct gather g = { .what = G_REDIRECT, .conn = c, .gws = gws };
	gather(d, &g, emit, ctx);
	return atomic_load(&g.count);
}

unsigned ike_cmd_deleteuser(struct ike_daemon *d, const char *user, const struct ip_addr *crashed,
			    ike_emit_fn *emit, void *ctx)
{
	struct gather g = { .what = G_DELETEUSER, .user = user, .crashed = crashed != NULL };

	if (crashed)
		g.peer = *crashed;
	gather(d, &g, emit, ctx);
	return atomic_load(&g.count);
}

bool ike_cmd_deletestate(struct ike_daemon *d, uint64_t serial, ike_emit_fn *emit, void *ctx)
{
	struct gather g = { .what = G_DELETESTATE, .serial = serial, .efd = -1 };
	gather(d, &g, emit, ctx);
	return atomic_load(&g.count) > 0;
}

static int by_conn_serial(const void *a, const void *b)
{
	const struct ike_sa_row *x = *(const struct ike_sa_row *const *)a;
	const struct ike_sa_row *y = *(const struct ike_sa_row *const *)b;
	size_t lx = strcspn(x->conn_name, "["), ly = strcspn(y->conn_name, "[");
	int c = strncmp(x->conn_name, y->conn_name, lx < ly ? lx : ly);

	/* by name, a template's instances by number after it (libreswan's order) */
	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (x->inst_no != y->inst_no)
		return x->inst_no < y->inst_no ? -1 : 1;
	c = strcmp(x->conn, y->conn);	/* instances of one connection apart */
	if (c)
		return c;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

int ike_cmd_sa_rows(struct ike_daemon *d, unsigned flags, struct ike_sa_rows *out)
{
	struct gather g = { .what = G_ROWS, .flags = flags, .efd = -1 };
	unsigned n = d->nworkers;
	size_t total = 0, k = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	g.rows = calloc(n, sizeof(*g.rows));
	g.nrows = calloc(n, sizeof(*g.nrows));
	if (!g.rows || !g.nrows) {
		free(g.rows);
		free(g.nrows);
		return -ENOMEM;
	}
	gather(d, &g, NULL, NULL);
	/* The rows stay in the blocks the workers made; only pointers are sorted. */
	for (unsigned i = 0; i < n; i++)
		total += g.nrows[i];
	out->v = malloc((total ? total : 1) * sizeof(*out->v));
	out->parts = calloc(total / ROW_BLOCK + n, sizeof(*out->parts));
	if (!out->v || !out->parts)
		rc = -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		for (size_t j = 0; rc == 0 && j < g.nrows[i]; j++)
			out->v[k++] = row_at(&g, i, j);
		for (size_t b = 0; b * ROW_BLOCK < g.nrows[i]; b++) {
			if (out->parts)
				out->parts[out->nparts++] = g.rows[i][b];
			else
				free(g.rows[i][b]);
		}
		free(g.rows[i]);
	}
	free(g.rows);
	free(g.nrows);
	if (rc < 0) {
		ike_sa_rows_free(out);
		return rc;
	}
	out->n = total;
	qsort(out->v, total, sizeof(*out->v), by_conn_serial);
	return 0;
}

void ike_sa_rows_free(struct ike_sa_rows *r)
{
	for (unsigned i = 0; r->parts && i < r->nparts; i++)
		free(r->parts[i]);
	free(r->parts);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void ike_cmd_shutdown(struct ike_daemon *d, bool leave_state)
{
	struct gather g = { .what = G_SHUTDOWN, .leave_state = leave_state, .efd = -1 };
	atomic_store_explicit(&ike_leave_kernel_state, leave_state, memory_order_relaxed);
	atomic_store(&d->shutting_down, !leave_state);
	gather(d, &g, NULL, NULL);
}

void ike_cmd_counts(struct ike_daemon *d, uint64_t *ike, uint64_t *half_open, uint64_t *up,
		    uint64_t *child)
{
	*ike = counters_sum(d->ctr, IKEC_IKE_SAS);
	*up = counters_sum(d->ctr, IKEC_IKE_UP);
	*half_open = counters_sum(d->ctr, IKEC_HALF_OPEN);
	*child = counters_sum(d->ctr, IKEC_CHILD_SAS);
}
