#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/compare_certs.sh: bench/compare.sh with certificates instead of the PSK. For
# RSA-2048 and ECDSA P-256 in turn (a CA of the same kind, made here with the openssl
# tool), skua-loadgen sets up N IKE SAs, each authenticated by the generator's
# certificate (--cert/--key/--ca), against Skua's pluto (--use-none, 1 worker),
# strongSwan 5.9.8's charon and libreswan 4.10's pluto (certificate and CA imported into
# its NSS database with pk12util and certutil), each a road-warrior responder with its own
# certificate in its own network namespace, pinned to RESP_CPU while the generator runs on
# GEN_CPU. Prints one markdown table per key kind with the crypto floor of that method
# (bench/crypto_floor), and writes it to bench/results/compare-certs-<date>.md. See
# bench/README.md.
#
# Run as root after scripts/setup-peers and a build (scripts/build):
#   bench/compare_certs.sh                   # N=2000 SAs per responder and key kind
#   N=500 ONLY="skua1 lsw" KINDS=p256 bench/compare_certs.sh
# Environment: N, HALF_OPEN, SETUP_WAIT (s, per responder), BUILD, KINDS (rsa p256),
# ONLY (row names: skua1 skua2 sswan lsw).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

N=${N:-2000}
HALF_OPEN=${HALF_OPEN:-64}
SETUP_WAIT=${SETUP_WAIT:-300}
KINDS=${KINDS:-rsa p256}
ONLY=${ONLY:-skua1 sswan lsw}
LSW_IKE=aes_gcm128-sha2_256-dh31
LSW_ESP=aes_gcm128
SSW_IKE=aes128gcm16-prfsha256-x25519
SSW_ESP=aes128gcm16

for f in "$SKUA_PLUTO" "$SKUA_WHACK" "$LOADGEN" "$BUILD/bench/crypto_floor"; do
	[ -x "$f" ] || iop_die "$f not built: run scripts/build (or set BUILD)"
done
command -v openssl >/dev/null || iop_die "the openssl tool is missing (scripts/setup installs it)"
iop_init
results=$BENCH_DIR/results
mkdir -p "$results"
stamp=$(date +%Y%m%d-%H%M%S)
md=$results/compare-certs-$stamp.md
rows=$IOP_TMP/rows
: >"$rows"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
RESP_DN="C=CH, O=Skua Bench, CN=resp.bench" # the responder's certificate (pki_make)

# pki_make KIND DIR: a CA, the responder's and the generator's certificates (KIND keys)
pki_make() {
	local k=$1 d=$2 alg name
	mkdir -p "$d"
	case "$k" in
	rsa) alg=(-newkey rsa:2048) ;;
	p256) alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	*) iop_die "KINDS: unknown kind \"$k\": expected rsa or p256" ;;
	esac
	openssl req -x509 "${alg[@]}" -nodes -keyout "$d/ca.key" -days 2 -out "$d/ca.pem" \
		-subj "/C=CH/O=Skua Bench/CN=Bench CA $k" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 ||
		iop_die "openssl: the $k CA"
	for name in resp init; do
		openssl req "${alg[@]}" -nodes -keyout "$d/$name.key" \
			-subj "/C=CH/O=Skua Bench/CN=$name.bench" -out "$d/$name.csr" >/dev/null 2>&1 &&
			openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
				-CAcreateserial -days 1 -out "$d/$name.pem" -extfile <(printf '%s\n' \
				"basicConstraints=CA:FALSE" "keyUsage=digitalSignature" \
				"subjectAltName=DNS:$name.bench") >/dev/null 2>&1 ||
			iop_die "openssl: the $k certificate $name"
		chmod 600 "$d/$name.key"
	done
	openssl pkcs12 -export -in "$d/resp.pem" -inkey "$d/resp.key" -name bench-resp \
		-passout pass:bench -out "$d/resp.p12" >/dev/null 2>&1 ||
		iop_die "openssl: the PKCS#12 file of the $k responder"
}

bench_log "crypto floor"
floor=$(taskset -c "$RESP_CPU" "$BUILD/bench/crypto_floor" 10000)
bench_log "namespaces and $N source addresses"
bench_netns "$N"

# measure KIND ROW LABEL WORKERS NOTE: the responder BENCH_PID is up; drive it, add a row.
measure() {
	local k=$1 row=$2 label=$3 workers=$4 note=$5 out=$IOP_TMP/$1-$2
	local t0 t1 up child rate p50 p99 cpu_ms cause signed
	mkdir -p "$out"
	sleep 1
	t0=$(bench_cpu_ticks "$BENCH_PID")
	bench_log "$k, $label: $N SAs"
	bench_loadgen "$out" -n "$N" -S "$N" -H "$HALF_OPEN" -t "$SETUP_WAIT" \
		--ike "$LSW_IKE" --esp "$LSW_ESP" \
		--cert "$BENCH_PKI/init.pem" --key "$BENCH_PKI/init.key" --ca "$BENCH_PKI/ca.pem"
	if ! bench_wait_ready "$out" "$((SETUP_WAIT + 30))"; then
		bench_log "$k, $label: the generator did not finish; see $out/lg.out"
	fi
	sleep 1 # late retransmissions
	t1=$(bench_cpu_ticks "$BENCH_PID")
	bench_loadgen_stop
	cat "$out/lg.out" >&2
	up=$(json_num "$out/lg.json" ike_established)
	child=$(json_num "$out/lg.json" child_established)
	rate=$(json_num "$out/lg.json" setups_per_s)
	p50=$(sed -n 's/.*"ike_latency_ms": {"p50": \([0-9.]*\).*/\1/p' "$out/lg.json")
	p99=$(sed -n 's/.*"ike_latency_ms": {.*"p99": \([0-9.]*\).*/\1/p' "$out/lg.json")
	cause=$(sed -n 's/.*"count": \([0-9]*\), "cause": "\(.*\)"}.*/\1 × \2/p' "$out/lg.json" |
		head -n 1)
	# how the responder signed, as the generator logged it
	signed=$(sed -n "s/.*authenticated peer $RESP_DN with \\(.*\\) and certificate.*/\\1/p" \
		"$out/lg.log" | head -n 1)
	cpu_ms=$(awk -v a="$t0" -v b="$t1" -v t="$CLK_TCK" -v n="${up:-0}" \
		'BEGIN { if (n > 0) printf "%.3f", (b - a) * 1000 / t / n; else print "-" }')
	printf '%s|%s|%s|%s|%s/%s|%s|%s|%s / %s|%s|%s|%s|%s\n' "$k" "$row" "$label" "$workers" \
		"${up:-0}" "$N" "${child:-0}" "${rate:-0}" "${p50:--}" "${p99:--}" "$cpu_ms" \
		"${signed:--}" "$note" "${cause:-none}" >>"$rows"
	cp "$out/lg.json" "$results/compare-certs-$stamp-$k-$row.json" 2>/dev/null || true
}

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

for k in $KINDS; do
	BENCH_PKI=$IOP_TMP/pki-$k
	pki_make "$k" "$BENCH_PKI"
	BENCH_PKI_KIND=rsa
	[ "$k" = p256 ] && BENCH_PKI_KIND=ecdsa
	export BENCH_PKI BENCH_PKI_KIND
	if want skua1; then
		bench_skua_start "sk1$k" "$NS_R" none 1 "$LSW_IKE" "$LSW_ESP"
		measure "$k" skua1 "Skua pluto" 1 "" && skua_stop "sk1$k"
	fi
	if want skua2; then
		bench_skua_start "sk2$k" "$NS_R" none 2 "$LSW_IKE" "$LSW_ESP"
		measure "$k" skua2 "Skua pluto" 2 "" && skua_stop "sk2$k"
	fi
	if want sswan; then
		bench_sswan_start "ssw$k" "$NS_R" "$SSW_IKE" "$SSW_ESP"
		measure "$k" sswan "strongSwan 5.9.8 charon" "16 threads" \
			"ESP SA install fails on this host: IKE SA up, Child SA refused" &&
			sswan_stop "ssw$k"
	fi
	if want lsw; then
		bench_lsw_start "lsw$k" "$NS_R" "$LSW_IKE" "$LSW_ESP"
		measure "$k" lsw "libreswan 4.10 pluto" "main + helpers" \
			"ESP SA install fails on this host: IKE SA up, Child SA refused" &&
			lsw_stop "lsw$k"
	fi
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report ----
{
	echo "# Responder comparison with certificates, $(date '+%Y-%m-%d %H:%M')"
	echo
	echo "skua-loadgen ($N IKE SAs, each with one Child SA, from $N source addresses, at most"
	echo "$HALF_OPEN half-open, flat out), every SA authenticated with the generator's certificate"
	echo "(one CA of the same kind, one level), against each responder with its own certificate,"
	echo "in a network namespace; Curve25519, AES-GCM-128 (IKE: $LSW_IKE, ESP: $LSW_ESP)."
	echo "Responder pinned to CPU $RESP_CPU, generator to CPU $GEN_CPU; host: $(nproc --all) CPUs,"
	echo "$(uname -r), shared with other work (load average $load0 at the start, $load1 at"
	echo "the end), so treat rates as indicative."
	for k in $KINDS; do
		case "$k" in
		rsa) echo; echo "## RSA-2048 certificates"; tag=rsa2048 ;;
		p256) echo; echo "## ECDSA P-256 certificates"; tag=p256 ;;
		esac
		echo
		echo "| responder | workers | IKE SAs up | Child SAs up | setups/s | IKE latency p50 / p99 ms | responder CPU ms/SA | responder signed with | notes | first failure cause |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		awk -F'|' -v k="$k" '$1 == k { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' "$rows"
		f=$(echo "$floor" | sed -n "s/^FLOOR_US_$tag .*total=\([0-9.]*\).*/\1/p")
		echo
		echo "Crypto floor of this method: ${f:-?} us = $(awk -v f="${f:-0}" 'BEGIN { printf "%.3f", f / 1000 }') ms per responder handshake."
	done
	echo
	echo "setups/s: IKE SAs established per second, first start to last establishment, as the"
	echo "generator saw it: bounded by the generator too, which does the same public-key work"
	echo "(sign, verify, validate the responder's certificate) on its one core. CPU ms/SA:"
	echo "utime+stime of the responder process from /proc/PID/stat over the run, divided by"
	echo "the IKE SAs established (ticks of 10 ms: a short run is coarse). \"Responder signed"
	echo "with\": the AUTH of the first SA, as the generator logged it (the generator signs"
	echo "RSASSA-PSS SHA2-512 or ECDSA SHA2-256, RFC 7427, as Skua's responder does; the crypto"
	echo "floor counts those)."
	echo
	echo "## The crypto floor"
	echo
	echo '```'
	echo "$floor" | grep -v '^FLOOR_US'
	echo '```'
} >"$md"
cat "$md"
echo "# written to $md" >&2
