/// An asset as the engine holds it: its declaration, its index price in USD, and the system's
/// own ledger lines in that asset.
public struct AssetState: Hashable, Sendable, Codable {
    public var spec: AssetSpec
    /// USD index price (0 = none yet).
    public var price: Int64
    public var priceTime: Timestamp
    /// The insurance fund (never negative).
    public var insuranceFund: Int64
    /// Fees collected (never negative).
    public var feePool: Int64
    /// Rounding remainders booked in the house's favour (never negative).
    public var dust: Int64
    /// The outside world: minus everything deposited plus everything withdrawn.
    public var outside: Int64
    /// A loss no mechanism could place, recorded (never positive). While it is open, withdrawals
    /// of the asset are refused; money from outside closes it (`coverDeficit`).
    public var deficit: Int64
    /// The collateral oracle, when the asset is priced from sources (nil: by `setIndexPrice`).
    public var oracle: CollateralOracleState?
    /// True when every haircut tier counts at 100 % (then value is linear in the balance).
    public let countsAtPar: Bool

    public init(spec: AssetSpec) {
        self.spec = spec
        self.price = 0
        self.priceTime = Timestamp(nanoseconds: 0)
        self.insuranceFund = 0
        self.feePool = 0
        self.dust = 0
        self.outside = 0
        self.deficit = 0
        self.countsAtPar = spec.collateralTiers.allSatisfy { $0.ratio == .one }
    }

    /// Converts an amount of this asset to USD value at the index price, rounded as asked;
    /// nil on overflow. - Precondition: a price is set.
    @inlinable
    public func value(of atoms: Int64, _ rounding: Rounding) -> Int64? {
        Self.value(of: atoms, price: price, scale: spec.scale, rounding)
    }

    /// Converts a USD value to atoms of this asset at the index price (the inverse of
    /// `value(of:_:)`), rounded as asked; nil on overflow or without a price.
    public func atoms(ofValue value: Int64, _ rounding: Rounding) -> Int64? {
        guard price > 0 else { return nil }
        let exponent = spec.scale + Price.scale - Value.scale
        if exponent >= 0 {
            let (numerator, overflow) = Int128(value).multipliedReportingOverflow(
                by: FixedPoint.powerOfTen128(exponent))
            return overflow ? nil : FixedPoint.narrow(FixedPoint.divide(numerator, by: Int128(price), rounding))
        }
        return FixedPoint.narrow(
            FixedPoint.divide(Int128(value), by: Int128(price) * FixedPoint.powerOfTen128(-exponent), rounding))
    }

    /// The same from the two fields it needs (hot paths read them without copying the asset).
    @inlinable
    public static func value(of atoms: Int64, price: Int64, scale: Int, _ rounding: Rounding) -> Int64? {
        precondition(price > 0, "asset has no index price")
        let exponent = scale + Price.scale - Value.scale
        // A unit price at matching scales (USDT at 1.00) converts without arithmetic.
        if exponent >= 0, exponent < FixedPoint.powersOfTen.count, price == FixedPoint.powersOfTen[exponent] {
            return atoms
        }
        if exponent >= 0 {
            return FixedPoint.narrow(
                FixedPoint.divide(Int128(atoms) * Int128(price), by: FixedPoint.powerOfTen128(exponent), rounding))
        }
        let (product, overflow) = (Int128(atoms) * Int128(price)).multipliedReportingOverflow(
            by: FixedPoint.powerOfTen128(-exponent))
        return overflow ? nil : FixedPoint.narrow(product)
    }
}
