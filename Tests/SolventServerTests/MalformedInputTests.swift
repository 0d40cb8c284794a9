import Foundation
import Hummingbird
import HummingbirdTesting
import SolventRandom
import SolventServer
import Testing

/// Goal: no malformed or hostile request gets a 5xx, crashes the service, or changes the state
/// when it is refused. Method: thousands of seeded payloads — broken JSON, wrong types, missing
/// and unknown fields, huge and negative numbers, ids that do not exist, too many decimals,
/// oversized bodies — at every write endpoint with a key of the right role; and valid bodies of
/// the main routes with one hostile change each (huge ids, unknown keys in nested objects,
/// repeated keys, wrong types, NaN/Infinity, 30-digit numbers). Then one test per refusal that
/// once was a silent change: ids clamped, nested unknown fields ignored, repeated keys, the
/// message of a number too large.
struct MalformedInputTests {
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    static let values: [String] = [
        "1", "0", "-1", "2", "\"1\"", "\"0.001\"", "\"60000\"", "\"-5\"", "\"1e9\"", "\"abc\"", "\"\"", "null", "true",
        "[]", "{}",
        "1.5", "\"0.0000000000001\"", "99999999999999999999", "\"99999999999999999999\"", "-9223372036854775808",
        "\"buyer\"", "\"seller\"", "\"trader\"", "\"admin\"", "\"adl\"", "\"orderbook\"", "\"BTCUSDT\"",
        String(repeating: "\"x", count: 1) + String(repeating: "x", count: 200) + "\"",
    ]
    static let endpoints: [(String, [String])] = [
        ("/v1/assets", ["id", "symbol", "scale", "priceMaxAgeSeconds", "collateralTiers"]),
        ("/v1/markets", ["id", "symbol", "kind", "settleAsset", "contractSize", "tickSize", "lotSize", "tiers"]),
        ("/v1/accounts", ["account"]),
        ("/v1/deposits", ["account", "asset", "amount"]),
        ("/v1/withdrawals", ["account", "asset", "amount"]),
        ("/v1/fills", ["market", "buyer", "seller", "quantity", "price", "taker"]),
        ("/v1/fills/batch", ["market", "buyer", "seller", "quantity", "price", "taker"]),
        ("/v1/insurance-fund", ["asset", "amount"]),
        ("/v1/prices", ["market", "mark", "index"]),
        ("/v1/index-prices", ["asset", "price"]),
        ("/v1/liquidations", ["account", "market"]),
        ("/v1/backstops", ["account", "market", "capacity"]),
        ("/v1/auctions/1/bids", ["bidder", "quantity", "limitPrice"]),
        ("/v1/keys", ["role", "account", "label"]),
        ("/v1/margin-models", ["account", "model"]),
        ("/v1/var-margin", ["series", "confidence", "measure", "lambda", "draws"]),
        ("/v1/spread-credits", ["spreads"]),
    ]

    @Test func thousandsOfBadPayloads() async throws {
        let h = try await ServerHarness.make("fuzz")
        try await h.app().test(.router) { client in
            var random = Random(state: 2_024)
            try await seedVenue(client, h)
            var statuses: [Int: Int] = [:]
            var mutated: [Int: Int] = [:]
            for round in 0..<4_500 {
                // A third of the rounds: a valid body of a main route with one hostile change.
                if random.next() % 3 == 0 {
                    mutated[try await Self.mutatedRound(client, h, &random, round: round), default: 0] += 1
                    continue
                }
                let (uri, fields) = random.pick(Self.endpoints)
                var body: String
                switch random.next() % 6 {
                case 0: body = random.pick(["", "{", "[1,2]", "null", "\"text\"", "{\"a\":", "{}{}", "\u{0}"])
                case 1: body = "{" + String(repeating: "\"k\": 1,", count: 10_000) + "\"k\": 1}"  // > 64 KiB
                default:
                    var pairs: [String] = []
                    for field in fields where random.next() % 4 != 0 {
                        pairs.append("\"\(field)\": \(random.pick(Self.values))")
                    }
                    if random.next() % 5 == 0 { pairs.append("\"unexpected\": 1") }
                    if random.next() % 7 == 0, uri.contains("markets") || uri.contains("assets") {
                        pairs.append(#""tiers": [{"initial": "0.5", "maintenance": \#(random.pick(Self.values))}]"#)
                    }
                    body = "{" + pairs.joined(separator: ", ") + "}"
                    if uri.hasSuffix("/batch") {
                        // A good fill beside the random one: a bad item refuses the whole batch.
                        let good = #"{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}"#
                        body =
                            random.next() % 3 == 0
                            ? random.pick([#"{"fills": []}"#, #"{"fills": {}}"#, #"{"fills": [1]}"#])
                            : #"{"fills": [\#(good), \#(body)]}"#
                    }
                }
                let key =
                    uri.contains("prices")
                    ? h.oracle : uri.contains("liquidations") || uri.contains("bids") ? h.liquidator : h.admin
                let before = await h.businessDigest()
                let reply = try await client.call(.post, uri, key: key, body)
                statuses[reply.status, default: 0] += 1
                #expect(
                    reply.status < 500,
                    "round \(round) \(uri) \(body.prefix(200)): \(reply.status) \(reply.body.prefix(300))")
                if reply.status >= 400 {
                    #expect(
                        reply.object["error"] != nil, "\(uri): an error body names the error: \(reply.body.prefix(200))"
                    )
                    #expect(
                        await h.businessDigest() == before,
                        "round \(round) \(uri) \(body.prefix(200)): refused but changed the state")
                }
            }
            print(
                "malformed inputs: status counts \(statuses.sorted { $0.key < $1.key }); mutated valid bodies \(mutated.sorted { $0.key < $1.key })"
            )
            #expect(mutated.values.reduce(0, +) > 1_000 && (mutated[400] ?? 0) > 1_000)
            #expect((statuses[400] ?? 0) > 1_000 && (statuses[413] ?? 0) > 100)
            // The service still works afterwards.
            #expect(try await client.call(.get, "/health", key: nil).status == 200)
        }
    }

    /// Valid bodies of the main routes (after `seedVenue`), as the fuzz mutates them.
    static let validBodies: [(HTTPRequest.Method, String, Role, String)] = [
        (.post, "/v1/deposits", .admin, #"{"account": 1, "asset": 1, "amount": "10"}"#),
        (.post, "/v1/withdrawals", .admin, #"{"account": 3, "asset": 1, "amount": "0.5"}"#),
        (.post, "/v1/insurance-fund", .admin, #"{"asset": 1, "amount": "1"}"#),
        (
            .post, "/v1/fills", .admin,
            #"{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000", "taker": "seller"}"#
        ),
        (
            .post, "/v1/fills/batch", .admin,
            #"{"fills": [{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}, {"market": 1, "buyer": 4, "seller": 3, "quantity": "0.001", "price": "60000"}]}"#
        ),
        (.post, "/v1/prices", .oracle, #"{"market": 1, "mark": "60000", "index": "59990"}"#),
        (.post, "/v1/index-prices", .oracle, #"{"asset": 1, "price": "1"}"#),
        (
            .post, "/v1/assets", .admin,
            #"{"id": 7, "symbol": "ETH", "scale": 8, "priceMaxAgeSeconds": 600, "collateralTiers": [{"cap": "100", "ratio": "0.9"}, {"ratio": "0.5"}]}"#
        ),
        (
            .post, "/v1/markets", .admin,
            #"{"id": 2, "symbol": "ETHUSDT", "settleAsset": 1, "contractSize": "1", "tickSize": "0.01", "lotSize": "0.01", "tiers": [{"cap": "50000", "initial": "0.02", "maintenance": "0.01"}, {"initial": "0.05", "maintenance": "0.025"}]}"#
        ),
        (
            .put, "/v1/markets/1/risk", .admin,
            #"{"tiers": [{"cap": "1000000", "initial": "0.01", "maintenance": "0.005"}, {"initial": "0.02", "maintenance": "0.01"}], "feeTakerRate": "0.0005"}"#
        ),
        (
            .put, "/v1/markets/1/oracle", .admin,
            #"{"sources": [{"id": 1}, {"id": 2, "weight": 2}], "minimumSources": 1, "band": "0.05"}"#
        ),
        (
            .post, "/v1/oracle-samples", .oracle,
            #"{"market": 1, "samples": [{"source": 1, "price": "60000"}, {"source": 2, "price": "60010", "timeNanoseconds": 1}]}"#
        ),
        (.post, "/v1/accounts", .admin, #"{"account": 77}"#),
        (.post, "/v1/liquidations", .liquidator, #"{"account": 1, "market": 1}"#),
        (
            .post, "/v1/var-margin", .admin,
            #"{"series": [{"market": 1, "moves": ["0.01", "-0.02", "0.015"]}], "confidence": "0.99"}"#
        ),
        (.post, "/v1/spread-credits", .admin, #"{"spreads": [{"first": 1, "second": 2, "creditRate": "0.5"}]}"#),
    ]

    /// What a mutation puts in place of a value (raw JSON text).
    static let hugeIDs = [
        "4294967296", "18446744073709551615", "18446744073709551616", "\"4294967296\"", "99999999999999999999999999999",
        "0", "-1",
    ]
    static let wrongTypes = ["true", "null", "[]", "{}", "\"\"", "[1]", #"{"a": 1}"#, #"[{"a": 1}]"#]
    static let notNumbers = ["\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"nan\"", "\"inf\"", "\"1e400\"", "\"0x10\""]
    static let thirtyDigits = [
        "123456789012345678901234567890", "\"123456789012345678901234567890\"", "-123456789012345678901234567890",
        "\"0.000000000000000000000000000001\"", "\"1.000000000000000000000000000001\"", "1e30",
    ]
    static let idFields: Set<String> = [
        "id", "account", "asset", "market", "buyer", "seller", "settleAsset", "source", "first", "second",
    ]

    /// A JSON value the fuzz writes itself, so that it can repeat keys and write raw numbers.
    indirect enum Node {
        case raw(String)
        case object([(String, Node)])
        case array([Node])

        init(_ value: Any) {
            switch value {
            // Sorted: seeded runs repeat.
            case let object as [String: Any]: self = .object(object.keys.sorted().map { ($0, Node(object[$0]!)) })
            case let array as [Any]: self = .array(array.map(Node.init))
            case let string as String: self = .raw(Node.quoted(string))
            default: self = .raw("\(value)")
            }
        }

        var text: String {
            switch self {
            case .raw(let text): return text
            case .object(let pairs):
                return "{" + pairs.map { "\(Node.quoted($0.0)): \($0.1.text)" }.joined(separator: ", ") + "}"
            case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
            }
        }

        static func quoted(_ key: String) -> String {
            String(
                decoding: try! JSONSerialization.data(withJSONObject: key, options: .fragmentsAllowed), as: UTF8.self)
        }

        /// Every object's path (`""` for the body, `tiers[1]`).
        func objects(_ path: String = "") -> [String] {
            switch self {
            case .raw: return []
            case .object(let pairs): return [path] + pairs.flatMap { $0.1.objects(Node.join(path, $0.0)) }
            case .array(let items): return items.indices.flatMap { items[$0].objects("\(path)[\($0)]") }
            }
        }

        /// Every scalar's path with the key it is under (`tiers[1].cap`, `series[0].moves[2]` under `moves`).
        func values(_ path: String = "", key: String = "") -> [(path: String, key: String)] {
            switch self {
            case .raw: return [(path, key)]
            case .object(let pairs): return pairs.flatMap { $0.1.values(Node.join(path, $0.0), key: $0.0) }
            case .array(let items): return items.indices.flatMap { items[$0].values("\(path)[\($0)]", key: key) }
            }
        }

        static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        /// This tree with `change` applied to the node at `path`.
        func changing(_ path: String, at here: String = "", _ change: (Node) -> Node) -> Node {
            if path == here { return change(self) }
            switch self {
            case .raw: return self
            case .object(let pairs):
                return .object(pairs.map { ($0.0, $0.1.changing(path, at: Node.join(here, $0.0), change)) })
            case .array(let items):
                return .array(items.indices.map { items[$0].changing(path, at: "\(here)[\($0)]", change) })
            }
        }
    }

    /// One fuzz round: a valid body of a main route with one hostile change — a huge id, an
    /// unknown key in some object at any depth, a repeated key, a wrong type, NaN or Infinity as
    /// text, a 30-digit number. The answer is a success or a 4xx naming a field, never a 5xx, and
    /// a refusal leaves the business state as it was. An unknown or repeated key must be refused
    /// naming exactly its path.
    static func mutatedRound(
        _ client: some TestClientProtocol, _ h: ServerHarness, _ random: inout Random, round: Int
    ) async throws -> Int {
        let (method, uri, role, valid) = random.pick(validBodies)
        var tree = Node(try JSONSerialization.jsonObject(with: Data(valid.utf8)))
        var expectedField: String?
        switch random.next() % 6 {
        case 0:
            let ids = tree.values().filter { idFields.contains($0.key) }
            let target = ids.isEmpty ? random.pick(tree.values()) : random.pick(ids)
            tree = tree.changing(target.path) { _ in .raw(random.pick(hugeIDs)) }
        case 1:
            let object = random.pick(tree.objects())
            let key = random.pick(["Cap", "unexpected", "timeNanosecond", "weigth", "Amount", "id2"])
            tree = tree.changing(object) { node in
                guard case .object(let pairs) = node else { return node }
                return .object(pairs + [(key, .raw("1"))])
            }
            expectedField = Node.join(object, key)
        case 2:
            // Repeat a key of some object (same value or another one), after the original.
            let object = random.pick(tree.objects())
            tree = tree.changing(object) { node in
                guard case .object(let pairs) = node, let pair = pairs.isEmpty ? nil : random.pick(pairs) else {
                    return node
                }
                expectedField = Node.join(object, pair.0)
                return .object(pairs + [(pair.0, random.next() % 2 == 0 ? pair.1 : .raw("\"1000\""))])
            }
        case 3: tree = tree.changing(random.pick(tree.values()).path) { _ in .raw(random.pick(wrongTypes)) }
        case 4: tree = tree.changing(random.pick(tree.values()).path) { _ in .raw(random.pick(notNumbers)) }
        default: tree = tree.changing(random.pick(tree.values()).path) { _ in .raw(random.pick(thirtyDigits)) }
        }
        let body = tree.text
        let key =
            switch role {
            case .oracle: h.oracle;
            case .liquidator: h.liquidator;
            default: h.admin
            }
        let before = await h.businessDigest()
        let reply = try await client.call(method, uri, key: key, body)
        let context = "round \(round) \(uri) \(body): \(reply.status) \(reply.body.prefix(300))"
        #expect(reply.status == 200 || (400..<500).contains(reply.status), "\(context)")
        if reply.status >= 400 {
            #expect(
                reply.object["error"] is String && reply.object["field"] is String,
                "a refusal names its field: \(context)")
            #expect(await h.businessDigest() == before, "refused but changed the state: \(context)")
        }
        if let expectedField {
            #expect(
                reply.status == 400 && reply.object["field"] as? String == expectedField,
                "expected \(expectedField) named: \(context)")
        }
        return reply.status
    }

    /// Calls `uri` with `body` and expects a 400 naming `field` (with `reason` in its message),
    /// the business state untouched.
    static func expectRefused(
        _ client: some TestClientProtocol, _ h: ServerHarness, _ uri: String, method: HTTPRequest.Method = .post,
        key: String, _ body: String, field: String, reason: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = await h.businessDigest()
        let reply = try await client.call(method, uri, key: key, body)
        #expect(reply.status == 400, "\(uri) \(body): \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        #expect(
            reply.object["field"] as? String == field, "\(uri) \(body): \(reply.body)", sourceLocation: sourceLocation)
        #expect(
            (reply.object["message"] as? String ?? "").contains(reason), "\(uri) \(body): \(reply.body)",
            sourceLocation: sourceLocation)
        #expect(
            await h.businessDigest() == before, "\(uri) \(body): refused but changed the state",
            sourceLocation: sourceLocation)
    }

    /// Ids beyond their type are refused, never clamped: asset 4294967296 was created as asset
    /// 4294967295, and a deposit to asset 2^64 − 1 credited asset 4294967295.
    @Test func idsOutOfRangeAreRefusedNotClamped() async throws {
        let h = try await ServerHarness.make("ids")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            // Asset 4294967295 exists, so a clamped id would land somewhere real.
            #expect(
                try await client.call(
                    .post, "/v1/assets", key: h.admin, #"{"id": 4294967295, "symbol": "MAX", "scale": 6}"#
                ).status == 200)
            let range32 = "out of range: expected an id from 1 to 4294967295"
            for id in ["4294967296", "18446744073709551615", "18446744073709551616", "99999999999999999999999999999"] {
                try await Self.expectRefused(
                    client, h, "/v1/assets", key: h.admin, #"{"id": \#(id), "symbol": "BIG", "scale": 6}"#, field: "id",
                    reason: range32)
                try await Self.expectRefused(
                    client, h, "/v1/deposits", key: h.admin, #"{"account": 1, "asset": \#(id), "amount": "5"}"#,
                    field: "asset", reason: range32)
                try await Self.expectRefused(
                    client, h, "/v1/prices", key: h.oracle, #"{"market": \#(id), "mark": "60000"}"#, field: "market",
                    reason: range32)
                try await Self.expectRefused(
                    client, h, "/v1/fills", key: h.admin,
                    #"{"market": \#(id), "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}"#,
                    field: "market", reason: range32)
                try await Self.expectRefused(
                    client, h, "/v1/markets/1/oracle", method: .put, key: h.admin,
                    #"{"sources": [{"id": 1}, {"id": \#(id)}]}"#,
                    field: "sources[1].id", reason: range32)
                try await Self.expectRefused(
                    client, h, "/v1/spread-credits", key: h.admin,
                    #"{"spreads": [{"first": 1, "second": \#(id), "creditRate": "0.5"}]}"#, field: "spreads[0].second",
                    reason: range32)
            }
            // Accounts are 64-bit: 2^64 − 1 is an id (of no account), 2^64 is out of range.
            try await Self.expectRefused(
                client, h, "/v1/deposits", key: h.admin,
                #"{"account": 18446744073709551616, "asset": 1, "amount": "5"}"#,
                field: "account", reason: "out of range: expected an id from 1 to 18446744073709551615")
            // Ids are JSON integers, as the document says: a string, even of digits, is refused.
            for id in ["\"18446744073709551616\"", "\"7\"", "true"] {
                try await Self.expectRefused(
                    client, h, "/v1/deposits", key: h.admin, #"{"account": \#(id), "asset": 1, "amount": "5"}"#,
                    field: "account", reason: "expected a positive integer id as a JSON number, got")
            }
            // Decimals are JSON strings: a JSON number (which a reader would make a binary float) is refused.
            for amount in ["5", "5.25"] {
                try await Self.expectRefused(
                    client, h, "/v1/deposits", key: h.admin, #"{"account": 1, "asset": 1, "amount": \#(amount)}"#,
                    field: "amount", reason: "expected a decimal as a JSON string")
            }
            // Null is never a value, of a required field or an optional one (leave it out).
            for (uri, key, body, field) in [
                ("/v1/deposits", h.admin, #"{"account": null, "asset": 1, "amount": "5"}"#, "account"),
                ("/v1/deposits", h.admin, #"{"account": 1, "asset": 1, "amount": null}"#, "amount"),
                ("/v1/prices", h.oracle, #"{"market": 1, "mark": "60000", "index": null}"#, "index"),
                (
                    "/v1/position-imports", h.admin,
                    #"{"account": 1, "market": 1, "size": "1", "entryPrice": "1", "isolatedMargin": null}"#,
                    "isolatedMargin"
                ),
            ] {
                try await Self.expectRefused(client, h, uri, key: key, body, field: field, reason: "got null")
            }
            // Not too large, simply not ids.
            for id in ["0", "-1", "\"abc\"", "1.5", "\"0000\""] {
                try await Self.expectRefused(
                    client, h, "/v1/deposits", key: h.admin, #"{"account": 1, "asset": \#(id), "amount": "5"}"#,
                    field: "asset", reason: "expected a positive integer id")
            }
            let max =
                try await client.call(.get, "/v1/accounts/1", key: h.readonly).object["balances"] as? [[String: Any]]
                ?? []
            #expect(!max.contains { $0["asset"] as? Int == 4_294_967_295 }, "nothing was credited to asset 4294967295")
        }
    }

    /// A body nested deeper than any request needs is refused before it costs more than its
    /// bytes; an Accept header other than JSON never turns an applied write into an error.
    @Test func deepBodiesAreRefusedAndRepliesAreJSONWhateverTheClientAccepts() async throws {
        let h = try await ServerHarness.make("deep-bodies")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            for deep in [String(repeating: "[", count: 60_000), String(repeating: #"{"a":"#, count: 12_000)] {
                let reply = try await client.call(.post, "/v1/deposits", key: h.admin, deep)
                #expect(reply.status == 400 && reply.object["field"] as? String == "body", "\(reply.body.prefix(200))")
            }
            try await client.execute(
                uri: "/v1/deposits", method: .post,
                headers: [.authorization: "Bearer \(h.admin)", .accept: "text/plain"],
                body: ByteBuffer(string: #"{"account": 1, "asset": 1, "amount": "5"}"#)
            ) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    /// A path parameter that is not an id is named, whatever the body.
    @Test func pathParametersThatAreNotIdsAreNamed() async throws {
        let h = try await ServerHarness.make("path-parameters")
        try await h.app().test(.router) { client in
            for (uri, body) in [
                ("/v1/auctions/abc/reset", nil), ("/v1/auctions/99999999999999999999/reset", nil),
                ("/v1/auctions/abc/bids", #"{"bidder": 900, "quantity": "1", "limitPrice": "1"}"#),
                ("/v1/auctions/-1/reset", nil),
            ] as [(String, String?)] {
                let reply = try await client.call(.post, uri, key: h.liquidator, body)
                #expect(reply.status == 400, "\(uri): \(reply.body)")
                #expect((reply.object["message"] as? String ?? "").contains("auction"), "\(uri): \(reply.body)")
            }
        }
    }

    /// A query parameter that is missing, unknown, repeated, outside its values or not an integer
    /// in range is refused naming it (the runtime's decoder names none).
    @Test func queryParametersAreNamed() async throws {
        let h = try await ServerHarness.make("query-parameters")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            for (uri, field, words) in [
                ("/v1/adl-ranks?market=1&side=bogus", "side", "expected one of long, short"),
                ("/v1/adl-ranks?market=abc", "market", "from 1 to 4294967295, got abc"),
                ("/v1/adl-ranks?market=0", "market", "from 1 to 4294967295"),
                ("/v1/adl-ranks?market=4294967296", "market", "from 1 to 4294967295"),
                ("/v1/adl-ranks?side=long", "market", "required"),
                ("/v1/liquidations?limit=0", "limit", "from 1 to 1000"),
                ("/v1/liquidations?limit=1001", "limit", "from 1 to 1000"),
                ("/v1/liquidations?limit=1.5", "limit", "from 1 to 1000, got 1.5"),
                ("/v1/liquidations?limit=%2B5", "limit", "from 1 to 1000, got +5"),
                ("/v1/liquidations?limit=5&limit=6", "limit", "more than once"),
                ("/v1/liquidations?limt=5", "limt", "expected limit"),
                ("/v1/markets?verbose=1", "verbose", "takes none"),
            ] {
                let reply = try await client.call(.get, uri, key: h.readonly)
                #expect(
                    reply.status == 400 && reply.object["field"] as? String == field
                        && (reply.object["message"] as? String ?? "").contains(words), "\(uri): \(reply.body)")
            }
            #expect(try await client.call(.get, "/v1/adl-ranks?market=1&side=short", key: h.readonly).status == 200)
            #expect(try await client.call(.get, "/v1/liquidations?limit=1000", key: h.readonly).status == 200)
        }
    }

    /// An unknown field inside a nested object is refused like one at the top, naming its path:
    /// `tiers[0].Cap` made an uncapped tier, a misspelt sample time became "now".
    @Test func unknownNestedFieldsAreRefusedWithTheirPath() async throws {
        let h = try await ServerHarness.make("nested")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            #expect(
                try await client.call(
                    .put, "/v1/markets/1/oracle", key: h.admin,
                    #"{"sources": [{"id": 1}, {"id": 2}], "minimumSources": 1}"#
                ).status == 200)
            let cases: [(HTTPRequest.Method, String, String, String, String)] = [
                (
                    .post, "/v1/markets", h.admin,
                    #"{"id": 2, "symbol": "ETHUSDT", "settleAsset": 1, "contractSize": "1", "tickSize": "0.01", "lotSize": "0.01", "tiers": [{"Cap": "50000", "initial": "0.02", "maintenance": "0.01"}, {"initial": "0.05", "maintenance": "0.025"}]}"#,
                    "tiers[0].Cap"
                ),
                (
                    .put, "/v1/markets/1/risk", h.admin,
                    #"{"tiers": [{"cap": "50000", "initial": "0.02", "maintenance": "0.01"}, {"initial": "0.05", "maintenance": "0.025", "maintenence": "0.5"}]}"#,
                    "tiers[1].maintenence"
                ),
                (
                    .post, "/v1/assets", h.admin,
                    #"{"id": 2, "symbol": "BTC", "scale": 8, "collateralTiers": [{"Cap": "10", "ratio": "0.95"}]}"#,
                    "collateralTiers[0].Cap"
                ),
                (
                    .put, "/v1/markets/1/oracle", h.admin, #"{"sources": [{"id": 1, "weigth": 5}, {"id": 2}]}"#,
                    "sources[0].weigth"
                ),
                (
                    .post, "/v1/oracle-samples", h.oracle,
                    #"{"market": 1, "samples": [{"source": 1, "price": "60000", "timeNanosecond": 5}]}"#,
                    "samples[0].timeNanosecond"
                ),
                (
                    .post, "/v1/fills/batch", h.admin,
                    #"{"fills": [{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}, {"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000", "Price": "1"}]}"#,
                    "fills[1].Price"
                ),
                (
                    .post, "/v1/var-margin", h.admin,
                    #"{"series": [{"market": 1, "moves": ["0.01", "-0.02"], "weight": 1}]}"#, "series[0].weight"
                ),
                (
                    .post, "/v1/spread-credits", h.admin,
                    #"{"spreads": [{"first": 1, "second": 2, "creditRate": "0.5", "rate": "0.9"}]}"#, "spreads[0].rate"
                ),
                (.post, "/v1/deposits", h.admin, #"{"account": 1, "asset": 1, "amount": "5", "memo": "x"}"#, "memo"),
            ]
            for (method, uri, key, body, field) in cases {
                try await Self.expectRefused(
                    client, h, uri, method: method, key: key, body, field: field, reason: "unknown field")
            }
        }
    }

    /// A value of the wrong kind is named with what the field takes: the values of an
    /// enumeration, true or false for a flag; a rule of another liquidation mechanism or curve
    /// than the body's is refused rather than ignored; an id in the path out of its range names
    /// the path parameter.
    @Test func valuesAreRefusedWithWhatTheFieldTakes() async throws {
        let h = try await ServerHarness.make("field-takes")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let cases: [(HTTPRequest.Method, String, String, String, String)] = [
                (
                    .put, "/v1/markets/1/liquidation", #"{"mechanism": "dutch"}"#, "mechanism",
                    "orderbook, backstop, auction"
                ),
                (
                    .put, "/v1/markets/1/liquidation", #"{"auctionCurve": "linear"}"#, "auctionCurve",
                    "only with mechanism auction"
                ),
                (
                    .put, "/v1/markets/1/liquidation", #"{"mechanism": "orderbook", "auctionStepSeconds": 0}"#,
                    "auctionStepSeconds", "only with mechanism auction"
                ),
                (
                    .put, "/v1/markets/1/liquidation",
                    #"{"mechanism": "auction", "auctionCurve": "linear", "auctionStepSeconds": 5}"#,
                    "auctionStepSeconds", "only with auctionCurve stairstep"
                ),
                (
                    .put, "/v1/markets/1/liquidation",
                    #"{"mechanism": "auction", "auctionCurve": "linear", "auctionCut": "0.9"}"#,
                    "auctionCut", "only with auctionCurve stairstep or exponential"
                ),
                (
                    .put, "/v1/markets/1/liquidation", #"{"backstopPriceShare": "0.5"}"#, "backstopPriceShare",
                    "only with mechanism backstop"
                ),
                (
                    .post, "/v1/greeks-margin", #"{"vegaOffsetsAcrossExpiries": "yes"}"#, "vegaOffsetsAcrossExpiries",
                    "true or false"
                ),
                (
                    .post, "/v1/var-margin", #"{"series": [{"market": 1, "moves": ["0.01"]}], "measure": "cvar"}"#,
                    "measure", "var, es"
                ),
            ]
            for (method, uri, body, field, reason) in cases {
                try await Self.expectRefused(
                    client, h, uri, method: method, key: h.admin, body, field: field, reason: reason)
            }
            for uri in ["/v1/markets/0/oracle", "/v1/markets/4294967296/oracle"] {
                let reply = try await client.call(.put, uri, key: h.admin, #"{"sources": [{"id": 1}]}"#)
                #expect(reply.status == 400, "\(uri): \(reply.body)")
                #expect(
                    (reply.object["message"] as? String ?? "").hasPrefix("path parameter market: "),
                    "\(uri): \(reply.body)")
            }
        }
    }

    /// A handler's own refusal keeps its words through the generated layer: a commitment over a
    /// venue without assets says why, not "User handler threw an error".
    @Test func aCommitmentWithoutAssetsIsRefusedInWords() async throws {
        let h = try await ServerHarness.make("commit-empty")
        try await h.app().test(.router) { client in
            for (method, uri) in [(HTTPRequest.Method.post, "/v1/commitments"), (.get, "/v1/commitments/latest")] {
                let reply = try await client.call(method, uri, key: h.admin, nil)
                #expect(reply.status == 400, "\(uri): \(reply.body)")
                #expect((reply.object["message"] as? String ?? "").contains("has no assets"), "\(uri): \(reply.body)")
            }
        }
    }

    /// A repeated key is refused naming it (JSONSerialization kept the last: `"amount":"1",
    /// "amount":"1000"` deposited 1000), at any depth and however the key is escaped.
    @Test func duplicateKeysAreRefused() async throws {
        let h = try await ServerHarness.make("duplicates")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            let balances = try await client.call(.get, "/v1/accounts/1", key: h.readonly).body
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/v1/deposits", #"{"account": 1, "asset": 1, "amount": "1", "amount": "1000"}"#, "amount"),
                (.post, "/v1/deposits", #"{"account": 1, "asset": 1, "amount": "1", "\u0061mount": "1000"}"#, "amount"),
                (.post, "/v1/deposits", #"{"account": 1, "account": 1, "asset": 1, "amount": "1"}"#, "account"),
                (
                    .put, "/v1/markets/1/risk",
                    #"{"tiers": [{"initial": "0.02", "maintenance": "0.01", "maintenance": "0.001"}]}"#,
                    "tiers[0].maintenance"
                ),
                (
                    .post, "/v1/fills/batch",
                    #"{"fills": [{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}, {"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "quantity": "5", "price": "60000"}]}"#,
                    "fills[1].quantity"
                ),
                // Equal keys in different objects are not duplicates; the repeat is in the second.
                (
                    .post, "/v1/spread-credits",
                    #"{"spreads": [{"first": 1, "second": 2, "creditRate": "0.5"}, {"first": 1, "second": 2, "creditRate": "0.5", "first": 3}]}"#,
                    "spreads[1].first"
                ),
            ]
            for (method, uri, body, field) in cases {
                try await Self.expectRefused(
                    client, h, uri, method: method, key: h.admin, body, field: field, reason: "duplicate key")
            }
            #expect(try await client.call(.get, "/v1/accounts/1", key: h.readonly).body == balances)
            // The same keys in sibling objects are fine.
            let ok = try await client.call(
                .post, "/v1/fills/batch", key: h.admin,
                #"{"fills": [{"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}, {"market": 1, "buyer": 3, "seller": 4, "quantity": "0.001", "price": "60000"}]}"#
            )
            #expect(ok.status == 200, "\(ok.body)")
        }
    }

    /// The collateral oracle's routes refuse hostile values by name (400 for the shape, 422 for
    /// the engine's ranges) and change nothing.
    @Test func collateralOracleInputsAreRefusedByName() async throws {
        let h = try await ServerHarness.make("collateral-fuzz")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            #expect(
                try await client.call(.post, "/v1/assets", key: h.admin, #"{"id": 2, "symbol": "ETH", "scale": 8}"#)
                    .status == 200)
            #expect(
                try await client.call(
                    .put, "/v1/assets/2/oracle", key: h.admin, #"{"sources": [{"id": 1}, {"id": 2}]}"#
                ).status == 200)
            let cases: [(HTTPRequest.Method, String, Role, String, String)] = [
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "maxRisePerHour": "0"}"#,
                    "maxRisePerHour"
                ),
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "maxRisePerHour": "-1"}"#,
                    "maxRisePerHour"
                ),
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "maxRisePerHour": "11"}"#,
                    "maxRisePerHour"
                ),
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "maxRisePerHour": "NaN"}"#,
                    "maxRisePerHour"
                ),
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "maxRisePerHour": 0.05}"#,
                    "maxRisePerHour"
                ),
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "minimumSources": 2}"#,
                    "minimumSources"
                ),
                (
                    .put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}], "sampleMaxAgeSeconds": 0}"#,
                    "sampleMaxAgeSeconds"
                ),
                (.put, "/v1/assets/2/oracle", .admin, #"{"sources": [{"id": 1}, {"id": 1}]}"#, "sources[1].id"),
                (.put, "/v1/assets/2/oracle", .admin, #"{"sources": []}"#, "sources"),
                // The 400 names the value.
                (.put, "/v1/assets/4294967296/oracle", .admin, #"{"sources": [{"id": 1}]}"#, "path"),
                (.put, "/v1/assets/9/oracle", .admin, #"{"sources": [{"id": 1}]}"#, "asset"),
                (.post, "/v1/collateral-samples", .oracle, #"{"asset": 2, "samples": []}"#, "samples"),
                (
                    .post, "/v1/collateral-samples", .oracle,
                    #"{"asset": 2, "samples": [{"source": 1, "price": "-5"}]}"#, "samples[0].price"
                ),
                (
                    .post, "/v1/collateral-samples", .oracle,
                    #"{"asset": 2, "samples": [{"source": 1, "price": "1e400"}]}"#, "samples[0].price"
                ),
                (
                    .post, "/v1/collateral-samples", .oracle,
                    #"{"asset": 2, "samples": [{"source": 0, "price": "5"}]}"#, "samples[0].source"
                ),
                (
                    .post, "/v1/collateral-samples", .oracle,
                    #"{"asset": 1, "samples": [{"source": 1, "price": "5"}]}"#, "asset"
                ),
                (
                    .post, "/v1/collateral-samples", .oracle,
                    #"{"asset": 2, "samples": [{"source": 1, "price": "5", "time": 1}]}"#, "samples[0].time"
                ),
            ]
            let keys: [Role: String] = [.admin: h.admin, .oracle: h.oracle]
            for (method, uri, role, body, field) in cases {
                let before = await h.businessDigest()
                let reply = try await client.call(method, uri, key: keys[role], body)
                #expect(
                    reply.status == 400 || reply.status == 422 || reply.status == 404,
                    "\(uri) \(body): \(reply.status) \(reply.body)")
                let named = reply.object["field"] as? String ?? ""
                let pathNamed = field == "path" && reply.status == 400 && reply.body.contains("4294967296")
                #expect(
                    pathNamed || reply.status == 404 || named == field || named.hasSuffix("." + field),
                    "\(uri) \(body): \(reply.body)")
                let changed = await h.businessDigest() != before
                #expect(!changed, "\(uri) \(body): refused but changed the state")
            }
        }
    }

    /// A number too large for its field says so (it said "at most 6 decimals" of an integer).
    @Test func tooLargeNumbersSayOutOfRange() async throws {
        let h = try await ServerHarness.make("large")
        try await h.app().test(.router) { client in
            try await seedVenue(client, h)
            for amount in [
                "\"99999999999999999999\"", "\"-99999999999999999999\"", "\"123456789012345678901234567890\"",
                "\"1e30\"", "\"1e400\"", "\"9223372036854.775808\"",
            ] {
                try await Self.expectRefused(
                    client, h, "/v1/deposits", key: h.admin, #"{"account": 1, "asset": 1, "amount": \#(amount)}"#,
                    field: "amount", reason: "out of range: too large")
            }
            try await Self.expectRefused(
                client, h, "/v1/prices", key: h.oracle, #"{"market": 1, "mark": "99999999999999999999"}"#,
                field: "mark", reason: "out of range: too large")
            try await Self.expectRefused(
                client, h, "/v1/markets/1/risk", method: .put, key: h.admin,
                #"{"tiers": [{"cap": "123456789012345678901234567890", "initial": "0.02", "maintenance": "0.01"}, {"initial": "0.05", "maintenance": "0.025"}]}"#,
                field: "tiers[0].cap", reason: "out of range: too large")
            // Still the decimals message when there are too many decimals, and a plain one for text.
            try await Self.expectRefused(
                client, h, "/v1/deposits", key: h.admin, #"{"account": 1, "asset": 1, "amount": "1.0000001"}"#,
                field: "amount", reason: "at most 6 decimals")
            for text in ["NaN", "Infinity", "-Infinity", "1e", "1.2.3"] {
                try await Self.expectRefused(
                    client, h, "/v1/deposits", key: h.admin, #"{"account": 1, "asset": 1, "amount": "\#(text)"}"#,
                    field: "amount", reason: "expected a decimal")
            }
        }
    }
}
