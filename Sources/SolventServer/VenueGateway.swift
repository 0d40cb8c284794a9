import Crypto
import Dispatch
import Foundation
import SolventCore
import SolventStore
import Synchronization

/// A venue of shard services behind one gateway (`solvent gateway`): the venue's coordinator
/// (`VenueCoordinator`) over the shards' protocol. Venue commands run one at a time, in arrival
/// order, on a thread of the gateway's own (each blocks on its shards' answers), stamped with the
/// gateway's clock. After a `VenueFailure` (a shard unreachable, or shards that disagree) the
/// gateway takes no more commands until it reconnects (`reconnect`, after a transient failure)
/// or restarts, finishing from its write-ahead log what was begun (`VenueWriteAheadLog`).
public final class VenueGateway: Sendable {
    public let shardCount: Int
    let queue = DispatchQueue(label: "solvent.gateway.coordinator")
    /// Touched on `queue` only.
    let state: Box
    let stopped = Mutex<VenueFailure?>(nil)
    let keyHash: [UInt8]
    let clock: @Sendable () -> Int64
    /// What the gateway finished at its start of what a stopped gateway had begun.
    public let recovery: VenueRecovery
    let log: any VenueWriteAheadLog

    /// `execute` calls sent to `queue` that have not begun: while some wait, a request's sync is
    /// left to the last of them (group commit).
    let queued = Mutex(0)

    final class Box: @unchecked Sendable {
        var coordinating: Coordinating
        /// Requests run and not yet made durable, with whoever waits for their answer.
        var unsynced: [(results: [Result], answer: CheckedContinuation<([Result], VenueFailure?), Never>)] = []
        init(_ coordinating: Coordinating) { self.coordinating = coordinating }
    }

    struct Coordinating {
        var coordinator: VenueCoordinator<HTTPShardLink>
        var lastTime: Int64
    }

    /// One command's result: its time and what it did on each shard it reached.
    public struct Result: Sendable {
        public var time: Int64
        public var outcomes: VenueOutcomes
    }

    /// Connects to the shards (in shard order) and brings them together (`connect`).
    /// - Parameters:
    ///   - links: the shards' links, shard k at index k.
    ///   - key: the key the gateway's clients present (`Authorization: Bearer`).
    ///   - log: the write-ahead log (the gateway's before a restart, or a new one).
    ///   - clock: nanoseconds since the epoch (the gateway stamps each command with it).
    public init(
        links: [HTTPShardLink], key: String, log: any VenueWriteAheadLog,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1e9) }
    ) throws(VenueFailure) {
        guard !links.isEmpty, links.count <= Limits.venueShards else {
            throw VenueFailure("a venue has 1 to \(Limits.venueShards) shards, got \(links.count)")
        }
        let (coordinator, recovery, start) = try Self.connect(links, log: log, clock: clock)
        self.recovery = recovery
        self.log = log
        shardCount = links.count
        self.state = Box(Coordinating(coordinator: coordinator, lastTime: start))
        keyHash = Array(SHA256.hash(data: Array(key.utf8)))
        self.clock = clock
    }

    /// Finds each shard's leading service, checks that shard k is shard k of N, finishes what a
    /// stopped gateway had begun from the write-ahead log (`VenueCoordinator.recover`: inputs a
    /// shard lacks sent again, a baton handed over taken, reservations committed or released),
    /// then checks that the shards know the same assets and markets.
    ///
    /// On a reconnection (`known`: the last sequence this gateway saw each shard give), a shard
    /// whose journal has gone past both that and everything logged for it took inputs from
    /// another writer — a second gateway — and this one stops for good.
    static func connect(
        _ links: [HTTPShardLink], log: any VenueWriteAheadLog, clock: () -> Int64, known: [UInt64?]? = nil
    ) throws(VenueFailure) -> (VenueCoordinator<HTTPShardLink>, VenueRecovery, start: Int64) {
        var links = links
        var now: Int64 = 0
        let logged = try log.pending().inputs
        for shard in links.indices {
            let ceiling = max(
                known?[shard] ?? 0, logged.lazy.filter { $0.shard == shard }.map(\.sequence).max() ?? 0)
            try links[shard].findLeader()
            // What the shard's journal holds now is read, not checked against what it held.
            links[shard].lastSequence = nil
            let state = try links[shard].state()
            guard state.shard == UInt32(shard), state.shards == UInt32(links.count) else {
                throw VenueFailure(
                    "\(links[shard].base) is shard \(state.shard) of \(state.shards), "
                        + "not shard \(shard) of \(links.count)")
            }
            if known != nil, state.lastSequence > ceiling {
                throw VenueFailure(
                    "shard \(shard)'s journal is at \(state.lastSequence), past the \(ceiling) this gateway sent: "
                        + "another gateway writes to the venue; this one stops (run one gateway per venue)")
            }
            links[shard].lastSequence = state.lastSequence
            now = max(now, state.now)
        }
        let start = max(now, clock())
        // Reservation ids from the clock: unique across the gateway's restarts.
        let (coordinator, recovery) = try VenueCoordinator.recover(
            links: links, log: log, nextReservation: UInt64(max(1, start)), start: Timestamp(nanoseconds: start))
        // Every shard received every market-wide input: the same assets and markets in the baton.
        var shapes: [([AssetID], [MarketID])] = []
        for link in coordinator.links {
            let baton = try link.liquidationBaton()
            shapes.append((baton.funds.map(\.asset), baton.markets.map(\.market)))
        }
        for (shard, shape) in shapes.enumerated() where shape != shapes[0] {
            throw VenueFailure("shard \(shard) knows other assets or markets than shard 0: an input reached only some")
        }
        return (coordinator, recovery, start)
    }

    /// After a transient failure (`VenueFailure.transient`: a shard out of reach, or its standby
    /// taking over), connects again as a restarted gateway would — each shard's leader found
    /// anew, what the log holds finished — and takes commands again. Returns what it finished,
    /// or why the gateway stays stopped (the failure, if it is not transient, or a new one).
    public func reconnect() async -> Swift.Result<VenueRecovery, VenueFailure> {
        await onCoordinator { coordinating in
            guard let failure = self.failure else { return .success(VenueRecovery(resent: [])) }
            guard failure.transient else { return .failure(failure) }
            do throws(VenueFailure) {
                let links = coordinating.coordinator.links
                let (coordinator, recovery, start) = try Self.connect(
                    links, log: self.log, clock: self.clock, known: links.map(\.lastSequence))
                coordinating = Coordinating(coordinator: coordinator, lastTime: max(start, coordinating.lastTime))
                self.stopped.withLock { $0 = nil }
                return .success(recovery)
            } catch {
                // The newer failure stands: a permanent one ends the retries.
                self.stopped.withLock { $0 = error }
                return .failure(error)
            }
        }
    }

    /// Whether `key` is the gateway's (compared as hashes, in constant time).
    public func accepts(key: String) -> Bool {
        let hash = Array(SHA256.hash(data: Array(key.utf8)))
        return zip(hash, keyHash).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The failure that stopped the gateway, if one has.
    public var failure: VenueFailure? { stopped.withLock { $0 } }

    /// Runs `commands` in order on the coordinator's thread, all at one time, then waits until
    /// every shard has made them durable. A venue failure stops the gateway and answers no
    /// result (the write-ahead log holds what was sent).
    ///
    /// Requests queued one behind another share one sync (group commit): each request runs in
    /// its turn, and the last of an unbroken run of them (at most `groupLimit`) syncs every shard
    /// once for all, so a busy gateway pays a shard's commit per group rather than per request.
    /// A failure answers every request of the group that was not yet durable, those that ran
    /// before it included.
    public func execute(_ commands: [Command]) async -> ([Result], VenueFailure?) {
        queued.withLock { $0 += 1 }
        return await withCheckedContinuation { answer in
            queue.async { self.run(commands, answer: answer) }
        }
    }

    /// `execute` on `queue`.
    private func run(_ commands: [Command], answer: CheckedContinuation<([Result], VenueFailure?), Never>) {
        let behind = queued.withLock { count in
            count -= 1
            return count
        }
        var failure = self.failure
        var results: [Result] = []
        if failure == nil { (results, failure) = Self.run(commands, &state.coordinating, clock: clock) }
        state.unsynced.append((results, answer))
        if failure == nil, behind > 0, state.unsynced.count < Self.groupLimit { return }
        answerUnsynced(failure: failure)
    }

    /// Requests one sync covers at most: a steady stream of requests still gets its answers.
    static let groupLimit = 64

    /// Syncs every shard (unless `failure` already stopped the venue) and answers every request
    /// waiting for it, on `queue`. Also run before anything else on the queue reads the shards,
    /// so no read shows inputs a request may yet be refused for.
    private func answerUnsynced(failure: VenueFailure? = nil) {
        guard !state.unsynced.isEmpty else { return }
        var failure = failure
        if failure == nil {
            do throws(VenueFailure) { try state.coordinating.coordinator.sync() } catch { failure = error }
        }
        // What the shards applied and did not make durable is in the write-ahead log: a
        // reconnection or a restart sends again whatever a shard then lacks.
        if let failure { stopped.withLock { $0 = failure } }
        let waiting = state.unsynced
        state.unsynced = []
        for (results, answer) in waiting { answer.resume(returning: failure.map { ([], $0) } ?? (results, nil)) }
    }

    private static func run(
        _ commands: [Command], _ coordinating: inout Coordinating, clock: () -> Int64
    ) -> ([Result], VenueFailure?) {
        // One time for the request: what one account's shard decides runs as a batch per shard.
        let time = max(clock(), coordinating.lastTime)
        coordinating.lastTime = time
        do throws(VenueFailure) {
            let outcomes = try coordinating.coordinator.execute(commands, at: Timestamp(nanoseconds: time))
            return (outcomes.map { Result(time: time, outcomes: $0) }, nil)
        } catch {
            return ([], error)
        }
    }

    /// Reads the shards at one cut (nothing runs on the coordinator in between).
    public func read<T: Sendable>(
        _ body: @escaping @Sendable (VenueCoordinator<HTTPShardLink>) throws(VenueFailure) -> T
    ) async throws(VenueFailure) -> T {
        let result: Swift.Result<T, VenueFailure> = await onCoordinator { coordinating in
            do throws(VenueFailure) { return .success(try body(coordinating.coordinator)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The venue's digest (SHA-256 over the shards' digests) and each shard's sequence and digest.
    public func digest() async throws(VenueFailure) -> (venue: String, shards: [ShardProtocol.State]) {
        try await read { coordinator throws(VenueFailure) in
            var states: [ShardProtocol.State] = []
            for link in coordinator.links { states.append(try link.state()) }
            var digests: [[UInt8]] = []
            for (shard, state) in states.enumerated() {
                guard let bytes = [UInt8](hexString: state.digest) else {
                    throw VenueFailure("shard \(shard) reported a digest that is not hexadecimal: \(state.digest)")
                }
                digests.append(bytes)
            }
            return (VenueDigest.hex(digests), states)
        }
    }

    /// One liquidation sweep: every pool a shard flags for liquidation, in pool order across the
    /// venue, one step each (a step that is refused is not retried in this sweep). Returns the
    /// steps applied.
    public func sweep(maximumSteps: Int = 1_000) async -> (steps: Int, failure: VenueFailure?) {
        var steps = 0
        var refused: Set<ShardProtocol.Alerts.Step> = []
        while steps < maximumSteps {
            let skipped = refused
            let next: Swift.Result<ShardProtocol.Alerts.Step?, VenueFailure> = await onCoordinator { coordinating in
                do throws(VenueFailure) {
                    var steps: [ShardProtocol.Alerts.Step] = []
                    for link in coordinating.coordinator.links { steps += try link.alerts() }
                    return .success(steps.sorted { $0.pool < $1.pool }.first { !skipped.contains($0) })
                } catch { return .failure(error) }
            }
            guard case .success(let step?) = next else {
                if case .failure(let error) = next { return (steps, error) }
                return (steps, nil)
            }
            let (results, failure) = await execute([
                .liquidate(account: step.pool.account, market: step.market, keeper: nil)
            ])
            if let failure { return (steps, failure) }
            if results.first?.outcomes.rejection != nil { refused.insert(step) } else { steps += 1 }
        }
        return (steps, nil)
    }

    private func onCoordinator<T: Sendable>(_ body: @escaping @Sendable (inout Coordinating) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async {
                self.answerUnsynced(failure: self.failure)
                continuation.resume(returning: body(&self.state.coordinating))
            }
        }
    }
}
