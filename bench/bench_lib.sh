# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# bench/bench_lib.sh: what compare.sh and scale.sh share. Sourced after
# tests/interop/lib.sh, whose namespaces, spawning, cleanup and daemon drivers it reuses;
# it adds road-warrior responder configurations (many clients, one %any peer each), the
# source addresses of the generator, CPU pinning and the /proc measurements.
#
# Layout: the generator runs in NS_L (veth0, 192.0.2.1, and the 198.18.0.0/15 sources as a
# local route: bench_netns), the responder in NS_R (veth1, 192.0.2.2, a route to
# 198.18.0.0/15 via 192.0.2.1 so it keeps one neighbour entry, not one per client).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BENCH_DIR/../tests/interop/lib.sh"
BUILD=${BUILD:-$IOP_TOP/build/default}
SKUA_PLUTO=${SKUA_PLUTO:-$BUILD/src/pluto/pluto}
SKUA_WHACK=${SKUA_WHACK:-$BUILD/tools/whack/whack}
LOADGEN=${LOADGEN:-$BUILD/bench/skua-loadgen}
BENCH_PSK=${BENCH_PSK:-skua-bench-psk}
GEN_CPU=${GEN_CPU:-0}   # the generator's core
RESP_CPU=${RESP_CPU:-1} # the responder's core
CLK_TCK=$(getconf CLK_TCK)

# The bench's own shell, and all it starts without a core of its own (its sleeps, awk,
# whack, ip), on BENCH_SELF_CPU (default GEN_CPU; "any": wherever the kernel puts them),
# not on the responder's core: the crypto floor probe there runs at SCHED_IDLE, and the
# kernel places a waking task on a core that runs only SCHED_IDLE tasks as on an idle one,
# so the polling loops' processes landed on the responder's core and preempted it (12-07:
# 0.118-0.123 ms per SA at 3,400/s with the shell on core 0 against 0.126-0.131, flat out
# 1.42-1.43x the floor against 1.50-1.53x; bench/README.md, "The bench's own processes off
# the responder's core"). The responder, the generator and the probe are pinned where they
# belong; storm.sh, whose responder has only a share of its core, moves its shell there.
bench_self_pin() {
	local cpu=${BENCH_SELF_CPU:-$GEN_CPU}
	[ "$cpu" = any ] && return 0
	taskset -p -c "$cpu" $$ >/dev/null || iop_die "taskset -p -c $cpu $$ (BENCH_SELF_CPU) failed"
}
bench_self_pin

bench_log() { echo "# $*" >&2; }

# bench_netns <n-addresses>: the namespace pair and n source addresses 198.18.0.1...
# By default the sources are one local route (AnyIP: "ip route add local 198.18.0.0/15"),
# which lets the generator bind and answer on any of them: a gateway's kernel does not
# hold its clients' addresses. BENCH_SOURCES=addresses adds them as n /32 addresses on
# veth0, as before 2026-12-07, for figures comparable with older runs: those n addresses
# fill the address hash of the generator's namespace (256 buckets), which the generator's
# receive path walks, on the responder's core, in the responder's sendmmsg() (at half
# saturation about 9 us per SA of the responder's CPU on 12-07; bench/README.md, "Whose
# receive path").
bench_netns() {
	local n=$1
	iop_netns_pair
	case ${BENCH_SOURCES:-anyip} in
	anyip)
		ip -n "$NS_L" route add local 198.18.0.0/15 dev lo ||
			iop_die "the local route for the sources failed"
		;;
	addresses)
		awk -v n="$n" 'BEGIN {
			for (i = 1; i <= n; i++) {
				a = 18 * 65536 + i    # 198.18.0.0 + i, spilling into 198.19
				printf "address add 198.%d.%d.%d/32 dev veth0\n", int(a / 65536), int(a / 256) % 256, a % 256
			}
		}' | ip -n "$NS_L" -batch - || iop_die "adding $n source addresses failed"
		;;
	*) iop_die "BENCH_SOURCES=$BENCH_SOURCES: expected anyip or addresses" ;;
	esac
	ip -n "$NS_R" route add 198.18.0.0/15 via "$L4" || iop_die "route to the sources failed"
	[ "${BENCH_RPS:-0}" = 0 ] || bench_rps
}

# bench_rps: each end's receive path on its own core, as on a real link. A veth hands a
# datagram to its peer in the sender's context, so without this the responder's
# sendmmsg() runs the generator's whole receive path on RESP_CPU, billed to the responder
# (at half saturation, 16 % of its CPU per SA on 12-06: fib_validate_source walking the
# kernel's address hash, which holds the generator's N addresses), and the responder's
# own receive path runs on GEN_CPU, billed to no one of its. RPS on each veth's receive
# queue moves the backlog to the receiver's core: the generator's veth0 to GEN_CPU, the
# responder's veth1 to RESP_CPU (there, in the idle core's softirqs, about 3 us per SA at
# half saturation by perf record -a -C 1: not in the responder process's CPU figure).
# BENCH_RPS=1 turns it on; off by default, so that the figures in bench/README.md stay
# comparable (it moves each end's receive path: bench/README.md, "Whose receive path").
bench_rps() {
	local e ns dev cpus q
	for e in "$NS_L:veth0:$GEN_CPU" "$NS_R:veth1:$RESP_CPU"; do
		IFS=: read -r ns dev cpus <<<"$e"
		q=/sys/class/net/$dev/queues/rx-0/rps_cpus
		ip netns exec "$ns" sh -c "printf '%x\n' $(bench_cpu_mask "$cpus") >$q" ||
			iop_die "RPS on $ns/$dev (CPUs $cpus) failed"
	done
}
# bench_layout_note: sentences for a report: which core ran whose receive path, and how
# the generator holds its source addresses
bench_layout_note() {
	if [ "${BENCH_RPS:-0}" = 0 ]; then
		echo "Receive paths: the veth's (BENCH_RPS=0): each end's sends run the other's" \
			"receive path on the sender's core."
	else
		echo "Receive paths: RPS (BENCH_RPS=1): each end's receive path on its own core" \
			"(CPU $GEN_CPU the generator's, $RESP_CPU the responder's)."
	fi
	if [ "${BENCH_SOURCES:-anyip}" = anyip ]; then
		echo "Sources: one local route for 198.18.0.0/15 in the generator's namespace" \
			"(BENCH_SOURCES=anyip)."
	else
		echo "Sources: one /32 address each on the generator's veth" \
			"(BENCH_SOURCES=addresses, as before 2026-12-07)."
	fi
}
# bench_udp_drops NS: the datagrams that namespace's UDP sockets dropped for a full receive
# buffer so far (Udp RcvbufErrors in its /proc/net/snmp)
bench_udp_drops() {
	ip netns exec "$1" awk '$1 == "Udp:" {
		if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"]
	}' /proc/net/snmp
}
# bench_cpu_mask <list>: taskset's CPU list (1 / 0-1 / 0,2) as a number with those bits
bench_cpu_mask() {
	local m=0 r a b
	for r in ${1//,/ }; do
		a=${r%-*} b=${r#*-}
		[[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] ||
			iop_die "CPU list $1: expected a list such as 1, 0-1 or 0,2"
		for ((; a <= b; a++)); do m=$((m | 1 << a)); done
	done
	echo "$m"
}

# ---- /proc measurements of a responder process ----

# CPU time in clock ticks: utime + stime of every thread, and cutime + cstime of the
# children it has reaped (updown scripts)
bench_cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
# of which the reaped children's (cutime + cstime)
bench_child_ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }
# resident set in bytes
bench_rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }
# bench_pin PID CPUS: keep every thread of a running process on CPUS (the threads it makes
# later inherit it from theirs). A thread the daemon has already pinned inside CPUS is
# left alone: Skua's workers pin themselves one per core of what they were given, and
# resetting them to the whole list let both workers float over both cores, sharing one
# at times (2 workers measured so until 2026-12-08).
bench_pin() {
	local want t cur
	want=$(bench_cpu_mask "$2")
	for t in /proc/"$1"/task/*; do
		cur=$(taskset -p "${t##*/}" 2>/dev/null) || continue # the thread has gone
		cur=$((16#${cur##*: }))
		((cur & ~want)) || continue
		taskset -p -c "$2" "${t##*/}" >/dev/null || iop_die "taskset -p -c $2 ${t##*/} failed"
	done
}

# ---- responders: road-warrior configurations ----
#
# PSK, or certificates when BENCH_PKI names a directory holding ca.pem (the CA of both
# sides), resp.pem, resp.key (the responder's certificate and key, CN=responder.bench)
# and resp.p12 (the same, friendly name bench-resp, passphrase "bench", for libreswan's
# NSS database); BENCH_PKI_KIND (rsa or ecdsa) picks libreswan's authby=. Each responder
# then takes any peer whose certificate the CA issued (compare_certs.sh). BENCH_IKEV=1
# makes each an IKEv1 responder (Main Mode PSK, Quick Mode; libreswan and Skua with
# ikev1-policy=accept: Skua's needs SKUA_PLUTO_ARGS="--config FILE" naming it).

# bench_ports: raise the descriptor limit as far as it goes and set PORTS, the source ports
# per address for N SAs from ADDRS addresses (one generator socket per pair), capped by what
# the limit leaves (raising it needs CAP_SYS_RESOURCE); the SAs go round-robin over the pairs.
bench_ports() {
	local max_ports
	ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	max_ports=$((($(ulimit -n) - 2000) / ADDRS))
	PORTS=${PORTS:-$(((N + ADDRS - 1) / ADDRS))}
	[ "$PORTS" -le "$max_ports" ] || PORTS=$max_ports
}

# Skua: bench_skua_start INST NS STACK(none|netkey) NHELPERS IKE ESP
# (SKUA_PLUTO_ARGS: more pluto options, e.g. "--metrics 127.0.0.1:9464")
# The road-warrior connection gets BENCH_CONN_OPTS (default --dontrekey: the SAs live
# as long as the run; rekey_storm.sh gives short lifetimes instead). With BENCH_PKI the
# certificate store is <instance>/ipsec.d and the connection has --cert resp, no --psk.
bench_skua_start() {
	local inst=$1 ns=$2 stack=$3 nh=$4 ike=$5 esp=$6 d auth=(--psk) ours=()
	d=$IOP_TMP/$inst
	mkdir -p "$d/run" "$d/ipsec.d/certs" "$d/ipsec.d/cacerts" "$d/ipsec.d/private" \
		"$d/ipsec.d/crls"
	printf '%%any : PSK "%s"\n' "$BENCH_PSK" >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	if [ -n "${BENCH_PKI:-}" ]; then
		cp "$BENCH_PKI/resp.pem" "$d/ipsec.d/certs/resp.pem"
		install -m 600 "$BENCH_PKI/resp.key" "$d/ipsec.d/private/resp.key"
		cp "$BENCH_PKI/ca.pem" "$d/ipsec.d/cacerts/ca.pem"
		auth=()
		ours=(--cert resp)
	fi
	eval "IOP_KIND_$inst=skua IOP_NS_$inst=$ns"
	# The generator's clients all send one ID (their address): with --uniqueids (the
	# default) each would replace the one before, so the responder keeps them all.
	iop_spawn "$ns" "$d/pluto.log" "$d/run" /run -- taskset -c "$RESP_CPU" \
		"$SKUA_PLUTO" --nofork --stderrlog --use-"$stack" --nhelpers "$nh" --uniqueids=no \
		--rundir "$d/run" --secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d" \
		${SKUA_PLUTO_ARGS:-}
	BENCH_PID=$IOP_SPAWNED
	eval "SKUA_PID_$inst=$IOP_SPAWNED"
	iop_wait_daemon "$BENCH_PID" "$IOP_WAIT" skua_whack "$inst" --status ||
		{ iop_dump "$d/pluto.log"; iop_die "Skua pluto did not start"; }
	skua_whack "$inst" --listen >"$d/listen.out" 2>&1 || iop_die "whack --listen failed"
	# shellcheck disable=SC2086 # BENCH_CONN_OPTS is a list of options
	skua_whack "$inst" --name rw --ikev"${BENCH_IKEV:-2}" "${auth[@]}" --encrypt --tunnel --host "$R4" \
		"${ours[@]}" --to --host %any --ike "$ike" --esp "$esp" \
		${BENCH_CONN_OPTS:---dontrekey} \
		>"$d/load.out" 2>&1 ||
		{ cat "$d/load.out" >&2; iop_die "Skua: adding the road-warrior connection failed"; }
	bench_pin "$BENCH_PID" "$RESP_CPU"
}

# strongSwan: bench_sswan_start INST NS IKE ESP (strongSwan syntax): lib.sh's sswan_start
# with logging at its quiet end (syslog off), the IKE SA table sized for many SAs and the
# DoS thresholds (cookies, per-IP blocking) out of the way: the generator comes from a few
# thousand addresses at a few hundred half-open SAs.
bench_sswan_start() {
	local inst=$1 ns=$2 ike=$3 esp=$4 d sw_auth="auth = psk" certs=""
	d=$(sswan_dir "$inst")
	eval "IOP_KIND_$inst=sswan IOP_NS_$inst=$ns"
	SSWAN_LOG_LEVELS='default = 0' SSWAN_TUNING='ikesa_table_size = 65536
ikesa_table_segments = 16
cookie_threshold = 10000000
cookie_threshold_ip = 10000000
block_threshold = 10000000
init_limit_half_open = 0
syslog {
    daemon {
        default = -1
    }
    auth {
        default = -1
    }
}' sswan_start "$inst" "$ns"
	eval "BENCH_PID=\$SSWAN_PID_$inst"
	if [ -n "${BENCH_PKI:-}" ]; then
		cp "$BENCH_PKI/resp.pem" "$d/swanctl/x509/bench-resp.pem"
		install -m 600 "$BENCH_PKI/resp.key" "$d/swanctl/private/bench-resp.key"
		cp "$BENCH_PKI/ca.pem" "$d/swanctl/x509ca/bench-ca.pem"
		sw_auth="auth = pubkey"
		certs="certs = bench-resp.pem"
	fi
	cat >"$d/conns/rw.conf" <<-EOF
		    rw {
		        version = ${BENCH_IKEV:-2}
		        local_addrs = $R4
		        remote_addrs = %any
		        proposals = $ike
		        rekey_time = 0
		        dpd_delay = 0
		        local {
		            $sw_auth
		            $certs
		        }
		        remote {
		            $sw_auth
		        }
		        children {
		            rw {
		                esp_proposals = $esp
		                mode = tunnel
		                start_action = none
		                rekey_time = 0
		            }
		        }
		    }
	EOF
	cat >"$d/secrets/rw.conf" <<-EOF
		    ike-rw {
		        secret = "$BENCH_PSK"
		    }
	EOF
	sswan_reload "$inst" || iop_die "strongSwan: loading the road-warrior connection failed"
	bench_pin "$BENCH_PID" "$RESP_CPU"
}

# libreswan: bench_lsw_start INST NS IKE ESP (libreswan syntax): lib.sh's lsw_start
# (plutodebug=none, uniqueids=no, protostack=xfrm) and a right=%any connection.
bench_lsw_start() {
	local inst=$1 ns=$2 ike=$3 esp=$4 d lsw_auth="authby=secret" certs="" lsw_ikev2=insist
	local pfs=""
	d=$(lsw_dir "$inst")
	eval "IOP_KIND_$inst=lsw IOP_NS_$inst=$ns"
	mkdir -p "$d"
	if [ "${BENCH_IKEV:-2}" = 1 ]; then
		lsw_ikev2=no
		# libreswan's default pfs=yes drops a Quick Mode without KE ("we require PFS but
		# Quick I1 SA specifies no GROUP_DESCRIPTION"), unanswered; the generator's has
		# none, as Skua's and strongSwan's responders here take
		pfs="pfs=no"
		LSW_IKEV1_POLICY=accept lsw_start "$inst" "$ns"
	else
		lsw_start "$inst" "$ns"
	fi
	eval "BENCH_PID=\$LSW_PID_$inst"
	if [ -n "${BENCH_PKI:-}" ]; then
		# as a libreswan user does: the certificate and key, and the CA, into NSS
		{
			pk12util -i "$BENCH_PKI/resp.p12" -d "sql:$d/nss" -W bench &&
				certutil -A -d "sql:$d/nss" -n bench-ca -t "CT,," -i "$BENCH_PKI/ca.pem"
		} >"$d/pk12util.out" 2>&1 ||
			{ cat "$d/pk12util.out" >&2; iop_die "libreswan: the NSS import failed"; }
		lsw_auth="authby=rsasig"
		[ "${BENCH_PKI_KIND:-rsa}" = ecdsa ] && lsw_auth="authby=ecdsa"
		certs="leftcert=bench-resp
		    leftid=%fromcert
		    rightid=%fromcert
		    rightca=%same"
	fi
	cat >"$d/conns/rw.conf" <<-EOF
		conn rw
		    ikev2=$lsw_ikev2
		    $lsw_auth
		    $certs
		    left=$R4
		    right=%any
		    ike=$ike
		    esp=$esp
		    $pfs
		    type=tunnel
		    leftupdown=%disabled
		    rekey=no
		    keyingtries=1
		    auto=add
	EOF
	printf '%%any : PSK "%s"\n' "$BENCH_PSK" >"$d/secrets/rw.secrets"
	{
		lsw_reread_secrets "$inst" &&
			timeout "$IOP_WAIT" "$LSW_BIN/addconn" --config "$d/ipsec.conf" \
				--ctlsocket "$d/run/pluto.ctl" rw
	} >"$d/load.out" 2>&1 || { cat "$d/load.out" >&2; iop_die "libreswan: adding rw failed"; }
	bench_pin "$BENCH_PID" "$RESP_CPU"
}

# bench_loadgen OUTDIR [loadgen options...]: run the generator in NS_L on its core, in hold
# mode, in the background; sets LG_PID. OUTDIR gets lg.out, lg.json, lg.csv, ready.
bench_loadgen() {
	local out=$1
	shift
	rm -f "$out/ready"
	ip netns exec "$NS_L" taskset -c "$GEN_CPU" "$LOADGEN" -r "$R4" -s 198.18.0.1 \
		--psk "$BENCH_PSK" --json "$out/lg.json" --csv "$out/lg.csv" --ready "$out/ready" \
		--log "$out/lg.log" --hold -1 -q "$@" >"$out/lg.out" 2>&1 &
	LG_PID=$!
}

# bench_wait_ready SECS: until the generator has written its summary (or exited)
bench_wait_ready() {
	local out=$1 end=$((SECONDS + $2))
	while [ ! -s "$out/ready" ]; do
		kill -0 "$LG_PID" 2>/dev/null || return 1
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
	return 0
}

# bench_loadgen_stop: SIGTERM (it deletes its SAs, best effort) and wait, bounded
bench_loadgen_stop() {
	kill -TERM "$LG_PID" 2>/dev/null || true
	local _
	for _ in $(seq 100); do
		kill -0 "$LG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$LG_PID" 2>/dev/null || true
	wait "$LG_PID" 2>/dev/null || true
}

# json_num FILE KEY: a top-level number of the generator's JSON
json_num() { sed -n "s/^  \"$2\": \\([0-9.e+-]*\\),*$/\\1/p" "$1" | head -n1; }

# ---- the crypto floor measured during a run ----
# probe_start OUT SECS: bench/crypto_floor --probe at SCHED_IDLE on RESP_CPU, in the cycles
# the responder leaves, for at most SECS, its lines to OUT/probe; sets PROBE_PID.
probe_start() {
	chrt --idle 0 taskset -c "$RESP_CPU" "$BUILD/bench/crypto_floor" --probe "$2" \
		>"$1/probe" 2>&1 &
	PROBE_PID=$!
	IOP_PIDS="$IOP_PIDS $PROBE_PID" # stopped by the cleanup if the script dies
}

# probe_stop PID: stop the probe (in the shell that started it: it waits for its last lines)
probe_stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# probe_window OUT: the stopped probe's floor (µs) over the seconds the generator whose
# output is in OUT ran (its elapsed time up to its summary, the ready file), or over the whole
# probe when none falls there; "-" when it measured nothing.
probe_window() {
	local end el
	end=$(stat -c %Y "$1/ready" 2>/dev/null)
	el=$(json_num "$1/lg.json" elapsed_s)
	awk -v end="${end:-0}" -v el="${el:-0}" '
		$1 == "FLOOR_US_PROBE_AT" && $2 >= int(end - el) && $2 <= end {
			split($3, t, "="); split($4, k, "="); s += t[2] * k[2]; n += k[2]
		}
		$1 == "FLOOR_US_PROBE" { split($2, t, "="); all = t[2] }
		END {
			if (n > 0) printf "%.1f\n", s / n
			else if (all != "") print all
			else print "-"
		}
	' "$1/probe"
}

# ---- churn: one responder, road warriors with and without an address (churn.sh, cp_cost.sh) ----

CHURN_POOL=100.64.0.0/14 # 262,144 addresses
CHURN_POOL_NAME=100.64.0.0-100.67.255.255
CHURN_R4CP=192.0.2.3 # the CP connection's address; the one without is R4 (192.0.2.2)

# bench_churn_netns: bench_netns with ADDRS sources, and CHURN_R4CP on the responder's side
bench_churn_netns() {
	bench_netns "$ADDRS"
	ip -n "$NS_R" address add "$CHURN_R4CP/24" dev veth1 || iop_die "adding $CHURN_R4CP failed"
}

# bench_churn_responder INST STACK [WRAPPER...]: Skua pluto in NS_R on RESP_CPU (default
# --uniqueids, --use-STACK, WORKERS workers), run by WRAPPER when given (e.g. valgrind and
# its options), with two road-warrior connections: rwcp on CHURN_R4CP gives each client an
# address of CHURN_POOL (Configuration payload), rw on R4 gives none. Sets BENCH_PID.
bench_churn_responder() {
	local inst=$1 stack=$2 d
	shift 2
	d=$IOP_TMP/$inst
	mkdir -p "$d/run" "$d/ipsec.d"
	printf '%%any : PSK "%s"\n' "$BENCH_PSK" >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	eval "IOP_KIND_$inst=skua IOP_NS_$inst=$NS_R"
	iop_spawn "$NS_R" "$d/pluto.log" "$d/run" /run -- taskset -c "$RESP_CPU" "$@" \
		"$SKUA_PLUTO" --nofork --stderrlog --use-"$stack" --nhelpers "$WORKERS" \
		--rundir "$d/run" --secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d"
	BENCH_PID=$IOP_SPAWNED
	iop_wait_daemon "$BENCH_PID" "$IOP_WAIT" skua_whack "$inst" --status ||
		{ iop_dump "$d/pluto.log"; iop_die "Skua pluto did not start"; }
	skua_whack "$inst" --listen >"$d/listen.out" 2>&1 || iop_die "whack --listen failed"
	skua_whack "$inst" --name rwcp --ikev2 --psk --encrypt --tunnel --host "$CHURN_R4CP" \
		--to --host %any --addresspool "$CHURN_POOL" --ike aes_gcm128-sha2_256-dh31 \
		--esp aes_gcm128 --dontrekey >"$d/load.out" 2>&1 ||
		{ cat "$d/load.out" >&2; iop_die "adding rwcp failed"; }
	skua_whack "$inst" --name rw --ikev2 --psk --encrypt --tunnel --host "$R4" --to --host %any \
		--ike aes_gcm128-sha2_256-dh31 --esp aes_gcm128 --dontrekey \
		>>"$d/load.out" 2>&1 || { cat "$d/load.out" >&2; iop_die "adding rw failed"; }
	bench_pin "$BENCH_PID" "$RESP_CPU"
}

# bench_churn_loadgen LABEL N ROUNDS HOOK [loadgen options...]: the generator in NS_L on
# GEN_CPU, in the foreground: N clients (ADDRS addresses x PORTS ports from port 10000) set
# up, checked (HOOK, its --round-cmd), deleted and checked again, ROUNDS times, at RATE/s,
# at most HALF_OPEN half-open. LABEL cp: IDs @cpK.churn asking for an address, to
# CHURN_R4CP; plain: IDs @plainK.churn asking for none, to R4.
bench_churn_loadgen() {
	local label=$1 n=$2 rounds=$3 hook=$4 resp=$R4 id='@plain%u.churn' cp=()
	shift 4
	[ "$label" = cp ] && { resp=$CHURN_R4CP; id='@cp%u.churn'; cp=(--cp); }
	ip netns exec "$NS_L" taskset -c "$GEN_CPU" "$LOADGEN" \
		-r "$resp" -s 198.18.0.1 -S "$ADDRS" -P "$PORTS" --src-port 10000 -n "$n" \
		-H "$HALF_OPEN" --rate "$RATE" --psk "$BENCH_PSK" --id "$id" --rounds "$rounds" \
		--round-cmd "$hook" -q "${cp[@]}" "$@"
}
