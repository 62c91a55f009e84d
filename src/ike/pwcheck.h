/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_PWCHECK_H
#define SKUA_IKE_PWCHECK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/mailbox.h"

/*
 * The XAUTH server's password checks, off the workers: a few threads
 * ("skua-pwcheck") that check a user name and password against the
 * passwd file (libreswan's /etc/ipsec.d/passwd: "user:crypt-hash[:conn]",
 * crypt(3); a yescrypt or SHA-512 hash costs milliseconds of CPU) or
 * through PAM (service "pluto", as libreswan's; a module may wait on the
 * network, RADIUS for one). A worker submits a job and goes on; the
 * answer comes back as the job's mail to the submitter's mailbox, where
 * the submitter's own thread handles it.
 *
 * The threads start with the first job (a daemon that never checks a
 * password runs none). At most PWCHECK_QUEUE_MAX jobs wait; more are
 * refused with -EAGAIN, which the caller counts and answers as a failed
 * check. Passwords are wiped from the job once checked (and from a
 * refused one by the caller), and never logged.
 *
 * Tests (and only tests) give a PAM configuration directory instead of
 * /etc/pam.d (pam_start_confdir(3)); pluto takes it from the environment
 * variable SKUA_PAM_CONFDIR.
 */

enum {
	PWCHECK_THREADS = 4,
	PWCHECK_QUEUE_MAX = 4096,
	PWCHECK_USER_MAX = 128,		/* with its NUL */
	PWCHECK_PASS_MAX = 256,
	PWCHECK_CONN_MAX = 256,
	PWCHECK_RHOST_MAX = 64,
};

enum pwcheck_how { PWCHECK_FILE = 0, PWCHECK_PAM };

/*
 * One check. The submitter fills the question, reply_to and mail.fn (its
 * handler, run on reply_to's owner with the answer in status) and gives
 * the job away with pwcheck_submit(); the handler owns and frees it.
 */
struct pwcheck_job {
	struct mail mail;
	struct pwcheck_job *next;	/* the queue's; under its lock */
	struct mailbox *reply_to;
	/* the question */
	uint8_t how;			/* enum pwcheck_how */
	char user[PWCHECK_USER_MAX];
	char pass[PWCHECK_PASS_MAX];	/* NUL-terminated; wiped once checked */
	char conn[PWCHECK_CONN_MAX];	/* a passwd line's connection must be this one */
	const char *dir;		/* PWCHECK_FILE: the directory of "passwd" (borrowed:
					 * it outlives the job, as the daemon's --ipsecdir) */
	char rhost[PWCHECK_RHOST_MAX];	/* PWCHECK_PAM: PAM_RHOST, the peer's address */
	/* the answer: 0 (the password is right), -EACCES (it is not, or no such user),
	 * -ECANCELED (the checker stopped first), or another -errno */
	int status;
	/* the submitter's own */
	void *owner;
	uint64_t cookie[2];
	unsigned index;
};

/*
 * Owner: the main thread initialises and stops it. lock protects the queue,
 * queued, started and stopping.
 */
struct pwcheck {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pwcheck_job *head, *tail;
	unsigned queued;		/* accepted, not yet answered */
	unsigned busy;			/* being checked */
	unsigned nthreads;		/* started (0 until the first job) */
	bool stopping;
	bool initialised;
	pthread_t threads[PWCHECK_THREADS];
	char *pam_confdir;		/* tests: PAM's configuration from here */
	const char *pam_service;
	_Atomic uint64_t checked;	/* answered 0 or -EACCES */
	_Atomic uint64_t refused;	/* answered -EACCES */
	_Atomic uint64_t errors;	/* answered another -errno */
	_Atomic uint64_t rejected;	/* refused at submission (full, stopped) */
};

/*
 * Initialise pc (no thread yet). pam_confdir: NULL for /etc/pam.d.
 * Returns 0 or -ENOMEM. Context: main thread, before pc is shared.
 */
int pwcheck_init(struct pwcheck *pc, const char *pam_confdir);

/*
 * Queue job (its question, reply_to and mail.fn filled); the first job
 * starts the threads. Returns 0 (the answer will come as job's mail), or
 * -EAGAIN (PWCHECK_QUEUE_MAX waiting), -ESHUTDOWN (stopped), -EINVAL (no
 * reply_to or handler) or -errno from pthread_create() (no thread could
 * start): the job is still the caller's then. Context: any thread.
 */
int pwcheck_submit(struct pwcheck *pc, struct pwcheck_job *job);

/*
 * Refuse new jobs, answer the waiting ones -ECANCELED, and join the
 * threads (a check under way is let finish). Mailbox owners drain
 * afterwards to free the answers. Safe on a zeroed pwcheck. Context: main
 * thread.
 */
void pwcheck_stop(struct pwcheck *pc);

/* Jobs accepted and not yet answered. Context: any thread; takes the lock. */
unsigned pwcheck_pending(struct pwcheck *pc);

/*
 * The passwd file check alone (what a PWCHECK_FILE job runs): 0, -EACCES
 * (no line for user and conn whose hash pass makes), -ENOENT (no file).
 * The hashes are compared in constant time. Context: any thread.
 */
int pwcheck_passwd(const char *dir, const char *conn, const char *user, const char *pass);

#endif
