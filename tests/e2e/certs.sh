#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The certificate store under --ipsecdir (certs/, cacerts/, private/,
# crls/) and the key entries of ipsec.secrets, as whack lists them:
# --listcerts, --listcacerts, --listcrls, --listpubkeys, --checkpubkeys,
# --rereadcrls, --rereadall, the public key form, --crlcheckinterval.
# Certificates are made here with the openssl tool.
set -eu
BUILD=$1
. "$(dirname "$0")/../lib/common.sh"

T=$(mktemp -d /tmp/skua-certs.XXXXXX)
PLUTO_PID=
trap 'kill -KILL $PLUTO_PID 2>/dev/null || true; rm -rf "$T"' EXIT
RD=$T/run
D=$T/ipsec.d
mkdir -p "$D/certs" "$D/cacerts" "$D/private" "$D/crls" "$T/ca"
cd "$T/ca"
cat >ca.cnf <<'C'
[ca]
default_ca = skua
[skua]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
crlnumber = crlnumber
default_md = sha256
default_crl_days = 7
policy = any
[any]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[v3_end]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
subjectAltName = DNS:east.example,IP:192.0.2.23
C
touch index.txt
echo 1000 >serial
echo 01 >crlnumber
q() { "$@" >/dev/null 2>&1 || { echo "# failed: $*"; exit 1; }; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-subj "/C=CH/O=Skua Test/CN=Skua Test CA" -days 30 -extensions v3_ca -config ca.cnf -out ca.pem
for n in east west gone; do
	q openssl req -newkey rsa:2048 -nodes -keyout $n.key -subj "/C=CH/O=Skua Test/CN=$n.example" -out $n.csr
	q openssl ca -batch -config ca.cnf -extensions v3_end -days 10 -cert ca.pem -keyfile ca.key \
		-in $n.csr -out $n.pem -notext
done
cp ca.pem "$D/cacerts/"
openssl x509 -in east.pem -outform DER -out "$D/certs/east.der"
cp east.key "$D/private/east.key"
chmod 600 "$D/private/east.key"
cp gone.pem "$D/certs/gone.crt"
cp gone.key "$D/private/gone-open.key"
chmod 644 "$D/private/gone-open.key"
q openssl pkcs12 -export -in west.pem -inkey west.key -certfile ca.pem -passout pass:p12secret -out west.p12
cp west.p12 "$T/west.p12"
chmod 600 "$T/west.p12"
cat >"$T/ipsec.secrets" <<S
@westside : P12 $T/west.p12 "p12secret"
@road : PSK "a psk"
S

# east's public key in the RFC 3110 form (exponent 65537), hex and base64
MOD=$(openssl rsa -in "$T/ca/east.key" -noout -modulus 2>/dev/null | sed 's/^Modulus=//')
RAW=0x03010001$MOD
# shellcheck disable=SC2059 # the format is the key's bytes, \xHH each
B64=0s$(printf "$(printf '%s' "${RAW#0x}" | sed 's/../\\x&/g')" | base64 -w0)
# --config: a conn whose rightrsasigkey= pluto installs for rightid= as it adds the conn
cat >"$T/ipsec.conf" <<C
config setup
	protostack=none
conn rawcfg
	left=127.0.0.1
	leftcert=east
	right=127.0.0.3
	rightid=@rawcfg.example
	rightrsasigkey=$B64
	authby=rsasig
	auto=add
C
start_pluto "$RD" "$T/pluto.log" --use-none --ipsecdir "$D" --secretsfile "$T/ipsec.secrets" \
	--crlcheckinterval 2 --config "$T/ipsec.conf" || { not_ok "pluto starts"; finish; }
W="$WHACK --rundir $RD"
if grep -q "gone-open.key: holds a private key but its mode 0644" "$T/pluto.log"; then
	ok "a key file open to others is refused with a reason"
else
	not_ok "no refusal of the 0644 key:"; sed 's/^/#   /' "$T/pluto.log"
fi
if grep -q "p12secret" "$T/pluto.log"; then not_ok "a passphrase reached the log"; else ok "no passphrase in the log"; fi

expect_status 0 "--listcerts" $W --listcerts
expect_match "the header" '^000 List of X.509 End Certificates:'
expect_match "east from certs/ (DER) by its file name" '^000 End certificate "east" - SN: 0x'
expect_match "its subject" '^000   subject: CN=east.example'
expect_match "its issuer" '^000   issuer: C=CH, O=Skua Test, CN=Skua Test CA'
expect_match "its subjectAltNames" 'subjectAltName: DNS:east.example, IP:192.0.2.23'
expect_match "east has the private key from private/" "2048 bit RSA: has private key from $D/private/east.key"
expect_match "west from the P12 entry" '^000 End certificate "west" - SN: 0x'
expect_match "west has the P12's key" "has private key from $T/west.p12"
expect_match "gone has no usable key" '2048 bit RSA: no private key$'

expect_status 0 "--listcacerts" $W --listcacerts
expect_match "the CA" '^000 CA certificate "ca.pem" - SN: 0x'
expect_match "its key" '256 bit ECDSA'

expect_status 0 "--listcrls with none" $W --listcrls
expect_match "the header" '^000 List of CRLs:'
expect_no_match "no CRL yet" '^000 issuer:'

# revoke gone and put the CRL in crls/
q openssl ca -config "$T/ca/ca.cnf" -cert "$T/ca/ca.pem" -keyfile "$T/ca/ca.key" -revoke "$T/ca/gone.pem"
q openssl ca -config "$T/ca/ca.cnf" -cert "$T/ca/ca.pem" -keyfile "$T/ca/ca.key" -gencrl -out "$D/crls/ca.crl"
expect_status 0 "--rereadcrls" $W --rereadcrls
expect_match "one CRL reread" 'reread 1 CRL from'
expect_status 0 "--listcrls" $W --listcrls
expect_match "the CRL's issuer" '^000 issuer: C=CH, O=Skua Test, CN=Skua Test CA'
expect_match "one revoked certificate" '^000 revoked certs: 1'
expect_match "its updates" '^000 updates: this '

# --crlcheckinterval 2: a CRL removed from crls/ is gone within a few seconds
rm "$D/crls/ca.crl"
if wait_for 8 sh -c "$W --listcrls | grep -q 'revoked certs' && exit 1 || exit 0"; then
	ok "--crlcheckinterval rereads crls/"
else
	not_ok "the CRL is still listed after --crlcheckinterval"
fi

expect_status 0 "--listpubkeys" $W --listpubkeys
expect_match "the header" '^000 List of Public Keys:'
expect_match "east's key from its certificate" '2048 RSA Key AwEAA.{4} \(has private key\), until .* ok$'
expect_match "with its DN" "^000        ID_DER_ASN1_DN 'CN=east.example'"
expect_match "and issuer" "^000        Issuer 'C=CH, O=Skua Test, CN=Skua Test CA'"

expect_status 0 "--checkpubkeys: a 10-day certificate expires within two weeks" $W --checkpubkeys
expect_match "east is listed" "ID_DER_ASN1_DN 'CN=east.example'"
expect_no_match "the 30-day CA is not" "CA 'C=CH, O=Skua Test, CN=Skua Test CA'"

# the public key form, with a key in the RFC 3110 form (exponent 65537)
expect_status 0 "--keyid --pubkeyrsa" $W --keyid @peer.example --pubkeyrsa "$RAW"
expect_match "installed" 'installed 2048 bit RSA public key AwEAA.{4} for @peer.example'
expect_status 0 "--addkey keeps the first" $W --keyid @peer.example --addkey --pubkeyrsa "$RAW"
expect_status 0 "--listpubkeys" $W --listpubkeys
expect_match "the raw key, never expiring" "2048 RSA Key AwEAA.{4} \(has private key\), until --- -- --:--:-- ---- ok \(expires never\)"
expect_match "for its ID" "^000        ID_FQDN '@peer.example'"
if [ "$(printf '%s\n' "$LAST_OUT" | grep -c "ID_FQDN '@peer.example'")" = 2 ]; then ok "--addkey added a second key"; else not_ok "expected two keys for @peer.example"; fi
expect_status 1 "a key that is not RFC 3110" $W --keyid @x --pubkeyrsa 0x0102
expect_match "says what was expected" 'RFC 3110'
expect_status 37 "--keyid alone would need DNS" $W --keyid @x
expect_match "and says so" 'not supported yet'

# --rereadall: a new end certificate appears
cp "$T/ca/west.pem" "$D/certs/west2.pem"
expect_status 0 "--rereadall" $W --rereadall
expect_match "counts" 'reread 4 certificates, 1 CA certificate and 0 CRLs from'
expect_status 0 "--listcerts" $W --listcerts
expect_match "the new file is listed" '^000 End certificate "west2"'
expect_match "paired with the P12 key" "has private key from $T/west.p12"

# connections naming their credentials
CKAID=$(openssl rsa -in "$T/ca/east.key" -noout -modulus 2>/dev/null | sed 's/^Modulus=//' |
	xxd -r -p | openssl sha1 -r | cut -d' ' -f1)
expect_status 0 "a connection with --cert" $W --name c1 --host 127.0.0.1 --cert east \
	--to --host 127.0.0.2 --id @peer.example
expect_match "is added" 'added IKEv2 connection'
expect_status 0 "--status" $W --status
expect_match "its ID is the certificate's subject" 'CN=east.example'
expect_status 0 "a connection with --ckaid (the key's SHA-1 of its modulus)" \
	$W --name c2 --host 127.0.0.1 --ckaid "$CKAID" --to --host 127.0.0.2 --id @peer.example
expect_status 36 "--cert of a certificate that is not there" $W --name c3 --host 127.0.0.1 \
	--cert nosuch --to --host 127.0.0.2
expect_match "says where it looked" "--cert nosuch: no certificate of that name in $D/certs"
expect_status 36 "--ckaid of no key" $W --name c4 --host 127.0.0.1 --ckaid 00ff --to --host 127.0.0.2
expect_match "says so" 'no certificate or private key with that CKAID'
expect_status 36 "%fromcert without --cert" $W --name c5 --host 127.0.0.1 --id %fromcert \
	--to --host 127.0.0.2
expect_match "says what is needed" 'expected --cert on the same end'
expect_status 0 "--ca with a DN" $W --name c6 --host 127.0.0.1 --cert east \
	--to --host 127.0.0.2 --ca "C=CH, O=Skua Test, CN=Skua Test CA"
expect_status 36 "--ca that is no DN" $W --name c7 --host 127.0.0.1 --to --host 127.0.0.2 --ca "XX=y"
expect_match "says why" 'unknown attribute'

# ipsec.conf's rightrsasigkey=: addconn sends the key for rightid= after the conn
cat >"$T/raw.conf" <<C
conn raw
	left=127.0.0.1
	leftcert=east
	right=127.0.0.2
	rightid=@raw.example
	rightrsasigkey=$B64
	authby=rsasig
C
expect_status 0 "addconn: a conn with rightrsasigkey=" "$BUILD/tools/addconn/addconn" \
	--config "$T/raw.conf" --ctlsocket "$RD/pluto.ctl" raw
expect_match "the key is installed for rightid=" 'installed 2048 bit RSA public key AwEAA.{4} for @raw.example'
expect_status 0 "--listpubkeys" $W --listpubkeys
expect_match "lists it" "^000        ID_FQDN '@raw.example'"
expect_match "and the key of --config's rawcfg" "^000        ID_FQDN '@rawcfg.example'"
cat >"$T/raw-bad.conf" <<C
conn rawbad
	left=127.0.0.1
	right=%any
	rightrsasigkey=$B64
	authby=rsasig
	auto=add
C
expect_status 1 "addconn --checkconfig: a raw key with no one to belong to" \
	"$BUILD/tools/addconn/addconn" --config "$T/raw-bad.conf" --checkconfig
expect_match "says what is missing" 'a raw public key needs rightid= naming one peer'

expect_status 0 "--listall" $W --listall
expect_match "lists the certificates too" 'List of X.509 End Certificates:'
expect_match "and the CA certificates" 'List of X.509 CA Certificates:'

expect_status 0 "shutdown" $W --shutdown
wait_exit "$PLUTO_PID" 10 || true
finish
