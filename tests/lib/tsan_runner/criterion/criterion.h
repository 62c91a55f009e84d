/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A minimal stand-in for Criterion, used ONLY in ThreadSanitizer builds:
 * Criterion 2.4 cannot start under TSan (it maps its shared arena at a
 * fixed address TSan reserves: Criterion issue #274), so the same test
 * sources are compiled against this header and runner.c instead. It
 * supports what Skua's tests use: Test, TestSuite (.init, .fini,
 * .timeout) and the cr_assert family. Each test runs in its own forked
 * process, as Criterion does.
 */
#ifndef SKUA_TSAN_CRITERION_H
#define SKUA_TSAN_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct shim_test {
	const char *suite, *name;
	void (*fn)(void);
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	bool disabled;
	struct shim_test *next;
};

struct shim_suite {
	const char *name;
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	bool disabled;
	struct shim_suite *next;
};

void shim_register_test(struct shim_test *t);
void shim_register_suite(struct shim_suite *s);
void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

#define Test(S_, N_, ...)                                                                  \
	static void S_##_##N_##_fn(void);                                                  \
	static struct shim_test S_##_##N_##_test = { .suite = #S_, .name = #N_,            \
						     .fn = S_##_##N_##_fn, __VA_ARGS__ };  \
	__attribute__((constructor)) static void S_##_##N_##_reg(void)                     \
	{                                                                                  \
		shim_register_test(&S_##_##N_##_test);                                     \
	}                                                                                  \
	static void S_##_##N_##_fn(void)

#define TestSuite(S_, ...)                                                                 \
	static struct shim_suite S_##_suite_cfg = { .name = #S_, __VA_ARGS__ };            \
	__attribute__((constructor)) static void S_##_suite_reg(void)                      \
	{                                                                                  \
		shim_register_suite(&S_##_suite_cfg);                                      \
	}

/* "" __VA_ARGS__: an optional printf-style message, as Criterion takes. */
#define shim_check(cond, expr, ...)                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			shim_fail(__FILE__, __LINE__, expr, "" __VA_ARGS__);               \
	} while (0)

#define cr_assert(c, ...) shim_check((c), #c, __VA_ARGS__)
#define cr_assert_not(c, ...) shim_check(!(c), "!(" #c ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) shim_check((a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) shim_check((a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) shim_check((a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) shim_check((a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) shim_check((a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) shim_check((a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) shim_check((p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) shim_check((p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) shim_check(strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) shim_check(strcmp((a), (b)) != 0, #a " neq " #b, __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...) shim_check(memcmp((a), (b), (n)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_assert_fail(...) shim_fail(__FILE__, __LINE__, "fail", "" __VA_ARGS__)
#define cr_assert_str_empty(a, ...) shim_check((a)[0] == '\0', #a " is empty", __VA_ARGS__)
#define cr_assert_str_not_empty(a, ...) shim_check((a)[0] != '\0', #a " is not empty", __VA_ARGS__)

/* Criterion's logging: to stderr, like its default reporter. */
#define cr_log_info(...) (fprintf(stderr, "[----] " __VA_ARGS__), fputc('\n', stderr))
#define cr_log_warn(...) (fprintf(stderr, "[WARN] " __VA_ARGS__), fputc('\n', stderr))

#endif
