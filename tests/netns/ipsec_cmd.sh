#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The ipsec command of the build tree, as libreswan's users type it:
#  1. what each command runs: an execution directory of recording stand-ins
#     for whack, addconn and systemctl shows the arguments;
#  2. exit statuses: no command and --help 2, unknown command or option 1,
#     usage errors of ipsec auto 2;
#  3. two real plutos in two network namespaces started with "ipsec start",
#     a tunnel loaded with "ipsec auto --add" (addconn: a failure, clearly
#     said, while tools/addconn is missing; the connection is then added with
#     "ipsec whack" so that the rest still runs), brought up and down with
#     "ipsec auto --up/--down", the status commands, "ipsec secrets",
#     "ipsec verify" (secrets permissions, ports held by pluto or by another
#     program, pluto running or not), "ipsec stop";
#  4. systemd: ipsec start/stop go to systemctl when systemd runs and its
#     unit starts this pluto (a private mount namespace fakes
#     /run/systemd/system; systemctl is a stand-in: no service starts).
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"
BUILD=$(cd "$BUILD" && pwd)
IPSEC="$BUILD/ipsec"
HOLD="$BUILD/tests/udp_hold"

T=$(mktemp -d /tmp/skua-ipsec.XXXXXX)
netns_pair "skua$$"
trap 'netns_cleanup; rm -rf "$T"' EXIT

# ---- 1. what each command runs
FAKE="$T/fake"
mkdir -p "$FAKE"
for p in whack addconn pluto; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit ${FAKE_RC:-0}\n' "$p" "$T" >"$FAKE/$p"
	chmod +x "$FAKE/$p"
done
for s in auto setup verify; do
	ln -s "$BUILD/libexec/ipsec/$s" "$FAKE/$s"
done
# calls <ipsec arguments...>: run the build tree's ipsec on the stand-ins,
# LAST_OUT: the commands they saw.
calls() {
	: >"$T/calls"
	set +e
	IPSEC_EXECDIR="$FAKE" IPSEC_RUNDIR="$T/rd" IPSEC_CONF="$T/c.conf" "$IPSEC" "$@" >"$T/out" 2>&1
	CALL_RC=$?
	set -e
	LAST_OUT=$(cat "$T/calls")
}
maps() {
	local what=$1 want=$2
	shift 2
	calls "$@"
	if [ "$LAST_OUT" = "$want" ] && [ "$CALL_RC" = 0 ]; then
		ok "ipsec $what runs: ${want//$'\n'/; }"
	else
		not_ok "ipsec $what: exit $CALL_RC, ran:"
		printf '%s\n' "$LAST_OUT" "(expected: $want)" | sed 's/^/#   /'
	fi
}
S="--ctlsocket $T/rd/pluto.ctl"
maps status "whack $S --status" status
maps briefstatus "whack $S --briefstatus" briefstatus
maps showstates "whack $S --showstates" showstates
maps trafficstatus "whack $S --trafficstatus" trafficstatus
maps globalstatus "whack $S --globalstatus" globalstatus
maps shuntstatus "whack $S --shuntstatus" shuntstatus
maps secrets "whack $S --rereadsecrets" secrets
maps "whack --status" "whack $S --status" whack --status
maps "--rundir X whack" "whack --ctlsocket /x/pluto.ctl --status" --rundir /x whack --status
maps "whack --rundir Y (its own choice wins)" "whack --rundir /y --status" whack --rundir /y --status
maps "addconn" "addconn --config f --autoall" addconn --config f --autoall
maps "--ctlsocket X addconn" "addconn --ctlsocket /x.ctl --checkconfig" --ctlsocket /x.ctl addconn --checkconfig
maps "pluto" "pluto --nofork" pluto --nofork
maps "auto --add" "addconn $S --config $T/c.conf tunnel" auto --add tunnel
maps "auto --add --config F" "addconn $S --config /f.conf tunnel" auto --config /f.conf --add tunnel
maps "auto --delete" "whack $S --name tunnel --delete" auto --delete tunnel
maps "auto --up" "whack $S --name tunnel --initiate" auto --up tunnel
maps "auto --asynchronous --up" "whack $S --asynchronous --name tunnel --initiate" auto --asynchronous --up tunnel
maps "auto --up NAME --remote-host" "whack $S --name rw --initiate --remote-host 192.0.2.9" auto --up rw --remote-host 192.0.2.9
maps "auto NAME --up (options after the name)" "whack $S --name rw --terminate" auto rw --down
maps "auto --down" "whack $S --name tunnel --terminate" auto --down tunnel
maps "auto --route" "whack $S --name tunnel --route" auto --route tunnel
maps "auto --unroute" "whack $S --name tunnel --unroute" auto --unroute tunnel
maps "auto --replace" "whack $S --name tunnel --delete
addconn $S --config $T/c.conf tunnel" auto --replace tunnel
maps "auto --start" "addconn $S --config $T/c.conf tunnel
whack $S --name tunnel --initiate" auto --start tunnel
maps "auto --ondemand" "addconn $S --config $T/c.conf tunnel
whack $S --name tunnel --route" auto --ondemand tunnel
maps "auto --status" "whack $S --status" auto --status
maps "auto --rereadsecrets" "whack $S --rereadsecrets" auto --rereadsecrets
maps "auto --rereadall" "whack $S --rereadall" auto --rereadall
maps "auto --ready" "whack $S --listen" auto --ready
maps "auto --ctlsocket P --up" "whack --ctlsocket /p.ctl --name t --initiate" auto --ctlsocket /p.ctl --up t
maps "auto NAME up (old order)" "whack $S --name tunnel --initiate" auto tunnel up
calls auto --showonly --up tunnel
[ -z "$LAST_OUT" ] && grep -qx "ipsec whack $S --name tunnel --initiate" "$T/out" &&
	ok "auto --showonly prints the command and runs nothing" || not_ok "auto --showonly: $(cat "$T/out")"
FAKE_RC=3 calls auto --up tunnel
[ "$CALL_RC" = 3 ] && ok "ipsec auto passes whack's exit status (3)" || not_ok "ipsec auto exit $CALL_RC, whack's was 3"
FAKE_RC=25 calls status
[ "$CALL_RC" = 25 ] && ok "ipsec status passes whack's exit status (25)" || not_ok "ipsec status exit $CALL_RC"
rm "$FAKE/addconn"
calls auto --add tunnel
[ "$CALL_RC" = 1 ] && grep -q "addconn is not installed" "$T/out" &&
	ok "auto --add without addconn fails, and says why" || not_ok "auto --add without addconn: exit $CALL_RC: $(cat "$T/out")"

# ---- 2. exit statuses
expect_status 2 "ipsec alone prints the usage" "$IPSEC"
expect_status 2 "ipsec --help lists the commands (libreswan exits 2)" "$IPSEC" --help
expect_match "--help lists auto" '	auto '
expect_status 0 "ipsec --version" "$IPSEC" --version
expect_match "the version line" '^Skua [0-9.]+ \(libreswan 4.10 compatible\)$'
expect_status 0 "ipsec --directory" "$IPSEC" --directory
expect_match "names the build tree's programs" "^$BUILD/libexec/ipsec\$"
expect_status 1 "an unknown command" "$IPSEC" frobnicate
expect_match "is named" 'unknown IPsec command "frobnicate"'
expect_status 1 "an unknown option" "$IPSEC" --frobnicate
expect_status 1 "a path as a command" "$IPSEC" ../ipsec
expect_status 2 "ipsec auto without an operation" "$IPSEC" auto
expect_status 2 "ipsec auto --up without a name" "$IPSEC" auto --up
expect_status 2 "ipsec auto with two operations" "$IPSEC" auto --up a --down
expect_status 2 "ipsec auto with an unknown option" "$IPSEC" auto --frob a
expect_status 0 "ipsec auto --help" "$IPSEC" auto --help
expect_status 2 "ipsec setup with a bad verb" "$IPSEC" setup frob

# ---- 3. two plutos
cat >"$T/ipsec.conf" <<'EOF'
config setup
	protostack=none

conn tunnel
	left=192.0.2.1
	leftid=@west
	leftsubnet=10.1.0.0/16
	right=192.0.2.2
	rightid=@east
	rightsubnet=10.2.0.0/16
	authby=secret
	auto=add
EOF
printf '@west @east : PSK "ipsec command test secret"\n' >"$T/ipsec.secrets"
chmod 600 "$T/ipsec.secrets"
printf 'config setup\n\tprotostack=none\n\tsecretsfile=%s\n' "$T/ipsec.secrets" >"$T/setup.conf"
sed -n '/^conn/,$p' "$T/ipsec.conf" >>"$T/setup.conf"

# on <w|e> <command...>: in that side's namespace, with its paths
on() {
	local side=$1 ns
	shift
	ns=$([ "$side" = w ] && echo "$NS_W" || echo "$NS_E")
	ip netns exec "$ns" env IPSEC_INIT=direct IPSEC_CONF="$T/setup.conf" \
		IPSEC_SECRETS="$T/ipsec.secrets" IPSEC_RUNDIR="$T/$side" "$@"
}
for side in w e; do
	expect_status 0 "ipsec start ($side)" on $side "$IPSEC" start
	expect_match "pluto runs and answers" "pluto is running \\(pid [0-9]+\\), control socket $T/$side/pluto.ctl"
done
expect_status 0 "ipsec start again: already running is not an error" on w "$IPSEC" start
expect_match "says so" 'already running'
expect_status 0 "ipsec setup status" on w "$IPSEC" setup status

# The connection, from ipsec.conf through addconn.
added=yes
for side in w e; do
	expect_status 0 "ipsec auto --add tunnel ($side) (needs tools/addconn)" on $side "$IPSEC" auto --add tunnel
	[ "${LAST_OUT#*addconn is not installed}" != "$LAST_OUT" ] && added=no
done
if [ "$added" = no ]; then
	echo "# addconn is missing: adding the same connection with ipsec whack to test the rest"
	for side in w e; do
		on $side "$IPSEC" whack --name tunnel --host 192.0.2.1 --id @west --client 10.1.0.0/16 \
			--to --host 192.0.2.2 --id @east --client 10.2.0.0/16 --psk --encrypt >/dev/null
	done
fi
expect_status 0 "ipsec auto --up tunnel" on w timeout 20 "$IPSEC" auto --up tunnel
expect_match "the IKE SA is established" '^004 "tunnel" #1: established IKE SA'
expect_match "the Child SA is established" 'IPsec SA #2 established tunnel mode .*10\.1\.0\.0/16===10\.2\.0\.0/16'
expect_status 0 "ipsec status" on w "$IPSEC" status
expect_match "lists the SA" '"tunnel":500 STATE_V2_ESTABLISHED_IKE_SA'
expect_status 0 "ipsec trafficstatus" on e "$IPSEC" trafficstatus
expect_match "lists the Child SA" '"tunnel"'
expect_status 0 "ipsec auto --status" on e "$IPSEC" auto --status
expect_match "east lists the SA as responder" 'STATE_V2_ESTABLISHED_IKE_SA .*responder'
expect_status 0 "ipsec secrets" on w "$IPSEC" secrets
expect_match "rereads the secrets file" "loaded secrets from $T/ipsec.secrets"
expect_status 0 "ipsec auto --down tunnel" on w "$IPSEC" auto --down tunnel
east_idle() { ip netns exec "$NS_E" "$BUILD/tools/whack/whack" --rundir "$T/e" --status | grep -q 'IKE SAs: total(0)'; }
wait_for 5 east_idle &&
	ok "the peer dropped the SA" || not_ok "east still has the SA after --down"
expect_status 0 "ipsec auto --up tunnel again" on w timeout 20 "$IPSEC" auto --up tunnel
expect_match "established again" 'IPsec SA #[0-9]+ established tunnel mode'
expect_status 0 "ipsec auto --replace tunnel (needs tools/addconn)" on w "$IPSEC" auto --replace tunnel

# ipsec verify, with pluto running: the secrets' mode, the ports held by pluto.
on w "$IPSEC" verify >"$T/verify" 2>&1 && vrc=0 || vrc=$?
LAST_OUT=$(cat "$T/verify")
expect_match "verify: pluto runs" '^Checking that pluto is running +\[OK\]'
expect_match "verify: UDP 500 held by pluto" '^ IKE on udp 500 +\[OK\]'
expect_match "verify: UDP 4500 held by pluto" '^ IKE/NAT-T on udp 4500 +\[OK\]'
expect_match "verify: the secrets file is 0600" '^Pluto ipsec.secrets permissions +\[OK\]'
expect_match "verify: checks the config (needs tools/addconn)" '^Pluto ipsec.conf syntax +\[OK\]'
expect_match "verify: checks the kernel" '^ XFRM netlink +\[(OK|FAILED)\]'
expect_match "verify: tries ESP" '^ ESP +\[(OK|FAILED)\]'
if grep -q '\[FAILED\]' "$T/verify"; then want=1; else want=0; fi
[ "$vrc" = "$want" ] && ok "verify exits $vrc: 1 exactly when a check FAILED" ||
	not_ok "verify exit $vrc, expected $want for its output"
chmod 644 "$T/ipsec.secrets"
on w "$IPSEC" verify >"$T/verify" 2>&1 && vrc=0 || vrc=$?
LAST_OUT=$(cat "$T/verify")
expect_match "verify: a secrets file readable by others FAILS" '^Pluto ipsec.secrets permissions +\[FAILED\]'
expect_match "and says how to mend it" "chmod 600 $T/ipsec.secrets"
[ "$vrc" = 1 ] && ok "verify exits 1 then" || not_ok "verify exit $vrc with a FAILED check"
chmod 600 "$T/ipsec.secrets"

expect_status 0 "ipsec stop (west)" on w "$IPSEC" stop
expect_match "pluto stopped" '^pluto stopped$'
[ ! -e "$T/w/pluto.pid" ] && ok "west's lock file is gone" || not_ok "west's lock file remains"
expect_status 0 "ipsec stop again: not running is not an error" on w "$IPSEC" stop
expect_match "says so" '^pluto is not running$'
expect_status 3 "ipsec setup status when stopped (3, as LSB)" on w "$IPSEC" setup status

# verify with pluto stopped: the ports free, or held by another program.
on w "$IPSEC" verify >"$T/verify" 2>&1 || true
LAST_OUT=$(cat "$T/verify")
expect_match "verify: pluto not running FAILS" '^Checking that pluto is running +\[FAILED\]'
expect_match "verify: UDP 500 free" '^ IKE on udp 500 +\[OK\]'
ip netns exec "$NS_W" "$HOLD" 192.0.2.1 500 10 >"$T/hold" 2>&1 &
HOLD_PID=$!
wait_for 5 grep -q bound "$T/hold" || not_ok "udp_hold did not bind"
on w "$IPSEC" verify >"$T/verify" 2>&1 || true
kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null || true
LAST_OUT=$(cat "$T/verify")
expect_match "verify: UDP 500 held by another program FAILS" '^ IKE on udp 500 +\[FAILED\]'
expect_match "and names it" 'udp_hold'

expect_status 0 "ipsec restart (west, from stopped)" on w "$IPSEC" restart
expect_match "it runs again" 'pluto is running'
expect_status 0 "ipsec restart (west, running)" on w "$IPSEC" restart
expect_match "stopped, then started" 'pluto stopped'
for side in w e; do
	expect_status 0 "ipsec stop ($side)" on $side "$IPSEC" stop
done

# ---- 4. systemd: a stand-in systemctl, a faked /run/systemd/system
mkdir -p "$T/bin"
cat >"$T/bin/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >>"$T/systemctl.calls"
case "\$1" in
show) echo "ExecStart={ path=\${FAKE_UNIT_PLUTO:-/nowhere/pluto} ; argv[]=pluto --nofork ; }" ;;
esac
exit \${FAKE_RC:-0}
EOF
chmod +x "$T/bin/systemctl"
sysd() {
	: >"$T/systemctl.calls"
	set +e
	PATH="$T/bin:$PATH" "$@" >"$T/out" 2>&1
	CALL_RC=$?
	set -e
	LAST_OUT="$(cat "$T/out")
$(cat "$T/systemctl.calls")"
}
sysd env IPSEC_INIT=systemd "$IPSEC" start
[ "$CALL_RC" = 0 ] && ok "IPSEC_INIT=systemd: ipsec start exits as systemctl does" || not_ok "exit $CALL_RC"
expect_match "says where it redirects" '^Redirecting to: systemctl start ipsec.service$'
expect_match "runs systemctl start" '^systemctl start ipsec.service$'
sysd env IPSEC_INIT=systemd FAKE_RC=1 "$IPSEC" stop
[ "$CALL_RC" = 1 ] && ok "systemctl's failure is ipsec stop's (1)" || not_ok "exit $CALL_RC"
expect_match "runs systemctl stop" '^systemctl stop ipsec.service$'
sysd env IPSEC_INIT=systemd "$IPSEC" restart
expect_match "restart is systemctl restart" '^systemctl restart ipsec.service$'
sysd env IPSEC_INIT=bogus "$IPSEC" start
[ "$CALL_RC" = 2 ] && ok "IPSEC_INIT=bogus is refused (2)" || not_ok "IPSEC_INIT=bogus: exit $CALL_RC"
# Found by itself: systemd runs, and its unit starts this pluto.
cat >"$T/detect.sh" <<EOF
set -e
mount -t tmpfs tmpfs /run/systemd 2>/dev/null || { mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }
mkdir /run/systemd/system
PATH="$T/bin:\$PATH" FAKE_UNIT_PLUTO="$BUILD/libexec/ipsec/pluto" IPSEC_CONF="$T/setup.conf" IPSEC_RUNDIR="$T/d" "$IPSEC" stop
echo ---
PATH="$T/bin:\$PATH" FAKE_UNIT_PLUTO=/usr/libexec/elsewhere/pluto IPSEC_CONF="$T/setup.conf" IPSEC_RUNDIR="$T/d" "$IPSEC" stop
EOF
: >"$T/systemctl.calls"
if unshare -m --propagation private sh "$T/detect.sh" >"$T/detect.out" 2>&1; then
	LAST_OUT=$(sed -n '1,/^---$/p' "$T/detect.out")
	expect_match "with systemd running and its unit on this pluto, stop goes to systemctl" \
		'^Redirecting to: systemctl stop ipsec.service$'
	LAST_OUT=$(sed -n '/^---$/,$p' "$T/detect.out")
	expect_match "a unit that starts another pluto is not this one's: direct" '^pluto is not running$'
else
	not_ok "the systemd detection run failed:"
	sed 's/^/#   /' "$T/detect.out"
fi
finish
