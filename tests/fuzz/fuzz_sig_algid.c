/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for the RFC 7427 AlgorithmIdentifier of a peer's AUTH
 * payload (crypto_sig_algid_decode). What decodes must encode back to
 * what decodes to the same scheme (when we have a form for it), and
 * nothing may read past the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sig_alg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_sig_scheme s, again;
	uint8_t out[CRYPTO_SIG_ALGID_MAX];
	uint8_t *copy = malloc(size ? size : 1);	/* exact size: ASan sees over-reads */
	int n;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (crypto_sig_algid_decode(copy, size, &s) == 0) {
		n = crypto_sig_algid_encode(&s, out, sizeof(out));
		if (n > 0 && (crypto_sig_algid_decode(out, (size_t)n, &again) != 0 ||
			      memcmp(&s, &again, sizeof(s)) != 0))
			abort();
	}
	free(copy);
	return 0;
}
