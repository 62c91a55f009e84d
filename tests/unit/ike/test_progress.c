/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An IKE SA's progress lines (ike_sa_progress, ike_progress_text): every
 * line of an SA a whack user started goes to whack and the log; the lines
 * of an SA no whack asked for (a peer's exchange) are limited to 100 a
 * second per worker, the rest counted in one summary line, and one budget
 * serves both calls.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_daemon.h"
#include "ike/ike_sa.h"
#include "unit/util/read_lines.h"
#include "unit/util/tmp_log.h"
#include "util/log.h"
#include "util/rc.h"

static char tmpdir[32];
static char logpath[64];
static _Atomic uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return atomic_load(&fake_now);
}

static void setup(void)
{
	tmp_log_dir(tmpdir, logpath, "prog");
	tmp_log_open(logpath);
	log_test_set_clock(fake_clock);
}

static void teardown(void)
{
	tmp_log_remove(tmpdir);
}

TestSuite(progress, .init = setup, .fini = teardown, .timeout = 60);

struct fake_whack {
	struct ike_progress pr;
	unsigned lines;
	char last[256];
};

static void fw_line(struct ike_progress *pr, unsigned rc, const char *text)
{
	struct fake_whack *fw = (struct fake_whack *)pr;

	(void)rc;
	fw->lines++;
	snprintf(fw->last, sizeof(fw->last), "%s", text);
}

static void fw_release(struct ike_progress *pr)
{
	(void)pr;
}

static const struct ike_progress_ops fw_ops = { .line = fw_line, .release = fw_release };

static unsigned count_prefix(char **l, size_t n, const char *prefix)
{
	unsigned k = 0;

	for (size_t i = 0; i < n; i++)
		k += strncmp(l[i], prefix, strlen(prefix)) == 0;
	return k;
}

Test(progress, lines_no_whack_asked_for_are_limited_and_counted)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	size_t n;
	char *text, **l;

	cr_assert_not_null(sa);
	sa->version = 2;
	sa->serial = 7;
	atomic_store(&fake_now, 100);
	for (int i = 0; i < 150; i++)
		ike_sa_progress(sa, RC_LOG, "line %d", i);
	/* a line formatted elsewhere takes the same budget */
	ike_progress_text(NULL, RC_SUCCESS, "preformatted, over the budget");
	atomic_store(&fake_now, 101);
	ike_sa_progress(sa, RC_LOG, "the next second");
	ike_progress_text(NULL, RC_SUCCESS, "preformatted, within it");
	l = read_lines_of(logpath, &n, &text);
	cr_assert_eq(n, 103, "100 lines, the summary and 2 lines of the next second: %zu", n);
	cr_assert_str_eq(l[0], "\"(none)\" #7: line 0");
	cr_assert_str_eq(l[99], "\"(none)\" #7: line 99");
	cr_assert_str_eq(l[100], "IKE SA progress: suppressed 51 similar messages");
	cr_assert_str_eq(l[101], "\"(none)\" #7: the next second");
	cr_assert_str_eq(l[102], "preformatted, within it");
	cr_assert_eq(count_prefix(l, n, "preformatted, over"), 0);
	free(l);
	free(text);
	free(sa);
}

Test(progress, a_whack_users_lines_are_all_said)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct ike_sa_ext *ext = calloc(1, sizeof(*ext));
	struct fake_whack fw = { .pr = { .ops = &fw_ops } };
	size_t n;
	char *text, **l;

	cr_assert_not_null(sa);
	cr_assert_not_null(ext);
	sa->version = 2;
	sa->serial = 9;
	sa->ext = ext;
	ext->whack = &fw.pr;
	atomic_store(&fake_now, 200);
	for (int i = 0; i < 150; i++)
		ike_sa_progress(sa, RC_LOG, "line %d", i);
	cr_assert_eq(fw.lines, 150);
	cr_assert_str_eq(fw.last, "\"(none)\" #9: line 149");
	l = read_lines_of(logpath, &n, &text);
	cr_assert_eq(n, 150, "every line in the log too: %zu", n);
	cr_assert_eq(count_prefix(l, n, "\"(none)\" #9: line "), 150);
	free(l);
	free(text);
	free(ext);
	free(sa);
}
