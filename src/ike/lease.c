/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/lease.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/v2/types.h"

void ike_lease_key(const struct ike_id *peer, uint64_t sa_serial, struct ike_id *key)
{
	char addr[IKE_ID_STRLEN];
	int n;

	switch (peer->type) {
	case V2_ID_FQDN:
	case V2_ID_RFC822_ADDR:
	case V2_ID_DER_ASN1_DN:
	case V2_ID_KEY_ID:
		if (peer->len) {
			memset(key, 0, sizeof(*key));
			memcpy(key, peer, ike_id_size(peer));	/* peer may be kept at its size */
			return;
		}
		break;
	default:
		break;
	}
	/*
	 * An address ID (or none) does not tell two clients behind one NAT
	 * apart: a key of its own per IKE SA, readable in the listing.
	 */
	memset(key, 0, sizeof(*key));
	key->type = V2_ID_KEY_ID;
	n = snprintf((char *)key->data, sizeof(key->data), "%s #%llu",
		     ike_id_is_any(peer) ? "%any" : ike_id_str(peer, addr, sizeof(addr)),
		     (unsigned long long)sa_serial);
	key->len = (uint16_t)(n < 0 ? 0 : (size_t)n >= sizeof(key->data) ? sizeof(key->data) - 1
									   : (size_t)n);
}

int ike_lease_take(struct ike_lease *l, struct ike_pool *pool, const struct ike_id *key)
{
	int fam = ike_lease_fam(ike_pool_family(pool));
	struct ip_addr a;
	int rc;

	if (l->pool[fam])
		return -EALREADY;
	if (!l->pool[0] && !l->pool[1])
		l->key = *key;
	rc = ike_pool_lease(pool, &l->key, &a);
	if (rc < 0)
		return rc;
	ike_pool_ref(pool);
	l->pool[fam] = pool;
	l->addr[fam] = a;
	return 0;
}

void ike_lease_release(struct ike_lease *l)
{
	if (!l)
		return;
	for (int fam = 0; fam < 2; fam++) {
		if (!l->pool[fam])
			continue;
		ike_pool_release(l->pool[fam], &l->key, &l->addr[fam]);
		ike_pool_unref(l->pool[fam]);
		l->pool[fam] = NULL;
		memset(&l->addr[fam], 0, sizeof(l->addr[fam]));
	}
}

void ike_lease_move(struct ike_lease *to, struct ike_lease *from)
{
	ike_lease_release(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}
