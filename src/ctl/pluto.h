/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_PLUTO_H
#define SKUA_CTL_PLUTO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl/certs.h"
#include "ctl/ctl_client.h"
#include "ctl/pluto_options.h"
#include "ctl/pluto_runtime.h"
#include "crypto/jobq.h"
#include "ike/ike_daemon.h"
#include "net/worker.h"
#include "sadb/conn_table.h"
#include "sadb/kernel_queue.h"

struct secrets;
struct ike_id;
struct metrics_http;

/* The secrets set in force, swapped whole under RCU. */
struct secrets_ref {
	struct secrets *set;
	struct rcu_head rcu;
};

/* Counters of the control plane (ctl/metrics_registry.c names them). */
struct ctl_stats {
	_Atomic uint64_t whack_requests;
	_Atomic uint64_t whack_malformed;
	_Atomic uint64_t conns_added;
	_Atomic uint64_t conns_deleted;
};

/*
 * The daemon. Owner: main() creates and frees it; the ctl thread is the
 * only writer of the connection table (connection serials come from
 * ike_conn_serial_new(), shared with the workers' instances); the stop
 * flags are atomics.
 */
struct pluto {
	const struct pluto_options *opts;
	struct conn_table conns;
	int listen_fd;			/* the whack socket */
	int stop_fd;			/* eventfd: readable when the daemon should stop */
	int ctl_wake_fd;		/* eventfd: tells the ctl thread to exit */
	/*
	 * Prompts (whack_server.c): ctl_prompt_add() queues them here for the
	 * ctl thread, which waits for the answers; closed once it exits.
	 */
	pthread_mutex_t prompt_mu;
	struct ctl_prompt *prompt_new;
	bool prompt_closed;
	int prompt_fd;			/* eventfd: prompts queued */
	unsigned prompt_timeout_ms;	/* 0: CTL_PROMPT_TIMEOUT_MS (60 s); tests shorten it */
	pthread_t ctl_thread;
	bool ctl_started;
	atomic_bool leave_state;
	struct ctl_stats stats;
	struct net_pool *pool;		/* the workers */
	struct crypto_jobq jobq;	/* per-worker crypto batches, stealing */
	bool jobq_ready;
	struct kernel_queue kq;		/* the kernel thread */
	bool kq_running;
	struct net_iface_list ifaces;	/* what --listen found last (ctl thread) */
	struct secrets_ref *secrets;	/* RCU-published; replaced by the ctl thread */
	struct cert_store certs;	/* --ipsecdir's certificates (ctl thread) */
	struct ike_daemon ike;		/* the IKE engine on the workers */
	bool ike_ready;			/* ike_daemon_init() done: fini owed */
	bool workers_running;		/* net_pool_start() done: workers answer mail */
	bool subscribed;		/* kernel events flow to the workers */
	struct runner runner;		/* the updown commands */
	bool runner_running;
	struct resolver resolver;	/* gateway names of REDIRECTs (util/resolver.h) */
	bool resolver_running;
	struct pwcheck pwcheck;		/* XAUTH passwords (ike/pwcheck.h); threads from the first */
	uint64_t start_time;		/* seconds since the epoch */
	struct metrics_http *metrics;	/* --metrics: the HTTP endpoint, or NULL */
	uint64_t *stats_baseline;	/* whack --clearstats: counters at the last clear (ctl thread) */
	struct config_loaded *config;	/* what --config loaded (ctl/cmd_config.c); ctl thread */
};

/*
 * Run one decoded, checked request: its ops in enum whack_op order.
 * Context: ctl thread, registered with RCU.
 */
void ctl_dispatch(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);

/* Handlers (ctl/cmd_*.c). Context: ctl thread. */
void ctl_cmd_add_conn(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_delete_conn(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_status(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_globalstats(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_clearstats(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_debug(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_shutdown(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_impair(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_listen(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_unlisten(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_processstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_socket_bufsize(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_socket_errqueue(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);

/*
 * Load the secrets file(s) and publish them; on error the old set stays
 * and err says file:line and what was expected. Context: ctl or main thread.
 */
int ctl_secrets_reload(struct pluto *p, char *err, size_t errlen);
void ctl_secrets_fini(struct pluto *p);
struct connection;
void ctl_cmd_initiate(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_terminate(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_crash(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_rekey_ike(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_rekey_ipsec(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_deleteuser(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_deletestate(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_ddos(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_redirect_to(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_global_redirect(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_global_redirect_to(struct pluto *p, struct ctl_client *c,
				const struct whack_cmd *cmd);
void ctl_cmd_route(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_unroute(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_shuntstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_addresspoolstatus(struct pluto *p, struct ctl_client *c,
			       const struct whack_cmd *cmd);
void ctl_cmd_connectionstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_trafficstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
/*
 * Which end of c is ours: the one whose host address pluto listens on
 * (0 left, 1 right); -1 neither, -2 both. Context: ctl thread.
 */
int ctl_orient(struct pluto *p, const struct connection *c);

/*
 * The connection whack names: a connection or template by its name, or an
 * instance as rw[3] or "rw"[3]. A reference taken, or NULL. Context: ctl thread.
 */
struct connection *ctl_conn_find_ref(struct pluto *p, const char *name);
/* The listings (ctl/cmd_status.c), in libreswan 4.x's text forms. */
void ctl_cmd_showstates(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_briefstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_fipsstatus(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_listevents(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
/* Undo the routing of conn (asynchronously, on its route worker). */
void ctl_conn_unroute(struct pluto *p, struct connection *conn);
/* Delete every SA of conn (before the connection itself goes). */
void ctl_conn_terminate(struct pluto *p, struct ctl_client *c, struct connection *conn);
void ctl_cmd_rereadsecrets(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);

/* Certificates, CRLs and public keys (ctl/cmd_certs.c). Context: ctl thread. */
void ctl_cmd_listpubkeys(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_listcerts(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_checkpubkeys(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_listcacerts(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_listcrls(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_rereadcrls(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_rereadall(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_cmd_addkey(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);

/*
 * (Re)read the certificate store's certs/cacerts/private and/or crls/,
 * then publish the trust set and raw keys to the workers. Returns 0 or
 * -ENOMEM (logged). Context: ctl thread, or main at start-up.
 */
int ctl_certs_load(struct pluto *p, bool certs, bool crls);
/*
 * A new connection's credentials, before it is published: --cert (or
 * --ckaid) resolved in the certificate store, with key and intermediates;
 * the ID from the certificate for %fromcert or no --id. Returns 0, or
 * -ENOENT / -EINVAL with err saying which option and what was expected.
 */
int ctl_conn_creds(struct pluto *p, struct connection *conn, char *err, size_t errlen);
/* ike_daemon.privkey_lookup: the secrets' key for our ID (a reference). */
struct crypto_privkey *ctl_privkey_lookup(void *ctx, const struct ike_id *local);
/* Publish the store's trust set and raw public keys (ike/creds.h). */
int ctl_creds_publish(struct pluto *p);
/* --crlcheckinterval: reread crls/ when due; the poll timeout until then (-1: never). */
void ctl_certs_tick(struct pluto *p, time_t now);
long ctl_certs_timeout_ms(const struct pluto *p, time_t now);

/*
 * --config's connections (ctl/cmd_config.c). ctl_config_start() loads
 * them when pluto starts: add, listen, route auto=ondemand, initiate
 * auto=start; returns -EINVAL when the file is malformed (nothing loaded).
 * whack --rereadall rereads the secrets and brings the connections in line
 * with the file again. Context: main before the ctl thread runs, then the
 * ctl thread.
 */
struct config_loaded;
int ctl_config_start(struct pluto *p);
void ctl_cmd_rereadall(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);
void ctl_config_fini(struct pluto *p);

/*
 * Copy the best-matching PSK for (local, remote) into out. Returns its
 * length, -ENOENT or -EMSGSIZE. Context: any RCU-registered thread; the
 * caller wipes out.
 */
/* The secrets' XAUTH password of user ("@user : XAUTH ..."): ike_daemon's xauth_lookup. */
int ctl_xauth_lookup(void *ctx, const char *user, uint8_t *out, size_t cap);
int ctl_psk_lookup(void *ctx, const struct ike_id *local, const struct ike_id *remote,
		   uint8_t *out, size_t cap);

/* Remove and free every connection. Context: ctl thread or main at shutdown. */
void ctl_conns_clear(struct pluto *p);

/*
 * The whack server: bind the socket (mode 0600) and start the ctl thread.
 * Context: main thread.
 */
int ctl_server_start(struct pluto *p);
void ctl_server_stop(struct pluto *p);

/*
 * Wait for whack's answer to a prompt on fd (a dup of its socket, taken
 * over: closed here) for at most 60 s (p->prompt_timeout_ms), then hand it to
 * done(arg, text) on the ctl thread, or done(arg, NULL) when whack closed,
 * sent something else or nothing in time, or pluto stops. Returns 0, or
 * -ESHUTDOWN / -ENOMEM (fd closed, done not called).
 * Context: any thread (the workers).
 */
int ctl_prompt_add(struct pluto *p, int fd, ike_answer_fn *done, void *arg);

#endif
