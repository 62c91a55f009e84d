/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_P2_PROPOSAL_H
#define SKUA_IKE_V1_P2_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v1/payloads.h"

/*
 * Quick Mode's ESP proposals (RFC 2407 4.4.4, 4.5), the groundwork of
 * Quick Mode (which is not there yet): libreswan's esp= read by the
 * shared parser (ike/proposal.h), each proposal becoming one ESP
 * transform per encryption x integrity, with the IPsec DOI attributes
 * (Authentication Algorithm, Key Length, Encapsulation Mode, SA Life,
 * Group Description for PFS). Without esp=, libreswan 4.10's IKEv1
 * default (ipsec algparse -v1 esp): AES_CBC (256, then 128) with
 * HMAC_SHA1_96.
 */

enum {
	V1_P2_MAX = 32,
	/* ESP transform IDs (RFC 2407 4.4.4, RFC 3602, RFC 4106) */
	V1_ESP_3DES = 3,
	V1_ESP_NULL = 11,
	V1_ESP_AES = 12,
	V1_ESP_AES_GCM_8 = 18,
	V1_ESP_AES_GCM_12 = 19,
	V1_ESP_AES_GCM_16 = 20,
	/* Authentication Algorithm attribute values (RFC 2407 4.5, RFC 4868) */
	V1_AUTH_HMAC_MD5 = 1,
	V1_AUTH_HMAC_SHA1 = 2,
	V1_AUTH_HMAC_SHA2_256 = 5,
	V1_AUTH_HMAC_SHA2_384 = 6,
	V1_AUTH_HMAC_SHA2_512 = 7,
	V1_AUTH_AES_XCBC = 9,
};

/* One ESP transform. */
struct v1_p2 {
	uint8_t esp_id;			/* V1_ESP_* */
	uint16_t key_bits;		/* 0: none (fixed-size cipher) */
	uint16_t auth;			/* V1_AUTH_HMAC_*, 0 for AES-GCM */
	uint16_t group;			/* PFS group, 0: none */
	uint16_t encap;			/* enum v1_encapsulation */
	uint32_t life_s;
};

struct v1_p2_set {
	uint8_t n;
	struct v1_p2 t[V1_P2_MAX];
};

/*
 * The set for esp= (NULL: the default), with PFS group pfs_group (0: no
 * PFS; a group in esp= overrides it), tunnel or transport mode and the
 * SA lifetime. Returns 0, or -EINVAL / -ENOTSUP with a message in err.
 * Context: any thread; pure.
 */
int v1_p2_set_make(const char *esp, uint16_t pfs_group, bool tunnel, uint32_t life_s,
		   struct v1_p2_set *out, char *err, size_t errlen);

/* The initiator's SA payload: one ESP proposal with our SPI, one transform each. */
int v1_p2_set_to_sa(const struct v1_p2_set *set, const uint8_t spi[4], struct v1_sa *out);

/* Read one ESP transform; -ENOTSUP when something in it is not ours (never matches). */
int v1_p2_of_transform(const struct v1_sa *sa, const struct v1_transform *t, struct v1_p2 *out);

/*
 * Responder: the first transform of the peer's first ESP proposal (with a
 * 4-byte SPI) that matches one of ours, the peer's lifetime capped by
 * ours. *ti indexes offered->trans, *pi offered->prop. -ENOENT: none.
 */
int v1_p2_choose(const struct v1_p2_set *local, const struct v1_sa *offered,
		 struct v1_p2 *chosen, unsigned *pi, unsigned *ti);

#endif
