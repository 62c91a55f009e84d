/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_dispatch: datagrams per second through receive (recvmmsg), steer
 * (the reuseport BPF program and the owner check), dispatch and a null
 * handler, with 1 and 2 workers, and the ratio between them. Also the
 * workers' CPU time per datagram, which is what a noisy shared machine
 * measures best. A sender thread blasts IKE_SA_INIT-shaped headers at
 * 127.0.0.1 with sendmmsg from 32 source ports.
 *
 *   bench_dispatch [seconds per run, default 3]
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "net/worker.h"

static atomic_bool sending;

struct sender {
	uint16_t port;
	uint64_t sent;
};

static void *send_main(void *arg)
{
	struct sender *s = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	enum { BATCH = 32, PORTS = 32 };
	uint8_t pkt[BATCH][28];
	struct iovec iov[BATCH];
	struct mmsghdr mm[BATCH];
	int fds[PORTS];

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	for (int i = 0; i < PORTS; i++)
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = pkt[i], .iov_len = 28 };
		mm[i].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = sizeof(to),
						 .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	for (uint64_t round = 0; atomic_load(&sending); round++) {
		for (int i = 0; i < BATCH; i++) {
			memset(pkt[i], 0, 28);
			uint64_t r = round * BATCH + (uint64_t)i;
			memcpy(pkt[i], &r, 8);	/* distinct initiator SPIs spread over workers */
			pkt[i][0] |= 1;
			pkt[i][17] = 0x20;
			pkt[i][18] = 34;
			pkt[i][19] = 0x08;
			pkt[i][27] = 28;
		}
		int n = sendmmsg(fds[round % PORTS], mm, BATCH, 0);
		if (n > 0)
			s->sent += (uint64_t)n;
	}
	for (int i = 0; i < PORTS; i++)
		close(fds[i]);
	return NULL;
}

static void null_handler(struct net_worker *w, struct net_rx *rx, void *ctx)
{
}

static void quiet(void *ctx, const char *line)
{
}

static double thread_cpu(pthread_t t)
{
	clockid_t cid;
	struct timespec ts;
	if (pthread_getcpuclockid(t, &cid) || clock_gettime(cid, &ts))
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	double per_sec, cpu_us_per_dgram, loss;
};

static int run(unsigned nworkers, double seconds, struct result *r)
{
	struct net_worker_ops ops = { .datagram = null_handler };
	struct net_pool *pool = net_pool_new(nworkers, true, &ops);
	struct net_iface lo = { .name = "lo" };
	struct net_iface_list want = { .v = &lo, .n = 1 };
	struct sender s = { 0 };
	pthread_t st;
	uint16_t port = 0;
	double cpu0 = 0, cpu1 = 0;

	if (!pool || net_pool_start(pool) < 0)
		return -1;
	inet_pton(AF_INET, "127.0.0.1", &lo.addr.v4);
	lo.addr.af = AF_INET;
	for (int tries = 0; tries < 20 && !port; tries++) {
		uint16_t p;
		if (getrandom(&p, sizeof(p), 0) != sizeof(p))
			p = (uint16_t)tries;
		p = (uint16_t)(30000 + p % 30000);
		if (net_pool_listen(pool, &want, p, 0, quiet, NULL) == 1)
			port = p;
	}
	if (!port)
		return -1;
	net_pool_set_bufsize(pool, 8 << 20);

	s.port = port;
	atomic_store(&sending, true);
	pthread_create(&st, NULL, send_main, &s);
	usleep(200000);	/* warm up */
	struct counters *ctr = net_pool_counters(pool);
	uint64_t h0 = counters_sum(ctr, NWC_HANDLED);
	uint64_t sent0 = s.sent;
	for (unsigned i = 0; i < nworkers; i++)
		cpu0 += thread_cpu(net_pool_worker(pool, i)->thread);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	usleep((useconds_t)(seconds * 1e6));
	clock_gettime(CLOCK_MONOTONIC, &b);
	uint64_t h1 = counters_sum(ctr, NWC_HANDLED);
	uint64_t sent1 = s.sent;
	for (unsigned i = 0; i < nworkers; i++)
		cpu1 += thread_cpu(net_pool_worker(pool, i)->thread);
	atomic_store(&sending, false);
	pthread_join(st, NULL);

	double dt = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	double handled = (double)(h1 - h0);
	r->per_sec = handled / dt;
	r->cpu_us_per_dgram = handled > 0 ? (cpu1 - cpu0) * 1e6 / handled : 0;
	r->loss = sent1 > sent0 ? 1.0 - handled / (double)(sent1 - sent0) : 0;
	net_pool_free(pool);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3;
	struct result r1, r2;

	rcu_register_thread();
	if (run(1, seconds, &r1) < 0 || run(2, seconds, &r2) < 0) {
		fprintf(stderr, "bench_dispatch: could not set up the pool on 127.0.0.1\n");
		return 1;
	}
	printf("receive+steer+dispatch+null handler, %.0f s per run, 28-byte IKE headers:\n",
	       seconds);
	printf("| workers | datagrams/s | worker CPU us/datagram | sender datagrams lost |\n");
	printf("|---|---|---|---|\n");
	printf("| 1 | %.0f | %.2f | %.1f%% |\n", r1.per_sec, r1.cpu_us_per_dgram, r1.loss * 100);
	printf("| 2 | %.0f | %.2f | %.1f%% |\n", r2.per_sec, r2.cpu_us_per_dgram, r2.loss * 100);
	printf("throughput ratio 2/1 workers: %.2f; CPU per datagram ratio 2/1: %.2f\n",
	       r2.per_sec / r1.per_sec, r2.cpu_us_per_dgram / r1.cpu_us_per_dgram);
	printf("(the sender shares this machine's cores: on 2 cores it takes one, so the\n"
	       " throughput ratio is bounded by the sender; CPU per datagram is the fair figure)\n");
	rcu_unregister_thread();
	return 0;
}
