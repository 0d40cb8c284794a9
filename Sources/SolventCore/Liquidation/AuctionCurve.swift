/// How a Dutch auction's price falls from its starting price `top` (Maker's Abacus contracts,
/// engines.md §3.1). Fixed point throughout; every rounding is upward, so the system never sells
/// below the curve.
public enum AuctionCurve: Hashable, Sendable, Codable {
    /// `top × (duration − elapsed) / duration`, 0 after `duration` (nanoseconds).
    case linear(duration: Int64)
    /// `top × cut^⌊elapsed / step⌋` (step in nanoseconds).
    case stairstepExponential(cut: Rate, step: Int64)
    /// `top × cut^⌊elapsed in seconds⌋`: a per-second decay.
    case exponential(cutPerSecond: Rate)

    /// The price `elapsed` nanoseconds after the start, in price atoms, rounded up.
    public func price(top: Int64, elapsed: Int64) -> Int64 {
        precondition(top > 0 && elapsed >= 0, "an auction starts at a positive price")
        switch self {
        case .linear(let duration):
            if elapsed >= duration { return 0 }
            return Int64(FixedPoint.divide(Int128(top) * Int128(duration - elapsed), by: Int128(duration), .up))
        case .stairstepExponential(let cut, let step):
            return Self.scale(top, by: cut, power: elapsed / step)
        case .exponential(let cut):
            return Self.scale(top, by: cut, power: elapsed / 1_000_000_000)
        }
    }

    /// `value × rate^power` by repeated squaring at Rate's scale, each product rounded up.
    static func scale(_ value: Int64, by rate: Rate, power: Int64) -> Int64 {
        var result = Int128(value)
        var base = Int128(rate.atoms)
        var exponent = power
        let one = Int128(Rate.oneAtoms)
        while exponent > 0 && result > 0 {
            if exponent & 1 == 1 { result = FixedPoint.divide(result * base, by: one, .up) }
            exponent >>= 1
            if exponent > 0 { base = FixedPoint.divide(base * base, by: one, .up) }
        }
        return Int64(result)
    }

    public func validate() -> String? {
        switch self {
        case .linear(let duration): return duration > 0 ? nil : "linear: a positive duration"
        case .stairstepExponential(let cut, let step):
            return cut.atoms > 0 && cut.atoms < Rate.oneAtoms && step > 0
                ? nil : "stairstep: 0 < cut < 1 and a positive step"
        case .exponential(let cut): return cut.atoms > 0 && cut.atoms < Rate.oneAtoms ? nil : "exponential: 0 < cut < 1"
        }
    }
}
