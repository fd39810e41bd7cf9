#!/usr/bin/env bash
# NAB on the shared corpus: runs `prescale detect --nab` over ../shared/nab/data (41 of
# NAB's 58 files) and scores the results with ../shared/bench/nab_score.py, which
# prints the standard, reward_low_FP_rate and reward_low_FN_rate profiles (threshold
# optimised per profile over the whole corpus, as NAB does).
#
#   bench/nab.sh [BINARY] [-- extra `prescale detect` flags, e.g. --detector zscore]
#
# Needs Debian's python3 with numpy (scripts/setup.sh installs both). Exit code 77
# (skipped) when the corpus is absent.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/prescale}
[[ $# -gt 0 ]] && shift
[[ "${1:-}" == "--" ]] && shift
shared=${PRESCALE_SHARED_DIR:-$here/../../shared}
nab=$shared/nab
if [[ ! -d $nab/data || ! -f $shared/bench/nab_score.py ]]; then
  echo "nab.sh: no NAB corpus at $nab; skipping" >&2
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$bin" detect --nab "$nab/data" --out "$out" --name prescale "$@"
/usr/bin/python3 "$shared/bench/nab_score.py" \
  --data "$nab/data" --labels "$nab/labels/combined_windows.json" \
  --profiles "$nab/config/profiles.json" --results "$out" --detector prescale
