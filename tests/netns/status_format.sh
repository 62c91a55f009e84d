#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Golden format: Skua's --trafficstatus, --showstates, --briefstatus and
# --status against what libreswan 4.10 itself printed for the same
# connections (tests/data/libreswan-4.10, made by
# tests/interop/capture_libreswan_status.sh), field by field, values aside.
# Two plutos (--use-none) load the capture's connections (config.txt):
# west-east (subnet to subnet), road (host to host; east's end takes %any)
# and idle; west initiates the first two.
#
# A line is compared in its normalised shape (tests/lib/lsw_format.sh):
# names, numbers, addresses, SPIs, IDs and other values become
# placeholders; the field names, their order and the punctuation stay.
# --trafficstatus and --briefstatus lines must have libreswan's shape
# exactly; a state line must start with libreswan's (Skua appends its own
# fields after them); --status must have libreswan's sections in
# libreswan's order, its connection lines, its totals and its state lines.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/lsw_format.sh"
GOLD=$(cd "$(dirname "$0")/../data/libreswan-4.10" && pwd)

T=$(mktemp -d /tmp/skua-golden.XXXXXX)
netns_pair "skgf$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT

cat >"$T/secrets" <<'S'
@west @east : PSK "golden secret one"
@road @gw : PSK "golden secret two"
@idle-w @idle-e : PSK "golden secret three"
S
for side in w e; do
	ns=$([ $side = w ] && echo "$NS_W" || echo "$NS_E")
	mkdir -p "$T/$side"
	ip netns exec "$ns" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-none \
		--secretsfile "$T/secrets" >"$T/$side.out" 2>"$T/$side.log" &
done
for side in w e; do
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" && ok "pluto $side started" ||
		{ not_ok "pluto $side did not start"; cat "$T/$side.log"; finish; }
done
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"

# As config.txt: left is the local end on both sides; type=tunnel, rekey=no, keyingtries=1.
COMMON="--psk --encrypt --tunnel --ike aes_gcm256-sha2_256-dh31 --esp aes_gcm256 --dontrekey --keyingtries 1"
# shellcheck disable=SC2086
{
	expect_status 0 "west: west-east" $WW --name west-east --host 192.0.2.1 --id @west \
		--client 10.1.0.0/16 --to --host 192.0.2.2 --id @east --client 10.2.0.0/16 $COMMON
	expect_status 0 "west: road" $WW --name road --host 192.0.2.1 --id @road \
		--to --host 192.0.2.2 --id @gw $COMMON
	expect_status 0 "west: idle" $WW --name idle --host 192.0.2.1 --id @idle-w \
		--client 10.1.9.0/24 --to --host 192.0.2.2 --id @idle-e --client 10.2.9.0/24 $COMMON
	expect_status 0 "east: west-east" $WE --name west-east --host 192.0.2.2 --id @east \
		--client 10.2.0.0/16 --to --host 192.0.2.1 --id @west --client 10.1.0.0/16 $COMMON
	expect_status 0 "east: road" $WE --name road --host 192.0.2.2 --id @gw \
		--to --host %any --id @road $COMMON
	expect_status 0 "east: idle" $WE --name idle --host 192.0.2.2 --id @idle-e \
		--client 10.2.9.0/24 --to --host 192.0.2.1 --id @idle-w --client 10.1.9.0/24 $COMMON
}
expect_status 0 "west listens" $WW --listen
expect_status 0 "east listens" $WE --listen
expect_status 0 "west initiates west-east" timeout 20 $WW --initiate --name west-east
expect_status 0 "west initiates road" timeout 20 $WW --initiate --name road

for side in west east; do
	W=$([ $side = west ] && echo "$WW" || echo "$WE")
	for form in trafficstatus showstates briefstatus status fipsstatus listevents; do
		$W --"$form" >"$T/$side.$form" 2>&1 || not_ok "$side --$form: whack exit $?"
	done

	lsw_same_lines "$side --trafficstatus: libreswan's lines exactly, values aside" \
		"$GOLD/$side.trafficstatus" "$T/$side.trafficstatus"
	lsw_same_lines "$side --briefstatus: libreswan's three totals lines" \
		"$GOLD/$side.briefstatus" "$T/$side.briefstatus"
	lsw_prefix_lines "$side --showstates: each state line starts with libreswan's fields" \
		"$GOLD/$side.showstates" "$T/$side.showstates"
	lsw_status_sections "$side --status: libreswan's sections in libreswan's order" \
		"$GOLD/$side.status" "$T/$side.status"
	lsw_prefix_lines "$side --status: its state lines start with libreswan's fields" \
		<(lsw_state_lines "$GOLD/$side.status") <(lsw_state_lines "$T/$side.status")
	lsw_conn_lines "$side --status: libreswan's connection lines (our end first, routing, eroute owner)" \
		"$GOLD/$side.status" "$T/$side.status"
	lsw_conn_details "$side --status: each connection detail line starts with libreswan's fields" \
		"$GOLD/$side.status" "$T/$side.status"
	lsw_same_lines "$side --status: libreswan's totals lines" \
		<(lsw_totals_lines "$GOLD/$side.status") <(lsw_totals_lines "$T/$side.status")
	lsw_same_lines "$side --fipsstatus: libreswan's line" \
		"$GOLD/$side.fipsstatus" "$T/$side.fipsstatus"
	# --listevents: the timers of the states (libreswan also lists its global timers and fds)
	lsw_same_lines "$side --listevents: each state's timer line as libreswan's" \
		<(grep -E '^000 event [A-Z_]+schd: .*#[0-9]+$' "$GOLD/$side.listevents" | lsw_norm | sort -u) \
		<(grep -E '^000 event [A-Z_]+schd: .*#[0-9]+$' "$T/$side.listevents" | lsw_norm | sort -u)
	lsw_same_lines "$side --listevents: libreswan's first line" \
		<(head -n1 "$GOLD/$side.listevents") <(head -n1 "$T/$side.listevents")
done

# The comparison must be able to fail: a line with a field out of order is caught.
sed 's/inBytes=\([0-9]*\), outBytes=\([0-9]*\)/outBytes=\2, inBytes=\1/' "$T/west.trafficstatus" \
	>"$T/swapped"
if [ -n "$(lsw_cmp_same "$GOLD/west.trafficstatus" "$T/swapped")" ]; then
	ok "the comparison notices two fields swapped"
else
	not_ok "the comparison did not notice inBytes and outBytes swapped"
fi

# ---- east's instance of "road" (its end takes %any): listed, named, terminated ----
expect_status 0 "east --connectionstatus" $WE --connectionstatus
expect_match "it lists the template" '^000 "road": 192\.0\.2\.2\[@gw\]\.\.\.%any\[@road\]; unrouted;'
expect_match "... and its instance" '^000 "road"\[1\]: 192\.0\.2\.2\[@gw\]\.\.\.192\.0\.2\.1\[@road\]; erouted; eroute owner: #[0-9]+$'
expect_match "... made from the template" '^000 "road"\[1\]:   newest IKE SA: #[0-9]+; newest IPsec SA: #[0-9]+; conn serial: \$[0-9]+, instantiated from: \$[0-9]+;$'
expect_match "... and the totals (as libreswan's capture)" '^000 Total IPsec connections: loaded 4, active 2$'
expect_no_match "--connectionstatus is the connection list alone" 'STATE_V2|Bare Shunt'
expect_status 0 "east --trafficstatus" $WE --trafficstatus
expect_match "the instance's traffic line" '^006 #[0-9]+: "road"\[1\] 192\.0\.2\.1, type=ESP, add_time='
expect_status 0 'east --terminate --name "road"[1]' $WE --terminate --name '"road"[1]'
expect_match "it deletes the instance's IKE SA" '#[0-9]+: deleting IKE SA of "road"\[1\] 192\.0\.2\.1'
if wait_for 10 sh -c "! $WE --connectionstatus | grep -q '\"road\"\[1\]'"; then
	ok "the instance went with its SAs"
else
	not_ok "\"road\"[1] is still listed after its SAs were terminated"
fi
expect_status 0 "east --trafficstatus" $WE --trafficstatus
expect_no_match "no traffic line of the instance left" '"road"'
expect_match "the other connection's stays" '"west-east", type=ESP'

$WW --shutdown >/dev/null 2>&1 || true
$WE --shutdown >/dev/null 2>&1 || true
finish
