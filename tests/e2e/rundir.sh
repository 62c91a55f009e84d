#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pluto refuses a run directory others may write (they could replace the
# control socket or the lock file), and a lock file held by a live process
# that is not pluto, each with a message that says so; a proper one works.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"

T=$(mktemp -d /tmp/skua-rundir.XXXXXX)
HOLDER=
PLUTO_PID=
cleanup() {
	[ -z "$HOLDER" ] || kill -KILL "$HOLDER" 2>/dev/null || true
	[ -z "$PLUTO_PID" ] || kill -KILL "$PLUTO_PID" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

for mode in 777 1777 775 757; do
	mkdir -m "$mode" "$T/m$mode"
	expect_status 1 "a --rundir of mode $mode is refused" \
		timeout 10 "$PLUTO" --nofork --stderrlog --rundir "$T/m$mode" --use-none
	expect_match "the refusal says others may write it" \
		"run directory $T/m$mode is writable by other users \\(mode 0?$mode\\)"
	[ ! -e "$T/m$mode/pluto.pid" ] && [ ! -e "$T/m$mode/pluto.ctl" ] &&
		ok "nothing was created in it" || not_ok "pluto left files in a refused rundir"
done

mkdir -m 755 "$T/theirs"
chown nobody "$T/theirs"
expect_status 1 "a --rundir owned by another user is refused" \
	timeout 10 "$PLUTO" --nofork --stderrlog --rundir "$T/theirs" --use-none
expect_match "the refusal names the owner" "run directory $T/theirs is owned by uid [0-9]+, not by pluto's uid 0"

# A lock held by something that is not pluto: a copy of pluto under another
# name holds the lock file of $T/run.
RD=$T/run
cp "$PLUTO" "$T/notpluto"
mkdir -m 755 "$RD"
"$T/notpluto" --nofork --stderrlog --rundir "$RD" --use-none >"$T/holder.out" 2>"$T/holder.log" &
HOLDER=$!
if wait_for 10 grep -q "Pluto initialized" "$T/holder.out"; then ok "the other process holds the lock"; else
	not_ok "the lock holder did not start"; sed 's/^/#   /' "$T/holder.log"; finish; fi
expect_status 10 "a lock file held by a process that is not pluto: exit 10" \
	timeout 10 "$PLUTO" --nofork --stderrlog --rundir "$RD" --use-none
expect_match "the refusal says the holder is not pluto" \
	"lock file $RD/pluto.pid is held by pid $HOLDER \\(notpluto\\), which is not pluto"
kill -TERM "$HOLDER"
wait_exit "$HOLDER" 10 || true
HOLDER=

# The same directory, nobody holding it: pluto starts; a second one is told a pluto holds it.
start_pluto "$RD" "$T/pluto.log" --use-none && ok "pluto starts in a proper rundir" ||
	not_ok "pluto refused a proper rundir"
expect_status 10 "a second pluto exits 10" \
	timeout 10 "$PLUTO" --nofork --stderrlog --rundir "$RD" --use-none
expect_match "and is told a running pluto holds the lock" "is held by a running pluto \\(pid $PLUTO_PID\\)"
kill -TERM "$PLUTO_PID"
wait_exit "$PLUTO_PID" 10 || true
PLUTO_PID=
finish
