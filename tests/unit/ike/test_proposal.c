/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/alg_names.h"
#include "ike/proposal.h"

/* ---- helpers ---- */

/* "E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=DH19 N=NO_ESN" */
static const char *render(const struct v2_proposal *p, char *buf, size_t size)
{
	static const char tag[] = { '?', 'E', 'P', 'I', 'D', 'N' };
	size_t len = 0;

	buf[0] = '\0';
	for (uint8_t i = 0; i < p->ntrans; i++) {
		char n[ALG_NAME_MAX];
		uint8_t t = p->trans[i].type;

		len += (size_t)snprintf(buf + len, size - len, "%s%c=%s", i ? " " : "",
					t < sizeof(tag) ? tag[t] : '?',
					alg_transform_name(&p->trans[i], n, sizeof(n)));
	}
	return buf;
}

static struct proposal_set parse_ok(const char *text, uint8_t protocol)
{
	struct proposal_set s;
	char err[PROPOSAL_ERR_MAX];
	int rc = proposal_parse(text, protocol, &s, err, sizeof(err));

	cr_assert_eq(rc, 0, "%s: rc %d: %s", text, rc, err);
	cr_assert_str_empty(err);
	return s;
}

static void expect_prop(const char *text, uint8_t protocol, size_t idx, const char *want)
{
	struct proposal_set s = parse_ok(text, protocol);
	char got[1024];

	cr_assert_lt(idx, s.nprops, "%s: %u proposals", text, s.nprops);
	cr_assert_eq(s.props[idx].protocol, protocol);
	cr_assert_str_eq(render(&s.props[idx], got, sizeof(got)), want, "%s", text);
}

static void expect_ike(const char *text, const char *want)
{
	expect_prop(text, V2_PROTO_IKE, 0, want);
}

static void expect_esp(const char *text, const char *want)
{
	expect_prop(text, V2_PROTO_ESP, 0, want);
}

static void expect_err(const char *text, uint8_t protocol, const char *want)
{
	struct proposal_set s;
	char err[PROPOSAL_ERR_MAX];
	int rc = proposal_parse(text, protocol, &s, err, sizeof(err));

	cr_assert(rc == -EINVAL || rc == -E2BIG, "%s: rc %d", text, rc);
	cr_assert_str_eq(err, want, "%s", text);
}

/* the message contains want */
static void expect_err_has(const char *text, uint8_t protocol, const char *want)
{
	struct proposal_set s;
	char err[PROPOSAL_ERR_MAX];
	int rc = proposal_parse(text, protocol, &s, err, sizeof(err));

	cr_assert_eq(rc, -EINVAL, "%s: rc %d", text, rc);
	cr_assert(strstr(err, want), "%s: got \"%s\", wanted \"%s\" in it", text, err, want);
}

#define DEFAULT_DH "D=DH31 D=DH19 D=DH20 D=MODP2048 D=MODP3072 D=MODP4096"

/* ---- parsing: IKE ---- */

Test(proposal_parse, ike_aead_second_token_is_prf)
{
	expect_ike("aes_gcm256-sha2_256", "E=AES_GCM_16_256 P=HMAC_SHA2_256 " DEFAULT_DH);
	expect_ike("aes_gcm256-sha2_512;dh31", "E=AES_GCM_16_256 P=HMAC_SHA2_512 D=DH31");
	expect_ike("chacha20_poly1305-sha2", "E=CHACHA20_POLY1305 P=HMAC_SHA2_256 " DEFAULT_DH);
	expect_ike("aes_gcm-none-sha2_384;dh20",
		   "E=AES_GCM_16_256 E=AES_GCM_16_128 P=HMAC_SHA2_384 D=DH20");
	/* "none" alone: the PRF defaults */
	expect_ike("aes_gcm256-none;dh19",
		   "E=AES_GCM_16_256 P=HMAC_SHA2_512 P=HMAC_SHA2_256 D=DH19");
}

Test(proposal_parse, ike_hash_names_integ_and_prf)
{
	expect_ike("aes128-sha2;dh19", "E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=DH19");
	expect_ike("aes256-sha2_512-modp2048",
		   "E=AES_CBC_256 P=HMAC_SHA2_512 I=HMAC_SHA2_512_256 D=MODP2048");
	expect_ike("aes_cbc128-sha2_256-dh14",
		   "E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=MODP2048");
	expect_ike("aes-sha1",
		   "E=AES_CBC_256 E=AES_CBC_128 P=HMAC_SHA1 I=HMAC_SHA1_96 " DEFAULT_DH);
	expect_ike("aes192-sha2_384;dh21",
		   "E=AES_CBC_192 P=HMAC_SHA2_384 I=HMAC_SHA2_384_192 D=DH21");
	expect_ike("aes_ctr256-sha2;dh19",
		   "E=AES_CTR_256 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=DH19");
}

Test(proposal_parse, ike_weak_group_named_explicitly)
{
	struct proposal_set s = parse_ok("3des-sha1-modp1536", V2_PROTO_IKE);
	char got[512];

	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)),
			 "E=3DES_CBC P=HMAC_SHA1 I=HMAC_SHA1_96 D=MODP1536");
	cr_assert(s.weak);
	cr_assert(parse_ok("aes-sha2;modp1024", V2_PROTO_IKE).weak);
	cr_assert(parse_ok("aes-sha2;dh22", V2_PROTO_IKE).weak);
	cr_assert(parse_ok("aes-sha2;dh23", V2_PROTO_IKE).weak);
	cr_assert(parse_ok("aes-sha2;dh24", V2_PROTO_IKE).weak);
	cr_assert(parse_ok("aes-sha2;dh5", V2_PROTO_IKE).weak);
	cr_assert_not(parse_ok("aes-sha2;dh19", V2_PROTO_IKE).weak);
	cr_assert_not(parse_ok("aes-sha2", V2_PROTO_IKE).weak);
}

Test(proposal_parse, ike_encr_integ_prf)
{
	expect_ike("aes-sha1-sha2_256;dh19",
		   "E=AES_CBC_256 E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA1_96 D=DH19");
	expect_ike("aes128-sha2_512-sha2_256-dh19",
		   "E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA2_512_256 D=DH19");
}

Test(proposal_parse, plus_alternatives)
{
	expect_ike("aes256-sha2;dh19+dh14",
		   "E=AES_CBC_256 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=DH19 D=MODP2048");
	expect_ike("aes256-sha2-modp2048+modp4096",
		   "E=AES_CBC_256 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=MODP2048 D=MODP4096");
	expect_ike("aes128+aes256-sha2_256+sha1;dh19",
		   "E=AES_CBC_128 E=AES_CBC_256 P=HMAC_SHA2_256 P=HMAC_SHA1 "
		   "I=HMAC_SHA2_256_128 I=HMAC_SHA1_96 D=DH19");
	expect_ike("aes_gcm256+chacha20_poly1305-sha2_512+sha2_256;dh31",
		   "E=AES_GCM_16_256 E=CHACHA20_POLY1305 P=HMAC_SHA2_512 P=HMAC_SHA2_256 D=DH31");
	/* duplicates collapse: aes is 256 and 128 */
	expect_ike("aes+aes128-sha2;dh19+dh19",
		   "E=AES_CBC_256 E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=DH19");
}

Test(proposal_parse, encr_aliases_and_key_lengths)
{
	static const char *const gcm16_all[] = { "aes_gcm", "aes_gcm_c", "aes_gcm16", "aes_gcm_16",
						 "AES_GCM" };
	static const char *const gcm16_256[] = { "aes_gcm256",	  "aes_gcm_256",
						 "aes_gcm_16_256", "aes_gcm16_256",
						 "aes_gcm_c_256",  "aes_gcm_c256" };
	static const char *const gcm16_128[] = { "aes_gcm128", "aes_gcm_128", "aes_gcm_16_128",
						 "aes_gcm16_128" };
	char text[64];

	for (size_t i = 0; i < sizeof(gcm16_all) / sizeof(gcm16_all[0]); i++) {
		snprintf(text, sizeof(text), "%s-sha2;dh19", gcm16_all[i]);
		expect_ike(text, "E=AES_GCM_16_256 E=AES_GCM_16_128 P=HMAC_SHA2_256 D=DH19");
	}
	for (size_t i = 0; i < sizeof(gcm16_256) / sizeof(gcm16_256[0]); i++) {
		snprintf(text, sizeof(text), "%s-sha2;dh19", gcm16_256[i]);
		expect_ike(text, "E=AES_GCM_16_256 P=HMAC_SHA2_256 D=DH19");
	}
	for (size_t i = 0; i < sizeof(gcm16_128) / sizeof(gcm16_128[0]); i++) {
		snprintf(text, sizeof(text), "%s-sha2;dh19", gcm16_128[i]);
		expect_ike(text, "E=AES_GCM_16_128 P=HMAC_SHA2_256 D=DH19");
	}
	expect_esp("aes_gcm_12_128", "E=AES_GCM_12_128 N=NO_ESN");
	expect_esp("aes_gcm_b256", "E=AES_GCM_12_256 N=NO_ESN");
	expect_esp("aes_gcm_8_256", "E=AES_GCM_8_256 N=NO_ESN");
	expect_esp("aes_gcm_a", "E=AES_GCM_8_256 E=AES_GCM_8_128 N=NO_ESN");
	expect_esp("aes_cbc_192-sha1", "E=AES_CBC_192 I=HMAC_SHA1_96 N=NO_ESN");
	expect_esp("3des_cbc-sha1", "E=3DES_CBC I=HMAC_SHA1_96 N=NO_ESN");
	expect_esp("chacha20poly1305", "E=CHACHA20_POLY1305 N=NO_ESN");
}

Test(proposal_parse, hash_and_group_aliases)
{
	expect_ike("aes128-sha;dh19", "E=AES_CBC_128 P=HMAC_SHA1 I=HMAC_SHA1_96 D=DH19");
	expect_ike("aes128-sha256;ecp_256",
		   "E=AES_CBC_128 P=HMAC_SHA2_256 I=HMAC_SHA2_256_128 D=DH19");
	expect_ike("aes128-sha384;ecp384",
		   "E=AES_CBC_128 P=HMAC_SHA2_384 I=HMAC_SHA2_384_192 D=DH20");
	expect_ike("aes128-sha512;ecp_521",
		   "E=AES_CBC_128 P=HMAC_SHA2_512 I=HMAC_SHA2_512_256 D=DH21");
	expect_ike("aes_gcm128-sha2;ecp256+ecp_384+ecp521",
		   "E=AES_GCM_16_128 P=HMAC_SHA2_256 D=DH19 D=DH20 D=DH21");
	expect_ike("aes_gcm128-sha2;curve25519+x25519+dh31",
		   "E=AES_GCM_16_128 P=HMAC_SHA2_256 D=DH31");
	expect_ike("aes_gcm128-sha2;curve448+x448+dh32", "E=AES_GCM_16_128 P=HMAC_SHA2_256 D=DH32");
	expect_ike("aes_gcm128-sha2;dh14+dh15+dh16+dh17+dh18",
		   "E=AES_GCM_16_128 P=HMAC_SHA2_256 D=MODP2048 D=MODP3072 D=MODP4096 D=MODP6144 "
		   "D=MODP8192");
	expect_ike("aes_gcm128-sha2;modp3072+modp6144+modp8192",
		   "E=AES_GCM_16_128 P=HMAC_SHA2_256 D=MODP3072 D=MODP6144 D=MODP8192");
	expect_esp("aes-sha2_256_128+sha1_96+aes_xcbc",
		   "E=AES_CBC_256 E=AES_CBC_128 I=HMAC_SHA2_256_128 I=HMAC_SHA1_96 I=AES_XCBC_96 "
		   "N=NO_ESN");
}

Test(proposal_parse, case_spaces_and_several_proposals)
{
	struct proposal_set s = parse_ok(" AES_GCM256-SHA2_512;DH31 ,\taes128-sha1;modp2048 ",
					 V2_PROTO_IKE);
	char got[512];

	cr_assert_eq(s.nprops, 2);
	cr_assert_eq(s.props[0].num, 1);
	cr_assert_eq(s.props[1].num, 2);
	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)),
			 "E=AES_GCM_16_256 P=HMAC_SHA2_512 D=DH31");
	cr_assert_str_eq(render(&s.props[1], got, sizeof(got)),
			 "E=AES_CBC_128 P=HMAC_SHA1 I=HMAC_SHA1_96 D=MODP2048");
}

/* ---- parsing: ESP ---- */

Test(proposal_parse, esp_forms)
{
	expect_esp("aes_gcm256", "E=AES_GCM_16_256 N=NO_ESN");
	expect_esp("aes_gcm256-null", "E=AES_GCM_16_256 N=NO_ESN");
	expect_esp("aes_gcm-none", "E=AES_GCM_16_256 E=AES_GCM_16_128 N=NO_ESN");
	expect_esp("aes128-sha2_256", "E=AES_CBC_128 I=HMAC_SHA2_256_128 N=NO_ESN");
	expect_esp("aes256-sha2_512-dh19", "E=AES_CBC_256 I=HMAC_SHA2_512_256 D=DH19 N=NO_ESN");
	expect_esp("aes_gcm256;dh19+dh14", "E=AES_GCM_16_256 D=DH19 D=MODP2048 N=NO_ESN");
	expect_esp("aes_gcm256-modp2048", "E=AES_GCM_16_256 D=MODP2048 N=NO_ESN");
	expect_esp("aes", "E=AES_CBC_256 E=AES_CBC_128 I=HMAC_SHA2_512_256 I=HMAC_SHA2_256_128 "
			  "N=NO_ESN");
	expect_esp("null-sha2", "E=NULL I=HMAC_SHA2_256_128 N=NO_ESN");
}

/* ---- defaults ---- */

Test(proposal_defaults, ike)
{
	struct proposal_set s;
	char got[512];

	cr_assert_eq(proposal_defaults(V2_PROTO_IKE, &s), 0);
	cr_assert_eq(s.protocol, V2_PROTO_IKE);
	cr_assert_eq(s.nprops, 2);
	cr_assert_not(s.weak);
	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)),
			 "E=AES_GCM_16_256 E=AES_GCM_16_128 P=HMAC_SHA2_512 P=HMAC_SHA2_256 "
			 DEFAULT_DH);
	cr_assert_str_eq(render(&s.props[1], got, sizeof(got)),
			 "E=AES_CBC_256 E=AES_CBC_128 P=HMAC_SHA2_512 P=HMAC_SHA2_256 "
			 "I=HMAC_SHA2_512_256 I=HMAC_SHA2_256_128 " DEFAULT_DH);
	cr_assert_eq(proposal_set_first_dh(&s), V2_DH_CURVE25519);
	for (uint16_t g = 0; g < 64; g++) {
		if (alg_dh_is_weak(g))
			cr_assert_not(proposal_set_has_dh(&s, g), "weak group %u in defaults", g);
	}
}

Test(proposal_defaults, esp)
{
	struct proposal_set s;
	char got[512];

	cr_assert_eq(proposal_defaults(V2_PROTO_ESP, &s), 0);
	cr_assert_eq(s.nprops, 2);
	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)),
			 "E=AES_GCM_16_256 E=AES_GCM_16_128 N=NO_ESN");
	cr_assert_str_eq(render(&s.props[1], got, sizeof(got)),
			 "E=AES_CBC_256 E=AES_CBC_128 I=HMAC_SHA2_512_256 I=HMAC_SHA2_256_128 "
			 "N=NO_ESN");
	cr_assert_eq(proposal_set_first_dh(&s), 0);
	cr_assert_eq(proposal_defaults(V2_PROTO_AH, &s), -EINVAL);
}

/* ---- refusals ---- */

Test(proposal_refuse, unknown_names)
{
	expect_err("aes_gcm256-sha3", V2_PROTO_IKE,
		   "ike=aes_gcm256-sha3: unknown PRF \"sha3\"; expected one of sha1, sha2_256, "
		   "sha2_384, sha2_512");
	expect_err("foo-sha2", V2_PROTO_IKE,
		   "ike=foo-sha2: unknown encryption algorithm \"foo\"; expected one of 3des, aes, "
		   "aes_ctr, aes_gcm, aes_gcm_8, aes_gcm_12, chacha20_poly1305, null");
	expect_err("aes-sha3", V2_PROTO_ESP,
		   "esp=aes-sha3: unknown integrity algorithm \"sha3\"; expected one of sha1, "
		   "sha2_256, sha2_384, sha2_512, aes_xcbc, none");
	expect_err_has("aes-sha2;dh99", V2_PROTO_IKE, "unknown DH group \"dh99\"; expected one of "
						      "modp1024, modp1536, modp2048");
	expect_err_has("aes-sha2-modp999", V2_PROTO_IKE, "unknown DH group \"modp999\"");
	/* only the failing proposal is quoted */
	expect_err("aes-sha2, aes-sha2;ecp_999", V2_PROTO_IKE,
		   "ike=aes-sha2;ecp_999: unknown DH group \"ecp_999\"; expected one of modp1024, "
		   "modp1536, modp2048, modp3072, modp4096, modp6144, modp8192, dh19, dh20, dh21, "
		   "dh22, dh23, dh24, dh31, dh32");
	expect_err_has("aes_xcbc", V2_PROTO_IKE, "unknown encryption algorithm \"aes_xcbc\"");
	expect_err("aes-aes_xcbc", V2_PROTO_IKE,
		   "ike=aes-aes_xcbc: \"aes_xcbc\" names no PRF; give encr-integ-prf with a PRF "
		   "from sha1, sha2_256, sha2_384, sha2_512");
}

Test(proposal_refuse, aead_and_integrity)
{
	expect_err("aes_gcm256-sha2", V2_PROTO_ESP,
		   "esp=aes_gcm256-sha2: AEAD encryption \"aes_gcm256\" takes no integrity "
		   "algorithm, got \"sha2\"; use \"none\" or leave it out");
	expect_err("aes_gcm-sha1-sha2", V2_PROTO_IKE,
		   "ike=aes_gcm-sha1-sha2: AEAD encryption \"aes_gcm\" takes no integrity "
		   "algorithm, got \"sha1\"; use \"none\" or leave it out");
	expect_err("aes_gcm256-sha2_256_128", V2_PROTO_IKE,
		   "ike=aes_gcm256-sha2_256_128: \"sha2_256_128\" is an integrity algorithm; with "
		   "AEAD encryption this field is the PRF: expected one of sha1, sha2_256, "
		   "sha2_384, sha2_512");
	expect_err("aes-none", V2_PROTO_ESP,
		   "esp=aes-none: integrity \"none\" is only allowed with AEAD encryption; \"aes\" "
		   "needs one of sha1, sha2_256, sha2_384, sha2_512, aes_xcbc, none");
	expect_err_has("null-null", V2_PROTO_ESP, "integrity \"null\" is only allowed with AEAD");
	expect_err_has("aes-null", V2_PROTO_IKE, "only allowed with AEAD");
	expect_err_has("aes-none-sha2", V2_PROTO_IKE, "only allowed with AEAD");
	expect_err("aes_gcm+aes-sha2", V2_PROTO_IKE,
		   "ike=aes_gcm+aes-sha2: \"aes\": AEAD and non-AEAD encryption cannot share a "
		   "proposal; put them in separate proposals");
}

Test(proposal_refuse, key_lengths)
{
	expect_err("aes129-sha2", V2_PROTO_IKE,
		   "ike=aes129-sha2: bad key length 129 in \"aes129\"; aes takes 128, 192 or 256");
	expect_err_has("aes_gcm_16_512", V2_PROTO_ESP,
		       "bad key length 512 in \"aes_gcm_16_512\"; "
		       "aes_gcm_16 takes 128, 192 or 256");
	expect_err_has("aes_cbc_64-sha1", V2_PROTO_ESP, "bad key length 64");
	expect_err("chacha20_poly1305_256", V2_PROTO_ESP,
		   "esp=chacha20_poly1305_256: bad key length 256 in \"chacha20_poly1305_256\"; "
		   "chacha20_poly1305 takes no key length");
	expect_err_has("3des168-sha1", V2_PROTO_ESP, "3des takes no key length");
	expect_err_has("aes1234567-sha1", V2_PROTO_ESP, "unknown encryption algorithm");
}

Test(proposal_refuse, broken_algorithms)
{
	expect_err("des-sha1", V2_PROTO_ESP,
		   "esp=des-sha1: encryption algorithm \"des\" refused: DES has a 56-bit key and "
		   "is broken");
	expect_err("aes-md5", V2_PROTO_IKE,
		   "ike=aes-md5: integrity algorithm \"md5\" refused: MD5 is broken");
	expect_err("aes-md5", V2_PROTO_ESP,
		   "esp=aes-md5: integrity algorithm \"md5\" refused: MD5 is broken");
	expect_err("aes_gcm-md5", V2_PROTO_IKE,
		   "ike=aes_gcm-md5: PRF \"md5\" refused: MD5 is broken");
	expect_err("aes-sha1-md5", V2_PROTO_IKE,
		   "ike=aes-sha1-md5: PRF \"md5\" refused: MD5 is broken");
	expect_err("aes-sha2;dh1", V2_PROTO_IKE,
		   "ike=aes-sha2;dh1: DH group \"dh1\" refused: MODP768 (DH1) is broken");
	expect_err_has("aes-sha2-modp768", V2_PROTO_ESP, "refused: MODP768 (DH1) is broken");
	expect_err("null-sha2", V2_PROTO_IKE,
		   "ike=null-sha2: encryption algorithm \"null\" refused for IKE: the IKE SA would "
		   "be sent in the clear");
}

Test(proposal_refuse, syntax)
{
	expect_err("", V2_PROTO_IKE,
		   "ike=: empty; expected one or more encr[-integ][-prf][-dh] separated by ','");
	expect_err("aes,,aes", V2_PROTO_ESP,
		   "esp=aes,,aes: empty proposal between ','; expected encr[-integ][-dh]");
	expect_err_has("aes,", V2_PROTO_ESP, "empty proposal");
	expect_err_has("aes--sha2", V2_PROTO_ESP, "empty algorithm name");
	expect_err_has("aes+-sha2", V2_PROTO_ESP, "empty encryption algorithm name");
	expect_err_has("aes-sha2+", V2_PROTO_ESP, "empty integrity algorithm name");
	expect_err_has("aes-sha2;", V2_PROTO_IKE, "nothing after ';'");
	expect_err_has("aes-sha2;dh19+", V2_PROTO_IKE, "empty DH group name");
	expect_err_has("aes-sha2;dh19;dh14", V2_PROTO_IKE, "unexpected \"dh19;dh14\" after ';'");
	expect_err("aes-sha2-dh19;dh14", V2_PROTO_IKE,
		   "ike=aes-sha2-dh19;dh14: DH group given twice: \"-dh19\" and \";dh14\"");
	expect_err_has("aes-dh19-sha2", V2_PROTO_IKE, "DH group \"dh19\" must come last");
	expect_err("aes-sha2-sha1", V2_PROTO_ESP,
		   "esp=aes-sha2-sha1: unexpected \"sha1\"; expected encr[-integ][-dh]");
	expect_err("aes-sha2-sha2-sha1", V2_PROTO_IKE,
		   "ike=aes-sha2-sha2-sha1: unexpected \"sha1\"; expected encr[-integ][-prf][-dh]");
	expect_err_has("aes-a-b-c-d-e", V2_PROTO_IKE, "unexpected \"e\"");
}

Test(proposal_refuse, limits_and_arguments)
{
	struct proposal_set s;
	char err[PROPOSAL_ERR_MAX], text[512] = "";

	for (int i = 0; i < PROPOSAL_SET_MAX + 1; i++)
		strcat(text, i ? ",aes-sha2" : "aes-sha2");
	cr_assert_eq(proposal_parse(text, V2_PROTO_ESP, &s, err, sizeof(err)), -E2BIG);
	cr_assert_str_eq(err, "esp=aes-sha2: too many proposals; at most 16");
	text[strlen(text) - strlen(",aes-sha2")] = '\0';
	cr_assert_eq(proposal_parse(text, V2_PROTO_ESP, &s, err, sizeof(err)), 0);
	cr_assert_eq(s.nprops, PROPOSAL_SET_MAX);

	cr_assert_eq(proposal_parse("aes", V2_PROTO_AH, &s, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "proposals for protocol 2: expected IKE or ESP");
	/* no error buffer: still refused */
	cr_assert_eq(proposal_parse("aes129", V2_PROTO_ESP, &s, NULL, 0), -EINVAL);
	/* a short buffer truncates, stays terminated */
	cr_assert_eq(proposal_parse("aes129", V2_PROTO_ESP, &s, err, 10), -EINVAL);
	cr_assert_str_eq(err, "esp=aes12");
}

/* ---- ESN, DH helpers, SA payload ---- */

Test(proposal_set, esn_and_drop_dh)
{
	struct proposal_set s = parse_ok("aes_gcm256-dh19", V2_PROTO_ESP);
	struct proposal_set ike = parse_ok("aes_gcm256-sha2", V2_PROTO_IKE);
	char got[256];

	cr_assert_eq(proposal_set_esn(&s, true, true), 0);
	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)),
			 "E=AES_GCM_16_256 D=DH19 N=ESN N=NO_ESN");
	cr_assert_eq(proposal_set_esn(&s, true, false), 0);
	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)), "E=AES_GCM_16_256 D=DH19 N=ESN");
	cr_assert_eq(proposal_set_esn(&s, false, false), -EINVAL);
	cr_assert_eq(proposal_set_esn(&ike, true, true), -EINVAL);
	cr_assert(proposal_set_has_dh(&s, V2_DH_ECP256));
	cr_assert_eq(proposal_set_first_dh(&s), V2_DH_ECP256);
	proposal_set_drop_dh(&s);
	cr_assert_str_eq(render(&s.props[0], got, sizeof(got)), "E=AES_GCM_16_256 N=ESN");
	cr_assert_not(proposal_set_has_dh(&s, V2_DH_ECP256));
	cr_assert_eq(proposal_set_first_dh(&s), 0);
}

Test(proposal_set, to_sa)
{
	struct proposal_set s = parse_ok("aes_gcm256, aes128-sha2", V2_PROTO_ESP);
	static struct v2_sa sa;
	const uint8_t spi[4] = { 0xde, 0xad, 0xbe, 0xef };

	cr_assert_eq(proposal_set_to_sa(&s, V2_PROTO_ESP, spi, 4, &sa), 0);
	cr_assert_eq(sa.nprops, 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sa.props[i].num, i + 1);
		cr_assert_eq(sa.props[i].protocol, V2_PROTO_ESP);
		cr_assert_eq(sa.props[i].spi_size, 4);
		cr_assert_arr_eq(sa.props[i].spi, spi, 4);
		cr_assert_eq(sa.props[i].ntrans, s.props[i].ntrans);
		cr_assert_arr_eq(sa.props[i].trans, s.props[i].trans,
				 s.props[i].ntrans * sizeof(struct v2_transform));
	}
	cr_assert_eq(proposal_set_to_sa(&s, V2_PROTO_IKE, NULL, 0, &sa), -EINVAL);
	cr_assert_eq(proposal_set_to_sa(&s, V2_PROTO_ESP, spi, 9, &sa), -EINVAL);
	cr_assert_eq(proposal_set_to_sa(&s, V2_PROTO_ESP, NULL, 4, &sa), -EINVAL);

	s = parse_ok("aes_gcm", V2_PROTO_IKE);
	cr_assert_eq(proposal_set_to_sa(&s, V2_PROTO_IKE, NULL, 0, &sa), 0);
	cr_assert_eq(sa.nprops, 1);
	cr_assert_eq(sa.props[0].spi_size, 0);
}

/* ---- matching ---- */

static struct v2_sa offer_sa;	/* too big for Criterion's small test stacks in bulk */
static struct v2_sa reply_sa;

static void offer(const char *text, uint8_t protocol)
{
	struct proposal_set s = parse_ok(text, protocol);
	const uint8_t spi[4] = { 1, 2, 3, 4 };

	cr_assert_eq(proposal_set_to_sa(&s, protocol, protocol == V2_PROTO_ESP ? spi : NULL,
					protocol == V2_PROTO_ESP ? 4 : 0, &offer_sa),
		     0);
}

/* local (responder) text vs offer_sa: the chosen suite's name and number, or "ENOENT" */
static const char *choose(const char *local_text, uint8_t protocol, uint8_t *num,
			  struct v2_proposal *acc, char *buf, size_t size)
{
	struct proposal_set local;
	struct v2_suite suite;
	int rc;

	if (local_text)
		local = parse_ok(local_text, protocol);
	else
		cr_assert_eq(proposal_defaults(protocol, &local), 0);
	rc = proposal_match(&local, &offer_sa, protocol, &suite, num, acc);
	if (rc == -ENOENT)
		return "ENOENT";
	cr_assert_eq(rc, 0);
	cr_assert_eq(suite.protocol, protocol);
	return proposal_suite_str(&suite, buf, size);
}

static void expect_choice(const char *initiator, const char *responder, uint8_t protocol,
			  const char *want, uint8_t want_num)
{
	char buf[128];
	uint8_t num = 0;
	struct v2_proposal acc;

	if (initiator)
		offer(initiator, protocol);
	else {
		struct proposal_set s;

		cr_assert_eq(proposal_defaults(protocol, &s), 0);
		cr_assert_eq(proposal_set_to_sa(&s, protocol, (const uint8_t *)"abcd",
						protocol == V2_PROTO_ESP ? 4 : 0, &offer_sa),
			     0);
	}
	cr_assert_str_eq(choose(responder, protocol, &num, &acc, buf, sizeof(buf)), want,
			 "%s vs %s", initiator ? initiator : "defaults",
			 responder ? responder : "defaults");
	if (want_num)
		cr_assert_eq(num, want_num);
}

Test(proposal_match, defaults_against_defaults)
{
	expect_choice(NULL, NULL, V2_PROTO_IKE, "AES_GCM_16_256-HMAC_SHA2_512-DH31", 1);
	expect_choice(NULL, NULL, V2_PROTO_ESP, "AES_GCM_16_256-NONE", 1);
}

Test(proposal_match, accepted_proposal_has_one_transform_per_type)
{
	char buf[256];
	uint8_t num;
	struct v2_proposal acc;

	offer("aes128+aes256-sha1+sha2_512;dh14+dh19", V2_PROTO_IKE);
	offer_sa.props[0].spi_size = 8;	/* as in an IKE rekey */
	cr_assert_str_eq(choose(NULL, V2_PROTO_IKE, &num, &acc, buf, sizeof(buf)),
			 "AES_CBC_128-HMAC_SHA2_512-MODP2048");
	cr_assert_eq(acc.num, 1);
	cr_assert_eq(acc.protocol, V2_PROTO_IKE);
	cr_assert_eq(acc.spi_size, 8);
	cr_assert_str_eq(render(&acc, buf, sizeof(buf)),
			 "E=AES_CBC_128 P=HMAC_SHA2_512 I=HMAC_SHA2_512_256 D=MODP2048");

	offer("aes_gcm256, aes128-sha2_256", V2_PROTO_ESP);
	cr_assert_str_eq(choose("aes128-sha2_256", V2_PROTO_ESP, &num, &acc, buf, sizeof(buf)),
			 "AES_CBC_128-HMAC_SHA2_256_128");
	cr_assert_eq(num, 2);
	cr_assert_eq(acc.num, 2);
	cr_assert_eq(acc.spi_size, 4);
	cr_assert_str_eq(render(&acc, buf, sizeof(buf)),
			 "E=AES_CBC_128 I=HMAC_SHA2_256_128 N=NO_ESN");
}

Test(proposal_match, peer_preference_order)
{
	/* the peer's first acceptable proposal wins, not ours */
	expect_choice("aes128-sha2;dh19, aes_gcm256-sha2_512;dh31",
		      "aes_gcm256-sha2_512;dh31, aes128-sha2;dh19", V2_PROTO_IKE,
		      "AES_CBC_128-HMAC_SHA2_256-DH19", 1);
	/* within a proposal, the peer's first acceptable transform of each type */
	expect_choice("aes128+aes256-sha1+sha2_256;dh14+dh19",
		      "aes256+aes128-sha2_256+sha1;dh19+dh14", V2_PROTO_IKE,
		      "AES_CBC_128-HMAC_SHA1-MODP2048", 1);
	/* a first proposal nobody accepts is skipped */
	expect_choice("aes_gcm256-sha2_512;dh32, aes_gcm128-sha2_256;dh19", NULL, V2_PROTO_IKE,
		      "AES_GCM_16_128-HMAC_SHA2_256-DH19", 2);
	expect_choice("aes_gcm128, aes256-sha2_512", NULL, V2_PROTO_ESP, "AES_GCM_16_128-NONE", 1);
}

Test(proposal_match, never_mixes_local_proposals)
{
	/*
	 * Peer order per type would give aes128 + sha1 + dh19, but no one local
	 * proposal has all three; the first local one that fits gives the suite.
	 */
	expect_choice("aes128+aes256-sha1+sha2_512;dh19+dh14",
		      "aes128-sha2_512;dh19, aes256-sha1;dh14", V2_PROTO_IKE,
		      "AES_CBC_128-HMAC_SHA2_512-DH19", 1);
	expect_choice("aes128+aes256-sha1+sha2_512;dh19+dh14", "aes256-sha1;dh14, aes128-sha1;dh21",
		      V2_PROTO_IKE, "AES_CBC_256-HMAC_SHA1-MODP2048", 1);
	expect_choice("aes128-sha1;dh19", "aes128-sha2;dh19, aes256-sha1;dh19", V2_PROTO_IKE,
		      "ENOENT", 0);
}

Test(proposal_match, no_match)
{
	expect_choice("aes128-sha1;dh14", NULL, V2_PROTO_IKE, "ENOENT", 0);
	expect_choice("3des-sha1-modp1536", NULL, V2_PROTO_IKE, "ENOENT", 0);
	expect_choice("aes_gcm256-sha2_512;dh31", "aes_gcm128-sha2_512;dh31", V2_PROTO_IKE,
		      "ENOENT", 0);
	/* the peer wants PFS, we do not (and the reverse) */
	expect_choice("aes_gcm256-dh19", "aes_gcm256", V2_PROTO_ESP, "ENOENT", 0);
	expect_choice("aes_gcm256", "aes_gcm256-dh19", V2_PROTO_ESP, "ENOENT", 0);
	expect_choice("aes_gcm256-dh19", "aes_gcm256-dh14+dh19", V2_PROTO_ESP,
		      "AES_GCM_16_256-NONE-DH19", 1);
	/* an ESP offer is not an IKE offer */
	offer("aes_gcm256", V2_PROTO_ESP);
	{
		struct proposal_set local;
		struct v2_suite suite;
		uint8_t num;

		cr_assert_eq(proposal_defaults(V2_PROTO_IKE, &local), 0);
		cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_IKE, &suite, &num, NULL),
			     -ENOENT);
	}
}

Test(proposal_match, esn)
{
	struct proposal_set local = parse_ok("aes_gcm256", V2_PROTO_ESP);
	struct v2_suite suite;
	uint8_t num;

	offer("aes_gcm256", V2_PROTO_ESP);
	cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_ESP, &suite, &num, NULL), 0);
	cr_assert_eq(suite.esn, V2_ESN_NO);

	/* the peer wants ESN only */
	offer_sa.props[0].trans[offer_sa.props[0].ntrans - 1].id = V2_ESN_YES;
	cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_ESP, &suite, &num, NULL),
		     -ENOENT);
	cr_assert_eq(proposal_set_esn(&local, true, true), 0);
	cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_ESP, &suite, &num, NULL), 0);
	cr_assert_eq(suite.esn, V2_ESN_YES);

	/* no ESN transform at all: counts as NO */
	offer_sa.props[0].ntrans--;
	cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_ESP, &suite, &num, NULL), 0);
	cr_assert_eq(suite.esn, V2_ESN_NO);
}

static void push(struct v2_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	p->trans[p->ntrans++] = (struct v2_transform){ type, id, keylen };
}

static struct v2_proposal *hand_proposal(uint8_t idx, uint8_t protocol)
{
	struct v2_proposal *p = &offer_sa.props[idx];

	memset(p, 0, sizeof(*p));
	p->num = idx + 1;
	p->protocol = protocol;
	p->spi_size = protocol == V2_PROTO_ESP ? 4 : 0;
	if (offer_sa.nprops < idx + 1)
		offer_sa.nprops = idx + 1;
	return p;
}

static int match_hand(const char *local_text, uint8_t protocol, struct v2_suite *suite,
		      uint8_t *num, struct v2_proposal *acc)
{
	struct proposal_set local = parse_ok(local_text, protocol);

	return proposal_match(&local, &offer_sa, protocol, suite, num, acc);
}

Test(proposal_match, key_length_attribute)
{
	struct v2_suite suite;
	struct v2_proposal *p;
	uint8_t num;

	memset(&offer_sa, 0, sizeof(offer_sa));
	/* AES without its mandatory Key Length, then with a length we do not take */
	p = hand_proposal(0, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 0);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	p = hand_proposal(1, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 192);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	/* an attribute the decoder did not know */
	p = hand_proposal(2, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, PROPOSAL_KEYLEN_UNKNOWN_ATTR);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	/* a Key Length on a transform that takes none */
	p = hand_proposal(3, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_CHACHA20_POLY1305, 256);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	p = hand_proposal(4, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 128);
	cr_assert_eq(match_hand("aes_gcm, chacha20_poly1305", V2_PROTO_ESP, &suite, &num, NULL),
		     -ENOENT);
	cr_assert_eq(match_hand("aes_gcm_16_192", V2_PROTO_ESP, &suite, &num, NULL), 0);
	cr_assert_eq(num, 2);
	cr_assert_eq(suite.encr_keylen, 192);

	/* within one proposal the transform with a bad attribute is passed over */
	p = hand_proposal(5, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, PROPOSAL_KEYLEN_UNKNOWN_ATTR);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 128);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	cr_assert_eq(match_hand("aes_gcm", V2_PROTO_ESP, &suite, &num, NULL), 0);
	cr_assert_eq(num, 6);
	cr_assert_eq(suite.encr, V2_ENCR_AES_GCM_16);
	cr_assert_eq(suite.encr_keylen, 128);
}

Test(proposal_match, unknown_types_spi_and_protocols)
{
	struct v2_suite suite;
	struct v2_proposal *p, acc;
	uint8_t num;
	char buf[128];

	memset(&offer_sa, 0, sizeof(offer_sa));
	/* an IKE proposal in an ESP SA payload */
	p = hand_proposal(0, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	/* a transform type we do not know (RFC 9370 ADDKE1) */
	p = hand_proposal(1, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, 6, 35, 0);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	/* a PRF has no place in ESP */
	p = hand_proposal(2, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	/* wrong SPI size for ESP */
	p = hand_proposal(3, V2_PROTO_ESP);
	p->spi_size = 8;
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	cr_assert_eq(match_hand("aes_gcm", V2_PROTO_ESP, &suite, &num, NULL), -ENOENT);

	/* explicit INTEG NONE and DH NONE: echoed back */
	p = hand_proposal(4, V2_PROTO_ESP);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_INTEG, V2_INTEG_NONE, 0);
	push(p, V2_TRANS_DH, V2_DH_NONE, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	cr_assert_eq(match_hand("aes_gcm", V2_PROTO_ESP, &suite, &num, &acc), 0);
	cr_assert_eq(num, 5);
	cr_assert_str_eq(render(&acc, buf, sizeof(buf)),
			 "E=AES_GCM_16_256 I=NONE D=NONE N=NO_ESN");
	/* with PFS we take the peer's group instead of NONE */
	cr_assert_eq(match_hand("aes_gcm-dh19", V2_PROTO_ESP, &suite, &num, &acc), 0);
	cr_assert_str_eq(render(&acc, buf, sizeof(buf)),
			 "E=AES_GCM_16_256 I=NONE D=DH19 N=NO_ESN");
	cr_assert_eq(suite.dh, V2_DH_ECP256);

	/* IKE: a proposal without DH or without PRF is unacceptable */
	memset(&offer_sa, 0, sizeof(offer_sa));
	p = hand_proposal(0, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	p = hand_proposal(1, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	/* nor a non-AEAD cipher with INTEG NONE */
	p = hand_proposal(2, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_CBC, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_INTEG, V2_INTEG_NONE, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	/* nor an ESN transform */
	p = hand_proposal(3, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	push(p, V2_TRANS_ESN, V2_ESN_NO, 0);
	cr_assert_eq(match_hand("aes_gcm-sha2, aes-sha2", V2_PROTO_IKE, &suite, &num, NULL),
		     -ENOENT);
	/* an AEAD proposal carrying INTEG NONE is fine */
	p = hand_proposal(4, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_INTEG, V2_INTEG_NONE, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	cr_assert_eq(match_hand("aes_gcm-sha2, aes-sha2", V2_PROTO_IKE, &suite, &num, &acc), 0);
	cr_assert_eq(num, 5);
	cr_assert_str_eq(render(&acc, buf, sizeof(buf)),
			 "E=AES_GCM_16_256 P=HMAC_SHA2_256 I=NONE D=DH19");
}

/* ---- the accepted proposal again, from the suite (a half-open SA keeps no copy) ---- */

/*
 * What proposal_match() accepted from offer_sa against local_text, and
 * proposal_of_suite() from the suite and the listed types: the same
 * proposal, field by field, and proposal_rebuilds() says so.
 */
static void expect_rebuilt(const char *local_text, uint8_t protocol)
{
	struct proposal_set local;
	struct v2_suite suite;
	struct v2_proposal acc, again;
	uint8_t num;
	char a[256], b[256];

	if (local_text)
		local = parse_ok(local_text, protocol);
	else
		cr_assert_eq(proposal_defaults(protocol, &local), 0);
	cr_assert_eq(proposal_match(&local, &offer_sa, protocol, &suite, &num, &acc), 0);
	cr_assert(proposal_rebuilds(&acc, &suite), "%s", render(&acc, a, sizeof(a)));
	memset(&again, 0xa5, sizeof(again));
	proposal_of_suite(&suite, proposal_listed_types(&acc), acc.num, acc.spi_size, &again);
	cr_assert_str_eq(render(&again, b, sizeof(b)), render(&acc, a, sizeof(a)));
	cr_assert_eq(again.num, num);
	cr_assert_eq(again.protocol, acc.protocol);
	cr_assert_eq(again.spi_size, acc.spi_size);
	cr_assert_arr_eq(again.spi, acc.spi, sizeof(acc.spi));
	cr_assert_eq(again.ntrans, acc.ntrans);
	for (uint8_t i = 0; i < acc.ntrans; i++) {
		cr_assert_eq(again.trans[i].type, acc.trans[i].type);
		cr_assert_eq(again.trans[i].id, acc.trans[i].id);
		cr_assert_eq(again.trans[i].keylen, acc.trans[i].keylen);
	}
}

Test(proposal_rebuild, from_the_suite)
{
	struct v2_proposal *p;

	/* several of each type offered, one of each accepted */
	offer("aes128+aes256-sha1+sha2_512;dh14+dh19", V2_PROTO_IKE);
	expect_rebuilt(NULL, V2_PROTO_IKE);
	/* AEAD: no integrity transform listed */
	offer("aes_gcm128-sha2_256;dh31, aes_gcm256-sha2_512;dh19", V2_PROTO_IKE);
	expect_rebuilt("aes_gcm256-sha2_512;dh19", V2_PROTO_IKE);
	/* ESP, the second proposal, an SPI and ESN */
	offer("aes_gcm256, aes128-sha2_256", V2_PROTO_ESP);
	expect_rebuilt("aes128-sha2_256", V2_PROTO_ESP);

	/* AEAD with INTEG NONE listed: echoed, and given back */
	memset(&offer_sa, 0, sizeof(offer_sa));
	p = hand_proposal(0, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_INTEG, V2_INTEG_NONE, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	expect_rebuilt("aes_gcm256-sha2_256;dh19", V2_PROTO_IKE);
	/* an IKE proposal with an SPI of zeros (8 bytes): given back with its size */
	p->spi_size = V2_SPI_SIZE;
	expect_rebuilt("aes_gcm256-sha2_256;dh19", V2_PROTO_IKE);
}

/* What the suite cannot give back is kept whole: the caller is told. */
Test(proposal_rebuild, what_the_suite_does_not_hold)
{
	struct proposal_set local = parse_ok("aes_gcm256-sha2_256;dh19", V2_PROTO_IKE);
	struct v2_suite suite;
	struct v2_proposal *p, acc, tampered;
	uint8_t num;

	memset(&offer_sa, 0, sizeof(offer_sa));
	p = hand_proposal(0, V2_PROTO_IKE);
	push(p, V2_TRANS_ENCR, V2_ENCR_AES_GCM_16, 256);
	push(p, V2_TRANS_PRF, V2_PRF_HMAC_SHA2_256, 0);
	push(p, V2_TRANS_DH, V2_DH_ECP256, 0);
	cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_IKE, &suite, &num, &acc), 0);
	cr_assert(proposal_rebuilds(&acc, &suite));
	/* any field the suite would give otherwise */
	tampered = acc;
	tampered.spi_size = V2_SPI_SIZE;
	tampered.spi[3] = 7;	/* an SPI not of zeros */
	cr_assert_not(proposal_rebuilds(&tampered, &suite));
	tampered = acc;
	tampered.trans[1].keylen = 128;	/* a key length on the PRF */
	cr_assert_not(proposal_rebuilds(&tampered, &suite));
	tampered = acc;
	tampered.trans[0].keylen = 128;
	cr_assert_not(proposal_rebuilds(&tampered, &suite));
	tampered = acc;
	tampered.trans[2].id = V2_DH_MODP2048;
	cr_assert_not(proposal_rebuilds(&tampered, &suite));
	tampered = acc;
	tampered.trans[2] = tampered.trans[1];	/* PRF twice, no DH */
	cr_assert_not(proposal_rebuilds(&tampered, &suite));
}

/* ---- the initiator's check of the reply ---- */

/* Run a full exchange of SA payloads: initiator text, responder text. */
static void exchange(const char *init, const char *resp, uint8_t protocol,
		     struct proposal_set *sent)
{
	struct proposal_set local = parse_ok(resp, protocol);
	struct v2_suite rsuite, isuite;
	uint8_t num;

	*sent = parse_ok(init, protocol);
	cr_assert_eq(proposal_set_to_sa(sent, protocol, (const uint8_t *)"spi!",
					protocol == V2_PROTO_ESP ? 4 : 0, &offer_sa),
		     0);
	memset(&reply_sa, 0, sizeof(reply_sa));
	cr_assert_eq(proposal_match(&local, &offer_sa, protocol, &rsuite, &num,
				    &reply_sa.props[0]),
		     0);
	reply_sa.nprops = 1;
	if (protocol == V2_PROTO_ESP)
		memcpy(reply_sa.props[0].spi, "resp", 4);
	cr_assert_eq(proposal_check_reply(sent, &reply_sa, protocol, &isuite), 0);
	cr_assert_eq(rsuite.protocol, isuite.protocol);
	cr_assert_eq(rsuite.encr, isuite.encr);
	cr_assert_eq(rsuite.encr_keylen, isuite.encr_keylen);
	cr_assert_eq(rsuite.prf, isuite.prf);
	cr_assert_eq(rsuite.integ, isuite.integ);
	cr_assert_eq(rsuite.dh, isuite.dh);
	cr_assert_eq(rsuite.esn, isuite.esn);
}

static int check(const struct proposal_set *sent, uint8_t protocol)
{
	struct v2_suite s;

	return proposal_check_reply(sent, &reply_sa, protocol, &s);
}

Test(proposal_reply, round_trips)
{
	struct proposal_set sent;
	struct v2_suite s;
	char buf[128];

	exchange("aes_gcm256-sha2_512;dh31, aes128-sha2;dh19", "aes128-sha2;dh19", V2_PROTO_IKE,
		 &sent);
	cr_assert_eq(proposal_check_reply(&sent, &reply_sa, V2_PROTO_IKE, &s), 0);
	cr_assert_str_eq(proposal_suite_str(&s, buf, sizeof(buf)),
			 "AES_CBC_128-HMAC_SHA2_256-DH19");
	cr_assert_eq(reply_sa.props[0].num, 2);
	exchange("aes_gcm, aes", "aes256-sha2_512", V2_PROTO_ESP, &sent);
	cr_assert_eq(proposal_check_reply(&sent, &reply_sa, V2_PROTO_ESP, &s), 0);
	cr_assert_str_eq(proposal_suite_str(&s, buf, sizeof(buf)),
			 "AES_CBC_256-HMAC_SHA2_512_256");
	exchange("aes_gcm256-dh19", "aes_gcm256-dh19", V2_PROTO_ESP, &sent);
	cr_assert_eq(proposal_check_reply(&sent, &reply_sa, V2_PROTO_ESP, &s), 0);
	cr_assert_str_eq(proposal_suite_str(&s, buf, sizeof(buf)), "AES_GCM_16_256-NONE-DH19");
}

Test(proposal_reply, two_proposals)
{
	struct proposal_set sent;

	exchange("aes_gcm256-sha2_512;dh31", "aes_gcm256-sha2_512;dh31", V2_PROTO_IKE, &sent);
	reply_sa.props[1] = reply_sa.props[0];
	reply_sa.nprops = 2;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	reply_sa.nprops = 0;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
}

Test(proposal_reply, missing_or_extra_transforms)
{
	struct proposal_set sent;
	struct v2_proposal *r = &reply_sa.props[0];

	exchange("aes_gcm256-sha2_512;dh31", "aes_gcm256-sha2_512;dh31", V2_PROTO_IKE, &sent);
	cr_assert_eq(check(&sent, V2_PROTO_IKE), 0);
	r->ntrans--;	/* E P D -> E P: missing DH */
	cr_assert_eq(r->trans[r->ntrans].type, V2_TRANS_DH);
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->ntrans++;
	push(r, V2_TRANS_DH, V2_DH_CURVE25519, 0);	/* two DH */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->ntrans--;
	push(r, 7, 1, 0);	/* unknown type */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->ntrans--;
	push(r, V2_TRANS_ESN, V2_ESN_NO, 0);	/* ESN in IKE */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->ntrans--;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), 0);
	/* no PRF */
	r->trans[1] = r->trans[2];
	r->ntrans--;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);

	/* ESP: INTEG and ESN must be answered when offered */
	exchange("aes128-sha2", "aes128-sha2", V2_PROTO_ESP, &sent);
	cr_assert_eq(check(&sent, V2_PROTO_ESP), 0);
	cr_assert_eq(r->trans[2].type, V2_TRANS_ESN);
	r->ntrans--;
	cr_assert_eq(check(&sent, V2_PROTO_ESP), -EBADMSG);
	r->ntrans++;
	r->trans[1] = r->trans[2];
	r->ntrans--;
	cr_assert_eq(check(&sent, V2_PROTO_ESP), -EBADMSG);
	/* we asked for PFS: the DH must come back */
	exchange("aes_gcm256-dh19", "aes_gcm256-dh19", V2_PROTO_ESP, &sent);
	cr_assert_eq(r->trans[1].type, V2_TRANS_DH);
	r->trans[1] = r->trans[2];
	r->ntrans--;
	cr_assert_eq(check(&sent, V2_PROTO_ESP), -EBADMSG);
}

Test(proposal_reply, unoffered_transforms)
{
	struct proposal_set sent;
	struct v2_proposal *r = &reply_sa.props[0];

	exchange("aes_gcm256-sha2_512;dh31, aes128-sha2;dh19", "aes_gcm256-sha2_512;dh31",
		 V2_PROTO_IKE, &sent);
	cr_assert_eq(check(&sent, V2_PROTO_IKE), 0);
	r->trans[2].id = V2_DH_ECP384;	/* a group we did not offer */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->trans[2].id = V2_DH_ECP256;	/* offered, but in proposal 2 */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->trans[2].id = V2_DH_CURVE25519;
	r->trans[0].keylen = 128;	/* a key length we did not offer */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->trans[0].keylen = 256;
	r->num = 3;			/* a proposal number we did not send */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->num = 0;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->num = 1;
	r->protocol = V2_PROTO_ESP;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->protocol = V2_PROTO_IKE;
	r->spi_size = 4;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->spi_size = 0;
	cr_assert_eq(check(&sent, V2_PROTO_IKE), 0);
	/* an INTEG with an AEAD cipher */
	push(r, V2_TRANS_INTEG, V2_INTEG_HMAC_SHA2_256_128, 0);
	cr_assert_eq(check(&sent, V2_PROTO_IKE), -EBADMSG);
	r->trans[r->ntrans - 1].id = V2_INTEG_NONE;	/* NONE is what AEAD means */
	cr_assert_eq(check(&sent, V2_PROTO_IKE), 0);
}

/* ---- INVALID_KE_PAYLOAD ---- */

Test(proposal_dh_hint, responder_names_its_group)
{
	struct proposal_set init, local;
	struct v2_suite suite;
	uint8_t num;
	uint16_t ke;

	cr_assert_eq(proposal_defaults(V2_PROTO_IKE, &init), 0);
	local = parse_ok("aes_gcm256-sha2_512;dh19", V2_PROTO_IKE);
	cr_assert_eq(proposal_set_to_sa(&init, V2_PROTO_IKE, NULL, 0, &offer_sa), 0);

	ke = proposal_set_first_dh(&init);
	cr_assert_eq(ke, V2_DH_CURVE25519);
	cr_assert_eq(proposal_match_dh_hint(&local, &offer_sa, V2_PROTO_IKE, ke, &suite, &num,
					    NULL),
		     0);
	cr_assert_eq(suite.dh, V2_DH_ECP256);	/* != ke: INVALID_KE_PAYLOAD(19) */
	cr_assert(proposal_set_has_dh(&init, suite.dh));
	cr_assert_not(proposal_set_has_dh(&init, V2_DH_MODP1536));

	/* the initiator retries with 19 */
	ke = suite.dh;
	cr_assert_eq(proposal_match_dh_hint(&local, &offer_sa, V2_PROTO_IKE, ke, &suite, &num,
					    NULL),
		     0);
	cr_assert_eq(suite.dh, ke);
}

Test(proposal_dh_hint, good_guess_is_kept)
{
	struct proposal_set local;
	struct v2_suite suite;
	struct v2_proposal acc;
	uint8_t num;
	char buf[128];

	offer("aes_gcm256-sha2_512;dh14+dh19", V2_PROTO_IKE);
	cr_assert_eq(proposal_defaults(V2_PROTO_IKE, &local), 0);
	/* without a KE the peer's first group */
	cr_assert_eq(proposal_match(&local, &offer_sa, V2_PROTO_IKE, &suite, &num, NULL), 0);
	cr_assert_eq(suite.dh, V2_DH_MODP2048);
	/* with a KE of 19, 19 (no round trip) */
	cr_assert_eq(proposal_match_dh_hint(&local, &offer_sa, V2_PROTO_IKE, V2_DH_ECP256, &suite,
					    &num, &acc),
		     0);
	cr_assert_eq(suite.dh, V2_DH_ECP256);
	cr_assert_str_eq(render(&acc, buf, sizeof(buf)),
			 "E=AES_GCM_16_256 P=HMAC_SHA2_512 D=DH19");
	/* a KE group the peer did not offer does not change the choice */
	cr_assert_eq(proposal_match_dh_hint(&local, &offer_sa, V2_PROTO_IKE, V2_DH_ECP384, &suite,
					    &num, NULL),
		     0);
	cr_assert_eq(suite.dh, V2_DH_MODP2048);

	/* the KE group is found in a later local proposal */
	local = parse_ok("aes_gcm256-sha2_512;dh14, aes_gcm256-sha2_512;dh19", V2_PROTO_IKE);
	cr_assert_eq(proposal_match_dh_hint(&local, &offer_sa, V2_PROTO_IKE, V2_DH_ECP256, &suite,
					    &num, NULL),
		     0);
	cr_assert_eq(suite.dh, V2_DH_ECP256);
	cr_assert_eq(proposal_match_dh_hint(&local, &offer_sa, V2_PROTO_IKE, V2_DH_MODP2048,
					    &suite, &num, NULL),
		     0);
	cr_assert_eq(suite.dh, V2_DH_MODP2048);
}

/* ---- names ---- */

Test(proposal_names, algorithms)
{
	char b[ALG_NAME_MAX];

	cr_assert_str_eq(alg_encr_name(V2_ENCR_AES_GCM_16, 256, b, sizeof(b)), "AES_GCM_16_256");
	cr_assert_str_eq(alg_encr_name(V2_ENCR_AES_CBC, 128, b, sizeof(b)), "AES_CBC_128");
	cr_assert_str_eq(alg_encr_name(V2_ENCR_3DES, 0, b, sizeof(b)), "3DES_CBC");
	cr_assert_str_eq(alg_encr_name(V2_ENCR_CHACHA20_POLY1305, 0, b, sizeof(b)),
			 "CHACHA20_POLY1305");
	cr_assert_str_eq(alg_encr_name(99, 0, b, sizeof(b)), "ENCR_99");
	cr_assert_str_eq(alg_prf_name(V2_PRF_HMAC_SHA2_512, b, sizeof(b)), "HMAC_SHA2_512");
	cr_assert_str_eq(alg_prf_name(3, b, sizeof(b)), "PRF_3");
	cr_assert_str_eq(alg_integ_name(V2_INTEG_NONE, b, sizeof(b)), "NONE");
	cr_assert_str_eq(alg_integ_name(V2_INTEG_HMAC_SHA2_256_128, b, sizeof(b)),
			 "HMAC_SHA2_256_128");
	cr_assert_str_eq(alg_integ_name(200, b, sizeof(b)), "INTEG_200");
	cr_assert_str_eq(alg_dh_name(V2_DH_MODP2048, b, sizeof(b)), "MODP2048");
	cr_assert_str_eq(alg_dh_name(V2_DH_ECP256, b, sizeof(b)), "DH19");
	cr_assert_str_eq(alg_dh_name(V2_DH_CURVE25519, b, sizeof(b)), "DH31");
	cr_assert_str_eq(alg_dh_name(99, b, sizeof(b)), "DH99");
	cr_assert_str_eq(alg_encr_name(V2_ENCR_AES_GCM_16, 256, b, 7), "AES_GC");
}

Test(proposal_names, suites)
{
	char b[128];
	struct v2_suite s = { V2_PROTO_IKE, V2_ENCR_AES_GCM_16, 256, V2_PRF_HMAC_SHA2_512,
			      V2_INTEG_NONE, V2_DH_CURVE25519, 0 };

	cr_assert_str_eq(proposal_suite_str(&s, b, sizeof(b)), "AES_GCM_16_256-HMAC_SHA2_512-DH31");
	s = (struct v2_suite){ .protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_CBC,
			       .encr_keylen = 256, .prf = V2_PRF_HMAC_SHA2_256,
			       .integ = V2_INTEG_HMAC_SHA2_256_128, .dh = V2_DH_MODP2048 };
	cr_assert_str_eq(proposal_suite_str(&s, b, sizeof(b)),
			 "AES_CBC_256-HMAC_SHA2_256-MODP2048");
	s.integ = V2_INTEG_HMAC_SHA1_96;
	cr_assert_str_eq(proposal_suite_str(&s, b, sizeof(b)),
			 "AES_CBC_256-HMAC_SHA1_96-HMAC_SHA2_256-MODP2048");
	s = (struct v2_suite){ V2_PROTO_ESP, V2_ENCR_AES_GCM_16, 256, 0, V2_INTEG_NONE, 0, 0 };
	cr_assert_str_eq(proposal_suite_str(&s, b, sizeof(b)), "AES_GCM_16_256-NONE");
	s = (struct v2_suite){ .protocol = V2_PROTO_ESP, .encr = V2_ENCR_AES_CBC,
			       .encr_keylen = 128, .integ = V2_INTEG_HMAC_SHA2_256_128 };
	cr_assert_str_eq(proposal_suite_str(&s, b, sizeof(b)), "AES_CBC_128-HMAC_SHA2_256_128");
	s.dh = V2_DH_ECP256;
	cr_assert_str_eq(proposal_suite_str(&s, b, sizeof(b)),
			 "AES_CBC_128-HMAC_SHA2_256_128-DH19");
	cr_assert_str_eq(proposal_suite_str(&s, b, 8), "AES_CBC");
}

Test(proposal_names, sets)
{
	struct proposal_set s;
	char b[1024];

	cr_assert_eq(proposal_defaults(V2_PROTO_IKE, &s), 0);
	cr_assert_str_eq(proposal_set_str(&s, b, sizeof(b)),
			 "AES_GCM_16_256+AES_GCM_16_128-HMAC_SHA2_512+HMAC_SHA2_256-"
			 "DH31+DH19+DH20+MODP2048+MODP3072+MODP4096, "
			 "AES_CBC_256+AES_CBC_128-HMAC_SHA2_512_256+HMAC_SHA2_256_128-"
			 "HMAC_SHA2_512+HMAC_SHA2_256-DH31+DH19+DH20+MODP2048+MODP3072+MODP4096");
	cr_assert_eq(proposal_defaults(V2_PROTO_ESP, &s), 0);
	cr_assert_str_eq(proposal_set_str(&s, b, sizeof(b)),
			 "AES_GCM_16_256+AES_GCM_16_128-NONE, "
			 "AES_CBC_256+AES_CBC_128-HMAC_SHA2_512_256+HMAC_SHA2_256_128");
	s = parse_ok("aes_gcm256-dh19", V2_PROTO_ESP);
	cr_assert_str_eq(proposal_set_str(&s, b, sizeof(b)), "AES_GCM_16_256-NONE-DH19");
	cr_assert_str_eq(proposal_set_str(&s, b, 10), "AES_GCM_1");
}
