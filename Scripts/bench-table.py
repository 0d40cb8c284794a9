#!/usr/bin/env python3
"""The benchmark table of docs/benchmarks.md from one run: package-benchmark's results (its
`histogramSamples` export: every sample's wall clock in nanoseconds, one file per benchmark)
beside the numpy peers' RESULT lines of ../shared/bench, with the ratio of each pair.

    bench-table.py SAMPLES_DIRECTORY [NUMPY_RESULTS.txt]

Each benchmark's median sample is divided by the operations one sample runs (package-benchmark's
scaling factor, listed below with the unit), so a row reads per fill, per tick or per batch.
"""
import pathlib
import statistics
import sys

# benchmark -> (operations per sample, what one operation is)
OPERATIONS = {
    "apply-one-fill-1000-accounts": (1000, "fill"),
    "remargin-cross-account-10-positions": (1000, "re-margin"),
    "full-scan-1000000-accounts": (1000, "tick"),
    "mark-update-detection-1000000-accounts": (1000, "update"),
    "mark-update-detection-1000000-accounts-walk": (1000, "update"),
    "index-and-mark-16-sources": (1000, "update"),
    "engine-oracle-update-16-sources": (1000, "update"),
    "mark-update-few-crossing-1000000-accounts-step-1": (1000, "update"),
    "mark-update-few-crossing-1000000-accounts-step-10": (1000, "update"),
    "crash-10pct-1000000-accounts-venue": (1, "crash"),
    "crash-10pct-1000000-accounts-adl": (1, "crash"),
    "crash-10pct-1000000-accounts-venue-numpy-population": (1, "crash"),
    "bs-price-greeks-1000000-options-scalar": (1_000_000, "option"),
    "bs-price-greeks-1000000-options-batch": (1_000_000, "option"),
    "bs-price-4-greeks-1000000-options-batch": (1_000_000, "option"),
    "bs-price-greeks-2048-options-in-cache": (1000 * 2048, "option"),
    "implied-vol-100000-options-scalar": (100_000, "option"),
    "implied-vol-100000-options-batch": (100_000, "option"),
    "scenario-margin-10000-portfolios": (1, "run"),
    "historical-var-es-100000-portfolios": (1, "run"),
    "backtest-historical-20000-periods-window-250": (20_000, "period"),
    "backtest-historical-20000-periods-window-4000": (20_000, "period"),
    "commitment-tree-1000000-accounts": (1, "tree"),
    "margin-proof-generate-1000000-accounts": (1000, "proof"),
    "margin-proof-verify-1000000-accounts": (1000, "proof"),
}
for model in ("standard", "portfolio", "span", "greeks", "historical-var", "normal-var", "monte-carlo-var"):
    OPERATIONS[f"remargin-option-account-{model}"] = (1000, "re-margin")

# benchmark -> the peers' (bench, impl) it is compared with, and how many of its operations one
# peer run does.
PEERS = {
    "full-scan-1000000-accounts": [("perp_mtm_tick", "numpy_scan", 1), ("perp_mtm_tick", "numpy_naive", 1)],
    "mark-update-detection-1000000-accounts-walk": [("perp_mtm_tick", "liqprice_index", 1)],
    "bs-price-4-greeks-1000000-options-batch": [("bs_price_greeks", "numpy", 1_000_000)],
    "implied-vol-100000-options-batch": [("implied_vol", "numpy", 100_000)],
    "scenario-margin-10000-portfolios": [("scenario_margin", "riskarray_csr", 1)],
    "historical-var-es-100000-portfolios": [("hist_var_es", "numpy", 1)],
}


def seconds_text(value):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:,.3g} {unit}" if value / scale < 100 else f"{value / scale:,.0f} {unit}"
    return f"{value * 1e9:,.0f} ns"


def ours(directory):
    """Median seconds per operation, by benchmark name."""
    results = {}
    suffix = ".wallClock.histogram.samples.tsv"
    for path in sorted(pathlib.Path(directory).glob("*" + suffix)):
        name = path.name[: -len(suffix)].split(".", 2)[-1]  # <baseline>.<target>.<name>
        lines = path.read_text().split("\n")
        if lines[0].strip() != "Time (wall clock) (ns)":
            sys.exit(f"{path}: expected samples in nanoseconds, found the header {lines[0]!r}")
        samples = sorted(int(line) for line in lines[1:] if line.strip())
        if not samples:
            continue
        operations, unit = OPERATIONS.get(name, (1, "sample"))
        results[name] = (statistics.median(samples) * 1e-9 / operations, unit, len(samples))
    return results


def peers(path):
    rows = {}
    for line in open(path):
        if line.startswith("RESULT "):
            fields = dict(kv.split("=", 1) for kv in line.split()[1:])
            rows[(fields["bench"], fields["impl"])] = float(fields["median_s"])
    return rows


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    measured = ours(sys.argv[1])
    baseline = peers(sys.argv[2]) if len(sys.argv) == 3 else {}
    if not measured:
        sys.exit(f"no wall-clock samples under {sys.argv[1]}")
    print("| benchmark | Solvent, median (samples) | peer, same run | peer ÷ Solvent |")
    print("| --- | --- | --- | --- |")
    for name in sorted(measured):
        per_op, unit, count = measured[name]
        compared = [
            (impl, baseline[(bench, impl)] / operations)
            for bench, impl, operations in PEERS.get(name, [])
            if (bench, impl) in baseline
        ]
        peer = "; ".join(f"numpy `{impl}` {seconds_text(t)}" for impl, t in compared) or "—"
        ratio = "; ".join(f"**{t / per_op:.2f}×**" for _, t in compared) or "—"
        print(f"| `{name}` | {seconds_text(per_op)} per {unit} ({count}) | {peer} | {ratio} |")


if __name__ == "__main__":
    main()
