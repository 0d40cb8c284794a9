/// An expected refusal of a command: a stable numeric code (never renumbered), the field at
/// fault and a message that says what is expected (DESIGN.md §6).
public struct Rejection: Error, Hashable, Sendable, CustomStringConvertible, Codable {
    public enum Code: UInt16, Sendable, CaseIterable, Codable {
        case duplicateCommand = 1
        case unknownAsset = 2
        case unknownMarket = 3
        case unknownAccount = 4
        case assetExists = 5
        case marketExists = 6
        case accountExists = 7
        case invalidParameter = 8
        case limitReached = 9
        case nonPositiveAmount = 10
        case nonPositivePrice = 11
        case nonPositiveQuantity = 12
        case offLotGrid = 13
        case offTickGrid = 14
        case notionalOverflow = 15
        case priceMissing = 16
        case priceStale = 17
        case insufficientBalance = 18
        case insufficientInitialMargin = 19
        case selfTrade = 20
        case marginModeLocked = 21
        case leverageOutOfRange = 22
        case marketSettled = 23
        case reservedAccount = 24
        case notPerpetual = 25
        case noIsolatedPosition = 26
        case oracleFrozen = 27
        case oracleNotConfigured = 28
        case liquidationNotConfigured = 29
        case liquidationPaused = 30
        case noPosition = 31
        case notLiquidatable = 32
        case bookExhausted = 33
        case deficitOpen = 34
        case auctionInProgress = 35
        case unknownAuction = 36
        case auctionNeedsReset = 37
        case auctionPriceBeyondLimit = 38
        case auctionNotStale = 39
        /// A commitment root for another sequence or state than the one just before it.
        case commitmentMismatch = 40
        /// A price command for an option market, whose mark derives from its underlying.
        case markDerived = 41
        /// A direct price for an asset that its collateral oracle prices.
        case pricedByOracle = 42
        /// A liquidation or fund input on a venue shard that does not hold the liquidation baton.
        case liquidationElsewhere = 43
        /// A venue shard's step whose auto-deleveraging the coordinator must allocate across the
        /// venue, or whose allocation no longer fits the step.
        case venueDeleveraging = 44
        /// A position held for a cross-shard auto-deleveraging step.
        case positionReserved = 45
        case unknownReservation = 46
        /// A feature a sharded venue does not run (auctions, backstops, socialized losses).
        case notInVenue = 47

        /// The snake-case name used in APIs and the CLI.
        public var name: String { String(describing: self) }
    }

    public var code: Code
    public var field: String
    public var message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(code.name) (\(code.rawValue)) at \(field): \(message)" }

    /// The rejection for a margin figure that could not be computed.
    static func from(_ error: RiskError, field: String) -> Rejection {
        switch error {
        case .markMissing(let market):
            return Rejection(.priceMissing, field: field, "market \(market) has no mark price yet")
        case .markStale(let market):
            return Rejection(
                .priceStale, field: field, "the mark price of market \(market) is stale; send a fresh price")
        case .indexMissing(let asset):
            return Rejection(.priceMissing, field: field, "asset \(asset) has no index price")
        case .indexStale(let asset):
            return Rejection(
                .priceStale, field: field, "the index price of asset \(asset) is stale; send a fresh price")
        case .overflow:
            return Rejection(.notionalOverflow, field: field, "the amounts involved exceed 64-bit fixed point")
        case .scenariosMissing(let market):
            return Rejection(
                .priceMissing, field: field,
                "the historical-VaR scenario set has no series for market \(market) (configureVaRMargin)")
        }
    }
}
