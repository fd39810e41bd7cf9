#!/usr/bin/env bash
# `prescale run` with N groups (default 1000) on synthetic sources for a simulated
# day (default 86400 s) on the simulated clock (`run --clock simulated`: each next
# tick at once), at a 60 s interval: 1,440 ticks per group. Every 5 s of wall time it
# samples the RSS and how far the simulated clock has got (from the API), and then
# prints, per part of the simulated span (PARTS, default 4: quarters), the RSS and
# the wall time a group-tick took: no growth means the last part is no bigger and no
# slower than the first (or, once the models have warmed up, than the second).
# Exits 1 when the run fails or the RSS grows (the last part's peak above the first's
# by more than 20 % + 5 MB); the tick time is printed, not judged (machines are
# noisy). SAMPLE_S sets the sampling interval (default 5 s; CI's smoke: 0.1).
# MODEL_SAVE_S sets global.model_save_s (default: the daemon's, an hour).
# The API keeps 200 points of history per group (history_points; default 2,000, 33
# hours at 60 s), so it is full within the first quarter and growth after is a leak.
#   bench/soak_run.sh [GROUPS] [SIM_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BINARY:-$PWD/build/prescale}
groups=${1:-1000}
sim_seconds=${2:-86400}
sample_s=${SAMPLE_S:-5}
dir=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

{
  echo "global:"
  echo "  interval_s: 60"
  echo "  listen: 127.0.0.1:$port"
  echo "  log_level: warn"
  echo "  history_points: 200    # the API's per-group history reaches its cap early"
  [[ -n ${MODEL_SAVE_S:-} ]] && echo "  model_save_s: $MODEL_SAVE_S"
  echo "groups:"
  for i in $(seq 1 "$groups"); do
    echo "  - name: g$i"
    echo "    source: {type: synthetic, base_per_s: $((100 + i % 500)), seed: $i}"
    echo "    capacity_per_instance: 10"
    echo "    min: 1"
    echo "    max: 200"
    echo "    initial: 10"
  done
} > "$dir/config.yaml"

cd "$dir"
wall0=$(date +%s.%N)
"$binary" run --config config.yaml --clock simulated --for "$sim_seconds" > run.log 2>&1 &
pid=$!
sim0=""
: > samples.csv
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  sim=$(curl -s -m 2 "http://127.0.0.1:$port/api/v1/groups/g1" |
        /usr/bin/python3 -c 'import json,sys
try: print(json.load(sys.stdin)["last_tick"])
except Exception: print("")' 2>/dev/null || true)
  if [[ -n $sim && $sim != None ]]; then
    [[ -z $sim0 ]] && sim0=$sim
    echo "$(awk -v a="$(date +%s.%N)" -v b="$wall0" 'BEGIN {printf "%.2f", a - b}'),$sim,$rss" >> samples.csv
  fi
  sleep "$sample_s"
done
wait "$pid" || { echo "soak_run: run failed"; tail -20 run.log; exit 1; }
pid=""
wall=$(awk -v a="$(date +%s.%N)" -v b="$wall0" 'BEGIN {printf "%.1f", a - b}')
echo "groups $groups, $sim_seconds simulated s at a 60 s interval in $wall s of wall time"
echo "decisions written: $(wc -l < output/decisions.jsonl), state.db $(du -h data/state.db | cut -f1)"
echo "warnings in the log: $(grep -c WARNING run.log || true)"
/usr/bin/python3 - "$groups" "$sim_seconds" samples.csv "${PARTS:-4}" <<'PY'
import sys
groups, span, parts = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[4])
rows = []
for line in open(sys.argv[3]):
    wall, sim, rss = line.strip().split(",")
    sim = float(sim)
    rows.append((float(wall), sim, int(rss) / 1024))
# Once the simulated span is over, the daemon stops and saves every group's models
# while the API still shows its last tick: those samples time the stop, not ticks.
while len(rows) > 1 and rows[-2][1] == rows[-1][1]:
    rows.pop()
t0 = rows[0][1]
print("   part  sim-hours  samples  RSS-MB(max)  ms/group-tick")
peaks, speeds = [], []
for q in range(parts):
    lo, hi = t0 + q * span / parts, t0 + (q + 1) * span / parts
    part = [r for r in rows if lo <= r[1] < hi]
    if len(part) < 2:
        print("%7d  %9s  %7d" % (q + 1, "-", len(part)))
        continue
    ticks = (part[-1][1] - part[0][1]) / 60 * groups
    ms = (part[-1][0] - part[0][0]) / ticks * 1000 if ticks else float("nan")
    peaks.append(max(p[2] for p in part))
    speeds.append(ms)
    print("%7d  %4.0f-%4.0f  %7d  %11.1f  %13.4f" % (q + 1, (lo - t0) / 3600, (hi - t0) / 3600,
                                                    len(part), peaks[-1], ms))
if len(peaks) < 2:
    sys.exit("soak_run: FAIL: too few samples to compare parts (raise SIM_SECONDS or lower SAMPLE_S)")
print("last part / first: RSS %.2fx, tick time %.2fx" % (peaks[-1] / peaks[0], speeds[-1] / speeds[0]))
# The models warm up through the first parts (the season detector pairs values after
# half a season, the seasonal members start after a whole one): from the second part
# of a day on, growth would be a leak.
if len(speeds) >= 3:
    print("last part / second: tick time %.2fx" % (speeds[-1] / speeds[1]))
if peaks[-1] > 1.2 * peaks[0] + 5:
    sys.exit("soak_run: FAIL: RSS grew from %.1f MB to %.1f MB" % (peaks[0], peaks[-1]))
PY
