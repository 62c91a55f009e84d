# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# tests/interop/lib.sh: run IKE daemons in network namespaces and make them talk.
# Sourced by bash scripts that run as root after scripts/setup-peers; see README.md.
#
#   . tests/interop/lib.sh
#   iop_init                          # temp dir, cleanup trap, stale namespaces reaped
#   iop_netns_pair                    # NS_L and NS_R joined by a veth pair
#   iop_start sswan sw "$NS_L"        # strongSwan charon: kind "sswan", instance "sw"
#   iop_start lsw ls "$NS_R"          # libreswan pluto: kind "lsw", instance "ls"
#   iop_run_case sw ls gcm256-x25519 4   # sw initiates to ls over IPv4: asserts
#   iop_finish                        # "N passed, N failed", non-zero on failure
#
# A kind is a driver: a set of shell functions <kind>_<verb>. The kinds here are sswan
# (strongSwan 5.9.8) and lsw (libreswan 4.10); Skua plugs in as kind "skua" by defining
# the same verbs (README.md, "Adding Skua"):
#   <kind>_start INST NS          start the daemon in network namespace NS; wait until it
#                                 answers its control channel; die on failure
#   <kind>_stop INST              stop it (bounded)
#   <kind>_proposals SUITE        print "IKE-PROPOSAL ESP-PROPOSAL" in the kind's syntax
#   <kind>_add_psk_conn INST CONN LOCAL-ADDR REMOTE-ADDR LOCAL-ID REMOTE-ID PSK IKE ESP
#                                 load an IKEv2 PSK connection with one host-to-host
#                                 tunnel child; non-zero on failure
#   <kind>_del_conn INST CONN     unload it (and any SA left)
#   <kind>_initiate INST CONN     initiate; returns when the daemon reports the outcome
#                                 (bounded); its status is not judged (the child always
#                                 fails here, see below)
#   <kind>_terminate INST CONN    delete the IKE SA, sending the Delete (bounded)
#   <kind>_ike_established INST CONN   true if an IKE SA of CONN is established
#   <kind>_ike_algs INST CONN     print the canonical algorithm line of that IKE SA
#   <kind>_logs INST              print the paths of the logs to show after a failure
#
# Canonical algorithm line (the same for every kind):
#   encr=AES_GCM_16_256 integ=none prf=HMAC_SHA2_256 dh=31
#   encr=AES_CBC_256 integ=HMAC_SHA2_256_128 prf=HMAC_SHA2_256 dh=19
# encr and integ are IANA IKEv2 transform names without the ENCR_/AUTH_ prefix, encr
# with "_<key bits>" appended; prf without PRF_; dh the IANA group number.
#
# Every instance owns $IOP_TMP/<inst>: its generated configuration, run directory and
# logs. Each daemon runs in its own mount namespace as well, so no system path
# (/run/charon.pid, /run/pluto, /etc/ipsec.*, /etc/swanctl, /etc/strongswan.conf) is
# read or written, and no system service is started. Every wait is bounded by IOP_WAIT.
#
# The host kernel has XFRM but no ESP: every Child SA install fails with ENOSYS. Both
# peers keep the IKE SA (charon: "failed to establish CHILD_SA, keeping IKE_SA"; pluto:
# "setup_half_ipsec_sa() hit fail" then the peer's NO_PROPOSAL_CHOSEN), so a case counts
# the IKE SA only.

IOP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IOP_TOP=$(cd "$IOP_DIR/../.." && pwd)
IOP_PEERS=${SKUA_PEERS_DIR:-$IOP_TOP/build/peers}
LSW_ROOT=$IOP_PEERS/libreswan-root
LSW_BIN=$LSW_ROOT/usr/libexec/ipsec
CHARON=${CHARON:-/usr/lib/ipsec/charon}
IOP_WAIT=${IOP_WAIT:-15} # seconds: the bound on every wait for a daemon or an SA

IOP_PIDS=""  # daemons we started
IOP_NETNS="" # namespaces we created
IOP_TMP=""
IOP_FAILS=0
IOP_PASSES=0
IOP_CASES=0

iop_log() { echo "# $*"; }

iop_die() {
	echo "interop: error: $*" >&2
	exit 1
}

iop_ok() {
	IOP_PASSES=$((IOP_PASSES + 1))
	echo "ok - $*"
}

iop_not_ok() {
	IOP_FAILS=$((IOP_FAILS + 1))
	echo "not ok - $*"
}

# iop_finish: the plain summary line; the status is non-zero on any failure.
iop_finish() {
	echo "$IOP_PASSES passed, $IOP_FAILS failed"
	[ "$IOP_FAILS" -eq 0 ]
}

# iop_wait <seconds> <command...>: poll every 0.2 s until the command succeeds.
iop_wait() {
	local end
	end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# iop_wait_daemon <pid> <seconds> <command...>: iop_wait that gives up at once when the
# daemon <pid> has exited.
iop_wait_daemon() {
	local pid=$1 end
	end=$((SECONDS + $2))
	shift 2
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# iop_not <command...>: negate, for iop_wait.
iop_not() { ! "$@"; }

# iop_init: check the prerequisites, make the temp dir, install the cleanup trap and
# remove namespaces left by runs whose shell is gone.
iop_init() {
	[ "$(id -u)" -eq 0 ] || iop_die "run as root: the tests create network namespaces"
	local t
	for t in ip unshare timeout ping; do
		command -v "$t" >/dev/null || iop_die "$t not found: run scripts/setup-peers"
	done
	IOP_TMP=$(mktemp -d /tmp/skua-iop.XXXXXX) || iop_die "mktemp -d in /tmp failed"
	IOP_PREFIX="skua-iop-$$"
	trap iop_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	iop_reap_stale
}

# Namespaces named skua-iop-<pid>-* whose <pid> is gone were left by a killed run.
iop_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in skua-iop-*-*) ;; *) continue ;; esac
		pid=${ns#skua-iop-}
		pid=${pid%%-*}
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		kill -0 "$pid" 2>/dev/null && continue
		iop_log "removing stale namespace $ns"
		iop_netns_del "$ns"
	done
}

# iop_netns_del <ns>: kill what still runs in the namespace (we start processes only in
# namespaces we created), then delete it.
iop_netns_del() {
	local ns=$1 pids
	pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
	# shellcheck disable=SC2086 # a list of pids
	if [ -n "${pids// /}" ]; then
		kill -TERM $pids 2>/dev/null
		sleep 0.3
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -n "${pids// /}" ] && kill -KILL $pids 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null || true
}

# iop_stop_pid <pid>: TERM, up to 5 s, then KILL.
iop_stop_pid() {
	local pid=$1 _
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

iop_cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM HUP
	set +e
	for pid in $IOP_PIDS; do
		iop_stop_pid "$pid"
	done
	for ns in $IOP_NETNS; do
		iop_netns_del "$ns"
	done
	if [ -n "$IOP_TMP" ] && [ -d "$IOP_TMP" ]; then
		if [ -n "${IOP_KEEP:-}" ] || [ "$rc" -ne 0 ]; then
			echo "# configurations and logs kept in $IOP_TMP"
		else
			rm -rf "$IOP_TMP"
		fi
	fi
	exit "$rc"
}

# iop_netns_pair [left right]: two namespaces joined by a veth pair (veth0 in the left,
# veth1 in the right), loopback up, IPv6 without DAD so the addresses work at once.
# Sets NS_L NS_R and the addresses L4=192.0.2.1 R4=192.0.2.2 L6=2001:db8::1 R6=2001:db8::2.
# Interfaces are created inside the namespaces, so their names never collide.
iop_netns_pair() {
	NS_L=${1:-$IOP_PREFIX-l}
	NS_R=${2:-$IOP_PREFIX-r}
	L4=192.0.2.1
	R4=192.0.2.2
	L6=2001:db8::1
	R6=2001:db8::2
	local ns
	for ns in "$NS_L" "$NS_R"; do
		ip netns add "$ns" || iop_die "ip netns add $ns failed"
		IOP_NETNS="$IOP_NETNS $ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1 || true
	done
	ip -n "$NS_L" link add veth0 type veth peer name veth1 netns "$NS_R" ||
		iop_die "veth pair $NS_L/veth0 - $NS_R/veth1 failed"
	if ! { ip -n "$NS_L" addr add "$L4/24" dev veth0 &&
		ip -n "$NS_R" addr add "$R4/24" dev veth1 &&
		ip -n "$NS_L" addr add "$L6/64" dev veth0 nodad &&
		ip -n "$NS_R" addr add "$R6/64" dev veth1 nodad &&
		ip -n "$NS_L" link set veth0 up &&
		ip -n "$NS_R" link set veth1 up; }; then
		iop_die "addressing the veth pair failed"
	fi
	iop_wait 5 ip netns exec "$NS_L" ping -c1 -W1 "$R4" ||
		iop_die "no IPv4 reachability $NS_L -> $NS_R over the veth pair"
	iop_wait 5 ip netns exec "$NS_L" ping -6 -c1 -W1 "$R6" ||
		iop_die "no IPv6 reachability $NS_L -> $NS_R over the veth pair"
}

# iop_addr <inst> <4|6>: the address of the instance's end of the veth pair.
iop_addr() {
	local ns
	eval "ns=\${IOP_NS_$1:-}"
	case "$ns:$2" in
	"$NS_L:4") echo "$L4" ;;
	"$NS_L:6") echo "$L6" ;;
	"$NS_R:4") echo "$R4" ;;
	"$NS_R:6") echo "$R6" ;;
	*) iop_die "iop_addr $1 $2: unknown instance or family" ;;
	esac
}

iop_kind() { eval "echo \${IOP_KIND_$1:-}"; }

# iop_spawn <ns> <logfile> [<bind-src> <bind-dst>]... -- <cmd...>
# Start <cmd> in the background in network namespace <ns> and in a new private mount
# namespace where each bind-src is bound over bind-dst. ip netns exec, unshare (without
# --fork) and sh all exec, so IOP_SPAWNED is the daemon's own pid.
iop_spawn() {
	local ns=$1 log=$2
	shift 2
	local binds=()
	while [ "$1" != "--" ]; do
		binds+=("$1" "$2")
		shift 2
	done
	shift
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	ip netns exec "$ns" unshare --mount --propagation private sh -c '
		while [ "$1" != "--" ]; do
			mount --bind "$1" "$2" || exit 97
			shift 2
		done
		shift
		exec "$@"' sh "${binds[@]}" -- "$@" >"$log" 2>&1 </dev/null &
	IOP_SPAWNED=$!
	IOP_PIDS="$IOP_PIDS $IOP_SPAWNED"
}

# lsw_cp_server_add <inst> <address> <pool> <psk>: libreswan instance <inst> as a
# Configuration payload server for Skua's --modecfgclient (skua_cp.sh case 4 and
# tests/kernel/lsw_cp.sh): conn cpsrv, @lswgw at <address> giving @skcl an address
# of <pool> (rightaddresspool=), DNS 192.0.2.54 and the domain lsw.example; PSK <psk>.
lsw_cp_server_add() {
	local inst=$1 addr=$2 pool=$3 psk=$4 lgd
	lgd=$(lsw_dir "$inst")
	cat >"$lgd/conns/cpsrv.conf" <<EOF
conn cpsrv
    ikev2=insist
    authby=secret
    left=$addr
    leftid=@lswgw
    leftsubnet=0.0.0.0/0
    leftmodecfgserver=yes
    right=%any
    rightid=@skcl
    rightaddresspool=$pool
    rightmodecfgclient=yes
    modecfgdns=192.0.2.54
    modecfgdomains=lsw.example
    ike=aes_gcm256-sha2_256-dh31
    esp=aes_gcm256
    type=tunnel
    leftupdown=%disabled
    rekey=no
    auto=add
EOF
	printf '@lswgw @skcl : PSK "%s"\n' "$psk" >"$lgd/secrets/cpsrv.secrets"
	lsw_reread_secrets "$inst" >/dev/null 2>&1
	timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$lgd/ipsec.conf" --ctlsocket "$lgd/run/pluto.ctl" \
		cpsrv >"$lgd/load.out" 2>&1 || sed 's/^/#   /' "$lgd/load.out"
}

# iop_skua_case_end <fail> <what> <ik> <ii> <rk> <ri> <conn> <peer kind> <peer inst>:
# the end of one Skua-with-a-peer case (skua_certs.sh, skua_frag.sh). With
# nothing failed so far (<fail> 0), the initiator's --terminate must take the
# IKE SA off both sides; after any failure, Skua's (instance sk) and the
# peer's log tails; the connection is then removed from both. Returns 1 when
# the case failed (before or here).
iop_skua_case_end() {
	local fail=$1 what=$2 ik=$3 ii=$4 rk=$5 ri=$6 conn=$7 peer=$8 pk=$9
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
		iop_dump $(skua_logs sk) $("${peer}_logs" "$pk")
	fi
	skua_del_conn sk "$conn" || true
	"${peer}_del_conn" "$pk" "$conn" || true
	[ "$fail" -eq 0 ]
}

# iop_cat <file...>: cat the files that exist (an unmatched glob is no error).
iop_cat() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then cat "$f"; fi
	done
}

# iop_dump <file...>: the tail of each log, after a failure.
iop_dump() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "# --- tail of $f"
		grep -v "vici client" "$f" | tail -n 25 | sed 's/^/#   /'
	done
}

# iop_wire_start <tag> (after iop_netns_pair; $BUILD/tests/pcount, the kernel tests):
# pcount at both ends of the veth logs every packet each end sends (the kernel's time,
# ESP SPI and sequence number, IKE exchange and message ID) to $IOP_TMP/wire.<tag>.l
# (the left namespace's) and wire.<tag>.r (the right's), to put the wire in order with
# the daemons' logs. iop_wire_stop ends it; iop_wire_spis <file> sums one end's ESP by SPI.
IOP_WIRE_PIDS=()
iop_wire_start() {
	local e s ns dev
	for e in l:"$NS_L":veth0 r:"$NS_R":veth1; do
		IFS=: read -r s ns dev <<<"$e"
		rm -f "$IOP_TMP/pc.$1.$s.ready"
		ip netns exec "$ns" "$BUILD/tests/pcount" "$dev" "$IOP_TMP/pc.$1.$s" \
			"$IOP_TMP/wire.$1.$s" &
		IOP_WIRE_PIDS+=($!)
		iop_wait 5 test -e "$IOP_TMP/pc.$1.$s.ready" || echo "# pcount on $dev did not start"
	done
}
iop_wire_stop() {
	[ ${#IOP_WIRE_PIDS[@]} -gt 0 ] || return 0
	kill -TERM "${IOP_WIRE_PIDS[@]}" 2>/dev/null
	wait "${IOP_WIRE_PIDS[@]}" 2>/dev/null
	IOP_WIRE_PIDS=()
}
# iop_wire_spis <wire file>: "spi N packets, seq A-B, first T1, last T2", one line per SPI
iop_wire_spis() {
	[ -s "$1" ] || return 0
	awk '{ for (i = 1; i < NF; i++) if ($i == "spi") {
		k = $(i + 1); q = $(i + 3); if (!(k in n)) { first[k] = $1; lo[k] = q; o[++m] = k }
		n[k]++; last[k] = $1; hi[k] = q } }
	END { for (j = 1; j <= m; j++) { k = o[j]
		print k, n[k], lo[k], hi[k], first[k], last[k] } }' "$1" |
		while read -r k n lo hi first last; do
			# the daemons' logs' clock (local time of day)
			echo "$k $n packets, seq $lo-$hi, first $(date -d "@$first" +%T.%6N)," \
				"last $(date -d "@$last" +%T.%6N)"
		done
}

iop_pki_alg() { # <kind>: openssl req's key options for it in IOP_PKI_ALG
	case "$1" in
	rsa) IOP_PKI_ALG=(-newkey rsa:2048) ;;
	p256) IOP_PKI_ALG=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	ed25519) IOP_PKI_ALG=(-newkey ed25519) ;;
	*) iop_die "iop_pki_make: unknown key kind \"$1\": expected rsa, p256 or ed25519" ;;
	esac
}

# iop_pki_make <dir> <kind> <label> [<ca kind>]: with the openssl tool, a CA
# ($dir/ca.pem, ca.key; "CN=Interop CA <label>") and a certificate for each of
# skua.test, sswan.test and lsw.test ($dir/<name>.pem, .key, subject
# "C=CH, O=Skua Interop, OU=<label>, CN=<name>.test", subjectAltName DNS:<name>.test)
# with keys of <kind> (rsa: RSA-2048, p256: ECDSA P-256, ed25519); the CA's key is of
# <ca kind> (default p256). lsw's certificate and key also go into $dir/lsw.p12
# (nickname lsw-<label>, password "interop") for lsw_import_pki. Dies on failure.
iop_pki_make() {
	local d=$1 k=$2 label=$3 ca=${4:-p256} name alg ca_alg
	command -v openssl >/dev/null || iop_die "the openssl tool is missing (scripts/setup installs it)"
	mkdir -p "$d"
	iop_pki_alg "$ca" && ca_alg=("${IOP_PKI_ALG[@]}")
	iop_pki_alg "$k" && alg=("${IOP_PKI_ALG[@]}")
	openssl req -x509 "${ca_alg[@]}" -nodes -keyout "$d/ca.key" \
		-subj "/C=CH/O=Skua Interop/CN=Interop CA $label" -days 2 -out "$d/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 ||
		iop_die "openssl: the $label CA"
	for name in skua sswan lsw; do
		openssl req "${alg[@]}" -nodes -keyout "$d/$name.key" \
			-subj "/C=CH/O=Skua Interop/OU=$label/CN=$name.test" -out "$d/$name.csr" >/dev/null 2>&1 &&
			openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
				-CAcreateserial -days 1 -out "$d/$name.pem" -extfile <(printf '%s\n' \
				"basicConstraints=CA:FALSE" "keyUsage=digitalSignature" \
				"subjectAltName=DNS:$name.test") >/dev/null 2>&1 ||
			iop_die "openssl: the $label certificate of $name"
		chmod 600 "$d/$name.key"
	done
	openssl pkcs12 -export -in "$d/lsw.pem" -inkey "$d/lsw.key" -name "lsw-$label" \
		-passout pass:interop -out "$d/lsw.p12" >/dev/null 2>&1 ||
		iop_die "openssl: the PKCS#12 file of lsw ($label)"
}

# iop_start <kind> <inst> <ns>: start a daemon of <kind> as instance <inst> (a shell
# identifier) in namespace <ns>.
iop_start() {
	local kind=$1 inst=$2 ns=$3
	case "$inst" in '' | [0-9]* | *[!A-Za-z0-9_]*)
		iop_die "instance name \"$inst\": expected a shell identifier" ;;
	esac
	declare -F "${kind}_start" >/dev/null || iop_die "no driver for kind \"$kind\" (${kind}_start)"
	eval "IOP_KIND_$inst=$kind IOP_NS_$inst=$ns"
	mkdir -p "$IOP_TMP/$inst"
	"${kind}_start" "$inst" "$ns"
	iop_log "started $kind instance $inst in $ns"
}

iop_stop() { "$(iop_kind "$1")_stop" "$1"; }

# Cipher suites: the same IKE SA described in each kind's syntax, and the line every
# kind's <kind>_ike_algs must print for it.
IOP_SUITES="gcm256-x25519 cbc256-ecp256 cbc128-modp2048"

iop_suite_expect() {
	case "$1" in
	gcm256-x25519) echo "encr=AES_GCM_16_256 integ=none prf=HMAC_SHA2_256 dh=31" ;;
	cbc256-ecp256) echo "encr=AES_CBC_256 integ=HMAC_SHA2_256_128 prf=HMAC_SHA2_256 dh=19" ;;
	cbc128-modp2048) echo "encr=AES_CBC_128 integ=HMAC_SHA2_256_128 prf=HMAC_SHA2_256 dh=14" ;;
	3des-modp2048) echo "encr=3DES_CBC integ=HMAC_SHA1_96 prf=HMAC_SHA1 dh=14" ;; # not in IOP_SUITES
	*) iop_die "unknown suite \"$1\": expected one of $IOP_SUITES" ;;
	esac
}

# iop_run_case <init-inst> <resp-inst> <suite> <4|6>
# One IKEv2 PSK exchange: load a fresh connection on both, let <init-inst> initiate,
# then assert: the IKE SA is established on both sides, both report the suite's
# algorithms, and a Delete from the initiator removes it on both sides. The connection
# is unloaded afterwards, so cases never see each other's configuration.
iop_run_case() {
	local ii=$1 ri=$2 suite=$3 fam=$4 ik rk conn what psk ia ra iprop rprop want got_i got_r
	ik=$(iop_kind "$ii")
	rk=$(iop_kind "$ri")
	IOP_CASES=$((IOP_CASES + 1))
	conn=iop$IOP_CASES
	psk="interop-psk-$IOP_CASES-$RANDOM$RANDOM"
	what="$ik($ii) -> $rk($ri) $suite IPv$fam"
	ia=$(iop_addr "$ii" "$fam")
	ra=$(iop_addr "$ri" "$fam")
	want=$(iop_suite_expect "$suite")
	iprop=$("${ik}_proposals" "$suite")
	rprop=$("${rk}_proposals" "$suite")
	iop_log "case $IOP_CASES: $what"
	if [ -z "$ik" ] || [ -z "$rk" ] || [ -z "$ia" ] || [ -z "$ra" ] || [ -z "$want" ] ||
		[ -z "$iprop" ] || [ -z "$rprop" ]; then
		iop_not_ok "$what: unknown instance, address family or suite"
		return 0
	fi
	# shellcheck disable=SC2086 # the proposals are two words on purpose
	if ! "${ik}_add_psk_conn" "$ii" "$conn" "$ia" "$ra" "@$ii.test" "@$ri.test" "$psk" $iprop ||
		! "${rk}_add_psk_conn" "$ri" "$conn" "$ra" "$ia" "@$ri.test" "@$ii.test" "$psk" $rprop; then
		iop_not_ok "$what: loading the connection failed"
		"${ik}_del_conn" "$ii" "$conn" >/dev/null 2>&1 || true
		"${rk}_del_conn" "$ri" "$conn" >/dev/null 2>&1 || true
		return 0
	fi
	"${ik}_initiate" "$ii" "$conn" || true
	local fail=0
	if iop_wait "$IOP_WAIT" "${ik}_ike_established" "$ii" "$conn"; then
		iop_ok "$what: initiator has the IKE SA established"
	else
		iop_not_ok "$what: initiator has no established IKE SA after ${IOP_WAIT}s"
		fail=1
	fi
	if iop_wait "$IOP_WAIT" "${rk}_ike_established" "$ri" "$conn"; then
		iop_ok "$what: responder has the IKE SA established"
	else
		iop_not_ok "$what: responder has no established IKE SA after ${IOP_WAIT}s"
		fail=1
	fi
	got_i=$("${ik}_ike_algs" "$ii" "$conn" 2>/dev/null) || true
	got_r=$("${rk}_ike_algs" "$ri" "$conn" 2>/dev/null) || true
	if [ "$got_i" = "$want" ] && [ "$got_r" = "$want" ]; then
		iop_ok "$what: both report $want"
	else
		iop_not_ok "$what: algorithms: initiator \"$got_i\", responder \"$got_r\", expected \"$want\""
		fail=1
	fi
	if [ "$fail" -eq 0 ]; then
		"${ik}_terminate" "$ii" "$conn" || true
	fi
	if [ "$fail" -ne 0 ]; then
		: # nothing established: a Delete would prove nothing
	elif iop_wait "$IOP_WAIT" iop_not "${ik}_ike_established" "$ii" "$conn" &&
		iop_wait "$IOP_WAIT" iop_not "${rk}_ike_established" "$ri" "$conn"; then
		iop_ok "$what: the initiator's Delete removed the IKE SA on both sides"
	else
		iop_not_ok "$what: the IKE SA survived the initiator's Delete for ${IOP_WAIT}s"
		fail=1
	fi
	if [ "$fail" -ne 0 ]; then
		# shellcheck disable=SC2046
		iop_dump $("${ik}_logs" "$ii") $("${rk}_logs" "$ri")
	fi
	"${ik}_del_conn" "$ii" "$conn" || true
	"${rk}_del_conn" "$ri" "$conn" || true
	return 0
}

# -------------------------------------------------------------------------------------------
# kind sswan: strongSwan 5.9.8 (charon + swanctl)
#
# charon 5.9.8 hard-codes its pid file as /var/run/charon.pid (no strongswan.conf knob),
# so each charon runs with its instance's run dir bound over /run. The vici socket, the
# log and the plugin list come from a generated strongswan.conf that charon and swanctl
# read through STRONGSWAN_CONF; nothing in /etc/strongswan.d is included.

sswan_dir() { echo "$IOP_TMP/$1"; }

# sswan_swanctl <inst> <--command> [options...]: swanctl against the instance's socket
# (--uri is an option of each command, so it follows the command).
sswan_swanctl() {
	local d cmd
	d=$(sswan_dir "$1")
	cmd=$2
	shift 2
	STRONGSWAN_CONF=$d/strongswan.conf timeout "$((IOP_WAIT + 5))" \
		swanctl "$cmd" --uri "unix://$d/charon.vici" "$@"
}

# sswan_start INST NS: charon in NS with its own strongswan.conf, vici socket and log. The
# settings are the interop tests' (quick retransmits, a verbose log); a caller changes them
# through SSWAN_TUNING (more charon settings) and SSWAN_LOG_LEVELS (the filelog levels), as
# bench/bench_lib.sh does; SSWAN_MORE_PLUGINS adds plugins (xauth-generic, ...).
# SSWAN_IPSEC=libipsec keeps the Child SAs in charon's own
# userspace ESP (the kernel-libipsec plugin, a TUN device per instance) instead of XFRM:
# on a kernel without ESP, its children then install, so they can be rekeyed.
sswan_start() {
	local inst=$1 ns=$2 d kernel=kernel-netlink
	local tuning=${SSWAN_TUNING-"# give up quickly: the tests bound every wait
retransmit_timeout = 1.0
retransmit_base = 1.4"}
	local levels=${SSWAN_LOG_LEVELS-"default = 1
ike = 2
cfg = 2
knl = 2"}
	if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null; then
		iop_die "strongSwan (charon, swanctl) not installed: run scripts/setup-peers"
	fi
	case "${SSWAN_IPSEC:-xfrm}" in
	xfrm) ;;
	# kernel-libipsec's IPsec interface must be registered before kernel-netlink's
	libipsec) kernel="kernel-libipsec kernel-netlink" ;;
	*) iop_die "SSWAN_IPSEC=$SSWAN_IPSEC: expected xfrm or libipsec" ;;
	esac
	d=$(sswan_dir "$inst")
	# swanctl --load-all reads credentials from the directories beside swanctl.conf.
	mkdir -p "$d/run" "$d/conns" "$d/secrets"
	(cd "$d" && mkdir -p swanctl/x509 swanctl/x509ca swanctl/x509ocsp swanctl/x509aa \
		swanctl/x509ac swanctl/x509crl swanctl/pubkey swanctl/private swanctl/rsa \
		swanctl/ecdsa swanctl/bliss swanctl/pkcs8 swanctl/pkcs12)
	cat >"$d/strongswan.conf" <<-EOF
		# generated by tests/interop/lib.sh: instance $inst in namespace $ns
		charon {
		    # only what IKEv2 PSK and certificates with AES-CBC/GCM, SHA-2, MODP, ECP and x25519 need
		    load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints revocation curve25519 gmp aes sha1 sha2 hmac gcm kdf $kernel socket-default vici ${SSWAN_MORE_PLUGINS:-}
		    # the host kernel has XFRM but no ESP: touch neither routes nor addresses
		    install_routes = no
		    install_virtual_ip = no
		    retransmit_tries = 3
		    $tuning
		    plugins {
		        vici {
		            socket = unix://$d/charon.vici
		        }
		    }
		    filelog {
		        iop {
		            path = $d/charon.log
		            time_format = %T
		            $levels
		            flush_line = yes
		            append = no
		        }
		    }
		}
		swanctl {
		    load = pem pkcs1 pkcs8 x509 pubkey random nonce openssl
		}
	EOF
	sswan_write_conf "$inst"
	STRONGSWAN_CONF=$d/strongswan.conf iop_spawn "$ns" "$d/charon.out" "$d/run" /run -- "$CHARON"
	eval "SSWAN_PID_$inst=$IOP_SPAWNED"
	if ! iop_wait_daemon "$IOP_SPAWNED" "$IOP_WAIT" sswan_swanctl "$inst" --stats; then
		iop_dump "$d/charon.out" "$d/charon.log"
		iop_die "strongSwan instance $inst: charon exited or did not answer on vici in ${IOP_WAIT}s"
	fi
}

sswan_stop() {
	local pid
	eval "pid=\${SSWAN_PID_$1:-}"
	[ -z "$pid" ] || iop_stop_pid "$pid"
	eval "SSWAN_PID_$1="
}

# swanctl.conf is built from one piece per connection under conns/ and secrets/.
sswan_write_conf() {
	local d
	d=$(sswan_dir "$1")
	{
		echo "connections {"
		iop_cat "$d"/conns/*.conf
		echo "}"
		echo "secrets {"
		iop_cat "$d"/secrets/*.conf
		echo "}"
	} >"$d/swanctl/swanctl.conf"
}

# (Re)load swanctl.conf: load-all also unloads the connections no longer in it.
sswan_reload() {
	local d
	d=$(sswan_dir "$1")
	sswan_write_conf "$1"
	sswan_swanctl "$1" --load-all --noprompt --file "$d/swanctl/swanctl.conf" \
		>"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

sswan_proposals() {
	case "$1" in
	gcm256-x25519) echo "aes256gcm16-prfsha256-x25519 aes256gcm16" ;;
	cbc256-ecp256) echo "aes256-sha256-ecp256 aes256-sha256" ;;
	cbc128-modp2048) echo "aes128-sha256-modp2048 aes128-sha256" ;;
	3des-modp2048) echo "3des-sha1-modp2048 3des-sha1" ;;
	*) iop_die "sswan_proposals: unknown suite \"$1\"" ;;
	esac
}

# sswan_add_psk_conn inst conn la ra lid rid psk ike esp [lsub rsub]
# No rekeying unless the caller says otherwise: SSWAN_IKE_OPTS (default "rekey_time = 0")
# and SSWAN_CHILD_OPTS (the same) are lines for the IKE and the child section, and
# SSWAN_MORE_CHILDREN is more child sections (whole, named) for the same connection.
sswan_add_psk_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 lid=$5 rid=$6 psk=$7 ike=$8 esp=$9 d
	local lsub=${10:-} rsub=${11:-}
	d=$(sswan_dir "$inst")
	cat >"$d/conns/$conn.conf" <<-EOF
		    $conn {
		        version = 2
		        local_addrs = $la
		        remote_addrs = $ra
		        proposals = $ike
		        ${SSWAN_IKE_OPTS-rekey_time = 0}
		        dpd_delay = 0
		        local {
		            auth = psk
		            id = $lid
		        }
		        remote {
		            auth = psk
		            id = $rid
		        }
		        children {
		            $conn {
		                ${lsub:+local_ts = $lsub}
		                ${rsub:+remote_ts = $rsub}
		                esp_proposals = $esp
		                mode = tunnel
		                start_action = none
		                ${SSWAN_CHILD_OPTS-rekey_time = 0}
		            }
		            ${SSWAN_MORE_CHILDREN:-}
		        }
		    }
	EOF
	cat >"$d/secrets/$conn.conf" <<-EOF
		    ike-$conn {
		        id-1 = $lid
		        id-2 = $rid
		        secret = "$psk"
		    }
	EOF
	# SSWAN_DEFER_LOAD=1: the caller reloads once after several (swanctl is slow to start)
	[ -n "${SSWAN_DEFER_LOAD:-}" ] || sswan_reload "$inst"
}

sswan_del_conn() {
	local d
	d=$(sswan_dir "$1")
	[ -n "${SSWAN_DEFER_LOAD:-}" ] ||
		sswan_swanctl "$1" --terminate --ike "$2" --force --timeout 2 >/dev/null 2>&1
	rm -f "$d/conns/$2.conf" "$d/secrets/$2.conf"
	[ -n "${SSWAN_DEFER_LOAD:-}" ] || sswan_reload "$1"
}

# swanctl's status is non-zero when the child failed, which the kernel without ESP makes
# certain; the caller judges the IKE SA with sswan_ike_established.
sswan_initiate() {
	local d
	d=$(sswan_dir "$1")
	echo "### initiate $2" >>"$d/initiate.out"
	sswan_swanctl "$1" --initiate --ike "$2" --child "$2" --timeout "$IOP_WAIT" \
		>>"$d/initiate.out" 2>&1
}

sswan_terminate() {
	local d
	d=$(sswan_dir "$1")
	sswan_swanctl "$1" --terminate --ike "$2" --timeout "$IOP_WAIT" >>"$d/terminate.out" 2>&1
}

# sswan_ike_sa <inst> <conn>: "key=value" lines of the newest established IKE SA of
# <conn> (its own keys, not its children's), from swanctl --list-sas --pretty. Status 1
# if there is none.
sswan_ike_sa() {
	sswan_swanctl "$1" --list-sas --ike "$2" --pretty 2>/dev/null | awk -v conn="$2" '
		/ \{$/ {
			depth++
			if (depth == 2) { name = $1; n = 0 }
			next
		}
		/^ *\}$/ {
			if (depth == 2 && name == conn && st == "ESTABLISHED") {
				out = ""
				for (i = 1; i <= n; i++) out = out kv[i] "\n"
				best = out
			}
			if (depth == 2) st = ""
			depth--
			next
		}
		depth == 2 && / = / {
			k = $1; v = $0; sub(/^[^=]*= /, "", v)
			kv[++n] = k "=" v
			if (k == "state") st = v
		}
		END { if (best == "") exit 1; printf "%s", best }'
}

sswan_ike_established() {
	sswan_ike_sa "$1" "$2" >/dev/null
}

sswan_ike_algs() {
	sswan_ike_sa "$1" "$2" | awk -F= '
		{ v[$1] = $2 }
		END {
			if (v["encr-alg"] == "") exit 1
			encr = v["encr-alg"]
			if (v["encr-keysize"] != "") encr = encr "_" v["encr-keysize"]
			integ = v["integ-alg"] == "" ? "none" : v["integ-alg"]
			prf = v["prf-alg"]; sub(/^PRF_/, "", prf)
			dh = v["dh-group"]
			g["MODP_1024"] = 2; g["MODP_1536"] = 5; g["MODP_2048"] = 14
			g["MODP_3072"] = 15; g["MODP_4096"] = 16; g["MODP_6144"] = 17
			g["MODP_8192"] = 18; g["ECP_256"] = 19; g["ECP_384"] = 20; g["ECP_521"] = 21
			g["CURVE_25519"] = 31; g["CURVE_448"] = 32
			if (dh in g) dh = g[dh]
			printf "encr=%s integ=%s prf=%s dh=%s\n", encr, integ, prf, dh
		}'
}

# The SA views of strongSwan, libreswan and Skua for the rekey tests come in two parts:
# <kind>_states INST CONN prints the daemon's status once, and the parsers
# <kind>_ike_ids_in CONN and <kind>_children_in CONN [CHILD] read it on stdin, so one
# look serves both (swanctl alone costs 0.1-0.4 s). <kind>_ike_ids and <kind>_children
# are the two together.
#   ike_ids: the id (serial, unique id) of each established IKE SA of CONN, one a line
#   children: one line per Child SA: "up IN OUT" once installed, "<state> IN OUT" in any
#             other state the daemon still lists; SPIs in lower-case hex ("-" if none)

sswan_states() { sswan_swanctl "$1" --list-sas --ike "$2" 2>/dev/null; }

# "c1: #3, ESTABLISHED, IKEv2, ..." per IKE SA
sswan_ike_ids_in() {
	awk -v conn="$1:" '$1 == conn && $2 ~ /^#[0-9]+,$/ && $3 == "ESTABLISHED," {
		print substr($2, 2, length($2) - 2)
	}'
}

# CHILD (default CONN) is the child's name inside the IKE connection CONN; charon lists
# a rekeyed or deleted one (REKEYED, DELETED) until delete_rekeyed_delay has passed.
sswan_children_in() {
	awk -v child="${2:-$1}:" '
		function flush() { if (st != "") print st, in_spi, out_spi; st = "" }
		/^[^ ]/ { flush(); next }
		/^  [^ ]/ {
			flush()
			# "  c1: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256"
			if ($1 == child && $2 ~ /^#/) {
				st = $5; sub(/,$/, "", st)
				if (st == "INSTALLED") st = "up"
				in_spi = out_spi = "-"
			}
			next
		}
		st != "" && $1 == "in" { in_spi = $2; sub(/,$/, "", in_spi) }
		st != "" && $1 == "out" { out_spi = $2; sub(/,$/, "", out_spi) }
		END { flush() }'
}

sswan_ike_ids() { sswan_states "$1" "$2" | sswan_ike_ids_in "$2"; }
sswan_children() { sswan_states "$1" "$2" | sswan_children_in "$2" "${3:-}"; }

sswan_logs() {
	local d
	d=$(sswan_dir "$1")
	echo "$d/charon.out $d/charon.log $d/initiate.out"
}

# -------------------------------------------------------------------------------------------
# kind lsw: libreswan 4.10 (pluto + whack + addconn), unpacked by scripts/setup-peers
#
# pluto runs from the private root in its own mount namespace, where the root's
# /usr/libexec/ipsec is bound over /usr/libexec/ipsec (the helpers pluto may exec) and the
# instance's run dir over /run (so /run/pluto is never touched). Every other path is on
# the command line: --config, --rundir, --secretsfile, --ipsecdir, --nssdir, --logfile.
# whack and addconn run from the private root too and reach pluto with --ctlsocket.

lsw_dir() { echo "$IOP_TMP/$1"; }

# v1_skua_spi_in INST CONN: the inbound SPI (8 hex digits) of Skua's latest IKEv1
# Quick Mode of CONN, from its log; fails while there is none.
v1_skua_spi_in() { # inst conn
	grep -E "\"$2\" #[0-9]+: (sent Quick Mode request|IPsec SA #[0-9]+)" \
		"$(skua_dir "$1")/pluto.log" | grep -F "<0x" | tail -n1 | sed -n 's/.*<0x\([0-9a-f]\{8\}\).*/\1/p' | grep .
}

lsw_whack() {
	local d
	d=$(lsw_dir "$1")
	shift
	timeout "$((IOP_WAIT + 5))" "$LSW_BIN/whack" --ctlsocket "$d/run/pluto.ctl" "$@"
}

lsw_start() {
	local inst=$1 ns=$2 d
	[ -x "$LSW_BIN/pluto" ] || iop_die "libreswan not unpacked in $LSW_ROOT: run scripts/setup-peers"
	command -v certutil >/dev/null || iop_die "certutil (libnss3-tools) missing: run scripts/setup-peers"
	[ -d /usr/libexec/ipsec ] || mkdir -p /usr/libexec/ipsec ||
		iop_die "cannot create the mount point /usr/libexec/ipsec"
	d=$(lsw_dir "$inst")
	mkdir -p "$d/run" "$d/ipsec.d" "$d/nss" "$d/conns" "$d/secrets"
	certutil -N --empty-password -d "sql:$d/nss" >"$d/certutil.out" 2>&1 ||
		iop_die "libreswan instance $inst: certutil -N failed: $(cat "$d/certutil.out")"
	cat >"$d/ipsec.conf" <<-EOF
		# generated by tests/interop/lib.sh: instance $inst in namespace $ns
		config setup
		    logfile=$d/pluto.log
		    logtime=yes
		    logappend=no
		    dumpdir=$d/run
		    plutodebug=none
		    dnssec-enable=no
		    protostack=xfrm
		    ikev1-policy=${LSW_IKEV1_POLICY:-drop}
		    uniqueids=no

		include $d/conns/*.conf
	EOF
	: >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	iop_spawn "$ns" "$d/pluto.out" "$LSW_BIN" /usr/libexec/ipsec "$d/run" /run -- \
		"$LSW_BIN/pluto" --nofork --config "$d/ipsec.conf" --rundir "$d/run" \
		--secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d" --nssdir "$d/nss" \
		--logfile "$d/pluto.log"
	eval "LSW_PID_$inst=$IOP_SPAWNED"
	if ! iop_wait_daemon "$IOP_SPAWNED" "$IOP_WAIT" lsw_whack "$inst" --status; then
		iop_dump "$d/pluto.out" "$d/pluto.log"
		iop_die "libreswan instance $inst: pluto exited or did not answer whack in ${IOP_WAIT}s"
	fi
}

lsw_stop() {
	local pid
	eval "pid=\${LSW_PID_$1:-}"
	[ -n "$pid" ] || return 0
	lsw_whack "$1" --shutdown >/dev/null 2>&1 || true
	iop_stop_pid "$pid"
	eval "LSW_PID_$1="
}

lsw_proposals() {
	case "$1" in
	gcm256-x25519) echo "aes_gcm256-sha2_256-dh31 aes_gcm256" ;;
	cbc256-ecp256) echo "aes256-sha2_256-dh19 aes256-sha2_256" ;;
	cbc128-modp2048) echo "aes128-sha2_256-modp2048 aes128-sha2_256" ;;
	3des-modp2048) echo "3des-sha1-modp2048 3des-sha1" ;;
	*) iop_die "lsw_proposals: unknown suite \"$1\"" ;;
	esac
}

# lsw_add_psk_conn inst conn la ra lid rid psk ike esp [lsub rsub]
# LSW_CONN_OPTS (default "rekey=no") is more lines for the conn section, such as
# lifetimes and rekeying.
lsw_add_psk_conn() {
	local inst=$1 conn=$2 la=$3 ra=$4 lid=$5 rid=$6 psk=$7 ike=$8 esp=$9 d
	local lsub=${10:-} rsub=${11:-}
	d=$(lsw_dir "$inst")
	cat >"$d/conns/$conn.conf" <<-EOF
		conn $conn
		    ikev2=insist
		    authby=secret
		    left=$la
		    leftid=$lid
		    ${lsub:+leftsubnet=$lsub}
		    right=$ra
		    rightid=$rid
		    ${rsub:+rightsubnet=$rsub}
		    ike=$ike
		    esp=$esp
		    type=tunnel
		    leftupdown=%disabled
		    ${LSW_CONN_OPTS-rekey=no}
		    keyingtries=1
		    auto=add
	EOF
	printf '%s %s : PSK "%s"\n' "$lid" "$rid" "$psk" >"$d/secrets/$conn.secrets"
	{
		lsw_reread_secrets "$inst" &&
			timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
				--ctlsocket "$d/run/pluto.ctl" "$conn"
	} >"$d/load.out" 2>&1 || {
		sed 's/^/#   /' "$d/load.out"
		return 1
	}
}

lsw_del_conn() {
	local d
	d=$(lsw_dir "$1")
	rm -f "$d/conns/$2.conf" "$d/secrets/$2.secrets"
	lsw_whack "$1" --name "$2" --delete >/dev/null 2>&1
	lsw_reread_secrets "$1" >/dev/null 2>&1
}

# lsw_import_pki <inst> <dir> <label>: what iop_pki_make made in <dir> into the
# instance's NSS database, with pk12util and certutil as a libreswan user does: lsw's
# certificate and key (nickname lsw-<label>) and the CA (ca-<label>, trusted). Dies on
# failure.
lsw_import_pki() {
	local d
	d=$(lsw_dir "$1")
	pk12util -i "$2/lsw.p12" -d "sql:$d/nss" -W interop >>"$d/pk12util.out" 2>&1 &&
		certutil -A -d "sql:$d/nss" -n "ca-$3" -t "CT,," -i "$2/ca.pem" \
			>>"$d/pk12util.out" 2>&1 || {
		sed 's/^/#   /' "$d/pk12util.out"
		iop_die "importing the $3 certificates into libreswan's NSS database failed"
	}
}

# ipsec.secrets is rebuilt from one piece per connection: pluto uses the first PSK whose
# IDs match, so a removed connection's PSK must not linger.
lsw_reread_secrets() {
	local d
	d=$(lsw_dir "$1")
	iop_cat "$d"/secrets/*.secrets >"$d/ipsec.secrets"
	lsw_whack "$1" --rereadsecrets
}

# whack --initiate returns when pluto reports the outcome; like sswan_initiate, its
# status reflects the child, not the IKE SA.
lsw_initiate() {
	local d
	d=$(lsw_dir "$1")
	echo "### initiate $2" >>"$d/initiate.out"
	lsw_whack "$1" --name "$2" --initiate >>"$d/initiate.out" 2>&1
}

lsw_terminate() {
	local d
	d=$(lsw_dir "$1")
	lsw_whack "$1" --name "$2" --terminate >>"$d/terminate.out" 2>&1
}

# lsw_ike_serial <inst> <conn>: the serial (#N) of the newest established IKE SA of <conn>
# from whack --showstates; status 1 if there is none.
lsw_ike_serial() {
	lsw_whack "$1" --showstates 2>/dev/null | awk -v conn="\"$2\"" '
		$2 ~ /^#[0-9]+:$/ && $4 == "STATE_V2_ESTABLISHED_IKE_SA" {
			c = $3; sub(/(\[[0-9]+\])?:[0-9]+$/, "", c)
			if (c == conn) { s = substr($2, 2, length($2) - 2); if (s + 0 > best + 0) best = s }
		}
		END { if (best == "") exit 1; print best }'
}

lsw_ike_established() {
	lsw_ike_serial "$1" "$2" >/dev/null
}

# The negotiated transforms are logged once per IKE SA, as "{cipher=... integ=...
# prf=... group=...}" ("sent IKE_SA_INIT reply" on the responder, "sent IKE_AUTH request"
# on the initiator); whack --status has only an ambiguous ENCR-PRF-DH summary.
lsw_ike_algs() {
	local d serial
	d=$(lsw_dir "$1")
	serial=$(lsw_ike_serial "$1" "$2") || return 1
	grep -E "\"$2\"(\[[0-9]+\])? #$serial: .*\{cipher=" "$d/pluto.log" | tail -n1 | awk '
		match($0, /\{[^}]*\}/) {
			n = split(substr($0, RSTART + 1, RLENGTH - 2), f, " ")
			for (i = 1; i <= n; i++) {
				split(f[i], kv, "=")
				v[kv[1]] = kv[2]
			}
			integ = v["integ"]
			if (integ == "n/a" || integ == "") integ = "none"
			dh = v["group"]
			g["MODP1024"] = 2; g["MODP1536"] = 5; g["MODP2048"] = 14
			g["MODP3072"] = 15; g["MODP4096"] = 16; g["MODP6144"] = 17; g["MODP8192"] = 18
			if (dh in g) dh = g[dh]
			else sub(/^DH/, "", dh)
			encr = v["cipher"]
			sub(/^3DES_CBC_192$/, "3DES_CBC", encr)	# a fixed key: the others say no size
			printf "encr=%s integ=%s prf=%s dh=%s\n", encr, integ, v["prf"], dh
			found = 1
		}
		END { exit !found }'
}

# The SA views (see sswan_states): from whack --showstates.
lsw_states() { lsw_whack "$1" --showstates 2>/dev/null; }

lsw_ike_ids_in() {
	awk -v conn="\"$1\"" '
		$2 ~ /^#[0-9]+:$/ && $4 == "STATE_V2_ESTABLISHED_IKE_SA" {
			c = $3; sub(/(\[[0-9]+\])?:[0-9]+$/, "", c)
			if (c == conn) print substr($2, 2, length($2) - 2)
		}'
}

# A Child SA's SPIs are its esp.SPI@ADDR pair (the peer's SPI first, then ours).
lsw_children_in() {
	awk -v conn="\"$1\"" '
		$2 ~ /^#[0-9]+:$/ {
			c = $3; sub(/(\[[0-9]+\])?:[0-9]+$/, "", c)
			if (c != conn) next
			if ($4 ~ /^STATE_V2_/ && $4 !~ /IKE_SA|_I0$|_R0$|PARENT/) {
				if ($4 == "STATE_V2_ESTABLISHED_CHILD_SA") up[$2] = 1
				else other[$2] = $4
				order[++n] = $2
			}
			for (i = 4; i < NF; i++)
				if ($i ~ /^esp\.[0-9a-f]+@/ && $(i + 1) ~ /^esp\.[0-9a-f]+@/) {
					o = $i; sub(/^esp\./, "", o); sub(/@.*/, "", o)
					v = $(i + 1); sub(/^esp\./, "", v); sub(/@.*/, "", v)
					spi[$2] = v " " o
					break
				}
		}
		END {
			for (k = 1; k <= n; k++) {
				s = order[k]
				if (s in up) print "up", (s in spi ? spi[s] : "- -")
				else print other[s], "- -"
			}
		}'
}

lsw_ike_ids() { lsw_states "$1" | lsw_ike_ids_in "$2"; }
lsw_children() { lsw_states "$1" | lsw_children_in "$2"; }

lsw_logs() {
	local d
	d=$(lsw_dir "$1")
	echo "$d/pluto.out $d/pluto.log $d/initiate.out"
}

# -------------------------------------------------------------------------------------------
# kind skua: the hook for Skua's own driver (see README.md, "Adding Skua"). It lives in
# tests/interop/skua.sh (or the file IOP_SKUA_DRIVER names) and defines the skua_* verbs;
# it is sourced here when present, so every interop script sees the same kinds.
IOP_SKUA_DRIVER=${IOP_SKUA_DRIVER:-$IOP_DIR/skua.sh}
if [ -f "$IOP_SKUA_DRIVER" ]; then
	# shellcheck source=/dev/null
	. "$IOP_SKUA_DRIVER"
fi
