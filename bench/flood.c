/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * skua-flood: bad IKE datagrams at a fixed rate for a bounded time, for
 * bench/flood.sh. Never waits for an answer.
 *
 *   skua-flood [-s BASE -c COUNT] ADDR PORT malformed|init RATE SECONDS [SPORTS]
 *
 * -s BASE -c COUNT: spoof the source, COUNT addresses from the IPv4 address
 * BASE on (one after another, wrapping), source port 500, through a raw
 * socket (IPPROTO_RAW: we write the IPv4 and UDP headers, UDP checksum 0,
 * which IPv4 allows); needs CAP_NET_RAW. The answers go to the spoofed
 * addresses: route them somewhere they are dropped.
 *
 * malformed: an IKEv2 header whose payload chain overruns the message (the
 * responder drops and logs it). init: a well-formed IKE_SA_INIT request
 * (SA AES_GCM_16_256/HMAC_SHA2_256/X25519, KE, Ni) with a fresh SPI each
 * time and nobody behind it to answer: every one leaves a half-open SA
 * until the responder asks for cookies. The payloads are written byte by
 * byte from RFC 7296, independently of the code under test. Prints
 * "sent N datagrams in S s". Bounded: SECONDS <= 120, RATE <= 1,000,000.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 64, MAX_SPORTS = 64, HDRS = 28 };

static size_t ke_value_off;	/* where the KE payload's public value starts */

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* One transform substructure (RFC 7296 3.3.2), with a key length attribute if keylen. */
static size_t transform(uint8_t *p, bool last, uint8_t type, uint16_t id, uint16_t keylen)
{
	size_t len = keylen ? 12 : 8;
	p[0] = last ? 0 : 3;
	p[1] = 0;
	put16(p + 2, (unsigned)len);
	p[4] = type;
	p[5] = 0;
	put16(p + 6, id);
	if (keylen) {
		put16(p + 8, 0x800e);	/* TV, Key Length */
		put16(p + 10, keylen);
	}
	return len;
}

/* The IKE_SA_INIT request: header, SA, KE (group 31), Ni. Returns its length. */
static size_t build_init(uint8_t *m)
{
	size_t n = 28, sa, prop, ke, ni;

	/* header: SPIi (filled per datagram), SPIr 0, next SA, 2.0, IKE_SA_INIT, Initiator, ID 0 */
	memset(m, 0, 28);
	m[16] = 33;
	m[17] = 0x20;
	m[18] = 34;
	m[19] = 0x08;
	/* SA payload */
	sa = n;
	m[n] = 34;	/* next: KE */
	n += 4;
	prop = n;
	m[n] = 0;	/* last proposal */
	m[n + 4] = 1;	/* number */
	m[n + 5] = 1;	/* IKE */
	m[n + 6] = 0;	/* SPI size */
	m[n + 7] = 3;	/* transforms */
	n += 8;
	n += transform(m + n, false, 1, 20, 256);	/* ENCR_AES_GCM_16, 256 */
	n += transform(m + n, false, 2, 5, 0);		/* PRF_HMAC_SHA2_256 */
	n += transform(m + n, true, 4, 31, 0);		/* DH Curve25519 */
	put16(m + prop + 2, (unsigned)(n - prop));
	put16(m + sa + 2, (unsigned)(n - sa));
	/* KE payload */
	ke = n;
	m[n] = 40;	/* next: Nonce */
	put16(m + n + 2, 8 + 32);
	put16(m + n + 4, 31);
	ke_value_off = n + 8;
	n += 8 + 32;	/* the public value: filled per datagram */
	/* Nonce */
	ni = n;
	m[n] = 0;
	put16(m + n + 2, 4 + 32);
	n += 4 + 32;
	(void)ke;
	(void)ni;
	put32(m + 24, (uint32_t)n);
	return n;
}

/* An IKEv2 IKE_SA_INIT header whose first payload claims more bytes than follow. */
static size_t build_malformed(uint8_t *m)
{
	memset(m, 0, 60);
	m[16] = 33;	/* next: SA */
	m[17] = 0x20;
	m[18] = 34;
	m[19] = 0x08;
	put32(m + 24, 60);
	put16(m + 28 + 2, 400);	/* SA payload length: past the end */
	return 60;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint8_t tmpl[256], msgs[BATCH][HDRS + 256];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	int fds[MAX_SPORTS], sports = 16, init;
	long rate, secs;
	size_t len;
	unsigned long long sent = 0;
	double start, end;
	uint32_t spoof_base = 0, spoof_count = 0, spoof_next = 0;
	size_t off = 0;	/* where the IKE message starts in a datagram we send */

	while (argc >= 3 && (strcmp(argv[1], "-s") == 0 || strcmp(argv[1], "-c") == 0)) {
		if (argv[1][1] == 's') {
			struct in_addr a;
			if (inet_pton(AF_INET, argv[2], &a) != 1) {
				fprintf(stderr, "skua-flood: -s %s: expected an IPv4 address\n",
					argv[2]);
				return 2;
			}
			spoof_base = ntohl(a.s_addr);
		} else {
			long c = atol(argv[2]);
			if (c < 1 || c > 16777216) {
				fprintf(stderr, "skua-flood: -c %s: expected 1..16777216 addresses\n",
					argv[2]);
				return 2;
			}
			spoof_count = (uint32_t)c;
		}
		argv += 2;
		argc -= 2;
	}
	if ((spoof_base != 0) != (spoof_count != 0)) {
		fprintf(stderr, "skua-flood: -s and -c go together\n");
		return 2;
	}
	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: skua-flood [-s BASE -c COUNT] ADDR PORT malformed|init "
			"RATE SECONDS [SPORTS]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "skua-flood: %s: expected an IPv4 address\n", argv[1]);
		return 2;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	init = strcmp(argv[3], "init") == 0;
	if (!init && strcmp(argv[3], "malformed") != 0) {
		fprintf(stderr, "skua-flood: %s: expected malformed or init\n", argv[3]);
		return 2;
	}
	rate = atol(argv[4]);
	secs = atol(argv[5]);
	if (argc == 7)
		sports = atoi(argv[6]);
	if (rate < 1 || rate > 1000000 || secs < 1 || secs > 120 || sports < 1 ||
	    sports > MAX_SPORTS) {
		fprintf(stderr, "skua-flood: RATE 1..1000000, SECONDS 1..120, SPORTS 1..%d\n",
			MAX_SPORTS);
		return 2;
	}
	if (spoof_count)
		sports = 1;	/* one raw socket: the source port is ours to write */
	for (int i = 0; i < sports; i++) {
		if (spoof_count)
			fds[i] = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_RAW);
		else
			fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("skua-flood: socket");
			return 1;
		}
	}
	len = init ? build_init(tmpl) : build_malformed(tmpl);
	if (spoof_count)
		off = HDRS;
	for (int i = 0; i < BATCH; i++) {
		memset(msgs[i], 0, off);
		memcpy(msgs[i] + off, tmpl, len);
		if (spoof_count) {
			/* IPv4 header (the kernel fills the checksum and the ID) and UDP header */
			struct iphdr *ip = (struct iphdr *)msgs[i];
			struct udphdr *udp = (struct udphdr *)(msgs[i] + sizeof(*ip));
			ip->version = 4;
			ip->ihl = 5;
			ip->ttl = 64;
			ip->protocol = IPPROTO_UDP;
			ip->tot_len = htons((uint16_t)(HDRS + len));
			ip->daddr = dst.sin_addr.s_addr;
			udp->source = htons(500);
			udp->dest = dst.sin_port;
			udp->len = htons((uint16_t)(8 + len));
			udp->check = 0;
		}
		iov[i].iov_base = msgs[i];
		iov[i].iov_len = off + len;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	start = now_s();
	end = start + (double)secs;
	for (unsigned long long batch = 0;; batch++) {
		double t = now_s();
		double due = (double)sent / (double)rate;	/* when the next one is due */
		int n = BATCH, k;
		if (t >= end)
			break;
		if (t - start < due) {
			struct timespec ts = { 0, (long)((due - (t - start)) * 1e9) };
			nanosleep(&ts, NULL);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uint8_t r[40];
			if (getrandom(r, sizeof(r), 0) != sizeof(r))
				memset(r, (int)(sent + (unsigned)i), sizeof(r));
			memcpy(msgs[i] + off, r, 8);	/* SPIi */
			if (init)
				memcpy(msgs[i] + off + ke_value_off, r + 8, 32);
			if (spoof_count) {
				struct iphdr *ip = (struct iphdr *)msgs[i];
				ip->saddr = htonl(spoof_base + spoof_next);
				spoof_next = (spoof_next + 1) % spoof_count;
			}
		}
		k = sendmmsg(fds[batch % (unsigned)sports], mm, (unsigned)n, 0);
		if (k > 0)
			sent += (unsigned)k;
		else if (errno != EAGAIN && errno != ENOBUFS)
			break;
	}
	printf("sent %llu datagrams in %.1f s\n", sent, now_s() - start);
	for (int i = 0; i < sports; i++)
		close(fds[i]);
	return 0;
}
