#!/usr/bin/env bash
# Replay over TLS: `graph-contract check --cacert` against nginx terminating
# TLS (a CA and a certificate made here with openssl) in front of
# `graph-contract mock` serving the documented bodies (keep-alive to the
# upstream), next to `oha --insecure` loading the same server over the same
# URLs at the same concurrency, in interleaved rounds (each client sees the
# same background load). Prints the ratio (goal >= 0.5), the CPU time per
# request of the client, nginx and the mock, and how many TLS handshakes each
# client cost for how many requests (connection reuse): nginx's accepted
# connections (stub_status), and from its log ($connection,
# $ssl_session_reused) those that carried requests and resumed sessions.
#
#   bench/tls.sh [CORPUS]        (default: ../shared/graph-docs/v1.0/api)
#
# Knobs (environment): JOBS=64 (concurrency of both clients), REPEAT=10
# (corpus passes per timed check run), RUNS=3 (rounds; the best and the
# median are printed), OHA_SECONDS=3, PORT=18443 (nginx; PORT+1 its status),
# MOCK_PORT=18481.
# Needs nginx, openssl and GNU time (apt-get installs them when missing); oha as
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
STATUS_PORT=$((PORT + 1))
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
[ -x /usr/bin/time ] || need_apt time
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
    # Connections accepted (each one TLS handshake), whether or not
    # they carried a request.
    server {
        listen 127.0.0.1:$STATUS_PORT;
        access_log off;
        location / { stub_status; }
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
        client_body_buffer_size 1m;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            # The mock writes next links onto the Host it was asked, over http:
            # https here, so that they stay on the target.
            proxy_set_header Accept-Encoding "";
            sub_filter 'http://127.0.0.1:$PORT/' 'https://127.0.0.1:$PORT/';
            sub_filter_once off;
            sub_filter_types *;
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
# Connections nginx accepted so far (this query's own included).
accepts() { curl -s "http://127.0.0.1:$STATUS_PORT/" | awk 'NR == 3 { print $1 }'; }

CHECK=("$BIN" check "$CORPUS" --target "$TARGET" --cacert "$TMP/ca.pem" --jobs "$JOBS" -q
       --fill-placeholders --case-header)

# CPU seconds used so far by nginx's worker and by the mock.
NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1)
cpu_of() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
cpu_now() { echo "$(cpu_of "$NGINX_WORKER") $(cpu_of "$MOCK_PID")"; }
# µs per request: (after - before) seconds over n requests.
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", (n > 0 ? (b - a) * 1e6 / n : 0) }'; }

# --- 1. one pass: the cases, and a sanity check ------------------------------
before=$(lines)
"${CHECK[@]}" >"$TMP/check1.out" 2>"$TMP/check1.err" || {
    grep -A3 FAILED "$TMP/check1.out" | head -n 40 >&2
    tail -n 20 "$TMP/check1.out" "$TMP/check1.err" >&2; echo "check failed" >&2; exit 1; }
RESULT=$(grep '^test result' "$TMP/check1.out")
CASES=$(awk '{ for (i = 1; i <= NF; i++) if ($(i+1) ~ /^(passed|failed|ignored);?$/) n += $i } END { print n }' <<<"$RESULT")
echo
echo "== one pass: $RESULT"
read -r n c r protos <<<"$(log_since "$before")"
echo "   $n requests over $c TLS connections ($r resumed); $protos"
[ -n "$(accepts)" ] || { echo "nginx's stub_status does not answer" >&2; exit 1; }

# --- 2. the runs, interleaved: each client sees the same background load ----
# One timed run: label, then the command; prints the rate, the requests and
# TLS connections nginx saw, and the CPU time per request of the client,
# nginx and the mock.
timed() {
    local label=$1; shift
    local before cpu0 cpu1 rate
    before=$(lines)
    local acc0 acc1
    acc0=$(accepts)
    cpu0=$(cpu_now)
    /usr/bin/time -f "%U %S" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || {
        tail -n 20 "$TMP/out" "$TMP/err" >&2; echo "$label failed" >&2; exit 1; }
    cpu1=$(cpu_now)
    acc1=$(accepts)
    local handshakes=$((acc1 - acc0 - 1))
    case $label in
        oha) rate=$(grep -o '"requestsPerSec": *[0-9.]*' "$TMP/out" | head -1 | cut -d: -f2 | tr -d ' ') ;;
        *) rate=$(sed -n 's/^replayed.*(\([0-9]*\) cases\/s).*/\1/p' "$TMP/out") ;;
    esac
    read -r n c r protos <<<"$(log_since "$before")"
    read -r u s <"$TMP/time"
    read -r n0 m0 <<<"$cpu0"
    read -r n1 m1 <<<"$cpu1"
    local client
    client=$(awk -v u="$u" -v s="$s" -v n="$n" 'BEGIN { printf "%.0f", (n > 0 ? (u + s) * 1e6 / n : 0) }')
    printf '%-4s %8.0f /s   %6d requests, %4d TLS handshakes (%d carried requests, %d resumed; %s)   CPU µs/request: client %s, nginx %s, mock %s\n' \
        "$label" "${rate:-0}" "$n" "$handshakes" "$c" "$r" "${protos% }" "$client" "$(per "$n0" "$n1" "$n")" "$(per "$m0" "$m1" "$n")"
    echo "$rate" >>"$TMP/$label.rates"
    echo "$n $handshakes $client $(per "$n0" "$n1" "$n") $(per "$m0" "$m1" "$n")" >"$TMP/$label.last"
}

"$BIN" list "$CORPUS" --urls "$TARGET" | awk '$1 == "GET" { print $2 }' >"$TMP/urls.txt"
NURLS=$(wc -l <"$TMP/urls.txt")
echo
echo "== $RUNS rounds, each: graph-contract --repeat $REPEAT (x $CASES cases, --jobs $JOBS, --cacert)"
echo "   over HTTP/2 (h2), then --http1.1 (h1), then oha --insecure -c $JOBS for ${OHA_SECONDS}s over the $NURLS GET URLs (HTTP/1.1)"
: >"$TMP/h2.rates"; : >"$TMP/h1.rates"; : >"$TMP/oha.rates"
for round in $(seq "$RUNS"); do
    echo "round $round:"
    timed h2 "${CHECK[@]}" --repeat "$REPEAT"
    timed h1 "${CHECK[@]}" --repeat "$REPEAT" --http1.1
    timed oha "$TOOLS/bin/oha" --insecure -z "${OHA_SECONDS}s" -c "$JOBS" --no-tui --output-format json \
        --urls-from-file "$TMP/urls.txt"
done
H2=$(best <"$TMP/h2.rates"); H2_MED=$(median <"$TMP/h2.rates")
H1=$(best <"$TMP/h1.rates"); H1_MED=$(median <"$TMP/h1.rates")
OHA=$(best <"$TMP/oha.rates"); OHA_MED=$(median <"$TMP/oha.rates")

# --- summary -----------------------------------------------------------------
verdict() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }
ratio() { awk -v h="$1" -v o="$2" 'BEGIN { printf "%.2f", (o > 0 ? h / o : 0) }'; }
read -r H2_REQ H2_CONN H2_C H2_N H2_M <"$TMP/h2.last"
read -r H1_REQ H1_CONN H1_C H1_N H1_M <"$TMP/h1.last"
read -r O_REQ O_CONN O_C O_N O_M <"$TMP/oha.last"
echo
echo "== summary (best of $RUNS rounds; median in brackets)"
printf 'graph-contract, HTTP/2:   %.0f cases/s [%.0f] (%d cases x %d passes, --jobs %d, --cacert)\n' \
    "$H2" "$H2_MED" "$CASES" "$REPEAT" "$JOBS"
printf 'graph-contract, HTTP/1.1: %.0f cases/s [%.0f] (--http1.1)\n' "$H1" "$H1_MED"
printf 'oha --insecure, HTTP/1.1: %.0f requests/s [%.0f] (-c %d)\n' "$OHA" "$OHA_MED" "$JOBS"
R2=$(ratio "$H2" "$OHA"); R1=$(ratio "$H1" "$OHA")
echo "ratio:    HTTP/2 $R2 [$(ratio "$H2_MED" "$OHA_MED")], HTTP/1.1 $R1 [$(ratio "$H1_MED" "$OHA_MED")] graph-contract cases/s over oha requests/s (target >= 0.5: $(verdict "$(awk -v r="$R2" 'BEGIN{print (r >= 0.5)}')"))"
echo "CPU:      µs per request (last round), client / nginx / mock: h2 $H2_C / $H2_N / $H2_M, h1 $H1_C / $H1_N / $H1_M, oha $O_C / $O_N / $O_M"
echo "reuse:    last round: h2 $H2_REQ requests over $H2_CONN TLS handshakes, h1 $H1_REQ over $H1_CONN, oha $O_REQ over $O_CONN"
echo "          (graph-contract opens its pools anew each --repeat pass; target: at least 10 requests"
echo "          per handshake: $(verdict $((H2_CONN * 10 <= H2_REQ && H1_CONN * 10 <= H1_REQ))))"
exit 0
