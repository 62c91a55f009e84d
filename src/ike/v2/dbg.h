/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_V2_DBG_H
#define SKUA_IKE_V2_DBG_H

#include <stddef.h>
#include <stdint.h>

#include "ike/v2/msg.h"
#include "util/addr.h"

/*
 * --debug base: every IKEv2 message sent and received, one "| " line for
 * the header and one per payload (type, length, what it says); the
 * payloads inside SK are listed when they are decrypted (received) or
 * before they are encrypted (sent). --debug tmi adds each payload's bytes
 * in hex; identities and addresses need --debug private. Callers check
 * log_debug_is_on(DBG_BASE) first: with debugging off none of this runs.
 * serial 0: no IKE SA yet. Context: the worker handling the message.
 */

/* A message as it arrived: its header and outer payloads. */
void v2_dbg_received(const struct v2_msg *m, const struct ip_addr *peer, uint16_t port,
		     uint64_t serial);

/* The inner payloads of a received message, after v2_open() decrypted them. */
void v2_dbg_received_inner(const struct v2_msg *m, uint64_t serial);

/* A message about to go out: decodes buf (len bytes, the IKE header first). */
void v2_dbg_sending(const uint8_t *buf, size_t len, const struct ip_addr *peer, uint16_t port,
		    uint64_t serial);

/*
 * The inner payloads of a message being sealed: msg is the whole message
 * (len bytes, SK still in plaintext), pt its plaintext (inner payloads,
 * padding and the Pad Length byte, pt_len bytes in all).
 */
void v2_dbg_sealing(const uint8_t *msg, size_t len, const uint8_t *pt, size_t pt_len,
		    uint64_t serial);

#endif
