#!/usr/bin/env bash
# Engine speed, side by side in one run: prescale's controller and `simulate` (Google
# Benchmark) against the Python reference loop of ../shared/bench/elastic.py on the
# NASA trace. Prints steps/s for each and the ratios. Needs a build (cmake --workflow
# --preset default) and, for the reference, ../shared and Debian's python3-numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
shared=${SHARED_DIR:-../shared}
trace=$shared/traces/nasa_http_1995_per_min.csv

json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$build/controller_bench" --benchmark_format=json --benchmark_out="$json" \
  --benchmark_out_format=json >/dev/null

ref="nan"
if [[ -f $trace ]]; then
  ref=$(/usr/bin/python3 - "$shared/bench" "$trace" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
import elastic as e
ts, load = e.load_trace(sys.argv[2])
p = e.params_for(ts, load)
d0 = int(e.demand(load[:1], p)[0])
t0 = time.perf_counter()
e.run_policy(e.POLICIES["hpa-rps"], load, p, d0)
print(len(load) / (time.perf_counter() - t0))
PY
)
fi

/usr/bin/python3 - "$json" "$ref" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
ref = float(sys.argv[2])
print("%-34s %14s %22s" % ("benchmark", "steps/s", "x elastic.py hpa-rps"))
if ref == ref:
    print("%-34s %14.0f %22s" % ("elastic.py run_policy(hpa-rps)", ref, "1.0"))
for r in runs:
    rate = r["items_per_second"]
    print("%-34s %14.0f %22s" % (r["name"], rate, "%.0f" % (rate / ref) if ref == ref else "-"))
PY
