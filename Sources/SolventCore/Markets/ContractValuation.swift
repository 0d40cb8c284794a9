/// Converts a size at a price into an amount of the settlement asset, with precomputed scale
/// factors, through `FixedPoint`'s 128-bit arithmetic.
///
/// The *value* of a signed size is what the position is worth in the settlement asset, signed so
/// that `PnL = value(size, exit) − value(size, entry)` for both kinds:
/// linear `size × contractSize × price`; inverse `−size × contractSize / price`.
public struct ContractValuation: Hashable, Sendable, Codable {
    public let kind: InstrumentKind
    public let contractSizeAtoms: Int64
    /// Linear: divisor of size × price × contractSize. Inverse: multiplier of size × contractSize.
    @usableFromInline let scaleFactor: Int128
    /// Double factors for the screening scan (not used for any booked amount).
    public let screenFactor: Double

    public init(kind: InstrumentKind, contractSize: Quantity, settleScale: Int) {
        self.kind = kind
        self.contractSizeAtoms = contractSize.atoms
        switch kind {
        case .linear:
            let exponent = Quantity.scale + Price.scale + Quantity.scale - settleScale
            scaleFactor = FixedPoint.powerOfTen128(exponent)
            screenFactor = Double(contractSize.atoms) / Double(scaleFactor)
        case .inverse:
            scaleFactor = FixedPoint.powerOfTen128(settleScale)
            screenFactor = Double(contractSize.atoms) * Double(scaleFactor) / 1e8
        }
    }

    /// Signed value in settlement atoms, rounded as asked; nil on overflow.
    @inlinable
    public func value(size: Int64, price: Int64, _ rounding: Rounding) -> Int64? {
        precondition(price > 0 || (price == 0 && kind == .linear), "price must be positive (zero: a worthless option)")
        switch kind {
        case .linear:
            let (product, overflow) = (Int128(size) * Int128(price)).multipliedReportingOverflow(
                by: Int128(contractSizeAtoms))
            if overflow { return nil }
            return FixedPoint.narrow(FixedPoint.divide(product, by: scaleFactor, rounding))
        case .inverse:
            let (product, overflow) = (-Int128(size) * Int128(contractSizeAtoms)).multipliedReportingOverflow(
                by: scaleFactor)
            if overflow { return nil }
            let divisor = Int128(price) * Int128(FixedPoint.powersOfTen[Price.scale])
            return FixedPoint.narrow(FixedPoint.divide(product, by: divisor, rounding))
        }
    }

    /// Unsigned notional of a size in settlement atoms (for tiers, rates and fees), rounded as
    /// asked (`.up` for requirements and fees).
    @inlinable
    public func notional(size: Int64, price: Int64, _ rounding: Rounding = .up) -> Int64? {
        let magnitude = size == Int64.min ? Int64.max : abs(size)
        switch kind {
        case .linear: return value(size: magnitude, price: price, rounding)
        case .inverse: return value(size: -magnitude, price: price, rounding)
        }
    }
}

extension ContractValuation {
    /// The price at which `size` has signed value `value` (the inverse of `value(size:price:)`),
    /// rounded down; nil if undefined or out of range. Used to report entry prices from costs.
    public func price(ofValue value: Int64, size: Int64) -> Int64? {
        guard size != 0, value != 0 else { return nil }
        switch kind {
        case .linear:
            let numerator = Int128(value) * scaleFactor
            let denominator = Int128(size) * Int128(contractSizeAtoms)
            let price = numerator / denominator
            return price > 0 ? FixedPoint.narrow(price) : nil
        case .inverse:
            let numerator = -Int128(size) * Int128(contractSizeAtoms) * scaleFactor
            let denominator = Int128(value) * Int128(FixedPoint.powersOfTen[Price.scale])
            let price = numerator / denominator
            return price > 0 ? FixedPoint.narrow(price) : nil
        }
    }
}
