/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CRYPTO_FILE_H
#define SKUA_CRYPTO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * Reading the files keys, certificates and CRLs come in. Module-internal
 * (key.c, x509.c, p12.c); errors fill err with the path, what was wrong
 * and what was expected.
 */

/*
 * A file holding a secret must be a regular file with no permission for
 * group or others (mode 0600 or stricter). Returns 0 or -EPERM.
 * Context: any thread.
 */
int crypto_file_mode_check(const char *path, const struct stat *st, char *err, size_t errlen);

/*
 * Read a whole regular file of at most CRYPTO_KEY_FILE_MAX bytes into a
 * new buffer (NUL-terminated after len bytes). secret: the file must
 * pass crypto_file_mode_check(), and the caller wipes the buffer before
 * freeing it. Returns 0, -EPERM, -EINVAL (not a regular file), -EFBIG,
 * -ENOMEM or the -errno of open/read.
 * Context: any thread; blocks on the file system.
 */
int crypto_file_read(const char *path, bool secret, uint8_t **buf, size_t *len, char *err,
		     size_t errlen);

#endif
