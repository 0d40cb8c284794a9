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
    public internal(set) var shards: [Engine]
    public let map: ShardMap
    /// Each shard's inputs so far, in order (a replay of the venue executes them again).
    public internal(set) var journals: [[SequencedInput]]
    /// The shard that holds the liquidation baton.
    public internal(set) var batonHolder = 0
    var nextReservation: UInt64 = 1
    let recording: Bool
    var lastTime: Timestamp

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
        map = ShardMap(shards: count)
        shards = Array(repeating: Engine(), count: count)
        journals = Array(repeating: [], count: count)
        self.recording = recording
        lastTime = start
        for shard in shards.indices { shards[shard].auditsEveryEvent = auditing }
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
    /// - Precondition: `time` is not earlier than the previous command's (as for one engine).
    public mutating func execute(_ command: Command, at time: Timestamp) throws(Diverged) -> Outcomes {
        precondition(time >= lastTime, "time went back: \(time) < \(lastTime)")
        lastTime = time
        switch command {
        case .openAccount(let account), .deposit(let account, _, _), .setLeverage(let account, _, _, _),
            .adjustIsolatedMargin(let account, _, _), .importPosition(let account, _, _, _, _),
            .setMarginModel(let account, _), .registerBackstop(let account, _, _):
            return one(command, to: map.shard(of: account), at: time)
        case .withdraw(let account, let asset, _):
            return withdraw(command, account: account, asset: asset, at: time)
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

    /// What the auditor found on each shard (with `auditing`), prefixed by the shard.
    public var auditFindings: [String] {
        shards.enumerated().flatMap { shard, engine in engine.auditFindings.map { "shard \(shard): \($0)" } }
    }

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
}

/// The digest of a venue: SHA-256 over its shards' digests in shard order.
public enum VenueDigest {
    public static func hex(_ shardDigests: [[UInt8]]) -> String {
        var bytes: [UInt8] = []
        for digest in shardDigests { bytes += digest }
        return Array(SHA256.hash(data: bytes)).hexString
    }
}
