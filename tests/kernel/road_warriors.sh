#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A Skua gateway with an address pool and three Skua road-warrior clients
# (--modecfgclient) on its one %any connection, XFRM backend, on a kernel
# with ESP (the test guest): issue 9's regression in the kernel itself.
#
#   - the three clients bring their tunnels up at once; each gets its own
#     address from the pool (the shipped _updown adds it to its device) and
#     the gateway lists three instances ("rw"[N] 192.0.2.K)
#   - the gateway's kernel holds 2 ESP SAs, 3 policies (out, in, fwd) and a
#     route per client, each naming that client's pool address
#   - all three ping the gateway's protected address through the tunnel at
#     once, from their pool address; ESP crosses the bridge, no clear ICMP
#   - the oldest client (the lowest instance number: issue 9's leak spared
#     only the newest) leaves with whack --terminate: exactly its SAs,
#     policies and route are gone from the gateway's kernel (the lists after
#     are the lists before less the leaving client's lines, and its pool
#     address and host appear in none of them), its own kernel is empty and
#     its address gone from its device, the gateway lists two instances and
#     the pool one lease in use fewer; the other two still pass traffic.
#
#   gateway skua-rw-gw: br0 192.0.2.254/24, protected 10.0.0.1 (lo),
#                       conn rw: 10.0.0.0/24 <=> %any, pool 10.9.0.10-10.9.0.20
#   client  skua-rw-cK: vc 192.0.2.K/24 (a port of br0 through a veth), ID @cK
#
# Run inside the guest: tests/kernel/guest.sh run tests/kernel/road_warriors.sh
# BUILD (or as root on a host whose kernel has ESP). BUILD is the CMake build
# directory (src/pluto/pluto, tools/whack/whack, tests/pcount). SKUA_KEEP=DIR
# copies the logs there. Prints "N passed, N failed".
set -u
BUILD=${1:-${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
PCOUNT=$BUILD/tests/pcount
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
GW=skua-rw-gw
CLIENTS=(1 2 3)
POOL=10.9.0.10-10.9.0.20
# ns_cmd <ns>: sets NS to a command prefix that runs in that namespace (a
# static busybox starts four times as fast as a dynamic binary under TCG).
ns_cmd() {
	if [ -n "${SKUA_BUSYBOX:-}" ]; then
		NS=("$SKUA_BUSYBOX" nsenter "--net=/run/netns/$1")
	else
		NS=("$IP" netns exec "$1")
	fi
}
PING=(ping)
[ -n "${SKUA_BUSYBOX:-}" ] && PING=("$SKUA_BUSYBOX" ping)
T=$(mktemp -d /tmp/skua-krw.XXXXXX)
PIDS=()
cleanup() {
	local p k
	exec 2>/dev/null # not bash's "Killed" notes
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	$IP netns del $GW 2>/dev/null
	for k in "${CLIENTS[@]}"; do $IP netns del skua-rw-c$k 2>/dev/null; done
	if [ -n "${SKUA_KEEP:-}" ]; then
		mkdir -p "$SKUA_KEEP" && cp -r "$T"/. "$SKUA_KEEP"/ 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

for f in "$PLUTO" "$WHACK" "$PCOUNT"; do
	[ -x "$f" ] || { not_ok "$f: not built"; finish; exit; }
done
modprobe -a xfrm_user esp4 veth bridge 2>/dev/null

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

# ---------------------------------------------------------------------------
# The namespaces. Fixed MACs and permanent neighbours: no ARP for a busy TCG
# guest to miss.
MAC_GW=02:00:00:00:02:fe
net_gw() {
	$IP netns add $GW &&
		$IP -n $GW -batch - <<-EOF
			link set lo up
			addr add 10.0.0.1/32 dev lo
			link add br0 address $MAC_GW type bridge
			addr add 192.0.2.254/24 dev br0
			link set br0 up
		EOF
}
net_client() {
	local k=$1 ns=skua-rw-c$1 mac=02:00:00:00:02:0$1
	$IP netns add "$ns" &&
		$IP link add vc address "$mac" netns "$ns" type veth peer name g$k netns $GW &&
		$IP -n $GW -batch - <<-EOF && $IP -n "$ns" -batch - <<-EOF2
			link set g$k master br0
			link set g$k up
			neigh add 192.0.2.$k lladdr $mac dev br0 nud permanent
		EOF
			link set lo up
			addr add 192.0.2.$k/24 dev vc
			link set vc up
			neigh add 192.0.2.254 lladdr $MAC_GW dev vc nud permanent
		EOF2
}
ok_net=1
net_gw || ok_net=0
for k in "${CLIENTS[@]}"; do
	[ $ok_net = 1 ] && { net_client "$k" || ok_net=0; }
done
if [ $ok_net = 1 ]; then
	ok "namespaces: gateway $GW and clients skua-rw-c1..3 on its bridge"
else
	not_ok "namespaces: gateway $GW and clients skua-rw-c1..3 on its bridge"
	finish
	exit
fi

# ---------------------------------------------------------------------------
# The plutos: gw, c1, c2, c3 (XFRM); wk <name> <whack options...> talks to one.
declare -A NSOF=([gw]=$GW [c1]=skua-rw-c1 [c2]=skua-rw-c2 [c3]=skua-rw-c3)
wk() {
	local n=$1
	shift
	ns_cmd "${NSOF[$n]}"
	timeout 30 "${NS[@]}" "$WHACK" --rundir "$T/$n" "$@"
}
{
	for k in "${CLIENTS[@]}"; do
		printf '@gw @c%s : PSK "road warrior kernel test %s"\n' "$k" "$k"
	done
} >"$T/secrets"
chmod 600 "$T/secrets"

show_logs() {
	local n
	for n in gw "${CLIENTS[@]/#/c}"; do
		echo "# $n log (tail):"
		tail -n "${1:-20}" "$T/$n.log" 2>/dev/null | sed 's/^/#   /'
	done
}

show_gw_kernel() {
	echo "# gateway: ip xfrm state / policy / route:"
	{
		$IP -n $GW xfrm state
		$IP -n $GW xfrm policy
		$IP -n $GW route
	} | sed 's/^/#   /'
}

run_pluto() { # run_pluto <name> <ns>
	local n=$1
	ns_cmd "$2"
	mkdir -p "$T/$n"
	"${NS[@]}" "$PLUTO" --nofork --stderrlog --rundir "$T/$n" --use-netkey \
		--secretsfile "$T/secrets" >"$T/$n.out" 2>>"$T/$n.log" &
	PIDS+=("$!")
}

run_pluto gw $GW
for k in "${CLIENTS[@]}"; do run_pluto c$k skua-rw-c$k; done
started=1
for n in gw c1 c2 c3; do
	if ! wait_for 20 grep -q "Pluto initialized" "$T/$n.out"; then
		not_ok "pluto $n did not start"
		started=0
	fi
done
if [ $started = 0 ]; then
	show_logs
	finish
	exit
fi
ok "four plutos started (XFRM): the gateway and three clients"
for n in gw c1 c2 c3; do
	wk $n --listen >/dev/null 2>&1
done

IKE=(--psk --encrypt --tunnel --ike aes_gcm256-sha2_256-dh31 --esp aes_gcm256 --dontrekey)
if out=$(wk gw --name rw --host 192.0.2.254 --id @gw --client 10.0.0.0/24 \
	--modecfgserver --to --host %any --addresspool $POOL "${IKE[@]}" 2>&1); then
	ok "gateway: rw added (%any, --modecfgserver, --addresspool $POOL)"
else
	not_ok "gateway: adding rw: whack said: $out"
fi
for k in "${CLIENTS[@]}"; do
	if ! out=$(wk c$k --name rw --host 192.0.2.$k --id @c$k --modecfgclient --to \
		--host 192.0.2.254 --id @gw --client 10.0.0.0/24 "${IKE[@]}" 2>&1); then
		not_ok "client $k: adding rw: whack said: $out"
	fi
done

# ---------------------------------------------------------------------------
# Up, all three at once.
declare -A INIT
for k in "${CLIENTS[@]}"; do
	wk c$k --initiate --name rw >"$T/init.c$k" 2>&1 &
	INIT[$k]=$!
done
for k in "${CLIENTS[@]}"; do
	rc=0
	wait "${INIT[$k]}" || rc=$?
	if [ $rc = 0 ] && grep -Eq 'IPsec SA #[0-9]+ established tunnel mode' "$T/init.c$k"; then
		ok "client $k: --initiate: the Child SA is up"
	else
		not_ok "client $k: --initiate (exit $rc):"
		sed 's/^/#   /' "$T/init.c$k"
	fi
done

# ADDR[k]: the pool address on client k's device (the shipped _updown put it
# there).
declare -A ADDR
pool_addr() {
	local a
	a=$($IP -n skua-rw-c$1 -o -4 addr show dev vc | grep -o ' 10\.9\.0\.[0-9]*/32' | head -1)
	a=${a# }
	ADDR[$1]=${a%/32}
	[ -n "${ADDR[$1]}" ]
}
for k in "${CLIENTS[@]}"; do
	if wait_for 5 pool_addr "$k" && pool_addr "$k"; then
		ok "client $k: its device holds pool address ${ADDR[$k]}"
	else
		not_ok "client $k: no pool address on its device"
		$IP -n skua-rw-c$k addr show dev vc | sed 's/^/#   /'
	fi
done
distinct=$(printf '%s\n' "${ADDR[@]}" | sort -u | grep -c .)
check "the three clients hold three different pool addresses (${ADDR[*]})" test "$distinct" = 3

LAST_OUT=$(wk gw --trafficstatus 2>&1)
for k in "${CLIENTS[@]}"; do
	expect_match "gateway: --trafficstatus lists client $k's instance" \
		"\"rw\"\\[[0-9]+\\] 192\\.0\\.2\\.$k, type=ESP, .*id='@c$k'"
done

# ---------------------------------------------------------------------------
# The gateway's kernel: one line per SA, policy and pool route.

# sa_lines <ns>: "src dst spi" per keyed ESP SA
sa_lines() {
	$IP -n "$1" xfrm state | awk '
		/^src / { src = $2; dst = $4 }
		/proto esp spi/ && $4 !~ /^0x0+$/ { print src, dst, $4 }' | sort
}
# policy_lines <ns>: "src dst dir tmpl-src tmpl-dst" per policy of pluto's
# (not the per-socket bypass policies)
policy_lines() {
	$IP -n "$1" xfrm policy | awk '
		function out() { if (src != "") print src, dst, dir, ts, td; src = "" }
		/^src / { out(); src = $2; dst = $4; dir = ts = td = "-" }
		/socket (in|out)/ { src = ""; next }
		/^\tdir / { dir = $2 }
		/^\ttmpl src / { ts = $3; td = $5 }
		END { out() }' | sort
}
# route_lines <ns>: the routes to the pool
route_lines() {
	$IP -n "$1" -4 route show | grep '^10\.9\.0\.' | sort
}
kernel_view() { # kernel_view <tag>: $T/<tag>.sa, .pol, .rt
	sa_lines $GW >"$T/$1.sa"
	policy_lines $GW >"$T/$1.pol"
	route_lines $GW >"$T/$1.rt"
}
kernel_view before
n_sa=$(grep -c . "$T/before.sa")
n_pol=$(grep -c . "$T/before.pol")
n_rt=$(grep -c . "$T/before.rt")
check "gateway: 6 ESP SAs, 9 policies, 3 pool routes with three clients up ($n_sa, $n_pol, $n_rt)" \
	test "$n_sa/$n_pol/$n_rt" = 6/9/3 || show_gw_kernel
for k in "${CLIENTS[@]}"; do
	a=${ADDR[$k]:-none}
	check "gateway: client $k's SAs (2, to and from 192.0.2.$k), policies (3, out/in/fwd for $a) and route ($a)" \
		test "$(grep -cw "192\.0\.2\.$k" "$T/before.sa")/$(grep -c "$a/32" "$T/before.pol")/$(grep -c "^$a " "$T/before.rt")" = 2/3/1
done

# ---------------------------------------------------------------------------
# Traffic, all at once: ping_all <clients...> (3 echoes each from the pool
# address to 10.0.0.1, answered within 2 s), counting the bridge's packets.
pc_start() {
	rm -f "$T"/pc "$T"/pc.ready
	ns_cmd $GW
	"${NS[@]}" "$PCOUNT" br0 "$T/pc" 2>"$T/pc.err" &
	PC_PID=$!
	PIDS+=("$PC_PID")
	wait_for 5 test -e "$T/pc.ready" || echo "# pcount did not start: $(cat "$T/pc.err")"
}
pc_stop() { # PC_ESP, PC_ICMP: what the gateway sent on br0
	local kv
	kill -TERM "$PC_PID" 2>/dev/null
	wait "$PC_PID" 2>/dev/null
	PC_ESP=0 PC_ICMP=0
	for kv in $(cat "$T/pc" 2>/dev/null); do
		case $kv in
		esp=*) PC_ESP=${kv#esp=} ;;
		icmp=*) PC_ICMP=${kv#icmp=} ;;
		esac
	done
}
ping_all() {
	local k rc
	declare -A P
	for k in "$@"; do
		ns_cmd skua-rw-c$k
		"${NS[@]}" "${PING[@]}" -c 3 -W 2 -I "${ADDR[$k]:-192.0.2.$k}" 10.0.0.1 >"$T/ping.c$k" 2>&1 &
		P[$k]=$!
	done
	for k in "$@"; do
		rc=0
		wait "${P[$k]}" || rc=$?
		if [ $rc = 0 ]; then
			ok "$TAG: client $k pings 10.0.0.1 from ${ADDR[$k]:-?} through its tunnel"
		else
			not_ok "$TAG: client $k's ping from ${ADDR[$k]:-?} to 10.0.0.1 (exit $rc):"
			sed 's/^/#   /' "$T/ping.c$k"
		fi
	done
}
TAG="three up"
pc_start
ping_all "${CLIENTS[@]}"
pc_stop
check "$TAG: the gateway sent the replies as ESP ($PC_ESP >= 9), none in the clear ($PC_ICMP)" \
	test "$PC_ESP" -ge 9 -a "$PC_ICMP" = 0

# ---------------------------------------------------------------------------
# The oldest client (the lowest instance number at the gateway) leaves: the
# leak of issue 9 spared only the newest.
LEAVES='' low=''
LAST_OUT=$(wk gw --trafficstatus 2>&1)
while read -r line; do
	if [[ $line =~ \"rw\"\[([0-9]+)\]\ 192\.0\.2\.([0-9]+), ]] &&
		{ [ -z "$low" ] || [ "${BASH_REMATCH[1]}" -lt "$low" ]; }; then
		low=${BASH_REMATCH[1]} LEAVES=${BASH_REMATCH[2]}
	fi
done <<<"$LAST_OUT"
check "gateway: the oldest instance is \"rw\"[${low:-?}], client ${LEAVES:-?}'s" test -n "$LEAVES" ||
	LEAVES=2
REMAIN=()
for k in "${CLIENTS[@]}"; do [ "$k" = "$LEAVES" ] || REMAIN+=("$k"); done
a=${ADDR[$LEAVES]:-none}
expect_status 0 "client $LEAVES terminates its connection" wk c$LEAVES --terminate --name rw
gone() {
	[ "$(sa_lines $GW | grep -c .)/$(policy_lines $GW | grep -c .)/$(route_lines $GW | grep -c .)" = 4/6/2 ]
}
check "gateway: down to 4 ESP SAs, 6 policies, 2 pool routes" wait_for 10 gone || show_gw_kernel
kernel_view after
grep -vw "192\.0\.2\.$LEAVES" "$T/before.sa" >"$T/want.sa"
grep -v "$a/32" "$T/before.pol" >"$T/want.pol"
grep -v "^$a " "$T/before.rt" >"$T/want.rt"
for x in sa pol rt; do
	if cmp -s "$T/want.$x" "$T/after.$x"; then
		ok "gateway: its $x lines are those before less client $LEAVES's, unchanged otherwise"
	else
		not_ok "gateway: its $x lines are not those before less client $LEAVES's:"
		diff "$T/want.$x" "$T/after.$x" | sed 's/^/#   /'
	fi
done
leaver_absent() {
	! grep -Eq "(192\.0\.2\.$LEAVES|${a//./\\.})( |/|\$)" "$T/after.sa" "$T/after.pol" "$T/after.rt"
}
check "gateway: neither client $LEAVES's host nor its address $a in any SA, policy or route" leaver_absent
LAST_OUT=$(wk gw --trafficstatus 2>&1)
expect_no_match "gateway: --trafficstatus no longer lists client $LEAVES" "192\\.0\\.2\\.$LEAVES, type=ESP"
check "gateway: --trafficstatus lists the two others (${REMAIN[*]})" \
	test "$(printf '%s\n' "$LAST_OUT" | grep -Ec "\"rw\"\[[0-9]+\] 192\.0\.2\.(${REMAIN[0]}|${REMAIN[1]}), type=ESP")" = 2
LAST_OUT=$(wk gw --addresspoolstatus 2>&1)
expect_match "gateway: the pool has 2 leases in use" "address pool $POOL: size 11, leases 2 in use"
leaver_clean() {
	[ -z "$(sa_lines skua-rw-c$LEAVES)$(policy_lines skua-rw-c$LEAVES)" ] &&
		! $IP -n skua-rw-c$LEAVES -o -4 addr show dev vc | grep -q " $a/"
}
check "client $LEAVES: no SA, no policy, and its pool address gone from its device" wait_for 5 leaver_clean ||
	{ $IP -n skua-rw-c$LEAVES xfrm state; $IP -n skua-rw-c$LEAVES xfrm policy; $IP -n skua-rw-c$LEAVES addr; } |
	sed 's/^/#   /'

TAG="after client $LEAVES left"
pc_start
ping_all "${REMAIN[@]}"
pc_stop
check "$TAG: the gateway sent the replies as ESP ($PC_ESP >= 6), none in the clear ($PC_ICMP)" \
	test "$PC_ESP" -ge 6 -a "$PC_ICMP" = 0

[ $FAILS = 0 ] || show_logs 30
finish
