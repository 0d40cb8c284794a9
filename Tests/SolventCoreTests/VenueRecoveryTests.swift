import SolventCore
import SolventRandom
import SolventTestSupport
import Synchronization
import Testing

/// A coordinator that stops at any point of any command (after its write-ahead log was written,
/// before every shard was sent what it logged), with each shard then losing what it had not made
/// durable: the restarted coordinator (`VenueCoordinator.recover`) must leave a venue that is
/// the one the commands before the cut-short one made, or the one they and it made; account for
/// account, fund for fund, with one baton holder, no reservation held and the books netting out.
@Suite struct VenueRecoveryTests {
    /// How many more inputs the shards take before the coordinator stops.
    final class Budget: @unchecked Sendable {
        var left = Int.max
    }

    /// A shard in memory that stops taking inputs when the budget runs out, and remembers how
    /// much of its journal a sync made durable.
    struct StoppingShard: VenueShardLink {
        var local: LocalShard
        var durable = 0
        let budget: Budget

        mutating func execute(_ command: Command, at time: Timestamp) throws(VenueFailure) -> Outcome {
            guard budget.left > 0 else { throw VenueFailure("the coordinator stopped") }
            budget.left -= 1
            return local.execute(command, at: time)
        }
        func plannedEvents(of command: Command, at time: Timestamp) -> Result<[Event], Rejection> {
            local.plannedEvents(of: command, at: time)
        }
        func hasAccount(_ id: AccountID) -> Bool { local.hasAccount(id) }
        func liquidationBaton() -> VenueLiquidationState { local.liquidationBaton() }
        func venueDeleveragingNeed(
            account: AccountID, market: MarketID, keeper: AccountID?
        ) -> Result<VenueDeleveragingNeed?, Rejection> {
            local.venueDeleveragingNeed(account: account, market: market, keeper: keeper)
        }
        func deleveragingCandidates(for need: VenueDeleveragingNeed) -> [ScoredCandidate] {
            local.deleveragingCandidates(for: need)
        }
        func deficit(of asset: AssetID) -> Int64 { local.deficit(of: asset) }
        func journaledCommands(after sequence: UInt64, limit: Int) -> [Command]? {
            local.journaledCommands(after: sequence, limit: limit)
        }
        var lastSequence: UInt64? { local.lastSequence }
        func status() -> VenueShardStatus { local.status() }
        mutating func sync() { durable = local.journal.count }
    }

    typealias Script = [(command: Command, time: Timestamp)]

    /// The crash of `ShardedVenueTests` on 4 shards, 80 traders: down 40 %, up 80 %, liquidating
    /// and auto-deleveraging across shards, with a tick that settles funding every five marks.
    static let script: Script = {
        var twin = ShardedVenueTests.venue(shards: 4, accounts: 80, seed: 7, cap: false)
        // Marks from a two-source oracle, so that a tick settles funding (every 8 hours).
        twin.run(
            .configureOracle(
                market: ShardedVenueTests.market,
                OracleConfig(
                    sources: [.init(id: SourceID(1), weight: 1), .init(id: SourceID(2), weight: 1)],
                    minimumSources: 2, priceMoveThreshold: .zero,
                    liquidationDepth: amount("1000000000", scale: 6).atoms, liquidationDepthFraction: rate("1"),
                    liquidationWindowSeconds: 60)))
        var price = 60_000.0
        for index in 0..<30 {
            price *= index < 17 ? 0.97 : 1.035
            ShardedVenueTests.mark(&twin, Int64(price) * 100_000_000, oracle: true)
            if index % 6 == 5 {
                // Eight hours on, a fresh mark, and a tick: funding on every shard.
                twin.time += 8 * 3_600 * 1_000_000_000
                ShardedVenueTests.mark(&twin, Int64(price) * 100_000_000, oracle: true)
                twin.run(.tick)
            }
        }
        return twin.script
    }()

    /// The script on a venue that never stops, without the commands at `skipping`.
    static func reference(_ script: Script, skipping: Int? = nil) -> ShardedVenue {
        var venue = ShardedVenue(shards: 4, start: script[0].time, recording: false)
        for (index, step) in script.enumerated() where index != skipping {
            _ = try? venue.execute(step.command, at: step.time)
        }
        return venue
    }

    /// The accounts' digests, the markets, the fund, the deficit and the books' net position.
    static func fingerprint(_ venue: ShardedVenue) -> [String] {
        var lines = venue.shards.enumerated().map { shard, engine in
            engine.accounts.filter { $0.id != .venue }.map { "\(shard) \($0.id) \(engine.digestHex(of: $0.id))" }
                .joined(separator: "\n")
        }
        // Each shard's markets as prices, oracles and ticks leave them.
        for (shard, engine) in venue.shards.enumerated() {
            lines += engine.markets.map { market in
                // Funding's state, not the liquidation limiter's (it travels with the baton).
                let oracle = market.oracle
                let funding = [
                    oracle?.lastFundingTime.description, oracle?.premiumSum.description,
                    oracle?.premiumCount.description, oracle?.priceMoveUntil?.description,
                ].map { $0 ?? "-" }
                return "\(shard) market \(market.spec.id): \(market.mark) at \(market.markTime), "
                    + "index \(market.index), settled \(market.settled), funding \(funding)"
            }
        }
        let totals = venue.totals(of: ShardedVenueTests.usdt)
        let book = venue.shards.reduce(Int64(0)) { $0 + ($1.account(.venue)?.positions.first?.size ?? 0) }
        lines.append("fund \(totals.fund) deficit \(totals.deficit) dust \(totals.dust) book \(book)")
        return lines
    }

    @Test func aCoordinatorStoppedAnywhereIsFinishedByItsSuccessor() throws {
        let script = Self.script
        var random = SplitMix64(seed: 2_024)
        // The inputs each command sends: every point inside a liquidation step that reserves
        // across shards (the baton's move, the reservations, the step, the commits), and others.
        let sends = Self.sends(script)
        let steps = script.indices.filter {
            if case .liquidate = script[$0].command { sends[$0].count >= 4 } else { false }
        }
        let ticks = script.indices.filter { script[$0].command == .tick }.prefix(1)
        var stops = (steps.prefix(6) + ticks).flatMap { Array(sends[$0]) }
        for _ in 0..<12 { stops.append(Int(random.next() % UInt64(sends.last!.upperBound))) }
        var seen = (resent: 0, batonTaken: 0, committed: 0, released: 0, ticked: 0)
        var outcomes: [String: Int] = [:]
        var references: [Int: (with: [String], without: [String])] = [:]
        for stop in stops {
            let (venue, at, report) = try Self.stopAndRecover(script, after: stop, random: &random)
            // The venues the commands before make, with and without the one cut short.
            let (with, without) =
                references[at] ?? (
                    Self.fingerprint(Self.reference(Array(script.prefix(at + 1)))),
                    Self.fingerprint(Self.reference(Array(script.prefix(at + 1)), skipping: at))
                )
            references[at] = (with, without)
            let recovered = Self.fingerprint(venue)
            #expect(recovered == with || recovered == without, "stopped after \(stop) in command \(at), \(report)")
            outcomes[recovered == with ? "finished" : "undone", default: 0] += 1
            for (shard, engine) in venue.shards.enumerated() {
                #expect(Auditor.violations(in: engine).isEmpty, "stop \(stop), shard \(shard)")
                #expect(engine.venue?.reservations.isEmpty == true, "stop \(stop), shard \(shard)")
            }
            #expect(venue.shards.filter { $0.venue?.holdsLiquidation == true }.count == 1, "stop \(stop)")
            if report.resent.contains(where: { $0 > 0 }) { seen.resent += 1 }
            if report.batonTakenBy != nil { seen.batonTaken += 1 }
            if !report.committed.isEmpty { seen.committed += 1 }
            if !report.released.isEmpty { seen.released += 1 }
            if !report.ticked.isEmpty { seen.ticked += 1 }
        }
        print(
            "recovery: \(sends.last!.upperBound) inputs, \(steps.count) steps across shards; \(stops.count) stops: "
                + "\(outcomes), inputs sent again \(seen.resent), baton taken \(seen.batonTaken), "
                + "reservations committed \(seen.committed), released \(seen.released), ticks finished \(seen.ticked)")
        #expect(
            seen.resent > 0 && seen.batonTaken > 0 && seen.committed > 0 && seen.released > 0 && seen.ticked > 0,
            "\(seen)")
    }

    /// The inputs each command of the script sends, as ranges of the whole script's inputs.
    static func sends(_ script: Script) -> [Range<Int>] {
        let budget = Budget()
        var venue = stoppingVenue(script, budget: budget)
        var ranges: [Range<Int>] = []
        for step in script {
            let start = Int.max - budget.left
            _ = try? venue.execute(step.command, at: step.time)
            ranges.append(start..<(Int.max - budget.left))
        }
        return ranges
    }

    static func stoppingVenue(_ script: Script, budget: Budget) -> VenueCoordinator<StoppingShard> {
        let joined = ShardedVenue(shards: 4, start: script[0].time)
        var venue = VenueCoordinator(
            links: joined.links.map { StoppingShard(local: $0, durable: $0.journal.count, budget: budget) },
            batonHolder: 0, nextReservation: 1, start: script[0].time)
        venue.writeAheadLog = InMemoryVenueLog()
        return venue
    }

    /// Runs the script, syncing after each command, until the coordinator stops after `after`
    /// inputs; each shard keeps a random part of what it had not made durable; a new coordinator
    /// recovers. Returns it (on the shards as they are) and the command that was cut short.
    static func stopAndRecover(
        _ script: Script, after: Int, random: inout SplitMix64
    ) throws -> (ShardedVenue, Int, VenueRecovery) {
        let budget = Budget()
        budget.left = after
        var venue = stoppingVenue(script, budget: budget)
        var at = script.count - 1
        for (index, step) in script.enumerated() {
            do throws(VenueFailure) {
                _ = try venue.execute(step.command, at: step.time)
                try venue.sync()
            } catch {
                at = index
                break
            }
        }
        let survivors = venue.links.map { link in
            let kept = link.durable + Int(random.next() % UInt64(link.local.journal.count - link.durable + 1))
            return LocalShard(
                engine: ShardedVenue.replay([Array(link.local.journal.prefix(kept))])[0], recording: false)
        }
        let (recovered, report) = try ShardedVenue.recover(
            links: survivors, log: venue.writeAheadLog!, nextReservation: 1_000_000, start: script[at].time)
        return (recovered, at, report)
    }
}

/// A write-ahead log in memory.
final class InMemoryVenueLog: VenueWriteAheadLog {
    private let entries = Mutex<(inputs: [VenueSentInput], intents: [VenueIntent])>(([], []))

    func append(_ inputs: [VenueSentInput], intent: VenueIntent?) {
        entries.withLock { entries in
            entries.inputs += inputs
            if let intent { entries.intents.append(intent) }
        }
    }

    func settle() { entries.withLock { $0 = ([], []) } }

    func pending() -> (inputs: [VenueSentInput], intents: [VenueIntent]) { entries.withLock { $0 } }
}
