/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * whack: parse the command line, send one request to pluto over its UNIX
 * socket, print the reply lines ("NNN text") until pluto closes the
 * stream, and exit with the status the manual's EXIT STATUS describes.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "ctl/proto/whack_client.h"
#include "ctl/proto/whack_opts.h"
#include "ctl/proto/whack_proto.h"
#include "util/log.h"
#include "util/paths.h"


static const char *label;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A whack-detected problem: "[label ]whack: ..." on stderr. */
static void problem(const char *fmt, ...)
{
	va_list ap;

	if (label)
		fprintf(stderr, "%s ", label);
	fputs("whack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void emit_stdout(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

static void debug_help(void)
{
	printf("debug classes (--debug class, --debug no-class, --no-debug class):\n");
	printf("  %-12s %s\n", "none", "turn every class off");
	printf("  %-12s %s\n", "all", "turn every class on");
	for (unsigned i = 0; i < DBG_CLASS_COUNT; i++)
		printf("  %-12s %s\n", debug_class_name(i), debug_class_help(i));
}

/* One reply line as the manual shows it: "NNN text", after the --label. */
static void print_line(void *ctx, unsigned rc, const char *text)
{
	(void)ctx;
	if (label)
		printf("%s ", label);
	printf("%03u %s\n", rc, text);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct whack_cmd cmd;
	struct whack_target target;
	char err[512];
	int status = 1;

	/* A pluto that goes away mid-send is an error to report, not a signal to die of. */
	signal(SIGPIPE, SIG_IGN);

	if (whack_args_parse(argc, argv, &cmd, &target, err, sizeof(err)) < 0) {
		label = target.label;
		problem("%s", err);
		return 1;
	}
	label = target.label;
	if (target.help) {
		whack_usage(emit_stdout, NULL);
		status = 0;
		goto out;
	}
	if (target.version) {
		printf("whack (Skua) %s\n", paths_version());
		status = 0;
		goto out;
	}
	if (target.debug_help) {
		debug_help();
		status = 0;
		goto out;
	}

	status = whack_client_send(target.ctlsocket, &cmd, print_line, NULL, err, sizeof(err));
	if (status < 0) {
		problem("%s", err);
		status = 1;
	}
out:
	whack_cmd_fini(&cmd);
	fflush(stdout);
	return status;
}
