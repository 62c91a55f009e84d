/* SPDX-License-Identifier: BSD-2-Clause */
/* The exchange harness (xch.h): two engines in one process, stepped by the test thread. */
#include "exchange/xch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "ctl/proto/whack_opts.h"
#include "ike/connection.h"
#include "ike/creds.h"
#include "ike/ike_cmd.h"
#include "ike/v1/state.h"
#include "ike/v2/kex.h"
#include "net/ifaces.h"
#include "sadb/kernel_backend.h"

enum {
	XCH_IKE_PORT = 500,
	XCH_NATT_PORT = 4500,
	XCH_NAT_PORT_IKE = 1500,	/* xch_set_nat(): where the NAT maps port 500 */
	XCH_NAT_PORT_NATT = 14500,	/* ... and port 4500 */
	XCH_MAX_CONNS = 8,
	XCH_PUMP_LIMIT_MS = 5000,	/* the kernel thread answers in microseconds */
	XCH_QUIET_LIMIT = 64,		/* datagrams in one xch_run_until_quiet() */
};

struct peer {
	const char *name;
	struct ip_addr addr;
	struct net_pool *pool;
	struct net_worker *nw;
	struct crypto_jobq jobq;	/* queue 0: the worker; queue 1: a thief that never queues */
	bool jobq_ready;
	struct mailbox thief_mb;	/* the thief's (its stolen results go to their owner) */
	bool thief;			/* xch_set_thief(): the thief runs the worker's jobs */
	struct kernel_queue kq;
	bool kq_running;
	struct conn_table conns;
	bool conns_ready;
	struct ike_daemon d;
	bool d_ready;
	struct net_listener *l, *l_natt;	/* references held */
	bool nat;				/* xch_set_nat(): behind a NAT */
	struct ip_addr nat_addr;		/* its public address */
	int nat_fd[2];				/* the NAT's sockets there (ports 1500, 14500) */
	char psk[256];
	char psk_peer[64], psk_for[256];		/* xch_set_psk_for() */
	struct crypto_privkey *key;		/* privkey_lookup's answer (a reference) */
	uint64_t kernel_answers;		/* kernel answers (ops, batches) drained so far */
	struct resolver resolver;		/* xch_set_resolver_hosts() */
	struct pwcheck pwcheck;			/* XAUTH passwords, as pluto's (xch_set_pam_confdir()) */
	bool resolver_running;
	uint64_t offset_ms;			/* how far xch_advance() moved the clock */
	struct connection *conn[XCH_MAX_CONNS];
	unsigned nconn;
};

static struct peer peers[2];

/*
 * Each side's kernel: the none backend, recording every SA it adds (SPI,
 * destination, keys) so that a test can check which keys each SA got.
 * Written by that side's kernel thread before it answers; the test reads
 * after a pump, which waits for those answers.
 */
enum { XCH_KSA_MAX = 256 };
static struct {
	pthread_mutex_t lock;
	unsigned n;
	struct xch_kernel_sa v[XCH_KSA_MAX];
} ksas = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * Every kernel operation each side's kernel was given, in order: kind, and
 * for a policy its selectors, for an SA its SPI. Same writer and reader
 * rules as the SAs above.
 */
enum { XCH_KOPS_MAX = 1024 };
static struct {
	unsigned n;
	struct xch_kernel_op v[XCH_KOPS_MAX];
} kops;

static void kops_record(enum xch_side side, const struct kernel_op *op)
{
	struct xch_kernel_op *k;

	if (kops.n == XCH_KOPS_MAX)
		return;
	k = &kops.v[kops.n];
	memset(k, 0, sizeof(*k));
	k->seq = ++kops.n;
	k->side = side;
	k->kind = op->kind;
	if (op->kind == KERNEL_OP_POLICY_ADD || op->kind == KERNEL_OP_POLICY_DELETE) {
		k->src_sel = op->policy.src_sel;
		k->dst_sel = op->policy.dst_sel;
		k->dir = op->policy.dir;
	} else if (op->kind != KERNEL_OP_SPI_ALLOC) {
		k->spi = op->sa.spi;
	}
}

static bool subnet_eq(const struct ip_subnet *a, const struct ip_subnet *b)
{
	return a->prefix == b->prefix && ip_addr_eq(&a->addr, &b->addr);
}

unsigned xch_kernel_ops(enum xch_side side, enum kernel_op_kind kind, const char *sel,
			unsigned after)
{
	struct ip_subnet want;
	unsigned count = 0;

	if (sel)
		cr_assert_eq(ip_subnet_parse(sel, &want), 0, "not a subnet: %s", sel);
	pthread_mutex_lock(&ksas.lock);
	for (unsigned i = after; i < kops.n; i++) {
		const struct xch_kernel_op *k = &kops.v[i];
		if (k->side != side || k->kind != kind)
			continue;
		if (sel && !subnet_eq(&k->src_sel, &want) && !subnet_eq(&k->dst_sel, &want))
			continue;
		count++;
	}
	pthread_mutex_unlock(&ksas.lock);
	return count;
}

unsigned xch_kernel_op_seq(enum xch_side side, enum kernel_op_kind kind, uint32_t spi)
{
	unsigned seq = 0;

	pthread_mutex_lock(&ksas.lock);
	for (unsigned i = 0; i < kops.n; i++)
		if (kops.v[i].side == side && kops.v[i].kind == kind && kops.v[i].spi == spi)
			seq = kops.v[i].seq;
	pthread_mutex_unlock(&ksas.lock);
	return seq;
}

unsigned xch_kernel_op_count(void)
{
	unsigned n;

	pthread_mutex_lock(&ksas.lock);
	n = kops.n;
	pthread_mutex_unlock(&ksas.lock);
	return n;
}

static void ksa_record(enum xch_side side, struct kernel_op **ops, size_t n)
{
	pthread_mutex_lock(&ksas.lock);
	for (size_t i = 0; i < n; i++)
		kops_record(side, ops[i]);
	for (size_t i = 0; i < n; i++) {
		const struct kernel_op *op = ops[i];
		struct xch_kernel_sa *k;

		if ((op->kind != KERNEL_OP_SA_ADD && op->kind != KERNEL_OP_SA_UPDATE) ||
		    ksas.n == XCH_KSA_MAX || op->key_len > sizeof(k->key))
			continue;
		k = &ksas.v[ksas.n++];
		k->side = side;
		k->spi = op->sa.spi;
		k->dst = op->sa.dst;
		memcpy(k->key, op->key, op->key_len);
		k->key_len = op->key_len;
		k->params = op->sa;
	}
	pthread_mutex_unlock(&ksas.lock);
}

/* Packets an SA_QUERY reports per side and SPI (xch_kernel_set_packets()); else 0. */
enum { XCH_KPKT_MAX = 16 };
static struct {
	unsigned n;
	struct {
		enum xch_side side;
		uint32_t spi;
		uint64_t packets;
	} v[XCH_KPKT_MAX];
} kpkts;

void xch_kernel_set_packets(enum xch_side side, uint32_t spi, uint64_t packets)
{
	pthread_mutex_lock(&ksas.lock);
	unsigned i;
	for (i = 0; i < kpkts.n; i++)
		if (kpkts.v[i].side == side && kpkts.v[i].spi == spi)
			break;
	if (i < XCH_KPKT_MAX) {
		kpkts.v[i].side = side;
		kpkts.v[i].spi = spi;
		kpkts.v[i].packets = packets;
		if (i == kpkts.n)
			kpkts.n++;
	}
	pthread_mutex_unlock(&ksas.lock);
}

/* The SA_ADD of this SPI a side's kernel refuses (xch_kernel_fail_add()); 0: none. */
static uint32_t kfail_spi[2];

void xch_kernel_fail_add(enum xch_side side, uint32_t spi)
{
	pthread_mutex_lock(&ksas.lock);
	kfail_spi[side] = spi;
	pthread_mutex_unlock(&ksas.lock);
}

static void ksa_submit(enum xch_side side, void *state, struct kernel_op **ops, size_t n)
{
	ksa_record(side, ops, n);
	kernel_backend_none.submit(state, ops, n);
	pthread_mutex_lock(&ksas.lock);
	for (size_t i = 0; i < n; i++)
		if (ops[i]->kind == KERNEL_OP_SA_ADD && kfail_spi[side] &&
		    ops[i]->sa.spi == kfail_spi[side])
			ops[i]->status = -EEXIST;
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; ops[i]->kind == KERNEL_OP_SA_QUERY && k < kpkts.n; k++)
			if (kpkts.v[k].side == side && kpkts.v[k].spi == ops[i]->sa.spi)
				ops[i]->stats.packets = kpkts.v[k].packets;
	pthread_mutex_unlock(&ksas.lock);
}

static void ksa_submit_west(void *state, struct kernel_op **ops, size_t n)
{
	ksa_submit(XCH_WEST, state, ops, n);
}

static void ksa_submit_east(void *state, struct kernel_op **ops, size_t n)
{
	ksa_submit(XCH_EAST, state, ops, n);
}

static struct kernel_backend ksa_backend[2];

const struct xch_kernel_sa *xch_kernel_sa(enum xch_side side, uint32_t spi)
{
	const struct xch_kernel_sa *found = NULL;

	pthread_mutex_lock(&ksas.lock);
	for (unsigned i = 0; i < ksas.n; i++)
		if (ksas.v[i].side == side && ksas.v[i].spi == spi)
			found = &ksas.v[i];
	pthread_mutex_unlock(&ksas.lock);
	return found;
}
static struct xch_msg rec;
static uint8_t *rxbuf;
static uint64_t conn_serial;

static void on_datagram(struct net_worker *w, struct net_rx *rx, void *ctx)
{
	ike_on_datagram(w, rx, ctx);	/* never called: the pools are not started */
}

static int psk_lookup(void *ctx, const struct ike_id *local, const struct ike_id *remote,
		      uint8_t *out, size_t cap)
{
	struct peer *p = ctx;
	const char *k = p->psk;
	size_t n;

	(void)local;
	if (p->psk_peer[0] && remote->type != IKE_ID_ANY &&
	    remote->len == strlen(p->psk_peer + 1) && p->psk_peer[0] == '@' &&
	    memcmp(remote->data, p->psk_peer + 1, remote->len) == 0)
		k = p->psk_for;
	n = strlen(k);
	if (n == 0)
		return -ENOENT;
	if (n > cap)
		return -EMSGSIZE;
	memcpy(out, k, n);
	return (int)n;
}

static struct crypto_privkey *privkey_lookup(void *ctx, const struct ike_id *local)
{
	struct peer *p = ctx;

	(void)local;
	return crypto_privkey_ref(p->key);
}

static void report(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static struct ip_addr addr_of(const char *s)
{
	struct ip_addr a;
	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0, "SIOCGIFFLAGS lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0, "SIOCSIFFLAGS lo: %s", strerror(errno));
	close(fd);
}

static void peer_init(struct peer *p, const char *name, const char *addr)
{
	struct net_worker_ops ops = { .datagram = on_datagram, .ctx = &p->d };
	struct kernel_backend *be = &ksa_backend[p == &peers[XCH_WEST] ? XCH_WEST : XCH_EAST];
	struct mailbox *mbs[2];
	struct net_iface ifc;
	struct net_iface_list want = { .v = &ifc, .n = 1 };
	int rc;

	p->name = name;
	p->addr = addr_of(addr);
	snprintf(p->psk, sizeof(p->psk), "%s", "exchange test secret");
	p->psk_peer[0] = '\0';
	p->psk_for[0] = '\0';
	p->pool = net_pool_new(1, false, &ops);
	cr_assert_not_null(p->pool);
	p->nw = net_pool_worker(p->pool, 0);
	mbs[0] = &p->nw->mb;
	cr_assert_eq(mailbox_init(&p->thief_mb), 0);
	mbs[1] = &p->thief_mb;
	cr_assert_eq(crypto_jobq_init(&p->jobq, 2, mbs), 0);
	p->jobq_ready = true;
	*be = kernel_backend_none;
	be->submit = be == &ksa_backend[XCH_WEST] ? ksa_submit_west : ksa_submit_east;
	cr_assert_eq(kernel_queue_start(&p->kq, be), 0);
	p->kq_running = true;
	cr_assert_eq(sadb_conn_table_init(&p->conns), 0);
	p->conns_ready = true;
	p->d.pool = p->pool;
	p->d.conns = &p->conns;
	p->d.jobq = &p->jobq;
	p->d.kq = &p->kq;
	p->d.ikeport = XCH_IKE_PORT;
	p->d.natikeport = XCH_NATT_PORT;
	p->d.kernel_none = true;
	p->d.psk_lookup = psk_lookup;
	p->d.privkey_lookup = privkey_lookup;
	p->d.psk_ctx = p;
	p->d.uniqueids = true;	/* pluto's default */
	/* a datagram may sit in the harness's socket for long (TSan): no cookies for that */
	p->d.cookie_queue_ms = UINT32_MAX;
	cr_assert_eq(pwcheck_init(&p->pwcheck, NULL), 0);
	p->d.pwcheck = &p->pwcheck;
	cr_assert_eq(ike_daemon_init(&p->d), 0);
	p->d_ready = true;

	memset(&ifc, 0, sizeof(ifc));
	snprintf(ifc.name, sizeof(ifc.name), "lo");
	ifc.ifindex = if_nametoindex("lo");
	ifc.addr = p->addr;
	rc = net_pool_listen(p->pool, &want, XCH_IKE_PORT, XCH_NATT_PORT, report, NULL);
	cr_assert_eq(rc, 2, "%s: listening on %s: %d (%s)", name, addr, rc,
		     rc < 0 ? strerror(-rc) : "");
	p->l = net_pool_listener_get(p->pool, &p->addr, XCH_IKE_PORT);
	p->l_natt = net_pool_listener_get(p->pool, &p->addr, XCH_NATT_PORT);
	cr_assert(p->l && p->l_natt);
}

void xch_setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s (needs root)",
		     strerror(errno));
	lo_up();
	rcu_register_thread();
	cr_assert_eq(crypto_init(), 0);
	ksas.n = 0;
	kops.n = 0;
	rec.bytes = malloc(NET_RX_SLOT);
	rec.plain = malloc(NET_RX_SLOT);
	rec.m = malloc(sizeof(*rec.m));
	rec.v1m = malloc(sizeof(*rec.v1m));
	rxbuf = malloc(NET_RX_SLOT);
	cr_assert(rec.bytes && rec.plain && rec.m && rec.v1m && rxbuf);
	/* 127.0.0.2 needs no address of its own: lo routes all of 127/8 locally. */
	peer_init(&peers[XCH_WEST], "west", "127.0.0.1");
	peer_init(&peers[XCH_EAST], "east", "127.0.0.2");
}

/* ---- running local work ---- */

/* Mail handler wrapper: counts the kernel's answers, then runs the mail as the worker would. */
static void dispatch(struct mail *m, void *ctx)
{
	struct peer *p = ctx;

	if (m->fn == kernel_op_deliver || m->fn == kernel_batch_deliver)
		p->kernel_answers++;
	m->fn(m, p->nw);
}

/* As the worker does after each wake-up: the wheel's clock is the peer's now. */
static void sync_clock(struct peer *p)
{
	timer_wheel_advance(&p->nw->timers, net_now_ms() + p->offset_ms);
}

static unsigned peer_run(struct peer *p)
{
	sync_clock(p);
	unsigned n = mailbox_drain(&p->nw->mb, dispatch, p, 256);

	/* a thief takes whole jobs off the worker's queue, as an idle worker would */
	while (p->thief && crypto_jobq_steal(&p->jobq, 1))
		n++;
	n += crypto_jobq_run_batch(&p->jobq, 0, 64);
	return n;
}

/* Kernel ops submitted (ids are handed out from 1) whose answers we have not run yet. */
static bool kernel_busy(const struct peer *p)
{
	return p->kq_running && p->kernel_answers + 1 < atomic_load(&p->kq.next_id);
}

void xch_set_resolver_hosts(enum xch_side side, const char *path)
{
	struct peer *p = &peers[side];
	struct resolver_config cfg = { .hosts_file = path, .timeout_ms = 4000 };

	cr_assert_not(p->resolver_running);
	cr_assert_eq(resolver_start(&p->resolver, &cfg), 0);
	p->resolver_running = true;
	p->d.resolver = &p->resolver;
}

void xch_set_pam_confdir(enum xch_side side, const char *dir)
{
	struct peer *p = &peers[side];

	cr_assert_eq(pwcheck_pending(&p->pwcheck), 0);
	pwcheck_stop(&p->pwcheck);
	cr_assert_eq(pwcheck_init(&p->pwcheck, dir), 0);
}

/* Names the side's resolver has not answered yet (answers are in the mailbox once 0). */
static bool resolver_busy(struct peer *p)
{
	return p->resolver_running && resolver_queued(&p->resolver) > 0;
}

unsigned xch_pump(void)
{
	uint64_t deadline = net_now_ms() + XCH_PUMP_LIMIT_MS;
	unsigned total = 0;

	for (;;) {
		/*
		 * Whether the threads are done, looked at before the run: an
		 * answer they post before this look is drained by the run, so
		 * "done and nothing run" means nothing is left anywhere.
		 */
		bool done = !kernel_busy(&peers[0]) && !kernel_busy(&peers[1]) &&
			    !resolver_busy(&peers[0]) && !resolver_busy(&peers[1]) &&
			    !pwcheck_pending(&peers[0].pwcheck) &&
			    !pwcheck_pending(&peers[1].pwcheck);
		unsigned n = peer_run(&peers[0]) + peer_run(&peers[1]);
		struct pollfd pfd[2];

		total += n;
		if (n)
			continue;
		if (done)
			return total;
		cr_assert(net_now_ms() < deadline,
			  "the kernel thread, the resolver or the password checker did not answer "
			  "in time");
		for (int i = 0; i < 2; i++)
			pfd[i] = (struct pollfd){ .fd = mailbox_fd(&peers[i].nw->mb), .events = POLLIN };
		poll(pfd, 2, 10);
	}
}

/* ---- recording ---- */

static const char *notify_name(uint16_t t)
{
	switch (t) {
	case V2N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case V2N_INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case V2N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case V2N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case V2N_INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case V2N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case V2N_NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case V2N_TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case V2N_INTERNAL_ADDRESS_FAILURE: return "INTERNAL_ADDRESS_FAILURE";
	case V2N_FAILED_CP_REQUIRED: return "FAILED_CP_REQUIRED";
	case V2N_TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case V2N_INITIAL_CONTACT: return "INITIAL_CONTACT";
	case V2N_NAT_DETECTION_SOURCE_IP: return "NAT_DETECTION_SOURCE_IP";
	case V2N_NAT_DETECTION_DESTINATION_IP: return "NAT_DETECTION_DESTINATION_IP";
	case V2N_COOKIE: return "COOKIE";
	case V2N_USE_TRANSPORT_MODE: return "USE_TRANSPORT_MODE";
	case V2N_REKEY_SA: return "REKEY_SA";
	case V2N_CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	case V2N_SET_WINDOW_SIZE: return "SET_WINDOW_SIZE";
	case V2N_SIGNATURE_HASH_ALGORITHMS: return "SIGNATURE_HASH_ALGORITHMS";
	case V2N_IKEV2_FRAGMENTATION_SUPPORTED: return "IKEV2_FRAGMENTATION_SUPPORTED";
	case V2N_REDIRECT_SUPPORTED: return "REDIRECT_SUPPORTED";
	case V2N_REDIRECT: return "REDIRECT";
	case V2N_REDIRECTED_FROM: return "REDIRECTED_FROM";
	}
	return NULL;
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n >= cap - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static void describe_one(const struct v2_payload *p, bool from_initiator, char *buf, size_t cap)
{
	const char *n;

	switch (p->type) {
	case V2_PL_SA: append(buf, cap, "SA"); break;
	case V2_PL_KE: append(buf, cap, "KE"); break;
	case V2_PL_IDI: append(buf, cap, "IDi"); break;
	case V2_PL_IDR: append(buf, cap, "IDr"); break;
	case V2_PL_CERT: append(buf, cap, "CERT"); break;
	case V2_PL_CERTREQ: append(buf, cap, "CERTREQ"); break;
	case V2_PL_AUTH: append(buf, cap, "AUTH"); break;
	case V2_PL_NONCE: append(buf, cap, from_initiator ? "Ni" : "Nr"); break;
	case V2_PL_NOTIFY:
		n = notify_name(p->u.notify.type);
		if (n)
			append(buf, cap, "N(%s)", n);
		else
			append(buf, cap, "N(%u)", p->u.notify.type);
		break;
	case V2_PL_DELETE:
		append(buf, cap, "D(%s)", p->u.del.protocol == V2_PROTO_IKE   ? "IKE"
					  : p->u.del.protocol == V2_PROTO_ESP ? "ESP"
									      : "?");
		break;
	case V2_PL_VENDOR: append(buf, cap, "V"); break;
	case V2_PL_TSI: append(buf, cap, "TSi"); break;
	case V2_PL_TSR: append(buf, cap, "TSr"); break;
	case V2_PL_SK: append(buf, cap, "SK"); break;
	case V2_PL_SKF:	/* its number and total: the decoder checked the body holds them */
		append(buf, cap, "SKF(%u/%u)", (unsigned)(p->body[0] << 8 | p->body[1]),
		       (unsigned)(p->body[2] << 8 | p->body[3]));
		break;
	case V2_PL_CP: append(buf, cap, "CP"); break;
	case V2_PL_EAP: append(buf, cap, "EAP"); break;
	default: append(buf, cap, "?%u", p->type); break;
	}
}

static void describe(void)
{
	const struct v2_msg *m = rec.m;
	/* The nonce of a request is Ni, of a response Nr, in every exchange (1.3). */
	bool from_initiator = !(rec.hdr.flags & V2_FLAG_RESPONSE);
	bool first = true;

	rec.desc[0] = '\0';
	for (unsigned i = 0; i < m->npl; i++) {
		const struct v2_payload *p = &m->pl[i];
		if (p->flags & V2_PLF_INNER)
			continue;
		if (!first)
			append(rec.desc, sizeof(rec.desc), " ");
		first = false;
		describe_one(p, from_initiator, rec.desc, sizeof(rec.desc));
		if ((p->type == V2_PL_SK || p->type == V2_PL_SKF) && rec.opened) {
			bool inner_first = true;
			append(rec.desc, sizeof(rec.desc), "{");
			for (unsigned k = 0; k < m->npl; k++) {
				if (!(m->pl[k].flags & V2_PLF_INNER))
					continue;
				if (!inner_first)
					append(rec.desc, sizeof(rec.desc), " ");
				inner_first = false;
				describe_one(&m->pl[k], from_initiator, rec.desc, sizeof(rec.desc));
			}
			append(rec.desc, sizeof(rec.desc), "}");
		}
	}
}

/* The receiver's IKE SA this message belongs to (for its keys), or NULL. */
static struct ike_sa *sa_for(struct peer *to, const struct v2_hdr *h)
{
	static const uint8_t zero[8];

	for (struct ike_sa *sa = to->d.w[0].sas; sa; sa = sa->next) {
		if (memcmp(sa->spi_i, h->spii, 8) != 0)
			continue;
		if (memcmp(sa->spi_r, zero, 8) != 0 && memcmp(sa->spi_r, h->spir, 8) != 0)
			continue;
		return sa;
	}
	return NULL;
}

/* Open the SK payload of rec.plain with the receiver's keys, as v2_open() does. */
static void try_open(struct peer *to)
{
	struct v2_msg *m = rec.m;
	struct ike_sa *sa = sa_for(to, &m->hdr);
	size_t ivlen, icvlen, ctlen;
	uint8_t *iv, *ct;
	int n;

	if (!sa || !m->has_sk || m->is_frag)
		return;
	/*
	 * A half-open responder keeps SKEYSEED until the IKE_AUTH request
	 * comes: derive its keys now, as v2_open() does when it is delivered.
	 */
	if (sa->version != 2 || v2_kex_keys_ensure(sa) < 0)
		return;
	ivlen = crypto_sk_iv_len(sa->keys->in);
	icvlen = crypto_sk_icv_len(sa->keys->in);
	if (m->sk.enc_len < ivlen + icvlen + 1)
		return;
	iv = rec.plain + m->sk.enc_off;
	ct = iv + ivlen;
	ctlen = m->sk.enc_len - ivlen - icvlen;
	n = crypto_sk_open(sa->keys->in, rec.plain, m->sk.aad_len, iv, ct, ctlen, ct + ctlen);
	if (n < 0)
		return;
	rec.opened = v2_inner_decode(m->sk.first, ct, (size_t)n, m) == 0;
}

static const char *v1_exchange_name(uint8_t x)
{
	switch (x) {
	case V1_X_MAIN: return "Main";
	case V1_X_AGGRESSIVE: return "Aggressive";
	case V1_X_INFO: return "Informational";
	case V1_X_TRANSACTION: return "Transaction";
	case V1_X_QUICK: return "Quick";
	default: return "?";
	}
}

static void describe_v1(const struct v1_msg *m, size_t from)
{
	for (size_t i = from; i < m->npl; i++) {
		char one[48];

		if (i > from)
			append(rec.desc, sizeof(rec.desc), "%s", " ");
		if (m->pl[i].type == V1_PL_N)
			snprintf(one, sizeof(one), "N(%u)", m->pl[i].u.notify.type);
		else
			snprintf(one, sizeof(one), "%s", v1_pl_name(m->pl[i].type));
		append(rec.desc, sizeof(rec.desc), "%s", one);
	}
}

/*
 * Decrypt the body of m (in buf, a copy) as the receiver's IKEv1 SA would
 * next, without changing the SA; 0 when it opened and decoded.
 */
static int xch_v1_open(struct ike_daemon *d, uint8_t *buf, size_t len, struct v1_msg *m)
{
	for (struct ike_sa *sa = d->w[0].sas; sa; sa = sa->next) {
		const struct v1_state *s = sa->v1;
		const struct v1_qm *q;
		uint8_t iv[CRYPTO_V1_BLOCK_MAX];

		if (sa->version != 1 || !s || !s->block || memcmp(sa->spi_i, m->hdr.icookie, 8) ||
		    (len - V1_HDR_SIZE) % s->block)
			continue;
		if (m->hdr.msgid == 0)
			memcpy(iv, s->iv, s->block);
		else if ((q = v1_qm_by_msgid(s, m->hdr.msgid)))
			memcpy(iv, q->iv, s->block);	/* a Quick Mode exchange's chain */
		else if (m->hdr.exchange == V1_X_TRANSACTION && s->tx_msgid == m->hdr.msgid)
			memcpy(iv, s->tx_iv, s->block);		/* a Transaction's chain */
		else if (crypto_v1_iv_msgid(s->p1.hash, s->p1_iv, s->block, m->hdr.msgid, iv) < 0)
			return -EIO;
		if (crypto_v1_cbc(s->p1.encr, s->key, s->key_len, iv, buf + V1_HDR_SIZE,
				  len - V1_HDR_SIZE, false) < 0)
			return -EIO;
		return v1_msg_decode_body(m, buf + V1_HDR_SIZE, len - V1_HDR_SIZE);
	}
	return -ENOENT;
}

/* An IKEv1 message: decoded; an encrypted body opened with the receiver's keys (xch_v1_open). */
static void record_v1(struct peer *to)
{
	struct v1_msg *m = rec.v1m;

	if (v1_msg_decode(rec.plain, rec.len, m) < 0) {
		snprintf(rec.desc, sizeof(rec.desc), "v1 garbage");
		return;
	}
	rec.decoded = true;
	snprintf(rec.desc, sizeof(rec.desc), "v1 %s: ", v1_exchange_name(m->hdr.exchange));
	if (!m->encrypted) {
		describe_v1(m, 0);
		return;
	}
	rec.sk = true;
	rec.opened = xch_v1_open(&to->d, rec.plain, rec.len, m) == 0;
	append(rec.desc, sizeof(rec.desc), "%s", rec.opened ? "E{" : "E");
	if (rec.opened) {
		describe_v1(m, 0);
		append(rec.desc, sizeof(rec.desc), "%s", "}");
	}
}

static void record(enum xch_side from, const uint8_t *msg, size_t len)
{
	rec.from = from;
	rec.to = (enum xch_side)(1 - from);
	memcpy(rec.bytes, msg, len);
	memcpy(rec.plain, msg, len);
	rec.len = len;
	rec.decoded = rec.response = rec.sk = rec.opened = false;
	memset(&rec.hdr, 0, sizeof(rec.hdr));
	rec.v1 = len > 17 && (msg[17] >> 4) == 1;
	if (rec.v1) {
		record_v1(&peers[rec.to]);
		return;
	}
	if (v2_msg_decode(rec.plain, len, rec.m) < 0) {
		snprintf(rec.desc, sizeof(rec.desc), "garbage");
		return;
	}
	rec.decoded = true;
	rec.hdr = rec.m->hdr;
	rec.response = rec.hdr.flags & V2_FLAG_RESPONSE;
	rec.sk = rec.m->has_sk;
	if (rec.sk)
		try_open(&peers[rec.to]);
	describe();
}

/* ---- the wire ---- */

void xch_set_nat(enum xch_side inside, const char *public_addr)
{
	struct peer *p = &peers[inside];
	const uint16_t ports[2] = { XCH_NAT_PORT_IKE, XCH_NAT_PORT_NATT };

	cr_assert_not(p->nat);
	cr_assert_eq(ip_addr_parse(public_addr, &p->nat_addr), 0);
	for (int i = 0; i < 2; i++) {
		p->nat_fd[i] = net_udp_open(&p->nat_addr, ports[i], false);
		cr_assert(p->nat_fd[i] >= 0, "the NAT's socket on %s:%u: %s", public_addr, ports[i],
			  strerror(-p->nat_fd[i]));
	}
	p->nat = true;
}

/*
 * One datagram waiting on to's sockets (marker stripped); its listener, or
 * NULL. Through a NAT (xch_set_nat()): what the inside side sends comes
 * from the public address and the mapped port; what is sent to those
 * reaches the inside side as if sent to its own address and port.
 */
static struct net_listener *take(enum xch_side from, struct net_dgram *d, const uint8_t **msg,
				 size_t *len)
{
	struct peer *to = &peers[1 - from];
	struct peer *src = &peers[from];
	struct net_listener *ls[2] = { to->l, to->l_natt };
	int fds[4] = { to->l->fds[0], to->l_natt->fds[0], to->nat ? to->nat_fd[0] : -1,
		       to->nat ? to->nat_fd[1] : -1 };

	for (int i = 0; i < 4; i++) {
		struct net_listener *l = ls[i % 2];

		if (fds[i] < 0)
			continue;
		memset(d, 0, sizeof(*d));
		d->buf = rxbuf;
		d->cap = NET_RX_SLOT;
		if (net_recv_batch(fds[i], d, 1) != 1)
			continue;
		cr_assert_not(d->truncated);
		cr_assert(ip_addr_eq(&d->peer, &src->addr),
			  "a datagram on %s's socket that %s did not send", to->name, src->name);
		if (i >= 2)
			d->local = to->addr;	/* the NAT's way back in */
		if (src->nat) {
			/* the NAT's way out: its address, the port mapped */
			d->peer = src->nat_addr;
			d->peer_port = d->peer_port == XCH_NATT_PORT ? XCH_NAT_PORT_NATT
								      : XCH_NAT_PORT_IKE;
		}
		*msg = d->buf;
		*len = d->len;
		if (l->natt)
			cr_assert_eq(net_natt_strip(msg, len), 0, "no non-ESP marker on port 4500");
		return l;
	}
	return NULL;
}

bool xch_pending(enum xch_side from)
{
	struct peer *to = &peers[1 - from];
	struct pollfd pfd[4] = {
		{ .fd = to->l->fds[0], .events = POLLIN },
		{ .fd = to->l_natt->fds[0], .events = POLLIN },
		{ .fd = to->nat ? to->nat_fd[0] : -1, .events = POLLIN },
		{ .fd = to->nat ? to->nat_fd[1] : -1, .events = POLLIN },
	};

	return poll(pfd, 4, 0) > 0;
}

const struct xch_msg *xch_step(enum xch_side from)
{
	const struct xch_msg *m = xch_deliver(from);

	if (m)
		xch_pump();
	return m;
}

const struct xch_msg *xch_deliver(enum xch_side from)
{
	struct peer *to = &peers[1 - from];
	struct net_dgram d;
	const uint8_t *msg;
	size_t len;
	struct net_listener *l = take(from, &d, &msg, &len);

	if (!l)
		return NULL;
	record(from, msg, len);
	/* As the worker hands it over (net/worker.c deliver()). */
	struct net_rx rx = { .msg = msg, .len = len, .d = &d, .l = l, .forwarded = false };
	sync_clock(to);
	ike_on_datagram(to->nw, &rx, &to->d);
	arena_reset(&to->nw->arena);
	return &rec;
}

const struct xch_msg *xch_drop_next(enum xch_side from)
{
	struct net_dgram d;
	const uint8_t *msg;
	size_t len;

	if (!take(from, &d, &msg, &len))
		return NULL;
	record(from, msg, len);
	return &rec;
}

unsigned xch_run_until_quiet(void)
{
	unsigned n = 0;

	xch_pump();
	for (;;) {
		bool any = false;
		for (int s = 0; s < 2; s++) {
			if (xch_step((enum xch_side)s)) {
				n++;
				any = true;
			}
		}
		if (!any)
			return n;
		cr_assert(n <= XCH_QUIET_LIMIT, "more than %d datagrams: a loop?", XCH_QUIET_LIMIT);
	}
}

void xch_send_raw(enum xch_side from, const uint8_t *buf, size_t len)
{
	struct peer *p = &peers[from];
	struct net_dgram d = {
		.buf = (uint8_t *)buf,
		.len = len,
		.peer = peers[1 - from].addr,
		.peer_port = XCH_IKE_PORT,
		.local = p->addr,
	};

	cr_assert_eq(net_worker_send(p->nw, p->l, &d), 0);
}

const struct xch_msg *xch_answer_raw(enum xch_side from, const uint8_t *buf, size_t len)
{
	xch_send_raw(from, buf, len);
	cr_assert_not_null(xch_step(from));
	return xch_drop_next(from == XCH_WEST ? XCH_EAST : XCH_WEST);
}

uint64_t xch_now(enum xch_side side)
{
	return net_now_ms() + peers[side].offset_ms;
}

void xch_advance(enum xch_side side, uint64_t ms)
{
	struct peer *p = &peers[side];

	p->offset_ms += ms;
	timer_wheel_advance(&p->nw->timers, net_now_ms() + p->offset_ms);
	xch_pump();
}

void xch_advance_to(enum xch_side side, uint64_t t)
{
	struct peer *p = &peers[side];
	uint64_t now = net_now_ms();

	if (t > now + p->offset_ms)
		p->offset_ms = t - now;
	timer_wheel_advance(&p->nw->timers, now + p->offset_ms);
	xch_pump();
}

/* ---- configuration ---- */

struct connection *xch_conn_add(enum xch_side side, const char *args)
{
	return xch_conn_add_creds(side, args, NULL);
}

struct connection *xch_conn_add_creds(enum xch_side side, const char *args,
				      const struct ike_end_creds creds[2])
{
	struct peer *p = &peers[side];
	char *copy = strdup(args), *save = NULL, *argv[64];
	int argc = 0;
	struct whack_cmd cmd;
	struct whack_target target;
	struct conn_spec spec;
	struct connection *c;
	char err[512];

	cr_assert_not_null(copy);
	argv[argc++] = (char *)"whack";
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		cr_assert(argc < 63);
		argv[argc++] = t;
	}
	argv[argc] = NULL;
	cr_assert_eq(whack_args_parse(argc, argv, &cmd, &target, err, sizeof(err)), 0, "whack %s: %s",
		     args, err);
	cr_assert_eq(whack_cmd_conn_spec(&cmd, &spec, err, sizeof(err)), 0, "whack %s: %s", args,
		     err);
	/*
	 * Fragmentation (RFC 7383) only where a test asks for it: the others
	 * see their messages whole (a certificate's IKE_AUTH would otherwise be
	 * cut at the IPv4 576-byte default) and no announcement in IKE_SA_INIT.
	 */
	if (!strstr(args, "--fragmentation"))
		spec.fragmentation = FRAG_NO;
	cr_assert_eq(ike_connection_new(&spec, ++conn_serial, &c, err, sizeof(err)), 0,
		     "connection %s: %s", args, err);
	for (int i = 0; creds && i < 2; i++) {
		c->cfg->creds[i].cert = crypto_cert_ref(creds[i].cert);
		c->cfg->creds[i].key = crypto_privkey_ref(creds[i].key);
		for (size_t k = 0; k < creds[i].nchain; k++)
			c->cfg->creds[i].chain[c->cfg->creds[i].nchain++] =
				crypto_cert_ref(creds[i].chain[k]);
	}
	cr_assert_eq(ike_connection_publish(&p->conns, c), 0);
	cr_assert(p->nconn < XCH_MAX_CONNS);
	p->conn[p->nconn++] = c;
	conn_spec_fini(&spec);
	whack_cmd_fini(&cmd);
	free(copy);
	return c;
}

void xch_conn_add_both(const char *args)
{
	xch_conn_add(XCH_WEST, args);
	xch_conn_add(XCH_EAST, args);
}

void xch_set_creds(enum xch_side side, struct crypto_trust *trust, bool crl_strict,
		   const struct ike_id *ids, struct crypto_pubkey *const *keys, size_t n)
{
	struct ike_creds *c = ike_creds_new(trust, crl_strict, n);

	cr_assert_not_null(c);
	for (size_t i = 0; i < n; i++) {
		c->pub[i].id = ids[i];
		c->pub[i].key = crypto_pubkey_ref(keys[i]);
	}
	ike_creds_publish(&peers[side].d, c);
}

void xch_set_thief(enum xch_side side, bool on)
{
	peers[side].thief = on;
}

uint64_t xch_jobs_stolen(enum xch_side side)
{
	return crypto_jobq_count_worker(&peers[side].jobq, 1, CRYPTO_JOBQ_STOLEN);
}

void xch_set_privkey(enum xch_side side, struct crypto_privkey *key)
{
	crypto_privkey_unref(peers[side].key);
	peers[side].key = crypto_privkey_ref(key);
}

void xch_set_psk(enum xch_side side, const char *psk)
{
	snprintf(peers[side].psk, sizeof(peers[side].psk), "%s", psk);
}

void xch_set_psk_for(enum xch_side side, const char *peer_id, const char *psk)
{
	cr_assert(peer_id[0] == '@', "xch_set_psk_for() takes an @name ID");
	snprintf(peers[side].psk_peer, sizeof(peers[side].psk_peer), "%s", peer_id);
	snprintf(peers[side].psk_for, sizeof(peers[side].psk_for), "%s", psk);
}

struct connection *xch_conn(enum xch_side side, const char *conn_name)
{
	struct peer *p = &peers[side];

	for (unsigned i = 0; i < p->nconn; i++)
		if (strcmp(p->conn[i]->spec->name, conn_name) == 0)
			return p->conn[i];
	cr_assert_fail("%s has no connection \"%s\"", p->name, conn_name);
	return NULL;
}

uint8_t xch_conn_end(enum xch_side side, const char *conn_name)
{
	struct peer *p = &peers[side];
	struct connection *c = xch_conn(side, conn_name);
	uint8_t end;

	if (ike_conn_host_kind(c, 0) == HOST_ADDR && ip_addr_eq(ike_conn_host(c, 0), &p->addr))
		end = 0;
	else
		end = 1;
	cr_assert(ip_addr_eq(ike_conn_host(c, end), &p->addr), "neither end of \"%s\" is %s",
		  conn_name, p->name);
	return end;
}

void xch_initiate_pr(enum xch_side side, const char *conn_name, struct ike_progress *pr)
{
	struct peer *p = &peers[side];

	cr_assert_eq(ike_cmd_initiate(&p->d, xch_conn(side, conn_name),
				      xch_conn_end(side, conn_name), p->l, &p->addr, pr),
		     0);
	xch_pump();
}

void xch_initiate(enum xch_side side, const char *conn_name)
{
	xch_initiate_pr(side, conn_name, NULL);
}

/* ---- commands of the ctl thread ---- */

struct ctl_run {
	struct ike_daemon *d;
	void (*fn)(struct ike_daemon *d, void *arg);
	void *arg;
	atomic_bool done;
};

static void *ctl_thread(void *arg)
{
	struct ctl_run *r = arg;

	rcu_register_thread();
	r->fn(r->d, r->arg);
	rcu_unregister_thread();
	atomic_store(&r->done, true);
	return NULL;
}

void xch_ctl(enum xch_side side, void (*fn)(struct ike_daemon *d, void *arg), void *arg)
{
	struct ctl_run r = { .d = &peers[side].d, .fn = fn, .arg = arg };
	pthread_t t;
	uint64_t start = net_now_ms();

	cr_assert_eq(pthread_create(&t, NULL, ctl_thread, &r), 0);
	/* The command waits for the workers: play them until it is done. */
	while (!atomic_load(&r.done)) {
		if (!xch_pump())
			usleep(1000);
		cr_assert_lt(net_now_ms() - start, (uint64_t)XCH_PUMP_LIMIT_MS,
			     "the ctl command did not finish");
	}
	pthread_join(t, NULL);
	xch_pump();
}

/* ---- inspection ---- */

struct ike_daemon *xch_daemon(enum xch_side side)
{
	return &peers[side].d;
}

struct net_worker *xch_worker(enum xch_side side)
{
	return peers[side].nw;
}

unsigned xch_sa_count(enum xch_side side)
{
	unsigned n = 0;
	for (struct ike_sa *sa = peers[side].d.w[0].sas; sa; sa = sa->next)
		n++;
	return n;
}

struct ike_sa *xch_sa(enum xch_side side)
{
	return peers[side].d.w[0].sas;
}

size_t xch_spi_table_count(enum xch_side side)
{
	return sadb_sa_table_count(&peers[side].d.sas);
}

uint64_t xch_counter(enum xch_side side, enum ike_counter c)
{
	return counters_get(peers[side].d.ctr, 0, c);
}

uint8_t *xch_msg_copy(const struct xch_msg *m)
{
	uint8_t *b = malloc(m->len);
	cr_assert_not_null(b);
	memcpy(b, m->bytes, m->len);
	return b;
}

const struct v2_payload *xch_msg_payload(const struct xch_msg *m, uint8_t type)
{
	int i;

	if (!m->decoded)
		return NULL;
	i = v2_msg_find(m->m, type, 0);
	return i >= 0 ? &m->m->pl[i] : NULL;
}

/* ---- teardown ---- */

static void drain_all(void)
{
	for (int i = 0; i < 2; i++)
		if (peers[i].pool)
			while (mailbox_drain(&peers[i].nw->mb, dispatch, &peers[i], 1024) > 0)
				;
}

void xch_teardown(void)
{
	/* pluto_free()'s order: kernel thread done, pools stopped, engine, pools, the rest. */
	for (int i = 0; i < 2; i++) {
		struct peer *p = &peers[i];
		if (p->resolver_running) {
			resolver_stop(&p->resolver);
			p->resolver_running = false;
		}
		pwcheck_stop(&p->pwcheck);
		if (p->kq_running) {
			kernel_queue_stop(&p->kq, KERNEL_STOP_DRAIN);
			p->kq_running = false;
		}
	}
	drain_all();
	for (int i = 0; i < 2; i++) {
		struct peer *p = &peers[i];
		if (p->l)
			net_listener_unref(p->l);
		if (p->l_natt)
			net_listener_unref(p->l_natt);
		p->l = p->l_natt = NULL;
		if (p->nat) {
			close(p->nat_fd[0]);
			close(p->nat_fd[1]);
			p->nat = false;
		}
		if (p->pool)
			net_pool_stop(p->pool);
	}
	for (int i = 0; i < 2; i++)
		if (peers[i].d_ready)
			ike_daemon_fini(&peers[i].d);
	drain_all();
	for (int i = 0; i < 2; i++) {
		struct peer *p = &peers[i];
		net_pool_free(p->pool);
		p->pool = NULL;
		if (p->jobq_ready) {
			crypto_jobq_fini(&p->jobq);
			mailbox_fini(&p->thief_mb);
		}
		for (unsigned k = 0; k < p->nconn; k++) {
			if (ike_connection_unpublish(&p->conns, p->conn[k]) == 0)
				ike_connection_unref(p->conn[k]);
		}
		p->nconn = 0;
	}
	rcu_barrier();
	for (int i = 0; i < 2; i++) {
		crypto_privkey_unref(peers[i].key);
		peers[i].key = NULL;
	}
	for (int i = 0; i < 2; i++)
		if (peers[i].conns_ready)
			sadb_conn_table_fini(&peers[i].conns);
	free(rec.bytes);
	free(rec.plain);
	free(rec.m);
	free(rec.v1m);
	free(rxbuf);
	rcu_unregister_thread();
}
