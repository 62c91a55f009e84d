/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V1_TYPES_H
#define SKUA_IKE_V1_TYPES_H

#include <stdint.h>

/*
 * IKEv1 numbers (RFC 2408 ISAKMP, RFC 2407 the IPsec DOI, RFC 2409 IKE,
 * RFC 3947 NAT-T, RFC 3706 DPD, draft-dukes-ike-mode-cfg and
 * draft-beaulieu-ike-xauth) and the limits every decoder enforces, in one
 * header.
 */

enum v1_limits {
	V1_HDR_SIZE = 28,
	V1_GEN_HDR_SIZE = 4,		/* generic payload header */
	V1_MSG_MAX = 65535,		/* we refuse longer messages */
	V1_MAX_PAYLOADS = 48,		/* per message */
	V1_MAX_SA_PAYLOADS = 2,		/* decoded SA forms per message */
	V1_MAX_PROPOSALS = 32,		/* per SA payload */
	V1_MAX_TRANSFORMS = 64,		/* per SA payload, all proposals together */
	V1_MAX_ATTRS = 512,		/* per SA payload, all transforms together */
	V1_MAX_ATTR_PAYLOADS = 2,	/* Mode Config / XAUTH attribute payloads per message */
	V1_MAX_CFG_ATTRS = 64,		/* attributes per attribute payload */
	V1_MAX_DELETE_SPIS = 1024,
	V1_SPI_MAX = 16,		/* ISAKMP SPI: the two cookies */
	V1_COOKIE_SIZE = 8,
	V1_NONCE_MIN = 8,		/* RFC 2409 5 */
	V1_NONCE_MAX = 256,
	V1_KE_MAX = 1024,		/* MODP-8192 public value */
	V1_HASH_MAX = 64,		/* SHA2-512 */
	V1_SIG_MAX = 4096,
	V1_ID_MAX = 1024,
	V1_CERT_MAX = 16384,
	V1_VID_MAX = 256,
	V1_PAD_MAX = 255,		/* padding after the last payload of an encrypted message */
};

/* Exchange types (RFC 2408 3.1, RFC 2409 9, draft-dukes-ike-mode-cfg). */
enum v1_exchange {
	V1_X_BASE = 1,
	V1_X_MAIN = 2,			/* Identity Protection */
	V1_X_AUTH_ONLY = 3,
	V1_X_AGGRESSIVE = 4,
	V1_X_INFO = 5,
	V1_X_TRANSACTION = 6,		/* Mode Config, XAUTH */
	V1_X_QUICK = 32,
	V1_X_NEW_GROUP = 33,
};

/* Header flags (RFC 2408 3.1). */
enum v1_flags {
	V1_FLAG_ENCRYPTION = 0x01,
	V1_FLAG_COMMIT = 0x02,
	V1_FLAG_AUTH_ONLY = 0x04,
};

/* Payload types (RFC 2408 3.1, RFC 3947 3.2 / 5.2 and their drafts' numbers). */
enum v1_payload_type {
	V1_PL_NONE = 0,
	V1_PL_SA = 1,
	V1_PL_P = 2,			/* only inside SA */
	V1_PL_T = 3,			/* only inside a proposal */
	V1_PL_KE = 4,
	V1_PL_ID = 5,
	V1_PL_CERT = 6,
	V1_PL_CR = 7,
	V1_PL_HASH = 8,
	V1_PL_SIG = 9,
	V1_PL_NONCE = 10,
	V1_PL_N = 11,
	V1_PL_D = 12,
	V1_PL_VID = 13,
	V1_PL_ATTR = 14,		/* Mode Config and XAUTH */
	V1_PL_NAT_D = 20,
	V1_PL_NAT_OA = 21,
	V1_PL_NAT_D_DRAFT = 130,	/* draft-ietf-ipsec-nat-t-ike-02/03 */
	V1_PL_NAT_OA_DRAFT = 131,
	V1_PL_FRAG = 132,		/* IKEv1 fragmentation (Cisco) */
};

/* Domain of interpretation and the IPsec DOI's situation (RFC 2407 4.2). */
enum {
	V1_DOI_ISAKMP = 0,
	V1_DOI_IPSEC = 1,
	V1_SIT_IDENTITY_ONLY = 1,
};

/* Protocol IDs (RFC 2407 4.4.1). */
enum v1_protocol {
	V1_PROTO_ISAKMP = 1,
	V1_PROTO_AH = 2,
	V1_PROTO_ESP = 3,
	V1_PROTO_IPCOMP = 4,
};

/* The ISAKMP transform ID (RFC 2407 4.4.2). */
enum { V1_KEY_IKE = 1 };

/* Phase 1 attributes (RFC 2409 Appendix A). */
enum v1_p1_attr {
	V1_A_ENCR = 1,
	V1_A_HASH = 2,
	V1_A_AUTH = 3,
	V1_A_GROUP = 4,
	V1_A_GROUP_TYPE = 5,
	V1_A_GROUP_PRIME = 6,
	V1_A_GROUP_GEN1 = 7,
	V1_A_GROUP_GEN2 = 8,
	V1_A_GROUP_CURVE_A = 9,
	V1_A_GROUP_CURVE_B = 10,
	V1_A_LIFE_TYPE = 11,
	V1_A_LIFE_DURATION = 12,
	V1_A_PRF = 13,
	V1_A_KEY_LENGTH = 14,
	V1_A_FIELD_SIZE = 15,
	V1_A_GROUP_ORDER = 16,
};

enum v1_encr {
	V1_ENCR_DES = 1,
	V1_ENCR_IDEA = 2,
	V1_ENCR_BLOWFISH = 3,
	V1_ENCR_RC5 = 4,
	V1_ENCR_3DES = 5,
	V1_ENCR_CAST = 6,
	V1_ENCR_AES_CBC = 7,		/* RFC 3602 */
	V1_ENCR_CAMELLIA_CBC = 8,
};

enum v1_hash {
	V1_HASH_MD5 = 1,
	V1_HASH_SHA1 = 2,
	V1_HASH_TIGER = 3,
	V1_HASH_SHA2_256 = 4,
	V1_HASH_SHA2_384 = 5,
	V1_HASH_SHA2_512 = 6,
};

enum v1_auth {
	V1_AUTH_PSK = 1,
	V1_AUTH_DSS = 2,
	V1_AUTH_RSA_SIG = 3,
	V1_AUTH_RSA_ENC = 4,
	V1_AUTH_RSA_ENC_REV = 5,
	V1_AUTH_ECDSA_256 = 9,		/* RFC 4754 */
	V1_AUTH_ECDSA_384 = 10,
	V1_AUTH_ECDSA_521 = 11,
	V1_AUTH_XAUTH_I_PSK = 65001,	/* draft-beaulieu-ike-xauth */
	V1_AUTH_XAUTH_R_PSK = 65002,
	V1_AUTH_XAUTH_I_RSA = 65005,
	V1_AUTH_XAUTH_R_RSA = 65006,
};

enum v1_life_type {
	V1_LIFE_SECONDS = 1,
	V1_LIFE_KILOBYTES = 2,
};

/* IPsec DOI SA attributes (RFC 2407 4.5). */
enum v1_p2_attr {
	V1_P2_LIFE_TYPE = 1,
	V1_P2_LIFE_DURATION = 2,
	V1_P2_GROUP = 3,
	V1_P2_ENCAPSULATION = 4,
	V1_P2_AUTH_ALG = 5,
	V1_P2_KEY_LENGTH = 6,
	V1_P2_KEY_ROUNDS = 7,
	V1_P2_COMP_DICT_SIZE = 8,
	V1_P2_COMP_PRIV_ALG = 9,
};

enum v1_encapsulation {
	V1_ENCAP_TUNNEL = 1,
	V1_ENCAP_TRANSPORT = 2,
	V1_ENCAP_UDP_TUNNEL = 3,	/* RFC 3947 */
	V1_ENCAP_UDP_TRANSPORT = 4,
	V1_ENCAP_UDP_TUNNEL_DRAFT = 61443,
	V1_ENCAP_UDP_TRANSPORT_DRAFT = 61444,
};

/* IPsec DOI Notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706). */
enum v1_notify {
	V1N_INVALID_PAYLOAD_TYPE = 1,
	V1N_DOI_NOT_SUPPORTED = 2,
	V1N_SITUATION_NOT_SUPPORTED = 3,
	V1N_INVALID_COOKIE = 4,
	V1N_INVALID_MAJOR_VERSION = 5,
	V1N_INVALID_MINOR_VERSION = 6,
	V1N_INVALID_EXCHANGE_TYPE = 7,
	V1N_INVALID_FLAGS = 8,
	V1N_INVALID_MESSAGE_ID = 9,
	V1N_INVALID_PROTOCOL_ID = 10,
	V1N_INVALID_SPI = 11,
	V1N_INVALID_TRANSFORM_ID = 12,
	V1N_ATTRIBUTES_NOT_SUPPORTED = 13,
	V1N_NO_PROPOSAL_CHOSEN = 14,
	V1N_BAD_PROPOSAL_SYNTAX = 15,
	V1N_PAYLOAD_MALFORMED = 16,
	V1N_INVALID_KEY_INFORMATION = 17,
	V1N_INVALID_ID_INFORMATION = 18,
	V1N_INVALID_CERT_ENCODING = 19,
	V1N_INVALID_CERTIFICATE = 20,
	V1N_CERT_TYPE_UNSUPPORTED = 21,
	V1N_INVALID_CERT_AUTHORITY = 22,
	V1N_INVALID_HASH_INFORMATION = 23,
	V1N_AUTHENTICATION_FAILED = 24,
	V1N_INVALID_SIGNATURE = 25,
	V1N_ADDRESS_NOTIFICATION = 26,
	V1N_NOTIFY_SA_LIFETIME = 27,
	V1N_CERTIFICATE_UNAVAILABLE = 28,
	V1N_UNSUPPORTED_EXCHANGE_TYPE = 29,
	V1N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	V1N_RESPONDER_LIFETIME = 24576,
	V1N_REPLAY_STATUS = 24577,
	V1N_INITIAL_CONTACT = 24578,
	V1N_R_U_THERE = 36136,
	V1N_R_U_THERE_ACK = 36137,
};

/* Identification types (RFC 2407 4.6.2.1). */
enum v1_id_type {
	V1_ID_IPV4_ADDR = 1,
	V1_ID_FQDN = 2,
	V1_ID_USER_FQDN = 3,
	V1_ID_IPV4_ADDR_SUBNET = 4,
	V1_ID_IPV6_ADDR = 5,
	V1_ID_IPV6_ADDR_SUBNET = 6,
	V1_ID_IPV4_ADDR_RANGE = 7,
	V1_ID_IPV6_ADDR_RANGE = 8,
	V1_ID_DER_ASN1_DN = 9,
	V1_ID_DER_ASN1_GN = 10,
	V1_ID_KEY_ID = 11,
};

/* Mode Config message types (draft-dukes-ike-mode-cfg 3.1). */
enum v1_cfg_type {
	V1_CFG_REQUEST = 1,
	V1_CFG_REPLY = 2,
	V1_CFG_SET = 3,
	V1_CFG_ACK = 4,
};

/* Certificate encodings (RFC 2408 3.9). */
enum v1_cert_encoding {
	V1_CERT_PKCS7 = 1,
	V1_CERT_X509_SIG = 4,
	V1_CERT_CRL = 7,
};

/* The attribute format bit (RFC 2408 3.3): set, the value is in the length field. */
enum { V1_ATTR_AF = 0x8000 };

#endif
