/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_conn_select [N]: the CPU cost of choosing a responder's connection
 * with N connections loaded (N/2 per-user %any connections with a named
 * peer ID, N/2 site-to-site peers with exact hosts, one %any template),
 * through the index (ike/conn_select.c). Prints ns of CPU per choice for
 * IKE_SA_INIT (by hosts) and IKE_AUTH (by peer ID), at N and at 10, so
 * the ratio shows whether the cost grows with N. Run by hand; see
 * bench/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "ike/conn_select.h"

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	if (ip_addr_parse(s, &a) < 0)
		abort();
	return a;
}

static void add(struct conn_table *t, uint64_t serial, const char *name, const char *peer,
		const char *peer_id)
{
	struct conn_spec s;
	struct connection *c;
	char err[300];

	conn_spec_init(&s);
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.policy |= POL_PSK | POL_ENCRYPT | POL_TUNNEL;
	s.end[0].host_kind = HOST_ADDR;
	s.end[0].host = addr("192.0.2.1");
	s.end[0].id = strdup("@gw");
	if (peer) {
		s.end[1].host_kind = HOST_ADDR;
		s.end[1].host = addr(peer);
	} else {
		s.end[1].host_kind = HOST_ANY;
	}
	if (peer_id)
		s.end[1].id = strdup(peer_id);
	if (ike_connection_new(&s, serial, &c, err, sizeof(err)) < 0 ||
	    ike_connection_publish(t, c) < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(1);
	}
	conn_spec_fini(&s);
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void run(unsigned n, unsigned lookups)
{
	struct conn_table t;
	struct ike_daemon d = { .conns = &t };
	struct ip_addr local = addr("192.0.2.1");
	char name[32], peer[32], id[32];
	uint64_t serial = 0;
	unsigned found = 0;

	if (sadb_conn_table_init(&t) < 0)
		exit(1);
	add(&t, ++serial, "rw", NULL, NULL);
	for (unsigned i = 0; i < n / 2; i++) {
		snprintf(name, sizeof(name), "user%u", i);
		snprintf(id, sizeof(id), "@user%u", i);
		add(&t, ++serial, name, NULL, id);
		snprintf(name, sizeof(name), "site%u", i);
		snprintf(peer, sizeof(peer), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
		add(&t, ++serial, name, peer, NULL);
	}
	sleep(1);	/* let the tables finish growing (liburcu resizes them in the background) */
	double t0 = cpu_ns();
	for (unsigned k = 0; k < lookups; k++) {
		unsigned i = k % (n / 2 ? n / 2 : 1);
		uint8_t end;
		snprintf(peer, sizeof(peer), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
		struct ip_addr p = addr(peer);
		struct connection *c = ike_conn_for_responder(&d, &local, &p, &end);
		if (c) {
			found++;
			ike_connection_unref(c);
		}
	}
	double t1 = cpu_ns();
	for (unsigned k = 0; k < lookups; k++) {
		unsigned i = k % (n / 2 ? n / 2 : 1);
		struct ike_id who;
		uint8_t end;
		snprintf(id, sizeof(id), "@user%u", i);
		ike_id_parse(id, &who, name, sizeof(name));
		struct ip_addr p = addr("203.0.113.7");
		struct connection *c = ike_conn_for_id(&d, &local, &p, &who, &end);
		if (c) {
			found++;
			ike_connection_unref(c);
		}
	}
	double t2 = cpu_ns();
	printf("%7u connections: IKE_SA_INIT choice %6.0f ns CPU, IKE_AUTH choice by ID %6.0f ns CPU (%u/%u found)\n",
	       n + 1, (t1 - t0) / lookups, (t2 - t1) / lookups, found, 2 * lookups);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;

	rcu_register_thread();
	run(10, 200000);
	run(n, 200000);
	rcu_unregister_thread();
	return 0;
}
