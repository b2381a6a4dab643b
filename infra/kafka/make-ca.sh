#!/usr/bin/env bash
# A local certificate authority and one broker certificate signed by it, for brokers that speak TLS
# on this machine (kafka.sh with KAFKA_SECURITY=sasl_ssl) or in docker-compose.
#
#   make-ca.sh DIR [NAME...]   writes DIR/ca.crt (what clients trust: KAFKA_TLS_CA_FILE),
#                              DIR/ca.key, DIR/broker.key, DIR/broker.crt and DIR/broker.pem
#                              (key and chain: the brokers' PEM keystore); does nothing when
#                              DIR/ca.crt exists
#
# The broker certificate names 127.0.0.1 and localhost, plus each NAME (a host name, or an IP
# address). One certificate serves every broker: they all run on the same host names here.
# Keys never leave DIR (mode 700); nothing in it belongs in git.
set -euo pipefail

dir="${1:?usage: make-ca.sh DIR [NAME...]}"
shift
if [[ -f "$dir/ca.crt" ]]; then exit 0; fi
command -v openssl >/dev/null || {
  echo "make-ca.sh: openssl is needed (Debian: apt-get install openssl)" >&2
  exit 1
}

mkdir -p "$dir"
chmod 700 "$dir"
tmp="$(mktemp -d "$dir/.make-ca.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

san="IP:127.0.0.1,DNS:localhost"
for name in "$@"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san+=",IP:$name"; else san+=",DNS:$name"; fi
done

# EC P-256: generated in milliseconds and understood by Java's and Node's TLS alike.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days 3650 -subj "/CN=Ketenhub local Kafka CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/broker.key" -out "$tmp/broker.csr" -subj "/CN=ketenhub-kafka" 2>/dev/null
cat >"$tmp/broker.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san
EOF
openssl x509 -req -in "$tmp/broker.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 825 -extfile "$tmp/broker.ext" -out "$tmp/broker.crt" 2>/dev/null
# Kafka's PEM keystore wants the key as unencrypted PKCS#8 followed by the certificate chain.
openssl pkcs8 -topk8 -nocrypt -in "$tmp/broker.key" -out "$tmp/broker.p8"
cat "$tmp/broker.p8" "$tmp/broker.crt" "$tmp/ca.crt" >"$tmp/broker.pem"

for f in ca.key broker.key broker.pem; do install -m 600 "$tmp/$f" "$dir/$f"; done
install -m 644 "$tmp/broker.crt" "$dir/broker.crt"
# Last: its presence means the set is complete.
install -m 644 "$tmp/ca.crt" "$dir/ca.crt"
