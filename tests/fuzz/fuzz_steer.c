/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The steering rule reads the IKE header of every datagram before anything
 * else: it must pick a worker in range for any bytes, on both ports and
 * for any worker count, and agree with itself after the NAT-T marker.
 */
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
	for (unsigned n = 1; n <= 5; n++) {
		if (net_steer_pick(data, size, false, n) >= n)
			abort();
		if (net_steer_pick(data, size, true, n) >= n)
			abort();
	}
	/* Stripping the marker yields the message the plain rule sees. */
	const uint8_t *p = data;
	size_t len = size;
	if (net_natt_strip(&p, &len) == 0) {
		if (len + 4 != size || p != data + 4)
			abort();
		if (len >= 28 && net_steer_pick(data, size, true, 4) != net_steer_pick(p, len, false, 4))
			abort();
	}
	return 0;
}
