import Foundation
import SolventCore
import SolventRandom
import SolventStore
import SolventTestSupport
import Testing

/// Goal: a snapshot written in any earlier format version still loads to the state it recorded,
/// and the current format round-trips. Method: a venue with three markets, cross and isolated
/// positions from seeded fills, an open Dutch auction and a recorded deficit, built from
/// commands; the checked-in fixture is that venue's snapshot in format version 1, and every
/// load is compared with a fresh replay of the same commands by state digest.
struct SnapshotFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let second: Int64 = 1_000_000_000

    /// The fixture's venue: market 1 (a long whose loss beyond the fund becomes a deficit),
    /// market 2 (an isolated long in a Dutch auction), market 3 (seeded cross trading among
    /// accounts 40–47), fees, a funded insurance fund.
    static func venue() -> Harness {
        var harness = Harness()
        harness.standardAssets()
        let book = LiquidationParameters(
            depth: .squareRoot(depth: amount("10000000", scale: 6).atoms, coefficient: rate("0.01")),
            penaltyRate: rate("0.005"),
            clearanceFeeRate: .zero, target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"),
            dustNotional: 0,
            lossAllocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 10))
        let rules = DutchAuctionRules(
            buffer: rate("1.02"), curve: .linear(duration: 1_000 * second), tailSeconds: 300,
            cusp: rate("0.6"), tipFlat: 10_000_000, chip: rate("0.001"), dust: 1_000_000_000)
        let auction = LiquidationParameters(
            depth: .squareRoot(depth: 1, coefficient: .zero), penaltyRate: rate("0.0005"), clearanceFeeRate: .zero,
            target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("1"), dustNotional: 0,
            mechanism: .auction(rules))
        for (id, symbol, parameters) in [
            (UInt32(1), "BTCUSDT", book), (2, "BTCUSDT-A", auction), (3, "BTCUSDT-X", book),
        ] {
            harness.ok(
                .createMarket(
                    linearMarket(id, symbol: symbol),
                    RiskParameters(
                        margin: .tiered(binanceBTCUSDT2021()), feeMakerRate: rate("0.0002"),
                        feeTakerRate: rate("0.0004"))))
            harness.ok(.setMarkPrice(market: MarketID(id), mark: Price("50000")!, index: nil))
            harness.ok(.configureLiquidation(market: MarketID(id), parameters))
        }
        harness.ok(.fundInsurance(asset: Harness.usdt, amount: amount("100", scale: 6)))
        // Seeded cross trading on market 3.
        var random = SplitMix64(seed: 2_026)
        for id in 40...47 { harness.openFunded(UInt64(id), usdt: "200000") }
        for _ in 0..<40 {
            let buyer = 40 + random.next() % 8
            var seller = 40 + random.next() % 8
            if seller == buyer { seller = 40 + (seller - 39) % 8 }
            let lots = Int64(random.next() % 50 + 1)
            let ticks = 500_000 + Int64(random.next() % 201) - 100
            harness.ok(
                .applyFill(
                    Fill(
                        market: MarketID(3), buyer: AccountID(buyer), seller: AccountID(seller),
                        quantity: Quantity(atoms: lots * 1_000_000), price: Price(atoms: ticks * 10_000_000),
                        taker: random.next() & 1 == 0 ? .buyer : .seller)))
        }
        harness.ok(.setMarkPrice(market: MarketID(3), mark: Price("50210")!, index: nil))
        // Isolated longs of 1 BTC at 50,000 on 2,500 margin (bankruptcy 47,500) on markets 1 and 2.
        for (id, market) in [(UInt64(10), UInt32(1)), (11, 2)] {
            harness.openFunded(id, usdt: "2500")
            harness.ok(
                .importPosition(
                    account: AccountID(id), market: MarketID(market), size: Quantity("1")!,
                    entryPrice: Price("50000")!, isolatedMargin: amount("2500", scale: 6)))
        }
        harness.openFunded(20, usdt: "100000")
        harness.ok(.openAccount(AccountID(30)))
        // An auction opens for account 11's lot at 47,690.
        harness.ok(.setMarkPrice(market: MarketID(2), mark: Price("47690")!, index: nil))
        harness.ok(.liquidate(account: AccountID(11), market: MarketID(2), keeper: AccountID(30)))
        // Market 1 gaps to 47,000: the fund's 100 covers part, the rest is the asset's deficit.
        harness.ok(.setMarkPrice(market: MarketID(1), mark: Price("47000")!, index: nil))
        harness.ok(.liquidate(account: AccountID(10), market: MarketID(1)))
        return harness
    }

    /// The venue has what the fixture is for.
    @Test func theVenueHasAnAuctionADeficitAndPositions() {
        let engine = Self.venue().engine
        #expect(engine.auctions.count == 1)
        #expect(engine.asset(Harness.usdt)!.deficit < 0)
        #expect(engine.markets.count == 3)
        #expect(engine.accounts.filter { !$0.positions.isEmpty }.count >= 6)
    }

    /// What happens after the snapshot: a bid on the open auction, a move on the traded market
    /// that flags and liquidates, a tick, money covering part of the deficit.
    static func continuation(_ engine: Engine) -> [Command] {
        var commands: [Command] = [
            .setIndexPrice(asset: Harness.usdt, price: Price("1")!),
            .setIndexPrice(asset: Harness.btc, price: Price("50000")!),
            .setMarkPrice(market: MarketID(2), mark: Price("47690")!, index: nil),
            .bidAuction(
                auction: engine.auctions.first?.id ?? 0, bidder: AccountID(20), quantity: Quantity("0.05")!,
                limitPrice: Price("60000")!),
            .setMarkPrice(market: MarketID(3), mark: Price("44000")!, index: nil),
        ]
        for id in 40...47 { commands.append(.liquidate(account: AccountID(UInt64(id)), market: MarketID(3))) }
        commands.append(.tick)
        commands.append(.coverDeficit(asset: Harness.usdt, amount: Amount(atoms: 1_000_000)))
        return commands
    }

    /// Runs `commands` on both engines from their common sequence and time; every outcome and
    /// the final digest must agree.
    static func expectSameFuture(
        _ original: Engine, _ restored: Engine, _ commands: [Command],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var a = original, b = restored
        var time = original.now.nanoseconds
        for command in commands {
            time += 1_000_000_000
            let input = SequencedInput(
                sequence: a.lastSequence + 1, timestamp: Timestamp(nanoseconds: time), commandID: nil,
                command: command)
            let (left, right) = (a.execute(input), b.execute(input))
            #expect(left == right, "\(command)", sourceLocation: sourceLocation)
        }
        #expect(a.digestHex() == b.digestHex(), sourceLocation: sourceLocation)
        #expect(Auditor.violations(in: b).isEmpty, sourceLocation: sourceLocation)
    }

    /// The version 1 fixture (the engine struct's synthesized Codable, derived indexes and all)
    /// loads through today's reader to the digest recorded with it, which is the digest a replay
    /// of the venue's commands gives; and the loaded engine goes on exactly as the replayed one.
    @Test func loadsSnapshotsWrittenByThePreviousFormatVersion() throws {
        let data = try Self.gunzip(Self.fixtures.appendingPathComponent("snapshot-v1.json.gz"))
        let recorded = try String(
            contentsOf: Self.fixtures.appendingPathComponent("snapshot-v1.digest"), encoding: .utf8
        )
        .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try SnapshotFormat.version(of: data) == 1)
        let loaded = try JournalCodec.decodeState(data)
        let replayed = Self.venue().engine
        #expect(loaded.digestHex() == recorded)
        #expect(replayed.digestHex() == recorded)
        #expect(loaded.auctions.count == 1 && loaded.asset(Harness.usdt)!.deficit < 0)
        Self.expectSameFuture(replayed, loaded, Self.continuation(replayed))
    }

    /// The current format: a version field and the canonical state, no derived index.
    @Test func currentFormatHoldsOnlyCanonicalState() throws {
        let engine = Self.venue().engine
        let data = try JournalCodec.encodeState(engine)
        #expect(try SnapshotFormat.version(of: data) == SnapshotFormat.currentVersion)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(document.keys) == ["formatVersion", "state"])
        let state = try #require(document["state"] as? [String: Any])
        #expect(
            Set(state.keys) == [
                "lastSequence", "now", "assets", "markets", "accounts", "alerts", "auctions", "portfolioMargin",
                "varMargin", "spanMargin", "greeksMargin", "spreadCredits", "recentCommands",
            ])
        let restored = try JournalCodec.decodeState(data)
        #expect(restored.digestHex() == engine.digestHex())
        // The restored engine's canonical state is the saved one (compared with sorted keys).
        let sorted = JournalCodec.encoder(pretty: true)
        #expect(try sorted.encode(restored.canonicalState) == sorted.encode(engine.canonicalState))
        Self.expectSameFuture(engine, restored, Self.continuation(engine))
    }

    /// Differential: a snapshot taken anywhere in a venue's life, restored, continues exactly as
    /// the engine that never stopped (every outcome, then the digest).
    @Test(arguments: [1, 97, 250, 420, 600])
    func restoredEnginesContinueLikeTheOriginal(cut: Int) throws {
        let commands = venueCommands(seed: 5)
        var engine = Engine()
        for (offset, command) in commands.prefix(cut).enumerated() {
            _ = engine.execute(
                SequencedInput(
                    sequence: UInt64(offset + 1), timestamp: Timestamp(nanoseconds: Int64(offset + 1) * 1_000_000),
                    commandID: CommandID(UInt64(offset + 1)), command: command))
        }
        let restored = try JournalCodec.decodeState(try JournalCodec.encodeState(engine))
        #expect(restored.digestHex() == engine.digestHex())
        Self.expectSameFuture(engine, restored, Array(commands.dropFirst(cut)))
    }

    @Test func unknownVersionsAreRefused() throws {
        let data = Data(#"{"formatVersion": 99, "state": {}}"#.utf8)
        #expect(throws: StoreError.corrupt("snapshot format version 99 is not one this build reads (1–2)")) {
            try JournalCodec.decodeState(data)
        }
    }

    /// A fixture's bytes (fixtures are gzipped: version 1 holds megabytes of derived indexes).
    static func gunzip(_ file: URL) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreError.corrupt("gzip -dc \(file.path) failed") }
        return data
    }

    /// Writes the current version's fixture (`SOLVENT_WRITE_SNAPSHOT_FIXTURE=1 swift test --filter
    /// SnapshotFormatTests`), for the format version after it: the file and its digest are then
    /// checked in, and a test like the one above loads it.
    @Test func writeFixture() throws {
        guard ProcessInfo.processInfo.environment["SOLVENT_WRITE_SNAPSHOT_FIXTURE"] != nil else { return }
        let engine = Self.venue().engine
        let name = "snapshot-v\(SnapshotFormat.currentVersion)"
        let json = Self.fixtures.appendingPathComponent(name + ".json")
        try JournalCodec.encodeState(engine).write(to: json)
        try Data((engine.digestHex() + "\n").utf8).write(to: Self.fixtures.appendingPathComponent(name + ".digest"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-9", "-n", "-f", json.path]
        try process.run()
        process.waitUntilExit()
    }
}
