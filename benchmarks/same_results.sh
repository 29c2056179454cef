#!/usr/bin/env bash
# Same results before and after a refactor, byte for byte.
#
#   benchmarks/same_results.sh REF_DIR     # first run (e.g. on the commit before): records REF_DIR
#   benchmarks/same_results.sh REF_DIR     # later runs: compares every CSV table with REF_DIR
#
# Runs the example scenarios (the baseline first) with 2 seeds, events as CSV, and compares
# trips, events, crossings, runs, summary and differences byte for byte. Exit 1 on a difference.
# A change meant to alter the results (a new mechanism, a calibration) records a new reference.
set -euo pipefail
ref=${1:?usage: benchmarks/same_results.sh REF_DIR}
cd "$(dirname "$0")/.."
files=(scenarios/baseline.yaml scenarios/arterial-signal.yaml scenarios/combined.yaml
       scenarios/footbridge-lift.yaml scenarios/footbridge.yaml scenarios/guard-posts.yaml
       scenarios/no-dropoff.yaml scenarios/no-parking.yaml scenarios/recommended-routes.yaml
       scenarios/school-zone-30.yaml)
run() { .venv/bin/saferoute compare "${files[@]}" --seeds 2 --workers 2 --csv --out "$1" > /dev/null; }
if [ ! -d "$ref" ]; then
  run "$ref"
  echo "recorded the reference in $ref"
  exit 0
fi
out=$(mktemp -d)/now
run "$out"
status=0
for f in trips.csv events.csv crossings.csv runs.csv summary.csv differences.csv; do
  if cmp -s "$out/$f" "$ref/$f"; then echo "same: $f"; else echo "DIFFERENT: $f"; status=1; fi
done
rm -rf "$(dirname "$out")"
exit $status
