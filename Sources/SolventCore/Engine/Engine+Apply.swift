/// Applying events: each domain applies its own events beside the plans that make them (setup,
/// collateral, fills and imports, prices, settlements, liquidation, auctions, the margin models'
/// rules); this routes an event to its domain, after the liquidation sub-state (`LiquidationBook`)
/// has applied its part. Events carry the state they leave behind, so an
/// apply is an assignment with the cheap runtime checks of DESIGN.md §5 as preconditions, and
/// cannot fail.
extension Engine {
    mutating func apply(_ event: Event) {
        liquidationBook.apply(event)
        switch event {
        case .assetCreated, .marketCreated, .riskParametersSet, .accountOpened, .leverageSet, .marginModelSet:
            applySetup(event)
        case .deposited, .withdrawn, .isolatedMarginAdjusted, .insuranceFunded, .deficitCovered:
            applyCollateral(event)
        case .fillApplied(let applied):
            applyFill(applied)
        case .positionImported(let imported):
            applyImport(imported)
        case .markPriceSet, .indexUpdated, .oracleConfigured, .oracleStateChanged:
            applyMarkPricing(event)
        case .indexPriceSet, .collateralOracleConfigured, .collateralPriceUpdated, .collateralOracleStateChanged:
            applyAssetPricing(event)
        case .fundingSettled(let settlement):
            applySettlement(settlement, closes: false)
        case .marketSettled(let settlement):
            applySettlement(settlement, closes: true)
        case .marginStateChanged(let change):
            applyMarginStateChange(change)
        case .liquidationConfigured(let market, let parameters):
            markets[Int(marketIndexByID[market]!)].liquidation = parameters
        case .positionLiquidated(let step):
            applyLiquidationStep(step)
        case .backstopsChanged(let market, let backstops):
            markets[Int(marketIndexByID[market]!)].backstops = backstops
        case .auctionStarted(_, let payment), .auctionReset(_, let payment):
            if let payment { applyKeeperPayment(payment) }
        case .auctionUpdated:
            break
        case .portfolioMarginConfigured, .varMarginConfigured, .spanMarginConfigured, .greeksMarginConfigured,
            .spreadCreditsConfigured:
            marginRules.apply(event)
        case .volatilitySmileSet(let underlying, let smile):
            applyVolatilitySmile(underlying: underlying, smile)
        case .commitmentRecorded(let root):
            latestCommitment = root
        case .ticked, .breakerTripped, .breakerResumed:
            break
        case .venueJoined, .liquidationHandedOver, .liquidationTakenOver, .deleveragingReserved,
            .deleveragingCommitted, .deleveragingReleased:
            applyVenue(event)
        }
    }
}
