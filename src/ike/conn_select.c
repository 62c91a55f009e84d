/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/conn_select.h"

bool ike_conn_peer_matches(const struct connection *c, uint8_t this_end,
			   const struct ip_addr *peer)
{
	uint8_t pe = (uint8_t)(1 - this_end);

	if (ike_conn_host_kind(c, pe) == HOST_ANY)
		return c->spec->host_af == peer->af;
	return ike_conn_host_kind(c, pe) == HOST_ADDR && ip_addr_eq(ike_conn_host(c, pe), peer);
}

/*
 * Candidates come from the index (sadb/conn_index.h), never from a walk
 * over every connection: for the first message the oldest connection of
 * the best host match (both hosts exact: 2, the peer %any: 1); once the
 * peer's ID is known, a connection that names it beats one that accepts
 * any (+2). Ties go to the oldest (lowest serial).
 */
/*
 * The choice so far. Entries carry what the choice needs (serial, end,
 * family), so only the connection chosen is touched: with many
 * connections loaded, each one read is a cache miss.
 */
struct pick {
	const struct conn_index_entry *e;
	int score;
};

static void pick_offer(struct pick *p, const struct conn_index_entry *e, int s)
{
	if (s > p->score || (s == p->score && p->e && e->serial < p->e->serial)) {
		p->e = e;
		p->score = s;
	}
}

static struct connection *pick_done(struct pick *p, uint8_t *this_end)
{
	struct connection *c = p->e ? p->e->owner : NULL;

	if (c) {
		ike_connection_ref(c);
		*this_end = p->e->end;
	}
	rcu_read_unlock();
	return c;
}

/* A %any end accepts only peers of the connection's family (that of our end). */
static bool family_ok(const struct conn_index_entry *e, const struct ip_addr *peer)
{
	return e->local.af == peer->af;
}

struct offer_ctx {
	struct pick *pick;
	const struct ip_addr *peer;
	const struct ike_id *peer_id;
	int score;
	/* for_ts */
	const struct ike_id *our_id;
	const struct ike_ts_set *tsi, *tsr;
};

/* The first member that fits is the oldest: offer it and stop. */
static bool offer_first(struct conn_index_entry *e, void *ctx)
{
	struct offer_ctx *o = ctx;

	if (!family_ok(e, o->peer))
		return true;
	pick_offer(o->pick, e, o->score);
	return false;
}

/*
 * A connection whose peer ID is a DN or %fromcert is filed with those that
 * accept any ID (a DN matches by its RDNs, not by its bytes: docs/certificates.md).
 * It is offered when its pattern matches id; a DN pattern scores as a named
 * peer does. The walk goes on: a later member may score higher.
 */
static bool offer_matching(struct conn_index_entry *e, const struct offer_ctx *o, int *score)
{
	const struct connection *c = e->owner;
	const struct ike_id *want;

	*score = o->score;
	if (!e->id_by_match)
		return true;
	want = c->id[1 - e->end];
	if (!ike_id_match(want, o->peer_id))
		return false;
	if (!ike_id_is_fromcert(want))
		*score += 2;
	return true;
}

static bool offer_any_id(struct conn_index_entry *e, void *ctx)
{
	struct offer_ctx *o = ctx;
	int s;

	if (family_ok(e, o->peer) && offer_matching(e, o, &s))
		pick_offer(o->pick, e, s);
	return true;
}

static struct connection *best(struct ike_daemon *d, const struct ip_addr *local,
			       const struct ip_addr *peer, const struct ike_id *id,
			       uint8_t *this_end)
{
	struct conn_index *ix = &d->conns->index;
	struct pick pick = { 0 };
	struct offer_ctx o = { .pick = &pick, .peer = peer, .peer_id = id };

	rcu_read_lock();
	if (!id) {
		o.score = 2;
		conn_index_group_each_rcu(ix, CONN_INDEX_ALL, local, peer, offer_first, &o);
		if (!pick.e) {
			o.score = 1;
			conn_index_group_each_rcu(ix, CONN_INDEX_ALL, local, NULL, offer_first, &o);
		}
		return pick_done(&pick, this_end);
	}
	o.score = 4;
	conn_index_by_id_each_rcu(ix, local, peer, id->type, id->data, id->len, offer_first, &o);
	o.score = 3;
	conn_index_by_id_each_rcu(ix, local, NULL, id->type, id->data, id->len, offer_first, &o);
	o.score = 2;
	conn_index_group_each_rcu(ix, CONN_INDEX_ANY_ID, local, peer, offer_any_id, &o);
	o.score = 1;
	conn_index_group_each_rcu(ix, CONN_INDEX_ANY_ID, local, NULL, offer_any_id, &o);
	return pick_done(&pick, this_end);
}

struct ike_ts ike_conn_remote_ts(const struct connection *c, uint8_t this_end,
				 const struct ip_addr *peer)
{
	struct ike_ts remote = *c->ts[1 - this_end];
	const struct conn_end_spec *e = &c->spec->end[1 - this_end];

	/* Its pool: any address of the family (the lease narrows it, per SA). */
	if (ike_connection_has_pool(c, (uint8_t)(1 - this_end)))
		return ike_conn_family_ts(c, (uint8_t)(1 - this_end), remote.start.af);
	/* A road warrior's own address stands for an unset client. */
	if (ike_conn_host_kind(c, (uint8_t)(1 - this_end)) != HOST_ADDR && !e->has_client) {
		struct ip_subnet hs = ip_subnet_from_addr(peer);
		remote = ike_ts_from_subnet(&hs, remote.ipproto,
					    remote.sport == remote.eport ? remote.sport : 0);
	}
	return remote;
}

/* A candidate for one more Child SA: our ID, selectors that narrow. */
static bool offer_ts(struct conn_index_entry *e, void *ctx)
{
	struct offer_ctx *o = ctx;
	struct connection *c = e->owner;
	struct ike_ts narrowed;

	int s;

	if (!family_ok(e, o->peer) || !(c->spec->policy & (POL_ENCRYPT | POL_AUTHENTICATE)) ||
	    !ike_id_eq(&c->cfg->id_self[e->end], o->our_id) || !offer_matching(e, o, &s))
		return true;
	struct ike_ts remote = ike_conn_remote_ts(c, e->end, o->peer);
	if (ike_ts_narrow(o->tsi, &remote, &narrowed) < 0 ||
	    ike_ts_narrow(o->tsr, c->ts[e->end], &narrowed) < 0)
		return true;
	pick_offer(o->pick, e, s);
	return true;	/* a later member may not be older, but the score may be higher elsewhere */
}

struct connection *ike_conn_for_ts(struct ike_daemon *d, const struct ip_addr *local,
				   const struct ip_addr *peer, const struct ike_id *peer_id,
				   const struct ike_id *our_id, const struct ike_ts_set *tsi,
				   const struct ike_ts_set *tsr, uint8_t *this_end)
{
	struct conn_index *ix = &d->conns->index;
	struct pick pick = { 0 };
	struct offer_ctx o = { .pick = &pick, .peer = peer, .peer_id = peer_id, .our_id = our_id,
			       .tsi = tsi, .tsr = tsr };

	rcu_read_lock();
	/* Exact hosts beat %any; a named peer ID beats %any (scores as best()). */
	o.score = 4;
	conn_index_by_id_each_rcu(ix, local, peer, peer_id->type, peer_id->data, peer_id->len,
				  offer_ts, &o);
	o.score = 3;
	conn_index_by_id_each_rcu(ix, local, NULL, peer_id->type, peer_id->data, peer_id->len,
				  offer_ts, &o);
	o.score = 2;
	conn_index_group_each_rcu(ix, CONN_INDEX_ANY_ID, local, peer, offer_ts, &o);
	o.score = 1;
	conn_index_group_each_rcu(ix, CONN_INDEX_ANY_ID, local, NULL, offer_ts, &o);
	return pick_done(&pick, this_end);
}

struct connection *ike_conn_for_responder(struct ike_daemon *d, const struct ip_addr *local,
					  const struct ip_addr *peer, uint8_t *this_end)
{
	return best(d, local, peer, NULL, this_end);
}

struct connection *ike_conn_for_id(struct ike_daemon *d, const struct ip_addr *local,
				   const struct ip_addr *peer, const struct ike_id *id,
				   uint8_t *this_end)
{
	return best(d, local, peer, id, this_end);
}

struct ike_ts ike_conn_family_ts(const struct connection *c, uint8_t end, sa_family_t af)
{
	const struct ike_ts *t = c->ts[end];
	struct ip_subnet all;

	memset(&all, 0, sizeof(all));
	all.addr.af = af;
	return ike_ts_from_subnet(&all, t->ipproto, t->sport == t->eport ? t->sport : 0);
}

/* The selector of the prefix of a of length plen with like's protocol and port. */
static struct ike_ts prefix_ts(const struct ike_ts *like, const struct ip_addr *a, uint8_t plen)
{
	struct ip_subnet sn = { .addr = *a, .prefix = plen };

	for (unsigned bit = plen; bit < ip_addr_bits(a); bit++)
		sn.addr.b[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	return ike_ts_from_subnet(&sn, like->ipproto, like->sport == like->eport ? like->sport : 0);
}

struct ike_ts ike_conn_remote_ts_sa(const struct connection *c, uint8_t this_end,
				    const struct ip_addr *peer, const struct ike_lease *lease)
{
	uint8_t pe = (uint8_t)(1 - this_end);
	/*
	 * The tunnel's family (--tunnelipv6, or the --client's), not the peer's
	 * host address's: a peer at an IPv4 address leases an IPv6 address for
	 * an IPv6 tunnel.
	 */
	sa_family_t af = c->spec->client_af ? c->spec->client_af : c->ts[pe]->start.af;
	struct ike_ts none;

	if (!ike_connection_has_pool(c, pe))
		return ike_conn_remote_ts(c, this_end, peer);
	if (lease && ike_lease_has(lease, af))	/* an address, or an IPv6 prefix pool's /64 */
		return prefix_ts(c->ts[pe], &lease->addr[ike_lease_fam(af)],
				 ike_pool_lease_bits(lease->pool[ike_lease_fam(af)]));
	memset(&none, 0, sizeof(none));	/* AF_UNSPEC: intersects nothing */
	return none;
}

struct ike_ts ike_conn_local_ts_sa(const struct connection *c, uint8_t this_end,
				   const struct ike_cp_given *given)
{
	sa_family_t af = c->ts[1 - this_end]->start.af;	/* the tunnel's, not our host's */

	if (given && ike_connection_is_cp_client(c, this_end) &&
	    given->assigned[ike_lease_fam(af)].af == af) {
		const struct ip_addr *a = &given->assigned[ike_lease_fam(af)];
		uint8_t plen = af == AF_INET6 && given->prefix6 ? given->prefix6 : ip_addr_bits(a);
		return prefix_ts(c->ts[this_end], a, plen);
	}
	return *c->ts[this_end];
}
