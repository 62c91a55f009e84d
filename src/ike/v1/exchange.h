/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_EXCHANGE_H
#define SKUA_IKE_V1_EXCHANGE_H

#include "ike/ike_sa.h"
#include "ike/transition.h"
#include "ike/v1/payloads.h"

/*
 * IKEv1 exchanges on the shared transition machinery (transition.h): the
 * table is src/ike/v1/transitions.c, the handlers are one file per
 * exchange (main.c). Context of everything here: the SA's owner worker.
 */

/* The kind of an IKEv1 message, for the table's kinds bits. */
enum v1_msg_kind {
	V1K_NONE = 0,
	V1K_MAIN_SA,		/* Main Mode 1 or 2: SA */
	V1K_MAIN_KE,		/* Main Mode 3 or 4: KE, NONCE */
	V1K_MAIN_ID,		/* Main Mode 5 or 6 (decrypted): ID, HASH or [CERT] SIG */
	V1K_INFO,		/* Informational */
	V1K_QUICK_12,		/* Quick Mode 1 or 2 (decrypted): HASH SA NONCE [KE] [ID ID] */
	V1K_QUICK_3,		/* Quick Mode 3 (decrypted): HASH */
	V1K_AGGR_1,		/* Aggressive Mode 1: SA KE NONCE ID */
	V1K_AGGR_2,		/* Aggressive Mode 2: SA KE NONCE ID, HASH or [CERT] SIG */
	V1K_AGGR_3,		/* Aggressive Mode 3 (decrypted or clear): HASH or [CERT] SIG */
	V1K_TX,			/* Transaction (decrypted): HASH ATTR */
};

/* Which kind m is (decrypted when encrypted). Context: any; pure. */
enum v1_msg_kind v1_msg_kind(const struct v1_msg *m);

/* Run the transition of sa's state for ev. */
void v1_dispatch(struct ike_sa *sa, enum ike_event ev, struct ike_input *in);

/* Main Mode (main.c): the handlers the table names. */
void v1_main_i_r1(struct ike_sa *sa, struct ike_input *in);	/* message 2 came */
void v1_main_i_keygen(struct ike_sa *sa, struct ike_input *in);	/* our KE, send 3 */
void v1_main_i_r2(struct ike_sa *sa, struct ike_input *in);	/* message 4 came */
void v1_main_i_derived(struct ike_sa *sa, struct ike_input *in);	/* g^xy: send 5 */
void v1_main_i_r3(struct ike_sa *sa, struct ike_input *in);	/* message 6 came: up */
void v1_main_r_i2(struct ike_sa *sa, struct ike_input *in);	/* message 3 came */
void v1_main_r_kex(struct ike_sa *sa, struct ike_input *in);	/* our KE, g^xy: send 4 */
void v1_main_r_i3(struct ike_sa *sa, struct ike_input *in);	/* message 5 came: send 6, up */
/* ... with signatures (p1_sig.h): the jobs' results */
void v1_main_i_signed(struct ike_sa *sa, struct ike_input *in);	/* SIG_I made: send 5 */
void v1_main_i_verified(struct ike_sa *sa, struct ike_input *in);	/* SIG_R checked: up */
void v1_main_r_authed(struct ike_sa *sa, struct ike_input *in);	/* SIG_I checked, SIG_R */
void v1_info_request(struct ike_sa *sa, struct ike_input *in);	/* an Informational */

/* Aggressive Mode (main.c, RFC 2409 5.4): the handlers the table names. */
void v1_aggr_i_keygen(struct ike_sa *sa, struct ike_input *in);	/* our KE: send 1 */
void v1_aggr_i_r1(struct ike_sa *sa, struct ike_input *in);	/* message 2 came */
void v1_aggr_i_derived(struct ike_sa *sa, struct ike_input *in);	/* g^xy: check HASH_R, send 3 */
void v1_aggr_r_kex(struct ike_sa *sa, struct ike_input *in);	/* our KE, g^xy: send 2 */
void v1_aggr_r_i2(struct ike_sa *sa, struct ike_input *in);	/* message 3 came: up */
void v1_aggr_i_authed(struct ike_sa *sa, struct ike_input *in);	/* SIG_R checked, SIG_I */
void v1_aggr_r_signed(struct ike_sa *sa, struct ike_input *in);	/* SIG_R made: send 2 */
void v1_aggr_r_verified(struct ike_sa *sa, struct ike_input *in);	/* SIG_I checked: up */

/*
 * XAUTH (xauth.c, draft-beaulieu-ike-xauth-02) in Transaction exchanges
 * after Phase 1: the handlers the table names.
 */
void v1_xauth_r_reply(struct ike_sa *sa, struct ike_input *in);	/* server: REPLY came */
void v1_xauth_r_ack(struct ike_sa *sa, struct ike_input *in);	/* server: ACK came */
void v1_xauth_i_request(struct ike_sa *sa, struct ike_input *in);	/* client: REQUEST came */
void v1_xauth_i_set(struct ike_sa *sa, struct ike_input *in);	/* client: SET came */

/*
 * Phase 1 of sa just came up: true when XAUTH (or Mode Config) runs
 * first (the server sends its REQUEST; the client waits for it), false
 * when Quick Mode may start now.
 */
bool v1_xauth_after_p1(struct ike_sa *sa);

/* The client's user name and password given with --initiate (pr may be NULL). */
void v1_xauth_creds(struct ike_sa *sa, const struct ike_progress *pr);

/*
 * The Transaction exchange's messages (xauth.c): send HDR*, HASH, ATTR(cfg)
 * in exchange msgid (fresh: a new IV chain from Phase 1's; request: kept
 * and retransmitted, else an answer resent on a retransmission); take the
 * peer's (HASH checked, one attribute payload of type want: NULL when
 * dropped and counted). v1_new_msgid() is a fresh non-zero Message ID.
 */
int v1_tx_send(struct ike_sa *sa, uint32_t msgid, bool fresh, const struct v1_cfg *cfg,
	       bool request);
const struct v1_cfg *v1_tx_take(struct ike_sa *sa, struct ike_input *in, uint8_t want);
uint32_t v1_new_msgid(void);

/*
 * Mode Config (modecfg.c, draft-dukes-ike-mode-cfg): the server's SET
 * (push) and the client's REQUEST (--modecfgpull), 0 or -errno; the
 * handlers the table names; v1_after_modecfg() ends it (the Phase 1 state
 * back, the initiator's Quick Mode).
 */
int v1_modecfg_push(struct ike_sa *sa);
int v1_modecfg_pull(struct ike_sa *sa);
void v1_modecfg_r_ack(struct ike_sa *sa, struct ike_input *in);	/* server: ACK came */
void v1_modecfg_r_request(struct ike_sa *sa, struct ike_input *in);	/* server: REQUEST came */
void v1_modecfg_i_set(struct ike_sa *sa, struct ike_input *in);	/* client: SET came */
void v1_modecfg_i_reply(struct ike_sa *sa, struct ike_input *in);	/* client: SET or REPLY */
void v1_after_modecfg(struct ike_sa *sa);

/*
 * The remote selector of our Quick Mode for conn on sa: split network
 * number split the Mode Config server gave (UNITY_SPLIT_INCLUDE) when it
 * lies within conn's remote --client (or conn has none), else conn's.
 */
struct ike_ts v1_modecfg_remote_ts(const struct ike_sa *sa, const struct connection *conn,
				   uint8_t this_end, unsigned split);

/*
 * A Mode Config client given several split networks makes an IPsec SA for
 * each, one Quick Mode after the other: the index of the next one usable
 * (within conn's remote --client) that has no IPsec SA on sa yet, 0: none
 * left. Context: the owner.
 */
unsigned v1_modecfg_next_split(const struct ike_sa *sa);

/*
 * The Phase 1 authentication method (enum v1_auth) our end this_end of c
 * proposes and takes: PSK, or the signature method our key makes
 * (v1_sig_method()), XAUTH's where an end runs it. Returns it, or
 * -ENOTSUP with *why set. Context: a worker.
 */
struct ike_daemon;
int v1_p1_auth(struct ike_daemon *d, const struct connection *c, uint8_t this_end,
	       const char **why);

/* HASH(1) = prf(SKEYID_a, M-ID | the rest) of an encrypted m, checked in constant time. */
bool v1_hash1_ok(struct ike_sa *sa, const struct v1_msg *m);

/*
 * Build HDR* (exchange, msgid), HASH(1), then what fill() appends, into
 * the worker's txbuf, HASH(1) = prf(SKEYID_a, M-ID | the rest) filled in
 * and the body padded; *len its length. The caller encrypts (with the IV
 * its exchange uses) and sends.
 */
struct v1_build;
int v1_build_hash1(struct ike_sa *sa, uint8_t exchange, uint32_t msgid,
		   int (*fill)(struct ike_sa *, struct v1_build *, void *), void *arg, size_t *len);

/* Quick Mode (quick.c). */
void v1_quick_i_keygen(struct ike_sa *sa, struct ike_input *in);	/* our KE: send 1 */
void v1_quick_i_r1(struct ike_sa *sa, struct ike_input *in);	/* message 2 came */
void v1_quick_i_kex(struct ike_sa *sa, struct ike_input *in);	/* g^xy: install, send 3 */
void v1_quick_r_i1(struct ike_sa *sa, struct ike_input *in);	/* message 1 came */
void v1_quick_r_kex(struct ike_sa *sa, struct ike_input *in);	/* our KE, g^xy: install, send 2 */
void v1_quick_r_i2(struct ike_sa *sa, struct ike_input *in);	/* message 3 came: up */

/*
 * Start Quick Mode for sa's connection on established ISAKMP SA sa: the
 * IPsec SA is reported to sa's whack, which is closed at the end. Returns
 * 0 or -errno (reported). Context: the owner.
 */
int v1_quick_initiate(struct ike_sa *sa);

/*
 * Quick Mode for conn (our end this_end) on established ISAKMP SA sa, as
 * libreswan does for a connection between the ends of an ISAKMP SA that is
 * up; pr hears how it goes. -EBUSY when a Quick Mode runs already (nothing
 * started). Returns 0 or -errno. Context: the owner.
 */
int v1_quick_start(struct ike_sa *sa, struct connection *conn, uint8_t this_end,
		   struct ike_progress *pr);

/*
 * Rekey IPsec SA c of sa (a new Quick Mode for its selectors, make before
 * break: the new SA's inbound half goes in before message 3, its outbound
 * half when ESP shows the peer keyed it, at most CHILD_V1_OUT_WAIT_MS
 * after message 3; CHILD_REKEYED_LINGER_MS later the old outbound SA goes
 * with our Delete, and CHILD_V1_IN_KEEP_MS after that the old inbound SA).
 * asked: whack --rekey-ipsec; otherwise
 * (its timer, the kernel's soft expiry) only the end that made it, and
 * not with --dontrekey. True when a rekey runs or will run.
 * Context: the owner.
 */
bool v1_child_rekey(struct ike_sa *sa, struct child_sa *c, const char *why, bool asked);

/*
 * old (an ISAKMP SA going) hands its IPsec SAs to the newest other
 * established ISAKMP SA with the same peer on this worker, if any (IKEv1
 * has no re-parenting on the wire). True when they moved.
 * Context: the owner.
 */
bool v1_hand_over(struct ike_sa *old);

/*
 * Phase 1 re-establishment of sa (libreswan's IKEv1 "replace"), by its
 * rekey time or whack --rekey-ike (why, logged): a new Main or Aggressive
 * Mode to the peer; once it is up, sa's IPsec SAs move to it and sa is
 * deleted. Returns false when sa is not up, is being replaced already, or
 * the new exchange cannot start. Context: the owner of sa.
 */
bool v1_reestablish(struct ike_sa *sa, const char *why);


/*
 * The established ISAKMP SA of worker w a Quick Mode for connection c
 * (our end this_end) can use: the same ends and peer ID, not being
 * replaced; NULL when none. Context: worker w.
 */
struct ike_sa *v1_isakmp_find(struct ike_worker *w, const struct connection *c, uint8_t this_end,
			      const struct ip_addr *local);

/*
 * IKEv1 Deletes of IPsec SAs: tell the peer that Child SA c goes (an
 * Informational Delete of our inbound SPI); the peer's Delete of the n
 * SPIs at spis (its inbound, our outbound SAs) removes those Child SAs.
 * Context: the owner.
 */
void v1_child_delete_tell_peer(struct ike_sa *sa, struct child_sa *c);
void v1_child_delete_received(struct ike_sa *sa, const uint8_t *spis, unsigned n);

/*
 * heir's outbound SA (held back by the rekey we started) was handed to
 * the kernel: the SA it replaces lingers, then goes. Context: the owner.
 */
void v1_child_heir_out_in(struct ike_sa *sa, struct child_sa *heir);

/*
 * The kernel refused heir's held-back outbound SA: heir goes (our Delete
 * of it), and the SA it was to replace, while it still has its outbound
 * SA, is the IPsec SA again (its policies, a new rekey a second later).
 * Context: the owner.
 */
void v1_child_heir_out_failed(struct ike_sa *sa, struct child_sa *heir);

/*
 * An encrypted Informational with one Notification of type (protocol
 * ISAKMP, no SPI), as libreswan answers a Quick Mode it refuses
 * (NO_PROPOSAL_CHOSEN, INVALID_ID_INFORMATION); rate-limited with the
 * stateless answers (rx: the message answered; NULL: no answer, not
 * limited). Returns 0 or -errno.
 * Context: the owner.
 */
int v1_send_notify(struct ike_sa *sa, const struct net_rx *rx, uint16_t type);

/*
 * m (authenticated, of established sa) carries INITIAL-CONTACT: the older
 * ISAKMP SAs of the same connection and peer ID go
 * (ike_initial_contact_replace(): a fixed connection's on this worker,
 * with their IPsec SAs, no Delete sent: the peer forgot them).
 * Context: the owner.
 */
void v1_initial_contact(struct ike_sa *sa, const struct v1_msg *m);
void v1_initial_contact_seen(struct ike_sa *sa, bool ic);	/* the same, m read before */

/*
 * Our INITIAL-CONTACT (RFC 2407 4.6.3.3: protocol ISAKMP, the cookies as
 * its SPI) at the end of b, the initiator's encrypted Main Mode message 5
 * or Aggressive Mode message 3, when ike_sa_sends_initial_contact(sa);
 * nothing for a responder. Returns 0 or -EMSGSIZE. Context: the owner.
 */
int v1_build_initial_contact(struct ike_sa *sa, struct v1_build *b);

/* An Informational Delete of the ISAKMP SA (protocol ISAKMP) or of one ESP SPI. */
int v1_send_delete(struct ike_sa *sa, uint8_t protocol, uint32_t spi);

/*
 * Start Main Mode for connection c (our end this_end) from worker w.
 * Returns 0 or -errno. Context: worker w.
 */
int v1_initiate(struct ike_worker *w, struct connection *c, uint8_t this_end,
		struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr);

/*
 * Delete an IKEv1 SA: with tell_peer and the SA established, an
 * Informational Delete of the ISAKMP SA goes out first (IKEv1 has no
 * answer to wait for). The SA is freed. Context: the owner.
 */
void v1_delete(struct ike_sa *sa, bool tell_peer);

/*
 * DPD (RFC 3706) of an established ISAKMP SA, as IKEv2's liveness: every
 * --dpddelay seconds of silence from the peer (no authenticated message)
 * an R-U-THERE goes out; a peer silent for --dpdtimeout is dead and
 * v1_peer_dead() applies --dpdaction (clear, hold, restart: a new Main or
 * Aggressive Mode). v1_dpd_arm() starts it when the SA is up.
 * Context: the owner.
 */
void v1_dpd_arm(struct ike_sa *sa);
void v1_dpd_fire(struct timer_wheel *tw, struct timer *t, void *arg);
void v1_peer_dead(struct ike_sa *sa, const char *why);

/* Timer callbacks of IKEv1 SAs (set up by the v1 code after ike_sa_new()). */
void v1_retrans_fire(struct timer_wheel *tw, struct timer *t, void *arg);
void v1_life_fire(struct timer_wheel *tw, struct timer *t, void *arg);

#endif
