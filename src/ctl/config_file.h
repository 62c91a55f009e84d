/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CONFIG_FILE_H
#define SKUA_CTL_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/config_diag.h"

/*
 * The syntax of an ipsec.conf (libreswan's ipsec.conf(5)), read into its
 * sections without interpreting a single keyword: the one reader pluto
 * --config, addconn and the tests share.
 *
 *   version 2                      accepted, ignored
 *   include PATTERN                every file the glob matches, relative to the
 *                                  including file's directory, read in place; at
 *                                  most CONF_INCLUDE_DEPTH levels deep
 *   config setup                   a section header starts at column 0
 *   conn NAME | conn %default
 *   ca NAME                        read and reported as not used (certificates)
 *   <white space>key=value         a setting belongs to the section above it;
 *                                  white space may surround '='; a value with
 *                                  white space is "double quoted"; key= (empty)
 *                                  means the default
 *   # comment                      outside quotes, to the end of the line
 *
 * Keys are compared without regard to case and stored in lower case. A key
 * given twice in one section is an error (also= may repeat). Any error
 * stops the reading: the file is malformed and nothing of it may be used.
 */

enum {
	CONF_INCLUDE_DEPTH = 8,
	CONF_FILE_MAX = 16 << 20, /* bytes of one file */
	CONF_LINE_MAX = 8192,	  /* bytes of one line */
	CONF_KEY_MAX = 64,
	CONF_SECTIONS_MAX = 20000, /* sections of a whole configuration */
};

/* One key=value line. */
struct conf_kv {
	char *key;	  /* lower case */
	char *value;	  /* "" for key= */
	const char *file; /* one of conf_file.files */
	unsigned line;
};

enum conf_section_kind { CONF_SEC_SETUP, CONF_SEC_CONN, CONF_SEC_CA };

struct conf_section {
	enum conf_section_kind kind;
	char *name; /* "setup", a conn name, "%default", a ca name */
	const char *file;
	unsigned line;
	struct conf_kv *kv;
	size_t nkv, cap;
};

/*
 * A whole configuration: every section in reading order, includes inlined.
 * Owner: the caller; conf_file_fini() frees it.
 */
struct conf_file {
	struct conf_section *sec;
	size_t nsec, cap;
	char **files; /* the names of the files read (conf_kv.file points here) */
	size_t nfiles, fcap;
	bool no_include; /* set before reading: include is refused (the fuzzer) */
};

/*
 * Read path (and what it includes) into f, which must be zeroed (or only
 * have no_include set). Returns 0, or -EINVAL (malformed: d holds one
 * CONF_ERROR line naming file and line), -ENOENT / -EACCES / -EIO (path
 * itself cannot be read: d says so), -ENOMEM. f must be conf_file_fini()ed
 * whatever the result. Context: any thread; blocks on file I/O.
 */
int conf_file_read(struct conf_file *f, const char *path, struct conf_diag *d);

/* The same from a buffer (len bytes, NUL not needed) named name in messages. */
int conf_file_read_mem(struct conf_file *f, const char *name, const char *text, size_t len,
		       struct conf_diag *d);

void conf_file_fini(struct conf_file *f);

/* The config setup section, or NULL. */
const struct conf_section *conf_file_setup(const struct conf_file *f);

/* The conn section named name (not %default), or NULL. */
const struct conf_section *conf_file_conn(const struct conf_file *f, const char *name);

#endif
