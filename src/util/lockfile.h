/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_LOCKFILE_H
#define SKUA_UTIL_LOCKFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * pluto's lock file (<rundir>/pluto.pid): a POSIX record lock on the
 * whole file says "a pluto runs"; the file holds that pluto's PID for
 * scripts. A file nobody has locked is stale (its writer died) and is
 * taken over.
 *
 * POSIX record locks belong to a process and are not inherited by fork():
 * the daemon takes the lock after its fork, in the process that will run.
 *
 * Owner: the process that took it (main thread).
 */
struct lockfile {
	int fd;			/* -1 when not held */
	char path[PATH_MAX];
};

/*
 * Create or open path, lock it, and write getpid() into it. A stale file
 * (no lock on it) is replaced and reported with log_warn. Returns 0,
 * -EEXIST when a live process holds the lock (*holder, when not NULL, gets
 * its PID, or 0 if unknown), -ENAMETOOLONG, or another -errno from
 * open/fcntl/write. Context: main thread; does not block.
 */
int lockfile_take(struct lockfile *lf, const char *path, pid_t *holder);

/*
 * Remove the file and drop the lock (in that order, so no second pluto can
 * lock a file about to disappear). Accepts a lockfile not held.
 * Context: the process that took it.
 */
void lockfile_release(struct lockfile *lf);

/*
 * Who holds a lock: pid's command name (/proc/<pid>/comm) into comm, and
 * whether it is a pluto: named "pluto", or running the same executable as
 * the caller. When /proc says nothing (the process is gone), comm is "?"
 * and the answer is true: nothing proves it is something else.
 * Context: any thread.
 */
bool lockfile_holder_is_pluto(pid_t pid, char *comm, size_t cap);

/*
 * Read the PID written in path (0 when the file is empty or malformed).
 * Returns 0 or -errno. Context: any thread.
 */
int lockfile_read_pid(const char *path, pid_t *pid);

#endif
