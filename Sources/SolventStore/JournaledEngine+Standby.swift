import Foundation
import SolventCore

/// A standby: the engine of a service that follows the journal another service (the leader)
/// writes. It applies the leader's entries as they are committed, with the same code as recovery
/// (so its state, and its digest at every checkpoint, is the leader's), publishes their events to
/// its listeners (a standby's WebSocket stream and metrics stay live), and takes inputs only once
/// promoted, after it has applied everything the journal holds.
extension JournaledEngine {
    /// Applies the entries journaled since this engine's sequence, at most `limit` per read,
    /// until none is left; returns how many it applied. A checkpoint whose recorded digest this
    /// engine does not reproduce stops it (`StoreError.corrupt`): a standby that diverged must
    /// not take over.
    @discardableResult
    public func catchUp(limit: Int = 5_000) async throws -> Int {
        if let failure { throw failure }
        var applied = 0
        while true {
            let page = try await store.entries(after: engine.lastSequence, limit: limit)
            // Another catch-up may have run while this one read (a promotion beside the poll).
            let fresh = page.drop { $0.sequence <= engine.lastSequence }
            if fresh.isEmpty { return applied }
            for entry in fresh {
                guard entry.sequence == engine.lastSequence + 1 else {
                    throw StoreError.corrupt("journal gap before \(entry.sequence)")
                }
                let outcome = engine.execute(try entry.input(now: engine.now))
                if !entry.digest.isEmpty && engine.digestHex() != entry.digest {
                    let error = StoreError.corrupt(
                        "the standby's state at sequence \(entry.sequence) does not reproduce the leader's digest")
                    failure = error
                    throw error
                }
                applied += 1
                if case .applied(let events) = outcome, !events.isEmpty {
                    for listener in listeners.keys.sorted() { listeners[listener]?(events, entry.sequence, engine) }
                }
            }
        }
    }

    /// Makes this standby the writer: applies everything the journal holds, then takes inputs.
    /// Call it only once the journal refuses any other writer's appends (the lease taken and the
    /// store fenced by its epoch), or an input could slip in after the last one applied here.
    public func promote() async throws {
        guard isFollowing else { return }
        try await catchUp()
        isFollowing = false
        leaderAddress = ""
        lastSnapshot = engine.lastSequence
    }

    /// Where this standby sends writers (the lease holder's address).
    public func follow(leader address: String) { leaderAddress = address }

    /// Why this engine stopped taking inputs (a refused or failed append, a diverged standby), or
    /// nil while it runs.
    public var failureReason: String? { failure.map { "\($0)" } }

    /// The last sequence, whether this engine is a standby, and the address it sends writers to
    /// ("" on the leader, or when unknown), read together.
    public func standing() -> (sequence: UInt64, following: Bool, leader: String) {
        (engine.lastSequence, isFollowing, leaderAddress)
    }

    /// Why the engine takes no more inputs, if a journal write failed (its state may then hold
    /// inputs the journal does not).
    public var journalFailure: String? { failure.map { "\($0)" } }
}
