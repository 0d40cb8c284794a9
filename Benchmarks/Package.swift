// swift-tools-version:6.1
// Benchmarks of Solvent's hot paths (DESIGN.md §8), kept in their own package so that the main
// package's build and tests do not pay for the benchmark framework.
//   swift package benchmark                      # package-benchmark: time and mallocs, checked against Thresholds/
//   ../Scripts/bench-vs-baseline.sh              # the same benchmarks beside the numpy peers, with ratios
import PackageDescription

let package = Package(
    name: "SolventBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Solvent", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SolventTestSupport", package: "Solvent"),
                .product(name: "SolventRandom", package: "Solvent"),
                .product(name: "SolventCore", package: "Solvent"),
                .product(name: "SolventRisk", package: "Solvent"),
                .product(name: "SolventProofs", package: "Solvent"),
                .product(name: "SolventStore", package: "Solvent"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
