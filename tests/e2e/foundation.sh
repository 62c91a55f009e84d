#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The foundation end to end: pluto --nofork in a temporary rundir, the
# manual's example connections added with whack, found in --status,
# deleted, a second pluto refused with exit 10, shut down with whack.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"

T=$(mktemp -d /tmp/skua-e2e.XXXXXX)
trap 'kill -KILL $PLUTO_PID 2>/dev/null || true; rm -rf "$T"' EXIT
RD=$T/run
W="$WHACK --rundir $RD"

start_pluto "$RD" "$T/pluto.log" --use-none || { not_ok "pluto starts"; finish; }
ok "pluto --nofork prints Pluto initialized"

[ "$(cat "$RD/pluto.pid")" = "$PLUTO_PID" ] && ok "pid file holds the daemon's pid" ||
	not_ok "pid file holds $(cat "$RD/pluto.pid"), expected $PLUTO_PID"
mode=$(stat -c %a "$RD/pluto.ctl")
[ "$mode" = 600 ] && ok "control socket mode 600" || not_ok "control socket mode $mode, expected 600"

expect_status 0 "add the manual's silly connection" \
	$W --name silly --host 127.0.0.1 --to --host 127.0.0.2 --ikelifetime 900 \
	--ipseclifetime 800 --keyingtries 3
expect_match "add reports the connection" '"silly": added IKEv2 connection'
expect_status 0 "add the manual's conn_name connection" \
	$W --name conn_name --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 \
	--client 10.0.2.0/24 --encrypt

expect_status 0 "whack --status" $W --status
expect_match "status lists silly with its ends" '^000 "silly": 127\.0\.0\.1\.\.\.127\.0\.0\.2'
expect_match "status shows silly's lifetimes" '"silly":.*ike_life: 900s; ipsec_life: 800s;.*keyingtries: 3;'
expect_match "status lists conn_name with its clients" \
	'^000 "conn_name": 10\.0\.1\.0/24===10\.0\.0\.1\.\.\.10\.0\.0\.2===10\.0\.2\.0/24'
expect_match "status counts two connections" 'Total IPsec connections: loaded 2'

expect_status 20 "adding silly again is refused (RC_DUPNAME)" \
	$W --name silly --host 127.0.0.1 --to --host 127.0.0.3
expect_status 0 "connection form with --delete replaces silly" \
	$W --delete --name silly --host 127.0.0.1 --to --host 127.0.0.3
expect_status 0 "status after replace" $W --status
expect_match "silly now has the new peer" '"silly": 127\.0\.0\.1\.\.\.127\.0\.0\.3'

expect_status 1 "whack refuses --ikelifetime 90000 before sending" \
	$W --name bad --host 127.0.0.1 --to --host 127.0.0.2 --ikelifetime 90000
expect_match "the error names the option and the limit" 'ikelifetime.*86400'
expect_status 1 "whack refuses mixed address families" \
	$W --name bad --host 127.0.0.1 --to --host ::1
expect_status 1 "whack refuses a name that breaks updown" \
	$W --name 'a;b' --host 127.0.0.1 --to --host 127.0.0.2
expect_status 0 "status after refused commands" $W --status
expect_no_match "nothing named bad was added" '"bad"'
expect_match "still two connections" 'loaded 2'

expect_status 0 "delete silly" $W --name silly --delete
expect_status 21 "delete silly again: unknown name" $W --name silly --delete
expect_status 0 "status after delete" $W --status
expect_no_match "silly is gone" '"silly"'
expect_match "one connection left" 'loaded 1'

expect_status 37 "a connection option that has not landed is refused" \
	$W --name nflog --host 127.0.0.1 --to --host 127.0.0.2 --psk --encrypt --nflog-group 5
expect_match "the refusal names the option" 'NFLOG \(--nflog-group\).*not supported yet'
expect_status 0 "status after the refused option" $W --status
expect_no_match "the refused connection was not added" '"nflog"'

expect_status 37 "a form that has not landed says so" $W --purgeocsp
expect_match "the refusal says not supported yet" '^037 .*not supported yet'

expect_status 10 "a second pluto on the same rundir exits 10" \
	"$PLUTO" --nofork --stderrlog --rundir "$RD" --use-none

kill -HUP "$PLUTO_PID"
if wait_for 5 grep -q 'whack --listen' "$T/pluto.log"; then ok "SIGHUP answers with the whack --listen hint"; else not_ok "no SIGHUP hint in the log"; fi

expect_status 0 "whack --shutdown" $W --shutdown
if wait_exit "$PLUTO_PID" 10 && [ "$STOP_STATUS" = 0 ]; then ok "pluto exits 0 after --shutdown"; else not_ok "pluto exit after --shutdown: $STOP_STATUS"; fi
[ ! -e "$RD/pluto.ctl" ] && [ ! -e "$RD/pluto.pid" ] && ok "socket and pid file removed" ||
	not_ok "socket or pid file left behind"

# A stale lock file from a dead process is detected, not obeyed.
sh -c 'exit 0' &
dead=$!
wait $dead || true
echo "$dead" >"$RD/pluto.pid"
start_pluto "$RD" "$T/pluto2.log" --use-none && ok "pluto starts over a stale pid file" ||
	not_ok "pluto refused a stale pid file"
kill -TERM "$PLUTO_PID"
if wait_exit "$PLUTO_PID" 10 && [ "$STOP_STATUS" = 0 ]; then ok "SIGTERM shuts pluto down (exit 0)"; else not_ok "exit after SIGTERM: $STOP_STATUS"; fi

expect_status 1 "pluto refuses an unknown option" "$PLUTO" --no-such-option
expect_match "and names it" 'no-such-option'
expect_status 1 "whack with pluto gone" $W --status
finish
