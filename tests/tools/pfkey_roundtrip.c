/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pfkey_roundtrip: the PF_KEY v2 backend against a kernel with af_key
 * (the guest, tests/kernel/): SADB_GETSPI, UPDATE (fill the larval SA),
 * ADD (one SA with only a hard lifetime, one with only a soft one),
 * SPDUPDATE, SADB_DUMP/SPDDUMP compared with what was sent, an AEAD SA
 * refused with -EOPNOTSUPP, DELETE/SPDDELETE, and nothing left.
 *
 * Runs in a private network namespace unless --here is given.
 * Exit: 0 round trip complete, 1 failure or no af_key (the reason is printed).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sadb/kernel_alg.h"
#include "sadb/kernel_pfkey.h"

#include "literals.h"

static void *be;

static struct kernel_op *
op_new(enum kernel_op_kind kind)
{
	struct kernel_op *op = calloc(1, sizeof(*op));

	if (!op)
		exit(1);
	op->kind = kind;
	return op;
}

static void run(struct kernel_op **ops, size_t n)
{
	kernel_backend_pfkey.submit(be, ops, n);
}

struct seen {
	unsigned n, matched;
	const struct kernel_sa_params *sa[2];
	const struct kernel_policy_params *pol[2];
};

static int on_sa(const struct kernel_pfkey_msg *m, void *ctx)
{
	struct seen *s = ctx;
	struct kernel_sa_params got;

	if (kernel_pfkey_decode_sa(m, &got, NULL))
		return 0;
	s->n++;
	for (int i = 0; i < 2; i++)
		if (s->sa[i] && got.spi == s->sa[i]->spi && got.encr_id == s->sa[i]->encr_id &&
		    got.integ_id == s->sa[i]->integ_id && got.reqid == s->sa[i]->reqid &&
		    got.hard_seconds == s->sa[i]->hard_seconds &&
		    got.soft_seconds == s->sa[i]->soft_seconds &&
		    ip_addr_eq(&got.dst, &s->sa[i]->dst))
			s->matched++;
	return 0;
}

static int on_policy(const struct kernel_pfkey_msg *m, void *ctx)
{
	struct seen *s = ctx;
	struct kernel_policy_params got;

	if (kernel_pfkey_decode_policy(m, &got))
		return 0;
	s->n++;
	for (int i = 0; i < 2; i++)
		if (s->pol[i] && got.dir == s->pol[i]->dir && got.proto == s->pol[i]->proto &&
		    got.priority == s->pol[i]->priority &&
		    ip_addr_eq(&got.tun_dst, &s->pol[i]->tun_dst))
			s->matched++;
	return 0;
}

static int dump(struct seen *sas, struct seen *pols)
{
	sas->n = sas->matched = pols->n = pols->matched = 0;
	if (kernel_pfkey_dump(be, SADB_DUMP, SADB_SATYPE_ESP, on_sa, sas) ||
	    kernel_pfkey_dump(be, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC, on_policy, pols)) {
		printf("FAIL: dump\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t key[36] = {7};
	struct kernel_op *spi, *sa[2], *pol[2], *aead;
	struct seen sas = {0}, pols = {0};
	int ret, rc = 1;

	if (!(argc > 1 && strcmp(argv[1], "--here") == 0) && unshare(CLONE_NEWNET) != 0) {
		perror("pfkey_roundtrip: unshare(CLONE_NEWNET) (needs root)");
		return 1;
	}
	ret = kernel_backend_pfkey.init(&be);
	if (ret) {
		printf("FAIL: no PF_KEY v2 socket (%s): this kernel lacks af_key "
		       "(CONFIG_NET_KEY); run this in the guest\n",
		       strerror(-ret));
		return 1;
	}

	spi = op_new(KERNEL_OP_SPI_ALLOC);
	spi->spi_req.src = A("192.0.2.2");
	spi->spi_req.dst = A("192.0.2.1");
	spi->spi_req.proto = IPPROTO_ESP;
	spi->spi_req.reqid = 100;
	run(&spi, 1);
	printf("GETSPI: %s, spi %#x\n", strerror(-spi->status), spi->spi);
	if (spi->status || spi->spi < KERNEL_SPI_MIN)
		goto out;

	for (int i = 0; i < 2; i++) {
		sa[i] = op_new(i ? KERNEL_OP_SA_ADD : KERNEL_OP_SA_UPDATE);
		sa[i]->sa.src = A(i ? "192.0.2.1" : "192.0.2.2");
		sa[i]->sa.dst = A(i ? "192.0.2.2" : "192.0.2.1");
		sa[i]->sa.spi = i ? 0xc0de0002 : spi->spi;
		sa[i]->sa.proto = IPPROTO_ESP;
		sa[i]->sa.mode = KERNEL_MODE_TUNNEL;
		sa[i]->sa.reqid = 100;
		sa[i]->sa.encr_id = KERNEL_ENCR_AES_CBC;
		sa[i]->sa.integ_id = KERNEL_INTEG_HMAC_SHA1_96;
		sa[i]->sa.encr_key_len = 16;
		sa[i]->sa.integ_key_len = 20;
		sa[i]->sa.replay_window = i ? 0 : 32;
		/*
		 * af_key refuses (EINVAL) an SA with only one of the hard and soft
		 * lifetimes: the inbound SA sets only a hard one, the outbound only a
		 * soft one; the encoder must send both, and the dump gives them back.
		 */
		if (i)
			sa[i]->sa.soft_seconds = 3000;
		else
			sa[i]->sa.hard_seconds = 3600;
		sa[i]->key = (uint8_t *)key;
		sa[i]->key_len = 36;
		sas.sa[i] = &sa[i]->sa;
	}
	run(sa, 2);
	printf("UPDATE in: %s\nADD out: %s\n", strerror(-sa[0]->status), strerror(-sa[1]->status));

	aead = op_new(KERNEL_OP_SA_ADD);
	aead->sa = sa[1]->sa;
	aead->sa.spi = 0xc0de0003;
	aead->sa.encr_id = KERNEL_ENCR_AES_GCM_16;
	aead->sa.integ_id = 0;
	aead->sa.encr_key_len = 20;
	aead->sa.integ_key_len = 0;
	aead->key = (uint8_t *)key;
	aead->key_len = 20;
	run(&aead, 1);
	printf("ADD AES-GCM (must be refused): %s\n", strerror(-aead->status));

	for (int i = 0; i < 2; i++) {
		struct kernel_policy_params *p;

		pol[i] = op_new(KERNEL_OP_POLICY_ADD);
		p = &pol[i]->policy;
		p->src_sel = N(i ? "10.2.0.0/16" : "10.1.0.0/16");
		p->dst_sel = N(i ? "10.1.0.0/16" : "10.2.0.0/16");
		p->dir = i ? KERNEL_DIR_IN : KERNEL_DIR_OUT;
		p->mode = KERNEL_MODE_TUNNEL;
		p->proto = IPPROTO_ESP;
		p->tun_src = sa[i ? 0 : 1]->sa.src;
		p->tun_dst = sa[i ? 0 : 1]->sa.dst;
		p->reqid = 100;
		p->priority = 2080;
		pols.pol[i] = p;
	}
	run(pol, 2);
	printf("SPDUPDATE out: %s\nSPDUPDATE in: %s\n", strerror(-pol[0]->status),
	       strerror(-pol[1]->status));

	if (dump(&sas, &pols) == 0) {
		printf("dump: %u SAs (%u match), %u policies (%u match)\n", sas.n, sas.matched,
		       pols.n, pols.matched);
		rc = sa[0]->status || sa[1]->status || pol[0]->status || pol[1]->status ||
		     aead->status != -EOPNOTSUPP || sas.matched != 2 || pols.matched != 2;
	}

	for (int i = 0; i < 2; i++) {
		sa[i]->kind = KERNEL_OP_SA_DELETE;
		pol[i]->kind = KERNEL_OP_POLICY_DELETE;
	}
	run(pol, 2);
	run(sa, 2);
	printf("SPDDELETE: %s, %s; DELETE: %s, %s\n", strerror(-pol[0]->status),
	       strerror(-pol[1]->status), strerror(-sa[0]->status), strerror(-sa[1]->status));
	if (dump(&sas, &pols) || sas.n || pols.n) {
		printf("left behind: %u SAs, %u policies\n", sas.n, pols.n);
		rc = 1;
	}
	printf("%s\n", rc ? "FAIL" : "PASS: PF_KEY round trip");
	for (int i = 0; i < 2; i++) {
		free(sa[i]);
		free(pol[i]);
	}
	free(aead);
out:
	free(spi);
	kernel_backend_pfkey.fini(be);
	return rc;
}
