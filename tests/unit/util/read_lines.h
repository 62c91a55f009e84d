/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_UNIT_UTIL_READ_LINES_H
#define SKUA_TESTS_UNIT_UTIL_READ_LINES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * The lines of the file at path (a log the test wrote), each ending in a
 * newline; *n set. Caller frees the array and *text.
 */
static inline char **read_lines_of(const char *path, size_t *n, char **text)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char **v;
	size_t k = 0;

	cr_assert_not_null(f);
	cr_assert_eq(fstat(fileno(f), &st), 0);
	*text = calloc(1, (size_t)st.st_size + 1);
	cr_assert_eq(fread(*text, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	v = calloc((size_t)st.st_size + 1, sizeof(*v));
	for (char *p = *text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "every line ends in a newline");
		*nl = '\0';
		v[k++] = p;
	}
	*n = k;
	return v;
}

#endif
