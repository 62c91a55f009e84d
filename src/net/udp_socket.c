/* SPDX-License-Identifier: BSD-2-Clause */
#include "net/udp_socket.h"

#include <linux/xfrm.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/steer.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

enum {
	BATCH_MAX = 64,		/* datagrams per recvmmsg / sendmmsg call */
};

/* Room for one pktinfo of either family and a receive timestamp. */
union cmsg_buf {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct timespec))];
	struct cmsghdr align;
};

static int setopt_int(int fd, int level, int name, int val)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		return -errno;
	return 0;
}

/*
 * IKE must never be caught by the IPsec policies it negotiates (a
 * host-to-host transport policy covers the IKE datagrams too): a
 * per-socket bypass policy, in and out, as XFRM offers. A kernel without
 * XFRM refuses the option: then there is no policy to bypass either.
 */
static int bypass_policy(int fd, sa_family_t af)
{
	int level = af == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = af == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;

	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		struct xfrm_userpolicy_info pol;

		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = af;
		pol.dir = (uint8_t)dir;
		pol.lft.soft_byte_limit = XFRM_INF;
		pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = XFRM_INF;
		pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0 && errno != ENOPROTOOPT &&
		    errno != EOPNOTSUPP)
			return -errno;
	}
	return 0;
}

int net_udp_open(const struct ip_addr *addr, uint16_t port, bool natt)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, err;

	if (addr->af != AF_INET && addr->af != AF_INET6)
		return -EAFNOSUPPORT;
	fd = socket(addr->af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;

	err = setopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (err)
		goto out;
	/*
	 * Room for a burst: 1,100 answers to the Deletes of one --terminate
	 * overflowed the kernel's default (about 200 KB, some 280 small
	 * datagrams) while the worker was busy, and an answer lost to a Delete
	 * is never sent again. Best effort: without CAP_NET_ADMIN the kernel
	 * caps it at rmem_max; whack --ike-socket-bufsize changes it.
	 */
	(void)net_udp_set_bufsize(fd, NET_UDP_BUFSIZE_DEFAULT);
	if (addr->af == AF_INET6) {
		/* One socket per family: a v4-mapped peer would confuse pktinfo. */
		err = setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		if (!err)
			err = setopt_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	} else {
		err = setopt_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
	}
	/*
	 * The kernel's receive time on every datagram: how long one waited in
	 * the queue tells the IKE_SA_INIT path the worker is behind.
	 */
	if (!err)
		err = setopt_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	if (err)
		goto out;
	err = bypass_policy(fd, addr->af);
	if (err)
		goto out;
	if (natt) {
		/* The kernel keeps ESP-in-UDP and keepalives; IKE behind the marker comes up. */
		err = setopt_int(fd, IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP);
		if (err)
			goto out;
	}

	sl = ip_addr_to_sockaddr(addr, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		err = -errno;
out:
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int net_udp_local_port(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ip_addr a;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	return ip_addr_from_sockaddr((struct sockaddr *)&ss, &a, port);
}

void net_group_close(int fds[], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * Whether nothing is bound to (addr, port) yet. Reuseport sockets of one
 * user on one address and port form one group, so a second group on a
 * port still in use would silently join the first - and replace its
 * program with one built for a different worker count. A plain bind
 * (no SO_REUSEPORT) fails on any existing member.
 */
static int check_unbound(const struct ip_addr *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = ip_addr_to_sockaddr(addr, port, &ss);
	int fd, err = 0;

	fd = socket(addr->af, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (addr->af == AF_INET6)
		err = setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (!err && bind(fd, (struct sockaddr *)&ss, sl) < 0)
		err = -errno;
	close(fd);
	return err;
}

int net_group_open(const struct ip_addr *addr, uint16_t port, bool natt, unsigned nworkers,
		   int fds[])
{
	int err = 0;

	if (nworkers < 1 || nworkers > NET_MAX_WORKERS)
		return -EINVAL;
	for (unsigned i = 0; i < nworkers; i++)
		fds[i] = -1;
	if (addr->af != AF_INET && addr->af != AF_INET6)
		return -EAFNOSUPPORT;
	if (port != 0) {
		err = check_unbound(addr, port);
		if (err)
			return err;
	}

	/*
	 * The group's socket index is the order of bind(), so bind in fds[]
	 * order; the program goes on right after the first bind so no
	 * datagram is ever steered by the kernel's own hash. A group of one
	 * has nothing to steer: it gets no program, which the kernel would
	 * otherwise run on every datagram received.
	 */
	for (unsigned i = 0; i < nworkers; i++) {
		int fd = net_udp_open(addr, port, natt);
		if (fd < 0) {
			err = fd;
			goto out;
		}
		fds[i] = fd;
		if (i == 0) {
			err = net_udp_local_port(fd, &port);
			if (!err && nworkers > 1)
				err = net_steer_attach(fd, nworkers, natt);
			if (err)
				goto out;
		}
	}
out:
	if (err)
		net_group_close(fds, nworkers);
	return err;
}

static int sock_family(int fd)
{
	int dom;
	socklen_t sl = sizeof(dom);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &sl) < 0)
		return -errno;
	return dom;
}

int net_udp_set_bufsize(int fd, int bytes)
{
	static const int opts[][2] = {
		{ SO_RCVBUFFORCE, SO_RCVBUF },
		{ SO_SNDBUFFORCE, SO_SNDBUF },
	};

	if (bytes <= 0)
		return -EINVAL;
	for (size_t i = 0; i < 2; i++) {
		int err = setopt_int(fd, SOL_SOCKET, opts[i][0], bytes);
		if (err == -EPERM)	/* not CAP_NET_ADMIN: capped by [rw]mem_max */
			err = setopt_int(fd, SOL_SOCKET, opts[i][1], bytes);
		if (err)
			return err;
	}
	return 0;
}

int net_udp_set_recverr(int fd, bool on)
{
	int af = sock_family(fd);

	if (af < 0)
		return af;
	if (af == AF_INET6)
		return setopt_int(fd, IPPROTO_IPV6, IPV6_RECVERR, on);
	return setopt_int(fd, IPPROTO_IP, IP_RECVERR, on);
}

static void read_cmsgs(struct msghdr *mh, struct net_dgram *d)
{
	memset(&d->local, 0, sizeof(d->local));
	d->ifindex = 0;
	d->rx_ns = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			d->rx_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			continue;
		}
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->local.af = AF_INET;
			d->local.v4 = pi.ipi_addr;	/* the header's destination */
			d->ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->local.af = AF_INET6;
			d->local.v6 = pi.ipi6_addr;
			d->ifindex = (int)pi.ipi6_ifindex;
		}
	}
}

int net_recv_batch(int fd, struct net_dgram *v, unsigned n)
{
	struct mmsghdr mm[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	struct sockaddr_storage from[BATCH_MAX];
	union cmsg_buf cb[BATCH_MAX];
	int got;

	if (n > BATCH_MAX)
		n = BATCH_MAX;
	memset(mm, 0, sizeof(mm[0]) * n);
	for (unsigned i = 0; i < n; i++) {
		iov[i] = (struct iovec){ .iov_base = v[i].buf, .iov_len = v[i].cap };
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = cb[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(cb[i].buf);
	}

	got = recvmmsg(fd, mm, n, MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;

	for (int i = 0; i < got; i++) {
		struct net_dgram *d = &v[i];
		d->len = mm[i].msg_len;
		d->truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		if (ip_addr_from_sockaddr((struct sockaddr *)&from[i], &d->peer, &d->peer_port))
			memset(&d->peer, 0, sizeof(d->peer));
		read_cmsgs(&mm[i].msg_hdr, d);
	}
	return got;
}

/* The source-address control message for d, if it asks for one; returns its length. */
static size_t write_pktinfo(const struct net_dgram *d, union cmsg_buf *cb)
{
	struct cmsghdr *c = (struct cmsghdr *)cb->buf;

	memset(cb, 0, sizeof(*cb));
	if (d->local.af == AF_INET) {
		/* ifindex 0: let routing pick the interface; only the source is pinned. */
		struct in_pktinfo pi = { .ipi_spec_dst = d->local.v4 };
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (d->local.af == AF_INET6) {
		/* The ifindex scopes a link-local source. */
		struct in6_pktinfo pi = { .ipi6_addr = d->local.v6,
					  .ipi6_ifindex = (unsigned)d->ifindex };
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	return 0;
}

static const uint8_t non_esp_marker[NET_NON_ESP_MARKER_SIZE];

int net_send_batch(int fd, const struct net_dgram *v, unsigned n, bool natt)
{
	struct mmsghdr mm[BATCH_MAX];
	struct iovec iov[BATCH_MAX][2];
	struct sockaddr_storage to[BATCH_MAX];
	union cmsg_buf cb[BATCH_MAX];
	int sent;

	if (n > BATCH_MAX)
		n = BATCH_MAX;
	memset(mm, 0, sizeof(mm[0]) * n);
	for (unsigned i = 0; i < n; i++) {
		const struct net_dgram *d = &v[i];
		struct msghdr *mh = &mm[i].msg_hdr;
		size_t k = 0;

		if (natt)
			iov[i][k++] = (struct iovec){ .iov_base = (void *)non_esp_marker,
						      .iov_len = sizeof(non_esp_marker) };
		iov[i][k++] = (struct iovec){ .iov_base = d->buf, .iov_len = d->len };
		mh->msg_name = &to[i];
		mh->msg_namelen = ip_addr_to_sockaddr(&d->peer, d->peer_port, &to[i]);
		mh->msg_iov = iov[i];
		mh->msg_iovlen = k;
		mh->msg_controllen = write_pktinfo(d, &cb[i]);
		mh->msg_control = mh->msg_controllen ? cb[i].buf : NULL;
	}

	sent = sendmmsg(fd, mm, n, MSG_DONTWAIT);
	if (sent < 0)
		return -errno;
	return sent;
}

int net_natt_strip(const uint8_t **p, size_t *len)
{
	if (*len < NET_NON_ESP_MARKER_SIZE ||
	    memcmp(*p, non_esp_marker, NET_NON_ESP_MARKER_SIZE) != 0)
		return -EBADMSG;
	*p += NET_NON_ESP_MARKER_SIZE;
	*len -= NET_NON_ESP_MARKER_SIZE;
	return 0;
}

int net_natt_prepend(uint8_t *buf, size_t *len, size_t cap)
{
	if (cap < NET_NON_ESP_MARKER_SIZE || *len > cap - NET_NON_ESP_MARKER_SIZE)
		return -EMSGSIZE;
	memmove(buf + NET_NON_ESP_MARKER_SIZE, buf, *len);
	memset(buf, 0, NET_NON_ESP_MARKER_SIZE);
	*len += NET_NON_ESP_MARKER_SIZE;
	return 0;
}
