/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The secrets set in force: loaded at start, again on --listen (the manual:
 * listen is "also the trigger for pluto to read the ipsec.secrets file")
 * and on --rereadsecrets. The set is immutable; a new one replaces it
 * through RCU, and a file that fails to parse leaves the old one in force.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/pluto.h"
#include "ctl/secrets_load.h"
#include "ike/v2/types.h"
#include "util/log.h"
#include "util/tsan.h"

static void rcu_free_secrets(struct rcu_head *head)
{
	struct secrets_ref *r = caa_container_of(head, struct secrets_ref, rcu);
	tsan_acquire(r);
	secrets_free(r->set);
	free(r);
}

int ctl_secrets_reload(struct pluto *p, char *err, size_t errlen)
{
	struct secrets_ref *r = calloc(1, sizeof(*r)), *old;
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	char keydir[PATH_MAX + 16];

	snprintf(keydir, sizeof(keydir), "%s/private", p->opts->ipsecdir);
	rc = secrets_load_keys(p->opts->secretsfile, keydir, &r->set, err, errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	tsan_release(r);
	old = rcu_xchg_pointer(&p->secrets, r);
	if (old) {
		tsan_release(old);
		call_rcu(&old->rcu, rcu_free_secrets);
	}
	log_info("loaded %zu secret%s from %s", secrets_count(r->set),
		 secrets_count(r->set) == 1 ? "" : "s", p->opts->secretsfile);
	/* the P12 certificates and the keys of the end certificates follow the secrets */
	if (cert_store_sync_secrets(&p->certs, r->set) < 0)
		log_err("certificates: out of memory pairing the new keys");
	return 0;
}

void ctl_secrets_fini(struct pluto *p)
{
	struct secrets_ref *r = rcu_xchg_pointer(&p->secrets, NULL);
	if (r) {
		secrets_free(r->set);
		free(r);
	}
}

int ctl_xauth_lookup(void *ctx, const char *user, uint8_t *out, size_t cap)
{
	struct pluto *p = ctx;
	const struct secret *e;
	struct secrets_ref *r;
	struct ike_id id = { .type = V2_ID_FQDN };
	size_t ul = strlen(user);
	int rc = -ENOENT;

	if (!ul || ul > sizeof(id.data))
		return -ENOENT;
	memcpy(id.data, user, ul);
	id.len = (uint16_t)ul;
	rcu_read_lock();
	r = rcu_dereference(p->secrets);
	if (r) {
		tsan_acquire(r);
		e = secrets_find_xauth(r->set, &id);
		if (e) {
			size_t len;
			const uint8_t *v = secrets_entry_value(e, &len);
			if (len > cap) {
				rc = -EMSGSIZE;
			} else {
				memcpy(out, v, len);
				rc = (int)len;
			}
		}
	}
	rcu_read_unlock();
	return rc;
}

int ctl_psk_lookup(void *ctx, const struct ike_id *local, const struct ike_id *remote,
		   uint8_t *out, size_t cap)
{
	struct pluto *p = ctx;
	const struct secret *e;
	struct secrets_ref *r;
	int rc = -ENOENT;

	rcu_read_lock();
	r = rcu_dereference(p->secrets);
	if (r) {
		tsan_acquire(r);
		e = secrets_find_psk(r->set, local, remote);
		if (e) {
			size_t len;
			const uint8_t *v = secrets_entry_value(e, &len);
			if (len > cap) {
				rc = -EMSGSIZE;
			} else {
				memcpy(out, v, len);
				rc = (int)len;
			}
		}
	}
	rcu_read_unlock();
	return rc;
}

void ctl_cmd_rereadsecrets(struct pluto *p, struct ctl_client *c, const struct whack_cmd *cmd)
{
	char err[512];

	if (ctl_secrets_reload(p, err, sizeof(err)) < 0) {
		ctl_reply(c, RC_FATAL, "secrets not reloaded, the old ones stay in force: %s", err);
		return;
	}
	ctl_reply(c, RC_LOG, "loaded secrets from %s", p->opts->secretsfile);
}
