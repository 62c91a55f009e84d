# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/interop/skua.sh: the interop driver for Skua (kind "skua"), sourced by lib.sh.
# See README.md, "Adding Skua", for the contract of each verb.
#
# Skua's pluto runs with --use-$SKUA_STACK (read at each skua_start; default none: no
# kernel programming, its Child SAs "install" without touching XFRM, so unlike the peers
# it never fails one here; netkey: XFRM, whose missing ESP makes it refuse the child as
# the peers do), --rundir and --secretsfile in the instance directory, logging to stderr
# (pluto.log). It is driven with Skua's whack, which takes libreswan's whack options.
# --ipsecdir is $SKUA_IPSECDIR, or the instance's own ipsec.d (empty unless a test fills it).
# Programs come from $BUILD (default build/default): $BUILD/src/pluto/pluto and
# $BUILD/tools/whack/whack, or SKUA_PLUTO and SKUA_WHACK.
#
# The negotiated IKE algorithms come from whack --status (libreswan's state line, then
# Skua's own fields):
#   #1: "C":500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 2580s; newest;
#       idle; initiator; AES_CBC_256-HMAC_SHA2_256-DH19; up 0s; worker 0;
# The suite is ENCR[-INTEG]-PRF[-DH] (proposal_suite_str): INTEG is printed only when
# it is not the one that goes with the PRF (HMAC_SHA2_256 -> HMAC_SHA2_256_128) and
# never for an AEAD cipher, so it is recovered exactly from the other fields.

SKUA_STACK=${SKUA_STACK:-none} # pluto --use-$SKUA_STACK: none or netkey (XFRM)

# The programs, resolved when used, so a script may set BUILD after sourcing lib.sh.
skua_pluto_bin() { echo "${SKUA_PLUTO:-${BUILD:-$IOP_TOP/build/default}/src/pluto/pluto}"; }
skua_whack_bin() { echo "${SKUA_WHACK:-${BUILD:-$IOP_TOP/build/default}/tools/whack/whack}"; }

skua_dir() { echo "$IOP_TMP/$1"; }

# skua_whack <inst> <whack options...>: Skua's whack against the instance, bounded.
skua_whack() {
	local d
	d=$(skua_dir "$1")
	shift
	timeout "$((IOP_WAIT + 5))" "$(skua_whack_bin)" --rundir "$d/run" "$@"
}

skua_start() {
	local inst=$1 ns=$2 d
	if [ ! -x "$(skua_pluto_bin)" ] || [ ! -x "$(skua_whack_bin)" ]; then
		iop_die "Skua not built (set BUILD): need $(skua_pluto_bin) and $(skua_whack_bin)"
	fi
	d=$(skua_dir "$inst")
	mkdir -p "$d/run" "$d/secrets"
	: >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	# The run dir is also bound over /run, so nothing of the host's /run/pluto is seen.
	# SKUA_PLUTO_ARGS: more pluto options, split into words (--config FILE, ...).
	# shellcheck disable=SC2086
	iop_spawn "$ns" "$d/pluto.log" "$d/run" /run -- \
		"$(skua_pluto_bin)" --nofork --stderrlog "--use-$SKUA_STACK" --rundir "$d/run" \
		--secretsfile "$d/ipsec.secrets" --ipsecdir "${SKUA_IPSECDIR:-$d/ipsec.d}" \
		${SKUA_PLUTO_ARGS:-}
	eval "SKUA_PID_$inst=$IOP_SPAWNED"
	if ! iop_wait_daemon "$IOP_SPAWNED" "$IOP_WAIT" skua_whack "$inst" --status; then
		iop_dump "$d/pluto.log"
		iop_die "Skua instance $inst: pluto exited or did not answer whack in ${IOP_WAIT}s"
	fi
	# find the veth addresses (IPv4 and IPv6) now that they exist
	skua_whack "$inst" --listen >"$d/listen.out" 2>&1 ||
		iop_die "Skua instance $inst: whack --listen failed: $(cat "$d/listen.out")"
}

skua_stop() {
	local pid
	eval "pid=\${SKUA_PID_$1:-}"
	[ -n "$pid" ] || return 0
	skua_whack "$1" --shutdown >/dev/null 2>&1 || true
	iop_stop_pid "$pid"
	eval "SKUA_PID_$1="
}

# Skua's whack takes libreswan's proposal syntax.
skua_proposals() { lsw_proposals "$@"; }

# Like lsw: ipsec.secrets is rebuilt from one piece per connection, so a removed
# connection's PSK does not linger.
skua_reread_secrets() {
	local d
	d=$(skua_dir "$1")
	iop_cat "$d"/secrets/*.secrets >"$d/ipsec.secrets"
	skua_whack "$1" --rereadsecrets
}

# skua_add_psk_conn inst conn la ra lid rid psk ike esp [lsub rsub]: host to
# host, or subnet to subnet when the client subnets are given. SKUA_CONN_OPTS (words,
# default --dontrekey) are more whack options for it, such as lifetimes and --pfs.
skua_add_psk_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 lid=$5 rid=$6 psk=$7 ike=$8 esp=$9 d
	local lsub=${10:-} rsub=${11:-}
	d=$(skua_dir "$inst")
	printf '%s %s : PSK "%s"\n' "$lid" "$rid" "$psk" >"$d/secrets/$conn.secrets"
	# shellcheck disable=SC2086 # SKUA_CONN_OPTS is a list of words
	{
		skua_reread_secrets "$inst" &&
			skua_whack "$inst" --name "$conn" --ikev2 --psk --encrypt --tunnel \
				--host "$la" --id "$lid" ${lsub:+--client} ${lsub:+"$lsub"} \
				--to --host "$ra" --id "$rid" ${rsub:+--client} ${rsub:+"$rsub"} \
				--ike "$ike" --esp "$esp" --keyingtries 1 ${SKUA_CONN_OPTS---dontrekey}
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

skua_del_conn() {
	local d
	d=$(skua_dir "$1")
	rm -f "$d/secrets/$2.secrets"
	skua_whack "$1" --name "$2" --delete >>"$d/delete.out" 2>&1
	skua_reread_secrets "$1" >/dev/null 2>&1
}

# whack --initiate returns when the IKE SA and its child are up (0) or failed (non-zero);
# the peer refuses the child here (its kernel has no ESP), so the status is not judged.
skua_initiate() {
	local d
	d=$(skua_dir "$1")
	echo "### initiate $2" >>"$d/initiate.out"
	skua_whack "$1" --name "$2" --initiate >>"$d/initiate.out" 2>&1
}

skua_terminate() {
	local d
	d=$(skua_dir "$1")
	echo "### terminate $2" >>"$d/terminate.out"
	skua_whack "$1" --name "$2" --terminate >>"$d/terminate.out" 2>&1
}

# skua_ike_suite <inst> <conn>: the suite string of the newest established IKE SA of
# <conn> from whack --status; status 1 if there is none.
skua_ike_suite() {
	skua_whack "$1" --status 2>/dev/null | awk -v conn="\"$2\"" '
		{ sub(/^[0-9]+ /, "") }
		$1 ~ /^#[0-9]+:$/ && $2 ~ /:[0-9]+$/ && $3 == "STATE_V2_ESTABLISHED_IKE_SA" &&
			match($0, /; (initiator|responder); [^;]*;/) {
			c = $2; sub(/:[0-9]+$/, "", c)
			if (c != conn) next
			s = substr($1, 2, length($1) - 2) + 0
			t = substr($0, RSTART, RLENGTH); sub(/^; [a-z]+; /, "", t); sub(/;$/, "", t)
			if (best == "" || s > best) {
				best = s
				suite = t
			}
		}
		END { if (best == "") exit 1; print suite }'
}

skua_ike_established() {
	skua_ike_suite "$1" "$2" >/dev/null
}

skua_ike_algs() {
	skua_ike_suite "$1" "$2" | awk -F- '
		{
			encr = $1
			if (NF == 4) { integ = $2; prf = $3; dh = $4 }
			else if (NF == 3) { prf = $2; dh = $3 }
			else exit 1
			if (NF == 3) {
				if (encr ~ /^(AES_GCM|CHACHA20_POLY1305|AES_CCM)/) integ = "none"
				else {
					m["HMAC_SHA1"] = "HMAC_SHA1_96"
					m["HMAC_SHA2_256"] = "HMAC_SHA2_256_128"
					m["HMAC_SHA2_384"] = "HMAC_SHA2_384_192"
					m["HMAC_SHA2_512"] = "HMAC_SHA2_512_256"
					m["HMAC_MD5"] = "HMAC_MD5_96"
					m["AES128_XCBC"] = "AES_XCBC_96"
					integ = m[prf]
					if (integ == "") exit 1
				}
			}
			if (integ == "NONE") integ = "none"
			g["MODP1024"] = 2; g["MODP1536"] = 5; g["MODP2048"] = 14
			g["MODP3072"] = 15; g["MODP4096"] = 16; g["MODP6144"] = 17; g["MODP8192"] = 18
			if (dh in g) dh = g[dh]
			else sub(/^DH/, "", dh)
			printf "encr=%s integ=%s prf=%s dh=%s\n", encr, integ, prf, dh
			found = 1
		}
		END { exit !found }'
}

# The SA views (see sswan_states in lib.sh): whack --showstates prints libreswan 4.x's
# state lines (tests/data/libreswan-4.10), listing only installed Child SAs, each under
# its own connection, so libreswan's readers serve; a line without libreswan's
# numeric prefix gets one, so the fields are where lsw_*_in expect them.
skua_states() {
	skua_whack "$1" --showstates 2>/dev/null | awk '/^[0-9]+ / { print; next } { print "000 " $0 }'
}

skua_ike_ids_in() { lsw_ike_ids_in "$@"; }
skua_children_in() { lsw_children_in "$@"; }

skua_ike_ids() { skua_states "$1" | skua_ike_ids_in "$2"; }
skua_children() { skua_states "$1" | skua_children_in "$2"; }

skua_logs() {
	local d
	d=$(skua_dir "$1")
	echo "$d/pluto.log $d/load.out $d/initiate.out $d/terminate.out"
}
