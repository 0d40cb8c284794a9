import Crypto

/// A venue whose accounts are spread across several engines (shards), coordinated in one
/// process: what a gateway does for a deployment of shard processes, on engines in memory. It
/// routes each command to the shard of its account, sends every market-wide input (assets,
/// markets, prices, oracle samples, funding, configuration) to every shard in the same order,
/// novates a trade between accounts on two shards into two trades with each shard's book (both
/// checked before either is sent), and runs each liquidation step across the venue: the
/// liquidation baton moves to the step's shard, and auto-deleveraging reserves, steps and
/// commits (`VenueShard`). Each shard's inputs are its journal; the venue's digest is the hash
/// of the shards' digests in shard order.
public struct ShardedVenue: Sendable {
    public private(set) var shards: [Engine]
    public let map: ShardMap
    /// Each shard's inputs so far, in order (a replay of the venue executes them again).
    public private(set) var journals: [[SequencedInput]]
    /// The shard that holds the liquidation baton.
    public private(set) var batonHolder = 0
    private var nextReservation: UInt64 = 1
    private let recording: Bool

    /// A venue of `shards` engines, each joined as its first input at `start`.
    /// - Parameter recording: keep every shard's inputs in `journals` (for a replay).
    public init(shards count: Int, start: Timestamp = Timestamp(nanoseconds: 0), recording: Bool = true) {
        map = ShardMap(shards: count)
        shards = Array(repeating: Engine(), count: count)
        journals = Array(repeating: [], count: count)
        self.recording = recording
        for shard in 0..<count {
            let outcome = send(.joinVenue(shard: UInt32(shard), shards: UInt32(count)), to: shard, at: start)
            precondition(outcome.rejection == nil, "a fresh engine joins a venue")
        }
    }

    /// What one venue command did on each shard it reached, in the order it reached them.
    public struct Outcomes: Sendable {
        public var outcomes: [(shard: Int, outcome: Outcome)]
        /// The first rejection, if any shard refused (then the venue changed nothing else).
        public var rejection: Rejection? { outcomes.lazy.compactMap(\.outcome.rejection).first }
        public var events: [Event] { outcomes.flatMap(\.outcome.events) }
    }

    /// A failure of the venue itself (never a user's error): shards that disagree on an input
    /// every shard receives, or a step's second phase refused after its first succeeded.
    public struct Diverged: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    // MARK: Commands

    /// Executes one venue command at `time`.
    public mutating func execute(_ command: Command, at time: Timestamp) throws(Diverged) -> Outcomes {
        switch command {
        case .openAccount(let account), .deposit(let account, _, _), .setLeverage(let account, _, _, _),
            .adjustIsolatedMargin(let account, _, _), .importPosition(let account, _, _, _, _),
            .setMarginModel(let account, _), .registerBackstop(let account, _, _):
            return one(command, to: map.shard(of: account), at: time)
        case .withdraw(let account, let asset, _):
            if let rejection = openDeficit(asset) {
                return Outcomes(outcomes: [(map.shard(of: account), .rejected(rejection))])
            }
            return one(command, to: map.shard(of: account), at: time)
        case .applyFill(let fill):
            return try trade(fill, at: time)
        case .liquidate(let account, let market, let keeper):
            return try liquidate(account, market: market, keeper: keeper, at: time)
        case .fundInsurance:
            return one(command, to: batonHolder, at: time)
        case .coverDeficit(let asset, let amount):
            return coverDeficit(asset, amount, at: time)
        case .tick:
            return try tick(at: time)
        case .bidAuction, .resetAuction:
            return Outcomes(outcomes: [
                (0, .rejected(Rejection(.notInVenue, field: "command", "a sharded venue runs no auctions")))
            ])
        case .recordCommitment, .joinVenue, .handOverLiquidation, .takeOverLiquidation, .reserveDeleveraging,
            .commitDeleveraging, .releaseDeleveraging, .liquidateWithDeleveraging:
            return Outcomes(outcomes: [
                (0, .rejected(Rejection(.notInVenue, field: "command", "the venue's coordinator sends this itself")))
            ])
        case .createAsset, .createMarket, .setRiskParameters, .setIndexPrice, .setMarkPrice, .settleFunding,
            .configureOracle, .updateOracle, .configureCollateralOracle, .updateCollateralOracle,
            .configureLiquidation, .setVolatilitySmile, .configurePortfolioMargin, .configureVaRMargin,
            .configureSpanMargin, .configureGreeksMargin, .configureSpreadCredits:
            return try everyShard(command, at: time)
        }
    }

    /// Pools in margin call or in liquidation across the venue, sorted by pool key (the order
    /// one engine lists them in).
    public var alerts: [(pool: PoolKey, alert: MarginAlert)] {
        shards.flatMap(\.alerts).sorted { $0.pool < $1.pool }
    }

    public func account(_ id: AccountID) -> Account? { shards[map.shard(of: id)].account(id) }

    /// An asset's insurance fund, deficit and dust summed over the shards.
    public func totals(of asset: AssetID) -> (fund: Int64, deficit: Int64, dust: Int64) {
        shards.reduce((0, 0, 0)) { sum, shard in
            guard let state = shard.asset(asset) else { return sum }
            return (sum.0 + state.insuranceFund, sum.1 + state.deficit, sum.2 + state.dust)
        }
    }

    /// The venue's digest: SHA-256 of the shards' digests in shard order.
    public func digestHex() -> String { VenueDigest.hex(shards.map { $0.digest() }) }

    /// The venue rebuilt from its shards' journals (each replayed on a fresh engine).
    public static func replay(_ journals: [[SequencedInput]]) -> [Engine] {
        journals.map { journal in
            var engine = Engine()
            for input in journal { _ = engine.execute(input) }
            return engine
        }
    }

    // MARK: Routing

    @discardableResult
    mutating func send(_ command: Command, to shard: Int, at time: Timestamp) -> Outcome {
        let input = SequencedInput(
            sequence: shards[shard].lastSequence + 1, timestamp: max(time, shards[shard].now), commandID: nil,
            command: command)
        if recording { journals[shard].append(input) }
        return shards[shard].execute(input)
    }

    private mutating func one(_ command: Command, to shard: Int, at time: Timestamp) -> Outcomes {
        Outcomes(outcomes: [(shard, send(command, to: shard, at: time))])
    }

    /// A market-wide input on every shard; their states agree on markets and assets, so they
    /// must agree on whether it is applied.
    private mutating func everyShard(_ command: Command, at time: Timestamp) throws(Diverged) -> Outcomes {
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for shard in shards.indices { outcomes.append((shard, send(command, to: shard, at: time))) }
        let refused = outcomes.map { $0.outcome.rejection?.code }
        guard Set(refused.map { $0?.rawValue ?? 0 }).count == 1 else {
            throw Diverged(description: "shards disagree on \(command): \(refused)")
        }
        return Outcomes(outcomes: outcomes)
    }

    /// A trade on one shard, or novated into two trades with the books of two shards.
    private mutating func trade(_ fill: Fill, at time: Timestamp) throws(Diverged) -> Outcomes {
        let buyerShard = map.shard(of: fill.buyer)
        let sellerShard = map.shard(of: fill.seller)
        if fill.buyer == .venue || fill.seller == .venue || buyerShard == sellerShard {
            return one(.applyFill(fill), to: fill.buyer == .venue ? sellerShard : buyerShard, at: time)
        }
        var buy = fill
        buy.seller = .venue
        var sell = fill
        sell.buyer = .venue
        for (leg, shard) in [(buy, buyerShard), (sell, sellerShard)] {
            if let rejection = shards[shard].rejection(of: .applyFill(leg), at: time) {
                // Both sides or neither: the named side's refusal, nothing sent.
                var named = rejection
                if named.field == "seller" || named.field == "buyer" {
                    named.field = shard == buyerShard ? "buyer" : "seller"
                }
                return Outcomes(outcomes: [(shard, .rejected(named))])
            }
        }
        let first = send(.applyFill(buy), to: buyerShard, at: time)
        let second = send(.applyFill(sell), to: sellerShard, at: time)
        guard first.rejection == nil, second.rejection == nil else {
            throw Diverged(description: "a checked trade was refused: \(first), \(second)")
        }
        return Outcomes(outcomes: [(buyerShard, first), (sellerShard, second)])
    }

    /// Withdrawals of an asset wait while any shard records a deficit in it (as on one engine).
    private func openDeficit(_ asset: AssetID) -> Rejection? {
        guard totals(of: asset).deficit < 0 else { return nil }
        return Rejection(
            .deficitOpen, field: "asset",
            "asset \(asset) has an open deficit on the venue: withdrawals wait until it is covered")
    }

    /// Money that closes deficits, shard by shard in shard order.
    private mutating func coverDeficit(_ asset: AssetID, _ amount: Amount, at time: Timestamp) -> Outcomes {
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
    private mutating func tick(at time: Timestamp) throws(Diverged) -> Outcomes {
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for shard in shards.indices {
            try moveBaton(to: shard, at: time)
            outcomes.append((shard, send(.tick, to: shard, at: time)))
        }
        return Outcomes(outcomes: outcomes)
    }

    // MARK: Liquidation across shards

    /// Hands the liquidation baton to `shard` (two inputs: out of the holder, into `shard`).
    mutating func moveBaton(to shard: Int, at time: Timestamp) throws(Diverged) {
        guard shard != batonHolder else { return }
        let out = send(.handOverLiquidation, to: batonHolder, at: time)
        guard case .applied(let events) = out, case .liquidationHandedOver(let baton)? = events.first else {
            throw Diverged(description: "shard \(batonHolder) did not hand over the baton: \(out)")
        }
        let taken = send(.takeOverLiquidation(baton), to: shard, at: time)
        guard taken.rejection == nil else { throw Diverged(description: "shard \(shard) refused the baton: \(taken)") }
        batonHolder = shard
    }

    /// One liquidation step of `account`'s position in `market`: on its shard, with the baton,
    /// and with auto-deleveraging allocated across the venue when the step needs it.
    private mutating func liquidate(
        _ account: AccountID, market: MarketID, keeper: AccountID?, at time: Timestamp
    ) throws(Diverged) -> Outcomes {
        let home = map.shard(of: account)
        if let keeper, keeper != account, map.shard(of: keeper) != home {
            return Outcomes(outcomes: [
                (
                    home,
                    .rejected(
                        Rejection(
                            .notInVenue, field: "keeper",
                            "keeper \(keeper) is on shard \(map.shard(of: keeper)), account \(account) on shard "
                                + "\(home): a keeper is paid on the liquidated account's shard"
                        ))
                )
            ])
        }
        try moveBaton(to: home, at: time)
        guard
            case .success(let need?) = shards[home].venueDeleveragingNeed(
                account: account, market: market, keeper: keeper)
        else {
            // Nothing to allocate, or a rejection the step itself will report.
            return one(.liquidate(account: account, market: market, keeper: keeper), to: home, at: time)
        }
        // The venue's order: each shard's first `maximum`, merged; then the engine's allocation.
        let ranked = shards.flatMap { $0.deleveragingCandidates(for: need) }.sorted(by: ScoredCandidate.precedes)
            .prefix(need.maximum)
        let allocation = AutoDeleveraging.allocate(
            quantity: need.quantity, ranked: ranked.map { .init(account: $0.account, size: $0.size) },
            limit: need.maximum)
        let shares = allocation.fills.map { DeleveragingShare(account: $0.0, size: $0.1) }
        // Phase one: reserve every share held on another shard.
        var reserved: [(shard: Int, id: UInt64)] = []
        var outcomes: [(shard: Int, outcome: Outcome)] = []
        for share in shares where map.shard(of: share.account) != home {
            let shard = map.shard(of: share.account)
            let id = nextReservation
            nextReservation += 1
            let outcome = send(
                .reserveDeleveraging(
                    DeleveragingReservation(
                        id: id, account: share.account, market: market, long: need.long, size: share.size)),
                to: shard, at: time)
            outcomes.append((shard, outcome))
            guard outcome.rejection == nil else {
                for (shard, id) in reserved {
                    outcomes.append((shard, send(.releaseDeleveraging(reservation: id), to: shard, at: time)))
                }
                return Outcomes(outcomes: outcomes)
            }
            reserved.append((shard, id))
        }
        // The step, then phase two: commit each reservation at the step's account price.
        let step = send(
            .liquidateWithDeleveraging(account: account, market: market, keeper: keeper, shares: shares), to: home,
            at: time)
        outcomes.append((home, step))
        guard case .applied(let events) = step,
            let price = events.lazy.compactMap({ event -> Price? in
                if case .positionLiquidated(let applied) = event { return applied.accountPrice }
                return nil
            }).first
        else {
            for (shard, id) in reserved {
                outcomes.append((shard, send(.releaseDeleveraging(reservation: id), to: shard, at: time)))
            }
            return Outcomes(outcomes: outcomes)
        }
        for (shard, id) in reserved {
            let commit = send(.commitDeleveraging(reservation: id, price: price), to: shard, at: time)
            guard commit.rejection == nil else {
                throw Diverged(description: "shard \(shard) refused the commit of reservation \(id): \(commit)")
            }
            outcomes.append((shard, commit))
        }
        return Outcomes(outcomes: outcomes)
    }
}

/// The digest of a venue: SHA-256 over its shards' digests in shard order.
public enum VenueDigest {
    public static func hex(_ shardDigests: [[UInt8]]) -> String {
        var bytes: [UInt8] = []
        for digest in shardDigests { bytes += digest }
        return Array(SHA256.hash(data: bytes)).hexString
    }
}
