/// A market as the engine holds it: declaration, parameters, prices, and the scan table of every
/// position in it.
public struct MarketState: Sendable {
    public var spec: MarketSpec
    public var parameters: RiskParameters
    public let valuation: ContractValuation
    public let settleAssetIndex: Int32
    /// Mark price (0 = none yet) and when it was set.
    public var mark: Int64
    public var markTime: Timestamp
    /// Index price of the underlying (0 = none yet).
    public var index: Int64
    /// A dated future that reached expiry and settled: no more fills.
    public var settled: Bool
    /// Every position in this market, one row each, in a hot-path layout.
    public var scan: MaintenanceScanTable

    public init(spec: MarketSpec, parameters: RiskParameters, settleAssetIndex: Int32, settleScale: Int) {
        self.spec = spec
        self.parameters = parameters
        self.valuation = ContractValuation(kind: spec.kind, contractSize: spec.contractSize, settleScale: settleScale)
        self.settleAssetIndex = settleAssetIndex
        self.mark = 0
        self.markTime = Timestamp(nanoseconds: 0)
        self.index = 0
        self.settled = false
        self.scan = MaintenanceScanTable()
    }

    public var isPerpetual: Bool { spec.expiry == nil }

    /// The mark if it exists and is no older than the market's limit at `now`.
    public func freshMark(at now: Timestamp) -> Int64? {
        guard mark > 0, now.nanoseconds - markTime.nanoseconds <= parameters.priceMaxAge else { return nil }
        return mark
    }
}
