/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1 XAUTH (draft-beaulieu-ike-xauth-02) between two in-process engines
 * (xch.h): west (127.0.0.1) is the XAUTH client and initiates Main Mode,
 * east (127.0.0.2) the server, checking a libreswan-style passwd file
 * written here with crypt(3). Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exchange/xch.h"
#include "ike/ike_cmd.h"
#include "ike/pool.h"
#include "ike/v1/exchange.h"
#include "ike/v1/msg.h"
#include "ike/v1/state.h"
#include "util/impair.h"

static char dir[64];

static void setup(void)
{
	xch_setup();
	snprintf(dir, sizeof(dir), "/tmp/skua-xauth-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/passwd", dir);
	unlink(path);
	rmdir(dir);
	xch_teardown();
}

TestSuite(v1_xauth, .init = setup, .fini = teardown, .timeout = 60);

/* east's passwd file: one line per user, "user:crypt(password)[:conn]" */
static void passwd(const char *user, const char *pw, const char *conn)
{
	char path[128], salt[64];
	struct crypt_data cd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	memset(&cd, 0, sizeof(cd));
	cr_assert_not_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
	fprintf(f, "# a comment\n%s:%s%s%s\n", user, crypt_r(pw, salt, &cd), conn ? ":" : "",
		conn ? conn : "");
	fclose(f);
	xch_daemon(XCH_EAST)->ipsecdir = dir;
}

/* what the initiating whack sees */
struct test_progress {
	struct ike_progress pr;
	char lines[4096];
};

static void tp_line(struct ike_progress *pr, unsigned rc, const char *text)
{
	struct test_progress *t = (struct test_progress *)pr;
	size_t n = strlen(t->lines);

	(void)rc;
	snprintf(t->lines + n, sizeof(t->lines) - n, "%s\n", text);
}

static void tp_release(struct ike_progress *pr)
{
	(void)pr;
}

static const struct ike_progress_ops tp_ops = { .line = tp_line, .release = tp_release };
static struct test_progress tp;

#define XCONN                                                                                \
	"--name v1 --ikev1 --host 127.0.0.1 --id @west --xauthclient --to --host 127.0.0.2 " \
	"--id @east --xauthserver --psk --encrypt"

/* Both sides' connection (extra appended), the PSK, and west initiating with user/pass. */
static void xauth_start(const char *extra, const char *user, const char *pass)
{
	char args[512];

	snprintf(args, sizeof(args), "%s%s", XCONN, extra);
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add_both(args);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	memset(&tp, 0, sizeof(tp));
	tp.pr.ops = &tp_ops;
	atomic_store(&tp.pr.refs, 1);
	tp.pr.xauth_user = user;
	tp.pr.xauth_pass = pass;
	xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
}

static const struct xch_msg *step_expect(enum xch_side from, const char *desc)
{
	const struct xch_msg *m = xch_step(from);

	cr_assert_not_null(m, "nothing on the wire; expected %s", desc);
	cr_assert_str_eq(m->desc, desc);
	return m;
}

static const struct v1_cfg *cfg_of(const struct xch_msg *m)
{
	cr_assert_eq(m->v1m->hdr.exchange, V1_X_TRANSACTION);
	cr_assert_neq(m->v1m->hdr.msgid, 0);
	return m->v1m->pl[1].u.cfg;
}

/* Main Mode, then the server's REQUEST: everything up to west's REPLY. */
static void to_reply(void)
{
	const struct xch_msg *m;
	const struct v1_cfg *cfg;

	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_XAUTH_I0);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_XAUTH_R0);
	cr_assert_null(xch_sa(XCH_WEST)->v1->qm, "Quick Mode before XAUTH");
	m = step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}");
	cfg = cfg_of(m);
	cr_assert_eq(cfg->type, V1_CFG_REQUEST);
	cr_assert_eq(cfg->nattr, 2);
	cr_assert_eq(cfg->attr[0].type, 16521);	/* XAUTH-USER-NAME */
	cr_assert_eq(cfg->attr[1].type, 16522);	/* XAUTH-USER-PASSWORD */
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_XAUTH_I1);
}

/* The phase 1 proposals carry XAUTHInitPreShared (65001), both ways. */
static void assert_auth_xauth(const struct xch_msg *m)
{
	const struct v1_sa *sa = m->v1m->pl[0].u.sa;
	const struct v1_attr *a =
		v1_sa_attr(sa, &sa->trans[sa->prop[0].first_trans], V1_A_AUTH);

	cr_assert_not_null(a);
	cr_assert_eq(a->value, V1_AUTH_XAUTH_I_PSK);
}

Test(v1_xauth, good_password_then_quick_mode)
{
	const struct xch_msg *m;
	const struct v1_cfg *cfg;

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	assert_auth_xauth(step_expect(XCH_WEST, "v1 Main: SA VID VID VID VID VID"));
	assert_auth_xauth(step_expect(XCH_EAST, "v1 Main: SA VID VID"));
	for (int i = 2; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	m = step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}");
	cr_assert_eq(cfg_of(m)->type, V1_CFG_REQUEST);
	m = step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");
	cfg = cfg_of(m);
	cr_assert_eq(cfg->type, V1_CFG_REPLY);
	cr_assert_eq(cfg->nattr, 2);
	cr_assert_eq(cfg->attr[0].len, 5);
	cr_assert_arr_eq(cfg->attr[0].val, "alice", 5);
	m = step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}");
	cfg = cfg_of(m);
	cr_assert_eq(cfg->type, V1_CFG_SET);
	cr_assert_eq(cfg->attr[0].type, 16527);	/* XAUTH-STATUS */
	cr_assert(cfg->attr[0].basic);
	cr_assert_eq(cfg->attr[0].value, 1, "OK");
	m = step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");
	cr_assert_eq(cfg_of(m)->type, V1_CFG_ACK);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R3);
	cr_assert_str_eq(xch_sa(XCH_EAST)->v1->xauth_user, "alice");
	/* then Quick Mode from west */
	cr_assert_eq(xch_run_until_quiet(), 3);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MAIN_I4);
	cr_assert_not_null(strstr(tp.lines, "XAUTH: Successfully Authenticated"), "%s", tp.lines);
	cr_assert_null(strstr(tp.lines, "open sesame"), "the password was shown");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
}

Test(v1_xauth, bad_password_fails_and_deletes)
{
	const struct xch_msg *m;
	const struct v1_cfg *cfg;

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open barley");
	to_reply();
	step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");
	m = step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}");
	cfg = cfg_of(m);
	cr_assert_eq(cfg->type, V1_CFG_SET);
	cr_assert_eq(cfg->attr[0].value, 0, "FAIL");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");	/* ACK */
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west kept its SA after XAUTH failed");
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east kept the SA of a wrong password");
	cr_assert_not_null(strstr(tp.lines, "authentication failed"), "%s", tp.lines);
	/* east's Deletes reach a west that has nothing left */
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_IKE_DELETED), 1);
}

/*
 * --xauthby pam: a PAM configuration of its own (pam_start_confdir()):
 * service "pluto" with pam_exec, which gives the password on stdin to a
 * script that takes alice with "open sesame" (and checks PAM_SERVICE and
 * PAM_RHOST, the peer's address), and the account module given
 * (pam_permit, or pam_deny: a locked account).
 */
static void pam_conf(const char *account)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/check.sh", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "#!/bin/sh\n"
		   "pw=$(tr -d '\\000')\n"
		   "[ \"$PAM_USER\" = alice ] && [ \"$pw\" = 'open sesame' ] && "
		   "[ \"$PAM_SERVICE\" = pluto ] && [ \"$PAM_RHOST\" = 127.0.0.1 ]\n");
	fclose(f);
	cr_assert_eq(chmod(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/pluto", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	/* as Debian's common-auth: pam_exec's "no" (PAM_SYSTEM_ERR) made pam_deny's (AUTH_ERR) */
	fprintf(f, "auth [success=1 default=ignore] pam_exec.so quiet expose_authtok %s/check.sh\n"
		   "auth requisite pam_deny.so\n"
		   "auth required pam_permit.so\n"
		   "account required %s\n", dir, account);
	fclose(f);
	xch_set_pam_confdir(XCH_EAST, dir);
}

static void pam_conf_remove(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/check.sh", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pluto", dir);
	unlink(path);
}

/* The SET's XAUTH-STATUS after west's REPLY with user/pass to east's --xauthby pam. */
static unsigned pam_status(const char *account, const char *user, const char *pass)
{
	unsigned status;

	pam_conf(account);
	xauth_start(" --xauthby pam", user, pass);
	to_reply();
	step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");
	status = cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"))->attr[0].value;
	pam_conf_remove();
	return status;
}

Test(v1_xauth, pam_good_password_then_quick_mode)
{
	cr_assert_eq(pam_status("pam_permit.so", "alice", "open sesame"), 1, "OK");
	step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");	/* ACK */
	cr_assert_str_eq(xch_sa(XCH_EAST)->v1->xauth_user, "alice");
	cr_assert_eq(xch_run_until_quiet(), 3);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
	cr_assert_eq(xch_daemon(XCH_EAST)->pwcheck->checked, 1);
	cr_assert_eq(xch_daemon(XCH_EAST)->pwcheck->refused, 0);
}

Test(v1_xauth, pam_bad_password_fails)
{
	cr_assert_eq(pam_status("pam_permit.so", "alice", "open barley"), 0, "FAIL");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_daemon(XCH_EAST)->pwcheck->refused, 1);
	step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");	/* ACK */
	cr_assert_eq(xch_sa_count(XCH_EAST), 0, "east kept the SA of a wrong password");
}

Test(v1_xauth, pam_unknown_user_fails)
{
	cr_assert_eq(pam_status("pam_permit.so", "bob", "open sesame"), 0, "FAIL");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
}

/* The right password of an account PAM refuses (pam_acct_mgmt()): no. */
Test(v1_xauth, pam_account_refused_fails)
{
	cr_assert_eq(pam_status("pam_deny.so", "alice", "open sesame"), 0, "FAIL");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_daemon(XCH_EAST)->pwcheck->refused, 1);
}

/* A stack PAM cannot run (a module that does not exist): not a yes. */
Test(v1_xauth, pam_broken_stack_fails)
{
	cr_assert_eq(pam_status("pam_no_such_module_skua.so", "alice", "open sesame"), 0, "FAIL");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_daemon(XCH_EAST)->pwcheck->errors, 1);
	cr_assert_eq(xch_daemon(XCH_EAST)->pwcheck->refused, 0);
}

/* An unknown user, and a user whose line names another connection, fail the same way. */
Test(v1_xauth, unknown_user_and_other_conn_fail)
{
	passwd("bob", "open sesame", "v1");
	passwd("alice", "open sesame", "another");
	xauth_start("", "alice", "open sesame");
	to_reply();
	step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}");
	cr_assert_eq(cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"))->attr[0].value, 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
}

/* --xauthby alwaysok: any password. */
Test(v1_xauth, alwaysok_takes_any_password)
{
	xauth_start(" --xauthby alwaysok", "alice", "anything");
	cr_assert_eq(xch_run_until_quiet(), 13);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_str_eq(xch_sa(XCH_EAST)->v1->xauth_user, "alice");
}

Test(v1_xauth, soft_fail_continues)
{
	passwd("alice", "open sesame", NULL);
	xauth_start(" --xauthfail soft", "alice", "wrong");
	cr_assert_eq(xch_run_until_quiet(), 13);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_str_eq(xch_sa(XCH_EAST)->v1->xauth_user, "", "a soft failure names no user");
}

/* A lost REQUEST is sent again; a lost REPLY too (the REQUEST again gets the same REPLY). */
Test(v1_xauth, lost_transaction_messages)
{
	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_not_null(xch_drop_next(XCH_EAST));	/* the REQUEST */
	xch_advance(XCH_EAST, 600);
	step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}");
	cr_assert_not_null(xch_drop_next(XCH_WEST));	/* the REPLY */
	xch_advance(XCH_EAST, 1100);
	/* the REQUEST again (west's chain has moved on: the harness cannot open it) */
	step_expect(XCH_EAST, "v1 Transaction: E");
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_RETRANSMIT), 1);
	cr_assert_eq(xch_run_until_quiet(), 6);		/* REPLY, SET, ACK, Quick Mode 1-3 */
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
}

/* A client with no user name ends its SA with a clear message, the password never asked. */
Test(v1_xauth, client_without_user_gives_up)
{
	xauth_start("", NULL, NULL);
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_not_null(xch_step(XCH_EAST));	/* the REQUEST */
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_not_null(strstr(tp.lines, "no XAUTH user name"), "%s", tp.lines);
}

/* ---- prompting through whack (libreswan's 041 / 040) ---- */

/* A whack that can be asked: the prompts it got, the answer callback pending. */
static struct {
	unsigned n;
	unsigned rc[4];
	char line[4][256];
	ike_answer_fn *done;
	void *arg;
} asked;

static bool tp_ask(struct ike_progress *pr, unsigned rc, const char *line, ike_answer_fn *done,
		   void *arg)
{
	(void)pr;
	cr_assert_null(asked.done, "asked again before the answer");
	if (asked.n < 4) {
		asked.rc[asked.n] = rc;
		snprintf(asked.line[asked.n], sizeof(asked.line[0]), "%s", line);
	}
	asked.n++;
	asked.done = done;
	asked.arg = arg;
	return true;
}

static const struct ike_progress_ops tp_ask_ops = { .line = tp_line, .release = tp_release,
						    .ask = tp_ask };

/* whack's answer (NULL: none), as the ctl thread hands it over; then the worker runs. */
static void answer(const char *text)
{
	ike_answer_fn *done = asked.done;

	cr_assert_not_null(done, "nothing was asked");
	asked.done = NULL;
	done(asked.arg, text);
	xch_pump();
}

/* Main Mode and the server's REQUEST, west with no user and no password, a whack to ask. */
static void prompt_start(void)
{
	memset(&asked, 0, sizeof(asked));
	passwd("alice", "open sesame", NULL);
	xauth_start("", NULL, NULL);
	tp.pr.ops = &tp_ask_ops;
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_not_null(xch_step(XCH_EAST));	/* the REQUEST */
}

Test(v1_xauth, xauth_with_a_prompt)
{
	char name[64];

	prompt_start();
	snprintf(name, sizeof(name), "\"v1\" #%llu: prompt for Username:",
		 (unsigned long long)xch_sa(XCH_WEST)->serial);
	cr_assert_eq(asked.n, 1);
	cr_assert_eq(asked.rc[0], RC_USERPROMPT);
	cr_assert_str_eq(asked.line[0], name);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_XAUTH_I0);
	cr_assert_not(xch_pending(XCH_WEST), "answered before whack did");
	/* the server's retransmission while the user types is not answered */
	xch_advance(XCH_EAST, 600);
	cr_assert_not_null(xch_step(XCH_EAST));
	cr_assert_not(xch_pending(XCH_WEST));
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 1);
	answer("alice");
	cr_assert_eq(asked.n, 2);
	cr_assert_eq(asked.rc[1], RC_ENTERSECRET);
	cr_assert_not_null(strstr(asked.line[1], "prompt for Password:"), "%s", asked.line[1]);
	cr_assert_not(xch_pending(XCH_WEST));
	answer("open sesame");
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_XAUTH_I1);
	cr_assert_eq(xch_run_until_quiet(), 6);	/* REPLY, SET, ACK, Quick Mode */
	cr_assert_str_eq(xch_sa(XCH_EAST)->v1->xauth_user, "alice");
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
	cr_assert_not_null(strstr(tp.lines, "XAUTH: Successfully Authenticated"), "%s", tp.lines);
	cr_assert_null(strstr(tp.lines, "open sesame"), "the password was shown");
}

/* The user name from --xauthuser, only the password asked; a wrong one fails as XAUTH does. */
Test(v1_xauth, prompt_for_the_password_only)
{
	memset(&asked, 0, sizeof(asked));
	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", NULL);
	tp.pr.ops = &tp_ask_ops;
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_not_null(xch_step(XCH_EAST));	/* the REQUEST */
	cr_assert_eq(asked.n, 1);
	cr_assert_eq(asked.rc[0], RC_ENTERSECRET);
	answer("not it");
	xch_run_until_quiet();
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 1);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* No answer (whack went, or timed out): the XAUTH fails with a clear line, the SA goes. */
Test(v1_xauth, prompt_without_an_answer_fails)
{
	prompt_start();
	cr_assert_eq(asked.n, 1);
	answer(NULL);
	cr_assert_eq(asked.n, 1, "the password was asked after no user name");
	cr_assert_not_null(strstr(tp.lines, "no Username entered, aborted"), "%s", tp.lines);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_AUTH_FAILED), 1);
	/* the server hears of it (a Delete) and lets its SA go too */
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

/* A user name longer than the SA keeps is refused, not cut. */
Test(v1_xauth, prompt_user_too_long)
{
	char big[200];

	memset(big, 'u', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	prompt_start();
	answer(big);
	cr_assert_eq(asked.n, 1);
	cr_assert_not_null(strstr(tp.lines, "XAUTH: the user name is too long"), "%s", tp.lines);
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
}

/* An answer that comes after the SA went is let go. */
Test(v1_xauth, late_answer_is_dropped)
{
	prompt_start();
	ike_sa_delete(xch_sa(XCH_WEST), false);
	xch_pump();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	answer("alice");
	cr_assert_eq(asked.n, 1);
	cr_assert_not(xch_pending(XCH_WEST));
}

/* A Transaction whose HASH is wrong is dropped and counted; the exchange goes on. */
Test(v1_xauth, bad_hash_is_dropped)
{
	const struct xch_msg *m;
	uint8_t *bytes;

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	m = xch_drop_next(XCH_EAST);
	cr_assert_not_null(m);
	bytes = xch_msg_copy(m);
	bytes[V1_HDR_SIZE + 16] ^= 0x80;	/* inside HASH's value (CBC: the second block) */
	xch_send_raw(XCH_EAST, bytes, m->len);
	free(bytes);
	xch_step(XCH_EAST);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 1);
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_XAUTH_I0);
	xch_advance(XCH_EAST, 600);
	cr_assert_eq(xch_run_until_quiet(), 7);
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
}

/* A Quick Mode before XAUTH is done is not taken. */
Test(v1_xauth, no_quick_mode_before_xauth)
{
	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	to_reply();
	cr_assert_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_XAUTH_R0);
}

/* Without --xauthpass the client's password comes from the secrets ("@alice : XAUTH ..."). */
static int secrets_xauth(void *ctx, const char *user, uint8_t *out, size_t cap)
{
	(void)ctx;
	if (strcmp(user, "alice") != 0 || cap < 11)
		return -ENOENT;
	memcpy(out, "open sesame", 11);
	return 11;
}

Test(v1_xauth, password_from_the_secrets)
{
	passwd("alice", "open sesame", NULL);
	xch_daemon(XCH_WEST)->xauth_lookup = secrets_xauth;
	xauth_start("", "alice", NULL);
	cr_assert_eq(xch_run_until_quiet(), 13);
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_AUTH_FAILED), 0);
}


/* ---- Mode Config (draft-dukes-ike-mode-cfg), after XAUTH ---- */

#define MC_EAST                                                                               \
	"--name v1 --ikev1 --host 127.0.0.2 --id @east --client 0.0.0.0/0 %s --modecfgserver "  \
	"--modecfgdns 192.0.2.53 --modecfgdomains example.com --to --host 127.0.0.1 --id @west " \
	"--addresspool 10.9.0.10-10.9.0.20 --psk --encrypt --tunnel%s"
#define MC_WEST                                                                               \
	"--name v1 --ikev1 --host 127.0.0.1 --id @west %s --modecfgclient --to --host "         \
	"127.0.0.2 --id @east --client 0.0.0.0/0 --psk --encrypt --tunnel%s"

static void mc_start(bool xauth, const char *extra)
{
	char e[512], w[512];

	snprintf(e, sizeof(e), MC_EAST, xauth ? "--xauthserver" : "", extra);
	snprintf(w, sizeof(w), MC_WEST, xauth ? "--xauthclient" : "", extra);
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_EAST, e);
	xch_conn_add(XCH_WEST, w);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	passwd("alice", "open sesame", NULL);
	memset(&tp, 0, sizeof(tp));
	tp.pr.ops = &tp_ops;
	atomic_store(&tp.pr.refs, 1);
	tp.pr.xauth_user = "alice";
	tp.pr.xauth_pass = "open sesame";
	xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
}

/* Both IPsec SAs are the leased address's: west's IDci, east's narrowed remote side. */
static void assert_mc_up(void)
{
	char a[IP_ADDR_STRLEN], t[80];
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	cr_assert_not_null(w->ext->given);
	cr_assert_str_eq(ip_addr_str(&w->ext->given->assigned[0], a), "10.9.0.10");
	cr_assert_str_eq(w->ext->given->dns_info, "192.0.2.53");
	cr_assert_str_eq(w->ext->given->domain_info, "example.com");
	cr_assert_str_eq(ip_addr_str(&ike_sa_lease(e)->addr[0], a), "10.9.0.10");
	cr_assert_not_null(w->children);
	cr_assert_not_null(e->children);
	cr_assert_str_eq(ike_ts_str(&w->children->ts_local, t, sizeof(t)), "10.9.0.10/32");
	cr_assert_str_eq(ike_ts_str(&e->children->ts_remote, t, sizeof(t)), "10.9.0.10/32");
	cr_assert_str_eq(ike_ts_str(&e->children->ts_local, t, sizeof(t)), "0.0.0.0/0");
	cr_assert_eq(w->state, IKE_V1_MAIN_I4);
	cr_assert_eq(e->state, IKE_V1_MAIN_R3);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
}

static const uint8_t *attr_val(const struct v1_cfg *cfg, uint16_t type, uint16_t *len)
{
	for (unsigned i = 0; i < cfg->nattr; i++)
		if (cfg->attr[i].type == type) {
			*len = cfg->attr[i].len;
			return cfg->attr[i].val;
		}
	return NULL;
}

Test(v1_xauth, modecfg_push_after_xauth)
{
	const struct v1_cfg *cfg;
	const uint8_t *v;
	uint16_t len = 0;

	mc_start(true, "");
	for (int i = 0; i < 10; i++)		/* Main Mode (west first), XAUTH (east first) */
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	cr_assert_eq(xch_sa(XCH_WEST)->state, IKE_V1_MODECFG_I1);
	cfg = cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_SET);
	v = attr_val(cfg, 1, &len);		/* INTERNAL_IP4_ADDRESS */
	cr_assert_not_null(v);
	cr_assert_eq(len, 4);
	cr_assert_arr_eq(v, ((uint8_t[]){ 10, 9, 0, 10 }), 4);
	v = attr_val(cfg, 28674, &len);	/* UNITY_DEF_DOMAIN, as libreswan sends it */
	cr_assert_not_null(v);
	cr_assert_arr_eq(v, "example.com", 11);
	cfg = cfg_of(step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_ACK);
	cr_assert_eq(xch_run_until_quiet(), 3);	/* Quick Mode */
	assert_mc_up();
	/* the address goes back to the pool with the ISAKMP SA */
	struct connection *c = xch_conn(XCH_EAST, "v1");
	struct ike_pool *pool = c->cfg->pool[1 - xch_conn_end(XCH_EAST, "v1")][0];
	struct ike_pool_stats st;
	ike_pool_stats(pool, &st);
	cr_assert_eq(st.in_use, 1);
	ike_sa_delete(xch_sa(XCH_EAST), true);
	xch_run_until_quiet();
	ike_pool_stats(pool, &st);
	cr_assert_eq(st.in_use, 0, "the lease outlived its ISAKMP SA");
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
}

Test(v1_xauth, modecfg_pull_after_xauth)
{
	const struct v1_cfg *cfg;

	mc_start(true, " --modecfgpull");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R3, "a pull server waits");
	cfg = cfg_of(step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_REQUEST);
	cfg = cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_REPLY);
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_mc_up();
}

/* Mode Config alone (no XAUTH), a lost SET sent again. */
Test(v1_xauth, modecfg_push_alone_lost_set)
{
	mc_start(false, "");
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_not_null(xch_drop_next(XCH_EAST));	/* the SET */
	xch_advance(XCH_EAST, 600);
	cr_assert_eq(xch_run_until_quiet(), 5);		/* SET, ACK, Quick Mode */
	assert_mc_up();
}

/* ---- IPv6 Mode Config: INTERNAL_IP6_ADDRESS (8), INTERNAL_IP6_DNS (10) ---- */

#define MC_EAST6                                                                              \
	"--name v1 --ikev1 --tunnelipv6 --host 127.0.0.2 --id @east --client ::/0 "             \
	"--xauthserver --modecfgserver --modecfgdns 2001:db8::53,192.0.2.53 --to --host %s "    \
	"--id @west --addresspool %s --psk --encrypt --tunnel%s"
#define MC_WEST6                                                                              \
	"--name v1 --ikev1 --tunnelipv6 --host 127.0.0.1 --id @west --xauthclient "              \
	"--modecfgclient --to --host 127.0.0.2 --id @east --client ::/0 --psk --encrypt "       \
	"--tunnel%s"

/* peer: west as east knows it (its IPv4 address, or %any: a road warrior) */
static void mc6_start(const char *peer, const char *pool, const char *extra)
{
	char e[512], w[512];

	snprintf(e, sizeof(e), MC_EAST6, peer, pool, extra);
	snprintf(w, sizeof(w), MC_WEST6, extra);
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_EAST, e);
	xch_conn_add(XCH_WEST, w);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	passwd("alice", "open sesame", NULL);
	memset(&tp, 0, sizeof(tp));
	tp.pr.ops = &tp_ops;
	atomic_store(&tp.pr.refs, 1);
	tp.pr.xauth_user = "alice";
	tp.pr.xauth_pass = "open sesame";
	xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
}

/* The SET or REPLY: the IPv6 address with its prefix length (17 octets), DNS of both families. */
static void assert_cfg6(const struct v1_cfg *cfg, const uint8_t want[17])
{
	const uint8_t *v;
	uint16_t len = 0;

	cr_assert_null(attr_val(cfg, 1, &len), "an IPv4 address without an IPv4 pool");
	v = attr_val(cfg, 8, &len);		/* INTERNAL_IP6_ADDRESS */
	cr_assert_not_null(v);
	cr_assert_eq(len, 17);
	cr_assert_arr_eq(v, want, 17);
	v = attr_val(cfg, 10, &len);		/* INTERNAL_IP6_DNS */
	cr_assert_not_null(v);
	cr_assert_eq(len, 16);
	cr_assert_arr_eq(v, ((uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0x53 }), 16);
	cr_assert_not_null(attr_val(cfg, 3, &len), "the IPv4 DNS server too");
}

static void assert_mc6_up(const char *addr, unsigned prefix, const char *ts)
{
	char a[IP_ADDR_STRLEN], t[80];
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	cr_assert_not_null(w->ext->given);
	cr_assert_str_eq(ip_addr_str(&w->ext->given->assigned[1], a), addr);
	cr_assert_eq(w->ext->given->prefix6, prefix);
	cr_assert_eq(w->ext->given->assigned[0].af, AF_UNSPEC);
	cr_assert_str_eq(w->ext->given->dns_info, "2001:db8::53 192.0.2.53");
	cr_assert_not_null(w->children, "%s", tp.lines);
	cr_assert_not_null(e->children);
	cr_assert_str_eq(ike_ts_str(&w->children->ts_local, t, sizeof(t)), ts);
	cr_assert_str_eq(ike_ts_str(&w->children->ts_remote, t, sizeof(t)), "::/0");
	cr_assert_str_eq(ike_ts_str(&e->children->ts_remote, t, sizeof(t)), ts);
	cr_assert_str_eq(ike_ts_str(&e->children->ts_local, t, sizeof(t)), "::/0");
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
}

/* Push, from an address pool, to a peer east knows by its IPv4 address (an IPv6 tunnel). */
Test(v1_xauth, modecfg_ipv6_push)
{
	mc6_start("127.0.0.1", "2001:db8:9::/126", "");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	assert_cfg6(cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}")),
		    (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128 });
	cr_assert_eq(xch_run_until_quiet(), 4);	/* ACK, Quick Mode */
	assert_mc6_up("2001:db8:9::", 128, "2001:db8:9::/128");
	cr_assert_not_null(strstr(tp.lines, "ModeCfg: received IPv6 address 2001:db8:9::/128"),
			   "%s", tp.lines);
}

/* Pull, from a prefix pool, by a road warrior: its REQUEST asks for an IPv6 address, gets a /64. */
Test(v1_xauth, modecfg_ipv6_pull_prefix_pool)
{
	const struct v1_cfg *cfg;
	uint16_t len;

	mc6_start("%any", "2001:db8:100::/62/64", " --modecfgpull");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	cfg = cfg_of(step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_REQUEST);
	cr_assert_not_null(attr_val(cfg, 8, &len), "the REQUEST asks for an IPv6 address");
	cr_assert_null(attr_val(cfg, 1, &len), "... not for an IPv4 one");
	cfg = cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_REPLY);
	assert_cfg6(cfg, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
				      64 });
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_mc6_up("2001:db8:100::1", 64, "2001:db8:100::/64");
}

/* An IPv6 tunnel and a server with an IPv4 pool only: the client says what is missing. */
Test(v1_xauth, modecfg_ipv6_tunnel_without_ipv6_address)
{
	mc6_start("%any", "10.9.0.10-10.9.0.20", "");
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_not_null(strstr(tp.lines, "the server gave no IPv6 address (the tunnel is IPv6)"),
			   "%s", tp.lines);
}

/* ---- Cisco Unity: the banner (28672) and split networks (28676) ---- */

#define MC_EAST_SPLIT                                                                         \
	"--name v1 --ikev1 --host 127.0.0.2 --id @east --client 10.1.0.0/16 --xauthserver "     \
	"--modecfgserver --modecfgbanner Welcome-to-east --to --host 127.0.0.1 --id @west "    \
	"--addresspool 10.9.0.10-10.9.0.20 --psk --encrypt --tunnel%s"

static void mc_split_start(const char *extra)
{
	char e[512], w[512];

	snprintf(e, sizeof(e), MC_EAST_SPLIT, extra);
	snprintf(w, sizeof(w), MC_WEST, "--xauthclient", extra);
	xch_daemon(XCH_WEST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_daemon(XCH_EAST)->ikev1_policy = IKE_V1_ACCEPT;
	xch_conn_add(XCH_EAST, e);
	xch_conn_add(XCH_WEST, w);
	xch_set_psk(XCH_WEST, "a shared secret of both ends");
	xch_set_psk(XCH_EAST, "a shared secret of both ends");
	passwd("alice", "open sesame", NULL);
	memset(&tp, 0, sizeof(tp));
	tp.pr.ops = &tp_ops;
	atomic_store(&tp.pr.refs, 1);
	tp.pr.xauth_user = "alice";
	tp.pr.xauth_pass = "open sesame";
	xch_initiate_pr(XCH_WEST, "v1", &tp.pr);
}

/* The SET or REPLY carries the banner and east's --client as a 14-byte split item. */
static void assert_unity(const struct v1_cfg *cfg)
{
	const uint8_t *v;
	uint16_t len = 0;

	v = attr_val(cfg, 28672, &len);		/* UNITY_BANNER */
	cr_assert_not_null(v);
	cr_assert_eq(len, 15);
	cr_assert_arr_eq(v, "Welcome-to-east", 15);
	v = attr_val(cfg, 28676, &len);		/* UNITY_SPLIT_INCLUDE */
	cr_assert_not_null(v);
	cr_assert_eq(len, 14);
	cr_assert_arr_eq(v, ((uint8_t[]){ 10, 1, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0 }), 14);
}

/* West's IPsec SA is of the split network; updown gets the banner (PLUTO_PEER_BANNER). */
static void assert_split_up(void)
{
	char t[80];
	struct ike_sa *w = xch_sa(XCH_WEST), *e = xch_sa(XCH_EAST);

	cr_assert_not_null(w->ext->given);
	cr_assert_str_eq(w->ext->given->banner, "Welcome-to-east");
	cr_assert_eq(w->ext->given->nsplit, 1);
	cr_assert_not_null(w->children);
	cr_assert_not_null(e->children);
	cr_assert_str_eq(ike_ts_str(&w->children->ts_local, t, sizeof(t)), "10.9.0.10/32");
	cr_assert_str_eq(ike_ts_str(&w->children->ts_remote, t, sizeof(t)), "10.1.0.0/16");
	cr_assert_str_eq(ike_ts_str(&e->children->ts_local, t, sizeof(t)), "10.1.0.0/16");
	cr_assert_str_eq(ike_ts_str(&e->children->ts_remote, t, sizeof(t)), "10.9.0.10/32");
	cr_assert_not_null(strstr(tp.lines, "ModeCfg: the server's banner: Welcome-to-east"), "%s",
			   tp.lines);
	cr_assert_not_null(strstr(tp.lines, "ModeCfg: the server's split network 10.1.0.0/16"),
			   "%s", tp.lines);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
}

Test(v1_xauth, modecfg_banner_and_split_push)
{
	mc_split_start("");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	assert_unity(cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}")));
	cr_assert_eq(xch_run_until_quiet(), 4);	/* ACK, Quick Mode */
	assert_split_up();
}

Test(v1_xauth, modecfg_banner_and_split_pull)
{
	const struct v1_cfg *cfg;
	uint16_t len;

	mc_split_start(" --modecfgpull");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	cfg = cfg_of(step_expect(XCH_WEST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_eq(cfg->type, V1_CFG_REQUEST);
	cr_assert_not_null(attr_val(cfg, 28672, &len), "the REQUEST asks for the banner");
	cr_assert_not_null(attr_val(cfg, 28676, &len), "... and the split networks");
	assert_unity(cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}")));
	cr_assert_eq(xch_run_until_quiet(), 3);
	assert_split_up();
}

/* How many IPsec SAs side has, and whether one of them has remote (local: local) selector want. */
static unsigned children_with(enum xch_side side, bool local, const char *want, bool *found)
{
	char t[80];
	unsigned n = 0;

	*found = false;
	for (struct child_sa *c = xch_sa(side)->children; c; c = c->next) {
		n++;
		if (!strcmp(ike_ts_str(local ? &c->ts_local : &c->ts_remote, t, sizeof(t)), want))
			*found = true;
	}
	return n;
}

/*
 * A server that gives several split networks (here east's --client as its
 * two halves, --impair modecfg-split-halves): west makes an IPsec SA for
 * each, one Quick Mode after the other.
 */
static void several_splits(bool pull)
{
	const struct v1_cfg *cfg;
	const uint8_t *v;
	uint16_t len = 0;
	bool found;

	cr_assert_eq(impair_apply("modecfg-split-halves", true, NULL, 0), 0);
	mc_split_start(pull ? " --modecfgpull" : "");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	if (pull)
		cr_assert_not_null(xch_step(XCH_WEST));	/* the REQUEST */
	cfg = cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"));
	v = attr_val(cfg, 28676, &len);		/* UNITY_SPLIT_INCLUDE: two items */
	cr_assert_not_null(v);
	cr_assert_eq(len, 28);
	cr_assert_arr_eq(v, ((uint8_t[]){ 10, 1, 0, 0, 255, 255, 128, 0, 0, 0, 0, 0, 0, 0,
					  10, 1, 128, 0, 255, 255, 128, 0, 0, 0, 0, 0, 0, 0 }), 28);
	cr_assert_eq(xch_run_until_quiet(), pull ? 6 : 7, "ACK (push), two Quick Modes");
	cr_assert_eq(xch_sa(XCH_WEST)->ext->given->nsplit, 2);
	cr_assert_eq(children_with(XCH_WEST, false, "10.1.0.0/17", &found), 2);
	cr_assert(found, "west has no IPsec SA for 10.1.0.0/17");
	children_with(XCH_WEST, false, "10.1.128.0/17", &found);
	cr_assert(found, "west has no IPsec SA for 10.1.128.0/17");
	cr_assert_eq(children_with(XCH_EAST, true, "10.1.0.0/17", &found), 2);
	cr_assert(found, "east has no IPsec SA for 10.1.0.0/17");
	children_with(XCH_EAST, true, "10.1.128.0/17", &found);
	cr_assert(found, "east has no IPsec SA for 10.1.128.0/17");
	children_with(XCH_EAST, false, "10.9.0.10/32", &found);
	cr_assert(found);
	cr_assert_not_null(strstr(tp.lines, "ModeCfg: the server's split network 10.1.128.0/17"),
			   "%s", tp.lines);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_WEST, IKEC_RX_DROPPED), 0);
	/* both go with the ISAKMP SA */
	ike_sa_delete(xch_sa(XCH_WEST), true);
	xch_run_until_quiet();
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
}

Test(v1_xauth, modecfg_several_split_networks_push)
{
	several_splits(false);
}

Test(v1_xauth, modecfg_several_split_networks_pull)
{
	several_splits(true);
}

/* A server whose --client is 0.0.0.0/0 sends no split network; no banner without one. */
Test(v1_xauth, modecfg_no_split_for_everything)
{
	const struct v1_cfg *cfg;
	uint16_t len;

	mc_start(true, "");
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	cfg = cfg_of(step_expect(XCH_EAST, "v1 Transaction: E{HASH ATTR}"));
	cr_assert_null(attr_val(cfg, 28676, &len));
	cr_assert_null(attr_val(cfg, 28672, &len));
	cr_assert_eq(xch_run_until_quiet(), 4);
	assert_mc_up();
	cr_assert_eq(xch_sa(XCH_WEST)->ext->given->nsplit, 0);
	cr_assert_str_eq(xch_sa(XCH_WEST)->ext->given->banner, "");
}

/* ---- whack --deleteuser --name USER ---- */

struct du {
	const char *user;
	const struct ip_addr *crashed;	/* --crash ADDR with it */
	unsigned n;
	char lines[512];
};

static void du_emit(void *ctx, uint64_t serial, const char *line)
{
	struct du *u = ctx;
	size_t n = strlen(u->lines);

	(void)serial;
	snprintf(u->lines + n, sizeof(u->lines) - n, "%s\n", line);
}

static void du_run(struct ike_daemon *d, void *arg)
{
	struct du *u = arg;

	u->n = ike_cmd_deleteuser(d, u->user, u->crashed, du_emit, u);
}

struct rows_arg {
	struct ike_sa_rows rows;
	int rc;
};

static void get_rows(struct ike_daemon *d, void *arg)
{
	struct rows_arg *r = arg;

	r->rc = ike_cmd_sa_rows(d, IKE_ROWS_CHILDREN_ONLY, &r->rows);
}

Test(v1_xauth, deleteuser_deletes_the_users_sas)
{
	struct du u = { .user = "bob" };
	struct rows_arg r = { 0 };

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	cr_assert_eq(xch_run_until_quiet(), 13);
	/* --trafficstatus's username= (libreswan's) */
	xch_ctl(XCH_EAST, get_rows, &r);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.rows.n, 1);
	cr_assert_str_eq(r.rows.v[0]->username, "alice");
	ike_sa_rows_free(&r.rows);
	xch_ctl(XCH_EAST, du_run, &u);
	cr_assert_eq(u.n, 0, "bob has no SA");
	cr_assert_eq(xch_sa_count(XCH_EAST), 1);
	u.user = "alice";
	xch_ctl(XCH_EAST, du_run, &u);
	cr_assert_eq(u.n, 1);
	cr_assert_not_null(strstr(u.lines, "deleting the ISAKMP SA of XAUTH user alice"), "%s",
			   u.lines);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	step_expect(XCH_EAST, "v1 Informational: E{HASH D}");	/* the IPsec SA's */
	step_expect(XCH_EAST, "v1 Informational: E{HASH D}");	/* the ISAKMP SA's */
	cr_assert_eq(xch_sa_count(XCH_WEST), 0, "west kept the SA of the deleted user");
}

static struct ip_addr addr_of(const char *s)
{
	struct ip_addr a;

	cr_assert_eq(ip_addr_parse(s, &a), 0);
	return a;
}

/*
 * --deleteuser --name alice --crash <west>: alice's peer crashed, so her
 * ISAKMP SA and IPsec SA leave east's memory and kernel with no Delete:
 * west, never told, keeps its SAs.
 */
Test(v1_xauth, deleteuser_crash_sends_no_delete)
{
	struct ip_addr west = addr_of("127.0.0.1");
	struct du u = { .user = "alice", .crashed = &west };
	struct child_sa *c;
	uint32_t spi_in, spi_out;
	unsigned k;

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	cr_assert_eq(xch_run_until_quiet(), 13);
	c = xch_sa(XCH_EAST)->children;
	cr_assert_not_null(c);
	spi_in = c->spi_in;
	spi_out = c->spi_out;
	k = xch_kernel_op_count();
	xch_ctl(XCH_EAST, du_run, &u);
	cr_assert_eq(u.n, 1);
	cr_assert_not_null(strstr(u.lines, "deleting the ISAKMP SA of XAUTH user alice without a "
				  "Delete (the peer crashed)"), "%s", u.lines);
	xch_pump();
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_not(xch_pending(XCH_EAST), "east told the crashed peer something");
	cr_assert_eq(xch_sa_count(XCH_WEST), 1, "west heard of the deletion");
	cr_assert_not_null(xch_sa(XCH_WEST)->children);
	cr_assert_neq(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, spi_in), 0,
		      "the inbound IPsec SA stayed in east's kernel");
	cr_assert_neq(xch_kernel_op_seq(XCH_EAST, KERNEL_OP_SA_DELETE, spi_out), 0,
		      "the outbound IPsec SA stayed in east's kernel");
	cr_assert_geq(xch_kernel_ops(XCH_EAST, KERNEL_OP_POLICY_DELETE, NULL, k), 2);
	cr_assert_eq(xch_kernel_ops(XCH_WEST, KERNEL_OP_SA_DELETE, NULL, k), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_PEER_DEAD), 1);
}

/* --crash names another peer: alice's peer is told (a Delete), as without --crash. */
Test(v1_xauth, deleteuser_crash_of_another_peer_tells_hers)
{
	struct ip_addr other = addr_of("127.0.0.9");
	struct du u = { .user = "alice", .crashed = &other };

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	cr_assert_eq(xch_run_until_quiet(), 13);
	xch_ctl(XCH_EAST, du_run, &u);
	cr_assert_eq(u.n, 1);
	cr_assert_null(strstr(u.lines, "without a Delete"), "%s", u.lines);
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	step_expect(XCH_EAST, "v1 Informational: E{HASH D}");	/* the IPsec SA's */
	step_expect(XCH_EAST, "v1 Informational: E{HASH D}");	/* the ISAKMP SA's */
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_PEER_DEAD), 0);
}

struct crash_arg {
	struct ip_addr peer;
	struct du out;		/* its lines and count */
};

static void crash_run(struct ike_daemon *d, void *arg)
{
	struct crash_arg *a = arg;

	a->out.n = ike_cmd_crash(d, &a->peer, du_emit, &a->out);
}

/* whack --crash ADDR alone reaches IKEv1 SAs too: the ISAKMP SA goes, no Delete. */
Test(v1_xauth, crash_deletes_isakmp_sa_silently)
{
	struct crash_arg a = { .peer = addr_of("127.0.0.1") };

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	cr_assert_eq(xch_run_until_quiet(), 13);
	xch_ctl(XCH_EAST, crash_run, &a);
	cr_assert_eq(a.out.n, 1);
	cr_assert_not_null(strstr(a.out.lines, "the peer is treated as dead"), "%s", a.out.lines);
	xch_pump();
	cr_assert_eq(xch_sa_count(XCH_EAST), 0);
	cr_assert_not(xch_pending(XCH_EAST));
	cr_assert_eq(xch_sa_count(XCH_WEST), 1);
}

/* A --xauthpass longer than the client sends ends its SA, said so, nothing overflows. */
Test(v1_xauth, client_password_too_long)
{
	static char pw[400];

	memset(pw, 'x', sizeof(pw) - 1);
	xauth_start("", "alice", pw);
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(xch_step(i % 2 ? XCH_EAST : XCH_WEST));
	cr_assert_not_null(xch_step(XCH_EAST));	/* the REQUEST */
	cr_assert_eq(xch_sa_count(XCH_WEST), 0);
	cr_assert_not_null(strstr(tp.lines, "too long"), "%s", tp.lines);
}

/* The client's ACK again (libreswan resends it) is a retransmission, not a drop. */
Test(v1_xauth, repeated_ack_is_ignored)
{
	const struct xch_msg *m;
	uint8_t *bytes;
	size_t len;

	passwd("alice", "open sesame", NULL);
	xauth_start("", "alice", "open sesame");
	for (int i = 0; i < 9; i++)	/* Main Mode, REQUEST, REPLY, SET */
		cr_assert_not_null(xch_step((i < 6) == (i % 2 == 0) ? XCH_WEST : XCH_EAST));
	m = xch_deliver(XCH_WEST);	/* the ACK */
	cr_assert_not_null(m);
	cr_assert_str_eq(m->desc, "v1 Transaction: E{HASH ATTR}");
	len = m->len;
	bytes = xch_msg_copy(m);
	xch_pump();
	cr_assert_eq(xch_sa(XCH_EAST)->state, IKE_V1_MAIN_R3);
	cr_assert_eq(xch_run_until_quiet(), 3);	/* Quick Mode */
	xch_send_raw(XCH_WEST, bytes, len);
	free(bytes);
	xch_step(XCH_WEST);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_DROPPED), 0);
	cr_assert_eq(xch_counter(XCH_EAST, IKEC_RX_RETRANSMIT), 1);
	cr_assert_not(xch_pending(XCH_EAST), "east answered an ACK");
	cr_assert_not_null(xch_sa(XCH_EAST)->children);
}
