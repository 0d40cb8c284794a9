import Foundation

/// Who leads a shared journal: the holder of a lease kept in the journal's own database, with a
/// fencing epoch. Several services share one PostgreSQL journal, one leader (the single writer)
/// and standbys that follow it; when the leader stops renewing, a standby takes the lease, which
/// raises the epoch. An append carries its writer's epoch and goes in only while that epoch is
/// current (`fence(epoch:)`), so a deposed leader (a paused process, a partitioned host) can
/// append nothing once the new leader holds the lease, whatever its own clock says.
public struct LeaseHolder: Sendable, Equatable {
    /// The process that holds the lease (host, process id and a random tag).
    public var holder: String
    /// The address the leader serves clients on (where a standby sends writers).
    public var address: String
    public var epoch: UInt64
    /// Milliseconds until the lease expires by the database's clock (negative: expired).
    public var remainingMilliseconds: Int64

    public init(holder: String, address: String, epoch: UInt64, remainingMilliseconds: Int64) {
        self.holder = holder
        self.address = address
        self.epoch = epoch
        self.remainingMilliseconds = remainingMilliseconds
    }
}

/// A journal store that several services can share under a leader lease (PostgreSQL).
public protocol LeaderElection: JournalStore {
    /// Takes the lease if nobody holds a live one (a first lease, or an expired one): returns the
    /// new epoch (one above the last), or nil when another holder's lease is live.
    func takeLeadership(holder: String, address: String, lease: Duration) async throws -> UInt64?
    /// Extends the holder's lease from now; false when the lease has passed to another epoch.
    func renewLeadership(holder: String, epoch: UInt64, lease: Duration) async throws -> Bool
    /// Ends the holder's lease at once (a clean stop), so a standby need not wait for it to expire.
    func resignLeadership(holder: String, epoch: UInt64) async throws
    /// The current lease, if one was ever taken.
    func leader() async throws -> LeaseHolder?
    /// From now on this store's appends go in only while `epoch` is the lease's epoch, and are
    /// refused with `StoreError.deposed` once another holder has taken it.
    func fence(epoch: UInt64)
}

extension Duration {
    /// Whole milliseconds (rounded down).
    var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}

/// A lease holder's name: host, process id and a random tag, so that a restarted process on the
/// same host and process id is a new holder.
public func leaseHolderName() -> String {
    "\(WriterLease.hostName()) \(getpid()) \(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
}
