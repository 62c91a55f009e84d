/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_CONNECTION_H
#define SKUA_IKE_CONNECTION_H

#include <stdatomic.h>
#include <stdint.h>

#include "ike/auth.h"
#include "ike/id.h"
#include "ike/lease.h"
#include "ike/pool.h"
#include "ike/v2/cfg.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "sadb/conn_table.h"
#include "util/addr_list.h"
#include "util/conn_spec.h"

struct ike_sa;

/*
 * What a connection is configured with: the connection form (spec) and what
 * is derived from it once (proposals, identities, credentials, pools, Mode
 * Config), and the connection's entries in the host-pair index. Made by
 * ike_connection_new() with its connection, which owns it (cfg_owned);
 * never written after the connection is published. An instance of a
 * template points at the template's (it holds a reference on the template,
 * so the configuration outlives it), and keeps to itself only what differs
 * per client (struct connection below): a million clients must not carry a
 * million copies of it (issue 14: a million SAs in 2 GiB).
 */
struct conn_config {
	struct conn_spec spec;		/* an instance's peer end: ike_conn_host() */
	struct ike_id id[2];		/* per end: --id, or the host address (read c->id) */
	struct ike_ts ts[2];		/* per end: the selectors (read c->ts) */
	/* --ike and --esp (or the defaults; ESP's DH only with --pfs), in props_own */
	const struct proposal_set *ike_props, *esp_props;
	struct proposal_set *props_own;	/* [0] IKE, [1] ESP */
	struct ike_id id_self[2];	/* the ID we send when that end is ours: never %any */
	struct ike_auth_policy auth[2];	/* per end: how that end may authenticate */
	/*
	 * Per end: --cert (and its key, intermediates) and --ca. Filled by the
	 * ctl thread from the certificate store before publishing.
	 */
	struct ike_end_creds creds[2];
	uint8_t *ca_dn[2];		/* --ca as DER, or NULL */
	uint16_t ca_dn_len[2];
	/*
	 * Per end: the pools that end's addresses come from (--addresspool),
	 * [end][0] IPv4 and [end][1] IPv6, each a reference on a pool shared
	 * with the connections naming the same range. The leases themselves
	 * belong to the instances (inst.lease), never to the template.
	 */
	struct ike_pool *pool[2][2];
	/*
	 * What a Configuration payload hands out besides the address
	 * (--modecfgdns, --modecfgdomains, --modecfgpcscf).
	 */
	struct ike_modecfg {
		uint8_t ndns;
		struct ip_addr dns[2 * V2_CFG_MAX_DNS];
		uint8_t npcscf;
		struct ip_addr pcscf[V2_CFG_MAX_PCSCF];
		uint8_t ndomains;
		struct v2_cfg_domain domains[V2_CFG_MAX_DOMAINS];
	} modecfg;
	struct addr_list *redirect_to;	/* --redirect-to (RFC 5685), or NULL */
	struct addr_list *accept_redirect_to;	/* --accept-redirect-to, or NULL: any */
	/* by host pair and peer ID, per end that is an address (never an instance's) */
	struct conn_index_entry ix[2];
};

/*
 * A (potential) connection: the description pluto negotiates from, named,
 * published in the connection table, with its configuration (cfg).
 *
 * Three kinds (libreswan's): a connection whose peer is an address; a
 * template, whose peer is %any (ike_conn_is_template()): configuration
 * only, never written after it is published, never the owner of an SA
 * that is up; and an instance of a template, made for one client that
 * authenticated (ike_conn_instantiate()), named "rw"[3] 198.51.100.7,
 * which owns everything of that client: its IKE and Child SAs, policies,
 * routes, updown runs, and its address-pool lease. An instance shares its
 * template's cfg: its own are the client's address (ike_conn_host()), ID
 * (id[]) and selectors (ts[]), its name, number and lease.
 *
 * Owner: the ctl thread creates, publishes and unpublishes connections and
 * templates; everything but the routing atomics below is immutable once
 * published, so any RCU reader may read every field. An instance is
 * created, published in the daemon's instance table (ike/conn_inst.h) and
 * unpublished by the worker that owns its IKE SA (inst.owner), the only
 * writer of its mutable fields. An SA keeps its connection alive with a
 * reference: the object is freed (after a grace period) when the table
 * and the last holder have let go.
 */
struct connection {
	struct conn_node node;		/* by name; node.name points at spec.name */
	struct conn_config *cfg;	/* an instance's is its template's */
	const struct conn_spec *spec;	/* &cfg->spec */
	uint64_t serial;		/* $N: order of creation, for stable listings */
	/*
	 * Per end: --id, or the host address (cfg->id); an instance's peer
	 * end is the ID its client authenticated with (inst.peer_id) where the
	 * template accepts any.
	 */
	const struct ike_id *id[2];
	/*
	 * Per end: --client (or the host) with --clientprotoport (cfg->ts); an
	 * instance's peer end without one is its client's address (inst.peer_ts).
	 */
	const struct ike_ts *ts[2];
	_Atomic unsigned refs;		/* the table's and each SA's */
	/*
	 * Templates: the last instance number handed out ([N]). Bumped by
	 * whichever worker instantiates; the one word of a template that ever
	 * changes after it is published, a counter like refs, no client's state.
	 */
	_Atomic uint32_t last_instance;

	/*
	 * Routing, the one mutable part: written only by the connection's
	 * route worker (ike_conn_route_worker()), read by anyone.
	 */
	_Atomic int routing;		/* enum conn_routing */
	_Atomic int shunt;		/* enum shunt_kind of the outbound policy while no SA */
	_Atomic uint32_t route_reqid;	/* of the trap policy; its owner bits name the route worker */
	_Atomic unsigned children_up;	/* installed Child SAs, on every worker */
	_Atomic uint64_t policy_owner;	/* serial of the Child SA whose policies are in the kernel */
	_Atomic uint8_t route_end;	/* our end when routed */
	_Atomic bool acquiring;		/* an ACQUIRE started an IKE SA that is not up yet */

	bool cfg_owned;			/* cfg is this connection's (not an instance) */
	/* A template's instances with children_up > 0 (in the padding before inst) */
	_Atomic unsigned instances_up;

	/*
	 * Instances only (tmpl != NULL); see ike/conn_inst.h. Ordered to leave
	 * no holes: a million of them are held (issue 14).
	 */
	struct conn_instance {
		struct connection *tmpl;	/* the template (a reference) */
		struct ike_sa *sas;		/* its IKE SAs (ike_sa.inst_next), owner only */
		/*
		 * The client's address-pool lease (ike/lease.h): taken when the
		 * client has authenticated and asked for an address, written
		 * only by the owner, returned when the instance goes
		 * (ike_inst_unpublish()), when our Delete of its last IKE SA
		 * goes out, or when a new instance of the same ID replaces it
		 * (--uniqueids: ike_inst_replace_old()). An IKE SA rekey keeps
		 * the instance, so the lease stays where it is. Allocated when
		 * the first address is taken (ike_sa_lease_slot()): NULL until
		 * then, so that a client without a pool carries none of its
		 * 320 bytes (issue 14).
		 */
		struct ike_lease *lease;
		/* in the daemon's instance table, by name and by template and peer ID */
		struct cds_lfht_node by_name, by_id;
		uint32_t no;			/* [N] */
		unsigned owner;			/* the worker of its IKE SA: its one writer */
		unsigned users;			/* IKE SAs and Child SAs on it (the owner's count) */
		uint8_t end;			/* our end */
		bool published;			/* owner only */
		bool by_id_published;		/* ... in by_id too (owner only) */
		struct ip_addr client;		/* the client's address: its peer end's host */
		/*
		 * "rw[3]": the key whack finds it by. In tail[], as are its
		 * selector (ts[] of its peer end) unless the template's, and its
		 * ID (id[] of its peer end, at its size) unless the template's.
		 */
		const char *name;
	} inst;
	/* An instance's own selector, ID and name (ike_conn_instantiate()); nothing otherwise */
	_Alignas(8) unsigned char tail[];
};

enum conn_routing {
	CONN_UNROUTED,
	CONN_ROUTED,			/* a prospective policy (trap or shunt) is in the kernel */
	CONN_FAILED_SHUNT,		/* after a failed negotiation: the --fail* shunt */
};

/*
 * A connection holding a deep copy of spec, with its proposals, identities
 * and selectors derived. Returns 0, -ENOMEM, -EINVAL (a bad --ike/--esp/--id:
 * err says which and what was expected) or -ENOTSUP (a capability that has
 * not landed: err says which). Context: any thread; the result is private
 * until published and holds one reference (the table's, once added).
 */
int ike_connection_new(const struct conn_spec *spec, uint64_t serial, struct connection **out,
		       char *err, size_t errlen);

/*
 * Publish c in the table: by name, and in its index by host pair and
 * peer ID. Returns 0, -EEXIST (the name is taken) or -ENOMEM; nothing is
 * published on failure. Context: ctl thread (the only writer).
 */
int ike_connection_publish(struct conn_table *t, struct connection *c);

/* Unpublish c (name and index). Returns 0 or -ENOENT. Context: ctl thread. */
int ike_connection_unpublish(struct conn_table *t, struct connection *c);

/*
 * How logs and listings name the connection: "name", with its quotes, and
 * for an instance "name"[N] ADDR (libreswan's form). Returns buf.
 * Context: any thread holding a reference.
 */
const char *ike_conn_instance_str(const struct connection *c, char *buf, size_t len);

/* Whether end `end` of c gets its addresses from a pool (--addresspool). */
static inline bool ike_connection_has_pool(const struct connection *c, uint8_t end)
{
	return c->cfg->pool[end][0] || c->cfg->pool[end][1];
}

/*
 * Whether our end (`end`) of c asks the peer for an address: --modecfgclient,
 * for the families its selectors need. Context: any thread.
 */
static inline bool ike_connection_is_cp_client(const struct connection *c, uint8_t end)
{
	return c->spec->end[end].modecfg_client && !ike_connection_has_pool(c, 1 - end);
}
/* The same without the client address: "name" or "name"[N] (--status connection lines). */
const char *ike_conn_name_str(const struct connection *c, char *buf, size_t len);

/* A template: one end is an address (ours), the other %any, so every client gets an instance. */
static inline bool ike_conn_is_template(const struct connection *c)
{
	return !c->inst.tmpl &&
	       (c->spec->end[0].host_kind == HOST_ADDR) != (c->spec->end[1].host_kind == HOST_ADDR);
}

static inline bool ike_conn_is_instance(const struct connection *c)
{
	return c->inst.tmpl != NULL;
}

/*
 * What end `end` of c is: an instance's peer end is its client's address
 * (the template's says %any); otherwise the connection form's.
 */
static inline enum conn_host_kind ike_conn_host_kind(const struct connection *c, uint8_t end)
{
	return c->inst.tmpl && end != c->inst.end ? HOST_ADDR : c->spec->end[end].host_kind;
}

/* The address of end `end` of c (an instance's peer: its client). */
static inline const struct ip_addr *ike_conn_host(const struct connection *c, uint8_t end)
{
	return c->inst.tmpl && end != c->inst.end ? &c->inst.client : &c->spec->end[end].host;
}

/* The template c was made from, or c itself. */
static inline const struct connection *ike_conn_family(const struct connection *c)
{
	return c->inst.tmpl ? c->inst.tmpl : c;
}

/*
 * An instance of template t (our end `end`) for the client at peer that
 * authenticated as peer_id: a private copy whose peer end is that address
 * (and that ID when t accepts any), numbered t's next [N], with serial
 * `serial`, owned by worker `owner`. Returns 0 or -ENOMEM; the result
 * holds one reference (the instance table's, once published).
 * Context: the owner worker; t is held by the caller.
 */
int ike_conn_instantiate(struct connection *t, uint8_t end, const struct ip_addr *peer,
			 const struct ike_id *peer_id, uint64_t serial, unsigned owner,
			 struct connection **out);

/*
 * A reference on c unless its last one is gone (it is being freed): for
 * readers that found c in an RCU table whose entries may be unpublished
 * and released by another thread at any time. Context: inside an RCU
 * read-side section.
 */
bool ike_connection_tryref(struct connection *c);

/* Free now (never published). Accepts NULL. */
void ike_connection_free(struct connection *c);

/* Context: any thread holding a reference (or inside an RCU read section). */
void ike_connection_ref(struct connection *c);

/* Drop a reference; the last one frees after a grace period. Context: any RCU thread. */
void ike_connection_unref(struct connection *c);

static inline struct connection *ike_connection_of(struct conn_node *n)
{
	return caa_container_of(n, struct connection, node);
}

/*
 * Whether we send our certificate (end `end` of c) in IKE_AUTH: --sendcert
 * always, or ifasked and the peer sent a CERTREQ; the default is always
 * for an initiator and ifasked for a responder (the manual).
 */
bool ike_connection_sends_cert(const struct connection *c, uint8_t end, bool initiator,
			       bool peer_asked);

/* The ESP proposals for the Child SA of IKE_AUTH: never with a key exchange. */
void ike_connection_auth_esp(const struct connection *c, struct proposal_set *out);

/*
 * The ESP proposals for a CREATE_CHILD_SA of c (a rekey or a new Child
 * SA), and the KE group it sends (0: no PFS). PFS as libreswan does it:
 * a DH group in esp= (";dh19" or "-dh19"), else --pfsgroup, else with
 * --pfs the IKE SA's own group ike_dh. Context: any thread.
 */
uint16_t ike_connection_child_esp(const struct connection *c, uint16_t ike_dh,
				  struct proposal_set *out);

#endif
