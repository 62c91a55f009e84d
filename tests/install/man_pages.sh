#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The manual pages: every pluto and whack option has its text (mangen
# --check against the programs' option tables, and the check does fail
# when a text is missing or names no option); every page renders with
# groff -ww and man -l without a warning; every command "ipsec --help"
# lists has its entry in ipsec(8); the pages carry the installation's paths,
# never the build tree's.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"
MANGEN="$BUILD/docs/man/mangen"
MAN="$BUILD/man"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

T=$(mktemp -d /tmp/skua-man.XXXXXX)
trap 'rm -rf "$T"' EXIT

for prog in pluto whack; do
	expect_status 0 "every $prog option has its line in docs/man/$prog.options" \
		"$MANGEN" --check "$prog" "$MAN/$prog.options"
	# the check fails when one text is missing ...
	first=$("$MANGEN" --list "$prog" | sed -n 2p)
	awk -v opt="$first" '$0 == opt { skip = 1; next } /^--/ { skip = 0 } !skip' \
		"$MAN/$prog.options" >"$T/$prog.missing"
	expect_status 1 "the check fails when $first has no text" \
		"$MANGEN" --check "$prog" "$T/$prog.missing"
	expect_match "and names it" "$prog option $first has no description"
	# ... and when a text names an option that does not exist
	{ cat "$MAN/$prog.options"; printf -- '--no-such-option\nText.\n'; } >"$T/$prog.stray"
	expect_status 1 "the check fails on a text for an option $prog lacks" \
		"$MANGEN" --check "$prog" "$T/$prog.stray"
	expect_match "and names it" "--no-such-option is not a $prog option"
	# every option of the table is in the page, with its value
	while read -r opt; do
		grep -q -- "^\\\\fB$(printf '%s' "$opt" | sed 's/-/\\\\-/g')\\\\fR" "$MAN/$prog.8" ||
			{ not_ok "$prog.8 lacks $opt"; continue; }
	done < <("$MANGEN" --list "$prog")
	ok "$prog.8 has an entry for each of the $("$MANGEN" --list "$prog" | wc -l) options"
done

# The installed layout, so that the .so pages resolve.
DESTDIR="$T/root" cmake --install "$BUILD" >/dev/null 2>"$T/install.err" ||
	{ not_ok "cmake --install failed"; cat "$T/install.err"; finish; }
mandir="$T/root/usr/share/man"
pages=$(cd "$mandir" && ls man5/*.5 man8/*.8)
for want in man8/ipsec.8 man8/pluto.8 man8/whack.8 man5/ipsec.conf.5 man5/ipsec.secrets.5 \
	man8/ipsec_pluto.8 man8/ipsec_whack.8; do
	printf '%s\n' "$pages" | grep -qx "$want" && ok "installed $want" || not_ok "$want not installed"
done
for p in $pages; do
	out=$(cd "$mandir" && groff -ww -man -Tutf8 -z "$p" 2>&1 || echo "groff failed")
	[ -z "$out" ] && ok "groff -ww renders $p without a warning" ||
		{ not_ok "groff -ww on $p:"; printf '%s\n' "$out" | sed 's/^/#   /'; }
	out=$(cd "$mandir" && MANWIDTH=80 man --warnings=w -l "$p" 2>&1 >/dev/null || echo "man failed")
	[ -z "$out" ] && ok "man -l renders $p without a warning" ||
		{ not_ok "man -l on $p:"; printf '%s\n' "$out" | sed 's/^/#   /'; }
done
LAST_OUT=$(cd "$mandir" && MANWIDTH=80 man -l man8/ipsec_pluto.8 2>&1 || true)
expect_match "ipsec_pluto(8) is pluto(8)" '^PLUTO\(8\)'

for p in $pages; do
	if grep -q -e "$SRC" -e "$BUILD" "$mandir/$p"; then
		not_ok "$p names the source or build tree"
	else
		ok "$p names no source or build path"
	fi
done

# Every section the issue asks for, in each page.
for p in man8/ipsec.8 man8/pluto.8 man8/whack.8 man5/ipsec.conf.5 man5/ipsec.secrets.5; do
	grep -q '^\.SH "DIFFERENCES FROM LIBRESWAN"' "$mandir/$p" &&
		ok "$p has a differences-from-libreswan section" || not_ok "$p has no differences section"
done

# ipsec(8) has an entry for every command ipsec --help lists (IPSEC_EXECDIR:
# the installed helpers, so that the list is the installation's).
cmds=$(IPSEC_EXECDIR="$T/root/usr/libexec/ipsec" "$BUILD/ipsec" --help 2>&1 |
	awk '/^\t/ { for (i = 1; i <= NF; i++) print $i }')
[ -n "$cmds" ] || not_ok "ipsec --help listed no command"
for c in $cmds; do
	grep -q "^\\.B $c\\b" "$mandir/man8/ipsec.8" && ok "ipsec(8) describes ipsec $c" ||
		not_ok "ipsec(8) has no entry for the command $c that ipsec --help lists"
done
finish
