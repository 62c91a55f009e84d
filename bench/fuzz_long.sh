#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/fuzz_long.sh: every libFuzzer harness (tests/fuzz/fuzz_*.c, built by
# `scripts/build fuzz`) for SECS seconds of CPU each, one after the other or JOBS at a time,
# on a kept corpus (FUZZ_CORPUS/<decoder>/, seeded from tests/fuzz/corpus/<decoder>/ and
# kept between runs, so the hours add up), and a table of what each run did: executions,
# executions per second, coverage (libFuzzer's cov: and ft:), corpus size, crashes. A crash
# leaves its input in FUZZ_CORPUS/crashes/ and fails the run. Issue 14 asks for at least one
# CPU-hour per harness: SECS=3600 (or several shorter runs: the totals file adds them up).
# SECS is libFuzzer's -max_total_time, which is wall time; what is counted in the totals is
# the CPU time the harness used (user + system, /usr/bin/time), so a run that shared its core
# counts for what it got. UNTIL=SECONDS instead runs each harness again and again (SECS at a
# time) until its CPU time over all runs in the totals reaches SECONDS.
#
#   bench/fuzz_long.sh                    # SECS=600 each
#   SECS=3600 JOBS=2 bench/fuzz_long.sh   # an hour each, two at once
#   ONLY="v2_msg steer" bench/fuzz_long.sh
# The hours and the corpus outlive the machine: the totals file and each harness's corpus,
# minimised (libFuzzer's -merge=1) and packed as FUZZ_KEEP/<decoder>.tar.xz, are kept in the
# repository (bench/fuzz/): a run on a machine whose FUZZ_CORPUS/<decoder>/ is empty starts
# from the packed corpus, and every run packs it again at its end. Commit bench/fuzz/ after a
# run.
# Environment: SECS (600), UNTIL (none), JOBS (1), ONLY (all), BUILD (build/fuzz), FUZZ_CORPUS
# (/var/tmp/skua-fuzz-corpus: the working corpus, outside the repository), FUZZ_KEEP
# (bench/fuzz: the totals and the packed corpora).
#
# The harnesses run under `nice`, but with autogroup scheduling (kernel.sched_autogroup_
# enabled=1, Debian's default) nice only ranks processes of one session against each other:
# a run started in a session of its own (setsid, nohup from another terminal) would get an
# equal share of the CPUs against every other session's work, whatever its nice. So when
# this script leads its session it sets the session's group to nice 19 too.
set -u
if [ "$(ps -o sid= -p $$ | tr -d ' ')" = "$$" ] && [ -w /proc/self/autogroup ]; then
	echo 19 >/proc/self/autogroup 2>/dev/null || true
fi
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build/fuzz}
SECS=${SECS:-600}
JOBS=${JOBS:-1}
FUZZ_CORPUS=${FUZZ_CORPUS:-/var/tmp/skua-fuzz-corpus}
results=$TOP/bench/results
mkdir -p "$results" "$FUZZ_CORPUS/crashes" "$FUZZ_CORPUS/logs"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/fuzz-long-$stamp.md
FUZZ_KEEP=${FUZZ_KEEP:-$TOP/bench/fuzz}
mkdir -p "$FUZZ_KEEP"
totals=$FUZZ_KEEP/cpu-seconds.tsv	# decoder <TAB> CPU seconds <TAB> run, one line per run
UNTIL=${UNTIL:-}

decoders=${ONLY:-$(cd "$TOP/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
for d in $decoders; do
	[ -x "$BUILD/tests/fuzz/fuzz_$d" ] || {
		echo "$BUILD/tests/fuzz/fuzz_$d not built: run scripts/build fuzz" >&2
		exit 1
	}
done

# CPU seconds of DECODER over all runs in the totals
cpu_total() {
	awk -F'\t' -v d="$1" '$1 == d { s += $2 } END { printf "%d", s }' "$totals" 2>/dev/null || echo 0
}

# one DECODER: a run of SECS seconds (or, with UNTIL, runs until its CPU total reaches UNTIL);
# its libFuzzer log in $FUZZ_CORPUS/logs/
one() {
	local d=$1 log=$FUZZ_CORPUS/logs/$1-$stamp.log cpu rc=0
	mkdir -p "$FUZZ_CORPUS/$d"
	: >"$log"
	if [ -z "$(ls -A "$FUZZ_CORPUS/$d")" ] && [ -f "$FUZZ_KEEP/$d.tar.xz" ]; then
		tar -xJf "$FUZZ_KEEP/$d.tar.xz" -C "$FUZZ_CORPUS/$d" || return 1
	fi
	while :; do
		nice /usr/bin/time -f '%U %S' -o "$log.time" \
			"$BUILD/tests/fuzz/fuzz_$d" -max_total_time="$SECS" -rss_limit_mb=2048 \
			-timeout=10 -artifact_prefix="$FUZZ_CORPUS/crashes/$d-" -print_final_stats=1 \
			"$FUZZ_CORPUS/$d" "$TOP/tests/fuzz/corpus/$d" >>"$log" 2>&1 || rc=$?
		cpu=$(awk '{ printf "%d", $1 + $2 }' "$log.time")
		printf '%s\t%s\t%s\n' "$d" "$cpu" "$stamp" >>"$totals"
		[ "$rc" = 0 ] || break
		pack "$d" >>"$log" 2>&1	# after each run: what a cut-off session leaves is kept
		[ -n "$UNTIL" ] && [ "$(cpu_total "$d")" -lt "$UNTIL" ] || break
	done
	echo "$rc" >"$log.rc"
}

# DECODER's corpus, minimised, into FUZZ_KEEP/DECODER.tar.xz (reproducible: sorted, no dates)
pack() {
	local d=$1 min
	min=$(mktemp -d)
	if "$BUILD/tests/fuzz/fuzz_$d" -merge=1 -rss_limit_mb=2048 -timeout=10 "$min" \
		"$FUZZ_CORPUS/$d"; then
		tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$min" -cf - . |
			xz -9 >"$FUZZ_KEEP/$d.tar.xz.new" &&
			mv "$FUZZ_KEEP/$d.tar.xz.new" "$FUZZ_KEEP/$d.tar.xz"
	fi
	rm -rf "$min"
}

running=0
for d in $decoders; do
	one "$d" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

fail=0
{
	echo "# Long fuzzing, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "$SECS s (wall) per libFuzzer run${UNTIL:+, repeated until $UNTIL CPU seconds in all}, $JOBS at a time, corpus kept in $FUZZ_CORPUS; load average"
	echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end. Hours: this run, and all runs kept in the totals."
	echo
	echo "| harness | executions | exec/s | cov | ft | corpus | kept (minimised) | result | CPU hours (all runs) |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for d in $decoders; do
		log=$FUZZ_CORPUS/logs/$d-$stamp.log
		rc=$(cat "$log.rc" 2>/dev/null || echo "?")
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{ s += $1 } END { print s }')
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
		last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
		cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		corpus=$(find "$FUZZ_CORPUS/$d" -type f | wc -l)
		kept=$( [ -f "$FUZZ_KEEP/$d.tar.xz" ] &&
			echo "$(tar -tJf "$FUZZ_KEEP/$d.tar.xz" | grep -vc '/$') files, $(du -k "$FUZZ_KEEP/$d.tar.xz" | cut -f1) KiB")
		hours=$(awk -F'\t' -v d="$d" '$1 == d { s += $2 } END { printf "%.2f", s / 3600 }' "$totals")
		if [ "$rc" = 0 ]; then
			result="no crash"
		else
			result="**exit $rc** (see $log)"
			fail=1
		fi
		echo "| $d | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $corpus | ${kept:-none} | $result | $hours |"
	done
} >"$md"
cat "$md"
echo "# written to $md" >&2
exit $fail
