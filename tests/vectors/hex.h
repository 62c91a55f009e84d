/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_VECTORS_HEX_H
#define SKUA_TESTS_VECTORS_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode a vector's hex string; aborts on malformed input or overflow. */
static inline size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h);

	if (n % 2 || n / 2 > cap) {
		fprintf(stderr, "unhex: bad vector (%zu digits, room for %zu bytes)\n", n, cap);
		abort();
	}
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

#endif
