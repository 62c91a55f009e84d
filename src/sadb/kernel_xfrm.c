/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The XFRM kernel backend: Linux IPsec through NETLINK_XFRM.
 *
 * One command socket: each submit() packs its ops, one netlink request
 * each with NLM_F_ACK, into as few sendmsg() calls as the buffer allows,
 * then reads until every request's ack has arrived and gives each op the
 * ack's error (0 or -errno), matched by sequence number. Data replies
 * (ALLOCSPI's new larval SA, GETSA's SA) arrive before their ack with the
 * same sequence number. One event socket, subscribed only once someone
 * wants events (subscribe()), for ACQUIRE, EXPIRE and POLEXPIRE.
 *
 * The kernel applies the requests of one sendmsg() one by one: each op
 * succeeds or fails on its own; nothing is rolled back here. A worker
 * that installs a child (SAs, then policies) undoes what succeeded when a
 * later op of the same child failed (docs/kernel.md).
 */
#include "sadb/kernel_xfrm.h"

#include <errno.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"

enum {
	TX_MAX = KERNEL_QUEUE_BATCH * KERNEL_XFRM_MSG_MAX,
	RX_MAX = 256 * 1024,
	SOCK_BUF = 4 * 1024 * 1024, /* a batch's acks and replies never overflow it */
	EVENT_READS_MAX = 64,	    /* datagrams per event_read(): ops are not starved */
	CHUNK_MAX = KERNEL_QUEUE_BATCH,
};

/* A pass/block policy we installed: it has no reqid, so flush finds it here. */
struct shunt_id {
	struct kernel_policy_params p;
};

/*
 * Owner: the thread running the backend (the kernel thread); fn and ctx
 * are written by subscribe() on any thread and read by event_read().
 */
struct xfrm_be {
	struct nl_sock *cmd;
	struct nl_sock *ev;
	uint32_t seq;
	uint32_t reqid_min, reqid_max;
	_Atomic(kernel_event_fn *) fn;
	void *_Atomic ctx;
	struct shunt_id *shunts;
	size_t n_shunts, cap_shunts;
	uint64_t events_lost;
	uint8_t *tx; /* wiped after every send: it holds keys */
	uint8_t *rx;
};

static void set_bufs(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk), size = SOCK_BUF;

	/* FORCE needs CAP_NET_ADMIN, which a daemon programming XFRM has anyway */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int open_sock(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(sk);
	ret = nl_connect(sk, NETLINK_XFRM);
	if (ret < 0) {
		ret = errno ? -errno : -EPROTONOSUPPORT;
		nl_socket_free(sk);
		return ret;
	}
	set_bufs(sk);
	*out = sk;
	return 0;
}

static void xfrm_fini(void *state)
{
	struct xfrm_be *be = state;

	if (!be)
		return;
	if (be->cmd)
		nl_socket_free(be->cmd);
	if (be->ev)
		nl_socket_free(be->ev);
	if (be->tx) {
		explicit_bzero(be->tx, TX_MAX);
		free(be->tx);
	}
	free(be->rx);
	free(be->shunts);
	free(be);
}

static int xfrm_init(void **state)
{
	struct xfrm_be *be = calloc(1, sizeof(*be));
	int ret;

	if (!be)
		return -ENOMEM;
	be->reqid_min = KERNEL_XFRM_REQID_MIN;
	be->reqid_max = KERNEL_XFRM_REQID_MAX;
	be->seq = 1;
	be->tx = calloc(1, TX_MAX);
	be->rx = malloc(RX_MAX);
	if (!be->tx || !be->rx) {
		ret = -ENOMEM;
		goto out;
	}
	ret = open_sock(&be->cmd);
	if (ret) {
		log_err("kernel xfrm: cannot open a NETLINK_XFRM socket: %s (is "
			"CONFIG_XFRM_USER "
			"built?)",
			strerror(-ret));
		goto out;
	}
	ret = open_sock(&be->ev);
	if (ret) {
		log_err("kernel xfrm: cannot open the XFRM event socket: %s", strerror(-ret));
		goto out;
	}
	nl_socket_set_nonblocking(be->ev);
out:
	if (ret) {
		xfrm_fini(be);
		return ret;
	}
	*state = be;
	return 0;
}

static bool same_shunt(const struct kernel_policy_params *a, const struct kernel_policy_params *b)
{
	return a->dir == b->dir && a->src_sel.prefix == b->src_sel.prefix &&
	       a->dst_sel.prefix == b->dst_sel.prefix &&
	       ip_addr_eq(&a->src_sel.addr, &b->src_sel.addr) &&
	       ip_addr_eq(&a->dst_sel.addr, &b->dst_sel.addr) && a->sel_proto == b->sel_proto &&
	       a->sel_sport == b->sel_sport && a->sel_dport == b->sel_dport &&
	       a->mark.value == b->mark.value && a->mark.mask == b->mark.mask &&
	       a->if_id == b->if_id;
}

static ssize_t find_shunt(const struct xfrm_be *be, const struct kernel_policy_params *p)
{
	for (size_t i = 0; i < be->n_shunts; i++)
		if (same_shunt(&be->shunts[i].p, p))
			return (ssize_t)i;
	return -1;
}

/* Remember (or forget) an installed shunt; failure only makes flush miss it. */
static void track(struct xfrm_be *be, const struct kernel_op *op)
{
	const struct kernel_policy_params *p = &op->policy;
	ssize_t i = find_shunt(be, p);
	bool shunt = p->action == KERNEL_POLICY_PASS || p->action == KERNEL_POLICY_BLOCK;

	if (op->kind == KERNEL_OP_POLICY_DELETE || (op->kind == KERNEL_OP_POLICY_ADD && !shunt)) {
		if (i >= 0)
			be->shunts[i] = be->shunts[--be->n_shunts];
		return;
	}
	if (i >= 0)
		return;
	if (be->n_shunts == be->cap_shunts) {
		size_t cap = be->cap_shunts ? be->cap_shunts * 2 : 16;
		struct shunt_id *n = realloc(be->shunts, cap * sizeof(*n));

		if (!n) {
			log_warn("kernel xfrm: out of memory: flush will not find a %%pass/%%drop "
				 "policy");
			return;
		}
		be->shunts = n;
		be->cap_shunts = cap;
	}
	be->shunts[be->n_shunts++].p = *p;
}

static void set_result(struct kernel_op *op, const struct nlmsghdr *h)
{
	struct kernel_sa_params sa;

	if (op->kind == KERNEL_OP_SPI_ALLOC) {
		if (kernel_xfrm_decode_sa(h, &sa, NULL) == 0)
			op->spi = sa.spi;
		else
			op->status = -EBADMSG;
	} else if (op->kind == KERNEL_OP_SA_QUERY) {
		if (kernel_xfrm_decode_sa(h, NULL, &op->stats) != 0)
			op->status = -EBADMSG;
	}
}

/* Wait up to the timeout for datagrams on fd; 0, -ETIMEDOUT or -errno. */
static int wait_in(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n;

	do
		n = poll(&pfd, 1, KERNEL_XFRM_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* The next datagram of replies into be->rx: its length, or -ETIMEDOUT / -errno. */
static ssize_t recv_some(struct xfrm_be *be, int fd)
{
	for (;;) {
		int ret = wait_in(fd);
		ssize_t n;

		if (ret)
			return ret;
		n = recv(fd, be->rx, RX_MAX, 0);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

static int send_all(struct xfrm_be *be, size_t len)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;

	do
		n = sendto(nl_socket_get_fd(be->cmd), be->tx, len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/*
 * Send the packed requests of pend[0..cnt-1] (sequence numbers base..)
 * and collect every ack. An op whose ack never comes gets -ETIMEDOUT (or
 * -ENOBUFS if the kernel dropped replies): its outcome is unknown.
 */
static void transact(struct xfrm_be *be, struct kernel_op **pend, size_t cnt, uint32_t base,
		     size_t len)
{
	int fd = nl_socket_get_fd(be->cmd);
	bool acked[CHUNK_MAX] = {false};
	size_t left = cnt;
	int ret = send_all(be, len);

	while (!ret && left) {
		struct nlmsghdr *h;
		ssize_t n = recv_some(be, fd);
		int rem;

		if (n < 0) {
			ret = (int)n;
			break;
		}
		rem = (int)n;
		for (h = (struct nlmsghdr *)be->rx; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem)) {
			uint32_t i = h->nlmsg_seq - base;
			struct nlmsgerr *e;

			if (i >= cnt || acked[i])
				continue; /* a late answer to an earlier, timed-out batch */
			if (h->nlmsg_type != NLMSG_ERROR) {
				set_result(pend[i], h);
				continue;
			}
			e = nlmsg_data(h);
			if (h->nlmsg_len < (uint32_t)nlmsg_size(sizeof(e->error)))
				pend[i]->status = -EBADMSG;
			else if (pend[i]->status == 0)
				pend[i]->status = e->error;
			acked[i] = true;
			left--;
		}
	}
	for (size_t i = 0; i < cnt; i++) {
		if (!acked[i]) {
			pend[i]->status = ret ? ret : -EIO;
			continue;
		}
		if (pend[i]->status == 0 && (pend[i]->kind == KERNEL_OP_POLICY_ADD ||
					     pend[i]->kind == KERNEL_OP_POLICY_DELETE))
			track(be, pend[i]);
	}
	if (ret)
		log_warn("kernel xfrm: %zu of %zu requests unanswered: %s", left, cnt,
			 strerror(-ret));
}

static void xfrm_submit(void *state, struct kernel_op **ops, size_t n)
{
	struct xfrm_be *be = state;
	size_t i = 0;

	while (i < n) {
		struct kernel_op *pend[CHUNK_MAX];
		uint32_t base = be->seq;
		size_t off = 0, cnt = 0;

		while (i < n && cnt < CHUNK_MAX) {
			struct kernel_op *op = ops[i];
			struct nl_msg *m;
			struct nlmsghdr *h;
			int ret = kernel_xfrm_encode(op, base + (uint32_t)cnt, &m);

			if (ret) {
				op->status = ret;
				dbg(DBG_KERNEL, "kernel xfrm: op %llu (kind %d) refused: %s",
				    (unsigned long long)op->id, op->kind, strerror(-ret));
				i++;
				continue;
			}
			h = nlmsg_hdr(m);
			if (off + NLMSG_ALIGN(h->nlmsg_len) > TX_MAX) {
				kernel_xfrm_msg_free(m);
				break; /* next sendmsg */
			}
			memcpy(be->tx + off, h, h->nlmsg_len);
			off += NLMSG_ALIGN(h->nlmsg_len);
			kernel_xfrm_msg_free(m);
			op->status = 0;
			pend[cnt++] = op;
			i++;
		}
		be->seq += (uint32_t)cnt;
		if (cnt)
			transact(be, pend, cnt, base, off);
		explicit_bzero(be->tx, off);
		for (size_t k = 0; k < cnt; k++)
			if (pend[k]->status)
				dbg(DBG_KERNEL, "kernel xfrm: op %llu (kind %d): %s",
				    (unsigned long long)pend[k]->id, pend[k]->kind,
				    strerror(-pend[k]->status));
	}
}

static int xfrm_event_fd(void *state)
{
	struct xfrm_be *be = state;

	return nl_socket_get_fd(be->ev);
}

static void xfrm_event_read(void *state)
{
	struct xfrm_be *be = state;
	int fd = nl_socket_get_fd(be->ev);

	for (int k = 0; k < EVENT_READS_MAX; k++) {
		kernel_event_fn *fn = atomic_load_explicit(&be->fn, memory_order_acquire);
		void *ctx = atomic_load_explicit(&be->ctx, memory_order_relaxed);
		ssize_t n = recv(fd, be->rx, RX_MAX, MSG_DONTWAIT);
		struct nlmsghdr *h;
		int rem;

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* the kernel dropped events: ACQUIREs are resent, EXPIREs are not
				 */
				be->events_lost++;
				log_warn("kernel xfrm: event socket overrun, events lost (%llu so "
					 "far)",
					 (unsigned long long)be->events_lost);
				continue;
			}
			return; /* EAGAIN: drained */
		}
		rem = (int)n;
		for (h = (struct nlmsghdr *)be->rx; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem)) {
			struct kernel_event ev;

			if (kernel_xfrm_decode_event(h, &ev) != 0)
				continue;
			if (fn)
				fn(&ev, ctx);
		}
	}
}

static int xfrm_subscribe(void *state, kernel_event_fn *fn, void *ctx)
{
	struct xfrm_be *be = state;
	int ret;

	atomic_store_explicit(&be->ctx, ctx, memory_order_relaxed);
	atomic_store_explicit(&be->fn, fn, memory_order_release);
	/* policy expiries come on the EXPIRE group too */
	if (fn)
		ret = nl_socket_add_memberships(be->ev, XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, 0);
	else
		ret = nl_socket_drop_memberships(be->ev, XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, 0);
	return ret < 0 ? -EIO : 0;
}

int kernel_xfrm_dump(void *state, int type, kernel_xfrm_dump_fn *fn, void *ctx)
{
	struct xfrm_be *be = state;
	int fd = nl_socket_get_fd(be->cmd);
	struct {
		struct nlmsghdr h;
		union {
			struct xfrm_usersa_id sa;
			struct xfrm_userpolicy_id pol;
		};
	} req;
	uint32_t seq = be->seq++;
	size_t body = type == XFRM_MSG_GETSA ? sizeof(req.sa) : sizeof(req.pol);
	int ret;

	if (type != XFRM_MSG_GETSA && type != XFRM_MSG_GETPOLICY)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(body);
	req.h.nlmsg_type = (uint16_t)type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq;
	memcpy(be->tx, &req, req.h.nlmsg_len);
	ret = send_all(be, req.h.nlmsg_len);
	while (!ret) {
		struct nlmsghdr *h;
		ssize_t n = recv_some(be, fd);
		int rem;

		if (n < 0) {
			ret = (int)n;
			break;
		}
		rem = (int)n;
		for (h = (struct nlmsghdr *)be->rx; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = nlmsg_data(h);

				return e->error ? e->error : -EIO;
			}
			ret = fn(h, ctx);
			if (ret) {
				/* keep reading to DONE so the socket holds no stale parts */
				int stop = ret;

				while (wait_in(fd) == 0 &&
				       recv(fd, be->rx, RX_MAX, MSG_DONTWAIT) > 0)
					;
				return stop;
			}
		}
	}
	return ret;
}

int kernel_xfrm_set_reqid_range(void *state, uint32_t min, uint32_t max)
{
	struct xfrm_be *be = state;

	if (min == 0 || min > max)
		return -EINVAL;
	be->reqid_min = min;
	be->reqid_max = max;
	return 0;
}

/* Delete ops collected by the flush dumps. */
struct doomed {
	struct xfrm_be *be;
	struct kernel_op *ops;
	size_t n, cap;
};

static struct kernel_op *doomed_add(struct doomed *d, enum kernel_op_kind kind)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct kernel_op *n = realloc(d->ops, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->ops = n;
		d->cap = cap;
	}
	memset(&d->ops[d->n], 0, sizeof(d->ops[0]));
	d->ops[d->n].kind = kind;
	return &d->ops[d->n++];
}

static bool ours(const struct xfrm_be *be, uint32_t reqid)
{
	return reqid >= be->reqid_min && reqid <= be->reqid_max;
}

static int collect_sa(const struct nlmsghdr *h, void *ctx)
{
	struct doomed *d = ctx;
	struct kernel_sa_params sa;
	struct kernel_op *op;

	if (kernel_xfrm_decode_sa(h, &sa, NULL) || !ours(d->be, sa.reqid))
		return 0;
	op = doomed_add(d, KERNEL_OP_SA_DELETE);
	if (!op)
		return -ENOMEM;
	op->sa.src = sa.src;
	op->sa.dst = sa.dst;
	op->sa.spi = sa.spi;
	op->sa.proto = sa.proto;
	op->sa.mark = sa.mark;
	return 0;
}

static int collect_policy(const struct nlmsghdr *h, void *ctx)
{
	struct doomed *d = ctx;
	struct kernel_policy_params p;
	struct kernel_op *op;
	bool mine;

	if (kernel_xfrm_decode_policy(h, &p, NULL))
		return 0;
	mine = p.action == KERNEL_POLICY_IPSEC ? ours(d->be, p.reqid) : find_shunt(d->be, &p) >= 0;
	if (!mine)
		return 0;
	op = doomed_add(d, KERNEL_OP_POLICY_DELETE);
	if (!op)
		return -ENOMEM;
	op->policy = p;
	return 0;
}

/* Run d's ops in batches; the first failure other than "already gone". */
static int run_doomed(struct xfrm_be *be, struct doomed *d)
{
	int first = 0;

	for (size_t i = 0; i < d->n; i += CHUNK_MAX) {
		struct kernel_op *batch[CHUNK_MAX];
		size_t k, cnt = d->n - i < CHUNK_MAX ? d->n - i : CHUNK_MAX;

		for (k = 0; k < cnt; k++)
			batch[k] = &d->ops[i + k];
		xfrm_submit(be, batch, cnt);
		for (k = 0; k < cnt; k++)
			if (batch[k]->status && batch[k]->status != -ENOENT &&
			    batch[k]->status != -ESRCH && !first)
				first = batch[k]->status;
	}
	d->n = 0;
	return first;
}

static int xfrm_flush(void *state)
{
	struct xfrm_be *be = state;
	struct doomed d = {.be = be};
	int ret, ret2;

	/* policies first: no window where traffic matches a policy without SA */
	ret = kernel_xfrm_dump(be, XFRM_MSG_GETPOLICY, collect_policy, &d);
	if (!ret)
		ret = run_doomed(be, &d);
	d.n = 0;
	ret2 = kernel_xfrm_dump(be, XFRM_MSG_GETSA, collect_sa, &d);
	if (!ret2)
		ret2 = run_doomed(be, &d);
	free(d.ops);
	return ret ? ret : ret2;
}

const struct kernel_backend kernel_backend_xfrm = {
	.name = "xfrm",
	.init = xfrm_init,
	.fini = xfrm_fini,
	.submit = xfrm_submit,
	.event_fd = xfrm_event_fd,
	.event_read = xfrm_event_read,
	.subscribe = xfrm_subscribe,
	.flush = xfrm_flush,
};
