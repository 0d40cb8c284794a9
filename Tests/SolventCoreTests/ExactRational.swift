import BigInt

/// An exact rational number for reference formulas in tests: the venues' closed forms evaluated
/// without rounding, so the engine's fixed-point results are compared with the true value, not
/// with another floating-point approximation.
struct ExactRational: Comparable, CustomStringConvertible {
    /// Always reduced, with a positive denominator.
    let numerator: BigInt
    let denominator: BigInt

    init(_ numerator: BigInt, _ denominator: BigInt = 1) {
        precondition(denominator != 0, "a rational with a zero denominator")
        let divisor = numerator.greatestCommonDivisor(with: denominator)
        let sign: BigInt = denominator < 0 ? -1 : 1
        self.numerator = sign * numerator / divisor
        self.denominator = sign * denominator / divisor
    }

    init(_ value: Int64) { self.init(BigInt(value)) }

    /// `atoms` × 10^−`scale`.
    init(atoms: Int64, scale: Int) { self.init(BigInt(atoms), BigInt(10).power(scale)) }

    static func + (a: Self, b: Self) -> Self {
        Self(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator)
    }
    static func - (a: Self, b: Self) -> Self {
        Self(a.numerator * b.denominator - b.numerator * a.denominator, a.denominator * b.denominator)
    }
    static func * (a: Self, b: Self) -> Self { Self(a.numerator * b.numerator, a.denominator * b.denominator) }
    static func / (a: Self, b: Self) -> Self { Self(a.numerator * b.denominator, a.denominator * b.numerator) }
    static prefix func - (a: Self) -> Self { Self(-a.numerator, a.denominator) }
    static func < (a: Self, b: Self) -> Bool { a.numerator * b.denominator < b.numerator * a.denominator }
    static func == (a: Self, b: Self) -> Bool { a.numerator == b.numerator && a.denominator == b.denominator }

    var isPositive: Bool { numerator > 0 }

    /// The largest integer ≤ self.
    var floor: BigInt {
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// The smallest integer ≥ self.
    var ceiling: BigInt { -(-self).floor }

    var double: Double { Double(numerator) / Double(denominator) }

    var description: String { "\(double)" }
}
