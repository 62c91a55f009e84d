/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SKUA_CTL_PLUTO_RUNTIME_H
#define SKUA_CTL_PLUTO_RUNTIME_H

#include <stdbool.h>

#include "ctl/pluto_options.h"

/*
 * The running daemon: connection database, workers, kernel thread and the
 * ctl (whack) thread. main() owns the process (options, lock file, fork,
 * signals) and drives this object.
 */
struct pluto;

/*
 * Start everything; when it returns 0 the control socket o->ctlsocket
 * exists (mode 0600) and accepts whack. Returns -errno with a logged
 * reason otherwise. Context: main thread; o must outlive the object.
 */
int pluto_start(const struct pluto_options *o, struct pluto **out);

/*
 * A file descriptor that becomes readable when the daemon should stop
 * (whack --shutdown arrived, or pluto_request_stop() was called).
 * Context: main thread.
 */
int pluto_stop_fd(const struct pluto *p);

/* Ask for an orderly stop. Context: any thread; async-signal-safe. */
void pluto_request_stop(struct pluto *p);

/* True when the stop came from whack --shutdown --leave-state. */
bool pluto_leave_state(const struct pluto *p);

/*
 * Orderly shutdown: stop accepting whack, delete SAs (unless leave-state),
 * join every thread, free every object. Accepts NULL. Context: main thread.
 */
void pluto_free(struct pluto *p);

#endif
