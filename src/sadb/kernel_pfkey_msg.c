/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PF_KEY v2 messages (RFC 2367 section 2): a base header then extensions,
 * every length in 64-bit words.
 *
 *   sadb_msg (16) | ext (len*8) | ext | ...
 *   ext: u16 len (words) | u16 type | body
 *
 * Built field by field into a byte buffer; parsed through bounds checks
 * and memcpy into local structures, never by casting the buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ipsec.h>
#include <linux/udp.h>
#include <string.h>

#include "sadb/kernel_alg.h"
#include "sadb/kernel_pfkey.h"

/* A bounded writer; an overflow sticks and is reported once at the end. */
struct out {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

static void *reserve(struct out *o, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (o->overflow || o->cap - o->len < n) {
		o->overflow = true;
		return NULL;
	}
	p = o->buf + o->len;
	memset(p, 0, n);
	o->len += n;
	return p;
}

/* Append an extension made of the fixed part ext (its length field is set
 * here). */
static uint8_t *put_ext(struct out *o, uint16_t type, const void *ext, size_t ext_len, size_t extra)
{
	size_t total = (ext_len + extra + 7) & ~(size_t)7;
	uint8_t *p = reserve(o, total);
	uint16_t words = (uint16_t)(total / 8);

	if (!p)
		return NULL;
	memcpy(p, ext, ext_len);
	memcpy(p, &words, 2);
	memcpy(p + 2, &type, 2);
	return p + ext_len;
}

static size_t sockaddr_len(sa_family_t af)
{
	return af == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static void put_sockaddr(uint8_t *p, const struct ip_addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t n = ip_addr_to_sockaddr(a, port, &ss);

	memcpy(p, &ss, n);
}

static void put_address(struct out *o, uint16_t type, const struct ip_addr *a, uint8_t prefix,
			uint8_t proto, uint16_t port)
{
	struct sadb_address sa = {.sadb_address_proto = proto, .sadb_address_prefixlen = prefix};
	uint8_t *p = put_ext(o, type, &sa, sizeof(sa), sockaddr_len(a->af));

	if (p)
		put_sockaddr(p, a, port);
}

static void put_key(struct out *o, uint16_t type, const uint8_t *key, size_t len)
{
	struct sadb_key k = {.sadb_key_bits = (uint16_t)(len * 8)};
	uint8_t *p = put_ext(o, type, &k, sizeof(k), len);

	if (p)
		memcpy(p, key, len);
}

static void put_lifetime(struct out *o, uint16_t type, uint64_t packets, uint64_t bytes,
			 uint64_t seconds)
{
	struct sadb_lifetime lt = {
		.sadb_lifetime_allocations =
			(uint32_t)(packets > UINT32_MAX ? UINT32_MAX : packets),
		.sadb_lifetime_bytes = bytes,
		.sadb_lifetime_addtime = seconds,
	};

	put_ext(o, type, &lt, sizeof(lt), 0);
}

static uint8_t satype_of(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return SADB_SATYPE_ESP;
	case IPPROTO_AH:
		return SADB_SATYPE_AH;
	case IPPROTO_COMP:
		return SADB_X_SATYPE_IPCOMP;
	default:
		return 0;
	}
}

static uint8_t proto_of(uint8_t satype)
{
	switch (satype) {
	case SADB_SATYPE_ESP:
		return IPPROTO_ESP;
	case SADB_SATYPE_AH:
		return IPPROTO_AH;
	case SADB_X_SATYPE_IPCOMP:
		return IPPROTO_COMP;
	default:
		return 0;
	}
}

static void put_header(struct out *o, uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid)
{
	struct sadb_msg h = {
		.sadb_msg_version = PF_KEY_V2,
		.sadb_msg_type = type,
		.sadb_msg_satype = satype,
		.sadb_msg_seq = seq,
		.sadb_msg_pid = pid,
	};
	uint8_t *p = reserve(o, sizeof(h));

	if (p)
		memcpy(p, &h, sizeof(h));
}

/* Set the base header's total length once every extension is in. */
static int finish(struct out *o)
{
	uint16_t words = (uint16_t)(o->len / 8);

	if (o->overflow || o->len / 8 > UINT16_MAX) {
		explicit_bzero(o->buf, o->cap);
		return -EMSGSIZE;
	}
	memcpy(o->buf + offsetof(struct sadb_msg, sadb_msg_len), &words, 2);
	return (int)o->len;
}

uint32_t kernel_pfkey_sa_reqid(uint32_t reqid)
{
	/*
	 * The kernel matches a policy template to an SA by equal reqids
	 * (xfrm_state_find). af_key keeps a template reqid only up to
	 * IPSEC_MANUAL_REQID_MAX (put_request() below sends none above it: level
	 * "require", reqid 0), so an SA for a larger reqid must carry 0 as well,
	 * or no packet would ever find it.
	 */
	return reqid <= KERNEL_PFKEY_REQID_MAX ? reqid : 0;
}

/* What PF_KEY cannot express: refuse it rather than install something else. */
static int check_sa(const struct kernel_op *op, const struct kernel_alg **e,
		    const struct kernel_alg **i)
{
	const struct kernel_sa_params *sa = &op->sa;

	*e = *i = NULL;
	if (sa->src.af != sa->dst.af || (sa->src.af != AF_INET && sa->src.af != AF_INET6))
		return -EINVAL;
	if ((size_t)sa->encr_key_len + sa->integ_key_len != op->key_len)
		return -EINVAL;
	if (sa->esn || sa->replay_window > UINT8_MAX || sa->mark.mask || sa->output_mark.mask ||
	    sa->if_id || sa->tfcpad || sa->sel_src.addr.af != AF_UNSPEC)
		return -EOPNOTSUPP;
	if (sa->proto == IPPROTO_COMP) {
		*e = kernel_alg_comp(sa->encr_id);
		return *e && (*e)->sadb_id ? 0 : -EOPNOTSUPP;
	}
	if (sa->proto != IPPROTO_ESP && sa->proto != IPPROTO_AH)
		return -EINVAL;
	if (sa->encr_id) {
		*e = kernel_alg_encr(sa->encr_id);
		/* AEAD: af_key has no combined-mode algorithms at all */
		if (!*e || !(*e)->sadb_id)
			return -EOPNOTSUPP;
	}
	if (sa->integ_id) {
		*i = kernel_alg_integ(sa->integ_id);
		if (!*i || !(*i)->sadb_id)
			return -EOPNOTSUPP;
		/* af_key truncates hmac(sha256) to 96 bits, not RFC 4868's 128 */
		if (sa->integ_id == KERNEL_INTEG_HMAC_SHA2_256_128)
			return -EOPNOTSUPP;
	}
	if (sa->proto == IPPROTO_AH && (*e || !*i))
		return -EINVAL;
	if (sa->proto == IPPROTO_ESP && !*e)
		return -EINVAL;
	if ((sa->encap_sport || sa->encap_dport) && sa->proto != IPPROTO_ESP)
		return -EINVAL;
	return 0;
}

static int encode_sa(struct out *o, const struct kernel_op *op, uint8_t type, uint32_t seq,
		     uint32_t pid)
{
	const struct kernel_sa_params *sa = &op->sa;
	const struct kernel_alg *e, *i;
	struct sadb_sa s = {0};
	struct sadb_x_sa2 s2 = {0};
	uint8_t full = (uint8_t)ip_addr_bits(&sa->src);
	int ret = check_sa(op, &e, &i);

	if (ret)
		return ret;
	put_header(o, type, satype_of(sa->proto), seq, pid);
	s.sadb_sa_spi = htonl(sa->spi);
	s.sadb_sa_replay = (uint8_t)sa->replay_window;
	s.sadb_sa_state = SADB_SASTATE_MATURE;
	s.sadb_sa_auth = i ? i->sadb_id : SADB_AALG_NONE;
	s.sadb_sa_encrypt = e ? e->sadb_id : SADB_EALG_NONE;
	put_ext(o, SADB_EXT_SA, &s, sizeof(s), 0);
	s2.sadb_x_sa2_mode =
		sa->mode == KERNEL_MODE_TUNNEL ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
	s2.sadb_x_sa2_reqid = kernel_pfkey_sa_reqid(sa->reqid);
	put_ext(o, SADB_X_EXT_SA2, &s2, sizeof(s2), 0);
	/*
	 * af_key (pfkey_msg2xfrm_state) refuses with EINVAL an SA that has one
	 * of the hard and soft lifetimes without the other; a zero limit means
	 * "none" (XFRM_INF) there, so both go in when either is set.
	 */
	if (sa->hard_bytes || sa->hard_packets || sa->hard_seconds || sa->soft_bytes ||
	    sa->soft_packets || sa->soft_seconds) {
		put_lifetime(o, SADB_EXT_LIFETIME_HARD, sa->hard_packets, sa->hard_bytes,
			     sa->hard_seconds);
		put_lifetime(o, SADB_EXT_LIFETIME_SOFT, sa->soft_packets, sa->soft_bytes,
			     sa->soft_seconds);
	}
	put_address(o, SADB_EXT_ADDRESS_SRC, &sa->src, full, IPSEC_ULPROTO_ANY, 0);
	put_address(o, SADB_EXT_ADDRESS_DST, &sa->dst, full, IPSEC_ULPROTO_ANY, 0);
	if (i && sa->integ_key_len)
		put_key(o, SADB_EXT_KEY_AUTH, op->key + sa->encr_key_len, sa->integ_key_len);
	if (e && sa->encr_key_len && sa->proto == IPPROTO_ESP)
		put_key(o, SADB_EXT_KEY_ENCRYPT, op->key, sa->encr_key_len);
	if (sa->encap_sport || sa->encap_dport) {
		struct sadb_x_nat_t_type t = {.sadb_x_nat_t_type_type = UDP_ENCAP_ESPINUDP};
		struct sadb_x_nat_t_port sp = {.sadb_x_nat_t_port_port = htons(sa->encap_sport)};
		struct sadb_x_nat_t_port dp = {.sadb_x_nat_t_port_port = htons(sa->encap_dport)};

		put_ext(o, SADB_X_EXT_NAT_T_TYPE, &t, sizeof(t), 0);
		put_ext(o, SADB_X_EXT_NAT_T_SPORT, &sp, sizeof(sp), 0);
		put_ext(o, SADB_X_EXT_NAT_T_DPORT, &dp, sizeof(dp), 0);
	}
	return 0;
}

/* SADB_DELETE and SADB_GET: SA (spi), source, destination. */
static int encode_sa_id(struct out *o, const struct kernel_sa_params *sa, uint8_t type,
			uint32_t seq, uint32_t pid)
{
	struct sadb_sa s = {.sadb_sa_spi = htonl(sa->spi)};

	if (sa->src.af != sa->dst.af || (sa->dst.af != AF_INET && sa->dst.af != AF_INET6) ||
	    !satype_of(sa->proto))
		return -EINVAL;
	if (sa->mark.mask)
		return -EOPNOTSUPP;
	put_header(o, type, satype_of(sa->proto), seq, pid);
	put_ext(o, SADB_EXT_SA, &s, sizeof(s), 0);
	put_address(o, SADB_EXT_ADDRESS_SRC, &sa->src, (uint8_t)ip_addr_bits(&sa->src),
		    IPSEC_ULPROTO_ANY, 0);
	put_address(o, SADB_EXT_ADDRESS_DST, &sa->dst, (uint8_t)ip_addr_bits(&sa->dst),
		    IPSEC_ULPROTO_ANY, 0);
	return 0;
}

static int encode_spi(struct out *o, const struct kernel_spi_params *r, uint32_t seq, uint32_t pid)
{
	struct sadb_x_sa2 s2 = {.sadb_x_sa2_mode = IPSEC_MODE_ANY, .sadb_x_sa2_reqid = r->reqid};
	uint32_t lo = r->spi_min < KERNEL_SPI_MIN ? KERNEL_SPI_MIN : r->spi_min;
	uint32_t hi = r->spi_max ? r->spi_max : (r->proto == IPPROTO_COMP ? 0xffff : UINT32_MAX);
	struct sadb_spirange range = {.sadb_spirange_min = lo, .sadb_spirange_max = hi};

	if (r->src.af != r->dst.af || (r->dst.af != AF_INET && r->dst.af != AF_INET6) ||
	    !satype_of(r->proto) || lo > hi)
		return -EINVAL;
	put_header(o, SADB_GETSPI, satype_of(r->proto), seq, pid);
	put_ext(o, SADB_X_EXT_SA2, &s2, sizeof(s2), 0);
	put_address(o, SADB_EXT_ADDRESS_SRC, &r->src, (uint8_t)ip_addr_bits(&r->src),
		    IPSEC_ULPROTO_ANY, 0);
	put_address(o, SADB_EXT_ADDRESS_DST, &r->dst, (uint8_t)ip_addr_bits(&r->dst),
		    IPSEC_ULPROTO_ANY, 0);
	put_ext(o, SADB_EXT_SPIRANGE, &range, sizeof(range), 0);
	return 0;
}

static uint8_t pfkey_dir(uint8_t dir)
{
	return dir == KERNEL_DIR_IN    ? IPSEC_DIR_INBOUND
	       : dir == KERNEL_DIR_OUT ? IPSEC_DIR_OUTBOUND
				       : IPSEC_DIR_FWD;
}

static void put_request(struct out *o, const struct kernel_policy_params *p, uint8_t proto,
			uint8_t mode, bool optional)
{
	struct sadb_x_ipsecrequest rq = {0};
	bool tunnel = mode == IPSEC_MODE_TUNNEL;
	size_t addrs = tunnel ? 2 * sockaddr_len(p->tun_src.af) : 0;
	uint8_t *q = reserve(o, sizeof(rq) + addrs);

	if (!q)
		return;
	rq.sadb_x_ipsecrequest_len = (uint16_t)((sizeof(rq) + addrs + 7) & ~(size_t)7);
	rq.sadb_x_ipsecrequest_proto = proto;
	rq.sadb_x_ipsecrequest_mode = mode;
	/*
	 * af_key keeps a template's reqid only with level "unique" and only up
	 * to IPSEC_MANUAL_REQID_MAX; a larger one would be replaced by one of
	 * its own, so the template then matches any SA between the endpoints.
	 */
	if (p->reqid && p->reqid <= KERNEL_PFKEY_REQID_MAX && !optional) {
		rq.sadb_x_ipsecrequest_level = IPSEC_LEVEL_UNIQUE;
		rq.sadb_x_ipsecrequest_reqid = p->reqid;
	} else {
		rq.sadb_x_ipsecrequest_level = optional ? IPSEC_LEVEL_USE : IPSEC_LEVEL_REQUIRE;
	}
	memcpy(q, &rq, sizeof(rq));
	if (tunnel) {
		put_sockaddr(q + sizeof(rq), &p->tun_src, 0);
		put_sockaddr(q + sizeof(rq) + sockaddr_len(p->tun_src.af), &p->tun_dst, 0);
	}
}

static int encode_policy(struct out *o, const struct kernel_policy_params *p, bool add,
			 uint32_t seq, uint32_t pid)
{
	struct sadb_x_policy xp = {0};
	uint8_t ulp = p->sel_proto ? p->sel_proto : IPSEC_ULPROTO_ANY;
	bool ipsec = p->action == KERNEL_POLICY_IPSEC || p->action == KERNEL_POLICY_TRAP;
	uint8_t mode = p->mode == KERNEL_MODE_TUNNEL ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
	size_t start;

	if (p->src_sel.addr.af != p->dst_sel.addr.af ||
	    (p->src_sel.addr.af != AF_INET && p->src_sel.addr.af != AF_INET6) ||
	    p->dir > KERNEL_DIR_FWD || p->action > KERNEL_POLICY_BLOCK)
		return -EINVAL;
	if (add && ipsec && p->proto != IPPROTO_ESP && p->proto != IPPROTO_AH)
		return -EINVAL;
	if (add && ipsec && p->mode == KERNEL_MODE_TUNNEL &&
	    (p->tun_src.af != p->tun_dst.af ||
	     (p->tun_src.af != AF_INET && p->tun_src.af != AF_INET6)))
		return -EINVAL;
	if (p->mark.mask || p->if_id)
		return -EOPNOTSUPP;
	/* SPDUPDATE inserts or replaces, like the XFRM backend's UPDPOLICY */
	put_header(o, add ? SADB_X_SPDUPDATE : SADB_X_SPDDELETE, SADB_SATYPE_UNSPEC, seq, pid);
	put_address(o, SADB_EXT_ADDRESS_SRC, &p->src_sel.addr, p->src_sel.prefix, ulp,
		    p->sel_sport);
	put_address(o, SADB_EXT_ADDRESS_DST, &p->dst_sel.addr, p->dst_sel.prefix, ulp,
		    p->sel_dport);
	xp.sadb_x_policy_type = !add				  ? IPSEC_POLICY_IPSEC
				: ipsec				  ? IPSEC_POLICY_IPSEC
				: p->action == KERNEL_POLICY_PASS ? IPSEC_POLICY_NONE
								  : IPSEC_POLICY_DISCARD;
	xp.sadb_x_policy_dir = pfkey_dir(p->dir);
	xp.sadb_x_policy_priority = p->priority;
	start = o->len;
	if (!put_ext(o, SADB_X_EXT_POLICY, &xp, sizeof(xp), 0))
		return 0;
	if (add && ipsec) {
		uint16_t words;

		if (p->ipcomp) {
			put_request(o, p, IPPROTO_COMP, mode, p->dir != KERNEL_DIR_OUT);
			mode = IPSEC_MODE_TRANSPORT;
		}
		put_request(o, p, p->proto, mode, false);
		if (o->overflow)
			return 0;
		/* the policy extension's length covers its requests */
		words = (uint16_t)((o->len - start) / 8);
		memcpy(o->buf + start, &words, 2);
	}
	return 0;
}

int kernel_pfkey_encode(const struct kernel_op *op, uint32_t seq, uint32_t pid, uint8_t *buf,
			size_t cap)
{
	struct out o = {.buf = buf, .cap = cap};
	int ret;

	switch (op->kind) {
	case KERNEL_OP_SA_ADD:
		ret = encode_sa(&o, op, SADB_ADD, seq, pid);
		break;
	case KERNEL_OP_SA_UPDATE:
		ret = encode_sa(&o, op, SADB_UPDATE, seq, pid);
		break;
	case KERNEL_OP_SA_DELETE:
		ret = encode_sa_id(&o, &op->sa, SADB_DELETE, seq, pid);
		break;
	case KERNEL_OP_SA_QUERY:
		ret = encode_sa_id(&o, &op->sa, SADB_GET, seq, pid);
		break;
	case KERNEL_OP_POLICY_ADD:
		ret = encode_policy(&o, &op->policy, true, seq, pid);
		break;
	case KERNEL_OP_POLICY_DELETE:
		ret = encode_policy(&o, &op->policy, false, seq, pid);
		break;
	case KERNEL_OP_SPI_ALLOC:
		ret = encode_spi(&o, &op->spi_req, seq, pid);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret) {
		explicit_bzero(buf, o.len);
		return ret;
	}
	return finish(&o);
}

int kernel_pfkey_encode_simple(uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid,
			       uint8_t *buf, size_t cap)
{
	struct out o = {.buf = buf, .cap = cap};

	put_header(&o, type, satype, seq, pid);
	return finish(&o);
}

int kernel_pfkey_parse(const uint8_t *buf, size_t len, struct kernel_pfkey_msg *m)
{
	size_t total, off;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(m->hdr))
		return -EBADMSG;
	memcpy(&m->hdr, buf, sizeof(m->hdr));
	total = (size_t)m->hdr.sadb_msg_len * 8;
	if (m->hdr.sadb_msg_version != PF_KEY_V2 || total < sizeof(m->hdr) || total > len)
		return -EBADMSG;
	for (off = sizeof(m->hdr); off < total;) {
		uint16_t words, type;
		size_t n;

		if (total - off < 4)
			return -EBADMSG;
		memcpy(&words, buf + off, 2);
		memcpy(&type, buf + off + 2, 2);
		n = (size_t)words * 8;
		if (n == 0 || n > total - off)
			return -EBADMSG;
		/* unknown extensions are skipped (RFC 2367 2.3); repeated ones refused */
		if (type != 0 && type <= SADB_EXT_MAX) {
			if (m->ext[type])
				return -EBADMSG;
			m->ext[type] = buf + off;
			m->ext_len[type] = n;
		}
		off += n;
	}
	return 0;
}

/* Copy the fixed part of an extension (zero-filled if shorter); false if
 * absent/short. */
static bool ext(const struct kernel_pfkey_msg *m, int type, void *dst, size_t len)
{
	if (!m->ext[type] || m->ext_len[type] < len)
		return false;
	memcpy(dst, m->ext[type], len);
	return true;
}

static bool address(const struct kernel_pfkey_msg *m, int type, struct ip_subnet *net,
		    uint8_t *proto, uint16_t *port)
{
	struct sadb_address a;
	struct sockaddr_storage ss;
	size_t room;
	uint16_t p = 0;

	if (!ext(m, type, &a, sizeof(a)))
		return false;
	room = m->ext_len[type] - sizeof(a);
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, m->ext[type] + sizeof(a), room < sizeof(ss) ? room : sizeof(ss));
	if (room < sockaddr_len(ss.ss_family) ||
	    ip_addr_from_sockaddr((struct sockaddr *)&ss, &net->addr, &p) != 0)
		return false;
	net->prefix = a.sadb_address_prefixlen;
	if (proto)
		*proto = a.sadb_address_proto == IPSEC_ULPROTO_ANY ? 0 : a.sadb_address_proto;
	if (port)
		*port = p;
	return true;
}

int kernel_pfkey_decode_sa(const struct kernel_pfkey_msg *m, struct kernel_sa_params *sa,
			   struct kernel_sa_stats *stats)
{
	struct kernel_sa_params t;
	struct sadb_sa s;
	struct sadb_x_sa2 s2;
	struct sadb_lifetime lt;
	struct sadb_key k;
	struct ip_subnet src, dst;

	memset(&t, 0, sizeof(t));
	if (!ext(m, SADB_EXT_SA, &s, sizeof(s)) ||
	    !address(m, SADB_EXT_ADDRESS_SRC, &src, NULL, NULL) ||
	    !address(m, SADB_EXT_ADDRESS_DST, &dst, NULL, NULL))
		return -EBADMSG;
	t.src = src.addr;
	t.dst = dst.addr;
	t.spi = ntohl(s.sadb_sa_spi);
	t.proto = proto_of(m->hdr.sadb_msg_satype);
	t.replay_window = s.sadb_sa_replay;
	for (uint16_t id = 1; id < 64; id++) {
		const struct kernel_alg *a =
			t.proto == IPPROTO_COMP ? kernel_alg_comp(id) : kernel_alg_encr(id);
		const struct kernel_alg *i = kernel_alg_integ(id);

		if (a && a->sadb_id && a->sadb_id == s.sadb_sa_encrypt && !t.encr_id)
			t.encr_id = id;
		if (i && i->sadb_id == s.sadb_sa_auth && s.sadb_sa_auth)
			t.integ_id = id;
	}
	if (ext(m, SADB_X_EXT_SA2, &s2, sizeof(s2))) {
		t.mode = s2.sadb_x_sa2_mode == IPSEC_MODE_TUNNEL ? KERNEL_MODE_TUNNEL
								 : KERNEL_MODE_TRANSPORT;
		t.reqid = s2.sadb_x_sa2_reqid;
	}
	if (ext(m, SADB_EXT_LIFETIME_HARD, &lt, sizeof(lt))) {
		t.hard_packets = lt.sadb_lifetime_allocations;
		t.hard_bytes = lt.sadb_lifetime_bytes;
		t.hard_seconds = lt.sadb_lifetime_addtime;
	}
	if (ext(m, SADB_EXT_LIFETIME_SOFT, &lt, sizeof(lt))) {
		t.soft_packets = lt.sadb_lifetime_allocations;
		t.soft_bytes = lt.sadb_lifetime_bytes;
		t.soft_seconds = lt.sadb_lifetime_addtime;
	}
	if (ext(m, SADB_EXT_KEY_ENCRYPT, &k, sizeof(k)))
		t.encr_key_len = k.sadb_key_bits / 8;
	if (ext(m, SADB_EXT_KEY_AUTH, &k, sizeof(k)))
		t.integ_key_len = k.sadb_key_bits / 8;
	if (m->ext[SADB_X_EXT_NAT_T_SPORT]) {
		struct sadb_x_nat_t_port p;

		if (ext(m, SADB_X_EXT_NAT_T_SPORT, &p, sizeof(p)))
			t.encap_sport = ntohs(p.sadb_x_nat_t_port_port);
		if (ext(m, SADB_X_EXT_NAT_T_DPORT, &p, sizeof(p)))
			t.encap_dport = ntohs(p.sadb_x_nat_t_port_port);
	}
	if (stats) {
		memset(stats, 0, sizeof(*stats));
		if (ext(m, SADB_EXT_LIFETIME_CURRENT, &lt, sizeof(lt))) {
			stats->packets = lt.sadb_lifetime_allocations;
			stats->bytes = lt.sadb_lifetime_bytes;
			stats->add_time = lt.sadb_lifetime_addtime;
			stats->use_time = lt.sadb_lifetime_usetime;
		}
	}
	if (sa)
		*sa = t;
	return 0;
}

static uint8_t our_dir(uint8_t dir)
{
	return dir == IPSEC_DIR_INBOUND	   ? KERNEL_DIR_IN
	       : dir == IPSEC_DIR_OUTBOUND ? KERNEL_DIR_OUT
					   : KERNEL_DIR_FWD;
}

/* The policy extension and its first IPsec request, bounds-checked. */
static int policy_ext(const struct kernel_pfkey_msg *m, struct kernel_policy_params *p,
		      uint32_t *id)
{
	struct sadb_x_policy xp;
	size_t off = sizeof(xp), len = m->ext_len[SADB_X_EXT_POLICY];
	const uint8_t *base = m->ext[SADB_X_EXT_POLICY];

	if (!ext(m, SADB_X_EXT_POLICY, &xp, sizeof(xp)))
		return -EBADMSG;
	p->dir = our_dir(xp.sadb_x_policy_dir);
	p->priority = xp.sadb_x_policy_priority;
	*id = xp.sadb_x_policy_id;
	p->action = xp.sadb_x_policy_type == IPSEC_POLICY_IPSEC	    ? KERNEL_POLICY_IPSEC
		    : xp.sadb_x_policy_type == IPSEC_POLICY_DISCARD ? KERNEL_POLICY_BLOCK
								    : KERNEL_POLICY_PASS;
	while (p->action == KERNEL_POLICY_IPSEC &&
	       len - off >= sizeof(struct sadb_x_ipsecrequest)) {
		struct sadb_x_ipsecrequest rq;
		struct sockaddr_storage ss;
		size_t rlen;
		uint16_t port;

		memcpy(&rq, base + off, sizeof(rq));
		rlen = rq.sadb_x_ipsecrequest_len;
		if (rlen < sizeof(rq) || rlen > len - off)
			return -EBADMSG;
		/* tunnel endpoints follow a tunnel-mode request (IPComp's, with IPComp) */
		if (rlen > sizeof(rq)) {
			size_t room = rlen - sizeof(rq), one;

			memset(&ss, 0, sizeof(ss));
			memcpy(&ss, base + off + sizeof(rq), room < sizeof(ss) ? room : sizeof(ss));
			one = sockaddr_len(ss.ss_family);
			if (room >= 2 * one && ip_addr_from_sockaddr((struct sockaddr *)&ss,
								     &p->tun_src, &port) == 0) {
				memset(&ss, 0, sizeof(ss));
				memcpy(&ss, base + off + sizeof(rq) + one, one);
				ip_addr_from_sockaddr((struct sockaddr *)&ss, &p->tun_dst, &port);
			}
		}
		if (rq.sadb_x_ipsecrequest_proto == IPPROTO_COMP) {
			p->ipcomp = true;
			p->mode = rq.sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL
					  ? KERNEL_MODE_TUNNEL
					  : KERNEL_MODE_TRANSPORT;
			off += rlen;
			continue;
		}
		p->proto = (uint8_t)rq.sadb_x_ipsecrequest_proto;
		p->reqid = rq.sadb_x_ipsecrequest_reqid;
		if (!p->ipcomp)
			p->mode = rq.sadb_x_ipsecrequest_mode == IPSEC_MODE_TUNNEL
					  ? KERNEL_MODE_TUNNEL
					  : KERNEL_MODE_TRANSPORT;
		break;
	}
	return 0;
}

int kernel_pfkey_decode_policy(const struct kernel_pfkey_msg *m, struct kernel_policy_params *p)
{
	struct kernel_policy_params t;
	uint32_t id;

	memset(&t, 0, sizeof(t));
	if (!address(m, SADB_EXT_ADDRESS_SRC, &t.src_sel, &t.sel_proto, &t.sel_sport) ||
	    !address(m, SADB_EXT_ADDRESS_DST, &t.dst_sel, &t.sel_proto, &t.sel_dport) ||
	    policy_ext(m, &t, &id))
		return -EBADMSG;
	*p = t;
	return 0;
}

int kernel_pfkey_decode_event(const struct kernel_pfkey_msg *m, struct kernel_event *ev)
{
	struct kernel_sa_params sa;
	struct kernel_policy_params p;
	struct sadb_lifetime lt;

	memset(ev, 0, sizeof(*ev));
	switch (m->hdr.sadb_msg_type) {
	case SADB_ACQUIRE: {
		struct ip_subnet s, d;

		/* Linux: addresses are the SA endpoints; the policy follows */
		memset(&p, 0, sizeof(p));
		if (!address(m, SADB_EXT_ADDRESS_SRC, &s, NULL, NULL) ||
		    !address(m, SADB_EXT_ADDRESS_DST, &d, NULL, NULL) ||
		    policy_ext(m, &p, &ev->policy_index))
			return -EBADMSG;
		ev->kind = KERNEL_EVENT_ACQUIRE;
		ev->proto = proto_of(m->hdr.sadb_msg_satype);
		ev->src = s.addr;
		ev->dst = d.addr;
		ev->dir = p.dir;
		ev->reqid = p.reqid;
		return 0;
	}
	case SADB_EXPIRE:
		if (kernel_pfkey_decode_sa(m, &sa, NULL))
			return -EBADMSG;
		ev->kind = KERNEL_EVENT_EXPIRE;
		ev->hard = ext(m, SADB_EXT_LIFETIME_HARD, &lt, sizeof(lt));
		ev->proto = sa.proto;
		ev->spi = sa.spi;
		ev->reqid = sa.reqid;
		ev->src = sa.src;
		ev->dst = sa.dst;
		return 0;
	case SADB_X_SPDEXPIRE:
		if (kernel_pfkey_decode_policy(m, &p))
			return -EBADMSG;
		ev->kind = KERNEL_EVENT_POLICY_EXPIRE;
		ev->hard = ext(m, SADB_EXT_LIFETIME_HARD, &lt, sizeof(lt));
		ev->dir = p.dir;
		ev->sel_src = p.src_sel;
		ev->sel_dst = p.dst_sel;
		ev->sel_proto = p.sel_proto;
		ev->sel_sport = p.sel_sport;
		ev->sel_dport = p.sel_dport;
		return 0;
	default:
		return -ENOENT;
	}
}
