/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * addconn: load connections of an ipsec.conf into a running pluto, as
 * libreswan's ipsec_addconn(8) does ("ipsec addconn", and "ipsec auto
 * --add"). It reads the file with pluto's own reader (ctl/config_*.h), so
 * a conn means here exactly what it means to pluto --config, and sends
 * each as the whack connection form through the whack client.
 *
 *   addconn [--config FILE] [--ctlsocket PATH | --rundir DIR] NAME...
 *           add (replace) the named conns (or connalias= names), whatever auto= says
 *   addconn ... --autoall
 *           add every conn with auto=add|ondemand|start, listen, route the
 *           auto=ondemand ones, initiate the auto=start ones (asynchronously)
 *   addconn ... --checkconfig
 *           parse only: exit 0, or 1 with file:line errors on stderr
 *   addconn ... --listall|--listadd|--listroute|--liststart|--listignore
 *   addconn ... --configsetup [--noexport] [--varprefix P] | --liststack
 *
 * Exit status (libreswan's): 0 all done; 1 a connection could not be
 * loaded or pluto refused a request; 3 the configuration cannot be read
 * (or the socket did not appear in time for --autoall); 10 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/config_conn.h"
#include "ctl/config_file.h"
#include "ctl/config_setup.h"
#include "ctl/proto/whack_client.h"
#include "ctl/proto/whack_opts.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_CONFIG = 3,
	EXIT_USAGE = 10,
	SOCKET_WAIT_S = 5, /* --autoall: pluto may still be creating its socket */
};

#define DEFAULT_CONFIG	  "/etc/ipsec.conf"
#define DEFAULT_CTLSOCKET "/run/pluto/pluto.ctl"

static const char usage_text[] =
	"Usage: addconn [--config file] [--ctlsocket socketfile | --rundir dir] [--verbose]\n"
	"               names... | --autoall | --checkconfig\n"
	"       addconn [--config file] --listall | --listadd | --listroute | --liststart |\n"
	"               --listignore\n"
	"       addconn [--config file] --configsetup [--noexport] [--varprefix prefix] |\n"
	"               --liststack\n";

struct addconn {
	const char *config;
	char ctlsocket[256];
	bool verbose;
	bool failed;
};

static void print_line(void *ctx, unsigned rc, const char *text)
{
	(void)ctx;
	printf("%03u %s\n", rc, text);
	fflush(stdout);
}

/* One request to pluto; a refusal or an unreachable pluto marks the run failed. */
static void send_cmd(struct addconn *a, const struct whack_cmd *cmd)
{
	char err[512];
	int status = whack_client_send(a->ctlsocket, cmd, print_line, NULL, NULL, err,
				       sizeof(err));

	if (status < 0)
		fprintf(stderr, "addconn: %s\n", err);
	if (status != 0)
		a->failed = true;
}

/* --name N plus one flag (--route, --initiate --asynchronous) or --listen alone. */
static void send_form(struct addconn *a, const char *name, enum whack_opt opt, enum whack_op op,
		      bool async)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));

	if (!cmd || (name && whack_cmd_add(cmd, WO_NAME, WHACK_END_NONE, name) < 0) ||
	    whack_cmd_add(cmd, (uint16_t)opt, WHACK_END_NONE, "") < 0 ||
	    (async && whack_cmd_add(cmd, WO_ASYNCHRONOUS, WHACK_END_NONE, "") < 0)) {
		fprintf(stderr, "addconn: out of memory\n");
		a->failed = true;
	} else {
		cmd->ops = 1ull << op;
		send_cmd(a, cmd);
	}
	if (cmd)
		whack_cmd_fini(cmd);
	free(cmd);
}

static void print_diag(const struct conf_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->v[i].text);
}

/* Add (replacing) one conn, as "ipsec auto --add" does. */
static void add_conn(struct addconn *a, const struct conf_conn *c)
{
	struct whack_cmd *cmd;
	bool failed;

	print_diag(&c->diag);
	if (!c->ok) {
		fprintf(stderr, "addconn: conn %s: not loaded\n", c->name);
		a->failed = true;
		return;
	}
	if (a->verbose)
		printf("loading conn %s (%s:%u)\n", c->name, c->file, c->line);
	cmd = calloc(1, sizeof(*cmd));
	if (!cmd || c->cmd->nopts >= WHACK_MAX_OPTS) {
		fprintf(stderr, "addconn: conn %s: out of memory\n", c->name);
		a->failed = true;
		free(cmd);
		return;
	}
	*cmd = *c->cmd; /* the values are borrowed from c: freed with it, not here */
	/* --delete in the connection form: replace, silently when there was none. */
	cmd->opts[cmd->nopts++] =
		(struct whack_optval){.id = WO_DELETE, .end = WHACK_END_NONE, .value = ""};
	failed = a->failed;
	a->failed = false;
	send_cmd(a, cmd);
	free(cmd);
	/* leftrsasigkey=/rightrsasigkey=: the public key forms, once the connection is in */
	for (int end = 0; !a->failed && end < 2; end++) {
		if (c->keys[end])
			send_cmd(a, c->keys[end]);
	}
	a->failed |= failed;
}

static bool socket_appears(const char *path)
{
	struct stat st;

	for (int i = 0; i < SOCKET_WAIT_S * 10; i++) {
		if (stat(path, &st) == 0)
			return true;
		usleep(100000);
	}
	return false;
}

static void autoall(struct addconn *a, const struct conf_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i].autostart != CONF_AUTO_IGNORE)
			add_conn(a, &set->v[i]);
	}
	send_form(a, NULL, WO_LISTEN, WOP_LISTEN, false);
	/* Routes first (quick), then the initiations, as libreswan's addconn does. */
	for (size_t i = 0; i < set->n; i++) {
		const struct conf_conn *c = &set->v[i];
		if (c->ok && (c->autostart == CONF_AUTO_ONDEMAND ||
			      (c->shunt && c->autostart == CONF_AUTO_START)))
			send_form(a, c->name, WO_ROUTE, WOP_ROUTE, false);
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct conf_conn *c = &set->v[i];
		if (c->ok && !c->shunt && c->autostart == CONF_AUTO_START)
			send_form(a, c->name, WO_INITIATE, WOP_INITIATE, true);
	}
}

/* --checkconfig: what pluto --config would refuse or skip. */
static int checkconfig(const struct conf_set *set)
{
	int status = EXIT_OK;

	for (size_t i = 0; i < set->n; i++) {
		const struct conf_conn *c = &set->v[i];
		if (c->autostart == CONF_AUTO_IGNORE)
			continue;
		print_diag(&c->diag);
		if (!c->ok)
			status = EXIT_FAILED;
	}
	return status;
}

static void list(const struct conf_set *set, bool all, int want1, int want2)
{
	for (size_t i = 0; i < set->n; i++) {
		int at = (int)set->v[i].autostart;
		if (all || at == want1 || at == want2)
			printf("%s ", set->v[i].name);
	}
	printf("\n");
}

/* --configsetup: the config setup section as shell assignments. */
static void configsetup(const struct addconn *a, const struct conf_file *f, const char *export,
			const char *prefix)
{
	const struct conf_section *s = conf_file_setup(f);

	printf("%s%s%sconfreadstatus=''\n", export, *export ? " " : "", prefix);
	printf("%s%sconfigfile='%s'\n", export, *export ? " " : "", a->config);
	printf("%s%sctlsocket='%s'\n", export, *export ? " " : "", a->ctlsocket);
	for (size_t i = 0; s && i < s->nkv; i++) {
		const struct conf_kv *kv = &s->kv[i];
		printf("%s%s%s", export, *export ? " " : "", prefix);
		for (const char *k = kv->key; *k; k++)
			putchar(*k == '-' ? '_' : *k);
		putchar('=');
		putchar('\'');
		for (const char *v = kv->value; *v; v++) {
			if (*v == '\'')
				fputs("'\\''", stdout);
			else
				putchar(*v);
		}
		puts("'");
	}
}

static void liststack(const struct pluto_options *o)
{
	puts(o->protostack == PROTOSTACK_NONE	   ? "none"
	     : o->protostack == PROTOSTACK_BSDKAME ? "bsd"
						   : "xfrm");
}

int main(int argc, char **argv)
{
	enum {
		O_CONFIG = 256,
		O_CTLSOCKET,
		O_RUNDIR,
		O_AUTOALL,
		O_CHECKCONFIG,
		O_LISTALL,
		O_LISTADD,
		O_LISTROUTE,
		O_LISTSTART,
		O_LISTIGNORE,
		O_CONFIGSETUP,
		O_LISTSTACK,
		O_NOEXPORT,
		O_VARPREFIX,
		O_VERBOSE,
		O_HELP,
		O_OBSOLETE,
	};
	static const struct option longopts[] = {
		{"config", required_argument, NULL, O_CONFIG},
		{"ctlsocket", required_argument, NULL, O_CTLSOCKET},
		{"ctlbase", required_argument, NULL, O_CTLSOCKET}, /* libreswan's old name */
		{"rundir", required_argument, NULL, O_RUNDIR},
		{"autoall", no_argument, NULL, O_AUTOALL},
		{"addall", no_argument, NULL, O_AUTOALL},
		{"checkconfig", no_argument, NULL, O_CHECKCONFIG},
		{"listall", no_argument, NULL, O_LISTALL},
		{"listadd", no_argument, NULL, O_LISTADD},
		{"listroute", no_argument, NULL, O_LISTROUTE},
		{"liststart", no_argument, NULL, O_LISTSTART},
		{"listignore", no_argument, NULL, O_LISTIGNORE},
		{"configsetup", no_argument, NULL, O_CONFIGSETUP},
		{"liststack", no_argument, NULL, O_LISTSTACK},
		{"noexport", no_argument, NULL, O_NOEXPORT},
		{"varprefix", required_argument, NULL, O_VARPREFIX},
		{"verbose", no_argument, NULL, O_VERBOSE},
		{"debug", no_argument, NULL, O_VERBOSE},
		{"help", no_argument, NULL, O_HELP},
		/* obsolete in libreswan too: accepted with a warning */
		{"defaultroute", required_argument, NULL, O_OBSOLETE},
		{"defaultroutenexthop", required_argument, NULL, O_OBSOLETE},
		{NULL, 0, NULL, 0},
	};
	struct addconn a = {.config = DEFAULT_CONFIG};
	bool do_autoall = false, do_check = false, do_setup = false, do_stack = false;
	bool lall = false, ladd = false, lroute = false, lstart = false, lignore = false;
	const char *export = "export", *prefix = "", *sock = NULL;
	struct conf_file f = {0};
	struct conf_set set = {0};
	struct pluto_options opts;
	struct conf_diag d;
	int opt, rc, status = EXIT_OK;

	signal(SIGPIPE, SIG_IGN);
	snprintf(a.ctlsocket, sizeof(a.ctlsocket), "%s", DEFAULT_CTLSOCKET);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case O_CONFIG:
			a.config = optarg;
			break;
		case O_CTLSOCKET:
		case O_RUNDIR:
			if (sock) {
				fprintf(stderr,
					"addconn: --%s: use either --ctlsocket or --rundir, "
					"not both\n",
					opt == O_RUNDIR ? "rundir" : "ctlsocket");
				return EXIT_USAGE;
			}
			sock = optarg;
			if ((size_t)snprintf(a.ctlsocket, sizeof(a.ctlsocket), "%s%s", optarg,
					     opt == O_RUNDIR ? "/pluto.ctl" : "") >=
			    sizeof(a.ctlsocket)) {
				fprintf(stderr, "addconn: %s: socket path too long\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_AUTOALL:
			do_autoall = true;
			break;
		case O_CHECKCONFIG:
			do_check = true;
			break;
		case O_LISTALL:
			lall = true;
			break;
		case O_LISTADD:
			ladd = true;
			break;
		case O_LISTROUTE:
			lroute = true;
			break;
		case O_LISTSTART:
			lstart = true;
			break;
		case O_LISTIGNORE:
			lignore = true;
			break;
		case O_CONFIGSETUP:
			do_setup = true;
			break;
		case O_LISTSTACK:
			do_stack = true;
			break;
		case O_NOEXPORT:
			export = "";
			break;
		case O_VARPREFIX:
			prefix = optarg;
			break;
		case O_VERBOSE:
			a.verbose = true;
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			return EXIT_OK;
		case O_OBSOLETE:
			fprintf(stderr,
				"addconn: warning: --defaultroute and --defaultroutenexthop "
				"are obsolete and ignored (%%defaultroute is read from the routing "
				"table)\n");
			break;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	bool listing = lall || ladd || lroute || lstart || lignore;
	if (optind == argc && !do_autoall && !do_check && !listing && !do_setup && !do_stack) {
		fputs("addconn: nothing to do: expected connection names, --autoall, --checkconfig"
		      " or a listing\n",
		      stderr);
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (optind < argc && (do_autoall || do_check)) {
		fprintf(stderr,
			"addconn: connection names and --%s together: expected one or the "
			"other\n",
			do_autoall ? "autoall" : "checkconfig");
		return EXIT_USAGE;
	}

	conf_diag_init(&d);
	pluto_options_init(&opts);
	if (a.verbose)
		printf("opening file: %s\n", a.config);
	rc = conf_file_read(&f, a.config, &d);
	if (rc == 0)
		rc = conf_setup_apply(&f, &opts, &d);
	if (rc == 0 && !do_setup && !do_stack)
		rc = conf_conns_build(&f, &conf_env_system, &set, &d);
	print_diag(&d);
	if (rc < 0) {
		fprintf(stderr, "addconn: cannot load config '%s'\n", a.config);
		status = do_check ? EXIT_FAILED : EXIT_CONFIG;
		goto out;
	}
	if (do_check) {
		status = checkconfig(&set);
		goto out;
	}
	if (do_setup) {
		configsetup(&a, &f, export, prefix);
		goto out;
	}
	if (do_stack) {
		liststack(&opts);
		goto out;
	}
	if (do_autoall) {
		if (!socket_appears(a.ctlsocket)) {
			fprintf(stderr, "addconn: timeout waiting on pluto socket %s - aborted\n",
				a.ctlsocket);
			status = EXIT_CONFIG;
			goto out;
		}
		autoall(&a, &set);
	}
	for (int i = optind; i < argc; i++) {
		const struct conf_conn *c = conf_set_find(&set, argv[i]);
		if (!c) {
			fprintf(stderr, "addconn: conn '%s': not found (tried aliases)\n", argv[i]);
			a.failed = true;
			continue;
		}
		add_conn(&a, c);
	}
	if (lall)
		list(&set, true, -1, -1);
	if (ladd)
		list(&set, false, CONF_AUTO_ADD, -1);
	if (lroute)
		list(&set, false, CONF_AUTO_ONDEMAND, CONF_AUTO_START);
	if (lstart && !lroute)
		list(&set, false, CONF_AUTO_START, -1);
	if (lignore)
		list(&set, false, CONF_AUTO_IGNORE, -1);
	status = a.failed ? EXIT_FAILED : EXIT_OK;
out:
	conf_set_fini(&set);
	conf_file_fini(&f);
	conf_diag_fini(&d);
	pluto_options_fini(&opts);
	fflush(stdout);
	return status;
}
