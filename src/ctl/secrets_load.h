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
 * RSA, ECDSA and P12 entries load their key files (key.h: a file open to
 * group or others is refused); a key that cannot be loaded (missing file,
 * mode, passphrase, kind) leaves its entry unusable, with a warning naming
 * file:line and the reason, never the passphrase. Any syntax error, unreadable file or exceeded limit
 * fails the whole load: err names the file and line and what was
 * expected, never a secret, and nothing is returned, so the caller keeps
 * the set it has ("leaves the old secrets in force").
 * Returns 0, -EINVAL (syntax), -EOPNOTSUPP, -E2BIG (a limit), -ENOMEM or
 * the -errno of a failed open/read.
 * Context: ctl thread (or start-up); blocks on file I/O; *out is owned
 * by the caller.
 */
int secrets_load(const char *pattern, struct secrets **out, char *err, size_t errlen);

/*
 * The same, with relative key file names taken from keydir (pluto's
 * <ipsecdir>/private) instead of the secrets file's directory.
 */
int secrets_load_keys(const char *pattern, const char *keydir, struct secrets **out, char *err,
		      size_t errlen);


#endif
