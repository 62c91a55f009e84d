/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_RUNNER_H
#define SKUA_UTIL_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/mailbox.h"

/*
 * The command runner: one thread that runs shell commands (the updown
 * script) for threads that must never wait for one. A submitter hands over
 * a command string and an environment (both copied) and goes on; the
 * runner runs the jobs one at a time, in submission order, as
 * `/bin/sh -c CMD` with stdin from /dev/null and stdout and stderr logged
 * line by line, kills the command's process group when it overruns its
 * timeout, and posts the outcome to the submitter's mailbox, where the
 * submitter's callback runs on the submitter's own thread.
 *
 * One job at a time is deliberate: the manual promises the script that
 * pluto changes nothing while it runs, and serializing keeps the verbs of
 * one connection (route, up, down, unroute) in the order they were asked.
 *
 * Values from peers belong in the environment only: the command string is
 * the administrator's and is handed to the shell as it is.
 */

enum {
	RUNNER_QUEUE_DEFAULT = 256,		/* jobs accepted and not yet answered */
	RUNNER_TIMEOUT_MS_DEFAULT = 30000,
	RUNNER_LINE_MAX = 512,			/* longer output lines are split */
	RUNNER_PREFIX_MAX = 128,
};

/*
 * The outcome of a job, on the submitter's thread. status: the command's
 * exit status (0..255), 128 + the signal number when a signal killed it,
 * -ETIMEDOUT when the runner killed it, -ECANCELED when the runner was
 * stopped before running it, or another -errno when it could not be
 * started. cookie is the submitter's; ctx is the ctx that the mailbox's
 * owner gave mailbox_drain().
 */
typedef void runner_done_fn(int status, void *cookie, void *ctx);

struct runner_config {
	unsigned max_queued;		/* 0: RUNNER_QUEUE_DEFAULT */
	unsigned timeout_ms;		/* 0: RUNNER_TIMEOUT_MS_DEFAULT */
	const char *shell;		/* NULL: "/bin/sh" (tests may point elsewhere) */
};

enum runner_stop_mode {
	RUNNER_STOP_DRAIN,		/* run every job queued before the stop */
	RUNNER_STOP_CANCEL,		/* answer queued jobs with -ECANCELED */
};

struct runner_job;

/*
 * Owner: the main thread starts and stops it. lock protects the queue
 * (head, tail), stopping and stop_mode; it is never held while a command
 * runs. The counters are written by the runner thread and readable
 * anywhere.
 */
struct runner {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* queue no longer empty, or stopping */
	struct runner_job *head, *tail;
	unsigned queued;		/* accepted, not yet answered; under lock */
	unsigned max_queued;
	unsigned timeout_ms;
	char shell[64];
	bool stopping;
	enum runner_stop_mode stop_mode;
	bool running;			/* thread started; main thread only */
	pthread_t thread;
	_Atomic uint64_t jobs_done;	/* answered, whatever the status */
	_Atomic uint64_t jobs_failed;	/* status != 0 */
	_Atomic uint64_t jobs_timed_out;
};

/*
 * Start the runner thread. cfg may be NULL for the defaults. Returns 0,
 * -EINVAL (shell path too long) or -errno from pthread_create().
 * Context: main thread; r is not yet shared.
 */
int runner_start(struct runner *r, const struct runner_config *cfg);

/*
 * Queue `shell -c cmd` with environment envp (NULL-terminated "NAME=value"
 * strings; NULL means an empty environment). cmd, envp and log_prefix are
 * copied: the caller keeps ownership of its arguments. The command's output
 * lines are logged as "<log_prefix>: <line>". When the job is done its mail
 * is posted to reply_to and done(status, cookie, ctx) runs there, on the
 * mailbox's owner thread; with reply_to NULL, done runs on the runner
 * thread. Returns 0, -EINVAL (no cmd or done), -ENOMEM, -EAGAIN (max_queued
 * jobs already waiting) or -ESHUTDOWN (runner_stop() has begun); done is
 * never called for a refused job.
 * Context: any thread, after runner_start() (a late call, after
 * runner_stop(), is refused safely). Never waits for a command: it takes
 * the queue lock for a few instructions and allocates.
 */
int runner_submit(struct runner *r, const char *cmd, char *const envp[], const char *log_prefix,
		  struct mailbox *reply_to, runner_done_fn *done, void *cookie);

/*
 * The mail handler of an answered job (set as the mail's own fn): calls
 * done and frees the job. A mailbox owner that drains with its own
 * dispatch function calls it for the runner's mails.
 * Context: the reply_to mailbox's owner.
 */
void runner_job_deliver(struct mail *m, void *ctx);

/*
 * Refuse new jobs, then run (DRAIN) or cancel (CANCEL) the queued ones; a
 * job already running is left to finish (its timeout bounds the wait).
 * Every job is answered. Joins the runner thread. Mailbox owners must
 * drain afterwards to free the answered jobs. Safe on a zeroed runner
 * that was never started.
 * Context: main thread; blocks until the runner thread exits.
 */
void runner_stop(struct runner *r, enum runner_stop_mode how);

/*
 * Jobs accepted and not yet answered. Context: any thread after
 * runner_start(); takes the lock.
 */
unsigned runner_queued(struct runner *r);

#endif
