#!/usr/bin/env bash
# Runs one libFuzzer harness for a while over a seed corpus, without changing it.
#   run_fuzzer.sh FUZZER SECONDS SCRATCH_CORPUS SEED_CORPUS [libFuzzer flags...]
# New inputs are written to SCRATCH_CORPUS (created); a crash, leak, timeout or
# sanitizer report exits non-zero, with the input saved as crash-*/leak-*/timeout-*
# in the working folder. Prints libFuzzer's final stats line.
set -euo pipefail
fuzzer=$1 seconds=$2 scratch=$3 seeds=$4
shift 4
mkdir -p "$scratch"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$@" "$scratch" "$seeds"
