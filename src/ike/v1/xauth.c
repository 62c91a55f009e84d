/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * XAUTH (draft-beaulieu-ike-xauth-02) on an established ISAKMP SA, in
 * Transaction exchanges (exchange type 6, draft-dukes-ike-mode-cfg), after
 * Phase 1 and before the first Quick Mode:
 *
 *        Server (--xauthserver)               Client (--xauthclient)
 *       ------------------------             ------------------------
 *        HDR*, HASH, ATTR(REQUEST:
 *          XAUTH-USER-NAME, -PASSWORD)  -->
 *                                       <--  HDR*, HASH, ATTR(REPLY: name, password)
 *        HDR*, HASH, ATTR(SET: STATUS)  -->
 *                                       <--  HDR*, HASH, ATTR(ACK: STATUS)
 *
 *   HASH = prf(SKEYID_a, M-ID | ATTR)   in every message (the draft's HASH(1))
 *
 * Each exchange has its own Message ID and IV chain (RFC 2409 Appendix B:
 * hash(last Phase 1 CBC block | M-ID), then the last block of the previous
 * message of the exchange). The server checks the password against
 * --ipsecdir's passwd file (libreswan's format, "user:crypt-hash[:conn]",
 * crypt(3)), or accepts any (--xauthby alwaysok); a wrong one gets STATUS
 * FAIL and, with --xauthfail hard (the default), the ISAKMP SA is deleted
 * once the client has ACKed. Passwords are wiped after use and never
 * logged. The client answers with --initiate's --xauthuser/--xauthpass,
 * the password falling back to the secrets' "@user : XAUTH ...", and
 * asks the whack that ran --initiate for what is still missing.
 *
 * Context of everything here: the SA's owner worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "ike/ike_stats.h"
#include "ike/pwcheck.h"
#include "ike/v1/build.h"
#include "ike/v1/exchange.h"
#include "ike/v1/io.h"
#include "ike/v1/state.h"
#include "ike/v2/io.h"
#include "util/log.h"

enum {
	XAUTH_TYPE = 16520,
	XAUTH_USER_NAME = 16521,
	XAUTH_USER_PASSWORD = 16522,
	XAUTH_MESSAGE = 16524,
	XAUTH_STATUS = 16527,
	XAUTH_STATUS_FAIL = 0,
	XAUTH_STATUS_OK = 1,
	PASSWD_LINE_MAX = 1024,
};

/* ---- the Transaction exchange's messages ---- */

/* v1_build_hash1()'s filler: the attribute payload arg. */
static int fill_cfg(struct ike_sa *sa, struct v1_build *b, void *arg)
{
	(void)sa;
	return v1_build_cfg(b, arg);
}

/*
 * Send HDR*, HASH, ATTR(cfg) in exchange msgid: fresh starts its IV chain
 * from the Phase 1 IV; a request is retransmitted until v1_request_done(),
 * an answer is resent when the message it answers comes again.
 */
int v1_tx_send(struct ike_sa *sa, uint32_t msgid, bool fresh, const struct v1_cfg *cfg,
	       bool request)
{
	struct v1_state *s = sa->v1;
	uint8_t *buf = sa->w->txbuf;
	size_t len;
	int rc;

	rc = v1_build_hash1(sa, V1_X_TRANSACTION, msgid, fill_cfg, (void *)cfg, &len);
	if (!rc && fresh)
		rc = crypto_v1_iv_msgid(s->p1.hash, s->p1_iv, s->block, msgid, s->tx_iv);
	rc = rc ? rc : crypto_v1_cbc(s->p1.encr, s->key, s->key_len, s->tx_iv, buf + V1_HDR_SIZE,
				     len - V1_HDR_SIZE, true);
	if (rc)
		return rc;
	s->tx_msgid = msgid;
	return request ? v1_send_request(sa, len) : v1_send_answer(sa, len);
}

uint32_t v1_new_msgid(void)
{
	uint32_t id;

	do {
		crypto_random(&id, sizeof(id));
	} while (id == 0);
	return id;
}

/*
 * The peer's Transaction message in, checked: HASH first (constant time),
 * then one attribute payload of type want. The IV chain moves on only then.
 * Returns the payload, or NULL (dropped and counted).
 */
const struct v1_cfg *v1_tx_take(struct ike_sa *sa, struct ike_input *in, uint8_t want)
{
	const struct v1_msg *m = in->v1m;
	const struct v1_payload *p = v1_msg_get(m, V1_PL_ATTR);

	if (!m->encrypted || !v1_hash1_ok(sa, m)) {
		v1_drop(sa->w, in->rx, "IKEv1 Transaction without a valid HASH");
		return NULL;
	}
	if (!p || p->u.cfg->type != want) {
		v1_drop(sa->w, in->rx, "IKEv1 Transaction of a type this state does not take");
		return NULL;
	}
	memcpy(sa->v1->tx_iv, sa->v1->iv_next, sa->v1->block);
	sa->v1->tx_msgid = m->hdr.msgid;
	if (want == V1_CFG_ACK) {
		memcpy(sa->v1->tx_final, sa->v1->rx_digest, sizeof(sa->v1->tx_final));
		sa->v1->has_tx_final = true;
	}
	sa->last_inbound_ms = ike_now(sa->w);
	return p->u.cfg;
}

static const struct v1_cfg_attr *cfg_attr(const struct v1_cfg *cfg, uint16_t type)
{
	for (unsigned i = 0; i < cfg->nattr; i++)
		if (cfg->attr[i].type == type)
			return &cfg->attr[i];
	return NULL;
}

void v1_after_modecfg(struct ike_sa *sa)
{
	sa->state = sa->v1->p1_state;
	if (sa->initiator)
		v1_quick_initiate(sa);
}

/*
 * After XAUTH, or right after Phase 1 without it: Mode Config when our end
 * is its server (push: our SET now; --modecfgpull: the client's REQUEST is
 * waited for in the Phase 1 state) or its client (push: the server's SET
 * is waited for; --modecfgpull: our REQUEST now); else Quick Mode.
 */
static void done(struct ike_sa *sa)
{
	const struct conn_end_spec *me = &sa->conn->spec->end[sa->this_end];
	bool pull = sa->conn->spec->policy & POL_MODECFG_PULL;

	if (me->modecfg_server && !pull) {
		if (v1_modecfg_push(sa) < 0) {
			ike_sa_progress(sa, RC_LOG_SERIOUS, "ModeCfg: no address for the client: "
					"deleting the ISAKMP SA");
			v1_delete(sa, true);
		}
		return;
	}
	if (me->modecfg_client && pull) {
		if (v1_modecfg_pull(sa) < 0) {
			ike_sa_progress(sa, RC_INTERNALERR, "ModeCfg: cannot send the REQUEST");
			v1_delete(sa, true);
		}
		return;
	}
	if (me->modecfg_client) {
		sa->state = IKE_V1_MODECFG_I1;
		return;
	}
	v1_after_modecfg(sa);
}

/* ---- the server ---- */

/* A printable copy of a user name for logs: at most out_len - 1 bytes, others as '?'. */
static void user_str(const uint8_t *u, size_t n, char *out, size_t out_len)
{
	size_t i;

	for (i = 0; i < n && i + 1 < out_len; i++)
		out[i] = u[i] >= 0x20 && u[i] < 0x7f && u[i] != '"' ? (char)u[i] : '?';
	out[i] = '\0';
}

/* Start XAUTH as the server: REQUEST the user name and password. */
static int server_start(struct ike_sa *sa)
{
	struct v1_cfg cfg = { .type = V1_CFG_REQUEST, .nattr = 2 };

	crypto_random(&cfg.identifier, sizeof(cfg.identifier));
	cfg.attr[0] = (struct v1_cfg_attr){ .type = XAUTH_USER_NAME };
	cfg.attr[1] = (struct v1_cfg_attr){ .type = XAUTH_USER_PASSWORD };
	sa->state = IKE_V1_XAUTH_R0;
	if (v1_tx_send(sa, v1_new_msgid(), true, &cfg, true) < 0)
		return -EIO;
	ike_sa_progress(sa, RC_LOG, "XAUTH: sent REQUEST for the user name and password");
	return 0;
}

/*
 * The check's outcome (ok: the password was right): the log, --xauthfail
 * soft, and the SET with the STATUS. user: the name, "" when the REPLY had
 * none we could take.
 */
static void server_checked(struct ike_sa *sa, bool ok, const char *user, const char *why)
{
	const struct connection *c = sa->conn;
	struct v1_cfg set = { .type = V1_CFG_SET, .nattr = 1 };
	char shown[64];

	user_str(user[0] ? (const uint8_t *)user : NULL, strlen(user), shown, sizeof(shown));
	if (ok) {
		snprintf(sa->v1->xauth_user, sizeof(sa->v1->xauth_user), "%s", user);
		ike_sa_progress(sa, RC_LOG, "XAUTH: User %s: Authentication Successful", shown);
	} else {
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		log_limited(LOG_INFO, 10, "XAUTH authentication failed",
			    "#%llu: XAUTH: User %s: Authentication Failed: %s",
			    (unsigned long long)sa->serial, shown, why);
		if (c->spec->xauthfail == XAUTHFAIL_SOFT) {
			/* soft: the peer is told it passed; no user is recorded (libreswan's soft fail) */
			ike_sa_progress(sa, RC_LOG, "XAUTH: xauthfail=soft: continuing");
			ok = true;
		}
	}
	sa->v1->xauth_ok = ok;
	set.attr[0] = (struct v1_cfg_attr){ .type = XAUTH_STATUS, .basic = true,
					    .value = ok ? XAUTH_STATUS_OK : XAUTH_STATUS_FAIL };
	crypto_random(&set.identifier, sizeof(set.identifier));
	sa->state = IKE_V1_XAUTH_R1;
	if (v1_tx_send(sa, v1_new_msgid(), true, &set, true) < 0) {
		ike_sa_progress(sa, RC_INTERNALERR, "XAUTH: cannot send the SET");
		v1_delete(sa, false);
	}
}

/* The password checker's answer (pwcheck.h), on the owner worker. */
static void checked_mail(struct mail *m, void *ctx)
{
	struct pwcheck_job *j = caa_container_of(m, struct pwcheck_job, mail);
	struct net_worker *nw = ctx;
	struct ike_daemon *d = j->owner;
	struct ike_sa *sa = ike_sa_find_own(&d->w[nw->index], j->cookie[0], j->cookie[1]);

	if (sa && sa->v1 && sa->v1->xauth_checking && sa->state == IKE_V1_XAUTH_R0) {
		sa->v1->xauth_checking = false;
		server_checked(sa, j->status == 0, j->user,
			       j->status == 0 || j->status == -EACCES
				       ? "Incorrect Username or Password"
			       : j->status == -ENOENT ? "the passwd file cannot be read"
			       : j->status == -ECANCELED ? "pluto is stopping"
							 : "the check failed (PAM error)");
	}
	crypto_wipe(j, sizeof(*j));
	free(j);
}

/*
 * Send the user name and password to the checker; the SA waits in
 * XAUTH_R0 for its answer (checked_mail()). Returns 0, or -errno (nothing
 * queued: the caller fails the check).
 */
static int server_check(struct ike_sa *sa, const char *user, const uint8_t *pass, size_t len)
{
	struct ike_daemon *d = sa->w->d;
	const struct connection *c = sa->conn;
	struct pwcheck_job *j;
	int rc;

	if (!d->pwcheck)
		return -ENOSYS;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->how = c->spec->xauthby == XAUTHBY_PAM ? PWCHECK_PAM : PWCHECK_FILE;
	snprintf(j->user, sizeof(j->user), "%s", user);
	memcpy(j->pass, pass, len);	/* len < sizeof(j->pass): the caller checked */
	snprintf(j->conn, sizeof(j->conn), "%s", c->spec->name);
	j->dir = d->ipsecdir;
	ip_addr_str(&sa->peer, j->rhost);
	j->reply_to = &net_pool_worker(d->pool, sa->w->index)->mb;
	j->mail.fn = checked_mail;
	j->owner = d;
	j->cookie[0] = ike_sa_our_spi(sa);
	j->cookie[1] = sa->serial;
	rc = pwcheck_submit(d->pwcheck, j);
	if (rc < 0) {
		crypto_wipe(j, sizeof(*j));
		free(j);
		return rc;
	}
	sa->v1->xauth_checking = true;
	return 0;
}

void v1_xauth_r_reply(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_cfg *cfg;
	const struct v1_cfg_attr *u, *p;
	const struct connection *c = sa->conn;
	char user[PWCHECK_USER_MAX];
	bool good;
	int rc;

	if (in->v1m->hdr.msgid != sa->v1->tx_msgid) {
		v1_drop(sa->w, in->rx, "an XAUTH REPLY of another exchange");
		return;
	}
	if (sa->v1->xauth_checking) {
		/* the REPLY again while its password is being checked: the SET answers both */
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_RX_RETRANSMIT);
		return;
	}
	cfg = v1_tx_take(sa, in, V1_CFG_REPLY);
	if (!cfg)
		return;
	v1_request_done(sa);
	u = cfg_attr(cfg, XAUTH_USER_NAME);
	p = cfg_attr(cfg, XAUTH_USER_PASSWORD);
	good = u && p && !u->basic && !p->basic && u->len && u->len < sizeof(user) &&
	       p->len < PWCHECK_PASS_MAX && !memchr(u->val, '\0', u->len) &&
	       !(p->len && memchr(p->val, '\0', p->len));
	user[0] = '\0';
	if (good) {
		memcpy(user, u->val, u->len);
		user[u->len] = '\0';
	}
	if (!good && u && !u->basic)
		user_str(u->val, u->len, user, sizeof(user));	/* printable, for the log only */
	if (!good)
		server_checked(sa, false, user, "Incorrect Username or Password");
	else if (c->spec->xauthby == XAUTHBY_ALWAYSOK)
		server_checked(sa, true, user, "");
	else if ((rc = server_check(sa, user, p->val, p->len)) < 0)
		server_checked(sa, false, user,
			       rc == -EAGAIN ? "too many password checks waiting"
					     : "the password checker cannot take it");
	else
		ike_sa_progress(sa, RC_LOG, "XAUTH: checking the password of %s (%s)",
				c->spec->xauthby == XAUTHBY_PAM ? "PAM" : "passwd file",
				user[0] ? "the user" : "?");
	/* the REPLY's password is in the decrypted datagram: wiped there too */
	if (p && !p->basic && p->len)
		crypto_wipe((void *)p->val, p->len);
	crypto_wipe(user, sizeof(user));
}

void v1_xauth_r_ack(struct ike_sa *sa, struct ike_input *in)
{
	if (in->v1m->hdr.msgid != sa->v1->tx_msgid) {
		v1_drop(sa->w, in->rx, "an XAUTH ACK of another exchange");
		return;
	}
	if (!v1_tx_take(sa, in, V1_CFG_ACK))
		return;
	v1_request_done(sa);
	if (!sa->v1->xauth_ok) {
		ike_stats_fail_reason(sa, IKE_FAIL_N_AUTHENTICATION_FAILED);
		ike_sa_progress(sa, RC_LOG, "XAUTH failed: deleting the ISAKMP SA");
		v1_delete(sa, true);
		return;
	}
	done(sa);
}

/* ---- the client ---- */

/*
 * Prompting through whack (libreswan's whack_prompt_for()): with no user
 * name or no password for the server's REQUEST, the whack that ran
 * --initiate is asked ("041 ... prompt for Username:", "040 ... prompt
 * for Password:"); its answer comes back from the ctl thread as a mail to
 * this worker, which finds the SA again by SPI and serial. No whack, whack
 * gone or no answer in time: XAUTH fails as a wrong password would.
 */
enum { ASK_NONE = 0, ASK_USER = 1, ASK_PASS = 2 };

struct xauth_answer {
	struct mail mail;
	struct ike_daemon *d;
	unsigned wi;
	uint64_t spi, serial;
	uint8_t what;
	bool got;
	size_t len;
	char text[256];
};

static void client_answer(struct ike_sa *sa);

static void xauth_client_fail(struct ike_sa *sa, enum ike_stats_reason reason, const char *why)
{
	ike_stats_fail_reason(sa, reason);
	if (reason == IKE_FAIL_N_AUTHENTICATION_FAILED)
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
	ike_sa_progress(sa, RC_FATAL, "%s", why);
	v1_delete(sa, true);
}

/* The answer, on the owner worker. */
static void answer_mail(struct mail *m, void *ctx)
{
	struct xauth_answer *xa = caa_container_of(m, struct xauth_answer, mail);
	struct net_worker *nw = ctx;
	struct ike_sa *sa = ike_sa_find_own(&xa->d->w[nw->index], xa->spi, xa->serial);
	struct v1_state *s = sa ? sa->v1 : NULL;

	if (!s || s->xauth_asking != xa->what || sa->state != IKE_V1_XAUTH_I0) {
		crypto_wipe(xa, sizeof(*xa));
		free(xa);
		return;
	}
	s->xauth_asking = ASK_NONE;
	if (!xa->got || xa->len == 0) {
		log_limited(LOG_INFO, 10, "XAUTH prompt unanswered",
			    "#%llu: XAUTH: no %s from whack (none attached, it went, or it did not "
			    "answer in time)", (unsigned long long)sa->serial,
			    xa->what == ASK_USER ? "user name" : "password");
		xauth_client_fail(sa, IKE_FAIL_N_AUTHENTICATION_FAILED,
				  xa->what == ASK_USER ? "XAUTH: no Username entered, aborted"
						       : "XAUTH: no Password entered, aborted");
	} else if (xa->what == ASK_USER && xa->len >= sizeof(s->xauth_user)) {
		xauth_client_fail(sa, IKE_FAIL_OTHER,
				  "XAUTH: the user name is too long (at most 127 bytes)");
	} else if (xa->what == ASK_USER) {
		memcpy(s->xauth_user, xa->text, xa->len);
		s->xauth_user[xa->len] = '\0';
		client_answer(sa);
	} else {
		s->xauth_pass = malloc(xa->len);
		if (!s->xauth_pass) {
			xauth_client_fail(sa, IKE_FAIL_OTHER, "XAUTH: out of memory");
		} else {
			memcpy(s->xauth_pass, xa->text, xa->len);
			s->xauth_pass_len = xa->len;
			client_answer(sa);
		}
	}
	crypto_wipe(xa, sizeof(*xa));
	free(xa);
}

/* ike_answer_fn: on the ctl thread (or any); posts the answer to the SA's owner. */
static void answered(void *arg, const char *text)
{
	struct xauth_answer *xa = arg;
	size_t n = text ? strlen(text) : 0;

	if (text && n < sizeof(xa->text) && !memchr(text, '\n', n)) {
		memcpy(xa->text, text, n);
		xa->len = n;
		xa->got = true;
	}
	xa->mail.fn = answer_mail;
	net_pool_post(xa->d->pool, xa->wi, &xa->mail);
}

/* Ask sa's whack for what; false when nobody can answer (nothing asked). */
static bool ask(struct ike_sa *sa, uint8_t what)
{
	struct ike_progress *pr = ike_sa_whack(sa);
	struct xauth_answer *xa;
	char line[512], name[CONN_NAME_MAX + 80];

	if (!pr || !pr->ops->ask)
		return false;
	xa = calloc(1, sizeof(*xa));
	if (!xa)
		return false;
	xa->d = sa->w->d;
	xa->wi = sa->w->index;
	xa->spi = ike_sa_our_spi(sa);
	xa->serial = sa->serial;
	xa->what = what;
	/* libreswan's line: "name" #N: prompt for Username: (041) / Password: (040) */
	snprintf(line, sizeof(line), "%s #%llu: prompt for %s:",
		 ike_conn_instance_str(sa->conn, name, sizeof(name)),
		 (unsigned long long)sa->serial, what == ASK_USER ? "Username" : "Password");
	sa->v1->xauth_asking = what;
	if (!pr->ops->ask(pr, what == ASK_USER ? RC_USERPROMPT : RC_ENTERSECRET, line, answered,
			  xa)) {
		sa->v1->xauth_asking = ASK_NONE;
		free(xa);
		return false;
	}
	log_info("%s (asking whack)", line);
	return true;
}

/* Answer the REQUEST kept in s->xauth_req_*: ask whack first for what is missing. */
static void client_answer(struct ike_sa *sa)
{
	struct v1_state *s = sa->v1;
	struct v1_cfg reply = { .type = V1_CFG_REPLY, .identifier = s->xauth_req_id };
	uint8_t pw[256];
	int pwlen = -ENOENT;

	if (!s->xauth_user[0]) {
		if (!ask(sa, ASK_USER))
			xauth_client_fail(sa, IKE_FAIL_OTHER,
					  "no XAUTH user name (give --xauthuser with --initiate, "
					  "or run --initiate without --asynchronous to be asked)");
		return;
	}
	if (s->xauth_pass && s->xauth_pass_len > sizeof(pw)) {
		xauth_client_fail(sa, IKE_FAIL_OTHER,
				  "the XAUTH password is too long (at most 256 bytes)");
		return;
	}
	if (s->xauth_pass) {
		pwlen = (int)s->xauth_pass_len;
		memcpy(pw, s->xauth_pass, s->xauth_pass_len);
	} else if (sa->w->d->xauth_lookup) {
		pwlen = sa->w->d->xauth_lookup(sa->w->d->psk_ctx, s->xauth_user, pw, sizeof(pw));
	}
	if (pwlen < 0) {
		crypto_wipe(pw, sizeof(pw));
		if (!ask(sa, ASK_PASS))
			xauth_client_fail(sa, IKE_FAIL_OTHER,
					  "no XAUTH password (give --xauthpass with --initiate, "
					  "\"@user : XAUTH\" in the secrets, or run --initiate "
					  "without --asynchronous to be asked)");
		return;
	}
	for (unsigned i = 0; i < s->xauth_req_n; i++) {
		uint16_t t = s->xauth_req_types[i];
		struct v1_cfg_attr *r = &reply.attr[reply.nattr];

		if (t == XAUTH_TYPE) {
			*r = (struct v1_cfg_attr){ .type = XAUTH_TYPE, .basic = true, .value = 0 };
		} else if (t == XAUTH_USER_NAME) {
			*r = (struct v1_cfg_attr){ .type = XAUTH_USER_NAME,
						   .len = (uint16_t)strlen(s->xauth_user),
						   .val = (const uint8_t *)s->xauth_user };
		} else if (t == XAUTH_USER_PASSWORD) {
			*r = (struct v1_cfg_attr){ .type = XAUTH_USER_PASSWORD, .len = (uint16_t)pwlen,
						   .val = pw };
		} else {
			continue;
		}
		reply.nattr++;
	}
	sa->state = IKE_V1_XAUTH_I1;
	if (v1_tx_send(sa, s->xauth_req_msgid, false, &reply, false) < 0) {
		crypto_wipe(pw, sizeof(pw));
		ike_sa_progress(sa, RC_INTERNALERR, "XAUTH: cannot send the REPLY");
		v1_delete(sa, false);
		return;
	}
	crypto_wipe(pw, sizeof(pw));
	/* the REPLY kept for retransmission holds the password encrypted only */
	ike_sa_progress(sa, RC_LOG, "XAUTH: answered the server's REQUEST for user %s",
			s->xauth_user);
}

void v1_xauth_i_request(struct ike_sa *sa, struct ike_input *in)
{
	struct v1_state *s = sa->v1;
	const struct v1_cfg *cfg;

	if (s->xauth_asking) {
		/* the server's retransmission while whack's user types: answered once we can */
		v1_drop(sa->w, in->rx, "an XAUTH REQUEST while whack is being asked");
		return;
	}
	cfg = v1_tx_take(sa, in, V1_CFG_REQUEST);
	if (!cfg)
		return;
	s->xauth_req_id = cfg->identifier;
	s->xauth_req_msgid = in->v1m->hdr.msgid;
	s->xauth_req_n = 0;
	/* XAUTH-TYPE, -USER-NAME, -PASSWORD get answers; XAUTH-MESSAGE and the rest: nothing */
	for (unsigned i = 0; i < cfg->nattr; i++) {
		uint16_t t = cfg->attr[i].type;

		if ((t == XAUTH_TYPE || t == XAUTH_USER_NAME || t == XAUTH_USER_PASSWORD) &&
		    s->xauth_req_n < sizeof(s->xauth_req_types) / sizeof(s->xauth_req_types[0]))
			s->xauth_req_types[s->xauth_req_n++] = t;
	}
	client_answer(sa);
}

void v1_xauth_i_set(struct ike_sa *sa, struct ike_input *in)
{
	const struct v1_cfg *cfg = v1_tx_take(sa, in, V1_CFG_SET);
	const struct v1_cfg_attr *st;
	struct v1_cfg ack = { .type = V1_CFG_ACK, .nattr = 1 };
	bool ok;

	if (!cfg)
		return;
	st = cfg_attr(cfg, XAUTH_STATUS);
	ok = st && st->basic && st->value == XAUTH_STATUS_OK;
	ack.identifier = cfg->identifier;
	ack.attr[0] = (struct v1_cfg_attr){ .type = XAUTH_STATUS, .basic = true,
					    .value = st && st->basic ? st->value : 0 };
	if (v1_tx_send(sa, in->v1m->hdr.msgid, false, &ack, false) < 0) {
		ike_sa_progress(sa, RC_INTERNALERR, "XAUTH: cannot send the ACK");
		v1_delete(sa, false);
		return;
	}
	if (!ok) {
		ike_stats_fail_reason(sa, IKE_FAIL_N_AUTHENTICATION_FAILED);
		counters_inc(sa->w->d->ctr, sa->w->index, IKEC_AUTH_FAILED);
		ike_sa_progress(sa, RC_FATAL, "XAUTH: the server says the authentication failed");
		v1_delete(sa, false);	/* the server deletes the ISAKMP SA */
		return;
	}
	ike_sa_progress(sa, RC_LOG, "XAUTH: Successfully Authenticated");
	done(sa);
}

/* ---- after Phase 1 ---- */

bool v1_xauth_after_p1(struct ike_sa *sa)
{
	const struct conn_end_spec *me = &sa->conn->spec->end[sa->this_end];

	sa->v1->p1_state = sa->state;
	if (me->xauth_server) {
		if (server_start(sa) < 0) {
			ike_sa_progress(sa, RC_INTERNALERR, "XAUTH: cannot send the REQUEST");
			v1_delete(sa, true);
		}
		return true;
	}
	if (me->xauth_client) {
		sa->state = IKE_V1_XAUTH_I0;
		return true;
	}
	if (me->modecfg_server || me->modecfg_client) {
		done(sa);
		return true;
	}
	return false;
}

void v1_xauth_creds(struct ike_sa *sa, const struct ike_progress *pr)
{
	struct v1_state *s = sa->v1;

	if (!pr)
		return;
	if (pr->xauth_user)
		snprintf(s->xauth_user, sizeof(s->xauth_user), "%s", pr->xauth_user);
	if (pr->xauth_pass) {
		size_t n = strlen(pr->xauth_pass);

		s->xauth_pass = malloc(n ? n : 1);
		if (s->xauth_pass) {
			memcpy(s->xauth_pass, pr->xauth_pass, n);
			s->xauth_pass_len = n;
		}
	}
}
