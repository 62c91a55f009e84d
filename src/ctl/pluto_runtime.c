/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/pluto_runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "ctl/metrics_collect.h"
#include "ctl/metrics_http.h"
#include "ctl/pluto.h"
#include "ike/ike_cmd.h"
#include "sadb/kernel_backend.h"
#include "net/steer.h"
#include "util/log.h"
#include "util/paths.h"

/* Worker count the manual's way: -1 one per core, 0 all on one thread, N. */
static unsigned worker_count(int nhelpers)
{
	unsigned n;

	if (nhelpers < 0)
		n = net_cpu_count();
	else if (nhelpers == 0)
		n = 1;
	else
		n = (unsigned)nhelpers;
	return n > NET_MAX_WORKERS ? NET_MAX_WORKERS : n;
}

/* Datagrams go to the IKE engine. */
static void on_datagram(struct net_worker *w, struct net_rx *rx, void *ctx)
{
	struct pluto *p = ctx;
	ike_on_datagram(w, rx, &p->ike);
}

static void after_burst(struct net_worker *w, void *ctx)
{
	struct pluto *p = ctx;
	crypto_jobq_run_batch(&p->jobq, w->index, 64);
}

static bool when_idle(struct net_worker *w, void *ctx)
{
	struct pluto *p = ctx;
	/* With --nhelpers 0 everything runs on one thread: nobody to steal from. */
	if (p->opts->nhelpers == 0)
		return crypto_jobq_run_batch(&p->jobq, w->index, 64) > 0;
	return crypto_jobq_run_batch(&p->jobq, w->index, 64) > 0 ||
	       crypto_jobq_steal(&p->jobq, w->index);
}

static const char *backend_name(enum protostack s)
{
	switch (s) {
	case PROTOSTACK_NETKEY:
		return "xfrm";
	case PROTOSTACK_BSDKAME:
		return "pfkey";
	case PROTOSTACK_NONE:
		break;
	}
	return "none";
}

static int engine_start(struct pluto *p)
{
	const struct pluto_options *o = p->opts;
	struct net_worker_ops ops = { .datagram = on_datagram, .after_burst = after_burst,
				      .idle = when_idle, .ctx = p };
	const struct kernel_backend *be = kernel_backend_find(backend_name(o->protostack));
	unsigned n = worker_count(o->nhelpers);
	struct mailbox *mbs[NET_MAX_WORKERS];
	int rc;

	if (!be) {
		log_err("kernel interface %s (--use-%s) is not supported yet; use --use-none",
			backend_name(o->protostack),
			o->protostack == PROTOSTACK_BSDKAME ? "bsdkame" : "netkey");
		return -ENOTSUP;
	}
	rc = crypto_init();
	if (rc < 0) {
		log_err("OpenSSL algorithms could not be loaded: %s", strerror(-rc));
		return rc;
	}
	p->pool = net_pool_new(n, true, &ops);
	if (!p->pool)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		mbs[i] = &net_pool_worker(p->pool, i)->mb;
	rc = crypto_jobq_init(&p->jobq, n, mbs);
	if (rc < 0)
		return rc;
	p->jobq_ready = true;
	rc = kernel_queue_start(&p->kq, be);
	if (rc < 0) {
		log_err("kernel interface %s failed to start: %s", be->name, strerror(-rc));
		return rc;
	}
	p->kq_running = true;
	p->ike.pool = p->pool;
	p->ike.conns = &p->conns;
	p->ike.jobq = &p->jobq;
	p->ike.kq = &p->kq;
	p->ike.ikeport = o->ikeport;
	p->ike.natikeport = o->natikeport;
	p->ike.force_busy = o->force_busy;
	p->ike.ikev1_policy = o->ikev1_policy;
	atomic_store(&p->ike.ddos_mode, o->ddos_mode);
	p->ike.ddos_ike_threshold = o->ddos_ike_threshold;
	p->ike.max_halfopen_ike = o->max_halfopen_ike;
	atomic_store(&p->ike.global_redirect, o->global_redirect);
	if (o->global_redirect_to) {
		struct addr_list *g;
		char err[160];
		if (addr_list_parse_gw(o->global_redirect_to, &g, err, sizeof(err)) == 0)
			ike_daemon_set_redirect_to(&p->ike, g);
	}
	p->ike.kernel_none = o->protostack == PROTOSTACK_NONE;
	p->ike.vendorid = o->vendorid;
	p->ike.per_sa_metrics = o->metrics_per_sa;
	p->ike.keep_alive_s = o->keep_alive;
	p->ike.ike_window = o->ike_window;
	p->ike.uniqueids = o->uniqueids;
	rc = runner_start(&p->runner, NULL);
	if (rc < 0) {
		log_err("cannot start the updown runner: %s", strerror(-rc));
		return rc;
	}
	p->runner_running = true;
	p->ike.runner = &p->runner;
	{
		/* tests only: names from this hosts file, no DNS (util/resolver.h) */
		struct resolver_config rc_cfg = { .hosts_file = getenv("SKUA_RESOLVER_HOSTS") };
		rc = resolver_start(&p->resolver, &rc_cfg);
		if (rc < 0) {
			log_err("cannot start the resolver: %s", strerror(-rc));
			return rc;
		}
		p->resolver_running = true;
		p->ike.resolver = &p->resolver;
	}
	/* tests only: PAM's configuration from this directory (ike/pwcheck.h) */
	rc = pwcheck_init(&p->pwcheck, getenv("SKUA_PAM_CONFDIR"));
	if (rc < 0) {
		log_err("cannot set up the XAUTH password checks: %s", strerror(-rc));
		return rc;
	}
	p->ike.pwcheck = &p->pwcheck;
	p->ike.default_updown = paths_get(PATHS_UPDOWN);
	p->ike.psk_lookup = ctl_psk_lookup;
	p->ike.privkey_lookup = ctl_privkey_lookup;
	p->ike.psk_ctx = p;
	p->ike.xauth_lookup = ctl_xauth_lookup;
	p->ike.ipsecdir = p->opts->ipsecdir;
	rc = ike_daemon_init(&p->ike);
	if (rc < 0)
		return rc;
	p->ike_ready = true;
	if (be->subscribe) {
		rc = be->subscribe(p->kq.be_state, ike_on_kernel_event, &p->ike);
		if (rc < 0)
			log_warn("kernel events (%s) unavailable: %s; SA expiry is not noticed",
				 be->name, strerror(-rc));
		else
			p->subscribed = true;
	}
	rc = net_pool_start(p->pool);
	if (rc < 0)
		return rc;
	p->workers_running = true;
	log_info("started %u worker%s; kernel interface %s", n, n == 1 ? "" : "s", be->name);
	return 0;
}

int pluto_start(const struct pluto_options *o, struct pluto **out)
{
	struct pluto *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	p->opts = o;
	p->start_time = (uint64_t)time(NULL);
	p->listen_fd = p->ctl_wake_fd = p->prompt_fd = -1;
	/* Workers hand their lines to the log thread from now on (util/log.h). */
	rc = log_thread_start();
	if (rc < 0)
		log_warn("no log thread (%s): every thread writes its own lines", strerror(-rc));
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_fd < 0) {
		rc = -errno;
		free(p);
		return rc;
	}
	rcu_register_thread();
	rc = sadb_conn_table_init(&p->conns);
	if (rc < 0)
		goto fail;
	rc = engine_start(p);
	if (rc < 0)
		goto fail;
	cert_store_init(&p->certs, o->ipsecdir);
	{
		/* A broken secrets file is logged, not fatal: --rereadsecrets can fix it. */
		char err[512];
		if (ctl_secrets_reload(p, err, sizeof(err)) < 0)
			log_warn("no secrets loaded: %s", err);
	}
	/* Unusable files are logged and skipped; only running out of memory stops us. */
	rc = ctl_certs_load(p, true, true);
	if (rc < 0)
		goto fail;
	/* Before the ctl thread: this thread is the connection table's only writer. */
	if (o->config[0] != '\0') {
		rc = ctl_config_start(p);
		if (rc < 0)
			goto fail;
	}
	if (o->has_metrics) {
		rc = metrics_http_start(&o->metrics_addr, o->metrics_port, metrics_render_pluto, p,
					&p->metrics);
		if (rc < 0) {
			char a[IP_ADDR_STRLEN];
			ip_addr_str(&o->metrics_addr, a);
			log_err("pluto: --metrics %s%s%s:%u: cannot serve metrics there: %s",
				o->metrics_addr.af == AF_INET6 ? "[" : "", a,
				o->metrics_addr.af == AF_INET6 ? "]" : "", o->metrics_port,
				strerror(-rc));
			goto fail;
		}
		log_info("serving Prometheus metrics on %s%s%s:%u/metrics",
			 o->metrics_addr.af == AF_INET6 ? "[" : "",
			 ip_addr_str(&o->metrics_addr, (char[IP_ADDR_STRLEN]){ 0 }),
			 o->metrics_addr.af == AF_INET6 ? "]" : "", metrics_http_port(p->metrics));
	}
	rc = ctl_server_start(p);
	if (rc < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	pluto_free(p);
	return rc;
}

int pluto_stop_fd(const struct pluto *p)
{
	return p->stop_fd;
}

void pluto_request_stop(struct pluto *p)
{
	uint64_t one = 1;
	ssize_t w = write(p->stop_fd, &one, sizeof(one));	/* async-signal-safe */
	(void)w;
}

bool pluto_leave_state(const struct pluto *p)
{
	return atomic_load(&((struct pluto *)p)->leave_state);
}

void pluto_free(struct pluto *p)
{
	if (!p)
		return;
	/*
	 * Order: no new commands; every SA deleted on its worker (peers told,
	 * kernel state removed unless --leave-state); the kernel thread
	 * performs what is queued; the workers stop, handing out the last
	 * answers; what is left of the engine goes; then the pool.
	 */
	metrics_http_stop(p->metrics);	/* first: a scrape reads everything below */
	p->metrics = NULL;
	ctl_server_stop(p);
	if (p->subscribed && p->kq.be->subscribe)
		p->kq.be->subscribe(p->kq.be_state, NULL, NULL);
	if (p->workers_running)
		ike_cmd_shutdown(&p->ike, atomic_load(&p->leave_state));
	if (p->kq_running)
		kernel_queue_stop(&p->kq, KERNEL_STOP_DRAIN);
	/* down- and unroute- of the SAs just deleted still run (the manual). */
	if (p->runner_running)
		runner_stop(&p->runner, RUNNER_STOP_DRAIN);
	/* names still waiting are answered -ECANCELED; the workers' last drain frees them */
	if (p->resolver_running)
		resolver_stop(&p->resolver);
	/* the same for the password checks waiting (a check under way ends first) */
	pwcheck_stop(&p->pwcheck);
	net_pool_stop(p->pool);
	if (p->ike_ready)
		ike_daemon_fini(&p->ike);
	net_pool_free(p->pool);
	if (p->jobq_ready)
		crypto_jobq_fini(&p->jobq);
	net_iface_list_free(&p->ifaces);
	if (p->conns.ht) {
		ctl_conns_clear(p);
		/* Every connection was handed to call_rcu: wait for them before the table goes. */
		rcu_barrier();
		sadb_conn_table_fini(&p->conns);
	}
	rcu_barrier();		/* secrets sets handed to call_rcu */
	ctl_secrets_fini(p);
	cert_store_fini(&p->certs);
	ctl_config_fini(p);
	free(p->stats_baseline);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	free(p);
	rcu_unregister_thread();
	/* Every thread that logs has been joined: write what is queued. */
	log_thread_stop();
}
