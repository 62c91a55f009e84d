#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Two Skua plutos in two network namespaces, XFRM backend, on a kernel with
# ESP (the test guest): IKEv2 with PSK brings up Child SAs that the kernel
# really uses. A packet counter on the veth between the namespaces
# (tests/tools/pcount, AF_PACKET) proves what crosses the wire.
#
#   tunnel (AES-GCM-256)           ESP on the wire, no clear ICMP, SA counters
#                                  move, --trafficstatus equals the kernel's
#                                  bytes, --terminate leaves nothing
#   transport (AES-CBC/SHA2-256)   the same host to host; --delete
#   NAT-T (--forceencaps)          the SAs are "encap espinudp 4500 4500", only
#                                  ESP-in-UDP on the wire
#   --route                        a trapped ping makes the kernel ACQUIRE,
#                                  pluto brings the tunnel up, a later ping
#                                  crosses encrypted
#   updown                         a recording --updown script sees the verbs
#                                  and variables (when pluto takes --updown)
#   --shutdown                     removes every SA and policy pluto made
#   --shutdown --leave-state       leaves the SAs in the kernel
#
# Run inside the guest: tests/kernel/guest.sh run tests/kernel/skua_pair.sh BUILD
# (or as root on a host whose kernel has ESP). BUILD is the CMake build
# directory (src/pluto/pluto, tools/whack/whack, tests/pcount); default
# $BUILD, then <repo>/build. SKUA_KEEP=DIR copies the logs there.
set -u
BUILD=${1:-${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
PCOUNT=$BUILD/tests/pcount
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
W=skua-kp-w
E=skua-kp-e
# NSW/NSE: a command prefix that runs in west/east (a static busybox starts
# four times as fast as a dynamic binary under TCG, so it does when present).
if [ -n "${SKUA_BUSYBOX:-}" ]; then
	NSW=("$SKUA_BUSYBOX" nsenter --net=/run/netns/$W)
	NSE=("$SKUA_BUSYBOX" nsenter --net=/run/netns/$E)
	PING=("$SKUA_BUSYBOX" ping)
else
	NSW=($IP netns exec $W)
	NSE=($IP netns exec $E)
	PING=(ping)
fi
T=$(mktemp -d /tmp/skua-kpair.XXXXXX)
# SKUA_PAIR_PARTS: the parts to run (default all): tun tra nat rt shutdown leave
PARTS=" ${SKUA_PAIR_PARTS:-tun tra nat rt shutdown leave} "
part() { [[ $PARTS == *" $1 "* ]]; }
PIDS=()
cleanup() {
	local p
	exec 2>/dev/null # not bash's "Killed" notes
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	$IP netns del $W 2>/dev/null
	$IP netns del $E 2>/dev/null
	if [ -n "${SKUA_KEEP:-}" ]; then
		mkdir -p "$SKUA_KEEP" && cp -r "$T"/. "$SKUA_KEEP"/ 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

for f in "$PLUTO" "$WHACK" "$PCOUNT"; do
	[ -x "$f" ] || { not_ok "$f: not built"; finish; exit; }
done
modprobe -a xfrm_user esp4 veth 2>/dev/null

# ---------------------------------------------------------------------------
# The namespaces: west 192.0.2.1 with client 10.1.0.1, east 192.0.2.2 with
# clients 10.2.0.1 (tunnel), 10.3.0.1 (NAT-T), 10.4.0.1 (routed), on lo.
# Fixed MACs and permanent neighbours: no ARP for a busy TCG guest to miss.
MAC_W=02:00:00:00:01:0a MAC_E=02:00:00:00:01:0b
if $IP netns add $W && $IP netns add $E &&
	$IP link add vw address $MAC_W netns $W type veth peer name ve address $MAC_E netns $E &&
	$IP -n $W -batch - <<-EOF && $IP -n $E -batch - <<-EOF2; then
		link set lo up
		addr add 192.0.2.1/24 dev vw
		addr add 10.1.0.1/32 dev lo
		link set vw up
		neigh add 192.0.2.2 lladdr $MAC_E dev vw nud permanent
		route add 10.0.0.0/8 via 192.0.2.2 src 10.1.0.1 dev vw
	EOF
		link set lo up
		addr add 192.0.2.2/24 dev ve
		addr add 10.2.0.1/32 dev lo
		addr add 10.3.0.1/32 dev lo
		addr add 10.4.0.1/32 dev lo
		link set ve up
		neigh add 192.0.2.1 lladdr $MAC_W dev ve nud permanent
		route add 10.1.0.0/16 via 192.0.2.1 dev ve
	EOF2
	ok "namespaces $W and $E joined by a veth"
else
	not_ok "namespaces $W and $E joined by a veth"
	finish
	exit
fi

# ---------------------------------------------------------------------------
# Helpers

# ping_from <src> <dst> [count]: echoes from west, each answered within 2 s.
ping_from() {
	"${NSW[@]}" "${PING[@]}" -c "${3:-1}" -W 2 -I "$1" "$2" >/dev/null 2>&1
}

# pcount_start / pcount_stop: count what crosses the veth meanwhile (what
# each end transmits: tests/tools/pcount); the counts land in the
# associative array PC (esp, icmp, espinudp, ...).
pcount_start() {
	local side
	PC_N=$((${PC_N:-0} + 1))
	for side in w e; do
		rm -f "$T/pc.$side" "$T/pc.$side.ready"
		if [ $side = w ]; then
			"${NSW[@]}" "$PCOUNT" vw "$T/pc.w" "$T/wire.$PC_N.w" 2>"$T/pc.w.err" &
		else
			"${NSE[@]}" "$PCOUNT" ve "$T/pc.e" "$T/wire.$PC_N.e" 2>"$T/pc.e.err" &
		fi
		eval "PC_PID_$side=\$!"
		PIDS+=("$!")
	done
	for side in w e; do
		wait_for 5 test -e "$T/pc.$side.ready" ||
			echo "# pcount $side did not start: $(cat "$T/pc.$side.err")"
	done
}
declare -A PC
pcount_stop() {
	local kv side
	kill -TERM "$PC_PID_w" "$PC_PID_e" 2>/dev/null
	wait "$PC_PID_w" "$PC_PID_e" 2>/dev/null
	PC=()
	for side in w e; do
		for kv in $(cat "$T/pc.$side" 2>/dev/null); do
			PC[${kv%%=*}]=$((${PC[${kv%%=*}]:-0} + ${kv#*=}))
		done
	done
	PC_LINE=
	for kv in total esp ah icmp udp500 espinudp udp4500 udp tcp other; do
		PC_LINE+=" $kv=${PC[$kv]:-?}"
	done
	echo "# on the wire:$PC_LINE"
	# anything in the clear: show what
	[ "${PC[icmp]:-1}" = 0 ] || cat "$T/wire.$PC_N.w" "$T/wire.$PC_N.e" | sed -n 's/^/#   /p' | head -20
}

# sa_table <ns>: one line per SA the kernel has:
#   src dst proto spi mode encap bytes packets
# (encap "-" or "espinudp:SPORT:DPORT"), from ip -s xfrm state.
sa_table() {
	local line src='' dst='' proto='' spi='' mode='' encap=- cur=0 have=0
	while IFS= read -r line; do
		if [[ $line =~ ^src\ ([^ ]+)\ dst\ ([^ ]+) ]]; then
			[ $have = 1 ] && echo "$src $dst $proto $spi $mode $encap ? ?"
			src=${BASH_REMATCH[1]} dst=${BASH_REMATCH[2]} encap=- cur=0 have=1
		elif [[ $line =~ proto\ ([a-z]+)\ spi\ (0x[0-9a-f]+).*mode\ ([a-z]+) ]]; then
			proto=${BASH_REMATCH[1]} spi=${BASH_REMATCH[2]} mode=${BASH_REMATCH[3]}
		elif [[ $line =~ encap\ type\ ([a-z]+)\ sport\ ([0-9]+)\ dport\ ([0-9]+) ]]; then
			encap=${BASH_REMATCH[1]}:${BASH_REMATCH[2]}:${BASH_REMATCH[3]}
		elif [[ $line =~ lifetime\ current: ]]; then
			cur=1
		elif [ $cur = 1 ] && [[ $line =~ ([0-9]+)\(bytes\),\ ([0-9]+)\(packets\) ]]; then
			echo "$src $dst $proto $spi $mode $encap ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
			cur=0 have=0
		fi
	done < <($IP -n "$1" -s xfrm state)
	[ $have = 1 ] && echo "$src $dst $proto $spi $mode $encap ? ?"
}

# keyed_sas <ns>: the SAs with a real SPI (not the kernel's acquire states).
keyed_sas() {
	sa_table "$1" | awk '$4 !~ /^0x0+$/'
}

# is_empty <ns>: no keyed SA and no policy of pluto's left
is_empty() {
	[ -z "$( { $IP -n "$1" -s xfrm state | grep -E 'spi 0x0*[1-9a-f]'; our_policies "$1"; } )" ]
}

wait_empty() {
	# wait_empty <ns>: no keyed SA and no policy left (5 s)
	wait_for 5 is_empty "$1"
}

show_kernel() {
	local ns
	for ns in $W $E; do
		echo "# $ns: ip xfrm state / policy:"
		$IP -n $ns xfrm state | sed 's/^/#   /'
		$IP -n $ns xfrm policy | sed 's/^/#   /'
	done
}

show_logs() {
	echo "# west log (tail):"
	tail -n "${1:-25}" "$T/w.log" | sed 's/^/#   /'
	echo "# east log (tail):"
	tail -n "${1:-25}" "$T/e.log" | sed 's/^/#   /'
}

# check <description> <command...>: ok when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		not_ok "$what"
		return 1
	fi
}

# start_plutos <tag>: one pluto per namespace (XFRM), listening.
start_plutos() {
	local side ns=()
	for side in w e; do
		[ $side = w ] && ns=("${NSW[@]}") || ns=("${NSE[@]}")
		rm -rf "$T/$side"
		mkdir -p "$T/$side"
		"${ns[@]}" "$PLUTO" --nofork --stderrlog --rundir "$T/$side" --use-netkey \
			--secretsfile "$T/secrets" >"$T/$side.out" 2>>"$T/$side.log" &
		eval "PID_$side=\$!"
		PIDS+=("$!")
	done
	for side in w e; do
		if wait_for 15 grep -q "Pluto initialized" "$T/$side.out"; then
			ok "$1: pluto $side started (XFRM)"
		else
			not_ok "$1: pluto $side did not start"
			show_logs
			return 1
		fi
	done
	WW=(timeout 30 "${NSW[@]}" "$WHACK" --rundir "$T/w")
	WE=(timeout 30 "${NSE[@]}" "$WHACK" --rundir "$T/e")
	"${WW[@]}" --listen >/dev/null && "${WE[@]}" --listen >/dev/null
}

# stop_pluto <w|e>: wait for the pluto told to shut down to exit.
stop_wait() {
	local pid
	eval "pid=\$PID_$1"
	wait_exit "$pid" 15 && [ "$STOP_STATUS" = 0 ]
}

UPDOWN=()
# drop <name>: delete the connection from both plutos. East, responding,
# takes the first connection whose ends and IDs match and does not move to
# another one by the Child SA's traffic selectors, so each part of this test
# leaves only its own connection loaded.
drop() {
	"${WW[@]}" --name "$1" --delete >/dev/null 2>&1
	"${WE[@]}" --name "$1" --delete >/dev/null 2>&1
}

# add <name> <whack end options...>: the same connection in both plutos.
add() {
	local name=$1 out rc=0
	shift
	out=$("${WW[@]}" --name "$name" "$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then
		out=$("${WE[@]}" --name "$name" "$@" 2>&1) || rc=$?
	fi
	if [ $rc = 0 ]; then
		ok "connection $name added to both"
	else
		not_ok "connection $name: whack said: $out"
	fi
	return $rc
}

# ---------------------------------------------------------------------------
printf '@west @east : PSK "kernel pair test secret"\n' >"$T/secrets"
chmod 600 "$T/secrets"
start_plutos first || { finish; exit; }

# Does pluto take --updown yet? Every connection then gets the recording
# script: the default one (tools/ipsec/_updown) routes the peer's client
# at route-client and deletes that route at unroute-client, which would take
# this test's own static routes with it.
cat >"$T/updown.sh" <<EOF
#!/bin/sh
echo "\$PLUTO_VERB \$PLUTO_CONNECTION \$PLUTO_ME \$PLUTO_PEER \$PLUTO_MY_CLIENT \$PLUTO_PEER_CLIENT \$PLUTO_MY_ID \$PLUTO_PEER_ID" >>$T/updown.log
EOF
chmod +x "$T/updown.sh"
if out=$("${WW[@]}" --name probe --host 192.0.2.1 --id @west --updown "$T/updown.sh" --to \
	--host 192.0.2.2 --id @east --psk --encrypt 2>&1); then
	UPDOWN=(--updown "$T/updown.sh")
	"${WW[@]}" --name probe --delete >/dev/null 2>&1
	ok "pluto takes --updown: the connections get a recording script"
else
	echo "# --updown is refused (\"$out\"): no updown checks"
fi

# west-end options / east-end options
WEST=(--host 192.0.2.1 --id @west)
EAST=(--host 192.0.2.2 --id @east)
IKE=(--psk --encrypt --ike aes_gcm256-sha2_256-dh31)

# ---------------------------------------------------------------------------
# 1. Tunnel mode, AES-GCM-256
if part tun; then
echo "# tunnel mode: 10.1.0.0/16 <=> 10.2.0.0/16, AES-GCM-256"
add tun "${WEST[@]}" --client 10.1.0.0/16 "${UPDOWN[@]}" --to "${EAST[@]}" --client 10.2.0.0/16 \
	"${UPDOWN[@]}" "${IKE[@]}" --tunnel --esp aes_gcm256
expect_status 0 "tunnel: west initiates" "${WW[@]}" --initiate --name tun
expect_match "tunnel: the Child SA is up in tunnel mode" 'IPsec SA #[0-9]+ established tunnel mode'
keyed_sas $W >"$T/sa"
check "tunnel: west's kernel has two ESP SAs in tunnel mode" \
	test "$(awk '$3 == "esp" && $5 == "tunnel"' "$T/sa" | wc -l)" = 2 || show_kernel
LAST_OUT=$($IP -n $W xfrm policy)
expect_match "tunnel: west's kernel has the outbound policy with its template" \
	'^src 10\.1\.0\.0/16 dst 10\.2\.0\.0/16'

pcount_start
check "tunnel: ping 10.1.0.1 -> 10.2.0.1 through the tunnel" ping_from 10.1.0.1 10.2.0.1 4
pcount_stop
check "tunnel: the wire carried ESP (${PC[esp]:-?} packets >= 8)" test "${PC[esp]:-0}" -ge 8
check "tunnel: the wire carried no clear ICMP (${PC[icmp]:-?})" test "${PC[icmp]:-1}" = 0

keyed_sas $W >"$T/sa"
read -r _ _ _ _ _ _ wout_b wout_p < <(awk '$1 == "192.0.2.1" && $3 == "esp"' "$T/sa")
read -r _ _ _ _ _ _ win_b win_p < <(awk '$1 == "192.0.2.2" && $3 == "esp"' "$T/sa")
check "tunnel: west's SA packet counters moved (out ${wout_p:-?}, in ${win_p:-?}; >= 4 each)" \
	test "${wout_p:-0}" -ge 4 -a "${win_p:-0}" -ge 4
keyed_sas $E >"$T/sae"
read -r _ _ _ _ _ _ _ eout_p < <(awk '$1 == "192.0.2.2" && $3 == "esp"' "$T/sae")
read -r _ _ _ _ _ _ _ ein_p < <(awk '$1 == "192.0.2.1" && $3 == "esp"' "$T/sae")
check "tunnel: east's SA packet counters moved (out ${eout_p:-?}, in ${ein_p:-?})" \
	test "${eout_p:-0}" -ge 4 -a "${ein_p:-0}" -ge 4

expect_status 0 "tunnel: west --trafficstatus" "${WW[@]}" --trafficstatus
expect_match "tunnel: --trafficstatus lists the Child SA" \
	"#[0-9]+: \"tun\", type=ESP, add_time=[0-9]+, inBytes=[0-9]+, outBytes=[0-9]+, maxBytes=2\\^63B, id='@east'"
ts_in=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*"tun".*inBytes=\([0-9]*\).*/\1/p' | head -1)
ts_out=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*"tun".*outBytes=\([0-9]*\).*/\1/p' | head -1)
check "tunnel: --trafficstatus bytes are the kernel's (in $ts_in = ${win_b:-?}, out $ts_out = ${wout_b:-?}, non-zero)" \
	test -n "$ts_in" -a "${ts_in:-0}" != 0 -a "$ts_in" = "${win_b:-x}" -a "$ts_out" = "${wout_b:-x}"

expect_status 0 "tunnel: west terminates" "${WW[@]}" --terminate --name tun
check "tunnel: after --terminate west's kernel has no SA and no policy" wait_empty $W || show_kernel
check "tunnel: after the Delete east's kernel has no SA and no policy" wait_empty $E || show_kernel
drop tun
fi

# ---------------------------------------------------------------------------
# 2. Transport mode, host to host, AES-CBC-256 + HMAC-SHA2-256-128
if part tra; then
echo "# transport mode: 192.0.2.1 <=> 192.0.2.2, AES-CBC-256/HMAC-SHA2-256"
add tra "${WEST[@]}" "${UPDOWN[@]}" --to "${EAST[@]}" "${UPDOWN[@]}" "${IKE[@]}" --esp aes256-sha2_256
expect_status 0 "transport: west initiates" "${WW[@]}" --initiate --name tra
expect_match "transport: the Child SA is up in transport mode" 'IPsec SA #[0-9]+ established transport mode'
keyed_sas $W >"$T/sa"
check "transport: west's kernel has two ESP SAs in transport mode" \
	test "$(awk '$3 == "esp" && $5 == "transport"' "$T/sa" | wc -l)" = 2 || show_kernel
pcount_start
check "transport: ping 192.0.2.1 -> 192.0.2.2" ping_from 192.0.2.1 192.0.2.2 4
pcount_stop
check "transport: the wire carried ESP (${PC[esp]:-?} packets >= 8)" test "${PC[esp]:-0}" -ge 8
check "transport: the wire carried no clear ICMP (${PC[icmp]:-?})" test "${PC[icmp]:-1}" = 0
keyed_sas $W >"$T/sa"
read -r _ _ _ _ _ _ _ wout_p < <(awk '$1 == "192.0.2.1" && $3 == "esp"' "$T/sa")
read -r _ _ _ _ _ _ _ win_p < <(awk '$1 == "192.0.2.2" && $3 == "esp"' "$T/sa")
check "transport: west's SA packet counters moved (out ${wout_p:-?}, in ${win_p:-?})" \
	test "${wout_p:-0}" -ge 4 -a "${win_p:-0}" -ge 4
expect_status 0 "transport: west --trafficstatus" "${WW[@]}" --trafficstatus
expect_match "transport: --trafficstatus shows non-zero bytes both ways" \
	'"tra", type=ESP, .*inBytes=[1-9][0-9]*, outBytes=[1-9][0-9]*'
expect_status 0 "transport: west deletes the connection" "${WW[@]}" --name tra --delete
check "transport: after --delete west's kernel has no SA and no policy" wait_empty $W || show_kernel
check "transport: after the Delete east's kernel has no SA and no policy" wait_empty $E || show_kernel
drop tra
fi

# ---------------------------------------------------------------------------
# 3. NAT-T: UDP encapsulation forced
if part nat; then
echo "# NAT-T: --forceencaps, 10.1.0.0/16 <=> 10.3.0.0/16"
add nat "${WEST[@]}" --client 10.1.0.0/16 "${UPDOWN[@]}" --to "${EAST[@]}" --client 10.3.0.0/16 \
	"${UPDOWN[@]}" "${IKE[@]}" --esp aes_gcm256 --forceencaps
expect_status 0 "NAT-T: west initiates" "${WW[@]}" --initiate --name nat
expect_match "NAT-T: the Child SA is up" 'IPsec SA #[0-9]+ established tunnel mode'
for ns in $W $E; do
	keyed_sas $ns >"$T/sa"
	check "NAT-T: $ns's SAs are encap espinudp 4500 -> 4500" \
		test "$(awk '$3 == "esp" && $6 == "espinudp:4500:4500"' "$T/sa" | wc -l)" = 2 ||
		{ show_kernel; show_logs; }
done
pcount_start
check "NAT-T: ping 10.1.0.1 -> 10.3.0.1" ping_from 10.1.0.1 10.3.0.1 4
pcount_stop
check "NAT-T: the wire carried ESP in UDP/4500 (${PC[espinudp]:-?} >= 8), no bare ESP (${PC[esp]:-?}), no clear ICMP (${PC[icmp]:-?})" \
	test "${PC[espinudp]:-0}" -ge 8 -a "${PC[esp]:-1}" = 0 -a "${PC[icmp]:-1}" = 0
expect_status 0 "NAT-T: west terminates" "${WW[@]}" --terminate --name nat
both_empty() { wait_empty $W && wait_empty $E; }
check "NAT-T: nothing left in either kernel" both_empty || show_kernel
drop nat
fi

# ---------------------------------------------------------------------------
# 4. --route: the kernel's ACQUIRE brings the tunnel up
if part rt; then
echo "# on demand: --route 10.1.0.0/16 <=> 10.4.0.0/16"
add rt "${WEST[@]}" --client 10.1.0.0/16 "${UPDOWN[@]}" --to "${EAST[@]}" --client 10.4.0.0/16 \
	"${UPDOWN[@]}" "${IKE[@]}" --tunnel --esp aes_gcm256
expect_status 0 "route: west routes rt" "${WW[@]}" --route --name rt
LAST_OUT=$($IP -n $W xfrm policy)
expect_match "route: west's kernel has the trap policy" '^src 10\.1\.0\.0/16 dst 10\.4\.0\.0/16'
ping_from 10.1.0.1 10.4.0.1 1 # trapped: the kernel holds it and ACQUIREs
rt_up() { "${WW[@]}" --trafficstatus 2>/dev/null | grep -q '"rt", type=ESP'; }
if wait_for 20 rt_up; then
	ok "route: the trapped ping brought the tunnel up (kernel ACQUIRE)"
else
	not_ok "route: no Child SA 20 s after the trapped ping"
	show_logs 40
fi
grep -q 'ACQUIRE' "$T/w.log" && ok "route: west's log names the ACQUIRE" ||
	not_ok "route: west's log has no ACQUIRE"
pcount_start
check "route: a later ping passes" ping_from 10.1.0.1 10.4.0.1 3
pcount_stop
check "route: encrypted (ESP ${PC[esp]:-?} >= 6, clear ICMP ${PC[icmp]:-?})" \
	test "${PC[esp]:-0}" -ge 6 -a "${PC[icmp]:-1}" = 0
fi

# ---------------------------------------------------------------------------
# 5. updown: what the recording script saw (tun, tra and rt carried it)
if [ ${#UPDOWN[@]} -gt 0 ]; then
	echo "# updown calls:"
	sed 's/^/#   /' "$T/updown.log" 2>/dev/null
	ud() { grep -Eq "$1" "$T/updown.log" 2>/dev/null; }
	check "updown: west ran up-client for tun with its ends and clients" \
		ud '^up-client tun 192\.0\.2\.1 192\.0\.2\.2 10\.1\.0\.0/16 10\.2\.0\.0/16 @west @east'
	check "updown: east ran up-client for tun, mirrored" \
		ud '^up-client tun 192\.0\.2\.2 192\.0\.2\.1 10\.2\.0\.0/16 10\.1\.0\.0/16 @east @west'
	check "updown: down-client for tun on both" \
		eval 'ud "^down-client tun 192\.0\.2\.1 " && ud "^down-client tun 192\.0\.2\.2 "'
	check "updown: up-host / down-host for the transport connection" \
		eval 'ud "^up-host tra 192\.0\.2\.1 192\.0\.2\.2 192\.0\.2\.1/32 192\.0\.2\.2/32" && ud "^down-host tra 192\.0\.2\.1 "'
	check "updown: route-client for rt at --route, then up-client" \
		eval 'ud "^route-client rt 192\.0\.2\.1 192\.0\.2\.2 10\.1\.0\.0/16 10\.4\.0\.0/16" && ud "^up-client rt 192\.0\.2\.1 "'
fi

# ---------------------------------------------------------------------------
# 6. --shutdown removes everything (rt is up)
if part shutdown; then
echo "# --shutdown with rt up"
expect_status 0 "shutdown: west shuts down" "${WW[@]}" --shutdown
check "shutdown: west's pluto exited 0" stop_wait w
check "shutdown: west's kernel has no SA and no policy" wait_empty $W || show_kernel
expect_status 0 "shutdown: east shuts down" "${WE[@]}" --shutdown
check "shutdown: east's pluto exited 0" stop_wait e
check "shutdown: east's kernel has no SA and no policy" wait_empty $E || show_kernel
fi

# ---------------------------------------------------------------------------
# 7. --shutdown --leave-state
if part leave; then
echo "# --shutdown --leave-state"
start_plutos second || { finish; exit; }
add tun "${WEST[@]}" --client 10.1.0.0/16 "${UPDOWN[@]}" --to "${EAST[@]}" --client 10.2.0.0/16 \
	"${UPDOWN[@]}" "${IKE[@]}" --tunnel --esp aes_gcm256
expect_status 0 "leave-state: west initiates" "${WW[@]}" --initiate --name tun
expect_status 0 "leave-state: west shuts down leaving the state" "${WW[@]}" --shutdown --leave-state
check "leave-state: west's pluto exited 0" stop_wait w
keyed_sas $W >"$T/sa"
check "leave-state: west's kernel still has both ESP SAs" \
	test "$(awk '$3 == "esp"' "$T/sa" | wc -l)" = 2 || show_kernel
LAST_OUT=$($IP -n $W xfrm policy)
expect_match "leave-state: and the tunnel's policy" '^src 10\.1\.0\.0/16 dst 10\.2\.0\.0/16'
check "leave-state: traffic still passes on the SAs left behind" ping_from 10.1.0.1 10.2.0.1 1
expect_status 0 "leave-state: east shuts down (normally)" "${WE[@]}" --shutdown
check "leave-state: east's pluto exited 0" stop_wait e
check "leave-state: east's kernel has no SA and no policy" wait_empty $E || show_kernel
fi

[ $FAILS = 0 ] || show_logs 40
finish
