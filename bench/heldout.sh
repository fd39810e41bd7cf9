#!/usr/bin/env bash
# The elasticity benchmark on 24 NAB series prescale was never tuned on (see
# heldout_traces.py): how the defaults generalise beyond the six dev traces.
#   bench/heldout.sh [build/prescale]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/prescale}
nab=../shared/nab/data
[[ -d $nab ]] || { echo "heldout: $nab is absent; nothing to run"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 bench/heldout_traces.py "$nab" "$dir" > /dev/null
/usr/bin/python3 ../shared/bench/elastic.py --binary "$binary" "$dir"/*.csv
