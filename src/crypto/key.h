/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_KEY_H
#define SKUA_CRYPTO_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/*
 * Public and private keys for IKE authentication: RSA (2048 bits and up
 * when we make them; any size the peer's certificate carries when we
 * verify, down to CRYPTO_RSA_MIN_BITS), ECDSA on P-256, P-384 and P-521,
 * Ed25519 and Ed448.
 *
 * A key is immutable once made and reference counted, so a crypto job
 * carries a reference of its own (crypto_*key_ref()) instead of a pointer
 * into a connection: a thief on another core signs or verifies with it
 * while the connection may be replaced. The last unref frees it.
 *
 * Private keys: OpenSSL clears the private numbers when the last
 * reference goes (BN_clear_free for RSA and EC, a cleansing free for
 * Ed25519/Ed448); every buffer this module reads a key file into is wiped
 * before it is freed; nothing here logs, and no function prints a private
 * key. A key file that group or others may read, write or run is refused.
 *
 * Conventions as crypto.h: 0 or a negative errno; loaders also fill err
 * (if not NULL) with a sentence naming the file, what was wrong and what
 * was expected.
 */

struct crypto_pubkey;
struct crypto_privkey;

enum crypto_key_kind {
	CRYPTO_KEY_NONE,
	CRYPTO_KEY_RSA,
	CRYPTO_KEY_ECDSA,
	CRYPTO_KEY_ED25519,
	CRYPTO_KEY_ED448,
};

/* The curves of ECDSA keys; 0 for other kinds. */
enum crypto_curve {
	CRYPTO_CURVE_NONE,
	CRYPTO_CURVE_P256,
	CRYPTO_CURVE_P384,
	CRYPTO_CURVE_P521,
};

enum {
	CRYPTO_KEYID_LEN = 9,
	CRYPTO_RSA_MIN_BITS = 1024,	/* smaller RSA keys are refused everywhere */
	CRYPTO_RSA_MAX_BITS = 16384,
	CRYPTO_KEY_FILE_MAX = 1 << 20,	/* bytes of a key, certificate or PKCS#12 file */
	CRYPTO_CKAID_LEN = 20,		/* SHA-1 */
	CRYPTO_DNSKEY_MAX = 4 + CRYPTO_RSA_MAX_BITS / 8 + 8,
};

/* Take or drop a reference. unref accepts NULL. Context: any thread. */
struct crypto_pubkey *crypto_pubkey_ref(struct crypto_pubkey *k);
void crypto_pubkey_unref(struct crypto_pubkey *k);
struct crypto_privkey *crypto_privkey_ref(struct crypto_privkey *k);
void crypto_privkey_unref(struct crypto_privkey *k);

/* What a key is. Context: any thread holding a reference. */
enum crypto_key_kind crypto_pubkey_kind(const struct crypto_pubkey *k);
enum crypto_key_kind crypto_privkey_kind(const struct crypto_privkey *k);
enum crypto_curve crypto_pubkey_curve(const struct crypto_pubkey *k);
enum crypto_curve crypto_privkey_curve(const struct crypto_privkey *k);
unsigned crypto_pubkey_bits(const struct crypto_pubkey *k);
unsigned crypto_privkey_bits(const struct crypto_privkey *k);

/* "RSA", "ECDSA", "Ed25519", "Ed448". Context: any thread. */
const char *crypto_key_kind_name(enum crypto_key_kind kind);

/* "P-256", "P-384", "P-521"; "" for none. Context: any thread. */
const char *crypto_curve_name(enum crypto_curve curve);

/*
 * The public half of a private key, as a new reference. Returns 0,
 * -ENOMEM or -EIO. Context: any thread.
 */
int crypto_privkey_public(const struct crypto_privkey *k, struct crypto_pubkey **out);

/* Whether two public keys (or a private key's public half) are the same. */
bool crypto_pubkey_eq(const struct crypto_pubkey *a, const struct crypto_pubkey *b);
bool crypto_privkey_matches(const struct crypto_privkey *k, const struct crypto_pubkey *pub);

/*
 * A public key from a DER SubjectPublicKeyInfo (untrusted bytes: a
 * certificate's, or a raw key). Refuses kinds other than those above and
 * RSA keys out of [CRYPTO_RSA_MIN_BITS, CRYPTO_RSA_MAX_BITS]. Returns 0,
 * -EBADMSG (malformed), -ENOTSUP (another algorithm or size) or -ENOMEM.
 * Context: any thread; the caller owns *out.
 */
int crypto_pubkey_from_spki(const uint8_t *der, size_t len, struct crypto_pubkey **out);

/* The DER SubjectPublicKeyInfo of k: its length, -EMSGSIZE or -EIO. */
int crypto_pubkey_to_spki(const struct crypto_pubkey *k, uint8_t *out, size_t cap);

/*
 * RSA public keys in the DNS KEY form of RFC 3110 2 (libreswan's
 * --pubkeyrsa, ipsec.conf leftrsasigkey=): an exponent length (one byte,
 * or zero and two bytes), the exponent, the modulus, all big-endian.
 * from_dnskey returns 0, -EBADMSG (malformed: lengths, leading zeroes,
 * even or tiny exponent), -ENOTSUP (size out of range) or -ENOMEM.
 * to_dnskey returns the length, -EINVAL (not RSA) or -EMSGSIZE.
 * Context: any thread.
 */
int crypto_pubkey_from_dnskey(const uint8_t *data, size_t len, struct crypto_pubkey **out);
int crypto_pubkey_to_dnskey(const struct crypto_pubkey *k, uint8_t *out, size_t cap);

/*
 * An RSA public key from a DER PKCS#1 RSAPublicKey (the IKEv2 CERT
 * encoding 11, "Raw RSA Key"). As from_spki.
 */
int crypto_pubkey_from_rsa_der(const uint8_t *der, size_t len, struct crypto_pubkey **out);

/*
 * The CKAID of a key as NSS computes it (libreswan's --ckaid): SHA-1 of
 * the RSA modulus, of the uncompressed EC point, or of the raw EdDSA
 * public key. Returns 0 or -EIO. Context: any thread.
 */
int crypto_pubkey_ckaid(const struct crypto_pubkey *k, uint8_t out[CRYPTO_CKAID_LEN]);

/*
 * libreswan's key ID: the first nine characters of the base64 of the RSA
 * key's RFC 3110 form ("AwEAAb1s4" for e = 65537); for other kinds, of
 * the base64 of the CKAID. Writes a NUL-terminated string; returns its
 * length (9) or -EMSGSIZE (cap below 10). Context: any thread.
 */
int crypto_pubkey_keyid(const struct crypto_pubkey *k, char *out, size_t cap);

/*
 * Check that a key file is safe to read: a regular file, not readable,
 * writable or executable by group or others. Returns 0, -EPERM (mode)
 * or the -errno of stat(). err says which and what is expected.
 * Context: any thread; blocks on the file system.
 */
int crypto_key_file_check(const char *path, char *err, size_t errlen);

/*
 * Load a private key file (after crypto_key_file_check()): PEM or DER,
 * PKCS#8 (encrypted or not) or the traditional RSA/EC forms. passphrase
 * may be NULL for an unencrypted key. Returns 0, -EPERM (file mode),
 * -EACCES (wrong or missing passphrase), -EBADMSG (not a key),
 * -ENOTSUP (a kind or size we do not do), -EFBIG, -ENOMEM or the -errno
 * of open/read. The file's bytes are wiped once parsed.
 * Context: the ctl thread or start-up; blocks on file I/O.
 */
int crypto_privkey_load_file(const char *path, const char *passphrase,
			     struct crypto_privkey **out, char *err, size_t errlen);

/*
 * Load a private key from memory (tests, PKCS#12 internals). As above
 * without the file; the caller wipes buf.
 */
int crypto_privkey_from_buf(const uint8_t *buf, size_t len, const char *passphrase,
			    struct crypto_privkey **out);

/*
 * Generate a key (tests, tools): RSA of bits (2048..CRYPTO_RSA_MAX_BITS),
 * ECDSA on curve, Ed25519, Ed448. Returns 0, -EINVAL or -EIO.
 * Context: any thread; CPU-heavy for RSA.
 */
int crypto_privkey_generate(enum crypto_key_kind kind, unsigned bits_or_curve,
			    struct crypto_privkey **out);

/*
 * Module-internal and for the X.509 code: wrap an EVP_PKEY (taking over
 * the caller's reference) after checking its kind and size. Returns 0,
 * -ENOTSUP or -ENOMEM; on error the EVP_PKEY is freed.
 */
int crypto_pubkey_wrap(EVP_PKEY *pkey, struct crypto_pubkey **out);
int crypto_privkey_wrap(EVP_PKEY *pkey, struct crypto_privkey **out);
EVP_PKEY *crypto_pubkey_evp(const struct crypto_pubkey *k);
EVP_PKEY *crypto_privkey_evp(const struct crypto_privkey *k);

#endif
