#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Proof that the test guest's kernel does IPsec. Two network namespaces joined
# by a veth; each case has its own addresses, SPIs, SAs and policies,
# installed by hand with ip xfrm. For every case: ping fails with the policies
# but no SAs, works with them while all four SA packet counters move, and
# fails again once the receiver's inbound SA is gone. Also loads af_key for
# the PF_KEY backend's tests.
#
# Run inside the guest: tests/kernel/guest.sh run tests/kernel/smoke_esp.sh
# (or as root on any host whose kernel has ESP, AH and veth).
#
# Under TCG a dynamic binary takes ~90 ms to start, so the cases go through
# each step together: one ip -batch per namespace and step, and the pings,
# two of which per case must wait out their timeout, in parallel.
set -u
BUILD=${BUILD:-}
. "$(dirname "$0")/../lib/common.sh"

# /usr/bin/ip, never busybox's applet. A static busybox starts four times as
# fast as a dynamic binary under TCG, so it sends the pings when present.
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
A=skua-esp-a
B=skua-esp-b
if [ -n "${SKUA_BUSYBOX:-}" ]; then
	in_ns() {
		local ns=$1
		shift
		"$SKUA_BUSYBOX" nsenter --net="/run/netns/$ns" "$@"
	}
	PING=("$SKUA_BUSYBOX" ping)
else
	in_ns() { $IP netns exec "$@"; }
	PING=(ping)
fi
T=$(mktemp -d /tmp/skua-esp.XXXXXX)
trap '$IP netns del $A 2>/dev/null; $IP netns del $B 2>/dev/null; rm -rf "$T"' EXIT

# Load the modules when modular; built in is as good.
MODS="xfrm_user esp4 esp6 ah4 ah6 xfrm4_tunnel xfrm6_tunnel af_key veth"
# shellcheck disable=SC2086
modprobe -a $MODS 2>/dev/null
for m in $MODS; do
	if [ -d "/sys/module/$m" ] ||
		grep -q "/$m.ko$" "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null; then
		ok "module $m available"
	else
		not_ok "module $m: modprobe failed and not built in"
	fi
done
[ -e /proc/net/pfkey ] && ok "PF_KEY registered (/proc/net/pfkey)" || not_ok "no /proc/net/pfkey"

KGCM=0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2001020304
KCBC=0x00112233445566778899aabbccddeeff
KSHA=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# The cases: name|algorithm|mode|family. Case i uses outer (tunnel endpoint,
# or transport) addresses 192.0.2.1i / .2i or 2001:db8:1::a:i / ::b:i on the
# veth, inner addresses on lo; documentation prefixes only.
CASES=(
	"ESP AES-GCM-128 tunnel IPv4|gcm|tunnel|4"
	"ESP AES-CBC+HMAC-SHA256 transport IPv4|cbc|transport|4"
	"ESP AES-GCM-128 transport IPv6|gcm|transport|6"
	"ESP AES-CBC+HMAC-SHA256 tunnel IPv6|cbc|tunnel|6"
	"AH HMAC-SHA256 transport IPv4|ah|transport|4"
)
declare -a NAME ALGS PROTO MODE OA OB IA IB SPI_AB SPI_BA
for i in "${!CASES[@]}"; do
	IFS='|' read -r "NAME[i]" alg "MODE[i]" fam <<<"${CASES[$i]}"
	PROTO[i]=esp
	case $alg in
	gcm) ALGS[i]="aead rfc4106(gcm(aes)) $KGCM 128" ;;
	cbc) ALGS[i]="enc cbc(aes) $KCBC auth-trunc hmac(sha256) $KSHA 128" ;;
	ah) ALGS[i]="auth-trunc hmac(sha256) $KSHA 128" PROTO[i]=ah ;;
	esac
	if [ "$fam" = 4 ]; then
		OA[i]=192.0.2.1$i OB[i]=192.0.2.2$i IA[i]=198.51.100.1$i IB[i]=203.0.113.1$i
	else
		OA[i]=2001:db8:1::a:$i OB[i]=2001:db8:1::b:$i IA[i]=2001:db8:a::$i IB[i]=2001:db8:b::$i
	fi
	if [ "${MODE[i]}" = transport ]; then
		IA[i]=${OA[i]} IB[i]=${OB[i]}
	fi
	SPI_AB[i]=$(printf '0x%08x' $((0x10000000 + i)))
	SPI_BA[i]=$(printf '0x%08x' $((0x20000000 + i)))
done

# side <a|b>: the batch that addresses one namespace for every case. Routes
# and neighbours last: a gateway must be on a link that is up.
side() {
	local me=$1 dev=veth-$1 i o ox in inx plen nodad routes=() neigh=() mac=$MAC_A
	[ "$me" = b ] || mac=$MAC_B
	echo "link set lo up"
	for i in "${!CASES[@]}"; do
		if [ "$me" = a ]; then
			o=${OA[i]} ox=${OB[i]} in=${IA[i]} inx=${IB[i]}
		else
			o=${OB[i]} ox=${OA[i]} in=${IB[i]} inx=${IA[i]}
		fi
		case $o in
		*:*) echo "addr add $o/64 dev $dev nodad" ;;
		*) echo "addr add $o/24 dev $dev" ;;
		esac
		neigh+=("neigh add $ox lladdr $mac dev $dev nud permanent")
		if [ "${MODE[i]}" = tunnel ]; then
			case $in in *:*) plen=128 nodad=nodad ;; *) plen=32 nodad= ;; esac
			echo "addr add $in/$plen dev lo $nodad"
			routes+=("route add $inx/$plen via $ox src $in dev $dev")
		fi
	done
	echo "link set $dev up"
	printf '%s\n' "${neigh[@]}" "${routes[@]}"
}

# each <label> <good|bad> <check...>: run "check i" for every case in
# parallel, then report: good wants success, bad wants failure.
each() {
	local label=$1 want=1 i
	[ "$2" = bad ] || want=0
	shift 2
	for i in "${!CASES[@]}"; do
		("$@" "$i" && echo 0 >"$T/r$i" || echo 1 >"$T/r$i") &
	done
	wait
	for i in "${!CASES[@]}"; do
		if [ "$(<"$T/r$i")" = $want ]; then
			ok "${NAME[i]}: $label"
		else
			not_ok "${NAME[i]}: $label"
		fi
	done
}

# pingable <i>: one echo from A answered within a second.
pingable() {
	in_ns $A "${PING[@]}" -c 1 -W 1 -I "${IA[$1]}" "${IB[$1]}" >/dev/null 2>&1
}
# reachable <i>: pingable within three tries (the first echo may wait for
# neighbour discovery on a busy guest).
reachable() {
	pingable "$1" || pingable "$1" || pingable "$1"
}
# twice <i>: two echoes, the counters below want two packets.
twice() {
	reachable "$1" && pingable "$1"
}

# counters <ns> <array>: the SA packet counters, keyed "src dst proto spi".
# shellcheck disable=SC2034 # into: a name reference to the caller's array
counters() {
	local -n into=$2
	local line src='' dst='' key='' cur=0
	while IFS= read -r line; do
		if [[ $line =~ ^src\ ([^ ]+)\ dst\ ([^ ]+) ]]; then
			src=${BASH_REMATCH[1]} dst=${BASH_REMATCH[2]} cur=0
		elif [[ $line =~ proto\ ([a-z]+)\ spi\ (0x[0-9a-f]+) ]]; then
			key="$src $dst ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
		elif [[ $line =~ lifetime\ current: ]]; then
			cur=1
		elif [ $cur -eq 1 ] && [[ $line =~ ([0-9]+)\(packets\) ]]; then
			into["$key"]=${BASH_REMATCH[1]}
			cur=0
		fi
	done < <($IP -n "$1" -s xfrm state)
}

# Fixed MAC addresses and permanent neighbour entries: no ARP or neighbour
# discovery, which a busy TCG guest may not finish within a ping's second.
MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b
if $IP netns add $A && $IP netns add $B &&
	$IP link add veth-a address $MAC_A netns $A type veth peer name veth-b address $MAC_B netns $B &&
	side a | $IP -n $A -batch - && side b | $IP -n $B -batch -; then
	ok "namespaces $A and $B joined by a veth"
else
	not_ok "namespaces $A and $B joined by a veth"
	finish
	exit
fi
each "clear ping before any policy" good reachable

for i in "${!CASES[@]}"; do
	ab="tmpl src ${OA[i]} dst ${OB[i]} proto ${PROTO[i]} mode ${MODE[i]}"
	ba="tmpl src ${OB[i]} dst ${OA[i]} proto ${PROTO[i]} mode ${MODE[i]}"
	echo "xfrm policy add src ${IA[i]} dst ${IB[i]} dir out $ab" >>"$T/pol-a"
	echo "xfrm policy add src ${IB[i]} dst ${IA[i]} dir in $ba" >>"$T/pol-a"
	echo "xfrm policy add src ${IB[i]} dst ${IA[i]} dir out $ba" >>"$T/pol-b"
	echo "xfrm policy add src ${IA[i]} dst ${IB[i]} dir in $ab" >>"$T/pol-b"
	for f in "$T/sa-a" "$T/sa-b"; do
		echo "xfrm state add src ${OA[i]} dst ${OB[i]} proto ${PROTO[i]} spi ${SPI_AB[i]}" \
			"mode ${MODE[i]} ${ALGS[i]} sel src ${IA[i]} dst ${IB[i]}" >>"$f"
		echo "xfrm state add src ${OB[i]} dst ${OA[i]} proto ${PROTO[i]} spi ${SPI_BA[i]}" \
			"mode ${MODE[i]} ${ALGS[i]} sel src ${IB[i]} dst ${IA[i]}" >>"$f"
	done
done
$IP -n $A -batch "$T/pol-a" && $IP -n $B -batch "$T/pol-b" && ok "policies installed" ||
	not_ok "policies installed"
each "no ping with policies but no SA" bad pingable

# The first SA of each algorithm makes the kernel load its crypto modules.
$IP -n $A -batch "$T/sa-a" && $IP -n $B -batch "$T/sa-b" && ok "SAs installed" ||
	not_ok "SAs installed"
each "ping through the SAs" good twice

declare -A CA CB
counters $A CA
counters $B CB
for i in "${!CASES[@]}"; do
	ab="${OA[i]} ${OB[i]} ${PROTO[i]} ${SPI_AB[i]}"
	ba="${OB[i]} ${OA[i]} ${PROTO[i]} ${SPI_BA[i]}"
	aout=${CA[$ab]:-none} ain=${CA[$ba]:-none} bin=${CB[$ab]:-none} bout=${CB[$ba]:-none}
	got="a out $aout, b in $bin, b out $bout, a in $ain"
	if [ "$aout" != none ] && [ "$aout" -ge 2 ] && [ "$bin" != none ] && [ "$bin" -ge 2 ] &&
		[ "$bout" != none ] && [ "$bout" -ge 2 ] && [ "$ain" != none ] && [ "$ain" -ge 2 ]; then
		ok "${NAME[i]}: SA packet counters moved ($got)"
	else
		not_ok "${NAME[i]}: SA packet counters $got; expected >= 2 each"
	fi
	echo "xfrm state del src ${OA[i]} dst ${OB[i]} proto ${PROTO[i]} spi ${SPI_AB[i]}" >>"$T/del-b"
done

$IP -n $B -batch "$T/del-b" && ok "B's inbound SAs deleted" || not_ok "B's inbound SAs deleted"
each "no ping with B's inbound SA gone" bad pingable
finish
