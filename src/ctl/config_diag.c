/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/config_diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough for any message; a file with more lines than this says plenty already. */
enum { DIAG_MAX = 10000 };

void conf_diag_init(struct conf_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void conf_diag_fini(struct conf_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int conf_diag_add(struct conf_diag *d, enum conf_level level, const char *file, unsigned line,
		  const char *fmt, ...)
{
	char text[1024];
	int n = 0;
	va_list ap;

	if (level == CONF_ERROR)
		d->errors++;
	else if (level == CONF_CONN_ERROR)
		d->conn_errors++;
	if (file)
		n = snprintf(text, sizeof(text), "%s:%u: %s", file, line,
			     level == CONF_WARNING ? "warning: " : "");
	else if (level == CONF_WARNING)
		n = snprintf(text, sizeof(text), "warning: ");
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct conf_msg *v = d->n < DIAG_MAX ? realloc(d->v, cap * sizeof(*v)) : NULL;
		if (!v) {
			d->oom = true;
			goto out;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].text = strdup(text);
	if (!d->v[d->n].text) {
		d->oom = true;
		goto out;
	}
	d->v[d->n++].level = level;
out:
	return level == CONF_ERROR ? -EINVAL : 0;
}

const char *conf_diag_first(const struct conf_diag *d, enum conf_level level)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].level == level)
			return d->v[i].text;
	}
	return NULL;
}
