#!/usr/bin/env bash
# Runs Solvent's package-benchmark suites and the numpy peer baselines of ../shared/bench in the
# same run, and prints the table of docs/benchmarks.md with each pair's ratio (DESIGN.md §8:
# report ratios, not absolute times).
#   Scripts/bench-vs-baseline.sh                       # every benchmark
#   FILTER='full-scan.*|mark-update-detection.*' Scripts/bench-vs-baseline.sh
#   REPEATS=7 Scripts/bench-vs-baseline.sh             # the peers' repeats (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${REPEATS:-5}
FILTER=${FILTER:-.*}
shared="../shared/bench"
state="${BENCH_STATE:-$HOME/.cache/solvent-bench}"
out=$(mktemp -d)

# Built for the machine it runs on (AVX-512 or AVX2), as the C baselines use -march=native; CI
# checks the thresholds on the same build. Every sample's wall clock is exported in nanoseconds.
(cd Benchmarks && swift package -Xswiftc -target-cpu -Xswiftc native --allow-writing-to-directory "$out" \
  benchmark --filter "$FILTER" --metric wallClock --format histogramSamples --path "$out" --no-progress) >&2
results="$out"

if [ -x "$state/venv/bin/python" ] && [ -d "$shared" ]; then
  py="$state/venv/bin/python"
  peers="$out/numpy.txt"
  : > "$peers"
  # A peer runs when the filter selects one of the suites it is compared with.
  selects() { printf '%s\n' "$@" | grep -Eq -- "$FILTER"; }
  if selects full-scan-1000000-accounts mark-update-detection-1000000-accounts-walk; then
    (cd "$shared" && OMP_NUM_THREADS=1 "$py" bench_perp_mtm.py --accounts 1000000 --repeats "$REPEATS" \
        --impl numpy_scan numpy_naive liqprice_index --quiet) | grep '^RESULT' >> "$peers"
  fi
  if selects bs-price-4-greeks-1000000-options-batch implied-vol-100000-options-batch; then
    (cd "$shared" && OMP_NUM_THREADS=1 "$py" bench_bs_greeks.py --n 1000000 --impl numpy \
        --iv-n 100000 --iv-impl numpy --repeats "$REPEATS" --check 0 --quiet) | grep '^RESULT' >> "$peers"
  fi
  if selects scenario-margin-10000-portfolios; then
    (cd "$shared" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$py" bench_scenario_margin.py --portfolios 10000 \
        --positions 20 --repeats "$REPEATS" --impl riskarray_csr --quiet) | grep '^RESULT' >> "$peers"
  fi
  if selects historical-var-es-100000-portfolios; then
    (cd "$shared" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$py" bench_hvar.py --portfolios 100000 \
        --history 1000 --assets 5 --repeats "$REPEATS" --quiet) | grep '^RESULT' >> "$peers"
  fi
  python3 Scripts/bench-table.py "$results" "$peers"
else
  echo "peer baseline not set up: run ../shared/bench/setup.sh first (numpy in \$BENCH_STATE/venv)" >&2
  python3 Scripts/bench-table.py "$results"
fi
