#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/hostile.sh: legitimate clients under hostile load (issue 14 item 5). One Skua
# responder (--use-none, WORKERS workers on RESP_CPU, /metrics on), in one run:
#
#   capacity  skua-loadgen flat out (CAP_N SAs, each deleted once up): setups/s
#   baseline  the legitimate clients alone: LEGIT_RATE setups/s for DURATION s
#   spoofed   the same clients while skua-flood sends IKE_SA_INIT requests from SPOOF
#             spoofed source addresses (raw socket) at FACTOR x the capacity; then the
#             half-open SAs are left DRAIN s to time out
#   malformed the same clients while skua-flood sends malformed datagrams as fast as it
#             can (MAL_RATE, default 1,000,000/s: the box's limit)
#
# Every second: half-open SAs, half-open bytes, pluto's RSS and CPU. Per phase: legitimate
# setups completed / asked, their p50/p99, the responder's counters (cookies sent, crypto
# jobs run, IKE_SA_INIT dropped, answers rate-limited, log lines written). The spoofed
# sources are 10.64.0.0/15 (the responder routes them back to the generator's namespace,
# which drops the answers); the legitimate ones 198.18.0.1... Writes
# bench/results/hostile-<date>.md and the per-second series hostile-<date>.tsv.
#
# Environment: CAP_N (3000), LEGIT_RATE (50), DURATION (30), FACTOR (10), SPOOF (100000),
# MAL_RATE (1000000), DRAIN (35), ADDRS (100), WORKERS (1), BUILD.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

CAP_N=${CAP_N:-3000}
LEGIT_RATE=${LEGIT_RATE:-50}
DURATION=${DURATION:-30}
FACTOR=${FACTOR:-10}
SPOOF=${SPOOF:-100000}
MAL_RATE=${MAL_RATE:-1000000}
DRAIN=${DRAIN:-35}
ADDRS=${ADDRS:-100}
WORKERS=${WORKERS:-1}
FLOOD=$BUILD/bench/skua-flood
MPORT=9471
IKE=aes_gcm256-sha2_256-dh31 # what skua-flood proposes
ESP=aes_gcm128

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN" "$FLOOD"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
[ "$DURATION" -le 110 ] || iop_die "DURATION at most 110 s (skua-flood's bound)"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/hostile-$stamp.md
tsv=$results/hostile-$stamp.tsv
load0=$(cut -d' ' -f1-3 /proc/loadavg)

bench_netns "$ADDRS"
ip -n "$NS_R" route add 10.64.0.0/15 via "$L4" || iop_die "route to the spoofed sources failed"
SKUA_PLUTO_ARGS="--metrics 127.0.0.1:$MPORT" \
	bench_skua_start sk "$NS_R" none "$WORKERS" "$IKE" "$ESP"
plog=$IOP_TMP/sk/pluto.log

# metric NAME [LABEL-REGEX]: the sum of a metric's samples (every worker, every label)
scrape() { ip netns exec "$NS_R" curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics"; }
metric() { # metric FILE NAME [regex on the labels]
	awk -v n="$2" -v re="${3:-}" '$1 !~ /^#/ {
		name = $1; sub(/\{.*/, "", name)
		if (name == n && (re == "" || $1 ~ re)) s += $NF
	} END { printf "%.0f\n", s }' "$1"
}
COUNTERS="skua_ike_cookies_sent_total skua_ike_backlog_cookies_total skua_ike_cookies_verified_total skua_crypto_jobs_run_total skua_ike_sa_init_dropped_total skua_ike_answers_rate_limited_total skua_ike_messages_dropped_total skua_datagrams_received_total skua_datagrams_dropped_total skua_ike_sas_started_total skua_log_lines_total skua_updown_runs_total"
snap() { # snap NAME: the counters, the CPU, the log's lines
	local f=$IOP_TMP/snap-$1
	scrape >"$f.prom" || : >"$f.prom"
	{
		for c in $COUNTERS; do echo "$c $(metric "$f.prom" "$c")"; done
		echo "cpu_ticks $(bench_cpu_ticks "$BENCH_PID")"
		echo "child_ticks $(bench_child_ticks "$BENCH_PID")"
		echo "log_lines $(wc -l <"$plog")"
		# lines about dropped datagrams and refused requests, and the rate limits' summaries
		echo "drop_lines $(grep -cE 'dropp|suppressed|half-open|too many' "$plog")"
		echo "rss $(bench_rss "$BENCH_PID")"
		# where else a legitimate datagram can be lost: the kernel's backlog of each
		# CPU (veth delivers through it; its second column counts drops), and each
		# namespace's UDP receive buffers
		echo "softnet_drops $(softnet_drops)"
		echo "r_rcvbuf_errors $(bench_udp_drops "$NS_R")"
		echo "l_rcvbuf_errors $(bench_udp_drops "$NS_L")"
	} >"$f"
}
softnet_drops() { # the second column of /proc/net/softnet_stat (hex), summed over the CPUs
	local _ d s=0
	while read -r _ d _; do s=$((s + 16#$d)); done </proc/net/softnet_stat
	echo "$s"
}
delta() { # delta A B KEY
	awk -v k="$3" 'FNR == NR { if ($1 == k) a = $2; next } $1 == k { printf "%.0f\n", $2 - a }' \
		"$IOP_TMP/snap-$1" "$IOP_TMP/snap-$2"
}

# sampler PHASE SECS: one line a second to the TSV, in the background (SAMPLER_PID)
t_start=$(date +%s.%N)
printf 't_s\tphase\thalf_open\thalf_open_bytes\trss_kib\tcpu_ticks\n' >"$tsv"
sampler() {
	local phase=$1 secs=$2 i f=$IOP_TMP/sample.prom
	for ((i = 0; i < secs; i++)); do
		scrape >"$f" || : >"$f"
		kill -0 "$BENCH_PID" 2>/dev/null || { echo "pluto gone" >>"$tsv"; return; }
		printf '%.1f\t%s\t%s\t%s\t%s\t%s\n' \
			"$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$phase" \
			"$(metric "$f" skua_ike_sas 'half_open')" "$(metric "$f" skua_ike_half_open_bytes)" \
			"$(($(bench_rss "$BENCH_PID") / 1024))" "$(bench_cpu_ticks "$BENCH_PID")" >>"$tsv"
		sleep 1
	done
}

# legit PHASE: the legitimate clients, LEGIT_RATE/s for DURATION s, each deleted once up
legit() {
	local out=$IOP_TMP/$1
	mkdir -p "$out"
	bench_loadgen "$out" -n "$((LEGIT_RATE * DURATION))" -S "$ADDRS" -R "$LEGIT_RATE" \
		-H 1024 -t "$((DURATION + 60))" --teardown --ike "$IKE" --esp "$ESP"
}
legit_wait() { # legit_wait PHASE: "up asked p50 p99 max"
	local out=$IOP_TMP/$1
	bench_wait_ready "$out" "$((DURATION + 90))" || bench_log "$1: the generator did not finish"
	bench_loadgen_stop
	cp "$out/lg.json" "$results/hostile-$stamp-$1.json" 2>/dev/null || true
	echo "$(json_num "$out/lg.json" ike_established) $((LEGIT_RATE * DURATION))" \
		"$(sed -n 's/.*"ike_latency_ms": {"p50": \([0-9.]*\).*/\1/p' "$out/lg.json")" \
		"$(sed -n 's/.*"ike_latency_ms": {.*"p99": \([0-9.]*\).*/\1/p' "$out/lg.json")" \
		"$(sed -n 's/.*"ike_latency_ms": {.*"max": \([0-9.]*\).*/\1/p' "$out/lg.json")"
}

# ---- capacity ----
# The flood shares the generator's core: niced, so the legitimate clients get it first.
bench_log "capacity: $CAP_N SAs flat out"
snap cap0
mkdir -p "$IOP_TMP/cap"
bench_loadgen "$IOP_TMP/cap" -n "$CAP_N" -S "$ADDRS" -H 128 -t 300 --teardown \
	--ike "$IKE" --esp "$ESP"
bench_wait_ready "$IOP_TMP/cap" 330 || bench_log "capacity: the generator did not finish"
bench_loadgen_stop
snap cap1
cap_up=$(json_num "$IOP_TMP/cap/lg.json" ike_established)
capacity=$(json_num "$IOP_TMP/cap/lg.json" setups_per_s)
capacity=${capacity%.*}
[ "${capacity:-0}" -gt 0 ] || iop_die "capacity: no setups (see $IOP_TMP/cap/lg.out)"
flood_rate=$((capacity * FACTOR))
cap_cpu=$(awk -v t="$(delta cap0 cap1 cpu_ticks)" -v n="$cap_up" -v tk="$CLK_TCK" \
	'BEGIN { printf "%.3f", t * 1000 / tk / n }')
jobs_per_sa=$(awk -v j="$(delta cap0 cap1 skua_crypto_jobs_run_total)" -v n="$cap_up" \
	'BEGIN { printf "%.2f", j / n }')
bench_log "capacity: $capacity setups/s, $cap_cpu ms CPU and $jobs_per_sa crypto jobs per SA"
sleep 2

# ---- baseline ----
bench_log "baseline: $LEGIT_RATE legitimate setups/s for $DURATION s"
snap base0
sampler baseline "$DURATION" &
SAMPLER_PID=$!
legit base
read -r b_up b_n b_p50 b_p99 b_max < <(legit_wait base)
wait "$SAMPLER_PID" 2>/dev/null
snap base1

# ---- spoofed IKE_SA_INIT flood ----
bench_log "spoofed: $flood_rate IKE_SA_INIT/s from $SPOOF addresses for $DURATION s"
snap sp0
sampler spoofed "$((DURATION + DRAIN))" &
SAMPLER_PID=$!
ip netns exec "$NS_L" taskset -c "$GEN_CPU" nice -n 19 "$FLOOD" -s 10.64.0.1 -c "$SPOOF" "$R4" 500 init \
	"$flood_rate" "$DURATION" >"$IOP_TMP/flood-init.out" 2>&1 &
FLOOD_PID=$!
legit spoofed
read -r s_up s_n s_p50 s_p99 s_max < <(legit_wait spoofed)
wait "$FLOOD_PID"
snap sp1
bench_log "spoofed: the half-open SAs time out ($DRAIN s)"
wait "$SAMPLER_PID" 2>/dev/null
snap sp2
sp_sent=$(awk '{ print $2 }' "$IOP_TMP/flood-init.out")

# ---- malformed flood ----
bench_log "malformed: as fast as skua-flood goes (at most $MAL_RATE/s) for $DURATION s"
snap mf0
sampler malformed "$((DURATION + 3))" &
SAMPLER_PID=$!
ip netns exec "$NS_L" taskset -c "$GEN_CPU" nice -n 19 "$FLOOD" "$R4" 500 malformed "$MAL_RATE" \
	"$DURATION" >"$IOP_TMP/flood-mal.out" 2>&1 &
FLOOD_PID=$!
legit malformed
read -r m_up m_n m_p50 m_p99 m_max < <(legit_wait malformed)
wait "$FLOOD_PID"
wait "$SAMPLER_PID" 2>/dev/null
snap mf1
mf_sent=$(awk '{ print $2 }' "$IOP_TMP/flood-mal.out")
alive=yes
kill -0 "$BENCH_PID" 2>/dev/null || alive="NO: pluto exited"
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report ----
col() { # col PHASE COLUMN(3=half_open 4=bytes 5=rss): "min max last"
	awk -F'\t' -v p="$1" -v c="$2" '$2 == p { v = $c + 0; if (n++ == 0 || v < lo) lo = v
		if (v > hi) hi = v; last = v } END { printf "%d %d %d\n", lo, hi, last }' "$tsv"
}
pct() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a * 100 / b; else print "-" }'; }
cpu_of() { awk -v t="$(delta "$1" "$2" "${3:-cpu_ticks}")" -v tk="$CLK_TCK" 'BEGIN { printf "%.2f", t / tk }'; }
{
	echo "# Hostile load, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "Skua pluto --use-none, $WORKERS worker(s) pinned to CPU $RESP_CPU, /metrics on; skua-loadgen"
	echo "and skua-flood on CPU $GEN_CPU. PSK, X25519, AES-GCM-256 (IKE), AES-GCM-128 (ESP). Load average (1/5/15 min):"
	echo "$load0 at the start, $load1 at the end ($(nproc --all) CPUs, shared with other work)."
	echo
	echo "**Capacity** (same run, $CAP_N SAs flat out, 128 half-open, each deleted once up):"
	echo "$capacity setups/s, $cap_cpu ms responder CPU per SA, $jobs_per_sa crypto jobs per SA."
	echo
	echo "Legitimate clients: $LEGIT_RATE setups/s for $DURATION s ($((LEGIT_RATE * DURATION)) SAs from $ADDRS"
	echo "addresses), each deleted once up."
	echo
	echo "| phase | flood sent (/s) | legit up / asked | share | legit p50 / p99 / max ms | half-open max | half-open bytes max | RSS KiB min → max (last) | pluto CPU s (of which updown children) | updown runs | cookies sent | crypto jobs run | INIT dropped | answers rate-limited | log lines (of which drops, limits) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	row() { # row LABEL PHASE S0 S1 SENT UP N P50 P99 MAX
		local h b r
		read -r _ h _ < <(col "$2" 3)
		read -r _ b _ < <(col "$2" 4)
		r=$(col "$2" 5)
		echo "| $1 | $5 | ${6:-0} / $7 | $(pct "${6:-0}" "$7") % | ${8:--} / ${9:--} / ${10:--} | $h | $b |" \
			"$(echo "$r" | awk '{ printf "%d → %d (%d)", $1, $2, $3 }') | $(cpu_of "$3" "$4") ($(cpu_of "$3" "$4" child_ticks)) |" \
			"$(delta "$3" "$4" skua_updown_runs_total) |" \
			"$(delta "$3" "$4" skua_ike_cookies_sent_total) | $(delta "$3" "$4" skua_crypto_jobs_run_total) |" \
			"$(delta "$3" "$4" skua_ike_sa_init_dropped_total) | $(delta "$3" "$4" skua_ike_answers_rate_limited_total) |" \
			"$(delta "$3" "$4" log_lines) ($(delta "$3" "$4" drop_lines)) |"
	}
	row "legitimate only" baseline base0 base1 "0" "$b_up" "$b_n" "$b_p50" "$b_p99" "$b_max"
	row "spoofed IKE_SA_INIT, $SPOOF sources, ${FACTOR}× capacity" spoofed sp0 sp2 \
		"${sp_sent:-0} ($(awk -v s="${sp_sent:-0}" -v d="$DURATION" 'BEGIN { printf "%.0f", s / d }'))" \
		"$s_up" "$s_n" "$s_p50" "$s_p99" "$s_max"
	row "malformed, flat out" malformed mf0 mf1 \
		"${mf_sent:-0} ($(awk -v s="${mf_sent:-0}" -v d="$DURATION" 'BEGIN { printf "%.0f", s / d }'))" \
		"$m_up" "$m_n" "$m_p50" "$m_p99" "$m_max"
	echo
	echo "The spoofed row's counters and CPU run from the flood's start to the end of the drain"
	echo "($DRAIN s after it); half-open at the end of the drain: $(col spoofed 3 | awk '{ print $3 }')."
	spj=$(delta sp0 sp1 skua_crypto_jobs_run_total)
	echo "Crypto jobs during the spoofed flood: $spj, of which the $s_up legitimate setups account"
	echo "for about $(awk -v u="${s_up:-0}" -v j="$jobs_per_sa" 'BEGIN { printf "%.0f", u * j }')"
	echo "($jobs_per_sa per SA, from the capacity phase): the rest, about"
	echo "$(awk -v a="$spj" -v u="${s_up:-0}" -v j="$jobs_per_sa" 'BEGIN { printf "%.0f", a - u * j }'),"
	echo "went to spoofed requests, against $(delta sp0 sp1 skua_ike_cookies_sent_total) cookies sent"
	echo "($(delta sp0 sp1 skua_ike_backlog_cookies_total) of them for requests that waited 50 ms or more in a socket's queue)"
	echo "(datagrams received $(delta sp0 sp1 skua_datagrams_received_total), dropped before the IKE code"
	echo "$(delta sp0 sp1 skua_datagrams_dropped_total); the rest of ${sp_sent:-0} sent were lost in socket buffers)."
	echo "CPU per spoofed datagram received: $(awk -v t="$(delta sp0 sp1 cpu_ticks)" -v tk="$CLK_TCK" \
		-v n="$(delta sp0 sp1 skua_datagrams_received_total)" 'BEGIN { if (n > 0) printf "%.1f µs", t * 1e6 / tk / n; else print "-" }')."
	echo
	echo "Malformed flood: $(delta mf0 mf1 skua_ike_messages_dropped_total) IKE messages dropped,"
	echo "$(delta mf0 mf1 log_lines) log lines over $((DURATION + 3)) s, CPU per datagram received"
	echo "$(awk -v t="$(delta mf0 mf1 cpu_ticks)" -v tk="$CLK_TCK" \
		-v n="$(delta mf0 mf1 skua_datagrams_received_total)" 'BEGIN { if (n > 0) printf "%.1f µs", t * 1e6 / tk / n; else print "-" }')."
	echo "Legitimate datagrams can also be lost outside pluto; over each phase, the kernel's"
	echo "backlog drops (/proc/net/softnet_stat, all CPUs) and the UDP receive-buffer errors of"
	echo "the responder's and the generator's namespaces: legitimate only $(delta base0 base1 softnet_drops) /"
	echo "$(delta base0 base1 r_rcvbuf_errors) / $(delta base0 base1 l_rcvbuf_errors), spoofed $(delta sp0 sp1 softnet_drops) /"
	echo "$(delta sp0 sp1 r_rcvbuf_errors) / $(delta sp0 sp1 l_rcvbuf_errors), malformed $(delta mf0 mf1 softnet_drops) /"
	echo "$(delta mf0 mf1 r_rcvbuf_errors) / $(delta mf0 mf1 l_rcvbuf_errors)."
	echo "pluto alive at the end: $alive."
	echo
	echo "Per-second series (half-open SAs, their bytes, RSS, CPU ticks): \`$(basename "$tsv")\`."
} >"$md"
cat "$md"
echo "# written to $md" >&2
