/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_SECRETS_DATA_H
#define SKUA_CTL_SECRETS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The unquoted secret notations of ipsec.secrets(5), as libreswan's
 * ttodata(3) reads them:
 *   0x... hexadecimal, two digits a byte; one '_' may separate byte groups
 *   0s... base64 (RFC 2045 6.8), groups of four; '=' pads the last group
 *   0t... the characters themselves
 * (prefixes in either case).
 */

/* True when s[0..len) starts with one of the prefixes above. */
bool secrets_data_has_prefix(const char *s, size_t len);

/*
 * Decode s[0..len) into out (cap bytes). Returns 0 with *outlen set,
 * -EINVAL with *why set to a static description of the problem (never
 * quoting the data: it is a secret), or -E2BIG when the result would not
 * fit in cap. Bytes written to out before an error are the caller's to
 * wipe. Context: any thread; pure.
 */
int secrets_data_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen,
			const char **why);

#endif
