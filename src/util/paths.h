/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_PATHS_H
#define SKUA_UTIL_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The installation's files and directories. They come from the install
 * prefix at configure time (the generated skua_paths.h), so an installed
 * program carries no source or build path.
 *
 * A program that runs from a build tree (a "skua-build-tree" file, which
 * CMake writes at the top of every build directory, sits in one of the
 * three directories above its executable) takes its helpers from
 * <build>/libexec/ipsec instead: that directory holds links to the
 * freshly built pluto, whack, addconn and the _updown script, so a
 * build-tree pluto runs the build tree's _updown. Only PATHS_EXECDIR and
 * what lies in it move; the configuration and run-time paths stay the
 * installation's.
 */
enum paths_id {
	PATHS_EXECDIR,		/* /usr/libexec/ipsec: pluto, whack, addconn, _updown */
	PATHS_UPDOWN,		/* <execdir>/_updown: the default updown script */
	PATHS_CONF,		/* /etc/ipsec.conf */
	PATHS_SECRETS,		/* /etc/ipsec.secrets */
	PATHS_CONFDDIR,		/* /etc/ipsec.d */
	PATHS_RUNDIR,		/* /run/pluto */
	PATHS_CTLSOCKET,	/* <rundir>/pluto.ctl */
	PATHS_NSSDIR,		/* /var/lib/ipsec/nss */
	PATHS_COUNT,
};

/*
 * The path; never NULL. The build tree is looked for once, on the first
 * call. Context: any thread; does not block beyond a few stat() calls.
 */
const char *paths_get(enum paths_id id);

/*
 * True when paths_get() found a build tree ("skua-build-tree" above the
 * executable). Context: any thread.
 */
bool paths_in_build_tree(void);

/*
 * The lookup paths_get() makes, on a given executable path: 0 and the
 * build tree's top directory in top when a "skua-build-tree" marker lies
 * in one of the three directories above exe, a regular file (not a link)
 * owned by root or by the effective user and writable by nobody else;
 * -ENOENT when there is none, -ENAMETOOLONG. Exported for the tests.
 * Context: any thread; a few lstat() calls.
 */
int paths_find_build_tree(const char *exe, char *top, size_t size);

/* Skua's version ("0.1.0"), from the CMake project. Context: any thread; static. */
const char *paths_version(void);

#endif
