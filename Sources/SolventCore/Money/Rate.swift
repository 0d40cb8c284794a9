/// A dimensionless ratio (margin rate, haircut ratio, fee rate, funding rate), fixed point with
/// `Rate.scale` decimals. Signed: funding rates can be negative.
public struct Rate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Declared scale: 1.0 = 10^9 atoms, so 0.004 (0.4 %) is 4,000,000 and a funding rate of
    /// 0.00001234 is exact.
    public static let scale = 9
    public static let oneAtoms: Int64 = 1_000_000_000
    public static let zero = Rate(atoms: 0)
    public static let one = Rate(atoms: oneAtoms)
    public var atoms: Int64

    public init(atoms: Int64) { self.atoms = atoms }

    /// Parses a decimal string ("0.004"); nil if malformed or too precise.
    public init?(_ text: String) {
        guard case .success(let atoms) = DecimalText.parse(text, scale: Rate.scale) else { return nil }
        self.atoms = atoms
    }

    /// The rate 1 / leverage, rounded up (a requirement: toward the house).
    public static func reciprocal(ofLeverage leverage: Int64) -> Rate {
        precondition(leverage > 0, "leverage must be positive")
        return Rate(atoms: (oneAtoms + leverage - 1) / leverage)
    }

    /// The rate as a Double, for risk models that work in floating point (scenario, VaR,
    /// Greeks); never for ledger amounts, which stay in atoms.
    public var fraction: Double { Double(atoms) / Double(Rate.oneAtoms) }

    public var description: String { DecimalText.format(atoms, scale: Rate.scale) }
    public static func < (lhs: Rate, rhs: Rate) -> Bool { lhs.atoms < rhs.atoms }
}
