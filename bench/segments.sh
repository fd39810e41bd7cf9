#!/usr/bin/env bash
# The elasticity benchmark on parts of the long dev traces (see segment_traces.py):
# eleven cold starts in the middle of known workloads.
#   bench/segments.sh [build/prescale]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/prescale}
traces=../shared/traces
[[ -d $traces ]] || { echo "segments: $traces is absent; nothing to run"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 bench/segment_traces.py "$traces" "$dir" > /dev/null
/usr/bin/python3 ../shared/bench/elastic.py --binary "$binary" "$dir"/*.csv
