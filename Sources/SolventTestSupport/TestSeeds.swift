/// SplitMix64: a tiny deterministic generator for seeded tests (the same seed gives the same
/// workload on every machine; never the system's random source).
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeds for the seeded tests: a fixed set, plus any given in SOLVENT_SEEDS (comma-separated) to
/// reproduce a failure or to search wider.
func testSeeds(_ fixed: [UInt64]) -> [UInt64] {
    #if canImport(Glibc) || canImport(Darwin)
    if let extra = ProcessInfoLite.environment("SOLVENT_SEEDS") {
        return fixed + extra.split(separator: ",").compactMap { UInt64($0) }
    }
    #endif
    return fixed
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
