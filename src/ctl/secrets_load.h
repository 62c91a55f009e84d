/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_SECRETS_LOAD_H
#define SKUA_CTL_SECRETS_LOAD_H

#include <stddef.h>

#include "ctl/secrets.h"

/*
 * Parse ipsec.secrets(5): read the files matching the glob pattern
 * (sh(1) globbing, pluto --secretsfile) and the files they include, in
 * order, into a new set. "include" patterns not starting with '/' are
 * relative to the including file's directory; nesting is limited to
 * SECRETS_INCLUDE_DEPTH.
 * A pattern matching no file is not an error (libreswan logs it and goes
 * on): the set, or that include, is then empty, and a warning is logged.
 * RSA and ECDSA entries are kept as "not supported yet" with a warning
 * naming file:line. Any syntax error, unreadable file or exceeded limit
 * fails the whole load: err names the file and line and what was
 * expected, never a secret, and nothing is returned, so the caller keeps
 * the set it has ("leaves the old secrets in force").
 * Returns 0, -EINVAL (syntax), -EOPNOTSUPP, -E2BIG (a limit), -ENOMEM or
 * the -errno of a failed open/read.
 * Context: ctl thread (or start-up); blocks on file I/O; *out is owned
 * by the caller.
 */
int secrets_load(const char *pattern, struct secrets **out, char *err, size_t errlen);


#endif
