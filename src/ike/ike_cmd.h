/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_IKE_CMD_H
#define SKUA_IKE_IKE_CMD_H

#include "ike/connection.h"
#include "ike/ike_daemon.h"

/*
 * What the ctl thread asks of the workers. An SA is only ever touched by
 * its owner, so each command travels as a mail; the ones that concern
 * every worker wait until all have done their part.
 */

/*
 * Start an IKE SA for c (our end this_end, through listener l from local)
 * on the next worker; progress lines go to pr (may be NULL: asynchronous).
 * Context: ctl thread. Returns 0 or -ENOMEM.
 */
int ike_cmd_initiate(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		     struct net_listener *l, const struct ip_addr *local, struct ike_progress *pr);

/*
 * When an established IKE SA has the ends and identities of c but no
 * Child SA of c, ask it for one more Child SA (CREATE_CHILD_SA) for c,
 * progress lines to pr, and return true; false when none can (then start
 * an IKE SA). Context: ctl thread; waits for every worker.
 */
bool ike_cmd_add_child(struct ike_daemon *d, struct connection *c, uint8_t this_end,
		       struct ike_progress *pr);

/* One line of output from a worker, ordered by the serial it is about. */
typedef void ike_emit_fn(void *ctx, uint64_t serial, const char *line);

/*
 * Delete every SA of connection c (NULL: of every connection; a template:
 * of its instances), telling the peers. Lines saying what was deleted go to emit. Returns how many IKE
 * SAs went. Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_terminate(struct ike_daemon *d, const struct connection *c, ike_emit_fn *emit,
			   void *ctx);

/*
 * whack --crash ADDR: the peers at ADDR are dead; their established IKE
 * SAs and ISAKMP SAs go at once (no Delete) and --dpdaction follows (as
 * for DPD: an instance's SAs are just cleared). Returns how many.
 * Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_crash(struct ike_daemon *d, const struct ip_addr *peer, ike_emit_fn *emit,
		       void *ctx);

/*
 * whack --rekey-ike / --rekey-ipsec: rekey in place (CREATE_CHILD_SA) the
 * established IKE SAs (ike) or the installed Child SAs of connection c.
 * Returns how many rekeys started. Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_rekey(struct ike_daemon *d, const struct connection *c, bool ike, ike_emit_fn *emit,
		       void *ctx);

/*
 * whack --redirect-to: send the established peers of connection c (NULL:
 * of every connection) that take redirects (RFC 5685) to the gateways
 * gws, in turn, in an INFORMATIONAL exchange. Returns how many.
 * Context: ctl thread; waits for every worker (gws stays the caller's).
 */
unsigned ike_cmd_redirect(struct ike_daemon *d, const struct connection *c,
			  struct addr_list *gws, ike_emit_fn *emit, void *ctx);

/*
 * whack --deleteuser --name USER [--crash ADDR]: the IKEv1 SAs whose XAUTH
 * user is USER (authenticated by our XAUTH server, or ours as a client)
 * are deleted by their owners, the peer told; with crashed (NULL: none),
 * those whose peer is at that address go without a Delete, as --crash
 * deletes them (their IPsec SAs leave the kernel, updown runs). Returns
 * how many ISAKMP SAs. Context: ctl thread; waits for every worker.
 */
unsigned ike_cmd_deleteuser(struct ike_daemon *d, const char *user, const struct ip_addr *crashed,
			    ike_emit_fn *emit, void *ctx);

/* Delete the state #serial (an IKE SA with its children, or one Child SA). */
bool ike_cmd_deletestate(struct ike_daemon *d, uint64_t serial, ike_emit_fn *emit, void *ctx);

/*
 * One state (an IKE SA, or an installed Child SA) as the listings show it:
 * data only; ctl formats it (--status, --showstates, --trafficstatus,
 * --listevents). Times are seconds from when the owner worker looked; 0
 * means the timer is not armed.
 */
struct ike_sa_row {
	uint64_t serial;		/* the state's #N */
	uint64_t ike_serial;		/* its IKE SA (itself for an IKE SA) */
	bool is_child;
	char conn[CONN_NAME_MAX + 80];	/* ike_conn_instance_str(), with the quotes */
	char conn_name[CONN_NAME_MAX + 16];	/* the name, "rw[3]" for an instance: the sort key */
	uint32_t inst_no;		/* an instance's [N], else 0 (sorts rw[2] before rw[10]) */
	unsigned worker;
	struct ip_addr peer, local;
	uint16_t peer_port, local_port;
	const char *state;		/* STATE_V2_... */
	const char *story;		/* "established IKE SA" */
	bool established;		/* IKE SA established / Child SA installed */
	bool initiator;
	bool busy;			/* a request of ours awaits its answer */
	const char *event;		/* the lifetime timer: EXPIRE, REKEY, DISCARD, or NULL */
	uint64_t event_in;		/* seconds */
	uint64_t retransmit_in, keepalive_in;	/* the SA's other timers */
	uint64_t up;			/* seconds since established / installed */
	char algs[96];			/* the suite, libreswan's spelling */
	/* Child SAs */
	uint32_t spi_in, spi_out;
	bool tunnel, encap, eroute_owner;
	char ts_local[80], ts_remote[80];
	uint64_t add_time;		/* wall clock, seconds */
	char id_remote[256];
	char username[128];		/* the IKEv1 XAUTH user, "" for none (--trafficstatus) */
	uint64_t in_bytes, out_bytes;	/* with counters: this SA's, from the kernel */
	uint64_t carried_in, carried_out;	/* the SAs it replaced by rekeying carried */
	uint64_t max_bytes;		/* its connection's --ipsec-max-bytes, 0: none */
	int counters_error;		/* 0, or -errno from the kernel */
};

struct ike_sa_rows {
	struct ike_sa_row **v;		/* sorted; each points into a worker's part */
	size_t n;
	struct ike_sa_row **parts;	/* the workers' rows, as they made them */
	unsigned nparts;
};

enum {
	IKE_ROWS_CHILDREN_ONLY = 1u << 0,	/* no IKE SA rows */
	IKE_ROWS_COUNTERS = 1u << 1,		/* ask the kernel for every Child SA's bytes */
};

/*
 * Every state of every worker, sorted as libreswan lists them: by
 * connection name, then state number. With IKE_ROWS_COUNTERS it waits for
 * the kernel's answers. Returns 0 or -ENOMEM; free with ike_sa_rows_free().
 * Context: ctl thread; waits for every worker.
 */
int ike_cmd_sa_rows(struct ike_daemon *d, unsigned flags, struct ike_sa_rows *out);
void ike_sa_rows_free(struct ike_sa_rows *r);

/*
 * Shutdown: delete every SA (telling peers best-effort, not waiting), and
 * remove kernel state unless leave_state. Context: ctl or main thread.
 */
void ike_cmd_shutdown(struct ike_daemon *d, bool leave_state);

/* How many IKE SAs, half-open (responder), established, Child SAs now. Context: any thread. */
void ike_cmd_counts(struct ike_daemon *d, uint64_t *ike, uint64_t *half_open, uint64_t *up,
		    uint64_t *child);

#endif
