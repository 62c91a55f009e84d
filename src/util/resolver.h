/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_RESOLVER_H
#define SKUA_UTIL_RESOLVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/mailbox.h"

/*
 * The name resolver: one thread ("skua-resolver") that turns host names
 * into addresses for threads that must never wait on DNS (the workers,
 * following a REDIRECT that names its gateway by FQDN, RFC 5685 9). A
 * submitter posts a name and goes on; the answer (addresses, or why
 * there are none) comes back as a mail to the submitter's mailbox and is
 * handled there, on the submitter's own thread, which alone writes its
 * objects.
 *
 * Bounded everywhere: at most max_queued names waiting (more are refused
 * with -EAGAIN), names checked (RFC 1035/1123 host names, at most 253
 * characters), and every answer within timeout_ms of the submission: a
 * name still unresolved then is answered -ETIMEDOUT. A lookup runs through
 * getaddrinfo_a(3), so a resolver that hangs costs the thread nothing but
 * the timeout; the few lookups glibc could not cancel are kept until they
 * end (at most RESOLVER_ABANDONED_MAX; beyond that new names are answered
 * -EAGAIN until some end).
 *
 * Tests (and only tests) give a hosts file instead: "ADDRESS NAME..."
 * lines as in /etc/hosts, read at each lookup; no DNS is asked then.
 * pluto takes it from the environment variable SKUA_RESOLVER_HOSTS.
 */

enum {
	RESOLVER_QUEUE_DEFAULT = 64,
	RESOLVER_TIMEOUT_MS_DEFAULT = 5000,
	RESOLVER_NAME_MAX = 253,
	RESOLVER_ADDRS_MAX = 8,		/* addresses an answer carries */
	RESOLVER_ABANDONED_MAX = 8,
};

/*
 * One answer, on the submitter's thread. status: 0 (naddrs >= 1), -ENOENT
 * (no such name, or no address of the family asked), -ETIMEDOUT,
 * -ECANCELED (the resolver stopped first) or another -errno. Owner: the
 * resolver until delivered; valid during the done callback only.
 */
struct resolver_answer {
	int status;
	unsigned naddrs;
	struct ip_addr addrs[RESOLVER_ADDRS_MAX];
	char name[RESOLVER_NAME_MAX + 1];
	void *owner;			/* the submitter's, as given */
	uint64_t cookie[2];
};

/* ctx is what the mailbox's owner gave mailbox_drain(). */
typedef void resolver_done_fn(const struct resolver_answer *a, void *ctx);

struct resolver_config {
	unsigned max_queued;		/* 0: RESOLVER_QUEUE_DEFAULT */
	unsigned timeout_ms;		/* 0: RESOLVER_TIMEOUT_MS_DEFAULT */
	const char *hosts_file;		/* tests: resolve from this file, never from DNS */
	unsigned test_delay_ms;		/* tests: wait this long before each lookup */
};

struct resolver_job;

/*
 * Owner: the main thread starts and stops it. lock protects the queue,
 * queued and stopping. The counters are written by the resolver thread
 * (and rejected by submitters) and readable anywhere.
 */
struct resolver {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct resolver_job *head, *tail;
	unsigned queued;		/* accepted, not yet answered; under lock */
	unsigned max_queued;
	unsigned timeout_ms;
	unsigned test_delay_ms;
	char *hosts_file;
	bool stopping;
	bool running;			/* main thread only */
	pthread_t thread;
	struct resolver_abandoned *abandoned;	/* the thread's only */
	_Atomic unsigned nabandoned;
	_Atomic uint64_t lookups;	/* answered, whatever the outcome */
	_Atomic uint64_t failed;	/* answered with status != 0 */
	_Atomic uint64_t timed_out;	/* ... of which -ETIMEDOUT */
	_Atomic uint64_t rejected;	/* refused at submission (full, bad name) */
};

/*
 * Start the thread. cfg may be NULL for the defaults. Returns 0, -ENOMEM
 * or -errno from pthread_create(). Context: main thread; r is not shared.
 */
int resolver_start(struct resolver *r, const struct resolver_config *cfg);

/*
 * Whether name is a host name a resolver takes (RFC 1035 2.3.4 / RFC 1123
 * labels: letters, digits, '-'; at most 253 characters). Pure.
 */
bool resolver_name_ok(const char *name, size_t len);

/*
 * Resolve name (len bytes, not necessarily terminated) to addresses of
 * family af (AF_INET, AF_INET6 or AF_UNSPEC for both). owner and the
 * cookies come back in the answer as given. The answer is posted to reply_to and done(answer, ctx) runs on its owner. Returns 0,
 * -EINVAL (not a host name, or no reply_to/done), -EAGAIN (the queue is
 * full, or too many abandoned lookups), -ENOMEM or -ESHUTDOWN; done is
 * never called for a refused name. Context: any thread after
 * resolver_start(); never waits on a lookup.
 */
int resolver_submit(struct resolver *r, const char *name, size_t len, int af,
		    struct mailbox *reply_to, resolver_done_fn *done, void *owner,
		    uint64_t cookie0, uint64_t cookie1);

/*
 * The mail handler of an answer (each answer's mail fn): calls done and
 * frees the job. Context: the reply_to mailbox's owner.
 */
void resolver_job_deliver(struct mail *m, void *ctx);

/*
 * Refuse new names, answer the queued ones -ECANCELED, join the thread.
 * Mailbox owners drain afterwards to free the answers. Safe on a zeroed
 * resolver that was never started. Context: main thread.
 */
void resolver_stop(struct resolver *r);

/* Names accepted and not yet answered. Context: any thread; takes the lock. */
unsigned resolver_queued(struct resolver *r);

#endif
