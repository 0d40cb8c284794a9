#!/usr/bin/env bash
# The README's cascade study: the five crash windows of ../shared/data with the
# default seeded population, under the order book, the Dutch auction and backstop providers;
# prints a Markdown table (liquidated notional, bad debt, insurance-fund drawdown, ADL).
#   Scripts/cascade-study.sh                  # 100,000 accounts, seed 7
#   ACCOUNTS=20000 Scripts/cascade-study.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100000}
SEED=${SEED:-7}
data="../shared/data/market/crash"
[ -d "$data" ] || { echo "../shared/data is absent: nothing to study" >&2; exit 0; }
swift build -c release --product solvent >&2
out=$(mktemp -d)
for window in 2020-03-12 2021-05-19 2022-11-08 2024-08-05 2025-10-10; do
  .build/release/solvent simulate --prices "$data/${window}_btcusdt_binance_perp_1h.csv" --accounts "$ACCOUNTS" --seed "$SEED" \
      --compare mechanism=auction --compare mechanism=backstop --compare breaker=0.05 > "$out/$window.json"
done
python3 - "$out" <<'PY'
import json, os, sys
folder = sys.argv[1]
print("| window | path drawdown | run | liquidated notional (USDT) | share of OI | bad debt (USDT) | fund drawdown | ADL positions (accounts, median leverage) | simulated drawdown (amplification) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name in sorted(os.listdir(folder)):
    report = json.load(open(os.path.join(folder, name)))
    for run in report["runs"]:
        price, liq, fund, adl = run["price"], run["liquidations"], run["insuranceFund"], run["deleveraging"]
        oi = run["openInterest"]["notionalUSDT"]
        median = adl["medianLeverage"]
        print(f"| {name[:-5]} | {price['exogenousDrawdown']*100:.1f} % | {run['label']} | {liq['notionalUSDT']:,.0f} | "
              f"{liq['notionalUSDT']/oi*100:.0f} % | {run['badDebtUSDT']:,.0f} | {fund['drawdown']:,.0f} of {fund['start']:,.0f} | "
              f"{adl['positions']:,} ({adl['accounts']:,}, {'–' if median is None else f'{median:.1f}x'}) | "
              f"{price['simulatedDrawdown']*100:.1f} % ({price['amplification']:.3f}×) |")
PY
