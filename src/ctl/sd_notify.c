/* SPDX-License-Identifier: BSD-2-Clause */
#include "ctl/sd_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#ifdef SKUA_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

bool ctl_sd_available(void)
{
#ifdef SKUA_HAVE_SYSTEMD
	return true;
#else
	return false;
#endif
}

int ctl_sd_notify(const char *fmt, ...)
{
#ifdef SKUA_HAVE_SYSTEMD
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	/* unset_environment 0: later notifications (watchdog, stopping) need it */
	return sd_notify(0, msg);
#else
	(void)fmt;
	return 0;
#endif
}

uint64_t ctl_sd_watchdog_usec(void)
{
#ifdef SKUA_HAVE_SYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		return usec;
#endif
	return 0;
}
