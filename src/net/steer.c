/* SPDX-License-Identifier: BSD-2-Clause */
#include "net/steer.h"

#include <assert.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util/wire.h"

/*
 * Offsets into the IKE header (RFC 7296 3.1; IKEv1 RFC 2408 3.1 has the
 * same layout with cookies):
 *
 *	 0                   1                   2                   3
 *	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                       IKE SA Initiator's SPI                  |
 *	|                                                               |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                       IKE SA Responder's SPI                  |
 *	|                                                               |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                          Message ID                           |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *	|                            Length                             |
 *	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
enum {
	OFF_ISPI = 0,
	OFF_RSPI = 8,
	OFF_VERSION = 17,
	OFF_FLAGS = 19,
	/* in the IP header, from SKF_NET_OFF (RFC 791 3.1, RFC 8200 3) */
	OFF_IP_VERSION = 0,
	OFF_IP4_SRC = 12,
	OFF_IP6_SRC = 8,
	IP_VERSION_MASK = 0xf0,
	IP_VERSION_6 = 0x60,
	FLAG_INITIATOR = 0x08,
	MAJOR_MASK = 0xf0,
	MAJOR_IKEV1 = 0x10,
	NATT_KEEPALIVE = 0xff,
};

uint64_t net_spi_make(unsigned owner, uint64_t random64)
{
	assert(owner < NET_MAX_WORKERS);
	return (uint64_t)owner << 56 | (random64 & 0x00ffffffffffffffull);
}

unsigned net_spi_owner(uint64_t spi)
{
	return (unsigned)(spi >> 56);
}

/* The spread of a new SA: both halves of the peer's SPI, so that a peer
 * that puts structure in one half (owner bits, a counter) still spreads. */
static uint32_t spi_hash(uint64_t spi)
{
	return (uint32_t)(spi >> 32) ^ (uint32_t)spi;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t net_steer_addr_hash(const struct ip_addr *a)
{
	uint32_t h;

	if (!a)
		return 0;
	if (a->af == AF_INET)
		h = be32_at(a->b);
	else if (a->af == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->v6))
		h = be32_at(a->b + 12);
	else if (a->af == AF_INET6)
		h = be32_at(a->b) ^ be32_at(a->b + 4) ^ be32_at(a->b + 8) ^ be32_at(a->b + 12);
	else
		return 0;
	h ^= h >> 16;
	h ^= h >> 8;
	return h;
}

unsigned net_steer_pick(const uint8_t *dgram, size_t len, bool natt, unsigned nworkers,
			const struct ip_addr *src)
{
	struct wire w = wire_make(dgram, len);

	if (nworkers <= 1)
		return 0;
	if (natt && wire_u32(&w) != 0)
		return 0;	/* a keepalive, a runt, or ESP that slipped through */

	struct wire h = wire_sub(&w, NET_IKE_HDR_SIZE);
	uint64_t ispi = wire_u64(&h);
	uint64_t rspi = wire_u64(&h);
	(void)wire_u8(&h);	/* next payload */
	uint8_t version = wire_u8(&h);
	(void)wire_u8(&h);	/* exchange type */
	uint8_t flags = wire_u8(&h);
	if (wire_err(&h))
		return 0;

	bool v1 = (version & MAJOR_MASK) == MAJOR_IKEV1;
	if (v1 && rspi == 0)
		return net_steer_addr_hash(src) % nworkers;	/* the peer's: one worker */
	if (v1 || (flags & FLAG_INITIATOR)) {
		if (rspi == 0)
			return spi_hash(ispi) % nworkers;
		return net_spi_owner(rspi) % nworkers;
	}
	return net_spi_owner(ispi) % nworkers;
}

/*
 * A tiny assembler: jumps name labels, resolved once every label is
 * placed. Classic BPF jumps are forward-only with 8-bit offsets, which a
 * program this short never exceeds.
 */
enum label {
	L_NONE,
	L_HDR,
	L_V2,
	L_RESP,
	L_RSPI_LO,
	L_V1,
	L_V1_LO,
	L_OURS_R,
	L_OURS_I,
	L_ADDR,
	L_ADDR6,
	L_MIX,
	L_HASH,
	L_MOD,
	L_ZERO,
	L_COUNT,
};

struct insn {
	uint16_t code;
	uint32_t k;
	enum label jt, jf;	/* for conditional jumps; jt alone for BPF_JA */
};

struct prog {
	struct insn v[NET_STEER_BPF_MAX];
	size_t n;
	int at[L_COUNT];	/* instruction index of each label, -1 until placed */
};

static void emit(struct prog *p, uint16_t code, uint32_t k, enum label jt, enum label jf)
{
	assert(p->n < NET_STEER_BPF_MAX);
	p->v[p->n++] = (struct insn){ .code = code, .k = k, .jt = jt, .jf = jf };
}

static void place(struct prog *p, enum label l)
{
	p->at[l] = (int)p->n;
}

static void stmt(struct prog *p, uint16_t code, uint32_t k)
{
	emit(p, code, k, L_NONE, L_NONE);
}

/*
 * At label at: to L_OURS_R when the responder SPI (its two halves, the
 * second at label lo) is not zero, else to zero.
 */
static void rspi_test(struct prog *p, uint32_t b, enum label at, enum label lo, enum label zero)
{
	place(p, at);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, b + OFF_RSPI);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, lo, L_OURS_R);
	place(p, lo);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, b + OFF_RSPI + 4);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, zero, L_OURS_R);
}

static void assemble(struct prog *p, unsigned nworkers, bool natt)
{
	uint32_t b = natt ? NET_NON_ESP_MARKER_SIZE : 0;

	/* Runts (and the 1-byte keepalive) go to worker 0. */
	stmt(p, BPF_LD | BPF_W | BPF_LEN, 0);
	emit(p, BPF_JMP | BPF_JGE | BPF_K, b + NET_IKE_HDR_SIZE, natt ? L_NONE : L_HDR, L_ZERO);
	if (natt) {
		stmt(p, BPF_LD | BPF_W | BPF_ABS, 0);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, L_HDR, L_ZERO);
	}

	place(p, L_HDR);
	stmt(p, BPF_LD | BPF_B | BPF_ABS, b + OFF_VERSION);
	stmt(p, BPF_ALU | BPF_AND | BPF_K, MAJOR_MASK);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, MAJOR_IKEV1, L_V1, L_V2);

	place(p, L_V2);
	stmt(p, BPF_LD | BPF_B | BPF_ABS, b + OFF_FLAGS);
	emit(p, BPF_JMP | BPF_JSET | BPF_K, FLAG_INITIATOR, L_RESP, L_OURS_I);

	/* We are the responder: our SPI is the responder's, unless still zero. */
	rspi_test(p, b, L_RESP, L_RSPI_LO, L_HASH);
	/* IKEv1: the responder cookie, unless still zero (then the source address) */
	rspi_test(p, b, L_V1, L_V1_LO, L_ADDR);

	place(p, L_OURS_R);
	stmt(p, BPF_LD | BPF_B | BPF_ABS, b + OFF_RSPI);
	emit(p, BPF_JMP | BPF_JA, 0, L_MOD, L_NONE);

	place(p, L_OURS_I);
	stmt(p, BPF_LD | BPF_B | BPF_ABS, b + OFF_ISPI);
	emit(p, BPF_JMP | BPF_JA, 0, L_MOD, L_NONE);

	/* net_steer_addr_hash() of the source address, read from the IP header */
	place(p, L_ADDR);
	stmt(p, BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_NET_OFF + OFF_IP_VERSION));
	stmt(p, BPF_ALU | BPF_AND | BPF_K, IP_VERSION_MASK);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, IP_VERSION_6, L_ADDR6, L_NONE);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_NET_OFF + OFF_IP4_SRC));
	emit(p, BPF_JMP | BPF_JA, 0, L_MIX, L_NONE);
	place(p, L_ADDR6);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_NET_OFF + OFF_IP6_SRC));
	for (uint32_t i = 1; i < 4; i++) {
		stmt(p, BPF_MISC | BPF_TAX, 0);
		stmt(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_NET_OFF + OFF_IP6_SRC + 4 * i));
		stmt(p, BPF_ALU | BPF_XOR | BPF_X, 0);
	}
	place(p, L_MIX);
	stmt(p, BPF_MISC | BPF_TAX, 0);
	stmt(p, BPF_ALU | BPF_RSH | BPF_K, 16);
	stmt(p, BPF_ALU | BPF_XOR | BPF_X, 0);
	stmt(p, BPF_MISC | BPF_TAX, 0);
	stmt(p, BPF_ALU | BPF_RSH | BPF_K, 8);
	stmt(p, BPF_ALU | BPF_XOR | BPF_X, 0);
	emit(p, BPF_JMP | BPF_JA, 0, L_MOD, L_NONE);

	place(p, L_HASH);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, b + OFF_ISPI);
	stmt(p, BPF_MISC | BPF_TAX, 0);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, b + OFF_ISPI + 4);
	stmt(p, BPF_ALU | BPF_XOR | BPF_X, 0);

	place(p, L_MOD);
	stmt(p, BPF_ALU | BPF_MOD | BPF_K, nworkers);
	stmt(p, BPF_RET | BPF_A, 0);

	place(p, L_ZERO);
	stmt(p, BPF_RET | BPF_K, 0);
}

/* Relative offset from the instruction after `from` to label l; L_NONE: fall through. */
static uint32_t rel(const struct prog *p, size_t from, enum label l)
{
	if (l == L_NONE)
		return 0;
	assert(p->at[l] > (int)from);
	return (uint32_t)(p->at[l] - (int)from - 1);
}

int net_steer_bpf_build(unsigned nworkers, bool natt, struct sock_filter *out, size_t cap)
{
	struct prog p = { .n = 0 };

	if (nworkers < 1 || nworkers > NET_MAX_WORKERS)
		return -EINVAL;
	for (size_t i = 0; i < L_COUNT; i++)
		p.at[i] = -1;
	assemble(&p, nworkers, natt);
	if (p.n > cap)
		return -ENOSPC;

	for (size_t i = 0; i < p.n; i++) {
		const struct insn *in = &p.v[i];
		struct sock_filter f = { .code = in->code, .k = in->k };

		if (BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) == BPF_JA) {
			f.k = rel(&p, i, in->jt);
		} else if (BPF_CLASS(in->code) == BPF_JMP) {
			uint32_t jt = rel(&p, i, in->jt), jf = rel(&p, i, in->jf);
			assert(jt <= UINT8_MAX && jf <= UINT8_MAX);
			f.jt = (uint8_t)jt;
			f.jf = (uint8_t)jf;
		}
		out[i] = f;
	}
	return (int)p.n;
}

int net_steer_attach(int fd, unsigned nworkers, bool natt)
{
	struct sock_filter insns[NET_STEER_BPF_MAX];
	int n = net_steer_bpf_build(nworkers, natt, insns, NET_STEER_BPF_MAX);

	if (n < 0)
		return n;
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = insns };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}
