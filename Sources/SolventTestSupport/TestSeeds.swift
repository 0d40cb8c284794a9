#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seeds for the seeded tests: a fixed set, plus any given in SOLVENT_SEEDS (comma-separated) to
/// reproduce a failure or to search wider. Each seed drives a `SplitMix64` (SolventRandom).
public func testSeeds(_ fixed: [UInt64]) -> [UInt64] {
    #if canImport(Glibc) || canImport(Darwin)
    if let value = getenv("SOLVENT_SEEDS") {
        return fixed + String(cString: value).split(separator: ",").compactMap { UInt64($0) }
    }
    #endif
    return fixed
}
