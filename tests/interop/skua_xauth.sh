#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv1 XAUTH and Mode Config with Skua as the server: Skua's pluto (ikev1-policy=accept,
# --xauthserver --modecfgserver, an --addresspool, users in --ipsecdir's passwd file made
# with crypt(3)) in one namespace; in the other strongSwan 5.9.8 as an xauth-generic
# client (Main Mode PSK, then XAUTH, then Mode Config: Skua pushes the address; then
# again with strongSwan's pull = yes and Skua's --modecfgpull), then
# libreswan 4.10 (leftxauthclient=yes leftmodecfgclient=yes). Each good case asserts that
# Skua authenticated the user, leased 10.9.0.10 and the peer took it, and that the
# peer's Quick Mode came with that address as its ID (Skua's IPsec SA is
# 0.0.0.0/0===10.9.0.10/32; the peers' own ESP install fails on this host kernel). A
# wrong password: Skua says so and deletes the ISAKMP SA. With strongSwan again, push and
# pull of an IPv6 address (vips = ::, Skua's IPv6 pool and --client ::/0; xa_case6). Last,
# Skua as the client
# (--xauthclient --modecfgclient, whack --initiate --xauthuser/--xauthpass) of libreswan's
# XAUTH + Mode Config server: authenticated, given the address, its Quick Mode from it; again
# with libreswan's modecfgbanner= and leftsubnet=10.7.0.0/16: Skua takes the banner and the
# split network (CISCO_SPLIT_INC) and its Quick Mode is for 10.7.0.0/16.
#
# Run as root after scripts/setup-peers and a build of pluto and whack, under the lock:
#   flock /tmp/skua-netns.lock bash tests/interop/skua_xauth.sh
# BUILD (default build/default) as for skua_peers.sh; IOP_KEEP=1 keeps the logs.
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

XA_PW="open sesame $RANDOM"
XA_POOL=10.9.0.10-10.9.0.20
XA_ADDR=10.9.0.10
XA_ANY=0.0.0.0/0 # Skua's --client, the peer's remote_ts
XA_VIP=0.0.0.0   # strongSwan's vips
XA_BITS=32       # the leased address's prefix in Skua's IPsec SA

xa_add_skua() { # inst conn la ra psk [pull]
	local d
	d=$(skua_dir "$1")
	printf '@%s.test @%s.test : PSK "%s"\n' sk sw "$5" >"$d/secrets/$2.secrets"
	{
		skua_reread_secrets "$1" &&
			skua_whack "$1" --name "$2" --ikev1 --psk --encrypt --tunnel \
				--host "$3" --id @sk.test --client "$XA_ANY" --xauthserver --modecfgserver \
				--modecfgdns 192.0.2.53 --modecfgdomains example.com \
				--to --host "$4" --id @sw.test --xauthclient --modecfgclient \
				--addresspool "$XA_POOL" \
				--ike "aes256-sha2_256;modp2048" --esp aes256-sha2_256 \
				--keyingtries 1 --dontrekey $([ "${6:-0}" = 1 ] && echo --modecfgpull)
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

xa_add_sswan() { # inst conn la ra psk password [pull]
	local d
	d=$(sswan_dir "$1")
	cat >"$d/conns/$2.conf" <<-EOF2
		    $2 {
		        version = 1
		        local_addrs = $3
		        remote_addrs = $4
		        proposals = aes256-sha256-modp2048
		        vips = $XA_VIP
		        pull = $([ "${7:-0}" = 1 ] && echo yes || echo no)
		        rekey_time = 0
		        dpd_delay = 0
		        local-1 {
		            auth = psk
		            id = @sw.test
		        }
		        local-2 {
		            auth = xauth
		            xauth_id = alice
		        }
		        remote {
		            auth = psk
		            id = @sk.test
		        }
		        children {
		            $2 {
		                remote_ts = $XA_ANY
		                esp_proposals = aes256-sha256
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }
		        }
		    }
	EOF2
	cat >"$d/secrets/$2.conf" <<-EOF2
		    ike-$2 {
		        id-1 = @sw.test
		        id-2 = @sk.test
		        id-3 = $3
		        id-4 = $4
		        secret = "$5"
		    }
		    xauth-$2 {
		        id = alice
		        secret = "$6"
		    }
	EOF2
	sswan_reload "$1"
}

xa_add_lsw() { # inst conn la ra psk password
	local d
	d=$(lsw_dir "$1")
	cat >"$d/conns/$2.conf" <<-EOF2
		conn $2
		    ikev2=no
		    authby=secret
		    left=$3
		    leftid=@sw.test
		    leftxauthclient=yes
		    leftmodecfgclient=yes
		    leftusername=alice
		    right=$4
		    rightid=@sk.test
		    rightxauthserver=yes
		    rightmodecfgserver=yes
		    rightsubnet=0.0.0.0/0
		    ike=aes256-sha2_256;modp2048
		    esp=aes256-sha2_256
		    pfs=no
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	EOF2
	printf '@sw.test @sk.test : PSK "%s"\n@alice : XAUTH "%s"\n' "$5" "$6" >"$d/secrets/$2.secrets"
	{
		lsw_reread_secrets "$1" &&
			timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
				--ctlsocket "$d/run/pluto.ctl" "$2"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

xa_log_has() { grep -qE "$2" "$(skua_dir "$1")/pluto.log"; }
xa_skua_has_sa() { skua_whack "$1" --status 2>/dev/null | grep -qE "\"$2\".* STATE_"; }

# One case: peer (sswan or lsw instance) initiates to Skua; good=1 with the right password;
# pull=1: Mode Config pull (--modecfgpull, strongSwan's pull = yes) instead of push.
xa_case() { # peer-inst good [pull]
	local pi=$1 good=$2 pull=${3:-0} pk conn psk sa pa what pw fail=0 bg=""
	pk=$(iop_kind "$pi")
	IOP_CASES=$((IOP_CASES + 1))
	conn=xa$IOP_CASES
	psk="xauth-psk-$IOP_CASES-$RANDOM$RANDOM"
	sa=$(iop_addr sk 4)
	pa=$(iop_addr "$pi" 4)
	pw=$XA_PW
	local v6=""
	[ "$XA_BITS" = 128 ] && v6=" IPv6"
	what="IKEv1 XAUTH + Mode Config$v6 $pk($pi) -> skua(sk)"
	[ "$pull" = 1 ] && what="IKEv1 XAUTH + Mode Config$v6 pull $pk($pi) -> skua(sk)"
	if [ "$good" = 0 ]; then
		pw="not the password"
		what="IKEv1 XAUTH with a wrong password $pk($pi) -> skua(sk)"
	fi
	iop_log "case $IOP_CASES: $what"
	if ! xa_add_skua sk "$conn" "$sa" "$pa" "$psk" "$pull" ||
		! "xa_add_$pk" "$pi" "$conn" "$pa" "$sa" "$psk" "$pw" "$pull"; then
		iop_not_ok "$what: loading the connection failed"
		return 0
	fi
	"${pk}_initiate" "$pi" "$conn" &
	bg=$!
	if [ "$good" = 1 ]; then
		if iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: XAUTH: User alice: Authentication Successful"; then
			iop_ok "$what: Skua authenticated alice"
		else
			iop_not_ok "$what: Skua never authenticated alice"
			fail=1
		fi
		if [ "$pull" = 1 ] && iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: ModeCfg: gave the client $XA_ADDR"; then
			iop_ok "$what: the client asked and Skua answered $XA_ADDR"
		elif [ "$pull" = 0 ] && iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: ModeCfg: the client took its address" &&
			xa_log_has sk "\"$conn\" #[0-9]+: ModeCfg: gave the client $XA_ADDR"; then
			iop_ok "$what: Skua pushed $XA_ADDR and the client ACKed it"
		else
			iop_not_ok "$what: no Mode Config ACK for $XA_ADDR"
			fail=1
		fi
		if iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: IPsec SA #[0-9]+ established tunnel mode .* $XA_ANY===$XA_ADDR/$XA_BITS\}"; then
			iop_ok "$what: the peer's Quick Mode came from $XA_ADDR (Skua's IPsec SA $XA_ANY===$XA_ADDR/$XA_BITS)"
		else
			iop_not_ok "$what: no IPsec SA for $XA_ADDR/$XA_BITS on Skua"
			fail=1
		fi
	else
		if iop_wait "$IOP_WAIT" xa_log_has sk "XAUTH: User alice: Authentication Failed" &&
			iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: XAUTH failed: deleting the ISAKMP SA"; then
			iop_ok "$what: Skua refused alice and deleted the ISAKMP SA"
		else
			iop_not_ok "$what: Skua did not refuse the wrong password"
			fail=1
		fi
		if iop_wait "$IOP_WAIT" iop_not xa_skua_has_sa sk "$conn"; then
			iop_ok "$what: no ISAKMP SA left on Skua"
		else
			iop_not_ok "$what: Skua kept an ISAKMP SA"
			fail=1
		fi
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $(skua_logs sk) $("${pk}_logs" "$pi")
	fi
	"${pk}_terminate" "$pi" "$conn" >/dev/null 2>&1 || true
	kill "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	skua_del_conn sk "$conn" >/dev/null 2>&1 || true
	"${pk}_del_conn" "$pi" "$conn" >/dev/null 2>&1 || true
	return 0
}

# IPv6 Mode Config: the client asks for an IPv6 virtual address (strongSwan's vips = ::)
# inside the IPv4 ISAKMP SA; Skua's pool is IPv6 and its --client ::/0: Skua pushes
# fd00:9::10 (INTERNAL_IP6_ADDRESS), the client takes it, and its Quick Mode comes from
# it (Skua's IPsec SA ::/0===fd00:9::10/128).
xa_case6() { # peer-inst good [pull]
	local XA_POOL=fd00:9::10-fd00:9::20 XA_ADDR=fd00:9::10 XA_ANY=::/0 XA_VIP=:: XA_BITS=128
	xa_case "$@"
}

# Skua as the client of libreswan's XAUTH + Mode Config server (push, libreswan's default).
# unity=1: libreswan's leftsubnet is 10.7.0.0/16 and it has a modecfgbanner: Skua takes the
# banner and the split network (CISCO_SPLIT_INC), and its Quick Mode is 10.9.0.10/32===10.7.0.0/16.
xa_client_case() { # lsw-inst [unity]
	local li=$1 unity=${2:-0} conn la sa psk what fail=0 d lnet=0.0.0.0/0 banner="    # no banner"
	IOP_CASES=$((IOP_CASES + 1))
	conn=xa$IOP_CASES
	psk="xauth-psk-$IOP_CASES-$RANDOM$RANDOM"
	sa=$(iop_addr sk 4)
	la=$(iop_addr "$li" 4)
	what="IKEv1 XAUTH + Mode Config skua(sk) -> lsw($li) as the server"
	if [ "$unity" = 1 ]; then
		lnet=10.7.0.0/16
		banner="    modecfgbanner=\"Welcome from libreswan\""
		what="IKEv1 XAUTH + Mode Config with a banner and a split network skua(sk) -> lsw($li)"
	fi
	iop_log "case $IOP_CASES: $what"
	d=$(lsw_dir "$li")
	printf 'alice:%s:%s\n' "$(openssl passwd -6 "$XA_PW")" "$conn" >"$d/ipsec.d/passwd"
	cat >"$d/conns/$conn.conf" <<-EOF2
		conn $conn
		    ikev2=no
		    authby=secret
		    left=$la
		    leftid=@ls.test
		    leftsubnet=$lnet
		    leftxauthserver=yes
		    leftmodecfgserver=yes
		    right=$sa
		    rightid=@sk.test
		    rightxauthclient=yes
		    rightmodecfgclient=yes
		    rightaddresspool=$XA_POOL
		    modecfgdns=192.0.2.53
		$banner
		    xauthby=file
		    ike=aes256-sha2_256;modp2048
		    esp=aes256-sha2_256
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	EOF2
	printf '@ls.test @sk.test : PSK "%s"\n' "$psk" >"$d/secrets/$conn.secrets"
	if ! { lsw_reread_secrets "$li" && timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
		--ctlsocket "$d/run/pluto.ctl" "$conn"; } >"$d/load.out" 2>&1; then
		sed 's/^/#   /' "$d/load.out"
		iop_not_ok "$what: loading libreswan's connection failed"
		return 0
	fi
	d=$(skua_dir sk)
	printf '@sk.test @ls.test : PSK "%s"\n' "$psk" >"$d/secrets/$conn.secrets"
	if ! { skua_reread_secrets sk && skua_whack sk --name "$conn" --ikev1 --psk --encrypt --tunnel \
		--host "$sa" --id @sk.test --xauthclient --modecfgclient \
		--to --host "$la" --id @ls.test --client 0.0.0.0/0 --xauthserver --modecfgserver \
		--ike "aes256-sha2_256;modp2048" --esp aes256-sha2_256 --pfs --keyingtries 1 --dontrekey; } \
		>"$d/load.out" 2>&1; then
		sed 's/^/#   /' "$d/load.out"
		iop_not_ok "$what: loading Skua's connection failed"
		return 0
	fi
	skua_whack sk --name "$conn" --initiate --xauthuser alice --xauthpass "$XA_PW" \
		>"$d/initiate.out" 2>&1 &
	local bg=$!
	if iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: XAUTH: Successfully Authenticated"; then
		iop_ok "$what: libreswan authenticated Skua's user"
	else
		iop_not_ok "$what: Skua's XAUTH did not succeed"
		fail=1
	fi
	if iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: ModeCfg: received IPv4 address $XA_ADDR"; then
		iop_ok "$what: Skua took $XA_ADDR from libreswan's SET"
	else
		iop_not_ok "$what: Skua got no address from libreswan"
		fail=1
	fi
	if [ "$unity" = 1 ]; then
		if iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: ModeCfg: the server's banner: Welcome from libreswan"; then
			iop_ok "$what: Skua took libreswan's banner"
		else
			iop_not_ok "$what: no banner from libreswan"
			fail=1
		fi
		if iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: ModeCfg: the server's split network 10\.7\.0\.0/16" &&
			iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: sent Quick Mode request" &&
			iop_wait "$IOP_WAIT" grep -qE "\"$conn\" #[0-9]+: the peer proposed: 10\.7\.0\.0/16 -<all>-> $XA_ADDR/32" "$(lsw_dir "$li")/pluto.log"; then
			iop_ok "$what: Skua's Quick Mode for the split network reached libreswan (10.7.0.0/16 -> $XA_ADDR/32)"
		else
			iop_not_ok "$what: no Quick Mode of the split network at libreswan"
			fail=1
		fi
	elif iop_wait "$IOP_WAIT" xa_log_has sk "\"$conn\" #[0-9]+: sent Quick Mode request" &&
		iop_wait "$IOP_WAIT" grep -qE "\"$conn\" #[0-9]+: the peer proposed: 0\.0\.0\.0/0 -<all>-> $XA_ADDR/32" "$(lsw_dir "$li")/pluto.log"; then
		iop_ok "$what: Skua's Quick Mode reached libreswan with IDci $XA_ADDR/32"
	else
		iop_not_ok "$what: no Quick Mode from $XA_ADDR/32 at libreswan"
		fail=1
	fi
	# libreswan took the whole proposal (PFS included: it requires it) and goes on to
	# install the IPsec SA under Skua's inbound SPI (the install itself fails on this kernel)
	local spi=""
	iop_wait "$IOP_WAIT" v1_skua_spi_in sk "$conn" >/dev/null && spi=$(v1_skua_spi_in sk "$conn")
	if [ -n "$spi" ] &&
		iop_wait "$IOP_WAIT" grep -qF "Add SA esp.${spi#"${spi%%[!0]*}"}@" "$(lsw_dir "$li")/pluto.log"; then
		iop_ok "$what: libreswan accepted Skua's Quick Mode and installs Skua's SPI $spi"
	else
		iop_not_ok "$what: libreswan never installs Skua's inbound SPI (${spi:-none reported})"
		fail=1
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $(skua_logs sk) $(lsw_logs "$li")
	fi
	skua_terminate sk "$conn" >/dev/null 2>&1 || true
	kill "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	skua_del_conn sk "$conn" >/dev/null 2>&1 || true
	lsw_del_conn "$li" "$conn" >/dev/null 2>&1 || true
	rm -f "$(lsw_dir "$li")/ipsec.d/passwd"
	return 0
}

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
printf 'config setup\n    ikev1-policy=accept\n' >"$IOP_TMP/skua-xauth.conf"
mkdir -p "$IOP_TMP/skua-ipsec.d"
# libreswan's passwd format: user:crypt(3) hash[:conn]
printf 'alice:%s\n' "$(openssl passwd -6 "$XA_PW")" >"$IOP_TMP/skua-ipsec.d/passwd"
# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_IPSECDIR=$IOP_TMP/skua-ipsec.d
# shellcheck disable=SC2034 # read by skua_start (skua.sh) and lsw_start (lib.sh)
SKUA_PLUTO_ARGS="--config $IOP_TMP/skua-xauth.conf"
# shellcheck disable=SC2034
LSW_IKEV1_POLICY=accept
# shellcheck disable=SC2034
SKUA_STACK=none
# shellcheck disable=SC2034 # read by sswan_start (lib.sh): the XAUTH client's method
SSWAN_MORE_PLUGINS="xauth-generic"
iop_start skua sk "$NS_L"
iop_start sswan sw "$NS_R"
xa_case sw 1
xa_case sw 1 1
xa_case6 sw 1
xa_case6 sw 1 1
xa_case sw 0
iop_stop sw
iop_start lsw ls "$NS_R"
xa_case ls 1
xa_client_case ls
xa_client_case ls 1
iop_stop ls
iop_stop sk
iop_finish
