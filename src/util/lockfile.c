/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

static pid_t parse_pid(const char *buf)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno != 0 || v <= 0 || v > INT_MAX)
		return 0;
	while (*end == '\n' || *end == ' ')
		end++;
	return *end == '\0' ? (pid_t)v : 0;
}

static pid_t fd_read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return parse_pid(buf);
}

int lockfile_read_pid(const char *path, pid_t *pid)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*pid = fd_read_pid(fd);
	close(fd);
	return 0;
}

bool lockfile_holder_is_pluto(pid_t pid, char *comm, size_t cap)
{
	char path[64], exe[PATH_MAX], self[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(comm, cap, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, comm, cap - 1);
	close(fd);
	if (n <= 0) {
		snprintf(comm, cap, "?");
		return true;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "pluto") == 0)
		return true;
	/* A pluto started under another name (a copy, a wrapper's exec). */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	ssize_t m = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0 && m > 0) {
		exe[n] = self[m] = '\0';
		return strcmp(exe, self) == 0;
	}
	return false;
}

static bool pid_is_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int lockfile_take(struct lockfile *lf, const char *path, pid_t *holder)
{
	struct flock fl;
	struct stat fst, pst;
	char buf[32];
	int fd = -1;
	int rc;

	lf->fd = -1;
	if (holder)
		*holder = 0;
	if (strlen(path) >= sizeof(lf->path))
		return -ENAMETOOLONG;
	snprintf(lf->path, sizeof(lf->path), "%s", path);

	/*
	 * A releasing pluto unlinks the file before it unlocks it: we may lock
	 * a file that is no longer the one at path. Check, and start over.
	 */
	for (int attempt = 0; attempt < 10; attempt++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return -errno;
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) < 0) {
			rc = -errno;
			if (rc == -EACCES || rc == -EAGAIN) {
				memset(&fl, 0, sizeof(fl));
				fl.l_type = F_WRLCK;
				fl.l_whence = SEEK_SET;
				pid_t who = 0;
				if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
					who = fl.l_pid;
				if (who <= 0)
					who = fd_read_pid(fd);
				if (holder)
					*holder = who;
				rc = -EEXIST;
			}
			close(fd);
			return rc;
		}
		if (fstat(fd, &fst) == 0 && stat(path, &pst) == 0 && fst.st_dev == pst.st_dev &&
		    fst.st_ino == pst.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return -EAGAIN;

	/* Locked: anything already in the file was left by a pluto that died. */
	pid_t old = fd_read_pid(fd);
	if (fstat(fd, &fst) == 0 && fst.st_size > 0 && old != getpid()) {
		if (old == 0)
			log_warn("lock file %s was stale (no PID in it, nobody held it): replaced",
				 path);
		else if (pid_is_alive(old))
			log_warn("lock file %s was stale (pid %d is running but holds no lock): "
				 "replaced", path, (int)old);
		else
			log_warn("lock file %s was stale (pid %d is no longer running): replaced",
				 path, (int)old);
	}
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		rc = errno ? -errno : -EIO;
		unlink(path);
		close(fd);
		return rc;
	}
	lf->fd = fd;
	return 0;
}

void lockfile_release(struct lockfile *lf)
{
	if (lf == NULL || lf->fd < 0)
		return;
	unlink(lf->path);
	close(lf->fd);
	lf->fd = -1;
}
