/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_SD_NOTIFY_H
#define SKUA_CTL_SD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * systemd's service notification protocol (sd_notify(3)) for
 * ipsec.service, Type=notify: READY=1 once start-up is complete,
 * STATUS= lines, STOPPING=1, and WATCHDOG=1 from the ctl thread when the
 * unit sets WatchdogSec=. Everything is a no-op when NOTIFY_SOCKET is not
 * set (pluto not started by systemd) or when pluto was built without
 * libsystemd (ctl_sd_available() says which).
 */

/* True when this pluto was built with libsystemd. Context: any thread. */
bool ctl_sd_available(void);

/*
 * Send one notification: newline-separated assignments such as
 * "READY=1\nSTATUS=...", formatted like printf. Returns 1 when sent, 0
 * when nobody listens, or -errno. Context: any thread; never blocks for
 * long (a datagram to a local socket).
 */
int ctl_sd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The watchdog interval the unit asked for (WATCHDOG_USEC, for this
 * process), in microseconds, or 0 when there is no watchdog. The ctl
 * thread sends WATCHDOG=1 at half this interval. Context: any thread.
 */
uint64_t ctl_sd_watchdog_usec(void);

#endif
