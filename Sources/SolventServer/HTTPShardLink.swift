import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SolventCore
import SolventStore

/// One shard of a venue reached over the shard protocol (`ShardRoutes.swift`). Its calls block:
/// the gateway's coordinator runs them one at a time on a thread of its own (`VenueGateway`),
/// as the venue's order requires. Anything but a 200 with the expected message is a
/// `VenueFailure` naming the shard.
public struct HTTPShardLink: VenueShardLink, Sendable {
    public let shard: Int
    /// The shard's services: its leader and its standbys (`solvent serve --follow`), any order.
    public let bases: [URL]
    /// The one of `bases` the link calls (the leader, once `findLeader` has found it).
    public private(set) var current = 0
    public var base: URL { bases[current] }
    let key: String
    let client: HTTPClient
    /// How long one call may take before the shard counts as unreachable.
    let timeout: TimeAmount
    /// The sequence of the last input this link had the shard apply (nil: not known yet). Each
    /// answer must follow it, and a sync must cover it: a shard that restarted and lost inputs
    /// it had applied, or another writer, is a failure, never a silent gap.
    public var lastSequence: UInt64?

    public init(shard: Int, bases: [URL], key: String, client: HTTPClient = .shared, timeoutSeconds: Double = 10) {
        precondition(!bases.isEmpty, "a shard has a service")
        self.shard = shard
        self.bases = bases
        self.key = key
        self.client = client
        timeout = .milliseconds(Int64(timeoutSeconds * 1_000))
    }

    /// Points the link at the shard's leading service: every one of `bases` is asked at once
    /// (`/health`), and the first to say it leads is taken, the current one's answer awaited last
    /// (after a failure it is likely the one that died, whose calls run to their deadline). A shard
    /// with no leader yet (its standby not yet promoted) is a transient failure.
    public mutating func findLeader() throws(VenueFailure) {
        struct Health: Decodable { var role: String? }
        var asked: [(index: Int, reply: EventLoopFuture<HTTPClient.Response>)] = []
        for offset in 1...bases.count {
            let candidate = (current + offset) % bases.count
            guard let request = try? HTTPClient.Request(url: bases[candidate].appendingPathComponent("/health")) else {
                continue
            }
            asked.append((candidate, client.execute(request: request, deadline: .now() + timeout)))
        }
        var roles: [String] = []
        for (candidate, reply) in asked {
            guard let answer = try? reply.wait(), let body = answer.body,
                let health = try? JournalCodec.decoder().decode(Health.self, from: Data(buffer: body))
            else {
                roles.append("\(bases[candidate]): unreachable")
                continue
            }
            // A service outside any standby pair reports no role: it leads.
            if health.role ?? "leader" == "leader" {
                current = candidate
                return
            }
            roles.append("\(bases[candidate]): \(health.role ?? "?")")
        }
        throw VenueFailure("shard \(shard) has no leading service (\(roles.joined(separator: ", ")))", transient: true)
    }

    public mutating func execute(_ command: Command, at time: Timestamp) throws(VenueFailure) -> Outcome {
        let reply: ShardProtocol.Executed = try call(
            .POST, "/v1/shard/execute",
            body: ShardProtocol.Input(command: command, time: time.nanoseconds, sequence: lastSequence.map { $0 + 1 }))
        try follow(reply.sequence)
        return reply.outcome
    }

    public func plannedEvents(
        of command: Command, at time: Timestamp
    ) throws(VenueFailure) -> Result<[Event], Rejection> {
        let reply: ShardProtocol.Executed = try call(
            .POST, "/v1/shard/plan", body: ShardProtocol.Input(command: command, time: time.nanoseconds))
        return reply.outcome.plan
    }

    public func hasAccount(_ id: AccountID) throws(VenueFailure) -> Bool { try account(id).exists }

    public func account(_ id: AccountID) throws(VenueFailure) -> ShardProtocol.AccountState {
        guard id != .venue else { return ShardProtocol.AccountState(exists: true, digest: nil) }
        return try call(.GET, "/v1/shard/accounts/\(id.rawValue)")
    }

    public func liquidationBaton() throws(VenueFailure) -> VenueLiquidationState {
        try call(.GET, "/v1/shard/baton")
    }

    public func state() throws(VenueFailure) -> ShardProtocol.State { try call(.GET, "/v1/shard/state") }

    public func status() throws(VenueFailure) -> VenueShardStatus {
        let state = try state()
        return VenueShardStatus(
            lastSequence: state.lastSequence, holdsLiquidation: state.holdsLiquidation,
            reservations: state.reservations)
    }

    public func alerts() throws(VenueFailure) -> [ShardProtocol.Alerts.Step] {
        let reply: ShardProtocol.Alerts = try call(.GET, "/v1/shard/alerts")
        return reply.liquidating
    }

    public func venueDeleveragingNeed(
        account: AccountID, market: MarketID, keeper: AccountID?
    ) throws(VenueFailure) -> Result<VenueDeleveragingNeed?, Rejection> {
        let reply: ShardProtocol.NeedReply = try call(
            .POST, "/v1/shard/deleveraging-need",
            body: ShardProtocol.NeedQuery(account: account, market: market, keeper: keeper))
        if let rejection = reply.rejection { return .failure(rejection) }
        return .success(reply.need)
    }

    public func deleveragingCandidates(for need: VenueDeleveragingNeed) throws(VenueFailure) -> [ScoredCandidate] {
        let reply: ShardProtocol.Candidates = try call(.POST, "/v1/shard/deleveraging-candidates", body: need)
        return reply.candidates
    }

    public func deficit(of asset: AssetID) throws(VenueFailure) -> Int64 { try assetState(asset).deficit }

    /// Every shard's batch at once (one request each), then every answer.
    public static func execute(
        batches: [[Command]], on links: inout [HTTPShardLink], at time: Timestamp
    ) throws(VenueFailure) -> [[Outcome]] {
        var pending: [(shard: Int, reply: EventLoopFuture<HTTPClient.Response>)] = []
        for (shard, batch) in batches.enumerated() where !batch.isEmpty {
            let request = try links[shard].request(
                .POST, "/v1/shard/execute-batch", data: try links[shard].batchMessage(batch, at: time))
            pending.append(
                (shard, links[shard].client.execute(request: request, deadline: .now() + links[shard].timeout)))
        }
        var outcomes = Array(repeating: [Outcome](), count: batches.count)
        for (shard, reply) in pending {
            let answer: ShardProtocol.BatchExecuted = try links[shard].decode(
                "/v1/shard/execute-batch", Result { try reply.wait() })
            for result in answer.results { try links[shard].follow(result.sequence) }
            outcomes[shard] = answer.results.map(\.outcome)
        }
        return outcomes
    }

    /// Every plan asked at once, then every answer.
    public static func plan(
        _ queries: [(shard: Int, command: Command)], on links: [HTTPShardLink], at time: Timestamp
    ) throws(VenueFailure) -> [Result<[Event], Rejection>] {
        var pending: [(shard: Int, reply: EventLoopFuture<HTTPClient.Response>)] = []
        for (shard, command) in queries {
            let link = links[shard]
            let request = try link.request(
                .POST, "/v1/shard/plan", body: ShardProtocol.Input(command: command, time: time.nanoseconds))
            pending.append((shard, link.client.execute(request: request, deadline: .now() + link.timeout)))
        }
        var plans: [Result<[Event], Rejection>] = []
        for (shard, reply) in pending {
            let answer: ShardProtocol.Executed = try links[shard].decode("/v1/shard/plan", Result { try reply.wait() })
            plans.append(answer.outcome.plan)
        }
        return plans
    }

    public mutating func sync() throws(VenueFailure) {
        let synced: ShardProtocol.Synced = try call(.POST, "/v1/shard/sync")
        if let lastSequence, synced.durableSequence < lastSequence {
            throw VenueFailure(
                "shard \(shard) at \(base) has made durable up to \(synced.durableSequence), not \(lastSequence): "
                    + "it lost inputs it had applied", transient: true)
        }
    }

    /// Checks that `sequence` comes right after the last one this link saw.
    mutating func follow(_ sequence: UInt64) throws(VenueFailure) {
        if let lastSequence, sequence != lastSequence &+ 1 {
            // Lower than expected: a restart (or a standby's promotion) that lost inputs the
            // write-ahead log still holds; higher: another writer.
            throw VenueFailure(
                "shard \(shard) at \(base) journaled an input at \(sequence), expected \(lastSequence &+ 1): "
                    + "another writer, or a restart that lost inputs", transient: sequence <= lastSequence)
        }
        lastSequence = sequence
    }

    public func journaledCommands(after sequence: UInt64, limit: Int) throws(VenueFailure) -> [Command]? {
        let reply: ShardProtocol.Inputs = try call(.GET, "/v1/shard/inputs?after=\(sequence)&limit=\(limit)")
        return reply.commands
    }

    public func assetState(_ asset: AssetID) throws(VenueFailure) -> ShardProtocol.AssetState {
        try call(.GET, "/v1/shard/assets/\(asset.rawValue)")
    }

    // MARK: Transport

    private struct Empty: Encodable {}

    func call<Reply: Decodable>(_ method: HTTPMethod, _ path: String) throws(VenueFailure) -> Reply {
        try call(method, path, body: Empty?.none)
    }

    func call<Body: Encodable, Reply: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?
    ) throws(VenueFailure) -> Reply {
        let request = try self.request(method, path, body: body)
        // On the coordinator's own thread, never an event loop's.
        return try decode(path, Result { try client.execute(request: request, deadline: .now() + timeout).wait() })
    }

    func request<Body: Encodable>(
        _ method: HTTPMethod, _ path: String, body: Body?
    ) throws(VenueFailure) -> HTTPClient.Request {
        guard let body else { return try request(method, path, data: nil) }
        let data: Data
        do { data = try JournalCodec.compact(body) } catch {
            throw VenueFailure("shard \(shard): a message for \(path) does not encode: \(error)")
        }
        return try request(method, path, data: data)
    }

    /// A `ShardProtocol.Batch` written with the journal's own encoder (fills, deposits and marks
    /// by hand, about ten times faster than `JSONEncoder`): the same JSON up to key order.
    func batchMessage(_ commands: [Command], at time: Timestamp) throws(VenueFailure) -> Data {
        var text = "{\"time\":\(time.nanoseconds),"
        if let lastSequence { text += "\"sequence\":\(lastSequence + 1)," }
        text += "\"commands\":["
        for (index, command) in commands.enumerated() {
            if index > 0 { text += "," }
            do { text += try JournalCodec.encode(command) } catch {
                throw VenueFailure("shard \(shard): a command does not encode: \(error)")
            }
        }
        text += "]}"
        return Data(text.utf8)
    }

    func request(_ method: HTTPMethod, _ path: String, data: Data?) throws(VenueFailure) -> HTTPClient.Request {
        var headers: HTTPHeaders = ["Authorization": "Bearer \(key)"]
        var payload: HTTPClient.Body?
        if let data {
            payload = .data(data)
            headers.add(name: "Content-Type", value: "application/json")
        }
        do {
            // A query stays a query (appending it as a path component would escape its `?`).
            let parts = path.split(separator: "?", maxSplits: 1)
            var url = base.appendingPathComponent(String(parts[0])).absoluteString
            if parts.count == 2 { url += "?" + parts[1] }
            return try HTTPClient.Request(url: url, method: method, headers: headers, body: payload)
        } catch {
            throw VenueFailure("shard \(shard): no request for \(base)\(path): \(error)")
        }
    }

    /// A 200 with the expected message, or a failure naming the shard.
    func decode<Reply: Decodable>(
        _ path: String, _ response: Result<HTTPClient.Response, any Error>
    ) throws(VenueFailure) -> Reply {
        let reply: HTTPClient.Response
        switch response {
        case .success(let answer): reply = answer
        case .failure(let error):
            throw VenueFailure("shard \(shard) at \(base) is unreachable (\(path)): \(error)", transient: true)
        }
        let data = reply.body.map { Data(buffer: $0) } ?? Data()
        guard reply.status == .ok else {
            // 503: a standby (`notLeader`) or a journal that cannot commit, for now; 409
            // `sequenceMismatch`: a shard that lost inputs (the log has them), or another writer
            // (which the reconnection's recovery then finds and stops on).
            let text = String(decoding: data.prefix(500), as: UTF8.self)
            throw VenueFailure(
                "shard \(shard) at \(base) answered \(reply.status.code) to \(path): \(text)",
                transient: reply.status == .serviceUnavailable
                    || (reply.status == .conflict && text.contains("\"sequenceMismatch\"")))
        }
        // A read is of the journal this link knows, or the coordinator must not act on it.
        if let header = reply.headers.first(name: ShardProtocol.lastSequenceHeader.rawName), let lastSequence,
            UInt64(header) != lastSequence
        {
            throw VenueFailure(
                "shard \(shard) at \(base) answered \(path) from its input \(header), not \(lastSequence): "
                    + "it restarted and lost inputs, or another writer", transient: true)
        }
        do { return try JournalCodec.decoder().decode(Reply.self, from: data) } catch {
            throw VenueFailure("shard \(shard) at \(base): the answer to \(path) does not decode: \(error)")
        }
    }
}
