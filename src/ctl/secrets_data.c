/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/secrets_data.h"

#include <errno.h>

#include "util/hex.h"

bool secrets_data_has_prefix(const char *s, size_t len)
{
	if (len < 2 || s[0] != '0')
		return false;
	switch (s[1]) {
	case 'x':
	case 'X':
	case 's':
	case 'S':
	case 't':
	case 'T':
		return true;
	}
	return false;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int hex(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen,
	       const char **why)
{
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		if (s[i] == '_') {
			/* one '_' between two byte groups, nowhere else */
			if (i == 0 || i + 1 == len || s[i + 1] == '_') {
				*why = "0x data: '_' only separates two-digit groups";
				return -EINVAL;
			}
			i++;
			continue;
		}
		if (i + 1 >= len || s[i + 1] == '_') {
			*why = "0x data: expected an even number of hex digits";
			return -EINVAL;
		}
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0) {
			*why = "0x data: expected hex digits (0-9, a-f)";
			return -EINVAL;
		}
		if (n == cap)
			return -E2BIG;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*outlen = n;
	return 0;
}

static int base64(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  const char **why)
{
	size_t n = 0;

	if (len % 4) {
		*why = "0s data: expected base64 in groups of four characters";
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned pad = 0;

		for (unsigned j = 0; j < 4; j++) {
			char c = s[i + j];

			if (c == '=' && j >= 2 && i + 4 == len) {
				pad++;
				v[j] = 0;
				continue;
			}
			if (pad || (v[j] = b64val(c)) < 0) {
				*why = "0s data: expected base64 characters (A-Z a-z 0-9 + /) "
				       "and '=' only at the end";
				return -EINVAL;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		/* the bits under the padding must be zero (ttodata(3)) */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff))) {
			*why = "0s data: non-zero bits in the padded last group";
			return -EINVAL;
		}
		for (unsigned j = 0; j < 3 - pad; j++) {
			if (n == cap)
				return -E2BIG;
			out[n++] = (uint8_t)(w >> (16 - 8 * j));
		}
	}
	*outlen = n;
	return 0;
}

int secrets_data_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen,
			const char **why)
{
	if (!secrets_data_has_prefix(s, len)) {
		*why = "expected a \"quoted\" secret or 0x (hex), 0s (base64) or 0t (text) data";
		return -EINVAL;
	}
	if (len == 2) {
		*why = "expected data after the 0x, 0s or 0t prefix";
		return -EINVAL;
	}
	switch (s[1]) {
	case 'x':
	case 'X':
		return hex(s + 2, len - 2, out, cap, outlen, why);
	case 's':
	case 'S':
		return base64(s + 2, len - 2, out, cap, outlen, why);
	default:
		if (len - 2 > cap)
			return -E2BIG;
		for (size_t i = 2; i < len; i++)
			out[i - 2] = (uint8_t)s[i];
		*outlen = len - 2;
		return 0;
	}
}
