#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ipsec.conf connections end to end (issue 13): two plutos started with
# --config bring a tunnel up from auto=start with no whack command; addconn
# adds and replaces connections; whack --rereadall after editing the file
# adds, replaces and deletes connections and leaves the unchanged tunnel
# up; a malformed file changes nothing; a conn naming something that has
# not landed is reported with file:line and skipped; left=%defaultroute is
# read from the routing table. The none kernel backend, as ikev2_pair.sh.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"
ADDCONN="$BUILD/tools/addconn/addconn"

T=$(mktemp -d /tmp/skua-netns.XXXXXX)
netns_pair "skcf$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT
# West's default route goes to east: left=%defaultroute resolves to 192.0.2.1.
ip -n "$NS_W" route add default via 192.0.2.2

printf '@west @east : PSK "config test secret"\n' >"$T/secrets"

# $1: west or east; $2: auto= of the tunnel. The conns every version of the file has.
common() {
	cat <<EOF
# written in the style of libreswan's documentation examples
version 2

config setup
	protostack=none
	uniqueids=yes
	virtual_private=%v4:10.0.0.0/8,%v4:192.168.0.0/16,%v4:172.16.0.0/12
	secretsfile=$T/secrets
	logtime=no

conn %default
	authby=secret
	ikelifetime=1h
	salifetime=30m
	keyingtries=%forever
	leftupdown=%disabled
	rightupdown=%disabled

# subnet to subnet
conn tunnel
	left=%defaultroute
	leftid=@west
	leftsubnet=10.1.0.0/16
	right=192.0.2.2
	rightid=@east
	rightsubnet=10.2.0.0/16
	ike=aes_gcm256-sha2_256;dh31
	esp=aes_gcm256
	auto=$2
EOF
}

west_v1() {
	common west start
	cat <<'EOF'

conn gone-later
	also=tunnel
	leftsubnet=10.3.0.0/16
	rightsubnet=10.4.0.0/16
	auto=add

conn changes-later
	also=tunnel
	leftsubnet=10.5.0.0/16
	rightsubnet=10.6.0.0/16
	rekey=no
	auto=add

# traffic between the two sides' LANs never goes through the tunnel
conn lan-bypass
	left=192.0.2.1
	right=%any
	leftsubnet=10.1.1.0/24
	rightsubnet=10.1.2.0/24
	type=passthrough
	authby=never
	auto=route

conn needs-ipcomp
	also=tunnel
	leftsubnet=10.7.0.0/16
	rightsubnet=10.8.0.0/16
	compress=yes
	auto=add

conn manual
	also=tunnel
	leftsubnet=10.9.0.0/16
	rightsubnet=10.10.0.0/16
	auto=ignore
EOF
}

mkdir -p "$T/w" "$T/e"
common east add | sed -e 's/^\tleft=%defaultroute/\tleft=192.0.2.1/' >"$T/e/ipsec.conf"
west_v1 >"$T/w/ipsec.conf"

# A malformed file stops pluto at start, naming file and line.
printf 'config setup\n\tprotostack=none\nconn x\n\tleft=192.0.2.1\n\tbogus=1\n' >"$T/bad.conf"
expect_status 1 "pluto --config with an unknown keyword does not start" \
	ip netns exec "$NS_E" "$PLUTO" --nofork --stderrlog --rundir "$T/bad" --config "$T/bad.conf"
expect_match "the error names file and line" "bad\.conf:5: conn x: unknown keyword 'bogus'"

# The checker agrees with pluto.
expect_status 1 "addconn --checkconfig refuses the malformed file" "$ADDCONN" --config "$T/bad.conf" --checkconfig
expect_match "with file:line" "bad\.conf:5: conn x: unknown keyword 'bogus'"
expect_status 1 "addconn --checkconfig reports the conn needing IPComp" "$ADDCONN" --config "$T/w/ipsec.conf" --checkconfig
expect_match "needs-ipcomp named with its line" "ipsec\.conf:[0-9]+: conn needs-ipcomp: compress=yes: IPComp: not supported yet"
expect_match "the setup warning names the settings not acted on" "warning: config setup: accepted but not acted on yet: virtual_private"
expect_no_match "uniqueids= is acted on, not warned" "not acted on yet: .*uniqueids"
expect_status 0 "addconn --checkconfig accepts east's file" "$ADDCONN" --config "$T/e/ipsec.conf" --checkconfig
expect_status 0 "addconn --liststart" "$ADDCONN" --config "$T/w/ipsec.conf" --liststart
expect_match "lists the auto=start conn" "^tunnel $"

start_side() {
	local side=$1 ns=$2
	ip netns exec "$ns" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" \
		--config "$T/$side/ipsec.conf" >"$T/$side.out" 2>"$T/$side.log" &
	eval "PID_$side=\$!"
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" && ok "pluto $side started with --config" ||
		{ not_ok "pluto $side did not start"; sed 's/^/#   /' "$T/$side.log"; finish; }
}
start_side e "$NS_E"
start_side w "$NS_W"
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"

# No whack command at all: auto=start on west, auto=add on east.
wait_for 15 sh -c "$WW --status | grep -q 'IPsec SAs: total(1)'" &&
	ok "auto=start brought the tunnel up without a whack command" ||
	{ not_ok "no tunnel from auto=start"; sed 's/^/#   /' "$T/w.log"; }
expect_status 0 "west status" $WW --status
expect_match "the Child SA joins the two subnets" '^000 #[0-9]+: "tunnel":500 STATE_V2_ESTABLISHED_CHILD_SA .*; 10\.1\.0\.0/16===10\.2\.0\.0/16;'
expect_match "%defaultroute became west's address" '"tunnel": 10\.1\.0\.0/16===192\.0\.2\.1\[@west\]\.\.\.192\.0\.2\.2\[@east\]===10\.2\.0\.0/16'
expect_match "%disabled updown became a no-op command" '"tunnel":.*my_updown=true;'
expect_match "%default lifetimes applied" '"tunnel":   ike_life: 3600s; ipsec_life: 1800s;'
expect_match "changes-later loaded with rekey=no" '"changes-later":   policy: .*DONT_REKEY'
expect_match "the passthrough conn is loaded" '"lan-bypass": 10\.1\.1\.0/24===192\.0\.2\.1'
expect_no_match "the conn needing IPComp is not loaded" '"needs-ipcomp"'
expect_no_match "auto=ignore is not loaded" '"manual"'
ip1=$(printf '%s\n' "$LAST_OUT" | sed -n 's/^000 #\([0-9]*\): "tunnel".*STATE_V2_ESTABLISHED_IKE_SA.*/\1/p' | head -n1)
[ -n "$ip1" ] && ok "west's IKE SA is #$ip1" || not_ok "no established IKE SA of tunnel"
expect_status 0 "west shunt status" $WW --shuntstatus
expect_match "type=passthrough with auto=route installed a pass shunt" '10\.1\.1\.0/24 -0-> 10\.1\.2\.0/24 => %pass +0 +"lan-bypass"'
grep -q 'needs-ipcomp: compress=yes: IPComp: not supported yet' "$T/w.log" &&
	ok "pluto logged the refused conn with file:line" || not_ok "no log line for needs-ipcomp"
grep -q 'accepted but not acted on yet: virtual_private' "$T/w.log" &&
	ok "pluto warned once about the config setup settings" || not_ok "no config setup warning"
[ "$(grep -c 'accepted but not acted on yet' "$T/w.log")" = 1 ] &&
	ok "exactly one such warning" || not_ok "more than one config setup warning"
expect_status 0 "east status" $WE --status
expect_match "east answered as responder" 'STATE_V2_ESTABLISHED_IKE_SA .*responder'

# addconn: add a conn from another file, then replace it.
cat >"$T/extra.conf" <<EOF
conn extra
	left=192.0.2.1
	right=192.0.2.2
	leftsubnet=10.20.0.0/16
	rightsubnet=10.21.0.0/16
	authby=secret
	connalias="spare"
	auto=add
EOF
expect_status 0 "addconn adds a conn (by its alias)" ip netns exec "$NS_W" "$ADDCONN" \
	--config "$T/extra.conf" --rundir "$T/w" spare
expect_match "pluto said added" '"extra": added IKEv2 connection'
sed -i 's/rightsubnet=10.21.0.0\/16/rightsubnet=10.22.0.0\/16/' "$T/extra.conf"
expect_status 0 "addconn replaces it" ip netns exec "$NS_W" "$ADDCONN" \
	--config "$T/extra.conf" --ctlsocket "$T/w/pluto.ctl" extra
expect_status 0 "status after replace" $WW --status
expect_match "the replacement is in force" '"extra": 10\.20\.0\.0/16===192\.0\.2\.1.*===10\.22\.0\.0/16'
expect_status 1 "addconn of an unknown name fails" ip netns exec "$NS_W" "$ADDCONN" \
	--config "$T/extra.conf" --rundir "$T/w" nosuch
expect_match "and says so" "conn 'nosuch': not found"
expect_status 1 "addconn of an unsupported conn fails" ip netns exec "$NS_W" "$ADDCONN" \
	--config "$T/w/ipsec.conf" --rundir "$T/w" needs-ipcomp
expect_match "naming file:line" "ipsec\.conf:[0-9]+: conn needs-ipcomp: compress=yes"

# A malformed edit: nothing changes.
cp "$T/w/ipsec.conf" "$T/w/good.conf"
printf '\nconn broken\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\tleftsubnet 10.30.0.0/16\n' \
	>>"$T/w/ipsec.conf"
expect_status 36 "--rereadall of a malformed file fails" $WW --rereadall
expect_match "naming file and line" "ipsec\.conf:[0-9]+: syntax error: 'leftsubnet' without '='"
expect_match "and that nothing changed" "the connections in force stay as they were"
expect_status 0 "status after the failed reload" $WW --status
expect_match "the tunnel is still up" "^000 #$ip1: \"tunnel\".*STATE_V2_ESTABLISHED_IKE_SA"
expect_match "gone-later is still there" '"gone-later": '

# The edit: gone-later removed, changes-later changed, new-conn added, tunnel untouched.
west_v1 | awk '
	/^conn gone-later/ { skip = 1; next }
	/^conn / { skip = 0 }
	!skip' | sed 's/^\trekey=no$/\trekey=yes/' >"$T/w/ipsec.conf"
cat >>"$T/w/ipsec.conf" <<'EOF'

conn new-conn
	also=tunnel
	leftsubnet=10.11.0.0/16
	rightsubnet=10.12.0.0/16
	auto=add
EOF
# The conn needing DPD is still refused: the reload says so in its exit status (RC_FATAL).
expect_status 36 "--rereadall after editing the file" $WW --rereadall
expect_match "the summary counts the changes" '^036 config .*ipsec\.conf: 2 connections added or replaced, 2 unchanged, 1 deleted; 1 not loaded$'
expect_match "the conn needing IPComp is reported again" "conn needs-ipcomp: compress=yes"
expect_status 0 "status after the reload" $WW --status
expect_no_match "gone-later is deleted" '"gone-later"'
expect_match "new-conn is added" '"new-conn": 10\.11\.0\.0/16==='
expect_no_match "changes-later lost rekey=no" '"changes-later":   policy: .*DONT_REKEY'
expect_match "changes-later is there" '"changes-later": '
expect_match "the unchanged tunnel kept its IKE SA" "^000 #$ip1: \"tunnel\".*STATE_V2_ESTABLISHED_IKE_SA"
expect_match "the conn added by addconn is not the file's to delete" '"extra": '

# The file itself vanished conns only: everything auto=ignore now.
sed -i 's/^\tauto=.*/\tauto=ignore/' "$T/w/ipsec.conf"
expect_status 0 "--rereadall with every conn auto=ignore" $WW --rereadall
expect_match "every loaded conn is deleted" '^004 config .*: 0 connections added or replaced, 0 unchanged, 4 deleted, 0 not loaded$'
expect_status 0 "status after emptying" $WW --status
expect_no_match "tunnel is gone" '"tunnel"'
expect_match "extra stays" '"extra": '

# addconn --autoall against a pluto that read no file: same result as --config.
mkdir -p "$T/w2"
expect_status 0 "east deletes its tunnel" $WE --name tunnel --delete
cp "$T/w/good.conf" "$T/w2/ipsec.conf"
expect_status 1 "addconn --autoall (the DPD conn fails, the rest loads)" ip netns exec "$NS_W" "$ADDCONN" \
	--config "$T/w2/ipsec.conf" --rundir "$T/w" --autoall
expect_match "it listened" "listening for IKE messages"
expect_match "it loaded tunnel" '"tunnel": added IKEv2 connection'
expect_status 0 "east loads its tunnel again" ip netns exec "$NS_E" "$ADDCONN" \
	--config "$T/e/ipsec.conf" --rundir "$T/e" tunnel
expect_status 0 "west initiates" timeout 20 $WW --name tunnel --initiate
expect_match "and the tunnel from the addconn'd conn comes up" 'IPsec SA #[0-9]+ established tunnel mode'

expect_status 0 "west shuts down" $WW --shutdown
expect_status 0 "east shuts down" $WE --shutdown
for side in w e; do
	eval "pid=\$PID_$side"
	wait_exit "$pid" 10 && [ "$STOP_STATUS" = 0 ] && ok "pluto $side exited 0" ||
		not_ok "pluto $side exit: $STOP_STATUS"
done
finish
