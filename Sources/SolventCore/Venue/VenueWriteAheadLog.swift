/// What a venue's coordinator writes down before it sends anything to a shard, so that a
/// coordinator restarted after a crash (its own, or a shard's that lost inputs it had not yet
/// made durable) finishes what was begun instead of leaving the shards apart: one leg of a trade
/// between two shards applied and the other not, a price on some shards only, the liquidation
/// baton handed over and never taken, positions reserved for a step that never ran.
///
/// The coordinator is the shards' only writer and numbers each input with the sequence its shard
/// will give it, so a restarted coordinator sends again, in order, exactly the logged inputs a
/// shard's journal lacks (`VenueCoordinator.recover`); a shard is deterministic, so each does
/// what it did the first time. What spans several inputs of several shards is logged as an
/// intent beside its first input: the baton's move and a step's auto-deleveraging.
public protocol VenueWriteAheadLog: AnyObject, Sendable {
    /// Writes `inputs` (and `intent`, also when there are no inputs) durably; returns only once
    /// they would survive a crash.
    func append(_ inputs: [VenueSentInput], intent: VenueIntent?) throws(VenueFailure)
    /// Every shard has made durable everything sent so far: what is logged may be forgotten.
    func settle() throws(VenueFailure)
    /// What is logged and not yet forgotten, in the order it was appended.
    func pending() throws(VenueFailure) -> (inputs: [VenueSentInput], intents: [VenueIntent])
}

/// An input as the coordinator sent it: the shard, the sequence it gets there, its time.
public struct VenueSentInput: Hashable, Sendable, Codable {
    public var shard: Int
    public var sequence: UInt64
    public var time: Timestamp
    public var command: Command

    public init(shard: Int, sequence: UInt64, time: Timestamp, command: Command) {
        self.shard = shard
        self.sequence = sequence
        self.time = time
        self.command = command
    }
}

/// A step across shards that a restarted coordinator completes or undoes.
public enum VenueIntent: Hashable, Sendable, Codable {
    /// The liquidation baton leaves `from` for `to` (handed over with this state).
    case batonMove(from: Int, to: Int, baton: VenueLiquidationState)
    /// A liquidation step on `home` (its input at `stepSequence`) with auto-deleveraging shares
    /// reserved on other shards: once the step applied, every reservation commits at `price`;
    /// until it has, every reservation is released.
    case deleveraging(home: Int, stepSequence: UInt64, reservations: [UInt64], price: Price)
    /// A tick of every shard at `time`, each taking the baton first: a shard the tick had not
    /// reached by the stop is ticked at that time (a tick on some shards only would leave
    /// funding and dated futures' settlement apart).
    case tick(time: Timestamp)
    /// A step that did not go as its check said (a fault of the venue, never of a client):
    /// recovery refuses to guess and names it.
    case fault(String)
}

/// What a shard tells a restarted coordinator: its last sequence and its place in the venue.
public struct VenueShardStatus: Sendable {
    public var lastSequence: UInt64
    public var holdsLiquidation: Bool
    public var reservations: [DeleveragingReservation]

    public init(lastSequence: UInt64, holdsLiquidation: Bool, reservations: [DeleveragingReservation]) {
        self.lastSequence = lastSequence
        self.holdsLiquidation = holdsLiquidation
        self.reservations = reservations
    }
}
