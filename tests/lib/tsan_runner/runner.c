/* SPDX-License-Identifier: BSD-2-Clause */
/* The runner of the TSan stand-in for Criterion: see criterion/criterion.h. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct shim_test *tests, **tail = &tests;
static struct shim_suite *suites;

void shim_register_test(struct shim_test *t)
{
	*tail = t;		/* registration order = source order */
	tail = &t->next;
}

void shim_register_suite(struct shim_suite *s)
{
	s->next = suites;
	suites = s;
}

void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: Assertion failed: %s", file, line, expr);
	if (fmt[0]) {
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	_exit(1);
}

static const struct shim_suite *suite_of(const struct shim_test *t)
{
	for (const struct shim_suite *s = suites; s; s = s->next)
		if (strcmp(s->name, t->suite) == 0)
			return s;
	return NULL;
}

int main(void)
{
	unsigned passed = 0, failed = 0;

	for (struct shim_test *t = tests; t; t = t->next) {
		const struct shim_suite *s = suite_of(t);
		void (*init)(void) = t->init ? t->init : s ? s->init : NULL;
		void (*fini)(void) = t->fini ? t->fini : s ? s->fini : NULL;
		double timeout = t->timeout ? t->timeout : s && s->timeout ? s->timeout : 60;
		int status;

		if (t->disabled || (s && s->disabled))
			continue;
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			alarm((unsigned)timeout + 1);
			if (init)
				init();
			t->fn();
			if (fini)
				fini();
			fflush(NULL);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			return 2;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			passed++;
			printf("[PASS] %s::%s\n", t->suite, t->name);
		} else {
			failed++;
			printf("[FAIL] %s::%s (%s %d)\n", t->suite, t->name,
			       WIFSIGNALED(status) ? "signal" : "exit",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : (passed ? 0 : 1);
}
