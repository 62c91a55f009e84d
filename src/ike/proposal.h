/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_PROPOSAL_H
#define SKUA_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/types.h"

/*
 * Proposals: libreswan's ike= / esp= strings (whack --ike / --esp) parsed
 * into SA payload proposals, the defaults, the initiator's SA payload, the
 * responder's choice (RFC 7296 2.7, 3.3.6) and the initiator's check of
 * the reply.
 *
 * Syntax, one or more proposals separated by commas:
 *
 *   ike=  encr[+encr...][-integ[+...]][-prf[+...]][-dh[+...]]   or  ...;dh[+dh...]
 *   esp=  encr[+encr...][-integ[+...]][-dh[+...]]               or  ...;dh[+dh...]
 *
 *   - encr may carry a key length: aes128, aes_cbc_256, aes_gcm256,
 *     aes_gcm_16_128, aes_gcm_c_256; AES without one means 256 and 128.
 *   - IKE with one hash token and non-AEAD encryption uses it for both
 *     integrity and PRF (aes-sha2: HMAC_SHA2_256_128 + HMAC_SHA2_256);
 *     with AEAD encryption the token is the PRF (aes_gcm256-sha2_512);
 *     encr-integ-prf gives both (aes_gcm-none-sha2, aes-sha1-sha2_256).
 *   - ESP integrity is "none"/"null" or absent with AEAD and required
 *     (given or defaulted) otherwise; a DH group asks for PFS.
 *   - an omitted field takes the default list below; ESP gets ESN=no.
 *   - refused: DES, MD5 (PRF and integrity), MODP768 (DH1), NULL
 *     encryption for IKE. Weak groups (modp1024, modp1536, dh22, dh23,
 *     dh24) only when named; the set is then flagged weak.
 *
 * Defaults (strongest practical first):
 *
 *   IKE  1: AES_GCM_16_256, AES_GCM_16_128; PRF HMAC_SHA2_512, HMAC_SHA2_256
 *        2: AES_CBC_256, AES_CBC_128; INTEG HMAC_SHA2_512_256, HMAC_SHA2_256_128;
 *           PRF HMAC_SHA2_512, HMAC_SHA2_256
 *        both with DH31 (curve25519), DH19 (ecp256), DH20 (ecp384),
 *        MODP2048, MODP3072, MODP4096
 *   ESP  1: AES_GCM_16_256, AES_GCM_16_128 (no INTEG transform); ESN no
 *        2: AES_CBC_256, AES_CBC_128; INTEG HMAC_SHA2_512_256,
 *           HMAC_SHA2_256_128; ESN no
 *        no DH (no PFS) unless a group is given
 */

enum {
	PROPOSAL_SET_MAX = 16,		/* proposals in one ike=/esp= string */
	PROPOSAL_ERR_MAX = 256,		/* enough for any parse message */
};

/*
 * The Key Length attribute value a decoder should store in
 * v2_transform.keylen when a transform carries an attribute it does not
 * know: no local transform has it, so such a transform never matches.
 */
#define PROPOSAL_KEYLEN_UNKNOWN_ATTR 0xffff

/*
 * A connection's ike= or esp= proposals, in preference order; each is a
 * v2_proposal (num, spi unset) whose transforms are grouped by type
 * (ENCR, PRF, INTEG, DH, ESN), in the order given within a type.
 * Owner: the connection that holds it; immutable once the connection is
 * published, so any RCU reader may read it.
 */
struct proposal_set {
	uint8_t protocol;		/* V2_PROTO_IKE or V2_PROTO_ESP */
	uint8_t nprops;
	bool weak;			/* a weak DH group was named: warn when loading */
	struct v2_proposal props[PROPOSAL_SET_MAX];
};

/*
 * Parse text as ike= (protocol V2_PROTO_IKE) or esp= (V2_PROTO_ESP) into
 * out. Returns 0; -EINVAL (-E2BIG for too many proposals or transforms)
 * with a message in err such as
 *   ike=aes_gcm256-sha3: unknown PRF "sha3"; expected one of sha1, sha2_256, ...
 * Context: any thread (the ctl thread, loading a connection); no allocation.
 */
int proposal_parse(const char *text, uint8_t protocol, struct proposal_set *out, char *err,
		   size_t errlen);

/*
 * The default set for protocol (see above). Returns 0 or -EINVAL for a
 * protocol other than IKE or ESP. Context: any thread.
 */
int proposal_defaults(uint8_t protocol, struct proposal_set *out);

/*
 * ESP only: which ESN values to offer and accept (esn=no: no only;
 * esn=yes: yes only; esn=either: yes then no). Replaces the ESN
 * transforms of every proposal. Returns 0 or -EINVAL (IKE set, or
 * neither value allowed). Context: the set's owner, before publishing.
 */
int proposal_set_esn(struct proposal_set *s, bool offer_yes, bool offer_no);

/*
 * Remove every DH transform (the Child SA created inside IKE_AUTH carries
 * none, RFC 7296 1.2). Context: the caller's copy.
 */
void proposal_set_drop_dh(struct proposal_set *s);

/*
 * The initiator's SA payload: proposals numbered 1..n in set order, each
 * with the given SPI (spi_size 0 for IKE_SA_INIT, 8 for an IKE rekey, 4
 * for ESP). Returns 0 or -EINVAL (protocol differs from the set's,
 * spi_size > 8, spi NULL with spi_size > 0).
 * Context: any thread; out is the caller's.
 */
int proposal_set_to_sa(const struct proposal_set *set, uint8_t protocol, const uint8_t *spi,
		       size_t spi_size, struct v2_sa *out);

/*
 * Responder: choose from the peer's offer. The first offered proposal of
 * protocol (peer's order) that one local proposal accepts wins; within it,
 * each transform type takes the peer's first transform that this same
 * local proposal lists (local proposals tried in local order). Proposals
 * of other protocols, with transform types unknown or foreign to the
 * protocol, with a wrong SPI size, or whose transforms fail their Key
 * Length, are passed over. An absent INTEG (or, for ESP, DH or ESN)
 * transform counts as NONE/NO. On 0, *chosen is the suite, *chosen_num the
 * peer's proposal number, and *accepted_out (optional) the proposal to
 * send back: same number, one transform per type offered, SPI size as
 * offered, SPI zero (the caller fills it). Returns -ENOENT when nothing
 * is acceptable: the caller answers NO_PROPOSAL_CHOSEN.
 * Context: the owner worker; pure, no allocation.
 */
int proposal_match(const struct proposal_set *local, const struct v2_sa *offered, uint8_t protocol,
		   struct v2_suite *chosen, uint8_t *chosen_num, struct v2_proposal *accepted_out);

/*
 * proposal_match() for a message that carries a KE payload of ke_group:
 * the proposal is chosen exactly as there, but within it ke_group is
 * preferred to the peer's first DH when both sides accept it (so a good
 * guess by the initiator never costs a round trip). After a 0 return,
 * chosen->dh != ke_group means: answer INVALID_KE_PAYLOAD carrying
 * chosen->dh (RFC 7296 1.2, 1.3). ke_group 0: no preference.
 * Context: the owner worker; pure.
 */
int proposal_match_dh_hint(const struct proposal_set *local, const struct v2_sa *offered,
			   uint8_t protocol, uint16_t ke_group, struct v2_suite *chosen,
			   uint8_t *chosen_num, struct v2_proposal *accepted_out);

/*
 * The accepted proposal again, from what a half-open SA keeps instead of
 * it (issue 14: a few bits, not the 200-byte proposal): the suite chosen
 * and the transform types the peer listed, a bit per type
 * (proposal_listed_types() of the accepted proposal). *out gets the
 * transforms proposal_match()'s accepted_out had, in the same order, with
 * number num and SPI size spi_size. An accepted proposal that this does
 * not give back (proposal_rebuilds()) must be kept instead.
 * Context: any; pure.
 */
uint8_t proposal_listed_types(const struct v2_proposal *accepted);
void proposal_of_suite(const struct v2_suite *suite, uint8_t listed, uint8_t num,
		       uint8_t spi_size, struct v2_proposal *out);
/* Whether proposal_of_suite() gives accepted back from suite, field by field. */
bool proposal_rebuilds(const struct v2_proposal *accepted, const struct v2_suite *suite);

/*
 * Initiator: check the responder's SA payload against what was sent
 * (proposal_set_to_sa() numbering): exactly one proposal, of protocol,
 * numbered as one sent; exactly one transform of each type that proposal
 * requires (ENCR; IKE: PRF, DH; INTEG unless AEAD; ESP: ESN when offered,
 * DH when offered), each one that sent proposal contained, no other type.
 * Returns 0 with *out filled, or -EBADMSG (the initiator rejects the
 * reply, RFC 7296 2.7). Context: the owner worker; pure.
 */
int proposal_check_reply(const struct proposal_set *sent, const struct v2_sa *reply,
			 uint8_t protocol, struct v2_suite *out);

/*
 * Add DH group to every proposal of s that names no DH group (PFS for a
 * CREATE_CHILD_SA whose esp= did not say which). Returns 0 or -E2BIG.
 * Context: any thread.
 */
int proposal_set_require_dh(struct proposal_set *s, uint16_t group);

/* Does any proposal of s offer DH group? Context: any thread. */
bool proposal_set_has_dh(const struct proposal_set *s, uint16_t group);

/*
 * The group for the initiator's first KE payload: the first DH transform
 * of the first proposal that has one; 0 when none has. Context: any thread.
 */
uint16_t proposal_set_first_dh(const struct proposal_set *s);

/*
 * libreswan-style suite names for logs and status:
 *   IKE  AES_GCM_16_256-HMAC_SHA2_512-DH31   (ENCR-PRF-DH)
 *        AES_CBC_256-HMAC_SHA2_256-MODP2048  (INTEG is the PRF's own)
 *        AES_CBC_256-HMAC_SHA1_96-HMAC_SHA2_256-DH19  (ENCR-INTEG-PRF-DH otherwise)
 *   ESP  AES_GCM_16_256-NONE, AES_CBC_128-HMAC_SHA2_256_128[-DH19]
 * Truncated to size; returns buf. Context: any thread.
 */
const char *proposal_suite_str(const struct v2_suite *s, char *buf, size_t size);

/*
 * The whole set: proposals joined by ", ", each ENCR-PRF-DH (IKE AEAD),
 * ENCR-INTEG-PRF-DH (IKE) or ENCR-INTEG[-DH] (ESP, INTEG "NONE" for AEAD),
 * with alternatives joined by '+':
 *   AES_GCM_16_256+AES_GCM_16_128-HMAC_SHA2_512+HMAC_SHA2_256-DH31+DH19
 * Truncated to size; returns buf. Context: any thread.
 */
const char *proposal_set_str(const struct proposal_set *s, char *buf, size_t size);

#endif
