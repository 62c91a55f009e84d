/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/secrets_lex.h"

#include <errno.h>
#include <string.h>

void secrets_lex_init(struct secrets_lex *lx, const char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->line = 1;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool space_or_end(const struct secrets_lex *lx, size_t i)
{
	return i >= lx->len || blank(lx->buf[i]) || lx->buf[i] == '\n';
}

static void begin(struct secrets_lex *lx, struct secrets_tok *t, enum secrets_tok_kind kind)
{
	size_t i = lx->pos;

	t->kind = kind;
	t->line = lx->line;
	t->first = !lx->line_has_token;
	t->col0 = i == 0 || lx->buf[i - 1] == '\n';
	lx->line_has_token = true;
}

int secrets_lex_next(struct secrets_lex *lx, struct secrets_tok *t, const char **why)
{
	if (lx->pending_colon) {
		lx->pending_colon = false;
		*t = (struct secrets_tok){ .kind = STOK_COLON, .p = ":", .len = 1,
					   .line = lx->pending_line };
		return 0;
	}
	for (;;) {
		if (lx->pos >= lx->len) {
			*t = (struct secrets_tok){ .kind = STOK_EOF, .line = lx->line,
						   .first = true, .col0 = true };
			return 0;
		}
		char c = lx->buf[lx->pos];

		if (c == '\n') {
			lx->line++;
			lx->line_has_token = false;
			lx->pos++;
		} else if (blank(c)) {
			lx->pos++;
		} else if (c == '#') {
			/* we are at a line start or after whitespace: a comment */
			while (lx->pos < lx->len && lx->buf[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '\0') {
			t->line = lx->line;
			*why = "unexpected NUL byte";
			return -EINVAL;
		} else {
			break;
		}
	}

	char c = lx->buf[lx->pos];

	if (c == '"' || c == '\'') {
		size_t start = lx->pos + 1, i = start;

		begin(lx, t, STOK_STRING);
		while (i < lx->len && lx->buf[i] != c && lx->buf[i] != '\n' && lx->buf[i] != '\0')
			i++;
		if (i >= lx->len || lx->buf[i] != c) {
			*why = "unterminated quoted string (a quoted string cannot span lines, "
			       "hold its own quote or a NUL byte)";
			return -EINVAL;
		}
		if (!space_or_end(lx, i + 1)) {
			*why = "expected whitespace after the closing quote";
			return -EINVAL;
		}
		t->p = lx->buf + start;
		t->len = i - start;
		lx->pos = i + 1;
		return 0;
	}

	size_t start = lx->pos, i = start;

	begin(lx, t, STOK_WORD);
	while (!space_or_end(lx, i)) {
		if (lx->buf[i] == '\0') {
			*why = "unexpected NUL byte";
			return -EINVAL;
		}
		i++;
	}
	lx->pos = i;
	t->p = lx->buf + start;
	t->len = i - start;
	if (t->len == 1 && t->p[0] == ':') {
		t->kind = STOK_COLON;
	} else if (t->len >= 2 && t->p[t->len - 1] == ':' && t->p[t->len - 2] != ':') {
		t->len--;
		lx->pending_colon = true;
		lx->pending_line = t->line;
	}
	return 0;
}
