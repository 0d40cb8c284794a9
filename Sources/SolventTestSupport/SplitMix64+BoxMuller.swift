import SolventRandom

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The workloads' distributions: Box–Muller on the platform's libm (the benchmark populations
/// of ../shared/bench draw the same way). The simulator's libm-free normals are its own.
extension SplitMix64 {
    /// A standard normal draw by Box–Muller.
    public mutating func boxMullerNormal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// e^N(0, sigma) by Box–Muller.
    public mutating func boxMullerLogNormal(sigma: Double) -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return _exp(sigma * (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

#if canImport(Glibc)
public func _exp(_ x: Double) -> Double { Glibc.exp(x) }
public func _log(_ x: Double) -> Double { Glibc.log(x) }
func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
public func _exp(_ x: Double) -> Double { Darwin.exp(x) }
public func _log(_ x: Double) -> Double { Darwin.log(x) }
func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
