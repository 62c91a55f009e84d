/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_STATE_H
#define SKUA_IKE_V1_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/ikev1_keys.h"
#include "crypto/ke.h"
#include "ike/ike_sa.h"
#include "ike/v1/p2_proposal.h"
#include "ike/v1/types.h"

/*
 * What an IKEv1 (ISAKMP) SA keeps beside the common struct ike_sa: the
 * Phase 1 algorithms, the Main Mode inputs the HASH payloads sign, and
 * the keys with the CBC IV chain (RFC 2409 5, Appendix B).
 *
 * Owner: the owner worker of the IKE SA (sa->v1); freed and wiped with it.
 */

/* One Phase 1 transform: what IKEv1's SA payload says (RFC 2409 Appendix A). */
struct v1_p1 {
	uint16_t encr;			/* enum v1_encr: AES-CBC */
	uint16_t key_bits;
	uint16_t hash;			/* enum v1_hash: the PRF is HMAC with it */
	uint16_t auth;			/* enum v1_auth */
	uint16_t group;			/* DH group (IANA numbers, as IKEv2's) */
	uint32_t life_s;
};

/*
 * One Quick Mode exchange (RFC 2409 5.5) on an established ISAKMP SA. An
 * SA runs up to V1_QM_MAX at once, the peer's and ours, each with its own
 * Message ID, IV chain, state (one of IKE_V1_QUICK_*) and resend timer.
 * The Child SA it
 * makes is sa's child with serial child. Freed (and wiped) when the
 * exchange ends or with the SA.
 */
enum { V1_QM_MAX = 8 };

struct v1_qm {
	struct v1_qm *next;		/* the SA's exchanges (v1_state.qms) */
	enum ike_state state;
	uint32_t msgid;
	uint8_t iv[CRYPTO_V1_BLOCK_MAX];	/* this exchange's CBC chain */
	uint64_t child;
	uint16_t group;			/* PFS group, 0: none */
	bool sent;			/* initiator: message 1 out; responder: message 2 out */
	bool answered;			/* initiator: message 2 was accepted */
	uint8_t proposal_num, transform_num;	/* responder: what it chose */
	struct v1_p2 p2;		/* the chosen transform (responder: once chosen) */
	bool has_ids;			/* IDci/IDcr are in the exchange */
	uint8_t ni[V1_NONCE_MAX], nr[V1_NONCE_MAX];
	uint16_t ni_len, nr_len;
	uint8_t gxi[V1_KE_MAX], gxr[V1_KE_MAX], gxy[V1_KE_MAX];
	uint16_t gxi_len, gxr_len, gxy_len;
	struct crypto_ke *ke;		/* ours, while the exchange runs */
	uint8_t rx_digest[32];		/* of the message we answer: 2 (initiator), 1 (responder) */
	struct timer resend;		/* msg again until the answer comes (qm_resend_fire()) */
	uint8_t *msg;			/* our last message of it, sent again by resend: */
	uint32_t msg_len;		/* message 1 (initiator), message 2 (responder) */
	uint8_t resends;
	struct crypto_job *job;		/* its key exchange under way, or NULL (v2_kex_params.slot) */
	struct ike_progress *whack;	/* the whack --initiate waiting for it (a reference), or NULL */
	unsigned tries;			/* initiator: the attempts before this one (--keyingtries) */
	unsigned split;			/* initiator: the Mode Config split network it is for */
	uint64_t started_ms;		/* initiator: when it began (rekey times) */
};

/*
 * The last message of one of our Quick Modes that ended (message 3), kept
 * for V1_QM_FINAL_KEEP_MS so that the peer's message 2 coming again (our
 * 3 lost) gets it again even once we have answered other exchanges, which
 * take the SA's one last answer (sa->resp). The last V1_QM_FINALS of the
 * SA are kept (a hundred bytes or so each): a new one takes a free slot,
 * else the one whose keep time ends first (expired, or the oldest); the
 * bytes are freed then or with the SA.
 */
enum { V1_QM_FINALS = 2, V1_QM_FINAL_KEEP_MS = 60000 };

struct v1_qm_final {
	uint8_t *msg;			/* message 3 as sent, or NULL: the slot is free */
	uint32_t msg_len;
	uint32_t msgid;
	uint8_t rx_digest[32];		/* of the message 2 it answered */
	uint64_t until_ms;		/* kept until then */
};

struct v1_sa;
struct v1_sig_pend;

struct v1_state {
	struct v1_p1 p1;
	uint16_t auth;			/* initiator: the method we propose (v1_p1_auth()) */
	bool aggressive;		/* Phase 1 is Aggressive Mode (RFC 2409 5.4), not Main Mode */
	uint8_t natt;			/* enum v1_natt: the NAT-T version both announced (natt.h) */
	bool peer_dpd;			/* the peer sent RFC 3706's Vendor ID */
	uint32_t dpd_seq;		/* our last R-U-THERE's sequence number (RFC 3706) */
	bool dpd_waiting;		/* its ACK has not come */
	bool initial_contact;		/* the peer's INITIAL-CONTACT was acted on (once per SA) */
	uint64_t dpd_look_ms;		/* when DPD last looked at the peer's silence */
	/*
	 * The Quick Mode exchanges under way (qms, nqm of them), and the one
	 * being handled now (qm), which every way into quick.c sets: the
	 * dispatch by Message ID (a message) or by the job's tag (a key
	 * exchange), the kernel's answers by the Child SA, the resend timer by
	 * the exchange. NULL: none.
	 */
	struct v1_qm *qms;
	unsigned nqm;
	struct v1_qm *qm;
	struct v1_qm_final finals[V1_QM_FINALS];	/* our Quick Modes that ended */
	bool replaced;			/* its re-establishment is under way or done: no new work */
	bool replacing;			/* a re-establishment: takes the older SAs' IPsec SAs */
	/* Main Mode inputs, kept until the SA is up */
	uint8_t *sai_b;			/* the initiator's SA payload body (HASH_I/R) */
	size_t sai_b_len;
	uint8_t ni[V1_NONCE_MAX], nr[V1_NONCE_MAX];
	uint16_t ni_len, nr_len;
	uint8_t gxi[V1_KE_MAX], gxr[V1_KE_MAX];
	uint16_t gxi_len, gxr_len;
	struct crypto_ke *ke;		/* ours, while the exchange runs */
	/* Aggressive Mode: the ID bodies HASH_I/R cover, the peer's HASH until keys are up */
	uint8_t *own_id_b, *peer_id_b;
	size_t own_id_b_len, peer_id_b_len;
	uint8_t peer_hash[CRYPTO_V1_PRF_MAX];
	uint8_t peer_hash_len;
	struct v1_sa *answer;		/* responder: its SA payload, until message 2 is built */
	struct v1_sig_pend *sig;	/* signatures: the peer's SIG until its job (p1_sig.h) */
	bool peer_cr;			/* the peer sent a CR in Phase 1 */
	uint8_t *psk;			/* looked up once, wiped */
	size_t psk_len;
	/* keys (RFC 2409 5) */
	uint8_t skeyid[CRYPTO_V1_PRF_MAX];
	uint8_t skeyid_d[CRYPTO_V1_PRF_MAX];
	uint8_t skeyid_a[CRYPTO_V1_PRF_MAX];
	uint8_t prf_len;
	uint8_t key[CRYPTO_V1_KEY_MAX];
	uint8_t key_len;
	uint8_t block;
	uint8_t iv[CRYPTO_V1_BLOCK_MAX];	/* Phase 1: the next message's IV */
	uint8_t p1_iv[CRYPTO_V1_BLOCK_MAX];	/* the last Phase 1 CBC block: later IVs derive from it */
	uint8_t iv_next[CRYPTO_V1_BLOCK_MAX];	/* the IV once the message being read is accepted */
	/* XAUTH and Mode Config (xauth.c): the Transaction exchange under way */
	enum ike_state p1_state;	/* the Phase 1 state to go back to */
	uint32_t tx_msgid;
	uint8_t tx_iv[CRYPTO_V1_BLOCK_MAX];	/* its CBC chain */
	bool xauth_ok;			/* server: the STATUS sent */
	bool xauth_checking;		/* server: the REPLY's password is being checked (pwcheck.h) */
	bool mc_pulled;			/* client: our Mode Config REQUEST is out (--modecfgpull) */
	uint8_t tx_final[32];		/* digest of the peer's last ACK taken (its retransmissions: ignored) */
	bool has_tx_final;
	char xauth_user[128];		/* server: the user authenticated; client: ours */
	uint8_t *xauth_pass;		/* client: --xauthpass (or whack's answer), wiped */
	size_t xauth_pass_len;
	/*
	 * client: the server's REQUEST waiting for whack's answer (what was
	 * asked: 1 the user name, 2 the password; 0 none): its Message ID,
	 * identifier and attribute types, answered once whack has.
	 */
	uint8_t xauth_asking;
	uint16_t xauth_req_id;
	uint32_t xauth_req_msgid;
	uint8_t xauth_req_n;
	uint16_t xauth_req_types[8];
	/* retransmissions: the digest of the last message we answered, and of the one being read */
	uint8_t last_rx[32], rx_digest[32];
	bool have_last_rx;
};

/* sa->v1, zeroed; NULL on ENOMEM. Context: the owner. */
struct v1_state *v1_state_new(struct ike_sa *sa);

/* Stop, wipe and free sa->v1->qm, the exchange being handled (none is fine). Context: the owner. */
void v1_qm_free(struct ike_sa *sa);

/* The same for every Quick Mode exchange of sa (with the SA). Context: the owner. */
void v1_qm_free_all(struct ike_sa *sa);

/*
 * Our ended Quick Mode whose message 2 has the digest digest and Message
 * ID msgid, still kept at now_ms, or NULL: its message 3 answers that
 * message 2 again.
 */
const struct v1_qm_final *v1_qm_final_find(const struct v1_state *s, uint32_t msgid,
					    const uint8_t digest[32], uint64_t now_ms);

/* s's Quick Mode exchange with Message ID msgid, or NULL. */
struct v1_qm *v1_qm_by_msgid(const struct v1_state *s, uint32_t msgid);

/* s's exchange making Child SA serial, or NULL. */
struct v1_qm *v1_qm_of_child(const struct v1_state *s, uint64_t serial);


/* Wipe and free sa->v1 (NULL is fine). Context: the owner. */
void v1_state_free(struct ike_sa *sa);

#endif
