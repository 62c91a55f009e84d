#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# libreswan's own example configurations (the libreswan 4.10 package that
# scripts/setup-peers unpacks) read with `addconn --checkconfig`: every one
# that is a configuration is well formed to Skua's reader (no unknown
# keyword, no syntax error), and each conn either loads or is reported with
# file:line. The one example with a typo in it (xauth.conf line 15,
# "modecfgdns1.2.3.4") is refused at that line, as libreswan refuses it.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
ADDCONN="$BUILD/tools/addconn/addconn"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
EX=${SKUA_PEERS_DIR:-$TOP/build/peers}/libreswan-root/usr/share/doc/libreswan/examples

if [ ! -d "$EX" ]; then
	not_ok "libreswan's examples are not in $EX: run scripts/setup (setup-peers)"
	finish
fi

n=0
for f in "$EX"/*.conf; do
	name=$(basename "$f")
	case "$name" in
	sysctl.conf | hub-spoke.conf) continue ;; # sysctl settings and prose, not ipsec.conf
	esac
	n=$((n + 1))
	set +e
	out=$("$ADDCONN" --config "$f" --checkconfig 2>&1)
	rc=$?
	set -e
	if [ "$name" = xauth.conf ]; then
		[ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q "xauth\.conf:15: syntax error: 'modecfgdns1' without '='" &&
			ok "$name: refused at its typo, line 15" ||
			{ not_ok "$name: exit $rc"; printf '%s\n' "$out" | sed 's/^/#   /'; }
		continue
	fi
	if printf '%s\n' "$out" | grep -Eq "unknown keyword|syntax error|cannot load config"; then
		not_ok "$name: read as malformed"
		printf '%s\n' "$out" | sed 's/^/#   /'
		continue
	fi
	[ "$rc" = 0 ] || [ "$rc" = 1 ] && ok "$name: well formed (exit $rc)" || not_ok "$name: exit $rc"
	# Every complaint names the file and line, and a conn.
	bad=$(printf '%s\n' "$out" | grep -v "^$f:[0-9]*: \(warning: \)\?conn [^ ]*: " || true)
	[ -z "$bad" ] && ok "$name: every line names file:line and its conn" ||
		{ not_ok "$name: lines without file:line"; printf '%s\n' "$bad" | sed 's/^/#   /'; }
done
[ "$n" -ge 10 ] && ok "$n example configurations read" || not_ok "only $n example configurations"

# Two of them, precisely.
set +e
out=$("$ADDCONN" --config "$EX/linux-linux.conf" --checkconfig 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] && [ -z "$out" ] &&
	ok "linux-linux.conf: its raw RSA keys (leftrsasigkey=, rightrsasigkey=) load" ||
	not_ok "linux-linux.conf: exit $rc: $out"
# Its left=%defaultroute is read from this host's routing table.
if [ -n "$(ip -4 route show default 2>/dev/null)" ]; then
	"$ADDCONN" --config "$EX/oe-exclude-dns.conf" --checkconfig >/dev/null 2>&1 &&
		ok "oe-exclude-dns.conf loads as it is" || not_ok "oe-exclude-dns.conf refused"
else
	set +e
	out=$("$ADDCONN" --config "$EX/oe-exclude-dns.conf" --checkconfig 2>&1)
	set -e
	printf '%s\n' "$out" | grep -q "left=%defaultroute: %defaultroute: this host has no IPv4 default route" &&
		ok "oe-exclude-dns.conf: this host has no default route, and it says so" ||
		not_ok "oe-exclude-dns.conf: $out"
fi
finish
