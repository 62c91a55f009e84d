/* SPDX-License-Identifier: BSD-2-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/secrets.h"
#include "ctl/secrets_data.h"
#include "ctl/secrets_load.h"
#include "util/log.h"

#include "lib/certgen.h"

static char dir[64];
static char err[1024];
static char logpath[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/skua-secrets-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	err[0] = '\0';
	/* warnings go to a file the tests read back */
	snprintf(logpath, sizeof(logpath), "%s.log", dir);
	struct log_config lc = { .dest = LOG_DEST_FILE, .file = logpath, .no_time = true,
				 .truncate = true };
	cr_assert_eq(log_init(&lc), 0);
}

static void teardown(void)
{
	char cmd[256];

	log_fini();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, logpath);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(secrets, .init = setup, .fini = teardown, .timeout = 60);

static const char *path(const char *name)
{
	static char buf[8][256];
	static unsigned i;
	char *p = buf[i++ % 8];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void write_file(const char *name, const char *fmt, ...)
{
	const char *p = path(name);
	char *slash = strrchr(p, '/');
	char sub[256];
	va_list ap;
	FILE *f;

	snprintf(sub, sizeof(sub), "%.*s", (int)(slash - p), p);
	mkdir(sub, 0700);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static struct secrets *load_ok(const char *pattern)
{
	struct secrets *s = NULL;
	int rc = secrets_load(pattern, &s, err, sizeof(err));

	cr_assert_eq(rc, 0, "load %s: %d %s", pattern, rc, err);
	cr_assert_not_null(s);
	return s;
}

static int load_err(const char *pattern)
{
	struct secrets *s = (struct secrets *)0x1;	/* must stay untouched */
	int rc = secrets_load(pattern, &s, err, sizeof(err));

	cr_assert_lt(rc, 0, "load %s should fail", pattern);
	cr_assert_eq(s, (struct secrets *)0x1, "*out untouched on error");
	return rc;
}

static struct ike_id id(const char *s)
{
	struct ike_id i;
	char e[256];

	cr_assert_eq(ike_id_parse(s, &i, e, sizeof(e)), 0, "%s: %s", s, e);
	return i;
}

static void assert_value(const struct secret *e, const void *want, size_t wlen)
{
	size_t len;
	const uint8_t *v;

	cr_assert_not_null(e);
	v = secrets_entry_value(e, &len);
	cr_assert_eq(len, wlen, "length %zu, want %zu", len, wlen);
	cr_assert_eq(memcmp(v, want, wlen), 0);
}

static const struct secret *psk(const struct secrets *s, const char *l, const char *r)
{
	struct ike_id a = id(l), b = id(r);

	return secrets_find_psk(s, &a, &b);
}

static char *read_log(void)
{
	static char buf[16384];
	FILE *f = fopen(logpath, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(secrets, secret_notations)
{
	write_file("ipsec.secrets",
		   "@a1 @b : PSK \"secret shared by two hosts\"\n"
		   "@a2 @b : psk 'single quoted'\n"
		   "@a3 @b : PSK 0x0102_0304ff\n"
		   "@a4 @b : PSK 0sAQIDBA==\n"
		   "@a5 @b : PSK 0tplain#text\n"
		   "@a6 @b : \"no keyword means PSK\"\n"
		   "@a7 @b : PSK 0SAQID\n"
		   "@a8 @b : PSK \"has # and spaces\" # a real comment\n");
	struct secrets *s = load_ok(path("ipsec.secrets"));

	cr_assert_eq(secrets_count(s), 8);
	assert_value(psk(s, "@a1", "@b"), "secret shared by two hosts", 26);
	assert_value(psk(s, "@a2", "@b"), "single quoted", 13);
	assert_value(psk(s, "@a3", "@b"), "\x01\x02\x03\x04\xff", 5);
	assert_value(psk(s, "@a4", "@b"), "\x01\x02\x03\x04", 4);
	assert_value(psk(s, "@a5", "@b"), "plain#text", 10);
	assert_value(psk(s, "@a6", "@b"), "no keyword means PSK", 20);
	assert_value(psk(s, "@a7", "@b"), "\x01\x02\x03", 3);
	assert_value(psk(s, "@a8", "@b"), "has # and spaces", 16);
	cr_assert_eq(secrets_entry_kind(psk(s, "@a1", "@b")), SECRET_PSK);
	cr_assert_eq(secrets_entry_line(psk(s, "@a8", "@b")), 8);
	cr_assert_str_eq(secrets_entry_file(psk(s, "@a8", "@b")), path("ipsec.secrets"));
	secrets_free(s);
}

Test(secrets, selector_forms)
{
	write_file("s",
		   "192.0.2.1 2001:db8::1 : PSK \"addr\"\n"
		   "alice@example.com @gw.example.com : PSK \"rfc822\"\n"
		   "@#01ff @gw.example.com : PSK \"keyid\"\n"
		   "2001:db8:: : PSK \"ipv6 ending in ::\"\n"
		   "@x @y: PSK \"colon attached\"\n"
		   "%%any6 @v6gw : PSK \"any6\"\n");
	struct secrets *s = load_ok(path("s"));
	const struct secret *e;

	assert_value(psk(s, "192.0.2.1", "2001:db8::1"), "addr", 4);
	assert_value(psk(s, "2001:db8::1", "192.0.2.1"), "addr", 4);
	assert_value(psk(s, "@gw.example.com", "alice@example.com"), "rfc822", 6);
	assert_value(psk(s, "@GW.example.COM", "@#01ff"), "keyid", 5);
	assert_value(psk(s, "@x", "@y"), "colon attached", 14);
	e = psk(s, "2001:db8::", "@whoever");
	assert_value(e, "ipv6 ending in ::", 17);
	cr_assert_eq(secrets_entry_nselectors(e), 1);
	cr_assert_eq(secrets_entry_selector(e, 0)->type, V2_ID_IPV6_ADDR);
	cr_assert_null(secrets_entry_selector(e, 1));
	assert_value(psk(s, "@v6gw", "2001:db8::99"), "any6", 4);
	secrets_free(s);
}

Test(secrets, continuation_lines_and_comments)
{
	write_file("s",
		   "# sample\n"
		   "   # an indented comment line is fine anywhere\n"
		   "\n"
		   "@www.xs4all.nl @www.kremvax.ru\n"
		   "    10.6.0.1 10.7.0.1 1.8.0.1 : PSK \"secret shared by 5 systems\"\n"
		   "@c @d :\n"
		   "\t# a comment inside the entry\n"
		   "\n"
		   "\tPSK\n"
		   "\t\t\"on its own line\"   \n"
		   ": PSK \"default\"\n");
	struct secrets *s = load_ok(path("s"));
	const struct secret *e = psk(s, "10.7.0.1", "@www.kremvax.ru");

	cr_assert_eq(secrets_count(s), 3);
	assert_value(e, "secret shared by 5 systems", 26);
	cr_assert_eq(secrets_entry_nselectors(e), 5);
	cr_assert_eq(secrets_entry_line(e), 4, "an entry is named by its first line");
	e = psk(s, "@d", "@c");
	assert_value(e, "on its own line", 15);
	cr_assert_eq(secrets_entry_line(e), 6);
	assert_value(psk(s, "@zz", "@yy"), "default", 7);
	secrets_free(s);
}

static void expect_error(const char *content, int want_rc, const char *want_where,
			 const char *want_text)
{
	write_file("bad", "%s", content);
	int rc = load_err(path("bad"));
	char where[300];

	snprintf(where, sizeof(where), "%s:%s", path("bad"), want_where);
	cr_assert_eq(rc, want_rc, "rc %d want %d: %s", rc, want_rc, err);
	cr_assert(strstr(err, where), "\"%s\" should name %s", err, where);
	cr_assert(strstr(err, want_text), "\"%s\" should say \"%s\"", err, want_text);
}

Test(secrets, syntax_errors_name_file_line_and_expectation)
{
	expect_error("@a @b PSK \"x\"\n", -EINVAL, "1:", "expected ':'");
	expect_error("@a @b\n@c : PSK \"x\"\n", -EINVAL, "2:", "expected ':'");
	expect_error("@a @b : PSK \"unterminated\n", -EINVAL, "1:", "unterminated quoted string");
	expect_error("@a : PSK \"x\"y\n", -EINVAL, "1:", "whitespace after the closing quote");
	expect_error("ok.example : PSK \"x\"\n", -EINVAL, "1:",
		     "name resolution is not supported");
	expect_error("@a : PKS \"x\"\n", -EINVAL, "1:", "expected PSK, XAUTH, RSA, ECDSA, P12 or PPKS");
	expect_error("@a : PSK \"x\" extra\n", -EINVAL, "1:", "expected the end of the entry");
	expect_error("@a : PSK \"x\"\n  @b : PSK \"y\"\n", -EINVAL, "2:", "column 0");
	expect_error(" @a : PSK \"x\"\n", -EINVAL, "1:", "column 0");
	expect_error("@a : PSK\n\"x\"\n", -EINVAL, "2:", "indented continuation line");
	expect_error("@a :\n", -EINVAL, "2:", "the entry of line 1 ends with the file");
	expect_error("@a : PSK \"\"\n", -EINVAL, "1:", "non-empty");
	expect_error("\n\n@a : PSK 0x123\n", -EINVAL, "3:", "even number of hex digits");
	expect_error("@a : PSK 0xzz\n", -EINVAL, "1:", "hex digits");
	expect_error("@a : PSK 0sAB=C\n", -EINVAL, "1:", "base64");
	expect_error("@a : PSK 0sAQ==AQ==\n", -EINVAL, "1:", "base64");
	expect_error("@a : PSK 0sAR==\n", -EINVAL, "1:", "non-zero bits");
	expect_error("@a : PSK 0x\n", -EINVAL, "1:", "expected data after");
	expect_error("@a : PSK nothex\n", -EINVAL, "1:", "0x (hex), 0s (base64) or 0t");
	expect_error("include\n", -EINVAL, "1:", "expected a file name");
	expect_error("include a b\n", -EINVAL, "1:", "end of the line");
	expect_error("@a : RSA {\n  Prime1: 0x01\n", -EINVAL, "3:", "'}' closing the key");
	expect_error("%%bogus : PSK \"x\"\n", -EINVAL, "1:", "unknown keyword");
}

Test(secrets, nul_bytes_refused)
{
	static const char quoted[] = "@a : PSK \"a\0b\"\n", word[] = "\n@a : PSK 0ta\0b\n";
	FILE *f = fopen(path("nul"), "w");

	cr_assert_not_null(f);
	fwrite(quoted, 1, sizeof(quoted) - 1, f);
	fclose(f);
	load_err(path("nul"));
	cr_assert(strstr(err, "nul:1: unterminated quoted string"), "%s", err);
	f = fopen(path("nul"), "w");
	cr_assert_not_null(f);
	fwrite(word, 1, sizeof(word) - 1, f);
	fclose(f);
	load_err(path("nul"));
	cr_assert(strstr(err, "nul:2: unexpected NUL byte"), "%s", err);
}

Test(secrets, errors_never_quote_the_secret)
{
	static const char *const bad[] = {
		"@a : PSK 0xSECRETSAUCE\n",	/* bad hex */
		"@a : PSK 0sSECRETSAUCE!\n",	/* bad base64 */
		"@a : SECRETSAUCE\n",		/* a mistyped keyword, or a secret */
		"@a : PSK SECRETSAUCE\n",	/* no prefix */
		"@a : PSK \"SECRETSAUCE\" SECRETSAUCE\n",
		"@a : PSK \"SECRETSAUCE\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file("bad", "%s", bad[i]);
		load_err(path("bad"));
		cr_assert_not(strstr(err, "SECRET"), "error quotes the secret: %s", err);
		cr_assert(strstr(err, ":1: "), "%s", err);
	}
}

Test(secrets, error_keeps_nothing_and_wipes)
{
	/* an error after good entries: nothing is returned (the caller keeps its set) */
	write_file("s", "@a : PSK \"good\"\n@b : PSK \"also good\"\n@c : PSK 0x1\n");
	load_err(path("s"));
	cr_assert(strstr(err, ":3:"), "%s", err);
}

Test(secrets, includes_relative_glob_and_order)
{
	write_file("ipsec.secrets",
		   "@first : PSK \"1\"\n"
		   "include ipsec.d/*.secrets   # relative to this file's directory\n"
		   "@last : PSK \"4\"\n");
	write_file("ipsec.d/b.secrets", "@b : PSK \"3\"\n");
	write_file("ipsec.d/a.secrets", "@a : PSK \"2\"\ninclude ../more/*.conf\n");
	write_file("ipsec.d/ignored.txt", "this is not a secrets file\n");
	write_file("more/x.conf", "@x : PSK \"2x\"\n");

	/* run from elsewhere: relative includes follow the file, not the cwd */
	cr_assert_eq(chdir("/"), 0);
	struct secrets *s = load_ok(path("ipsec.secrets"));
	static const char *const order[] = { "1", "2", "2x", "3", "4" };

	cr_assert_eq(secrets_count(s), 5);
	for (size_t i = 0; i < 5; i++) {
		size_t len;
		const uint8_t *v = secrets_entry_value(secrets_entry_at(s, i), &len);

		cr_assert_eq(len, strlen(order[i]));
		cr_assert_eq(memcmp(v, order[i], len), 0, "entry %zu", i);
	}
	cr_assert_null(secrets_entry_at(s, 5));
	cr_assert_str_eq(secrets_entry_file(secrets_entry_at(s, 2)),
			 path("ipsec.d/../more/x.conf"));
	assert_value(psk(s, "@x", "@anyone"), "2x", 2);
	secrets_free(s);
}

Test(secrets, include_absolute_and_no_match)
{
	write_file("inc/abs.secrets", "@abs : PSK \"abs\"\n");
	write_file("main", "include %s/inc/*.secrets\ninclude nowhere/*.secrets\n@m : PSK \"m\"\n",
		   dir);
	struct secrets *s = load_ok(path("main"));

	cr_assert_eq(secrets_count(s), 2);
	assert_value(psk(s, "@abs", "@q"), "abs", 3);
	log_fini();
	char *log = read_log();
	char want[512];

	snprintf(want, sizeof(want), "%s:2: include %s/nowhere/*.secrets: no file matched",
		 path("main"), dir);
	cr_assert(strstr(log, want), "log: %s", log);
	secrets_free(s);
}

Test(secrets, include_depth_limited)
{
	write_file("loop", "@a : PSK \"x\"\ninclude loop\n");
	cr_assert_eq(load_err(path("loop")), -ELOOP);
	cr_assert(strstr(err, "loop:2:"), "%s", err);
	cr_assert(strstr(err, "more than 10 deep"), "%s", err);

	/* exactly SECRETS_INCLUDE_DEPTH levels are fine */
	for (int i = 0; i < SECRETS_INCLUDE_DEPTH; i++) {
		char name[16];

		snprintf(name, sizeof(name), "d%d", i);
		write_file(name, "include d%d\n", i + 1);
	}
	char last[16];

	snprintf(last, sizeof(last), "d%d", SECRETS_INCLUDE_DEPTH);
	write_file(last, "@deep : PSK \"deep\"\n");
	struct secrets *s = load_ok(path("d0"));

	assert_value(psk(s, "@deep", "@q"), "deep", 4);
	secrets_free(s);
}

Test(secrets, top_level_glob)
{
	write_file("conf/20-b.secrets", "@b : PSK \"b\"\n");
	write_file("conf/10-a.secrets", "@a : PSK \"a\"\n");
	struct secrets *s = load_ok(path("conf/*.secrets"));

	cr_assert_eq(secrets_count(s), 2);
	cr_assert_eq(secrets_entry_line(secrets_entry_at(s, 0)), 1);
	cr_assert_str_eq(secrets_entry_file(secrets_entry_at(s, 0)), path("conf/10-a.secrets"));
	cr_assert_str_eq(secrets_entry_file(secrets_entry_at(s, 1)), path("conf/20-b.secrets"));
	secrets_free(s);

	/* no match: an empty set and a warning, as libreswan */
	s = load_ok(path("conf/*.none"));
	cr_assert_eq(secrets_count(s), 0);
	cr_assert_null(psk(s, "@a", "@b"));
	secrets_free(s);
	log_fini();
	cr_assert(strstr(read_log(), "no file matched"));

	/* a file that cannot be read is an error (the old set stays) */
	cr_assert_eq(load_err(path("conf")), -EINVAL);
	cr_assert(strstr(err, "regular file"), "%s", err);
}

Test(secrets, key_entries_that_cannot_load_are_kept_unusable)
{
	write_file("s",
		   "@my.com : RSA {\n"
		   "    #pubkey=0sAQPaGwWbUSK\n"
		   "    PublicExponent: 0x03\n"
		   "    CKAIDNSS: 0x316e6593\n"
		   "    }\n"
		   ": RSA \"friendly name\"\n"
		   ": ECDSA ckaid0123\n"
		   "\"C=CH, O=Example, CN=peer\" : PSK \"dn\"\n"
		   ": PSK \"fallback\"\n"
		   ": P12 missing.p12 \"TOPSECRETPASS\"\n");
	struct secrets *s = load_ok(path("s"));

	cr_assert_eq(secrets_count(s), 6);
	cr_assert_eq(secrets_entry_kind(secrets_entry_at(s, 0)), SECRET_RSA);
	cr_assert_not(secrets_entry_is_supported(secrets_entry_at(s, 0)));
	cr_assert_eq(secrets_entry_kind(secrets_entry_at(s, 1)), SECRET_RSA);
	cr_assert_not(secrets_entry_is_supported(secrets_entry_at(s, 1)));
	cr_assert_eq(secrets_entry_kind(secrets_entry_at(s, 2)), SECRET_ECDSA);
	cr_assert_null(secrets_entry_privkey(secrets_entry_at(s, 2)));
	cr_assert(secrets_entry_is_supported(secrets_entry_at(s, 3)), "a DN selector is an ID");
	cr_assert_eq(secrets_entry_selector(secrets_entry_at(s, 3), 0)->type, V2_ID_DER_ASN1_DN);
	cr_assert(secrets_entry_is_supported(secrets_entry_at(s, 4)));
	cr_assert_eq(secrets_entry_line(secrets_entry_at(s, 4)), 9);
	cr_assert_eq(secrets_entry_kind(secrets_entry_at(s, 5)), SECRET_P12);
	cr_assert_not(secrets_entry_is_supported(secrets_entry_at(s, 5)));
	assert_value(psk(s, "@me", "@peer"), "fallback", 8);
	assert_value(psk(s, "C=ch, O=example, CN=PEER", "@me"), "dn", 2);
	cr_assert_null(secrets_find_privkey(s, &(struct ike_id){ .type = IKE_ID_ANY },
					    CRYPTO_KEY_NONE));

	log_fini();
	char *log = read_log(), want[600];

	snprintf(want, sizeof(want), "%s:1: RSA keys written into the secrets file", path("s"));
	cr_assert(strstr(log, want), "log: %s", log);
	snprintf(want, sizeof(want), "%s:6: %s/friendly name: No such file", path("s"), dir);
	cr_assert(strstr(log, want), "log: %s", log);
	snprintf(want, sizeof(want), "%s:7: %s/ckaid0123: No such file", path("s"), dir);
	cr_assert(strstr(log, want), "log: %s", log);
	snprintf(want, sizeof(want), "%s:10: %s/missing.p12: No such file", path("s"), dir);
	cr_assert(strstr(log, want), "log: %s", log);
	cr_assert_not(strstr(log, "0x03"), "key material is never logged");
	cr_assert_not(strstr(log, "TOPSECRETPASS"), "passphrases are never logged");
	secrets_free(s);
}

Test(secrets, xauth_and_ppks)
{
	write_file("s",
		   "@alice : XAUTH \"alice's pw\"\n"
		   "@bob : XAUTH 'bob \"pw\"'\n"
		   "@nopw : XAUTH \"\"\n"
		   "@a @b : PPKS \"PPK_ID_1\" \"post-quantum preshared key\"\n"
		   "@a : PSK \"psk\"\n");
	struct secrets *s = load_ok(path("s"));
	struct ike_id alice = id("@alice"), bob = id("@bob"), eve = id("@eve"), nopw = id("@nopw");
	const struct secret *e;
	size_t len;

	assert_value(secrets_find_xauth(s, &alice), "alice's pw", 10);
	assert_value(secrets_find_xauth(s, &bob), "bob \"pw\"", 8);
	assert_value(secrets_find_xauth(s, &nopw), "", 0);
	cr_assert_null(secrets_find_xauth(s, &eve));

	struct ike_id a = id("@a"), b = id("@b");
	e = secrets_find_ppk(s, &a, &b);
	assert_value(e, "post-quantum preshared key", 26);
	cr_assert_eq(memcmp(secrets_entry_ppk_id(e, &len), "PPK_ID_1", 8), 0);
	cr_assert_eq(len, 8);
	/* kinds do not mix */
	assert_value(secrets_find_psk(s, &a, &b), "psk", 3);
	cr_assert_null(secrets_find_psk(s, &alice, &b));
	secrets_free(s);
}

Test(secrets, best_match_precedence)
{
	write_file("s",
		   ": PSK \"none\"\n"			/* 1: no selectors */
		   "%%any : PSK \"any only\"\n"		/* 2 */
		   "%%any @peer : PSK \"peer+any\"\n"	/* 3 */
		   "@gw : PSK \"gw alone\"\n"		/* 4 */
		   "@gw %%any : PSK \"gw+any\"\n"	/* 5 */
		   "@gw @peer : PSK \"exact\"\n"	/* 6 */
		   "@gw @other : PSK \"gw+other\"\n"	/* 7 */
		   "@x @y %%any : PSK \"xy+any\"\n");	/* 8 */
	struct secrets *s = load_ok(path("s"));

	/* exact local+remote beats everything, from either end */
	assert_value(psk(s, "@gw", "@peer"), "exact", 5);
	assert_value(psk(s, "@peer", "@gw"), "exact", 5);
	/* local + %any beats the lone local selector */
	assert_value(psk(s, "@gw", "@stranger"), "gw+any", 6);
	assert_value(psk(s, "@gw", "@other"), "gw+other", 8);
	/* remote + %any: @peer talking to an unknown local id */
	assert_value(psk(s, "@me", "@peer"), "peer+any", 8);
	/* only wildcards: %any beats no selectors */
	assert_value(psk(s, "@me", "@you"), "any only", 8);
	/* both named even with %any present: explicit */
	assert_value(psk(s, "@x", "@y"), "xy+any", 6);
	/* remote alone matching one of two selectors is not a match (line 7 for @other) */
	assert_value(psk(s, "@me", "@other"), "any only", 8);
	secrets_free(s);

	/* without wildcard entries, the no-selector entry is the last resort */
	write_file("t", ": PSK \"none\"\n@gw @other : PSK \"pair\"\n@solo : PSK \"solo\"\n");
	s = load_ok(path("t"));
	assert_value(psk(s, "@q", "@r"), "none", 4);
	/* local matched one of two selectors: not a match */
	assert_value(psk(s, "@gw", "@r"), "none", 4);
	assert_value(psk(s, "@solo", "@r"), "solo", 4);
	assert_value(psk(s, "@r", "@solo"), "none", 4);	/* a lone selector is the local id */
	secrets_free(s);

	/* no entry at all */
	write_file("u", "@gw @peer : PSK \"x\"\n");
	s = load_ok(path("u"));
	cr_assert_null(psk(s, "@q", "@r"));
	secrets_free(s);
}

Test(secrets, road_warrior_and_addresses)
{
	write_file("s", "192.0.2.1 %%any : PSK \"rw\"\n192.0.2.1 198.51.100.9 : PSK \"known\"\n");
	struct secrets *s = load_ok(path("s"));
	struct ip_addr a;
	struct ike_id me, peer;

	cr_assert_eq(ip_addr_parse("192.0.2.1", &a), 0);
	me = ike_id_from_addr(&a);
	cr_assert_eq(ip_addr_parse("203.0.113.50", &a), 0);
	peer = ike_id_from_addr(&a);
	assert_value(secrets_find_psk(s, &me, &peer), "rw", 2);
	cr_assert_eq(ip_addr_parse("198.51.100.9", &a), 0);
	peer = ike_id_from_addr(&a);
	assert_value(secrets_find_psk(s, &me, &peer), "known", 5);
	secrets_free(s);
}

Test(secrets, ties_go_to_the_first)
{
	write_file("s", "@a @b : PSK \"first\"\n@b @a : PSK \"second\"\n");
	struct secrets *s = load_ok(path("s"));

	assert_value(psk(s, "@a", "@b"), "first", 5);
	assert_value(psk(s, "@b", "@a"), "first", 5);
	secrets_free(s);
}

/* The wipe hook: every buffer released must be all zeroes; count the bytes seen. */
static size_t wiped_bufs, wiped_bytes, dirty;

static void hook(const void *p, size_t len)
{
	const uint8_t *b = p;

	wiped_bufs++;
	wiped_bytes += len;
	for (size_t i = 0; i < len; i++)
		dirty += b[i] != 0;
}

Test(secrets, free_wipes_every_secret)
{
	static const char content[] = "@a @b : PSK \"0123456789\"\n"
				      "@c : XAUTH 0x00112233\n"
				      "@d @e : PPKS \"id\" 0tppkppk\n";
	write_file("s", "%s", content);
	secrets_test_set_wipe_hook(hook);
	struct secrets *s = load_ok(path("s"));

	/* the file's contents were wiped after parsing */
	cr_assert_eq(wiped_bufs, 1);
	cr_assert_eq(wiped_bytes, sizeof(content) - 1 + 1);
	cr_assert_eq(dirty, 0);

	wiped_bufs = wiped_bytes = 0;
	secrets_free(s);
	/* PSK (10), XAUTH (4), PPK id (2) and PPK (6) */
	cr_assert_eq(wiped_bufs, 4);
	cr_assert_eq(wiped_bytes, 10 + 4 + 2 + 6);
	cr_assert_eq(dirty, 0);

	/* a failed load wipes what it had read */
	wiped_bufs = wiped_bytes = 0;
	write_file("bad", "@a : PSK \"0123456789\"\n@b : PSK 0x0\n");
	load_err(path("bad"));
	cr_assert_eq(wiped_bufs, 3, "the file, the good PSK, the bad token's buffer");
	cr_assert_eq(dirty, 0);
	secrets_test_set_wipe_hook(NULL);
	secrets_free(NULL);
}

static void collect(void *arg, const char *line)
{
	char *out = arg;

	strcat(out, line);
	strcat(out, "\n");
}

Test(secrets, describe_never_prints_secrets)
{
	static char out[4096];

	write_file("s", "@east @west : PSK \"SUPERSECRET\"\n: PSK 0x5345435245\n"
			"@u : XAUTH \"SECRETPW\"\n: RSA \"name\"\n");
	struct secrets *s = load_ok(path("s"));

	out[0] = '\0';
	secrets_describe(s, collect, out);
	cr_assert(strstr(out, "1: PSK @east @west ("), "%s", out);
	cr_assert(strstr(out, "s:1)"), "%s", out);
	cr_assert(strstr(out, "2: PSK (any)"), "%s", out);
	cr_assert(strstr(out, "3: XAUTH @u"), "%s", out);
	cr_assert(strstr(out, "4: RSA (any)"), "%s", out);
	cr_assert(strstr(out, "not usable"), "%s", out);
	cr_assert_not(strstr(out, "SECRET"), "%s", out);
	cr_assert_not(strstr(out, "5345"), "%s", out);
	secrets_free(s);
}

Test(secrets, large_files_bounded)
{
	/* many entries load, and the last one is found */
	const int n = 20000;
	FILE *f = fopen(path("big"), "w");

	cr_assert_not_null(f);
	for (int i = 0; i < n; i++)
		fprintf(f, "@user%d : XAUTH \"pw%d\"\n", i, i);
	fclose(f);
	struct secrets *s = load_ok(path("big"));
	struct ike_id u = id("@user19999");

	cr_assert_eq(secrets_count(s), (size_t)n);
	assert_value(secrets_find_xauth(s, &u), "pw19999", 7);
	secrets_free(s);

	/* too many entries */
	f = fopen(path("many"), "w");
	cr_assert_not_null(f);
	for (int i = 0; i <= SECRETS_MAX_ENTRIES; i++)
		fputs(": PSK 0x01\n", f);
	fclose(f);
	cr_assert_eq(load_err(path("many")), -E2BIG);
	cr_assert(strstr(err, "more than 100000 entries"), "%s", err);

	/* a file over the size cap is refused before it is read */
	cr_assert_eq(truncate(path("many"), SECRETS_FILE_MAX + 1), 0);
	cr_assert_eq(load_err(path("many")), -E2BIG);
	cr_assert(strstr(err, "larger than the maximum"), "%s", err);

	/* a secret over the size cap */
	f = fopen(path("long"), "w");
	cr_assert_not_null(f);
	fputs("@a : PSK \"", f);
	for (int i = 0; i <= SECRETS_VALUE_MAX; i++)
		fputc('k', f);
	fputs("\"\n", f);
	fclose(f);
	cr_assert_eq(load_err(path("long")), -E2BIG);
	cr_assert(strstr(err, "long:1:"), "%s", err);

	/* too many selectors */
	f = fopen(path("sels"), "w");
	cr_assert_not_null(f);
	for (int i = 0; i <= SECRETS_MAX_SELECTORS; i++)
		fprintf(f, "%s@s%d\n", i ? "  " : "", i);
	fputs("  : PSK \"x\"\n", f);
	fclose(f);
	cr_assert_eq(load_err(path("sels")), -E2BIG);
	cr_assert(strstr(err, "more than 64 selectors"), "%s", err);
}

Test(secrets, data_decoder_edges)
{
	uint8_t out[8];
	size_t n;
	const char *why;

	cr_assert(secrets_data_has_prefix("0X1", 3));
	cr_assert_not(secrets_data_has_prefix("0", 1));
	cr_assert_not(secrets_data_has_prefix("1x00", 4));
	cr_assert_eq(secrets_data_decode("0XAbCd", 6, out, sizeof(out), &n, &why), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(out[0], 0xab);
	cr_assert_eq(secrets_data_decode("0x12__34", 8, out, sizeof(out), &n, &why), -EINVAL);
	cr_assert_eq(secrets_data_decode("0x_12", 5, out, sizeof(out), &n, &why), -EINVAL);
	cr_assert_eq(secrets_data_decode("0x12_", 5, out, sizeof(out), &n, &why), -EINVAL);
	cr_assert_eq(secrets_data_decode("0x1_23", 6, out, sizeof(out), &n, &why), -EINVAL);
	cr_assert_eq(secrets_data_decode("0x010203", 8, out, 2, &n, &why), -E2BIG);
	cr_assert_eq(secrets_data_decode("0sTWFu", 6, out, sizeof(out), &n, &why), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(out, "Man", 3), 0);
	cr_assert_eq(secrets_data_decode("0sTWE=", 6, out, sizeof(out), &n, &why), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(secrets_data_decode("0sTQ==", 6, out, sizeof(out), &n, &why), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(secrets_data_decode("0sT===", 6, out, sizeof(out), &n, &why), -EINVAL);
	cr_assert_eq(secrets_data_decode("0sTQ=A", 6, out, sizeof(out), &n, &why), -EINVAL);
	cr_assert_eq(secrets_data_decode("0tab", 4, out, sizeof(out), &n, &why), 0);
	cr_assert_eq(n, 2);
}

static void write_enc_key(const char *p, EVP_PKEY *k, const char *pass, int mode)
{
	BIO *b = BIO_new_file(p, "wb");

	cr_assert(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL,
						(void *)pass));
	BIO_free(b);
	cr_assert_eq(chmod(p, (mode_t)mode), 0);
}

Test(secrets, key_entries_load_keys)
{
	EVP_PKEY *rsa = cg_key("rsa2048"), *ec = cg_key("p256"), *ed = cg_key("ed25519");
	X509 *x = cg_cert(&(struct cg_spec){ .subject = "CN=p12", .key = ed });
	struct crypto_cert *cert;
	struct secrets *s = NULL;
	const struct secret *e;
	char keydir[300];
	size_t n;

	snprintf(keydir, sizeof(keydir), "%s/private", dir);
	cr_assert_eq(mkdir(keydir, 0700), 0);
	cg_write_key(path("private/rsa.pem"), rsa, true, 0600);
	write_enc_key(path("private/ec.pem"), ec, "ec pass", 0600);
	cg_write_key(path("private/open.pem"), rsa, true, 0644);
	cg_write_p12(path("private/ed.p12"), ed, x, NULL, "p12 pass", 0600);
	write_file("s", "@east : RSA rsa.pem\n"
			"@ec : ECDSA \"ec.pem\" \"ec pass\"\n"
			"@ec2 : ECDSA ec.pem\n"
			"    \"ec pass\"\n"
			": RSA open.pem\n"
			": ECDSA rsa.pem\n"
			"@p12 : P12 %s/private/ed.p12 \"p12 pass\"\n"
			": RSA ec.pem %%prompt\n", dir);
	cr_assert_eq(secrets_load_keys(path("s"), keydir, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(secrets_count(s), 7);
	for (size_t i = 0; i < 3; i++)
		cr_assert(secrets_entry_is_supported(secrets_entry_at(s, i)), "entry %zu", i);
	cr_assert_not(secrets_entry_is_supported(secrets_entry_at(s, 3)), "mode 0644");
	cr_assert_not(secrets_entry_is_supported(secrets_entry_at(s, 4)), "RSA key as ECDSA");
	cr_assert(secrets_entry_is_supported(secrets_entry_at(s, 5)));
	cr_assert_not(secrets_entry_is_supported(secrets_entry_at(s, 6)), "%%prompt");

	/* by our ID, and by kind */
	e = secrets_find_privkey(s, &(struct ike_id){ .type = IKE_ID_ANY }, CRYPTO_KEY_NONE);
	cr_assert_null(e, "every key entry names its ID");
	{
		struct ike_id east = id("@east"), ec_id = id("@ec2"), p12 = id("@p12");

		e = secrets_find_privkey(s, &east, CRYPTO_KEY_NONE);
		cr_assert_not_null(e);
		cr_assert_eq(crypto_privkey_kind(secrets_entry_privkey(e)), CRYPTO_KEY_RSA);
		cr_assert_str_eq(secrets_entry_keyfile(e), path("private/rsa.pem"));
		cr_assert_null(secrets_find_privkey(s, &east, CRYPTO_KEY_ECDSA));
		e = secrets_find_privkey(s, &ec_id, CRYPTO_KEY_ECDSA);
		cr_assert_not_null(e);
		cr_assert_eq(crypto_privkey_curve(secrets_entry_privkey(e)), CRYPTO_CURVE_P256);
		e = secrets_find_privkey(s, &p12, CRYPTO_KEY_NONE);
		cr_assert_not_null(e);
		cert = secrets_entry_cert(e);
		cr_assert_not_null(cert);
		cr_assert(crypto_privkey_matches(secrets_entry_privkey(e), crypto_cert_pubkey(cert)));
		secrets_entry_cas(e, &n);
		cr_assert_eq(n, 0);
		/* and by the certificate's public key */
		cr_assert_eq(secrets_find_privkey_of(s, crypto_cert_pubkey(cert)), e);
	}
	log_fini();
	{
		char *log = read_log(), want[600];

		snprintf(want, sizeof(want), "%s:5: %s/private/open.pem: holds a private key but "
			 "its mode 0644", path("s"), dir);
		cr_assert(strstr(log, want), "log: %s", log);
		cr_assert(strstr(log, "expected 0600 or stricter"), "log: %s", log);
		cr_assert(strstr(log, "holds a RSA key, not an ECDSA key"), "log: %s", log);
		cr_assert(strstr(log, "%prompt: pluto has no terminal"), "log: %s", log);
		cr_assert(strstr(log, "loaded 2048 bit RSA private key from"), "log: %s", log);
		cr_assert_not(strstr(log, "ec pass"), "log: %s", log);
		cr_assert_not(strstr(log, "p12 pass"), "log: %s", log);
	}
	secrets_free(s);
	X509_free(x);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ed);
}
