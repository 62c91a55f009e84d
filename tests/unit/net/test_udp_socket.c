/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/udp_socket.h"
#include "util/addr.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	cr_assert_eq(ip_addr_parse(s, &a), 0, "%s", s);
	return a;
}

static int open_or_die(const char *a, uint16_t port, bool natt, uint16_t *bound)
{
	struct ip_addr ia = addr(a);
	int fd = net_udp_open(&ia, port, natt);
	cr_assert(fd >= 0, "net_udp_open(%s): %s", a, strerror(-fd));
	if (bound)
		cr_assert_eq(net_udp_local_port(fd, bound), 0);
	return fd;
}

/* A plain sender bound to an ephemeral port of the loopback address. */
static int sender(const char *a, uint16_t *port)
{
	return open_or_die(a, 0, false, port);
}

static void send_to(int s, const char *dst, uint16_t port, const void *b, size_t len)
{
	struct ip_addr a = addr(dst);
	struct sockaddr_storage ss;
	socklen_t sl = ip_addr_to_sockaddr(&a, port, &ss);
	cr_assert_eq(sendto(s, b, len, 0, (struct sockaddr *)&ss, sl), (ssize_t)len);
}

static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	cr_assert_eq(poll(&p, 1, 1000), 1, "nothing arrived");
}

/* Receive exactly want datagrams into v (bounded wait); returns the batch sizes seen. */
static unsigned recv_all(int fd, struct net_dgram *v, unsigned want, unsigned per_call,
			 unsigned *first_batch)
{
	unsigned got = 0, calls = 0;

	*first_batch = 0;
	while (got < want) {
		wait_readable(fd);
		unsigned n = want - got < per_call ? want - got : per_call;
		int r = net_recv_batch(fd, v + got, n);
		cr_assert(r >= 0, "net_recv_batch: %s", strerror(-r));
		if (calls++ == 0)
			*first_batch = (unsigned)r;
		got += (unsigned)r;
		cr_assert(calls < 100);
	}
	return calls;
}

Test(udp_socket, flags_and_encap)
{
	uint16_t port;
	int fd = open_or_die("127.0.0.1", 0, true, &port), v = 0;
	socklen_t sl = sizeof(v);

	cr_assert_neq(port, 0);
	cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &sl), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(getsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &v, &sl), 0);
	cr_assert_eq(v, UDP_ENCAP_ESPINUDP);
	close(fd);

	fd = open_or_die("::1", 0, false, NULL);
	cr_assert_eq(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &sl), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(getsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &v, &sl), 0);
	cr_assert_eq(v, 0);
	close(fd);

	struct ip_addr none = { .af = AF_UNSPEC };
	cr_assert_eq(net_udp_open(&none, 0, false), -EAFNOSUPPORT);
}

static void pktinfo_case(const char *wild, const char *lo)
{
	uint16_t port, sport;
	int fd = open_or_die(wild, 0, false, &port);
	int s = sender(lo, &sport);
	uint8_t buf[64];
	struct net_dgram d = { .buf = buf, .cap = sizeof(buf) };
	struct ip_addr want = addr(lo);
	struct timespec t0, t1;
	int64_t ns0, ns1;
	int tries = 0;

	/*
	 * The kernel's receive time, between the send and the wake-up. The
	 * kernel turns receive stamps on for the whole stack a moment after
	 * the first socket asks (a deferred static key): until then it stamps
	 * a datagram when it is read (after t1). So: a datagram at a time,
	 * until one is stamped on its way in (at most 2 s); never before t0.
	 */
	do {
		if (tries++)
			usleep(10000);
		cr_assert_eq(clock_gettime(CLOCK_REALTIME, &t0), 0);
		send_to(s, lo, port, "hello", 5);
		wait_readable(fd);
		cr_assert_eq(clock_gettime(CLOCK_REALTIME, &t1), 0);
		cr_assert_eq(net_recv_batch(fd, &d, 1), 1);
		ns0 = (int64_t)t0.tv_sec * 1000000000 + t0.tv_nsec;
		ns1 = (int64_t)t1.tv_sec * 1000000000 + t1.tv_nsec;
		cr_assert_geq(d.rx_ns, ns0);
	} while (d.rx_ns > ns1 && tries < 200);
	cr_assert_leq(d.rx_ns, ns1, "no datagram stamped on its way in, in %d", tries);
	cr_assert_eq(d.len, 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert(!d.truncated);
	/* Bound to the wildcard: only pktinfo can tell which address was used. */
	cr_assert(ip_addr_eq(&d.local, &want), "local address is not %s", lo);
	cr_assert(ip_addr_eq(&d.peer, &want));
	cr_assert_eq(d.peer_port, sport);
	cr_assert_eq(d.ifindex, (int)if_nametoindex("lo"));
	cr_assert_eq(net_recv_batch(fd, &d, 1), 0, "an empty socket gives 0, not an error");
	close(s);
	close(fd);
}

Test(udp_socket, pktinfo_local_address_v4)
{
	pktinfo_case("0.0.0.0", "127.0.0.1");
}

Test(udp_socket, pktinfo_local_address_v6)
{
	pktinfo_case("::", "::1");
}

Test(udp_socket, recvmmsg_batches_and_truncation)
{
	uint16_t port;
	int fd = open_or_die("127.0.0.1", 0, false, &port);
	int s = sender("127.0.0.1", NULL);
	uint8_t bufs[10][32];
	struct net_dgram v[10];
	unsigned first;

	for (int i = 0; i < 10; i++) {
		uint8_t m[20];
		memset(m, 'a' + i, sizeof(m));
		send_to(s, "127.0.0.1", port, m, (size_t)(1 + i));
		v[i] = (struct net_dgram){ .buf = bufs[i], .cap = sizeof(bufs[i]) };
	}
	/* Loopback delivers synchronously: one call takes them all, up to n. */
	recv_all(fd, v, 4, 4, &first);
	cr_assert_eq(first, 4);
	recv_all(fd, v + 4, 6, 10, &first);
	cr_assert_eq(first, 6);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(v[i].len, (size_t)(1 + i));
		cr_assert_eq(v[i].buf[0], 'a' + i);
		cr_assert_eq(v[i].buf[i], 'a' + i);
	}

	/* Too big for the buffer: flagged, not silently cut. */
	uint8_t big[100] = { 0 };
	send_to(s, "127.0.0.1", port, big, sizeof(big));
	v[0].cap = 16;
	recv_all(fd, v, 1, 1, &first);
	cr_assert(v[0].truncated);
	cr_assert_eq(v[0].len, 16);
	close(s);
	close(fd);
}

Test(udp_socket, sendmmsg_sets_source_address)
{
	uint16_t rport, sport;
	int r = open_or_die("127.0.0.1", 0, false, &rport);
	int s = open_or_die("0.0.0.0", 0, false, &sport);
	static const char *const src[] = { "127.0.0.2", "127.0.0.3", NULL };
	struct net_dgram out[3], in[3];
	uint8_t ib[3][16];
	unsigned first;

	for (int i = 0; i < 3; i++) {
		out[i] = (struct net_dgram){ .buf = (uint8_t *)"xyz", .len = (size_t)(1 + i),
					     .peer = addr("127.0.0.1"), .peer_port = rport };
		if (src[i])
			out[i].local = addr(src[i]);
		in[i] = (struct net_dgram){ .buf = ib[i], .cap = sizeof(ib[i]) };
	}
	cr_assert_eq(net_send_batch(s, out, 3, false), 3);
	recv_all(r, in, 3, 3, &first);
	for (int i = 0; i < 3; i++) {
		struct ip_addr want = addr(src[i] ? src[i] : "127.0.0.1");
		char got[IP_ADDR_STRLEN];
		cr_assert_eq(in[i].len, (size_t)(1 + i));
		cr_assert(ip_addr_eq(&in[i].peer, &want), "datagram %d came from %s", i,
			  ip_addr_str(&in[i].peer, got));
		cr_assert_eq(in[i].peer_port, sport);
	}
	close(s);
	close(r);
}

Test(udp_socket, sendmmsg_source_v6)
{
	uint16_t rport, sport;
	int r = open_or_die("::1", 0, false, &rport);
	int s = open_or_die("::", 0, false, &sport);
	struct net_dgram out = { .buf = (uint8_t *)"v6", .len = 2, .peer = addr("::1"),
				 .peer_port = rport, .local = addr("::1") };
	uint8_t ib[16];
	struct net_dgram in = { .buf = ib, .cap = sizeof(ib) };
	struct ip_addr lo = addr("::1");
	unsigned first;

	cr_assert_eq(net_send_batch(s, &out, 1, false), 1);
	recv_all(r, &in, 1, 1, &first);
	cr_assert(ip_addr_eq(&in.peer, &lo));
	cr_assert(ip_addr_eq(&in.local, &lo));
	cr_assert_eq(in.peer_port, sport);
	/* A source address this host does not hold is refused, not rewritten. */
	out.local = addr("2001:db8::1");
	cr_assert_lt(net_send_batch(s, &out, 1, false), 0);
	close(s);
	close(r);
}

Test(udp_socket, natt_marker_send_and_strip)
{
	uint16_t rport;
	int r = open_or_die("127.0.0.1", 0, true, &rport);
	int s = sender("127.0.0.1", NULL);
	uint8_t ike[40], ib[64];
	struct net_dgram out, in = { .buf = ib, .cap = sizeof(ib) };
	unsigned first;

	for (size_t i = 0; i < sizeof(ike); i++)
		ike[i] = (uint8_t)(0x40 + i);
	out = (struct net_dgram){ .buf = ike, .len = sizeof(ike), .peer = addr("127.0.0.1"),
				  .peer_port = rport };
	cr_assert_eq(net_send_batch(s, &out, 1, true), 1);
	recv_all(r, &in, 1, 1, &first);
	cr_assert_eq(in.len, sizeof(ike) + 4);

	const uint8_t *p = in.buf;
	size_t len = in.len;
	cr_assert_eq(net_natt_strip(&p, &len), 0);
	cr_assert_eq(p, ib + 4);
	cr_assert_eq(len, sizeof(ike));
	cr_assert_eq(memcmp(p, ike, sizeof(ike)), 0);
	close(s);
	close(r);
}

Test(udp_socket, natt_helpers)
{
	uint8_t b[8] = { 1, 2, 3, 4, 5, 0, 0, 0 };
	size_t len = 4;
	const uint8_t *p = b;

	cr_assert_eq(net_natt_strip(&p, &len), -EBADMSG, "no marker");
	cr_assert_eq(p, b);
	cr_assert_eq(len, 4);
	cr_assert_eq(net_natt_prepend(b, &len, sizeof(b)), 0);
	cr_assert_eq(len, 8);
	const uint8_t want[8] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	cr_assert_eq(memcmp(b, want, 8), 0);
	cr_assert_eq(net_natt_prepend(b, &len, sizeof(b)), -EMSGSIZE);
	cr_assert_eq(len, 8);
	len = 0;
	cr_assert_eq(net_natt_prepend(b, &len, 3), -EMSGSIZE);

	len = 3;	/* shorter than the marker */
	p = want;
	cr_assert_eq(net_natt_strip(&p, &len), -EBADMSG);
	len = 4;	/* just the marker: an empty IKE message, left for the decoder to refuse */
	cr_assert_eq(net_natt_strip(&p, &len), 0);
	cr_assert_eq(len, 0);
	uint8_t ka = 0xff;
	p = &ka;
	len = 1;
	cr_assert_eq(net_natt_strip(&p, &len), -EBADMSG);
}

Test(udp_socket, bufsize_reflected_by_getsockopt)
{
	int fd = open_or_die("127.0.0.1", 0, false, NULL);
	int v;
	socklen_t sl = sizeof(v);
	const int want = 3 << 20;	/* above the usual [rw]mem_max: the FORCE path, as root */

	cr_assert_eq(net_udp_set_bufsize(fd, want), 0);
	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &sl), 0);
	if (geteuid() == 0)
		cr_assert_eq(v, 2 * want, "SO_RCVBUF %d (the kernel doubles the request)", v);
	else
		cr_assert_gt(v, 0);
	cr_assert_eq(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &sl), 0);
	if (geteuid() == 0)
		cr_assert_eq(v, 2 * want, "SO_SNDBUF %d", v);
	cr_assert_eq(net_udp_set_bufsize(fd, 0), -EINVAL);
	cr_assert_eq(net_udp_set_bufsize(-1, 4096), -EBADF);
	close(fd);
}

static void recverr_case(const char *a, int level, int name)
{
	int fd = open_or_die(a, 0, false, NULL), v = -1;
	socklen_t sl = sizeof(v);

	cr_assert_eq(getsockopt(fd, level, name, &v, &sl), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(net_udp_set_recverr(fd, true), 0);
	cr_assert_eq(getsockopt(fd, level, name, &v, &sl), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(net_udp_set_recverr(fd, false), 0);
	cr_assert_eq(getsockopt(fd, level, name, &v, &sl), 0);
	cr_assert_eq(v, 0);
	close(fd);
}

Test(udp_socket, recverr_toggle)
{
	recverr_case("127.0.0.1", IPPROTO_IP, IP_RECVERR);
	recverr_case("::1", IPPROTO_IPV6, IPV6_RECVERR);
}

/* Whether fd's reuseport group has a program: detaching one that is not there is ENOENT. */
static bool has_steering(int fd)
{
	int zero = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero, sizeof(zero)) == 0)
		return true;
	cr_assert_eq(errno, ENOENT, "SO_DETACH_REUSEPORT_BPF: %s", strerror(errno));
	return false;
}

Test(udp_socket, a_group_of_one_has_no_steering_program)
{
	struct ip_addr lo = addr("127.0.0.1");
	int one[1], two[2];

	cr_assert_eq(net_group_open(&lo, 0, false, 1, one), 0);
	cr_assert_not(has_steering(one[0]), "one worker: a program the kernel runs for nothing");
	cr_assert_eq(net_group_open(&lo, 0, false, 2, two), 0);
	cr_assert(has_steering(two[0]), "two workers and no steering program");
	net_group_close(one, 1);
	net_group_close(two, 2);
}

Test(udp_socket, group_open_and_errors)
{
	struct ip_addr lo = addr("127.0.0.1");
	int fds[3], other[2] = { -1, -1 };
	uint16_t port, p;

	cr_assert_eq(net_group_open(&lo, 0, false, 3, fds), 0);
	cr_assert_eq(net_udp_local_port(fds[0], &port), 0);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(net_udp_local_port(fds[i], &p), 0);
		cr_assert_eq(p, port, "every member shares the port");
	}
	cr_assert_eq(net_group_open(&lo, 0, false, 0, other), -EINVAL);
	/* A second group on a port in use would join the first and replace its program. */
	cr_assert_eq(net_group_open(&lo, port, false, 2, other), -EADDRINUSE);
	cr_assert_eq(other[0], -1);
	cr_assert_eq(other[1], -1);

	/* A non-reuseport socket already on the port: the group cannot form, nothing leaks. */
	int plain = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t sl = ip_addr_to_sockaddr(&lo, 0, &ss);
	cr_assert_eq(bind(plain, (struct sockaddr *)&ss, sl), 0);
	uint16_t taken;
	cr_assert_eq(net_udp_local_port(plain, &taken), 0);
	cr_assert_eq(net_group_open(&lo, taken, false, 2, other), -EADDRINUSE);
	cr_assert_eq(other[0], -1);
	cr_assert_eq(other[1], -1);
	close(plain);

	net_group_close(fds, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(fds[i], -1);
}
