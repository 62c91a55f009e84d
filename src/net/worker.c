/* SPDX-License-Identifier: BSD-2-Clause */
#include "net/worker.h"

#include <errno.h>
#include <hwloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "net/steer.h"
#include "util/impair.h"
#include "util/log.h"

/* epoll data of one worker's socket in one listener. */
struct net_sock_ref {
	struct net_listener *l;
	unsigned worker;
};

struct net_pool {
	unsigned n;
	bool pin;
	struct net_worker *w;		/* [n] */
	struct counters *ctr;		/* enum net_worker_counter, per worker */
	struct net_worker_ops ops;
	atomic_bool stop;
	hwloc_topology_t topo;
	bool have_topo;
	struct net_listener *listeners;	/* changed by the ctl thread under listeners_lock */
	pthread_mutex_t listeners_lock;
	atomic_uint nlisteners;
	bool errqueue;
};

/* A datagram that reached the wrong worker, copied for its owner. */
struct fwd_mail {
	struct mail mail;
	struct net_listener *l;		/* holds a reference */
	struct net_dgram d;
	size_t off;			/* where the IKE message starts (after the marker) */
	uint8_t bytes[];
};

/* Every worker acknowledges once it can no longer hold an old epoll event. */
struct barrier {
	atomic_uint left;
	int efd;
};

struct barrier_mail {
	struct mail mail;
	struct barrier *b;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t net_now_us(void)
{
	return now_ns() / 1000u;
}

const char *const net_phase_names[NET_PHASES] = {
	[NET_PHASE_RECV] = "receive", [NET_PHASE_DGRAM] = "datagrams",
	[NET_PHASE_CRYPTO] = "crypto", [NET_PHASE_MAIL] = "mail",
	[NET_PHASE_TIMERS] = "timers", [NET_PHASE_IDLE] = "idle",
	[NET_PHASE_SEND] = "send",
};

/*
 * The loop moves on to part next: the time since the last move is the
 * part's that ran (NWC_PHASE_NS). Returns that part, for a move back.
 * Only while the loop runs (tx.on): its thread is the counters' writer.
 */
static enum net_phase phase_to(struct net_worker *w, enum net_phase next)
{
	enum net_phase prev = w->phase;
	uint64_t now;

	if (!w->tx.on || prev == next)
		return prev;
	now = now_ns();
	if (prev != NET_PHASE_NONE)
		counters_add(w->pool->ctr, w->index, NWC_PHASE_NS + prev, now - w->phase_at);
	w->phase = next;
	w->phase_at = now;
	return prev;
}

uint64_t net_now_ms(void)
{
	return net_now_us() / 1000u;
}

/*
 * See only the PUs the process may run on (taskset, a cgroup cpuset): worker
 * i is pinned to the i-th of those, never moved outside what it was given.
 */
static int restrict_to_binding(hwloc_topology_t topo)
{
	return hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM |
						      HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_CPUBINDING);
}

unsigned net_cpu_count(void)
{
	static atomic_uint cached;
	unsigned n = atomic_load(&cached);
	hwloc_topology_t topo;

	if (n)
		return n;
	if (hwloc_topology_init(&topo) == 0 && restrict_to_binding(topo) == 0 &&
	    hwloc_topology_load(topo) == 0) {
		int k = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
		n = k > 0 ? (unsigned)k : 1;
		hwloc_topology_destroy(topo);
	} else {
		long k = sysconf(_SC_NPROCESSORS_ONLN);
		n = k > 0 ? (unsigned)k : 1;
	}
	atomic_store(&cached, n);
	return n;
}

void net_listener_unref(struct net_listener *l)
{
	if (atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	/* n is not stored in the listener: the fds array is -1 terminated. */
	for (int *fd = l->fds; *fd != -2; fd++) {
		if (*fd >= 0)
			close(*fd);
	}
	free(l->fds);
	free(l->ref);
	free(l);
}

/* ---- the worker thread ---- */

static void deliver(struct net_worker *w, struct net_listener *l, const struct net_dgram *d,
		    const uint8_t *msg, size_t len, bool forwarded)
{
	struct net_pool *p = w->pool;
	struct net_rx rx = { .msg = msg, .len = len, .d = d, .l = l, .forwarded = forwarded };

	if (impair_consume(IMPAIR_DROP_INBOUND)) {
		dbg(DBG_WORKER, "worker %u: impair drop-inbound: dropped %zu bytes", w->index, len);
		return;
	}
	counters_inc(p->ctr, w->index, NWC_HANDLED);
	if (p->ops.datagram)
		p->ops.datagram(w, &rx, p->ops.ctx);
	arena_reset(&w->arena);
}

static void fwd_mail_run(struct mail *m, void *ctx)
{
	struct net_worker *w = ctx;
	struct fwd_mail *f = caa_container_of(m, struct fwd_mail, mail);

	counters_inc(w->pool->ctr, w->index, NWC_FWD_IN);
	f->d.buf = f->bytes;
	deliver(w, f->l, &f->d, f->bytes + f->off, f->d.len - f->off, true);
	net_listener_unref(f->l);
	free(f);
}

static void forward(struct net_worker *w, struct net_listener *l, const struct net_dgram *d,
		    size_t off, unsigned owner)
{
	struct net_pool *p = w->pool;
	struct fwd_mail *f = malloc(sizeof(*f) + d->len);

	if (!f) {
		counters_inc(p->ctr, w->index, NWC_DROP_NOMEM);
		return;
	}
	memset(&f->mail, 0, sizeof(f->mail));
	f->mail.fn = fwd_mail_run;
	f->d = *d;
	f->d.cap = d->len;
	f->off = off;
	memcpy(f->bytes, d->buf, d->len);
	atomic_fetch_add(&l->refs, 1);
	f->l = l;
	counters_inc(p->ctr, w->index, NWC_FWD_OUT);
	mailbox_post(&p->w[owner].mb, &f->mail);
}

void net_worker_forward(struct net_worker *w, const struct net_rx *rx, unsigned owner)
{
	forward(w, rx->l, rx->d, (size_t)(rx->msg - rx->d->buf), owner);
}

static void one_datagram(struct net_worker *w, struct net_listener *l, const struct net_dgram *d)
{
	struct net_pool *p = w->pool;
	const uint8_t *msg = d->buf;
	size_t len = d->len;
	unsigned owner;

	counters_add(p->ctr, w->index, NWC_RX_BYTES, d->len);
	if (d->truncated) {
		counters_inc(p->ctr, w->index, NWC_DROP_TRUNC);
		return;
	}
	if (l->natt && net_natt_strip(&msg, &len) < 0) {
		counters_inc(p->ctr, w->index, NWC_DROP_MARKER);
		return;
	}
	/* The same rule the steering program runs: never handle another's datagram. */
	owner = net_steer_pick(d->buf, d->len, l->natt, p->n, &d->peer);
	if (owner != w->index) {
		forward(w, l, d, (size_t)(msg - d->buf), owner);
		return;
	}
	deliver(w, l, d, msg, len, false);
}

static void drain_errqueue(struct net_worker *w, int fd)
{
	uint8_t buf[512], ctl[512];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };

	for (int i = 0; i < 64; i++) {
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		counters_inc(w->pool->ctr, w->index, NWC_ERRQUEUE);
	}
}

static bool socket_ready(struct net_worker *w, struct net_sock_ref *ref, uint32_t events)
{
	struct net_pool *p = w->pool;
	struct net_listener *l = ref->l;
	int fd = l->fds[w->index];
	struct net_dgram v[NET_RX_BATCH];
	bool any = false;

	phase_to(w, NET_PHASE_RECV);
	if (events & EPOLLERR)
		drain_errqueue(w, fd);
	if (!(events & EPOLLIN))
		return false;
	for (int burst = 0; burst < NET_RX_BURST; burst++) {
		for (unsigned i = 0; i < NET_RX_BATCH; i++) {
			v[i].buf = w->rxbuf + (size_t)i * NET_RX_SLOT;
			v[i].cap = NET_RX_SLOT;
		}
		phase_to(w, NET_PHASE_RECV);
		int n = net_recv_batch(fd, v, NET_RX_BATCH);
		if (n <= 0)
			break;
		any = true;
		counters_add(p->ctr, w->index, NWC_RX, (uint64_t)n);
		phase_to(w, NET_PHASE_DGRAM);
		for (int i = 0; i < n; i++)
			one_datagram(w, l, &v[i]);
		if (n < NET_RX_BATCH)
			break;
	}
	return any;
}

const uint64_t net_round_bounds_ms[NET_ROUND_BOUNDS] = { 0, 1, 3, 7, 15, 31, 63, 127, 255, 511,
							   1023 };
_Static_assert(NWC_COUNT == NWC_ROUND_MS + NET_ROUND_BOUNDS + 2,
	       "the rounds take counters_hist_slots(NET_ROUND_BOUNDS) counters");

unsigned net_gather_us(uint64_t idle_us)
{
	return idle_us < NET_GATHER_US ? NET_GATHER_US : 0;
}

/*
 * After a wait that began idle at idle_from (net_now_us()) and ended with n
 * events. Mail alone (the mailbox's event has no pointer) does not gather:
 * a kernel answer that comes soon after its batch is no sign of load.
 */
static void gather(struct net_worker *w, const struct epoll_event *ev, int n, uint64_t idle_from)
{
	unsigned us = 0;
	struct timespec ts;

	for (int i = 0; i < n && us == 0; i++) {
		if (ev[i].data.ptr)
			us = net_gather_us(net_now_us() - idle_from);
	}
	if (us == 0)
		return;
	ts = (struct timespec){ .tv_sec = 0, .tv_nsec = (long)us * 1000L };
	nanosleep(&ts, NULL);
	counters_inc(w->pool->ctr, w->index, NWC_GATHERED);
}

static void *worker_main(void *arg)
{
	struct net_worker *w = arg;
	struct net_pool *p = w->pool;
	/*
	 * A round's socket events: a responder has a few sockets, but the
	 * load generator on this engine has one per client address and port
	 * (18,000 in bench/storm.sh), and an answer in a socket this round
	 * does not look at cannot cancel its retransmission before it fires.
	 */
	struct epoll_event ev[NET_EPOLL_EVENTS];
	bool busy = false;

	rcu_register_thread();
	mailbox_own(&w->mb);	/* our posts to ourselves: we drain them before we block */
	if (p->pin && p->have_topo) {
		int npu = hwloc_get_nbobjs_by_type(p->topo, HWLOC_OBJ_PU);
		hwloc_obj_t pu = npu > 0 ? hwloc_get_obj_by_type(p->topo, HWLOC_OBJ_PU,
							      w->index % (unsigned)npu) : NULL;
		if (pu && hwloc_set_cpubind(p->topo, pu->cpuset, HWLOC_CPUBIND_THREAD) == 0)
			atomic_store_explicit(&w->cpu, (int)pu->os_index, memory_order_relaxed);
		else
			log_warn("worker %u: cannot pin to a CPU; running unpinned", w->index);
	}
	dbg(DBG_WORKER, "worker %u started on cpu %d", w->index,
	    atomic_load_explicit(&w->cpu, memory_order_relaxed));

	w->phase = NET_PHASE_NONE;
	w->tx.on = true;
	while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
		int timeout;

		/* What this round sent leaves now, before the wait. */
		net_worker_flush(w);
		/* the wait's start: the wheel's deadline in ms, gather()'s idle time in us */
		uint64_t idle_from = net_now_us();

		timeout = busy ? 0 : timer_wheel_timeout_ms(&w->timers, idle_from / 1000u);
		int n = epoll_wait(w->epfd, ev, NET_EPOLL_EVENTS, timeout);
		bool got_packets = false;

		if (n < 0 && errno != EINTR) {
			log_err("worker %u: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		if (n > 0 && !busy)
			gather(w, ev, n, idle_from);
		uint64_t woke = net_now_ms();

		/*
		 * The wheel's clock first, for the handlers to arm timers relative
		 * to; what is due fires after the datagrams and the mail: an answer
		 * read in this round cancels its request's retransmission rather
		 * than racing it (a generator that fell behind in a storm resent
		 * requests whose answers sat in its sockets, 1-2.4 per SA).
		 */
		timer_wheel_set_clock(&w->timers, woke);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr)
				got_packets |= socket_ready(w, ev[i].data.ptr, ev[i].events);
		}
		if (got_packets && p->ops.after_burst) {
			phase_to(w, NET_PHASE_CRYPTO);
			p->ops.after_burst(w, p->ops.ctx);
		}
		/*
		 * Mail last: a barrier acknowledged here comes after every socket
		 * event of this round, so no old event can follow it.
		 */
		phase_to(w, NET_PHASE_MAIL);
		mailbox_drain(&w->mb, NULL, w, 256);
		phase_to(w, NET_PHASE_TIMERS);
		timer_wheel_advance(&w->timers, net_now_ms());
		busy = got_packets || !mailbox_is_empty(&w->mb);
		/* mail the idle work posted to us wakes nobody (mailbox_own()): look */
		if (!busy && p->ops.idle) {
			phase_to(w, NET_PHASE_IDLE);
			busy = p->ops.idle(w, p->ops.ctx) || !mailbox_is_empty(&w->mb);
		}
		phase_to(w, NET_PHASE_NONE);
		atomic_store_explicit(counters_slot(p->ctr, w->index, NWC_TIMERS),
				      timer_wheel_count(&w->timers), memory_order_relaxed);
		counters_hist_observe(p->ctr, w->index, NWC_ROUND_MS, net_round_bounds_ms,
				      NET_ROUND_BOUNDS, net_now_ms() - woke);
	}
	net_worker_flush(w);
	w->tx.on = false;
	/* Hand every mail still queued to its handler: nothing is lost or leaked. */
	while (mailbox_drain(&w->mb, NULL, w, 1024) > 0)
		;
	mailbox_own(NULL);
	rcu_unregister_thread();
	return NULL;
}

/* ---- the pool ---- */

struct net_pool *net_pool_new(unsigned nworkers, bool pin, const struct net_worker_ops *ops)
{
	struct net_pool *p;

	if (nworkers == 0 || nworkers > NET_MAX_WORKERS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n = nworkers;
	p->pin = pin;
	pthread_mutex_init(&p->listeners_lock, NULL);
	p->ops = *ops;
	p->w = calloc(nworkers, sizeof(*p->w));
	p->ctr = counters_new(nworkers, NWC_COUNT);
	if (!p->w || !p->ctr)
		goto fail;
	if (pin && hwloc_topology_init(&p->topo) == 0) {
		if (restrict_to_binding(p->topo) == 0 && hwloc_topology_load(p->topo) == 0)
			p->have_topo = true;
		else
			hwloc_topology_destroy(p->topo);
	}
	for (unsigned i = 0; i < nworkers; i++) {
		struct net_worker *w = &p->w[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		w->index = i;
		w->cpu = -1;
		w->pool = p;
		w->epfd = -1;
		if (mailbox_init(&w->mb) < 0)
			goto fail;
		timer_wheel_init(&w->timers, net_now_ms());
		w->rxbuf = malloc((size_t)NET_RX_BATCH * NET_RX_SLOT);
		w->tx.bytes = malloc(NET_TX_BYTES);
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (!w->rxbuf || !w->tx.bytes || w->epfd < 0 || arena_init(&w->arena, 16384, 1 << 20) < 0 ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, mailbox_fd(&w->mb), &ev) < 0)
			goto fail;
	}
	return p;
fail:
	net_pool_free(p);
	return NULL;
}

int net_pool_start(struct net_pool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		int rc = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);
		if (rc)
			return -rc;
		p->w[i].started = true;
	}
	return 0;
}

static void nop_report(void *ctx, const char *line)
{
}

void net_pool_stop(struct net_pool *p)
{
	if (!p)
		return;
	atomic_store_explicit(&p->stop, true, memory_order_release);
	for (unsigned i = 0; p->w && i < p->n; i++) {
		if (p->w[i].started) {
			mailbox_wake(&p->w[i].mb);
			pthread_join(p->w[i].thread, NULL);
			p->w[i].started = false;
		}
	}
	net_pool_unlisten(p, nop_report, NULL);
	/* Mails posted after a worker stopped (a forward racing the stop). */
	for (unsigned i = 0; p->w && i < p->n; i++)
		if (p->w[i].pool)
			while (mailbox_drain(&p->w[i].mb, NULL, &p->w[i], 1024) > 0)
				;
}

void net_pool_free(struct net_pool *p)
{
	if (!p)
		return;
	net_pool_stop(p);
	for (unsigned i = 0; p->w && i < p->n; i++) {
		struct net_worker *w = &p->w[i];
		if (!w->pool)
			continue;
		timer_wheel_fini(&w->timers);
		arena_fini(&w->arena);
		mailbox_fini(&w->mb);
		free(w->rxbuf);
		free(w->tx.bytes);
		if (w->epfd >= 0)
			close(w->epfd);
	}
	if (p->have_topo)
		hwloc_topology_destroy(p->topo);
	pthread_mutex_destroy(&p->listeners_lock);
	counters_free(p->ctr);
	free(p->w);
	free(p);
}

unsigned net_pool_size(const struct net_pool *p)
{
	return p->n;
}

struct net_worker *net_pool_worker(struct net_pool *p, unsigned i)
{
	return i < p->n ? &p->w[i] : NULL;
}

struct counters *net_pool_counters(struct net_pool *p)
{
	return p->ctr;
}

void net_pool_post(struct net_pool *p, unsigned i, struct mail *m)
{
	mailbox_post(&p->w[i].mb, m);
}

bool net_pool_is_listening(const struct net_pool *p)
{
	return atomic_load(&((struct net_pool *)p)->nlisteners) > 0;
}

static void barrier_mail_run(struct mail *m, void *ctx)
{
	struct barrier_mail *bm = caa_container_of(m, struct barrier_mail, mail);
	if (atomic_fetch_sub(&bm->b->left, 1) == 1) {
		uint64_t one = 1;
		ssize_t w = write(bm->b->efd, &one, sizeof(one));
		(void)w;
	}
}

/*
 * Wait until every running worker has finished the event round it was in:
 * after this, none can still use an epoll event of a socket removed before.
 */
static void pool_barrier(struct net_pool *p)
{
	struct barrier b;
	struct barrier_mail *m;
	unsigned running = 0;

	for (unsigned i = 0; i < p->n; i++)
		running += p->w[i].started && !atomic_load(&p->stop);
	if (running == 0)
		return;
	b.efd = eventfd(0, EFD_CLOEXEC);
	m = calloc(p->n, sizeof(*m));
	if (b.efd < 0 || !m) {
		/* Cannot wait properly: fall back to a generous pause. */
		log_warn("worker barrier: out of resources, waiting 100 ms instead");
		usleep(100000);
		goto out;
	}
	atomic_store(&b.left, p->n);
	for (unsigned i = 0; i < p->n; i++) {
		m[i].mail.fn = barrier_mail_run;
		m[i].b = &b;
		mailbox_post(&p->w[i].mb, &m[i].mail);
	}
	uint64_t v;
	while (read(b.efd, &v, sizeof(v)) < 0 && errno == EINTR)
		;	/* blocking read: the acquire that pairs with the last write */
out:
	free(m);
	if (b.efd >= 0)
		close(b.efd);
}

static const char *listener_str(const struct net_listener *l, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN];
	ip_addr_str(&l->iface.addr, a);
	snprintf(buf, len, "%s %s%s%s:%u", l->iface.name, l->iface.addr.af == AF_INET6 ? "[" : "",
		 a, l->iface.addr.af == AF_INET6 ? "]" : "", l->port);
	return buf;
}

static struct net_listener *listener_open(struct net_pool *p, const struct net_iface *ifc,
					  uint16_t port, bool natt, int *err)
{
	struct net_listener *l = calloc(1, sizeof(*l));
	if (!l) {
		*err = -ENOMEM;
		return NULL;
	}
	l->iface = *ifc;
	l->port = port;
	l->natt = natt;
	atomic_store(&l->refs, 1);
	l->fds = malloc((p->n + 1) * sizeof(int));
	l->ref = calloc(p->n, sizeof(*l->ref));
	if (!l->fds || !l->ref) {
		*err = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i <= p->n; i++)
		l->fds[i] = -1;
	l->fds[p->n] = -2;	/* terminator for net_listener_unref() */
	*err = net_group_open(&ifc->addr, port, natt, p->n, l->fds);
	if (*err < 0)
		goto fail;
	if (p->errqueue) {
		for (unsigned i = 0; i < p->n; i++)
			net_udp_set_recverr(l->fds[i], true);
	}
	for (unsigned i = 0; i < p->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->ref[i] };
		l->ref[i] = (struct net_sock_ref){ .l = l, .worker = i };
		if (epoll_ctl(p->w[i].epfd, EPOLL_CTL_ADD, l->fds[i], &ev) < 0) {
			*err = -errno;
			for (unsigned j = 0; j < i; j++)
				epoll_ctl(p->w[j].epfd, EPOLL_CTL_DEL, l->fds[j], NULL);
			pool_barrier(p);
			goto fail;
		}
	}
	return l;
fail:
	if (l->fds && l->ref) {
		net_listener_unref(l);
		return NULL;
	}
	free(l->fds);
	free(l->ref);
	free(l);
	return NULL;
}

static bool listener_wanted(const struct net_listener *l, const struct net_iface_list *want,
			    uint16_t ikeport, uint16_t natikeport)
{
	if (l->port != (l->natt ? natikeport : ikeport))
		return false;
	return net_iface_list_has(want, l->iface.name, &l->iface.addr);
}

static bool have_listener(const struct net_pool *p, const struct net_iface *ifc, uint16_t port)
{
	for (const struct net_listener *l = p->listeners; l; l = l->next) {
		if (l->port == port && strcmp(l->iface.name, ifc->name) == 0 &&
		    ip_addr_eq(&l->iface.addr, &ifc->addr))
			return true;
	}
	return false;
}

/* Unlink the listeners matched by `drop` from every worker, then release them. */
static void remove_listeners(struct net_pool *p, bool all, const struct net_iface_list *want,
			     uint16_t ikeport, uint16_t natikeport,
			     void (*report)(void *ctx, const char *line), void *ctx)
{
	struct net_listener **pp = &p->listeners, *gone = NULL;
	char buf[128], line[192];

	while (*pp) {
		struct net_listener *l = *pp;
		if (!all && listener_wanted(l, want, ikeport, natikeport)) {
			pp = &l->next;
			continue;
		}
		pthread_mutex_lock(&p->listeners_lock);
		*pp = l->next;
		pthread_mutex_unlock(&p->listeners_lock);
		for (unsigned i = 0; i < p->n; i++)
			epoll_ctl(p->w[i].epfd, EPOLL_CTL_DEL, l->fds[i], NULL);
		snprintf(line, sizeof(line), "shutting down interface %s",
			 listener_str(l, buf, sizeof(buf)));
		report(ctx, line);
		l->next = gone;
		gone = l;
		atomic_fetch_sub(&p->nlisteners, 1);
	}
	if (!gone)
		return;
	pool_barrier(p);
	while (gone) {
		struct net_listener *next = gone->next;
		net_listener_unref(gone);
		gone = next;
	}
}

int net_pool_listen(struct net_pool *p, const struct net_iface_list *want, uint16_t ikeport,
		    uint16_t natikeport, void (*report)(void *ctx, const char *line), void *ctx)
{
	char buf[128], line[256];
	int first_err = 0;

	remove_listeners(p, false, want, ikeport, natikeport, report, ctx);
	for (size_t i = 0; i < want->n; i++) {
		const uint16_t ports[2] = { ikeport, natikeport };
		for (int k = 0; k < 2; k++) {
			struct net_listener *l;
			int err;

			if (ports[k] == 0 || have_listener(p, &want->v[i], ports[k]))
				continue;
			l = listener_open(p, &want->v[i], ports[k], k == 1, &err);
			if (!l) {
				char a[IP_ADDR_STRLEN];
				snprintf(line, sizeof(line), "failed to listen on %s %s:%u: %s",
					 want->v[i].name, ip_addr_str(&want->v[i].addr, a), ports[k],
					 strerror(-err));
				report(ctx, line);
				if (!first_err)
					first_err = err;
				continue;
			}
			pthread_mutex_lock(&p->listeners_lock);
			l->next = p->listeners;
			p->listeners = l;
			pthread_mutex_unlock(&p->listeners_lock);
			atomic_fetch_add(&p->nlisteners, 1);
			snprintf(line, sizeof(line), "adding UDP interface %s",
				 listener_str(l, buf, sizeof(buf)));
			report(ctx, line);
		}
	}
	return first_err ? first_err : (int)atomic_load(&p->nlisteners);
}

struct net_listener *net_pool_listen_one(struct net_pool *p, const struct net_iface *ifc,
					 uint16_t port, bool natt, int *err)
{
	struct net_listener *l = listener_open(p, ifc, port, natt, err);

	if (!l)
		return NULL;
	net_listener_ref(l);	/* the caller's; the list keeps the first */
	pthread_mutex_lock(&p->listeners_lock);
	l->next = p->listeners;
	p->listeners = l;
	pthread_mutex_unlock(&p->listeners_lock);
	atomic_fetch_add(&p->nlisteners, 1);
	return l;
}

void net_pool_unlisten(struct net_pool *p, void (*report)(void *ctx, const char *line), void *ctx)
{
	remove_listeners(p, true, NULL, 0, 0, report, ctx);
}

int net_pool_set_bufsize(struct net_pool *p, int bytes)
{
	int first = 0;
	for (struct net_listener *l = p->listeners; l; l = l->next) {
		for (unsigned i = 0; i < p->n; i++) {
			int rc = net_udp_set_bufsize(l->fds[i], bytes);
			if (rc < 0 && !first)
				first = rc;
		}
	}
	return first;
}

bool net_pool_toggle_errqueue(struct net_pool *p)
{
	p->errqueue = !p->errqueue;
	for (struct net_listener *l = p->listeners; l; l = l->next) {
		for (unsigned i = 0; i < p->n; i++)
			net_udp_set_recverr(l->fds[i], p->errqueue);
	}
	return p->errqueue;
}

static int send_now(struct net_worker *w, struct net_listener *l, const struct net_dgram *d)
{
	enum net_phase was = phase_to(w, NET_PHASE_SEND);
	int rc = net_send_batch(l->fds[w->index], d, 1, l->natt);

	phase_to(w, was);

	counters_inc(w->pool->ctr, w->index, NWC_TX_CALLS);
	if (rc == 1) {
		counters_inc(w->pool->ctr, w->index, NWC_TX);
		counters_add(w->pool->ctr, w->index, NWC_TX_BYTES, d->len);
		return 0;
	}
	counters_inc(w->pool->ctr, w->index, NWC_TX_ERR);
	return rc < 0 ? rc : -EAGAIN;
}

void net_worker_flush(struct net_worker *w)
{
	struct net_txq *q = &w->tx;
	struct counters *ctr = w->pool->ctr;
	unsigned i = 0;
	enum net_phase was;

	if (q->n == 0)
		return;
	was = phase_to(w, NET_PHASE_SEND);
	while (i < q->n) {
		struct net_listener *l = q->l[i];
		unsigned end = i + 1;

		while (end < q->n && q->l[end] == l)
			end++;
		while (i < end) {
			int rc = net_send_batch(l->fds[w->index], &q->d[i], end - i, l->natt);

			counters_inc(ctr, w->index, NWC_TX_CALLS);
			if (rc <= 0) {
				/* The first of the rest failed: count it, go on with the next. */
				counters_inc(ctr, w->index, NWC_TX_ERR);
				i++;
				continue;
			}
			for (int k = 0; k < rc; k++, i++) {
				counters_inc(ctr, w->index, NWC_TX);
				counters_add(ctr, w->index, NWC_TX_BYTES, q->d[i].len);
			}
		}
	}
	for (i = 0; i < q->n; i++)
		net_listener_unref(q->l[i]);
	q->n = 0;
	q->used = 0;
	phase_to(w, was);
}

int net_worker_send(struct net_worker *w, struct net_listener *l, const struct net_dgram *d)
{
	struct net_txq *q = &w->tx;

	if (impair_consume(IMPAIR_DROP_OUTBOUND)) {
		dbg(DBG_WORKER, "worker %u: impair drop-outbound: not sending %zu bytes", w->index,
		    d->len);
		return 0;
	}
	if (!q->on || d->len > NET_TX_BYTES) {
		net_worker_flush(w);	/* in order: what was kept goes first */
		return send_now(w, l, d);
	}
	if (q->n == NET_TX_BATCH || d->len > NET_TX_BYTES - q->used)
		net_worker_flush(w);
	memcpy(q->bytes + q->used, d->buf, d->len);
	q->d[q->n] = *d;
	q->d[q->n].buf = q->bytes + q->used;
	q->used += d->len;
	net_listener_ref(l);
	q->l[q->n++] = l;
	return 0;
}

struct net_listener *net_pool_listener_get(struct net_pool *p, const struct ip_addr *addr,
					   uint16_t port)
{
	struct net_listener *found = NULL;

	pthread_mutex_lock(&p->listeners_lock);
	for (struct net_listener *l = p->listeners; l; l = l->next) {
		if (l->port == port && ip_addr_eq(&l->iface.addr, addr)) {
			net_listener_ref(l);
			found = l;
			break;
		}
	}
	pthread_mutex_unlock(&p->listeners_lock);
	return found;
}
