/// Configuring the margin models (`MarginModelRules`): the rules' own checks are the sub-state's;
/// here the engine adds the markets a rule names and the margin states the new rules change.
extension Engine {
    /// The venue-wide rules of the margin models, by their former names (reads for reports,
    /// snapshots and the service).
    public var portfolioMargin: PortfolioMarginRules { marginRules.portfolio }
    public var varMargin: VaRMarginRules { marginRules.valueAtRisk }
    public var spanMargin: SpanMarginRules { marginRules.span }
    public var greeksMargin: GreeksMarginRules { marginRules.greeks }
    public var spreadCredits: SpreadCreditRules { marginRules.spreadCredits }

    /// A configuration of one margin model, and the flag changes of the accounts using it.
    func planConfigureMarginModel(_ command: Command) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            guard let event = try MarginModelRules.plan(command) else {
                preconditionFailure("not a margin model configuration: \(command)")
            }
            switch event {
            case .varMarginConfigured(let rules):
                for (index, entry) in rules.series.enumerated() {
                    try requireUnderlying(entry.market, field: "rules.series[\(index)].market", moves: true)
                }
            case .spreadCreditsConfigured(let rules):
                for (index, spread) in rules.spreads.enumerated() {
                    try requireUnderlying(spread.first, field: "rules.spreads[\(index)].first", moves: false)
                    try requireUnderlying(spread.second, field: "rules.spreads[\(index)].second", moves: false)
                }
            default:
                break
            }
            var after = self
            after.auditsEveryEvent = false
            after.apply(event)
            let holders = accounts.indices.filter {
                MarginModelRules.changes(event, requirementOf: accounts[$0].marginModel)
            }
            return [event] + after.crossPoolStateChanges(accountIndices: holders.map { Int32($0) })
        }
    }

    /// A rule names an existing market that is not an option: an option moves with (and joins)
    /// its underlying, which the rule must name instead.
    private func requireUnderlying(_ market: MarketID, field: String, moves: Bool) throws(Rejection) {
        guard let m = marketIndexByID[market] else {
            throw Rejection(.unknownMarket, field: field, "no market \(market)")
        }
        if markets[Int(m)].isOption {
            throw Rejection(
                .invalidParameter, field: field,
                moves
                    ? "an option moves with its underlying; give the underlying's series"
                    : "an option joins its underlying; name the underlying")
        }
    }
}
