/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcount: count the packets crossing one network interface, by what they
 * carry, for the kernel tests (tests/kernel/), where there is no tcpdump.
 *
 *   pcount IFNAME OUTFILE [LOGFILE]
 *
 * Opens an AF_PACKET socket bound to IFNAME, creates OUTFILE.ready once it
 * is listening, and counts the packets IFNAME transmits until SIGTERM or
 * SIGINT; then it drains what is already queued and writes one line to
 * OUTFILE:
 *
 *   total=N esp=N ah=N icmp=N udp500=N espinudp=N udp4500=N udp=N tcp=N other=N
 *
 * Only transmitted packets count: the kernel hands a packet that arrived in
 * ESP tunnel mode to the taps of the interface a second time, decrypted, as
 * if it had arrived so. What crosses a veth is what both ends transmit: run
 * one pcount at each end.
 *
 * esp/ah: IP protocol 50/51. icmp: ICMP, or ICMPv6 echo (IPv6 neighbour
 * discovery and router solicitations go to other). udp500: UDP to or from
 * port 500 (IKE). On port 4500 (RFC 3948): espinudp is ESP in UDP (the
 * first four bytes of the payload, an SPI, are not zero), udp4500 the rest
 * (IKE behind the non-ESP marker, NAT-T keepalives). udp/tcp: any other
 * port. other: everything else, non-IP included (ARP).
 * LOGFILE: one line per packet as well (the kernel's time of it, seconds and
 * microseconds of the real-time clock that the daemons' logs stamp theirs by,
 * direction, category, addresses, length, the ICMP type/code, and the SPI
 * and sequence number of ESP and ESP-in-UDP, an IKE message's exchange
 * type, response flag and message ID), to explain a count or put
 * the wire in order with the logs.
 * Exit: 0, or 1 with a message when the socket cannot be opened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { TOTAL, ESP, AH, ICMP, UDP500, ESPINUDP, UDP4500, UDP, TCP, OTHER, N };
static const char *const names[N] = {"total",	 "esp",	    "ah",  "icmp", "udp500",
				     "espinudp", "udp4500", "udp", "tcp",  "other"};
static unsigned long count[N];
static volatile sig_atomic_t stop;
static FILE *plog;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int classify_udp(const uint8_t *l4, size_t len)
{
	uint16_t sport, dport;

	if (len < 8)
		return OTHER;
	sport = (uint16_t)(l4[0] << 8 | l4[1]);
	dport = (uint16_t)(l4[2] << 8 | l4[3]);
	if (sport == 500 || dport == 500)
		return UDP500;
	if (sport == 4500 || dport == 4500) {
		/* RFC 3948 2.2: an SPI is never zero; zero is the non-ESP marker */
		if (len >= 8 + 8 && (l4[8] | l4[9] | l4[10] | l4[11]))
			return ESPINUDP;
		return UDP4500;
	}
	return UDP;
}

static void log_packet(const uint8_t *p, size_t len, uint16_t ethertype, int pkttype, int what,
		       const struct timeval *at)
{
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";
	size_t hl = 0, esp = 0, ike = 0;
	uint8_t proto = 0;

	if (ethertype == ETH_P_IP && len >= 20) {
		inet_ntop(AF_INET, p + 12, s, sizeof(s));
		inet_ntop(AF_INET, p + 16, d, sizeof(d));
		hl = (size_t)(p[0] & 0xf) * 4;
		proto = p[9];
	} else if (ethertype == ETH_P_IPV6 && len >= 40) {
		inet_ntop(AF_INET6, p + 8, s, sizeof(s));
		inet_ntop(AF_INET6, p + 24, d, sizeof(d));
		hl = 40;
		proto = p[6];
	}
	fprintf(plog, "%lld.%06ld %s %s %s > %s len %zu", (long long)at->tv_sec,
		(long)at->tv_usec, pkttype == PACKET_OUTGOING ? "out" : "in", names[what], s, d,
		len);
	if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && hl + 2 <= len)
		fprintf(plog, " type %u code %u", p[hl], p[hl + 1]);
	if (what == ESP)
		esp = hl;
	else if (what == ESPINUDP)
		esp = hl + 8;
	if (what == UDP500 && hl + 8 + 28 <= len)
		ike = hl + 8;
	else if (what == UDP4500 && hl + 12 + 28 <= len)
		ike = hl + 12;		/* behind the non-ESP marker */
	if (ike)
		fprintf(plog, " ike spii %02x%02x%02x%02x%02x%02x%02x%02x exchange %u %s id %lu",
			p[ike], p[ike + 1], p[ike + 2], p[ike + 3], p[ike + 4], p[ike + 5],
			p[ike + 6], p[ike + 7], p[ike + 18],
			p[ike + 19] & 0x20 ? "response" : "request",
			(unsigned long)p[ike + 20] << 24 | (unsigned long)p[ike + 21] << 16 |
				(unsigned long)p[ike + 22] << 8 | p[ike + 23]);
	if (esp && esp + 8 <= len)
		fprintf(plog, " spi 0x%02x%02x%02x%02x seq %lu", p[esp], p[esp + 1], p[esp + 2],
			p[esp + 3],
			(unsigned long)p[esp + 4] << 24 | (unsigned long)p[esp + 5] << 16 |
				(unsigned long)p[esp + 6] << 8 | p[esp + 7]);
	fprintf(plog, "\n");
}

static int classify(const uint8_t *p, size_t len, uint16_t ethertype)
{
	uint8_t proto;
	size_t hl;

	if (ethertype == ETH_P_IP && len >= 20 && (p[0] >> 4) == 4) {
		hl = (size_t)(p[0] & 0xf) * 4;
		proto = p[9];
		/* a later fragment has no transport header */
		if ((p[6] & 0x1f) || p[7])
			hl = len;
	} else if (ethertype == ETH_P_IPV6 && len >= 40 && (p[0] >> 4) == 6) {
		hl = 40;
		proto = p[6];
	} else {
		return OTHER;
	}
	if (proto == IPPROTO_ICMPV6 && len >= hl + 1 && p[hl] != 128 && p[hl] != 129)
		return OTHER;
	switch (proto) {
	case IPPROTO_ESP:
		return ESP;
	case IPPROTO_AH:
		return AH;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ICMP;
	case IPPROTO_TCP:
		return TCP;
	case IPPROTO_UDP:
		return hl <= len ? classify_udp(p + hl, len - hl) : OTHER;
	default:
		return OTHER;
	}
}

/* Read one packet, count it if transmitted; false when there was none. */
static bool take(int fd, int flags)
{
	uint8_t buf[65536];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), flags, (struct sockaddr *)&from, &fl);

	if (n < 0)
		return false;
	if (from.sll_pkttype != PACKET_OUTGOING)
		return true;
	/* SOCK_DGRAM: the link header is stripped; the protocol is in from */
	int what = classify(buf, (size_t)n, ntohs(from.sll_protocol));

	count[TOTAL]++;
	count[what]++;
	if (plog) {
		/* the kernel's time of the packet (SO_TIMESTAMP), else the time read */
		struct timeval at;
		if (ioctl(fd, SIOCGSTAMP, &at) < 0)
			gettimeofday(&at, NULL);
		log_packet(buf, (size_t)n, ntohs(from.sll_protocol), from.sll_pkttype, what, &at);
	}
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	char path[4096], tmp[4200];
	FILE *f;
	int fd, q;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: pcount IFNAME OUTFILE [LOGFILE]\n");
		return 2;
	}
	if (argc == 4 && !(plog = fopen(argv[3], "w"))) {
		fprintf(stderr, "pcount: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	ll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!ll.sll_ifindex) {
		fprintf(stderr, "pcount: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		fprintf(stderr, "pcount: AF_PACKET on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (plog)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &(int){ 1 }, sizeof(int));
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: recv returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	snprintf(path, sizeof(path), "%s.ready", argv[2]);
	q = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (q < 0) {
		fprintf(stderr, "pcount: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(q);
	while (!stop)
		take(fd, 0);
	/* what was queued before the signal belongs to the count */
	for (int i = 0; i < 100000 && take(fd, MSG_DONTWAIT); i++)
		;
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "pcount: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	for (int i = 0; i < N; i++)
		fprintf(f, "%s%s=%lu", i ? " " : "", names[i], count[i]);
	fprintf(f, "\n");
	if (plog)
		fclose(plog);
	if (fclose(f) || rename(tmp, argv[2])) {
		fprintf(stderr, "pcount: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
