/* SPDX-License-Identifier: BSD-2-Clause */
/* whack --debug and --shutdown. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ctl/pluto.h"
#include "ctl/proto/whack_opts.h"
#include "util/impair.h"
#include "util/log.h"

void ctl_cmd_debug(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	uint32_t mask = atomic_load(&log_debug_mask);

	if (whack_cmd_find(cmd, WO_NAME, WHACK_END_NONE)) {
		ctl_not_supported(c, "--debug for one connection (--name)");
		return;
	}
	/* Apply to a copy in command-line order; commit only when all were valid. */
	for (size_t i = 0; i < cmd->nopts; i++) {
		const struct whack_optval *o = &cmd->opts[i];
		if (o->id != WO_DEBUG && o->id != WO_NO_DEBUG)
			continue;
		if (debug_apply(&mask, o->value, o->id == WO_DEBUG) < 0) {
			ctl_reply(c, RC_WHACK_PROBLEM,
				  "--%s %s: unknown debug class (whack --debug help lists them)",
				  o->id == WO_DEBUG ? "debug" : "no-debug", o->value);
			return;
		}
	}
	atomic_store(&log_debug_mask, mask);
	ctl_reply(c, RC_LOG, "debug classes now 0x%x", mask);
}

void ctl_cmd_shutdown(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	bool leave = whack_cmd_find(cmd, WO_LEAVE_STATE, WHACK_END_NONE) != NULL;

	atomic_store(&p->leave_state, leave);
	ctl_reply(c, RC_LOG, "shutting down%s", leave ? " (leaving kernel state in place)" : "");
	pluto_request_stop(p);
}

static void comment_line(void *ctx, const char *line)
{
	ctl_comment(ctx, "%s", line);
}

void ctl_cmd_impair(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	struct impair_setting set[WHACK_MAX_OPTS];
	size_t n = 0;
	char err[200];

	/* Parse every --impair / --no-impair first; apply only when all are valid. */
	for (size_t i = 0; i < cmd->nopts; i++) {
		const struct whack_optval *o = &cmd->opts[i];
		bool enable = o->id == WO_IMPAIR;

		if (o->id != WO_IMPAIR && o->id != WO_NO_IMPAIR)
			continue;
		if (enable && strcmp(o->value, "help") == 0) {
			impair_help_each(comment_line, c);
			continue;
		}
		if (enable && (strcmp(o->value, "list") == 0 || strcmp(o->value, "show") == 0)) {
			if (impair_list(comment_line, c) == 0)
				ctl_comment(c, "no behaviour is impaired");
			continue;
		}
		if (impair_parse(o->value, enable, &set[n], err, sizeof(err)) < 0) {
			ctl_reply(c, RC_WHACK_PROBLEM, "--%s %s: %s", enable ? "impair" : "no-impair",
				  o->value, err);
			return;
		}
		n++;
	}
	for (size_t i = 0; i < n; i++)
		impair_set(&set[i]);
	if (n)
		ctl_reply(c, RC_LOG, "impairments updated");
}
