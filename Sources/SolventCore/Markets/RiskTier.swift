/// One notional bracket of a risk-tier table: notional (in the settlement asset, at mark) in
/// (previous cap, `notionalCap`] uses these rates. nil cap = the last, unbounded bracket.
public struct RiskTier: Hashable, Sendable, Codable {
    public var notionalCap: Amount?
    public var initialRate: Rate
    public var maintenanceRate: Rate

    public init(notionalCap: Amount?, initialRate: Rate, maintenanceRate: Rate) {
        self.notionalCap = notionalCap
        self.initialRate = initialRate
        self.maintenanceRate = maintenanceRate
    }
}
