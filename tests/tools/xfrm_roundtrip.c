/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xfrm_roundtrip: install an ESP SA pair and their policies through the
 * kernel queue and the XFRM backend, dump them back through netlink,
 * compare, query counters, delete, and check nothing is left. For the
 * guest whose kernel has ESP (tests/kernel/); on a kernel without ESP it
 * shows the clean refusal: the failed child is rolled back (as a worker
 * does) and nothing is left installed.
 *
 * Runs in a private network namespace unless --here is given.
 * Exit: 0 round trip complete, 1 failure (the reason is printed).
 */
#include <errno.h>
#include <linux/xfrm.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sadb/kernel_alg.h"
#include "sadb/kernel_queue.h"
#include "sadb/kernel_xfrm.h"

#include "literals.h"

static struct kernel_queue kq;
static struct mailbox mb;
static unsigned answered;

static void done(struct kernel_op *op)
{
	answered++;
}

static struct kernel_op *op_new(enum kernel_op_kind kind)
{
	struct kernel_op *op = kernel_op_new(kind, &mb, done, NULL);

	if (!op) {
		fprintf(stderr, "xfrm_roundtrip: out of memory\n");
		exit(1);
	}
	return op;
}

/* Submit ops[0..n-1] and wait for every answer (the kernel thread batches
 * them). */
static void run(struct kernel_op **ops, size_t n)
{
	unsigned want = answered + (unsigned)n;

	for (size_t i = 0; i < n; i++)
		if (kernel_queue_submit(&kq, ops[i])) {
			fprintf(stderr, "xfrm_roundtrip: submit refused\n");
			exit(1);
		}
	for (int i = 0; i < 5000 && answered < want; i++) {
		struct pollfd p = {.fd = mailbox_fd(&mb), .events = POLLIN};

		poll(&p, 1, 2);
		mailbox_drain(&mb, NULL, NULL, 1024);
	}
	if (answered < want) {
		fprintf(stderr, "xfrm_roundtrip: the kernel thread did not answer\n");
		exit(1);
	}
}

struct seen {
	unsigned sas, policies, matched;
	const struct kernel_sa_params *want_sa[2];
	const struct kernel_policy_params *want_pol[3];
};

static int on_sa(const struct nlmsghdr *h, void *ctx)
{
	struct seen *s = ctx;
	struct kernel_sa_params got;

	if (kernel_xfrm_decode_sa(h, &got, NULL))
		return -EBADMSG;
	s->sas++;
	for (int i = 0; i < 2; i++) {
		const struct kernel_sa_params *w = s->want_sa[i];

		if (!w || got.spi != w->spi)
			continue;
		if (!ip_addr_eq(&got.dst, &w->dst) || got.encr_id != w->encr_id ||
		    got.integ_id != w->integ_id || got.reqid != w->reqid ||
		    got.replay_window != w->replay_window || got.esn != w->esn ||
		    got.encap_sport != w->encap_sport || got.hard_seconds != w->hard_seconds)
			printf("  MISMATCH: SA %#x dumped back differently\n", got.spi);
		else
			s->matched++;
	}
	return 0;
}

static int on_policy(const struct nlmsghdr *h, void *ctx)
{
	struct seen *s = ctx;
	struct kernel_policy_params got;

	if (kernel_xfrm_decode_policy(h, &got, NULL))
		return -EBADMSG;
	s->policies++;
	for (int i = 0; i < 3; i++) {
		const struct kernel_policy_params *w = s->want_pol[i];

		if (w && got.dir == w->dir && got.reqid == w->reqid && got.proto == w->proto &&
		    got.priority == w->priority && ip_addr_eq(&got.tun_dst, &w->tun_dst))
			s->matched++;
	}
	return 0;
}

static void dump(void *dumper, struct seen *s)
{
	s->sas = s->policies = s->matched = 0;
	if (kernel_xfrm_dump(dumper, XFRM_MSG_GETSA, on_sa, s) ||
	    kernel_xfrm_dump(dumper, XFRM_MSG_GETPOLICY, on_policy, s)) {
		fprintf(stderr, "xfrm_roundtrip: dump failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const uint8_t k20[20] = {1,  2,	3,  4,	5,  6,	7,  8,	9,  10,
					11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	static const uint8_t k32[32] = {9};
	struct kernel_op *spi, *sa[2], *pol[3], *q;
	struct seen s = {0};
	void *dumper;
	int rc = 1;

	if (!(argc > 1 && strcmp(argv[1], "--here") == 0) && unshare(CLONE_NEWNET) != 0) {
		perror("xfrm_roundtrip: unshare(CLONE_NEWNET) (needs root)");
		return 1;
	}
	if (mailbox_init(&mb) || kernel_queue_start(&kq, &kernel_backend_xfrm) ||
	    kernel_backend_xfrm.init(&dumper)) {
		fprintf(stderr, "xfrm_roundtrip: cannot start the XFRM backend\n");
		return 1;
	}

	/* 1. inbound SPI: a larval SA in the kernel */
	spi = op_new(KERNEL_OP_SPI_ALLOC);
	spi->spi_req.src = A("192.0.2.2");
	spi->spi_req.dst = A("192.0.2.1");
	spi->spi_req.proto = IPPROTO_ESP;
	spi->spi_req.reqid = 16388;
	run(&spi, 1);
	printf("SPI_ALLOC: %s, spi %#x\n", strerror(-spi->status), spi->spi);
	if (spi->status || spi->spi < KERNEL_SPI_MIN)
		goto out;

	/* 2. the SA pair: inbound AES-GCM-16 with ESN and NAT-T, outbound
	 * AES-CBC/SHA2-256 */
	sa[0] = op_new(KERNEL_OP_SA_UPDATE);
	sa[0]->sa.src = A("192.0.2.2");
	sa[0]->sa.dst = A("192.0.2.1");
	sa[0]->sa.spi = spi->spi;
	sa[0]->sa.encr_id = KERNEL_ENCR_AES_GCM_16;
	sa[0]->sa.esn = true;
	sa[0]->sa.replay_window = 128;
	sa[0]->sa.encap_sport = 4500;
	sa[0]->sa.encap_dport = 4500;
	kernel_op_set_keys(sa[0], k20, 20, NULL, 0);
	sa[1] = op_new(KERNEL_OP_SA_ADD);
	sa[1]->sa.src = A("192.0.2.1");
	sa[1]->sa.dst = A("192.0.2.2");
	sa[1]->sa.spi = 0xc0de0001;
	sa[1]->sa.encr_id = KERNEL_ENCR_AES_CBC;
	sa[1]->sa.integ_id = KERNEL_INTEG_HMAC_SHA2_256_128;
	sa[1]->sa.replay_window = 0;
	kernel_op_set_keys(sa[1], k32, 16, k32, 32);
	for (int i = 0; i < 2; i++) {
		sa[i]->sa.proto = IPPROTO_ESP;
		sa[i]->sa.mode = KERNEL_MODE_TUNNEL;
		sa[i]->sa.reqid = 16388;
		sa[i]->sa.hard_seconds = 3600;
		sa[i]->sa.soft_seconds = 3300;
		s.want_sa[i] = &sa[i]->sa;
	}
	run(sa, 2);
	printf("SA_UPDATE in:  %s\nSA_ADD out:    %s\n", strerror(-sa[0]->status),
	       strerror(-sa[1]->status));
	if (sa[0]->status || sa[1]->status) {
		int why = sa[0]->status ? sa[0]->status : sa[1]->status;

		/* what a worker does: undo the half of the child that went in */
		for (int i = 0; i < 2; i++)
			sa[i]->kind = KERNEL_OP_SA_DELETE;
		run(sa, 2);
		dump(dumper, &s);
		printf("FAIL: ESP SA install refused (%s); after rollback %u SAs, %u policies "
		       "left%s\n",
		       strerror(-why), s.sas, s.policies,
		       s.sas || s.policies ? " (NOT CLEAN)" : " (clean)");
		goto out;
	}

	/* 3. policies: out, in, fwd */
	for (int i = 0; i < 3; i++) {
		struct kernel_policy_params *p;
		bool out = i == 0;

		pol[i] = op_new(KERNEL_OP_POLICY_ADD);
		p = &pol[i]->policy;
		p->src_sel = N(out ? "10.1.0.0/16" : "10.2.0.0/16");
		p->dst_sel = N(out ? "10.2.0.0/16" : "10.1.0.0/16");
		p->dir = i == 0 ? KERNEL_DIR_OUT : i == 1 ? KERNEL_DIR_IN : KERNEL_DIR_FWD;
		p->mode = KERNEL_MODE_TUNNEL;
		p->proto = IPPROTO_ESP;
		p->tun_src = A(out ? "192.0.2.1" : "192.0.2.2");
		p->tun_dst = A(out ? "192.0.2.2" : "192.0.2.1");
		p->reqid = 16388;
		p->priority = 2080;
		s.want_pol[i] = p;
	}
	run(pol, 3);
	for (int i = 0; i < 3; i++)
		printf("POLICY_ADD %d:  %s\n", i, strerror(-pol[i]->status));

	/* 4. dump and compare */
	dump(dumper, &s);
	printf("dump: %u SAs, %u policies, %u of 5 match what was sent\n", s.sas, s.policies,
	       s.matched);
	q = op_new(KERNEL_OP_SA_QUERY);
	q->sa = sa[1]->sa;
	run(&q, 1);
	printf("SA_QUERY out:  %s (bytes %llu, packets %llu, added %llu)\n", strerror(-q->status),
	       (unsigned long long)q->stats.bytes, (unsigned long long)q->stats.packets,
	       (unsigned long long)q->stats.add_time);
	rc = s.sas == 2 && s.policies == 3 && s.matched == 5 && q->status == 0 &&
			     q->stats.add_time != 0
		     ? 0
		     : 1;
	kernel_op_free(q);

	/* 5. delete everything, check nothing is left */
	for (int i = 0; i < 3; i++)
		pol[i]->kind = KERNEL_OP_POLICY_DELETE;
	for (int i = 0; i < 2; i++)
		sa[i]->kind = KERNEL_OP_SA_DELETE;
	run(pol, 3);
	run(sa, 2);
	for (int i = 0; i < 3; i++) {
		if (pol[i]->status)
			rc = 1;
		kernel_op_free(pol[i]);
	}
	dump(dumper, &s);
	printf("after delete: %u SAs, %u policies\n", s.sas, s.policies);
	if (s.sas || s.policies)
		rc = 1;
	printf("%s\n", rc ? "FAIL" : "PASS: XFRM round trip");
out:
	if (spi->status == 0 && spi->spi >= KERNEL_SPI_MIN) {
		kernel_op_free(sa[0]);
		kernel_op_free(sa[1]);
	}
	kernel_op_free(spi);
	kernel_queue_stop(&kq, KERNEL_STOP_DRAIN);
	mailbox_drain(&mb, NULL, NULL, 1024);
	kernel_backend_xfrm.fini(dumper);
	return rc;
}
