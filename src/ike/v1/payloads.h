/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_PAYLOADS_H
#define SKUA_IKE_V1_PAYLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/v1/types.h"
#include "util/wire.h"

/*
 * The decoded forms of the ISAKMP payload bodies (RFC 2408 section 3, the
 * IPsec DOI's RFC 2407 4.6, RFC 3947 and the Mode Config draft) and one
 * decoder and one encoder per payload, as the IKEv2 codec does: a decoder
 * reads exactly one payload body (the bytes after the generic header)
 * through a cursor and checks every length against the body and the caps
 * of v1/types.h; pointers in a form point into the body. An encoder
 * appends a body to a writer and refuses (-EINVAL) a form its decoder
 * would refuse.
 *
 * Decoders return 0 or -EBADMSG with *why set to a constant string; the
 * SA decoder also returns -EPROTONOSUPPORT for a DOI other than IPsec and
 * -ENOTSUP for a situation other than SIT_IDENTITY_ONLY (each its own
 * notify). Encoders return 0, -EINVAL or -EMSGSIZE.
 *
 * Owner: the caller, for every form; a decoded form borrows the buffer it
 * was decoded from.
 */

/*
 * One data attribute (RFC 2408 3.3). A basic (TV) attribute has its value
 * in the length field: len 2, val NULL, value set. A variable (TLV) one has
 * len bytes at val; value holds them as a number when len <= 8.
 */
struct v1_attr {
	uint16_t type;			/* without the AF bit */
	bool basic;
	uint16_t len;
	const uint8_t *val;
	uint64_t value;
	bool value_ok;			/* value is the whole attribute value */
};

/* One transform (RFC 2408 3.6); its attributes are sa->attr[first_attr ...]. */
struct v1_transform {
	uint8_t num;
	uint8_t id;			/* KEY_IKE, ESP_AES, ... */
	uint16_t first_attr;
	uint16_t nattr;
};

/* One proposal (RFC 2408 3.5); its transforms are sa->trans[first_trans ...]. */
struct v1_proposal {
	uint8_t num;
	uint8_t protocol;		/* enum v1_protocol */
	uint8_t spi_size;
	uint8_t spi[V1_SPI_MAX];
	uint16_t first_trans;
	uint8_t ntrans;
};

/* SA (RFC 2408 3.4 with the IPsec DOI, RFC 2407 4.6.1). */
struct v1_sa {
	uint32_t doi;
	uint32_t situation;
	uint8_t nprop;
	uint16_t ntrans;
	uint16_t nattr;
	struct v1_proposal prop[V1_MAX_PROPOSALS];
	struct v1_transform trans[V1_MAX_TRANSFORMS];
	struct v1_attr attr[V1_MAX_ATTRS];
};

/* KE, HASH, SIG, NONCE, VID, NAT-D: an opaque value. */
struct v1_blob {
	uint16_t len;
	const uint8_t *data;
};

/* ID (RFC 2407 4.6.2). */
struct v1_id {
	uint8_t type;			/* enum v1_id_type */
	uint8_t protocol;		/* IP protocol, 0: any */
	uint16_t port;
	uint16_t len;
	const uint8_t *data;
};

/* CERT and CR (RFC 2408 3.9, 3.10). */
struct v1_cert {
	uint8_t encoding;		/* enum v1_cert_encoding */
	uint16_t len;
	const uint8_t *data;		/* CR: the CA's DN, possibly empty */
};

/* N (RFC 2408 3.14). */
struct v1_notification {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;			/* enum v1_notify */
	uint8_t spi[V1_SPI_MAX];
	uint16_t len;
	const uint8_t *data;
};

/* D (RFC 2408 3.15): nspi SPIs of spi_size bytes each. */
struct v1_delete {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t nspi;
	const uint8_t *spis;
};

/* NAT-OA (RFC 3947 5.2). */
struct v1_nat_oa {
	uint8_t id_type;		/* IPV4_ADDR or IPV6_ADDR */
	uint8_t addr[16];
	uint8_t addr_len;
};

/* One Mode Config / XAUTH attribute (draft-dukes-ike-mode-cfg 3.2). */
struct v1_cfg_attr {
	uint16_t type;			/* without the AF bit */
	bool basic;
	uint16_t len;
	const uint8_t *val;		/* NULL for a basic attribute */
	uint16_t value;			/* a basic attribute's value */
};

/* The attribute payload (draft-dukes-ike-mode-cfg 3.1). */
struct v1_cfg {
	uint8_t type;			/* enum v1_cfg_type */
	uint16_t identifier;
	uint8_t nattr;
	struct v1_cfg_attr attr[V1_MAX_CFG_ATTRS];
};

/* A payload type's short name for logs ("SA", "KE", ...); "?" when unknown. */
const char *v1_pl_name(uint8_t type);

/* Whether the codec decodes this type at the top of a message. Context: any; pure. */
bool v1_pl_is_known(uint8_t type);

/* The attribute of transform t with that type, or NULL. Context: any; pure. */
const struct v1_attr *v1_sa_attr(const struct v1_sa *sa, const struct v1_transform *t,
				 uint16_t type);

/* The decoders. w spans exactly one payload body. Context: any; pure; no allocation. */
int v1_pl_sa_decode(struct wire *w, struct v1_sa *sa, const char **why);
int v1_pl_blob_decode(struct wire *w, uint8_t type, struct v1_blob *b, const char **why);
int v1_pl_id_decode(struct wire *w, struct v1_id *id, const char **why);
int v1_pl_cert_decode(struct wire *w, struct v1_cert *c, const char **why);
int v1_pl_cr_decode(struct wire *w, struct v1_cert *c, const char **why);
int v1_pl_notify_decode(struct wire *w, struct v1_notification *n, const char **why);
int v1_pl_delete_decode(struct wire *w, struct v1_delete *d, const char **why);
int v1_pl_nat_oa_decode(struct wire *w, struct v1_nat_oa *oa, const char **why);
int v1_pl_cfg_decode(struct wire *w, struct v1_cfg *cfg, const char **why);

/* The encoders: append one payload body to b. Context: any; pure. */
int v1_pl_sa_encode(struct wbuf *b, const struct v1_sa *sa);
int v1_pl_blob_encode(struct wbuf *b, uint8_t type, const struct v1_blob *bl);
int v1_pl_id_encode(struct wbuf *b, const struct v1_id *id);
int v1_pl_cert_encode(struct wbuf *b, const struct v1_cert *c);
int v1_pl_cr_encode(struct wbuf *b, const struct v1_cert *c);
int v1_pl_notify_encode(struct wbuf *b, const struct v1_notification *n);
int v1_pl_delete_encode(struct wbuf *b, const struct v1_delete *d);
int v1_pl_nat_oa_encode(struct wbuf *b, const struct v1_nat_oa *oa);
int v1_pl_cfg_encode(struct wbuf *b, const struct v1_cfg *cfg);

/*
 * Appending an SA form: start with v1_sa_init(), then a proposal, its
 * transforms, their attributes, in order. Each returns 0 or -ENOSPC when a
 * cap of v1/types.h is reached. Context: any; pure.
 */
void v1_sa_init(struct v1_sa *sa);
int v1_sa_add_proposal(struct v1_sa *sa, uint8_t num, uint8_t protocol, const uint8_t *spi,
		       uint8_t spi_size);
int v1_sa_add_transform(struct v1_sa *sa, uint8_t num, uint8_t id);
int v1_sa_add_basic(struct v1_sa *sa, uint16_t type, uint16_t value);
int v1_sa_add_long(struct v1_sa *sa, uint16_t type, uint32_t value);

#endif
