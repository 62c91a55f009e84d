/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_IKE_UNIQUEIDS_H
#define SKUA_IKE_UNIQUEIDS_H

#include "ike/ike_sa.h"

/*
 * --uniqueids (libreswan's default): one IKE SA per client ID on a
 * template. When sa, a responder's IKE SA on an instance, is up (with its
 * first Child SA `first`, or NULL), every other instance of the same
 * template whose peer authenticated with the same ID is replaced, make
 * before break: the new SAs are already installed; the old instance's IKE
 * SAs are then deleted on their owner worker with a Delete to the peer.
 * An old Child SA with the new one's selectors leaves the kernel policies
 * (now the new one's) in place. The old instance's lease goes back
 * first (ike_inst_replace_old()): the new instance holds the same address
 * by the same ID, so the address never changes hands. With
 * --uniqueids=no both stay.
 * Context: sa's owner worker; the old instances are found through the
 * instance table by template and peer ID (a hash lookup) and handled by
 * their own owners (a mail each).
 */
void ike_uniqueids_replace(struct ike_sa *sa, const struct child_sa *first);

/*
 * The same replacement whatever --uniqueids says (IKEv1's INITIAL-CONTACT:
 * the client says its older SAs are gone). The instances are found by the
 * peer-ID index, which exists only with --uniqueids: without it, nothing
 * is found.
 */
void ike_inst_replace_same_id(struct ike_sa *sa, const struct child_sa *first);

/*
 * Whether sa, ours and about to authenticate, carries INITIAL_CONTACT
 * (IKEv2 IKE_AUTH, IKEv1 Main/Aggressive Mode message 3): its connection
 * asks for it (initial-contact=yes, whack --initialcontact) and none of its
 * IPsec SAs is up (ipsec.conf(5): "if we currently have no IPsec SAs up
 * with that peer"), read from the connection's count of installed Child
 * SAs on every worker, not by looking at SAs. An IKE SA that replaces one
 * (rekey, reauthentication, a second IKE SA of the connection) finds the
 * old one's Child SAs up and sends none.
 * Context: sa's owner worker; pure.
 */
bool ike_sa_sends_initial_contact(const struct ike_sa *sa);

/*
 * sa, the peer's and now authenticated, carried INITIAL_CONTACT (RFC 7296
 * 2.4, RFC 2407 4.6.3.3): the peer has no other SA with us, so the older
 * IKE SAs of the same connection and peer ID go. A client's instance: its
 * older instances, the --uniqueids way (ike_inst_replace_same_id(), with a
 * Delete each). A fixed connection: the older established SAs of sa's IKE
 * version on this worker, without a Delete (the peer forgot them); SAs on
 * other workers stay until their DPD or lifetime. Once per SA: the caller
 * makes sure (IKEv1 sees it in more than one message).
 * Context: sa's owner worker.
 */
void ike_initial_contact_replace(struct ike_sa *sa, const struct child_sa *first);

#endif
