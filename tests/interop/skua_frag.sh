#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv2 fragmentation (RFC 7383) between Skua and strongSwan 5.9.8 and libreswan 4.10:
# fragmentation forced on both sides and an IKE_AUTH big enough to need it (RSA-2048
# certificates, made here with openssl as in skua_certs.sh: over 1,500 bytes each way,
# against the 548-byte IKE messages of a 576-byte IPv4 datagram). Each side initiates;
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
command -v openssl >/dev/null || iop_die "the openssl tool is missing (scripts/setup installs it)"

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair

PKI=$IOP_TMP/pki
mkdir -p "$PKI"

# A CA and RSA-2048 certificates for skua.test, sswan.test and lsw.test in $PKI.
pki_make() {
	local d=$PKI name
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" \
		-subj "/C=CH/O=Skua Interop/CN=Interop Fragmentation CA" -days 2 -out "$d/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 ||
		iop_die "openssl: the CA"
	for name in skua sswan lsw; do
		openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" \
			-subj "/C=CH/O=Skua Interop/OU=fragmentation/CN=$name.test" \
			-out "$d/$name.csr" >/dev/null 2>&1 &&
			openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
				-CAcreateserial -days 1 -out "$d/$name.pem" -extfile <(printf '%s\n' \
				"basicConstraints=CA:FALSE" "keyUsage=digitalSignature" \
				"subjectAltName=DNS:$name.test") >/dev/null 2>&1 ||
			iop_die "openssl: the certificate of $name"
		chmod 600 "$d/$name.key"
	done
	openssl pkcs12 -export -in "$d/lsw.pem" -inkey "$d/lsw.key" -name lsw-frag \
		-passout pass:interop -out "$d/lsw.p12" >/dev/null 2>&1 ||
		iop_die "openssl: the PKCS#12 file of lsw"
}

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

lsw_import() {
	local d
	d=$(lsw_dir "$1")
	pk12util -i "$PKI/lsw.p12" -d "sql:$d/nss" -W interop >>"$d/pk12util.out" 2>&1 &&
		certutil -A -d "sql:$d/nss" -n ca-frag -t "CT,," -i "$PKI/ca.pem" \
			>>"$d/pk12util.out" 2>&1 || {
		sed 's/^/#   /' "$d/pk12util.out"
		iop_die "importing the certificates into libreswan's NSS database failed"
	}
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
	if [ "$fail" -eq 0 ]; then
		"${ik}_terminate" "$ii" "$conn" || true
		if iop_wait "$IOP_WAIT" iop_not "${ik}_ike_established" "$ii" "$conn" &&
			iop_wait "$IOP_WAIT" iop_not "${rk}_ike_established" "$ri" "$conn"; then
			iop_ok "$what: the Delete removed the IKE SA on both sides"
		else
			iop_not_ok "$what: the IKE SA survived the Delete"
			fail=1
		fi
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $(skua_logs sk) $("${PEER}_logs" "$PK")
	fi
	skua_del_conn sk "$conn" || true
	"${PEER}_del_conn" "$PK" "$conn" || true
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
pki_make
for PEER in ${IOP_FRAG_PEERS:-sswan lsw}; do
	case "$PEER" in
	sswan) PK=sw ;;
	lsw) PK=ls ;;
	*) iop_die "IOP_FRAG_PEERS: unknown peer \"$PEER\": expected sswan or lsw" ;;
	esac
	iop_start "$PEER" "$PK" "$NS_R"
	[ "$PEER" = lsw ] && lsw_import "$PK"
	frag_case skua
	frag_case peer
	iop_stop "$PK"
done
iop_stop sk
iop_finish
