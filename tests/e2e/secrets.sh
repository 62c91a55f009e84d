#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# --secretsfile globbing and whack --rereadsecrets: a syntax error names
# the file and line and leaves the old secrets in force.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"

T=$(mktemp -d /tmp/skua-secrets.XXXXXX)
PLUTO_PID=
trap 'kill -KILL $PLUTO_PID 2>/dev/null || true; rm -rf "$T"' EXIT
RD=$T/run
mkdir -p "$T/etc"
cat >"$T/etc/a.secrets" <<'S'
@west @east : PSK "first secret"
S
cat >"$T/etc/b.secrets" <<'S'
# a second file matched by the glob
192.0.2.1 192.0.2.2 : PSK 0x0102030405060708
S

start_pluto "$RD" "$T/pluto.log" --use-none --secretsfile "$T/etc/*.secrets" ||
	{ not_ok "pluto starts"; finish; }
W="$WHACK --rundir $RD"
# The log thread writes the lines: wait for them.
if wait_for 5 grep -q "loaded 2 secrets from $T/etc/\*.secrets" "$T/pluto.log"; then
	ok "both files of the glob loaded at start"
else
	not_ok "start did not load 2 secrets:"; sed 's/^/#   /' "$T/pluto.log"
fi

printf '@west @east : PSK "hunter2\n' >"$T/etc/b.secrets"
expect_status 36 "--rereadsecrets with a syntax error fails" $W --rereadsecrets
expect_match "the error names file and line" "b\.secrets:1"
expect_match "and says the old secrets stay" "old ones stay in force"
expect_no_match "the secret itself is not echoed" "hunter2"

printf '@west @east : PSK "fixed"\n%%any : PSK "road"\n' >"$T/etc/b.secrets"
expect_status 0 "--rereadsecrets after the fix" $W --rereadsecrets
if wait_for 5 grep -q "loaded 3 secrets" "$T/pluto.log"; then ok "the new set has 3 secrets"; else not_ok "new set not loaded"; fi

expect_status 0 "shutdown" $W --shutdown
wait_exit "$PLUTO_PID" 10 || true
# After the exit, every line has been written.
if grep -Eq 'first secret|fixed|road' "$T/pluto.log"; then not_ok "a secret reached the log"; else ok "no secret in the log"; fi
finish
