/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/prf.h"
#include "crypto/sk.h"
#include "ike/v2/types.h"

#include "vectors/hex.h"
#include "vectors/crypto_prf.h"

static void setup(void)
{
	cr_assert_eq(crypto_init(), 0);
}

static void teardown(void)
{
	crypto_fini();
}

TestSuite(prf, .init = setup, .fini = teardown);

enum { BIG = 6000 };

Test(prf, lengths)
{
	cr_assert_eq(crypto_prf_len(V2_PRF_HMAC_SHA1), 20);
	cr_assert_eq(crypto_prf_len(V2_PRF_HMAC_SHA2_256), 32);
	cr_assert_eq(crypto_prf_len(V2_PRF_HMAC_SHA2_384), 48);
	cr_assert_eq(crypto_prf_len(V2_PRF_HMAC_SHA2_512), 64);
	cr_assert_eq(crypto_prf_len(V2_PRF_HMAC_MD5), 0);
	cr_assert_eq(crypto_prf_len(V2_PRF_AES128_XCBC), 0);
}

/* RFC 2202 and RFC 4231, data in one part and split into three. */
Test(prf, hmac_known_answers)
{
	for (size_t i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
		uint8_t key[200], data[200], want[64], got[64];
		size_t kl = unhex(hmac_kats[i].key, key, sizeof(key));
		size_t dl = unhex(hmac_kats[i].data, data, sizeof(data));
		size_t ml = unhex(hmac_kats[i].mac, want, sizeof(want));
		struct iovec one = { data, dl };
		struct iovec three[] = { { data, 1 }, { data + 1, 0 }, { data + 1, dl - 1 } };

		cr_assert_eq(ml, crypto_prf_len(hmac_kats[i].prf));
		cr_assert_eq(crypto_prf(hmac_kats[i].prf, key, kl, &one, 1, got), 0);
		cr_assert_arr_eq(got, want, ml, "vector %zu", i);
		memset(got, 0, sizeof(got));
		cr_assert_eq(crypto_prf(hmac_kats[i].prf, key, kl, three, 3, got), 0);
		cr_assert_arr_eq(got, want, ml, "vector %zu split", i);
	}
}

/* The integrity transforms are the same HMACs truncated (RFC 2404, RFC 4868 2.3). */
Test(prf, hmac_truncation_for_icvs)
{
	static const struct {
		uint16_t integ, prf;
		int md;
	} t[] = {
		{ V2_INTEG_HMAC_SHA1_96, V2_PRF_HMAC_SHA1, CRYPTO_MD_SHA1 },
		{ V2_INTEG_HMAC_SHA2_256_128, V2_PRF_HMAC_SHA2_256, CRYPTO_MD_SHA256 },
		{ V2_INTEG_HMAC_SHA2_384_192, V2_PRF_HMAC_SHA2_384, CRYPTO_MD_SHA384 },
		{ V2_INTEG_HMAC_SHA2_512_256, V2_PRF_HMAC_SHA2_512, CRYPTO_MD_SHA512 },
	};
	static const int icv[] = { 12, 16, 24, 32 };

	for (size_t j = 0; j < 4; j++) {
		cr_assert_eq(crypto_integ_icv_len(t[j].integ), icv[j]);
		cr_assert_eq(crypto_integ_key_len(t[j].integ), (int)crypto_prf_len(t[j].prf));
		for (size_t i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
			uint8_t key[200], data[200], want[64], got[64];
			size_t kl, dl;
			struct iovec one;

			if (hmac_kats[i].prf != t[j].prf)
				continue;
			kl = unhex(hmac_kats[i].key, key, sizeof(key));
			dl = unhex(hmac_kats[i].data, data, sizeof(data));
			unhex(hmac_kats[i].mac, want, sizeof(want));
			one = (struct iovec){ data, dl };
			memset(got, 0xee, sizeof(got));
			cr_assert_eq(crypto_hmac(t[j].md, key, kl, &one, 1, got, icv[j]), 0);
			cr_assert_arr_eq(got, want, icv[j]);
			cr_assert_eq(got[icv[j]], 0xee, "wrote past the truncated ICV");
		}
	}
	cr_assert_eq(crypto_integ_icv_len(V2_INTEG_NONE), 0);
	cr_assert_eq(crypto_integ_icv_len(V2_INTEG_AES_XCBC_96), -ENOTSUP);
}

Test(prf, prf_plus_known_answers)
{
	static uint8_t key[64], seed[100], want[BIG], got[BIG];

	for (size_t i = 0; i < sizeof(prf_plus_kats) / sizeof(prf_plus_kats[0]); i++) {
		size_t kl = unhex(prf_plus_kats[i].key, key, sizeof(key));
		size_t sl = unhex(prf_plus_kats[i].seed, seed, sizeof(seed));
		size_t ol = unhex(prf_plus_kats[i].out, want, sizeof(want));
		struct iovec parts[] = { { seed, sl / 2 }, { seed + sl / 2, sl - sl / 2 } };

		memset(got, 0, sizeof(got));
		cr_assert_eq(crypto_prf_plus(prf_plus_kats[i].prf, key, kl, seed, sl, got, ol), 0);
		cr_assert_arr_eq(got, want, ol, "vector %zu", i);
		memset(got, 0, sizeof(got));
		cr_assert_eq(crypto_prf_plusv(prf_plus_kats[i].prf, key, kl, parts, 2, got, ol), 0);
		cr_assert_arr_eq(got, want, ol, "vector %zu in parts", i);
	}
}

Test(prf, prf_plus_limits)
{
	static uint8_t out[BIG];
	uint8_t key[20] = { 1 }, seed[4] = { 2 };

	/* RFC 7296 2.13: at most 255 blocks. */
	cr_assert_eq(crypto_prf_plus(V2_PRF_HMAC_SHA1, key, 20, seed, 4, out, 255 * 20), 0);
	cr_assert_eq(crypto_prf_plus(V2_PRF_HMAC_SHA1, key, 20, seed, 4, out, 255 * 20 + 1),
		     -EINVAL);
	cr_assert_eq(crypto_prf_plus(V2_PRF_HMAC_MD5, key, 20, seed, 4, out, 20), -ENOTSUP);
	cr_assert_eq(crypto_prf_plus(V2_PRF_HMAC_SHA1, key, 20, seed, 4, out, 0), 0);
}

Test(prf, unsupported_and_bad_args)
{
	uint8_t key[16] = { 0 }, out[64];
	struct iovec one = { key, 16 };

	cr_assert_eq(crypto_prf(V2_PRF_AES128_XCBC, key, 16, &one, 1, out), -ENOTSUP);
	cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, key, 16, &one, -1, out), -EINVAL);
	cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, key, 16, &one, CRYPTO_PRF_MAX_IOV + 1, out),
		     -EINVAL);
	/* An empty key and no data are legal HMAC inputs. */
	cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0, out), 0);
}

Test(prf, memeq_random_wipe)
{
	uint8_t a[32], b[32];

	cr_assert_eq(crypto_random(a, sizeof(a)), 0);
	memcpy(b, a, sizeof(a));
	cr_assert(crypto_memeq(a, b, sizeof(a)));
	b[31] ^= 0x80;
	cr_assert_not(crypto_memeq(a, b, sizeof(a)));
	cr_assert(crypto_memeq(a, b, 0));
	cr_assert_eq(crypto_random(b, sizeof(b)), 0);
	cr_assert_not(crypto_memeq(a, b, sizeof(a)), "two 256-bit random draws were equal");
	crypto_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	cr_assert_arr_eq(a, b, sizeof(a));
}

/*
 * Small draws come from a per-thread block: many of them never repeat, a
 * block's end and the next block join without a repeat, a large draw
 * goes straight to the DRBG, and a forked child does not hand out what its
 * parent still holds (it forgets the block).
 */
Test(prf, random_blocks_and_fork)
{
	enum { DRAWS = 300, LEN = 12 };	/* 3,600 bytes: several 512-byte blocks */
	static uint8_t got[DRAWS][LEN];
	uint8_t big[4096], mine[32], childs[32];
	int fds[2];
	pid_t pid;

	for (int i = 0; i < DRAWS; i++)
		cr_assert_eq(crypto_random(got[i], LEN), 0);
	for (int i = 0; i < DRAWS; i++)
		for (int j = i + 1; j < DRAWS; j++)
			cr_assert_neq(memcmp(got[i], got[j], LEN), 0, "draws %d and %d equal", i, j);
	cr_assert_eq(crypto_random(big, sizeof(big)), 0);
	cr_assert_neq(memcmp(big, big + 2048, 32), 0);
	cr_assert_eq(crypto_random(mine, 8), 0);	/* the block has bytes left now */
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		uint8_t c[32];
		int ok = crypto_random(c, sizeof(c)) == 0 && write(fds[1], c, sizeof(c)) == sizeof(c);
		_exit(ok ? 0 : 1);
	}
	cr_assert_eq(crypto_random(mine, sizeof(mine)), 0);
	cr_assert_eq(read(fds[0], childs, sizeof(childs)), (ssize_t)sizeof(childs));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_neq(memcmp(mine, childs, sizeof(mine)), 0,
		      "the child handed out the parent's next random bytes");
	close(fds[0]);
	close(fds[1]);
}

/* Functions work without an explicit crypto_init() (they run it), and after a re-init. */
Test(prf, lazy_and_repeated_init)
{
	uint8_t out[32];

	crypto_fini();
	cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0, out), 0);
	cr_assert_eq(crypto_init(), 0);
	cr_assert_eq(crypto_init(), 0);
}

/*
 * Each thread keys its own HMAC contexts (prf.c): threads computing at once
 * under different keys get what one thread alone gets, and each thread's
 * contexts go when it exits (the ASan run's leak check sees any left).
 */
enum { MAC_THREADS = 4, MAC_ROUNDS = 300 };

struct mac_thread {
	pthread_t t;
	uint8_t key;
	int rc;
	uint8_t got[MAC_ROUNDS][32];
	uint8_t got_plus[MAC_ROUNDS][80];
};

/* No assertion here: threads other than the test's report through rc. */
static int mac_round(uint8_t key, int r, uint8_t *mac, uint8_t *plus)
{
	uint8_t k[40], d[64];
	struct iovec one = { d, sizeof(d) };
	int rc;

	memset(k, key, sizeof(k));
	memset(d, r & 0xff, sizeof(d));
	rc = crypto_prf(V2_PRF_HMAC_SHA2_256, k, (size_t)(r % 40), &one, 1, mac);
	return rc < 0 ? rc : crypto_prf_plus(V2_PRF_HMAC_SHA2_256, k, 32, d, sizeof(d), plus, 80);
}

static void *mac_thread_main(void *arg)
{
	struct mac_thread *m = arg;

	for (int r = 0; r < MAC_ROUNDS && m->rc == 0; r++)
		m->rc = mac_round(m->key, r, m->got[r], m->got_plus[r]);
	return NULL;
}

Test(prf, threads_key_their_own_contexts)
{
	static struct mac_thread m[MAC_THREADS];

	for (int i = 0; i < MAC_THREADS; i++) {
		m[i].key = (uint8_t)(0x11 * (i + 1));
		cr_assert_eq(pthread_create(&m[i].t, NULL, mac_thread_main, &m[i]), 0);
	}
	for (int i = 0; i < MAC_THREADS; i++) {
		cr_assert_eq(pthread_join(m[i].t, NULL), 0);
		cr_assert_eq(m[i].rc, 0, "thread %d", i);
	}
	for (int i = 0; i < MAC_THREADS; i++)
		for (int r = 0; r < MAC_ROUNDS; r += 37) {
			uint8_t mac[32], plus[80];

			cr_assert_eq(mac_round(m[i].key, r, mac, plus), 0);
			cr_assert_arr_eq(m[i].got[r], mac, 32, "thread %d round %d", i, r);
			cr_assert_arr_eq(m[i].got_plus[r], plus, 80, "thread %d round %d", i, r);
		}
	/* one thread's MAC matches an independent computation (RFC 4231 case 2) */
	{
		const struct iovec what = { (void *)"what do ya want for nothing?", 28 };
		uint8_t mac[32], want[32];

		unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want,
		      sizeof(want));
		cr_assert_eq(crypto_prf(V2_PRF_HMAC_SHA2_256, (const uint8_t *)"Jefe", 4, &what, 1,
					mac), 0);
		cr_assert_arr_eq(mac, want, 32);
	}
}
