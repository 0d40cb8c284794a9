import HTTPTypes
import SolventCore

/// The messages between a venue's gateway and its shards (`solvent serve --shard k/N`), JSON
/// through the types' Codable forms (commands as the journal writes them). The gateway runs the
/// venue's coordinator (`VenueCoordinator`); each shard journals what it is sent and answers
/// what the coordinator reads before it sends.
public enum ShardProtocol {
    /// The header of every read's reply: the sequence of the state it was read from.
    public static let lastSequenceHeader = HTTPField.Name("Solvent-Last-Sequence")!

    /// `POST /v1/shard/execute` and `POST /v1/shard/plan`: a command at the venue's time.
    public struct Input: Codable, Sendable {
        public var command: Command
        /// Nanoseconds since the epoch (the shard uses its own last time if that is later).
        public var time: Int64
        /// For `execute`: the sequence the input must get (absent: the next); a shard whose
        /// journal is elsewhere answers 409 `sequenceMismatch` and applies nothing.
        public var sequence: UInt64?
        public init(command: Command, time: Int64, sequence: UInt64? = nil) {
            self.command = command
            self.time = time
            self.sequence = sequence
        }
    }

    /// `POST /v1/shard/execute-batch`: commands in order, all at the venue's time.
    public struct Batch: Codable, Sendable {
        public var commands: [Command]
        public var time: Int64
        /// The sequence the first command must get (as `Input.sequence`).
        public var sequence: UInt64?
        public init(commands: [Command], time: Int64, sequence: UInt64? = nil) {
            self.commands = commands
            self.time = time
            self.sequence = sequence
        }
    }

    /// Its answer: each command's sequence and outcome, in order.
    public struct BatchExecuted: Codable, Sendable {
        public var results: [Executed]
    }

    /// What `execute` journaled (its sequence) and what the input did; `plan` answers the same
    /// shape with sequence 0 and the outcome the input would have.
    public struct Executed: Codable, Sendable {
        public var sequence: UInt64
        public var outcome: Outcome
    }

    /// `POST /v1/shard/sync`: everything executed so far is durable, up to this sequence.
    public struct Synced: Codable, Sendable {
        public var durableSequence: UInt64
    }

    /// `GET /v1/shard/inputs?after=N&limit=M`: the journal's commands after N (everything
    /// applied made durable first), at most M (1 to 1,000), in sequence order.
    public struct Inputs: Codable, Sendable {
        public var commands: [Command]
    }

    /// `GET /v1/shard/state`: the shard's place in the venue and the liquidation baton it would
    /// hand over (a restarted gateway reads the holder and the reservations back from these).
    public struct State: Codable, Sendable {
        public var shard: UInt32
        public var shards: UInt32
        public var holdsLiquidation: Bool
        public var reservations: [DeleveragingReservation]
        public var lastSequence: UInt64
        public var now: Int64
        public var digest: String
        public var baton: VenueLiquidationState
    }

    /// `GET /v1/shard/accounts/{id}`: whether the shard holds the account, and its digest.
    public struct AccountState: Codable, Sendable {
        public var exists: Bool
        public var digest: String?
    }

    /// `GET /v1/shard/assets/{id}`: the shard's deficit in the asset (zero or negative).
    public struct AssetState: Codable, Sendable {
        public var deficit: Int64
        public var insuranceFund: Int64
    }

    /// `POST /v1/shard/deleveraging-need`: the step the coordinator is about to run.
    public struct NeedQuery: Codable, Sendable {
        public var account: AccountID
        public var market: MarketID
        public var keeper: AccountID?
    }

    /// Its answer: the need (absent: none), or the rejection the step would meet.
    public struct NeedReply: Codable, Sendable {
        public var need: VenueDeleveragingNeed?
        public var rejection: Rejection?
    }

    /// `POST /v1/shard/deleveraging-candidates` answers a `VenueDeleveragingNeed` with these.
    public struct Candidates: Codable, Sendable {
        public var candidates: [ScoredCandidate]
    }

    /// `GET /v1/shard/alerts`: the shard's pools in liquidation, in pool order, each with the
    /// market its next step would close.
    public struct Alerts: Codable, Sendable {
        public struct Step: Codable, Sendable, Hashable {
            public var pool: PoolKey
            public var market: MarketID
        }
        public var liquidating: [Step]
    }
}
