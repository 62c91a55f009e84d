/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_SECRETS_LEX_H
#define SKUA_CTL_SECRETS_LEX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Tokens of an ipsec.secrets(5) file. Tokens are separated by
 * whitespace; '#' at the start of a line or after whitespace starts a
 * comment to the end of the line; "..." or '...' is a string that cannot
 * hold a newline or its own quote (no escapes); a ':' followed by
 * whitespace ends the word before it ("@a @b: PSK" is "@a" "@b" ":" "PSK"),
 * unless the word ends in "::" (an IPv6 address such as "2001:db8::").
 * A newline is whitespace; whether a token is first on its line and
 * whether it starts in column 0 tell the parser where entries begin.
 */
enum secrets_tok_kind {
	STOK_EOF,
	STOK_WORD,
	STOK_STRING,		/* p/len exclude the quotes */
	STOK_COLON,
};

struct secrets_tok {
	enum secrets_tok_kind kind;
	const char *p;
	size_t len;
	unsigned line;		/* 1-based */
	bool first;		/* first token on its line */
	bool col0;		/* starts in column 0 (so also first) */
};

/* Owner: the caller, on its stack; buf must outlive it. */
struct secrets_lex {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned line;
	bool line_has_token;	/* a token was already returned on this line */
	bool pending_colon;	/* a ':' split off the previous word */
	unsigned pending_line;
};

/* Context: any thread. */
void secrets_lex_init(struct secrets_lex *lx, const char *buf, size_t len);

/*
 * The next token. Returns 0, or -EINVAL with *why set (a static string)
 * and t->line the offending line: an unterminated string, no whitespace
 * after a closing quote, or a NUL byte.
 */
int secrets_lex_next(struct secrets_lex *lx, struct secrets_tok *t, const char **why);

#endif
