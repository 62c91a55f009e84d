/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The XAUTH password checker (ike/pwcheck.h): the passwd file check, jobs
 * answered on a mailbox from the checker's threads, the bound on waiting
 * jobs, and the stop answering what waits.
 */
#include <criterion/criterion.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ike/pwcheck.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/skua-pwcheck-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/passwd", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(pwcheck, .init = setup, .fini = teardown, .timeout = 30);

/* A passwd line: "user:crypt(pw, a fresh salt of prefix)[:conn]" */
static void line(FILE *f, const char *user, const char *pw, const char *prefix, const char *conn)
{
	char salt[128];
	struct crypt_data cd;

	memset(&cd, 0, sizeof(cd));
	cr_assert_not_null(crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)));
	fprintf(f, "%s:%s%s%s\n", user, crypt_r(pw, salt, &cd), conn ? ":" : "", conn ? conn : "");
}

static void write_passwd(void)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "# users of the test\nnocolon\n");
	line(f, "alice", "open sesame", "$6$", NULL);	/* SHA-512 crypt */
	line(f, "bob", "open barley", "$y$", "rw");	/* yescrypt, connection rw only */
	line(f, "bob", "other", "$y$", "");		/* an empty connection: any */
	fprintf(f, "carol:*\n");			/* a locked account */
	fclose(f);
}

Test(pwcheck, passwd_file)
{
	write_passwd();
	cr_assert_eq(pwcheck_passwd(dir, "c", "alice", "open sesame"), 0);
	cr_assert_eq(pwcheck_passwd(dir, "c", "alice", "open barley"), -EACCES);
	cr_assert_eq(pwcheck_passwd(dir, "c", "alice", ""), -EACCES);
	cr_assert_eq(pwcheck_passwd(dir, "rw", "bob", "open barley"), 0);
	cr_assert_eq(pwcheck_passwd(dir, "other", "bob", "open barley"), -EACCES,
		     "a line for another connection");
	cr_assert_eq(pwcheck_passwd(dir, "other", "bob", "other"), 0);
	cr_assert_eq(pwcheck_passwd(dir, "c", "carol", "*"), -EACCES);
	cr_assert_eq(pwcheck_passwd(dir, "c", "carol", ""), -EACCES);
	cr_assert_eq(pwcheck_passwd(dir, "c", "nocolon", ""), -EACCES);
	cr_assert_eq(pwcheck_passwd(dir, "c", "dave", "open sesame"), -EACCES);
	cr_assert_eq(pwcheck_passwd("/nonexistent-skua", "c", "alice", "open sesame"), -ENOENT);
	cr_assert_eq(pwcheck_passwd(NULL, "c", "alice", "open sesame"), -ENOENT);
}

/* The answers come back on this mailbox. */
static struct mailbox mb;
static struct pwcheck_job *got[8];
static unsigned ngot;

static void on_answer(struct mail *m, void *ctx)
{
	(void)ctx;
	cr_assert_lt(ngot, 8);
	got[ngot++] = caa_container_of(m, struct pwcheck_job, mail);
}

static struct pwcheck_job *job(const char *user, const char *pass, unsigned index)
{
	struct pwcheck_job *j = calloc(1, sizeof(*j));

	cr_assert_not_null(j);
	j->how = PWCHECK_FILE;
	snprintf(j->user, sizeof(j->user), "%s", user);
	snprintf(j->pass, sizeof(j->pass), "%s", pass);
	snprintf(j->conn, sizeof(j->conn), "c");
	j->dir = dir;
	j->reply_to = &mb;
	j->mail.fn = on_answer;
	j->index = index;
	return j;
}

/* Drain mb until n answers in all, at most 10 s. */
static void wait_answers(unsigned n)
{
	for (int i = 0; i < 1000 && ngot < n; i++) {
		struct pollfd p = { .fd = mailbox_fd(&mb), .events = POLLIN };

		poll(&p, 1, 10);
		mailbox_drain(&mb, NULL, NULL, 64);
	}
	cr_assert_eq(ngot, n, "%u answers of %u", ngot, n);
}

static void free_answers(void)
{
	for (unsigned i = 0; i < ngot; i++)
		free(got[i]);
	ngot = 0;
}

Test(pwcheck, jobs_answered_on_the_mailbox)
{
	struct pwcheck pc;
	bool seen[3] = { false };

	write_passwd();
	cr_assert_eq(mailbox_init(&mb), 0);
	cr_assert_eq(pwcheck_init(&pc, NULL), 0);
	cr_assert_eq(pc.nthreads, 0, "threads before the first job");
	cr_assert_eq(pwcheck_submit(&pc, job("alice", "open sesame", 0)), 0);
	cr_assert_eq(pc.nthreads, PWCHECK_THREADS);
	cr_assert_eq(pwcheck_submit(&pc, job("alice", "wrong", 1)), 0);
	cr_assert_eq(pwcheck_submit(&pc, job("zed", "open sesame", 2)), 0);
	wait_answers(3);
	cr_assert_eq(pwcheck_pending(&pc), 0);
	for (unsigned i = 0; i < 3; i++) {
		struct pwcheck_job *j = got[i];

		cr_assert_eq(j->status, j->index == 0 ? 0 : -EACCES, "job %u: %d", j->index,
			     j->status);
		for (size_t k = 0; k < sizeof(j->pass); k++)
			cr_assert_eq(j->pass[k], 0, "job %u: the password was not wiped", j->index);
		seen[j->index] = true;
	}
	cr_assert(seen[0] && seen[1] && seen[2]);
	cr_assert_eq(pc.checked, 3);
	cr_assert_eq(pc.refused, 2);
	free_answers();
	/* a job without a mailbox or a handler is refused, and stays the caller's */
	struct pwcheck_job *j = job("alice", "open sesame", 0);
	j->reply_to = NULL;
	cr_assert_eq(pwcheck_submit(&pc, j), -EINVAL);
	free(j);
	pwcheck_stop(&pc);
	mailbox_fini(&mb);
}

/* bounded_queue_and_stop's answers, counted and freed */
static unsigned n_canceled, n_refused, n_other;

static void count_answer(struct mail *m, void *ctx)
{
	struct pwcheck_job *j = caa_container_of(m, struct pwcheck_job, mail);

	(void)ctx;
	if (j->status == -ECANCELED)
		n_canceled++;
	else if (j->status == -EACCES)
		n_refused++;
	else
		n_other++;
	free(j);
}

static _Atomic bool stopped;

static void *stop_thread(void *arg)
{
	pwcheck_stop(arg);
	atomic_store(&stopped, true);
	return NULL;
}

/*
 * The bound on waiting jobs, and the stop: with passwd a FIFO nobody
 * writes, every thread waits in fopen(), so nothing is answered; the job
 * past PWCHECK_QUEUE_MAX is refused (-EAGAIN). pwcheck_stop() answers the
 * waiting ones -ECANCELED and joins the threads, which a writer opening and
 * closing the FIFO lets go (an empty file: no such user).
 */
Test(pwcheck, bounded_queue_and_stop)
{
	struct pwcheck pc;
	char path[128];
	pthread_t t;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(mailbox_init(&mb), 0);
	cr_assert_eq(pwcheck_init(&pc, NULL), 0);
	for (unsigned i = 0; i <= PWCHECK_QUEUE_MAX; i++) {
		struct pwcheck_job *j = job("alice", "open sesame", i);
		int rc;

		j->mail.fn = count_answer;
		rc = pwcheck_submit(&pc, j);
		if (i < PWCHECK_QUEUE_MAX) {
			cr_assert_eq(rc, 0, "job %u: %d", i, rc);
		} else {
			cr_assert_eq(rc, -EAGAIN, "the job past the bound: %d", rc);
			free(j);
		}
	}
	cr_assert_eq(pc.rejected, 1);
	cr_assert_eq(pwcheck_pending(&pc), PWCHECK_QUEUE_MAX, "answered with no passwd to read");

	/* every thread has taken a job and waits in fopen() */
	unsigned busy = 0;
	for (int i = 0; i < 5000 && busy < PWCHECK_THREADS; i++) {
		pthread_mutex_lock(&pc.lock);
		busy = pc.busy;
		pthread_mutex_unlock(&pc.lock);
		if (busy < PWCHECK_THREADS)
			usleep(1000);
	}
	cr_assert_eq(busy, PWCHECK_THREADS);
	atomic_store(&stopped, false);
	cr_assert_eq(pthread_create(&t, NULL, stop_thread, &pc), 0);
	/* the stop has answered the waiting jobs before the threads are let go */
	bool drained = false;
	for (int i = 0; i < 5000 && !drained; i++) {
		pthread_mutex_lock(&pc.lock);
		drained = pc.stopping && !pc.head;
		pthread_mutex_unlock(&pc.lock);
		if (!drained)
			usleep(1000);
	}
	cr_assert(drained);
	for (int i = 0; i < 10000 && !atomic_load(&stopped); i++) {
		int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		usleep(1000);
	}
	cr_assert(atomic_load(&stopped), "pwcheck_stop() did not return");
	pthread_join(t, NULL);
	while (mailbox_drain(&mb, count_answer, NULL, 1024) > 0)
		;
	cr_assert_eq(n_canceled + n_refused, PWCHECK_QUEUE_MAX, "%u canceled, %u refused",
		     n_canceled, n_refused);
	cr_assert_eq(n_refused, PWCHECK_THREADS, "the checks under way end as checks");
	cr_assert_eq(n_other, 0);
	unlink(path);
	mailbox_fini(&mb);
}
