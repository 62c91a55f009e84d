/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections of pluto --config: loaded when pluto starts, and again
 * by whack --rereadall. Each conn section becomes the whack connection
 * form config_conn.c builds, and is run through the same handlers as a
 * whack command (ctl_dispatch): add (replacing), then --listen at start,
 * then --route for auto=ondemand and --initiate --asynchronous for
 * auto=start, as libreswan's addconn --autoall does.
 *
 * A reload compares with what the file gave last time: a conn whose form
 * and auto= are unchanged is left alone (its SAs stay up); a new or
 * changed one is added or replaced and its auto= acted on; one that is
 * gone (or now auto=ignore) is deleted. A malformed file changes nothing;
 * a conn that cannot be loaded is reported with file and line and keeps
 * what was loaded for it before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/config_conn.h"
#include "ctl/config_setup.h"
#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "ike/connection.h"
#include "util/log.h"

/* One conn this file loaded. */
struct loaded_conn {
	char name[CONN_NAME_MAX + 1];
	uint64_t serial; /* of the connection added for it */
	enum conf_auto autostart;
	uint8_t *form; /* its encoded connection form */
	int formlen;
};

/* Owner: the ctl thread (main before the ctl thread starts). */
struct config_loaded {
	struct loaded_conn *v;
	size_t n;
};

/* The serial of the connection of that name in the table, 0 if none. */
static uint64_t table_serial(struct pluto *p, const char *name)
{
	struct conn_node *n;
	uint64_t serial = 0;

	rcu_read_lock();
	n = sadb_conn_table_lookup_rcu(&p->conns, name);
	if (n)
		serial = ike_connection_of(n)->serial;
	rcu_read_unlock();
	return serial;
}

static struct loaded_conn *find_loaded(struct config_loaded *l, const char *name)
{
	for (size_t i = 0; l && i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	}
	return NULL;
}

/* Run one simple whack form (--name N plus a flag) as pluto itself. */
static void run_form(struct pluto *p, struct ctl_client *c, const char *name, enum whack_opt opt,
		     enum whack_op op, bool async)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));

	if (!cmd) {
		ctl_reply(c, RC_INTERNALERR, "out of memory");
		return;
	}
	if ((name && whack_cmd_add(cmd, WO_NAME, WHACK_END_NONE, name) < 0) ||
	    whack_cmd_add(cmd, (uint16_t)opt, WHACK_END_NONE, "") < 0 ||
	    (async && whack_cmd_add(cmd, WO_ASYNCHRONOUS, WHACK_END_NONE, "") < 0)) {
		ctl_reply(c, RC_INTERNALERR, "out of memory");
	} else {
		cmd->ops = 1ull << op;
		ctl_dispatch(p, c, cmd);
	}
	whack_cmd_fini(cmd);
	free(cmd);
}

/* Add (or replace) one conn; returns the new connection's serial, 0 on failure. */
static uint64_t add_conn(struct pluto *p, struct ctl_client *c, const struct conf_conn *cc)
{
	struct whack_cmd *cmd = calloc(1, sizeof(*cmd));
	uint64_t before = table_serial(p, cc->name), after = 0;

	if (!cmd)
		goto out;
	*cmd = *cc->cmd; /* the values are borrowed: only nopts is changed below */
	if (cmd->nopts >= WHACK_MAX_OPTS)
		goto out;
	/* --delete in the connection form: replace, silently when there was none. */
	cmd->opts[cmd->nopts++] =
		(struct whack_optval){.id = WO_DELETE, .end = WHACK_END_NONE, .value = ""};
	ctl_dispatch(p, c, cmd);
	after = table_serial(p, cc->name);
	if (after == before)
		after = 0;
	/* leftrsasigkey=/rightrsasigkey=: the peer's (or our) raw key, as addconn sends it */
	for (int end = 0; after && end < 2; end++) {
		if (cc->keys[end])
			ctl_dispatch(p, c, cc->keys[end]);
	}
out:
	free(cmd); /* not whack_cmd_fini(): the values belong to cc */
	return after;
}

static void report_diag(struct ctl_client *c, const struct conf_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		ctl_reply(c, d->v[i].level == CONF_WARNING ? RC_LOG : RC_LOG_SERIOUS, "%s",
			  d->v[i].text);
}

static void loaded_free(struct config_loaded *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].form);
	free(l->v);
	free(l);
}

/*
 * Read --config and bring the connections in line with it. start: pluto
 * is starting (also listen). Returns 0, -EINVAL (malformed: nothing was
 * changed) or -ENOMEM. Context: ctl thread, or main before it starts.
 */
static int config_load(struct pluto *p, struct ctl_client *out, bool start, bool failed_before)
{
	const char *path = p->opts->config;
	struct ctl_client quiet = {.fd = -1, .broken = true};
	/* Lines of the handlers go to the whack that asked (if any); workers only log. */
	struct ctl_client sub = {.fd = -1, .broken = true, .tee = out};
	struct ctl_client *c = out ? out : &quiet;
	struct config_loaded *old = p->config, *now = NULL;
	struct pluto_options scratch;
	struct conf_file f = {0};
	struct conf_set set = {0};
	struct conf_diag d;
	size_t added = 0, kept = 0, deleted = 0, failed = 0;
	uint64_t *act = NULL; /* per conn of set: the serial added now, 0: none */
	int rc;

	conf_diag_init(&d);
	pluto_options_init(&scratch);
	rc = conf_file_read(&f, path, &d);
	if (rc == 0)
		rc = conf_setup_apply(&f, &scratch, &d); /* checked, not re-applied */
	if (rc == 0)
		rc = conf_conns_build(&f, &conf_env_system, &set, &d);
	if (rc < 0) {
		for (size_t i = 0; i < d.n; i++) {
			if (d.v[i].level == CONF_ERROR)
				ctl_reply(c, RC_LOG_SERIOUS, "%s", d.v[i].text);
		}
		ctl_reply(c, RC_FATAL, "config %s not loaded: %s", path,
			  start ? "no connection is loaded"
				: "the connections in force stay as they were");
		rc = -EINVAL;
		goto out;
	}
	if (start)
		log_info("loading the connections of %s", path);
	now = calloc(1, sizeof(*now));
	act = calloc(set.n ? set.n : 1, sizeof(*act));
	if (now)
		now->v = calloc(set.n ? set.n : 1, sizeof(*now->v));
	if (!now || !act || !now->v) {
		ctl_reply(c, RC_INTERNALERR, "out of memory loading %s", path);
		rc = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < set.n; i++) {
		const struct conf_conn *cc = &set.v[i];
		struct loaded_conn *was = find_loaded(old, cc->name);
		bool was_there = was && was->serial && table_serial(p, cc->name) == was->serial;
		struct loaded_conn *l = &now->v[now->n];
		uint8_t *form = NULL;
		int n = 0;

		if (cc->autostart == CONF_AUTO_IGNORE)
			continue;
		report_diag(c, &cc->diag);
		if (!cc->ok) {
			failed++;
			ctl_reply(c, RC_LOG_SERIOUS, "\"%s\": not loaded%s", cc->name,
				  was_there ? ": the definition loaded before stays" : "");
			if (was_there) {
				*l = *was;
				was->form = NULL;
				now->n++;
			}
			continue;
		}
		/* the form and its key forms (leftrsasigkey=): a changed key is a change */
		form = malloc(3 * WHACK_MSG_MAX);
		if (form)
			n = whack_request_encode(cc->cmd, form, WHACK_MSG_MAX);
		for (int end = 0; form && n >= 0 && end < 2; end++) {
			int m = cc->keys[end] ? whack_request_encode(cc->keys[end], form + n,
								     WHACK_MSG_MAX) : 0;
			n = m < 0 ? m : n + m;
		}
		if (!form || n < 0) {
			free(form);
			failed++;
			ctl_reply(c, RC_INTERNALERR, "\"%s\": cannot encode the connection",
				  cc->name);
			continue;
		}
		{
			uint8_t *fit = realloc(form, (size_t)n); /* kept per conn: no 64 KiB each */
			if (fit)
				form = fit;
		}
		if (was_there && was->autostart == cc->autostart && was->formlen == n &&
		    memcmp(was->form, form, (size_t)n) == 0) {
			free(form);
			*l = *was;
			was->form = NULL;
			now->n++;
			kept++;
			continue;
		}
		act[i] = add_conn(p, &sub, cc);
		if (!act[i]) {
			free(form);
			failed++;
			ctl_reply(c, RC_LOG_SERIOUS, "\"%s\": not loaded%s", cc->name,
				  was_there ? ": the definition loaded before stays" : "");
			if (was_there) {
				*l = *was;
				was->form = NULL;
				now->n++;
			}
			continue;
		}
		snprintf(l->name, sizeof(l->name), "%s", cc->name);
		l->serial = act[i];
		l->autostart = cc->autostart;
		l->form = form;
		l->formlen = n;
		now->n++;
		added++;
	}

	/* What the file no longer asks for goes, unless someone replaced it meanwhile. */
	for (size_t i = 0; old && i < old->n; i++) {
		struct loaded_conn *was = &old->v[i];
		if (find_loaded(now, was->name) || !was->serial ||
		    table_serial(p, was->name) != was->serial)
			continue;
		run_form(p, &sub, was->name, WO_DELETE, WOP_DELETE, false);
		if (table_serial(p, was->name) == 0)
			deleted++;
	}

	if (start)
		run_form(p, &sub, NULL, WO_LISTEN, WOP_LISTEN, false);
	/* auto=ondemand first (routes in place quickly), then auto=start, as addconn does. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < set.n; i++) {
			const struct conf_conn *cc = &set.v[i];
			bool route = cc->autostart == CONF_AUTO_ONDEMAND ||
				     (cc->shunt && cc->autostart == CONF_AUTO_START);
			bool initiate = !cc->shunt && cc->autostart == CONF_AUTO_START;

			if (!act[i] || (pass == 0 && !route) || (pass == 1 && !initiate))
				continue;
			if (route)
				run_form(p, &sub, cc->name, WO_ROUTE, WOP_ROUTE, false);
			else
				run_form(p, &sub, cc->name, WO_INITIATE, WOP_INITIATE, true);
		}
	}

	/* The last line decides whack's exit status. */
	ctl_reply(c, failed || failed_before ? RC_FATAL : RC_SUCCESS,
		  "config %s: %zu connection%s added or replaced, %zu unchanged, %zu deleted%s%zu "
		  "not loaded%s",
		  path, added, added == 1 ? "" : "s", kept, deleted, failed ? "; " : ", ", failed,
		  failed_before ? " (the secrets were not reloaded)" : "");
	p->config = now;
	now = NULL;
	loaded_free(old);
	rc = 0;
out:
	if (now)
		loaded_free(now);
	free(act);
	conf_set_fini(&set);
	conf_file_fini(&f);
	conf_diag_fini(&d);
	pluto_options_fini(&scratch);
	return rc;
}

int ctl_config_start(struct pluto *p)
{
	return config_load(p, NULL, true, false);
}

/*
 * libreswan's "reread all": the certificate store (certs/, cacerts/, CRLs)
 * and the secrets, then (Skua) the connections of --config, which find
 * the new certificates and keys.
 */
void ctl_cmd_rereadall(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	char err[512];
	bool secrets_failed;

	if (ctl_certs_load(p, true, true) < 0) {
		ctl_reply(c, RC_FATAL, "certificates not reread: out of memory");
		return;
	}
	ctl_reply(c, RC_LOG, "reread %zu certificate%s, %zu CA certificate%s and %zu CRL%s from %s",
		  p->certs.ncerts, p->certs.ncerts == 1 ? "" : "s", p->certs.ncas,
		  p->certs.ncas == 1 ? "" : "s", p->certs.ncrls, p->certs.ncrls == 1 ? "" : "s",
		  p->certs.dir);
	secrets_failed = ctl_secrets_reload(p, err, sizeof(err)) < 0;

	if (secrets_failed)
		ctl_reply(c, p->opts->config[0] ? RC_LOG_SERIOUS : RC_FATAL,
			  "secrets not reloaded, the old ones stay in force: %s", err);
	else
		ctl_reply(c, RC_LOG, "loaded secrets from %s", p->opts->secretsfile);
	if (p->opts->config[0] == '\0') {
		if (!secrets_failed)
			ctl_reply(c, RC_LOG, "no --config: there are no connections to reread");
		return;
	}
	config_load(p, c, false, secrets_failed);
}

void ctl_config_fini(struct pluto *p)
{
	loaded_free(p->config);
	p->config = NULL;
}
