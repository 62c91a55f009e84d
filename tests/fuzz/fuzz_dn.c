/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for a peer's ID_DER_ASN1_DN payload data: a DN is
 * validated, printed, matched, and its printed form parsed again to the
 * same DN.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1), again[CRYPTO_DN_MAX];
	char buf[CRYPTO_DN_STR_MAX];
	int n;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (crypto_dn_is_valid(copy, size)) {
		crypto_dn_match(copy, size, copy, size);
		crypto_dn_has_wildcard(copy, size);
		n = crypto_dn_str(copy, size, buf, sizeof(buf));
		/* what prints (without hex values) parses and matches itself */
		if (n > 0 && !strchr(buf, '#')) {
			int m = crypto_dn_parse(buf, again, sizeof(again), NULL, 0);

			if (m > 0 && !crypto_dn_match(again, (size_t)m, again, (size_t)m))
				abort();
		}
	}
	free(copy);
	return 0;
}
