/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Dispatch of a whack request: its operations run in enum whack_op order.
 * A form whose capability has not landed answers RC_NOT_SUPPORTED, never
 * a silent success.
 */
#include "ctl/pluto.h"

#include <stddef.h>

typedef void (*ctl_handler)(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd);

static const struct {
	const char *form;	/* as the user wrote it, for "not supported yet" */
	ctl_handler fn;		/* NULL: not supported yet */
} ops[WOP_COUNT] = {
	[WOP_DEBUG] = { "--debug", ctl_cmd_debug },
	[WOP_IMPAIR] = { "--impair", ctl_cmd_impair },
	[WOP_DELETE] = { "--delete", ctl_cmd_delete_conn },
	[WOP_DELETESTATE] = { "--deletestate", ctl_cmd_deletestate },
	[WOP_DELETEUSER] = { "--deleteuser", ctl_cmd_deleteuser },
	[WOP_CRASH] = { "--crash", ctl_cmd_crash },
	[WOP_ADD_CONN] = { "connection form", ctl_cmd_add_conn },
	[WOP_ADD_KEY] = { "public key form (--keyid/--pubkeyrsa)", ctl_cmd_addkey },
	[WOP_DDOS] = { "--ddos-auto/--ddos-busy/--ddos-unlimited", ctl_cmd_ddos },
	[WOP_GLOBAL_REDIRECT] = { "--global-redirect", ctl_cmd_global_redirect },
	[WOP_GLOBAL_REDIRECT_TO] = { "--global-redirect-to", ctl_cmd_global_redirect_to },
	[WOP_REDIRECT_TO] = { "--redirect-to", ctl_cmd_redirect_to },
	[WOP_SOCKET_BUFSIZE] = { "--ike-socket-bufsize", ctl_cmd_socket_bufsize },
	[WOP_SOCKET_ERRQUEUE] = { "--ike-socket-errqueue-toggle", ctl_cmd_socket_errqueue },
	[WOP_REREADSECRETS] = { "--rereadsecrets", ctl_cmd_rereadsecrets },
	[WOP_REREADCRLS] = { "--rereadcrls", ctl_cmd_rereadcrls },
	[WOP_FETCHCRLS] = { "--fetchcrls (from distribution points; --rereadcrls reads crls/)", NULL },
	[WOP_REREADALL] = { "--rereadall", ctl_cmd_rereadall },
	[WOP_PURGEOCSP] = { "--purgeocsp", NULL },
	[WOP_LISTEN] = { "--listen", ctl_cmd_listen },
	[WOP_UNLISTEN] = { "--unlisten", ctl_cmd_unlisten },
	[WOP_ROUTE] = { "--route", ctl_cmd_route },
	[WOP_UNROUTE] = { "--unroute", ctl_cmd_unroute },
	[WOP_INITIATE] = { "--initiate", ctl_cmd_initiate },
	[WOP_OPPO_INITIATE] = { "opportunistic initiate (--oppohere/--oppothere)", NULL },
	[WOP_TERMINATE] = { "--terminate", ctl_cmd_terminate },
	[WOP_REKEY_IKE] = { "--rekey-ike", ctl_cmd_rekey_ike },
	[WOP_REKEY_IPSEC] = { "--rekey-ipsec", ctl_cmd_rekey_ipsec },
	[WOP_DDNS] = { "--ddns", NULL },
	[WOP_LISTPUBKEYS] = { "--listpubkeys", ctl_cmd_listpubkeys },
	[WOP_LISTCERTS] = { "--listcerts", ctl_cmd_listcerts },
	[WOP_CHECKPUBKEYS] = { "--checkpubkeys", ctl_cmd_checkpubkeys },
	[WOP_LISTCACERTS] = { "--listcacerts", ctl_cmd_listcacerts },
	[WOP_LISTCRLS] = { "--listcrls", ctl_cmd_listcrls },
	[WOP_LISTEVENTS] = { "--listevents", ctl_cmd_listevents },
	[WOP_STATUS] = { "--status", ctl_cmd_status },
	[WOP_TRAFFICSTATUS] = { "--trafficstatus", ctl_cmd_trafficstatus },
	[WOP_SHUNTSTATUS] = { "--shuntstatus", ctl_cmd_shuntstatus },
	[WOP_ADDRESSPOOLSTATUS] = { "--addresspoolstatus", ctl_cmd_addresspoolstatus },
	[WOP_PROCESSSTATUS] = { "--processstatus", ctl_cmd_processstatus },
	[WOP_GLOBALSTATS] = { "--globalstats", ctl_cmd_globalstats },
	[WOP_CLEARSTATS] = { "--clearstats", ctl_cmd_clearstats },
	[WOP_SHOWSTATES] = { "--showstates", ctl_cmd_showstates },
	[WOP_BRIEFSTATUS] = { "--briefstatus", ctl_cmd_briefstatus },
	[WOP_FIPSSTATUS] = { "--fipsstatus", ctl_cmd_fipsstatus },
	[WOP_SHUTDOWN] = { "--shutdown", ctl_cmd_shutdown },
	[WOP_CONNECTIONSTATUS] = { "--connectionstatus", ctl_cmd_connectionstatus },
};

void ctl_dispatch(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	for (unsigned op = 0; op < WOP_COUNT; op++) {
		if (!whack_cmd_has_op(cmd, op))
			continue;
		if (ops[op].fn)
			ops[op].fn(p, c, cmd);
		else
			ctl_not_supported(c, ops[op].form);
	}
}
