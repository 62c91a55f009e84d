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

#endif
