import Foundation
import Hummingbird
import Synchronization
import SolventCore
import SolventStore

/// The running service: the journaled engine, the event hub, metrics and access control. Route
/// handlers translate requests into engine commands and engine state into JSON; they never
/// compute margin (DESIGN.md §2).
public final class SolventService: Sendable {
    public let engine: JournaledEngine
    public let store: JournalStore
    public let hub = EventHub()
    public let metrics = ServiceMetrics()
    /// The dashboard without a key (the demo); otherwise it needs a key as `?key=`.
    public let openDashboard: Bool
    /// Principals by key hash: keys never change once created (there is no revocation yet), so
    /// a hit saves a store read per request.
    private let principals = Mutex<[String: Principal]>([:])
    public init(store: JournalStore, openDashboard: Bool = false, snapshotEvery: UInt64 = 100_000) async throws {
        self.store = store
        self.openDashboard = openDashboard
        engine = try await JournaledEngine(store: store, snapshotEvery: snapshotEvery)
        let hub = hub, metrics = metrics
        _ = await engine.addListener { events, sequence in
            hub.publish(events, sequence: sequence)
            metrics.record(events, sequence: sequence)
        }
    }

    /// The latest journaled root with its state and tree when this process built it (at a
    /// snapshot or on demand); otherwise (no root yet, or one from before a restart, whose tree
    /// this process does not hold) a new commitment to the current state, journaled.
    public func latestCommitment() async throws -> (Engine, AccountCommitment) {
        if let cached = await engine.cachedCommitment() { return cached }
        return try await engine.publishCommitment()
    }

    /// The caller's key from `Authorization: Bearer`, `X-API-Key` or `?key=`.
    public func authenticate(_ request: Request) async throws -> Principal {
        var key = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        if key == nil { key = request.headers.first { $0.name.canonicalName == "x-api-key" }?.value }
        if key == nil { key = request.uri.queryParameters.get("key") }
        guard let key, !key.isEmpty, key.utf8.count <= 128 else { throw APIError.unauthorized }
        let hash = AccessKeys.hash(key)
        if let known = principals.withLock({ $0[hash] }) { return known }
        guard let stored = try await store.key(hash: hash), let role = Role(rawValue: stored.role) else {
            throw APIError.unauthorized
        }
        let principal = Principal(role: role, account: stored.account == 0 ? nil : stored.account)
        principals.withLock { $0[hash] = principal }
        return principal
    }

    func require(_ request: Request, _ roles: Set<Role>) async throws -> Principal {
        let principal = try await authenticate(request)
        guard roles.contains(principal.role) else {
            throw APIError.forbidden("this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")); the key is \(principal.role.rawValue)")
        }
        return principal
    }

    /// A trader reaches only its own account.
    func requireAccount(_ principal: Principal, _ account: UInt64) throws {
        if principal.role == .trader && principal.account != account {
            throw APIError.forbidden("a trader key reaches only its own account")
        }
    }

    /// Executes and journals several commands in one commit; 200 with each one's result in
    /// order: its sequence and events, or its rejection (code, field, message).
    func submit(batch commands: [Command]) async throws -> Response {
        let start = ContinuousClock.now
        let encoded = commands.map { (command: $0, encoded: try? JournalCodec.encode($0)) }
        let submissions: [JournaledEngine.Submission]
        do { submissions = try await engine.submit(batch: encoded) } catch {
            throw APIError(.serviceUnavailable, "journalUnavailable", "the journal could not commit; nothing was acknowledged: \(error)")
        }
        let elapsed = ContinuousClock.now - start
        metrics.latency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        var results: [[String: Any]] = []
        results.reserveCapacity(submissions.count)
        for submission in submissions {
            switch submission.outcome {
            case .rejected(let rejection):
                metrics.rejected.increment()
                results.append(["sequence": submission.sequence, "error": "rejected", "code": "\(rejection.code)", "field": rejection.field,
                                "message": rejection.message])
            case .applied(let events):
                metrics.applied.increment()
                results.append(["sequence": submission.sequence, "events": events.compactMap { EventView.describe($0) }.map { type, _, object -> [String: Any] in
                    var object = object
                    object["type"] = type
                    return object
                }])
            }
        }
        return JSON.response(["results": results])
    }

    /// Executes and journals a command; 200 with its events, or 422 naming the rejection.
    func submit(_ command: Command) async throws -> Response {
        let start = ContinuousClock.now
        let submission: JournaledEngine.Submission
        let encoded = try? JournalCodec.encode(command)   // on the request's thread, not the engine's
        do { submission = try await engine.submit(command, encoded: encoded) } catch {
            throw APIError(.serviceUnavailable, "journalUnavailable", "the journal could not commit; nothing was acknowledged: \(error)")
        }
        metrics.latency.recordNanoseconds(Int64((ContinuousClock.now - start).components.attoseconds / 1_000_000_000
                                               + (ContinuousClock.now - start).components.seconds * 1_000_000_000))
        switch submission.outcome {
        case .rejected(let rejection):
            metrics.rejected.increment()
            var error = APIError(.unprocessableContent, "rejected", field: rejection.field, rejection.message)
            error.extra = ["code": "\(rejection.code)", "sequence": "\(submission.sequence)"]
            throw error
        case .applied(let events):
            metrics.applied.increment()
            let views = events.compactMap { EventView.describe($0) }.map { type, _, object -> [String: Any] in
                var object = object
                object["type"] = type
                return object
            }
            return JSON.response(["sequence": submission.sequence, "events": views])
        }
    }
}
