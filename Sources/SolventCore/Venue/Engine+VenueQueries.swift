/// What a venue's coordinator reads from a shard to run a liquidation step across the venue:
/// the auto-deleveraging the step needs, and the shard's ranked candidates for it.
extension Engine {
    /// What a `liquidate` of `account`'s position in `market` would need from auto-deleveraging
    /// right now (nil: nothing; the fund or the book carries the step), or the rejection the step
    /// would meet. Plans the step without applying anything.
    public func venueDeleveragingNeed(
        account: AccountID, market: MarketID, keeper: AccountID? = nil
    ) -> Result<VenueDeleveragingNeed?, Rejection> {
        Result { () throws(Rejection) -> VenueDeleveragingNeed? in
            let keeperIndex = try liquidationKeeper(keeper, account: account).get()
            let step = try planStep(account, market).get()
            guard case .orderBook = step.parameters.mechanism else { return nil }
            let fill = try orderBookFill(step, market: market)
            var waterfall = try LossWaterfall.closing(step, fill: fill, takerIndex: 0, in: self)
            waterfall.chargeFees(keeper: keeperIndex != nil, in: self)
            try waterfall.measureShortfall(in: self)
            guard let need = waterfall.deleveragingNeed(in: self), need.quantity > 0 else { return nil }
            return VenueDeleveragingNeed(
                market: market, long: !step.long, quantity: need.quantity, ranking: need.ranking,
                maximum: need.maximum, excluded: account)
        }
    }

    /// This shard's first `need.maximum` candidates for `need` in the venue's order, with their
    /// scores (never the venue's book or the liquidated account).
    public func deleveragingCandidates(for need: VenueDeleveragingNeed) -> [ScoredCandidate] {
        guard let marketIndex = marketIndexByID[need.market] else { return [] }
        let excluded = accountIndexByID[need.excluded] ?? -1
        return scoredDeleveragingOrder(
            marketIndex: marketIndex, long: need.long, ranking: need.ranking, limit: need.maximum, excluding: excluded,
            0
        ).map { ScoredCandidate(score: $0.score, account: $0.candidate.account, size: $0.candidate.size) }
    }
}

extension Engine {
    /// The events `command` would cause as the next input at `time`, or its rejection (a venue's
    /// coordinator checks every leg of a protocol on its shard before sending the first).
    /// Changes nothing.
    public func plannedEvents(of command: Command, at time: Timestamp) -> Result<[Event], Rejection> {
        var probe = self
        probe.now = max(now, time)
        return probe.plan(command)
    }

    /// The rejection `command` would meet as the next input at `time`, or nil if it would apply.
    public func rejection(of command: Command, at time: Timestamp) -> Rejection? {
        if case .failure(let rejection) = plannedEvents(of: command, at: time) { return rejection }
        return nil
    }
}
