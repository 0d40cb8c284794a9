import Crypto

/// A venue whose accounts are spread across several engines (shards): what a gateway does for
/// a deployment of shard processes, and, on engines in memory, `ShardedVenue`. It routes each
/// command to the shard of its account, sends every market-wide input (assets, markets, prices,
/// oracle samples, funding, configuration) to every shard in the same order, novates a trade
/// between accounts on two shards into two trades with each shard's book (both checked before
/// either is sent), and runs each liquidation step across the venue: the liquidation baton moves
/// to the step's shard, and auto-deleveraging reserves, steps and commits (`VenueShard`).
public struct VenueCoordinator<Shard: VenueShardLink> {
    public internal(set) var links: [Shard]
    public let map: ShardMap
    /// The shard that holds the liquidation baton.
    public internal(set) var batonHolder: Int
    var nextReservation: UInt64
    var lastTime: Timestamp
    /// Where every input is written before it is sent (nil: nowhere; a coordinator whose shards
    /// outlive it needs one, `VenueWriteAheadLog`).
    public var writeAheadLog: (any VenueWriteAheadLog)?

    /// A coordinator over shards that have joined the venue (shard k is `links[k]`).
    /// - Parameters:
    ///   - links: the shards, in shard order.
    ///   - batonHolder: the shard that holds the liquidation baton.
    ///   - nextReservation: the first reservation id to use (above every reservation held).
    ///   - start: the time of the last input the shards received.
    public init(links: [Shard], batonHolder: Int, nextReservation: UInt64, start: Timestamp) {
        precondition(links.indices.contains(batonHolder), "the baton holder is one of the shards")
        self.links = links
        map = ShardMap(shards: links.count)
        self.batonHolder = batonHolder
        self.nextReservation = max(1, nextReservation)
        lastTime = start
    }

    public typealias Outcomes = VenueOutcomes

    // MARK: Commands

    /// Executes one venue command at `time`.
    /// - Precondition: `time` is not earlier than the previous command's (as for one engine).
    public mutating func execute(_ command: Command, at time: Timestamp) throws(VenueFailure) -> Outcomes {
        precondition(time >= lastTime, "time went back: \(time) < \(lastTime)")
        lastTime = time
        switch command {
        case .openAccount(let account), .deposit(let account, _, _), .setLeverage(let account, _, _, _),
            .adjustIsolatedMargin(let account, _, _), .importPosition(let account, _, _, _, _),
            .setMarginModel(let account, _), .registerBackstop(let account, _, _):
            return try one(command, to: map.shard(of: account), at: time)
        case .withdraw(let account, let asset, _):
            return try withdraw(command, account: account, asset: asset, at: time)
        case .applyFill(let fill):
            return try trade(fill, at: time)
        case .liquidate(let account, let market, let keeper):
            return try liquidate(account, market: market, keeper: keeper, at: time)
        case .fundInsurance:
            return try one(command, to: batonHolder, at: time)
        case .coverDeficit(let asset, let amount):
            return try coverDeficit(asset, amount, at: time)
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
}

extension VenueCoordinator {
    /// Executes `commands` in order at `time`, with what one account's shard alone decides sent
    /// as one batch per shard, the shards' batches at once: a run of such commands (an account's
    /// inputs but withdrawals, trades between accounts of one shard) has the outcomes it would
    /// have one by one, since each depends on its own shard's state only and keeps its order
    /// there. Anything else runs alone, in its place, as `execute(_:at:)` runs it.
    public mutating func execute(_ commands: [Command], at time: Timestamp) throws(VenueFailure) -> [Outcomes] {
        precondition(time >= lastTime, "time went back: \(time) < \(lastTime)")
        lastTime = time
        var results: [Outcomes] = []
        results.reserveCapacity(commands.count)
        var run: [(command: Command, shard: Int)] = []
        for command in commands {
            if let shard = singleShard(of: command) {
                run.append((command, shard))
                continue
            }
            results += try execute(run: run, at: time)
            run = []
            results.append(try execute(command, at: time))
        }
        results += try execute(run: run, at: time)
        return results
    }

    /// Returns once every shard has made durable every input it was sent (`VenueShardLink.sync`);
    /// then the write-ahead log may forget them.
    public mutating func sync() throws(VenueFailure) {
        for shard in links.indices { try links[shard].sync() }
        try writeAheadLog?.settle()
    }

    /// The one shard whose state alone decides `command`, if there is one.
    func singleShard(of command: Command) -> Int? {
        switch command {
        case .openAccount(let account), .deposit(let account, _, _), .setLeverage(let account, _, _, _),
            .adjustIsolatedMargin(let account, _, _), .importPosition(let account, _, _, _, _),
            .setMarginModel(let account, _), .registerBackstop(let account, _, _):
            return map.shard(of: account)
        case .applyFill(let fill):
            if fill.buyer == .venue { return map.shard(of: fill.seller) }
            let buyer = map.shard(of: fill.buyer)
            return fill.seller == .venue || map.shard(of: fill.seller) == buyer ? buyer : nil
        case .fundInsurance:
            return batonHolder
        default:
            return nil
        }
    }

    private mutating func execute(
        run: [(command: Command, shard: Int)], at time: Timestamp
    ) throws(VenueFailure)
        -> [Outcomes]
    {
        guard !run.isEmpty else { return [] }
        var batches = Array(repeating: [Command](), count: links.count)
        for (command, shard) in run { batches[shard].append(command) }
        let outcomes = try send(batches: batches, at: time)
        var next = Array(repeating: 0, count: links.count)
        return run.map { _, shard in
            defer { next[shard] += 1 }
            return Outcomes(outcomes: [(shard, outcomes[shard][next[shard]])])
        }
    }
}

/// What one venue command did on each shard it reached, in the order it reached them.
public struct VenueOutcomes: Sendable {
    public var outcomes: [(shard: Int, outcome: Outcome)]
    /// The first rejection, if any shard refused (then the venue changed nothing else).
    public var rejection: Rejection? { outcomes.lazy.compactMap(\.outcome.rejection).first }
    public var events: [Event] { outcomes.flatMap(\.outcome.events) }
}

/// A venue of engines in memory, coordinated in one process: each shard's inputs are its
/// journal; the venue's digest is the hash of the shards' digests in shard order.
public typealias ShardedVenue = VenueCoordinator<LocalShard>

extension VenueCoordinator: Sendable where Shard: Sendable {}

extension VenueCoordinator where Shard == LocalShard {
    /// A venue of `shards` engines, each joined as its first input at `start`.
    /// - Parameters:
    ///   - count: how many shards (1 to `Limits.venueShards`).
    ///   - start: the time of the shards' first input.
    ///   - recording: keep every shard's inputs in `journals` (for a replay).
    ///   - auditing: run the auditor on every shard after every event (`Engine.auditsEveryEvent`:
    ///     O(state) per event, for tests and simulations); findings in `auditFindings`.
    public init(
        shards count: Int, start: Timestamp = Timestamp(nanoseconds: 0), recording: Bool = true, auditing: Bool = false
    ) {
        var links = Array(repeating: LocalShard(recording: recording), count: count)
        for shard in links.indices { links[shard].engine.auditsEveryEvent = auditing }
        self.init(links: links, batonHolder: 0, nextReservation: 1, start: start)
        for shard in 0..<count {
            let outcome = self.links[shard].execute(.joinVenue(shard: UInt32(shard), shards: UInt32(count)), at: start)
            precondition(outcome.rejection == nil, "a fresh engine joins a venue")
        }
    }

    /// The shards' engines, in shard order.
    public var shards: [Engine] { links.map(\.engine) }

    /// Each shard's inputs so far, in order (a replay of the venue executes them again).
    public var journals: [[SequencedInput]] { links.map(\.journal) }

    /// Pools in margin call or in liquidation across the venue, sorted by pool key (the order
    /// one engine lists them in).
    public var alerts: [(pool: PoolKey, alert: MarginAlert)] {
        links.flatMap(\.engine.alerts).sorted { $0.pool < $1.pool }
    }

    public func account(_ id: AccountID) -> Account? { links[map.shard(of: id)].engine.account(id) }

    /// What the auditor found on each shard (with `auditing`), prefixed by the shard.
    public var auditFindings: [String] {
        links.enumerated().flatMap { shard, link in link.engine.auditFindings.map { "shard \(shard): \($0)" } }
    }

    /// An asset's insurance fund, deficit and dust summed over the shards.
    public func totals(of asset: AssetID) -> (fund: Int64, deficit: Int64, dust: Int64) {
        links.reduce((0, 0, 0)) { sum, link in
            guard let state = link.engine.asset(asset) else { return sum }
            return (sum.0 + state.insuranceFund, sum.1 + state.deficit, sum.2 + state.dust)
        }
    }

    /// The venue's digest: SHA-256 of the shards' digests in shard order.
    public func digestHex() -> String { VenueDigest.hex(links.map { $0.engine.digest() }) }

    /// The venue rebuilt from its shards' journals (each replayed on a fresh engine).
    public static func replay(_ journals: [[SequencedInput]]) -> [Engine] {
        journals.map { journal in
            var engine = Engine()
            for input in journal { _ = engine.execute(input) }
            return engine
        }
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
