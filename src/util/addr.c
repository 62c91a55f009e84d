/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ip_addr_parse(const char *s, struct ip_addr *out)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	if (!s || !*s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		a.af = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.v6) == 1) {
		a.af = AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int ip_subnet_parse(const char *s, struct ip_subnet *out)
{
	char buf[IP_SUBNET_STRLEN + 8];
	struct ip_subnet sn;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (ip_addr_parse(buf, &sn.addr) < 0)
		return -EINVAL;
	unsigned max = ip_addr_bits(&sn.addr);
	if (slash) {
		const char *p = slash + 1;
		char *end;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned long len = strtoul(p, &end, 10);
		if (*end || len > max)
			return -EINVAL;
		sn.prefix = (uint8_t)len;
	} else {
		sn.prefix = (uint8_t)max;
	}
	/* Refuse host bits beyond the prefix: 10.0.1.5/24 is a typo, not a net. */
	for (unsigned bit = sn.prefix; bit < max; bit++) {
		if (sn.addr.b[bit / 8] & (0x80 >> (bit % 8)))
			return -EDOM;
	}
	*out = sn;
	return 0;
}

const char *ip_addr_str(const struct ip_addr *a, char buf[IP_ADDR_STRLEN])
{
	if (a->af == AF_INET || a->af == AF_INET6)
		inet_ntop(a->af, a->b, buf, IP_ADDR_STRLEN);
	else
		snprintf(buf, IP_ADDR_STRLEN, "<unset>");
	return buf;
}

const char *ip_subnet_str(const struct ip_subnet *s, char buf[IP_SUBNET_STRLEN])
{
	char a[IP_ADDR_STRLEN];
	snprintf(buf, IP_SUBNET_STRLEN, "%s/%u", ip_addr_str(&s->addr, a), s->prefix);
	return buf;
}

bool ip_addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->af != b->af)
		return false;
	return memcmp(a->b, b->b, a->af == AF_INET ? 4 : 16) == 0;
}

bool ip_addr_is_unspecified(const struct ip_addr *a)
{
	static const uint8_t zero[16];
	return a->af != AF_UNSPEC && memcmp(a->b, zero, a->af == AF_INET ? 4 : 16) == 0;
}

struct ip_subnet ip_subnet_from_addr(const struct ip_addr *a)
{
	struct ip_subnet s = { .addr = *a, .prefix = (uint8_t)ip_addr_bits(a) };
	return s;
}

struct ip_addr ip_subnet_mask(const struct ip_subnet *s)
{
	struct ip_addr m;
	memset(&m, 0, sizeof(m));
	m.af = s->addr.af;
	for (unsigned bit = 0; bit < s->prefix; bit++)
		m.b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return m;
}

bool ip_subnet_contains(const struct ip_subnet *s, const struct ip_addr *a)
{
	if (s->addr.af != a->af)
		return false;
	for (unsigned bit = 0; bit < s->prefix; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if ((s->addr.b[bit / 8] & m) != (a->b[bit / 8] & m))
			return false;
	}
	return true;
}

int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out, uint16_t *port)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		out->af = AF_INET;
		out->v4 = in->sin_addr;
		if (port)
			*port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		out->af = AF_INET6;
		out->v6 = in6->sin6_addr;
		if (port)
			*port = ntohs(in6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

socklen_t ip_addr_to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = a->v6;
		in6->sin6_port = htons(port);
		return sizeof(*in6);
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	in->sin_addr = a->v4;
	in->sin_port = htons(port);
	return sizeof(*in);
}

int ip_addr_port_parse(const char *text, bool allow_any_port, struct ip_addr *addr,
		       uint16_t *port, char *why, size_t whylen)
{
	char host[IP_ADDR_STRLEN + 2];
	const char *colon, *ps;
	bool bracketed = text[0] == '[';
	size_t hlen;
	char *end;
	long n;

	if (bracketed) {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			snprintf(why, whylen, "expected [IPv6 address]:port (e.g. [::1]:9090)");
			return -EINVAL;
		}
		hlen = (size_t)(close - text - 1);
		ps = close + 2;
		text++;
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			snprintf(why, whylen, "no port: expected ADDR:PORT (e.g. 127.0.0.1:9090)");
			return -EINVAL;
		}
		if (memchr(text, ':', (size_t)(colon - text))) {
			snprintf(why, whylen, "an IPv6 address must be in brackets: expected "
					      "[ADDR]:PORT (e.g. [::1]:9090)");
			return -EINVAL;
		}
		hlen = (size_t)(colon - text);
		ps = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(why, whylen, "expected a numeric IPv4 or IPv6 address before the port");
		return -EINVAL;
	}
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (ip_addr_parse(host, addr) < 0 || (bracketed && addr->af != AF_INET6)) {
		snprintf(why, whylen, "'%s' is not a numeric %saddress: expected ADDR:PORT "
				      "(e.g. 127.0.0.1:9090 or [::1]:9090)",
			 host, bracketed ? "IPv6 " : "IPv4 ");
		return -EINVAL;
	}
	errno = 0;
	n = *ps && isdigit((unsigned char)*ps) ? strtol(ps, &end, 10) : -1;
	if (n < 0 || errno || *end || n > 65535 || (n == 0 && !allow_any_port)) {
		snprintf(why, whylen, "port '%s': expected a port number 1..65535", ps);
		return -EINVAL;
	}
	*port = (uint16_t)n;
	return 0;
}
