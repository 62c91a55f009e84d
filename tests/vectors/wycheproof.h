/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_TESTS_VECTORS_WYCHEPROOF_H
#define SKUA_TESTS_VECTORS_WYCHEPROOF_H
/*
 * Reading Project Wycheproof's test vector files (tests/vectors/wycheproof/,
 * Apache-2.0, see LICENSE there) with json-c. A file is
 *
 *   { "algorithm": ..., "testGroups": [ { <group parameters>,
 *       "tests": [ { "tcId": N, "comment": ..., "flags": [...],
 *                    <inputs as hex strings>, "result": "valid" |
 *                    "invalid" | "acceptable" }, ... ] }, ... ] }
 *
 * Header-only (each test program is one source file). Every accessor fails
 * the test on a missing or malformed field: a vector file that does not
 * read as expected must not pass as "no vectors".
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

enum wp_result { WP_VALID, WP_INVALID, WP_ACCEPTABLE };

/* Load tests/vectors/wycheproof/<name>; the caller json_object_put()s it. */
static inline json_object *wp_load(const char *name)
{
	char path[512];
	json_object *root;

	snprintf(path, sizeof(path), "%s/wycheproof/%s", SKUA_VECTORS_DIR, name);
	root = json_object_from_file(path);
	cr_assert_not_null(root, "cannot read %s: %s", path, json_util_get_last_err());
	return root;
}

static inline json_object *wp_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	cr_assert(json_object_object_get_ex(o, key, &v), "vector without \"%s\"", key);
	return v;
}

static inline size_t wp_len(json_object *array)
{
	cr_assert(json_object_is_type(array, json_type_array));
	return json_object_array_length(array);
}

static inline json_object *wp_at(json_object *array, size_t i)
{
	return json_object_array_get_idx(array, i);
}

static inline int wp_int(json_object *o, const char *key)
{
	json_object *v = wp_get(o, key);

	cr_assert(json_object_is_type(v, json_type_int), "\"%s\" is not an integer", key);
	return json_object_get_int(v);
}

static inline const char *wp_str(json_object *o, const char *key)
{
	json_object *v = wp_get(o, key);

	cr_assert(json_object_is_type(v, json_type_string), "\"%s\" is not a string", key);
	return json_object_get_string(v);
}

static inline int wp_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The hex string o[key] decoded into a fresh buffer (at least one byte
 * allocated, so an empty value is not NULL); *len its length. Free it.
 */
static inline uint8_t *wp_hex(json_object *o, const char *key, size_t *len)
{
	const char *s = wp_str(o, key);
	size_t n = strlen(s);
	uint8_t *out;

	cr_assert_eq(n % 2, 0, "\"%s\": odd hex length", key);
	out = malloc(n / 2 + 1);
	cr_assert_not_null(out);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = wp_nibble(s[2 * i]), lo = wp_nibble(s[2 * i + 1]);

		cr_assert(hi >= 0 && lo >= 0, "\"%s\": not hex", key);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

static inline enum wp_result wp_result(json_object *t)
{
	const char *r = wp_str(t, "result");

	if (strcmp(r, "valid") == 0)
		return WP_VALID;
	if (strcmp(r, "invalid") == 0)
		return WP_INVALID;
	cr_assert_str_eq(r, "acceptable", "unknown result \"%s\"", r);
	return WP_ACCEPTABLE;
}

/* Whether the test carries the flag (e.g. "ZeroSharedSecret"). */
static inline bool wp_flag(json_object *t, const char *flag)
{
	json_object *flags = wp_get(t, "flags");

	for (size_t i = 0; i < wp_len(flags); i++)
		if (strcmp(json_object_get_string(wp_at(flags, i)), flag) == 0)
			return true;
	return false;
}

#endif
