#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Skua as a Configuration payload client (--modecfgclient) of libreswan 4.10 as the
# server (rightaddresspool=, leftmodecfgserver=yes) on a kernel with ESP (the test
# guest). On the host libreswan cannot install its Child SA, so it answers IKE_AUTH
# with TS_UNACCEPTABLE and no CFG_REPLY (tests/interop/skua_cp.sh, case 4); here it
# can, and the whole client side is checked:
#
#   - Skua receives an address of libreswan's pool, its DNS server and domain
#     (whack's progress lines), and its Child SA is narrowed to the address
#     (TSi ADDR/32, TSr 0.0.0.0/0)
#   - libreswan lists the lease; Skua's updown is told the address
#     (PLUTO_MY_SOURCEIP, PLUTO_MY_CLIENT, PLUTO_CFG_CLIENT=1, the DNS server and
#     domain); the shipped _updown put it on Skua's device; both kernels hold the
#     Child SA's ESP SAs and policies for ADDR/32 <=> 0.0.0.0/0
#   - a ping from the address to libreswan's host crosses the tunnel: Skua's SA
#     packet counters move both ways
#   - Skua's --terminate removes its SAs, its policies and the address (down-client,
#     unroute-client)
#
# Run inside the guest: tests/kernel/guest.sh run tests/kernel/lsw_cp.sh BUILD
# after scripts/setup-peers. Prints "N passed, N failed".
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
BUILD=${1:-${BUILD:-$IOP_TOP/build}}
BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory"
IP=/usr/bin/ip
[ -x "$IP" ] || IP=/usr/sbin/ip
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"
IOP_WAIT=${IOP_WAIT:-20}
PING=(ping)
[ -n "${SKUA_BUSYBOX:-}" ] && PING=("$SKUA_BUSYBOX" ping)
modprobe -a xfrm_user esp4 veth 2>/dev/null
PSK="kernel cp client secret 0123456789"
POOL=10.8.0.1-10.8.0.9

check() {
	local what=$1
	shift
	if "$@"; then
		iop_ok "$what"
	else
		iop_not_ok "$what"
		return 1
	fi
}

# esp_sas <ns>: "src dst spi packets" per keyed ESP SA
esp_sas() {
	$IP -n "$1" -s xfrm state | awk '
		/^src / { src = $2; dst = $4; spi = "" }
		/proto esp spi/ { spi = $4; if (spi ~ /^0x0+$/) spi = "" }
		/lifetime current:/ { cur = 1; next }
		cur && /\(packets\)/ {
			cur = 0
			if (spi != "") { p = $2; sub(/\(packets\)/, "", p); print src, dst, spi, p }
		}'
}
n_esp() { esp_sas "$1" | wc -l; }
# policies <ns>: "src dst dir" per IPsec policy (with a template: not the IKE sockets'
# bypass policies nor libreswan's for IPv6 neighbour discovery)
policies() {
	$IP -n "$1" xfrm policy | awk '
		/^src / { src = $2; dst = $4; dir = ""; next }
		/^\tdir / { dir = $2 }
		/^\ttmpl / && dir != "" { print src, dst, dir; dir = "" }' | sort
}

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
# libreswan runs no updown here: its way back to the pool is a static route
$IP -n "$NS_R" route add 10.8.0.0/24 via "$L4" || iop_die "the route to the pool"

# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=netkey
iop_start skua sk "$NS_L"
iop_start lsw lg "$NS_R"
skd=$(skua_dir sk)
lsw_cp_server_add lg "$R4" "$POOL" "$PSK"

# Skua: a --updown that records what it is told and runs the shipped _updown, which
# adds and removes the address
shipped=$BUILD/libexec/ipsec/_updown
[ -x "$shipped" ] || shipped=$IOP_TOP/tools/ipsec/_updown
cat >"$skd/updown.sh" <<EOF
#!/bin/sh
echo "\$PLUTO_VERB \$PLUTO_CONNECTION src=\$PLUTO_MY_SOURCEIP my=\$PLUTO_MY_CLIENT peer=\$PLUTO_PEER_CLIENT cfg=\${PLUTO_CFG_CLIENT:-} dns=\${PLUTO_PEER_DNS_INFO:-} dom=\${PLUTO_PEER_DOMAIN_INFO:-}" >>"$skd/updown.log"
exec "$shipped" "\$@"
EOF
chmod +x "$skd/updown.sh"
printf '@skcl @lswgw : PSK "%s"\n' "$PSK" >"$skd/secrets/cpcl.secrets"
skua_reread_secrets sk >/dev/null 2>&1
if skua_whack sk --name cpcl --ikev2 --psk --encrypt --tunnel --host "$L4" --id @skcl \
	--modecfgclient --updown "$skd/updown.sh" --to --host "$R4" --id @lswgw --client 0.0.0.0/0 \
	--ike aes_gcm256-sha2_256-dh31 --esp aes_gcm256 --dontrekey --keyingtries 1 \
	>"$skd/cpcl.out" 2>&1; then
	iop_ok "Skua: --modecfgclient connection cpcl added"
else
	sed 's/^/#   /' "$skd/cpcl.out"
	iop_not_ok "Skua: --modecfgclient connection cpcl added"
fi
skua_whack sk --name cpcl --initiate >"$skd/cpcl.init" 2>&1
sed 's/^/#   whack: /' "$skd/cpcl.init"
got=$(sed -n 's/.*received INTERNAL_IP4_ADDRESS address \(10\.8\.0\.[1-9]\)$/\1/p' "$skd/cpcl.init" | head -1)
a=${got:-none}
check "Skua received INTERNAL_IP4_ADDRESS $a from libreswan's pool $POOL" test -n "$got"
check "Skua received libreswan's DNS server and domain" \
	grep -q "received DNS server(s) 192.0.2.54, domain(s) lsw.example" "$skd/cpcl.init"
check "Skua's Child SA is up, narrowed to the address ($a/32===0.0.0.0/0)" \
	grep -Eq "IPsec SA #[0-9]+ established tunnel mode .* ${a//./\\.}/32===0\.0\.0\.0/0\}" "$skd/cpcl.init"
check "libreswan lists the lease of $a to @skcl" \
	eval 'lsw_whack lg --trafficstatus 2>&1 | grep -q "\"cpsrv\"\\[1\\] .*id=.@skcl., lease=$a/32"'
check "Skua's updown ran up-client with PLUTO_MY_SOURCEIP and PLUTO_MY_CLIENT the address, PLUTO_CFG_CLIENT=1, the DNS server and domain" \
	grep -q "^up-client cpcl src=$a my=$a/32 peer=0\.0\.0\.0/0 cfg=1 dns=192\.0\.2\.54 dom=lsw\.example" "$skd/updown.log"
has_addr() { $IP -n "$NS_L" -o -4 addr show dev veth0 | grep -q " $a/32 "; }
check "the shipped _updown put $a/32 on Skua's veth0" has_addr
check "both kernels hold the Child SA's two ESP SAs" \
	iop_wait 5 eval '[ "$(n_esp "$NS_L")" = 2 ] && [ "$(n_esp "$NS_R")" = 2 ]'
printf '%s\n' "$a/32 0.0.0.0/0 out" "0.0.0.0/0 $a/32 in" "0.0.0.0/0 $a/32 fwd" | sort >"$IOP_TMP/want.sk"
printf '%s\n' "0.0.0.0/0 $a/32 out" "$a/32 0.0.0.0/0 in" "$a/32 0.0.0.0/0 fwd" | sort >"$IOP_TMP/want.lg"
policies "$NS_L" >"$IOP_TMP/pol.sk"
policies "$NS_R" >"$IOP_TMP/pol.lg"
check "Skua's kernel policies are $a/32 <=> 0.0.0.0/0 (out, in, fwd)" cmp -s "$IOP_TMP/want.sk" "$IOP_TMP/pol.sk" ||
	$IP -n "$NS_L" xfrm policy | sed 's/^/#   /'
check "libreswan's kernel policies are 0.0.0.0/0 <=> $a/32 (out, in, fwd)" cmp -s "$IOP_TMP/want.lg" "$IOP_TMP/pol.lg" ||
	$IP -n "$NS_R" xfrm policy | sed 's/^/#   /'
ping_tunnel() { ip netns exec "$NS_L" "${PING[@]}" -c 3 -W 2 -I "$a" "$R4" >/dev/null 2>&1; }
check "ping $a -> $R4 through the tunnel" ping_tunnel
counts=$(esp_sas "$NS_L" | awk '{ print $4 }' | tr '\n' ' ')
check "Skua's two SA packet counters moved ($counts>= 3 each)" \
	test "$(esp_sas "$NS_L" | awk '$4 >= 3' | wc -l)" = 2
skua_whack sk --name cpcl --terminate >"$skd/cpcl.term" 2>&1
gone() { [ "$(n_esp "$NS_L")" = 0 ] && [ -z "$(policies "$NS_L")" ] && ! has_addr; }
check "Skua's --terminate removed its SAs, its policies and $a from veth0" iop_wait 5 gone
check "... after down-client and unroute-client with the address" \
	eval 'grep -q "^down-client cpcl src=$a my=$a/32" "$skd/updown.log" &&
		grep -q "^unroute-client cpcl src=$a my=$a/32" "$skd/updown.log"'
[ "$IOP_FAILS" -eq 0 ] || sed 's/^/# updown: /' "$skd/updown.log" 2>/dev/null
if [ "$IOP_FAILS" -ne 0 ]; then
	$IP -n "$NS_L" xfrm state | sed 's/^/# sk: /'
	$IP -n "$NS_L" addr | sed 's/^/# sk: /'
	# shellcheck disable=SC2046
	iop_dump $(skua_logs sk) $(lsw_logs lg)
fi
iop_stop lg
iop_stop sk
iop_finish
