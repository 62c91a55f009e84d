/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The crypto floor: the CPU time of the cryptography one IKEv2 responder
 * handshake needs (PSK, Curve25519, AES-GCM-128, PRF HMAC-SHA2-256, one
 * Child SA), measured with Skua's src/crypto on the OpenSSL it links, with
 * CLOCK_PROCESS_CPUTIME_ID over many iterations. A responder can never
 * spend less CPU per SA than this; bench/compare.sh prints it beside the
 * measured figures. Run by hand: bench/crypto_floor [iterations].
 *
 * Then the same handshake authenticated with certificates instead of the
 * PSK, for RSA-2048 and ECDSA P-256 (a CA of the same kind, one level): the
 * responder parses the initiator's CERT, validates it against the CA,
 * verifies the initiator's AUTH and signs its own, RFC 7427 with the
 * schemes Skua picks against a peer announcing SHA-2 (RSASSA-PSS with
 * SHA2-512, ECDSA with SHA2-256). These are bench/compare_certs.sh's floors.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/key.h"
#include "crypto/sig.h"
#include "crypto/trust.h"
#include "crypto/x509.h"
#include "crypto/ikev2_keys.h"
#include "crypto/ke.h"
#include "crypto/prf.h"
#include "crypto/sk.h"
#include "ike/v2/types.h"
#include "lib/certgen.h"

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

static struct crypto_privkey *wrap_priv(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(k, &der);
	struct crypto_privkey *p = NULL;
	int rc;

	if (n <= 0)
		die("i2d_PrivateKey", n);
	rc = crypto_privkey_from_buf(der, (size_t)n, NULL, &p);
	OPENSSL_clear_free(der, (size_t)n);
	if (rc < 0)
		die("crypto_privkey_from_buf", rc);
	return p;
}

/*
 * The public-key part of a certificate responder handshake with keys of
 * kind (certgen's names), in microseconds: out[0] parse and validate the
 * initiator's certificate, out[1] verify its AUTH, out[2] sign ours.
 */
static void sig_floor(const char *kind, struct crypto_sig_scheme scheme, long iters,
		      double out[3])
{
	static const uint8_t octets[560] = { 0x5a };	/* IKE_SA_INIT + nonce + prf(SK_p, ID) */
	EVP_PKEY *ca_key = cg_key(kind), *ikey = cg_key(kind), *rkey = cg_key(kind);
	X509 *ca = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua Bench, CN=Bench CA",
					      .key = ca_key, .ca = true });
	X509 *leaf = cg_cert(&(struct cg_spec){ .subject = "C=CH, O=Skua Bench, CN=initiator",
						.key = ikey, .issuer = ca, .issuer_key = ca_key,
						.san = "DNS:initiator.bench",
						.ku = "digitalSignature" });
	struct crypto_cert *cac = cg_wrap(ca), *leafc = cg_wrap(leaf);
	struct crypto_privkey *ipriv = wrap_priv(ikey), *rpriv = wrap_priv(rkey);
	struct crypto_pubkey *ipub = crypto_cert_pubkey(leafc);
	struct crypto_trust *t = crypto_trust_new();
	struct crypto_verify_opts vo = { 0 };
	struct crypto_verify_result vr;
	uint8_t sig[CRYPTO_SIG_MAX];
	const uint8_t *der;
	size_t der_len;
	double t0;
	int rc, n;

	if (!t || crypto_trust_add_ca(t, cac) < 0)
		die("crypto_trust_add_ca", -1);
	crypto_trust_seal(t);
	der = crypto_cert_der(leafc, &der_len);
	n = crypto_sign(ipriv, &scheme, octets, sizeof(octets), sig, sizeof(sig));
	if (n <= 0)
		die("crypto_sign", n);

	t0 = cpu_s();
	for (long i = 0; i < iters; i++) {
		struct crypto_cert *c = NULL;

		if ((rc = crypto_cert_from_der(der, der_len, &c)) < 0)
			die("crypto_cert_from_der", rc);
		if ((rc = crypto_trust_verify(t, c, NULL, 0, &vo, &vr)) < 0) {
			fprintf(stderr, "crypto_floor: %s: %s\n", kind, vr.why);
			die("crypto_trust_verify", rc);
		}
		crypto_cert_unref(c);
	}
	out[0] = (cpu_s() - t0) / (double)iters * 1e6;
	t0 = cpu_s();
	for (long i = 0; i < iters; i++)
		if ((rc = crypto_verify(ipub, &scheme, octets, sizeof(octets), sig, (size_t)n)) < 0)
			die("crypto_verify", rc);
	out[1] = (cpu_s() - t0) / (double)iters * 1e6;
	t0 = cpu_s();
	for (long i = 0; i < iters; i++)
		if ((rc = crypto_sign(rpriv, &scheme, octets, sizeof(octets), sig, sizeof(sig))) <= 0)
			die("crypto_sign", rc);
	out[2] = (cpu_s() - t0) / (double)iters * 1e6;

	crypto_trust_unref(t);
	crypto_privkey_unref(ipriv);
	crypto_privkey_unref(rpriv);
	crypto_cert_unref(cac);
	crypto_cert_unref(leafc);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(rkey);
}

/* The PSK handshake's state; each step below is one part of the floor. */
struct floor_ctx {
	struct v2_suite suite, esp;
	uint8_t peer_pub[32], pub[32], gir[32], ni[32], nr[32], spi_i[8], spi_r[8];
	uint8_t msg_in[320], msg_out[240], iv[16], icv[16], auth[32], keymat[64];
	struct crypto_ke *peer;
	struct ikev2_keys keys;
	union crypto_sk_max sk_in, sk_out;
};

static const char floor_psk[] = "skua-bench-pre-shared-key";

static void floor_init(struct floor_ctx *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->suite = (struct v2_suite){ .protocol = V2_PROTO_IKE, .encr = V2_ENCR_AES_GCM_16,
				      .encr_keylen = 128, .prf = V2_PRF_HMAC_SHA2_256,
				      .integ = V2_INTEG_NONE, .dh = V2_DH_CURVE25519 };
	f->esp = (struct v2_suite){ .protocol = V2_PROTO_ESP, .encr = V2_ENCR_AES_GCM_16,
				    .encr_keylen = 128, .integ = V2_INTEG_NONE };
	f->spi_i[0] = 1;
	f->spi_r[0] = 2;
	if ((rc = crypto_init()) < 0)
		die("crypto_init", rc);
	if ((rc = crypto_ke_new(V2_DH_CURVE25519, &f->peer)) < 0)
		die("crypto_ke_new", rc);
	crypto_ke_public(f->peer, f->peer_pub, sizeof(f->peer_pub));
	crypto_random(f->ni, sizeof(f->ni));
	crypto_random(f->nr, sizeof(f->nr));
	memset(f->msg_in, 0x5a, sizeof(f->msg_in));
	memset(f->msg_out, 0xa5, sizeof(f->msg_out));
}

static void floor_fini(struct floor_ctx *f)
{
	crypto_ke_free(f->peer);
	crypto_ikev2_keys_wipe(&f->keys);
	crypto_sk_wipe(&f->sk_in.sk);
	crypto_sk_wipe(&f->sk_out.sk);
}

/* 1. key exchange: our key pair and the shared secret g^ir */
static void step_ke(struct floor_ctx *f)
{
	struct crypto_ke *ke;
	int rc;

	if ((rc = crypto_ke_new(V2_DH_CURVE25519, &ke)) < 0)
		die("crypto_ke_new", rc);
	crypto_ke_public(ke, f->pub, sizeof(f->pub));
	if ((rc = crypto_ke_shared(ke, f->peer_pub, sizeof(f->peer_pub), f->gir,
				   sizeof(f->gir))) < 0)
		die("crypto_ke_shared", rc);
	crypto_ke_free(ke);
}

/* 2. key derivation: SKEYSEED, prf+ for SK_*, the SK transforms, the Child SA keymat */
static void step_kdf(struct floor_ctx *f)
{
	int rc;

	if ((rc = crypto_ikev2_derive(&f->suite, f->ni, sizeof(f->ni), f->nr, sizeof(f->nr),
				      f->gir, sizeof(f->gir), f->spi_i, f->spi_r, &f->keys)) < 0)
		die("crypto_ikev2_derive", rc);
	crypto_sk_init(&f->sk_in.sk, &f->suite, f->keys.sk_ei, f->keys.sk_e_len, NULL, 0);
	crypto_sk_init(&f->sk_out.sk, &f->suite, f->keys.sk_er, f->keys.sk_e_len, NULL, 0);
	if ((rc = crypto_child_keymat(f->suite.prf, f->keys.sk_d, f->keys.sk_d_len, NULL, 0,
				      f->ni, sizeof(f->ni), f->nr, sizeof(f->nr), f->keymat,
				      crypto_esp_keymat_len(&f->esp))) < 0)
		die("crypto_child_keymat", rc);
}

/*
 * 3. AEAD: open the IKE_AUTH request, seal the response (typical sizes).
 * Two seals and one open run; a handshake needs one of each (seal ~ open):
 * its share is 2/3 of the step.
 */
static void step_aead(struct floor_ctx *f)
{
	uint8_t buf[320];
	int rc;

	memcpy(buf, f->msg_in, sizeof(f->msg_in));
	if ((rc = crypto_sk_seal(&f->sk_in.sk, f->msg_in, 28, f->iv, buf, sizeof(buf),
				 f->icv)) < 0)
		die("seal", rc);
	if ((rc = crypto_sk_open(&f->sk_in.sk, f->msg_in, 28, f->iv, buf, sizeof(buf),
				 f->icv)) < 0)
		die("open", rc);
	memcpy(buf, f->msg_out, sizeof(f->msg_out));
	if ((rc = crypto_sk_seal(&f->sk_out.sk, f->msg_out, 28, f->iv, buf, sizeof(f->msg_out),
				 f->icv)) < 0)
		die("seal", rc);
}

/* 4. PSK AUTH: verify the initiator's, compute ours (each prf(prf(psk, pad), ...) plus the
 *    MACedID prf) */
static void step_auth(struct floor_ctx *f)
{
	for (int k = 0; k < 2; k++) {
		struct iovec id = { f->msg_out, 16 }, oct[3] = { { f->msg_in, 300 },
								 { f->nr, 32 },
								 { f->auth, 32 } };
		int rc;

		crypto_prf(f->suite.prf, f->keys.sk_pi, f->keys.sk_p_len, &id, 1, f->auth);
		if ((rc = crypto_psk_auth(f->suite.prf, (const uint8_t *)floor_psk,
					  sizeof(floor_psk) - 1, oct, 3, f->auth)) < 0)
			die("crypto_psk_auth", rc);
	}
}

/* Seconds of CPU per call of step, over iters calls. */
static double step_time(struct floor_ctx *f, void (*step)(struct floor_ctx *), long iters)
{
	double t = cpu_s();

	for (long i = 0; i < iters; i++)
		step(f);
	return (cpu_s() - t) / (double)iters;
}

/*
 * --probe [SECONDS]: the floor measured beside a run (bench/compare.sh), on
 * the responder's core at SCHED_IDLE (chrt --idle), in the cycles the
 * responder leaves: one handshake's cryptography (the four steps above) at a
 * time, until SIGTERM or SIGINT (or SECONDS; 0: an hour). A handshake counts
 * only when no context switch came during it nor during the one before
 * (getrusage(RUSAGE_THREAD)): it ran uninterrupted, from caches as warm as
 * the loops' above. So the figure follows the box's speed over the seconds
 * of the run itself, which a floor taken before the run does not (on a
 * shared box it moved by a quarter within seconds). Prints, for each second
 * of the wall clock, FLOOR_US_PROBE_AT <epoch second> total=<us> kept=<n>,
 * and at the end FLOOR_US_PROBE total=<us> kept=<handshakes counted>
 * of=<handshakes run>.
 */
static volatile sig_atomic_t probe_stop;

static void probe_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

static long thread_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		die("getrusage", errno);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* One second's line of the probe, when it counted any handshake. */
static void print_second(time_t sec, double sum_us, long kept)
{
	if (kept > 0)
		printf("FLOOR_US_PROBE_AT %lld total=%.1f kept=%ld\n", (long long)sec,
		       sum_us / (double)kept, kept);
}

static int probe(long seconds)
{
	struct sigaction sa = { .sa_handler = probe_signal };
	struct floor_ctx f;
	double pair = 0, sum = 0, sec_sum = 0;
	long kept = 0, ran = 0, sec_kept = 0, sw;
	bool last_clean = false;
	time_t now = time(NULL), sec = now, end = now + (seconds > 0 ? seconds : 3600);

	floor_init(&f);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* what two clock reads cost, taken out of each timed segment */
	for (int i = 0; i < 1000; i++) {
		double a = cpu_s();

		pair += cpu_s() - a;
	}
	pair /= 1000;
	step_kdf(&f);	/* keys for the first AEAD and AUTH */
	sw = thread_switches();
	for (; !probe_stop && now < end; now = time(NULL)) {
		double t0, t1, t2, us;
		long sw1;
		bool clean;

		if (now != sec) {
			print_second(sec, sec_sum, sec_kept);
			sec = now;
			sec_sum = 0;
			sec_kept = 0;
		}
		t0 = cpu_s();

		step_ke(&f);
		step_kdf(&f);
		step_auth(&f);
		t1 = cpu_s();
		step_aead(&f);
		t2 = cpu_s();
		sw1 = thread_switches();
		clean = sw1 == sw;
		if (clean && last_clean) {
			/* the AEAD step runs one seal too many: 2/3 of it, as above */
			us = ((t1 - t0 - pair) + (t2 - t1 - pair) * 2.0 / 3.0) * 1e6;
			sum += us;
			sec_sum += us;
			kept++;
			sec_kept++;
		}
		ran++;
		last_clean = clean;
		sw = sw1;
	}
	print_second(sec, sec_sum, sec_kept);
	if (kept > 0)
		printf("FLOOR_US_PROBE total=%.1f kept=%ld of=%ld\n", sum / (double)kept, kept,
		       ran);
	else
		printf("FLOOR_US_PROBE total=- kept=0 of=%ld\n", ran);
	floor_fini(&f);
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_ctx f;
	long iters;
	double ke_s, kdf_s, aead_s, auth_s;

	if (argc > 1 && strcmp(argv[1], "--probe") == 0)
		return probe(argc > 2 ? strtol(argv[2], NULL, 10) : 0);
	iters = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	if (iters <= 0)
		iters = 10000;
	floor_init(&f);
	ke_s = step_time(&f, step_ke, iters);
	kdf_s = step_time(&f, step_kdf, iters);
	aead_s = step_time(&f, step_aead, iters) * 2.0 / 3.0;
	auth_s = step_time(&f, step_auth, iters);

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

	/* the same handshake with certificates: the PSK AUTH replaced by the signatures */
	{
		static const struct {
			const char *kind, *label, *tag;
			enum crypto_sig_kind sig;
			uint8_t hash;
		} m[] = {
			{ "rsa2048", "RSA-2048 certificates, RSASSA-PSS SHA2-512", "rsa2048",
			  CRYPTO_SIG_RSA_PSS, V2_HASH_SHA2_512 },
			{ "p256", "ECDSA P-256 certificates, ECDSA SHA2-256", "p256",
			  CRYPTO_SIG_ECDSA, V2_HASH_SHA2_256 },
		};
		long sig_iters = iters / 10 < 100 ? 100 : iters / 10;
		double base = (ke_s + kdf_s + aead_s) * 1e6;

		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			double us[3];

			sig_floor(m[i].kind, crypto_sig_scheme(m[i].sig, m[i].hash), sig_iters, us);
			printf("crypto floor per responder handshake (%s, X25519, AES-GCM-128), %ld iterations of the signatures:\n",
			       m[i].label, sig_iters);
			printf("  key exchange, key derivation, AEAD (as above) %7.1f us\n", base);
			printf("  the initiator's certificate (parse, validate to the CA) %7.1f us\n", us[0]);
			printf("  verify the initiator's AUTH            %7.1f us\n", us[1]);
			printf("  sign our AUTH                          %7.1f us\n", us[2]);
			printf("  total                                    %7.1f us = %.3f ms\n",
			       base + us[0] + us[1] + us[2], (base + us[0] + us[1] + us[2]) / 1e3);
			printf("FLOOR_US_%s chain=%.1f verify=%.1f sign=%.1f total=%.1f\n", m[i].tag,
			       us[0], us[1], us[2], base + us[0] + us[1] + us[2]);
		}
	}
	floor_fini(&f);
	return 0;
}
