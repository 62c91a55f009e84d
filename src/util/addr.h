/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_ADDR_H
#define SKUA_UTIL_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address; af == AF_UNSPEC means "unset". */
struct ip_addr {
	sa_family_t af;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	};
};

struct ip_subnet {
	struct ip_addr addr;
	uint8_t prefix;		/* 0..32 or 0..128 */
};

#define IP_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */
#define IP_SUBNET_STRLEN (IP_ADDR_STRLEN + 4)

/*
 * Parse a numeric IPv4 dotted quad or IPv6 address. Returns 0 or -EINVAL.
 * Context: any thread; pure.
 */
int ip_addr_parse(const char *s, struct ip_addr *out);

/*
 * Parse "address/prefix" (or a bare address, meaning a host subnet).
 * Returns 0, -EINVAL (malformed) or -EDOM (bits set beyond the prefix).
 */
int ip_subnet_parse(const char *s, struct ip_subnet *out);

/* Context: any thread. Returns buf. */
const char *ip_addr_str(const struct ip_addr *a, char buf[IP_ADDR_STRLEN]);
const char *ip_subnet_str(const struct ip_subnet *s, char buf[IP_SUBNET_STRLEN]);

static inline unsigned ip_addr_bits(const struct ip_addr *a)
{
	return a->af == AF_INET6 ? 128 : 32;
}

bool ip_addr_eq(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_is_unspecified(const struct ip_addr *a);	/* 0.0.0.0 or :: */
/* The host subnet of a (prefix 32 or 128). */
struct ip_subnet ip_subnet_from_addr(const struct ip_addr *a);
/* The netmask of s as an address ("255.255.255.0"). */
struct ip_addr ip_subnet_mask(const struct ip_subnet *s);
bool ip_subnet_contains(const struct ip_subnet *s, const struct ip_addr *a);

/*
 * Parse "ADDR:PORT" (a numeric IPv4 address, or an IPv6 one in brackets:
 * "[::1]:9090"; port 1..65535, or 0 when allow_any_port) into addr/port
 * (pluto --metrics). Returns 0 or -EINVAL with why saying what was wrong
 * and what was expected. Context: any thread; pure.
 */
int ip_addr_port_parse(const char *text, bool allow_any_port, struct ip_addr *addr,
		       uint16_t *port, char *why, size_t whylen);

/* sockaddr conversions. */
int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out, uint16_t *port);
socklen_t ip_addr_to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss);

#endif
