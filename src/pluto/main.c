/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pluto: the process shell around the daemon. It owns what belongs to the
 * process (options, logging, the run directory, the lock file, the daemon
 * fork, signals, the working directory) and drives struct pluto, which owns
 * everything else.
 *
 * Exit status (ipsec_pluto(8)): 0 all is well so far, 1 something was
 * wrong, 10 the lock file is held by a running pluto. Without --nofork the
 * parent waits until the daemon child is up (or failed) and exits with the
 * child's status, so the status means the same in both modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#ifdef SKUA_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "ctl/pluto_options.h"
#include "ctl/pluto_runtime.h"
#include "ctl/sd_notify.h"
#include "util/impair.h"
#include "util/lockfile.h"
#include "util/log.h"
#include "util/paths.h"

enum {
	EXIT_OK = 0,
	EXIT_TROUBLE = 1,
	EXIT_LOCKED = 10,
};

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

/* stderr is still the user's terminal until the daemon detaches. */
static bool stderr_attached = true;
static bool log_on_stderr;

/*
 * An error of start-up: to the log, and to stderr as well while someone
 * is watching it (the log may be syslog, where the user would not look).
 */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_err("%s", line);
	if (stderr_attached && !log_on_stderr)
		fprintf(stderr, "%s\n", line);
}

/*
 * --leak-detective and --efence-protect name libreswan's own allocator
 * checks. Map them onto what this build really has, or refuse: an option
 * that silently does nothing would mislead.
 */
static int check_alloc_options(const struct pluto_options *o)
{
	if (o->efence_protect) {
#ifdef HAVE_ASAN
		/* redzones around every allocation catch what guard pages would */
#else
		fprintf(stderr, "pluto: --efence-protect: not supported yet in this build "
				"(jemalloc has no guard pages): expected a build with "
				"-DSKUA_SANITIZE=address, whose AddressSanitizer guards every "
				"allocation\n");
		return -ENOTSUP;
#endif
	}
	if (o->leak_detective) {
#if !defined(HAVE_ASAN) && !defined(SKUA_JEMALLOC)
		fprintf(stderr, "pluto: --leak-detective: not supported in this build: expected "
				"a build with jemalloc (the default) or -DSKUA_SANITIZE=address\n");
		return -ENOTSUP;
#endif
	}
	return 0;
}

#ifdef SKUA_JEMALLOC
/* Bytes the program holds, as jemalloc counts them (-1: unknown). */
static long long allocated_bytes(void)
{
	uint64_t epoch = 1;
	size_t allocated;
	size_t sz = sizeof(epoch);

	mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	if (mallctl("epoch", &epoch, &sz, &epoch, sz) != 0)
		return -1;
	sz = sizeof(allocated);
	if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0)
		return -1;
	return (long long)allocated;
}
#endif

static void leak_report(long long before)
{
#if defined(SKUA_JEMALLOC)
	long long after = allocated_bytes();

	if (before < 0 || after < 0)
		log_warn("leak-detective: jemalloc statistics unavailable: no leak report");
	else if (after > before)
		log_warn("leak-detective: %lld bytes allocated while running are still held "
			 "after shutdown (library caches included)", after - before);
	else
		log_info("leak-detective: no memory held after shutdown beyond start-up");
#elif defined(HAVE_ASAN)
	log_info("leak-detective: LeakSanitizer reports leaks when the process exits");
#endif
	(void)before;
}

static long long leak_baseline(const struct pluto_options *o)
{
#ifdef SKUA_JEMALLOC
	if (o->leak_detective)
		return allocated_bytes();
#endif
	return -1;
}

/* mkdir -p with mode 0755 for the missing parts. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (c == '\0')
			break;
	}
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/*
 * Whoever may write the run directory may replace the control socket
 * (and so command pluto, as root) or the lock file: it must be ours and
 * writable by us alone. The sticky bit does not help: others could still
 * create the socket's or the lock file's name before us.
 */
static int rundir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		report("pluto: run directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (st.st_uid != geteuid()) {
		report("pluto: run directory %s is owned by uid %u, not by pluto's uid %u: "
		       "expected a directory only pluto's user can write (see --rundir)", dir,
		       (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		report("pluto: run directory %s is writable by other users (mode %04o): expected "
		       "a directory only its owner can write (chmod go-w %s, or see --rundir)",
		       dir, (unsigned)(st.st_mode & 07777), dir);
		return -EPERM;
	}
	return 0;
}

/* The directory of path (the lock file, the control socket), made if missing, checked. */
static int make_rundir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	rc = make_dirs(dir);
	if (rc < 0) {
		report("pluto: cannot create the run directory %s: %s: expected a directory "
		       "pluto may write (see --rundir, --ctlbase)", dir, strerror(-rc));
		return rc;
	}
	return rundir_check(dir);
}

/* The directories that hold the lock file and the control socket. */
static int make_rundir(const struct pluto_options *o)
{
	int rc = make_rundir_of(o->pidfile);

	return rc < 0 ? rc : make_rundir_of(o->ctlsocket);
}

/*
 * The daemon changes directory (to --coredir, or to / so that it keeps no
 * mount busy): every path it uses later must not depend on the old one.
 */
static int absolutize(char *path, size_t size, const char *what)
{
	char cwd[PATH_MAX];
	char tmp[PATH_MAX];

	if (path[0] == '\0' || path[0] == '/')
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		report("pluto: %s %s: cannot find the current directory (%s): expected an "
		       "absolute path", what, path, strerror(errno));
		return -errno;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path) >= size) {
		report("pluto: %s %s: the absolute path is too long: expected fewer than %zu "
		       "bytes", what, path, size);
		return -ENAMETOOLONG;
	}
	snprintf(path, size, "%s", tmp);
	return 0;
}

static int absolutize_paths(struct pluto_options *o)
{
	struct sockaddr_un sun;

	if (absolutize(o->config, sizeof(o->config), "--config") < 0 ||
	    absolutize(o->ctlsocket, sizeof(o->ctlsocket), "control socket") < 0 ||
	    absolutize(o->pidfile, sizeof(o->pidfile), "lock file") < 0 ||
	    absolutize(o->secretsfile, sizeof(o->secretsfile), "--secretsfile") < 0 ||
	    absolutize(o->ipsecdir, sizeof(o->ipsecdir), "--ipsecdir") < 0 ||
	    absolutize(o->nssdir, sizeof(o->nssdir), "--nssdir") < 0 ||
	    absolutize(o->coredir, sizeof(o->coredir), "--coredir") < 0 ||
	    absolutize(o->statsbin, sizeof(o->statsbin), "--statsbin") < 0 ||
	    absolutize(o->logfile, sizeof(o->logfile), "--logfile") < 0)
		return -EINVAL;
	if (strlen(o->ctlsocket) >= sizeof(sun.sun_path)) {
		report("pluto: the control socket path %s is %zu bytes long: expected at most "
		       "%zu (use a shorter --rundir or --ctlbase)", o->ctlsocket,
		       strlen(o->ctlsocket), sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

/*
 * The daemon fork. Returns in the child with *notify the write end of a
 * pipe on which the child sends its one-byte exit status once it is up
 * (0) or has failed; the parent never returns: it exits with that status,
 * or with the child's own if the child died without a word.
 */
static void daemonize(int *notify)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		report("pluto: cannot create a pipe for the daemon fork: %s", strerror(errno));
		exit(EXIT_TROUBLE);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		report("pluto: cannot fork the daemon: %s", strerror(errno));
		exit(EXIT_TROUBLE);
	}
	if (pid > 0) {
		unsigned char status;
		ssize_t n;
		int ws;

		close(pfd[1]);
		do {
			n = read(pfd[0], &status, 1);
		} while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(status);
		/* no word: the child died before it could tell */
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(ws))
			_exit(WEXITSTATUS(ws) ? WEXITSTATUS(ws) : EXIT_TROUBLE);
		fprintf(stderr, "pluto: the daemon died during start-up (signal %d)\n",
			WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
		_exit(EXIT_TROUBLE);
	}
	close(pfd[0]);
	setsid();
	*notify = pfd[1];
}

static void notify_parent(int *notify, int status)
{
	unsigned char b = (unsigned char)status;

	if (*notify < 0)
		return;
	while (write(*notify, &b, 1) < 0 && errno == EINTR)
		;
	close(*notify);
	*notify = -1;
}

/* The daemon is up: let go of the terminal (stderr stays if it is the log). */
static void detach_stdio(const struct pluto_options *o)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (o->log.dest != LOG_DEST_STDERR) {
		dup2(fd, STDERR_FILENO);
		stderr_attached = false;
	}
	if (fd > STDERR_FILENO)
		close(fd);
}

/*
 * --seedbits: mix that many bits from /dev/random into the RNG. The
 * manual's documented risk: this may block until the kernel has them.
 */
static int seed_rng(uint32_t bits)
{
	unsigned char buf[1024];
	size_t want = (bits + 7) / 8;
	size_t got = 0;
	int fd;

	if (bits == 0)
		return 0;
	log_info("seeding the RNG with %u bits from /dev/random (this may block)", bits);
	fd = open("/dev/random", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report("pluto: --seedbits %u: cannot open /dev/random: %s", bits, strerror(errno));
		return -errno;
	}
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			report("pluto: --seedbits %u: reading /dev/random failed after %zu bytes: "
			       "%s", bits, got, n < 0 ? strerror(errno) : "end of file");
			close(fd);
			return -EIO;
		}
		got += (size_t)n;
	}
	close(fd);
	RAND_add(buf, (int)want, (double)want);
	OPENSSL_cleanse(buf, sizeof(buf));
	dbg(DBG_CRYPT, "seeded the RNG with %zu bytes from /dev/random", want);
	return 0;
}

static int block_signals(void)
{
	sigset_t set;
	int fd;

	/* a whack that hangs up mid-reply must not kill the daemon */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/*
	 * A signal ignored by our parent (a shell's background job ignores
	 * SIGINT, nohup ignores SIGHUP) would never reach the signalfd; the
	 * manual gives these three their meaning, so take them back.
	 */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* before any thread starts, so that every thread inherits the mask */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static void apply_impairments(const struct pluto_options *o)
{
	for (size_t i = 0; i < o->nimpair; i++) {
		char err[256];

		/* parse validated them: this cannot fail */
		if (impair_apply(o->impair[i], o->impair_enable[i], err, sizeof(err)) < 0)
			log_err("pluto: --impair %s: %s", o->impair[i], err);
		else
			log_warn("impairment %s%s is active: pluto misbehaves on purpose",
				 o->impair_enable[i] ? "" : "no-", o->impair[i]);
	}
}

/*
 * Start-up is complete: the control socket answers (pluto_start) and
 * whatever the start-up hook in main() does is done. Say so to each
 * who waits: the terminal ("Pluto initialized", --nofork), the parent
 * of the daemon fork (exit 0), systemd (READY=1, Type=notify).
 */
static void startup_complete(const struct pluto_options *o, int *notify)
{
	if (o->nofork) {
		printf("Pluto initialized\n");
		fflush(stdout);
	} else {
		detach_stdio(o);
		notify_parent(notify, EXIT_OK);
	}
	ctl_sd_notify("READY=1\nSTATUS=ready: control socket %s", o->ctlsocket);
	log_info("pluto %d: ready, control socket %s", (int)getpid(), o->ctlsocket);
}

/* Wait for a signal or for the daemon to ask to stop. */
static void run_loop(struct pluto *p, int sfd)
{
	struct pollfd fds[2] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = pluto_stop_fd(p), .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("pluto: poll: %s: stopping", strerror(errno));
			pluto_request_stop(p);
			return;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				switch (si.ssi_signo) {
				case SIGTERM:
				case SIGINT:
					log_info("pluto: %s received: shutting down",
						 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
					pluto_request_stop(p);
					break;
				case SIGHUP:
					log_info("pluto: SIGHUP received: ignored; did you mean "
						 "\"whack --listen\" (reread secrets and "
						 "interfaces)?");
					break;
				default:
					break;
				}
			}
		}
		if (fds[1].revents & (POLLIN | POLLERR | POLLHUP))
			return;
	}
}

int main(int argc, char **argv)
{
	struct pluto_options o;
	struct lockfile lf = { .fd = -1 };
	struct pluto *p = NULL;
	char err[1024];
	int notify = -1;
	int sfd = -1;
	int status = EXIT_TROUBLE;
	long long leak_before = -1;
	bool ready = false;
	pid_t holder;
	int rc;

	pluto_options_init(&o);
	rc = pluto_options_parse(argc, argv, &o, err, sizeof(err));
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "%s\n", err);
		pluto_options_fini(&o);
		return rc > 0 ? EXIT_OK : EXIT_TROUBLE;
	}
	if (check_alloc_options(&o) < 0 || absolutize_paths(&o) < 0) {
		pluto_options_fini(&o);
		return EXIT_TROUBLE;
	}
	rc = log_init(&o.log);
	if (rc < 0) {
		fprintf(stderr, "pluto: --logfile %s: %s: expected a file pluto may write\n",
			o.logfile, strerror(-rc));
		pluto_options_fini(&o);
		return EXIT_TROUBLE;
	}
	log_on_stderr = o.log.dest == LOG_DEST_STDERR;
	if (paths_in_build_tree())
		log_info("pluto runs from a build tree: its helpers (_updown) are in %s",
			 paths_get(PATHS_EXECDIR));
	atomic_store(&log_debug_mask, o.debug_mask);
	if (make_rundir(&o) < 0)
		goto out;

	if (!o.nofork)
		daemonize(&notify);

	/* After the fork: POSIX locks belong to the process that will run. */
	rc = lockfile_take(&lf, o.pidfile, &holder);
	if (rc == -EEXIST) {
		char comm[64];

		if (holder > 0 && !lockfile_holder_is_pluto(holder, comm, sizeof(comm)))
			report("pluto: lock file %s is held by pid %d (%s), which is not pluto: "
			       "expected no other process to hold it (stop that process, or use "
			       "another --rundir)", o.pidfile, (int)holder, comm);
		else if (holder > 0)
			report("pluto: lock file %s is held by a running pluto (pid %d): expected "
			       "no other pluto on this --rundir/--ctlbase", o.pidfile,
			       (int)holder);
		else
			report("pluto: lock file %s is held by a running pluto: expected no other "
			       "pluto on this --rundir/--ctlbase", o.pidfile);
		status = EXIT_LOCKED;
		goto out;
	}
	if (rc < 0) {
		report("pluto: cannot take the lock file %s: %s: expected a writable run "
		       "directory", o.pidfile, strerror(-rc));
		goto out;
	}
	dbg(DBG_BASE, "lock file %s taken by pid %d", o.pidfile, (int)getpid());

	if (o.coredir[0] != '\0') {
		if (chdir(o.coredir) < 0) {
			report("pluto: --coredir %s: %s: expected a directory for core dumps",
			       o.coredir, strerror(errno));
			goto out;
		}
		dbg(DBG_BASE, "core dumps go to %s", o.coredir);
	} else if (!o.nofork && chdir("/") < 0) {
		report("pluto: cannot change directory to /: %s", strerror(errno));
		goto out;
	}
	if (seed_rng(o.seedbits) < 0)
		goto out;
	sfd = block_signals();
	if (sfd < 0) {
		report("pluto: cannot set up signal handling: %s", strerror(-sfd));
		sfd = -1;
		goto out;
	}
	apply_impairments(&o);
	if (o.efence_protect)
		log_info("efence-protect: AddressSanitizer guards every allocation");
	leak_before = leak_baseline(&o);

	dbg(DBG_BASE, "starting: ikeport %u, natikeport %u, nhelpers %d, control socket %s",
	    o.ikeport, o.natikeport, o.nhelpers, o.ctlsocket);
	rc = pluto_start(&o, &p);
	if (rc < 0) {
		report("pluto: start-up failed: %s", strerror(-rc));
		p = NULL;
		goto out;
	}
	/*
	 * Start-up hook. Whatever must be done before pluto counts as started
	 * (the ipsec.conf loader adding the auto= connections, issue 13) goes
	 * here, before startup_complete(): that is when systemd gets READY=1,
	 * the forking parent exits 0 and "ipsec start" returns.
	 */
	startup_complete(&o, &notify);
	ready = true;

	run_loop(p, sfd);
	ctl_sd_notify("STOPPING=1\nSTATUS=shutting down");
	if (pluto_leave_state(p))
		log_info("pluto: leaving the kernel state in place (--leave-state)");
	status = EXIT_OK;
out:
	pluto_free(p);
	if (o.leak_detective && status == EXIT_OK)
		leak_report(leak_before);
	lockfile_release(&lf);
	if (status == EXIT_OK)
		log_info("pluto shutdown complete");
	if (!ready)
		ctl_sd_notify("STATUS=start-up failed (exit %d): see the log", status);
	notify_parent(&notify, status);
	if (sfd >= 0)
		close(sfd);
	log_fini();
	pluto_options_fini(&o);
	return status;
}
