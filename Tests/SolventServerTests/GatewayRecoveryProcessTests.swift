import Foundation
import SolventCore
import SolventStore
import SolventTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Goal: a gateway or a shard killed in the middle of a request leaves no trade between two
/// shards half done. Method: four shard services, 600 fresh accounts, one request of 300 trades
/// each between two accounts on different shards (novated into a leg on each); once the shards
/// have taken some of them, the gateway is killed with SIGKILL and restarted on its write-ahead
/// log, or shard 1 is killed (losing the request's legs it had not synced) and restarted, the
/// gateway reconnecting by itself. Every trade must then be on both its shards or on neither, the
/// applied ones a prefix of the request; one engine fed the same trades gives each account's
/// digest before and after its trade. Needs the built binary; skipped, with a message, without it.
struct GatewayRecoveryProcessTests {
    /// What is killed inside the request.
    enum Victim: String, CaseIterable, Sendable {
        /// The gateway (SIGKILL), then started again on its log.
        case gateway
        /// Shard 1 (SIGKILL: it loses every leg of the request, none synced yet), then started
        /// again on its journal and port; the running gateway reconnects by itself.
        case shard
    }

    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"),
        arguments: Victim.allCases)
    func aKillInsideARequestLeavesNoTradeHalfDone(victim: Victim) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-gw-kill-\(victim)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var (shards, arguments, key) = try GatewayProcessTests.startShards(4, in: directory)
        defer { shards.forEach { $0.kill() } }
        var gateway = try SolventProcess(arguments + ["--reconnect-interval", "0.05"])
        defer { gateway.kill() }
        let twin = GatewayProcessTests.Twin(key: try key())
        twin.gatewayPort = gateway.port
        try await twin.run(Array(GatewayProcessTests.setUp(seed: 3).prefix(6)))
        let ids = (0..<600).map { AccountID(UInt64(5_000 + $0)) }
        for part in stride(from: 0, to: ids.count, by: 300) {
            try await twin.run(
                ids[part..<part + 300].flatMap {
                    [
                        Command.openAccount($0),
                        .deposit(account: $0, asset: GatewayProcessTests.usdt, amount: amount("10000", scale: 6)),
                    ]
                })
        }
        let fills = Self.crossShardFills(ids, shards: 4)
        #expect(fills.count == 300)
        let expected = Self.digests(of: fills, on: twin.single)

        let admin = shards.compactMap(\.adminKey)
        let before = try await Self.sequences(shards, admin)
        let request = Task { try? await twin.run(fills.map(Command.applyFill)) }
        // Kill once the shards have taken some of the trades, not all.
        let deadline = Date().addingTimeInterval(30)
        while try await Self.sequences(shards, admin) < before + 40, Date() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let cut: Int
        switch victim {
        case .gateway:
            gateway.kill()
            _ = await request.value
            cut = try await Self.sequences(shards, admin) - before
            gateway = try SolventProcess(arguments)
            twin.gatewayPort = gateway.port
            #expect(gateway.text.contains("gateway: recovered: inputs sent again per shard"), "\(gateway.text)")
        case .shard:
            let port = shards[1].port
            shards[1].kill()
            _ = await request.value
            shards[1] = try SolventProcess([
                "serve", "--db", directory.appendingPathComponent("shard1.db").path, "--port", "\(port)",
                "--shard", "1/4",
            ])
            cut = try await Self.sequences(shards, admin) - before
            // The gateway reconnects by itself once the shard is back.
            let back = Date().addingTimeInterval(30)
            while try await GatewayProcessTests.send(gateway.port, "/health", key: nil, body: nil).0 != 200,
                Date() < back
            {
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        let applied = try await Self.applied(fills, expected, gateway: gateway.port, key: twin.key)
        let done = applied.prefix { $0 }.count
        #expect(!applied[done...].contains(true), "the trades applied are not a prefix of the request")
        #expect(done > 0 && done < fills.count, "\(done) of \(fills.count) trades applied")
        print("\(victim) killed inside a request: \(cut) shard inputs after, \(done) of \(fills.count) trades applied")
        // The venue takes commands again.
        try await twin.run([.deposit(account: ids[0], asset: GatewayProcessTests.usdt, amount: Amount(atoms: 1))])
    }

    /// A gateway started while a shard is down waits for it (saying so) instead of exiting, and
    /// starts once the shard is back on its port.
    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"))
    func aGatewayStartedBeforeItsShardWaitsForIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-gw-wait-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var (shards, arguments, _) = try GatewayProcessTests.startShards(1, in: directory)
        defer { shards.forEach { $0.kill() } }
        let port = shards[0].port
        shards[0].kill()
        // Read until it says it waits (a call to a shard that is down runs to --shard-timeout: a
        // refused connection is retried), then the shard comes back, then the gateway listens.
        let gateway = try SolventProcess(
            arguments + ["--reconnect-interval", "0.05", "--shard-timeout", "1"],
            until: "gateway: waiting for the shards:")
        defer { gateway.kill() }
        shards[0] = try SolventProcess([
            "serve", "--db", directory.appendingPathComponent("shard0.db").path, "--port", "\(port)", "--shard", "0/1",
        ])
        try gateway.listening()
        #expect(try await GatewayProcessTests.send(gateway.port, "/health", key: nil, body: nil).0 == 200)
    }

    /// Two gateways on one venue (an operator's mistake: each its own log): once the second has
    /// written to a shard, the first's next write there meets a journal it did not write (its
    /// reconnection finds another input at the sequence it logged), and it stops for good,
    /// naming the other writer, instead of fighting over the shards.
    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"))
    func aSecondGatewayStopsTheFirst() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-gw-two-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (shards, arguments, key) = try GatewayProcessTests.startShards(2, in: directory)
        defer { shards.forEach { $0.kill() } }
        let first = try SolventProcess(arguments + ["--reconnect-interval", "0.05"])
        defer { first.kill() }
        var second = arguments
        second[second.firstIndex(of: "--log-file")! + 1] = directory.appendingPathComponent("other-log.sqlite").path
        let other = try SolventProcess(second)
        defer { other.kill() }
        // One account through the second, then one on the same shard through the first: the
        // second's input sits at the very sequence the first logged for its own.
        let map = ShardMap(shards: 2)
        let twin = (8...100).first { map.shard(of: AccountID($0)) == map.shard(of: AccountID(7)) }!
        let open = #"{"commands":[{"openAccount":{"_0":{"rawValue":7}}}]}"#
        #expect(
            try await GatewayProcessTests.send(other.port, "/v1/venue/commands", key: try key(), body: open).0 == 200)
        let (code, reply) = try await GatewayProcessTests.send(
            first.port, "/v1/venue/commands", key: try key(),
            body: #"{"commands":[{"openAccount":{"_0":{"rawValue":\#(twin)}}}]}"#)
        #expect(code == 503 && reply["error"] as? String == "venueFailed", "\(code) \(reply)")
        // After its reconnection attempt it names the other writer, and stays stopped; the other
        // gateway still runs the venue.
        let more = #"{"commands":[{"openAccount":{"_0":{"rawValue":30}}}]}"#
        var health: [String: Any] = [:]
        for _ in 0..<400 {
            try await Task.sleep(for: .milliseconds(50))
            health = try await GatewayProcessTests.send(first.port, "/health", key: nil, body: nil).1
            if (health["failure"] as? String)?.contains("another gateway") == true { break }
        }
        #expect((health["failure"] as? String)?.contains("another gateway writes to the venue") == true, "\(health)")
        #expect(
            try await GatewayProcessTests.send(other.port, "/v1/venue/commands", key: try key(), body: more).0 == 200)
    }

    /// The gateway's own keeper: after a mark 40 % down, with nothing else sent, its sweeps step
    /// every flagged pool across both shards (one step at a time, first pool first, as the keeper
    /// sweeps), and the venue ends where one engine liquidating in that order ends, account for
    /// account.
    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"))
    func theGatewaysKeeperLiquidatesAsOneEngineWould() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-gw-keeper-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (shards, arguments, key) = try GatewayProcessTests.startShards(2, in: directory)
        defer { shards.forEach { $0.kill() } }
        var keeping = arguments
        keeping[keeping.firstIndex(of: "--keeper-interval")! + 1] = "0.05"
        let gateway = try SolventProcess(keeping)
        defer { gateway.kill() }
        let twin = GatewayProcessTests.Twin(key: try key())
        twin.gatewayPort = gateway.port
        try await twin.run(GatewayProcessTests.setUp(seed: 11))
        try await twin.run([
            .setMarkPrice(market: GatewayProcessTests.market, mark: Price(atoms: 36_000 * 100_000_000), index: nil)
        ])
        // One engine liquidating as the keeper sweeps: the first pool in liquidation, one step,
        // again, a refused pool skipped.
        var refused: Set<AccountID> = []
        var steps = 0
        while let pool = twin.single.alerts.first(where: {
            $0.alert == .liquidating && !refused.contains($0.pool.account)
        })?.pool {
            let outcome = twin.single.execute(
                SequencedInput(
                    sequence: twin.single.lastSequence + 1, timestamp: twin.single.now, commandID: nil,
                    command: .liquidate(account: pool.account, market: GatewayProcessTests.market, keeper: nil)))
            if outcome.rejection == nil { steps += 1 } else { refused.insert(pool.account) }
        }
        #expect(steps > 0)
        let accounts = twin.single.accounts.dropFirst().map(\.id)
        var differing = accounts
        let deadline = Date().addingTimeInterval(60)
        while !differing.isEmpty, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            var still: [AccountID] = []
            for id in differing {
                let view = try await GatewayProcessTests.get(
                    gateway.port, "/v1/venue/accounts/\(id.rawValue)", key: twin.key)
                if view["digest"] as? String != twin.single.digestHex(of: id) { still.append(id) }
            }
            differing = still
        }
        #expect(differing.isEmpty, "accounts where the keeper's venue differs: \(differing.prefix(5))")
        print("gateway keeper: \(steps) liquidation steps across 2 shards, every account as on one engine")
    }

    /// Each trader's digest before and after its one trade, on one engine.
    static func digests(of fills: [Fill], on engine: Engine) -> [AccountID: (before: String, after: String)] {
        var after = engine
        var expected: [AccountID: (before: String, after: String)] = [:]
        for fill in fills {
            _ = after.execute(
                SequencedInput(
                    sequence: after.lastSequence + 1, timestamp: after.now, commandID: nil, command: .applyFill(fill)))
            for id in [fill.buyer, fill.seller] { expected[id] = (engine.digestHex(of: id)!, after.digestHex(of: id)!) }
        }
        return expected
    }

    /// Whether each trade applied on the venue, read through the gateway: both traders before
    /// their trade or both after (one leg only is recorded as an issue).
    static func applied(
        _ fills: [Fill], _ expected: [AccountID: (before: String, after: String)], gateway port: Int, key: String
    ) async throws -> [Bool] {
        var applied: [Bool] = []
        for fill in fills {
            var states: [Bool] = []
            for id in [fill.buyer, fill.seller] {
                let view = try await GatewayProcessTests.get(port, "/v1/venue/accounts/\(id.rawValue)", key: key)
                let digest = view["digest"] as? String
                #expect(digest == expected[id]?.before || digest == expected[id]?.after, "account \(id)")
                states.append(digest == expected[id]?.after)
            }
            #expect(states[0] == states[1], "\(fill.buyer) and \(fill.seller): one leg of their trade only")
            applied.append(states[0])
        }
        return applied
    }

    /// 300 trades, each between two of `ids` on different shards (a buyer and the next id on
    /// another shard), 0.01 BTC at 60,000.
    static func crossShardFills(_ ids: [AccountID], shards: Int) -> [Fill] {
        let map = ShardMap(shards: shards)
        var free = ids
        var fills: [Fill] = []
        while let buyer = free.first {
            free.removeFirst()
            guard let index = free.firstIndex(where: { map.shard(of: $0) != map.shard(of: buyer) }) else { break }
            let seller = free.remove(at: index)
            fills.append(
                Fill(
                    market: GatewayProcessTests.market, buyer: buyer, seller: seller,
                    quantity: Quantity(atoms: 1_000_000), price: Price(atoms: 60_000 * 100_000_000), taker: .buyer))
        }
        return fills
    }

    /// The sum of the shards' last sequences.
    static func sequences(_ shards: [SolventProcess], _ keys: [String]) async throws -> Int {
        var sum = 0
        for (shard, key) in zip(shards, keys) {
            let state = try await GatewayProcessTests.get(shard.port, "/v1/shard/state", key: key)
            sum += (state["lastSequence"] as? NSNumber)?.intValue ?? 0
        }
        return sum
    }
}
