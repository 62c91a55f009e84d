/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/impair.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The table. Each entry must be consulted by the code path its comment
 * names; adding an entry without a reader is a bug (see impair.h).
 */
static const struct {
	const char *name;
	enum impair_kind kind;
	const char *help;
} table[IMPAIR_COUNT] = {
	/* consulted by the receive path before decoding an IKE message */
	[IMPAIR_DROP_INBOUND] = { "drop-inbound", IMPAIR_KIND_COUNT,
				  "drop every inbound IKE message (:N drops the next N only)" },
	/* consulted by the send path (first transmissions and retransmissions) */
	[IMPAIR_DROP_OUTBOUND] = { "drop-outbound", IMPAIR_KIND_COUNT,
				   "drop every outbound IKE message (:N drops the next N only)" },
	/* consulted where a retransmitted request would be answered again */
	[IMPAIR_IGNORE_RETRANSMITS] = { "ignore-retransmits", IMPAIR_KIND_BOOL,
					"do not answer a retransmitted request" },
	/* consulted where IKE_SA_INIT would announce RFC 7427 signature hashes */
	[IMPAIR_OMIT_SIGHASH] = { "omit-sighash-notify", IMPAIR_KIND_BOOL,
				  "send no SIGNATURE_HASH_ALGORITHMS, as a peer without RFC 7427" },
	/* consulted where a --modecfgclient builds its CFG_REQUEST */
	[IMPAIR_CP_REQUEST_BOTH] = { "cp-request-both", IMPAIR_KIND_BOOL,
				     "a --modecfgclient asks for an IPv4 and an IPv6 address, "
				     "as a dual-stack client does" },
	[IMPAIR_CP_REQUEST_PCSCF] = { "cp-request-pcscf", IMPAIR_KIND_BOOL,
				      "a --modecfgclient asks for P-CSCF servers (RFC 7651), "
				      "as an IMS handset does" },
	[IMPAIR_CP_REQUEST_PCSCF_LEGACY] = { "cp-request-pcscf-legacy", IMPAIR_KIND_BOOL,
					     "a --modecfgclient asks for P-CSCF servers with the "
					     "3GPP private types 16389/16390, as older handsets do" },
	/* consulted where an IKEv1 --modecfgserver writes UNITY_SPLIT_INCLUDE */
	[IMPAIR_MODECFG_SPLIT_HALVES] = { "modecfg-split-halves", IMPAIR_KIND_BOOL,
					  "an IKEv1 --modecfgserver sends its --client as its two "
					  "halves, as a server with several split networks does" },
	/* consulted where an IKEv1 initiator writes its NAT-T Vendor IDs */
	[IMPAIR_V1_NATT_DRAFT_ONLY] = { "v1-natt-draft-only", IMPAIR_KIND_BOOL,
					"an IKEv1 initiator announces only the NAT-T drafts 02 "
					"and 03, not RFC 3947, as an old peer does" },
};

static _Atomic uint32_t values[IMPAIR_COUNT];

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int lookup(const char *name, size_t len)
{
	for (int i = 0; i < IMPAIR_COUNT; i++) {
		if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

/* yes/no words; returns 1, 0, or -1 when how is not one of them. */
static int yes_no(const char *how)
{
	static const char *const yes[] = { "yes", "true", "on" };
	static const char *const no[] = { "no", "false", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(how, yes[i]) == 0)
			return 1;
		if (strcasecmp(how, no[i]) == 0)
			return 0;
	}
	return -1;
}

int impair_parse(const char *arg, bool enable, struct impair_setting *out, char *err, size_t errlen)
{
	const char *colon;
	const char *how;
	size_t namelen;
	int i;

	memset(out, 0, sizeof(*out));
	if (arg == NULL || arg[0] == '\0') {
		say(err, errlen, "empty behaviour: expected a behaviour name or none");
		return -EINVAL;
	}
	if (strcmp(arg, "none") == 0) {
		out->none = true;
		return 0;
	}
	if (strcmp(arg, "help") == 0 || strcmp(arg, "list") == 0) {
		say(err, errlen, "%s is a whack option: expected a behaviour name or none", arg);
		return -EINVAL;
	}
	colon = strchr(arg, ':');
	namelen = colon ? (size_t)(colon - arg) : strlen(arg);
	i = lookup(arg, namelen);
	if (i < 0) {
		char names[256];
		size_t off = 0;

		for (int k = 0; k < IMPAIR_COUNT && off < sizeof(names); k++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, ", %s",
						table[k].name);
		say(err, errlen, "%.*s: unknown behaviour: expected none%s", (int)namelen, arg,
		    names);
		return -ENOENT;
	}
	out->what = (enum impairment)i;
	if (colon == NULL) {
		out->value = !enable ? 0 : table[i].kind == IMPAIR_KIND_COUNT ? IMPAIR_ALWAYS : 1;
		return 0;
	}
	how = colon + 1;
	if (!enable) {
		say(err, errlen, "%s: a value cannot be given to disable a behaviour: expected %s",
		    arg, table[i].name);
		return -EINVAL;
	}
	int yn = yes_no(how);
	if (yn >= 0) {
		out->value = yn == 0 ? 0 : table[i].kind == IMPAIR_KIND_COUNT ? IMPAIR_ALWAYS : 1;
		return 0;
	}
	if (table[i].kind == IMPAIR_KIND_BOOL) {
		say(err, errlen, "%s: expected %s:yes or %s:no", arg, table[i].name, table[i].name);
		return -EINVAL;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(how, &end, 10);
	if (how[0] < '0' || how[0] > '9' || *end != '\0' || errno != 0 || n >= IMPAIR_ALWAYS) {
		say(err, errlen, "%s: expected %s:yes, %s:no or %s:N with N a count 0..%u", arg,
		    table[i].name, table[i].name, table[i].name, IMPAIR_ALWAYS - 1);
		return -EINVAL;
	}
	out->value = (uint32_t)n;
	return 0;
}

void impair_set(const struct impair_setting *s)
{
	if (s->none) {
		for (int i = 0; i < IMPAIR_COUNT; i++)
			atomic_store(&values[i], 0);
		return;
	}
	if (s->what < IMPAIR_COUNT)
		atomic_store(&values[s->what], s->value);
}

int impair_apply(const char *arg, bool enable, char *err, size_t errlen)
{
	struct impair_setting s;
	int rc = impair_parse(arg, enable, &s, err, errlen);

	if (rc == 0)
		impair_set(&s);
	return rc;
}

uint32_t impair_get(enum impairment i)
{
	return i < IMPAIR_COUNT ? atomic_load_explicit(&values[i], memory_order_relaxed) : 0;
}

bool impair_consume(enum impairment i)
{
	uint32_t v;

	if (i >= IMPAIR_COUNT)
		return false;
	v = atomic_load_explicit(&values[i], memory_order_relaxed);
	for (;;) {
		if (v == 0)
			return false;
		if (table[i].kind == IMPAIR_KIND_BOOL || v == IMPAIR_ALWAYS)
			return true;
		/* a count: exactly N events are impaired even when threads race */
		if (atomic_compare_exchange_weak(&values[i], &v, v - 1))
			return true;
	}
}

const char *impair_name(enum impairment i)
{
	return i < IMPAIR_COUNT ? table[i].name : NULL;
}

const char *impair_help(enum impairment i)
{
	return i < IMPAIR_COUNT ? table[i].help : NULL;
}

enum impair_kind impair_kind(enum impairment i)
{
	return i < IMPAIR_COUNT ? table[i].kind : IMPAIR_KIND_BOOL;
}

size_t impair_list(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[128];
	size_t n = 0;

	for (int i = 0; i < IMPAIR_COUNT; i++) {
		uint32_t v = impair_get((enum impairment)i);

		if (v == 0)
			continue;
		if (table[i].kind == IMPAIR_KIND_BOOL || v == IMPAIR_ALWAYS)
			snprintf(line, sizeof(line), "%s", table[i].name);
		else
			snprintf(line, sizeof(line), "%s:%u", table[i].name, v);
		emit(ctx, line);
		n++;
	}
	return n;
}

void impair_help_each(void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[256];

	for (int i = 0; i < IMPAIR_COUNT; i++) {
		snprintf(line, sizeof(line), "%s: %s", table[i].name, table[i].help);
		emit(ctx, line);
	}
}
