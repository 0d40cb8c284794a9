import Foundation
import SolventStore

/// How a service on a shared (PostgreSQL) journal leads it or stands by: the lease loop. A
/// standby applies the leader's entries as they are committed and takes the lease once it
/// expires (the leader stopped renewing: killed, paused, cut off); the leader renews it every
/// third of its length. Taking the lease raises its epoch and fences the store by it, so from
/// then on the journal refuses the old leader's appends; only then does the standby promote
/// its engine (apply the rest of the journal, take inputs).
public struct LeaderLease: Sendable {
    public struct Configuration: Sendable {
        /// How long a lease lasts unrenewed: the bound on a failover's detection.
        public var lease: Duration
        /// How often a standby reads the journal and the lease.
        public var poll: Duration
        /// The address this service serves clients on (a standby sends writers there once this
        /// service leads).
        public var address: String
        /// Stand by while another service leads (`serve --follow`); otherwise a live leader that
        /// keeps renewing is an error (two services started as leaders by mistake).
        public var standBy: Bool

        public init(lease: Duration, poll: Duration, address: String, standBy: Bool) {
            self.lease = lease
            self.poll = poll
            self.address = address
            self.standBy = standBy
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        /// Another service leads and renews; this one was not started to stand by.
        case ledByAnother(LeaseHolder)

        public var description: String {
            switch self {
            case .ledByAnother(let holder):
                return "another service leads this journal (\(holder.holder), serving \(holder.address), epoch "
                    + "\(holder.epoch)): start this one with --follow to stand by"
            }
        }
    }

    public let store: any LeaderElection
    public let service: SolventService
    public let configuration: Configuration
    /// This process's name in the lease.
    public let holder = leaseHolderName()

    public init(store: any LeaderElection, service: SolventService, configuration: Configuration) {
        self.store = store
        self.service = service
        self.configuration = configuration
    }

    /// Stands by until this service takes the lease, then calls `promoted` (start the keeper)
    /// and renews the lease until it is lost: throws `StoreError.deposed` then, or
    /// `Failure.ledByAnother`, or a store error while standing by.
    public func run(promoted: @Sendable (UInt64) async -> Void) async throws {
        let epoch = try await standBy()
        await promoted(epoch)
        try await renew(epoch)
    }

    /// Follows the journal until the lease is free, takes it, fences the store, promotes the
    /// engine; returns the new epoch.
    func standBy() async throws -> UInt64 {
        var waitedFor: (holder: String, until: ContinuousClock.Instant)? = nil
        while true {
            try Task.checkCancellation()
            try await service.engine.catchUp()
            if let current = try await store.leader(), current.remainingMilliseconds > 0 {
                await service.engine.follow(leader: current.address)
                service.leaseEpoch.withLock { $0 = current.epoch }
                if !configuration.standBy {
                    // A lease left by a crashed leader runs out; one that outlives its first
                    // expiry was renewed by a live leader.
                    let now = ContinuousClock.now
                    if let waited = waitedFor, waited.holder == current.holder, now > waited.until {
                        throw Failure.ledByAnother(current)
                    }
                    if waitedFor?.holder != current.holder {
                        waitedFor = (
                            current.holder, now + .milliseconds(current.remainingMilliseconds) + configuration.poll
                        )
                    }
                }
                try await Task.sleep(for: configuration.poll)
                continue
            }
            guard
                let epoch = try await store.takeLeadership(
                    holder: holder, address: configuration.address, lease: configuration.lease)
            else { continue }  // another standby took it first: follow that one
            store.fence(epoch: epoch)
            service.leaseEpoch.withLock { $0 = epoch }
            try await service.engine.promote()
            return epoch
        }
    }

    /// Renews the lease every third of its length until another holder has it. A renewal that
    /// fails (the database unreachable) is retried: while it is, appends fail too, and once the
    /// database answers, either the lease is still this epoch's or the appends are refused.
    func renew(_ epoch: UInt64) async throws {
        while true {
            try await Task.sleep(for: configuration.lease / 3)
            do {
                if try await store.renewLeadership(holder: holder, epoch: epoch, lease: configuration.lease) {
                    continue
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                continue
            }
            let current = try? await store.leader()
            throw StoreError.deposed(
                "the lease passed from epoch \(epoch) to epoch \(current.map { "\($0.epoch)" } ?? "?")"
                    + (current.map { " (\($0.holder), serving \($0.address))" } ?? ""))
        }
    }

    /// Ends this service's lease (a clean stop): a standby takes over without waiting for it.
    public func resign(epoch: UInt64) async {
        try? await store.resignLeadership(holder: holder, epoch: epoch)
    }
}
