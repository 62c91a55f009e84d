/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/paths.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skua_paths.h"

/* build/src/pluto/pluto is three levels below the top of the build tree. */
enum { MARKER_LEVELS = 3 };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char resolved[PATHS_COUNT][PATH_MAX];
static bool build_tree;

/*
 * A marker counts only when it is a regular file owned by root or by us
 * and writable by nobody else: another user must not be able to point a
 * root pluto at scripts of their own by dropping a file near a binary.
 */
static bool is_marker(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/" SKUA_BUILD_MARKER, dir) >= sizeof(path))
		return false;
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return false;
	return (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

int paths_find_build_tree(const char *exe, char *top, size_t size)
{
	char dir[PATH_MAX];

	if ((size_t)snprintf(dir, sizeof(dir), "%s", exe) >= sizeof(dir))
		return -ENAMETOOLONG;
	for (int level = 0; level < MARKER_LEVELS; level++) {
		char *slash = strrchr(dir, '/');

		if (slash == NULL || slash == dir)
			return -ENOENT;
		*slash = '\0';
		if (is_marker(dir)) {
			if ((size_t)snprintf(top, size, "%s", dir) >= size)
				return -ENAMETOOLONG;
			return 0;
		}
	}
	return -ENOENT;
}

/* The top of the build tree this executable lies in, or false. */
static bool find_build_tree(char *top, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return paths_find_build_tree(exe, top, size) == 0;
}

static void set(enum paths_id id, const char *a, const char *b)
{
	int n = snprintf(resolved[id], sizeof(resolved[id]), "%s%s", a, b ? b : "");

	if (n < 0 || (size_t)n >= sizeof(resolved[id]))
		resolved[id][0] = '\0';
}

static void resolve(void)
{
	char top[PATH_MAX];

	build_tree = find_build_tree(top, sizeof(top));
	if (build_tree)
		set(PATHS_EXECDIR, top, "/libexec/ipsec");
	else
		set(PATHS_EXECDIR, SKUA_EXECDIR, NULL);
	set(PATHS_UPDOWN, resolved[PATHS_EXECDIR], "/_updown");
	set(PATHS_CONF, SKUA_CONF, NULL);
	set(PATHS_SECRETS, SKUA_SECRETS, NULL);
	set(PATHS_CONFDDIR, SKUA_CONFDDIR, NULL);
	set(PATHS_RUNDIR, SKUA_RUNDIR, NULL);
	set(PATHS_CTLSOCKET, SKUA_RUNDIR, "/pluto.ctl");
	set(PATHS_NSSDIR, SKUA_NSSDIR, NULL);
}

const char *paths_get(enum paths_id id)
{
	pthread_once(&once, resolve);
	if ((unsigned)id >= PATHS_COUNT)
		return "";
	return resolved[id];
}

bool paths_in_build_tree(void)
{
	pthread_once(&once, resolve);
	return build_tree;
}

const char *paths_version(void)
{
	return SKUA_VERSION;
}
