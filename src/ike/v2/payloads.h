/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_PAYLOADS_H
#define SKUA_IKE_V2_PAYLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v2/types.h"
#include "util/wire.h"

/*
 * The decoded forms of the IKEv2 payload bodies (RFC 7296 section 3) and
 * one decoder and one encoder per payload. A decoder reads exactly one
 * payload body (the bytes after the generic payload header) through a
 * cursor, checks every length against the body and the caps of
 * v2_types.h, and fills its form; pointers in a form point into the
 * body, never outside it. An encoder appends a body to a writer.
 *
 * Decoders return 0 or -EBADMSG and on error set *why to a constant
 * string for the logs. Encoders return 0, -EINVAL (a form the decoder
 * would refuse: we never send what we would not accept) or -EMSGSIZE.
 *
 * Owner: the caller, for every form; a decoded form borrows the buffer it
 * was decoded from and is valid as long as that buffer is.
 */

/* KE (RFC 7296 3.4). */
struct v2_ke {
	uint16_t group;			/* enum v2_dh */
	uint16_t len;
	const uint8_t *data;
};

/* IDi, IDr (RFC 7296 3.5). */
struct v2_id {
	uint8_t type;			/* enum v2_id_type */
	uint16_t len;
	const uint8_t *data;
};

/* AUTH (RFC 7296 3.8). */
struct v2_auth {
	uint8_t method;			/* enum v2_auth_method */
	uint16_t len;
	const uint8_t *data;
};

/* Ni, Nr (RFC 7296 3.9). */
struct v2_nonce {
	uint16_t len;
	const uint8_t *data;
};

/* N (RFC 7296 3.10). */
struct v2_notification {
	uint8_t protocol;		/* enum v2_protocol; 0 when there is no SPI */
	uint8_t spi_size;		/* 0, 4 or 8 */
	uint16_t type;			/* enum v2_notify */
	uint8_t spi[8];
	uint16_t len;
	const uint8_t *data;
};

/* D (RFC 7296 3.11): nspi SPIs of spi_size bytes each, back to back. */
struct v2_delete {
	uint8_t protocol;		/* enum v2_protocol */
	uint8_t spi_size;		/* 0 for IKE, 4 for ESP and AH */
	uint16_t nspi;
	const uint8_t *spis;
};

/* CERT and CERTREQ (RFC 7296 3.6, 3.7). */
struct v2_cert {
	uint8_t encoding;		/* enum v2_cert_encoding */
	uint16_t len;
	const uint8_t *data;
};

/* V (RFC 7296 3.12). */
struct v2_vendor {
	uint16_t len;
	const uint8_t *data;
};

/* One traffic selector (RFC 7296 3.13.1); addresses are 4 or 16 bytes by type. */
struct v2_ts_one {
	uint8_t type;			/* enum v2_ts_type */
	uint8_t ipproto;		/* 0: any */
	uint16_t sport, eport;		/* 65535..0 is OPAQUE */
	uint8_t start[16];
	uint8_t end[16];
};

/* TSi, TSr (RFC 7296 3.13). */
struct v2_ts {
	uint8_t n;
	struct v2_ts_one ts[V2_MAX_TS];
};

/* One configuration attribute (RFC 7296 3.15.1). */
struct v2_cp_attr {
	uint16_t type;			/* enum v2_cfg_attr, 15 bits */
	uint16_t len;
	const uint8_t *value;
};

/* CP (RFC 7296 3.15). */
struct v2_cp {
	uint8_t type;			/* enum v2_cfg_type */
	uint8_t nattrs;
	struct v2_cp_attr attrs[V2_MAX_CP_ATTRS];
};

/* EAP (RFC 7296 3.16): the whole EAP message, its header already checked. */
struct v2_eap {
	uint8_t code;			/* enum v2_eap_code */
	uint8_t id;
	uint8_t type;			/* 0 for Success and Failure */
	uint16_t len;			/* == the EAP Length field */
	const uint8_t *msg;
};

/* The address length of a traffic selector type; 0 for an unknown type. */
size_t v2_ts_addr_len(uint8_t ts_type);

/* A payload type's short name for logs ("SA", "IDi", ...); "?" when unknown. */
const char *v2_pl_name(uint8_t type);

/*
 * Whether the codec knows the type (else it is skipped, or refused when
 * critical), and whether it is only legal inside SK (then no decoder is
 * ever run on it outside SK).
 * Context: any thread; pure.
 */
bool v2_pl_is_known(uint8_t type);
bool v2_pl_is_sk_only(uint8_t type);

/*
 * The decoders. w spans exactly one payload body. Context: any thread;
 * pure; no allocation.
 */
int v2_pl_sa_decode(struct wire *w, struct v2_sa *sa, const char **why);
int v2_pl_ke_decode(struct wire *w, struct v2_ke *ke, const char **why);
int v2_pl_id_decode(struct wire *w, struct v2_id *id, const char **why);
int v2_pl_auth_decode(struct wire *w, struct v2_auth *auth, const char **why);
int v2_pl_nonce_decode(struct wire *w, struct v2_nonce *n, const char **why);
int v2_pl_notify_decode(struct wire *w, struct v2_notification *n, const char **why);
int v2_pl_delete_decode(struct wire *w, struct v2_delete *d, const char **why);
int v2_pl_cert_decode(struct wire *w, struct v2_cert *c, const char **why);
int v2_pl_certreq_decode(struct wire *w, struct v2_cert *c, const char **why);
int v2_pl_vendor_decode(struct wire *w, struct v2_vendor *v, const char **why);
int v2_pl_ts_decode(struct wire *w, struct v2_ts *ts, const char **why);
int v2_pl_cp_decode(struct wire *w, struct v2_cp *cp, const char **why);
int v2_pl_eap_decode(struct wire *w, struct v2_eap *eap, const char **why);

/*
 * The encoders: append one payload body to b. Context: any thread; pure;
 * b is the caller's.
 */
int v2_pl_sa_encode(struct wbuf *b, const struct v2_sa *sa);
int v2_pl_ke_encode(struct wbuf *b, const struct v2_ke *ke);
int v2_pl_id_encode(struct wbuf *b, const struct v2_id *id);
int v2_pl_auth_encode(struct wbuf *b, const struct v2_auth *auth);
int v2_pl_nonce_encode(struct wbuf *b, const struct v2_nonce *n);
int v2_pl_notify_encode(struct wbuf *b, const struct v2_notification *n);
int v2_pl_delete_encode(struct wbuf *b, const struct v2_delete *d);
int v2_pl_cert_encode(struct wbuf *b, const struct v2_cert *c);
int v2_pl_certreq_encode(struct wbuf *b, const struct v2_cert *c);
int v2_pl_vendor_encode(struct wbuf *b, const struct v2_vendor *v);
int v2_pl_ts_encode(struct wbuf *b, const struct v2_ts *ts);
int v2_pl_cp_encode(struct wbuf *b, const struct v2_cp *cp);
int v2_pl_eap_encode(struct wbuf *b, const struct v2_eap *eap);

#endif
