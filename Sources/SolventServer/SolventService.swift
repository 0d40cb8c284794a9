import Foundation
import Hummingbird
import HummingbirdCore
import SolventCore
import SolventProofs
import SolventStore
import Synchronization

/// The running service: the journaled engine, the event hub, metrics and access control. Route
/// handlers translate requests into engine commands and engine state into JSON; they never
/// compute margin (DESIGN.md §2).
public final class SolventService: Sendable {
    public let engine: JournaledEngine
    public let store: JournalStore
    public let hub = EventHub()
    public let metrics = ServiceMetrics()
    /// The dashboard's charts: bounded price, fund and liquidation history (a view of committed
    /// events; the engine's state does not change).
    public let history = DashboardHistory()
    /// Open `/dashboard/live` streams (at most `liveLimit`).
    let liveStreams = Mutex(0)
    /// The leader lease's epoch this service last saw (0: no lease, a single service).
    public let leaseEpoch = Mutex<UInt64>(0)
    /// Whether the engine has joined a venue as one of its shards (`ShardRoutes.swift`): set
    /// once it has, at start or when `solvent serve --shard` joins it.
    public let isVenueShard = Mutex(false)
    /// `/health`'s digest and the sequence it was taken at.
    let healthDigest = Mutex<(sequence: UInt64, digest: String)?>(nil)
    /// The dashboard without a key (the demo); otherwise it needs a signed-in browser session,
    /// a ticket, or the Authorization header.
    public let openDashboard: Bool
    /// Principals by key hash, each with when it was read from the store: a hit saves a store
    /// read per request. Revocation and expiry through the API forget the entry (and bump the
    /// generation, so a read that raced with them is not cached); expiry is checked on every
    /// hit; and an entry older than `principalRecheck` is read again, so a key changed in the
    /// database directly is refused within that time too.
    private let principals = Mutex<PrincipalCache>(PrincipalCache())
    struct PrincipalCache {
        var entries: [String: (principal: Principal, read: ContinuousClock.Instant)] = [:]
        var generation: UInt64 = 0
    }
    static let principalRecheck: Duration = .seconds(5)
    /// Single-use tickets (30 s) for `/v1/stream` and `/dashboard`, from `POST /v1/tickets`.
    let tickets = Passes(lifetime: .seconds(30))
    /// Dashboard sessions (8 h) behind an HttpOnly, SameSite=Strict cookie.
    let sessions = Passes(lifetime: .seconds(8 * 3_600))
    /// `clock` stamps inputs with engine time (the wall clock; tests drive their own). A
    /// `following` service is a standby: it answers reads and refuses writes until promoted.
    public init(
        store: JournalStore, openDashboard: Bool = false, snapshotEvery: UInt64 = 100_000, following: Bool = false,
        clock: @escaping @Sendable () -> Int64 = JournaledEngine.wallClock
    ) async throws {
        self.store = store
        self.openDashboard = openDashboard
        engine = try await JournaledEngine(
            store: store, snapshotEvery: snapshotEvery, following: following, clock: clock)
        let hub = hub, metrics = metrics
        _ = await engine.addListener(withState: { events, sequence, state in
            hub.publish(events, sequence: sequence, scale: EventView.Scales(state))
            metrics.record(events, sequence: sequence)
        })
        await history.start(engine)
    }

    deinit { history.stop() }

    /// The latest journaled root with its state and tree when this process built it (at a
    /// snapshot or on demand); otherwise (no root yet, or one from before a restart, whose tree
    /// this process does not hold) a new commitment to the current state, journaled.
    public func latestCommitment() async throws -> (Engine, AccountCommitment) {
        if let cached = await engine.cachedCommitment() { return cached }
        return try await engine.publishCommitment()
    }

    /// The caller's key from `Authorization: Bearer` or `X-API-Key`. A key in the URL
    /// (`?key=`) is refused, even beside a header: URLs end up in logs and browser history.
    public func authenticate(_ request: Request) async throws -> Principal {
        try await authenticate(headers: request.headers, keyInURL: request.uri.queryParameters.get("key") != nil)
    }

    /// As `authenticate(_:)`, from a request's head (`path` with its query).
    func authenticate(headers: HTTPFields, path: String) async throws -> Principal {
        try await authenticate(headers: headers, keyInURL: URI(path).queryParameters.get("key") != nil)
    }

    private func authenticate(headers: HTTPFields, keyInURL: Bool) async throws -> Principal {
        if keyInURL { throw APIError.keyInURL }
        guard let key = Self.headerKey(headers) else { throw APIError.unauthorized }
        return try await principal(key: key)
    }

    static func headerKey(_ headers: HTTPFields) -> String? {
        let key =
            headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            ?? headers.first { $0.name.canonicalName == "x-api-key" }?.value
        guard let key, !key.isEmpty else { return nil }
        return key
    }

    /// The principal of a key: 401 when unknown, revoked or expired.
    func principal(key: String) async throws -> Principal {
        guard key.utf8.count <= 128 else { throw APIError.unauthorized }
        return try await principal(keyHash: AccessKeys.hash(key))
    }

    /// The principal of a key by its hash (sessions and tickets hold the hash), checked for
    /// revocation and expiry now.
    func principal(keyHash hash: String) async throws -> Principal {
        let now = AccessKeys.now(), clock = ContinuousClock.now
        let (cached, generation) = principals.withLock { ($0.entries[hash], $0.generation) }
        if let cached, clock - cached.read < Self.principalRecheck {
            if cached.principal.expiresAt == 0 || now < cached.principal.expiresAt { return cached.principal }
            forgetKey(hash: hash)
            throw APIError.keyExpired
        }
        guard let stored = try await store.key(hash: hash), let role = Role(rawValue: stored.role) else {
            throw APIError.unauthorized
        }
        if stored.revokedAt != 0 { throw APIError.keyRevoked }
        if !stored.isUsable(at: now) { throw APIError.keyExpired }
        let principal = Principal(
            role: role, account: stored.account == 0 ? nil : stored.account, keyHash: hash, expiresAt: stored.expiresAt)
        principals.withLock { cache in
            if cache.generation == generation { cache.entries[hash] = (principal, clock) }
        }
        return principal
    }

    /// Drops a key's cached principal: its next request reads the store (after a revocation
    /// or an expiry, and so is refused).
    func forgetKey(hash: String) {
        principals.withLock { cache in
            cache.entries[hash] = nil
            cache.generation &+= 1
        }
    }

    func require(_ request: Request, _ roles: Set<Role>) async throws -> Principal {
        let principal = try await authenticate(request)
        try authorize(principal, roles)
        return principal
    }

    /// Refuses (403) a principal whose role is not among `roles`.
    func authorize(_ principal: Principal, _ roles: Set<Role>) throws {
        guard roles.contains(principal.role) else {
            throw APIError.forbidden(
                "this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")); the key is \(principal.role.rawValue)"
            )
        }
    }

    /// A trader reaches only its own account (reads); writes in an account's name go through
    /// `Principal.requireActing(for:)`, which also binds liquidator keys.
    func requireAccount(_ principal: Principal, _ account: UInt64) throws {
        if principal.role == .trader && principal.account != account {
            throw APIError.forbidden("a trader key reaches only its own account")
        }
    }

    /// Executes and journals several commands in one commit: each one's result in order, its
    /// sequence and events, or its rejection (code, field, message).
    func write(batch commands: [Command]) async throws -> Components.Schemas.BatchResult {
        try refuseOnShard()
        let start = ContinuousClock.now
        let encoded = commands.map { (command: $0, encoded: try? JournalCodec.encode($0)) }
        let submissions: [JournaledEngine.Submission]
        do { submissions = try await engine.submit(batch: encoded) } catch { throw Self.journalUnavailable(error) }
        recordLatency(since: start)
        var results: [Components.Schemas.BatchItem] = []
        results.reserveCapacity(submissions.count)
        for submission in submissions {
            switch submission.outcome {
            case .rejected(let rejection):
                metrics.rejected.increment()
                results.append(
                    .init(
                        sequence: Int(submission.sequence), error: .rejected, code: "\(rejection.code)",
                        field: rejection.field, message: rejection.message))
            case .applied(let events):
                metrics.applied.increment()
                results.append(.init(sequence: Int(submission.sequence), events: await eventViews(events)))
            }
        }
        return .init(results: results)
    }

    /// Executes and journals a command: its sequence and events, or a 422 naming the rejection.
    func write(_ command: Command) async throws -> Components.Schemas.WriteResult {
        try refuseOnShard()
        let start = ContinuousClock.now
        let submission: JournaledEngine.Submission
        let encoded = try? JournalCodec.encode(command)  // on the request's thread, not the engine's
        do { submission = try await engine.submit(command, encoded: encoded) } catch {
            throw Self.journalUnavailable(error)
        }
        recordLatency(since: start)
        switch submission.outcome {
        case .rejected(let rejection):
            metrics.rejected.increment()
            var error = APIError(.unprocessableContent, "rejected", field: rejection.field, rejection.message)
            error.extra = ["code": "\(rejection.code)", "sequence": submission.sequence]
            throw error
        case .applied(let events):
            metrics.applied.increment()
            return .init(sequence: Int(submission.sequence), events: await eventViews(events))
        }
    }

    /// A venue's shard takes inputs from its gateway only (`ShardRoutes.swift`): one sent to a
    /// shard directly would miss the other shards (a price) or the venue's checks (a trade).
    func refuseOnShard() throws {
        guard isVenueShard.withLock({ $0 }) else { return }
        throw APIError(
            .conflict, "venueShard", "this service is a shard of a venue: send inputs through the venue's gateway")
    }

    /// `write(batch:)` as a hand-routed reply.
    func submit(batch commands: [Command]) async throws -> Response {
        JSON.response(data: try JSON.encoded(try await write(batch: commands)))
    }

    /// `write(_:)` as a hand-routed reply.
    func submit(_ command: Command) async throws -> Response {
        JSON.response(data: try JSON.encoded(try await write(command)))
    }

    static func journalUnavailable(_ error: any Error) -> APIError {
        if case .standby(let leader) = error as? StoreError {
            // A standby's answer to a writer: where the leader is, when it knows.
            var refusal = APIError(.serviceUnavailable, "notLeader", "\(StoreError.standby(leader: leader))")
            if !leader.isEmpty { refusal.extra = ["leader": leader] }
            return refusal
        }
        return APIError(
            .serviceUnavailable, "journalUnavailable",
            "the journal could not commit; nothing was acknowledged: \(error)")
    }

    private func recordLatency(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics.latency.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// Events as a write's reply shows them, amounts in their assets' decimals.
    func eventViews(_ events: [Event]) async -> [Components.Schemas.Event] {
        let (assets, markets) = await engine.read { engine -> ([AssetID: Int], [MarketID: Int]) in
            let scales = EventView.Scales(engine)
            var assets: [AssetID: Int] = [:], markets: [MarketID: Int] = [:]
            for event in events {
                switch event {
                case .positionLiquidated(let step): markets[step.market] = scales.market(step.market)
                case .insuranceFunded(let asset, _), .deficitCovered(let asset, _), .deposited(_, let asset, _, _),
                    .withdrawn(_, let asset, _, _):
                    assets[asset] = scales.asset(asset)
                default: break
                }
            }
            return (assets, markets)
        }
        let scales = EventView.Scales(assets: assets, markets: markets)
        return events.compactMap { EventView.describe($0, scale: scales)?.1 }
    }
}
