/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_UNIT_UTIL_TMP_LOG_H
#define SKUA_TESTS_UNIT_UTIL_TMP_LOG_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

/*
 * A log file in a fresh directory under /tmp, for a test that reads back
 * what it logged. tmp_log_dir() makes /tmp/skua-<tag>-XXXXXX in dir (32
 * bytes) and names the file in it in path (64 bytes); tmp_log_open()
 * starts the log on path (no time stamps, the file truncated);
 * tmp_log_remove() stops the log, gives it back its own clock and removes
 * dir.
 */
static inline void tmp_log_dir(char dir[32], char path[64], const char *tag)
{
	snprintf(dir, 32, "/tmp/skua-%s-XXXXXX", tag);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, 64, "%s/log", dir);
}

static inline void tmp_log_open(const char *path)
{
	struct log_config lc = { .dest = LOG_DEST_FILE, .file = path, .no_time = true,
				 .truncate = true };

	cr_assert_eq(log_init(&lc), 0);
}

static inline void tmp_log_remove(const char *dir)
{
	char cmd[96];

	log_fini();
	log_test_set_clock(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

#endif
