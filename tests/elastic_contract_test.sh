#!/usr/bin/env bash
# Contract check through the real scorer: ../shared/bench/elastic.py replays the
# binary's decisions through its own capacity model and flags any model mismatch or
# lookahead with a NOTE line. Runs every policy on the two short traces, and checks
# that the default policy keeps tau_U <= 1 %. Exit 77 (skipped) without ../shared or
# numpy, as on a user's clone.
set -euo pipefail
binary=$1
shared=$2
traces=("$shared/traces/planetlab_busiest_vm_cpu_5min.csv" "$shared/traces/wikipedia_en_2016_01_per_hour.csv")
for t in "${traces[@]}"; do [[ -f $t ]] || { echo "skip: $t absent"; exit 77; }; done
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "skip: no python3-numpy"; exit 77; }

fail=0
for policy in predictive hpa target-tracking seed2 threshold classifier; do
  out=$(/usr/bin/python3 "$shared/bench/elastic.py" --binary "$binary" --args "--policy $policy" "${traces[@]}")
  if grep -q NOTE <<<"$out"; then
    echo "FAIL $policy: $(grep NOTE <<<"$out")"
    fail=1
  fi
  if [[ $policy == predictive ]] && grep -E '^  prescale' <<<"$out" | grep -q 'ok=False'; then
    echo "FAIL predictive: tau_U above 1 %:"
    grep -E '^  prescale' <<<"$out"
    fail=1
  fi
  echo "$policy: $(grep -E '^  prescale' <<<"$out" | tr -s ' ' | tr '\n' ';')"
done
exit $fail
