/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_PROTO_WHACK_PROTO_H
#define SKUA_CTL_PROTO_WHACK_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

/*
 * The whack control protocol, shared by whack and pluto. Never a raw C
 * struct on the wire: every message is
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        magic "SKWH"                           |
 *   +-------------------------------+-------------------------------+
 *   |          version (1)          |             kind              |
 *   +-------------------------------+-------------------------------+
 *   |              length (whole message, header included)          |
 *   +---------------------------------------------------------------+
 *   |   attributes: type (16) | length (16) | value ...             |
 *
 * all big-endian. A request carries one OPS attribute (the bitmask of
 * enum whack_op) and the command line's options as OPT attributes
 * (option id, end, value string). A reply carries one line: the numeric
 * progress code (enum whack_rc) and its text. pluto sends replies until
 * the request is done, then closes the stream. A reply line of code
 * RC_USERPROMPT (041) or RC_ENTERSECRET (040) asks whack's user: whack
 * answers on the same stream with one ANSWER message (one TEXT attribute,
 * at most WHACK_ANSWER_MAX bytes, no NUL) and goes on reading replies.
 */

#define WHACK_PROTO_MAGIC 0x534b5748u	/* "SKWH" */
#define WHACK_PROTO_VERSION 1
#define WHACK_HDR_LEN 12
#define WHACK_MSG_MAX (64 * 1024)	/* a larger message is refused */
#define WHACK_MAX_OPTS 256		/* options in one request */
#define WHACK_VALUE_MAX 4096		/* bytes of one option value */
#define WHACK_LINE_MAX 4096		/* bytes of one reply line */
#define WHACK_ANSWER_MAX 255		/* bytes of one answer to a prompt */

enum whack_msg_kind {
	WHACK_MSG_REQUEST = 1,
	WHACK_MSG_REPLY = 2,
	WHACK_MSG_ANSWER = 3,	/* whack to pluto: the answer to a prompt (040, 041) */
};

enum whack_attr {
	WATTR_OPS = 1,		/* u64: bitmask of enum whack_op */
	WATTR_OPT = 2,		/* u16 option id, u8 end, value bytes (no NUL) */
	WATTR_RC = 3,		/* u16: enum whack_rc (replies) */
	WATTR_TEXT = 4,		/* the reply line (replies) */
};

/* Which end of a connection an option was given for (before/after --to). */
enum whack_end {
	WHACK_END_NONE = 0,
	WHACK_END_LEFT = 1,
	WHACK_END_RIGHT = 2,
};

/*
 * The operations of one whack invocation. pluto runs them in this order,
 * whatever order the command line gave them in (libreswan does the same).
 */
enum whack_op {
	WOP_DEBUG,		/* --debug / --no-debug */
	WOP_IMPAIR,		/* --impair / --no-impair */
	WOP_DELETE,		/* --name N --delete (delete form) */
	WOP_DELETESTATE,	/* --deletestate N */
	WOP_DELETEUSER,		/* --deleteuser --name USER */
	WOP_CRASH,		/* --crash ADDR */
	WOP_ADD_CONN,		/* connection form */
	WOP_ADD_KEY,		/* public key form */
	WOP_DDOS,		/* --ddos-auto|busy|unlimited */
	WOP_GLOBAL_REDIRECT,	/* --global-redirect yes|no|auto */
	WOP_GLOBAL_REDIRECT_TO,	/* --global-redirect-to ADDRS */
	WOP_REDIRECT_TO,	/* [--name N] --redirect-to ADDRS */
	WOP_SOCKET_BUFSIZE,	/* --ike-socket-bufsize N */
	WOP_SOCKET_ERRQUEUE,	/* --ike-socket-errqueue-toggle */
	WOP_REREADSECRETS,	/* --rereadsecrets */
	WOP_REREADCRLS,		/* --rereadcrls */
	WOP_FETCHCRLS,		/* --fetchcrls */
	WOP_REREADALL,		/* --rereadall */
	WOP_PURGEOCSP,		/* --purgeocsp */
	WOP_LISTEN,		/* --listen */
	WOP_UNLISTEN,		/* --unlisten */
	WOP_ROUTE,		/* --route --name N */
	WOP_UNROUTE,		/* --unroute --name N */
	WOP_INITIATE,		/* --initiate --name N */
	WOP_OPPO_INITIATE,	/* --oppohere A --oppothere B */
	WOP_TERMINATE,		/* --terminate --name N */
	WOP_REKEY_IKE,		/* --rekey-ike --name N */
	WOP_REKEY_IPSEC,	/* --rekey-ipsec --name N */
	WOP_DDNS,		/* --ddns */
	WOP_LISTPUBKEYS,	/* --listpubkeys (and --listall) */
	WOP_LISTCERTS,
	WOP_CHECKPUBKEYS,
	WOP_LISTCACERTS,
	WOP_LISTCRLS,
	WOP_LISTEVENTS,
	WOP_STATUS,
	WOP_TRAFFICSTATUS,
	WOP_SHUNTSTATUS,
	WOP_ADDRESSPOOLSTATUS,
	WOP_PROCESSSTATUS,
	WOP_GLOBALSTATS,
	WOP_CLEARSTATS,
	WOP_SHOWSTATES,		/* --showstates */
	WOP_BRIEFSTATUS,	/* --briefstatus */
	WOP_FIPSSTATUS,		/* --fipsstatus */
	WOP_SHUTDOWN,		/* --shutdown [--leave-state] */
	WOP_CONNECTIONSTATUS,	/* --connectionstatus */
	WOP_COUNT,
};

_Static_assert(WOP_COUNT <= 64, "ops must fit the u64 mask");

/* The progress codes (enum whack_rc) live in util/rc.h: the IKE engine reports them too. */

struct whack_optval {
	uint16_t id;		/* enum whack_opt (whack_opts.h) */
	uint8_t end;		/* enum whack_end */
	char *value;		/* NUL-terminated, owned; "" for flags */
};

/*
 * One decoded request. Owner: whoever decoded or built it; free with
 * whack_cmd_fini().
 */
struct whack_cmd {
	uint64_t ops;		/* bits of enum whack_op */
	size_t nopts;
	struct whack_optval opts[WHACK_MAX_OPTS];
};

static inline bool whack_cmd_has_op(const struct whack_cmd *c, enum whack_op op)
{
	return (c->ops >> op) & 1;
}

/* Context: any thread. Frees the values; the struct itself is the caller's. */
void whack_cmd_fini(struct whack_cmd *c);

/*
 * Append one option (value copied). Returns 0, -E2BIG (too many options),
 * -EMSGSIZE (value too long) or -EINVAL (control characters in value),
 * -ENOMEM.
 */
int whack_cmd_add(struct whack_cmd *c, uint16_t id, enum whack_end end, const char *value);

/* First option with this id and end (WHACK_END_NONE matches any end); NULL if absent. */
const struct whack_optval *whack_cmd_find(const struct whack_cmd *c, uint16_t id, int end);

/*
 * Encode a request into buf. Returns the message length, or -EMSGSIZE.
 * Context: any thread; pure.
 */
int whack_request_encode(const struct whack_cmd *c, uint8_t *buf, size_t cap);

/*
 * Decode a whole request (header included) into *c (zeroed first).
 * Returns 0 or -EBADMSG / -EPROTO (bad magic or version) / -EMSGSIZE /
 * -E2BIG / -ENOMEM; err names what was wrong. Context: any thread; pure
 * apart from allocation. Never trusts a length.
 */
int whack_request_decode(const uint8_t *buf, size_t len, struct whack_cmd *c, char *err,
			 size_t errlen);

/*
 * Parse the 12-byte header: the message kind and whole length. Returns 0,
 * -EPROTO (magic or version) or -EMSGSIZE (length below the header or over
 * WHACK_MSG_MAX).
 */
int whack_hdr_parse(const uint8_t *hdr, uint16_t *kind, uint32_t *len);

/* Encode one reply line. Returns the message length or -EMSGSIZE. */
int whack_reply_encode(unsigned rc, const char *text, uint8_t *buf, size_t cap);

/* Encode the answer to a prompt. Returns the message length or -EMSGSIZE. */
int whack_answer_encode(const char *text, uint8_t *buf, size_t cap);

/*
 * Decode one whole answer (header included) into textbuf, NUL-terminated.
 * Returns 0, or -EBADMSG / -EPROTO / -EMSGSIZE (not one TEXT attribute
 * that fits textcap without a NUL). Never trusts a length.
 */
int whack_answer_decode(const uint8_t *buf, size_t len, char *textbuf, size_t textcap);

/* Decode one whole reply message; text is NUL-terminated into textbuf. */
int whack_reply_decode(const uint8_t *buf, size_t len, unsigned *rc, char *textbuf,
		       size_t textcap);

#endif
