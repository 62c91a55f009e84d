#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv1 XAUTH with whack's prompts, and Mode Config's Cisco Unity extras, between two
# plutos in two network namespaces (ikev1-policy=accept, the none kernel backend):
# east is the XAUTH and Mode Config server (a passwd file made with crypt(3), an
# --addresspool, --client 10.1.0.0/16, --modecfgbanner); west the client with no user
# name nor password anywhere. whack --initiate is answered from a pipe: 041 (user name)
# then 040 (password); the exchange goes on, west gets its address, the banner and the
# split network 10.1.0.0/16 (its IPsec SA 10.9.0.10/32===10.1.0.0/16), and updown the
# banner. Again, then east's whack --deleteuser --name alice --crash 192.0.2.1: east's
# SAs go (updown down) with no Delete, west keeps its own. Then no answer (whack's stdin empty): the XAUTH fails with a clear line and
# the SA goes; --asynchronous (no whack to ask) the same. Then --xauthby pam (east's PAM
# configuration of its own: pam_exec and a script), a good user and a refused one. Last,
# a banner that is too long, or in an IKEv2 connection, is refused.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"

T=$(mktemp -d /tmp/skua-netns.XXXXXX)
netns_pair "skua$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT

PW="open sesame $RANDOM"
printf '@west @east : PSK "netns xauth secret"\n' >"$T/secrets"
printf 'config setup\n    ikev1-policy=accept\n' >"$T/ipsec.conf"
mkdir -p "$T/ipsec.d"
printf 'alice:%s\n' "$(openssl passwd -6 "$PW")" >"$T/ipsec.d/passwd"
# --xauthby pam (below): PAM's configuration of its own (SKUA_PAM_CONFDIR, tests only),
# service pluto: pam_exec gives the password to a script that takes bob with $PAMPW
PAMPW="pam sesame $RANDOM"
mkdir -p "$T/pam.d"
printf '#!/bin/sh\npw=$(tr -d "\\000")\n[ "$PAM_USER" = bob ] && [ "$pw" = "%s" ]\n' "$PAMPW" >"$T/pam.d/check"
chmod 755 "$T/pam.d/check"
printf 'auth [success=1 default=ignore] pam_exec.so quiet expose_authtok %s\nauth requisite pam_deny.so\nauth required pam_permit.so\naccount required pam_permit.so\n' \
	"$T/pam.d/check" >"$T/pam.d/pluto"
for side in w e; do
	ns=$([ $side = w ] && echo "$NS_W" || echo "$NS_E")
	mkdir -p "$T/$side"
	ip netns exec "$ns" env SKUA_PAM_CONFDIR="$T/pam.d" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-none \
		--config "$T/ipsec.conf" --ipsecdir "$T/ipsec.d" \
		--secretsfile "$T/secrets" >"$T/$side.out" 2>"$T/$side.log" &
	eval "PID_$side=\$!"
done
for side in w e; do
	wait_for 10 grep -q "Pluto initialized" "$T/$side.out" && ok "pluto $side started" ||
		{ not_ok "pluto $side did not start"; cat "$T/$side.log"; finish; }
done
WW="ip netns exec $NS_W $WHACK --rundir $T/w"
WE="ip netns exec $NS_E $WHACK --rundir $T/e"

cat >"$T/record" <<'R'
#!/bin/sh
echo "$PLUTO_VERB src=${PLUTO_MY_SOURCEIP:-} peerclient=$PLUTO_PEER_CLIENT banner=${PLUTO_PEER_BANNER:-}" >>"$UPDOWN_LOG"
R
chmod +x "$T/record"

expect_status 0 "east adds the server" $WE --name x --ikev1 --psk --encrypt --tunnel \
	--host 192.0.2.2 --id @east --client 10.1.0.0/16 --xauthserver --modecfgserver \
	--modecfgbanner "Welcome to east" --updown "UPDOWN_LOG=$T/updown.e $T/record" \
	--to --host 192.0.2.1 --id @west --xauthclient --modecfgclient --addresspool 10.9.0.10-10.9.0.20
expect_status 0 "west adds the client (no user, no password)" $WW --name x --ikev1 --psk --encrypt \
	--tunnel --host 192.0.2.1 --id @west --xauthclient --modecfgclient \
	--updown "UPDOWN_LOG=$T/updown.w $T/record" \
	--to --host 192.0.2.2 --id @east --client 0.0.0.0/0 --xauthserver --modecfgserver
expect_status 0 "west listens" $WW --listen
expect_status 0 "east listens" $WE --listen

expect_status 0 "whack --initiate answers the prompts from a pipe" \
	sh -c "printf 'alice\n%s\n' '$PW' | timeout 20 $WW --initiate --name x"
expect_match "041: the user name prompt, as libreswan prints it" '^041 "x" #1: prompt for Username:$'
expect_match "040: the password prompt" '^040 "x" #1: prompt for Password:$'
expect_match "then the XAUTH succeeds" '"x" #1: XAUTH: Successfully Authenticated'
expect_match "the banner is shown" '"x" #1: ModeCfg: the server.s banner: Welcome to east'
expect_match "the split network is taken" '"x" #1: ModeCfg: the server.s split network 10\.1\.0\.0/16'
expect_match "the IPsec SA is of the split network" 'IPsec SA #[0-9]+ established tunnel mode .*10\.9\.0\.10/32===10\.1\.0\.0/16'
expect_no_match "the password is not echoed" "$PW"
if grep -qF "$PW" "$T/w.log" "$T/e.log"; then not_ok "a log shows the password"; else ok "no log shows the password"; fi
wait_for 5 grep -q '^up-client ' "$T/updown.w" || true
LAST_OUT=$(cat "$T/updown.w" 2>/dev/null)
expect_match "updown: the address, the split network, PLUTO_PEER_BANNER" \
	'^up-client src=10\.9\.0\.10 peerclient=10\.1\.0\.0/16 banner=Welcome to east$'
expect_status 0 "east status" $WE --trafficstatus
expect_match "east's IPsec SA is alice's" 'username=alice'

expect_status 0 "west terminates" $WW --terminate --name x
wait_for 5 sh -c "$WE --status | grep -q 'IKE SAs: total(0)'" && ok "east let the SA go" ||
	not_ok "east kept the SA"

# whack --deleteuser --name alice --crash <west>: east drops alice's SAs without a Delete
expect_status 0 "west initiates again" \
	sh -c "printf 'alice\n%s\n' '$PW' | timeout 20 $WW --initiate --name x"
expect_match "... and its IPsec SA is up" 'IPsec SA #[0-9]+ established tunnel mode'
wait_for 5 grep -q '^up-client ' "$T/updown.e" && ok "east ran updown up" ||
	not_ok "east ran no updown up"
expect_status 0 "east deletes alice's SAs, her peer crashed" \
	$WE --deleteuser --name alice --crash 192.0.2.1
expect_match "whack says which SA went, with no Delete" \
	'deleting the ISAKMP SA of XAUTH user alice without a Delete \(the peer crashed\)'
expect_status 0 "east status" $WE --status
expect_match "east has no IKE SA left" 'IKE SAs: total\(0\)'
expect_match "... nor an IPsec SA" 'IPsec SAs: total\(0\)'
wait_for 5 grep -q '^down-client ' "$T/updown.e" && ok "east ran updown down" ||
	not_ok "east ran no updown down"
sleep 1
expect_status 0 "west status" $WW --status
expect_match "west, never told, keeps its ISAKMP SA" 'IKE SAs: total\(1\)'
expect_match "... and its IPsec SA" 'IPsec SAs: total\(1\)'
if grep -q 'received Delete' "$T/w.log"; then not_ok "west got a Delete"; else
	ok "west got no Delete"; fi
expect_status 21 "the user has nothing left to delete" \
	$WE --deleteuser --name alice --crash 192.0.2.1
expect_match "whack says so" 'no IKEv1 SA of XAUTH user alice nor an established IKE SA with 192\.0\.2\.1'
expect_status 0 "west terminates its stale SA" $WW --terminate --name x

expect_status 1 "no answer on whack's stdin: whack says so" \
	sh -c "timeout 20 $WW --initiate --name x </dev/null"
expect_match "whack cannot read the user name" 'whack: cannot read the user name from standard input'
wait_for 5 grep -q 'XAUTH: no Username entered, aborted' "$T/w.log" &&
	ok "west logs that no user name came" || not_ok "no 'no Username entered' line in west's log"
wait_for 5 sh -c "$WW --status | grep -q 'IKE SAs: total(0)'" && ok "west's SA went" ||
	not_ok "west kept the SA"

expect_status 0 "--asynchronous: nobody to ask" $WW --initiate --name x --asynchronous
wait_for 10 grep -q 'no XAUTH user name (give --xauthuser' "$T/w.log" &&
	ok "the XAUTH fails with the reason" || not_ok "no reason for the failed XAUTH in west's log"
wait_for 5 sh -c "$WW --status | grep -q 'IKE SAs: total(0)'" && ok "west's SA went again" ||
	not_ok "west kept the SA"

# --xauthby pam: east's connection again, its passwords checked by PAM
expect_status 0 "east deletes its connection" $WE --name x --delete
expect_status 0 "east adds it again with --xauthby pam" $WE --name x --ikev1 --psk --encrypt \
	--tunnel --host 192.0.2.2 --id @east --client 10.1.0.0/16 --xauthserver --modecfgserver \
	--xauthby pam --to --host 192.0.2.1 --id @west --xauthclient --modecfgclient \
	--addresspool 10.9.0.10-10.9.0.20
expect_status 0 "PAM's user bob gets in" \
	sh -c "printf 'bob\n%s\n' '$PAMPW' | timeout 20 $WW --initiate --name x"
expect_match "west: XAUTH succeeds" '"x" #[0-9]+: XAUTH: Successfully Authenticated'
expect_match "... and the IPsec SA is up" 'IPsec SA #[0-9]+ established tunnel mode'
wait_for 5 grep -q 'XAUTH: User bob: Authentication Successful' "$T/e.log" &&
	ok "east's PAM took bob" || not_ok "no 'User bob: Authentication Successful' in east's log"
expect_status 0 "east status" $WE --trafficstatus
expect_match "east's IPsec SA is bob's" 'username=bob'
expect_status 0 "west terminates" $WW --terminate --name x
wait_for 5 sh -c "$WE --status | grep -q 'IKE SAs: total(0)'" && ok "east let bob's SA go" ||
	not_ok "east kept bob's SA"
expect_status 36 "PAM refuses alice (the passwd file's user): whack's status 36" \
	sh -c "printf 'alice\n%s\n' '$PW' | timeout 20 $WW --initiate --name x"
expect_match "whack: the server says it failed" '^036 "x" #[0-9]+: XAUTH: the server says the authentication failed$'
wait_for 5 grep -q 'XAUTH: User alice: Authentication Failed: Incorrect Username or Password' \
	"$T/e.log" && ok "east logs the refusal" || not_ok "no refusal of alice in east's log"
wait_for 5 sh -c "$WE --status | grep -q 'IKE SAs: total(0)'" && ok "east deleted alice's SA" ||
	not_ok "east kept the SA of a refused user"
if grep -qF "$PAMPW" "$T/w.log" "$T/e.log"; then not_ok "a log shows PAM's password"; else
	ok "no log shows PAM's password"; fi
expect_status 37 "a banner in an IKEv2 connection is not supported yet" $WE --name b2 --psk \
	--encrypt --host 192.0.2.2 --modecfgserver --modecfgbanner hi --to --host 192.0.2.1
expect_match "the refusal names the banner" 'modecfgbanner\) in an IKEv2 connection.*not supported yet'
BIG=$(head -c 600 /dev/zero | tr '\0' b)
expect_status 36 "a banner over 512 bytes is refused" $WE --name b1 --ikev1 --psk --encrypt \
	--host 192.0.2.2 --modecfgserver --modecfgbanner "$BIG" --to --host 192.0.2.1
expect_match "the refusal says how long" 'modecfgbanner: 600 bytes \(expected at most 512\)'
expect_status 0 "east status" $WE --status
expect_no_match "no refused connection was added" '"(b1|b2)"'

expect_status 0 "west shuts down" $WW --shutdown
expect_status 0 "east shuts down" $WE --shutdown
for side in w e; do
	eval "pid=\$PID_$side"
	wait_exit "$pid" 10 && [ "$STOP_STATUS" = 0 ] && ok "pluto $side exited 0" ||
		not_ok "pluto $side exit: $STOP_STATUS"
done
finish
