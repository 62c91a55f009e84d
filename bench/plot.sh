#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/plot.sh CSV PREFIX: PREFIX-rate.png (setups per second over time, 100 ms bins) and
# PREFIX-latency.png (distribution of the IKE+Child setup latency, as a CDF) from the
# per-SA CSV that skua-loadgen --csv writes. Needs gnuplot (apt-get install gnuplot-nox).
set -eu
[ $# -eq 2 ] || { echo "usage: bench/plot.sh CSV PREFIX" >&2; exit 2; }
csv=$1
prefix=$2
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/skua-plot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# rate: IKE SAs established per 100 ms bin, scaled to per second; failures likewise
awk -F, 'NR > 1 {
		if ($5 >= 0) { b = int($5 / 100); up[b]++; if (b > max) max = b }
		else if ($7 >= 0) { b = int($7 / 100); fl[b]++; if (b > max) max = b }
	}
	END { for (b = 0; b <= max; b++) printf "%.1f %d %d\n", b / 10, 10 * up[b], 10 * fl[b] }' \
	"$csv" >"$tmp/rate.dat"
# latency: sorted IKE+Child setup latencies (ms) against their rank (percent)
awk -F, 'NR > 1 && $6 >= 0 { print $6 - $4 }' "$csv" | sort -g >"$tmp/lat.sorted"
n=$(wc -l <"$tmp/lat.sorted")
awk -v n="$n" '{ printf "%s %.4f\n", $1, 100 * NR / n }' "$tmp/lat.sorted" >"$tmp/lat.dat"

gnuplot <<EOF
set terminal png size 900,500
set output "$prefix-rate.png"
set title "skua-loadgen: setups per second (100 ms bins)"
set xlabel "seconds since start"
set ylabel "per second"
set grid
plot "$tmp/rate.dat" using 1:2 with steps title "IKE SAs established", \
     "$tmp/rate.dat" using 1:3 with steps title "failed"
set output "$prefix-latency.png"
set title "skua-loadgen: IKE+Child setup latency, $n SAs"
set xlabel "latency (ms)"
set ylabel "percent of SAs at or below"
set yrange [0:100]
set key bottom right
plot "$tmp/lat.dat" using 1:2 with lines title "CDF"
EOF
echo "plot.sh: wrote $prefix-rate.png and $prefix-latency.png"
