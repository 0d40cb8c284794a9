/// A signed position or order size in contracts (linear: base units × contract size; inverse:
/// number of contracts), fixed point with `Quantity.scale` decimals. Positive is long.
public struct Quantity: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Declared scale: 1 contract = 10^8 atoms.
    public static let scale = 8
    public static let zero = Quantity(atoms: 0)
    public var atoms: Int64

    public init(atoms: Int64) { self.atoms = atoms }

    /// Parses a decimal string ("0.001", "-2"); nil if malformed, too precise or too large.
    public init?(_ text: String) {
        guard case .success(let atoms) = DecimalText.parse(text, scale: Quantity.scale) else { return nil }
        self.atoms = atoms
    }

    public var magnitude: Quantity { Quantity(atoms: atoms.magnitude > UInt64(Int64.max) ? Int64.max : abs(atoms)) }
    public var isZero: Bool { atoms == 0 }
    public var signum: Int64 { atoms.signum() }
    public var description: String { DecimalText.format(atoms, scale: Quantity.scale) }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.atoms < rhs.atoms }
}
