#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Two plutos in two network namespaces: establish an IKEv2 SA with its
# Child SA (PSK), list it on both sides, terminate, establish again over
# IPv6, delete the connection; the none kernel backend (ESP itself is
# proven in tests/kernel inside a guest).
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"

T=$(mktemp -d /tmp/skua-netns.XXXXXX)
netns_pair "skua$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT

printf '@west @east : PSK "netns test secret"\n' >"$T/secrets"
for side in w e; do
	ns=$([ $side = w ] && echo "$NS_W" || echo "$NS_E")
	mkdir -p "$T/$side"
	ip netns exec "$ns" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-none \
		--secretsfile "$T/secrets" >"$T/$side.out" 2>"$T/$side.log" &
	eval "PID_$side=\$!"
done
for side in w e; do
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" && ok "pluto $side started" ||
		{ not_ok "pluto $side did not start"; cat "$T/$side.log"; finish; }
done
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"

# A recording updown script: one line per call with the verb and variables.
cat >"$T/record" <<'R'
#!/bin/sh
echo "$PLUTO_VERB conn=$PLUTO_CONNECTION me=$PLUTO_ME peer=$PLUTO_PEER myclient=$PLUTO_MY_CLIENT peerclient=$PLUTO_PEER_CLIENT net=$PLUTO_PEER_CLIENT_NET mask=$PLUTO_PEER_CLIENT_MASK myid=$PLUTO_MY_ID peerid=$PLUTO_PEER_ID version=$PLUTO_VERSION" >>"$UPDOWN_LOG"
R
chmod +x "$T/record"

add() {
	for side in w e; do
		W=$([ $side = w ] && echo "$WW" || echo "$WE")
		$W --name "$1" --host "$2" --id @west --client "$4" --updown "UPDOWN_LOG=$T/updown.$side $T/record" \
			--to --host "$3" --id @east --client "$5" --updown "UPDOWN_LOG=$T/updown.$side $T/record" \
			--psk --encrypt --ike aes_gcm256-sha2_256-dh31 >/dev/null
	done
}
add v4 192.0.2.1 192.0.2.2 10.1.0.0/16 10.2.0.0/16
add v6 2001:db8::1 2001:db8::2 2001:db8:1::/48 2001:db8:2::/48
add v4b 192.0.2.1 192.0.2.2 10.3.0.0/16 10.4.0.0/16
expect_status 0 "west listens" $WW --listen
expect_status 0 "east listens" $WE --listen

expect_status 0 "west initiates v4" timeout 20 $WW --initiate --name v4
expect_match "the IKE SA is established" '^004 "v4" #1: established IKE SA \{AES_GCM_16_256-HMAC_SHA2_256-DH31\}'
expect_match "the Child SA is established" '^004 "v4" #1: IPsec SA #2 established tunnel mode .*10\.1\.0\.0/16===10\.2\.0\.0/16'
spi_out=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*ESP=>0x\([0-9a-f]*\) <0x\([0-9a-f]*\).*/\1/p')
spi_in=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*ESP=>0x\([0-9a-f]*\) <0x\([0-9a-f]*\).*/\2/p')

expect_status 0 "west status" $WW --status
expect_match "west lists its established IKE SA" '#1: "v4":500 STATE_V2_ESTABLISHED_IKE_SA \(established IKE SA\); REKEY in [0-9]+s; newest; idle; initiator;'
expect_match "west lists the Child SA" '#2: "v4":500 STATE_V2_ESTABLISHED_CHILD_SA .* eroute owner; IKE SA #1; idle; tunnel mode; 10\.1\.0\.0/16===10\.2\.0\.0/16;'
expect_match "west lists the Child SA's SPIs" "#2: \"v4\" esp\.$spi_out@192\.0\.2\.2 esp\.$spi_in@192\.0\.2\.1 tun\.0@192\.0\.2\.2 tun\.0@192\.0\.2\.1 Traffic: ESPin=0B ESPout=0B ESPmax=2\^63B"
expect_status 0 "east status" $WE --status
expect_match "east lists the IKE SA as responder" 'STATE_V2_ESTABLISHED_IKE_SA .*responder; AES_GCM_16_256-HMAC_SHA2_256-DH31;'
expect_match "east's SPIs mirror west's" "esp\.$spi_in@192\.0\.2\.1 esp\.$spi_out@192\.0\.2\.2 tun\.0@192\.0\.2\.1 tun\.0@192\.0\.2\.2 Traffic:"

wait_for 5 grep -q '^up-client ' "$T/updown.w" || true
LAST_OUT=$(cat "$T/updown.w" 2>/dev/null)
expect_match "west's updown: prepare-client first" '^prepare-client conn=v4 me=192\.0\.2\.1 peer=192\.0\.2\.2 myclient=10\.1\.0\.0/16 peerclient=10\.2\.0\.0/16 net=10\.2\.0\.0 mask=255\.255\.0\.0 myid=@west peerid=@east version=1\.1'
expect_match "west's updown: route-client" '^route-client conn=v4 '
expect_match "west's updown: up-client" '^up-client conn=v4 '
wait_for 5 grep -q '^up-client ' "$T/updown.e" || true
LAST_OUT=$(cat "$T/updown.e" 2>/dev/null)
expect_match "east's updown sees its own view" '^up-client conn=v4 me=192\.0\.2\.2 peer=192\.0\.2\.1 myclient=10\.2\.0\.0/16 peerclient=10\.1\.0\.0/16 .*myid=@east peerid=@west'

# Rekeying in place (CREATE_CHILD_SA): the Child SA, from east; the IKE SA, from west.
expect_status 0 "east rekeys the Child SA" $WE --rekey-ipsec --name v4
expect_match "east names the Child SA it rekeys" '#2: rekeying Child SA'
wait_for 5 sh -c "$WW --status | grep -q 'esp\\.[0-9a-f]*@192\\.0\\.2\\.2' && ! $WW --status | grep -q 'esp\\.$spi_out@'" &&
	ok "west's old Child SA went, a new one took over" || not_ok "the Child SA was not rekeyed on west"
expect_status 0 "west rekeys the IKE SA" $WW --rekey-ike --name v4
expect_match "west names the IKE SA it rekeys" '#1: rekeying IKE SA'
wait_for 5 sh -c "$WE --status | grep -q '#[0-9]*: \"v4\":500 STATE_V2_ESTABLISHED_IKE_SA' && ! $WE --status | grep -q '#1: \"v4\"'" &&
	ok "east's IKE SA #1 was replaced by a rekeyed one" || not_ok "the IKE SA was not rekeyed on east"
expect_status 0 "west status after the rekeys" $WW --status
expect_no_match "west's old IKE SA is gone" '#1: "v4"'
expect_match "the rekeyed Child SA is listed" 'STATE_V2_ESTABLISHED_CHILD_SA .* tunnel mode; 10\.1\.0\.0/16===10\.2\.0\.0/16;'
expect_match "with its SPIs" 'esp\.[0-9a-f]+@192\.0\.2\.2 esp\.[0-9a-f]+@192\.0\.2\.1 tun\.0@192\.0\.2\.2 tun\.0@192\.0\.2\.1 Traffic:'
check_once() { [ "$(printf '%s\n' "$LAST_OUT" | grep -c "$1")" = 1 ]; }
check_once 'STATE_V2_ESTABLISHED_CHILD_SA .*10\.1\.0\.0/16===10\.2\.0\.0/16' &&
	ok "the rekeyed Child SA is listed once" || not_ok "the rekeyed Child SA is not listed exactly once"
expect_status 21 "--rekey-ipsec of an unknown connection fails" $WW --rekey-ipsec --name nosuch
LAST_OUT=$(cat "$T/updown.w")
expect_no_match "a rekey runs no down-client" '^down-client conn=v4 '

# A second connection between the same ends: one more Child SA on the IKE SA (as libreswan).
expect_status 0 "west initiates v4b while v4 is up" timeout 20 $WW --initiate --name v4b
expect_match "v4b's Child SA is established" '^004 "v4b" #[0-9]+: IPsec SA #[0-9]+ established tunnel mode .*10\.3\.0\.0/16===10\.4\.0\.0/16'
expect_no_match "no second IKE SA was made" 'established IKE SA'
expect_status 0 "west status with two Child SAs" $WW --status
expect_match "west: one IKE SA" 'IKE SAs: total\(1\)'
expect_match "west lists v4b's Child SA" '"v4b":500 STATE_V2_ESTABLISHED_CHILD_SA .* tunnel mode; 10\.3\.0\.0/16===10\.4\.0\.0/16;'
expect_status 0 "east status with two Child SAs" $WE --status
expect_match "east chose v4b for it by its selectors" '"v4b".*10\.4\.0\.0/16===10\.3\.0\.0/16'
expect_match "east: one IKE SA" 'IKE SAs: total\(1\)'

expect_status 0 "west terminates v4" $WW --terminate --name v4
expect_match "terminate names the IKE SA" '#[0-9]+: deleting IKE SA of "v4"'
wait_for 5 sh -c "$WE --status | grep -q 'IKE SAs: total(0)'" && ok "east dropped the SA after the Delete" ||
	not_ok "east still has the SA"
wait_for 5 sh -c "$WW --status | grep -q 'IKE SAs: total(0)'" && ok "west dropped the SA" ||
	not_ok "west still has the SA"

wait_for 5 grep -q '^unroute-client ' "$T/updown.w" || true
LAST_OUT=$(cat "$T/updown.w")
expect_match "terminate runs down-client" '^down-client conn=v4 '
expect_match "then unroute-client" '^unroute-client conn=v4 '

expect_status 0 "east initiates v6 (the other direction)" timeout 20 $WE --initiate --name v6
expect_match "the IPv6 Child SA is up" 'IPsec SA #[0-9]+ established tunnel mode .*2001:db8:2::/48===2001:db8:1::/48'
expect_status 0 "west status after v6" $WW --status
expect_match "west is responder of the IPv6 SA" '"v6":500 STATE_V2_ESTABLISHED_IKE_SA .*responder'
wait_for 5 grep -q '^up-client-v6 ' "$T/updown.e" || true
LAST_OUT=$(cat "$T/updown.e")
expect_match "IPv6 verbs carry the -v6 suffix" '^up-client-v6 conn=v6 me=2001:db8::2 peer=2001:db8::1 myclient=2001:db8:2::/48 '


expect_status 0 "east deletes the v6 connection" $WE --name v6 --delete
wait_for 5 sh -c "$WW --status | grep -q 'IKE SAs: total(0)'" && ok "deleting the connection removed the SA on both sides" ||
	not_ok "west still has the v6 SA"
expect_status 0 "east status after delete" $WE --status
expect_no_match "v6 is gone from east" '"v6"'

expect_status 0 "west initiates v4 once more" timeout 20 $WW --initiate --name v4
expect_status 0 "east declares west dead" $WE --crash 192.0.2.1
expect_match "--crash names the SA it drops" '#[0-9]+: "v4": the peer is treated as dead'
expect_status 0 "east status after --crash" $WE --status
expect_match "east dropped the SA without a word" 'IKE SAs: total\(0\)'
expect_status 0 "west status after east's --crash" $WW --status
expect_match "west was not told" 'IKE SAs: total\(1\)'
expect_status 0 "--crash of an address with no SA" $WE --crash 192.0.2.99
expect_match "says there is none" 'no established IKE SA with that peer'
expect_status 0 "west shuts down" $WW --shutdown
wait_for 5 sh -c "$WE --status | grep -q 'IKE SAs: total(0)'" &&
	ok "west's shutdown told east, which dropped the SA" || not_ok "east kept the SA after west's shutdown"
expect_status 0 "east shuts down" $WE --shutdown
for side in w e; do
	eval "pid=\$PID_$side"
	wait_exit "$pid" 10 && [ "$STOP_STATUS" = 0 ] && ok "pluto $side exited 0" ||
		not_ok "pluto $side exit: $STOP_STATUS"
done
finish
