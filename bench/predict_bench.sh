#!/usr/bin/env bash
# POST /predict side by side: seed 2's reference service (FastAPI + uvicorn +
# scikit-learn, ../shared/peers/seed2_predictor) and `prescale serve`, on this
# machine, under the same wrk runs with the seed's payload: 32 connections, then 1.
# Prints both runs and the ratios. Targets (issue 5): prescale >= 100x the
# reference's requests/s at 32 connections, and p99 <= 5 ms.
#   bench/predict_bench.sh [SECONDS]        (default 15 s per run)
# Needs: apt-get install wrk python3-fastapi python3-uvicorn python3-sklearn \
#        python3-pandas python3-joblib
# The reference runs as its README measured it: WORKERS=2 NODELAY=1 (uvicorn with
# two workers; NODELAY restores the TCP_NODELAY that uvicorn loses with workers > 1,
# which is the reference's best case at 1 connection).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BINARY:-$PWD/build/prescale}
shared=${SHARED:-$PWD/../shared}
seconds=${1:-15}
peer=$shared/peers/seed2_predictor
ref_port=${REF_PORT:-18001}
our_port=${OUR_PORT:-18002}

command -v wrk >/dev/null || { echo "predict_bench: needs wrk (apt-get install wrk)"; exit 2; }
[[ -x $binary ]] || { echo "predict_bench: no $binary (build first)"; exit 2; }
[[ -f $peer/app.py ]] || { echo "predict_bench: no reference service at $peer"; exit 2; }
/usr/bin/python3 -c 'import fastapi, uvicorn, sklearn, pandas, joblib' 2>/dev/null || {
  echo "predict_bench: needs python3-fastapi python3-uvicorn python3-sklearn python3-pandas python3-joblib"
  exit 2
}

dir=$(mktemp -d)
ref_pid=""
our_pid=""
cleanup() {
  [[ -n $ref_pid ]] && kill "$ref_pid" 2>/dev/null || true
  [[ -n $our_pid ]] && kill "$our_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

payload='{"features": [45.5, 60.2, 122.1, 35.6, 1200000000, 0.8, 0.92, "compute", "high"]}'
wait_up() {  # URL: polls /health for up to 60 s
  for _ in $(seq 1 600); do
    curl -sf "$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "predict_bench: $1 did not come up"
  exit 1
}

echo "== $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== starting the reference (trains its model first, about 10 s)"
MODEL_PATH=$dir/model.joblib WORKERS=2 NODELAY=1 PORT=$ref_port "$peer/run.sh" \
  >"$dir/ref.log" 2>&1 &
ref_pid=$!
"$binary" serve --listen "127.0.0.1:$our_port" >"$dir/ours.log" 2>&1 &
our_pid=$!
wait_up "http://127.0.0.1:$ref_port"
wait_up "http://127.0.0.1:$our_port"

for port in $ref_port $our_port; do
  echo "== answer on :$port: $(curl -s -X POST "http://127.0.0.1:$port/predict" \
    -H 'Content-Type: application/json' -d "$payload")"
  # Warm up every server thread and worker (the reference's first requests are
  # slow, and so is each of prescale's threads' first prediction) with 3 s of the
  # same load, not measured.
  wrk -t2 -c32 -d3s -s "$peer/predict.lua" "http://127.0.0.1:$port/predict" >/dev/null 2>&1
done

# run NAME PORT THREADS CONNECTIONS -> prints wrk's output, saves "rps p50 p99 non2xx"
run() {
  local out="$dir/$1-c$4.txt"
  wrk -t"$3" -c"$4" -d"${seconds}s" -s "$peer/predict.lua" --latency \
    "http://127.0.0.1:$2/predict" >"$out" 2>&1
  echo "== $1, wrk -t$3 -c$4 -d${seconds}s"
  sed -n '/Latency Distribution/,$p' "$out"
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  bad=$(awk '/Non-2xx/ {print $5}' "$out")
  echo "$rps $p50 $p99 ${bad:-0}" >"$dir/$1-c$4.sum"
}
ms() {  # wrk's "1.23ms" / "456.00us" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
    else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } }'
}

run reference "$ref_port" 2 32
run prescale "$our_port" 2 32
run reference "$ref_port" 1 1
run prescale "$our_port" 1 1

echo
echo "| server | wrk | req/s | p50 | p99 | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
for c in 32 1; do
  for name in reference prescale; do
    read -r rps p50 p99 bad <"$dir/$name-c$c.sum"
    t=$([[ $c == 32 ]] && echo 2 || echo 1)
    echo "| $name | -t$t -c$c | $rps | $p50 | $p99 | $bad |"
  done
done
read -r ref_rps _ _ _ <"$dir/reference-c32.sum"
read -r our_rps _ our_p99 _ <"$dir/prescale-c32.sum"
read -r ref1 _ ref1_p99 _ <"$dir/reference-c1.sum"
read -r our1 _ our1_p99 _ <"$dir/prescale-c1.sum"
ratio=$(awk -v a="$our_rps" -v b="$ref_rps" 'BEGIN {printf "%.0f", a / b}')
ratio1=$(awk -v a="$our1" -v b="$ref1" 'BEGIN {printf "%.0f", a / b}')
p99ms=$(ms "$our_p99")
echo
echo "throughput at 32 connections: prescale/reference = ${ratio}x (target >= 100x)"
echo "throughput at 1 connection:   prescale/reference = ${ratio1}x"
echo "prescale p99 at 32 connections: ${p99ms} ms (target <= 5 ms)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
