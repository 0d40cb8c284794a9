/// How the coordinator sends an input to one shard or to several: every input that reaches more
/// than one shard is checked on each before any receives it, so the shards apply it alike or
/// none does, with the refusal one engine would give.
extension VenueCoordinator {
    @discardableResult
    mutating func send(
        _ command: Command, to shard: Int, at time: Timestamp, intent: VenueIntent? = nil
    ) throws(VenueFailure) -> Outcome {
        if let writeAheadLog {
            try writeAheadLog.append(
                [VenueSentInput(shard: shard, sequence: try nextSequence(of: shard), time: time, command: command)],
                intent: intent)
        }
        return try links[shard].execute(command, at: time)
    }

    /// Each shard's commands in order, `batches[k]` to shard k, the shards' batches at once
    /// (logged first, in one write).
    mutating func send(batches: [[Command]], at time: Timestamp) throws(VenueFailure) -> [[Outcome]] {
        if let writeAheadLog {
            var inputs: [VenueSentInput] = []
            for (shard, batch) in batches.enumerated() where !batch.isEmpty {
                let first = try nextSequence(of: shard)
                for (offset, command) in batch.enumerated() {
                    inputs.append(
                        VenueSentInput(shard: shard, sequence: first + UInt64(offset), time: time, command: command))
                }
            }
            try writeAheadLog.append(inputs, intent: nil)
        }
        let outcomes = try Shard.execute(batches: batches, on: &links, at: time)
        guard outcomes.indices == batches.indices, zip(outcomes, batches).allSatisfy({ $0.count == $1.count }) else {
            throw VenueFailure("a shard answered a batch with another number of outcomes")
        }
        return outcomes
    }

    /// The sequence `shard` gives its next input (the coordinator is its only writer).
    func nextSequence(of shard: Int) throws(VenueFailure) -> UInt64 {
        guard let last = links[shard].lastSequence else {
            throw VenueFailure("shard \(shard)'s last sequence is not known: nothing can be logged ahead of it")
        }
        return last + 1
    }

    mutating func one(_ command: Command, to shard: Int, at time: Timestamp) throws(VenueFailure) -> Outcomes {
        Outcomes(outcomes: [(shard, try send(command, to: shard, at: time))])
    }

    /// A refusal the coordinator gives itself (nothing is sent).
    func refused(_ rejection: Rejection, shard: Int) -> Outcomes { Outcomes(outcomes: [(shard, .rejected(rejection))]) }

    /// A market-wide input on every shard. The shards agree on markets and assets, so they agree
    /// on it, except where a shard's own accounts decide (a funding payment's running total, a
    /// schedule the accounts' leverage must fit): those are checked on every shard first and
    /// refused by all if any refuses. Prices are not (their refusals depend on the market alone,
    /// and a second plan of a price update over every account would double its cost).
    mutating func everyShard(_ command: Command, at time: Timestamp) throws(VenueFailure) -> Outcomes {
        switch command {
        case .setMarkPrice, .setIndexPrice, .updateOracle, .updateCollateralOracle:
            break
        default:
            for shard in links.indices where try links[shard].refusal(of: command, at: time) != nil {
                // Journaled where it was refused, as one engine journals a refused input.
                return try one(command, to: shard, at: time)
            }
        }
        let sent = try send(batches: Array(repeating: [command], count: links.count), at: time)
        let outcomes = sent.enumerated().map { (shard: $0, outcome: $1[0]) }
        let refusals = Set(outcomes.map { $0.outcome.rejection?.code.rawValue ?? 0 })
        guard refusals.count == 1 else {
            throw VenueFailure("shards disagree on \(command): \(outcomes.map(\.outcome.rejection))")
        }
        return Outcomes(outcomes: outcomes)
    }

    /// A trade on one shard, or novated into two trades with the books of two shards, refused in
    /// one engine's order: the market and the trade's shape, the buyer's and the seller's
    /// accounts, their reservations, then the buyer's and the seller's legs.
    mutating func trade(_ fill: Fill, at time: Timestamp) throws(VenueFailure) -> Outcomes {
        let buyerShard = map.shard(of: fill.buyer)
        let sellerShard = map.shard(of: fill.seller)
        if fill.buyer == .venue || fill.seller == .venue || buyerShard == sellerShard {
            return try one(.applyFill(fill), to: fill.buyer == .venue ? sellerShard : buyerShard, at: time)
        }
        var buy = fill
        buy.seller = .venue
        var sell = fill
        sell.buyer = .venue
        // Both legs planned at once (a plan changes nothing, so asking the seller's shard first
        // changes no answer).
        let checks = try Shard.plan(
            [(buyerShard, .applyFill(buy)), (sellerShard, .applyFill(sell))], on: links, at: time
        ).map(\.rejection)
        let (buyerCheck, sellerCheck) = (checks[0], checks[1])
        // What one engine checks before the seller's account: the market, the shape, the buyer.
        if let rejection = buyerCheck, !Self.comesAfterAccounts(rejection) {
            return refused(rejection, shard: buyerShard)
        }
        // The seller's leg resolves the seller's account before anything of its own (its buyer is
        // the book, and the market and shape are the buyer's leg's): a missing seller is refused
        // there exactly as one engine refuses it.
        if let sellerCheck, sellerCheck.code == .unknownAccount, sellerCheck.field == "seller" {
            return refused(sellerCheck, shard: sellerShard)
        }
        let ordered: [(Rejection?, Int)] =
            buyerCheck?.code == .positionReserved || sellerCheck?.code != .positionReserved
            ? [(buyerCheck, buyerShard), (sellerCheck, sellerShard)] : [(sellerCheck, sellerShard)]
        for case (let rejection?, let shard) in ordered { return refused(rejection, shard: shard) }
        var legs = Array(repeating: [Command](), count: links.count)
        legs[buyerShard] = [.applyFill(buy)]
        legs[sellerShard] = [.applyFill(sell)]
        let sent = try send(batches: legs, at: time)
        guard let first = sent[buyerShard].first, let second = sent[sellerShard].first,
            first.rejection == nil, second.rejection == nil
        else {
            throw VenueFailure("a checked trade was refused: \(sent[buyerShard]), \(sent[sellerShard])")
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
    mutating func withdraw(
        _ command: Command, account: AccountID, asset: AssetID, at time: Timestamp
    ) throws(VenueFailure) -> Outcomes {
        let shard = map.shard(of: account)
        let own = try links[shard].refusal(of: command, at: time)
        let before: [Rejection.Code] = [
            .nonPositiveAmount, .reservedAccount, .unknownAccount, .unknownAsset, .deficitOpen,
        ]
        if let own, before.contains(own.code) { return try one(command, to: shard, at: time) }
        if try deficits(of: asset).contains(where: { $0 < 0 }) {
            return refused(
                Rejection(
                    .deficitOpen, field: "asset",
                    "asset \(asset) has an open deficit on the venue: withdrawals wait until it is covered"),
                shard: shard)
        }
        return try one(command, to: shard, at: time)
    }

    /// Each shard's deficit in `asset`, in shard order.
    func deficits(of asset: AssetID) throws(VenueFailure) -> [Int64] {
        var deficits: [Int64] = []
        for link in links { deficits.append(try link.deficit(of: asset)) }
        return deficits
    }

    /// Money that closes deficits, shard by shard in shard order.
    mutating func coverDeficit(_ asset: AssetID, _ amount: Amount, at time: Timestamp) throws(VenueFailure) -> Outcomes
    {
        let deficits = try deficits(of: asset)
        // Each shard's deficit is at least -Int64.max, so their sum fits in 128 bits.
        let open = deficits.reduce(Int128(0)) { $0 - Int128($1) }
        guard amount.atoms > 0, Int128(amount.atoms) <= open else {
            // The holder refuses it as one engine would (not positive, or more than is open).
            return try one(.coverDeficit(asset: asset, amount: amount), to: batonHolder, at: time)
        }
        var left = amount.atoms
        var parts = Array(repeating: [Command](), count: links.count)
        for shard in links.indices where left > 0 {
            let deficit = -deficits[shard]
            guard deficit > 0 else { continue }
            let part = min(left, deficit)
            parts[shard] = [.coverDeficit(asset: asset, amount: Amount(atoms: part))]
            left -= part
        }
        // One send (logged at once): a restarted coordinator covers every part or none.
        let sent = try send(batches: parts, at: time)
        return Outcomes(outcomes: links.indices.compactMap { shard in sent[shard].first.map { (shard, $0) } })
    }

    /// Time-driven work on every shard; each takes the baton first, so a dated future's final
    /// settlement draws on the venue's fund wherever its accounts are.
    mutating func tick(at time: Timestamp) throws(VenueFailure) -> Outcomes {
        try writeAheadLog?.append([], intent: .tick(time: time))
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for shard in links.indices {
            try moveBaton(to: shard, at: time)
            outcomes.append((shard, try send(.tick, to: shard, at: time)))
        }
        return Outcomes(outcomes: outcomes)
    }
}
