#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Skua authenticating with X.509 certificates made here with the openssl tool (one CA,
# one certificate per side) against strongSwan 5.9.8 and libreswan 4.10, each side
# initiating: with strongSwan RSA-2048 (RFC 7427 RSASSA-PSS both ways: strongSwan with
# rsa_pss = yes), ECDSA P-256 and Ed25519 (RFC 8420); with libreswan RSA-2048
# (authby=rsasig) and ECDSA P-256 (authby=ecdsa), its certificate and the CA imported
# into its NSS database with pk12util and certutil; and with libreswan raw RSA keys, no
# certificates (rawrsa): libreswan's made in its NSS database by its rsasigkey and given
# to Skua as showhostkey prints it (whack --keyid @lsw.test --pubkeyrsa 0s...), Skua's an
# OpenSSL key named in ipsec.secrets (": RSA file") given to libreswan as
# rightrsasigkey=0s... (RFC 3110). Skua reads its certificate, key and CA from
# --ipsecdir; strongSwan from its swanctl directories. Each case asserts that
# the IKE SA is established on both sides, that each logged how it authenticated the
# other, and that the initiator's Delete removes it.
#
# Run as root after scripts/setup-peers and a build of pluto and whack:
#   BUILD=build/default bash tests/interop/skua_certs.sh
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

# pki_make <kind>: a CA and certificates for skua.test, sswan.test and lsw.test with
# keys of <kind> (rsa, p256, ed25519; lib.sh's iop_pki_make) in $PKI/<kind>/; for
# rawrsa, Skua's RSA key alone.
pki_make() {
	local k=$1 d=$PKI/$1
	if [ "$k" = rawrsa ]; then
		mkdir -p "$d"
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$d/skua.key" \
			>/dev/null 2>&1 || iop_die "openssl: Skua's raw RSA key"
		chmod 600 "$d/skua.key"
		return 0
	fi
	iop_pki_make "$d" "$k" "$k"
}

# rfc3110 <key file>: an RSA key's public key in libreswan's 0s form (RFC 3110: the
# exponent's length, the exponent 65537, the modulus; base64)
rfc3110() {
	local mod
	mod=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | sed -n 's/^Modulus=//p')
	[ -n "$mod" ] || return 1
	printf '0s'
	# shellcheck disable=SC2059 # the format is the bytes, \xHH each
	printf "$(printf '03010001%s' "$mod" | sed 's/../\\x&/g')" | base64 -w0
}

# skua_raw_conn <inst> <conn> <la> <ra>: Skua's key in the secrets, libreswan's public
# key as showhostkey printed it, and a connection with --rsasig and no certificate.
skua_raw_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 d
	d=$(skua_dir "$inst")
	printf '@skua.test : RSA %s\n' "$PKI/rawrsa/skua.key" >"$d/secrets/$conn.secrets"
	{
		skua_reread_secrets "$inst" &&
			skua_whack "$inst" --keyid @lsw.test --pubkeyrsa "$LSW_RAW_PUB" &&
			skua_whack "$inst" --name "$conn" --ikev2 --rsasig --encrypt --tunnel \
				--host "$la" --id @skua.test --to --host "$ra" --id @lsw.test \
				--ike aes256-sha2_256-dh19 --esp aes256-sha2_256 --keyingtries 1 --dontrekey
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

# skua_certs_conn <inst> <conn> <kind> <la> <ra>: the certificate store and the
# connection to the peer $PEER (sswan or lsw).
skua_certs_conn() {
	local inst=$1 conn=$2 k=$3 la=$4 ra=$5 d authby=()
	[ "$k" = rawrsa ] && { skua_raw_conn "$inst" "$conn" "$la" "$ra"; return; }
	d=$SKUA_IPSECDIR
	cp "$PKI/$k/skua.pem" "$d/certs/skua-$k.pem"
	cp "$PKI/$k/skua.key" "$d/private/skua-$k.key"
	cp "$PKI/$k/ca.pem" "$d/cacerts/ca-$k.pem"
	chmod 600 "$d/private/skua-$k.key"
	[ "$k" = ed25519 ] && authby=(--authby eddsa)
	{
		skua_whack "$inst" --rereadall &&
			skua_whack "$inst" --name "$conn" --ikev2 --encrypt --tunnel \
				--host "$la" --id @skua.test --cert "skua-$k" "${authby[@]}" \
				--to --host "$ra" --id "@$PEER.test" "${authby[@]}" \
				--ike aes256-sha2_256-dh19 --esp aes256-sha2_256 --keyingtries 1 --dontrekey
	} >"$(skua_dir "$inst")/load.out" 2>&1 || {
		sed 's/^/#   /' "$(skua_dir "$inst")/load.out"
		return 1
	}
}

# sswan_certs_conn <inst> <conn> <kind> <la> <ra>
sswan_certs_conn() {
	local inst=$1 conn=$2 k=$3 la=$4 ra=$5 d
	d=$(sswan_dir "$inst")
	cp "$PKI/$k/sswan.pem" "$d/swanctl/x509/sswan-$k.pem"
	cp "$PKI/$k/sswan.key" "$d/swanctl/private/sswan-$k.key"
	cp "$PKI/$k/ca.pem" "$d/swanctl/x509ca/ca-$k.pem"
	cat >"$d/conns/$conn.conf" <<-CONF
		    $conn {
		        version = 2
		        local_addrs = $la
		        remote_addrs = $ra
		        proposals = aes256-sha256-ecp256
		        rekey_time = 0
		        dpd_delay = 0
		        local {
		            auth = pubkey
		            certs = sswan-$k.pem
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

# lsw_import <inst> <kind...>: each kind's certificate (with its key) and CA into the NSS
# database (lib.sh's lsw_import_pki: pk12util and certutil), before any connection;
# for rawrsa, a raw RSA key made by libreswan's rsasigkey (its minimum is above 2048
# bits: 3072), its public key in LSW_RAW_PUB as showhostkey prints it.
lsw_import() {
	local inst=$1 d k ckaid
	d=$(lsw_dir "$inst")
	shift
	for k in "$@"; do
		if [ "$k" = rawrsa ]; then
			ckaid=$("$LSW_BIN/rsasigkey" --nssdir "sql:$d/nss" --seeddev /dev/urandom 3072 \
				2>&1 | sed -n 's/.*with CKAID \([0-9a-f]*\) .*/\1/p')
			[ -n "$ckaid" ] || iop_die "libreswan's rsasigkey made no key"
			LSW_RAW_PUB=$("$LSW_BIN/showhostkey" --nssdir "sql:$d/nss" --left --ckaid "$ckaid" |
				sed -n 's/^[[:space:]]*leftrsasigkey=//p')
			[ -n "$LSW_RAW_PUB" ] || iop_die "libreswan's showhostkey printed no key"
			continue
		fi
		lsw_import_pki "$inst" "$PKI/$k" "$k"
	done
}

# lsw_certs_conn <inst> <conn> <kind> <la> <ra>: the connection; rightca=%same makes
# libreswan send a CERTREQ, which Skua (--sendcert ifasked as responder) answers.
lsw_certs_conn() {
	local inst=$1 conn=$2 k=$3 la=$4 ra=$5 d authby=rsasig keys skua_pub
	d=$(lsw_dir "$inst")
	[ "$k" = p256 ] && authby=ecdsa
	keys="leftcert=lsw-$k
		    rightca=%same"
	if [ "$k" = rawrsa ]; then
		skua_pub=$(rfc3110 "$PKI/rawrsa/skua.key") || iop_die "Skua's raw key: no modulus"
		keys="leftrsasigkey=$LSW_RAW_PUB
		    rightrsasigkey=$skua_pub"
	fi
	cat >"$d/conns/$conn.conf" <<-CONF
		conn $conn
		    ikev2=insist
		    authby=$authby
		    left=$la
		    leftid=@lsw.test
		    right=$ra
		    rightid=@skua.test
		    $keys
		    ike=aes256-sha2_256-dh19
		    esp=aes256-sha2_256
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

# How the peer logged Skua's authentication, from its log lines after line $2.
sswan_saw_skua() {
	tail -n "+$(($2 + 1))" "$(sswan_dir "$1")/charon.log" |
		grep -o "authentication of 'skua.test' with .* successful" | tail -1
}
sswan_log_lines() { wc -l <"$(sswan_dir "$1")/charon.log"; }
lsw_saw_skua() {
	tail -n "+$(($2 + 1))" "$(lsw_dir "$1")/pluto.log" |
		grep -oE "authenticated (using|peer) .*" | tail -1
}
lsw_log_lines() { wc -l <"$(lsw_dir "$1")/pluto.log"; }

# certs_case <kind> <initiator: skua|peer>; the peer is $PEER ($PK: its instance)
certs_case() {
	local k=$1 who=$2 conn what ii ik ri rk la ra fail=0
	IOP_CASES=$((IOP_CASES + 1))
	conn=crt$IOP_CASES
	la=$(iop_addr sk 4)
	ra=$(iop_addr "$PK" 4)
	if [ "$who" = skua ]; then
		ii=sk ik=skua ri=$PK rk=$PEER
	else
		ii=$PK ik=$PEER ri=sk rk=skua
	fi
	what="$k certificates with $PEER, $ik initiates"
	[ "$k" = rawrsa ] && what="raw RSA keys with $PEER, $ik initiates"
	iop_log "case $IOP_CASES: $what"
	if ! skua_certs_conn sk "$conn" "$k" "$la" "$ra" ||
		! "${PEER}_certs_conn" "$PK" "$conn" "$k" "$ra" "$la"; then
		iop_not_ok "$what: loading the connection failed"
		return 0
	fi
	local sl cl how
	sl=$(wc -l <"$(skua_dir sk)/pluto.log")
	cl=$("${PEER}_log_lines" "$PK")
	"${ik}_initiate" "$ii" "$conn" || true
	if iop_wait "$IOP_WAIT" "${ik}_ike_established" "$ii" "$conn" &&
		iop_wait "$IOP_WAIT" "${rk}_ike_established" "$ri" "$conn"; then
		iop_ok "$what: the IKE SA is established on both sides"
	else
		iop_not_ok "$what: no established IKE SA on both sides after ${IOP_WAIT}s"
		fail=1
	fi
	if [ "$k" = rawrsa ]; then
		# its raw key: no certificate named
		how=$(tail -n "+$((sl + 1))" "$(skua_dir sk)/pluto.log" |
			grep -o "authenticated peer @$PEER.test with [^']*, ourselves with .*" | tail -1)
	else
		how=$(tail -n "+$((sl + 1))" "$(skua_dir sk)/pluto.log" |
			grep -o "authenticated peer @$PEER.test with .* and certificate 'C=CH, O=Skua Interop, OU=$k, CN=$PEER.test'" |
			tail -1)
	fi
	if [ -n "$how" ] && [ "$k" = rsa ] &&
		[ "${how#*with Digital Signature (RSASSA-PSS}" = "$how" ]; then
		iop_not_ok "$what: the peer did not sign with RSASSA-PSS: Skua $how"
		fail=1
	elif [ -n "$how" ]; then
		iop_ok "$what: Skua $how"
	else
		iop_not_ok "$what: Skua did not log how it authenticated the peer (${k})"
		fail=1
	fi
	how=$("${PEER}_saw_skua" "$PK" "$cl")
	if [ -n "$how" ]; then
		iop_ok "$what: $PEER: $how"
	else
		iop_not_ok "$what: $PEER did not log how it authenticated Skua"
		fail=1
	fi
	iop_skua_case_end "$fail" "$what" "$ik" "$ii" "$rk" "$ri" "$conn" "$PEER" "$PK" || true
	return 0
}

SKUA_IPSECDIR=$IOP_TMP/skua-ipsec.d
mkdir -p "$SKUA_IPSECDIR/certs" "$SKUA_IPSECDIR/cacerts" "$SKUA_IPSECDIR/private" "$SKUA_IPSECDIR/crls"
export SKUA_IPSECDIR
# On XFRM without ESP whoever responds refuses the Child SA and both keep the IKE SA (as
# in skua_peers.sh, pass 1); with --use-none, libreswan initiating deletes its IKE SA when
# its own Child SA install fails.
# shellcheck disable=SC2034 # read by skua_start (skua.sh)
SKUA_STACK=netkey
iop_start skua sk "$NS_L"
for k in rsa p256 ed25519 rawrsa; do
	pki_make "$k"
done
# IOP_CERT_PEERS picks the peers (default both); libreswan 4.10 has no EdDSA.
for PEER in ${IOP_CERT_PEERS:-sswan lsw}; do
	case "$PEER" in
	sswan) PK=sw kinds="rsa p256 ed25519" ;;
	lsw) PK=ls kinds="rsa p256 rawrsa" ;;
	*) iop_die "IOP_CERT_PEERS: unknown peer \"$PEER\": expected sswan or lsw" ;;
	esac
	# strongSwan signs RSA with PKCS#1 v1.5 unless told rsa_pss: both sides RSASSA-PSS here
	SSWAN_TUNING='retransmit_timeout = 1.0
retransmit_base = 1.4
rsa_pss = yes' iop_start "$PEER" "$PK" "$NS_R"
	# shellcheck disable=SC2086 # the kinds are words
	[ "$PEER" = lsw ] && lsw_import "$PK" $kinds
	for k in $kinds; do
		certs_case "$k" skua
		certs_case "$k" peer
	done
	iop_stop "$PK"
done
iop_stop sk
iop_finish
