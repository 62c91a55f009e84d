#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cmake --install with DESTDIR: every file in its place with its mode, no
# source or build path in any installed file (strings on the binaries),
# the installed scripts and programs naming the installation's paths; an
# existing configuration is kept on a second install.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)

T=$(mktemp -d /tmp/skua-destdir.XXXXXX)
trap 'rm -rf "$T"' EXIT
R="$T/root"

# The configured paths, as the build compiled them in.
hdr="$BUILD/generated/skua_paths.h"
path_of() { sed -n "s/^#define $1 \"\\(.*\\)\"$/\\1/p" "$hdr"; }
EXECDIR=$(path_of SKUA_EXECDIR)
CONF=$(path_of SKUA_CONF)
SECRETS=$(path_of SKUA_SECRETS)
CONFDDIR=$(path_of SKUA_CONFDDIR)
RUNDIR=$(path_of SKUA_RUNDIR)
SBINDIR=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")/sbin
UNITDIR=$(sed -n 's/^.*file(INSTALL DESTINATION "\([^"]*\)" TYPE FILE FILES ".*ipsec.service")$/\1/p' \
	"$BUILD/cmake_install.cmake")
[ -n "$EXECDIR" ] && [ -n "$CONF" ] && [ -n "$UNITDIR" ] && ok "paths: $SBINDIR, $EXECDIR, $CONF, $UNITDIR" ||
	{ not_ok "cannot read the configured paths from $hdr and $BUILD"; finish; }

expect_status 0 "DESTDIR install" env DESTDIR="$R" cmake --install "$BUILD"

# mode_is <path> <octal mode> <description>
mode_is() {
	local got
	if [ ! -e "$R$1" ]; then
		not_ok "$3: $1 is missing"
		return
	fi
	got=$(stat -c '%a' "$R$1")
	[ "$got" = "$2" ] && ok "$3: $1 (mode $got)" || not_ok "$3: $1 has mode $got, expected $2"
}
mode_is "$SBINDIR/ipsec" 755 "the front end in sbin"
for p in pluto whack addconn; do
	mode_is "$EXECDIR/$p" 755 "$p in libexec/ipsec"
done
for p in _updown auto setup verify; do
	mode_is "$EXECDIR/$p" 755 "helper $p"
done
mode_is "$CONF" 644 "example ipsec.conf"
mode_is "$SECRETS" 600 "ipsec.secrets, readable by root only"
mode_is "$CONFDDIR" 755 "ipsec.d"
mode_is "$(dirname "$CONF")/pam.d/pluto" 644 "PAM's service for --xauthby pam"
mode_is "$UNITDIR/ipsec.service" 644 "the systemd unit"

# The unit: libreswan's shape, Skua's hardening (docs/install.md).
unit="$R$UNITDIR/ipsec.service"
for line in Type=notify NotifyAccess=main WatchdogSec=200 Restart=on-failure \
	"ExecStartPre=$EXECDIR/addconn --config $CONF --checkconfig" \
	"ExecStart=$EXECDIR/pluto --config $CONF --nofork" \
	"ExecReload=$EXECDIR/whack --rereadsecrets" \
	"ExecReload=$EXECDIR/addconn --config $CONF --autoall" \
	"ExecStop=$EXECDIR/whack --shutdown" \
	"CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE" \
	NoNewPrivileges=yes ProtectSystem=full ProtectHome=yes PrivateTmp=yes RuntimeDirectory=pluto; do
	grep -qxF "$line" "$unit" && ok "ipsec.service: $line" || not_ok "ipsec.service lacks $line"
done
grep -v '^#' "$unit" | grep -q 'CAP_NET_RAW' && not_ok "ipsec.service grants CAP_NET_RAW, which pluto does not use" ||
	ok "ipsec.service grants no CAP_NET_RAW"
grep -v '^#' "$unit" | grep -q 'xfrm.*flush' && not_ok "ipsec.service flushes the kernel's XFRM state" ||
	ok "ipsec.service flushes no XFRM state that others installed"

# No source or build path in anything installed (binaries through strings).
leaks=0
while IFS= read -r -d '' f; do
	if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		hits=$(strings -a "$f" | grep -F -e "$SRC" -e "$BUILD" | head -3)
	else
		hits=$(grep -F -e "$SRC" -e "$BUILD" "$f" | head -3)
	fi
	if [ -n "$hits" ]; then
		not_ok "${f#"$R"} carries a source or build path:"
		printf '%s\n' "$hits" | sed 's/^/#   /'
		leaks=$((leaks + 1))
	fi
done < <(find "$R" -type f -print0)
[ "$leaks" = 0 ] && ok "no installed file carries $SRC or $BUILD"
# The check would see one: the build tree's own pluto does carry paths of the
# tree in its debug information unless the prefix map works, and the build
# tree's ipsec script names the build tree.
grep -qF "$BUILD" "$BUILD/ipsec" && ok "(the build tree's ipsec does name the build tree: the check can fail)" ||
	not_ok "the build tree's ipsec names no build path: the leak check proves nothing"

# The installed binaries carry the installation's paths.
strings -a "$R$EXECDIR/pluto" | grep -qx "$(path_of SKUA_EXECDIR)" &&
	ok "pluto carries $EXECDIR (its _updown is $EXECDIR/_updown)" || not_ok "pluto lacks $EXECDIR"
strings -a "$R$EXECDIR/whack" | grep -qx "$RUNDIR" && ok "whack carries the run directory $RUNDIR" ||
	not_ok "whack lacks $RUNDIR"
grep -q "^IPSEC_EXECDIR=\"\${IPSEC_EXECDIR:-$EXECDIR}\"" "$R$SBINDIR/ipsec" &&
	ok "the installed ipsec runs the programs of $EXECDIR" || not_ok "the installed ipsec names another directory"
grep -qF "$EXECDIR/pluto --config $CONF --nofork" "$R$UNITDIR/ipsec.service" &&
	ok "the unit starts $EXECDIR/pluto --config $CONF" || not_ok "the unit starts something else"

# The installed programs run, and know where they are installed: outside
# the build tree, pluto's helpers are the installation's.
LAST_OUT=$("$R$SBINDIR/ipsec" --version 2>&1 || true)
expect_match "the installed ipsec --version" '^Skua [0-9.]+ \(libreswan 4.10 compatible\)$'
LAST_OUT=$("$R$EXECDIR/pluto" --help 2>&1 || true)
expect_match "the installed pluto names the installed run directory" "Defaults: --rundir $RUNDIR "
LAST_OUT=$("$BUILD/src/pluto/pluto" --help 2>&1 || true)
expect_match "the build tree's pluto too (only libexec moves in a build tree)" "Defaults: --rundir $RUNDIR "

# A second install keeps an edited configuration.
echo "# edited" >>"$R$CONF"
printf '@a @b : PSK "edited"\n' >"$R$SECRETS"
expect_status 0 "second DESTDIR install" env DESTDIR="$R" cmake --install "$BUILD"
expect_match "it says it keeps ipsec.conf" "Keeping: $R$CONF"
grep -q '^# edited$' "$R$CONF" && ok "the edited ipsec.conf is kept" || not_ok "ipsec.conf was overwritten"
grep -q 'edited' "$R$SECRETS" && ok "the edited ipsec.secrets is kept" || not_ok "ipsec.secrets was overwritten"
finish
