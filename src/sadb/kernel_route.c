/* SPDX-License-Identifier: BSD-2-Clause */
#include "sadb/kernel_route.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/log.h"

enum {
	ROUTE_MSG_MAX = 256,		/* one request: header, rtmsg, four attributes */
	ROUTE_ACK_TIMEOUT_S = 5,
};

/* Owner: the kernel thread. */
struct route_state {
	int fd;
	uint32_t seq;
};

int kernel_route_open(void **state)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = ROUTE_ACK_TIMEOUT_S };
	struct route_state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		rc = -errno;
		log_err("routes: cannot open rtnetlink: %s", strerror(-rc));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return rc;
	}
	s->seq = 1;
	*state = s;
	return 0;
}

void kernel_route_close(void *state)
{
	struct route_state *s = state;

	if (!s)
		return;
	close(s->fd);
	free(s);
}

static int put_attr(void *buf, size_t len, struct nlmsghdr *h, unsigned short type,
		    const void *data, size_t dlen)
{
	size_t off = NLMSG_ALIGN(h->nlmsg_len);
	struct rtattr *a = (struct rtattr *)((char *)buf + off);

	if (off + RTA_SPACE(dlen) > len)
		return -EMSGSIZE;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(dlen);
	memcpy(RTA_DATA(a), data, dlen);
	h->nlmsg_len = (uint32_t)(off + RTA_ALIGN(a->rta_len));
	return 0;
}

static size_t addr_len(sa_family_t af)
{
	return af == AF_INET ? 4 : 16;
}

int kernel_route_encode(const struct kernel_op *op, unsigned seq, void *buf, size_t len)
{
	const struct kernel_route_params *r = &op->route;
	bool replace = op->kind == KERNEL_OP_ROUTE_REPLACE;
	sa_family_t af = r->dst.addr.af;
	struct nlmsghdr *h = buf;
	struct rtmsg *rt;
	int rc = 0;

	if ((op->kind != KERNEL_OP_ROUTE_REPLACE && op->kind != KERNEL_OP_ROUTE_DELETE) ||
	    (af != AF_INET && af != AF_INET6) || r->dst.prefix > (af == AF_INET ? 32 : 128) ||
	    (r->via.af != AF_UNSPEC && r->via.af != af) || (r->src.af != AF_UNSPEC && r->src.af != af))
		return -EINVAL;
	if (len < NLMSG_SPACE(sizeof(*rt)))
		return -EMSGSIZE;
	memset(buf, 0, NLMSG_SPACE(sizeof(*rt)));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(*rt));
	h->nlmsg_type = replace ? RTM_NEWROUTE : RTM_DELROUTE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (replace ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	h->nlmsg_seq = seq;
	rt = NLMSG_DATA(h);
	rt->rtm_family = (unsigned char)af;
	rt->rtm_dst_len = r->dst.prefix;
	rt->rtm_table = RT_TABLE_MAIN;
	/* What `ip route replace` / `ip route del` send. */
	if (replace) {
		rt->rtm_protocol = RTPROT_BOOT;
		rt->rtm_type = RTN_UNICAST;
		rt->rtm_scope = af == AF_INET && r->via.af == AF_UNSPEC ? RT_SCOPE_LINK
									 : RT_SCOPE_UNIVERSE;
	} else {
		rt->rtm_scope = af == AF_INET ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
	}
	rc = put_attr(buf, len, h, RTA_DST, r->dst.addr.b, addr_len(af));
	if (rc == 0 && r->via.af != AF_UNSPEC)
		rc = put_attr(buf, len, h, RTA_GATEWAY, r->via.b, addr_len(af));
	if (rc == 0 && r->dev[0]) {
		char name[IF_NAMESIZE];
		uint32_t idx;

		memcpy(name, r->dev, sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		idx = if_nametoindex(name);
		if (idx == 0)
			return -ENODEV;
		rc = put_attr(buf, len, h, RTA_OIF, &idx, sizeof(idx));
	}
	if (rc == 0 && replace && r->src.af != AF_UNSPEC)
		rc = put_attr(buf, len, h, RTA_PREFSRC, r->src.b, addr_len(af));
	return rc < 0 ? rc : (int)h->nlmsg_len;
}

/* The netlink message at off in rx[0..got), or NULL at the end or when it overruns. */
static struct nlmsghdr *nl_at(char *rx, size_t got, size_t off)
{
	struct nlmsghdr *h;

	if (off >= got || got - off < sizeof(*h))
		return NULL;
	h = (struct nlmsghdr *)(void *)(rx + off);
	if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > got - off)
		return NULL;
	return h;
}

/* Read acks until every pending request (seq base..base+n-1) has one. */
static void read_acks(struct route_state *s, struct kernel_op **pend, size_t n, uint32_t base)
{
	size_t left = n;
	char rx[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	while (left > 0) {
		ssize_t got = recv(s->fd, rx, sizeof(rx), 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			int err = got < 0 && errno != EAGAIN ? -errno : -ETIMEDOUT;
			for (size_t i = 0; i < n; i++)
				if (pend[i] && pend[i]->status == 1)
					pend[i]->status = err;
			log_err("routes: rtnetlink answer: %s", strerror(-err));
			return;
		}
		size_t off = 0;
		for (struct nlmsghdr *h; (h = nl_at(rx, (size_t)got, off)) != NULL;
		     off += NLMSG_ALIGN(h->nlmsg_len)) {
			uint32_t i = h->nlmsg_seq - base;

			if (h->nlmsg_type != NLMSG_ERROR || i >= n || !pend[i] ||
			    pend[i]->status != 1)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			int st = e->error;
			/* A route already gone is as good as removed (the script's rule). */
			if (pend[i]->kind == KERNEL_OP_ROUTE_DELETE && (st == -ESRCH || st == -ENOENT))
				st = 0;
			pend[i]->status = st;
			left--;
		}
	}
}

void kernel_route_submit(void *state, struct kernel_op **ops, size_t n)
{
	struct route_state *s = state;
	size_t i = 0;

	while (i < n) {
		enum { CHUNK = 64 };
		char tx[CHUNK * ROUTE_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
		struct kernel_op *pend[CHUNK];
		uint32_t base = s->seq;
		size_t off = 0, cnt = 0;

		while (i < n && cnt < CHUNK) {
			int len = kernel_route_encode(ops[i], base + (uint32_t)cnt, tx + off,
						      ROUTE_MSG_MAX);
			if (len < 0) {
				ops[i]->status = len;
				pend[cnt++] = NULL;
				i++;
				continue;
			}
			ops[i]->status = 1;	/* awaiting its ack */
			off += NLMSG_ALIGN((size_t)len);
			pend[cnt++] = ops[i++];
		}
		s->seq += (uint32_t)cnt;
		size_t sent = 0;
		for (size_t k = 0; k < cnt; k++)
			sent += pend[k] != NULL;
		if (sent == 0)
			continue;
		struct sockaddr_nl to = { .nl_family = AF_NETLINK };
		if (sendto(s->fd, tx, off, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			int err = -errno;
			for (size_t k = 0; k < cnt; k++)
				if (pend[k])
					pend[k]->status = err;
			log_err("routes: rtnetlink send: %s", strerror(-err));
			continue;
		}
		read_acks(s, pend, cnt, base);
	}
}
