/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PF_KEY v2 kernel backend (RFC 2367; on Linux, af_key).
 *
 * PF_KEY takes one message per write(), so a batch is pipelined: every
 * request of the batch is written, then answers are read until each
 * request (matched by sequence number and our pid) has one. af_key
 * answers a success by broadcasting the message to every PF_KEY socket
 * and a failure by a bare header with sadb_msg_errno to the sender only.
 * A second socket, registered for ESP, AH and IPComp (SADB_REGISTER),
 * receives ACQUIRE and EXPIRE; it is registered only by subscribe().
 *
 * What PF_KEY on Linux cannot express (AEAD, ESN, marks, XFRM
 * interfaces, TFC padding, RFC 4868 SHA2-256-128) is refused per op with
 * -EOPNOTSUPP and a log line, never installed as something else.
 */
#include "sadb/kernel_pfkey.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"

enum {
	REQIDS_MAX = 4096, /* SAs whose reqid the kernel does not carry */
	RX_MAX = 64 * 1024,
	SOCK_BUF = 4 * 1024 * 1024,
	EVENT_READS_MAX = 64,
};

/*
 * An SA installed with reqid 0 in place of the caller's (above
 * KERNEL_PFKEY_REQID_MAX, kernel_pfkey_sa_reqid()): its EXPIRE gets the
 * caller's reqid back from here. spi 0: a free slot.
 */
struct reqid_slot {
	uint32_t spi, reqid;
	uint8_t proto;
	struct ip_addr dst;
};

/* Owner: the kernel thread; fn/ctx as in the XFRM backend (written by
 * subscribe()). */
struct pfkey_be {
	int cmd, ev;
	uint32_t pid, seq;
	bool registered;
	_Atomic(kernel_event_fn *) fn;
	void *_Atomic ctx;
	struct reqid_slot reqids[REQIDS_MAX];
	bool reqids_full_logged;
	uint8_t tx[KERNEL_PFKEY_MSG_MAX]; /* wiped after every write: keys */
	uint8_t rx[RX_MAX];
};

static int open_sock(void)
{
	int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2), size = SOCK_BUF;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static void pfkey_fini(void *state)
{
	struct pfkey_be *be = state;

	if (!be)
		return;
	if (be->cmd >= 0)
		close(be->cmd);
	if (be->ev >= 0)
		close(be->ev);
	explicit_bzero(be->tx, sizeof(be->tx));
	free(be);
}

static int pfkey_init(void **state)
{
	struct pfkey_be *be = calloc(1, sizeof(*be));
	int ret = 0;

	if (!be)
		return -ENOMEM;
	be->cmd = be->ev = -1;
	be->pid = (uint32_t)getpid();
	be->seq = 1;
	be->cmd = open_sock();
	if (be->cmd < 0) {
		ret = be->cmd;
		log_err("kernel pfkey: socket(PF_KEY, SOCK_RAW, PF_KEY_V2): %s; on Linux "
			"this needs "
			"the af_key module (CONFIG_NET_KEY); use protostack=xfrm instead",
			strerror(-ret));
		goto out;
	}
	be->ev = open_sock();
	if (be->ev < 0) {
		ret = be->ev;
		log_err("kernel pfkey: event socket: %s", strerror(-ret));
	}
out:
	if (ret) {
		pfkey_fini(be);
		return ret;
	}
	*state = be;
	return 0;
}

static int wait_in(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n;

	do
		n = poll(&pfd, 1, KERNEL_PFKEY_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int write_msg(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static struct reqid_slot *reqid_find(struct pfkey_be *be, uint32_t spi, uint8_t proto,
				     const struct ip_addr *dst)
{
	for (size_t i = 0; i < REQIDS_MAX; i++) {
		struct reqid_slot *r = &be->reqids[i];

		if (r->spi == spi && spi && r->proto == proto && ip_addr_eq(&r->dst, dst))
			return r;
	}
	return NULL;
}

/* Keep track of the caller's reqid of an SA the kernel knows with 0. */
static void reqid_note(struct pfkey_be *be, const struct kernel_op *op)
{
	const struct kernel_sa_params *sa = &op->sa;
	struct reqid_slot *r;

	if (op->kind == KERNEL_OP_SA_DELETE) {
		r = reqid_find(be, sa->spi, sa->proto, &sa->dst);
		if (r)
			memset(r, 0, sizeof(*r));
		return;
	}
	if ((op->kind != KERNEL_OP_SA_ADD && op->kind != KERNEL_OP_SA_UPDATE) ||
	    kernel_pfkey_sa_reqid(sa->reqid) == sa->reqid)
		return;
	r = reqid_find(be, sa->spi, sa->proto, &sa->dst);
	for (size_t i = 0; !r && i < REQIDS_MAX; i++)
		if (!be->reqids[i].spi)
			r = &be->reqids[i];
	if (!r) {
		if (!be->reqids_full_logged)
			log_warn("kernel pfkey: more than %d SAs with large reqids: their "
				 "EXPIRE events will carry reqid 0",
				 REQIDS_MAX);
		be->reqids_full_logged = true;
		return;
	}
	r->spi = sa->spi;
	r->proto = sa->proto;
	r->dst = sa->dst;
	r->reqid = sa->reqid;
}

/* An EXPIRE of an SA the kernel knows with reqid 0: the caller's reqid. */
static void reqid_restore(struct pfkey_be *be, struct kernel_event *ev)
{
	struct reqid_slot *r;

	if (ev->kind != KERNEL_EVENT_EXPIRE || ev->reqid)
		return;
	r = reqid_find(be, ev->spi, ev->proto, &ev->dst);
	if (!r)
		return;
	ev->reqid = r->reqid;
	if (ev->hard) /* the kernel has deleted the SA */
		memset(r, 0, sizeof(*r));
}

static void set_result(struct kernel_op *op, const struct kernel_pfkey_msg *m)
{
	struct kernel_sa_params sa;

	if (m->hdr.sadb_msg_errno) {
		op->status = -(int)m->hdr.sadb_msg_errno;
		return;
	}
	op->status = 0;
	if (op->kind == KERNEL_OP_SPI_ALLOC) {
		if (kernel_pfkey_decode_sa(m, &sa, NULL) == 0)
			op->spi = sa.spi;
		else
			op->status = -EBADMSG;
	} else if (op->kind == KERNEL_OP_SA_QUERY) {
		if (kernel_pfkey_decode_sa(m, NULL, &op->stats) != 0)
			op->status = -EBADMSG;
	}
}

static void log_refusal(const struct kernel_op *op, int ret)
{
	const char *why = "";

	if (ret != -EOPNOTSUPP)
		return;
	if (op->kind == KERNEL_OP_SA_ADD || op->kind == KERNEL_OP_SA_UPDATE) {
		if (op->sa.integ_id == 0 && op->sa.proto == IPPROTO_ESP)
			why = " (AEAD algorithms such as AES-GCM and ChaCha20-Poly1305 need XFRM)";
		else if (op->sa.esn)
			why = " (ESN needs XFRM)";
		else if (op->sa.integ_id == 12)
			why = " (af_key truncates HMAC-SHA2-256 to 96 bits; RFC 4868 needs XFRM)";
	}
	log_warn("kernel pfkey: op %llu refused: PF_KEY cannot express it%s; use "
		 "protostack=xfrm",
		 (unsigned long long)op->id, why);
}

static void pfkey_submit(void *state, struct kernel_op **ops, size_t n)
{
	struct pfkey_be *be = state;
	uint32_t base = be->seq;
	size_t left = 0;
	int ret = 0;

	be->seq += (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		int len = kernel_pfkey_encode(ops[i], base + (uint32_t)i, be->pid, be->tx,
					      sizeof(be->tx));

		ops[i]->status = 1; /* pending */
		if (len < 0) {
			ops[i]->status = len;
			log_refusal(ops[i], len);
			continue;
		}
		ret = write_msg(be->cmd, be->tx, (size_t)len);
		explicit_bzero(be->tx, (size_t)len);
		if (ret) {
			/* af_key answers most errors by message; this one it could not */
			ops[i]->status = ret;
			ret = 0;
			continue;
		}
		left++;
	}
	while (left) {
		struct kernel_pfkey_msg m;
		ssize_t got;
		uint32_t i;

		ret = wait_in(be->cmd);
		if (ret)
			break;
		got = recv(be->cmd, be->rx, sizeof(be->rx), 0);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = -errno;
			break;
		}
		if (kernel_pfkey_parse(be->rx, (size_t)got, &m))
			continue;
		i = m.hdr.sadb_msg_seq - base;
		/* others' broadcasts, and late answers to an earlier batch, are not ours */
		if (m.hdr.sadb_msg_pid != be->pid || i >= n || ops[i]->status != 1)
			continue;
		set_result(ops[i], &m);
		if (ops[i]->status == 0)
			reqid_note(be, ops[i]);
		left--;
	}
	for (size_t i = 0; i < n; i++)
		if (ops[i]->status == 1)
			ops[i]->status = ret ? ret : -EIO;
	explicit_bzero(be->rx, sizeof(be->rx));
	if (ret)
		log_warn("kernel pfkey: %zu requests unanswered: %s", left, strerror(-ret));
}

static int pfkey_event_fd(void *state)
{
	struct pfkey_be *be = state;

	return be->ev;
}

static void pfkey_event_read(void *state)
{
	struct pfkey_be *be = state;

	for (int k = 0; k < EVENT_READS_MAX; k++) {
		kernel_event_fn *fn = atomic_load_explicit(&be->fn, memory_order_acquire);
		void *ctx = atomic_load_explicit(&be->ctx, memory_order_relaxed);
		struct kernel_pfkey_msg m;
		struct kernel_event ev;
		ssize_t got = recv(be->ev, be->rx, sizeof(be->rx), MSG_DONTWAIT);

		if (got < 0) {
			if (errno == ENOBUFS) {
				log_warn("kernel pfkey: event socket overrun, events lost");
				continue;
			}
			break;
		}
		/* every SA change is broadcast here too: keep only the events */
		if (kernel_pfkey_parse(be->rx, (size_t)got, &m) ||
		    kernel_pfkey_decode_event(&m, &ev))
			continue;
		reqid_restore(be, &ev);
		if (fn)
			fn(&ev, ctx);
	}
	explicit_bzero(be->rx, sizeof(be->rx));
}

static int pfkey_subscribe(void *state, kernel_event_fn *fn, void *ctx)
{
	static const uint8_t satypes[] = {SADB_SATYPE_ESP, SADB_SATYPE_AH, SADB_X_SATYPE_IPCOMP};
	struct pfkey_be *be = state;
	uint8_t buf[64];

	atomic_store_explicit(&be->ctx, ctx, memory_order_relaxed);
	atomic_store_explicit(&be->fn, fn, memory_order_release);
	if (!fn || be->registered)
		return 0; /* PF_KEY has no unregister: events are dropped instead */
	for (size_t i = 0; i < sizeof(satypes); i++) {
		int len = kernel_pfkey_encode_simple(SADB_REGISTER, satypes[i], be->seq++, be->pid,
						     buf, sizeof(buf));
		int ret = len < 0 ? len : write_msg(be->ev, buf, (size_t)len);

		if (ret) {
			log_err("kernel pfkey: SADB_REGISTER: %s", strerror(-ret));
			return ret;
		}
	}
	be->registered = true;
	return 0;
}

int kernel_pfkey_dump(void *state, uint8_t type, uint8_t satype, kernel_pfkey_dump_fn *fn,
		      void *ctx)
{
	struct pfkey_be *be = state;
	uint32_t seq = be->seq++;
	int len = kernel_pfkey_encode_simple(type, satype, seq, be->pid, be->tx, sizeof(be->tx));
	int ret = len < 0 ? len : write_msg(be->cmd, be->tx, (size_t)len);

	/*
	 * af_key numbers the entries of a dump count-1 down to 0, each with
	 * our pid; an empty table is an ENOENT answer.
	 */
	while (!ret) {
		struct kernel_pfkey_msg m;
		ssize_t got;

		ret = wait_in(be->cmd);
		if (ret)
			break;
		got = recv(be->cmd, be->rx, sizeof(be->rx), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (kernel_pfkey_parse(be->rx, (size_t)got, &m) || m.hdr.sadb_msg_pid != be->pid ||
		    m.hdr.sadb_msg_type != type)
			continue;
		if (m.hdr.sadb_msg_errno)
			return m.hdr.sadb_msg_errno == ENOENT ? 0 : -(int)m.hdr.sadb_msg_errno;
		ret = fn(&m, ctx);
		if (!ret && m.hdr.sadb_msg_seq == 0)
			return 0;
	}
	return ret;
}

const struct kernel_backend kernel_backend_pfkey = {
	.name = "pfkey",
	.init = pfkey_init,
	.fini = pfkey_fini,
	.submit = pfkey_submit,
	.event_fd = pfkey_event_fd,
	.event_read = pfkey_event_read,
	.subscribe = pfkey_subscribe,
};
