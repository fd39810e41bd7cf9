#!/usr/bin/env bash
# Regenerates the pictures in docs/ from the built binary:
#   docs/demo-chart.png   `prescale plot` of the built-in demo's three days, simulated
#                         with the predictive policy and the z-score detector
#   docs/dashboard.png    the dashboard of examples/synthetic.yaml after half a minute,
#                         in headless Chromium (tests/dashboard_browser_test.py)
# usage: scripts/docs_images.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
build=${1:-build}
[[ -x "$build/prescale" ]] || { echo "docs_images: no $build/prescale; build first (cmake --workflow --preset default)" >&2; exit 1; }
prescale=$(realpath "$build/prescale")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$prescale" demo --out-dir "$work" > /dev/null
"$prescale" simulate --trace "$work/demo-trace.csv" --capacity 20 --detector zscore \
  --out "$work/steps.csv" 2> /dev/null
"$prescale" plot --steps "$work/steps.csv" --out docs/demo-chart.png --size 1600x900 \
  --title "prescale demo: three days of synthetic load, predictive policy, z-score detector"

# The example config listens on 8080; the script gives it a free port instead, and
# runs it in a scratch folder so its files stay out of the tree.
(cd "$work" && /usr/bin/python3 "$repo/tests/dashboard_browser_test.py" "$prescale" \
  "$repo/docs/dashboard.png" --config "$repo/examples/synthetic.yaml" --settle 30 --size 1400x1200)
