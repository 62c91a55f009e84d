/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The XFRM backend against the running kernel, each test in a private
 * network namespace (Criterion forks one process per test, and each
 * process unshares its own), so the host's XFRM state is never touched.
 * Needs root (CAP_NET_ADMIN) and CONFIG_XFRM_USER; ESP itself is optional:
 * on a kernel without it an ESP SA add must fail cleanly.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netlink/msg.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sadb/kernel_alg.h"
#include "sadb/kernel_xfrm.h"

static void *be;

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
}

static void setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s (needs root)",
		     strerror(errno));
	sh("ip link set lo up");
	cr_assert_eq(kernel_backend_xfrm.init(&be), 0);
}

static void teardown(void)
{
	kernel_backend_xfrm.fini(be);
	be = NULL;
}

TestSuite(kernel_xfrm, .init = setup, .fini = teardown);

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;

	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

static struct ip_subnet subnet(const char *s)
{
	struct ip_subnet n;

	cr_assert_eq(ip_subnet_parse(s, &n), 0, "%s", s);
	return n;
}

static struct kernel_op *op_new(enum kernel_op_kind kind)
{
	struct kernel_op *op = calloc(1, sizeof(*op));

	cr_assert_not_null(op);
	op->kind = kind;
	op->status = 1; /* the backend must overwrite it */
	return op;
}

static void run1(struct kernel_op *op)
{
	kernel_backend_xfrm.submit(be, &op, 1);
}

static struct kernel_op *policy_op(enum kernel_op_kind kind, const char *src, const char *dst,
				   uint8_t dir, uint32_t reqid, uint32_t prio)
{
	struct kernel_op *op = op_new(kind);
	struct kernel_policy_params *p = &op->policy;

	p->src_sel = subnet(src);
	p->dst_sel = subnet(dst);
	p->dir = dir;
	p->mode = KERNEL_MODE_TUNNEL;
	p->proto = IPPROTO_ESP;
	p->tun_src = addr(dir == KERNEL_DIR_OUT ? "192.0.2.1" : "192.0.2.2");
	p->tun_dst = addr(dir == KERNEL_DIR_OUT ? "192.0.2.2" : "192.0.2.1");
	p->reqid = reqid;
	p->priority = prio;
	return op;
}

/* Dumps collected into arrays. */
struct policies {
	size_t n;
	struct kernel_policy_params p[64];
};

static int add_policy(const struct nlmsghdr *h, void *ctx)
{
	struct policies *ps = ctx;

	cr_assert_lt(ps->n, 64);
	cr_assert_eq(kernel_xfrm_decode_policy(h, &ps->p[ps->n], NULL), 0);
	ps->n++;
	return 0;
}

static void dump_policies(struct policies *ps)
{
	memset(ps, 0, sizeof(*ps));
	cr_assert_eq(kernel_xfrm_dump(be, XFRM_MSG_GETPOLICY, add_policy, ps), 0);
}

struct sas {
	size_t n;
	struct kernel_sa_params sa[64];
};

static int add_sa(const struct nlmsghdr *h, void *ctx)
{
	struct sas *s = ctx;

	cr_assert_lt(s->n, 64);
	cr_assert_eq(kernel_xfrm_decode_sa(h, &s->sa[s->n], NULL), 0);
	s->n++;
	return 0;
}

static void dump_sas(struct sas *s)
{
	memset(s, 0, sizeof(*s));
	cr_assert_eq(kernel_xfrm_dump(be, XFRM_MSG_GETSA, add_sa, s), 0);
}

static const struct kernel_policy_params *find_policy(const struct policies *ps,
						      const struct kernel_policy_params *want)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct kernel_policy_params *p = &ps->p[i];

		if (p->dir == want->dir && ip_addr_eq(&p->src_sel.addr, &want->src_sel.addr) &&
		    ip_addr_eq(&p->dst_sel.addr, &want->dst_sel.addr) &&
		    p->src_sel.prefix == want->src_sel.prefix &&
		    p->dst_sel.prefix == want->dst_sel.prefix && p->mark.value == want->mark.value)
			return p;
	}
	return NULL;
}

static struct kernel_op *spi_op(uint32_t min, uint32_t max)
{
	struct kernel_op *op = op_new(KERNEL_OP_SPI_ALLOC);

	op->spi_req.src = addr("192.0.2.2");
	op->spi_req.dst = addr("192.0.2.1");
	op->spi_req.proto = IPPROTO_ESP;
	op->spi_req.spi_min = min;
	op->spi_req.spi_max = max;
	op->spi_req.reqid = KERNEL_XFRM_REQID_MIN + 1;
	return op;
}

Test(kernel_xfrm, spi_alloc_range_unique)
{
	struct kernel_op *ops[32];
	uint32_t seen[32];

	/* a range that starts inside the reserved 0..0xFFF is clamped to 0x1000 */
	for (int i = 0; i < 32; i++)
		ops[i] = spi_op(i < 16 ? 0x100 : 0, i < 16 ? 0x10ff : 0);
	kernel_backend_xfrm.submit(be, ops, 32);
	for (int i = 0; i < 32; i++) {
		cr_assert_eq(ops[i]->status, 0, "op %d: %d", i, ops[i]->status);
		cr_assert_geq(ops[i]->spi, KERNEL_SPI_MIN, "SPI %#x below 0x1000", ops[i]->spi);
		if (i < 16)
			cr_assert_leq(ops[i]->spi, 0x10ff);
		for (int j = 0; j < i; j++)
			cr_assert_neq(seen[j], ops[i]->spi, "SPI %#x handed out twice", seen[j]);
		seen[i] = ops[i]->spi;
		free(ops[i]);
	}
	/* a range entirely below 0x1000 is refused, never handed out */
	ops[0] = spi_op(0x100, 0x200);
	run1(ops[0]);
	cr_assert_eq(ops[0]->status, -EINVAL);
	free(ops[0]);
}

Test(kernel_xfrm, policy_add_dump_delete)
{
	struct kernel_op *ops[3];
	struct policies ps;
	uint8_t dirs[3] = {KERNEL_DIR_OUT, KERNEL_DIR_IN, KERNEL_DIR_FWD};

	for (int i = 0; i < 3; i++) {
		bool out = dirs[i] == KERNEL_DIR_OUT;

		ops[i] = policy_op(KERNEL_OP_POLICY_ADD, out ? "10.1.0.0/16" : "10.2.0.0/16",
				   out ? "10.2.0.0/16" : "10.1.0.0/16", dirs[i], 16388, 1000 + i);
		ops[i]->policy.mark = (struct kernel_mark){0x42, 0xff};
		ops[i]->policy.sel_proto = IPPROTO_TCP;
		ops[i]->policy.sel_dport = out ? 443 : 0;
		ops[i]->policy.sel_sport = out ? 0 : 443;
	}
	kernel_backend_xfrm.submit(be, ops, 3);
	dump_policies(&ps);
	cr_assert_eq(ps.n, 3);
	for (int i = 0; i < 3; i++) {
		const struct kernel_policy_params *w = &ops[i]->policy;
		const struct kernel_policy_params *g;

		cr_assert_eq(ops[i]->status, 0, "add %d: %s", i, strerror(-ops[i]->status));
		g = find_policy(&ps, w);
		cr_assert_not_null(g, "policy %d not dumped back", i);
		cr_assert_eq(g->priority, w->priority);
		cr_assert_eq(g->action, KERNEL_POLICY_IPSEC);
		cr_assert_eq(g->proto, IPPROTO_ESP);
		cr_assert_eq(g->mode, KERNEL_MODE_TUNNEL);
		cr_assert_eq(g->reqid, 16388);
		cr_assert(ip_addr_eq(&g->tun_src, &w->tun_src));
		cr_assert(ip_addr_eq(&g->tun_dst, &w->tun_dst));
		cr_assert_eq(g->mark.value, 0x42);
		cr_assert_eq(g->mark.mask, 0xff);
		cr_assert_eq(g->sel_proto, IPPROTO_TCP);
		cr_assert_eq(g->sel_sport, w->sel_sport);
		cr_assert_eq(g->sel_dport, w->sel_dport);
		ops[i]->kind = KERNEL_OP_POLICY_DELETE;
	}
	kernel_backend_xfrm.submit(be, ops, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(ops[i]->status, 0, "delete %d: %s", i, strerror(-ops[i]->status));
		free(ops[i]);
	}
	dump_policies(&ps);
	cr_assert_eq(ps.n, 0);
}

Test(kernel_xfrm, ipcomp_transport_policy)
{
	struct kernel_op *op = policy_op(KERNEL_OP_POLICY_ADD, "192.0.2.1/32", "192.0.2.2/32",
					 KERNEL_DIR_OUT, 16400, 5);
	struct policies ps;

	op->policy.mode = KERNEL_MODE_TRANSPORT;
	op->policy.ipcomp = true;
	run1(op);
	cr_assert_eq(op->status, 0, "%s", strerror(-op->status));
	dump_policies(&ps);
	cr_assert_eq(ps.n, 1);
	cr_assert(ps.p[0].ipcomp);
	cr_assert_eq(ps.p[0].proto, IPPROTO_ESP);
	cr_assert_eq(ps.p[0].mode, KERNEL_MODE_TRANSPORT);
	free(op);
}

Test(kernel_xfrm, shunt_policies)
{
	struct kernel_op *pass = policy_op(KERNEL_OP_POLICY_ADD, "10.9.0.0/24", "10.8.0.0/24",
					   KERNEL_DIR_OUT, 0, 100);
	struct kernel_op *drop = policy_op(KERNEL_OP_POLICY_ADD, "10.9.1.0/24", "10.8.1.0/24",
					   KERNEL_DIR_OUT, 0, 100);
	struct kernel_op *trap = policy_op(KERNEL_OP_POLICY_ADD, "10.9.2.0/24", "10.8.2.0/24",
					   KERNEL_DIR_OUT, 16500, 200);
	struct kernel_op *ops[3] = {pass, drop, trap};
	struct policies ps;

	pass->policy.action = KERNEL_POLICY_PASS;
	drop->policy.action = KERNEL_POLICY_BLOCK;
	trap->policy.action = KERNEL_POLICY_TRAP;
	kernel_backend_xfrm.submit(be, ops, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(ops[i]->status, 0, "%d: %s", i, strerror(-ops[i]->status));
	dump_policies(&ps);
	cr_assert_eq(ps.n, 3);
	cr_assert_eq(find_policy(&ps, &pass->policy)->action, KERNEL_POLICY_PASS);
	cr_assert_eq(find_policy(&ps, &drop->policy)->action, KERNEL_POLICY_BLOCK);
	/* a trap is an IPsec policy whose SA does not exist yet */
	cr_assert_eq(find_policy(&ps, &trap->policy)->action, KERNEL_POLICY_IPSEC);
	cr_assert_eq(find_policy(&ps, &trap->policy)->reqid, 16500);

	/* replacing the trap by %pass in place (UPDPOLICY) */
	trap->policy.action = KERNEL_POLICY_PASS;
	run1(trap);
	cr_assert_eq(trap->status, 0);
	dump_policies(&ps);
	cr_assert_eq(ps.n, 3);
	cr_assert_eq(find_policy(&ps, &trap->policy)->action, KERNEL_POLICY_PASS);
	for (int i = 0; i < 3; i++) {
		ops[i]->kind = KERNEL_OP_POLICY_DELETE;
		run1(ops[i]);
		cr_assert_eq(ops[i]->status, 0);
		free(ops[i]);
	}
	dump_policies(&ps);
	cr_assert_eq(ps.n, 0);
}

static struct kernel_op *esp_op(enum kernel_op_kind kind, uint32_t spi, bool gcm)
{
	struct kernel_op *op = op_new(kind);
	uint8_t key[36];

	memset(key, 0x5a, sizeof(key));
	op->sa.src = addr("192.0.2.2");
	op->sa.dst = addr("192.0.2.1");
	op->sa.spi = spi;
	op->sa.proto = IPPROTO_ESP;
	op->sa.mode = KERNEL_MODE_TUNNEL;
	op->sa.reqid = 16384 + 4;
	op->sa.replay_window = 128;
	op->sa.esn = true;
	op->sa.hard_seconds = 3600;
	op->sa.soft_seconds = 3000;
	op->sa.encap_sport = 4500;
	op->sa.encap_dport = 4500;
	op->sa.mark = (struct kernel_mark){7, 0xffffffff};
	op->key = malloc(sizeof(key));
	cr_assert_not_null(op->key);
	if (gcm) {
		op->sa.encr_id = KERNEL_ENCR_AES_GCM_16;
		op->sa.encr_key_len = 20;
		op->key_len = 20;
	} else {
		op->sa.encr_id = KERNEL_ENCR_AES_CBC;
		op->sa.integ_id = KERNEL_INTEG_HMAC_SHA2_256_128;
		op->sa.encr_key_len = 16;
		op->sa.integ_key_len = 32;
		op->key = realloc(op->key, 48);
		op->key_len = 48;
	}
	memset(op->key, 0x5a, op->key_len);
	return op;
}

static void op_free(struct kernel_op *op)
{
	free(op->key);
	free(op);
}

Test(kernel_xfrm, esp_sa_add_fails_cleanly_or_roundtrips)
{
	struct kernel_op *spi = spi_op(0, 0);
	struct kernel_op *ops[2];
	struct sas s;

	run1(spi);
	cr_assert_eq(spi->status, 0);
	/* fill the larval SA (UPDATE) and add a fresh one (ADD) */
	ops[0] = esp_op(KERNEL_OP_SA_UPDATE, spi->spi, true);
	ops[1] = esp_op(KERNEL_OP_SA_ADD, 0x20000, false);
	kernel_backend_xfrm.submit(be, ops, 2);
	dump_sas(&s);
	if (ops[0]->status == 0) {
		/* a kernel with ESP: check what it holds */
		cr_assert_eq(ops[1]->status, 0);
		cr_assert_eq(s.n, 2);
	} else {
		cr_log_info("ESP SA add refused by this kernel: %s", strerror(-ops[0]->status));
		cr_assert(ops[0]->status == -ENOSYS || ops[0]->status == -EPROTONOSUPPORT,
			  "update: %d", ops[0]->status);
		/* no AEAD algorithm (-ENOSYS) or no ESP at all (-EPROTONOSUPPORT) */
		cr_assert(ops[1]->status == -ENOSYS || ops[1]->status == -EPROTONOSUPPORT,
			  "add: %d", ops[1]->status);
		/* nothing keyed: at most the larval SA ALLOCSPI made, and no 0x20000 */
		for (size_t i = 0; i < s.n; i++) {
			cr_assert_neq(s.sa[i].spi, 0x20000);
			cr_assert_eq(s.sa[i].encr_id, 0, "a keyed SA was left behind");
		}
	}
	for (int i = 0; i < 2; i++) {
		ops[i]->kind = KERNEL_OP_SA_DELETE;
		run1(ops[i]);
		op_free(ops[i]);
	}
	dump_sas(&s);
	cr_assert_eq(s.n, 0, "%zu SAs left", s.n);
	free(spi);
}

Test(kernel_xfrm, batch_per_op_results)
{
	struct kernel_op *ops[48];
	size_t n = 0;

	for (int i = 0; i < 16; i++)
		ops[n++] = spi_op(0x2000, 0x2fff);
	for (int i = 0; i < 16; i++) {
		char s[32], d[32];

		snprintf(s, sizeof(s), "10.%d.0.0/16", 10 + i);
		snprintf(d, sizeof(d), "10.%d.0.0/16", 100 + i);
		ops[n++] = policy_op(KERNEL_OP_POLICY_ADD, s, d, KERNEL_DIR_OUT, 16384 + i, 10);
	}
	/* deleting what does not exist: the kernel's error, for that op only */
	for (int i = 0; i < 8; i++)
		ops[n++] = policy_op(KERNEL_OP_POLICY_DELETE, "10.250.0.0/16", "10.251.0.0/16",
				     KERNEL_DIR_IN, 0, 0);
	/* refused before the kernel: mixed families */
	ops[n] = policy_op(KERNEL_OP_POLICY_ADD, "10.1.0.0/16", "2001:db8::/32", KERNEL_DIR_OUT, 1,
			   1);
	n++;
	/* an ESP SA whose key lengths do not add up */
	ops[n] = esp_op(KERNEL_OP_SA_ADD, 0x30000, true);
	ops[n]->key_len = 3;
	n++;
	ops[n++] = spi_op(0x3000, 0x3000);
	ops[n++] = spi_op(0x3000, 0x3000); /* the same single SPI again: taken */

	kernel_backend_xfrm.submit(be, ops, n);
	for (size_t i = 0; i < 32; i++)
		cr_assert_eq(ops[i]->status, 0, "op %zu: %s", i, strerror(-ops[i]->status));
	for (size_t i = 32; i < 40; i++)
		cr_assert_eq(ops[i]->status, -ENOENT, "op %zu: %d", i, ops[i]->status);
	cr_assert_eq(ops[40]->status, -EINVAL);
	cr_assert_eq(ops[41]->status, -EINVAL);
	cr_assert_eq(ops[42]->status, 0);
	cr_assert_eq(ops[42]->spi, 0x3000);
	cr_assert_neq(ops[43]->status, 0, "one SPI handed out twice");
	for (size_t i = 0; i < n; i++)
		op_free(ops[i]);
}

struct got {
	int n;
	struct kernel_event ev;
};

static void on_event(const struct kernel_event *ev, void *ctx)
{
	struct got *g = ctx;

	if (g->n++ == 0)
		g->ev = *ev;
}

Test(kernel_xfrm, acquire_from_trap_policy)
{
	struct kernel_op *trap = policy_op(KERNEL_OP_POLICY_ADD, "10.1.0.1/32", "10.2.0.0/24",
					   KERNEL_DIR_OUT, 16600, 10);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
	struct got g = {0};
	int fd, efd = kernel_backend_xfrm.event_fd(be);

	/* lo is exempt from XFRM by default (disable_xfrm); this namespace's lo is
	 * ours */
	sh("sysctl -qw net.ipv4.conf.lo.disable_xfrm=0 && ip addr add 10.1.0.1/32 "
	   "dev lo && "
	   "ip route add 10.2.0.0/24 dev lo src 10.1.0.1");
	trap->policy.action = KERNEL_POLICY_TRAP;
	trap->policy.sel_proto = IPPROTO_UDP;
	run1(trap);
	cr_assert_eq(trap->status, 0);
	cr_assert_eq(kernel_backend_xfrm.subscribe(be, on_event, &g), 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	inet_pton(AF_INET, "10.2.0.7", &to.sin_addr);
	/* no SA: the kernel holds or drops the packet and asks us for keys */
	if (sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		cr_log_info("sendto: %s", strerror(errno));
	for (int tries = 0; tries < 20 && g.n == 0; tries++) {
		struct pollfd p = {.fd = efd, .events = POLLIN};

		if (poll(&p, 1, 100) > 0)
			kernel_backend_xfrm.event_read(be);
	}
	close(fd);
	cr_assert_geq(g.n, 1, "no ACQUIRE");
	cr_assert_eq(g.ev.kind, KERNEL_EVENT_ACQUIRE);
	cr_assert_eq(g.ev.reqid, 16600);
	cr_assert_eq(g.ev.proto, IPPROTO_ESP);
	cr_assert_eq(g.ev.dir, KERNEL_DIR_OUT);
	cr_assert(ip_addr_eq(&g.ev.src, &trap->policy.tun_src));
	cr_assert(ip_addr_eq(&g.ev.dst, &trap->policy.tun_dst));
	cr_assert_eq(g.ev.sel_proto, IPPROTO_UDP);
	cr_assert_eq(g.ev.sel_dport, 9);
	cr_assert_eq(g.ev.sel_dst.addr.af, AF_INET);
	cr_assert_neq(g.ev.policy_index, 0);
	free(trap);
}

Test(kernel_xfrm, flush_only_ours)
{
	void *other;
	struct kernel_op *mine = policy_op(KERNEL_OP_POLICY_ADD, "10.1.0.0/16", "10.2.0.0/16",
					   KERNEL_DIR_OUT, 16384 + 8, 10);
	struct kernel_op *my_pass = policy_op(KERNEL_OP_POLICY_ADD, "10.5.0.0/16", "10.6.0.0/16",
					      KERNEL_DIR_OUT, 0, 10);
	struct kernel_op *foreign = policy_op(KERNEL_OP_POLICY_ADD, "10.3.0.0/16", "10.4.0.0/16",
					      KERNEL_DIR_OUT, 5, 10);
	struct kernel_op *foreign_pass = policy_op(KERNEL_OP_POLICY_ADD, "10.7.0.0/16",
						   "10.8.0.0/16", KERNEL_DIR_OUT, 0, 10);
	struct kernel_op *my_spi = spi_op(0, 0), *foreign_spi = spi_op(0, 0);
	struct kernel_op *ops[4] = {mine, my_pass, foreign, my_spi};
	struct policies ps;
	struct sas s;

	my_pass->policy.action = KERNEL_POLICY_PASS;
	foreign_pass->policy.action = KERNEL_POLICY_PASS;
	foreign_spi->spi_req.reqid = 7;
	kernel_backend_xfrm.submit(be, ops, 4);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(ops[i]->status, 0);
	/* another daemon's (or `ip xfrm`'s) state, through another instance */
	cr_assert_eq(kernel_backend_xfrm.init(&other), 0);
	kernel_backend_xfrm.submit(other, &foreign_pass, 1);
	kernel_backend_xfrm.submit(other, &foreign_spi, 1);
	cr_assert_eq(foreign_pass->status, 0);
	cr_assert_eq(foreign_spi->status, 0);
	kernel_backend_xfrm.fini(other);

	dump_sas(&s);
	cr_assert_eq(s.n, 2, "larval SAs are dumped: %zu", s.n);
	cr_assert_eq(kernel_backend_xfrm.flush(be), 0);
	dump_policies(&ps);
	cr_assert_eq(ps.n, 2, "%zu policies left", ps.n);
	cr_assert_not_null(find_policy(&ps, &foreign->policy));
	cr_assert_not_null(find_policy(&ps, &foreign_pass->policy));
	dump_sas(&s);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.sa[0].reqid, 7);
	cr_assert_eq(s.sa[0].spi, foreign_spi->spi);
	free(mine);
	free(my_pass);
	free(foreign);
	free(foreign_pass);
	free(my_spi);
	free(foreign_spi);
}

/* No kernel needed: what we send for each algorithm, decoded back. */
static struct kernel_sa_params encode_decode(const struct kernel_op *op, int want_attr)
{
	struct kernel_sa_params got;
	struct nl_msg *m;
	struct nlmsghdr *h;
	bool seen = false;
	struct nlattr *a;
	int rem;

	cr_assert_eq(kernel_xfrm_encode(op, 9, &m), 0);
	h = nlmsg_hdr(m);
	cr_assert_eq(h->nlmsg_seq, 9);
	cr_assert(h->nlmsg_flags & NLM_F_ACK);
	nla_for_each_attr(a, nlmsg_attrdata(h, sizeof(struct xfrm_usersa_info)),
			  nlmsg_attrlen(h, sizeof(struct xfrm_usersa_info)),
			  rem) if (nla_type(a) == want_attr) seen = true;
	cr_assert(seen, "attribute %d missing", want_attr);
	h->nlmsg_type = XFRM_MSG_NEWSA;
	cr_assert_eq(kernel_xfrm_decode_sa(h, &got, NULL), 0);
	kernel_xfrm_msg_free(m);
	return got;
}

Test(kernel_xfrm_codec, algorithms_encode_decode)
{
	struct kernel_op *gcm = esp_op(KERNEL_OP_SA_ADD, 0x1234, true);
	struct kernel_op *cbc = esp_op(KERNEL_OP_SA_ADD, 0x1235, false);
	struct kernel_op *cha = esp_op(KERNEL_OP_SA_ADD, 0x1236, true);
	struct kernel_sa_params g;

	g = encode_decode(gcm, XFRMA_ALG_AEAD);
	cr_assert_eq(g.encr_id, KERNEL_ENCR_AES_GCM_16);
	cr_assert_eq(g.icv_bits, 128);
	cr_assert_eq(g.encr_key_len, 20);
	cr_assert_eq(g.spi, 0x1234);
	cr_assert(g.esn);
	cr_assert_eq(g.replay_window, 128);
	cr_assert_eq(g.encap_sport, 4500);
	cr_assert_eq(g.mark.value, 7);
	cr_assert_eq(g.hard_seconds, 3600);
	cr_assert_eq(g.mode, KERNEL_MODE_TUNNEL);

	g = encode_decode(cbc, XFRMA_ALG_AUTH_TRUNC);
	cr_assert_eq(g.encr_id, KERNEL_ENCR_AES_CBC);
	cr_assert_eq(g.integ_id, KERNEL_INTEG_HMAC_SHA2_256_128);
	cr_assert_eq(g.integ_key_len, 32);

	cha->sa.encr_id = KERNEL_ENCR_CHACHA20_POLY1305;
	cha->sa.encr_key_len = 36;
	cha->key_len = 36;
	cha->key = realloc(cha->key, 36);
	memset(cha->key, 1, 36);
	cha->sa.esn = false;
	cha->sa.replay_window = 32;
	cha->sa.mode = KERNEL_MODE_TRANSPORT;
	g = encode_decode(cha, XFRMA_ALG_AEAD);
	cr_assert_eq(g.encr_id, KERNEL_ENCR_CHACHA20_POLY1305);
	cr_assert_eq(g.replay_window, 32);
	cr_assert_not(g.esn);
	cr_assert_eq(g.sel_src.prefix, 32, "transport SA selector is the host pair");

	/* AH with SHA1-96, IPComp deflate */
	cbc->sa.proto = IPPROTO_AH;
	cbc->sa.encr_id = 0;
	cbc->sa.encr_key_len = 0;
	cbc->sa.integ_id = KERNEL_INTEG_HMAC_SHA1_96;
	cbc->sa.integ_key_len = 20;
	cbc->key_len = 20;
	cbc->sa.encap_sport = cbc->sa.encap_dport = 0;
	g = encode_decode(cbc, XFRMA_ALG_AUTH_TRUNC);
	cr_assert_eq(g.proto, IPPROTO_AH);
	cr_assert_eq(g.integ_id, KERNEL_INTEG_HMAC_SHA1_96);

	gcm->sa.proto = IPPROTO_COMP;
	gcm->sa.esn = false;
	gcm->sa.replay_window = 0;
	gcm->sa.encap_sport = gcm->sa.encap_dport = 0;
	gcm->sa.encr_id = KERNEL_IPCOMP_DEFLATE;
	gcm->sa.encr_key_len = 0;
	gcm->key_len = 0;
	g = encode_decode(gcm, XFRMA_ALG_COMP);
	cr_assert_eq(g.encr_id, KERNEL_IPCOMP_DEFLATE);

	/* an AEAD with an integrity algorithm beside it, an unknown cipher */
	cha->sa.integ_id = KERNEL_INTEG_HMAC_SHA1_96;
	{
		struct nl_msg *m;

		cr_assert_eq(kernel_xfrm_encode(cha, 1, &m), -EINVAL);
		cha->sa.integ_id = 0;
		cha->sa.encr_id = 99;
		cr_assert_eq(kernel_xfrm_encode(cha, 1, &m), -EOPNOTSUPP);
		cr_assert_null(m);
	}
	op_free(gcm);
	op_free(cbc);
	op_free(cha);
}

Test(kernel_xfrm_codec, expire_event_decode)
{
	struct {
		struct nlmsghdr h;
		struct xfrm_user_expire ex;
		uint8_t pad[8];
	} msg;
	struct kernel_event ev;

	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_len = NLMSG_LENGTH(sizeof(msg.ex));
	msg.h.nlmsg_type = XFRM_MSG_EXPIRE;
	msg.ex.state.id.spi = htonl(0xc0ffee);
	msg.ex.state.id.proto = IPPROTO_ESP;
	msg.ex.state.family = AF_INET;
	msg.ex.state.reqid = 16392;
	inet_pton(AF_INET, "192.0.2.9", &msg.ex.state.id.daddr);
	msg.ex.hard = 1;
	cr_assert_eq(kernel_xfrm_decode_event(&msg.h, &ev), 0);
	cr_assert_eq(ev.kind, KERNEL_EVENT_EXPIRE);
	cr_assert(ev.hard);
	cr_assert_eq(ev.spi, 0xc0ffee);
	cr_assert_eq(ev.reqid, 16392);
	cr_assert_eq(ev.dst.af, AF_INET);
	/* truncated: refused, nothing read beyond nlmsg_len */
	msg.h.nlmsg_len = NLMSG_LENGTH(8);
	cr_assert_eq(kernel_xfrm_decode_event(&msg.h, &ev), -EBADMSG);
	msg.h.nlmsg_type = XFRM_MSG_NEWSA;
	cr_assert_eq(kernel_xfrm_decode_event(&msg.h, &ev), -ENOENT);
}
