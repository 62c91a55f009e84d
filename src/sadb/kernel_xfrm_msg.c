/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * XFRM netlink messages: one kernel_op as one request, and the kernel's
 * messages (SA and policy dumps, ACQUIRE, EXPIRE, POLEXPIRE) back into
 * our structures. Built with libnl's nlmsg/nla API; no socket here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>

#include "sadb/kernel_alg.h"
#include "sadb/kernel_xfrm.h"

static void addr_to_xfrm(const struct ip_addr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	if (a->af == AF_INET)
		memcpy(x, &a->v4, 4);
	else if (a->af == AF_INET6)
		memcpy(x, &a->v6, 16);
}

static void addr_from_xfrm(uint16_t family, const xfrm_address_t *x, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->af = AF_INET;
		memcpy(&a->v4, x, 4);
	} else if (family == AF_INET6) {
		a->af = AF_INET6;
		memcpy(&a->v6, x, 16);
	}
}

static uint64_t lim(uint64_t v)
{
	return v ? v : XFRM_INF;
}

static uint64_t unlim(uint64_t v)
{
	return v == XFRM_INF ? 0 : v;
}

static int put_selector(struct xfrm_selector *sel, const struct ip_subnet *src,
			const struct ip_subnet *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	if (src->addr.af != dst->addr.af || (src->addr.af != AF_INET && src->addr.af != AF_INET6))
		return -EINVAL;
	if (src->prefix > ip_addr_bits(&src->addr) || dst->prefix > ip_addr_bits(&dst->addr))
		return -EINVAL;
	memset(sel, 0, sizeof(*sel));
	sel->family = src->addr.af;
	addr_to_xfrm(&src->addr, &sel->saddr);
	addr_to_xfrm(&dst->addr, &sel->daddr);
	sel->prefixlen_s = src->prefix;
	sel->prefixlen_d = dst->prefix;
	sel->proto = proto;
	if (sport) {
		sel->sport = htons(sport);
		sel->sport_mask = 0xffff;
	}
	if (dport) {
		sel->dport = htons(dport);
		sel->dport_mask = 0xffff;
	}
	return 0;
}

static void get_selector(const struct xfrm_selector *sel, struct ip_subnet *src,
			 struct ip_subnet *dst, uint8_t *proto, uint16_t *sport, uint16_t *dport)
{
	addr_from_xfrm(sel->family, &sel->saddr, &src->addr);
	addr_from_xfrm(sel->family, &sel->daddr, &dst->addr);
	src->prefix = sel->prefixlen_s;
	dst->prefix = sel->prefixlen_d;
	*proto = sel->proto;
	*sport = sel->sport_mask ? ntohs(sel->sport) : 0;
	*dport = sel->dport_mask ? ntohs(sel->dport) : 0;
}

static int put_mark(struct nl_msg *m, const struct kernel_mark *mark)
{
	struct xfrm_mark xm = {.v = mark->value, .m = mark->mask};

	if (!mark->mask)
		return 0;
	return nla_put(m, XFRMA_MARK, sizeof(xm), &xm);
}

static int put_u32_if(struct nl_msg *m, int type, uint32_t v)
{
	return v ? nla_put_u32(m, type, v) : 0;
}

/* Put an xfrm_algo-like attribute: name, key bits, optional extra u32, key. */
static int put_alg(struct nl_msg *m, int type, const char *name, const uint8_t *key, size_t key_len,
		   bool has_extra, uint32_t extra)
{
	size_t head = sizeof(struct xfrm_algo) + (has_extra ? sizeof(uint32_t) : 0);
	uint8_t buf[sizeof(struct xfrm_algo_aead) + KERNEL_KEY_MAX];
	struct xfrm_algo_aead *a = (struct xfrm_algo_aead *)buf; /* same head as the others */
	int ret;

	if (key_len > KERNEL_KEY_MAX)
		return -EMSGSIZE;
	memset(buf, 0, sizeof(buf));
	strncpy(a->alg_name, name, sizeof(a->alg_name) - 1);
	a->alg_key_len = (unsigned)key_len * 8;
	if (has_extra)
		a->alg_icv_len = extra;
	if (key_len)
		memcpy(buf + head, key, key_len);
	ret = nla_put(m, type, (int)(head + key_len), buf);
	explicit_bzero(buf, sizeof(buf));
	return ret < 0 ? -EMSGSIZE : 0;
}

static int put_algs(struct nl_msg *m, const struct kernel_op *op)
{
	const struct kernel_sa_params *sa = &op->sa;
	const uint8_t *ekey = op->key, *ikey = op->key ? op->key + sa->encr_key_len : NULL;
	const struct kernel_alg *e = NULL, *i = NULL;

	if ((size_t)sa->encr_key_len + sa->integ_key_len != op->key_len)
		return -EINVAL;
	if (sa->proto == IPPROTO_COMP) {
		e = kernel_alg_comp(sa->encr_id);
		if (!e)
			return -EOPNOTSUPP;
		return put_alg(m, XFRMA_ALG_COMP, e->xfrm_name, NULL, 0, false, 0);
	}
	if (sa->integ_id) {
		i = kernel_alg_integ(sa->integ_id);
		if (!i)
			return -EOPNOTSUPP;
	}
	if (sa->proto == IPPROTO_AH) {
		if (!i || sa->encr_id)
			return -EINVAL;
		return put_alg(m, XFRMA_ALG_AUTH_TRUNC, i->xfrm_name, ikey, sa->integ_key_len, true,
			       i->bits);
	}
	if (sa->proto != IPPROTO_ESP)
		return -EINVAL;
	e = kernel_alg_encr(sa->encr_id);
	if (!e)
		return -EOPNOTSUPP;
	if (e->kind == KERNEL_ALG_AEAD) {
		if (i)
			return -EINVAL; /* a combined mode has its own integrity */
		return put_alg(m, XFRMA_ALG_AEAD, e->xfrm_name, ekey, sa->encr_key_len, true,
			       sa->icv_bits ? sa->icv_bits : e->bits);
	}
	if (put_alg(m, XFRMA_ALG_CRYPT, e->xfrm_name, ekey, sa->encr_key_len, false, 0))
		return -EMSGSIZE;
	if (!i)
		return 0;
	return put_alg(m, XFRMA_ALG_AUTH_TRUNC, i->xfrm_name, ikey, sa->integ_key_len, true,
		       i->bits);
}

/*
 * Replay protection: a legacy window (up to 32 packets) in the SA info, or
 * the ESN replay state (ESN, or a larger window), with which the kernel
 * wants the legacy window left at 0. Sets info's fields; the attribute
 * goes in after the fixed header (put_replay_esn).
 */
static int prep_replay(const struct kernel_sa_params *sa, struct xfrm_usersa_info *info,
		       bool *esn_attr)
{
	*esn_attr = false;
	if (!sa->esn && sa->replay_window <= 32) {
		info->replay_window = (uint8_t)sa->replay_window;
		return 0;
	}
	if (sa->replay_window > XFRMA_REPLAY_ESN_MAX)
		return -EINVAL;
	if (sa->proto != IPPROTO_ESP && sa->proto != IPPROTO_AH)
		return -EINVAL;
	info->replay_window = 0;
	if (sa->esn)
		info->flags |= XFRM_STATE_ESN;
	*esn_attr = true;
	return 0;
}

static int put_replay_esn(struct nl_msg *m, const struct kernel_sa_params *sa)
{
	uint8_t buf[sizeof(struct xfrm_replay_state_esn) + XFRMA_REPLAY_ESN_MAX / 8];
	struct xfrm_replay_state_esn *rs = (struct xfrm_replay_state_esn *)buf;
	uint32_t words = (sa->replay_window + 31) / 32;

	memset(buf, 0, sizeof(buf));
	rs->bmp_len = words;
	rs->replay_window = sa->replay_window;
	return nla_put(m, XFRMA_REPLAY_ESN_VAL, (int)(sizeof(*rs) + words * 4), rs) ? -EMSGSIZE : 0;
}

static int encode_sa(struct nl_msg *m, const struct kernel_op *op)
{
	const struct kernel_sa_params *sa = &op->sa;
	struct xfrm_usersa_info info;
	bool esn_attr;
	int ret;

	if (sa->src.af != sa->dst.af || (sa->src.af != AF_INET && sa->src.af != AF_INET6))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	if (sa->sel_src.addr.af != AF_UNSPEC) {
		ret = put_selector(&info.sel, &sa->sel_src, &sa->sel_dst, sa->sel_proto,
				   sa->sel_sport, sa->sel_dport);
		if (ret)
			return ret;
	} else if (sa->mode == KERNEL_MODE_TRANSPORT) {
		struct ip_subnet s = ip_subnet_from_addr(&sa->src);
		struct ip_subnet d = ip_subnet_from_addr(&sa->dst);

		put_selector(&info.sel, &s, &d, 0, 0, 0);
	} else {
		info.sel.family = sa->src.af;
	}
	addr_to_xfrm(&sa->dst, &info.id.daddr);
	info.id.spi = htonl(sa->spi);
	info.id.proto = sa->proto;
	addr_to_xfrm(&sa->src, &info.saddr);
	info.family = sa->src.af;
	info.mode = sa->mode == KERNEL_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	info.reqid = sa->reqid;
	info.lft.soft_byte_limit = lim(sa->soft_bytes);
	info.lft.hard_byte_limit = lim(sa->hard_bytes);
	info.lft.soft_packet_limit = lim(sa->soft_packets);
	info.lft.hard_packet_limit = lim(sa->hard_packets);
	info.lft.soft_add_expires_seconds = sa->soft_seconds;
	info.lft.hard_add_expires_seconds = sa->hard_seconds;
	ret = prep_replay(sa, &info, &esn_attr);
	if (ret)
		return ret;
	if (nlmsg_append(m, &info, sizeof(info), NLMSG_ALIGNTO) < 0)
		return -EMSGSIZE;
	if (esn_attr && put_replay_esn(m, sa))
		return -EMSGSIZE;
	ret = put_algs(m, op);
	if (ret)
		return ret;
	if (sa->encap_sport || sa->encap_dport) {
		struct xfrm_encap_tmpl enc;

		if (sa->proto != IPPROTO_ESP)
			return -EINVAL;
		memset(&enc, 0, sizeof(enc));
		enc.encap_type = UDP_ENCAP_ESPINUDP;
		enc.encap_sport = htons(sa->encap_sport);
		enc.encap_dport = htons(sa->encap_dport);
		if (nla_put(m, XFRMA_ENCAP, sizeof(enc), &enc))
			return -EMSGSIZE;
	}
	if (put_mark(m, &sa->mark) || put_u32_if(m, XFRMA_IF_ID, sa->if_id) ||
	    put_u32_if(m, XFRMA_TFCPAD, sa->tfcpad))
		return -EMSGSIZE;
	if (sa->output_mark.mask && (nla_put_u32(m, XFRMA_SET_MARK, sa->output_mark.value) ||
				     nla_put_u32(m, XFRMA_SET_MARK_MASK, sa->output_mark.mask)))
		return -EMSGSIZE;
	return 0;
}

/* DELSA and GETSA: the SA's identity (dst, spi, proto), its source and mark. */
static int encode_sa_id(struct nl_msg *m, const struct kernel_sa_params *sa)
{
	struct xfrm_usersa_id id;
	xfrm_address_t src;

	if (sa->dst.af != AF_INET && sa->dst.af != AF_INET6)
		return -EINVAL;
	memset(&id, 0, sizeof(id));
	addr_to_xfrm(&sa->dst, &id.daddr);
	id.spi = htonl(sa->spi);
	id.family = sa->dst.af;
	id.proto = sa->proto;
	if (nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO) < 0)
		return -EMSGSIZE;
	if (sa->src.af == sa->dst.af) {
		addr_to_xfrm(&sa->src, &src);
		if (nla_put(m, XFRMA_SRCADDR, sizeof(src), &src))
			return -EMSGSIZE;
	}
	return put_mark(m, &sa->mark) ? -EMSGSIZE : 0;
}

static int encode_spi(struct nl_msg *m, const struct kernel_spi_params *r)
{
	struct xfrm_userspi_info si;
	uint32_t lo = r->spi_min < KERNEL_SPI_MIN ? KERNEL_SPI_MIN : r->spi_min;
	uint32_t hi = r->spi_max ? r->spi_max : (r->proto == IPPROTO_COMP ? 0xffff : UINT32_MAX);

	if (r->src.af != r->dst.af || (r->dst.af != AF_INET && r->dst.af != AF_INET6))
		return -EINVAL;
	if (lo > hi || (r->proto == IPPROTO_COMP && hi > 0xffff))
		return -EINVAL;
	memset(&si, 0, sizeof(si));
	si.info.sel.family = r->dst.af;
	addr_to_xfrm(&r->dst, &si.info.id.daddr);
	si.info.id.proto = r->proto;
	addr_to_xfrm(&r->src, &si.info.saddr);
	si.info.family = r->dst.af;
	si.info.mode = XFRM_MODE_TUNNEL;
	si.info.reqid = r->reqid;
	si.info.lft.soft_byte_limit = XFRM_INF;
	si.info.lft.hard_byte_limit = XFRM_INF;
	si.info.lft.soft_packet_limit = XFRM_INF;
	si.info.lft.hard_packet_limit = XFRM_INF;
	si.min = lo;
	si.max = hi;
	return nlmsg_append(m, &si, sizeof(si), NLMSG_ALIGNTO) < 0 ? -EMSGSIZE : 0;
}

static uint8_t xfrm_dir(uint8_t dir)
{
	switch (dir) {
	case KERNEL_DIR_IN:
		return XFRM_POLICY_IN;
	case KERNEL_DIR_OUT:
		return XFRM_POLICY_OUT;
	default:
		return XFRM_POLICY_FWD;
	}
}

static uint8_t our_dir(uint8_t dir)
{
	switch (dir) {
	case XFRM_POLICY_IN:
		return KERNEL_DIR_IN;
	case XFRM_POLICY_OUT:
		return KERNEL_DIR_OUT;
	default:
		return KERNEL_DIR_FWD;
	}
}

static void fill_tmpl(struct xfrm_user_tmpl *t, const struct kernel_policy_params *p, uint8_t proto,
		      uint8_t mode, bool optional)
{
	memset(t, 0, sizeof(*t));
	t->id.proto = proto;
	t->reqid = p->reqid;
	t->mode = mode;
	t->optional = optional;
	t->aalgos = t->ealgos = t->calgos = ~0u;
	if (mode == XFRM_MODE_TUNNEL) {
		t->family = p->tun_dst.af;
		addr_to_xfrm(&p->tun_dst, &t->id.daddr);
		addr_to_xfrm(&p->tun_src, &t->saddr);
	} else {
		t->family = p->src_sel.addr.af;
	}
}

static int put_templates(struct nl_msg *m, const struct kernel_policy_params *p)
{
	struct xfrm_user_tmpl t[2];
	uint8_t mode = p->mode == KERNEL_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	int n = 0;

	if (p->mode == KERNEL_MODE_TUNNEL &&
	    (p->tun_src.af != p->tun_dst.af ||
	     (p->tun_dst.af != AF_INET && p->tun_dst.af != AF_INET6)))
		return -EINVAL;
	if (p->proto != IPPROTO_ESP && p->proto != IPPROTO_AH)
		return -EINVAL;
	/*
	 * Output applies the templates in order: compress the inner packet
	 * (in the tunnel, if any), then ESP or AH in transport mode over it.
	 * Inbound, small packets arrive uncompressed: IPComp is optional.
	 */
	if (p->ipcomp) {
		fill_tmpl(&t[n++], p, IPPROTO_COMP, mode, p->dir != KERNEL_DIR_OUT);
		mode = XFRM_MODE_TRANSPORT;
	}
	fill_tmpl(&t[n++], p, p->proto, mode, false);
	if (p->ipcomp && p->mode == KERNEL_MODE_TUNNEL) {
		/* the outer transform still carries the tunnel endpoints */
		t[1].family = p->tun_dst.af;
		addr_to_xfrm(&p->tun_dst, &t[1].id.daddr);
		addr_to_xfrm(&p->tun_src, &t[1].saddr);
	}
	return nla_put(m, XFRMA_TMPL, (int)(n * sizeof(t[0])), t) ? -EMSGSIZE : 0;
}

static int encode_policy(struct nl_msg *m, const struct kernel_policy_params *p, bool add)
{
	struct xfrm_userpolicy_info info;
	struct xfrm_userpolicy_id id;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = put_selector(&info.sel, &p->src_sel, &p->dst_sel, p->sel_proto, p->sel_sport,
			   p->sel_dport);
	if (ret)
		return ret;
	if (p->dir > KERNEL_DIR_FWD || p->action > KERNEL_POLICY_BLOCK)
		return -EINVAL;
	if (!add) {
		memset(&id, 0, sizeof(id));
		id.sel = info.sel;
		id.dir = xfrm_dir(p->dir);
		if (nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO) < 0)
			return -EMSGSIZE;
		goto tail;
	}
	info.lft.soft_byte_limit = XFRM_INF;
	info.lft.hard_byte_limit = XFRM_INF;
	info.lft.soft_packet_limit = XFRM_INF;
	info.lft.hard_packet_limit = XFRM_INF;
	info.priority = p->priority;
	info.dir = xfrm_dir(p->dir);
	info.action = p->action == KERNEL_POLICY_BLOCK ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	info.share = XFRM_SHARE_ANY;
	if (nlmsg_append(m, &info, sizeof(info), NLMSG_ALIGNTO) < 0)
		return -EMSGSIZE;
	if (p->action == KERNEL_POLICY_IPSEC || p->action == KERNEL_POLICY_TRAP) {
		ret = put_templates(m, p);
		if (ret)
			return ret;
	}
tail:
	if (put_mark(m, &p->mark) || put_u32_if(m, XFRMA_IF_ID, p->if_id))
		return -EMSGSIZE;
	return 0;
}

static const struct {
	int type;
	int flags;
} req[KERNEL_OP_KINDS] = {
	[KERNEL_OP_SA_ADD] = {XFRM_MSG_NEWSA, 0},
	[KERNEL_OP_SA_UPDATE] = {XFRM_MSG_UPDSA, 0},
	[KERNEL_OP_SA_DELETE] = {XFRM_MSG_DELSA, 0},
	/* UPDPOLICY inserts or replaces: %trap becomes the IPsec policy in place */
	[KERNEL_OP_POLICY_ADD] = {XFRM_MSG_UPDPOLICY, 0},
	[KERNEL_OP_POLICY_DELETE] = {XFRM_MSG_DELPOLICY, 0},
	[KERNEL_OP_SPI_ALLOC] = {XFRM_MSG_ALLOCSPI, 0},
	[KERNEL_OP_SA_QUERY] = {XFRM_MSG_GETSA, 0},
};

int kernel_xfrm_encode(const struct kernel_op *op, uint32_t seq, struct nl_msg **out)
{
	struct nl_msg *m = NULL;
	int ret;

	*out = NULL;
	if ((unsigned)op->kind >= KERNEL_OP_KINDS)
		return -EINVAL;
	m = nlmsg_alloc_size(KERNEL_XFRM_MSG_MAX);
	if (!m)
		return -ENOMEM;
	if (!nlmsg_put(m, NL_AUTO_PORT, seq, req[op->kind].type, 0,
		       NLM_F_REQUEST | NLM_F_ACK | req[op->kind].flags)) {
		ret = -EMSGSIZE;
		goto out;
	}
	switch (op->kind) {
	case KERNEL_OP_SA_ADD:
	case KERNEL_OP_SA_UPDATE:
		ret = encode_sa(m, op);
		break;
	case KERNEL_OP_SA_DELETE:
	case KERNEL_OP_SA_QUERY:
		ret = encode_sa_id(m, &op->sa);
		break;
	case KERNEL_OP_POLICY_ADD:
		ret = encode_policy(m, &op->policy, true);
		break;
	case KERNEL_OP_POLICY_DELETE:
		ret = encode_policy(m, &op->policy, false);
		break;
	case KERNEL_OP_SPI_ALLOC:
		ret = encode_spi(m, &op->spi_req);
		break;
	default:
		ret = -EINVAL;
		break;
	}
out:
	if (ret) {
		kernel_xfrm_msg_free(m);
		return ret;
	}
	*out = m;
	return 0;
}

void kernel_xfrm_msg_free(struct nl_msg *m)
{
	if (!m)
		return;
	/* keys may sit anywhere in the buffer, not only within nlmsg_len */
	explicit_bzero(nlmsg_hdr(m), KERNEL_XFRM_MSG_MAX);
	nlmsg_free(m);
}

/* Copy attribute a into dst when it is at least len bytes; 0 or -EBADMSG. */
static int attr_copy(const struct nlattr *a, void *dst, size_t len)
{
	if ((size_t)nla_len(a) < len)
		return -EBADMSG;
	memcpy(dst, nla_data(a), len);
	return 0;
}

static int fixed(const struct nlmsghdr *h, void *dst, size_t len)
{
	if (h->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(len))
		return -EBADMSG;
	memcpy(dst, nlmsg_data(h), len);
	return 0;
}

#define for_each_attr(a, h, hdrlen, rem)                                                           \
	nla_for_each_attr(a, nlmsg_attrdata(h, hdrlen), nlmsg_attrlen(h, hdrlen), rem)

static void get_mark(const struct nlattr *a, uint32_t *v, uint32_t *mask)
{
	struct xfrm_mark xm;

	if (!attr_copy(a, &xm, sizeof(xm))) {
		*v = xm.v;
		*mask = xm.m;
	}
}

int kernel_xfrm_decode_event(const struct nlmsghdr *h, struct kernel_event *ev)
{
	const struct nlattr *a;
	int rem, hdrlen;

	memset(ev, 0, sizeof(*ev));
	switch (h->nlmsg_type) {
	case XFRM_MSG_ACQUIRE: {
		struct xfrm_user_acquire acq;
		bool have_tmpl = false;

		if (fixed(h, &acq, sizeof(acq)))
			return -EBADMSG;
		hdrlen = sizeof(acq);
		ev->kind = KERNEL_EVENT_ACQUIRE;
		ev->proto = acq.id.proto;
		addr_from_xfrm(acq.policy.sel.family ? acq.policy.sel.family : acq.sel.family,
			       &acq.saddr, &ev->src);
		addr_from_xfrm(acq.policy.sel.family ? acq.policy.sel.family : acq.sel.family,
			       &acq.id.daddr, &ev->dst);
		get_selector(&acq.sel, &ev->sel_src, &ev->sel_dst, &ev->sel_proto, &ev->sel_sport,
			     &ev->sel_dport);
		ev->policy_index = acq.policy.index;
		ev->dir = our_dir(acq.policy.dir);
		for_each_attr(a, h, hdrlen, rem)
		{
			struct xfrm_user_tmpl t;

			switch (nla_type(a)) {
			case XFRMA_TMPL:
				/* the first template is the one the kernel asks keys for */
				if (!have_tmpl && !attr_copy(a, &t, sizeof(t))) {
					ev->reqid = t.reqid;
					if (t.family)
						addr_from_xfrm(t.family, &t.saddr, &ev->src);
					if (t.family && t.mode == XFRM_MODE_TUNNEL)
						addr_from_xfrm(t.family, &t.id.daddr, &ev->dst);
					have_tmpl = true;
				}
				break;
			case XFRMA_MARK:
				get_mark(a, &ev->mark, &ev->mark_mask);
				break;
			case XFRMA_IF_ID:
				attr_copy(a, &ev->if_id, sizeof(ev->if_id));
				break;
			}
		}
		return 0;
	}
	case XFRM_MSG_EXPIRE: {
		struct xfrm_user_expire ex;

		if (fixed(h, &ex, sizeof(ex)))
			return -EBADMSG;
		hdrlen = sizeof(ex);
		ev->kind = KERNEL_EVENT_EXPIRE;
		ev->hard = ex.hard != 0;
		ev->proto = ex.state.id.proto;
		ev->spi = ntohl(ex.state.id.spi);
		ev->reqid = ex.state.reqid;
		addr_from_xfrm(ex.state.family, &ex.state.saddr, &ev->src);
		addr_from_xfrm(ex.state.family, &ex.state.id.daddr, &ev->dst);
		get_selector(&ex.state.sel, &ev->sel_src, &ev->sel_dst, &ev->sel_proto,
			     &ev->sel_sport, &ev->sel_dport);
		break;
	}
	case XFRM_MSG_POLEXPIRE: {
		struct xfrm_user_polexpire pe;

		if (fixed(h, &pe, sizeof(pe)))
			return -EBADMSG;
		hdrlen = sizeof(pe);
		ev->kind = KERNEL_EVENT_POLICY_EXPIRE;
		ev->hard = pe.hard != 0;
		ev->policy_index = pe.pol.index;
		ev->dir = our_dir(pe.pol.dir);
		get_selector(&pe.pol.sel, &ev->sel_src, &ev->sel_dst, &ev->sel_proto,
			     &ev->sel_sport, &ev->sel_dport);
		break;
	}
	default:
		return -ENOENT;
	}
	for_each_attr(a, h, hdrlen, rem)
	{
		if (nla_type(a) == XFRMA_MARK)
			get_mark(a, &ev->mark, &ev->mark_mask);
		else if (nla_type(a) == XFRMA_IF_ID)
			attr_copy(a, &ev->if_id, sizeof(ev->if_id));
	}
	return 0;
}

/* Name and lengths of an xfrm_algo-like attribute; the key is not looked at. */
static int get_alg(const struct nlattr *a, bool has_extra, char name[64], unsigned *key_bits,
		   unsigned *extra)
{
	struct xfrm_algo_aead h;
	size_t need = sizeof(struct xfrm_algo) + (has_extra ? sizeof(uint32_t) : 0);

	if ((size_t)nla_len(a) < need)
		return -EBADMSG;
	memset(&h, 0, sizeof(h));
	memcpy(&h, nla_data(a), need);
	memcpy(name, h.alg_name, 64);
	name[63] = '\0';
	*key_bits = h.alg_key_len;
	*extra = has_extra ? h.alg_icv_len : 0;
	return 0;
}

static void decode_sa_attr(const struct nlattr *a, struct kernel_sa_params *sa)
{
	const struct kernel_alg *alg;
	char name[64];
	unsigned bits, extra;

	switch (nla_type(a)) {
	case XFRMA_ALG_AEAD:
		if (get_alg(a, true, name, &bits, &extra))
			break;
		alg = kernel_alg_by_xfrm_name(KERNEL_ALG_AEAD, name, extra);
		sa->encr_id = alg ? alg->ike_id : 0;
		sa->encr_key_len = (uint16_t)(bits / 8);
		sa->icv_bits = (uint16_t)extra;
		break;
	case XFRMA_ALG_CRYPT:
	case XFRMA_ALG_COMP:
		if (get_alg(a, false, name, &bits, &extra))
			break;
		alg = kernel_alg_by_xfrm_name(nla_type(a) == XFRMA_ALG_COMP ? KERNEL_ALG_COMP
									    : KERNEL_ALG_CIPHER,
					      name, 0);
		sa->encr_id = alg ? alg->ike_id : 0;
		sa->encr_key_len = (uint16_t)(bits / 8);
		break;
	case XFRMA_ALG_AUTH_TRUNC:
		if (get_alg(a, true, name, &bits, &extra))
			break;
		alg = kernel_alg_by_xfrm_name(KERNEL_ALG_INTEG, name, extra);
		sa->integ_id = alg ? alg->ike_id : 0;
		sa->integ_key_len = (uint16_t)(bits / 8);
		break;
	case XFRMA_ENCAP: {
		struct xfrm_encap_tmpl enc;

		if (!attr_copy(a, &enc, sizeof(enc))) {
			sa->encap_sport = ntohs(enc.encap_sport);
			sa->encap_dport = ntohs(enc.encap_dport);
		}
		break;
	}
	case XFRMA_REPLAY_ESN_VAL: {
		struct xfrm_replay_state_esn rs;

		if (!attr_copy(a, &rs, sizeof(rs)))
			sa->replay_window = rs.replay_window;
		break;
	}
	case XFRMA_MARK:
		get_mark(a, &sa->mark.value, &sa->mark.mask);
		break;
	case XFRMA_SET_MARK:
		attr_copy(a, &sa->output_mark.value, sizeof(uint32_t));
		break;
	case XFRMA_SET_MARK_MASK:
		attr_copy(a, &sa->output_mark.mask, sizeof(uint32_t));
		break;
	case XFRMA_IF_ID:
		attr_copy(a, &sa->if_id, sizeof(uint32_t));
		break;
	case XFRMA_TFCPAD:
		attr_copy(a, &sa->tfcpad, sizeof(uint32_t));
		break;
	}
}

int kernel_xfrm_decode_sa(const struct nlmsghdr *h, struct kernel_sa_params *sa,
			  struct kernel_sa_stats *stats)
{
	struct xfrm_usersa_info info;
	struct kernel_sa_params tmp;
	const struct nlattr *a;
	int rem;

	if (h->nlmsg_type != XFRM_MSG_NEWSA || fixed(h, &info, sizeof(info)))
		return -EBADMSG;
	if (stats) {
		stats->bytes = info.curlft.bytes;
		stats->packets = info.curlft.packets;
		stats->add_time = info.curlft.add_time;
		stats->use_time = info.curlft.use_time;
	}
	if (!sa)
		return 0;
	memset(&tmp, 0, sizeof(tmp));
	addr_from_xfrm(info.family, &info.saddr, &tmp.src);
	addr_from_xfrm(info.family, &info.id.daddr, &tmp.dst);
	tmp.spi = ntohl(info.id.spi);
	tmp.proto = info.id.proto;
	tmp.mode = info.mode == XFRM_MODE_TUNNEL ? KERNEL_MODE_TUNNEL : KERNEL_MODE_TRANSPORT;
	tmp.esn = (info.flags & XFRM_STATE_ESN) != 0;
	tmp.reqid = info.reqid;
	tmp.replay_window = info.replay_window;
	tmp.soft_bytes = unlim(info.lft.soft_byte_limit);
	tmp.hard_bytes = unlim(info.lft.hard_byte_limit);
	tmp.soft_packets = unlim(info.lft.soft_packet_limit);
	tmp.hard_packets = unlim(info.lft.hard_packet_limit);
	tmp.soft_seconds = info.lft.soft_add_expires_seconds;
	tmp.hard_seconds = info.lft.hard_add_expires_seconds;
	if (info.sel.family)
		get_selector(&info.sel, &tmp.sel_src, &tmp.sel_dst, &tmp.sel_proto, &tmp.sel_sport,
			     &tmp.sel_dport);
	for_each_attr(a, h, sizeof(info), rem) decode_sa_attr(a, &tmp);
	*sa = tmp;
	return 0;
}

int kernel_xfrm_decode_policy(const struct nlmsghdr *h, struct kernel_policy_params *p,
			      uint32_t *index)
{
	struct xfrm_userpolicy_info info;
	struct kernel_policy_params tmp;
	const struct nlattr *a;
	int rem;

	if ((h->nlmsg_type != XFRM_MSG_NEWPOLICY && h->nlmsg_type != XFRM_MSG_UPDPOLICY) ||
	    fixed(h, &info, sizeof(info)))
		return -EBADMSG;
	memset(&tmp, 0, sizeof(tmp));
	get_selector(&info.sel, &tmp.src_sel, &tmp.dst_sel, &tmp.sel_proto, &tmp.sel_sport,
		     &tmp.sel_dport);
	tmp.dir = our_dir(info.dir);
	tmp.priority = info.priority;
	tmp.action = info.action == XFRM_POLICY_BLOCK ? KERNEL_POLICY_BLOCK : KERNEL_POLICY_PASS;
	for_each_attr(a, h, sizeof(info), rem)
	{
		int n = nla_len(a) / (int)sizeof(struct xfrm_user_tmpl);

		if (nla_type(a) == XFRMA_MARK) {
			get_mark(a, &tmp.mark.value, &tmp.mark.mask);
		} else if (nla_type(a) == XFRMA_IF_ID) {
			attr_copy(a, &tmp.if_id, sizeof(uint32_t));
		} else if (nla_type(a) == XFRMA_TMPL && n > 0 &&
			   tmp.action != KERNEL_POLICY_BLOCK) {
			struct xfrm_user_tmpl t;

			memcpy(&t, nla_data(a), sizeof(t));
			if (t.id.proto == IPPROTO_COMP && n > 1) {
				tmp.ipcomp = true;
				tmp.mode = t.mode == XFRM_MODE_TUNNEL ? KERNEL_MODE_TUNNEL
								      : KERNEL_MODE_TRANSPORT;
				memcpy(&t, (const uint8_t *)nla_data(a) + sizeof(t), sizeof(t));
			} else {
				tmp.mode = t.mode == XFRM_MODE_TUNNEL ? KERNEL_MODE_TUNNEL
								      : KERNEL_MODE_TRANSPORT;
			}
			tmp.action = KERNEL_POLICY_IPSEC;
			tmp.proto = t.id.proto;
			tmp.reqid = t.reqid;
			if (t.family && (t.mode == XFRM_MODE_TUNNEL || tmp.ipcomp)) {
				addr_from_xfrm(t.family, &t.saddr, &tmp.tun_src);
				addr_from_xfrm(t.family, &t.id.daddr, &tmp.tun_dst);
			}
		}
	}
	if (index)
		*index = info.index;
	*p = tmp;
	return 0;
}
