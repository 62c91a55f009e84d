/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_NET_UDP_SOCKET_H
#define SKUA_NET_UDP_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/*
 * IKE UDP sockets: one SO_REUSEPORT group per (address, port), one member
 * per worker, the steering program (net/steer.h) on the group.
 *
 * On the NAT-T port the socket has UDP_ENCAP_ESPINUDP set: the kernel then
 * decapsulates ESP-in-UDP itself (first 4 bytes non-zero), eats 1-byte
 * 0xff NAT keepalives, and delivers to user space only datagrams that
 * start with the 4-byte zero non-ESP marker (RFC 3948 2.2) - which the
 * receiver strips and the sender prepends. Steering runs at socket
 * lookup, before that decapsulation, so the BPF program still sees the
 * marker.
 */

/*
 * One datagram of a batch.
 *
 * Owner: the caller, including buf. Receive fills len, peer, peer_port,
 * local, ifindex and truncated; send reads buf, len, peer, peer_port and,
 * when local.af != AF_UNSPEC, uses local as the source (IPv6 also passes
 * ifindex, which scopes a link-local source; IPv4 leaves the interface to
 * routing).
 */
struct net_dgram {
	uint8_t *buf;
	size_t cap;		/* size of buf (receive) */
	size_t len;		/* bytes received / to send */
	struct ip_addr peer;
	uint16_t peer_port;
	struct ip_addr local;	/* the address the datagram was sent to (pktinfo) */
	int ifindex;		/* the interface it arrived on; 0 when unknown */
	int64_t rx_ns;		/* when the kernel took it in (CLOCK_REALTIME ns); 0 when unknown */
	bool truncated;		/* longer than cap; the tail was dropped */
};

/* Each IKE socket's receive and send buffers unless whack --ike-socket-bufsize says otherwise. */
enum { NET_UDP_BUFSIZE_DEFAULT = 4 * 1024 * 1024 };

/*
 * Open one UDP socket bound to (addr, port) with SO_REUSEPORT, non-blocking,
 * close-on-exec, receiving pktinfo and receive timestamps; IPV6_V6ONLY on
 * IPv6; UDP_ENCAP_ESPINUDP when natt. Returns the fd or -errno.
 * Context: main or ctl thread; does not block; the caller owns the fd.
 */
int net_udp_open(const struct ip_addr *addr, uint16_t port, bool natt);

/*
 * Open nworkers sockets on (addr, port) in one reuseport group - fds[i]
 * is the group's socket index i - and attach the steering program.
 * port 0 picks an ephemeral port shared by the whole group (read it back
 * with net_udp_local_port()). A port already bound on addr, even by a
 * reuseport group of ours, is -EADDRINUSE: joining that group would
 * change its socket indices and replace its program. Returns 0 or -errno;
 * on error no fd is left open and fds[] holds -1.
 * Context: main or ctl thread; does not block; the caller owns fds[0..nworkers).
 */
int net_group_open(const struct ip_addr *addr, uint16_t port, bool natt, unsigned nworkers,
		   int fds[]);

/*
 * Close fds[0..n) (skipping -1) and set each to -1.
 * Context: any thread, once no worker polls these fds.
 */
void net_group_close(int fds[], unsigned n);

/*
 * The port fd is bound to. Returns 0 or -errno.
 * Context: any thread.
 */
int net_udp_local_port(int fd, uint16_t *port);

/*
 * SO_RCVBUF and SO_SNDBUF to bytes (pluto --ike-socket-bufsize), the
 * *BUFFORCE variants first so root may exceed net.core.[rw]mem_max. The
 * kernel doubles the value for its bookkeeping. Returns 0 or -errno.
 * Context: any thread; does not block.
 */
int net_udp_set_bufsize(int fd, int bytes);

/*
 * Turn IP_RECVERR / IPV6_RECVERR on or off (whack
 * --ike-socket-errqueue-toggle). Returns 0 or -errno.
 * Context: any thread; does not block.
 */
int net_udp_set_recverr(int fd, bool on);

/*
 * Receive up to n datagrams with one recvmmsg(). Returns the number
 * received (0 when none is waiting) or -errno.
 * Context: the worker owning fd; does not block; v[i].buf is the caller's.
 */
int net_recv_batch(int fd, struct net_dgram *v, unsigned n);

/*
 * Send v[0..n) with one sendmmsg(), each from v[i].local when set (an
 * IP_PKTINFO / IPV6_PKTINFO control message). natt prepends the 4-byte
 * non-ESP marker to each (without copying the payload). Returns the number
 * sent (may be < n; the caller retries the rest or drops them) or -errno
 * when the first one failed.
 * Context: the worker owning fd; does not block; v is borrowed.
 */
int net_send_batch(int fd, const struct net_dgram *v, unsigned n, bool natt);

/*
 * Remove the non-ESP marker from a datagram received on the NAT-T port:
 * on success *p and *len describe the IKE message. Returns 0, or -EBADMSG
 * when the datagram is shorter than the marker or does not start with it
 * (a keepalive, or ESP the kernel did not consume).
 * Context: any thread; pure.
 */
int net_natt_strip(const uint8_t **p, size_t *len);

/*
 * Insert the 4-byte non-ESP marker in front of buf[0..*len) in place and
 * grow *len. Returns 0 or -EMSGSIZE when cap cannot hold it.
 * Context: any thread; pure.
 */
int net_natt_prepend(uint8_t *buf, size_t *len, size_t cap);

#endif
