/// What a venue's coordinator needs of one shard: execute a journaled input, plan one without
/// applying it, and read what a liquidation step across the venue depends on. An `Engine` in
/// memory is one (`ShardedVenue`); a shard process reached over its shard protocol is another
/// (`solvent gateway`). A link that cannot reach its shard throws `VenueFailure`.
public protocol VenueShardLink {
    /// Sequences `command` at `time` (or the shard's clock, if later), executes and journals it.
    mutating func execute(_ command: Command, at time: Timestamp) throws(VenueFailure) -> Outcome
    /// The events `command` would cause as the shard's next input at `time`, or its rejection.
    func plannedEvents(of command: Command, at time: Timestamp) throws(VenueFailure) -> Result<[Event], Rejection>
    /// Whether the shard holds an account with this id.
    func hasAccount(_ id: AccountID) throws(VenueFailure) -> Bool
    /// The liquidation baton as the shard would hand it over now.
    func liquidationBaton() throws(VenueFailure) -> VenueLiquidationState
    /// What a liquidation step would need from auto-deleveraging (`Engine.venueDeleveragingNeed`).
    func venueDeleveragingNeed(
        account: AccountID, market: MarketID, keeper: AccountID?
    ) throws(VenueFailure) -> Result<VenueDeleveragingNeed?, Rejection>
    /// The shard's ranked candidates for `need` (`Engine.deleveragingCandidates(for:)`).
    func deleveragingCandidates(for need: VenueDeleveragingNeed) throws(VenueFailure) -> [ScoredCandidate]
    /// The shard's deficit in `asset` (zero or negative; zero for an unknown asset).
    func deficit(of asset: AssetID) throws(VenueFailure) -> Int64
    /// The sequence of the shard's last input as this link knows it (nil: not known yet).
    var lastSequence: UInt64? { get }
    /// The shard's last sequence, whether it holds the baton, and its reservations, read now.
    func status() throws(VenueFailure) -> VenueShardStatus
    /// The commands the shard journaled after `sequence`, at most `limit` (everything it applied
    /// made durable first), or nil if the link cannot tell (a shard in memory keeping no journal).
    func journaledCommands(after sequence: UInt64, limit: Int) throws(VenueFailure) -> [Command]?
    /// Returns once every input the shard has executed is durable (a coordinator calls it before
    /// it acknowledges what it ran; a shard may make `execute` durable only here).
    mutating func sync() throws(VenueFailure)
    /// Executes each shard's commands in order, `batches[k]` on `links[k]` (empty: nothing),
    /// every one at `time`; the shards may run theirs at once. Returns each shard's outcomes.
    static func execute(
        batches: [[Command]], on links: inout [Self], at time: Timestamp
    ) throws(VenueFailure) -> [[Outcome]]
    /// Plans each command on its shard (`plannedEvents(of:at:)`); the shards may answer at once.
    static func plan(
        _ queries: [(shard: Int, command: Command)], on links: [Self], at time: Timestamp
    ) throws(VenueFailure) -> [Result<[Event], Rejection>]
}

extension Result where Success == [Event], Failure == Rejection {
    /// The rejection, if the plan is one.
    var rejection: Rejection? {
        if case .failure(let rejection) = self { return rejection }
        return nil
    }

    /// A plan as the outcome the input would have (how a shard sends a plan).
    public var outcome: Outcome {
        switch self {
        case .success(let events): .applied(events)
        case .failure(let rejection): .rejected(rejection)
        }
    }
}

extension Outcome {
    /// An outcome read as a plan.
    public var plan: Result<[Event], Rejection> {
        switch self {
        case .applied(let events): .success(events)
        case .rejected(let rejection): .failure(rejection)
        }
    }
}

extension VenueShardLink {
    /// One plan after another.
    public static func plan(
        _ queries: [(shard: Int, command: Command)], on links: [Self], at time: Timestamp
    ) throws(VenueFailure) -> [Result<[Event], Rejection>] {
        var plans: [Result<[Event], Rejection>] = []
        for (shard, command) in queries { plans.append(try links[shard].plannedEvents(of: command, at: time)) }
        return plans
    }

    /// One shard after another, one command after another.
    public static func execute(
        batches: [[Command]], on links: inout [Self], at time: Timestamp
    ) throws(VenueFailure) -> [[Outcome]] {
        var outcomes: [[Outcome]] = []
        for (shard, batch) in batches.enumerated() {
            var own: [Outcome] = []
            for command in batch { own.append(try links[shard].execute(command, at: time)) }
            outcomes.append(own)
        }
        return outcomes
    }
}

/// A failure of the venue itself, never a user's error: shards that disagree on an input every
/// shard receives, a step's second phase refused after its first succeeded, or a shard that
/// could not be reached. A coordinator stops taking inputs after one (the shards' journals say
/// what each applied; a restarted coordinator reads the baton and reservations back).
public struct VenueFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Whether the venue itself is sound and a shard only out of reach for now (unreachable, no
    /// leader yet, or restarted without inputs it had not made durable): a coordinator may start
    /// again from its write-ahead log. Disagreeing shards are never transient.
    public var transient: Bool

    public init(_ description: String, transient: Bool = false) {
        self.description = description
        self.transient = transient
    }
}

extension VenueShardLink {
    /// The rejection `command` would meet as the shard's next input at `time`, or nil.
    func refusal(of command: Command, at time: Timestamp) throws(VenueFailure) -> Rejection? {
        try plannedEvents(of: command, at: time).rejection
    }
}

/// A shard in memory: an engine and, when recording, its inputs so far (its journal).
public struct LocalShard: VenueShardLink, Sendable {
    public internal(set) var engine: Engine
    public internal(set) var journal: [SequencedInput] = []
    let recording: Bool

    public init(engine: Engine = Engine(), recording: Bool) {
        self.engine = engine
        self.recording = recording
    }

    /// Numbers the input after the engine's last one.
    public mutating func execute(_ command: Command, at time: Timestamp) -> Outcome {
        let input = SequencedInput(
            sequence: engine.lastSequence + 1, timestamp: max(time, engine.now), commandID: nil, command: command)
        if recording { journal.append(input) }
        return engine.execute(input)
    }

    public func plannedEvents(of command: Command, at time: Timestamp) -> Result<[Event], Rejection> {
        engine.plannedEvents(of: command, at: time)
    }

    public func hasAccount(_ id: AccountID) -> Bool { engine.account(id) != nil }

    public func liquidationBaton() -> VenueLiquidationState { engine.venueLiquidationBaton }

    public func venueDeleveragingNeed(
        account: AccountID, market: MarketID, keeper: AccountID?
    ) -> Result<VenueDeleveragingNeed?, Rejection> {
        engine.venueDeleveragingNeed(account: account, market: market, keeper: keeper)
    }

    public func deleveragingCandidates(for need: VenueDeleveragingNeed) -> [ScoredCandidate] {
        engine.deleveragingCandidates(for: need)
    }

    public func deficit(of asset: AssetID) -> Int64 { engine.asset(asset)?.deficit ?? 0 }

    public var lastSequence: UInt64? { engine.lastSequence }

    /// From the journal kept when recording (it starts at sequence 1); nil when not recording.
    public func journaledCommands(after sequence: UInt64, limit: Int) -> [Command]? {
        guard recording, journal.count == Int(engine.lastSequence) else { return nil }
        return journal.dropFirst(Int(min(sequence, UInt64(journal.count)))).prefix(limit).map(\.command)
    }

    public func status() -> VenueShardStatus {
        VenueShardStatus(
            lastSequence: engine.lastSequence, holdsLiquidation: engine.venue?.holdsLiquidation ?? false,
            reservations: engine.venue?.reservations ?? [])
    }

    /// In memory, every input is as durable as it will be once executed.
    public mutating func sync() {}
}
