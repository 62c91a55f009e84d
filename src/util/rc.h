/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_RC_H
#define SKUA_UTIL_RC_H

#include <stdbool.h>

/*
 * Progress codes, 3-digit numbers at the start of each reply line, as
 * libreswan's pluto sends them (ipsec_auto and scripts know the numbers).
 * whack's exit status is the code of the last line that is not a comment
 * or a log line, with RC_SUCCESS meaning 0.
 */
enum whack_rc {
	RC_COMMENT = 0,		/* status output; does not change the exit status */
	RC_WHACK_PROBLEM = 1,	/* whack-detected problem */
	RC_LOG = 2,		/* log line relayed; does not change the exit status */
	RC_LOG_SERIOUS = 3,	/* serious log line; does not change the exit status */
	RC_SUCCESS = 4,		/* success: exit status 0 */
	RC_INFORMATIONAL = 5,
	RC_INFORMATIONAL_TRAFFIC = 6,
	RC_RETRANSMISSION = 10,
	RC_DUPNAME = 20,	/* attempt to reuse a connection name */
	RC_UNKNOWN_NAME = 21,	/* connection name or state number unknown */
	RC_ORIENT = 22,		/* cannot orient connection: neither end is us */
	RC_CLASH = 23,
	RC_DEAF = 24,		/* need --listen before --initiate */
	RC_ROUTE = 25,
	RC_RTBUSY = 26,
	RC_BADID = 27,
	RC_NOKEY = 28,
	RC_NOPEERIP = 29,
	RC_BADWHACKMESSAGE = 30,
	RC_NORETRANSMISSION = 31,
	RC_INTERNALERR = 32,
	RC_OPPOFAILURE = 33,
	RC_CRYPTOFAILED = 34,
	RC_AGGRALGO = 35,
	RC_FATAL = 36,
	RC_NOT_SUPPORTED = 37,	/* Skua: the capability has not landed yet */
	RC_ENTERSECRET = 40,	/* password prompt */
	RC_USERPROMPT = 41,	/* username prompt */
	RC_NEW_V1_STATE = 100,	/* + state number */
	RC_NEW_V2_STATE = 150,	/* + state number */
	RC_NOTIFICATION = 200,	/* + notification number, capped to 255 */
};

/* True for the codes that do not change whack's exit status. */
static inline bool whack_rc_is_quiet(unsigned rc)
{
	/* the informational lines too: libreswan's whack exits 0 after --trafficstatus */
	return rc == RC_COMMENT || rc == RC_LOG || rc == RC_LOG_SERIOUS || rc == RC_INFORMATIONAL ||
	       rc == RC_INFORMATIONAL_TRAFFIC;
}

/* The exit status a code gives: RC_SUCCESS is 0; codes over 255 are capped. */
static inline int whack_rc_exit_status(unsigned rc)
{
	if (rc == RC_SUCCESS)
		return 0;
	return rc > 255 ? 255 : (int)rc;
}

#endif
