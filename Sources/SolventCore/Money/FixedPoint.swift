/// The one place where fixed-point numbers are multiplied and divided.
///
/// Every product goes through a 128-bit intermediate; the result is rounded in a named direction
/// and checked to fit 64 bits. A `nil` result means overflow: at the input boundary it becomes a
/// `notionalOverflow` rejection, inside the engine a precondition.
public enum FixedPoint {
    /// Powers of ten that fit in Int64, indexed by exponent.
    public static let powersOfTen: [Int64] = (0...18).map { exponent in
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `a × b / divisor`, rounded in `rounding`, or nil if the result does not fit Int64.
    /// - Precondition: `divisor > 0`.
    @inlinable
    public static func multiplyDivide(_ a: Int64, _ b: Int64, _ divisor: Int64, _ rounding: Rounding) -> Int64? {
        precondition(divisor > 0, "divisor must be positive")
        return narrow(divide(Int128(a) * Int128(b), by: Int128(divisor), rounding))
    }

    /// `a × b × c / divisor` with one rounding, or nil on overflow (of the intermediate or result).
    @inlinable
    public static func multiplyDivide(
        _ a: Int64, _ b: Int64, _ c: Int64, _ divisor: Int128, _ rounding: Rounding
    ) -> Int64? {
        precondition(divisor > 0, "divisor must be positive")
        let (product, overflow) = (Int128(a) * Int128(b)).multipliedReportingOverflow(by: Int128(c))
        if overflow { return nil }
        return narrow(divide(product, by: divisor, rounding))
    }

    /// Floor or ceiling division of 128-bit integers.
    ///
    /// Fast path: when the divisor fits 64 bits and the quotient does too (the common case for
    /// notionals and conversions), one hardware 128-by-64 division replaces the generic 128-bit
    /// division routine, which dominates the fill and re-margin paths otherwise.
    @inlinable
    public static func divide(_ numerator: Int128, by divisor: Int128, _ rounding: Rounding) -> Int128 {
        precondition(divisor > 0, "divisor must be positive")
        if divisor <= Int128(UInt64.max) {
            let magnitude = numerator.magnitude
            let d = UInt64(divisor)
            let high = UInt64(truncatingIfNeeded: magnitude >> 64)
            if high < d {
                let (q, r) = d.dividingFullWidth((high: high, low: UInt64(truncatingIfNeeded: magnitude)))
                var quotient = Int128(q)
                if numerator < 0 {
                    quotient = -quotient
                    if r != 0 && rounding == .down { quotient -= 1 }
                } else if r != 0 && rounding == .up {
                    quotient += 1
                }
                return quotient
            }
        }
        let quotient = numerator / divisor
        let remainder = numerator % divisor
        if remainder == 0 { return quotient }
        switch rounding {
        case .down: return numerator < 0 ? quotient - 1 : quotient
        case .up: return numerator > 0 ? quotient + 1 : quotient
        }
    }

    /// `a + b`, or nil on overflow (for balances and sums that user input can push to the limit).
    @inlinable
    public static func add(_ a: Int64, _ b: Int64) -> Int64? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    /// `a − b`, or nil on overflow.
    @inlinable
    public static func subtract(_ a: Int64, _ b: Int64) -> Int64? {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? nil : difference
    }

    /// The value as Int64, or nil if it does not fit. Int64.min is refused too, so every result
    /// can be negated without trapping.
    @inlinable
    public static func narrow(_ value: Int128) -> Int64? {
        guard value > Int128(Int64.min), value <= Int128(Int64.max) else { return nil }
        return Int64(value)
    }

    /// 10^exponent as Int128 (exponent 0...38).
    @inlinable
    public static func powerOfTen128(_ exponent: Int) -> Int128 {
        precondition(exponent >= 0 && exponent <= 38, "exponent out of range")
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
