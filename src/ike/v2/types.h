/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_TYPES_H
#define SKUA_IKE_V2_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * IKEv2 numbers (RFC 7296 and the IANA "IKEv2 Parameters" registry) and
 * the limits every decoder enforces, in one header. The SA payload's
 * decoded form (struct v2_sa) is shared by the codec, the proposal
 * matcher and the exchanges.
 */

enum v2_limits {
	V2_HDR_SIZE = 28,
	V2_MSG_MAX = 65535,		/* IKE message length field is 32 bits; we refuse more */
	V2_MAX_PROPOSALS = 32,		/* per SA payload */
	V2_MAX_TRANSFORMS = 64,		/* per proposal */
	V2_MAX_PAYLOADS = 64,		/* per message, inner and outer together */
	V2_MAX_TS = 16,			/* traffic selectors per TS payload */
	V2_MAX_NOTIFIES = 32,
	V2_MAX_FRAGMENTS = 32,		/* RFC 7383 fragments per message */
	V2_NONCE_MIN = 16,		/* RFC 7296 2.10 */
	V2_NONCE_MAX = 256,
	V2_SPI_SIZE = 8,
	V2_KE_MAX = 1024,		/* MODP-8192 public value */
	V2_ID_MAX = 1024,
	V2_AUTH_MAX = 4096,		/* an RSA-16384 signature with its RFC 7427 header */
	V2_COOKIE_MAX = 64,		/* RFC 7296 2.6: 1..64 bytes */
	/* codec caps (v2_msg.c, v2_payloads.c, v2_frag.c) */
	V2_MAX_SA_PAYLOADS = 2,		/* decoded SA forms per message (outer + inner) */
	V2_MAX_TS_PAYLOADS = 4,		/* decoded TS forms per message */
	V2_MAX_CP_PAYLOADS = 2,		/* decoded CP forms per message */
	V2_MAX_CP_ATTRS = 32,		/* attributes per CP payload */
	V2_MAX_DELETE_SPIS = 1024,	/* SPIs per Delete payload */
	V2_NAT_D_SIZE = 20,		/* RFC 7296 2.23: SHA-1 digest */
	V2_GEN_HDR_SIZE = 4,		/* generic payload header */
	V2_SKF_HDR_SIZE = 8,		/* RFC 7383 2.5: generic header, number, total */
	V2_FRAG_BYTES_MAX = 65535,	/* reassembled plaintext per message */
};

enum v2_exchange {
	V2_IKE_SA_INIT = 34,
	V2_IKE_AUTH = 35,
	V2_CREATE_CHILD_SA = 36,
	V2_INFORMATIONAL = 37,
};

/* Header flags (RFC 7296 3.1). */
enum v2_flags {
	V2_FLAG_INITIATOR = 0x08,
	V2_FLAG_VERSION = 0x10,
	V2_FLAG_RESPONSE = 0x20,
};

enum v2_payload_type {
	V2_PL_NONE = 0,
	V2_PL_SA = 33,
	V2_PL_KE = 34,
	V2_PL_IDI = 35,
	V2_PL_IDR = 36,
	V2_PL_CERT = 37,
	V2_PL_CERTREQ = 38,
	V2_PL_AUTH = 39,
	V2_PL_NONCE = 40,
	V2_PL_NOTIFY = 41,
	V2_PL_DELETE = 42,
	V2_PL_VENDOR = 43,
	V2_PL_TSI = 44,
	V2_PL_TSR = 45,
	V2_PL_SK = 46,
	V2_PL_CP = 47,
	V2_PL_EAP = 48,
	V2_PL_SKF = 53,			/* RFC 7383 */
};

enum v2_protocol {
	V2_PROTO_IKE = 1,
	V2_PROTO_AH = 2,
	V2_PROTO_ESP = 3,
};

enum v2_transform_type {
	V2_TRANS_ENCR = 1,
	V2_TRANS_PRF = 2,
	V2_TRANS_INTEG = 3,
	V2_TRANS_DH = 4,		/* "Key Exchange Method" since RFC 9370 */
	V2_TRANS_ESN = 5,
};

enum v2_encr {
	V2_ENCR_3DES = 3,
	V2_ENCR_NULL = 11,
	V2_ENCR_AES_CBC = 12,
	V2_ENCR_AES_CTR = 13,
	V2_ENCR_AES_GCM_8 = 18,
	V2_ENCR_AES_GCM_12 = 19,
	V2_ENCR_AES_GCM_16 = 20,
	V2_ENCR_CHACHA20_POLY1305 = 28,
};

enum v2_prf {
	V2_PRF_HMAC_MD5 = 1,
	V2_PRF_HMAC_SHA1 = 2,
	V2_PRF_AES128_XCBC = 4,
	V2_PRF_HMAC_SHA2_256 = 5,
	V2_PRF_HMAC_SHA2_384 = 6,
	V2_PRF_HMAC_SHA2_512 = 7,
};

enum v2_integ {
	V2_INTEG_NONE = 0,
	V2_INTEG_HMAC_MD5_96 = 1,
	V2_INTEG_HMAC_SHA1_96 = 2,
	V2_INTEG_AES_XCBC_96 = 5,
	V2_INTEG_HMAC_SHA2_256_128 = 12,
	V2_INTEG_HMAC_SHA2_384_192 = 13,
	V2_INTEG_HMAC_SHA2_512_256 = 14,
};

enum v2_dh {
	V2_DH_NONE = 0,
	V2_DH_MODP1024 = 2,
	V2_DH_MODP1536 = 5,
	V2_DH_MODP2048 = 14,
	V2_DH_MODP3072 = 15,
	V2_DH_MODP4096 = 16,
	V2_DH_MODP6144 = 17,
	V2_DH_MODP8192 = 18,
	V2_DH_ECP256 = 19,
	V2_DH_ECP384 = 20,
	V2_DH_ECP521 = 21,
	V2_DH_MODP1024_160 = 22,
	V2_DH_MODP2048_224 = 23,
	V2_DH_MODP2048_256 = 24,
	V2_DH_CURVE25519 = 31,
	V2_DH_CURVE448 = 32,
};

enum v2_esn {
	V2_ESN_NO = 0,
	V2_ESN_YES = 1,
};

enum { V2_ATTR_KEY_LENGTH = 14 };	/* TV attribute, AF bit set */

enum v2_id_type {
	V2_ID_IPV4_ADDR = 1,
	V2_ID_FQDN = 2,
	V2_ID_RFC822_ADDR = 3,
	V2_ID_IPV6_ADDR = 5,
	V2_ID_DER_ASN1_DN = 9,
	V2_ID_DER_ASN1_GN = 10,
	V2_ID_KEY_ID = 11,
	V2_ID_NULL = 13,		/* RFC 7619 */
};

enum v2_auth_method {
	V2_AUTH_RSA_SIG = 1,
	V2_AUTH_PSK = 2,		/* Shared Key Message Integrity Code */
	V2_AUTH_DSS_SIG = 3,
	V2_AUTH_ECDSA_256 = 9,
	V2_AUTH_ECDSA_384 = 10,
	V2_AUTH_ECDSA_521 = 11,
	V2_AUTH_NULL = 13,		/* RFC 7619 */
	V2_AUTH_DIGITAL_SIG = 14,	/* RFC 7427 */
};

/* SIGNATURE_HASH_ALGORITHMS values (RFC 7427 4, RFC 8420 2). */
enum v2_hash_alg {
	V2_HASH_SHA1 = 1,
	V2_HASH_SHA2_256 = 2,
	V2_HASH_SHA2_384 = 3,
	V2_HASH_SHA2_512 = 4,
	V2_HASH_IDENTITY = 5,		/* EdDSA: the message itself is signed */
};

enum v2_ts_type {
	V2_TS_IPV4_ADDR_RANGE = 7,
	V2_TS_IPV6_ADDR_RANGE = 8,
};

/* Certificate encodings (RFC 7296 3.6), CERT and CERTREQ. */
enum v2_cert_encoding {
	V2_CERT_PKCS7_X509 = 1,
	V2_CERT_X509_SIG = 4,
	V2_CERT_CRL = 7,
	V2_CERT_RAW_RSA = 11,
	V2_CERT_HASH_URL_X509 = 12,
	V2_CERT_HASH_URL_BUNDLE = 13,
	V2_CERT_RAW_PUBLIC_KEY = 15,	/* RFC 7670 */
};

/* Configuration payload (RFC 7296 3.15). */
enum v2_cfg_type {
	V2_CFG_REQUEST = 1,
	V2_CFG_REPLY = 2,
	V2_CFG_SET = 3,
	V2_CFG_ACK = 4,
};

enum v2_cfg_attr {
	V2_CFG_INTERNAL_IP4_ADDRESS = 1,
	V2_CFG_INTERNAL_IP4_NETMASK = 2,
	V2_CFG_INTERNAL_IP4_DNS = 3,
	V2_CFG_INTERNAL_IP4_NBNS = 4,
	V2_CFG_INTERNAL_IP4_DHCP = 6,
	V2_CFG_APPLICATION_VERSION = 7,
	V2_CFG_INTERNAL_IP6_ADDRESS = 8,
	V2_CFG_INTERNAL_IP6_DNS = 10,
	V2_CFG_INTERNAL_IP6_DHCP = 12,
	V2_CFG_INTERNAL_IP4_SUBNET = 13,
	V2_CFG_SUPPORTED_ATTRIBUTES = 14,
	V2_CFG_INTERNAL_IP6_SUBNET = 15,
	V2_CFG_P_CSCF_IP4_ADDRESS = 20,		/* RFC 7651 */
	V2_CFG_P_CSCF_IP6_ADDRESS = 21,		/* RFC 7651 */
	V2_CFG_INTERNAL_DNS_DOMAIN = 25,	/* RFC 8598 */
	V2_CFG_INTERNAL_DNSSEC_TA = 26,		/* RFC 8598 */
	/*
	 * The private-use values 3GPP TS 24.302 gave the P-CSCF addresses
	 * before RFC 7651; older handsets still ask with them. Read by the
	 * value's length (4 or 16 bytes), answered with the type asked for.
	 */
	V2_CFG_P_CSCF_LEGACY_A = 16389,
	V2_CFG_P_CSCF_LEGACY_B = 16390,
};

/* EAP codes (RFC 3748 4). */
enum v2_eap_code {
	V2_EAP_REQUEST = 1,
	V2_EAP_RESPONSE = 2,
	V2_EAP_SUCCESS = 3,
	V2_EAP_FAILURE = 4,
};

/* Notify message types (RFC 7296 3.10.1 and later RFCs). */
enum v2_notify {
	/* errors */
	V2N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	V2N_INVALID_IKE_SPI = 4,
	V2N_INVALID_MAJOR_VERSION = 5,
	V2N_INVALID_SYNTAX = 7,
	V2N_INVALID_MESSAGE_ID = 9,
	V2N_INVALID_SPI = 11,
	V2N_NO_PROPOSAL_CHOSEN = 14,
	V2N_INVALID_KE_PAYLOAD = 17,
	V2N_AUTHENTICATION_FAILED = 24,
	V2N_SINGLE_PAIR_REQUIRED = 34,
	V2N_NO_ADDITIONAL_SAS = 35,
	V2N_INTERNAL_ADDRESS_FAILURE = 36,
	V2N_FAILED_CP_REQUIRED = 37,
	V2N_TS_UNACCEPTABLE = 38,
	V2N_INVALID_SELECTORS = 39,
	V2N_TEMPORARY_FAILURE = 43,
	V2N_CHILD_SA_NOT_FOUND = 44,
	/* status */
	V2N_INITIAL_CONTACT = 16384,
	V2N_SET_WINDOW_SIZE = 16385,
	V2N_ADDITIONAL_TS_POSSIBLE = 16386,
	V2N_IPCOMP_SUPPORTED = 16387,
	V2N_NAT_DETECTION_SOURCE_IP = 16388,
	V2N_NAT_DETECTION_DESTINATION_IP = 16389,
	V2N_COOKIE = 16390,
	V2N_USE_TRANSPORT_MODE = 16391,
	V2N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	V2N_REKEY_SA = 16393,
	V2N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	V2N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	V2N_MOBIKE_SUPPORTED = 16396,
	V2N_REDIRECT_SUPPORTED = 16406,
	V2N_REDIRECT = 16407,
	V2N_REDIRECTED_FROM = 16408,
	V2N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	V2N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

/* One transform of a proposal (RFC 7296 3.3.2). */
struct v2_transform {
	uint8_t type;			/* enum v2_transform_type */
	uint16_t id;
	uint16_t keylen;		/* bits, from the Key Length attribute; 0: absent */
};

/* One proposal (RFC 7296 3.3.1). */
struct v2_proposal {
	uint8_t num;			/* proposal number, 1-based */
	uint8_t protocol;		/* enum v2_protocol */
	uint8_t spi_size;		/* 0 (IKE_SA_INIT), 4 (ESP/AH) or 8 (IKE rekey) */
	uint8_t spi[8];
	uint8_t ntrans;
	struct v2_transform trans[V2_MAX_TRANSFORMS];
};

/* The decoded SA payload. */
struct v2_sa {
	uint8_t nprops;
	struct v2_proposal props[V2_MAX_PROPOSALS];
};

/*
 * out as the one proposal p, numbered num (a responder's answer). Only
 * nprops and props[0] are written: the rest of the 12 kB is never read,
 * and zeroing it cost a memset of it per answer (issue 14's hot path).
 */
static inline void v2_sa_one(struct v2_sa *out, const struct v2_proposal *p, uint8_t num)
{
	out->nprops = 1;
	out->props[0] = *p;
	out->props[0].num = num;
}

/*
 * One negotiated suite: what a proposal match yields and what the key
 * derivation and the SK payload use. 0 means "none" for each field.
 */
struct v2_suite {
	uint8_t protocol;		/* enum v2_protocol */
	uint16_t encr;			/* enum v2_encr */
	uint16_t encr_keylen;		/* bits; 0 for fixed-size ciphers */
	uint16_t prf;			/* enum v2_prf (IKE only) */
	uint16_t integ;			/* enum v2_integ; NONE for AEAD */
	uint16_t dh;			/* enum v2_dh; NONE when no (new) key exchange */
	uint8_t esn;			/* enum v2_esn (ESP/AH only) */
};

#endif
