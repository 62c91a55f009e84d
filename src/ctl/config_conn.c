/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/config_conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/config_kw.h"
#include "ctl/config_setup.h"
#include "ctl/proto/whack_opts.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A conn's settings: one slot per keyword and end, the first source found wins. */
struct slot {
	const struct conf_kv *kv;
};

static size_t slot_of(const struct conf_kw *kw, int end)
{
	return conf_kw_index(kw) * 2 + (size_t)end;
}

static bool is_user_extension(const char *key)
{
	return (key[0] == 'x') && (key[1] == '-' || key[1] == '_');
}

/*
 * Every key of every conn section is known, and no keyword is given twice
 * in one section under two names (lifetime= and salifetime=).
 */
static int check_keys(const struct conf_file *f, struct conf_diag *d)
{
	size_t nslots = conf_kw_count() * 2;
	const struct conf_kv **seen = calloc(nslots, sizeof(*seen));
	int rc = 0;

	if (!seen)
		return -ENOMEM;
	for (size_t i = 0; i < f->nsec; i++) {
		const struct conf_section *s = &f->sec[i];
		bool dflt = strcmp(s->name, "%default") == 0;

		if (s->kind != CONF_SEC_CONN)
			continue;
		memset(seen, 0, nslots * sizeof(*seen));
		for (size_t k = 0; k < s->nkv; k++) {
			const struct conf_kv *kv = &s->kv[k];
			const struct conf_kw *kw;
			int end;

			if (is_user_extension(kv->key))
				continue;
			kw = conf_kw_find(kv->key, &end);
			if (!kw) {
				if (conf_setup_key_known(kv->key))
					rc = conf_diag_add(
						d, CONF_ERROR, kv->file, kv->line,
						"conn %s: %s is a config setup keyword: "
						"expected it in the config setup section",
						s->name, kv->key);
				else
					rc = conf_diag_add(
						d, CONF_ERROR, kv->file, kv->line,
						"conn %s: unknown keyword '%s': expected a "
						"keyword of ipsec.conf(5) (x- prefixes user "
						"extensions)",
						s->name, kv->key);
				continue;
			}
			if (dflt && kw->kind == KW_SPECIAL &&
			    (kw->sp == SP_ALSO || kw->sp == SP_ALSOFLIP)) {
				rc = conf_diag_add(
					d, CONF_ERROR, kv->file, kv->line,
					"conn %%default: %s= is not allowed in %%default: "
					"expected it in a named conn",
					kv->key);
				continue;
			}
			if (kw->kind == KW_SPECIAL && kw->sp == SP_ALSO)
				continue; /* may repeat */
			if (seen[slot_of(kw, end)]) {
				const struct conf_kv *o = seen[slot_of(kw, end)];
				rc = conf_diag_add(
					d, CONF_ERROR, kv->file, kv->line,
					"conn %s: %s= sets what %s= set already (at %s:%u): "
					"expected one of them",
					s->name, kv->key, o->key, o->file, o->line);
				continue;
			}
			seen[slot_of(kw, end)] = kv;
		}
	}
	free(seen);
	return rc;
}

/* Fill the %default slots; a keyword may have one default only. */
static int fill_defaults(const struct conf_file *f, struct slot *dflt, struct conf_diag *d)
{
	int rc = 0;

	for (size_t i = 0; i < f->nsec; i++) {
		const struct conf_section *s = &f->sec[i];

		if (s->kind != CONF_SEC_CONN || strcmp(s->name, "%default") != 0)
			continue;
		for (size_t k = 0; k < s->nkv; k++) {
			const struct conf_kv *kv = &s->kv[k];
			int end;
			const struct conf_kw *kw =
				is_user_extension(kv->key) ? NULL : conf_kw_find(kv->key, &end);
			if (!kw)
				continue;
			struct slot *sl = &dflt[slot_of(kw, end)];
			if (sl->kv) {
				rc = conf_diag_add(
					d, CONF_ERROR, kv->file, kv->line,
					"conn %%default: %s= has a default already (at %s:%u): "
					"expected one default per keyword",
					kv->key, sl->kv->file, sl->kv->line);
				continue;
			}
			sl->kv = kv;
		}
	}
	return rc;
}

/* The depth-first walk of also= and alsoflip=. */
struct merge {
	const struct conf_file *f;
	struct slot *slots;
	const struct conf_section **path; /* the sections being merged, outermost first */
	size_t depth;
	const struct conf_section **done; /* every section merged into this conn */
	size_t ndone;
	struct conf_diag *d;
	int rc;
};

enum { ALSO_DEPTH_MAX = 32 };

static void merge_section(struct merge *m, const struct conf_section *s, bool flip);

static void merge_also(struct merge *m, const struct conf_section *s, const struct conf_kv *kv,
		       bool flip)
{
	char *names = strdup(kv->value);
	char *save, *name;

	if (!names) {
		m->rc = conf_diag_add(m->d, CONF_ERROR, kv->file, kv->line, "out of memory");
		return;
	}
	for (name = strtok_r(names, " \t,", &save); name; name = strtok_r(NULL, " \t,", &save)) {
		const struct conf_section *t = conf_file_conn(m->f, name);
		char chain[512];
		size_t n = 0;

		if (!t) {
			m->rc = conf_diag_add(
				m->d, CONF_ERROR, kv->file, kv->line,
				"conn %s: %s=%s: no conn section of that name: expected "
				"the name of another conn",
				s->name, kv->key, name);
			continue;
		}
		for (size_t i = 0; i < m->depth; i++) {
			if (m->path[i] != t)
				continue;
			chain[0] = '\0';
			for (size_t k = i; k < m->depth && n < sizeof(chain); k++)
				n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s -> ",
						      m->path[k]->name);
			m->rc = conf_diag_add(m->d, CONF_ERROR, kv->file, kv->line,
					      "conn %s: %s=%s: also= loop (%s%s): expected a chain "
					      "that ends",
					      s->name, kv->key, name, chain, name);
			goto out;
		}
		for (size_t i = 0; i < m->ndone; i++) {
			if (m->done[i] == t) {
				m->rc = conf_diag_add(
					m->d, CONF_ERROR, kv->file, kv->line,
					"conn %s: %s=%s: conn %s is appended to conn %s "
					"twice: expected each section once",
					s->name, kv->key, name, name, m->path[0]->name);
				t = NULL;
				break;
			}
		}
		if (!t)
			continue;
		if (m->depth >= ALSO_DEPTH_MAX) {
			m->rc = conf_diag_add(m->d, CONF_ERROR, kv->file, kv->line,
					      "conn %s: %s=%s: also= nested more than %d deep",
					      s->name, kv->key, name, ALSO_DEPTH_MAX);
			goto out;
		}
		merge_section(m, t, flip ^ (strcmp(kv->key, "alsoflip") == 0));
	}
out:
	free(names);
}

static void merge_section(struct merge *m, const struct conf_section *s, bool flip)
{
	m->path[m->depth++] = s;
	m->done[m->ndone++] = s;
	/* The section's own settings first, then what it appends, in order. */
	for (size_t k = 0; k < s->nkv; k++) {
		const struct conf_kv *kv = &s->kv[k];
		int end;
		const struct conf_kw *kw =
			is_user_extension(kv->key) ? NULL : conf_kw_find(kv->key, &end);

		if (!kw || (kw->kind == KW_SPECIAL && (kw->sp == SP_ALSO || kw->sp == SP_ALSOFLIP)))
			continue;
		if (kw->end && flip)
			end = 1 - end;
		if (!m->slots[slot_of(kw, end)].kv)
			m->slots[slot_of(kw, end)].kv = kv;
	}
	for (size_t k = 0; k < s->nkv; k++) {
		const struct conf_kv *kv = &s->kv[k];
		if (!strcmp(kv->key, "also") || !strcmp(kv->key, "alsoflip"))
			merge_also(m, s, kv, flip);
	}
	m->depth--;
}

/* ---- translation of one conn into the whack connection form ---- */

struct tx {
	struct conf_conn *c;
	const struct slot *slots;
	const struct conf_env *env;
	struct whack_cmd *cmd;
	sa_family_t host_af; /* AF_UNSPEC until known */
	const struct conf_kv *rsakey[2]; /* leftrsasigkey=, rightrsasigkey= with a key */
	bool psk;
	bool failed;
};

static const struct conf_kv *get(const struct tx *t, const char *key)
{
	int end;
	const struct conf_kw *kw = conf_kw_find(key, &end);
	return kw ? t->slots[slot_of(kw, end)].kv : NULL;
}

static void bad(struct tx *t, const struct conf_kv *kv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A problem of this connection: with the line that caused it, or its header. */
static void bad(struct tx *t, const struct conf_kv *kv, const char *fmt, ...)
{
	char why[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	t->failed = true;
	if (kv)
		conf_diag_add(&t->c->diag, CONF_CONN_ERROR, kv->file, kv->line,
			      "conn %s: %s=%.80s: %s", t->c->name, kv->key, kv->value, why);
	else
		conf_diag_add(&t->c->diag, CONF_CONN_ERROR, t->c->file, t->c->line, "conn %s: %s",
			      t->c->name, why);
}

static void not_yet(struct tx *t, const struct conf_kv *kv, const char *what)
{
	bad(t, kv, "%s: not supported yet", what);
}

static enum whack_end end_of(int end)
{
	return end ? WHACK_END_RIGHT : WHACK_END_LEFT;
}

/* Add one option, its value checked by whack's own validator first. */
static void emit(struct tx *t, enum whack_opt opt, enum whack_end end, const char *value,
		 const struct conf_kv *kv)
{
	char why[512];
	int rc;

	if (whack_opt_name(opt) == NULL)
		return;
	if (value[0] == '\0') {
		/* A (connection-wide) flag: once is enough when two keywords ask for it. */
		if (whack_cmd_find(t->cmd, opt, WHACK_END_NONE))
			return;
	} else if (whack_opt_value_check(opt, value, why, sizeof(why)) < 0) {
		bad(t, kv, "%s", why);
		return;
	}
	rc = whack_cmd_add(t->cmd, (uint16_t)opt, end, value);
	if (rc == -EMSGSIZE)
		bad(t, kv, "value longer than %d bytes", WHACK_VALUE_MAX);
	else if (rc == -EINVAL)
		bad(t, kv, "control characters in the value: expected printable text");
	else if (rc < 0)
		bad(t, kv, "%s", rc == -E2BIG ? "too many settings" : "out of memory");
}

static void flag(struct tx *t, enum whack_opt opt, const struct conf_kv *kv)
{
	emit(t, opt, WHACK_END_NONE, "", kv);
}

static const char *end_word(int end)
{
	return end ? "right" : "left";
}

/* The default route's source address and gateway, for %defaultroute. */
static int defaultroute(struct tx *t, const struct conf_kv *kv, struct ip_addr *src,
			struct ip_addr *gw)
{
	sa_family_t af = t->host_af ? t->host_af : AF_INET;
	char why[256] = "";
	int rc;

	if (!t->env || !t->env->defaultroute) {
		bad(t, kv, "%%defaultroute cannot be resolved here: expected an address");
		return -ENOENT;
	}
	rc = t->env->defaultroute(t->env->ctx, af, src, gw, why, sizeof(why));
	if (rc < 0)
		bad(t, kv, "%%defaultroute: %s", why[0] ? why : "no default route");
	return rc;
}

static bool is_ip(const char *v)
{
	struct ip_addr a;
	return ip_addr_parse(v, &a) == 0;
}

/* left= and right=: an address, %any, %defaultroute; the rest has not landed. */
static void do_host(struct tx *t, int end, const struct conf_kv *kv)
{
	const char *v = kv ? kv->value : "";
	struct ip_addr src, gw;
	char a[IP_ADDR_STRLEN];

	if (v[0] == '\0') {
		bad(t, NULL,
		    "%s= is not set: expected the %s participant's address, %%any or "
		    "%%defaultroute",
		    end_word(end), end_word(end));
		return;
	}
	if (!strcasecmp(v, "%any") || !strcasecmp(v, "%any4") || !strcasecmp(v, "%any6")) {
		emit(t, WO_HOST, end_of(end), "%any", kv);
		return;
	}
	if (!strcasecmp(v, "%defaultroute")) {
		if (defaultroute(t, kv, &src, &gw) < 0)
			return;
		emit(t, WO_HOST, end_of(end), ip_addr_str(&src, a), kv);
		/* "this also overrides any value supplied for leftnexthop" */
		if (gw.af != AF_UNSPEC)
			emit(t, WO_NEXTHOP, end_of(end), ip_addr_str(&gw, a), kv);
		return;
	}
	if (!strcasecmp(v, "%opportunistic") || !strcasecmp(v, "%opportunisticgroup") ||
	    !strcasecmp(v, "%group")) {
		not_yet(t, kv, "opportunistic encryption and policy groups");
		return;
	}
	if (v[0] == '%') {
		not_yet(t, kv, "host addresses taken from an interface (%IFACE)");
		return;
	}
	if (is_ip(v)) {
		emit(t, WO_HOST, end_of(end), v, kv);
		return;
	}
	not_yet(t, kv,
		"host names resolved through DNS (expected an IP address, %any or "
		"%defaultroute)");
}

static void do_special(struct tx *t, const struct conf_kw *kw, int end, const struct conf_kv *kv)
{
	const char *v = kv->value;
	enum whack_end e = end_of(end);

	switch (kw->sp) {
	case SP_NONE:
	case SP_HOST: /* done first: the families depend on it */
	case SP_TYPE:
	case SP_AUTHBY:
	case SP_AUTH:
	case SP_AUTO:
	case SP_ALSO:
	case SP_ALSOFLIP:
	case SP_CONNALIAS:
		return; /* read by build_conn() */
	case SP_SUBNET:
		if (!v[0] || !strcasecmp(v, "%no"))
			return;
		if (!strncasecmp(v, "vhost:", 6) || !strncasecmp(v, "vnet:", 5) ||
		    !strcasecmp(v, "%priv"))
			not_yet(t, kv, "virtual subnets (vhost:, vnet:, %priv)");
		else if (!strcasecmp(v, "%config"))
			not_yet(t, kv,
				"Mode Config and the IKEv2 configuration payload "
				"(address assignment)");
		else if (strpbrk(v, ", \t"))
			not_yet(t, kv, "several subnets per end");
		else
			emit(t, WO_CLIENT, e, v, kv);
		return;
	case SP_SOURCEIP:
		if (!v[0] || !strcasecmp(v, "%none"))
			return;
		if (!strcasecmp(v, "%config") || !strcasecmp(v, "%modecfg"))
			not_yet(t, kv,
				"Mode Config and the IKEv2 configuration payload "
				"(address assignment)");
		else
			emit(t, WO_SRCIP, e, v, kv);
		return;
	case SP_NEXTHOP: {
		const struct conf_kv *host = get(t, end ? "right" : "left");
		if (!v[0])
			return;
		/* ipsec.conf(5): left=%defaultroute overrides any leftnexthop= */
		if (host && !strcasecmp(host->value, "%defaultroute"))
			return;
		if (!strcasecmp(v, "%defaultroute")) {
			struct ip_addr src, gw;
			char a[IP_ADDR_STRLEN];

			if (defaultroute(t, kv, &src, &gw) < 0)
				return;
			if (gw.af == AF_UNSPEC)
				emit(t, WO_NEXTHOP, e, "%direct", kv);
			else
				emit(t, WO_NEXTHOP, e, ip_addr_str(&gw, a), kv);
			return;
		}
		emit(t, WO_NEXTHOP, e, v, kv);
		return;
	}
	case SP_UPDOWN:
		/* ipsec.conf(5): "" and %disabled run no script: a command that does nothing. */
		emit(t, WO_UPDOWN, e, !v[0] || !strcasecmp(v, "%disabled") ? "true" : v, kv);
		return;
	case SP_ID:
		if (!v[0] || !strcasecmp(v, "%none"))
			return;
		if (!strcasecmp(v, "%myid"))
			not_yet(t, kv, "myid (%myid)");
		else
			emit(t, WO_ID, e, v, kv);
		return;
	case SP_RSASIGKEY:
		if (!v[0] || !strcasecmp(v, "%none"))
			return;
		/* %cert: the key is leftcert='s, which says so itself */
		if (!strcasecmp(v, "%cert"))
			return;
		if (v[0] == '%')
			not_yet(t, kv, "public keys from DNS (%dns, %dnsondemand)");
		else
			t->rsakey[end] = kv;	/* a key: do_rsakeys() */
		return;
	case SP_SENDCA:
		/* connection-wide in ipsec.conf, per end in whack: only ours is read */
		if (!v[0])
			return;
		emit(t, WO_SENDCA, WHACK_END_LEFT, v, kv);
		emit(t, WO_SENDCA, WHACK_END_RIGHT, v, kv);
		return;
	case SP_MODECFGSERVER:
	case SP_MODECFGCLIENT:
	case SP_XAUTHSERVER:
	case SP_XAUTHCLIENT:
		if (!v[0] || conf_word_in(v, "no|false"))
			return;
		if (!conf_word_in(v, "yes|true")) {
			bad(t, kv, "expected yes or no");
			return;
		}
		emit(t, kw->sp == SP_MODECFGSERVER   ? WO_MODECFGSERVER
			: kw->sp == SP_MODECFGCLIENT ? WO_MODECFGCLIENT
			: kw->sp == SP_XAUTHSERVER   ? WO_XAUTHSERVER
						     : WO_XAUTHCLIENT,
		     end_of(end), "", kv);
		return;
	case SP_MODECFGDNS:
	case SP_MODECFGPCSCF:
	case SP_MODECFGDOMAINS: {
		/* connection-wide in ipsec.conf, per end in whack; commas or spaces */
		char list[512];
		size_t n = 0;
		enum whack_opt o = kw->sp == SP_MODECFGDNS	? WO_MODECFGDNS
				   : kw->sp == SP_MODECFGPCSCF ? WO_MODECFGPCSCF
								: WO_MODECFGDOMAINS;

		if (!v[0])
			return;
		for (const char *p = v; *p && n + 1 < sizeof(list); p++) {
			if (*p == ' ' || *p == '\t' || *p == ',') {
				if (n && list[n - 1] != ',')
					list[n++] = ',';
				continue;
			}
			list[n++] = *p;
		}
		while (n && list[n - 1] == ',')
			n--;
		list[n] = '\0';
		emit(t, o, WHACK_END_LEFT, list, kv);
		emit(t, o, WHACK_END_RIGHT, list, kv);
		return;
	}
	case SP_MODECFGBANNER:
		if (!v[0])
			return;
		emit(t, WO_MODECFGBANNER, WHACK_END_LEFT, v, kv);
		emit(t, WO_MODECFGBANNER, WHACK_END_RIGHT, v, kv);
		return;
	case SP_KEYINGTRIES:
		if (!v[0])
			return;
		emit(t, WO_KEYINGTRIES, WHACK_END_NONE, !strcasecmp(v, "%forever") ? "0" : v, kv);
		return;
	case SP_MARK:
		if (!v[0])
			return;
		if (!strncmp(v, "-1", 2) && (v[2] == '\0' || v[2] == '/'))
			not_yet(t, kv, "unique marks per instance (mark=-1)");
		else
			emit(t, WO_CONN_MARK, WHACK_END_NONE, v, kv);
		return;
	case SP_DPDACTION:
		if (!v[0])
			return;
		if (!conf_word_in(v, "hold|clear|restart|restart_by_peer")) {
			bad(t, kv, "expected hold, clear or restart");
			return;
		}
		/* libreswan 4 reads restart_by_peer as restart. */
		emit(t, WO_DPDACTION, WHACK_END_NONE,
		     !strcasecmp(v, "restart_by_peer") ? "restart" : v, kv);
		return;
	}
}

static void do_keyword(struct tx *t, const struct conf_kw *kw, int end, const struct conf_kv *kv)
{
	const char *v = kv->value;
	char conv[32];
	uint32_t secs;

	switch (kw->kind) {
	case KW_SPECIAL:
		do_special(t, kw, end, kv);
		return;
	case KW_NO_EFFECT:
		return;
	case KW_OBSOLETE:
		conf_diag_add(&t->c->diag, CONF_WARNING, kv->file, kv->line,
			      "conn %s: %s= is obsolete: ignored (as libreswan does)", t->c->name,
			      kv->key);
		return;
	case KW_NOT_YET:
		if (v[0] && !conf_word_in(v, kw->fine))
			not_yet(t, kv, kw->what);
		return;
	case KW_MAP:
		if (!v[0])
			return;
		for (const struct conf_kv_val *m = kw->map; m->value; m++) {
			if (strcasecmp(m->value, v) != 0)
				continue;
			if (m->act == ACT_FLAG)
				emit(t, m->opt, WHACK_END_NONE, "", kv);
			else if (m->act == ACT_NOT_YET)
				not_yet(t, kv, kw->what);
			return;
		}
		if (kw->others_not_yet) {
			not_yet(t, kv, kw->what);
		} else {
			char list[200];
			size_t n = 0;
			list[0] = '\0';
			for (const struct conf_kv_val *m = kw->map; m->value && n < sizeof(list);
			     m++)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
						      n ? ", " : "", m->value);
			bad(t, kv, "expected one of %s", list);
		}
		return;
	case KW_OPT:
		if (!v[0])
			return;
		if (kw->vtype == VT_TIME) {
			int rc = conf_parse_time(v, &secs);
			if (rc < 0) {
				bad(t, kv,
				    rc == -ERANGE ? "longer than a year"
						  : "expected a duration: a whole number of "
						    "seconds, optionally followed by s, or a "
						    "number followed by m, h or d (8h, 1.5h)");
				return;
			}
			snprintf(conv, sizeof(conv), "%u", secs);
			v = conv;
		} else if (kw->vtype == VT_PERCENT) {
			size_t n = strlen(v);
			if (n > 1 && n < sizeof(conv) && v[n - 1] == '%') {
				memcpy(conv, v, n - 1);
				conv[n - 1] = '\0';
				v = conv;
			}
		}
		emit(t, kw->opt, kw->end ? end_of(end) : WHACK_END_NONE, v, kv);
		return;
	}
}

static void do_type_and_auth(struct tx *t)
{
	const struct conf_kv *type = get(t, "type"), *authby = get(t, "authby");
	const struct conf_kv *la = get(t, "leftauth"), *ra = get(t, "rightauth");
	const char *tv = type && type->value[0] ? type->value : "tunnel";
	const char *av = authby && authby->value[0] ? authby->value : NULL;

	if (!strcasecmp(tv, "tunnel")) {
		flag(t, WO_ENCRYPT, type);
		flag(t, WO_TUNNEL, type);
	} else if (!strcasecmp(tv, "transport")) {
		flag(t, WO_ENCRYPT, type);
	} else if (!strcasecmp(tv, "passthrough") || !strcasecmp(tv, "pass")) {
		t->c->shunt = true;
		flag(t, WO_PASS, type);
	} else if (!strcasecmp(tv, "drop")) {
		t->c->shunt = true;
		flag(t, WO_DROP, type);
	} else if (!strcasecmp(tv, "reject")) {
		t->c->shunt = true;
		flag(t, WO_REJECT, type);
	} else {
		bad(t, type, "expected tunnel, transport, passthrough, drop or reject");
		return;
	}

	/* leftauth=/rightauth=: the asymmetric form, each end its own method. */
	if (la || ra) {
		const struct conf_kv *sides[2] = {la, ra};
		if (av) {
			bad(t, la ? la : ra,
			    "authby= and leftauth=/rightauth= together: expected "
			    "one or the other (ipsec.conf(5))");
			return;
		}
		for (int i = 0; i < 2; i++) {
			const struct conf_kv *s = sides[i];
			if (!s || !s->value[0]) {
				bad(t, sides[1 - i],
				    "%sauth= is not set: expected both leftauth= "
				    "and rightauth=",
				    end_word(i));
				return;
			}
			if (conf_word_in(s->value, "secret|psk"))
				emit(t, WO_AUTHBY, end_of(i), "psk", s);
			else if (conf_word_in(s->value, "rsasig|rsa"))
				emit(t, WO_AUTHBY, end_of(i), "rsasig", s);
			else if (conf_word_in(s->value, "ecdsa|eddsa"))
				emit(t, WO_AUTHBY, end_of(i), s->value, s);
			else if (conf_word_in(s->value, "null"))
				not_yet(t, s, "NULL authentication");
			else if (conf_word_in(s->value, "eaponly|eap"))
				not_yet(t, s, "EAP authentication");
			else
				bad(t, s, "expected secret, rsasig, ecdsa, eddsa, null or eaponly");
		}
		return;
	}
	/* libreswan's default, authby=rsasig,ecdsa, is whack's: no flag */
	if (!av)
		return;
	if (!strcasecmp(av, "never")) {
		if (!t->c->shunt)
			bad(t, authby,
			    "a connection that never negotiates is a shunt: expected "
			    "type=passthrough, drop or reject (or authby=secret)");
		return;
	}
	if (!strcasecmp(av, "null")) {
		not_yet(t, authby, "NULL authentication");
		return;
	}
	/* a list: "rsasig,ecdsa", "rsa-sha2_256|ecdsa-sha2_256", "secret" */
	static const struct {
		const char *words;
		enum whack_opt opt;
	} methods[] = {
		{ "secret|psk", WO_PSK },
		{ "rsasig|rsa", WO_RSASIG },
		{ "ecdsa", WO_ECDSA },
		{ "rsa-sha1", WO_RSA_SHA1 },
		{ "rsa-sha2", WO_RSA_SHA2 },
		{ "rsa-sha2_256", WO_RSA_SHA2_256 },
		{ "rsa-sha2_384", WO_RSA_SHA2_384 },
		{ "rsa-sha2_512", WO_RSA_SHA2_512 },
		{ "ecdsa-sha2", WO_ECDSA },
		{ "ecdsa-sha2_256", WO_ECDSA_SHA2_256 },
		{ "ecdsa-sha2_384", WO_ECDSA_SHA2_384 },
		{ "ecdsa-sha2_512", WO_ECDSA_SHA2_512 },
	};
	char buf[CONF_LINE_MAX + 1], *save, *w;

	snprintf(buf, sizeof(buf), "%s", av);
	for (w = strtok_r(buf, ",| \t", &save); w; w = strtok_r(NULL, ",| \t", &save)) {
		size_t i;

		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (conf_word_in(w, methods[i].words))
				break;
		if (i == sizeof(methods) / sizeof(methods[0])) {
			bad(t, authby,
			    "'%s': expected secret (or psk), rsasig, ecdsa, rsa-sha1, "
			    "rsa-sha2[_256|_384|_512], ecdsa-sha2[_256|_384|_512], never or null",
			    w);
			return;
		}
		if (!t->c->shunt)
			flag(t, methods[i].opt, authby);
	}
}

static void do_auto(struct tx *t)
{
	const struct conf_kv *kv = get(t, "auto");
	const char *v = kv ? kv->value : "";

	if (!v[0] || !strcasecmp(v, "ignore"))
		t->c->autostart = CONF_AUTO_IGNORE;
	else if (!strcasecmp(v, "add"))
		t->c->autostart = CONF_AUTO_ADD;
	else if (!strcasecmp(v, "ondemand") || !strcasecmp(v, "route"))
		t->c->autostart = CONF_AUTO_ONDEMAND;
	else if (!strcasecmp(v, "start") || !strcasecmp(v, "up"))
		t->c->autostart = CONF_AUTO_START;
	else {
		/* Meant to be loaded, whatever it was: so it is reported. */
		t->c->autostart = CONF_AUTO_ADD;
		if (!strcasecmp(v, "keep"))
			not_yet(t, kv, "auto=keep");
		else
			bad(t, kv, "expected ignore, add, ondemand (route) or start");
	}
}

static int do_aliases(struct tx *t)
{
	const struct conf_kv *kv = get(t, "connalias");
	char buf[CONF_LINE_MAX + 1];
	char *save, *w;

	if (!kv)
		return 0;
	snprintf(buf, sizeof(buf), "%s", kv->value);
	for (w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		char **v = realloc(t->c->aliases, (t->c->naliases + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->c->aliases = v;
		v[t->c->naliases] = strdup(w);
		if (!v[t->c->naliases])
			return -ENOMEM;
		t->c->naliases++;
	}
	return 0;
}

/* The family the hosts are of: hostaddrfamily=, else the first literal address. */
static sa_family_t host_family(const struct tx *t)
{
	const struct conf_kv *fam = get(t, "hostaddrfamily");
	const char *ends[2] = {"left", "right"};
	struct ip_addr a;

	if (fam && !strcasecmp(fam->value, "ipv6"))
		return AF_INET6;
	if (fam && !strcasecmp(fam->value, "ipv4"))
		return AF_INET;
	for (int i = 0; i < 2; i++) {
		const struct conf_kv *h = get(t, ends[i]);
		if (h && ip_addr_parse(h->value, &a) == 0 && !ip_addr_is_unspecified(&a))
			return a.af;
		if (h && !strcasecmp(h->value, "%any6"))
			return AF_INET6;
	}
	return AF_UNSPEC;
}

/*
 * leftrsasigkey=0s...: the public key form for that end's ID (leftid=, or
 * the address of left= without one), checked as whack checks it; pluto
 * checks the key itself when the form arrives.
 */
static void do_rsakeys(struct tx *t)
{
	for (int end = 0; end < 2; end++) {
		const struct conf_kv *kv = t->rsakey[end];
		const struct whack_optval *id, *host;
		struct whack_cmd *k;
		const char *who;
		char why[512];
		int rc;

		if (!kv)
			continue;
		id = whack_cmd_find(t->cmd, WO_ID, end_of(end));
		host = whack_cmd_find(t->cmd, WO_HOST, end_of(end));
		who = id ? id->value : host && is_ip(host->value) ? host->value : NULL;
		if (!who || !strcasecmp(who, "%any") || !strcasecmp(who, "%fromcert")) {
			bad(t, kv, "a raw public key needs %sid= naming one peer (or an address in "
			    "%s=): expected whose key it is", end_word(end), end_word(end));
			continue;
		}
		if (whack_opt_value_check(WO_PUBKEYRSA, kv->value, why, sizeof(why)) < 0) {
			bad(t, kv, "%s", why);
			continue;
		}
		k = calloc(1, sizeof(*k));
		rc = k ? whack_cmd_add(k, WO_KEYID, WHACK_END_NONE, who) : -ENOMEM;
		if (rc == 0)
			rc = whack_cmd_add(k, WO_PUBKEYRSA, WHACK_END_NONE, kv->value);
		if (rc < 0) {
			bad(t, kv, "%s", rc == -EMSGSIZE ? "longer than whack carries" :
			    rc == -EINVAL ? "control characters in the value" : "out of memory");
			if (k) {
				whack_cmd_fini(k);
				free(k);
			}
			continue;
		}
		k->ops = 1ull << WOP_ADD_KEY;
		if (whack_cmd_check(k, why, sizeof(why)) < 0) {
			bad(t, kv, "%s", why);
			whack_cmd_fini(k);
			free(k);
			continue;
		}
		t->c->keys[end] = k;
	}
}

static void free_keys(struct conf_conn *c)
{
	for (int end = 0; end < 2; end++) {
		if (c->keys[end]) {
			whack_cmd_fini(c->keys[end]);
			free(c->keys[end]);
			c->keys[end] = NULL;
		}
	}
}

static int build_conn(const struct conf_section *s, const struct slot *slots,
		      const struct conf_env *env, struct conf_conn *c)
{
	struct tx t = {.c = c, .slots = slots, .env = env};
	char err[600];

	snprintf(c->name, sizeof(c->name), "%s", s->name);
	c->file = strdup(s->file);
	c->line = s->line;
	c->cmd = calloc(1, sizeof(*c->cmd));
	if (!c->file || !c->cmd)
		return -ENOMEM;
	t.cmd = c->cmd;
	if (do_aliases(&t) < 0)
		return -ENOMEM;
	do_auto(&t);

	emit(&t, WO_NAME, WHACK_END_NONE, c->name, NULL);
	t.host_af = host_family(&t);
	if (t.host_af == AF_INET6 && !get(&t, "hostaddrfamily"))
		flag(&t, WO_IPV6, NULL); /* %any6 with no address to say so */
	{
		const struct conf_kv *l = get(&t, "left"), *r = get(&t, "right");
		if (l && r && !strcasecmp(l->value, "%defaultroute") &&
		    !strcasecmp(r->value, "%defaultroute"))
			bad(&t, r,
			    "left and right are both %%defaultroute: expected one end "
			    "only (ipsec.conf(5))");
		else {
			do_host(&t, 0, l);
			do_host(&t, 1, r);
		}
	}
	flag(&t, WO_TO, NULL);
	do_type_and_auth(&t);
	for (size_t i = 0; i < conf_kw_count(); i++) {
		const struct conf_kw *kw = conf_kw_at(i);
		for (int end = 0; end < (kw->end ? 2 : 1); end++) {
			const struct conf_kv *kv = slots[i * 2 + (size_t)end].kv;
			if (kv && !kw->canon)
				do_keyword(&t, kw, end, kv);
		}
	}
	/*
	 * initial-contact= is yes unless it says no (ipsec.conf(5)); whack's
	 * own default is without it (libreswan's --initialcontact).
	 */
	const struct conf_kv *ic = get(&t, "initial-contact");
	if (!c->shunt && (!ic || !ic->value[0]))
		flag(&t, WO_INITIALCONTACT, NULL);
	do_rsakeys(&t);
	if (t.failed) {
		free_keys(c);
		whack_cmd_fini(c->cmd);
		free(c->cmd);
		c->cmd = NULL;
		return 0;
	}
	c->cmd->ops = 1ull << WOP_ADD_CONN;
	if (whack_cmd_check(c->cmd, err, sizeof(err)) < 0) {
		bad(&t, NULL, "cannot be loaded: %s", err);
		free_keys(c);
		whack_cmd_fini(c->cmd);
		free(c->cmd);
		c->cmd = NULL;
		return 0;
	}
	c->ok = true;
	return 0;
}

int conf_conns_build(const struct conf_file *f, const struct conf_env *env, struct conf_set *out,
		     struct conf_diag *d)
{
	size_t nslots = conf_kw_count() * 2;
	struct slot *dflt = NULL, *slots = NULL;
	struct merge m = {.f = f, .d = d};
	size_t nconns = 0;
	int rc;

	rc = check_keys(f, d);
	if (rc < 0)
		return rc;
	dflt = calloc(nslots, sizeof(*dflt));
	slots = calloc(nslots, sizeof(*slots));
	m.path = calloc(f->nsec + 1, sizeof(*m.path));
	m.done = calloc(f->nsec + 1, sizeof(*m.done));
	for (size_t i = 0; i < f->nsec; i++)
		nconns += f->sec[i].kind == CONF_SEC_CONN && strcmp(f->sec[i].name, "%default");
	out->v = calloc(nconns ? nconns : 1, sizeof(*out->v));
	if (!dflt || !slots || !m.path || !m.done || !out->v) {
		rc = -ENOMEM;
		goto out;
	}
	rc = fill_defaults(f, dflt, d);
	if (rc < 0)
		goto out;

	for (size_t i = 0; i < f->nsec; i++) {
		const struct conf_section *s = &f->sec[i];
		struct conf_conn *c;

		if (s->kind != CONF_SEC_CONN || !strcmp(s->name, "%default"))
			continue;
		memset(slots, 0, nslots * sizeof(*slots));
		m.slots = slots;
		m.depth = m.ndone = 0;
		merge_section(&m, s, false);
		for (size_t k = 0; k < nslots; k++) {
			if (!slots[k].kv)
				slots[k].kv = dflt[k].kv;
		}
		c = &out->v[out->n++];
		conf_diag_init(&c->diag);
		if (m.rc < 0)
			continue; /* malformed: reported, the whole file fails below */
		rc = build_conn(s, slots, env, c);
		if (rc < 0)
			goto out;
	}
	rc = m.rc;
out:
	if (rc == -ENOMEM)
		conf_diag_add(d, CONF_ERROR, NULL, 0, "out of memory building the connections");
	free(dflt);
	free(slots);
	free(m.path);
	free(m.done);
	return rc;
}

void conf_set_fini(struct conf_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct conf_conn *c = &s->v[i];
		if (c->cmd) {
			whack_cmd_fini(c->cmd);
			free(c->cmd);
		}
		free_keys(c);
		for (size_t k = 0; k < c->naliases; k++)
			free(c->aliases[k]);
		free(c->aliases);
		free(c->file);
		conf_diag_fini(&c->diag);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const struct conf_conn *conf_set_find(const struct conf_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	}
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->v[i].naliases; k++) {
			if (strcmp(s->v[i].aliases[k], name) == 0)
				return &s->v[i];
		}
	}
	return NULL;
}

const char *conf_auto_name(enum conf_auto a)
{
	static const char *const names[] = {
		[CONF_AUTO_IGNORE] = "ignore",
		[CONF_AUTO_ADD] = "add",
		[CONF_AUTO_ONDEMAND] = "ondemand",
		[CONF_AUTO_START] = "start",
	};
	return (unsigned)a < ARRAY_SIZE(names) ? names[a] : "?";
}
