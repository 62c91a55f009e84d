/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ike/v1/msg.h"
#include "ike/v1/p2_proposal.h"

TestSuite(v1_p2_proposal, .timeout = 30);

static struct v1_p2_set set, peer;
static struct v1_sa form, back;
static char err[256];
static uint8_t buf[8192];

Test(v1_p2_proposal, libreswan_default_is_aes_sha1)
{
	cr_assert_eq(v1_p2_set_make(NULL, 0, true, 3600, &set, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(set.n, 2);
	cr_assert_eq(set.t[0].esp_id, V1_ESP_AES);
	cr_assert_eq(set.t[0].key_bits, 256);
	cr_assert_eq(set.t[0].auth, V1_AUTH_HMAC_SHA1);
	cr_assert_eq(set.t[0].encap, V1_ENCAP_TUNNEL);
	cr_assert_eq(set.t[0].group, 0);
	cr_assert_eq(set.t[1].key_bits, 128);
}

Test(v1_p2_proposal, syntax_pfs_gcm_and_refusals)
{
	cr_assert_eq(v1_p2_set_make("aes256-sha2_256", 14, false, 600, &set, err, sizeof(err)), 0);
	cr_assert_eq(set.n, 1);
	cr_assert_eq(set.t[0].auth, V1_AUTH_HMAC_SHA2_256);
	cr_assert_eq(set.t[0].group, 14, "--pfsgroup");
	cr_assert_eq(set.t[0].encap, V1_ENCAP_TRANSPORT);
	cr_assert_eq(v1_p2_set_make("aes128-sha2_512;dh19", 0, true, 600, &set, err, sizeof(err)), 0);
	cr_assert_eq(set.t[0].group, 19, "a group in esp= asks for PFS");
	cr_assert_eq(v1_p2_set_make("aes_gcm256", 0, true, 600, &set, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(set.n, 1);
	cr_assert_eq(set.t[0].esp_id, V1_ESP_AES_GCM_16);
	cr_assert_eq(set.t[0].auth, 0);
	cr_assert_eq(v1_p2_set_make("chacha20_poly1305", 0, true, 600, &set, err, sizeof(err)),
		     -ENOTSUP);
	cr_assert_eq(v1_p2_set_make("aes-md5", 0, true, 600, &set, err, sizeof(err)), -EINVAL);
	/* 3DES: ESP transform 3, no key length, an integrity algorithm needed */
	cr_assert_eq(v1_p2_set_make("3des-sha1", 0, true, 600, &set, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(set.n, 1);
	cr_assert_eq(set.t[0].esp_id, V1_ESP_3DES);
	cr_assert_eq(set.t[0].key_bits, 0);
	cr_assert_eq(set.t[0].auth, V1_AUTH_HMAC_SHA1);
}

/* Our SA payload, encoded and decoded, is chosen by a responder with the same set. */
Test(v1_p2_proposal, round_trip_and_choice)
{
	static const uint8_t spi[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct wbuf w = wbuf_make(buf, sizeof(buf));
	struct wire r;
	const char *why;
	struct v1_p2 chosen;
	unsigned pi, ti;

	cr_assert_eq(v1_p2_set_make("aes128-sha1,aes256-sha2_256", 5, true, 28800, &peer, err,
				    sizeof(err)), 0);
	cr_assert_eq(v1_p2_set_to_sa(&peer, spi, &form), 0);
	cr_assert_eq(v1_pl_sa_encode(&w, &form), 0);
	r = wire_make(buf, w.len);
	cr_assert_eq(v1_pl_sa_decode(&r, &back, &why), 0);
	cr_assert_eq(back.prop[0].protocol, V1_PROTO_ESP);
	cr_assert_arr_eq(back.prop[0].spi, spi, 4);
	cr_assert_eq(back.prop[0].ntrans, 2);

	cr_assert_eq(v1_p2_set_make("aes256-sha2_256", 5, true, 3600, &set, err, sizeof(err)), 0);
	cr_assert_eq(v1_p2_choose(&set, &back, &chosen, &pi, &ti), 0);
	cr_assert_eq(ti, 1);
	cr_assert_eq(chosen.key_bits, 256);
	cr_assert_eq(chosen.auth, V1_AUTH_HMAC_SHA2_256);
	cr_assert_eq(chosen.group, 5);
	cr_assert_eq(chosen.life_s, 3600);
	/* without PFS on our side, the peer's PFS transform does not match */
	cr_assert_eq(v1_p2_set_make("aes256-sha2_256", 0, true, 3600, &set, err, sizeof(err)), 0);
	cr_assert_eq(v1_p2_choose(&set, &back, &chosen, &pi, &ti), -ENOENT);
	/* nor transport against tunnel */
	cr_assert_eq(v1_p2_set_make("aes256-sha2_256", 5, false, 3600, &set, err, sizeof(err)), 0);
	cr_assert_eq(v1_p2_choose(&set, &back, &chosen, &pi, &ti), -ENOENT);
}
