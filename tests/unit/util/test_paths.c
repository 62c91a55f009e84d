/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/paths: the installation's paths, and the build-tree lookup with its
 * safety checks (a marker another user could plant must not count).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/paths.h"

static char root[PATH_MAX];

/* snprintf into a PATH_MAX buffer, failing the test on truncation. */
static void pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && n < PATH_MAX, "path too long");
}

static void setup(void)
{
	pathf(root, "/tmp/skua-paths.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	pathf(cmd, "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

/* A tree a/b/c/prog under root; returns the path of prog. */
static const char *tree(void)
{
	static char exe[PATH_MAX];
	char dir[PATH_MAX];

	pathf(dir, "%s/a", root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	pathf(dir, "%s/a/b", root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	pathf(dir, "%s/a/b/c", root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	pathf(exe, "%s/a/b/c/prog", root);
	return exe;
}

static void marker(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	pathf(path, "%s/%s/skua-build-tree", root, dir);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

TestSuite(paths, .init = setup, .fini = teardown);

Test(paths, a_marker_up_to_three_levels_above_is_found)
{
	const char *exe = tree();
	char top[PATH_MAX], want[PATH_MAX];

	marker("a", 0644);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), 0);
	pathf(want, "%s/a", root);
	cr_assert_str_eq(top, want);
}

Test(paths, the_nearest_marker_wins)
{
	const char *exe = tree();
	char top[PATH_MAX], want[PATH_MAX];

	marker("a", 0644);
	marker("a/b", 0644);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), 0);
	pathf(want, "%s/a/b", root);
	cr_assert_str_eq(top, want);
}

Test(paths, a_marker_four_levels_above_is_not_looked_for)
{
	const char *exe = tree();
	char top[PATH_MAX];
	char path[PATH_MAX];
	FILE *f;

	pathf(path, "%s/skua-build-tree", root);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), -ENOENT);
}

Test(paths, a_marker_others_may_write_does_not_count)
{
	const char *exe = tree();
	char top[PATH_MAX];

	marker("a", 0666);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), -ENOENT);
	marker("a/b", 0664);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), -ENOENT);
}

Test(paths, a_symlink_or_a_directory_is_no_marker)
{
	const char *exe = tree();
	char top[PATH_MAX], path[PATH_MAX], target[PATH_MAX];

	pathf(target, "%s/elsewhere", root);
	cr_assert_eq(mkdir(target, 0755), 0);
	marker("elsewhere", 0644);
	pathf(target, "%s/elsewhere/skua-build-tree", root);
	pathf(path, "%s/a/skua-build-tree", root);
	cr_assert_eq(symlink(target, path), 0);
	pathf(path, "%s/a/b/skua-build-tree", root);
	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), -ENOENT);
}

Test(paths, a_marker_of_another_user_does_not_count)
{
	const char *exe = tree();
	char top[PATH_MAX], path[PATH_MAX];

	cr_assert_eq(geteuid(), 0, "needs root to give the marker away");
	marker("a", 0644);
	pathf(path, "%s/a/skua-build-tree", root);
	cr_assert_eq(chown(path, 65534, 65534), 0);
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), -ENOENT);
}

Test(paths, an_executable_near_the_root_finds_nothing)
{
	char top[PATH_MAX];

	cr_assert_eq(paths_find_build_tree("/pluto", top, sizeof(top)), -ENOENT);
	cr_assert_eq(paths_find_build_tree("pluto", top, sizeof(top)), -ENOENT);
}

/* This test program runs from the build tree: helpers from <build>/libexec/ipsec. */
Test(paths, this_build_tree_gives_its_libexec)
{
	char exe[PATH_MAX], top[PATH_MAX], want[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	cr_assert_eq(paths_find_build_tree(exe, top, sizeof(top)), 0, "no marker above %s", exe);
	cr_assert(paths_in_build_tree());
	pathf(want, "%s/libexec/ipsec", top);
	cr_assert_str_eq(paths_get(PATHS_EXECDIR), want);
	pathf(want, "%s/libexec/ipsec/_updown", top);
	cr_assert_str_eq(paths_get(PATHS_UPDOWN), want);
}

/* The configuration and run-time paths stay the installation's. */
Test(paths, config_and_run_paths_are_the_installation_s)
{
	char want[PATH_MAX + 16];

	cr_assert_eq(paths_get(PATHS_CONF)[0], '/');
	cr_assert(strstr(paths_get(PATHS_CONF), "/ipsec.conf") != NULL);
	cr_assert(strstr(paths_get(PATHS_SECRETS), "/ipsec.secrets") != NULL);
	pathf(want, "%s/pluto.ctl", paths_get(PATHS_RUNDIR));
	cr_assert_str_eq(paths_get(PATHS_CTLSOCKET), want);
	cr_assert_str_eq(paths_get(PATHS_COUNT), "");
	cr_assert_str_neq(paths_version(), "");
}
