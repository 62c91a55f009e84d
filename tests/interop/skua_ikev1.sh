#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IKEv1 Main Mode with pre-shared keys between Skua and the real peers: Skua's pluto
# (ikev1-policy=accept) in one namespace; libreswan 4.10 (ikev2=no, ikev1-policy=accept)
# and strongSwan 5.9.8 (version = 1) taking turns in the other, each side initiating.
# Each case asserts that the ISAKMP SA is established on both sides (STATE_MAIN_I4 /
# STATE_MAIN_R3, strongSwan's ESTABLISHED) with the algorithms asked for
# (AES_CBC_256-HMAC_SHA2_256-MODP2048), and that the initiator's IKEv1 Delete (an
# Informational exchange) removes it on both sides. Then Quick Mode with PFS: Skua with
# Skua brings the IPsec SA up on both sides (the same SPIs, whack --initiate's status 0);
# with the peers, whose own ESP install fails on this host kernel, v1_qm_peer says what
# is asserted.
#
# Then Aggressive Mode with pre-shared keys (--aggrmode, libreswan's aggressive=yes,
# strongSwan's aggressive = yes) with libreswan and strongSwan, each side initiating:
# STATE_AGGR_I2 / STATE_AGGR_R2, the same suite, Quick Mode as above.
#
# Then Main Mode with RSA signatures and X.509 certificates (--rsasig --cert, libreswan's
# authby=rsasig with leftcert= from its NSS database and rightca=%same, strongSwan's
# auth = pubkey) with libreswan and strongSwan, each side initiating: one CA and an
# RSA-2048 certificate per side made with the openssl tool (lib.sh's iop_pki_make), the
# IDs the certificates' names. Asserted: the ISAKMP SA established on both sides with
# the suite, Skua's log of the peer's certificate it verified, the peer's log of Skua's
# RSA signature, and the initiator's Delete (Quick Mode is the PSK cases').
#
# Then Main Mode with ECDSA signatures (RFC 4754) and certificates with strongSwan, each
# side initiating: a second CA and a P-256 certificate per side (iop_pki_make p256, OU
# ecdsa), Skua's --ecdsa --cert skua-ecdsa, strongSwan's auth = pubkey with its EC key.
# Asserted: the ISAKMP SA established on both sides with the suite, by ECDSA_P256 (method
# 9) as Skua's established line says, Skua's log of the peer's certificate it verified,
# strongSwan's log of Skua's ECDSA signature (its ECDSA_WITH_NULL: over HASH_I/HASH_R as
# the digest), the IPsec SA as v1_qm_peer asserts it (below), and the initiator's Delete.
# libreswan 4.10's IKEv1 has no ECDSA: no such case with it (its IKEv1 proposes and
# accepts RSA_SIG only).
#
# Then Main Mode PSK and Quick Mode with 3DES named in ike= and esp=, each side initiating
# (v1_3des_cases).
#
# Then Aggressive Mode to a group with each peer initiating: Skua answers on the connection
# that names the peer's ID, with that connection's key, not on an older one for any ID
# (v1_group_case).
#
# Skua's connections send INITIAL-CONTACT (--initialcontact: Main Mode message 5,
# Aggressive Mode message 3), which the peers take.
#
# Run as root after scripts/setup-peers and a build of pluto and whack, under the lock:
#   flock /tmp/skua-netns.lock bash tests/interop/skua_ikev1.sh
# BUILD (default build/default) as for skua_peers.sh; IOP_KEEP=1 keeps the logs;
# IOP_V1_PEERS="lsw:ls sswan:sw skua:sk2" picks the peers; IOP_V1_CERT_AGGR=1 adds
# Aggressive Mode with certificates.
set -u
# shellcheck source=tests/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "${BUILD:-}" in
'') BUILD=$IOP_TOP/build/default ;;
/*) ;;
*) BUILD=$(cd "$BUILD" && pwd) || iop_die "BUILD=$BUILD: no such directory" ;;
esac
declare -F skua_start >/dev/null || iop_die "no Skua driver: $IOP_SKUA_DRIVER"

V1_IKE_LSW="aes256-sha2_256;modp2048"
V1_IKE_SSWAN="aes256-sha256-modp2048"
V1_SUITE="AES_CBC_256-HMAC_SHA2_256-MODP2048"
V1_ESP_LSW="aes256-sha2_256"
V1_ESP_SSWAN="aes256-sha256-modp2048" # PFS with the Phase 1 group, as libreswan's pfs=yes
V1_ESP="AES_CBC_256-HMAC_SHA2_256_128"
V1_SUITE_LSW="AES_CBC_256-HMAC_SHA2_256-MODP2048"   # as libreswan's log and strongSwan's
V1_SUITE_SSWAN="AES_CBC_256-HMAC_SHA2_256-MODP2048" # --list-sas name it (v1_up_*)
V1_LABEL=""                                         # said after the method in a case's name
V1_AGGR=0 # 1: the cases run Aggressive Mode
V1_CERT=0 # rsa, ecdsa: the cases authenticate with those signatures and certificates
PKI=""     # the certificates' directories (iop_pki_make), once made: RSA,
PKI_EC=""  # ECDSA P-256

# ---- the IKEv1 connection of each kind ----

v1_add_skua() { # inst conn la ra lid rid psk
	local d auth=(--psk) aggr=()
	d=$(skua_dir "$1")
	[ "$V1_AGGR" = 1 ] && aggr=(--aggrmode)
	printf '%s %s : PSK "%s"\n' "$5" "$6" "$7" >"$d/secrets/$2.secrets"
	[ "$V1_CERT" = rsa ] && auth=(--rsasig --cert skua-rsa)
	[ "$V1_CERT" = ecdsa ] && auth=(--ecdsa --cert skua-ecdsa)
	{
		skua_reread_secrets "$1" &&
			skua_whack "$1" --name "$2" --ikev1 "${auth[@]}" --encrypt --tunnel \
				--host "$3" --id "$5" --to --host "$4" --id "$6" \
				--ike "$V1_IKE_LSW" --esp "$V1_ESP_LSW" --pfs \
				--keyingtries 1 --dontrekey --initialcontact "${aggr[@]}"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

v1_add_lsw() {
	local d lauth="authby=secret"
	d=$(lsw_dir "$1")
	[ "$V1_CERT" = rsa ] && lauth="authby=rsasig
		    leftcert=lsw-rsa
		    rightca=%same"
	cat >"$d/conns/$2.conf" <<-EOF2
		conn $2
		    ikev2=no
		    aggressive=$([ "$V1_AGGR" = 1 ] && echo yes || echo no)
		    $lauth
		    left=$3
		    leftid=$5
		    right=$4
		    rightid=$6
		    ike=$V1_IKE_LSW
		    esp=$V1_ESP_LSW
		    pfs=yes
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	EOF2
	printf '%s %s : PSK "%s"\n' "$5" "$6" "$7" >"$d/secrets/$2.secrets"
	{
		lsw_reread_secrets "$1" &&
			timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
				--ctlsocket "$d/run/pluto.ctl" "$2"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

v1_add_sswan() {
	local d sauth=psk certs=""
	d=$(sswan_dir "$1")
	if [ "$V1_CERT" != 0 ]; then
		local pki=$PKI
		[ "$V1_CERT" = ecdsa ] && pki=$PKI_EC
		sauth=pubkey certs="certs = sswan-$V1_CERT.pem"
		# one key of ours only: strongSwan's IKEv1 initiator proposes the method of
		# the first private key it finds for its ID, whatever the certificate's key
		rm -f "$d"/swanctl/x509/sswan-*.pem "$d"/swanctl/private/sswan-*.key
		cp "$pki/sswan.pem" "$d/swanctl/x509/sswan-$V1_CERT.pem"
		cp "$pki/sswan.key" "$d/swanctl/private/sswan-$V1_CERT.key"
		cp "$pki/ca.pem" "$d/swanctl/x509ca/ca-$V1_CERT.pem"
	fi
	cat >"$d/conns/$2.conf" <<-EOF2
		    $2 {
		        version = 1
		        aggressive = $([ "$V1_AGGR" = 1 ] && echo yes || echo no)
		        local_addrs = $3
		        remote_addrs = $4
		        proposals = $V1_IKE_SSWAN
		        rekey_time = 0
		        dpd_delay = 0
		        local {
		            auth = $sauth
		            $certs
		            id = $5
		        }
		        remote {
		            auth = $sauth
		            id = $6
		        }
		        children {
		            $2 {
		                esp_proposals = $V1_ESP_SSWAN
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }
		        }
		    }
	EOF2
	# Main Mode: the responder needs the key before it knows the peer's ID, so the
	# secret also names both addresses.
	cat >"$d/secrets/$2.conf" <<-EOF2
		    ike-$2 {
		        id-1 = $5
		        id-2 = $6
		        id-3 = $3
		        id-4 = $4
		        secret = "$7"
		    }
	EOF2
	sswan_reload "$1" || return 1
	# forget the credentials of the other kind's cases (--load-all keeps them)
	[ "$V1_CERT" = 0 ] ||
		sswan_swanctl "$1" --load-creds --clear --noprompt --file "$d/swanctl/swanctl.conf" \
			>>"$d/load.out" 2>&1
}

# ---- is the ISAKMP SA up, with which algorithms ----

v1_up_skua() { # inst conn: prints the suite of its established ISAKMP SA
	skua_whack "$1" --status 2>/dev/null | awk -v conn="\"$2\"" '
		{ sub(/^[0-9]+ /, "") }
		$1 ~ /^#[0-9]+:$/ && ($3 ~ /^STATE_(MAIN_I4|MAIN_R3|AGGR_I2|AGGR_R2)$/) {
			c = $2; sub(/:[0-9]+$/, "", c)
			if (c != conn) next
			if (match($0, /; (initiator|responder); [^;]*;/)) {
				t = substr($0, RSTART, RLENGTH); sub(/^; [a-z]+; /, "", t); sub(/;$/, "", t)
				print t; found = 1; exit
			}
		}
		END { exit !found }'
}

v1_up_lsw() {
	local d serial
	d=$(lsw_dir "$1")
	serial=$(lsw_whack "$1" --showstates 2>/dev/null | awk -v conn="\"$2\"" '
		$2 ~ /^#[0-9]+:$/ && ($4 ~ /^STATE_(MAIN_I4|MAIN_R3|AGGR_I2|AGGR_R2)$/) {
			c = $3; sub(/(\[[0-9]+\])?:[0-9]+$/, "", c)
			if (c == conn) { print substr($2, 2, length($2) - 2); exit }
		}') || return 1
	[ -n "$serial" ] || return 1
	# "... #N: ISAKMP SA established {auth=PRESHARED_KEY cipher=AES_CBC_256
	#  integ=HMAC_SHA2_256 group=MODP2048}"
	grep -E "\"$2\"(\[[0-9]+\])? #$serial: .*established \{" "$d/pluto.log" | tail -n1 |
		sed -n 's/.*cipher=\([^ ]*\) integ=\([^ ]*\) group=\([^ }]*\).*/\1-\2-\3/p' | grep .
}

v1_up_sswan() {
	sswan_ike_sa "$1" "$2" | awk -F= '
		{ v[$1] = $2 }
		END {
			if (v["version"] != "1" || v["encr-alg"] == "") exit 1
			prf = v["prf-alg"]; sub(/^PRF_/, "", prf)
			dh = v["dh-group"]; sub(/_/, "", dh)
			# a fixed-key cipher (3DES) has no encr-keysize
			ks = v["encr-keysize"] == "" ? "" : "_" v["encr-keysize"]
			printf "%s%s-%s-%s\n", v["encr-alg"], ks, prf, dh
		}'
}

# ---- is the IPsec SA up: "OUT IN", its SPIs (our outbound, inbound), as each side shows them ----

# Skua's --status and libreswan's --showstates share the line
#   #2: "conn":500 esp.OUT@peer esp.IN@local tun.0@peer tun.0@local Traffic: ...
v1_spis_line() { # conn: reads status lines
	awk -v conn="\"$1\"" '
		{ sub(/^[0-9]+ /, "") }
		$1 ~ /^#[0-9]+:$/ && $3 ~ /^esp\./ {
			c = $2; sub(/(\[[0-9]+\])?(:[0-9]+)?$/, "", c)
			if (c != conn) next
			o = $3; i = $4; sub(/^esp\./, "", o); sub(/@.*/, "", o)
			sub(/^esp\./, "", i); sub(/@.*/, "", i)
			out = o " " i
		}
		END { if (out == "") exit 1; print out }'
}

v1_ipsec_skua() {
	skua_whack "$1" --status 2>/dev/null | v1_spis_line "$2" || return 1
	# and in the state Quick Mode leaves it in
	skua_whack "$1" --status 2>/dev/null | grep -qE "\"$2\".* STATE_QUICK_(I2|R2) " &&
		skua_whack "$1" --trafficstatus 2>/dev/null | grep -qE "\"$2\".*, type=ESP, "
}

v1_ipsec_lsw() {
	lsw_whack "$1" --showstates 2>/dev/null | v1_spis_line "$2" || return 1
	lsw_whack "$1" --showstates 2>/dev/null | grep -qE "\"$2\".* STATE_QUICK_(I2|R2) "
}

v1_ipsec_sswan() { # swanctl --list-sas: "  conn: #1, reqid 1, INSTALLED, TUNNEL, ESP:..."
	sswan_swanctl "$1" --list-sas --ike "$2" 2>/dev/null | awk -v conn="$2" '
		$1 == conn ":" && /INSTALLED/ { inchild = 1; next }
		inchild && $1 == "in" { i = $2; sub(/_i$/, "", i); sub(/,$/, "", i) }
		inchild && $1 == "out" { o = $2; sub(/_o$/, "", o); sub(/,$/, "", o) }
		END { if (i == "" || o == "") exit 1; print o " " i }'
}

# The suite as each kind prints it, for the one V1 suite.
v1_want() {
	case "$1" in
	skua) echo "$V1_SUITE" ;;
	lsw) echo "$V1_SUITE_LSW" ;;
	sswan) echo "$V1_SUITE_SSWAN" ;;
	esac
}

v1_del() { # kind inst conn
	case "$1" in
	skua) skua_del_conn "$2" "$3" ;;
	lsw) lsw_del_conn "$2" "$3" ;;
	sswan) sswan_del_conn "$2" "$3" ;;
	esac
}

# The peers' initiate commands wait for Quick Mode, which never comes: they run in the
# background (bounded by their drivers' timeouts) and V1_BG is waited for after the case.
V1_BG=""
v1_initiate() {
	V1_BG=""
	case "$1" in
	skua)
		# with certificates, only Phase 1 is asserted: Quick Mode is not waited for
		if [ "$V1_CERT" != 0 ]; then
			skua_initiate "$2" "$3" &
			V1_BG=$!
		else
			skua_initiate "$2" "$3"
		fi
		;;
	lsw)
		lsw_initiate "$2" "$3" &
		V1_BG=$!
		;;
	sswan)
		sswan_initiate "$2" "$3" &
		V1_BG=$!
		;;
	esac
}

# Quick Mode with a peer. The host kernel has no ESP: the peer's own install fails
# ("Protocol not supported"), so neither libreswan nor strongSwan ever reports the IPsec
# SA established (libreswan stops before its Quick Mode answer or message 3, strongSwan
# deletes the child again). What is asserted: the peer took Skua's Quick Mode message
# (HASH, proposal, IDs, KE) and went on to install the IPsec SA under Skua's inbound SPI
# as Skua (--use-none) reports it; and when strongSwan answers Skua's request, Skua has
# the IPsec SA established with strongSwan's SPIs.
v1_qm_peer() { # initiator-inst responder-inst conn what
	local ii=$1 ri=$2 conn=$3 what=$4 sk pk spi log pat
	if [ "$(iop_kind "$ii")" = skua ]; then sk=$ii pk=$ri; else sk=$ri pk=$ii; fi
	spi=""
	iop_wait "$IOP_WAIT" v1_skua_spi_in "$sk" "$conn" >/dev/null &&
		spi=$(v1_skua_spi_in "$sk" "$conn")
	if [ -z "$spi" ]; then
		iop_not_ok "$what: Skua reports no Quick Mode SPI"
		return 1
	fi
	case "$(iop_kind "$pk")" in
	lsw) # libreswan prints the SPI without its leading zeros
		log="$(lsw_dir "$pk")/pluto.log" pat="Add SA esp.${spi#"${spi%%[!0]*}"}@" ;;
	sswan) log="$(sswan_dir "$pk")/charon.log" pat="adding SAD entry with SPI $spi " ;;
	esac
	if iop_wait "$IOP_WAIT" grep -qF "$pat" "$log"; then
		iop_ok "$what: the peer accepted Skua's Quick Mode and installs Skua's SPI $spi"
	else
		iop_not_ok "$what: the peer never installs Skua's inbound SPI $spi"
		return 1
	fi
	if [ "$sk" = "$ii" ] && [ "$(iop_kind "$pk")" = sswan ]; then
		# strongSwan answered: Skua's IPsec SA came up with strongSwan's SPI; strongSwan's
		# Delete after its failed install then removes it from Skua
		local out
		out=$(grep -E "\"$conn\" #[0-9]+: IPsec SA #[0-9]+ established" \
			"$(skua_dir "$sk")/pluto.log" | tail -n1 | sed -n 's/.*ESP=>0x\([0-9a-f]\{8\}\).*/\1/p')
		if [ -n "$out" ] && grep -qF "adding SAD entry with SPI $out " "$log"; then
			iop_ok "$what: Skua had the IPsec SA established with strongSwan's SPI $out"
		else
			iop_not_ok "$what: Skua's IPsec SA (outbound \"$out\") is not strongSwan's"
			return 1
		fi
		if iop_wait "$IOP_WAIT" grep -qE "\"$conn\" #[0-9]+: received Delete SA\(0x[0-9a-f]{8}\) payload: deleting IPsec SA" \
			"$(skua_dir "$sk")/pluto.log"; then
			iop_ok "$what: strongSwan's Delete of its failed IPsec SA removed Skua's"
		else
			iop_not_ok "$what: strongSwan's Delete of the IPsec SA did not reach Skua"
			return 1
		fi
	fi
	return 0
}

# With certificates: Skua verified the peer's certificate, the peer Skua's signature (RSA,
# or ECDSA), as each logs it; with ECDSA, Skua's ISAKMP SA established by ECDSA_P256.
v1_cert_logs() { # initiator-inst responder-inst what conn
	local sk pk pkind how
	if [ "$(iop_kind "$1")" = skua ]; then sk=$1 pk=$2; else sk=$2 pk=$1; fi
	pkind=$(iop_kind "$pk")
	how=$(grep -o "certificate 'C=CH, O=Skua Interop, OU=$V1_CERT, CN=$pkind.test' verified the peer @$pkind.test" \
		"$(skua_dir "$sk")/pluto.log" | tail -n1)
	if [ -n "$how" ]; then
		iop_ok "$3: Skua: $how"
	else
		iop_not_ok "$3: Skua did not log the peer's certificate as verified"
		return 1
	fi
	case "$pkind" in
	lsw) how=$(grep -o "authenticated peer '[^']*' signature using peer certificate '@skua.test' issued by CA '[^']*'" \
		"$(lsw_dir "$pk")/pluto.log" | tail -n1) ;;
	sswan) how=$(grep -o "authentication of 'skua.test' with [^ ]* successful" \
		"$(sswan_dir "$pk")/charon.log" | tail -n1) ;;
	esac
	if [ "$V1_CERT" = ecdsa ] && [[ "$how" != *ECDSA* ]]; then
		iop_not_ok "$3: $pkind did not log Skua's signature as ECDSA: \"$how\""
		return 1
	fi
	if [ -n "$how" ]; then
		iop_ok "$3: $pkind: $how"
	else
		iop_not_ok "$3: $pkind did not log Skua's $V1_CERT signature as accepted"
		return 1
	fi
	[ "$V1_CERT" = ecdsa ] || return 0
	how=$(grep -oE "\"$4\" #[0-9]+: ISAKMP SA established \{auth=ECDSA_P256 [^}]*\}" \
		"$(skua_dir "$sk")/pluto.log" | tail -n1)
	if [ -n "$how" ]; then
		iop_ok "$3: Skua: $how"
	else
		iop_not_ok "$3: Skua's ISAKMP SA was not established by ECDSA_P256 (method 9)"
		return 1
	fi
}

v1_case() { # initiator-inst responder-inst
	local ii=$1 ri=$2 ik rk conn psk ia ra what got_i got_r fail=0
	ik=$(iop_kind "$ii")
	rk=$(iop_kind "$ri")
	IOP_CASES=$((IOP_CASES + 1))
	conn=v1iop$IOP_CASES
	psk="ikev1-psk-$IOP_CASES-$RANDOM$RANDOM"
	ia=$(iop_addr "$ii" 4)
	ra=$(iop_addr "$ri" 4)
	local iid="@$ii.test" rid="@$ri.test"
	what="IKEv1 Main Mode PSK$V1_LABEL $ik($ii) -> $rk($ri)"
	[ "$V1_AGGR" = 1 ] && what="IKEv1 Aggressive Mode PSK$V1_LABEL $ik($ii) -> $rk($ri)"
	if [ "$V1_CERT" != 0 ]; then
		# the certificates' names
		local how=RSA
		[ "$V1_CERT" = ecdsa ] && how="ECDSA P-256"
		iid="@$ik.test" rid="@$rk.test"
		what="IKEv1 Main Mode $how certificates $ik($ii) -> $rk($ri)"
		[ "$V1_AGGR" = 1 ] && what="IKEv1 Aggressive Mode $how certificates $ik($ii) -> $rk($ri)"
	fi
	iop_log "case $IOP_CASES: $what"
	if ! "v1_add_$ik" "$ii" "$conn" "$ia" "$ra" "$iid" "$rid" "$psk" ||
		! "v1_add_$rk" "$ri" "$conn" "$ra" "$ia" "$rid" "$iid" "$psk"; then
		iop_not_ok "$what: loading the connection failed"
		v1_del "$ik" "$ii" "$conn" >/dev/null 2>&1
		v1_del "$rk" "$ri" "$conn" >/dev/null 2>&1
		return 0
	fi
	local irc=0
	v1_initiate "$ik" "$ii" "$conn" || irc=$?
	if [ "$ik" = skua ] && [ "$rk" = skua ]; then
		# whack --initiate: the whole story, ending with the IPsec SA, and status 0
		if [ "$irc" -eq 0 ] &&
			grep -qE "\"$conn\" #[0-9]+: IPsec SA #[0-9]+ established tunnel mode .*xfrm=$V1_ESP " \
				"$(skua_dir "$ii")/initiate.out"; then
			iop_ok "$what: whack --initiate reports the IPsec SA established, status 0"
		else
			iop_not_ok "$what: whack --initiate: status $irc, no IPsec SA established line"
			fail=1
		fi
	fi
	if iop_wait "$IOP_WAIT" "v1_up_$ik" "$ii" "$conn"; then
		iop_ok "$what: initiator has the ISAKMP SA established"
	else
		iop_not_ok "$what: initiator has no established ISAKMP SA after ${IOP_WAIT}s"
		fail=1
	fi
	if iop_wait "$IOP_WAIT" "v1_up_$rk" "$ri" "$conn"; then
		iop_ok "$what: responder has the ISAKMP SA established"
	else
		iop_not_ok "$what: responder has no established ISAKMP SA after ${IOP_WAIT}s"
		fail=1
	fi
	got_i=$("v1_up_$ik" "$ii" "$conn" 2>/dev/null) || true
	got_r=$("v1_up_$rk" "$ri" "$conn" 2>/dev/null) || true
	if [ "$got_i" = "$(v1_want "$ik")" ] && [ "$got_r" = "$(v1_want "$rk")" ]; then
		iop_ok "$what: both report $V1_SUITE"
	else
		iop_not_ok "$what: algorithms: initiator \"$got_i\", responder \"$got_r\""
		fail=1
	fi
	if [ "$V1_CERT" != 0 ]; then
		v1_cert_logs "$ii" "$ri" "$what" "$conn" || fail=1
		# ECDSA: the IPsec SA too (RSA's are the PSK cases' Quick Mode)
		[ "$V1_CERT" = ecdsa ] && { v1_qm_peer "$ii" "$ri" "$conn" "$what" || fail=1; }
		v1_finish_case "$ik" "$ii" "$rk" "$ri" "$conn" "$what" "$fail"
		return 0
	fi
	# Quick Mode: the IPsec SA, the initiator's outbound SPI the responder's inbound one
	local si sr
	if [ "$ik" != skua ] || [ "$rk" != skua ]; then
		v1_qm_peer "$ii" "$ri" "$conn" "$what" || fail=1
		v1_finish_case "$ik" "$ii" "$rk" "$ri" "$conn" "$what" "$fail"
		return 0
	fi
	if iop_wait "$IOP_WAIT" "v1_ipsec_$ik" "$ii" "$conn" >/dev/null; then
		iop_ok "$what: initiator has the IPsec SA established"
	else
		iop_not_ok "$what: initiator has no IPsec SA after ${IOP_WAIT}s"
		fail=1
	fi
	if iop_wait "$IOP_WAIT" "v1_ipsec_$rk" "$ri" "$conn" >/dev/null; then
		iop_ok "$what: responder has the IPsec SA established"
	else
		iop_not_ok "$what: responder has no IPsec SA after ${IOP_WAIT}s"
		fail=1
	fi
	si=$("v1_ipsec_$ik" "$ii" "$conn" 2>/dev/null | head -n1) || true
	sr=$("v1_ipsec_$rk" "$ri" "$conn" 2>/dev/null | head -n1) || true
	if [ -n "$si" ] && [ "${si% *}" = "${sr#* }" ] && [ "${si#* }" = "${sr% *}" ]; then
		iop_ok "$what: both sides have the same IPsec SA SPIs ($si)"
	else
		iop_not_ok "$what: IPsec SA SPIs differ: initiator out/in \"$si\", responder \"$sr\""
		fail=1
	fi
	v1_finish_case "$ik" "$ii" "$rk" "$ri" "$conn" "$what" "$fail"
	return 0
}

# The end of a case: the initiator's Delete (when all went well), the logs on failure.
v1_finish_case() { # ik ii rk ri conn what fail
	local ik=$1 ii=$2 rk=$3 ri=$4 conn=$5 what=$6 fail=$7
	if [ "$fail" -eq 0 ]; then
		"${ik}_terminate" "$ii" "$conn" || true
		if iop_wait "$IOP_WAIT" iop_not "v1_up_$ik" "$ii" "$conn" &&
			iop_wait "$IOP_WAIT" iop_not "v1_up_$rk" "$ri" "$conn"; then
			iop_ok "$what: the initiator's Delete removed the ISAKMP SA on both sides"
		else
			iop_not_ok "$what: the ISAKMP SA survived the initiator's Delete for ${IOP_WAIT}s"
			fail=1
		fi
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $("${ik}_logs" "$ii") $("${rk}_logs" "$ri")
	fi
	v1_del "$ik" "$ii" "$conn" >/dev/null 2>&1 || true
	v1_del "$rk" "$ri" "$conn" >/dev/null 2>&1 || true
	if [ -n "$V1_BG" ]; then
		wait "$V1_BG" 2>/dev/null # only that one: the daemons are children too
	fi
	return 0
}

# Aggressive Mode to a group (one PSK per peer ID, as a concentrator's IPsec/XAUTH groups
# are): Skua has a connection that takes any peer ID from the peer's address with another
# key ("<conn>any", added first, so the addresses alone would choose it) and the one that
# names the peer's ID with the peer's key. The peer initiates; Skua must answer on the
# connection that names it (message 1 carries the ID): the ISAKMP SA is up on both sides
# under that connection, none under the other, then the peer's Delete.
v1_group_case() { # peer-inst
	local pi=$1 pk conn psk pa ka what fail=0
	pk=$(iop_kind "$pi")
	IOP_CASES=$((IOP_CASES + 1))
	conn=v1grp$IOP_CASES
	psk="ikev1-group-psk-$IOP_CASES-$RANDOM$RANDOM"
	pa=$(iop_addr "$pi" 4)
	ka=$(iop_addr sk 4)
	what="IKEv1 Aggressive Mode PSK chosen by the peer's ID $pk($pi) -> skua(sk)"
	iop_log "case $IOP_CASES: $what"
	V1_AGGR=1
	if ! v1_add_skua sk "${conn}any" "$ka" "$pa" "@sk.test" "%any" "not-$psk" ||
		! v1_add_skua sk "$conn" "$ka" "$pa" "@sk.test" "@$pi.test" "$psk" ||
		! "v1_add_$pk" "$pi" "$conn" "$pa" "$ka" "@$pi.test" "@sk.test" "$psk"; then
		iop_not_ok "$what: loading the connections failed"
		fail=1
	else
		v1_initiate "$pk" "$pi" "$conn" || true
		if iop_wait "$IOP_WAIT" v1_up_skua sk "$conn" &&
			iop_wait "$IOP_WAIT" "v1_up_$pk" "$pi" "$conn"; then
			iop_ok "$what: the ISAKMP SA is established on both sides, on Skua's connection that names the peer"
		else
			iop_not_ok "$what: no ISAKMP SA on Skua's connection that names the peer after ${IOP_WAIT}s"
			fail=1
		fi
		if v1_up_skua sk "${conn}any" >/dev/null 2>&1; then
			iop_not_ok "$what: Skua answered on its connection for any ID"
			fail=1
		fi
	fi
	V1_AGGR=0
	skua_del_conn sk "${conn}any" >/dev/null 2>&1 || true
	v1_finish_case "$pk" "$pi" skua sk "$conn" "$what" "$fail"
}

# Phase 1 re-establishment with the IPsec SA held, Skua against Skua (the real peers'
# Quick Modes cannot finish on a host without ESP): the peer starts Main Mode PSK and
# Quick Mode, then each end in turn re-establishes the ISAKMP SA (whack --rekey-ike), four
# times. Each time the IPsec SA must stay on both ends with the same SPIs, and the old
# ISAKMP SA must be gone from both (the re-establishing end deletes it once the new one is
# up; the other end hands its IPsec SAs to the new one on that Delete). Both ends run a
# worker per core (two in CI): a peer's first Main Mode message is steered by its source
# address (docs/steering.md) to the worker where its older ISAKMP SA and IPsec SAs are.
# Steered by its cookie, about half of the re-establishments landed on the other worker,
# where nothing could take the IPsec SAs over, and they went with the old SA's Delete.
v1_isakmp_serials() { # inst conn: the serials of its established ISAKMP SAs, one a line
	skua_whack "$1" --status 2>/dev/null | awk -v conn="\"$2\"" '
		{ sub(/^[0-9]+ /, "") }
		$1 ~ /^#[0-9]+:$/ && $3 ~ /^STATE_(MAIN_I4|MAIN_R3)$/ {
			c = $2; sub(/:[0-9]+$/, "", c)
			if (c == conn) { s = $1; sub(/^#/, "", s); sub(/:$/, "", s); print s }
		}'
}

v1_replaced() { # inst conn old-serial: one ISAKMP SA, not old-serial
	local now
	now=$(v1_isakmp_serials "$1" "$2")
	[ -n "$now" ] && [ "$(echo "$now" | wc -l)" = 1 ] && [ "$now" != "$3" ]
}

# A second connection between the same ends and IDs (other selectors), started by the end
# that answered the ISAKMP SA: whack --initiate runs on the worker of the peer's address,
# where the peer's ISAKMP SA is, and its Quick Mode goes on that SA (no new Main Mode).
# Before, the initiate ran on a worker chosen by another hash than the steering's and
# started a second ISAKMP SA about half of the time.
v1_second_conn() { # peer-inst conn our-addr peer-addr what
	local pi=$1 c2=${2}b ka=$3 pa=$4 what=$5 i
	for i in sk "$pi"; do
		local la=$ka ra=$pa lid=@sk.test rid=@$pi.test lc=10.91.1.0/24 rc=10.91.2.0/24
		[ "$i" = sk ] || { la=$pa ra=$ka lid=@$pi.test rid=@sk.test lc=10.91.2.0/24 rc=10.91.1.0/24; }
		skua_whack "$i" --name "$c2" --ikev1 --psk --encrypt --tunnel --host "$la" --id "$lid" \
			--client "$lc" --to --host "$ra" --id "$rid" --client "$rc" \
			--ike "$V1_IKE_LSW" --esp "$V1_ESP_LSW" --pfs --keyingtries 1 --dontrekey \
			>>"$(skua_dir "$i")/load.out" 2>&1 || {
			iop_not_ok "$what: adding the second connection on $i failed"
			return 1
		}
	done
	if ! skua_initiate sk "$c2" || ! iop_wait "$IOP_WAIT" v1_ipsec_skua "$pi" "$c2" >/dev/null ||
		! v1_ipsec_skua sk "$c2" >/dev/null; then
		iop_not_ok "$what: the second connection's IPsec SA is not up on both ends"
		return 1
	fi
	if [ -n "$(v1_isakmp_serials sk "$c2")$(v1_isakmp_serials "$pi" "$c2")" ] ||
		[ "$(v1_isakmp_serials sk "$2" | wc -l)" != 1 ]; then
		iop_not_ok "$what: the second connection made an ISAKMP SA of its own (sk: '$(v1_isakmp_serials sk "$c2" | tr '\n' ' ')', $pi: '$(v1_isakmp_serials "$pi" "$c2" | tr '\n' ' ')')"
		return 1
	fi
	iop_ok "$what: the answering end's whack --initiate of a second connection ran Quick Mode on the peer's ISAKMP SA"
	skua_del_conn sk "$c2" >/dev/null 2>&1
	skua_del_conn "$pi" "$c2" >/dev/null 2>&1
	return 0
}

v1_reestablish_case() { # peer-inst (a Skua)
	local pi=$1 conn psk pa ka what fail=0 spis_sk spis_pi r by osk opi
	IOP_CASES=$((IOP_CASES + 1))
	conn=v1re$IOP_CASES
	psk="ikev1-reestablish-psk-$IOP_CASES-$RANDOM$RANDOM"
	pa=$(iop_addr "$pi" 4)
	ka=$(iop_addr sk 4)
	what="IKEv1 Phase 1 re-establishment keeps the IPsec SA skua($pi) <-> skua(sk)"
	iop_log "case $IOP_CASES: $what"
	if ! v1_add_skua sk "$conn" "$ka" "$pa" "@sk.test" "@$pi.test" "$psk" ||
		! v1_add_skua "$pi" "$conn" "$pa" "$ka" "@$pi.test" "@sk.test" "$psk"; then
		iop_not_ok "$what: loading the connections failed"
		fail=1
	elif ! skua_initiate "$pi" "$conn" ||
		! iop_wait "$IOP_WAIT" v1_ipsec_skua sk "$conn" >/dev/null ||
		! iop_wait "$IOP_WAIT" v1_ipsec_skua "$pi" "$conn" >/dev/null; then
		iop_not_ok "$what: no IPsec SA on both ends to begin with"
		fail=1
	else
		spis_sk=$(v1_ipsec_skua sk "$conn")
		spis_pi=$(v1_ipsec_skua "$pi" "$conn")
		v1_second_conn "$pi" "$conn" "$ka" "$pa" "$what" || fail=1
		for r in 1 2 3 4; do
			by=$pi
			[ $((r % 2)) = 0 ] && by=sk
			osk=$(v1_isakmp_serials sk "$conn")
			opi=$(v1_isakmp_serials "$pi" "$conn")
			if ! skua_whack "$by" --name "$conn" --rekey-ike >>"$(skua_dir "$by")/initiate.out" 2>&1; then
				iop_not_ok "$what: whack --rekey-ike on $by failed (round $r)"
				fail=1
				break
			fi
			if ! iop_wait "$IOP_WAIT" v1_replaced sk "$conn" "$osk" ||
				! iop_wait "$IOP_WAIT" v1_replaced "$pi" "$conn" "$opi"; then
				iop_not_ok "$what: round $r (by $by): the ISAKMP SA was not replaced on both ends (sk: #$osk -> $(v1_isakmp_serials sk "$conn" | tr '\n' ' '), $pi: #$opi -> $(v1_isakmp_serials "$pi" "$conn" | tr '\n' ' '))"
				fail=1
				break
			fi
			if [ "$(v1_ipsec_skua sk "$conn")" != "$spis_sk" ] ||
				[ "$(v1_ipsec_skua "$pi" "$conn")" != "$spis_pi" ]; then
				iop_not_ok "$what: round $r (by $by): the IPsec SA did not stay (sk: '$spis_sk' -> '$(v1_ipsec_skua sk "$conn")', $pi: '$spis_pi' -> '$(v1_ipsec_skua "$pi" "$conn")')"
				fail=1
				break
			fi
		done
		[ "$fail" = 0 ] &&
			iop_ok "$what: four re-establishments, by each end in turn: each time one new ISAKMP SA on both ends, the IPsec SA kept with its SPIs ($spis_sk)"
	fi
	v1_finish_case skua "$pi" skua sk "$conn" "$what" "$fail"
}

# 3DES when named (libreswan and strongSwan take it then; no one proposes it by default):
# Main Mode PSK and Quick Mode as v1_case's, under 3DES-CBC and HMAC-SHA1, each side
# initiating.
v1_3des_cases() { # peer-inst
	local V1_IKE_LSW="3des-sha1;modp2048" V1_IKE_SSWAN="3des-sha1-modp2048"
	local V1_SUITE="3DES_CBC_192-HMAC_SHA1-MODP2048" V1_SUITE_LSW="3DES_CBC_192-HMAC_SHA1-MODP2048"
	local V1_SUITE_SSWAN="3DES_CBC-HMAC_SHA1-MODP2048" # its --list-sas has no key size
	local V1_ESP_LSW="3des-sha1" V1_ESP_SSWAN="3des-sha1-modp2048" V1_ESP="3DES_CBC-HMAC_SHA1_96"
	local V1_LABEL=" 3DES"
	v1_case sk "$1"
	v1_case "$1" sk
}

iop_init
# shellcheck disable=SC2119 # the default namespace names
iop_netns_pair
printf 'config setup\n    ikev1-policy=accept\n' >"$IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034 # read by skua_start (skua.sh) and lsw_start (lib.sh)
SKUA_PLUTO_ARGS="--config $IOP_TMP/skua-ikev1.conf"
# shellcheck disable=SC2034
LSW_IKEV1_POLICY=accept
# shellcheck disable=SC2034
SKUA_STACK=none
# Skua's certificate store, read at start (the certificate cases)
PKI=$IOP_TMP/pki
iop_pki_make "$PKI" rsa rsa rsa
SKUA_IPSECDIR=$IOP_TMP/skua-ipsec.d
mkdir -p "$SKUA_IPSECDIR/certs" "$SKUA_IPSECDIR/cacerts" "$SKUA_IPSECDIR/private" "$SKUA_IPSECDIR/crls"
cp "$PKI/skua.pem" "$SKUA_IPSECDIR/certs/skua-rsa.pem"
cp "$PKI/skua.key" "$SKUA_IPSECDIR/private/skua-rsa.key"
cp "$PKI/ca.pem" "$SKUA_IPSECDIR/cacerts/ca-rsa.pem"
chmod 600 "$SKUA_IPSECDIR/private/skua-rsa.key"
PKI_EC=$IOP_TMP/pki-ec
iop_pki_make "$PKI_EC" p256 ecdsa
cp "$PKI_EC/skua.pem" "$SKUA_IPSECDIR/certs/skua-ecdsa.pem"
cp "$PKI_EC/skua.key" "$SKUA_IPSECDIR/private/skua-ecdsa.key"
cp "$PKI_EC/ca.pem" "$SKUA_IPSECDIR/cacerts/ca-ecdsa.pem"
chmod 600 "$SKUA_IPSECDIR/private/skua-ecdsa.key"
export SKUA_IPSECDIR
# strongSwan answers Aggressive Mode with PSK only when told so (charon's own knob), the
# quick retransmits are lib.sh's
# shellcheck disable=SC2034 # read by sswan_start (lib.sh)
SSWAN_TUNING="retransmit_timeout = 1.0
retransmit_base = 1.4
i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
iop_start skua sk "$NS_L"
# IOP_V1_PEERS picks the peers (default all three)
for peer in ${IOP_V1_PEERS:-lsw:ls sswan:sw skua:sk2}; do
	iop_start "${peer%%:*}" "${peer#*:}" "$NS_R"
	if [ "${peer%%:*}" = skua ]; then
		v1_reestablish_case "${peer#*:}"
		# IOP_V1_ONLY=reestablish: that case alone
		[ "${IOP_V1_ONLY:-}" = reestablish ] && { iop_stop "${peer#*:}"; continue; }
	fi
	V1_AGGR=0
	v1_case sk "${peer#*:}"
	v1_case "${peer#*:}" sk
	V1_AGGR=1
	v1_case sk "${peer#*:}"
	v1_case "${peer#*:}" sk
	V1_AGGR=0
	v1_group_case "${peer#*:}"
	v1_3des_cases "${peer#*:}"
	if [ "${peer%%:*}" != skua ]; then
		[ "${peer%%:*}" = lsw ] && lsw_import_pki "${peer#*:}" "$PKI" rsa
		V1_CERT=rsa
		v1_case sk "${peer#*:}"
		v1_case "${peer#*:}" sk
		if [ "${IOP_V1_CERT_AGGR:-0}" = 1 ]; then
			# Aggressive Mode with certificates too (off by default: CI time)
			V1_AGGR=1
			v1_case sk "${peer#*:}"
			v1_case "${peer#*:}" sk
			V1_AGGR=0
		fi
		if [ "${peer%%:*}" = sswan ]; then
			V1_CERT=ecdsa
			v1_case sk "${peer#*:}"
			v1_case "${peer#*:}" sk
		else
			iop_log "libreswan 4.10's IKEv1 has no ECDSA (RFC 4754): no ECDSA case with it"
		fi
		V1_CERT=0
	fi
	iop_stop "${peer#*:}"
done
iop_stop sk
iop_finish
