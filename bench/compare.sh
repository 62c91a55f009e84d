#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/compare.sh: one run of skua-loadgen against, in turn, Skua's pluto (--use-none with
# 1 and 2 workers, --use-netkey with 1), strongSwan 5.9.8's charon and libreswan 4.10's
# pluto, each a road-warrior PSK responder (Curve25519, AES-GCM-128, one Child SA per IKE
# SA) in its own network namespace, pinned to one core (RESP_CPU) while the generator runs
# on the other (GEN_CPU). Prints a markdown table and writes it to
# bench/results/compare-<date>.md, with the crypto floor beside it. See bench/README.md.
#
# Run as root after scripts/setup-peers and a build (scripts/build):
#   bench/compare.sh                 # N=5000 SAs per responder
#   N=20000 HALF_OPEN=128 bench/compare.sh
#   PROFILE=1 bench/compare.sh       # plus one more Skua run (1 worker), its core under perf record
#   IKEV1=1 bench/compare.sh         # IKEv1: Main Mode PSK + Quick Mode (issue 15)
#   bench/compare_guest.sh           # IKEv1 in the qemu guest, whose kernel has ESP
# Environment: N, HALF_OPEN, RATE (0: flat out), SETUP_WAIT (s, per responder), BUILD,
# ONLY (space-separated row names to run: skua1 skua2 skuaxfrm sswan lsw), IKEV1 (0; 1:
# every responder and the generator speak IKEv1, Phase 1 AES-CBC-128, SHA2-256, ECP-256,
# as IKEv1 has no AEAD or Curve25519 there; ESP stays AES-GCM-128), COMPARE_WHERE (set by
# compare_guest.sh inside the guest: the kernel has ESP, every responder installs its
# SAs; the text heads the report, whose name gets "-guest"), FLOOR_PROBE (1; 0: off): the
# crypto floor measured again during each run, by bench/crypto_floor --probe at SCHED_IDLE
# on RESP_CPU in the cycles the responder leaves, so that the CPU per SA is set against
# the box's speed of those very seconds (IKEv2 only: it times IKEv2's suite).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-5000}
HALF_OPEN=${HALF_OPEN:-128}
RATE=${RATE:-0}
SETUP_WAIT=${SETUP_WAIT:-600}
ONLY=${ONLY:-skua1 skua2 skuaxfrm sswan lsw}
PROFILE=${PROFILE:-0}
LSW_IKE=aes_gcm128-sha2_256-dh31
LSW_ESP=aes_gcm128
SSW_IKE=aes128gcm16-prfsha256-x25519
SSW_ESP=aes128gcm16
IKEV1=${IKEV1:-0}
FLOOR_PROBE=${FLOOR_PROBE:-1}
LG_V1=()
KIND=compare
if [ "$IKEV1" = 1 ]; then
	LSW_IKE=aes128-sha2_256-dh19
	SSW_IKE=aes128-sha256-ecp256
	export BENCH_IKEV=1
	LG_V1=(--ikev1)
	KIND=compare-v1
	FLOOR_PROBE=0
fi
ESP_NOTE="ESP SA install fails on this host: IKE SA up, Child SA refused"
if [ -n "${COMPARE_WHERE:-}" ]; then
	KIND=$KIND-guest
	ESP_NOTE="ESP SAs installed (the kernel has ESP)"
fi

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN" "$BUILD/bench/crypto_floor"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/$KIND-$stamp.md
rows=$IOP_TMP/rows
: >"$rows"
: >"$IOP_TMP/counts"
: >"$IOP_TMP/parts"
# what perf stat -p counts over each run: the system calls too where the tracepoint is there
PSTAT_EVENTS=context-switches,task-clock,page-faults
if perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
	PSTAT_EVENTS=$PSTAT_EVENTS,raw_syscalls:sys_enter
fi

floor="not measured: crypto_floor times IKEv2's X25519 and AES-GCM, not IKEv1's suite"
if [ "$IKEV1" != 1 ]; then
	bench_log "crypto floor"
	floor=$(taskset -c "$RESP_CPU" "$BUILD/bench/crypto_floor" 10000)
else
	printf 'config setup\n    ikev1-policy=accept\n' >"$IOP_TMP/skua-ikev1.conf"
	SKUA_PLUTO_ARGS="--config $IOP_TMP/skua-ikev1.conf ${SKUA_PLUTO_ARGS:-}"
fi
bench_log "namespaces and $N source addresses"
bench_netns "$N"

# measure ROW LABEL WORKERS KERNEL NOTE: the responder BENCH_PID is up; drive it and add a row.
measure() {
	local row=$1 label=$2 workers=$3 kernel=$4 note=$5 out=$IOP_TMP/$1
	local t0 t1 c0 c1 r0 r1 up child rate p50 p99 cpu_ms rss_b fail cause perf_pid="" pstat_pid=""
	local csw_sa="-" task_ms="-" kids_ms="-" probe_pid="" probe_us="-"
	mkdir -p "$out"
	sleep 1
	# every thread and every child process (updown scripts): perf stat -p inherits
	if [ "$row" != profile ] && perf stat -e context-switches true >/dev/null 2>&1; then
		perf stat -x, -e "$PSTAT_EVENTS" -p "$BENCH_PID" -o "$out/pstat" >/dev/null 2>&1 &
		pstat_pid=$!
	fi
	[ -z "${MEASURE_SKUA:-}" ] || skua_parts "$MEASURE_SKUA" >"$out/parts0"
	t0=$(bench_cpu_ticks "$BENCH_PID")
	c0=$(bench_child_ticks "$BENCH_PID")
	r0=$(bench_rss "$BENCH_PID")
	if [ "$row" = profile ]; then
		# System-wide on the responder's core (-p would inflate the switches several
		# times); sampling costs CPU, so this run is not in the table.
		perf record -e cpu-clock -F 999 -a -C "$RESP_CPU" -o "$out/perf.data" \
			>"$out/perf.out" 2>&1 &
		perf_pid=$!
	fi
	if [ "$FLOOR_PROBE" = 1 ] && [ "$row" != profile ]; then
		probe_start "$out" "$((SETUP_WAIT + 60))"
		probe_pid=$PROBE_PID
	fi
	bench_log "$label: $N SAs"
	bench_loadgen "$out" -n "$N" -S "$N" -H "$HALF_OPEN" -R "$RATE" -t "$SETUP_WAIT" \
		--ike "$LSW_IKE" --esp "$LSW_ESP" "${LG_V1[@]}"
	if ! bench_wait_ready "$out" "$((SETUP_WAIT + 30))"; then
		bench_log "$label: the generator did not finish; see $out/lg.out"
	fi
	if [ -n "$probe_pid" ]; then
		probe_stop "$probe_pid"
		probe_us=$(probe_window "$out")
	fi
	sleep 1 # late retransmissions, the last kernel answers
	t1=$(bench_cpu_ticks "$BENCH_PID")
	c1=$(bench_child_ticks "$BENCH_PID")
	r1=$(bench_rss "$BENCH_PID")
	[ -z "${MEASURE_SKUA:-}" ] || skua_parts "$MEASURE_SKUA" >"$out/parts1"
	if [ -n "$pstat_pid" ]; then
		kill -INT "$pstat_pid" 2>/dev/null
		wait "$pstat_pid" 2>/dev/null
	fi
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
		{
			# by comm, not --pid or --comm: those filters drop the kernel's samples
			echo "CPU $RESP_CPU's samples by thread name and object (swapper: idle):"
			perf report -i "$out/perf.data" --stdio --sort comm,dso 2>/dev/null |
				grep -E '^ +[0-9]' | head -n 16
			echo "by symbol (libcrypto's internal functions have no symbols: hex):"
			perf report -i "$out/perf.data" --stdio --sort comm,dso,symbol 2>/dev/null |
				grep -E '^ +[0-9]' | grep -v ' swapper ' | head -n 30
		} >"$results/$KIND-$stamp-perf.txt"
		bench_loadgen_stop
		return 0
	fi
	bench_loadgen_stop
	cat "$out/lg.out" >&2
	up=$(json_num "$out/lg.json" ike_established)
	child=$(json_num "$out/lg.json" child_established)
	rate=$(json_num "$out/lg.json" setups_per_s)
	fail=$(json_num "$out/lg.json" failed)
	p50=$(sed -n 's/.*"ike_latency_ms": {"p50": \([0-9.]*\).*/\1/p' "$out/lg.json")
	p99=$(sed -n 's/.*"ike_latency_ms": {.*"p99": \([0-9.]*\).*/\1/p' "$out/lg.json")
	cause=$(sed -n 's/.*"count": \([0-9]*\), "cause": "\(.*\)"}.*/\1 × \2/p' "$out/lg.json" |
		head -n 1)
	cpu_ms=$(awk -v a="$t0" -v b="$t1" -v t="$CLK_TCK" -v n="${up:-0}" \
		'BEGIN { if (n > 0) printf "%.3f", (b - a) * 1000 / t / n; else print "-" }')
	rss_b=$(awk -v a="$r0" -v b="$r1" -v n="${up:-0}" \
		'BEGIN { if (n > 0) printf "%.0f", (b - a) / n; else print "-" }')
	if [ -s "$out/pstat" ] && [ "${up:-0}" -gt 0 ]; then
		csw_sa=$(awk -F, -v n="$up" '$3 == "context-switches" { printf "%.2f", $1 / n }' \
			"$out/pstat")
		task_ms=$(awk -F, -v n="$up" '$3 ~ /^task-clock/ { printf "%.3f", $1 / n }' \
			"$out/pstat")
		awk -F, -v n="$up" -v l="$label | $workers | $kernel" '
			$3 == "page-faults" { f = sprintf("%.2f", $1 / n) }
			$3 == "raw_syscalls:sys_enter" { c = sprintf("%.2f", $1 / n) }
			END { printf "| %s | %s | %s |\n", l, f == "" ? "-" : f, c == "" ? "-" : c }' \
			"$out/pstat" >>"$IOP_TMP/counts"
	fi
	if [ -s "$out/parts1" ] && [ "${up:-0}" -gt 0 ]; then
		parts_row "$out/parts0" "$out/parts1" "$up" "$label | $workers | $kernel" \
			>>"$IOP_TMP/parts"
	fi
	kids_ms=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" -v n="${up:-0}" \
		'BEGIN { if (n > 0) printf "%.3f", (b - a) * 1000 / t / n; else print "-" }')
	printf '%s|%s|%s|%s|%s/%s|%s|%s|%s / %s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$row" "$label" \
		"$workers" "$kernel" "${up:-0}" "$N" "${child:-0}" "${rate:-0}" "${p50:--}" \
		"${p99:--}" "$cpu_ms" "$rss_b" "$note" "${cause:-none}" "${task_ms:--}" \
		"${csw_sa:--}" "$kids_ms" "$(probe_cell "${probe_us:--}" \
			"$(cpu_all "$cpu_ms" "${task_ms:--}")")" >>"$rows"
	cp "$out/lg.json" "$results/$KIND-$stamp-$row.json" 2>/dev/null || true
}

# cpu_all CPU_MS TASK_MS: the responder's CPU per SA with its children, the larger of its
# two measures: /proc's (utime+stime, its reaped children's included) and perf's task
# clock. The task clock leaves out the switch into the responder, which the scheduler's
# runtime behind /proc counts: about 3 % less at half saturation, the same flat out
# (bench/README.md, "Two clocks").
cpu_all() {
	awk -v c="$1" -v t="$2" 'BEGIN {
		p = (c == "-") ? -1 : c + 0; q = (t == "-") ? -1 : t + 0
		m = p > q ? p : q
		if (m < 0) print "-"; else printf "%.4f", m
	}'
}

# probe_cell US MS: "US µs (MS/US ×)", the in-run floor and the CPU per SA against it
probe_cell() {
	awk -v u="$1" -v m="$2" 'BEGIN {
		if (u == "-" || u + 0 <= 0) { print "-"; exit }
		if (m == "-") printf "%.1f", u; else printf "%.1f (%.2f×)", u, m * 1000 / u
	}'
}

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

# skua_parts INST: "part ms" per part of the workers' loops, summed over the workers
# (--processstatus: "worker N: time in ms: receive 12, datagrams 340, ...")
skua_parts() {
	skua_whack "$1" --processstatus 2>&1 | sed -n 's/.*worker [0-9]*: time in ms: //p' |
		tr ',' '\n' | awk 'NF == 2 { ms[$1] += $2; if (!($1 in o)) { o[$1] = ++k; n[k] = $1 } }
			END { for (i = 1; i <= k; i++) print n[i], ms[n[i]] }'
}

# parts_row BEFORE AFTER SAS LABEL: a table row of the parts' microseconds per SA over the
# run (whole milliseconds at each end: about 1 ms / SAS of error per part), and their sum
parts_row() {
	awk -v n="$3" -v l="$4" 'FNR == NR { a[$1] = $2; next }
		{ us = ($2 - a[$1]) * 1000 / n; sum += us; row = row sprintf(" %.1f |", us) }
		END { printf "| %s |%s %.1f |\n", l, row, sum }' "$1" "$2"
}

# skua_workers INST ROW: keep the worker lines of --processstatus (datagrams in and out,
# the sendmmsg calls that sent them, crypto jobs) next to the report
skua_workers() {
	skua_whack "$1" --processstatus 2>&1 | grep -E 'worker [0-9]+:' \
		>"$results/$KIND-$stamp-$2-workers.txt" || true
}

if want skua1; then
	bench_skua_start sk1 "$NS_R" none 1 "$LSW_IKE" "$LSW_ESP"
	MEASURE_SKUA=sk1 measure skua1 "Skua pluto" 1 none "" &&
		{ skua_workers sk1 skua1; skua_stop sk1; }
fi
if want skua2; then
	bench_skua_start sk2 "$NS_R" none 2 "$LSW_IKE" "$LSW_ESP"
	MEASURE_SKUA=sk2 measure skua2 "Skua pluto" 2 none "" &&
		{ skua_workers sk2 skua2; skua_stop sk2; }
fi
if want skuaxfrm; then
	bench_skua_start skx "$NS_R" netkey 1 "$LSW_IKE" "$LSW_ESP"
	MEASURE_SKUA=skx measure skuaxfrm "Skua pluto" 1 "XFRM" "$ESP_NOTE" &&
		{ skua_workers skx skuaxfrm; skua_stop skx; }
fi
if want sswan; then
	bench_sswan_start ssw "$NS_R" "$SSW_IKE" "$SSW_ESP"
	measure sswan "strongSwan 5.9.8 charon" "16 threads" "XFRM" "$ESP_NOTE" &&
		sswan_stop ssw
fi
if want lsw; then
	bench_lsw_start lsw "$NS_R" "$LSW_IKE" "$LSW_ESP"
	measure lsw "libreswan 4.10 pluto" "main + helpers" "XFRM" "$ESP_NOTE" &&
		lsw_stop lsw
fi

if [ "$PROFILE" = 1 ]; then
	perf stat -e cpu-clock true >/dev/null 2>&1 || iop_die "perf does not work here"
	bench_skua_start skp "$NS_R" none 1 "$LSW_IKE" "$LSW_ESP"
	measure profile "Skua pluto (profiled)" 1 none ""
	skua_stop skp
fi

# ---- the report ----
cpu_of() { awk -F'|' -v r="$1" '$1 == r { print $9 }' "$rows"; }
rss_of() { awk -F'|' -v r="$1" '$1 == r { print $10 }' "$rows"; }
verdict() { # value op limit
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
		if (v == "" || v == "-") { print "not measured"; exit }
		ok = op == "<=" ? v <= l : 0
		print (ok ? "met" : "NOT met")
	}'
}
{
	echo "# Responder comparison, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "skua-loadgen ($N IKE SAs, each with one Child SA, from $N source addresses, at most"
	echo "$HALF_OPEN half-open, rate ${RATE/#0/flat out}) against each responder in a network namespace;"
	if [ "$IKEV1" = 1 ]; then
		echo "IKEv1: Main Mode with the PSK, then one Quick Mode (IKE: $LSW_IKE, ESP: $LSW_ESP;"
		echo "strongSwan: $SSW_IKE, $SSW_ESP)."
	else
		echo "PSK, Curve25519, AES-GCM-128 (IKE: $LSW_IKE, ESP: $LSW_ESP)."
	fi
	echo "Responder pinned to CPU $RESP_CPU, generator to CPU $GEN_CPU; host: $(nproc --all) CPUs,"
	echo "$(uname -r), shared with other work, so treat rates as indicative."
	bench_layout_note
	if [ -n "${COMPARE_WHERE:-}" ]; then
		echo
		echo "$COMPARE_WHERE"
	fi
	echo
	echo "| responder | workers | kernel | IKE SAs up | Child SAs up | setups/s | IKE latency p50 / p99 ms | responder CPU ms/SA | with children ms/SA | of which updown children ms/SA | context switches/SA | resident B/SA | crypto floor in the run µs (CPU × it: the larger of the two) | notes | first failure cause |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9, $13, $15, $14, $10, $16, $11, $12 }' "$rows"
	echo
	echo "setups/s: IKE SAs established per second, first start to last establishment, as the"
	echo "generator saw it (bounded by the generator too: it does the same public-key work on"
	echo "its one core). CPU ms/SA: utime+stime of the responder process from /proc/PID/stat"
	echo "over the run, divided by the IKE SAs established. With children ms/SA and context"
	echo "switches/SA: perf stat -e task-clock,context-switches -p PID over the same window, which"
	echo "counts every thread and every child process (updown scripts) the responder made."
	echo "Updown children ms/SA: the CPU of the child processes the responder reaped (updown"
	echo "scripts), from its /proc stat: a part of the column before it. Resident B/SA: (VmRSS holding them"
	echo "- VmRSS idle) / IKE SAs established. Crypto floor in the run: bench/crypto_floor --probe"
	echo "beside the responder; the ratio sets against it the larger of the two CPU measures"
	echo "(responder CPU, with children), as the task clock leaves out the switch into the"
	echo "responder."
	if [ -s "$IOP_TMP/counts" ]; then
		echo
		echo "Per SA over each run (perf stat -p, every thread and child; \"-\": not counted here):"
		echo
		echo "| responder | workers | kernel | page faults/SA | system calls/SA |"
		echo "|---|---|---|---|---|"
		cat "$IOP_TMP/counts"
	fi
	if [ -s "$IOP_TMP/parts" ]; then
		echo
		echo "Where Skua's workers spent their loops over each run, µs of the wall clock per" \
			"SA (whack --processstatus before and after, the workers summed; the waits in" \
			"none; IKE_AUTH's own cryptography is in datagrams, the key exchanges in crypto):"
		echo
		echo "| responder | workers | kernel | receive | datagrams | crypto | mail | timers |" \
			"idle | send | sum |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
		cat "$IOP_TMP/parts"
	fi
	echo
	echo "## The crypto floor"
	echo
	echo '```'
	echo "$floor" | grep -v '^FLOOR_US'
	echo '```'
	echo
	echo "## Targets (Skua$([ "$IKEV1" = 1 ] && echo ", set for IKEv2: indicative here"))"
	echo
	c1=$(cpu_of skua1)
	c2=$(cpu_of skua2)
	echo "- responder CPU ≤ 0.25 ms per SA (1 worker): ${c1:-not measured} ms: $(verdict "${c1:-}" "<=" 0.25)"
	echo "- resident ≤ 2048 B per IKE SA with its Child SA (1 worker): $(rss_of skua1) B: $(verdict "$(rss_of skua1)" "<=" 2048)"
	if [ -n "${c1:-}" ] && [ -n "${c2:-}" ] && [ "$c1" != - ] && [ "$c2" != - ]; then
		ratio=$(awk -v a="$c1" -v b="$c2" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
		echo "- 2 workers ≤ 10% more CPU per SA than 1: ${ratio}%: $(verdict "$ratio" "<=" 10)"
	fi
	if [ -s "$results/$KIND-$stamp-perf.txt" ]; then
		echo
		echo "## Where Skua's responder time goes (perf record -e cpu-clock -a -C $RESP_CPU, 1 worker, a separate run)"
		echo
		echo '```'
		cat "$results/$KIND-$stamp-perf.txt"
		echo '```'
	fi
} >"$md"
cat "$md"
echo "# written to $md" >&2
