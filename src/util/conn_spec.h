/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_UTIL_CONN_SPEC_H
#define SKUA_UTIL_CONN_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"

/*
 * A connection description as the whack connection form (or a conn
 * section) gives it: plain, typed, validated data. It lives in util
 * because whack (which may use only the protocol and util), the ctl
 * loader and the IKE engine all read it; it holds no behaviour.
 * docs/design.md says why.
 *
 * Owner: whoever built it; strings are owned and freed by conn_spec_fini().
 */

#define CONN_NAME_MAX 64

enum conn_host_kind {
	HOST_ADDR,		/* a literal address */
	HOST_ANY,		/* %any (or the obsolete 0.0.0.0): road warrior */
	HOST_OPPORTUNISTIC,	/* %opportunistic */
};

enum sendcert { SENDCERT_DEFAULT, SENDCERT_ALWAYS, SENDCERT_IFASKED, SENDCERT_NEVER };
enum sendca { SENDCA_DEFAULT, SENDCA_NONE, SENDCA_ISSUER, SENDCA_ALL };	/* default: issuer */

/* --authby on one end (libreswan's leftauth=); AUTHBY_DEFAULT: the connection-wide flags */
enum conn_authby {
	AUTHBY_DEFAULT,
	AUTHBY_PSK,		/* psk, secret */
	AUTHBY_RSASIG,		/* rsasig, rsa */
	AUTHBY_ECDSA,
	AUTHBY_EDDSA,		/* Skua: Ed25519, Ed448 (RFC 8420) */
	AUTHBY_NULL,
	AUTHBY_EAPONLY,
};

/* Hashes of --rsa-sha1, --rsa-sha2[_N], --ecdsa-sha2[_N]: bits of conn_spec.{rsa,ecdsa}_hashes */
enum conn_sighash {
	SIGHASH_SHA1 = 1u << 0,
	SIGHASH_SHA2_256 = 1u << 1,
	SIGHASH_SHA2_384 = 1u << 2,
	SIGHASH_SHA2_512 = 1u << 3,
	SIGHASH_SHA2 = SIGHASH_SHA2_256 | SIGHASH_SHA2_384 | SIGHASH_SHA2_512,
};
enum dpd_action { DPD_ACTION_HOLD, DPD_ACTION_CLEAR, DPD_ACTION_RESTART };
enum shunt_kind { SHUNT_NONE, SHUNT_TRAP, SHUNT_PASS, SHUNT_DROP, SHUNT_REJECT };
/* --fragmentation (RFC 7383): yes announces and uses it when the peer does; force uses it anyway */
enum conn_frag { FRAG_YES, FRAG_NO, FRAG_FORCE };
/* --send-redirect (RFC 5685): auto redirects while pluto is in DDoS busy mode */
enum conn_redirect { REDIRECT_NO, REDIRECT_YES, REDIRECT_AUTO };

struct conn_end_spec {
	enum conn_host_kind host_kind;
	struct ip_addr host;		/* HOST_ADDR */
	char *id;			/* --id as given, or NULL (defaults to host) */
	char *cert;			/* --cert friendly name */
	char *ckaid;			/* hex */
	char *ca;			/* DN */
	char *groups;
	enum sendcert sendcert;
	enum sendca sendca;
	enum conn_authby authby;	/* --authby */
	int certtype;			/* -1 unset */
	uint16_t ikeport;		/* default 500 */
	struct ip_addr nexthop;		/* AF_UNSPEC: %direct (the peer) */
	bool has_client;
	struct ip_subnet client;	/* --client */
	uint8_t protocol;		/* --clientprotoport: 0 = all */
	uint16_t port;			/* 0 = all (%any) */
	bool has_port;
	struct ip_addr srcip;		/* AF_UNSPEC: unset */
	bool xauth_server, xauth_client;
	bool modecfg_server, modecfg_client;
	char *modecfg_dns;		/* comma separated addresses */
	char *modecfg_domains;
	char *modecfg_banner;
	char *modecfg_pcscf;		/* --modecfgpcscf: P-CSCF servers (RFC 7651), comma separated */
	char *addresspool;		/* --addresspool: where this end's addresses come from */
	bool dnskey_ondemand;
	char *updown;			/* NULL: the default script */
};

/* --xauthby: how an XAUTH server checks a user's password. */
enum conn_xauthby { XAUTHBY_FILE = 0, XAUTHBY_PAM, XAUTHBY_ALWAYSOK };

/* --xauthfail: what a wrong password does (hard: the ISAKMP SA goes). */
enum conn_xauthfail { XAUTHFAIL_HARD = 0, XAUTHFAIL_SOFT };

/* Policy bits of the connection form. */
enum conn_policy {
	POL_PSK = 1u << 0,
	POL_RSASIG = 1u << 1,
	POL_ENCRYPT = 1u << 2,
	POL_AUTHENTICATE = 1u << 3,
	POL_COMPRESS = 1u << 4,
	POL_TUNNEL = 1u << 5,
	POL_PFS = 1u << 6,
	POL_DONT_REKEY = 1u << 7,
	POL_AGGRESSIVE = 1u << 8,
	POL_MODECFG_PULL = 1u << 9,
	POL_FORCEENCAPS = 1u << 10,
	POL_NO_KEEPALIVE = 1u << 11,
	POL_IKEV1 = 1u << 12,
	POL_IKEV2 = 1u << 13,
	POL_ECDSA = 1u << 14,		/* --ecdsa */
	POL_AUTH_NULL = 1u << 15,	/* --auth-null (RFC 7619) */
	POL_AUTH_NEVER = 1u << 16,	/* --auth-never */
	POL_INITIAL_CONTACT = 1u << 17,	/* --initialcontact (initial-contact=yes) */
};

#define IKE_LIFETIME_DEFAULT 3600
#define IKE_LIFETIME_MAX 86400
#define IPSEC_LIFETIME_DEFAULT 28800
#define IPSEC_LIFETIME_MAX 86400
#define REKEYMARGIN_DEFAULT 540
#define REKEYFUZZ_DEFAULT 100
#define DPDDELAY_DEFAULT 30
#define DPDTIMEOUT_DEFAULT 120

struct conn_spec {
	char name[CONN_NAME_MAX + 1];
	struct conn_end_spec end[2];	/* [0] left (before --to), [1] right */
	sa_family_t host_af;		/* AF_INET unless --ipv6 */
	sa_family_t client_af;		/* --tunnelipv4/6, default host_af */
	uint32_t policy;		/* enum conn_policy bits */
	uint8_t rsa_hashes;		/* enum conn_sighash: --rsa-sha1, --rsa-sha2[_N]; 0: none given */
	uint8_t ecdsa_hashes;		/* enum conn_sighash: --ecdsa-sha2_N; 0: none given */
	int pfsgroup;			/* DH group number, 0: same as IKE */
	uint32_t ike_lifetime;		/* seconds */
	uint32_t ipsec_lifetime;
	uint32_t rekeymargin;
	uint32_t rekeyfuzz;		/* percent */
	uint64_t ipsec_max_bytes;	/* --ipsec-max-bytes: an IPsec SA's hard limit, 0: none */
	uint64_t ipsec_max_packets;	/* --ipsec-max-packets, the same */
	uint32_t keyingtries;		/* 0: forever */
	char *esp;			/* proposal string or NULL for defaults */
	char *ike;			/* proposal string or NULL for defaults */
	uint32_t metric;
	int nflog_group;		/* 0 unset */
	uint32_t conn_mark, conn_mask;	/* --conn-mark mark/mask */
	bool has_conn_mark;
	uint32_t dpd_delay, dpd_timeout;
	bool has_dpd;
	enum dpd_action dpd_action;
	uint8_t xauthby;		/* enum conn_xauthby: --xauthby (XAUTH server) */
	uint8_t xauthfail;		/* enum conn_xauthfail: --xauthfail */
	enum shunt_kind prospective;	/* --initiateontraffic (trap), --pass, --drop, --reject */
	enum shunt_kind failure;	/* --failnone / pass / drop / reject */
	bool replace;			/* --delete in the connection form */
	enum conn_frag fragmentation;	/* --fragmentation */
	enum conn_redirect send_redirect;	/* --send-redirect: its clients go to redirect_to */
	char *redirect_to;		/* --redirect-to in the connection form: addresses, or NULL */
	bool accept_redirect;		/* --accept-redirect: we follow a gateway's REDIRECT */
	char *accept_redirect_to;	/* --accept-redirect-to: only to these addresses; NULL: any */
};

/*
 * A shunt-only connection: --pass, --drop or --reject without --encrypt or
 * --authenticate (ipsec.conf type=passthrough|drop|reject). It is routed
 * as that shunt and never negotiated.
 */
static inline bool conn_spec_is_shunt(const struct conn_spec *s)
{
	return !(s->policy & (POL_ENCRYPT | POL_AUTHENTICATE)) &&
	       (s->prospective == SHUNT_PASS || s->prospective == SHUNT_DROP ||
		s->prospective == SHUNT_REJECT);
}

/* Context: any thread. Fills the documented defaults. */
void conn_spec_init(struct conn_spec *s);

/* Frees the owned strings; the struct is left re-initialisable. */
void conn_spec_fini(struct conn_spec *s);

/*
 * A deep copy (strings duplicated). Returns 0 or -ENOMEM (dst is then
 * left empty and safe to fini).
 */
int conn_spec_copy(struct conn_spec *dst, const struct conn_spec *src);

/*
 * A connection name is used in updown commands and log lines: letters,
 * digits and "-_.@+:" only, 1..CONN_NAME_MAX long.
 */
bool conn_name_is_valid(const char *name);

/*
 * An instance's name as whack names it for --terminate, --delete and the
 * like: rw[3], "rw"[3] or "rw[3]" (rw a valid name, 3 a positive number).
 */
bool conn_instance_name_is_valid(const char *name);

#endif
