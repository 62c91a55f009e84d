#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/workers.sh: 1 worker against 2 at the same fixed rate, and the responder's CPU per
# SA against the crypto floor flat out and at half the saturation rate (issue 14 item 4).
# It drives bench/compare.sh (which measures each row: responder CPU of every thread and
# reaped child over the run / IKE SAs established) three times per round, REPS rounds:
#
#   1. ONLY=skua1, flat out: the saturation rate S and CPU/SA flat out
#   2. ONLY=skua1, RATE=S/2
#   3. ONLY=skua2, RATE=S/2, the responder on the CPUs W2_CPUS (default "0-1": 2 workers on
#      2 cores; the generator shares core 0, which at half saturation leaves it room)
#
# each against the crypto floor measured during the run (compare.sh's FLOOR_PROBE), and
# bench/crypto_floor on RESP_CPU just before each round beside it. Writes
# bench/results/workers-<date>.md: each round's figures and the medians of the three ratios
# (the compare reports stay beside it). Environment: N (5000, per run), REPS (3), W2_CPUS,
# BUILD.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/bench_lib.sh"
N=${N:-5000}
W2_CPUS=${W2_CPUS:-0-1}
REPS=${REPS:-3}
case $REPS in
'' | *[!0-9]* | 0) iop_die "REPS=$REPS: expected a number of rounds, 1 or more" ;;
esac
results=$here/results
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/workers-$stamp.md
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# compare_row ONLY RATE [RESP_CPU]: run compare.sh, print "report setups/s cpu_ms p99
# children_ms floor_ms", the last the crypto floor measured during the run (FLOOR_PROBE)
compare_row() {
	local out before report row
	before=$(printf "%s\n" "$results"/compare-2*.md | tail -n 1)
	out=$(ONLY=$1 RATE=$2 N=$N RESP_CPU=${3:-$RESP_CPU} "$here/compare.sh" 2>/dev/null)
	report=$(printf "%s\n" "$results"/compare-2*.md | tail -n 1)
	[ "$report" != "$before" ] || iop_die "compare.sh ($1, rate $2) wrote no report"
	row=$(echo "$out" | grep '^| Skua pluto |' | head -n 1)
	# | responder | workers | kernel | up | child | setups/s | p50 / p99 | cpu | with children |
	# updown children | switches | B/SA | floor in the run µs (× it) | ...
	echo "$(basename "$report") $(echo "$row" | awk -F'|' '{ gsub(/ /, "", $7); gsub(/ /, "", $9)
		split($8, l, "/"); gsub(/ /, "", l[2]); gsub(/ /, "", $11); split($14, f, " ")
		fl = f[1] + 0 > 0 ? sprintf("%.4f", f[1] / 1000) : "-"
		print $7, $9, l[2], $11, fl }')"
}

# floor: bench/crypto_floor on RESP_CPU, in ms
floor() {
	local us
	us=$(taskset -c "$RESP_CPU" "$BUILD/bench/crypto_floor" 10000 |
		sed -n 's/^FLOOR_US .*total=\([0-9.]*\).*/\1/p')
	[ -n "$us" ] || iop_die "crypto_floor printed no FLOOR_US"
	awk -v u="$us" 'BEGIN { printf "%.4f", u / 1000 }'
}
# floor_pair: bench/crypto_floor on GEN_CPU and RESP_CPU at once, the RESP_CPU one in ms:
# against floor() just before, what the two vCPUs cost each other when both compute (on this
# VM 1.00-1.50x, moving within minutes: bench/README.md, "Where the loop's time goes")
floor_pair() {
	local ms
	taskset -c "$GEN_CPU" "$BUILD/bench/crypto_floor" 10000 >/dev/null 2>&1 &
	ms=$(floor)
	wait
	echo "$ms"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b != "-") printf "%.2f", b / a; else print "-" }'; }
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { if (v == "-") print "not measured"; else print (v <= l ? "met" : "NOT met") }'; }
# median of the arguments ("-" ignored)
median() {
	printf '%s\n' "$@" | grep -v '^-$' | sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) print "-"
		else if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# Each run's CPU per SA is set against the crypto floor measured during that run (compare.sh's
# FLOOR_PROBE: bench/crypto_floor --probe on RESP_CPU in the cycles the responder leaves), and
# the 2 workers against 1 each against its own: the box's speed moves by a quarter within
# seconds (12-07: the floor 78 -> 120 µs in 10 s), which a floor taken before the runs misses.
# The round's floor, taken just before its three runs, is printed beside, as before.
rows=()
f_flat=() f_half=() w_ratio=() b_flat=() b_half=() w_raw=()
for r in $(seq "$REPS"); do
	floor_ms=$(floor)
	pair_ms=$(floor_pair)
	bench_log "round $r: crypto floor $floor_ms ms, $pair_ms with the other core's at once"
	read -r r_flat sat cpu_flat _ k_flat fl_flat < <(compare_row skua1 0)
	[ -n "${sat:-}" ] || iop_die "the flat-out run gave no rate"
	half=$(awk -v s="$sat" 'BEGIN { printf "%d", s / 2 }')
	bench_log "round $r: saturation $sat setups/s, $cpu_flat ms/SA; half: $half/s"
	read -r r_1 rate_1 cpu_1 p99_1 k_1 fl_1 < <(compare_row skua1 "$half")
	read -r r_2 rate_2 cpu_2 _ k_2 fl_2 < <(compare_row skua2 "$half" "$W2_CPUS")
	f0=$(ratio "$fl_flat" "$cpu_flat")
	f1=$(ratio "$fl_1" "$cpu_1")
	f2=$(ratio "$fl_2" "$cpu_2")
	w=$(awk -v a="$cpu_1" -v fa="$fl_1" -v b="$cpu_2" -v fb="$fl_2" 'BEGIN {
		if (a + 0 > 0 && fa + 0 > 0 && fb + 0 > 0 && b != "-")
			printf "%.2f", b / fb / (a / fa)
		else
			print "-"
	}')
	f_flat+=("$f0")
	f_half+=("$f1")
	w_ratio+=("$w")
	b_flat+=("$(ratio "$floor_ms" "$cpu_flat")")
	b_half+=("$(ratio "$floor_ms" "$cpu_1")")
	w_raw+=("$(ratio "$cpu_1" "$cpu_2")")
	row="| $r | $floor_ms; $pair_ms (× $(ratio "$floor_ms" "$pair_ms")) |"
	row+=" $sat, $cpu_flat; $fl_flat (**$f0**; ${b_flat[-1]}) |"
	row+=" $half: $rate_1, $cpu_1; $fl_1 (**$f1**; ${b_half[-1]}), p99 $p99_1 ms |"
	row+=" $rate_2, $cpu_2; $fl_2 ($f2) | **$w** (${w_raw[-1]}) | $k_flat / $k_1 / $k_2 |"
	rows+=("$row \`$r_flat\`, \`$r_1\`, \`$r_2\` |")
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# summary WHAT MEDIAN LIMIT VALUES...: the median's verdict and how many rounds met LIMIT
summary() {
	local what=$1 m=$2 l=$3 n
	shift 3
	n=$(printf '%s\n' "$@" | awk -v l="$l" '$1 != "-" && $1 <= l { n++ } END { print n + 0 }')
	echo "- $what: **$m** (target ≤ $l): $(verdict "$m" "$l"); met in $n of $REPS rounds"
}
{
	echo "# Workers and the crypto floor, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "bench/compare.sh ($N SAs per run from $N addresses, 128 half-open, PSK, X25519, AES-GCM-128,"
	echo "--use-none), the generator on CPU $GEN_CPU; 1 worker on CPU $RESP_CPU, 2 workers on CPUs $W2_CPUS."
	echo "Load average (1/5/15 min): $load0 at the start, $load1 at the end ($(nproc --all) CPUs, shared)."
	bench_layout_note
	echo "$REPS rounds of three runs: flat out (the saturation rate S), 1 worker at S/2, 2"
	echo "workers at S/2. Responder CPU per SA in ms: every thread and reaped child (the updown"
	echo "children's share in its own column). Each run's crypto floor is measured during the"
	echo "run (bench/crypto_floor --probe at SCHED_IDLE on CPU $RESP_CPU, the handshakes it"
	echo "ran uninterrupted, over the seconds the generator ran), and each ratio (bold) is"
	echo "against it; after the semicolon, against the round's floor, measured just before"
	echo "its runs (bench/crypto_floor on CPU $RESP_CPU). 2 workers / 1: the ratio of their"
	echo "ratios to their own floors (in parentheses, of their CPU per SA alone). The floor"
	echo "before each round is taken twice: alone on CPU $RESP_CPU, then with another on CPU"
	echo "$GEN_CPU at the same time (× alone): what the two cores cost each other when both"
	echo "compute, as 2 workers do."
	echo
	echo -n "| round | floor ms before; with the other core's (× alone) | flat out: setups/s, ms/SA; floor in the run ms (× it; × before) |"
	echo -n " 1 worker at S/2: rate asked: setups/s, ms/SA; floor in the run (× it; × before) |"
	echo -n " 2 workers at S/2: setups/s, ms/SA; floor in the run (× it) | 2 workers / 1 |"
	echo " children ms/SA (flat / 1 / 2) | reports |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	m0=$(median "${f_flat[@]}")
	m1=$(median "${f_half[@]}")
	mw=$(median "${w_ratio[@]}")
	echo "Medians over the $REPS rounds (each round's figures above):"
	echo
	summary "flat out / floor" "$m0" 1.5 "${f_flat[@]}"
	summary "half saturation / floor" "$m1" 1.5 "${f_half[@]}"
	summary "2 workers / 1 worker at the same rate" "$mw" 1.10 "${w_ratio[@]}"
	echo
	echo "Against the floor measured before each round instead: flat out $(median "${b_flat[@]}"),"
	echo "half saturation $(median "${b_half[@]}"); 2 workers / 1 by CPU per SA alone:"
	echo "$(median "${w_raw[@]}")."
} >"$md"
cat "$md"
echo "# written to $md" >&2
