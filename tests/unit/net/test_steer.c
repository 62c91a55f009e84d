/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/steer.h"
#include "net/udp_socket.h"
#include "util/addr.h"

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A 28-byte IKE header at p, as a peer would send it. */
static void ike_hdr(uint8_t *p, uint64_t ispi, uint64_t rspi, uint8_t version, uint8_t exch,
		    uint8_t flags)
{
	memset(p, 0, 28);
	be64(p, ispi);
	be64(p + 8, rspi);
	p[16] = 33;	/* SA */
	p[17] = version;
	p[18] = exch;
	p[19] = flags;
	p[27] = 28;
}

/* The expected spread of a new SA, computed independently of steer.c. */
static unsigned hash_pick(uint64_t ispi, unsigned n)
{
	uint32_t hi = (uint32_t)(ispi >> 32), lo = (uint32_t)(ispi & 0xffffffffu);
	return (hi ^ lo) % n;
}

enum { V2 = 0x20, V1 = 0x10, I_FLAG = 0x08, R_FLAG = 0x20 };

/* The source address of the datagrams of the tests that do not send any */
static const struct ip_addr src = { .af = AF_INET, .b = { 192, 0, 2, 7 } };

Test(steer, spi_owner_is_first_wire_byte)
{
	for (unsigned owner = 0; owner < NET_MAX_WORKERS; owner += 17) {
		uint64_t spi = net_spi_make(owner, rnd());
		uint8_t wire[8];
		be64(wire, spi);
		cr_assert_eq(wire[0], owner);
		cr_assert_eq(net_spi_owner(spi), owner);
	}
	/* The random part survives except for its top byte. */
	cr_assert_eq(net_spi_make(7, 0xffffffffffffffffull), 0x07ffffffffffffffull);
	cr_assert_eq(net_spi_make(255, 0x0123456789abcdefull), 0xff23456789abcdefull);
}

Test(steer, sa_init_request_spread_by_hash)
{
	uint8_t b[64];
	unsigned hits[4] = { 0 };

	for (int i = 0; i < 2000; i++) {
		uint64_t ispi = rnd();
		ike_hdr(b, ispi, 0, V2, 34, I_FLAG);
		unsigned w = net_steer_pick(b, 28, false, 4, &src);
		cr_assert_eq(w, hash_pick(ispi, 4));
		hits[w]++;
		/* The owner byte of the peer's SPI alone does not decide. */
		cr_assert_eq(net_steer_pick(b, 28, false, 3, &src), hash_pick(ispi, 3));
	}
	for (int w = 0; w < 4; w++)
		cr_assert(hits[w] > 400, "worker %d got only %u of 2000 new SAs", w, hits[w]);

	/* A retransmission lands on the same worker. */
	ike_hdr(b, 0x1122334455667788ull, 0, V2, 34, I_FLAG);
	cr_assert_eq(net_steer_pick(b, 28, false, 5, &src), net_steer_pick(b, 28, false, 5, &src));
	cr_assert_eq(net_steer_pick(b, 28, false, 5, &src), (0x11223344u ^ 0x55667788u) % 5);
}

Test(steer, responder_spi_owner_when_initiator_flag)
{
	uint8_t b[64];

	for (unsigned n = 1; n <= NET_MAX_WORKERS; n = n * 2 + 1) {
		for (unsigned owner = 0; owner < NET_MAX_WORKERS; owner += 5) {
			/* IKE_AUTH request from the original initiator, then other flags. */
			uint64_t ispi = net_spi_make((owner + 1) % 256, rnd());
			ike_hdr(b, ispi, net_spi_make(owner, rnd()), V2, 35, I_FLAG);
			cr_assert_eq(net_steer_pick(b, 28, false, n, &src), owner % n);
			ike_hdr(b, rnd(), net_spi_make(owner, rnd()), V2, 37, I_FLAG | R_FLAG);
			cr_assert_eq(net_steer_pick(b, 28, false, n, &src), owner % n);
		}
	}
	/* Only the low byte of the rspi is non-zero: still "non-zero", owner 0. */
	ike_hdr(b, 0xabcdef0123456789ull, 1, V2, 37, I_FLAG);
	cr_assert_eq(net_steer_pick(b, 28, false, 4, &src), 0);
	/* Only the high half non-zero. */
	ike_hdr(b, 0xabcdef0123456789ull, 0x0300000000000000ull, V2, 37, I_FLAG);
	cr_assert_eq(net_steer_pick(b, 28, false, 4, &src), 3);
}

Test(steer, initiator_spi_owner_when_we_initiated)
{
	uint8_t b[64];

	for (unsigned owner = 0; owner < NET_MAX_WORKERS; owner += 3) {
		/* The responder's reply to our IKE_SA_INIT / IKE_AUTH. */
		ike_hdr(b, net_spi_make(owner, rnd()), net_spi_make(200, rnd()), V2, 35, R_FLAG);
		cr_assert_eq(net_steer_pick(b, 28, false, 8, &src), owner % 8);
		/* A request from the responder (e.g. a DPD), I clear, R clear. */
		ike_hdr(b, net_spi_make(owner, rnd()), rnd() | 1, V2, 37, 0);
		cr_assert_eq(net_steer_pick(b, 28, false, 7, &src), owner % 7);
		/* INVALID_KE / COOKIE reply: responder SPI still zero. */
		ike_hdr(b, net_spi_make(owner, rnd()), 0, V2, 34, R_FLAG);
		cr_assert_eq(net_steer_pick(b, 28, false, 6, &src), owner % 6);
	}
}

Test(steer, ikev1_cookies)
{
	uint8_t b[64];

	for (int i = 0; i < 200; i++) {
		uint64_t icky = rnd();
		unsigned owner = (unsigned)(rnd() % 256);

		/* Main Mode message 1: no responder cookie yet: the source address decides */
		ike_hdr(b, icky, 0, V1, 2, 0);
		cr_assert_eq(net_steer_pick(b, 28, false, 4, &src), net_steer_addr_hash(&src) % 4);
		/* Later messages in both directions: the responder cookie, whatever the flags. */
		ike_hdr(b, icky, net_spi_make(owner, rnd()), V1, 2, 0);
		cr_assert_eq(net_steer_pick(b, 28, false, 4, &src), owner % 4);
		ike_hdr(b, icky, net_spi_make(owner, rnd()), V1, 32, 0x01 /* E */);
		cr_assert_eq(net_steer_pick(b, 28, false, 6, &src), owner % 6);
		/* The IKEv2 I bit means nothing to IKEv1: no difference. */
		ike_hdr(b, icky, net_spi_make(owner, rnd()), V1, 5, I_FLAG);
		cr_assert_eq(net_steer_pick(b, 28, false, 6, &src), owner % 6);
	}
	/* Minor version does not matter. */
	ike_hdr(b, 1, net_spi_make(9, 0), 0x1f, 2, 0);
	cr_assert_eq(net_steer_pick(b, 28, false, 16, &src), 9);
	ike_hdr(b, net_spi_make(9, 0), net_spi_make(5, 0), 0x21, 37, 0);
	cr_assert_eq(net_steer_pick(b, 28, false, 16, &src), 9);
}

/*
 * A peer's first IKEv1 messages: by its address, whatever its cookie, so
 * that all its ISAKMP SAs (and ours towards it, ike_cmd_initiate()) are
 * on one worker; addresses spread over the workers.
 */
Test(steer, ikev1_first_message_by_source_address)
{
	uint8_t b[64], m[68] = { 0 };
	unsigned hits[4] = { 0 };
	struct ip_addr a, mapped;

	/* the hash, worked by hand: 0xc0000201 ^ >>16 = 0xc000c201, ^ >>8 = 0xc0c0c2c3 */
	cr_assert_eq(ip_addr_parse("192.0.2.1", &a), 0);
	cr_assert_eq(net_steer_addr_hash(&a), 0xc0c0c2c3u);
	/* an IPv4-mapped IPv6 address is its IPv4 address */
	mapped = (struct ip_addr){ .af = AF_INET6,
				   .b = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 } };
	cr_assert_eq(net_steer_addr_hash(&mapped), 0xc0c0c2c3u);
	/* IPv6: the four words XORed (0x20010db8 ^ 0 ^ 0 ^ 1), then mixed */
	cr_assert_eq(ip_addr_parse("2001:db8::1", &a), 0);
	uint32_t h = 0x20010db8u ^ 0x00000001u;
	h ^= h >> 16;
	h ^= h >> 8;
	cr_assert_eq(net_steer_addr_hash(&a), h);
	cr_assert_eq(net_steer_addr_hash(NULL), 0);

	for (unsigned i = 0; i < 2000; i++) {
		struct ip_addr peer = { .af = AF_INET,
					.b = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i } };
		unsigned want = net_steer_addr_hash(&peer) % 4;

		/* any initiator cookie, Main or Aggressive Mode, on either port */
		ike_hdr(b, rnd(), 0, V1, 2, 0);
		cr_assert_eq(net_steer_pick(b, 28, false, 4, &peer), want);
		ike_hdr(b, rnd(), 0, V1, 4, 0);
		cr_assert_eq(net_steer_pick(b, 28, false, 4, &peer), want);
		memcpy(m + 4, b, 28);
		cr_assert_eq(net_steer_pick(m, 32, true, 4, &peer), want);
		hits[want]++;
		/* once the responder cookie is there, it decides */
		ike_hdr(b, rnd(), net_spi_make(i % 256, rnd()), V1, 2, 0);
		cr_assert_eq(net_steer_pick(b, 28, false, 4, &peer), (i % 256) % 4);
	}
	for (int w = 0; w < 4; w++)
		cr_assert(hits[w] > 400, "worker %d got only %u of 2000 peers", w, hits[w]);
	/* IKEv2's IKE_SA_INIT still spreads by the initiator's SPI, not the address */
	ike_hdr(b, 0x1122334455667788ull, 0, V2, 34, I_FLAG);
	cr_assert_eq(net_steer_pick(b, 28, false, 5, &src), (0x11223344u ^ 0x55667788u) % 5);
}

Test(steer, natt_marker_keepalive_and_runts)
{
	uint8_t b[64], m[68] = { 0 };
	uint64_t rspi = net_spi_make(3, rnd());

	ike_hdr(b, rnd(), rspi, V2, 35, I_FLAG);
	memcpy(m + 4, b, 28);
	cr_assert_eq(net_steer_pick(m, 32, true, 4, &src), 3);
	/* The same bytes without the marker, read as NAT-T: ESP-looking, worker 0. */
	cr_assert_eq(net_steer_pick(b, 28, true, 4, &src), 0);
	/* A non-zero marker byte anywhere: not IKE. */
	for (int i = 0; i < 4; i++) {
		m[i] = 0x01;
		cr_assert_eq(net_steer_pick(m, 32, true, 4, &src), 0);
		m[i] = 0;
	}
	/* NAT keepalive. */
	uint8_t ka = 0xff;
	cr_assert_eq(net_steer_pick(&ka, 1, true, 4, &src), 0);
	cr_assert_eq(net_steer_pick(&ka, 1, false, 4, &src), 0);
	/* One byte short of a header, with and without the marker. */
	cr_assert_eq(net_steer_pick(m, 31, true, 4, &src), 0);
	cr_assert_eq(net_steer_pick(b, 27, false, 4, &src), 0);
	cr_assert_eq(net_steer_pick(b, 28, false, 4, &src), 3);
	/* Trailing bytes are not the rule's concern. */
	cr_assert_eq(net_steer_pick(m, 68, true, 4, &src), 3);
	cr_assert_eq(net_steer_pick(NULL, 0, false, 4, &src), 0);
	cr_assert_eq(net_steer_pick(m, 3, true, 4, &src), 0);
	/* One worker: always 0. */
	cr_assert_eq(net_steer_pick(m, 32, true, 1, &src), 0);
}

Test(steer, bpf_build_limits)
{
	struct sock_filter f[NET_STEER_BPF_MAX];

	cr_assert_eq(net_steer_bpf_build(0, false, f, NET_STEER_BPF_MAX), -EINVAL);
	cr_assert_eq(net_steer_bpf_build(NET_MAX_WORKERS + 1, false, f, NET_STEER_BPF_MAX),
		     -EINVAL);
	int n = net_steer_bpf_build(4, false, f, NET_STEER_BPF_MAX);
	int nn = net_steer_bpf_build(NET_MAX_WORKERS, true, f, NET_STEER_BPF_MAX);
	cr_assert(n > 0 && nn > n && nn <= NET_STEER_BPF_MAX, "n=%d nn=%d", n, nn);
	cr_assert_eq(net_steer_bpf_build(4, false, f, (size_t)n - 1), -ENOSPC);
	/* The last instruction returns: the kernel rejects a program that can fall off its end. */
	cr_assert_eq(BPF_CLASS(f[nn - 1].code), BPF_RET);
}

/*
 * What a reuseport cBPF program sees: it runs with skb->data at the UDP
 * payload (the UDP header already pulled), so BPF_LEN is the payload
 * length and absolute loads index the payload. Probe both with two
 * one-line programs on a group of 4: an index >= 4 would fall back to
 * the kernel's hash and scatter the datagrams.
 */
static int probe_group(int fds[4], uint16_t *port, const struct sock_filter *prog, size_t n)
{
	struct ip_addr lo;
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = (struct sock_filter *)prog };

	cr_assert_eq(ip_addr_parse("127.0.0.1", &lo), 0);
	cr_assert_eq(net_group_open(&lo, 0, false, 4, fds), 0);
	cr_assert_eq(net_udp_local_port(fds[0], port), 0);
	/* Replace the steering program with the probe. */
	return setsockopt(fds[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof(fp));
}

static int wait_recv_on(const int fds[], unsigned n, uint8_t *buf, size_t cap, ssize_t *len,
			int timeout_ms)
{
	struct pollfd p[NET_MAX_WORKERS];

	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	if (poll(p, n, timeout_ms) <= 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (p[i].revents & POLLIN) {
			*len = recv(fds[i], buf, cap, 0);
			return (int)i;
		}
	}
	return -1;
}

static int loopback_sender(int af)
{
	int s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(s >= 0);
	return s;
}

static void send_to(int s, const struct ip_addr *dst, uint16_t port, const void *b, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = ip_addr_to_sockaddr(dst, port, &ss);
	cr_assert_eq(sendto(s, b, len, 0, (struct sockaddr *)&ss, sl), (ssize_t)len, "sendto: %s",
		     strerror(errno));
}

Test(steer, reuseport_cbpf_sees_udp_payload)
{
	const struct sock_filter by_len[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	const struct sock_filter by_byte0[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct ip_addr lo;
	int fds[4], s = loopback_sender(AF_INET);
	uint16_t port;
	uint8_t b[64] = { 0 }, r[64];
	ssize_t len;

	ip_addr_parse("127.0.0.1", &lo);
	cr_assert_eq(probe_group(fds, &port, by_len, 2), 0);
	for (int k = 0; k < 12; k++) {
		size_t plen = 1 + k % 3;
		send_to(s, &lo, port, b, plen);
		cr_assert_eq(wait_recv_on(fds, 4, r, sizeof(r), &len, 1000), (int)plen,
			     "a %zu-byte payload: BPF_LEN is not the payload length", plen);
	}
	net_group_close(fds, 4);

	cr_assert_eq(probe_group(fds, &port, by_byte0, 2), 0);
	for (int k = 0; k < 12; k++) {
		b[0] = (uint8_t)(k % 4);
		send_to(s, &lo, port, b, 40);
		cr_assert_eq(wait_recv_on(fds, 4, r, sizeof(r), &len, 1000), k % 4,
			     "offset 0 is not the first payload byte");
	}
	net_group_close(fds, 4);
	close(s);
}

/* One crafted datagram of the agreement test; seq goes after the header. */
static size_t craft(uint8_t *b, bool natt, uint32_t seq)
{
	uint8_t *h = natt ? b + 4 : b;
	uint64_t r = rnd();
	unsigned kind = (unsigned)(r % 10), owner = (unsigned)((r >> 8) % 256);

	memset(b, 0, 4);
	switch (kind) {
	case 0:
	case 1:
	case 2:	/* IKE_SA_INIT request */
		ike_hdr(h, rnd(), 0, V2, 34, I_FLAG);
		break;
	case 3:
	case 4:	/* to us as responder */
		ike_hdr(h, rnd(), net_spi_make(owner, rnd()), V2, 35, I_FLAG);
		break;
	case 5:	/* to us as initiator */
		ike_hdr(h, net_spi_make(owner, rnd()), rnd(), V2, 37, R_FLAG);
		break;
	case 6:	/* IKEv1, both cookie states */
		ike_hdr(h, rnd(), (r >> 20) & 1 ? net_spi_make(owner, rnd()) : 0, V1, 2, 0);
		break;
	case 7:	/* random flags and version */
		ike_hdr(h, rnd(), rnd() & 1 ? rnd() : 0, (uint8_t)rnd(), 36, (uint8_t)rnd());
		break;
	case 8: {	/* a runt: worker 0 (behind the marker on NAT-T, so it is delivered) */
		size_t off = natt ? 4 : 0, n = off + 2 + (size_t)(r >> 16) % 26;
		for (size_t i = off; i < n; i++)
			b[i] = (uint8_t)rnd();
		memcpy(b + off, &seq, 2);	/* unique content: runts are found by it */
		return n;
	}
	default:	/* with an SPI whose low half is zero */
		ike_hdr(h, rnd() & 0xffffffff00000000ull, 0, V2, 34, I_FLAG);
		break;
	}
	size_t off = (natt ? 4 : 0) + 28;
	memcpy(b + off, &seq, sizeof(seq));
	return off + sizeof(seq);
}

static uint32_t seq_of(const uint8_t *b, size_t len, bool natt, const uint8_t (*sent)[64],
		       const size_t *sent_len, uint32_t nsent)
{
	size_t off = (natt ? 4 : 0) + 28;

	if (len == off + 4) {
		uint32_t seq;
		memcpy(&seq, b + off, 4);
		if (seq < nsent && sent_len[seq] == len && memcmp(sent[seq], b, len) == 0)
			return seq;
	}
	/* A runt: find it by content. */
	for (uint32_t i = 0; i < nsent; i++) {
		if (sent_len[i] == len && memcmp(sent[i], b, len) == 0)
			return i;
	}
	return UINT32_MAX;
}

enum { AGREE_COUNT = 400, SENDERS = 16, CHUNK = 40 };

static uint8_t agree_sent[AGREE_COUNT][64];
static size_t agree_sent_len[AGREE_COUNT];

/* Receive what socket i holds; check each datagram is new and belongs on socket i. */
static uint32_t drain(int fd, unsigned i, bool natt, uint32_t nsent, unsigned *seen,
		      const unsigned *want, uint32_t *per_sock)
{
	uint8_t bufs[16][96];
	struct net_dgram d[16];
	int r;

	for (int k = 0; k < 16; k++)
		d[k] = (struct net_dgram){ .buf = bufs[k], .cap = 96 };
	r = net_recv_batch(fd, d, 16);
	cr_assert(r >= 0);
	for (int k = 0; k < r; k++) {
		uint32_t seq = seq_of(d[k].buf, d[k].len, natt, agree_sent, agree_sent_len, nsent);
		cr_assert(seq != UINT32_MAX, "unknown datagram on socket %u", i);
		cr_assert_eq(seen[seq], 0, "datagram %u delivered twice", seq);
		seen[seq] = 1;
		cr_assert_eq(i, want[seq], "datagram %u on socket %u, net_steer_pick says %u", seq,
			     i, want[seq]);
		per_sock[i]++;
	}
	return (uint32_t)r;
}


/*
 * Send AGREE_COUNT crafted datagrams from SENDERS sockets (IPv4: each from
 * its own loopback address) to a group
 * of n sockets and check each arrives exactly once, on the socket
 * net_steer_pick() names.
 */
static void agree(const char *addr, bool natt, unsigned n)
{
	unsigned seen[AGREE_COUNT] = { 0 }, want[AGREE_COUNT];
	struct ip_addr a;
	int fds[8], snd[SENDERS];
	struct ip_addr from[SENDERS];
	uint16_t port;
	uint32_t got = 0, per_sock[8] = { 0 };

	cr_assert_eq(ip_addr_parse(addr, &a), 0);
	cr_assert_eq(net_group_open(&a, 0, natt, n, fds), 0, "group on %s", addr);
	cr_assert_eq(net_udp_local_port(fds[0], &port), 0);
	/* IPv4 from 16 loopback addresses (a first IKEv1 message goes by its source) */
	for (int i = 0; i < SENDERS; i++) {
		struct sockaddr_storage ss;
		char f[32];

		snprintf(f, sizeof(f), a.af == AF_INET ? "127.0.0.%d" : "::1", 1 + 3 * i);
		cr_assert_eq(ip_addr_parse(f, &from[i]), 0);
		snd[i] = loopback_sender(a.af);
		socklen_t sl = ip_addr_to_sockaddr(&from[i], 0, &ss);
		cr_assert_eq(bind(snd[i], (struct sockaddr *)&ss, sl), 0, "bind %s: %s", f,
			     strerror(errno));
	}

	for (uint32_t base = 0; base < AGREE_COUNT; base += CHUNK) {
		uint32_t end = base + CHUNK < AGREE_COUNT ? base + CHUNK : AGREE_COUNT;
		for (uint32_t i = base; i < end; i++) {
			uint8_t *b = agree_sent[i];
			agree_sent_len[i] = craft(b, natt, i);
			want[i] = net_steer_pick(b, agree_sent_len[i], natt, n, &from[i % SENDERS]);
			send_to(snd[i % SENDERS], &a, port, b, agree_sent_len[i]);
		}
		/* Drain this chunk before sending more, so no socket buffer overflows. */
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (got < end) {
			struct pollfd p[8];
			for (unsigned i = 0; i < n; i++)
				p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
			clock_gettime(CLOCK_MONOTONIC, &t1);
			cr_assert(t1.tv_sec - t0.tv_sec < 3, "only %u of %u datagrams arrived", got,
				  end);
			if (poll(p, n, 100) <= 0)
				continue;
			for (unsigned i = 0; i < n; i++)
				got += drain(fds[i], i, natt, end, seen, want, per_sock);
		}
	}
	/* The spread really used every socket. */
	for (unsigned i = 0; i < n; i++)
		cr_assert(per_sock[i] > AGREE_COUNT / (4 * n), "socket %u got %u", i, per_sock[i]);
	for (int i = 0; i < SENDERS; i++)
		close(snd[i]);
	net_group_close(fds, n);
}

Test(steer, bpf_agrees_v4_2)
{
	agree("127.0.0.1", false, 2);
}

Test(steer, bpf_agrees_v4_4)
{
	agree("127.0.0.1", false, 4);
}

Test(steer, bpf_agrees_v4_natt_4)
{
	agree("127.0.0.1", true, 4);
}

Test(steer, bpf_agrees_v4_natt_3)
{
	agree("127.0.0.1", true, 3);
}

Test(steer, bpf_agrees_v6_4)
{
	agree("::1", false, 4);
}

Test(steer, bpf_agrees_v6_natt_2)
{
	agree("::1", true, 2);
}

/*
 * What UDP_ENCAP_ESPINUDP leaves to user space on the NAT-T port: IKE
 * behind the zero marker yes; ESP (non-zero first word, longer than an
 * ESP header) and the 1-byte keepalive no - the kernel consumes them.
 */
static void natt_kernel_filter(const char *addr)
{
	struct ip_addr a;
	int fds[2], s;
	uint16_t port;
	uint8_t esp[64], ike[36] = { 0 }, r[128];
	uint8_t ka = 0xff;
	ssize_t len;

	cr_assert_eq(ip_addr_parse(addr, &a), 0);
	cr_assert_eq(net_group_open(&a, 0, true, 2, fds), 0);
	cr_assert_eq(net_udp_local_port(fds[0], &port), 0);
	s = loopback_sender(a.af);

	for (size_t i = 0; i < sizeof(esp); i++)
		esp[i] = (uint8_t)(0x11 + i);
	send_to(s, &a, port, esp, sizeof(esp));
	send_to(s, &a, port, &ka, 1);
	ike_hdr(ike + 4, 0x0102030405060708ull, 0, V2, 34, I_FLAG);
	send_to(s, &a, port, ike, sizeof(ike));

	/* Only the IKE message arrives, marker intact; nothing else follows it. */
	int w = wait_recv_on(fds, 2, r, sizeof(r), &len, 1000);
	cr_assert_eq(w, (int)net_steer_pick(ike, sizeof(ike), true, 2, &src));
	cr_assert_eq(len, (ssize_t)sizeof(ike));
	cr_assert_eq(memcmp(r, ike, sizeof(ike)), 0);
	cr_assert_eq(wait_recv_on(fds, 2, r, sizeof(r), &len, 200), -1,
		     "ESP or keepalive delivered");

	/* Up to 8 bytes are too short for ESP: the kernel passes them up, to worker 0. */
	send_to(s, &a, port, esp, 8);
	cr_assert_eq(wait_recv_on(fds, 2, r, sizeof(r), &len, 1000), 0);
	cr_assert_eq(len, 8);
	close(s);
	net_group_close(fds, 2);
}

Test(steer, natt_kernel_consumes_esp_and_keepalive_v4)
{
	natt_kernel_filter("127.0.0.1");
}

Test(steer, natt_kernel_consumes_esp_and_keepalive_v6)
{
	natt_kernel_filter("::1");
}

/*
 * Closing a member moves the last member into its slot (why a group is
 * rebuilt whole, docs/steering.md): with a "return byte 0" probe, index
 * 0's datagrams go to the old member 2 once member 0 is closed.
 */
Test(steer, closing_a_member_moves_the_last_one)
{
	const struct sock_filter by_byte0[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct ip_addr lo;
	int fds[4], s = loopback_sender(AF_INET);
	uint16_t port;
	uint8_t b[8] = { 0 }, r[8];
	ssize_t len;

	ip_addr_parse("127.0.0.1", &lo);
	cr_assert_eq(probe_group(fds, &port, by_byte0, 2), 0);
	close(fds[0]);
	fds[0] = -1;
	send_to(s, &lo, port, b, sizeof(b));
	cr_assert_eq(wait_recv_on(fds, 4, r, sizeof(r), &len, 1000), 3);
	b[0] = 1;
	send_to(s, &lo, port, b, sizeof(b));
	cr_assert_eq(wait_recv_on(fds, 4, r, sizeof(r), &len, 1000), 1);
	close(s);
	net_group_close(fds, 4);
}
