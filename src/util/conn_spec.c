/* SPDX-License-Identifier: BSD-2-Clause */
#include "util/conn_spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void conn_spec_init(struct conn_spec *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 2; i++) {
		s->end[i].ikeport = 500;
		s->end[i].certtype = -1;
	}
	s->host_af = AF_INET;
	s->client_af = AF_UNSPEC;
	s->ike_lifetime = IKE_LIFETIME_DEFAULT;
	s->ipsec_lifetime = IPSEC_LIFETIME_DEFAULT;
	s->rekeymargin = REKEYMARGIN_DEFAULT;
	s->rekeyfuzz = REKEYFUZZ_DEFAULT;
	s->dpd_delay = DPDDELAY_DEFAULT;
	s->dpd_timeout = DPDTIMEOUT_DEFAULT;
	s->dpd_action = DPD_ACTION_HOLD;
	s->prospective = SHUNT_NONE;
	s->failure = SHUNT_NONE;
}

#define END_STRINGS(X) X(id) X(cert) X(ckaid) X(ca) X(groups) X(modecfg_dns) \
	X(modecfg_domains) X(modecfg_banner) X(updown) X(addresspool) X(modecfg_pcscf)

void conn_spec_fini(struct conn_spec *s)
{
	for (int i = 0; i < 2; i++) {
		struct conn_end_spec *e = &s->end[i];
#define FREE_IT(f) free(e->f); e->f = NULL;
		END_STRINGS(FREE_IT)
#undef FREE_IT
	}
	free(s->esp);
	free(s->ike);
	free(s->redirect_to);
	free(s->accept_redirect_to);
	s->esp = s->ike = s->redirect_to = s->accept_redirect_to = NULL;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int conn_spec_copy(struct conn_spec *dst, const struct conn_spec *src)
{
	int rc = 0;

	*dst = *src;
	for (int i = 0; i < 2; i++) {
		struct conn_end_spec *d = &dst->end[i];
		const struct conn_end_spec *e = &src->end[i];
#define DUP_IT(f) rc |= dup_str(&d->f, e->f);
		END_STRINGS(DUP_IT)
#undef DUP_IT
	}
	rc |= dup_str(&dst->esp, src->esp);
	rc |= dup_str(&dst->ike, src->ike);
	rc |= dup_str(&dst->redirect_to, src->redirect_to);
	rc |= dup_str(&dst->accept_redirect_to, src->accept_redirect_to);
	if (rc) {
		conn_spec_fini(dst);
		return -ENOMEM;
	}
	return 0;
}

bool conn_instance_name_is_valid(const char *name)
{
	char base[CONN_NAME_MAX + 3];
	const char *br = strchr(name, '['), *p;
	size_t n;

	if (!br)
		return false;
	n = (size_t)(br - name);
	if (n >= sizeof(base))
		return false;
	memcpy(base, name, n);
	base[n] = '\0';
	/* "rw"[3] or "rw[3]": the quotes of the listings */
	bool quoted = base[0] == '"';
	if (quoted) {
		memmove(base, base + 1, n);
		n--;
		if (n && base[n - 1] == '"') {
			base[--n] = '\0';
			quoted = false;		/* closed before the [ */
		}
	}
	if (!conn_name_is_valid(base))
		return false;
	p = br + 1;
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != ']')
		return false;
	if (quoted && *p++ != '"')
		return false;
	return *p == '\0' && p - br <= 12;
}

bool conn_name_is_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CONN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && !strchr("-_.@+:", c))
			return false;
	}
	return true;
}
