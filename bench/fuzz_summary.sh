#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/fuzz_summary.sh: where every libFuzzer harness stands after the long runs of
# bench/fuzz_long.sh, as a markdown table: CPU time over all runs and their number (from
# the totals file), and what the kept corpus (FUZZ_KEEP/<decoder>.tar.xz, minimised)
# reaches when the harness replays it once (-runs=0: libFuzzer's cov: and ft: after
# loading it, no mutation): the figures survive the machine, as the packed corpora do.
# Issue 14 asks for at least one CPU-hour per harness; a harness below it is marked.
#
#   bench/fuzz_summary.sh           # needs the harnesses: scripts/build fuzz
# Environment: BUILD (build/fuzz), FUZZ_KEEP (bench/fuzz).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build/fuzz}
FUZZ_KEEP=${FUZZ_KEEP:-$TOP/bench/fuzz}
totals=$FUZZ_KEEP/cpu-seconds.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| harness | CPU hours (runs) | kept corpus (files) | cov | ft | |"
echo "|---|---|---|---|---|---|"
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	d=$(basename "$src" .c)
	d=${d#fuzz_}
	read -r secs runs < <(awk -F'\t' -v d="$d" '$1 == d { s += $2; n++ }
		END { printf "%d %d\n", s, n }' "$totals" 2>/dev/null || echo "0 0")
	files=none cov='?' ft='?'
	if [ -f "$FUZZ_KEEP/$d.tar.xz" ]; then
		mkdir -p "$tmp/$d"
		tar -xJf "$FUZZ_KEEP/$d.tar.xz" -C "$tmp/$d"
		files=$(find "$tmp/$d" -type f | wc -l)
		if [ -x "$BUILD/tests/fuzz/fuzz_$d" ]; then
			line=$("$BUILD/tests/fuzz/fuzz_$d" -runs=0 -rss_limit_mb=2048 "$tmp/$d" 2>&1 |
				grep -E '^#[0-9]+.*(INITED|DONE)' | tail -n1)
			cov=$(printf '%s\n' "$line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
			ft=$(printf '%s\n' "$line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		fi
	fi
	mark=""
	[ "$secs" -ge 3600 ] || mark="**below the hour**"
	printf '| %s | %s (%s) | %s | %s | %s | %s |\n' "$d" \
		"$(awk -v s="$secs" 'BEGIN { printf "%.2f", s / 3600 }')" "$runs" "$files" \
		"${cov:-?}" "${ft:-?}" "$mark"
done
