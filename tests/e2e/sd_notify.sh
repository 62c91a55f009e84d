#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pluto under a fake systemd: a NOTIFY_SOCKET of our own (tests/tools/
# notify_sink) receives READY=1 only once the control socket answers,
# STATUS= lines, WATCHDOG=1 at half of WATCHDOG_USEC from the ctl thread,
# STOPPING=1 at shutdown; no WATCHDOG=1 when the unit asks for none; no
# READY=1 when start-up fails. pluto binds no IKE port here (no --listen).
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
SINK="$BUILD/tests/notify_sink"

T=$(mktemp -d /tmp/skua-sdnotify.XXXXXX)
SINK_PID=
cleanup() {
	[ -n "${PLUTO_PID:-}" ] && kill -KILL "$PLUTO_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
: >"$T/secrets"

if ! grep -q '^Systemd_systemd_LIBRARY:FILEPATH=/' "$BUILD/CMakeCache.txt"; then
	not_ok "this build has no libsystemd (install libsystemd-dev: scripts/setup does): pluto cannot notify"
	finish
fi

# sink <name> <seconds>: start the fake systemd socket, wait until it listens.
sink() {
	"$SINK" "$T/$1.sock" "$T/$1/pluto.ctl" "$2" >"$T/$1.notes" 2>&1 &
	SINK_PID=$!
	wait_for 5 grep -q bound "$T/$1.notes" || { not_ok "notify_sink did not start"; cat "$T/$1.notes"; finish; }
}

# notes <name>: what the sink has printed, without the time stamps.
notes() { sed 's/^[0-9]* //' "$T/$1.notes"; }

# 1. With a watchdog of 200 ms.
sink wd 20
mkdir -p "$T/wd"
NOTIFY_SOCKET="$T/wd.sock" WATCHDOG_USEC=200000 "$PLUTO" --nofork --stderrlog --use-none \
	--rundir "$T/wd" --secretsfile "$T/secrets" >"$T/wd.out" 2>"$T/wd.log" &
PLUTO_PID=$!
wait_for 10 grep -q 'READY=1' "$T/wd.notes" && ok "pluto sent READY=1" ||
	{ not_ok "no READY=1 from pluto"; sed 's/^/#   /' "$T/wd.log" "$T/wd.notes"; }
LAST_OUT=$(notes wd)
expect_match "the control socket answered when READY=1 arrived" '^ctl=answers$'
expect_no_match "the control socket never refused at READY=1" '^ctl=refused'
expect_match "a STATUS= line goes with READY=1" "^STATUS=ready: control socket $T/wd/pluto.ctl\$"
ready_at=$(grep -m1 ' READY=1$' "$T/wd.notes" | cut -d' ' -f1)
# "Pluto initialized" is printed in the same step; READY is not sent before pluto_start returned.
grep -q "Pluto initialized" "$T/wd.out" && ok "pluto printed Pluto initialized" || not_ok "no Pluto initialized"
sleep 1.2
n=$(grep -c ' WATCHDOG=1$' "$T/wd.notes" || true)
[ "$n" -ge 8 ] && [ "$n" -le 20 ] && ok "WATCHDOG=1 about every 100 ms ($n in ~1.2 s after READY)" ||
	not_ok "WATCHDOG=1 sent $n times in ~1.2 s: expected about 12 (half of 200 ms)"
expect_status 0 "whack still answers" "$WHACK" --rundir "$T/wd" --status
expect_status 0 "whack --shutdown" "$WHACK" --rundir "$T/wd" --shutdown
wait_exit "$PLUTO_PID" 10 && [ "$STOP_STATUS" = 0 ] && ok "pluto exited 0" || not_ok "pluto exit: $STOP_STATUS"
PLUTO_PID=
LAST_OUT=$(notes wd)
expect_match "STOPPING=1 at shutdown" '^STOPPING=1$'
expect_match "with its STATUS= line" '^STATUS=shutting down$'
n=$(grep -c ' READY=1$' "$T/wd.notes" || true)
[ "$n" = 1 ] && ok "READY=1 sent once" || not_ok "READY=1 sent $n times"
first_wd=$(grep -m1 ' WATCHDOG=1$' "$T/wd.notes" | cut -d' ' -f1)
[ -n "$first_wd" ] && [ -n "$ready_at" ] && ok "watchdog pings started (first at ${first_wd} ms, READY at ${ready_at} ms)" ||
	not_ok "no watchdog ping or no READY"
kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=

# 2. Without WATCHDOG_USEC: no pings.
sink nowd 20
mkdir -p "$T/nowd"
NOTIFY_SOCKET="$T/nowd.sock" "$PLUTO" --nofork --stderrlog --use-none \
	--rundir "$T/nowd" --secretsfile "$T/secrets" >"$T/nowd.out" 2>"$T/nowd.log" &
PLUTO_PID=$!
wait_for 10 grep -q 'READY=1' "$T/nowd.notes" && ok "READY=1 without a watchdog" || not_ok "no READY=1"
sleep 0.5
expect_status 0 "whack --shutdown" "$WHACK" --rundir "$T/nowd" --shutdown
wait_exit "$PLUTO_PID" 10 || true
PLUTO_PID=
LAST_OUT=$(notes nowd)
expect_no_match "no WATCHDOG=1 when the unit asks for none" '^WATCHDOG=1$'
kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=

# 3. A start-up that fails (the lock file is held): a STATUS=, never READY=1.
sink fail 20
mkdir -p "$T/fail"
"$PLUTO" --nofork --stderrlog --use-none --rundir "$T/fail" --secretsfile "$T/secrets" \
	>"$T/holder.out" 2>"$T/holder.log" &
PLUTO_PID=$!
wait_for 10 grep -q "Pluto initialized" "$T/holder.out" || not_ok "the first pluto did not start"
set +e
NOTIFY_SOCKET="$T/fail.sock" "$PLUTO" --nofork --stderrlog --use-none --rundir "$T/fail" \
	--secretsfile "$T/secrets" >"$T/fail.out" 2>"$T/fail.log"
rc=$?
set -e
[ "$rc" = 10 ] && ok "a second pluto on the same rundir exits 10" || not_ok "second pluto exit $rc, expected 10"
wait_for 5 grep -q 'STATUS=start-up failed' "$T/fail.notes" || true
LAST_OUT=$(notes fail)
expect_match "it says why in STATUS=" '^STATUS=start-up failed \(exit 10\)'
expect_no_match "and never READY=1" '^READY=1$'
"$WHACK" --rundir "$T/fail" --shutdown >/dev/null 2>&1 || true
wait_exit "$PLUTO_PID" 10 || true
PLUTO_PID=
finish
