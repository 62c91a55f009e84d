/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The capture of a log line's format and arguments, and its formatting on
 * the log thread (util/log_fmt.h).
 *
 * A capture is
 *
 *	u16 fmt_len | fmt bytes | NUL | for each conversion, in order:
 *		[int width if `*`] [int precision if `*`] [the value]
 *
 * where the value has the exact C type va_arg() took (int, long, size_t,
 * double, long double, void *, ...), copied unaligned; a %s is a u64
 * length (UINT64_MAX for NULL), then its first bytes and a NUL; a %m is
 * the caller's errno (int). Both sides walk the format with the same
 * parse(), so the layout needs no tags.
 *
 * The log thread formats each literal run of the format by copying it and
 * each conversion by one snprintf() of that conversion alone (its `*`
 * replaced by the captured numbers) with its one value: printf formats a
 * conversion independently of the others, so the pieces put together are
 * vsnprintf()'s text. The bare conversions most lines are made of (%s,
 * %d, %u, %llu, %zu, %x without flag, width or precision) are formatted
 * here instead, the same bytes for a fraction of snprintf's cost. A cut
 * %s string keeps its padding right: the width is lowered by what was
 * cut, and what was cut lies past the end of the line anyway. A line
 * longer than INT_MAX formats to nothing, as vsnprintf fails on it.
 */
#include "util/log_fmt.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "util/log_ring.h"

enum kind {
	K_PERCENT,	/* %%: no argument */
	K_INT,
	K_UINT,
	K_LONG,
	K_ULONG,
	K_LLONG,
	K_ULLONG,
	K_SIZE,
	K_PTRDIFF,
	K_INTMAX,
	K_UINTMAX,
	K_DOUBLE,
	K_LDOUBLE,
	K_PTR,
	K_STR,
	K_ERRNO,	/* %m: no argument, the caller's errno */
};

/*
 * The kinds that take one argument of a C type, with that type: captured
 * by va_arg() into the record (log_fmt_capture()) and read back from it
 * (log_fmt_render()), the same list for both. INTK names the integers,
 * OTHERK the rest.
 */
#define ARG_KINDS(INTK, OTHERK)                 \
	INTK(K_INT, int)                        \
	INTK(K_UINT, unsigned)                  \
	INTK(K_LONG, long)                      \
	INTK(K_ULONG, unsigned long)            \
	INTK(K_LLONG, long long)                \
	INTK(K_ULLONG, unsigned long long)      \
	INTK(K_SIZE, size_t)                    \
	INTK(K_PTRDIFF, ptrdiff_t)              \
	INTK(K_INTMAX, intmax_t)                \
	INTK(K_UINTMAX, uintmax_t)              \
	OTHERK(K_DOUBLE, double)                \
	OTHERK(K_LDOUBLE, long double)          \
	OTHERK(K_PTR, void *)

enum {
	FLAGS_MAX = 8,	/* more flag characters than this: refused */
	DIGITS_MAX = 9,	/* a literal width or precision below 10^9 */
	SPEC_MAX = 64,	/* a rebuilt conversion: '%' flags width . precision length conv */
};

struct spec {
	size_t len;		/* bytes from '%' to the conversion, inclusive */
	enum kind kind;
	const char *flags;
	size_t nflags;
	const char *width;	/* literal digits, or NULL */
	size_t nwidth;
	bool width_star;
	bool has_prec;
	const char *prec;	/* literal digits (maybe none: "%.d" is precision 0) */
	size_t nprec;
	bool prec_star;
	const char *mod;	/* length modifier */
	size_t nmod;
	char conv;
};

static size_t digits(const char *p)
{
	size_t n = 0;
	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

/* The kind of an integer conversion with length modifier m (n bytes), or -1. */
static int int_kind(const char *m, size_t n, bool is_signed)
{
	if (n == 0 || (n == 1 && m[0] == 'h') || (n == 2 && m[0] == 'h'))
		return is_signed ? K_INT : K_UINT;	/* hh and h are passed as int */
	if (n == 1 && m[0] == 'l')
		return is_signed ? K_LONG : K_ULONG;
	if (n == 2 && m[0] == 'l')
		return is_signed ? K_LLONG : K_ULLONG;
	if (n == 1 && m[0] == 'z')
		return K_SIZE;
	if (n == 1 && m[0] == 't')
		return K_PTRDIFF;
	if (n == 1 && m[0] == 'j')
		return is_signed ? K_INTMAX : K_UINTMAX;
	return -1;	/* L, q, Z ... with an integer */
}

/*
 * A width or a precision at q: '*' (*star set) or digits (*at and *len;
 * none: left NULL and 0, which for a precision means 0). Returns the byte
 * after it, or NULL for one not captured: more than DIGITS_MAX digits, or
 * positional ('$' after it: %1$d, %*1$d).
 */
static const char *field(const char *q, bool *star, const char **at, size_t *len)
{
	size_t n;

	if (*q == '*') {
		*star = true;
		q++;
	} else if ((n = digits(q))) {
		if (n > DIGITS_MAX)
			return NULL;
		*at = q;
		*len = n;
		q += n;
	}
	return *q == '$' ? NULL : q;
}

/* The value of the n decimal digits at d (at most DIGITS_MAX: it fits an int). */
static int number(const char *d, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (d[i] - '0');
	return v;
}

/* Parse the conversion at p ('%'). Returns false for one that is not captured. */
static bool parse(const char *p, struct spec *s)
{
	const char *q = p + 1;
	int k;

	s->width = NULL;
	s->nwidth = 0;
	s->width_star = false;
	s->has_prec = false;
	s->prec = NULL;
	s->nprec = 0;
	s->prec_star = false;
	s->flags = q;
	while (*q == '-' || *q == '+' || *q == ' ' || *q == '#' || *q == '0' || *q == '\'')
		q++;
	s->nflags = (size_t)(q - s->flags);
	if (s->nflags > FLAGS_MAX)
		return false;
	q = field(q, &s->width_star, &s->width, &s->nwidth);
	if (!q)
		return false;
	if (*q == '.') {
		s->has_prec = true;
		q = field(q + 1, &s->prec_star, &s->prec, &s->nprec);
		if (!q)
			return false;
	}
	s->mod = q;
	if ((q[0] == 'h' && q[1] == 'h') || (q[0] == 'l' && q[1] == 'l'))
		q += 2;
	else if (*q == 'h' || *q == 'l' || *q == 'z' || *q == 'j' || *q == 't' || *q == 'L')
		q++;
	s->nmod = (size_t)(q - s->mod);
	s->conv = *q;
	s->len = (size_t)(q - p) + 1;
	switch (s->conv) {
	case 'd':
	case 'i':
		k = int_kind(s->mod, s->nmod, true);
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		k = int_kind(s->mod, s->nmod, false);
		break;
	case 'c':
		k = s->nmod ? -1 : K_INT;	/* %lc is a wide character */
		break;
	case 's':
		k = s->nmod ? -1 : K_STR;	/* %ls is a wide string */
		break;
	case 'p':
		k = s->nmod ? -1 : K_PTR;
		break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
	case 'a':
	case 'A':
		if (s->nmod == 0 || (s->nmod == 1 && s->mod[0] == 'l'))
			k = K_DOUBLE;
		else if (s->nmod == 1 && s->mod[0] == 'L')
			k = K_LDOUBLE;
		else
			k = -1;
		break;
	case 'm':
		k = s->nmod ? -1 : K_ERRNO;
		break;
	case '%':
		/* only the plain "%%" */
		k = s->len == 2 ? K_PERCENT : -1;
		break;
	default:
		k = -1;	/* %n, %C, %S, %b, the end of the format, ... */
		break;
	}
	if (k < 0)
		return false;
	s->kind = (enum kind)k;
	return true;
}

/* ---- capture ---- */

struct sink {
	unsigned char *p;
	size_t left;
	bool full;
};

/*
 * A copy of a string or the format: out of line, so that the compiler
 * calls libc's memcpy instead of inlining "rep movs" for a length it
 * knows is bounded (measured: twice as slow for these short copies).
 */
static __attribute__((noinline)) void copy(unsigned char *to, const void *from, size_t n)
{
	memcpy(to, from, n);
}

static void put(struct sink *o, const void *v, size_t n)
{
	if (n > o->left) {
		o->full = true;
		return;
	}
	memcpy(o->p, v, n);
	o->p += n;
	o->left -= n;
}

#define PUT(o, type, value)                 \
	do {                                \
		type v_ = (value);          \
		put((o), &v_, sizeof(v_));  \
	} while (0)

size_t log_fmt_capture(void *out, size_t cap, const char *fmt, va_list ap, int err)
{
	struct sink o = { out, cap, false };
	size_t flen = strlen(fmt);
	size_t shown = 0;	/* bytes the line has at least so far */
	const char *p = fmt;

	if (flen > UINT16_MAX)
		return 0;
	PUT(&o, uint16_t, (uint16_t)flen);
	if (o.full || flen + 1 > o.left)
		return 0;
	copy(o.p, fmt, flen + 1);
	o.p += flen + 1;
	o.left -= flen + 1;
	for (;;) {
		const char *pct = strchr(p, '%');
		struct spec s;
		int prec = -1;

		shown += (size_t)((pct ? pct : fmt + flen) - p);
		if (!pct)
			break;
		if (!parse(pct, &s))
			return 0;
		p = pct + s.len;
		if (s.width_star)
			PUT(&o, int, va_arg(ap, int));
		if (s.prec_star) {
			prec = va_arg(ap, int);
			PUT(&o, int, prec);
		} else if (s.has_prec) {
			prec = number(s.prec, s.nprec);
		}
		switch (s.kind) {
		case K_PERCENT:
			shown++;
			break;
#define CAPTURE(K, type)                           \
	case K:                                    \
		PUT(&o, type, va_arg(ap, type));   \
		break;
		ARG_KINDS(CAPTURE, CAPTURE)
#undef CAPTURE
		case K_ERRNO:
			PUT(&o, int, err);
			break;
		case K_STR: {
			const char *str = va_arg(ap, const char *);
			uint64_t len;
			size_t keep, room;
			if (!str) {
				PUT(&o, uint64_t, UINT64_MAX);
				break;
			}
			/* printf reads no further than the precision: neither do we */
			len = prec >= 0 ? strnlen(str, (size_t)prec) : strlen(str);
			room = shown < LOG_LINE_MAX ? LOG_LINE_MAX - shown : 0;
			keep = len < room ? (size_t)len : room;
			PUT(&o, uint64_t, len);
			if (keep + 1 > o.left) {
				o.full = true;
				break;
			}
			copy(o.p, str, keep);
			o.p[keep] = '\0';
			o.p += keep + 1;
			o.left -= keep + 1;
			shown += keep;
			break;
		}
		}
		if (o.full)
			return 0;
	}
	return cap - o.left;
}

/* ---- formatting ---- */

struct source {
	const unsigned char *p;
	size_t left;
	bool short_;
};

static void get(struct source *in, void *v, size_t n)
{
	if (n > in->left) {
		in->short_ = true;
		memset(v, 0, n);
		return;
	}
	memcpy(v, in->p, n);
	in->p += n;
	in->left -= n;
}

#define GET(in, type, var) \
	type var;          \
	get((in), &var, sizeof(var))

/* Append n decimal digits of v (v >= 0) at b. Returns the new end. */
static char *put_uint(char *b, unsigned long v)
{
	char t[24];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*b++ = t[--n];
	return b;
}

/*
 * The conversion s alone, with its `*` width (left-justified when
 * negative, as printf takes it) and precision (none when negative) made
 * literal; a width given as cut lowered by cut (see the file comment).
 */
static void rebuild(char *b, const struct spec *s, bool width_set, long width, int prec,
		    uint64_t cut)
{
	*b++ = '%';
	memcpy(b, s->flags, s->nflags);
	b += s->nflags;
	if (width_set) {
		if (width < 0) {
			*b++ = '-';
			width = -width;
		}
		if (cut)
			width = (uint64_t)width > cut ? width - (long)cut : 0;
		if (width)
			b = put_uint(b, (unsigned long)width);
	}
	if (s->has_prec && prec >= 0) {
		*b++ = '.';
		b = put_uint(b, (unsigned long)prec);
	}
	memcpy(b, s->mod, s->nmod);
	b += s->nmod;
	*b++ = s->conv;
	*b = '\0';
}

/* n bytes at src where printf would have put them: at dst (room bytes, NUL-terminated). */
static int append(char *dst, size_t room, const char *src, size_t n)
{
	if (dst) {
		size_t k = n < room - 1 ? n : room - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n > INT_MAX ? -1 : (int)n;
}

/*
 * Whether s prints its integer as bare digits (no flag, width or
 * precision, no hh/h narrowing): the common "%llu", "%zu", "%d", "%x",
 * formatted here without a trip through snprintf's machinery.
 */
static bool bare_int(const struct spec *s)
{
	return s->nflags == 0 && !s->width && !s->width_star && !s->has_prec &&
	       (s->nmod == 0 || s->mod[0] != 'h') && s->conv != 'c';
}

/* v in s's base (d i u: 10, o: 8, x X: 16), '-' first when neg. */
static int digits_of(char *dst, size_t room, const struct spec *s, unsigned long long v, bool neg)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	const char *dig = s->conv == 'X' ? upper : lower;
	unsigned base = s->conv == 'o' ? 8 : s->conv == 'x' || s->conv == 'X' ? 16 : 10;
	char t[32], *b = t + sizeof(t);

	do {
		*--b = dig[v % base];
		v /= base;
	} while (v);
	if (neg)
		*--b = '-';
	return append(dst, room, b, (size_t)(t + sizeof(t) - b));
}

size_t log_fmt_render(char *out, size_t cap, const void *rec, size_t len)
{
	struct source in = { rec, len, false };
	uint16_t flen;
	const char *fmt, *p;
	size_t pos = 0;
	uint64_t total = 0;	/* what vsnprintf would have returned */
	int saved_errno = errno;

	get(&in, &flen, sizeof(flen));
	if (in.short_ || cap == 0 || in.left < (size_t)flen + 1)
		goto fail;
	fmt = (const char *)in.p;
	if (fmt[flen] != '\0')
		goto fail;
	in.p += flen + 1;
	in.left -= flen + 1;
	p = fmt;
	for (;;) {
		const char *pct = memchr(p, '%', (size_t)(fmt + flen - p));
		size_t lit = (size_t)((pct ? pct : fmt + flen) - p);
		struct spec s;
		char sp[SPEC_MAX];
		long width = 0;
		int prec = -1, r = 0;
		bool width_set = false;
		uint64_t cut = 0;
		char *dst = pos < cap - 1 ? out + pos : NULL;
		size_t room = dst ? cap - pos : 0;

		if (dst) {
			size_t n = lit < cap - 1 - pos ? lit : cap - 1 - pos;
			memcpy(dst, p, n);
			pos += n;
			dst = pos < cap - 1 ? out + pos : NULL;
			room = dst ? cap - pos : 0;
		}
		total += lit;
		if (!pct)
			break;
		if (!parse(pct, &s))
			goto fail;	/* not what the capture accepted */
		p = pct + s.len;
		if (s.width_star) {
			GET(&in, int, w);
			width = w;
			width_set = true;
		} else if (s.width) {
			width = number(s.width, s.nwidth);
			width_set = true;
		}
		if (s.prec_star) {
			GET(&in, int, v);
			prec = v;
		} else if (s.has_prec) {
			prec = number(s.prec, s.nprec);
		}
		switch (s.kind) {
		case K_PERCENT:
			r = append(dst, room, "%", 1);
			break;
		case K_ERRNO: {
			GET(&in, int, e);
			rebuild(sp, &s, width_set, width, prec, 0);
			errno = e;
			r = snprintf(dst, room, sp, 0);	/* no argument: the 0 keeps -Wformat-security quiet */
			break;
		}
		case K_STR: {
			GET(&in, uint64_t, slen);
			const char *str = NULL;
			size_t keep = 0;
			if (slen != UINT64_MAX) {
				str = (const char *)in.p;
				keep = strnlen(str, in.left);
				if (keep == in.left) {
					in.short_ = true;
					break;
				}
				in.p += keep + 1;
				in.left -= keep + 1;
				cut = slen - keep;
			}
			if (s.nflags == 0 && !width_set && !s.has_prec) {
				/* bare %s: the bytes, and glibc's "(null)" */
				r = str ? append(dst, room, str, keep) : append(dst, room, "(null)", 6);
				break;
			}
			rebuild(sp, &s, width_set, width, prec, cut);
			r = snprintf(dst, room, sp, str);
			break;
		}
#define ONE(K, type)                                                   \
	case K: {                                                      \
		GET(&in, type, v);                                     \
		rebuild(sp, &s, width_set, width, prec, 0);            \
		r = snprintf(dst, room, sp, v);                        \
		break;                                                 \
	}
/*
 * The same, but bare digits are formatted here. The value as printf sees
 * it: the 64 bits of a long, long long, size_t, ... (a %zd or %tu reads
 * them as signed or unsigned) or an int sign-extended (only %d and %i
 * take an int; %u %o %x %X an unsigned).
 */
#define INT(K, type)                                                                     \
	case K: {                                                                        \
		GET(&in, type, v);                                                       \
		if (bare_int(&s)) {                                                      \
			unsigned long long u_ = (unsigned long long)v;                   \
			bool neg_ = (s.conv == 'd' || s.conv == 'i') && (long long)u_ < 0; \
			r = digits_of(dst, room, &s, neg_ ? 0ULL - u_ : u_, neg_);       \
			break;                                                           \
		}                                                                        \
		rebuild(sp, &s, width_set, width, prec, 0);                              \
		r = snprintf(dst, room, sp, v);                                          \
		break;                                                                   \
	}
			ARG_KINDS(INT, ONE)
#undef INT
#undef ONE
		}
		if (in.short_ || r < 0)
			goto fail;
		total += (uint64_t)r + cut;
		if (dst)
			pos += (size_t)r < room - 1 ? (size_t)r : room - 1;
	}
	if (in.left || total > INT_MAX)
		goto fail;
	out[pos] = '\0';
	errno = saved_errno;
	return pos;
fail:
	if (cap)
		out[0] = '\0';
	errno = saved_errno;
	return 0;
}
