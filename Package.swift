// swift-tools-version:6.1
// Solvent: a deterministic margin and liquidation engine for crypto derivatives.
// Layers (DESIGN.md §2): SolventCore (pure engine), SolventRisk (option pricing), SolventSimulation (cascades
// driving the engine), SolventStore (journal and snapshots on SQLite/PostgreSQL) ← SolventServer (HTTP,
// WebSocket, dashboard) ← SolventCLI (file formats, reports, commands) ← solvent (executable).
import PackageDescription

let package = Package(
    name: "Solvent",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SolventCore", targets: ["SolventCore"]),
        .library(name: "SolventRisk", targets: ["SolventRisk"]),
        .library(name: "SolventSimulation", targets: ["SolventSimulation"]),
        .library(name: "SolventProofs", targets: ["SolventProofs"]),
        .library(name: "SolventStore", targets: ["SolventStore"]),
        .library(name: "SolventServer", targets: ["SolventServer"]),
        .library(name: "SolventRandom", targets: ["SolventRandom"]),
        // The benchmarks package uses the tests' fixtures and workload harness.
        .library(name: "SolventTestSupport", targets: ["SolventTestSupport"]),
        .executable(name: "solvent", targets: ["solvent"]),
    ],
    // The embedded default (SQLite) builds without PostgresNIO and its TLS stack;
    // `--traits PostgreSQL` adds the PostgreSQL journal (`solvent serve --postgres`).
    traits: [
        .trait(name: "PostgreSQL", description: "The PostgreSQL journal store (PostgresNIO)."),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // A venue's gateway calls its shards' protocol over keep-alive connections.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Documentation only: `swift package generate-documentation` (DocC) for the libraries' API.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Tests only: exact rationals for the venues' closed forms.
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.1"),
        // The server's operations are generated from openapi/openapi.json (types and the handler
        // protocol, routed through Hummingbird), so a route cannot drift from the contract; the
        // tests generate a typed client from the same document.
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", exact: "2.1.0"),
        // Tests only: the generated client's transport.
        .package(url: "https://github.com/apple/swift-openapi-urlsession", exact: "1.4.0"),
    ],
    targets: [
        .target(
            name: "SolventCore",
            // SolventRisk prices option marks and computes portfolio (scenario) margin (DESIGN.md §2);
            // swift-crypto's SHA-256 is the state digest's hash.
            dependencies: ["SolventRisk", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(
            name: "SolventRisk",
            dependencies: ["SolventRandom", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // The one seeded generator (SplitMix64), below every layer that draws: risk, simulation, tests.
        .target(name: "SolventRandom"),
        .target(name: "SolventSimulation", dependencies: ["SolventCore", "SolventRandom"]),
        // Commitments to every account (Merkle-sum tree, salts keyed by a secret), margin and
        // liquidation proofs: they read the engine's state; the engine does not depend on them.
        .target(name: "SolventProofs", dependencies: ["SolventCore", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "SolventStore",
            dependencies: [
                "SolventCore",
                "SolventProofs",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
            ]
        ),
        .target(
            name: "SolventServer",
            dependencies: [
                "SolventCore",
                // The keeper's dynamic margin rule (DynamicMarginRate).
                "SolventRisk",
                "SolventProofs",
                "SolventStore",
                "SolventSimulation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "SolventCLI",
            dependencies: [
                "SolventCore",
                "SolventProofs",
                "SolventRisk",
                "SolventSimulation",
                "SolventStore",
                "SolventServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "solvent", dependencies: ["SolventCLI"]),
        // The venue harness and fixtures, the seeds, the benchmark workloads (tests and Benchmarks/).
        .target(name: "SolventTestSupport", dependencies: ["SolventCore", "SolventRandom"]),
        .testTarget(name: "SolventCoreTests", dependencies: ["SolventCore", "SolventRisk", "SolventRandom", "SolventTestSupport",
                                                            .product(name: "BigInt", package: "BigInt")]),
        .testTarget(name: "SolventProofsTests", dependencies: ["SolventProofs", "SolventCore", "SolventRandom", "SolventTestSupport"]),
        .testTarget(name: "SolventRiskTests", dependencies: ["SolventRisk", "SolventRandom"], exclude: ["Vectors"]),
        .testTarget(name: "SolventCLITests", dependencies: ["SolventCLI", "SolventCore", "SolventProofs", "SolventRisk", "SolventSimulation", "SolventStore", "SolventServer",
                                                           "SolventRandom", "SolventTestSupport"]),
        .testTarget(name: "SolventSimulationTests", dependencies: ["SolventSimulation", "SolventCore", "SolventRandom"]),
        .testTarget(name: "SolventStoreTests", dependencies: ["SolventStore", "SolventCore", "SolventProofs", "SolventSimulation", "SolventRandom",
                                                             "SolventTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(
            name: "SolventServerTests",
            dependencies: [
                "SolventServer", "SolventStore", "SolventCore", "SolventProofs", "SolventRandom", "SolventTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ]
        ),
        .testTarget(
            name: "SolventAPIClientTests",
            dependencies: [
                "SolventServer", "SolventStore", "SolventCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
