/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_SIG_ALG_H
#define SKUA_CRYPTO_SIG_ALG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

/*
 * The ASN.1 AlgorithmIdentifier of an RFC 7427 Digital Signature AUTH
 * payload (RFC 7427 3, RFC 5280 4.1.1.2):
 *
 *   AlgorithmIdentifier ::= SEQUENCE {
 *       algorithm   OBJECT IDENTIFIER,
 *       parameters  ANY DEFINED BY algorithm OPTIONAL }
 *
 * Understood: sha{1,256,384,512}WithRSAEncryption (parameters NULL or
 * absent), ecdsa-with-SHA{256,384,512} (absent, or NULL from lenient
 * peers), id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055 3.1: hash, MGF1
 * and its hash, salt length, trailer field 1; defaults when absent, the
 * trailer also when written out), Ed25519 and
 * Ed448 (RFC 8420: parameters absent).
 */

/*
 * Decode an AlgorithmIdentifier (untrusted bytes; exactly len bytes, the
 * whole TLV) into a scheme. Returns 0, -EBADMSG (not DER, trailing bytes,
 * bad parameters) or -ENOTSUP (well-formed, but an algorithm, hash or
 * parameter we do not do: DSA, ecdsa-with-SHA1, an unknown OID, a PSS
 * hash other than SHA-1/SHA-2). A decoded scheme may still be refused by
 * crypto_sig_fits() (PSS with SHA-1, for one).
 * Context: any thread; pure.
 */
int crypto_sig_algid_decode(const uint8_t *der, size_t len, struct crypto_sig_scheme *out);

/*
 * Encode the AlgorithmIdentifier of a scheme as RFC 7427 Appendix A and
 * RFC 8420 show them, in DER: PSS parameters with the hash, MGF1 and salt
 * written and the default trailer field left out, byte for byte what
 * strongSwan and libreswan send (libreswan 4.10 compares the bytes, and
 * refuses the form with the trailer written). Returns its length,
 * -ENOTSUP (a scheme with no RFC 7427 form: raw ECDSA, ECDSA or PSS with
 * SHA-1) or -EMSGSIZE.
 * Context: any thread; pure.
 */
int crypto_sig_algid_encode(const struct crypto_sig_scheme *s, uint8_t *out, size_t cap);

enum { CRYPTO_SIG_ALGID_MAX = 128 };

#endif
