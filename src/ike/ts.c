/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/ts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	return memcmp(a->b, b->b, a->af == AF_INET ? 4 : 16);
}

struct ike_ts ike_ts_from_subnet(const struct ip_subnet *s, uint8_t ipproto, uint16_t port)
{
	struct ike_ts ts;
	unsigned bits = ip_addr_bits(&s->addr);

	memset(&ts, 0, sizeof(ts));
	ts.ipproto = ipproto;
	ts.sport = port;
	ts.eport = port ? port : 65535;
	ts.start = s->addr;
	ts.end = s->addr;
	for (unsigned bit = s->prefix; bit < bits; bit++)
		ts.end.b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return ts;
}

int ike_ts_to_subnet(const struct ike_ts *ts, struct ip_subnet *out)
{
	const uint8_t *s = ts->start.b, *e = ts->end.b;
	unsigned nbytes = ip_addr_bits(&ts->start) / 8, i = 0, prefix;

	if (ts->start.af != ts->end.af)
		return -ERANGE;
	/*
	 * The prefix is where start and end first differ; from that bit on
	 * start is all zeros and end all ones, or the range is no CIDR block.
	 * A byte at a time (this runs several times per Child SA).
	 */
	while (i < nbytes && s[i] == e[i])
		i++;
	prefix = i * 8;
	if (i < nbytes) {
		unsigned lead = (unsigned)__builtin_clz((unsigned)(s[i] ^ e[i])) - 24;
		uint8_t rest = (uint8_t)(0xff >> lead);	/* the differing bit and below */

		prefix += lead;
		if ((s[i] & rest) != 0 || (e[i] & rest) != rest)
			return -ERANGE;
		for (i++; i < nbytes; i++)
			if (s[i] != 0 || e[i] != 0xff)
				return -ERANGE;
	}
	out->addr = ts->start;
	out->prefix = (uint8_t)prefix;
	return 0;
}

bool ike_ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	struct ike_ts r;

	if (a->start.af != b->start.af)
		return false;
	if (a->ipproto && b->ipproto && a->ipproto != b->ipproto)
		return false;
	r.ipproto = a->ipproto ? a->ipproto : b->ipproto;
	r.sport = a->sport > b->sport ? a->sport : b->sport;
	r.eport = a->eport < b->eport ? a->eport : b->eport;
	if (r.sport > r.eport)
		return false;
	r.start = addr_cmp(&a->start, &b->start) > 0 ? a->start : b->start;
	r.end = addr_cmp(&a->end, &b->end) < 0 ? a->end : b->end;
	if (addr_cmp(&r.start, &r.end) > 0)
		return false;
	*out = r;
	return true;
}

bool ike_ts_within(const struct ike_ts *a, const struct ike_ts *b)
{
	if (a->start.af != b->start.af)
		return false;
	if (b->ipproto && a->ipproto != b->ipproto)
		return false;
	return a->sport >= b->sport && a->eport <= b->eport &&
	       addr_cmp(&a->start, &b->start) >= 0 && addr_cmp(&a->end, &b->end) <= 0;
}

bool ike_ts_equal(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->ipproto == b->ipproto && a->sport == b->sport && a->eport == b->eport &&
	       ip_addr_eq(&a->start, &b->start) && ip_addr_eq(&a->end, &b->end);
}

int ike_ts_narrow(const struct ike_ts_set *proposed, const struct ike_ts *ours,
		  struct ike_ts *chosen)
{
	for (unsigned i = 0; i < proposed->n; i++) {
		struct ike_ts r;
		struct ip_subnet sn;

		if (!ike_ts_intersect(&proposed->ts[i], ours, &r))
			continue;
		/* One port or all ports: the kernel selector has no range. */
		if (r.sport != r.eport && !(r.sport == 0 && r.eport == 65535))
			continue;
		if (ike_ts_to_subnet(&r, &sn) < 0)
			continue;
		*chosen = r;
		return 0;
	}
	return -ENOENT;
}

bool ike_ts_set_within(const struct ike_ts_set *reply, const struct ike_ts *sent)
{
	if (reply->n == 0)
		return false;
	for (unsigned i = 0; i < reply->n; i++)
		if (!ike_ts_within(&reply->ts[i], sent))
			return false;
	return true;
}

const char *ike_ts_str(const struct ike_ts *ts, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], sn[IP_SUBNET_STRLEN];
	struct ip_subnet s;
	char ports[32] = "";

	if (ts->ipproto || !(ts->sport == 0 && ts->eport == 65535)) {
		if (ts->sport == ts->eport)
			snprintf(ports, sizeof(ports), ":%u/%u", ts->ipproto, ts->sport);
		else
			snprintf(ports, sizeof(ports), ":%u/%u-%u", ts->ipproto, ts->sport,
				 ts->eport);
	}
	if (ike_ts_to_subnet(ts, &s) == 0)
		snprintf(buf, len, "%s%s", ip_subnet_str(&s, sn), ports);
	else
		snprintf(buf, len, "%s-%s%s", ip_addr_str(&ts->start, a), ip_addr_str(&ts->end, b),
			 ports);
	return buf;
}
