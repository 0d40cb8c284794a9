import Foundation
import SolventCore
import Synchronization
import Testing

@testable import SolventStore

/// The leader lease and its fencing (PostgreSQL), and a standby engine that follows a leader's
/// journal and takes over (every backend: a standby reads the same store as its leader).
@Suite struct LeadershipTests {
    static let postgres: Bool = Backend.postgresURL != nil

    /// Two services on one journal: one lease at a time; a lease taken over raises the epoch; the
    /// deposed holder can neither renew nor append, while the new one can; a resigned lease is
    /// free at once.
    @Test(.enabled(if: postgres, "no PostgreSQL (needs SOLVENT_TEST_POSTGRES): the lease tests skip"))
    func theLeaseFencesADeposedLeader() async throws {
        guard let (first, reopen) = try await Backend.postgres.make("lease"),
            let a = first as? PostgresStore, let b = try await reopen() as? PostgresStore
        else { return }
        let lease = Duration.milliseconds(300)
        let epoch = try #require(try await a.takeLeadership(holder: "a", address: "http://a", lease: lease))
        #expect(epoch == 1)
        #expect(try await b.takeLeadership(holder: "b", address: "http://b", lease: lease) == nil)
        #expect(try await b.leader()?.address == "http://a")
        a.fence(epoch: epoch)
        try await a.append(entries(1...2))
        #expect(try await a.renewLeadership(holder: "a", epoch: epoch, lease: lease))

        try await Task.sleep(for: .milliseconds(400))  // a stops renewing: its lease expires
        let next = try #require(try await b.takeLeadership(holder: "b", address: "http://b", lease: .seconds(30)))
        #expect(next == 2)
        b.fence(epoch: next)
        await #expect(throws: StoreError.self) { try await a.append(entries(3...3)) }
        do {
            try await a.append(entries(3...3))
        } catch let error as StoreError {
            guard case .deposed(let detail) = error else { Issue.record("expected deposed, got \(error)"); return }
            #expect(detail.contains("epoch 1 to epoch 2"))
        }
        #expect(try await a.renewLeadership(holder: "a", epoch: epoch, lease: lease) == false)
        try await b.append(entries(3...4))
        #expect(try await b.lastSequence() == 4)

        // A clean stop hands over at once.
        try await b.resignLeadership(holder: "b", epoch: next)
        #expect(try await a.takeLeadership(holder: "a", address: "http://a", lease: lease) == 3)
        #expect(try await b.renewLeadership(holder: "b", epoch: next, lease: lease) == false)
        try await a.dropSchema()
        try await a.close()
        try await b.close()
    }

    /// While a service holds a live lease, a writer without one (`solvent commit`) is refused,
    /// before it appends (`WriterLease`) and at the append; once the lease is resigned it may write.
    @Test(.enabled(if: postgres, "no PostgreSQL (needs SOLVENT_TEST_POSTGRES): the lease tests skip"))
    func aWriterWithoutTheLeaseIsRefusedWhileAServiceLeads() async throws {
        guard let (first, reopen) = try await Backend.postgres.make("unleased"),
            let leader = first as? PostgresStore, let other = try await reopen() as? PostgresStore
        else { return }
        let epoch = try #require(try await leader.takeLeadership(holder: "a", address: "http://a", lease: .seconds(30)))
        leader.fence(epoch: epoch)
        try await leader.append(entries(1...2))
        await #expect(throws: StoreError.self) { try await WriterLease.refuseIfHeld(other, what: "commit") }
        do {
            try await other.append(entries(3...3))
            Issue.record("an append without the lease went in while a service leads")
        } catch let error as StoreError {
            guard case .unavailable(let detail) = error else { Issue.record("got \(error)"); return }
            #expect(detail.contains("http://a"))
        }
        try await leader.resignLeadership(holder: "a", epoch: epoch)
        try await WriterLease.refuseIfHeld(other, what: "commit")
        try await other.append(entries(3...3))
        try await leader.dropSchema()
        try await leader.close()
        try await other.close()
    }

    /// A deposed leader racing the new one: once the new epoch's lease is taken, none of the
    /// old writer's appends in flight or later goes in, and the entries' epochs never go back.
    @Test(.enabled(if: postgres, "no PostgreSQL (needs SOLVENT_TEST_POSTGRES): the lease tests skip"))
    func noAppendOfTheOldEpochLandsAfterTheTakeOver() async throws {
        guard let (first, reopen) = try await Backend.postgres.make("race"),
            let a = first as? PostgresStore, let b = try await reopen() as? PostgresStore
        else { return }
        a.fence(epoch: try #require(try await a.takeLeadership(holder: "a", address: "", lease: .milliseconds(200))))
        let writer = Task {
            var appended: [UInt64] = []
            while !Task.isCancelled {
                let next = try await a.lastSequence() + 1
                do {
                    try await a.append(entries(next...next))
                    appended.append(next)
                } catch StoreError.deposed {
                    return appended
                } catch StoreError.outOfOrder {}
            }
            return appended
        }
        try await Task.sleep(for: .milliseconds(300))
        let epoch = try #require(try await b.takeLeadership(holder: "b", address: "", lease: .seconds(30)))
        b.fence(epoch: epoch)
        let taken = try await b.lastSequence()
        let appended = try await writer.value
        #expect(!appended.isEmpty)
        #expect(appended.allSatisfy { $0 <= taken }, "an append of the old epoch landed after the take-over")
        try await b.append(entries((taken + 1)...(taken + 1)))
        try await a.dropSchema()
        try await a.close()
        try await b.close()
    }

    /// A standby applies what its leader journals, at the leader's digest after every catch-up,
    /// publishes the events, refuses inputs, and once promoted continues the journal.
    @Test(arguments: Backend.available)
    func aStandbyFollowsItsLeaderAndTakesOver(backend: Backend) async throws {
        guard let (store, reopen) = try await backend.make("standby") else { return }
        let leader = try await JournaledEngine(store: store, digestEvery: 10)
        let standby = try await JournaledEngine(store: try await reopen(), digestEvery: 10, following: true)
        let published = EventCount()
        _ = await standby.addListener { events, _ in published.add(events.count) }
        let commands = venueCommands(seed: 7)
        var applied = 0
        for chunk in stride(from: 0, to: commands.count, by: 97) {
            for command in commands[chunk..<min(chunk + 97, commands.count)] {
                if case .applied(let events) = try await leader.submit(command).outcome { applied += events.count }
            }
            try await standby.catchUp(limit: 40)
            #expect(await standby.engine.digestHex() == leader.engine.digestHex())
        }
        #expect(published.value == applied)
        await #expect(throws: StoreError.standby(leader: "http://leader")) {
            await standby.follow(leader: "http://leader")
            _ = try await standby.submit(.tick)
        }
        // The leader is gone; the standby promotes and continues the journal where it ends.
        let last = await leader.engine.lastSequence
        try await standby.promote()
        let submission = try await standby.submit(.tick)
        #expect(submission.sequence == last + 1)
        #expect(try await store.lastSequence() == last + 1)
    }

    /// A standby that does not reproduce a checkpoint's digest stops: it must not take over.
    @Test func aStandbyThatDivergesStops() async throws {
        guard let (store, reopen) = try await Backend.sqlite.make("diverge") else { return }
        let standby = try await JournaledEngine(store: try await reopen(), following: true)
        try await store.append([
            JournalEntry(sequence: 1, time: 1, commandID: 0, command: try JournalCodec.encode(.tick), digest: "00")
        ])
        await #expect(throws: StoreError.self) { try await standby.catchUp() }
        await #expect(throws: StoreError.self) { try await standby.promote() }
    }
}

/// Events counted from a listener (called on the engine's actor).
final class EventCount: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}
