#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/workers.sh: 1 worker against 2 at the same fixed rate, and the responder's CPU per
# SA against the crypto floor flat out and at half the saturation rate (issue 14 item 4).
# It drives bench/compare.sh (which measures each row: responder CPU of every thread and
# reaped child over the run / IKE SAs established) three times:
#
#   1. ONLY=skua1, flat out: the saturation rate S and CPU/SA flat out
#   2. ONLY=skua1, RATE=S/2
#   3. ONLY=skua2, RATE=S/2, the responder on the CPUs W2_CPUS (default "0-1": 2 workers on
#      2 cores; the generator shares core 0, which at half saturation leaves it room)
#
# and bench/crypto_floor on RESP_CPU. Writes bench/results/workers-<date>.md (the three
# compare reports stay beside it). Environment: N (5000, per run), W2_CPUS, BUILD.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/bench_lib.sh"
N=${N:-5000}
W2_CPUS=${W2_CPUS:-0-1}
results=$here/results
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/workers-$stamp.md
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# compare_row ONLY RATE [RESP_CPU]: run compare.sh, print "report setups/s cpu_ms p99 children_ms"
compare_row() {
	local out before report row
	before=$(printf "%s\n" "$results"/compare-2*.md | tail -n 1)
	out=$(ONLY=$1 RATE=$2 N=$N RESP_CPU=${3:-$RESP_CPU} "$here/compare.sh" 2>/dev/null)
	report=$(printf "%s\n" "$results"/compare-2*.md | tail -n 1)
	[ "$report" != "$before" ] || iop_die "compare.sh ($1, rate $2) wrote no report"
	row=$(echo "$out" | grep '^| Skua pluto |' | head -n 1)
	# | responder | workers | kernel | up | child | setups/s | p50 / p99 | cpu | with children | updown children | ...
	echo "$(basename "$report") $(echo "$row" | awk -F'|' '{ gsub(/ /, "", $7); gsub(/ /, "", $9)
		split($8, l, "/"); gsub(/ /, "", l[2]); gsub(/ /, "", $11); print $7, $9, l[2], $11 }')"
}

floor_us=$(taskset -c "$RESP_CPU" "$BUILD/bench/crypto_floor" 10000 | sed -n 's/^FLOOR_US .*total=\([0-9.]*\).*/\1/p')
[ -n "$floor_us" ] || iop_die "crypto_floor printed no FLOOR_US"
floor_ms=$(awk -v u="$floor_us" 'BEGIN { printf "%.4f", u / 1000 }')
bench_log "crypto floor $floor_ms ms"

read -r r_flat sat cpu_flat p99_flat k_flat < <(compare_row skua1 0)
[ -n "${sat:-}" ] || iop_die "the flat-out run gave no rate"
half=$(awk -v s="$sat" 'BEGIN { printf "%d", s / 2 }')
bench_log "saturation $sat setups/s, $cpu_flat ms/SA; half: $half/s"
read -r r_1 rate_1 cpu_1 p99_1 k_1 < <(compare_row skua1 "$half")
read -r r_2 rate_2 cpu_2 p99_2 k_2 < <(compare_row skua2 "$half" "$W2_CPUS")
load1=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b != "-") printf "%.2f", b / a; else print "-" }'; }
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { if (v == "-") print "not measured"; else print (v <= l ? "met" : "NOT met") }'; }
{
	echo "# Workers and the crypto floor, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "bench/compare.sh ($N SAs per run from $N addresses, 128 half-open, PSK, X25519, AES-GCM-128,"
	echo "--use-none), the generator on CPU $GEN_CPU; 1 worker on CPU $RESP_CPU, 2 workers on CPUs $W2_CPUS."
	echo "Load average (1/5/15 min): $load0 at the start, $load1 at the end ($(nproc) CPUs, shared)."
	bench_layout_note
	echo "Crypto floor (bench/crypto_floor on CPU $RESP_CPU, same run): **$floor_ms ms** per handshake."
	echo
	echo "| run | rate asked (/s) | setups/s | IKE p99 ms | responder CPU ms/SA | of it updown children | × floor | pluto alone × floor | report |"
	echo "|---|---|---|---|---|---|---|---|---|"
	line() { echo "| $1 | $2 | $3 | $4 | $5 | $6 | $(ratio "$floor_ms" "$5") | $(ratio "$floor_ms" "$(awk -v a="$5" -v b="$6" 'BEGIN { printf "%.3f", a - b }')") | \`$7\` |"; }
	line "1 worker, flat out" 0 "$sat" "$p99_flat" "$cpu_flat" "$k_flat" "$r_flat"
	line "1 worker, half saturation" "$half" "$rate_1" "$p99_1" "$cpu_1" "$k_1" "$r_1"
	line "2 workers, half saturation" "$half" "$rate_2" "$p99_2" "$cpu_2" "$k_2" "$r_2"
	echo
	w=$(ratio "$cpu_1" "$cpu_2")
	echo "- 2 workers / 1 worker at $half/s: **$w** (target ≤ 1.10): $(verdict "$w" 1.10)"
	f0=$(ratio "$floor_ms" "$cpu_flat")
	f1=$(ratio "$floor_ms" "$cpu_1")
	echo "- flat out / floor: **$f0** (target ≤ 1.5): $(verdict "$f0" 1.5)"
	echo "- half saturation / floor: **$f1** (target ≤ 1.5): $(verdict "$f1" 1.5)"
} >"$md"
cat "$md"
echo "# written to $md" >&2
