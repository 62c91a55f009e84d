/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_IKE_SA_H
#define SKUA_IKE_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/ikev2_keys.h"
#include "crypto/ke.h"
#include "crypto/sk.h"
#include "ike/child_index.h"
#include "ike/connection.h"
#include "ike/ike_daemon.h"
#include "ike/lease.h"
#include "ike/ts.h"
#include "ike/v2/types.h"
#include "sadb/sa_table.h"
#include "util/timer_wheel.h"

/*
 * IKE SAs and their Child SAs: the "state objects" of the manual, each
 * with a serial number (#N) shown by whack --status.
 *
 * Owner: the worker whose index our SPI carries; only it reads or writes
 * an SA (others reach it through its mailbox). The sa_node is published in
 * the RCU tables so that lookups by SPI find the object; nothing but the
 * node's keys is read through them by other threads.
 */

enum ike_state {
	/* IKEv2 (RFC 7296) */
	IKE_I_KEYGEN = 1,	/* initiator: generating our KE */
	IKE_I_INIT_SENT,	/* initiator: IKE_SA_INIT request sent */
	IKE_I_DERIVE,		/* initiator: computing keys */
	IKE_I_SPI_ALLOC,	/* initiator: asking the kernel for the Child SA's SPI */
	IKE_I_AUTH_SENT,	/* initiator: IKE_AUTH request sent */
	IKE_R_KEX,		/* responder: computing our KE and keys */
	IKE_R_INIT_SENT,	/* responder: IKE_SA_INIT response sent, waiting for IKE_AUTH */
	IKE_R_CHILD,		/* responder: installing the first Child SA */
	IKE_ESTABLISHED,
	IKE_DELETING,		/* our Delete is out, waiting for the answer */
	IKE_I_REKEY,		/* a new IKE SA our CREATE_CHILD_SA (on the old one) is creating */
	IKE_R_REKEY,		/* a new IKE SA the peer's CREATE_CHILD_SA is creating */
	IKE_REKEYED,		/* replaced by a rekey: no children, waits for the Delete */
	IKE_I_AUTH_SIGN,	/* initiator: signing its AUTH (a crypto job) */
	IKE_I_AUTH_VERIFY,	/* initiator: checking the responder's AUTH (a crypto job) */
	IKE_R_AUTH,		/* responder: checking the initiator's AUTH, signing its own */
	/*
	 * IKEv1's Main, Aggressive and Quick Mode states go here, in a block
	 * of their own, with their rows in src/ike/v1/'s transition table.
	 */
	IKE_V1_MAIN_I1,		/* initiator: Main Mode message 1 sent */
	IKE_V1_MAIN_I_KEYGEN,	/* initiator: generating our KE (a crypto job) */
	IKE_V1_MAIN_I2,		/* initiator: message 3 sent */
	IKE_V1_MAIN_I_DERIVE,	/* initiator: g^xy and SKEYID (a crypto job) */
	IKE_V1_MAIN_I3,		/* initiator: message 5 sent */
	IKE_V1_MAIN_R1,		/* responder: message 2 sent */
	IKE_V1_MAIN_R_KEX,	/* responder: our KE, g^xy and SKEYID (a crypto job) */
	IKE_V1_MAIN_R2,		/* responder: message 4 sent */
	IKE_V1_MAIN_I4,		/* initiator: Main Mode done, the ISAKMP SA is established */
	IKE_V1_MAIN_R3,		/* responder: the same */
	IKE_V1_AGGR_I_KEYGEN,	/* initiator: generating our KE for Aggressive Mode message 1 */
	IKE_V1_AGGR_I1,		/* initiator: Aggressive Mode message 1 sent */
	IKE_V1_AGGR_I_DERIVE,	/* initiator: g^xy and SKEYID (a crypto job) */
	IKE_V1_AGGR_I2,		/* initiator: message 3 sent, the ISAKMP SA is established */
	IKE_V1_AGGR_R_KEX,	/* responder: our KE, g^xy and SKEYID (a crypto job) */
	IKE_V1_AGGR_R1,		/* responder: message 2 sent */
	IKE_V1_AGGR_R2,		/* responder: message 3 came, the ISAKMP SA is established */
	/* Phase 1 signatures (v1/p1_sig.h): the crypto jobs */
	IKE_V1_MAIN_I_SIGN,	/* initiator: making SIG_I for message 5 */
	IKE_V1_MAIN_I_VERIFY,	/* initiator: checking message 6's SIG_R */
	IKE_V1_MAIN_R_AUTH,	/* responder: checking message 5's SIG_I, making SIG_R */
	IKE_V1_AGGR_I_AUTH,	/* initiator: checking message 2's SIG_R, making SIG_I */
	IKE_V1_AGGR_R_SIGN,	/* responder: making SIG_R for message 2 */
	IKE_V1_AGGR_R_VERIFY,	/* responder: checking message 3's SIG_I */
	/*
	 * Quick Mode exchanges (v1/quick.c): the state of one exchange on an
	 * established ISAKMP SA (sa->v1->qm->state), never sa->state.
	 */
	IKE_V1_QUICK_I1,	/* initiator: SPI, KE, message 1 out, then g^xy and the install */
	IKE_V1_QUICK_I2,	/* initiator: message 3 sent, the IPsec SA is up */
	IKE_V1_QUICK_R1,	/* responder: SPI, KE, the install, message 2 out */
	IKE_V1_QUICK_R2,	/* responder: message 3 came, the IPsec SA is up */
	/*
	 * XAUTH and Mode Config (v1/xauth.c): Transaction exchanges on an
	 * established ISAKMP SA, before its first Quick Mode (sa->state).
	 */
	IKE_V1_XAUTH_R0,	/* server: REQUEST (user name, password) sent */
	IKE_V1_XAUTH_R1,	/* server: SET (status) sent */
	IKE_V1_XAUTH_I0,	/* client: waiting for the server's REQUEST */
	IKE_V1_XAUTH_I1,	/* client: REPLY sent, waiting for the SET */
	IKE_V1_MODECFG_R1,	/* server: SET (push) or REPLY (pull) of the address */
	IKE_V1_MODECFG_I1,	/* client: waiting for the SET, or REQUEST sent (pull) */
	IKE_STATE_COUNT,
};

/* What a state is, as data. Owner: static, read-only. */
struct ike_state_info {
	const char *name;	/* as libreswan prints it (STATE_V2_...) */
	uint8_t version;	/* IKE major version of the SA in this state */
	uint32_t timeout_ms;	/* an SA that stays longer is dropped (0: the SA's own timers) */
	bool established;	/* keys are up: INFORMATIONAL and CREATE_CHILD_SA may run */
};

const struct ike_state_info *ike_state_info(enum ike_state s);

static inline uint64_t ike_state_bit(enum ike_state s)
{
	return 1ull << s;
}

const char *ike_state_name(enum ike_state s);	/* STATE_V2_... as libreswan prints them */

enum child_state {
	CHILD_LARVAL,		/* negotiating or installing */
	CHILD_INSTALLED,
};

enum {
	CHILD_NONCE_KEEP = 16,
	/*
	 * A rekeyed Child SA whose Delete the peer answered keeps its SAs this
	 * long: the peer's answer can overtake the kernel switching its
	 * outbound traffic to the new SA, and ESP it sent on the old one
	 * meanwhile still finds its SA here.
	 */
	CHILD_REKEYED_LINGER_MS = 1000,
	/* A deferred outbound SA's peer traffic check: first, then every, at most */
	CHILD_OUT_POLL_FIRST_MS = 50,
	CHILD_OUT_POLL_MS = 200,
	CHILD_OUT_POLLS = 50,
	/*
	 * An IKEv1 Phase 2 rekey we start (v1/quick.c): the new outbound SA
	 * waits after message 3 until ESP comes on the new inbound SA, at most
	 * this long; once the old SA's Delete is sent, its inbound SA stays
	 * this much longer for what the peer sent before it handled the Delete.
	 */
	CHILD_V1_OUT_WAIT_MS = 1000,
	CHILD_V1_IN_KEEP_MS = 2000,
};

/* The retirement of an IPsec SA whose IKEv1 rekey we started (v1/quick.c), by its life timer. */
enum child_v1_retire {
	CHILD_V1_LIVE,		/* not being retired */
	CHILD_V1_HEIR_OUT_WAIT,	/* the heir's outbound SA is held back; ours carries the traffic */
	CHILD_V1_LINGER,	/* the heir's outbound SA is in; ours and our inbound SA stay */
	CHILD_V1_IN_ONLY,	/* our Delete is sent, our outbound SA gone; the inbound SA stays */
};

struct child_sa {
	/* ordered to leave no holes: a million of them are held (issue 14) */
	struct child_sa *next;
	struct ike_sa *sa;		/* the IKE SA it belongs to (changes with an IKE SA rekey) */
	uint64_t serial;
	struct timer life;		/* its rekey time (lifetime - margin - fuzz), then its end */
	uint64_t expire_ms;
	struct connection *conn;	/* the connection it serves (a reference): may differ from the IKE SA's */
	uint64_t dpd_bytes_in;		/* inbound bytes at the last liveness look */
	struct child_link idx[2];	/* the worker's index by SPI (in, out) while installed */
	uint64_t carried_in, carried_out;	/* bytes of the SAs it replaced by rekeying */
	uint64_t rekey_of;		/* serial of the Child SA it replaces, or 0 */
	uint64_t installed_ms;		/* ike_now(); --trafficstatus add_time is derived from it */
	struct ike_ts ts_local, ts_remote;
	/*
	 * A rekey we answered: its outbound SA, keyed, in a batch of its own
	 * not yet handed to the kernel. It goes when the SA it replaces goes
	 * (the peer's Delete, or its end), so we never send on an SA whose
	 * inbound half the peer has not keyed yet (v2/child.c). An IKEv1
	 * Phase 2 rekey we started holds its outbound SA the same way after
	 * message 3, at most CHILD_V1_OUT_WAIT_MS (v1/quick.c).
	 */
	struct kernel_batch *out_deferred;
	/*
	 * Meanwhile its inbound SA's counters are looked at now and then: ESP
	 * on it means the initiator keyed the new SAs (it sends on its new
	 * outbound SA once it has both), so ours goes in then, before the
	 * Delete: a peer that drops the old inbound SA when it sends its
	 * Delete (libreswan) gets nothing on it meanwhile. The timer is
	 * allocated for the wait (NULL otherwise: a million Child SAs are
	 * held, issue 14) and freed with the Child SA or when the wait ends.
	 */
	struct child_out_wait *out_wait;
	struct child_step *install_step;	/* v2/child.c: its install, while in the kernel */
	enum child_state state;
	uint32_t successor_spi, successor_reqid;	/* superseded: who gets its final counts */
	uint32_t spi_in, spi_out;	/* host order; spi_in is ours */
	uint32_t reqid;
	unsigned kernel_pending;	/* kernel ops in flight for this child */
	int kernel_error;		/* first failure among them */
	struct v2_suite suite;
	uint8_t nonce_min[CHILD_NONCE_KEEP];	/* the lowest nonce of the exchange that made it */
	uint8_t nonce_min_len;
	uint8_t this_end;		/* our end of conn */
	bool life_is_rekey;
	bool we_initiated;		/* created by an exchange we started: its keys (2.17), collisions (2.8.1) */
	bool rekeying;			/* a rekey of it is under way or done: never rekeyed twice */
	bool superseded;		/* its replacement is installed: it goes without down- */
	/*
	 * The instance that replaced ours (--uniqueids) has a Child SA with
	 * the same selectors: its policies are the ones in the kernel now, so
	 * this one leaves them (and the client's routes) alone when it goes.
	 */
	bool policies_taken;
	bool lingering;			/* superseded and deleted on both ends: gone at its life timer */
	bool out_removed;		/* its outbound SA is out of the kernel already (lingering) */
	uint8_t v1_retire;		/* enum child_v1_retire */
	bool transport;
	bool encap;			/* ESP in UDP (NAT) */
	uint8_t kernel_done;		/* bits of the install steps that succeeded */
	bool kernel_released;		/* its kernel state is being removed */
	bool native_routed;		/* its install batch carried the default updown's routes */
};

/* The look-again timer of a Child SA's deferred outbound SA (out_wait). Owner: the Child SA's. */
struct child_out_wait {
	struct timer poll;
	uint8_t polls;			/* looks so far, at most CHILD_OUT_POLLS */
};

/* Cancel and free c->out_wait, if any. Context: the owner worker of c. */
void ike_child_out_wait_end(struct ike_sa *sa, struct child_sa *c);

struct v2_auth_pend;
struct v1_state;
struct v2_frag_reasm;

/*
 * Negotiation-only state, freed once the IKE SA is established. A
 * responder's half-open SA holds it until IKE_AUTH, so it is kept small
 * (tests/exchange/test_half_open.c measures it: 128 bytes with no
 * hole, and SK_p at the PRF's size): the IKE_SA_INIT messages are
 * allocated at their exact size, a responder's nonces are the ones in
 * them, and the initiator's KE value is kept only by an initiator.
 */
struct ike_setup {
	struct crypto_ke *ke;
	/*
	 * ike_setup_bytes(); NULL until known. A responder's point into the
	 * IKE_SA_INIT messages it keeps anyway (ni_in_req, nr_in_resp).
	 */
	uint8_t *ni, *nr;
	/*
	 * The IKE_SA_INIT messages, signed by AUTH. A responder's init_resp
	 * is the IKE SA's response cache (sa->resp) until its next response
	 * replaces that (v2_send_response() leaves the bytes to the setup).
	 */
	uint8_t *init_req, *init_resp;
	uint32_t init_req_len, init_resp_len;	/* at most IKE's 64 KiB */
	uint16_t ni_len, nr_len;
	uint16_t dh;
	uint16_t cookie_len;
	union {
		uint8_t *cookie;	/* initiator: the responder's COOKIE, returned */
		/*
		 * responder (certreq_fixed): the anchors its IKE_SA_INIT
		 * response's CERTREQ named (a reference; NULL: none), so that
		 * the response built again names the same after a reload
		 */
		struct crypto_trust *certreq_trust;
	};
	struct v2_proposal *ike_accepted;	/* responder: the IKE proposal, until answered */
	/* our KE value: resent after a COOKIE (initiator), in a rebuilt response (responder) */
	uint8_t *pub;
	uint8_t *psk;			/* looked up once, wiped with the setup */
	uint64_t t_start_us, t_auth_us;	/* latency histograms (ike_stats.h) */
	struct v2_auth_pend *auth;	/* IKE_AUTH's state across its crypto job (v2/auth.c) */
	uint32_t psk_len;		/* of psk */
	uint16_t pub_len;
	uint8_t sk_p_len;		/* each of SK_pi and SK_pr in sk_p[] */
	uint8_t sk_p_room;		/* bytes of sk_p[] */
	/*
	 * A responder's half-open SA keeps SKEYSEED in sk_p[] (seed_len
	 * bytes, the PRF's size) rather than the seven keys, and expands it
	 * when its IKE_AUTH request comes (v2_kex_keys_ensure()); 0 otherwise.
	 */
	uint8_t seed_len;
	uint8_t restarts;		/* COOKIE / INVALID_KE_PAYLOAD round trips */
	uint8_t child_num;		/* responder: accepted proposal number */
	uint8_t peer_hashes;		/* its SIGNATURE_HASH_ALGORITHMS (IKE_HASH_BIT()s), 0: none */
	bool sent_hashes : 1;		/* we sent ours */
	bool peer_certreq : 1;		/* it sent a CERTREQ: --sendcert ifasked sends */
	bool certreq_fixed : 1;		/* responder: certreq_trust set (v2/auth.c) */
	bool ni_in_req : 1;		/* ni is in init_req: not freed on its own */
	bool nr_in_resp : 1;		/* nr is in init_resp: the same */
	/*
	 * A responder's IKE_SA_INIT response is not kept but built again
	 * when it is needed (v2/sa_init.c init_response_build(): for a
	 * retransmitted request, and once for AUTH when the IKE_AUTH request
	 * comes), from what the setup keeps: our KE value (pub), Nr, the
	 * accepted proposal as the suite and the types the peer listed, our
	 * port, whether SIGNATURE_HASH_ALGORITHMS went, and the anchors a
	 * CERTREQ named (certreq_trust). Issue 14: a half-open SA keeps
	 * 64 B for X25519, not the 224 B response. Not when the accepted
	 * proposal is one that this cannot give back (ike_accepted).
	 */
	bool resp_rebuilt : 1;
	bool accepted_spi : 1;		/* the accepted IKE proposal had an SPI (8 bytes, zero) */
	uint8_t accepted_listed;	/* its transform types (proposal_listed_types()) */
	uint16_t init_local_port;	/* our port IKE_SA_INIT came to (its NAT-D), host order */
	/*
	 * SK_pi then SK_pr, for AUTH only: two of the PRF's outputs, sized
	 * by the SA's PRF when it is known (a responder's), else the largest;
	 * a responder's first holds SKEYSEED (seed_len), one output.
	 */
	uint8_t sk_p[];
};

struct v2_task;
struct v2_window;
struct v2_cc_resp;
struct ike_cp_given;

/*
 * What an IKE SA holds beyond a v2 responder's half-open state: the
 * peer's ID and what only exchanges after IKE_SA_INIT use (our requests'
 * retransmission, the back-off between tasks, NAT keepalives, DPD, an IKE
 * SA rekey's nonce and twin, answers to CREATE_CHILD_SA, redirects, pool
 * addresses). A half-open SA goes without it, so that
 * what a flood of IKE_SA_INIT requests holds stays small (issue 14,
 * tests/exchange/test_half_open.c): ike_sa_new() allocates it, except for
 * the SA an IKE_SA_INIT request makes (ike_sa_new_half_open()), which gets
 * it from ike_sa_ext_get() when its IKE_AUTH request comes.
 * Owner: the IKE SA's; freed with it.
 */
struct ike_sa_ext {
	/*
	 * The peer's ID (expected, then authenticated), kept at its size
	 * (ike_id_size(): a million SAs are held, issue 14): written only by
	 * ike_sa_set_peer_id(); never NULL (an empty ID of type IKE_ID_ANY
	 * until set).
	 */
	const struct ike_id *id_remote;
	/* allocated while a window larger than one is in use (v2/window.c) */
	struct v2_window *win;
	/* the peer's fragments, while a message is incomplete (v2/frag_sa.c) */
	struct v2_frag_reasm *reasm;
	struct timer retrans;		/* our outstanding request (sa->req) */
	struct timer task_retry;	/* a TEMPORARY_FAILURE back-off before the next start */
	struct timer keepalive;		/* NAT keepalives while we are behind a NAT */
	struct timer dpd;		/* --dpddelay: a look at the peer's liveness */
	uint8_t nonce_min[CHILD_NONCE_KEEP];	/* IKE_R/I_REKEY: lowest nonce of its exchange */
	struct ip_addr redirected_from;	/* initiator: the gateway that sent us here (or AF_UNSPEC) */
	struct ip_addr redirect_gw;	/* the gateway an IKE_AUTH redirect names (or AF_UNSPEC) */
	unsigned tries;			/* keyingtries used */
	uint8_t nonce_min_len;
	uint8_t redirect_resolving;	/* redirect_fqdn being resolved (v2/redirect.c), or 0 */
	const char *redirect_gw_name;	/* redirect_gw as an FQDN (responder: in conn->redirect_to) */
	char *redirect_fqdn;		/* initiator: the gateway a REDIRECT names by FQDN (owned) */
	struct ike_progress *whack;	/* initiate progress, or NULL: read it by ike_sa_whack() */
	uint64_t established_ms;
	uint64_t expire_ms;		/* end of its lifetime */
	struct v2_cc_resp *rctx;	/* answering a CREATE_CHILD_SA: waits on kernel or crypto */
	struct crypto_job *rjob;	/* the job of that answer, in flight; its cookie: this SA */
	uint64_t rekey_serial;		/* IKE_I/R_REKEY: the old IKE SA; IKE_REKEYED: the new one */
	/*
	 * Both ends rekeyed this IKE SA at once (RFC 7296 2.8.2): the SA the
	 * peer's exchange made waits here, keys and all, until ours ends and
	 * the lowest nonce says which of the two stays.
	 */
	struct ike_sa *rekey_twin;
	/*
	 * The client's addresses from our pools when its connection is not
	 * an instance (a fixed peer with --addresspool: one client, this IKE
	 * SA holds them; an IKE SA rekey moves them). An instance's client
	 * holds its lease in the instance (conn->inst.lease): reach either
	 * through ike_sa_lease(). Released by ike_sa_lease_done() and by
	 * ike_sa_free(). Allocated when the first address is taken
	 * (ike_sa_lease_slot()), so that no other IKE SA carries its 320 bytes
	 * (issue 14: a half-open SA's heap cost): NULL until then.
	 */
	struct ike_lease *lease;
	/* --modecfgclient: what the peer's CFG_REPLY gave us (NULL: nothing); owned */
	struct ike_cp_given *given;
};

/*
 * An IKE SA's keys at their size (issue 14: a million SAs are held, and
 * the largest suite's room in every SA cost 288 bytes): SK_d, then SK_e
 * and SK_a of each direction, in one allocation made when they are
 * derived (v2_kex_install_keys()). Owner: the SA's; wiped and freed with
 * it (ike_keys_free()).
 */
struct ike_keys {
	struct crypto_sk *in, *out;	/* in bytes[], after SK_d */
	uint16_t size;			/* of the whole allocation */
	uint8_t sk_d_len;
	uint8_t sk_d[];			/* then in and out */
};

/* Wipe and free keys (NULL: nothing). Context: their SA's owner. */
void ike_keys_free(struct ike_keys *keys);

/*
 * Ordered by alignment, with no hole: jemalloc's 384-byte class (issue 14:
 * a half-open SA and a held one each cost their classes; 480 bytes took
 * the 512 class, 442 the 448). What only established SAs use goes to
 * struct ike_sa_ext; our ID is computed (ike_sa_id_local()); the grace
 * period's head shares the life timer's room; flags are bits.
 */
struct ike_sa {
	struct sa_node node;		/* our SPI; the init index (responder) */
	struct ike_sa *next, *prev;	/* the owner worker's list */
	struct ike_worker *w;
	uint64_t serial;
	struct connection *conn;	/* holds a use (ike/conn_inst.h) */
	struct ike_sa *inst_next, *inst_prev;	/* conn->inst.sas when conn is an instance */
	struct net_listener *l;		/* the socket we talk through; holds a reference */
	struct ike_keys *keys;		/* NULL until derived (v2_kex_install_keys()) */
	/* NULL only while a v2 responder's SA is half-open: see struct ike_sa_ext */
	struct ike_sa_ext *ext;
	struct v2_task *tasks;		/* exchanges to start, in order */
	struct v2_task *active;		/* the one whose request is outstanding */
	uint8_t *req;			/* our outstanding request, kept for retransmission */
	uint8_t *resp;			/* our last response, resent to a retransmitted request */
	union {
		struct timer life;	/* half-open limit, then IKE SA lifetime */
		/*
		 * Once the SA is unlinked, its life timer cancelled and its
		 * kernel answers in (ike_sa_release_memory()): the grace
		 * period before it is freed; nothing reads the timer then.
		 */
		struct rcu_head rcu;
	};
	uint64_t last_inbound_ms;	/* when the peer was last heard from */
	struct crypto_job *job;		/* in flight; its cookie is this SA */
	struct ike_setup *setup;
	struct v1_state *v1;		/* IKEv1 SAs only: src/ike/v1/state.h */
	struct child_sa *children;
	struct ip_addr local, peer;
	enum ike_state state;
	uint32_t half_open_bytes;	/* counted in the daemon's half-open bytes */
	/*
	 * Message IDs (RFC 7296 2.3). One request of ours is outstanding
	 * unless the peer announced a larger window (SET_WINDOW_SIZE); the
	 * exchanges we want to start queue behind, so none is skipped. With
	 * windows larger than one, win holds the requests out besides the
	 * active one and our responses to the peer's (v2/window.h).
	 */
	uint32_t msgid_next;		/* our next request */
	uint32_t msgid_peer;		/* the peer's lowest request not answered yet */
	uint32_t req_len, resp_len;	/* of req (ext->retrans) and resp: IKE's 64 KiB at most */
	unsigned kernel_pending;	/* kernel steps in flight: the memory waits for them */
	uint8_t spi_i[8], spi_r[8];
	struct v2_suite suite;
	uint16_t local_port, peer_port;
	uint8_t version;		/* IKE major version: 2, or 1 (then v1 is set) */
	bool dead;			/* being freed: ignore late events */
	uint8_t fail_reason;		/* enum ike_stats_reason + 1 once known, else 0 */
	uint8_t this_end;		/* index into conn->spec.end[] of our end */
	uint8_t peer_window;		/* SET_WINDOW_SIZE from the peer (1 without; 255 at most) */
	uint8_t retries;		/* of req */
	/* flags, one bit each: written by the owner worker only, like the rest */
	bool initiator : 1;		/* the original initiator */
	bool half_open : 1;		/* counted in the worker's half-open SAs */
	bool half_open_addr : 1;	/* ... and in its address's (not cookie-verified) */
	bool counted_up : 1;		/* counted in IKEC_IKE_UP */
	bool replaced : 1;		/* a newer IKE SA was started to take over from it */
	bool terminating : 1;		/* whack --terminate: the Delete goes to a rekey's too */
	bool was_established : 1;	/* counted established once (ike_stats.h) */
	bool life_is_rekey : 1;		/* life is at the rekey time, not at its end */
	bool nat_local : 1, nat_peer : 1;	/* a NAT is in front of us / of the peer */
	bool natt : 1;			/* talking on the NAT-T port */
	bool frag : 1;			/* RFC 7383: fragments are sent and accepted */
	bool redirect_ok : 1;		/* RFC 5685: the peer takes REDIRECT (it said so) */
	uint8_t redirects;		/* initiator: redirects followed (ext->redirected_from) */
};
/*
 * Our ID on this SA: its connection's, for the end that is ours (computed,
 * not kept: a million SAs are held, issue 14; the connection outlives the
 * SA, and a switch of connection in IKE_AUTH switches the ID with it).
 */
/* sa's window (v2/window.h), or NULL: none in use, or a half-open SA. */
static inline struct v2_window *ike_sa_win(const struct ike_sa *sa)
{
	return sa->ext ? sa->ext->win : NULL;
}

static inline const struct ike_id *ike_sa_id_local(const struct ike_sa *sa)
{
	return &sa->conn->cfg->id_self[sa->this_end];
}

_Static_assert(sizeof(struct ike_sa) <= 384, "struct ike_sa outgrew jemalloc's 384-byte class");
_Static_assert(sizeof(struct ike_sa_ext) <= 384, "struct ike_sa_ext outgrew jemalloc's 384-byte class");

/*
 * *slot := a copy of the message buf (len bytes, at most IKE's 64 KiB),
 * the one before freed: sa->req or sa->resp. Returns 0, or -ENOMEM /
 * -EMSGSIZE with *slot unchanged.
 */
int ike_sa_keep_msg(uint8_t **slot, uint32_t *slot_len, const uint8_t *buf, size_t len);

/*
 * sa's whack --initiate progress (in its ext), or NULL; for an IKEv1 SA
 * whose Quick Mode being handled has a whack of its own (several run at
 * once), that one. Context: the owner worker of sa.
 */
struct ike_progress *ike_sa_whack(const struct ike_sa *sa);

/*
 * The pool lease of sa's client: its instance's, or for a connection that
 * is not an instance the IKE SA's own. Context: the owner worker of sa.
 */
static inline struct ike_lease *ike_sa_lease(struct ike_sa *sa)
{
	if (sa->conn && sa->conn->inst.tmpl)
		return sa->conn->inst.lease;
	return sa->ext ? sa->ext->lease : NULL;
}

/*
 * The same, for taking addresses: a fixed peer's IKE SA gets its lease
 * allocated (empty) if it had none. NULL on ENOMEM. Context: the owner.
 */
struct ike_lease *ike_sa_lease_slot(struct ike_sa *sa);

/* An IKE SA rekey: old's lease (a fixed peer's) goes to n. Context: the owner of both. */
void ike_sa_lease_move(struct ike_sa *n, struct ike_sa *old);

/*
 * sa is going (our Delete is out): give its client's addresses back
 * unless another IKE SA of the same instance, not going, still serves the
 * client (an IKE SA rekey's new one). Context: the owner worker of sa.
 */
void ike_sa_lease_done(struct ike_sa *sa);

/*
 * A new SA owned by worker w, with our SPI chosen and published (and, for
 * a responder, the init index). Returns NULL on ENOMEM or repeated SPI
 * collisions. Takes a reference on conn (may be NULL until known) and l.
 */
struct ike_sa *ike_sa_new(struct ike_worker *w, bool initiator, struct connection *conn,
			  struct net_listener *l, const uint8_t peer_spi_i[8]);

/*
 * The same for the SA a v2 IKE_SA_INIT request makes: without its struct
 * ike_sa_ext while it is half-open (ike_sa_ext_get() adds it).
 */
struct ike_sa *ike_sa_new_half_open(struct ike_worker *w, struct connection *conn,
				    struct net_listener *l, const uint8_t peer_spi_i[8]);

/*
 * Set sa's peer ID (sa->ext->id_remote) to a copy of id at its size; id
 * may be the current one. Returns 0, or -ENOMEM with sa unchanged.
 * Context: the owner.
 */
int ike_sa_set_peer_id(struct ike_sa *sa, const struct ike_id *id);

/*
 * sa->ext, allocated (zeroed, its timers set up) if sa had none: a
 * half-open responder's IKE_AUTH request is about to be processed. NULL on
 * ENOMEM (sa is unchanged). Context: the owner.
 */
struct ike_sa_ext *ike_sa_ext_get(struct ike_sa *sa);

/*
 * sa serves connection c from now on, our end this_end (and the ID we send
 * is c's for that end): c gains a user, the one before loses one (an
 * instance whose last user goes is unpublished). The caller keeps its own
 * reference on c, if it had one. Context: the owner.
 */
void ike_sa_set_conn(struct ike_sa *sa, struct connection *c, uint8_t this_end);

/*
 * The connection sa's SAs use when the choice fell on c (our end end): c
 * itself, or when c is a template, the client's instance of it: sa's own
 * when sa serves one of c, else a new one for sa's peer (address and
 * authenticated ID), published, owned by sa's worker. Returns it with a
 * use taken (ike_conn_unuse() when done), or NULL on ENOMEM.
 * Context: the owner, once the peer is authenticated.
 */
struct connection *ike_sa_client_conn(struct ike_sa *sa, struct connection *c, uint8_t end);

/* Unpublish, cancel timers and jobs, free after a grace period. Context: the owner. */
void ike_sa_free(struct ike_sa *sa);

/* The last step of ike_sa_free(), once no kernel answer is due. Internal. */
void ike_sa_release_memory(struct ike_sa *sa);

/*
 * The negotiation-only state, zeroed, its start time taken, room for SK_p
 * of sa->suite's PRF (set it first when known), a responder's for SKEYSEED
 * only (v2_kex_keys_ensure() makes room for SK_p); NULL on ENOMEM.
 */
struct ike_setup *ike_sa_setup_new(struct ike_sa *sa);

/*
 * *slot (a nonce of the setup, its KE value or cookie) := a copy of len bytes at
 * data (NULL: random bytes), allocated at that size; the old one wiped and
 * freed. -ENOMEM leaves it as it was.
 */
int ike_setup_bytes(uint8_t **slot, uint16_t *slot_len, const uint8_t *data, size_t len);

/*
 * Half-open accounting (a responder SA between IKE_SA_INIT and IKE_AUTH).
 * ike_half_open_admit() is asked before the SA exists: FULL when the
 * daemon is at its memory ceiling or the worker at its share of
 * --max-halfopen-ike (drop); COOKIE when peer's address already holds its
 * cap (ask it for a cookie: a spoofer never returns one); OK otherwise. A
 * verified peer (it returned our cookie) is not held to, nor counted in,
 * the per-address cap, so many clients behind one carrier-grade NAT
 * address get in. On OK, ike_half_open_begin() must follow (or
 * ike_half_open_cancel() if the SA cannot be made), with the same
 * verified. ike_half_open_charge() adds bytes the SA came to hold;
 * ike_half_open_end() releases it all (established or freed).
 * ike_half_open_full() is admit's FULL alone, counted the same, for a
 * request that can be dropped before anything else is read from it.
 * Context: the owner worker; the daemon-wide sums are atomic.
 */
enum ike_admit { IKE_ADMIT_OK, IKE_ADMIT_FULL, IKE_ADMIT_COOKIE };
bool ike_half_open_full(struct ike_worker *w);
enum ike_admit ike_half_open_admit(struct ike_worker *w, const struct ip_addr *peer,
				   bool verified);
void ike_half_open_cancel(struct ike_worker *w, const struct ip_addr *peer, bool verified);
void ike_half_open_begin(struct ike_sa *sa, size_t bytes, bool verified);
void ike_half_open_charge(struct ike_sa *sa, size_t bytes);
void ike_half_open_end(struct ike_sa *sa);

/*
 * What a v2 responder's half-open SA holds, as the allocator counts it
 * (malloc_usable_size() of the SA, its setup, the nonces, the IKE_SA_INIT
 * messages kept, and its key exchange job while that waits or runs);
 * ike_half_open_charge_sa() charges what was not yet charged, or gives
 * back what it freed. Context: the owner.
 */
size_t ike_half_open_size(const struct ike_sa *sa);
void ike_half_open_charge_sa(struct ike_sa *sa);

/* Free the negotiation-only state. */
void ike_sa_setup_free(struct ike_sa *sa);

/* Our SPI as the u64 the tables use. */
uint64_t ike_sa_our_spi(const struct ike_sa *sa);

/*
 * A Child SA of connection conn (our end this_end) appended to sa, with a
 * fresh serial; it holds a reference on conn. NULL on ENOMEM.
 */
struct child_sa *ike_child_new(struct ike_sa *sa, struct connection *conn, uint8_t this_end);

/*
 * The IKE SA of worker w with that SPI of ours (ike_sa_our_spi()) and
 * serial, through the SPI index: NULL when it went (or is going), or is
 * another worker's. For answers that come back to the owner later (a
 * resolver, an updown run) and name the SA by (SPI, serial), never by a
 * pointer. Context: w's thread.
 */
struct ike_sa *ike_sa_find_own(struct ike_worker *w, uint64_t our_spi, uint64_t serial);

/* The Child SA of sa with that serial, or NULL. */
struct child_sa *ike_child_find(struct ike_sa *sa, uint64_t serial);

/*
 * Remove c: its kernel state goes first (the installed SAs and policies,
 * or the larval SA its SPI allocation made), then the object.
 */
void ike_child_unlink_free(struct ike_sa *sa, struct child_sa *c);

/* A progress line to the initiating whack, if any, and the log. */
void ike_sa_progress(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same for Child SA c of sa, under the name of c's connection. */
void ike_child_progress(struct ike_sa *sa, const struct child_sa *c, unsigned rc, const char *fmt,
			...) __attribute__((format(printf, 4, 5)));

/*
 * A finished progress line ("\"name\" #N: text") to pr (if any) and the
 * log (rate-limited without a whack). Context: the owner worker.
 */
void ike_progress_text(struct ike_progress *pr, unsigned rc, const char *text);

/*
 * Whether a progress line for pr is to be said: always with a whack, else
 * within the log's rate limit, whose token this takes. A caller that
 * builds a long line asks first, builds it only on yes and then says it
 * with ike_progress_say(), which asks nothing: a worker setting up
 * thousands of SAs a second formats no line the limit would drop.
 */
bool ike_progress_admit(const struct ike_progress *pr);
void ike_progress_say(struct ike_progress *pr, unsigned rc, const char *text);

/* ike_sa_progress() after ike_progress_admit(ike_sa_whack(sa)) said yes. */
void ike_sa_progress_admitted(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Close the initiating whack's channel (the command is over). */
void ike_sa_progress_done(struct ike_sa *sa);

/*
 * A negotiation failed (rc and why go to whack and the log). An initiator
 * whose attempt timed out starts again while --keyingtries allows; every
 * other failure is final. The SA is freed. Context: the owner.
 */
void ike_sa_fail(struct ike_sa *sa, unsigned rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Delete an IKE SA and its children: with tell_peer, an INFORMATIONAL
 * Delete goes out first and the SA waits for its answer (or the retries
 * to run out). Context: the owner.
 */
void ike_sa_delete(struct ike_sa *sa, bool tell_peer);

/*
 * A NAT was detected (IKEv2's NAT_DETECTION payloads, IKEv1's NAT-D): move
 * sa to the NAT-T port (non-ESP marker from now on), the peer's to 4500.
 * Nothing if it is there already or pluto has no NAT-T port; a missing
 * socket is logged (rate-limited) and sa stays where it is.
 */
void ike_sa_float_natt(struct ike_sa *sa);

/*
 * The listener a new IKE SA towards peer_port starts from, given the one
 * its starter names (whack's, or the listener of the SA it replaces: DPD's
 * restart, a replacement, another keying attempt, a redirect): l itself,
 * or, when l is the NAT-T port's and the peer's port is not, the IKE
 * port's on the same address. A new exchange starts on the IKE port
 * without the non-ESP marker and finds the NAT again (RFC 3947 4, RFC 7296
 * 2.23); from an SA that had moved to port 4500 it went out with the
 * marker to the peer's port 500, which took it for a broken header.
 * NULL when that socket is gone (--unlisten). A reference the caller drops.
 * Context: any worker; takes the listener list's lock when it switches.
 */
struct net_listener *ike_start_listener(struct ike_daemon *d, struct net_listener *l,
					uint16_t peer_port);

/*
 * Rekey by replacement (make before break, RFC 7296 2.8.3 allows it): an
 * initiator starts a new IKE SA with its Child SA for the same connection;
 * its policies take the outbound traffic in place, and this SA stays for
 * inbound until its lifetime ends. Returns false when sa may not rekey
 * (not the initiator, already replaced, --dontrekey, not established).
 * Context: the owner.
 */
bool ike_sa_replace(struct ike_sa *sa, const char *why);

/*
 * Rekey the IKE SA in place (CREATE_CHILD_SA, RFC 7296 1.3.2): queued
 * behind any request that is out. Returns false when it may not (not
 * established, a rekey or Delete already queued). Context: the owner.
 */
bool ike_sa_rekey(struct ike_sa *sa, const char *why);

/*
 * Rekey Child SA c in place (1.3.3), make before break. Returns false
 * when it may not (not installed, already being rekeyed or deleted).
 * Context: the owner.
 */
bool ike_child_rekey(struct ike_sa *sa, struct child_sa *c, const char *why);

/*
 * The peer is dead (DPD, or whack --crash): the SA and its children go
 * without a word to the peer, then --dpdaction (clear, hold: a trap
 * holds the traffic, restart: initiate again). Context: the owner.
 */
void ike_sa_dead(struct ike_sa *sa, const char *why);

/* pluto is shutting down: tell the peer (once, not waiting), then delete. */
void ike_sa_shutdown(struct ike_sa *sa);

/* "name"#N prefix for logs. */
const char *ike_sa_name(const struct ike_sa *sa, char *buf, size_t len);

#endif
