/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CERTS_H
#define SKUA_CTL_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "crypto/key.h"
#include "crypto/trust.h"
#include "crypto/x509.h"
#include "ike/id.h"

struct secrets;

/*
 * The certificate store: what pluto reads from --ipsecdir (default
 * /etc/ipsec.d), in place of libreswan's NSS database (docs/certificates.md):
 *
 *   certs/     our end certificates, PEM or DER; a PEM file may carry the
 *              intermediates after the certificate (sent with --sendca).
 *              --cert NAME names the file, with or without its extension.
 *   cacerts/   trust anchors (PEM bundles or DER)
 *   private/   private keys (PEM or DER, PKCS#8 or traditional; mode 0600)
 *   crls/      CRLs (PEM or DER)
 *
 * plus the key entries of ipsec.secrets (": RSA file", ": ECDSA file",
 * ": P12 file pass"; a P12 certificate is named after its file). Each end
 * certificate is paired with the private key whose public half it
 * carries, from private/ or the secrets. A file that cannot be used is
 * skipped with a warning naming it and why; a missing directory is empty.
 *
 * Owner: the ctl thread (start-up before it runs); nothing here is shared.
 * The workers see the trust set and raw keys through ike/creds.h.
 */
enum {
	CERT_STORE_CHAIN_MAX = 8,	/* intermediates kept with one end certificate */
	CERT_STORE_FILES_MAX = 10000,	/* files read from one directory */
	CERT_STORE_PUBKEYS_MAX = 10000,	/* raw public keys (--addkey) */
	CERT_STORE_EXPIRY_WARN = 14 * 86400,	/* --checkpubkeys: expiring within two weeks */
};

struct cert_store_cert {
	char *name;			/* --cert NAME */
	char *file;
	struct crypto_cert *cert;
	struct crypto_cert *chain[CERT_STORE_CHAIN_MAX];	/* the rest of its file */
	size_t nchain;
	struct crypto_privkey *key;	/* its private key, or NULL */
	char *key_from;			/* the key's file */
	bool from_secrets;		/* a P12 entry's: replaced when the secrets are */
};

struct cert_store_ca {
	char *file;
	struct crypto_cert *cert;
};

struct cert_store_crl {
	char *file;
	struct crypto_crl *crl;
};

struct cert_store_key {
	char *file;
	struct crypto_privkey *key;
};

/* A raw public key from whack --keyid ... --pubkeyrsa. */
struct cert_store_pubkey {
	struct ike_id id;
	struct crypto_pubkey *key;
	time_t installed;
};

struct cert_store {
	char dir[4096];
	struct cert_store_cert *certs;
	size_t ncerts;
	struct cert_store_ca *cas;
	size_t ncas;
	struct cert_store_crl *crls;
	size_t ncrls;
	struct cert_store_key *keys;
	size_t nkeys;
	struct cert_store_pubkey *pubs;
	size_t npubs;
	struct crypto_trust *trust;	/* cas and crls, sealed; NULL until built */
	time_t crls_read;		/* when crls/ was last read */
};

/* Context: ctl thread (or start-up). */
void cert_store_init(struct cert_store *s, const char *ipsecdir);
void cert_store_fini(struct cert_store *s);

/*
 * (Re)read certs/, cacerts/ and private/, replacing what was read from
 * them, then pair keys (with secrets, may be NULL) and rebuild the trust
 * set. Returns 0 or -ENOMEM; files that cannot be used are logged and
 * skipped.
 */
int cert_store_read_certs(struct cert_store *s, const struct secrets *secrets);

/* (Re)read crls/ and rebuild the trust set. Returns 0 or -ENOMEM. */
int cert_store_read_crls(struct cert_store *s, time_t now);

/*
 * The secrets changed: drop the P12 certificates of the old set, take
 * those of the new one, pair the keys again. Returns 0 or -ENOMEM.
 */
int cert_store_sync_secrets(struct cert_store *s, const struct secrets *secrets);

/* An end certificate by --cert NAME (file name with or without extension). */
const struct cert_store_cert *cert_store_find(const struct cert_store *s, const char *name);

/*
 * Raw public keys: add (keeping others of the same ID) or replace (every
 * key of that ID), as whack --addkey does or not. Takes a reference.
 * Returns 0, -E2BIG (CERT_STORE_PUBKEYS_MAX) or -ENOMEM.
 */
int cert_store_add_pubkey(struct cert_store *s, const struct ike_id *id,
			  struct crypto_pubkey *key, bool replace, time_t now);

#endif
