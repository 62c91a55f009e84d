# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# Compare whack listings with libreswan's by shape: field names, their order
# and punctuation, with every value replaced by a placeholder. Used by
# tests/netns/status_format.sh; needs common.sh (ok, not_ok).

# lsw_norm: stdin to stdout, one shape per line.
#   "name" -> "C"   "name"[1] 192.0.2.1 -> "C"[N] A (an instance keeps its shape)   #12 -> #N    $3 -> $N
#   [@east] -> [ID]   id='...' -> id='V'   esp.1a2b@ -> esp.X@   tun.0@ -> tun.X@
#   addresses, subnets, %any -> A   key=value -> key=V   routing words -> ROUTING
#   every other number -> N
lsw_norm() {
	sed -E \
		-e 's/"[^"]*"\[[0-9]+\]/"C"[N]/g' -e 's/"[^"]*"/"C"/g' \
		-e 's/#[0-9]+/#N/g' -e 's/\$[0-9]+/$N/g' \
		-e "s/id='[^']*'/id='V'/g" \
		-e 's/\[@[^]]*\]/[ID]/g' \
		-e 's/esp\.[0-9a-f]+@/esp.X@/g' -e 's/tun\.[0-9]+@/tun.X@/g' \
		-e 's/%any/A/g' \
		-e 's/[0-9]+(\.[0-9]+){3}(\/[0-9]+)?/A/g' \
		-e 's/=[^ ,;]+/=V/g' \
		-e 's/; (unrouted|erouted|prospective erouted|fail erouted|erouted HOLD|unrouted HOLD|routed ECLIPSED|keyed, unrouted);/; ROUTING;/' \
		-e 's/DDoS cookies (not )?required/DDoS cookies V/' \
		-e 's/(Accepting|Rejecting) new IKE/V new IKE/' \
		-e 's/using kernel interface: .*/using kernel interface: V/' \
		-e 's/[0-9]+/N/g'
}

# The pieces of a --status listing.
lsw_state_lines() { grep -E '^[0-9]{3} #[0-9]+: ' "$1" || true; }
lsw_totals_lines() {
	grep -E '^[0-9]{3} (Total IPsec connections:|State Information:|IKE SAs:|IPsec SAs:)' "$1" || true
}
# A connection's first line: "name"[N]: ...; and its detail lines "name":   label: ...
lsw_conn_first() { grep -E '^[0-9]{3} "[^"]*"(\[[0-9]+\])?: [^ ]' "$1" || true; }
lsw_conn_detail() { grep -E '^[0-9]{3} "[^"]*"(\[[0-9]+\])?:   ' "$1" || true; }

# Section headers and totals, in order: what a script walks through.
lsw_sections() {
	grep -E '^[0-9]{3} (using kernel interface:|Connection list:|Total IPsec connections:|State Information:|IKE SAs:|IPsec SAs:|Bare Shunt list:)' "$1" | lsw_norm
}

# report <description> <diff text>: ok when empty.
lsw_report() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		not_ok "$1:"
		printf '%s\n' "$2" | sed 's/^/#   /'
	fi
}

# lsw_cmp_same <libreswan file> <skua file>: the same shapes, line for line.
lsw_cmp_same() {
	diff <(lsw_norm <"$1") <(lsw_norm <"$2") | sed -n 's/^</libreswan:/p; s/^>/skua:     /p'
}

# lsw_cmp_prefix <libreswan> <skua>: as many lines; each Skua shape starts with libreswan's.
lsw_cmp_prefix() {
	paste -d '\n' <(lsw_norm <"$1" | sed 's/^/L /') <(lsw_norm <"$2" | sed 's/^/S /') | awk '
		/^L / { l = substr($0, 3); nl++; next }
		/^S / {
			s = substr($0, 3); ns++
			if (nl < ns) { print "skua has an extra line: " s; next }
			if (index(s, l) != 1) print "libreswan: " l "\nskua:      " s
			next
		}
		END { if (nl > ns) print "skua has " nl - ns " line(s) fewer than libreswan" }'
}

lsw_same_lines() { lsw_report "$1" "$(lsw_cmp_same "$2" "$3")"; }
lsw_prefix_lines() { lsw_report "$1" "$(lsw_cmp_prefix "$2" "$3")"; }

lsw_status_sections() {
	lsw_report "$1" "$(diff <(lsw_sections "$2") <(lsw_sections "$3") |
		sed -n 's/^</libreswan:/p; s/^>/skua:     /p')"
}

# Connection lines: the same set of shapes (libreswan also lists a template's
# instances, which have the shape of a connection).
lsw_conn_lines() {
	lsw_report "$1" "$(diff <(lsw_conn_first "$2" | lsw_norm | sort -u) \
		<(lsw_conn_first "$3" | lsw_norm | sort -u) |
		sed -n 's/^</libreswan:/p; s/^>/skua:     /p')"
}

# Detail lines: each of Skua's has a label libreswan uses, and libreswan's line
# with that label is where Skua's starts (its fields in its order).
lsw_conn_details() {
	local out
	out=$(awk '
		FNR == 1 { file++ }
		{
			line = $0
			sub(/^[0-9]+ "[^"]*"(\[[0-9]+\])?: +/, "", line)
			label = line; sub(/[:;=].*/, "", label)
			if (file == 1) { if (!(label in lsw)) lsw[label] = line; next }
			if (!(label in lsw)) { print "a line libreswan does not have: " line; next }
			l = lsw[label]; s = line
			# the fields, values aside: "key" of each "key: v" / "key=v" / "word"
			nl = split(l, lf, /; */); ns = split(s, sf, /; */)
			for (i = 1; i <= nl; i++) {
				if (lf[i] == "") continue
				a = lf[i]; sub(/[:=].*/, "", a); b = sf[i]; sub(/[:=].*/, "", b)
				if (a != b) { print "libreswan: " l "\nskua:      " s; break }
			}
		}' <(lsw_conn_detail "$2") <(lsw_conn_detail "$3"))
	lsw_report "$1" "$out"
}
