#!/usr/bin/env bash
# CI's short version of the load and soak runs (docs/hardening.md; the long runs'
# figures are in bench/RESULTS.md):
#   - the API at saturation for 20 s (bench/api_soak.sh): zero errors, no RSS growth;
#   - `run` with 50 groups for 16 simulated hours on the simulated clock
#     (bench/soak_run.sh): the run succeeds and its RSS does not grow.
# Under AddressSanitizer, freed memory waits in a quarantine (256 MB by default) that
# would read as growth; it is kept small here.
#   soak_smoke_test.sh PRESCALE
# Exit 77 (skipped) without wrk.
set -euo pipefail
binary=$1
here=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk > /dev/null || { echo "soak_smoke: wrk is not installed; skipped"; exit 77; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:thread_local_quarantine_size_kb=64"
echo "== the API at saturation, 20 s"
BINARY=$binary SAMPLE_S=1 "$here/bench/api_soak.sh" 20 4 5
echo "== 50 groups, 16 simulated hours"
BINARY=$binary SAMPLE_S=0.1 "$here/bench/soak_run.sh" 50 57600
