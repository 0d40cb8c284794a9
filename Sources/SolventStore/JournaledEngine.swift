import Foundation
import SolventCore
import SolventProofs

/// The engine behind a journal: the single writer of a service (DESIGN.md §1). Each input is
/// sequenced, executed, and appended to the journal; its caller gets the outcome only once the
/// batch holding it is committed (group commit: inputs that arrive while a commit is in flight
/// share the next one). A failed commit stops the engine: nothing after it is acknowledged.
public actor JournaledEngine {
    public struct Recovery: Sendable, Equatable {
        /// The snapshot recovery started from (0: none, replayed from the start).
        public var snapshotSequence: UInt64
        public var replayed: Int
        public var lastSequence: UInt64
        public var digest: String
        /// Checkpoints whose recorded digest the replay did not reproduce (must be empty).
        public var mismatches: [UInt64]
    }

    public struct Submission: Sendable {
        public var sequence: UInt64
        public var outcome: Outcome
    }

    public internal(set) var engine: Engine
    public nonisolated let recovery: Recovery
    let store: JournalStore
    let digestEvery: UInt64
    let snapshotEvery: UInt64
    let clock: @Sendable () -> Int64
    private var pending: [JournalEntry] = []
    /// The events of the pending inputs, published in sequence order once their batch commits.
    private var pendingEvents: [(sequence: UInt64, events: [Event])] = []
    private var nextBatch: UInt64 = 1
    private var durableBatch: UInt64 = 0
    private var waiters: [(batch: UInt64, continuation: CheckedContinuation<Void, Error>)] = []
    private var flushing = false
    var failure: Error? = nil
    var lastSnapshot: UInt64
    /// Observers of applied events (the WebSocket stream, metrics), called after the commit.
    var listeners: [UInt64: @Sendable ([Event], UInt64, Engine) -> Void] = [:]
    private var nextListener: UInt64 = 1
    /// The commitment secret, read from the store once.
    private var secret: [UInt8]? = nil
    /// The state and tree behind the latest root this process published.
    private var latestCommitment: (Engine, AccountCommitment)? = nil
    /// A standby follows the journal another service (the leader) writes: it applies what the
    /// leader journaled (`catchUp()`) and takes no input until `promote()`.
    public internal(set) var isFollowing: Bool
    /// Where a standby sends writers: the leader's address ("" when unknown).
    var leaderAddress = ""

    /// Recovers from `store`: the latest snapshot (its digest checked), then every later entry
    /// replayed, each checkpoint's digest compared.
    public init(
        store: JournalStore, digestEvery: UInt64 = 1_000, snapshotEvery: UInt64 = 100_000,
        following: Bool = false, clock: @escaping @Sendable () -> Int64 = JournaledEngine.wallClock
    ) async throws {
        self.store = store
        isFollowing = following
        self.digestEvery = max(1, digestEvery)
        self.snapshotEvery = max(1, snapshotEvery)
        self.clock = clock
        var engine = Engine()
        var snapshotSequence: UInt64 = 0
        // A snapshot is written only of a durable state; one past the journal's end (written by
        // an older build that snapshotted inputs still being committed) is passed over.
        var latest = try await store.latestSnapshot()
        if let found = latest, case let last = try await store.lastSequence(), found.sequence > last {
            latest = try await store.snapshot(atOrBefore: last)
        }
        if let snapshot = latest {
            engine = try JournalCodec.decodeState(snapshot.state)
            guard engine.digestHex() == snapshot.digest, engine.lastSequence == snapshot.sequence else {
                throw StoreError.corrupt("snapshot \(snapshot.sequence) does not match its digest")
            }
            snapshotSequence = snapshot.sequence
        }
        let (replayed, mismatches) = try await Self.replay(&engine, from: store)
        self.engine = engine
        lastSnapshot = snapshotSequence
        recovery = Recovery(
            snapshotSequence: snapshotSequence, replayed: replayed, lastSequence: engine.lastSequence,
            digest: engine.digestHex(), mismatches: mismatches)
    }

    public static let wallClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Re-executes the journal after `engine`'s sequence; returns the entries applied and the
    /// checkpoints whose digest differs. `commitmentRecord`, when given, sees each journaled
    /// commitment record with the state before it and the record's outcome (`solvent replay`
    /// rebuilds the root there).
    public static func replay(
        _ engine: inout Engine, from store: JournalStore, progress: ((UInt64) -> Void)? = nil,
        commitmentRecord: ((Engine, AccountCommitment.Root, Outcome) throws -> Void)? = nil
    ) async throws
        -> (Int, [UInt64])
    {
        var replayed = 0
        var mismatches: [UInt64] = []
        while true {
            let page = try await store.entries(after: engine.lastSequence, limit: 5_000)
            if page.isEmpty { break }
            for entry in page {
                guard entry.sequence == engine.lastSequence + 1 else {
                    throw StoreError.corrupt("journal gap before \(entry.sequence)")
                }
                let input = try entry.input(now: engine.now)
                if let commitmentRecord, case .recordCommitment(let root) = input.command {
                    let before = engine
                    try commitmentRecord(before, root, engine.execute(input))
                } else {
                    _ = engine.execute(input)
                }
                if !entry.digest.isEmpty && engine.digestHex() != entry.digest { mismatches.append(entry.sequence) }
                replayed += 1
            }
            progress?(engine.lastSequence)
        }
        return (replayed, mismatches)
    }

    /// Sequences, executes and journals one command; returns once it is durable. `encoded` is
    /// the command's journal text when the caller made it already (outside the actor, so the
    /// single writer spends its time on the engine, not on JSON).
    public func submit(
        _ command: Command, commandID: CommandID? = nil, encoded: String? = nil
    ) async throws -> Submission {
        try refuseIfNotWriting()
        let submission = try enqueue(command, commandID: commandID, encoded: encoded)
        try await awaitCommit()
        return submission
    }

    /// Like `submit(_:commandID:encoded:)`, stamped `time` instead of the clock (or the engine's
    /// time, if later): a venue's shard takes its inputs' times from the venue's coordinator, so
    /// the venue and one engine fed the same inputs agree.
    public func submit(_ command: Command, at time: Timestamp) async throws -> Submission {
        try refuseIfNotWriting()
        let submission = try enqueue(command, time: time.nanoseconds)
        try await awaitCommit()
        return submission
    }

    /// Like `submit(_:at:)`, but returns once the input is applied, before it is durable: it is
    /// committed with everything else applied so far at the next `sync()` (or any submission's
    /// commit). A venue's gateway applies a request's inputs this way and syncs each shard once
    /// before it acknowledges the request: one commit per shard per request, not per input.
    /// With `sequence`, only as that input: a writer that numbers its inputs itself (a venue's
    /// gateway) finds a journal that lost its unsynced tail, or another writer's input, before
    /// anything is applied (`StoreError.outOfOrder`, nothing applied).
    public func apply(_ command: Command, at time: Timestamp, sequence: UInt64? = nil) throws -> Submission {
        try refuseIfNotWriting()
        try expect(sequence)
        return try enqueue(command, time: time.nanoseconds)
    }

    /// `apply(_:at:sequence:)` for several commands in order, in one call to the actor; with
    /// `sequence`, the first one's.
    public func apply(batch commands: [Command], at time: Timestamp, sequence: UInt64? = nil) throws -> [Submission] {
        try refuseIfNotWriting()
        try expect(sequence)
        return try commands.map { try enqueue($0, time: time.nanoseconds) }
    }

    private func expect(_ sequence: UInt64?) throws {
        guard let sequence, sequence != engine.lastSequence &+ 1 else { return }
        throw StoreError.outOfOrder(expected: engine.lastSequence &+ 1, got: sequence)
    }

    /// Returns once every input applied so far is durable, with the last one's sequence.
    public func sync() async throws -> UInt64 {
        try refuseIfNotWriting()
        let target = engine.lastSequence
        if !pending.isEmpty {
            try await awaitCommit()
        } else if flushing, durableBatch < nextBatch - 1 {
            // Nothing queued, a batch in flight: wait for that batch, not for one never queued.
            let batch = nextBatch - 1
            try await withCheckedThrowingContinuation { continuation in waiters.append((batch, continuation)) }
        }
        if let failure { throw failure }
        return target
    }

    /// Like `submit(_:commandID:encoded:)`, but only if `condition` holds for the state the
    /// command would be sequenced after (checked and sequenced with nothing in between); nil
    /// when it does not (a keeper's input that another input made stale).
    public func submit(
        _ command: Command, encoded: String? = nil, when condition: (Engine) -> Bool
    ) async throws -> Submission? {
        try refuseIfNotWriting()
        guard condition(engine) else { return nil }
        let submission = try enqueue(command, encoded: encoded)
        try await awaitCommit()
        return submission
    }

    /// Sequences, executes and journals several commands, each its own input with its own
    /// sequence number and outcome (one refused does not undo another), in one wait for the
    /// commit: a matching engine's batch of fills costs one round trip, not one per fill.
    public func submit(batch commands: [(command: Command, encoded: String?)]) async throws -> [Submission] {
        try refuseIfNotWriting()
        var submissions: [Submission] = []
        submissions.reserveCapacity(commands.count)
        for (command, encoded) in commands { submissions.append(try enqueue(command, encoded: encoded)) }
        try await awaitCommit()
        return submissions
    }

    /// A failed engine keeps failing; a standby takes no input.
    private func refuseIfNotWriting() throws {
        if let failure { throw failure }
        if isFollowing { throw StoreError.standby(leader: leaderAddress) }
    }

    /// Returns once everything queued so far is committed: joins the commit in flight's next
    /// batch, or commits now. The commit runs in a task of its own: a caller that is cancelled
    /// (a client that went away, a keeper being stopped) must not interrupt the write of inputs
    /// the engine has already applied, which would leave the journal behind the state and stop
    /// the service. `flushing` is set before the task starts, so no second commit runs beside it.
    private func awaitCommit() async throws {
        let batch = nextBatch
        if flushing {
            try await withCheckedThrowingContinuation { continuation in waiters.append((batch, continuation)) }
        } else {
            flushing = true
            try await Task { try await self.flush() }.value
        }
        if let failure { throw failure }
    }

    /// Sequences and executes one command and queues its journal entry for the next commit
    /// (no suspension: nothing else runs between the execution and the queueing).
    private func enqueue(
        _ command: Command, commandID: CommandID? = nil, encoded: String? = nil, time given: Int64? = nil
    ) throws -> Submission {
        let sequence = engine.lastSequence + 1
        let time = max(given ?? clock(), engine.now.nanoseconds)
        let outcome = engine.execute(
            SequencedInput(
                sequence: sequence, timestamp: Timestamp(nanoseconds: time), commandID: commandID, command: command))
        let digest = sequence % digestEvery == 0 ? engine.digestHex() : ""
        pending.append(
            JournalEntry(
                sequence: sequence, time: time, commandID: commandID?.rawValue ?? 0,
                command: try encoded ?? JournalCodec.encode(command), digest: digest))
        if case .applied(let events) = outcome, !events.isEmpty, !listeners.isEmpty {
            pendingEvents.append((sequence, events))
        }
        return Submission(sequence: sequence, outcome: outcome)
    }

    /// Commits batches until nothing is pending, waking each batch's callers.
    private func flush() async throws {
        flushing = true
        defer { flushing = false }
        while !pending.isEmpty {
            let batch = pending
            pending = []
            // The state right after the batch: what a snapshot may hold once the batch is
            // durable (inputs queued while it commits are not, and may yet be refused).
            let durable = batch.last.map { $0.sequence - lastSnapshot >= snapshotEvery } == true ? engine : nil
            let published = pendingEvents
            pendingEvents = []
            let number = nextBatch
            nextBatch += 1
            do {
                try await store.append(batch)
            } catch {
                failure = error
                for waiter in waiters { waiter.continuation.resume(throwing: error) }
                waiters = []
                throw error
            }
            durableBatch = number
            for (sequence, events) in published {
                for listener in listeners.keys.sorted() { listeners[listener]?(events, sequence, engine) }
            }
            let ready = waiters.filter { $0.batch <= number }
            waiters.removeAll { $0.batch <= number }
            for waiter in ready { waiter.continuation.resume() }
            if let durable { try await writeSnapshot(of: durable) }
        }
    }

    /// Writes a snapshot of the current state and commits to every account at it (the
    /// Merkle-sum root is journaled right after, with the sequence and digest); returns once both
    /// are durable.
    public func snapshot() async throws {
        try refuseIfNotWriting()
        // Only a durable state is snapshotted: commit what is queued until nothing is in flight.
        repeat { try await awaitCommit() } while !pending.isEmpty || flushing
        try await writeSnapshot(of: engine)
        try await awaitCommit()
    }

    /// The snapshot of a durable `state`, and the commitment's record queued for the next commit
    /// (`flush` commits it).
    private func writeSnapshot(of state: Engine) async throws {
        let secret = try await commitmentSecret()
        let digest = state.digestHex()
        try await store.saveSnapshot(
            Snapshot(sequence: state.lastSequence, digest: digest, state: try JournalCodec.encodeState(state)))
        lastSnapshot = state.lastSequence
        // A venue without assets owes nothing: there is nothing to commit to yet.
        guard !engine.assets.isEmpty else { return }
        // The engine may have moved on while the snapshot was written: commit to the state now.
        let commitment = try engine.commitment(
            secret: secret, stateDigest: engine.lastSequence == state.lastSequence ? digest : nil, parallel: .cores)
        try record(commitment)
    }

    /// Commits to every account at the current state and journals the root (on demand: `solvent
    /// commit`, the API); returns the state committed to and the commitment once the record is
    /// durable.
    public func publishCommitment() async throws -> (Engine, AccountCommitment) {
        try refuseIfNotWriting()
        let secret = try await commitmentSecret()
        // From here to the record's execution nothing suspends, so no input slips in between.
        let commitment = try engine.commitment(secret: secret, parallel: .cores)
        let committed = try record(commitment)
        try await awaitCommit()
        return committed
    }

    /// The state and commitment of the latest root this process published (proofs need the
    /// tree, which is not kept in the journal), if that root is still the engine's latest.
    public func cachedCommitment() -> (Engine, AccountCommitment)? {
        guard let latestCommitment, engine.latestCommitment == latestCommitment.1.root else { return nil }
        return latestCommitment
    }

    /// Queues the record of a commitment to the current state; returns that state and the
    /// commitment (kept for proofs).
    @discardableResult
    private func record(_ commitment: AccountCommitment) throws -> (Engine, AccountCommitment) {
        let state = engine
        let submission = try enqueue(.recordCommitment(commitment.root))
        guard case .applied = submission.outcome else {
            throw StoreError.corrupt("the engine refused its own commitment: \(submission.outcome)")
        }
        latestCommitment = (state, commitment)
        return (state, commitment)
    }

    private func commitmentSecret() async throws -> [UInt8] {
        if let secret { return secret }
        let loaded = try await Commitments.secret(store)
        secret = loaded
        return loaded
    }

    /// Registers an observer of committed events; returns its id for `removeListener`.
    public func addListener(_ listener: @escaping @Sendable ([Event], UInt64) -> Void) -> UInt64 {
        addListener { events, sequence, _ in listener(events, sequence) }
    }

    /// As `addListener(_:)`, with the engine's state after the commit (to render events with
    /// what they do not carry, such as the decimals of a market's settlement asset).
    public func addListener(withState listener: @escaping @Sendable ([Event], UInt64, Engine) -> Void) -> UInt64 {
        let id = nextListener
        nextListener += 1
        listeners[id] = listener
        return id
    }

    public func removeListener(_ id: UInt64) { listeners[id] = nil }

    /// Reads the engine (a copy-on-write value: cheap, consistent).
    public func read<T: Sendable>(_ body: (Engine) -> T) -> T { body(engine) }
}
