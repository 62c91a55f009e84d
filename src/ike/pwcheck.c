/* SPDX-License-Identifier: BSD-2-Clause */
#include "ike/pwcheck.h"

#include <crypt.h>
#include <errno.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/log.h"

enum { PASSWD_LINE_MAX = 1024 };

int pwcheck_passwd(const char *dir, const char *conn, const char *user, const char *pass)
{
	char path[4096], line[PASSWD_LINE_MAX];
	struct crypt_data *cd;
	int rc = -EACCES;
	FILE *f;

	if (!dir || snprintf(path, sizeof(path), "%s/passwd", dir) >= (int)sizeof(path))
		return -ENOENT;
	f = fopen(path, "re");
	if (!f) {
		log_limited(LOG_WARNING, 10, "XAUTH passwd file", "XAUTH: cannot open %s", path);
		return -ENOENT;
	}
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		rc = -ENOMEM;
	while (cd && rc != 0 && fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n'), *hash, *c;
		const char *got;
		size_t hl, gl;

		if (nl)
			*nl = '\0';
		if (line[0] == '#' || !(hash = strchr(line, ':')))
			continue;
		*hash++ = '\0';
		if (strcmp(line, user) != 0)
			continue;
		c = strchr(hash, ':');
		if (c) {
			*c++ = '\0';
			if (*c && strcmp(c, conn) != 0)
				continue;
		}
		got = crypt_r(pass, hash, cd);
		if (!got || got[0] == '*')
			continue;
		hl = strlen(hash);
		gl = strlen(got);
		if (hl == gl && hl > 0 && crypto_memeq(got, hash, hl))
			rc = 0;
	}
	if (cd) {
		crypto_wipe(cd, sizeof(*cd));
		free(cd);
	}
	crypto_wipe(line, sizeof(line));
	fclose(f);
	return rc;
}

/*
 * PAM's conversation: the user name for an echoed prompt, the password for
 * a hidden one; messages are not shown to anyone. The answers are PAM's to
 * free (Linux-PAM's modules overwrite the password before).
 */
static int converse(int n, const struct pam_message **msg, struct pam_response **resp,
		    void *arg)
{
	const struct pwcheck_job *j = arg;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *a = NULL;

		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			a = j->pass;
			break;
		case PAM_PROMPT_ECHO_ON:
			a = j->user;
			break;
		default:	/* PAM_ERROR_MSG, PAM_TEXT_INFO: nobody to show them to */
			continue;
		}
		r[i].resp = strdup(a);
		if (!r[i].resp) {
			for (int k = 0; k < i; k++) {
				if (r[k].resp) {
					crypto_wipe(r[k].resp, strlen(r[k].resp));
					free(r[k].resp);
				}
			}
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* The PAM check: authentication, then the account (expired, locked, not allowed here). */
static int pam_check(struct pwcheck *pc, struct pwcheck_job *j)
{
	struct pam_conv conv = { .conv = converse, .appdata_ptr = j };
	pam_handle_t *h = NULL;
	int prc;

	prc = pc->pam_confdir ? pam_start_confdir(pc->pam_service, j->user, &conv, pc->pam_confdir,
						  &h)
			      : pam_start(pc->pam_service, j->user, &conv, &h);
	if (prc != PAM_SUCCESS) {
		log_limited(LOG_WARNING, 10, "XAUTH PAM start", "XAUTH: PAM service \"%s\": %s",
			    pc->pam_service, pam_strerror(h, prc));
		if (h)
			pam_end(h, prc);
		return -EIO;
	}
	if (j->rhost[0])
		pam_set_item(h, PAM_RHOST, j->rhost);
	pam_set_item(h, PAM_RUSER, j->user);
	prc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (prc == PAM_SUCCESS)
		prc = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (prc != PAM_SUCCESS)
		dbg(DBG_BASE, "XAUTH: PAM said %s", pam_strerror(h, prc));
	pam_end(h, prc);
	switch (prc) {
	case PAM_SUCCESS:
		return 0;
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_CRED_INSUFFICIENT:
	case PAM_MAXTRIES:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_PERM_DENIED:
		return -EACCES;
	default:	/* the stack could not decide (a module missing, RADIUS down): not a yes */
		log_limited(LOG_WARNING, 10, "XAUTH PAM error", "XAUTH: PAM service \"%s\": %s",
			    pc->pam_service, pam_strerror(NULL, prc));
		return -EIO;
	}
}

static void answer(struct pwcheck_job *j, int status)
{
	j->status = status;
	mailbox_post(j->reply_to, &j->mail);
}

static void *run(void *arg)
{
	struct pwcheck *pc = arg;

	pthread_mutex_lock(&pc->lock);
	for (;;) {
		struct pwcheck_job *j;
		int rc;

		while (!pc->head && !pc->stopping)
			pthread_cond_wait(&pc->cond, &pc->lock);
		if (!pc->head)
			break;	/* stopping, and nothing waits */
		j = pc->head;
		pc->head = j->next;
		if (!pc->head)
			pc->tail = NULL;
		pc->busy++;
		pthread_mutex_unlock(&pc->lock);

		rc = j->how == PWCHECK_PAM ? pam_check(pc, j)
					   : pwcheck_passwd(j->dir, j->conn, j->user, j->pass);
		crypto_wipe(j->pass, sizeof(j->pass));
		if (rc == 0 || rc == -EACCES)
			atomic_fetch_add(&pc->checked, 1);
		if (rc == -EACCES)
			atomic_fetch_add(&pc->refused, 1);
		else if (rc != 0)
			atomic_fetch_add(&pc->errors, 1);

		pthread_mutex_lock(&pc->lock);
		pc->busy--;
		pc->queued--;
		/* posted under the lock: pwcheck_pending() is 0 only once the mail is in */
		answer(j, rc);
	}
	pthread_mutex_unlock(&pc->lock);
	return NULL;
}

int pwcheck_init(struct pwcheck *pc, const char *pam_confdir)
{
	memset(pc, 0, sizeof(*pc));
	pc->pam_service = "pluto";	/* libreswan's /etc/pam.d/pluto */
	if (pam_confdir && !(pc->pam_confdir = strdup(pam_confdir)))
		return -ENOMEM;
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->cond, NULL);
	pc->initialised = true;
	return 0;
}

int pwcheck_submit(struct pwcheck *pc, struct pwcheck_job *job)
{
	int rc = 0;

	if (!job->reply_to || !job->mail.fn)
		return -EINVAL;
	pthread_mutex_lock(&pc->lock);
	if (pc->stopping)
		rc = -ESHUTDOWN;
	else if (pc->queued >= PWCHECK_QUEUE_MAX)
		rc = -EAGAIN;
	/* the first job starts the threads; one that starts is enough to go on */
	while (rc == 0 && pc->nthreads < PWCHECK_THREADS) {
		int e = pthread_create(&pc->threads[pc->nthreads], NULL, run, pc);

		if (e) {
			if (!pc->nthreads)
				rc = -e;
			break;
		}
		pthread_setname_np(pc->threads[pc->nthreads], "skua-pwcheck");
		pc->nthreads++;
	}
	if (rc == 0) {
		job->next = NULL;
		job->status = 0;
		if (pc->tail)
			pc->tail->next = job;
		else
			pc->head = job;
		pc->tail = job;
		pc->queued++;
		pthread_cond_signal(&pc->cond);
	} else {
		atomic_fetch_add(&pc->rejected, 1);
	}
	pthread_mutex_unlock(&pc->lock);
	return rc;
}

unsigned pwcheck_pending(struct pwcheck *pc)
{
	unsigned n;

	if (!pc->initialised)
		return 0;
	pthread_mutex_lock(&pc->lock);
	n = pc->queued;
	pthread_mutex_unlock(&pc->lock);
	return n;
}

void pwcheck_stop(struct pwcheck *pc)
{
	struct pwcheck_job *j;

	if (!pc->initialised)
		return;
	pthread_mutex_lock(&pc->lock);
	pc->stopping = true;
	while ((j = pc->head)) {
		pc->head = j->next;
		pc->queued--;
		crypto_wipe(j->pass, sizeof(j->pass));
		answer(j, -ECANCELED);
	}
	pc->tail = NULL;
	pthread_cond_broadcast(&pc->cond);
	pthread_mutex_unlock(&pc->lock);
	for (unsigned i = 0; i < pc->nthreads; i++)
		pthread_join(pc->threads[i], NULL);
	pc->nthreads = 0;
	pthread_cond_destroy(&pc->cond);
	pthread_mutex_destroy(&pc->lock);
	free(pc->pam_confdir);
	pc->pam_confdir = NULL;
	pc->initialised = false;
}
