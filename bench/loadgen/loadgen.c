/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * skua-loadgen: an IKEv2 initiator built on Skua's own engine that sets up
 * N IKE SAs with one Child SA each against one responder, and either holds
 * them or tears each down once it is up. See bench/README.md.
 *
 * The engine is wired as pluto wires it (src/ctl/pluto_runtime.c,
 * engine_start): worker pool, crypto job queue, kernel queue with the
 * "none" backend, IKE daemon. There is no whack: the main thread creates
 * one connection per source address and hands each SA to the workers with
 * ike_cmd_initiate(), giving every SA its own progress object, whose lines
 * (with their progress codes) time the SA and name its failure.
 *
 * With an ID pattern (--id holding %u) every client gets a connection of
 * its own, so that its ID is its own; with --cp the connections are
 * --modecfgclient and the engine asks for an address in IKE_AUTH (the
 * progress line "received INTERNAL_IP4_ADDRESS ..." tells which); with
 * --rounds the clients are set up, held, deleted (paced IKE Deletes) and
 * set up again with the same IDs, round after round.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>

#include "crypto/crypto.h"
#include "crypto/ke.h"
#include "crypto/key.h"
#include "crypto/trust.h"
#include "crypto/x509.h"
#include "ike/connection.h"
#include "ike/creds.h"
#include "ike/ike_cmd.h"
#include "ike/ike_sa.h"
#include "ike/proposal.h"
#include "lg_stats.h"
#include "net/steer.h"
#include "net/worker.h"
#include "util/conn_spec.h"
#include "util/impair.h"
#include "util/log.h"

#ifndef SKUA_BENCH_DIR
#define SKUA_BENCH_DIR "bench"
#endif

struct lg_opts {
	struct ip_addr responder;
	uint16_t rport;
	struct ip_addr src;		/* first source address */
	unsigned nsrc;			/* consecutive addresses */
	uint16_t src_port;		/* first source port */
	unsigned nports;		/* ports per address */
	const char *ifname;		/* interface the sources are on (for the listener name) */
	unsigned long n;		/* IKE SAs */
	double rate;			/* starts per second, 0: flat out */
	unsigned half_open;		/* at most this many in negotiation */
	bool teardown;
	double hold_s;			/* hold mode: keep them this long, <0 until a signal */
	double timeout_s;		/* bound on the setup phase */
	unsigned workers;
	const char *psk, *ike, *esp, *id, *remote_id;
	const char *cert, *key, *ca;	/* certificate authentication (else the PSK) */
	const char *json, *csv, *plot, *ready, *held, *log;
	bool progress;
	/* any lifetime option turns rekeying on; else the connections are --dontrekey */
	bool rekey;
	unsigned long ike_lifetime, ipsec_lifetime, rekeymargin, rekeyfuzz;
	bool id_pattern;		/* --id holds %u: a connection (and ID) per client */
	bool cp, cp_both;		/* --cp, --cp-both: a CFG_REQUEST for addresses */
	bool ikev1;			/* --ikev1: Main Mode (PSK) and Quick Mode */
	bool ike_given;			/* --ike named: no IKEv1 default in its place */
	unsigned long rounds;		/* --rounds: 0 (not given) or R */
	double round_hold_s;		/* --round-hold: after the setup, before the Deletes */
	double delete_rate;		/* --delete-rate: Deletes per second (0: as --rate) */
	const char *round_cmd;		/* --round-cmd: run after each setup and each delete */
	bool ke_ahead;			/* --ke-ahead: the clients' key pairs made before t0 */
};

/* A worker's walk over its IKE SAs deleting them (rounds), and its end. */
struct lg_del_walk {
	struct ike_sa_cursor cu;	/* on the worker's list while open: freeing cu.next moves it */
	bool open;
	unsigned gen;			/* the delete phase it walks for */
};

/*
 * jemalloc, the programs' allocator, reads this at start (MALLOC_CONF in the
 * environment still overrides it). The generator keeps the pages it freed
 * for its next clients instead of handing them back to the kernel: in a
 * storm of 100,000 clients its worker spent about 7 % of its CPU in
 * jemalloc's madvise() and the TLB flushes that follow, and more faulting
 * the pages in again (a 50,000-client storm: 19 madvise() calls after this).
 * Pluto is not affected; its memory is measured as it is.
 */
const char *malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

static struct {
	struct lg_opts o;
	struct conn_table conns;
	struct crypto_jobq jobq;
	struct kernel_queue kq;
	struct ike_daemon ike;
	struct net_pool *pool;
	struct connection **conn;	/* [nconn]: per source address, or per client (--id %u) */
	unsigned long nconn;
	struct ip_addr (*addr)[2];	/* [n]: --cp, this round's addresses ([0] IPv4, [1] IPv6) */
	struct ip_addr (*prev)[2];	/* [n]: the same, the round before */
	struct lg_del_walk del[NET_MAX_WORKERS];	/* each written by its worker only */
	atomic_bool del_end[NET_MAX_WORKERS];	/* that worker has no SA left to delete */
	/* the Deletes of a round: asked of the workers, seen by them, sent by them */
	atomic_ulong del_asked, del_seen, del_issued;
	atomic_uint del_gen;		/* the delete phase: a walk of an older one starts over */
	struct net_listener **lis;	/* [nsrc * nports] */
	struct lg_sa *sa;		/* [n] */
	/* --cert, --key, --ca: our certificate (chain[0]) and intermediates, key, anchors */
	struct crypto_cert *chain[IKE_CHAIN_MAX + 1];
	size_t nchain;
	struct crypto_privkey *key;
	struct crypto_trust *trust;
	struct lg_totals tot;
	struct lg_rekey rk;
	uint64_t *orig_serials;		/* the IKE SAs as set up, sorted (never rekeyed if still up) */
	size_t norig;
	uint64_t t0;
	volatile sig_atomic_t stop;
} g;

/* ---- engine hooks, as pluto_runtime.c has them ---- */

static void on_datagram(struct net_worker *w, struct net_rx *rx, void *ctx)
{
	(void)ctx;
	ike_on_datagram(w, rx, &g.ike);
}

static void after_burst(struct net_worker *w, void *ctx)
{
	(void)ctx;
	crypto_jobq_run_batch(&g.jobq, w->index, 64);
}

static bool when_idle(struct net_worker *w, void *ctx)
{
	(void)ctx;
	return crypto_jobq_run_batch(&g.jobq, w->index, 64) > 0 ||
	       (g.o.workers > 1 && crypto_jobq_steal(&g.jobq, w->index));
}

static int psk_lookup(void *ctx, const struct ike_id *local, const struct ike_id *remote,
		      uint8_t *out, size_t cap)
{
	size_t n = strlen(g.o.psk);
	(void)ctx;
	(void)local;
	(void)remote;
	if (n > cap)
		return -EMSGSIZE;
	memcpy(out, g.o.psk, n);
	return (int)n;
}

/* ---- per SA progress ---- */

/* The worker running this thread (progress callbacks run on the SA's owner). */
static unsigned this_worker(void)
{
	pthread_t self = pthread_self();
	for (unsigned i = 0; i < g.o.workers; i++) {
		if (pthread_equal(net_pool_worker(g.pool, i)->thread, self))
			return i;
	}
	return 0;
}

struct del_mail {
	struct mail mail;
	uint64_t serial;
};

/* Teardown mode: delete the IKE SA #serial on its owner, telling the responder. */
static void del_run(struct mail *m, void *ctx)
{
	struct del_mail *dm = caa_container_of(m, struct del_mail, mail);
	struct net_worker *nw = ctx;

	/* Only SAs in negotiation or being deleted are on the list: it stays short. */
	for (struct ike_sa *sa = g.ike.w[nw->index].sas; sa; sa = sa->next) {
		if (sa->serial == dm->serial && !sa->dead) {
			ike_sa_delete(sa, true);
			break;
		}
	}
	free(dm);
}

/* "received INTERNAL_IP4_ADDRESS address 10.0.0.1": the address the responder gave client s. */
static void cp_line(struct lg_sa *s, const char *text)
{
	const char *p = strstr(text, "received INTERNAL_IP");
	char buf[IP_ADDR_STRLEN];
	struct ip_addr a;
	size_t n = 0;
	int fam;

	if (!p || (p[20] != '4' && p[20] != '6') || strncmp(p + 21, "_ADDRESS ", 9) != 0)
		return;
	fam = p[20] == '6';
	p += 30;
	if (strncmp(p, "address ", 8) == 0)	/* "received INTERNAL_IP4_ADDRESS address A" */
		p += 8;
	while (p[n] && p[n] != ' ' && p[n] != ',' && n + 1 < sizeof(buf)) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = 0;
	if (ip_addr_parse(buf, &a) < 0)
		return;
	g.addr[s - g.sa][fam] = a;
	s->cp |= fam ? LG_CP6 : LG_CP4;
}

static void on_line(struct ike_progress *pr, unsigned rc, const char *text)
{
	struct lg_sa *s = caa_container_of(pr, struct lg_sa, pr);

	if (g.o.cp && rc == RC_LOG)
		cp_line(s, text);
	if (rc == RC_SUCCESS) {
		if (strstr(text, "established IKE SA") || strstr(text, "ISAKMP SA established")) {
			/* "name" #N: established IKE SA ... (IKEv1: ISAKMP SA established) */
			const char *p = strstr(text, "\" #");
			s->t_ike = lg_now_ns();
			if (p)
				s->serial = strtoull(p + 3, NULL, 10);
			atomic_fetch_add_explicit(&g.tot.ike_up, 1, memory_order_relaxed);
		} else if (!s->t_child) {
			s->t_child = lg_now_ns();
			atomic_fetch_add_explicit(&g.tot.child_up, 1, memory_order_relaxed);
		}
		return;
	}
	if (whack_rc_is_quiet(rc) || s->cause)
		return;
	s->cause = (uint16_t)lg_cause_add(rc, text);
	if (!s->cause)
		s->cause = UINT16_MAX;
}

static void on_release(struct ike_progress *pr)
{
	struct lg_sa *s = caa_container_of(pr, struct lg_sa, pr);

	s->t_end = lg_now_ns();
	if (!s->t_ike) {
		if (!s->cause)
			s->cause = (uint16_t)lg_cause_add(0, "no outcome reported");
		atomic_fetch_add_explicit(&g.tot.failed, 1, memory_order_relaxed);
	} else if (g.o.teardown && s->serial) {
		struct del_mail *dm = calloc(1, sizeof(*dm));
		if (dm) {
			dm->mail.fn = del_run;
			dm->serial = s->serial;
			net_pool_post(g.pool, this_worker(), &dm->mail);
		}
	}
	atomic_fetch_add_explicit(&g.tot.done, 1, memory_order_release);
}

static const struct ike_progress_ops lg_progress_ops = { .line = on_line,
							  .release = on_release };

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: skua-loadgen --responder ADDR [options]\n"
		"  -r, --responder ADDR   responder address (IPv4 or IPv6)\n"
		"      --rport PORT       responder IKE port (500)\n"
		"  -s, --src ADDR         first source address (consecutive ones follow)\n"
		"  -S, --src-count N      source addresses (1); they must exist on this host\n"
		"      --src-port PORT    first source port of each address (500)\n"
		"  -P, --ports N          source ports per address (1)\n"
		"      --ifname NAME      interface name shown for the sources (lg)\n"
		"  -n, --sas N            IKE SAs to set up, each with one Child SA (1000)\n"
		"  -R, --rate R           starts per second (0: flat out, bounded by --half-open)\n"
		"  -H, --half-open N      at most N SAs negotiating at once (256)\n"
		"      --teardown         delete each IKE SA as soon as it is up\n"
		"      --hold SECS        hold mode: keep the SAs SECS seconds after the last\n"
		"                         setup (0, the default: exit at once; -1: until SIGINT/TERM)\n"
		"  -t, --timeout SECS     bound on the setup phase (300)\n"
		"  -w, --workers N        generator worker threads (1)\n"
		"      --psk SECRET       pre-shared key (\"skua-bench\")\n"
		"      --cert FILE        authenticate with this certificate (PEM or DER; a PEM\n"
		"                         file's further certificates are sent as intermediates)\n"
		"                         instead of the PSK; our ID is its subject unless --id\n"
		"      --key FILE         the certificate's private key (mode 0600)\n"
		"      --ca FILE          the CA certificates that vouch for the responder's\n"
		"                         certificate (PEM bundle or DER)\n"
		"      --ike PROPOSAL     IKE proposal, libreswan syntax (aes_gcm128-sha2_256-dh31)\n"
		"      --esp PROPOSAL     ESP proposal, libreswan syntax (aes_gcm128)\n"
		"      --id ID            our ID (default: the source address); with %%u in it,\n"
		"                         each client's own (%%u: its number, 1 to N), e.g.\n"
		"                         @client%%u.example (a connection per client)\n"
		"      --cp               ask for an address in IKE_AUTH (Configuration payload,\n"
		"                         CFG_REQUEST INTERNAL_IP4_ADDRESS, or IP6 over IPv6) and\n"
		"                         take it as our traffic selector; counts the addresses\n"
		"                         received and refused\n"
		"      --cp-both          --cp asking for an IPv4 and an IPv6 address\n"
		"      --rounds R         set up the N clients, hold them --round-hold SECS, delete\n"
		"                         them all (IKE Deletes, at --delete-rate per second, within\n"
		"                         --half-open) and set them up again with the same IDs, R\n"
		"                         times; a line of figures per round\n"
		"      --round-hold SECS  (0)\n"
		"      --delete-rate R    Deletes per second (0: --rate's)\n"
		"      --round-cmd CMD    run CMD (sh -c) once the round's SAs are up (LG_PHASE=up)\n"
		"                         and once they are deleted (LG_PHASE=down), with LG_ROUND\n"
		"                         and LG_UP; a failure of CMD ends the run (exit 1)\n"
		"      --ikev1            IKEv1: Main Mode with the PSK, then Quick Mode (--ike\n"
		"                         defaults to aes128-sha2_256-dh19 then: Phase 1 has no\n"
		"                         AEAD); not with --cp, --cert or the lifetime options\n"
		"      --ke-ahead         make each client's key pair before the clock starts\n"
		"                         (as real clients do, on their own CPUs): the run's\n"
		"                         time and the generator's CPU leave key generation\n"
		"                         out; IKEv2, not with --rounds\n"
		"      --remote-id ID     the responder's ID (%%any)\n"
		"      --json FILE        summary, failures and per-second series as JSON\n"
		"      --csv FILE         one line per SA: times and outcome\n"
		"      --plot PREFIX      PREFIX-rate.png and PREFIX-latency.png (needs gnuplot)\n"
		"      --ready FILE       hold mode: write the summary here once all are set up\n"
		"      --held FILE        hold mode: when the hold ends, write its summary here and\n"
		"                         keep the SAs until SIGINT/TERM (a script measures the\n"
		"                         responder before the SAs are deleted)\n"
		"      --log FILE         the engine's log (/dev/null)\n"
		"      --ikelifetime SECS, --ipseclifetime SECS, --rekeymargin SECS,\n"
		"      --rekeyfuzz PERCENT\n"
		"                         the connections' lifetimes, as whack's options; any of\n"
		"                         them turns rekeying on (else the connections are\n"
		"                         --dontrekey), and the hold reports the rekeys, their\n"
		"                         delays and the SAs that lapsed\n"
		"  -q, --quiet            no progress bar (it shows only on a terminal anyway)\n");
}

static int parse_double(const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end) {
		fprintf(stderr, "skua-loadgen: %s %s: expected a number\n", opt, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_ulong(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	char *end;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *out < lo || *out > hi) {
		fprintf(stderr, "skua-loadgen: %s %s: expected an integer from %lu to %lu\n", opt,
			s, lo, hi);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct lg_opts *o)
{
	static const struct option lo[] = {
		{ "responder", required_argument, NULL, 'r' },
		{ "rport", required_argument, NULL, 1 },
		{ "src", required_argument, NULL, 's' },
		{ "src-count", required_argument, NULL, 'S' },
		{ "src-port", required_argument, NULL, 2 },
		{ "ports", required_argument, NULL, 'P' },
		{ "ifname", required_argument, NULL, 3 },
		{ "sas", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'R' },
		{ "half-open", required_argument, NULL, 'H' },
		{ "teardown", no_argument, NULL, 4 },
		{ "hold", required_argument, NULL, 5 },
		{ "timeout", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "psk", required_argument, NULL, 6 },
		{ "ike", required_argument, NULL, 7 },
		{ "esp", required_argument, NULL, 8 },
		{ "id", required_argument, NULL, 9 },
		{ "remote-id", required_argument, NULL, 10 },
		{ "json", required_argument, NULL, 11 },
		{ "csv", required_argument, NULL, 12 },
		{ "plot", required_argument, NULL, 13 },
		{ "ready", required_argument, NULL, 14 },
		{ "log", required_argument, NULL, 15 },
		{ "held", required_argument, NULL, 20 },
		{ "cert", required_argument, NULL, 21 },
		{ "key", required_argument, NULL, 22 },
		{ "ca", required_argument, NULL, 23 },
		{ "ikelifetime", required_argument, NULL, 16 },
		{ "ipseclifetime", required_argument, NULL, 17 },
		{ "rekeymargin", required_argument, NULL, 18 },
		{ "rekeyfuzz", required_argument, NULL, 19 },
		{ "cp", no_argument, NULL, 24 },
		{ "cp-both", no_argument, NULL, 25 },
		{ "rounds", required_argument, NULL, 26 },
		{ "round-hold", required_argument, NULL, 27 },
		{ "delete-rate", required_argument, NULL, 28 },
		{ "round-cmd", required_argument, NULL, 29 },
		{ "ikev1", no_argument, NULL, 30 },
		{ "ke-ahead", no_argument, NULL, 31 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	bool have_resp = false, have_src = false;
	int c;

	*o = (struct lg_opts){ .rport = 500, .nsrc = 1, .src_port = 500, .nports = 1,
			       .ifname = "lg", .n = 1000, .half_open = 256, .timeout_s = 300,
			       .workers = 1, .psk = "skua-bench", .ike = "aes_gcm128-sha2_256-dh31",
			       .esp = "aes_gcm128", .remote_id = "%any", .log = "/dev/null",
			       .progress = true, .ike_lifetime = IKE_LIFETIME_DEFAULT,
			       .ipsec_lifetime = IPSEC_LIFETIME_DEFAULT,
			       .rekeymargin = REKEYMARGIN_DEFAULT, .rekeyfuzz = REKEYFUZZ_DEFAULT };
	while ((c = getopt_long(argc, argv, "r:s:S:P:n:R:H:t:w:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (ip_addr_parse(optarg, &o->responder) < 0) {
				fprintf(stderr, "skua-loadgen: --responder %s: expected an IP address\n",
					optarg);
				return -EINVAL;
			}
			have_resp = true;
			break;
		case 1:
			if (parse_ulong("--rport", optarg, 1, 65535, &v) < 0)
				return -EINVAL;
			o->rport = (uint16_t)v;
			break;
		case 's':
			if (ip_addr_parse(optarg, &o->src) < 0) {
				fprintf(stderr, "skua-loadgen: --src %s: expected an IP address\n",
					optarg);
				return -EINVAL;
			}
			have_src = true;
			break;
		case 'S':
			if (parse_ulong("--src-count", optarg, 1, 1u << 20, &v) < 0)
				return -EINVAL;
			o->nsrc = (unsigned)v;
			break;
		case 2:
			if (parse_ulong("--src-port", optarg, 1, 65535, &v) < 0)
				return -EINVAL;
			o->src_port = (uint16_t)v;
			break;
		case 'P':
			if (parse_ulong("--ports", optarg, 1, 65535, &v) < 0)
				return -EINVAL;
			o->nports = (unsigned)v;
			break;
		case 3:
			o->ifname = optarg;
			break;
		case 'n':
			if (parse_ulong("--sas", optarg, 1, 50000000, &v) < 0)
				return -EINVAL;
			o->n = v;
			break;
		case 'R':
			if (parse_double("--rate", optarg, &o->rate) < 0 || o->rate < 0)
				return -EINVAL;
			break;
		case 'H':
			if (parse_ulong("--half-open", optarg, 1, 10000000, &v) < 0)
				return -EINVAL;
			o->half_open = (unsigned)v;
			break;
		case 4:
			o->teardown = true;
			break;
		case 5:
			if (parse_double("--hold", optarg, &o->hold_s) < 0)
				return -EINVAL;
			break;
		case 't':
			if (parse_double("--timeout", optarg, &o->timeout_s) < 0 || o->timeout_s <= 0)
				return -EINVAL;
			break;
		case 'w':
			if (parse_ulong("--workers", optarg, 1, NET_MAX_WORKERS, &v) < 0)
				return -EINVAL;
			o->workers = (unsigned)v;
			break;
		case 6: o->psk = optarg; break;
		case 7: o->ike = optarg; o->ike_given = true; break;
		case 8: o->esp = optarg; break;
		case 9: o->id = optarg; break;
		case 10: o->remote_id = optarg; break;
		case 11: o->json = optarg; break;
		case 12: o->csv = optarg; break;
		case 13: o->plot = optarg; break;
		case 14: o->ready = optarg; break;
		case 15: o->log = optarg; break;
		case 20: o->held = optarg; break;
		case 21: o->cert = optarg; break;
		case 22: o->key = optarg; break;
		case 23: o->ca = optarg; break;
		/* the ranges whack gives these options (src/ctl/proto/whack_opts.c) */
		case 16:
			if (parse_ulong("--ikelifetime", optarg, 1, IKE_LIFETIME_MAX,
					&o->ike_lifetime) < 0)
				return -EINVAL;
			o->rekey = true;
			break;
		case 17:
			if (parse_ulong("--ipseclifetime", optarg, 1, IPSEC_LIFETIME_MAX,
					&o->ipsec_lifetime) < 0)
				return -EINVAL;
			o->rekey = true;
			break;
		case 18:
			if (parse_ulong("--rekeymargin", optarg, 0, 86400, &o->rekeymargin) < 0)
				return -EINVAL;
			o->rekey = true;
			break;
		case 19:
			if (parse_ulong("--rekeyfuzz", optarg, 0, 1000000, &o->rekeyfuzz) < 0)
				return -EINVAL;
			o->rekey = true;
			break;
		case 24: o->cp = true; break;
		case 25: o->cp = o->cp_both = true; break;
		case 26:
			if (parse_ulong("--rounds", optarg, 1, 1000000, &o->rounds) < 0)
				return -EINVAL;
			break;
		case 27:
			if (parse_double("--round-hold", optarg, &o->round_hold_s) < 0 ||
			    o->round_hold_s < 0)
				return -EINVAL;
			break;
		case 28:
			if (parse_double("--delete-rate", optarg, &o->delete_rate) < 0 ||
			    o->delete_rate < 0)
				return -EINVAL;
			break;
		case 29: o->round_cmd = optarg; break;
		case 30: o->ikev1 = true; break;
		case 31: o->ke_ahead = true; break;
		case 'q': o->progress = false; break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "skua-loadgen: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (!have_resp) {
		fprintf(stderr, "skua-loadgen: --responder is required\n");
		return -EINVAL;
	}
	if (!have_src) {
		fprintf(stderr, "skua-loadgen: --src is required (the first source address)\n");
		return -EINVAL;
	}
	if (o->src.af != o->responder.af) {
		fprintf(stderr, "skua-loadgen: --src and --responder: expected the same family\n");
		return -EINVAL;
	}
	if (!o->cert != !o->key || (o->cert && !o->ca)) {
		fprintf(stderr, "skua-loadgen: --cert, --key and --ca: expected all three (certificate "
			"authentication) or none (the PSK)\n");
		return -EINVAL;
	}
	if (o->id) {
		const char *p = strchr(o->id, '%');
		if (p && (strncmp(p, "%u", 2) != 0 || strchr(p + 2, '%'))) {
			fprintf(stderr, "skua-loadgen: --id %s: expected at most one %%u (the client's "
				"number) and no other %%\n", o->id);
			return -EINVAL;
		}
		o->id_pattern = p != NULL;
		if (o->id_pattern && o->cert) {
			fprintf(stderr, "skua-loadgen: --id with %%u and --cert: expected the PSK (one "
				"certificate cannot carry every client's ID)\n");
			return -EINVAL;
		}
	}
	if (o->rounds && (o->teardown || o->hold_s != 0 || o->rekey)) {
		fprintf(stderr, "skua-loadgen: --rounds: expected without --teardown, --hold and the "
			"lifetime options (each round holds --round-hold SECS)\n");
		return -EINVAL;
	}
	if (!o->rounds && (o->round_hold_s || o->delete_rate || o->round_cmd)) {
		fprintf(stderr, "skua-loadgen: --round-hold, --delete-rate, --round-cmd: expected "
			"with --rounds\n");
		return -EINVAL;
	}
	if (o->ke_ahead && (o->ikev1 || o->rounds)) {
		fprintf(stderr, "skua-loadgen: --ke-ahead with %s: not supported (the key pairs "
			"are made for one IKEv2 setup of each client)\n",
			o->ikev1 ? "--ikev1" : "--rounds");
		return -EINVAL;
	}
	if (o->ikev1 && (o->cp || o->cert || o->rekey)) {
		fprintf(stderr, "skua-loadgen: --ikev1 with %s: not supported yet (IKEv1 runs Main "
			"Mode with the PSK and one Quick Mode, without rekeying)\n",
			o->cp ? "--cp" : o->cert ? "--cert" : "the lifetime options");
		return -EINVAL;
	}
	/* IKEv1's Phase 1 has no AEAD cipher: libreswan's and Skua's refuse it */
	if (o->ikev1 && !o->ike_given)
		o->ike = "aes128-sha2_256-dh19";
	if ((unsigned long)o->src_port + o->nports - 1 > 65535) {
		fprintf(stderr, "skua-loadgen: --src-port %u with --ports %u: beyond port 65535\n",
			o->src_port, o->nports);
		return -EINVAL;
	}
	return 0;
}

/* The i-th address after a (IPv4 or IPv6, carrying into higher bytes). */
static struct ip_addr addr_plus(const struct ip_addr *a, unsigned i)
{
	struct ip_addr r = *a;
	int last = a->af == AF_INET ? 3 : 15;
	unsigned carry = i;

	for (int k = last; k >= 0 && carry; k--) {
		unsigned sum = r.b[k] + (carry & 0xff);
		r.b[k] = (uint8_t)sum;
		carry = (carry >> 8) + (sum >> 8);
	}
	return r;
}

/* ---- setup ---- */

/* --cert, --key, --ca: read them once; every connection takes references. */
static int load_creds(void)
{
	struct crypto_cert *cas[64];
	char err[256];
	int n;

	n = crypto_cert_load_file(g.o.cert, g.chain, IKE_CHAIN_MAX + 1, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "skua-loadgen: --cert %s: %s\n", g.o.cert, err);
		return n;
	}
	g.nchain = (size_t)n;
	n = crypto_privkey_load_file(g.o.key, NULL, &g.key, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "skua-loadgen: --key %s: %s\n", g.o.key, err);
		return n;
	}
	if (!crypto_privkey_matches(g.key, crypto_cert_pubkey(g.chain[0]))) {
		fprintf(stderr, "skua-loadgen: --key %s: not the key of the certificate %s\n",
			g.o.key, g.o.cert);
		return -EINVAL;
	}
	n = crypto_cert_load_file(g.o.ca, cas, sizeof(cas) / sizeof(cas[0]), err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "skua-loadgen: --ca %s: %s\n", g.o.ca, err);
		return n;
	}
	g.trust = crypto_trust_new();
	for (int i = 0; i < n; i++) {
		if (g.trust)
			crypto_trust_add_ca(g.trust, cas[i]);
		crypto_cert_unref(cas[i]);
	}
	if (!g.trust)
		return -ENOMEM;
	crypto_trust_seal(g.trust);
	return 0;
}

static void free_creds(void)
{
	for (size_t i = 0; i < g.nchain; i++)
		crypto_cert_unref(g.chain[i]);
	crypto_privkey_unref(g.key);	/* wiped by OpenSSL as it frees */
	crypto_trust_unref(g.trust);
}

static int make_conns(void)
{
	char err[256], name[32], host[IP_ADDR_STRLEN], subject[1024];
	const char *id = g.o.id;

	if (g.o.cert) {
		int rc = load_creds();
		if (rc < 0)
			return rc;
		/* as pluto with --cert and no --id: the certificate's subject */
		if (!id)
			id = crypto_cert_subject_str(g.chain[0], subject, sizeof(subject));
	}

	if (g.o.cp_both) {
		/* the engine's switch for a dual-stack client: every connection asks for both */
		char e[128];
		if (impair_apply("cp-request-both", true, e, sizeof(e)) < 0) {
			fprintf(stderr, "skua-loadgen: --cp-both: %s\n", e);
			return -EINVAL;
		}
	}
	g.nconn = g.o.id_pattern ? g.o.n : g.o.nsrc;
	g.conn = calloc(g.nconn, sizeof(*g.conn));
	if (!g.conn)
		return -ENOMEM;
	for (unsigned long i = 0; i < g.nconn; i++) {
		struct conn_spec s;
		int rc;

		conn_spec_init(&s);
		snprintf(name, sizeof(name), "lg%lu", i);
		snprintf(s.name, sizeof(s.name), "%s", name);
		s.host_af = g.o.src.af;
		s.client_af = g.o.src.af;
		s.end[0].host_kind = HOST_ADDR;
		s.end[0].host = addr_plus(&g.o.src, (unsigned)(i % g.o.nsrc));
		s.end[1].host_kind = HOST_ADDR;
		s.end[1].host = g.o.responder;
		s.end[1].ikeport = g.o.rport;
		if (g.o.id_pattern) {
			/* %u: the client's number, 1 to N */
			const char *p = strstr(id, "%u");
			if (asprintf(&s.end[0].id, "%.*s%lu%s", (int)(p - id), id, i + 1, p + 2) < 0)
				s.end[0].id = NULL;
		} else {
			s.end[0].id = id ? strdup(id) : NULL;
		}
		/* --cp: a CFG_REQUEST in IKE_AUTH, TSi narrowed to the address given */
		s.end[0].modecfg_client = g.o.cp;
		s.end[1].id = g.o.remote_id ? strdup(g.o.remote_id) : NULL;
		/* no authentication flag with a certificate: RSA or ECDSA signatures */
		s.policy = (g.o.cert ? 0 : POL_PSK) | POL_ENCRYPT | POL_TUNNEL |
			   (g.o.ikev1 ? POL_IKEV1 : POL_IKEV2) |
			   (g.o.rekey ? 0 : POL_DONT_REKEY);
		s.keyingtries = 1;
		s.ike_lifetime = (uint32_t)g.o.ike_lifetime;
		s.ipsec_lifetime = (uint32_t)g.o.ipsec_lifetime;
		s.rekeymargin = (uint32_t)g.o.rekeymargin;
		s.rekeyfuzz = (uint32_t)g.o.rekeyfuzz;
		s.ike = strdup(g.o.ike);
		s.esp = strdup(g.o.esp);
		rc = ike_connection_new(&s, i + 1, &g.conn[i], err, sizeof(err));
		conn_spec_fini(&s);
		if (rc < 0) {
			fprintf(stderr, "skua-loadgen: connection for %s: %s\n",
				ip_addr_str(&s.end[0].host, host), err[0] ? err : strerror(-rc));
			return rc;
		}
		if (g.o.cert) {
			struct ike_end_creds *cr = &g.conn[i]->cfg->creds[0];

			cr->cert = crypto_cert_ref(g.chain[0]);
			for (size_t k = 1; k < g.nchain; k++)
				cr->chain[cr->nchain++] = crypto_cert_ref(g.chain[k]);
			cr->key = crypto_privkey_ref(g.key);
		}
	}
	return 0;
}

static int make_listeners(void)
{
	size_t n = (size_t)g.o.nsrc * g.o.nports;
	struct rlimit rl;
	rlim_t want = (rlim_t)n * g.o.workers + 512;
	char a[IP_ADDR_STRLEN];

	/* One socket per worker per address and port: raise the descriptor limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		struct rlimit r2 = { .rlim_cur = want, .rlim_max = want > rl.rlim_max ? want : rl.rlim_max };
		/* raising the hard limit needs CAP_SYS_RESOURCE: else go as far as it allows */
		if (setrlimit(RLIMIT_NOFILE, &r2) < 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			if (rl.rlim_max < want)
				fprintf(stderr, "skua-loadgen: %zu sockets need %llu descriptors; the limit is %llu (fewer --ports, more SAs per port)\n",
					n * g.o.workers, (unsigned long long)want,
					(unsigned long long)rl.rlim_max);
		}
	}
	g.lis = calloc(n, sizeof(*g.lis));
	if (!g.lis)
		return -ENOMEM;
	for (unsigned i = 0; i < g.o.nsrc; i++) {
		struct net_iface ifc = { .ifindex = 0 };
		snprintf(ifc.name, sizeof(ifc.name), "%s", g.o.ifname);
		ifc.addr = addr_plus(&g.o.src, i);
		for (unsigned k = 0; k < g.o.nports; k++) {
			int err = 0;
			uint16_t port = (uint16_t)(g.o.src_port + k);
			struct net_listener *l = net_pool_listen_one(g.pool, &ifc, port, false, &err);
			if (!l) {
				fprintf(stderr, "skua-loadgen: cannot bind %s:%u: %s%s\n",
					ip_addr_str(&ifc.addr, a), port, strerror(-err),
					err == -EADDRNOTAVAIL ? " (add the source addresses first)" : "");
				return err;
			}
			g.lis[(size_t)i * g.o.nports + k] = l;
		}
	}
	return 0;
}

/*
 * --ke-ahead: a key pair per client, made before the clock starts in the
 * group the connections propose first, handed to the engine once each
 * (ike_daemon.initiator_ke) on any worker. An attempt the responder sends
 * to another group makes its own.
 */
static struct {
	struct crypto_ke **ke;		/* [n]: a slot is emptied by the worker that takes it */
	unsigned long n;
	atomic_ulong next;
	uint16_t group;
} ahead;

static struct crypto_ke *ke_ahead_take(void *ctx, uint16_t group)
{
	unsigned long i;
	struct crypto_ke *k;

	(void)ctx;
	if (group != ahead.group)
		return NULL;
	i = atomic_fetch_add_explicit(&ahead.next, 1, memory_order_relaxed);
	if (i >= ahead.n)
		return NULL;
	k = ahead.ke[i];
	ahead.ke[i] = NULL;
	return k;
}

static int ke_ahead_make(void)
{
	uint64_t t = lg_now_ns();
	double cpu = lg_cpu_s();
	int rc;

	ahead.group = proposal_set_first_dh(g.conn[0]->cfg->ike_props);
	ahead.ke = calloc(g.o.n, sizeof(*ahead.ke));
	if (!ahead.ke) {
		fprintf(stderr, "skua-loadgen: --ke-ahead: no memory for %lu key pairs\n", g.o.n);
		return -ENOMEM;
	}
	for (ahead.n = 0; ahead.n < g.o.n; ahead.n++) {
		rc = crypto_ke_new(ahead.group, &ahead.ke[ahead.n]);
		if (rc < 0) {
			fprintf(stderr, "skua-loadgen: --ke-ahead: key pair %lu of group %u: %s\n",
				ahead.n + 1, ahead.group, strerror(-rc));
			return rc;
		}
	}
	printf("skua-loadgen: %lu key pairs (group %u) made ahead in %.2f s, %.2f s of CPU\n",
	       ahead.n, ahead.group, (double)(lg_now_ns() - t) / 1e9, lg_cpu_s() - cpu);
	fflush(stdout);
	g.ike.initiator_ke_ctx = NULL;
	g.ike.initiator_ke = ke_ahead_take;	/* read by the workers at each start */
	return 0;
}

/* After the workers: the key pairs no client took. */
static void ke_ahead_free(void)
{
	for (unsigned long i = 0; ahead.ke && i < ahead.n; i++)
		crypto_ke_free(ahead.ke[i]);
	free(ahead.ke);
	ahead.ke = NULL;
	ahead.n = 0;
}

static int engine_start(void)
{
	struct net_worker_ops ops = { .datagram = on_datagram, .after_burst = after_burst,
				      .idle = when_idle, .ctx = NULL };
	const struct kernel_backend *be = kernel_backend_find("none");
	struct mailbox *mbs[NET_MAX_WORKERS];
	int rc;

	rc = crypto_init();
	if (rc < 0) {
		fprintf(stderr, "skua-loadgen: OpenSSL algorithms could not be loaded: %s\n",
			strerror(-rc));
		return rc;
	}
	rc = sadb_conn_table_init(&g.conns);
	if (rc < 0)
		return rc;
	g.pool = net_pool_new(g.o.workers, true, &ops);
	if (!g.pool)
		return -ENOMEM;
	for (unsigned i = 0; i < g.o.workers; i++)
		mbs[i] = &net_pool_worker(g.pool, i)->mb;
	rc = crypto_jobq_init(&g.jobq, g.o.workers, mbs);
	if (rc < 0)
		return rc;
	rc = kernel_queue_start(&g.kq, be);
	if (rc < 0)
		return rc;
	g.ike.pool = g.pool;
	g.ike.conns = &g.conns;
	g.ike.jobq = &g.jobq;
	g.ike.kq = &g.kq;
	g.ike.ikeport = g.o.src_port;
	g.ike.natikeport = 0;
	g.ike.kernel_none = true;
	if (g.o.ikev1)
		g.ike.ikev1_policy = IKE_V1_ACCEPT;	/* the engine takes IKEv1 datagrams */
	g.ike.psk_lookup = psk_lookup;
	g.ike.psk_ctx = NULL;
	rc = ike_daemon_init(&g.ike);
	if (rc < 0)
		return rc;
	if (g.trust) {
		/* the anchors the responder's certificate is checked against */
		struct ike_creds *c = ike_creds_new(g.trust, false, 0);
		if (!c)
			return -ENOMEM;
		ike_creds_publish(&g.ike, c);
	}
	rc = make_listeners();
	if (rc < 0)
		return rc;
	return net_pool_start(g.pool);
}

/* After the workers: the log thread's last lines, and what its full rings lost. */
static void log_stop(void)
{
	struct log_stats st;

	log_thread_stop();
	log_stats_get(&st);
	if (st.dropped)
		fprintf(stderr, "skua-loadgen: %llu lines of the engine's log were lost to a full "
			"ring (--log is incomplete)\n", (unsigned long long)st.dropped);
	log_fini();
}

static void engine_stop(void)
{
	ike_cmd_shutdown(&g.ike, true);
	kernel_queue_stop(&g.kq, KERNEL_STOP_DRAIN);
	net_pool_stop(g.pool);
	ike_daemon_fini(&g.ike);
	for (size_t i = 0; g.lis && i < (size_t)g.o.nsrc * g.o.nports; i++) {
		if (g.lis[i])
			net_listener_unref(g.lis[i]);
	}
	net_pool_free(g.pool);
	crypto_jobq_fini(&g.jobq);
	for (unsigned long i = 0; g.conn && i < g.nconn; i++)
		ike_connection_unref(g.conn[i]);
	rcu_barrier();
	sadb_conn_table_fini(&g.conns);
	free_creds();
	ke_ahead_free();
	log_stop();
}

/* ---- the run ---- */

static void on_signal(int sig)
{
	(void)sig;
	g.stop = 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void progress_bar(bool final)
{
	unsigned long st = atomic_load(&g.tot.started), done = atomic_load(&g.tot.done);
	unsigned long up = atomic_load(&g.tot.ike_up), fl = atomic_load(&g.tot.failed);
	double t = (double)(lg_now_ns() - g.t0) / 1e9;
	int width = 30, fill = (int)((double)up * width / (double)g.o.n);
	char bar[64];

	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[width] = 0;
	printf("\r[%s] %lu/%lu up, %lu failed, %lu negotiating, %.0f/s, %.1f s  ", bar, up, g.o.n,
	       fl, st - done, t > 0 ? (double)up / t : 0.0, t);
	if (final)
		printf("\n");
	fflush(stdout);
}

static void start_one(unsigned long i)
{
	struct lg_sa *s = &g.sa[i];
	unsigned src = (unsigned)(i % g.o.nsrc);
	unsigned port = (unsigned)((i / g.o.nsrc) % g.o.nports);
	struct net_listener *l = g.lis[(size_t)src * g.o.nports + port];

	s->pr.ops = &lg_progress_ops;
	atomic_store(&s->pr.refs, 1);
	s->src = src;
	s->port = port;
	s->t_start = lg_now_ns();
	atomic_fetch_add_explicit(&g.tot.started, 1, memory_order_relaxed);
	s->cp = 0;
	if (g.addr)
		memset(g.addr[i], 0, sizeof(g.addr[i]));
	if (ike_cmd_initiate(&g.ike, g.conn[g.o.id_pattern ? i : src], 0, l, &l->iface.addr,
			     &s->pr) < 0) {
		s->cause = (uint16_t)lg_cause_add(RC_INTERNALERR, "out of memory starting the SA");
		s->t_end = lg_now_ns();
		atomic_fetch_add(&g.tot.failed, 1);
		atomic_fetch_add(&g.tot.done, 1);
		return;
	}
	ike_progress_unref(&s->pr);	/* the engine holds it from here */
}

/* Start SAs at the rate asked, within the half-open limit; then wait for the outcomes. */
static uint64_t run(void)
{
	uint64_t deadline = g.t0 + (uint64_t)(g.o.timeout_s * 1e9), next_bar = 0;
	bool tty = g.o.progress && isatty(1);
	unsigned long i = 0;

	while (!g.stop) {
		uint64_t now = lg_now_ns();
		unsigned long done = atomic_load_explicit(&g.tot.done, memory_order_acquire);

		if (now >= deadline)
			break;
		if (tty && now >= next_bar) {
			progress_bar(false);
			next_bar = now + 250000000u;
		}
		if (i == g.o.n) {
			if (done == i)
				break;
			sleep_ms(5);
			continue;
		}
		unsigned long allow = g.o.n - i;
		unsigned long inflight = i - done;
		allow = inflight >= g.o.half_open ? 0 : g.o.half_open - inflight < allow
								 ? g.o.half_open - inflight
								 : allow;
		if (g.o.rate > 0) {
			unsigned long due = (unsigned long)((double)(now - g.t0) / 1e9 * g.o.rate) + 1;
			allow = due > i ? (due - i < allow ? due - i : allow) : 0;
		}
		if (allow > 64)
			allow = 64;
		for (unsigned long k = 0; k < allow; k++)
			start_one(i++);
		if (!allow)
			sleep_ms(1);
	}
	if (tty)
		progress_bar(true);
	return lg_now_ns();
}

/* ---- rounds: delete every client, paced, then set them up again ---- */

struct round_mail {
	struct mail mail;
	unsigned k;			/* delete up to this many established IKE SAs */
	unsigned gen;
};

/*
 * On a worker: send the Deletes of up to k of its established IKE SAs,
 * continuing a walk over its list (a cursor the engine moves on when it
 * frees the SA the walk stands at); at the end of the list, say so.
 */
static void round_del_run(struct mail *m, void *ctx)
{
	struct round_mail *rm = caa_container_of(m, struct round_mail, mail);
	struct net_worker *nw = ctx;
	struct ike_worker *w = &g.ike.w[nw->index];
	struct lg_del_walk *dw = &g.del[nw->index];
	unsigned long done = 0;

	if (!dw->open) {
		dw->cu.link = w->cursors;
		w->cursors = &dw->cu;
		dw->open = true;
		dw->gen = rm->gen - 1;
	}
	if (dw->gen != rm->gen) {
		dw->cu.next = w->sas;
		dw->gen = rm->gen;
	}
	while (done < rm->k && dw->cu.next) {
		struct ike_sa *sa = dw->cu.next;

		dw->cu.next = sa->next;
		/* IKEv2's, or IKEv1's Main and Aggressive Mode states that are up */
		if (!sa->dead && sa->state != IKE_REKEYED &&
		    ike_state_info(sa->state)->established) {
			ike_sa_delete(sa, true);
			done++;
		}
	}
	if (!dw->cu.next) {
		for (struct ike_sa_cursor **pp = &w->cursors; *pp; pp = &(*pp)->link)
			if (*pp == &dw->cu) {
				*pp = dw->cu.link;
				break;
			}
		dw->open = false;
		atomic_store_explicit(&g.del_end[nw->index], true, memory_order_release);
	}
	atomic_fetch_add_explicit(&g.del_issued, done, memory_order_relaxed);
	atomic_fetch_add_explicit(&g.del_seen, rm->k, memory_order_release);
	free(rm);
}

/*
 * Delete every IKE SA of the engine, at --delete-rate (or --rate) per
 * second with at most --half-open Deletes unanswered, and wait until they
 * are gone (bounded by --timeout). Returns the seconds it took; *left: the
 * IKE SAs still there.
 */
static double delete_all(uint64_t *left)
{
	uint64_t t0 = lg_now_ns(), deadline = t0 + (uint64_t)(g.o.timeout_s * 1e9);
	double rate = g.o.delete_rate > 0 ? g.o.delete_rate : g.o.rate;
	uint64_t ike0, ike, ho, up, child;
	unsigned gen = atomic_fetch_add(&g.del_gen, 1) + 1, rr = 0;

	for (unsigned i = 0; i < g.o.workers; i++)
		atomic_store(&g.del_end[i], false);
	atomic_store(&g.del_asked, 0);
	atomic_store(&g.del_seen, 0);
	atomic_store(&g.del_issued, 0);
	ike_cmd_counts(&g.ike, &ike0, &ho, &up, &child);
	for (;;) {
		uint64_t now = lg_now_ns();
		unsigned long asked, seen, issued, pending, gone, inflight, allow;
		unsigned wi = g.o.workers;

		ike_cmd_counts(&g.ike, &ike, &ho, &up, &child);
		if (!ike || g.stop || now > deadline)
			break;
		asked = atomic_load(&g.del_asked);
		seen = atomic_load_explicit(&g.del_seen, memory_order_acquire);
		issued = atomic_load(&g.del_issued);
		pending = asked - seen;
		gone = ike0 > ike ? (unsigned long)(ike0 - ike) : 0;
		inflight = (issued > gone ? issued - gone : 0) + pending;
		allow = inflight < g.o.half_open ? g.o.half_open - inflight : 0;
		if (rate > 0) {
			unsigned long due = (unsigned long)((double)(now - t0) / 1e9 * rate) + 1;
			unsigned long have = issued + pending;
			allow = due > have ? (due - have < allow ? due - have : allow) : 0;
		}
		if (allow > 64)
			allow = 64;
		for (unsigned k = 0; allow && k < g.o.workers; k++) {
			unsigned i = (rr + k) % g.o.workers;
			if (!atomic_load_explicit(&g.del_end[i], memory_order_acquire)) {
				wi = i;
				break;
			}
		}
		if (allow && wi < g.o.workers) {
			struct round_mail *rm = calloc(1, sizeof(*rm));
			if (rm) {
				rm->mail.fn = round_del_run;
				rm->k = (unsigned)allow;
				rm->gen = gen;
				atomic_fetch_add(&g.del_asked, allow);
				net_pool_post(g.pool, wi, &rm->mail);
			}
			rr = wi + 1;
		} else {
			sleep_ms(1);
		}
	}
	*left = ike;
	return (double)(lg_now_ns() - t0) / 1e9;
}

/*
 * --cp: the addresses the SAs of this run got, into sum; with the round
 * before's (prev), how many came back the same and how many changed.
 */
static void cp_count(struct lg_summary *sum, unsigned long *same, unsigned long *changed)
{
	unsigned want = g.o.cp_both ? LG_CP4 | LG_CP6 : g.o.src.af == AF_INET6 ? LG_CP6 : LG_CP4;

	*same = *changed = 0;
	sum->cp = g.o.cp;
	if (!g.o.cp)
		return;
	for (unsigned long i = 0; i < sum->started; i++) {
		const struct lg_sa *s = &g.sa[i];

		sum->cp_addrs += (unsigned long)((s->cp & LG_CP4) != 0) + ((s->cp & LG_CP6) != 0);
		if (s->t_ike)	/* asked for and not given */
			sum->cp_refused += (unsigned long)((want & ~s->cp & LG_CP4) != 0) +
					   ((want & ~s->cp & LG_CP6) != 0);
		for (int fam = 0; g.prev && fam < 2; fam++) {
			if (g.addr[i][fam].af == AF_UNSPEC || g.prev[i][fam].af == AF_UNSPEC)
				continue;
			if (ip_addr_eq(&g.addr[i][fam], &g.prev[i][fam]))
				(*same)++;
			else
				(*changed)++;
		}
	}
}

/* --round-cmd CMD, with LG_ROUND, LG_PHASE and LG_UP; false when it failed. */
static bool round_cmd(unsigned long r, const char *phase, unsigned long up)
{
	char v[32];
	int st;

	if (!g.o.round_cmd)
		return true;
	fflush(stdout);
	snprintf(v, sizeof(v), "%lu", r);
	setenv("LG_ROUND", v, 1);
	snprintf(v, sizeof(v), "%lu", up);
	setenv("LG_UP", v, 1);
	setenv("LG_PHASE", phase, 1);
	st = system(g.o.round_cmd);
	if (st != 0) {
		fprintf(stderr, "skua-loadgen: round %lu, %s: --round-cmd failed (status %d)\n", r,
			phase, st);
		return false;
	}
	return true;
}

static uint64_t ike_sum(enum ike_counter k);

/*
 * --rounds: set up, hold, delete, R times with the same clients (and
 * IDs). One line of figures per round, each with the requests of ours sent
 * again in its phase (a responder too slow for our timers, e.g. under
 * valgrind, does that work twice); returns the exit status.
 */
static int rounds_run(const char *cmdline)
{
	bool ok = true;

	for (unsigned long r = 1; r <= g.o.rounds && !g.stop; r++) {
		struct lg_summary sum;
		unsigned long same, changed;
		uint64_t cutoff, left = 0;
		double cpu0 = lg_cpu_s(), cpu1, del_s, until;
		uint64_t rtx = ike_sum(IKEC_TX_RETRANSMIT);

		memset(g.sa, 0, g.o.n * sizeof(*g.sa));
		atomic_store(&g.tot.started, 0);
		atomic_store(&g.tot.done, 0);
		atomic_store(&g.tot.ike_up, 0);
		atomic_store(&g.tot.child_up, 0);
		atomic_store(&g.tot.failed, 0);
		g.t0 = lg_now_ns();
		cutoff = run();
		lg_summarize(g.sa, g.o.n, atomic_load(&g.tot.started), g.t0, cpu0, cutoff, &sum);
		cp_count(&sum, &same, &changed);
		cpu1 = lg_cpu_s();
		printf("round %lu: %lu/%lu IKE SAs up, %lu Child SAs, %lu failed, %lu unfinished, "
		       "in %.3f s (%.1f/s)",
		       r, sum.ike_up, g.o.n, sum.child_up, sum.failed, sum.unfinished, sum.elapsed_s,
		       sum.rate);
		if (g.o.cp) {
			printf("; addresses %lu received, %lu refused", sum.cp_addrs, sum.cp_refused);
			if (r > 1)
				printf(", %lu same as round %lu, %lu changed", same, r - 1, changed);
		}
		printf("; generator CPU %.2f s; %llu retransmitted\n", cpu1 - cpu0,
		       (unsigned long long)(ike_sum(IKEC_TX_RETRANSMIT) - rtx));
		fflush(stdout);
		if (g.o.json && lg_write_json(g.o.json, &sum, g.sa, sum.started, g.t0, cutoff,
					      cmdline, NULL) < 0)
			fprintf(stderr, "skua-loadgen: --json %s: %s\n", g.o.json, strerror(errno));
		if (sum.ike_up != g.o.n)
			ok = false;
		if (atomic_load(&g.tot.done) != sum.started) {
			/* the engine still holds some records: they cannot be reused */
			fprintf(stderr, "skua-loadgen: round %lu: %lu SAs still negotiating at the "
				"--timeout: no further round\n", r, sum.started - atomic_load(&g.tot.done));
			return 1;
		}
		until = (double)lg_now_ns() / 1e9 + g.o.round_hold_s;
		while (!g.stop && (double)lg_now_ns() / 1e9 < until)
			sleep_ms(10);
		if (!round_cmd(r, "up", sum.ike_up)) {
			ok = false;
			break;
		}
		rtx = ike_sum(IKEC_TX_RETRANSMIT);
		del_s = delete_all(&left);
		printf("round %lu: deleted in %.3f s (%.1f/s), %llu IKE SAs left; %llu retransmitted\n",
		       r, del_s, del_s > 0 ? (double)sum.ike_up / del_s : 0.0, (unsigned long long)left,
		       (unsigned long long)(ike_sum(IKEC_TX_RETRANSMIT) - rtx));
		fflush(stdout);
		if (left)
			ok = false;
		if (!round_cmd(r, "down", sum.ike_up)) {
			ok = false;
			break;
		}
		if (g.addr) {
			struct ip_addr (*t)[2] = g.prev;
			g.prev = g.addr;
			g.addr = t;
		}
	}
	return ok && !g.stop ? 0 : 1;
}

/* ---- the hold: rekeys, stalls and lapses ---- */

/* What one worker's SAs look like at the end of the hold. Written by that worker only. */
struct census {
	unsigned long ike_live, ike_never, child_live, child_never, ike_childless, stale;
};

struct census_mail {
	struct mail mail;
	struct census *out;
	atomic_uint *left;
};

static int cmp_serial(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* An IKE SA made by the setup (not by a rekey): it was never rekeyed. */
static bool set_up_serial(uint64_t serial)
{
	return g.norig && bsearch(&serial, g.orig_serials, g.norig, sizeof(serial), cmp_serial);
}

/*
 * Count this worker's SAs: an IKE SA that is up (one per SA the generator
 * holds: a rekeyed one's replacement, or the one being replaced while its
 * rekey runs, never both), with its installed Child SAs that no rekey has
 * superseded yet (one per tunnel, collisions included, since the
 * redundant twin is superseded at once).
 */
static void census_run(struct mail *m, void *ctx)
{
	struct census_mail *cm = caa_container_of(m, struct census_mail, mail);
	struct net_worker *nw = ctx;
	struct census *c = cm->out;
	atomic_uint *left = cm->left;

	for (struct ike_sa *sa = g.ike.w[nw->index].sas; sa; sa = sa->next) {
		unsigned long n = 0;

		if (sa->dead || sa->state != IKE_ESTABLISHED)
			continue;
		c->ike_live++;
		if (set_up_serial(sa->serial))
			c->ike_never++;
		for (struct child_sa *ch = sa->children; ch; ch = ch->next) {
			if (ch->state != CHILD_INSTALLED)
				continue;
			if (ch->superseded) {
				c->stale++;	/* replaced, its Delete not done yet */
				continue;
			}
			n++;
			if (!ch->rekey_of)
				c->child_never++;
		}
		c->child_live += n;
		if (!n)
			c->ike_childless++;
	}
	free(cm);
	atomic_fetch_sub_explicit(left, 1, memory_order_release);
}

/* Ask every worker for its census and wait (bounded); false when one did not answer. */
static bool census(struct census *total)
{
	struct census per[NET_MAX_WORKERS];
	atomic_uint left = g.o.workers;
	uint64_t until = lg_now_ns() + 10000000000ull;

	memset(per, 0, sizeof(per));
	memset(total, 0, sizeof(*total));
	for (unsigned i = 0; i < g.o.workers; i++) {
		struct census_mail *cm = calloc(1, sizeof(*cm));
		if (!cm)
			return false;
		cm->mail.fn = census_run;
		cm->out = &per[i];
		cm->left = &left;
		net_pool_post(g.pool, i, &cm->mail);
	}
	while (atomic_load_explicit(&left, memory_order_acquire)) {
		if (lg_now_ns() > until) {
			/* the mails still hold pointers into per[]: stay until they are done */
			while (atomic_load_explicit(&left, memory_order_acquire))
				sleep_ms(10);
			return false;
		}
		sleep_ms(1);
	}
	for (unsigned i = 0; i < g.o.workers; i++) {
		total->ike_live += per[i].ike_live;
		total->ike_never += per[i].ike_never;
		total->child_live += per[i].child_live;
		total->child_never += per[i].child_never;
		total->ike_childless += per[i].ike_childless;
		total->stale += per[i].stale;
	}
	return true;
}

static uint64_t ike_sum(enum ike_counter k)
{
	return counters_sum(g.ike.ctr, k);
}

static void sample(uint32_t t)
{
	struct lg_rekey *rk = &g.rk;
	struct lg_rekey_sample *v;

	if ((rk->nseries & (rk->nseries - 1)) == 0) {	/* 0, 1, 2, 4...: grow */
		v = realloc(rk->series, (rk->nseries ? 2 * rk->nseries : 64) * sizeof(*v));
		if (!v)
			return;
		rk->series = v;
	}
	rk->series[rk->nseries++] = (struct lg_rekey_sample){
		.t = t,
		.ike_rekeyed = ike_sum(IKEC_IKE_REKEYED),
		.child_rekeyed = ike_sum(IKEC_CHILD_REKEYED),
		.tx_retransmit = ike_sum(IKEC_TX_RETRANSMIT),
		.ike_up = ike_sum(IKEC_IKE_UP),
		.child_sas = ike_sum(IKEC_CHILD_SAS),
	};
}

/* The event-loop rounds of the generator's workers, by duration bucket (not cumulative). */
static void rounds(uint64_t out[NET_ROUND_BOUNDS + 1])
{
	struct counters *ctr = net_pool_counters(g.pool);

	memset(out, 0, (NET_ROUND_BOUNDS + 1) * sizeof(*out));
	for (unsigned i = 0; i < g.o.workers; i++) {
		uint64_t cum[NET_ROUND_BOUNDS + 1], sum, below = 0;
		counters_hist_read(ctr, i, NWC_ROUND_MS, NET_ROUND_BOUNDS, cum, &sum);
		for (unsigned k = 0; k <= NET_ROUND_BOUNDS; k++) {
			out[k] += cum[k] - below;
			below = cum[k];
		}
	}
}

/*
 * Hold the SAs (hold_s seconds, or until a signal), sampling the engine's
 * counters every second; then count what is left and what the rekeys did.
 */
static void hold(const struct lg_summary *sum)
{
	struct lg_rekey *rk = &g.rk;
	uint64_t start = lg_now_ns(), next = start, until = start + (uint64_t)(g.o.hold_s * 1e9);
	uint64_t tx0 = ike_sum(IKEC_TX_RETRANSMIT), rx0 = ike_sum(IKEC_RX_RETRANSMIT);
	uint64_t r0[NET_ROUND_BOUNDS + 1], r1[NET_ROUND_BOUNDS + 1];
	struct census c;
	uint32_t t = 0;

	rounds(r0);
	while (!g.stop && (g.o.hold_s < 0 || lg_now_ns() < until)) {
		if (lg_now_ns() >= next) {
			sample(t++);
			next += 1000000000ull;
		}
		sleep_ms(50);
	}
	sample(t);
	rk->hold_s = (double)(lg_now_ns() - start) / 1e9;
	rk->ike_rekeyed = ike_sum(IKEC_IKE_REKEYED);
	rk->child_rekeyed = ike_sum(IKEC_CHILD_REKEYED);
	for (unsigned b = 0; b < IKE_REKEY_BUCKETS; b++)
		for (unsigned i = 0; i < g.o.workers; i++)
			rk->hist[b] += atomic_load_explicit(&g.ike.w[i].rekey_ms_log2[b],
							    memory_order_relaxed);
	rk->child_failed = ike_sum(IKEC_CHILD_FAILED);
	rk->peer_dead = ike_sum(IKEC_PEER_DEAD);
	rk->ike_deleted = ike_sum(IKEC_IKE_DELETED);
	rk->rekey_failed = ike_sum(IKEC_REKEY_FAILED);
	rk->rekey_refused = ike_sum(IKEC_REKEY_REFUSED);
	rk->temp_fail_recv = ike_sum(IKEC_TEMP_FAIL_RECV);
	rk->temp_fail_sent = ike_sum(IKEC_TEMP_FAIL_SENT);
	rk->ike_expired = ike_sum(IKEC_IKE_EXPIRED);
	rk->child_expired = ike_sum(IKEC_CHILD_EXPIRED);
	rk->tx_retransmit = ike_sum(IKEC_TX_RETRANSMIT) - tx0;
	rk->rx_retransmit = ike_sum(IKEC_RX_RETRANSMIT) - rx0;
	rounds(r1);
	rk->round_bucket = rk->round_bucket_all = -1;
	for (unsigned b = 0; b <= NET_ROUND_BOUNDS; b++) {
		if (r1[b] > r0[b])
			rk->round_bucket = (int)b;
		if (r1[b])
			rk->round_bucket_all = (int)b;
	}
	rk->ike_expected = sum->ike_up;
	rk->child_expected = sum->child_up;
	rk->census_ok = census(&c);
	rk->ike_live = c.ike_live;
	rk->ike_never = c.ike_never;
	rk->child_live = c.child_live;
	rk->child_never = c.child_never;
	rk->ike_childless = c.ike_childless;
	rk->child_stale = c.stale;
	lg_rekey_finish(rk);
}

static void argv_line(int argc, char **argv, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < argc && n + 1 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

static void plot(const char *csv, const char *prefix)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "sh '%s/plot.sh' '%s' '%s'", SKUA_BENCH_DIR, csv, prefix);
	if (system(cmd) != 0)
		fprintf(stderr, "skua-loadgen: plotting failed (is gnuplot installed?): %s\n", cmd);
}

int main(int argc, char **argv)
{
	struct log_config lc = { .dest = LOG_DEST_FILE, .ident = "skua-loadgen", .no_time = true };
	struct lg_summary sum;
	char cmdline[1024], tmpcsv[64] = "";
	uint64_t cutoff;
	double cpu_t0;
	int rc;

	if (parse_opts(argc, argv, &g.o) < 0)
		return 2;
	lc.file = g.o.log;
	if (log_init(&lc) < 0) {
		fprintf(stderr, "skua-loadgen: --log %s: %s\n", g.o.log, strerror(errno));
		return 2;
	}
	/*
	 * As in pluto: the workers hand their lines to the log thread, which
	 * formats them and writes many in one write(). Written by the worker
	 * itself, each line cost a write() (about 10 lines per SA in a storm).
	 */
	rc = log_thread_start();
	if (rc < 0)
		fprintf(stderr, "skua-loadgen: no log thread (%s): the workers write their lines\n",
			strerror(-rc));
	g.sa = calloc(g.o.n, sizeof(*g.sa));
	if (g.o.cp) {
		g.addr = calloc(g.o.n, sizeof(*g.addr));
		g.prev = calloc(g.o.n, sizeof(*g.prev));
	}
	if (!g.sa || (g.o.cp && (!g.addr || !g.prev))) {
		fprintf(stderr, "skua-loadgen: no memory for %lu SA records\n", g.o.n);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rcu_register_thread();
	rc = make_conns();
	if (rc == 0)
		rc = engine_start();
	if (rc < 0) {
		fprintf(stderr, "skua-loadgen: cannot start the engine: %s\n", strerror(-rc));
		return 1;
	}
	argv_line(argc, argv, cmdline, sizeof(cmdline));
	if (g.o.rounds) {
		rc = rounds_run(cmdline);
		engine_stop();
		rcu_unregister_thread();
		return rc;
	}
	if (g.o.ke_ahead && (rc = ke_ahead_make()) < 0) {
		engine_stop();
		rcu_unregister_thread();
		return 1;
	}
	cpu_t0 = lg_cpu_s();
	g.t0 = lg_now_ns();
	cutoff = run();
	lg_summarize(g.sa, g.o.n, atomic_load(&g.tot.started), g.t0, cpu_t0, cutoff, &sum);
	{
		unsigned long same, changed;
		cp_count(&sum, &same, &changed);
	}
	lg_print_summary(stdout, &sum);
	fflush(stdout);
	if (g.o.json &&
	    lg_write_json(g.o.json, &sum, g.sa, sum.started, g.t0, cutoff, cmdline, NULL) < 0)
		fprintf(stderr, "skua-loadgen: --json %s: %s\n", g.o.json, strerror(errno));
	if (g.o.plot && !g.o.csv) {
		snprintf(tmpcsv, sizeof(tmpcsv), "/tmp/skua-loadgen-%d.csv", (int)getpid());
		g.o.csv = tmpcsv;
	}
	if (g.o.csv && lg_write_csv(g.o.csv, g.sa, sum.started, g.t0, cutoff) < 0)
		fprintf(stderr, "skua-loadgen: --csv %s: %s\n", g.o.csv, strerror(errno));
	if (g.o.plot)
		plot(g.o.csv, g.o.plot);
	if (tmpcsv[0])
		unlink(tmpcsv);
	if (g.o.ready) {
		FILE *f = fopen(g.o.ready, "w");
		if (f) {
			lg_print_summary(f, &sum);
			fclose(f);
		}
	}
	if (!g.o.teardown && g.o.hold_s != 0 && !g.stop) {
		/* The IKE SAs as set up: a census finds which were never rekeyed. */
		g.orig_serials = malloc((sum.started ? sum.started : 1) * sizeof(*g.orig_serials));
		for (unsigned long i = 0; g.orig_serials && i < sum.started; i++)
			if (g.sa[i].t_ike && g.sa[i].serial)
				g.orig_serials[g.norig++] = g.sa[i].serial;
		if (g.orig_serials)
			qsort(g.orig_serials, g.norig, sizeof(*g.orig_serials), cmp_serial);
		hold(&sum);
		lg_print_rekey(stdout, &g.rk);
		fflush(stdout);
		if (g.o.json && lg_write_json(g.o.json, &sum, g.sa, sum.started, g.t0, cutoff,
					      cmdline, &g.rk) < 0)
			fprintf(stderr, "skua-loadgen: --json %s: %s\n", g.o.json, strerror(errno));
		if (g.o.held) {
			FILE *f = fopen(g.o.held, "w");
			if (f) {
				lg_print_rekey(f, &g.rk);
				fclose(f);
			} else {
				fprintf(stderr, "skua-loadgen: --held %s: %s\n", g.o.held,
					strerror(errno));
			}
			while (!g.stop)
				sleep_ms(100);
		}
	}
	if (g.o.teardown) {
		/* let the Deletes be answered, within the setup bound */
		uint64_t until = lg_now_ns() + (uint64_t)(g.o.timeout_s * 1e9);
		uint64_t ike, ho, up, child;
		for (;;) {
			ike_cmd_counts(&g.ike, &ike, &ho, &up, &child);
			if (!ike || g.stop || lg_now_ns() > until)
				break;
			sleep_ms(10);
		}
	}
	engine_stop();
	rcu_unregister_thread();
	return sum.ike_up == sum.requested ? 0 : 1;
}
