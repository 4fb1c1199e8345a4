#!/usr/bin/env bash
# Replay over TLS: `graph-contract check --cacert` against nginx terminating
# TLS (a CA and a certificate made here with openssl) in front of
# `graph-contract mock` serving the documented bodies (keep-alive to the
# upstream), next to `oha --insecure` loading the same server over the same
# URLs at the same concurrency. Prints the ratio (goal >= 0.5) and, from
# nginx's log ($connection, $ssl_session_reused), how many TLS connections
# (handshakes) each client made for how many requests: connection reuse.
#
#   bench/tls.sh [CORPUS]        (default: ../shared/graph-docs/v1.0/api)
#
# Knobs (environment): JOBS=64 (concurrency of both clients), REPEAT=10
# (corpus passes per timed check run), RUNS=3 (timed runs of each client;
# the best is kept), OHA_SECONDS=3, PORT=18443 (nginx), MOCK_PORT=18481.
# Needs nginx and openssl (apt-get installs them when missing); oha as
# bench/replay.sh installs it (cargo install into bench/.tools, git-ignored).
# Loopback only; every loop is bounded. CI does not run it.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${1:-${GRAPH_CONTRACT_CORPUS:-../shared/graph-docs/v1.0/api}}
JOBS=${JOBS:-64}
REPEAT=${REPEAT:-10}
RUNS=${RUNS:-3}
OHA_SECONDS=${OHA_SECONDS:-3}
PORT=${PORT:-18443}
MOCK_PORT=${MOCK_PORT:-18481}
TOOLS=bench/.tools
BIN=target/release/graph-contract
TMP=$(mktemp -d)

[ -d "$CORPUS" ] || { echo "corpus not found: $CORPUS" >&2; exit 2; }
CORPUS=$(cd "$CORPUS" && pwd)

# --- tools ------------------------------------------------------------------
need_apt() {
    echo "installing $1 (apt-get)..."
    apt-get update -qq && apt-get install -y -qq "$1" >/dev/null
}
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt nginx
command -v openssl >/dev/null || need_apt openssl
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$TOOLS/bin/oha" ]; then
    echo "installing oha into $TOOLS (cargo install; takes minutes)..."
    cargo install oha --locked --quiet --root "$TOOLS"
fi
cargo build --release --quiet

MOCK_PID=
NGINX_PID=
cleanup() {
    for pid in "$NGINX_PID" "$MOCK_PID"; do
        if [ -n "$pid" ]; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

best() { sort -g | tail -1; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "== machine: $(nproc) cores; corpus: $CORPUS"

# --- a CA and the server's certificate ---------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=graph-contract bench CA" -keyout "$TMP/ca-key.pem" -out "$TMP/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$TMP/server-key.pem" -out "$TMP/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$TMP/ext.cnf"
openssl x509 -req -in "$TMP/server.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca-key.pem" \
    -CAcreateserial -days 2 -extfile "$TMP/ext.cnf" -out "$TMP/server.pem" 2>/dev/null

# --- the mock, and nginx in front of it --------------------------------------
"$BIN" mock "$CORPUS" --port "$MOCK_PORT" 2>"$TMP/mock.log" &
MOCK_PID=$!
for _ in $(seq 100); do
    grep -q serving "$TMP/mock.log" 2>/dev/null && break
    sleep 0.1
done
grep -q serving "$TMP/mock.log" || { cat "$TMP/mock.log" >&2; exit 1; }

mkdir -p "$TMP/nginx"
cat >"$TMP/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    # One line per request: the connection's serial number (one TLS
    # handshake each), whether its session was resumed, the protocols.
    log_format tls '\$connection \$ssl_session_reused \$ssl_protocol \$server_protocol \$status';
    access_log $TMP/nginx/access.log tls;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    upstream mock {
        server 127.0.0.1:$MOCK_PORT;
        keepalive 256;
    }
    server {
        listen 127.0.0.1:$PORT ssl http2;
        ssl_certificate $TMP/server.pem;
        ssl_certificate_key $TMP/server-key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        # No connection is closed for its number of requests: what the
        # log counts is the clients' reuse, not nginx's limit (1000).
        keepalive_requests 10000000;
        keepalive_timeout 60s;
        client_max_body_size 16m;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
        }
    }
}
EOF
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx.stderr" &
NGINX_PID=$!
TARGET=https://127.0.0.1:$PORT
for _ in $(seq 100); do
    curl -s --cacert "$TMP/ca.pem" -o /dev/null "$TARGET/" 2>/dev/null && break
    sleep 0.1
done
kill -0 "$NGINX_PID" 2>/dev/null || { cat "$TMP/nginx.stderr" "$TMP/nginx/error.log" >&2; exit 1; }
echo "== nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') on $TARGET (TLS, HTTP/2 and HTTP/1.1 by ALPN) -> $(sed 's/^graph-contract //' "$TMP/mock.log")"

LOG=$TMP/nginx/access.log
# The log lines written since line $1: "requests connections resumed protocols".
log_since() {
    tail -n "+$(($1 + 1))" "$LOG" | awk '
        { n++; conn[$1] = 1; if ($2 == "r") r[$1] = 1; p[$4]++ }
        END {
            c = 0; for (k in conn) c++;
            rr = 0; for (k in r) rr++;
            s = ""; for (k in p) s = s k ":" p[k] " ";
            printf "%d %d %d %s\n", n, c, rr, s
        }'
}
lines() { wc -l <"$LOG"; }

CHECK=("$BIN" check "$CORPUS" --target "$TARGET" --cacert "$TMP/ca.pem" --jobs "$JOBS" -q
       --fill-placeholders --case-header)

# --- 1. one pass: the cases, and a sanity check ------------------------------
before=$(lines)
"${CHECK[@]}" >"$TMP/check1.out" 2>"$TMP/check1.err" || {
    tail -20 "$TMP/check1.out" "$TMP/check1.err" >&2; echo "check failed" >&2; exit 1; }
CASES=$(sed -n 's/^running \([0-9]*\) cases$/\1/p' "$TMP/check1.out")
echo
echo "== one pass: $(grep '^test result' "$TMP/check1.out")"
read -r n c r protos <<<"$(log_since "$before")"
echo "   $n requests over $c TLS connections ($r resumed); $protos"

# --- 2. graph-contract: REPEAT passes per run, HTTP/2 and HTTP/1.1 ------------
run_check() { # label, extra options...
    local label=$1; shift
    : >"$TMP/$label.rates"
    echo
    echo "== graph-contract $label: $RUNS runs of --repeat $REPEAT (x $CASES cases), --jobs $JOBS, --cacert"
    for run in $(seq "$RUNS"); do
        before=$(lines)
        "${CHECK[@]}" "$@" --repeat "$REPEAT" >"$TMP/check.out" 2>"$TMP/check.err" || {
            tail -20 "$TMP/check.out" "$TMP/check.err" >&2; echo "check failed" >&2; exit 1; }
        line=$(grep '^replayed' "$TMP/check.out")
        rate=$(sed -n 's/.*(\([0-9]*\) cases\/s).*/\1/p' <<<"$line")
        read -r n c r protos <<<"$(log_since "$before")"
        echo "run $run: $line"
        echo "       nginx: $n requests over $c TLS connections ($r resumed): $protos"
        echo "$rate" >>"$TMP/$label.rates"
        echo "$n $c" >"$TMP/$label.conns"
    done
}
run_check h2
run_check h1 --http1.1
H2=$(best <"$TMP/h2.rates"); H2_MED=$(median <"$TMP/h2.rates")
H1=$(best <"$TMP/h1.rates"); H1_MED=$(median <"$TMP/h1.rates")

# --- 3. oha: same server, same GET URLs, same concurrency --------------------
"$BIN" list "$CORPUS" --urls "$TARGET" | awk '$1 == "GET" { print $2 }' >"$TMP/urls.txt"
NURLS=$(wc -l <"$TMP/urls.txt")
echo
echo "== oha --insecure: $RUNS runs of ${OHA_SECONDS}s, -c $JOBS, keep-alive, HTTP/1.1, $NURLS GET URLs of the corpus"
: >"$TMP/oha.rates"
for run in $(seq "$RUNS"); do
    before=$(lines)
    "$TOOLS/bin/oha" --insecure -z "${OHA_SECONDS}s" -c "$JOBS" --no-tui --output-format json \
        --urls-from-file "$TMP/urls.txt" >"$TMP/oha.json"
    rate=$(grep -o '"requestsPerSec": *[0-9.]*' "$TMP/oha.json" | head -1 | cut -d: -f2 | tr -d ' ')
    ok=$(grep -o '"successRate": *[0-9.]*' "$TMP/oha.json" | head -1 | cut -d: -f2 | tr -d ' ')
    read -r n c r protos <<<"$(log_since "$before")"
    printf 'run %d: %.0f requests/s (success rate %s)\n' "$run" "${rate:-0}" "$ok"
    echo "       nginx: $n requests over $c TLS connections ($r resumed): $protos"
    echo "$rate" >>"$TMP/oha.rates"
done
OHA=$(best <"$TMP/oha.rates"); OHA_MED=$(median <"$TMP/oha.rates")

# --- summary -----------------------------------------------------------------
verdict() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }
ratio() { awk -v h="$1" -v o="$2" 'BEGIN { printf "%.2f", (o > 0 ? h / o : 0) }'; }
read -r H2_REQ H2_CONN <"$TMP/h2.conns"
read -r H1_REQ H1_CONN <"$TMP/h1.conns"
echo
echo "== summary (best of $RUNS runs; median in brackets)"
printf 'graph-contract, HTTP/2:   %.0f cases/s [%.0f] (%d cases x %d passes, --jobs %d, --cacert)\n' \
    "$H2" "$H2_MED" "$CASES" "$REPEAT" "$JOBS"
printf 'graph-contract, HTTP/1.1: %.0f cases/s [%.0f] (--http1.1)\n' "$H1" "$H1_MED"
printf 'oha --insecure, HTTP/1.1: %.0f requests/s [%.0f] (-c %d)\n' "$OHA" "$OHA_MED" "$JOBS"
R2=$(ratio "$H2" "$OHA"); R1=$(ratio "$H1" "$OHA")
echo "ratio:    HTTP/2 $R2 [$(ratio "$H2_MED" "$OHA_MED")], HTTP/1.1 $R1 [$(ratio "$H1_MED" "$OHA_MED")] graph-contract cases/s over oha requests/s (target >= 0.5: $(verdict "$(awk -v r="$R2" 'BEGIN{print (r >= 0.5)}')"))"
echo "reuse:    last HTTP/2 run $H2_REQ requests over $H2_CONN TLS handshakes; last HTTP/1.1 run $H1_REQ over $H1_CONN (target: handshakes per connection, not per case: $(verdict $((H2_CONN * 100 < H2_REQ && H1_CONN * 100 < H1_REQ))))"
exit 0
