/// An amount in the valuation currency (USD) that cross-margin equity and requirements are
/// compared in, fixed point with `Value.scale` decimals. Assets convert to `Value` at their index
/// price: assets and credits rounding down, requirements and debts rounding up.
public struct Value: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Declared scale: 1 USD = 10^6 atoms (Int64 holds ±9.2 trillion USD per account figure).
    public static let scale = 6
    public static let zero = Value(atoms: 0)
    public var atoms: Int64

    public init(atoms: Int64) { self.atoms = atoms }

    public var description: String { DecimalText.format(atoms, scale: Value.scale) }
    public static func < (lhs: Value, rhs: Value) -> Bool { lhs.atoms < rhs.atoms }
    public static func + (lhs: Value, rhs: Value) -> Value { Value(atoms: lhs.atoms + rhs.atoms) }
    public static func - (lhs: Value, rhs: Value) -> Value { Value(atoms: lhs.atoms - rhs.atoms) }
}
