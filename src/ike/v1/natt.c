/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IKEv1 NAT traversal (RFC 3947 and draft-ietf-ipsec-nat-t-ike-02/03) and
 * the Vendor IDs of Phase 1 (natt.h). The kernel side (ESP in UDP) is
 * IKEv2's: a Child SA with encap set gets the SA's ports (v2/child.c).
 */
#include <errno.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/ikev1_keys.h"
#include "ike/v1/natt.h"
#include "ike/v1/state.h"
#include "util/impair.h"
#include "util/log.h"

enum { VID_LEN = 16 };

/* MD5("RFC 3947"), MD5("draft-ietf-ipsec-nat-t-ike-02"), its "\n" twin, MD5("...-03"). */
static const uint8_t vid_natt[][VID_LEN] = {
	[V1_NATT_DRAFT_02] = { 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
			       0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 },
	[V1_NATT_DRAFT_02N] = { 0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
				0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f },
	[V1_NATT_DRAFT_03] = { 0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
			       0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56 },
	[V1_NATT_RFC] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
			  0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f },
};

static const char *const natt_names[] = {
	[V1_NATT_NONE] = "none",
	[V1_NATT_DRAFT_02] = "draft-ietf-ipsec-nat-t-ike-02",
	[V1_NATT_DRAFT_02N] = "draft-ietf-ipsec-nat-t-ike-02_n",
	[V1_NATT_DRAFT_03] = "draft-ietf-ipsec-nat-t-ike-03",
	[V1_NATT_RFC] = "RFC 3947 (NAT-Traversal)",
};

/* RFC 3706 2: the DPD Vendor ID, version 1.0. */
static const uint8_t vid_dpd[VID_LEN] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
					  0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };

static bool natt_on(const struct ike_sa *sa)
{
	return sa->w->d->natikeport != 0;
}

int v1_vids_build(struct v1_build *b, const struct ike_sa *sa)
{
	int rc = v1_build_blob(b, V1_PL_VID, vid_dpd, VID_LEN);

	if (rc || !natt_on(sa))
		return rc;
	if (!sa->initiator) {
		uint8_t v = sa->v1->natt;
		return v ? v1_build_blob(b, V1_PL_VID, vid_natt[v], VID_LEN) : 0;
	}
	/* best first, as libreswan sends them (--impair v1-natt-draft-only: no RFC 3947) */
	for (int v = impair_get(IMPAIR_V1_NATT_DRAFT_ONLY) ? V1_NATT_DRAFT_03 : V1_NATT_RFC;
	     v > V1_NATT_NONE && !rc; v--)
		rc = v1_build_blob(b, V1_PL_VID, vid_natt[v], VID_LEN);
	return rc;
}

void v1_vids_read(struct ike_sa *sa, const struct v1_msg *m)
{
	uint8_t best = V1_NATT_NONE;

	for (int i = v1_msg_find(m, V1_PL_VID, 0); i >= 0; i = v1_msg_find(m, V1_PL_VID, i + 1)) {
		const struct v1_blob *v = &m->pl[i].u.blob;

		if (v->len != VID_LEN)
			continue;
		if (!memcmp(v->data, vid_dpd, VID_LEN)) {
			sa->v1->peer_dpd = true;
			continue;
		}
		for (uint8_t k = V1_NATT_DRAFT_02; k <= V1_NATT_RFC; k++) {
			if (!memcmp(v->data, vid_natt[k], VID_LEN) && k > best)
				best = k;
		}
	}
	sa->v1->natt = natt_on(sa) ? best : V1_NATT_NONE;
	if (sa->v1->natt)
		dbg(DBG_BASE, "#%llu: NAT-Traversal: %s", (unsigned long long)sa->serial,
		    natt_names[sa->v1->natt]);
}

/* HASH(CKY-I | CKY-R | IP | Port) with Phase 1's hash (RFC 3947 3.2). */
static int natd_hash(const struct ike_sa *sa, const struct ip_addr *a, uint16_t port, uint8_t *out)
{
	uint8_t p[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	struct iovec iov[4] = {
		{ (void *)sa->spi_i, 8 },
		{ (void *)sa->spi_r, 8 },
		{ (void *)a->b, a->af == AF_INET ? 4 : 16 },
		{ p, 2 },
	};
	return crypto_v1_hash(sa->v1->p1.hash, iov, 4, out);
}

static uint8_t natd_type(const struct ike_sa *sa)
{
	return sa->v1->natt == V1_NATT_RFC ? V1_PL_NAT_D : V1_PL_NAT_D_DRAFT;
}

int v1_natd_build(struct v1_build *b, const struct ike_sa *sa)
{
	uint8_t h[CRYPTO_V1_PRF_MAX];
	size_t len = crypto_v1_hash_len(sa->v1->p1.hash);
	int rc;

	if (!sa->v1->natt)
		return 0;
	if (!len || len > sizeof(h))
		return -ENOTSUP;
	/* the peer's address first, then ours */
	rc = natd_hash(sa, &sa->peer, sa->peer_port, h);
	rc = rc ? rc : v1_build_blob(b, natd_type(sa), h, len);
	rc = rc ? rc : natd_hash(sa, &sa->local, sa->local_port, h);
	if (!rc && (sa->conn->spec->policy & POL_FORCEENCAPS))
		h[0] ^= 0xff;	/* --forceencaps: the peer believes we are behind a NAT */
	rc = rc ? rc : v1_build_blob(b, natd_type(sa), h, len);
	return rc;
}

void v1_natd_check(struct ike_sa *sa, const struct v1_msg *m)
{
	uint8_t h[CRYPTO_V1_PRF_MAX];
	size_t len = crypto_v1_hash_len(sa->v1->p1.hash);
	uint8_t type = natd_type(sa);
	int first = v1_msg_find(m, type, 0);
	bool peer_seen = false;

	if (!sa->v1->natt)
		return;
	if (first < 0 || !len || len > sizeof(h)) {
		log_limited(LOG_INFO, 10, "IKEv1 NAT-T without NAT-D",
			    "#%llu: NAT-Traversal announced but no NAT-D payload came",
			    (unsigned long long)sa->serial);
		return;
	}
	/* the first: our address as the peer sent to it */
	sa->nat_local = natd_hash(sa, &sa->local, sa->local_port, h) < 0 ||
			m->pl[first].u.blob.len != len || !crypto_memeq(h, m->pl[first].u.blob.data, len);
	/* the others: the peer's own addresses; one of them is where it came from, or a NAT is */
	if (natd_hash(sa, &sa->peer, sa->peer_port, h) == 0) {
		for (int i = v1_msg_find(m, type, first + 1); i >= 0; i = v1_msg_find(m, type, i + 1)) {
			if (m->pl[i].u.blob.len == len && crypto_memeq(h, m->pl[i].u.blob.data, len))
				peer_seen = true;
		}
	}
	sa->nat_peer = !peer_seen;
	if (sa->conn->spec->policy & POL_FORCEENCAPS)
		sa->nat_local = true;
	ike_sa_progress(sa, RC_LOG, "NAT-Traversal: Result using %s sender port %u: %s",
			natt_names[sa->v1->natt], sa->peer_port,
			sa->nat_local && sa->nat_peer ? "both are behind NAT"
			: sa->nat_local		      ? "I am behind NAT"
			: sa->nat_peer		      ? "peer behind NAT"
						      : "no NAT detected");
}

void v1_natt_float(struct ike_sa *sa)
{
	if (v1_natt_encap(sa))
		ike_sa_float_natt(sa);
}

void v1_natt_follow(struct ike_sa *sa, const struct net_rx *rx)
{
	v1_natt_follow_to(sa, rx->l, rx->d->peer_port);
}

void v1_natt_follow_to(struct ike_sa *sa, struct net_listener *l, uint16_t peer_port)
{
	if (l != sa->l && l->natt && !sa->natt) {
		net_listener_ref(l);
		net_listener_unref(sa->l);
		sa->l = l;
		sa->natt = true;
		sa->local_port = l->port;
	}
	if (sa->natt && l->natt && peer_port != sa->peer_port) {
		dbg(DBG_BASE, "#%llu: the peer's NAT-T port is now %u", (unsigned long long)sa->serial,
		    peer_port);
		sa->peer_port = peer_port;
	}
}

uint16_t v1_natt_mode(const struct ike_sa *sa, bool tunnel)
{
	if (!v1_natt_encap(sa))
		return tunnel ? V1_ENCAP_TUNNEL : V1_ENCAP_TRANSPORT;
	if (sa->v1->natt == V1_NATT_RFC)
		return tunnel ? V1_ENCAP_UDP_TUNNEL : V1_ENCAP_UDP_TRANSPORT;
	return tunnel ? V1_ENCAP_UDP_TUNNEL_DRAFT : V1_ENCAP_UDP_TRANSPORT_DRAFT;
}

bool v1_encap_is_transport(uint16_t mode)
{
	return mode == V1_ENCAP_TRANSPORT || mode == V1_ENCAP_UDP_TRANSPORT ||
	       mode == V1_ENCAP_UDP_TRANSPORT_DRAFT;
}

static int build_oa(struct v1_build *b, uint8_t type, const struct ip_addr *a)
{
	struct v1_nat_oa oa = { 0 };

	oa.id_type = a->af == AF_INET ? V1_ID_IPV4_ADDR : V1_ID_IPV6_ADDR;
	oa.addr_len = a->af == AF_INET ? 4 : 16;
	memcpy(oa.addr, a->b, oa.addr_len);
	return v1_build_nat_oa(b, type, &oa);
}

int v1_nat_oa_build(struct v1_build *b, const struct ike_sa *sa, bool initiator)
{
	uint8_t type = sa->v1->natt == V1_NATT_RFC ? V1_PL_NAT_OA : V1_PL_NAT_OA_DRAFT;
	int rc;

	if (!v1_natt_encap(sa))
		return 0;
	rc = build_oa(b, type, initiator ? &sa->local : &sa->peer);
	return rc ? rc : build_oa(b, type, initiator ? &sa->peer : &sa->local);
}

void v1_natt_keepalive_arm(struct ike_sa *sa)
{
	struct ike_worker *w = sa->w;

	if (sa->nat_local && sa->natt && !(sa->conn->spec->policy & POL_NO_KEEPALIVE) &&
	    w->d->keep_alive_s)
		timer_arm(&net_pool_worker(w->d->pool, w->index)->timers, &sa->ext->keepalive,
			  ike_now(w) + (uint64_t)w->d->keep_alive_s * 1000);
}
