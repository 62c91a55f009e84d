/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_CONFIG_KW_H
#define SKUA_CTL_CONFIG_KW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/proto/whack_opts.h"

/*
 * The conn keywords of libreswan's ipsec.conf(5) (version 4), each with
 * what Skua does with it: the whack connection-form option it becomes
 * (so that its value is checked by whack's own validator), a small value
 * map, a special rule (config_conn.c), or an honest refusal naming the
 * capability that has not landed. A keyword absent from this table is
 * unknown: an error. docs/config.md lists the same in prose.
 */

enum conf_kw_kind {
	KW_OPT,		/* the value (converted by vtype) is the whack option's value */
	KW_MAP,		/* the value picks an entry of map */
	KW_SPECIAL,	/* a rule of its own in config_conn.c (sp) */
	KW_NOT_YET,	/* any value but the fine ones names what has not landed (what) */
	KW_NO_EFFECT,	/* accepted; does nothing, as in libreswan with IKEv2 and XFRM */
	KW_OBSOLETE,	/* libreswan warns and ignores it: so does Skua */
};

/* How a KW_OPT value is converted before whack checks it. */
enum conf_vtype {
	VT_STR,		/* as written */
	VT_TIME,	/* 90, 90s, 1.5m, 8h, 1d: whole seconds */
	VT_PERCENT,	/* 100 or 100% */
};

/* What one value of a KW_MAP keyword does. */
enum conf_act {
	ACT_NONE,	/* accepted: it is what Skua does anyway */
	ACT_FLAG,	/* adds the whack flag opt */
	ACT_NOT_YET,	/* asks for what has not landed (what) */
};

struct conf_kv_val {
	const char *value;	/* NULL ends the map */
	enum conf_act act;
	enum whack_opt opt;	/* ACT_FLAG */
};

enum conf_special {
	SP_NONE,
	SP_HOST, SP_SUBNET, SP_SOURCEIP, SP_NEXTHOP, SP_UPDOWN, SP_ID, SP_RSASIGKEY, SP_AUTH,
	SP_TYPE, SP_AUTHBY, SP_AUTO, SP_ALSO, SP_ALSOFLIP, SP_CONNALIAS, SP_KEYINGTRIES, SP_MARK,
	SP_DPDACTION, SP_SENDCA, SP_MODECFGSERVER, SP_MODECFGCLIENT, SP_XAUTHSERVER, SP_XAUTHCLIENT, SP_MODECFGDNS, SP_MODECFGPCSCF,
	SP_MODECFGDOMAINS,
	SP_MODECFGBANNER,	/* connection-wide: both ends' --modecfgbanner */
};

struct conf_kw {
	const char *name;		/* without left/right for per-end keywords */
	bool end;			/* leftNAME and rightNAME */
	enum conf_kw_kind kind;
	enum whack_opt opt;		/* KW_OPT */
	enum conf_vtype vtype;		/* KW_OPT */
	const struct conf_kv_val *map;	/* KW_MAP */
	bool others_not_yet;		/* KW_MAP: an unlisted value is not yet (else bad) */
	const char *fine;		/* KW_NOT_YET: "no|never": values asking nothing missing */
	const char *what;		/* KW_NOT_YET, ACT_NOT_YET: the capability; or why not */
	enum conf_special sp;		/* KW_SPECIAL */
	const char *canon;		/* an alias: the name it stands for */
};

/*
 * Find the keyword a conn key names ("leftsubnet", "salifetime"). Returns
 * the table entry (its canonical one for an alias) and sets *end to 0
 * (left, or a connection-wide keyword) or 1 (right); NULL when unknown.
 * Context: any thread; pure.
 */
const struct conf_kw *conf_kw_find(const char *key, int *end);

/* The entry's index in the table (0..conf_kw_count()-1), for per-keyword arrays. */
size_t conf_kw_index(const struct conf_kw *kw);
size_t conf_kw_count(void);
const struct conf_kw *conf_kw_at(size_t i);

/*
 * A duration as ipsec.conf(5) writes it: an integer optionally followed by
 * s, or a decimal number followed by m, h or d. Returns 0 with whole
 * seconds in *secs, -EINVAL (malformed, or not a whole number of seconds)
 * or -ERANGE (more than a year).
 */
int conf_parse_time(const char *v, uint32_t *secs);

/* yes/no (true/false): 1, 0, or -1 when neither. */
int conf_parse_bool(const char *v);

/* v is one of the '|'-separated words of list (case-insensitive). */
bool conf_word_in(const char *v, const char *list);

#endif
