/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/log_fmt: a line's format and arguments captured on the calling
 * thread and formatted by the log thread give exactly vsnprintf()'s text,
 * for every conversion, flag, width, precision and length modifier the
 * capture takes; the caller formats nothing while the log thread runs;
 * a format the capture does not take is formatted by the caller and
 * counted.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "unit/util/read_lines.h"
#include "unit/util/tmp_log.h"
#include "util/log.h"
#include "util/log_fmt.h"
#include "util/log_ring.h"

static char tmpdir[32];
static char logpath[64];

static void setup(void)
{
	tmp_log_dir(tmpdir, logpath, "logfmt");
	tmp_log_open(logpath);
}

static void teardown(void)
{
	tmp_log_remove(tmpdir);
}

TestSuite(log_fmt, .init = setup, .fini = teardown, .timeout = 120);

/* The log file's lines; *n set. Caller frees the array and the text. */
static char **read_lines(size_t *n, char **text)
{
	return read_lines_of(logpath, n, text);
}

/* ---- the round trip ---- */

enum { CASES_MAX = 256 };

/* What vsnprintf made of each line logged, in order, to compare with the file. */
static char *expected[CASES_MAX];
static size_t nexpected;

/*
 * vsnprintf's text of fmt and ap (cut as a line is; empty where vsnprintf
 * fails) into want, against the capture of them formatted by
 * log_fmt_render(), with errno err at the capture (for %m). line names
 * the case in the messages. Returns what vsnprintf returned.
 */
static int round_trip(int line, int err, char want[LOG_LINE_MAX + 1], const char *fmt, va_list ap)
{
	char got[LOG_LINE_MAX + 1];
	unsigned char rec[LOG_FMT_MAX];
	va_list aq;
	size_t n, len;
	int m;

	va_copy(aq, ap);
	errno = err;
	m = vsnprintf(want, LOG_LINE_MAX + 1, fmt, aq);
	va_end(aq);
	if (m < 0)
		want[0] = '\0';
	va_copy(aq, ap);
	n = log_fmt_capture(rec, sizeof(rec), fmt, aq, err);
	va_end(aq);
	cr_assert_gt(n, 0, "line %d: \"%s\" is captured", line, fmt);
	memset(got, 'Z', sizeof(got));
	errno = 0;
	len = log_fmt_render(got, sizeof(got), rec, n);
	cr_assert_eq(len, strlen(want), "line %d: \"%s\": length %zu, vsnprintf %zu", line, fmt,
		     len, strlen(want));
	cr_assert_str_eq(got, want, "line %d: \"%s\": got \"%s\", vsnprintf \"%s\"", line, fmt,
			 got, want);
	cr_assert_eq(errno, 0, "formatting leaves the log thread's errno alone");
	return m;
}

/*
 * One case: round_trip(), then the same line through log_vmsg(), which
 * the log thread formats (compared with the file at the end). err is
 * errno at each call, for %m.
 */
static __attribute__((format(printf, 3, 4))) void check(int line, int err, const char *fmt, ...)
{
	char want[LOG_LINE_MAX + 1];
	va_list ap;
	int m;

	va_start(ap, fmt);
	m = round_trip(line, err, want, fmt, ap);
	va_end(ap);
	cr_assert_geq(m, 0, "line %d: vsnprintf failed", line);

	cr_assert_lt(nexpected, CASES_MAX);
	expected[nexpected++] = strdup(want);
	va_start(ap, fmt);
	errno = err;
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
	cr_assert_eq(errno, err, "line %d: logging keeps the caller's errno", line);
}

#define CHECK(...) check(__LINE__, 0, __VA_ARGS__)
#define CHECK_ERRNO(e, ...) check(__LINE__, (e), __VA_ARGS__)

static char big[3 * LOG_LINE_MAX];
static char mid[LOG_LINE_MAX + LOG_LINE_MAX / 2];
/* Not NUL-terminated: only a precision makes it safe to print. */
static const char unterminated[4] = { 'a', 'b', 'c', 'd' };

/* NULL where the compiler cannot see it (it would refuse a literal NULL for %s). */
static const char *volatile null_str;

static void table(void)
{
	int x = 0;
	signed char sc = -100;
	short sh = -30000;

	memset(big, 'B', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(mid, 'M', sizeof(mid) - 1);
	mid[sizeof(mid) - 1] = '\0';

	/* literal text, %% */
	CHECK("plain text, no conversion");
	CHECK("%%");
	CHECK("100%% of %d%%", 5);
	CHECK("%s", "");
	/* d i with every length modifier, negative numbers, limits */
	CHECK("%d %i %d %i", 0, -1, INT_MAX, INT_MIN);
	/*
	 * int arguments on purpose: the formatter must convert them to char and
	 * short as printf does (clang's -Wformat objects, gcc's does not)
	 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	CHECK("%hhd %hhi %hhu %hhx", sc, 300, 255 + 2, -1);
	CHECK("%hd %hi %hu %hx %ho", sh, 70000, 65535, -2, 8);
#pragma GCC diagnostic pop
	CHECK("%ld %li %lu %lx %lo %lX", LONG_MIN, LONG_MAX, ULONG_MAX, 0xdeadbeefUL, 8UL, 255UL);
	CHECK("%lld %lli %llu %llx %llo %llX", LLONG_MIN, -42LL, ULLONG_MAX, 0x1234567890abcdefULL,
	      511ULL, 0xabcULL);
	CHECK("%zu %zd %zx %zo", SIZE_MAX, (ssize_t)-7, (size_t)4096, (size_t)9);
	CHECK("%jd %ju %jx %ji", INTMAX_MIN, UINTMAX_MAX, (uintmax_t)255, (intmax_t)-3);
	CHECK("%td %tu %tx", (ptrdiff_t)-12, (ptrdiff_t)12, (ptrdiff_t)255);
	/* u x X o with flags */
	CHECK("%u %x %X %o", 4000000000u, 0xbeefu, 0xbeefu, 0777u);
	CHECK("%#x %#X %#o %#x %#o", 255u, 255u, 8u, 0u, 0u);
	CHECK("%08x %-8x| %+d %+d % d % d", 0xabu, 0xabu, 5, -5, 5, -5);
	CHECK("%'d %'lu", 1234567, 9876543210UL);
	CHECK("%-+8d| %0+8d %0*d|", 42, 42, -8, -42);
	/* widths and precisions, literal and `*`, negative `*` */
	CHECK("[%5d] [%-5d] [%05d] [%.3d] [%8.3d] [%-8.3d] [%.0d] [%.d]", 42, 42, 42, 7, 7, 7, 0, 0);
	CHECK("[%*d] [%-*d] [%*d]", 6, 1, 6, 2, -6, 3);
	CHECK("[%.*d] [%.*d] [%*.*d]", 4, 9, -1, 9, 7, 3, 9);
	CHECK("[%*.*s] [%-*.*s] [%*.*s]", 10, 3, "abcdef", 10, 3, "abcdef", -10, -3, "abcdef");
	CHECK("[%.2s] [%.0s] [%10s] [%-10s] [%.*s]", "xyz", "xyz", "right", "left", 4, unterminated);
	CHECK("[%.*s]", 2, unterminated);
	CHECK("%*d|%*d|%-*d|", -20, 5, 0, 6, -3, 7);
	/* c */
	CHECK("%c%c%c [%3c] [%-3c]", 'a', 'b', 0x41, 'x', 'y');
	/* s: NULL as glibc prints it (the code base passes none, but a bug would) */
	CHECK("[%s] [%.3s] [%.6s] [%10s] [%-8s]", null_str, null_str, null_str, null_str, null_str);
	CHECK("\"%s\" #%llu: %s IKE SA {%s}%s", "westnet-eastnet", 12345ULL, "established",
	      "cipher=AES_GCM_16_256 integ=n/a prf=HMAC_SHA2_256 group=DH19", " behind NAT");
	/* p */
	CHECK("%p %p %20p %-20p|", (void *)&x, (void *)NULL, (void *)&x, (void *)NULL);
	/* floating point, double and long double */
	CHECK("%f %F %e %E %g %G %a %A", 3.14159, -2.5, 12345.678, 0.000123, 1e-10, 1e20, 1.0, -0.5);
	CHECK("%.2f %10.3f %-10.1e| %+g %#g %010.4f", 2.675, -1.0 / 3, 6.02e23, 1.5, 2.0, -9.87654);
	CHECK("%lf %le %lg %la", 1.25, 1.25, 1.25, 1.25);
	CHECK("%Lf %Le %Lg %La %.30Lf", 3.0L / 7, 1e-300L, 2.5L, 1.0L, 1.0L / 3);
	CHECK("%f %f %f %e", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, -0.0);
	CHECK("%.*f %*.*e", 3, 1.23456, 12, 2, 9.5);
	/* glibc's %m: the caller's errno */
	CHECK_ERRNO(ENOENT, "open: %m");
	CHECK_ERRNO(EACCES, "[%30m] [%-30m] [%.5m] [%*m]", 25);
	CHECK_ERRNO(12345, "an unknown errno: %m");
	/* long strings: cut at the line limit, padding as vsnprintf pads */
	CHECK("%s", big);
	CHECK("head %s tail %d", big, 7);
	CHECK("%s|%s|%s|%s", mid, mid, mid, "end");
	CHECK("%2000s|", mid);
	CHECK("%-2000s|", mid);
	CHECK("%1030s|%s", "short", mid);
	CHECK("%.1500s|", big);
	CHECK("%*s", -1500, "left in 1500");
	CHECK("%5000d|%s", 1, "after");
	CHECK("%.1100d", 5);
	CHECK("%s%s", mid, null_str);
	/* the formats src/ uses (grep of every log_*()/dbg() format) */
	CHECK("#%llu: the peer deleted Child SA #%llu", 7ULL, 8ULL);
	CHECK("dropped %zu-byte IKE message from %s:%u: %s", (size_t)1200, "192.0.2.45", 500u,
	      "the first payload overruns the message");
	CHECK("spi %08x, %d children, %lld bytes", 0xc0ffeeu, -3, -9000000000LL);
}

Test(log_fmt, every_conversion_formats_as_vsnprintf_on_the_log_thread)
{
	size_t n;
	char *text, **l;
	struct log_stats st;

	cr_assert_eq(log_thread_start(), 0);
	table();
	log_flush();
	cr_assert_eq(log_test_formatted_here(), 0, "the caller formatted no line itself");
	log_stats_get(&st);
	cr_assert_eq(st.fallback, 0, "every format of the table was captured");
	cr_assert_eq(st.dropped, 0);
	l = read_lines(&n, &text);
	cr_assert_eq(n, nexpected, "%zu lines written, %zu logged", n, nexpected);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(l[i], expected[i], "line %zu: \"%s\", vsnprintf \"%s\"", i, l[i],
				 expected[i]);
		free(expected[i]);
	}
	free(l);
	free(text);
}

/* ---- who formats ---- */

static void *logging_thread(void *arg)
{
	uint64_t *here = arg;

	for (unsigned i = 0; i < 100; i++) {
		log_info("#%u: established IKE SA {%s}", i, "cipher=AES_GCM_16_256");
		log_debug("| %zu bytes", (size_t)i);
	}
	*here = log_test_formatted_here();
	return NULL;
}

Test(log_fmt, the_log_thread_formats_a_workers_lines)
{
	pthread_t t;
	uint64_t here = UINT64_MAX;
	size_t n;
	char *text, **l;
	struct log_stats st;

	/* Before the log thread starts, the caller formats and writes (the counter counts). */
	log_info("before the thread: %d", 1);
	cr_assert_eq(log_test_formatted_here(), 1);
	cr_assert_eq(log_thread_start(), 0);
	cr_assert_eq(pthread_create(&t, NULL, logging_thread, &here), 0);
	pthread_join(t, NULL);
	cr_assert_eq(here, 0, "a thread with a ring formats nothing itself");
	log_info("main: %s", "also captured");
	cr_assert_eq(log_test_formatted_here(), 1, "nor does the main thread");
	log_thread_stop();
	/* After it stops, callers format again. */
	log_info("after the thread: %d", 2);
	cr_assert_eq(log_test_formatted_here(), 2);
	log_stats_get(&st);
	cr_assert_eq(st.fallback, 0);
	l = read_lines(&n, &text);
	cr_assert_eq(n, 203);
	cr_assert_str_eq(l[0], "before the thread: 1");
	cr_assert_str_eq(l[1], "#0: established IKE SA {cipher=AES_GCM_16_256}");
	cr_assert_str_eq(l[2], "| | 0 bytes");
	cr_assert_str_eq(l[199], "#99: established IKE SA {cipher=AES_GCM_16_256}");
	cr_assert_str_eq(l[200], "| | 99 bytes");
	cr_assert_str_eq(l[201], "main: also captured");
	cr_assert_str_eq(l[202], "after the thread: 2");
	free(l);
	free(text);
}

/* ---- fallbacks ---- */

/* log_fmt_capture() without a format attribute: formats printf would refuse to check. */
static size_t capture(const char *fmt, ...)
{
	unsigned char rec[LOG_FMT_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = log_fmt_capture(rec, sizeof(rec), fmt, ap, 0);
	va_end(ap);
	return n;
}

Test(log_fmt, capture_refuses_what_it_does_not_understand)
{
	int k;
	char *huge;

	cr_assert_eq(capture("%n", &k), 0);
	cr_assert_eq(capture("%1$d", 1), 0);
	cr_assert_eq(capture("%*1$d", 1), 0);
	cr_assert_eq(capture("%ls", L"wide"), 0);
	cr_assert_eq(capture("%lc", (wint_t)'w'), 0);
	cr_assert_eq(capture("%C", (wint_t)'w'), 0);
	cr_assert_eq(capture("%S", L"wide"), 0);
	cr_assert_eq(capture("%Ld", 1LL), 0);
	cr_assert_eq(capture("%hf", 1.0), 0);
	cr_assert_eq(capture("%qd", 1LL), 0);
	cr_assert_eq(capture("%y", 1), 0);
	cr_assert_eq(capture("%5%"), 0);
	cr_assert_eq(capture("trailing %"), 0);
	cr_assert_eq(capture("%1234567890d", 1), 0);
	/* a capture larger than LOG_FMT_MAX: a format of 3 KiB */
	huge = malloc(3 * 1024);
	cr_assert_not_null(huge);
	memset(huge, 'f', 3 * 1024 - 3);
	memcpy(huge + 3 * 1024 - 3, "%d", 3);
	cr_assert_eq(capture(huge, 1), 0);
	free(huge);
	/* and what it does take */
	cr_assert_gt(capture("%d %s %m %%", 1, "s"), 0);
}

static void log_nonliteral(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

Test(log_fmt, a_format_not_captured_is_formatted_by_the_caller_and_counted)
{
	int pos = -1;
	char *huge, want[LOG_LINE_MAX + 1];
	size_t n;
	char *text, **l;
	struct log_stats st;

	cr_assert_eq(log_thread_start(), 0);
	log_info("%d then %s", 1, "captured");
	log_info("abc%n def", &pos);
	cr_assert_eq(pos, 3, "%%n is honoured: the caller formatted it");
	log_nonliteral("%2$s %1$s", "world", "hello");
	log_info("wide %ls", L"string");
	huge = malloc(3 * 1024);
	cr_assert_not_null(huge);
	memset(huge, 'h', 3 * 1024 - 4);
	memcpy(huge + 3 * 1024 - 4, " %d", 4);
	log_nonliteral(huge, 42);
	snprintf(want, sizeof(want), huge, 42);
	free(huge);
	log_info("%s", "captured again");
	log_flush();
	log_stats_get(&st);
	cr_assert_eq(st.fallback, 4, "four lines the capture did not take");
	cr_assert_eq(log_test_formatted_here(), 4);
	l = read_lines(&n, &text);
	cr_assert_eq(n, 6);
	cr_assert_str_eq(l[0], "1 then captured");
	cr_assert_str_eq(l[1], "abc def");
	cr_assert_str_eq(l[2], "hello world");
	cr_assert_str_eq(l[3], "wide string");
	cr_assert_str_eq(l[4], want, "a huge format is cut as any line");
	cr_assert_eq(strlen(l[4]), LOG_LINE_MAX);
	cr_assert_str_eq(l[5], "captured again");
	free(l);
	free(text);
}

/* ---- the record ---- */

static size_t capture_into(unsigned char *rec, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = log_fmt_capture(rec, LOG_FMT_MAX, fmt, ap, EPERM);
	va_end(ap);
	return n;
}

Test(log_fmt, a_damaged_capture_formats_to_nothing)
{
	static unsigned char rec[LOG_FMT_MAX];
	char out[LOG_LINE_MAX + 1];
	size_t n = capture_into(rec, "%d [%*s] %llu %m %p %Lf", -5, 7, "str", 9ULL, (void *)rec,
				1.5L);

	cr_assert_gt(n, 0);
	cr_assert_gt(log_fmt_render(out, sizeof(out), rec, n), 0);
	/* Cut short anywhere (in a copy of its own size, for ASan): never read past it. */
	for (size_t k = 0; k < n; k++) {
		unsigned char *cut = malloc(k ? k : 1);
		cr_assert_not_null(cut);
		memcpy(cut, rec, k);
		memset(out, 'Z', sizeof(out));
		cr_assert_eq(log_fmt_render(out, sizeof(out), cut, k), 0, "cut at %zu of %zu", k, n);
		cr_assert_str_eq(out, "");
		free(cut);
	}
}

Test(log_fmt, ring_carries_a_capture_whole_or_not_at_all)
{
	struct log_ring r;
	static unsigned char big_rec[LOG_FMT_MAX + 1];
	unsigned char recb[LOG_FMT_MAX];
	char out[LOG_LINE_MAX + 1];
	const struct log_rec *rec;
	size_t n = capture_into(recb, "#%llu: %s", 77ULL, "in the ring");

	cr_assert_eq(log_ring_init(&r, 4096), 0);
	cr_assert(log_ring_push_kind(&r, LOG_REC_FMT, LOG_INFO, true, 5, recb, n));
	cr_assert_not(log_ring_push_kind(&r, LOG_REC_FMT, LOG_INFO, false, 6, big_rec,
					 sizeof(big_rec)),
		      "a capture is never cut: refused");
	cr_assert_eq(atomic_load(&r.dropped), 1, "and counted");
	rec = log_ring_peek(&r);
	cr_assert_not_null(rec);
	cr_assert_eq(rec->kind, LOG_REC_FMT);
	cr_assert_eq(rec->len, n);
	cr_assert_eq(rec->debug, 1);
	cr_assert_eq(rec->ts_ns, 5);
	cr_assert_eq(log_fmt_render(out, sizeof(out), rec->text, rec->len), strlen("#77: in the ring"));
	cr_assert_str_eq(out, "#77: in the ring");
	log_ring_pop(&r, rec);
	cr_assert_null(log_ring_peek(&r));
	log_ring_fini(&r);
}

/* ---- random formats ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Capture and format against vsnprintf, without a format attribute (the formats are made up). */
static void rcheck(const char *fmt, ...)
{
	char want[LOG_LINE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	round_trip(0, EINTR, want, fmt, ap);
	va_end(ap);
}

static const char *const strs[] = { "", "a", "hello, world", "#12345", "192.0.2.45", NULL };

static long long rnd_int(void)
{
	static const long long edge[] = { 0, 1, -1, 9, -10, 127, -128, 255, 65535, -32768,
					  INT_MAX, INT_MIN, UINT_MAX, LLONG_MAX, LLONG_MIN };
	return rnd() % 3 ? (long long)rnd() >> (rnd() % 64) : edge[rnd() % 15];
}

Test(log_fmt, random_conversions_format_as_vsnprintf)
{
	static const char flags[] = "-+ #0'";
	static const char *const mods[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const char iconv[] = "diuoxX";
	static const char fconv[] = "feEgGaAF";

	for (unsigned iter = 0; iter < 20000; iter++) {
		char fmt[64], *f = fmt;
		unsigned kind = (unsigned)(rnd() % 6);
		bool wstar = false, pstar = false;
		int w = (int)(rnd() % 40) - 20, pr = (int)(rnd() % 30) - 5;
		const char *s = strs[rnd() % 6];

		f += sprintf(f, "<");
		*f++ = '%';
		for (unsigned k = rnd() % 3; k; k--)
			*f++ = flags[rnd() % 6];
		switch (rnd() % 3) {
		case 0:
			break;
		case 1:
			f += sprintf(f, "%u", (unsigned)(rnd() % 30) + 1);
			break;
		default:
			*f++ = '*';
			wstar = true;
		}
		switch (rnd() % 3) {
		case 0:
			break;
		case 1:
			f += sprintf(f, ".%u", (unsigned)(rnd() % 25));
			break;
		default:
			f += sprintf(f, ".*");
			pstar = true;
		}
		switch (kind) {
		case 0: /* integers */ {
			const char *m = mods[rnd() % 8];
			f += sprintf(f, "%s%c>", m, iconv[rnd() % 6]);
			long long v = rnd_int();
			bool wide = m[0] == 'l' || m[0] == 'z' || m[0] == 'j' || m[0] == 't';
#define CALL(...)                                                         \
	do {                                                              \
		if (wstar && pstar)                                       \
			rcheck(fmt, w, pr, __VA_ARGS__);                  \
		else if (wstar)                                           \
			rcheck(fmt, w, __VA_ARGS__);                      \
		else if (pstar)                                           \
			rcheck(fmt, pr, __VA_ARGS__);                     \
		else                                                      \
			rcheck(fmt, __VA_ARGS__);                         \
	} while (0)
			if (wide)
				CALL(v);
			else
				CALL((int)v);
			break;
		}
		case 1:
			f += sprintf(f, "%c>", fconv[rnd() % 8]);
			CALL((double)rnd_int() / (double)(rnd() % 1000 + 1));
			break;
		case 2:
			f += sprintf(f, "L%c>", fconv[rnd() % 8]);
			CALL((long double)rnd_int() / 7.0L);
			break;
		case 3:
			f += sprintf(f, "s>");
			CALL(s);
			break;
		case 4:
			f += sprintf(f, "%c>", "cpm"[rnd() % 3]);
			if (f[-2] == 'm') {
				if (wstar && pstar)
					rcheck(fmt, w, pr);
				else if (wstar)
					rcheck(fmt, w);
				else if (pstar)
					rcheck(fmt, pr);
				else
					rcheck(fmt);
			} else if (f[-2] == 'c') {
				CALL((int)(rnd() % 94) + 33);
			} else {
				CALL((void *)(uintptr_t)rnd_int());
			}
			break;
		default:
			/* a line of a few bare conversions, as src/ logs them */
			snprintf(fmt, sizeof(fmt), "#%%llu: %%s %%zu-byte %%u%%%% %%d %%x");
			rcheck(fmt, (unsigned long long)rnd_int(), s ? s : "x", (size_t)rnd_int(),
			       (unsigned)rnd_int(), (int)rnd_int(), (unsigned)rnd_int());
			break;
		}
#undef CALL
	}
}
