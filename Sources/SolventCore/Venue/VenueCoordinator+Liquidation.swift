/// A liquidation step across the venue: the baton moves to the step's shard, and when the fund
/// cannot carry the step, auto-deleveraging reserves, steps and commits (`VenueShard`). Every
/// input of the protocol is checked on its shard before the first one is sent, so a step either
/// completes on every shard it touches or leaves them as they were (what was reserved released).
extension VenueCoordinator {
    /// Hands the liquidation baton to `shard` (two inputs: out of the holder, into `shard`),
    /// checking first that `shard` takes what the holder would hand over.
    mutating func moveBaton(to shard: Int, at time: Timestamp) throws(VenueFailure) {
        guard shard != batonHolder else { return }
        let baton = try links[batonHolder].liquidationBaton()
        if let refusal = try links[shard].refusal(of: .takeOverLiquidation(baton), at: time) {
            throw VenueFailure("shard \(shard) cannot take the baton: \(refusal)")
        }
        let out = try send(
            .handOverLiquidation, to: batonHolder, at: time,
            intent: .batonMove(from: batonHolder, to: shard, baton: baton)
        )
        guard case .applied(let events) = out, case .liquidationHandedOver(let handed)? = events.first,
            handed == baton
        else { throw VenueFailure("shard \(batonHolder) did not hand over the baton: \(out)") }
        let taken = try send(.takeOverLiquidation(baton), to: shard, at: time)
        guard taken.rejection == nil else { throw VenueFailure("shard \(shard) refused the baton: \(taken)") }
        batonHolder = shard
    }

    /// One liquidation step of `account`'s position in `market`: on its shard, with the baton,
    /// and with auto-deleveraging allocated across the venue when the step needs it.
    mutating func liquidate(
        _ account: AccountID, market: MarketID, keeper: AccountID?, at time: Timestamp
    ) throws(VenueFailure) -> Outcomes {
        let home = map.shard(of: account)
        if let keeper, keeper != account, map.shard(of: keeper) != home {
            guard try links[map.shard(of: keeper)].hasAccount(keeper) else {
                return refused(
                    Rejection(.unknownAccount, field: "keeper", "no account with id \(keeper); open it first"),
                    shard: home)
            }
            return refused(
                Rejection(
                    .notInVenue, field: "keeper",
                    "keeper \(keeper) is on shard \(map.shard(of: keeper)), account \(account) on shard \(home): "
                        + "a keeper is paid on the liquidated account's shard"), shard: home)
        }
        try moveBaton(to: home, at: time)
        guard
            case .success(let need?) = try links[home].venueDeleveragingNeed(
                account: account, market: market, keeper: keeper)
        else {
            // Nothing to allocate, or a rejection the step itself will report.
            return try one(.liquidate(account: account, market: market, keeper: keeper), to: home, at: time)
        }
        let shares = try allocate(need)
        let step = Command.liquidateWithDeleveraging(account: account, market: market, keeper: keeper, shares: shares)
        guard case .success(let planned) = try links[home].plannedEvents(of: step, at: time),
            let price = Self.accountPrice(planned)
        else { return try one(step, to: home, at: time) }  // refused: journaled where one engine would refuse it
        return try deleverage(step, home: home, shares: shares, need: need, price: price, at: time)
    }

    /// The venue's order: each shard's first `maximum` candidates, merged by score then account
    /// id, allocated as one engine allocates its own ranked list.
    func allocate(_ need: VenueDeleveragingNeed) throws(VenueFailure) -> [DeleveragingShare] {
        var candidates: [ScoredCandidate] = []
        for link in links { candidates += try link.deleveragingCandidates(for: need) }
        let ranked = candidates.sorted(by: ScoredCandidate.precedes).prefix(need.maximum)
        let allocation = AutoDeleveraging.allocate(
            quantity: need.quantity, ranked: ranked.map { .init(account: $0.account, size: $0.size) },
            limit: need.maximum)
        return allocation.fills.map { DeleveragingShare(account: $0.0, size: $0.1) }
    }

    /// Reserve every remote share, check every commit, run the step, commit; a refusal before
    /// the step releases what was reserved.
    private mutating func deleverage(
        _ step: Command, home: Int, shares: [DeleveragingShare], need: VenueDeleveragingNeed, price: Price,
        at time: Timestamp
    ) throws(VenueFailure) -> Outcomes {
        var reserved: [(shard: Int, id: UInt64)] = []
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        func release(_ venue: inout VenueCoordinator) throws(VenueFailure) {
            for (shard, id) in reserved {
                outcomes.append((shard, try venue.send(.releaseDeleveraging(reservation: id), to: shard, at: time)))
            }
        }
        let remote = shares.filter { map.shard(of: $0.account) != home }
        let ids = remote.indices.map { nextReservation + UInt64($0) }
        nextReservation += UInt64(remote.count)
        // Logged with the first reservation: a restarted coordinator commits what is still
        // reserved if the step applied, and releases it if not.
        var intent =
            remote.isEmpty
            ? nil
            : VenueIntent.deleveraging(
                home: home, stepSequence: try nextSequence(of: home), reservations: ids, price: price)
        for (share, id) in zip(remote, ids) {
            let shard = map.shard(of: share.account)
            let reservation = DeleveragingReservation(
                id: id, account: share.account, market: need.market, long: need.long, size: share.size)
            let outcome = try send(.reserveDeleveraging(reservation), to: shard, at: time, intent: intent)
            intent = nil
            outcomes.append((shard, outcome))
            guard outcome.rejection == nil else {
                try release(&self)
                return Outcomes(outcomes: outcomes)
            }
            reserved.append((shard, id))
            if let refusal = try links[shard].refusal(
                of: .commitDeleveraging(reservation: id, price: price), at: time)
            {
                outcomes.append((shard, .rejected(refusal)))
                try release(&self)
                return Outcomes(outcomes: outcomes)
            }
        }
        let applied = try send(step, to: home, at: time)
        outcomes.append((home, applied))
        guard applied.rejection == nil, Self.accountPrice(applied.events) == price else {
            // Not as checked: a fault of the venue. Logged, so that no restart commits or
            // releases the reservations on a guess; the venue stops for good.
            let fault = "shard \(home) did not apply the checked step \(step) as planned: \(applied)"
            try? writeAheadLog?.append([], intent: .fault(fault))
            throw VenueFailure(fault)
        }
        for (shard, id) in reserved {
            let commit = try send(.commitDeleveraging(reservation: id, price: price), to: shard, at: time)
            guard commit.rejection == nil else {
                let fault = "shard \(shard) refused the checked commit of reservation \(id): \(commit)"
                try? writeAheadLog?.append([], intent: .fault(fault))
                throw VenueFailure(fault)
            }
            outcomes.append((shard, commit))
        }
        return Outcomes(outcomes: outcomes)
    }

    static func accountPrice(_ events: [Event]) -> Price? {
        events.lazy.compactMap { event -> Price? in
            if case .positionLiquidated(let applied) = event { return applied.accountPrice }
            return nil
        }.first
    }
}
