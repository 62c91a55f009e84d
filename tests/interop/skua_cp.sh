#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The IKEv2 Configuration payload and address pools against the real peers: Skua's pluto
# (--use-none: its Child SAs always "install") in one namespace is the concentrator; in
# the other, strongSwan 5.9.8 and then libreswan 4.10 are road-warrior clients asking it
# for addresses.
#
#   1. strongSwan with vips = 0.0.0.0, :: gets an IPv4 and an IPv6 address from Skua's
#      pools (whack --addresspool, the connection form), the DNS servers and domains
#      (--modecfgdns, --modecfgdomains); Skua's Child SA is narrowed to the IPv4 address;
#      whack --addresspoolstatus lists the lease with the client's ID; strongSwan's
#      delete gives it back (the lease lingers, bound to the ID).
#   2. strongSwan again: the same ID gets the same address (sticky).
#   3. libreswan with leftmodecfgclient=yes gets an address from a connection Skua read
#      from ipsec.conf (addconn: rightaddresspool=, leftmodecfgserver=, modecfgdns=,
#      modecfgdomains=), whose range is the one of case 1: one shared pool.
#      libreswan's own ESP install then fails on this kernel and it deletes its IKE SA
#      without telling (skua_peers.sh says why); whack --terminate on Skua returns the
#      lease.
#   4. Skua as the client (--modecfgclient, a recording --updown) of libreswan as the
#      server (rightaddresspool=, leftmodecfgserver=yes): libreswan takes Skua's
#      CFG_REQUEST and the IKE SA is up, but here libreswan's own ESP install fails and
#      it answers TS_UNACCEPTABLE without a CFG_REPLY; Skua then takes no address and
#      runs no updown. The address, the narrowed selectors, updown and traffic are
#      checked in the ESP guest: tests/kernel/lsw_cp.sh.
#
# Run as root after scripts/setup-peers and a build of pluto, whack and addconn:
#   BUILD=build/default bash tests/interop/skua_cp.sh
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"
ADDCONN=${SKUA_ADDCONN:-$BUILD/tools/addconn/addconn}
[ -x "$ADDCONN" ] || iop_die "no addconn at $ADDCONN (set BUILD)"

PSK="cp interop secret 0123456789"
POOL4=10.9.0.10-10.9.0.20
POOL6=2001:db8:9::/120
LSW_POOL=10.8.0.1-10.8.0.9

# check <description> <command...>: one assertion.
check() {
	local what=$1
	shift
	if "$@"; then iop_ok "$what"; else iop_not_ok "$what"; fi
}

# pool_status: Skua's whack --addresspoolstatus, progress codes stripped.
pool_status() { skua_whack sk --addresspoolstatus 2>&1 | sed 's/^[0-9]* //'; }
has_line() { pool_status | grep -qE "$1"; }

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair

# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=none
iop_start skua sk "$NS_L"
skd=$(skua_dir sk)
[ -z "${IOP_DEBUG:-}" ] || skua_whack sk --debug base >/dev/null 2>&1
printf '@skua @sw1 : PSK "%s"\n@skua @lsw : PSK "%s"\n' "$PSK" "$PSK" >"$skd/secrets/cp.secrets"
skua_reread_secrets sk >/dev/null 2>&1 || iop_die "Skua: --rereadsecrets failed"
if ! skua_whack sk --name rw --ikev2 --psk --encrypt --tunnel --host "$L4" --id @skua \
	--client 0.0.0.0/0 --modecfgserver --modecfgdns 192.0.2.53,2001:db8::53 \
	--modecfgdomains example.com,corp.example --to --host %any \
	--addresspool "$POOL4,$POOL6" --ike aes_gcm256-sha2_256-dh31 --esp aes_gcm256 \
	--dontrekey >"$skd/load.out" 2>&1; then
	sed 's/^/#   /' "$skd/load.out"
	iop_die "Skua: adding the pool connection failed"
fi
check "Skua lists both pools, empty" \
	has_line "^address pool 10.9.0.10-10.9.0.20: size 11, leases 0 in use, 11 free"
check "... and the IPv6 one" has_line "^address pool 2001:db8:9::-2001:db8:9::ff: size 256, leases 0 in use"

# ---- 1. strongSwan, both families ----
iop_log "case 1: strongSwan road warrior with vips = 0.0.0.0, ::"
iop_start sswan sw "$NS_R"
swd=$(sswan_dir sw)
cat >"$swd/conns/sw1.conf" <<EOF
    sw1 {
        version = 2
        local_addrs = $R4
        remote_addrs = $L4
        vips = 0.0.0.0, ::
        proposals = aes256gcm16-prfsha256-x25519
        rekey_time = 0
        dpd_delay = 0
        local {
            auth = psk
            id = @sw1
        }
        remote {
            auth = psk
            id = @skua
        }
        children {
            sw1 {
                remote_ts = 0.0.0.0/0
                esp_proposals = aes256gcm16
                mode = tunnel
                start_action = none
                rekey_time = 0
            }
        }
    }
EOF
cat >"$swd/secrets/sw1.conf" <<EOF
    ike-sw1 {
        id-1 = @sw1
        id-2 = @skua
        secret = "$PSK"
    }
EOF
sswan_reload sw || iop_die "strongSwan: loading sw1 failed"
sswan_initiate sw sw1
sw_sa() { sswan_swanctl sw --list-sas --ike sw1 --pretty 2>/dev/null; }
check "strongSwan's IKE SA is up" iop_wait "$IOP_WAIT" sswan_ike_established sw sw1
check "strongSwan got 10.9.0.10 from Skua's IPv4 pool" eval 'sw_sa | grep -q "10\.9\.0\.10"'
check "strongSwan got 2001:db8:9:: from Skua's IPv6 pool" eval 'sw_sa | grep -q "2001:db8:9::"'
check "strongSwan parsed Skua's CFG_REPLY: both addresses, DNS of both families, two domains" \
	grep -q "parsed IKE_AUTH response .*CPRP(ADDR ADDR6 DNS DNS6 DOMAIN DOMAIN)" "$swd/charon.log"
check "... and processed the DNS servers" \
	grep -q "processing INTERNAL_IP6_DNS attribute" "$swd/charon.log"
check "Skua's pool lists the lease with the client's ID" has_line "^  10\.9\.0\.10: in use by @sw1$"
check "... and the IPv6 one" has_line "^  2001:db8:9::: in use by @sw1$"
check "Skua's Child SA is narrowed to the address" \
	grep -q "established tunnel mode .*0\.0\.0\.0/0===10\.9\.0\.10/32" "$skd/pluto.log"
sswan_terminate sw sw1
check "the lease goes back when strongSwan deletes" \
	iop_wait "$IOP_WAIT" has_line "^address pool 10.9.0.10-10.9.0.20: size 11, leases 0 in use, 11 free \(1 lingering\)"
check "... and lingers for its ID" has_line "^  10\.9\.0\.10: free, lingering for @sw1$"

# ---- 2. the same ID again: the same address ----
iop_log "case 2: strongSwan again, the same ID"
sswan_initiate sw sw1
check "strongSwan's IKE SA is up again" iop_wait "$IOP_WAIT" sswan_ike_established sw sw1
check "the same ID got the same address" eval 'sw_sa | grep -q "10\.9\.0\.10"'
sswan_terminate sw sw1
check "... and gives it back" \
	iop_wait "$IOP_WAIT" has_line "^address pool 10.9.0.10-10.9.0.20: size 11, leases 0 in use"
iop_stop sw

# ---- 3. libreswan as the client; Skua's side from ipsec.conf ----
iop_log "case 3: libreswan with leftmodecfgclient=yes; Skua's conn from ipsec.conf"
cat >"$skd/ipsec.conf" <<EOF
conn lswrw
    left=$L4
    leftid=@skua
    leftsubnet=0.0.0.0/0
    leftmodecfgserver=yes
    right=%any
    rightid=@lsw
    rightaddresspool=$POOL4
    rightmodecfgclient=yes
    modecfgdns=192.0.2.53
    modecfgdomains=example.com
    authby=secret
    ike=aes_gcm256-sha2_256-dh31
    esp=aes_gcm256
    rekey=no
    auto=add
EOF
if ! timeout "$IOP_WAIT" "$ADDCONN" --config "$skd/ipsec.conf" --rundir "$skd/run" lswrw \
	>"$skd/addconn.out" 2>&1; then
	sed 's/^/#   /' "$skd/addconn.out"
	iop_not_ok "Skua: addconn lswrw (rightaddresspool=, leftmodecfgserver=, modecfgdns=)"
else
	iop_ok "Skua: addconn lswrw (rightaddresspool=, leftmodecfgserver=, modecfgdns=)"
fi
check "the two connections share one IPv4 pool" \
	eval '[ "$(pool_status | grep -c "^address pool 10.9.0.10-10.9.0.20:")" = 1 ]'
iop_start lsw ls "$NS_R"
lsd=$(lsw_dir ls)
cat >"$lsd/conns/cp.conf" <<EOF
conn cp
    ikev2=insist
    authby=secret
    left=$R4
    leftid=@lsw
    leftmodecfgclient=yes
    right=$L4
    rightid=@skua
    rightsubnet=0.0.0.0/0
    narrowing=yes
    ike=aes_gcm256-sha2_256-dh31
    esp=aes_gcm256
    type=tunnel
    leftupdown=%disabled
    rekey=no
    keyingtries=1
    auto=add
EOF
printf '@lsw @skua : PSK "%s"\n' "$PSK" >"$lsd/secrets/cp.secrets"
lsw_reread_secrets ls >/dev/null 2>&1
timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$lsd/ipsec.conf" --ctlsocket "$lsd/run/pluto.ctl" \
	cp >"$lsd/load.out" 2>&1 || sed 's/^/#   /' "$lsd/load.out"
lsw_initiate ls cp
check "libreswan received its address from Skua's pool" \
	iop_wait "$IOP_WAIT" grep -qE "INTERNAL_IP4_ADDRESS.*10\.9\.0\.1[0-9]" "$lsd/pluto.log"
check "Skua leased it to @lsw" has_line "^  10\.9\.0\.1[0-9]: (in use by|free, lingering for) @lsw"
skua_whack sk --name lswrw --terminate >/dev/null 2>&1
check "Skua's --terminate returns every lease" \
	iop_wait "$IOP_WAIT" has_line "^address pool 10.9.0.10-10.9.0.20: size 11, leases 0 in use"
[ "$IOP_FAILS" -eq 0 ] || pool_status | sed 's/^/# pool: /'
iop_stop ls

# ---- 4. libreswan as the server, Skua the --modecfgclient ----
iop_log "case 4: libreswan with rightaddresspool=, leftmodecfgserver=yes; Skua with --modecfgclient"
iop_start lsw lg "$NS_R"
lgd=$(lsw_dir lg)
lsw_cp_server_add lg "$R4" "$LSW_POOL" "$PSK"
# Skua's side, with a recording updown (the shipped one would add the address to the veth)
cat >"$skd/updown.sh" <<EOF
#!/bin/sh
echo "\$PLUTO_VERB \$PLUTO_CONNECTION src=\$PLUTO_MY_SOURCEIP my=\$PLUTO_MY_CLIENT peer=\$PLUTO_PEER_CLIENT cfg=\${PLUTO_CFG_CLIENT:-} dns=\${PLUTO_PEER_DNS_INFO:-} dom=\${PLUTO_PEER_DOMAIN_INFO:-}" >>"$skd/updown.log"
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
check "Skua's IKE SA with libreswan is up" iop_wait "$IOP_WAIT" skua_ike_established sk cpcl
check "libreswan took Skua's CFG_REQUEST with its IKE_AUTH request" \
	grep -q '"cpsrv"\[1\] .*processing decrypted IKE_AUTH request: SK{IDi,IDr,AUTH,CP,SA,TSi,TSr}' "$lgd/pluto.log"
# Here libreswan's ESP install fails: it answers TS_UNACCEPTABLE without a CFG_REPLY.
# tests/kernel/lsw_cp.sh checks the address, the narrowing and updown where it can.
check "libreswan could not install its Child SA (no ESP in this kernel)" \
	grep -q '"cpsrv"\[1\] .*setup_half_ipsec_sa() hit fail' "$lgd/pluto.log"
check "... so Skua reports the Child SA refused, and takes no address and runs no updown" \
	eval 'grep -q "Child SA was refused with TS_UNACCEPTABLE" "$skd/cpcl.init" &&
		! grep -q "received INTERNAL_IP4_ADDRESS" "$skd/cpcl.init" && [ ! -e "$skd/updown.log" ]'
[ "$IOP_FAILS" -eq 0 ] || sed 's/^/#   whack: /' "$skd/cpcl.init"
skua_whack sk --name cpcl --terminate >/dev/null 2>&1
iop_stop lg
iop_stop sk
for f in "$skd/pluto.log" "$swd/charon.log" "$lsd/pluto.log" "$lgd/pluto.log"; do
	[ "$IOP_FAILS" -eq 0 ] || iop_dump "$f"
done
iop_finish
