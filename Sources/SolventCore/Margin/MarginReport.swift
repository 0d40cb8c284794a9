/// Everything a trader or risk desk asks of one account's standard margin, in fixed point: the
/// figures `solvent margin` prints and the API will serve. Built by the engine so that every
/// surface shows the same numbers.
public struct MarginReport: Hashable, Sendable, Codable {
    /// Cross pool plus every isolated pool, in USD value atoms (assets rounded down,
    /// requirements up).
    public var equity: Value
    public var initialMargin: Value
    public var maintenanceMargin: Value
    /// Cross equity above cross initial margin (what a withdrawal or new order can use).
    public var availableBalance: Value
    /// Maintenance / equity, rounded up; nil when equity is not positive.
    public var marginRatio: Rate?
    /// The worst status of the cross pool and every isolated pool.
    public var status: MarginStatus
    public var positions: [PositionReport]

    public struct PositionReport: Hashable, Sendable, Codable {
        public var market: MarketID
        public var symbol: String
        public var settleAsset: AssetID
        public var settleScale: Int
        public var size: Quantity
        /// Average entry derived from the exact cost, rounded down.
        public var entryPrice: Price?
        public var markPrice: Price
        public var isolated: Bool
        public var isolatedMargin: Amount
        public var unrealizedPnl: Amount
        public var notional: Amount
        public var initialMargin: Amount
        public var maintenanceMargin: Amount
        public var liquidationPrice: Price?
        public var bankruptcyPrice: Price?
        /// Why a price above is missing (nil when it is there, or when prices were not asked for).
        public var liquidationPriceAbsence: PriceBoundaryAbsence?
        public var bankruptcyPriceAbsence: PriceBoundaryAbsence?
        /// Status of the pool this position belongs to.
        public var status: MarginStatus
    }
}

extension Engine {
    /// The standard-margin report of an account at the current marks and index prices.
    /// `includingPrices: false` leaves out the liquidation and bankruptcy prices (each a search:
    /// most of the report's cost), for callers that need only the figures.
    public func marginReport(of id: AccountID, includingPrices: Bool = true) -> Result<MarginReport, RiskError>? {
        guard let account = account(id) else { return nil }
        return Result { () throws(RiskError) -> MarginReport in
            let cross = try crossPool(of: account).get()
            var equity = Int128(cross.equity)
            var initial = Int128(cross.initial)
            var maintenance = Int128(cross.maintenance)
            var status = cross.status
            var positions: [MarginReport.PositionReport] = []
            for position in account.positions {
                let market = markets[Int(position.marketIndex)]
                let settle = assets[Int(market.settleAssetIndex)]
                let risk = try positionRisk(
                    position, leverage: leverage(of: account, marketIndex: position.marketIndex), override: nil,
                    now: nil
                ).get()
                var poolStatus = cross.status
                if let pool = risk.isolatedPool {
                    if settle.price <= 0 { throw .indexMissing(settle.spec.id) }
                    guard let e = settle.value(of: pool.equity, .down), let i = settle.value(of: pool.initial, .up),
                        let m = settle.value(of: pool.maintenance, .up)
                    else { throw .overflow }
                    equity += Int128(e)
                    initial += Int128(i)
                    maintenance += Int128(m)
                    poolStatus = pool.status
                    status = max(status, poolStatus)
                }
                let liquidation =
                    includingPrices ? liquidationBoundary(of: account, marketIndex: position.marketIndex) : nil
                let bankruptcy =
                    includingPrices ? bankruptcyBoundary(of: account, marketIndex: position.marketIndex) : nil
                positions.append(
                    MarginReport.PositionReport(
                        market: market.spec.id, symbol: market.spec.symbol, settleAsset: settle.spec.id,
                        settleScale: settle.spec.scale,
                        size: Quantity(atoms: position.size),
                        entryPrice: market.valuation.price(ofValue: position.cost, size: position.size).map(
                            Price.init(atoms:)),
                        markPrice: Price(atoms: risk.mark), isolated: position.isolated,
                        isolatedMargin: Amount(atoms: position.isolatedMargin),
                        unrealizedPnl: Amount(atoms: risk.unrealizedPnl),
                        notional: Amount(atoms: risk.notional), initialMargin: Amount(atoms: risk.initial),
                        maintenanceMargin: Amount(atoms: risk.maintenance),
                        liquidationPrice: liquidation?.price.map(Price.init(atoms:)),
                        bankruptcyPrice: bankruptcy?.price.map(Price.init(atoms:)),
                        liquidationPriceAbsence: liquidation?.absence, bankruptcyPriceAbsence: bankruptcy?.absence,
                        status: poolStatus))
            }
            guard let equityAtoms = FixedPoint.narrow(equity), let initialAtoms = FixedPoint.narrow(initial),
                let maintenanceAtoms = FixedPoint.narrow(maintenance)
            else { throw .overflow }
            let ratio: Rate? =
                equityAtoms > 0
                ? FixedPoint.narrow(
                    FixedPoint.divide(Int128(maintenanceAtoms) * Int128(Rate.oneAtoms), by: Int128(equityAtoms), .up)
                ).map(Rate.init(atoms:))
                : nil
            return
                MarginReport(
                    equity: Value(atoms: equityAtoms), initialMargin: Value(atoms: initialAtoms),
                    maintenanceMargin: Value(atoms: maintenanceAtoms),
                    availableBalance: Value(atoms: cross.available), marginRatio: ratio,
                    status: status, positions: positions)
        }
    }
}
