/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mangen: the option lists of pluto(8) and whack(8), written from the
 * programs' own option tables (ctl/pluto_options.c, ctl/proto/whack_opts.c)
 * so that a manual page cannot list an option that does not exist or miss
 * one that does.
 *
 *   mangen pluto|whack TEMPLATE DESCRIPTIONS OUT   write the page
 *   mangen --check pluto|whack DESCRIPTIONS        every option has its text, and
 *                                                  every text names an option
 *   mangen --list pluto|whack                      the option names, one a line
 *
 * TEMPLATE is a roff page in which the line `.\" mangen:synopsis` becomes
 * the synopsis and `.\" mangen:options` the option list. DESCRIPTIONS
 * holds one entry per option: a line "--name" then its roff text up to the
 * next "--" line; "#" lines are comments. What the table knows is added
 * by mangen itself: the value's name, and for pluto whether the option is
 * refused as not supported yet.
 *
 * Writing the page, an option without a description gets "not documented
 * yet" and a warning (the build goes on); --check fails on it (the test
 * man/options, which ctest runs).
 *
 * Exit status: 0, 1 a check failed, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/pluto_options.h"
#include "ctl/proto/whack_opts.h"

enum { MAX_OPTS = 512, LINE_MAX_LEN = 1024 };

/* One option as the table describes it. */
struct opt {
	const char *name;
	const char *arg;	/* NULL: a flag */
	const char *not_yet;	/* pluto: the capability it waits for */
	bool repeatable;
	char *text;		/* from DESCRIPTIONS, or NULL */
	bool used;
};

struct table {
	const char *program;
	struct opt opts[MAX_OPTS];
	size_t n;
};

static int load_table(const char *program, struct table *t)
{
	memset(t, 0, sizeof(*t));
	t->program = program;
	if (strcmp(program, "pluto") == 0) {
		for (size_t i = 0; i < pluto_option_count() && t->n < MAX_OPTS; i++) {
			struct pluto_option_info info;

			if (pluto_option_get(i, &info) < 0)
				break;
			t->opts[t->n++] = (struct opt){ .name = info.name, .arg = info.arg,
							.not_yet = info.not_yet,
							.repeatable = info.repeatable };
		}
		return 0;
	}
	if (strcmp(program, "whack") == 0) {
		for (int i = WO_NONE + 1; i < WO_COUNT && t->n < MAX_OPTS; i++) {
			const char *name = whack_opt_name((enum whack_opt)i);

			if (name != NULL)
				t->opts[t->n++] = (struct opt){ .name = name,
								.arg = whack_opt_arg((enum whack_opt)i) };
		}
		return 0;
	}
	fprintf(stderr, "mangen: unknown program \"%s\": expected pluto or whack\n", program);
	return -EINVAL;
}

static struct opt *find(struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->opts[i].name, name) == 0)
			return &t->opts[i];
	}
	return NULL;
}

static int append(char **text, const char *line)
{
	size_t old = *text ? strlen(*text) : 0;
	char *p = realloc(*text, old + strlen(line) + 1);

	if (p == NULL)
		return -ENOMEM;
	memcpy(p + old, line, strlen(line) + 1);
	*text = p;
	return 0;
}

/*
 * Read DESCRIPTIONS into the table. An entry naming no option is an error
 * ("stray") the check reports; *stray counts them.
 */
static int load_descriptions(const char *path, struct table *t, unsigned *stray)
{
	char line[LINE_MAX_LEN];
	struct opt *cur = NULL;
	bool skipping = false;
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	*stray = 0;
	if (f == NULL) {
		fprintf(stderr, "mangen: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (line[0] == '#')
			continue;
		if (strncmp(line, "--", 2) == 0) {
			char name[128];

			if (sscanf(line + 2, "%127s", name) != 1) {
				fprintf(stderr, "%s:%u: \"--\" without an option name\n", path,
					lineno);
				(*stray)++;
				cur = NULL;
				skipping = true;
				continue;
			}
			cur = find(t, name);
			skipping = cur == NULL;
			if (cur == NULL) {
				fprintf(stderr, "%s:%u: --%s is not a %s option (not in its table)\n",
					path, lineno, name, t->program);
				(*stray)++;
			} else if (cur->text != NULL) {
				fprintf(stderr, "%s:%u: --%s described twice\n", path, lineno, name);
				(*stray)++;
				skipping = true;
				cur = NULL;
			}
			continue;
		}
		if (skipping || cur == NULL)
			continue;
		if (line[0] == '\n' && cur->text == NULL)
			continue;
		if (append(&cur->text, line) < 0) {
			fclose(f);
			return -ENOMEM;
		}
	}
	fclose(f);
	/* a description ends at its last non-blank line */
	for (size_t i = 0; i < t->n; i++) {
		char *s = t->opts[i].text;
		size_t len;

		if (s == NULL)
			continue;
		len = strlen(s);
		while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t'))
			s[--len] = '\0';
		if (len == 0) {
			free(s);
			t->opts[i].text = NULL;
		}
	}
	return 0;
}

/* Text from a table, escaped for roff: hyphens as \-, backslashes doubled. */
static void roff_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void pluto_synopsis(FILE *out, const struct table *t)
{
	fputs(".SY pluto\n", out);
	for (size_t i = 0; i < t->n; i++) {
		const struct opt *o = &t->opts[i];

		fputs(".OP \\-\\-", out);
		roff_escape(out, o->name);
		if (o->arg) {
			fputs(" ", out);
			roff_escape(out, o->arg);
		}
		fputs("\n", out);
	}
	fputs(".YS\n", out);
}

static void emit_line(void *ctx, const char *line)
{
	FILE *out = ctx;

	if (line[0] == '.' || line[0] == '\'')
		fputs("\\&", out);
	roff_escape(out, line);
	fputs("\n", out);
}

static void whack_synopsis(FILE *out)
{
	fputs(".nf\n", out);
	whack_usage(emit_line, out);
	fputs(".fi\n", out);
}

static void options(FILE *out, const struct table *t, const char *program)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct opt *o = &t->opts[i];

		fputs(".TP\n\\fB\\-\\-", out);
		roff_escape(out, o->name);
		fputs("\\fR", out);
		if (o->arg) {
			fputs(" \\fI", out);
			roff_escape(out, o->arg);
			fputs("\\fR", out);
		}
		fputs("\n", out);
		if (o->text) {
			fputs(o->text, out);
			fputs("\n", out);
		} else {
			fputs("Not documented yet.\n", out);
			fprintf(stderr, "mangen: warning: %s option --%s has no description\n",
				program, o->name);
		}
		if (o->repeatable)
			fputs("May be given more than once.\n", out);
		if (o->not_yet) {
			fputs(".IP\n\\fBNot supported yet\\fR: refused, since ", out);
			roff_escape(out, o->not_yet);
			fputs(" have not landed.\n", out);
		}
	}
}

static int generate(struct table *t, const char *template, const char *out_path)
{
	char line[LINE_MAX_LEN];
	char tmp[4096];
	FILE *in, *out;
	int rc = 0;

	in = fopen(template, "r");
	if (in == NULL) {
		fprintf(stderr, "mangen: %s: %s\n", template, strerror(errno));
		return -errno;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= sizeof(tmp)) {
		fclose(in);
		return -ENAMETOOLONG;
	}
	out = fopen(tmp, "w");
	if (out == NULL) {
		fprintf(stderr, "mangen: %s: %s\n", tmp, strerror(errno));
		fclose(in);
		return -errno;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		if (strcmp(line, ".\\\" mangen:synopsis\n") == 0) {
			if (strcmp(t->program, "pluto") == 0)
				pluto_synopsis(out, t);
			else
				whack_synopsis(out);
		} else if (strcmp(line, ".\\\" mangen:options\n") == 0) {
			options(out, t, t->program);
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	if (fclose(out) != 0 || rename(tmp, out_path) < 0) {
		fprintf(stderr, "mangen: %s: %s\n", out_path, strerror(errno));
		rc = -EIO;
	}
	return rc;
}

static int check(struct table *t, unsigned stray, const char *descriptions)
{
	unsigned missing = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->opts[i].text == NULL) {
			fprintf(stderr, "%s: %s option --%s has no description: add a \"--%s\" "
				"entry\n", descriptions, t->program, t->opts[i].name,
				t->opts[i].name);
			missing++;
		}
	}
	if (missing || stray) {
		fprintf(stderr, "mangen: %s: %u option(s) undocumented, %u stray entr%s\n",
			descriptions, missing, stray, stray == 1 ? "y" : "ies");
		return 1;
	}
	printf("%s: all %zu %s options documented\n", descriptions, t->n, t->program);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: mangen pluto|whack TEMPLATE DESCRIPTIONS OUT\n"
			"       mangen --check pluto|whack DESCRIPTIONS\n"
			"       mangen --list pluto|whack\n");
}

int main(int argc, char **argv)
{
	static struct table t;
	unsigned stray = 0;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--list") == 0) {
		if (load_table(argv[2], &t) < 0)
			return 2;
		for (size_t i = 0; i < t.n; i++)
			printf("--%s\n", t.opts[i].name);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--check") == 0) {
		if (load_table(argv[2], &t) < 0 || load_descriptions(argv[3], &t, &stray) < 0)
			return 2;
		return check(&t, stray, argv[3]);
	}
	if (argc != 5) {
		usage();
		return 2;
	}
	if (load_table(argv[1], &t) < 0 || load_descriptions(argv[3], &t, &stray) < 0)
		return 2;
	rc = generate(&t, argv[2], argv[4]);
	return rc < 0 ? 2 : 0;
}
