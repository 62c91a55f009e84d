/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CONFIG_SETUP_H
#define SKUA_CTL_CONFIG_SETUP_H

#include <stddef.h>

#include "ctl/pluto_options.h"

/*
 * The "config setup" section of an ipsec.conf (pluto --config FILE).
 *
 * Syntax: a section starts at column 0 ("config setup", "conn NAME",
 * "ca NAME"); its settings are the indented "key=value" lines that follow
 * (a value may be "double quoted"); "#" starts a comment outside quotes;
 * "version 2" is accepted; "include PATTERN" at column 0 reads every file
 * matching the glob (relative to the including file's directory) as if it
 * were inserted there, at most 8 levels deep.
 *
 * Keys with a pluto command-line equivalent are validated like it and set
 * in the options; other keys of config setup are reported with log_warn
 * and skipped (ipsec.conf serves other tools too); conn and ca sections
 * are skipped silently (connections are loaded elsewhere). A syntax error,
 * a bad value, or a key given twice is fatal and names the file and line.
 */

/*
 * Apply the config setup section of path on top of o. Returns 0, -ENOENT
 * or another -errno when a file cannot be read, -EINVAL (syntax or value)
 * or -ENOTSUP (protostack=klips); err then reads
 * "pluto: FILE:LINE: what was wrong: what was expected".
 * Context: main thread, at start-up; blocks on file I/O.
 */
int pluto_config_setup_load(const char *path, struct pluto_options *o, char *err, size_t errlen);

#endif
