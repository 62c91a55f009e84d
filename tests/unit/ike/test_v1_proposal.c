/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ike/v1/proposal.h"
#include "util/conn_spec.h"

TestSuite(v1_proposal, .timeout = 30);

static struct v1_p1_set set, peer;
static struct v1_sa form;
static char err[256];

static int make(const char *ike)
{
	err[0] = '\0';
	return v1_p1_set_make(ike, V1_AUTH_PSK, 3600, &set, err, sizeof(err));
}

/* Transform i of set: AES-CBC with key bits, or 3DES where key is 192 (no test has AES-192). */
static void is(unsigned i, unsigned key, unsigned hash, unsigned group)
{
	cr_assert_eq(set.t[i].encr, key == 192 ? V1_ENCR_3DES : V1_ENCR_AES_CBC, "transform %u", i);
	cr_assert_eq(set.t[i].key_bits, key, "transform %u: key %u", i, set.t[i].key_bits);
	cr_assert_eq(set.t[i].hash, hash, "transform %u: hash %u", i, set.t[i].hash);
	cr_assert_eq(set.t[i].group, group, "transform %u: group %u", i, set.t[i].group);
	cr_assert_eq(set.t[i].auth, V1_AUTH_PSK);
	cr_assert_eq(set.t[i].life_s, 3600);
}

/* libreswan 4.10's IKEv1 defaults (ipsec algparse -v1 ike), in its order. */
Test(v1_proposal, defaults)
{
	cr_assert_eq(make(NULL), 0);
	cr_assert_eq(set.n, 18);
	is(0, 256, V1_HASH_SHA2_256, 14);
	is(1, 256, V1_HASH_SHA2_256, 5);
	is(2, 256, V1_HASH_SHA2_512, 14);
	is(4, 256, V1_HASH_SHA1, 14);
	is(6, 128, V1_HASH_SHA2_256, 14);
	is(11, 128, V1_HASH_SHA1, 5);
	is(12, 192, V1_HASH_SHA2_256, 14);
	is(13, 192, V1_HASH_SHA2_256, 5);
	is(16, 192, V1_HASH_SHA1, 14);
	is(17, 192, V1_HASH_SHA1, 5);
}

Test(v1_proposal, libreswan_syntax)
{
	cr_assert_eq(make("aes256-sha2_256;modp2048"), 0, "%s", err);
	cr_assert_eq(set.n, 1);
	is(0, 256, V1_HASH_SHA2_256, 14);
	/* AES without a key length: 256, then 128 */
	cr_assert_eq(make("aes-sha1;modp2048"), 0, "%s", err);
	cr_assert_eq(set.n, 2);
	is(0, 256, V1_HASH_SHA1, 14);
	is(1, 128, V1_HASH_SHA1, 14);
	/* no group named: IKEv1's (libreswan's) MODP2048 and MODP1536, not IKEv2's list */
	cr_assert_eq(make("aes128-sha2_512"), 0, "%s", err);
	cr_assert_eq(set.n, 2);
	is(0, 128, V1_HASH_SHA2_512, 14);
	is(1, 128, V1_HASH_SHA2_512, 5);
	/* ECP and several proposals */
	cr_assert_eq(make("aes128-sha2_384;dh19,aes256-sha2_512;dh20"), 0, "%s", err);
	cr_assert_eq(set.n, 2);
	is(0, 128, V1_HASH_SHA2_384, 19);
	is(1, 256, V1_HASH_SHA2_512, 20);
}

Test(v1_proposal, refusals)
{
	cr_assert_eq(make("des-sha1;modp2048"), -EINVAL);
	cr_assert(strstr(err, "des"), "%s", err);
	cr_assert_eq(make("aes-md5;modp2048"), -EINVAL);
	cr_assert(strstr(err, "md5"), "%s", err);
	cr_assert_eq(make("aes-sha1;modp768"), -EINVAL, "%s", err);
	cr_assert_eq(make("aes_gcm256-sha2_256;modp2048"), -EINVAL);
	cr_assert(strstr(err, "not supported by IKEv1"), "%s", err);
	cr_assert_eq(make("chacha20poly1305-sha2_256;dh31"), -EINVAL);
}

/*
 * 3DES (libreswan 4.10's IKEv1 takes it, and proposes it last by default):
 * a fixed 192-bit key, so no key length attribute goes out, and one that
 * comes must say 192.
 */
Test(v1_proposal, des3_when_named)
{
	struct v1_p1 chosen;
	char b[96];
	unsigned ti;

	cr_assert_eq(make("3des-sha1;modp2048,aes256-sha2_256;modp2048"), 0, "%s", err);
	cr_assert_eq(set.n, 2);
	cr_assert_eq(set.t[0].encr, V1_ENCR_3DES);
	cr_assert_eq(set.t[0].key_bits, 192);
	cr_assert_eq(set.t[0].hash, V1_HASH_SHA1);
	cr_assert_eq(set.t[1].encr, V1_ENCR_AES_CBC);
	cr_assert_str_eq(v1_p1_str(&set.t[0], b, sizeof(b)), "3DES_CBC_192-HMAC_SHA1-MODP2048");
	cr_assert_eq(v1_p1_set_to_sa(&set, &form), 0);
	for (unsigned a = 0; a < form.trans[0].nattr; a++)
		cr_assert_neq(form.attr[form.trans[0].first_attr + a].type, V1_A_KEY_LENGTH,
			      "a key length for 3DES");
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), 0);
	cr_assert_eq(ti, 0);
	cr_assert_eq(chosen.encr, V1_ENCR_3DES);
	cr_assert_eq(chosen.key_bits, 192);
	/* "3des" alone: libreswan's hashes and groups for it (algparse -v1 ike=3des) */
	cr_assert_eq(make("3des"), 0, "%s", err);
	cr_assert_eq(set.n, 6);
	is(0, 192, V1_HASH_SHA2_256, 14);
	is(5, 192, V1_HASH_SHA1, 5);
	/* as "aes" alone: SHA1 too (the shared parser's IKEv2 list has none) */
	cr_assert_eq(make("aes"), 0, "%s", err);
	cr_assert_eq(set.n, 12);
	is(0, 256, V1_HASH_SHA2_256, 14);
	is(4, 256, V1_HASH_SHA1, 14);
	is(11, 128, V1_HASH_SHA1, 5);
	cr_assert_eq(make("aes128-modp2048"), 0, "%s", err);
	cr_assert_eq(set.n, 3, "a group named, no hash");
	is(2, 128, V1_HASH_SHA1, 14);
	/* a 3DES transform that says another key length never matches */
	v1_sa_init(&form);
	v1_sa_add_proposal(&form, 1, V1_PROTO_ISAKMP, NULL, 0);
	v1_sa_add_transform(&form, 1, V1_KEY_IKE);
	v1_sa_add_basic(&form, V1_A_ENCR, V1_ENCR_3DES);
	v1_sa_add_basic(&form, V1_A_KEY_LENGTH, 128);
	v1_sa_add_basic(&form, V1_A_HASH, V1_HASH_SHA1);
	v1_sa_add_basic(&form, V1_A_AUTH, V1_AUTH_PSK);
	v1_sa_add_basic(&form, V1_A_GROUP, 14);
	cr_assert_eq(make("3des-sha1;modp2048"), 0);
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), -ENOENT);
	form.attr[1].value = 192;
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), 0);
}

/* The responder takes the peer's first transform it has, with the shorter lifetime. */
Test(v1_proposal, responder_choice)
{
	struct v1_p1 chosen;
	unsigned ti;

	cr_assert_eq(v1_p1_set_make("aes128-sha1;modp2048,aes256-sha2_256;modp2048", V1_AUTH_PSK,
				    86400, &peer, err, sizeof(err)), 0);
	cr_assert_eq(v1_p1_set_to_sa(&peer, &form), 0);
	cr_assert_eq(make("aes256-sha2_256;modp2048,aes128-sha1;modp2048"), 0);
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), 0);
	cr_assert_eq(ti, 0, "the peer's order wins");
	cr_assert_eq(chosen.key_bits, 128);
	cr_assert_eq(chosen.hash, V1_HASH_SHA1);
	cr_assert_eq(chosen.life_s, 3600, "capped by ours");
	cr_assert(v1_p1_offered(&set, &chosen));

	/* a transform with an attribute we do not know never matches */
	v1_sa_init(&form);
	v1_sa_add_proposal(&form, 1, V1_PROTO_ISAKMP, NULL, 0);
	v1_sa_add_transform(&form, 1, V1_KEY_IKE);
	v1_sa_add_basic(&form, V1_A_ENCR, V1_ENCR_AES_CBC);
	v1_sa_add_basic(&form, V1_A_KEY_LENGTH, 256);
	v1_sa_add_basic(&form, V1_A_HASH, V1_HASH_SHA2_256);
	v1_sa_add_basic(&form, V1_A_AUTH, V1_AUTH_PSK);
	v1_sa_add_basic(&form, V1_A_GROUP, 14);
	v1_sa_add_basic(&form, V1_A_PRF, 1);
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), -ENOENT);
	/* without it, it does; AES without a key length is 128 (RFC 3602 5) */
	form.nattr--;
	form.trans[0].nattr--;
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), 0);
	v1_sa_init(&form);
	v1_sa_add_proposal(&form, 1, V1_PROTO_ISAKMP, NULL, 0);
	v1_sa_add_transform(&form, 1, V1_KEY_IKE);
	v1_sa_add_basic(&form, V1_A_ENCR, V1_ENCR_AES_CBC);
	v1_sa_add_basic(&form, V1_A_HASH, V1_HASH_SHA1);
	v1_sa_add_basic(&form, V1_A_AUTH, V1_AUTH_PSK);
	v1_sa_add_basic(&form, V1_A_GROUP, 14);
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), 0);
	cr_assert_eq(chosen.key_bits, 128);
	/* another auth method, or an ESP proposal: nothing */
	form.attr[2].value = V1_AUTH_RSA_SIG;
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), -ENOENT);
	form.attr[2].value = V1_AUTH_PSK;
	form.prop[0].protocol = V1_PROTO_ESP;
	cr_assert_eq(v1_p1_choose(&set, &form, &chosen, &ti), -ENOENT);
}

Test(v1_proposal, what_an_ikev1_connection_may_ask)
{
	struct conn_spec s;

	memset(&s, 0, sizeof(s));
	s.policy = POL_IKEV1 | POL_PSK | POL_ENCRYPT;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.policy = POL_IKEV1 | POL_RSASIG | POL_ENCRYPT;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.policy = POL_IKEV1 | POL_ENCRYPT;	/* no flag: signatures, the key says which */
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.policy = POL_IKEV1 | POL_RSASIG | POL_ECDSA | POL_ENCRYPT;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	/* ECDSA alone (RFC 4754), or on one end with the other's default */
	s.policy = POL_IKEV1 | POL_ECDSA | POL_ENCRYPT;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.policy = POL_IKEV1 | POL_ENCRYPT;
	s.end[0].authby = AUTHBY_ECDSA;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	/* RSA on one end and ECDSA on the other: no one method */
	s.end[1].authby = AUTHBY_RSASIG;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -ENOTSUP);
	cr_assert(strstr(err, "one method"), "%s", err);
	s.end[1].authby = AUTHBY_DEFAULT;
	/* XAUTH with ECDSA only: XAUTH's methods are RSA's */
	s.end[1].xauth_client = true;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -ENOTSUP);
	cr_assert(strstr(err, "XAUTH") && strstr(err, "not supported yet"), "%s", err);
	s.end[1].xauth_client = false;
	/* EdDSA: IKEv1 has no method */
	s.end[0].authby = AUTHBY_EDDSA;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -ENOTSUP);
	cr_assert(strstr(err, "EdDSA"), "%s", err);
	s.end[0].authby = AUTHBY_DEFAULT;
	s.policy = POL_IKEV1 | POL_PSK | POL_RSASIG | POL_ENCRYPT;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -ENOTSUP);
	cr_assert(strstr(err, "not supported yet"), "%s", err);
	s.policy = POL_IKEV1 | POL_RSASIG | POL_ENCRYPT;
	s.end[1].xauth_client = true;	/* XAUTHInitRSA */
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.end[1].xauth_client = false;
	s.policy = POL_IKEV1 | POL_PSK | POL_ENCRYPT;
	s.end[1].authby = AUTHBY_RSASIG;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -ENOTSUP);
	cr_assert(strstr(err, "alike"), "%s", err);
	s.end[1].authby = AUTHBY_PSK;
	s.ike = "aes_gcm256-sha2_256";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -EINVAL);
}

/* libreswan's refusal: no Aggressive Mode without a DH group named in ike=, and only one. */
Test(v1_proposal, aggressive_mode_needs_one_named_group)
{
	struct conn_spec s;

	memset(&s, 0, sizeof(s));
	s.policy = POL_IKEV1 | POL_PSK | POL_ENCRYPT | POL_AGGRESSIVE;
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -EINVAL, "no ike= was accepted");
	cr_assert(strstr(err, "requires ike= with a DH group"), "%s", err);
	s.ike = "aes256-sha2_256";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -EINVAL);
	s.ike = "aes256-sha2_256;modp2048,aes128-sha1";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -EINVAL);
	s.ike = "aes256-sha2_256;modp2048+modp1536";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "one DH group"), "%s", err);
	s.ike = "aes256-sha2_256;modp2048,aes128-sha1;modp3072";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), -EINVAL);
	s.ike = "aes256-sha2_256;modp2048";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.ike = "aes256-sha2_256-modp2048,aes128-sha1-modp2048";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
	s.ike = "aes256-sha2_256;dh14";
	cr_assert_eq(v1_connection_check(&s, err, sizeof(err)), 0, "%s", err);
}
