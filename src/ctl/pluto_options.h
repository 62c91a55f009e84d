/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_PLUTO_OPTIONS_H
#define SKUA_CTL_PLUTO_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/log.h"

/*
 * pluto's settings: the command line of the manual's SYNOPSIS, and the
 * "config setup" section of an ipsec.conf given with --config (the
 * command line wins where both set something).
 *
 * Owner: main(); read-only once the daemon runs (any thread may read).
 */

enum protostack {
	PROTOSTACK_NETKEY,	/* XFRM netlink: the default on Linux */
	PROTOSTACK_BSDKAME,	/* PF_KEY v2 */
	PROTOSTACK_NONE,	/* no kernel: --use-none / --use-nostack / protostack=none */
};

#define PLUTO_MAX_INTERFACES 32

struct pluto_options {
	/* files and directories */
	char rundir[PATH_MAX];		/* default /run/pluto */
	char ctlbase[PATH_MAX];		/* --ctlbase: <ctlbase>.ctl, <ctlbase>.pid */
	char ctlsocket[PATH_MAX];	/* derived: <ctlbase>.ctl or <rundir>/pluto.ctl */
	char pidfile[PATH_MAX];		/* derived: <ctlbase>.pid or <rundir>/pluto.pid */
	char config[PATH_MAX];		/* --config, "" when not given */
	char secretsfile[PATH_MAX];	/* default /etc/ipsec.secrets (a glob) */
	char ipsecdir[PATH_MAX];	/* default /etc/ipsec.d */
	char nssdir[PATH_MAX];		/* default /var/lib/ipsec/nss */
	char coredir[PATH_MAX];		/* "" : current directory */
	char statsbin[PATH_MAX];	/* "" : none */
	char logfile[PATH_MAX];		/* --logfile, "" when not given */

	/* logging */
	struct log_config log;		/* dest, no_time, truncate, no_ip, no_audit */
	uint32_t debug_mask;		/* --debug classes */

	/* daemon */
	bool nofork;
	bool leak_detective;
	bool efence_protect;

	/* kernel */
	enum protostack protostack;

	/* IKE behaviour */
	bool uniqueids;			/* default yes (libreswan's default) */
	bool force_busy;
	uint8_t ikev1_policy;		/* ikev1-policy=: enum ike_v1_policy, default drop */
	bool crl_strict;
	uint32_t crlcheckinterval;	/* seconds, 0: never */
	uint32_t keep_alive;		/* NAT-T keep-alive delay, seconds; default 20 */
	uint8_t ike_window;		/* --ike-window: IKEv2 SET_WINDOW_SIZE we announce; 0/1: none */
	char *virtual_private;		/* --virtual-private, owned, or NULL */
	char *vendorid;			/* --vendorid, owned, or NULL */
	/* DDoS protection (libreswan's config setup keys and pluto options) */
	int ddos_mode;			/* ddos-mode=: 0 auto, 1 busy, 2 unlimited */
	uint32_t ddos_ike_threshold;	/* --ddos-ike-threshold: half-open SAs before cookies */
	uint32_t max_halfopen_ike;	/* --max-halfopen-ike: half-open SAs before dropping */
	/* IKEv2 redirect (RFC 5685) */
	int global_redirect;		/* --global-redirect: 0 no, 1 yes, 2 auto */
	char *global_redirect_to;	/* --global-redirect-to, owned, or NULL */

	/* sockets */
	char interfaces[PLUTO_MAX_INTERFACES][16];	/* --interface, repeatable */
	size_t ninterfaces;
	bool has_listen;
	struct ip_addr listen;		/* --listen: the single address */
	uint16_t ikeport;		/* default 500 */
	uint16_t natikeport;		/* default 4500 */

	/* workers and crypto */
	int nhelpers;			/* -1: one per core; 0: all on one thread; N */
	uint32_t seedbits;		/* bits read from /dev/random at start */
	uint32_t secctx_attr_type;	/* default 32001 */

	/* the metrics endpoint (docs/metrics.md) */
	bool has_metrics;		/* --metrics / metrics=: serve it */
	struct ip_addr metrics_addr;
	uint16_t metrics_port;
	bool metrics_per_sa;		/* --metrics-per-sa / metrics-per-sa=yes */

	/* impairments given on the command line, applied at start */
	char *impair[32];
	size_t nimpair;
	bool impair_enable[32];		/* false: the entry came from --no-impair */
};

/* Context: main thread. The documented defaults. */
void pluto_options_init(struct pluto_options *o);
void pluto_options_fini(struct pluto_options *o);

/*
 * Parse pluto's command line into o, which pluto_options_init() prepared
 * (pluto_options_fini() frees it whatever the result). Returns 0 to run,
 * 1 when --help or --version was answered (exit 0), or -EINVAL (-ENOENT,
 * -ENOMEM for --config trouble) with err naming the bad option
 * ("pluto: --ikeport 70000: expected a port number 1..65535"); the caller
 * exits 1. When --config is given, the config setup section is read (see
 * pluto_config_setup_load) and the command line overrides it. The derived
 * paths (ctlsocket, pidfile) are filled at the end. Options other than
 * --interface, --debug and --impair may appear once. Context: main thread;
 * writes --help/--version answers to stdout.
 */
int pluto_options_parse(int argc, char **argv, struct pluto_options *o, char *err, size_t errlen);

/*
 * Set one option by its long name without the dashes ("ikeport") to value
 * (NULL for an option that takes none), validated as on the command line;
 * the config setup loader uses it so both share one validator. Returns 0,
 * -ENOENT for an unknown name, or -EINVAL (or -ENOTSUP) with why saying
 * what was wrong and what was expected, without any "pluto: --opt value: "
 * prefix (the caller adds where the value came from). Context: main thread.
 */
int pluto_options_set(struct pluto_options *o, const char *name, const char *value, char *why,
		      size_t whylen);

/*
 * Fill the derived paths (ctlsocket, pidfile) and log.file/log.ident, and
 * check the settings against each other (ikeport != natikeport, the socket
 * path fits a sockaddr_un). Called by pluto_options_parse; exported for
 * callers that build options without a command line. Returns 0 or -EINVAL
 * with err. Context: main thread.
 */
int pluto_options_finish(struct pluto_options *o, char *err, size_t errlen);

/* One option of the command line, as --help and the manual page list it. */
struct pluto_option_info {
	const char *name;	/* "ikeport", without the dashes */
	const char *arg;	/* the value's name ("portnumber"), or NULL: takes none */
	bool repeatable;
	const char *not_yet;	/* the capability that has not landed, or NULL */
};

/*
 * The options in table order, for the manual page generator (docs/man/):
 * pluto_option_get() fills out for 0 <= i < pluto_option_count() and
 * returns 0, else -ENOENT. The strings are static. Context: any thread.
 */
size_t pluto_option_count(void);
int pluto_option_get(size_t i, struct pluto_option_info *out);

#endif
