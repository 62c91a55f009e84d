/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/lockfile.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/skua-lockfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pluto.pid", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(lockfile, .init = setup, .fini = teardown);

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static pid_t file_pid(void)
{
	pid_t pid = -1;

	cr_assert_eq(lockfile_read_pid(path, &pid), 0);
	return pid;
}

/* A pid that surely runs nothing: a child that exited and was reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

Test(lockfile, take_writes_our_pid_and_release_removes)
{
	struct lockfile lf;
	struct stat st;

	cr_assert_eq(lockfile_take(&lf, path, NULL), 0);
	cr_assert(lf.fd >= 0);
	cr_assert_eq(file_pid(), getpid());
	lockfile_release(&lf);
	cr_assert_eq(lf.fd, -1);
	cr_assert_eq(stat(path, &st), -1);
	cr_assert_eq(errno, ENOENT);
	lockfile_release(&lf);	/* twice: harmless */
	lockfile_release(NULL);
}

/*
 * A child takes the lock and waits; the parent must see -EEXIST and the
 * child's pid. When the child dies without releasing, its file is stale.
 */
Test(lockfile, held_by_a_live_process_is_eexist)
{
	int up[2], go[2];
	struct lockfile lf;
	pid_t holder = 0;
	char c;
	pid_t child;

	cr_assert_eq(pipe(up), 0);
	cr_assert_eq(pipe(go), 0);
	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		struct lockfile mine;
		char r = lockfile_take(&mine, path, NULL) == 0 ? 'y' : 'n';

		if (write(up[1], &r, 1) != 1 || read(go[0], &r, 1) != 1)
			_exit(2);
		_exit(0);	/* dies holding it: the file stays behind */
	}
	cr_assert_eq(read(up[0], &c, 1), 1);
	cr_assert_eq(c, 'y');

	cr_assert_eq(lockfile_take(&lf, path, &holder), -EEXIST);
	cr_assert_eq(holder, child);
	cr_assert_eq(lf.fd, -1);
	cr_assert_eq(file_pid(), child, "the holder's file must be left alone");

	cr_assert_eq(write(go[1], "x", 1), 1);
	waitpid(child, NULL, 0);

	cr_assert_eq(lockfile_take(&lf, path, &holder), 0);
	cr_assert_eq(file_pid(), getpid());
	lockfile_release(&lf);
}

Test(lockfile, stale_file_of_a_dead_pid_is_replaced)
{
	struct lockfile lf;
	char text[32];

	snprintf(text, sizeof(text), "%d\n", (int)dead_pid());
	write_file(text);
	cr_assert_eq(lockfile_take(&lf, path, NULL), 0);
	cr_assert_eq(file_pid(), getpid());
	lockfile_release(&lf);
}

Test(lockfile, stale_file_of_a_live_pid_without_lock_is_replaced)
{
	struct lockfile lf;

	/* pid 1 is alive but holds no lock on our file */
	write_file("1\n");
	cr_assert_eq(lockfile_take(&lf, path, NULL), 0);
	cr_assert_eq(file_pid(), getpid());
	lockfile_release(&lf);
}

Test(lockfile, garbage_or_longer_content_is_replaced_whole)
{
	struct lockfile lf;
	char buf[64];
	int fd;
	ssize_t n;

	write_file("not a pid at all, and much longer than a pid\n");
	cr_assert_eq(lockfile_take(&lf, path, NULL), 0);
	fd = open(path, O_RDONLY);
	cr_assert(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert(n > 0);
	buf[n] = '\0';
	snprintf(buf + 32, 32, "%d\n", (int)getpid());
	cr_assert_str_eq(buf, buf + 32);
	lockfile_release(&lf);
}

Test(lockfile, errors)
{
	struct lockfile lf;
	char longpath[PATH_MAX + 10];
	pid_t pid;

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	cr_assert_eq(lockfile_take(&lf, longpath, NULL), -ENAMETOOLONG);
	cr_assert_eq(lockfile_take(&lf, "/nonexistent-skua-dir/pluto.pid", NULL), -ENOENT);
	cr_assert_eq(lf.fd, -1);
	cr_assert_eq(lockfile_read_pid("/nonexistent-skua-dir/pluto.pid", &pid), -ENOENT);
	write_file("");
	cr_assert_eq(lockfile_read_pid(path, &pid), 0);
	cr_assert_eq(pid, 0);
}
