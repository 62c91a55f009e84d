/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_EXCHANGE_XCH_H
#define SKUA_TESTS_EXCHANGE_XCH_H
/*
 * The exchange harness: two complete IKE engines, "west" (127.0.0.1) and
 * "east" (127.0.0.2), in one test process, stepped message by message by
 * the test thread. Nothing runs by itself: there are no worker threads
 * (the pools are never started). Each engine has a pool of one worker
 * with real listeners on UDP 500 and 4500 of its address, a crypto job
 * queue, a kernel-op queue with the "none" backend (its kernel thread is
 * the only other thread), a connection table and an ike_daemon whose PSK
 * comes from the harness.
 *
 * The test thread plays the worker of both engines:
 *  - xch_pump() runs everything local on both sides (mailboxes, crypto
 *    batches, waiting for the kernel thread's answers) until both are idle;
 *    messages stay in the receivers' sockets;
 *  - xch_step(from) takes exactly one datagram sent by `from` out of the
 *    peer's socket, records it (header, payloads; the SK payload is opened
 *    with the receiver's keys when it has them), hands it to the peer's
 *    ike_on_datagram() as the worker would, and pumps;
 *  - xch_drop_next(from) takes one and discards it (a lost datagram);
 *  - time stands still: timers fire only in xch_advance(side, ms), which
 *    moves that side's clock forward (the wheel is advanced to the real
 *    clock plus the accumulated offset).
 *
 * The fixture needs root: it moves the test process into a private network
 * namespace (unshare(CLONE_NEWNET)) and brings lo up, so both addresses
 * and the IKE ports are ours.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/auth.h"
#include "ike/ike_daemon.h"
#include "ike/ike_sa.h"
#include "ike/v1/msg.h"
#include "ike/v2/msg.h"

enum xch_side { XCH_WEST = 0, XCH_EAST = 1 };

/* One datagram as it went over the wire, decoded. Owner: the harness. */
struct xch_msg {
	enum xch_side from, to;
	uint8_t *bytes;			/* exactly as sent (marker stripped) */
	size_t len;
	bool decoded;			/* header and outer payloads decoded */
	struct v2_hdr hdr;		/* valid when decoded */
	bool response;
	bool sk;			/* carries an SK payload */
	bool opened;			/* ... which the receiver's keys opened */
	/*
	 * The payloads in order, e.g. "SA KE Ni N(NAT_DETECTION_SOURCE_IP)
	 * N(NAT_DETECTION_DESTINATION_IP)", with an SK payload as
	 * "SK{IDi IDr AUTH SA TSi TSr}" when opened and "SK" when not;
	 * "garbage" when the header does not decode.
	 */
	char desc[512];
	struct v2_msg *m;		/* outer (+ inner when opened) payloads */
	/*
	 * IKEv1 (major version 1): v1m holds the decoded message; desc is
	 * "v1 <exchange>: SA VID ..." with N(type), and "E" for an encrypted
	 * body, "E{HASH ...}" once the receiver's keys opened it.
	 */
	bool v1;
	struct v1_msg *v1m;
	uint8_t *plain;			/* the copy m points into */
};

/* Fixture: namespace, both engines, no connections yet. */
void xch_setup(void);
void xch_teardown(void);

/*
 * Add a connection to one side's table from whack connection-form
 * arguments (as whack takes them, without argv[0]), e.g.
 * "--name t --host 127.0.0.1 --id @west --to --host 127.0.0.2 --id @east
 *  --psk --encrypt". Returns the connection (the table holds it). Unlike
 * whack, without --fragmentation the connection has it off (no RFC 7383
 * announcement, messages whole): tests of fragments ask for it.
 */
struct connection *xch_conn_add(enum xch_side side, const char *args);

/* The side's connection of that name (the test fails without one), and its end there. */
struct connection *xch_conn(enum xch_side side, const char *conn_name);
uint8_t xch_conn_end(enum xch_side side, const char *conn_name);

/*
 * As xch_conn_add(), with each end's certificate, intermediates and key
 * (references taken), as the ctl thread attaches them from the store.
 */
struct connection *xch_conn_add_creds(enum xch_side side, const char *args,
				      const struct ike_end_creds creds[2]);

/*
 * Publish the side's credentials (ike/creds.h): trust anchors (a reference
 * is taken; NULL: none), --crl-strict, and n raw public keys by peer ID.
 */
void xch_set_creds(enum xch_side side, struct crypto_trust *trust, bool crl_strict,
		   const struct ike_id *ids, struct crypto_pubkey *const *keys, size_t n);

/*
 * A second crypto queue on the side whose "worker" only steals: with on,
 * every job the side's worker queues is taken and run by the thief (the
 * result goes to the owner's mailbox, as across cores), never by the
 * worker itself. xch_jobs_stolen() counts them.
 */
void xch_set_thief(enum xch_side side, bool on);
uint64_t xch_jobs_stolen(enum xch_side side);

/* The side's private key for IDs without a certificate (the secrets'); NULL: none. */
void xch_set_privkey(enum xch_side side, struct crypto_privkey *key);

/* The same connection on both sides (each side finds its end). */
void xch_conn_add_both(const char *args);

/* The side's pre-shared key ("" : no key: the lookup fails). */
void xch_set_psk(enum xch_side side, const char *psk);

/*
 * Another key for one peer ID (an @name, for the connection that names
 * it), as an ipsec.secrets line "@ours @peer : PSK ..." beside "%any": psk
 * wherever the remote ID is peer_id, xch_set_psk()'s elsewhere.
 */
void xch_set_psk_for(enum xch_side side, const char *peer_id, const char *psk);

/* Start an IKE SA of the named connection from side: ike_cmd_initiate(), then pump. */
void xch_initiate(enum xch_side side, const char *conn_name);

/* The same, reporting to pr as a whack that initiates (its --xauthuser/--xauthpass too). */
void xch_initiate_pr(enum xch_side side, const char *conn_name, struct ike_progress *pr);

/*
 * Give side a resolver thread (util/resolver.h) that answers from the
 * hosts file path (no DNS); xch_pump() waits for its answers.
 */
void xch_set_resolver_hosts(enum xch_side side, const char *path);

/*
 * The side's XAUTH password checks (ike/pwcheck.h, as pluto's: threads
 * from the first check; xch_pump() waits for their answers) take PAM's
 * configuration from dir (pam_start_confdir()) instead of /etc/pam.d.
 */
void xch_set_pam_confdir(enum xch_side side, const char *dir);

/* Run local work on both sides until neither has any left. Returns items run. */
unsigned xch_pump(void);

/* Whether a datagram sent by from waits on the other side's sockets. */
bool xch_pending(enum xch_side from);

/* Deliver one datagram sent by from (NULL when none is pending), then pump. */
const struct xch_msg *xch_step(enum xch_side from);

/*
 * Deliver one datagram sent by from without running what it queued (crypto
 * jobs, kernel answers): the receiver is caught in the middle of its
 * answer until the next pump. NULL when none is pending.
 */
const struct xch_msg *xch_deliver(enum xch_side from);

/* Take one datagram sent by from off the wire without delivering it (NULL: none). */
const struct xch_msg *xch_drop_next(enum xch_side from);

/*
 * Deliver datagrams both ways until none is pending and nothing is left to
 * run. Returns the number delivered (bounded: fails the test beyond 64).
 */
unsigned xch_run_until_quiet(void);

/*
 * A NAT in front of inside (once per test): what it sends reaches the
 * other side from public_addr (a loopback address of the namespace, e.g.
 * "127.0.0.3"), port 500 mapped to 1500 and 4500 to 14500; what the other
 * side sends there reaches inside at its own address and port. The
 * keepalives and ESP of the kernel are not carried.
 */
void xch_set_nat(enum xch_side inside, const char *public_addr);

/* Put len bytes on the wire from side's IKE socket to the peer's (not delivered yet). */
void xch_send_raw(enum xch_side from, const uint8_t *buf, size_t len);

/*
 * len bytes from side's socket, delivered to the peer, and the peer's
 * answer taken off the wire (not delivered: a lost datagram), or NULL.
 */
const struct xch_msg *xch_answer_raw(enum xch_side from, const uint8_t *buf, size_t len);

/*
 * Side's clock: the real one (net_now_ms(), which the engine arms its
 * timers with) plus what xch_advance() added.
 */
uint64_t xch_now(enum xch_side side);

/* Move side's clock forward by ms and fire the timers due; then pump. */
void xch_advance(enum xch_side side, uint64_t ms);

/* Move side's clock to t (if later) and fire the timers due by then; then pump. */
void xch_advance_to(enum xch_side side, uint64_t t);

/* The engine of a side, and its only worker. */
struct ike_daemon *xch_daemon(enum xch_side side);
struct net_worker *xch_worker(enum xch_side side);

/* IKE SAs the side's worker owns; the first (newest) one or NULL. */
unsigned xch_sa_count(enum xch_side side);
struct ike_sa *xch_sa(enum xch_side side);

/* Entries in the side's SPI table (every published IKE SA). */
size_t xch_spi_table_count(enum xch_side side);

/* An SA a side's kernel was given (the harness's none backend records them). */
struct xch_kernel_sa {
	enum xch_side side;
	uint32_t spi;
	struct ip_addr dst;
	uint8_t key[KERNEL_KEY_MAX];	/* encryption then integrity key, as the kernel got them */
	size_t key_len;
	struct kernel_sa_params params;	/* the rest (lifetimes, limits, ...) as given */
};

/* The last SA with that SPI side's kernel was given, or NULL. Context: the test thread. */
const struct xch_kernel_sa *xch_kernel_sa(enum xch_side side, uint32_t spi);

/* A kernel operation a side's kernel was given (the harness's none backend records them all). */
struct xch_kernel_op {
	unsigned seq;			/* 1, 2, ...: the order both kernels got them in */
	enum xch_side side;
	enum kernel_op_kind kind;
	struct ip_subnet src_sel, dst_sel;	/* policies */
	uint8_t dir;
	uint32_t spi;			/* SAs */
};

/*
 * How many operations of kind side's kernel got after the first `after`
 * ones (of both sides, xch_kernel_op_count() taken earlier); with sel
 * (e.g. "10.1.1.0/24"), only policies one of whose selectors it is.
 * Context: the test thread, after a pump.
 */
unsigned xch_kernel_ops(enum xch_side side, enum kernel_op_kind kind, const char *sel,
			unsigned after);

/* How many operations both kernels got so far. */
unsigned xch_kernel_op_count(void);

/* From now on side's kernel reports packets for SA spi when asked (SA_QUERY). */
void xch_kernel_set_packets(enum xch_side side, uint32_t spi, uint64_t packets);

/* From now on side's kernel refuses (EEXIST) an SA_ADD of SA spi. */
void xch_kernel_fail_add(enum xch_side side, uint32_t spi);

/* The seq of the last operation of kind on SA spi (0: none). */
unsigned xch_kernel_op_seq(enum xch_side side, enum kernel_op_kind kind, uint32_t spi);

/*
 * Run fn(side's daemon, arg) on a thread of its own, as the ctl thread runs
 * an ike_cmd_*() that waits for the workers, while the test thread plays
 * the worker; returns when fn did (bounded).
 */
void xch_ctl(enum xch_side side, void (*fn)(struct ike_daemon *d, void *arg), void *arg);

/* An IKE counter of the side (enum ike_counter). */
uint64_t xch_counter(enum xch_side side, enum ike_counter c);

/* Copy of a recorded message's bytes (the record is reused by the next step). Free it. */
uint8_t *xch_msg_copy(const struct xch_msg *m);

/* The first payload of type in m (outer or opened inner), or NULL. */
const struct v2_payload *xch_msg_payload(const struct xch_msg *m, uint8_t type);

#endif
