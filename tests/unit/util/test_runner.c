/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/mailbox.h"
#include "util/runner.h"

/* The submitting "worker": a mailbox and what its handler saw. */
struct caller {
	struct mailbox mb;
	pthread_t self;
	unsigned n;
	int status[128];
	uintptr_t cookie[128];
	bool wrong_thread;
	bool wrong_ctx;
};

static struct caller caller;
static struct runner runner;
static char logpath[128];
static char tmpdir[32];

static void setup(void)
{
	struct log_config lc = { .dest = LOG_DEST_FILE, .no_time = true, .truncate = true };

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/skua-runner-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
	lc.file = logpath;
	cr_assert_eq(log_init(&lc), 0);
	memset(&caller, 0, sizeof(caller));
	cr_assert_eq(mailbox_init(&caller.mb), 0);
	caller.self = pthread_self();
}

static void teardown(void)
{
	char cmd[96];

	log_fini();
	mailbox_fini(&caller.mb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", tmpdir);
}

TestSuite(runner, .init = setup, .fini = teardown, .timeout = 60);

static void done(int status, void *cookie, void *ctx)
{
	struct caller *c = &caller;

	if (!pthread_equal(pthread_self(), c->self))
		c->wrong_thread = true;
	if (ctx != c)
		c->wrong_ctx = true;
	c->status[c->n] = status;
	c->cookie[c->n] = (uintptr_t)cookie;
	c->n++;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The caller's event loop: poll the mailbox until n answers arrived. */
static void wait_answers(unsigned n, unsigned timeout_ms)
{
	uint64_t end = ms_now() + timeout_ms;

	while (caller.n < n) {
		struct pollfd p = { .fd = mailbox_fd(&caller.mb), .events = POLLIN };
		uint64_t now = ms_now();

		cr_assert_lt(now, end, "only %u of %u answers after %u ms", caller.n, n,
			     timeout_ms);
		poll(&p, 1, (int)(end - now));
		mailbox_drain(&caller.mb, NULL, &caller, 1000);
	}
	cr_assert_not(caller.wrong_thread, "done ran off the caller's thread");
	cr_assert_not(caller.wrong_ctx, "done did not get the drain's ctx");
}

static char *slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert(fd >= 0, "open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int submit(const char *cmd, char *const envp[], uintptr_t cookie)
{
	return runner_submit(&runner, cmd, envp, "\"conn\" updown", &caller.mb, done,
			     (void *)cookie);
}

Test(runner, output_is_logged_and_status_comes_back_on_the_caller)
{
	char *env[] = { "FOO=bar baz", "EMPTY=", NULL };

	cr_assert_eq(runner_start(&runner, NULL), 0);
	cr_assert_eq(submit("echo hello; echo oops >&2; printf 'no newline'; exit 3", NULL, 7), 0);
	cr_assert_eq(submit("echo \"FOO=$FOO\"; printf 'a\\033b\\n'", env, 8), 0);
	cr_assert_eq(submit("true", NULL, 9), 0);
	wait_answers(3, 10000);
	runner_stop(&runner, RUNNER_STOP_DRAIN);

	cr_assert_eq(caller.status[0], 3);
	cr_assert_eq(caller.cookie[0], 7);
	cr_assert_eq(caller.status[1], 0);
	cr_assert_eq(caller.cookie[1], 8);
	cr_assert_eq(caller.status[2], 0);

	const char *log = slurp(logpath);
	cr_assert_not_null(strstr(log, "\"conn\" updown: hello\n"), "%s", log);
	cr_assert_not_null(strstr(log, "\"conn\" updown: oops\n"), "%s", log);
	cr_assert_not_null(strstr(log, "\"conn\" updown: no newline\n"), "%s", log);
	cr_assert_not_null(strstr(log, "\"conn\" updown: FOO=bar baz\n"), "%s", log);
	cr_assert_not_null(strstr(log, "\"conn\" updown: a?b\n"), "control chars: %s", log);
	cr_assert_not_null(strstr(log, "command failed with exit status 3"), "%s", log);
	cr_assert_eq(runner.jobs_done, 3);
	cr_assert_eq(runner.jobs_failed, 1);
}

Test(runner, jobs_run_one_at_a_time_in_fifo_order)
{
	char cmd[256];

	cr_assert_eq(runner_start(&runner, NULL), 0);
	/* Earlier jobs sleep longer: concurrency would reorder the log lines. */
	for (unsigned i = 0; i < 5; i++) {
		snprintf(cmd, sizeof(cmd), "sleep 0.%u; echo start %u >> %s/order; exit %u", 5 - i,
			 i, tmpdir, i);
		cr_assert_eq(submit(cmd, NULL, i), 0);
	}
	wait_answers(5, 20000);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
	for (unsigned i = 0; i < 5; i++) {
		cr_assert_eq(caller.cookie[i], i);
		cr_assert_eq(caller.status[i], (int)i);
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/order", tmpdir);
	cr_assert_str_eq(slurp(path), "start 0\nstart 1\nstart 2\nstart 3\nstart 4\n");
}

Test(runner, timeout_kills_the_process_group)
{
	struct runner_config cfg = { .timeout_ms = 300 };
	char cmd[256], path[128];
	uint64_t t0;

	cr_assert_eq(runner_start(&runner, &cfg), 0);
	snprintf(path, sizeof(path), "%s/bgpid", tmpdir);
	snprintf(cmd, sizeof(cmd), "sleep 100 & echo $! > %s; sleep 100", path);
	t0 = ms_now();
	cr_assert_eq(submit(cmd, NULL, 1), 0);
	cr_assert_eq(submit("echo after", NULL, 2), 0);
	wait_answers(2, 10000);
	cr_assert_lt(ms_now() - t0, 5000);
	cr_assert_eq(caller.status[0], -ETIMEDOUT);
	cr_assert_eq(caller.status[1], 0, "the next job still runs");
	cr_assert_eq(runner.jobs_timed_out, 1);
	runner_stop(&runner, RUNNER_STOP_DRAIN);

	/* The script's background child went with it (gone, or a zombie). */
	pid_t bg = (pid_t)atoi(slurp(path));
	cr_assert_gt(bg, 0);
	char stat[64], *st;
	snprintf(stat, sizeof(stat), "/proc/%d/stat", (int)bg);
	usleep(100 * 1000);
	if (access(stat, F_OK) == 0) {
		st = strrchr(slurp(stat), ')');
		cr_assert(st != NULL && (st[2] == 'Z' || st[2] == 'X'), "pid %d still alive: %s",
			  (int)bg, st);
	}
	cr_assert_not_null(strstr(slurp(logpath), "killed its process group"));
}

Test(runner, a_background_child_holding_the_output_does_not_stall)
{
	char cmd[256], path[128];
	uint64_t t0;

	cr_assert_eq(runner_start(&runner, NULL), 0);
	snprintf(path, sizeof(path), "%s/bgpid", tmpdir);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; echo parent done", path);
	t0 = ms_now();
	cr_assert_eq(submit(cmd, NULL, 1), 0);
	wait_answers(1, 10000);
	cr_assert_lt(ms_now() - t0, 5000);
	cr_assert_eq(caller.status[0], 0);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
	kill((pid_t)atoi(slurp(path)), SIGKILL);
	cr_assert_not_null(strstr(slurp(logpath), "updown: parent done\n"));
}

Test(runner, queue_is_bounded)
{
	struct runner_config cfg = { .max_queued = 3 };

	cr_assert_eq(runner_start(&runner, &cfg), 0);
	cr_assert_eq(submit("sleep 0.3", NULL, 0), 0);
	cr_assert_eq(submit("true", NULL, 1), 0);
	cr_assert_eq(submit("true", NULL, 2), 0);
	cr_assert_eq(submit("true", NULL, 3), -EAGAIN);
	cr_assert_eq(runner_queued(&runner), 3);
	wait_answers(3, 10000);
	cr_assert_eq(caller.n, 3);
	/* room again once answered */
	cr_assert_eq(submit("true", NULL, 4), 0);
	wait_answers(4, 10000);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
}

Test(runner, stop_cancels_pending_jobs_and_refuses_new_ones)
{
	char cmd[256], flag[128];

	cr_assert_eq(runner_start(&runner, NULL), 0);
	snprintf(flag, sizeof(flag), "%s/started", tmpdir);
	snprintf(cmd, sizeof(cmd), "touch %s; sleep 0.3", flag);
	cr_assert_eq(submit(cmd, NULL, 0), 0);
	for (unsigned i = 1; i < 5; i++)
		cr_assert_eq(submit("echo never", NULL, i), 0);
	/* let the first one start: it is finished, not cancelled */
	for (unsigned i = 0; i < 500 && access(flag, F_OK) != 0; i++)
		usleep(10 * 1000);
	cr_assert_eq(access(flag, F_OK), 0);
	runner_stop(&runner, RUNNER_STOP_CANCEL);
	cr_assert_eq(submit("true", NULL, 9), -ESHUTDOWN);

	wait_answers(5, 1000);
	cr_assert_eq(caller.status[0], 0);
	for (unsigned i = 1; i < 5; i++) {
		cr_assert_eq(caller.cookie[i], i);
		cr_assert_eq(caller.status[i], -ECANCELED);
	}
	cr_assert_null(strstr(slurp(logpath), "never"));
}

Test(runner, stop_drain_runs_pending_jobs)
{
	cr_assert_eq(runner_start(&runner, NULL), 0);
	cr_assert_eq(submit("sleep 0.2", NULL, 0), 0);
	for (unsigned i = 1; i < 4; i++)
		cr_assert_eq(submit("exit 0", NULL, i), 0);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
	wait_answers(4, 1000);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(caller.status[i], 0);
}

Test(runner, submitting_never_waits_for_commands)
{
	uint64_t t0, took;

	cr_assert_eq(runner_start(&runner, NULL), 0);
	t0 = ms_now();
	for (uintptr_t i = 0; i < 50; i++)
		cr_assert_eq(submit("sleep 0.02", NULL, i), 0);
	took = ms_now() - t0;
	/* 50 x 20 ms of commands would be a second at least */
	cr_assert_lt(took, 200, "50 submissions took %llu ms", (unsigned long long)took);
	cr_assert_gt(runner_queued(&runner), 1);
	wait_answers(50, 30000);
	for (unsigned i = 0; i < 50; i++) {
		cr_assert_eq(caller.cookie[i], i);
		cr_assert_eq(caller.status[i], 0);
	}
	runner_stop(&runner, RUNNER_STOP_DRAIN);
}

Test(runner, unstartable_shell_and_signals_are_reported)
{
	struct runner_config cfg = { .shell = "/nonexistent/sh" };

	cr_assert_eq(runner_start(&runner, &cfg), 0);
	cr_assert_eq(submit("true", NULL, 0), 0);
	wait_answers(1, 5000);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
	cr_assert_eq(caller.status[0], -ENOENT);

	cr_assert_eq(runner_start(&runner, NULL), 0);
	cr_assert_eq(submit("kill -TERM $$", NULL, 1), 0);
	cr_assert_eq(runner_submit(&runner, NULL, NULL, NULL, &caller.mb, done, NULL), -EINVAL);
	cr_assert_eq(runner_submit(&runner, "true", NULL, NULL, &caller.mb, NULL, NULL), -EINVAL);
	wait_answers(2, 5000);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
	cr_assert_eq(caller.status[1], 128 + SIGTERM);
}

static _Atomic int direct_status = 1;

static void done_direct(int status, void *cookie, void *ctx)
{
	direct_status = status;
}

Test(runner, without_a_mailbox_done_runs_on_the_runner)
{
	cr_assert_eq(runner_start(&runner, NULL), 0);
	cr_assert_eq(runner_submit(&runner, "exit 4", NULL, NULL, NULL, done_direct, NULL), 0);
	runner_stop(&runner, RUNNER_STOP_DRAIN);
	cr_assert_eq(direct_status, 4);
}
