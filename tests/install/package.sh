#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian package: cpack builds skua_<version>-1_<arch>.deb from this
# build; its control fields take libreswan's place (Conflicts, Replaces,
# Provides) and its conffiles and modes are right; no source or build path
# is in it; apt resolves "apt install ./skua_*.deb" on this Debian 12.
#
# Then, in a throw-away root (a private mount namespace with overlays on
# /usr, /etc and /var, so nothing reaches the real system and no service
# starts: systemd does not run there, and policy-rc.d forbids starts),
# "apt-get install ./skua_*.deb" installs it cleanly, its postinst creates
# nothing outside the package's own files and dpkg's and apt's records,
# systemd-analyze verify accepts the unit, "ipsec --version" and
# "ipsec verify" run, and a tunnel comes up (--use-none) between that
# installation's pluto (west) and the build tree's (east) in two network
# namespaces; "dpkg --purge" then removes it all.
set -eu

if [ "${1:-}" = --inside ]; then
	# ---- the throw-away root (run by the outer part under unshare -m)
	shift
	BUILD=$1 T=$2 DEB=$3 NS_W=$4 NS_E=$5 REMOVE=$6
	. "$(dirname "$0")/../lib/common.sh"
	mount -t tmpfs -o mode=0755 tmpfs "$T/ovl"
	for d in usr etc var; do
		mkdir -p "$T/ovl/up/$d" "$T/ovl/work/$d"
		mount -t overlay overlay \
			-o "lowerdir=/$d,upperdir=$T/ovl/up/$d,workdir=$T/ovl/work/$d" "/$d" ||
			{ not_ok "cannot put an overlay on /$d"; finish; }
	done
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	export DEBIAN_FRONTEND=noninteractive
	# man-db's trigger would rebuild its whole index (minutes): not here.
	echo "man-db man-db/auto-update boolean false" | debconf-set-selections
	apt="apt-get -y -q -o Dpkg::Use-Pty=0"

	echo "# $(date +%T) removing the conflicting packages"
	if [ -n "$REMOVE" ]; then
		# shellcheck disable=SC2086 # a list of package names
		expect_status 0 "the packages skua conflicts with go first:$REMOVE" $apt remove $REMOVE
	fi
	snapshot() { (cd "$T/ovl/up" && find . -mindepth 1 ! -type d -printf '%P\n' | sort); }
	snapshot >"$T/before"
	echo "# $(date +%T) installing"
	expect_status 0 "apt-get install ./$(basename "$DEB")" $apt install "$DEB"
	printf '%s\n' "$LAST_OUT" | grep -E '^(E|W):' >"$T/apt.warn" || true
	[ -s "$T/apt.warn" ] && { not_ok "apt warned or failed:"; sed 's/^/#   /' "$T/apt.warn"; } ||
		ok "apt printed no warning and no error"
	LAST_OUT=$(dpkg-query -W -f='${Status} ${Version}' skua 2>&1 || true)
	expect_match "dpkg knows skua as installed" '^install ok installed [0-9.]+-1$'

	# What the installation added: the package's files, and dpkg's and apt's records only.
	echo "# $(date +%T) installed"
	snapshot >"$T/after"
	dpkg -L skua | sed 's|^/||' | sort >"$T/owned"
	comm -13 "$T/before" "$T/after" | while IFS= read -r f; do
		grep -qxF "$f" "$T/owned" && continue
		case "$f" in
		var/lib/dpkg/* | var/log/* | var/cache/* | var/lib/apt/*) continue ;;
		esac
		echo "$f"
	done >"$T/stray"
	[ -s "$T/stray" ] && { not_ok "the installation created files outside the package:"; sed 's/^/#   /' "$T/stray"; } ||
		ok "the installation created nothing outside its own files and dpkg's records"
	# No pluto of this installation runs: nothing started it.
	started=
	mine=$(readlink /proc/self/ns/mnt)
	for exe in /proc/[0-9]*/exe; do
		pid=${exe#/proc/}
		pid=${pid%/exe}
		[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$mine" ] || continue
		[ "$(readlink "$exe" 2>/dev/null)" = /usr/libexec/ipsec/pluto ] && started="$started $pid"
	done
	[ -z "$started" ] && ok "the installation started no pluto" || not_ok "a pluto runs after the installation:$started"

	LAST_OUT=$(ipsec --version 2>&1 || true)
	expect_match "the installed ipsec --version" '^Skua [0-9.]+ \(libreswan 4.10 compatible\)$'
	[ "$(command -v ipsec)" = /usr/sbin/ipsec ] && ok "ipsec is /usr/sbin/ipsec" || not_ok "ipsec is $(command -v ipsec)"
	LAST_OUT=$(ipsec --directory || true)
	expect_match "its programs are in /usr/libexec/ipsec" '^/usr/libexec/ipsec$'
	LAST_OUT=$(man -w pluto 2>&1 || true)
	expect_match "man pluto finds the installed page" '^/usr/share/man/man8/pluto\.8'
	expect_status 0 "systemd-analyze verify ipsec.service" systemd-analyze verify /lib/systemd/system/ipsec.service
	expect_no_match "without a complaint" '.'
	sed 's/^Type=notify$/Type=notifyy/' /lib/systemd/system/ipsec.service >"$T/broken.service"
	LAST_OUT=$(systemd-analyze verify "$T/broken.service" 2>&1 || true)
	expect_match "systemd-analyze verify complains of a broken copy (the check can fail)" \
		'Failed to parse service type'

	echo "# $(date +%T) the tunnel"
	# A tunnel: west is this installation, east the build tree.
	cat >/etc/ipsec.conf <<EOF
config setup
	protostack=none
	logfile=$T/west.log

include /etc/ipsec.d/*.conf
EOF
	cat >/etc/ipsec.d/tunnel.conf <<'EOF'
conn tunnel
	left=192.0.2.1
	leftid=@west
	leftsubnet=10.1.0.0/16
	right=192.0.2.2
	rightid=@east
	rightsubnet=10.2.0.0/16
	authby=secret
	auto=add
EOF
	printf '@west @east : PSK "package test secret"\n' >>/etc/ipsec.secrets
	printf '@west @east : PSK "package test secret"\n' >"$T/east.secrets"
	{ printf 'config setup\n\tprotostack=none\n\tsecretsfile=%s\n\tlogfile=%s\n\n' \
		"$T/east.secrets" "$T/east.log"; cat /etc/ipsec.d/tunnel.conf; } >"$T/east.conf"
	W() { ip netns exec "$NS_W" env IPSEC_INIT=direct IPSEC_RUNDIR="$T/w" "$@"; }
	E() { ip netns exec "$NS_E" env IPSEC_INIT=direct IPSEC_RUNDIR="$T/e" IPSEC_CONF="$T/east.conf" \
		IPSEC_SECRETS="$T/east.secrets" "$@"; }
	expect_status 0 "the installed ipsec start (west)" W ipsec start
	expect_match "runs the installed pluto" '^Starting pluto: /usr/libexec/ipsec/pluto --config /etc/ipsec.conf'
	expect_status 0 "the build tree's ipsec start (east)" E "$BUILD/ipsec" start
	added=yes
	expect_status 0 "the installed ipsec auto --add tunnel (addconn)" W ipsec auto --add tunnel
	[ "${LAST_OUT#*addconn is not installed}" != "$LAST_OUT" ] && added=no
	expect_status 0 "the build tree's ipsec auto --add tunnel (addconn)" E "$BUILD/ipsec" auto --add tunnel
	[ "${LAST_OUT#*addconn is not installed}" != "$LAST_OUT" ] && added=no
	if [ "$added" = no ]; then
		echo "# addconn is missing: adding the connection with ipsec whack to test the rest"
		for side in W E; do
			ipsec=ipsec
			[ $side = E ] && ipsec="$BUILD/ipsec"
			$side "$ipsec" whack --name tunnel --host 192.0.2.1 --id @west --client 10.1.0.0/16 \
				--to --host 192.0.2.2 --id @east --client 10.2.0.0/16 --psk --encrypt >/dev/null
		done
	fi
	expect_status 0 "ipsec auto --up tunnel, installed to build tree" W timeout 20 ipsec auto --up tunnel
	expect_match "the IKE SA is established" '^004 "tunnel" #1: established IKE SA'
	expect_match "the Child SA is established" 'IPsec SA #2 established tunnel mode .*10\.1\.0\.0/16===10\.2\.0\.0/16'
	expect_status 0 "ipsec trafficstatus on the build tree's side" E "$BUILD/ipsec" trafficstatus
	expect_match "east lists the Child SA" '"tunnel"'
	W ipsec verify >"$T/verify" 2>&1 && vrc=0 || vrc=$?
	LAST_OUT=$(cat "$T/verify")
	expect_match "the installed ipsec verify: pluto runs" '^Checking that pluto is running +\[OK\]'
	expect_match "the installed ipsec verify: port 500 held by pluto" '^ IKE on udp 500 +\[OK\]'
	expect_match "the installed ipsec verify: the packaged ipsec.secrets is 0600" \
		'^Pluto ipsec.secrets permissions +\[OK\]'
	expect_match "the installed ipsec verify: the config parses (addconn)" '^Pluto ipsec.conf syntax +\[OK\]'
	if grep -q '\[FAILED\]' "$T/verify"; then want=1; else want=0; fi
	[ "$vrc" = "$want" ] && ok "ipsec verify exits $vrc, 1 exactly when a check FAILED" ||
		not_ok "ipsec verify exit $vrc for its output"
	expect_status 0 "ipsec auto --down tunnel" W ipsec auto --down tunnel
	expect_status 0 "the installed ipsec stop" W ipsec stop
	expect_status 0 "the build tree's ipsec stop" E "$BUILD/ipsec" stop
	[ -s "$T/west.log" ] && ok "the installed pluto logged to its logfile=" || not_ok "no log from the installed pluto"

	echo "# $(date +%T) purging"
	expect_status 0 "dpkg --purge skua" dpkg --purge skua
	for f in /usr/sbin/ipsec /usr/libexec/ipsec/pluto /etc/ipsec.conf /etc/ipsec.secrets \
		/lib/systemd/system/ipsec.service; do
		[ -e "$f" ] && not_ok "$f remains after the purge" || ok "$f is gone after the purge"
	done
	finish
	exit
fi

# ---- outside: build the package, read it, then enter the throw-away root
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/netns.sh"
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/skua-package.XXXXXX)
chmod 755 "$T"	# apt reads the package as its _apt user
netns_pair "skua$$"
trap 'netns_cleanup; umount -R "$T/ovl" 2>/dev/null || true; rm -rf "$T"' EXIT

echo "# $(date +%T) cpack"
expect_status 0 "cpack -G DEB" cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg"
DEB=$(ls "$T"/pkg/skua_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { not_ok "no skua_*.deb in $T/pkg"; finish; }
chmod 755 "$T/pkg"
arch=$(dpkg --print-architecture)
[[ "$(basename "$DEB")" =~ ^skua_[0-9.]+-1_${arch}\.deb$ ]] && ok "the package is $(basename "$DEB")" ||
	not_ok "unexpected package name $(basename "$DEB")"

field() { dpkg-deb -f "$DEB" "$1"; }
has() {	# has <field> <package>: the field lists the package
	field "$1" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx "$2" && ok "$1: $2" ||
		not_ok "$1 lacks $2 (it is: $(field "$1"))"
}
[ "$(field Package)" = skua ] && ok "Package: skua" || not_ok "Package: $(field Package)"
has Conflicts libreswan
has Replaces libreswan
has Provides libreswan
has Conflicts strongswan-starter
has Depends iproute2
has Depends libc6
LAST_OUT=$(dpkg-deb -I "$DEB" conffiles || true)
expect_match "/etc/ipsec.conf is a conffile" '^/etc/ipsec\.conf$'
expect_match "/etc/ipsec.secrets is a conffile" '^/etc/ipsec\.secrets$'
expect_match "/etc/pam.d/pluto is a conffile" '^/etc/pam\.d/pluto$'
LAST_OUT=$(dpkg-deb -c "$DEB" || true)
expect_match "ipsec.secrets is 0600 root's" '^-rw------- root/root .* \./etc/ipsec\.secrets$'
expect_match "ipsec in /usr/sbin" '^-rwxr-xr-x root/root .* \./usr/sbin/ipsec$'
for p in pluto whack addconn _updown; do
	expect_match "$p in /usr/libexec/ipsec" "^-rwxr-xr-x root/root .* \\./usr/libexec/ipsec/$p\$"
done
expect_match "the systemd unit" '\./lib/systemd/system/ipsec\.service$'
expect_match "pluto(8)" '\./usr/share/man/man8/pluto\.8$'
expect_match "the copyright file" '\./usr/share/doc/skua/copyright$'
mkdir "$T/x"
dpkg-deb -x "$DEB" "$T/x"
hits=$(grep -rlF -e "$SRC" -e "$BUILD" "$T/x" || true)
[ -z "$hits" ] && ok "no file of the package names $SRC or $BUILD" ||
	{ not_ok "files of the package name the source or build tree:"; printf '%s\n' "$hits" | sed 's/^/#   /'; }

echo "# $(date +%T) apt-get --simulate"
# apt resolves the installation on this system (a simulation changes nothing).
expect_status 0 "apt-get install --simulate ./$(basename "$DEB")" apt-get install -s "$DEB"
expect_match "apt would install skua" '^Inst skua '
REMOVE=$(printf '%s\n' "$LAST_OUT" | sed -n 's/^Remv \([^ ]*\) .*/\1/p' | tr '\n' ' ')
REMOVE=${REMOVE% }
echo "# apt would remove, for the conflicts: ${REMOVE:-nothing}"

mkdir "$T/ovl"
echo "# $(date +%T) entering the throw-away root"
set +e
unshare -m --propagation private bash "$0" --inside "$BUILD" "$T" "$DEB" "$NS_W" "$NS_E" \
	"${REMOVE:+ $REMOVE}" >"$T/inside.out" 2>&1
set -e
cat "$T/inside.out"
echo "# $(date +%T) done"
summary=$(tail -n 1 "$T/inside.out")
if [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	PASSES=$((PASSES + BASH_REMATCH[1]))
	FAILS=$((FAILS + BASH_REMATCH[2]))
else
	not_ok "the throw-away root part ended early"
fi
finish
