/* SPDX-License-Identifier: BSD-2-Clause */
#include "crypto/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/key.h"

int crypto_file_mode_check(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		if (err)
			snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		if (err)
			snprintf(err, errlen,
				 "%s: holds a private key but its mode %04o lets group or others "
				 "access it: expected 0600 or stricter (chmod 600 %s)",
				 path, (unsigned)(st->st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

int crypto_file_read(const char *path, bool secret, uint8_t **bufp, size_t *lenp, char *err,
		     size_t errlen)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, rc = 0;

	*bufp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		if (err)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		if (err)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	rc = secret ? crypto_file_mode_check(path, &st, err, errlen) : 0;
	if (rc < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		if (err)
			snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > CRYPTO_KEY_FILE_MAX) {
		rc = -EFBIG;
		if (err)
			snprintf(err, errlen, "%s: %lld bytes: larger than the maximum %d", path,
				 (long long)st.st_size, CRYPTO_KEY_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		if (err)
			snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			if (err)
				snprintf(err, errlen, "%s: %s", path,
					 n < 0 ? strerror(-rc) : "changed size while being read");
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = 0;
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	if (buf) {
		crypto_wipe(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return rc;
}
