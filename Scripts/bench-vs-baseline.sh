#!/usr/bin/env bash
# Runs Solvent's hot-path benchmarks and the numpy peer baseline in the same run and prints
# both RESULT lines with the speed-up (DESIGN.md §8: report ratios, not absolute times).
#   Scripts/bench-vs-baseline.sh            # 1,000,000 accounts, 5 repeats
#   ACCOUNTS=100000 REPEATS=7 Scripts/bench-vs-baseline.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-1000000}
REPEATS=${REPEATS:-5}
shared="../shared/bench"
state="${BENCH_STATE:-$HOME/.cache/solvent-bench}"
out=$(mktemp -d)

# Built for the machine it runs on (AVX-512 or AVX2), as the C baselines use -march=native.
swift build -c release --package-path Benchmarks --product solvent-perf -Xswiftc -target-cpu -Xswiftc native >&2
Benchmarks/.build/release/solvent-perf --accounts "$ACCOUNTS" --repeats "$REPEATS" | tee "$out/solvent.txt"

if [ -x "$state/venv/bin/python" ] && [ -d "$shared" ]; then
  (cd "$shared" && OMP_NUM_THREADS=1 "$state/venv/bin/python" bench_perp_mtm.py --accounts "$ACCOUNTS" \
      --repeats "$REPEATS" --impl numpy_scan numpy_naive liqprice_index --quiet) | grep '^RESULT' | tee "$out/numpy.txt"
  (cd "$shared" && OMP_NUM_THREADS=1 "$state/venv/bin/python" bench_bs_greeks.py --n 1000000 --impl numpy \
      --iv-n 100000 --iv-impl numpy --check 0 --quiet) | grep '^RESULT' | tee -a "$out/numpy.txt"
  (cd "$shared" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$state/venv/bin/python" bench_scenario_margin.py --portfolios 10000 \
      --positions 20 --repeats "$REPEATS" --impl riskarray_csr --quiet) | grep '^RESULT' | tee -a "$out/numpy.txt"
  (cd "$shared" && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$state/venv/bin/python" bench_hvar.py --portfolios 100000 \
      --history 1000 --assets 5 --repeats "$REPEATS" --quiet) | grep '^RESULT' | tee -a "$out/numpy.txt"
  python3 - "$out/solvent.txt" "$out/numpy.txt" <<'PY'
import sys
def read(path):
    rows = []
    for line in open(path):
        if line.startswith("RESULT "):
            rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
    return rows
# Which of our implementations a peer row compares with: the batch paths where we report
# several (price + the same four Greeks numpy computes; not the in-cache figure, whose N differs).
preferred = {"bs_price_greeks": "solvent_batch_4greeks", "implied_vol": "solvent_batch"}
ours = {}
for r in read(sys.argv[1]):
    if r["bench"] not in ours or preferred.get(r["bench"]) in (None, r["impl"]):
        ours[r["bench"]] = r
for peer in read(sys.argv[2]):
    # The liquidation-price index is the peer of the indexed detection, not of the full scan.
    mine = ours.get("perp_detect_tick" if peer["impl"] == "liqprice_index" else peer["bench"])
    if mine:
        ratio = float(peer["median_s"]) / float(mine["median_s"])
        print(f"{mine['bench']}: solvent {float(mine['median_s'])*1e3:.4f} ms vs {peer['impl']} "
              f"{float(peer['median_s'])*1e3:.4f} ms per run -> {ratio:.2f}x")
PY
else
  echo "peer baseline not set up: run ../shared/bench/setup.sh first (numpy in \$BENCH_STATE/venv)" >&2
fi
