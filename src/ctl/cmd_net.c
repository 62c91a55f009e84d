/* SPDX-License-Identifier: BSD-2-Clause */
/* whack --listen, --unlisten, --processstatus and the IKE socket knobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "util/log.h"

static void report_line(void *ctx, const char *line)
{
	ctl_reply(ctx, RC_LOG, "%s", line);
}

void ctl_cmd_listen(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct pluto_options *o = p->opts;
	const char *names[PLUTO_MAX_INTERFACES];
	struct net_iface_filter f = {
		.names = names,
		.nnames = o->ninterfaces,
		.listen = o->has_listen ? &o->listen : NULL,
	};
	struct net_iface_list found = { 0 };
	int rc;

	for (size_t i = 0; i < o->ninterfaces; i++)
		names[i] = o->interfaces[i];
	rc = net_ifaces_scan(&f, &found);
	if (rc < 0) {
		ctl_reply(c, RC_FATAL, "cannot list the interfaces: %s", strerror(-rc));
		return;
	}
	if (found.n > 0)
		ctl_reply(c, RC_LOG, "listening for IKE messages");
	{
		char err[512];
		if (ctl_secrets_reload(p, err, sizeof(err)) < 0)
			ctl_reply(c, RC_LOG_SERIOUS, "secrets not reloaded, the old ones stay in force: %s",
				  err);
	}
	/* With nothing left to listen on, the sockets of vanished addresses still close. */
	rc = net_pool_listen(p->pool, &found, o->ikeport, o->natikeport, report_line, c);
	net_iface_list_free(&p->ifaces);
	p->ifaces = found;
	if (found.n == 0)
		ctl_reply(c, RC_FATAL, "no public interface matches %s",
			  o->has_listen ? "--listen" : o->ninterfaces ? "--interface" : "(none up)");
	else if (rc < 0)
		ctl_reply(c, RC_FATAL, "could not listen on every interface: %s", strerror(-rc));
}

void ctl_cmd_unlisten(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	net_pool_unlisten(p->pool, report_line, c);
	net_iface_list_free(&p->ifaces);
	ctl_reply(c, RC_LOG, "no longer listening for IKE messages");
}

void ctl_cmd_socket_bufsize(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	const struct whack_optval *v = whack_cmd_find(cmd, WO_IKE_SOCKET_BUFSIZE, WHACK_END_NONE);
	char *end;
	long bytes = v ? strtol(v->value, &end, 10) : -1;
	int rc;

	if (!v || *end || bytes <= 0 || bytes > (1L << 30)) {
		ctl_reply(c, RC_WHACK_PROBLEM, "--ike-socket-bufsize %s: expected 1..%ld bytes",
			  v ? v->value : "", 1L << 30);
		return;
	}
	rc = net_pool_set_bufsize(p->pool, (int)bytes);
	if (rc < 0)
		ctl_reply(c, RC_FATAL, "--ike-socket-bufsize %ld: %s", bytes, strerror(-rc));
	else
		ctl_reply(c, RC_LOG, "IKE socket buffers set to %ld bytes", bytes);
}

void ctl_cmd_socket_errqueue(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	bool on = net_pool_toggle_errqueue(p->pool);
	ctl_reply(c, RC_LOG, "IKE socket error queue (IP_RECVERR) now %s", on ? "on" : "off");
}

/* "worker 0: event-loop rounds <1 ms 8113, <2 ms 12, ...": the stalls, if any. */
static void round_line(struct ctl_client *c, const struct counters *ctr, unsigned i)
{
	uint64_t cum[NET_ROUND_BOUNDS + 1], sum, below = 0;
	char buf[512];
	size_t n = 0;

	counters_hist_read(ctr, i, NWC_ROUND_MS, NET_ROUND_BOUNDS, cum, &sum);
	for (unsigned b = 0; b <= NET_ROUND_BOUNDS && n < sizeof(buf); b++) {
		uint64_t v = cum[b] - below;
		below = cum[b];
		if (!v)
			continue;
		if (b < NET_ROUND_BOUNDS)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s<%llu ms %llu",
					      n ? ", " : "",
					      (unsigned long long)net_round_bounds_ms[b] + 1,
					      (unsigned long long)v);
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s>=%llu ms %llu",
					      n ? ", " : "",
					      (unsigned long long)net_round_bounds_ms[b - 1] + 1,
					      (unsigned long long)v);
	}
	ctl_comment(c, "worker %u: event-loop rounds %s; busy %llu ms in all", i, n ? buf : "none",
		    (unsigned long long)sum);
}

/* "worker 0: time in ms: receive 12, datagrams 340, ...": where its loop's rounds went. */
static void phase_line(struct ctl_client *c, const struct counters *ctr, unsigned i)
{
	char buf[256];
	size_t n = 0;

	for (unsigned k = 0; k < NET_PHASES && n < sizeof(buf); k++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s %llu", k ? ", " : "",
				      net_phase_names[k],
				      (unsigned long long)counters_get(ctr, i, NWC_PHASE_NS + k) /
					      1000000u);
	ctl_comment(c, "worker %u: time in ms: %s", i, buf);
}

void ctl_cmd_processstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct counters *ctr = net_pool_counters(p->pool);
	unsigned n = net_pool_size(p->pool);

	ctl_comment(c, "workers: %u; listening: %s", n,
		    net_pool_is_listening(p->pool) ? "yes" : "no");
	for (unsigned i = 0; i < n; i++) {
		struct net_worker *w = net_pool_worker(p->pool, i);
		ctl_comment(c,
			    "worker %u: cpu %d; packets in %llu, out %llu; forwarded out %llu, in %llu; "
			    "crypto jobs run %llu, stolen %llu, queued %u; mailbox %ld; timers %llu",
			    i, atomic_load_explicit(&w->cpu, memory_order_relaxed),
			    (unsigned long long)counters_get(ctr, i, NWC_RX),
			    (unsigned long long)counters_get(ctr, i, NWC_TX),
			    (unsigned long long)counters_get(ctr, i, NWC_FWD_OUT),
			    (unsigned long long)counters_get(ctr, i, NWC_FWD_IN),
			    (unsigned long long)crypto_jobq_count_worker(&p->jobq, i, CRYPTO_JOBQ_RUN),
			    (unsigned long long)crypto_jobq_count_worker(&p->jobq, i,
									 CRYPTO_JOBQ_STOLEN),
			    crypto_jobq_depth(&p->jobq, i), mailbox_depth(&w->mb),
			    (unsigned long long)counters_get(ctr, i, NWC_TIMERS));
		ctl_comment(c,
			    "worker %u: dropped truncated %llu, no-marker %llu, no-memory %llu; "
			    "send errors %llu; send calls %llu; error-queue %llu; "
			    "gathered rounds %llu",
			    i, (unsigned long long)counters_get(ctr, i, NWC_DROP_TRUNC),
			    (unsigned long long)counters_get(ctr, i, NWC_DROP_MARKER),
			    (unsigned long long)counters_get(ctr, i, NWC_DROP_NOMEM),
			    (unsigned long long)counters_get(ctr, i, NWC_TX_ERR),
			    (unsigned long long)counters_get(ctr, i, NWC_TX_CALLS),
			    (unsigned long long)counters_get(ctr, i, NWC_ERRQUEUE),
			    (unsigned long long)counters_get(ctr, i, NWC_GATHERED));
		round_line(c, ctr, i);
		phase_line(c, ctr, i);
	}
	ctl_comment(c, "kernel: backend %s; queue depth %ld; operations done %llu",
		    p->kq.be ? p->kq.be->name : "none", kernel_queue_depth(&p->kq),
		    (unsigned long long)kernel_queue_ops_done(&p->kq));
}
