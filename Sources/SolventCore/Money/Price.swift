/// A price of one unit of the base in the quote (USD per BTC), fixed point with `Price.scale`
/// decimals. Index, mark and fill prices are all `Price`; valid prices are positive.
public struct Price: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Declared scale: 1.0 = 10^8 atoms (finer than any venue's tick, so marks keep their precision).
    public static let scale = 8
    public static let one = Price(atoms: 100_000_000)
    public var atoms: Int64

    public init(atoms: Int64) { self.atoms = atoms }

    /// Parses a decimal string ("60123.45"); nil if malformed, too precise or too large.
    public init?(_ text: String) {
        guard case .success(let atoms) = DecimalText.parse(text, scale: Price.scale) else { return nil }
        self.atoms = atoms
    }

    public var description: String { DecimalText.format(atoms, scale: Price.scale) }
    public static func < (lhs: Price, rhs: Price) -> Bool { lhs.atoms < rhs.atoms }
}
