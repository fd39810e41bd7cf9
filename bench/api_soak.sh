#!/usr/bin/env bash
# The HTTP API at saturation: wrk (Debian's) against `prescale run`'s API for D
# seconds (default 300) with C connections (default 8, the server's pool size),
# cycling over every read route, with a bearer token; RSS sampled every 5 s.
# Prints wrk's figures, the errors (socket errors and non-2xx answers, which must be
# 0) and the RSS at the start, middle and end with its slope after a warm-up minute.
# Exits 1 on any error, or when the RSS at the end is above the RSS after the warm-up
# (the first minute, or the first third of a shorter run) by more than 25 % + 8 MB.
# SAMPLE_S sets the RSS sampling interval (default 5 s). The daemon keeps 50 points of
# history per group (history_points; default 2,000), so that what is bounded by design
# is full within the warm-up, and growth after it is a leak.
#   bench/api_soak.sh [SECONDS] [CONNECTIONS] [GROUPS]
#   ROUTE=predict bench/api_soak.sh   # POST /predict instead, once `predict` is built
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BINARY:-$PWD/build/prescale}
seconds=${1:-300}
conns=${2:-8}
groups=${3:-20}
sample_s=${SAMPLE_S:-5}
command -v wrk > /dev/null || { echo "api_soak: needs wrk (apt-get install wrk)"; exit 1; }
dir=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token="soak-$(date +%s%N)"

{
  echo "global:"
  echo "  interval_s: 1"
  echo "  listen: 127.0.0.1:$port"
  echo "  log_level: warn"
  echo "  history_points: 50     # the per-group history is full within the warm-up"
  echo "groups:"
  for i in $(seq 1 "$groups"); do
    echo "  - name: g$i"
    echo "    source: {type: synthetic, base_per_s: $((100 + i)), seed: $i, time_scale: 600}"
    echo "    capacity_per_instance: 10"
    echo "    min: 1"
    echo "    max: 100"
  done
} > "$dir/config.yaml"

cat > "$dir/routes.lua" <<LUA
-- Every read route in turn, each request with the bearer token.
local paths = {"/api/v1/groups", "/api/v1/groups/g1", "/api/v1/groups/g2/history?since=0",
               "/api/v1/decisions?limit=50", "/metrics", "/health", "/api/v1/groups/g$groups"}
local predict = os.getenv("ROUTE") == "predict"
local body = '{"features": [45.5, 60.2, 122.1, 35.6, 1200000000, 0.8, 0.92, "compute", "high"]}'
local i = 0
request = function()
  i = i + 1
  local headers = {["Authorization"] = "Bearer $token"}
  if predict then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/predict", headers, body)
  end
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end
-- Non-2xx answers are counted by wrk itself ("Non-2xx or 3xx responses").
LUA

cd "$dir"
PRESCALE_API_TOKEN=$token "$binary" run --config config.yaml > run.log 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/groups" > /dev/null && break
  sleep 0.1
done
# The route answers 401 without the token: the soak measures the guarded path.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/groups")
[[ $code == 401 ]] || { echo "api_soak: expected 401 without the token, got $code"; exit 1; }

: > rss.csv
(
  start=$(date +%s.%N)
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    echo "$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {printf "%.1f", a - b}'),$rss" >> rss.csv
    sleep "$sample_s"
  done
) &
sampler=$!
ROUTE=${ROUTE:-api} wrk -t2 -c"$conns" -d"${seconds}s" --latency -s routes.lua \
  "http://127.0.0.1:$port" | tee wrk.txt
kill "$sampler" 2>/dev/null || true
kill "$pid"
wait "$pid" || true
pid=""

errors=$(awk '/Socket errors/ {gsub(/,/, ""); s = $4 + $6 + $8 + $10} /Non-2xx/ {n = $5}
              END {print s + n}' wrk.txt)
echo "errors (socket + non-2xx): $errors"
awk -F, -v d="$seconds" -v errors="$errors" '
  {t[NR] = $1; r[NR] = $2 / 1024}
  END {
    warm = d / 3 < 60 ? d / 3 : 60
    # Least-squares slope after the warm-up (start-up: caches, pools, history).
    n = 0; sx = sy = sxx = sxy = 0; w = 1
    for (i = 1; i <= NR; i++) {
      if (t[i] <= warm) w = i
      if (t[i] >= warm) { n++; sx += t[i]; sy += r[i]; sxx += t[i]^2; sxy += t[i] * r[i] }
    }
    slope = n > 2 ? (n * sxy - sx * sy) / (n * sxx - sx^2) * 60 : 0
    mid = int((NR + 1) / 2)
    printf "RSS MB: start %.1f, after warm-up %.1f, middle %.1f, end %.1f (%d samples); slope after warm-up %.3f MB/min\n", r[1], r[w], r[mid], r[NR], NR, slope
    if (errors != 0) { print "api_soak: FAIL: " errors " errors"; exit 1 }
    if (NR < 2) { print "api_soak: FAIL: no RSS samples"; exit 1 }
    if (r[NR] > 1.25 * r[w] + 8) { printf "api_soak: FAIL: RSS grew from %.1f MB to %.1f MB\n", r[w], r[NR]; exit 1 }
  }' rss.csv
