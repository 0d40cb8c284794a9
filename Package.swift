// swift-tools-version:6.0
// Solvent: a deterministic margin and liquidation engine for crypto derivatives.
// Layers (DESIGN.md §2): SolventCore (pure engine), SolventRisk (option pricing), SolventSimulation (cascades
// driving the engine) ← SolventCLI (file formats, reports) ← solvent (executable).
import PackageDescription

let package = Package(
    name: "Solvent",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SolventCore", targets: ["SolventCore"]),
        .library(name: "SolventRisk", targets: ["SolventRisk"]),
        .library(name: "SolventSimulation", targets: ["SolventSimulation"]),
        .executable(name: "solvent", targets: ["solvent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        .target(
            name: "SolventCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SolventRisk",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "SolventSimulation", dependencies: ["SolventCore"]),
        .target(
            name: "SolventCLI",
            dependencies: [
                "SolventCore",
                "SolventRisk",
                "SolventSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "solvent", dependencies: ["SolventCLI"]),
        .testTarget(name: "SolventCoreTests", dependencies: ["SolventCore"]),
        .testTarget(name: "SolventRiskTests", dependencies: ["SolventRisk"]),
        .testTarget(name: "SolventCLITests", dependencies: ["SolventCLI", "SolventCore", "SolventSimulation"]),
        .testTarget(name: "SolventSimulationTests", dependencies: ["SolventSimulation", "SolventCore"]),
    ],
    swiftLanguageModes: [.v6]
)
