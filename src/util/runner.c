/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/runner.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Owner: the submitter until runner_submit() succeeds; then the runner
 * (queued under r->lock, then the runner thread alone); then the reply_to
 * mailbox's owner, in runner_job_deliver(), which frees it.
 */
struct runner_job {
	struct mail mail;		/* the reply; the queue uses next */
	struct runner_job *next;
	char *cmd;
	char **envp;			/* one allocation: pointers, then strings */
	char *prefix;
	struct mailbox *reply_to;
	runner_done_fn *done;
	void *cookie;
	int status;
};

static void job_free(struct runner_job *j)
{
	if (j == NULL)
		return;
	free(j->cmd);
	free(j->envp);
	free(j->prefix);
	free(j);
}

static char **envp_copy(char *const envp[])
{
	size_t n = 0, bytes = 0;
	char **out;
	char *p;

	for (; envp != NULL && envp[n] != NULL; n++)
		bytes += strlen(envp[n]) + 1;
	out = malloc((n + 1) * sizeof(*out) + bytes);
	if (out == NULL)
		return NULL;
	p = (char *)(out + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(envp[i]) + 1;

		memcpy(p, envp[i], len);
		out[i] = p;
		p += len;
	}
	out[n] = NULL;
	return out;
}

static const char *errstr(int err, char *buf, size_t len)
{
	return strerror_r(err, buf, len);	/* GNU: returns the message */
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Output of the command, cut into lines; control characters become '?'. */
struct linebuf {
	const char *prefix;
	size_t n;
	char buf[RUNNER_LINE_MAX + 1];
};

static void line_flush(struct linebuf *lb)
{
	if (lb->n == 0)
		return;
	lb->buf[lb->n] = '\0';
	log_info("%s: %s", lb->prefix, lb->buf);
	lb->n = 0;
}

static void line_feed(struct linebuf *lb, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\n') {
			line_flush(lb);
			continue;
		}
		if (c == '\r')
			continue;
		if (lb->n == RUNNER_LINE_MAX)
			line_flush(lb);
		lb->buf[lb->n++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
}

/*
 * Read what the pipe holds now. Returns false at end of file or on an
 * error (the caller stops polling the pipe), true when it would block.
 */
static bool pipe_read(int fd, struct linebuf *lb)
{
	char chunk[4096];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n > 0) {
			line_feed(lb, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int wait_status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return -ECHILD;
}

static int spawn(const struct runner *r, const struct runner_job *j, int out_fd, pid_t *pid)
{
	char *argv[] = { (char *)r->shell, (char *)"-c", j->cmd, NULL };
	char *empty_env[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int rc;

	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0)
		return -rc;
	rc = posix_spawnattr_init(&at);
	if (rc != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -rc;
	}
	/* The pipe's ends are close-on-exec; dup2 gives the child its own copies. */
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* A descriptor some library opened without O_CLOEXEC stays ours. */
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/*
	 * Its own process group, so a timeout kills the script's children
	 * too; an empty signal mask and default dispositions, whatever the
	 * daemon blocks or ignores (SIGPIPE).
	 */
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						       POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawnattr_setpgroup(&at, 0);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&at, &all);
	if (rc == 0)
		rc = posix_spawn(pid, r->shell, &fa, &at, argv, j->envp ? j->envp : empty_env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

/*
 * Run one job to its end: its output logged, its status returned. Waits
 * for the process, not for end of file on its output: a background child
 * the script leaves behind may hold the pipe open for as long as it likes.
 */
static int run_job(struct runner *r, struct runner_job *j)
{
	struct linebuf lb = { .prefix = j->prefix, .n = 0 };
	uint64_t deadline = now_ms() + r->timeout_ms;
	int pfd[2] = { -1, -1 }, pidfd = -1, status = 0, ws;
	bool out_open = true, exited = false;
	char eb[64];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		status = -errno;
		log_err("%s: cannot run the command: pipe: %s", j->prefix,
			errstr(-status, eb, sizeof(eb)));
		return status;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);	/* our end only: the script's stays blocking */
	status = spawn(r, j, pfd[1], &pid);
	close(pfd[1]);
	if (status < 0) {
		log_err("%s: cannot run %s: %s", j->prefix, r->shell,
			errstr(-status, eb, sizeof(eb)));
		close(pfd[0]);
		return status;
	}
	pidfd = pidfd_open_compat(pid);

	while (!exited) {
		struct pollfd p[2];
		nfds_t n = 0;
		uint64_t now = now_ms();
		int wait;

		if (now >= deadline) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
			status = -ETIMEDOUT;
			atomic_fetch_add_explicit(&r->jobs_timed_out, 1, memory_order_relaxed);
			break;
		}
		wait = (int)(deadline - now);
		if (out_open)
			p[n++] = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
		if (pidfd >= 0)
			p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		else if (wait > 20)
			wait = 20;	/* no pidfd: look at the child now and then */
		if (poll(p, n, wait) < 0 && errno != EINTR)
			wait = 0;	/* keep going: waitpid() below still reaps */
		if (out_open && !pipe_read(pfd[0], &lb))
			out_open = false;
		if (pidfd >= 0 && (n == 0 || !(p[n - 1].revents & POLLIN)))
			continue;
		pid_t w = waitpid(pid, &ws, WNOHANG);
		if (w == pid) {
			status = wait_status(ws);
			exited = true;
		} else if (w < 0 && errno != EINTR) {
			status = -errno;
			exited = true;
		}
	}
	if (out_open)
		pipe_read(pfd[0], &lb);	/* what the command wrote before it ended */
	line_flush(&lb);
	close(pfd[0]);
	if (pidfd >= 0)
		close(pidfd);

	if (status == -ETIMEDOUT)
		log_err("%s: command still running after %u ms: killed its process group",
			j->prefix, r->timeout_ms);
	else if (status > 128)
		log_warn("%s: command killed by signal %d", j->prefix, status - 128);
	else if (status > 0)
		log_warn("%s: command failed with exit status %d", j->prefix, status);
	else if (status < 0)
		log_err("%s: waiting for the command: %s", j->prefix,
			errstr(-status, eb, sizeof(eb)));
	return status;
}

void runner_job_deliver(struct mail *m, void *ctx)
{
	struct runner_job *j = caa_container_of(m, struct runner_job, mail);

	j->done(j->status, j->cookie, ctx);
	job_free(j);
}

static void answer(struct runner *r, struct runner_job *j)
{
	pthread_mutex_lock(&r->lock);
	r->queued--;
	pthread_mutex_unlock(&r->lock);
	atomic_fetch_add_explicit(&r->jobs_done, 1, memory_order_relaxed);
	if (j->status != 0)
		atomic_fetch_add_explicit(&r->jobs_failed, 1, memory_order_relaxed);
	j->mail.fn = runner_job_deliver;
	if (j->reply_to != NULL)
		mailbox_post(j->reply_to, &j->mail);
	else
		runner_job_deliver(&j->mail, NULL);
}

static void *runner_main(void *arg)
{
	struct runner *r = arg;

	for (;;) {
		struct runner_job *j;
		bool cancel;

		pthread_mutex_lock(&r->lock);
		while (r->head == NULL && !r->stopping)
			pthread_cond_wait(&r->cond, &r->lock);
		j = r->head;
		if (j != NULL) {
			r->head = j->next;
			if (r->head == NULL)
				r->tail = NULL;
		}
		cancel = r->stopping && r->stop_mode == RUNNER_STOP_CANCEL;
		pthread_mutex_unlock(&r->lock);
		if (j == NULL)
			break;	/* stopping, and nothing left */
		j->status = cancel ? -ECANCELED : run_job(r, j);
		answer(r, j);
	}
	return NULL;
}

int runner_start(struct runner *r, const struct runner_config *cfg)
{
	const char *shell = cfg && cfg->shell ? cfg->shell : "/bin/sh";
	int rc;

	memset(r, 0, sizeof(*r));
	if (strlen(shell) >= sizeof(r->shell))
		return -EINVAL;
	strcpy(r->shell, shell);
	r->max_queued = cfg && cfg->max_queued ? cfg->max_queued : RUNNER_QUEUE_DEFAULT;
	r->timeout_ms = cfg && cfg->timeout_ms ? cfg->timeout_ms : RUNNER_TIMEOUT_MS_DEFAULT;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	rc = pthread_create(&r->thread, NULL, runner_main, r);
	if (rc != 0) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		return -rc;
	}
	r->running = true;
	return 0;
}

int runner_submit(struct runner *r, const char *cmd, char *const envp[], const char *log_prefix,
		  struct mailbox *reply_to, runner_done_fn *done, void *cookie)
{
	struct runner_job *j;
	int rc = 0;

	if (cmd == NULL || done == NULL)
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return -ENOMEM;
	j->cmd = strdup(cmd);
	j->envp = envp_copy(envp);
	j->prefix = log_prefix ? strndup(log_prefix, RUNNER_PREFIX_MAX) : strdup("runner");
	if (j->cmd == NULL || j->envp == NULL || j->prefix == NULL) {
		job_free(j);
		return -ENOMEM;
	}
	j->reply_to = reply_to;
	j->done = done;
	j->cookie = cookie;

	pthread_mutex_lock(&r->lock);
	if (r->stopping) {
		rc = -ESHUTDOWN;
	} else if (r->queued >= r->max_queued) {
		rc = -EAGAIN;
	} else {
		r->queued++;
		if (r->tail != NULL)
			r->tail->next = j;
		else
			r->head = j;
		r->tail = j;
		pthread_cond_signal(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	if (rc < 0)
		job_free(j);
	return rc;
}

void runner_stop(struct runner *r, enum runner_stop_mode how)
{
	if (!r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	r->stop_mode = how;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->running = false;
	/* lock and cond stay valid: a late runner_submit() gets -ESHUTDOWN. */
}

unsigned runner_queued(struct runner *r)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->queued;
	pthread_mutex_unlock(&r->lock);
	return n;
}
