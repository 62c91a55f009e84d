/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for the REDIRECT / REDIRECTED_FROM notify data (RFC
 * 5685 8.1, 8.2): decode, turn the gateway into an address, and encode it
 * back, which must decode to the same gateway and nonce.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/v2/redirect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[V2_REDIRECT_DATA_MAX];
	struct v2_redirect r, back;
	struct ip_addr gw, gw2;
	size_t n;

	if (v2_redirect_decode(data, size, &r) < 0)
		return 0;
	if (v2_redirect_gw_addr(&r, &gw) < 0)
		return 0;
	n = v2_redirect_encode(out, sizeof(out), &gw, r.nonce, r.nonce_len);
	if (!n || v2_redirect_decode(out, n, &back) < 0 || v2_redirect_gw_addr(&back, &gw2) < 0 ||
	    !ip_addr_eq(&gw, &gw2) || back.nonce_len != r.nonce_len ||
	    (r.nonce_len && memcmp(back.nonce, r.nonce, r.nonce_len) != 0))
		abort();
	return 0;
}
