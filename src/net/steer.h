/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_NET_STEER_H
#define SKUA_NET_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct sock_filter;

/*
 * Steering: which worker of a SO_REUSEPORT group receives a datagram.
 * docs/steering.md is the long version; in short:
 *
 * Every IKE SPI (IKEv2) and cookie (IKEv1) Skua generates carries the
 * index of the worker that owns the SA in its first byte on the wire,
 * i.e. bits 56..63 of the SPI read as a big-endian 64-bit integer:
 *
 *	 byte 0    bytes 1..7
 *	+--------+------------------------------------------------+
 *	| owner  |                    random                      |
 *	+--------+------------------------------------------------+
 *
 * So at most NET_MAX_WORKERS workers can be told apart. The rule, read
 * from the 28-byte IKE header (after the 4-byte non-ESP marker on the
 * NAT-T port):
 *
 *   - IKEv2, Initiator flag set, responder SPI non-zero: the responder
 *     SPI is ours; worker = its owner byte % nworkers.
 *   - IKEv2, Initiator flag set, responder SPI zero (IKE_SA_INIT request,
 *     or its retransmission): worker = hash(initiator SPI) % nworkers,
 *     hash = (bytes 0..3 XOR bytes 4..7) as a big-endian u32.
 *   - IKEv2, Initiator flag clear (we are the original initiator): the
 *     initiator SPI is ours; worker = its owner byte % nworkers.
 *   - IKEv1 (major version 1; no Initiator flag exists): responder
 *     cookie non-zero: worker = its owner byte % nworkers; zero (a
 *     peer's first Main or Aggressive Mode message): worker =
 *     net_steer_addr_hash(source address) % nworkers, so that every
 *     ISAKMP SA a peer makes, and every one we start towards it
 *     (ike_cmd_initiate()), lives on one worker: a re-established ISAKMP
 *     SA takes over its predecessor's IPsec SAs there, and a Quick Mode
 *     we start finds the peer's ISAKMP SA there. When Skua is the IKEv1
 *     initiator the responder cookie is the peer's, so those packets may
 *     land on a non-owner, which forwards them.
 *   - Any other major version is steered by the IKEv2 rule (the bytes it
 *     reads are common to every version; the worker answers
 *     INVALID_MAJOR_VERSION statelessly).
 *   - Shorter than an IKE header, a NAT-T datagram without the zero
 *     marker, or a 1-byte 0xff NAT keepalive: worker 0.
 */

enum {
	NET_IKE_SPI_SIZE = 8,
	NET_IKE_HDR_SIZE = 28,		/* RFC 7296 3.1 */
	NET_NON_ESP_MARKER_SIZE = 4,	/* RFC 3948 2.2 */
	NET_MAX_WORKERS = 256,		/* one owner byte */
	NET_STEER_BPF_MAX = 64,		/* instructions net_steer_bpf_build() may emit */
};

/*
 * An SPI (host order, as read big-endian off the wire) owned by worker
 * `owner`: the owner in the top byte, the low 56 bits of random64 below.
 * Context: any thread; pure. owner < NET_MAX_WORKERS (asserted).
 */
uint64_t net_spi_make(unsigned owner, uint64_t random64);

/*
 * The owner byte of an SPI (host order, as read big-endian off the wire).
 * Context: any thread; pure.
 */
unsigned net_spi_owner(uint64_t spi);

/*
 * The spread of an address over workers: its 32-bit words (one for IPv4,
 * an IPv4-mapped IPv6 address counting as IPv4; four XORed for IPv6),
 * read big-endian, then h ^= h >> 16, h ^= h >> 8, as the BPF program
 * computes it from the IP header. NULL or another family: 0.
 * Context: any thread; pure.
 */
uint32_t net_steer_addr_hash(const struct ip_addr *a);

/*
 * The worker index (0..nworkers-1) the rule above picks for the UDP
 * payload dgram/len received on the NAT-T port (natt) or not, from src
 * (the datagram's source address; only a first IKEv1 message needs it).
 * This is the reference the BPF program must agree with, and what a
 * worker uses to tell a packet that reached the wrong worker.
 * Context: any thread; pure; dgram and src are borrowed. nworkers
 * 1..NET_MAX_WORKERS.
 */
unsigned net_steer_pick(const uint8_t *dgram, size_t len, bool natt, unsigned nworkers,
			const struct ip_addr *src);

/*
 * Write into out[0..cap) the classic BPF program for SO_ATTACH_REUSEPORT_CBPF
 * that returns net_steer_pick()'s answer. Returns the instruction count,
 * -EINVAL for nworkers outside 1..NET_MAX_WORKERS, or -ENOSPC when cap is
 * below the program's length (NET_STEER_BPF_MAX always fits).
 * Context: any thread; pure; out is the caller's.
 */
int net_steer_bpf_build(unsigned nworkers, bool natt, struct sock_filter *out, size_t cap);

/*
 * Attach the steering program to the reuseport group of fd (any bound
 * member). The group's socket index is the order its members were bound.
 * Returns 0 or -errno.
 * Context: main or ctl thread, while the group is set up; does not block.
 */
int net_steer_attach(int fd, unsigned nworkers, bool natt);

#endif
