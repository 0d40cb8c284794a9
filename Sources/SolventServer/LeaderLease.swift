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
        /// This leader stopped leading: the lease passed to another service, the journal
        /// refused an append, or the database could not be reached for a whole lease.
        case steppedDown(String)
        /// This standby does not reproduce the journal (a recorded digest, a gap): it must not
        /// take over.
        case diverged(String)

        public var description: String {
            switch self {
            case .ledByAnother(let holder):
                return "another service leads this journal (\(holder.holder), serving \(holder.address), epoch "
                    + "\(holder.epoch)): start this one with --follow to stand by"
            case .steppedDown(let reason): return "no longer leading the journal: \(reason)"
            case .diverged(let reason): return "the standby stopped following the journal: \(reason)"
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
    /// and renews the lease until it is lost. Throws `Failure` (`steppedDown`, `diverged`,
    /// `ledByAnother`) or `CancellationError` when the service stops.
    public func run(promoted: @Sendable (UInt64) async -> Void) async throws {
        let epoch = try await standBy()
        guard !Task.isCancelled else {
            await resign(epoch: epoch)
            throw CancellationError()
        }
        await promoted(epoch)
        try await renew(epoch)
    }

    /// Follows the journal until the lease is free, takes it, fences the store, promotes the
    /// engine; returns the new epoch. A database that cannot be reached is retried (a standby
    /// that exited on every blip would have to recover cold); a journal this engine does not
    /// reproduce is not.
    func standBy() async throws -> UInt64 {
        var waitedFor: (holder: String, until: ContinuousClock.Instant)? = nil
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                if let epoch = try await standByStep(&waitedFor) { return epoch }
                failures = 0
            } catch StoreError.corrupt(let detail) {
                throw Failure.diverged(detail)
            } catch let failure as Failure {
                throw failure
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if failures == 0 { Self.say("serve: standing by, the database did not answer (retrying): \(error)") }
                failures += 1
                try await Task.sleep(for: min(configuration.poll * (1 << min(failures, 6)), .seconds(1)))
            }
        }
    }

    /// One poll of a standby: applies the journal's new entries, then follows the live leader
    /// (nil) or takes the free lease and promotes (the epoch).
    private func standByStep(
        _ waitedFor: inout (holder: String, until: ContinuousClock.Instant)?
    ) async throws -> UInt64? {
        try await service.engine.catchUp()
        if let current = try await store.leader(), current.remainingMilliseconds > 0 {
            await service.engine.follow(leader: current.address)
            service.leaseEpoch.withLock { $0 = current.epoch }
            if !configuration.standBy {
                // A lease left by a crashed leader runs out; one that outlives its first expiry
                // was renewed by a live leader.
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
            return nil
        }
        let taken = try await store.takeLeadership(
            holder: holder, address: configuration.address, lease: configuration.lease)
        guard let epoch = taken else { return nil }  // another standby took it first: follow that one
        store.fence(epoch: epoch)
        service.leaseEpoch.withLock { $0 = epoch }
        do {
            try await service.engine.promote()
        } catch {
            await resign(epoch: epoch)  // still a standby: it may take the lease again later
            throw error
        }
        // The promotion took some of the lease: renew it from now. The engine takes inputs
        // already, so a failure here ends the leadership for good.
        let renewed: Bool
        do {
            renewed = try await store.renewLeadership(holder: holder, epoch: epoch, lease: configuration.lease)
        } catch {
            await resign(epoch: epoch)
            throw Failure.steppedDown("the lease could not be renewed after the promotion: \(error)")
        }
        guard renewed else { throw Failure.steppedDown("the lease passed to another service during the promotion") }
        return epoch
    }

    /// Renews the lease every third of its length. Stops leading — resigns where it can, and
    /// throws `steppedDown` — when the lease has passed to another holder, when the journal
    /// refused an append (the engine takes no more input: a standby must take over), or when no
    /// renewal has succeeded for a whole lease (the database unreachable from here: the lease
    /// may be another's by now, and the journal refuses this epoch's appends).
    func renew(_ epoch: UInt64) async throws {
        var renewed = ContinuousClock.now
        while true {
            try await Task.sleep(for: configuration.lease / 3)
            if let reason = await service.engine.failureReason {
                await resign(epoch: epoch)
                throw Failure.steppedDown("the journal refused an append: \(reason)")
            }
            let sent = ContinuousClock.now
            do {
                if try await store.renewLeadership(holder: holder, epoch: epoch, lease: configuration.lease) {
                    renewed = sent
                    continue
                }
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if ContinuousClock.now - renewed < configuration.lease { continue }
                throw Failure.steppedDown("no renewal of the lease succeeded for \(configuration.lease): \(error)")
            }
            let current = try? await store.leader()
            throw Failure.steppedDown(
                "the lease passed from epoch \(epoch) to epoch \(current.map { "\($0.epoch)" } ?? "?")"
                    + (current.map { " (\($0.holder), serving \($0.address))" } ?? ""))
        }
    }

    static func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    /// Ends this service's lease (a clean stop): a standby takes over without waiting for it.
    public func resign(epoch: UInt64) async {
        try? await store.resignLeadership(holder: holder, epoch: epoch)
    }
}
