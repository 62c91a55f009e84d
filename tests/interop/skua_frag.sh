#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv2 fragmentation (RFC 7383) between Skua and strongSwan 5.9.8 and libreswan 4.10:
# fragmentation forced on both sides and an IKE_AUTH big enough to need it (RSA-2048
# certificates and CA, made with openssl by lib.sh's iop_pki_make as for skua_certs.sh:
# over 1,500 bytes each way, against the 548-byte IKE messages of a 576-byte IPv4
# datagram). Each side initiates;
# each case asserts that the IKE SA is established on both sides, that Skua cut its
# IKE_AUTH message into fragments and put the peer's together (its debug log), and
# that the Delete removes the SA.
#
# Run as root after scripts/setup-peers and a build of pluto and whack:
#   BUILD=build/default bash tests/interop/skua_frag.sh
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair

PKI=$IOP_TMP/pki
mkdir -p "$PKI"

skua_frag_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 d=$SKUA_IPSECDIR
	cp "$PKI/skua.pem" "$d/certs/skua-frag.pem"
	cp "$PKI/skua.key" "$d/private/skua-frag.key"
	cp "$PKI/ca.pem" "$d/cacerts/ca-frag.pem"
	chmod 600 "$d/private/skua-frag.key"
	{
		skua_whack "$inst" --rereadall &&
			skua_whack "$inst" --name "$conn" --ikev2 --encrypt --tunnel \
				--host "$la" --id @skua.test --cert skua-frag --sendcert always \
				--to --host "$ra" --id "@$PEER.test" \
				--ike aes256-sha2_256-dh19 --esp aes256-sha2_256 --keyingtries 1 \
				--dontrekey --fragmentation force
	} >"$(skua_dir "$inst")/load.out" 2>&1 || {
		sed 's/^/#   /' "$(skua_dir "$inst")/load.out"
		return 1
	}
}

sswan_frag_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 d
	d=$(sswan_dir "$inst")
	cp "$PKI/sswan.pem" "$d/swanctl/x509/sswan-frag.pem"
	cp "$PKI/sswan.key" "$d/swanctl/private/sswan-frag.key"
	cp "$PKI/ca.pem" "$d/swanctl/x509ca/ca-frag.pem"
	cat >"$d/conns/$conn.conf" <<-CONF
		    $conn {
		        version = 2
		        local_addrs = $la
		        remote_addrs = $ra
		        proposals = aes256-sha256-ecp256
		        fragmentation = force
		        send_cert = always
		        rekey_time = 0
		        dpd_delay = 0
		        local {
		            auth = pubkey
		            certs = sswan-frag.pem
		            id = sswan.test
		        }
		        remote {
		            auth = pubkey
		            id = skua.test
		        }
		        children {
		            $conn {
		                esp_proposals = aes256-sha256
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }
		        }
		    }
	CONF
	sswan_reload "$inst"
}

lsw_frag_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 d
	d=$(lsw_dir "$inst")
	cat >"$d/conns/$conn.conf" <<-CONF
		conn $conn
		    ikev2=insist
		    authby=rsasig
		    left=$la
		    leftid=@lsw.test
		    leftcert=lsw-frag
		    leftsendcert=always
		    right=$ra
		    rightid=@skua.test
		    rightca=%same
		    ike=aes256-sha2_256-dh19
		    esp=aes256-sha2_256
		    fragmentation=force
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	CONF
	timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
		--ctlsocket "$d/run/pluto.ctl" "$conn" >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

# frag_case <initiator: skua|peer>; the peer is $PEER ($PK: its instance)
frag_case() {
	local who=$1 conn what ii ik ri rk la ra fail=0 sl log
	IOP_CASES=$((IOP_CASES + 1))
	conn=frag$IOP_CASES
	la=$(iop_addr sk 4)
	ra=$(iop_addr "$PK" 4)
	if [ "$who" = skua ]; then
		ii=sk ik=skua ri=$PK rk=$PEER
	else
		ii=$PK ik=$PEER ri=sk rk=skua
	fi
	what="fragmentation=force with $PEER, RSA-2048 certificates, $ik initiates"
	iop_log "case $IOP_CASES: $what"
	if ! skua_frag_conn sk "$conn" "$la" "$ra" ||
		! "${PEER}_frag_conn" "$PK" "$conn" "$ra" "$la"; then
		iop_not_ok "$what: loading the connection failed"
		return 0
	fi
	sl=$(wc -l <"$(skua_dir sk)/pluto.log")
	"${ik}_initiate" "$ii" "$conn" || true
	if iop_wait "$IOP_WAIT" "${ik}_ike_established" "$ii" "$conn" &&
		iop_wait "$IOP_WAIT" "${rk}_ike_established" "$ri" "$conn"; then
		iop_ok "$what: the IKE SA is established on both sides"
	else
		iop_not_ok "$what: no established IKE SA on both sides after ${IOP_WAIT}s"
		fail=1
	fi
	log=$(tail -n "+$((sl + 1))" "$(skua_dir sk)/pluto.log")
	if grep -qE "message sent in [0-9]+ fragments" <<<"$log"; then
		iop_ok "$what: Skua sent its IKE_AUTH message in fragments ($(grep -oE "sent in [0-9]+ fragments of at most [0-9]+ bytes" <<<"$log" | head -1))"
	else
		iop_not_ok "$what: Skua sent no fragments"
		fail=1
	fi
	if grep -qE "reassembled from [0-9]+ fragments" <<<"$log"; then
		iop_ok "$what: Skua put $PEER's fragments together ($(grep -oE "reassembled from [0-9]+ fragments \([0-9]+ bytes\)" <<<"$log" | head -1))"
	else
		iop_not_ok "$what: Skua reassembled no fragments from $PEER"
		fail=1
	fi
	iop_skua_case_end "$fail" "$what" "$ik" "$ii" "$rk" "$ri" "$conn" "$PEER" "$PK" || true
	return 0
}

SKUA_IPSECDIR=$IOP_TMP/skua-ipsec.d
mkdir -p "$SKUA_IPSECDIR/certs" "$SKUA_IPSECDIR/cacerts" "$SKUA_IPSECDIR/private" "$SKUA_IPSECDIR/crls"
export SKUA_IPSECDIR
# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=netkey
# shellcheck disable=SC2034 # read by skua_start: the fragment lines are debug lines
SKUA_PLUTO_ARGS="--debug base"
iop_start skua sk "$NS_L"
# RSA-2048 certificates and CA (lib.sh): big enough to need fragments
iop_pki_make "$PKI" rsa frag rsa
for PEER in ${IOP_FRAG_PEERS:-sswan lsw}; do
	case "$PEER" in
	sswan) PK=sw ;;
	lsw) PK=ls ;;
	*) iop_die "IOP_FRAG_PEERS: unknown peer \"$PEER\": expected sswan or lsw" ;;
	esac
	iop_start "$PEER" "$PK" "$NS_R"
	[ "$PEER" = lsw ] && lsw_import_pki "$PK" "$PKI" frag
	frag_case skua
	frag_case peer
	iop_stop "$PK"
done
iop_stop sk
iop_finish
