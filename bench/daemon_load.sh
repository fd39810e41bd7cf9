#!/usr/bin/env bash
# `prescale run` with N groups (default 100) on synthetic sources at a 1 s interval,
# for D seconds (default 60): prints the peak and final RSS and the CPU used, as a
# share of one core. Targets (issue 3): <= 30 MB RSS, <= 5 % of one core.
# The API keeps history_points per group (2,000 by default; HISTORY_POINTS sets it):
# the RSS grows until they are full, after that many seconds.
#   bench/daemon_load.sh [GROUPS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${BINARY:-$PWD/build/prescale}
groups=${1:-100}
seconds=${2:-60}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

{
  echo "global:"
  echo "  interval_s: 1"
  echo "  listen: 127.0.0.1:0"
  echo "  log_level: warn"
  [[ -n ${HISTORY_POINTS:-} ]] && echo "  history_points: $HISTORY_POINTS"
  echo "groups:"
  for i in $(seq 1 "$groups"); do
    echo "  - name: g$i"
    echo "    source: {type: synthetic, base_per_s: $((100 + i)), seed: $i, time_scale: 600}"
    echo "    capacity_per_instance: 10"
    echo "    boot_delay_s: 3"
    echo "    min: 1"
    echo "    max: 100"
    echo "    initial: 10"
  done
} > "$dir/config.yaml"

cd "$dir"
"$binary" run --config config.yaml --for "$seconds" > run.log 2>&1 &
pid=$!
ticks=$(getconf CLK_TCK)
peak=0
rss=0
cpu0=""
t0=""
while kill -0 "$pid" 2>/dev/null; do
  if [[ -r /proc/$pid/status ]]; then
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [[ -n $rss && $rss -gt $peak ]] && peak=$rss
    # CPU from the first sample on, so start-up is mostly not counted.
    stat=($(cat "/proc/$pid/stat" 2>/dev/null || true))
    if [[ ${#stat[@]} -gt 15 ]]; then
      now=$(date +%s.%N)
      used=$((stat[13] + stat[14]))
      if [[ -z $cpu0 ]]; then
        cpu0=$used
        t0=$now
      fi
      cpu1=$used
      t1=$now
    fi
  fi
  sleep 1
done
wait "$pid" || true
lines=$(($(wc -l < output/decisions.jsonl)))
awk -v g="$groups" -v s="$seconds" -v peak="$peak" -v rss="$rss" -v c0="$cpu0" -v c1="$cpu1" \
    -v t0="$t0" -v t1="$t1" -v hz="$ticks" -v lines="$lines" 'BEGIN {
  cpu = (c1 - c0) / hz / (t1 - t0) * 100
  printf "groups %d, %d s at 1 s: %d decisions (%.1f per group-second)\n", g, s, lines, lines / g / s
  printf "peak RSS %.1f MB, last RSS %.1f MB\n", peak / 1024, rss / 1024
  printf "CPU %.2f %% of one core\n", cpu
}'
