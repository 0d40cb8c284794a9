#!/usr/bin/env python3
"""Layering check (DESIGN.md §2): every module under Sources/ imports only what its layer allows.

SolventCore is the pure engine: the standard library, swift-crypto (SHA-256 for the state digest),
swift-numerics and the risk layer, nothing else (no Foundation, Dispatch, libc, NIO, GRDB, PostgreSQL,
Hummingbird). SolventProofs (commitments, margin and liquidation proofs) sits on the core, never
under it, and is as pure: the standard library and swift-crypto.
Between the project's own modules the direction is fixed: a module imports only modules of a lower
layer, never one above it or beside it. Standard library only; exits 1 and names file:line for
every offending import.

    python3 Scripts/check-layers.py [ROOT]
"""
import pathlib
import re
import sys

# The project's modules, lowest layer first; each may import only modules listed before it
# (and, for siblings, only those named in LOWER explicitly).
LOWER = {
    "SolventRandom": set(),
    "SolventRisk": {"SolventRandom"},
    "SolventCore": {"SolventRisk"},
    "SolventSimulation": {"SolventRandom", "SolventRisk", "SolventCore"},
    "SolventProofs": {"SolventCore"},
    "SolventStore": {"SolventCore", "SolventProofs"},
    "SolventServer": {"SolventRandom", "SolventRisk", "SolventCore", "SolventProofs", "SolventSimulation", "SolventStore"},
    "SolventCLI": {"SolventRandom", "SolventRisk", "SolventCore", "SolventProofs", "SolventSimulation", "SolventStore",
                   "SolventServer"},
    "solvent": {"SolventCLI"},
    # Tests' and benchmarks' support: above the engine, imported by no module under Sources/.
    "SolventTestSupport": {"SolventRandom", "SolventRisk", "SolventCore"},
}

# Outside packages and system modules each layer may use. Modules not named here are not limited
# beyond the direction rule above (the adapters choose their libraries).
EXTERNAL = {
    "SolventRandom": set(),
    "SolventRisk": {"RealModule"},
    "SolventCore": {"Crypto", "RealModule"},
    "SolventSimulation": {"RealModule"},
    "SolventProofs": {"Crypto"},
}

# Never in the engine layers, whatever EXTERNAL says: I/O, threads, clocks, servers, databases.
FORBIDDEN_BELOW_ADAPTERS = re.compile(
    r"^(Foundation|FoundationEssentials|Dispatch|Glibc|Musl|Darwin|WinSDK|NIO\w*|GRDB|PostgresNIO|Hummingbird\w*|"
    r"Logging|Metrics|Prometheus|ArgumentParser|_Concurrency)$"
)
ENGINE_LAYERS = {"SolventRandom", "SolventRisk", "SolventCore", "SolventProofs"}

IMPORT = re.compile(
    r"^\s*(?:@[\w]+(?:\([^)]*\))?\s+)*import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_]\w*)"
)


def module_imports(path: pathlib.Path):
    in_block_comment = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if in_block_comment:
            if "*/" in stripped:
                in_block_comment = False
            continue
        if stripped.startswith("/*") and "*/" not in stripped:
            in_block_comment = True
            continue
        match = IMPORT.match(line)
        if match:
            yield number, match.group(1)


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    sources = root / "Sources"
    failures = []
    own = set(LOWER)
    for module_dir in sorted(p for p in sources.iterdir() if p.is_dir()):
        module = module_dir.name
        if module not in LOWER:
            failures.append(f"{module_dir}: module {module} has no layer in Scripts/check-layers.py (add it to LOWER)")
            continue
        for path in sorted(module_dir.rglob("*.swift")):
            for number, imported in module_imports(path):
                where = f"{path.relative_to(root)}:{number}"
                if imported in own:
                    if imported not in LOWER[module]:
                        failures.append(f"{where}: {module} imports {imported}, which is not below it")
                    continue
                if module in ENGINE_LAYERS and FORBIDDEN_BELOW_ADAPTERS.match(imported):
                    failures.append(f"{where}: {module} is an engine layer and imports {imported} (no I/O, threads or servers)")
                    continue
                if module in EXTERNAL and imported not in EXTERNAL[module]:
                    allowed = ", ".join(sorted(EXTERNAL[module])) or "the standard library only"
                    failures.append(f"{where}: {module} imports {imported}; allowed: {allowed}")
    for failure in failures:
        print(failure)
    if failures:
        print(f"check-layers: {len(failures)} import(s) break the layering (DESIGN.md §2)")
        return 1
    print("check-layers: every module imports only its own layer's allowances")
    return 0


if __name__ == "__main__":
    sys.exit(main())
