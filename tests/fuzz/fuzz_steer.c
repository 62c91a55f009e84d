/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The steering rule reads the IKE header of every datagram before anything
 * else: it must pick a worker in range for any bytes, any source address
 * (IPv4, IPv6, IPv4-mapped; the last 16 bytes of the input), on both
 * ports and for any worker count, and agree with itself after the NAT-T
 * marker.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/steer.h"
#include "net/udp_socket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip_addr src = { .af = size % 2 ? AF_INET6 : AF_INET };

	if (size >= 16)
		memcpy(src.b, data + size - 16, 16);
	if (size % 4 == 3) {	/* an IPv4-mapped IPv6 address hashes as its IPv4 address */
		struct ip_addr v4 = { .af = AF_INET };

		memset(src.b, 0, 10);
		src.b[10] = src.b[11] = 0xff;
		memcpy(v4.b, src.b + 12, 4);
		if (net_steer_addr_hash(&src) != net_steer_addr_hash(&v4))
			abort();
	}
	for (unsigned n = 1; n <= 5; n++) {
		if (net_steer_pick(data, size, false, n, &src) >= n)
			abort();
		if (net_steer_pick(data, size, true, n, &src) >= n)
			abort();
	}
	/* Stripping the marker yields the message the plain rule sees. */
	const uint8_t *p = data;
	size_t len = size;
	if (net_natt_strip(&p, &len) == 0) {
		if (len + 4 != size || p != data + 4)
			abort();
		if (len >= 28 && net_steer_pick(data, size, true, 4, &src) !=
					      net_steer_pick(p, len, false, 4, &src))
			abort();
	}
	return 0;
}
