import Foundation
import SolventCore
import SolventRandom
import SolventStore
import Testing

/// A small venue's life as commands: assets, a market with liquidation, 60 accounts trading
/// with the venue's book, marks that fall 30 % and liquidate, rejected inputs among them.
func venueCommands(seed: UInt64) -> [Command] {
    var random = SplitMix64(seed: seed)
    func next() -> UInt64 { random.next() }
    let usdt = AssetID(1), market = MarketID(1)
    let tier = RiskTier(notionalCap: nil, initialRate: Rate("0.02")!, maintenanceRate: Rate("0.01")!)
    var commands: [Command] = [
        .createAsset(AssetSpec(id: usdt, symbol: "USDT", scale: 6, priceMaxAgeSeconds: 86_400)),
        .setIndexPrice(asset: usdt, price: Price("1")!),
        .createMarket(
            MarketSpec(
                id: market, symbol: "BTCUSDT", kind: .linear, settleAsset: usdt, contractSize: Quantity("1")!,
                tickSize: Price("0.1")!, lotSize: Quantity("0.001")!),
            RiskParameters(margin: .tiered(try! RiskTierTable.make(tiers: [tier]).get()), priceMaxAgeSeconds: 86_400)),
        .configureLiquidation(
            market: market,
            LiquidationParameters(
                depth: .squareRoot(depth: 10_000_000_000_000, coefficient: Rate("0.01")!), penaltyRate: Rate("0.005")!,
                clearanceFeeRate: Rate("0.001")!, target: .maintenancePlusBuffer(Rate("0.1")!),
                stepFraction: Rate("0.5")!,
                dustNotional: 10_000_000,
                lossAllocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 16))),
        .fundInsurance(asset: usdt, amount: Amount(atoms: 1_000_000_000)),
        .setMarkPrice(market: market, mark: Price("60000")!, index: nil),
    ]
    for id in 1...60 {
        commands.append(.openAccount(AccountID(UInt64(id))))
        commands.append(
            .deposit(
                account: AccountID(UInt64(id)), asset: usdt,
                amount: Amount(atoms: Int64(500 + next() % 5_000) * 1_000_000)))
    }
    for _ in 0..<300 {
        let a = AccountID(1 + next() % 60), b = AccountID(1 + next() % 60)
        let quantity = Quantity(atoms: Int64(1 + next() % 40) * 100_000)
        commands.append(
            .applyFill(
                Fill(market: market, buyer: a, seller: b, quantity: quantity, price: Price("60000")!, taker: .buyer)))
    }
    for step in 1...30 {
        commands.append(
            .setMarkPrice(market: market, mark: Price(atoms: (60_000 - Int64(step) * 600) * 100_000_000), index: nil))
        for id in 1...60 where next() % 6 == 0 {
            commands.append(.liquidate(account: AccountID(UInt64(id)), market: market))
        }
    }
    return commands
}

@Suite struct JournaledEngineTests {
    /// Commands submitted concurrently (group commit), then the store reopened: recovery
    /// reproduces the digest, every checkpoint matches, and a plain replay agrees.
    @Test(arguments: Backend.available)
    func recoveryReproducesTheState(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("recovery") else {
            Issue.record("\(backend) is listed as available but could not be opened"); return
        }
        let commands = venueCommands(seed: 3)
        let clockStart: Int64 = 1_700_000_000_000_000_000
        let service = try await JournaledEngine(
            store: store, digestEvery: 25, snapshotEvery: 400, clock: { clockStart })
        // Set-up in order, then the trading in concurrent groups of 16 (order within a group is
        // whatever the actor sees: the journal records it).
        for command in commands.prefix(126) { _ = try await service.submit(command) }
        var index = 126
        while index < commands.count {
            let group = Array(commands[index..<min(index + 16, commands.count)])
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for command in group { tasks.addTask { _ = try await service.submit(command) } }
                try await tasks.waitForAll()
            }
            index += 16
        }
        let digest = await service.read { $0.digestHex() }
        let last = await service.read { $0.lastSequence }
        // Every snapshot journals a commitment root right after it.
        let roots = try await Commitments.journaledRoots(in: store)
        #expect(!roots.isEmpty && last == UInt64(commands.count + roots.count), "\(roots.count) roots, last \(last)")
        #expect(await service.read { $0.latestCommitment } == roots.last)
        let steps = await service.read { $0.assets[0].insuranceFund }
        #expect(steps >= 0)
        try await store.close()

        let recovered = try await JournaledEngine(store: try await reopen(), digestEvery: 25, snapshotEvery: 400)
        #expect(recovered.recovery.digest == digest)
        #expect(recovered.recovery.mismatches.isEmpty)
        #expect(recovered.recovery.snapshotSequence >= 400, "recovery started from a snapshot")
        #expect(recovered.recovery.replayed == Int(last - recovered.recovery.snapshotSequence))
        // A replay from the start, ignoring snapshots, reaches the same digest.
        var engine = Engine()
        let again = try await reopen()
        let (replayed, mismatches) = try await JournaledEngine.replay(&engine, from: again)
        #expect(replayed == Int(last) && mismatches.isEmpty && engine.digestHex() == digest)
        try await again.close()
    }

    /// A journal whose checkpoint digest does not follow from its inputs is reported.
    @Test func aTamperedCheckpointIsReported() async throws {
        guard let (store, reopen) = try await Backend.sqlite.make("tamper") else { return }
        var engine = Engine()
        var entries: [JournalEntry] = []
        for (offset, command) in venueCommands(seed: 5).prefix(200).enumerated() {
            let sequence = UInt64(offset + 1)
            _ = engine.execute(
                SequencedInput(
                    sequence: sequence, timestamp: Timestamp(nanoseconds: 1_000), commandID: nil, command: command))
            let digest =
                sequence == 150 ? String(repeating: "0", count: 64) : sequence % 50 == 0 ? engine.digestHex() : ""
            entries.append(
                JournalEntry(
                    sequence: sequence, time: 1_000, commandID: 0, command: try JournalCodec.encode(command),
                    digest: digest))
        }
        try await store.append(entries)
        try await store.close()
        let reopened = try await reopen()
        // The whole-journal check `solvent replay` prints names the same checkpoint and no other.
        let check = try await JournalVerification.verify(reopened)
        #expect(check.checkpointMismatches == [150] && !check.isConsistent)
        #expect(check.inputs == 200 && check.lastSequence == 200 && check.digest == engine.digestHex())
        #expect(check.snapshotsChecked == 0 && check.commitmentRootsChecked == 0)
        let recovered = try await JournaledEngine(store: reopened)
        #expect(recovered.recovery.mismatches == [150])
        #expect(recovered.recovery.digest == engine.digestHex())
    }

    /// Inputs applied without waiting (a venue's shard) are journaled by the next sync, which
    /// answers the last one's sequence; a sync that finds a commit in flight and nothing queued
    /// waits for that commit, not for one that will never be queued; a sync with nothing applied
    /// answers at once.
    @Test func appliedInputsAreDurableAtTheNextSync() async throws {
        guard let (store, reopen) = try await Backend.sqlite.make("apply-sync") else { return }
        let engine = try await JournaledEngine(store: store)
        let commands = Array(venueCommands(seed: 9).prefix(40))
        for command in commands.prefix(20) { _ = try await engine.apply(command, at: Timestamp(nanoseconds: 1_000)) }
        _ = try await engine.apply(batch: Array(commands.dropFirst(20)), at: Timestamp(nanoseconds: 2_000))
        async let first = engine.sync()
        async let second = engine.sync()
        let (a, b) = try await (first, second)
        #expect(a == 40 && b == 40)
        #expect(try await engine.sync() == 40)
        let digest = await engine.read { $0.digestHex() }
        try await store.close()
        let recovered = try await JournaledEngine(store: try await reopen())
        #expect(recovered.recovery.lastSequence == 40 && recovered.recovery.digest == digest)
    }

    /// Commands and engine states survive the codec exactly.
    @Test func codecRoundTrips() throws {
        var engine = Engine()
        for (offset, command) in venueCommands(seed: 9).enumerated() {
            let text = try JournalCodec.encode(command)
            #expect(try JournalCodec.decode(text) == command)
            _ = engine.execute(
                SequencedInput(
                    sequence: UInt64(offset + 1), timestamp: Timestamp(nanoseconds: 5), commandID: nil, command: command
                ))
        }
        let restored = try JournalCodec.decodeState(try JournalCodec.encodeState(engine))
        #expect(restored.digestHex() == engine.digestHex())
        // The restored engine keeps working identically (derived indexes came back too).
        var a = engine, b = restored
        let next = Command.setMarkPrice(market: MarketID(1), mark: Price("30000")!, index: nil)
        let sequence = engine.lastSequence + 1
        #expect(
            a.execute(
                SequencedInput(sequence: sequence, timestamp: Timestamp(nanoseconds: 6), commandID: nil, command: next))
                == b.execute(
                    SequencedInput(
                        sequence: sequence, timestamp: Timestamp(nanoseconds: 6), commandID: nil, command: next)))
        #expect(a.digestHex() == b.digestHex())
    }
}
