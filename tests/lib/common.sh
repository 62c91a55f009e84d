# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for the shell tests: tests/e2e, tests/netns.
# Usage: . tests/lib/common.sh; needs $BUILD (the build directory).

PLUTO="$BUILD/src/pluto/pluto"
WHACK="$BUILD/tools/whack/whack"
FAILS=0
PASSES=0

ok() {
	PASSES=$((PASSES + 1))
	echo "ok - $*"
}

not_ok() {
	FAILS=$((FAILS + 1))
	echo "not ok - $*"
}

# expect_status <want> <description> <command...>: run, compare the exit status.
expect_status() {
	local want what out got
	want=$1
	what=$2
	shift 2
	set +e
	out=$("$@" 2>&1)
	got=$?
	set -e
	if [ "$got" = "$want" ]; then
		ok "$what (exit $got)"
	else
		not_ok "$what: exit $got, expected $want; output:"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	LAST_OUT=$out
}

# expect_match <description> <regex> : the last output matches.
expect_match() {
	if printf '%s\n' "$LAST_OUT" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1: no line matches /$2/ in:"
		printf '%s\n' "$LAST_OUT" | sed 's/^/#   /'
	fi
}

expect_no_match() {
	if printf '%s\n' "$LAST_OUT" | grep -Eq -- "$2"; then
		not_ok "$1: a line matches /$2/"
		printf '%s\n' "$LAST_OUT" | sed 's/^/#   /'
	else
		ok "$1"
	fi
}

# wait_for <seconds> <command...>: poll every 0.1 s until the command succeeds.
wait_for() {
	local tries
	tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		tries=$((tries - 1))
		sleep 0.1
	done
	return 1
}

# start_pluto <rundir> <logfile> [args...]: pluto --nofork in the background;
# sets PLUTO_PID; waits for "Pluto initialized".
start_pluto() {
	local rd lf
	rd=$1
	lf=$2
	shift 2
	mkdir -p "$rd"
	"$PLUTO" --nofork --stderrlog --rundir "$rd" "$@" >"$lf.out" 2>"$lf" &
	PLUTO_PID=$!
	if wait_for 10 grep -q "Pluto initialized" "$lf.out"; then
		return 0
	fi
	echo "# pluto did not start; its log:"
	sed 's/^/#   /' "$lf" "$lf.out"
	return 1
}

# wait_exit <pid> <seconds>: wait for a process to exit; its status in STOP_STATUS.
wait_exit() {
	local pid tries
	pid=$1
	tries=$(($2 * 10))
	while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		STOP_STATUS=timeout
		return 1
	fi
	set +e
	wait "$pid"
	STOP_STATUS=$?
	set -e
	return 0
}

# finish: print the plain summary line and exit non-zero on any failure.
finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
