/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CONFIG_DIAG_H
#define SKUA_CTL_CONFIG_DIAG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What reading an ipsec.conf had to say: errors and warnings, each one
 * line "FILE:LINE: what was wrong: what was expected". The reader, the
 * connection builder and the config setup applier add to it; pluto logs
 * the lines, addconn prints them.
 *
 * Owner: the caller; conf_diag_fini() frees the lines.
 */
enum conf_level {
	CONF_WARNING,
	CONF_ERROR,	 /* the file is malformed: nothing of it is used */
	CONF_CONN_ERROR, /* one connection cannot be loaded; the others can */
};

struct conf_msg {
	enum conf_level level;
	char *text;
};

struct conf_diag {
	struct conf_msg *v;
	size_t n, cap;
	unsigned errors;      /* CONF_ERROR lines */
	unsigned conn_errors; /* CONF_CONN_ERROR lines */
	bool oom;	      /* a line was lost for want of memory */
};

/* Context: any thread; pure apart from allocation. */
void conf_diag_init(struct conf_diag *d);
void conf_diag_fini(struct conf_diag *d);

/*
 * Add "FILE:LINE: text" (file NULL: text alone; a warning's text starts
 * with "warning: "). Returns the level's
 * conventional errno: -EINVAL for CONF_ERROR, 0 otherwise, so that a
 * reader may write "return conf_diag_add(...)". A line that cannot be
 * stored sets d->oom (and still counts).
 */
int conf_diag_add(struct conf_diag *d, enum conf_level level, const char *file, unsigned line,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The first line of that level, or NULL. */
const char *conf_diag_first(const struct conf_diag *d, enum conf_level level);

#endif
