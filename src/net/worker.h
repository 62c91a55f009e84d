/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_NET_WORKER_H
#define SKUA_NET_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/ifaces.h"
#include "net/udp_socket.h"
#include "util/arena.h"
#include "util/counters.h"
#include "util/mailbox.h"
#include "util/timer_wheel.h"

/*
 * The worker pool: one pinned thread per worker, each with its own event
 * loop (epoll), timer wheel, mailbox, arena and counters, and one socket in
 * every SO_REUSEPORT group (one group per listened address and port).
 * The steering program delivers each IKE SA's datagrams to the worker
 * whose index its SPI carries; a datagram that still reaches another
 * worker is copied to the owner's mailbox and counted, never processed
 * twice. The pool knows nothing of IKE: the layer above gives it hooks.
 */

/*
 * The parts of the worker's loop that NWC_PHASE_NS + part counts
 * (net_phase_names[]): NET_PHASE_RECV the recvmmsg() calls,
 * NET_PHASE_DGRAM handling what they read (the IKE engine: parsing, state,
 * IKE_AUTH's own cryptography, building answers), NET_PHASE_CRYPTO the
 * crypto batch after a burst (the queued key exchanges and their
 * completions), NET_PHASE_MAIL the mailbox (kernel answers, forwarded
 * datagrams, commands), NET_PHASE_TIMERS the timers due, NET_PHASE_IDLE
 * the idle hook (crypto stolen from other workers), NET_PHASE_SEND the
 * sendmmsg() calls. NET_PHASE_NONE: waiting, not counted.
 */
enum net_phase {
	NET_PHASE_RECV,
	NET_PHASE_DGRAM,
	NET_PHASE_CRYPTO,
	NET_PHASE_MAIL,
	NET_PHASE_TIMERS,
	NET_PHASE_IDLE,
	NET_PHASE_SEND,
	NET_PHASES,
	NET_PHASE_NONE = NET_PHASES,
};
extern const char *const net_phase_names[NET_PHASES];

enum net_worker_counter {
	NWC_RX,			/* datagrams received on this worker's sockets */
	NWC_TX,			/* datagrams sent */
	NWC_TX_ERR,		/* sends that failed */
	NWC_FWD_OUT,		/* received here, forwarded to their owner */
	NWC_FWD_IN,		/* forwarded to this worker by another */
	NWC_HANDLED,		/* handed to the datagram hook */
	NWC_DROP_TRUNC,		/* longer than the receive buffer */
	NWC_DROP_MARKER,	/* NAT-T port without the non-ESP marker (keepalive, runt) */
	NWC_DROP_NOMEM,		/* no memory to forward */
	NWC_ERRQUEUE,		/* error-queue messages read (IP_RECVERR) */
	NWC_TIMERS,		/* gauge: timers armed */
	NWC_RX_BYTES,		/* bytes of the datagrams received */
	NWC_TX_BYTES,		/* bytes of the datagrams sent */
	NWC_TX_CALLS,		/* sendmmsg() calls that sent them (net_worker_flush) */
	NWC_GATHERED,		/* rounds that slept NET_GATHER_US first (net_gather_us()) */
	/*
	 * Where the loop's time goes, in nanoseconds of the wall clock
	 * (preemption included, as in the rounds below), one counter per
	 * enum net_phase from NWC_PHASE_NS: each clock read charges the time
	 * since the last one to the part that ran, so the parts never overlap
	 * (a send from inside a handler is the send's). The waits, blocked in
	 * epoll_wait() or the gathering's sleep, are in none of them.
	 */
	NWC_PHASE_NS,
	/*
	 * How long the event loop's rounds take, wall clock from waking up to
	 * waiting again (preemption by other processes included): a worker
	 * answers nothing and fires no timer during a round, so a long one is
	 * a stall. A histogram in whole milliseconds over net_round_bounds_ms
	 * (util/counters.h: NET_ROUND_BOUNDS buckets, the rest, the sum).
	 */
	NWC_ROUND_MS = NWC_PHASE_NS + NET_PHASES,
	NWC_COUNT = NWC_ROUND_MS + 11 + 2,
};

/* Bucket i of the rounds: at most 2^i - 1 ms (under 2^i ms); then 1,024 ms or more. */
enum { NET_ROUND_BOUNDS = 11 };
extern const uint64_t net_round_bounds_ms[NET_ROUND_BOUNDS];

struct net_pool;
struct net_worker;

/*
 * One listened address and port: a reuseport group with one socket per
 * worker. Owner: the pool (ctl thread changes the list); workers hold it
 * through epoll and forwarded mails, counted in refs; the sockets close
 * when the last reference goes.
 */
struct net_listener {
	struct net_iface iface;		/* name, ifindex, address */
	uint16_t port;
	bool natt;
	_Atomic unsigned refs;
	int *fds;			/* [nworkers] */
	struct net_sock_ref *ref;	/* [nworkers]: epoll data */
	struct net_listener *next;	/* pool list (ctl thread) */
};

/* Context: any thread holding a reference. */
static inline void net_listener_ref(struct net_listener *l)
{
	atomic_fetch_add(&l->refs, 1);
}

/* Drop a reference; the last one closes the sockets. Context: any thread. */
void net_listener_unref(struct net_listener *l);

/* What the datagram hook gets: the IKE message (marker stripped). */
struct net_rx {
	const uint8_t *msg;
	size_t len;
	const struct net_dgram *d;	/* peer, local address, ifindex */
	struct net_listener *l;
	bool forwarded;
};

struct net_worker_ops {
	/* A datagram this worker owns. Context: the worker. */
	void (*datagram)(struct net_worker *w, struct net_rx *rx, void *ctx);
	/* After each burst of datagrams: run the crypto batch. May be NULL. */
	void (*after_burst)(struct net_worker *w, void *ctx);
	/* Nothing to do: steal work; true if some was done. May be NULL. */
	bool (*idle)(struct net_worker *w, void *ctx);
	void *ctx;
};

/*
 * What a running worker sends during one round of its event loop, kept
 * (copied: callers' buffers are theirs) until the round ends and then sent
 * with one sendmmsg() per run of datagrams for the same socket: replies to
 * a burst of requests, or to a batch of crypto answers, leave in one call.
 */
enum {
	NET_TX_BATCH = 32,		/* datagrams kept at most */
	NET_TX_BYTES = 65536,		/* their bytes at most */
};

struct net_txq {
	bool on;			/* the worker's loop runs: keep; else send at once */
	unsigned n;
	size_t used;			/* of bytes */
	uint8_t *bytes;			/* NET_TX_BYTES */
	struct net_dgram d[NET_TX_BATCH];
	struct net_listener *l[NET_TX_BATCH];	/* a reference each, until sent */
};

/* Owner: the pool; all fields but the counters are the worker thread's. */
struct net_worker {
	unsigned index;
	_Atomic int cpu;		/* OS index of the PU it is pinned to, -1: not pinned;
					 * set by the worker as it starts, read by whack */
	struct net_pool *pool;
	pthread_t thread;
	bool started;
	int epfd;
	struct mailbox mb;
	struct timer_wheel timers;
	struct arena arena;		/* reset after each datagram */
	uint8_t *rxbuf;			/* NET_RX_BATCH * NET_RX_SLOT bytes */
	struct net_txq tx;		/* net_worker_send() while the loop runs */
	/* the part of the loop running since phase_at (ns; NWC_PHASE_NS), while tx.on */
	enum net_phase phase;
	uint64_t phase_at;
};

enum {
	NET_RX_BATCH = 16,		/* datagrams per recvmmsg */
	NET_EPOLL_EVENTS = 256,		/* socket events per round (worker_main()) */
	NET_RX_SLOT = 65536,		/* bytes per datagram buffer */
	/*
	 * recvmmsg calls per socket per round: up to 1,024 datagrams, so that a
	 * worker that is behind drains its socket between its crypto batches
	 * (the cheap answers, cookies and retransmissions, go at once; the
	 * key exchanges queue, and ike/ asks for cookies once they are a batch
	 * behind) rather than leave the kernel to drop what overflows. With 4
	 * (64 datagrams per 64 key exchanges) a storm of 100,000 clients lost
	 * 214,000-576,000 datagrams at a full socket buffer, and whole cohorts
	 * of clients every retransmission (bench/README.md, the storm).
	 */
	NET_RX_BURST = 64,
};

/*
 * A pool of nworkers (1..NET_MAX_WORKERS) workers, not started.
 * pin: bind worker i to PU i (mod the PU count) with hwloc.
 * Returns NULL on ENOMEM. Context: main thread.
 */
struct net_pool *net_pool_new(unsigned nworkers, bool pin, const struct net_worker_ops *ops);

/* Start the threads. Returns 0 or -errno. Context: main thread. */
int net_pool_start(struct net_pool *p);

/*
 * Stop and join every worker and close every listener; mails still queued
 * are handed to their handlers (on the calling thread). Idempotent.
 * Context: main thread.
 */
void net_pool_stop(struct net_pool *p);

/*
 * Stop and join every worker, close every listener, free everything.
 * Mails still queued are handed to their handlers first. Accepts NULL.
 * Context: main thread.
 */
void net_pool_free(struct net_pool *p);

/* The number of PUs hwloc sees (for --nhelpers -1). Context: any thread. */
unsigned net_cpu_count(void);

unsigned net_pool_size(const struct net_pool *p);
struct net_worker *net_pool_worker(struct net_pool *p, unsigned i);
struct counters *net_pool_counters(struct net_pool *p);

/*
 * Make the listeners exactly those of want x {ikeport, natikeport (0: none)}:
 * open groups for new addresses, close those that went. report(ctx, line)
 * is called for each change ("adding UDP interface lo 127.0.0.1:500").
 * Returns the number of listeners open, or -errno for the first that
 * failed (the others stay as they are). Context: ctl thread.
 */
int net_pool_listen(struct net_pool *p, const struct net_iface_list *want, uint16_t ikeport,
		    uint16_t natikeport, void (*report)(void *ctx, const char *line), void *ctx);

/*
 * Open one more listener on (ifc, port) and return it with a reference
 * taken for the caller; the others are left alone. For the load generator
 * (bench/loadgen), which binds thousands of source ports per address:
 * net_pool_listen() would compare every listener with every other. The
 * caller never asks twice for the same address and port (the bind fails
 * with -EADDRINUSE anyway). net_pool_unlisten() closes these too.
 * Returns NULL with *err set (-errno) on failure. Context: ctl thread.
 */
struct net_listener *net_pool_listen_one(struct net_pool *p, const struct net_iface *ifc,
					 uint16_t port, bool natt, int *err);

/*
 * The listener on (addr, port), with a reference taken, or NULL.
 * Context: any thread.
 */
struct net_listener *net_pool_listener_get(struct net_pool *p, const struct ip_addr *addr,
					   uint16_t port);

/* Close every listener. Context: ctl thread. */
void net_pool_unlisten(struct net_pool *p, void (*report)(void *ctx, const char *line), void *ctx);

/* True when at least one listener is open. Context: any thread. */
bool net_pool_is_listening(const struct net_pool *p);

/* SO_RCVBUF/SO_SNDBUF on every socket. Returns 0 or the first -errno. Context: ctl thread. */
int net_pool_set_bufsize(struct net_pool *p, int bytes);

/* Flip IP_RECVERR on every socket; returns the new state. Context: ctl thread. */
bool net_pool_toggle_errqueue(struct net_pool *p);

/* Post to worker i's mailbox. Context: any thread. */
void net_pool_post(struct net_pool *p, unsigned i, struct mail *m);

/*
 * Send one datagram from this worker's socket of listener l (d->local is
 * the source address, d->peer the destination). While the worker's loop
 * runs, the datagram is copied and sent when the round ends (or when the
 * queue is full), with the others of the round in one sendmmsg(); a send
 * that fails then is counted (NWC_TX_ERR), as an immediate one is. When
 * the loop does not run (the exchange tests step a worker by hand), it is
 * sent at once. Returns 0 or -errno (at once: the send's error).
 * Context: the worker w; d is borrowed.
 */
int net_worker_send(struct net_worker *w, struct net_listener *l, const struct net_dgram *d);

/* Send what net_worker_send() kept, in order. Context: the worker w. */
void net_worker_flush(struct net_worker *w);

/*
 * Gathering, as a NIC moderates its interrupts. A worker whose wait ends
 * with datagrams after it was idle less than NET_GATHER_US is getting them
 * faster than one per NET_GATHER_US: it sleeps NET_GATHER_US before it
 * reads, so that one round reads, answers and sends several (one
 * recvmmsg() and one sendmmsg() per socket, one wake-up, caches warm) where
 * each would have taken a round of its own. At half the saturation rate
 * that is about a tenth of the CPU per SA (bench/README.md, "Gathering").
 * It adds at most NET_GATHER_US to an answer. A worker that was busy does
 * not sleep (it reads in batches already), nor one idle for longer (a lone
 * datagram gains nothing from waiting for company), nor one woken by mail
 * alone. Counted in NWC_GATHERED.
 */
#define NET_GATHER_US 1000u

/* How long a worker woken after idle_us of idleness sleeps before it reads: 0 or NET_GATHER_US. */
unsigned net_gather_us(uint64_t idle_us);

/*
 * Hand a datagram this worker was given to worker owner, which gets it
 * with rx->forwarded set: for a packet whose steering bytes do not name
 * its SA's owner (an IKEv1 SA we initiated: the responder cookie is the
 * peer's). Context: the worker w; rx as its datagram hook got it.
 */
void net_worker_forward(struct net_worker *w, const struct net_rx *rx, unsigned owner);

/* Milliseconds on the workers' clock (CLOCK_MONOTONIC). Context: any thread. */
uint64_t net_now_ms(void);

/* Microseconds on the same clock. Context: any thread. */
uint64_t net_now_us(void);

#endif
