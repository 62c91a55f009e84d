/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * whack: parse the command line, send one request to pluto over its UNIX
 * socket, print the reply lines ("NNN text") until pluto closes the
 * stream, and exit with the status the manual's EXIT STATUS describes.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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

/*
 * One reply line as the manual shows it: "NNN text", after the --label;
 * RC_RAW lines without the code, as libreswan prints --globalstatus.
 */
static void print_line(void *ctx, unsigned rc, const char *text)
{
	(void)ctx;
	if (label)
		printf("%s ", label);
	if (rc == RC_RAW)
		printf("%s\n", text);
	else
		printf("%03u %s\n", rc, text);
	fflush(stdout);
}

/*
 * Pluto's prompt (041: the XAUTH user name, 040: its password): one line
 * from standard input, as libreswan's whack reads it. On a terminal the
 * password is read without echo; from a pipe or file a plain line (tests
 * answer that way). The newline is dropped; an empty answer or the end of
 * input is no answer (pluto then gives up).
 */
static int read_answer(void *ctx, unsigned rc, char *answer, size_t cap)
{
	bool secret = rc == RC_ENTERSECRET;
	bool tty = isatty(STDIN_FILENO);
	struct termios old, noecho;
	bool restore = false;
	size_t n;
	char *ok;

	(void)ctx;
	if (tty) {
		fputs(secret ? "Enter passphrase: " : "Enter username:   ", stderr);
		fflush(stderr);
	}
	if (tty && secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		noecho.c_lflag |= ECHONL;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) == 0;
	}
	ok = fgets(answer, (int)cap, stdin);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (!ok) {
		problem("cannot read the %s from standard input", secret ? "password" : "user name");
		return -1;
	}
	n = strcspn(answer, "\r\n");
	if (answer[n] == '\0' && n + 1 == cap) {
		explicit_bzero(answer, cap);
		problem("the %s is longer than %zu bytes", secret ? "password" : "user name", cap - 2);
		return -1;
	}
	answer[n] = '\0';
	if (n == 0) {
		problem("the %s is empty", secret ? "password" : "user name");
		return -1;
	}
	return 0;
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

	status = whack_client_send(target.ctlsocket, &cmd, print_line, read_answer, NULL, err,
				   sizeof(err));
	if (status < 0) {
		problem("%s", err);
		status = 1;
	}
out:
	whack_cmd_fini(&cmd);
	fflush(stdout);
	return status;
}
