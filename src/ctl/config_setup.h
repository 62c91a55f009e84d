/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CONFIG_SETUP_H
#define SKUA_CTL_CONFIG_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/config_diag.h"
#include "ctl/config_file.h"
#include "ctl/pluto_options.h"

/*
 * The "config setup" section of an ipsec.conf (pluto --config FILE), read
 * by the one reader of config_file.h.
 *
 * Keys with a pluto command-line equivalent are validated like it and set
 * in the options. Keys of libreswan's config setup that Skua does not act
 * on yet are accepted and named together in ONE warning, unless ignoring
 * them would weaken security (crl-strict=yes, ocsp-strict=yes,
 * ocsp-enable=yes, seccomp=enabled|tolerant, listen-udp=no): those are
 * refused. A key libreswan does not know either is an error, as are a bad
 * value and a key given twice. docs/config.md lists every key.
 */

/*
 * Apply the config setup section of f (if any) on top of o. Returns 0 or
 * -EINVAL / -ENOTSUP (protostack=klips, a refused setting) with a
 * CONF_ERROR line in d; adds at most one CONF_WARNING line naming every
 * setting accepted but not acted on. Context: any thread.
 */
int conf_setup_apply(const struct conf_file *f, struct pluto_options *o, struct conf_diag *d);

/* key is a config setup keyword (for "in the wrong section" messages). */
bool conf_setup_key_known(const char *key);

/*
 * pluto --config: read path, apply its config setup section on top of o,
 * and check that its conns can be read (a malformed file stops pluto at
 * start, naming file and line). Warnings go to the log (log_warn). Returns
 * 0, -ENOENT or another -errno when the file cannot be read, -EINVAL or
 * -ENOTSUP; err then reads "pluto: FILE:LINE: what was wrong: what was
 * expected". Context: main thread, at start-up; blocks on file I/O.
 */
int pluto_config_setup_load(const char *path, struct pluto_options *o, char *err, size_t errlen);

#endif
