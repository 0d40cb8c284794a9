import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import SolventCore
import SolventServer
import SolventStore

/// A service over a fresh SQLite file, keys for every role, and helpers to call the API through
/// Hummingbird's in-process test client.
struct ServerHarness {
    let service: SolventService
    let admin: String
    let oracle: String
    let liquidator: String
    let readonly: String

    static func make(
        _ name: String, clock: @escaping @Sendable () -> Int64 = JournaledEngine.wallClock
    ) async throws -> ServerHarness {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "solvent-server-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
        ).path
        let store = try SQLiteStore(path: path)
        let service = try await SolventService(store: store, clock: clock)
        return ServerHarness(
            service: service,
            admin: try await AccessKeys.create(role: .admin, account: nil, label: "admin", in: store),
            oracle: try await AccessKeys.create(role: .oracle, account: nil, label: "oracle", in: store),
            liquidator: try await AccessKeys.create(role: .liquidator, account: 900, label: "keeper", in: store),
            readonly: try await AccessKeys.create(role: .readonly, account: nil, label: "risk", in: store))
    }

    func trader(_ account: UInt64) async throws -> String {
        try await AccessKeys.create(role: .trader, account: account, label: "trader \(account)", in: service.store)
    }

    func app() throws -> some ApplicationProtocol { Application(router: try service.router(), logger: Self.quiet) }

    /// The tests' servers log only what would be a failure: a server stopped by its test reports
    /// the closed channel at error level, which is how a test ends, not a fault.
    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// The business state's digest (without the clock: a rejected input consumes only a sequence number).
    func businessDigest() async -> [UInt8] { await service.engine.read { $0.digest(includingClock: false) } }
}

struct Reply {
    var status: Int
    var body: String
    var contentType: String? = nil
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
}

extension TestClientProtocol {
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, _ body: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        let reply = try await execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Reply(
                status: Int(response.status.code), body: String(buffer: response.body),
                contentType: response.headers[.contentType])
        }
        ExchangeLog.shared.record(
            method: method, uri: uri, headers: headers, body: body, status: reply.status,
            contentType: reply.contentType, responseBody: reply.body)
        return reply
    }
}

/// With SOLVENT_API_EXCHANGES set to a file, every request the suite sends through `call` and
/// the reply it got are appended there, one JSON object per line; CI checks each against
/// openapi/openapi.json (Scripts/validate-exchanges.py), so neither the routes nor the bodies
/// of the API the tests drive can drift from the document.
final class ExchangeLog: @unchecked Sendable {
    static let shared = ExchangeLog(path: ProcessInfo.processInfo.environment["SOLVENT_API_EXCHANGES"])
    private let handle: FileHandle?
    private let lock = NSLock()

    init(path: String?) {
        guard let path, !path.isEmpty else { handle = nil; return }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        handle?.seekToEndOfFile()
    }

    /// Records one exchange; header values other than the content type are replaced by a
    /// placeholder (only their presence matters to the document, and keys stay out of the file).
    func record(
        method: HTTPRequest.Method, uri: String, headers: HTTPFields, body: String?, status: Int,
        contentType: String?, responseBody: String
    ) {
        guard let handle else { return }
        var sent: [String: String] = [:]
        for field in headers {
            let name = field.name.canonicalName
            switch name {
            case "content-type", "cookie": sent[name] = field.value
            case "authorization": sent[name] = field.value.hasPrefix("Bearer ") ? "Bearer sk_recorded" : "present"
            default: sent[name] = "present"
            }
        }
        let entry: [String: Any] = [
            "method": method.rawValue, "uri": uri, "headers": sent, "requestBody": body ?? NSNull(),
            "status": status, "contentType": contentType ?? NSNull(), "responseBody": responseBody,
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) else { return }
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        handle.write(line)
    }
}

/// A venue through the API: USDT, BTCUSDT (1 % / 0.5 %), accounts 1–4 funded, a long and a short.
func seedVenue(_ client: some TestClientProtocol, _ h: ServerHarness) async throws {
    let calls: [(String, String, String)] = [
        ("/v1/assets", h.admin, #"{"id": 1, "symbol": "USDT", "scale": 6, "priceMaxAgeSeconds": 86400}"#),
        ("/v1/index-prices", h.oracle, #"{"asset": 1, "price": "1"}"#),
        (
            "/v1/markets", h.admin,
            #"{"id": 1, "symbol": "BTCUSDT", "settleAsset": 1, "contractSize": "1", "tickSize": "0.1", "lotSize": "0.001", "tiers": [{"initial": "0.01", "maintenance": "0.005"}], "priceMaxAgeSeconds": 86400}"#
        ),
        ("/v1/prices", h.oracle, #"{"market": 1, "mark": "60000"}"#),
        ("/v1/insurance-fund", h.admin, #"{"asset": 1, "amount": "10000"}"#),
    ]
    for (uri, key, body) in calls {
        let reply = try await client.call(.post, uri, key: key, body)
        precondition(reply.status == 200, "\(uri): \(reply.status) \(reply.body)")
    }
    let liquidation = try await client.call(
        .put, "/v1/markets/1/liquidation", key: h.admin, #"{"lossAllocation": "adl"}"#)
    precondition(liquidation.status == 200, liquidation.body)
    try await client.call(.post, "/v1/accounts", key: h.admin, #"{"account": 900}"#)  // the keeper
    for account in 1...4 {
        try await client.call(.post, "/v1/accounts", key: h.admin, #"{"account": \#(account)}"#)
        try await client.call(
            .post, "/v1/deposits", key: h.admin, #"{"account": \#(account), "asset": 1, "amount": "1000"}"#)
    }
    // Account 1 long 0.5 BTC at 60,000 with 1,000 USDT (30x), account 2 the short; 3 and 4 smaller.
    for (buyer, seller, quantity) in [(1, 2, "0.5"), (3, 4, "0.1")] {
        let reply = try await client.call(
            .post, "/v1/fills", key: h.admin,
            #"{"market": 1, "buyer": \#(buyer), "seller": \#(seller), "quantity": "\#(quantity)", "price": "60000", "taker": "buyer"}"#
        )
        precondition(reply.status == 200, reply.body)
    }
}

extension ServerHarness {
    /// The real server on an ephemeral loopback port (for clients that need a socket: the
    /// WebSocket stream); cancel the returned task to stop it.
    func serve() async throws -> (port: Int, server: Task<Void, any Error>) {
        try await SolventServer.start(service: service, logger: Self.quiet)
    }
}
