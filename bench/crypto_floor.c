/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The crypto floor: the CPU time of the cryptography one IKEv2 responder
 * handshake needs (PSK, Curve25519, AES-GCM-128, PRF HMAC-SHA2-256, one
 * Child SA), measured with Skua's src/crypto on the OpenSSL it links, with
 * CLOCK_PROCESS_CPUTIME_ID over many iterations. A responder can never
 * spend less CPU per SA than this; bench/compare.sh prints it beside the
 * measured figures. Run by hand: bench/crypto_floor [iterations].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/ikev2_keys.h"
#include "crypto/ke.h"
#include "crypto/prf.h"
#include "crypto/sk.h"
#include "ike/v2/types.h"

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "crypto_floor: %s failed (%d)\n", what, rc);
	exit(1);
}

int main(int argc, char **argv)
{
	const struct v2_suite suite = { .protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_GCM_16,
					.encr_keylen = 128, .prf = V2_PRF_HMAC_SHA2_256,
					.integ = V2_INTEG_NONE, .dh = V2_DH_CURVE25519 };
	const struct v2_suite esp = { .protocol = V2_PROTO_ESP, .encr = V2_ENCR_AES_GCM_16,
				      .encr_keylen = 128, .integ = V2_INTEG_NONE };
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	uint8_t peer_pub[32], pub[32], gir[32], ni[32], nr[32], spi_i[8] = { 1 }, spi_r[8] = { 2 };
	uint8_t msg_in[320], msg_out[240], iv[16], icv[16], auth[32], keymat[64];
	const char psk[] = "skua-bench-pre-shared-key";
	struct crypto_ke *peer;
	struct ikev2_keys keys;
	struct crypto_sk sk_in, sk_out;
	double t, ke_s, kdf_s, aead_s, auth_s;
	int rc;

	if (iters <= 0)
		iters = 10000;
	if ((rc = crypto_init()) < 0)
		die("crypto_init", rc);
	if ((rc = crypto_ke_new(V2_DH_CURVE25519, &peer)) < 0)
		die("crypto_ke_new", rc);
	crypto_ke_public(peer, peer_pub, sizeof(peer_pub));
	crypto_random(ni, sizeof(ni));
	crypto_random(nr, sizeof(nr));
	memset(msg_in, 0x5a, sizeof(msg_in));
	memset(msg_out, 0xa5, sizeof(msg_out));

	/* 1. key exchange: our key pair and the shared secret g^ir */
	t = cpu_s();
	for (long i = 0; i < iters; i++) {
		struct crypto_ke *ke;
		if ((rc = crypto_ke_new(V2_DH_CURVE25519, &ke)) < 0)
			die("crypto_ke_new", rc);
		crypto_ke_public(ke, pub, sizeof(pub));
		if ((rc = crypto_ke_shared(ke, peer_pub, sizeof(peer_pub), gir, sizeof(gir))) < 0)
			die("crypto_ke_shared", rc);
		crypto_ke_free(ke);
	}
	ke_s = (cpu_s() - t) / (double)iters;

	/* 2. key derivation: SKEYSEED, prf+ for SK_*, the SK transforms, the Child SA keymat */
	t = cpu_s();
	for (long i = 0; i < iters; i++) {
		if ((rc = crypto_ikev2_derive(&suite, ni, sizeof(ni), nr, sizeof(nr), gir,
					      sizeof(gir), spi_i, spi_r, &keys)) < 0)
			die("crypto_ikev2_derive", rc);
		crypto_sk_init(&sk_in, &suite, keys.sk_ei, keys.sk_e_len, NULL, 0);
		crypto_sk_init(&sk_out, &suite, keys.sk_er, keys.sk_e_len, NULL, 0);
		if ((rc = crypto_child_keymat(suite.prf, keys.sk_d, keys.sk_d_len, NULL, 0, ni,
					      sizeof(ni), nr, sizeof(nr), keymat,
					      crypto_esp_keymat_len(&esp))) < 0)
			die("crypto_child_keymat", rc);
	}
	kdf_s = (cpu_s() - t) / (double)iters;

	/* 3. AEAD: open the IKE_AUTH request, seal the response (typical sizes) */
	t = cpu_s();
	for (long i = 0; i < iters; i++) {
		uint8_t buf[320];
		memcpy(buf, msg_in, sizeof(msg_in));
		if ((rc = crypto_sk_seal(&sk_in, msg_in, 28, iv, buf, sizeof(buf), icv)) < 0)
			die("seal", rc);
		/* time only the open of the request: undo the seal's cost below */
		if ((rc = crypto_sk_open(&sk_in, msg_in, 28, iv, buf, sizeof(buf), icv)) < 0)
			die("open", rc);
		memcpy(buf, msg_out, sizeof(msg_out));
		if ((rc = crypto_sk_seal(&sk_out, msg_out, 28, iv, buf, sizeof(msg_out), icv)) < 0)
			die("seal", rc);
	}
	/* two seals and one open ran; a handshake needs one of each (seal ~ open) */
	aead_s = (cpu_s() - t) / (double)iters * 2.0 / 3.0;

	/* 4. PSK AUTH: verify the initiator's, compute ours (each prf(prf(psk, pad), ...)
	 *    plus the MACedID prf) */
	t = cpu_s();
	for (long i = 0; i < iters; i++) {
		for (int k = 0; k < 2; k++) {
			struct iovec id = { msg_out, 16 }, oct[3] = { { msg_in, 300 }, { nr, 32 },
								       { auth, 32 } };
			crypto_prf(suite.prf, keys.sk_pi, keys.sk_p_len, &id, 1, auth);
			if ((rc = crypto_psk_auth(suite.prf, (const uint8_t *)psk, sizeof(psk) - 1,
						  oct, 3, auth)) < 0)
				die("crypto_psk_auth", rc);
		}
	}
	auth_s = (cpu_s() - t) / (double)iters;

	printf("crypto floor per responder handshake (PSK, X25519, AES-GCM-128, HMAC-SHA2-256), %ld iterations:\n",
	       iters);
	printf("  key exchange (X25519 keygen + derive)   %7.1f us\n", ke_s * 1e6);
	printf("  key derivation (SKEYSEED, prf+ SK_*, child keymat) %7.1f us\n", kdf_s * 1e6);
	printf("  AEAD (open IKE_AUTH request, seal response) %7.1f us\n", aead_s * 1e6);
	printf("  PSK AUTH (2 x prf(prf(psk,pad),octets) + MACedID) %7.1f us\n", auth_s * 1e6);
	printf("  total                                    %7.1f us = %.3f ms\n",
	       (ke_s + kdf_s + aead_s + auth_s) * 1e6, (ke_s + kdf_s + aead_s + auth_s) * 1e3);
	printf("FLOOR_US ke=%.1f kdf=%.1f aead=%.1f auth=%.1f total=%.1f\n", ke_s * 1e6,
	       kdf_s * 1e6, aead_s * 1e6, auth_s * 1e6, (ke_s + kdf_s + aead_s + auth_s) * 1e6);
	crypto_ke_free(peer);
	crypto_ikev2_keys_wipe(&keys);
	crypto_sk_wipe(&sk_in);
	crypto_sk_wipe(&sk_out);
	return 0;
}
