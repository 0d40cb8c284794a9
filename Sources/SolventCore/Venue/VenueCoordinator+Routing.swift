/// How the coordinator sends an input to one shard or to several: every input that reaches more
/// than one shard is checked on each before any receives it, so the shards apply it alike or
/// none does, with the refusal one engine would give.
extension ShardedVenue {
    @discardableResult
    mutating func send(_ command: Command, to shard: Int, at time: Timestamp) -> Outcome {
        let input = SequencedInput(
            sequence: shards[shard].lastSequence + 1, timestamp: max(time, shards[shard].now), commandID: nil,
            command: command)
        if recording { journals[shard].append(input) }
        return shards[shard].execute(input)
    }

    mutating func one(_ command: Command, to shard: Int, at time: Timestamp) -> Outcomes {
        Outcomes(outcomes: [(shard, send(command, to: shard, at: time))])
    }

    /// A refusal the coordinator gives itself (nothing is sent).
    func refused(_ rejection: Rejection, shard: Int) -> Outcomes { Outcomes(outcomes: [(shard, .rejected(rejection))]) }

    /// A market-wide input on every shard. The shards agree on markets and assets, so they agree
    /// on it, except where a shard's own accounts decide (a funding payment's running total, a
    /// schedule the accounts' leverage must fit): those are checked on every shard first and
    /// refused by all if any refuses. Prices are not (their refusals depend on the market alone,
    /// and a second plan of a price update over every account would double its cost).
    mutating func everyShard(_ command: Command, at time: Timestamp) throws(Diverged) -> Outcomes {
        switch command {
        case .setMarkPrice, .setIndexPrice, .updateOracle, .updateCollateralOracle:
            break
        default:
            for shard in shards.indices where shards[shard].rejection(of: command, at: time) != nil {
                // Journaled where it was refused, as one engine journals a refused input.
                return one(command, to: shard, at: time)
            }
        }
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for shard in shards.indices { outcomes.append((shard, send(command, to: shard, at: time))) }
        let refusals = Set(outcomes.map { $0.outcome.rejection?.code.rawValue ?? 0 })
        guard refusals.count == 1 else {
            throw Diverged(description: "shards disagree on \(command): \(outcomes.map(\.outcome.rejection))")
        }
        return Outcomes(outcomes: outcomes)
    }

    /// A trade on one shard, or novated into two trades with the books of two shards, refused in
    /// one engine's order: the market and the trade's shape, the buyer's and the seller's
    /// accounts, their reservations, then the buyer's and the seller's legs.
    mutating func trade(_ fill: Fill, at time: Timestamp) throws(Diverged) -> Outcomes {
        let buyerShard = map.shard(of: fill.buyer)
        let sellerShard = map.shard(of: fill.seller)
        if fill.buyer == .venue || fill.seller == .venue || buyerShard == sellerShard {
            return one(.applyFill(fill), to: fill.buyer == .venue ? sellerShard : buyerShard, at: time)
        }
        var buy = fill
        buy.seller = .venue
        var sell = fill
        sell.buyer = .venue
        let buyerCheck = shards[buyerShard].rejection(of: .applyFill(buy), at: time)
        // What one engine checks before the seller's account: the market, the shape, the buyer.
        if let rejection = buyerCheck, !Self.comesAfterAccounts(rejection) {
            return refused(rejection, shard: buyerShard)
        }
        if shards[sellerShard].account(fill.seller) == nil {
            return refused(
                Rejection(.unknownAccount, field: "seller", "no account with id \(fill.seller); open it first"),
                shard: sellerShard)
        }
        let sellerCheck = shards[sellerShard].rejection(of: .applyFill(sell), at: time)
        let ordered: [(Rejection?, Int)] =
            buyerCheck?.code == .positionReserved || sellerCheck?.code != .positionReserved
            ? [(buyerCheck, buyerShard), (sellerCheck, sellerShard)] : [(sellerCheck, sellerShard)]
        for case (let rejection?, let shard) in ordered { return refused(rejection, shard: shard) }
        let first = send(.applyFill(buy), to: buyerShard, at: time)
        let second = send(.applyFill(sell), to: sellerShard, at: time)
        guard first.rejection == nil, second.rejection == nil else {
            throw Diverged(description: "a checked trade was refused: \(first), \(second)")
        }
        return Outcomes(outcomes: [(buyerShard, first), (sellerShard, second)])
    }

    /// Whether one engine would report this refusal of the buyer's leg only after resolving both
    /// accounts: anything but the market, the trade's shape and the buyer's account.
    static func comesAfterAccounts(_ rejection: Rejection) -> Bool {
        let first: [Rejection.Code] = [
            .unknownMarket, .marketSettled, .nonPositiveQuantity, .nonPositivePrice, .offLotGrid, .offTickGrid,
            .selfTrade, .unknownAccount,
        ]
        return !first.contains(rejection.code)
    }

    /// A withdrawal on the account's shard; it waits, as on one engine, while any shard records a
    /// deficit in the asset (checked where one engine checks it: after the amount and account).
    mutating func withdraw(_ command: Command, account: AccountID, asset: AssetID, at time: Timestamp) -> Outcomes {
        let shard = map.shard(of: account)
        let own = shards[shard].rejection(of: command, at: time)
        let before: [Rejection.Code] = [
            .nonPositiveAmount, .reservedAccount, .unknownAccount, .unknownAsset, .deficitOpen,
        ]
        if let own, before.contains(own.code) { return one(command, to: shard, at: time) }
        if totals(of: asset).deficit < 0 {
            return refused(
                Rejection(
                    .deficitOpen, field: "asset",
                    "asset \(asset) has an open deficit on the venue: withdrawals wait until it is covered"),
                shard: shard)
        }
        return one(command, to: shard, at: time)
    }

    /// Money that closes deficits, shard by shard in shard order.
    mutating func coverDeficit(_ asset: AssetID, _ amount: Amount, at time: Timestamp) -> Outcomes {
        let open = -totals(of: asset).deficit
        guard amount.atoms > 0, amount.atoms <= open else {
            // The holder refuses it as one engine would (not positive, or more than is open).
            return one(.coverDeficit(asset: asset, amount: amount), to: batonHolder, at: time)
        }
        var left = amount.atoms
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for shard in shards.indices where left > 0 {
            let deficit = -(shards[shard].asset(asset)?.deficit ?? 0)
            guard deficit > 0 else { continue }
            let part = min(left, deficit)
            outcomes.append(
                (shard, send(.coverDeficit(asset: asset, amount: Amount(atoms: part)), to: shard, at: time)))
            left -= part
        }
        return Outcomes(outcomes: outcomes)
    }

    /// Time-driven work on every shard; each takes the baton first, so a dated future's final
    /// settlement draws on the venue's fund wherever its accounts are.
    mutating func tick(at time: Timestamp) throws(Diverged) -> Outcomes {
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for shard in shards.indices {
            try moveBaton(to: shard, at: time)
            outcomes.append((shard, send(.tick, to: shard, at: time)))
        }
        return Outcomes(outcomes: outcomes)
    }
}
