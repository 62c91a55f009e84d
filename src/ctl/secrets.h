/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_SECRETS_H
#define SKUA_CTL_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/key.h"
#include "crypto/x509.h"
#include "ike/id.h"

/*
 * The secrets of ipsec.secrets(5): pre-shared keys, XAUTH passwords,
 * post-quantum PPKs and private keys (": RSA file [passphrase]",
 * ": ECDSA file [passphrase]", ": P12 file passphrase"), each behind a
 * list of identity selectors. A key entry holds the key it loaded (and,
 * for P12, its certificate and CA certificates); an entry whose key could
 * not be loaded is kept, listed and never used.
 *
 * Owner: the ctl thread builds a set with secrets_load() and publishes
 * it; the daemon swaps sets with RCU. A loaded set is immutable, so any
 * thread holding a reference (or inside the RCU read-side section the set
 * is published under) may call the lookups; nothing inside is locked.
 * secrets_free() wipes every secret byte before releasing it.
 */
struct secrets;
struct secret;

enum secret_kind {
	SECRET_PSK,		/* PSK "..." (or no keyword): IKE pre-shared key */
	SECRET_XAUTH,		/* XAUTH "...": a user's password; the selector is the user */
	SECRET_RSA,		/* RSA file [passphrase]: a private key file */
	SECRET_ECDSA,		/* ECDSA file [passphrase]: likewise */
	SECRET_PPKS,		/* PPKS "PPK_ID" "key": RFC 8784 static PPK */
	SECRET_P12,		/* P12 file passphrase: key, certificate and CAs */
};

/* Limits: a file (or a glob) an operator points us at cannot exhaust memory. */
enum secrets_limits {
	SECRETS_FILE_MAX = 16 << 20,	/* bytes per file */
	SECRETS_MAX_ENTRIES = 100000,	/* entries per set, all files together */
	SECRETS_MAX_SELECTORS = 64,	/* selectors per entry */
	SECRETS_VALUE_MAX = 4096,	/* bytes per secret (decoded) */
	SECRETS_INCLUDE_DEPTH = 10,	/* nesting of include, as in libreswan */
	SECRETS_P12_CAS = 8,		/* CA certificates kept from one PKCS#12 file */
};

/*
 * Building a set: the loader (ctl/secrets_load.h) and tests only.
 * Context: the thread building the set, before it is published.
 */
struct secrets *secrets_new(void);

/* A copy of path, owned by the set, for entries' file names; NULL on ENOMEM. */
const char *secrets_intern_file(struct secrets *s, const char *path);

struct secret_spec {
	enum secret_kind kind;
	bool supported;			/* false: listed, never returned by a lookup */
	const struct ike_id *sel;	/* copied */
	size_t nsel;
	uint8_t *value;			/* malloc'd; the set owns it, even on error */
	size_t len;
	uint8_t *ppk_id;		/* likewise (PPKS only) */
	size_t ppk_id_len;
	const char *file;		/* from secrets_intern_file() */
	unsigned line;
	/* RSA, ECDSA, P12: the set takes these references, even on error */
	struct crypto_privkey *key;
	struct crypto_cert *cert;	/* P12 */
	struct crypto_cert *cas[SECRETS_P12_CAS];
	size_t ncas;
	const char *keyfile;		/* from secrets_intern_file(): the key's file */
};

/* Append an entry. Returns 0, -E2BIG (SECRETS_MAX_ENTRIES) or -ENOMEM. */
int secrets_add(struct secrets *s, struct secret_spec *spec);

/* Wipe every secret and free the set. Accepts NULL. Context: no reader left. */
void secrets_free(struct secrets *s);

/* Entries in the set, supported or not. Context: any thread holding s. */
size_t secrets_count(const struct secrets *s);

/*
 * The PSK for a pair of identities, by libreswan's best-match rule
 * (ipsec.secrets(5)); a selector %any never counts as equal to an id:
 *   1. both local and remote equal selectors ("@a @b : PSK" seen from
 *      either end)                                         best
 *   2. local equals a selector, another selector is %any
 *   3. the only selector equals local (any remote)
 *   4. remote equals a selector, another selector is %any
 *   5. %any selectors only
 *   6. no selectors at all                                  worst
 * Any other combination (for instance only local matching one of two
 * selectors) does not match. Ties go to the first entry in file order.
 * Returns NULL when nothing matches. Context: any thread holding s; pure;
 * the result lives as long as s.
 */
const struct secret *secrets_find_psk(const struct secrets *s, const struct ike_id *local,
				      const struct ike_id *remote);

/*
 * The XAUTH password of a user, by the same rule with the user as the
 * local id: the file's "@alice : XAUTH ..." is the ID_FQDN "alice", so
 * the caller passes the XAUTH user name as an ID_FQDN.
 */
const struct secret *secrets_find_xauth(const struct secrets *s, const struct ike_id *user);

/* The static PPK for a pair of identities, by the same rule. */
const struct secret *secrets_find_ppk(const struct secrets *s, const struct ike_id *local,
				      const struct ike_id *remote);

/*
 * The private key for our identity (RSA, ECDSA and P12 entries, by the same
 * rule with any remote), optionally only of one kind (CRYPTO_KEY_NONE: any).
 */
const struct secret *secrets_find_privkey(const struct secrets *s, const struct ike_id *local,
					  enum crypto_key_kind kind);

/* The key entry whose private key is the one of pub (a certificate's), or NULL. */
const struct secret *secrets_find_privkey_of(const struct secrets *s,
					     const struct crypto_pubkey *pub);

/*
 * Key entries: the private key (borrowed, lives as long as the set), the
 * P12 certificate and CAs, and the key file. NULL / 0 for other kinds.
 */
struct crypto_privkey *secrets_entry_privkey(const struct secret *e);
struct crypto_cert *secrets_entry_cert(const struct secret *e);
struct crypto_cert *const *secrets_entry_cas(const struct secret *e, size_t *n);
const char *secrets_entry_keyfile(const struct secret *e);

/*
 * Accessors of an entry. secrets_entry_value() returns the secret bytes
 * (PSK, XAUTH password, PPK) and their length; never log them. The
 * PPK_ID of a PPKS entry via secrets_entry_ppk_id(). Context: any
 * thread holding the set; pointers live as long as the set.
 */
const uint8_t *secrets_entry_value(const struct secret *e, size_t *len);
const uint8_t *secrets_entry_ppk_id(const struct secret *e, size_t *len);
enum secret_kind secrets_entry_kind(const struct secret *e);
bool secrets_entry_is_supported(const struct secret *e);
size_t secrets_entry_nselectors(const struct secret *e);
const struct ike_id *secrets_entry_selector(const struct secret *e, size_t i);
const char *secrets_entry_file(const struct secret *e);
unsigned secrets_entry_line(const struct secret *e);
/* The i-th entry in load order, or NULL past the end. */
const struct secret *secrets_entry_at(const struct secrets *s, size_t i);

const char *secrets_kind_name(enum secret_kind k);

/*
 * One line per entry for whack --listall / --listpsks style output:
 *   "    1: PSK @east @west (/etc/ipsec.secrets:3)"
 *   "    2: RSA @east (/etc/ipsec.secrets:4) 3072 bit RSA key from /etc/ipsec.d/private/east.pem"
 * The secret itself is never printed. emit is called once per line,
 * without a newline. Context: any thread holding s.
 */
void secrets_describe(const struct secrets *s, void (*emit)(void *arg, const char *line),
		      void *arg);

/*
 * Wipe len bytes at p (explicit_bzero) and free p; the one way the set
 * and its loader release buffers that held secret bytes. Accepts NULL.
 * Context: any thread.
 */
void secrets_wipe_free(void *p, size_t len);

/*
 * Tests only: called by secrets_wipe_free() after the wipe and before
 * the free, with the buffer, so a test can check it is all zeroes. Not
 * thread-safe; NULL turns it off.
 */
void secrets_test_set_wipe_hook(void (*hook)(const void *p, size_t len));

#endif
