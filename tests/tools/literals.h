/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_TOOLS_LITERALS_H
#define SKUA_TESTS_TOOLS_LITERALS_H

#include "util/addr.h"

/* Address and subnet literals for the kernel round-trip tools (well-formed by construction). */
static inline struct ip_addr A(const char *s)
{
	struct ip_addr a;

	ip_addr_parse(s, &a);
	return a;
}

static inline struct ip_subnet N(const char *s)
{
	struct ip_subnet n;

	ip_subnet_parse(s, &n);
	return n;
}

#endif
