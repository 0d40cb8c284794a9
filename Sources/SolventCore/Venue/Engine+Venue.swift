/// A venue shard's own inputs: joining the venue, the liquidation baton passing between shards,
/// and the reservations of cross-shard auto-deleveraging (`VenueShard`). Plans and applies side
/// by side.
extension Engine {
    func planVenue(_ command: Command) -> Result<[Event], Rejection> {
        Result { () throws(Rejection) -> [Event] in
            switch command {
            case .joinVenue(let shard, let shards):
                return try planJoinVenue(shard: shard, shards: shards)
            case .handOverLiquidation:
                _ = try shardState()
                try refuseUnlessHoldingLiquidation(field: "command")
                return [.liquidationHandedOver(venueLiquidationBaton)]
            case .takeOverLiquidation(let state):
                return try planTakeOver(state)
            case .reserveDeleveraging(let reservation):
                return try planReserve(reservation)
            case .commitDeleveraging(let id, let price):
                return try planCommit(id, price: price)
            case .releaseDeleveraging(let id):
                let venue = try shardState()
                guard venue.reservation(id) != nil else { throw Self.unknownReservation(id) }
                return [.deleveragingReleased(reservation: id)]
            default:
                preconditionFailure("not a venue command: \(command)")
            }
        }
    }

    private func planJoinVenue(shard: UInt32, shards: UInt32) throws(Rejection) -> [Event] {
        guard venue == nil, assets.isEmpty, markets.isEmpty, accounts.count == 1 else {
            throw Rejection(
                .invalidParameter, field: "command",
                "an engine joins a venue only as its first command, before any asset, market or account")
        }
        guard shards >= 1, shards <= Limits.venueShards, shard < shards else {
            throw Rejection(
                .invalidParameter, field: "shard",
                "expected 1 to \(Limits.venueShards) shards and a shard number below their count")
        }
        return [.venueJoined(VenueShard(shard: shard, shards: shards))]
    }

    private func planTakeOver(_ state: VenueLiquidationState) throws(Rejection) -> [Event] {
        let venue = try shardState()
        guard !venue.holdsLiquidation else {
            throw Rejection(.invalidParameter, field: "command", "this shard already holds the liquidation baton")
        }
        guard state.funds.map(\.asset) == assets.map(\.spec.id), state.markets.map(\.market) == markets.map(\.spec.id)
        else {
            throw Rejection(
                .invalidParameter, field: "state",
                "the baton names every asset and market of the venue, in creation order, as the shard holds them")
        }
        for (index, fund) in state.funds.enumerated() {
            guard fund.balance >= 0, FixedPoint.add(assets[index].insuranceFund, fund.balance) != nil,
                FixedPoint.subtract(assets[index].outside, fund.balance) != nil
            else {
                throw Rejection(.invalidParameter, field: "state.funds", "expected balances within 64-bit fixed point")
            }
        }
        for (index, window) in state.markets.enumerated()
        where window.fundDrawnInWindow < 0 || window.fundDrawnTotal < 0
            || (window.limiter != nil && markets[index].oracle == nil)
        {
            throw Rejection(
                .invalidParameter, field: "state.markets",
                "market \(window.market): expected non-negative draws and a limiter only where the market has an oracle"
            )
        }
        return [.liquidationTakenOver(state)]
    }

    private func planReserve(_ reservation: DeleveragingReservation) throws(Rejection) -> [Event] {
        let venue = try shardState()
        guard venue.reservation(reservation.id) == nil else {
            throw Rejection(.invalidParameter, field: "reservation.id", "reservation \(reservation.id) is open")
        }
        let (accountIndex, marketIndex) = try accountAndMarket(reservation.account, reservation.market).get()
        guard reservation.account != .venue else {
            throw Rejection(.reservedAccount, field: "reservation.account", "the venue's book is not deleveraged")
        }
        try refuseIfReserved(reservation.account, market: reservation.market, field: "reservation.account")
        let holder = accounts[Int(accountIndex)]
        let size = holder.positionSlot(marketIndex: marketIndex).map { holder.positions[$0].size } ?? 0
        let held = reservation.long ? size : -size
        guard reservation.size > 0, held >= reservation.size else {
            throw Rejection(
                .venueDeleveraging, field: "reservation.size",
                "account \(reservation.account) holds \(held) contracts atoms on that side of market "
                    + "\(reservation.market), expected at least \(reservation.size) (the rank is stale)"
            )
        }
        return [.deleveragingReserved(reservation)]
    }

    private func planCommit(_ id: UInt64, price: Price) throws(Rejection) -> [Event] {
        let venue = try shardState()
        guard let slot = venue.reservation(id) else { throw Self.unknownReservation(id) }
        let reservation = venue.reservations[slot]
        guard price.atoms > 0 else { throw Rejection(.nonPositivePrice, field: "price", "expected a positive price") }
        let (accountIndex, marketIndex) = try accountAndMarket(reservation.account, reservation.market).get()
        // The reservation kept trades from changing the position; a final settlement could not
        // wait for it, so the share is checked again.
        let holder = accounts[Int(accountIndex)]
        let size = holder.positionSlot(marketIndex: marketIndex).map { holder.positions[$0].size } ?? 0
        guard (reservation.long ? size : -size) >= reservation.size else {
            throw Rejection(
                .venueDeleveraging, field: "reservation",
                "account \(reservation.account) no longer holds the reserved share in market \(reservation.market)")
        }
        let quantity = reservation.long ? -reservation.size : reservation.size
        let account = try planLeg(
            accountIndex: accountIndex, marketIndex: marketIndex, quantity: quantity, price: price.atoms,
            feeRate: .zero, field: "reservation"
        ).get()
        let book = try planLeg(
            accountIndex: 0, marketIndex: marketIndex, quantity: -quantity, price: price.atoms, feeRate: .zero,
            field: "venue"
        ).get()
        guard let dust = FixedPoint.narrow(-(Int128(account.cashDelta) + Int128(book.cashDelta))), dust >= 0 else {
            throw Rejection(.notionalOverflow, field: "price", "the share's value exceeds 64-bit fixed point")
        }
        return [
            .deleveragingCommitted(
                DeleveragingCommit(
                    reservation: id, market: reservation.market, price: price, account: account.leg, venue: book.leg,
                    dust: dust))
        ]
    }

    mutating func applyVenue(_ event: Event) {
        switch event {
        case .venueJoined(let state):
            venue = state
        case .liquidationHandedOver(let baton):
            for (index, fund) in baton.funds.enumerated() {
                assets[index].insuranceFund -= fund.balance
                assets[index].outside += fund.balance
            }
            venue!.holdsLiquidation = false
        case .liquidationTakenOver(let baton):
            for (index, fund) in baton.funds.enumerated() {
                assets[index].insuranceFund += fund.balance
                assets[index].outside -= fund.balance
            }
            for (index, window) in baton.markets.enumerated() {
                markets[index].fundDrawnInWindow = window.fundDrawnInWindow
                markets[index].fundDrawWindowStart = window.fundDrawWindowStart
                markets[index].fundDrawnTotal = window.fundDrawnTotal
                if let limiter = window.limiter { markets[index].oracle!.limiter = limiter }
            }
            venue!.holdsLiquidation = true
        case .deleveragingReserved(let reservation):
            venue!.reservations.append(reservation)
        case .deleveragingReleased(let id):
            venue!.reservations.remove(at: venue!.reservation(id)!)
        case .deleveragingCommitted(let commit):
            let marketIndex = marketIndexByID[commit.market]!
            let settle = markets[Int(marketIndex)].settleAssetIndex
            let indices = [Int(accountIndexByID[commit.account.account]!), 0]
            let before = indices.reduce(Int64(0)) { $0 &+ cash(accountIndex: $1, assetIndex: settle) }
            applyLeg(commit.account, accountIndex: indices[0], marketIndex: marketIndex)
            applyLeg(commit.venue, accountIndex: 0, marketIndex: marketIndex)
            let after = indices.reduce(Int64(0)) { $0 &+ cash(accountIndex: $1, assetIndex: settle) }
            assets[Int(settle)].dust &+= commit.dust
            precondition(after &- before &+ commit.dust == 0, "a deleveraging commit must conserve money")
            venue!.reservations.remove(at: venue!.reservation(commit.reservation)!)
        default:
            preconditionFailure("not a venue event: \(event)")
        }
    }

    /// What the baton carries from this shard: every fund, and every market's draw window and
    /// liquidation-rate limiter.
    public var venueLiquidationBaton: VenueLiquidationState {
        VenueLiquidationState(
            funds: assets.map { .init(asset: $0.spec.id, balance: $0.insuranceFund) },
            markets: markets.map {
                .init(
                    market: $0.spec.id, fundDrawnInWindow: $0.fundDrawnInWindow,
                    fundDrawWindowStart: $0.fundDrawWindowStart, fundDrawnTotal: $0.fundDrawnTotal,
                    limiter: $0.oracle?.limiter)
            })
    }

    private func shardState() throws(Rejection) -> VenueShard {
        guard let venue else {
            throw Rejection(.notInVenue, field: "command", "this engine is not a venue's shard (joinVenue)")
        }
        return venue
    }

    static func unknownReservation(_ id: UInt64) -> Rejection {
        Rejection(.unknownReservation, field: "reservation", "no open reservation \(id)")
    }

    func refuseUnlessHoldingLiquidation(field: String) throws(Rejection) {
        guard let venue, !venue.holdsLiquidation else { return }
        throw Rejection(
            .liquidationElsewhere, field: field,
            "shard \(venue.shard) does not hold the venue's liquidation baton: the coordinator hands it over first")
    }

    /// Refuses a change to a position held by an open reservation (cheap when there is none).
    func refuseIfReserved(_ account: AccountID, market: MarketID, field: String) throws(Rejection) {
        guard let venue, !venue.reservations.isEmpty, venue.reserves(account, market: market) else { return }
        throw Rejection(
            .positionReserved, field: field,
            "account \(account)'s position in market \(market) is held for a deleveraging step across the venue")
    }

    /// What a sharded venue does not run: mechanisms whose takers (bidders, backstop providers)
    /// and loss allocations (socialized shares) would reach accounts on other shards.
    static func venueRefusal(_ parameters: LiquidationParameters) -> Rejection? {
        switch parameters.mechanism {
        case .auction, .backstop:
            return Rejection(
                .notInVenue, field: "liquidation.mechanism",
                "a sharded venue liquidates through the order book "
                    + "(auctions and backstops take from accounts on other shards)"
            )
        case .orderBook: break
        }
        if case .socialized = parameters.lossAllocation {
            return Rejection(
                .notInVenue, field: "liquidation.lossAllocation",
                "a sharded venue allocates losses by auto-deleveraging or to the venue")
        }
        return nil
    }
}
