/// An amount of one asset in atoms of that asset's declared scale (`AssetSpec.scale`): USDT with
/// scale 6 counts micro-dollars, BTC with scale 8 counts satoshis. Signed: debts are negative.
/// The asset is carried by context (a balance is keyed by asset; a position settles in its
/// market's settlement asset), never mixed across assets.
public struct Amount: Hashable, Comparable, Sendable, Codable {
    public static let zero = Amount(atoms: 0)
    public var atoms: Int64

    public init(atoms: Int64) { self.atoms = atoms }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.atoms < rhs.atoms }
    public static func + (lhs: Amount, rhs: Amount) -> Amount { Amount(atoms: lhs.atoms + rhs.atoms) }
    public static func - (lhs: Amount, rhs: Amount) -> Amount { Amount(atoms: lhs.atoms - rhs.atoms) }
    public static prefix func - (value: Amount) -> Amount { Amount(atoms: -value.atoms) }

    /// Formats at the given asset scale.
    public func formatted(scale: Int) -> String { DecimalText.format(atoms, scale: scale) }
}
