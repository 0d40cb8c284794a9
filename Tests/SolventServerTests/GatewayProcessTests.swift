import Foundation
import SolventCore
import SolventRandom
import SolventStore
import SolventTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Goal: a venue deployed as processes — four `solvent serve --shard K/4` services on their own
/// journals behind `solvent gateway` — is the engine fed the same inputs. Method: a crash
/// cascade (trades that mostly cross shards, marks down 36 % and back up 27 %, every flagged
/// pool liquidated, the insurance fund and auto-deleveraging across shards) sent through the
/// gateway, and every command, at the time the gateway stamped it, on one engine in this
/// process; the gateway is killed with SIGKILL between the fall and the rebound and restarted
/// (it reads the baton back from the shards). Every refusal matches, and at the end every account's digest,
/// the fund and the deficit. Needs the built binary; skipped, with a message, without it.
struct GatewayProcessTests {
    static let market = MarketID(1)
    static let usdt = Harness.usdt

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The gateway's reply to a batch of commands.
    struct Reply: Decodable {
        struct Result: Decodable {
            struct ShardOutcome: Decodable {
                var shard: Int
                var outcome: Outcome
            }
            var time: Int64
            var rejection: Rejection?
            var outcomes: [ShardOutcome]
        }
        var results: [Result]
    }

    /// The gateway and one engine, fed the same commands at the gateway's times.
    final class Twin: @unchecked Sendable {
        var single = Engine()
        var gatewayPort = 0
        let key: String
        var mismatches: [String] = []
        var steps = 0
        var remoteShares = 0
        var trades = 0

        init(key: String) { self.key = key }

        @discardableResult
        func run(_ commands: [Command]) async throws -> [Rejection?] {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(gatewayPort)/v1/venue/commands")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
            request.httpBody = try JournalCodec.encoder().encode(["commands": commands])
            let (data, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw Failure("the gateway refused the request: \(String(decoding: data, as: UTF8.self))")
            }
            let reply = try JournalCodec.decoder().decode(Reply.self, from: data)
            guard reply.results.count == commands.count else { throw Failure("\(reply.results.count) results") }
            var rejections: [Rejection?] = []
            for (command, result) in zip(commands, reply.results) {
                let one = single.execute(
                    SequencedInput(
                        sequence: single.lastSequence + 1, timestamp: Timestamp(nanoseconds: result.time),
                        commandID: nil, command: command))
                if one.rejection?.code != result.rejection?.code {
                    mismatches.append("\(command): \(one) vs \(String(describing: result.rejection))")
                }
                for case .positionLiquidated(let step) in result.outcomes.flatMap(\.outcome.events) {
                    steps += 1
                    remoteShares += step.remoteShares?.count ?? 0
                }
                if case .applyFill = command, one.rejection == nil { trades += 1 }
                rejections.append(one.rejection)
            }
            return rejections
        }

        /// A mark, then every pool the engine flags, one step each until none is left.
        func mark(_ price: Int64) async throws {
            try await run([.setMarkPrice(market: market, mark: Price(atoms: price), index: nil)])
            var refused: Set<AccountID> = []
            for _ in 0..<1_000 {
                guard
                    let pool = single.alerts.first(where: {
                        $0.alert == .liquidating && !refused.contains($0.pool.account)
                    })?.pool
                else { return }
                if try await run([.liquidate(account: pool.account, market: market, keeper: nil)])[0] != nil {
                    refused.insert(pool.account)
                }
            }
        }
    }

    /// USDT and BTCUSDT on the Binance 2021 tiers, 120 traders paired long/short at 60,000 with
    /// leverage 5 to 25, auto-deleveraging after a 200 USDT fund.
    static func setUp(seed: UInt64) -> [Command] {
        var commands: [Command] = [
            // Prices are fresh for an hour: the gateway stamps wall-clock times, and a loaded
            // machine must not turn the trades away as stale.
            .createAsset(AssetSpec(id: usdt, symbol: "USDT", scale: 6, priceMaxAgeSeconds: 3_600)),
            .setIndexPrice(asset: usdt, price: Price("1")!),
            .createMarket(
                linearMarket(1), RiskParameters(margin: .tiered(binanceBTCUSDT2021()), priceMaxAgeSeconds: 3_600)),
            .setMarkPrice(market: market, mark: Price(atoms: 60_000 * 100_000_000), index: nil),
            .configureLiquidation(
                market: market,
                LiquidationParameters(
                    depth: .squareRoot(depth: amount("2000000", scale: 6).atoms, coefficient: rate("0.02")),
                    penaltyRate: rate("0.005"), clearanceFeeRate: rate("0.001"),
                    target: .maintenancePlusBuffer(rate("0.1")), stepFraction: rate("0.5"), dustNotional: 0,
                    lossAllocation: .autoDeleveraging(ranking: .profitTimesLeverage, maximumCounterparties: 6))),
            .fundInsurance(asset: usdt, amount: amount("200", scale: 6)),
        ]
        var random = SplitMix64(seed: seed)
        var collateral: [Int64] = []
        for index in 0..<120 {
            let id = AccountID(UInt64(1_000 + index))
            collateral.append(Int64(random.uniform(2_000, 20_000)) * 1_000_000)
            commands += [
                .openAccount(id), .deposit(account: id, asset: usdt, amount: Amount(atoms: collateral[index])),
                .setLeverage(account: id, market: market, leverage: Int64(random.uniform(5, 25)), isolated: false),
            ]
        }
        for pair in stride(from: 0, to: 119, by: 2) {
            let room = Double(min(collateral[pair], collateral[pair + 1])) / 1e6
            let lots = Int64(room * 5 * random.uniform(0.3, 0.8) / 60_000 * 1_000)
            guard lots > 0 else { continue }
            commands.append(
                .applyFill(
                    Fill(
                        market: market, buyer: AccountID(UInt64(1_000 + pair)), seller: AccountID(UInt64(1_001 + pair)),
                        quantity: Quantity(atoms: lots * 100_000), price: Price(atoms: 60_000 * 100_000_000),
                        taker: .buyer)))
        }
        return commands
    }

    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"))
    func crashThroughTheGatewayMatchesOneEngine() async throws {
        try await Self.withVenue("crash", shards: 4) { venue in
            let (shards, twin) = (venue.shards, venue.twin)

            let setUp = Self.setUp(seed: 7)
            let fills = setUp.filter { if case .applyFill = $0 { true } else { false } }.count
            try await twin.run(setUp)
            var price = 60_000.0
            for _ in 0..<22 {
                price *= 0.98
                try await twin.mark(Int64(price) * 100_000_000)
            }
            // The gateway dies between the fall and the rebound; a new one finds the baton on the shards.
            try venue.restartGateway()
            for _ in 0..<8 {
                price *= 1.03
                try await twin.mark(Int64(price) * 100_000_000)
            }

            // Inputs a shard's reads must not turn into a stopped venue: asset 0 and an account id
            // above 2^63 are ids the engine accepts (refused here as unknown, alike on both); and a
            // request of 1,000 deposits to one account, a batch over 100 KB for its shard.
            try await twin.run([
                .coverDeficit(asset: AssetID(0), amount: Amount(atoms: 1)),
                .withdraw(account: AccountID(1_000), asset: AssetID(0), amount: Amount(atoms: 1)),
                .liquidate(account: AccountID(1_000), market: Self.market, keeper: AccountID(UInt64.max)),
            ])
            try await twin.run(
                Array(
                    repeating: .deposit(account: AccountID(1_001), asset: Self.usdt, amount: Amount(atoms: 1)),
                    count: 1_000
                ))
            #expect(twin.mismatches.isEmpty, "\(twin.mismatches.prefix(3))")
            #expect(fills > 50 && twin.trades == fills, "trades applied: \(twin.trades) of \(fills)")
            #expect(twin.steps > 0 && twin.remoteShares > 0, "steps \(twin.steps), remote shares \(twin.remoteShares)")
            for account in twin.single.accounts.dropFirst() {
                let view = try await Self.get(
                    venue.gateway.port, "/v1/venue/accounts/\(account.id.rawValue)", key: twin.key)
                #expect(view["digest"] as? String == twin.single.digestHex(of: account.id), "account \(account.id)")
            }
            var fund: Int64 = 0
            var deficit: Int64 = 0
            for (shard, key) in zip(shards, shards.compactMap(\.adminKey)) {
                let asset = try await Self.get(shard.port, "/v1/shard/assets/\(Self.usdt.rawValue)", key: key)
                fund += (asset["insuranceFund"] as? NSNumber)?.int64Value ?? -1
                deficit += (asset["deficit"] as? NSNumber)?.int64Value ?? -1
            }
            #expect(fund == twin.single.asset(Self.usdt)!.insuranceFund)
            #expect(deficit == twin.single.asset(Self.usdt)!.deficit)
            let venue = try await Self.get(venue.gateway.port, "/v1/venue", key: twin.key)
            #expect((venue["digest"] as? String)?.count == 64)
            print(
                "gateway: \(twin.single.lastSequence) venue inputs, \(twin.steps) liquidation steps, "
                    + "\(twin.remoteShares) counterparties on other shards; shards' sequences "
                    + "\(((venue["shards"] as? [[String: Any]]) ?? []).map { $0["lastSequence"] as? Int ?? -1 })")
        }
    }

    /// Requests that arrive together share the shards' commits (group commit), and each is still
    /// answered only once durable: 24 requests at once, of deposits and trades within and between
    /// two shards, all answered; then the gateway and both shards are killed with SIGKILL, and each
    /// shard, restarted on its journal alone (no gateway to send anything again), is where the
    /// venue said it was — the same sequence, the same digest.
    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"),
        .timeLimit(.minutes(2)))
    func requestsThatArriveTogetherAreEachAnsweredOnceDurable() async throws {
        try await Self.withVenue("group", shards: 2) { venue in
            let (directory, shards, gateway, twin) = (venue.directory, venue.shards, venue.gateway, venue.twin)
            try await twin.run(Array(Self.setUp(seed: 11).prefix(6 + 3 * 40)))
            let requests: [[Command]] = (0..<24).map { request in
                (0..<10).map { item in
                    let buyer = AccountID(UInt64(1_000 + (request * 7 + item) % 40))
                    let seller = AccountID(UInt64(1_000 + (request * 11 + item * 3 + 1) % 40))
                    guard item % 2 == 1, buyer != seller else {
                        return .deposit(account: buyer, asset: Self.usdt, amount: Amount(atoms: Int64(1 + request)))
                    }
                    return .applyFill(
                        Fill(
                            market: Self.market, buyer: buyer, seller: seller, quantity: Quantity(atoms: 100_000),
                            price: Price(atoms: 60_000 * 100_000_000), taker: .buyer))
                }
            }
            let port = gateway.port
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for commands in requests {
                    group.addTask {
                        let body = String(
                            decoding: try JournalCodec.encoder().encode(["commands": commands]), as: UTF8.self)
                        let (code, reply) = try await Self.send(port, "/v1/venue/commands", key: twin.key, body: body)
                        let results = reply["results"] as? [[String: Any]] ?? []
                        return code == 200 && results.count == commands.count
                            && results.allSatisfy { $0["rejection"] == nil }
                            ? 1 : 0
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(answered == requests.count, "\(answered) of \(requests.count) requests answered in full")
            let venue = try await Self.get(gateway.port, "/v1/venue", key: twin.key)
            let before = (venue["shards"] as? [[String: Any]] ?? []).map {
                ($0["lastSequence"] as? Int, $0["digest"] as? String)
            }
            gateway.kill()
            for (index, shard) in shards.enumerated() {
                shard.kill()
                let restarted = try SolventProcess([
                    "serve", "--db", directory.appendingPathComponent("shard\(index).db").path, "--port", "0",
                    "--shard", "\(index)/2",
                ])
                defer { restarted.kill() }
                let state = try await Self.get(restarted.port, "/v1/shard/state", key: try #require(shard.adminKey))
                #expect(
                    before.count == 2 && state["lastSequence"] as? Int == before[index].0
                        && state["digest"] as? String == before[index].1,
                    "shard \(index) restarted at \(state), the venue had \(before)")
            }
        }
    }

    /// A request answered is durable even while others of its group are still running: 24
    /// requests of deposits at once (each request its own amount), both shards killed with SIGKILL
    /// as soon as six are answered; each shard, restarted alone on its journal, holds every deposit
    /// of every answered request.
    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"),
        .timeLimit(.minutes(2)))
    func anAnsweredRequestSurvivesTheShardsDyingInsideItsGroup() async throws {
        try await Self.withVenue("ack", shards: 2) { venue in
            let (directory, shards, gateway, twin) = (venue.directory, venue.shards, venue.gateway, venue.twin)
            try await twin.run(Array(Self.setUp(seed: 11).prefix(6 + 3 * 40)))
            let port = gateway.port
            let answered = try await withThrowingTaskGroup(of: Int?.self) { group in
                for request in 0..<24 {
                    group.addTask {
                        let commands = (0..<10).map { item in
                            Command.deposit(
                                account: AccountID(UInt64(1_000 + (request + item * 3) % 40)), asset: Self.usdt,
                                amount: Amount(atoms: Int64(7_000 + request)))
                        }
                        let body = String(
                            decoding: try JournalCodec.encoder().encode(["commands": commands]), as: UTF8.self)
                        let (code, _) = try await Self.send(port, "/v1/venue/commands", key: twin.key, body: body)
                        return code == 200 ? 7_000 + request : nil
                    }
                }
                var answered: [Int] = []
                for try await amount in group {
                    if let amount { answered.append(amount) }
                    if answered.count == 6 { shards.forEach { $0.kill() } }
                }
                return answered
            }
            gateway.kill()
            var deposits: [Int: Int] = [:]
            for (index, shard) in shards.enumerated() {
                let restarted = try SolventProcess([
                    "serve", "--db", directory.appendingPathComponent("shard\(index).db").path, "--port", "0",
                    "--shard", "\(index)/2",
                ])
                defer { restarted.kill() }
                let inputs = try await Self.get(
                    restarted.port, "/v1/shard/inputs?after=0&limit=1000", key: try #require(shard.adminKey))
                for case let command as [String: Any] in inputs["commands"] as? [Any] ?? [] {
                    if let amount = ((command["deposit"] as? [String: Any])?["amount"] as? [String: Any])?["atoms"]
                        as? Int
                    {
                        deposits[amount, default: 0] += 1
                    }
                }
            }
            #expect(answered.count >= 6, "answered before the kill: \(answered.count)")
            for amount in answered {
                #expect(
                    deposits[amount] == 10,
                    "request \(amount - 7_000) was answered; its deposits on the shards: \(deposits[amount] ?? 0) of 10"
                )
            }
            print("answered: \(answered.count) of 24 requests; their deposits all on the restarted shards")
        }
    }

    /// A venue of shard processes behind a gateway process, in a folder of its own, and the
    /// engine its tests compare it with.
    final class Venue: @unchecked Sendable {
        let directory: URL
        let shards: [SolventProcess]
        let arguments: [String]
        var gateway: SolventProcess
        let twin: Twin

        /// `key` is read once the gateway has started (it writes the file).
        init(directory: URL, shards: [SolventProcess], arguments: [String], key: () throws -> String) throws {
            self.directory = directory
            self.shards = shards
            self.arguments = arguments
            gateway = try SolventProcess(arguments)
            twin = Twin(key: try key())
            twin.gatewayPort = gateway.port
        }

        /// Kills the gateway with SIGKILL and starts a new one on its log.
        func restartGateway() throws {
            gateway.kill()
            gateway = try SolventProcess(arguments)
            twin.gatewayPort = gateway.port
        }
    }

    /// Runs `body` on a venue of `count` shards (`startShards`) and its gateway; every process is
    /// killed and the folder removed when it returns.
    static func withVenue(_ name: String, shards count: Int, _ body: (Venue) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-gateway-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (shards, arguments, key) = try startShards(count, in: directory)
        defer { shards.forEach { $0.kill() } }
        let venue = try Venue(directory: directory, shards: shards, arguments: arguments, key: key)
        defer { venue.gateway.kill() }
        try await body(venue)
    }

    /// `count` shard services on SQLite journals in `directory`, the arguments of a gateway over
    /// them (its write-ahead log and client key in `directory`, no keeper), and the client key
    /// (readable once the gateway has started).
    static func startShards(
        _ count: Int, in directory: URL
    ) throws -> (shards: [SolventProcess], gateway: [String], key: () throws -> String) {
        var shards: [SolventProcess] = []
        for shard in 0..<count {
            let db = directory.appendingPathComponent("shard\(shard).db").path
            shards.append(try SolventProcess(["serve", "--db", db, "--port", "0", "--shard", "\(shard)/\(count)"]))
        }
        let keys = directory.appendingPathComponent("shard-keys").path
        try shards.compactMap(\.adminKey).joined(separator: "\n").write(toFile: keys, atomically: true, encoding: .utf8)
        let keyFile = directory.appendingPathComponent("gateway-key").path
        let arguments =
            [
                "gateway", "--port", "0", "--keeper-interval", "0", "--shard-keys", keys, "--key-file", keyFile,
                "--log-file", directory.appendingPathComponent("gateway-log.sqlite").path,
            ] + shards.flatMap { ["--shard", "http://127.0.0.1:\($0.port)"] }
        let key = { try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .newlines) }
        return (shards, arguments, key)
    }

    /// Hostile requests to the gateway and to a shard: each answered with its status and a named
    /// error, and the venue still takes a good request afterwards (none of them stops it).
    @Test(
        .enabled(
            if: CrashSafetyTests.binary != nil,
            "the solvent binary is not built (swift build --product solvent): gateway test skipped"))
    func hostileRequestsAreRefusedByName() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("solvent-gateway-bad-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let shard = try SolventProcess([
            "serve", "--db", directory.appendingPathComponent("s.db").path, "--port", "0",
            "--shard", "0/1",
        ])
        defer { shard.kill() }
        let shardKey = try #require(shard.adminKey)
        let keys = directory.appendingPathComponent("keys").path
        try shardKey.write(toFile: keys, atomically: true, encoding: .utf8)
        let keyFile = directory.appendingPathComponent("key").path
        let gateway = try SolventProcess([
            "gateway", "--port", "0", "--keeper-interval", "0", "--shard-keys", keys, "--key-file", keyFile,
            "--log-file", directory.appendingPathComponent("log.sqlite").path, "--shard",
            "http://127.0.0.1:\(shard.port)",
        ])
        defer { gateway.kill() }
        let key = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        let commands = "/v1/venue/commands"
        let open = #"{"commands":[{"openAccount":{"_0":{"rawValue":7}}}]}"#
        let cases: [(path: String, key: String?, body: String?, status: Int, error: String)] = [
            (commands, nil, open, 401, "unauthorized"),
            (commands, "sk_wrong", open, 401, "unauthorized"),
            (commands, key, "not json", 400, "invalidField"),
            (commands, key, #"{"commands":[]}"#, 400, "invalidField"),
            (commands, key, #"{"commands":[{"noSuchCommand":{}}]}"#, 400, "invalidField"),
            (commands, key, #"{"commands":[{"openAccount":{"_0":{"rawValue":-1}}}]}"#, 400, "invalidField"),
            (commands, key, #"{"commands":[{"openAccount":{"_0":{"rawValue":1e400}}}]}"#, 400, "invalidField"),
            (
                commands, key,
                #"{"commands":["# + Array(repeating: #"{"tick":{}}"#, count: 1_001).joined(separator: ",") + "]}",
                400, "invalidField"
            ),
            ("/v1/venue/accounts/abc", key, nil, 400, "invalidField"),
            ("/v1/venue/accounts/0", key, nil, 400, "invalidField"),
            ("/v1/venue/accounts/18446744073709551616", key, nil, 400, "invalidField"),
            ("/v1/venue", "sk_wrong", nil, 401, "unauthorized"),
        ]
        for (path, key, body, status, error) in cases {
            let (code, reply) = try await Self.send(gateway.port, path, key: key, body: body)
            #expect(
                code == status && reply["error"] as? String == error,
                "\(path) \(body?.prefix(60) ?? ""): \(code) \(reply)")
        }
        // A shard takes inputs from its gateway only; its protocol needs an admin key.
        let direct = try await Self.send(shard.port, "/v1/accounts", key: shardKey, body: #"{"account":9}"#)
        #expect(direct.0 == 409 && direct.1["error"] as? String == "venueShard", "\(direct)")
        let unkeyed = try await Self.send(shard.port, "/v1/shard/state", key: nil, body: nil)
        #expect(unkeyed.0 == 401, "\(unkeyed)")
        let badTime = try await Self.send(
            shard.port, "/v1/shard/execute", key: shardKey, body: #"{"command":{"tick":{}},"time":"soon"}"#)
        #expect(badTime.0 == 400 && badTime.1["error"] as? String == "invalidField", "\(badTime)")
        // A write numbered for another place in the journal applies nothing; a sequence that is
        // not a number is refused as a malformed message.
        for sequence in ["999999", "0", "18446744073709551615"] {
            let wrong = try await Self.send(
                shard.port, "/v1/shard/execute", key: shardKey,
                body: #"{"command":{"openAccount":{"_0":{"rawValue":99}}},"time":1,"sequence":\#(sequence)}"#)
            #expect(wrong.0 == 409 && wrong.1["error"] as? String == "sequenceMismatch", "\(sequence): \(wrong)")
        }
        let notNumber = try await Self.send(
            shard.port, "/v1/shard/execute-batch", key: shardKey,
            body: #"{"commands":[{"tick":{}}],"time":1,"sequence":"next"}"#)
        #expect(notNumber.0 == 400 && notNumber.1["error"] as? String == "invalidField", "\(notNumber)")
        let unapplied = try await Self.send(shard.port, "/v1/shard/accounts/99", key: shardKey, body: nil)
        #expect(unapplied.1["exists"] as? Bool == false, "a refused write applied: \(unapplied)")
        for query in ["after=x&limit=1", "after=0&limit=0", "after=0&limit=1001", "limit=5", "after=-1&limit=1"] {
            let bad = try await Self.send(shard.port, "/v1/shard/inputs?\(query)", key: shardKey, body: nil)
            #expect(bad.0 == 400 && bad.1["error"] as? String == "invalidField", "\(query): \(bad)")
        }
        let inputs = try await Self.send(shard.port, "/v1/shard/inputs?after=0&limit=2", key: shardKey, body: nil)
        #expect(inputs.0 == 200 && (inputs.1["commands"] as? [Any])?.count == 1, "the join: \(inputs)")
        // The venue still runs.
        let (code, reply) = try await Self.send(gateway.port, commands, key: key, body: open)
        #expect(code == 200 && (reply["results"] as? [Any])?.count == 1, "\(code) \(reply)")
        #expect(try await Self.send(gateway.port, "/health", key: nil, body: nil).0 == 200)
    }

    static func send(_ port: Int, _ path: String, key: String?, body: String?) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    static func get(_ port: Int, _ path: String, key: String) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}
