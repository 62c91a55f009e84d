/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/impair.h"

static void reset(void)
{
	cr_assert_eq(impair_apply("none", true, NULL, 0), 0);
}

TestSuite(impair, .init = reset);

Test(impair, starts_all_off)
{
	for (int i = 0; i < IMPAIR_COUNT; i++) {
		cr_assert_eq(impair_get((enum impairment)i), 0);
		cr_assert_not(impair_consume((enum impairment)i));
		cr_assert_not_null(impair_name((enum impairment)i));
		cr_assert_not_null(impair_help((enum impairment)i));
	}
	cr_assert_null(impair_name(IMPAIR_COUNT));
}

Test(impair, bare_name_is_always)
{
	cr_assert_eq(impair_apply("drop-inbound", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), IMPAIR_ALWAYS);
	for (int i = 0; i < 100; i++)
		cr_assert(impair_consume(IMPAIR_DROP_INBOUND));
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), IMPAIR_ALWAYS);
	cr_assert_eq(impair_get(IMPAIR_DROP_OUTBOUND), 0);
}

Test(impair, count_drops_the_next_n_only)
{
	cr_assert_eq(impair_apply("drop-outbound:2", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_DROP_OUTBOUND), 2);
	cr_assert(impair_consume(IMPAIR_DROP_OUTBOUND));
	cr_assert(impair_consume(IMPAIR_DROP_OUTBOUND));
	cr_assert_not(impair_consume(IMPAIR_DROP_OUTBOUND));
	cr_assert_eq(impair_get(IMPAIR_DROP_OUTBOUND), 0);
}

Test(impair, yes_no_words)
{
	cr_assert_eq(impair_apply("drop-inbound:yes", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), IMPAIR_ALWAYS);
	cr_assert_eq(impair_apply("drop-inbound:no", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), 0);
	cr_assert_eq(impair_apply("ignore-retransmits:true", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_IGNORE_RETRANSMITS), 1);
	cr_assert(impair_consume(IMPAIR_IGNORE_RETRANSMITS));
	cr_assert(impair_consume(IMPAIR_IGNORE_RETRANSMITS));
	cr_assert_eq(impair_apply("ignore-retransmits:false", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_IGNORE_RETRANSMITS), 0);
	cr_assert_eq(impair_apply("drop-inbound:0", true, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), 0);
}

Test(impair, no_impair_turns_one_off)
{
	char err[256];

	cr_assert_eq(impair_apply("drop-inbound", true, NULL, 0), 0);
	cr_assert_eq(impair_apply("ignore-retransmits", true, NULL, 0), 0);
	cr_assert_eq(impair_apply("drop-inbound", false, NULL, 0), 0);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), 0);
	cr_assert_eq(impair_get(IMPAIR_IGNORE_RETRANSMITS), 1);
	cr_assert_eq(impair_apply("ignore-retransmits:yes", false, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "cannot be given") != NULL, "%s", err);
	cr_assert_eq(impair_get(IMPAIR_IGNORE_RETRANSMITS), 1);
}

Test(impair, none_turns_all_off)
{
	cr_assert_eq(impair_apply("drop-inbound:5", true, NULL, 0), 0);
	cr_assert_eq(impair_apply("drop-outbound", true, NULL, 0), 0);
	cr_assert_eq(impair_apply("ignore-retransmits", true, NULL, 0), 0);
	cr_assert_eq(impair_apply("none", true, NULL, 0), 0);
	for (int i = 0; i < IMPAIR_COUNT; i++)
		cr_assert_eq(impair_get((enum impairment)i), 0);
}

Test(impair, unknown_behaviour_is_enoent_and_lists_the_known)
{
	char err[256];

	cr_assert_eq(impair_apply("drop-everything", true, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "drop-everything: unknown behaviour") != NULL, "%s", err);
	cr_assert(strstr(err, "drop-inbound") && strstr(err, "ignore-retransmits"), "%s", err);
	cr_assert_eq(impair_apply("drop-everything:3", true, err, sizeof(err)), -ENOENT);
	cr_assert_eq(impair_apply("", true, err, sizeof(err)), -EINVAL);
}

Test(impair, bad_how_is_einval)
{
	static const char *const bad[] = {
		"drop-inbound:", "drop-inbound:abc", "drop-inbound:-1", "drop-inbound:+3",
		"drop-inbound:4294967295", "drop-inbound:3x", "ignore-retransmits:3",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(impair_apply(bad[i], true, err, sizeof(err)), -EINVAL, "%s", bad[i]);
		cr_assert(strstr(err, "expected") != NULL, "%s: %s", bad[i], err);
	}
	for (int i = 0; i < IMPAIR_COUNT; i++)
		cr_assert_eq(impair_get((enum impairment)i), 0);
}

Test(impair, help_and_list_are_whack_only)
{
	char err[256];

	cr_assert_eq(impair_apply("help", true, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "whack") != NULL, "%s", err);
	cr_assert_eq(impair_apply("list", true, err, sizeof(err)), -EINVAL);
}

Test(impair, parse_is_pure)
{
	struct impair_setting s;

	cr_assert_eq(impair_parse("drop-inbound:7", true, &s, NULL, 0), 0);
	cr_assert_eq(s.what, IMPAIR_DROP_INBOUND);
	cr_assert_eq(s.value, 7);
	cr_assert_not(s.none);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), 0);
	impair_set(&s);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), 7);
}

struct lines {
	char buf[512];
	int n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	size_t len = strlen(l->buf);

	snprintf(l->buf + len, sizeof(l->buf) - len, "%s\n", line);
	l->n++;
}

Test(impair, list_shows_only_active)
{
	struct lines l = { .n = 0 };

	cr_assert_eq(impair_list(collect, &l), 0);
	cr_assert_str_eq(l.buf, "");
	cr_assert_eq(impair_apply("drop-inbound:3", true, NULL, 0), 0);
	cr_assert_eq(impair_apply("ignore-retransmits", true, NULL, 0), 0);
	cr_assert_eq(impair_list(collect, &l), 2);
	cr_assert_str_eq(l.buf, "drop-inbound:3\nignore-retransmits\n");
}

Test(impair, help_lists_every_behaviour)
{
	struct lines l = { .n = 0 };

	impair_help_each(collect, &l);
	cr_assert_eq(l.n, IMPAIR_COUNT);
	cr_assert(strstr(l.buf, "drop-inbound: drop every inbound IKE message") != NULL, "%s",
		  l.buf);
	cr_assert(strstr(l.buf, "drop-outbound: ") != NULL);
	cr_assert(strstr(l.buf, "ignore-retransmits: ") != NULL);
	cr_assert_eq(impair_kind(IMPAIR_DROP_INBOUND), IMPAIR_KIND_COUNT);
	cr_assert_eq(impair_kind(IMPAIR_IGNORE_RETRANSMITS), IMPAIR_KIND_BOOL);
}

static atomic_uint hits;

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		if (impair_consume(IMPAIR_DROP_INBOUND))
			atomic_fetch_add(&hits, 1);
	}
	return NULL;
}

Test(impair, count_is_exact_under_concurrency)
{
	pthread_t t[4];

	atomic_store(&hits, 0);
	cr_assert_eq(impair_apply("drop-inbound:10000", true, NULL, 0), 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, consumer, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(atomic_load(&hits), 10000);
	cr_assert_eq(impair_get(IMPAIR_DROP_INBOUND), 0);
}
