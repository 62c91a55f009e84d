/* SPDX-License-Identifier: BSD-2-Clause */
/* The reader: sections, settings, quoting, comments, includes, and errors with file:line. */
#include "conf_test.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/skua-conf-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void read_path(struct parsed *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	conf_diag_init(&p->d);
	p->rc = conf_file_read(&p->f, path, &p->d);
	if (p->rc == 0)
		p->rc = conf_conns_build(&p->f, &fake_env, &p->set, &p->d);
}

static const struct conf_kv *kv_of(const struct conf_section *s, const char *key)
{
	for (size_t i = 0; i < s->nkv; i++) {
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	}
	return NULL;
}

Test(config_file, sections_settings_quotes_comments)
{
	struct parsed p;
	const struct conf_section *s;

	parse_text(&p, "# comment\n"
		       "version 2.0\n"
		       "\n"
		       "config setup # trailing comment\n"
		       "\tlogfile = \"/var/log/a b.log\"   # quoted, spaces around =\n"
		       "  \t# an indented comment\n"
		       "\tplutodebug=\"base crypt\"\n"
		       "\tikeport=\n"
		       "conn a\r\n"
		       "\tleft=192.0.2.1#comment right after the value\r\n"
		       "\tright=192.0.2.2\n"
		       "\tauthby=secret\n"
		       "\tleftid=\"@with#hash\"\n");
	cr_assert_eq(p.rc, 0);
	cr_assert_eq(p.f.nsec, 2);
	s = conf_file_setup(&p.f);
	cr_assert_not_null(s);
	cr_assert_str_eq(kv_of(s, "logfile")->value, "/var/log/a b.log");
	cr_assert_eq(kv_of(s, "logfile")->line, 5);
	cr_assert_str_eq(kv_of(s, "plutodebug")->value, "base crypt");
	cr_assert_str_eq(kv_of(s, "ikeport")->value, "");
	s = conf_file_conn(&p.f, "a");
	cr_assert_str_eq(kv_of(s, "left")->value, "192.0.2.1");
	cr_assert_str_eq(kv_of(s, "leftid")->value, "@with#hash");
	cr_assert_eq(s->line, 9);
	cr_assert(conn_of(&p, "a")->ok);
	parsed_fini(&p);
}

Test(config_file, syntax_errors_name_the_line)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *msg;
	} cases[] = {
		{"config setup\n\tikeport\n", 2, "'ikeport' without '='"},
		{"config setup\n\tikeport=1 2\n", 2, "unexpected '2' after the value"},
		{"config setup\n\tlogfile=\"/tmp/x\n", 2, "unterminated quoted value"},
		{"config setup\n\tlogfile=a\"b\"\n", 2, "'\"' inside a value"},
		{"config setup\nikeport=500\n", 2, "at column 0"},
		{"\tikeport=500\n", 1, "outside any section"},
		{"# c\nconfig other\n", 2, "expected config setup"},
		{"config setup\n\nconfig setup\n", 3,
		 "second config setup section (first at t.conf:1)"},
		{"conn\n", 1, "conn needs a name"},
		{"conn a b\n", 1, "expected a section header of two words"},
		{"conn bad/name\n", 1, "not a usable connection name"},
		{"conn a\nconn a\n", 2, "conn a defined twice (first at t.conf:1)"},
		{"conn a\n\tleft=1\n\tleft=2\n", 3,
		 "left given twice in conn a (first at t.conf:2)"},
		{"version 3\n", 1, "expected version 2"},
		{"config setup\n\t=5\n", 2, "expected key=value"},
		{"conn a\n\tle!ft=5\n", 2, "without '='"},
	};
	char all[1024], want[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p;

		parse_text(&p, cases[i].text);
		cr_assert_eq(p.rc, -EINVAL, "case %zu accepted", i);
		snprintf(want, sizeof(want), "t.conf:%u: ", cases[i].line);
		cr_assert(diag_has(&p.d, CONF_ERROR, want), "case %zu: %s", i,
			  diag_all(&p.d, all, sizeof(all)));
		cr_assert(diag_has(&p.d, CONF_ERROR, cases[i].msg), "case %zu: %s", i,
			  diag_all(&p.d, all, sizeof(all)));
		cr_assert_eq(p.d.errors, 1, "one error stops the reading: %s", all);
		parsed_fini(&p);
	}
}

Test(config_file, nul_byte_refused)
{
	static const char text[] = "conn a\n\tleft=1\0\n";
	struct parsed p;

	memset(&p, 0, sizeof(p));
	conf_diag_init(&p.d);
	p.rc = conf_file_read_mem(&p.f, "t.conf", text, sizeof(text) - 1, &p.d);
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:2: syntax error: NUL byte"));
	parsed_fini(&p);
}

Test(config_file, long_line_refused)
{
	struct parsed p;
	size_t n = CONF_LINE_MAX + 20;
	char *text = malloc(n + 1);

	memset(text, 'a', n);
	memcpy(text, "conn a\n\tleft=", 13);
	text[n] = '\0';
	parse_text(&p, text);
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:2: line of"));
	parsed_fini(&p);
	free(text);
}

Test(config_file, includes_relative_globs_nested, .init = setup, .fini = teardown)
{
	struct parsed p;
	char path[256], sub[256], all[2048];

	snprintf(sub, sizeof(sub), "%s/ipsec.d", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	write_file("ipsec.conf",
		   "config setup\n\tikeport=500\n"
		   "include ipsec.d/*.conf\n"
		   "include ipsec.d/none-*.conf\n" /* a pattern may match nothing */
		   "conn main\n\talso=from-b\n\tauto=add\n",
		   path, sizeof(path));
	write_file("ipsec.d/a.conf",
		   "conn from-a\n\tleft=192.0.2.1\n\tright=192.0.2.2\n"
		   "\tauthby=secret\n"
		   "include deeper/c.secrets-like\n",
		   sub, sizeof(sub));
	write_file("ipsec.d/b.conf", "conn from-b\n\talso=from-a\n", sub, sizeof(sub));
	snprintf(sub, sizeof(sub), "%s/ipsec.d/deeper", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	write_file("ipsec.d/deeper/c.secrets-like", "conn from-c\n\talso=from-a\n", sub,
		   sizeof(sub));
	read_path(&p, path);
	cr_assert_eq(p.rc, 0, "%s", diag_all(&p.d, all, sizeof(all)));
	cr_assert(conn_of(&p, "main")->ok);
	cr_assert_str_eq(opt_value(conn_of(&p, "main"), WO_HOST, WHACK_END_LEFT), "192.0.2.1");
	cr_assert(conn_of(&p, "from-c")->ok, "includes nest, relative to the including file");
	/* Sections after an include belong to the includer again. */
	cr_assert_str_eq(conn_of(&p, "main")->file, path);
	cr_assert_eq(conn_of(&p, "main")->line, 5);
	parsed_fini(&p);
}

Test(config_file, include_errors_name_file_and_line, .init = setup, .fini = teardown)
{
	struct parsed p;
	char path[256], inc[256], want[512], all[2048];

	/* An error inside an included file names that file. */
	write_file("inc.conf", "conn x\n\tleft=192.0.2.1\n\tbroken line\n", inc, sizeof(inc));
	write_file("main.conf", "include inc.conf\n", path, sizeof(path));
	read_path(&p, path);
	cr_assert_eq(p.rc, -EINVAL);
	snprintf(want, sizeof(want), "%s:3: syntax error", inc);
	cr_assert(diag_has(&p.d, CONF_ERROR, want), "%s", diag_all(&p.d, all, sizeof(all)));
	parsed_fini(&p);

	/* A plain name must exist. */
	write_file("main.conf", "\ninclude missing.conf\n", path, sizeof(path));
	read_path(&p, path);
	cr_assert_eq(p.rc, -EINVAL);
	snprintf(want, sizeof(want), "%s:2: include missing.conf: ", path);
	cr_assert(diag_has(&p.d, CONF_ERROR, want), "%s", diag_all(&p.d, all, sizeof(all)));
	cr_assert(diag_has(&p.d, CONF_ERROR, "no such file"));
	parsed_fini(&p);

	/* A loop is stopped by the depth limit. */
	write_file("loop.conf", "include loop.conf\n", path, sizeof(path));
	read_path(&p, path);
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR, "nested more than 8 deep: expected no include loop"));
	parsed_fini(&p);

	/* An indented line right after an include belongs to no section. */
	write_file("inc.conf", "conn x\n\tleft=192.0.2.1\n", inc, sizeof(inc));
	write_file("main.conf", "include inc.conf\n\tright=192.0.2.2\n", path, sizeof(path));
	read_path(&p, path);
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR, "outside any section"));
	parsed_fini(&p);
}

Test(config_file, unreadable_and_special_files, .init = setup, .fini = teardown)
{
	struct parsed p;

	read_path(&p, "/nonexistent-skua/ipsec.conf");
	cr_assert_eq(p.rc, -ENOENT);
	cr_assert(diag_has(&p.d, CONF_ERROR,
			   "/nonexistent-skua/ipsec.conf: No such file or "
			   "directory: expected a readable ipsec.conf"));
	parsed_fini(&p);

	read_path(&p, "/dev/null");
	cr_assert_eq(p.rc, 0, "an empty configuration is a configuration");
	cr_assert_eq(p.set.n, 0);
	parsed_fini(&p);

	read_path(&p, dir);
	cr_assert_lt(p.rc, 0, "a directory is not a file");
	parsed_fini(&p);
}

Test(config_file, no_include_flag)
{
	struct parsed p;

	memset(&p, 0, sizeof(p));
	conf_diag_init(&p.d);
	p.f.no_include = true;
	p.rc = conf_file_read_mem(&p.f, "t.conf", "include /etc/*\n", 15, &p.d);
	cr_assert_eq(p.rc, -EINVAL);
	cr_assert(diag_has(&p.d, CONF_ERROR, "t.conf:1: include /etc/*: includes are not allowed"));
	parsed_fini(&p);
}

Test(config_file, ca_sections_are_reported_not_used)
{
	struct parsed p;
	struct pluto_options o;

	pluto_options_init(&o);
	parse_text(&p, "ca mine\n\tcacert=a.pem\n");
	cr_assert_eq(p.rc, 0);
	cr_assert_eq(conf_setup_apply(&p.f, &o, &p.d), 0);
	cr_assert(diag_has(&p.d, CONF_WARNING,
			   "t.conf:1: warning: ca mine: certificate authority "
			   "sections are not used"));
	parsed_fini(&p);
	pluto_options_fini(&o);
}
