/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_IKE_V1_SAMPLE_H
#define SKUA_TESTS_IKE_V1_SAMPLE_H

/*
 * A Main Mode first message written out byte by byte from RFC 2408 and
 * RFC 2409 Appendix A (not by our encoder): one ISAKMP proposal with two
 * transforms (AES-CBC-256, SHA2-256, PSK, MODP-2048 / MODP-1024, 28800 s
 * as a variable attribute) and one Vendor ID. 148 bytes.
 */
#include <stdint.h>

static const uint8_t v1_mm1[] = {
	/* header: CKY-I, CKY-R 0, next SA, 1.0, Main Mode, no flags, M-ID 0, 148 */
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
	0, 0, 0, 0, 0, 0, 0, 0,
	1, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 148,
	/* SA: next VID, 100 bytes; DOI IPsec, SIT_IDENTITY_ONLY */
	13, 0, 0, 100, 0, 0, 0, 1, 0, 0, 0, 1,
	/* proposal 1: last, 88 bytes; ISAKMP, SPI size 0, 2 transforms */
	0, 0, 0, 88, 1, 1, 0, 2,
	/* transform 0: next T, 40 bytes; KEY_IKE */
	3, 0, 0, 40, 0, 1, 0, 0,
	0x80, 1, 0, 7,			/* encryption AES-CBC */
	0x80, 14, 1, 0,			/* key length 256 */
	0x80, 2, 0, 4,			/* hash SHA2-256 */
	0x80, 3, 0, 1,			/* auth PSK */
	0x80, 4, 0, 14,			/* group MODP-2048 */
	0x80, 11, 0, 1,			/* life type seconds */
	0, 12, 0, 4, 0, 0, 0x70, 0x80,	/* life duration 28800, variable */
	/* transform 1: last, 40 bytes; KEY_IKE, group MODP-1024 */
	0, 0, 0, 40, 1, 1, 0, 0,
	0x80, 1, 0, 7,
	0x80, 14, 1, 0,
	0x80, 2, 0, 4,
	0x80, 3, 0, 1,
	0x80, 4, 0, 2,
	0x80, 11, 0, 1,
	0, 12, 0, 4, 0, 0, 0x70, 0x80,
	/* VID: last, 20 bytes (RFC 3706 DPD) */
	0, 0, 0, 20,
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

enum { V1_MM1_SA_OFF = 28, V1_MM1_SA_LEN = 100, V1_MM1_VID_OFF = 128 };

#endif
